/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * infer.c: what kind of device each asset is, and its Purdue level, from
 * what the dissectors saw.  A pure function over loaded assets and flows;
 * every decision carries its reason in words.
 *
 * The rules, first match wins:
 *   1. receives program or control operations, or is a DNP3 outstation /
 *      S7 / Modbus / CIP server        -> plc (rtu for DNP3), level 1
 *   2. CIP implicit I/O target, or CIP device type 7/10/12 (discrete
 *      I/O, analog I/O, communications adapter) -> io-adapter, level 1
 *      (ISA-95 level 1: sensing and manipulating the process)
 *   3. sends program operations -> engineering-workstation, 2 (control
 *      operations alone are what operators do: hmi or scada-server)
 *   4. polls (reads or writes) controllers and serves an industrial
 *      protocol to other clients (it aggregates), or polls at least
 *      SCADA_MIN_SERVERS controllers -> scada-server, level 2; a poller
 *      that serves nobody -> hmi, level 2
 *   5. OPC UA server that is not a controller -> scada-server, level 2
 *      (with only OPC UA and IT clients it reads as a historian, 3)
 *   6. only IT protocols -> it-host, level 4 (3 when one of its peers
 *      is an OT asset: a DMZ or site-operations host)
 *   7. otherwise unknown, level null
 * Then a second pass, which needs the first pass's controllers:
 *   - a server polled only by controllers, receiving no program or
 *     control operations, is remote I/O -> io-adapter, level 1;
 *   - an OPC UA server that receives writes or calls and is polled by
 *     several clients is an embedded controller -> plc, level 1 (an OPC
 *     UA server only read from stays scada-server);
 *   - a client whose operations on at least two controllers are mostly
 *     identification reads (SZL, device identification, Get_Attributes)
 *     is an engineering workstation, level 2;
 *   - a client that only reads, from servers none of which is a
 *     controller, is a historian, level 3.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

#define SCADA_MIN_SERVERS 10

static int
has_word(const char *list, const char *w)
{
	size_t n = strlen(w);
	const char *p = list;

	while ((p = strstr(p, w)) != NULL) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == 0))
			return 1;
		p += n;
	}
	return 0;
}

static int
is_ot_proto(const char *p)
{
	return strcmp(p, "modbus") == 0 || strcmp(p, "dnp3") == 0 ||
	    strcmp(p, "s7comm") == 0 || strcmp(p, "s7comm-plus") == 0 ||
	    strcmp(p, "enip") == 0 || strcmp(p, "opcua") == 0 ||
	    strcmp(p, "iec60870") == 0 || strcmp(p, "bacnet") == 0 ||
	    strcmp(p, "profinet") == 0 || strcmp(p, "iec61850") == 0;
}

static int
is_controller_proto(const char *p)
{
	return strcmp(p, "modbus") == 0 || strcmp(p, "dnp3") == 0 ||
	    strcmp(p, "s7comm") == 0 || strcmp(p, "s7comm-plus") == 0 ||
	    strcmp(p, "enip") == 0;
}

struct rel {
	long c, s;
	unsigned prog : 1, ctrl : 1, rw : 1, write : 1, disc : 1, ot : 1;
	unsigned only_read : 1; /* no write/control/program op */
};

struct tally {
	unsigned prog_in, ctrl_in, prog_out, ctrl_out;
	unsigned polled; /* distinct controller servers it reads/writes */
	unsigned ot_clients_in; /* flows where an OT client uses it */
	unsigned ot_flows, it_flows;
	const char *prog_from, *ctrl_from, *prog_to;
};

struct idx {
	const char *ip;
	uint16_t vlan;
	size_t i;
};

static int
idx_cmp(const void *a, const void *b)
{
	const struct idx *x = a, *y = b;
	int c = strcmp(x->ip, y->ip);

	if (c != 0)
		return c;
	return (int)x->vlan - (int)y->vlan;
}

static long
find(const struct idx *ix, size_t n, const char *ip, uint16_t vlan)
{
	struct idx key = {ip, vlan, 0};
	const struct idx *hit = bsearch(&key, ix, n, sizeof(*ix), idx_cmp);

	return hit ? (long)hit->i : -1;
}

static void __attribute__((format(printf, 4, 5)))
set(struct st_asset *a, const char *kind, int level, const char *fmt, ...)
{
	va_list ap;

	snprintf(a->kind, sizeof(a->kind), "%s", kind);
	a->purdue_level = level;
	va_start(ap, fmt);
	vsnprintf(a->kind_reason, sizeof(a->kind_reason), fmt, ap);
	va_end(ap);
}

static int
is_controller(const struct st_asset *a)
{
	return strcmp(a->kind, "plc") == 0 || strcmp(a->kind, "rtu") == 0;
}

/* The second pass; see the rules at the top. */
static void
refine(struct st_asset *as, size_t na, const struct rel *rl, size_t nf)
{
	unsigned *by_ctl = calloc(na ? na : 1, sizeof(unsigned));
	unsigned *by_other = calloc(na ? na : 1, sizeof(unsigned));
	unsigned *in_write = calloc(na ? na : 1, sizeof(unsigned));
	unsigned *clients = calloc(na ? na : 1, sizeof(unsigned));
	unsigned *disc_ctl = calloc(na ? na : 1, sizeof(unsigned));
	unsigned *rw_ctl = calloc(na ? na : 1, sizeof(unsigned));
	unsigned *nonread = calloc(na ? na : 1, sizeof(unsigned));
	unsigned *read_ctl = calloc(na ? na : 1, sizeof(unsigned));
	unsigned *read_any = calloc(na ? na : 1, sizeof(unsigned));
	const char **ctl_name = calloc(na ? na : 1, sizeof(char *));
	size_t i;

	if (by_ctl == NULL || by_other == NULL || in_write == NULL ||
	    clients == NULL || disc_ctl == NULL || rw_ctl == NULL ||
	    nonread == NULL || read_ctl == NULL || read_any == NULL ||
	    ctl_name == NULL)
		goto out;
	for (i = 0; i < nf; i++) {
		const struct rel *r = &rl[i];

		if (!r->ot || r->c < 0 || r->s < 0)
			continue;
		if (is_controller(&as[r->c])) {
			by_ctl[r->s]++;
			ctl_name[r->s] = as[r->c].ip;
		} else {
			by_other[r->s]++;
		}
		clients[r->s]++;
		if (r->write || r->ctrl)
			in_write[r->s]++;
		if (is_controller(&as[r->s])) {
			if (r->disc && !r->write && !r->prog && !r->ctrl)
				disc_ctl[r->c]++;
			else if (r->rw)
				rw_ctl[r->c]++;
			read_ctl[r->c]++;
		}
		if (!r->only_read)
			nonread[r->c]++;
		else
			read_any[r->c]++;
	}
	for (i = 0; i < na; i++) {
		struct st_asset *a = &as[i];

		if (strcmp(a->kind, "plc") == 0 && by_ctl[i] > 0 &&
		    by_other[i] == 0 && strstr(a->kind_reason, "program") ==
			NULL && strstr(a->kind_reason, "control") == NULL &&
		    strstr(a->roles, "opcua-server") == NULL) {
			set(a, "io-adapter", 1,
			    "polled only by controller%s (%s): remote I/O",
			    by_ctl[i] > 1 ? "s" : "", ctl_name[i]);
		} else if (strcmp(a->kind, "scada-server") == 0 &&
		    strstr(a->roles, "opcua-server") != NULL &&
		    in_write[i] > 0 && clients[i] >= 2 &&
		    strstr(a->roles, "-client") == NULL) {
			set(a, "plc", 1,
			    "OPC UA server that receives writes from %u "
			    "client%s: an embedded controller", in_write[i],
			    in_write[i] > 1 ? "s" : "");
		}
	}
	/* the controllers may have changed: count reads from them again,
	 * and discovery sweeps to broadcast addresses */
	memset(read_ctl, 0, na * sizeof(unsigned));
	for (i = 0; i < nf; i++) {
		const struct rel *r = &rl[i];

		if (r->c < 0 || !r->ot)
			continue;
		if (r->s < 0 && r->disc)
			disc_ctl[r->c] += 2; /* a sweep finds many */
		else if (r->s >= 0 && is_controller(&as[r->s]))
			read_ctl[r->c]++;
	}
	for (i = 0; i < na; i++) {
		struct st_asset *a = &as[i];

		if (strcmp(a->kind, "unknown") == 0 && read_ctl[i] > 0 &&
		    disc_ctl[i] < 2) {
			set(a, "hmi", 2, "reads from %u controller%s",
			    read_ctl[i], read_ctl[i] == 1 ? "" : "s");
		} else if (strcmp(a->kind, "unknown") == 0 && disc_ctl[i] >= 2) {
			set(a, "engineering-workstation", 2, "%s",
			    "sweeps the network for devices (broadcast "
			    "identification requests)");
		} else if ((strcmp(a->kind, "hmi") == 0 ||
			strcmp(a->kind, "scada-server") == 0) &&
		    disc_ctl[i] >= 2 && disc_ctl[i] >= rw_ctl[i]) {
			set(a, "engineering-workstation", 2,
			    "identifies %u controllers (identity and "
			    "diagnostic reads)", disc_ctl[i]);
		} else if ((strcmp(a->kind, "unknown") == 0 ||
			       strcmp(a->kind, "hmi") == 0) &&
		    read_any[i] > 0 && nonread[i] == 0 && read_ctl[i] == 0 &&
		    strstr(a->roles, "-client") != NULL &&
		    strstr(a->roles, "-server") == NULL) {
			set(a, "historian", 3, "%s",
			    "only reads, and from supervisory servers, not "
			    "from controllers");
		}
	}
	/* IT hosts that reach into the control side, or whose peers are
	 * mostly OT assets, sit at level 3 (DMZ or site operations: jump
	 * hosts, patch servers); an enterprise server that also answers a
	 * few OT hosts stays at 4. */
	memset(by_ctl, 0, na * sizeof(unsigned));   /* OT peers */
	memset(by_other, 0, na * sizeof(unsigned)); /* IT peers */
	memset(in_write, 0, na * sizeof(unsigned)); /* initiates to OT */
	for (i = 0; i < nf; i++) {
		const struct rel *r = &rl[i];
		int k;

		if (r->c < 0 || r->s < 0)
			continue;
		for (k = 0; k < 2; k++) {
			long it = k ? r->s : r->c, peer = k ? r->c : r->s;
			int ot = as[peer].purdue_level >= 0 &&
			    as[peer].purdue_level <= 3 &&
			    strcmp(as[peer].kind, "it-host") != 0;

			if (ot) {
				by_ctl[it]++;
				if (!k)
					in_write[it]++;
				ctl_name[it] = as[peer].ip;
			} else {
				by_other[it]++;
			}
		}
	}
	for (i = 0; i < na; i++) {
		if (strcmp(as[i].kind, "it-host") != 0 || by_ctl[i] == 0)
			continue;
		if (in_write[i] > 0 || by_ctl[i] > by_other[i])
			set(&as[i], "it-host", 3,
			    "IT protocols only; %s OT assets (%s): DMZ or site "
			    "operations", in_write[i] ? "reaches into" :
			    "serves mostly", ctl_name[i]);
	}
out:
	free(by_ctl);
	free(by_other);
	free(in_write);
	free(clients);
	free(disc_ctl);
	free(rw_ctl);
	free(nonread);
	free(read_ctl);
	free(read_any);
	free(ctl_name);
}

void
store_infer_kinds(struct st_asset *as, size_t na, const struct st_flow *fs,
    size_t nf)
{
	struct idx *ix = calloc(na ? na : 1, sizeof(*ix));
	struct tally *t = calloc(na ? na : 1, sizeof(*t));
	struct rel *rl = calloc(nf ? nf : 1, sizeof(*rl));
	size_t i, j;
	char why[256];

	if (ix == NULL || t == NULL || rl == NULL) {
		free(ix);
		free(t);
		free(rl);
		return;
	}
	for (i = 0; i < na; i++) {
		ix[i].ip = as[i].ip;
		ix[i].vlan = as[i].vlan;
		ix[i].i = i;
	}
	qsort(ix, na, sizeof(*ix), idx_cmp);
	for (i = 0; i < nf; i++) {
		const struct st_flow *f = &fs[i];
		long c = find(ix, na, f->client, f->client_vlan);
		long s = find(ix, na, f->server, f->vlan);
		int prog = 0, ctrl = 0, rw = 0, wr = 0, disc = 0;

		for (j = 0; j < f->n_ops; j++) {
			if (strcmp(f->ops[j].cls, "write") == 0)
				wr = 1;
			if (strcmp(f->ops[j].cls, "discover") == 0)
				disc = 1;
			if (strcmp(f->ops[j].cls, "program") == 0)
				prog = 1;
			else if (strcmp(f->ops[j].cls, "control") == 0)
				ctrl = 1;
			else if (strcmp(f->ops[j].cls, "read") == 0 ||
			    strcmp(f->ops[j].cls, "write") == 0)
				rw = 1;
		}
		rl[i].c = c;
		rl[i].s = s;
		rl[i].prog = prog != 0;
		rl[i].ctrl = ctrl != 0;
		rl[i].rw = rw != 0;
		rl[i].write = wr != 0;
		rl[i].disc = disc != 0;
		rl[i].ot = is_ot_proto(f->protocol) != 0;
		rl[i].only_read = !wr && !prog && !ctrl;
		if (is_ot_proto(f->protocol)) {
			if (c >= 0)
				t[c].ot_flows++;
			if (s >= 0) {
				t[s].ot_flows++;
				t[s].ot_clients_in++;
			}
		} else {
			if (c >= 0)
				t[c].it_flows++;
			if (s >= 0)
				t[s].it_flows++;
		}
		if (s >= 0 && prog) {
			t[s].prog_in++;
			t[s].prog_from = f->client;
		}
		if (s >= 0 && ctrl) {
			t[s].ctrl_in++;
			t[s].ctrl_from = f->client;
		}
		if (c >= 0 && prog) {
			t[c].prog_out++;
			t[c].prog_to = f->server;
		}
		if (c >= 0 && ctrl)
			t[c].ctrl_out++;
		if (c >= 0 && (rw || prog || ctrl) &&
		    is_controller_proto(f->protocol))
			t[c].polled++;
	}
	for (i = 0; i < na; i++) {
		struct st_asset *a = &as[i];
		const char *r = a->roles;
		int ctl_server = has_word(r, "modbus-server") ||
		    has_word(r, "s7-server") || has_word(r, "cip-server") ||
		    has_word(r, "enip-server") ||
		    has_word(r, "dnp3-outstation");

		if (has_word(r, "dnp3-outstation")) {
			set(a, "rtu", 1, "DNP3 outstation%s", t[i].ctrl_in
				? "; receives control operations" : "");
		} else if (has_word(r, "cip-io-adapter") ||
		    (!t[i].prog_in && !t[i].ctrl_in &&
			(a->device_type == 7 || a->device_type == 10 ||
			    a->device_type == 12))) {
			set(a, "io-adapter", 1, "%s",
			    has_word(r, "cip-io-adapter")
				? "target of CIP implicit I/O"
				: "CIP device type is an I/O or communications "
				  "adapter");
		} else if (t[i].prog_in || t[i].ctrl_in || ctl_server) {
			if (t[i].prog_in)
				snprintf(why, sizeof(why),
				    "controller; received program operations "
				    "from %s", t[i].prog_from);
			else if (t[i].ctrl_in)
				snprintf(why, sizeof(why),
				    "controller; received control operations "
				    "from %s", t[i].ctrl_from);
			else
				snprintf(why, sizeof(why),
				    "industrial protocol server (%.200s)", r);
			set(a, "plc", 1, "%s", why);
		} else if (t[i].prog_out) {
			snprintf(why, sizeof(why),
			    "sent program operations to %s", t[i].prog_to);
			set(a, "engineering-workstation", 2, "%s", why);
		} else if (t[i].polled > 0 && (t[i].ot_clients_in > 0 ||
					      t[i].polled >= SCADA_MIN_SERVERS)) {
			snprintf(why, sizeof(why), "polls %u controller%s%s%s",
			    t[i].polled, t[i].polled == 1 ? "" : "s",
			    t[i].ot_clients_in
				? " and serves their data to other clients"
				: "",
			    t[i].ctrl_out
				? " and operates them (control operations)"
				: "");
			set(a, "scada-server", 2, "%s", why);
		} else if (t[i].polled > 0 || t[i].ctrl_out) {
			snprintf(why, sizeof(why), "polls %u controller%s%s",
			    t[i].polled, t[i].polled == 1 ? "" : "s",
			    t[i].ctrl_out
				? " and operates them (control operations)"
				: "");
			set(a, "hmi", 2, "%s", why);
		} else if (has_word(r, "opcua-server")) {
			set(a, "scada-server", 2, "%s",
			    "OPC UA server that is not a controller");
		} else if (has_word(r, "opcua-client") && t[i].it_flows > 0) {
			set(a, "historian", 3, "%s",
			    "OPC UA client that also serves IT hosts");
		} else if (t[i].ot_flows == 0 && t[i].it_flows > 0) {
			set(a, "it-host", 4, "%s", "only IT protocols seen");
		} else {
			set(a, "unknown", -1, "%s",
			    "no role-revealing traffic seen");
		}
	}
	refine(as, na, rl, nf);
	free(ix);
	free(t);
	free(rl);
}

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
 *      I/O, analog I/O, communications adapter) -> io-adapter, level 0
 *   3. sends program or control operations -> engineering-workstation, 2
 *   4. polls (reads or writes) at least SCADA_MIN_SERVERS controllers
 *      -> scada-server, level 2; fewer -> hmi, level 2
 *   5. OPC UA server that is not a controller -> scada-server, level 2
 *      (with only OPC UA and IT clients it reads as a historian, 3)
 *   6. only IT protocols -> it-host, level 4 (3 if it is a server to
 *      an OT client: a DMZ or site-operations host)
 *   7. otherwise unknown, level null
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

#define SCADA_MIN_SERVERS 3

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

void
store_infer_kinds(struct st_asset *as, size_t na, const struct st_flow *fs,
    size_t nf)
{
	struct idx *ix = calloc(na ? na : 1, sizeof(*ix));
	struct tally *t = calloc(na ? na : 1, sizeof(*t));
	size_t i, j;
	char why[256];

	if (ix == NULL || t == NULL) {
		free(ix);
		free(t);
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
		int prog = 0, ctrl = 0, rw = 0;

		for (j = 0; j < f->n_ops; j++) {
			if (strcmp(f->ops[j].cls, "program") == 0)
				prog = 1;
			else if (strcmp(f->ops[j].cls, "control") == 0)
				ctrl = 1;
			else if (strcmp(f->ops[j].cls, "read") == 0 ||
			    strcmp(f->ops[j].cls, "write") == 0)
				rw = 1;
		}
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
			set(a, "io-adapter", 0, "%s",
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
		} else if (t[i].prog_out || t[i].ctrl_out) {
			if (t[i].prog_out)
				snprintf(why, sizeof(why),
				    "sent program operations to %s",
				    t[i].prog_to);
			else
				snprintf(why, sizeof(why),
				    "sent control operations to controllers");
			set(a, "engineering-workstation", 2, "%s", why);
		} else if (t[i].polled >= SCADA_MIN_SERVERS) {
			snprintf(why, sizeof(why), "polls %u controllers",
			    t[i].polled);
			set(a, "scada-server", 2, "%s", why);
		} else if (t[i].polled > 0) {
			snprintf(why, sizeof(why), "polls %u controller%s",
			    t[i].polled, t[i].polled == 1 ? "" : "s");
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
	free(ix);
	free(t);
}

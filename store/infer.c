/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * infer.c: what kind of device each asset is, and its Purdue level, from
 * what the dissectors saw.  A pure function over loaded assets and flows;
 * every decision carries its reason in words.
 *
 * The rules, first match wins:
 *   1. DNP3 outstation -> rtu, level 1
 *   2. identifies as a controller (CIP device type 0x0E; a product,
 *      model or OPC UA product URI of a controller family: S7-300/400/
 *      1200/1500, Logix, Modicon M340/M580) and serves OPC UA or is a CIP
 *      I/O target -> plc, level 1 (a PLC serving OPC UA, or exchanging
 *      produced/consumed tags with another PLC, is still a PLC)
 *   3. CIP implicit I/O target, or CIP device type 7/10/12 (discrete
 *      I/O, analog I/O, communications adapter) -> io-adapter, level 1
 *      (ISA-95 level 1: sensing and manipulating the process); so is an
 *      industrial protocol server that polls nobody, receives no program
 *      or control operations, gave no identity and whose network card is
 *      a remote I/O / gateway maker's (MOXA, ICP DAS, Brainboxes,
 *      Acromag)
 *   4. receives program or control operations, or is a S7 / Modbus /
 *      CIP server -> plc, level 1, even when it is also a client (PLC to
 *      PLC); except a server that gave no identity, receives no program
 *      or control operations, polls controllers itself and whose network
 *      card is a PC maker's (Dell, HP, Lenovo, VMware...): a computer
 *      serving Modbus to a PLC is a SCADA server (rule 6)
 *   5. sends program operations -> engineering-workstation, 2 (control
 *      operations alone are what operators do: hmi or scada-server)
 *   6. polls (reads or writes) controllers and serves an industrial
 *      protocol to other clients (it aggregates), or is a DNP3 master
 *      station (DNP3 is telecontrol: its masters are SCADA), or polls
 *      at least SCADA_MIN_SERVERS controllers
 *      -> scada-server, level 2; a poller that serves nobody -> hmi,
 *      level 2.  Several protocols are not enough: an operator station
 *      often reads a S7, a Modbus and a Logix controller.
 *   7. OPC UA server that says it is a historian -> historian, 3; other
 *      OPC UA servers that are not controllers -> scada-server, level 2
 *   8. only IT protocols -> it-host, level 4 (see it_levels)
 *   9. otherwise unknown, level null
 * Then a second pass, which needs the first pass's controllers:
 *   - a server polled only by controllers, receiving no program or
 *     control operations, polling nobody itself and not identified as a
 *     controller, is remote I/O -> io-adapter, level 1;
 *   - an OPC UA server that receives writes or calls and is polled by
 *     several clients is an embedded controller -> plc, level 1 (an OPC
 *     UA server only read from stays scada-server);
 *   - a client whose operations on at least two controllers are mostly
 *     identification reads (SZL, device identification, a CIP flow
 *     whose only reads are Get_Attributes_All) is an engineering
 *     workstation, level 2;
 *   - a client that only reads, from servers none of which is a
 *     controller, is a historian, level 3;
 *   - an OPC UA server (not a controller) that polls nothing and whose
 *     OT clients are all level-2 supervisory hosts is where they keep
 *     history: historian, level 3.
 * Last, the levels of IT-only hosts (it_levels): 3 for hosts that reach
 * into the control side or serve mostly OT hosts, unless their subnet is
 * an office one; hosts with no such traffic take their subnet's level;
 * an HMI or engineering workstation alone among office hosts is at 4.
 *
 * HMIs are level 2 wherever they sit, a panel inside a cell included:
 * ISA-95 / IEC 62443-1-1 and Rockwell/Cisco CPwE put operator interfaces
 * at level 2 (area supervisory control) and keep levels 0-2 in the
 * cell/area zone; which cell an HMI belongs to is the zone proposal's
 * business (subnets, who talks to whom), not its level.
 */
#include <arpa/inet.h>
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
	unsigned master : 1; /* DNP3 master station */
	const char *prog_from, *ctrl_from, *prog_to, *ctrl_to;
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

/* Case-insensitive substring. */
static int
has_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle), i, k;

	for (i = 0; hay[i] != 0; i++) {
		for (k = 0; k < n && hay[i + k] != 0; k++) {
			char a = hay[i + k], b = needle[k];

			if (a >= 'A' && a <= 'Z')
				a = (char)(a - 'A' + 'a');
			if (a != b)
				break;
		}
		if (k == n)
			return 1;
	}
	return 0;
}

/*
 * The identity a device gave says it is a controller: CIP device type
 * 0x0E (Programmable Logic Controller), or a product, model or product
 * URI of a controller family (S7 CPUs, Logix, Modicon).  Sets *what to
 * the evidence.  Families are lower case.
 */
static int
ident_controller(const struct st_asset *a, const char **what)
{
	static const char *const fam[] = {"s7-1500", "s7-1200", "s7-300",
	    "s7-400", "s7-200", "logix", "1756-l", "1769-l", "modicon",
	    "bmx p34", "bme p58", "m340", "m580"};
	const char *f[3] = {a->product, a->model, a->url};
	size_t i, k;

	if (a->device_type == 14) {
		*what = "CIP device type 0x0E, programmable logic controller";
		return 1;
	}
	for (k = 0; k < 3; k++)
		for (i = 0; i < sizeof(fam) / sizeof(fam[0]); i++)
			if (has_ci(f[k], fam[i])) {
				*what = f[k];
				return 1;
			}
	return 0;
}

static int
ident_historian(const struct st_asset *a)
{
	return has_ci(a->product, "histor") || has_ci(a->model, "histor") ||
	    has_ci(a->url, "histor") || has_ci(a->name, "histor");
}

/* The NIC's maker builds PCs and servers, not controllers. */
static int
mac_pc_vendor(const struct st_asset *a)
{
	static const char *const v[] = {"dell", "hewlett packard", "hp inc",
	    "lenovo", "vmware", "microsoft", "super micro", "fujitsu",
	    "asustek", "giga-byte", "apple", "micro-star"};
	size_t i, k, n;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		n = strlen(v[i]);
		for (k = 0; k < n; k++) {
			char c = a->mac_vendor[k];

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (c != v[i][k])
				break;
		}
		if (k == n)
			return 1;
	}
	return 0;
}

/* The NIC's maker builds remote I/O and protocol gateways, not
 * controllers. */
static int
mac_io_vendor(const struct st_asset *a)
{
	return has_ci(a->mac_vendor, "moxa") ||
	    has_ci(a->mac_vendor, "icp das") ||
	    has_ci(a->mac_vendor, "brainboxes") ||
	    has_ci(a->mac_vendor, "acromag");
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
	unsigned *ot_client = calloc(na ? na : 1, sizeof(unsigned));
	const char **ctl_name = calloc(na ? na : 1, sizeof(char *));
	size_t i;

	if (ot_client == NULL || by_ctl == NULL || by_other == NULL ||
	    in_write == NULL || clients == NULL || disc_ctl == NULL ||
	    rw_ctl == NULL ||
	    nonread == NULL || read_ctl == NULL || read_any == NULL ||
	    ctl_name == NULL)
		goto out;
	for (i = 0; i < nf; i++) {
		const struct rel *r = &rl[i];

		if (!r->ot || r->c < 0 || r->s < 0)
			continue;
		ot_client[r->c]++;
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

		const char *what;

		if (strcmp(a->kind, "plc") == 0 && by_ctl[i] > 0 &&
		    by_other[i] == 0 && ot_client[i] == 0 &&
		    !ident_controller(a, &what) &&
		    strstr(a->kind_reason, "program") == NULL &&
		    strstr(a->kind_reason, "control") == NULL &&
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
	/* An OPC UA server that is no controller, polls nothing itself and
	 * is used only by supervisory hosts (HMI, SCADA, engineering, level
	 * 2) is where they store or fetch history: a historian, level 3.  A
	 * SCADA server serving OPC UA would be seen polling its controllers. */
	memset(by_other, 0, na * sizeof(unsigned)); /* non-supervisory */
	memset(in_write, 0, na * sizeof(unsigned)); /* supervisory clients */
	for (i = 0; i < nf; i++) {
		const struct rel *r = &rl[i];

		if (r->c < 0 || r->s < 0 || !r->ot)
			continue;
		if (as[r->c].purdue_level == 2 && !is_controller(&as[r->c])) {
			in_write[r->s]++;
			ctl_name[r->s] = as[r->c].ip;
		} else {
			by_other[r->s]++;
		}
	}
	for (i = 0; i < na; i++) {
		struct st_asset *a = &as[i];

		if (strcmp(a->kind, "scada-server") == 0 &&
		    has_word(a->roles, "opcua-server") && ot_client[i] == 0 &&
		    in_write[i] > 0 && by_other[i] == 0)
			set(a, "historian", 3, "OPC UA server that polls "
			    "nothing and is used only by supervisory hosts "
			    "(%s): a historian", ctl_name[i]);
	}
out:
	free(ot_client);
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

/* The subnet an address is on, as a string: a.b.c for IPv4 (/24), the
 * first 64 bits for IPv6; "" when it parses as neither. */
static void
subnet_key(const char *ip, char *out, size_t len)
{
	unsigned char b[16];
	const char *dot = strrchr(ip, '.');

	out[0] = 0;
	if (strchr(ip, ':') == NULL && dot != NULL) {
		snprintf(out, len, "%.*s", (int)(dot - ip), ip);
	} else if (inet_pton(AF_INET6, ip, b) == 1) {
		snprintf(out, len, "%02x%02x:%02x%02x:%02x%02x:%02x%02x::/64",
		    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]);
	}
}

struct sn {
	char key[48];
	size_t i;
};

static int
sn_cmp(const void *a, const void *b)
{
	const struct sn *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c != 0)
		return c;
	return x->i < y->i ? -1 : x->i > y->i;
}

enum { EV_NONE, EV_WEAK, EV_STRONG };

static int
is_ot_asset(const struct st_asset *a)
{
	return a->purdue_level >= 0 && a->purdue_level <= 3 &&
	    strcmp(a->kind, "it-host") != 0;
}

/*
 * IPv4 addresses laid out with no regard to the /24 (a flat /16 with
 * hosts anywhere in it): in a /16, the /24s in use are nearly as many as
 * its hosts dropped there at random would fill (above 80% of that
 * expectation); subnets laid out by function fill far fewer.  Then the
 * /24 says nothing about a host, and its key is cleared.  Each /16 is
 * judged alone (a flood of random sources elsewhere changes nothing).
 * g is sorted by key, so a /16's keys are contiguous.
 */
static void
clear_flat_v4(struct sn *g, size_t ng)
{
	size_t j = 0, k, x, n, d24;
	size_t len16;
	double q, expect;

	while (j < ng) {
		const char *dot = strrchr(g[j].key, '.');

		if (g[j].key[0] == 0 || strchr(g[j].key, ':') != NULL ||
		    dot == NULL) {
			j++;
			continue;
		}
		len16 = (size_t)(dot - g[j].key) + 1; /* "a.b." */
		n = 0;
		d24 = 0;
		for (k = j; k < ng && strncmp(g[k].key, g[j].key, len16) == 0 &&
		     strchr(g[k].key + len16, '.') == NULL; k++) {
			n++;
			if (k == j || strcmp(g[k].key, g[k - 1].key) != 0)
				d24++;
		}
		q = 1.0;
		for (x = 0; x < n; x++)
			q *= 1.0 - 1.0 / 256.0;
		expect = 256.0 * (1.0 - q);
		if ((double)d24 > 0.8 * expect)
			for (x = j; x < k; x++)
				g[x].key[0] = 0;
		j = k;
	}
}

/*
 * The level is where a host sits: an HMI or engineering workstation
 * (a client) alone among office hosts on its subnet (no other OT asset,
 * at least two IT-only hosts at level 4) is at level 4, whatever it
 * polls: a segmentation break, not a control-room host.  g: one subnet.
 */
static void
office_clients(struct st_asset *as, const struct sn *g, size_t n)
{
	size_t i, ot = 0, office = 0;
	char why[sizeof(as[0].kind_reason)];

	if (n == 0 || g[0].key[0] == 0)
		return;
	for (i = 0; i < n; i++) {
		const struct st_asset *a = &as[g[i].i];

		if (strcmp(a->kind, "it-host") == 0 && a->purdue_level == 4)
			office++;
		else if (is_ot_asset(a))
			ot++;
	}
	if (ot != 1 || office < 2)
		return;
	for (i = 0; i < n; i++) {
		struct st_asset *a = &as[g[i].i];

		if (strcmp(a->kind, "hmi") != 0 &&
		    strcmp(a->kind, "engineering-workstation") != 0)
			continue;
		snprintf(why, sizeof(why), "%.180s; from an office subnet "
		    "(%zu IT hosts)", a->kind_reason, office);
		a->purdue_level = 4;
		snprintf(a->kind_reason, sizeof(a->kind_reason), "%s", why);
	}
}

/*
 * The level of hosts seen with IT protocols only.  Evidence of their
 * own: one that opens connections to OT assets (remote access, a jump
 * host, a mirror) is strong; one whose peers are mostly OT assets (a
 * domain controller or patch server for the plant) is weak.  Then the
 * subnet (/24, /64) decides: a host with strong evidence is at level 3
 * unless its subnet is plainly an office one (more IT-only hosts
 * without evidence than with, itself counted); with weak evidence,
 * unless IT-only hosts without evidence are the majority; a host with
 * none takes the level of its subnet when OT assets or lifted hosts are
 * at least as many as those like it (level 3 when lifted hosts are
 * there, else that of the OT assets but at least 2: a computer is not a
 * controller).  Everything else stays at level 4.
 */
static void
it_levels(struct st_asset *as, size_t na, const struct rel *rl, size_t nf)
{
	struct sn *g = calloc(na ? na : 1, sizeof(*g));
	unsigned *ot_peer = calloc(na ? na : 1, sizeof(unsigned));
	unsigned *it_peer = calloc(na ? na : 1, sizeof(unsigned));
	unsigned *opens = calloc(na ? na : 1, sizeof(unsigned));
	unsigned *non_hist = calloc(na ? na : 1, sizeof(unsigned));
	unsigned char *ev = calloc(na ? na : 1, 1);
	unsigned char *up = calloc(na ? na : 1, 1);
	const char **peer_name = calloc(na ? na : 1, sizeof(char *));
	size_t i, j, k, ng = 0;

	if (g == NULL || ot_peer == NULL || it_peer == NULL ||
	    opens == NULL || non_hist == NULL || ev == NULL || up == NULL ||
	    peer_name == NULL)
		goto out;
	for (i = 0; i < nf; i++) {
		const struct rel *r = &rl[i];
		int d;

		if (r->c < 0 || r->s < 0)
			continue;
		for (d = 0; d < 2; d++) {
			long it = d ? r->s : r->c, peer = d ? r->c : r->s;

			if (is_ot_asset(&as[peer])) {
				ot_peer[it]++;
				if (!d)
					opens[it]++;
				if (d || strcmp(as[peer].kind, "historian"))
					non_hist[it]++;
				peer_name[it] = as[peer].ip;
			} else {
				it_peer[it]++;
			}
		}
	}
	for (i = 0; i < na; i++) {
		if (strcmp(as[i].kind, "it-host") != 0)
			continue;
		if (opens[i] > 0)
			ev[i] = EV_STRONG;
		else if (ot_peer[i] > it_peer[i])
			ev[i] = EV_WEAK;
	}
	for (i = 0; i < na; i++) {
		if (strcmp(as[i].kind, "it-host") != 0 && !is_ot_asset(&as[i]))
			continue;
		/* no protocol recognised in any of its traffic (payload-less
		 * connections: a flood's spoofed sources): no vote */
		if (as[i].protocols[0] == 0)
			continue;
		subnet_key(as[i].ip, g[ng].key, sizeof(g[ng].key));
		g[ng++].i = i;
	}
	qsort(g, ng, sizeof(*g), sn_cmp);
	clear_flat_v4(g, ng);
	for (j = 0; j < ng; j = k) {
		unsigned ot = 0, strong = 0, weak = 0, plain = 0, lifted = 0;
		int maxlv = -1;
		const char *ot_name = NULL, *up_name = NULL;

		for (k = j; k < ng && strcmp(g[k].key, g[j].key) == 0; k++) {
			const struct st_asset *a = &as[g[k].i];

			if (is_ot_asset(a)) {
				ot++;
				if (a->purdue_level > maxlv) {
					maxlv = a->purdue_level;
					ot_name = a->ip;
				}
			} else if (ev[g[k].i] == EV_STRONG) {
				strong++;
			} else if (ev[g[k].i] == EV_WEAK) {
				weak++;
			} else {
				plain++;
			}
		}
		if (g[j].key[0] == 0) /* no subnet: each host on its own */
			ot = strong = weak = plain = 0;
		/* hosts with evidence of their own */
		for (i = j; i < k; i++) {
			size_t x = g[i].i;
			unsigned others;

			if (ev[x] == EV_NONE || is_ot_asset(&as[x]))
				continue;
			others = g[j].key[0] ? ot + strong + weak - 1 : 0;
			if ((ev[x] == EV_STRONG && plain <= others + 1) ||
			    (ev[x] == EV_WEAK && plain <= others)) {
				up[x] = 1;
				lifted++;
				up_name = as[x].ip;
			}
		}
		for (i = j; i < k; i++) {
			size_t x = g[i].i;
			struct st_asset *a = &as[x];

			if (is_ot_asset(a))
				continue;
			if (up[x] && ev[x] == EV_STRONG && non_hist[x] == 0)
				set(a, "historian", 3, "IT protocols only; "
				    "fetches from the historian %s, from a "
				    "subnet above it: a historian mirror (DMZ)",
				    peer_name[x]);
			else if (up[x])
				set(a, "it-host", 3, "IT protocols only; %s OT "
				    "assets (%s): DMZ or site operations",
				    ev[x] == EV_STRONG ? "reaches into" :
				    "serves mostly", peer_name[x]);
			else if (ev[x] == EV_STRONG)
				set(a, "it-host", 4, "IT protocols only; "
				    "reaches into OT assets (%s) from an "
				    "office subnet", peer_name[x]);
			else if (ev[x] == EV_NONE && ot + lifted > 0 &&
			    ot + lifted + 1 >= plain + strong + weak -
				    lifted && g[j].key[0]) {
				int lv = lifted ? 3 : maxlv < 2 ? 2 : maxlv;

				set(a, "it-host", lv, "IT protocols only; on "
				    "the subnet of %s (%s, level %d)",
				    lifted ? "DMZ or site operations hosts" :
				    "OT assets", lifted ? up_name : ot_name,
				    lifted ? 3 : maxlv);
			}
		}
		office_clients(as, g + j, k - j);
	}
out:
	free(g);
	free(ot_peer);
	free(it_peer);
	free(opens);
	free(non_hist);
	free(ev);
	free(up);
	free(peer_name);
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
		int gaa_only = strcmp(f->protocol, "enip") == 0 &&
		    f->n_ops > 0;

		for (j = 0; j < f->n_ops; j++) {
			/* CIP Get_Attributes_All (service 1) and nothing
			 * else read: a tool reading the identity object */
			if (strcmp(f->ops[j].cls, "session") != 0 &&
			    (strcmp(f->ops[j].cls, "read") != 0 ||
				f->ops[j].code != 1))
				gaa_only = 0;
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
		if (gaa_only && rw) {
			disc = 1;
			rw = 0;
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
		if (c >= 0 && ctrl) {
			t[c].ctrl_out++;
			t[c].ctrl_to = f->server;
		}
		if (c >= 0 && strcmp(f->protocol, "dnp3") == 0 && (rw || ctrl))
			t[c].master = 1;
		if (c >= 0 && (rw || prog || ctrl) &&
		    is_controller_proto(f->protocol))
			t[c].polled++;
	}
	for (i = 0; i < na; i++) {
		struct st_asset *a = &as[i];
		const char *r = a->roles;
		const char *what = NULL;
		int ctl_server = has_word(r, "modbus-server") ||
		    has_word(r, "s7-server") || has_word(r, "cip-server") ||
		    has_word(r, "enip-server") ||
		    has_word(r, "dnp3-outstation");
		int ctl_ident = ident_controller(a, &what);
		int quiet_server = ctl_server && !t[i].prog_in &&
		    !t[i].ctrl_in && !ctl_ident;

		if (has_word(r, "dnp3-outstation")) {
			set(a, "rtu", 1, "DNP3 outstation%s", t[i].ctrl_in
				? "; receives control operations" : "");
		} else if (ctl_ident && !t[i].prog_in && !t[i].ctrl_in &&
		    (has_word(r, "cip-io-adapter") ||
			(!ctl_server && has_word(r, "opcua-server")))) {
			set(a, "plc", 1, "%s and identifies as a controller "
			    "(%.120s)", has_word(r, "cip-io-adapter") ?
			    "target of CIP implicit I/O" : "OPC UA server",
			    what);
		} else if (has_word(r, "cip-io-adapter") ||
		    (!t[i].prog_in && !t[i].ctrl_in &&
			(a->device_type == 7 || a->device_type == 10 ||
			    a->device_type == 12))) {
			set(a, "io-adapter", 1, "%s",
			    has_word(r, "cip-io-adapter")
				? "target of CIP implicit I/O"
				: "CIP device type is an I/O or communications "
				  "adapter");
		} else if (quiet_server && t[i].polled == 0 &&
		    a->vendor[0] == 0 && mac_io_vendor(a)) {
			set(a, "io-adapter", 1, "industrial protocol server "
			    "built by a remote I/O and gateway maker (%.64s)",
			    a->mac_vendor);
		} else if (t[i].prog_in || t[i].ctrl_in ||
		    (ctl_server && !(quiet_server && a->vendor[0] == 0 &&
				      t[i].polled > 0 && mac_pc_vendor(a)))) {
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
					      t[i].polled >= SCADA_MIN_SERVERS ||
					      t[i].master)) {
			snprintf(why, sizeof(why), "polls %u controller%s%s%s%s",
			    t[i].polled, t[i].polled == 1 ? "" : "s",
			    t[i].master ? " as a DNP3 master station" : "",
			    t[i].ot_clients_in
				? (ctl_server ? " and serves an industrial "
				     "protocol from a PC (its network card is "
				     "a PC maker's)" : " and serves their data "
				     "to other clients")
				: "",
			    t[i].ctrl_out
				? " and operates them (control operations)"
				: "");
			set(a, "scada-server", 2, "%s", why);
		} else if (t[i].polled > 0 || t[i].ctrl_out) {
			if (t[i].polled > 0)
				snprintf(why, sizeof(why),
				    "polls %u controller%s%s", t[i].polled,
				    t[i].polled == 1 ? "" : "s",
				    t[i].ctrl_out ? " and operates them "
						    "(control operations)" : "");
			else
				snprintf(why, sizeof(why), "operates %s "
				    "(control operations)", t[i].ctrl_to);
			set(a, "hmi", 2, "%s", why);
		} else if (has_word(r, "opcua-server") && ident_historian(a)) {
			set(a, "historian", 3, "OPC UA server that identifies "
			    "as a historian (%.120s)", a->url[0] ? a->url :
			    a->product[0] ? a->product : a->name);
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
	it_levels(as, na, rl, nf);
	free(ix);
	free(t);
	free(rl);
}

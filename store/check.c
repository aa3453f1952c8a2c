/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check.c: the zone/conduit policy check, a pure function over the loaded
 * graph (no SQLite, no clock, no output).
 *
 * For every flow: the zone of each end (assets listed in a zone win over
 * networks; overlapping entries are resolved by precedence, which the
 * parser guarantees is unambiguous), then the rules of ARCHITECTURE.md:
 *
 *   both ends in one zone        intra-zone: no conduit needed
 *   ends in two zones            the conduits from the client's zone to the
 *                                server's decide: no-conduit,
 *                                protocol-not-allowed, initiator-not-
 *                                allowed, access-exceeds-conduit, and the
 *                                rules' OPC UA security
 *   whatever the conduits say    no-integrity (cleartext into SL-T >= 3),
 *                                remote-access-into-control, insecure-
 *                                service
 *   an asset in no zone          unzoned-asset, once per asset
 *
 * Flows to broadcast/multicast addresses (and to addresses that are not in
 * the inventory, i.e. subnet-directed broadcasts) are not checked against
 * conduits.  Findings aggregate one (rule, client, server, protocol,
 * class); the evidence is the earliest offending packet (source, frame).
 *
 * The SL gap: for each zone and each requirement the rules test, the
 * highest SL the observed traffic is consistent with (docs/policy.md).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* ---- tables ----------------------------------------------------------- */

static const struct {
	const char *name;
	const char *req;    /* requirement below re_from */
	const char *req_re; /* from re_from (or NULL) */
	int re_from;
	int applies_from;
} rules[CR_N] = {
	[CR_NO_CONDUIT] = {"no-conduit", "SR 5.2", "SR 5.2 RE1", 2, 1},
	[CR_PROTOCOL_NOT_ALLOWED] = {"protocol-not-allowed", "SR 5.2", NULL,
	    0, 1},
	[CR_ACCESS_EXCEEDS] = {"access-exceeds-conduit", "SR 2.1", NULL, 0,
	    1},
	[CR_INITIATOR_NOT_ALLOWED] = {"initiator-not-allowed", "SR 2.1",
	    NULL, 0, 1},
	[CR_NO_INTEGRITY] = {"no-integrity", "SR 3.1 RE1", NULL, 0, 3},
	[CR_REMOTE_ACCESS] = {"remote-access-into-control",
	    "SR 1.13, SR 5.1", NULL, 0, 2},
	[CR_INSECURE_SERVICE] = {"insecure-service", "SR 7.7", NULL, 0, 2},
	[CR_UNZONED_ASSET] = {"unzoned-asset", "SR 7.8, SR 5.1", NULL, 0, 2},
};

static const struct {
	const char *name;
	const char *title;
	int applies_from;
} reqs[REQ_N] = {
	[REQ_SR_1_13] = {"SR 1.13", "Access via untrusted networks", 2},
	[REQ_SR_2_1] = {"SR 2.1", "Authorization enforcement", 1},
	[REQ_SR_3_1_RE1] = {"SR 3.1 RE1",
	    "Communication integrity: cryptographic integrity protection", 3},
	[REQ_SR_5_1] = {"SR 5.1", "Network segmentation", 2},
	[REQ_SR_5_2] = {"SR 5.2", "Zone boundary protection", 1},
	[REQ_SR_5_2_RE1] = {"SR 5.2 RE1",
	    "Zone boundary protection: deny by default, allow by exception",
	    2},
	[REQ_SR_7_7] = {"SR 7.7", "Least functionality", 2},
	[REQ_SR_7_8] = {"SR 7.8", "Control system component inventory", 2},
};

const char *
check_rule_name(int r)
{
	return r >= 0 && r < CR_N ? rules[r].name : "?";
}

const char *
check_rule_requirement(int r, int sl_t)
{
	if (r < 0 || r >= CR_N)
		return "?";
	if (rules[r].req_re != NULL && sl_t >= rules[r].re_from)
		return rules[r].req_re;
	return rules[r].req;
}

int
check_rule_applies_from(int r)
{
	return r >= 0 && r < CR_N ? rules[r].applies_from : 0;
}

const char *
check_req_name(int q)
{
	return q >= 0 && q < REQ_N ? reqs[q].name : "?";
}

const char *
check_req_title(int q)
{
	return q >= 0 && q < REQ_N ? reqs[q].title : "?";
}

int
check_req_applies_from(int q)
{
	return q >= 0 && q < REQ_N ? reqs[q].applies_from : 0;
}

const char *
check_severity_name(int s)
{
	switch (s) {
	case SEV_LOW:
		return "low";
	case SEV_MEDIUM:
		return "medium";
	case SEV_HIGH:
		return "high";
	case SEV_CRITICAL:
		return "critical";
	}
	return "?";
}

/* The access rank an operation class needs: discover, session and other
 * (unknown codes) come with any allowed access. */
static int
class_access(const char *c)
{
	if (strcmp(c, "read") == 0)
		return POL_ACC_READ;
	if (strcmp(c, "write") == 0)
		return POL_ACC_WRITE;
	if (strcmp(c, "control") == 0)
		return POL_ACC_CONTROL;
	if (strcmp(c, "program") == 0)
		return POL_ACC_PROGRAM;
	return POL_ACC_SESSION;
}

/* Order of classes when a flow is summed up by its highest one. */
static int
class_rank(const char *c)
{
	static const char *const order[] = {"session", "discover", "other",
	    "read", "write", "control", "program"};
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (strcmp(c, order[i]) == 0)
			return (int)i + 1;
	return c[0] != '\0' ? 3 : 0; /* an unknown class ranks as other */
}

int
check_severity(int sl_t, const char *cls)
{
	int score = sl_t;

	switch (class_access(cls != NULL ? cls : "")) {
	case POL_ACC_WRITE:
		score += 1;
		break;
	case POL_ACC_CONTROL:
		score += 2;
		break;
	case POL_ACC_PROGRAM:
		score += 3;
		break;
	default:
		break;
	}
	if (score <= 2)
		return SEV_LOW;
	if (score == 3)
		return SEV_MEDIUM;
	if (score <= 5)
		return SEV_HIGH;
	return SEV_CRITICAL;
}

static int
in_list(const char *p, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(p, *list) == 0)
			return 1;
	return 0;
}

static int
has_prefix(const char *p, const char *pre)
{
	return strncmp(p, pre, strlen(pre)) == 0;
}

/* Industrial protocols without integrity protection of their own
 * (S7comm-plus has its own; CIP Security runs over TLS, labelled tls). */
static int
is_cleartext(const struct st_flow *f)
{
	static const char *const plain[] = {"modbus", "s7comm", "enip",
	    "cip", "iec60870", "bacnet", NULL};

	if (f->encrypted)
		return 0;
	if (strcmp(f->protocol, "dnp3") == 0)
		return !f->authenticated;
	if (strcmp(f->protocol, "opcua") == 0)
		return f->sec_mode == OBS_SEC_NONE;
	return in_list(f->protocol, plain);
}

/* Remote access: RDP, VNC, SSH, Telnet, SMB (nDPI's SMBv1/SMBv23 are
 * folded into "smb" by the labeller). */
static int
is_remote(const char *p)
{
	static const char *const remote[] = {"rdp", "vnc", "ssh", "telnet",
	    NULL};

	return in_list(p, remote) || has_prefix(p, "smb");
}

/* Telnet, FTP, TFTP, HTTP, SNMP (nDPI does not tell SNMPv3 from v1/v2c
 * by name: any SNMP counts). */
static int
is_insecure(const char *p)
{
	static const char *const insecure[] = {"telnet", "ftp", "ftp_control",
	    "ftp_data", "tftp", "http", NULL};

	return in_list(p, insecure) || has_prefix(p, "http_") ||
	    has_prefix(p, "snmp");
}

/* ---- addresses ----------------------------------------------------------- */

int
check_parse_ip(const char *s, uint8_t ip[16])
{
	uint8_t v4[4];

	if (inet_pton(AF_INET, s, v4) == 1) {
		memset(ip, 0, 10);
		ip[10] = 0xff;
		ip[11] = 0xff;
		memcpy(ip + 12, v4, 4);
		return 1;
	}
	if (inet_pton(AF_INET6, s, ip) == 1)
		return 2;
	return 0;
}

static void
mask_addr(const uint8_t in[16], unsigned len, uint8_t out[16])
{
	unsigned i;

	for (i = 0; i < 16; i++) {
		if (len >= (i + 1) * 8)
			out[i] = in[i];
		else if (len > i * 8)
			out[i] = (uint8_t)(in[i] &
			    (0xff00u >> (len - i * 8)));
		else
			out[i] = 0;
	}
}

int
check_prefix_match(const struct pol_prefix *p, const uint8_t ip[16])
{
	uint8_t m[16];

	mask_addr(ip, p->len, m);
	return memcmp(m, p->addr, 16) == 0;
}

static int
is_v4mapped(const uint8_t ip[16])
{
	static const uint8_t pre[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
	    0xff};

	return memcmp(ip, pre, 12) == 0;
}

int
check_is_group(const uint8_t ip[16])
{
	static const uint8_t zero[16];

	if (is_v4mapped(ip))
		return (ip[12] & 0xf0) == 0xe0 || /* 224.0.0.0/4 */
		    (ip[12] == 255 && ip[13] == 255 && ip[14] == 255 &&
			ip[15] == 255) ||
		    (ip[12] == 0 && ip[13] == 0 && ip[14] == 0 && ip[15] == 0);
	return ip[0] == 0xff || memcmp(ip, zero, 16) == 0;
}

/* ---- the policy ---------------------------------------------------------- */

void
policy_clear(struct policy *p)
{
	size_t i, j;

	if (p == NULL)
		return;
	for (i = 0; p->zones != NULL && i < p->n_zones; i++) {
		free(p->zones[i].nets);
		free(p->zones[i].assets);
	}
	for (i = 0; p->conduits != NULL && i < p->n_conduits; i++) {
		for (j = 0; j < p->conduits[i].n_rules; j++)
			free(p->conduits[i].rules[j].from);
		free(p->conduits[i].rules);
	}
	free(p->zones);
	free(p->conduits);
	memset(p, 0, sizeof(*p));
}

/* Better of two matches: higher precedence, then lower zone index. */
static int
better(const struct policy *p, int cand, int best)
{
	if (best < 0)
		return 1;
	if (p->zones[cand].precedence != p->zones[best].precedence)
		return p->zones[cand].precedence > p->zones[best].precedence;
	return cand < best;
}

int
check_zone_of(const struct policy *p, const char *s)
{
	uint8_t ip[16];
	int best = -1;
	size_t z, i;

	if (check_parse_ip(s, ip) == 0)
		return -1;
	for (z = 0; z < p->n_zones; z++)
		for (i = 0; i < p->zones[z].n_assets; i++)
			if (check_prefix_match(&p->zones[z].assets[i], ip) &&
			    better(p, (int)z, best))
				best = (int)z;
	if (best >= 0)
		return best;
	for (z = 0; z < p->n_zones; z++)
		for (i = 0; i < p->zones[z].n_nets; i++)
			if (check_prefix_match(&p->zones[z].nets[i], ip) &&
			    better(p, (int)z, best))
				best = (int)z;
	return best;
}

/*
 * The zone index: single assets sorted by address, networks sorted by
 * (length, address) with the list of distinct lengths, so that a lookup
 * is one binary search per distinct prefix length.
 */
struct zent {
	uint8_t addr[16];
	uint8_t len;
	int zone;
};

struct zindex {
	const struct policy *p;
	struct zent *assets, *nets;
	size_t n_assets, n_nets;
	uint8_t lens[129];
	size_t n_lens;
};

static int
zent_cmp(const void *a, const void *b)
{
	const struct zent *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->addr, y->addr, 16);
}

static int
zindex_build(struct zindex *zi, const struct policy *p)
{
	size_t z, i, na = 0, nn = 0;

	memset(zi, 0, sizeof(*zi));
	zi->p = p;
	for (z = 0; z < p->n_zones; z++) {
		na += p->zones[z].n_assets;
		nn += p->zones[z].n_nets;
	}
	zi->assets = calloc(na ? na : 1, sizeof(*zi->assets));
	zi->nets = calloc(nn ? nn : 1, sizeof(*zi->nets));
	if (zi->assets == NULL || zi->nets == NULL)
		return -1;
	for (z = 0; z < p->n_zones; z++) {
		const struct pol_zone *pz = &p->zones[z];

		for (i = 0; i < pz->n_assets; i++) {
			struct zent *e = &zi->assets[zi->n_assets++];

			memcpy(e->addr, pz->assets[i].addr, 16);
			e->len = pz->assets[i].len;
			e->zone = (int)z;
		}
		for (i = 0; i < pz->n_nets; i++) {
			struct zent *e = &zi->nets[zi->n_nets++];

			memcpy(e->addr, pz->nets[i].addr, 16);
			e->len = pz->nets[i].len;
			e->zone = (int)z;
		}
	}
	qsort(zi->assets, zi->n_assets, sizeof(struct zent), zent_cmp);
	qsort(zi->nets, zi->n_nets, sizeof(struct zent), zent_cmp);
	for (i = 0; i < zi->n_nets; i++)
		if (zi->n_lens == 0 ||
		    zi->lens[zi->n_lens - 1] != zi->nets[i].len)
			zi->lens[zi->n_lens++] = zi->nets[i].len;
	return 0;
}

static void
zindex_free(struct zindex *zi)
{
	free(zi->assets);
	free(zi->nets);
}

/* Best zone among the entries equal to key (len, addr) in v. */
static int
zsearch(const struct zindex *zi, const struct zent *v, size_t n,
    const struct zent *key, int best)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (zent_cmp(&v[mid], key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && zent_cmp(&v[lo], key) == 0; lo++)
		if (better(zi->p, v[lo].zone, best))
			best = v[lo].zone;
	return best;
}

static int
zindex_lookup(const struct zindex *zi, const uint8_t ip[16])
{
	struct zent key;
	int best = -1;
	size_t i;

	memset(&key, 0, sizeof(key));
	/* Single assets are stored as /128 (IPv4: /32 mapped). */
	memcpy(key.addr, ip, 16);
	key.len = 128;
	best = zsearch(zi, zi->assets, zi->n_assets, &key, -1);
	if (best >= 0)
		return best;
	for (i = 0; i < zi->n_lens; i++) {
		key.len = zi->lens[i];
		mask_addr(ip, key.len, key.addr);
		best = zsearch(zi, zi->nets, zi->n_nets, &key, best);
	}
	return best;
}

/* ---- assets by address --------------------------------------------------- */

struct aent {
	uint8_t ip[16];
	uint16_t vlan;
	size_t i;
};

static int
aent_cmp(const void *a, const void *b)
{
	const struct aent *x = a, *y = b;
	int c = memcmp(x->ip, y->ip, 16);

	if (c != 0)
		return c;
	if (x->vlan != y->vlan)
		return x->vlan < y->vlan ? -1 : 1;
	return 0;
}

/* The asset with this address, on this VLAN if there is one; -1 none. */
static long
asset_find(const struct aent *v, size_t n, const uint8_t ip[16],
    uint16_t vlan)
{
	size_t lo = 0, hi = n, k;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (memcmp(v[mid].ip, ip, 16) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= n || memcmp(v[lo].ip, ip, 16) != 0)
		return -1;
	for (k = lo; k < n && memcmp(v[k].ip, ip, 16) == 0; k++)
		if (v[k].vlan == vlan)
			return (long)v[k].i;
	return (long)v[lo].i;
}

/* ---- findings ------------------------------------------------------------ */

struct evid {
	const char *source;
	uint64_t frame;
	int64_t first_us, last_us;
};

struct acc {
	struct check_finding *v;
	size_t n, cap;
	uint64_t capped;
	int oom;
};

#define CHECK_RAW_MAX (2 * (size_t)CHECK_MAX_FINDINGS)

static int
addr_cmp_text(const char *a, const char *b)
{
	uint8_t x[16], y[16];
	int pa = check_parse_ip(a, x), pb = check_parse_ip(b, y);

	if (pa == 0 || pb == 0) {
		if (pa != pb)
			return pa == 0 ? 1 : -1;
		return strcmp(a, b);
	}
	return memcmp(x, y, 16);
}

/* Aggregation key order. */
static int
key_cmp(const struct check_finding *x, const struct check_finding *y)
{
	int c;

	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	if ((c = strcmp(x->client, y->client)) != 0)
		return c;
	if ((c = strcmp(x->server, y->server)) != 0)
		return c;
	if ((c = strcmp(x->protocol, y->protocol)) != 0)
		return c;
	return strcmp(x->cls, y->cls);
}

static int
fkey_cmp(const void *a, const void *b)
{
	return key_cmp(a, b);
}

/* Output order: severity (highest first), rule, client, server (address
 * order), protocol, class. */
static int
fout_cmp(const void *a, const void *b)
{
	const struct check_finding *x = a, *y = b;
	int c;

	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	if ((c = addr_cmp_text(x->client, y->client)) != 0)
		return c;
	if ((c = addr_cmp_text(x->server, y->server)) != 0)
		return c;
	if ((c = strcmp(x->protocol, y->protocol)) != 0)
		return c;
	return strcmp(x->cls, y->cls);
}

static int
earlier(int64_t t1, uint64_t f1, int64_t t2, uint64_t f2)
{
	if (t1 != t2)
		return t1 < t2;
	return f1 < f2;
}

/* Sort by key and merge equal keys in place. */
static void
acc_compact(struct acc *a)
{
	size_t i, o = 0;

	if (a->n == 0)
		return;
	qsort(a->v, a->n, sizeof(*a->v), fkey_cmp);
	for (i = 1; i < a->n; i++) {
		struct check_finding *d = &a->v[o], *s = &a->v[i];

		if (key_cmp(d, s) != 0) {
			a->v[++o] = *s;
			continue;
		}
		d->count += s->count;
		if (earlier(s->first_us, s->frame, d->first_us, d->frame)) {
			d->first_us = s->first_us;
			d->frame = s->frame;
			d->source = s->source;
		}
		if (s->last_us > d->last_us)
			d->last_us = s->last_us;
		if (s->sl_t > d->sl_t) {
			d->sl_t = s->sl_t;
			d->severity = s->severity;
			d->requirement = s->requirement;
		}
	}
	a->n = o + 1;
}

static void
emit(struct acc *a, int rule, const char *client,
    const char *server, const char *proto, const char *cls, int zf, int zt,
    int sl_t, uint64_t count, const struct evid *e)
{
	struct check_finding *f;

	if (a->oom)
		return;
	if (a->n == CHECK_RAW_MAX) {
		acc_compact(a);
		if (a->n >= CHECK_MAX_FINDINGS) {
			a->capped++;
			return;
		}
	}
	if (a->n == a->cap) {
		size_t nc = a->cap ? a->cap * 2 : 64;
		struct check_finding *nv;

		if (nc > CHECK_RAW_MAX)
			nc = CHECK_RAW_MAX;
		nv = realloc(a->v, nc * sizeof(*nv));
		if (nv == NULL) {
			a->oom = 1;
			return;
		}
		a->v = nv;
		a->cap = nc;
	}
	f = &a->v[a->n++];
	memset(f, 0, sizeof(*f));
	f->rule = rule;
	f->sl_t = sl_t;
	f->requirement = check_rule_requirement(rule, sl_t);
	f->severity = check_severity(sl_t, cls);
	snprintf(f->client, sizeof(f->client), "%s", client);
	snprintf(f->server, sizeof(f->server), "%s", server);
	snprintf(f->protocol, sizeof(f->protocol), "%s", proto);
	snprintf(f->cls, sizeof(f->cls), "%s", cls);
	f->zone_from = zf;
	f->zone_to = zt;
	f->count = count ? count : 1;
	f->first_us = e->first_us;
	f->last_us = e->last_us;
	f->source = e->source != NULL ? e->source : "";
	f->frame = e->frame;
}

/* ---- per-flow helpers ---------------------------------------------------- */

static void
flow_evid(const struct st_flow *f, struct evid *e)
{
	e->source = f->source;
	e->frame = f->frame;
	e->first_us = f->first_us;
	e->last_us = f->last_us;
}

static void
op_evid(const struct st_op *o, struct evid *e)
{
	e->source = o->source;
	e->frame = o->frame;
	e->first_us = o->first_us;
	e->last_us = o->last_us;
}

/* The highest class of a flow's operations, "" without any. */
static const char *
flow_top_class(const struct st_flow *f)
{
	const char *top = "";
	size_t i;

	for (i = 0; i < f->n_ops; i++)
		if (class_rank(f->ops[i].cls) > class_rank(top))
			top = f->ops[i].cls;
	return top;
}

/* Sum of the operations of one access rank; e: the earliest of them (its
 * class in *cls), with the latest last_us. */
static uint64_t
ops_of_access(const struct st_flow *f, int acc, struct evid *e,
    const char **cls)
{
	uint64_t n = 0;
	int64_t last = 0;
	size_t i;

	for (i = 0; i < f->n_ops; i++) {
		const struct st_op *o = &f->ops[i];

		if (class_access(o->cls) != acc)
			continue;
		if (n == 0 || earlier(o->first_us, o->frame, e->first_us,
				  e->frame)) {
			op_evid(o, e);
			*cls = o->cls;
		}
		if (o->last_us > last)
			last = o->last_us;
		n += o->count;
	}
	if (n != 0)
		e->last_us = last;
	return n;
}

/* The packet that shows a cleartext flow: the OpenSecureChannel of an
 * OPC UA flow, else the first operation, else the first packet. */
static void
integrity_evid(const struct st_flow *f, struct evid *e)
{
	const struct st_op *best = NULL;
	size_t i;

	for (i = 0; i < f->n_ops; i++) {
		const struct st_op *o = &f->ops[i];

		if (strcmp(f->protocol, "opcua") == 0 &&
		    strcmp(o->protocol, "opcua") == 0 && o->code == 446) {
			best = o;
			break;
		}
		if (best == NULL ||
		    earlier(o->first_us, o->frame, best->first_us, best->frame))
			best = o;
	}
	flow_evid(f, e);
	if (best != NULL) {
		e->source = best->source;
		e->frame = best->frame;
		e->first_us = best->first_us;
	}
}

static int
rule_permits(const struct pol_rule *r, const uint8_t client[16])
{
	size_t i;

	if (r->n_from == 0)
		return 1;
	for (i = 0; i < r->n_from; i++)
		if (check_prefix_match(&r->from[i], client))
			return 1;
	return 0;
}

/* Per-asset state for unzoned-asset. */
struct astate {
	uint64_t flows;
	int peer_slt;
	int has_evid;
	struct evid e;
};

struct ctx {
	const struct policy *p;
	struct zindex zi;
	/* conduits by zone pair: chead[from * n_zones + to] is the first
	 * conduit index, cnext[i] the next one, -1 ends */
	int *chead, *cnext;
	struct acc acc;
	struct check_gap *gaps;
	struct astate *ast;
};

static void
gap_break(struct ctx *c, int zone, int req, int max_sl)
{
	struct check_gap_row *r;

	if (zone < 0)
		return;
	r = &c->gaps[zone].row[req];
	r->breaking++;
	if (max_sl < r->max_sl)
		r->max_sl = max_sl;
}

static void
gap_seen(struct ctx *c, int zone, int req)
{
	if (zone >= 0)
		c->gaps[zone].row[req].flows++;
}

/* What the conduits from cz to sz say about a flow's protocol. */
struct rscan {
	int have_conduit;
	size_t n_proto;	  /* rules for the protocol */
	int max_any;	  /* highest access of those */
	int max_cli;	  /* highest access of those permitting the client */
	size_t n_cli;
};

static void
scan_rules(const struct ctx *c, const struct st_flow *f,
    const uint8_t cip[16], int cz, int sz, struct rscan *s)
{
	const struct policy *p = c->p;
	size_t k;
	int i;

	memset(s, 0, sizeof(*s));
	s->max_any = s->max_cli = -1;
	for (i = c->chead[(size_t)cz * p->n_zones + (size_t)sz]; i >= 0;
	     i = c->cnext[i]) {
		const struct pol_conduit *pc = &p->conduits[i];

		s->have_conduit = 1;
		for (k = 0; k < pc->n_rules; k++) {
			const struct pol_rule *r = &pc->rules[k];

			if (strcmp(r->protocol, f->protocol) != 0)
				continue;
			s->n_proto++;
			if (r->access > s->max_any)
				s->max_any = r->access;
			if (rule_permits(r, cip)) {
				s->n_cli++;
				if (r->access > s->max_cli)
					s->max_cli = r->access;
			}
		}
	}
}

/* The least OPC UA security asked by the rules (from cz to sz, for the
 * flow's protocol, permitting the client) that allow access acc. */
static int
least_security(const struct ctx *c, const struct st_flow *f,
    const uint8_t cip[16], int cz, int sz, int acc)
{
	const struct policy *p = c->p;
	size_t k;
	int i, need = -1;

	for (i = c->chead[(size_t)cz * p->n_zones + (size_t)sz]; i >= 0;
	     i = c->cnext[i]) {
		const struct pol_conduit *pc = &p->conduits[i];

		for (k = 0; k < pc->n_rules; k++) {
			const struct pol_rule *r = &pc->rules[k];

			if (strcmp(r->protocol, f->protocol) != 0 ||
			    r->access < acc || !rule_permits(r, cip))
				continue;
			if (need < 0 || r->security < need)
				need = r->security;
		}
	}
	return need;
}

/*
 * The conduit rules for a flow from zone cz to zone sz (both declared,
 * different).  Sets *below_sec when the rules that permit what the flow
 * does demand more OPC UA security than the flow shows.
 */
static void
conduit_rules(struct ctx *c, const struct st_flow *f, const uint8_t cip[16],
    int cz, int sz, int slt, const char *top, int *below_sec)
{
	uint64_t conn = f->connections ? f->connections : 1;
	struct rscan s;
	struct evid e;
	int acc;
	size_t i;

	*below_sec = 0;
	flow_evid(f, &e);
	scan_rules(c, f, cip, cz, sz, &s);
	if (!s.have_conduit) {
		emit(&c->acc, CR_NO_CONDUIT, f->client, f->server,
		    f->protocol, top, cz, sz, slt, conn, &e);
		gap_break(c, cz, REQ_SR_5_2, 0);
		gap_break(c, sz, REQ_SR_5_2, 0);
		gap_break(c, cz, REQ_SR_5_2_RE1, 1);
		gap_break(c, sz, REQ_SR_5_2_RE1, 1);
		return;
	}
	if (s.n_proto == 0) {
		emit(&c->acc, CR_PROTOCOL_NOT_ALLOWED, f->client, f->server,
		    f->protocol, top, cz, sz, slt, conn, &e);
		gap_break(c, cz, REQ_SR_5_2, 0);
		gap_break(c, sz, REQ_SR_5_2, 0);
		return;
	}
	if (s.n_cli == 0) {
		emit(&c->acc, CR_INITIATOR_NOT_ALLOWED, f->client,
		    f->server, f->protocol, top, cz, sz, slt, conn, &e);
		gap_break(c, sz, REQ_SR_2_1, 0);
		return;
	}
	for (acc = POL_ACC_READ; acc <= POL_ACC_PROGRAM; acc++) {
		const char *cls = "";
		uint64_t n;

		if (acc <= s.max_cli)
			continue;
		n = ops_of_access(f, acc, &e, &cls);
		if (n == 0)
			continue;
		emit(&c->acc,
		    acc > s.max_any ? CR_ACCESS_EXCEEDS
				    : CR_INITIATOR_NOT_ALLOWED,
		    f->client, f->server, f->protocol, cls, cz, sz, slt, n, &e);
		gap_break(c, sz, REQ_SR_2_1, 0);
	}
	/* OPC UA security: for each access the flow uses (session always),
	 * the least any permitting rule asks for.  An unknown security mode
	 * (capture started mid-session) is no evidence either way. */
	if (f->sec_mode < OBS_SEC_NONE || f->sec_mode > OBS_SEC_SIGN_ENCRYPT)
		return;
	for (acc = POL_ACC_SESSION; acc <= s.max_cli; acc++) {
		int used = acc == POL_ACC_SESSION;

		for (i = 0; i < f->n_ops && !used; i++)
			used = class_access(f->ops[i].cls) == acc;
		if (used && least_security(c, f, cip, cz, sz, acc) >
				f->sec_mode)
			*below_sec = 1;
	}
}

static void
check_flow(struct ctx *c, const struct st_flow *f, long ca, long sa)
{
	const struct policy *p = c->p;
	uint8_t cip[16], sip[16];
	int cz, sz, sc, ss, slt, below_sec = 0, cross, clear;
	const char *top = flow_top_class(f);
	uint64_t conn = f->connections ? f->connections : 1;
	struct evid e;

	if (check_parse_ip(f->client, cip) == 0 ||
	    check_parse_ip(f->server, sip) == 0)
		return;
	cz = zindex_lookup(&c->zi, cip);
	sz = zindex_lookup(&c->zi, sip);
	sc = cz >= 0 ? p->zones[cz].sl_t : 0;
	ss = sz >= 0 ? p->zones[sz].sl_t : 0;
	slt = sc > ss ? sc : ss;
	cross = cz != sz;
	flow_evid(f, &e);

	/* unzoned ends: remember the peer's SL-T for the finding */
	if (ca >= 0 && cz < 0 && ss > c->ast[ca].peer_slt)
		c->ast[ca].peer_slt = ss;
	if (sa >= 0 && sz < 0 && sc > c->ast[sa].peer_slt)
		c->ast[sa].peer_slt = sc;

	/* what the flow tests, per zone */
	gap_seen(c, cz, REQ_SR_5_1);
	gap_seen(c, cz, REQ_SR_7_8);
	if (sz != cz) {
		gap_seen(c, sz, REQ_SR_5_1);
		gap_seen(c, sz, REQ_SR_7_8);
	}
	if (cross) {
		gap_seen(c, cz, REQ_SR_5_2);
		gap_seen(c, cz, REQ_SR_5_2_RE1);
		gap_seen(c, sz, REQ_SR_5_2);
		gap_seen(c, sz, REQ_SR_5_2_RE1);
		gap_seen(c, sz, REQ_SR_3_1_RE1);
		gap_seen(c, sz, REQ_SR_1_13);
		if (cz >= 0)
			gap_seen(c, sz, REQ_SR_2_1);
	}
	gap_seen(c, sz, REQ_SR_7_7);
	if (cz < 0 && sz >= 0) {
		gap_break(c, sz, REQ_SR_7_8, 1);
		gap_break(c, sz, REQ_SR_5_1, 1);
	}
	if (sz < 0 && cz >= 0) {
		gap_break(c, cz, REQ_SR_7_8, 1);
		gap_break(c, cz, REQ_SR_5_1, 1);
	}
	if (cz < 0 && sz < 0)
		return;

	if (cross && cz >= 0 && sz >= 0)
		conduit_rules(c, f, cip, cz, sz, slt, top, &below_sec);

	clear = is_cleartext(f);
	if (cross && sz >= 0 && ((clear && ss >= 3) || below_sec)) {
		struct evid ie;

		integrity_evid(f, &ie);
		emit(&c->acc, CR_NO_INTEGRITY, f->client, f->server,
		    f->protocol, top, cz, sz, slt, conn, &ie);
	}
	if (cross && sz >= 0 && clear)
		gap_break(c, sz, REQ_SR_3_1_RE1, 2);

	if (cross && sz >= 0 && is_remote(f->protocol)) {
		if (sc < ss && ss >= 2)
			emit(&c->acc, CR_REMOTE_ACCESS, f->client, f->server,
			    f->protocol, top, cz, sz, slt, conn, &e);
		if (sc < 4) {
			gap_break(c, sz, REQ_SR_1_13, sc > 1 ? sc : 1);
			gap_break(c, sz, REQ_SR_5_1, sc > 1 ? sc : 1);
		}
	}
	if (sz >= 0 && is_insecure(f->protocol)) {
		if (ss >= 2)
			emit(&c->acc, CR_INSECURE_SERVICE, f->client,
			    f->server, f->protocol, top, cz, sz, slt, conn, &e);
		gap_break(c, sz, REQ_SR_7_7, 1);
	}
}

static void
note_asset(struct ctx *c, long a, const struct st_flow *f)
{
	struct astate *s;

	if (a < 0)
		return;
	s = &c->ast[a];
	s->flows++;
	if (!s->has_evid ||
	    earlier(f->first_us, f->frame, s->e.first_us, s->e.frame)) {
		int64_t last = s->has_evid ? s->e.last_us : 0;

		flow_evid(f, &s->e);
		if (last > s->e.last_us)
			s->e.last_us = last;
		s->has_evid = 1;
	} else if (f->last_us > s->e.last_us) {
		s->e.last_us = f->last_us;
	}
}

void
check_result_free(struct check_result *r)
{
	if (r == NULL)
		return;
	free(r->findings);
	free(r->gaps);
	free(r->asset_zone);
	memset(r, 0, sizeof(*r));
}

int
check_run(const struct policy *p, const struct st_asset *as, size_t na,
    const struct st_flow *fs, size_t nf, struct check_result *res,
    char *errbuf, size_t errlen)
{
	struct ctx c;
	struct aent *ai = NULL;
	size_t i, k, nai = 0;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	memset(&c, 0, sizeof(c));
	c.p = p;
	if (zindex_build(&c.zi, p) != 0)
		goto oom;
	c.gaps = calloc(p->n_zones ? p->n_zones : 1, sizeof(*c.gaps));
	c.ast = calloc(na ? na : 1, sizeof(*c.ast));
	ai = calloc(na ? na : 1, sizeof(*ai));
	res->asset_zone = calloc(na ? na : 1, sizeof(int));
	c.chead = malloc((p->n_zones ? p->n_zones * p->n_zones : 1) *
	    sizeof(int));
	c.cnext = malloc((p->n_conduits ? p->n_conduits : 1) * sizeof(int));
	if (c.gaps == NULL || c.ast == NULL || ai == NULL ||
	    res->asset_zone == NULL || c.chead == NULL || c.cnext == NULL)
		goto oom;
	/* n_zones <= POLICY_MAX_ZONES: the square cannot overflow */
	for (i = 0; i < p->n_zones * p->n_zones; i++)
		c.chead[i] = -1;
	for (i = p->n_conduits; i-- > 0;) {
		const struct pol_conduit *pc = &p->conduits[i];
		size_t slot;

		if (pc->from < 0 || pc->to < 0 ||
		    (size_t)pc->from >= p->n_zones ||
		    (size_t)pc->to >= p->n_zones) {
			c.cnext[i] = -1;
			continue;
		}
		slot = (size_t)pc->from * p->n_zones + (size_t)pc->to;
		c.cnext[i] = c.chead[slot];
		c.chead[slot] = (int)i;
	}
	for (i = 0; i < p->n_zones; i++) {
		c.gaps[i].zone = (int)i;
		c.gaps[i].sl_t = p->zones[i].sl_t;
		for (k = 0; k < REQ_N; k++)
			c.gaps[i].row[k].max_sl = 4;
	}
	for (i = 0; i < na; i++) {
		uint8_t ip[16];

		res->asset_zone[i] = -1;
		if (check_parse_ip(as[i].ip, ip) == 0)
			continue;
		res->asset_zone[i] = zindex_lookup(&c.zi, ip);
		memcpy(ai[nai].ip, ip, 16);
		ai[nai].vlan = as[i].vlan;
		ai[nai].i = i;
		nai++;
	}
	res->n_assets = na;
	qsort(ai, nai, sizeof(*ai), aent_cmp);

	for (i = 0; i < nf; i++) {
		const struct st_flow *f = &fs[i];
		uint8_t cip[16], sip[16];
		long ca = -1, sa = -1;

		if (check_parse_ip(f->client, cip) != 0)
			ca = asset_find(ai, nai, cip, f->client_vlan);
		if (check_parse_ip(f->server, sip) != 0)
			sa = asset_find(ai, nai, sip, f->vlan);
		note_asset(&c, ca, f);
		if (check_is_group(sip) || sa < 0) {
			res->flows_group++;
			continue;
		}
		note_asset(&c, sa, f);
		res->flows_checked++;
		if (zindex_lookup(&c.zi, cip) < 0 ||
		    zindex_lookup(&c.zi, sip) < 0)
			res->flows_unzoned++;
		check_flow(&c, f, ca, sa);
	}
	for (i = 0; i < na; i++) {
		const struct astate *s = &c.ast[i];

		if (res->asset_zone[i] >= 0 || s->flows == 0)
			continue;
		emit(&c.acc, CR_UNZONED_ASSET, as[i].ip, "", "", "", -1, -1,
		    s->peer_slt, s->flows, &s->e);
	}
	if (c.acc.oom)
		goto oom;
	acc_compact(&c.acc);
	res->findings_capped = c.acc.capped;
	if (c.acc.n > CHECK_MAX_FINDINGS) {
		res->findings_capped += c.acc.n - CHECK_MAX_FINDINGS;
		c.acc.n = CHECK_MAX_FINDINGS;
	}
	if (c.acc.n > 0)
		qsort(c.acc.v, c.acc.n, sizeof(*c.acc.v), fout_cmp);
	res->findings = c.acc.v;
	res->n_findings = c.acc.n;
	c.acc.v = NULL;
	for (i = 0; i < p->n_zones; i++) {
		int m = 4;

		for (k = 0; k < REQ_N; k++)
			if (c.gaps[i].row[k].max_sl < m)
				m = c.gaps[i].row[k].max_sl;
		c.gaps[i].achieved = m;
	}
	res->gaps = c.gaps;
	res->n_gaps = p->n_zones;
	c.gaps = NULL;
	rc = 0;
	goto out;
oom:
	snprintf(errbuf, errlen, "out of memory");
	check_result_free(res);
out:
	free(c.acc.v);
	free(c.gaps);
	free(c.ast);
	free(c.chead);
	free(c.cnext);
	free(ai);
	zindex_free(&c.zi);
	return rc;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * zones.c: propose IEC 62443 zones and conduits from the asset and flow
 * graph.  A pure function: no SQLite, no clock, no globals, no I/O.
 *
 * The signals, strongest first (docs/zones.md has the full story):
 *   1. who polls whom: controllers and I/O that exchange traffic form a
 *      cell (weighted Louvain community detection over the controller
 *      subgraph); a client that polls the controllers of one cell only
 *      is that cell's local panel;
 *   2. kind and Purdue level (store_infer_kinds): hosts above the cells
 *      are grouped by band (level 2 supervisory, level 3-5 IT), never
 *      across bands;
 *   3. subnets and VLANs, but only when they agree with (1): then they
 *      place controllers that have no traffic of their own, separate
 *      the upper bands, and name zones;
 *   4. MAC addresses: the IPv4 and IPv6 addresses of one host (one MAC)
 *      are one node.
 * Every step keeps the index order of its input and breaks ties by the
 * lowest index, so the same input gives the same zones and names.
 *
 * Memory is O(assets + flows); time is O(E log E) for the sorts plus
 * O(E) per Louvain pass.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zones.h"

#define NONE UINT32_MAX

/* Subnet evidence is used when both pairwise scores reach this. */
#define SUBNET_MIN_AGREEMENT 0.7
/* Louvain: passes per level, levels, and the smallest gain that moves. */
#define LV_MAX_PASSES 64
#define LV_MAX_LEVELS 32
#define LV_EPS 1e-12
/* A host that opens industrial flows to more peers is no cell's panel. */
#define LOCAL_MAX_PEERS 64
/* Subnet evidence from panels alone (no cell of two hosts to compare
 * with): at least this many of their flows. */
#define SUBNET_MIN_PANEL_FLOWS 4
/* Unknown-role hosts are placed through at most this many hops. */
#define PLACE_MAX_ROUNDS 8

/* Host flag bits on an adjacency entry, from the host's point of view. */
#define HA_OT_OUT 0x01 /* this host is the OT client of the peer */
#define HA_OT_IN 0x02  /* the peer is the OT client of this host */
#define HA_OUT 0x04    /* this host opened some flow to the peer */
#define HA_IN 0x08     /* the peer opened some flow to this host */

#define ACCESS_BITS                                                         \
	((1u << ZC_READ) | (1u << ZC_WRITE) | (1u << ZC_CONTROL) |          \
	    (1u << ZC_PROGRAM))

/* Provisional group kinds. */
enum { G_CELL = 0, G_SUPER, G_IT, G_UNKNOWN };

/* Bands of hosts above the cells. */
enum { B_ANCHOR = 0, B_SUPER, B_IT, B_UNKNOWN };

/* Display categories of hosts. */
enum {
	K_PLC = 0,
	K_RTU,
	K_IO,
	K_OTSRV,
	K_HMI,
	K_EWS,
	K_SCADA,
	K_HIST,
	K_IT,
	K_CLIENT,
	K_UNKNOWN,
	K_N
};

static const char *const kind_one[K_N] = {"PLC", "RTU", "I/O", "OT server",
    "HMI", "EWS", "SCADA", "historian", "IT host", "client", "unknown"};
static const char *const kind_many[K_N] = {"PLCs", "RTUs", "I/O",
    "OT servers", "HMIs", "EWS", "SCADA", "historians", "IT hosts",
    "clients", "unknown"};

static const char *const class_names[ZC_N] = {"read", "write", "control",
    "program", "discover", "session", "other"};

static const char *const role_names[ZONE_ROLE_N] = {"cell", "supervisory",
    "operations", "DMZ", "enterprise", "unclassified"};

static const char *const why_names[ZW_N] = {
    "not a unicast asset",
    "linked to the cell's controllers by its own traffic",
    "controller that exchanges no traffic with other controllers",
    "controller with no traffic inside the cell, placed by its subnet",
    "polls only this cell's controllers",
    "same Purdue band and subnet",
    "same Purdue band, linked by traffic",
    "unknown role or alone in its band, placed with its main peer",
    "unknown role or alone in its band, placed by its subnet",
    "no unicast traffic and no other evidence"};

/* ---- small helpers ------------------------------------------------------ */

static void __attribute__((format(printf, 3, 4)))
app(char *buf, size_t len, const char *fmt, ...)
{
	size_t l = strlen(buf);
	va_list ap;

	if (l + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + l, len - l, fmt, ap);
	va_end(ap);
}

static void *
xcalloc(size_t n, size_t sz)
{
	/* calloc checks n * sz for overflow. */
	return calloc(n ? n : 1, sz ? sz : 1);
}

static int
in_list(const char *p, const char *const *list)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++)
		if (strcmp(p, list[i]) == 0)
			return 1;
	return 0;
}

static int
has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

const char *
zones_role_text(enum zone_role r)
{
	return (unsigned)r < ZONE_ROLE_N ? role_names[r] : "?";
}

const char *
zones_why_text(int w)
{
	return w >= 0 && w < ZW_N ? why_names[w] : "?";
}

const char *
zones_class_text(int zc)
{
	return zc >= 0 && zc < ZC_N ? class_names[zc] : "other";
}

int
zones_class_index(const char *cls)
{
	int i;

	for (i = 0; i < ZC_N; i++)
		if (strcmp(cls, class_names[i]) == 0)
			return i;
	return ZC_OTHER;
}

int
zones_access_class(unsigned classes)
{
	int i;

	for (i = ZC_PROGRAM; i > ZC_READ; i--)
		if (classes & (1u << i))
			return i;
	return ZC_READ;
}

int
zones_proto_ot(const char *p)
{
	static const char *const ot[] = {"modbus", "dnp3", "s7comm",
	    "s7comm-plus", "enip", "cip", "opcua", "iec60870", "iec61850",
	    "mms", "goose", "bacnet", "profinet", "ethercat", "fins",
	    "melsec", "hart-ip", "fins", NULL};

	return in_list(p, ot);
}

int
zones_proto_remote_access(const char *p)
{
	static const char *const ra[] = {"rdp", "vnc", "ssh", "telnet", NULL};

	return in_list(p, ra) || has_prefix(p, "smb");
}

int
zones_proto_insecure(const char *p)
{
	static const char *const in[] = {"telnet", "ftp", "ftp_control",
	    "ftp_data", "tftp", "http", "snmp", NULL};

	/* nDPI cannot tell SNMPv3 from v1/v2c by name: any SNMP counts. */
	return in_list(p, in) || has_prefix(p, "http_") ||
	    has_prefix(p, "snmp");
}

int
zones_flow_cleartext(const struct st_flow *f)
{
	const char *p = f->protocol;

	if (f->encrypted)
		return 0;
	if (strcmp(p, "modbus") == 0 || strcmp(p, "s7comm") == 0 ||
	    strcmp(p, "enip") == 0 || strcmp(p, "cip") == 0)
		return 1;
	if (strcmp(p, "dnp3") == 0)
		return !f->authenticated;
	if (strcmp(p, "opcua") == 0)
		return f->sec_mode != 2 && f->sec_mode != 3; /* Sign, S&E */
	/* Other industrial protocols carry no integrity of their own;
	 * s7comm-plus does. */
	return zones_proto_ot(p) && strcmp(p, "s7comm-plus") != 0;
}

static const char *
proto_display(const char *p)
{
	static const char *const map[][2] = {{"modbus", "Modbus"},
	    {"dnp3", "DNP3"}, {"s7comm", "S7comm"},
	    {"s7comm-plus", "S7comm-plus"}, {"enip", "EtherNet/IP"},
	    {"cip", "EtherNet/IP"}, {"opcua", "OPC UA"},
	    {"iec60870", "IEC 104"}, {"bacnet", "BACnet"}, {NULL, NULL}};
	size_t i;

	for (i = 0; map[i][0] != NULL; i++)
		if (strcmp(p, map[i][0]) == 0)
			return map[i][1];
	return p;
}

static unsigned
flow_classes(const struct st_flow *f)
{
	unsigned c = 0;
	size_t i;

	for (i = 0; i < f->n_ops; i++)
		c |= 1u << zones_class_index(f->ops[i].cls);
	return c;
}

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ull;
	}
	return h;
}

static uint64_t
fnv_str(uint64_t h, const char *s)
{
	return fnv(h, s, strlen(s) + 1);
}

/* 1 + the bit length of the packet count: heavy pollers count more, but
 * only logarithmically, and without floating-point library calls. */
static double
flow_weight(const struct st_flow *f)
{
	uint64_t p = f->packets + 1;
	int b = 0;

	while (p != 0) {
		b++;
		p >>= 1;
	}
	return 1.0 + (double)b;
}

/* ---- union-find ---------------------------------------------------------- */

static uint32_t
uf_find(uint32_t *p, uint32_t x)
{
	while (p[x] != x) {
		p[x] = p[p[x]];
		x = p[x];
	}
	return x;
}

static void
uf_union(uint32_t *p, uint32_t a, uint32_t b)
{
	a = uf_find(p, a);
	b = uf_find(p, b);
	/* The lower index is the root: keeps results order-stable. */
	if (a < b)
		p[b] = a;
	else if (b < a)
		p[a] = b;
}

/* ---- the working state --------------------------------------------------- */

struct pair2 {
	uint32_t x, y;
};

struct za {			/* per asset */
	uint32_t host;
	uint32_t subnet;	/* (VLAN, /24 or /64) id: evidence */
	uint32_t net;		/* /24 or /64 id without VLAN: naming */
	int v4;
	int bad;		/* not an address: a subnet of its own */
	unsigned char addr[16];
	int kcat;		/* K_ */
};

struct zh {			/* per host (assets joined by MAC) */
	uint32_t first;		/* lowest asset index */
	uint32_t n_assets;
	int level;		/* lowest known Purdue level, -1 */
	int kcat;
	int band;
	int anchor;
	uint32_t group;
	int why;
	uint32_t ot_in, ot_out;	/* adjacency entries with OT */
	uint32_t peer;		/* main peer for ZW_NEIGHBOUR, NONE */
	int lone;		/* alone in its band group: placed later */
	uint32_t orig_group;	/* that group, if nothing places it */
	int orig_why;
};

struct hadj {
	uint32_t n;
	unsigned fl;
	double w;
};

struct zg {			/* a group, then a zone */
	int kind;		/* G_ */
	int role;		/* enum zone_role once known */
	int level;
	uint32_t n_hosts, n_anchors;
	uint32_t zone;		/* index in the sorted output */
	uint32_t first_asset;	/* lowest member asset index */
	uint32_t anchor_host;	/* main controller for names, NONE */
	uint32_t key_subnet;	/* informative: the subnet of its hosts */
	unsigned cls_in;	/* classes received by members */
	uint32_t cls_from;	/* a flow carrying the highest of them */
	unsigned cls_out;	/* classes sent by members to other zones */
};

struct zc {
	const struct st_asset *as;
	size_t na;
	const struct st_flow *fs;
	size_t nf;
	struct za *a;
	uint32_t *fcl, *fsv;	/* per flow: client/server asset or NONE */
	struct zh *h;
	uint32_t nh;
	size_t *off;		/* host CSR */
	struct hadj *adj;
	size_t nadj;
	uint32_t n_subnets, n_nets;
	char (*net_text)[64];	/* per net id */
	struct zg *g;
	uint32_t ng, gcap;
	struct pair2 *cellsub;	/* (cell group, subnet) of each anchor */
	size_t n_cellsub;
	int informative;
	int by_panels;		/* subnets judged by panels alone */
	double prec, rec;
};

static int
set_oom(char *errbuf, size_t errlen)
{
	if (errbuf != NULL && errlen > 0)
		snprintf(errbuf, errlen, "out of memory");
	return -1;
}

/* ---- step 1: assets, subnets, flows -------------------------------------- */

struct aidx {
	const char *ip;
	uint16_t vlan;
	uint32_t i;
};

static int
aidx_cmp(const void *x, const void *y)
{
	const struct aidx *a = x, *b = y;
	int c = strcmp(a->ip, b->ip);

	if (c != 0)
		return c;
	return (int)a->vlan - (int)b->vlan;
}

struct skey {
	unsigned char k[20];	/* vlan (2), family (1), prefix bytes */
	uint32_t i;
};

static int
skey_cmp(const void *x, const void *y)
{
	const struct skey *a = x, *b = y;
	int c = memcmp(a->k, b->k, sizeof(a->k));

	if (c != 0)
		return c;
	return a->i < b->i ? -1 : a->i > b->i;
}

static void
net_text(const struct za *z, char *buf, size_t len)
{
	char t[INET6_ADDRSTRLEN];
	unsigned char b[16];

	memset(b, 0, sizeof(b));
	if (z->v4) {
		memcpy(b, z->addr, 3);
		inet_ntop(AF_INET, b, t, sizeof(t));
		snprintf(buf, len, "%s/24", t);
	} else {
		memcpy(b, z->addr, 8);
		inet_ntop(AF_INET6, b, t, sizeof(t));
		snprintf(buf, len, "%s/64", t);
	}
}

/* Intern (VLAN, prefix) and prefix alone into dense ids, in address
 * order so ids are stable. */
static int
intern_subnets(struct zc *c)
{
	struct skey *k = xcalloc(c->na, sizeof(*k));
	size_t i;
	int pass;

	if (k == NULL)
		return -1;
	for (pass = 0; pass < 2; pass++) {
		uint32_t id = 0;

		for (i = 0; i < c->na; i++) {
			const struct za *z = &c->a[i];
			uint16_t vlan = pass == 0 ? c->as[i].vlan : 0;

			memset(k[i].k, 0, sizeof(k[i].k));
			k[i].k[0] = (unsigned char)(vlan >> 8);
			k[i].k[1] = (unsigned char)vlan;
			k[i].k[2] = z->bad ? 0 : z->v4 ? 4 : 6;
			if (z->bad) /* keyed by index: alone */
				memcpy(k[i].k + 3, &i, sizeof(i));
			else if (z->v4)
				memcpy(k[i].k + 3, z->addr, 3);
			else
				memcpy(k[i].k + 3, z->addr, 8);
			k[i].i = (uint32_t)i;
		}
		qsort(k, c->na, sizeof(*k), skey_cmp);
		for (i = 0; i < c->na; i++) {
			if (i > 0 && memcmp(k[i].k, k[i - 1].k,
					 sizeof(k[i].k)) != 0)
				id++;
			if (pass == 0)
				c->a[k[i].i].subnet = id;
			else
				c->a[k[i].i].net = id;
		}
		if (pass == 0)
			c->n_subnets = c->na ? id + 1 : 0;
		else
			c->n_nets = c->na ? id + 1 : 0;
	}
	free(k);
	c->net_text = xcalloc(c->n_nets, sizeof(*c->net_text));
	if (c->net_text == NULL)
		return -1;
	for (i = 0; i < c->na; i++) {
		char *t = c->net_text[c->a[i].net];

		if (t[0] != '\0')
			continue;
		if (c->a[i].bad)
			snprintf(t, sizeof(c->net_text[0]), "%s", c->as[i].ip);
		else
			net_text(&c->a[i], t, sizeof(c->net_text[0]));
	}
	return 0;
}

static int
kind_category(const char *kind)
{
	static const char *const k[] = {"plc", "rtu", "io-adapter", "",
	    "hmi", "engineering-workstation", "scada-server", "historian",
	    "it-host"};
	int i;

	for (i = 0; i <= K_IT; i++)
		if (k[i][0] != '\0' && strcmp(kind, k[i]) == 0)
			return i;
	return K_UNKNOWN;
}

static int
load_assets(struct zc *c)
{
	size_t i;

	c->a = xcalloc(c->na, sizeof(*c->a));
	if (c->a == NULL)
		return -1;
	for (i = 0; i < c->na; i++) {
		struct za *z = &c->a[i];
		const char *ip = c->as[i].ip;

		if (inet_pton(AF_INET, ip, z->addr) == 1)
			z->v4 = 1;
		else if (inet_pton(AF_INET6, ip, z->addr) == 1)
			z->v4 = 0;
		else
			z->bad = 1; /* not an address: a subnet of its own */
		z->kcat = kind_category(c->as[i].kind);
	}
	return intern_subnets(c);
}

static int
aidx_ip_cmp(const void *x, const void *y)
{
	return strcmp(((const struct aidx *)x)->ip,
	    ((const struct aidx *)y)->ip);
}

/* The asset (ip, vlan); else the one with that address on the lowest
 * VLAN (a flow seen tagged on one side only); else NONE. */
static uint32_t
find_asset(const struct aidx *ix, size_t n, const char *ip, uint16_t vlan)
{
	struct aidx key;
	const struct aidx *h;

	key.ip = ip;
	key.vlan = vlan;
	key.i = 0;
	h = bsearch(&key, ix, n, sizeof(*ix), aidx_cmp);
	if (h != NULL)
		return h->i;
	h = bsearch(&key, ix, n, sizeof(*ix), aidx_ip_cmp);
	if (h == NULL)
		return NONE;
	while (h > ix && strcmp(h[-1].ip, ip) == 0)
		h--;
	return h->i;
}

static int
resolve_flows(struct zc *c, size_t *not_unicast)
{
	struct aidx *ix = xcalloc(c->na, sizeof(*ix));
	size_t i;

	c->fcl = xcalloc(c->nf, sizeof(*c->fcl));
	c->fsv = xcalloc(c->nf, sizeof(*c->fsv));
	if (ix == NULL || c->fcl == NULL || c->fsv == NULL) {
		free(ix);
		return -1;
	}
	for (i = 0; i < c->na; i++) {
		ix[i].ip = c->as[i].ip;
		ix[i].vlan = c->as[i].vlan;
		ix[i].i = (uint32_t)i;
	}
	qsort(ix, c->na, sizeof(*ix), aidx_cmp);
	*not_unicast = 0;
	for (i = 0; i < c->nf; i++) {
		const struct st_flow *f = &c->fs[i];

		c->fcl[i] = find_asset(ix, c->na, f->client, f->client_vlan);
		c->fsv[i] = find_asset(ix, c->na, f->server, f->vlan);
		if (c->fcl[i] == NONE || c->fsv[i] == NONE)
			(*not_unicast)++;
	}
	free(ix);
	return 0;
}

/* ---- step 2: hosts (assets joined by their own MAC) ---------------------- */

struct mkey {
	const char *mac;
	uint32_t i;
};

static int
mkey_cmp(const void *x, const void *y)
{
	const struct mkey *a = x, *b = y;
	int c = strcmp(a->mac, b->mac);

	if (c != 0)
		return c;
	return a->i < b->i ? -1 : a->i > b->i;
}

static int
make_hosts(struct zc *c)
{
	uint32_t *p = xcalloc(c->na, sizeof(*p));
	struct mkey *m = xcalloc(c->na, sizeof(*m));
	uint32_t *hid = xcalloc(c->na, sizeof(*hid));
	size_t i, nm = 0;
	int rc = -1;

	if (p == NULL || m == NULL || hid == NULL)
		goto out;
	for (i = 0; i < c->na; i++) {
		p[i] = (uint32_t)i;
		hid[i] = NONE;
		if (c->as[i].mac[0] != '\0' && !c->as[i].mac_shared) {
			m[nm].mac = c->as[i].mac;
			m[nm++].i = (uint32_t)i;
		}
	}
	qsort(m, nm, sizeof(*m), mkey_cmp);
	for (i = 1; i < nm; i++)
		if (strcmp(m[i].mac, m[i - 1].mac) == 0)
			uf_union(p, m[i - 1].i, m[i].i);
	c->h = xcalloc(c->na, sizeof(*c->h));
	if (c->h == NULL)
		goto out;
	c->nh = 0;
	for (i = 0; i < c->na; i++) {
		uint32_t r = uf_find(p, (uint32_t)i);
		struct zh *h;
		int lv = c->as[i].purdue_level;

		if (hid[r] == NONE) {
			hid[r] = c->nh++;
			h = &c->h[hid[r]];
			h->first = (uint32_t)i;
			h->level = -1;
			h->kcat = K_UNKNOWN;
			h->group = NONE;
			h->peer = NONE;
		}
		h = &c->h[hid[r]];
		c->a[i].host = hid[r];
		h->n_assets++;
		/* The host's kind: its member with the lowest known level,
		 * else the first one with a known kind. */
		if (lv >= 0 && (h->level < 0 || lv < h->level)) {
			h->level = lv;
			h->kcat = c->a[i].kcat;
		} else if (h->level < 0 && h->kcat == K_UNKNOWN)
			h->kcat = c->a[i].kcat;
	}
	rc = 0;
out:
	free(p);
	free(m);
	free(hid);
	return rc;
}

/* ---- step 3: the host graph ---------------------------------------------- */

struct hedge {
	uint32_t a, b;	/* a < b */
	unsigned fl;	/* HA_ bits from a's point of view */
	double w;
};

static int
hedge_cmp(const void *x, const void *y)
{
	const struct hedge *p = x, *q = y;

	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	if (p->b != q->b)
		return p->b < q->b ? -1 : 1;
	return 0;
}

static unsigned
flip(unsigned fl)
{
	return ((fl & HA_OT_OUT) ? HA_OT_IN : 0) |
	    ((fl & HA_OT_IN) ? HA_OT_OUT : 0) | ((fl & HA_OUT) ? HA_IN : 0) |
	    ((fl & HA_IN) ? HA_OUT : 0);
}

static int
build_host_graph(struct zc *c)
{
	struct hedge *e = xcalloc(c->nf, sizeof(*e));
	size_t i, ne = 0, k, *fill = NULL;
	int rc = -1;

	if (e == NULL)
		return -1;
	for (i = 0; i < c->nf; i++) {
		uint32_t hc, hs;
		unsigned fl;

		if (c->fcl[i] == NONE || c->fsv[i] == NONE)
			continue;
		hc = c->a[c->fcl[i]].host;
		hs = c->a[c->fsv[i]].host;
		if (hc == hs)
			continue;
		fl = HA_OUT | (zones_proto_ot(c->fs[i].protocol) ? HA_OT_OUT
								: 0);
		if (hc < hs) {
			e[ne].a = hc;
			e[ne].b = hs;
			e[ne].fl = fl;
		} else {
			e[ne].a = hs;
			e[ne].b = hc;
			e[ne].fl = flip(fl);
		}
		e[ne++].w = flow_weight(&c->fs[i]);
	}
	qsort(e, ne, sizeof(*e), hedge_cmp);
	/* merge duplicates in place */
	for (i = 0, k = 0; i < ne; i++) {
		if (k > 0 && e[k - 1].a == e[i].a && e[k - 1].b == e[i].b) {
			e[k - 1].fl |= e[i].fl;
			e[k - 1].w += e[i].w;
		} else
			e[k++] = e[i];
	}
	ne = k;
	c->off = xcalloc((size_t)c->nh + 1, sizeof(*c->off));
	c->adj = xcalloc(2 * ne, sizeof(*c->adj));
	fill = xcalloc((size_t)c->nh + 1, sizeof(*fill));
	if (c->off == NULL || c->adj == NULL || fill == NULL)
		goto out;
	for (i = 0; i < ne; i++) {
		c->off[e[i].a + 1]++;
		c->off[e[i].b + 1]++;
	}
	for (i = 0; i < c->nh; i++)
		c->off[i + 1] += c->off[i];
	memcpy(fill, c->off, ((size_t)c->nh + 1) * sizeof(*fill));
	/* Edges are sorted by (a, b): each host's list comes out sorted
	 * by peer. */
	for (i = 0; i < ne; i++) {
		struct hadj *x = &c->adj[fill[e[i].a]++];

		x->n = e[i].b;
		x->fl = e[i].fl;
		x->w = e[i].w;
	}
	for (i = 0; i < ne; i++) {
		struct hadj *y = &c->adj[fill[e[i].b]++];

		y->n = e[i].a;
		y->fl = flip(e[i].fl);
		y->w = e[i].w;
	}
	c->nadj = 2 * ne;
	for (i = 0; i < c->nh; i++) {
		struct zh *h = &c->h[i];

		for (k = c->off[i]; k < c->off[i + 1]; k++) {
			if (c->adj[k].fl & HA_OT_OUT)
				h->ot_out++;
			if (c->adj[k].fl & HA_OT_IN)
				h->ot_in++;
		}
		/* Controllers and I/O (levels 0-1), and hosts that only serve
		 * industrial protocols (an OPC UA server in a PLC), anchor
		 * cells. */
		h->anchor = h->level == 0 || h->level == 1 ||
		    (h->ot_in > 0 && h->ot_out == 0);
		if (h->anchor)
			h->band = B_ANCHOR;
		else if (h->level == 2)
			h->band = B_SUPER;
		else if (h->level >= 3)
			h->band = B_IT;
		else
			h->band = B_UNKNOWN;
	}
	rc = 0;
out:
	free(e);
	free(fill);
	return rc;
}

/* The second adjacency list's entries are appended after each host's
 * first-list entries; re-sort each host's list by peer so that every
 * scan is in peer order. */
static int
hadj_cmp(const void *x, const void *y)
{
	const struct hadj *a = x, *b = y;

	return a->n < b->n ? -1 : a->n > b->n;
}

static void
sort_adjacency(struct zc *c)
{
	uint32_t i;

	for (i = 0; i < c->nh; i++)
		qsort(c->adj + c->off[i], c->off[i + 1] - c->off[i],
		    sizeof(*c->adj), hadj_cmp);
}

/* ---- step 4: Louvain over the controller subgraph ------------------------ */

struct lg {
	size_t n;
	size_t *off;
	uint32_t *nb;
	double *w;
};

static void
lg_free(struct lg *g)
{
	free(g->off);
	free(g->nb);
	free(g->w);
	memset(g, 0, sizeof(*g));
}

struct ltrip {
	uint32_t a, b;
	double w;
};

static int
ltrip_cmp(const void *x, const void *y)
{
	const struct ltrip *p = x, *q = y;

	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	if (p->b != q->b)
		return p->b < q->b ? -1 : 1;
	return 0;
}

/* Build a CSR graph from triples (sorted and merged here). */
static int
lg_from_trips(struct lg *g, size_t n, struct ltrip *t, size_t nt)
{
	size_t i, k;

	qsort(t, nt, sizeof(*t), ltrip_cmp);
	for (i = 0, k = 0; i < nt; i++) {
		if (k > 0 && t[k - 1].a == t[i].a && t[k - 1].b == t[i].b)
			t[k - 1].w += t[i].w;
		else
			t[k++] = t[i];
	}
	nt = k;
	g->n = n;
	g->off = xcalloc(n + 1, sizeof(*g->off));
	g->nb = xcalloc(nt, sizeof(*g->nb));
	g->w = xcalloc(nt, sizeof(*g->w));
	if (g->off == NULL || g->nb == NULL || g->w == NULL)
		return -1;
	for (i = 0; i < nt; i++) {
		g->off[t[i].a + 1]++;
		g->nb[i] = t[i].b;
		g->w[i] = t[i].w;
	}
	for (i = 0; i < n; i++)
		g->off[i + 1] += g->off[i];
	return 0;
}

/*
 * Louvain (Blondel et al. 2008), modularity with resolution 1, computed
 * per connected component: each component is partitioned as if it were
 * alone, so that cells far away (or the size of the plant) do not change
 * a cell; this also keeps modularity's resolution limit from merging
 * small cells joined by one light link in a large plant.  Nodes are
 * visited in index order; a node moves only for a strictly better gain,
 * to the first best community in its (sorted) neighbour order; so the
 * result depends on the input only.  comm[i] receives community ids
 * numbered by their lowest node.  g is consumed.
 */
static int
louvain(struct lg *g, uint32_t *comm)
{
	size_t n0 = g->n, i, j, level;
	uint32_t *map = xcalloc(n0, sizeof(*map));
	uint32_t *cmp = xcalloc(n0, sizeof(*cmp));  /* node -> component */
	uint32_t *ncmp = xcalloc(n0, sizeof(*ncmp));
	double *m2c = xcalloc(n0, sizeof(*m2c));    /* component weight */
	uint32_t *c = NULL, *ren = NULL, *touched = NULL;
	double *k = NULL, *tot = NULL, *nw = NULL;
	struct ltrip *t = NULL;
	int rc = -1;

	if (map == NULL || cmp == NULL || ncmp == NULL || m2c == NULL)
		goto out;
	for (i = 0; i < n0; i++)
		map[i] = cmp[i] = (uint32_t)i;
	for (i = 0; i < n0; i++)
		for (j = g->off[i]; j < g->off[i + 1]; j++)
			uf_union(cmp, (uint32_t)i, g->nb[j]);
	for (i = 0; i < n0; i++) {
		cmp[i] = uf_find(cmp, (uint32_t)i);
		for (j = g->off[i]; j < g->off[i + 1]; j++)
			m2c[cmp[i]] += g->w[j];
	}
	for (level = 0; level < LV_MAX_LEVELS && g->n > 0; level++) {
		size_t n = g->n, pass, nc;
		double m2 = 0;
		int moved_any = 0;

		free(c);
		free(ren);
		free(touched);
		free(k);
		free(tot);
		free(nw);
		c = xcalloc(n, sizeof(*c));
		ren = xcalloc(n, sizeof(*ren));
		touched = xcalloc(n, sizeof(*touched));
		k = xcalloc(n, sizeof(*k));
		tot = xcalloc(n, sizeof(*tot));
		nw = xcalloc(n, sizeof(*nw));
		if (c == NULL || ren == NULL || touched == NULL || k == NULL ||
		    tot == NULL || nw == NULL)
			goto out;
		for (i = 0; i < n; i++) {
			for (j = g->off[i]; j < g->off[i + 1]; j++)
				k[i] += g->w[j];
			m2 += k[i];
			c[i] = (uint32_t)i;
			tot[i] = k[i];
		}
		if (m2 <= 0)
			break;
		for (pass = 0; pass < LV_MAX_PASSES; pass++) {
			size_t moves = 0;

			for (i = 0; i < n; i++) {
				uint32_t ci = c[i], best;
				size_t nt = 0, q;
				double bestgain;

				if (k[i] <= 0)
					continue;
				for (j = g->off[i]; j < g->off[i + 1]; j++) {
					uint32_t cj = c[g->nb[j]];

					if (g->nb[j] == i)
						continue;
					if (nw[cj] == 0)
						touched[nt++] = cj;
					nw[cj] += g->w[j];
				}
				/* a node's component weight is > 0: k[i] */
				m2 = m2c[cmp[i]];
				tot[ci] -= k[i];
				best = ci;
				bestgain = nw[ci] - tot[ci] * k[i] / m2;
				for (q = 0; q < nt; q++) {
					uint32_t cc = touched[q];
					double gain =
					    nw[cc] - tot[cc] * k[i] / m2;

					if (gain > bestgain + LV_EPS) {
						best = cc;
						bestgain = gain;
					}
				}
				for (q = 0; q < nt; q++)
					nw[touched[q]] = 0;
				nw[ci] = 0;
				tot[best] += k[i];
				if (best != ci) {
					c[i] = best;
					moves++;
				}
			}
			if (moves == 0)
				break;
			moved_any = 1;
		}
		if (!moved_any)
			break;
		/* renumber by lowest node */
		for (i = 0; i < n; i++)
			ren[i] = NONE;
		nc = 0;
		for (i = 0; i < n; i++)
			if (ren[c[i]] == NONE)
				ren[c[i]] = (uint32_t)nc++;
		for (i = 0; i < n0; i++)
			map[i] = ren[c[map[i]]];
		if (nc == n)
			break;
		/* a community lies inside one component */
		for (i = 0; i < n; i++)
			ncmp[ren[c[i]]] = cmp[i];
		memcpy(cmp, ncmp, nc * sizeof(*cmp));
		/* aggregate */
		{
			size_t ne = g->off[n], q = 0;
			struct lg ng;

			memset(&ng, 0, sizeof(ng));
			t = xcalloc(ne, sizeof(*t));
			if (t == NULL)
				goto out;
			for (i = 0; i < n; i++)
				for (j = g->off[i]; j < g->off[i + 1]; j++) {
					t[q].a = ren[c[i]];
					t[q].b = ren[c[g->nb[j]]];
					t[q++].w = g->w[j];
				}
			if (lg_from_trips(&ng, nc, t, q) != 0) {
				lg_free(&ng);
				goto out;
			}
			free(t);
			t = NULL;
			lg_free(g);
			*g = ng;
		}
	}
	memcpy(comm, map, n0 * sizeof(*comm));
	/* Final numbering by lowest original node. */
	{
		uint32_t *r2 = xcalloc(n0, sizeof(*r2)), nc = 0;

		if (r2 == NULL)
			goto out;
		for (i = 0; i < n0; i++)
			r2[i] = NONE;
		for (i = 0; i < n0; i++) {
			if (r2[comm[i]] == NONE)
				r2[comm[i]] = nc++;
			comm[i] = r2[comm[i]];
		}
		free(r2);
	}
	rc = 0;
out:
	lg_free(g);
	free(map);
	free(cmp);
	free(ncmp);
	free(m2c);
	free(c);
	free(ren);
	free(touched);
	free(k);
	free(tot);
	free(nw);
	free(t);
	return rc;
}

/* ---- groups -------------------------------------------------------------- */

static uint32_t
new_group(struct zc *c, int kind)
{
	if (c->ng == c->gcap) {
		uint32_t cap = c->gcap ? c->gcap * 2 : 64;
		struct zg *ng = realloc(c->g, (size_t)cap * sizeof(*ng));

		if (ng == NULL)
			return NONE;
		c->g = ng;
		c->gcap = cap;
	}
	memset(&c->g[c->ng], 0, sizeof(c->g[0]));
	c->g[c->ng].kind = kind;
	c->g[c->ng].anchor_host = NONE;
	c->g[c->ng].key_subnet = NONE;
	c->g[c->ng].cls_from = NONE;
	return c->ng++;
}

static uint32_t
host_subnet(const struct zc *c, uint32_t h)
{
	return c->a[c->h[h].first].subnet;
}

/* Cells: Louvain communities of the anchors. */
static int
make_cells(struct zc *c)
{
	uint32_t *amap = xcalloc(c->nh, sizeof(*amap));
	uint32_t *comm = NULL, *cg = NULL;
	struct ltrip *t = NULL;
	struct lg g;
	size_t i, j, q = 0, n = 0;
	int rc = -1;

	memset(&g, 0, sizeof(g));
	if (amap == NULL)
		goto out;
	for (i = 0; i < c->nh; i++)
		amap[i] = c->h[i].anchor ? (uint32_t)n++ : NONE;
	t = xcalloc(c->nadj, sizeof(*t));
	comm = xcalloc(n, sizeof(*comm));
	cg = xcalloc(n, sizeof(*cg));
	if (t == NULL || comm == NULL || cg == NULL)
		goto out;
	for (i = 0; i < c->nh; i++) {
		if (amap[i] == NONE)
			continue;
		for (j = c->off[i]; j < c->off[i + 1]; j++) {
			if (amap[c->adj[j].n] == NONE)
				continue;
			t[q].a = amap[i];
			t[q].b = amap[c->adj[j].n];
			t[q++].w = c->adj[j].w;
		}
	}
	if (lg_from_trips(&g, n, t, q) != 0)
		goto out;
	free(t);
	t = NULL;
	if (louvain(&g, comm) != 0)
		goto out;
	for (i = 0; i < n; i++)
		cg[i] = NONE;
	for (i = 0; i < c->nh; i++) {
		uint32_t a = amap[i];

		if (a == NONE)
			continue;
		if (cg[comm[a]] == NONE &&
		    (cg[comm[a]] = new_group(c, G_CELL)) == NONE)
			goto out;
		c->h[i].group = cg[comm[a]];
		c->g[cg[comm[a]]].n_anchors++;
	}
	for (i = 0; i < c->nh; i++)
		if (c->h[i].anchor)
			c->h[i].why = c->g[c->h[i].group].n_anchors > 1
			    ? ZW_COMMUNITY
			    : ZW_ALONE;
	rc = 0;
out:
	lg_free(&g);
	free(amap);
	free(comm);
	free(cg);
	free(t);
	return rc;
}

struct trip3 {
	uint32_t a, b, c;
};

static int
trip3_cmp(const void *p, const void *q)
{
	const struct trip3 *x = p, *y = q;

	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	if (x->b != y->b)
		return x->b < y->b ? -1 : 1;
	return x->c < y->c ? -1 : x->c > y->c;
}

/* Pair counts for the subnet agreement: sum over classes of C(n, 2). */
static int
pair2_cmp(const void *p, const void *q)
{
	const struct pair2 *a = p, *b = q;

	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	if (a->y != b->y)
		return a->y < b->y ? -1 : 1;
	return 0;
}

static double
pairs_same(struct pair2 *v, size_t n, int both)
{
	double s = 0;
	size_t i = 0, j;

	qsort(v, n, sizeof(*v), pair2_cmp);
	while (i < n) {
		for (j = i; j < n && v[j].x == v[i].x &&
		     (!both || v[j].y == v[i].y);
		     j++)
			;
		s += (double)(j - i) * (double)(j - i - 1) / 2;
		i = j;
	}
	return s;
}

/* (cell, subnet) of every anchor, sorted: does a cell have a controller
 * in a given subnet? */
static int
index_cell_subnets(struct zc *c)
{
	size_t i, n = 0;

	free(c->cellsub);
	c->cellsub = xcalloc(c->nh, sizeof(*c->cellsub));
	if (c->cellsub == NULL)
		return -1;
	for (i = 0; i < c->nh; i++)
		if (c->h[i].anchor) {
			c->cellsub[n].x = c->h[i].group;
			c->cellsub[n++].y = host_subnet(c, (uint32_t)i);
		}
	qsort(c->cellsub, n, sizeof(*c->cellsub), pair2_cmp);
	c->n_cellsub = n;
	return 0;
}

static int
cell_has_subnet(const struct zc *c, uint32_t cell, uint32_t subnet)
{
	struct pair2 key;

	key.x = cell;
	key.y = subnet;
	return bsearch(&key, c->cellsub, c->n_cellsub, sizeof(key),
		   pair2_cmp) != NULL;
}

/*
 * The cell a host would join as a local client (its panel), or NONE.
 * Without subnet evidence: every industrial flow it opens goes to anchors
 * of one cell, and it is no SCADA server or engineering workstation
 * (they serve the whole plant even when a capture shows them on one
 * cell).  With subnet evidence (guard): the cell that has an anchor in
 * the host's own subnet receives at least two thirds of those flows,
 * whatever the host's kind.  A level 3-5 host (a historian) counts all
 * its flows, not only the industrial ones it opens.
 */
static uint32_t
local_cell(const struct zc *c, uint32_t hi, int guard)
{
	const struct zh *h = &c->h[hi];
	uint32_t cell = NONE, sub = host_subnet(c, hi);
	size_t j, q, total = 0, best = 0;

	if (h->anchor || h->ot_out == 0 || h->ot_out > LOCAL_MAX_PEERS ||
	    (!guard && (h->kcat == K_SCADA || h->kcat == K_EWS)))
		return NONE;
	for (j = c->off[hi]; j < c->off[hi + 1]; j++) {
		const struct zh *p = &c->h[c->adj[j].n];

		if (!(c->adj[j].fl & HA_OT_OUT) && h->level < 3)
			continue;
		total++;
		if (!guard) {
			if (!p->anchor ||
			    (cell != NONE && cell != p->group))
				return NONE;
			cell = p->group;
			continue;
		}
		/* guard: count the flows into each candidate cell (peers
		 * are few: at most LOCAL_MAX_PEERS) */
		if (p->anchor && p->group != cell &&
		    cell_has_subnet(c, p->group, sub)) {
			size_t n = 0;

			for (q = c->off[hi]; q < c->off[hi + 1]; q++) {
				const struct zh *o = &c->h[c->adj[q].n];

				if ((c->adj[q].fl & HA_OT_OUT ||
					h->level >= 3) &&
				    o->anchor && o->group == p->group)
					n++;
			}
			if (n > best) {
				best = n;
				cell = p->group;
			}
		}
	}
	if (!guard || cell == NONE)
		return cell;
	return best * 3 >= total * 2 ? cell : NONE;
}

/*
 * Do subnets agree with the cells found from traffic?  Over the hosts of
 * cells with at least two hosts (a cell's anchors and the clients that
 * would join it): precision = pairs in one subnet that are in one cell /
 * pairs in one subnet; recall = pairs in one cell that are in one subnet
 * / pairs in one cell.  Both must reach SUBNET_MIN_AGREEMENT.
 */
static int
subnet_agreement(struct zc *c)
{
	uint32_t *tent = xcalloc(c->nh, sizeof(*tent));
	uint32_t *size = xcalloc(c->ng, sizeof(*size));
	struct pair2 *v = xcalloc(c->nh, sizeof(*v));
	size_t i, n = 0;
	double same_g, same_s, both;
	int rc = -1;

	if (tent == NULL || size == NULL || v == NULL)
		goto out;
	for (i = 0; i < c->nh; i++) {
		tent[i] = c->h[i].anchor ? c->h[i].group
					 : local_cell(c, (uint32_t)i, 0);
		if (tent[i] != NONE)
			size[tent[i]]++;
	}
	for (i = 0; i < c->nh; i++)
		if (tent[i] != NONE && size[tent[i]] >= 2) {
			v[n].x = tent[i];
			v[n++].y = host_subnet(c, (uint32_t)i);
		}
	same_g = pairs_same(v, n, 0);
	for (i = 0; i < n; i++) {
		uint32_t t = v[i].x;

		v[i].x = v[i].y;
		v[i].y = t;
	}
	same_s = pairs_same(v, n, 0);
	both = pairs_same(v, n, 1);
	c->prec = same_s > 0 ? both / same_s : 0;
	c->rec = same_g > 0 ? both / same_g : 0;
	c->informative = same_g > 0 && same_s > 0 &&
	    c->prec >= SUBNET_MIN_AGREEMENT && c->rec >= SUBNET_MIN_AGREEMENT;
	if (same_g == 0) {
		/* No cell of two hosts (controllers that never talk to each
		 * other): judge subnets by the panels instead, the clients
		 * with few industrial peers.  Their flows should stay in
		 * their subnet if subnets mean cells. */
		size_t flows = 0, inside = 0, j;

		for (i = 0; i < c->nh; i++) {
			const struct zh *h = &c->h[i];

			if (h->anchor || h->ot_out == 0 ||
			    h->ot_out > LOCAL_MAX_PEERS)
				continue;
			for (j = c->off[i]; j < c->off[i + 1]; j++) {
				if (!(c->adj[j].fl & HA_OT_OUT) ||
				    !c->h[c->adj[j].n].anchor)
					continue;
				flows++;
				if (host_subnet(c, c->adj[j].n) ==
				    host_subnet(c, (uint32_t)i))
					inside++;
			}
		}
		c->prec = c->rec = flows > 0 ? (double)inside / flows : 0;
		c->by_panels = 1;
		c->informative = flows >= SUBNET_MIN_PANEL_FLOWS &&
		    c->prec >= SUBNET_MIN_AGREEMENT;
	}
	rc = 0;
out:
	free(tent);
	free(size);
	free(v);
	return rc;
}

/*
 * With subnet evidence: a controller alone in its cell joins the cell
 * that owns its subnet (the only multi-controller cell there); lone
 * controllers of a subnet without such a cell form one cell together.
 */
static int
merge_by_subnet(struct zc *c)
{
	uint32_t *owner = xcalloc(c->n_subnets, sizeof(*owner));
	uint32_t *lone = xcalloc(c->n_subnets, sizeof(*lone));
	size_t i;
	const uint32_t MULTI = NONE - 1;

	if (owner == NULL || lone == NULL) {
		free(owner);
		free(lone);
		return -1;
	}
	for (i = 0; i < c->n_subnets; i++)
		owner[i] = lone[i] = NONE;
	for (i = 0; i < c->nh; i++) {
		const struct zh *h = &c->h[i];
		uint32_t s = host_subnet(c, (uint32_t)i);

		if (!h->anchor || c->g[h->group].n_anchors < 2)
			continue;
		if (owner[s] == NONE)
			owner[s] = h->group;
		else if (owner[s] != h->group)
			owner[s] = MULTI;
	}
	for (i = 0; i < c->nh; i++) {
		struct zh *h = &c->h[i];
		uint32_t s = host_subnet(c, (uint32_t)i), to;

		if (!h->anchor || c->g[h->group].n_anchors != 1)
			continue;
		if (owner[s] == MULTI)
			continue;
		if (owner[s] != NONE)
			to = owner[s];
		else if (lone[s] == NONE) {
			lone[s] = h->group;
			continue;
		} else
			to = lone[s];
		c->g[h->group].n_anchors = 0;
		h->group = to;
		h->why = ZW_SUBNET_MERGE;
		c->g[to].n_anchors++;
	}
	/* The first lone controller of a subnet that gathered others was
	 * also placed by its subnet. */
	for (i = 0; i < c->nh; i++) {
		struct zh *h = &c->h[i];
		uint32_t s = host_subnet(c, (uint32_t)i);

		if (h->anchor && h->why == ZW_ALONE && lone[s] == h->group &&
		    c->g[h->group].n_anchors > 1)
			h->why = ZW_SUBNET_MERGE;
	}
	free(owner);
	free(lone);
	return 0;
}

static int
attach_local_clients(struct zc *c)
{
	uint32_t i;

	if (index_cell_subnets(c) != 0)
		return -1;
	for (i = 0; i < c->nh; i++) {
		uint32_t g;

		if (c->h[i].anchor)
			continue;
		g = local_cell(c, i, c->informative);
		if (g != NONE) {
			c->h[i].group = g;
			c->h[i].why = ZW_LOCAL_CLIENT;
		}
	}
	return 0;
}

/* Hosts above the cells, by band. */
static int
group_upper(struct zc *c)
{
	uint32_t *p = xcalloc(c->nh, sizeof(*p));
	uint32_t *rep = NULL, *gid = NULL;
	size_t i, j;
	int rc = -1;

	if (p == NULL)
		goto out;
	for (i = 0; i < c->nh; i++)
		p[i] = (uint32_t)i;
	if (c->informative) {
		/* same band and same subnet: sort (subnet, band, host) and
		 * join runs */
		struct trip3 *v = xcalloc(c->nh, sizeof(*v));
		size_t nv = 0;

		if (v == NULL)
			goto out;
		for (i = 0; i < c->nh; i++) {
			const struct zh *h = &c->h[i];

			if (h->group != NONE ||
			    (h->band != B_SUPER && h->band != B_IT))
				continue;
			v[nv].a = host_subnet(c, (uint32_t)i);
			v[nv].b = (uint32_t)h->band;
			v[nv++].c = (uint32_t)i;
			c->h[i].why = ZW_BAND_SUBNET;
		}
		qsort(v, nv, sizeof(*v), trip3_cmp);
		for (i = 1; i < nv; i++)
			if (v[i].a == v[i - 1].a && v[i].b == v[i - 1].b)
				uf_union(p, v[i - 1].c, v[i].c);
		free(v);
	} else {
		/* level 2: talk to each other or poll a common cell;
		 * level 3-5: talk to each other */
		rep = xcalloc(c->ng ? c->ng : 1, sizeof(*rep));
		if (rep == NULL)
			goto out;
		for (i = 0; i < c->ng; i++)
			rep[i] = NONE;
		for (i = 0; i < c->nh; i++) {
			const struct zh *h = &c->h[i];

			if (h->group != NONE ||
			    (h->band != B_SUPER && h->band != B_IT))
				continue;
			for (j = c->off[i]; j < c->off[i + 1]; j++) {
				const struct zh *q = &c->h[c->adj[j].n];

				if (q->group == NONE && q->band == h->band)
					uf_union(p, (uint32_t)i, c->adj[j].n);
				else if (h->band == B_SUPER &&
				    (c->adj[j].fl & HA_OT_OUT) &&
				    q->group != NONE &&
				    c->g[q->group].kind == G_CELL) {
					if (rep[q->group] == NONE)
						rep[q->group] = (uint32_t)i;
					else
						uf_union(p, rep[q->group],
						    (uint32_t)i);
				}
			}
			c->h[i].why = ZW_BAND_TRAFFIC;
		}
	}
	gid = xcalloc(c->nh, sizeof(*gid));
	if (gid == NULL)
		goto out;
	for (i = 0; i < c->nh; i++)
		gid[i] = NONE;
	for (i = 0; i < c->nh; i++) {
		struct zh *h = &c->h[i];
		uint32_t r;

		if (h->group != NONE ||
		    (h->band != B_SUPER && h->band != B_IT))
			continue;
		r = uf_find(p, (uint32_t)i);
		if (gid[r] == NONE) {
			gid[r] = new_group(c, h->band == B_SUPER ? G_SUPER
								 : G_IT);
			if (gid[r] == NONE)
				goto out;
			c->g[gid[r]].key_subnet =
			    c->informative ? host_subnet(c, (uint32_t)i) : NONE;
		}
		h->group = gid[r];
	}
	rc = 0;
out:
	free(p);
	free(rep);
	free(gid);
	return rc;
}

/*
 * A level-2 or level 3-5 host that is alone in its band group is not a
 * zone by itself if other evidence places it: it is placed below like a
 * host of unknown role, but never by traffic into a cell (a historian
 * that polls one PLC stays out of the cell).  If nothing places it, it
 * gets its group back.
 */
static void
release_lone(struct zc *c)
{
	uint32_t *n = xcalloc(c->ng, sizeof(*n));
	uint32_t *ns = xcalloc(c->n_subnets, sizeof(*ns));
	uint32_t i;

	if (n == NULL || ns == NULL) {
		free(n);
		free(ns);
		return; /* lone hosts keep their own zones */
	}
	for (i = 0; i < c->nh; i++) {
		if (c->h[i].group != NONE)
			n[c->h[i].group]++;
		ns[host_subnet(c, i)]++;
	}
	for (i = 0; i < c->nh; i++) {
		struct zh *h = &c->h[i];

		if (h->group == NONE || n[h->group] != 1 ||
		    (c->g[h->group].kind != G_SUPER &&
			c->g[h->group].kind != G_IT))
			continue;
		/* With subnet evidence, a host alone in its own subnet is
		 * separate on purpose (a DMZ of one jump host). */
		if (c->informative && ns[host_subnet(c, i)] < 2)
			continue;
		h->lone = 1;
		h->orig_group = h->group;
		h->orig_why = h->why;
		h->group = NONE;
	}
	free(n);
	free(ns);
}

/* Hosts of unknown role (and lone band hosts): by subnet (with subnet
 * evidence), else with the peer group they exchange the most traffic
 * with, then among themselves. */
static int
place_unknown(struct zc *c)
{
	uint32_t *choice = xcalloc(c->nh, sizeof(*choice));
	uint32_t *cnt = NULL, *best = NULL, *p = NULL, *gid = NULL;
	double *gw = xcalloc(c->ng ? c->ng : 1, sizeof(*gw));
	uint32_t *touched = xcalloc(c->ng ? c->ng : 1, sizeof(*touched));
	size_t i, j, round;
	uint32_t iso = NONE;
	int rc = -1;

	if (choice == NULL || gw == NULL || touched == NULL)
		goto out;
	if (c->informative) {
		/* the group with the most hosts in the subnet */
		struct pair2 *v = xcalloc(c->nh, sizeof(*v));
		size_t nv = 0;

		best = xcalloc(c->n_subnets, sizeof(*best));
		cnt = xcalloc(c->n_subnets, sizeof(*cnt));
		if (v == NULL || best == NULL || cnt == NULL) {
			free(v);
			goto out;
		}
		for (i = 0; i < c->n_subnets; i++)
			best[i] = NONE;
		for (i = 0; i < c->nh; i++)
			if (c->h[i].group != NONE) {
				v[nv].x = host_subnet(c, (uint32_t)i);
				v[nv++].y = c->h[i].group;
			}
		qsort(v, nv, sizeof(*v), pair2_cmp);
		for (i = 0; i < nv; i = j) {
			for (j = i; j < nv && v[j].x == v[i].x &&
			     v[j].y == v[i].y;
			     j++)
				;
			if (j - i > cnt[v[i].x]) {
				cnt[v[i].x] = (uint32_t)(j - i);
				best[v[i].x] = v[i].y;
			}
		}
		free(v);
		for (i = 0; i < c->nh; i++) {
			struct zh *h = &c->h[i];
			uint32_t sn = host_subnet(c, (uint32_t)i);

			if (h->group == NONE && best[sn] != NONE) {
				h->group = best[sn];
				h->why = ZW_SUBNET;
			}
		}
	}
	for (round = 0; round < PLACE_MAX_ROUNDS; round++) {
		size_t placed = 0;

		for (i = 0; i < c->nh; i++) {
			size_t nt = 0, q;
			uint32_t bg = NONE, peer = NONE;
			double bw = 0;

			choice[i] = NONE;
			if (c->h[i].group != NONE)
				continue;
			for (j = c->off[i]; j < c->off[i + 1]; j++) {
				uint32_t g = c->h[c->adj[j].n].group;

				/* a lone level-2 host joins only level-2
				 * hosts, a lone level 3-5 host level 2-5
				 * hosts, by traffic */
				if (g == NONE ||
				    (c->h[i].lone &&
					(c->g[g].kind == G_CELL ||
					    c->g[g].kind == G_UNKNOWN ||
					    (c->h[i].band == B_SUPER &&
						c->g[g].kind != G_SUPER))))
					continue;
				if (gw[g] == 0)
					touched[nt++] = g;
				gw[g] += c->adj[j].w;
			}
			for (q = 0; q < nt; q++) {
				uint32_t g = touched[q];

				if (gw[g] > bw + LV_EPS ||
				    (gw[g] >= bw - LV_EPS && bg != NONE &&
					g < bg)) {
					bw = gw[g];
					bg = g;
				}
			}
			for (q = 0; q < nt; q++)
				gw[touched[q]] = 0;
			if (bg == NONE)
				continue;
			/* the heaviest single peer in that group, named in
			 * the reason */
			bw = -1;
			for (j = c->off[i]; j < c->off[i + 1]; j++)
				if (c->h[c->adj[j].n].group == bg &&
				    c->adj[j].w > bw + LV_EPS) {
					bw = c->adj[j].w;
					peer = c->adj[j].n;
				}
			choice[i] = bg;
			c->h[i].peer = peer;
		}
		for (i = 0; i < c->nh; i++)
			if (choice[i] != NONE) {
				c->h[i].group = choice[i];
				c->h[i].why = ZW_NEIGHBOUR;
				placed++;
			}
		if (placed == 0)
			break;
	}
	/* Lone band hosts nothing placed get their own group back. */
	for (i = 0; i < c->nh; i++)
		if (c->h[i].group == NONE && c->h[i].lone) {
			c->h[i].group = c->h[i].orig_group;
			c->h[i].why = c->h[i].orig_why;
			c->h[i].lone = 0;
		}
	/* Left: unknown hosts that talk only among themselves, and hosts
	 * with no unicast traffic. */
	p = xcalloc(c->nh, sizeof(*p));
	gid = xcalloc(c->nh, sizeof(*gid));
	if (p == NULL || gid == NULL)
		goto out;
	for (i = 0; i < c->nh; i++) {
		p[i] = (uint32_t)i;
		gid[i] = NONE;
	}
	for (i = 0; i < c->nh; i++)
		if (c->h[i].group == NONE)
			for (j = c->off[i]; j < c->off[i + 1]; j++)
				if (c->h[c->adj[j].n].group == NONE)
					uf_union(p, (uint32_t)i, c->adj[j].n);
	for (i = 0; i < c->nh; i++) {
		struct zh *h = &c->h[i];
		uint32_t r;

		if (h->group != NONE)
			continue;
		if (c->off[i] == c->off[i + 1]) {
			if (iso == NONE && (iso = new_group(c, G_UNKNOWN)) ==
				NONE)
				goto out;
			h->group = iso;
			h->why = ZW_ISOLATED;
			continue;
		}
		r = uf_find(p, (uint32_t)i);
		if (gid[r] == NONE &&
		    (gid[r] = new_group(c, G_UNKNOWN)) == NONE)
			goto out;
		h->group = gid[r];
		h->why = ZW_BAND_TRAFFIC;
	}
	rc = 0;
out:
	free(choice);
	free(cnt);
	free(best);
	free(p);
	free(gid);
	free(gw);
	free(touched);
	return rc;
}

/* ---- zones: members, roles, levels, conduits ----------------------------- */

struct crec {
	uint32_t from, to;
	uint32_t flow;
	const char *proto;	/* borrowed from the flow */
};

static int
crec_cmp(const void *x, const void *y)
{
	const struct crec *a = x, *b = y;
	int c;

	if (a->from != b->from)
		return a->from < b->from ? -1 : 1;
	if (a->to != b->to)
		return a->to < b->to ? -1 : 1;
	c = strcmp(a->proto, b->proto);
	if (c != 0)
		return c;
	return a->flow < b->flow ? -1 : a->flow > b->flow;
}

/* Conduits between groups (zone ids are assigned later). */
static int
make_conduits(struct zc *c, struct zones_result *r, uint64_t *inside)
{
	struct crec *v = xcalloc(c->nf, sizeof(*v));
	size_t i, j, nv = 0, nc = 0;

	if (v == NULL)
		return -1;
	r->flows_used = 0;
	for (i = 0; i < c->nf; i++) {
		uint32_t gc, gs;

		if (c->fcl[i] == NONE || c->fsv[i] == NONE)
			continue;
		r->flows_used++;
		gc = c->h[c->a[c->fcl[i]].host].group;
		gs = c->h[c->a[c->fsv[i]].host].group;
		if (gc == gs) {
			inside[gc]++;
			continue;
		}
		v[nv].from = gc;
		v[nv].to = gs;
		v[nv].proto = c->fs[i].protocol;
		v[nv++].flow = (uint32_t)i;
	}
	r->flows_crossing = nv;
	qsort(v, nv, sizeof(*v), crec_cmp);
	for (i = 0; i < nv; i = j) {
		for (j = i; j < nv && v[j].from == v[i].from &&
		     v[j].to == v[i].to;
		     j++)
			;
		nc++;
	}
	r->conduits = xcalloc(nc, sizeof(*r->conduits));
	if (r->conduits == NULL) {
		free(v);
		return -1;
	}
	for (i = 0; i < nv; i = j) {
		struct conduit *cd = &r->conduits[r->n_conduits++];
		size_t k, np = 0;

		for (j = i; j < nv && v[j].from == v[i].from &&
		     v[j].to == v[i].to;
		     j++)
			if (j == i || strcmp(c->fs[v[j].flow].protocol,
					  c->fs[v[j - 1].flow].protocol) != 0)
				np++;
		cd->from = v[i].from;
		cd->to = v[i].to;
		cd->protos = xcalloc(np, sizeof(*cd->protos));
		if (cd->protos == NULL) {
			free(v);
			return -1;
		}
		for (k = i; k < j; k++) {
			const struct st_flow *f = &c->fs[v[k].flow];
			struct conduit_proto *p;
			unsigned cls = flow_classes(f);

			if (cd->n_protos == 0 ||
			    strcmp(cd->protos[cd->n_protos - 1].name,
				f->protocol) != 0) {
				p = &cd->protos[cd->n_protos++];
				snprintf(p->name, sizeof(p->name), "%s",
				    f->protocol);
			}
			p = &cd->protos[cd->n_protos - 1];
			p->classes |= cls;
			p->flows++;
			if (zones_flow_cleartext(f))
				p->cleartext = 1;
			cd->classes |= cls;
			cd->flows++;
			cd->packets += f->packets;
			cd->bytes += f->bytes;
		}
	}
	free(v);
	return 0;
}

/* Classes received by each group's members; kept with one flow that
 * carries the highest of them, for the SL-T reason. */
static void
group_classes(struct zc *c)
{
	size_t i;

	for (i = 0; i < c->nf; i++) {
		uint32_t gs, gc;
		unsigned cls;
		struct zg *g;

		if (c->fcl[i] == NONE || c->fsv[i] == NONE)
			continue;
		gs = c->h[c->a[c->fsv[i]].host].group;
		gc = c->h[c->a[c->fcl[i]].host].group;
		cls = flow_classes(&c->fs[i]) & ACCESS_BITS;
		g = &c->g[gs];
		if (cls != 0 && (g->cls_in == 0 ||
				    zones_access_class(cls) >
					zones_access_class(g->cls_in)))
			g->cls_from = (uint32_t)i;
		g->cls_in |= cls;
		if (gc != gs)
			c->g[gc].cls_out |= cls;
	}
}

static int
group_level(const struct zc *c, const struct zg *g, const uint32_t *hosts,
    size_t n)
{
	size_t i;
	int lv = -1, all0 = 1;

	if (g->kind == G_CELL) {
		for (i = 0; i < n; i++)
			if (c->h[hosts[i]].anchor && c->h[hosts[i]].level != 0)
				all0 = 0;
		return all0 ? 0 : 1;
	}
	if (g->kind == G_SUPER)
		return 2;
	for (i = 0; i < n; i++) {
		int l = c->h[hosts[i]].level;

		if (l >= 0 && (lv < 0 || l < lv))
			lv = l;
	}
	return lv;
}

/* ---- names and reasons ------------------------------------------------- */

static void
kind_summary(const uint32_t *kc, char *buf, size_t len, int first)
{
	int order[K_N], i, j, shown = 0;

	for (i = 0; i < K_N; i++)
		order[i] = i;
	/* by count, then category order (a stable insertion sort) */
	for (i = 1; i < K_N; i++)
		for (j = i; j > 0 && kc[order[j]] > kc[order[j - 1]]; j--) {
			int t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (i = 0; i < K_N && shown < 4; i++) {
		int k = order[i];

		if (kc[k] == 0)
			continue;
		app(buf, len, "%s%u %s", first && shown == 0 ? "" : ", ",
		    kc[k], kc[k] == 1 ? kind_one[k] : kind_many[k]);
		shown++;
	}
}

#define MULTI_OWNER (NONE - 1)

struct zbuild {
	uint32_t *hosts;	/* member hosts of each group, concatenated */
	size_t *hoff;		/* group i: hosts[hoff[i] .. hoff[i + 1]) */
	uint32_t *owner_net;	/* per net id: owning group, NONE, MULTI */
	uint32_t *netcount;	/* per net id: assets in it */
	const char *(*top)[2];	/* per group: two main protocols served */
};

/* The one net (IPv4 /24, else IPv6 /64) holding all of a group's
 * members of that family, if the group owns it; else NONE. */
static uint32_t
group_net(const struct zc *c, const struct zbuild *b, uint32_t gi,
    const size_t *mem, size_t nm)
{
	uint32_t net = NONE;
	size_t i;
	int fam, have;

	for (fam = 1; fam >= 0; fam--) {
		have = 0;
		net = NONE;
		for (i = 0; i < nm; i++) {
			const struct za *z = &c->a[mem[i]];

			if (z->v4 != fam)
				continue;
			have = 1;
			if (net == NONE)
				net = z->net;
			else if (net != z->net)
				return NONE;
		}
		if (have)
			break;
	}
	if (net == NONE || b->owner_net[net] != gi)
		return NONE;
	return net;
}

static const char *
host_ip(const struct zc *c, uint32_t h)
{
	return c->as[c->h[h].first].ip;
}

static const char *
host_net(const struct zc *c, uint32_t h)
{
	return c->net_text[c->a[c->h[h].first].net];
}

static const char *
plural(size_t n)
{
	return n == 1 ? "" : "s";
}

static void
write_reason(const struct zc *c, const struct zones_result *r,
    const struct zg *g, struct zone *z, const uint32_t *hosts, size_t nh)
{
	size_t cnt[ZW_N], i, twins = 0;
	uint32_t ex[ZW_N];
	char *s = z->reason;
	size_t len = sizeof(z->reason);
	const char *sep = "";

	memset(cnt, 0, sizeof(cnt));
	for (i = 0; i < ZW_N; i++)
		ex[i] = NONE;
	for (i = 0; i < nh; i++) {
		const struct zh *h = &c->h[hosts[i]];

		cnt[h->why]++;
		if (ex[h->why] == NONE)
			ex[h->why] = hosts[i];
		twins += h->n_assets - 1;
	}
	s[0] = '\0';
	if (cnt[ZW_COMMUNITY] > 0) {
		app(s, len,
		    "%s%zu controllers and I/O linked by their own traffic "
		    "(weighted community detection over controller flows)",
		    sep, cnt[ZW_COMMUNITY]);
		sep = "; ";
	}
	if (cnt[ZW_ALONE] > 0) {
		app(s, len,
		    "%scontroller %s exchanges no traffic with other "
		    "controllers: a cell of its own",
		    sep, host_ip(c, ex[ZW_ALONE]));
		sep = "; ";
	}
	if (cnt[ZW_SUBNET_MERGE] > 0) {
		uint16_t v = c->as[c->h[ex[ZW_SUBNET_MERGE]].first].vlan;

		app(s, len,
		    "%s%zu controller%s with no traffic to other controllers "
		    "placed by subnet %s",
		    sep, cnt[ZW_SUBNET_MERGE], plural(cnt[ZW_SUBNET_MERGE]),
		    host_net(c, ex[ZW_SUBNET_MERGE]));
		if (v != 0)
			app(s, len, " VLAN %u", v);
		sep = "; ";
	}
	if (cnt[ZW_LOCAL_CLIENT] > 0) {
		app(s, len, "%s%zu client%s that poll%s only this cell (%s%s)",
		    sep, cnt[ZW_LOCAL_CLIENT], plural(cnt[ZW_LOCAL_CLIENT]),
		    cnt[ZW_LOCAL_CLIENT] == 1 ? "s" : "",
		    host_ip(c, ex[ZW_LOCAL_CLIENT]),
		    cnt[ZW_LOCAL_CLIENT] > 1 ? ", ..." : "");
		sep = "; ";
	}
	if (cnt[ZW_BAND_SUBNET] > 0) {
		app(s, len, "%s%zu %s host%s sharing subnet %s", sep,
		    cnt[ZW_BAND_SUBNET],
		    g->kind == G_SUPER ? "level-2" : "level 3-5",
		    plural(cnt[ZW_BAND_SUBNET]),
		    host_net(c, ex[ZW_BAND_SUBNET]));
		sep = "; ";
	}
	if (cnt[ZW_BAND_TRAFFIC] > 0) {
		size_t n = cnt[ZW_BAND_TRAFFIC];

		if (g->kind == G_SUPER)
			app(s, len,
			    "%s%zu level-2 host%s that poll overlapping sets "
			    "of cells or talk to each other",
			    sep, n, plural(n));
		else if (g->kind == G_IT)
			app(s, len,
			    "%s%zu level 3-5 host%s that talk to each other",
			    sep, n, plural(n));
		else
			app(s, len,
			    "%s%zu host%s of unknown role that talk only "
			    "among themselves",
			    sep, n, plural(n));
		sep = "; ";
	}
	if (cnt[ZW_NEIGHBOUR] > 0) {
		const struct zh *h = &c->h[ex[ZW_NEIGHBOUR]];

		app(s, len,
		    "%s%zu host%s of unknown role or alone in %s Purdue band "
		    "placed by traffic (%s talks most with %s)",
		    sep, cnt[ZW_NEIGHBOUR], plural(cnt[ZW_NEIGHBOUR]),
		    cnt[ZW_NEIGHBOUR] == 1 ? "its" : "their",
		    c->as[h->first].ip,
		    h->peer != NONE ? host_ip(c, h->peer) : "?");
		sep = "; ";
	}
	if (cnt[ZW_SUBNET] > 0) {
		app(s, len,
		    "%s%zu host%s of unknown role or alone in %s Purdue band "
		    "placed by subnet %s",
		    sep, cnt[ZW_SUBNET], plural(cnt[ZW_SUBNET]),
		    cnt[ZW_SUBNET] == 1 ? "its" : "their",
		    host_net(c, ex[ZW_SUBNET]));
		sep = "; ";
	}
	if (cnt[ZW_ISOLATED] > 0) {
		app(s, len, "%s%zu host%s with no unicast traffic", sep,
		    cnt[ZW_ISOLATED], plural(cnt[ZW_ISOLATED]));
		sep = "; ";
	}
	if (twins > 0) {
		app(s, len,
		    "%s%zu more address%s of member hosts (same MAC: "
		    "dual-stack)",
		    sep, twins, twins == 1 ? "" : "es");
		sep = "; ";
	}
	if (z->role == ZONE_DMZ) {
		app(s, len,
		    "%sDMZ: enterprise hosts connect into it and it connects "
		    "into the plant",
		    sep);
		sep = "; ";
	}
	if (c->informative && c->by_panels &&
	    (cnt[ZW_SUBNET_MERGE] || cnt[ZW_BAND_SUBNET] || cnt[ZW_SUBNET] ||
		cnt[ZW_LOCAL_CLIENT]))
		app(s, len,
		    "%ssubnets used as evidence: %.0f%% of the panels' "
		    "industrial flows stay in their subnet",
		    sep, 100 * r->subnet_precision);
	else if (c->informative &&
	    (cnt[ZW_SUBNET_MERGE] || cnt[ZW_BAND_SUBNET] || cnt[ZW_SUBNET]))
		app(s, len,
		    "%ssubnets used as evidence: they agree with the traffic "
		    "structure (precision %.2f, recall %.2f)",
		    sep, r->subnet_precision, r->subnet_recall);
}

static void
write_sl(const struct zc *c, const struct zg *g, struct zone *z)
{
	int top = zones_access_class(g->cls_in);
	const char *from = "?";

	if (g->cls_from != NONE)
		from = c->fs[g->cls_from].client;
	switch (z->role) {
	case ZONE_CELL:
		if (top >= ZC_WRITE) {
			z->suggested_sl_t = 3;
			snprintf(z->sl_reason, sizeof(z->sl_reason),
			    "controllers receive %s operations (from %s): a "
			    "cell that can be %s needs protection against "
			    "intentional misuse",
			    zones_class_text(top), from,
			    top == ZC_WRITE ? "written to" : "reprogrammed "
							     "or commanded");
		} else {
			z->suggested_sl_t = 2;
			snprintf(z->sl_reason, sizeof(z->sl_reason),
			    "controllers and I/O with only read or "
			    "monitoring operations seen");
		}
		break;
	case ZONE_SUPERVISORY:
		z->suggested_sl_t = 2;
		snprintf(z->sl_reason, sizeof(z->sl_reason),
		    "level-2 hosts that %s controllers",
		    (g->cls_out & ((1u << ZC_PROGRAM) | (1u << ZC_CONTROL)))
			? "program or command"
		    : (g->cls_out & (1u << ZC_WRITE)) ? "write to"
						      : "poll");
		break;
	case ZONE_DMZ:
		z->suggested_sl_t = 2;
		snprintf(z->sl_reason, sizeof(z->sl_reason),
		    "DMZ between the enterprise and the plant");
		break;
	case ZONE_OPERATIONS:
		z->suggested_sl_t = 2;
		snprintf(z->sl_reason, sizeof(z->sl_reason),
		    "site operations hosts (level 3) serving the plant");
		break;
	case ZONE_ENTERPRISE:
		z->suggested_sl_t = 1;
		snprintf(z->sl_reason, sizeof(z->sl_reason),
		    "enterprise IT hosts");
		break;
	default:
		z->suggested_sl_t = 1;
		snprintf(z->sl_reason, sizeof(z->sl_reason),
		    "no role-revealing traffic");
		break;
	}
}

/* Lower the SL-T a policy declares until the observed traffic breaks no
 * SL-T-dependent rule of ARCHITECTURE.md: cleartext industrial protocols
 * across a boundary into SL-T >= 3; remote access from a lower SL-T into
 * SL-T >= 2; insecure services inside or into SL-T >= 2.  Levels only go
 * down, so the loop ends. */
static void
declare_sl(const struct zc *c, struct zones_result *r)
{
	size_t i, round;
	int changed = 1;

	for (i = 0; i < r->n_zones; i++) {
		r->zones[i].policy_sl_t = r->zones[i].suggested_sl_t;
		r->zones[i].policy_reason[0] = '\0';
	}
	for (round = 0; changed && round <= 4 * r->n_zones + 4; round++) {
		changed = 0;
		for (i = 0; i < c->nf; i++) {
			const struct st_flow *f = &c->fs[i];
			long za, zb;
			struct zone *A, *B;

			if (c->fcl[i] == NONE || c->fsv[i] == NONE)
				continue;
			za = r->asset_zone[c->fcl[i]];
			zb = r->asset_zone[c->fsv[i]];
			if (za < 0 || zb < 0)
				continue;
			A = &r->zones[za];
			B = &r->zones[zb];
			if (zones_proto_insecure(f->protocol) &&
			    B->policy_sl_t >= 2) {
				B->policy_sl_t = 1;
				snprintf(B->policy_reason,
				    sizeof(B->policy_reason),
				    "%s, an insecure service, runs %s it "
				    "(%s to %s)",
				    f->protocol, za == zb ? "inside" : "into",
				    f->client, f->server);
				changed = 1;
			}
			if (za == zb)
				continue;
			if (zones_flow_cleartext(f) && B->policy_sl_t >= 3) {
				B->policy_sl_t = 2;
				snprintf(B->policy_reason,
				    sizeof(B->policy_reason),
				    "cleartext %s crosses into it (%s to %s)",
				    proto_display(f->protocol), f->client,
				    f->server);
				changed = 1;
			}
			if (zones_proto_remote_access(f->protocol) &&
			    B->policy_sl_t >= 2 &&
			    A->policy_sl_t < B->policy_sl_t) {
				B->policy_sl_t =
				    A->policy_sl_t > 1 ? A->policy_sl_t : 1;
				snprintf(B->policy_reason,
				    sizeof(B->policy_reason),
				    "%s remote access enters it from a zone "
				    "declared SL-T %d (%s to %s)",
				    f->protocol, A->policy_sl_t, f->client,
				    f->server);
				changed = 1;
			}
		}
	}
}

struct zorder {
	uint32_t g;
	int level, role;
	uint32_t first;
};

static int
zorder_cmp(const void *x, const void *y)
{
	const struct zorder *a = x, *b = y;
	int la = a->level < 0 ? -100 : a->level;
	int lb = b->level < 0 ? -100 : b->level;

	if (la != lb)
		return la > lb ? -1 : 1;
	if (a->role != b->role)
		return a->role < b->role ? -1 : 1;
	return a->first < b->first ? -1 : a->first > b->first;
}

static int
name_cmp(const void *x, const void *y)
{
	const struct zone *const *a = x, *const *b = y;
	int c = strcmp((*a)->name, (*b)->name);

	if (c != 0)
		return c;
	return *a < *b ? -1 : *a > *b;
}

static int
conduit_cmp(const void *x, const void *y)
{
	const struct conduit *a = x, *b = y;

	if (a->from != b->from)
		return a->from < b->from ? -1 : 1;
	return a->to < b->to ? -1 : a->to > b->to;
}

struct gproto {
	uint32_t g;
	const char *p;	/* display name (static or borrowed) */
};

static int
gproto_cmp(const void *x, const void *y)
{
	const struct gproto *a = x, *b = y;

	if (a->g != b->g)
		return a->g < b->g ? -1 : 1;
	return strcmp(a->p, b->p);
}

/* The two industrial protocols served most (by flows) in each cell. */
static int
top_protocols(const struct zc *c, struct zbuild *b)
{
	struct gproto *v = xcalloc(c->nf, sizeof(*v));
	uint64_t (*best)[2] = xcalloc(c->ng, sizeof(*best));
	size_t i, j, n = 0;

	b->top = xcalloc(c->ng, sizeof(*b->top));
	if (v == NULL || best == NULL || b->top == NULL) {
		free(v);
		free(best);
		return -1;
	}
	for (i = 0; i < c->nf; i++) {
		uint32_t g;

		if (c->fsv[i] == NONE || c->fcl[i] == NONE ||
		    !zones_proto_ot(c->fs[i].protocol))
			continue;
		g = c->h[c->a[c->fsv[i]].host].group;
		if (c->g[g].kind != G_CELL)
			continue;
		v[n].g = g;
		v[n++].p = proto_display(c->fs[i].protocol);
	}
	qsort(v, n, sizeof(*v), gproto_cmp);
	for (i = 0; i < n; i = j) {
		uint64_t k;

		for (j = i; j < n && v[j].g == v[i].g &&
		     strcmp(v[j].p, v[i].p) == 0;
		     j++)
			;
		k = j - i;
		/* strictly more flows wins; equal counts keep the name
		 * that sorts first */
		if (k > best[v[i].g][0]) {
			best[v[i].g][1] = best[v[i].g][0];
			b->top[v[i].g][1] = b->top[v[i].g][0];
			best[v[i].g][0] = k;
			b->top[v[i].g][0] = v[i].p;
		} else if (k > best[v[i].g][1]) {
			best[v[i].g][1] = k;
			b->top[v[i].g][1] = v[i].p;
		}
	}
	free(v);
	free(best);
	return 0;
}

static void
make_name(const struct zc *c, const struct zbuild *b, uint32_t gi,
    const struct zone *z, int qualify, char *out, size_t len)
{
	const struct zg *g = &c->g[gi];
	const uint32_t *hosts = b->hosts + b->hoff[gi];
	size_t nh = b->hoff[gi + 1] - b->hoff[gi], i;
	uint32_t kc[K_N], net;
	char summary[128] = "";
	int shown = 0;

	memset(kc, 0, sizeof(kc));
	for (i = 0; i < nh; i++) {
		const struct zh *h = &c->h[hosts[i]];
		int k = h->kcat;

		if (g->kind == G_CELL && h->anchor && k != K_PLC &&
		    k != K_RTU && k != K_IO)
			k = K_OTSRV;
		else if (g->kind == G_CELL && !h->anchor && k == K_UNKNOWN)
			k = K_CLIENT;
		kc[k]++;
	}
	if (g->kind == G_CELL)
		for (i = 0; i < 2; i++)
			if (b->top[gi][i] != NULL) {
				app(summary, sizeof(summary), "%s%s",
				    shown ? ", " : "", b->top[gi][i]);
				shown++;
			}
	kind_summary(kc, summary, sizeof(summary), shown == 0);
	net = c->informative ? group_net(c, b, gi, z->members, z->n_members)
			     : NONE;
	if (z->purdue_level >= 0)
		snprintf(out, len, "L%d %s", z->purdue_level,
		    role_names[z->role]);
	else
		snprintf(out, len, "%s", role_names[z->role]);
	if (net != NONE)
		app(out, len, " %s", c->net_text[net]);
	else if (qualify || g->kind == G_CELL)
		app(out, len, " at %s",
		    host_ip(c, g->anchor_host != NONE ? g->anchor_host
						      : hosts[0]));
	if (summary[0] != '\0')
		app(out, len, " (%s)", summary);
}

/* Roles, levels and the main controller of each group. */
static void
classify_groups(struct zc *c, const struct zbuild *b)
{
	size_t i, j;

	for (i = 0; i < c->ng; i++) {
		struct zg *g = &c->g[i];
		const uint32_t *hs = b->hosts + b->hoff[i];
		size_t nh = b->hoff[i + 1] - b->hoff[i], best = 0;

		g->n_hosts = (uint32_t)nh;
		if (nh == 0)
			continue;
		g->first_asset = c->h[hs[0]].first;
		g->level = group_level(c, g, hs, nh);
		switch (g->kind) {
		case G_CELL:
			g->role = ZONE_CELL;
			/* the most polled controller names the cell */
			for (j = 0; j < nh; j++) {
				const struct zh *h = &c->h[hs[j]];
				size_t score = (size_t)h->ot_in * 4 +
				    (h->level == 1 ? 2 : 0) + h->ot_out;

				if (h->anchor && (g->anchor_host == NONE ||
						     score > best)) {
					g->anchor_host = hs[j];
					best = score;
				}
			}
			break;
		case G_SUPER:
			g->role = ZONE_SUPERVISORY;
			break;
		case G_IT:
			g->role = g->level == 3 ? ZONE_OPERATIONS
						: ZONE_ENTERPRISE;
			break;
		default:
			g->role = ZONE_UNCLASSIFIED;
			break;
		}
	}
}

/*
 * DMZ: an IT group (level 3-5) that an enterprise group connects into and
 * that connects into the plant (a group of level 0-2), where that
 * enterprise group itself does not connect into the plant.
 */
static void
find_dmz(struct zc *c, const struct zones_result *r)
{
	unsigned char *touches = xcalloc(c->ng, 1);
	unsigned char *from_ent = xcalloc(c->ng, 1);
	size_t i;

	if (touches == NULL || from_ent == NULL) {
		free(touches);
		free(from_ent);
		return; /* no DMZ label: only a name changes */
	}
	for (i = 0; i < r->n_conduits; i++) {
		const struct conduit *cd = &r->conduits[i];

		if (c->g[cd->to].level >= 0 && c->g[cd->to].level <= 2)
			touches[cd->from] = 1;
	}
	for (i = 0; i < r->n_conduits; i++) {
		const struct conduit *cd = &r->conduits[i];

		if (c->g[cd->from].role == ZONE_ENTERPRISE &&
		    !touches[cd->from])
			from_ent[cd->to] = 1;
	}
	for (i = 0; i < c->ng; i++)
		if (c->g[i].n_hosts > 0 && c->g[i].kind == G_IT &&
		    from_ent[i] && touches[i]) {
			c->g[i].role = ZONE_DMZ;
			c->g[i].level = 3;
		}
	free(touches);
	free(from_ent);
}

static int
make_zones(struct zc *c, struct zones_result *r)
{
	struct zbuild b;
	uint64_t *inside = NULL;
	uint32_t *gmem = NULL, *remap = NULL;
	size_t *moff = NULL, *fill = NULL, i, j;
	struct zorder *ord = NULL;
	uint32_t nz = 0;
	uint32_t same[ZONE_ROLE_N][8];
	struct zone **byname = NULL;
	int rc = -1;

	memset(&b, 0, sizeof(b));
	memset(same, 0, sizeof(same));
	/* Every host has a group by now; should one not, it gets a group
	 * of its own rather than an index out of range. */
	for (i = 0; i < c->nh; i++)
		if (c->h[i].group == NONE &&
		    (c->h[i].group = new_group(c, G_UNKNOWN)) == NONE)
			return -1;
	inside = xcalloc(c->ng, sizeof(*inside));
	b.hoff = xcalloc((size_t)c->ng + 1, sizeof(*b.hoff));
	b.hosts = xcalloc(c->nh, sizeof(*b.hosts));
	moff = xcalloc((size_t)c->ng + 1, sizeof(*moff));
	fill = xcalloc((size_t)c->ng + 1, sizeof(*fill));
	gmem = xcalloc(c->na, sizeof(*gmem));
	b.owner_net = xcalloc(c->n_nets, sizeof(*b.owner_net));
	b.netcount = xcalloc(c->n_nets, sizeof(*b.netcount));
	remap = xcalloc(c->ng, sizeof(*remap));
	ord = xcalloc(c->ng, sizeof(*ord));
	if (inside == NULL || b.hoff == NULL || b.hosts == NULL ||
	    moff == NULL || fill == NULL || gmem == NULL ||
	    b.owner_net == NULL || b.netcount == NULL || remap == NULL ||
	    ord == NULL)
		goto out;
	/* hosts per group, in host order; member assets, in asset order */
	for (i = 0; i < c->nh; i++)
		b.hoff[c->h[i].group + 1]++;
	for (i = 0; i < c->na; i++)
		moff[c->h[c->a[i].host].group + 1]++;
	for (i = 0; i < c->ng; i++) {
		b.hoff[i + 1] += b.hoff[i];
		moff[i + 1] += moff[i];
	}
	memcpy(fill, b.hoff, ((size_t)c->ng + 1) * sizeof(*fill));
	for (i = 0; i < c->nh; i++)
		b.hosts[fill[c->h[i].group]++] = (uint32_t)i;
	memcpy(fill, moff, ((size_t)c->ng + 1) * sizeof(*fill));
	for (i = 0; i < c->na; i++)
		gmem[fill[c->h[c->a[i].host].group]++] = (uint32_t)i;
	for (i = 0; i < c->n_nets; i++)
		b.owner_net[i] = NONE;
	for (i = 0; i < c->na; i++) {
		uint32_t g = c->h[c->a[i].host].group, n = c->a[i].net;

		b.netcount[n]++;
		if (b.owner_net[n] == NONE)
			b.owner_net[n] = g;
		else if (b.owner_net[n] != g)
			b.owner_net[n] = MULTI_OWNER;
	}
	classify_groups(c, &b);
	if (make_conduits(c, r, inside) != 0 || top_protocols(c, &b) != 0)
		goto out;
	find_dmz(c, r);
	group_classes(c);
	/* order: level (high first, unknown last), role, first member */
	for (i = 0; i < c->ng; i++) {
		if (c->g[i].n_hosts == 0)
			continue;
		ord[nz].g = (uint32_t)i;
		ord[nz].level = c->g[i].level;
		ord[nz].role = c->g[i].role;
		ord[nz++].first = c->g[i].first_asset;
	}
	qsort(ord, nz, sizeof(*ord), zorder_cmp);
	for (i = 0; i < c->ng; i++)
		remap[i] = NONE;
	for (i = 0; i < nz; i++)
		remap[ord[i].g] = (uint32_t)i;
	r->zones = xcalloc(nz, sizeof(*r->zones));
	if (r->zones == NULL)
		goto out;
	r->n_zones = nz;
	for (i = 0; i < nz; i++) {
		uint32_t gi = ord[i].g;
		struct zg *g = &c->g[gi];
		struct zone *z = &r->zones[i];
		size_t nm = moff[gi + 1] - moff[gi];

		z->role = (enum zone_role)g->role;
		z->purdue_level = g->level;
		z->n_hosts = g->n_hosts;
		z->flows_inside = inside[gi];
		z->members = xcalloc(nm, sizeof(*z->members));
		if (z->members == NULL)
			goto out;
		for (j = 0; j < nm; j++)
			z->members[j] = gmem[moff[gi] + j];
		z->n_members = nm;
		for (j = 0; j < nm; j++) {
			uint16_t v = c->as[z->members[j]].vlan;
			char pat[16], list[sizeof(z->vlans) + 2];

			if (v == 0)
				continue;
			/* few VLANs per zone: a search of the joined list */
			snprintf(pat, sizeof(pat), ",%u,", v);
			snprintf(list, sizeof(list), ",%s,", z->vlans);
			if (strstr(list, pat) == NULL)
				app(z->vlans, sizeof(z->vlans), "%s%u",
				    z->vlans[0] ? "," : "", v);
		}
		write_sl(c, g, z);
		same[z->role][z->purdue_level + 1 >= 0 &&
				z->purdue_level + 1 < 8
			    ? z->purdue_level + 1
			    : 0]++;
	}
	/* networks a zone owns, only with subnet evidence */
	for (i = 0; c->informative && i < c->n_nets; i++) {
		uint32_t o = b.owner_net[i];
		struct zone *z;

		if (o == NONE || o == MULTI_OWNER || remap[o] == NONE ||
		    b.netcount[i] < 2)
			continue;
		z = &r->zones[remap[o]];
		if (strlen(z->networks) + strlen(c->net_text[i]) + 2 <
		    sizeof(z->networks))
			app(z->networks, sizeof(z->networks), "%s%s",
			    z->networks[0] ? "," : "", c->net_text[i]);
	}
	for (i = 0; i < c->na; i++) {
		r->asset_zone[i] = (long)remap[c->h[c->a[i].host].group];
		r->asset_why[i] = (unsigned char)c->h[c->a[i].host].why;
	}
	for (i = 0; i < r->n_conduits; i++) {
		r->conduits[i].from = remap[r->conduits[i].from];
		r->conduits[i].to = remap[r->conduits[i].to];
	}
	qsort(r->conduits, r->n_conduits, sizeof(*r->conduits), conduit_cmp);
	/* names: a qualifier when another zone has the same role and
	 * level; a suffix on the later of equal names */
	for (i = 0; i < nz; i++) {
		struct zone *z = &r->zones[i];
		int lv = z->purdue_level + 1 >= 0 && z->purdue_level + 1 < 8
		    ? z->purdue_level + 1
		    : 0;

		make_name(c, &b, ord[i].g, z, same[z->role][lv] > 1, z->name,
		    sizeof(z->name));
	}
	byname = xcalloc(nz, sizeof(*byname));
	if (byname == NULL)
		goto out;
	for (i = 0; i < nz; i++)
		byname[i] = &r->zones[i];
	qsort(byname, nz, sizeof(*byname), name_cmp);
	for (i = 0; i < nz; i = j) {
		size_t k = 1;

		for (j = i + 1;
		     j < nz && strcmp(byname[j]->name, byname[i]->name) == 0;
		     j++) {
			char suf[24];
			size_t l = strlen(byname[j]->name);

			snprintf(suf, sizeof(suf), " #%zu", ++k);
			if (l + strlen(suf) >= sizeof(byname[j]->name))
				l = sizeof(byname[j]->name) - strlen(suf) - 1;
			snprintf(byname[j]->name + l,
			    sizeof(byname[j]->name) - l, "%s", suf);
		}
	}
	for (i = 0; i < nz; i++) {
		uint32_t gi = ord[i].g;

		write_reason(c, r, &c->g[gi], &r->zones[i],
		    b.hosts + b.hoff[gi], b.hoff[gi + 1] - b.hoff[gi]);
	}
	declare_sl(c, r);
	rc = 0;
out:
	free(inside);
	free(b.hoff);
	free(b.hosts);
	free(b.owner_net);
	free(b.netcount);
	free(b.top);
	free(moff);
	free(fill);
	free(gmem);
	free(remap);
	free(ord);
	free(byname);
	return rc;
}

static uint64_t
digest(const struct zc *c)
{
	uint64_t h = 14695981039346656037ull;
	size_t i, j;

	for (i = 0; i < c->na; i++) {
		const struct st_asset *a = &c->as[i];

		h = fnv_str(h, a->ip);
		h = fnv(h, &a->vlan, sizeof(a->vlan));
		h = fnv_str(h, a->mac);
		h = fnv_str(h, a->kind);
		h = fnv(h, &a->purdue_level, sizeof(a->purdue_level));
	}
	for (i = 0; i < c->nf; i++) {
		const struct st_flow *f = &c->fs[i];

		h = fnv_str(h, f->client);
		h = fnv_str(h, f->server);
		h = fnv(h, &f->vlan, sizeof(f->vlan));
		h = fnv(h, &f->client_vlan, sizeof(f->client_vlan));
		h = fnv_str(h, f->protocol);
		h = fnv(h, &f->server_port, sizeof(f->server_port));
		h = fnv(h, &f->packets, sizeof(f->packets));
		for (j = 0; j < f->n_ops; j++) {
			h = fnv_str(h, f->ops[j].cls);
			h = fnv(h, &f->ops[j].count, sizeof(f->ops[j].count));
		}
	}
	return h;
}

int
zones_propose(const struct st_asset *as, size_t na,
    const struct st_flow *fs, size_t nf, struct zones_result *r,
    char *errbuf, size_t errlen)
{
	struct zc c;
	size_t not_unicast = 0;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	memset(&c, 0, sizeof(c));
	if (na >= NONE - 2 || nf >= NONE - 2) {
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen, "graph too large");
		return -1;
	}
	c.as = as;
	c.na = na;
	c.fs = fs;
	c.nf = nf;
	r->n_assets = na;
	r->asset_zone = xcalloc(na, sizeof(*r->asset_zone));
	r->asset_why = xcalloc(na, sizeof(*r->asset_why));
	if (r->asset_zone == NULL || r->asset_why == NULL)
		goto out;
	if (load_assets(&c) != 0 || resolve_flows(&c, &not_unicast) != 0 ||
	    make_hosts(&c) != 0 || build_host_graph(&c) != 0)
		goto out;
	sort_adjacency(&c);
	r->flows_not_unicast = not_unicast;
	r->digest = digest(&c);
	if (make_cells(&c) != 0 || subnet_agreement(&c) != 0)
		goto out;
	r->subnets_used = c.informative;
	r->subnets_by_panels = c.by_panels;
	r->subnet_precision = c.prec;
	r->subnet_recall = c.rec;
	if (c.informative && merge_by_subnet(&c) != 0)
		goto out;
	if (attach_local_clients(&c) != 0 || group_upper(&c) != 0)
		goto out;
	release_lone(&c);
	if (place_unknown(&c) != 0 || make_zones(&c, r) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		set_oom(errbuf, errlen);
	free(c.a);
	free(c.fcl);
	free(c.fsv);
	free(c.h);
	free(c.off);
	free(c.adj);
	free(c.net_text);
	free(c.g);
	free(c.cellsub);
	return rc;
}

void
zones_free(struct zones_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; r->zones != NULL && i < r->n_zones; i++)
		free(r->zones[i].members);
	for (i = 0; r->conduits != NULL && i < r->n_conduits; i++)
		free(r->conduits[i].protos);
	free(r->zones);
	free(r->conduits);
	free(r->asset_zone);
	free(r->asset_why);
	memset(r, 0, sizeof(*r));
}

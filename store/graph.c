/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * graph.c: the in-memory asset and edge graph that sensor/ aggregates
 * observations into.  Records live in fixed chunks (pointers stay valid),
 * found through chained hash tables sized once from the caps, so a scan
 * of a million addresses costs a bounded table and counted refusals, not
 * rehash storms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph_impl.h"
#include "hash.h"

static uint32_t
pow2_at_least(uint32_t n)
{
	uint32_t p = 1024;

	while (p < n && p < (1u << 30))
		p <<= 1;
	return p;
}

struct graph *
graph_new(const struct graph_limits *lim)
{
	struct graph *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return NULL;
	g->lim.max_assets = GRAPH_MAX_ASSETS_DEFAULT;
	g->lim.max_edges = GRAPH_MAX_EDGES_DEFAULT;
	if (lim != NULL && lim->max_assets != 0)
		g->lim.max_assets = lim->max_assets;
	if (lim != NULL && lim->max_edges != 0)
		g->lim.max_edges = lim->max_edges;
	g->amask = pow2_at_least(g->lim.max_assets) - 1;
	g->emask = pow2_at_least(g->lim.max_edges) - 1;
	g->ahash = calloc((size_t)g->amask + 1, sizeof(uint32_t));
	g->ehash = calloc((size_t)g->emask + 1, sizeof(uint32_t));
	g->abits = calloc(((size_t)g->amask + 64) / 64, sizeof(uint64_t));
	g->ebits = calloc(((size_t)g->emask + 64) / 64, sizeof(uint64_t));
	g->cbits = calloc(((size_t)g->amask + 64) / 64, sizeof(uint64_t));
	g->n_achunks = (g->lim.max_assets + GRAPH_CHUNK - 1) / GRAPH_CHUNK;
	g->n_echunks = (g->lim.max_edges + GRAPH_CHUNK - 1) / GRAPH_CHUNK;
	g->achunks = calloc(g->n_achunks, sizeof(*g->achunks));
	g->echunks = calloc(g->n_echunks, sizeof(*g->echunks));
	if (g->ahash == NULL || g->ehash == NULL || g->abits == NULL ||
	    g->ebits == NULL || g->cbits == NULL || g->achunks == NULL ||
	    g->echunks == NULL) {
		graph_free(g);
		return NULL;
	}
	return g;
}

void
graph_free(struct graph *g)
{
	uint32_t i;

	if (g == NULL)
		return;
	for (i = 0; i < g->n_assets; i++)
		free(graph_asset_at(g, i)->ident);
	for (i = 0; i < g->n_edges; i++)
		free(graph_edge_at(g, i)->ops);
	for (i = 0; g->achunks != NULL && i < g->n_achunks; i++)
		free(g->achunks[i]);
	for (i = 0; g->echunks != NULL && i < g->n_echunks; i++)
		free(g->echunks[i]);
	for (i = 0; i < g->n_pnames; i++)
		free(g->pnames[i]);
	free(g->achunks);
	free(g->echunks);
	free(g->ahash);
	free(g->ehash);
	free(g->abits);
	free(g->ebits);
	free(g->cbits);
	free(g->fanin);
	free(g);
}

void
graph_stats(const struct graph *g, struct graph_stats *st)
{
	st->assets = g->n_assets;
	st->edges = g->n_edges;
	st->assets_capped = g->assets_capped;
	st->edges_capped = g->edges_capped;
	st->ops_capped = g->ops_capped;
}

static inline int
bit_get(const uint64_t *bits, uint32_t h)
{
	return (int)(bits[h / 64] >> (h % 64) & 1);
}

static inline void
bit_set(uint64_t *bits, uint32_t h)
{
	bits[h / 64] |= 1ull << (h % 64);
}

static uint32_t
asset_bucket(const struct graph *g, uint16_t vlan, const uint8_t *ip)
{
	/* one multiply folds the upper word in (a bijection), one mix */
	uint64_t h = mix64((load64(ip) ^ (uint64_t)vlan << 40) *
	    0x9e3779b97f4a7c15ull ^ load64(ip + 8));

	return (uint32_t)(h ^ h >> 32) & g->amask;
}

/* A hash of an address alone (any VLAN): its low bits index cbits, its
 * top bits the asset memo. */
static inline uint64_t
addr_hash(const uint8_t *ip)
{
	return mix64(load64(ip) * 0x9e3779b97f4a7c15ull ^ load64(ip + 8));
}

static inline uint32_t
client_bit(const struct graph *g, const uint8_t *ip)
{
	return (uint32_t)addr_hash(ip) & g->amask;
}

uint16_t
graph_proto_id(struct graph *g, const char *name)
{
	uint32_t i;

	for (i = 0; i < g->n_pnames; i++)
		if (strcmp(g->pnames[i], name) == 0)
			return (uint16_t)(i + 1);
	if (g->n_pnames >= GRAPH_MAX_PROTO_NAMES)
		return 0;
	g->pnames[g->n_pnames] = strdup(name);
	if (g->pnames[g->n_pnames] == NULL)
		return 0;
	return (uint16_t)(++g->n_pnames);
}

const char *
graph_proto_name(const struct graph *g, uint16_t id)
{
	if (id == 0 || id > g->n_pnames)
		return "unknown";
	return g->pnames[id - 1];
}

/* Make sure the chunk holding index i exists. */
static void *
chunk_for(void **chunks, uint32_t i, size_t elem)
{
	uint32_t c = i / GRAPH_CHUNK;

	if (chunks[c] == NULL)
		chunks[c] = calloc(GRAPH_CHUNK, elem);
	return chunks[c];
}

static struct g_asset *asset_get(struct graph *, uint16_t,
    const uint8_t *, uint32_t);

/* asset_get through the memo of recent finds */
static inline struct g_asset *
asset_memo_get(struct graph *g, uint16_t vlan, const uint8_t *ip,
    uint32_t limit)
{
	struct g_asset **m, *a;

	m = &g->amemo[addr_hash(ip) >> (64 - GRAPH_AMEMO_BITS)];
	a = *m;

	if (a != NULL && a->vlan == vlan && memcmp(a->ip, ip, 16) == 0)
		return a;
	a = asset_get(g, vlan, ip, limit);
	if (a != NULL)
		*m = a;
	return a;
}

struct g_asset *
graph_asset(struct graph *g, uint16_t vlan, const uint8_t ip[16])
{
	return asset_memo_get(g, vlan, ip, g->lim.max_assets);
}

struct g_asset *
graph_asset_noise(struct graph *g, uint16_t vlan, const uint8_t ip[16])
{
	return asset_memo_get(g, vlan, ip,
	    g->lim.max_assets / GRAPH_NOISE_SHARE);
}

struct g_asset *
graph_asset_find(const struct graph *g, uint16_t vlan, const uint8_t ip[16])
{
	uint32_t h, i;
	struct g_asset *a;

	h = asset_bucket(g, vlan, ip);
	if (!bit_get(g->abits, h))
		return NULL;
	for (i = g->ahash[h]; i != 0; i = a->next) {
		a = graph_asset_at(g, i - 1);
		if (a->vlan == vlan && memcmp(a->ip, ip, 16) == 0)
			return a;
	}
	return NULL;
}

/* Find, or create while fewer than limit assets exist. */
static struct g_asset *
asset_get(struct graph *g, uint16_t vlan, const uint8_t *ip, uint32_t limit)
{
	uint32_t h, i;
	struct g_asset *a;

	h = asset_bucket(g, vlan, ip);
	for (i = bit_get(g->abits, h) ? g->ahash[h] : 0; i != 0; i = a->next) {
		a = graph_asset_at(g, i - 1);
		if (a->vlan == vlan && memcmp(a->ip, ip, 16) == 0)
			return a;
	}
	if (g->n_assets >= limit ||
	    chunk_for((void **)g->achunks, g->n_assets, sizeof(*a)) == NULL) {
		g->assets_capped++;
		return NULL;
	}
	a = graph_asset_at(g, g->n_assets);
	memcpy(a->ip, ip, 16);
	a->vlan = vlan;
	a->dirty = 1;
	a->next = g->ahash[h];
	g->ahash[h] = ++g->n_assets;
	bit_set(g->abits, h);
	bit_set(g->cbits, client_bit(g, ip));
	return a;
}

static inline void
asset_seen(struct g_asset *a, uint64_t ts_us)
{
	if (a->first_us == 0 || ts_us < a->first_us)
		a->first_us = ts_us;
	if (ts_us > a->last_us)
		a->last_us = ts_us;
}

void
graph_asset_traffic(struct g_asset *a, uint64_t ts_us, uint64_t pkts,
    uint64_t bytes)
{
	asset_seen(a, ts_us);
	a->d_pkts += pkts;
	a->d_bytes += bytes;
	a->dirty = 1;
}

void
graph_asset_span(struct g_asset *a, uint64_t first_us, uint64_t last_us,
    uint64_t pkts, uint64_t bytes)
{
	asset_seen(a, first_us);
	asset_seen(a, last_us);
	a->d_pkts += pkts;
	a->d_bytes += bytes;
	a->dirty = 1;
}

void
graph_asset_mac(struct graph *g, struct g_asset *a, const uint8_t mac[6])
{
	unsigned i;

	(void)g;
	for (i = 0; i < a->n_macs; i++)
		if (memcmp(a->macs[i], mac, 6) == 0)
			return;
	if (a->n_macs >= GRAPH_MAX_MACS_PER_ASSET)
		return;
	memcpy(a->macs[a->n_macs++], mac, 6);
	a->dirty = 1;
}

void
graph_asset_name(struct graph *g, struct g_asset *a, int is_role,
    const char *name)
{
	uint16_t id = graph_proto_id(g, name);
	unsigned i;

	if (id == 0)
		return;
	if (is_role)
		id |= 0x8000;
	for (i = 0; i < a->n_names; i++)
		if (a->names[i] == id)
			return;
	if (a->n_names >= GRAPH_MAX_NAMES_PER_ASSET)
		return;
	a->names[a->n_names++] = id;
	a->dirty = 1;
}

static void
merge_str(char *dst, size_t len, const char *src, uint8_t *changed)
{
	if (src[0] == '\0' || strcmp(dst, src) == 0)
		return;
	snprintf(dst, len, "%s", src);
	*changed = 1;
}

void
graph_asset_ident(struct g_asset *a, const struct obs_ident *o, uint64_t ts)
{
	struct g_ident *id = a->ident;
	uint8_t ch = 0;

	if (id == NULL) {
		id = a->ident = calloc(1, sizeof(*id));
		if (id == NULL)
			return;
	}
	merge_str(id->vendor, sizeof(id->vendor), o->vendor, &ch);
	merge_str(id->product, sizeof(id->product), o->product, &ch);
	merge_str(id->model, sizeof(id->model), o->model, &ch);
	merge_str(id->firmware, sizeof(id->firmware), o->firmware, &ch);
	merge_str(id->hardware, sizeof(id->hardware), o->hardware, &ch);
	merge_str(id->serial, sizeof(id->serial), o->serial, &ch);
	merge_str(id->name, sizeof(id->name), o->name, &ch);
	merge_str(id->url, sizeof(id->url), o->url, &ch);
	if (o->vendor_id != 0 && id->vendor_id != o->vendor_id) {
		id->vendor_id = o->vendor_id;
		ch = 1;
	}
	if (o->device_type != 0 && id->device_type != o->device_type) {
		id->device_type = o->device_type;
		ch = 1;
	}
	if (o->product_code != 0 && id->product_code != o->product_code) {
		id->product_code = o->product_code;
		ch = 1;
	}
	if (ts > id->newest_us)
		id->newest_us = ts;
	if (ch) {
		id->proto = o->proto;
		if (ts != 0)
			id->ts_us = ts;
		a->ident_dirty = 1;
		a->dirty = 1;
	}
}

void
graph_asset_ident_at(struct g_asset *a, const struct obs_ident *o,
    uint64_t ts_us, uint32_t src_id, uint64_t frame)
{
	uint8_t was = a->ident_dirty;

	a->ident_dirty = 0;
	graph_asset_ident(a, o, ts_us);
	if (a->ident_dirty && a->ident != NULL) {
		a->ident->src_id = src_id;
		a->ident->frame = frame;
	}
	a->ident_dirty |= was;
}

/* Word-wise: a byte-wise hash of the 42-byte key was a tenth of the
 * time of a scan (one edge lookup per connection). */
static uint32_t
edge_bucket(const struct graph *g, uint16_t cvlan, const uint8_t client[16],
    uint16_t vlan, const uint8_t server[16], uint8_t l4, uint16_t port,
    uint16_t proto)
{
	uint64_t h;

	/* each word folded in by a multiply (a bijection), one mix */
	h = (load64(client) ^ (uint64_t)cvlan << 3) * 0x9e3779b97f4a7c15ull ^
	    load64(client + 8);
	h = (h * 0xff51afd7ed558ccdull ^ load64(server) ^
		(uint64_t)vlan << 7) * 0xc4ceb9fe1a85ec53ull;
	h = mix64(h ^ load64(server + 8) ^ ((uint64_t)port << 16 |
					     (uint64_t)proto << 32 | l4));
	return (uint32_t)(h ^ h >> 32) & g->emask;
}

static struct g_edge *
edge_find(const struct graph *g, uint32_t h, uint16_t cvlan,
    const uint8_t client[16], uint16_t vlan, const uint8_t server[16],
    uint8_t l4, uint16_t port, uint16_t proto)
{
	uint32_t i;
	struct g_edge *e;

	if (!bit_get(g->ebits, h))
		return NULL;
	for (i = g->ehash[h]; i != 0; i = e->next) {
		e = graph_edge_at(g, i - 1);
		if (e->vlan == vlan && e->cvlan == cvlan && e->l4 == l4 &&
		    e->server_port == port && e->proto == proto &&
		    memcmp(e->client, client, 16) == 0 &&
		    memcmp(e->server, server, 16) == 0)
			return e;
	}
	return NULL;
}

static struct g_edge *edge_get(struct graph *, uint16_t, const uint8_t *,
    uint16_t, const uint8_t *, uint8_t, uint16_t, uint16_t, uint32_t);

struct g_edge *
graph_edge(struct graph *g, uint16_t cvlan, const uint8_t client[16],
    uint16_t vlan, const uint8_t server[16], uint8_t l4,
    uint16_t server_port, uint16_t proto_id)
{
	return edge_get(g, cvlan, client, vlan, server, l4, server_port,
	    proto_id, g->lim.max_edges);
}

/* The fan-in entry of a server; NULL when the table is full (or cannot
 * be allocated): that server is not folded. */
static struct g_fanin *
fanin_get(struct graph *g, uint16_t vlan, const uint8_t server[16])
{
	uint64_t h;
	uint32_t i;
	struct g_fanin *f;

	if (g->fanin == NULL) {
		g->fanin = calloc(GRAPH_FANIN_SLOTS, sizeof(*g->fanin));
		if (g->fanin == NULL)
			return NULL;
	}
	h = mix64((load64(server) ^ (uint64_t)vlan << 40) *
	    0x9e3779b97f4a7c15ull ^ load64(server + 8));
	for (i = (uint32_t)h & (GRAPH_FANIN_SLOTS - 1);; 
	     i = (i + 1) & (GRAPH_FANIN_SLOTS - 1)) {
		f = &g->fanin[i];
		if (!f->used)
			break;
		if (f->vlan == vlan && memcmp(f->ip, server, 16) == 0)
			return f;
	}
	if (g->n_fanin >= GRAPH_FANIN_SLOTS / 4 * 3)
		return NULL;
	memcpy(f->ip, server, 16);
	f->vlan = vlan;
	f->used = 1;
	g->n_fanin++;
	return f;
}

struct g_edge *
graph_edge_noise(struct graph *g, uint16_t cvlan, const uint8_t client[16],
    uint16_t vlan, const uint8_t server[16], uint8_t l4,
    uint16_t server_port, uint16_t proto_id)
{
	uint32_t h, n;
	struct g_edge *e;
	struct g_fanin *f;

	if (!bit_get(g->cbits, client_bit(g, client))) {
		/* no asset and no edge has this address: a new client */
		f = fanin_get(g, vlan, server);
	} else {
		h = edge_bucket(g, cvlan, client, vlan, server, l4,
		    server_port, proto_id);
		e = edge_find(g, h, cvlan, client, vlan, server, l4,
		    server_port, proto_id);
		if (e != NULL)
			return e;
		/* a client never seen before counts towards the server's
		 * fan-in */
		f = graph_asset_find(g, cvlan, client) == NULL
		    ? fanin_get(g, vlan, server) : NULL;
	}
	if (f != NULL && f->n >= GRAPH_NOISE_FANIN) {
		/* a flood's client: folded into the server's counters, not
		 * dropped (not a cap hit: "dropped by caps" and the drop
		 * events stay what the caps dropped) */
		g->noise_folded++;
		return NULL;
	}
	n = g->n_edges;
	e = edge_get(g, cvlan, client, vlan, server, l4, server_port,
	    proto_id, g->lim.max_edges / GRAPH_NOISE_SHARE);
	if (f != NULL && g->n_edges != n)
		f->n++;
	return e;
}

static struct g_edge *
edge_get(struct graph *g, uint16_t cvlan, const uint8_t *client,
    uint16_t vlan, const uint8_t *server, uint8_t l4, uint16_t server_port,
    uint16_t proto_id, uint32_t limit)
{
	uint32_t h;
	struct g_edge *e;

	h = edge_bucket(g, cvlan, client, vlan, server, l4, server_port,
	    proto_id);
	e = edge_find(g, h, cvlan, client, vlan, server, l4, server_port,
	    proto_id);
	if (e != NULL)
		return e;
	if (g->n_edges >= limit ||
	    chunk_for((void **)g->echunks, g->n_edges, sizeof(*e)) == NULL) {
		g->edges_capped++;
		return NULL;
	}
	e = graph_edge_at(g, g->n_edges);
	memcpy(e->client, client, 16);
	memcpy(e->server, server, 16);
	e->vlan = vlan;
	e->cvlan = cvlan;
	e->l4 = l4;
	e->server_port = server_port;
	e->proto = proto_id;
	e->dirty = 1;
	e->next = g->ehash[h];
	g->ehash[h] = ++g->n_edges;
	bit_set(g->ebits, h);
	bit_set(g->cbits, client_bit(g, client));
	return e;
}

struct g_edge *
graph_edge_rekey(struct graph *g, struct g_edge *e, uint16_t cvlan,
    uint16_t vlan)
{
	uint32_t h, idx1, *pp;
	struct g_edge *t;
	uint32_t i;

	if (e->cvlan == cvlan && e->vlan == vlan)
		return e;
	h = edge_bucket(g, cvlan, e->client, vlan, e->server, e->l4,
	    e->server_port, e->proto);
	t = edge_find(g, h, cvlan, e->client, vlan, e->server, e->l4,
	    e->server_port, e->proto);
	/* unlink e from its chain */
	idx1 = 0;
	for (i = 0; i < g->n_echunks && g->echunks[i] != NULL; i++)
		if (e >= g->echunks[i] && e < g->echunks[i] + GRAPH_CHUNK) {
			idx1 = i * GRAPH_CHUNK + (uint32_t)(e - g->echunks[i]) + 1;
			break;
		}
	if (idx1 == 0)
		return e;
	pp = &g->ehash[edge_bucket(g, e->cvlan, e->client, e->vlan,
	    e->server, e->l4, e->server_port, e->proto)];
	while (*pp != 0 && *pp != idx1)
		pp = &graph_edge_at(g, *pp - 1)->next;
	if (*pp == idx1)
		*pp = e->next;
	e->next = 0;
	if (t == NULL) {
		e->cvlan = cvlan;
		e->vlan = vlan;
		e->next = g->ehash[h];
		g->ehash[h] = idx1;
		bit_set(g->ebits, h);
		e->dirty = 1;
		return e;
	}
	/* merge e into t */
	if (e->first_us != 0)
		graph_edge_traffic(t, e->first_us, e->last_us, e->d_pkts,
		    e->d_bytes, e->src_id, e->frame);
	t->d_conns += e->d_conns;
	if (e->sec_mode != 0 && (t->sec_mode == 0 || e->sec_mode < t->sec_mode))
		t->sec_mode = e->sec_mode;
	t->authenticated |= e->authenticated;
	t->encrypted |= e->encrypted;
	if (t->sec_policy[0] == '\0')
		memcpy(t->sec_policy, e->sec_policy, sizeof(t->sec_policy));
	for (i = 0; i < e->n_ops; i++) {
		struct g_op *o = &e->ops[i];
		struct obs_op op;
		uint64_t k;

		memset(&op, 0, sizeof(op));
		op.proto = o->proto;
		op.cls = o->cls;
		op.code = o->code;
		op.name = o->name;
		for (k = 0; k < o->d_count; k++)
			graph_edge_op(g, t, &op, o->first_us, o->src_id,
			    o->frame);
		op.flags = OBS_OP_RESPONSE | OBS_OP_EXCEPTION;
		for (k = 0; k < o->d_errors; k++)
			graph_edge_op(g, t, &op, o->last_us, o->src_id,
			    o->frame);
	}
	free(e->ops);
	e->ops = NULL;
	e->n_ops = e->cap_ops = 0;
	e->d_pkts = e->d_bytes = e->d_conns = 0;
	e->dead = 1;
	e->dirty = 0;
	t->dirty = 1;
	return t;
}

void
graph_asset_merge(struct graph *g, struct g_asset *dst,
    const struct g_asset *src)
{
	unsigned i;

	if (dst == src)
		return;
	for (i = 0; i < src->n_macs; i++)
		graph_asset_mac(g, dst, src->macs[i]);
	for (i = 0; i < src->n_names; i++) {
		uint16_t id = src->names[i];

		graph_asset_name(g, dst, (id & 0x8000) != 0,
		    graph_proto_name(g, id & 0x7fff));
	}
	if (src->ident != NULL) {
		struct obs_ident o;

		memset(&o, 0, sizeof(o));
		o.proto = src->ident->proto;
		memcpy(o.vendor, src->ident->vendor, sizeof(o.vendor));
		memcpy(o.product, src->ident->product, sizeof(o.product));
		memcpy(o.model, src->ident->model, sizeof(o.model));
		memcpy(o.firmware, src->ident->firmware, sizeof(o.firmware));
		memcpy(o.hardware, src->ident->hardware, sizeof(o.hardware));
		memcpy(o.serial, src->ident->serial, sizeof(o.serial));
		memcpy(o.name, src->ident->name, sizeof(o.name));
		memcpy(o.url, src->ident->url, sizeof(o.url));
		o.vendor_id = src->ident->vendor_id;
		o.device_type = src->ident->device_type;
		o.product_code = src->ident->product_code;
		graph_asset_ident(dst, &o, 0);
	}
}

void
graph_edge_traffic(struct g_edge *e, uint64_t first_us, uint64_t last_us,
    uint64_t pkts, uint64_t bytes, uint32_t src_id, uint64_t frame)
{
	if (e->first_us == 0 || first_us < e->first_us) {
		e->first_us = first_us;
		e->src_id = src_id;
		e->frame = frame;
	}
	if (last_us > e->last_us)
		e->last_us = last_us;
	e->d_pkts += pkts;
	e->d_bytes += bytes;
	e->dirty = 1;
}

void
graph_edge_conn(struct g_edge *e)
{
	e->d_conns++;
	e->dirty = 1;
}

void
graph_edge_op(struct graph *g, struct g_edge *e, const struct obs_op *o,
    uint64_t ts_us, uint32_t src_id, uint64_t frame)
{
	struct g_op *op = NULL;
	uint32_t i;

	for (i = 0; i < e->n_ops; i++) {
		if (e->ops[i].proto == o->proto && e->ops[i].code == o->code) {
			op = &e->ops[i];
			break;
		}
	}
	if (op == NULL) {
		if (o->flags & OBS_OP_RESPONSE) {
			/* A response whose request we never saw (capture
			 * started after it): nothing to count it against,
			 * unless it failed, which still says the op ran. */
			if (!(o->flags & OBS_OP_EXCEPTION))
				return;
		}
		if (e->n_ops >= GRAPH_MAX_OPS_PER_EDGE) {
			g->ops_capped++;
			return;
		}
		if (e->n_ops == e->cap_ops) {
			uint32_t nc = e->cap_ops ? e->cap_ops * 2 : 4;
			struct g_op *n = realloc(e->ops, nc * sizeof(*n));

			if (n == NULL) {
				g->ops_capped++;
				return;
			}
			e->ops = n;
			e->cap_ops = nc;
		}
		op = &e->ops[e->n_ops++];
		memset(op, 0, sizeof(*op));
		op->proto = o->proto;
		op->code = o->code;
		op->cls = o->cls;
		op->name = o->name;
		op->first_us = ts_us;
		op->src_id = src_id;
		op->frame = frame;
	}
	if (!(o->flags & OBS_OP_RESPONSE)) {
		op->d_count++;
		if (ts_us < op->first_us || op->first_us == 0) {
			op->first_us = ts_us;
			op->src_id = src_id;
			op->frame = frame;
		}
	}
	if (o->flags & OBS_OP_EXCEPTION)
		op->d_errors++;
	if (ts_us > op->last_us)
		op->last_us = ts_us;
	e->dirty = 1;
}

void
graph_edge_attr(struct g_edge *e, const struct obs_attr *a)
{
	switch (a->key) {
	case OBS_A_SECURITY_MODE:
		/* Keep the weakest mode seen: the policy check asks whether
		 * any traffic on the edge ran below what is required. */
		if (a->num >= OBS_SEC_NONE && a->num <= OBS_SEC_SIGN_ENCRYPT &&
		    (e->sec_mode == 0 || a->num < e->sec_mode)) {
			e->sec_mode = (uint8_t)a->num;
			e->dirty = 1;
		}
		break;
	case OBS_A_SECURITY_POLICY:
		if (strcmp(e->sec_policy, a->str) != 0) {
			snprintf(e->sec_policy, sizeof(e->sec_policy), "%.95s",
			    a->str);
			e->dirty = 1;
		}
		break;
	case OBS_A_AUTHENTICATED:
		if (!e->authenticated) {
			e->authenticated = 1;
			e->dirty = 1;
		}
		break;
	case OBS_A_ENCRYPTED:
		if (!e->encrypted) {
			e->encrypted = 1;
			e->dirty = 1;
		}
		break;
	default:
		break;
	}
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * events.c: change detection (see events.h and docs/events.md).
 *
 * Inside the flush's transaction, before anything is written:
 *  - each asset about to be written that no committed flush of this
 *    process wrote (in_db == 0) is looked up by (vlan, ip): absent means
 *    new-asset; present, or any asset whose identity changed since the
 *    last flush, has its stored identity compared field by field
 *    (identity-changed when a stored value is replaced by a different
 *    one; a value learned where none was stored is not a change);
 *  - each edge about to be written with in_db == 0 is looked up by its
 *    flow key: absent means a new flow (an event only when it crosses
 *    zones);
 *  - with a zone map, each written edge between two zones is checked
 *    against the known (zone pair) and (zone pair, class) sets.
 * The sets learn this flush's pairs as "pending" and keep them only when
 * the flush commits.
 */
#include <arpa/inet.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "events_impl.h"
#include "graph_impl.h"

static const char *const type_names[SEV_N] = {
    [SEV_NEW_ASSET] = "new-asset",
    [SEV_IDENTITY_CHANGED] = "asset-identity-changed",
    [SEV_NEW_ZONE_FLOW] = "new-zone-flow",
    [SEV_NEW_CONDUIT] = "new-conduit",
    [SEV_FIRST_CLASS] = "first-class-on-conduit",
    [SEV_NEW_FINDING] = "new-finding",
    [SEV_CAPTURE_DROPS] = "capture-drops",
    [SEV_SUPPRESSED] = "events-suppressed",
};

const char *
store_event_type_name(int type)
{
	return type >= 0 && type < SEV_N ? type_names[type] : "unknown";
}

enum { ZM_NONE = 0, ZM_POLICY, ZM_PROPOSAL };

struct zm_ent {
	uint8_t ip[16];
	uint16_t vlan;
	int zone;
};

struct pend {
	uint64_t key;
	size_t ev; /* index of its event, SIZE_MAX: suppressed */
};

struct new_asset {
	const struct g_asset *a;
	size_t ev;
	uint64_t ev_ts; /* time of the flow giving its evidence, 0 none */
};

struct store_events {
	int mode;
	const struct policy *pol;
	char **znames; /* proposal zone names */
	size_t n_znames;
	struct zm_ent *ents; /* proposal members, sorted by (vlan, ip) */
	size_t n_ents;
	uint64_t digest;
	uint64_t *known; /* sorted keys, see key() */
	size_t n_known, cap_known;
	struct pend *pend;
	size_t n_pend, cap_pend;
	struct new_asset *na;
	size_t n_na, cap_na;
	struct store_event *ev;
	size_t n_ev, cap_ev;
	uint64_t suppressed;
	int64_t max_ts;
	/* statements of one detection (prepared per flush) */
	sqlite3_stmt *q_asset, *q_flow, *q_src;
	sqlite3_int64 src_cached_id;
	char src_cached[256];
};

struct store_events *
store_events_new(void)
{
	return calloc(1, sizeof(struct store_events));
}

static void
zmap_clear(struct store_events *E)
{
	size_t i;

	for (i = 0; i < E->n_znames; i++)
		free(E->znames[i]);
	free(E->znames);
	free(E->ents);
	E->znames = NULL;
	E->ents = NULL;
	E->n_znames = E->n_ents = 0;
	E->pol = NULL;
	E->mode = ZM_NONE;
}

void
store_events_free(struct store_events *E)
{
	if (E == NULL)
		return;
	zmap_clear(E);
	free(E->known);
	free(E->pend);
	free(E->na);
	free(E->ev);
	free(E);
}

int
store_events_have_zones(const struct store_events *E)
{
	return E->mode != ZM_NONE;
}

/* ---- helpers ------------------------------------------------------------- */

/* Copy a string, cut to fit. */
static void
scopy(char *d, size_t n, const char *s)
{
	size_t l = strnlen(s, n - 1);

	memcpy(d, s, l);
	d[l] = '\0';
}

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ull;
	}
	return h;
}

static void
ip_text(const uint8_t ip[16], char *buf, size_t len)
{
	static const uint8_t v4[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
	    0xff};

	if (memcmp(ip, v4, 12) == 0)
		inet_ntop(AF_INET, ip + 12, buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, ip, buf, (socklen_t)len);
}

static const char *
transport_name(int l4)
{
	return l4 == 6 ? "tcp" : l4 == 17 ? "udp" : l4 == 1 ? "icmp"
	    : l4 == 58 ? "icmpv6" : "ip";
}

/* 1..4 for read, write, control, program (the access classes a conduit
 * allows); 0 for the rest, which make no first-class events. */
static int
access_class(const char *cls)
{
	static const char *const n[] = {"read", "write", "control",
	    "program"};
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(cls, n[i]) == 0)
			return i + 1;
	return 0;
}

static uint64_t
key(int zf, int zt, int cls)
{
	return ((uint64_t)(uint32_t)zf << 36) | ((uint64_t)(uint32_t)zt << 8) |
	    (uint64_t)cls;
}

static int
cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

static int
known_has(const struct store_events *E, uint64_t k)
{
	return E->n_known > 0 &&
	    bsearch(&k, E->known, E->n_known, sizeof(k), cmp_u64) != NULL;
}

static int
known_add(struct store_events *E, uint64_t k)
{
	if (E->n_known == E->cap_known) {
		size_t nc = E->cap_known ? E->cap_known * 2 : 64;
		uint64_t *n = realloc(E->known, nc * sizeof(*n));

		if (n == NULL)
			return -1;
		E->known = n;
		E->cap_known = nc;
	}
	E->known[E->n_known++] = k;
	return 0;
}

static void
known_sort(struct store_events *E)
{
	size_t i, o = 0;

	if (E->n_known == 0)
		return;
	qsort(E->known, E->n_known, sizeof(uint64_t), cmp_u64);
	for (i = 0; i < E->n_known; i++)
		if (o == 0 || E->known[o - 1] != E->known[i])
			E->known[o++] = E->known[i];
	E->n_known = o;
}

static struct pend *
pend_find(struct store_events *E, uint64_t k)
{
	size_t i;

	/* Few pairs are new in one flush: a linear scan. */
	for (i = 0; i < E->n_pend; i++)
		if (E->pend[i].key == k)
			return &E->pend[i];
	return NULL;
}

static struct pend *
pend_add(struct store_events *E, uint64_t k, size_t ev)
{
	if (E->n_pend == E->cap_pend) {
		size_t nc = E->cap_pend ? E->cap_pend * 2 : 32;
		struct pend *n = realloc(E->pend, nc * sizeof(*n));

		if (n == NULL)
			return NULL;
		E->pend = n;
		E->cap_pend = nc;
	}
	E->pend[E->n_pend].key = k;
	E->pend[E->n_pend].ev = ev;
	return &E->pend[E->n_pend++];
}

/* A new event, or NULL past the cap (counted) or out of memory. */
static struct store_event *
ev_add(struct store_events *E, int type, int64_t ts)
{
	struct store_event *e;

	if (E->n_ev >= STORE_EVENTS_MAX_PER_FLUSH) {
		E->suppressed++;
		if (ts > E->max_ts)
			E->max_ts = ts;
		return NULL;
	}
	if (E->n_ev == E->cap_ev) {
		size_t nc = E->cap_ev ? E->cap_ev * 2 : 16;
		struct store_event *n = realloc(E->ev, nc * sizeof(*n));

		if (n == NULL) {
			E->suppressed++;
			return NULL;
		}
		E->ev = n;
		E->cap_ev = nc;
	}
	e = &E->ev[E->n_ev++];
	memset(e, 0, sizeof(*e));
	e->type = type;
	e->ts_us = ts;
	if (ts > E->max_ts)
		E->max_ts = ts;
	return e;
}

static void
ev_reset(struct store_events *E)
{
	E->n_ev = 0;
	E->n_pend = 0;
	E->n_na = 0;
	E->suppressed = 0;
	E->max_ts = 0;
}

static const char *
source_path(struct store_events *E, sqlite3 *db, uint32_t id)
{
	const unsigned char *t;

	if (id == 0)
		return "";
	if (E->src_cached_id == id)
		return E->src_cached;
	E->src_cached[0] = '\0';
	E->src_cached_id = id;
	if (E->q_src == NULL && sqlite3_prepare_v2(db,
		"SELECT path FROM sources WHERE id = ?", -1, &E->q_src,
		NULL) != SQLITE_OK)
		return "";
	sqlite3_bind_int64(E->q_src, 1, id);
	if (sqlite3_step(E->q_src) == SQLITE_ROW &&
	    (t = sqlite3_column_text(E->q_src, 0)) != NULL)
		scopy(E->src_cached, sizeof(E->src_cached), (const char *)t);
	sqlite3_reset(E->q_src);
	return E->src_cached;
}

static void
evidence(struct store_events *E, sqlite3 *db, struct store_event *e,
    uint32_t src_id, uint64_t frame)
{
	scopy(e->source, sizeof(e->source), source_path(E, db, src_id));
	e->frame = frame;
}

static void
asset_from_graph(struct store_event_asset *o, const struct g_asset *a,
    const uint8_t ip[16], uint16_t vlan)
{
	memset(o, 0, sizeof(*o));
	o->present = 1;
	ip_text(ip, o->ip, sizeof(o->ip));
	o->vlan = vlan;
	if (a == NULL)
		return;
	if (a->n_macs > 0) {
		const uint8_t *m = a->macs[0];

		snprintf(o->mac, sizeof(o->mac),
		    "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
		    m[4], m[5]);
	}
	if (a->ident != NULL) {
		scopy(o->vendor, sizeof(o->vendor), a->ident->vendor);
		scopy(o->product, sizeof(o->product), a->ident->product);
		scopy(o->model, sizeof(o->model), a->ident->model);
		scopy(o->firmware, sizeof(o->firmware), a->ident->firmware);
		scopy(o->serial, sizeof(o->serial), a->ident->serial);
		scopy(o->name, sizeof(o->name), a->ident->name);
	}
}

/* ---- zone maps ----------------------------------------------------------- */

static int
cmp_zm(const void *x, const void *y)
{
	const struct zm_ent *a = x, *b = y;

	if (a->vlan != b->vlan)
		return a->vlan < b->vlan ? -1 : 1;
	return memcmp(a->ip, b->ip, 16);
}

/* Zone index of an endpoint, -1 none (or a group address). */
static int
zone_of(const struct store_events *E, uint16_t vlan, const uint8_t ip[16])
{
	if (E->mode == ZM_NONE || check_is_group(ip))
		return -1;
	if (E->mode == ZM_POLICY) {
		char t[64];

		ip_text(ip, t, sizeof(t));
		return check_zone_of(E->pol, t);
	} else {
		struct zm_ent k, *hit;

		memcpy(k.ip, ip, 16);
		k.vlan = vlan;
		hit = E->n_ents ? bsearch(&k, E->ents, E->n_ents, sizeof(k),
					 cmp_zm)
				: NULL;
		return hit ? hit->zone : -1;
	}
}

static const char *
zone_name(const struct store_events *E, int z)
{
	if (z < 0)
		return "";
	if (E->mode == ZM_POLICY)
		return E->pol->zones[z].name;
	return (size_t)z < E->n_znames ? E->znames[z] : "";
}

/* The zone pairs and classes the stored flows already show. */
static int
baseline(struct store_events *E, struct store *st, char *errbuf,
    size_t errlen)
{
	sqlite3 *db = store_db(st);
	sqlite3_stmt *q;
	int rc;

	E->n_known = 0;
	if (E->mode == ZM_NONE)
		return 0;
	if (sqlite3_prepare_v2(db,
		"SELECT f.client, f.client_vlan, f.server, f.vlan,"
		" (SELECT group_concat(o.class) FROM operations o"
		"  WHERE o.flow_id = f.id AND o.count > 0)"
		" FROM flows f", -1, &q, NULL) != SQLITE_OK) {
		snprintf(errbuf, errlen, "events: %s", sqlite3_errmsg(db));
		return -1;
	}
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const void *c = sqlite3_column_blob(q, 0);
		const void *s = sqlite3_column_blob(q, 2);
		const unsigned char *cl = sqlite3_column_text(q, 4);
		int zf, zt;

		if (c == NULL || s == NULL ||
		    sqlite3_column_bytes(q, 0) != 16 ||
		    sqlite3_column_bytes(q, 2) != 16)
			continue;
		zf = zone_of(E, (uint16_t)sqlite3_column_int(q, 1), c);
		zt = zone_of(E, (uint16_t)sqlite3_column_int(q, 3), s);
		if (zf < 0 || zt < 0 || zf == zt)
			continue;
		if (known_add(E, key(zf, zt, 0)) != 0)
			goto oom;
		if (cl != NULL) {
			char list[512], *tok, *save = NULL;

			scopy(list, sizeof(list), (const char *)cl);
			for (tok = strtok_r(list, ",", &save); tok != NULL;
			     tok = strtok_r(NULL, ",", &save)) {
				int k = access_class(tok);

				if (k > 0 && known_add(E, key(zf, zt, k)) != 0)
					goto oom;
			}
		}
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		snprintf(errbuf, errlen, "events: %s", sqlite3_errmsg(db));
		return -1;
	}
	known_sort(E);
	return 0;
oom:
	sqlite3_finalize(q);
	snprintf(errbuf, errlen, "events: out of memory");
	return -1;
}

static uint64_t
policy_digest(const struct policy *p)
{
	uint64_t h = 14695981039346656037ull;
	size_t z, i;

	for (z = 0; z < p->n_zones; z++) {
		const struct pol_zone *pz = &p->zones[z];

		h = fnv(h, pz->name, strlen(pz->name) + 1);
		h = fnv(h, &pz->precedence, sizeof(pz->precedence));
		for (i = 0; i < pz->n_nets; i++) {
			h = fnv(h, pz->nets[i].addr, 16);
			h = fnv(h, &pz->nets[i].len, 1);
		}
		h = fnv(h, "|", 1);
		for (i = 0; i < pz->n_assets; i++) {
			h = fnv(h, pz->assets[i].addr, 16);
			h = fnv(h, &pz->assets[i].len, 1);
		}
		h = fnv(h, "#", 1);
	}
	return h;
}

int
store_events_set_policy(struct store_events *E, struct store *st,
    const struct policy *p, char *errbuf, size_t errlen)
{
	uint64_t d;

	if (p == NULL || p->n_zones == 0)
		return store_events_use_proposal(E, st, errbuf, errlen);
	d = policy_digest(p);
	if (E->mode == ZM_POLICY && E->digest == d) {
		E->pol = p; /* same zones, maybe a new copy */
		return 0;
	}
	zmap_clear(E);
	E->mode = ZM_POLICY;
	E->pol = p;
	E->digest = d;
	return baseline(E, st, errbuf, errlen);
}

int
store_events_use_proposal(struct store_events *E, struct store *st,
    char *errbuf, size_t errlen)
{
	sqlite3 *db = store_db(st);
	sqlite3_stmt *q = NULL;
	struct zm_ent *ents = NULL;
	char **names = NULL;
	size_t n_ents = 0, cap_ents = 0, n_names = 0, cap_names = 0, i;
	uint64_t h = 14695981039346656037ull;
	sqlite3_int64 last_zid = -1;
	int rc;

	/* No proposal table content yet is not an error: no zones. */
	if (sqlite3_prepare_v2(db,
		"SELECT z.id, z.name, a.vlan, a.ip FROM zones z"
		" JOIN zone_members m ON m.zone_id = z.id"
		" JOIN assets a ON a.id = m.asset_id"
		" WHERE z.proposal_id = (SELECT max(id) FROM proposals)"
		" ORDER BY z.id, a.id", -1, &q, NULL) != SQLITE_OK) {
		snprintf(errbuf, errlen, "events: %s", sqlite3_errmsg(db));
		return -1;
	}
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		sqlite3_int64 zid = sqlite3_column_int64(q, 0);
		const unsigned char *nm = sqlite3_column_text(q, 1);
		const void *ip = sqlite3_column_blob(q, 3);

		if (zid != last_zid) {
			if (n_names == cap_names) {
				size_t nc = cap_names ? cap_names * 2 : 16;
				char **nn = realloc(names, nc * sizeof(*nn));

				if (nn == NULL)
					goto oom;
				names = nn;
				cap_names = nc;
			}
			names[n_names] = strdup(nm ? (const char *)nm : "");
			if (names[n_names] == NULL)
				goto oom;
			h = fnv(h, names[n_names], strlen(names[n_names]) + 1);
			n_names++;
			last_zid = zid;
		}
		if (ip == NULL || sqlite3_column_bytes(q, 3) != 16)
			continue;
		if (n_ents == cap_ents) {
			size_t nc = cap_ents ? cap_ents * 2 : 64;
			struct zm_ent *ne = realloc(ents, nc * sizeof(*ne));

			if (ne == NULL)
				goto oom;
			ents = ne;
			cap_ents = nc;
		}
		memcpy(ents[n_ents].ip, ip, 16);
		ents[n_ents].vlan = (uint16_t)sqlite3_column_int(q, 2);
		ents[n_ents].zone = (int)(n_names - 1);
		h = fnv(h, &ents[n_ents], 18);
		h = fnv(h, &ents[n_ents].zone, sizeof(int));
		n_ents++;
	}
	sqlite3_finalize(q);
	q = NULL;
	if (rc != SQLITE_DONE) {
		snprintf(errbuf, errlen, "events: %s", sqlite3_errmsg(db));
		goto fail;
	}
	if (n_names == 0) {
		zmap_clear(E);
		E->n_known = 0;
		free(ents);
		free(names);
		return 0;
	}
	if (E->mode == ZM_PROPOSAL && E->digest == h) {
		for (i = 0; i < n_names; i++)
			free(names[i]);
		free(names);
		free(ents);
		return 0;
	}
	zmap_clear(E);
	qsort(ents, n_ents, sizeof(*ents), cmp_zm);
	E->mode = ZM_PROPOSAL;
	E->znames = names;
	E->n_znames = n_names;
	E->ents = ents;
	E->n_ents = n_ents;
	E->digest = h;
	return baseline(E, st, errbuf, errlen);
oom:
	snprintf(errbuf, errlen, "events: out of memory");
fail:
	sqlite3_finalize(q);
	for (i = 0; i < n_names; i++)
		free(names[i]);
	free(names);
	free(ents);
	return -1;
}

/* ---- detection inside the flush ------------------------------------------ */

static int
cmp_na(const void *x, const void *y)
{
	const struct new_asset *a = x, *b = y;

	return a->a < b->a ? -1 : a->a > b->a;
}

static struct new_asset *
na_find(struct store_events *E, const struct g_asset *a)
{
	struct new_asset k;

	if (a == NULL || E->n_na == 0)
		return NULL;
	k.a = a;
	return bsearch(&k, E->na, E->n_na, sizeof(k), cmp_na);
}

static const char *
col(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	return t ? (const char *)t : "";
}

/* Compare the stored identity (columns 0..6 of q, its time in 7) with the
 * graph's. */
static void
identity_changes(struct store_events *E, sqlite3 *db, sqlite3_stmt *q,
    const struct g_asset *a)
{
	const struct g_ident *id = a->ident;
	const char *fields[STORE_EVENT_MAX_CHANGES] = {"vendor", "product",
	    "model", "firmware", "hardware", "serial", "name"};
	const char *now[STORE_EVENT_MAX_CHANGES];
	struct store_event_change ch[STORE_EVENT_MAX_CHANGES];
	struct store_event *e;
	int i, n = 0;

	now[0] = id->vendor;
	now[1] = id->product;
	now[2] = id->model;
	now[3] = id->firmware;
	now[4] = id->hardware;
	now[5] = id->serial;
	now[6] = id->name;
	/* an identity older than the stored one changes nothing (the
	 * store only fills its gaps) */
	if (sqlite3_column_type(q, 7) != SQLITE_NULL &&
	    id->newest_us <= INT64_MAX &&
	    (sqlite3_int64)id->newest_us < sqlite3_column_int64(q, 7))
		return;
	for (i = 0; i < STORE_EVENT_MAX_CHANGES; i++) {
		const char *old = col(q, i);

		if (old[0] == '\0' || now[i][0] == '\0' ||
		    strcmp(old, now[i]) == 0)
			continue;
		ch[n].field = fields[i];
		scopy(ch[n].old_value, sizeof(ch[n].old_value), old);
		scopy(ch[n].new_value, sizeof(ch[n].new_value), now[i]);
		n++;
	}
	if (n == 0)
		return;
	e = ev_add(E, SEV_IDENTITY_CHANGED,
	    (int64_t)(id->ts_us ? id->ts_us : a->last_us));
	if (e == NULL)
		return;
	asset_from_graph(&e->src, a, a->ip, a->vlan);
	memcpy(e->changes, ch, sizeof(ch));
	e->n_changes = n;
	evidence(E, db, e, id->src_id, id->frame);
}

static int
detect_assets(struct store_events *E, sqlite3 *db, struct graph *g)
{
	uint32_t i;

	for (i = 0; i < g->n_assets; i++) {
		struct g_asset *a = graph_asset_at(g, i);
		int rc;

		if (!a->dirty || (a->first_us == 0 && a->d_pkts == 0))
			continue;
		if (a->in_db && !(a->ident_dirty && a->ident != NULL))
			continue;
		sqlite3_bind_int(E->q_asset, 1, a->vlan);
		sqlite3_bind_blob(E->q_asset, 2, a->ip, 16, SQLITE_STATIC);
		rc = sqlite3_step(E->q_asset);
		if (rc == SQLITE_DONE) {
			struct store_event *e = ev_add(E, SEV_NEW_ASSET,
			    (int64_t)a->first_us);

			if (e != NULL) {
				asset_from_graph(&e->src, a, a->ip, a->vlan);
				if (E->n_na == E->cap_na) {
					size_t nc = E->cap_na ? E->cap_na * 2
							      : 32;
					struct new_asset *nn = realloc(E->na,
					    nc * sizeof(*nn));

					if (nn == NULL) {
						sqlite3_reset(E->q_asset);
						return -1;
					}
					E->na = nn;
					E->cap_na = nc;
				}
				E->na[E->n_na].a = a;
				E->na[E->n_na].ev_ts = 0;
				E->na[E->n_na++].ev = E->n_ev - 1;
			}
		} else if (rc == SQLITE_ROW) {
			if (a->ident_dirty && a->ident != NULL)
				identity_changes(E, db, E->q_asset, a);
		} else {
			sqlite3_reset(E->q_asset);
			return -1;
		}
		sqlite3_reset(E->q_asset);
		sqlite3_clear_bindings(E->q_asset);
	}
	if (E->n_na > 1)
		qsort(E->na, E->n_na, sizeof(*E->na), cmp_na);
	return 0;
}

/* A new asset's evidence: the first frame of its earliest new flow. */
static void
asset_evidence(struct store_events *E, sqlite3 *db, const struct graph *g,
    uint16_t vlan, const uint8_t ip[16], const struct g_edge *e)
{
	struct new_asset *n = na_find(E, graph_asset_find(g, vlan, ip));

	if (n == NULL || (n->ev_ts != 0 && n->ev_ts <= e->first_us))
		return;
	n->ev_ts = e->first_us ? e->first_us : 1;
	evidence(E, db, &E->ev[n->ev], e->src_id, e->frame);
}

static void
flow_fields(const struct graph *g, struct store_event *ev,
    const struct g_edge *e)
{
	asset_from_graph(&ev->src, graph_asset_find(g, e->cvlan, e->client),
	    e->client, e->cvlan);
	asset_from_graph(&ev->dst, graph_asset_find(g, e->vlan, e->server),
	    e->server, e->vlan);
	scopy(ev->transport, sizeof(ev->transport), transport_name(e->l4));
	ev->port = e->server_port;
	scopy(ev->protocol, sizeof(ev->protocol),
	    graph_proto_name(g, e->proto));
}

static void
zone_fields(const struct store_events *E, struct store_event *ev, int zf,
    int zt)
{
	scopy(ev->zone_from, sizeof(ev->zone_from), zone_name(E, zf));
	scopy(ev->zone_to, sizeof(ev->zone_to), zone_name(E, zt));
}

/* A first on a conduit (the pair, or a class on it): one event per key
 * per flush, with the earliest evidence among this flush's edges. */
static int
first_on(struct store_events *E, sqlite3 *db, const struct graph *g,
    const struct g_edge *e, int zf, int zt, int cls, const char *clsname,
    int64_t ts, uint32_t src_id, uint64_t frame)
{
	uint64_t k = key(zf, zt, cls);
	struct pend *p;
	struct store_event *ev;

	if (known_has(E, k))
		return 0;
	p = pend_find(E, k);
	if (p != NULL) {
		if (p->ev == SIZE_MAX || E->ev[p->ev].ts_us <= ts)
			return 0;
		ev = &E->ev[p->ev];
	} else {
		ev = ev_add(E, cls ? SEV_FIRST_CLASS : SEV_NEW_CONDUIT, ts);
		if (pend_add(E, k, ev ? E->n_ev - 1 : SIZE_MAX) == NULL)
			return -1;
		if (ev == NULL)
			return 0;
	}
	ev->ts_us = ts;
	flow_fields(g, ev, e);
	zone_fields(E, ev, zf, zt);
	if (clsname != NULL)
		scopy(ev->cls, sizeof(ev->cls), clsname);
	evidence(E, db, ev, src_id, frame);
	return 0;
}

static int
detect_edges(struct store_events *E, sqlite3 *db, struct graph *g)
{
	uint32_t i, j;

	for (i = 0; i < g->n_edges; i++) {
		struct g_edge *e = graph_edge_at(g, i);
		int is_new = 0, zf, zt, any_cls = 0;

		if (!e->dirty || e->dead)
			continue;
		if (!e->in_db) {
			int rc;

			sqlite3_bind_int(E->q_flow, 1, e->vlan);
			sqlite3_bind_blob(E->q_flow, 2, e->client, 16,
			    SQLITE_STATIC);
			sqlite3_bind_blob(E->q_flow, 3, e->server, 16,
			    SQLITE_STATIC);
			sqlite3_bind_int(E->q_flow, 4, e->l4);
			sqlite3_bind_int(E->q_flow, 5, e->server_port);
			sqlite3_bind_text(E->q_flow, 6,
			    graph_proto_name(g, e->proto), -1, SQLITE_STATIC);
			sqlite3_bind_int(E->q_flow, 7, e->cvlan);
			rc = sqlite3_step(E->q_flow);
			sqlite3_reset(E->q_flow);
			sqlite3_clear_bindings(E->q_flow);
			if (rc == SQLITE_DONE)
				is_new = 1;
			else if (rc != SQLITE_ROW)
				return -1;
		}
		if (is_new && E->n_na > 0) {
			asset_evidence(E, db, g, e->cvlan, e->client, e);
			asset_evidence(E, db, g, e->vlan, e->server, e);
		}
		if (E->mode == ZM_NONE)
			continue;
		for (j = 0; j < e->n_ops && !any_cls; j++)
			if (e->ops[j].d_count > 0 &&
			    access_class(obs_class_name(e->ops[j].cls)) > 0)
				any_cls = 1;
		if (!is_new && !any_cls)
			continue;
		zf = zone_of(E, e->cvlan, e->client);
		zt = zone_of(E, e->vlan, e->server);
		if (zf < 0 || zt < 0 || zf == zt)
			continue;
		if (is_new) {
			struct store_event *ev = ev_add(E, SEV_NEW_ZONE_FLOW,
			    (int64_t)e->first_us);

			if (ev != NULL) {
				flow_fields(g, ev, e);
				zone_fields(E, ev, zf, zt);
				evidence(E, db, ev, e->src_id, e->frame);
			}
		}
		if (first_on(E, db, g, e, zf, zt, 0, NULL,
			(int64_t)e->first_us, e->src_id, e->frame) != 0)
			return -1;
		for (j = 0; j < e->n_ops; j++) {
			const struct g_op *o = &e->ops[j];
			const char *cn = obs_class_name(o->cls);
			int k = access_class(cn);

			if (o->d_count == 0 || k == 0)
				continue;
			if (first_on(E, db, g, e, zf, zt, k, cn,
				(int64_t)o->first_us, o->src_id, o->frame) != 0)
				return -1;
		}
	}
	return 0;
}

static int
cmp_ev(const void *x, const void *y)
{
	const struct store_event *a = x, *b = y;

	if (a->ts_us != b->ts_us)
		return a->ts_us < b->ts_us ? -1 : 1;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	if (strcmp(a->src.ip, b->src.ip) != 0)
		return strcmp(a->src.ip, b->src.ip);
	if (strcmp(a->dst.ip, b->dst.ip) != 0)
		return strcmp(a->dst.ip, b->dst.ip);
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (strcmp(a->protocol, b->protocol) != 0)
		return strcmp(a->protocol, b->protocol);
	if (strcmp(a->cls, b->cls) != 0)
		return strcmp(a->cls, b->cls);
	return strcmp(a->rule, b->rule);
}

/* Sort, then append the suppressed count (memory for it is reserved:
 * the cap leaves room, or the array has at least one slot). */
static void
ev_finish(struct store_events *E)
{
	struct store_event *e;

	if (E->n_ev > 1)
		qsort(E->ev, E->n_ev, sizeof(*E->ev), cmp_ev);
	if (E->suppressed == 0)
		return;
	if (E->n_ev == E->cap_ev) {
		struct store_event *n = realloc(E->ev,
		    (E->cap_ev + 1) * sizeof(*n));

		if (n == NULL)
			return;
		E->ev = n;
		E->cap_ev++;
	}
	e = &E->ev[E->n_ev++];
	memset(e, 0, sizeof(*e));
	e->type = SEV_SUPPRESSED;
	e->ts_us = E->max_ts;
	e->suppressed = E->suppressed;
}

int
events_detect(struct store_events *E, struct store *st, struct graph *g)
{
	sqlite3 *db = store_db(st);
	int rc = -1;

	ev_reset(E);
	E->src_cached_id = -1;
	if (sqlite3_prepare_v2(db,
		"SELECT vendor, product, model, firmware, hardware, serial,"
		" name, ident_us FROM assets WHERE vlan = ?1 AND ip = ?2", -1,
		&E->q_asset, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
		"SELECT 1 FROM flows WHERE vlan = ?1 AND client = ?2 AND"
		" server = ?3 AND transport = ?4 AND server_port = ?5 AND"
		" protocol = ?6 AND client_vlan = ?7", -1, &E->q_flow,
		NULL) != SQLITE_OK)
		goto out;
	if (detect_assets(E, db, g) != 0 || detect_edges(E, db, g) != 0)
		goto out;
	ev_finish(E);
	rc = 0;
out:
	sqlite3_finalize(E->q_asset);
	sqlite3_finalize(E->q_flow);
	sqlite3_finalize(E->q_src);
	E->q_asset = E->q_flow = E->q_src = NULL;
	if (rc != 0)
		ev_reset(E);
	return rc;
}

void
events_commit(struct store_events *E, int ok)
{
	size_t i;

	if (!ok) {
		ev_reset(E);
		return;
	}
	for (i = 0; i < E->n_pend; i++)
		if (known_add(E, E->pend[i].key) != 0)
			break; /* out of memory: the pair may be reported
				* again, never lost */
	E->n_pend = 0;
	known_sort(E);
}

/* ---- findings ------------------------------------------------------------ */

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static void
finding_key(char *buf, size_t len, const char *rule, const char *client,
    const char *server, const char *proto, const char *cls, const char *zf,
    const char *zt)
{
	snprintf(buf, len, "%s\t%s\t%s\t%s\t%s\t%s\t%s", rule, client, server,
	    proto, cls, zf, zt);
}

/* An asset's stored details (the lowest VLAN with that address). */
static void
asset_from_db(sqlite3_stmt *q, struct store_event_asset *o, const char *ip)
{
	memset(o, 0, sizeof(*o));
	if (ip == NULL || ip[0] == '\0')
		return;
	o->present = 1;
	scopy(o->ip, sizeof(o->ip), ip);
	sqlite3_bind_text(q, 1, ip, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		char macs[128], *c;

		o->vlan = (uint16_t)sqlite3_column_int(q, 0);
		scopy(macs, sizeof(macs), col(q, 1));
		if ((c = strchr(macs, ',')) != NULL)
			*c = '\0';
		scopy(o->mac, sizeof(o->mac), macs);
		scopy(o->vendor, sizeof(o->vendor), col(q, 2));
		scopy(o->product, sizeof(o->product), col(q, 3));
		scopy(o->model, sizeof(o->model), col(q, 4));
		scopy(o->firmware, sizeof(o->firmware), col(q, 5));
		scopy(o->serial, sizeof(o->serial), col(q, 6));
		scopy(o->name, sizeof(o->name), col(q, 7));
	}
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
}

int
store_events_findings(struct store_events *E, struct store *st,
    const struct policy *p, const struct check_result *r, char *errbuf,
    size_t errlen)
{
	sqlite3 *db = store_db(st);
	sqlite3_stmt *q = NULL, *qa = NULL;
	char **keys = NULL, k[1024];
	size_t n = 0, cap = 0, i;
	int rc = -1, src;

	ev_reset(E);
	/* The violations table exists from the first schema on. */
	if (sqlite3_prepare_v2(db,
		"SELECT rule, client, server, protocol, class, zone_from,"
		" zone_to FROM violations", -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
		"SELECT vlan, macs, vendor, product, model, firmware, serial,"
		" name FROM assets WHERE ip_text = ? ORDER BY vlan LIMIT 1",
		-1, &qa, NULL) != SQLITE_OK) {
		snprintf(errbuf, errlen, "events: %s", sqlite3_errmsg(db));
		goto out;
	}
	while ((src = sqlite3_step(q)) == SQLITE_ROW) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			char **nk = realloc(keys, nc * sizeof(*nk));

			if (nk == NULL)
				goto oom;
			keys = nk;
			cap = nc;
		}
		finding_key(k, sizeof(k), col(q, 0), col(q, 1), col(q, 2),
		    col(q, 3), col(q, 4), col(q, 5), col(q, 6));
		if ((keys[n] = strdup(k)) == NULL)
			goto oom;
		n++;
	}
	if (src != SQLITE_DONE) {
		snprintf(errbuf, errlen, "events: %s", sqlite3_errmsg(db));
		goto out;
	}
	if (n > 1)
		qsort(keys, n, sizeof(*keys), cmp_str);
	for (i = 0; i < r->n_findings; i++) {
		const struct check_finding *f = &r->findings[i];
		const char *zf = f->zone_from >= 0 ? p->zones[f->zone_from].name
						   : "";
		const char *zt = f->zone_to >= 0 ? p->zones[f->zone_to].name
						 : "";
		const char *kp = k;
		struct store_event *e;

		finding_key(k, sizeof(k), check_rule_name(f->rule), f->client,
		    f->server, f->protocol, f->cls, zf, zt);
		if (n > 0 && bsearch(&kp, keys, n, sizeof(*keys), cmp_str))
			continue;
		e = ev_add(E, SEV_NEW_FINDING, f->first_us);
		if (e == NULL)
			continue;
		asset_from_db(qa, &e->src, f->client);
		asset_from_db(qa, &e->dst, f->server);
		scopy(e->zone_from, sizeof(e->zone_from), zf);
		scopy(e->zone_to, sizeof(e->zone_to), zt);
		scopy(e->protocol, sizeof(e->protocol), f->protocol);
		scopy(e->cls, sizeof(e->cls), f->cls);
		scopy(e->rule, sizeof(e->rule), check_rule_name(f->rule));
		scopy(e->requirement, sizeof(e->requirement), f->requirement);
		scopy(e->severity, sizeof(e->severity),
		    check_severity_name(f->severity));
		e->sl_t = f->sl_t;
		e->count = f->count;
		scopy(e->source, sizeof(e->source), f->source ? f->source : "");
		e->frame = f->frame;
	}
	ev_finish(E);
	rc = 0;
	goto out;
oom:
	snprintf(errbuf, errlen, "events: out of memory");
out:
	sqlite3_finalize(q);
	sqlite3_finalize(qa);
	for (i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
	if (rc != 0)
		ev_reset(E);
	return rc;
}

const struct store_event *
store_events_get(const struct store_events *E, size_t *n)
{
	*n = E->n_ev;
	return E->ev;
}

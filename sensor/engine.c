/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine.c: connections, direction, TCP reassembly, dissector dispatch,
 * nDPI labelling and the observation sink.  See engine.h.
 *
 * Per packet the work is one hash lookup and a few counter updates; the
 * graph sees a connection's counters only when they are pushed (flush,
 * close, eviction).  Memory is bounded by max_conns, by reasm_bytes and
 * ENGINE_OOO_SEGS per direction, and by the dissectors' fixed state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>

#include "../store/hash.h"
#include "engine.h"
#include "label.h"

#define ENGINE_BCAST_RECENT 64 /* broadcast requests awaiting replies */

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

enum cstate {
	CS_NEW = 0,   /* no payload seen yet */
	CS_OT,	      /* an OT dissector has it (maybe tentatively) */
	CS_NDPI,      /* nDPI is labelling it */
	CS_LABELLED   /* label final; nothing more to inspect */
};

struct ooo_seg {
	struct ooo_seg *next;
	uint32_t seq, len;
	uint8_t data[];
};

struct tcp_dir {
	uint32_t next;	   /* next expected sequence number */
	uint8_t init;	   /* next is valid */
	uint8_t fin;
	uint8_t mac_done;  /* source MAC recorded for this direction */
	uint8_t n_ooo;
	uint32_t tail_len, tail_cap;
	uint8_t *tail;	   /* bytes the dissector has not consumed yet */
	struct ooo_seg *ooo; /* sorted by seq */
	uint32_t ooo_bytes;
};

struct conn {
	uint8_t cli[16], srv[16];
	uint16_t cport, sport;
	uint16_t vlan[2];  /* VLAN of the frames of each direction */
	uint8_t vlan_seen; /* bit (1 << dir): that direction has been seen */
	uint8_t l4;
	uint8_t state;	  /* enum cstate */
	uint8_t confirmed; /* the dissector emitted an observation */
	uint8_t closed;
	uint8_t probes;	  /* payloads probed */
	uint8_t ndpi_pkts;
	uint8_t srv_group; /* server address is not an asset (group) */
	uint8_t cli_group; /* client address is not an asset */
	uint8_t had_payload; /* some packet carried payload */
	uint8_t mac_held;    /* bit (1 << dir): mac[dir] waits for push */
	uint8_t mac[2][6];   /* source MAC of each direction */
	uint16_t label;	  /* graph protocol id, 0 none yet */
	uint8_t used;	  /* in the table (not on the free list) */
	uint8_t counted;  /* the edge counted this connection */
	uint8_t dis1;	  /* its dissector: dissectors[dis1 - 1]; 0 none */
	uint8_t srv_ipgroup; /* server address is a group address */
	uint8_t twin;	  /* made while another shared its 5-tuple (hash) */
	void *dstate;
	struct label_flow *lf;
	struct g_asset *ga, *gb; /* client and server assets, or NULL */
	struct g_edge *edge;
	uint64_t first_us, last_us;
	uint64_t d_pkts, d_bytes; /* since the last push */
	uint32_t src_id;
	uint64_t frame;
	struct tcp_dir td[2];
	uint32_t hash;	   /* conn_hash of its 5-tuple */
	uint32_t serial;   /* creation order, for the VLAN-loose match */
	uint32_t lprev, lnext; /* index + 1; 0 = none; lnext: free list too */
};

/* 256 bytes: four whole cache lines per connection (the array is page
 * aligned), where 272 spread most connections over five. */
_Static_assert(sizeof(struct conn) <= 256, "struct conn grew past 256");

static inline const struct dissector *
cdis(const struct conn *c)
{
	return dissectors[c->dis1 - 1];
}

/* A slot of the connection table: open addressing, linear probing. */
struct cslot {
	uint32_t idx1; /* index + 1; 0 = empty */
	uint32_t hash; /* the connection's full hash: most misses stop here */
};

struct engine {
	struct engine_cfg cfg;
	struct graph *g;
	struct decoder *dec;
	struct labeler *lab;
	struct conn *conns; /* max_conns slots, touched lazily */
	struct cslot *slots; /* at least 2 x max_conns: load at most 1/2 */
	size_t conns_size, slots_size; /* bytes mapped */
	struct cslot *slotbuf[2]; /* slots is one of them */
	uint32_t hmask;	    /* the slot table's size - 1; grows up to hmax */
	uint32_t hmax;
	uint32_t serial;
	uint32_t last_idx1; /* the connection of the last packet, or 0 */
	uint32_t twins;	    /* live connections with twin set */
	uint64_t hseed;	     /* per-engine: probe sequences unpredictable */
	uint32_t probe_max;  /* longest probe seen (stats, tests) */
	uint16_t pid_final[3]; /* graph ids of icmp, icmpv6, unknown */
	struct {
		uint32_t idx1, serial, hash;
	} *nring; /* the newest connections, oldest first (noise_push) */
	uint32_t nring_head, nring_len, nring_cap;
	uint32_t n_used, free_head, n_fresh;
	uint32_t lru_head, lru_tail; /* head = oldest */
	uint32_t src_id;
	int dlt;
	uint64_t now_us, last_sweep_us;
	struct engine_stats st;
	uint64_t stream_mem; /* dissector state + held stream bytes */
	/* recent packet signatures, to drop SPAN copies: the upper half
	 * of each 64-bit signature (the slot index holds 13 more of its
	 * bits), and apart from them the low 32 bits of its time in us.
	 * The signatures (32 KiB) are read for every packet and stay in
	 * the L1 cache; the times are only written, and read on a match. */
	uint32_t *dedup;
	uint32_t *dedup_ts;
	/* recent UDP requests to a broadcast/multicast address, whose unicast
	 * replies belong to them (ListIdentity, Who-Is sweeps) */
	uint32_t bcast[ENGINE_BCAST_RECENT];
	unsigned bcast_pos;
	/* the packet being handled, for the sink */
	struct conn *cur;
	struct g_asset *responder; /* replier to a broadcast request */
	uint64_t cur_frame;
	struct obs_sink sink;
};

/* ---- observation sink --------------------------------------------------- */

static const char *
label_for_proto(int proto)
{
	/* CIP rides on EtherNet/IP: the flow's protocol is enip. */
	return proto == OBS_P_CIP ? "enip" : obs_proto_name(proto);
}

/*
 * The VLAN of a side: the tag of the frames it sends; until it has sent
 * one, the tag of the frames sent to it.  Taken per direction because a
 * SPAN often tags one direction of routed traffic and not the other.
 */
static uint16_t
side_vlan(const struct conn *c, int side)
{
	int d = side == OBS_SIDE_CLIENT ? DIS_C2S : DIS_S2C;

	if (c->vlan_seen & (1u << d))
		return c->vlan[d];
	return c->vlan[!d];
}

/* A connection that never carried payload (a scan, a SYN flood, the
 * RSTs or SYN-ACKs it draws) is noise: it may use only part of the
 * graph's tables, so the plant's real traffic always finds room. */
static int
conn_noise(const struct conn *c)
{
	return !c->had_payload;
}

/* The asset of a side, created on first use; NULL for a group address
 * or when the asset cap is reached. */
static struct g_asset *
conn_asset(struct engine *e, struct conn *c, int side)
{
	struct g_asset **a = side == OBS_SIDE_CLIENT ? &c->ga : &c->gb;
	int group = side == OBS_SIDE_CLIENT ? c->cli_group : c->srv_group;

	/* On a broadcast request's flow, the "server" that answers is the
	 * device whose reply is being handled. */
	if (side == OBS_SIDE_SERVER && c->srv_group && e->cur == c)
		return e->responder;
	if (*a == NULL && !group) {
		const uint8_t *ip = side == OBS_SIDE_CLIENT ? c->cli : c->srv;

		*a = conn_noise(c) ? graph_asset_noise(e->g,
					 side_vlan(c, side), ip)
				   : graph_asset(e->g, side_vlan(c, side), ip);
		/* the MAC it sent from, held until it had an asset */
		if (*a != NULL) {
			int d = side == OBS_SIDE_CLIENT ? DIS_C2S : DIS_S2C;

			if (c->mac_held & (1u << d))
				graph_asset_mac(e->g, *a, c->mac[d]);
		}
	}
	return *a;
}

static void
conn_confirm(struct engine *e, struct conn *c, int proto)
{
	const char *name;

	if (c->confirmed)
		return;
	name = label_for_proto(proto);
	c->confirmed = 1;
	c->label = graph_proto_id(e->g, name);
	if (conn_asset(e, c, OBS_SIDE_CLIENT) != NULL)
		graph_asset_name(e->g, c->ga, 0, name);
	if (conn_asset(e, c, OBS_SIDE_SERVER) != NULL)
		graph_asset_name(e->g, c->gb, 0, name);
	if (c->lf != NULL) {
		label_flow_free(c->lf);
		c->lf = NULL;
	}
}

static struct g_edge *
conn_edge(struct engine *e, struct conn *c)
{
	if (c->edge == NULL && c->label != 0) {
		c->edge = (conn_noise(c) ? graph_edge_noise : graph_edge)(e->g,
		    side_vlan(c, OBS_SIDE_CLIENT), c->cli,
		    side_vlan(c, OBS_SIDE_SERVER), c->srv, c->l4, c->sport,
		    c->label);
		if (c->edge != NULL && !c->counted) {
			graph_edge_conn(c->edge);
			c->counted = 1;
		}
	}
	return c->edge;
}

static void
sink_op(void *arg, const struct obs_op *o)
{
	struct engine *e = arg;
	struct conn *c = e->cur;
	struct g_edge *ed;

	conn_confirm(e, c, o->proto);
	/* S7comm-plus shares the S7 dissector: its flows are s7comm-plus. */
	if (o->proto == OBS_P_S7COMM_PLUS && c->edge == NULL)
		c->label = graph_proto_id(e->g, "s7comm-plus");
	ed = conn_edge(e, c);
	if (ed == NULL)
		return;
	if (!(o->flags & OBS_OP_RESPONSE))
		e->st.ops++;
	graph_edge_op(e->g, ed, o, e->now_us, e->src_id, e->cur_frame);
}

static void
sink_role(void *arg, const struct obs_role *r)
{
	struct engine *e = arg;
	struct conn *c = e->cur;
	struct g_asset *a = conn_asset(e, c, r->side);
	const char *n = obs_role_name(r->proto, r->role);

	conn_confirm(e, c, r->proto);
	if (a != NULL && n[0] != '\0')
		graph_asset_name(e->g, a, 1, n);
}

static void
sink_ident(void *arg, const struct obs_ident *id)
{
	struct engine *e = arg;
	struct conn *c = e->cur;
	struct g_asset *a = conn_asset(e, c, id->side);

	conn_confirm(e, c, id->proto);
	if (a != NULL)
		graph_asset_ident_at(a, id, e->now_us, e->src_id,
		    e->cur_frame);
}

static void
sink_attr(void *arg, const struct obs_attr *at)
{
	struct engine *e = arg;
	struct conn *c = e->cur;
	struct g_edge *ed;

	if (at->proto != OBS_P_NONE)
		conn_confirm(e, c, at->proto);
	if (at->proto == OBS_P_S7COMM_PLUS && c->edge == NULL)
		c->label = graph_proto_id(e->g, "s7comm-plus");
	ed = conn_edge(e, c);
	if (ed != NULL)
		graph_edge_attr(ed, at);
}

static void
sink_anomaly(void *arg, const struct obs_anomaly *an)
{
	struct engine *e = arg;

	(void)an;
	e->st.anomalies++;
}

/* ---- connection table --------------------------------------------------- */

/* One endpoint: its address (two words) and port. */
static inline uint64_t
ep_hash(const uint8_t *ip, uint16_t port)
{
	return mix64(load64(ip) * 0x9e3779b97f4a7c15ull ^ load64(ip + 8) ^
	    ((uint64_t)port << 48));
}

/* From the two endpoints' ep_hash (computed once per packet, shared
 * with the SPAN signature). */
static inline uint32_t
conn_hash(uint64_t seed, uint8_t l4, uint64_t ha, uint64_t hb)
{
	/* Symmetric: both directions hash alike, since the sum of the two
	 * endpoint hashes does not depend on their order.  The seed is
	 * drawn per engine, so a crafted scan cannot aim at one probe
	 * sequence. */
	uint64_t h = mix64(ha + hb + l4 + seed);

	return (uint32_t)(h ^ (h >> 32));
}

static inline struct conn *
cat(struct engine *e, uint32_t idx1)
{
	return &e->conns[idx1 - 1];
}

static void
lru_unlink(struct engine *e, struct conn *c)
{
	if (c->lprev)
		cat(e, c->lprev)->lnext = c->lnext;
	else
		e->lru_head = c->lnext;
	if (c->lnext)
		cat(e, c->lnext)->lprev = c->lprev;
	else
		e->lru_tail = c->lprev;
	c->lprev = c->lnext = 0;
}

static void
lru_append(struct engine *e, struct conn *c, uint32_t idx1)
{
	c->lprev = e->lru_tail;
	c->lnext = 0;
	if (e->lru_tail)
		cat(e, e->lru_tail)->lnext = idx1;
	else
		e->lru_head = idx1;
	e->lru_tail = idx1;
}

static void
tcp_dir_free(struct engine *e, struct tcp_dir *t)
{
	struct ooo_seg *s, *n;

	for (s = t->ooo; s != NULL; s = n) {
		n = s->next;
		e->stream_mem -= s->len;
		free(s);
	}
	e->stream_mem -= t->tail_cap;
	free(t->tail);
	memset(t, 0, sizeof(*t));
}

/* May the per-flow stream memory grow by n bytes?  Counted when not. */
static int
stream_mem_ok(struct engine *e, size_t n)
{
	if (e->stream_mem + n > e->cfg.stream_mem) {
		e->st.stream_mem_capped++;
		return 0;
	}
	return 1;
}

static void
dstate_free(struct engine *e, struct conn *c)
{
	if (c->dstate != NULL) {
		e->stream_mem -= cdis(c)->state_size ? cdis(c)->state_size : 1;
		free(c->dstate);
		c->dstate = NULL;
	}
}

/* Decide the label of a connection that ends without one. */
/* The label of a connection nDPI never saw (no payload: the common end
 * of a scan probe); the ids looked up once. */
static inline void
probe_label(struct engine *e, struct conn *c)
{
	static const char *const names[3] = {"icmp", "icmpv6", "unknown"};
	int k = c->l4 == 1 ? 0 : c->l4 == 58 ? 1 : 2;

	if (e->pid_final[k] == 0)
		e->pid_final[k] = graph_proto_id(e->g, names[k]);
	c->label = e->pid_final[k];
	c->state = CS_LABELLED;
}

static void
conn_final_label(struct engine *e, struct conn *c)
{
	char name[48];

	if (c->label != 0)
		return;
	if (c->lf == NULL) {
		probe_label(e, c);
		return;
	}
	label_giveup(e->lab, c->lf, name, sizeof(name));
	label_flow_free(c->lf);
	c->lf = NULL;
	c->label = graph_proto_id(e->g, name);
	c->state = CS_LABELLED;
}

/*
 * The first push of a scan probe or of a flood's half-open connection
 * (no payload, nothing in the graph yet, the common end of a noise
 * connection): what conn_final_label and conn_push do for it, without
 * their general tests (conn_push checks the conditions).  Returns 1 when
 * the push is done (the graph folded the client), 0 when the general
 * path must go on (the label and any edge are set).
 */
static int
probe_push(struct engine *e, struct conn *c)
{
	probe_label(e, c);
	if (conn_edge(e, c) != NULL)
		return 0;
	/* folded (or the noise share is full): the client is not
	 * inventoried, the server counts the packets */
	if (conn_asset(e, c, OBS_SIDE_SERVER) != NULL)
		graph_asset_span(c->gb, c->first_us, c->last_us, c->d_pkts,
		    c->d_bytes);
	c->d_pkts = c->d_bytes = 0;
	return 1;
}

/* Move the connection's counters into the graph. */
static void
conn_push(struct engine *e, struct conn *c, int final)
{
	struct g_edge *ed;

	if (c->d_pkts == 0 && !final)
		return;
	if (c->label == 0) {
		/* Still being classified (handshake, first payloads, a
		 * dissector not yet confirmed, nDPI still looking): keep the
		 * counters for a later push rather than fixing a label now. */
		if (!final && (c->had_payload ||
				  e->now_us < c->first_us + ENGINE_SILENT_WAIT_US))
			return;
		/* final, or a connection that stayed silent (no payload)
		 * for ENGINE_SILENT_WAIT_US: a scan probe or an idle
		 * handshake, labelled now so a crash cannot lose it */
		if (c->lf == NULL && c->edge == NULL && c->ga == NULL &&
		    c->gb == NULL && !c->had_payload && !c->srv_group &&
		    c->d_pkts != 0) {
			if (probe_push(e, c))
				return;
		} else {
			conn_final_label(e, c);
		}
	}
	ed = conn_edge(e, c);
	if (ed != NULL && c->d_pkts != 0)
		graph_edge_traffic(ed, c->first_us, c->last_us, c->d_pkts,
		    c->d_bytes, c->src_id, c->frame);
	/* A payload-less connection the graph gave no edge (a flood's
	 * spoofed client past the server port's fan-in, or the noise share
	 * full): its client is not inventoried either; the server still
	 * counts the packets. */
	if (c->d_pkts != 0 && !(ed == NULL && conn_noise(c) && c->ga == NULL) &&
	    conn_asset(e, c, OBS_SIDE_CLIENT) != NULL)
		graph_asset_span(c->ga, c->first_us, c->last_us, c->d_pkts,
		    c->d_bytes);
	if (c->d_pkts != 0 && conn_asset(e, c, OBS_SIDE_SERVER) != NULL)
		graph_asset_span(c->gb, c->first_us, c->last_us, c->d_pkts,
		    c->d_bytes);
	c->d_pkts = c->d_bytes = 0;
}

/* Remove idx1 from the slot table: find it along its probe sequence,
 * then shift back the entries after it that may move (so that no probe
 * sequence crosses an empty slot; no tombstones). */
static void
slot_remove(struct engine *e, uint32_t hash, uint32_t idx1)
{
	uint32_t i = hash & e->hmask, j, home;

	while (e->slots[i].idx1 != idx1) {
		if (e->slots[i].idx1 == 0)
			return; /* not there (cannot happen) */
		i = (i + 1) & e->hmask;
	}
	for (j = (i + 1) & e->hmask; e->slots[j].idx1 != 0;
	     j = (j + 1) & e->hmask) {
		home = e->slots[j].hash & e->hmask;
		/* j's entry may fill hole i unless its home lies in (i, j] */
		if (((j - home) & e->hmask) >= ((j - i) & e->hmask)) {
			e->slots[i] = e->slots[j];
			i = j;
		}
	}
	e->slots[i].idx1 = 0;
	e->slots[i].hash = 0;
}

static void
slot_insert(struct engine *e, uint32_t hash, uint32_t idx1)
{
	uint32_t i = hash & e->hmask, n = 0;

	while (e->slots[i].idx1 != 0) {
		i = (i + 1) & e->hmask;
		n++;
	}
	if (n > e->probe_max)
		e->probe_max = n;
	e->slots[i].idx1 = idx1;
	e->slots[i].hash = hash;
}

/*
 * The slot table starts small and doubles when half full, up to twice
 * the connection cap: a table sized for the few hundred connections of a
 * plant, or the 1/8 of the cap a flood churns (change 11 of
 * docs/performance.md), stays in the caches, where one sized for the cap
 * (4 MiB) made every lookup a miss.  Re-inserting needs only the slots
 * (they keep the full hash).
 */
static void
slots_grow(struct engine *e)
{
	uint32_t n = (e->hmask + 1) * 2, i, k;
	struct cslot *os = e->slots;
	struct cslot *ns = e->slotbuf[os == e->slotbuf[0]];

	/* two buffers of the largest size, mapped at the start (pages are
	 * touched as the table grows): growing cannot fail */
	memset(ns, 0, (size_t)n * sizeof(*ns));
	for (i = 0; i <= e->hmask; i++) {
		if (os[i].idx1 == 0)
			continue;
		for (k = os[i].hash & (n - 1); ns[k].idx1 != 0;
		     k = (k + 1) & (n - 1))
			;
		ns[k] = os[i];
	}
	e->slots = ns;
	e->hmask = n - 1;
}

static void
conn_free(struct engine *e, struct conn *c)
{
	uint32_t idx1 = (uint32_t)(c - e->conns) + 1;
	uint32_t h;

	conn_push(e, c, 1);
	slot_remove(e, c->hash, idx1);
	lru_unlink(e, c);
	for (h = 0; c->l4 == 17 && h < ENGINE_BCAST_RECENT; h++)
		if (e->bcast[h] == idx1)
			e->bcast[h] = 0;
	/* (most connections never held stream bytes: a scan's probes) */
	if (c->td[0].tail_cap != 0 || c->td[0].ooo != NULL)
		tcp_dir_free(e, &c->td[0]);
	if (c->td[1].tail_cap != 0 || c->td[1].ooo != NULL)
		tcp_dir_free(e, &c->td[1]);
	dstate_free(e, c);
	if (c->lf != NULL) {
		label_flow_free(c->lf);
		c->lf = NULL;
	} /* the rest is cleared when the slot is reused */
	c->used = 0;
	e->twins -= c->twin;
	c->lnext = e->free_head;
	e->free_head = idx1;
	e->n_used--;
}

static uint32_t
conn_timeout_us(const struct engine *e, const struct conn *c)
{
	if (c->closed)
		return ENGINE_CLOSED_TIMEOUT_S * 1000000u;
	if (c->l4 == 6)
		return e->cfg.tcp_timeout_s * 1000000u;
	return e->cfg.udp_timeout_s * 1000000u;
}

/* Expire idle connections, oldest first; runs once per second of
 * packet time. */
static void
sweep(struct engine *e)
{
	int budget = 4096; /* bounded work per call */

	while (e->lru_head != 0 && budget-- > 0) {
		struct conn *c = cat(e, e->lru_head);

		if (c->last_us + conn_timeout_us(e, c) > e->now_us)
			break;
		e->st.conns_timed_out++;
		conn_free(e, c);
	}
}

static struct conn *
conn_alloc(struct engine *e)
{
	uint32_t idx1;

	if (e->free_head != 0) {
		idx1 = e->free_head;
		e->free_head = cat(e, idx1)->lnext;
	} else if (e->n_fresh < e->cfg.max_conns) {
		idx1 = ++e->n_fresh;
	} else {
		/* Full: evict the least recently active. */
		e->st.conns_evicted++;
		conn_free(e, cat(e, e->lru_head));
		idx1 = e->free_head;
		e->free_head = cat(e, idx1)->lnext;
	}
	e->n_used++;
	memset(cat(e, idx1), 0, sizeof(struct conn));
	return cat(e, idx1);
}

static int
well_known(uint16_t port)
{
	static const uint16_t ports[] = {502, 20000, 44818, 2222, 4840, 4843,
	    2404, 47808, 1883, 8883, 5020, 48898, 34962, 34963, 34964, 1911,
	    1962, 9600, 18245, 3389, 5900, 5901, 1433, 1521, 3306, 5432,
	    8080, 8443, 161, 162, 0};
	int i;

	if (port != 0 && port < 1024)
		return 1;
	for (i = 0; ports[i] != 0; i++)
		if (ports[i] == port)
			return 1;
	return 0;
}

/* Is the packet's source the client?  For a new connection. */
static int
src_is_client(const struct pkt *p)
{
	if (p->l4 == 6 && (p->tcp_flags & TH_SYN))
		return !(p->tcp_flags & TH_ACK);
	if (well_known(p->dst_port) && !well_known(p->src_port))
		return 1;
	if (well_known(p->src_port) && !well_known(p->dst_port))
		return 0;
	if (well_known(p->src_port) && well_known(p->dst_port))
		return p->src_port >= p->dst_port; /* lower port serves */
	return 1; /* first seen */
}

/* Does connection c hold packet p, in which direction?  strict: the
 * VLAN must agree with what that direction (or, unseen, the other one)
 * carried; otherwise a direction not seen yet may bring any VLAN. */
static int
conn_match(const struct conn *c, const struct pkt *p, int strict, int *dir)
{
	int d;

	if (c->l4 != p->l4)
		return 0;
	if (c->cport == p->src_port && c->sport == p->dst_port &&
	    memcmp(c->cli, p->src_ip, 16) == 0 &&
	    memcmp(c->srv, p->dst_ip, 16) == 0)
		d = DIS_C2S;
	else if (c->cport == p->dst_port && c->sport == p->src_port &&
	    memcmp(c->cli, p->dst_ip, 16) == 0 &&
	    memcmp(c->srv, p->src_ip, 16) == 0)
		d = DIS_S2C;
	else
		return 0;
	if (c->vlan_seen & (1u << d)) {
		if (c->vlan[d] != p->vlan)
			return 0;
	} else if (strict && c->vlan[!d] != p->vlan) {
		return 0;
	}
	*dir = d;
	return 1;
}

/*
 * Connections without payload (a scan, a SYN flood and the answers it
 * draws, a handshake not yet followed by data) may hold only
 * 1/ENGINE_NOISE_SHARE of the table: each new connection enters a FIFO
 * of that size, and the one it pushes out, if it still has carried no
 * payload, is evicted (pushed to the graph, counted as evicted).  A
 * flood then churns a small corner of the table, which stays in cache,
 * instead of evicting the plant's idle sessions from all of it; a
 * handshake is given 1/8 of the table's worth of new connections to
 * bring its first payload.
 */
static void
noise_make_room(struct engine *e)
{
	struct conn *v;
	uint32_t k;

	if (e->nring == NULL || e->nring_len < e->nring_cap)
		return;
	k = e->nring_head;
	e->nring_head = (k + 1) % e->nring_cap;
	e->nring_len--;
	{
		/* the victim after next is known: fetch its lines and slot
		 * now, they are cold (1/8 of the table ago) */
		uint32_t a = (k + 2) % e->nring_cap;
		const char *n = (const char *)cat(e, e->nring[a].idx1);
		size_t off;

		for (off = 0; off < sizeof(struct conn); off += 64)
			__builtin_prefetch(n + off, 1);
		__builtin_prefetch(&e->slots[e->nring[a].hash & e->hmask], 1);
	}
	v = cat(e, e->nring[k].idx1);
	if (v->used && v->serial == e->nring[k].serial && !v->had_payload) {
		e->st.conns_evicted++;
		conn_free(e, v);
	}
}

static void
noise_push(struct engine *e, const struct conn *c, uint32_t idx1)
{
	uint32_t k;

	if (e->nring == NULL)
		return;
	k = (e->nring_head + e->nring_len) % e->nring_cap;
	e->nring[k].idx1 = idx1;
	e->nring[k].serial = c->serial;
	e->nring[k].hash = c->hash;
	e->nring_len++;
}

/* Was a created after b? */
static int
newer(const struct conn *a, const struct conn *b)
{
	return (int32_t)(a->serial - b->serial) > 0;
}

/*
 * Is p of the last packet's connection (a request, its answer, the
 * ACK)?  While no two connections share a 5-tuple (they only do when
 * their VLANs disagree), a strict match is the only match, so the hash
 * and the probe can be skipped.  A connection made while another with
 * its hash lived is a `twin'; the shortcut is off while any twin lives
 * (the newer of any two that share a 5-tuple is one).  Pure: sets *dir
 * only.
 */
static int
conn_is_last(const struct engine *e, const struct pkt *p, int *dir)
{
	const struct conn *c;

	if (e->twins != 0 || e->last_idx1 == 0)
		return 0;
	c = &e->conns[e->last_idx1 - 1];
	return c->used && conn_match(c, p, 1, dir);
}

static inline uint32_t
pkt_conn_hash(const struct engine *e, const struct pkt *p)
{
	return conn_hash(e->hseed, p->l4, ep_hash(p->src_ip, p->src_port),
	    ep_hash(p->dst_ip, p->dst_port));
}

/* The connection of p: the last one when last (conn_is_last said so),
 * else found from h (pkt_conn_hash) or made. */
static struct conn *
conn_lookup(struct engine *e, const struct pkt *p, int last, uint32_t h,
    int *dir)
{
	uint32_t i, s, strict = 0, loose = 0;
	struct conn *c;
	uint16_t sp = p->src_port, dp = p->dst_port;
	int d, strict_dir = 0, loose_dir = 0, twin = 0;

	if (last) {
		i = e->last_idx1;
		c = cat(e, i);
		goto hit;
	}

	/* One walk of the probe sequence: the newest connection that
	 * matches with its VLAN; else the newest whose unseen direction may
	 * bring any VLAN (what the chained table's two passes found). */
	for (s = h & e->hmask; (i = e->slots[s].idx1) != 0;
	     s = (s + 1) & e->hmask) {
		if (e->slots[s].hash != h)
			continue;
		c = cat(e, i);
		if (conn_match(c, p, 1, &d)) {
			if (strict == 0 || newer(c, cat(e, strict))) {
				strict = i;
				strict_dir = d;
			}
		} else if (conn_match(c, p, 0, &d)) {
			if (loose == 0 || newer(c, cat(e, loose))) {
				loose = i;
				loose_dir = d;
			}
		} else {
			twin = 1; /* or an equal hash: stops the shortcut */
		}
	}
	if (strict != 0 || loose != 0) {
		i = strict != 0 ? strict : loose;
		c = cat(e, i);
		*dir = strict != 0 ? strict_dir : loose_dir;
		goto hit;
	}
	if (p->l4 == 17 && !decode_ip_is_group(p->src_ip)) {
		/* A unicast reply to a recent broadcast request? */
		unsigned k;

		for (k = 0; k < ENGINE_BCAST_RECENT; k++) {
			if (e->bcast[k] == 0)
				continue;
			c = cat(e, e->bcast[k]);
			if (c->l4 == 17 && c->srv_group &&
			    c->cport == p->dst_port && c->sport == p->src_port &&
			    memcmp(c->cli, p->dst_ip, 16) == 0 &&
			    decode_ip_is_group(c->srv)) {
				i = e->bcast[k];
				*dir = DIS_S2C;
				c->vlan_seen |= 1u << DIS_S2C;
				goto hit;
			}
		}
	}
	/* New connection. */
	noise_make_room(e);
	c = conn_alloc(e);
	c->twin = (uint8_t)twin;
	e->twins += (uint32_t)twin;
	i = (uint32_t)(c - e->conns) + 1;
	if (src_is_client(p)) {
		memcpy(c->cli, p->src_ip, 16);
		memcpy(c->srv, p->dst_ip, 16);
		c->cport = sp;
		c->sport = dp;
		*dir = DIS_C2S;
	} else {
		memcpy(c->cli, p->dst_ip, 16);
		memcpy(c->srv, p->src_ip, 16);
		c->cport = dp;
		c->sport = sp;
		*dir = DIS_S2C;
	}
	c->vlan[*dir] = c->vlan[!*dir] = p->vlan;
	c->vlan_seen = (uint8_t)(1u << *dir);
	c->l4 = p->l4;
	c->first_us = p->ts_us;
	c->src_id = e->src_id;
	c->frame = e->cur_frame;
	/* Only unicast addresses are assets; a destination reached through
	 * a group MAC (subnet-directed broadcast) is not one either. */
	c->cli_group = (uint8_t)(decode_ip_is_group(c->cli) ||
	    (*dir == DIS_S2C && (p->has_mac & PKT_MAC_DST) &&
		(p->dst_mac[0] & 1)));
	c->srv_ipgroup = (uint8_t)decode_ip_is_group(c->srv);
	c->srv_group = (uint8_t)(c->srv_ipgroup ||
	    (*dir == DIS_C2S && (p->has_mac & PKT_MAC_DST) &&
		(p->dst_mac[0] & 1)));
	c->hash = h;
	c->used = 1;
	c->serial = ++e->serial;
	if (e->n_used * 2 > e->hmask + 1 && e->hmask < e->hmax)
		slots_grow(e);
	slot_insert(e, h, i);
	lru_append(e, c, i);
	noise_push(e, c, i);
	e->st.conns++;
	if (c->l4 == 17 && decode_ip_is_group(c->srv)) {
		e->bcast[e->bcast_pos] = i;
		e->bcast_pos = (e->bcast_pos + 1) % ENGINE_BCAST_RECENT;
	}
	e->last_idx1 = i;
	return c;
hit:
	e->last_idx1 = i;
	if (!(c->vlan_seen & (1u << *dir))) {
		/* First frame of this direction: it tells the sender's VLAN.
		 * An asset already made under the guessed VLAN moves. */
		int side = *dir == DIS_C2S ? OBS_SIDE_CLIENT : OBS_SIDE_SERVER;
		struct g_asset **a = side == OBS_SIDE_CLIENT ? &c->ga : &c->gb;

		c->vlan_seen |= (uint8_t)(1u << *dir);
		if (c->vlan[*dir] != p->vlan) {
			struct g_asset *old = *a;

			c->vlan[*dir] = p->vlan;
			*a = NULL;
			if (old != NULL && conn_asset(e, c, side) != NULL)
				graph_asset_merge(e->g, *a, old);
			if (c->edge != NULL)
				c->edge = graph_edge_rekey(e->g, c->edge,
				    side_vlan(c, OBS_SIDE_CLIENT),
				    side_vlan(c, OBS_SIDE_SERVER));
		}
	}
	/* Most recently active goes to the tail. */
	if (e->lru_tail != i) {
		lru_unlink(e, c);
		lru_append(e, c, i);
	}
	return c;
}

/* ---- dissector dispatch --------------------------------------------------- */

static int
dis_port_match(const struct dissector *d, const struct conn *c)
{
	int i;

	for (i = 0; i < 4 && d->ports[i] != 0; i++)
		if (d->ports[i] == c->sport || d->ports[i] == c->cport)
			return 1;
	return 0;
}

/* Try the OT dissectors on a connection's payload.  Port-hinted ones
 * first; any_port ones on every flow. */
static void
probe_conn(struct engine *e, struct conn *c, const uint8_t *p, uint32_t n,
    int dir)
{
	const struct dissector *best = NULL;
	int pass, i, r, best_r = PROBE_NO, best_i = 0;

	c->probes++;
	for (pass = 0; pass < 2 && best_r != PROBE_YES; pass++) {
		for (i = 0; dissectors[i] != NULL; i++) {
			const struct dissector *d = dissectors[i];
			int hinted = dis_port_match(d, c);

			if ((pass == 0) != hinted)
				continue;
			if (!hinted && !d->any_port)
				continue;
			if ((c->l4 == 6 && !d->l4_tcp) ||
			    (c->l4 == 17 && !d->l4_udp))
				continue;
			r = d->probe(p, n, dir);
			if (r > best_r) {
				best_r = r;
				best = d;
				best_i = i;
				if (r == PROBE_YES)
					break;
			}
		}
	}
	if (best == NULL)
		return;
	/* MAYBE: take it tentatively only from a hinted port. */
	if (best_r == PROBE_MAYBE && !dis_port_match(best, c))
		return;
	/* Per-flow dissector state comes out of the stream memory budget:
	 * a flood of one-request flows cannot grow it without bound. */
	if (!stream_mem_ok(e, best->state_size ? best->state_size : 1))
		return;
	c->dstate = calloc(1, best->state_size ? best->state_size : 1);
	if (c->dstate == NULL)
		return;
	e->stream_mem += best->state_size ? best->state_size : 1;
	c->dis1 = (uint8_t)(best_i + 1);
	c->state = CS_OT;
}

static void
conn_drop_dissector(struct engine *e, struct conn *c)
{
	dstate_free(e, c);
	c->dis1 = 0;
	tcp_dir_free(e, &c->td[0]);
	tcp_dir_free(e, &c->td[1]);
	c->state = CS_NEW;
}

/* Run the dissector over buf; returns bytes consumed, or -1 when the
 * dissector disowned the flow. */
static long
run_parse(struct engine *e, struct conn *c, int dir, const uint8_t *buf,
    uint32_t len)
{
	struct dis_ctx ctx;
	size_t off = 0, used;
	enum dis_rc rc;
	int rounds = 0;

	ctx.dir = (uint8_t)dir;
	ctx.l4 = c->l4;
	ctx.multicast = c->srv_ipgroup;
	ctx.src_port = dir == DIS_C2S ? c->cport : c->sport;
	ctx.dst_port = dir == DIS_C2S ? c->sport : c->cport;
	while (off < len && rounds++ < 100000) {
		used = 0;
		rc = cdis(c)->parse(c->dstate, &ctx, buf + off, len - off, &used,
		    &e->sink);
		if (used > len - off)
			used = len - off; /* a dissector bug must not hurt us */
		off += used;
		if (rc == DIS_NOT_MINE) {
			if (!c->confirmed)
				return -1;
			e->st.dis_malformed++;
			cdis(c)->resync(c->dstate, dir);
			return (long)len;
		}
		if (rc == DIS_NEED_MORE)
			break;
		if (rc == DIS_MALFORMED) {
			e->st.dis_malformed++;
			if (used == 0) {
				cdis(c)->resync(c->dstate, dir);
				return (long)len;
			}
		} else if (used == 0)
			break;
	}
	return (long)off;
}

/* Append to the direction's tail buffer, bounded by reasm_bytes.  On
 * overflow the held bytes are dropped and the dissector resynchronised.
 * Returns 0, or -1 when the bytes could not be kept. */
static int
tail_append(struct engine *e, struct conn *c, int dir, const uint8_t *p,
    uint32_t n)
{
	struct tcp_dir *t = &c->td[dir];

	if ((uint64_t)t->tail_len + n > e->cfg.reasm_bytes) {
		e->st.reasm_cap_hits++;
		e->st.anomalies++;
		t->tail_len = 0;
		cdis(c)->resync(c->dstate, dir);
		if (n > e->cfg.reasm_bytes)
			return -1;
	}
	if (t->tail_len + n > t->tail_cap) {
		uint32_t nc = t->tail_cap ? t->tail_cap : 2048;
		uint8_t *nb;

		while (nc < t->tail_len + n)
			nc *= 2;
		if (nc > e->cfg.reasm_bytes)
			nc = e->cfg.reasm_bytes;
		nb = stream_mem_ok(e, nc - t->tail_cap) ? realloc(t->tail, nc)
							 : NULL;
		if (nb == NULL) {
			t->tail_len = 0;
			e->st.anomalies++;
			cdis(c)->resync(c->dstate, dir);
			return -1;
		}
		e->stream_mem += nc - t->tail_cap;
		t->tail = nb;
		t->tail_cap = nc;
	}
	memcpy(t->tail + t->tail_len, p, n);
	t->tail_len += n;
	return 0;
}

/*
 * Hand in-order stream bytes of one direction to the dissector.  The
 * common case (nothing held) parses straight from the packet; only an
 * incomplete PDU's bytes are copied, to wait for the rest.
 */
static void
deliver(struct engine *e, struct conn *c, int dir, const uint8_t *p,
    uint32_t n)
{
	struct tcp_dir *t = &c->td[dir];
	long used;

	if (n == 0 || c->dis1 == 0)
		return;
	if (t->tail_len == 0) {
		used = run_parse(e, c, dir, p, n);
		if (used < 0)
			goto disown;
		if ((uint32_t)used < n && c->l4 == 6)
			(void)tail_append(e, c, dir, p + used,
			    n - (uint32_t)used);
		return;
	}
	if (tail_append(e, c, dir, p, n) != 0 || t->tail_len == 0)
		return;
	used = run_parse(e, c, dir, t->tail, t->tail_len);
	if (used < 0)
		goto disown;
	memmove(t->tail, t->tail + used, t->tail_len - (uint32_t)used);
	t->tail_len -= (uint32_t)used;
	return;
disown:
	conn_drop_dissector(e, c);
}

static int32_t
seqdiff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

/* Deliver held out-of-order segments that are now in order. */
static void
ooo_drain(struct engine *e, struct conn *c, int dir)
{
	struct tcp_dir *t = &c->td[dir];
	struct ooo_seg *s;

	while ((s = t->ooo) != NULL && c->dis1 != 0 &&
	    seqdiff(s->seq, t->next) <= 0) {
		int32_t skip = seqdiff(t->next, s->seq);

		t->ooo = s->next;
		t->n_ooo--;
		t->ooo_bytes -= s->len;
		e->stream_mem -= s->len;
		if (skip >= 0 && (uint32_t)skip < s->len) {
			t->next += s->len - (uint32_t)skip;
			deliver(e, c, dir, s->data + skip,
			    s->len - (uint32_t)skip);
		}
		free(s);
	}
}

/* Bytes were lost: jump to the first held segment. */
static void
tcp_gap(struct engine *e, struct conn *c, int dir)
{
	struct tcp_dir *t = &c->td[dir];

	if (t->ooo == NULL)
		return;
	e->st.tcp_gaps++;
	t->tail_len = 0;
	if (c->dis1 != 0)
		cdis(c)->resync(c->dstate, dir);
	t->next = t->ooo->seq;
	ooo_drain(e, c, dir);
}

static void
ooo_hold(struct engine *e, struct conn *c, int dir, uint32_t seq,
    const uint8_t *p, uint32_t n)
{
	struct tcp_dir *t = &c->td[dir];
	struct ooo_seg *s, **pp;

	if (t->n_ooo >= ENGINE_OOO_SEGS ||
	    t->ooo_bytes + n > e->cfg.reasm_bytes) {
		/* Too much held: the hole will not be filled. */
		tcp_gap(e, c, dir);
		if (c->dis1 == 0)
			return;
		if (seqdiff(seq, t->next) <= 0) {
			uint32_t skip = (uint32_t)seqdiff(t->next, seq);

			if (skip < n) {
				t->next += n - skip;
				deliver(e, c, dir, p + skip, n - skip);
			}
			return;
		}
		if (t->n_ooo >= ENGINE_OOO_SEGS ||
		    t->ooo_bytes + n > e->cfg.reasm_bytes)
			return;
	}
	for (pp = &t->ooo; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->seq == seq && (*pp)->len >= n)
			return; /* duplicate */
		if (seqdiff(seq, (*pp)->seq) < 0)
			break;
	}
	if (!stream_mem_ok(e, n))
		return;
	s = malloc(sizeof(*s) + n);
	if (s == NULL)
		return;
	e->stream_mem += n;
	s->seq = seq;
	s->len = n;
	memcpy(s->data, p, n);
	s->next = *pp;
	*pp = s;
	t->n_ooo++;
	t->ooo_bytes += n;
	e->st.tcp_ooo++;
}

static void
tcp_segment(struct engine *e, struct conn *c, int dir, const struct pkt *p)
{
	struct tcp_dir *t = &c->td[dir];
	struct tcp_dir *o = &c->td[!dir];
	uint32_t seq = p->seq, n = p->payload_len;
	const uint8_t *data = p->payload;
	int32_t d;

	if (p->tcp_flags & TH_SYN) {
		t->next = seq + 1;
		t->init = 1;
		seq++;
	}
	/* The peer acknowledges bytes we never saw: they are lost. */
	if ((p->tcp_flags & TH_ACK) && o->init && o->ooo != NULL &&
	    seqdiff(p->ack, o->next) > 0)
		tcp_gap(e, c, !dir);
	if (n == 0 || c->dis1 == 0)
		return;
	if (p->truncated) {
		/* Snaplen cut the payload: the stream has a hole here. */
		e->st.tcp_gaps++;
		t->tail_len = 0;
		cdis(c)->resync(c->dstate, dir);
		t->next = seq + n;
		t->init = 1;
		return;
	}
	if (!t->init) {
		/* Mid-connection start: trust the first segment. */
		t->next = seq;
		t->init = 1;
	}
	d = seqdiff(seq, t->next);
	if (d < 0) {
		uint32_t skip = (uint32_t)-d;

		if (skip >= n) {
			e->st.tcp_retrans++;
			return;
		}
		e->st.tcp_overlaps++;
		data += skip;
		n -= skip;
		d = 0;
	}
	if (d == 0) {
		t->next += n;
		deliver(e, c, dir, data, n);
		if (c->dis1 != 0 && t->ooo != NULL)
			ooo_drain(e, c, dir);
		return;
	}
	ooo_hold(e, c, dir, seq, data, n);
}

/* ---- per packet ----------------------------------------------------------- */

/*
 * A SPAN fed by two mirrored ports shows a packet twice within
 * microseconds (once per port, perhaps with a different VLAN tag).  Such a
 * copy has the same addresses, ports, TCP numbers, lengths and payload
 * start; a genuine retransmission comes a round-trip timeout later.  The
 * table keeps the last signature per slot: a copy more than
 * ENGINE_DEDUP_SLOTS packets later is not recognised (counted twice).
 */
static uint64_t
span_sig(const struct pkt *p, uint64_t seed)
{
	uint64_t h, a, w = 0, f;
	uint32_t i, n;

	/* Each word is folded in by an xor and a multiply by an odd
	 * constant (a bijection, so words that differ keep the states
	 * apart), in two chains for the addresses (ordered: a packet and
	 * its reply differ), and mixed once at the end. */
	f = (uint64_t)p->ip_len << 40 | (uint64_t)p->payload_len << 16 |
	    (uint64_t)p->tcp_flags << 8 | p->l4;
	if (p->ipver == 4 && p->l3 != NULL && p->l3_len >= 6)
		/* the IPv4 identification tells two sends of equal bytes
		 * apart (duplicate ACKs); a mirrored copy keeps it */
		f ^= (uint64_t)p->l3[4] << 56 | (uint64_t)p->l3[5] << 48;
	a = ((seed ^ load64(p->src_ip)) * 0x9e3779b97f4a7c15ull ^
		load64(p->src_ip + 8)) * 0xff51afd7ed558ccdull ^
	    ((uint64_t)p->src_port << 16 | p->dst_port);
	h = ((load64(p->dst_ip) * 0xc4ceb9fe1a85ec53ull) ^
		load64(p->dst_ip + 8)) * 0x9e3779b97f4a7c15ull ^
	    ((uint64_t)p->seq << 32 | p->ack);
	h = (h ^ a * 0xc4ceb9fe1a85ec53ull) * 0xff51afd7ed558ccdull ^ f;
	n = p->payload_len;
	if (n >= 16) {
		h = (h * 0xff51afd7ed558ccdull) ^ load64(p->payload);
		h = (h * 0xc4ceb9fe1a85ec53ull) ^ load64(p->payload + 8);
	} else {
		for (i = 0; i < n; i++)
			w = w << 8 | p->payload[i];
		h = (h * 0xff51afd7ed558ccdull) ^ w;
	}
	return mix64(h);
}

static inline uint32_t
span_slot(uint64_t h)
{
	return (uint32_t)(h ^ (h >> 32)) & (ENGINE_DEDUP_SLOTS - 1);
}

/* Was the packet of signature h seen less than ENGINE_DEDUP_US ago?  If
 * not, it is remembered. */
static int
is_duplicate(struct engine *e, uint64_t h, uint64_t ts_us)
{
	uint32_t i = span_slot(h);

	/* 45 bits of the signature must match (a false match: 1 in 3e13
	 * per slot), and the times, compared modulo 2^32 us (71 minutes),
	 * be at most ENGINE_DEDUP_US apart, the later one second */
	if (e->dedup[i] == (uint32_t)(h >> 32) &&
	    (uint32_t)ts_us - e->dedup_ts[i] <= ENGINE_DEDUP_US)
		return 1;
	e->dedup[i] = (uint32_t)(h >> 32);
	e->dedup_ts[i] = (uint32_t)ts_us;
	return 0;
}

static void
ndpi_step(struct engine *e, struct conn *c, const struct pkt *p)
{
	char name[48];

	const char *pre;

	if (p->l3 == NULL || p->reassembled)
		return;
	pre = p->l4 == 6 ? label_preclassify(p->payload, p->payload_len)
			 : NULL;
	if (pre == NULL && c->lf == NULL) {
		c->lf = label_flow_new(e->lab);
		if (c->lf == NULL)
			return;
		e->st.ndpi_flows++;
	}
	if (pre != NULL)
		snprintf(name, sizeof(name), "%s", pre);
	if (pre != NULL || label_packet(e->lab, c->lf, p->l3, p->l3_len,
			       p->ts_us, name, sizeof(name))) {
		c->label = graph_proto_id(e->g, name);
		/* A tentative dissector keeps the flow: if it confirms, its
		 * label wins; nDPI's is the fallback. */
		if (c->state != CS_OT)
			c->state = CS_LABELLED;
		label_flow_free(c->lf);
		c->lf = NULL;
		if (conn_asset(e, c, OBS_SIDE_CLIENT) != NULL)
			graph_asset_name(e->g, c->ga, 0, name);
		if (conn_asset(e, c, OBS_SIDE_SERVER) != NULL)
			graph_asset_name(e->g, c->gb, 0, name);
		return;
	}
	if (++c->ndpi_pkts >= ENGINE_NDPI_MAX_PKTS) {
		int keep = c->state == CS_OT;

		conn_final_label(e, c);
		if (keep)
			c->state = CS_OT;
		if (conn_asset(e, c, OBS_SIDE_CLIENT) != NULL)
			graph_asset_name(e->g, c->ga, 0,
			    graph_proto_name(e->g, c->label));
		if (conn_asset(e, c, OBS_SIDE_SERVER) != NULL)
			graph_asset_name(e->g, c->gb, 0,
			    graph_proto_name(e->g, c->label));
	}
}

void
engine_frame(struct engine *e, const uint8_t *data, uint32_t caplen,
    uint32_t wirelen, uint64_t ts_us, uint64_t frame)
{
	struct pkt p;
	struct conn *c;
	uint32_t h = 0;
	int dir, last;
	enum dec_rc rc;

	e->st.packets++;
	e->st.bytes += wirelen;
	e->cur_frame = frame;
	if (ts_us > e->now_us)
		e->now_us = ts_us;
	rc = decoder_frame(e->dec, e->dlt, data, caplen, wirelen, ts_us, &p);
	switch (rc) {
	case DEC_OK:
		break;
	case DEC_NOT_IP:
		e->st.not_ip++;
		return;
	case DEC_TRUNCATED:
		e->st.truncated++;
		return;
	case DEC_FRAG_HELD:
		e->st.frags_held++;
		return;
	case DEC_FRAG_DROPPED:
		e->st.frags_dropped++;
		return;
	case DEC_UNSUPPORTED_LINK:
		e->st.unsupported_link++;
		return;
	default:
		e->st.malformed++;
		return;
	}
	/* A new connection's first slot is a likely cache miss: it is
	 * fetched while the SPAN signature is worked out. */
	last = conn_is_last(e, &p, &dir);
	if (!last) {
		h = pkt_conn_hash(e, &p);
		__builtin_prefetch(&e->slots[h & e->hmask]);
	}
	if (e->dedup != NULL && is_duplicate(e, span_sig(&p, e->hseed),
				    ts_us)) {
		e->st.duplicates++;
		e->st.packets--;
		e->st.bytes -= wirelen;
		return;
	}
	if (p.truncated)
		e->st.truncated++;
	if (e->now_us >= e->last_sweep_us + 1000000u) {
		e->last_sweep_us = e->now_us;
		sweep(e);
		if (last && !conn_is_last(e, &p, &dir)) {
			last = 0; /* timed out just now */
			h = pkt_conn_hash(e, &p);
		}
	}
	c = conn_lookup(e, &p, last, h, &dir);
	e->cur = c;
	e->responder = NULL;
	if (c->srv_group && dir == DIS_S2C &&
	    !decode_ip_is_group(p.src_ip)) {
		/* a device answering a broadcast request: an asset of its
		 * own, though the flow is the requester's */
		e->responder = graph_asset(e->g, p.vlan, p.src_ip);
		if (e->responder != NULL) {
			graph_asset_traffic(e->responder, ts_us, 1, wirelen);
			if ((p.has_mac & PKT_MAC_SRC) && !(p.src_mac[0] & 1))
				graph_asset_mac(e->g, e->responder, p.src_mac);
		}
	}
	if (ts_us > c->last_us)
		c->last_us = ts_us;
	c->d_pkts++;
	c->d_bytes += wirelen;
	if (!c->td[dir].mac_done && (p.has_mac & PKT_MAC_SRC)) {
		struct g_asset *src = dir == DIS_C2S ? c->ga : c->gb;

		c->td[dir].mac_done = 1;
		if (!(p.src_mac[0] & 1)) {
			memcpy(c->mac[dir], p.src_mac, 6);
			c->mac_held |= (uint8_t)(1u << dir);
			if (src != NULL)
				graph_asset_mac(e->g, src, p.src_mac);
		}
	}
	if (p.payload_len > 0)
		c->had_payload = 1;
	if (p.l4 == 6 && (p.tcp_flags & (TH_RST | TH_FIN))) {
		if (p.tcp_flags & TH_RST)
			c->closed = 1;
		else {
			c->td[dir].fin = 1;
			if (c->td[!dir].fin)
				c->closed = 1;
		}
	}
	if (c->state == CS_NEW && p.payload_len > 0 &&
	    (p.l4 == 6 || p.l4 == 17)) {
		if (c->probes < ENGINE_PROBE_MAX_PKTS)
			probe_conn(e, c, p.payload, p.payload_len, dir);
		if (c->state == CS_NEW && c->probes >= 1)
			c->state = CS_NDPI;
	} else if (c->state == CS_NEW && p.payload_len > 0) {
		c->state = CS_NDPI;
	}
	if (c->state == CS_OT) {
		if (p.l4 == 6)
			tcp_segment(e, c, dir, &p);
		else if (p.payload_len > 0)
			deliver(e, c, dir, p.payload, p.payload_len);
		if (c->state != CS_OT) /* disowned: nDPI from here */
			c->state = CS_NDPI;
		if (!c->confirmed && c->state == CS_OT && c->label == 0 &&
		    c->ndpi_pkts < ENGINE_NDPI_MAX_PKTS)
			ndpi_step(e, c, &p); /* tentative: label meanwhile */
	} else if (c->state == CS_NDPI || (c->state == CS_NEW &&
					      c->lf != NULL)) {
		ndpi_step(e, c, &p);
	} else if (p.l4 == 6 && c->state == CS_NEW) {
		/* handshake only so far: remember the SYN for the stream */
		tcp_segment(e, c, dir, &p);
	}
	e->cur = NULL;
}

/* ---- lifecycle ------------------------------------------------------------- */

/*
 * The connection array: zeroed pages, touched lazily, on transparent
 * huge pages where the kernel allows (madvise mode): random accesses into
 * 64 MiB of connections otherwise miss the TLB as well as the caches,
 * and fault in 16,000 small pages.
 */
static void *
big_alloc(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	(void)madvise(p, n, MADV_HUGEPAGE);
#endif
	return p;
}

/* A slot table buffer: zero pages, touched as the table grows; small
 * pages (a table of a few KiB stays a few KiB). */
static void *
slot_alloc(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void
big_free(void *p, size_t n)
{
	if (p != NULL)
		munmap(p, n);
}

/* The hash seed: from the kernel, else from the clock and an address. */
static uint64_t
seed_now(const struct engine *e)
{
	uint64_t s = 0;
	struct timespec ts;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) == (ssize_t)sizeof(s))
		return s;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return mix64((uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 32 ^
	    (uint64_t)(uintptr_t)e);
}

struct engine *
engine_new(const struct engine_cfg *cfg, struct graph *g, char *errbuf,
    size_t errlen)
{
	struct engine *e = calloc(1, sizeof(*e));
	uint32_t hsize = 1024;

	if (e == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	e->cfg.max_conns = ENGINE_MAX_CONNS_DEFAULT;
	e->cfg.reasm_bytes = ENGINE_REASM_BYTES_DEFAULT;
	e->cfg.tcp_timeout_s = ENGINE_TCP_TIMEOUT_S;
	e->cfg.udp_timeout_s = ENGINE_UDP_TIMEOUT_S;
	e->cfg.stream_mem = ENGINE_STREAM_MEM_DEFAULT;
	if (cfg != NULL) {
		if (cfg->max_conns)
			e->cfg.max_conns = cfg->max_conns;
		if (cfg->reasm_bytes)
			e->cfg.reasm_bytes = cfg->reasm_bytes;
		if (cfg->tcp_timeout_s)
			e->cfg.tcp_timeout_s = cfg->tcp_timeout_s;
		if (cfg->udp_timeout_s)
			e->cfg.udp_timeout_s = cfg->udp_timeout_s;
		if (cfg->stream_mem)
			e->cfg.stream_mem = cfg->stream_mem;
	}
	while (hsize < e->cfg.max_conns * 2u && hsize < (1u << 30))
		hsize <<= 1;
	if (hsize < e->cfg.max_conns + 1u) /* never full: probes end */
		e->cfg.max_conns = hsize - 1;
	e->hmax = hsize - 1;
	e->hmask = (hsize < 1024 ? hsize : 1024) - 1;
	e->g = g;
	/* calloc: pages of the slot array are touched only when used. */
	e->conns_size = (size_t)e->cfg.max_conns * sizeof(struct conn);

	e->conns = big_alloc(e->conns_size);
	e->slots_size = (size_t)hsize * sizeof(struct cslot);
	e->slotbuf[0] = slot_alloc(e->slots_size);
	e->slotbuf[1] = slot_alloc(e->slots_size);
	e->slots = e->slotbuf[0];
	e->hseed = seed_now(e);
	e->nring_cap = e->cfg.max_conns / ENGINE_NOISE_SHARE;
	if (e->nring_cap >= ENGINE_NOISE_MIN) {
		e->nring = calloc(e->nring_cap, sizeof(*e->nring));
		if (e->nring == NULL)
			goto oom;
	}
	if (cfg == NULL || !cfg->no_dedup) {
		e->dedup = calloc(2 * ENGINE_DEDUP_SLOTS, sizeof(*e->dedup));
		if (e->dedup == NULL)
			goto oom;
		e->dedup_ts = e->dedup + ENGINE_DEDUP_SLOTS;
	}
	e->dec = decoder_new(0);
	if (e->conns == NULL || e->slotbuf[0] == NULL ||
	    e->slotbuf[1] == NULL || e->dec == NULL) {
oom:
		snprintf(errbuf, errlen, "out of memory (%u connections)",
		    e->cfg.max_conns);
		goto fail;
	}
	e->lab = labeler_new(errbuf, errlen);
	if (e->lab == NULL)
		goto fail;
	e->sink.op = sink_op;
	e->sink.role = sink_role;
	e->sink.ident = sink_ident;
	e->sink.attr = sink_attr;
	e->sink.anomaly = sink_anomaly;
	e->sink.arg = e;
	return e;
fail:
	engine_free(e);
	return NULL;
}

void
engine_free(struct engine *e)
{
	struct conn *c;
	uint32_t i;

	if (e == NULL)
		return;
	/* Push every connection, oldest first, and free what it holds; the
	 * table itself goes as a whole (no slot or list upkeep). */
	for (i = e->conns != NULL ? e->lru_head : 0; i != 0; i = c->lnext) {
		c = cat(e, i);
		conn_push(e, c, 1);
		tcp_dir_free(e, &c->td[0]);
		tcp_dir_free(e, &c->td[1]);
		dstate_free(e, c);
		label_flow_free(c->lf);
		c->lf = NULL;
	}
	labeler_free(e->lab);
	decoder_free(e->dec);
	big_free(e->conns, e->conns_size);
	if (e->slotbuf[0] != NULL)
		munmap(e->slotbuf[0], e->slots_size);
	if (e->slotbuf[1] != NULL)
		munmap(e->slotbuf[1], e->slots_size);
	free(e->dedup);
	free(e->nring);
	free(e);
}

void
engine_set_source(struct engine *e, uint32_t src_id, int dlt)
{
	e->src_id = src_id;
	e->dlt = dlt;
}

void
engine_push(struct engine *e)
{
	uint32_t i;

	/* In array order, not oldest first: a sequential walk, where the
	 * list's order costs a cache miss per connection (at a full table,
	 * 262,144 of them per flush).  The final push (engine_free) keeps
	 * the list's order. */
	for (i = 0; i < e->n_fresh; i++)
		if (e->conns[i].used)
			conn_push(e, &e->conns[i], 0);
}

void
engine_stats(const struct engine *e, struct engine_stats *st)
{
	struct dec_stats ds;

	*st = e->st;
	decoder_stats(e->dec, &ds);
	st->frags_dropped = ds.frags_dropped + ds.frags_evicted +
	    ds.frags_timed_out;
	st->twins = e->twins;
}

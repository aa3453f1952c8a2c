/* SPDX-License-Identifier: BSD-2-Clause */
/* graph_impl.h: layout of the in-memory graph, internal to store/. */
#ifndef OTZ_GRAPH_IMPL_H
#define OTZ_GRAPH_IMPL_H

#include "store.h"

struct g_ident {
	uint8_t proto; /* where it was read */
	char vendor[64], product[64], model[64], firmware[32], hardware[32],
	    serial[64], name[64], url[128];
	uint32_t vendor_id, device_type, product_code;
	/* The packet that last changed it (change events' evidence). */
	uint64_t ts_us, frame;
	/* the newest observation's time: stored with the identity, so
	 * that a capture older than what the database holds fills gaps
	 * but does not change it back (ident_us in the assets table) */
	uint64_t newest_us;
	uint32_t src_id;
};

struct g_asset {
	uint8_t ip[16];
	uint16_t vlan;
	uint8_t dirty;
	uint8_t n_macs, n_names;
	uint8_t macs[GRAPH_MAX_MACS_PER_ASSET][6];
	uint16_t names[GRAPH_MAX_NAMES_PER_ASSET]; /* proto ids; |0x8000 role */
	uint64_t first_us, last_us;
	uint64_t d_pkts, d_bytes; /* since the last flush */
	struct g_ident *ident;	  /* NULL until a device says who it is */
	uint8_t ident_dirty;
	uint8_t in_db; /* written by a committed flush (events.c) */
	uint32_t next; /* hash chain: index + 1 */
};

struct g_op {
	uint8_t proto, cls;
	uint32_t code;
	const char *name;
	uint64_t d_count, d_errors;
	uint64_t first_us, last_us;
	uint32_t src_id;
	uint64_t frame;
};

struct g_edge {
	uint8_t client[16], server[16];
	uint16_t vlan, server_port, proto; /* vlan: the server's */
	uint16_t cvlan;			  /* the client's */
	uint8_t l4;
	uint8_t dirty;
	uint8_t dead; /* merged into another edge: not written */
	uint8_t in_db; /* written by a committed flush (events.c) */
	uint8_t sec_mode, authenticated, encrypted;
	char sec_policy[96];
	uint64_t first_us, last_us;
	uint64_t d_pkts, d_bytes, d_conns;
	uint32_t src_id;
	uint64_t frame;
	struct g_op *ops;
	uint32_t n_ops, cap_ops;
	uint32_t next;
};

#define GRAPH_CHUNK 4096u

/*
 * Fan-in of noise per server: how many noise edges (connections without
 * payload) reached it from clients never seen before.  Past
 * GRAPH_NOISE_FANIN of them the server is being flooded (spoofed
 * sources, or a swarm): further new clients get no edge and no asset of
 * their own (counted in noise_folded, not as a cap hit), while the
 * server's asset still counts the packets.  A known client (a plant
 * host, a scanner already inventoried) is never folded, so one scanner
 * probing every port stays visible port by port.  The table is bounded; a server that finds
 * it full is not folded.
 */
/* 16 shows who a flood's first sources were without filling the
 * inventory with spoofed addresses.  (It was chosen when the inference's
 * flatness test, store/infer.c clear_flat_v4, still counted such
 * sources; since ec96364 hosts with no protocol recognised no longer
 * vote there.) */
#define GRAPH_NOISE_FANIN 16u
#define GRAPH_FANIN_SLOTS 65536u /* at most 3/4 used */
#define GRAPH_AMEMO_BITS 6 /* a memo of 64 assets, by addr_hash's top bits */

struct g_fanin {
	uint8_t ip[16];
	uint16_t vlan;
	uint8_t used;
	uint32_t n; /* noise edges from new clients to this server */
};

struct graph {
	struct graph_limits lim;
	struct g_asset **achunks; /* chunks of GRAPH_CHUNK, never moved */
	struct g_edge **echunks;
	uint32_t n_assets, n_edges, n_achunks, n_echunks;
	uint32_t *ahash, *ehash; /* bucket heads: index + 1 */
	/* a bit per bucket, set once it holds something: a lookup of a key
	 * that is not there (every source of a flood) is answered from
	 * these (32 KiB, 64 KiB at the default caps), which stay in cache,
	 * not from the bucket arrays (1 MiB, 2 MiB), which do not */
	uint64_t *abits, *ebits;
	/* a bit per address hash, set when an asset or an edge with that
	 * client address is made: a clear bit answers "a client never
	 * seen" (every source of a flood) without the edge and asset keys'
	 * hashes; as large as abits */
	uint64_t *cbits;
	/* the assets last found by address, by addr_hash: a flood's
	 * few targets are found again without the hash chain (assets are
	 * never removed, so an entry stays valid; its key is compared) */
	struct g_asset *amemo[1u << GRAPH_AMEMO_BITS];
	uint32_t amask, emask;
	char *pnames[GRAPH_MAX_PROTO_NAMES];
	uint32_t n_pnames;
	uint64_t assets_capped, edges_capped, ops_capped;
	uint64_t noise_folded; /* flood clients given no edge (fan-in) */
	struct g_fanin *fanin; /* GRAPH_FANIN_SLOTS, allocated on first use */
	uint32_t n_fanin;
};

static inline struct g_asset *
graph_asset_at(const struct graph *g, uint32_t i)
{
	return &g->achunks[i / GRAPH_CHUNK][i % GRAPH_CHUNK];
}

static inline struct g_edge *
graph_edge_at(const struct graph *g, uint32_t i)
{
	return &g->echunks[i / GRAPH_CHUNK][i % GRAPH_CHUNK];
}

/* Find an asset without creating it (NULL when absent). */
struct g_asset *graph_asset_find(const struct graph *, uint16_t vlan,
    const uint8_t ip[16]);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store.h: the public interface of store/ (libstore.a).
 *
 * Two halves:
 *  - the in-memory graph (graph_*): assets and communication edges with
 *    their operations, aggregated from observations by sensor/.  Every
 *    record carries deltas since the last flush, so a flush adds to what
 *    the database already holds and never writes per packet.
 *  - persistence (store_*): the SQLite schema, one transaction per flush
 *    with prepared statements, ingested sources, and the read side used by
 *    the output commands.
 * No pcap, libevent or nDPI here.
 */
#ifndef OTZ_STORE_H
#define OTZ_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "../dissectors/dissect.h"

/* ---- in-memory graph ---------------------------------------------------- */

/* Named caps: hitting one is counted (graph_stats), never fatal. */
#define GRAPH_MAX_ASSETS_DEFAULT 262144u
#define GRAPH_MAX_EDGES_DEFAULT 524288u
#define GRAPH_MAX_OPS_PER_EDGE 128u   /* distinct (protocol, code) */
#define GRAPH_MAX_MACS_PER_ASSET 4u
#define GRAPH_MAX_NAMES_PER_ASSET 24u /* protocols and roles */
#define GRAPH_MAX_PROTO_NAMES 512u    /* interned protocol names */

struct graph;
struct g_asset;
struct g_edge;

struct graph_limits {
	uint32_t max_assets;
	uint32_t max_edges;
};

struct graph_stats {
	uint32_t assets, edges;
	uint64_t assets_capped, edges_capped, ops_capped;
};

struct graph *graph_new(const struct graph_limits *); /* NULL: defaults */
void graph_free(struct graph *);		       /* NULL is safe */
void graph_stats(const struct graph *, struct graph_stats *);

/*
 * Find or create.  ip is 16 bytes (IPv4-mapped for IPv4).  Returns NULL
 * when the cap is reached (counted).  Pointers stay valid until
 * graph_free().
 */
struct g_asset *graph_asset(struct graph *, uint16_t vlan,
    const uint8_t ip[16]);
/*
 * The same for low-value traffic (a connection that never carried
 * payload: scans, SYN floods and the answers they draw).  Such records may fill only
 * GRAPH_NOISE_SHARE of a table, so a flood can never starve the real
 * plant of room; refusals are counted like cap hits.
 */
#define GRAPH_NOISE_SHARE 8 /* 1/8 of each table */
struct g_asset *graph_asset_noise(struct graph *, uint16_t vlan,
    const uint8_t ip[16]);
void graph_asset_traffic(struct g_asset *, uint64_t ts_us, uint64_t pkts,
    uint64_t bytes);
/* Both ends of a connection at once: graph_asset_traffic(a, first_us, 0,
 * 0) then graph_asset_traffic(a, last_us, pkts, bytes). */
void graph_asset_span(struct g_asset *, uint64_t first_us, uint64_t last_us,
    uint64_t pkts, uint64_t bytes);
void graph_asset_mac(struct graph *, struct g_asset *, const uint8_t mac[6]);
void graph_asset_name(struct graph *, struct g_asset *, int is_role,
    const char *name); /* a protocol ("modbus") or a role ("s7-server") */
void graph_asset_ident(struct g_asset *, const struct obs_ident *,
    uint64_t ts_us);
/* The same, remembering the packet (source, frame) that changed it. */
void graph_asset_ident_at(struct g_asset *, const struct obs_ident *,
    uint64_t ts_us, uint32_t src_id, uint64_t frame);

/* Intern a protocol name ("modbus", "http"); returns its id (> 0), or 0
 * when the table is full. */
uint16_t graph_proto_id(struct graph *, const char *name);
const char *graph_proto_name(const struct graph *, uint16_t id);

/* An edge is keyed by both ends' VLANs: a SPAN may tag one direction of
 * routed traffic and not the other. */
struct g_edge *graph_edge(struct graph *, uint16_t client_vlan,
    const uint8_t client[16], uint16_t server_vlan, const uint8_t server[16],
    uint8_t l4, uint16_t server_port, uint16_t proto_id);
struct g_edge *graph_edge_noise(struct graph *, uint16_t client_vlan,
    const uint8_t client[16], uint16_t server_vlan, const uint8_t server[16],
    uint8_t l4, uint16_t server_port, uint16_t proto_id);
/* Change an edge's VLANs (the server's first frame told its VLAN); if an
 * edge with the new key exists, e is merged into it.  Returns the edge to
 * use from now on. */
struct g_edge *graph_edge_rekey(struct graph *, struct g_edge *e,
    uint16_t client_vlan, uint16_t server_vlan);
/* Copy what is known of src (MACs, names, identity) into dst. */
void graph_asset_merge(struct graph *, struct g_asset *dst,
    const struct g_asset *src);
/* Traffic of one connection since it was last added; src_id/frame: the
 * source and frame number of its first packet. */
void graph_edge_traffic(struct g_edge *, uint64_t first_us, uint64_t last_us,
    uint64_t pkts, uint64_t bytes, uint32_t src_id, uint64_t frame);
void graph_edge_op(struct graph *, struct g_edge *, const struct obs_op *,
    uint64_t ts_us, uint32_t src_id, uint64_t frame);
void graph_edge_attr(struct g_edge *, const struct obs_attr *);
void graph_edge_conn(struct g_edge *); /* one more connection */

/* ---- persistence -------------------------------------------------------- */

/* 1: the graph; 2: meta (sensor identity, site role); 3: assets.ident_us
 * (the time of the newest identity observation stored). */
#define STORE_SCHEMA_VERSION 3
#define STORE_SENSOR_ID_LEN 32	 /* hex digits */
#define STORE_SENSOR_NAME_MAX 64 /* characters */

struct store;

struct store_source {
	const char *path;     /* file path or "iface:eth0" */
	const char *hash;     /* hex SHA-256 of the file, or NULL */
	uint64_t size;
	int linktype;
	uint64_t packets, bytes, first_us, last_us;
	uint64_t truncated, malformed, not_ip, dropped_caps, dropped_kernel;
};

/*
 * Open (creating and migrating) the database at path.  Returns NULL and
 * fills errbuf on failure (unreadable, not a database, locked, newer
 * schema).  readonly: open without creating or writing.
 */
struct store *store_open(const char *path, int readonly, char *errbuf,
    size_t errlen);
void store_close(struct store *); /* NULL is safe */
const char *store_path(const struct store *);
/* The SQLite handle, for store/ modules that keep their own tables
 * (zones, findings).  Borrowed. */
struct sqlite3;
struct sqlite3 *store_db(struct store *);

/*
 * Who wrote the database (schema v2, table meta): sensor_id, 128 random
 * bits in hex made with the database; sensor_name, the host name unless
 * set (`otzone read --sensor NAME`, the daemon's `name:`).  Both "" for a
 * v1 database opened read-only.  Valid until store_close().
 */
const char *store_sensor_id(struct store *);
const char *store_sensor_name(struct store *);
/* 1..64 printable characters without spaces; -1 with errbuf otherwise or
 * when opened read-only. */
int store_set_sensor_name(struct store *, const char *name, char *errbuf,
    size_t errlen);
/* A site database made by `otzone merge` (meta role = 'site'): captures
 * are never read into it (store_source_begin refuses). */
int store_is_site(struct store *);
/* Mark it so (store_merge_from does, in its transaction). */
int store_set_role_site(struct store *, char *errbuf, size_t errlen);
#define STORE_SITE_REFUSAL                                                  \
	"a merged site database (otzone merge): read captures into a "      \
	"sensor's own database and merge that"

/* A source with this content hash already ingested?  1 yes, 0 no. */
int store_source_seen(struct store *, const char *hash);
/* Register a source being ingested; returns its id (> 0) or 0 on error. */
uint32_t store_source_begin(struct store *, const struct store_source *,
    char *errbuf, size_t errlen);
int store_source_end(struct store *, uint32_t id, const struct store_source *,
    char *errbuf, size_t errlen);

/*
 * Write every changed asset, edge and operation of g in one transaction
 * and clear their deltas.  On failure (disk full, read-only, locked) the
 * deltas are kept so the flush can be retried; returns -1 and fills
 * errbuf.
 */
int store_flush(struct store *, struct graph *, char *errbuf, size_t errlen);

/* ---- read side ------------------------------------------------------------ */

struct st_op {
	char protocol[24];
	uint32_t code;
	char cls[12];
	char name[64];
	uint64_t count, errors;
	int64_t first_us, last_us;
	const char *source; /* capture file ("" unknown); owned by the store,
			     * valid until store_close() */
	uint64_t frame;
};

struct st_flow {
	int64_t id;
	uint16_t vlan;	      /* the server's VLAN, 0 none */
	uint16_t client_vlan; /* the client's (differs when one direction
			       * is tagged and the other is not) */
	char client[48], server[48];
	char transport[8];
	uint16_t server_port;
	char protocol[32];
	uint64_t packets, bytes, connections;
	int64_t first_us, last_us;
	const char *source; /* as st_op.source */
	uint64_t frame;
	int sec_mode;	   /* OBS_SEC_*, 0 unknown */
	int authenticated; /* DNP3 SA seen */
	int encrypted;
	char sec_policy[96];
	struct st_op *ops;
	size_t n_ops;
};

struct st_asset {
	int64_t id;
	uint16_t vlan;
	char ip[48];
	char mac[18];	 /* its own MAC, "" when unknown or shared */
	char macs[128];	 /* every MAC seen sending from it */
	char mac_vendor[96];
	int mac_shared; /* its only MACs are a router's, seen for many IPs */
	char kind[32];
	int purdue_level; /* -1: null */
	char kind_reason[256];
	char protocols[512]; /* comma-separated, sorted */
	char roles[512];     /* comma-separated, sorted */
	char vendor[64], product[64], model[64], firmware[32], hardware[32],
	    serial[64], name[64], url[128], ident_source[24];
	uint32_t vendor_id, device_type, product_code;
	int64_t first_us, last_us;
	uint64_t packets, bytes;
};

struct st_summary {
	uint64_t sources, packets, bytes, truncated, malformed, dropped;
	int64_t first_us, last_us;
};

/* Load all assets / flows (sorted by address, then by flow key).  The
 * arrays are malloc'd; free with store_free_*().  0 ok, -1 error. */
int store_load_assets(struct store *, struct st_asset **, size_t *,
    char *errbuf, size_t errlen);
int store_load_flows(struct store *, struct st_flow **, size_t *,
    char *errbuf, size_t errlen);
void store_free_flows(struct st_flow *, size_t);
int store_summary(struct store *, struct st_summary *);

/* A MAC seen sending for more than this many IPv4 addresses is a router's
 * (or a NAT's) and is not attributed to any of them. */
#define STORE_SHARED_MAC_IPS 2

/* Set the derived fields of each asset (kind, purdue_level, kind_reason)
 * from the flows: pure function, see infer.c. */
void store_infer_kinds(struct st_asset *, size_t, const struct st_flow *,
    size_t);

/* ---- merging sensors into a site database (merge.c, docs/merge.md) ------ */

struct store_merge_stats {
	char sensor_id[STORE_SENSOR_ID_LEN + 1];
	char sensor_name[STORE_SENSOR_NAME_MAX + 1];
	int replaced; /* this sensor was merged before: its rows replaced */
	/* rows taken from the input */
	uint64_t sources, assets, flows, operations;
	/* of those, the ones neither the site before nor an earlier input
	 * of this merge had */
	uint64_t assets_new, flows_new;
	/* its flows counted once with another sensor's (same packets seen
	 * at two points: overlapping time ranges) */
	uint64_t flows_dedup;
};

/*
 * Merge the sensor databases paths[0..n-1] (read-only; schema v1 or v2,
 * not a site database, not site itself) into site, in one transaction:
 * each sensor's rows are kept (tables m_*; a sensor merged again, known
 * by its meta sensor_id, replaces its earlier rows) and the ordinary
 * tables (sources, assets, flows, operations) are rebuilt from them, so
 * every read command works on site unchanged; derived tables (zones,
 * findings) are cleared.  site becomes a site database (meta role =
 * 'site').  stats: n entries, or NULL.  0, or -1 with errbuf and site
 * unchanged.
 */
int store_merge(struct store *site, const char *const *paths, size_t n,
    struct store_merge_stats *stats, char *errbuf, size_t errlen);
/* The same for one database. */
int store_merge_from(struct store *site, const char *src_path,
    struct store_merge_stats *stats, char *errbuf, size_t errlen);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine.h: from decoded packets to the graph.  The connection table
 * (VLAN + 5-tuple, idle timeouts, a cap with LRU eviction), client/server
 * direction, TCP reassembly per direction for flows an OT dissector
 * claimed, nDPI for the rest, and the sink that turns observations into
 * graph updates.  Internal to sensor/.
 */
#ifndef OTZ_ENGINE_H
#define OTZ_ENGINE_H

#include <stdint.h>

#include "../store/store.h"
#include "decode.h"

/* Named caps and timeouts; every one is overridable (struct engine_cfg). */
#define ENGINE_MAX_CONNS_DEFAULT 262144u
#define ENGINE_REASM_BYTES_DEFAULT 65536u /* per direction, per flow */
#define ENGINE_OOO_SEGS 32u		  /* out-of-order segments held */
#define ENGINE_TCP_TIMEOUT_S 300u	  /* idle, as Zeek's default */
#define ENGINE_UDP_TIMEOUT_S 60u
#define ENGINE_CLOSED_TIMEOUT_S 5u /* after RST or FIN both ways */
#define ENGINE_NDPI_MAX_PKTS 24u   /* then nDPI gives up on the flow */
#define ENGINE_PROBE_MAX_PKTS 8u   /* payloads probed by OT dissectors */
/* All per-flow dissector state and held stream bytes together: beyond it,
 * new flows are not dissected (nDPI labels them) and held bytes are
 * dropped with a resynchronisation; counted in stream_mem_capped. */
#define ENGINE_STREAM_MEM_DEFAULT (96u << 20)
/* A connection without payload this long after its first packet is
 * labelled (usually "unknown") at the next periodic push. */
#define ENGINE_SILENT_WAIT_US 10000000ull
/* Connections without payload may hold 1/ENGINE_NOISE_SHARE of the
 * table (a FIFO of the newest connections; see engine.c noise_make_room);
 * not applied to tables under ENGINE_NOISE_MIN * ENGINE_NOISE_SHARE. */
#define ENGINE_NOISE_SHARE 8u
#define ENGINE_NOISE_MIN 1024u
#define ENGINE_DEDUP_US 1000u	   /* same packet again within this: a copy */
#define ENGINE_DEDUP_SLOTS 8192u   /* recent packet signatures kept */

struct engine_cfg {
	uint32_t max_conns;
	uint32_t reasm_bytes;
	uint32_t tcp_timeout_s, udp_timeout_s;
	int no_dedup; /* count SPAN duplicates as packets (default: drop) */
	uint32_t stream_mem; /* bytes; ENGINE_STREAM_MEM_DEFAULT */
	struct graph_limits graph;
};

struct engine_stats {
	uint64_t packets, bytes;
	uint64_t not_ip, truncated, malformed, unsupported_link;
	uint64_t frags_held, frags_dropped;
	uint64_t conns, conns_evicted, conns_timed_out;
	uint64_t tcp_retrans, tcp_overlaps, tcp_ooo, tcp_gaps,
	    reasm_cap_hits;
	uint64_t dis_malformed, anomalies;
	uint64_t ops;
	uint64_t ndpi_flows;
	uint64_t duplicates; /* the same packet seen again within 1 ms */
	uint64_t stream_mem_capped; /* refusals by the stream memory budget */
	uint64_t twins; /* open connections made beside one of their 5-tuple
			 * (another VLAN): the last-connection shortcut is
			 * off while there are any */
};

struct engine;

/* New engine writing into graph g (borrowed).  errbuf on failure. */
struct engine *engine_new(const struct engine_cfg *, struct graph *g,
    char *errbuf, size_t errlen);
/* Push every open connection's counters into the graph, then free. */
void engine_free(struct engine *);

/* Which source (file or interface) the following packets come from. */
void engine_set_source(struct engine *, uint32_t src_id, int dlt);

/*
 * One captured frame.  frame is its 1-based number in the source (the
 * number Wireshark shows).  Never fails: bad frames are counted.
 */
void engine_frame(struct engine *, const uint8_t *data, uint32_t caplen,
    uint32_t wirelen, uint64_t ts_us, uint64_t frame);

/* Push the counters of open connections to the graph (before a flush). */
void engine_push(struct engine *);

void engine_stats(const struct engine *, struct engine_stats *);

#endif

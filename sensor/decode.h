/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * decode.h: link, network and transport decoding of one captured frame,
 * with bounded IPv4/IPv6 fragment reassembly.  Internal to sensor/.
 *
 * Link types: Ethernet (with 802.1Q / 802.1ad / QinQ tags, the outer VLAN
 * id kept), Linux cooked SLL and SLL2, raw IP (DLT_RAW, LINKTYPE_IPV4,
 * LINKTYPE_IPV6), BSD loopback (DLT_NULL, DLT_LOOP).  Network: IPv4 (with
 * options and fragments), IPv6 (hop-by-hop, routing, destination options,
 * fragment, AH extension headers skipped by their lengths).  Transport:
 * TCP, UDP; other IP protocols are reported with no ports.
 *
 * Nothing is read past caplen.  A frame whose headers are cut by the
 * snaplen is DEC_TRUNCATED; a TCP/UDP payload cut by the snaplen is
 * delivered with payload_len = bytes captured and truncated = 1.
 */
#ifndef OTZ_DECODE_H
#define OTZ_DECODE_H

#include <stddef.h>
#include <stdint.h>

enum dec_rc {
	DEC_OK = 0,	  /* pkt filled in */
	DEC_NOT_IP,	  /* ARP, LLDP, STP, PROFINET...: not counted as bad */
	DEC_TRUNCATED,	  /* headers cut by the snaplen */
	DEC_MALFORMED,	  /* a header field is impossible */
	DEC_FRAG_HELD,	  /* a fragment stored; the datagram is not complete */
	DEC_FRAG_DROPPED, /* a fragment dropped (cap reached, overlap...) */
	DEC_UNSUPPORTED_LINK
};

struct pkt {
	uint64_t ts_us;	   /* capture time, microseconds since the epoch */
	uint32_t caplen;   /* bytes captured of the frame */
	uint32_t wirelen;  /* bytes on the wire */
	uint16_t vlan;	   /* outer 802.1Q VLAN id, 0 none */
	uint16_t ethertype; /* innermost ethertype (after tags, SNAP), 0 none */
	uint8_t has_mac;   /* PKT_MAC_* bits: which MACs are valid */
	uint8_t src_mac[6], dst_mac[6];
	uint8_t ipver;	   /* 4 or 6 */
	uint8_t src_ip[16], dst_ip[16]; /* IPv4 as ::ffff:a.b.c.d */
	uint8_t l4;	   /* IP protocol number (6, 17, 1, 58, ...) */
	uint8_t ttl;	   /* TTL / hop limit */
	uint16_t src_port, dst_port; /* 0 when not TCP/UDP */
	uint8_t tcp_flags; /* TH_FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 */
	uint32_t seq, ack; /* TCP */
	uint16_t win;
	const uint8_t *l3;	/* IP header as captured (for nDPI); NULL
				 * for a reassembled datagram */
	uint32_t l3_len;	/* captured bytes from l3 on */
	const uint8_t *payload; /* TCP/UDP payload (borrowed, see below) */
	uint32_t payload_len;	/* bytes available at payload */
	uint32_t ip_len;	/* bytes of the IP datagram on the wire */
	uint8_t truncated;	/* payload cut by the snaplen */
	uint8_t reassembled;	/* built from IP fragments */
};

/*
 * pkt->has_mac bits.  Ethernet sets both; Linux SLL/SLL2 carry only the
 * sender's address (PKT_MAC_SRC, dst_mac zeroed); raw IP and loopback
 * set none.  A MAC array is meaningful only when its bit is set.
 */
#define PKT_MAC_SRC 0x01
#define PKT_MAC_DST 0x02

/* Fragment reassembly limits (named, overridable from the config). */
#define DEC_FRAG_MAX_DGRAMS 1024   /* datagrams being reassembled at once */
#define DEC_FRAG_MAX_BYTES 65535   /* one reassembled IP payload */
#define DEC_FRAG_TIMEOUT_US 30000000ull /* 30 s, as Linux's ipfrag_time */
#define DEC_FRAG_MEM_MAX (4u << 20) /* bytes of fragment data held at once */
#define DEC_FRAG_MAX_RUNS 64	   /* disjoint received ranges per datagram */
#define DEC_MAX_VLAN_TAGS 8	   /* stacked 802.1Q/802.1ad tags skipped */
#define DEC_MAX_EXT_HDRS 16	   /* IPv6 extension headers (and AH) */

struct decoder; /* opaque: owns the fragment table */

/*
 * Fragment counters.  frags_held, frags_dropped and frags_overlaps count
 * fragments; the others count datagrams: reassembled, timed out,
 * evicted because the table was full (frags_evicted) or because the byte
 * budget was exceeded (frags_mem_evicted).
 */
struct dec_stats {
	uint64_t frags_held, frags_reassembled, frags_dropped,
	    frags_timed_out, frags_evicted;
	uint64_t frags_overlaps, frags_mem_evicted;
};

/*
 * New decoder with room for max_dgrams datagrams in reassembly (0: the
 * default).  Returns NULL on out of memory.
 */
struct decoder *decoder_new(unsigned max_dgrams);

/*
 * The same with every reassembly limit given (0: the default):
 * datagrams in progress, bytes of fragment data held, timeout.
 */
struct decoder *decoder_new_limits(unsigned max_dgrams, size_t mem_max,
    uint64_t timeout_us);
void decoder_free(struct decoder *); /* NULL is safe */

/*
 * Decode one frame of link type dlt (a DLT_ value as pcap_datalink()
 * returns).  data is borrowed for the call.  On DEC_OK, pkt->payload
 * points either into data or, for a reassembled datagram, into a buffer
 * the decoder owns that stays valid until the next decoder_frame() call.
 * ts_us is also used to expire old fragments.
 *
 * Fields filled: always ts_us, caplen, wirelen, vlan, ethertype, has_mac
 * (and the MACs it flags), reassembled.  ipver is 0 until an IP header
 * was read; then addresses, l4, ttl and ip_len are set, also on
 * DEC_FRAG_HELD / DEC_FRAG_DROPPED.  On DEC_OK ports, TCP fields,
 * payload, payload_len and truncated are set too (0/NULL when unused).
 * A first fragment cut by the snaplen cannot be reassembled: it is
 * returned as DEC_OK with truncated = 1 and its ports (Wireshark does
 * the same for IPv4; for IPv6 it shows only the fragment).
 */
enum dec_rc decoder_frame(struct decoder *, int dlt, const uint8_t *data,
    uint32_t caplen, uint32_t wirelen, uint64_t ts_us, struct pkt *pkt);

void decoder_stats(const struct decoder *, struct dec_stats *);

/* 1 if the 16-byte address (IPv4-mapped or IPv6) is broadcast, multicast,
 * unspecified or the IPv4 limited/subnet-directed broadcast heuristic
 * (x.x.x.255 is NOT assumed broadcast: only 255.255.255.255). */
int decode_ip_is_group(const uint8_t ip[16]);

/* Format an address: dotted quad for IPv4-mapped, RFC 5952 for IPv6. */
void decode_ip_str(const uint8_t ip[16], char *buf, size_t len);

#endif

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
	uint8_t has_mac;   /* src_mac/dst_mac valid (Ethernet, SLL) */
	uint8_t src_mac[6], dst_mac[6];
	uint8_t ipver;	   /* 4 or 6 */
	uint8_t src_ip[16], dst_ip[16]; /* IPv4 as ::ffff:a.b.c.d */
	uint8_t l4;	   /* IP protocol number (6, 17, 1, 58, ...) */
	uint8_t ttl;	   /* TTL / hop limit */
	uint16_t src_port, dst_port; /* 0 when not TCP/UDP */
	uint8_t tcp_flags; /* TH_FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 */
	uint32_t seq, ack; /* TCP */
	uint16_t win;
	const uint8_t *payload; /* TCP/UDP payload (borrowed, see below) */
	uint32_t payload_len;	/* bytes available at payload */
	uint32_t ip_len;	/* bytes of the IP datagram on the wire */
	uint8_t truncated;	/* payload cut by the snaplen */
	uint8_t reassembled;	/* built from IP fragments */
};

/* Fragment reassembly limits (named, overridable from the config). */
#define DEC_FRAG_MAX_DGRAMS 1024   /* datagrams being reassembled at once */
#define DEC_FRAG_MAX_BYTES 65535   /* one reassembled IP payload */
#define DEC_FRAG_TIMEOUT_US 30000000ull /* 30 s, as Linux's ipfrag_time */

struct decoder; /* opaque: owns the fragment table */

struct dec_stats {
	uint64_t frags_held, frags_reassembled, frags_dropped,
	    frags_timed_out, frags_evicted;
};

/*
 * New decoder with room for max_dgrams datagrams in reassembly (0: the
 * default).  Returns NULL on out of memory.
 */
struct decoder *decoder_new(unsigned max_dgrams);
void decoder_free(struct decoder *); /* NULL is safe */

/*
 * Decode one frame of link type dlt (a DLT_ value as pcap_datalink()
 * returns).  data is borrowed for the call.  On DEC_OK, pkt->payload
 * points either into data or, for a reassembled datagram, into a buffer
 * the decoder owns that stays valid until the next decoder_frame() call.
 * ts_us is also used to expire old fragments.
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

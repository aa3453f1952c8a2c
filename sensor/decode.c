/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * decode.c: link, network and transport decoding of one captured frame,
 * with bounded IPv4/IPv6 fragment reassembly.  See decode.h.
 *
 * References: IEEE 802.3 (length/type field), IEEE 802.2 LLC and SNAP
 * (RFC 1042), IEEE 802.1Q (C-tag 0x8100, S-tag 0x88A8; 0x9100 is the
 * pre-standard QinQ tag), the libpcap LINKTYPE_ registry for the cooked
 * and loopback headers, RFC 791 (IPv4), RFC 815 (reassembly), RFC 8200
 * sections 4 and 4.5 (IPv6 extension headers, fragments), RFC 5722
 * (overlapping IPv6 fragments), RFC 6946 (atomic fragments), RFC 4302
 * (AH), RFC 768 (UDP), RFC 9293 (TCP), RFC 5952 (IPv6 text form).
 *
 * Trust: every byte is hostile.  Lengths are size_t; every header is
 * checked twice before it is read: against the length the enclosing
 * header declares (does not fit: DEC_MALFORMED) and against what was
 * captured (does not fit: DEC_TRUNCATED when the snaplen cut the frame,
 * DEC_MALFORMED when the frame was complete and a length lies).  The
 * invariant "captured <= declared" is kept for every layer, so the two
 * checks are done in that order.
 *
 *   Ethernet II / 802.3 (DLT_EN10MB)
 *   +--------+--------+------+ [+------+------+] x 0..8  +----------
 *   | dst 6  | src 6  | type | [| TCI  | type |]        | IP ...
 *   +--------+--------+------+ [+------+------+]         +----------
 *   type <= 1500 is an 802.3 length: LLC follows,
 *   +------+------+------+-----------+------+
 *   | DSAP | SSAP | ctrl | OUI (3)   | type |   SNAP when AA AA 03
 *   +------+------+------+-----------+------+
 *
 *   Linux SLL (113), 16 bytes          Linux SLL2 (276), 20 bytes
 *   +-------+-------+-------+          +-------+------+---------+
 *   | ptype | hatype| halen |          | proto | rsvd | ifindex |
 *   +-------+-------+-------+          +-------+-+----+--+------+
 *   | address (8)   | proto |          | hatype|pt|halen| address (8)
 *   +---------------+-------+          +-------+--+-----+----------
 *
 *   DLT_NULL / DLT_LOOP: a 4-byte address family (host order / network
 *   order), then IP.  DLT_RAW, LINKTYPE_IPV4/IPV6: IP at offset 0.
 *
 * Fragment reassembly.  A datagram is keyed by (IP version, src, dst,
 * id, protocol for IPv4, outer VLAN).  Each of at most max_dgrams slots
 * keeps a sorted list of disjoint received byte ranges (at most
 * DEC_FRAG_MAX_RUNS) and a data buffer allocated on its first fragment
 * and grown by doubling; the bytes of all buffers are capped by a global
 * budget (DEC_FRAG_MEM_MAX), the oldest datagrams evicted to make room.
 * Slots live in a table allocated once, on an age list (eviction when
 * full, timeout by packet time, both from its oldest end) and in a hash
 * table.  Policy:
 *   - a fragment that lies wholly inside data already received is a
 *     duplicate: ignored, the datagram kept (as Linux does);
 *   - a partial overlap: IPv6 discards the whole datagram (RFC 5722);
 *     IPv4 keeps the first-arrived bytes and fills only the holes with
 *     the new fragment (the BSD "first" policy).  Linux since 4.19
 *     discards overlapping IPv4 datagrams too; a passive sensor keeps
 *     them so that traffic some end host (Windows, many embedded stacks)
 *     would accept is still seen.  Counted in frags_overlaps;
 *   - a non-last fragment whose length is not a multiple of 8, or empty,
 *     is dropped (RFC 8200 4.5; RFC 791 senders always cut on 8 bytes);
 *   - a datagram that would exceed 65535 bytes (the ping of death), or
 *     whose last fragment disagrees with data or another last fragment,
 *     is discarded;
 *   - timeout DEC_FRAG_TIMEOUT_US after the first fragment, by packet
 *     time (captures are replayed faster than real time).
 * A first fragment cut by the snaplen cannot be reassembled: it is
 * returned on its own, truncated, as Wireshark dissects an IPv4 one (for
 * IPv6 too here: the ports are worth more than Wireshark's symmetry).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/dlt.h>

#include "decode.h"

#define ETH_HDR_LEN 14
#define SLL_HDR_LEN 16
#define SLL2_HDR_LEN 20
#define NULL_HDR_LEN 4
#define LLC_HDR_LEN 3
#define SNAP_HDR_LEN 8
#define VLAN_TAG_LEN 4
#define IP4_HDR_MIN 20
#define IP6_HDR_LEN 40
#define IP6_FRAG_LEN 8
#define TCP_HDR_MIN 20
#define UDP_HDR_LEN 8
#define IP_MAX_LEN 65535

#define ETHERTYPE_IP 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100
#define ETHERTYPE_MAX_LEN 1500 /* <= this: an 802.3 length */
#define ARPHRD_NETLINK 824

/* Link types as numbers: pcap_datalink() may return either spelling. */
#define LT_NULL 0
#define LT_EN10MB 1
#define LT_RAW_12 12 /* DLT_RAW except on OpenBSD (DLT_LOOP there) */
#define LT_RAW_14 14 /* DLT_RAW on OpenBSD and BSD/OS */
#define LT_RAW 101   /* LINKTYPE_RAW */
#define LT_LOOP 108
#define LT_SLL 113
#define LT_IPV4 228
#define LT_IPV6 229
#define LT_SLL2 276

#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_AH_ 51
#define IPPROTO_NONE_ 59
#define IPPROTO_DSTOPTS_ 60
#define IPPROTO_MH_ 135
#define IPPROTO_HIP_ 139
#define IPPROTO_SHIM6_ 140

#define FRAG_BUF_STEP 2048  /* slot buffers grow in these steps... */
#define FRAG_BUF_MAX 65536  /* ...up to one full datagram */
#define FRAG_MAX_SLOTS (1u << 20) /* sanity cap on max_dgrams */

struct frag_run {
	uint16_t lo, hi; /* [lo, hi), hi <= IP_MAX_LEN */
};

struct frag_dgram {
	uint8_t src[16], dst[16];
	uint32_t id;
	uint32_t hash;
	uint16_t vlan;
	uint8_t ipver;
	uint8_t proto;	   /* v4: key; v6: next header after the frag hdr */
	uint8_t have_first, have_last;
	uint16_t nruns;
	uint32_t total;	   /* fragmentable bytes, known once have_last */
	uint32_t hlen;	   /* header bytes in front, for ip_len */
	uint64_t created;  /* packet time of the first fragment seen */
	int32_t older, newer; /* age list; the free list uses newer */
	int32_t hnext;	   /* hash chain */
	uint8_t *buf;
	uint32_t cap;
	struct frag_run runs[DEC_FRAG_MAX_RUNS];
};

struct decoder {
	struct frag_dgram *dg;
	int32_t *bucket;
	uint32_t nslots, mask;
	int32_t oldest, newest, freelist;
	uint32_t active;
	uint32_t seed;
	size_t mem_used, mem_max;
	uint64_t timeout_us;
	uint64_t now;	   /* packet time of the current frame */
	struct dec_stats st;
	uint8_t out[IP_MAX_LEN]; /* the last reassembled datagram */
};

struct frag_key {
	const uint8_t *src, *dst;
	uint32_t id;
	uint16_t vlan;
	uint8_t ipver, proto;
};

static enum dec_rc ip_any(struct decoder *, struct pkt *, const uint8_t *,
    size_t, size_t, int);

static inline uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[1] << 8 | p[0];
}

/*
 * A header does not fit in what was captured: cut by the snaplen, or
 * the frame was whole and a length field lies.
 */
static inline enum dec_rc
short_rc(const struct pkt *pkt)
{
	return pkt->caplen < pkt->wirelen ? DEC_TRUNCATED : DEC_MALFORMED;
}

/* ::ffff:a.b.c.d, written as two 8-byte words: the engine reads the
 * address back word by word, and a word assembled from four smaller
 * stores cannot be forwarded from the store buffer (a stall per read). */
static inline void
map4(uint8_t dst[16], const uint8_t *a)
{
	uint8_t hi[8] = {0, 0, 0xff, 0xff, a[0], a[1], a[2], a[3]};
	uint64_t lo = 0, w;

	memcpy(&w, hi, 8);
	memcpy(dst, &lo, 8);
	memcpy(dst + 8, &w, 8);
}

/* ---------------------------------------------------------------- */
/* Fragment table                                                    */

static uint32_t
frag_hash(const struct decoder *d, const struct frag_key *k)
{
	uint32_t h = d->seed ^ k->id;
	int i;

	/* Multiply-xorshift over the words; not cryptographic, seeded. */
	for (i = 0; i < 16; i += 4) {
		h = (h ^ be32(k->src + i)) * 0x9e3779b1u;
		h ^= h >> 15;
		h = (h ^ be32(k->dst + i)) * 0x85ebca77u;
		h ^= h >> 13;
	}
	h = (h ^ ((uint32_t)k->vlan | (uint32_t)k->ipver << 16 |
	    (uint32_t)k->proto << 24)) * 0xc2b2ae3du;
	h ^= h >> 16;
	return h;
}

static int32_t
frag_find(const struct decoder *d, const struct frag_key *k, uint32_t h)
{
	int32_t i;
	const struct frag_dgram *g;

	for (i = d->bucket[h & d->mask]; i >= 0; i = g->hnext) {
		g = &d->dg[i];
		if (g->hash == h && g->id == k->id && g->vlan == k->vlan &&
		    g->ipver == k->ipver &&
		    (k->ipver == 6 || g->proto == k->proto) &&
		    memcmp(g->src, k->src, 16) == 0 &&
		    memcmp(g->dst, k->dst, 16) == 0)
			return i;
	}
	return -1;
}

/* Take slot i off the hash and age lists, free its buffer. */
static void
frag_release(struct decoder *d, int32_t i)
{
	struct frag_dgram *g = &d->dg[i];
	int32_t *pp;

	for (pp = &d->bucket[g->hash & d->mask]; *pp >= 0;
	    pp = &d->dg[*pp].hnext) {
		if (*pp == i) {
			*pp = g->hnext;
			break;
		}
	}
	if (g->older >= 0)
		d->dg[g->older].newer = g->newer;
	else
		d->oldest = g->newer;
	if (g->newer >= 0)
		d->dg[g->newer].older = g->older;
	else
		d->newest = g->older;
	free(g->buf);
	d->mem_used -= g->cap;
	g->buf = NULL;
	g->cap = 0;
	g->newer = d->freelist;
	d->freelist = i;
	d->active--;
}

static void
frag_expire(struct decoder *d, uint64_t now)
{
	struct frag_dgram *g;

	/* The age list is in creation order: stop at the first young one. */
	while (d->oldest >= 0) {
		g = &d->dg[d->oldest];
		if (now < g->created || now - g->created <= d->timeout_us)
			break;
		frag_release(d, d->oldest);
		d->st.frags_timed_out++;
	}
}

static int32_t
frag_create(struct decoder *d, const struct frag_key *k, uint32_t h)
{
	struct frag_dgram *g;
	int32_t i;

	if (d->freelist < 0) {
		/* Full: the oldest datagram makes room. */
		frag_release(d, d->oldest);
		d->st.frags_evicted++;
	}
	i = d->freelist;
	g = &d->dg[i];
	d->freelist = g->newer;
	memcpy(g->src, k->src, 16);
	memcpy(g->dst, k->dst, 16);
	g->id = k->id;
	g->hash = h;
	g->vlan = k->vlan;
	g->ipver = k->ipver;
	g->proto = k->proto;
	g->have_first = g->have_last = 0;
	g->nruns = 0;
	g->total = 0;
	g->hlen = 0;
	g->created = d->now;
	g->buf = NULL;
	g->cap = 0;
	g->hnext = d->bucket[h & d->mask];
	d->bucket[h & d->mask] = i;
	g->older = d->newest;
	g->newer = -1;
	if (d->newest >= 0)
		d->dg[d->newest].newer = i;
	else
		d->oldest = i;
	d->newest = i;
	d->active++;
	return i;
}

/*
 * Make slot i's buffer hold at least need bytes, within the byte budget:
 * older datagrams are evicted to make room.  0 on success, -1 when the
 * datagram itself must go.
 */
static int
frag_reserve(struct decoder *d, int32_t i, uint32_t need)
{
	struct frag_dgram *g = &d->dg[i];
	uint32_t ncap;
	int32_t v;
	uint8_t *nb;

	if (need <= g->cap)
		return 0;
	/* need <= IP_MAX_LEN, so the rounding stays <= FRAG_BUF_MAX. */
	ncap = (need + FRAG_BUF_STEP - 1) / FRAG_BUF_STEP * FRAG_BUF_STEP;
	if (ncap < g->cap * 2)
		ncap = g->cap * 2;
	if (ncap > FRAG_BUF_MAX)
		ncap = FRAG_BUF_MAX;
	if (ncap > d->mem_max)
		return -1; /* over budget alone: evict nobody for it */
	while (d->mem_used - g->cap + ncap > d->mem_max) {
		v = d->oldest;
		if (v == i)
			v = g->newer;
		if (v < 0)
			return -1; /* not reached: ncap <= mem_max */
		frag_release(d, v);
		d->st.frags_mem_evicted++;
	}
	if ((nb = realloc(g->buf, ncap)) == NULL)
		return -1;
	d->mem_used += ncap - g->cap;
	g->buf = nb;
	g->cap = ncap;
	return 0;
}

/* Discard datagram i (if any) and the fragment in hand. */
static enum dec_rc
frag_discard(struct decoder *d, int32_t i)
{
	if (i >= 0)
		frag_release(d, i);
	d->st.frags_dropped++;
	return DEC_FRAG_DROPPED;
}

/*
 * Add fragment bytes [off, off + len) of the datagram k.  data holds len
 * bytes (the caller checked they were captured).  last: no more
 * fragments follow this one.  For the first fragment (off 0), nxt is the
 * protocol that starts the fragmentable part and hlen the header bytes
 * in front of it.  Returns DEC_FRAG_HELD, DEC_FRAG_DROPPED, or DEC_OK
 * with the datagram's fragmentable part in d->out, its length in
 * *outlen, its protocol in *proto and its header length in *hlenp.
 */
static enum dec_rc
frag_add(struct decoder *d, const struct frag_key *k, uint32_t off,
    uint32_t len, int last, const uint8_t *data, uint8_t nxt, uint32_t hlen,
    uint32_t *outlen, uint8_t *proto, uint32_t *hlenp)
{
	struct frag_dgram *g;
	struct frag_run *r;
	uint32_t h, end, pos, lo, hi, n, a, b, c;
	int32_t i;
	int dup = 0, overlap = 0;

	h = frag_hash(d, k);
	i = frag_find(d, k, h);
	if (len > IP_MAX_LEN)
		return frag_discard(d, i);
	/* off < 8192 * 8 and len <= 65535: no wrap in 32 bits. */
	end = off + len;
	if ((k->ipver == 4 && end + hlen > IP_MAX_LEN) ||
	    (k->ipver == 6 && end > IP_MAX_LEN))
		return frag_discard(d, i); /* ping of death */
	if (!last && (len == 0 || (len & 7) != 0)) {
		d->st.frags_dropped++;
		return DEC_FRAG_DROPPED;
	}
	if (i < 0)
		i = frag_create(d, k, h);
	g = &d->dg[i];
	r = g->runs;
	n = g->nruns;

	if (last) {
		if (g->have_last && end != g->total)
			return frag_discard(d, i);
		if (n > 0 && r[n - 1].hi > end)
			return frag_discard(d, i);
		g->total = end;
		g->have_last = 1;
	} else if (g->have_last && end > g->total)
		return frag_discard(d, i);

	for (a = 0; a < n && len > 0; a++) {
		if (r[a].lo < end && r[a].hi > off) {
			if (r[a].lo <= off && end <= r[a].hi)
				dup = 1;
			else
				overlap = 1;
		}
	}
	if (overlap) {
		d->st.frags_overlaps++;
		if (k->ipver == 6)
			return frag_discard(d, i); /* RFC 5722 */
	}
	if (off == 0 && !g->have_first && !dup) {
		g->have_first = 1;
		g->hlen = hlen;
		if (k->ipver == 6)
			g->proto = nxt;
	}
	if (!dup && len > 0) {
		/* runs [a, b) touch or overlap [off, end): they merge. */
		for (a = 0; a < n && r[a].hi < off; a++)
			;
		for (b = a; b < n && r[b].lo <= end; b++)
			;
		if (a == b && n == DEC_FRAG_MAX_RUNS)
			return frag_discard(d, i); /* too many holes */
		if (frag_reserve(d, i, end) != 0)
			return frag_discard(d, i);
		/* Copy only the holes: the first-arrived bytes win. */
		pos = off;
		for (c = a; c < b && pos < end; c++) {
			if (r[c].lo > pos)
				memcpy(g->buf + pos, data + (pos - off),
				    r[c].lo - pos);
			if (r[c].hi > pos)
				pos = r[c].hi;
		}
		if (pos < end)
			memcpy(g->buf + pos, data + (pos - off), end - pos);
		if (a == b) {
			memmove(&r[a + 1], &r[a], (n - a) * sizeof(*r));
			r[a].lo = (uint16_t)off;
			r[a].hi = (uint16_t)end;
			g->nruns = (uint16_t)(n + 1);
		} else {
			lo = off < r[a].lo ? off : r[a].lo;
			hi = end > r[b - 1].hi ? end : r[b - 1].hi;
			r[a].lo = (uint16_t)lo;
			r[a].hi = (uint16_t)hi;
			memmove(&r[a + 1], &r[b], (n - b) * sizeof(*r));
			g->nruns = (uint16_t)(n - (b - a - 1));
		}
	}

	if (g->have_last && g->nruns == 1 && g->runs[0].lo == 0 &&
	    g->runs[0].hi == g->total) {
		*outlen = g->total;
		*proto = g->proto;
		*hlenp = g->hlen;
		memcpy(d->out, g->buf, g->total);
		frag_release(d, i);
		d->st.frags_reassembled++;
		return DEC_OK;
	}
	if (dup) {
		d->st.frags_dropped++;
		return DEC_FRAG_DROPPED;
	}
	d->st.frags_held++;
	return DEC_FRAG_HELD;
}

/* ---------------------------------------------------------------- */
/* Transport                                                         */

/*
 * p: the transport header; decl: bytes the IP layer declares for it;
 * cap: bytes captured (cap <= decl).
 */
static enum dec_rc
transport(struct pkt *pkt, uint8_t proto, const uint8_t *p, size_t decl,
    size_t cap)
{
	size_t thl, ulen;

	pkt->l4 = proto;
	switch (proto) {
	case IPPROTO_TCP_:
		if (decl < TCP_HDR_MIN)
			return DEC_MALFORMED;
		if (cap < TCP_HDR_MIN)
			return short_rc(pkt);
		thl = (size_t)(p[12] >> 4) * 4;
		if (thl < TCP_HDR_MIN || thl > decl)
			return DEC_MALFORMED;
		if (thl > cap)
			return short_rc(pkt); /* options cut */
		pkt->src_port = be16(p);
		pkt->dst_port = be16(p + 2);
		pkt->seq = be32(p + 4);
		pkt->ack = be32(p + 8);
		pkt->tcp_flags = p[13];
		pkt->win = be16(p + 14);
		pkt->payload = p + thl;
		pkt->payload_len = (uint32_t)(cap - thl);
		pkt->truncated = cap < decl;
		return DEC_OK;
	case IPPROTO_UDP_:
		if (decl < UDP_HDR_LEN)
			return DEC_MALFORMED;
		if (cap < UDP_HDR_LEN)
			return short_rc(pkt);
		ulen = be16(p + 4);
		/* 0 is an RFC 2675 jumbogram: not supported. */
		if (ulen < UDP_HDR_LEN || ulen > decl)
			return DEC_MALFORMED;
		pkt->src_port = be16(p);
		pkt->dst_port = be16(p + 2);
		pkt->payload = p + UDP_HDR_LEN;
		pkt->payload_len = (uint32_t)((cap < ulen ? cap : ulen) -
		    UDP_HDR_LEN);
		pkt->truncated = cap < ulen;
		return DEC_OK;
	default:
		pkt->payload = p;
		pkt->payload_len = (uint32_t)cap;
		pkt->truncated = cap < decl;
		return DEC_OK;
	}
}

/* ---------------------------------------------------------------- */
/* IP                                                                */

/*
 * Walk the IPv6 extension headers (and AH, for both versions) from nxt
 * at p, then the transport.  decl/cap as for transport().  hdr_before:
 * IP header bytes in front of p, for ip_len of a reassembled datagram.
 * reasm: p is a reassembled datagram (a second fragment header in it is
 * malformed).
 */
static enum dec_rc
ip_chain(struct decoder *d, struct pkt *pkt, uint8_t nxt, const uint8_t *p,
    size_t decl, size_t cap, size_t hdr_before, int reasm)
{
	struct frag_key k;
	size_t off = 0, hl, dlen, dcap;
	uint32_t foff, outlen, hlen;
	uint16_t fo;
	uint8_t proto;
	enum dec_rc rc;
	int n;

	for (n = 0;; n++) {
		if (n > DEC_MAX_EXT_HDRS)
			return DEC_MALFORMED;
		switch (nxt) {
		case IPPROTO_HOPOPTS_:
		case IPPROTO_ROUTING_:
		case IPPROTO_DSTOPTS_:
		case IPPROTO_MH_:
		case IPPROTO_HIP_:
		case IPPROTO_SHIM6_:
			if (pkt->ipver != 6)
				goto l4;
			if (decl - off < 2)
				return DEC_MALFORMED;
			if (cap - off < 2)
				return short_rc(pkt);
			hl = ((size_t)p[off + 1] + 1) * 8;
			break;
		case IPPROTO_AH_:
			if (decl - off < 2)
				return DEC_MALFORMED;
			if (cap - off < 2)
				return short_rc(pkt);
			hl = ((size_t)p[off + 1] + 2) * 4;
			break;
		case IPPROTO_NONE_:
			if (pkt->ipver != 6)
				goto l4;
			/* RFC 8200 4.7: anything after is ignored. */
			pkt->l4 = nxt;
			return DEC_OK;
		case IPPROTO_FRAGMENT_:
			if (pkt->ipver != 6)
				goto l4;
			if (decl - off < IP6_FRAG_LEN)
				return DEC_MALFORMED;
			if (cap - off < IP6_FRAG_LEN)
				return short_rc(pkt);
			fo = be16(p + off + 2);
			foff = fo & 0xfff8u;
			if (foff == 0 && (fo & 1) == 0) {
				/* RFC 6946 atomic fragment: on its own. */
				hl = IP6_FRAG_LEN;
				break;
			}
			if (reasm)
				return DEC_MALFORMED; /* nested */
			proto = p[off];
			pkt->l4 = proto;
			off += IP6_FRAG_LEN;
			dlen = decl - off;
			dcap = cap - off;
			if (dcap < dlen) {
				if (foff != 0) {
					d->st.frags_dropped++;
					return DEC_FRAG_DROPPED;
				}
				/*
				 * A first fragment cut by the snaplen: give
				 * what we have, the rest of the datagram
				 * unknown (at most IP_MAX_LEN).
				 */
				nxt = proto;
				decl = off + IP_MAX_LEN;
				continue;
			}
			if (dlen > IP_MAX_LEN) {
				d->st.frags_dropped++;
				return DEC_FRAG_DROPPED;
			}
			k.src = pkt->src_ip;
			k.dst = pkt->dst_ip;
			k.id = be32(p + off - 4);
			k.vlan = pkt->vlan;
			k.ipver = 6;
			k.proto = 0;
			rc = frag_add(d, &k, foff, (uint32_t)dlen, !(fo & 1),
			    p + off, proto, (uint32_t)(hdr_before + off -
			    IP6_FRAG_LEN), &outlen, &nxt, &hlen);
			if (rc != DEC_OK)
				return rc;
			pkt->reassembled = 1;
			pkt->l3 = NULL; /* no captured packet is the datagram */
			pkt->l3_len = 0;
			pkt->ip_len = hlen + outlen;
			p = d->out;
			decl = cap = outlen;
			off = 0;
			reasm = 1;
			continue;
		default:
			goto l4;
		}
		if (decl - off < hl)
			return DEC_MALFORMED;
		if (cap - off < hl)
			return short_rc(pkt);
		nxt = p[off];
		off += hl;
	}
l4:
	return transport(pkt, nxt, p + off, decl - off, cap - off);
}

/* cap: bytes captured from the IP header on; wire: on the wire. */
static enum dec_rc
ip4(struct decoder *d, struct pkt *pkt, const uint8_t *p, size_t cap,
    size_t wire)
{
	struct frag_key k;
	size_t hl, tot, avail;
	uint32_t foff, outlen, hlen;
	uint16_t fo;
	uint8_t proto;
	enum dec_rc rc;

	if (cap < IP4_HDR_MIN)
		return wire < IP4_HDR_MIN ? DEC_MALFORMED : short_rc(pkt);
	if ((p[0] >> 4) != 4)
		return DEC_MALFORMED;
	hl = (size_t)(p[0] & 0x0f) * 4;
	if (hl < IP4_HDR_MIN)
		return DEC_MALFORMED;
	tot = be16(p + 2);
	if (tot == 0)
		tot = wire; /* TSO / BIG TCP capture: length left to the NIC */
	if (tot < hl)
		return DEC_MALFORMED;
	if (cap < hl)
		return short_rc(pkt); /* options cut */

	pkt->ipver = 4;
	pkt->ttl = p[8];
	proto = p[9];
	pkt->l4 = proto;
	map4(pkt->src_ip, p + 12);
	map4(pkt->dst_ip, p + 16);
	pkt->ip_len = (uint32_t)tot;
	/* Bytes past tot are Ethernet padding or an FCS: ignored. */
	avail = (cap < tot ? cap : tot) - hl;

	fo = be16(p + 6);
	foff = (uint32_t)(fo & 0x1fff) * 8;
	if ((fo & 0x2000) == 0 && foff == 0)
		return ip_chain(d, pkt, proto, p + hl, tot - hl, avail, hl, 0);

	if (avail < tot - hl) {
		if (foff != 0) {
			d->st.frags_dropped++;
			return DEC_FRAG_DROPPED;
		}
		/* First fragment cut by the snaplen: see ip_chain(). */
		return ip_chain(d, pkt, proto, p + hl, IP_MAX_LEN - hl, avail,
		    hl, 1);
	}
	k.src = pkt->src_ip;
	k.dst = pkt->dst_ip;
	k.id = be16(p + 4);
	k.vlan = pkt->vlan;
	k.ipver = 4;
	k.proto = proto;
	rc = frag_add(d, &k, foff, (uint32_t)(tot - hl), !(fo & 0x2000),
	    p + hl, proto, (uint32_t)hl, &outlen, &proto, &hlen);
	if (rc != DEC_OK)
		return rc;
	pkt->reassembled = 1;
	pkt->l3 = NULL;
	pkt->l3_len = 0;
	pkt->ip_len = hlen + outlen;
	return ip_chain(d, pkt, proto, d->out, outlen, outlen, hlen, 1);
}

static enum dec_rc
ip6(struct decoder *d, struct pkt *pkt, const uint8_t *p, size_t cap,
    size_t wire)
{
	size_t plen, avail;

	if (cap < IP6_HDR_LEN)
		return wire < IP6_HDR_LEN ? DEC_MALFORMED : short_rc(pkt);
	if ((p[0] >> 4) != 6)
		return DEC_MALFORMED;
	plen = be16(p + 4);
	pkt->ipver = 6;
	pkt->l4 = p[6];
	pkt->ttl = p[7];
	memcpy(pkt->src_ip, p + 8, 16);
	memcpy(pkt->dst_ip, p + 24, 16);
	pkt->ip_len = (uint32_t)(IP6_HDR_LEN + plen);
	if (plen == 0 && p[6] == IPPROTO_HOPOPTS_)
		return DEC_MALFORMED; /* RFC 2675 jumbogram: not supported */
	avail = cap - IP6_HDR_LEN;
	if (avail > plen)
		avail = plen; /* padding */
	return ip_chain(d, pkt, p[6], p + IP6_HDR_LEN, plen, avail,
	    IP6_HDR_LEN, 0);
}

/* want: 4 or 6 when the link layer says so, 0 to read the version. */
static enum dec_rc
ip_any(struct decoder *d, struct pkt *pkt, const uint8_t *p, size_t cap,
    size_t wire, int want)
{
	int v;

	if (cap < 1)
		return wire < 1 ? DEC_MALFORMED : short_rc(pkt);
	v = p[0] >> 4;
	if (want != 0 && v != want)
		return DEC_MALFORMED;
	pkt->l3 = p; /* for nDPI, which wants the IP packet as captured */
	pkt->l3_len = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
	if (v == 4)
		return ip4(d, pkt, p, cap, wire);
	if (v == 6)
		return ip6(d, pkt, p, cap, wire);
	return DEC_MALFORMED;
}

/* ---------------------------------------------------------------- */
/* Link                                                              */

/*
 * The ethertype (or 802.3 length) type at p + off: VLAN tags, LLC/SNAP,
 * then IP.  Shared by Ethernet and the Linux cooked headers.
 */
static enum dec_rc
ether_type(struct decoder *d, struct pkt *pkt, uint16_t type,
    const uint8_t *p, size_t off, size_t cap, size_t wire)
{
	int tags = 0;
	uint32_t oui;

	while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ ||
	    type == ETHERTYPE_QINQ_OLD) {
		if (++tags > DEC_MAX_VLAN_TAGS)
			return DEC_MALFORMED;
		if (cap - off < VLAN_TAG_LEN)
			return short_rc(pkt);
		if (tags == 1)
			pkt->vlan = be16(p + off) & 0x0fff;
		type = be16(p + off + 2);
		off += VLAN_TAG_LEN;
	}
	if (type <= ETHERTYPE_MAX_LEN) {
		/* 802.3 length: an LLC header follows. */
		if (cap - off < LLC_HDR_LEN)
			return short_rc(pkt);
		if (p[off] == 0xaa && p[off + 1] == 0xaa &&
		    p[off + 2] == 0x03) {
			if (cap - off < SNAP_HDR_LEN)
				return short_rc(pkt);
			oui = (uint32_t)p[off + 3] << 16 |
			    (uint32_t)p[off + 4] << 8 | p[off + 5];
			type = be16(p + off + 6);
			off += SNAP_HDR_LEN;
			pkt->ethertype = type;
			/* RFC 1042 (OUI 0) and 802.1H (00-00-F8) */
			if (oui != 0 && oui != 0xf8)
				return DEC_NOT_IP;
		} else if (p[off] == 0x06 && p[off + 1] == 0x06 &&
		    p[off + 2] == 0x03) {
			/* IP directly on LLC SAP 6 (rare, Wireshark too) */
			off += LLC_HDR_LEN;
			pkt->ethertype = 0;
			return ip_any(d, pkt, p + off, cap - off, wire - off, 4);
		} else {
			pkt->ethertype = 0; /* STP, NetBIOS, ... */
			return DEC_NOT_IP;
		}
	}
	pkt->ethertype = type;
	if (type == ETHERTYPE_IP)
		return ip_any(d, pkt, p + off, cap - off, wire - off, 4);
	if (type == ETHERTYPE_IPV6)
		return ip_any(d, pkt, p + off, cap - off, wire - off, 6);
	return DEC_NOT_IP;
}

static enum dec_rc
link_ether(struct decoder *d, struct pkt *pkt, const uint8_t *p, size_t cap,
    size_t wire)
{
	if (cap < ETH_HDR_LEN)
		return short_rc(pkt);
	memcpy(pkt->dst_mac, p, 6);
	memcpy(pkt->src_mac, p + 6, 6);
	pkt->has_mac = PKT_MAC_SRC | PKT_MAC_DST;
	return ether_type(d, pkt, be16(p + 12), p, ETH_HDR_LEN, cap, wire);
}

static enum dec_rc
link_sll(struct decoder *d, struct pkt *pkt, const uint8_t *p, size_t cap,
    size_t wire, int v2)
{
	size_t hl = v2 ? SLL2_HDR_LEN : SLL_HDR_LEN;
	uint16_t hatype, proto, halen;
	const uint8_t *addr;

	if (cap < hl)
		return short_rc(pkt);
	if (v2) {
		proto = be16(p);
		hatype = be16(p + 8);
		halen = p[11];
		addr = p + 12;
	} else {
		hatype = be16(p + 2);
		halen = be16(p + 4);
		addr = p + 6;
		proto = be16(p + 14);
	}
	if (halen == 6) {
		memcpy(pkt->src_mac, addr, 6);
		memset(pkt->dst_mac, 0, 6);
		pkt->has_mac = PKT_MAC_SRC;
	}
	if (hatype == ARPHRD_NETLINK) {
		pkt->ethertype = 0;
		return DEC_NOT_IP;
	}
	/*
	 * proto is an ethertype, or a Linux ETH_P_ value below 1536 for
	 * frames with no ethertype: 0x0004 (ETH_P_802_2) has an LLC header,
	 * others (0x0001 Novell 802.3, ...) fall to the LLC test and out.
	 */
	return ether_type(d, pkt, proto, p, hl, cap, wire);
}

static enum dec_rc
link_null(struct decoder *d, struct pkt *pkt, const uint8_t *p, size_t cap,
    size_t wire, int loop)
{
	uint32_t af;

	if (cap < NULL_HDR_LEN)
		return short_rc(pkt);
	if (loop) {
		af = be32(p);
	} else {
		/* Host order of the capturing machine: try both. */
		af = le32(p);
		if (af & 0xffff0000u)
			af = be32(p);
	}
	switch (af) {
	case 2: /* AF_INET everywhere */
		return ip_any(d, pkt, p + NULL_HDR_LEN, cap - NULL_HDR_LEN,
		    wire - NULL_HDR_LEN, 4);
	case 10: /* Linux */
	case 24: /* NetBSD, OpenBSD, BSD/OS, Npcap */
	case 28: /* FreeBSD, DragonFly */
	case 30: /* Darwin */
		return ip_any(d, pkt, p + NULL_HDR_LEN, cap - NULL_HDR_LEN,
		    wire - NULL_HDR_LEN, 6);
	default:
		return DEC_NOT_IP;
	}
}

/*
 * The common frame in one straight line: Ethernet, untagged or with one
 * 802.1Q tag, IPv4 without options or fragmentation, TCP or UDP with its
 * header captured.  Fills the pkt exactly as link_ether(), ip4() and
 * transport() would; returns 0 when the frame is anything else (or odd
 * in any way), for the general path to decode and judge.  A quarter of
 * the instructions of the general path on small frames.
 */
static int
fast_ether_ip4(struct pkt *pkt, const uint8_t *p, size_t cap)
{
	size_t off = ETH_HDR_LEN, tot, avail, thl, ulen;
	const uint8_t *ip, *t;
	uint16_t type, vlan = 0;
	uint8_t proto;

	if (cap < ETH_HDR_LEN + VLAN_TAG_LEN + IP4_HDR_MIN)
		return 0;
	type = be16(p + 12);
	if (type == ETHERTYPE_VLAN) {
		vlan = be16(p + 14) & 0x0fff;
		type = be16(p + 16);
		off += VLAN_TAG_LEN;
	}
	ip = p + off;
	if (type != ETHERTYPE_IP || ip[0] != 0x45)
		return 0;
	tot = be16(ip + 2);
	if (tot < IP4_HDR_MIN || (be16(ip + 6) & 0x3fff) != 0)
		return 0; /* TSO length 0, or a fragment */
	proto = ip[9];
	avail = (cap - off < tot ? cap - off : tot) - IP4_HDR_MIN;
	t = ip + IP4_HDR_MIN;
	if (proto == IPPROTO_TCP_) {
		if (avail < TCP_HDR_MIN)
			return 0;
		thl = (size_t)(t[12] >> 4) * 4;
		if (thl < TCP_HDR_MIN || thl > tot - IP4_HDR_MIN || thl > avail)
			return 0;
		pkt->seq = be32(t + 4);
		pkt->ack = be32(t + 8);
		pkt->tcp_flags = t[13];
		pkt->win = be16(t + 14);
		pkt->payload = t + thl;
		pkt->payload_len = (uint32_t)(avail - thl);
		pkt->truncated = avail < tot - IP4_HDR_MIN;
	} else if (proto == IPPROTO_UDP_) {
		if (avail < UDP_HDR_LEN)
			return 0;
		ulen = be16(t + 4);
		if (ulen < UDP_HDR_LEN || ulen > tot - IP4_HDR_MIN)
			return 0;
		pkt->seq = pkt->ack = 0;
		pkt->tcp_flags = 0;
		pkt->win = 0;
		pkt->payload = t + UDP_HDR_LEN;
		pkt->payload_len = (uint32_t)((avail < ulen ? avail : ulen) -
		    UDP_HDR_LEN);
		pkt->truncated = avail < ulen;
	} else {
		return 0;
	}
	memcpy(pkt->dst_mac, p, 6);
	memcpy(pkt->src_mac, p + 6, 6);
	pkt->has_mac = PKT_MAC_SRC | PKT_MAC_DST;
	pkt->vlan = vlan;
	pkt->ethertype = ETHERTYPE_IP;
	pkt->l3 = ip;
	pkt->l3_len = (uint32_t)(cap - off);
	pkt->ipver = 4;
	pkt->ttl = ip[8];
	pkt->l4 = proto;
	map4(pkt->src_ip, ip + 12);
	map4(pkt->dst_ip, ip + 16);
	pkt->ip_len = (uint32_t)tot;
	pkt->src_port = be16(t);
	pkt->dst_port = be16(t + 2);
	pkt->reassembled = 0;
	return 1;
}

enum dec_rc
decoder_frame(struct decoder *d, int dlt, const uint8_t *data,
    uint32_t caplen, uint32_t wirelen, uint64_t ts_us, struct pkt *pkt)
{
	/* Only the fields every caller may read; no memset of the pkt.
	 * The fast path sets all of them itself. */
	pkt->ts_us = ts_us;
	if (wirelen < caplen)
		wirelen = caplen; /* a broken file: trust what we hold */
	pkt->caplen = caplen;
	pkt->wirelen = wirelen;
	d->now = ts_us;
	if (d->active > 0)
		frag_expire(d, ts_us);
	if (dlt == DLT_EN10MB && data != NULL &&
	    fast_ether_ip4(pkt, data, caplen))
		return DEC_OK;
	pkt->vlan = 0;
	pkt->ethertype = 0;
	pkt->has_mac = 0;
	pkt->ipver = 0;
	pkt->l4 = 0;
	pkt->ttl = 0;
	pkt->src_port = pkt->dst_port = 0;
	pkt->tcp_flags = 0;
	pkt->seq = pkt->ack = 0;
	pkt->win = 0;
	pkt->payload = NULL;
	pkt->payload_len = 0;
	pkt->l3 = NULL;
	pkt->l3_len = 0;
	pkt->ip_len = 0;
	pkt->truncated = 0;
	pkt->reassembled = 0;

	if (data == NULL)
		caplen = 0;
	if (dlt == DLT_EN10MB)
		return link_ether(d, pkt, data, caplen, wirelen);
#if defined(DLT_LOOP) && DLT_LOOP != LT_LOOP
	if (dlt == DLT_LOOP) /* OpenBSD: 12 */
		return link_null(d, pkt, data, caplen, wirelen, 1);
#endif
	switch (dlt) {
	case LT_NULL:
		return link_null(d, pkt, data, caplen, wirelen, 0);
	case LT_LOOP:
		return link_null(d, pkt, data, caplen, wirelen, 1);
	case LT_RAW_12:
	case LT_RAW_14:
	case LT_RAW:
		return ip_any(d, pkt, data, caplen, wirelen, 0);
	case LT_IPV4:
		return ip_any(d, pkt, data, caplen, wirelen, 4);
	case LT_IPV6:
		return ip_any(d, pkt, data, caplen, wirelen, 6);
	case LT_SLL:
		return link_sll(d, pkt, data, caplen, wirelen, 0);
	case LT_SLL2:
		return link_sll(d, pkt, data, caplen, wirelen, 1);
	default:
		return DEC_UNSUPPORTED_LINK;
	}
}

/* ---------------------------------------------------------------- */
/* Setup                                                             */

struct decoder *
decoder_new_limits(unsigned max_dgrams, size_t mem_max, uint64_t timeout_us)
{
	struct decoder *d;
	uint32_t i, nb;

	if (max_dgrams == 0)
		max_dgrams = DEC_FRAG_MAX_DGRAMS;
	if (max_dgrams > FRAG_MAX_SLOTS)
		max_dgrams = FRAG_MAX_SLOTS;
	if (mem_max == 0)
		mem_max = DEC_FRAG_MEM_MAX;
	if (timeout_us == 0)
		timeout_us = DEC_FRAG_TIMEOUT_US;
	for (nb = 1; nb < max_dgrams * 2; nb <<= 1)
		;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->dg = calloc(max_dgrams, sizeof(*d->dg));
	d->bucket = calloc(nb, sizeof(*d->bucket));
	if (d->dg == NULL || d->bucket == NULL) {
		decoder_free(d);
		return NULL;
	}
	d->nslots = max_dgrams;
	d->mask = nb - 1;
	for (i = 0; i < nb; i++)
		d->bucket[i] = -1;
	for (i = 0; i < max_dgrams; i++)
		d->dg[i].newer = i + 1 < max_dgrams ? (int32_t)(i + 1) : -1;
	d->freelist = 0;
	d->oldest = d->newest = -1;
	d->mem_max = mem_max;
	d->timeout_us = timeout_us;
	/* Seed the hash from ASLR: no syscall, differs between runs. */
	d->seed = (uint32_t)((uintptr_t)d >> 4) * 0x9e3779b1u;
	return d;
}

struct decoder *
decoder_new(unsigned max_dgrams)
{
	return decoder_new_limits(max_dgrams, 0, 0);
}

void
decoder_free(struct decoder *d)
{
	uint32_t i;

	if (d == NULL)
		return;
	if (d->dg != NULL) {
		for (i = 0; i < d->nslots; i++)
			free(d->dg[i].buf);
	}
	free(d->dg);
	free(d->bucket);
	free(d);
}

void
decoder_stats(const struct decoder *d, struct dec_stats *st)
{
	*st = d->st;
}

/* ---------------------------------------------------------------- */
/* Addresses                                                         */

static int
is_mapped(const uint8_t ip[16])
{
	static const uint8_t pfx[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff};

	return memcmp(ip, pfx, sizeof(pfx)) == 0;
}

int
decode_ip_is_group(const uint8_t ip[16])
{
	static const uint8_t zero[16];

	if (is_mapped(ip)) {
		if ((ip[12] & 0xf0) == 0xe0)
			return 1; /* 224.0.0.0/4 */
		if (ip[12] == 255 && ip[13] == 255 && ip[14] == 255 &&
		    ip[15] == 255)
			return 1;
		return ip[12] == 0 && ip[13] == 0 && ip[14] == 0 &&
		    ip[15] == 0;
	}
	if (ip[0] == 0xff)
		return 1; /* ff00::/8 */
	return memcmp(ip, zero, 16) == 0;
}

void
decode_ip_str(const uint8_t ip[16], char *buf, size_t len)
{
	char tmp[48], *q = tmp;
	unsigned w[8];
	int i, best = -1, bestlen = 0, run, n;

	if (len == 0)
		return;
	if (is_mapped(ip)) {
		n = snprintf(buf, len, "%u.%u.%u.%u", ip[12], ip[13], ip[14],
		    ip[15]);
		if (n < 0)
			buf[0] = '\0';
		return;
	}
	for (i = 0; i < 8; i++)
		w[i] = (unsigned)ip[2 * i] << 8 | ip[2 * i + 1];
	/* RFC 5952 4.2: the longest run of >= 2 zero words, the first on
	 * a tie, becomes "::". */
	for (i = 0; i < 8; i += run > 0 ? run : 1) {
		for (run = 0; i + run < 8 && w[i + run] == 0; run++)
			;
		if (run > bestlen) {
			best = i;
			bestlen = run;
		}
	}
	if (bestlen < 2)
		best = -1;
	for (i = 0; i < 8; i++) {
		if (i == best) {
			*q++ = ':';
			*q++ = ':';
			i += bestlen - 1;
			continue;
		}
		if (i > 0 && i != best + bestlen)
			*q++ = ':';
		q += snprintf(q, (size_t)(tmp + sizeof(tmp) - q), "%x", w[i]);
	}
	*q = '\0';
	n = snprintf(buf, len, "%s", tmp);
	if (n < 0)
		buf[0] = '\0';
}

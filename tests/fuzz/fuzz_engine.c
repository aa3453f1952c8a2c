/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_engine.c: the whole packet pipeline under libFuzzer (or the
 * replay main): decoding, the connection table with LRU eviction and
 * timeouts, TCP reassembly, dissector dispatch, nDPI and the graph.  No
 * SQLite.
 *
 * The input describes a sequence of Ethernet/IPv4/TCP or UDP frames
 * between 16 clients and one server on eight OT services.  Payloads are
 * slices of a per-direction byte pool, and a slice at pool offset OFF is
 * sent with sequence number ISN + 1 + OFF, so that the input chooses the
 * order, overlaps, gaps and retransmissions the reassembler sees while
 * the bytes at each stream position stay consistent (the dissectors get
 * the pool's streams, whole or damaged).
 *
 *   byte 0      config
 *                 bits 0-1  max_conns: 64, 4, 16, 2 (eviction)
 *                 bit 2     reasm_bytes 1024 (the minimum) not 64 KiB
 *                 bit 3     ISNs just below 2^32 (sequence wrap)
 *                 bit 4     server-to-client frames carry VLAN 7
 *                 bit 5     graph caps of 4 assets and 4 edges
 *   byte 1      R, the number of frame records
 *   R x 6       records:
 *     r0  bits 0-2  service (ports[]), bits 3-6 client (0-15),
 *         bit 7     direction: 1 server to client
 *     r1  bits 0-4  TCP flags (FIN SYN RST PSH ACK),
 *         bit 5     snaplen cut: half the payload (or the TCP header)
 *                   is captured,
 *         bit 6     the clock jumps 301 s (idle timeouts), else 2 ms
 *                   (past the engine's 1 ms SPAN-duplicate window),
 *         bit 7     sent as two IPv4 fragments
 *     r2 r3 offset into the direction's pool (big-endian)
 *     r4    length of the slice (clipped at the pool's end)
 *     r5    bits 0-6: ACK = peer ISN + 1 + 64 * value
 *           bit 7: fragmented, the second fragment is sent first;
 *                  else the clock stands still (a SPAN duplicate
 *                  when the frame repeats the previous one)
 *   rest        the pools: [L hi][L lo], L bytes client to server, then
 *               the server-to-client bytes
 *
 * Every frame is built in an exact-size heap buffer, so ASan sees a
 * one-byte over-read.  The seeds in corpus/fuzz_engine/ are TCP and UDP
 * conversations of pcaps/ re-expressed in this format (in order, split
 * into 255-byte slices, and a few with shuffled, duplicated and dropped
 * records).
 */
#include <stdint.h>
#ifdef FUZZ_ENGINE_VERBOSE
#include <stdio.h>
#endif
#include <stdlib.h>
#include <string.h>

#include <dlfcn.h>
#include <ndpi_api.h>

#include "../../sensor/engine.h"
#include "../../store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

/*
 * nDPI's detection module takes 10 ms to build (45 ms under ASan), which
 * per input would hold the fuzzer to a few runs a second.  This harness
 * interposes the calls that build, finalise and free it (the program's
 * definitions win over libndpi.so's for the engine's calls), so that all
 * the engines of one process share one module, built once.  Flows stay
 * per engine; only nDPI's own host caches carry over between inputs.
 */
static struct ndpi_detection_module_struct *ndpi_shared;
static int ndpi_finalized;

struct ndpi_detection_module_struct *
ndpi_init_detection_module(ndpi_init_prefs prefs)
{
	struct ndpi_detection_module_struct *(*real)(ndpi_init_prefs);

	if (ndpi_shared == NULL) {
		*(void **)&real = dlsym(RTLD_NEXT,
		    "ndpi_init_detection_module");
		if (real == NULL)
			abort();
		ndpi_shared = real(prefs);
	}
	return ndpi_shared;
}

void
ndpi_finalize_initialization(struct ndpi_detection_module_struct *m)
{
	void (*real)(struct ndpi_detection_module_struct *);

	if (m == ndpi_shared && ndpi_finalized)
		return;
	*(void **)&real = dlsym(RTLD_NEXT, "ndpi_finalize_initialization");
	if (real == NULL)
		abort();
	real(m);
	if (m == ndpi_shared)
		ndpi_finalized = 1;
}

void
ndpi_exit_detection_module(struct ndpi_detection_module_struct *m)
{
	void (*real)(struct ndpi_detection_module_struct *);

	if (m == ndpi_shared)
		return; /* kept for the next input */
	*(void **)&real = dlsym(RTLD_NEXT, "ndpi_exit_detection_module");
	if (real == NULL)
		abort();
	real(m);
}

#define REC_SIZE 6
#define ETH_LEN 14
#define VLAN_LEN 4
#define IP_LEN 20
#define TCP_LEN 20
#define UDP_LEN 8

#define TH_SYN 0x02

static const struct {
	uint8_t l4;
	uint16_t port;
} services[8] = {
	{6, 502},    /* Modbus/TCP */
	{6, 20000},  /* DNP3 */
	{6, 102},    /* S7comm (TPKT/COTP) */
	{6, 44818},  /* EtherNet/IP explicit */
	{6, 4840},   /* OPC UA binary */
	{17, 2222},  /* CIP class 1 I/O */
	{17, 20000}, /* DNP3 over UDP */
	{17, 44818}, /* EtherNet/IP over UDP (ListIdentity) */
};

static const uint16_t max_conns[4] = {64, 4, 16, 2};

struct gen {
	struct engine *e;
	uint64_t ts, frame;
	uint16_t ip_id;
	uint8_t cfg;
	const uint8_t *pool[2];
	size_t pool_len[2];
};

static void
put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
isn(const struct gen *g, unsigned client, unsigned svc, int dir)
{
	uint32_t base = (g->cfg & 8) ? 0xffffff00u : 0x10000000u;

	/* Near 2^32 every stream wraps within its first 256 bytes. */
	return base + (uint32_t)dir * 0x40u + client * 4u + svc;
}

/* Hand one frame to the engine from an exact-size heap copy. */
static void
emit(struct gen *g, const uint8_t *frame, uint32_t len, uint32_t caplen)
{
	uint8_t *buf = malloc(caplen ? caplen : 1);

	if (buf == NULL)
		abort();
	memcpy(buf, frame, caplen);
	engine_frame(g->e, buf, caplen, len, g->ts, ++g->frame);
	free(buf);
}

/*
 * Ethernet (+ 802.1Q), then an IPv4 header for the l4 bytes [off, off +
 * n) of a datagram of l4_total bytes: a whole datagram when off == 0 and
 * n == l4_total, else a fragment.  Returns the frame length.
 */
static uint32_t
link_ip(const struct gen *g, uint8_t *f, int dir, unsigned client,
    uint8_t l4, const uint8_t *l4b, uint32_t off, uint32_t n,
    uint32_t l4_total)
{
	static const uint8_t cmac[6] = {0x02, 0, 0, 0, 0, 0x10};
	static const uint8_t smac[6] = {0x00, 0x0e, 0x8c, 0, 0, 0x0a};
	uint8_t *ip;
	uint32_t h = ETH_LEN;
	uint8_t cip[4] = {10, 0, 0, (uint8_t)(20 + client)};
	uint8_t sip[4] = {10, 0, 0, 10};
	uint16_t frag = (uint16_t)(off / 8);

	memcpy(f, dir ? cmac : smac, 6);
	memcpy(f + 6, dir ? smac : cmac, 6);
	f[dir ? 5 : 11] = (uint8_t)(0x10 + client); /* a MAC per client */
	if (dir && (g->cfg & 16)) {
		put16(f + 12, 0x8100);
		put16(f + 14, 7);
		h += VLAN_LEN;
	}
	put16(f + h - 2, 0x0800);
	ip = f + h;
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, IP_LEN + n);
	put16(ip + 4, g->ip_id);
	if (off + n < l4_total)
		frag |= 0x2000; /* more fragments */
	put16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = l4;
	put16(ip + 10, 0);
	memcpy(ip + 12, dir ? sip : cip, 4);
	memcpy(ip + 16, dir ? cip : sip, 4);
	memcpy(ip + IP_LEN, l4b + off, n);
	return h + IP_LEN + n;
}

static void
one_record(struct gen *g, const uint8_t *r)
{
	/* Largest frame: Ethernet, VLAN, IP, TCP and a 255-byte slice. */
	uint8_t l4b[TCP_LEN + 255];
	uint8_t f[ETH_LEN + VLAN_LEN + IP_LEN + TCP_LEN + 255];
	unsigned svc = r[0] & 7, client = (r[0] >> 3) & 15;
	int dir = r[0] >> 7;
	uint8_t l4 = services[svc].l4, flags = r[1] & 0x1f;
	uint16_t cport = (uint16_t)(40000 + client), sport = services[svc].port;
	size_t off = (size_t)r[2] << 8 | r[3], n = r[4];
	uint32_t hlen, l4len, len, caplen, seq, ack, split;

	if (r[1] & 0x40)
		g->ts += 301000000ull;
	else if (!(r[5] & 0x80) || (r[1] & 0x80))
		g->ts += 2000ull;
	g->ip_id++;
	if (off > g->pool_len[dir])
		off = g->pool_len[dir];
	if (n > g->pool_len[dir] - off)
		n = g->pool_len[dir] - off;
	put16(l4b, dir ? sport : cport);
	put16(l4b + 2, dir ? cport : sport);
	if (l4 == 6) {
		seq = isn(g, client, svc, dir) + 1u + (uint32_t)off;
		if (flags & TH_SYN)
			seq--; /* the SYN occupies the byte before offset 0 */
		ack = isn(g, client, svc, !dir) + 1u + 64u * (r[5] & 0x7f);
		put32(l4b + 4, seq);
		put32(l4b + 8, ack);
		l4b[12] = 5 << 4;
		l4b[13] = flags;
		put16(l4b + 14, 8192);
		put16(l4b + 16, 0);
		put16(l4b + 18, 0);
		hlen = TCP_LEN;
	} else {
		put16(l4b + 4, (uint32_t)(UDP_LEN + n));
		put16(l4b + 6, 0);
		hlen = UDP_LEN;
	}
	memcpy(l4b + hlen, g->pool[dir] + off, n);
	l4len = hlen + (uint32_t)n;

	if ((r[1] & 0x80) && l4len > 8) {
		/* Two fragments split on an 8-byte boundary. */
		uint32_t a, b;

		split = (l4len / 2) & ~7u;
		if (split == 0)
			split = 8;
		a = link_ip(g, f, dir, client, l4, l4b, 0, split, l4len);
		if (r[5] & 0x80) {
			uint8_t f2[sizeof(f)];

			b = link_ip(g, f2, dir, client, l4, l4b, split,
			    l4len - split, l4len);
			emit(g, f2, b, b);
			emit(g, f, a, a);
		} else {
			emit(g, f, a, a);
			b = link_ip(g, f, dir, client, l4, l4b, split,
			    l4len - split, l4len);
			emit(g, f, b, b);
		}
		return;
	}
	len = link_ip(g, f, dir, client, l4, l4b, 0, l4len, l4len);
	caplen = len;
	if (r[1] & 0x20) {
		/* Snaplen: half the payload, or into the transport header. */
		if (n > 0)
			caplen = len - (uint32_t)(n + 1) / 2;
		else
			caplen = len - hlen / 2;
	}
	emit(g, f, len, caplen);
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct graph_limits gl = {4, 4};
	struct engine_cfg cfg;
	struct engine_stats es;
	struct graph_stats gs;
	struct graph *gr;
	struct gen g;
	char err[256];
	size_t nrec, i, pool_off, l;
	uint8_t *copy;

	if (n < 2)
		return 0;
	/* The whole input in an exact-size heap buffer, too. */
	if ((copy = malloc(n)) == NULL)
		abort();
	memcpy(copy, d, n);
	memset(&g, 0, sizeof(g));
	memset(&cfg, 0, sizeof(cfg));
	g.cfg = copy[0];
	nrec = copy[1];
	if (nrec > (n - 2) / REC_SIZE)
		nrec = (n - 2) / REC_SIZE;
	pool_off = 2 + nrec * REC_SIZE;
	if (n - pool_off >= 2) {
		l = (size_t)copy[pool_off] << 8 | copy[pool_off + 1];
		pool_off += 2;
		if (l > n - pool_off)
			l = n - pool_off;
		g.pool[0] = copy + pool_off;
		g.pool_len[0] = l;
		g.pool[1] = copy + pool_off + l;
		g.pool_len[1] = n - pool_off - l;
	} else {
		g.pool[0] = g.pool[1] = copy + n;
	}

	cfg.max_conns = max_conns[g.cfg & 3];
	cfg.reasm_bytes = (g.cfg & 4) ? 1024 : 0;
	if (g.cfg & 32)
		cfg.graph = gl;
	gr = graph_new((g.cfg & 32) ? &gl : NULL);
	if (gr == NULL)
		abort();
	g.e = engine_new(&cfg, gr, err, sizeof(err));
	if (g.e == NULL)
		abort();
	engine_set_source(g.e, 1, 1 /* DLT_EN10MB */);
	g.ts = 1767600000000000ull; /* 2026-01-05T08:00:00Z */

	for (i = 0; i < nrec; i++) {
		one_record(&g, copy + 2 + i * REC_SIZE);
		if ((i & 31) == 31)
			engine_push(g.e); /* as a periodic flush does */
	}

	/* Invariants: no frame counted twice; the caps held. */
	engine_stats(g.e, &es);
	if (es.packets > g.frame)
		abort();
#ifdef FUZZ_ENGINE_VERBOSE
	fprintf(stderr, "frames %llu conns %llu evicted %llu ops %llu "
	    "anomalies %llu malformed %llu gaps %llu ooo %llu retrans %llu\n",
	    (unsigned long long)g.frame, (unsigned long long)es.conns,
	    (unsigned long long)es.conns_evicted, (unsigned long long)es.ops,
	    (unsigned long long)es.anomalies,
	    (unsigned long long)es.dis_malformed,
	    (unsigned long long)es.tcp_gaps, (unsigned long long)es.tcp_ooo,
	    (unsigned long long)es.tcp_retrans);
#endif
	engine_free(g.e);
	graph_stats(gr, &gs);
	if ((g.cfg & 32) && (gs.assets > gl.max_assets ||
	    gs.edges > gl.max_edges))
		abort();
	graph_free(gr);
	free(copy);
	return 0;
}

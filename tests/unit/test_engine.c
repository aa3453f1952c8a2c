/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_engine.c: connections, direction, TCP reassembly and the flow
 * table, driven through the public path (engine_frame -> graph -> SQLite
 * in memory -> load), with Modbus/TCP as the stream under test: every
 * request counted once is proof that the stream was delivered whole and
 * in order.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../dissectors/dissect.h"
#include "../../sensor/engine.h"
#include "../../store/store.h"

#define CLI 0x0a000014u /* 10.0.0.20 */
#define SRV 0x0a00000au /* 10.0.0.10 */

struct rig {
	struct graph *g;
	struct engine *e;
	struct store *st;
	uint64_t frame, ts;
};

static void
rig_open(struct rig *r, const struct engine_cfg *cfg)
{
	char err[256];

	memset(r, 0, sizeof(*r));
	r->g = graph_new(NULL);
	ck_assert_ptr_nonnull(r->g);
	r->e = engine_new(cfg, r->g, err, sizeof(err));
	ck_assert_msg(r->e != NULL, "%s", err);
	r->st = store_open(":memory:", 0, err, sizeof(err));
	ck_assert_msg(r->st != NULL, "%s", err);
	engine_set_source(r->e, 1, 1 /* DLT_EN10MB */);
	r->ts = 1767600000000000ull; /* 2026-01-05T08:00:00Z */
}

/* Push everything and load the flows back. */
static void
rig_flows(struct rig *r, struct st_flow **fs, size_t *nf,
    struct engine_stats *es)
{
	char err[256];

	engine_stats(r->e, es);
	engine_free(r->e);
	r->e = NULL;
	ck_assert_int_eq(store_flush(r->st, r->g, err, sizeof(err)), 0);
	ck_assert_int_eq(store_load_flows(r->st, fs, nf, err, sizeof(err)),
	    0);
}

static void
rig_close(struct rig *r)
{
	engine_free(r->e);
	graph_free(r->g);
	store_close(r->st);
}

/* Ethernet (+ optional 802.1Q) / IPv4 / TCP frame. */
static size_t
mk_tcp(uint8_t *b, uint32_t sip, uint32_t dip, uint16_t sp, uint16_t dp,
    uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *pl,
    size_t plen, uint16_t vlan)
{
	static const uint8_t mac_c[6] = {0x00, 0x1b, 0x1b, 0, 0, 0x14};
	static const uint8_t mac_s[6] = {0x00, 0x80, 0xf4, 0, 0, 0x0a};
	size_t o = 0, iplen = 20 + 20 + plen;

	memcpy(b, sip == CLI ? mac_s : mac_c, 6); /* dst */
	memcpy(b + 6, sip == CLI ? mac_c : mac_s, 6);
	o = 12;
	if (vlan) {
		b[o++] = 0x81;
		b[o++] = 0x00;
		b[o++] = (uint8_t)(vlan >> 8);
		b[o++] = (uint8_t)vlan;
	}
	b[o++] = 0x08;
	b[o++] = 0x00;
	/* IPv4 */
	b[o++] = 0x45;
	b[o++] = 0;
	b[o++] = (uint8_t)(iplen >> 8);
	b[o++] = (uint8_t)iplen;
	memset(b + o, 0, 4); /* id, flags, fragment offset */
	o += 4;
	b[o++] = 64;
	b[o++] = 6;
	b[o++] = 0;
	b[o++] = 0;
	for (int i = 3; i >= 0; i--)
		b[o++] = (uint8_t)(sip >> (8 * i));
	for (int i = 3; i >= 0; i--)
		b[o++] = (uint8_t)(dip >> (8 * i));
	/* TCP */
	b[o++] = (uint8_t)(sp >> 8);
	b[o++] = (uint8_t)sp;
	b[o++] = (uint8_t)(dp >> 8);
	b[o++] = (uint8_t)dp;
	for (int i = 3; i >= 0; i--)
		b[o++] = (uint8_t)(seq >> (8 * i));
	for (int i = 3; i >= 0; i--)
		b[o++] = (uint8_t)(ack >> (8 * i));
	b[o++] = 0x50;
	b[o++] = flags;
	b[o++] = 0xff;
	b[o++] = 0xff;
	memset(b + o, 0, 4);
	o += 4;
	if (plen)
		memcpy(b + o, pl, plen);
	return o + plen;
}

static void
feed(struct rig *r, uint32_t sip, uint32_t dip, uint16_t sp, uint16_t dp,
    uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *pl,
    size_t plen, uint16_t vlan)
{
	uint8_t b[2048];
	size_t n = mk_tcp(b, sip, dip, sp, dp, seq, ack, flags, pl, plen, vlan);

	r->ts += 1000;
	engine_frame(r->e, b, (uint32_t)n, (uint32_t)n, r->ts, ++r->frame);
}

/* Modbus Read Holding Registers request, transaction id tid:
 * MBAP tid(2) proto(2)=0 len(2)=6 unit(1)=1 | PDU fc=3 addr=0 qty=10 */
static size_t
mb_req(uint8_t *b, uint16_t tid)
{
	const uint8_t t[12] = {(uint8_t)(tid >> 8), (uint8_t)tid, 0, 0, 0, 6,
	    1, 3, 0, 0, 0, 10};

	memcpy(b, t, sizeof(t));
	return sizeof(t);
}

/* Its response: MBAP len = 3 + 20; fc 3, byte count 20, 20 bytes. */
static size_t
mb_rsp(uint8_t *b, uint16_t tid)
{
	const uint8_t h[9] = {(uint8_t)(tid >> 8), (uint8_t)tid, 0, 0, 0, 23,
	    1, 3, 20};

	memcpy(b, h, sizeof(h));
	memset(b + 9, 0x11, 20);
	return 29;
}

static const struct st_op *
find_op(const struct st_flow *f, const char *proto, uint32_t code)
{
	size_t i;

	for (i = 0; i < f->n_ops; i++)
		if (strcmp(f->ops[i].protocol, proto) == 0 &&
		    f->ops[i].code == code)
			return &f->ops[i];
	return NULL;
}

/* Handshake from the client; returns after SYN, SYN/ACK, ACK. */
static void
handshake(struct rig *r, uint16_t cport, uint32_t *cseq, uint32_t *sseq,
    uint16_t vlan)
{
	*cseq = 1000;
	*sseq = 5000;
	feed(r, CLI, SRV, cport, 502, *cseq, 0, 0x02, NULL, 0, vlan);
	feed(r, SRV, CLI, 502, cport, *sseq, *cseq + 1, 0x12, NULL, 0, vlan);
	(*cseq)++;
	(*sseq)++;
	feed(r, CLI, SRV, cport, 502, *cseq, *sseq, 0x10, NULL, 0, vlan);
}

static void
check_one_flow(struct st_flow *fs, size_t nf, uint64_t reads)
{
	const struct st_op *op;

	ck_assert_uint_eq(nf, 1);
	ck_assert_str_eq(fs[0].client, "10.0.0.20");
	ck_assert_str_eq(fs[0].server, "10.0.0.10");
	ck_assert_uint_eq(fs[0].server_port, 502);
	ck_assert_str_eq(fs[0].protocol, "modbus");
	op = find_op(&fs[0], "modbus", 3);
	ck_assert_ptr_nonnull(op);
	ck_assert_str_eq(op->cls, "read");
	ck_assert_uint_eq(op->count, reads);
}

START_TEST(in_order)
{
	struct rig r;
	struct st_flow *fs;
	size_t nf, n;
	struct engine_stats es;
	uint8_t pl[64];
	uint32_t cs, ss;
	int i;

	rig_open(&r, NULL);
	handshake(&r, 40000, &cs, &ss, 0);
	for (i = 0; i < 3; i++) {
		n = mb_req(pl, (uint16_t)i);
		feed(&r, CLI, SRV, 40000, 502, cs, ss, 0x18, pl, n, 0);
		cs += (uint32_t)n;
		n = mb_rsp(pl, (uint16_t)i);
		feed(&r, SRV, CLI, 502, 40000, ss, cs, 0x18, pl, n, 0);
		ss += (uint32_t)n;
	}
	rig_flows(&r, &fs, &nf, &es);
	check_one_flow(fs, nf, 3);
	ck_assert_uint_eq(fs[0].packets, 9);
	ck_assert_uint_eq(fs[0].connections, 1);
	ck_assert_uint_eq(fs[0].frame, 1);
	ck_assert_uint_eq(es.tcp_retrans, 0);
	ck_assert_uint_eq(es.tcp_gaps, 0);
	store_free_flows(fs, nf);
	rig_close(&r);
}
END_TEST

START_TEST(split_and_coalesced)
{
	struct rig r;
	struct st_flow *fs;
	size_t nf, n;
	struct engine_stats es;
	uint8_t pl[128];
	uint32_t cs, ss;

	rig_open(&r, NULL);
	handshake(&r, 40001, &cs, &ss, 0);
	/* one request split 5 + 7 bytes */
	n = mb_req(pl, 1);
	feed(&r, CLI, SRV, 40001, 502, cs, ss, 0x10, pl, 5, 0);
	feed(&r, CLI, SRV, 40001, 502, cs + 5, ss, 0x18, pl + 5, n - 5, 0);
	cs += (uint32_t)n;
	/* two requests in one segment */
	n = mb_req(pl, 2);
	n += mb_req(pl + n, 3);
	feed(&r, CLI, SRV, 40001, 502, cs, ss, 0x18, pl, n, 0);
	cs += (uint32_t)n;
	rig_flows(&r, &fs, &nf, &es);
	check_one_flow(fs, nf, 3);
	store_free_flows(fs, nf);
	rig_close(&r);
}
END_TEST

START_TEST(retransmission_counted_once)
{
	struct rig r;
	struct st_flow *fs;
	size_t nf, n;
	struct engine_stats es;
	uint8_t pl[64];
	uint32_t cs, ss;

	rig_open(&r, NULL);
	handshake(&r, 40002, &cs, &ss, 0);
	n = mb_req(pl, 7);
	feed(&r, CLI, SRV, 40002, 502, cs, ss, 0x18, pl, n, 0);
	r.ts += 200000; /* the retransmission timeout later */
	feed(&r, CLI, SRV, 40002, 502, cs, ss, 0x18, pl, n, 0); /* again */
	cs += (uint32_t)n;
	rig_flows(&r, &fs, &nf, &es);
	check_one_flow(fs, nf, 1);
	ck_assert_uint_eq(es.tcp_retrans, 1);
	ck_assert_uint_eq(fs[0].packets, 5);
	store_free_flows(fs, nf);
	rig_close(&r);
}
END_TEST

START_TEST(out_of_order)
{
	struct rig r;
	struct st_flow *fs;
	size_t nf, n1, n2;
	struct engine_stats es;
	uint8_t a[64], b[64];
	uint32_t cs, ss;

	rig_open(&r, NULL);
	handshake(&r, 40003, &cs, &ss, 0);
	n1 = mb_req(a, 1);
	n2 = mb_req(b, 2);
	/* the second segment arrives first */
	feed(&r, CLI, SRV, 40003, 502, cs + (uint32_t)n1, ss, 0x18, b, n2, 0);
	feed(&r, CLI, SRV, 40003, 502, cs, ss, 0x18, a, n1, 0);
	rig_flows(&r, &fs, &nf, &es);
	check_one_flow(fs, nf, 2);
	ck_assert_uint_eq(es.tcp_ooo, 1);
	ck_assert_uint_eq(es.tcp_gaps, 0);
	store_free_flows(fs, nf);
	rig_close(&r);
}
END_TEST

START_TEST(overlap_trimmed)
{
	struct rig r;
	struct st_flow *fs;
	size_t nf, n;
	struct engine_stats es;
	uint8_t pl[64];
	uint32_t cs, ss;

	rig_open(&r, NULL);
	handshake(&r, 40004, &cs, &ss, 0);
	n = mb_req(pl, 1);
	n += mb_req(pl + n, 2);
	/* first 8 bytes, then a segment re-sending bytes 4.. to the end */
	feed(&r, CLI, SRV, 40004, 502, cs, ss, 0x18, pl, 8, 0);
	feed(&r, CLI, SRV, 40004, 502, cs + 4, ss, 0x18, pl + 4, n - 4, 0);
	rig_flows(&r, &fs, &nf, &es);
	check_one_flow(fs, nf, 2);
	ck_assert_uint_eq(es.tcp_overlaps, 1);
	store_free_flows(fs, nf);
	rig_close(&r);
}
END_TEST

START_TEST(gap_resynchronises)
{
	struct rig r;
	struct st_flow *fs;
	size_t nf, n;
	struct engine_stats es;
	uint8_t pl[64];
	uint32_t cs, ss, lost;

	rig_open(&r, NULL);
	handshake(&r, 40005, &cs, &ss, 0);
	n = mb_req(pl, 1);
	feed(&r, CLI, SRV, 40005, 502, cs, ss, 0x18, pl, n, 0);
	cs += (uint32_t)n;
	lost = cs; /* this request is never captured */
	cs += (uint32_t)n;
	n = mb_req(pl, 3);
	feed(&r, CLI, SRV, 40005, 502, cs, ss, 0x18, pl, n, 0);
	cs += (uint32_t)n;
	/* the server acknowledges everything: the hole will not fill */
	feed(&r, SRV, CLI, 502, 40005, ss, cs, 0x10, NULL, 0, 0);
	n = mb_req(pl, 4);
	feed(&r, CLI, SRV, 40005, 502, cs, ss, 0x18, pl, n, 0);
	(void)lost;
	rig_flows(&r, &fs, &nf, &es);
	check_one_flow(fs, nf, 3);
	ck_assert_uint_eq(es.tcp_gaps, 1);
	store_free_flows(fs, nf);
	rig_close(&r);
}
END_TEST

START_TEST(gap_without_acks_resyncs_by_cap)
{
	/* One direction only (a SPAN that misses the other): no ACKs tell
	 * the hole is lost; holding ENGINE_OOO_SEGS segments does. */
	struct rig r;
	struct st_flow *fs;
	size_t nf, n;
	struct engine_stats es;
	uint8_t pl[64];
	uint32_t cs = 77;
	unsigned i;

	rig_open(&r, NULL);
	n = mb_req(pl, 1);
	feed(&r, CLI, SRV, 40006, 502, cs, 0, 0x18, pl, n, 0);
	cs += 2 * (uint32_t)n; /* one lost */
	for (i = 0; i < ENGINE_OOO_SEGS + 5; i++) {
		feed(&r, CLI, SRV, 40006, 502, cs, 0, 0x18, pl, n, 0);
		cs += (uint32_t)n;
	}
	rig_flows(&r, &fs, &nf, &es);
	check_one_flow(fs, nf, 1 + ENGINE_OOO_SEGS + 5);
	ck_assert_uint_eq(es.tcp_gaps, 1);
	store_free_flows(fs, nf);
	rig_close(&r);
}
END_TEST

START_TEST(mid_connection_direction_from_port)
{
	/* No handshake: the first packet seen is the server's response;
	 * port 502 still makes 10.0.0.10 the server. */
	struct rig r;
	struct st_flow *fs;
	size_t nf, n;
	struct engine_stats es;
	uint8_t pl[64];

	rig_open(&r, NULL);
	n = mb_rsp(pl, 9);
	feed(&r, SRV, CLI, 502, 40007, 100, 200, 0x18, pl, n, 0);
	n = mb_req(pl, 10);
	feed(&r, CLI, SRV, 40007, 502, 200, 100 + 29, 0x18, pl, n, 0);
	rig_flows(&r, &fs, &nf, &es);
	check_one_flow(fs, nf, 1);
	store_free_flows(fs, nf);
	rig_close(&r);
}
END_TEST

START_TEST(not_modbus_on_502)
{
	/* An HTTP request on port 502 is not Modbus. */
	struct rig r;
	struct st_flow *fs;
	size_t nf;
	struct engine_stats es;
	static const char http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	uint32_t cs, ss;

	rig_open(&r, NULL);
	handshake(&r, 40008, &cs, &ss, 0);
	feed(&r, CLI, SRV, 40008, 502, cs, ss, 0x18, (const uint8_t *)http,
	    sizeof(http) - 1, 0);
	rig_flows(&r, &fs, &nf, &es);
	ck_assert_uint_eq(nf, 1);
	ck_assert_str_ne(fs[0].protocol, "modbus");
	ck_assert_uint_eq(fs[0].n_ops, 0);
	store_free_flows(fs, nf);
	rig_close(&r);
}
END_TEST

START_TEST(vlan_kept)
{
	struct rig r;
	struct st_flow *fs;
	struct st_asset *as;
	size_t nf, na, n;
	struct engine_stats es;
	uint8_t pl[64];
	uint32_t cs, ss;
	char err[128];

	rig_open(&r, NULL);
	handshake(&r, 40009, &cs, &ss, 10);
	n = mb_req(pl, 1);
	feed(&r, CLI, SRV, 40009, 502, cs, ss, 0x18, pl, n, 10);
	rig_flows(&r, &fs, &nf, &es);
	ck_assert_uint_eq(nf, 1);
	ck_assert_uint_eq(fs[0].vlan, 10);
	ck_assert_int_eq(store_load_assets(r.st, &as, &na, err, sizeof(err)),
	    0);
	ck_assert_uint_eq(na, 2);
	ck_assert_uint_eq(as[0].vlan, 10);
	ck_assert_uint_eq(as[1].vlan, 10);
	ck_assert_str_eq(as[0].ip, "10.0.0.10");
	ck_assert_str_eq(as[0].macs, "00:80:f4:00:00:0a");
	ck_assert_uint_eq(as[0].packets, 4);
	free(as);
	store_free_flows(fs, nf);
	rig_close(&r);
}
END_TEST

START_TEST(asymmetric_vlan_tagging)
{
	/* Requests untagged, responses tagged VLAN 10 (a SPAN of routed
	 * traffic): one connection, one flow, the server in VLAN 10, the
	 * client in none, and no phantom asset under a guessed VLAN. */
	struct rig r;
	struct st_flow *fs;
	struct st_asset *as;
	size_t nf, na, n;
	struct engine_stats es;
	uint8_t pl[64];
	uint32_t cs = 1000, ss = 5000;
	char err[128];

	rig_open(&r, NULL);
	feed(&r, CLI, SRV, 40010, 502, cs, 0, 0x02, NULL, 0, 0);
	feed(&r, SRV, CLI, 502, 40010, ss, cs + 1, 0x12, NULL, 0, 10);
	cs++;
	ss++;
	n = mb_req(pl, 1);
	feed(&r, CLI, SRV, 40010, 502, cs, ss, 0x18, pl, n, 0);
	cs += (uint32_t)n;
	n = mb_rsp(pl, 1);
	feed(&r, SRV, CLI, 502, 40010, ss, cs, 0x18, pl, n, 10);
	rig_flows(&r, &fs, &nf, &es);
	ck_assert_uint_eq(es.conns, 1);
	check_one_flow(fs, nf, 1);
	ck_assert_uint_eq(fs[0].vlan, 10);
	ck_assert_uint_eq(fs[0].client_vlan, 0);
	ck_assert_int_eq(store_load_assets(r.st, &as, &na, err, sizeof(err)),
	    0);
	ck_assert_uint_eq(na, 2);
	ck_assert_str_eq(as[0].ip, "10.0.0.10");
	ck_assert_uint_eq(as[0].vlan, 10);
	ck_assert_str_eq(as[0].roles, "modbus-server");
	ck_assert_str_eq(as[1].ip, "10.0.0.20");
	ck_assert_uint_eq(as[1].vlan, 0);
	free(as);
	store_free_flows(fs, nf);
	rig_close(&r);
}
END_TEST

START_TEST(vlan_twins_newest_wins)
{
	/* Connection X sees its client on VLAN 10 and its server on VLAN
	 * 20; a client frame on VLAN 20 then makes a second connection Y of
	 * the same 5-tuple.  A server frame on VLAN 20 matches both strictly
	 * and belongs to the newer, Y, even right after a frame of X (the
	 * engine's last-connection shortcut must not answer X). */
	struct rig r;
	struct st_flow *fs;
	size_t nf, i;
	struct engine_stats es;
	uint64_t px = 0, py = 0;

	rig_open(&r, NULL);
	feed(&r, CLI, SRV, 40020, 502, 1000, 0, 0x02, NULL, 0, 10);
	feed(&r, SRV, CLI, 502, 40020, 5000, 1001, 0x12, NULL, 0, 20);
	feed(&r, CLI, SRV, 40020, 502, 1001, 5001, 0x10, NULL, 0, 20);
	/* (another ack: not a SPAN copy of the frame before) */
	feed(&r, CLI, SRV, 40020, 502, 1001, 5002, 0x10, NULL, 0, 10);
	feed(&r, SRV, CLI, 502, 40020, 5001, 1001, 0x10, NULL, 0, 20);
	rig_flows(&r, &fs, &nf, &es);
	ck_assert_uint_eq(es.conns, 2);
	ck_assert_uint_eq(nf, 2);
	for (i = 0; i < nf; i++) {
		ck_assert_uint_eq(fs[i].vlan, 20);
		if (fs[i].client_vlan == 10)
			px = fs[i].packets;
		else if (fs[i].client_vlan == 20)
			py = fs[i].packets;
	}
	ck_assert_uint_eq(px, 3);
	ck_assert_uint_eq(py, 2);
	ck_assert_uint_eq(es.twins, 1);
	store_free_flows(fs, nf);
	rig_close(&r);
}
END_TEST

START_TEST(vlan_twins_counted_while_open)
{
	/* The shortcut comes back once the twin is gone: Y, the newer of
	 * two connections of one 5-tuple, times out (idle 60 s) while X is
	 * kept busy; the count of open twins falls back to 0, and X keeps
	 * its packets. */
	struct engine_cfg cfg;
	struct rig r;
	struct engine_stats es;
	uint32_t k;

	memset(&cfg, 0, sizeof(cfg));
	cfg.tcp_timeout_s = 60;
	rig_open(&r, &cfg);
	feed(&r, CLI, SRV, 40030, 502, 1000, 0, 0x02, NULL, 0, 10);
	feed(&r, SRV, CLI, 502, 40030, 5000, 1001, 0x12, NULL, 0, 20);
	feed(&r, CLI, SRV, 40030, 502, 1001, 5001, 0x10, NULL, 0, 20);
	engine_stats(r.e, &es);
	ck_assert_uint_eq(es.conns, 2);
	ck_assert_uint_eq(es.twins, 1);
	/* X alone, every 10 s for 90 s: Y times out, X does not */
	for (k = 0; k < 9; k++) {
		r.ts += 10000000;
		feed(&r, CLI, SRV, 40030, 502, 1001, 5002 + k, 0x10, NULL, 0,
		    10);
	}
	engine_stats(r.e, &es);
	ck_assert_uint_eq(es.conns_timed_out, 1);
	ck_assert_uint_eq(es.twins, 0);
	ck_assert_uint_eq(es.conns, 2);
	rig_close(&r);
}
END_TEST

START_TEST(vlan_guess_corrected_after_op)
{
	/* No handshake: the request (untagged) is parsed before the server
	 * ever sends; its response then shows the server is in VLAN 10.
	 * The op and the role move with the server to VLAN 10. */
	struct rig r;
	struct st_flow *fs;
	struct st_asset *as;
	size_t nf, na, n;
	struct engine_stats es;
	uint8_t pl[64];
	char err[128];

	rig_open(&r, NULL);
	n = mb_req(pl, 1);
	feed(&r, CLI, SRV, 40011, 502, 1, 1, 0x18, pl, n, 0);
	n = mb_rsp(pl, 1);
	feed(&r, SRV, CLI, 502, 40011, 1, 13, 0x18, pl, n, 10);
	n = mb_req(pl, 2);
	feed(&r, CLI, SRV, 40011, 502, 13, 30, 0x18, pl, n, 0);
	rig_flows(&r, &fs, &nf, &es);
	check_one_flow(fs, nf, 2);
	ck_assert_uint_eq(fs[0].vlan, 10);
	ck_assert_uint_eq(fs[0].connections, 1);
	ck_assert_int_eq(store_load_assets(r.st, &as, &na, err, sizeof(err)),
	    0);
	ck_assert_uint_eq(na, 2);
	ck_assert_uint_eq(as[0].vlan, 10);
	ck_assert_str_eq(as[0].roles, "modbus-server");
	free(as);
	store_free_flows(fs, nf);
	rig_close(&r);
}
END_TEST

/* The same frame twice within 1 ms (two mirrored ports): once. */
static void
span_copies(const struct engine_cfg *cfg, uint64_t want_pkts,
    uint64_t want_dups)
{
	struct rig r;
	struct st_flow *fs;
	size_t nf, n, fl;
	struct engine_stats es;
	uint8_t pl[64], b[256];

	rig_open(&r, cfg);
	n = mb_req(pl, 1);
	fl = mk_tcp(b, CLI, SRV, 40012, 502, 1, 1, 0x18, pl, n, 0);
	engine_frame(r.e, b, (uint32_t)fl, (uint32_t)fl, r.ts, 1);
	engine_frame(r.e, b, (uint32_t)fl, (uint32_t)fl, r.ts + 40, 2);
	n = mb_req(pl, 2);
	fl = mk_tcp(b, CLI, SRV, 40012, 502, 13, 1, 0x18, pl, n, 0);
	engine_frame(r.e, b, (uint32_t)fl, (uint32_t)fl, r.ts + 5000, 3);
	rig_flows(&r, &fs, &nf, &es);
	ck_assert_uint_eq(es.duplicates, want_dups);
	ck_assert_uint_eq(es.packets, want_pkts);
	ck_assert_uint_eq(fs[0].packets, want_pkts);
	check_one_flow(fs, nf, 2);
	store_free_flows(fs, nf);
	rig_close(&r);
}

START_TEST(span_duplicates_counted_once)
{
	span_copies(NULL, 2, 1);
}
END_TEST

START_TEST(span_duplicates_kept_when_off)
{
	struct engine_cfg cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.no_dedup = 1;
	span_copies(&cfg, 3, 0);
}
END_TEST

START_TEST(flush_during_classification_keeps_the_label)
{
	/* A periodic push (daemon flush) between the handshake and the
	 * first Modbus request must not fix the flow as "unknown". */
	struct rig r;
	struct st_flow *fs;
	size_t nf, n;
	struct engine_stats es;
	uint8_t pl[64];
	uint32_t cs, ss;
	char err[128];

	rig_open(&r, NULL);
	handshake(&r, 40020, &cs, &ss, 0);
	engine_push(r.e);
	ck_assert_int_eq(store_flush(r.st, r.g, err, sizeof(err)), 0);
	n = mb_req(pl, 1);
	feed(&r, CLI, SRV, 40020, 502, cs, ss, 0x18, pl, n, 0);
	engine_push(r.e);
	rig_flows(&r, &fs, &nf, &es);
	check_one_flow(fs, nf, 1);
	ck_assert_uint_eq(fs[0].packets, 4);
	store_free_flows(fs, nf);
	rig_close(&r);
}
END_TEST

START_TEST(silent_connection_pushed_after_wait)
{
	/* A SYN that nobody answers: held by a periodic push while it might
	 * still be a handshake, labelled and pushed once it stayed silent
	 * ENGINE_SILENT_WAIT_US, so a crash after that flush loses nothing. */
	struct rig r;
	struct st_flow *fs;
	size_t nf;
	struct engine_stats es;
	char err[128];

	rig_open(&r, NULL);
	feed(&r, CLI, SRV, 45000, 80, 1, 0, 0x02, NULL, 0, 0);
	engine_push(r.e);
	ck_assert_int_eq(store_flush(r.st, r.g, err, sizeof(err)), 0);
	ck_assert_int_eq(store_load_flows(r.st, &fs, &nf, err, sizeof(err)),
	    0);
	ck_assert_uint_eq(nf, 0);
	store_free_flows(fs, nf);
	r.ts += ENGINE_SILENT_WAIT_US;
	feed(&r, CLI, SRV + 1, 45001, 80, 1, 0, 0x02, NULL, 0, 0);
	engine_push(r.e);
	ck_assert_int_eq(store_flush(r.st, r.g, err, sizeof(err)), 0);
	ck_assert_int_eq(store_load_flows(r.st, &fs, &nf, err, sizeof(err)),
	    0);
	ck_assert_uint_eq(nf, 1);
	ck_assert_str_eq(fs[0].server, "10.0.0.10");
	ck_assert_str_eq(fs[0].protocol, "unknown");
	ck_assert_uint_eq(fs[0].packets, 1);
	store_free_flows(fs, nf);
	rig_flows(&r, &fs, &nf, &es);
	ck_assert_uint_eq(nf, 2);
	store_free_flows(fs, nf);
	rig_close(&r);
}
END_TEST

START_TEST(stream_memory_budget)
{
	/* Room for one Modbus flow's state only: the second flow is not
	 * dissected (its operations are not counted), and says so. */
	struct engine_cfg cfg;
	struct rig r;
	struct st_flow *fs;
	size_t nf, n;
	struct engine_stats es;
	uint8_t pl[64];

	memset(&cfg, 0, sizeof(cfg));
	cfg.stream_mem = (uint32_t)dissector_modbus.state_size + 100;
	rig_open(&r, &cfg);
	n = mb_req(pl, 1);
	feed(&r, CLI, SRV, 44000, 502, 1, 1, 0x18, pl, n, 0);
	feed(&r, CLI, SRV + 1, 44001, 502, 1, 1, 0x18, pl, n, 0);
	rig_flows(&r, &fs, &nf, &es);
	ck_assert_uint_eq(nf, 2);
	ck_assert_uint_eq(es.stream_mem_capped, 1);
	ck_assert_str_eq(fs[0].server, "10.0.0.10");
	ck_assert_uint_eq(fs[0].n_ops, 1);
	ck_assert_str_eq(fs[1].server, "10.0.0.11");
	ck_assert_uint_eq(fs[1].n_ops, 0);
	store_free_flows(fs, nf);
	rig_close(&r);
}
END_TEST

START_TEST(cap_evicts_oldest)
{
	struct engine_cfg cfg;
	struct rig r;
	struct st_flow *fs;
	size_t nf, n;
	struct engine_stats es;
	uint8_t pl[64];
	uint16_t p;

	memset(&cfg, 0, sizeof(cfg));
	cfg.max_conns = 2;
	rig_open(&r, &cfg);
	n = mb_req(pl, 1);
	for (p = 41000; p < 41005; p++)
		feed(&r, CLI, SRV, p, 502, 1, 1, 0x18, pl, n, 0);
	rig_flows(&r, &fs, &nf, &es);
	ck_assert_uint_eq(es.conns, 5);
	ck_assert_uint_eq(es.conns_evicted, 3);
	/* evicted connections were pushed, not lost */
	check_one_flow(fs, nf, 5);
	ck_assert_uint_eq(fs[0].connections, 5);
	store_free_flows(fs, nf);
	rig_close(&r);
}
END_TEST

START_TEST(table_churn_keeps_every_connection_findable)
{
	/* The connection table at half load, churned by evictions: each
	 * connection revisited while it is still in the table must be
	 * found (a broken deletion would lose it and count a new one). */
	struct engine_cfg cfg;
	struct rig r;
	struct st_flow *fs;
	size_t nf, n;
	struct engine_stats es;
	uint8_t pl[64];
	uint32_t i, total = 5000;

	memset(&cfg, 0, sizeof(cfg));
	cfg.max_conns = 512;
	rig_open(&r, &cfg);
	n = mb_req(pl, 1);
	for (i = 0; i < total; i++) {
		feed(&r, CLI, SRV, (uint16_t)(20000 + i), 502, 1, 1, 0x18, pl,
		    n, 0);
		if (i >= 200)
			feed(&r, SRV, CLI, 502, (uint16_t)(20000 + i - 200), 1,
			    1 + (uint32_t)n, 0x10, NULL, 0, 0);
	}
	rig_flows(&r, &fs, &nf, &es);
	ck_assert_uint_eq(es.conns, total);
	ck_assert_uint_eq(es.conns_evicted, total - 512);
	check_one_flow(fs, nf, total);
	ck_assert_uint_eq(fs[0].packets, 2 * total - 200);
	store_free_flows(fs, nf);
	rig_close(&r);
}
END_TEST

START_TEST(flood_folded_scanner_kept)
{
	/* 400 spoofed sources each send one SYN to the server's port 80,
	 * answered by RST: past GRAPH_NOISE_FANIN (16) new clients the
	 * server is flooded and further sources get no flow and no asset,
	 * while the server's asset counts every packet.  One scanner (a
	 * known client) probing 400 ports of another server keeps a flow
	 * per port. */
	struct rig r;
	struct st_flow *fs;
	struct st_asset *as;
	size_t nf, na, i, to_srv = 0, to_other = 0;
	struct engine_stats es;
	char err[256];
	uint32_t k;

	rig_open(&r, NULL);
	for (k = 0; k < 400; k++) {
		feed(&r, 0x0b000000u + k, SRV, 40000, 80, 7, 0, 0x02, NULL, 0,
		    0);
		feed(&r, SRV, 0x0b000000u + k, 80, 40000, 0, 8, 0x14, NULL, 0,
		    0);
	}
	for (k = 0; k < 400; k++) {
		feed(&r, CLI, SRV + 1, 50000, (uint16_t)(1000 + k), 7, 0, 0x02,
		    NULL, 0, 0);
		feed(&r, SRV + 1, CLI, (uint16_t)(1000 + k), 50000, 0, 8, 0x14,
		    NULL, 0, 0);
	}
	rig_flows(&r, &fs, &nf, &es);
	for (i = 0; i < nf; i++) {
		if (strcmp(fs[i].server, "10.0.0.10") == 0) {
			to_srv++;
			ck_assert_uint_eq(fs[i].packets, 2);
		} else if (strcmp(fs[i].server, "10.0.0.11") == 0 &&
		    strcmp(fs[i].client, "10.0.0.20") == 0) {
			to_other++;
		}
		ck_assert_str_eq(fs[i].protocol, "unknown");
	}
	ck_assert_uint_eq(to_srv, 16);
	ck_assert_uint_eq(to_other, 400);
	ck_assert_uint_eq(nf, 416);
	store_free_flows(fs, nf);
	ck_assert_int_eq(store_load_assets(r.st, &as, &na, err, sizeof(err)),
	    0);
	/* 16 sources, the scanner, the two servers */
	ck_assert_uint_eq(na, 19);
	for (i = 0; i < na; i++)
		if (strcmp(as[i].ip, "10.0.0.10") == 0)
			ck_assert_uint_eq(as[i].packets, 800);
	free(as);
	rig_close(&r);
}
END_TEST

START_TEST(flood_folded_server_new_mac)
{
	/* A flooded server that starts answering from a second MAC (a
	 * replaced router, a redundancy pair) after its fan-in is full:
	 * the folded connections still give the server's asset that MAC. */
	struct rig r;
	struct st_flow *fs;
	struct st_asset *as;
	size_t nf, na, i, seen = 0;
	struct engine_stats es;
	char err[256];
	uint8_t b[2048];
	size_t n;
	uint32_t k;

	rig_open(&r, NULL);
	for (k = 0; k < 40; k++) {
		feed(&r, 0x0b000000u + k, SRV, 40000, 80, 7, 0, 0x02, NULL, 0,
		    0);
		n = mk_tcp(b, SRV, 0x0b000000u + k, 80, 40000, 0, 8, 0x14,
		    NULL, 0, 0);
		if (k >= 30)
			b[11] = 0x0b; /* source MAC 00:80:f4:00:00:0b */
		r.ts += 1000;
		engine_frame(r.e, b, (uint32_t)n, (uint32_t)n, r.ts, ++r.frame);
	}
	rig_flows(&r, &fs, &nf, &es);
	ck_assert_uint_eq(nf, 16);
	store_free_flows(fs, nf);
	ck_assert_int_eq(store_load_assets(r.st, &as, &na, err, sizeof(err)),
	    0);
	ck_assert_uint_eq(na, 17);
	for (i = 0; i < na; i++) {
		if (strcmp(as[i].ip, "10.0.0.10") != 0)
			continue;
		seen++;
		ck_assert_uint_eq(as[i].packets, 80);
		ck_assert_str_eq(as[i].macs,
		    "00:80:f4:00:00:0a,00:80:f4:00:00:0b");
	}
	ck_assert_uint_eq(seen, 1);
	free(as);
	rig_close(&r);
}
END_TEST

START_TEST(tls_client_hello_without_ndpi)
{
	/* A TLS ClientHello is labelled "tls" at once, without an nDPI
	 * flow; a payload that only looks like the start of one (cut
	 * short) goes to nDPI. */
	static const uint8_t hello[] = {0x16, 0x03, 0x01, 0x00, 0x2f, 0x01,
	    0x00, 0x00, 0x2b, 0x03, 0x03, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
	    12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
	    28, 29, 30, 31, 32, 0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00};
	struct rig r;
	struct st_flow *fs;
	size_t nf;
	struct engine_stats es;

	rig_open(&r, NULL);
	feed(&r, CLI, SRV, 45000, 443, 100, 0, 0x02, NULL, 0, 0);
	feed(&r, SRV, CLI, 443, 45000, 500, 101, 0x12, NULL, 0, 0);
	feed(&r, CLI, SRV, 45000, 443, 101, 501, 0x10, NULL, 0, 0);
	feed(&r, CLI, SRV, 45000, 443, 101, 501, 0x18, hello, sizeof(hello),
	    0);
	feed(&r, CLI, SRV, 45001, 443, 100, 0, 0x18, hello, 20, 0);
	rig_flows(&r, &fs, &nf, &es);
	ck_assert_uint_eq(nf, 1);
	ck_assert_str_eq(fs[0].protocol, "tls");
	ck_assert_uint_eq(fs[0].connections, 2);
	ck_assert_uint_eq(es.ndpi_flows, 1); /* only the cut one */
	store_free_flows(fs, nf);
	rig_close(&r);
}
END_TEST

START_TEST(noise_share_spares_sessions)
{
	/* A table of 8192: payload-less connections may hold 1/8 of it.
	 * 5000 SYNs that nobody answers evict each other (all but the
	 * newest 1024), never the Modbus session opened before them. */
	struct engine_cfg cfg;
	struct rig r;
	struct st_flow *fs;
	size_t nf, n, i, mb = 0;
	struct engine_stats es;
	uint8_t pl[64];
	uint32_t k;

	memset(&cfg, 0, sizeof(cfg));
	cfg.max_conns = 8192;
	rig_open(&r, &cfg);
	n = mb_req(pl, 1);
	feed(&r, CLI, SRV, 40000, 502, 1, 1, 0x18, pl, n, 0);
	for (k = 0; k < 5000; k++)
		feed(&r, 0x0b000000u + k, SRV + 1, 30000, 80, 7, 0, 0x02, NULL,
		    0, 0);
	feed(&r, CLI, SRV, 40000, 502, 1 + (uint32_t)n, 1, 0x18, pl, n, 0);
	rig_flows(&r, &fs, &nf, &es);
	ck_assert_uint_eq(es.conns, 5001);
	ck_assert_uint_eq(es.conns_evicted, 5000 - 1024);
	for (i = 0; i < nf; i++)
		if (strcmp(fs[i].protocol, "modbus") == 0) {
			mb++;
			ck_assert_uint_eq(fs[i].connections, 1);
			ck_assert_uint_eq(fs[i].packets, 2);
		}
	ck_assert_uint_eq(mb, 1);
	store_free_flows(fs, nf);
	rig_close(&r);
}
END_TEST

START_TEST(idle_timeout)
{
	struct rig r;
	struct st_flow *fs;
	size_t nf, n;
	struct engine_stats es;
	uint8_t pl[64];

	rig_open(&r, NULL);
	n = mb_req(pl, 1);
	feed(&r, CLI, SRV, 42000, 502, 1, 1, 0x18, pl, n, 0);
	r.ts += (uint64_t)(ENGINE_TCP_TIMEOUT_S + 2) * 1000000u;
	feed(&r, CLI, SRV, 42001, 502, 1, 1, 0x18, pl, n, 0);
	rig_flows(&r, &fs, &nf, &es);
	ck_assert_uint_eq(es.conns_timed_out, 1);
	check_one_flow(fs, nf, 2);
	store_free_flows(fs, nf);
	rig_close(&r);
}
END_TEST

START_TEST(truncated_frame_counted)
{
	struct rig r;
	uint8_t b[256];
	size_t n;
	struct engine_stats es;
	uint8_t pl[64];

	rig_open(&r, NULL);
	n = mb_req(pl, 1);
	n = mk_tcp(b, CLI, SRV, 43000, 502, 1, 1, 0x18, pl, n, 0);
	/* caplen cuts the TCP header */
	engine_frame(r.e, b, 40, (uint32_t)n, r.ts, 1);
	engine_stats(r.e, &es);
	ck_assert_uint_eq(es.truncated, 1);
	ck_assert_uint_eq(es.conns, 0);
	rig_close(&r);
}
END_TEST

static Suite *
engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, in_order);
	tcase_add_test(tc, split_and_coalesced);
	tcase_add_test(tc, retransmission_counted_once);
	tcase_add_test(tc, out_of_order);
	tcase_add_test(tc, overlap_trimmed);
	tcase_add_test(tc, gap_resynchronises);
	tcase_add_test(tc, gap_without_acks_resyncs_by_cap);
	tcase_add_test(tc, mid_connection_direction_from_port);
	tcase_add_test(tc, not_modbus_on_502);
	tcase_add_test(tc, vlan_kept);
	tcase_add_test(tc, asymmetric_vlan_tagging);
	tcase_add_test(tc, vlan_guess_corrected_after_op);
	tcase_add_test(tc, vlan_twins_newest_wins);
	tcase_add_test(tc, vlan_twins_counted_while_open);
	tcase_add_test(tc, span_duplicates_counted_once);
	tcase_add_test(tc, span_duplicates_kept_when_off);
	tcase_add_test(tc, flush_during_classification_keeps_the_label);
	tcase_add_test(tc, silent_connection_pushed_after_wait);
	tcase_add_test(tc, stream_memory_budget);
	tcase_add_test(tc, cap_evicts_oldest);
	tcase_add_test(tc, table_churn_keeps_every_connection_findable);
	tcase_add_test(tc, flood_folded_scanner_kept);
	tcase_add_test(tc, flood_folded_server_new_mac);
	tcase_add_test(tc, tls_client_hello_without_ndpi);
	tcase_add_test(tc, noise_share_spares_sessions);
	tcase_add_test(tc, idle_timeout);
	tcase_add_test(tc, truncated_frame_counted);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(engine_suite());
	int nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

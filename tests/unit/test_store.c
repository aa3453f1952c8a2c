/* SPDX-License-Identifier: BSD-2-Clause */
/* test_store.c: the in-memory graph and its SQLite persistence. */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../store/graph_impl.h"
#include "../../store/store.h"

static const uint8_t ip_a[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
    10, 1, 2, 3};
static const uint8_t ip_b[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
    10, 1, 2, 40};
static const uint8_t ip6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 1};

static struct store *
mem_store(void)
{
	char err[256];
	struct store *s = store_open(":memory:", 0, err, sizeof(err));

	ck_assert_msg(s != NULL, "%s", err);
	return s;
}

static void
fill(struct graph *g, uint64_t pkts)
{
	struct g_asset *a = graph_asset(g, 0, ip_a);
	struct g_asset *b = graph_asset(g, 0, ip_b);
	struct g_edge *e;
	struct obs_op op;
	struct obs_ident id;
	static const uint8_t mac[6] = {0x00, 0x1b, 0x1b, 1, 2, 3};

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	graph_asset_traffic(a, 1000000, pkts, pkts * 100);
	graph_asset_traffic(b, 2000000, pkts, pkts * 100);
	graph_asset_mac(g, b, mac);
	graph_asset_name(g, b, 0, "s7comm");
	graph_asset_name(g, b, 1, "s7-server");
	memset(&id, 0, sizeof(id));
	id.side = OBS_SIDE_SERVER;
	id.proto = OBS_P_S7COMM;
	snprintf(id.vendor, sizeof(id.vendor), "Siemens");
	snprintf(id.product, sizeof(id.product), "6ES7 315-2EH14-0AB0");
	snprintf(id.firmware, sizeof(id.firmware), "V3.2.6");
	graph_asset_ident(b, &id, 1000000);
	e = graph_edge(g, 0, ip_a, 0, ip_b, 6, 102,
	    graph_proto_id(g, "s7comm"));
	ck_assert_ptr_nonnull(e);
	graph_edge_traffic(e, 1000000, 2000000, pkts, pkts * 100, 1, 7);
	memset(&op, 0, sizeof(op));
	op.proto = OBS_P_S7COMM;
	op.cls = OBS_C_PROGRAM;
	op.code = 0x1b;
	op.name = "Download block";
	graph_edge_op(g, e, &op, 1500000, 1, 9);
	op.flags = OBS_OP_RESPONSE | OBS_OP_EXCEPTION;
	graph_edge_op(g, e, &op, 1500100, 1, 10);
}

START_TEST(flush_and_load)
{
	struct store *s = mem_store();
	struct graph *g = graph_new(NULL);
	struct st_asset *as;
	struct st_flow *fs;
	size_t na, nf;
	char err[256];

	fill(g, 5);
	ck_assert_int_eq(store_flush(s, g, err, sizeof(err)), 0);
	ck_assert_int_eq(store_load_assets(s, &as, &na, err, sizeof(err)), 0);
	ck_assert_uint_eq(na, 2);
	ck_assert_str_eq(as[0].ip, "10.1.2.3");
	ck_assert_str_eq(as[1].ip, "10.1.2.40");
	ck_assert_uint_eq(as[1].packets, 5);
	ck_assert_uint_eq(as[1].bytes, 500);
	ck_assert_str_eq(as[1].mac, "00:1b:1b:01:02:03");
	ck_assert_str_eq(as[1].protocols, "s7comm");
	ck_assert_str_eq(as[1].roles, "s7-server");
	ck_assert_str_eq(as[1].vendor, "Siemens");
	ck_assert_str_eq(as[1].product, "6ES7 315-2EH14-0AB0");
	ck_assert_str_eq(as[1].firmware, "V3.2.6");
	ck_assert_str_eq(as[1].ident_source, "s7comm");
	ck_assert_int_eq(as[1].first_us, 2000000);
	ck_assert_int_eq(store_load_flows(s, &fs, &nf, err, sizeof(err)), 0);
	ck_assert_uint_eq(nf, 1);
	ck_assert_str_eq(fs[0].client, "10.1.2.3");
	ck_assert_str_eq(fs[0].server, "10.1.2.40");
	ck_assert_str_eq(fs[0].transport, "tcp");
	ck_assert_uint_eq(fs[0].server_port, 102);
	ck_assert_str_eq(fs[0].protocol, "s7comm");
	ck_assert_uint_eq(fs[0].packets, 5);
	ck_assert_uint_eq(fs[0].frame, 7);
	ck_assert_uint_eq(fs[0].n_ops, 1);
	ck_assert_str_eq(fs[0].ops[0].cls, "program");
	ck_assert_uint_eq(fs[0].ops[0].code, 0x1b);
	ck_assert_uint_eq(fs[0].ops[0].count, 1);
	ck_assert_uint_eq(fs[0].ops[0].errors, 1);
	ck_assert_uint_eq(fs[0].ops[0].frame, 9);
	free(as);
	store_free_flows(fs, nf);
	graph_free(g);
	store_close(s);
}
END_TEST

START_TEST(flushes_add_deltas)
{
	struct store *s = mem_store();
	struct graph *g = graph_new(NULL);
	struct st_flow *fs;
	size_t nf;
	char err[256];

	fill(g, 5);
	ck_assert_int_eq(store_flush(s, g, err, sizeof(err)), 0);
	/* nothing new: a second flush changes nothing */
	ck_assert_int_eq(store_flush(s, g, err, sizeof(err)), 0);
	fill(g, 3);
	ck_assert_int_eq(store_flush(s, g, err, sizeof(err)), 0);
	ck_assert_int_eq(store_load_flows(s, &fs, &nf, err, sizeof(err)), 0);
	ck_assert_uint_eq(nf, 1);
	ck_assert_uint_eq(fs[0].packets, 8);
	ck_assert_uint_eq(fs[0].ops[0].count, 2);
	ck_assert_uint_eq(fs[0].ops[0].errors, 2);
	store_free_flows(fs, nf);
	graph_free(g);
	store_close(s);
}
END_TEST

START_TEST(caps_counted)
{
	struct graph_limits lim = {2, 1};
	struct graph *g = graph_new(&lim);
	struct graph_stats st;

	ck_assert_ptr_nonnull(graph_asset(g, 0, ip_a));
	ck_assert_ptr_nonnull(graph_asset(g, 0, ip_b));
	ck_assert_ptr_null(graph_asset(g, 0, ip6));
	/* the same address on another VLAN is another asset */
	ck_assert_ptr_null(graph_asset(g, 7, ip_a));
	ck_assert_ptr_nonnull(graph_edge(g, 0, ip_a, 0, ip_b, 6, 502, 1));
	ck_assert_ptr_null(graph_edge(g, 0, ip_b, 0, ip_a, 6, 502, 1));
	graph_stats(g, &st);
	ck_assert_uint_eq(st.assets, 2);
	ck_assert_uint_eq(st.assets_capped, 2);
	ck_assert_uint_eq(st.edges, 1);
	ck_assert_uint_eq(st.edges_capped, 1);
	graph_free(g);
}
END_TEST

START_TEST(noise_cannot_starve_the_plant)
{
	/* 16 slots: scan noise may take 16 / GRAPH_NOISE_SHARE of them,
	 * real traffic all the rest. */
	struct graph_limits lim = {16, 16};
	struct graph *g = graph_new(&lim);
	struct graph_stats st;
	uint8_t ip[16];
	unsigned i, noise = 0, real = 0;

	memcpy(ip, ip_a, 16);
	for (i = 0; i < 100; i++) {
		ip[14] = (uint8_t)(i >> 8);
		ip[15] = (uint8_t)i;
		if (graph_asset_noise(g, 0, ip) != NULL)
			noise++;
	}
	ck_assert_uint_eq(noise, 16 / GRAPH_NOISE_SHARE);
	for (i = 0; i < 100; i++) {
		ip[13] = 7; /* other addresses than the noise's */
		ip[14] = 0;
		ip[15] = (uint8_t)i;
		if (graph_asset(g, 0, ip) != NULL)
			real++;
	}
	ck_assert_uint_eq(real, 16 - 16 / GRAPH_NOISE_SHARE);
	/* an existing asset is found whatever the call */
	ip[13] = ip_a[13];
	ip[15] = 0;
	ck_assert_ptr_nonnull(graph_asset_noise(g, 0, ip));
	graph_stats(g, &st);
	ck_assert_uint_eq(st.assets, 16);
	graph_free(g);
}
END_TEST

/* an IPv4-mapped address */
static void
v4(uint8_t ip[16], uint32_t a)
{
	memset(ip, 0, 10);
	ip[10] = ip[11] = 0xff;
	ip[12] = (uint8_t)(a >> 24);
	ip[13] = (uint8_t)(a >> 16);
	ip[14] = (uint8_t)(a >> 8);
	ip[15] = (uint8_t)a;
}

START_TEST(noise_fold_spares_known_clients)
{
	/* Past GRAPH_NOISE_FANIN new clients, a server's further new
	 * clients are folded (no edge).  A client the graph has as an
	 * asset is not, and a client whose edge exists finds it again.
	 * The clients differ in their last bytes only, like a flood's. */
	struct graph *g = graph_new(NULL);
	struct graph_stats st;
	uint8_t cli[16], known[16];
	struct g_edge *first = NULL, *e;
	unsigned k, made = 0;

	ck_assert_ptr_nonnull(g);
	v4(known, 0x0a000063u);
	ck_assert_ptr_nonnull(graph_asset(g, 0, known));
	for (k = 0; k < 100; k++) {
		v4(cli, 0x0b000000u + k);
		e = graph_edge_noise(g, 0, cli, 0, ip_a, 6, 502, 1);
		if (k == 0)
			first = e;
		made += e != NULL;
	}
	ck_assert_ptr_nonnull(first);
	ck_assert_uint_eq(made, GRAPH_NOISE_FANIN);
	ck_assert_uint_eq(g->noise_folded, 100 - GRAPH_NOISE_FANIN);
	v4(cli, 0x0b000000u);
	ck_assert_ptr_eq(graph_edge_noise(g, 0, cli, 0, ip_a, 6, 502, 1),
	    first);
	/* the same client on another port has no edge and no asset: a new
	 * client of a flooded server, folded */
	ck_assert_ptr_null(graph_edge_noise(g, 0, cli, 0, ip_a, 6, 503, 1));
	e = graph_edge_noise(g, 0, known, 0, ip_a, 6, 502, 1);
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_ne(e, first);
	ck_assert_uint_eq(g->noise_folded, 100 - GRAPH_NOISE_FANIN + 1);
	graph_stats(g, &st);
	ck_assert_uint_eq(st.edges, GRAPH_NOISE_FANIN + 1);
	ck_assert_uint_eq(st.assets, 1);
	graph_free(g);
}
END_TEST

START_TEST(asset_memo_finds_the_right_asset)
{
	/* 1,000 addresses on two VLANs each, far more than the memo's
	 * 64 entries: every lookup, by either call, gives the one asset of
	 * its address and VLAN (the two VLANs of an address are looked up
	 * one after the other, so the memo holds the wrong one half the
	 * time). */
	struct graph *g = graph_new(NULL);
	static struct g_asset *as[2000];
	struct graph_stats st;
	uint8_t ip[16];
	unsigned k, pass;

	ck_assert_ptr_nonnull(g);
	for (k = 0; k < 2000; k++) {
		v4(ip, 0x0a000000u + k / 2);
		as[k] = graph_asset(g, k % 2 ? 7 : 0, ip);
		ck_assert_ptr_nonnull(as[k]);
	}
	for (pass = 0; pass < 4; pass++) {
		for (k = 0; k < 2000; k++) {
			unsigned j = pass % 2 ? 1999 - k : k;
			uint16_t vlan = j % 2 ? 7 : 0;
			struct g_asset *a;

			v4(ip, 0x0a000000u + j / 2);
			a = pass < 2 ? graph_asset(g, vlan, ip)
				     : graph_asset_noise(g, vlan, ip);
			ck_assert_ptr_eq(a, as[j]);
			ck_assert_ptr_eq(graph_asset_find(g, vlan, ip), as[j]);
		}
	}
	graph_stats(g, &st);
	ck_assert_uint_eq(st.assets, 2000);
	graph_free(g);
}
END_TEST

START_TEST(asset_span_is_two_traffic_calls)
{
	/* graph_asset_span(a, f, l, p, b) is graph_asset_traffic(a, f, 0, 0)
	 * then graph_asset_traffic(a, l, p, b), from any earlier state and
	 * for times in either order or zero. */
	static const uint64_t start[][2] = {{0, 0}, {100, 200}, {150, 150},
	    {0, 300}};
	static const uint64_t ts[][2] = {{120, 180}, {50, 250}, {300, 90},
	    {0, 0}, {0, 400}, {160, 160}, {10, 20}};
	unsigned i, j;

	for (i = 0; i < sizeof(start) / sizeof(start[0]); i++) {
		for (j = 0; j < sizeof(ts) / sizeof(ts[0]); j++) {
			struct g_asset x, y;

			memset(&x, 0, sizeof(x));
			x.first_us = start[i][0];
			x.last_us = start[i][1];
			x.d_pkts = 3;
			x.d_bytes = 180;
			y = x;
			graph_asset_traffic(&x, ts[j][0], 0, 0);
			graph_asset_traffic(&x, ts[j][1], 2, 120);
			graph_asset_span(&y, ts[j][0], ts[j][1], 2, 120);
			ck_assert_uint_eq(y.first_us, x.first_us);
			ck_assert_uint_eq(y.last_us, x.last_us);
			ck_assert_uint_eq(y.d_pkts, 5);
			ck_assert_uint_eq(y.d_bytes, 300);
			ck_assert_uint_eq(y.dirty, 1);
		}
	}
}
END_TEST

/* one flush of an identity seen at ts into s */
static void
flush_ident(struct store *s, const char *firmware, const char *serial,
    uint64_t ts)
{
	struct graph *g = graph_new(NULL);
	struct g_asset *a = graph_asset(g, 0, ip_a);
	struct obs_ident id;
	char err[256];

	ck_assert_ptr_nonnull(a);
	memset(&id, 0, sizeof(id));
	id.proto = OBS_P_MODBUS;
	snprintf(id.vendor, sizeof(id.vendor), "Schneider Electric");
	snprintf(id.firmware, sizeof(id.firmware), "%s", firmware);
	snprintf(id.serial, sizeof(id.serial), "%s", serial);
	graph_asset_traffic(a, ts, 1, 60);
	graph_asset_ident_at(a, &id, ts, 1, 1);
	ck_assert_int_eq(store_flush(s, g, err, sizeof(err)), 0);
	graph_free(g);
}

static void
check_ident(struct store *s, const char *firmware, const char *serial)
{
	struct st_asset *as;
	size_t na;
	char err[256];

	ck_assert_int_eq(store_load_assets(s, &as, &na, err, sizeof(err)), 0);
	ck_assert_uint_eq(na, 1);
	ck_assert_str_eq(as[0].firmware, firmware);
	ck_assert_str_eq(as[0].serial, serial);
	ck_assert_str_eq(as[0].vendor, "Schneider Electric");
	free(as);
}

START_TEST(older_identity_fills_gaps_only)
{
	/* Captures read out of order (separate runs, --force): an identity
	 * observed before the stored one fills its empty fields but does
	 * not replace the others; a newer one replaces. */
	struct store *s = mem_store();

	flush_ident(s, "V3.20", "", 2000000);
	check_ident(s, "V3.20", "");
	flush_ident(s, "V3.10", "SN-1", 1000000);
	check_ident(s, "V3.20", "SN-1");
	flush_ident(s, "V3.10", "SN-2", 1500000);
	check_ident(s, "V3.20", "SN-1");
	flush_ident(s, "V3.30", "", 3000000);
	check_ident(s, "V3.30", "SN-1");
	flush_ident(s, "V3.40", "SN-3", 3000000); /* the same time: newer */
	check_ident(s, "V3.40", "SN-3");
	store_close(s);
}
END_TEST

START_TEST(identity_time_past_int64)
{
	/* A damaged capture's time past INT64_MAX (timestamps-chaos in the
	 * hostile corpus) still stores the identity (it was lost once: the
	 * time bound as a negative number matched neither update). */
	struct store *s = mem_store();

	flush_ident(s, "V9", "", UINT64_MAX - 5);
	check_ident(s, "V9", "");
	flush_ident(s, "V1", "SN-9", 1000000);
	check_ident(s, "V9", "SN-9");
	store_close(s);
}
END_TEST

START_TEST(ipv6_text)
{
	struct store *s = mem_store();
	struct graph *g = graph_new(NULL);
	struct st_asset *as;
	size_t na;
	char err[256];

	graph_asset_traffic(graph_asset(g, 0, ip6), 5, 1, 60);
	ck_assert_int_eq(store_flush(s, g, err, sizeof(err)), 0);
	ck_assert_int_eq(store_load_assets(s, &as, &na, err, sizeof(err)), 0);
	ck_assert_uint_eq(na, 1);
	ck_assert_str_eq(as[0].ip, "2001:db8::1");
	free(as);
	graph_free(g);
	store_close(s);
}
END_TEST

START_TEST(sources_and_rereads)
{
	struct store *s = mem_store();
	struct store_source src;
	char err[256];
	uint32_t id;

	memset(&src, 0, sizeof(src));
	src.path = "x.pcap";
	src.hash = "abc";
	ck_assert_int_eq(store_source_seen(s, "abc"), 0);
	id = store_source_begin(s, &src, err, sizeof(err));
	ck_assert_uint_gt(id, 0);
	/* not complete yet: an interrupted read is not "seen" */
	ck_assert_int_eq(store_source_seen(s, "abc"), 0);
	src.packets = 10;
	ck_assert_int_eq(store_source_end(s, id, &src, err, sizeof(err)), 0);
	ck_assert_int_eq(store_source_seen(s, "abc"), 1);
	store_close(s);
}
END_TEST

START_TEST(bad_files_refused)
{
	char path[] = "/tmp/otz-store-XXXXXX";
	char err[256];
	int fd = mkstemp(path);
	sqlite3 *db;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "this is not a database, not at all....",
			     38), 38);
	close(fd);
	ck_assert_ptr_null(store_open(path, 0, err, sizeof(err)));
	ck_assert_msg(strstr(err, "not a usable database") != NULL, "%s", err);
	unlink(path);
	/* a database from a newer otzone */
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA user_version = 99", NULL,
			     NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	ck_assert_ptr_null(store_open(path, 0, err, sizeof(err)));
	ck_assert_msg(strstr(err, "newer") != NULL, "%s", err);
	unlink(path);
	/* read-only open of a missing database does not create it */
	ck_assert_ptr_null(store_open(path, 1, err, sizeof(err)));
	ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

START_TEST(shared_mac_is_a_router)
{
	struct store *s = mem_store();
	struct graph *g = graph_new(NULL);
	static const uint8_t router[6] = {0x00, 0x00, 0x0c, 9, 9, 9};
	static const uint8_t own[6] = {0x00, 0x80, 0xf4, 1, 1, 1};
	struct st_asset *as;
	size_t na, i;
	char err[256];
	uint8_t ip[16];

	memcpy(ip, ip_a, 16);
	for (i = 0; i < 4; i++) {
		struct g_asset *a;

		ip[15] = (uint8_t)(100 + i);
		a = graph_asset(g, 0, ip);
		graph_asset_traffic(a, 1, 1, 1);
		graph_asset_mac(g, a, router);
		if (i == 0)
			graph_asset_mac(g, a, own);
	}
	ck_assert_int_eq(store_flush(s, g, err, sizeof(err)), 0);
	ck_assert_int_eq(store_load_assets(s, &as, &na, err, sizeof(err)), 0);
	ck_assert_uint_eq(na, 4);
	ck_assert_str_eq(as[0].mac, "00:80:f4:01:01:01");
	for (i = 1; i < 4; i++) {
		ck_assert_str_eq(as[i].mac, "");
		ck_assert_int_eq(as[i].mac_shared, 1);
	}
	free(as);
	graph_free(g);
	store_close(s);
}
END_TEST

static Suite *
store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, flush_and_load);
	tcase_add_test(tc, flushes_add_deltas);
	tcase_add_test(tc, caps_counted);
	tcase_add_test(tc, noise_cannot_starve_the_plant);
	tcase_add_test(tc, noise_fold_spares_known_clients);
	tcase_add_test(tc, asset_memo_finds_the_right_asset);
	tcase_add_test(tc, asset_span_is_two_traffic_calls);
	tcase_add_test(tc, older_identity_fills_gaps_only);
	tcase_add_test(tc, identity_time_past_int64);
	tcase_add_test(tc, ipv6_text);
	tcase_add_test(tc, sources_and_rereads);
	tcase_add_test(tc, bad_files_refused);
	tcase_add_test(tc, shared_mac_is_a_router);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(store_suite());
	int nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

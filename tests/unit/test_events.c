/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_events.c: change detection (store/events.c) on hand-built graphs
 * flushed several times: the exact events of each flush.
 */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../sensor/events.h"
#include "../../sensor/policy.h"
#include "../../store/events.h"

#define IP4(a, b, c, d)                                                     \
	{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d}

static const uint8_t office1[16] = IP4(10, 1, 0, 10);
static const uint8_t office2[16] = IP4(10, 1, 0, 11);
static const uint8_t plc[16] = IP4(10, 4, 0, 10);
static const uint8_t plc2[16] = IP4(10, 4, 0, 20);

static const char policy_yaml[] =
    "zones:\n"
    "  - { name: office, sl_t: 1, networks: [10.1.0.0/24] }\n"
    "  - { name: cell, sl_t: 2, networks: [10.4.0.0/24] }\n"
    "conduits: []\n"
    "default: deny\n";

static char dbpath[64];

static struct store *
new_store(void)
{
	char err[256];
	struct store *s;
	int fd;

	snprintf(dbpath, sizeof(dbpath), "/tmp/otzone-test-events.XXXXXX");
	fd = mkstemp(dbpath);
	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(dbpath);
	s = store_open(dbpath, 0, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	return s;
}

static void
drop_store(struct store *s)
{
	char p[96];

	store_close(s);
	unlink(dbpath);
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
}

static uint32_t
source(struct store *s, const char *path)
{
	struct store_source src;
	char err[256];
	uint32_t id;

	memset(&src, 0, sizeof(src));
	src.path = path;
	id = store_source_begin(s, &src, err, sizeof(err));
	ck_assert_msg(id > 0, "%s", err);
	return id;
}

/* client -> server Modbus/TCP with one connection and, when cls >= 0, one
 * request of that class at ts + 10 (frame + 3). */
static struct g_edge *
talk(struct graph *g, const uint8_t *c, const uint8_t *s, uint64_t ts,
    uint32_t src, uint64_t frame, int cls)
{
	struct g_asset *a = graph_asset(g, 0, c), *b = graph_asset(g, 0, s);
	struct g_edge *e = graph_edge(g, 0, c, 0, s, 6, 502,
	    graph_proto_id(g, "modbus"));
	struct obs_op op;

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(e);
	graph_asset_traffic(a, ts, 2, 120);
	graph_asset_traffic(b, ts, 2, 120);
	graph_edge_traffic(e, ts, ts + 100, 4, 240, src, frame);
	graph_edge_conn(e);
	if (cls >= 0) {
		memset(&op, 0, sizeof(op));
		op.proto = OBS_P_MODBUS;
		op.cls = (uint8_t)cls;
		op.code = cls == OBS_C_PROGRAM ? 90
		    : cls == OBS_C_WRITE	   ? 6
						   : 3;
		op.name = "op";
		graph_edge_op(g, e, &op, ts + 10, src, frame + 3);
	}
	return e;
}

static const struct store_event *
flush(struct store *s, struct graph *g, struct store_events *E, size_t *n)
{
	char err[256];

	ck_assert_msg(store_flush_events(s, g, E, err, sizeof(err)) == 0, "%s",
	    err);
	return store_events_get(E, n);
}

static void
check_ev(const struct store_event *e, int type, int64_t ts,
    const char *src, const char *dst, const char *zf, const char *zt,
    const char *cls, const char *source, uint64_t frame)
{
	ck_assert_str_eq(store_event_type_name(e->type),
	    store_event_type_name(type));
	ck_assert_int_eq(e->ts_us, ts);
	ck_assert_str_eq(e->src.ip, src);
	ck_assert_str_eq(e->dst.ip, dst);
	ck_assert_str_eq(e->zone_from, zf);
	ck_assert_str_eq(e->zone_to, zt);
	ck_assert_str_eq(e->cls, cls);
	ck_assert_str_eq(e->source, source);
	ck_assert_uint_eq(e->frame, frame);
}

static void
load_policy(struct policy *p)
{
	char err[1024];

	ck_assert_msg(policy_parse("t.yaml", policy_yaml, strlen(policy_yaml),
			  p, err, sizeof(err)) == 0,
	    "%s", err);
}

START_TEST(assets_and_identity_without_zones)
{
	struct store *s = new_store();
	struct graph *g = graph_new(NULL);
	struct store_events *E = store_events_new();
	const struct store_event *v;
	struct obs_ident id;
	uint32_t src = source(s, "a.pcap");
	size_t n;

	talk(g, office1, plc, 1000, src, 7, OBS_C_READ);
	memset(&id, 0, sizeof(id));
	id.proto = OBS_P_MODBUS;
	snprintf(id.vendor, sizeof(id.vendor), "Schneider Electric");
	snprintf(id.firmware, sizeof(id.firmware), "v3.10");
	graph_asset_ident_at(graph_asset(g, 0, plc), &id, 1500, src, 12);
	v = flush(s, g, E, &n);
	ck_assert_uint_eq(n, 2);
	check_ev(&v[0], SEV_NEW_ASSET, 1000, "10.1.0.10", "", "", "", "",
	    "a.pcap", 7);
	check_ev(&v[1], SEV_NEW_ASSET, 1000, "10.4.0.10", "", "", "", "",
	    "a.pcap", 7);
	ck_assert_str_eq(v[1].src.vendor, "Schneider Electric");
	ck_assert_str_eq(v[1].src.firmware, "v3.10");

	/* more of the same: nothing */
	talk(g, office1, plc, 2000, src, 20, OBS_C_READ);
	v = flush(s, g, E, &n);
	ck_assert_uint_eq(n, 0);

	/* the same firmware said again: nothing; a new one: one event */
	graph_asset_ident_at(graph_asset(g, 0, plc), &id, 2500, src, 30);
	v = flush(s, g, E, &n);
	ck_assert_uint_eq(n, 0);
	snprintf(id.firmware, sizeof(id.firmware), "v3.20");
	snprintf(id.serial, sizeof(id.serial), "SN1"); /* learnt: no change */
	graph_asset_ident_at(graph_asset(g, 0, plc), &id, 3500, src, 40);
	v = flush(s, g, E, &n);
	ck_assert_uint_eq(n, 1);
	check_ev(&v[0], SEV_IDENTITY_CHANGED, 3500, "10.4.0.10", "", "", "",
	    "", "a.pcap", 40);
	ck_assert_int_eq(v[0].n_changes, 1);
	ck_assert_str_eq(v[0].changes[0].field, "firmware");
	ck_assert_str_eq(v[0].changes[0].old_value, "v3.10");
	ck_assert_str_eq(v[0].changes[0].new_value, "v3.20");
	ck_assert_int_eq(store_events_have_zones(E), 0);

	/* a new process (new graph, new detector) over the same database */
	store_events_free(E);
	graph_free(g);
	g = graph_new(NULL);
	E = store_events_new();
	talk(g, office1, plc, 5000, src, 50, OBS_C_READ);
	talk(g, office2, plc, 6000, src, 60, OBS_C_READ);
	v = flush(s, g, E, &n);
	ck_assert_uint_eq(n, 1);
	check_ev(&v[0], SEV_NEW_ASSET, 6000, "10.1.0.11", "", "", "", "",
	    "a.pcap", 60);
	store_events_free(E);
	graph_free(g);
	drop_store(s);
}
END_TEST

START_TEST(zones_from_a_policy)
{
	struct store *s = new_store();
	struct graph *g = graph_new(NULL);
	struct store_events *E = store_events_new();
	const struct store_event *v;
	struct policy pol;
	char err[256];
	uint32_t src = source(s, "b.pcap");
	size_t n;

	load_policy(&pol);
	ck_assert_int_eq(store_events_set_policy(E, s, &pol, err, sizeof(err)),
	    0);
	ck_assert_int_eq(store_events_have_zones(E), 1);
	talk(g, office1, plc, 1000, src, 1, OBS_C_READ);
	v = flush(s, g, E, &n);
	ck_assert_uint_eq(n, 5);
	check_ev(&v[0], SEV_NEW_ASSET, 1000, "10.1.0.10", "", "", "", "",
	    "b.pcap", 1);
	check_ev(&v[1], SEV_NEW_ASSET, 1000, "10.4.0.10", "", "", "", "",
	    "b.pcap", 1);
	check_ev(&v[2], SEV_NEW_ZONE_FLOW, 1000, "10.1.0.10", "10.4.0.10",
	    "office", "cell", "", "b.pcap", 1);
	check_ev(&v[3], SEV_NEW_CONDUIT, 1000, "10.1.0.10", "10.4.0.10",
	    "office", "cell", "", "b.pcap", 1);
	check_ev(&v[4], SEV_FIRST_CLASS, 1010, "10.1.0.10", "10.4.0.10",
	    "office", "cell", "read", "b.pcap", 4);
	ck_assert_str_eq(v[2].protocol, "modbus");
	ck_assert_str_eq(v[2].transport, "tcp");
	ck_assert_uint_eq(v[2].port, 502);

	/* the first program operation on the conduit */
	talk(g, office1, plc, 2000, src, 10, OBS_C_PROGRAM);
	v = flush(s, g, E, &n);
	ck_assert_uint_eq(n, 1);
	check_ev(&v[0], SEV_FIRST_CLASS, 2010, "10.1.0.10", "10.4.0.10",
	    "office", "cell", "program", "b.pcap", 13);

	/* a new flow on the known conduit: the flow and the new asset, no
	 * conduit or class event; within one zone: the asset only */
	talk(g, office2, plc, 3000, src, 20, OBS_C_READ);
	talk(g, plc2, plc, 3500, src, 25, OBS_C_WRITE);
	v = flush(s, g, E, &n);
	ck_assert_uint_eq(n, 3);
	check_ev(&v[0], SEV_NEW_ASSET, 3000, "10.1.0.11", "", "", "", "",
	    "b.pcap", 20);
	check_ev(&v[1], SEV_NEW_ZONE_FLOW, 3000, "10.1.0.11", "10.4.0.10",
	    "office", "cell", "", "b.pcap", 20);
	check_ev(&v[2], SEV_NEW_ASSET, 3500, "10.4.0.20", "", "", "", "",
	    "b.pcap", 25);

	/* a restart: the known pairs come from the database */
	store_events_free(E);
	graph_free(g);
	g = graph_new(NULL);
	E = store_events_new();
	ck_assert_int_eq(store_events_set_policy(E, s, &pol, err, sizeof(err)),
	    0);
	talk(g, office2, plc, 4000, src, 30, OBS_C_PROGRAM);
	talk(g, office2, plc, 4000, src, 30, OBS_C_WRITE);
	v = flush(s, g, E, &n);
	ck_assert_uint_eq(n, 1);
	check_ev(&v[0], SEV_FIRST_CLASS, 4010, "10.1.0.11", "10.4.0.10",
	    "office", "cell", "write", "b.pcap", 33);
	/* the other direction is another conduit */
	talk(g, plc, office1, 5000, src, 40, -1);
	v = flush(s, g, E, &n);
	ck_assert_uint_eq(n, 2);
	check_ev(&v[0], SEV_NEW_ZONE_FLOW, 5000, "10.4.0.10", "10.1.0.10",
	    "cell", "office", "", "b.pcap", 40);
	check_ev(&v[1], SEV_NEW_CONDUIT, 5000, "10.4.0.10", "10.1.0.10",
	    "cell", "office", "", "b.pcap", 40);
	policy_clear(&pol);
	store_events_free(E);
	graph_free(g);
	drop_store(s);
}
END_TEST

START_TEST(a_failed_flush_keeps_its_events)
{
	struct store *s = new_store();
	struct graph *g = graph_new(NULL);
	struct store_events *E = store_events_new();
	const struct store_event *v;
	struct policy pol;
	char err[256];
	uint32_t src = source(s, "c.pcap");
	size_t n;

	load_policy(&pol);
	ck_assert_int_eq(store_events_set_policy(E, s, &pol, err, sizeof(err)),
	    0);
	talk(g, office1, plc, 1000, src, 1, OBS_C_READ);
	ck_assert_int_eq(sqlite3_exec(store_db(s),
			     "CREATE TEMP TRIGGER no BEFORE INSERT ON flows"
			     " BEGIN SELECT RAISE(ABORT, 'refused'); END;",
			     NULL, NULL, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(store_flush_events(s, g, E, err, sizeof(err)), -1);
	v = store_events_get(E, &n);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(sqlite3_exec(store_db(s), "DROP TRIGGER no", NULL,
			     NULL, NULL),
	    SQLITE_OK);
	v = flush(s, g, E, &n);
	ck_assert_uint_eq(n, 5);
	check_ev(&v[3], SEV_NEW_CONDUIT, 1000, "10.1.0.10", "10.4.0.10",
	    "office", "cell", "", "c.pcap", 1);
	v = flush(s, g, E, &n);
	ck_assert_uint_eq(n, 0);
	policy_clear(&pol);
	store_events_free(E);
	graph_free(g);
	drop_store(s);
}
END_TEST

START_TEST(zones_from_the_stored_proposal)
{
	struct store *s = new_store();
	struct graph *g = graph_new(NULL);
	struct store_events *E = store_events_new();
	const struct store_event *v;
	char err[256];
	uint32_t src = source(s, "d.pcap");
	size_t n;

	/* no proposal yet: no zones */
	ck_assert_int_eq(store_events_use_proposal(E, s, err, sizeof(err)), 0);
	ck_assert_int_eq(store_events_have_zones(E), 0);
	talk(g, office1, plc, 1000, src, 1, OBS_C_READ);
	talk(g, office2, plc2, 1000, src, 2, -1);
	v = flush(s, g, E, &n);
	ck_assert_uint_eq(n, 4);
	/* a proposal: office1 and office2 in "it", the PLCs in "cell-1" */
	ck_assert_int_eq(sqlite3_exec(store_db(s),
			     "INSERT INTO proposals(id) VALUES (1);"
			     "INSERT INTO zones(id, proposal_id, name)"
			     " VALUES (1, 1, 'it'), (2, 1, 'cell-1');"
			     "INSERT INTO zone_members(zone_id, asset_id)"
			     " SELECT CASE WHEN ip_text LIKE '10.1.%' THEN 1"
			     " ELSE 2 END, id FROM assets;",
			     NULL, NULL, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(store_events_use_proposal(E, s, err, sizeof(err)), 0);
	ck_assert_int_eq(store_events_have_zones(E), 1);
	/* the stored flows are known: only what is new from now on */
	talk(g, office1, plc, 2000, src, 10, OBS_C_PROGRAM);
	talk(g, office1, plc2, 2000, src, 11, -1);
	v = flush(s, g, E, &n);
	ck_assert_uint_eq(n, 2);
	check_ev(&v[0], SEV_NEW_ZONE_FLOW, 2000, "10.1.0.10", "10.4.0.20",
	    "it", "cell-1", "", "d.pcap", 11);
	check_ev(&v[1], SEV_FIRST_CLASS, 2010, "10.1.0.10", "10.4.0.10",
	    "it", "cell-1", "program", "d.pcap", 13);
	store_events_free(E);
	graph_free(g);
	drop_store(s);
}
END_TEST

START_TEST(the_cap_suppresses_with_a_count)
{
	struct store *s = new_store();
	struct graph *g = graph_new(NULL);
	struct store_events *E = store_events_new();
	const struct store_event *v;
	uint32_t src = source(s, "e.pcap");
	uint32_t i;
	size_t n;

	for (i = 0; i < STORE_EVENTS_MAX_PER_FLUSH + 4; i++) {
		uint8_t c[16] = IP4(10, 9, 0, 0);

		c[14] = (uint8_t)(i >> 8);
		c[15] = (uint8_t)i;
		talk(g, c, plc, 1000 + i, src, i + 1, -1);
	}
	v = flush(s, g, E, &n);
	/* 1005 new assets: 1000 kept, then one record for the other 5 */
	ck_assert_uint_eq(n, STORE_EVENTS_MAX_PER_FLUSH + 1);
	ck_assert_int_eq(v[n - 1].type, SEV_SUPPRESSED);
	ck_assert_uint_eq(v[n - 1].suppressed, 5);
	ck_assert_int_eq(v[n - 2].type, SEV_NEW_ASSET);
	store_events_free(E);
	graph_free(g);
	drop_store(s);
}
END_TEST

START_TEST(new_findings_only)
{
	struct store *s = new_store();
	struct graph *g = graph_new(NULL);
	struct store_events *E = store_events_new();
	const struct store_event *v;
	struct policy pol;
	struct check_result res;
	struct check_finding f[2];
	char err[256];
	size_t n;

	load_policy(&pol);
	talk(g, office1, plc, 1000, source(s, "f.pcap"), 1, OBS_C_READ);
	v = flush(s, g, E, &n);
	memset(&res, 0, sizeof(res));
	memset(f, 0, sizeof(f));
	f[0].rule = CR_NO_CONDUIT;
	f[0].requirement = "SR 5.2 RE1";
	f[0].sl_t = 2;
	f[0].severity = SEV_LOW;
	snprintf(f[0].client, sizeof(f[0].client), "10.1.0.10");
	snprintf(f[0].server, sizeof(f[0].server), "10.4.0.10");
	snprintf(f[0].protocol, sizeof(f[0].protocol), "modbus");
	snprintf(f[0].cls, sizeof(f[0].cls), "read");
	f[0].zone_from = 0;
	f[0].zone_to = 1;
	f[0].count = 3;
	f[0].first_us = 1000;
	f[0].source = "f.pcap";
	f[0].frame = 1;
	res.findings = f;
	res.n_findings = 1;
	ck_assert_int_eq(store_events_findings(E, s, &pol, &res, err,
			     sizeof(err)),
	    0);
	v = store_events_get(E, &n);
	ck_assert_uint_eq(n, 1);
	check_ev(&v[0], SEV_NEW_FINDING, 1000, "10.1.0.10", "10.4.0.10",
	    "office", "cell", "read", "f.pcap", 1);
	ck_assert_str_eq(v[0].rule, "no-conduit");
	ck_assert_str_eq(v[0].requirement, "SR 5.2 RE1");
	ck_assert_str_eq(v[0].severity, "low");
	ck_assert_uint_eq(v[0].count, 3);
	ck_assert_int_eq(check_db_save(s, &pol, &res, "t.yaml", err,
			     sizeof(err)),
	    0);
	/* stored: not new any more, whatever its count; a second one is */
	f[0].count = 9;
	f[1] = f[0];
	snprintf(f[1].cls, sizeof(f[1].cls), "write");
	res.n_findings = 2;
	ck_assert_int_eq(store_events_findings(E, s, &pol, &res, err,
			     sizeof(err)),
	    0);
	v = store_events_get(E, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].cls, "write");
	policy_clear(&pol);
	store_events_free(E);
	graph_free(g);
	drop_store(s);
}
END_TEST

/* The JSON line is valid UTF-8 whatever a device sends. */
START_TEST(json_is_utf8)
{
	struct store_event e;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	memset(&e, 0, sizeof(e));
	e.type = SEV_NEW_ASSET;
	e.ts_us = 1767600000000000LL;
	e.src.present = 1;
	snprintf(e.src.ip, sizeof(e.src.ip), "10.0.0.1");
	/* Latin-1 e-acute, a lone continuation byte, a control character,
	 * an overlong slash, then valid UTF-8 (e-acute, euro sign) */
	snprintf(e.src.vendor, sizeof(e.src.vendor),
	    "A\xe9" "B\x80" "C\x01" "D\xc0\xaf" "E\xc3\xa9\xe2\x82\xac\"");
	f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	events_json(f, &e, "s1");
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf,
	    "\"vendor\":\"A\\ufffdB\\ufffdC\\u0001D\\ufffd\\ufffdE"
	    "\xc3\xa9" "\xe2\x82\xac" "\\\"\""));
	ck_assert_ptr_nonnull(strstr(buf, "\"@timestamp\":"
					  "\"2026-01-05T08:00:00.000000Z\""));
	free(buf);
}
END_TEST

static Suite *
events_suite(void)
{
	Suite *s = suite_create("events");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, assets_and_identity_without_zones);
	tcase_add_test(tc, zones_from_a_policy);
	tcase_add_test(tc, a_failed_flush_keeps_its_events);
	tcase_add_test(tc, zones_from_the_stored_proposal);
	tcase_add_test(tc, the_cap_suppresses_with_a_count);
	tcase_add_test(tc, new_findings_only);
	tcase_add_test(tc, json_is_utf8);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(events_suite());
	int nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

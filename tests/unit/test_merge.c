/* SPDX-License-Identifier: BSD-2-Clause */
/* test_merge.c: sensor identity (schema v2) and store_merge(). */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../store/store.h"

static const uint8_t ip_a[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
    10, 1, 2, 3};
static const uint8_t ip_b[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
    10, 1, 2, 40};
static const uint8_t ip_c[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
    10, 1, 2, 50};
static const uint8_t mac1[6] = {0x00, 0x1b, 0x1b, 1, 2, 3};
static const uint8_t mac2[6] = {0x00, 0x1b, 0x1b, 4, 5, 6};

#define S(x) ((uint64_t)(x) * 1000000u) /* seconds in us */

static char dir[64];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/otz-merge-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static const char *
path_of(const char *name)
{
	static char p[4][128];
	static int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

static struct store *
open_rw(const char *name)
{
	char err[512];
	struct store *s = store_open(path_of(name), 0, err, sizeof(err));

	ck_assert_msg(s != NULL, "%s", err);
	return s;
}

/* A flow a -> b (modbus/502) with one read operation (code 3). */
struct fspec {
	const uint8_t *client, *server;
	uint64_t first, last, pkts, bytes, ops;
	uint32_t src;
};

static void
add_flow(struct graph *g, const struct fspec *f)
{
	struct g_asset *a = graph_asset(g, 0, f->client);
	struct g_asset *b = graph_asset(g, 0, f->server);
	struct g_edge *e;
	struct obs_op op;
	uint64_t i;

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	/* as the engine does: a connection's packets on both endpoints */
	graph_asset_traffic(a, f->first, 0, 0);
	graph_asset_traffic(a, f->last, f->pkts, f->bytes);
	graph_asset_traffic(b, f->first, 0, 0);
	graph_asset_traffic(b, f->last, f->pkts, f->bytes);
	graph_asset_name(g, b, 0, "modbus");
	graph_asset_name(g, b, 1, "modbus-server");
	e = graph_edge(g, 0, f->client, 0, f->server, 6, 502,
	    graph_proto_id(g, "modbus"));
	ck_assert_ptr_nonnull(e);
	graph_edge_traffic(e, f->first, f->last, f->pkts, f->bytes, f->src,
	    f->first / 1000000u);
	memset(&op, 0, sizeof(op));
	op.proto = OBS_P_MODBUS;
	op.cls = OBS_C_READ;
	op.code = 3;
	op.name = "Read Holding Registers";
	for (i = 0; i < f->ops; i++)
		graph_edge_op(g, e, &op, f->first + i, f->src, 10 + i);
}

static uint32_t
add_source(struct store *s, const char *path, const char *sha)
{
	struct store_source src;
	char err[512];
	uint32_t id;

	memset(&src, 0, sizeof(src));
	src.path = path;
	src.hash = sha;
	src.packets = 100;
	id = store_source_begin(s, &src, err, sizeof(err));
	ck_assert_msg(id > 0, "%s", err);
	ck_assert_int_eq(store_source_end(s, id, &src, err, sizeof(err)), 0);
	return id;
}

/* Build the sensor database name with its flows. */
static void
sensor_db(const char *name, const char *sensor, const char *sha,
    const struct fspec *f, size_t n)
{
	struct store *s = open_rw(name);
	struct graph *g = graph_new(NULL);
	char err[512], cap[64];
	struct fspec fs;
	uint32_t src;
	size_t i;

	ck_assert_int_eq(store_set_sensor_name(s, sensor, err, sizeof(err)),
	    0);
	snprintf(cap, sizeof(cap), "/captures/%s.pcap", sensor);
	src = add_source(s, cap, sha);
	for (i = 0; i < n; i++) {
		fs = f[i];
		fs.src = src;
		add_flow(g, &fs);
	}
	ck_assert_int_eq(store_flush(s, g, err, sizeof(err)), 0);
	graph_free(g);
	store_close(s);
}

static void
merge_ok(struct store *site, const char *const *names, size_t n,
    struct store_merge_stats *st)
{
	const char *paths[8];
	char err[768];
	size_t i;

	for (i = 0; i < n; i++)
		paths[i] = path_of(names[i]);
	ck_assert_msg(store_merge(site, paths, n, st, err, sizeof(err)) == 0,
	    "%s", err);
}

static int64_t
q1(struct store *s, const char *sql)
{
	sqlite3_stmt *q;
	int64_t v = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(store_db(s), sql, -1, &q, NULL),
	    SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

static void
qtext(struct store *s, const char *sql, char *buf, size_t len)
{
	sqlite3_stmt *q;
	const unsigned char *t = NULL;

	ck_assert_int_eq(sqlite3_prepare_v2(store_db(s), sql, -1, &q, NULL),
	    SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		t = sqlite3_column_text(q, 0);
	snprintf(buf, len, "%s", t ? (const char *)t : "(null)");
	sqlite3_finalize(q);
}

/* Every row of the ordinary tables, as text, for byte comparison. */
static int
dump_cb(void *arg, int n, char **v, char **col)
{
	FILE *f = arg;
	int i;

	(void)col;
	for (i = 0; i < n; i++)
		fprintf(f, "%s|", v[i] ? v[i] : "NULL");
	fputc('\n', f);
	return 0;
}

static char *
dump(struct store *s)
{
	static const char *const sql[] = {
	    "SELECT * FROM sources ORDER BY id",
	    "SELECT id, vlan, hex(ip), ip_text, macs, names, first_us,"
	    " last_us, packets, bytes, vendor, product, model, firmware,"
	    " hardware, serial, name, url, ident_source, vendor_id,"
	    " device_type, product_code FROM assets ORDER BY id",
	    "SELECT id, vlan, client_vlan, hex(client), hex(server),"
	    " client_text, server_text, transport, server_port, protocol,"
	    " packets, bytes, connections, first_us, last_us, source_id, frame,"
	    " sec_mode, authenticated, encrypted, sec_policy FROM flows"
	    " ORDER BY id",
	    "SELECT * FROM operations ORDER BY flow_id, protocol, code", NULL};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int i;

	ck_assert_ptr_nonnull(f);
	for (i = 0; sql[i] != NULL; i++) {
		fprintf(f, "-- %d\n", i);
		ck_assert_int_eq(sqlite3_exec(store_db(s), sql[i], dump_cb, f,
				     NULL),
		    SQLITE_OK);
	}
	fclose(f);
	return buf;
}

START_TEST(identity_made_and_kept)
{
	struct store *s = open_rw("x.db");
	char id[64], err[512];

	ck_assert_uint_eq(strlen(store_sensor_id(s)), STORE_SENSOR_ID_LEN);
	ck_assert_uint_eq(strspn(store_sensor_id(s), "0123456789abcdef"),
	    STORE_SENSOR_ID_LEN);
	ck_assert_uint_gt(strlen(store_sensor_name(s)), 0);
	snprintf(id, sizeof(id), "%s", store_sensor_id(s));
	ck_assert_int_eq(store_set_sensor_name(s, "cell-a", err, sizeof(err)),
	    0);
	ck_assert_int_eq(store_set_sensor_name(s, "bad name", err,
			     sizeof(err)),
	    -1);
	ck_assert_msg(strstr(err, "bad sensor name") != NULL, "%s", err);
	ck_assert_int_eq(store_set_sensor_name(s, "", err, sizeof(err)), -1);
	ck_assert_int_eq(store_is_site(s), 0);
	store_close(s);
	/* reopened: the same id, the name set */
	s = store_open(path_of("x.db"), 1, err, sizeof(err));
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(store_sensor_id(s), id);
	ck_assert_str_eq(store_sensor_name(s), "cell-a");
	ck_assert_int_eq(store_set_sensor_name(s, "other", err, sizeof(err)),
	    -1);
	ck_assert_int_eq(q1(s, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	store_close(s);
	/* another database, another id */
	s = open_rw("y.db");
	ck_assert_str_ne(store_sensor_id(s), id);
	store_close(s);
}
END_TEST

START_TEST(disjoint_sensors_add_up)
{
	/* the same flow seen at 1-2 s by a and at 5-6 s by b */
	static const struct fspec fa[] = {
	    {ip_a, ip_b, S(1), S(2), 10, 1000, 4, 0}};
	static const struct fspec fb[] = {
	    {ip_a, ip_b, S(5), S(6), 6, 600, 2, 0},
	    {ip_c, ip_b, S(5), S(7), 3, 300, 1, 0}};
	static const char *const names[] = {"a.db", "b.db"};
	struct store_merge_stats st[2];
	struct store *site;
	char t[256];

	sensor_db("a.db", "a", "sha-a", fa, 1);
	sensor_db("b.db", "b", "sha-b", fb, 2);
	site = open_rw("site.db");
	merge_ok(site, names, 2, st);
	ck_assert_int_eq(store_is_site(site), 1);
	ck_assert_str_eq(st[0].sensor_name, "a");
	ck_assert_str_eq(st[1].sensor_name, "b");
	ck_assert_uint_eq(st[0].assets, 2);
	ck_assert_uint_eq(st[0].flows, 1);
	ck_assert_uint_eq(st[0].assets_new, 2);
	ck_assert_uint_eq(st[1].assets, 3);
	ck_assert_uint_eq(st[1].flows, 2);
	ck_assert_uint_eq(st[1].flows_dedup, 0);
	ck_assert_uint_eq(st[0].flows_dedup, 0);
	ck_assert_int_eq(q1(site, "SELECT count(*) FROM flows"), 2);
	ck_assert_int_eq(q1(site, "SELECT packets FROM flows WHERE"
				  " client_text = '10.1.2.3'"),
	    16);
	ck_assert_int_eq(q1(site, "SELECT bytes FROM flows WHERE"
				  " client_text = '10.1.2.3'"),
	    1600);
	ck_assert_int_eq(q1(site, "SELECT first_us FROM flows WHERE"
				  " client_text = '10.1.2.3'"),
	    (int64_t)S(1));
	ck_assert_int_eq(q1(site, "SELECT last_us FROM flows WHERE"
				  " client_text = '10.1.2.3'"),
	    (int64_t)S(6));
	ck_assert_int_eq(q1(site, "SELECT o.count FROM operations o JOIN"
				  " flows f ON f.id = o.flow_id WHERE"
				  " f.client_text = '10.1.2.3'"),
	    6);
	/* assets: sums; b is an endpoint of both flows */
	ck_assert_int_eq(q1(site, "SELECT count(*) FROM assets"), 3);
	ck_assert_int_eq(q1(site, "SELECT packets FROM assets WHERE"
				  " ip_text = '10.1.2.3'"),
	    16);
	ck_assert_int_eq(q1(site, "SELECT packets FROM assets WHERE"
				  " ip_text = '10.1.2.40'"),
	    19);
	ck_assert_int_eq(q1(site, "SELECT first_us FROM assets WHERE"
				  " ip_text = '10.1.2.40'"),
	    (int64_t)S(1));
	ck_assert_int_eq(q1(site, "SELECT last_us FROM assets WHERE"
				  " ip_text = '10.1.2.40'"),
	    (int64_t)S(7));
	/* sources kept, tagged; evidence points at the earliest row's */
	ck_assert_int_eq(q1(site, "SELECT count(*) FROM sources"), 2);
	qtext(site,
	    "SELECT s.path || ' ' || s.sensor || ' ' || f.frame FROM flows f"
	    " JOIN sources s ON s.id = f.source_id WHERE f.client_text ="
	    " '10.1.2.3'",
	    t, sizeof(t));
	ck_assert_str_eq(t, "/captures/a.pcap a 1");
	ck_assert_int_eq(q1(site, "SELECT count(*) FROM m_sensors"), 2);
	store_close(site);
}
END_TEST

START_TEST(overlapping_flows_count_once)
{
	/* two SPAN points saw the same connection (overlapping times) */
	static const struct fspec fa[] = {
	    {ip_a, ip_b, S(1), S(3), 10, 1000, 4, 0}};
	static const struct fspec fb[] = {
	    {ip_a, ip_b, S(2), S(4), 8, 900, 5, 0},
	    {ip_c, ip_b, S(5), S(7), 3, 300, 1, 0}};
	static const char *const names[] = {"a.db", "b.db"};
	struct store_merge_stats st[2];
	struct store *site;

	sensor_db("a.db", "a", "sha-a", fa, 1);
	sensor_db("b.db", "b", "sha-b", fb, 2);
	site = open_rw("site.db");
	merge_ok(site, names, 2, st);
	ck_assert_uint_eq(st[0].flows_dedup, 1);
	ck_assert_uint_eq(st[1].flows_dedup, 1);
	ck_assert_uint_eq(st[1].flows_new, 1);
	/* max of each counter, times min/max */
	ck_assert_int_eq(q1(site, "SELECT packets FROM flows WHERE"
				  " client_text = '10.1.2.3'"),
	    10);
	ck_assert_int_eq(q1(site, "SELECT bytes FROM flows WHERE"
				  " client_text = '10.1.2.3'"),
	    1000);
	ck_assert_int_eq(q1(site, "SELECT first_us FROM flows WHERE"
				  " client_text = '10.1.2.3'"),
	    (int64_t)S(1));
	ck_assert_int_eq(q1(site, "SELECT last_us FROM flows WHERE"
				  " client_text = '10.1.2.3'"),
	    (int64_t)S(4));
	/* operations: a's 4 at 1 s..., b's 5 at 2 s...: each op row's own
	 * times [first, first + n - 1 us] do not overlap here: summed */
	ck_assert_int_eq(q1(site, "SELECT o.count FROM operations o JOIN"
				  " flows f ON f.id = o.flow_id WHERE"
				  " f.client_text = '10.1.2.3'"),
	    9);
	/* asset a: 10 + 8 summed over sensors, minus the 8 counted once */
	ck_assert_int_eq(q1(site, "SELECT packets FROM assets WHERE"
				  " ip_text = '10.1.2.3'"),
	    10);
	ck_assert_int_eq(q1(site, "SELECT bytes FROM assets WHERE"
				  " ip_text = '10.1.2.3'"),
	    1000);
	/* b: 10 + 8 + 3 - 8 */
	ck_assert_int_eq(q1(site, "SELECT packets FROM assets WHERE"
				  " ip_text = '10.1.2.40'"),
	    13);
	ck_assert_int_eq(q1(site, "SELECT bytes FROM assets WHERE"
				  " ip_text = '10.1.2.40'"),
	    1300);
	store_close(site);
}
END_TEST

START_TEST(clusters_chain_and_add)
{
	/* a overlaps b, b overlaps c (a and c do not): one cluster, its
	 * maximum; d is later, alone: added */
	static const struct fspec fa[] = {
	    {ip_a, ip_b, S(1), S(3), 10, 1000, 1, 0}};
	static const struct fspec fb[] = {
	    {ip_a, ip_b, S(2), S(5), 12, 1200, 1, 0}};
	static const struct fspec fc[] = {
	    {ip_a, ip_b, S(4), S(6), 7, 700, 1, 0}};
	static const struct fspec fd[] = {
	    {ip_a, ip_b, S(10), S(11), 5, 500, 1, 0}};
	static const char *const names[] = {"d.db", "c.db", "b.db", "a.db"};
	struct store_merge_stats st[4];
	struct store *site;

	sensor_db("a.db", "a", "sha-a", fa, 1);
	sensor_db("b.db", "b", "sha-b", fb, 1);
	sensor_db("c.db", "c", "sha-c", fc, 1);
	sensor_db("d.db", "d", "sha-d", fd, 1);
	site = open_rw("site.db");
	merge_ok(site, names, 4, st);
	ck_assert_int_eq(q1(site, "SELECT packets FROM flows"), 12 + 5);
	ck_assert_int_eq(q1(site, "SELECT bytes FROM flows"), 1200 + 500);
	ck_assert_int_eq(q1(site, "SELECT first_us FROM flows"),
	    (int64_t)S(1));
	ck_assert_int_eq(q1(site, "SELECT last_us FROM flows"),
	    (int64_t)S(11));
	/* d's flow stood alone, c's was counted with others */
	ck_assert_uint_eq(st[0].flows_dedup, 0);
	ck_assert_uint_eq(st[1].flows_dedup, 1);
	ck_assert_uint_eq(st[3].flows_dedup, 1);
	/* assets: 10 + 12 + 7 + 5 summed, minus (10 + 12 + 7 - 12) */
	ck_assert_int_eq(q1(site, "SELECT packets FROM assets WHERE"
				  " ip_text = '10.1.2.3'"),
	    17);
	/* one source per sensor, the evidence the earliest row's (a) */
	ck_assert_int_eq(q1(site, "SELECT count(*) FROM sources"), 4);
	ck_assert_int_eq(q1(site, "SELECT s.sensor = 'a' FROM flows f JOIN"
				  " sources s ON s.id = f.source_id"),
	    1);
	store_close(site);
}
END_TEST

START_TEST(overlapping_operations_count_once)
{
	/* the same ops at the same times, seen at two points */
	static const struct fspec fa[] = {
	    {ip_a, ip_b, S(1), S(3), 10, 1000, 4, 0}};
	static const struct fspec fb[] = {
	    {ip_a, ip_b, S(1), S(3), 10, 1000, 3, 0}};
	static const char *const names[] = {"b.db", "a.db"};
	struct store *site;

	sensor_db("a.db", "a", "sha-a", fa, 1);
	sensor_db("b.db", "b", "sha-b", fb, 1);
	site = open_rw("site.db");
	merge_ok(site, names, 2, NULL);
	ck_assert_int_eq(q1(site, "SELECT o.count FROM operations o"), 4);
	ck_assert_int_eq(q1(site, "SELECT count(*) FROM operations"), 1);
	ck_assert_int_eq(q1(site, "SELECT packets FROM flows"), 10);
	ck_assert_int_eq(q1(site, "SELECT packets FROM assets WHERE"
				  " ip_text = '10.1.2.40'"),
	    10);
	store_close(site);
}
END_TEST

START_TEST(same_capture_counted_once)
{
	/* both sensors read the same file (same sha256) */
	static const struct fspec f[] = {
	    {ip_a, ip_b, S(1), S(3), 10, 1000, 4, 0}};
	static const char *const names[] = {"a.db", "b.db"};
	struct store *site;
	char t[128];

	sensor_db("a.db", "a", "sha-same", f, 1);
	sensor_db("b.db", "b", "sha-same", f, 1);
	site = open_rw("site.db");
	merge_ok(site, names, 2, NULL);
	ck_assert_int_eq(q1(site, "SELECT count(*) FROM sources"), 1);
	qtext(site, "SELECT path || ' ' || sensor FROM sources", t,
	    sizeof(t));
	ck_assert_str_eq(t, "/captures/a.pcap a,b");
	ck_assert_int_eq(q1(site, "SELECT packets FROM flows"), 10);
	ck_assert_int_eq(q1(site, "SELECT count FROM operations"), 4);
	ck_assert_int_eq(q1(site, "SELECT source_id FROM flows"), 1);
	ck_assert_int_eq(q1(site, "SELECT source_id FROM operations"), 1);
	ck_assert_int_eq(q1(site, "SELECT sum(packets) FROM assets"), 20);
	store_close(site);
}
END_TEST

/* b's identity seen by two sensors at different times: observed at ts,
 * the asset seen until last */
static void
ident_db_at(const char *name, const char *sensor, uint64_t ts, uint64_t last,
    const char *model, const char *firmware, const uint8_t *mac);

static void
ident_db(const char *name, const char *sensor, uint64_t ts,
    const char *model, const char *firmware, const uint8_t *mac)
{
	ident_db_at(name, sensor, ts, ts, model, firmware, mac);
}

static void
ident_db_at(const char *name, const char *sensor, uint64_t ts, uint64_t last,
    const char *model, const char *firmware, const uint8_t *mac)
{
	struct store *s = open_rw(name);
	struct graph *g = graph_new(NULL);
	struct g_asset *b = graph_asset(g, 0, ip_b);
	struct obs_ident id;
	char err[512];

	ck_assert_int_eq(store_set_sensor_name(s, sensor, err, sizeof(err)),
	    0);
	graph_asset_traffic(b, ts, 1, 60);
	graph_asset_mac(g, b, mac);
	memset(&id, 0, sizeof(id));
	id.side = OBS_SIDE_SERVER;
	id.proto = OBS_P_S7COMM;
	snprintf(id.vendor, sizeof(id.vendor), "Siemens");
	if (model != NULL)
		snprintf(id.model, sizeof(id.model), "%s", model);
	snprintf(id.firmware, sizeof(id.firmware), "%s", firmware);
	graph_asset_ident(b, &id, ts);
	graph_asset_traffic(b, last, 0, 0);
	ck_assert_int_eq(store_flush(s, g, err, sizeof(err)), 0);
	graph_free(g);
	store_close(s);
}

START_TEST(identity_by_observation_time)
{
	/* The sensor that saw the asset last is not the one that saw its
	 * identity last: the firmware observed last wins (schema 3's
	 * ident_us), and the site keeps that time. */
	static const char *const names[] = {"a.db", "b.db"};
	struct store *site;
	struct st_asset *as;
	size_t na;
	char err[512];

	ident_db_at("a.db", "a", S(100), S(500), NULL, "V1.0", mac1);
	ident_db_at("b.db", "b", S(200), S(250), NULL, "V2.0", mac1);
	site = open_rw("site.db");
	merge_ok(site, names, 2, NULL);
	ck_assert_int_eq(store_load_assets(site, &as, &na, err, sizeof(err)),
	    0);
	ck_assert_uint_eq(na, 1);
	ck_assert_str_eq(as[0].firmware, "V2.0");
	ck_assert_int_eq(as[0].last_us, (int64_t)S(500));
	free(as);
	ck_assert_int_eq(q1(site, "SELECT ident_us FROM assets"),
	    (int64_t)S(200));
	/* a site made before m_assets had the column: merged again, it
	 * gains it */
	ck_assert_int_eq(sqlite3_exec(store_db(site),
			     "ALTER TABLE m_assets DROP COLUMN ident_us", NULL,
			     NULL, NULL),
	    SQLITE_OK);
	merge_ok(site, names, 2, NULL);
	ck_assert_int_eq(q1(site, "SELECT count(*) FROM m_assets WHERE"
				  " ident_us IS NOT NULL"), 2);
	ck_assert_int_eq(q1(site, "SELECT ident_us FROM assets"),
	    (int64_t)S(200));
	store_close(site);
}
END_TEST

START_TEST(identity_reconciled)
{
	static const char *const names[] = {"new.db", "old.db"};
	struct store *site;
	struct st_asset *as;
	size_t na;
	char err[512];

	ident_db("old.db", "old", S(100), "CPU 315-2", "V3.2.6", mac1);
	ident_db("new.db", "new", S(200), NULL, "V3.3.0", mac2);
	site = open_rw("site.db");
	merge_ok(site, names, 2, NULL);
	ck_assert_int_eq(store_load_assets(site, &as, &na, err, sizeof(err)),
	    0);
	ck_assert_uint_eq(na, 1);
	/* the newest firmware; the model only the older sensor knew */
	ck_assert_str_eq(as[0].firmware, "V3.3.0");
	ck_assert_str_eq(as[0].model, "CPU 315-2");
	ck_assert_str_eq(as[0].vendor, "Siemens");
	ck_assert_str_eq(as[0].ident_source, "s7comm");
	/* MACs unioned, earliest first */
	ck_assert_str_eq(as[0].macs, "00:1b:1b:01:02:03,00:1b:1b:04:05:06");
	ck_assert_int_eq(as[0].first_us, (int64_t)S(100));
	ck_assert_int_eq(as[0].last_us, (int64_t)S(200));
	ck_assert_uint_eq(as[0].packets, 2);
	free(as);
	store_close(site);
}
END_TEST

START_TEST(merge_twice_changes_nothing)
{
	static const struct fspec fa[] = {
	    {ip_a, ip_b, S(1), S(3), 10, 1000, 4, 0}};
	static const struct fspec fb[] = {
	    {ip_a, ip_b, S(2), S(4), 8, 900, 5, 0},
	    {ip_c, ip_b, S(5), S(7), 3, 300, 1, 0}};
	static const char *const ab[] = {"a.db", "b.db"};
	static const char *const ba[] = {"b.db", "a.db"};
	static const char *const a[] = {"a.db"};
	struct store_merge_stats st[2];
	struct store *site;
	char *d1, *d2, *d3;

	sensor_db("a.db", "a", "sha-a", fa, 1);
	sensor_db("b.db", "b", "sha-b", fb, 2);
	site = open_rw("site.db");
	merge_ok(site, ab, 2, st);
	ck_assert_int_eq(st[0].replaced, 0);
	d1 = dump(site);
	merge_ok(site, a, 1, st);
	ck_assert_int_eq(st[0].replaced, 1);
	ck_assert_uint_eq(st[0].assets_new, 0);
	ck_assert_uint_eq(st[0].flows_new, 0);
	d2 = dump(site);
	ck_assert_str_eq(d1, d2);
	/* another order, the same site */
	merge_ok(site, ba, 2, NULL);
	d3 = dump(site);
	ck_assert_str_eq(d1, d3);
	ck_assert_int_eq(q1(site, "SELECT count(*) FROM m_sensors"), 2);
	free(d1);
	free(d2);
	free(d3);
	store_close(site);
}
END_TEST

START_TEST(grown_snapshot_replaces)
{
	static const struct fspec fa[] = {
	    {ip_a, ip_b, S(1), S(3), 10, 1000, 4, 0}};
	static const struct fspec more = {ip_a, ip_b, S(10), S(11), 5, 500, 2,
	    1};
	static const char *const a[] = {"a.db"};
	struct store *s, *site;
	struct graph *g;
	char err[512];

	sensor_db("a.db", "a", "sha-a", fa, 1);
	site = open_rw("site.db");
	merge_ok(site, a, 1, NULL);
	ck_assert_int_eq(q1(site, "SELECT packets FROM flows"), 10);
	/* the sensor kept running: its database grew */
	s = open_rw("a.db");
	g = graph_new(NULL);
	add_flow(g, &more);
	ck_assert_int_eq(store_flush(s, g, err, sizeof(err)), 0);
	graph_free(g);
	store_close(s);
	merge_ok(site, a, 1, NULL);
	ck_assert_int_eq(q1(site, "SELECT packets FROM flows"), 15);
	ck_assert_int_eq(q1(site, "SELECT count FROM operations"), 6);
	ck_assert_int_eq(q1(site, "SELECT packets FROM assets WHERE"
				  " ip_text = '10.1.2.3'"),
	    15);
	ck_assert_int_eq(q1(site, "SELECT count(*) FROM m_sensors"), 1);
	ck_assert_int_eq(q1(site, "SELECT count(*) FROM m_flows"), 1);
	store_close(site);
}
END_TEST

START_TEST(v1_migrates_and_merges)
{
	static const struct fspec fa[] = {
	    {ip_a, ip_b, S(1), S(3), 10, 1000, 4, 0}};
	static const char *const v1[] = {"old-sensor.db"};
	struct store_merge_stats st;
	struct store *s, *site;
	sqlite3 *db;
	char *d1, *d2, id[64], err[512];

	sensor_db("old-sensor.db", "x", "sha-a", fa, 1);
	/* make it a version 1 database */
	ck_assert_int_eq(sqlite3_open(path_of("old-sensor.db"), &db),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db,
			     "DROP TABLE meta; PRAGMA user_version = 1", NULL,
			     NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	/* read-only: still readable, no identity */
	s = store_open(path_of("old-sensor.db"), 1, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_str_eq(store_sensor_id(s), "");
	ck_assert_int_eq(q1(s, "SELECT packets FROM flows"), 10);
	store_close(s);
	/* merged as is: an identity derived from its first source */
	site = open_rw("site.db");
	merge_ok(site, v1, 1, &st);
	ck_assert_str_eq(st.sensor_name, "old-sensor");
	ck_assert_uint_eq(strlen(st.sensor_id), STORE_SENSOR_ID_LEN);
	snprintf(id, sizeof(id), "%s", st.sensor_id);
	d1 = dump(site);
	merge_ok(site, v1, 1, &st);
	ck_assert_str_eq(st.sensor_id, id);
	ck_assert_int_eq(st.replaced, 1);
	d2 = dump(site);
	ck_assert_str_eq(d1, d2);
	ck_assert_int_eq(q1(site, "SELECT schema_version FROM m_sensors"), 1);
	store_close(site);
	/* the input was not changed by the merge */
	s = store_open(path_of("old-sensor.db"), 1, err, sizeof(err));
	ck_assert_int_eq(q1(s, "PRAGMA user_version"), 1);
	store_close(s);
	/* opened read-write: migrated in place, data kept */
	s = open_rw("old-sensor.db");
	ck_assert_int_eq(q1(s, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	ck_assert_int_eq(q1(s, "SELECT count(*) FROM pragma_table_info("
			       "'assets') WHERE name = 'ident_us'"), 1);
	ck_assert_uint_eq(strlen(store_sensor_id(s)), STORE_SENSOR_ID_LEN);
	ck_assert_int_eq(q1(s, "SELECT packets FROM flows"), 10);
	store_close(s);
	free(d1);
	free(d2);
}
END_TEST

static void
merge_fails(struct store *site, const char *path, const char *want)
{
	char err[768];

	ck_assert_int_eq(store_merge_from(site, path, NULL, err, sizeof(err)),
	    -1);
	ck_assert_msg(strstr(err, want) != NULL, "'%s' lacks '%s'", err,
	    want);
}

START_TEST(bad_inputs_leave_site_unchanged)
{
	static const struct fspec fa[] = {
	    {ip_a, ip_b, S(1), S(3), 10, 1000, 4, 0}};
	static const char *const a[] = {"a.db"};
	struct store *site, *s;
	sqlite3 *db;
	char *d1, *d2, err[768];
	FILE *f;

	sensor_db("a.db", "a", "sha-a", fa, 1);
	sensor_db("a2.db", "a2", "sha-a2", fa, 1);
	site = open_rw("site.db");
	merge_ok(site, a, 1, NULL);
	d1 = dump(site);
	merge_fails(site, path_of("missing.db"), "No such file");
	f = fopen(path_of("junk.db"), "w");
	ck_assert_ptr_nonnull(f);
	fputs("this is not a database, not at all, really not\n", f);
	fclose(f);
	merge_fails(site, path_of("junk.db"), "not a usable database");
	ck_assert_int_eq(sqlite3_open(path_of("new.db"), &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA user_version = 99", NULL,
			     NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	merge_fails(site, path_of("new.db"), "newer");
	merge_fails(site, path_of("site.db"), "is the site database itself");
	/* an identity otzone did not write */
	ck_assert_int_eq(sqlite3_open(path_of("a2.db"), &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db,
			     "UPDATE meta SET value = 'x y' WHERE key ="
			     " 'sensor_id'",
			     NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	merge_fails(site, path_of("a2.db"), "meta sensor_id 'x y' is not");
	/* a site as input */
	s = open_rw("site2.db");
	merge_ok(s, a, 1, NULL);
	store_close(s);
	merge_fails(site, path_of("site2.db"), "is a site database");
	/* a sensor's own database as the site */
	s = open_rw("a2.db");
	ck_assert_int_eq(store_merge_from(s, path_of("a.db"), NULL, err,
			     sizeof(err)),
	    -1);
	ck_assert_msg(strstr(err, "holds a sensor's own data") != NULL, "%s",
	    err);
	store_close(s);
	/* an empty file is a new database: nothing to merge, refused */
	d2 = dump(site);
	ck_assert_str_eq(d1, d2);
	free(d2);
	/* reading captures into the site is refused */
	{
		struct store_source src;

		memset(&src, 0, sizeof(src));
		src.path = "x.pcap";
		ck_assert_uint_eq(store_source_begin(site, &src, err,
				      sizeof(err)),
		    0);
		ck_assert_msg(strstr(err, "site database") != NULL, "%s",
		    err);
	}
	/* a locked site: refused, unchanged */
	ck_assert_int_eq(sqlite3_open(path_of("site.db"), &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_busy_timeout(store_db(site), 10);
	merge_fails(site, path_of("a.db"), "locked");
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	d2 = dump(site);
	ck_assert_str_eq(d1, d2);
	free(d1);
	free(d2);
	store_close(site);
}
END_TEST

static Suite *
merge_suite(void)
{
	Suite *s = suite_create("merge");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, identity_made_and_kept);
	tcase_add_test(tc, disjoint_sensors_add_up);
	tcase_add_test(tc, overlapping_flows_count_once);
	tcase_add_test(tc, clusters_chain_and_add);
	tcase_add_test(tc, overlapping_operations_count_once);
	tcase_add_test(tc, same_capture_counted_once);
	tcase_add_test(tc, identity_reconciled);
	tcase_add_test(tc, identity_by_observation_time);
	tcase_add_test(tc, merge_twice_changes_nothing);
	tcase_add_test(tc, grown_snapshot_replaces);
	tcase_add_test(tc, v1_migrates_and_merges);
	tcase_add_test(tc, bad_inputs_leave_site_unchanged);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(merge_suite());
	int nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

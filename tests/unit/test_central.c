/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_central.c: the parts of the central store that need no server:
 * COPY text escaping both ways, URL checks and the password-free display
 * form, and the change marks in the sensor's SQLite (triggers, seq bumps,
 * the first setup marking what is already there, disabling).
 */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../sensor/central.h"
#include "../../store/store.h"

START_TEST(test_escape_roundtrip)
{
	static const char *const in[] = {"plain", "tab\there", "new\nline",
	    "back\\slash", "cr\rx", "\\N", "\t\n\\"};
	char buf[128];
	size_t i, n;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		n = central_copy_escape(buf, sizeof(buf), in[i], strlen(in[i]));
		ck_assert_uint_gt(n, 0);
		ck_assert_ptr_null(memchr(buf, '\t', n));
		ck_assert_ptr_null(memchr(buf, '\n', n));
		n = central_copy_unescape(buf, n);
		ck_assert_uint_eq(n, strlen(in[i]));
		ck_assert_int_eq(memcmp(buf, in[i], n), 0);
	}
	/* "\N" text must not read as NULL once escaped */
	n = central_copy_escape(buf, sizeof(buf), "\\N", 2);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(memcmp(buf, "\\\\N", 3), 0);
	/* does not fit: 0, nothing promised */
	ck_assert_uint_eq(central_copy_escape(buf, 3, "a\tb", 3), 0);
}
END_TEST

START_TEST(test_unescape_forms)
{
	char s[64];
	size_t n;

	snprintf(s, sizeof(s), "a\\x41\\101\\b\\v");
	n = central_copy_unescape(s, strlen(s));
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(memcmp(s, "aAA\b\v", 5), 0);
	snprintf(s, sizeof(s), "trailing\\");
	n = central_copy_unescape(s, strlen(s));
	ck_assert_uint_eq(n, 9);
}
END_TEST

START_TEST(test_urls)
{
	char buf[256], err[256];

	ck_assert(central_is_url("postgresql://h/db"));
	ck_assert(central_is_url("postgres://h/db"));
	ck_assert(!central_is_url("site.db"));
	ck_assert(!central_is_url("postgresql:/h"));
	ck_assert(!central_is_url(NULL));
	ck_assert_int_eq(central_url_check("postgresql://u@h:5432/d", err,
			     sizeof(err)),
	    0);
	ck_assert_int_eq(central_url_check("http://h/d", err, sizeof(err)),
	    -1);
	ck_assert_str_eq(err, "not a postgresql:// URL");
	ck_assert_int_eq(central_url_check("postgresql://h/d?nosuch=1", err,
			     sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "bad URL: "));
	/* the password never shows */
	central_url_display("postgresql://otz:s3cret@10.0.0.5:6432/site",
	    buf, sizeof(buf));
	ck_assert_str_eq(buf, "postgresql://otz@10.0.0.5:6432/site");
	central_url_display("postgresql://db.example/site?password=s3cret",
	    buf, sizeof(buf));
	ck_assert_str_eq(buf, "postgresql://db.example/site");
	central_url_display("postgresql://%zz", buf, sizeof(buf));
	ck_assert_str_eq(buf, "postgresql://(unparsable URL)");
}
END_TEST

static sqlite3_int64
q1(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *q;
	sqlite3_int64 v = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

static void
ex(sqlite3 *db, const char *sql)
{
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
}

START_TEST(test_marks)
{
	char path[] = "/tmp/otz-central-unit.XXXXXX", db_path[64], err[512];
	struct central_cfg cc;
	struct central *c;
	struct store *st;
	sqlite3 *db;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(path);
	snprintf(db_path, sizeof(db_path), "%s.db", path);
	st = store_open(db_path, 0, err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	db = store_db(st);
	/* rows before central is configured */
	ex(db, "INSERT INTO assets(vlan, ip, ip_text) VALUES(0, x'01', 'a');"
	       "INSERT INTO flows(vlan, client, server, client_text,"
	       " server_text, transport, server_port, protocol)"
	       " VALUES(0, x'01', x'02', 'a', 'b', 6, 502, 'modbus');"
	       "INSERT INTO operations(flow_id, protocol, code, class, name)"
	       " VALUES(1, 'modbus', 3, 'read', 'Read');");
	memset(&cc, 0, sizeof(cc));
	cc.url = "postgresql://127.0.0.1:1/none";
	cc.sensor_id = "0123456789abcdef0123456789abcdef";
	cc.sensor_name = "unit";
	cc.timeout_s = 1;
	cc.retry_max_s = 1;
	c = central_new(&cc, db, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	/* the first setup marks what is there: asset, flow, its ops */
	ck_assert_int_eq(q1(db, "SELECT count(*) FROM central_dirty"), 3);
	ck_assert_uint_eq(central_pending(c), 3);
	ck_assert_int_eq(q1(db, "SELECT id FROM central_dirty WHERE tbl = 3"),
	    1);
	/* an update of a marked row bumps its seq, adds no mark */
	ex(db, "UPDATE assets SET packets = packets + 1");
	ck_assert_int_eq(q1(db, "SELECT seq FROM central_dirty WHERE tbl = 1"),
	    1);
	ck_assert_int_eq(q1(db, "SELECT count(*) FROM central_dirty"), 3);
	/* a new operation of the same flow: the flow's one ops mark */
	ex(db, "INSERT INTO operations(flow_id, protocol, code, class, name)"
	       " VALUES(1, 'modbus', 16, 'write', 'Write')");
	ck_assert_int_eq(q1(db, "SELECT count(*) FROM central_dirty"), 3);
	ck_assert_int_eq(q1(db, "SELECT seq FROM central_dirty WHERE tbl = 3"),
	    1);
	/* a new source and a new asset: new marks */
	ex(db, "INSERT INTO sources(path) VALUES('iface:x');"
	       "INSERT INTO assets(vlan, ip, ip_text) VALUES(0, x'02', 'b')");
	ck_assert_int_eq(q1(db, "SELECT count(*) FROM central_dirty"), 5);
	/* the server cannot be reached: the push (the pusher thread's,
	 * with its own connection) fails, the marks stay */
	ck_assert_msg(central_start(c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(central_push(c, 0), 1);
	ck_assert_int_eq(central_push(c, 1), 1);
	ck_assert_int_eq(q1(db, "SELECT count(*) FROM central_dirty"), 5);
	ck_assert_uint_eq(central_pending(c), 5);
	central_free(c);
	/* a second setup does not mark again (the table exists) */
	ex(db, "DELETE FROM central_dirty WHERE tbl = 0");
	c = central_new(&cc, db, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_eq(q1(db, "SELECT count(*) FROM central_dirty"), 4);
	central_free(c);
	/* central off: triggers and marks gone, writes cost nothing */
	ck_assert_int_eq(central_disable(db, err, sizeof(err)), 0);
	ck_assert_int_eq(q1(db, "SELECT count(*) FROM sqlite_master WHERE"
				" name LIKE 'central_mark%' OR name ="
				" 'central_dirty'"),
	    0);
	ex(db, "UPDATE assets SET packets = packets + 1");
	ck_assert_int_eq(central_disable(db, err, sizeof(err)), 0);
	store_close(st);
	unlink(db_path);
	{
		char side[80];

		snprintf(side, sizeof(side), "%s-wal", db_path);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", db_path);
		unlink(side);
	}
}
END_TEST

static Suite *
central_suite(void)
{
	Suite *s = suite_create("central");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_escape_roundtrip);
	tcase_add_test(tc, test_unescape_forms);
	tcase_add_test(tc, test_urls);
	tcase_add_test(tc, test_marks);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(central_suite());
	int nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_config.c: the sensor's YAML configuration: defaults, every key of
 * etc/otzone.conf, errors with file:line:col (unknown key, duplicate,
 * range, type, syntax), the API token rules, and the constant-time token
 * comparison of the HTTP API.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../sensor/config.h"
#include "../../sensor/httpapi.h"

static char err[1024];

/* Load text over the defaults; returns config_load_string's result. */
static int
load(struct sensor_config *c, const char *text)
{
	ck_assert_int_eq(config_defaults(c), 0);
	err[0] = '\0';
	return config_load_string(c, "t.conf", text, strlen(text), err,
	    sizeof(err));
}

/* The load must fail with exactly this message. */
static void
load_fails(const char *text, const char *want)
{
	struct sensor_config c;

	ck_assert_int_eq(load(&c, text), -1);
	ck_assert_str_eq(err, want);
	config_free(&c);
}

START_TEST(test_defaults)
{
	struct sensor_config c;

	ck_assert_int_eq(load(&c, ""), 0);
	ck_assert_uint_eq(c.n_ifaces, 0);
	ck_assert_str_eq(c.filter, "");
	ck_assert_uint_eq(c.snaplen, 65535);
	ck_assert_int_eq(c.promisc, 1);
	ck_assert_uint_eq(c.buffer_mb, 32);
	ck_assert_uint_eq(c.batch, 512);
	ck_assert_uint_eq(c.timeout_ms, 100);
	ck_assert_str_eq(c.database, "otzone.db");
	ck_assert_uint_eq(c.flush_interval, 10);
	ck_assert_uint_eq(c.analysis_interval, 60);
	ck_assert_uint_eq(c.stats_keep, 100000);
	ck_assert_str_eq(c.policy, "");
	ck_assert_str_eq(c.user, "otzone");
	ck_assert_int_eq(c.log_level, CONFIG_LOG_INFO);
	ck_assert_int_eq(c.api_enabled, 1);
	ck_assert_str_eq(c.api_listen, "127.0.0.1");
	ck_assert_uint_eq(c.api_port, 8062);
	ck_assert_str_eq(c.api_token, "");
	ck_assert_uint_eq(c.api_max_connections, 32);
	ck_assert_uint_eq(c.api_max_request, 8192);
	ck_assert_uint_eq(c.api_timeout, 10);
	ck_assert_uint_eq(c.max_conns, 262144);
	ck_assert_uint_eq(c.max_assets, 262144);
	ck_assert_uint_eq(c.max_edges, 524288);
	ck_assert_uint_eq(c.reasm_bytes, 65536);
	ck_assert_uint_eq(c.tcp_timeout, 300);
	ck_assert_uint_eq(c.udp_timeout, 60);
	ck_assert_int_eq(c.dedup, 1);
	ck_assert_int_eq(config_validate(&c, err, sizeof(err)), 0);
	config_free(&c);
	/* a comment-only file and a null document are the defaults too */
	ck_assert_int_eq(load(&c, "# nothing\n"), 0);
	ck_assert_uint_eq(c.snaplen, 65535);
	config_free(&c);
	ck_assert_int_eq(load(&c, "~\n"), 0);
	config_free(&c);
}
END_TEST

/* The shipped file must load, validate, and say what the defaults say
 * (except the two keys it sets for the service). */
START_TEST(test_shipped_file)
{
	struct sensor_config c, d;
	int rc;

	ck_assert_int_eq(config_defaults(&c), 0);
	rc = config_load(&c, "etc/otzone.conf", err, sizeof(err));
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_int_eq(config_validate(&c, err, sizeof(err)), 0);
	ck_assert_int_eq(config_defaults(&d), 0);
	ck_assert_str_eq(c.database, "/var/lib/otzone/otzone.db");
	ck_assert_uint_eq(c.n_ifaces, 0);
	config_set_str(&c.database, d.database);
	ck_assert_str_eq(c.filter, d.filter);
	ck_assert_str_eq(c.policy, d.policy);
	ck_assert_str_eq(c.user, d.user);
	ck_assert_str_eq(c.api_listen, d.api_listen);
	ck_assert_str_eq(c.api_token, d.api_token);
	ck_assert_str_eq(c.api_token_file, d.api_token_file);
	/* every scalar: compare the structs with the strings cleared */
	{
		struct sensor_config a = c, b = d;
		char *z = NULL;

		a.filter = b.filter = a.database = b.database = z;
		a.policy = b.policy = a.user = b.user = z;
		a.api_listen = b.api_listen = a.api_token = b.api_token = z;
		a.api_token_file = b.api_token_file = z;
		ck_assert_str_eq(a.name, b.name);
		ck_assert_str_eq(a.events_file, b.events_file);
		ck_assert_str_eq(a.syslog_host, b.syslog_host);
		ck_assert_str_eq(a.syslog_transport, b.syslog_transport);
		ck_assert_str_eq(a.syslog_facility, b.syslog_facility);
		a.name = b.name = a.events_file = b.events_file = z;
		a.syslog_host = b.syslog_host = a.syslog_transport = z;
		b.syslog_transport = a.syslog_facility = b.syslog_facility = z;
		ck_assert_str_eq(a.central_url, b.central_url);
		ck_assert_str_eq(a.central_password_file,
		    b.central_password_file);
		a.central_url = b.central_url = z;
		a.central_password_file = b.central_password_file = z;
		ck_assert_int_eq(memcmp(&a, &b, sizeof(a)), 0);
	}
	config_free(&c);
	config_free(&d);
}
END_TEST

START_TEST(test_every_key)
{
	struct sensor_config c;
	int rc;

	rc = load(&c,
	    "capture:\n"
	    "  interfaces: [eth1, eth2]\n"
	    "  filter: \"tcp port 502\"\n"
	    "  snaplen: 1514\n"
	    "  promiscuous: no\n"
	    "  buffer_mb: 64\n"
	    "  batch: 64\n"
	    "  timeout_ms: 50\n"
	    "database: /var/lib/otzone/x.db\n"
	    "flush_interval: 5\n"
	    "analysis_interval: 30\n"
	    "stats_keep: 500\n"
	    "policy: /etc/otzone/policy.yaml\n"
	    "user: nobody\n"
	    "log_level: debug\n"
	    "api:\n"
	    "  enabled: false\n"
	    "  listen: \"::1\"\n"
	    "  port: 9000\n"
	    "  token: 0123456789abcdef0123\n"
	    "  token_file: ''\n"
	    "  max_connections: 4\n"
	    "  max_request_bytes: 2048\n"
	    "  timeout: 3\n"
	    "limits:\n"
	    "  max_connections: 1000\n"
	    "  max_assets: 2000\n"
	    "  max_edges: 3000\n"
	    "  reassembly_bytes: 4096\n"
	    "  tcp_timeout: 30\n"
	    "  udp_timeout: 20\n"
	    "  dedup: off\n");
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_uint_eq(c.n_ifaces, 2);
	ck_assert_str_eq(c.ifaces[0], "eth1");
	ck_assert_str_eq(c.ifaces[1], "eth2");
	ck_assert_str_eq(c.filter, "tcp port 502");
	ck_assert_uint_eq(c.snaplen, 1514);
	ck_assert_int_eq(c.promisc, 0);
	ck_assert_uint_eq(c.buffer_mb, 64);
	ck_assert_uint_eq(c.batch, 64);
	ck_assert_uint_eq(c.timeout_ms, 50);
	ck_assert_str_eq(c.database, "/var/lib/otzone/x.db");
	ck_assert_uint_eq(c.flush_interval, 5);
	ck_assert_uint_eq(c.analysis_interval, 30);
	ck_assert_uint_eq(c.stats_keep, 500);
	ck_assert_str_eq(c.policy, "/etc/otzone/policy.yaml");
	ck_assert_str_eq(c.user, "nobody");
	ck_assert_int_eq(c.log_level, CONFIG_LOG_DEBUG);
	ck_assert_int_eq(c.api_enabled, 0);
	ck_assert_str_eq(c.api_listen, "::1");
	ck_assert_uint_eq(c.api_port, 9000);
	ck_assert_str_eq(c.api_token, "0123456789abcdef0123");
	ck_assert_uint_eq(c.api_max_connections, 4);
	ck_assert_uint_eq(c.api_max_request, 2048);
	ck_assert_uint_eq(c.api_timeout, 3);
	ck_assert_uint_eq(c.max_conns, 1000);
	ck_assert_uint_eq(c.max_assets, 2000);
	ck_assert_uint_eq(c.max_edges, 3000);
	ck_assert_uint_eq(c.reasm_bytes, 4096);
	ck_assert_uint_eq(c.tcp_timeout, 30);
	ck_assert_uint_eq(c.udp_timeout, 20);
	ck_assert_int_eq(c.dedup, 0);
	config_free(&c);
	/* one interface as a plain name; an empty section */
	ck_assert_int_eq(load(&c, "capture:\n  interfaces: eth0\napi:\n"), 0);
	ck_assert_uint_eq(c.n_ifaces, 1);
	ck_assert_str_eq(c.ifaces[0], "eth0");
	config_free(&c);
	/* policy: with nothing after it is "none" */
	ck_assert_int_eq(load(&c, "policy:\n"), 0);
	ck_assert_str_eq(c.policy, "");
	config_free(&c);
}
END_TEST

START_TEST(test_errors)
{
	load_fails("snaplenn: 100\n", "t.conf:1:1: unknown key 'snaplenn'");
	load_fails("capture:\n  snaplen: 100\n  buffer: 3\n",
	    "t.conf:3:3: unknown key 'buffer' in 'capture'");
	load_fails("api:\n  port: 70000\n",
	    "t.conf:2:9: 'port': 70000 is out of range (1 to 65535)");
	load_fails("flush_interval: 0\n",
	    "t.conf:1:17: 'flush_interval': 0 is out of range (1 to 86400)");
	load_fails("flush_interval: -5\n",
	    "t.conf:1:17: 'flush_interval': '-5' is not a number");
	load_fails("flush_interval: 10s\n",
	    "t.conf:1:17: 'flush_interval': '10s' is not a number");
	load_fails("flush_interval: 99999999999999999999999\n",
	    "t.conf:1:17: 'flush_interval': '99999999999999999999999' is not "
	    "a number");
	load_fails("flush_interval:\n",
	    "t.conf:1:16: 'flush_interval' takes a number");
	load_fails("capture:\n  promiscuous: maybe\n",
	    "t.conf:2:16: 'promiscuous' takes true or false");
	load_fails("log_level: verbose\n",
	    "t.conf:1:12: 'log_level' is one of error, warning, info, debug");
	load_fails("database: [a, b]\n",
	    "t.conf:1:11: 'database' takes a string");
	load_fails("user: a\nuser: b\n",
	    "t.conf:2:1: 'user' given twice (first at line 1)");
	load_fails("capture: 3\n",
	    "t.conf:1:10: 'capture' must be a mapping of keys to values");
	load_fails("- a\n- b\n",
	    "t.conf:1:1: the configuration must be a mapping of keys to "
	    "values");
	load_fails("capture:\n  interfaces: [eth0, eth0]\n",
	    "t.conf:2:22: interface 'eth0' listed twice");
	load_fails("capture:\n  interfaces: [averyveryverylongname0]\n",
	    "t.conf:2:16: bad interface name");
	load_fails("capture:\n  interfaces: {a: b}\n",
	    "t.conf:2:15: 'interfaces' takes a list of names");
	load_fails("database: \"a\\0b\"\n",
	    "t.conf:1:11: 'database': NUL byte in value");
	load_fails("user: b\n---\nc: d\n",
	    "t.conf:3:1: only one YAML document is allowed");
	load_fails("[1, 2\n",
	    "t.conf:2:1: did not find expected ',' or ']' while parsing a "
	    "flow sequence");
	load_fails("capture:\n  snaplen: 1\n snaplen: 2\n",
	    "t.conf:3:2: did not find expected key while parsing a block "
	    "mapping");
}
END_TEST

START_TEST(test_missing_file)
{
	struct sensor_config c;

	ck_assert_int_eq(config_defaults(&c), 0);
	ck_assert_int_eq(config_load(&c, "/nonexistent/otzone.conf", err,
			     sizeof(err)),
	    -1);
	ck_assert_str_eq(err, "/nonexistent/otzone.conf: No such file or "
			      "directory");
	ck_assert_int_eq(config_load(&c, "/", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "/: not a regular file");
	config_free(&c);
}
END_TEST

START_TEST(test_api_rules)
{
	struct sensor_config c;
	char path[] = "/tmp/otz-token-XXXXXX";
	FILE *f;
	int fd;

	/* a non-loopback address needs a token */
	ck_assert_int_eq(load(&c, "api:\n  listen: 0.0.0.0\n"), 0);
	ck_assert_int_eq(config_validate(&c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "api.listen: 0.0.0.0 is not a loopback "
			      "address: set api.token (or api.token_file) "
			      "to serve the API there");
	config_free(&c);
	ck_assert_int_eq(load(&c, "api:\n  listen: 0.0.0.0\n"
				  "  token: abcdefghijklmnop\n"),
	    0);
	ck_assert_int_eq(config_validate(&c, err, sizeof(err)), 0);
	config_free(&c);
	/* unless the API is off */
	ck_assert_int_eq(load(&c, "api:\n  listen: 10.1.1.1\n"
				  "  enabled: false\n"),
	    0);
	ck_assert_int_eq(config_validate(&c, err, sizeof(err)), 0);
	config_free(&c);
	/* loopback in either family */
	ck_assert_int_eq(config_addr_is_loopback("127.0.0.1"), 1);
	ck_assert_int_eq(config_addr_is_loopback("127.9.8.7"), 1);
	ck_assert_int_eq(config_addr_is_loopback("::1"), 1);
	ck_assert_int_eq(config_addr_is_loopback("::"), 0);
	ck_assert_int_eq(config_addr_is_loopback("0.0.0.0"), 0);
	ck_assert_int_eq(config_addr_is_loopback("128.0.0.1"), 0);
	ck_assert_int_eq(config_addr_is_loopback("localhost"), 0);
	/* names are refused: the loopback rule needs a literal */
	ck_assert_int_eq(load(&c, "api:\n  listen: localhost\n"), 0);
	ck_assert_int_eq(config_validate(&c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "api.listen: 'localhost' is not an IPv4 or "
			      "IPv6 address");
	config_free(&c);
	/* short or unprintable tokens */
	ck_assert_int_eq(load(&c, "api:\n  token: short\n"), 0);
	ck_assert_int_eq(config_validate(&c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "api.token: at least 16 characters");
	config_free(&c);
	ck_assert_int_eq(load(&c, "api:\n  token: \"abc def ghi jkl mno\"\n"),
	    0);
	ck_assert_int_eq(config_validate(&c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "api.token: only printable ASCII without "
			      "spaces");
	config_free(&c);
	/* token_file: its first line, newline stripped */
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fputs("s3cret-token-0123456789\n", f);
	fclose(f);
	{
		char text[256];

		snprintf(text, sizeof(text),
		    "api:\n  listen: 0.0.0.0\n  token_file: %s\n", path);
		ck_assert_int_eq(load(&c, text), 0);
		ck_assert_int_eq(config_validate(&c, err, sizeof(err)), 0);
		ck_assert_str_eq(c.api_token, "s3cret-token-0123456789");
		config_free(&c);
		snprintf(text, sizeof(text),
		    "api:\n  token: abcdefghijklmnopq\n  token_file: %s\n",
		    path);
		ck_assert_int_eq(load(&c, text), 0);
		ck_assert_int_eq(config_validate(&c, err, sizeof(err)), -1);
		ck_assert_str_eq(err, "api: give token or token_file, not "
				      "both");
		config_free(&c);
	}
	unlink(path);
	/* an empty user is refused: root must be said explicitly */
	ck_assert_int_eq(load(&c, "user: ''\n"), 0);
	ck_assert_int_eq(config_validate(&c, err, sizeof(err)), -1);
	config_free(&c);
}
END_TEST

START_TEST(test_copy_and_overrides)
{
	struct sensor_config a, b;
	char *names[] = {"eth3", "eth4"};

	ck_assert_int_eq(load(&a, "capture:\n  interfaces: [eth0]\n"), 0);
	ck_assert_int_eq(config_set_ifaces(&a, names, 2), 0);
	ck_assert_int_eq(config_set_str(&a.database, "/tmp/y.db"), 0);
	ck_assert_int_eq(config_copy(&b, &a), 0);
	config_free(&a);
	ck_assert_uint_eq(b.n_ifaces, 2);
	ck_assert_str_eq(b.ifaces[1], "eth4");
	ck_assert_str_eq(b.database, "/tmp/y.db");
	config_free(&b);
}
END_TEST

START_TEST(test_token_equal)
{
	ck_assert_int_eq(httpapi_token_equal("abcdefghijklmnop",
			     "abcdefghijklmnop"),
	    1);
	ck_assert_int_eq(httpapi_token_equal("abcdefghijklmnop",
			     "abcdefghijklmnoq"),
	    0);
	ck_assert_int_eq(httpapi_token_equal("abcdefghijklmnop",
			     "abcdefghijklmno"),
	    0);
	ck_assert_int_eq(httpapi_token_equal("", "abcdefghijklmnop"), 0);
	ck_assert_int_eq(httpapi_token_equal("", ""), 1);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_shipped_file);
	tcase_add_test(tc, test_every_key);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_api_rules);
	tcase_add_test(tc, test_copy_and_overrides);
	tcase_add_test(tc, test_token_equal);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config.c: the sensor's YAML configuration.  The file is read whole (it
 * is small: at most CONFIG_MAX_BYTES), loaded as a libyaml document, and
 * walked against a table of known keys.  Every message points at the
 * node it is about, as "file:line:col: why", the way compilers do, so an
 * operator editing /etc/otzone/otzone.conf over SSH finds the line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "central.h"
#include "config.h"
#include "events.h"

enum ktype { K_STR, K_U32, K_BOOL, K_LIST, K_LOG, K_SECTION };

struct key {
	const char *section; /* NULL: top level */
	const char *name;
	enum ktype type;
	size_t off;
	uint32_t min, max;
};

#define O(f) offsetof(struct sensor_config, f)
static const struct key keys[] = {
	{NULL, "capture", K_SECTION, 0, 0, 0},
	{NULL, "api", K_SECTION, 0, 0, 0},
	{NULL, "limits", K_SECTION, 0, 0, 0},
	{NULL, "events", K_SECTION, 0, 0, 0},
	{"events", "syslog", K_SECTION, 0, 0, 0},
	{NULL, "name", K_STR, O(name), 0, 0},
	{"events", "file", K_STR, O(events_file), 0, 0},
	{"events", "max_bytes", K_U32, O(events_max_bytes), 1024, 0xffffffffu},
	{"events", "keep", K_U32, O(events_keep), 0, 1000},
	{"events", "drop_threshold", K_U32, O(events_drop_threshold), 0,
	    0xffffffffu},
	{"syslog", "host", K_STR, O(syslog_host), 0, 0},
	{"syslog", "port", K_U32, O(syslog_port), 1, 65535},
	{"syslog", "transport", K_STR, O(syslog_transport), 0, 0},
	{"syslog", "facility", K_STR, O(syslog_facility), 0, 0},
	{NULL, "central", K_SECTION, 0, 0, 0},
	{NULL, "database", K_STR, O(database), 0, 0},
	{NULL, "flush_interval", K_U32, O(flush_interval), 1, 86400},
	{NULL, "analysis_interval", K_U32, O(analysis_interval), 1, 86400},
	{NULL, "stats_keep", K_U32, O(stats_keep), 10, 100000000},
	{NULL, "policy", K_STR, O(policy), 0, 0},
	{NULL, "user", K_STR, O(user), 0, 0},
	{NULL, "log_level", K_LOG, O(log_level), 0, 0},
	{"capture", "interfaces", K_LIST, 0, 0, 0},
	{"capture", "filter", K_STR, O(filter), 0, 0},
	{"capture", "snaplen", K_U32, O(snaplen), 64, 262144},
	{"capture", "promiscuous", K_BOOL, O(promisc), 0, 0},
	{"capture", "buffer_mb", K_U32, O(buffer_mb), 1, 4096},
	{"capture", "batch", K_U32, O(batch), 1, 65536},
	{"capture", "timeout_ms", K_U32, O(timeout_ms), 1, 10000},
	{"api", "enabled", K_BOOL, O(api_enabled), 0, 0},
	{"api", "listen", K_STR, O(api_listen), 0, 0},
	{"api", "port", K_U32, O(api_port), 1, 65535},
	{"api", "token", K_STR, O(api_token), 0, 0},
	{"api", "token_file", K_STR, O(api_token_file), 0, 0},
	{"api", "max_connections", K_U32, O(api_max_connections), 1, 4096},
	{"api", "max_request_bytes", K_U32, O(api_max_request), 1024, 1048576},
	{"api", "timeout", K_U32, O(api_timeout), 1, 3600},
	{"limits", "max_connections", K_U32, O(max_conns), 16, 1u << 26},
	{"limits", "max_assets", K_U32, O(max_assets), 16, 1u << 26},
	{"limits", "max_edges", K_U32, O(max_edges), 16, 1u << 27},
	{"limits", "reassembly_bytes", K_U32, O(reasm_bytes), 1024, 1u << 26},
	{"limits", "tcp_timeout", K_U32, O(tcp_timeout), 1, 86400},
	{"limits", "udp_timeout", K_U32, O(udp_timeout), 1, 86400},
	{"limits", "dedup", K_BOOL, O(dedup), 0, 0},
	{"central", "url", K_STR, O(central_url), 0, 0},
	{"central", "password_file", K_STR, O(central_password_file), 0, 0},
	{"central", "timeout", K_U32, O(central_timeout), 1, 300},
	{"central", "push_interval", K_U32, O(central_push_interval), 0,
	    86400},
	{"central", "retry_max", K_U32, O(central_retry_max), 1, 86400},
	{"central", "batch_rows", K_U32, O(central_batch), 100, 1000000},
};
#undef O
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const char *const log_names[] = {"error", "warning", "info",
    "debug"};

const char *
config_log_name(enum config_log l)
{
	return (unsigned)l < 4 ? log_names[l] : "?";
}

int
config_set_str(char **field, const char *value)
{
	char *s = strdup(value != NULL ? value : "");

	if (s == NULL)
		return -1;
	free(*field);
	*field = s;
	return 0;
}

static void
ifaces_clear(struct sensor_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_ifaces; i++) {
		free(cfg->ifaces[i]);
		cfg->ifaces[i] = NULL;
	}
	cfg->n_ifaces = 0;
}

int
config_set_ifaces(struct sensor_config *cfg, char *const *names, size_t n)
{
	size_t i;

	if (n > CONFIG_MAX_IFACES)
		return -1;
	ifaces_clear(cfg);
	for (i = 0; i < n; i++) {
		if ((cfg->ifaces[i] = strdup(names[i])) == NULL)
			return -1;
		cfg->n_ifaces = i + 1;
	}
	return 0;
}

/* The strings of name: and events:, kept apart so that copy and free
 * handle them in one place. */
static char **
ev_strs(struct sensor_config *c, size_t i)
{
	char **v[] = {&c->name, &c->events_file, &c->syslog_host,
	    &c->syslog_transport, &c->syslog_facility};

	return i < sizeof(v) / sizeof(v[0]) ? v[i] : NULL;
}

static int
ev_defaults(struct sensor_config *cfg)
{
	cfg->events_max_bytes = EVENTS_MAX_BYTES_DEFAULT;
	cfg->events_keep = EVENTS_KEEP_DEFAULT;
	cfg->events_drop_threshold = 0;
	cfg->syslog_port = 514;
	return config_set_str(&cfg->name, "") != 0 ||
		config_set_str(&cfg->events_file, "") != 0 ||
		config_set_str(&cfg->syslog_host, "") != 0 ||
		config_set_str(&cfg->syslog_transport, "udp") != 0 ||
		config_set_str(&cfg->syslog_facility, "local0") != 0
	    ? -1
	    : 0;
}

int
config_defaults(struct sensor_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->snaplen = 65535;
	cfg->promisc = 1;
	cfg->buffer_mb = 32;
	cfg->batch = 512;
	cfg->timeout_ms = 100;
	cfg->flush_interval = 10;
	cfg->analysis_interval = 60;
	cfg->stats_keep = 100000;
	cfg->log_level = CONFIG_LOG_INFO;
	cfg->api_enabled = 1;
	cfg->api_port = 8062;
	cfg->api_max_connections = 32;
	cfg->api_max_request = 8192;
	cfg->api_timeout = 10;
	cfg->max_conns = 262144;
	cfg->max_assets = 262144;
	cfg->max_edges = 524288;
	cfg->reasm_bytes = 65536;
	cfg->tcp_timeout = 300;
	cfg->udp_timeout = 60;
	cfg->dedup = 1;
	if (ev_defaults(cfg) != 0)
		return -1;
	cfg->central_timeout = 5;
	cfg->central_push_interval = 0;
	cfg->central_retry_max = 300;
	cfg->central_batch = 10000;
	if (config_set_str(&cfg->filter, "") != 0 ||
	    config_set_str(&cfg->database, "otzone.db") != 0 ||
	    config_set_str(&cfg->policy, "") != 0 ||
	    config_set_str(&cfg->user, "otzone") != 0 ||
	    config_set_str(&cfg->api_listen, "127.0.0.1") != 0 ||
	    config_set_str(&cfg->api_token, "") != 0 ||
	    config_set_str(&cfg->api_token_file, "") != 0 ||
	    config_set_str(&cfg->central_url, "") != 0 ||
	    config_set_str(&cfg->central_password_file, "") != 0)
		return -1;
	return 0;
}

void
config_free(struct sensor_config *cfg)
{
	if (cfg == NULL)
		return;
	ifaces_clear(cfg);
	free(cfg->filter);
	free(cfg->database);
	free(cfg->policy);
	free(cfg->user);
	free(cfg->api_listen);
	free(cfg->api_token);
	free(cfg->api_token_file);
	for (size_t k = 0; ev_strs(cfg, k) != NULL; k++)
		free(*ev_strs(cfg, k));
	free(cfg->central_url);
	free(cfg->central_password_file);
	memset(cfg, 0, sizeof(*cfg));
}

int
config_copy(struct sensor_config *dst, const struct sensor_config *src)
{
	char **strs[] = {&dst->filter, &dst->database, &dst->policy,
	    &dst->user, &dst->api_listen, &dst->api_token,
	    &dst->api_token_file, &dst->central_url,
	    &dst->central_password_file};
	size_t i;

	*dst = *src;
	for (i = 0; ev_strs(dst, i) != NULL; i++)
		*ev_strs(dst, i) = NULL;
	for (i = 0; ev_strs(dst, i) != NULL; i++)
		if (config_set_str(ev_strs(dst, i),
			*ev_strs((struct sensor_config *)(uintptr_t)src, i)) !=
		    0) {
			config_free(dst);
			return -1;
		}
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		*strs[i] = NULL;
	for (i = 0; i < CONFIG_MAX_IFACES; i++)
		dst->ifaces[i] = NULL;
	dst->n_ifaces = 0;
	if (config_set_str(&dst->filter, src->filter) != 0 ||
	    config_set_str(&dst->database, src->database) != 0 ||
	    config_set_str(&dst->policy, src->policy) != 0 ||
	    config_set_str(&dst->user, src->user) != 0 ||
	    config_set_str(&dst->api_listen, src->api_listen) != 0 ||
	    config_set_str(&dst->api_token, src->api_token) != 0 ||
	    config_set_str(&dst->api_token_file, src->api_token_file) != 0 ||
	    config_set_str(&dst->central_url, src->central_url) != 0 ||
	    config_set_str(&dst->central_password_file,
		src->central_password_file) != 0 ||
	    config_set_ifaces(dst, src->ifaces, src->n_ifaces) != 0) {
		config_free(dst);
		return -1;
	}
	return 0;
}

/* ---- the document walk --------------------------------------------------- */

struct walk {
	const char *name;
	yaml_document_t *doc;
	struct sensor_config *cfg;
	char *errbuf;
	size_t errlen;
};

static int __attribute__((format(printf, 3, 4)))
node_err(struct walk *w, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n != NULL)
		snprintf(w->errbuf, w->errlen, "%s:%zu:%zu: %s", w->name,
		    n->start_mark.line + 1, n->start_mark.column + 1, msg);
	else
		snprintf(w->errbuf, w->errlen, "%s: %s", w->name, msg);
	return -1;
}

static const char *
scalar(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value
					   : NULL;
}

/* A plain (unquoted) scalar that YAML reads as null: "", "~", "null". */
static int
is_null(const yaml_node_t *n)
{
	const char *s = scalar(n);

	if (s == NULL || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

static int
parse_bool(const char *s, int *out)
{
	static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes",
	    "YES", "on", "On", "ON"};
	static const char *const no[] = {"false", "False", "FALSE", "no", "No",
	    "NO", "off", "Off", "OFF"};
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/* A string value must not smuggle a NUL (libyaml allows "\0"). */
static int
set_scalar_str(struct walk *w, const yaml_node_t *v, char **field,
    const char *key)
{
	const char *s;

	if (v->type != YAML_SCALAR_NODE)
		return node_err(w, v, "'%s' takes a string", key);
	s = is_null(v) ? "" : scalar(v);
	if (strlen(s) != v->data.scalar.length)
		return node_err(w, v, "'%s': NUL byte in value", key);
	if (config_set_str(field, s) != 0)
		return node_err(w, v, "out of memory");
	return 0;
}

static int
set_value(struct walk *w, const struct key *k, const yaml_node_t *v)
{
	char *base = (char *)w->cfg;
	const char *s = scalar(v);
	char *end;
	unsigned long long u;
	size_t i;
	int b;

	switch (k->type) {
	case K_STR:
		return set_scalar_str(w, v, (char **)(void *)(base + k->off),
		    k->name);
	case K_U32:
		if (s == NULL || is_null(v))
			return node_err(w, v, "'%s' takes a number", k->name);
		errno = 0;
		u = strtoull(s, &end, 10);
		if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0)
			return node_err(w, v, "'%s': '%s' is not a number",
			    k->name, s);
		if (u < k->min || u > k->max)
			return node_err(w, v,
			    "'%s': %s is out of range (%u to %u)", k->name, s,
			    k->min, k->max);
		*(uint32_t *)(void *)(base + k->off) = (uint32_t)u;
		return 0;
	case K_BOOL:
		if (s == NULL || parse_bool(s, &b) != 0)
			return node_err(w, v, "'%s' takes true or false",
			    k->name);
		*(int *)(void *)(base + k->off) = b;
		return 0;
	case K_LOG:
		for (i = 0; s != NULL && i < 4; i++) {
			if (strcmp(s, log_names[i]) == 0) {
				w->cfg->log_level = (enum config_log)i;
				return 0;
			}
		}
		return node_err(w, v,
		    "'%s' is one of error, warning, info, debug", k->name);
	case K_LIST:
		/* interfaces: a list of names, or one name */
		ifaces_clear(w->cfg);
		if (v->type == YAML_SCALAR_NODE) {
			char *one[1];

			if (is_null(v))
				return 0;
			one[0] = (char *)(uintptr_t)s;
			if (strlen(s) == 0 || strlen(s) >= 16)
				return node_err(w, v, "bad interface name '%s'",
				    s);
			return config_set_ifaces(w->cfg, one, 1) == 0
			    ? 0
			    : node_err(w, v, "out of memory");
		}
		if (v->type != YAML_SEQUENCE_NODE)
			return node_err(w, v, "'%s' takes a list of names",
			    k->name);
		for (i = 0; v->data.sequence.items.start + i <
		     v->data.sequence.items.top; i++) {
			yaml_node_t *it = yaml_document_get_node(w->doc,
			    v->data.sequence.items.start[i]);
			const char *nm = it ? scalar(it) : NULL;
			size_t j;

			if (nm == NULL || nm[0] == '\0' || strlen(nm) >= 16 ||
			    strlen(nm) != it->data.scalar.length ||
			    strchr(nm, '/') != NULL)
				return node_err(w, it ? it : v,
				    "bad interface name");
			if (w->cfg->n_ifaces >= CONFIG_MAX_IFACES)
				return node_err(w, it,
				    "too many interfaces (at most %u)",
				    CONFIG_MAX_IFACES);
			for (j = 0; j < w->cfg->n_ifaces; j++)
				if (strcmp(w->cfg->ifaces[j], nm) == 0)
					return node_err(w, it,
					    "interface '%s' listed twice", nm);
			w->cfg->ifaces[w->cfg->n_ifaces] = strdup(nm);
			if (w->cfg->ifaces[w->cfg->n_ifaces] == NULL)
				return node_err(w, it, "out of memory");
			w->cfg->n_ifaces++;
		}
		return 0;
	case K_SECTION:
		break;
	}
	return node_err(w, v, "internal: bad key type");
}

static int
walk_map(struct walk *w, const yaml_node_t *map, const char *section)
{
	yaml_node_pair_t *p;
	const yaml_node_t *seen[NKEYS];
	size_t i;

	memset(seen, 0, sizeof(seen));
	if (map->type != YAML_MAPPING_NODE) {
		if (section != NULL && is_null(map))
			return 0; /* "api:" with nothing under it */
		return node_err(w, map, section ? "'%s' must be a mapping of "
						  "keys to values"
						: "%smust be a mapping of "
						  "keys to values",
		    section ? section : "the configuration ");
	}
	for (p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(w->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(w->doc, p->value);
		const char *name = k ? scalar(k) : NULL;
		const struct key *found = NULL;

		if (k == NULL || v == NULL)
			return node_err(w, map, "malformed mapping");
		if (name == NULL)
			return node_err(w, k, "a key must be a plain name");
		for (i = 0; i < NKEYS; i++) {
			if (((section == NULL && keys[i].section == NULL) ||
				(section != NULL && keys[i].section != NULL &&
				    strcmp(section, keys[i].section) == 0)) &&
			    strcmp(name, keys[i].name) == 0) {
				found = &keys[i];
				break;
			}
		}
		if (found == NULL)
			return section ? node_err(w, k,
					     "unknown key '%s' in '%s'", name,
					     section)
				       : node_err(w, k, "unknown key '%s'",
					     name);
		if (seen[i] != NULL)
			return node_err(w, k, "'%s' given twice (first at "
					      "line %zu)",
			    name, seen[i]->start_mark.line + 1);
		seen[i] = k;
		if (found->type == K_SECTION) {
			if (walk_map(w, v, found->name) != 0)
				return -1;
		} else if (set_value(w, found, v) != 0) {
			return -1;
		}
	}
	return 0;
}

int
config_load_string(struct sensor_config *cfg, const char *name,
    const char *text, size_t len, char *errbuf, size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	struct walk w;
	int rc = -1, have_doc = 0;

	w.name = name;
	w.doc = &doc;
	w.cfg = cfg;
	w.errbuf = errbuf;
	w.errlen = errlen;
	if (!yaml_parser_initialize(&parser))
		return node_err(&w, NULL, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text,
	    len);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(errbuf, errlen, "%s:%zu:%zu: %s%s%s", name,
		    parser.problem_mark.line + 1,
		    parser.problem_mark.column + 1,
		    parser.problem ? parser.problem : "YAML syntax error",
		    parser.context ? " " : "",
		    parser.context ? parser.context : "");
		goto out;
	}
	have_doc = 1;
	root = yaml_document_get_root_node(&doc);
	if (root == NULL || is_null(root)) {
		rc = 0; /* an empty file: every default */
		goto out;
	}
	rc = walk_map(&w, root, NULL);
	if (rc == 0) {
		/* a second document would be silently ignored: refuse it */
		yaml_document_t more;

		if (!yaml_parser_load(&parser, &more)) {
			rc = node_err(&w, NULL, "YAML error after the first "
						"document");
		} else {
			if (yaml_document_get_root_node(&more) != NULL)
				rc = node_err(&w, yaml_document_get_root_node(
						      &more),
				    "only one YAML document is allowed");
			yaml_document_delete(&more);
		}
	}
out:
	if (have_doc)
		yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}

/* Read a whole small file; returns a NUL-terminated malloc'd buffer. */
static char *
slurp(const char *path, size_t *len, char *errbuf, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct stat sb;
	char *buf = NULL;
	size_t n;

	if (f == NULL) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(errbuf, errlen, "%s: not a regular file", path);
		goto fail;
	}
	if (sb.st_size > (off_t)CONFIG_MAX_BYTES) {
		snprintf(errbuf, errlen, "%s: larger than %u bytes", path,
		    CONFIG_MAX_BYTES);
		goto fail;
	}
	if ((buf = malloc((size_t)sb.st_size + 1)) == NULL) {
		snprintf(errbuf, errlen, "%s: out of memory", path);
		goto fail;
	}
	n = fread(buf, 1, (size_t)sb.st_size, f);
	if (ferror(f)) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	buf[n] = '\0';
	*len = n;
	fclose(f);
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}

int
config_load(struct sensor_config *cfg, const char *path, char *errbuf,
    size_t errlen)
{
	size_t len = 0;
	char *text = slurp(path, &len, errbuf, errlen);
	int rc;

	if (text == NULL)
		return -1;
	rc = config_load_string(cfg, path, text, len, errbuf, errlen);
	free(text);
	return rc;
}

int
config_addr_is_loopback(const char *addr)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, addr, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}

/* A token is sent in a header: printable ASCII, no spaces. */
static int
token_ok(const char *t)
{
	for (; *t != '\0'; t++)
		if (*t <= ' ' || *t > '~')
			return 0;
	return 1;
}

int
config_validate(struct sensor_config *cfg, char *errbuf, size_t errlen)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (cfg->database[0] == '\0') {
		snprintf(errbuf, errlen, "database: no path given");
		return -1;
	}
	if (cfg->user[0] == '\0') {
		snprintf(errbuf, errlen, "user: no name given (write 'user: "
					 "root' to keep root explicitly)");
		return -1;
	}
	if (cfg->central_url[0] != '\0') {
		char e[384];

		if (central_url_check(cfg->central_url, e, sizeof(e)) != 0) {
			snprintf(errbuf, errlen, "central.url: %s", e);
			return -1;
		}
	}
	if (strcmp(cfg->syslog_transport, "udp") != 0 &&
	    strcmp(cfg->syslog_transport, "tcp") != 0) {
		snprintf(errbuf, errlen, "events.syslog.transport: '%s' is "
					 "not udp or tcp", cfg->syslog_transport);
		return -1;
	}
	if (events_facility(cfg->syslog_facility) < 0) {
		snprintf(errbuf, errlen, "events.syslog.facility: '%s' is not "
					 "a facility (kern ... local7, or 0-23)",
		    cfg->syslog_facility);
		return -1;
	}
	if (!cfg->api_enabled)
		return 0;
	if (inet_pton(AF_INET, cfg->api_listen, &a4) != 1 &&
	    inet_pton(AF_INET6, cfg->api_listen, &a6) != 1) {
		snprintf(errbuf, errlen, "api.listen: '%s' is not an IPv4 or "
					 "IPv6 address", cfg->api_listen);
		return -1;
	}
	if (cfg->api_token[0] != '\0' && cfg->api_token_file[0] != '\0') {
		snprintf(errbuf, errlen, "api: give token or token_file, not "
					 "both");
		return -1;
	}
	if (cfg->api_token_file[0] != '\0') {
		size_t len = 0;
		char *t = slurp(cfg->api_token_file, &len, errbuf, errlen);

		if (t == NULL)
			return -1;
		while (len > 0 && (t[len - 1] == '\n' || t[len - 1] == '\r' ||
				      t[len - 1] == ' '))
			t[--len] = '\0';
		if (strlen(t) != len) {
			free(t);
			snprintf(errbuf, errlen, "%s: NUL byte in token",
			    cfg->api_token_file);
			return -1;
		}
		free(cfg->api_token);
		cfg->api_token = t;
	}
	if (!token_ok(cfg->api_token)) {
		snprintf(errbuf, errlen, "api.token: only printable ASCII "
					 "without spaces");
		return -1;
	}
	if (cfg->api_token[0] != '\0' && strlen(cfg->api_token) < 16) {
		snprintf(errbuf, errlen, "api.token: at least 16 characters");
		return -1;
	}
	if (!config_addr_is_loopback(cfg->api_listen) &&
	    cfg->api_token[0] == '\0') {
		snprintf(errbuf, errlen,
		    "api.listen: %s is not a loopback address: set api.token "
		    "(or api.token_file) to serve the API there",
		    cfg->api_listen);
		return -1;
	}
	return 0;
}

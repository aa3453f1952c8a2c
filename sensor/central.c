/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * central.c: the central store on PostgreSQL (see central.h and
 * docs/central.md).
 *
 * Push.  The sensor's SQLite holds central_dirty(tbl, id, seq): triggers
 * on sources, assets, flows and operations insert a mark per changed row
 * (operations are marked by their flow: all of a flow's operations go
 * together) or bump its seq when it is already marked.  A push reads,
 * in one SQLite read transaction, the first batch_rows marks and the
 * current values of their rows, sends them with COPY into temporary
 * tables and upserts them into the otzone_* tables in one PostgreSQL
 * transaction, which also bumps the sensor's push_seq.  After the
 * COMMIT, a mark is deleted only if its seq is the one read: a row
 * written again meanwhile stays marked.  The connection is non-blocking
 * and every wait has the push's deadline (central.timeout).
 *
 * Pull.  Each sensor's rows are copied (COPY ... TO STDOUT, one
 * REPEATABLE READ snapshot) into a SQLite database with the sensor's own
 * schema, which store_merge() then merges into the site database.
 */
#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../store/store.h"
#include "central.h"
#include "clock.h"
#include "daemon.h"
#include "output.h"

#define LOG_E(...) sensor_log(CONFIG_LOG_ERROR, __VA_ARGS__)
#define LOG_W(...) sensor_log(CONFIG_LOG_WARNING, __VA_ARGS__)
#define LOG_I(...) sensor_log(CONFIG_LOG_INFO, __VA_ARGS__)
#define LOG_D(...) sensor_log(CONFIG_LOG_DEBUG, __VA_ARGS__)

#define COPY_BUF (256u * 1024u)	 /* one COPY chunk buffer */
#define COPY_SEND (64u * 1024u)	 /* sent to libpq past this */
#define MIN_BATCH 100u		 /* the batch shrinks to this on timeouts */
#define STILL_DOWN_US (600u * 1000000u) /* repeat "still down" at most */
#define PG_LOCK_KEY "7310593858765402213" /* advisory lock: schema setup */

/* ---- the replicated tables --------------------------------------------- */

struct col {
	const char *name;
	char type; /* 'i' integer (bigint), 't' text, 'b' blob (bytea) */
};

struct tdef {
	const char *local;  /* the sensor's SQLite table */
	const char *remote; /* the PostgreSQL table */
	int mark;	    /* central_dirty.tbl */
	const char *join;   /* local column that central_dirty.id names */
	const char *pk;	    /* primary key after sensor_id */
	const struct col *cols;
	size_t ncols;
};

static const struct col sources_cols[] = {{"id", 'i'}, {"path", 't'},
    {"sha256", 't'}, {"size", 'i'}, {"linktype", 'i'},
    {"ingested_at", 't'}, {"complete", 'i'}, {"packets", 'i'},
    {"bytes", 'i'}, {"first_us", 'i'}, {"last_us", 'i'},
    {"truncated", 'i'}, {"malformed", 'i'}, {"not_ip", 'i'},
    {"dropped_caps", 'i'}, {"dropped_kernel", 'i'}};
static const struct col assets_cols[] = {{"id", 'i'}, {"vlan", 'i'},
    {"ip", 'b'}, {"ip_text", 't'}, {"macs", 't'}, {"names", 't'},
    {"first_us", 'i'}, {"last_us", 'i'}, {"packets", 'i'}, {"bytes", 'i'},
    {"vendor", 't'}, {"product", 't'}, {"model", 't'}, {"firmware", 't'},
    {"hardware", 't'}, {"serial", 't'}, {"name", 't'}, {"url", 't'},
    {"ident_source", 't'}, {"vendor_id", 'i'}, {"device_type", 'i'},
    {"product_code", 'i'}};
static const struct col flows_cols[] = {{"id", 'i'}, {"vlan", 'i'},
    {"client_vlan", 'i'}, {"client", 'b'}, {"server", 'b'},
    {"client_text", 't'}, {"server_text", 't'}, {"transport", 'i'},
    {"server_port", 'i'}, {"protocol", 't'}, {"packets", 'i'},
    {"bytes", 'i'}, {"connections", 'i'}, {"first_us", 'i'},
    {"last_us", 'i'}, {"source_id", 'i'}, {"frame", 'i'},
    {"sec_mode", 'i'}, {"authenticated", 'i'}, {"encrypted", 'i'},
    {"sec_policy", 't'}};
static const struct col ops_cols[] = {{"flow_id", 'i'}, {"protocol", 't'},
    {"code", 'i'}, {"class", 't'}, {"name", 't'}, {"count", 'i'},
    {"errors", 'i'}, {"first_us", 'i'}, {"last_us", 'i'},
    {"source_id", 'i'}, {"frame", 'i'}};

#define NC(a) (sizeof(a) / sizeof(a[0]))
static const struct tdef tables[] = {
    {"sources", "otzone_sources", 0, "id", "id", sources_cols,
	NC(sources_cols)},
    {"assets", "otzone_assets", 1, "id", "id", assets_cols, NC(assets_cols)},
    {"flows", "otzone_flows", 2, "id", "id", flows_cols, NC(flows_cols)},
    {"operations", "otzone_operations", 3, "flow_id",
	"flow_id, protocol, code", ops_cols, NC(ops_cols)},
};
#define NTABLES NC(tables)

/* ---- small helpers ----------------------------------------------------- */

/* A message on one line, without libpq's trailing newline. */
static void
set_msg(char *buf, size_t len, const char *what, const char *msg)
{
	size_t n;

	snprintf(buf, len, "%s%s%s", what, what[0] ? ": " : "",
	    msg && msg[0] ? msg : "unknown error");
	for (n = strlen(buf); n > 0 && (buf[n - 1] == '\n' ||
					   buf[n - 1] == ' ');)
		buf[--n] = '\0';
	for (n = 0; buf[n] != '\0'; n++)
		if (buf[n] == '\n' || buf[n] == '\t')
			buf[n] = ' ';
}

int
central_is_url(const char *s)
{
	return s != NULL && (strncmp(s, "postgresql://", 13) == 0 ||
				strncmp(s, "postgres://", 11) == 0);
}

void
central_url_display(const char *url, char *buf, size_t len)
{
	PQconninfoOption *o, *p;
	const char *user = "", *host = "", *port = "", *db = "";
	char *err = NULL;

	if (len == 0)
		return;
	o = PQconninfoParse(url, &err);
	PQfreemem(err);
	if (o == NULL) {
		snprintf(buf, len, "postgresql://(unparsable URL)");
		return;
	}
	for (p = o; p->keyword != NULL; p++) {
		if (p->val == NULL)
			continue;
		if (strcmp(p->keyword, "user") == 0)
			user = p->val;
		else if (strcmp(p->keyword, "host") == 0 ||
		    (strcmp(p->keyword, "hostaddr") == 0 && host[0] == '\0'))
			host = p->val;
		else if (strcmp(p->keyword, "port") == 0)
			port = p->val;
		else if (strcmp(p->keyword, "dbname") == 0)
			db = p->val;
	}
	snprintf(buf, len, "postgresql://%s%s%s%s%s/%s", user,
	    user[0] ? "@" : "", host, port[0] ? ":" : "", port, db);
	PQconninfoFree(o);
}

int
central_url_check(const char *url, char *errbuf, size_t errlen)
{
	PQconninfoOption *o;
	char *err = NULL;

	if (!central_is_url(url)) {
		snprintf(errbuf, errlen, "not a postgresql:// URL");
		return -1;
	}
	o = PQconninfoParse(url, &err);
	if (o == NULL) {
		set_msg(errbuf, errlen, "bad URL", err ? err : "out of memory");
		PQfreemem(err);
		return -1;
	}
	PQconninfoFree(o);
	return 0;
}

size_t
central_copy_escape(char *buf, size_t len, const char *v, size_t vlen)
{
	size_t i, o = 0;

	for (i = 0; i < vlen; i++) {
		char c = v[i], e = 0;

		switch (c) {
		case '\\':
			e = '\\';
			break;
		case '\t':
			e = 't';
			break;
		case '\n':
			e = 'n';
			break;
		case '\r':
			e = 'r';
			break;
		default:
			break;
		}
		if (o + (e ? 2u : 1u) > len)
			return 0;
		if (e) {
			buf[o++] = '\\';
			buf[o++] = e;
		} else {
			buf[o++] = c;
		}
	}
	return vlen == 0 ? 0 : o;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t
central_copy_unescape(char *s, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c != '\\' || i + 1 >= len) {
			s[o++] = c;
			continue;
		}
		c = s[++i];
		switch (c) {
		case 'b':
			s[o++] = '\b';
			break;
		case 'f':
			s[o++] = '\f';
			break;
		case 'n':
			s[o++] = '\n';
			break;
		case 'r':
			s[o++] = '\r';
			break;
		case 't':
			s[o++] = '\t';
			break;
		case 'v':
			s[o++] = '\v';
			break;
		case 'x':
			if (i + 1 < len && hexval(s[i + 1]) >= 0) {
				int v = hexval(s[++i]);

				if (i + 1 < len && hexval(s[i + 1]) >= 0)
					v = v * 16 + hexval(s[++i]);
				s[o++] = (char)v;
			} else {
				s[o++] = 'x';
			}
			break;
		default:
			if (c >= '0' && c <= '7') {
				int v = c - '0', k;

				for (k = 0; k < 2 && i + 1 < len &&
				     s[i + 1] >= '0' && s[i + 1] <= '7'; k++)
					v = v * 8 + (s[++i] - '0');
				s[o++] = (char)(v & 0xff);
			} else {
				s[o++] = c;
			}
			break;
		}
	}
	return o;
}

/* ---- the sensor's SQLite side ------------------------------------------ */

static const char local_sql[] =
    "CREATE TABLE IF NOT EXISTS central_state ("
    " key TEXT PRIMARY KEY, value TEXT NOT NULL);";

static const char dirty_sql[] =
    "CREATE TABLE central_dirty ("
    " tbl INTEGER NOT NULL, id INTEGER NOT NULL,"
    " seq INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(tbl, id)) WITHOUT ROWID;";

static const char *const trig_names[] = {"central_mark_sources_ins",
    "central_mark_sources_upd", "central_mark_assets_ins",
    "central_mark_assets_upd", "central_mark_flows_ins",
    "central_mark_flows_upd", "central_mark_ops_ins",
    "central_mark_ops_upd"};

static int
lexec(sqlite3 *db, const char *sql, char *errbuf, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		if (errbuf != NULL)
			snprintf(errbuf, errlen, "%s",
			    msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
table_exists(sqlite3 *db, const char *name)
{
	sqlite3_stmt *q;
	int r = 0;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE"
				   " type = 'table' AND name = ?", -1, &q,
		NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	r = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	return r;
}

static int
state_get(sqlite3 *db, const char *key, char *buf, size_t len)
{
	sqlite3_stmt *q;
	int r = -1;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT value FROM central_state WHERE"
				   " key = ?", -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(q, 0);

		snprintf(buf, len, "%s", t ? (const char *)t : "");
		r = 0;
	}
	sqlite3_finalize(q);
	return r;
}

static int
state_set(sqlite3 *db, const char *key, const char *value)
{
	sqlite3_stmt *q;
	int r;

	if (sqlite3_prepare_v2(db, "INSERT INTO central_state(key, value)"
				   " VALUES(?1, ?2) ON CONFLICT(key) DO"
				   " UPDATE SET value = ?2", -1, &q,
		NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);
	r = sqlite3_step(q) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(q);
	return r;
}

/* Mark every row (first setup, or the server lost what it had). */
static int
mark_all(sqlite3 *db, char *errbuf, size_t errlen)
{
	return lexec(db,
	    "INSERT OR IGNORE INTO central_dirty(tbl, id)"
	    " SELECT 0, id FROM sources;"
	    "INSERT OR IGNORE INTO central_dirty(tbl, id)"
	    " SELECT 1, id FROM assets;"
	    "INSERT OR IGNORE INTO central_dirty(tbl, id)"
	    " SELECT 2, id FROM flows;"
	    "INSERT OR IGNORE INTO central_dirty(tbl, id)"
	    " SELECT DISTINCT 3, flow_id FROM operations;",
	    errbuf, errlen);
}

static int
local_setup(sqlite3 *db, char *errbuf, size_t errlen)
{
	char sql[512];
	size_t t;
	int fresh;

	if (lexec(db, "BEGIN IMMEDIATE", errbuf, errlen) != 0)
		return -1;
	if (lexec(db, local_sql, errbuf, errlen) != 0)
		goto fail;
	fresh = !table_exists(db, "central_dirty");
	if (fresh && lexec(db, dirty_sql, errbuf, errlen) != 0)
		goto fail;
	for (t = 0; t < NTABLES; t++) {
		int k;

		for (k = 0; k < 2; k++) {
			snprintf(sql, sizeof(sql),
			    "CREATE TRIGGER IF NOT EXISTS %s AFTER %s ON %s"
			    " BEGIN INSERT INTO central_dirty(tbl, id)"
			    " VALUES(%d, new.%s) ON CONFLICT(tbl, id) DO"
			    " UPDATE SET seq = seq + 1; END;",
			    trig_names[t * 2 + (size_t)k],
			    k ? "UPDATE" : "INSERT", tables[t].local,
			    tables[t].mark, tables[t].join);
			if (lexec(db, sql, errbuf, errlen) != 0)
				goto fail;
		}
	}
	if (fresh && mark_all(db, errbuf, errlen) != 0)
		goto fail;
	if (lexec(db, "COMMIT", errbuf, errlen) != 0)
		goto fail;
	return 0;
fail:
	lexec(db, "ROLLBACK", NULL, 0);
	return -1;
}

int
central_disable(sqlite3 *db, char *errbuf, size_t errlen)
{
	char sql[128];
	size_t i;

	if (!table_exists(db, "central_dirty"))
		return 0;
	if (lexec(db, "BEGIN IMMEDIATE", errbuf, errlen) != 0)
		return -1;
	for (i = 0; i < NC(trig_names); i++) {
		snprintf(sql, sizeof(sql), "DROP TRIGGER IF EXISTS %s",
		    trig_names[i]);
		if (lexec(db, sql, errbuf, errlen) != 0)
			goto fail;
	}
	if (lexec(db, "DROP TABLE central_dirty", errbuf, errlen) != 0 ||
	    lexec(db, "COMMIT", errbuf, errlen) != 0)
		goto fail;
	return 0;
fail:
	lexec(db, "ROLLBACK", NULL, 0);
	return -1;
}

static uint64_t
count_marks(sqlite3 *db)
{
	sqlite3_stmt *q;
	uint64_t n = 0;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM central_dirty", -1,
		&q, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(q) == SQLITE_ROW)
		n = (uint64_t)sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return n;
}

/* ---- the pusher -------------------------------------------------------- */

struct mark {
	int64_t id, seq;
	int tbl;
};

struct central {
	struct central_cfg cfg;
	char *url, *password, *id, *name;
	char display[256];
	sqlite3 *db;
	PGconn *conn;
	int ready; /* schema checked and temporary tables made */
	uint64_t deadline; /* of the push under way (mono us) */

	struct mark *marks;
	size_t n_marks, cap_marks;
	uint32_t batch; /* current batch (shrinks after a timeout) */
	char *buf;	/* COPY data */
	size_t used;

	/* state and counters (the pusher thread's own) */
	uint64_t next_try, backoff_us, last_try;
	uint64_t pushes, errors, rows, pending, last_push_wall;
	uint64_t down_since, last_warn;
	int up, failing;
	char last_error[512];

	/*
	 * The pusher thread.  Before central_start() db is the store's
	 * handle (setup, in the capture thread); from then on it is the
	 * thread's own connection and only the thread touches it, conn and
	 * everything above.  The capture thread and the thread share only
	 * what is below, under mu.
	 */
	char *dbpath;
	pthread_t thr;
	int started, joined;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int flushed;		/* a flush committed since the last look */
	int stop;		/* the last flush: push once more and end */
	uint64_t stop_deadline; /* of that last push (mono us) */
	struct cstat {
		uint64_t pushes, errors, rows, pending, last_push_wall;
		int up;
		char last_error[512];
	} pub; /* what /metrics and /healthz show */
};

/* Copy the thread's counters to what the API reads. */
static void
publish(struct central *c)
{
	pthread_mutex_lock(&c->mu);
	c->pub.pushes = c->pushes;
	c->pub.errors = c->errors;
	c->pub.rows = c->rows;
	c->pub.pending = c->pending;
	c->pub.last_push_wall = c->last_push_wall;
	c->pub.up = c->up;
	memcpy(c->pub.last_error, c->last_error, sizeof(c->pub.last_error));
	pthread_mutex_unlock(&c->mu);
}

static void
snapshot(struct central *c, struct cstat *out)
{
	pthread_mutex_lock(&c->mu);
	*out = c->pub;
	pthread_mutex_unlock(&c->mu);
}

static int
deadline_left_ms(const struct central *c)
{
	uint64_t now = mono_us();

	if (now >= c->deadline)
		return 0;
	return (int)((c->deadline - now + 999u) / 1000u);
}

/* Wait for the server's socket; 0 ready, -1 timeout or error. */
static int
wait_sock(struct central *c, short events)
{
	struct pollfd p;
	int ms, r;

	p.fd = PQsocket(c->conn);
	p.events = events;
	if (p.fd < 0) {
		set_msg(c->last_error, sizeof(c->last_error), "",
		    "connection lost");
		return -1;
	}
	for (;;) {
		ms = deadline_left_ms(c);
		if (ms <= 0) {
			snprintf(c->last_error, sizeof(c->last_error),
			    "no answer within %us (central.timeout)",
			    c->cfg.timeout_s);
			return -1;
		}
		p.revents = 0;
		r = poll(&p, 1, ms);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR) {
			set_msg(c->last_error, sizeof(c->last_error), "poll",
			    strerror(errno));
			return -1;
		}
	}
}

static int
conn_error(struct central *c, const char *what)
{
	set_msg(c->last_error, sizeof(c->last_error), what,
	    PQerrorMessage(c->conn));
	return -1;
}

/* Send what libpq holds; in non-blocking mode it may take several
 * rounds, reading what the server says meanwhile. */
static int
pg_flush(struct central *c)
{
	int r;

	while ((r = PQflush(c->conn)) == 1) {
		if (wait_sock(c, POLLIN | POLLOUT) != 0)
			return -1;
		if (PQconsumeInput(c->conn) == 0)
			return conn_error(c, "");
	}
	return r == 0 ? 0 : conn_error(c, "");
}

/* The next result, waiting at most until the deadline; *res NULL when
 * the command's results are over.  0, -1. */
static int
pg_next(struct central *c, PGresult **res)
{
	*res = NULL;
	while (PQisBusy(c->conn)) {
		if (wait_sock(c, POLLIN) != 0)
			return -1;
		if (PQconsumeInput(c->conn) == 0)
			return conn_error(c, "");
	}
	*res = PQgetResult(c->conn);
	return 0;
}

/*
 * Run sql (several statements allowed when nparams is 0) and wait for
 * all its results.  A tuple result is handed back in *out when out is
 * given (the caller clears it).  0, -1 with last_error.
 */
static int
pg_run(struct central *c, const char *sql, int nparams,
    const char *const *params, PGresult **out)
{
	PGresult *r;
	int rc = 0, sent;

	if (out != NULL)
		*out = NULL;
	sent = nparams > 0 ? PQsendQueryParams(c->conn, sql, nparams, NULL,
				 params, NULL, NULL, 0)
			   : PQsendQuery(c->conn, sql);
	if (!sent)
		return conn_error(c, "");
	if (pg_flush(c) != 0)
		return -1;
	for (;;) {
		if (pg_next(c, &r) != 0)
			return -1;
		if (r == NULL)
			break;
		switch (PQresultStatus(r)) {
		case PGRES_COMMAND_OK:
			PQclear(r);
			break;
		case PGRES_TUPLES_OK:
			if (out != NULL) {
				PQclear(*out);
				*out = r;
			} else {
				PQclear(r);
			}
			break;
		default:
			if (rc == 0)
				set_msg(c->last_error, sizeof(c->last_error),
				    "", PQresultErrorMessage(r));
			rc = -1;
			PQclear(r);
			break;
		}
	}
	if (rc != 0 && out != NULL) {
		PQclear(*out);
		*out = NULL;
	}
	return rc;
}

static void
conn_drop(struct central *c)
{
	if (c->conn != NULL)
		PQfinish(c->conn);
	c->conn = NULL;
	c->ready = 0;
}

/* The server's notices (CREATE ... IF NOT EXISTS "skipping") are not
 * for the sensor's log. */
static void
quiet_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static int
pg_connect(struct central *c)
{
	const char *kw[8], *val[8];
	char tmo[16];
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	int n = 0;

	snprintf(tmo, sizeof(tmo), "%u",
	    c->cfg.timeout_s < 2 ? 2u : c->cfg.timeout_s);
	kw[n] = "dbname";
	val[n++] = c->url;
	kw[n] = "connect_timeout"; /* after the URL: ours wins */
	val[n++] = tmo;
	kw[n] = "application_name";
	val[n++] = "otzone-sensor";
	if (c->password != NULL) {
		kw[n] = "password";
		val[n++] = c->password;
	}
	kw[n] = NULL;
	val[n] = NULL;
	c->conn = PQconnectStartParams(kw, val, 1);
	if (c->conn == NULL) {
		snprintf(c->last_error, sizeof(c->last_error),
		    "out of memory");
		return -1;
	}
	if (PQstatus(c->conn) == CONNECTION_BAD)
		goto bad;
	while (st != PGRES_POLLING_OK) {
		if (st == PGRES_POLLING_FAILED)
			goto bad;
		if (wait_sock(c, st == PGRES_POLLING_READING ? POLLIN
							     : POLLOUT) != 0)
			goto fail;
		st = PQconnectPoll(c->conn);
	}
	if (PQsetnonblocking(c->conn, 1) != 0)
		goto bad;
	PQsetNoticeProcessor(c->conn, quiet_notice, NULL);
	return 0;
bad:
	conn_error(c, "connect");
fail:
	conn_drop(c);
	return -1;
}

static void
col_decl(char *buf, size_t len, const struct tdef *t, int types)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < t->ncols && o < len; i++) {
		const struct col *k = &t->cols[i];

		o += (size_t)snprintf(buf + o, len - o, "%s%s%s", i ? ", " : "",
		    k->name,
		    !types	       ? ""
		    : k->type == 'i' ? " bigint"
		    : k->type == 'b' ? " bytea"
				     : " text");
	}
}

/* Schema (created if missing, version checked) and the temporary tables
 * of this connection. */
static int
pg_ready(struct central *c)
{
	char sql[4096], cols[2048];
	PGresult *r = NULL;
	size_t t;
	int ver, have;

	/* all tables there (made by an earlier sensor, or by a DBA for a
	 * role without CREATE): no DDL at all */
	if (pg_run(c, "BEGIN", 0, NULL, NULL) != 0 ||
	    pg_run(c, "SELECT to_regclass('otzone_meta') IS NOT NULL AND"
		      " to_regclass('otzone_sensors') IS NOT NULL AND"
		      " to_regclass('otzone_sources') IS NOT NULL AND"
		      " to_regclass('otzone_assets') IS NOT NULL AND"
		      " to_regclass('otzone_flows') IS NOT NULL AND"
		      " to_regclass('otzone_operations') IS NOT NULL",
		0, NULL, &r) != 0)
		goto fail;
	have = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	r = NULL;
	if (!have && pg_run(c, "SELECT pg_advisory_xact_lock(" PG_LOCK_KEY
			       ");"
			       "CREATE TABLE IF NOT EXISTS otzone_meta ("
			       " key text PRIMARY KEY, value text NOT NULL);"
			       "INSERT INTO otzone_meta"
			       " VALUES('schema_version', '1')"
			       " ON CONFLICT DO NOTHING;"
			       "CREATE TABLE IF NOT EXISTS otzone_sensors ("
			       " sensor_id text PRIMARY KEY, name text NOT NULL,"
			       " push_seq bigint NOT NULL DEFAULT 0,"
			       " rows_pushed bigint NOT NULL DEFAULT 0,"
			       " first_push timestamptz,"
			       " last_push timestamptz);",
			0, NULL, NULL) != 0)
		goto fail;
	if (pg_run(c, "SELECT value FROM otzone_meta WHERE"
		      " key = 'schema_version'", 0, NULL, &r) != 0)
		goto fail;
	ver = PQntuples(r) == 1 ? atoi(PQgetvalue(r, 0, 0)) : 0;
	PQclear(r);
	if (ver > CENTRAL_SCHEMA_VERSION || ver < 1) {
		snprintf(c->last_error, sizeof(c->last_error),
		    "the server's otzone schema is version %d, this sensor "
		    "writes version %d", ver, CENTRAL_SCHEMA_VERSION);
		goto fail;
	}
	for (t = 0; t < NTABLES && !have; t++) {
		col_decl(cols, sizeof(cols), &tables[t], 1);
		snprintf(sql, sizeof(sql),
		    "CREATE TABLE IF NOT EXISTS %s (sensor_id text NOT NULL,"
		    " %s, PRIMARY KEY(sensor_id, %s))",
		    tables[t].remote, cols, tables[t].pk);
		if (pg_run(c, sql, 0, NULL, NULL) != 0)
			goto fail;
	}
	if (pg_run(c, "COMMIT", 0, NULL, NULL) != 0)
		goto fail;
	for (t = 0; t < NTABLES; t++) {
		col_decl(cols, sizeof(cols), &tables[t], 1);
		snprintf(sql, sizeof(sql),
		    "CREATE TEMP TABLE IF NOT EXISTS t_%s (sensor_id text,"
		    " %s) ON COMMIT DELETE ROWS", tables[t].local, cols);
		if (pg_run(c, sql, 0, NULL, NULL) != 0)
			return -1;
	}
	c->ready = 1;
	return 0;
fail:
	pg_run(c, "ROLLBACK", 0, NULL, NULL);
	return -1;
}

/*
 * Register the sensor and compare push sequence numbers: a server that
 * has fewer pushes than this sensor committed lost some (restored from
 * an older backup, or a new server): mark every row again.
 */
static int
pg_register(struct central *c)
{
	const char *p[2] = {c->id, c->name};
	char local[32];
	PGresult *r = NULL;
	long long remote, mine;

	if (pg_run(c, "INSERT INTO otzone_sensors(sensor_id, name, first_push)"
		      " VALUES($1, $2, now()) ON CONFLICT(sensor_id) DO UPDATE"
		      " SET name = EXCLUDED.name RETURNING push_seq",
		2, p, &r) != 0)
		return -1;
	remote = PQntuples(r) == 1 ? atoll(PQgetvalue(r, 0, 0)) : 0;
	PQclear(r);
	mine = state_get(c->db, "push_seq", local, sizeof(local)) == 0
	    ? atoll(local)
	    : 0;
	if (remote < mine) {
		char err[256];

		LOG_W("central: %s has %lld of this sensor's %lld pushes "
		      "(restored or replaced?): sending everything again",
		    c->display, remote, mine);
		if (lexec(c->db, "BEGIN IMMEDIATE", NULL, 0) != 0 ||
		    mark_all(c->db, err, sizeof(err)) != 0 ||
		    state_set(c->db, "push_seq", "0") != 0 ||
		    lexec(c->db, "COMMIT", NULL, 0) != 0) {
			lexec(c->db, "ROLLBACK", NULL, 0);
			set_msg(c->last_error, sizeof(c->last_error),
			    "marking rows", sqlite3_errmsg(c->db));
			return -1;
		}
	}
	return 0;
}

/* COPY data: flush the buffer to libpq (non-blocking: may wait). */
static int
copy_send(struct central *c)
{
	int r;

	while (c->used > 0 &&
	    (r = PQputCopyData(c->conn, c->buf, (int)c->used)) != 1) {
		if (r < 0)
			return conn_error(c, "COPY");
		if (wait_sock(c, POLLOUT) != 0)
			return -1;
		if (PQflush(c->conn) < 0)
			return conn_error(c, "COPY");
	}
	c->used = 0;
	return pg_flush(c);
}

static int
too_big(struct central *c)
{
	snprintf(c->last_error, sizeof(c->last_error),
	    "a row does not fit the COPY buffer");
	return -1;
}

static int
copy_put(struct central *c, const char *s, size_t n)
{
	if (c->used + n > COPY_BUF)
		return too_big(c);
	memcpy(c->buf + c->used, s, n);
	c->used += n;
	return 0;
}

static int
copy_field(struct central *c, sqlite3_stmt *q, int i, char type)
{
	static const char hex[] = "0123456789abcdef";
	char num[32];
	int n, ct = sqlite3_column_type(q, i);

	if (ct == SQLITE_NULL)
		return copy_put(c, "\\N", 2);
	if (type == 'b') {
		const unsigned char *b = sqlite3_column_blob(q, i);
		size_t k, len = (size_t)sqlite3_column_bytes(q, i);

		if (c->used + 3 + 2 * len > COPY_BUF)
			return too_big(c);
		c->buf[c->used++] = '\\';
		c->buf[c->used++] = '\\';
		c->buf[c->used++] = 'x';
		for (k = 0; k < len; k++) {
			c->buf[c->used++] = hex[b[k] >> 4];
			c->buf[c->used++] = hex[b[k] & 15];
		}
		return 0;
	}
	if (type == 'i' && ct == SQLITE_INTEGER) {
		n = snprintf(num, sizeof(num), "%lld",
		    (long long)sqlite3_column_int64(q, i));
		return copy_put(c, num, (size_t)n);
	}
	{
		const char *t = (const char *)sqlite3_column_text(q, i);
		size_t len = (size_t)sqlite3_column_bytes(q, i), w;

		if (t == NULL || len == 0)
			return 0; /* the empty string */
		w = central_copy_escape(c->buf + c->used, COPY_BUF - c->used, t,
		    len);
		if (w == 0)
			return too_big(c);
		c->used += w;
		return 0;
	}
}

static int
marks_add(struct central *c, int tbl, int64_t id, int64_t seq)
{
	if (c->n_marks == c->cap_marks) {
		size_t nc = c->cap_marks ? c->cap_marks * 2 : 1024;
		struct mark *nm = realloc(c->marks, nc * sizeof(*nm));

		if (nm == NULL)
			return -1;
		c->marks = nm;
		c->cap_marks = nc;
	}
	c->marks[c->n_marks].tbl = tbl;
	c->marks[c->n_marks].id = id;
	c->marks[c->n_marks].seq = seq;
	c->n_marks++;
	return 0;
}

/*
 * One batch: the first marks (at most c->batch) and their rows, read in
 * one SQLite snapshot, upserted in one PostgreSQL transaction.  Returns
 * the rows sent (>= 0), or -1 (last_error set; *local: the failure was
 * the sensor's own database).
 */
static long long
push_batch(struct central *c, int *local)
{
	char sql[4096], cols[2048], num[32];
	sqlite3_stmt *q = NULL;
	long long sent = 0;
	uint64_t t_lock;
	size_t t, left = c->batch, first;
	const char *p[2];
	PGresult *r = NULL;

	*local = 0;
	c->n_marks = 0;
	if (lexec(c->db, "BEGIN", c->last_error, sizeof(c->last_error)) != 0) {
		*local = 1;
		return -1;
	}
	if (pg_run(c, "BEGIN", 0, NULL, NULL) != 0)
		goto fail;
	for (t = 0; t < NTABLES && left > 0; t++) {
		const struct tdef *td = &tables[t];
		int64_t maxid;
		size_t i;
		int rc;

		first = c->n_marks;
		if (sqlite3_prepare_v2(c->db,
			"SELECT id, seq FROM central_dirty WHERE tbl = ?"
			" ORDER BY id LIMIT ?", -1, &q, NULL) != SQLITE_OK)
			goto lfail;
		sqlite3_bind_int(q, 1, td->mark);
		sqlite3_bind_int64(q, 2, (sqlite3_int64)left);
		while ((rc = sqlite3_step(q)) == SQLITE_ROW)
			if (marks_add(c, td->mark, sqlite3_column_int64(q, 0),
				sqlite3_column_int64(q, 1)) != 0)
				goto lfail;
		sqlite3_finalize(q);
		q = NULL;
		if (rc != SQLITE_DONE)
			goto lfail;
		if (c->n_marks == first)
			continue;
		left -= c->n_marks - first;
		maxid = c->marks[c->n_marks - 1].id;
		/* the rows of these marks, into t_<table> */
		col_decl(cols, sizeof(cols), td, 0);
		snprintf(sql, sizeof(sql),
		    "COPY t_%s (sensor_id, %s) FROM STDIN", td->local, cols);
		if (!PQsendQuery(c->conn, sql) || pg_flush(c) != 0 ||
		    pg_next(c, &r) != 0)
			goto fail;
		if (r == NULL || PQresultStatus(r) != PGRES_COPY_IN) {
			set_msg(c->last_error, sizeof(c->last_error), "COPY",
			    r ? PQresultErrorMessage(r) : "no COPY state");
			PQclear(r);
			goto fail;
		}
		PQclear(r);
		cols[0] = '\0';
		for (i = 0; i < td->ncols; i++)
			snprintf(cols + strlen(cols),
			    sizeof(cols) - strlen(cols), "%sx.%s",
			    i ? ", " : "", td->cols[i].name);
		snprintf(sql, sizeof(sql),
		    "SELECT %s FROM central_dirty d JOIN %s x ON x.%s = d.id"
		    " WHERE d.tbl = %d AND d.id <= ? ORDER BY d.id", cols,
		    td->local, td->join, td->mark);
		if (sqlite3_prepare_v2(c->db, sql, -1, &q, NULL) != SQLITE_OK)
			goto lfail;
		sqlite3_bind_int64(q, 1, maxid);
		while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
			size_t w = central_copy_escape(c->buf + c->used,
			    COPY_BUF - c->used, c->id, strlen(c->id));

			if (w == 0) {
				too_big(c);
				goto fail_copy;
			}
			c->used += w;
			for (i = 0; i < td->ncols; i++) {
				if (copy_put(c, "\t", 1) != 0 ||
				    copy_field(c, q, (int)i,
					td->cols[i].type) != 0)
					goto fail_copy;
			}
			if (copy_put(c, "\n", 1) != 0)
				goto fail_copy;
			sent++;
			if (c->used >= COPY_SEND && copy_send(c) != 0)
				goto fail_copy;
		}
		sqlite3_finalize(q);
		q = NULL;
		if (rc != SQLITE_DONE)
			goto lfail;
		if (copy_send(c) != 0)
			goto fail;
		if (PQputCopyEnd(c->conn, NULL) != 1 || pg_flush(c) != 0) {
			conn_error(c, "COPY");
			goto fail;
		}
		for (;;) {
			if (pg_next(c, &r) != 0)
				goto fail;
			if (r == NULL)
				break;
			if (PQresultStatus(r) != PGRES_COMMAND_OK) {
				set_msg(c->last_error, sizeof(c->last_error),
				    "COPY", PQresultErrorMessage(r));
				PQclear(r);
				while (pg_next(c, &r) == 0 && r != NULL)
					PQclear(r);
				goto fail;
			}
			PQclear(r);
		}
		/* upsert: absolute values, so a replay changes nothing */
		col_decl(cols, sizeof(cols), td, 0);
		{
			int o = snprintf(sql, sizeof(sql),
			    "INSERT INTO %s (sensor_id, %s) SELECT sensor_id,"
			    " %s FROM t_%s ON CONFLICT (sensor_id, %s) DO"
			    " UPDATE SET ", td->remote, cols, cols, td->local,
			    td->pk);

			for (i = 0; i < td->ncols && o > 0 &&
			     (size_t)o < sizeof(sql); i++)
				o += snprintf(sql + o, sizeof(sql) - (size_t)o,
				    "%s%s = EXCLUDED.%s", i ? ", " : "",
				    td->cols[i].name, td->cols[i].name);
			if (o <= 0 || (size_t)o >= sizeof(sql)) {
				snprintf(c->last_error, sizeof(c->last_error),
				    "internal: upsert too long");
				goto fail;
			}
		}
		if (pg_run(c, sql, 0, NULL, NULL) != 0)
			goto fail;
	}
	snprintf(num, sizeof(num), "%lld", sent);
	p[0] = c->id;
	p[1] = num;
	if (pg_run(c, "UPDATE otzone_sensors SET push_seq = push_seq + 1,"
		      " last_push = now(), rows_pushed = rows_pushed + $2"
		      " WHERE sensor_id = $1 RETURNING push_seq", 2, p,
		&r) != 0)
		goto fail;
	if (PQntuples(r) != 1) {
		PQclear(r);
		snprintf(c->last_error, sizeof(c->last_error),
		    "this sensor's row vanished from otzone_sensors");
		c->ready = 0;
		goto fail;
	}
	snprintf(num, sizeof(num), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	lexec(c->db, "COMMIT", NULL, 0); /* end the read snapshot */
	if (pg_run(c, "COMMIT", 0, NULL, NULL) != 0)
		return -1;
	/* committed: forget the marks whose rows did not change since (the
	 * write lock, which the flush waits for meanwhile: timed) */
	t_lock = mono_us();
	if (lexec(c->db, "BEGIN IMMEDIATE", c->last_error,
		sizeof(c->last_error)) != 0 ||
	    sqlite3_prepare_v2(c->db, "DELETE FROM central_dirty WHERE"
				      " tbl = ? AND id = ? AND seq = ?", -1, &q,
		NULL) != SQLITE_OK)
		goto local_after;
	for (first = 0; first < c->n_marks; first++) {
		sqlite3_bind_int(q, 1, c->marks[first].tbl);
		sqlite3_bind_int64(q, 2, c->marks[first].id);
		sqlite3_bind_int64(q, 3, c->marks[first].seq);
		if (sqlite3_step(q) != SQLITE_DONE)
			goto local_after;
		sqlite3_reset(q);
	}
	sqlite3_finalize(q);
	q = NULL;
	if (state_set(c->db, "push_seq", num) != 0 ||
	    lexec(c->db, "COMMIT", NULL, 0) != 0)
		goto local_after;
	LOG_D("central: %zu marks cleared, sensor database write-locked "
	      "%" PRIu64 " ms", c->n_marks, (mono_us() - t_lock) / 1000u);
	return sent;
local_after:
	/* the server has the rows; the marks stay and are sent again */
	set_msg(c->last_error, sizeof(c->last_error), "clearing marks",
	    sqlite3_errmsg(c->db));
	sqlite3_finalize(q);
	lexec(c->db, "ROLLBACK", NULL, 0);
	*local = 1;
	return -1;
fail_copy:
	PQputCopyEnd(c->conn, "otzone: push abandoned");
	goto fail;
lfail:
	set_msg(c->last_error, sizeof(c->last_error), "sensor database",
	    sqlite3_errmsg(c->db));
	*local = 1;
fail:
	sqlite3_finalize(q);
	c->used = 0;
	lexec(c->db, "ROLLBACK", NULL, 0);
	/* the server's side may be in a COPY or a transaction: closing the
	 * connection aborts it (the next push connects again) */
	conn_drop(c);
	return -1;
}

static int
read_password(const char *path, char **out, char *errbuf, size_t errlen)
{
	FILE *f;
	char line[1024];
	size_t n;

	*out = NULL;
	if (path == NULL || path[0] == '\0')
		return 0;
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(errbuf, errlen, "central.password_file: %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fgets(line, sizeof(line), f) == NULL) {
		fclose(f);
		snprintf(errbuf, errlen, "central.password_file: %s: empty",
		    path);
		return -1;
	}
	fclose(f);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (n == 0) {
		snprintf(errbuf, errlen, "central.password_file: %s: empty",
		    path);
		return -1;
	}
	*out = strdup(line);
	memset(line, 0, sizeof(line));
	if (*out == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		return -1;
	}
	return 0;
}

struct central *
central_new(const struct central_cfg *cfg, sqlite3 *db, char *errbuf,
    size_t errlen)
{
	struct central *c;
	char id[64], host[128];
	const char *path;

	if (central_url_check(cfg->url, errbuf, errlen) != 0)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto oom;
	if (pthread_mutex_init(&c->mu, NULL) != 0) {
		free(c);
		c = NULL;
		goto oom;
	}
	if (pthread_cond_init(&c->cv, NULL) != 0) {
		pthread_mutex_destroy(&c->mu);
		free(c);
		c = NULL;
		goto oom;
	}
	c->cfg = *cfg;
	c->db = db;
	path = sqlite3_db_filename(db, "main");
	if (path == NULL || path[0] == '\0') {
		snprintf(errbuf, errlen, "central: the sensor database has no "
					 "file name");
		goto fail;
	}
	if ((c->dbpath = strdup(path)) == NULL)
		goto oom;
	c->batch = cfg->batch_rows ? cfg->batch_rows : 10000u;
	if ((c->url = strdup(cfg->url)) == NULL ||
	    (c->buf = malloc(COPY_BUF)) == NULL)
		goto oom;
	c->cfg.url = c->url;
	central_url_display(c->url, c->display, sizeof(c->display));
	if (read_password(cfg->password_file, &c->password, errbuf,
		errlen) != 0)
		goto fail;
	if (local_setup(db, errbuf, errlen) != 0) {
		char m[384];

		snprintf(m, sizeof(m), "%s", errbuf);
		snprintf(errbuf, errlen, "central: marking changes: %s", m);
		goto fail;
	}
	/* identity: the store's (meta table) */
	if (cfg->sensor_id == NULL || cfg->sensor_id[0] == '\0') {
		snprintf(errbuf, errlen, "central: the database has no sensor "
					 "identity");
		goto fail;
	}
	snprintf(id, sizeof(id), "%s", cfg->sensor_id);
	if (cfg->sensor_name != NULL && cfg->sensor_name[0] != '\0')
		snprintf(host, sizeof(host), "%s", cfg->sensor_name);
	else if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "sensor");
	host[sizeof(host) - 1] = '\0';
	if ((c->id = strdup(id)) == NULL || (c->name = strdup(host)) == NULL)
		goto oom;
	c->pending = count_marks(db);
	publish(c);
	return c;
oom:
	snprintf(errbuf, errlen, "out of memory");
fail:
	central_free(c);
	return NULL;
}

static void central_join(struct central *);

void
central_free(struct central *c)
{
	if (c == NULL)
		return;
	if (c->started && !c->joined) {
		central_join(c);
		if (!c->joined)
			return; /* still running: leave it to the exit */
	}
	conn_drop(c);
	if (c->started)
		sqlite3_close(c->db); /* the thread's own */
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c->dbpath);
	if (c->password != NULL) {
		memset(c->password, 0, strlen(c->password));
		free(c->password);
	}
	free(c->url);
	free(c->id);
	free(c->name);
	free(c->marks);
	free(c->buf);
	free(c);
}

uint64_t
central_pending(struct central *c)
{
	struct cstat st;

	if (c == NULL)
		return 0;
	snapshot(c, &st);
	return st.pending;
}

static void
push_failed(struct central *c, int local)
{
	uint64_t now = mono_us(), max = (uint64_t)c->cfg.retry_max_s *
	    1000000u;

	c->errors++;
	c->up = 0;
	if (!local)
		conn_drop(c);
	c->backoff_us = c->backoff_us ? c->backoff_us * 2 : 1000000u;
	if (c->backoff_us > max)
		c->backoff_us = max > 0 ? max : 1000000u;
	c->next_try = now + c->backoff_us;
	if (!c->failing) {
		c->failing = 1;
		c->down_since = now;
		c->last_warn = now;
		LOG_W("central: %s: %s; %" PRIu64 " rows kept, retrying in "
		      "%" PRIu64 "s", c->display, c->last_error, c->pending,
		    c->backoff_us / 1000000u);
	} else if (now - c->last_warn >= STILL_DOWN_US) {
		c->last_warn = now;
		LOG_W("central: %s: still failing for %" PRIu64 "s: %s; %"
		      PRIu64 " rows kept", c->display,
		    (now - c->down_since) / 1000000u, c->last_error,
		    c->pending);
	} else {
		LOG_D("central: %s: %s (retry in %" PRIu64 "s)", c->display,
		    c->last_error, c->backoff_us / 1000000u);
	}
}

static int push_now(struct central *, uint64_t, uint64_t);

/* One push after a flush (the pusher thread): skipped while backing off
 * or before push_interval has passed. */
static void
push_after_flush(struct central *c)
{
	uint64_t now = mono_us();

	if (now < c->next_try) {
		/* not now (backoff, push_interval): what waits, for the
		 * metrics */
		c->pending = count_marks(c->db);
		return;
	}
	push_now(c, now, now + (uint64_t)(c->cfg.timeout_s ? c->cfg.timeout_s
							   : 5u) *
	    1000000u);
}

/*
 * The pusher thread: a push after each flush it is told of, one last
 * push (whatever the backoff) when told to stop, then it ends.  Its
 * waits on the server are bounded by central.timeout; none of them
 * holds the capture thread, which only signals.
 */
static void *
pusher(void *arg)
{
	struct central *c = arg;
	uint64_t dl;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (!c->flushed && !c->stop)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->stop)
			break;
		c->flushed = 0;
		pthread_mutex_unlock(&c->mu);
		push_after_flush(c);
		publish(c);
		pthread_mutex_lock(&c->mu);
	}
	dl = c->stop_deadline;
	pthread_mutex_unlock(&c->mu);
	/* the last flush: once more regardless of the backoff, within what
	 * is left of central.timeout since the stop was asked for (a push
	 * under way when it came ended before that: it started earlier) */
	push_now(c, mono_us(), dl);
	if (c->pending > 0)
		LOG_W("central: %s: %" PRIu64 " rows not pushed yet: "
		      "kept in the database for the next start",
		    c->display, c->pending);
	conn_drop(c);
	publish(c);
	return NULL;
}

int
central_start(struct central *c, char *errbuf, size_t errlen)
{
	sigset_t all, old;
	sqlite3 *own = NULL;
	int r;

	if (c == NULL || c->started)
		return 0;
	/* the thread's own connection to the sensor's database (WAL: its
	 * reads run beside the flush); opened as the sensor's user */
	if (sqlite3_open_v2(c->dbpath, &own, SQLITE_OPEN_READWRITE,
		NULL) != SQLITE_OK) {
		snprintf(errbuf, errlen, "central: %s: %s", c->dbpath,
		    own ? sqlite3_errmsg(own) : "out of memory");
		sqlite3_close(own);
		return -1;
	}
	sqlite3_busy_timeout(own, 5000);
	c->db = own;
	/* no signal for the thread: the capture thread's event loop takes
	 * them all */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&c->thr, NULL, pusher, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		snprintf(errbuf, errlen, "central: thread: %s", strerror(r));
		sqlite3_close(own);
		c->db = NULL;
		return -1;
	}
	c->started = 1;
	return 0;
}

/* Ask the thread for its last push and wait for it: at most until that
 * push's deadline and a second more (a DNS lookup of libpq's is not
 * bounded: then the thread is left to the process's exit). */
static void
central_join(struct central *c)
{
	struct timespec ts;
	uint64_t until, now;

	pthread_mutex_lock(&c->mu);
	if (!c->stop) {
		c->stop = 1;
		c->stop_deadline = mono_us() +
		    (uint64_t)(c->cfg.timeout_s ? c->cfg.timeout_s : 5u) *
			1000000u;
		pthread_cond_signal(&c->cv);
	}
	until = c->stop_deadline;
	pthread_mutex_unlock(&c->mu);
	/* pthread_timedjoin_np counts on CLOCK_REALTIME */
	now = mono_us();
	until = (until + 1000000u > now ? until + 1000000u - now : 0) +
	    wall_us();
	ts.tv_sec = (time_t)(until / 1000000u);
	ts.tv_nsec = (long)(until % 1000000u) * 1000;
	if (pthread_timedjoin_np(c->thr, NULL, &ts) == 0) {
		c->joined = 1;
		return;
	}
	LOG_W("central: %s: the last push did not end in time: leaving it",
	    c->display);
}

int
central_push(struct central *c, int force)
{
	struct cstat st;

	if (c == NULL)
		return 0;
	if (c->started && !c->joined) {
		if (force) {
			central_join(c);
		} else {
			pthread_mutex_lock(&c->mu);
			c->flushed = 1;
			pthread_cond_signal(&c->cv);
			pthread_mutex_unlock(&c->mu);
		}
	}
	snapshot(c, &st);
	return st.pending > 0;
}

static int
push_now(struct central *c, uint64_t now, uint64_t deadline)
{
	uint64_t t0, dur, rows0 = c->rows;
	long long n;
	int local = 0, more = 0, again;

	c->last_try = now;
	c->deadline = deadline;
	c->pending = count_marks(c->db);
	if (c->pending == 0) {
		/* nothing to send: no round trip (an idle connection that
		 * broke meanwhile is found at the next push and replaced) */
		c->next_try = now + (uint64_t)c->cfg.push_interval_s * 1000000u;
		return 0;
	}
	/* a connection kept from an earlier push may have been closed by
	 * the server (restart, idle timeout): then one fresh try */
	again = c->conn != NULL;
	for (;;) {
		if (c->conn == NULL && pg_connect(c) != 0)
			break;
		if (!c->ready && (pg_ready(c) != 0 || pg_register(c) != 0))
			goto failed;
		t0 = mono_us();
		n = push_batch(c, &local);
		dur = mono_us() - t0;
		if (n < 0)
			goto failed;
		again = 0;
		c->rows += (uint64_t)n;
		c->pushes++;
		c->last_push_wall = wall_us();
		c->pending = count_marks(c->db);
		if (c->failing)
			LOG_I("central: %s: pushing again after %" PRIu64
			      "s; %" PRIu64 " rows left to catch up",
			    c->display, (mono_us() - c->down_since) / 1000000u,
			    c->pending);
		c->failing = 0;
		c->backoff_us = 0;
		c->up = 1;
		c->last_error[0] = '\0';
		publish(c);
		if (c->pending == 0 || n == 0)
			break;
		/* another batch only if one as long fits twice in what is
		 * left of the time */
		more = 1;
		if (mono_us() + 2 * dur >= c->deadline)
			break;
		continue;
failed:
		if (local)
			break;
		if (again && deadline_left_ms(c) > 0) {
			LOG_D("central: %s: %s (reconnecting)", c->display,
			    c->last_error);
			conn_drop(c);
			again = 0;
			continue;
		}
		break;
	}
	if (c->last_error[0] != '\0') {
		if (strstr(c->last_error, "central.timeout") != NULL &&
		    c->batch > MIN_BATCH)
			c->batch = c->batch / 2 > MIN_BATCH ? c->batch / 2
							    : MIN_BATCH;
		c->pending = count_marks(c->db);
		push_failed(c, local);
		return local ? -1 : 1;
	}
	c->next_try = mono_us() + (uint64_t)c->cfg.push_interval_s * 1000000u;
	LOG_D("central: pushed %" PRIu64 " rows in %" PRIu64 " ms, %" PRIu64
	      " left%s", c->rows - rows0, (mono_us() - now) / 1000u,
	    c->pending, more && c->pending > 0 ? " for the next push" : "");
	return c->pending > 0;
}

void
central_metrics(struct central *c, FILE *f)
{
	struct cstat st;

	if (c == NULL)
		return;
	snapshot(c, &st);
	fputs("# HELP otzone_central_up 1 when the last push to PostgreSQL "
	      "succeeded.\n# TYPE otzone_central_up gauge\n", f);
	fprintf(f, "otzone_central_up %d\n", st.up);
	fputs("# HELP otzone_central_pending_rows Rows changed and not yet "
	      "in PostgreSQL.\n# TYPE otzone_central_pending_rows gauge\n",
	    f);
	fprintf(f, "otzone_central_pending_rows %" PRIu64 "\n", st.pending);
	fputs("# HELP otzone_central_rows_pushed_total Rows upserted into "
	      "PostgreSQL.\n# TYPE otzone_central_rows_pushed_total counter\n",
	    f);
	fprintf(f, "otzone_central_rows_pushed_total %" PRIu64 "\n", st.rows);
	fputs("# HELP otzone_central_pushes_total Committed push "
	      "transactions.\n# TYPE otzone_central_pushes_total counter\n",
	    f);
	fprintf(f, "otzone_central_pushes_total %" PRIu64 "\n", st.pushes);
	fputs("# HELP otzone_central_push_errors_total Failed pushes (the "
	      "rows stay marked).\n# TYPE otzone_central_push_errors_total "
	      "counter\n", f);
	fprintf(f, "otzone_central_push_errors_total %" PRIu64 "\n",
	    st.errors);
	fputs("# HELP otzone_central_last_push_timestamp_seconds Wall-clock "
	      "time of the last committed push.\n# TYPE "
	      "otzone_central_last_push_timestamp_seconds gauge\n", f);
	fprintf(f, "otzone_central_last_push_timestamp_seconds %.3f\n",
	    (double)st.last_push_wall / 1e6);
}

void
central_health_json(struct central *c, FILE *f)
{
	struct cstat st;
	char t[40];

	if (c == NULL) {
		fputs("null", f);
		return;
	}
	snapshot(c, &st);
	fputs("{\"url\": ", f);
	json_str(f, c->display);
	fprintf(f, ", \"sensor_id\": ");
	json_str(f, c->id);
	fprintf(f, ", \"up\": %s, \"pending\": %" PRIu64 ", \"pushed\": %"
		   PRIu64 ", \"pushes\": %" PRIu64 ", \"errors\": %" PRIu64
		   ", \"last_push\": ",
	    st.up ? "true" : "false", st.pending, st.rows, st.pushes,
	    st.errors);
	fmt_time((int64_t)st.last_push_wall, t, sizeof(t));
	json_str(f, st.last_push_wall ? t : "");
	fputs(", \"last_error\": ", f);
	json_str(f, st.last_error);
	fputs("}", f);
}

/* ---- the read side ------------------------------------------------------ */

/* Copy one sensor's rows of one table into its SQLite database. */
static int
pull_table(PGconn *conn, sqlite3 *db, const struct tdef *td,
    const char *lit_id, char *errbuf, size_t errlen)
{
	char sql[4096], cols[2048], qs[512];
	sqlite3_stmt *q = NULL;
	PGresult *r;
	char *row = NULL;
	size_t i;
	int n, rc = -1;

	col_decl(cols, sizeof(cols), td, 0);
	snprintf(sql, sizeof(sql),
	    "COPY (SELECT %s FROM %s WHERE sensor_id = %s ORDER BY %s) TO"
	    " STDOUT", cols, td->remote, lit_id, td->pk);
	qs[0] = '\0';
	for (i = 0; i < td->ncols; i++)
		snprintf(qs + strlen(qs), sizeof(qs) - strlen(qs), "%s?",
		    i ? ", " : "");
	r = PQexec(conn, sql);
	if (PQresultStatus(r) != PGRES_COPY_OUT) {
		set_msg(errbuf, errlen, td->remote, PQresultErrorMessage(r));
		PQclear(r);
		return -1;
	}
	PQclear(r);
	snprintf(sql, sizeof(sql), "INSERT INTO %s (%s) VALUES(%s)", td->local,
	    cols, qs);
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
		set_msg(errbuf, errlen, td->local, sqlite3_errmsg(db));
		goto drain;
	}
	while ((n = PQgetCopyData(conn, &row, 0)) > 0) {
		char *p = row, *end = row + n;

		if (n > 0 && end[-1] == '\n')
			end--;
		for (i = 0; i < td->ncols; i++) {
			char *tab = memchr(p, '\t', (size_t)(end - p));
			char *fe = tab ? tab : end;
			size_t len = (size_t)(fe - p);
			int bi = (int)i + 1;

			if (len == 2 && p[0] == '\\' && p[1] == 'N') {
				sqlite3_bind_null(q, bi);
			} else {
				len = central_copy_unescape(p, len);
				if (td->cols[i].type == 'i') {
					char num[32];

					snprintf(num, sizeof(num), "%.*s",
					    (int)len, p);
					sqlite3_bind_int64(q, bi,
					    strtoll(num, NULL, 10));
				} else if (td->cols[i].type == 'b') {
					size_t k, m = 0;

					/* "\x0a0b..." */
					for (k = 2; k + 1 < len; k += 2)
						p[m++] = (char)(hexval(p[k]) *
							16 +
						    hexval(p[k + 1]));
					sqlite3_bind_blob(q, bi, p, (int)m,
					    SQLITE_TRANSIENT);
				} else {
					sqlite3_bind_text(q, bi, p, (int)len,
					    SQLITE_TRANSIENT);
				}
			}
			p = tab ? tab + 1 : end;
		}
		if (sqlite3_step(q) != SQLITE_DONE) {
			set_msg(errbuf, errlen, td->local, sqlite3_errmsg(db));
			PQfreemem(row);
			row = NULL;
			goto drain;
		}
		sqlite3_reset(q);
		sqlite3_clear_bindings(q);
		PQfreemem(row);
		row = NULL;
	}
	if (n == -2) {
		set_msg(errbuf, errlen, td->remote, PQerrorMessage(conn));
		goto out;
	}
	rc = 0;
	goto out;
drain:
	while ((n = PQgetCopyData(conn, &row, 0)) > 0)
		PQfreemem(row);
out:
	while ((r = PQgetResult(conn)) != NULL) {
		if (rc == 0 && PQresultStatus(r) != PGRES_COMMAND_OK) {
			set_msg(errbuf, errlen, td->remote,
			    PQresultErrorMessage(r));
			rc = -1;
		}
		PQclear(r);
	}
	sqlite3_finalize(q);
	return rc;
}

/* sensor-N.db files that may exist in the command line's temporary
 * directory (for its signal handler, below) */
static volatile sig_atomic_t cli_nsensors;

static void
unlink_db(const char *path)
{
	static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
	char p[4200];
	size_t i;

	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		unlink(p);
	}
}

/* One sensor's rows, into a new SQLite database at path with the
 * sensor's own schema and identity. */
static int
pull_sensor(PGconn *conn, const char *sid, const char *sname,
    const char *path, char *errbuf, size_t errlen)
{
	struct store *one;
	sqlite3_stmt *q = NULL;
	char e2[512], *lit;
	size_t t;
	int rc = -1;

	one = store_open(path, 0, errbuf, errlen);
	if (one == NULL)
		return -1;
	lit = PQescapeLiteral(conn, sid, strlen(sid));
	if (lit == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		goto out;
	}
	if (lexec(store_db(one), "BEGIN", e2, sizeof(e2)) != 0)
		goto lerr;
	for (t = 0; t < NTABLES; t++)
		if (pull_table(conn, store_db(one), &tables[t], lit, errbuf,
			errlen) != 0)
			goto out;
	/* the sensor's identity, as its own database has it */
	if (sqlite3_prepare_v2(store_db(one),
		"INSERT OR REPLACE INTO meta(key, value)"
		" VALUES('sensor_id', ?1), ('sensor_name', ?2)", -1, &q,
		NULL) != SQLITE_OK)
		goto lerr2;
	sqlite3_bind_text(q, 1, sid, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, sname, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_DONE)
		goto lerr2;
	if (lexec(store_db(one), "COMMIT", e2, sizeof(e2)) != 0)
		goto lerr;
	rc = 0;
	goto out;
lerr2:
	snprintf(e2, sizeof(e2), "%s", sqlite3_errmsg(store_db(one)));
lerr:
	snprintf(errbuf, errlen, "%s: %s", path, e2);
out:
	sqlite3_finalize(q);
	PQfreemem(lit);
	store_close(one);
	return rc;
}

int
central_pull(const char *url, const char *site_path, const char *tmpdir,
    char *errbuf, size_t errlen)
{
	const char *kw[4], *val[4];
	PGconn *conn;
	PGresult *r = NULL, *sensors = NULL;
	struct store *site = NULL;
	char **paths = NULL, e2[512];
	int i, ns, npaths = 0, rc = -1;

	if (central_url_check(url, errbuf, errlen) != 0)
		return -1;
	kw[0] = "connect_timeout"; /* before the URL: the URL's wins */
	val[0] = "10";
	kw[1] = "dbname";
	val[1] = url;
	kw[2] = "application_name";
	val[2] = "otzone";
	kw[3] = NULL;
	val[3] = NULL;
	conn = PQconnectdbParams(kw, val, 1);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		set_msg(errbuf, errlen, "",
		    conn ? PQerrorMessage(conn) : "out of memory");
		PQfinish(conn);
		return -1;
	}
	PQsetNoticeProcessor(conn, quiet_notice, NULL);
	r = PQexec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		set_msg(errbuf, errlen, "", PQresultErrorMessage(r));
		goto out;
	}
	PQclear(r);
	r = PQexec(conn, "SELECT value FROM otzone_meta WHERE"
			 " key = 'schema_version'");
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);

		if (st != NULL && strcmp(st, "42P01") == 0)
			snprintf(errbuf, errlen, "no otzone data (no sensor "
						 "has pushed to it)");
		else
			set_msg(errbuf, errlen, "otzone_meta",
			    PQresultErrorMessage(r));
		goto out;
	}
	if (atoi(PQgetvalue(r, 0, 0)) > CENTRAL_SCHEMA_VERSION) {
		snprintf(errbuf, errlen,
		    "otzone schema version %s is newer than this otzone (%d)",
		    PQgetvalue(r, 0, 0), CENTRAL_SCHEMA_VERSION);
		goto out;
	}
	PQclear(r);
	r = NULL;
	sensors = PQexec(conn, "SELECT sensor_id, name FROM otzone_sensors"
			       " ORDER BY name, sensor_id");
	if (PQresultStatus(sensors) != PGRES_TUPLES_OK) {
		set_msg(errbuf, errlen, "otzone_sensors",
		    PQresultErrorMessage(sensors));
		goto out;
	}
	ns = PQntuples(sensors);
	if (ns == 0) {
		snprintf(errbuf, errlen, "no otzone data (no sensor has "
					 "pushed to it)");
		goto out;
	}
	/* every sensor into its own file, then one merge (one rebuild) */
	if ((paths = calloc((size_t)ns, sizeof(*paths))) == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < ns; i++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/sensor-%d.db", tmpdir, i);
		if ((paths[i] = strdup(path)) == NULL) {
			snprintf(errbuf, errlen, "out of memory");
			goto out;
		}
		npaths = i + 1;
		cli_nsensors = npaths; /* for a signal: may exist now */
		if (pull_sensor(conn, PQgetvalue(sensors, i, 0),
			PQgetvalue(sensors, i, 1), path, errbuf, errlen) != 0)
			goto out;
	}
	PQclear(sensors);
	sensors = NULL;
	PQfinish(conn);
	conn = NULL;
	if ((site = store_open(site_path, 0, errbuf, errlen)) == NULL)
		goto out;
	if (store_merge(site, (const char *const *)paths, (size_t)ns, NULL, e2,
		sizeof(e2)) != 0) {
		snprintf(errbuf, errlen, "merging the sensors: %s", e2);
		goto out;
	}
	rc = 0;
out:
	for (i = 0; i < npaths; i++) {
		unlink_db(paths[i]);
		free(paths[i]);
	}
	free(paths);
	PQclear(r);
	PQclear(sensors);
	store_close(site);
	PQfinish(conn);
	return rc;
}

/* ---- the command line ---------------------------------------------------- */

static char cli_dir[4096], cli_site[4200], cli_label[256];

/* Append s to buf[*o..len) for the signal handler (no snprintf there). */
static void
sig_cat(char *buf, size_t len, size_t *o, const char *s)
{
	while (*s != '\0' && *o + 1 < len)
		buf[(*o)++] = *s++;
	buf[*o] = '\0';
}

static void
sig_unlink_db(char *buf, size_t len, size_t base)
{
	static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
	size_t i, o;

	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		o = base;
		sig_cat(buf, len, &o, sfx[i]);
		unlink(buf);
	}
}

/* Killed while a temporary copy exists (Ctrl-C, the reader of a pipe
 * gone): remove it, then die of the same signal. */
static void
cli_on_signal(int sig)
{
	static char p[4400];
	size_t o, base;
	int i;

	if (cli_dir[0] != '\0') {
		for (i = 0; i < cli_nsensors; i++) {
			char num[16];
			int v = i, k = 0, j;

			do {
				num[k++] = (char)('0' + v % 10);
				v /= 10;
			} while (v > 0 && k < 15);
			o = 0;
			sig_cat(p, sizeof(p), &o, cli_dir);
			sig_cat(p, sizeof(p), &o, "/sensor-");
			for (j = k - 1; j >= 0; j--) {
				char d[2] = {num[j], '\0'};

				sig_cat(p, sizeof(p), &o, d);
			}
			sig_cat(p, sizeof(p), &o, ".db");
			sig_unlink_db(p, sizeof(p), o);
		}
		base = 0;
		sig_cat(p, sizeof(p), &base, cli_site);
		sig_unlink_db(p, sizeof(p), base);
		rmdir(cli_dir);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

const char *
central_cli_label(void)
{
	return cli_dir[0] != '\0' ? cli_label : NULL;
}

void
central_cli_end(const char *db)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
	size_t i;

	if (cli_dir[0] == '\0' || db != cli_site)
		return;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	unlink_db(cli_site);
	rmdir(cli_dir);
	cli_dir[0] = cli_site[0] = '\0';
}

int
central_cli_begin(const char *cmd, const char **db)
{
	static const char *const ok[] = {"assets", "flows", "zones", "check",
	    "report"};
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
	const char *tmp = getenv("TMPDIR");
	char err[1024], shown[256];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(cmd, ok[i]) == 0)
			break;
	if (i == sizeof(ok) / sizeof(ok[0])) {
		fprintf(stderr, "otzone: %s: --db postgresql://... is for "
				"assets, flows, zones, check and report\n",
		    cmd);
		return 2;
	}
	central_url_display(*db, shown, sizeof(shown));
	snprintf(cli_label, sizeof(cli_label), "%s", shown);
	snprintf(cli_dir, sizeof(cli_dir), "%s/otzone-central.XXXXXX",
	    tmp != NULL && tmp[0] == '/' ? tmp : "/tmp");
	if (mkdtemp(cli_dir) == NULL) {
		fprintf(stderr, "otzone: %s: %s\n", cli_dir, strerror(errno));
		cli_dir[0] = '\0';
		return 2;
	}
	snprintf(cli_site, sizeof(cli_site), "%s/site.db", cli_dir);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], cli_on_signal);
	if (central_pull(*db, cli_site, cli_dir, err, sizeof(err)) != 0) {
		fprintf(stderr, "otzone: %s: %s\n", shown, err);
		*db = cli_site;
		central_cli_end(cli_site);
		return 2;
	}
	*db = cli_site;
	return 0;
}

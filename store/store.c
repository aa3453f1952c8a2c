/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store.c: the SQLite database of the asset and flow graph.
 *
 * WAL mode, a busy timeout, prepared statements made once, and one
 * transaction per flush.  Counters are written as deltas (x = x + ?), so
 * several files, several flushes and several runs add up.  The schema
 * version lives in PRAGMA user_version; a database from a newer otzone is
 * refused rather than misread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "fsdiag.h"
#include "events_impl.h"
#include "graph_impl.h"

enum {
	ST_ASSET,
	ST_ASSET_IDENT,
	ST_ASSET_IDENT_OLD,
	ST_EDGE,
	ST_EDGE_ID,
	ST_OP,
	ST_N
};

struct store {
	sqlite3 *db;
	char *path;
	char **srcpath; /* sources.path by id, for the evidence strings */
	size_t n_srcpath;
	int readonly;
	sqlite3_stmt *st[ST_N];
	/* meta (schema v2): "" when the database has none (a v1 database
	 * opened read-only). */
	char sensor_id[STORE_SENSOR_ID_LEN + 1];
	char sensor_name[STORE_SENSOR_NAME_MAX + 1];
	char role[16];
};

static const char schema_v1[] =
    "CREATE TABLE IF NOT EXISTS sources ("
    " id INTEGER PRIMARY KEY, path TEXT NOT NULL, sha256 TEXT,"
    " size INTEGER, linktype INTEGER, ingested_at TEXT,"
    " complete INTEGER NOT NULL DEFAULT 0,"
    " packets INTEGER DEFAULT 0, bytes INTEGER DEFAULT 0,"
    " first_us INTEGER, last_us INTEGER, truncated INTEGER DEFAULT 0,"
    " malformed INTEGER DEFAULT 0, not_ip INTEGER DEFAULT 0,"
    " dropped_caps INTEGER DEFAULT 0, dropped_kernel INTEGER DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS sources_sha ON sources(sha256);"
    "CREATE TABLE IF NOT EXISTS assets ("
    " id INTEGER PRIMARY KEY, vlan INTEGER NOT NULL, ip BLOB NOT NULL,"
    " ip_text TEXT NOT NULL, macs TEXT NOT NULL DEFAULT '',"
    " names TEXT NOT NULL DEFAULT '',"
    " first_us INTEGER, last_us INTEGER,"
    " packets INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0,"
    " vendor TEXT, product TEXT, model TEXT, firmware TEXT, hardware TEXT,"
    " serial TEXT, name TEXT, url TEXT, ident_source TEXT,"
    " vendor_id INTEGER, device_type INTEGER, product_code INTEGER,"
    " UNIQUE(vlan, ip));"
    "CREATE TABLE IF NOT EXISTS flows ("
    " id INTEGER PRIMARY KEY, vlan INTEGER NOT NULL,"
    " client_vlan INTEGER NOT NULL DEFAULT 0,"
    " client BLOB NOT NULL, server BLOB NOT NULL,"
    " client_text TEXT NOT NULL, server_text TEXT NOT NULL,"
    " transport INTEGER NOT NULL, server_port INTEGER NOT NULL,"
    " protocol TEXT NOT NULL, packets INTEGER NOT NULL DEFAULT 0,"
    " bytes INTEGER NOT NULL DEFAULT 0,"
    " connections INTEGER NOT NULL DEFAULT 0,"
    " first_us INTEGER, last_us INTEGER, source_id INTEGER, frame INTEGER,"
    " sec_mode INTEGER, authenticated INTEGER DEFAULT 0,"
    " encrypted INTEGER DEFAULT 0, sec_policy TEXT,"
    " UNIQUE(vlan, client_vlan, client, server, transport, server_port,"
    " protocol));"
    "CREATE TABLE IF NOT EXISTS operations ("
    " flow_id INTEGER NOT NULL REFERENCES flows(id),"
    " protocol TEXT NOT NULL, code INTEGER NOT NULL, class TEXT NOT NULL,"
    " name TEXT NOT NULL, count INTEGER NOT NULL DEFAULT 0,"
    " errors INTEGER NOT NULL DEFAULT 0, first_us INTEGER, last_us INTEGER,"
    " source_id INTEGER, frame INTEGER,"
    " PRIMARY KEY(flow_id, protocol, code));"
    /* Filled by later stages (zone proposal, policy check). */
    "CREATE TABLE IF NOT EXISTS proposals ("
    " id INTEGER PRIMARY KEY, made_at TEXT, assets INTEGER, flows INTEGER,"
    " algorithm TEXT);"
    "CREATE TABLE IF NOT EXISTS zones ("
    " id INTEGER PRIMARY KEY, proposal_id INTEGER, name TEXT NOT NULL,"
    " purdue_level INTEGER, sl_t INTEGER, reason TEXT);"
    "CREATE TABLE IF NOT EXISTS zone_members ("
    " zone_id INTEGER NOT NULL, asset_id INTEGER NOT NULL,"
    " PRIMARY KEY(zone_id, asset_id));"
    "CREATE TABLE IF NOT EXISTS conduits ("
    " id INTEGER PRIMARY KEY, proposal_id INTEGER, zone_from INTEGER,"
    " zone_to INTEGER, protocols TEXT, classes TEXT, flows INTEGER);"
    "CREATE TABLE IF NOT EXISTS violations ("
    " id INTEGER PRIMARY KEY, checked_at TEXT, rule TEXT, requirement TEXT,"
    " sl_t INTEGER, severity TEXT, client TEXT, server TEXT, protocol TEXT,"
    " class TEXT, zone_from TEXT, zone_to TEXT, count INTEGER,"
    " first_us INTEGER, last_us INTEGER, source TEXT, frame INTEGER);";

/*
 * v2: who wrote this database.  meta holds sensor_id (random, made with
 * the database, never changed), sensor_name (the host name unless set)
 * and, in a database made by `otzone merge`, role = 'site'.
 */
static const char schema_v2[] =
    "CREATE TABLE IF NOT EXISTS meta ("
    " key TEXT PRIMARY KEY, value TEXT NOT NULL);";

/* SQLite's message, and for a refused write what the file system says
 * (fsdiag.c): SQLite's own errno is often that of an unrelated call. */
static void
seterr(char *errbuf, size_t errlen, const char *what, sqlite3 *db)
{
	char hint[512];
	int c;

	if (errbuf == NULL || errlen == 0)
		return;
	hint[0] = '\0';
	if (db != NULL) {
		c = sqlite3_errcode(db) & 0xff;
		if (c == SQLITE_IOERR || c == SQLITE_READONLY ||
		    c == SQLITE_FULL || c == SQLITE_CANTOPEN || c == SQLITE_PERM)
			store_fs_hint(sqlite3_db_filename(db, "main"), hint,
			    sizeof(hint));
	}
	snprintf(errbuf, errlen, "%s: %s%s%s", what,
	    db ? sqlite3_errmsg(db) : "out of memory", hint[0] ? "; " : "",
	    hint);
}

static int
exec(struct store *s, const char *sql, char *errbuf, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		if (errbuf != NULL)
			snprintf(errbuf, errlen, "%s",
			    msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static const char *const stmt_sql[ST_N] = {
    [ST_ASSET] = "INSERT INTO assets(vlan, ip, ip_text, macs, names,"
		 " first_us, last_us, packets, bytes)"
		 " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
		 " ON CONFLICT(vlan, ip) DO UPDATE SET"
		 " macs = CASE WHEN ?4 = '' THEN macs ELSE ?4 END,"
		 " names = CASE WHEN ?5 = '' THEN names ELSE ?5 END,"
		 " first_us = MIN(first_us, ?6), last_us = MAX(last_us, ?7),"
		 " packets = packets + ?8, bytes = bytes + ?9",
    [ST_ASSET_IDENT] =
	"UPDATE assets SET"
	" vendor = COALESCE(NULLIF(?3, ''), vendor),"
	" product = COALESCE(NULLIF(?4, ''), product),"
	" model = COALESCE(NULLIF(?5, ''), model),"
	" firmware = COALESCE(NULLIF(?6, ''), firmware),"
	" hardware = COALESCE(NULLIF(?7, ''), hardware),"
	" serial = COALESCE(NULLIF(?8, ''), serial),"
	" name = COALESCE(NULLIF(?9, ''), name),"
	" url = COALESCE(NULLIF(?10, ''), url), ident_source = ?11,"
	" vendor_id = COALESCE(NULLIF(?12, 0), vendor_id),"
	" device_type = COALESCE(NULLIF(?13, 0), device_type),"
	" product_code = COALESCE(NULLIF(?14, 0), product_code),"
	" ident_us = ?15"
	" WHERE vlan = ?1 AND ip = ?2 AND (ident_us IS NULL OR"
	" ?15 >= ident_us)",
    /* an identity older than the stored one only fills its gaps */
    [ST_ASSET_IDENT_OLD] =
	"UPDATE assets SET"
	" vendor = COALESCE(NULLIF(vendor, ''), NULLIF(?3, '')),"
	" product = COALESCE(NULLIF(product, ''), NULLIF(?4, '')),"
	" model = COALESCE(NULLIF(model, ''), NULLIF(?5, '')),"
	" firmware = COALESCE(NULLIF(firmware, ''), NULLIF(?6, '')),"
	" hardware = COALESCE(NULLIF(hardware, ''), NULLIF(?7, '')),"
	" serial = COALESCE(NULLIF(serial, ''), NULLIF(?8, '')),"
	" name = COALESCE(NULLIF(name, ''), NULLIF(?9, '')),"
	" url = COALESCE(NULLIF(url, ''), NULLIF(?10, '')),"
	" ident_source = COALESCE(NULLIF(ident_source, ''), ?11),"
	" vendor_id = COALESCE(NULLIF(vendor_id, 0), NULLIF(?12, 0)),"
	" device_type = COALESCE(NULLIF(device_type, 0), NULLIF(?13, 0)),"
	" product_code = COALESCE(NULLIF(product_code, 0), NULLIF(?14, 0))"
	" WHERE vlan = ?1 AND ip = ?2 AND ident_us IS NOT NULL AND"
	" ?15 < ident_us",
    [ST_EDGE] =
	"INSERT INTO flows(vlan, client, server, client_text, server_text,"
	" transport, server_port, protocol, packets, bytes, connections,"
	" first_us, last_us, source_id, frame, sec_mode, authenticated,"
	" encrypted, sec_policy, client_vlan)"
	" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
	" ?15, NULLIF(?16, 0), ?17, ?18, NULLIF(?19, ''), ?20)"
	" ON CONFLICT(vlan, client_vlan, client, server, transport,"
	" server_port, protocol)"
	" DO UPDATE SET packets = packets + ?9, bytes = bytes + ?10,"
	" connections = connections + ?11,"
	" source_id = CASE WHEN ?12 < first_us THEN ?14 ELSE source_id END,"
	" frame = CASE WHEN ?12 < first_us THEN ?15 ELSE frame END,"
	" first_us = MIN(first_us, ?12), last_us = MAX(last_us, ?13),"
	" sec_mode = CASE WHEN ?16 = 0 THEN sec_mode WHEN sec_mode IS NULL"
	"  THEN ?16 ELSE MIN(sec_mode, ?16) END,"
	" authenticated = MAX(authenticated, ?17),"
	" encrypted = MAX(encrypted, ?18),"
	" sec_policy = COALESCE(NULLIF(?19, ''), sec_policy)",
    [ST_EDGE_ID] = "SELECT id FROM flows WHERE vlan = ?1 AND client = ?2 AND"
		   " server = ?3 AND transport = ?4 AND server_port = ?5 AND"
		   " protocol = ?6 AND client_vlan = ?7",
    [ST_OP] = "INSERT INTO operations(flow_id, protocol, code, class, name,"
	      " count, errors, first_us, last_us, source_id, frame)"
	      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
	      " ON CONFLICT(flow_id, protocol, code) DO UPDATE SET"
	      " count = count + ?6, errors = errors + ?7,"
	      " source_id = CASE WHEN ?8 < first_us OR first_us IS NULL"
	      "  THEN ?10 ELSE source_id END,"
	      " frame = CASE WHEN ?8 < first_us OR first_us IS NULL"
	      "  THEN ?11 ELSE frame END,"
	      " first_us = MIN(COALESCE(first_us, ?8), ?8),"
	      " last_us = MAX(COALESCE(last_us, ?9), ?9)",
};

static int
meta_put(struct store *s, const char *key, const char *value, int replace,
    char *errbuf, size_t errlen)
{
	sqlite3_stmt *q;
	int rc;

	if (sqlite3_prepare_v2(s->db,
		replace ? "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)"
			: "INSERT OR IGNORE INTO meta(key, value) VALUES(?, ?)",
		-1, &q, NULL) != SQLITE_OK) {
		seterr(errbuf, errlen, "write meta", s->db);
		return -1;
	}
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		seterr(errbuf, errlen, "write meta", s->db);
		return -1;
	}
	return 0;
}

/* 128 random bits as 32 hex digits. */
static int
random_id(char out[STORE_SENSOR_ID_LEN + 1])
{
	uint8_t b[STORE_SENSOR_ID_LEN / 2];
	size_t got = 0, i;

	while (got < sizeof(b)) {
		ssize_t r = getrandom(b + got, sizeof(b) - got, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)r;
	}
	for (i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return 0;
}

/* A sensor name: 1..STORE_SENSOR_NAME_MAX printable ASCII characters,
 * no spaces (it tags sources and goes into logs and JSON). */
static int
name_ok(const char *n)
{
	size_t i, len = strlen(n);

	if (len == 0 || len > STORE_SENSOR_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (n[i] <= ' ' || n[i] > '~')
			return 0;
	return 1;
}

static int
migrate_v2(struct store *s, char *errbuf, size_t errlen)
{
	char id[STORE_SENSOR_ID_LEN + 1], host[256];

	if (exec(s, schema_v2, errbuf, errlen) != 0)
		return -1;
	if (random_id(id) != 0) {
		snprintf(errbuf, errlen, "getrandom: %s", strerror(errno));
		return -1;
	}
	if (gethostname(host, sizeof(host)) != 0 || !name_ok(host))
		snprintf(host, sizeof(host), "otzone");
	host[sizeof(host) - 1] = '\0';
	if (strlen(host) > STORE_SENSOR_NAME_MAX)
		host[STORE_SENSOR_NAME_MAX] = '\0';
	return meta_put(s, "sensor_id", id, 0, errbuf, errlen) != 0 ||
		       meta_put(s, "sensor_name", host, 0, errbuf, errlen) != 0
		   ? -1
		   : 0;
}

/* v3: assets.ident_us, the time of the newest identity observation
 * stored (a capture read after a newer one fills gaps in an identity but
 * does not change it back) */
static int
migrate_v3(struct store *s, char *errbuf, size_t errlen)
{
	sqlite3_stmt *q;
	int have = 0;

	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM"
		" pragma_table_info('assets') WHERE name = 'ident_us'", -1, &q,
		NULL) != SQLITE_OK) {
		seterr(errbuf, errlen, "migrate to schema 3", s->db);
		return -1;
	}
	if (sqlite3_step(q) == SQLITE_ROW)
		have = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	return have ? 0 : exec(s, "ALTER TABLE assets ADD COLUMN ident_us"
				  " INTEGER", errbuf, errlen);
}

static int
load_meta(struct store *s, char *errbuf, size_t errlen)
{
	sqlite3_stmt *q;
	int rc;

	s->sensor_id[0] = s->sensor_name[0] = s->role[0] = '\0';
	if (sqlite3_prepare_v2(s->db, "SELECT key, value FROM meta", -1, &q,
		NULL) != SQLITE_OK) {
		seterr(errbuf, errlen, "read meta", s->db);
		return -1;
	}
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(q, 0);
		const char *v = (const char *)sqlite3_column_text(q, 1);

		if (k == NULL || v == NULL)
			continue;
		if (strcmp(k, "sensor_id") == 0)
			snprintf(s->sensor_id, sizeof(s->sensor_id), "%s", v);
		else if (strcmp(k, "sensor_name") == 0)
			snprintf(s->sensor_name, sizeof(s->sensor_name), "%s",
			    v);
		else if (strcmp(k, "role") == 0)
			snprintf(s->role, sizeof(s->role), "%s", v);
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		seterr(errbuf, errlen, "read meta", s->db);
		return -1;
	}
	return 0;
}

const char *
store_sensor_id(struct store *s)
{
	return s->sensor_id;
}

const char *
store_sensor_name(struct store *s)
{
	return s->sensor_name;
}

int
store_is_site(struct store *s)
{
	return strcmp(s->role, "site") == 0;
}

int
store_set_sensor_name(struct store *s, const char *name, char *errbuf,
    size_t errlen)
{
	if (!name_ok(name)) {
		snprintf(errbuf, errlen,
		    "bad sensor name '%.64s' (1 to %d printable characters, "
		    "no spaces)", name, STORE_SENSOR_NAME_MAX);
		return -1;
	}
	if (s->readonly) {
		snprintf(errbuf, errlen, "database opened read-only");
		return -1;
	}
	if (strcmp(s->sensor_name, name) == 0)
		return 0;
	if (meta_put(s, "sensor_name", name, 1, errbuf, errlen) != 0)
		return -1;
	snprintf(s->sensor_name, sizeof(s->sensor_name), "%s", name);
	return 0;
}

/* For store/merge.c: mark a database as a merged site. */
int
store_set_role_site(struct store *s, char *errbuf, size_t errlen)
{
	if (meta_put(s, "role", "site", 1, errbuf, errlen) != 0)
		return -1;
	snprintf(s->role, sizeof(s->role), "site");
	return 0;
}

struct store *
store_open(const char *path, int readonly, char *errbuf, size_t errlen)
{
	struct store *s;
	int flags, ver = 0, i;
	sqlite3_stmt *q;

	s = calloc(1, sizeof(*s));
	if (s == NULL || (s->path = strdup(path)) == NULL) {
		free(s);
		snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	s->readonly = readonly;
	flags = readonly ? SQLITE_OPEN_READONLY
			 : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		seterr(errbuf, errlen, "cannot open database", s->db);
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 5000);
	sqlite3_extended_result_codes(s->db, 1);
	/* Reading user_version is the first access: it fails on a file
	 * that is not a database. */
	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &q, NULL) !=
	    SQLITE_OK) {
		seterr(errbuf, errlen, "not a usable database", s->db);
		goto fail;
	}
	if (sqlite3_step(q) == SQLITE_ROW)
		ver = sqlite3_column_int(q, 0);
	else {
		seterr(errbuf, errlen, "not a usable database", s->db);
		sqlite3_finalize(q);
		goto fail;
	}
	sqlite3_finalize(q);
	if (ver > STORE_SCHEMA_VERSION) {
		snprintf(errbuf, errlen,
		    "database schema version %d is newer than this otzone "
		    "(%d)", ver, STORE_SCHEMA_VERSION);
		goto fail;
	}
	if (readonly) {
		if (ver == 0) {
			snprintf(errbuf, errlen,
			    "no otzone data (run 'otzone read' first)");
			goto fail;
		}
		if (ver >= 2 && load_meta(s, errbuf, errlen) != 0)
			goto fail;
		return s;
	}
	/* A 32 MiB page cache: a flush of a large graph re-reads far fewer
	 * pages (docs/performance.md, recommendation 7). */
	if (exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
		    "PRAGMA foreign_keys=ON; PRAGMA cache_size=-32768;", errbuf,
		errlen) != 0)
		goto fail;
	if (ver < STORE_SCHEMA_VERSION) {
		/* Migrations, one step per version, in one transaction.
		 * Every step tolerates a concurrent opener having done it. */
		if (exec(s, "BEGIN IMMEDIATE", errbuf, errlen) != 0)
			goto fail;
		if ((ver < 1 && exec(s, schema_v1, errbuf, errlen) != 0) ||
		    (ver < 2 && migrate_v2(s, errbuf, errlen) != 0) ||
		    (ver < 3 && migrate_v3(s, errbuf, errlen) != 0) ||
		    exec(s, "PRAGMA user_version = 3", errbuf, errlen) != 0) {
			exec(s, "ROLLBACK", NULL, 0);
			goto fail;
		}
		if (exec(s, "COMMIT", errbuf, errlen) != 0)
			goto fail;
	}
	if (load_meta(s, errbuf, errlen) != 0)
		goto fail;
	for (i = 0; i < ST_N; i++) {
		if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1,
			SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) != SQLITE_OK) {
			seterr(errbuf, errlen, "prepare", s->db);
			goto fail;
		}
	}
	return s;
fail:
	store_close(s);
	return NULL;
}

static void
free_srcpaths(struct store *s)
{
	size_t i;

	for (i = 0; i < s->n_srcpath; i++)
		free(s->srcpath[i]);
	free(s->srcpath);
	s->srcpath = NULL;
	s->n_srcpath = 0;
}

/* Load sources.path by id, once per load: the evidence strings of loaded
 * flows and operations point into this table (one copy per capture file,
 * not one per flow), valid until store_close(). */
static int
load_srcpaths(struct store *s)
{
	sqlite3_stmt *q;
	sqlite3_int64 max = 0;
	int rc;

	free_srcpaths(s);
	if (sqlite3_prepare_v2(s->db, "SELECT max(id) FROM sources", -1, &q,
		NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(q) == SQLITE_ROW)
		max = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	if (max <= 0)
		return 0;
	if (max > 10000000)
		return -1; /* not a table otzone wrote */
	s->srcpath = calloc((size_t)max + 1, sizeof(char *));
	if (s->srcpath == NULL)
		return -1;
	s->n_srcpath = (size_t)max + 1;
	if (sqlite3_prepare_v2(s->db, "SELECT id, path FROM sources", -1, &q,
		NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		sqlite3_int64 id = sqlite3_column_int64(q, 0);
		const unsigned char *t = sqlite3_column_text(q, 1);

		if (id >= 0 && (size_t)id < s->n_srcpath && t != NULL &&
		    s->srcpath[id] == NULL)
			s->srcpath[id] = strdup((const char *)t);
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

static const char *
source_path(const struct store *s, sqlite3_int64 id)
{
	if (id < 0 || (size_t)id >= s->n_srcpath || s->srcpath[id] == NULL)
		return "";
	return s->srcpath[id];
}

void
store_close(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	free_srcpaths(s);
	for (i = 0; i < ST_N; i++)
		sqlite3_finalize(s->st[i]);
	if (s->db != NULL)
		sqlite3_close(s->db);
	free(s->path);
	free(s);
}

const char *
store_path(const struct store *s)
{
	return s->path;
}

struct sqlite3 *
store_db(struct store *s)
{
	return s->db;
}

int
store_source_seen(struct store *s, const char *hash)
{
	sqlite3_stmt *q;
	int seen = 0;

	if (sqlite3_prepare_v2(s->db,
		"SELECT 1 FROM sources WHERE sha256 = ? AND complete = 1", -1,
		&q, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(q, 1, hash, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW)
		seen = 1;
	sqlite3_finalize(q);
	return seen;
}

static void
now_rfc3339(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

uint32_t
store_source_begin(struct store *s, const struct store_source *src,
    char *errbuf, size_t errlen)
{
	sqlite3_stmt *q;
	char now[32];
	int64_t id;

	if (store_is_site(s)) {
		snprintf(errbuf, errlen, "%s", STORE_SITE_REFUSAL);
		return 0;
	}
	now_rfc3339(now, sizeof(now));
	if (sqlite3_prepare_v2(s->db,
		"INSERT INTO sources(path, sha256, size, linktype, ingested_at)"
		" VALUES(?, ?, ?, ?, ?)", -1, &q, NULL) != SQLITE_OK) {
		seterr(errbuf, errlen, "register source", s->db);
		return 0;
	}
	sqlite3_bind_text(q, 1, src->path, -1, SQLITE_STATIC);
	if (src->hash != NULL)
		sqlite3_bind_text(q, 2, src->hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, (sqlite3_int64)src->size);
	sqlite3_bind_int(q, 4, src->linktype);
	sqlite3_bind_text(q, 5, now, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_DONE) {
		seterr(errbuf, errlen, "register source", s->db);
		sqlite3_finalize(q);
		return 0;
	}
	sqlite3_finalize(q);
	id = sqlite3_last_insert_rowid(s->db);
	return id > 0 && id < UINT32_MAX ? (uint32_t)id : 0;
}

int
store_source_end(struct store *s, uint32_t id, const struct store_source *src,
    char *errbuf, size_t errlen)
{
	sqlite3_stmt *q;
	int rc = 0;

	if (sqlite3_prepare_v2(s->db,
		"UPDATE sources SET complete = 1, packets = ?2, bytes = ?3,"
		" first_us = ?4, last_us = ?5, truncated = ?6, malformed = ?7,"
		" not_ip = ?8, dropped_caps = ?9, dropped_kernel = ?10,"
		" linktype = ?11 WHERE id = ?1", -1, &q, NULL) != SQLITE_OK) {
		seterr(errbuf, errlen, "finish source", s->db);
		return -1;
	}
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)src->packets);
	sqlite3_bind_int64(q, 3, (sqlite3_int64)src->bytes);
	sqlite3_bind_int64(q, 4, (sqlite3_int64)src->first_us);
	sqlite3_bind_int64(q, 5, (sqlite3_int64)src->last_us);
	sqlite3_bind_int64(q, 6, (sqlite3_int64)src->truncated);
	sqlite3_bind_int64(q, 7, (sqlite3_int64)src->malformed);
	sqlite3_bind_int64(q, 8, (sqlite3_int64)src->not_ip);
	sqlite3_bind_int64(q, 9, (sqlite3_int64)src->dropped_caps);
	sqlite3_bind_int64(q, 10, (sqlite3_int64)src->dropped_kernel);
	sqlite3_bind_int(q, 11, src->linktype);
	if (sqlite3_step(q) != SQLITE_DONE) {
		seterr(errbuf, errlen, "finish source", s->db);
		rc = -1;
	}
	sqlite3_finalize(q);
	return rc;
}

static void
ip_text(const uint8_t ip[16], char *buf, size_t len)
{
	static const uint8_t v4[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
	    0xff};

	if (memcmp(ip, v4, 12) == 0)
		inet_ntop(AF_INET, ip + 12, buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, ip, buf, (socklen_t)len);
}

static void
mac_list(const struct g_asset *a, char *buf, size_t len)
{
	size_t o = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < a->n_macs && o + 19 < len; i++) {
		const uint8_t *m = a->macs[i];
		o += (size_t)snprintf(buf + o, len - o,
		    "%s%02x:%02x:%02x:%02x:%02x:%02x", i ? "," : "", m[0], m[1],
		    m[2], m[3], m[4], m[5]);
	}
}

static void
name_list(const struct graph *g, const struct g_asset *a, char *buf,
    size_t len)
{
	size_t o = 0;
	unsigned i;
	int n;

	buf[0] = '\0';
	for (i = 0; i < a->n_names; i++) {
		n = snprintf(buf + o, len - o, "%s%s%s", o ? "," : "",
		    (a->names[i] & 0x8000) ? "+" : "",
		    graph_proto_name(g, a->names[i] & 0x7fff));
		if (n < 0 || (size_t)n >= len - o) {
			buf[o] = '\0';
			break;
		}
		o += (size_t)n;
	}
}

static int
step_reset(sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);

	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

static int
flush_asset(struct store *s, const struct graph *g, struct g_asset *a)
{
	sqlite3_stmt *q = s->st[ST_ASSET];
	char ipt[64], macs[128], names[1024];

	ip_text(a->ip, ipt, sizeof(ipt));
	mac_list(a, macs, sizeof(macs));
	name_list(g, a, names, sizeof(names));
	sqlite3_bind_int(q, 1, a->vlan);
	sqlite3_bind_blob(q, 2, a->ip, 16, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, ipt, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 4, macs, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 5, names, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 6, (sqlite3_int64)a->first_us);
	sqlite3_bind_int64(q, 7, (sqlite3_int64)a->last_us);
	sqlite3_bind_int64(q, 8, (sqlite3_int64)a->d_pkts);
	sqlite3_bind_int64(q, 9, (sqlite3_int64)a->d_bytes);
	if (step_reset(q) != 0)
		return -1;
	if (a->ident_dirty && a->ident != NULL) {
		const struct g_ident *id = a->ident;
		int k;

		/* one of the two applies: the newer identity replaces, an
		 * older one only fills gaps */
		for (k = 0; k < 2; k++) {
			q = s->st[k == 0 ? ST_ASSET_IDENT : ST_ASSET_IDENT_OLD];
			sqlite3_bind_int(q, 1, a->vlan);
			sqlite3_bind_blob(q, 2, a->ip, 16, SQLITE_STATIC);
			sqlite3_bind_text(q, 3, id->vendor, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 4, id->product, -1,
			    SQLITE_STATIC);
			sqlite3_bind_text(q, 5, id->model, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 6, id->firmware, -1,
			    SQLITE_STATIC);
			sqlite3_bind_text(q, 7, id->hardware, -1,
			    SQLITE_STATIC);
			sqlite3_bind_text(q, 8, id->serial, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 9, id->name, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 10, id->url, -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 11, obs_proto_name(id->proto), -1,
			    SQLITE_STATIC);
			sqlite3_bind_int64(q, 12, id->vendor_id);
			sqlite3_bind_int64(q, 13, id->device_type);
			sqlite3_bind_int64(q, 14, id->product_code);
			/* (a time past INT64_MAX, from a damaged capture,
			 * is stored as the largest) */
			sqlite3_bind_int64(q, 15, id->newest_us > INT64_MAX
				? INT64_MAX : (sqlite3_int64)id->newest_us);
			if (step_reset(q) != 0)
				return -1;
		}
	}
	return 0;
}

static int
flush_edge(struct store *s, const struct graph *g, struct g_edge *e)
{
	sqlite3_stmt *q = s->st[ST_EDGE];
	char ct[64], st[64];
	const char *proto = graph_proto_name(g, e->proto);
	sqlite3_int64 fid = 0;
	uint32_t i;

	ip_text(e->client, ct, sizeof(ct));
	ip_text(e->server, st, sizeof(st));
	sqlite3_bind_int(q, 1, e->vlan);
	sqlite3_bind_blob(q, 2, e->client, 16, SQLITE_STATIC);
	sqlite3_bind_blob(q, 3, e->server, 16, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, ct, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 5, st, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(q, 6, e->l4);
	sqlite3_bind_int(q, 7, e->server_port);
	sqlite3_bind_text(q, 8, proto, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 9, (sqlite3_int64)e->d_pkts);
	sqlite3_bind_int64(q, 10, (sqlite3_int64)e->d_bytes);
	sqlite3_bind_int64(q, 11, (sqlite3_int64)e->d_conns);
	sqlite3_bind_int64(q, 12, (sqlite3_int64)e->first_us);
	sqlite3_bind_int64(q, 13, (sqlite3_int64)e->last_us);
	sqlite3_bind_int64(q, 14, e->src_id);
	sqlite3_bind_int64(q, 15, (sqlite3_int64)e->frame);
	sqlite3_bind_int(q, 16, e->sec_mode);
	sqlite3_bind_int(q, 17, e->authenticated);
	sqlite3_bind_int(q, 18, e->encrypted);
	sqlite3_bind_text(q, 19, e->sec_policy, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 20, e->cvlan);
	if (step_reset(q) != 0)
		return -1;
	if (e->n_ops == 0)
		return 0;
	q = s->st[ST_EDGE_ID];
	sqlite3_bind_int(q, 1, e->vlan);
	sqlite3_bind_blob(q, 2, e->client, 16, SQLITE_STATIC);
	sqlite3_bind_blob(q, 3, e->server, 16, SQLITE_STATIC);
	sqlite3_bind_int(q, 4, e->l4);
	sqlite3_bind_int(q, 5, e->server_port);
	sqlite3_bind_text(q, 6, proto, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 7, e->cvlan);
	if (sqlite3_step(q) == SQLITE_ROW)
		fid = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	if (fid == 0)
		return -1;
	q = s->st[ST_OP];
	for (i = 0; i < e->n_ops; i++) {
		const struct g_op *o = &e->ops[i];

		if (o->d_count == 0 && o->d_errors == 0)
			continue;
		sqlite3_bind_int64(q, 1, fid);
		sqlite3_bind_text(q, 2, obs_proto_name(o->proto), -1,
		    SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, o->code);
		sqlite3_bind_text(q, 4, obs_class_name(o->cls), -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(q, 5, o->name ? o->name : "", -1,
		    SQLITE_STATIC);
		sqlite3_bind_int64(q, 6, (sqlite3_int64)o->d_count);
		sqlite3_bind_int64(q, 7, (sqlite3_int64)o->d_errors);
		sqlite3_bind_int64(q, 8, (sqlite3_int64)o->first_us);
		sqlite3_bind_int64(q, 9, (sqlite3_int64)o->last_us);
		sqlite3_bind_int64(q, 10, o->src_id);
		sqlite3_bind_int64(q, 11, (sqlite3_int64)o->frame);
		if (step_reset(q) != 0)
			return -1;
	}
	return 0;
}

static int
flush_ev(struct store *s, struct graph *g, struct store_events *ev,
    char *errbuf, size_t errlen)
{
	uint32_t i, j;

	if (exec(s, "BEGIN IMMEDIATE", errbuf, errlen) != 0)
		return -1;
	/* Change events: compared with what the database holds before this
	 * flush's writes, inside the same transaction. */
	if (ev != NULL && events_detect(ev, s, g) != 0)
		goto fail;
	for (i = 0; i < g->n_assets; i++) {
		struct g_asset *a = graph_asset_at(g, i);

		/* An asset made under a VLAN guess that the traffic later
		 * corrected never carried a packet: not written. */
		if (a->dirty && (a->first_us != 0 || a->d_pkts != 0) &&
		    flush_asset(s, g, a) != 0)
			goto fail;
	}
	for (i = 0; i < g->n_edges; i++) {
		struct g_edge *e = graph_edge_at(g, i);

		if (e->dirty && !e->dead && flush_edge(s, g, e) != 0)
			goto fail;
	}
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	/* Committed: only now forget the deltas. */
	if (ev != NULL)
		events_commit(ev, 1);
	for (i = 0; i < g->n_assets; i++) {
		struct g_asset *a = graph_asset_at(g, i);

		if (a->dirty && (a->first_us != 0 || a->d_pkts != 0))
			a->in_db = 1;
		a->dirty = a->ident_dirty = 0;
		a->d_pkts = a->d_bytes = 0;
	}
	for (i = 0; i < g->n_edges; i++) {
		struct g_edge *e = graph_edge_at(g, i);

		if (e->dirty && !e->dead)
			e->in_db = 1;
		e->dirty = 0;
		e->d_pkts = e->d_bytes = e->d_conns = 0;
		for (j = 0; j < e->n_ops; j++)
			e->ops[j].d_count = e->ops[j].d_errors = 0;
	}
	return 0;
fail:
	if (ev != NULL)
		events_commit(ev, 0);
	seterr(errbuf, errlen, "write", s->db);
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int
store_flush(struct store *s, struct graph *g, char *errbuf, size_t errlen)
{
	return flush_ev(s, g, NULL, errbuf, errlen);
}

int
store_flush_events(struct store *s, struct graph *g, struct store_events *ev,
    char *errbuf, size_t errlen)
{
	return flush_ev(s, g, ev, errbuf, errlen);
}

/* ---- read side ------------------------------------------------------------ */

static void
col_str(sqlite3_stmt *q, int i, char *dst, size_t len)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	if (t == NULL)
		dst[0] = '\0';
	else {
		strncpy(dst, (const char *)t, len - 1);
		dst[len - 1] = '\0';
	}
}

struct mac_use {
	char mac[18];
	uint32_t asset;
	uint32_t users; /* IPv4 assets that sent from this MAC */
};

static int
mac_use_cmp(const void *x, const void *y)
{
	return strcmp(((const struct mac_use *)x)->mac,
	    ((const struct mac_use *)y)->mac);
}

static int
mac_use_asset_cmp(const void *x, const void *y)
{
	const struct mac_use *a = x, *b = y;

	return a->asset < b->asset ? -1 : a->asset > b->asset;
}

/*
 * Pick each asset's own MAC: the first one it sent from that is not
 * shared by more than STORE_SHARED_MAC_IPS IPv4 addresses (a router's MAC
 * is the source of every routed packet).  Sorting the (MAC, asset) pairs
 * counts the users of each MAC in O(n log n).
 */
static void
resolve_macs(struct st_asset *v, size_t n)
{
	struct mac_use *u;
	size_t i, j, k = 0, cap = 0;

	for (i = 0; i < n; i++) {
		const char *p = v[i].macs;

		while (*p != '\0') {
			cap++;
			p = strchr(p, ',');
			if (p == NULL)
				break;
			p++;
		}
	}
	if (cap == 0 || (u = calloc(cap, sizeof(*u))) == NULL)
		return;
	for (i = 0; i < n && k < cap; i++) {
		char list[128], *tok, *save = NULL;

		snprintf(list, sizeof(list), "%s", v[i].macs);
		for (tok = strtok_r(list, ",", &save); tok != NULL && k < cap;
		     tok = strtok_r(NULL, ",", &save)) {
			snprintf(u[k].mac, sizeof(u[k].mac), "%s", tok);
			u[k++].asset = (uint32_t)i;
		}
	}
	qsort(u, k, sizeof(*u), mac_use_cmp);
	for (i = 0; i < k; i = j) {
		uint32_t users = 0;

		for (j = i; j < k && strcmp(u[j].mac, u[i].mac) == 0; j++)
			if (strchr(v[u[j].asset].ip, ':') == NULL)
				users++;
		for (size_t m = i; m < j; m++)
			u[m].users = users;
	}
	/* Back in asset order; stable enough: the first MAC listed wins
	 * among an asset's unshared MACs because lists are short and we
	 * scan them in list order below. */
	qsort(u, k, sizeof(*u), mac_use_asset_cmp);
	for (i = 0; i < n; i++) {
		char list[128], *tok, *save = NULL;

		snprintf(list, sizeof(list), "%s", v[i].macs);
		for (tok = strtok_r(list, ",", &save); tok != NULL;
		     tok = strtok_r(NULL, ",", &save)) {
			struct mac_use key, *hit = NULL;

			/* find (asset i, tok) among the sorted pairs */
			key.asset = (uint32_t)i;
			hit = bsearch(&key, u, k, sizeof(*u),
			    mac_use_asset_cmp);
			while (hit != NULL && hit > u &&
			    hit[-1].asset == (uint32_t)i)
				hit--;
			while (hit != NULL && hit < u + k &&
			    hit->asset == (uint32_t)i &&
			    strcmp(hit->mac, tok) != 0)
				hit++;
			if (hit == NULL || hit >= u + k ||
			    hit->asset != (uint32_t)i)
				continue;
			if (hit->users > STORE_SHARED_MAC_IPS) {
				v[i].mac_shared = 1;
				continue;
			}
			snprintf(v[i].mac, sizeof(v[i].mac), "%s", tok);
			v[i].mac_shared = 0;
			break;
		}
	}
	free(u);
}

int
store_load_assets(struct store *s, struct st_asset **out, size_t *n,
    char *errbuf, size_t errlen)
{
	sqlite3_stmt *q;
	struct st_asset *v = NULL, *nv;
	size_t cap = 0, k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(s->db,
		"SELECT id, vlan, ip_text, macs, names, first_us, last_us,"
		" packets, bytes, vendor, product, model, firmware, hardware,"
		" serial, name, url, ident_source, vendor_id, device_type,"
		" product_code FROM assets"
		" ORDER BY length(ip), ip, vlan", -1, &q, NULL) != SQLITE_OK) {
		seterr(errbuf, errlen, "read assets", s->db);
		return -1;
	}
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct st_asset *a;
		char names[1024], *tok, *save = NULL;

		if (k == cap) {
			cap = cap ? cap * 2 : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL) {
				free(v);
				sqlite3_finalize(q);
				snprintf(errbuf, errlen, "out of memory");
				return -1;
			}
			v = nv;
		}
		a = &v[k++];
		memset(a, 0, sizeof(*a));
		a->id = sqlite3_column_int64(q, 0);
		a->vlan = (uint16_t)sqlite3_column_int(q, 1);
		col_str(q, 2, a->ip, sizeof(a->ip));
		col_str(q, 3, a->macs, sizeof(a->macs));
		col_str(q, 4, names, sizeof(names));
		a->first_us = sqlite3_column_int64(q, 5);
		a->last_us = sqlite3_column_int64(q, 6);
		a->packets = (uint64_t)sqlite3_column_int64(q, 7);
		a->bytes = (uint64_t)sqlite3_column_int64(q, 8);
		col_str(q, 9, a->vendor, sizeof(a->vendor));
		col_str(q, 10, a->product, sizeof(a->product));
		col_str(q, 11, a->model, sizeof(a->model));
		col_str(q, 12, a->firmware, sizeof(a->firmware));
		col_str(q, 13, a->hardware, sizeof(a->hardware));
		col_str(q, 14, a->serial, sizeof(a->serial));
		col_str(q, 15, a->name, sizeof(a->name));
		col_str(q, 16, a->url, sizeof(a->url));
		col_str(q, 17, a->ident_source, sizeof(a->ident_source));
		a->vendor_id = (uint32_t)sqlite3_column_int64(q, 18);
		a->device_type = (uint32_t)sqlite3_column_int64(q, 19);
		a->product_code = (uint32_t)sqlite3_column_int64(q, 20);
		a->purdue_level = -1;
		/* names: protocols plain, roles prefixed with '+' */
		for (tok = strtok_r(names, ",", &save); tok != NULL;
		     tok = strtok_r(NULL, ",", &save)) {
			char *dst = tok[0] == '+' ? a->roles : a->protocols;
			size_t dl = strlen(dst);
			const char *nm = tok[0] == '+' ? tok + 1 : tok;

			if (dl + strlen(nm) + 2 < sizeof(a->roles))
				snprintf(dst + dl, sizeof(a->roles) - dl,
				    "%s%s", dl ? "," : "", nm);
		}
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		free(v);
		seterr(errbuf, errlen, "read assets", s->db);
		return -1;
	}
	resolve_macs(v, k);
	*out = v;
	*n = k;
	return 0;
}

static const char *
transport_name(int l4)
{
	switch (l4) {
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 1:
		return "icmp";
	case 58:
		return "icmpv6";
	default:
		return "ip";
	}
}

int
store_load_flows(struct store *s, struct st_flow **out, size_t *n,
    char *errbuf, size_t errlen)
{
	sqlite3_stmt *q, *qo;
	struct st_flow *v = NULL, *nv;
	size_t cap = 0, k = 0, i;
	int rc;

	*out = NULL;
	*n = 0;
	if (load_srcpaths(s) != 0) {
		seterr(errbuf, errlen, "read sources", s->db);
		return -1;
	}
	if (sqlite3_prepare_v2(s->db,
		"SELECT f.id, f.vlan, f.client_text, f.server_text, f.transport,"
		" f.server_port, f.protocol, f.packets, f.bytes, f.connections,"
		" f.first_us, f.last_us, f.source_id, f.frame,"
		" f.sec_mode, f.authenticated, f.encrypted, f.sec_policy,"
		" f.client_vlan"
		" FROM flows f"
		" ORDER BY length(f.client), f.client, length(f.server),"
		" f.server, f.transport, f.server_port, f.protocol, f.vlan,"
		" f.client_vlan", -1,
		&q, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db,
		"SELECT o.protocol, o.code, o.class, o.name, o.count, o.errors,"
		" o.first_us, o.last_us, o.source_id, o.frame"
		" FROM operations o"
		" WHERE o.flow_id = ? ORDER BY o.protocol, o.code", -1, &qo,
		NULL) != SQLITE_OK) {
		seterr(errbuf, errlen, "read flows", s->db);
		return -1;
	}
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct st_flow *f;

		if (k == cap) {
			cap = cap ? cap * 2 : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL)
				goto oom;
			v = nv;
		}
		f = &v[k++];
		memset(f, 0, sizeof(*f));
		f->id = sqlite3_column_int64(q, 0);
		f->vlan = (uint16_t)sqlite3_column_int(q, 1);
		col_str(q, 2, f->client, sizeof(f->client));
		col_str(q, 3, f->server, sizeof(f->server));
		snprintf(f->transport, sizeof(f->transport), "%s",
		    transport_name(sqlite3_column_int(q, 4)));
		f->server_port = (uint16_t)sqlite3_column_int(q, 5);
		col_str(q, 6, f->protocol, sizeof(f->protocol));
		f->packets = (uint64_t)sqlite3_column_int64(q, 7);
		f->bytes = (uint64_t)sqlite3_column_int64(q, 8);
		f->connections = (uint64_t)sqlite3_column_int64(q, 9);
		f->first_us = sqlite3_column_int64(q, 10);
		f->last_us = sqlite3_column_int64(q, 11);
		f->source = source_path(s, sqlite3_column_int64(q, 12));
		f->frame = (uint64_t)sqlite3_column_int64(q, 13);
		f->sec_mode = sqlite3_column_int(q, 14);
		f->authenticated = sqlite3_column_int(q, 15);
		f->encrypted = sqlite3_column_int(q, 16);
		col_str(q, 17, f->sec_policy, sizeof(f->sec_policy));
		f->client_vlan = (uint16_t)sqlite3_column_int(q, 18);
	}
	sqlite3_finalize(q);
	q = NULL;
	if (rc != SQLITE_DONE)
		goto dberr;
	for (i = 0; i < k; i++) {
		struct st_flow *f = &v[i];
		size_t oc = 0;

		sqlite3_bind_int64(qo, 1, f->id);
		while ((rc = sqlite3_step(qo)) == SQLITE_ROW) {
			struct st_op *o;

			if (f->n_ops == oc) {
				struct st_op *no;

				oc = oc ? oc * 2 : 4;
				no = realloc(f->ops, oc * sizeof(*no));
				if (no == NULL)
					goto oom;
				f->ops = no;
			}
			o = &f->ops[f->n_ops++];
			memset(o, 0, sizeof(*o));
			col_str(qo, 0, o->protocol, sizeof(o->protocol));
			o->code = (uint32_t)sqlite3_column_int64(qo, 1);
			col_str(qo, 2, o->cls, sizeof(o->cls));
			col_str(qo, 3, o->name, sizeof(o->name));
			o->count = (uint64_t)sqlite3_column_int64(qo, 4);
			o->errors = (uint64_t)sqlite3_column_int64(qo, 5);
			o->first_us = sqlite3_column_int64(qo, 6);
			o->last_us = sqlite3_column_int64(qo, 7);
			o->source = source_path(s, sqlite3_column_int64(qo, 8));
			o->frame = (uint64_t)sqlite3_column_int64(qo, 9);
		}
		sqlite3_reset(qo);
		if (rc != SQLITE_DONE)
			goto dberr;
	}
	sqlite3_finalize(qo);
	*out = v;
	*n = k;
	return 0;
oom:
	snprintf(errbuf, errlen, "out of memory");
	goto out;
dberr:
	seterr(errbuf, errlen, "read flows", s->db);
out:
	sqlite3_finalize(q);
	sqlite3_finalize(qo);
	store_free_flows(v, k);
	return -1;
}

void
store_free_flows(struct st_flow *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i].ops);
	free(v);
}

int
store_summary(struct store *s, struct st_summary *sum)
{
	sqlite3_stmt *q;
	int rc = -1;

	memset(sum, 0, sizeof(*sum));
	if (sqlite3_prepare_v2(s->db,
		"SELECT count(*), sum(packets), sum(bytes), sum(truncated),"
		" sum(malformed), sum(dropped_caps + dropped_kernel),"
		" min(first_us), max(last_us) FROM sources WHERE complete = 1",
		-1, &q, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(q) == SQLITE_ROW) {
		sum->sources = (uint64_t)sqlite3_column_int64(q, 0);
		sum->packets = (uint64_t)sqlite3_column_int64(q, 1);
		sum->bytes = (uint64_t)sqlite3_column_int64(q, 2);
		sum->truncated = (uint64_t)sqlite3_column_int64(q, 3);
		sum->malformed = (uint64_t)sqlite3_column_int64(q, 4);
		sum->dropped = (uint64_t)sqlite3_column_int64(q, 5);
		sum->first_us = sqlite3_column_int64(q, 6);
		sum->last_us = sqlite3_column_int64(q, 7);
		rc = 0;
	}
	sqlite3_finalize(q);
	return rc;
}

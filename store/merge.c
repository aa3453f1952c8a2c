/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * merge.c: several sensors' databases into one site database
 * (`otzone merge`, docs/merge.md).
 *
 * The site keeps every sensor's rows as they were in its database
 * (m_sources, m_assets, m_flows, m_operations, keyed by the sensor's
 * meta sensor_id) and rebuilds the ordinary tables from them after each
 * merge, so that merging a sensor again replaces its contribution
 * (idempotent; a later snapshot updates instead of adding twice) and every
 * read command works on the site unchanged.  The rebuild:
 *
 *  - sources: every sensor's rows, tagged with the sensor's name; the same
 *    capture (same sha256, complete) read by several sensors is one row
 *    (same file, same frame numbers), tagged with all of them.
 *  - flows (and operations per flow, protocol and code): the rows of one
 *    key from several sensors are split into clusters of overlapping
 *    [first_us, last_us]; overlapping rows saw the same packets at two
 *    SPAN points (or read the same capture): the cluster counts the
 *    maximum; clusters are disjoint in time and add up.
 *  - assets (vlan, ip): times min/max, packets and bytes summed minus what
 *    the flows' deduplication removed from the flows it is an endpoint
 *    of; MACs and names unioned within the graph's caps; each identity
 *    field from the most recent sensor (last_us) that has one.
 *
 * One transaction for all inputs: on any error the site is unchanged.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "store.h"

static const char merge_schema[] =
    "CREATE TABLE IF NOT EXISTS m_sensors ("
    " sensor_id TEXT PRIMARY KEY, sensor_name TEXT NOT NULL,"
    " db_path TEXT NOT NULL, schema_version INTEGER, merged_at TEXT,"
    " sources INTEGER, assets INTEGER, flows INTEGER,"
    " operations INTEGER);"
    "CREATE TABLE IF NOT EXISTS m_sources ("
    " sensor_id TEXT NOT NULL, id INTEGER NOT NULL, path TEXT NOT NULL,"
    " sha256 TEXT, size INTEGER, linktype INTEGER, ingested_at TEXT,"
    " complete INTEGER, packets INTEGER, bytes INTEGER, first_us INTEGER,"
    " last_us INTEGER, truncated INTEGER, malformed INTEGER,"
    " not_ip INTEGER, dropped_caps INTEGER, dropped_kernel INTEGER,"
    " PRIMARY KEY(sensor_id, id));"
    "CREATE TABLE IF NOT EXISTS m_assets ("
    " sensor_id TEXT NOT NULL, vlan INTEGER NOT NULL, ip BLOB NOT NULL,"
    " ip_text TEXT NOT NULL, macs TEXT, names TEXT, first_us INTEGER,"
    " last_us INTEGER, packets INTEGER, bytes INTEGER, vendor TEXT,"
    " product TEXT, model TEXT, firmware TEXT, hardware TEXT, serial TEXT,"
    " name TEXT, url TEXT, ident_source TEXT, vendor_id INTEGER,"
    " device_type INTEGER, product_code INTEGER, ident_us INTEGER,"
    " PRIMARY KEY(sensor_id, vlan, ip));"
    "CREATE TABLE IF NOT EXISTS m_flows ("
    " sensor_id TEXT NOT NULL, id INTEGER NOT NULL, vlan INTEGER NOT NULL,"
    " client_vlan INTEGER NOT NULL, client BLOB NOT NULL,"
    " server BLOB NOT NULL, client_text TEXT NOT NULL,"
    " server_text TEXT NOT NULL, transport INTEGER NOT NULL,"
    " server_port INTEGER NOT NULL, protocol TEXT NOT NULL,"
    " packets INTEGER, bytes INTEGER, connections INTEGER,"
    " first_us INTEGER, last_us INTEGER, source_id INTEGER, frame INTEGER,"
    " sec_mode INTEGER, authenticated INTEGER, encrypted INTEGER,"
    " sec_policy TEXT, PRIMARY KEY(sensor_id, id));"
    "CREATE TABLE IF NOT EXISTS m_operations ("
    " sensor_id TEXT NOT NULL, flow_id INTEGER NOT NULL,"
    " protocol TEXT NOT NULL, code INTEGER NOT NULL, class TEXT,"
    " name TEXT, count INTEGER, errors INTEGER, first_us INTEGER,"
    " last_us INTEGER, source_id INTEGER, frame INTEGER,"
    " PRIMARY KEY(sensor_id, flow_id, protocol, code));"
    "CREATE INDEX IF NOT EXISTS m_assets_key ON m_assets(vlan, ip);"
    "CREATE INDEX IF NOT EXISTS m_flows_key ON m_flows(vlan, client_vlan,"
    " client, server, transport, server_port, protocol);";

/* Tables computed from the graph by later commands (zones, check,
 * report): they name asset and source ids of the old rebuild. */
static const char *const derived_tables[] = {"violations", "conduits",
    "zone_members", "zones", "proposals", "proposal_inputs",
    "proposal_sources", "zone_details", "zone_member_details",
    "policy_checks", "sl_gap", NULL};

/* Columns copied from a sensor database, in the order of the m_ tables
 * after sensor_id. */
static const char copy_sources_sel[] =
    "SELECT id, path, sha256, size, linktype, ingested_at, complete,"
    " packets, bytes, first_us, last_us, truncated, malformed, not_ip,"
    " dropped_caps, dropped_kernel FROM sources";
static const char copy_sources_ins[] =
    "INSERT INTO m_sources VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
    " ?11, ?12, ?13, ?14, ?15, ?16, ?17)";
/* (ident_us: schema 3 on; NULL from an older sensor database) */
#define COPY_ASSETS_SEL(ident_us)					\
    "SELECT vlan, ip, ip_text, macs, names, first_us, last_us,"		\
    " packets, bytes, vendor, product, model, firmware, hardware,"	\
    " serial, name, url, ident_source, vendor_id, device_type,"		\
    " product_code, " ident_us " FROM assets"
static const char copy_assets_sel[] = COPY_ASSETS_SEL("ident_us");
static const char copy_assets_sel_v2[] = COPY_ASSETS_SEL("NULL");
static const char copy_assets_ins[] =
    "INSERT INTO m_assets VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
    " ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)";
static const char copy_flows_sel[] =
    "SELECT id, vlan, client_vlan, client, server, client_text,"
    " server_text, transport, server_port, protocol, packets, bytes,"
    " connections, first_us, last_us, source_id, frame, sec_mode,"
    " authenticated, encrypted, sec_policy FROM flows";
static const char copy_flows_ins[] =
    "INSERT INTO m_flows VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
    " ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)";
static const char copy_ops_sel[] =
    "SELECT flow_id, protocol, code, class, name, count, errors, first_us,"
    " last_us, source_id, frame FROM operations";
static const char copy_ops_ins[] =
    "INSERT INTO m_operations VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
    " ?10, ?11, ?12)";

struct input {
	const char *path;
	struct store *st;
	int version;
	struct stat sb;
};

static void
dberr(char *errbuf, size_t errlen, const char *what, sqlite3 *db)
{
	snprintf(errbuf, errlen, "%s: %s", what, sqlite3_errmsg(db));
}

static int
exec(sqlite3 *db, const char *sql, char *errbuf, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(errbuf, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* One integer from a query with optional text parameter ?1; -1 on error. */
static int64_t
query_int(sqlite3 *db, const char *sql, const char *p1)
{
	sqlite3_stmt *q;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		return -1;
	if (p1 != NULL)
		sqlite3_bind_text(q, 1, p1, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

static int
table_exists(sqlite3 *db, const char *name)
{
	return query_int(db,
		   "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
		   " AND name = ?1",
		   name) > 0;
}

static uint64_t
fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n-- > 0) {
		h ^= *b++;
		h *= 1099511628211ull;
	}
	return h;
}

/*
 * A v1 database has no sensor_id: derive a stable one from its first
 * source row (which never changes as the database grows), or from its
 * path when it has no source.  Not random, so documented as weaker.
 */
static void
v1_identity(struct input *in, struct store_merge_stats *ms)
{
	sqlite3 *db = store_db(in->st);
	sqlite3_stmt *q;
	uint64_t h1 = 14695981039346656037ull, h2 = 1469598103934665603ull;
	const char *base, *dot;
	size_t i, len;
	int got = 0;

	if (sqlite3_prepare_v2(db,
		"SELECT id, path, COALESCE(sha256, ''), COALESCE(ingested_at,"
		" '') FROM sources ORDER BY id LIMIT 1", -1, &q,
		NULL) == SQLITE_OK) {
		if (sqlite3_step(q) == SQLITE_ROW) {
			for (i = 0; i < 4; i++) {
				const unsigned char *t =
				    sqlite3_column_text(q, (int)i);
				int n = sqlite3_column_bytes(q, (int)i);

				if (t != NULL && n > 0) {
					h1 = fnv1a(h1, t, (size_t)n);
					h2 = fnv1a(h2 ^ 0x5bd1e995u, t,
					    (size_t)n);
				}
				h1 = fnv1a(h1, "|", 1);
				h2 = fnv1a(h2, "|", 1);
			}
			got = 1;
		}
		sqlite3_finalize(q);
	}
	if (!got) {
		h1 = fnv1a(h1, in->path, strlen(in->path));
		h2 = fnv1a(h2 ^ 0x5bd1e995u, in->path, strlen(in->path));
	}
	snprintf(ms->sensor_id, sizeof(ms->sensor_id), "%016" PRIx64
	    "%016" PRIx64, h1, h2);
	/* name: the file's base name without ".db" */
	base = strrchr(in->path, '/');
	base = base ? base + 1 : in->path;
	dot = strrchr(base, '.');
	len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	if (len > STORE_SENSOR_NAME_MAX)
		len = STORE_SENSOR_NAME_MAX;
	for (i = 0; i < len; i++)
		ms->sensor_name[i] = base[i] > ' ' && base[i] <= '~' ? base[i]
								     : '_';
	ms->sensor_name[len] = '\0';
	if (len == 0)
		snprintf(ms->sensor_name, sizeof(ms->sensor_name), "sensor");
}

/* A sensor_id otzone could have written ("" for v1): it is a key of
 * every m_ table and held in fixed buffers. */
static int
id_ok(const char *id)
{
	size_t n = strlen(id);

	return n <= STORE_SENSOR_ID_LEN &&
	    strspn(id, "0123456789abcdefghijklmnopqrstuvwxyz"
		       "ABCDEFGHIJKLMNOPQRSTUVWXYZ-_") == n;
}

static int
open_input(struct input *in, struct store_merge_stats *ms,
    const struct stat *site_sb, char *errbuf, size_t errlen)
{
	char err[512];

	if (stat(in->path, &in->sb) != 0) {
		snprintf(errbuf, errlen, "%s: %s", in->path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(in->sb.st_mode)) {
		snprintf(errbuf, errlen, "%s: not a regular file", in->path);
		return -1;
	}
	if (site_sb != NULL && in->sb.st_dev == site_sb->st_dev &&
	    in->sb.st_ino == site_sb->st_ino) {
		snprintf(errbuf, errlen,
		    "%s: is the site database itself; merge the sensors' "
		    "databases into another file", in->path);
		return -1;
	}
	in->st = store_open(in->path, 1, err, sizeof(err));
	if (in->st == NULL) {
		snprintf(errbuf, errlen, "%s: %s", in->path, err);
		return -1;
	}
	if (store_is_site(in->st)) {
		snprintf(errbuf, errlen,
		    "%s: is a site database (made by otzone merge); merge "
		    "the sensors' own databases instead", in->path);
		return -1;
	}
	in->version = (int)query_int(store_db(in->st), "PRAGMA user_version",
	    NULL);
	memset(ms, 0, sizeof(*ms));
	if (!id_ok(store_sensor_id(in->st))) {
		snprintf(errbuf, errlen,
		    "%s: meta sensor_id '%.40s' is not 1 to %d letters, digits,"
		    " '-' or '_'", in->path, store_sensor_id(in->st),
		    STORE_SENSOR_ID_LEN);
		return -1;
	}
	if (store_sensor_id(in->st)[0] != '\0') {
		snprintf(ms->sensor_id, sizeof(ms->sensor_id), "%s",
		    store_sensor_id(in->st));
		snprintf(ms->sensor_name, sizeof(ms->sensor_name), "%s",
		    store_sensor_name(in->st));
		if (ms->sensor_name[0] == '\0')
			snprintf(ms->sensor_name, sizeof(ms->sensor_name),
			    "%s", ms->sensor_id);
	} else {
		v1_identity(in, ms);
	}
	return 0;
}

/* Copy the rows of sel (in src) into ins (in dst), with ?1 the sensor. */
static int
copy_rows(sqlite3 *src, sqlite3 *dst, const char *sel, const char *ins,
    const char *sensor_id, uint64_t *rows, char *errbuf, size_t errlen)
{
	sqlite3_stmt *qs = NULL, *qi = NULL;
	int rc, i, n;

	*rows = 0;
	if (sqlite3_prepare_v2(src, sel, -1, &qs, NULL) != SQLITE_OK) {
		dberr(errbuf, errlen, "read input", src);
		return -1;
	}
	if (sqlite3_prepare_v2(dst, ins, -1, &qi, NULL) != SQLITE_OK) {
		dberr(errbuf, errlen, "write site", dst);
		sqlite3_finalize(qs);
		return -1;
	}
	n = sqlite3_column_count(qs);
	while ((rc = sqlite3_step(qs)) == SQLITE_ROW) {
		sqlite3_bind_text(qi, 1, sensor_id, -1, SQLITE_STATIC);
		for (i = 0; i < n; i++)
			sqlite3_bind_value(qi, i + 2,
			    sqlite3_column_value(qs, i));
		if (sqlite3_step(qi) != SQLITE_DONE) {
			dberr(errbuf, errlen, "write site", dst);
			goto fail;
		}
		sqlite3_reset(qi);
		sqlite3_clear_bindings(qi);
		(*rows)++;
	}
	if (rc != SQLITE_DONE) {
		dberr(errbuf, errlen, "read input", src);
		goto fail;
	}
	sqlite3_finalize(qs);
	sqlite3_finalize(qi);
	return 0;
fail:
	sqlite3_finalize(qs);
	sqlite3_finalize(qi);
	return -1;
}

static void
now_rfc3339(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Replace the rows of one sensor in the m_ tables. */
static int
take_sensor(sqlite3 *site, struct input *in, struct store_merge_stats *ms,
    char *errbuf, size_t errlen)
{
	static const char *const del[] = {
	    "DELETE FROM m_operations WHERE sensor_id = ?1",
	    "DELETE FROM m_flows WHERE sensor_id = ?1",
	    "DELETE FROM m_assets WHERE sensor_id = ?1",
	    "DELETE FROM m_sources WHERE sensor_id = ?1",
	    "DELETE FROM m_sensors WHERE sensor_id = ?1", NULL};
	sqlite3 *src = store_db(in->st);
	sqlite3_stmt *q;
	char now[32], real[PATH_MAX];
	size_t i;
	int rc;

	ms->replaced = query_int(site,
			   "SELECT count(*) FROM m_sensors WHERE sensor_id = ?1",
			   ms->sensor_id) > 0;
	for (i = 0; del[i] != NULL; i++) {
		if (sqlite3_prepare_v2(site, del[i], -1, &q, NULL) !=
		    SQLITE_OK) {
			dberr(errbuf, errlen, "write site", site);
			return -1;
		}
		sqlite3_bind_text(q, 1, ms->sensor_id, -1, SQLITE_STATIC);
		rc = sqlite3_step(q);
		sqlite3_finalize(q);
		if (rc != SQLITE_DONE) {
			dberr(errbuf, errlen, "write site", site);
			return -1;
		}
	}
	/* One read transaction: a sensor still writing (the daemon) is
	 * read as of one moment, its tables consistent with each other. */
	if (exec(src, "BEGIN", errbuf, errlen) != 0)
		return -1;
	if (copy_rows(src, site, copy_sources_sel, copy_sources_ins,
		ms->sensor_id, &ms->sources, errbuf, errlen) != 0 ||
	    copy_rows(src, site, in->version >= 3 ? copy_assets_sel
						     : copy_assets_sel_v2,
		copy_assets_ins,
		ms->sensor_id, &ms->assets, errbuf, errlen) != 0 ||
	    copy_rows(src, site, copy_flows_sel, copy_flows_ins,
		ms->sensor_id, &ms->flows, errbuf, errlen) != 0 ||
	    copy_rows(src, site, copy_ops_sel, copy_ops_ins, ms->sensor_id,
		&ms->operations, errbuf, errlen) != 0) {
		sqlite3_exec(src, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	sqlite3_exec(src, "COMMIT", NULL, NULL, NULL);
	now_rfc3339(now, sizeof(now));
	if (realpath(in->path, real) == NULL)
		snprintf(real, sizeof(real), "%s", in->path);
	if (sqlite3_prepare_v2(site,
		"INSERT INTO m_sensors VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
		" ?9)", -1, &q, NULL) != SQLITE_OK) {
		dberr(errbuf, errlen, "write site", site);
		return -1;
	}
	sqlite3_bind_text(q, 1, ms->sensor_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, ms->sensor_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, real, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 4, in->version);
	sqlite3_bind_text(q, 5, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 6, (sqlite3_int64)ms->sources);
	sqlite3_bind_int64(q, 7, (sqlite3_int64)ms->assets);
	sqlite3_bind_int64(q, 8, (sqlite3_int64)ms->flows);
	sqlite3_bind_int64(q, 9, (sqlite3_int64)ms->operations);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		dberr(errbuf, errlen, "write site", site);
		return -1;
	}
	/* What neither the site before this merge (rebuilt below) nor an
	 * earlier input of this merge had. */
	ms->assets_new = (uint64_t)query_int(site,
	    "SELECT count(*) FROM m_assets m WHERE sensor_id = ?1 AND NOT"
	    " EXISTS (SELECT 1 FROM assets a WHERE a.vlan = m.vlan AND"
	    " a.ip = m.ip) AND NOT EXISTS (SELECT 1 FROM m_assets o JOIN"
	    " temp.m_taken t USING(sensor_id) WHERE o.vlan = m.vlan AND"
	    " o.ip = m.ip)",
	    ms->sensor_id);
	ms->flows_new = (uint64_t)query_int(site,
	    "SELECT count(*) FROM m_flows m WHERE sensor_id = ?1 AND NOT"
	    " EXISTS (SELECT 1 FROM flows f WHERE f.vlan = m.vlan AND"
	    " f.client_vlan = m.client_vlan AND f.client = m.client AND"
	    " f.server = m.server AND f.transport = m.transport AND"
	    " f.server_port = m.server_port AND f.protocol = m.protocol)"
	    " AND NOT EXISTS (SELECT 1 FROM m_flows o JOIN temp.m_taken t"
	    " USING(sensor_id) WHERE o.vlan = m.vlan AND"
	    " o.client_vlan = m.client_vlan AND o.client = m.client AND"
	    " o.server = m.server AND o.transport = m.transport AND"
	    " o.server_port = m.server_port AND o.protocol = m.protocol)",
	    ms->sensor_id);
	if (sqlite3_prepare_v2(site, "INSERT OR IGNORE INTO temp.m_taken"
				     " VALUES(?1)",
		-1, &q, NULL) != SQLITE_OK) {
		dberr(errbuf, errlen, "write site", site);
		return -1;
	}
	sqlite3_bind_text(q, 1, ms->sensor_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		dberr(errbuf, errlen, "write site", site);
		return -1;
	}
	return 0;
}

/* ---- rebuild ------------------------------------------------------------ */

static int
step_done(sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);

	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void
col_text(sqlite3_stmt *q, int i, char *dst, size_t len)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	snprintf(dst, len, "%s", t ? (const char *)t : "");
}

/* Append the comma-separated items of add to list (also comma-separated)
 * that it does not hold yet, keeping at most max items. */
static void
list_union(char *list, size_t len, const char *add, unsigned max)
{
	char tmp[1024], *tok, *save = NULL;
	unsigned n = 0;
	const char *p;

	if (list[0] != '\0')
		for (n = 1, p = list; (p = strchr(p, ',')) != NULL; p++)
			n++;
	snprintf(tmp, sizeof(tmp), "%s", add);
	for (tok = strtok_r(tmp, ",", &save); tok != NULL && n < max;
	     tok = strtok_r(NULL, ",", &save)) {
		size_t tl = strlen(tok), ll = strlen(list);
		const char *hit = list;
		int have = 0;

		while ((hit = strstr(hit, tok)) != NULL) {
			if ((hit == list || hit[-1] == ',') &&
			    (hit[tl] == ',' || hit[tl] == '\0')) {
				have = 1;
				break;
			}
			hit += tl;
		}
		if (have)
			continue;
		if (ll + tl + 2 > len)
			break;
		snprintf(list + ll, len - ll, "%s%s", ll ? "," : "", tok);
		n++;
	}
}

static int
sources_rebuild(sqlite3 *db, char *errbuf, size_t errlen)
{
	sqlite3_stmt *sel = NULL, *find = NULL, *tag = NULL, *ins = NULL,
		     *map = NULL;
	sqlite3_int64 next = 1;
	int rc, i;

	if (query_int(db,
		"SELECT count(*) FROM pragma_table_info('sources') WHERE"
		" name = 'sensor'",
		NULL) == 0 &&
	    exec(db, "ALTER TABLE sources ADD COLUMN sensor TEXT", errbuf,
		errlen) != 0)
		return -1;
	if (sqlite3_prepare_v2(db,
		"SELECT m.sensor_id, m.id, s.sensor_name, m.path, m.sha256,"
		" m.size, m.linktype, m.ingested_at, m.complete, m.packets,"
		" m.bytes, m.first_us, m.last_us, m.truncated, m.malformed,"
		" m.not_ip, m.dropped_caps, m.dropped_kernel"
		" FROM m_sources m JOIN m_sensors s USING(sensor_id)"
		" ORDER BY s.sensor_name, m.sensor_id, m.id", -1, &sel,
		NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
		"SELECT id FROM sources WHERE sha256 = ?1 AND complete = 1"
		" ORDER BY id LIMIT 1", -1, &find, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
		"UPDATE sources SET sensor = sensor || ',' || ?2 WHERE id = ?1"
		" AND ',' || sensor || ',' NOT LIKE '%,' || ?2 || ',%'", -1,
		&tag, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
		"INSERT INTO sources(id, sensor, path, sha256, size, linktype,"
		" ingested_at, complete, packets, bytes, first_us, last_us,"
		" truncated, malformed, not_ip, dropped_caps, dropped_kernel)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
		" ?13, ?14, ?15, ?16, ?17)", -1, &ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
		"INSERT INTO temp.m_srcmap VALUES(?1, ?2, ?3)", -1, &map,
		NULL) != SQLITE_OK)
		goto fail;
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		sqlite3_int64 id = 0;

		if (sqlite3_column_type(sel, 4) != SQLITE_NULL &&
		    sqlite3_column_int(sel, 8) == 1) {
			sqlite3_bind_value(find, 1, sqlite3_column_value(sel,
							4));
			if (sqlite3_step(find) == SQLITE_ROW)
				id = sqlite3_column_int64(find, 0);
			sqlite3_reset(find);
			sqlite3_clear_bindings(find);
		}
		if (id != 0) {
			/* the same capture, read by another sensor too */
			sqlite3_bind_int64(tag, 1, id);
			sqlite3_bind_value(tag, 2, sqlite3_column_value(sel,
						       2));
			if (step_done(tag) != 0)
				goto fail;
		} else {
			id = next++;
			sqlite3_bind_int64(ins, 1, id);
			for (i = 2; i <= 17; i++)
				sqlite3_bind_value(ins, i,
				    sqlite3_column_value(sel, i));
			if (step_done(ins) != 0)
				goto fail;
		}
		sqlite3_bind_value(map, 1, sqlite3_column_value(sel, 0));
		sqlite3_bind_value(map, 2, sqlite3_column_value(sel, 1));
		sqlite3_bind_int64(map, 3, id);
		if (step_done(map) != 0)
			goto fail;
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(sel);
	sqlite3_finalize(find);
	sqlite3_finalize(tag);
	sqlite3_finalize(ins);
	sqlite3_finalize(map);
	return 0;
fail:
	dberr(errbuf, errlen, "rebuild sources", db);
	sqlite3_finalize(sel);
	sqlite3_finalize(find);
	sqlite3_finalize(tag);
	sqlite3_finalize(ins);
	sqlite3_finalize(map);
	return -1;
}

/* One sensor's row of an asset. */
struct arow {
	int64_t first_us, last_us, packets, bytes;
	char macs[128], names[1024];
	char ident[8][128]; /* vendor .. url */
	char ident_source[24];
	int64_t vendor_id, device_type, product_code;
	int64_t ident_us; /* the newest identity observation; -1 unknown */
};

/* When a row's identity was seen: its ident_us, or for a sensor database
 * older than schema 3, the last time the asset was seen. */
static int64_t
ident_time(const struct arow *r)
{
	return r->ident_us >= 0 ? r->ident_us : r->last_us;
}

static const size_t ident_len[8] = {64, 64, 64, 32, 32, 64, 64, 128};

static int
asset_emit(sqlite3_stmt *ins, uint16_t vlan, const void *ip, int iplen,
    const char *ip_text, const struct arow *r, size_t n)
{
	char macs[128] = "", names[1024] = "";
	int64_t first = r[0].first_us, last = r[0].last_us, pk = 0, by = 0;
	size_t i, f, best;
	int k;

	for (i = 0; i < n; i++) {
		if (r[i].first_us < first)
			first = r[i].first_us;
		if (r[i].last_us > last)
			last = r[i].last_us;
		pk += r[i].packets;
		by += r[i].bytes;
		list_union(macs, sizeof(macs), r[i].macs,
		    GRAPH_MAX_MACS_PER_ASSET);
		list_union(names, sizeof(names), r[i].names,
		    GRAPH_MAX_NAMES_PER_ASSET);
	}
	sqlite3_bind_int(ins, 1, vlan);
	sqlite3_bind_blob(ins, 2, ip, iplen, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins, 3, ip_text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins, 4, macs, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins, 5, names, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(ins, 6, first);
	sqlite3_bind_int64(ins, 7, last);
	sqlite3_bind_int64(ins, 8, pk);
	sqlite3_bind_int64(ins, 9, by);
	/* Each identity field from the sensor that observed one last. */
	for (f = 0; f < 8; f++) {
		best = n;
		for (i = 0; i < n; i++)
			if (r[i].ident[f][0] != '\0' &&
			    (best == n || ident_time(&r[i]) >
					      ident_time(&r[best])))
				best = i;
		if (best < n)
			sqlite3_bind_text(ins, 10 + (int)f, r[best].ident[f],
			    -1, SQLITE_TRANSIENT);
	}
	best = n;
	for (i = 0; i < n; i++)
		if (r[i].ident_source[0] != '\0' &&
		    (best == n || ident_time(&r[i]) > ident_time(&r[best])))
			best = i;
	if (best < n)
		sqlite3_bind_text(ins, 18, r[best].ident_source, -1,
		    SQLITE_TRANSIENT);
	best = n;
	for (i = 0; i < n; i++)
		if ((r[i].vendor_id != 0 || r[i].device_type != 0 ||
			r[i].product_code != 0) &&
		    (best == n || ident_time(&r[i]) > ident_time(&r[best])))
			best = i;
	if (best < n) {
		sqlite3_bind_int64(ins, 19, r[best].vendor_id);
		sqlite3_bind_int64(ins, 20, r[best].device_type);
		sqlite3_bind_int64(ins, 21, r[best].product_code);
	}
	/* the site's identity time: the newest the sensors know */
	best = n;
	for (i = 0; i < n; i++)
		if (r[i].ident_us >= 0 &&
		    (best == n || r[i].ident_us > r[best].ident_us))
			best = i;
	if (best < n)
		sqlite3_bind_int64(ins, 22, r[best].ident_us);
	k = step_done(ins);
	return k;
}

static int
assets_rebuild(sqlite3 *db, char *errbuf, size_t errlen)
{
	sqlite3_stmt *sel = NULL, *ins = NULL;
	struct arow *rows = NULL, *nr;
	size_t n = 0, cap = 0, f;
	int rc, gvlan = -1, giplen = 0;
	unsigned char gip[16];
	char gtext[64] = "";

	if (sqlite3_prepare_v2(db,
		"SELECT a.vlan, a.ip, a.ip_text, a.macs, a.names, a.first_us,"
		" a.last_us, a.packets, a.bytes, a.vendor, a.product, a.model,"
		" a.firmware, a.hardware, a.serial, a.name, a.url,"
		" a.ident_source, a.vendor_id, a.device_type, a.product_code,"
		" a.ident_us FROM m_assets a JOIN m_sensors s USING(sensor_id)"
		" ORDER BY a.vlan, a.ip, a.first_us, s.sensor_name,"
		" a.sensor_id", -1, &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
		"INSERT INTO assets(vlan, ip, ip_text, macs, names, first_us,"
		" last_us, packets, bytes, vendor, product, model, firmware,"
		" hardware, serial, name, url, ident_source, vendor_id,"
		" device_type, product_code, ident_us) VALUES(?1, ?2, ?3, ?4,"
		" ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
		" ?18, ?19, ?20, ?21, ?22)", -1, &ins, NULL) != SQLITE_OK)
		goto fail;
	for (;;) {
		const void *ip = NULL;
		int iplen = 0, vlan = 0, same;
		struct arow *r;

		rc = sqlite3_step(sel);
		if (rc == SQLITE_ROW) {
			vlan = sqlite3_column_int(sel, 0);
			ip = sqlite3_column_blob(sel, 1);
			iplen = sqlite3_column_bytes(sel, 1);
			if (iplen > 16)
				iplen = 16;
		} else if (rc != SQLITE_DONE)
			goto fail;
		same = rc == SQLITE_ROW && n > 0 && vlan == gvlan &&
		    iplen == giplen && (iplen == 0 || memcmp(ip, gip,
							  (size_t)iplen) == 0);
		if (n > 0 && !same) {
			if (asset_emit(ins, (uint16_t)gvlan, gip, giplen, gtext,
				rows, n) != 0)
				goto fail;
			n = 0;
		}
		if (rc == SQLITE_DONE)
			break;
		if (n == 0) {
			gvlan = vlan;
			giplen = iplen;
			if (iplen > 0)
				memcpy(gip, ip, (size_t)iplen);
			col_text(sel, 2, gtext, sizeof(gtext));
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			nr = realloc(rows, cap * sizeof(*rows));
			if (nr == NULL) {
				snprintf(errbuf, errlen, "out of memory");
				goto out;
			}
			rows = nr;
		}
		r = &rows[n++];
		memset(r, 0, sizeof(*r));
		col_text(sel, 3, r->macs, sizeof(r->macs));
		col_text(sel, 4, r->names, sizeof(r->names));
		r->first_us = sqlite3_column_int64(sel, 5);
		r->last_us = sqlite3_column_int64(sel, 6);
		r->packets = sqlite3_column_int64(sel, 7);
		r->bytes = sqlite3_column_int64(sel, 8);
		for (f = 0; f < 8; f++)
			col_text(sel, 9 + (int)f, r->ident[f], ident_len[f]);
		col_text(sel, 17, r->ident_source, sizeof(r->ident_source));
		r->vendor_id = sqlite3_column_int64(sel, 18);
		r->device_type = sqlite3_column_int64(sel, 19);
		r->product_code = sqlite3_column_int64(sel, 20);
		r->ident_us = sqlite3_column_type(sel, 21) == SQLITE_NULL
		    ? -1 : sqlite3_column_int64(sel, 21);
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	free(rows);
	return 0;
fail:
	dberr(errbuf, errlen, "rebuild assets", db);
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	free(rows);
	return -1;
}

/*
 * Counting once.  Rows of one key (a flow, or an operation of a flow)
 * arrive sorted by first_us; a row starting after every earlier row of
 * its cluster ended begins a new cluster.  A cluster counts the maximum
 * of its rows (the same packets seen twice), clusters add up.
 */
struct counter {
	int64_t end;		/* last_us of the cluster so far */
	int64_t max[3], sum[3]; /* this cluster */
	int64_t total[3];	/* closed clusters */
	uint64_t rows;		/* rows in this cluster */
	int64_t dup[3];		/* sum - max over closed clusters */
};

/* Close the current cluster; returns how many rows it had. */
static uint64_t
counter_close(struct counter *c)
{
	uint64_t rows = c->rows;
	int i;

	for (i = 0; i < 3; i++) {
		c->total[i] += c->max[i];
		c->dup[i] += c->sum[i] - c->max[i];
		c->max[i] = c->sum[i] = 0;
	}
	c->rows = 0;
	return rows;
}

/* Add a row; returns 1 when it began a new cluster after a closed one. */
static int
counter_add(struct counter *c, int64_t first, int64_t last,
    const int64_t v[3], uint64_t *closed_rows)
{
	int i, split = 0;

	if (c->rows > 0 && first > c->end) {
		*closed_rows = counter_close(c);
		split = 1;
	}
	if (c->rows == 0 || last > c->end)
		c->end = last;
	for (i = 0; i < 3; i++) {
		if (v[i] > c->max[i])
			c->max[i] = v[i];
		c->sum[i] += v[i];
	}
	c->rows++;
	return split;
}

struct fkey {
	int vlan, cvlan, transport, port;
	unsigned char client[16], server[16];
	int clen, slen;
	char protocol[64];
};

static void
fkey_get(sqlite3_stmt *q, int c0, struct fkey *k)
{
	const void *b;

	memset(k, 0, sizeof(*k));
	k->vlan = sqlite3_column_int(q, c0);
	k->cvlan = sqlite3_column_int(q, c0 + 1);
	b = sqlite3_column_blob(q, c0 + 2);
	k->clen = sqlite3_column_bytes(q, c0 + 2);
	if (k->clen > 16)
		k->clen = 16;
	if (b != NULL && k->clen > 0)
		memcpy(k->client, b, (size_t)k->clen);
	b = sqlite3_column_blob(q, c0 + 3);
	k->slen = sqlite3_column_bytes(q, c0 + 3);
	if (k->slen > 16)
		k->slen = 16;
	if (b != NULL && k->slen > 0)
		memcpy(k->server, b, (size_t)k->slen);
	k->transport = sqlite3_column_int(q, c0 + 4);
	k->port = sqlite3_column_int(q, c0 + 5);
	col_text(q, c0 + 6, k->protocol, sizeof(k->protocol));
}

/* A flow of the site being built: its key, first row's fields, the
 * members (sensor, flow id) to map to it. */
struct fgroup {
	struct fkey key;
	char client_text[64], server_text[64], sec_policy[96];
	int64_t first, last, source_id, frame, policy_last;
	int source_null, sec_mode, authenticated, encrypted;
	struct counter c;
	struct {
		char sensor[STORE_SENSOR_ID_LEN + 1];
		int64_t flow_id;
		int dup; /* in a cluster with another sensor's row */
	} *mem;
	size_t n_mem, cap_mem, cluster0; /* first member of the cluster */
};

struct rebuild {
	sqlite3 *db;
	sqlite3_stmt *ins, *map, *dup;
};

static void
mark_cluster(struct fgroup *g, size_t end, uint64_t rows)
{
	size_t i;

	for (i = g->cluster0; rows > 1 && i < end; i++)
		g->mem[i].dup = 1;
	g->cluster0 = end;
}

static int
dup_endpoint(struct rebuild *rb, int vlan, const void *ip, int iplen,
    const int64_t dup[3])
{
	sqlite3_bind_int64(rb->dup, 1, dup[0]);
	sqlite3_bind_int64(rb->dup, 2, dup[1]);
	sqlite3_bind_int(rb->dup, 3, vlan);
	sqlite3_bind_blob(rb->dup, 4, ip, iplen, SQLITE_STATIC);
	return step_done(rb->dup);
}

static int
flow_emit(struct rebuild *rb, struct fgroup *g)
{
	sqlite3_stmt *q = rb->ins;
	sqlite3_int64 id;
	size_t i;

	mark_cluster(g, g->n_mem, counter_close(&g->c));
	sqlite3_bind_int(q, 1, g->key.vlan);
	sqlite3_bind_int(q, 2, g->key.cvlan);
	sqlite3_bind_blob(q, 3, g->key.client, g->key.clen, SQLITE_STATIC);
	sqlite3_bind_blob(q, 4, g->key.server, g->key.slen, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, g->client_text, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, g->server_text, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 7, g->key.transport);
	sqlite3_bind_int(q, 8, g->key.port);
	sqlite3_bind_text(q, 9, g->key.protocol, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 10, g->c.total[0]);
	sqlite3_bind_int64(q, 11, g->c.total[1]);
	sqlite3_bind_int64(q, 12, g->c.total[2]);
	sqlite3_bind_int64(q, 13, g->first);
	sqlite3_bind_int64(q, 14, g->last);
	if (!g->source_null)
		sqlite3_bind_int64(q, 15, g->source_id);
	sqlite3_bind_int64(q, 16, g->frame);
	if (g->sec_mode != 0)
		sqlite3_bind_int(q, 17, g->sec_mode);
	sqlite3_bind_int(q, 18, g->authenticated);
	sqlite3_bind_int(q, 19, g->encrypted);
	if (g->sec_policy[0] != '\0')
		sqlite3_bind_text(q, 20, g->sec_policy, -1, SQLITE_STATIC);
	if (step_done(q) != 0)
		return -1;
	id = sqlite3_last_insert_rowid(rb->db);
	for (i = 0; i < g->n_mem; i++) {
		sqlite3_bind_text(rb->map, 1, g->mem[i].sensor, -1,
		    SQLITE_STATIC);
		sqlite3_bind_int64(rb->map, 2, g->mem[i].flow_id);
		sqlite3_bind_int64(rb->map, 3, id);
		sqlite3_bind_int(rb->map, 4, g->mem[i].dup);
		if (step_done(rb->map) != 0)
			return -1;
	}
	/* What counting once removed from the flow, removed from both
	 * endpoints too (they were summed over the sensors). */
	if (g->c.dup[0] != 0 || g->c.dup[1] != 0) {
		if (dup_endpoint(rb, g->key.cvlan, g->key.client, g->key.clen,
			g->c.dup) != 0 ||
		    dup_endpoint(rb, g->key.vlan, g->key.server, g->key.slen,
			g->c.dup) != 0)
			return -1;
	}
	return 0;
}

static int
fkey_eq(const struct fkey *a, const struct fkey *b)
{
	return a->vlan == b->vlan && a->cvlan == b->cvlan &&
	    a->transport == b->transport && a->port == b->port &&
	    a->clen == b->clen && a->slen == b->slen &&
	    memcmp(a->client, b->client, (size_t)a->clen) == 0 &&
	    memcmp(a->server, b->server, (size_t)a->slen) == 0 &&
	    strcmp(a->protocol, b->protocol) == 0;
}

static int
flows_rebuild(sqlite3 *db, char *errbuf, size_t errlen)
{
	struct rebuild rb;
	struct fgroup g;
	sqlite3_stmt *sel = NULL;
	int rc, open = 0;

	memset(&rb, 0, sizeof(rb));
	memset(&g, 0, sizeof(g));
	rb.db = db;
	if (sqlite3_prepare_v2(db,
		"SELECT f.vlan, f.client_vlan, f.client, f.server, f.transport,"
		" f.server_port, f.protocol, f.sensor_id, f.id, f.client_text,"
		" f.server_text, f.packets, f.bytes, f.connections,"
		" f.first_us, f.last_us, sm.new_id, f.frame, f.sec_mode,"
		" f.authenticated, f.encrypted, f.sec_policy"
		" FROM m_flows f JOIN m_sensors s USING(sensor_id)"
		" LEFT JOIN temp.m_srcmap sm ON sm.sensor_id = f.sensor_id AND"
		" sm.src_id = f.source_id"
		" ORDER BY f.vlan, f.client_vlan, f.client, f.server,"
		" f.transport, f.server_port, f.protocol, f.first_us,"
		" s.sensor_name, f.sensor_id", -1, &sel,
		NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
		"INSERT INTO flows(vlan, client_vlan, client, server,"
		" client_text, server_text, transport, server_port, protocol,"
		" packets, bytes, connections, first_us, last_us, source_id,"
		" frame, sec_mode, authenticated, encrypted, sec_policy)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
		" ?14, ?15, ?16, ?17, ?18, ?19, ?20)", -1, &rb.ins,
		NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
		"INSERT INTO temp.m_flowmap VALUES(?1, ?2, ?3, ?4)", -1, &rb.map,
		NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
		"UPDATE assets SET packets = MAX(0, packets - ?1),"
		" bytes = MAX(0, bytes - ?2) WHERE vlan = ?3 AND ip = ?4", -1,
		&rb.dup, NULL) != SQLITE_OK)
		goto fail;
	for (;;) {
		struct fkey k;
		int64_t v[3], first, last;
		uint64_t closed = 0;
		int mode;

		rc = sqlite3_step(sel);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			goto fail;
		if (rc == SQLITE_ROW)
			fkey_get(sel, 0, &k);
		if (open && (rc == SQLITE_DONE || !fkey_eq(&k, &g.key))) {
			if (flow_emit(&rb, &g) != 0)
				goto fail;
			open = 0;
		}
		if (rc == SQLITE_DONE)
			break;
		first = sqlite3_column_int64(sel, 14);
		last = sqlite3_column_int64(sel, 15);
		if (!open) {
			void *keep = g.mem;
			size_t cap = g.cap_mem;

			memset(&g, 0, sizeof(g));
			g.mem = keep;
			g.cap_mem = cap;
			g.key = k;
			col_text(sel, 9, g.client_text, sizeof(g.client_text));
			col_text(sel, 10, g.server_text,
			    sizeof(g.server_text));
			/* evidence: the earliest row's first packet */
			g.first = first;
			g.last = last;
			g.source_null = sqlite3_column_type(sel, 16) ==
			    SQLITE_NULL;
			g.source_id = sqlite3_column_int64(sel, 16);
			g.frame = sqlite3_column_int64(sel, 17);
			g.policy_last = INT64_MIN;
			open = 1;
		}
		if (last > g.last)
			g.last = last;
		v[0] = sqlite3_column_int64(sel, 11);
		v[1] = sqlite3_column_int64(sel, 12);
		v[2] = sqlite3_column_int64(sel, 13);
		if (counter_add(&g.c, first, last, v, &closed))
			mark_cluster(&g, g.n_mem, closed);
		/* security: the weakest mode seen, DNP3 SA or encryption
		 * seen anywhere, the most recent policy name */
		mode = sqlite3_column_int(sel, 18);
		if (mode != 0 && (g.sec_mode == 0 || mode < g.sec_mode))
			g.sec_mode = mode;
		if (sqlite3_column_int(sel, 19))
			g.authenticated = 1;
		if (sqlite3_column_int(sel, 20))
			g.encrypted = 1;
		if (sqlite3_column_bytes(sel, 21) > 0 && last > g.policy_last) {
			col_text(sel, 21, g.sec_policy, sizeof(g.sec_policy));
			g.policy_last = last;
		}
		if (g.n_mem == g.cap_mem) {
			size_t nc = g.cap_mem ? g.cap_mem * 2 : 8;
			void *nm = realloc(g.mem, nc * sizeof(*g.mem));

			if (nm == NULL) {
				snprintf(errbuf, errlen, "out of memory");
				goto out;
			}
			g.mem = nm;
			g.cap_mem = nc;
		}
		col_text(sel, 7, g.mem[g.n_mem].sensor,
		    sizeof(g.mem[g.n_mem].sensor));
		g.mem[g.n_mem].dup = 0;
		g.mem[g.n_mem++].flow_id = sqlite3_column_int64(sel, 8);
	}
	free(g.mem);
	sqlite3_finalize(sel);
	sqlite3_finalize(rb.ins);
	sqlite3_finalize(rb.map);
	sqlite3_finalize(rb.dup);
	return 0;
fail:
	dberr(errbuf, errlen, "rebuild flows", db);
out:
	free(g.mem);
	sqlite3_finalize(sel);
	sqlite3_finalize(rb.ins);
	sqlite3_finalize(rb.map);
	sqlite3_finalize(rb.dup);
	return -1;
}

static int
ops_rebuild(sqlite3 *db, char *errbuf, size_t errlen)
{
	sqlite3_stmt *sel = NULL, *ins = NULL;
	struct counter c;
	sqlite3_int64 gflow = 0;
	int64_t gcode = 0, first = 0, last = 0, v[3];
	char gproto[64] = "", proto[64], cls[16] = "", name[64] = "";
	int rc, open = 0, src_null = 1;
	sqlite3_int64 src = 0, frame = 0;
	uint64_t closed;

	if (sqlite3_prepare_v2(db,
		"SELECT fm.new_id, o.protocol, o.code, o.class, o.name, o.count,"
		" o.errors, o.first_us, o.last_us, sm.new_id, o.frame"
		" FROM m_operations o JOIN m_sensors s USING(sensor_id)"
		" JOIN temp.m_flowmap fm ON fm.sensor_id = o.sensor_id AND"
		" fm.flow_id = o.flow_id"
		" LEFT JOIN temp.m_srcmap sm ON sm.sensor_id = o.sensor_id AND"
		" sm.src_id = o.source_id"
		" ORDER BY fm.new_id, o.protocol, o.code, o.first_us,"
		" s.sensor_name, o.sensor_id", -1, &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
		"INSERT INTO operations(flow_id, protocol, code, class, name,"
		" count, errors, first_us, last_us, source_id, frame)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", -1,
		&ins, NULL) != SQLITE_OK)
		goto fail;
	memset(&c, 0, sizeof(c));
	for (;;) {
		sqlite3_int64 flow = 0;
		int64_t code = 0, f, l;

		rc = sqlite3_step(sel);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			goto fail;
		if (rc == SQLITE_ROW) {
			flow = sqlite3_column_int64(sel, 0);
			col_text(sel, 1, proto, sizeof(proto));
			code = sqlite3_column_int64(sel, 2);
		}
		if (open && (rc == SQLITE_DONE || flow != gflow ||
				code != gcode || strcmp(proto, gproto) != 0)) {
			(void)counter_close(&c);
			sqlite3_bind_int64(ins, 1, gflow);
			sqlite3_bind_text(ins, 2, gproto, -1, SQLITE_STATIC);
			sqlite3_bind_int64(ins, 3, gcode);
			sqlite3_bind_text(ins, 4, cls, -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 5, name, -1, SQLITE_STATIC);
			sqlite3_bind_int64(ins, 6, c.total[0]);
			sqlite3_bind_int64(ins, 7, c.total[1]);
			sqlite3_bind_int64(ins, 8, first);
			sqlite3_bind_int64(ins, 9, last);
			if (!src_null)
				sqlite3_bind_int64(ins, 10, src);
			sqlite3_bind_int64(ins, 11, frame);
			if (step_done(ins) != 0)
				goto fail;
			open = 0;
		}
		if (rc == SQLITE_DONE)
			break;
		f = sqlite3_column_int64(sel, 7);
		l = sqlite3_column_int64(sel, 8);
		if (!open) {
			memset(&c, 0, sizeof(c));
			gflow = flow;
			gcode = code;
			snprintf(gproto, sizeof(gproto), "%s", proto);
			col_text(sel, 3, cls, sizeof(cls));
			col_text(sel, 4, name, sizeof(name));
			first = f;
			last = l;
			src_null = sqlite3_column_type(sel, 9) == SQLITE_NULL;
			src = sqlite3_column_int64(sel, 9);
			frame = sqlite3_column_int64(sel, 10);
			open = 1;
		}
		if (l > last)
			last = l;
		v[0] = sqlite3_column_int64(sel, 5);
		v[1] = sqlite3_column_int64(sel, 6);
		v[2] = 0;
		counter_add(&c, f, l, v, &closed);
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	return 0;
fail:
	dberr(errbuf, errlen, "rebuild operations", db);
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	return -1;
}

static int
rebuild(sqlite3 *db, struct store_merge_stats *stats, size_t n,
    char *errbuf, size_t errlen)
{
	size_t i;

	for (i = 0; derived_tables[i] != NULL; i++) {
		char sql[96];

		if (!table_exists(db, derived_tables[i]))
			continue;
		snprintf(sql, sizeof(sql), "DELETE FROM %s", derived_tables[i]);
		if (exec(db, sql, errbuf, errlen) != 0)
			return -1;
	}
	if (exec(db,
		"DELETE FROM operations; DELETE FROM flows;"
		" DELETE FROM assets; DELETE FROM sources;"
		"DROP TABLE IF EXISTS temp.m_srcmap;"
		"DROP TABLE IF EXISTS temp.m_flowmap;"
		"CREATE TEMP TABLE m_srcmap (sensor_id TEXT, src_id INTEGER,"
		" new_id INTEGER, PRIMARY KEY(sensor_id, src_id));"
		"CREATE TEMP TABLE m_flowmap (sensor_id TEXT, flow_id INTEGER,"
		" new_id INTEGER, dup INTEGER, PRIMARY KEY(sensor_id, flow_id));",
		errbuf, errlen) != 0)
		return -1;
	if (sources_rebuild(db, errbuf, errlen) != 0 ||
	    assets_rebuild(db, errbuf, errlen) != 0)
		return -1;
	if (flows_rebuild(db, errbuf, errlen) != 0 ||
	    ops_rebuild(db, errbuf, errlen) != 0)
		return -1;
	for (i = 0; i < n; i++)
		stats[i].flows_dedup = (uint64_t)query_int(db,
		    "SELECT count(*) FROM temp.m_flowmap WHERE sensor_id = ?1"
		    " AND dup = 1",
		    stats[i].sensor_id);
	return exec(db,
	    "DROP TABLE temp.m_srcmap; DROP TABLE temp.m_flowmap;"
	    " DROP TABLE temp.m_taken;",
	    errbuf, errlen);
}

int
store_merge(struct store *site, const char *const *paths, size_t n,
    struct store_merge_stats *stats, char *errbuf, size_t errlen)
{
	sqlite3 *db = store_db(site);
	struct input *in;
	struct store_merge_stats *ms = stats, *own = NULL;
	struct stat site_sb;
	int have_site_sb, rc = -1;
	size_t i, j;
	char err[768];

	if (n == 0) {
		snprintf(errbuf, errlen, "nothing to merge");
		return -1;
	}
	if (ms == NULL && (ms = own = calloc(n, sizeof(*ms))) == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		return -1;
	}
	if ((in = calloc(n, sizeof(*in))) == NULL) {
		free(own);
		snprintf(errbuf, errlen, "out of memory");
		return -1;
	}
	have_site_sb = strcmp(store_path(site), ":memory:") != 0 &&
	    stat(store_path(site), &site_sb) == 0;
	for (i = 0; i < n; i++) {
		in[i].path = paths[i];
		if (open_input(&in[i], &ms[i], have_site_sb ? &site_sb : NULL,
			errbuf, errlen) != 0)
			goto out;
	}
	/* Two inputs of the same sensor: the later snapshot is taken. */
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (strcmp(ms[i].sensor_id, ms[j].sensor_id) == 0 &&
			    (in[i].sb.st_dev != in[j].sb.st_dev ||
				in[i].sb.st_ino != in[j].sb.st_ino)) {
				snprintf(errbuf, errlen,
				    "%s and %s are databases of the same "
				    "sensor (%s); merge one of them",
				    paths[i], paths[j], ms[i].sensor_name);
				goto out;
			}
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		snprintf(errbuf, errlen, "%s: %s", store_path(site),
		    sqlite3_errmsg(db));
		goto out;
	}
	if (!store_is_site(site) &&
	    query_int(db,
		"SELECT (SELECT count(*) FROM sources) + (SELECT count(*)"
		" FROM assets) + (SELECT count(*) FROM flows)",
		NULL) != 0) {
		snprintf(errbuf, errlen,
		    "%s: holds a sensor's own data, not a merge; choose a new "
		    "file for the site database", store_path(site));
		goto rollback;
	}
	if (exec(db, merge_schema, err, sizeof(err)) != 0 ||
	    (query_int(db, "SELECT count(*) FROM pragma_table_info('m_assets')"
			   " WHERE name = 'ident_us'", NULL) == 0 &&
		exec(db, "ALTER TABLE m_assets ADD COLUMN ident_us"
			 " INTEGER", err, sizeof(err)) != 0) ||
	    exec(db,
		"DROP TABLE IF EXISTS temp.m_taken;"
		"CREATE TEMP TABLE m_taken (sensor_id TEXT PRIMARY KEY);",
		err, sizeof(err)) != 0) {
		snprintf(errbuf, errlen, "%s: %s", store_path(site), err);
		goto rollback;
	}
	for (i = 0; i < n; i++) {
		if (take_sensor(db, &in[i], &ms[i], err, sizeof(err)) != 0) {
			snprintf(errbuf, errlen, "%s: %s", paths[i], err);
			goto rollback;
		}
	}
	/* the role in the same transaction; the store's cached copy is
	 * updated only after the COMMIT (below) */
	if (rebuild(db, ms, n, err, sizeof(err)) != 0 ||
	    exec(db, "INSERT OR REPLACE INTO meta(key, value)"
		     " VALUES('role', 'site')",
		err, sizeof(err)) != 0) {
		snprintf(errbuf, errlen, "%s: %s", store_path(site), err);
		goto rollback;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(errbuf, errlen, "%s: %s", store_path(site),
		    sqlite3_errmsg(db));
		goto rollback;
	}
	rc = 0;
	/* committed, and the database says so; this rewrites the same row
	 * and updates the handle's cached role (a failure would only leave
	 * that cache stale) */
	(void)store_set_role_site(site, err, sizeof(err));
	goto out;
rollback:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
out:
	for (i = 0; i < n; i++)
		store_close(in[i].st);
	free(in);
	free(own);
	return rc;
}

int
store_merge_from(struct store *site, const char *src_path,
    struct store_merge_stats *stats, char *errbuf, size_t errlen)
{
	const char *paths[1];

	paths[0] = src_path;
	return store_merge(site, paths, 1, stats, errbuf, errlen);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check_db.c: the findings of a policy check into the database.
 *
 * The latest check replaces the previous one in `violations` (schema in
 * store.c) and in `sl_gap`; every run adds one row to `policy_checks`, so
 * a cron job leaves a history of counts, not of findings.  One
 * transaction: readers see the old findings or the new ones, never half.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "check.h"

#define CHECK_KEEP_STR2(n) #n
#define CHECK_KEEP_STR1(n) CHECK_KEEP_STR2(n)
#define CHECK_KEEP_STR CHECK_KEEP_STR1(CHECK_KEEP_CHECKS)

static const char check_schema[] =
    "CREATE TABLE IF NOT EXISTS policy_checks ("
    " id INTEGER PRIMARY KEY, checked_at TEXT, policy TEXT,"
    " zones INTEGER, conduits INTEGER, flows_checked INTEGER,"
    " flows_not_checked INTEGER, findings INTEGER,"
    " findings_capped INTEGER);"
    "CREATE TABLE IF NOT EXISTS sl_gap ("
    " zone TEXT NOT NULL, sl_t INTEGER, achieved INTEGER,"
    " requirement TEXT NOT NULL, applies_from INTEGER, max_sl INTEGER,"
    " flows INTEGER, breaking INTEGER, checked_at TEXT,"
    " PRIMARY KEY(zone, requirement));";

static int
dberr(sqlite3 *db, const char *what, char *errbuf, size_t errlen)
{
	snprintf(errbuf, errlen, "%s: %s", what, sqlite3_errmsg(db));
	return -1;
}

static void
bind_text_or_null(sqlite3_stmt *q, int i, const char *s)
{
	if (s == NULL || s[0] == '\0')
		sqlite3_bind_null(q, i);
	else
		sqlite3_bind_text(q, i, s, -1, SQLITE_TRANSIENT);
}

static int
save_findings(sqlite3 *db, const struct policy *p,
    const struct check_result *r, const char *now, char *errbuf,
    size_t errlen)
{
	sqlite3_stmt *q = NULL;
	size_t i;
	int rc = -1;

	if (sqlite3_prepare_v2(db,
		"INSERT INTO violations (checked_at, rule, requirement, sl_t,"
		" severity, client, server, protocol, class, zone_from,"
		" zone_to, count, first_us, last_us, source, frame)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &q,
		NULL) != SQLITE_OK)
		return dberr(db, "store findings", errbuf, errlen);
	for (i = 0; i < r->n_findings; i++) {
		const struct check_finding *f = &r->findings[i];

		sqlite3_bind_text(q, 1, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, check_rule_name(f->rule), -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(q, 3, f->requirement, -1, SQLITE_STATIC);
		sqlite3_bind_int(q, 4, f->sl_t);
		sqlite3_bind_text(q, 5, check_severity_name(f->severity), -1,
		    SQLITE_STATIC);
		bind_text_or_null(q, 6, f->client);
		bind_text_or_null(q, 7, f->server);
		bind_text_or_null(q, 8, f->protocol);
		bind_text_or_null(q, 9, f->cls);
		bind_text_or_null(q, 10,
		    f->zone_from >= 0 ? p->zones[f->zone_from].name : NULL);
		bind_text_or_null(q, 11,
		    f->zone_to >= 0 ? p->zones[f->zone_to].name : NULL);
		sqlite3_bind_int64(q, 12, (sqlite3_int64)f->count);
		sqlite3_bind_int64(q, 13, f->first_us);
		sqlite3_bind_int64(q, 14, f->last_us);
		bind_text_or_null(q, 15, f->source);
		sqlite3_bind_int64(q, 16, (sqlite3_int64)f->frame);
		if (sqlite3_step(q) != SQLITE_DONE) {
			dberr(db, "store findings", errbuf, errlen);
			goto out;
		}
		sqlite3_reset(q);
		sqlite3_clear_bindings(q);
	}
	rc = 0;
out:
	sqlite3_finalize(q);
	return rc;
}

static int
save_gap(sqlite3 *db, const struct policy *p, const struct check_result *r,
    const char *now, char *errbuf, size_t errlen)
{
	sqlite3_stmt *q = NULL;
	size_t i;
	int k, rc = -1;

	if (sqlite3_prepare_v2(db,
		"INSERT OR REPLACE INTO sl_gap (zone, sl_t, achieved,"
		" requirement, applies_from, max_sl, flows, breaking,"
		" checked_at) VALUES (?,?,?,?,?,?,?,?,?)", -1, &q,
		NULL) != SQLITE_OK)
		return dberr(db, "store SL gap", errbuf, errlen);
	for (i = 0; i < r->n_gaps; i++) {
		const struct check_gap *g = &r->gaps[i];

		for (k = 0; k < REQ_N; k++) {
			sqlite3_bind_text(q, 1, p->zones[g->zone].name, -1,
			    SQLITE_STATIC);
			sqlite3_bind_int(q, 2, g->sl_t);
			sqlite3_bind_int(q, 3, g->achieved);
			sqlite3_bind_text(q, 4, check_req_name(k), -1,
			    SQLITE_STATIC);
			sqlite3_bind_int(q, 5, check_req_applies_from(k));
			sqlite3_bind_int(q, 6, g->row[k].max_sl);
			sqlite3_bind_int64(q, 7,
			    (sqlite3_int64)g->row[k].flows);
			sqlite3_bind_int64(q, 8,
			    (sqlite3_int64)g->row[k].breaking);
			sqlite3_bind_text(q, 9, now, -1, SQLITE_STATIC);
			if (sqlite3_step(q) != SQLITE_DONE) {
				dberr(db, "store SL gap", errbuf, errlen);
				goto out;
			}
			sqlite3_reset(q);
		}
	}
	rc = 0;
out:
	sqlite3_finalize(q);
	return rc;
}

int
check_db_save(struct store *st, const struct policy *p,
    const struct check_result *r, const char *policy_path, char *errbuf,
    size_t errlen)
{
	sqlite3 *db = (sqlite3 *)store_db(st);
	sqlite3_stmt *q = NULL;
	char now[40];
	time_t t = time(NULL);
	struct tm tm;
	int rc = -1;

	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return dberr(db, "store findings", errbuf, errlen);
	if (sqlite3_exec(db, check_schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "DELETE FROM violations; DELETE FROM sl_gap;",
		NULL, NULL, NULL) != SQLITE_OK) {
		dberr(db, "store findings", errbuf, errlen);
		goto fail;
	}
	if (save_findings(db, p, r, now, errbuf, errlen) != 0 ||
	    save_gap(db, p, r, now, errbuf, errlen) != 0)
		goto fail;
	if (sqlite3_prepare_v2(db,
		"INSERT INTO policy_checks (checked_at, policy, zones,"
		" conduits, flows_checked, flows_not_checked, findings,"
		" findings_capped) VALUES (?,?,?,?,?,?,?,?)", -1, &q,
		NULL) != SQLITE_OK) {
		dberr(db, "store findings", errbuf, errlen);
		goto fail;
	}
	sqlite3_bind_text(q, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, policy_path ? policy_path : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, (sqlite3_int64)p->n_zones);
	sqlite3_bind_int64(q, 4, (sqlite3_int64)p->n_conduits);
	sqlite3_bind_int64(q, 5, (sqlite3_int64)r->flows_checked);
	sqlite3_bind_int64(q, 6, (sqlite3_int64)r->flows_group);
	sqlite3_bind_int64(q, 7, (sqlite3_int64)r->n_findings);
	sqlite3_bind_int64(q, 8, (sqlite3_int64)r->findings_capped);
	if (sqlite3_step(q) != SQLITE_DONE) {
		dberr(db, "store findings", errbuf, errlen);
		goto fail;
	}
	sqlite3_finalize(q);
	q = NULL;
	/* a log of checks, not of every check ever: the daemon checks
	 * every analysis_interval */
	if (sqlite3_exec(db,
		"DELETE FROM policy_checks WHERE id <= (SELECT max(id) FROM"
		" policy_checks) - " CHECK_KEEP_STR ";",
		NULL, NULL, NULL) != SQLITE_OK) {
		dberr(db, "store findings", errbuf, errlen);
		goto fail;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		dberr(db, "store findings", errbuf, errlen);
		goto fail;
	}
	rc = 0;
	return rc;
fail:
	sqlite3_finalize(q);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

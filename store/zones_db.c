/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * zones_db.c: store a zone proposal in the database, in one transaction.
 *
 * store.c's schema holds the core (proposals, zones, zone_members,
 * conduits).  What the proposal was made from and the extra fields of
 * each zone go into tables of this module, created here if missing:
 *
 *   proposal_inputs(proposal_id, digest, assets, flows, flows_used,
 *       flows_not_unicast, subnets_used, subnet_precision, subnet_recall,
 *       data_first_us, data_last_us)
 *   proposal_sources(proposal_id, source_id): the ingested captures
 *   zone_details(zone_id, role, sl_t_reason, policy_sl_t, policy_reason,
 *       networks, vlans)
 *   zone_member_details(zone_id, asset_id, why)
 */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zones.h"

static const char zones_schema[] =
    "CREATE TABLE IF NOT EXISTS proposal_inputs ("
    " proposal_id INTEGER PRIMARY KEY, digest TEXT, assets INTEGER,"
    " flows INTEGER, flows_used INTEGER, flows_not_unicast INTEGER,"
    " subnets_used INTEGER, subnet_precision REAL, subnet_recall REAL,"
    " data_first_us INTEGER, data_last_us INTEGER);"
    "CREATE TABLE IF NOT EXISTS proposal_sources ("
    " proposal_id INTEGER NOT NULL, source_id INTEGER NOT NULL,"
    " PRIMARY KEY(proposal_id, source_id));"
    "CREATE TABLE IF NOT EXISTS zone_details ("
    " zone_id INTEGER PRIMARY KEY, role TEXT, sl_t_reason TEXT,"
    " policy_sl_t INTEGER, policy_reason TEXT, networks TEXT,"
    " vlans TEXT);"
    "CREATE TABLE IF NOT EXISTS zone_member_details ("
    " zone_id INTEGER NOT NULL, asset_id INTEGER NOT NULL, why TEXT,"
    " PRIMARY KEY(zone_id, asset_id));";

/*
 * Only the newest ZONES_KEEP_PROPOSALS proposals are kept: the daemon
 * proposes every analysis_interval, and each proposal holds a row per
 * asset.  Older ones go with their zones, members, details and conduits,
 * in the transaction that saves the new one.
 */
#define KEEP_STR2(n) #n
#define KEEP_STR(n) KEEP_STR2(n)
static const char prune_sql[] =
    "CREATE TEMP TABLE IF NOT EXISTS zp_old(id INTEGER PRIMARY KEY);"
    "DELETE FROM zp_old;"
    "INSERT INTO zp_old SELECT id FROM proposals ORDER BY id DESC"
    " LIMIT -1 OFFSET " KEEP_STR(ZONES_KEEP_PROPOSALS) ";"
    "DELETE FROM zone_member_details WHERE zone_id IN (SELECT z.id FROM"
    " zones z JOIN zp_old o ON o.id = z.proposal_id);"
    "DELETE FROM zone_members WHERE zone_id IN (SELECT z.id FROM zones z"
    " JOIN zp_old o ON o.id = z.proposal_id);"
    "DELETE FROM zone_details WHERE zone_id IN (SELECT z.id FROM zones z"
    " JOIN zp_old o ON o.id = z.proposal_id);"
    "DELETE FROM zones WHERE proposal_id IN (SELECT id FROM zp_old);"
    "DELETE FROM conduits WHERE proposal_id IN (SELECT id FROM zp_old);"
    "DELETE FROM proposal_inputs WHERE proposal_id IN"
    " (SELECT id FROM zp_old);"
    "DELETE FROM proposal_sources WHERE proposal_id IN"
    " (SELECT id FROM zp_old);"
    "DELETE FROM proposals WHERE id IN (SELECT id FROM zp_old);"
    "DELETE FROM zp_old;";

enum {
	Q_PROPOSAL,
	Q_INPUTS,
	Q_SOURCES,
	Q_ZONE,
	Q_ZONE_DETAIL,
	Q_MEMBER,
	Q_MEMBER_DETAIL,
	Q_CONDUIT,
	Q_N
};

static const char *const q_sql[Q_N] = {
    [Q_PROPOSAL] = "INSERT INTO proposals(made_at, assets, flows, algorithm)"
		   " VALUES(?1, ?2, ?3, ?4)",
    [Q_INPUTS] = "INSERT INTO proposal_inputs(proposal_id, digest, assets,"
		 " flows, flows_used, flows_not_unicast, subnets_used,"
		 " subnet_precision, subnet_recall, data_first_us,"
		 " data_last_us)"
		 " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
		 " (SELECT min(first_us) FROM flows),"
		 " (SELECT max(last_us) FROM flows)",
    [Q_SOURCES] = "INSERT INTO proposal_sources(proposal_id, source_id)"
		  " SELECT ?1, id FROM sources WHERE complete = 1",
    [Q_ZONE] = "INSERT INTO zones(proposal_id, name, purdue_level, sl_t,"
	       " reason) VALUES(?1, ?2, ?3, ?4, ?5)",
    [Q_ZONE_DETAIL] = "INSERT INTO zone_details(zone_id, role, sl_t_reason,"
		      " policy_sl_t, policy_reason, networks, vlans)"
		      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [Q_MEMBER] = "INSERT OR IGNORE INTO zone_members(zone_id, asset_id)"
		 " VALUES(?1, ?2)",
    [Q_MEMBER_DETAIL] = "INSERT OR IGNORE INTO zone_member_details(zone_id,"
			" asset_id, why) VALUES(?1, ?2, ?3)",
    [Q_CONDUIT] = "INSERT INTO conduits(proposal_id, zone_from, zone_to,"
		  " protocols, classes, flows)"
		  " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
};

static int
exec_sql(sqlite3 *db, const char *sql, char *errbuf, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(errbuf, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Run a bound statement to completion and reset it. */
static int
step(sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);

	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void
bind_text(sqlite3_stmt *q, int i, const char *s)
{
	if (s == NULL || s[0] == '\0')
		sqlite3_bind_null(q, i);
	else
		sqlite3_bind_text(q, i, s, -1, SQLITE_TRANSIENT);
}

static void
classes_text(unsigned cls, char *buf, size_t len)
{
	int i;

	buf[0] = '\0';
	for (i = 0; i < ZC_N; i++)
		if (cls & (1u << i)) {
			size_t l = strlen(buf);

			snprintf(buf + l, len - l, "%s%s", l ? "," : "",
			    zones_class_text(i));
		}
}

int64_t
zones_save(struct store *st, const struct zones_result *r,
    const struct st_asset *as, size_t na, size_t nf, int64_t made_at_us,
    char *errbuf, size_t errlen)
{
	sqlite3 *db = store_db(st);
	sqlite3_stmt *q[Q_N];
	int64_t pid = -1, *zid = NULL;
	char when[96], dig[24], buf[1024];
	time_t t = (time_t)(made_at_us / 1000000);
	struct tm tm;
	size_t i, j;
	int in_tx = 0;

	memset(q, 0, sizeof(q));
	if (db == NULL) {
		snprintf(errbuf, errlen, "no database");
		return -1;
	}
	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec,
	    (int)((made_at_us % 1000000 + 1000000) % 1000000));
	snprintf(dig, sizeof(dig), "%016" PRIx64, r->digest);
	zid = calloc(r->n_zones ? r->n_zones : 1, sizeof(*zid));
	if (zid == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		return -1;
	}
	if (exec_sql(db, "BEGIN IMMEDIATE", errbuf, errlen) != 0)
		goto out;
	in_tx = 1;
	if (exec_sql(db, zones_schema, errbuf, errlen) != 0)
		goto out;
	for (i = 0; i < Q_N; i++)
		if (sqlite3_prepare_v2(db, q_sql[i], -1, &q[i], NULL) !=
		    SQLITE_OK)
			goto dberr;

	sqlite3_bind_text(q[Q_PROPOSAL], 1, when, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q[Q_PROPOSAL], 2, (sqlite3_int64)na);
	sqlite3_bind_int64(q[Q_PROPOSAL], 3, (sqlite3_int64)nf);
	sqlite3_bind_text(q[Q_PROPOSAL], 4, ZONES_ALGORITHM, -1,
	    SQLITE_STATIC);
	if (step(q[Q_PROPOSAL]) != 0)
		goto dberr;
	pid = sqlite3_last_insert_rowid(db);

	sqlite3_bind_int64(q[Q_INPUTS], 1, pid);
	sqlite3_bind_text(q[Q_INPUTS], 2, dig, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q[Q_INPUTS], 3, (sqlite3_int64)na);
	sqlite3_bind_int64(q[Q_INPUTS], 4, (sqlite3_int64)nf);
	sqlite3_bind_int64(q[Q_INPUTS], 5, (sqlite3_int64)r->flows_used);
	sqlite3_bind_int64(q[Q_INPUTS], 6,
	    (sqlite3_int64)r->flows_not_unicast);
	sqlite3_bind_int(q[Q_INPUTS], 7, r->subnets_used);
	sqlite3_bind_double(q[Q_INPUTS], 8, r->subnet_precision);
	sqlite3_bind_double(q[Q_INPUTS], 9, r->subnet_recall);
	if (step(q[Q_INPUTS]) != 0)
		goto dberr;
	sqlite3_bind_int64(q[Q_SOURCES], 1, pid);
	if (step(q[Q_SOURCES]) != 0)
		goto dberr;

	for (i = 0; i < r->n_zones; i++) {
		const struct zone *z = &r->zones[i];

		sqlite3_bind_int64(q[Q_ZONE], 1, pid);
		sqlite3_bind_text(q[Q_ZONE], 2, z->name, -1, SQLITE_TRANSIENT);
		if (z->purdue_level >= 0)
			sqlite3_bind_int(q[Q_ZONE], 3, z->purdue_level);
		else
			sqlite3_bind_null(q[Q_ZONE], 3);
		sqlite3_bind_int(q[Q_ZONE], 4, z->suggested_sl_t);
		bind_text(q[Q_ZONE], 5, z->reason);
		if (step(q[Q_ZONE]) != 0)
			goto dberr;
		zid[i] = sqlite3_last_insert_rowid(db);

		sqlite3_bind_int64(q[Q_ZONE_DETAIL], 1, zid[i]);
		sqlite3_bind_text(q[Q_ZONE_DETAIL], 2, zones_role_text(z->role),
		    -1, SQLITE_STATIC);
		bind_text(q[Q_ZONE_DETAIL], 3, z->sl_reason);
		sqlite3_bind_int(q[Q_ZONE_DETAIL], 4, z->policy_sl_t);
		bind_text(q[Q_ZONE_DETAIL], 5, z->policy_reason);
		bind_text(q[Q_ZONE_DETAIL], 6, z->networks);
		bind_text(q[Q_ZONE_DETAIL], 7, z->vlans);
		if (step(q[Q_ZONE_DETAIL]) != 0)
			goto dberr;

		for (j = 0; j < z->n_members; j++) {
			size_t a = z->members[j];

			if (a >= na)
				continue;
			sqlite3_bind_int64(q[Q_MEMBER], 1, zid[i]);
			sqlite3_bind_int64(q[Q_MEMBER], 2, as[a].id);
			if (step(q[Q_MEMBER]) != 0)
				goto dberr;
			sqlite3_bind_int64(q[Q_MEMBER_DETAIL], 1, zid[i]);
			sqlite3_bind_int64(q[Q_MEMBER_DETAIL], 2, as[a].id);
			sqlite3_bind_text(q[Q_MEMBER_DETAIL], 3,
			    zones_why_text(r->asset_why[a]), -1,
			    SQLITE_STATIC);
			if (step(q[Q_MEMBER_DETAIL]) != 0)
				goto dberr;
		}
	}
	for (i = 0; i < r->n_conduits; i++) {
		const struct conduit *cd = &r->conduits[i];

		buf[0] = '\0';
		for (j = 0; j < cd->n_protos; j++) {
			size_t l = strlen(buf);

			snprintf(buf + l, sizeof(buf) - l, "%s%s", l ? "," : "",
			    cd->protos[j].name);
		}
		sqlite3_bind_int64(q[Q_CONDUIT], 1, pid);
		sqlite3_bind_int64(q[Q_CONDUIT], 2, zid[cd->from]);
		sqlite3_bind_int64(q[Q_CONDUIT], 3, zid[cd->to]);
		sqlite3_bind_text(q[Q_CONDUIT], 4, buf, -1, SQLITE_TRANSIENT);
		classes_text(cd->classes, buf, sizeof(buf));
		sqlite3_bind_text(q[Q_CONDUIT], 5, buf, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(q[Q_CONDUIT], 6, (sqlite3_int64)cd->flows);
		if (step(q[Q_CONDUIT]) != 0)
			goto dberr;
	}
	for (i = 0; i < Q_N; i++) {
		sqlite3_finalize(q[i]);
		q[i] = NULL;
	}
	if (exec_sql(db, prune_sql, errbuf, errlen) != 0)
		goto out;
	if (exec_sql(db, "COMMIT", errbuf, errlen) != 0)
		goto out;
	in_tx = 0;
	free(zid);
	return pid;
dberr:
	snprintf(errbuf, errlen, "%s", sqlite3_errmsg(db));
out:
	for (i = 0; i < Q_N; i++)
		sqlite3_finalize(q[i]);
	if (in_tx)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	free(zid);
	return -1;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * central.h: the central store on PostgreSQL (libpq), both halves.
 *
 *  - push (the daemon): triggers in the sensor's SQLite mark every row of
 *    sources, assets, flows and operations that a write changed, in the
 *    table central_dirty (one mark per row at most, so it is bounded by
 *    the tables themselves, and on disk).  After each flush the pusher
 *    sends the current values of marked rows to PostgreSQL in one
 *    transaction per batch (upserts of absolute values keyed by the
 *    sensor and the row, so a replay is harmless) and clears a mark only
 *    after the COMMIT, and only if the row did not change meanwhile.
 *    The pusher is a thread of its own (own SQLite and libpq
 *    connections): the capture loop only signals it.  Every wait on the
 *    server is bounded by central.timeout.
 *  - pull (the CLI): `--db postgresql://...` copies each sensor's rows
 *    into a temporary SQLite database of the sensor's own schema and
 *    merges them into a temporary site database (store_merge), on
 *    which the ordinary read commands run.
 *
 * docs/central.md has the schema, the guarantees and the worst cases.
 * Internal to sensor/ (store/ stays SQLite-only).
 */
#ifndef OTZ_CENTRAL_H
#define OTZ_CENTRAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct sqlite3;
struct central;

#define CENTRAL_SCHEMA_VERSION 1

struct central_cfg {
	const char *url;	   /* postgresql://user@host:port/db */
	const char *password_file; /* "" or NULL: none (PGPASSFILE, URL) */
	const char *sensor_id;	   /* stable identity of this sensor */
	const char *sensor_name;   /* its human name */
	uint32_t timeout_s;	   /* connect, and each push at most */
	uint32_t push_interval_s;  /* 0: after every flush */
	uint32_t retry_max_s;	   /* longest wait between failed tries */
	uint32_t batch_rows;	   /* marks per PostgreSQL transaction */
};

/* 1 when s names a PostgreSQL database (postgresql:// or postgres://). */
int central_is_url(const char *s);

/*
 * The URL without its password, for messages: a conninfo URL with the
 * password replaced by "***".  Never fails (falls back to a fixed text).
 */
void central_url_display(const char *url, char *buf, size_t len);

/* Check a URL without connecting.  0 ok, -1 with errbuf. */
int central_url_check(const char *url, char *errbuf, size_t errlen);

/*
 * Start pushing from the sensor database db (borrowed, the store's
 * handle): create the mark table and its triggers if missing (marking
 * every existing row the first time) and read the password file (before
 * privileges are dropped).  Does not connect.  NULL with errbuf.
 */
struct central *central_new(const struct central_cfg *, struct sqlite3 *db,
    char *errbuf, size_t errlen);
void central_free(struct central *); /* NULL is safe */

/* Central is not configured: remove the triggers and the marks so that
 * the sensor's writes cost nothing more.  0, -1 with errbuf. */
int central_disable(struct sqlite3 *db, char *errbuf, size_t errlen);

/*
 * Start the pusher thread, with its own connection to the sensor's
 * database (from here on the store's handle given to central_new() is
 * not used).  Call it after privileges are dropped: the thread, its
 * SQLite and libpq connections are the sensor user's.  0, -1 with
 * errbuf.
 */
int central_start(struct central *, char *errbuf, size_t errlen);

/*
 * After a flush (the capture thread): tell the pusher thread, which
 * pushes what is marked within central.timeout, unless it is backing
 * off after a failure or push_interval has not passed.  Never waits for
 * the push.  With force (the last flush) the thread pushes once more
 * regardless of the backoff and ends; this call waits for it, at most
 * central.timeout (and a second).  Returns 1 when marks remained at the
 * last push the thread finished, else 0.
 */
int central_push(struct central *, int force);

/* Rows still marked (as of the last push or setup). */
uint64_t central_pending(struct central *);

/* Prometheus lines (otzone_central_*).  These three read what the
 * pusher thread published, under its mutex: safe from the capture
 * thread at any time, never waiting for a push. */
void central_metrics(struct central *, FILE *);
/* JSON object {"url", "up", "pending", "pushed", "pushes", "errors",
 * "last_push", "last_error"} for /healthz. */
void central_health_json(struct central *, FILE *);

/*
 * Read side: build a site database at site_path (which must not exist)
 * from every sensor in the PostgreSQL database at url, through a
 * per-sensor SQLite copy in tmpdir and store_merge().  0, or -1
 * with errbuf.
 */
int central_pull(const char *url, const char *site_path, const char *tmpdir,
    char *errbuf, size_t errlen);

/*
 * For main.c: cmd is a read command (assets, flows, zones, check,
 * report) and *db a postgresql:// URL: pull into a temporary site
 * database and point *db at it.  Returns 0, or the exit status (2) after
 * an "otzone: ..." message.  central_cli_end(db) removes it again (a
 * no-op for any other path).
 */
int central_cli_begin(const char *cmd, const char **db);
void central_cli_end(const char *db);
/* The URL (without password) while such a copy is in use, else NULL. */
const char *central_cli_label(void);

/* Low-level helpers, exposed for the unit tests. */
/* Append v to buf as a COPY text-format field (escaped).  Returns the
 * bytes written, or 0 when it does not fit (buf untouched beyond o). */
size_t central_copy_escape(char *buf, size_t len, const char *v, size_t vlen);
/* Undo the escaping of one COPY text field in place; returns its new
 * length. */
size_t central_copy_unescape(char *s, size_t len);

#endif

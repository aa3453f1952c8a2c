/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * httpapi.h: the daemon's read-only HTTP API on libevent's evhttp.
 *
 *   GET /api/assets      the same JSON as `otzone assets --format json`
 *   GET /api/flows       the same JSON as `otzone flows --format json`
 *   GET /api/zones       the last zone proposal (analysis timer)
 *   GET /api/violations  the last policy check (analysis timer)
 *   GET /metrics         Prometheus text format
 *   GET /healthz         {"status": "ok", ...}
 *
 * GET only; anything else is refused, and nothing here changes the
 * sensor's state.  Request size, per-connection time and the number of
 * connections are bounded.  When a token is configured, every request
 * needs "Authorization: Bearer <token>" (compared in constant time).
 * Internal to sensor/.
 */
#ifndef OTZ_HTTPAPI_H
#define OTZ_HTTPAPI_H

#include <stdint.h>
#include <stdio.h>

struct event_base;
struct store;

struct httpapi_cfg {
	const char *listen; /* literal address */
	uint16_t port;
	const char *token;  /* "" or NULL: none */
	uint32_t max_connections;
	uint32_t max_request; /* bytes of request line + headers */
	uint32_t timeout;     /* seconds: read/write; 3x: a connection's
			       * whole life */
};

/* Return codes of the zones/violations hooks. */
#define HTTPAPI_OK 0
#define HTTPAPI_ERROR (-1)	   /* errbuf says why: 500 */
#define HTTPAPI_UNAVAILABLE (-2) /* not (yet) available: 503 */

/* What the API reads, provided by the daemon.  Each writes its body to
 * the FILE (an open_memstream). */
struct httpapi_hooks {
	void *arg;
	/* The database to read assets and flows from (borrowed). */
	struct store *(*store)(void *arg);
	/* Changes after each successful flush: cached bodies are reused
	 * while it stays the same. */
	uint64_t (*generation)(void *arg);
	void (*metrics)(void *arg, FILE *);
	/* Returns 1 healthy (200), 0 degraded (503). */
	int (*health)(void *arg, FILE *);
	int (*zones)(void *arg, FILE *, char *errbuf, size_t errlen);
	int (*violations)(void *arg, FILE *, char *errbuf, size_t errlen);
};

struct httpapi_stats {
	uint64_t requests, unauthorized, not_found, errors;
	uint64_t conns_accepted, conns_refused, conns_expired;
	uint32_t conns_open;
};

struct httpapi;

/* Bind and serve on base.  NULL with errbuf on failure (address in use,
 * a non-loopback address without a token). */
struct httpapi *httpapi_new(struct event_base *base,
    const struct httpapi_cfg *, const struct httpapi_hooks *, char *errbuf,
    size_t errlen);
void httpapi_free(struct httpapi *); /* NULL is safe */
void httpapi_stats(const struct httpapi *, struct httpapi_stats *);

/* 1 when the two strings are equal; time independent of where they
 * differ and of their lengths (both are hashed first). */
int httpapi_token_equal(const char *a, const char *b);

#endif

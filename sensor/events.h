/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * events.h: the change events of store/events.h written out: an NDJSON
 * file (one JSON object per line, Elastic Common Schema names where ECS
 * has a field, otzone.* for the rest), rotated by size and reopened on
 * SIGHUP, and RFC 5424 syslog over UDP or TCP (RFC 6587 octet counting)
 * through a bounded queue on a non-blocking socket that never blocks the
 * caller.  docs/events.md describes the fields.  Internal to sensor/.
 */
#ifndef OTZ_SENSOR_EVENTS_H
#define OTZ_SENSOR_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../store/events.h"

#define EVENTS_MAX_BYTES_DEFAULT (100u << 20) /* rotate past 100 MiB */
#define EVENTS_KEEP_DEFAULT 5u		      /* rotated files kept */
/* Syslog queue: messages waiting for the collector; more are dropped
 * (counted), never waited for. */
#define EVENTS_SYSLOG_QUEUE_MAX 4096u
#define EVENTS_SYSLOG_QUEUE_BYTES (8u << 20)
#define EVENTS_SYSLOG_BACKOFF_MAX_MS 60000u /* reconnect backoff cap */

struct events_cfg {
	const char *file;     /* NDJSON path, NULL or "" none */
	uint64_t max_bytes;   /* rotate when a line would pass it; 0 never */
	uint32_t keep;	      /* events.ndjson.1 .. .keep */
	const char *observer; /* observer.name */
	const char *syslog_host; /* NULL or "" none */
	uint16_t syslog_port;
	int syslog_tcp;	      /* 0 UDP, 1 TCP */
	int facility;	      /* 0..23 */
};

struct events_stats {
	uint64_t emitted;	  /* events given to events_emit */
	uint64_t written;	  /* lines written to the file */
	uint64_t write_errors;	  /* lines the file refused */
	uint64_t rotations;
	uint64_t syslog_sent;	  /* messages handed to the socket */
	uint64_t syslog_dropped;  /* queue full or send failed */
	uint64_t syslog_queued;	  /* waiting now */
	uint64_t syslog_connects; /* TCP connections made */
};

struct events_out;

/* Open the file (append) and the syslog socket (the collector's address
 * is resolved here, once).  NULL with errbuf on failure. */
struct events_out *events_open(const struct events_cfg *, char *errbuf,
    size_t errlen);
void events_close(struct events_out *); /* NULL is safe */

/* Write and queue n events; then one non-blocking send attempt.  Returns
 * 0, or -1 when a line could not be written (counted; the others are). */
int events_emit(struct events_out *, const struct store_event *, size_t n);

/* Reopen the file at its path (after logrotate moved it). 0 / -1. */
int events_reopen(struct events_out *, char *errbuf, size_t errlen);

/* Send what the socket takes now (non-blocking); reconnect when due. */
void events_pump(struct events_out *);
/* Pump until the queue is empty or timeout_ms passed (for `otzone read`
 * at exit).  Returns the messages still queued (then dropped). */
uint64_t events_drain(struct events_out *, int timeout_ms);

void events_get_stats(const struct events_out *, struct events_stats *);

/* One event as its JSON line (no newline) into f. */
void events_json(FILE *f, const struct store_event *, const char *observer);

/* Parse "udp://HOST:PORT", "tcp://HOST:PORT" or "HOST:PORT" (UDP) into
 * cfg's syslog fields; host points into buf (size len).  0 / -1. */
int events_parse_target(const char *s, char *buf, size_t len,
    struct events_cfg *cfg);
/* Facility name ("local0", "daemon", ...) or number to 0..23; -1 bad. */
int events_facility(const char *s);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * events.h: change events, "the current graph against what was known
 * before" (IEC 62443-3-3 SR 6.2 continuous monitoring; docs/events.md).
 *
 * Detection runs inside the flush's transaction (store_flush_events),
 * after BEGIN and before the writes, so "before" is exactly what the
 * database held until this flush: a dirty asset whose row does not exist
 * is new, an identity field whose stored value differs has changed, a
 * dirty edge whose flow row does not exist is a new flow.  Zone pairs and
 * (zone pair, class) already seen are kept in memory, computed once from
 * the stored flows whenever the zone map changes.  Findings are compared
 * with the stored violations before a check replaces them.
 *
 * The events are plain data; sensor/events.c writes them as NDJSON and
 * syslog.  No clock here: @timestamp is the evidence's packet time, so an
 * offline run gives the same events every time.
 */
#ifndef OTZ_EVENTS_H
#define OTZ_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "store.h"

/* Events kept per flush (or per check); past it, one events-suppressed
 * record says how many more there were. */
#define STORE_EVENTS_MAX_PER_FLUSH 1000u
/* Identity fields compared (vendor, product, model, firmware, hardware,
 * serial, name). */
#define STORE_EVENT_MAX_CHANGES 7

enum store_event_type {
	SEV_NEW_ASSET = 0,
	SEV_IDENTITY_CHANGED,
	SEV_NEW_ZONE_FLOW,
	SEV_NEW_CONDUIT,
	SEV_FIRST_CLASS,
	SEV_NEW_FINDING,
	SEV_CAPTURE_DROPS,
	SEV_SUPPRESSED,
	SEV_N
};

/* The stable type name ("new-asset", ...). */
const char *store_event_type_name(int type);

struct store_event_asset {
	int present;
	char ip[48];
	uint16_t vlan;
	char mac[18]; /* the first MAC it sent from, "" unknown */
	char vendor[64], product[64], model[64], firmware[32], serial[64];
	char name[64];
};

struct store_event_change {
	const char *field; /* "firmware", ... (static) */
	char old_value[64], new_value[64];
};

struct store_event {
	int type;		/* enum store_event_type */
	int64_t ts_us;		/* packet time of the evidence, 0 none */
	struct store_event_asset src, dst; /* client / server; src alone
					    * for asset events */
	char zone_from[256], zone_to[256]; /* "" none */
	char transport[8];
	uint16_t port;
	char protocol[32];
	char cls[12];		/* class: first-class and findings */
	char source[256];	/* evidence: capture file or "iface:eth0" */
	uint64_t frame;		/* evidence frame, 0 unknown */
	struct store_event_change changes[STORE_EVENT_MAX_CHANGES];
	int n_changes;
	/* new-finding */
	char rule[32], requirement[24], severity[12];
	int sl_t;
	uint64_t count;
	/* capture-drops */
	uint64_t drops, packets, threshold;
	/* events-suppressed */
	uint64_t suppressed;
};

struct store_events;

struct store_events *store_events_new(void); /* NULL: out of memory */
void store_events_free(struct store_events *); /* NULL is safe */

/*
 * The zone map used for zone events.  A policy (borrowed: call again after
 * it changes) wins; without one, the latest stored zone proposal; with
 * neither, zone events are not produced.  When the map differs from the
 * one in use, the zone pairs and classes already stored are recomputed
 * from the database (no events for them).  0, or -1 with errbuf.
 */
int store_events_set_policy(struct store_events *, struct store *,
    const struct policy *, char *errbuf, size_t errlen);
int store_events_use_proposal(struct store_events *, struct store *,
    char *errbuf, size_t errlen);
/* 1 when a zone map is in use. */
int store_events_have_zones(const struct store_events *);

/*
 * store_flush() with change detection: on success the events of this
 * flush are available from store_events_get() (sorted by time, type);
 * on failure there are none and nothing is remembered, so a retry sees
 * the same changes again.
 */
int store_flush_events(struct store *, struct graph *, struct store_events *,
    char *errbuf, size_t errlen);

/*
 * New findings: those of res not among the stored violations (the key is
 * rule, client, server, protocol, class and zones).  Call before
 * check_db_save() replaces them.  Replaces the pending events.  0, or -1
 * with errbuf.
 */
int store_events_findings(struct store_events *, struct store *,
    const struct policy *, const struct check_result *, char *errbuf,
    size_t errlen);

/* The events of the last store_flush_events()/store_events_findings();
 * borrowed until the next call. */
const struct store_event *store_events_get(const struct store_events *,
    size_t *n);

#endif

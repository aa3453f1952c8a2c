/* SPDX-License-Identifier: BSD-2-Clause */
/* ingest.h: `otzone read`.  Internal to sensor/. */
#ifndef OTZ_INGEST_H
#define OTZ_INGEST_H

#include "engine.h"

struct ingest_opts {
	const char *db;
	int force;    /* re-read files already ingested */
	int progress; /* show a progress bar on stderr */
	int quiet;    /* no summary line */
	/* change events (docs/events.md): off when both are NULL */
	const char *events;  /* NDJSON file */
	const char *syslog;  /* [udp://|tcp://]HOST:PORT */
	const char *policy;  /* zones and findings from this policy */
	uint64_t events_max_bytes;
	uint32_t events_keep;
	uint32_t drop_threshold; /* drops by caps per flush before an event */
	int syslog_facility;
	struct engine_cfg ecfg;
};

/* Read the files and directories; returns the exit status (0, or 2 when
 * any input or the database failed; what was read is kept). */
int ingest_run(const struct ingest_opts *, char *const *paths, int n);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_merge.c: `otzone merge A.db B.db ... --db SITE.db`: several sensors'
 * databases into one site database (store/merge.c, docs/merge.md).  All
 * inputs in one transaction: on any error the site is left as it was
 * (and not left behind when this run created it).  Exit 0, or 2.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

/* Remove a site database this run created and could not fill. */
static void
remove_new_site(const char *path)
{
	static const char *const sfx[] = {"", "-wal", "-shm", "-journal",
	    NULL};
	char p[4096];
	int i;

	for (i = 0; sfx[i] != NULL; i++) {
		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		(void)unlink(p);
	}
}

int
cmd_merge(const struct cmd_args *a)
{
	struct store_merge_stats *st;
	struct store *site;
	char err[1024];
	int created, rc, i;

	if (a->nargs == 0) {
		fprintf(stderr, "otzone: merge: no database given (otzone "
				"merge A.db B.db ... --db SITE.db)\n");
		return 2;
	}
	if (a->fmt_set || a->policy != NULL || a->output != NULL) {
		fprintf(stderr, "otzone: merge: takes only databases, --db "
				"and --quiet\n");
		return 2;
	}
	st = calloc((size_t)a->nargs, sizeof(*st));
	if (st == NULL) {
		fprintf(stderr, "otzone: out of memory\n");
		return 2;
	}
	created = access(a->db, F_OK) != 0;
	site = store_open(a->db, 0, err, sizeof(err));
	if (site == NULL) {
		fprintf(stderr, "otzone: %s: %s\n", a->db, err);
		free(st);
		if (created)
			remove_new_site(a->db);
		return 2;
	}
	rc = store_merge(site, (const char *const *)a->args, (size_t)a->nargs,
	    st, err, sizeof(err));
	store_close(site);
	if (rc != 0) {
		fprintf(stderr, "otzone: merge: %s\n", err);
		if (created)
			remove_new_site(a->db);
		free(st);
		return 2;
	}
	for (i = 0; i < a->nargs && !a->quiet; i++)
		fprintf(stderr,
		    "otzone: merged %s: sensor %s%s: %" PRIu64 " assets (%" PRIu64
		    " new), %" PRIu64 " flows (%" PRIu64 " new, %" PRIu64
		    " counted once with another sensor's), %" PRIu64
		    " sources\n",
		    a->args[i], st[i].sensor_name,
		    st[i].replaced ? " (replaces its earlier merge)" : "",
		    st[i].assets, st[i].assets_new, st[i].flows,
		    st[i].flows_new, st[i].flows_dedup, st[i].sources);
	free(st);
	return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd.h: the analysis commands' entry points.  Internal to sensor/. */
#ifndef OTZ_CMD_H
#define OTZ_CMD_H

#include <stdio.h>

#include "output.h"

struct cmd_args {
	const char *db;	    /* database path */
	const char *db_label; /* shown for it in reports; NULL: db (a
			       * central store's URL, db then a temporary
			       * copy) */
	enum out_format fmt; /* table, json, csv, dot, svg */
	int fmt_set;	    /* --format given */
	int emit_policy;    /* zones --emit-policy */
	const char *policy; /* --policy FILE */
	const char *output; /* -o FILE */
	char **args;	    /* remaining arguments */
	int nargs;
	int quiet; /* --quiet */
};

struct policy;
struct check_result;
/* The JSON of `otzone check --format json` (also /api/violations). */
void check_json(FILE *f, const char *policy_path, const struct policy *,
    const struct check_result *);

/* Each returns the exit status: 0 ok, 1 findings (check), 2 error. */
int cmd_zones(const struct cmd_args *);
int cmd_check(const struct cmd_args *);
int cmd_report(const struct cmd_args *);
/* merge A.db B.db ... into the site database db: 0 or 2. */
int cmd_merge(const struct cmd_args *);
/* The daemon: the whole argv (options may stand before or after the word
 * "sensor": -c CONF, -i IFACE, --db PATH ...). */
int cmd_sensor(int argc, char **argv);

#endif

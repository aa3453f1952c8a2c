/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * main.c: the otzone command line.  Errors are one line on stderr,
 * "otzone: <what>: <why>", and exit status 2.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "central.h"
#include "cmd.h"
#include "events.h"
#include "help.h"
#include "ingest.h"
#include "output.h"

#define OTZONE_VERSION "0.1.0"

struct opts {
	int want_help; /* --help, -h */
	const char *db;
	enum out_format fmt;
	int fmt_set;
	int force, quiet, progress;
	int emit_policy;
	const char *policy, *output;
	const char *sensor_name; /* read --sensor NAME */
	const char *events, *syslog; /* read: change events */
	uint64_t events_max_bytes;
	uint32_t events_keep, drop_threshold;
	struct engine_cfg ecfg;
	char **args;
	int nargs;
};

static const char usage_text[] =
    "usage: otzone [--db PATH] COMMAND [options] [args]\n"
    "\n"
    "commands:\n"
    "  read FILE|DIR ...   ingest pcap/pcapng captures (--force re-reads)\n"
    "  assets              the asset inventory\n"
    "  flows               communication flows with their operations\n"
    "  zones               proposed IEC 62443 zones and conduits\n"
    "                      (--format table|json|dot|svg, --emit-policy)\n"
    "  check --policy FILE flows that break a zone/conduit policy\n"
    "                      (exit 0 none, 1 findings, 2 error)\n"
    "  report --policy FILE -o FILE.html   self-contained HTML report\n"
    "  merge A.db B.db ... --db SITE.db   several sensors' databases into\n"
    "                      one site database (zones, check... work on it)\n"
    "  sensor [-c CONF] [-i IFACE] [--db PATH]   the capture daemon\n"
    "  help [COMMAND]      this text, or COMMAND's options\n"
    "\n"
    "options:\n"
    "  --db PATH           database (default otzone.db)\n"
    "  --format FMT        table (default), json or csv\n"
    "  --force             read captures already ingested again\n"
    "  --sensor NAME       read: name this database's sensor (merge)\n"
    "  --quiet             no progress bar and no summary line\n"
    "  --max-conns N       connection table cap (default 262144)\n"
    "  --max-assets N      asset cap (default 262144)\n"
    "  --reasm-bytes N     TCP reassembly bytes per direction (65536)\n"
    "  --events FILE       read: write change events (NDJSON) to FILE\n"
    "  --syslog [udp://|tcp://]HOST:PORT   read: send them as syslog\n"
    "  --events-max-bytes N, --events-keep N   rotation of --events\n"
    "  --drop-threshold N  read: drops by caps per flush before an event\n"
    "  --no-dedup          count a packet seen twice within 1 ms twice\n"
    "                      (default: a SPAN copy, counted once)\n"
    "  --version           print the version\n";

static int __attribute__((format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "otzone: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(run 'otzone help' for usage)\n");
	return 2;
}

static int
parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || s[0] == '\0' || s[0] == '-' ||
	    v == 0 || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int
parse_format(const char *s, enum out_format *f)
{
	if (strcmp(s, "table") == 0)
		*f = OUT_TABLE;
	else if (strcmp(s, "json") == 0)
		*f = OUT_JSON;
	else if (strcmp(s, "csv") == 0)
		*f = OUT_CSV;
	else if (strcmp(s, "dot") == 0)
		*f = OUT_DOT;
	else if (strcmp(s, "svg") == 0)
		*f = OUT_SVG;
	else
		return -1;
	return 0;
}

/* Options may come before or after the command. */
static int
parse_args(int argc, char **argv, struct opts *o, const char **cmd)
{
	int i;

	*cmd = NULL;
	o->args = calloc((size_t)argc + 1, sizeof(char *));
	if (o->args == NULL)
		return -1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;

#define NEEDVAL()                                                           \
	do {                                                                \
		if (i + 1 >= argc)                                          \
			return usage_error("%s needs a value", a), -1;      \
		val = argv[++i];                                            \
	} while (0)
		if (strcmp(a, "--") == 0) {
			for (i++; i < argc; i++)
				o->args[o->nargs++] = argv[i];
			break;
		} else if (strcmp(a, "--db") == 0) {
			NEEDVAL();
			o->db = val;
		} else if (strcmp(a, "--format") == 0 || strcmp(a, "-f") == 0) {
			NEEDVAL();
			if (parse_format(val, &o->fmt) != 0)
				return usage_error("unknown format '%s' "
						   "(table, json, csv, dot, svg)",
					   val),
				       -1;
			o->fmt_set = 1;
		} else if (strcmp(a, "--policy") == 0) {
			NEEDVAL();
			o->policy = val;
		} else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
			NEEDVAL();
			o->output = val;
		} else if (strcmp(a, "--events") == 0) {
			NEEDVAL();
			o->events = val;
		} else if (strcmp(a, "--syslog") == 0) {
			NEEDVAL();
			o->syslog = val;
		} else if (strcmp(a, "--events-max-bytes") == 0) {
			uint32_t v;

			NEEDVAL();
			if (parse_u32(val, &v) != 0)
				return usage_error("bad --events-max-bytes "
						   "'%s'", val),
				       -1;
			o->events_max_bytes = v;
		} else if (strcmp(a, "--events-keep") == 0) {
			NEEDVAL();
			if (parse_u32(val, &o->events_keep) != 0 ||
			    o->events_keep > 1000)
				return usage_error("bad --events-keep '%s' "
						   "(1 to 1000)", val),
				       -1;
		} else if (strcmp(a, "--drop-threshold") == 0) {
			NEEDVAL();
			if (strcmp(val, "0") != 0 &&
			    parse_u32(val, &o->drop_threshold) != 0)
				return usage_error("bad --drop-threshold '%s'",
					   val),
				       -1;
		} else if (strcmp(a, "--sensor") == 0) {
			NEEDVAL();
			o->sensor_name = val;
		} else if (strcmp(a, "--emit-policy") == 0) {
			o->emit_policy = 1;
		} else if (strcmp(a, "--no-dedup") == 0) {
			o->ecfg.no_dedup = 1;
		} else if (strcmp(a, "--force") == 0) {
			o->force = 1;
		} else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
			o->quiet = 1;
		} else if (strcmp(a, "--max-conns") == 0) {
			NEEDVAL();
			if (parse_u32(val, &o->ecfg.max_conns) != 0)
				return usage_error("bad --max-conns '%s'", val),
				       -1;
		} else if (strcmp(a, "--max-assets") == 0) {
			NEEDVAL();
			if (parse_u32(val, &o->ecfg.graph.max_assets) != 0)
				return usage_error("bad --max-assets '%s'",
					   val),
				       -1;
		} else if (strcmp(a, "--reasm-bytes") == 0) {
			NEEDVAL();
			if (parse_u32(val, &o->ecfg.reasm_bytes) != 0 ||
			    o->ecfg.reasm_bytes < 1024)
				return usage_error("bad --reasm-bytes '%s' "
						   "(at least 1024)",
					   val),
				       -1;
		} else if (strcmp(a, "--version") == 0) {
			*cmd = "version";
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			o->want_help = 1;
		} else if (a[0] == '-' && a[1] != '\0') {
			return usage_error("unknown option '%s'", a), -1;
		} else if (*cmd == NULL) {
			*cmd = a;
		} else {
			o->args[o->nargs++] = argv[i];
		}
#undef NEEDVAL
	}
	return 0;
}

static int
load_and_print(struct opts *o, int what)
{
	struct store *st;
	struct st_asset *as = NULL;
	struct st_flow *fs = NULL;
	size_t na = 0, nf = 0;
	char err[512];
	int rc = 0;

	if (access(o->db, F_OK) != 0) {
		fprintf(stderr, "otzone: %s: no such database (run 'otzone "
				"read' first)\n", o->db);
		return 2;
	}
	st = store_open(o->db, 1, err, sizeof(err));
	if (st == NULL) {
		fprintf(stderr, "otzone: %s: %s\n", o->db, err);
		return 2;
	}
	if (store_load_flows(st, &fs, &nf, err, sizeof(err)) != 0 ||
	    (what == 0 &&
		store_load_assets(st, &as, &na, err, sizeof(err)) != 0)) {
		fprintf(stderr, "otzone: %s: %s\n", o->db, err);
		rc = 2;
		goto out;
	}
	if ((o->fmt == OUT_DOT || o->fmt == OUT_SVG)) {
		fprintf(stderr, "otzone: %s: --format dot and svg are for "
				"zones\n", what == 0 ? "assets" : "flows");
		rc = 2;
		goto out;
	}
	if (what == 0) {
		if (output_prepare_assets(as, na, fs, nf) != 0) {
			fprintf(stderr, "otzone: out of memory\n");
			rc = 2;
			goto out;
		}
		output_assets(stdout, o->fmt, as, na);
	} else {
		output_flows(stdout, o->fmt, fs, nf);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "otzone: stdout: %s\n", strerror(errno));
		rc = 2;
	}
out:
	free(as);
	store_free_flows(fs, nf);
	store_close(st);
	return rc;
}

/*
 * Before `read`: never into a merged site database, and --sensor names
 * the database's sensor (kept in its meta table for `otzone merge`).
 */
static int
read_prepare(const struct opts *o)
{
	struct store *st;
	char err[512];
	int rc = 0;

	if (o->sensor_name == NULL && access(o->db, F_OK) != 0)
		return 0; /* a new database: nothing to check */
	st = store_open(o->db, 0, err, sizeof(err));
	if (st == NULL) {
		fprintf(stderr, "otzone: %s: %s\n", o->db, err);
		return 2;
	}
	if (store_is_site(st)) {
		fprintf(stderr, "otzone: %s: %s\n", o->db, STORE_SITE_REFUSAL);
		rc = 2;
	} else if (o->sensor_name != NULL &&
	    store_set_sensor_name(st, o->sensor_name, err, sizeof(err)) != 0) {
		fprintf(stderr, "otzone: --sensor: %s\n", err);
		rc = 2;
	}
	store_close(st);
	return rc;
}

int
main(int argc, char **argv)
{
	struct opts o;
	const char *cmd;
	int rc;

	memset(&o, 0, sizeof(o));
	o.db = "otzone.db";
	/* The daemon parses its own options (-c, -i, --db ...). */
	for (rc = 1; rc < argc; rc++) {
		if (strcmp(argv[rc], "sensor") == 0)
			return cmd_sensor(argc, argv);
		if (argv[rc][0] != '-')
			break;
		if (strcmp(argv[rc], "--db") == 0)
			rc++;
	}
	if (parse_args(argc, argv, &o, &cmd) != 0) {
		free(o.args);
		return 2;
	}
	if (o.want_help && cmd != NULL && strcmp(cmd, "help") != 0) {
		/* otzone COMMAND --help */
		o.args[0] = (char *)cmd;
		o.nargs = 1;
		cmd = "help";
	}
	if (cmd == NULL && o.want_help)
		cmd = "help";
	if (cmd == NULL || strcmp(cmd, "help") == 0) {
		rc = 0;
		if (cmd == NULL || o.nargs == 0) {
			fputs(usage_text, cmd ? stdout : stderr);
			rc = cmd ? 0 : 2;
		} else if (o.nargs > 1) {
			rc = usage_error("%s", "help: one command at a time");
		} else if (help_print(stdout, o.args[0]) != 0) {
			fprintf(stderr, "otzone: help: no command '%s' "
					"(commands: ", o.args[0]);
			help_commands(stderr);
			fprintf(stderr, ")\n");
			rc = 2;
		}
		free(o.args);
		return rc;
	}
	/* --db postgresql://...: the read commands run on a temporary site
	 * database pulled from the central store (sensor/central.c) */
	if (central_is_url(o.db) && (rc = central_cli_begin(cmd, &o.db)) != 0) {
		free(o.args);
		return rc;
	}
	if (strcmp(cmd, "version") == 0) {
		printf("otzone %s\n", OTZONE_VERSION);
		rc = 0;
	} else if (strcmp(cmd, "read") == 0) {
		struct ingest_opts io;

		if (o.nargs == 0) {
			free(o.args);
			return usage_error("%s", "read: no capture given");
		}
		if ((rc = read_prepare(&o)) != 0) {
			free(o.args);
			return rc;
		}
		memset(&io, 0, sizeof(io));
		io.db = o.db;
		io.force = o.force;
		io.quiet = o.quiet;
		io.progress = !o.quiet && isatty(STDERR_FILENO);
		io.ecfg = o.ecfg;
		io.events = o.events;
		io.syslog = o.syslog;
		io.policy = o.policy;
		io.events_max_bytes = o.events_max_bytes
		    ? o.events_max_bytes : EVENTS_MAX_BYTES_DEFAULT;
		io.events_keep = o.events_keep ? o.events_keep
					       : EVENTS_KEEP_DEFAULT;
		io.drop_threshold = o.drop_threshold;
		io.syslog_facility = 16; /* local0 */
		rc = ingest_run(&io, o.args, o.nargs);
	} else if (strcmp(cmd, "zones") == 0 || strcmp(cmd, "check") == 0 ||
	    strcmp(cmd, "report") == 0) {
		struct cmd_args ca;

		memset(&ca, 0, sizeof(ca));
		ca.db = o.db;
		ca.db_label = central_cli_label();
		ca.fmt = o.fmt;
		ca.fmt_set = o.fmt_set;
		ca.emit_policy = o.emit_policy;
		ca.policy = o.policy;
		ca.output = o.output;
		ca.args = o.args;
		ca.nargs = o.nargs;
		if (cmd[0] == 'z')
			rc = cmd_zones(&ca);
		else if (cmd[0] == 'c')
			rc = cmd_check(&ca);
		else
			rc = cmd_report(&ca);
	} else if (strcmp(cmd, "merge") == 0) {
		struct cmd_args ca;

		memset(&ca, 0, sizeof(ca));
		ca.db = o.db;
		ca.fmt_set = o.fmt_set;
		ca.policy = o.policy;
		ca.output = o.output;
		ca.args = o.args;
		ca.nargs = o.nargs;
		ca.quiet = o.quiet;
		rc = cmd_merge(&ca);
	} else if (strcmp(cmd, "assets") == 0) {
		rc = load_and_print(&o, 0);
	} else if (strcmp(cmd, "flows") == 0) {
		rc = load_and_print(&o, 1);
	} else {
		rc = usage_error("unknown command '%s'", cmd);
	}
	central_cli_end(o.db);
	free(o.args);
	return rc;
}

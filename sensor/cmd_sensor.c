/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_sensor.c: `otzone sensor`, the command line of the capture daemon.
 *
 *   otzone [--db PATH] sensor [-c CONF] [-i IFACE]... [--db PATH]
 *          [--filter EXPR] [--check-config]
 *
 * Options may stand before or after the word "sensor".  The
 * configuration file (default /etc/otzone/otzone.conf; when that file
 * does not exist and no -c was given, the built-in defaults) is read
 * first; the command line overrides it.  The same overrides apply again
 * when SIGHUP re-reads the file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "daemon.h"
#include "help.h"

struct sensor_opts {
	const char *conf; /* NULL: the default, if it exists */
	int conf_given;
	const char *db;
	const char *filter;
	char *ifaces[CONFIG_MAX_IFACES];
	size_t n_ifaces;
	int check_only;
	char *running_token; /* the API token in use (reload keeps it) */
};

static int
usage_err(const char *what, const char *arg)
{
	fprintf(stderr, "otzone: sensor: %s%s%s%s\n(run 'otzone sensor "
			"--help' for usage)\n",
	    what, arg ? " '" : "", arg ? arg : "", arg ? "'" : "");
	return 2;
}

static int
parse(int argc, char **argv, struct sensor_opts *o)
{
	int i, seen_cmd = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

#define VAL()                                                               \
	do {                                                                \
		if (v == NULL)                                              \
			return usage_err("option needs a value:", a);       \
		i++;                                                        \
	} while (0)
		if (strcmp(a, "sensor") == 0 && !seen_cmd) {
			seen_cmd = 1;
		} else if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
			VAL();
			o->conf = v;
			o->conf_given = 1;
		} else if (strcmp(a, "-i") == 0 ||
		    strcmp(a, "--interface") == 0) {
			VAL();
			if (o->n_ifaces >= CONFIG_MAX_IFACES)
				return usage_err("too many interfaces", NULL);
			if (v[0] == '\0' || strlen(v) >= 16)
				return usage_err("bad interface name", v);
			o->ifaces[o->n_ifaces++] = (char *)(uintptr_t)v;
		} else if (strcmp(a, "--db") == 0) {
			VAL();
			o->db = v;
		} else if (strcmp(a, "--filter") == 0) {
			VAL();
			o->filter = v;
		} else if (strcmp(a, "--check-config") == 0) {
			o->check_only = 1;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			help_print(stdout, "sensor");
			return 1;
		} else if (a[0] == '-') {
			return usage_err("unknown option", a);
		} else {
			return usage_err("unexpected argument", a);
		}
#undef VAL
	}
	return 0;
}

/* File, then command line, then the checks.  0, or 2 after a message. */
static int
build_config(struct sensor_opts *o, struct sensor_config *cfg, int reload,
    char *errbuf, size_t errlen)
{
	const char *path = o->conf ? o->conf : CONFIG_PATH_DEFAULT;

	if (o->conf_given || access(path, F_OK) == 0 || errno != ENOENT) {
		if (config_load(cfg, path, errbuf, errlen) != 0)
			return -1;
	}
	if ((o->db != NULL && config_set_str(&cfg->database, o->db) != 0) ||
	    (o->filter != NULL &&
		config_set_str(&cfg->filter, o->filter) != 0) ||
	    (o->n_ifaces > 0 &&
		config_set_ifaces(cfg, o->ifaces, o->n_ifaces) != 0)) {
		snprintf(errbuf, errlen, "out of memory");
		return -1;
	}
	if (reload && cfg->api_token_file[0] != '\0') {
		/* the API is not rebound on reload, and the token file may
		 * be readable only by root: keep the running token */
		config_set_str(&cfg->api_token_file, "");
		config_set_str(&cfg->api_token,
		    o->running_token ? o->running_token : "");
	}
	return config_validate(cfg, errbuf, errlen);
}

static int
reload_cb(void *arg, struct sensor_config *out, char *errbuf, size_t errlen)
{
	return build_config(arg, out, 1, errbuf, errlen);
}

int
cmd_sensor(int argc, char **argv)
{
	struct sensor_opts o;
	struct sensor_config cfg;
	char err[768];
	int rc;

	memset(&o, 0, sizeof(o));
	rc = parse(argc, argv, &o);
	if (rc != 0)
		return rc == 1 ? 0 : rc;
	if (config_defaults(&cfg) != 0) {
		fprintf(stderr, "otzone: sensor: out of memory\n");
		return 2;
	}
	if (build_config(&o, &cfg, 0, err, sizeof(err)) != 0) {
		fprintf(stderr, "otzone: %s\n", err);
		config_free(&cfg);
		return 2;
	}
	if (o.check_only) {
		printf("otzone: %s: configuration ok\n",
		    o.conf ? o.conf
			   : (access(CONFIG_PATH_DEFAULT, F_OK) == 0
				     ? CONFIG_PATH_DEFAULT
				     : "(built-in defaults)"));
		config_free(&cfg);
		return 0;
	}
	o.running_token = cfg.api_token;
	rc = daemon_run(&cfg, reload_cb, &o);
	config_free(&cfg);
	return rc;
}

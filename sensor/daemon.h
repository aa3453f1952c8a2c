/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * daemon.h: `otzone sensor`, the capture daemon: live capture on one or
 * more interfaces (libpcap, non-blocking, on a libevent 2 loop), the
 * periodic flush to SQLite, the analysis timer, the HTTP API, signals
 * (SIGTERM/SIGINT flush and exit 0, SIGHUP reload), the privilege drop
 * and sd_notify.  Internal to sensor/.
 */
#ifndef OTZ_DAEMON_H
#define OTZ_DAEMON_H

#include <stddef.h>

#include "config.h"

/*
 * Reads the configuration again for SIGHUP: fills out (already holding
 * the defaults) from the file and the command line's overrides.  0 ok,
 * -1 with errbuf.
 */
typedef int (*daemon_reload_fn)(void *arg, struct sensor_config *out,
    char *errbuf, size_t errlen);

/*
 * Run until SIGTERM or SIGINT.  cfg is validated (config_validate) and
 * borrowed.  Returns the exit status: 0 after a clean stop (everything
 * flushed), 2 when setting up failed or the last flush did not succeed.
 */
int daemon_run(const struct sensor_config *cfg, daemon_reload_fn reload,
    void *reload_arg);

/* One-line log records on stderr (journald adds the rest). */
void sensor_log_level(enum config_log);
void sensor_log(enum config_log, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif

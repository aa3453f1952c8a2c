/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config.h: the sensor daemon's configuration (etc/otzone.conf, YAML,
 * parsed with libyaml).  Every key has a built-in default; an unknown
 * key, a duplicate key or a value out of range is an error that names
 * the file, line and column.  Internal to sensor/.
 */
#ifndef OTZ_CONFIG_H
#define OTZ_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONFIG_PATH_DEFAULT "/etc/otzone/otzone.conf"
#define CONFIG_MAX_IFACES 16u
#define CONFIG_MAX_BYTES (1u << 20) /* a configuration file is small */

enum config_log { CONFIG_LOG_ERROR = 0, CONFIG_LOG_WARNING, CONFIG_LOG_INFO,
	CONFIG_LOG_DEBUG };

struct sensor_config {
	/* capture: */
	char *ifaces[CONFIG_MAX_IFACES];
	size_t n_ifaces;
	char *filter;		/* BPF expression, "" none */
	uint32_t snaplen;	/* bytes kept per packet */
	int promisc;		/* promiscuous mode */
	uint32_t buffer_mb;	/* kernel ring buffer per interface, MiB */
	uint32_t batch;		/* packets per wakeup per interface */
	uint32_t timeout_ms;	/* pcap read timeout (block retire) */
	/* top level: */
	char *database;
	uint32_t flush_interval;    /* seconds */
	uint32_t analysis_interval; /* seconds */
	uint32_t stats_keep;	    /* interval rows kept in the database */
	char *policy;		    /* "" none */
	char *user;		    /* to drop to when started as root */
	enum config_log log_level;
	/* api: */
	int api_enabled;
	char *api_listen;	/* a literal IPv4 or IPv6 address */
	uint32_t api_port;
	char *api_token;	/* "" none (loopback only) */
	char *api_token_file;	/* read at startup, "" none */
	uint32_t api_max_connections;
	uint32_t api_max_request;	/* bytes of request line + headers */
	uint32_t api_timeout;		/* seconds, per read and write */
	/* limits: */
	uint32_t max_conns, max_assets, max_edges, reasm_bytes;
	uint32_t tcp_timeout, udp_timeout; /* seconds */
	int dedup;
	/* name: observer.name of the events, stored as the sensor's name */
	char *name; /* "" the host name */
	/* events: (sensor/events.c, docs/events.md) */
	char *events_file;	  /* NDJSON, "" none */
	uint32_t events_max_bytes; /* rotate past this size */
	uint32_t events_keep;	  /* rotated files kept */
	uint32_t events_drop_threshold; /* drops per flush before an event */
	char *syslog_host;	  /* "" none */
	uint32_t syslog_port;
	char *syslog_transport;	  /* "udp" or "tcp" */
	char *syslog_facility;	  /* "local0", ... */
	/* central: (PostgreSQL, sensor/central.c) */
	char *central_url;	     /* "" off */
	char *central_password_file; /* "" none */
	uint32_t central_timeout;    /* seconds: connect, and each push */
	uint32_t central_push_interval; /* seconds, 0 every flush */
	uint32_t central_retry_max;  /* seconds between failed tries, at most */
	uint32_t central_batch;	     /* rows per PostgreSQL transaction */
};

/* Fill cfg with the built-in defaults (allocates; config_free()). 0 ok,
 * -1 out of memory. */
int config_defaults(struct sensor_config *cfg);

/*
 * Read path over the values already in cfg (normally the defaults).  On
 * error returns -1 with "PATH:LINE:COL: why" (or "PATH: why") in errbuf;
 * cfg may then hold a mix and should be freed.
 */
int config_load(struct sensor_config *cfg, const char *path, char *errbuf,
    size_t errlen);

/* Same, from a string (tests); name is used in messages. */
int config_load_string(struct sensor_config *cfg, const char *name,
    const char *text, size_t len, char *errbuf, size_t errlen);

/*
 * Checks across keys (the API's token rule, interfaces present, ...) and
 * reads api.token_file.  0 ok, -1 with errbuf.
 */
int config_validate(struct sensor_config *cfg, char *errbuf, size_t errlen);

/* Replace a string field (command-line overrides).  0, -1 no memory. */
int config_set_str(char **field, const char *value);

/* Set the interface list to the given names. 0, -1 (too many / memory). */
int config_set_ifaces(struct sensor_config *cfg, char *const *names,
    size_t n);

/* A deep copy of src into dst.  0, -1 out of memory (dst then freed). */
int config_copy(struct sensor_config *dst, const struct sensor_config *src);

/* 1 when addr is a literal loopback address (127.0.0.0/8, ::1). */
int config_addr_is_loopback(const char *addr);

const char *config_log_name(enum config_log);

void config_free(struct sensor_config *cfg);

#endif

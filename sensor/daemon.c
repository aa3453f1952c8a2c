/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * daemon.c: the capture daemon (see daemon.h).
 *
 * One thread, one libevent loop:
 *  - each interface is a pcap handle in non-blocking mode; its selectable
 *    fd wakes the loop and pcap_dispatch() takes at most capture.batch
 *    packets, so no interface, timer or API client starves the others;
 *  - the flush timer pushes open connections' counters into the graph
 *    and writes what changed in one transaction (store_flush), then one
 *    row per interface of health counters (sensor_intervals);
 *  - the analysis timer re-checks the policy (zones and policy check:
 *    see the TODO in the analysis section);
 *  - a one-second tick drives the watchdog and retires the engine when
 *    every connection has been idle longer than the longest timeout (the
 *    engine's clock is packet time, which stops with the traffic);
 *  - SIGTERM/SIGINT drain what the kernel has captured, push every
 *    connection, flush and exit 0; SIGHUP re-reads the configuration and
 *    the policy, keeping the old policy when the new one is bad.
 *
 * Passive: the handles are only ever read.  There is no transmit path
 * (otzone has no call that injects or sends a packet).
 *
 * Privileges: when started as root, the interfaces, the database, the API
 * socket and the notify socket are opened first, then the process becomes
 * the configured user (initgroups, setgid, setuid) and checks that it
 * cannot become root again.  Under systemd it starts as that user with
 * CAP_NET_RAW only (systemd/otzone.service).
 */
#include <errno.h>
#include <event2/event.h>
#include <grp.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <pwd.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../store/check.h"
#include "../store/store.h"
#include "central.h"
#include "clock.h"
#include "cmd.h"
#include "daemon.h"
#include "events.h"
#include "engine.h"
#include "httpapi.h"
#include "output.h"
#include "policy.h"

#define DAEMON_FLUSH_TRIES 3

/* ---- logging --------------------------------------------------------------- */

/* atomic: the central pusher thread logs too, and SIGHUP may change
 * the level meanwhile */
static _Atomic int log_level = CONFIG_LOG_INFO;
static _Atomic int log_journal = -1; /* stderr is journald's: "<N>" */

void
sensor_log_level(enum config_log l)
{
	log_level = (int)l;
}

/* JOURNAL_STREAM is "dev:ino" of the stream systemd connected; trust it
 * only when it is our stderr (a child of a service inherits the
 * variable, not necessarily the stream). */
static int
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat sb;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &sb) != 0)
		return 0;
	return (unsigned long long)sb.st_dev == dev &&
	    (unsigned long long)sb.st_ino == ino;
}

void
sensor_log(enum config_log l, const char *fmt, ...)
{
	static const int prio[] = {3, 4, 6, 7};
	char msg[1024], ts[32];
	va_list ap;
	size_t i;
	time_t now;
	struct tm tm;

	if ((int)l > log_level)
		return;
	if (log_journal < 0)
		log_journal = stderr_is_journal();
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* one record, one line: no control characters from errors or
	 * names reach the log */
	for (i = 0; msg[i] != '\0'; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = ' ';
	if (log_journal) {
		fprintf(stderr, "<%d>otzone: %s: %s\n", prio[l],
		    config_log_name(l), msg);
	} else {
		now = time(NULL);
		gmtime_r(&now, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		fprintf(stderr, "%s otzone[%ld]: %s: %s\n", ts, (long)getpid(),
		    config_log_name(l), msg);
	}
	fflush(stderr);
}

#define LOG_E(...) sensor_log(CONFIG_LOG_ERROR, __VA_ARGS__)
#define LOG_W(...) sensor_log(CONFIG_LOG_WARNING, __VA_ARGS__)
#define LOG_I(...) sensor_log(CONFIG_LOG_INFO, __VA_ARGS__)
#define LOG_D(...) sensor_log(CONFIG_LOG_DEBUG, __VA_ARGS__)

/* ---- state ----------------------------------------------------------------- */

/* Counters of one interface; "at" holds them as of the last interval. */
struct cap_counts {
	uint64_t packets, bytes;
	uint64_t kernel_drops, if_drops;
	uint64_t truncated, malformed, not_ip, duplicates, evicted;
};

struct daemon;

struct capture {
	struct daemon *d;
	char name[64];
	pcap_t *p;
	struct event *ev;
	uint32_t src_id;
	int dlt;
	int failed;		/* the handle returned an error: stopped */
	uint64_t first_us, last_us;
	struct cap_counts now, at;
	struct pcap_stat ps;	/* last pcap_stats() */
};

struct daemon {
	struct sensor_config cfg; /* the running configuration (a copy) */
	daemon_reload_fn reload;
	void *reload_arg;

	struct event_base *base;
	struct store *st;
	struct graph *g;
	struct engine *e;
	struct engine_cfg ecfg;
	struct engine_stats retired; /* summed stats of retired engines */
	uint64_t engine_pkts_at_new; /* packets when this engine began */
	uint64_t retires;

	struct capture caps[CONFIG_MAX_IFACES];
	size_t ncaps;
	uint64_t last_packet_mono_us;
	uint64_t packets_flushed; /* total packets as of the last flush */

	struct event *ev_flush, *ev_analysis, *ev_tick, *ev_watchdog;
	struct event *ev_term, *ev_int, *ev_hup;
	struct httpapi *api;
	/* change events (docs/events.md); NULL when not configured */
	struct store_events *evd;
	struct events_out *evo;
	struct central *central; /* NULL: no central store configured */

	/* sd_notify */
	int notify_fd;
	uint64_t watchdog_usec;

	/* health */
	uint64_t start_wall_us, start_mono_us;
	uint64_t generation, flushes, flush_errors;
	int last_flush_failed;
	uint64_t last_flush_wall_us, last_flush_ms;
	uint64_t settled_gen; /* generation of the flush after a retire */
	uint64_t reloads, reload_errors;

	/* policy and analysis */
	char *policy_path;
	struct policy pol;
	int have_pol;
	uint64_t policy_loads, policy_errors;
	char policy_error[4200];
	char *zones_body, *viol_body; /* JSON of the last analysis */
	size_t zones_len, viol_len;
	uint64_t analyzed_gen;

	int stopping;
	int exit_code;
};

/* Engine statistics over the daemon's life (retired engines included). */
static void
total_stats(const struct daemon *d, struct engine_stats *t)
{
	struct engine_stats cur;
	const uint64_t *a;
	uint64_t *o;
	size_t i;

	engine_stats(d->e, &cur);
	*t = d->retired;
	a = (const uint64_t *)(const void *)&cur;
	o = (uint64_t *)(void *)t;
	/* struct engine_stats is uint64_t counters only */
	for (i = 0; i < sizeof(cur) / sizeof(uint64_t); i++)
		o[i] += a[i];
}

static uint64_t
conns_open(const struct daemon *d)
{
	struct engine_stats s;

	engine_stats(d->e, &s);
	return s.conns - s.conns_evicted - s.conns_timed_out;
}

/* ---- sd_notify --------------------------------------------------------------- */

/*
 * The notify protocol without libsystemd: one datagram per message to the
 * AF_UNIX socket named by $NOTIFY_SOCKET ('@' for the abstract
 * namespace).  The socket is connected once at startup, before the
 * privilege drop and the sandbox, and kept.
 */
static void
notify_open(struct daemon *d)
{
	const char *path = getenv("NOTIFY_SOCKET");
	const char *wd = getenv("WATCHDOG_USEC");
	const char *wpid = getenv("WATCHDOG_PID");
	struct sockaddr_un sa;
	size_t len;
	socklen_t salen;
	int fd;

	d->notify_fd = -1;
	if (wd != NULL && (wpid == NULL || strtol(wpid, NULL, 10) == getpid()))
		d->watchdog_usec = strtoull(wd, NULL, 10);
	if (path == NULL || path[0] == '\0')
		return;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sa.sun_path)) {
		LOG_W("NOTIFY_SOCKET '%s': not a socket path, ignored", path);
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, salen) != 0) {
		LOG_W("NOTIFY_SOCKET %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	d->notify_fd = fd;
}

static void
notify(struct daemon *d, const char *msg)
{
	if (d->notify_fd >= 0 &&
	    send(d->notify_fd, msg, strlen(msg), MSG_NOSIGNAL) < 0)
		LOG_D("sd_notify: %s", strerror(errno));
}

/* ---- health rows in the database ------------------------------------------- */

static const char intervals_sql[] =
    "CREATE TABLE IF NOT EXISTS sensor_intervals ("
    " id INTEGER PRIMARY KEY, at TEXT NOT NULL, at_us INTEGER NOT NULL,"
    " seconds REAL NOT NULL, interface TEXT NOT NULL,"
    " packets INTEGER NOT NULL, bytes INTEGER NOT NULL,"
    " kernel_drops INTEGER NOT NULL, interface_drops INTEGER NOT NULL,"
    " truncated INTEGER NOT NULL, malformed INTEGER NOT NULL,"
    " not_ip INTEGER NOT NULL, duplicates INTEGER NOT NULL,"
    " cap_evictions INTEGER NOT NULL, assets_capped INTEGER NOT NULL,"
    " edges_capped INTEGER NOT NULL, connections_open INTEGER NOT NULL,"
    " pending_packets INTEGER NOT NULL, flush_ok INTEGER NOT NULL,"
    " flush_ms INTEGER NOT NULL);";

static int
intervals_init(struct daemon *d, char *errbuf, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(store_db(d->st), intervals_sql, NULL, NULL, &msg) !=
	    SQLITE_OK) {
		snprintf(errbuf, errlen, "sensor_intervals: %s",
		    msg ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/*
 * One row per interface with the deltas since the last interval, and a
 * row "all" with the totals plus the graph caps, in one transaction;
 * old rows beyond stats_keep are pruned.  Counter deltas of an interval
 * are consumed only when the rows are written.
 */
static void
intervals_write(struct daemon *d, int flush_ok, uint64_t flush_ms,
    uint64_t pending, uint64_t secs_us)
{
	static struct graph_stats g_at;
	sqlite3 *db = store_db(d->st);
	sqlite3_stmt *q = NULL;
	struct graph_stats gs;
	struct cap_counts all;
	char at[40];
	uint64_t now = wall_us();
	size_t i;
	int ok = 1;

	graph_stats(d->g, &gs);
	fmt_time((int64_t)now, at, sizeof(at));
	memset(&all, 0, sizeof(all));
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
		"INSERT INTO sensor_intervals(at, at_us, seconds, interface,"
		" packets, bytes, kernel_drops, interface_drops, truncated,"
		" malformed, not_ip, duplicates, cap_evictions, assets_capped,"
		" edges_capped, connections_open, pending_packets, flush_ok,"
		" flush_ms) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
		-1, &q, NULL) != SQLITE_OK) {
		LOG_W("%s: sensor_intervals: %s", store_path(d->st),
		    sqlite3_errmsg(db));
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return;
	}
	for (i = 0; i <= d->ncaps && ok; i++) {
		struct cap_counts dl;
		const char *name = "all";
		uint64_t ac = 0, ec = 0;

		if (i < d->ncaps) {
			const struct capture *c = &d->caps[i];

			dl.packets = c->now.packets - c->at.packets;
			dl.bytes = c->now.bytes - c->at.bytes;
			dl.kernel_drops = c->now.kernel_drops -
			    c->at.kernel_drops;
			dl.if_drops = c->now.if_drops - c->at.if_drops;
			dl.truncated = c->now.truncated - c->at.truncated;
			dl.malformed = c->now.malformed - c->at.malformed;
			dl.not_ip = c->now.not_ip - c->at.not_ip;
			dl.duplicates = c->now.duplicates - c->at.duplicates;
			dl.evicted = c->now.evicted - c->at.evicted;
			name = c->name;
			all.packets += dl.packets;
			all.bytes += dl.bytes;
			all.kernel_drops += dl.kernel_drops;
			all.if_drops += dl.if_drops;
			all.truncated += dl.truncated;
			all.malformed += dl.malformed;
			all.not_ip += dl.not_ip;
			all.duplicates += dl.duplicates;
			all.evicted += dl.evicted;
		} else {
			dl = all;
			ac = gs.assets_capped - g_at.assets_capped;
			ec = gs.edges_capped - g_at.edges_capped;
		}
		sqlite3_reset(q);
		sqlite3_bind_text(q, 1, at, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(q, 2, (sqlite3_int64)now);
		sqlite3_bind_double(q, 3, (double)secs_us / 1e6);
		sqlite3_bind_text(q, 4, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(q, 5, (sqlite3_int64)dl.packets);
		sqlite3_bind_int64(q, 6, (sqlite3_int64)dl.bytes);
		sqlite3_bind_int64(q, 7, (sqlite3_int64)dl.kernel_drops);
		sqlite3_bind_int64(q, 8, (sqlite3_int64)dl.if_drops);
		sqlite3_bind_int64(q, 9, (sqlite3_int64)dl.truncated);
		sqlite3_bind_int64(q, 10, (sqlite3_int64)dl.malformed);
		sqlite3_bind_int64(q, 11, (sqlite3_int64)dl.not_ip);
		sqlite3_bind_int64(q, 12, (sqlite3_int64)dl.duplicates);
		sqlite3_bind_int64(q, 13, (sqlite3_int64)dl.evicted);
		sqlite3_bind_int64(q, 14, (sqlite3_int64)ac);
		sqlite3_bind_int64(q, 15, (sqlite3_int64)ec);
		sqlite3_bind_int64(q, 16, (sqlite3_int64)conns_open(d));
		sqlite3_bind_int64(q, 17, (sqlite3_int64)pending);
		sqlite3_bind_int(q, 18, flush_ok);
		sqlite3_bind_int64(q, 19, (sqlite3_int64)flush_ms);
		if (sqlite3_step(q) != SQLITE_DONE)
			ok = 0;
	}
	sqlite3_finalize(q);
	if (ok) {
		sqlite3_stmt *pr = NULL;

		if (sqlite3_prepare_v2(db,
			"DELETE FROM sensor_intervals WHERE id <="
			" (SELECT MAX(id) FROM sensor_intervals) - ?", -1, &pr,
			NULL) == SQLITE_OK) {
			sqlite3_bind_int64(pr, 1, d->cfg.stats_keep);
			if (sqlite3_step(pr) != SQLITE_DONE)
				ok = 0;
		}
		sqlite3_finalize(pr);
	}
	if (!ok || sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		LOG_W("%s: sensor_intervals: %s", store_path(d->st),
		    sqlite3_errmsg(db));
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return;
	}
	for (i = 0; i < d->ncaps; i++)
		d->caps[i].at = d->caps[i].now;
	g_at = gs;
}

/* The interface's row in sources, with its totals so far. */
static void
source_update(struct daemon *d, struct capture *c)
{
	struct store_source s;
	char path[80], err[256];

	memset(&s, 0, sizeof(s));
	snprintf(path, sizeof(path), "iface:%s", c->name);
	s.path = path;
	s.linktype = c->dlt;
	s.packets = c->now.packets;
	s.bytes = c->now.bytes;
	s.first_us = c->first_us;
	s.last_us = c->last_us;
	s.truncated = c->now.truncated;
	s.malformed = c->now.malformed;
	s.not_ip = c->now.not_ip;
	s.dropped_caps = c->now.evicted;
	s.dropped_kernel = c->now.kernel_drops + c->now.if_drops;
	if (store_source_end(d->st, c->src_id, &s, err, sizeof(err)) != 0)
		LOG_W("%s: %s", store_path(d->st), err);
}

/* ---- capture ----------------------------------------------------------------- */

static void
cap_stats(struct capture *c)
{
	struct pcap_stat ps;

	if (c->p == NULL || c->failed || pcap_stats(c->p, &ps) != 0)
		return;
	/* Linux libpcap keeps these cumulative since activation */
	c->ps = ps;
	c->now.kernel_drops = ps.ps_drop;
	c->now.if_drops = ps.ps_ifdrop;
}

static void
on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct capture *c = (struct capture *)(void *)user;
	uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u +
	    (uint64_t)h->ts.tv_usec;

	c->now.packets++;
	c->now.bytes += h->len;
	if (c->first_us == 0)
		c->first_us = ts;
	if (ts > c->last_us)
		c->last_us = ts;
	/* frame numbers per interface, from 1, as in a capture of it */
	engine_frame(c->d->e, bytes, h->caplen, h->len, ts, c->now.packets);
}

/* Take up to max packets (-1: all the kernel holds) from one interface,
 * charging the engine's counters to it. */
static int
cap_read(struct capture *c, int max)
{
	struct daemon *d = c->d;
	struct engine_stats b, a;
	int n;

	if (c->failed)
		return 0;
	engine_set_source(d->e, c->src_id, c->dlt);
	engine_stats(d->e, &b);
	n = pcap_dispatch(c->p, max, on_packet, (u_char *)(void *)c);
	engine_stats(d->e, &a);
	c->now.truncated += a.truncated - b.truncated;
	c->now.malformed += (a.malformed - b.malformed) +
	    (a.dis_malformed - b.dis_malformed);
	c->now.not_ip += a.not_ip - b.not_ip;
	c->now.duplicates += a.duplicates - b.duplicates;
	c->now.evicted += a.conns_evicted - b.conns_evicted;
	if (n > 0)
		d->last_packet_mono_us = mono_us();
	if (n == PCAP_ERROR) {
		/* e.g. the interface went away: stop reading it (a
		 * level-triggered error would spin the loop) */
		LOG_E("%s: %s; capture on it stopped", c->name,
		    pcap_geterr(c->p));
		c->failed = 1;
		event_del(c->ev);
	}
	return n;
}

static void
on_capture(evutil_socket_t fd, short what, void *arg)
{
	struct capture *c = arg;

	(void)fd;
	(void)what;
	cap_read(c, (int)c->d->cfg.batch);
}

static int
cap_setfilter(pcap_t *p, const char *name, const char *filter, char *errbuf,
    size_t errlen)
{
	struct bpf_program prog;

	if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(errbuf, errlen, "%s: filter '%s': %s", name, filter,
		    pcap_geterr(p));
		return -1;
	}
	if (pcap_setfilter(p, &prog) != 0) {
		snprintf(errbuf, errlen, "%s: filter: %s", name,
		    pcap_geterr(p));
		pcap_freecode(&prog);
		return -1;
	}
	pcap_freecode(&prog);
	return 0;
}

static int
cap_open(struct daemon *d, struct capture *c, const char *name,
    char *errbuf, size_t errlen)
{
	char eb[PCAP_ERRBUF_SIZE], path[80];
	struct store_source src;
	int rc, fd;

	memset(c, 0, sizeof(*c));
	c->d = d;
	snprintf(c->name, sizeof(c->name), "%s", name);
	eb[0] = '\0';
	if ((c->p = pcap_create(name, eb)) == NULL) {
		snprintf(errbuf, errlen, "%s: %s", name, eb);
		return -1;
	}
	pcap_set_snaplen(c->p, (int)d->cfg.snaplen);
	pcap_set_promisc(c->p, d->cfg.promisc);
	pcap_set_timeout(c->p, (int)d->cfg.timeout_ms);
	pcap_set_buffer_size(c->p, (int)(d->cfg.buffer_mb << 20));
	pcap_set_tstamp_precision(c->p, PCAP_TSTAMP_PRECISION_MICRO);
	rc = pcap_activate(c->p);
	if (rc < 0) {
		snprintf(errbuf, errlen, "%s: %s%s%s", name,
		    pcap_statustostr(rc),
		    rc == PCAP_ERROR ? ": " : "",
		    rc == PCAP_ERROR ? pcap_geterr(c->p) : "");
		if (rc == PCAP_ERROR_PERM_DENIED)
			snprintf(errbuf + strlen(errbuf),
			    errlen - strlen(errbuf),
			    " (needs root or CAP_NET_RAW)");
		return -1;
	}
	if (rc > 0)
		LOG_W("%s: %s: %s", name, pcap_statustostr(rc),
		    pcap_geterr(c->p));
	if (d->cfg.filter[0] != '\0' &&
	    cap_setfilter(c->p, name, d->cfg.filter, errbuf, errlen) != 0)
		return -1;
	if (pcap_setnonblock(c->p, 1, eb) != 0) {
		snprintf(errbuf, errlen, "%s: %s", name, eb);
		return -1;
	}
	if ((fd = pcap_get_selectable_fd(c->p)) < 0) {
		snprintf(errbuf, errlen, "%s: no selectable descriptor", name);
		return -1;
	}
	c->dlt = pcap_datalink(c->p);
	memset(&src, 0, sizeof(src));
	snprintf(path, sizeof(path), "iface:%s", name);
	src.path = path;
	src.linktype = c->dlt;
	if ((c->src_id = store_source_begin(d->st, &src, errbuf, errlen)) == 0)
		return -1;
	c->ev = event_new(d->base, fd, EV_READ | EV_PERSIST, on_capture, c);
	if (c->ev == NULL || event_add(c->ev, NULL) != 0) {
		snprintf(errbuf, errlen, "%s: event: out of memory", name);
		return -1;
	}
	LOG_I("capturing on %s (%s, snaplen %d%s%s%s)", name,
	    pcap_datalink_val_to_name(c->dlt) ? pcap_datalink_val_to_name(
						   c->dlt)
					      : "?",
	    pcap_snapshot(c->p), d->cfg.promisc ? ", promiscuous" : "",
	    d->cfg.filter[0] ? ", filter " : "", d->cfg.filter);
	return 0;
}

static void
cap_close(struct capture *c)
{
	if (c->ev != NULL)
		event_free(c->ev);
	if (c->p != NULL)
		pcap_close(c->p);
	c->ev = NULL;
	c->p = NULL;
}

/* ---- flush ------------------------------------------------------------------- */

static uint64_t
packets_now(const struct daemon *d)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < d->ncaps; i++)
		n += d->caps[i].now.packets;
	return n;
}

/*
 * After a flush: its change events, and a capture-drops event for each
 * interface whose drops in the interval (kernel, interface, connections
 * evicted by the caps; the graph's caps on "all") pass the threshold.
 * Called before intervals_write() consumes the interval's counters.
 */
static void
events_flushed(struct daemon *d, int ok)
{
	static struct graph_stats g_at;
	const struct store_event *v;
	struct graph_stats gs;
	size_t n, i;

	if (d->evo == NULL)
		return;
	if (ok && d->evd != NULL) {
		v = store_events_get(d->evd, &n);
		if (n > 0 && events_emit(d->evo, v, n) != 0)
			LOG_W("events: a line could not be written");
	}
	graph_stats(d->g, &gs);
	for (i = 0; i <= d->ncaps; i++) {
		struct store_event e;
		uint64_t drops, pkts;

		memset(&e, 0, sizeof(e));
		if (i < d->ncaps) {
			const struct capture *c = &d->caps[i];

			drops = (c->now.kernel_drops - c->at.kernel_drops) +
			    (c->now.if_drops - c->at.if_drops) +
			    (c->now.evicted - c->at.evicted);
			pkts = c->now.packets - c->at.packets;
			snprintf(e.source, sizeof(e.source), "iface:%s",
			    c->name);
		} else {
			drops = (gs.assets_capped - g_at.assets_capped) +
			    (gs.edges_capped - g_at.edges_capped);
			pkts = 0;
			snprintf(e.source, sizeof(e.source), "graph");
		}
		if (drops <= d->cfg.events_drop_threshold)
			continue;
		e.type = SEV_CAPTURE_DROPS;
		e.ts_us = (int64_t)wall_us();
		e.drops = drops;
		e.packets = pkts;
		e.threshold = d->cfg.events_drop_threshold;
		events_emit(d->evo, &e, 1);
	}
	g_at = gs;
}

/* The zones of the events: the policy's, else the latest proposal. */
static void
events_zones(struct daemon *d)
{
	char err[512];

	if (d->evd == NULL)
		return;
	if ((d->have_pol ? store_events_set_policy(d->evd, d->st, &d->pol,
			       err, sizeof(err))
			 : store_events_use_proposal(d->evd, d->st, err,
			       sizeof(err))) != 0)
		LOG_W("events: %s", err);
}

static int
daemon_flush(struct daemon *d, int tries)
{
	char err[512];
	uint64_t t0 = mono_us(), pending = packets_now(d) - d->packets_flushed;
	static uint64_t last_mono;
	uint64_t secs = last_mono ? t0 - last_mono : t0 - d->start_mono_us;
	size_t i;
	int t, ok = 0;

	last_mono = t0;
	engine_push(d->e);
	for (i = 0; i < d->ncaps; i++)
		cap_stats(&d->caps[i]);
	for (t = 0; t < tries; t++) {
		if ((d->evd != NULL
			? store_flush_events(d->st, d->g, d->evd, err,
			      sizeof(err))
			: store_flush(d->st, d->g, err, sizeof(err))) == 0) {
			ok = 1;
			break;
		}
		LOG_W("%s: flush failed: %s%s", store_path(d->st), err,
		    t + 1 < tries ? " (retrying)" : "; kept for the next "
						    "flush");
		if (t + 1 < tries)
			sleep(1);
	}
	d->last_flush_ms = (mono_us() - t0) / 1000u;
	d->last_flush_failed = !ok;
	if (ok) {
		d->generation++;
		d->flushes++;
		d->last_flush_wall_us = wall_us();
		d->packets_flushed += pending;
		for (i = 0; i < d->ncaps; i++)
			source_update(d, &d->caps[i]);
	} else {
		d->flush_errors++;
	}
	events_flushed(d, ok);
	intervals_write(d, ok, d->last_flush_ms, ok ? 0 : pending, secs);
	LOG_D("flush %s: %" PRIu64 " packets in the interval, %" PRIu64
	      " ms", ok ? "ok" : "failed", pending, d->last_flush_ms);
	/* what the flush changed, to PostgreSQL: the pusher thread is told
	 * and this returns at once; the last flush waits for its push, at
	 * most central.timeout, which tries even while backing off */
	central_push(d->central, d->stopping);
	return ok ? 0 : -1;
}

static void
on_flush(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	(void)fd;
	(void)what;
	daemon_flush(d, 1);
}

/*
 * Every connection has been idle longer than the longest idle timeout:
 * each would time out at its next sweep, but the engine sweeps on packet
 * time, which stands still while the link is quiet.  Retiring the engine
 * pushes and frees them all, which is what the sweep would do.
 */
static void
engine_retire(struct daemon *d)
{
	struct engine_stats s;
	char err[256];
	struct engine *ne;
	const uint64_t *a;
	uint64_t *o;
	size_t i;

	ne = engine_new(&d->ecfg, d->g, err, sizeof(err));
	if (ne == NULL) {
		LOG_W("engine: %s (idle connections kept)", err);
		return;
	}
	engine_stats(d->e, &s);
	a = (const uint64_t *)(const void *)&s;
	o = (uint64_t *)(void *)&d->retired;
	for (i = 0; i < sizeof(s) / sizeof(uint64_t); i++)
		o[i] += a[i];
	engine_free(d->e);
	d->e = ne;
	d->retires++;
	LOG_D("all connections idle: pushed and freed");
	if (daemon_flush(d, 1) == 0)
		d->settled_gen = d->generation;
}

/* ---- policy and analysis ----------------------------------------------------- */

/* Load (or reload) the configured policy with the policy parser
 * (sensor/policy.c); on any error the running policy stays. */
static void
daemon_policy_load(struct daemon *d, const char *path)
{
	struct policy np;
	char err[4096], *nl;

	if (path == NULL || path[0] == '\0') {
		if (d->policy_path != NULL)
			LOG_I("policy: none configured any more");
		free(d->policy_path);
		d->policy_path = NULL;
		policy_clear(&d->pol);
		d->have_pol = 0;
		d->policy_error[0] = '\0';
		return;
	}
	memset(&np, 0, sizeof(np));
	if (policy_load(path, &np, err, sizeof(err)) != 0) {
		policy_clear(&np);
		d->policy_errors++;
		/* one record: the first problem, and how many more */
		if ((nl = strchr(err, '\n')) != NULL) {
			size_t more = 0;
			char *q;

			for (q = nl; q != NULL; q = strchr(q + 1, '\n'))
				if (q[1] != '\0')
					more++;
			*nl = '\0';
			snprintf(d->policy_error, sizeof(d->policy_error),
			    "%s (and %zu more)", err, more);
		} else {
			snprintf(d->policy_error, sizeof(d->policy_error),
			    "%s", err);
		}
		if (d->have_pol)
			LOG_E("policy: %s; keeping the previous policy (%s)",
			    d->policy_error, d->policy_path);
		else
			LOG_E("policy: %s; running without a policy",
			    d->policy_error);
		return;
	}
	policy_clear(&d->pol);
	d->pol = np;
	d->have_pol = 1;
	free(d->policy_path);
	d->policy_path = strdup(path);
	d->policy_loads++;
	d->policy_error[0] = '\0';
	LOG_I("policy: %s loaded (%zu zones, %zu conduits)", path,
	    d->pol.n_zones, d->pol.n_conduits);
}

/*
 * The zone proposal as `otzone zones --format json` writes it (and
 * stores it: zones_save), through the command itself, into a memory
 * file: the command already loads the database as of the last flush,
 * proposes, saves and writes, so the API answers exactly what the
 * command line would, with no second copy of that sequence.
 */
static int
zones_run(struct daemon *d, char **body, size_t *len)
{
	struct cmd_args ca;
	char path[64];
	struct stat sb;
	ssize_t n;
	int fd, rc;

	*body = NULL;
	*len = 0;
	fd = memfd_create("otzone-zones", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	memset(&ca, 0, sizeof(ca));
	ca.db = d->cfg.database;
	ca.fmt = OUT_JSON;
	ca.fmt_set = 1;
	ca.output = path;
	rc = cmd_zones(&ca);
	if (rc != 0 || fstat(fd, &sb) != 0 || sb.st_size <= 0 ||
	    (*body = malloc((size_t)sb.st_size)) == NULL) {
		close(fd);
		return -1;
	}
	n = pread(fd, *body, (size_t)sb.st_size, 0);
	close(fd);
	if (n != sb.st_size) {
		free(*body);
		*body = NULL;
		return -1;
	}
	*len = (size_t)n;
	return 0;
}

/* Zones and the policy check over the graph as of the last flush; the
 * results are kept for the API and stored in the database.  Skipped when
 * nothing was flushed since the last run, unless forced (a new policy). */
static void
analysis_run(struct daemon *d, int force)
{
	struct st_asset *as = NULL;
	struct st_flow *fs = NULL;
	struct check_result res;
	size_t na = 0, nf = 0, len = 0;
	char err[512], *body = NULL;
	FILE *f;

	events_zones(d);
	if (d->generation == 0)
		return; /* nothing flushed yet */
	if (!force && d->analyzed_gen == d->generation)
		return;
	if (zones_run(d, &body, &len) == 0) {
		free(d->zones_body);
		d->zones_body = body;
		d->zones_len = len;
	} else {
		LOG_W("analysis: the zone proposal failed");
	}
	body = NULL;
	memset(&res, 0, sizeof(res));
	if (!d->have_pol) {
		events_zones(d); /* the proposal just made */
		d->analyzed_gen = d->generation;
		return;
	}
	if (store_load_assets(d->st, &as, &na, err, sizeof(err)) != 0 ||
	    store_load_flows(d->st, &fs, &nf, err, sizeof(err)) != 0) {
		LOG_W("analysis: %s: %s", store_path(d->st), err);
		goto out;
	}
	if (output_prepare_assets(as, na, fs, nf) != 0 ||
	    check_run(&d->pol, as, na, fs, nf, &res, err, sizeof(err)) != 0) {
		LOG_W("analysis: policy check: out of memory");
		goto out;
	}
	if ((f = open_memstream(&body, &len)) == NULL)
		goto out;
	check_json(f, d->policy_path, &d->pol, &res);
	if (fclose(f) == 0) {
		free(d->viol_body);
		d->viol_body = body;
		d->viol_len = len;
		body = NULL;
	}
	if (d->evd != NULL) {
		const struct store_event *v;
		size_t n;

		if (store_events_findings(d->evd, d->st, &d->pol, &res, err,
			sizeof(err)) != 0)
			LOG_W("events: %s", err);
		v = store_events_get(d->evd, &n);
		if (n > 0 && events_emit(d->evo, v, n) != 0)
			LOG_W("events: a line could not be written");
	}
	if (check_db_save(d->st, &d->pol, &res, d->policy_path, err,
		sizeof(err)) != 0)
		LOG_W("analysis: %s: %s", store_path(d->st), err);
	d->analyzed_gen = d->generation;
	LOG_D("analysis: %zu findings", res.n_findings);
out:
	free(body);
	check_result_free(&res);
	free(as);
	store_free_flows(fs, nf);
}

static void
on_analysis(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	analysis_run(arg, 0);
}

/* ---- API hooks --------------------------------------------------------------- */

static struct store *
hook_store(void *arg)
{
	return ((struct daemon *)arg)->st;
}

static uint64_t
hook_generation(void *arg)
{
	return ((struct daemon *)arg)->generation;
}

static int
hook_zones(void *arg, FILE *f, char *errbuf, size_t errlen)
{
	struct daemon *d = arg;

	if (d->zones_body == NULL) {
		snprintf(errbuf, errlen, "no proposal yet (after the first "
					 "flush and analysis)");
		return HTTPAPI_UNAVAILABLE;
	}
	fwrite(d->zones_body, 1, d->zones_len, f);
	return HTTPAPI_OK;
}

static int
hook_violations(void *arg, FILE *f, char *errbuf, size_t errlen)
{
	struct daemon *d = arg;

	if (!d->have_pol) {
		snprintf(errbuf, errlen, "no policy loaded%s%s",
		    d->policy_error[0] ? ": " : "", d->policy_error);
		return HTTPAPI_UNAVAILABLE;
	}
	if (d->viol_body == NULL) {
		snprintf(errbuf, errlen, "no check yet (after the first "
					 "flush and analysis)");
		return HTTPAPI_UNAVAILABLE;
	}
	fwrite(d->viol_body, 1, d->viol_len, f);
	return HTTPAPI_OK;
}

static void
prom_escape(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void
prom_head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
prom_ifaces(FILE *f, const struct daemon *d, const char *name,
    const char *help, size_t off)
{
	size_t i;

	prom_head(f, name, "counter", help);
	for (i = 0; i < d->ncaps; i++) {
		const uint64_t *v = (const uint64_t *)(const void *)((
		    const char *)&d->caps[i].now + off);

		fprintf(f, "%s{interface=\"", name);
		prom_escape(f, d->caps[i].name);
		fprintf(f, "\"} %" PRIu64 "\n", *v);
	}
}

static void
prom_one(FILE *f, const char *name, const char *type, const char *help,
    uint64_t v)
{
	prom_head(f, name, type, help);
	fprintf(f, "%s %" PRIu64 "\n", name, v);
}

static void
hook_metrics(void *arg, FILE *f)
{
	struct daemon *d = arg;
	struct engine_stats es;
	struct graph_stats gs;
	struct httpapi_stats as;
	size_t i;

	for (i = 0; i < d->ncaps; i++)
		cap_stats(&d->caps[i]);
	total_stats(d, &es);
	graph_stats(d->g, &gs);
	httpapi_stats(d->api, &as);
#define CC(f) offsetof(struct cap_counts, f)
	prom_ifaces(f, d, "otzone_packets_total", "Packets captured.",
	    CC(packets));
	prom_ifaces(f, d, "otzone_bytes_total", "Bytes on the wire of the "
						"packets captured.",
	    CC(bytes));
	prom_ifaces(f, d, "otzone_kernel_drops_total",
	    "Packets the kernel dropped (buffer full; pcap ps_drop).",
	    CC(kernel_drops));
	prom_ifaces(f, d, "otzone_interface_drops_total",
	    "Packets the interface dropped (pcap ps_ifdrop).", CC(if_drops));
	prom_ifaces(f, d, "otzone_truncated_total",
	    "Packets cut short by the snaplen.", CC(truncated));
	prom_ifaces(f, d, "otzone_malformed_total",
	    "Malformed packets and PDUs.", CC(malformed));
	prom_ifaces(f, d, "otzone_not_ip_total", "Frames that carry no IP.",
	    CC(not_ip));
	prom_ifaces(f, d, "otzone_duplicates_total",
	    "SPAN duplicates dropped.", CC(duplicates));
	prom_ifaces(f, d, "otzone_cap_evictions_total",
	    "Connections evicted by the connection cap.", CC(evicted));
#undef CC
	prom_head(f, "otzone_capture_up", "gauge",
	    "1 while the interface is being read.");
	for (i = 0; i < d->ncaps; i++) {
		fputs("otzone_capture_up{interface=\"", f);
		prom_escape(f, d->caps[i].name);
		fprintf(f, "\"} %d\n", d->caps[i].failed ? 0 : 1);
	}
	prom_one(f, "otzone_connections_open", "gauge",
	    "Connections in the connection table.", conns_open(d));
	prom_one(f, "otzone_fragments_dropped_total", "counter",
	    "IP fragments dropped (cap or timeout).", es.frags_dropped);
	prom_one(f, "otzone_assets", "gauge", "Assets in the graph.",
	    gs.assets);
	prom_one(f, "otzone_flows", "gauge", "Flow edges in the graph.",
	    gs.edges);
	prom_one(f, "otzone_assets_capped_total", "counter",
	    "Addresses not inventoried (asset cap).", gs.assets_capped);
	prom_one(f, "otzone_edges_capped_total", "counter",
	    "Flows not recorded (edge cap).", gs.edges_capped);
	prom_one(f, "otzone_ops_capped_total", "counter",
	    "Operation codes not recorded (per-flow cap).", gs.ops_capped);
	prom_one(f, "otzone_pending_packets", "gauge",
	    "Packets captured since the last successful flush.",
	    packets_now(d) - d->packets_flushed);
	prom_one(f, "otzone_flushes_total", "counter",
	    "Successful flushes to the database.", d->flushes);
	prom_one(f, "otzone_flush_errors_total", "counter",
	    "Failed flushes (the changes are kept for the next one).",
	    d->flush_errors);
	prom_head(f, "otzone_last_flush_timestamp_seconds", "gauge",
	    "Wall-clock time of the last successful flush.");
	fprintf(f, "otzone_last_flush_timestamp_seconds %.3f\n",
	    (double)d->last_flush_wall_us / 1e6);
	prom_head(f, "otzone_last_flush_duration_seconds", "gauge",
	    "Duration of the last flush.");
	fprintf(f, "otzone_last_flush_duration_seconds %.3f\n",
	    (double)d->last_flush_ms / 1e3);
	prom_one(f, "otzone_policy_loads_total", "counter",
	    "Policy files loaded.", d->policy_loads);
	prom_one(f, "otzone_policy_errors_total", "counter",
	    "Policy files refused (the previous one kept).",
	    d->policy_errors);
	prom_one(f, "otzone_reloads_total", "counter", "SIGHUP reloads.",
	    d->reloads);
	prom_one(f, "otzone_api_requests_total", "counter",
	    "HTTP requests.", as.requests);
	prom_one(f, "otzone_api_unauthorized_total", "counter",
	    "HTTP requests without a valid token.", as.unauthorized);
	prom_one(f, "otzone_api_connections_open", "gauge",
	    "Open HTTP connections.", as.conns_open);
	prom_one(f, "otzone_api_connections_refused_total", "counter",
	    "HTTP connections closed at once (connection limit).",
	    as.conns_refused);
	prom_one(f, "otzone_api_connections_expired_total", "counter",
	    "HTTP connections cut at the end of their allowed life.",
	    as.conns_expired);
	prom_head(f, "otzone_start_time_seconds", "gauge",
	    "Wall-clock time the sensor started.");
	fprintf(f, "otzone_start_time_seconds %.3f\n",
	    (double)d->start_wall_us / 1e6);
	if (d->evo != NULL) {
		struct events_stats xs;

		events_get_stats(d->evo, &xs);
		prom_one(f, "otzone_events_total", "counter",
		    "Change events emitted.", xs.emitted);
		prom_one(f, "otzone_events_write_errors_total", "counter",
		    "Event lines the file refused.", xs.write_errors);
		prom_one(f, "otzone_events_rotations_total", "counter",
		    "Rotations of the event file.", xs.rotations);
		prom_one(f, "otzone_syslog_sent_total", "counter",
		    "Syslog messages handed to the socket.", xs.syslog_sent);
		prom_one(f, "otzone_syslog_dropped_total", "counter",
		    "Syslog messages dropped (queue full or send failed).",
		    xs.syslog_dropped);
		prom_one(f, "otzone_syslog_queued", "gauge",
		    "Syslog messages waiting for the collector.",
		    xs.syslog_queued);
	}
	central_metrics(d->central, f);
}

static int
hook_health(void *arg, FILE *f)
{
	struct daemon *d = arg;
	char t[40];
	size_t i;
	int up = 0, ok;

	for (i = 0; i < d->ncaps; i++) {
		cap_stats(&d->caps[i]);
		up += !d->caps[i].failed;
	}
	ok = up > 0 && !d->last_flush_failed;
	fmt_time((int64_t)d->last_flush_wall_us, t, sizeof(t));
	fprintf(f, "{\"status\": \"%s\", \"uptime_s\": %" PRIu64
		   ", \"packets\": %" PRIu64 ", \"flushes\": %" PRIu64
		   ", \"flush_errors\": %" PRIu64 ", \"generation\": %" PRIu64
		   ", \"last_flush\": ",
	    ok ? "ok" : "degraded", (mono_us() - d->start_mono_us) / 1000000u,
	    packets_now(d), d->flushes, d->flush_errors, d->generation);
	json_str(f, d->last_flush_wall_us ? t : "");
	/* settled: no packet since the engine last pushed everything, and
	 * that has been flushed: the API shows all that was captured */
	fprintf(f, ", \"settled\": %s, \"policy\": ",
	    d->settled_gen != 0 && d->settled_gen <= d->generation &&
		    packets_now(d) == d->packets_flushed
		? "true"
		: "false");
	json_str(f, d->have_pol ? d->policy_path : "");
	fprintf(f, ", \"analyzed_generation\": %" PRIu64
		   ", \"policy_error\": ", d->analyzed_gen);
	json_str(f, d->policy_error);
	fputs(", \"central\": ", f);
	central_health_json(d->central, f);
	fputs(", \"interfaces\": [", f);
	for (i = 0; i < d->ncaps; i++) {
		const struct capture *c = &d->caps[i];

		fprintf(f, "%s{\"name\": ", i ? ", " : "");
		json_str(f, c->name);
		fprintf(f, ", \"up\": %s, \"packets\": %" PRIu64
			   ", \"kernel_drops\": %" PRIu64
			   ", \"interface_drops\": %" PRIu64 "}",
		    c->failed ? "false" : "true", c->now.packets,
		    c->now.kernel_drops, c->now.if_drops);
	}
	fputs("]}\n", f);
	return ok;
}

/* ---- timers, signals, reload ------------------------------------------------- */

static void
timer_arm(struct event *ev, uint32_t secs)
{
	struct timeval tv;

	tv.tv_sec = (time_t)secs;
	tv.tv_usec = 0;
	event_add(ev, &tv);
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	struct engine_stats s;
	uint64_t idle_limit;

	(void)fd;
	(void)what;
	events_pump(d->evo);
	idle_limit = (uint64_t)(d->cfg.tcp_timeout > d->cfg.udp_timeout
					? d->cfg.tcp_timeout
					: d->cfg.udp_timeout) *
	    1000000u;
	engine_stats(d->e, &s);
	if (s.packets > 0 && d->last_packet_mono_us != 0 &&
	    mono_us() - d->last_packet_mono_us >= idle_limit)
		engine_retire(d);
}

static void
on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	notify(arg, "WATCHDOG=1");
}

static void
on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;

	(void)what;
	if (d->stopping)
		return;
	d->stopping = 1;
	LOG_I("%s: flushing and stopping", sig == SIGTERM ? "SIGTERM"
							  : "SIGINT");
	notify(d, "STOPPING=1");
	event_base_loopbreak(d->base);
}

#define CHANGED_STR(a, b) (strcmp((a), (b)) != 0)

/* Settings that only a restart can change (opened before the drop). */
static void
reload_report_fixed(const struct sensor_config *o,
    const struct sensor_config *n)
{
	size_t i;
	int ifch = o->n_ifaces != n->n_ifaces;

	for (i = 0; !ifch && i < o->n_ifaces; i++)
		ifch = CHANGED_STR(o->ifaces[i], n->ifaces[i]);
#define FIXED(cond, key)                                                    \
	do {                                                                \
		if (cond)                                                   \
			LOG_W("reload: %s changed: takes effect after a "  \
			      "restart",                                    \
			    key);                                           \
	} while (0)
	FIXED(ifch, "capture.interfaces");
	FIXED(o->snaplen != n->snaplen, "capture.snaplen");
	FIXED(o->promisc != n->promisc, "capture.promiscuous");
	FIXED(o->buffer_mb != n->buffer_mb, "capture.buffer_mb");
	FIXED(o->timeout_ms != n->timeout_ms, "capture.timeout_ms");
	FIXED(CHANGED_STR(o->database, n->database), "database");
	FIXED(CHANGED_STR(o->user, n->user), "user");
	FIXED(CHANGED_STR(o->name, n->name), "name");
	FIXED(CHANGED_STR(o->events_file, n->events_file) ||
		o->events_max_bytes != n->events_max_bytes ||
		o->events_keep != n->events_keep ||
		CHANGED_STR(o->syslog_host, n->syslog_host) ||
		o->syslog_port != n->syslog_port ||
		CHANGED_STR(o->syslog_transport, n->syslog_transport) ||
		CHANGED_STR(o->syslog_facility, n->syslog_facility),
	    "events");
	FIXED(o->api_enabled != n->api_enabled ||
		CHANGED_STR(o->api_listen, n->api_listen) ||
		o->api_port != n->api_port ||
		CHANGED_STR(o->api_token, n->api_token) ||
		o->api_max_connections != n->api_max_connections ||
		o->api_max_request != n->api_max_request ||
		o->api_timeout != n->api_timeout,
	    "api");
	FIXED(o->max_conns != n->max_conns || o->max_assets != n->max_assets ||
		o->max_edges != n->max_edges ||
		o->reasm_bytes != n->reasm_bytes ||
		o->tcp_timeout != n->tcp_timeout ||
		o->udp_timeout != n->udp_timeout || o->dedup != n->dedup,
	    "limits");
	FIXED(CHANGED_STR(o->central_url, n->central_url) ||
		CHANGED_STR(o->central_password_file,
		    n->central_password_file) ||
		o->central_timeout != n->central_timeout ||
		o->central_push_interval != n->central_push_interval ||
		o->central_retry_max != n->central_retry_max ||
		o->central_batch != n->central_batch,
	    "central");
#undef FIXED
}

static void
on_reload(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	struct sensor_config n;
	char err[512];
	size_t i;

	(void)sig;
	(void)what;
	notify(d, "RELOADING=1");
	d->reloads++;
	LOG_I("SIGHUP: reloading the configuration and the policy");
	if (d->evo != NULL && events_reopen(d->evo, err, sizeof(err)) != 0)
		LOG_E("events: %s", err);
	if (config_defaults(&n) != 0 ||
	    d->reload(d->reload_arg, &n, err, sizeof(err)) != 0) {
		d->reload_errors++;
		LOG_E("reload: %s; keeping the running configuration", err);
		/* the policy is a file of its own: reload it all the same */
		daemon_policy_load(d, d->cfg.policy);
		analysis_run(d, 1);
		config_free(&n);
		notify(d, "READY=1");
		return;
	}
	reload_report_fixed(&d->cfg, &n);
	if (CHANGED_STR(d->cfg.filter, n.filter)) {
		int bad = 0;

		for (i = 0; i < d->ncaps && !bad; i++)
			if (!d->caps[i].failed &&
			    cap_setfilter(d->caps[i].p, d->caps[i].name,
				n.filter, err, sizeof(err)) != 0)
				bad = 1;
		if (bad) {
			char e2[256];

			LOG_E("reload: %s; keeping the running filter", err);
			for (i = 0; i < d->ncaps; i++)
				if (!d->caps[i].failed)
					cap_setfilter(d->caps[i].p,
					    d->caps[i].name, d->cfg.filter, e2,
					    sizeof(e2));
		} else {
			config_set_str(&d->cfg.filter, n.filter);
			LOG_I("reload: capture filter now '%s'", n.filter);
		}
	}
	/* what can change without a restart */
	config_set_str(&d->cfg.policy, n.policy);
	d->cfg.flush_interval = n.flush_interval;
	d->cfg.analysis_interval = n.analysis_interval;
	d->cfg.stats_keep = n.stats_keep;
	d->cfg.batch = n.batch;
	d->cfg.log_level = n.log_level;
	d->cfg.events_drop_threshold = n.events_drop_threshold;
	config_free(&n);
	sensor_log_level(d->cfg.log_level);
	daemon_policy_load(d, d->cfg.policy);
	event_del(d->ev_flush);
	timer_arm(d->ev_flush, d->cfg.flush_interval);
	event_del(d->ev_analysis);
	timer_arm(d->ev_analysis, d->cfg.analysis_interval);
	analysis_run(d, 1);
	notify(d, "READY=1");
	LOG_I("reload done");
}

/* ---- privileges -------------------------------------------------------------- */

/* The database is the daemon's: give its files to the user it becomes,
 * so that it can go on writing them after a restart as that user. */
static void
chown_db(const char *db, uid_t uid, gid_t gid)
{
	static const char *const sfx[] = {"", "-wal", "-shm"};
	char path[4096];
	struct stat sb;
	size_t i;

	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s%s", db, sfx[i]);
		if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
			continue;
		if (sb.st_uid == uid)
			continue;
		if (chown(path, uid, gid) != 0)
			LOG_W("%s: chown to uid %ld: %s", path, (long)uid,
			    strerror(errno));
	}
}

/*
 * Become the configured user: initgroups, setgid, setuid, in that order,
 * then prove it: getting root back must fail.  Refuses to go on when the
 * user does not exist, unless the configuration says "user: root".
 */
static int
drop_privileges(const struct sensor_config *cfg, char *errbuf,
    size_t errlen)
{
	struct passwd *pw;
	char home[1024];
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0) {
		LOG_I("running as uid %ld (not root: nothing to drop)",
		    (long)geteuid());
		return 0;
	}
	if (strcmp(cfg->user, "root") == 0) {
		LOG_W("staying root: the configuration says 'user: root'");
		return 0;
	}
	errno = 0;
	if ((pw = getpwnam(cfg->user)) == NULL) {
		snprintf(errbuf, errlen,
		    "user '%s' does not exist: create it (useradd --system "
		    "--no-create-home --shell /usr/sbin/nologin %s) or set "
		    "'user:' in the configuration ('user: root' keeps root)",
		    cfg->user, cfg->user);
		return -1;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	snprintf(home, sizeof(home), "%s", pw->pw_dir ? pw->pw_dir : "/");
	if (uid == 0) {
		snprintf(errbuf, errlen, "user '%s' has uid 0: name it 'root' "
					 "to keep root explicitly", cfg->user);
		return -1;
	}
	if (strcmp(cfg->database, ":memory:") != 0)
		chown_db(cfg->database, uid, gid);
	if (initgroups(pw->pw_name, gid) != 0) {
		snprintf(errbuf, errlen, "initgroups(%s): %s", cfg->user,
		    strerror(errno));
		return -1;
	}
	if (setresgid(gid, gid, gid) != 0) {
		snprintf(errbuf, errlen, "setgid(%ld): %s", (long)gid,
		    strerror(errno));
		return -1;
	}
	if (setresuid(uid, uid, uid) != 0) {
		snprintf(errbuf, errlen, "setuid(%ld): %s", (long)uid,
		    strerror(errno));
		return -1;
	}
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0 ||
	    getuid() != uid || geteuid() != uid || getgid() != gid ||
	    getegid() != gid) {
		snprintf(errbuf, errlen, "privilege drop to '%s' did not "
					 "hold: root could be regained",
		    cfg->user);
		return -1;
	}
	/* libraries that look in the user's home (libpq: ~/.pgpass,
	 * ~/.postgresql/) must look in the new user's, not root's, which
	 * it may not even read */
	if (setenv("HOME", home, 1) != 0 ||
	    setenv("USER", cfg->user, 1) != 0 ||
	    setenv("LOGNAME", cfg->user, 1) != 0) {
		snprintf(errbuf, errlen, "setenv: %s", strerror(errno));
		return -1;
	}
	LOG_I("dropped privileges to %s (uid %ld, gid %ld)", cfg->user,
	    (long)uid, (long)gid);
	return 0;
}

/* ---- run ----------------------------------------------------------------------- */

static struct event *
timer_new(struct daemon *d, event_callback_fn fn, uint64_t usecs)
{
	struct event *ev = event_new(d->base, -1, EV_PERSIST, fn, d);
	struct timeval tv;

	if (ev == NULL)
		return NULL;
	tv.tv_sec = (time_t)(usecs / 1000000u);
	tv.tv_usec = (suseconds_t)(usecs % 1000000u);
	event_add(ev, &tv);
	return ev;
}

/* central: configured, the marks and the password file (read before
 * privileges are dropped); not configured, no marks kept. */
static int
central_setup(struct daemon *d, char *errbuf, size_t errlen)
{
	struct central_cfg cc;
	char e[512];

	if (d->cfg.central_url[0] == '\0') {
		if (central_disable(store_db(d->st), e, sizeof(e)) != 0) {
			snprintf(errbuf, errlen, "%s: central: %s",
			    d->cfg.database, e);
			return -1;
		}
		return 0;
	}
	memset(&cc, 0, sizeof(cc));
	cc.url = d->cfg.central_url;
	cc.password_file = d->cfg.central_password_file;
	cc.sensor_id = store_sensor_id(d->st);
	cc.sensor_name = store_sensor_name(d->st);
	cc.timeout_s = d->cfg.central_timeout;
	cc.push_interval_s = d->cfg.central_push_interval;
	cc.retry_max_s = d->cfg.central_retry_max;
	cc.batch_rows = d->cfg.central_batch;
	d->central = central_new(&cc, store_db(d->st), errbuf, errlen);
	if (d->central == NULL)
		return -1;
	central_url_display(d->cfg.central_url, e, sizeof(e));
	LOG_I("central: pushing to %s as sensor %s (%s), %" PRIu64
	      " rows pending", e, cc.sensor_name, cc.sensor_id,
	    central_pending(d->central));
	return 0;
}

static int
events_setup(struct daemon *d, char *errbuf, size_t errlen)
{
	struct events_cfg ec;
	char name[256], e[512];

	if (d->cfg.events_file[0] == '\0' && d->cfg.syslog_host[0] == '\0')
		return 0;
	memset(&ec, 0, sizeof(ec));
	snprintf(name, sizeof(name), "%s", store_sensor_name(d->st));
	if (name[0] == '\0' && gethostname(name, sizeof(name) - 1) != 0)
		snprintf(name, sizeof(name), "otzone");
	name[sizeof(name) - 1] = '\0';
	ec.file = d->cfg.events_file;
	ec.max_bytes = d->cfg.events_max_bytes;
	ec.keep = d->cfg.events_keep;
	ec.observer = name;
	ec.syslog_host = d->cfg.syslog_host;
	ec.syslog_port = (uint16_t)d->cfg.syslog_port;
	ec.syslog_tcp = strcmp(d->cfg.syslog_transport, "tcp") == 0;
	ec.facility = events_facility(d->cfg.syslog_facility);
	if ((d->evd = store_events_new()) == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		return -1;
	}
	if ((d->evo = events_open(&ec, e, sizeof(e))) == NULL) {
		snprintf(errbuf, errlen, "events: %s", e);
		return -1;
	}
	LOG_I("events:%s%s%s%s%s%s as %s", ec.file[0] ? " file " : "",
	    ec.file, ec.syslog_host[0] ? " syslog " : "",
	    ec.syslog_tcp ? "tcp://" : "udp://", ec.syslog_host,
	    ec.syslog_host[0] ? "" : "", name);
	return 0;
}

static void
daemon_teardown(struct daemon *d)
{
	size_t i;
	struct event **evs[] = {&d->ev_flush, &d->ev_analysis, &d->ev_tick,
	    &d->ev_watchdog, &d->ev_term, &d->ev_int, &d->ev_hup};

	httpapi_free(d->api);
	d->api = NULL;
	for (i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		if (*evs[i] != NULL)
			event_free(*evs[i]);
		*evs[i] = NULL;
	}
	for (i = 0; i < d->ncaps; i++)
		cap_close(&d->caps[i]);
	engine_free(d->e);
	graph_free(d->g);
	events_close(d->evo);
	store_events_free(d->evd);
	central_free(d->central);
	store_close(d->st);
	if (d->base != NULL)
		event_base_free(d->base);
	if (d->notify_fd >= 0)
		close(d->notify_fd);
	free(d->policy_path);
	policy_clear(&d->pol);
	free(d->zones_body);
	free(d->viol_body);
	config_free(&d->cfg);
}

int
daemon_run(const struct sensor_config *cfg, daemon_reload_fn reload,
    void *reload_arg)
{
	struct daemon *d;
	struct httpapi_cfg acfg;
	struct httpapi_hooks hooks;
	struct engine_stats es;
	struct graph_stats gs;
	char err[768], status[256];
	uint64_t kd;
	size_t i;
	int rc = 2;

	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    config_copy(&d->cfg, cfg) != 0) {
		LOG_E("out of memory");
		free(d);
		return 2;
	}
	d->notify_fd = -1;
	d->reload = reload;
	d->reload_arg = reload_arg;
	d->start_wall_us = wall_us();
	d->start_mono_us = mono_us();
	sensor_log_level(d->cfg.log_level);
	signal(SIGPIPE, SIG_IGN);
	if (d->cfg.n_ifaces == 0) {
		LOG_E("no interface to capture on (capture.interfaces in "
		      "the configuration, or -i IFACE)");
		goto out;
	}
	notify_open(d);
	if ((d->base = event_base_new()) == NULL) {
		LOG_E("event_base_new failed");
		goto out;
	}
	d->st = store_open(d->cfg.database, 0, err, sizeof(err));
	if (d->st == NULL) {
		LOG_E("%s: %s", d->cfg.database, err);
		goto out;
	}
	if (intervals_init(d, err, sizeof(err)) != 0) {
		LOG_E("%s: %s", d->cfg.database, err);
		goto out;
	}
	if (d->cfg.name[0] != '\0' &&
	    store_set_sensor_name(d->st, d->cfg.name, err, sizeof(err)) != 0) {
		LOG_E("name: %s", err);
		goto out;
	}
	memset(&d->ecfg, 0, sizeof(d->ecfg));
	d->ecfg.max_conns = d->cfg.max_conns;
	d->ecfg.reasm_bytes = d->cfg.reasm_bytes;
	d->ecfg.tcp_timeout_s = d->cfg.tcp_timeout;
	d->ecfg.udp_timeout_s = d->cfg.udp_timeout;
	d->ecfg.no_dedup = !d->cfg.dedup;
	d->ecfg.graph.max_assets = d->cfg.max_assets;
	d->ecfg.graph.max_edges = d->cfg.max_edges;
	if ((d->g = graph_new(&d->ecfg.graph)) == NULL) {
		LOG_E("out of memory");
		goto out;
	}
	if ((d->e = engine_new(&d->ecfg, d->g, err, sizeof(err))) == NULL) {
		LOG_E("%s", err);
		goto out;
	}
	for (i = 0; i < d->cfg.n_ifaces; i++) {
		if (cap_open(d, &d->caps[i], d->cfg.ifaces[i], err,
			sizeof(err)) != 0) {
			d->ncaps = i + 1;
			LOG_E("%s", err);
			goto out;
		}
		d->ncaps = i + 1;
	}
	if (d->cfg.api_enabled) {
		memset(&acfg, 0, sizeof(acfg));
		acfg.listen = d->cfg.api_listen;
		acfg.port = (uint16_t)d->cfg.api_port;
		acfg.token = d->cfg.api_token;
		acfg.max_connections = d->cfg.api_max_connections;
		acfg.max_request = d->cfg.api_max_request;
		acfg.timeout = d->cfg.api_timeout;
		memset(&hooks, 0, sizeof(hooks));
		hooks.arg = d;
		hooks.store = hook_store;
		hooks.generation = hook_generation;
		hooks.metrics = hook_metrics;
		hooks.health = hook_health;
		hooks.zones = hook_zones;
		hooks.violations = hook_violations;
		d->api = httpapi_new(d->base, &acfg, &hooks, err, sizeof(err));
		if (d->api == NULL) {
			LOG_E("%s", err);
			goto out;
		}
		LOG_I("API on %s%s%s port %u%s",
		    strchr(acfg.listen, ':') ? "[" : "", acfg.listen,
		    strchr(acfg.listen, ':') ? "]" : "", (unsigned)acfg.port,
		    acfg.token[0] ? ", bearer token required" : "");
	}
	if (central_setup(d, err, sizeof(err)) != 0) {
		LOG_E("%s", err);
		goto out;
	}
	/* everything privileged is open: become the configured user */
	if (drop_privileges(&d->cfg, err, sizeof(err)) != 0) {
		LOG_E("%s", err);
		goto out;
	}
	/* the pusher thread: after the drop (it runs as the sensor's user,
	 * with HOME set for libpq), before the first flush */
	if (central_start(d->central, err, sizeof(err)) != 0) {
		LOG_E("%s", err);
		goto out;
	}
	daemon_policy_load(d, d->cfg.policy);
	/* after the drop: the file is the user's, as at a reopen */
	if (events_setup(d, err, sizeof(err)) != 0) {
		LOG_E("%s", err);
		goto out;
	}
	d->ev_term = evsignal_new(d->base, SIGTERM, on_stop, d);
	d->ev_int = evsignal_new(d->base, SIGINT, on_stop, d);
	d->ev_hup = evsignal_new(d->base, SIGHUP, on_reload, d);
	d->ev_flush = timer_new(d, on_flush,
	    (uint64_t)d->cfg.flush_interval * 1000000u);
	d->ev_analysis = timer_new(d, on_analysis,
	    (uint64_t)d->cfg.analysis_interval * 1000000u);
	d->ev_tick = timer_new(d, on_tick, 1000000u);
	if (d->watchdog_usec > 0)
		d->ev_watchdog = timer_new(d, on_watchdog,
		    d->watchdog_usec / 2 > 0 ? d->watchdog_usec / 2 : 1);
	if (d->ev_term == NULL || d->ev_int == NULL || d->ev_hup == NULL ||
	    d->ev_flush == NULL || d->ev_analysis == NULL ||
	    d->ev_tick == NULL ||
	    (d->watchdog_usec > 0 && d->ev_watchdog == NULL) ||
	    evsignal_add(d->ev_term, NULL) != 0 ||
	    evsignal_add(d->ev_int, NULL) != 0 ||
	    evsignal_add(d->ev_hup, NULL) != 0) {
		LOG_E("event setup failed");
		goto out;
	}
	analysis_run(d, 1);
	snprintf(status, sizeof(status), "READY=1\nSTATUS=capturing on %zu "
					 "interface%s",
	    d->ncaps, d->ncaps == 1 ? "" : "s");
	notify(d, status);
	LOG_I("sensor ready: %zu interface%s, flush every %us, database %s",
	    d->ncaps, d->ncaps == 1 ? "" : "s", d->cfg.flush_interval,
	    d->cfg.database);

	if (event_base_dispatch(d->base) < 0) {
		LOG_E("event loop failed");
		goto out;
	}
	/* stopping: what the kernel already captured, then everything */
	for (i = 0; i < d->ncaps; i++)
		cap_read(&d->caps[i], -1);
	for (i = 0; i < d->ncaps; i++)
		cap_stats(&d->caps[i]);
	total_stats(d, &es);
	engine_free(d->e); /* pushes every open connection */
	d->e = engine_new(&d->ecfg, d->g, err, sizeof(err));
	if (d->e == NULL) {
		LOG_E("%s", err);
		goto out;
	}
	if (daemon_flush(d, DAEMON_FLUSH_TRIES) != 0) {
		LOG_E("%s: the last flush failed: changes since the last "
		      "good flush are lost", d->cfg.database);
		goto out;
	}
	graph_stats(d->g, &gs);
	for (i = 0, kd = 0; i < d->ncaps; i++)
		kd += d->caps[i].now.kernel_drops + d->caps[i].now.if_drops;
	LOG_I("stopped: %" PRIu64 " packets, %" PRIu64 " dropped by the "
	      "kernel or interface, %" PRIu64 " malformed, %u assets, %u "
	      "flows; everything flushed",
	    packets_now(d), kd, es.malformed + es.dis_malformed, gs.assets,
	    gs.edges);
	rc = 0;
out:
	if (d->evo != NULL)
		events_drain(d->evo, 2000); /* the last events, bounded */
	daemon_teardown(d);
	free(d);
	return rc;
}

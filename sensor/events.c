/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * events.c: change events out, as an NDJSON file and as RFC 5424 syslog.
 *
 * The file: one JSON object per line, appended with stdio and flushed
 * after each batch (one flush's events), so a crash of otzone loses none
 * that were emitted; it is not fsync'd per line (a power cut may lose the
 * last seconds, as with the database's synchronous=NORMAL), but it is
 * fsync'd before a rotation renames it.  Rotation by size: when a line
 * would take the file past max_bytes, events.ndjson.(keep-1) becomes
 * .keep (the oldest is removed), ..., events.ndjson becomes .1, and a new
 * file is started.  SIGHUP reopens the path, for logrotate's
 * create/move.
 *
 * Syslog: "<PRI>1 TIMESTAMP HOSTNAME otzone PROCID MSGID - JSON", the
 * MSGID being the event type and the message the same JSON as the file
 * (no structured data: one parser serves both outputs, and SD-IDs of our
 * own would need an IANA enterprise number).  UDP: one datagram per
 * event.  TCP: octet counting (RFC 6587 3.4.1, "LEN SP MSG").  Messages
 * wait in a bounded queue; the socket is non-blocking; a TCP collector
 * that goes away is reconnected with a backoff doubling from 1 s to 60 s.
 * Nothing here ever waits for the network, except events_drain() which
 * `otzone read` calls once at the end with a time limit.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "events.h"
#include "output.h"

struct msg {
	char *buf;
	size_t len;
};

struct events_out {
	char *path;
	FILE *f;
	uint64_t size;
	uint64_t max_bytes;
	uint32_t keep;
	char *observer;
	char hostname[256]; /* the syslog HOSTNAME: the sensor's name */
	/* syslog */
	int sl_on, tcp, facility, fd, connected;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	struct msg *q; /* ring */
	size_t q_head, q_n, q_bytes, q_off; /* q_off: bytes of the head
					     * message already sent (TCP) */
	uint64_t next_try_ms, backoff_ms;
	struct events_stats st;
};

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- the JSON of one event ----------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (1..4), 0 when it is not one
 * (overlong forms, surrogates and code points past U+10FFFF refused). */
static size_t
utf8_len(const unsigned char *p)
{
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[0] == 0xe0 && p[1] < 0xa0) ||
		    (p[0] == 0xed && p[1] > 0x9f))
			return 0;
		return 3;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[3] & 0xc0) != 0x80 || (p[0] == 0xf0 && p[1] < 0x90) ||
		    (p[0] == 0xf4 && p[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

/*
 * A JSON string that is always valid UTF-8: device-supplied identity
 * strings may be in any encoding, and one bad byte would make a SIEM
 * drop the whole line.  Invalid bytes become U+FFFD.  (The NUL that ends
 * the string stops the continuation checks above: it is not 10xxxxxx.)
 */
static void
ev_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	fputc('"', f);
	while (*p != '\0') {
		if (*p == '"' || *p == '\\') {
			fputc('\\', f);
			fputc(*p++, f);
		} else if (*p < 0x20) {
			fprintf(f, "\\u%04x", *p++);
		} else if ((n = utf8_len(p)) == 0) {
			fputs("\\ufffd", f);
			p++;
		} else {
			fwrite(p, 1, n, f);
			p += n;
		}
	}
	fputc('"', f);
}

struct kind {
	const char *kind, *category, *type;
};

static const struct kind kinds[SEV_N] = {
    [SEV_NEW_ASSET] = {"event", "\"host\"", "\"creation\""},
    [SEV_IDENTITY_CHANGED] = {"event", "\"host\",\"configuration\"",
	"\"change\""},
    [SEV_NEW_ZONE_FLOW] = {"event", "\"network\"", "\"connection\",\"start\""},
    [SEV_NEW_CONDUIT] = {"event", "\"network\"", "\"connection\",\"start\""},
    [SEV_FIRST_CLASS] = {"event", "\"network\"", "\"protocol\""},
    [SEV_NEW_FINDING] = {"alert", "\"intrusion_detection\",\"network\"",
	"\"info\""},
    [SEV_CAPTURE_DROPS] = {"event", "\"network\"", "\"info\""},
    [SEV_SUPPRESSED] = {"event", "\"network\"", "\"info\""},
};

static const char *const level_names[8] = {"emergency", "alert",
    "critical", "error", "warning", "notice", "informational", "debug"};

/* RFC 5424 severity of an event (also event.severity and log.level). */
static int
event_level(const struct store_event *e)
{
	switch (e->type) {
	case SEV_NEW_ASSET:
	case SEV_NEW_CONDUIT:
		return 5;
	case SEV_IDENTITY_CHANGED:
	case SEV_CAPTURE_DROPS:
	case SEV_SUPPRESSED:
		return 4;
	case SEV_NEW_ZONE_FLOW:
		return 6;
	case SEV_FIRST_CLASS:
		if (strcmp(e->cls, "program") == 0 ||
		    strcmp(e->cls, "control") == 0)
			return 4;
		return strcmp(e->cls, "write") == 0 ? 5 : 6;
	case SEV_NEW_FINDING:
		if (strcmp(e->severity, "critical") == 0)
			return 2;
		if (strcmp(e->severity, "high") == 0)
			return 3;
		if (strcmp(e->severity, "medium") == 0)
			return 4;
		return 5;
	default:
		return 6;
	}
}

/* ECS MAC notation: upper case, hyphens (RFC 7042). */
static void
ecs_mac(const char *mac, char *out, size_t len)
{
	size_t i;

	snprintf(out, len, "%s", mac);
	for (i = 0; out[i] != '\0'; i++) {
		if (out[i] == ':')
			out[i] = '-';
		else if (out[i] >= 'a' && out[i] <= 'f')
			out[i] = (char)(out[i] - 'a' + 'A');
	}
}

static void
kv_str(FILE *f, int *first, const char *k, const char *v)
{
	if (v == NULL || v[0] == '\0')
		return;
	fprintf(f, "%s\"%s\":", *first ? "" : ",", k);
	ev_str(f, v);
	*first = 0;
}

/* otzone.asset / otzone.source / otzone.destination */
static void
asset_obj(FILE *f, const char *name, const struct store_event_asset *a)
{
	int first = 0;

	fprintf(f, ",\"%s\":{\"ip\":", name);
	ev_str(f, a->ip);
	fprintf(f, ",\"vlan\":%u", a->vlan);
	kv_str(f, &first, "mac", a->mac);
	kv_str(f, &first, "vendor", a->vendor);
	kv_str(f, &first, "product", a->product);
	kv_str(f, &first, "model", a->model);
	kv_str(f, &first, "firmware", a->firmware);
	kv_str(f, &first, "serial", a->serial);
	kv_str(f, &first, "name", a->name);
	fputc('}', f);
}

/* source.* / destination.* (ECS) */
static void
ecs_end(FILE *f, const char *name, const struct store_event_asset *a,
    uint16_t port)
{
	char m[24];

	fprintf(f, ",\"%s\":{\"ip\":", name);
	ev_str(f, a->ip);
	if (a->mac[0] != '\0') {
		ecs_mac(a->mac, m, sizeof(m));
		fputs(",\"mac\":", f);
		ev_str(f, m);
	}
	if (port != 0)
		fprintf(f, ",\"port\":%u", port);
	fputc('}', f);
}

static void
message(FILE *f, const struct store_event *e)
{
	char b[1024];

	switch (e->type) {
	case SEV_NEW_ASSET:
		snprintf(b, sizeof(b), "new asset %s (vlan %u)", e->src.ip,
		    e->src.vlan);
		break;
	case SEV_IDENTITY_CHANGED:
		snprintf(b, sizeof(b),
		    "asset %s: %s changed from '%s' to '%s'%s",
		    e->src.ip, e->changes[0].field, e->changes[0].old_value,
		    e->changes[0].new_value,
		    e->n_changes > 1 ? " (and more)" : "");
		break;
	case SEV_NEW_ZONE_FLOW:
		snprintf(b, sizeof(b), "new flow %s -> %s %s/%u (%s) from zone "
				       "%s to zone %s", e->src.ip, e->dst.ip,
		    e->transport, e->port, e->protocol, e->zone_from,
		    e->zone_to);
		break;
	case SEV_NEW_CONDUIT:
		snprintf(b, sizeof(b),
		    "new conduit: first flow from zone %s to zone %s "
		    "(%s -> %s, %s)", e->zone_from, e->zone_to, e->src.ip,
		    e->dst.ip, e->protocol);
		break;
	case SEV_FIRST_CLASS:
		snprintf(b, sizeof(b), "first %s operation from zone %s to "
				       "zone %s (%s -> %s, %s)", e->cls,
		    e->zone_from, e->zone_to, e->src.ip, e->dst.ip,
		    e->protocol);
		break;
	case SEV_NEW_FINDING:
		snprintf(b, sizeof(b), "new finding %s (%s, %s): %s -> %s %s",
		    e->rule, e->requirement, e->severity, e->src.ip,
		    e->dst.present ? e->dst.ip : "-",
		    e->protocol[0] ? e->protocol : "");
		break;
	case SEV_CAPTURE_DROPS:
		snprintf(b, sizeof(b), "%" PRIu64 " packets dropped (threshold "
				       "%" PRIu64 ") on %s", e->drops,
		    e->threshold, e->source);
		break;
	default:
		snprintf(b, sizeof(b), "%" PRIu64 " events suppressed (more "
				       "than %u in one flush)", e->suppressed,
		    STORE_EVENTS_MAX_PER_FLUSH);
		break;
	}
	fputs(",\"message\":", f);
	ev_str(f, b);
}

void
events_json(FILE *f, const struct store_event *e, const char *observer)
{
	const struct kind *k = &kinds[e->type >= 0 && e->type < SEV_N
		? e->type
		: SEV_SUPPRESSED];
	const char *action = store_event_type_name(e->type);
	int lvl = event_level(e), flow, first;
	char t[40];
	int64_t ts = e->ts_us;

	if (ts <= 0) {
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		ts = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
	}
	fmt_time(ts, t, sizeof(t));
	fputs("{\"@timestamp\":", f);
	ev_str(f, t);
	fprintf(f, ",\"ecs\":{\"version\":\"8.11.0\"},\"event\":{\"kind\":"
		   "\"%s\",\"category\":[%s],\"type\":[%s],\"action\":",
	    k->kind, k->category, k->type);
	ev_str(f, action);
	fprintf(f, ",\"severity\":%d,\"module\":\"otzone\","
		   "\"dataset\":\"otzone.events\"}", lvl);
	fprintf(f, ",\"log\":{\"level\":\"%s\"}", level_names[lvl]);
	fputs(",\"observer\":{\"name\":", f);
	ev_str(f, observer);
	fputs(",\"type\":\"sensor\",\"product\":\"otzone\",\"vendor\":"
	      "\"otzone\"}", f);
	message(f, e);
	flow = e->type == SEV_NEW_ZONE_FLOW || e->type == SEV_NEW_CONDUIT ||
	    e->type == SEV_FIRST_CLASS || e->type == SEV_NEW_FINDING;
	if (e->type == SEV_NEW_ASSET || e->type == SEV_IDENTITY_CHANGED) {
		char m[24];

		fputs(",\"host\":{\"ip\":[", f);
		ev_str(f, e->src.ip);
		fputc(']', f);
		if (e->src.mac[0] != '\0') {
			ecs_mac(e->src.mac, m, sizeof(m));
			fputs(",\"mac\":[", f);
			ev_str(f, m);
			fputc(']', f);
		}
		fputc('}', f);
	}
	if (flow && e->src.present)
		ecs_end(f, "source", &e->src, 0);
	if (flow && e->dst.present)
		ecs_end(f, "destination", &e->dst, e->port);
	if (flow && (e->protocol[0] || e->transport[0])) {
		first = 1;
		fputs(",\"network\":{", f);
		kv_str(f, &first, "protocol", e->protocol);
		kv_str(f, &first, "transport", e->transport);
		/* the client's tag, else the server's (a SPAN often tags
		 * one direction only) */
		if (e->src.vlan != 0 || e->dst.vlan != 0)
			fprintf(f, ",\"vlan\":{\"id\":\"%u\"}",
			    e->src.vlan ? e->src.vlan : e->dst.vlan);
		fputc('}', f);
	}
	if (e->type == SEV_NEW_FINDING) {
		char ref[64];

		snprintf(ref, sizeof(ref), "IEC 62443-3-3 %s", e->requirement);
		fputs(",\"rule\":{\"id\":", f);
		ev_str(f, e->rule);
		fputs(",\"name\":", f);
		ev_str(f, e->rule);
		fputs(",\"reference\":", f);
		ev_str(f, ref);
		fputs(",\"ruleset\":\"otzone-policy\"}", f);
	}
	fputs(",\"otzone\":{\"type\":", f);
	ev_str(f, action);
	if (e->type == SEV_NEW_ASSET || e->type == SEV_IDENTITY_CHANGED)
		asset_obj(f, "asset", &e->src);
	if (flow && e->src.present)
		asset_obj(f, "source", &e->src);
	if (flow && e->dst.present)
		asset_obj(f, "destination", &e->dst);
	if (e->zone_from[0] || e->zone_to[0]) {
		first = 1;
		fputs(",\"zones\":{", f);
		kv_str(f, &first, "from", e->zone_from);
		kv_str(f, &first, "to", e->zone_to);
		fputc('}', f);
	}
	if (e->cls[0] != '\0') {
		fputs(",\"class\":", f);
		ev_str(f, e->cls);
	}
	if (e->n_changes > 0) {
		int i;

		fputs(",\"changes\":[", f);
		for (i = 0; i < e->n_changes; i++) {
			fprintf(f, "%s{\"field\":", i ? "," : "");
			ev_str(f, e->changes[i].field);
			fputs(",\"old\":", f);
			ev_str(f, e->changes[i].old_value);
			fputs(",\"new\":", f);
			ev_str(f, e->changes[i].new_value);
			fputc('}', f);
		}
		fputc(']', f);
	}
	if (e->type == SEV_NEW_FINDING) {
		fputs(",\"finding\":{\"rule\":", f);
		ev_str(f, e->rule);
		fputs(",\"requirement\":", f);
		ev_str(f, e->requirement);
		fprintf(f, ",\"sl_t\":%d,\"severity\":", e->sl_t);
		ev_str(f, e->severity);
		fprintf(f, ",\"count\":%" PRIu64 "}", e->count);
	}
	if (e->type == SEV_CAPTURE_DROPS)
		fprintf(f, ",\"drops\":{\"dropped\":%" PRIu64 ",\"packets\":%"
			   PRIu64 ",\"threshold\":%" PRIu64 "}", e->drops,
		    e->packets, e->threshold);
	if (e->type == SEV_SUPPRESSED)
		fprintf(f, ",\"suppressed\":%" PRIu64 ",\"limit\":%u",
		    e->suppressed, STORE_EVENTS_MAX_PER_FLUSH);
	if (e->source[0] != '\0' || e->frame != 0) {
		first = 1;
		fputs(",\"evidence\":{", f);
		kv_str(f, &first, "source", e->source);
		if (e->frame != 0)
			fprintf(f, "%s\"frame\":%" PRIu64, first ? "" : ",",
			    e->frame);
		fputc('}', f);
	}
	fputs("}}", f);
}

/* ---- the file ------------------------------------------------------------ */

static int
file_open(struct events_out *o, char *errbuf, size_t errlen)
{
	struct stat sb;
	int fd;

	fd = open(o->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0 || (o->f = fdopen(fd, "a")) == NULL) {
		snprintf(errbuf, errlen, "%s: %s", o->path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	o->size = fstat(fd, &sb) == 0 ? (uint64_t)sb.st_size : 0;
	return 0;
}

static void
file_rotate(struct events_out *o)
{
	char from[4200], to[4200];
	uint32_t i;

	fflush(o->f);
	fsync(fileno(o->f));
	fclose(o->f);
	o->f = NULL;
	if (o->keep == 0) {
		unlink(o->path);
	} else {
		snprintf(to, sizeof(to), "%s.%u", o->path, o->keep);
		unlink(to);
		for (i = o->keep; i > 1; i--) {
			snprintf(from, sizeof(from), "%s.%u", o->path, i - 1);
			snprintf(to, sizeof(to), "%s.%u", o->path, i);
			rename(from, to);
		}
		snprintf(to, sizeof(to), "%s.1", o->path);
		rename(o->path, to);
	}
	o->st.rotations++;
}

static int
file_line(struct events_out *o, const char *line, size_t len)
{
	char err[256];

	if (o->f == NULL && file_open(o, err, sizeof(err)) != 0)
		return -1;
	if (o->max_bytes > 0 && o->size > 0 &&
	    o->size + len + 1 > o->max_bytes) {
		file_rotate(o);
		if (file_open(o, err, sizeof(err)) != 0)
			return -1;
	}
	if (fwrite(line, 1, len, o->f) != len || fputc('\n', o->f) == EOF)
		return -1;
	o->size += len + 1;
	return 0;
}

/* ---- syslog -------------------------------------------------------------- */

int
events_facility(const char *s)
{
	static const char *const names[24] = {"kern", "user", "mail",
	    "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
	    "authpriv", "ftp", "ntp", "security", "console", "clock",
	    "local0", "local1", "local2", "local3", "local4", "local5",
	    "local6", "local7"};
	char *end;
	long v;
	int i;

	for (i = 0; i < 24; i++)
		if (strcasecmp(s, names[i]) == 0)
			return i;
	v = strtol(s, &end, 10);
	if (s[0] >= '0' && s[0] <= '9' && *end == '\0' && v >= 0 && v <= 23)
		return (int)v;
	return -1;
}

int
events_parse_target(const char *s, char *buf, size_t len,
    struct events_cfg *cfg)
{
	const char *p = s, *colon;
	char *end;
	unsigned long port;

	cfg->syslog_tcp = 0;
	if (strncmp(p, "udp://", 6) == 0) {
		p += 6;
	} else if (strncmp(p, "tcp://", 6) == 0) {
		p += 6;
		cfg->syslog_tcp = 1;
	}
	colon = strrchr(p, ':');
	if (colon == NULL || colon == p || (size_t)(colon - p) >= len)
		return -1;
	port = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port == 0 || port > 65535)
		return -1;
	memcpy(buf, p, (size_t)(colon - p));
	buf[colon - p] = '\0';
	/* [::1]:514 */
	if (buf[0] == '[' && buf[strlen(buf) - 1] == ']') {
		memmove(buf, buf + 1, strlen(buf) - 2);
		buf[strlen(buf) - 2] = '\0';
	}
	cfg->syslog_host = buf;
	cfg->syslog_port = (uint16_t)port;
	return 0;
}

static void
sl_close(struct events_out *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	o->connected = 0;
	o->q_off = 0; /* a cut message is sent whole on the next link */
}

static void
sl_backoff(struct events_out *o)
{
	sl_close(o);
	o->backoff_ms = o->backoff_ms ? o->backoff_ms * 2 : 1000;
	if (o->backoff_ms > EVENTS_SYSLOG_BACKOFF_MAX_MS)
		o->backoff_ms = EVENTS_SYSLOG_BACKOFF_MAX_MS;
	o->next_try_ms = mono_ms() + o->backoff_ms;
}

/* Start a (non-blocking) connection when none is up and one is due. */
static void
sl_connect(struct events_out *o)
{
	int fd;

	if (o->fd >= 0 || mono_ms() < o->next_try_ms)
		return;
	fd = socket(o->addr.ss_family,
	    (o->tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0) {
		sl_backoff(o);
		return;
	}
	o->fd = fd;
	if (connect(fd, (struct sockaddr *)&o->addr, o->addrlen) == 0) {
		o->connected = 1;
		if (o->tcp)
			o->st.syslog_connects++;
		o->backoff_ms = 0;
	} else if (errno != EINPROGRESS) {
		sl_backoff(o);
	}
}

static void
q_pop(struct events_out *o)
{
	struct msg *m = &o->q[o->q_head];

	o->q_bytes -= m->len;
	free(m->buf);
	m->buf = NULL;
	o->q_head = (o->q_head + 1) % EVENTS_SYSLOG_QUEUE_MAX;
	o->q_n--;
	o->q_off = 0;
}

void
events_pump(struct events_out *o)
{
	struct pollfd pfd;

	if (o == NULL || !o->sl_on || o->q_n == 0)
		return;
	sl_connect(o);
	if (o->fd < 0)
		return;
	pfd.fd = o->fd;
	pfd.events = POLLOUT | POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) < 0)
		return;
	if (!o->connected) {
		int err = 0;
		socklen_t el = sizeof(err);

		if (!(pfd.revents & (POLLOUT | POLLERR | POLLHUP)))
			return; /* still connecting */
		if (getsockopt(o->fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 ||
		    err != 0) {
			sl_backoff(o);
			return;
		}
		o->connected = 1;
		o->backoff_ms = 0;
		if (o->tcp)
			o->st.syslog_connects++;
	}
	if (o->tcp && (pfd.revents & (POLLIN | POLLHUP | POLLERR))) {
		char junk[256];
		ssize_t r = recv(o->fd, junk, sizeof(junk), MSG_DONTWAIT);

		/* A collector says nothing on this link: end of file or an
		 * error means it went away. */
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
			sl_backoff(o);
			return;
		}
	}
	while (o->q_n > 0) {
		struct msg *m = &o->q[o->q_head];
		ssize_t n = send(o->fd, m->buf + o->q_off, m->len - o->q_off,
		    MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return;
			if (!o->tcp) {
				/* UDP: the collector's port is closed (ICMP);
				 * this message is lost, counted. */
				o->st.syslog_dropped++;
				q_pop(o);
				continue;
			}
			sl_backoff(o);
			return;
		}
		o->q_off += (size_t)n;
		if (o->q_off >= m->len) {
			o->st.syslog_sent++;
			q_pop(o);
		}
	}
}

uint64_t
events_drain(struct events_out *o, int timeout_ms)
{
	uint64_t end = mono_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
	uint64_t left;

	if (o == NULL || !o->sl_on)
		return 0;
	while (o->q_n > 0 && mono_ms() < end) {
		events_pump(o);
		if (o->q_n > 0)
			poll(NULL, 0, 10);
	}
	left = o->q_n;
	while (o->q_n > 0) {
		o->st.syslog_dropped++;
		q_pop(o);
	}
	return left;
}

static void
sl_queue(struct events_out *o, const struct store_event *e, const char *json,
    size_t jlen)
{
	char head[512], t[40], *buf;
	struct timespec now;
	int hl, pl = 0;
	size_t tot;
	struct msg *m;

	if (o->q_n >= EVENTS_SYSLOG_QUEUE_MAX ||
	    o->q_bytes + jlen + sizeof(head) > EVENTS_SYSLOG_QUEUE_BYTES) {
		o->st.syslog_dropped++;
		return;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	fmt_time((int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000, t,
	    sizeof(t));
	hl = snprintf(head, sizeof(head), "<%d>1 %s %s otzone %ld %s - ",
	    o->facility * 8 + event_level(e), t, o->hostname, (long)getpid(),
	    store_event_type_name(e->type));
	if (hl < 0 || (size_t)hl >= sizeof(head)) {
		o->st.syslog_dropped++;
		return;
	}
	tot = (size_t)hl + jlen;
	buf = malloc(tot + 24);
	if (buf == NULL) {
		o->st.syslog_dropped++;
		return;
	}
	if (o->tcp)
		pl = snprintf(buf, 24, "%zu ", tot);
	memcpy(buf + pl, head, (size_t)hl);
	memcpy(buf + pl + hl, json, jlen);
	m = &o->q[(o->q_head + o->q_n) % EVENTS_SYSLOG_QUEUE_MAX];
	m->buf = buf;
	m->len = tot + (size_t)pl;
	o->q_n++;
	o->q_bytes += m->len;
}

/* ---- public -------------------------------------------------------------- */

/* A syslog HOSTNAME: printable ASCII without spaces, at most 255. */
static void
sl_hostname(const char *name, char *out, size_t len)
{
	size_t i;

	snprintf(out, len, "%s", name[0] ? name : "-");
	for (i = 0; out[i] != '\0'; i++)
		if (out[i] <= ' ' || out[i] > '~')
			out[i] = '_';
}

struct events_out *
events_open(const struct events_cfg *cfg, char *errbuf, size_t errlen)
{
	struct events_out *o = calloc(1, sizeof(*o));

	if (o == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	o->fd = -1;
	o->max_bytes = cfg->max_bytes;
	o->keep = cfg->keep;
	o->observer = strdup(cfg->observer ? cfg->observer : "");
	if (o->observer == NULL)
		goto oom;
	sl_hostname(o->observer, o->hostname, sizeof(o->hostname));
	if (cfg->file != NULL && cfg->file[0] != '\0') {
		if ((o->path = strdup(cfg->file)) == NULL)
			goto oom;
		if (file_open(o, errbuf, errlen) != 0)
			goto fail;
	}
	if (cfg->syslog_host != NULL && cfg->syslog_host[0] != '\0') {
		struct addrinfo hints, *res = NULL;
		char port[8];
		int rc;

		memset(&hints, 0, sizeof(hints));
		hints.ai_socktype = cfg->syslog_tcp ? SOCK_STREAM : SOCK_DGRAM;
		snprintf(port, sizeof(port), "%u", cfg->syslog_port);
		rc = getaddrinfo(cfg->syslog_host, port, &hints, &res);
		if (rc != 0 || res == NULL ||
		    res->ai_addrlen > sizeof(o->addr)) {
			snprintf(errbuf, errlen, "syslog: %s: %s",
			    cfg->syslog_host,
			    rc ? gai_strerror(rc) : "no address");
			if (res != NULL)
				freeaddrinfo(res);
			goto fail;
		}
		memcpy(&o->addr, res->ai_addr, res->ai_addrlen);
		o->addrlen = res->ai_addrlen;
		freeaddrinfo(res);
		o->q = calloc(EVENTS_SYSLOG_QUEUE_MAX, sizeof(*o->q));
		if (o->q == NULL)
			goto oom;
		o->sl_on = 1;
		o->tcp = cfg->syslog_tcp;
		o->facility = cfg->facility;
	}
	return o;
oom:
	snprintf(errbuf, errlen, "out of memory");
fail:
	events_close(o);
	return NULL;
}

void
events_close(struct events_out *o)
{
	if (o == NULL)
		return;
	if (o->f != NULL)
		fclose(o->f);
	sl_close(o);
	while (o->q != NULL && o->q_n > 0)
		q_pop(o);
	free(o->q);
	free(o->path);
	free(o->observer);
	free(o);
}

int
events_emit(struct events_out *o, const struct store_event *ev, size_t n)
{
	char *line = NULL;
	size_t len = 0, i;
	int rc = 0;

	if (o == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		FILE *m = open_memstream(&line, &len);

		o->st.emitted++;
		if (m == NULL) {
			o->st.write_errors++;
			rc = -1;
			continue;
		}
		events_json(m, &ev[i], o->observer);
		if (fclose(m) != 0) {
			free(line);
			line = NULL;
			o->st.write_errors++;
			rc = -1;
			continue;
		}
		if (o->path != NULL) {
			if (file_line(o, line, len) == 0) {
				o->st.written++;
			} else {
				o->st.write_errors++;
				rc = -1;
			}
		}
		if (o->sl_on)
			sl_queue(o, &ev[i], line, len);
		free(line);
		line = NULL;
	}
	if (o->f != NULL && fflush(o->f) != 0)
		rc = -1;
	events_pump(o);
	return rc;
}

int
events_reopen(struct events_out *o, char *errbuf, size_t errlen)
{
	if (o == NULL || o->path == NULL)
		return 0;
	if (o->f != NULL)
		fclose(o->f);
	o->f = NULL;
	return file_open(o, errbuf, errlen);
}

void
events_get_stats(const struct events_out *o, struct events_stats *s)
{
	memset(s, 0, sizeof(*s));
	if (o == NULL)
		return;
	*s = o->st;
	s->syslog_queued = o->q_n;
}

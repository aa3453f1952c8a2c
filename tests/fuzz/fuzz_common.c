/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#define TAIL_CAP 65536

static void
check_str(const char *s, size_t n)
{
	if (memchr(s, '\0', n) == NULL)
		abort();
}

static void
f_op(void *arg, const struct obs_op *o)
{
	(void)arg;
	if (o->proto <= OBS_P_NONE || o->proto >= OBS_P_MAX ||
	    o->cls >= OBS_C_MAX || o->name == NULL || o->requester > 1)
		abort();
}

static void
f_role(void *arg, const struct obs_role *o)
{
	(void)arg;
	if (o->side > 1 || o->proto >= OBS_P_MAX || o->role < 1 ||
	    o->role > OBS_R_IO_ADAPTER)
		abort();
}

static void
f_ident(void *arg, const struct obs_ident *o)
{
	(void)arg;
	if (o->side > 1)
		abort();
	check_str(o->vendor, sizeof(o->vendor));
	check_str(o->product, sizeof(o->product));
	check_str(o->model, sizeof(o->model));
	check_str(o->firmware, sizeof(o->firmware));
	check_str(o->hardware, sizeof(o->hardware));
	check_str(o->serial, sizeof(o->serial));
	check_str(o->name, sizeof(o->name));
	check_str(o->url, sizeof(o->url));
}

static void
f_attr(void *arg, const struct obs_attr *o)
{
	(void)arg;
	check_str(o->str, sizeof(o->str));
}

static void
f_anomaly(void *arg, const struct obs_anomaly *o)
{
	(void)arg;
	if (o->what == NULL)
		abort();
}

/* What the sensor does with one direction: keep a bounded tail. */
struct dirbuf {
	uint8_t *buf;
	size_t len;
};

static void
feed(const struct dissector *d, void *state, struct dirbuf *db,
    const struct dis_ctx *ctx, const uint8_t *p, size_t n,
    const struct obs_sink *sink)
{
	size_t used, off = 0, avail;
	enum dis_rc rc;
	int rounds = 0;

	if (ctx->l4 == 17) {
		used = 0;
		(void)d->parse(state, ctx, p, n, &used, sink);
		return;
	}
	if (db->len + n > TAIL_CAP) {
		db->len = 0;
		d->resync(state, ctx->dir);
		if (n > TAIL_CAP)
			return;
	}
	memcpy(db->buf + db->len, p, n);
	db->len += n;
	while (off < db->len) {
		if (++rounds > 100000)
			abort(); /* a parse loop that makes no progress */
		used = 0;
		avail = db->len - off;
		rc = d->parse(state, ctx, db->buf + off, avail, &used, sink);
		if (used > avail)
			abort();
		off += used;
		if (rc == DIS_NEED_MORE)
			break;
		if (rc == DIS_NOT_MINE || (rc == DIS_MALFORMED && used == 0)) {
			off = db->len;
			d->resync(state, ctx->dir);
			break;
		}
		if (used == 0)
			break;
	}
	memmove(db->buf, db->buf + off, db->len - off);
	db->len -= off;
}

/*
 * The mode byte (fuzz_common.h), with what the UDP datagrams get:
 *   bit 1 on UDP: each datagram is a length byte L, then L + 1 bytes of
 *          datagram (1..256; the last one may be cut short).  The length
 *          is not a byte of the datagram, so datagrams of any content
 *          and size (ENIP I/O starts with item count 2) can be made.
 *          On TCP, chunk sizes still come from the stream's own bytes.
 *   bit 4: UDP datagrams are sent to a broadcast/multicast address
 *          (ctx.multicast); ignored on TCP.
 */
int
fuzz_dissector(const struct dissector *d, const uint8_t *data, size_t size)
{
	struct obs_sink sink = {f_op, f_role, f_ident, f_attr, f_anomaly,
	    NULL};
	struct dirbuf db[2];
	struct dis_ctx ctx;
	uint8_t *copy, *state;
	uint8_t mode;
	size_t off, n, rest;
	int dir;

	if (size < 1)
		return 0;
	mode = data[0];
	rest = size - 1;
	copy = malloc(rest ? rest : 1);
	state = calloc(1, d->state_size ? d->state_size : 1);
	db[0].buf = malloc(TAIL_CAP);
	db[1].buf = malloc(TAIL_CAP);
	db[0].len = db[1].len = 0;
	if (copy == NULL || state == NULL || db[0].buf == NULL ||
	    db[1].buf == NULL)
		abort();
	memcpy(copy, data + 1, rest);
	(void)d->probe(copy, rest, (mode >> 2) & 1);

	memset(&ctx, 0, sizeof(ctx));
	ctx.l4 = (mode & 1) ? 17 : 6;
	if ((ctx.l4 == 17 && !d->l4_udp) || (ctx.l4 == 6 && !d->l4_tcp))
		ctx.l4 = d->l4_tcp ? 6 : 17;
	ctx.multicast = (uint8_t)(ctx.l4 == 17 && (mode & 16));
	dir = (mode >> 2) & 1;
	off = 0;
	while (off < rest) {
		if ((mode & 2) && ctx.l4 == 17) {
			/* a length byte, then the datagram: 1..256 */
			n = (size_t)copy[off++] + 1;
			if (off == rest)
				break;
			if (n > rest - off)
				n = rest - off;
		} else if (mode & 2) {
			/* chunk size from the data itself: 1..64 */
			n = (size_t)(copy[off] & 63) + 1;
			if (n > rest - off)
				n = rest - off;
		} else {
			n = rest - off;
		}
		ctx.dir = (uint8_t)dir;
		ctx.src_port = dir ? d->ports[0] : 40000;
		ctx.dst_port = dir ? 40000 : d->ports[0];
		/* exact-size copy of each chunk, too */
		{
			uint8_t *chunk = malloc(n);
			if (chunk == NULL)
				abort();
			memcpy(chunk, copy + off, n);
			/* a flow may start with any datagram: probe each */
			if ((mode & 2) && ctx.l4 == 17)
				(void)d->probe(chunk, n, dir);
			feed(d, state, &db[dir], &ctx, chunk, n, &sink);
			free(chunk);
		}
		off += n;
		if (mode & 8)
			dir ^= 1;
	}
	free(db[0].buf);
	free(db[1].buf);
	free(state);
	free(copy);
	return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
#include <string.h>

#include "rec_sink.h"

#define REC_PUT(arr, n, v)                                                  \
	do {                                                                \
		if (r->n < REC_MAX)                                         \
			r->arr[r->n++] = *(v);                              \
		else                                                        \
			r->dropped++;                                       \
	} while (0)

static void
rec_op(void *arg, const struct obs_op *o)
{
	struct rec *r = arg;
	REC_PUT(op, n_op, o);
}

static void
rec_role(void *arg, const struct obs_role *o)
{
	struct rec *r = arg;
	REC_PUT(role, n_role, o);
}

static void
rec_ident(void *arg, const struct obs_ident *o)
{
	struct rec *r = arg;
	REC_PUT(ident, n_ident, o);
}

static void
rec_attr(void *arg, const struct obs_attr *o)
{
	struct rec *r = arg;
	REC_PUT(attr, n_attr, o);
}

static void
rec_anomaly(void *arg, const struct obs_anomaly *o)
{
	struct rec *r = arg;
	REC_PUT(anomaly, n_anomaly, o);
}

void
rec_reset(struct rec *r)
{
	memset(r, 0, sizeof(*r));
}

struct obs_sink
rec_sink(struct rec *r)
{
	struct obs_sink s = {rec_op, rec_role, rec_ident, rec_attr,
	    rec_anomaly, r};

	rec_reset(r);
	return s;
}

enum dis_rc
rec_feed(const struct dissector *d, void *state, int dir, const uint8_t *buf,
    size_t len, const struct obs_sink *sink)
{
	struct dis_ctx ctx;
	enum dis_rc rc = DIS_OK;
	size_t off = 0, used;

	memset(&ctx, 0, sizeof(ctx));
	ctx.dir = (uint8_t)dir;
	ctx.l4 = 6;
	ctx.src_port = dir == DIS_C2S ? 49152 : d->ports[0];
	ctx.dst_port = dir == DIS_C2S ? d->ports[0] : 49152;
	while (off < len) {
		used = 0;
		rc = d->parse(state, &ctx, buf + off, len - off, &used, sink);
		if (used > len - off)
			return DIS_MALFORMED; /* contract broken */
		off += used;
		if (rc == DIS_NEED_MORE || rc == DIS_NOT_MINE)
			break;
		if (rc == DIS_MALFORMED && used == 0)
			break;
		if (rc == DIS_OK && used == 0)
			break;
	}
	return rc;
}

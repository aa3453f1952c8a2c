/* SPDX-License-Identifier: BSD-2-Clause */
/* s7.c: placeholder until the dissector lands. */
#include "dissect.h"

static int
s7_probe(const uint8_t *buf, size_t len, int dir)
{
	(void)buf;
	(void)len;
	(void)dir;
	return PROBE_NO;
}

static enum dis_rc
s7_parse(void *state, const struct dis_ctx *ctx, const uint8_t *buf,
    size_t len, size_t *used, const struct obs_sink *sink)
{
	(void)state;
	(void)ctx;
	(void)buf;
	(void)sink;
	*used = len;
	return DIS_NOT_MINE;
}

static void
s7_resync(void *state, int dir)
{
	(void)state;
	(void)dir;
}

const struct dissector dissector_s7 = {
	"s7", OBS_P_S7COMM, 1, 0, {102, 0, 0, 0}, 0, 1, s7_probe, s7_parse,
	s7_resync,
};

/* SPDX-License-Identifier: BSD-2-Clause */
/* enip.c: placeholder until the dissector lands. */
#include "dissect.h"

static int
enip_probe(const uint8_t *buf, size_t len, int dir)
{
	(void)buf;
	(void)len;
	(void)dir;
	return PROBE_NO;
}

static enum dis_rc
enip_parse(void *state, const struct dis_ctx *ctx, const uint8_t *buf,
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
enip_resync(void *state, int dir)
{
	(void)state;
	(void)dir;
}

const struct dissector dissector_enip = {
	"enip", OBS_P_ENIP, 1, 0, {44818, 0, 0, 0}, 0, 1, enip_probe, enip_parse,
	enip_resync,
};

/* SPDX-License-Identifier: BSD-2-Clause */
/* opcua.c: placeholder until the dissector lands. */
#include "dissect.h"

static int
opcua_probe(const uint8_t *buf, size_t len, int dir)
{
	(void)buf;
	(void)len;
	(void)dir;
	return PROBE_NO;
}

static enum dis_rc
opcua_parse(void *state, const struct dis_ctx *ctx, const uint8_t *buf,
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
opcua_resync(void *state, int dir)
{
	(void)state;
	(void)dir;
}

const struct dissector dissector_opcua = {
	"opcua", OBS_P_OPCUA, 1, 0, {4840, 0, 0, 0}, 0, 1, opcua_probe, opcua_parse,
	opcua_resync,
};

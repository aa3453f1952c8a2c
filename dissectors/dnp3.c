/* SPDX-License-Identifier: BSD-2-Clause */
/* dnp3.c: placeholder until the dissector lands. */
#include "dissect.h"

static int
dnp3_probe(const uint8_t *buf, size_t len, int dir)
{
	(void)buf;
	(void)len;
	(void)dir;
	return PROBE_NO;
}

static enum dis_rc
dnp3_parse(void *state, const struct dis_ctx *ctx, const uint8_t *buf,
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
dnp3_resync(void *state, int dir)
{
	(void)state;
	(void)dir;
}

const struct dissector dissector_dnp3 = {
	"dnp3", OBS_P_DNP3, 1, 0, {20000, 0, 0, 0}, 0, 1, dnp3_probe, dnp3_parse,
	dnp3_resync,
};

/* SPDX-License-Identifier: BSD-2-Clause */
/* modbus.c: placeholder until the dissector lands. */
#include "dissect.h"

static int
modbus_probe(const uint8_t *buf, size_t len, int dir)
{
	(void)buf;
	(void)len;
	(void)dir;
	return PROBE_NO;
}

static enum dis_rc
modbus_parse(void *state, const struct dis_ctx *ctx, const uint8_t *buf,
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
modbus_resync(void *state, int dir)
{
	(void)state;
	(void)dir;
}

const struct dissector dissector_modbus = {
	"modbus", OBS_P_MODBUS, 1, 0, {502, 0, 0, 0}, 0, 1, modbus_probe, modbus_parse,
	modbus_resync,
};

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rec_sink.h: an obs_sink for unit tests that records every observation
 * (up to REC_MAX of each kind; more are counted in *_dropped) so tests can
 * check each field exactly.
 */
#ifndef OTZ_REC_SINK_H
#define OTZ_REC_SINK_H

#include "../../dissectors/dissect.h"

#define REC_MAX 256

struct rec {
	struct obs_op op[REC_MAX];
	struct obs_role role[REC_MAX];
	struct obs_ident ident[REC_MAX];
	struct obs_attr attr[REC_MAX];
	struct obs_anomaly anomaly[REC_MAX];
	size_t n_op, n_role, n_ident, n_attr, n_anomaly;
	size_t dropped;
};

/* Reset r and return a sink that records into it. */
struct obs_sink rec_sink(struct rec *r);
void rec_reset(struct rec *r);

/* Feed a whole buffer to d as TCP stream bytes in direction dir, the way
 * the sensor does: call parse repeatedly, keeping the unconsumed tail.
 * Returns the last rc. */
enum dis_rc rec_feed(const struct dissector *d, void *state, int dir,
    const uint8_t *buf, size_t len, const struct obs_sink *sink);

#endif

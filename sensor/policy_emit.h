/* SPDX-License-Identifier: BSD-2-Clause */
/* policy_emit.h: `otzone zones --emit-policy`.  Internal to sensor/. */
#ifndef OTZ_POLICY_EMIT_H
#define OTZ_POLICY_EMIT_H

#include <stdio.h>

#include "../store/zones.h"

/*
 * Write the policy file (the YAML of ARCHITECTURE.md) that declares the
 * proposal r: every asset in its zone, one conduit per zone pair and
 * direction with traffic allowing each protocol seen up to the highest
 * access class seen, each zone's sl_t no higher than the traffic is
 * consistent with (r->zones[i].policy_sl_t), `default: deny`.  Checking
 * the same traffic against it finds nothing.  All arguments borrowed.
 */
void policy_emit(FILE *, const struct zones_result *r,
    const struct st_asset *as, size_t na, const struct st_flow *fs,
    size_t nf);

#endif

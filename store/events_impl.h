/* SPDX-License-Identifier: BSD-2-Clause */
/* events_impl.h: the flush's hooks into events.c, internal to store/. */
#ifndef OTZ_EVENTS_IMPL_H
#define OTZ_EVENTS_IMPL_H

#include "events.h"

/* Inside the flush's transaction, before its writes: find this flush's
 * changes.  0, or -1 (database error; no events). */
int events_detect(struct store_events *, struct store *, struct graph *);
/* After COMMIT (ok = 1) keep the pairs learnt; after a failure (ok = 0)
 * forget the events and the pairs. */
void events_commit(struct store_events *, int ok);

#endif

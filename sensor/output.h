/* SPDX-License-Identifier: BSD-2-Clause */
/* output.h: tables, JSON and CSV for the read commands.  sensor/ only. */
#ifndef OTZ_OUTPUT_H
#define OTZ_OUTPUT_H

#include <stdio.h>

#include "../store/store.h"

enum out_format { OUT_TABLE = 0, OUT_JSON, OUT_CSV, OUT_DOT, OUT_SVG };

void json_str(FILE *, const char *);
/* RFC 3339 UTC with microseconds; "-" for 0. */
void fmt_time(int64_t us, char *buf, size_t len);

/* Infer kinds, resolve MAC vendors and sort lists: call before output. */
int output_prepare_assets(struct st_asset *, size_t, const struct st_flow *,
    size_t);
void output_assets(FILE *, enum out_format, const struct st_asset *, size_t);
void output_flows(FILE *, enum out_format, const struct st_flow *, size_t);

#endif

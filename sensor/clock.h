/* SPDX-License-Identifier: BSD-2-Clause */
/* clock.h: microsecond clocks (sensor/ internal). */
#ifndef OTZ_CLOCK_H
#define OTZ_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Monotonic: for intervals and deadlines. */
static inline uint64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Wall clock: for times that are shown or stored. */
static inline uint64_t
wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

#endif

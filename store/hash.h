/* SPDX-License-Identifier: BSD-2-Clause */
/* hash.h: the hashing primitives of the graph and the connection table
 * (store/ and sensor/). */
#ifndef OTZ_HASH_H
#define OTZ_HASH_H

#include <stdint.h>
#include <string.h>

/* 64-bit mixer (the MurmurHash3 finaliser): every input bit reaches
 * every output bit, so sequential scan addresses spread evenly. */
static inline uint64_t
mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* Eight bytes as a word, no alignment assumed. */
static inline uint64_t
load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

#endif

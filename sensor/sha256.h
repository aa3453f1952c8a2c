/* SPDX-License-Identifier: BSD-2-Clause */
/* sha256.h: FIPS 180-4 SHA-256, for source content hashes. */
#ifndef OTZ_SHA256_H
#define OTZ_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len;
	uint8_t buf[64];
	size_t n;
};

void sha256_init(struct sha256 *);
void sha256_update(struct sha256 *, const void *, size_t);
void sha256_final(struct sha256 *, uint8_t out[32]);

#endif

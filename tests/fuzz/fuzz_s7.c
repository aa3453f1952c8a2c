/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_s7.c: libFuzzer target for the S7comm / S7comm-plus dissector. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return fuzz_dissector(&dissector_s7, d, n);
}

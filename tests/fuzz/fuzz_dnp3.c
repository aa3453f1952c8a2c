/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_dnp3.c: libFuzzer target for the DNP3 dissector (TCP and UDP). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return fuzz_dissector(&dissector_dnp3, d, n);
}

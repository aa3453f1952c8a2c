/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_enip.c: libFuzzer target for the EtherNet/IP + CIP dissector. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return fuzz_dissector(&dissector_enip, d, n);
}

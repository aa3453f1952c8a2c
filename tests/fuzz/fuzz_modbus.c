/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_modbus.c: libFuzzer target for the Modbus/TCP dissector. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return fuzz_dissector(&dissector_modbus, d, n);
}

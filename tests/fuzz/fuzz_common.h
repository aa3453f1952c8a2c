/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_common.h: one harness for every dissector.  The input is copied
 * into an exact-size heap buffer (so ASan sees a one-byte over-read).
 * The first byte chooses a mode:
 *   bit 0: 0 TCP stream, 1 UDP datagrams
 *   bit 1: split the rest into chunks whose sizes come from the next
 *          bytes (exercises partial PDUs and the sensor's tail buffer);
 *          on UDP each datagram is a length byte L, then L + 1 bytes
 *          (the length byte is not part of the datagram)
 *   bit 2: direction of the first chunk; later chunks alternate on bit 3
 *   bit 4: UDP datagrams go to a broadcast/multicast address
 *          (ctx.multicast); ignored on TCP
 * (fuzz_common.c has the details.)
 * A checking sink asserts observation invariants (strings terminated,
 * classes and protocols in range).
 */
#ifndef OTZ_FUZZ_COMMON_H
#define OTZ_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "../../dissectors/dissect.h"

int fuzz_dissector(const struct dissector *d, const uint8_t *data,
    size_t size);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * oui.h: MAC address vendors from ieee-data's registries (MA-S 36-bit,
 * MA-M 28-bit, MA-L 24-bit; the longest match wins).  Internal to
 * sensor/.
 */
#ifndef OTZ_OUI_H
#define OTZ_OUI_H

#include <stddef.h>

#define OUI_DIR_DEFAULT "/usr/share/ieee-data"

/*
 * Resolve the vendor of each MAC ("aa:bb:cc:dd:ee:ff") in macs[0..n) into
 * vendors[i] (size len each; "" when unknown), reading the registry files
 * once.  Returns 0, or -1 when no registry file could be read (vendors
 * are then all "").
 */
int oui_lookup(const char *dir, const char *const *macs, char (*vendors)[96],
    size_t n);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_zones.c: placeholder until `otzone zones` lands (in progress). */
#include <stdio.h>

#include "cmd.h"

int
cmd_zones(const struct cmd_args *a)
{
	(void)a;
	fprintf(stderr, "otzone: zones: not available in this build yet\n");
	return 2;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_check.c: placeholder until `otzone check` lands (in progress). */
#include <stdio.h>

#include "cmd.h"

int
cmd_check(const struct cmd_args *a)
{
	(void)a;
	fprintf(stderr, "otzone: check: not available in this build yet\n");
	return 2;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_report.c: placeholder until `otzone report` lands (in progress). */
#include <stdio.h>

#include "cmd.h"

int
cmd_report(const struct cmd_args *a)
{
	(void)a;
	fprintf(stderr, "otzone: report: not available in this build yet\n");
	return 2;
}

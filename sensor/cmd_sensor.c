/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_sensor.c: placeholder until `otzone sensor` lands (in progress). */
#include <stdio.h>

#include "cmd.h"

int
cmd_sensor(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "otzone: sensor: not available in this build yet\n");
	return 2;
}

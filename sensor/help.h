/* SPDX-License-Identifier: BSD-2-Clause */
/* help.h: per-command help texts (sensor/ internal). */
#ifndef OTZ_HELP_H
#define OTZ_HELP_H

#include <stdio.h>

/* Print COMMAND's help to f: 0, or -1 when there is no such command. */
int help_print(FILE *f, const char *cmd);
/* The command names, space-separated, no newline. */
void help_commands(FILE *f);

#endif

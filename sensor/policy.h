/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * policy.h: the zone/conduit policy file (YAML, ARCHITECTURE.md), parsed
 * with libyaml into the plain struct policy of store/check.h.
 *
 * Every mistake is reported as "FILE:LINE:COL: message" (1-based, the
 * position of the offending key or value), all of them in one pass (up to
 * POLICY_MAX_ERRORS), and a file with any mistake yields no policy: nothing
 * is checked until the file is valid.  Internal to sensor/.
 */
#ifndef OTZ_POLICY_H
#define OTZ_POLICY_H

#include <stddef.h>

#include "output.h"

#include "../store/check.h"

#define POLICY_MAX_FILE_BYTES (4u << 20) /* a larger file is refused */
#define POLICY_MAX_ERRORS 32		 /* reported; more are counted */

/*
 * Parse the policy at path into *p (cleared first).  0 ok; -1 on any
 * error, with errbuf holding one "FILE:LINE:COL: message" line per mistake
 * ('\n'-separated, no trailing newline; a file that cannot be read gives
 * "FILE: why").  On failure *p holds nothing to free; on success free it
 * with policy_clear().
 */
int policy_load(const char *path, struct policy *p, char *errbuf,
    size_t errlen);

/* The same from memory; name is the file name used in messages. */
int policy_parse(const char *name, const char *buf, size_t len,
    struct policy *p, char *errbuf, size_t errlen);

/*
 * One network ("10.0.0.0/8", "fd00::/64", or a bare address meaning /32
 * or /128); single: only a host address is accepted.  0 ok, -1 with why
 * filled ("host bits set ...").
 */
int policy_parse_prefix(const char *s, int single, struct pol_prefix *out,
    char *why, size_t whylen);

/*
 * A policy checked against a database: what `otzone check` and `otzone
 * report` share.  policy_run_open() loads the policy (nothing else happens
 * when it has a mistake), opens the database (read-write when writable is
 * set, to store the findings), loads assets and flows, infers kinds and
 * runs the check.  0 ok; -1 with errbuf holding one line per error (each
 * to be printed as "otzone: LINE").  policy_run_close() frees everything
 * (also after a failure).
 */
struct policy_run {
	struct policy pol;
	struct store *st;
	struct st_asset *as;
	size_t na;
	struct st_flow *fs;
	size_t nf;
	struct check_result res;
};

int policy_run_open(struct policy_run *, const char *db,
    const char *policy_path, int writable, char *errbuf, size_t errlen);
void policy_run_close(struct policy_run *);

/* Print each line of a multi-line error as "otzone: LINE" on stderr. */
void policy_print_errors(const char *err);

/* The access name ("read") of enum pol_access, the security name ("sign")
 * of enum pol_security. */
const char *policy_access_name(int access);
const char *policy_security_name(int security);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check.h: the zone/conduit policy as plain data, and the policy check:
 * a pure function from (policy, loaded assets, loaded flows) to findings
 * and a per-zone SL gap.  No SQLite, no I/O, no clock in check.c; the
 * findings are written to the database by check_db.c.
 *
 * The policy is filled by sensor/policy.c (the YAML parser); the rules,
 * the IEC 62443-3-3 requirement each one evidences and the SL-gap method
 * are described in docs/policy.md.
 */
#ifndef OTZ_CHECK_H
#define OTZ_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* ---- the policy (plain data) ------------------------------------------- */

/* Named caps: a policy over any of them is refused by the parser. */
#define POLICY_MAX_ZONES 256
#define POLICY_MAX_CONDUITS 1024
#define POLICY_MAX_RULES 64	   /* allow rules per conduit */
#define POLICY_MAX_NETWORKS 256	   /* networks per zone */
#define POLICY_MAX_ASSETS 4096	   /* single assets per zone */
#define POLICY_MAX_FROM_ASSETS 256 /* from_assets per rule */
#define POLICY_NAME_LEN 256	   /* zone and conduit names, NUL included */
#define POLICY_PROTO_LEN 32	   /* protocol names, NUL included */

/* Access classes, in the order of ARCHITECTURE.md (read < write < control
 * < program).  POL_ACC_SESSION: only discover and session operations. */
enum pol_access {
	POL_ACC_SESSION = 0,
	POL_ACC_READ,
	POL_ACC_WRITE,
	POL_ACC_CONTROL,
	POL_ACC_PROGRAM
};

/* Minimum OPC UA security of a rule; the values are OBS_SEC_*. */
enum pol_security {
	POL_SEC_ANY = 0, /* not stated */
	POL_SEC_NONE = 1,
	POL_SEC_SIGN = 2,
	POL_SEC_SIGN_ENCRYPT = 3
};

/* Where something was written in the policy file (1-based). */
struct pol_mark {
	uint32_t line, col;
};

/* An IPv4 or IPv6 prefix in one 16-byte space: IPv4 is IPv4-mapped
 * (::ffff:a.b.c.d) with len = 96 + its prefix length. */
struct pol_prefix {
	uint8_t addr[16]; /* host bits are zero */
	uint8_t len;	  /* 0..128 */
	uint8_t is_v4;
	struct pol_mark mark;
};

struct pol_rule {
	char protocol[POLICY_PROTO_LEN];
	int access;	     /* enum pol_access */
	int security;	     /* enum pol_security */
	struct pol_prefix *from; /* from_assets; NULL/0: any initiator */
	size_t n_from;
	struct pol_mark mark;
};

struct pol_zone {
	char name[POLICY_NAME_LEN];
	int sl_t;	/* 1..4 */
	int precedence; /* 0 when not stated */
	int purdue_level; /* informational, -1 when not stated */
	struct pol_prefix *nets;
	size_t n_nets;
	struct pol_prefix *assets; /* single hosts (/32, /128) */
	size_t n_assets;
	struct pol_mark mark;
};

struct pol_conduit {
	char name[POLICY_NAME_LEN];
	int from, to; /* indexes into policy.zones */
	struct pol_rule *rules;
	size_t n_rules;
	struct pol_mark mark;
};

struct policy {
	struct pol_zone *zones;
	size_t n_zones;
	struct pol_conduit *conduits;
	size_t n_conduits;
	int default_deny; /* always 1: the only default supported */
};

/* Free what a policy holds (not the struct itself); NULL is safe. */
void policy_clear(struct policy *);

/* Parse an IPv4 or IPv6 address (no prefix) into the 16-byte form.
 * Returns 1 for IPv4, 2 for IPv6, 0 when it is not an address. */
int check_parse_ip(const char *, uint8_t ip[16]);
/* 1 when ip lies in p. */
int check_prefix_match(const struct pol_prefix *p, const uint8_t ip[16]);
/* 1 for broadcast, multicast and unspecified addresses (not checked
 * against conduits). */
int check_is_group(const uint8_t ip[16]);

/* ---- findings ------------------------------------------------------------ */

enum check_rule {
	CR_NO_CONDUIT = 0,
	CR_PROTOCOL_NOT_ALLOWED,
	CR_ACCESS_EXCEEDS,
	CR_INITIATOR_NOT_ALLOWED,
	CR_NO_INTEGRITY,
	CR_REMOTE_ACCESS,
	CR_INSECURE_SERVICE,
	CR_UNZONED_ASSET,
	CR_N
};

enum check_severity { SEV_LOW = 1, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL };

const char *check_rule_name(int rule);
/* The requirement a rule evidences at a given SL-T ("SR 5.2" at 1,
 * "SR 5.2 RE1" from 2 for no-conduit). */
const char *check_rule_requirement(int rule, int sl_t);
/* The SL-T from which a rule applies. */
int check_rule_applies_from(int rule);
const char *check_severity_name(int sev);
/* Severity from the higher SL-T of the two zones and the operation class
 * ("" for none); see docs/policy.md. */
int check_severity(int sl_t, const char *cls);

/* Cap on aggregated findings; more are counted in findings_capped. */
#define CHECK_MAX_FINDINGS 100000u

struct check_finding {
	int rule;		 /* enum check_rule */
	const char *requirement; /* static string */
	int sl_t;		 /* the higher SL-T of the two zones */
	int severity;		 /* enum check_severity */
	char client[48], server[48]; /* server "" for unzoned-asset */
	char protocol[32];	     /* "" for unzoned-asset */
	char cls[12];		     /* "" when not about one class */
	int zone_from, zone_to;	     /* zone indexes, -1: none */
	uint64_t count;
	int64_t first_us, last_us;
	const char *source; /* borrowed from the flows (or "") */
	uint64_t frame;
};

/* ---- SL gap -------------------------------------------------------------- */

/* The requirements the rules test, one row each in the SL gap. */
enum check_req {
	REQ_SR_1_13 = 0,
	REQ_SR_2_1,
	REQ_SR_3_1_RE1,
	REQ_SR_5_1,
	REQ_SR_5_2,
	REQ_SR_5_2_RE1,
	REQ_SR_7_7,
	REQ_SR_7_8,
	REQ_N
};

const char *check_req_name(int req);
const char *check_req_title(int req);
int check_req_applies_from(int req);

struct check_gap_row {
	uint64_t flows;	   /* flows the requirement is tested on */
	uint64_t breaking; /* flows that break it at some SL */
	int max_sl;	   /* highest SL the traffic is consistent with */
};

struct check_gap {
	int zone; /* index into policy.zones */
	int sl_t;
	int achieved; /* min over the rows of max_sl (0..4) */
	struct check_gap_row row[REQ_N];
};

/* ---- the check ----------------------------------------------------------- */

struct check_result {
	struct check_finding *findings; /* sorted, see check_run */
	size_t n_findings;
	uint64_t findings_capped;
	struct check_gap *gaps; /* one per policy zone, in policy order */
	size_t n_gaps;
	int *asset_zone; /* per asset given to check_run: zone index or -1 */
	size_t n_assets;
	uint64_t flows_checked;	 /* flows evaluated against the policy */
	uint64_t flows_group;	 /* to broadcast/multicast: not checked */
	uint64_t flows_unzoned;	 /* with an endpoint in no zone */
};

/*
 * Check flows (and assets) against a policy.  Inputs are borrowed; the
 * findings' source strings point into fs, so fs must outlive res.
 * Findings are sorted by severity (highest first), rule, client, server
 * (address order), protocol and class.  Returns 0, or -1 with errbuf
 * filled (out of memory).  res is cleared first; free it with
 * check_result_free().
 */
int check_run(const struct policy *, const struct st_asset *as, size_t na,
    const struct st_flow *fs, size_t nf, struct check_result *res,
    char *errbuf, size_t errlen);
void check_result_free(struct check_result *); /* NULL is safe */

/* Zone of an address (text), -1 when none: assets listed in a zone win
 * over networks; among overlapping entries, the higher precedence.  A
 * linear scan, for occasional use (the check itself uses an index). */
int check_zone_of(const struct policy *, const char *ip);

/* ---- persistence (check_db.c) ------------------------------------------- */

/*
 * Replace the stored findings (table violations) and SL gap (table
 * sl_gap) with res, and log the run in policy_checks, in one
 * transaction.  policy_path: for the log.  0 ok, -1 with errbuf filled.
 */
/* Rows of policy_checks kept (one per check; older ones are deleted). */
#define CHECK_KEEP_CHECKS 10000

int check_db_save(struct store *, const struct policy *,
    const struct check_result *, const char *policy_path, char *errbuf,
    size_t errlen);

#endif

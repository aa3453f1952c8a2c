/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_policy.c: libFuzzer target for the policy file parser
 * (sensor/policy.c, libyaml underneath) and, when a policy parses, for
 * the policy check over a small fixed plant (store/check.c), so that
 * every policy the parser accepts is one the check can run.
 *
 * The input is copied into an exact-size heap buffer (the parser gets a
 * length, never a terminator).  Invariants asserted: an error always
 * leaves a non-empty message of bounded lines and nothing to free; a
 * success gives zones with SL-T 1..4, conduits whose ends index the
 * zones, and findings whose zones, rules and severities are in range.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../sensor/policy.h"
#include "../../store/check.h"
#include "../../store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

#define FAIL(...)                                                       \
	do {                                                            \
		fprintf(stderr, "fuzz_policy: " __VA_ARGS__);           \
		abort();                                                \
	} while (0)

/* A plant of three levels with IPv4, IPv6, multicast and every class. */
static struct st_op ops_a[] = {
	{ "modbus", 3, "read", "read holding registers", 10, 0, 1, 2, "", 1 },
	{ "modbus", 16, "write", "write multiple registers", 2, 1, 3, 4, "",
	    7 },
};
static struct st_op ops_b[] = {
	{ "s7comm", 0x29, "control", "PLC stop", 1, 0, 5, 5, "", 11 },
	{ "s7comm", 0x1b, "program", "download block", 3, 0, 6, 9, "", 12 },
};
static struct st_op ops_c[] = {
	{ "opcua", 631, "read", "ReadRequest", 4, 0, 1, 8, "", 20 },
};

static void
plant(struct st_asset *as, size_t *na, struct st_flow *fs, size_t *nf)
{
	static const char *ips[] = { "10.0.1.10", "10.0.1.20", "10.0.2.5",
		"192.168.0.7", "fd00::17", "ff02::1", "224.0.0.251",
		"172.16.9.9" };
	size_t i;

	memset(as, 0, 8 * sizeof(*as));
	for (i = 0; i < 8; i++) {
		snprintf(as[i].ip, sizeof(as[i].ip), "%s", ips[i]);
		as[i].purdue_level = (int)(i % 4);
		as[i].packets = i + 1;
	}
	*na = 8;
	memset(fs, 0, 6 * sizeof(*fs));
	/* HMI -> PLC Modbus, engineering -> PLC S7, v6 OPC UA, RDP across,
	 * an unauthenticated DNP3 with no ops, a multicast destination. */
	snprintf(fs[0].client, 48, "10.0.2.5");
	snprintf(fs[0].server, 48, "10.0.1.10");
	snprintf(fs[0].protocol, 32, "modbus");
	snprintf(fs[0].transport, 8, "tcp");
	fs[0].server_port = 502;
	fs[0].ops = ops_a;
	fs[0].n_ops = 2;
	snprintf(fs[1].client, 48, "192.168.0.7");
	snprintf(fs[1].server, 48, "10.0.1.20");
	snprintf(fs[1].protocol, 32, "s7comm");
	snprintf(fs[1].transport, 8, "tcp");
	fs[1].server_port = 102;
	fs[1].ops = ops_b;
	fs[1].n_ops = 2;
	snprintf(fs[2].client, 48, "fd00::17");
	snprintf(fs[2].server, 48, "10.0.2.5");
	snprintf(fs[2].protocol, 32, "opcua");
	snprintf(fs[2].transport, 8, "tcp");
	fs[2].server_port = 4840;
	fs[2].sec_mode = 1;
	fs[2].ops = ops_c;
	fs[2].n_ops = 1;
	snprintf(fs[3].client, 48, "172.16.9.9");
	snprintf(fs[3].server, 48, "192.168.0.7");
	snprintf(fs[3].protocol, 32, "rdp");
	snprintf(fs[3].transport, 8, "tcp");
	fs[3].server_port = 3389;
	snprintf(fs[4].client, 48, "10.0.1.20");
	snprintf(fs[4].server, 48, "10.0.1.10");
	snprintf(fs[4].protocol, 32, "dnp3");
	snprintf(fs[4].transport, 8, "udp");
	fs[4].server_port = 20000;
	snprintf(fs[5].client, 48, "10.0.1.10");
	snprintf(fs[5].server, 48, "224.0.0.251");
	snprintf(fs[5].protocol, 32, "mdns");
	snprintf(fs[5].transport, 8, "udp");
	fs[5].server_port = 5353;
	for (i = 0; i < 6; i++) {
		fs[i].source = "";
		fs[i].packets = 10 * (i + 1);
		fs[i].connections = 1;
		fs[i].first_us = (int64_t)i;
		fs[i].last_us = (int64_t)(i + 100);
		fs[i].frame = i + 1;
	}
	*nf = 6;
}

static void
check_policy(const struct policy *p)
{
	struct st_asset as[8];
	struct st_flow fs[6];
	struct check_result res;
	char err[256];
	size_t na, nf, i;

	for (i = 0; i < p->n_zones; i++)
		if (p->zones[i].sl_t < 1 || p->zones[i].sl_t > 4 ||
		    p->zones[i].name[0] == '\0')
			FAIL("zone %zu: sl_t %d name '%s'\n", i,
			    p->zones[i].sl_t, p->zones[i].name);
	for (i = 0; i < p->n_conduits; i++) {
		const struct pol_conduit *c = &p->conduits[i];

		if (c->from < 0 || (size_t)c->from >= p->n_zones || c->to < 0 ||
		    (size_t)c->to >= p->n_zones)
			FAIL("conduit %zu: zones %d -> %d of %zu\n", i, c->from,
			    c->to, p->n_zones);
	}
	plant(as, &na, fs, &nf);
	if (check_run(p, as, na, fs, nf, &res, err, sizeof(err)) != 0)
		return; /* out of memory only */
	for (i = 0; i < res.n_findings; i++) {
		const struct check_finding *f = &res.findings[i];

		if (strcmp(check_rule_name(f->rule), "?") == 0 ||
		    f->requirement == NULL ||
		    strcmp(check_severity_name(f->severity), "?") == 0)
			FAIL("finding %zu: rule %d severity %d\n", i, f->rule,
			    f->severity);
		if (f->zone_from < -1 || f->zone_from >= (int)p->n_zones ||
		    f->zone_to < -1 || f->zone_to >= (int)p->n_zones)
			FAIL("finding %zu: zones %d -> %d\n", i, f->zone_from,
			    f->zone_to);
		if (f->count == 0)
			FAIL("finding %zu: count 0\n", i);
	}
	check_result_free(&res);
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct policy p;
	char err[4096];
	char *buf;

	if (n > POLICY_MAX_FILE_BYTES)
		return 0;
	buf = malloc(n ? n : 1);
	if (buf == NULL)
		return 0;
	if (n)
		memcpy(buf, d, n);
	err[0] = '\0';
	if (policy_parse("fuzz.yaml", buf, n, &p, err, sizeof(err)) == 0) {
		check_policy(&p);
		policy_clear(&p);
	} else if (err[0] == '\0' || strlen(err) >= sizeof(err)) {
		FAIL("error without a message\n");
	}
	free(buf);
	return 0;
}

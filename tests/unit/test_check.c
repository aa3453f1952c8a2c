/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_check.c: the policy check (store/check.c) on fixture graphs: every
 * rule firing and not firing, with the exact finding (rule, requirement,
 * SL-T, severity, endpoints, protocol, class, zones, count, evidence),
 * aggregation, ordering, broadcast flows, and the SL gap per zone.
 */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../sensor/policy.h"
#include "../../store/store.h"

#define MAXA 32
#define MAXF 32
#define MAXO 8

static struct st_asset as[MAXA];
static struct st_flow fs[MAXF];
static struct st_op ops[MAXF][MAXO];
static size_t na, nf;
static struct policy pol;
static struct check_result res;

/* Zones: office 10.1.0.0/16 SL 1, dmz 10.2.0.0/16 SL 2, scada
 * 10.3.0.0/16 SL 2, cell 10.4.0.0/16 SL 3, safety 10.5.0.0/16 SL 4. */
static const char zones_yaml[] =
    "zones:\n"
    "  - {name: office, sl_t: 1, networks: [10.1.0.0/16]}\n"
    "  - {name: dmz, sl_t: 2, networks: [10.2.0.0/16]}\n"
    "  - {name: scada, sl_t: 2, networks: [10.3.0.0/16, fd00:3::/64]}\n"
    "  - {name: cell, sl_t: 3, networks: [10.4.0.0/16]}\n"
    "  - {name: safety, sl_t: 4, networks: [10.5.0.0/16]}\n";

enum { Z_OFFICE, Z_DMZ, Z_SCADA, Z_CELL, Z_SAFETY };

static void
setup(const char *conduits)
{
	char y[8192], err[4096];

	memset(as, 0, sizeof(as));
	memset(fs, 0, sizeof(fs));
	memset(ops, 0, sizeof(ops));
	na = nf = 0;
	snprintf(y, sizeof(y), "%s%s", zones_yaml, conduits);
	ck_assert_msg(policy_parse("t.yaml", y, strlen(y), &pol, err,
			  sizeof(err)) == 0, "%s", err);
}

static void
teardown(void)
{
	check_result_free(&res);
	policy_clear(&pol);
}

static void
asset(const char *ip)
{
	struct st_asset *a = &as[na++];

	ck_assert_uint_le(na, MAXA);
	snprintf(a->ip, sizeof(a->ip), "%s", ip);
	a->purdue_level = -1;
	a->packets = 10;
}

/* A flow whose first packet is frame at time frame * 1000 us. */
static struct st_flow *
flow(const char *client, const char *server, const char *proto,
    uint16_t port, uint64_t conns, uint64_t frame)
{
	struct st_flow *f = &fs[nf];

	ck_assert_uint_lt(nf, MAXF);
	snprintf(f->client, sizeof(f->client), "%s", client);
	snprintf(f->server, sizeof(f->server), "%s", server);
	snprintf(f->protocol, sizeof(f->protocol), "%s", proto);
	snprintf(f->transport, sizeof(f->transport), "tcp");
	f->source = nf % 2 ? "cap1.pcap" : "cap0.pcap";
	f->server_port = port;
	f->connections = conns;
	f->packets = 20;
	f->frame = frame;
	f->first_us = (int64_t)frame * 1000;
	f->last_us = (int64_t)frame * 1000 + 500000;
	f->ops = ops[nf];
	nf++;
	return f;
}

static void
op(struct st_flow *f, const char *proto, uint32_t code, const char *cls,
    uint64_t count, uint64_t frame)
{
	struct st_op *o = &f->ops[f->n_ops++];

	ck_assert_uint_le(f->n_ops, MAXO);
	snprintf(o->protocol, sizeof(o->protocol), "%s", proto);
	snprintf(o->cls, sizeof(o->cls), "%s", cls);
	o->code = code;
	o->count = count;
	o->frame = frame;
	o->first_us = (int64_t)frame * 1000;
	o->last_us = (int64_t)frame * 1000 + 100000;
	o->source = f->source;
}

static void
run(void)
{
	char err[256];

	ck_assert_msg(check_run(&pol, as, na, fs, nf, &res, err,
			  sizeof(err)) == 0, "%s", err);
}

/* Finding i is exactly this. */
static void
is(size_t i, const char *rule, const char *req, int sl_t, const char *sev,
    const char *client, const char *server, const char *proto,
    const char *cls, int zf, int zt, uint64_t count, const char *source,
    uint64_t frame)
{
	const struct check_finding *x;

	ck_assert_uint_lt(i, res.n_findings);
	x = &res.findings[i];
	ck_assert_str_eq(check_rule_name(x->rule), rule);
	ck_assert_str_eq(x->requirement, req);
	ck_assert_int_eq(x->sl_t, sl_t);
	ck_assert_str_eq(check_severity_name(x->severity), sev);
	ck_assert_str_eq(x->client, client);
	ck_assert_str_eq(x->server, server);
	ck_assert_str_eq(x->protocol, proto);
	ck_assert_str_eq(x->cls, cls);
	ck_assert_int_eq(x->zone_from, zf);
	ck_assert_int_eq(x->zone_to, zt);
	ck_assert_uint_eq(x->count, count);
	ck_assert_str_eq(x->source, source);
	ck_assert_uint_eq(x->frame, frame);
}

/* ---- rules --------------------------------------------------------------- */

START_TEST(intra_zone_needs_no_conduit)
{
	struct st_flow *f;

	setup("");
	asset("10.4.0.1");
	asset("10.4.0.2");
	f = flow("10.4.0.1", "10.4.0.2", "modbus", 502, 3, 10);
	op(f, "modbus", 6, "write", 5, 12);
	op(f, "modbus", 90, "program", 1, 20);
	run();
	ck_assert_uint_eq(res.n_findings, 0);
	ck_assert_uint_eq(res.flows_checked, 1);
	ck_assert_uint_eq(res.flows_unzoned, 0);
	teardown();
}
END_TEST

START_TEST(no_conduit)
{
	struct st_flow *f;

	setup("");
	asset("10.1.0.5");
	asset("10.4.0.2");
	asset("10.2.0.9");
	/* a Modbus write from an office PC into the cell */
	f = flow("10.1.0.5", "10.4.0.2", "modbus", 502, 2, 100);
	op(f, "modbus", 3, "read", 4, 103);
	op(f, "modbus", 6, "write", 1, 105);
	/* the office to the DMZ (SL 2 gives RE1); no class */
	flow("10.1.0.5", "10.2.0.9", "tls", 443, 1, 50);
	run();
	ck_assert_uint_eq(res.n_findings, 3);
	/* write into SL-T 3: 3 + 1 = high; no-conduit sorts before
	 * no-integrity */
	is(0, "no-conduit", "SR 5.2 RE1", 3, "high", "10.1.0.5", "10.4.0.2",
	    "modbus", "write", Z_OFFICE, Z_CELL, 2, "cap0.pcap", 100);
	is(1, "no-integrity", "SR 3.1 RE1", 3, "high", "10.1.0.5",
	    "10.4.0.2", "modbus", "write", Z_OFFICE, Z_CELL, 2, "cap0.pcap",
	    103);
	is(2, "no-conduit", "SR 5.2 RE1", 2, "low", "10.1.0.5", "10.2.0.9",
	    "tls", "", Z_OFFICE, Z_DMZ, 1, "cap1.pcap", 50);
	teardown();
}
END_TEST

START_TEST(no_conduit_at_sl1_is_plain_sr52)
{
	static const char y[] =
	    "zones:\n"
	    "  - {name: a, sl_t: 1, networks: [10.1.0.0/16]}\n"
	    "  - {name: b, sl_t: 1, networks: [10.2.0.0/16]}\n";
	char err[1024];

	memset(fs, 0, sizeof(fs));
	memset(ops, 0, sizeof(ops));
	memset(as, 0, sizeof(as));
	na = nf = 0;
	ck_assert_msg(policy_parse("t.yaml", y, strlen(y), &pol, err,
			  sizeof(err)) == 0, "%s", err);
	asset("10.1.0.1");
	asset("10.2.0.1");
	flow("10.1.0.1", "10.2.0.1", "dns", 53, 0, 7);
	run();
	ck_assert_uint_eq(res.n_findings, 1);
	/* connections 0 (a UDP exchange) counts as one */
	is(0, "no-conduit", "SR 5.2", 1, "low", "10.1.0.1", "10.2.0.1", "dns",
	    "", 0, 1, 1, "cap0.pcap", 7);
	teardown();
}
END_TEST

START_TEST(protocol_not_allowed)
{
	struct st_flow *f;

	setup("conduits:\n"
	      "  - {from: office, to: dmz, allow: [{protocol: tls, access: "
	      "read}]}\n");
	asset("10.1.0.5");
	asset("10.2.0.9");
	f = flow("10.1.0.5", "10.2.0.9", "modbus", 502, 4, 30);
	op(f, "modbus", 3, "read", 9, 33);
	flow("10.1.0.5", "10.2.0.9", "tls", 443, 2, 60); /* allowed */
	run();
	ck_assert_uint_eq(res.n_findings, 1);
	/* SL-T 2 + read: low; no no-integrity below SL-T 3 */
	is(0, "protocol-not-allowed", "SR 5.2", 2, "low", "10.1.0.5",
	    "10.2.0.9", "modbus", "read", Z_OFFICE, Z_DMZ, 4, "cap0.pcap", 30);
	teardown();
}
END_TEST

START_TEST(access_exceeds_conduit)
{
	struct st_flow *f;

	setup("conduits:\n"
	      "  - name: scada-cell\n"
	      "    from: scada\n"
	      "    to: cell\n"
	      "    allow:\n"
	      "      - {protocol: s7comm, access: read}\n");
	asset("10.3.0.10");
	asset("10.4.0.1");
	f = flow("10.3.0.10", "10.4.0.1", "s7comm", 102, 1, 200);
	op(f, "s7comm", 0xF0, "session", 1, 204);
	op(f, "s7comm", 0x04, "read", 30, 206);
	op(f, "s7comm", 0x05, "write", 2, 260);
	op(f, "s7comm", 0x1A, "program", 1, 300);
	op(f, "s7comm", 0x1B, "program", 3, 290);
	op(f, "s7comm", 0x10401, "discover", 2, 210);
	op(f, "s7comm", 0x29, "control", 1, 400);
	run();
	ck_assert_uint_eq(res.n_findings, 4);
	/* program into SL-T 3: 3 + 3 = critical, control 3 + 2 = high;
	 * the earliest program operation is the evidence, counts summed */
	is(0, "access-exceeds-conduit", "SR 2.1", 3, "critical", "10.3.0.10",
	    "10.4.0.1", "s7comm", "program", Z_SCADA, Z_CELL, 4, "cap0.pcap",
	    290);
	is(1, "no-integrity", "SR 3.1 RE1", 3, "critical", "10.3.0.10",
	    "10.4.0.1", "s7comm", "program", Z_SCADA, Z_CELL, 1, "cap0.pcap",
	    204);
	is(2, "access-exceeds-conduit", "SR 2.1", 3, "high", "10.3.0.10",
	    "10.4.0.1", "s7comm", "control", Z_SCADA, Z_CELL, 1, "cap0.pcap",
	    400);
	is(3, "access-exceeds-conduit", "SR 2.1", 3, "high", "10.3.0.10",
	    "10.4.0.1", "s7comm", "write", Z_SCADA, Z_CELL, 2, "cap0.pcap",
	    260);
	ck_assert_int_eq(res.findings[0].first_us, 290000);
	ck_assert_int_eq(res.findings[0].last_us, 400000);
	teardown();
}
END_TEST

START_TEST(conduits_of_one_pair_add_up)
{
	struct st_flow *f;

	/* two conduits from scada to dmz add up; the one from dmz to scada
	 * does not count for the other direction */
	setup("conduits:\n"
	      "  - {from: scada, to: dmz, allow: [{protocol: modbus, access: "
	      "read}]}\n"
	      "  - {from: dmz, to: scada, allow: [{protocol: modbus, access: "
	      "program}, {protocol: dnp3, access: control}]}\n"
	      "  - {from: scada, to: dmz, allow: [{protocol: modbus, access: "
	      "write}]}\n");
	asset("10.3.0.1");
	asset("10.2.0.1");
	f = flow("10.3.0.1", "10.2.0.1", "modbus", 502, 1, 10);
	op(f, "modbus", 3, "read", 3, 11);
	op(f, "modbus", 16, "write", 1, 12);
	op(f, "modbus", 90, "program", 1, 13);
	f = flow("10.3.0.1", "10.2.0.1", "dnp3", 20000, 1, 20);
	op(f, "dnp3", 1, "read", 1, 21);
	run();
	ck_assert_uint_eq(res.n_findings, 2);
	is(0, "access-exceeds-conduit", "SR 2.1", 2, "high", "10.3.0.1",
	    "10.2.0.1", "modbus", "program", Z_SCADA, Z_DMZ, 1, "cap0.pcap",
	    13);
	is(1, "protocol-not-allowed", "SR 5.2", 2, "low", "10.3.0.1",
	    "10.2.0.1", "dnp3", "read", Z_SCADA, Z_DMZ, 1, "cap1.pcap", 20);
	teardown();
}
END_TEST

START_TEST(initiator_not_allowed)
{
	struct st_flow *f;

	setup("conduits:\n"
	      "  - from: scada\n"
	      "    to: dmz\n"
	      "    allow:\n"
	      "      - {protocol: modbus, access: read}\n"
	      "      - {protocol: modbus, access: write, from_assets: "
	      "[10.3.0.20]}\n"
	      "      - {protocol: enip, access: control, from_assets: "
	      "[10.3.0.20, fd00:3::20]}\n");
	asset("10.3.0.20");
	asset("10.3.0.21");
	asset("10.2.0.1");
	/* the listed host writes: fine */
	f = flow("10.3.0.20", "10.2.0.1", "modbus", 502, 1, 10);
	op(f, "modbus", 6, "write", 3, 12);
	/* another host reads (fine) and writes (not its rule) */
	f = flow("10.3.0.21", "10.2.0.1", "modbus", 502, 1, 20);
	op(f, "modbus", 3, "read", 8, 22);
	op(f, "modbus", 16, "write", 2, 24);
	/* another host uses a protocol only listed hosts may use */
	f = flow("10.3.0.21", "10.2.0.1", "enip", 44818, 3, 40);
	op(f, "enip", 0x65, "session", 1, 42);
	op(f, "cip", 0x4C, "read", 5, 44);
	run();
	ck_assert_uint_eq(res.n_findings, 2);
	is(0, "initiator-not-allowed", "SR 2.1", 2, "medium", "10.3.0.21",
	    "10.2.0.1", "modbus", "write", Z_SCADA, Z_DMZ, 2, "cap1.pcap", 24);
	is(1, "initiator-not-allowed", "SR 2.1", 2, "low", "10.3.0.21",
	    "10.2.0.1", "enip", "read", Z_SCADA, Z_DMZ, 3, "cap0.pcap", 40);
	teardown();
}
END_TEST

START_TEST(opcua_security)
{
	struct st_flow *f;

	setup("conduits:\n"
	      "  - from: scada\n"
	      "    to: dmz\n"
	      "    allow:\n"
	      "      - {protocol: opcua, access: write, security: sign}\n");
	asset("10.3.0.1");
	asset("10.3.0.2");
	asset("10.3.0.3");
	asset("10.2.0.1");
	/* security None on a conduit that demands signing */
	f = flow("10.3.0.1", "10.2.0.1", "opcua", 4840, 1, 80);
	f->sec_mode = 1;
	op(f, "opcua", 0, "session", 1, 83);
	op(f, "opcua", 446, "session", 1, 85);
	op(f, "opcua", 631, "read", 4, 90);
	/* signed: fine */
	f = flow("10.3.0.2", "10.2.0.1", "opcua", 4840, 1, 100);
	f->sec_mode = 2;
	op(f, "opcua", 446, "session", 1, 105);
	/* unknown mode (capture began mid-session): no evidence */
	f = flow("10.3.0.3", "10.2.0.1", "opcua", 4840, 1, 120);
	op(f, "opcua", 631, "read", 1, 121);
	run();
	ck_assert_uint_eq(res.n_findings, 1);
	is(0, "no-integrity", "SR 3.1 RE1", 2, "low", "10.3.0.1", "10.2.0.1",
	    "opcua", "read", Z_SCADA, Z_DMZ, 1, "cap0.pcap", 85);
	teardown();
}
END_TEST

START_TEST(opcua_security_sign_and_encrypt)
{
	struct st_flow *f;

	setup("conduits:\n"
	      "  - from: scada\n"
	      "    to: dmz\n"
	      "    allow:\n"
	      "      - {protocol: opcua, access: read, security: none}\n"
	      "      - {protocol: opcua, access: write, security: "
	      "sign-and-encrypt}\n");
	asset("10.3.0.1");
	asset("10.3.0.2");
	asset("10.2.0.1");
	/* signed reads: the read rule asks for nothing */
	f = flow("10.3.0.1", "10.2.0.1", "opcua", 4840, 1, 10);
	f->sec_mode = 2;
	op(f, "opcua", 631, "read", 4, 12);
	/* a signed write: only the write rule permits it, and it asks for
	 * encryption too */
	f = flow("10.3.0.2", "10.2.0.1", "opcua", 4840, 1, 20);
	f->sec_mode = 2;
	op(f, "opcua", 446, "session", 1, 21);
	op(f, "opcua", 673, "write", 1, 25);
	run();
	ck_assert_uint_eq(res.n_findings, 1);
	is(0, "no-integrity", "SR 3.1 RE1", 2, "medium", "10.3.0.2",
	    "10.2.0.1", "opcua", "write", Z_SCADA, Z_DMZ, 1, "cap1.pcap", 21);
	teardown();
}
END_TEST

START_TEST(no_integrity_by_protocol)
{
	struct st_flow *f;

	setup("conduits:\n"
	      "  - from: scada\n"
	      "    to: cell\n"
	      "    allow:\n"
	      "      - {protocol: dnp3, access: control}\n"
	      "      - {protocol: enip, access: write}\n"
	      "      - {protocol: s7comm-plus, access: read}\n"
	      "      - {protocol: opcua, access: read}\n"
	      "  - from: scada\n"
	      "    to: dmz\n"
	      "    allow: [{protocol: modbus, access: read}]\n");
	asset("10.3.0.1");
	asset("10.3.0.2");
	asset("10.4.0.1");
	asset("10.2.0.1");
	/* DNP3 with Secure Authentication: fine */
	f = flow("10.3.0.1", "10.4.0.1", "dnp3", 20000, 1, 10);
	f->authenticated = 1;
	op(f, "dnp3", 1, "read", 5, 11);
	/* DNP3 without: cleartext into SL-T 3 */
	f = flow("10.3.0.2", "10.4.0.1", "dnp3", 20000, 2, 20);
	op(f, "dnp3", 1, "read", 5, 23);
	op(f, "dnp3", 5, "control", 1, 22);
	/* EtherNet/IP: cleartext */
	f = flow("10.3.0.1", "10.4.0.1", "enip", 44818, 1, 30);
	op(f, "enip", 0x65, "session", 1, 32);
	op(f, "cip", 0x4C, "read", 3, 34);
	/* S7comm-plus protects its own integrity */
	f = flow("10.3.0.1", "10.4.0.1", "s7comm-plus", 102, 1, 40);
	op(f, "s7comm-plus", 0x054C, "read", 3, 44);
	/* OPC UA SignAndEncrypt */
	f = flow("10.3.0.2", "10.4.0.1", "opcua", 4840, 1, 50);
	f->sec_mode = 3;
	f->encrypted = 1;
	op(f, "opcua", 446, "session", 1, 52);
	/* Modbus into SL-T 2: below the rule's SL */
	f = flow("10.3.0.1", "10.2.0.1", "modbus", 502, 1, 60);
	op(f, "modbus", 3, "read", 1, 61);
	run();
	ck_assert_uint_eq(res.n_findings, 2);
	is(0, "no-integrity", "SR 3.1 RE1", 3, "high", "10.3.0.2",
	    "10.4.0.1", "dnp3", "control", Z_SCADA, Z_CELL, 2, "cap1.pcap",
	    22);
	is(1, "no-integrity", "SR 3.1 RE1", 3, "medium", "10.3.0.1",
	    "10.4.0.1", "enip", "read", Z_SCADA, Z_CELL, 1, "cap0.pcap", 32);
	teardown();
}
END_TEST

START_TEST(remote_access)
{
	setup("conduits:\n"
	      "  - {from: office, to: scada, allow: [{protocol: rdp, access: "
	      "read}]}\n"
	      "  - {from: cell, to: scada, allow: [{protocol: ssh, access: "
	      "read}]}\n"
	      "  - {from: scada, to: office, allow: [{protocol: smb, access: "
	      "read}]}\n"
	      "  - {from: dmz, to: scada, allow: [{protocol: vnc, access: "
	      "read}]}\n");
	asset("10.1.0.5");
	asset("10.3.0.30");
	asset("10.4.0.9");
	asset("10.2.0.20");
	asset("192.0.2.7");
	/* RDP from SL 1 into SL 2, allowed by the conduit: still fires */
	flow("10.1.0.5", "10.3.0.30", "rdp", 3389, 2, 700);
	/* SSH from SL 3 into SL 2: not from a lower zone */
	flow("10.4.0.9", "10.3.0.30", "ssh", 22, 1, 710);
	/* SMB into SL 1: below the rule's SL */
	flow("10.3.0.30", "10.1.0.5", "smb", 445, 1, 720);
	/* VNC between two SL-T 2 zones */
	flow("10.2.0.20", "10.3.0.30", "vnc", 5900, 1, 730);
	/* SMB from an address in no zone */
	flow("192.0.2.7", "10.3.0.30", "smb", 445, 1, 740);
	run();
	ck_assert_uint_eq(res.n_findings, 3);
	is(0, "remote-access-into-control", "SR 1.13, SR 5.1", 2, "low",
	    "10.1.0.5", "10.3.0.30", "rdp", "", Z_OFFICE, Z_SCADA, 2,
	    "cap0.pcap", 700);
	is(1, "remote-access-into-control", "SR 1.13, SR 5.1", 2, "low",
	    "192.0.2.7", "10.3.0.30", "smb", "", -1, Z_SCADA, 1, "cap0.pcap",
	    740);
	is(2, "unzoned-asset", "SR 7.8, SR 5.1", 2, "low", "192.0.2.7", "",
	    "", "", -1, -1, 1, "cap0.pcap", 740);
	ck_assert_uint_eq(res.flows_unzoned, 1);
	teardown();
}
END_TEST

START_TEST(insecure_service)
{
	setup("conduits:\n"
	      "  - {from: dmz, to: scada, allow: [{protocol: telnet, access: "
	      "read}]}\n");
	asset("10.3.0.1");
	asset("10.3.0.2");
	asset("10.1.0.1");
	asset("10.1.0.2");
	asset("10.2.0.1");
	/* HTTP inside an SL-T 2 zone */
	flow("10.3.0.1", "10.3.0.2", "http", 80, 3, 5);
	/* HTTP inside an SL-T 1 zone: below the rule's SL */
	flow("10.1.0.1", "10.1.0.2", "http", 80, 1, 6);
	/* Telnet from the DMZ (SL 2) into SCADA (SL 2): insecure, but not
	 * remote access from a lower zone */
	flow("10.2.0.1", "10.3.0.2", "telnet", 23, 1, 7);
	/* SNMP inside SCADA; nDPI names can carry a suffix */
	flow("10.3.0.2", "10.3.0.1", "snmp", 161, 1, 8);
	run();
	ck_assert_uint_eq(res.n_findings, 3);
	is(0, "insecure-service", "SR 7.7", 2, "low", "10.2.0.1", "10.3.0.2",
	    "telnet", "", Z_DMZ, Z_SCADA, 1, "cap0.pcap", 7);
	is(1, "insecure-service", "SR 7.7", 2, "low", "10.3.0.1", "10.3.0.2",
	    "http", "", Z_SCADA, Z_SCADA, 3, "cap0.pcap", 5);
	is(2, "insecure-service", "SR 7.7", 2, "low", "10.3.0.2", "10.3.0.1",
	    "snmp", "", Z_SCADA, Z_SCADA, 1, "cap1.pcap", 8);
	teardown();
}
END_TEST

START_TEST(unzoned_assets_and_broadcasts)
{
	setup("");
	asset("10.4.0.1");
	asset("172.16.0.5");
	asset("172.16.0.6");
	asset("10.4.0.99"); /* inventoried, never in a flow: not "talking" */
	/* an unzoned host talks to the cell (SL 3) and to another unzoned
	 * host; its first flow is the evidence */
	flow("172.16.0.5", "10.4.0.1", "modbus", 502, 1, 300);
	flow("172.16.0.6", "172.16.0.5", "ssh", 22, 1, 200);
	/* broadcasts are not checked, but their sender talks */
	flow("10.4.0.1", "255.255.255.255", "enip", 44818, 1, 100);
	flow("10.4.0.1", "224.0.0.251", "mdns", 5353, 1, 101);
	/* to an address that is not in the inventory (a subnet-directed
	 * broadcast): not checked either */
	flow("172.16.0.6", "10.4.255.255", "netbios", 137, 1, 102);
	run();
	ck_assert_uint_eq(res.flows_group, 3);
	ck_assert_uint_eq(res.flows_checked, 2);
	ck_assert_uint_eq(res.n_findings, 3);
	/* cleartext Modbus from no zone into SL-T 3: no-integrity; no
	 * conduit rules apply to an unzoned end */
	is(0, "no-integrity", "SR 3.1 RE1", 3, "medium", "172.16.0.5",
	    "10.4.0.1", "modbus", "", -1, Z_CELL, 1, "cap0.pcap", 300);
	is(1, "unzoned-asset", "SR 7.8, SR 5.1", 3, "medium", "172.16.0.5",
	    "", "", "", -1, -1, 2, "cap1.pcap", 200);
	/* talks only to unzoned peers (and sends to the broadcast) */
	is(2, "unzoned-asset", "SR 7.8, SR 5.1", 0, "low", "172.16.0.6", "",
	    "", "", -1, -1, 2, "cap0.pcap", 102);
	ck_assert_int_eq(res.asset_zone[0], Z_CELL);
	ck_assert_int_eq(res.asset_zone[1], -1);
	ck_assert_int_eq(res.asset_zone[3], Z_CELL);
	teardown();
}
END_TEST

START_TEST(aggregation_and_order)
{
	struct st_flow *f;

	setup("");
	asset("10.1.0.5");
	asset("10.1.0.10");
	asset("10.5.0.1");
	asset("fd00:3::1");
	/* two flows with the same key (other ports, VLANs): one finding */
	f = flow("10.1.0.5", "10.5.0.1", "http", 8080, 2, 900);
	f = flow("10.1.0.5", "10.5.0.1", "http", 80, 3, 400);
	f->vlan = 10;
	f->last_us = 2000000;
	/* IPv6 sorts after IPv4, 10.1.0.10 after 10.1.0.5 */
	f = flow("fd00:3::1", "10.5.0.1", "http", 80, 1, 950);
	f = flow("10.1.0.10", "10.5.0.1", "http", 80, 1, 960);
	run();
	/* each: no-conduit (SL-T 4: high) and insecure-service (high) */
	ck_assert_uint_eq(res.n_findings, 6);
	is(0, "no-conduit", "SR 5.2 RE1", 4, "high", "10.1.0.5", "10.5.0.1",
	    "http", "", Z_OFFICE, Z_SAFETY, 5, "cap1.pcap", 400);
	ck_assert_int_eq(res.findings[0].first_us, 400000);
	ck_assert_int_eq(res.findings[0].last_us, 2000000);
	is(1, "no-conduit", "SR 5.2 RE1", 4, "high", "10.1.0.10", "10.5.0.1",
	    "http", "", Z_OFFICE, Z_SAFETY, 1, "cap1.pcap", 960);
	is(2, "no-conduit", "SR 5.2 RE1", 4, "high", "fd00:3::1", "10.5.0.1",
	    "http", "", Z_SCADA, Z_SAFETY, 1, "cap0.pcap", 950);
	is(3, "insecure-service", "SR 7.7", 4, "high", "10.1.0.5",
	    "10.5.0.1", "http", "", Z_OFFICE, Z_SAFETY, 5, "cap1.pcap", 400);
	is(4, "insecure-service", "SR 7.7", 4, "high", "10.1.0.10",
	    "10.5.0.1", "http", "", Z_OFFICE, Z_SAFETY, 1, "cap1.pcap", 960);
	is(5, "insecure-service", "SR 7.7", 4, "high", "fd00:3::1",
	    "10.5.0.1", "http", "", Z_SCADA, Z_SAFETY, 1, "cap0.pcap", 950);
	teardown();
}
END_TEST

/* check_db_save replaces the findings and keeps a bounded log of
 * checks. */
START_TEST(saved_and_bounded)
{
	char err[256];
	struct store *s = store_open(":memory:", 0, err, sizeof(err));
	sqlite3_stmt *q;
	int i;

	ck_assert_msg(s != NULL, "%s", err);
	setup("");
	asset("10.1.0.5");
	asset("10.5.0.1");
	flow("10.1.0.5", "10.5.0.1", "http", 80, 2, 900);
	run();
	ck_assert_uint_eq(res.n_findings, 2);
	/* pretend many checks were made before */
	ck_assert_int_eq(check_db_save(s, &pol, &res, "p.yaml", err,
			     sizeof(err)), 0);
	ck_assert_int_eq(sqlite3_exec(store_db(s),
			     "WITH RECURSIVE n(v) AS (SELECT 2 UNION ALL"
			     " SELECT v + 1 FROM n WHERE v < 10006)"
			     " INSERT INTO policy_checks(id, findings)"
			     " SELECT v, 0 FROM n",
			     NULL, NULL, NULL), SQLITE_OK);
	for (i = 0; i < 2; i++)
		ck_assert_msg(check_db_save(s, &pol, &res, "p.yaml", err,
				  sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(sqlite3_prepare_v2(store_db(s),
			     "SELECT count(*), min(id), max(id),"
			     " (SELECT count(*) FROM violations),"
			     " (SELECT findings FROM policy_checks ORDER BY id"
			     " DESC LIMIT 1) FROM policy_checks",
			     -1, &q, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int64(q, 0), CHECK_KEEP_CHECKS);
	ck_assert_int_eq(sqlite3_column_int64(q, 1), 10009 - CHECK_KEEP_CHECKS);
	ck_assert_int_eq(sqlite3_column_int64(q, 2), 10008);
	ck_assert_int_eq(sqlite3_column_int64(q, 3), 2);
	ck_assert_int_eq(sqlite3_column_int64(q, 4), 2);
	sqlite3_finalize(q);
	store_close(s);
	teardown();
}
END_TEST

START_TEST(severity_table)
{
	ck_assert_int_eq(check_severity(1, ""), SEV_LOW);
	ck_assert_int_eq(check_severity(1, "read"), SEV_LOW);
	ck_assert_int_eq(check_severity(1, "write"), SEV_LOW);
	ck_assert_int_eq(check_severity(1, "control"), SEV_MEDIUM);
	ck_assert_int_eq(check_severity(1, "program"), SEV_HIGH);
	ck_assert_int_eq(check_severity(2, "session"), SEV_LOW);
	ck_assert_int_eq(check_severity(2, "write"), SEV_MEDIUM);
	ck_assert_int_eq(check_severity(3, "discover"), SEV_MEDIUM);
	ck_assert_int_eq(check_severity(3, "write"), SEV_HIGH);
	ck_assert_int_eq(check_severity(3, "control"), SEV_HIGH);
	ck_assert_int_eq(check_severity(3, "program"), SEV_CRITICAL);
	ck_assert_int_eq(check_severity(4, "read"), SEV_HIGH);
	ck_assert_int_eq(check_severity(4, "control"), SEV_CRITICAL);
	ck_assert_int_eq(check_severity(0, "program"), SEV_MEDIUM);
	/* monotonic in both */
	{
		static const char *const cls[] = {"", "read", "write",
		    "control", "program"};
		int s, c;

		for (s = 1; s <= 4; s++)
			for (c = 0; c < 5; c++) {
				if (s > 1)
					ck_assert_int_ge(check_severity(s,
							     cls[c]),
					    check_severity(s - 1, cls[c]));
				if (c > 0)
					ck_assert_int_ge(check_severity(s,
							     cls[c]),
					    check_severity(s, cls[c - 1]));
			}
	}
	ck_assert_str_eq(check_rule_requirement(CR_NO_CONDUIT, 1), "SR 5.2");
	ck_assert_str_eq(check_rule_requirement(CR_NO_CONDUIT, 2),
	    "SR 5.2 RE1");
	ck_assert_int_eq(check_rule_applies_from(CR_NO_INTEGRITY), 3);
	ck_assert_int_eq(check_rule_applies_from(CR_REMOTE_ACCESS), 2);
	ck_assert_int_eq(check_rule_applies_from(CR_INSECURE_SERVICE), 2);
	ck_assert_int_eq(check_rule_applies_from(CR_UNZONED_ASSET), 2);
	ck_assert_int_eq(check_rule_applies_from(CR_ACCESS_EXCEEDS), 1);
}
END_TEST

/* ---- SL gap -------------------------------------------------------------- */

START_TEST(sl_gap)
{
	struct st_flow *f;
	const struct check_gap *g;

	setup("conduits:\n"
	      "  - {from: scada, to: cell, allow: [{protocol: modbus, access: "
	      "write}]}\n"
	      "  - {from: office, to: dmz, allow: [{protocol: rdp, access: "
	      "read}]}\n"
	      "  - {from: dmz, to: safety, allow: [{protocol: ssh, access: "
	      "read}]}\n");
	asset("10.3.0.1");
	asset("10.4.0.1");
	asset("10.1.0.1");
	asset("10.2.0.1");
	asset("10.5.0.1");
	/* cleartext into the cell: consistent with SL 2 at most */
	f = flow("10.3.0.1", "10.4.0.1", "modbus", 502, 1, 10);
	op(f, "modbus", 6, "write", 1, 11);
	/* RDP from SL-T 1 into the DMZ: SL 1 at most */
	flow("10.1.0.1", "10.2.0.1", "rdp", 3389, 1, 20);
	/* SSH from the DMZ (SL-T 2) into safety: SL 2 at most */
	flow("10.2.0.1", "10.5.0.1", "ssh", 22, 1, 30);
	run();
	ck_assert_uint_eq(res.n_gaps, 5);
	/* office: the RDP crosses its boundary under a conduit; nothing
	 * breaks: SL 4 */
	g = &res.gaps[Z_OFFICE];
	ck_assert_int_eq(g->sl_t, 1);
	ck_assert_int_eq(g->achieved, 4);
	ck_assert_uint_eq(g->row[REQ_SR_5_2].flows, 1);
	ck_assert_uint_eq(g->row[REQ_SR_5_2].breaking, 0);
	/* DMZ */
	g = &res.gaps[Z_DMZ];
	ck_assert_int_eq(g->achieved, 1);
	ck_assert_int_eq(g->row[REQ_SR_1_13].max_sl, 1);
	ck_assert_int_eq(g->row[REQ_SR_5_1].max_sl, 1);
	ck_assert_uint_eq(g->row[REQ_SR_1_13].breaking, 1);
	ck_assert_uint_eq(g->row[REQ_SR_1_13].flows, 1);
	ck_assert_int_eq(g->row[REQ_SR_3_1_RE1].max_sl, 4);
	/* cell */
	g = &res.gaps[Z_CELL];
	ck_assert_int_eq(g->sl_t, 3);
	ck_assert_int_eq(g->achieved, 2);
	ck_assert_int_eq(g->row[REQ_SR_3_1_RE1].max_sl, 2);
	ck_assert_uint_eq(g->row[REQ_SR_3_1_RE1].breaking, 1);
	ck_assert_int_eq(g->row[REQ_SR_2_1].max_sl, 4);
	ck_assert_uint_eq(g->row[REQ_SR_2_1].flows, 1);
	ck_assert_int_eq(g->row[REQ_SR_7_7].max_sl, 4);
	/* safety: remote access from SL-T 2 */
	g = &res.gaps[Z_SAFETY];
	ck_assert_int_eq(g->achieved, 2);
	ck_assert_int_eq(g->row[REQ_SR_1_13].max_sl, 2);
	/* scada: the modbus crossing out of it breaks nothing of its own */
	g = &res.gaps[Z_SCADA];
	ck_assert_int_eq(g->achieved, 4);
	ck_assert_uint_eq(g->row[REQ_SR_5_1].flows, 1);
	/* findings: no-integrity into the cell, remote access into the DMZ
	 * and into safety */
	ck_assert_uint_eq(res.n_findings, 3);
	teardown();
}
END_TEST

START_TEST(sl_gap_boundary_and_unzoned)
{
	setup("");
	asset("10.1.0.1");
	asset("10.3.0.1");
	asset("198.51.100.1");
	flow("10.1.0.1", "10.3.0.1", "tls", 443, 1, 5); /* no conduit */
	flow("198.51.100.1", "10.3.0.1", "tls", 443, 1, 6);
	flow("10.3.0.1", "10.3.0.1", "http", 80, 1, 7);
	run();
	/* scada: no conduit -> SR 5.2 at SL 0; an unzoned peer -> SR 7.8
	 * and SR 5.1 at SL 1; HTTP inside -> SR 7.7 at SL 1 */
	ck_assert_int_eq(res.gaps[Z_SCADA].achieved, 0);
	ck_assert_int_eq(res.gaps[Z_SCADA].row[REQ_SR_5_2].max_sl, 0);
	ck_assert_int_eq(res.gaps[Z_SCADA].row[REQ_SR_5_2_RE1].max_sl, 1);
	ck_assert_int_eq(res.gaps[Z_SCADA].row[REQ_SR_7_8].max_sl, 1);
	ck_assert_int_eq(res.gaps[Z_SCADA].row[REQ_SR_5_1].max_sl, 1);
	ck_assert_int_eq(res.gaps[Z_SCADA].row[REQ_SR_7_7].max_sl, 1);
	/* the office side of the crossing breaks SR 5.2 too */
	ck_assert_int_eq(res.gaps[Z_OFFICE].achieved, 0);
	/* zones without traffic: nothing tested, nothing broken */
	ck_assert_int_eq(res.gaps[Z_SAFETY].achieved, 4);
	ck_assert_uint_eq(res.gaps[Z_SAFETY].row[REQ_SR_5_1].flows, 0);
	teardown();
}
END_TEST

static Suite *
check_suite(void)
{
	Suite *s = suite_create("check");
	TCase *tc = tcase_create("rules");
	TCase *tg = tcase_create("gap");

	tcase_add_test(tc, intra_zone_needs_no_conduit);
	tcase_add_test(tc, no_conduit);
	tcase_add_test(tc, no_conduit_at_sl1_is_plain_sr52);
	tcase_add_test(tc, protocol_not_allowed);
	tcase_add_test(tc, access_exceeds_conduit);
	tcase_add_test(tc, conduits_of_one_pair_add_up);
	tcase_add_test(tc, initiator_not_allowed);
	tcase_add_test(tc, opcua_security);
	tcase_add_test(tc, opcua_security_sign_and_encrypt);
	tcase_add_test(tc, no_integrity_by_protocol);
	tcase_add_test(tc, remote_access);
	tcase_add_test(tc, insecure_service);
	tcase_add_test(tc, unzoned_assets_and_broadcasts);
	tcase_add_test(tc, aggregation_and_order);
	tcase_add_test(tc, severity_table);
	tcase_add_test(tc, saved_and_bounded);
	suite_add_tcase(s, tc);
	tcase_add_test(tg, sl_gap);
	tcase_add_test(tg, sl_gap_boundary_and_unzoned);
	suite_add_tcase(s, tg);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(check_suite());
	int nf_;

	srunner_run_all(sr, CK_NORMAL);
	nf_ = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf_ == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

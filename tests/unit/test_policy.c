/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_policy.c: the policy file parser (sensor/policy.c): valid files,
 * every kind of mistake with its exact FILE:LINE:COL, the caps, and
 * IPv4/IPv6 prefix matching at the edges (/0, /32, /128, odd lengths).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../sensor/policy.h"

static char err[16384];

static int
parse(const char *yaml, struct policy *p)
{
	err[0] = '\0';
	return policy_parse("t.yaml", yaml, strlen(yaml), p, err, sizeof(err));
}

/* The file must be refused with exactly this error text. */
static void
refused(const char *yaml, const char *want)
{
	struct policy p;

	ck_assert_int_eq(parse(yaml, &p), -1);
	ck_assert_str_eq(err, want);
	ck_assert_ptr_null(p.zones);
	ck_assert_ptr_null(p.conduits);
}

static const char arch_example[] =
    "zones:\n"
    "  - name: supervisory\n"
    "    sl_t: 2\n"
    "    networks: [10.4.0.0/24]\n"
    "    assets: [10.9.0.7]            # single hosts, optional\n"
    "  - name: cell-a\n"
    "    sl_t: 3\n"
    "    networks: [10.10.1.0/24]\n"
    "conduits:\n"
    "  - name: scada-to-cell-a\n"
    "    from: supervisory             # the side that opens the "
    "connection\n"
    "    to: cell-a\n"
    "    allow:\n"
    "      - { protocol: modbus, access: read }\n"
    "      - { protocol: modbus, access: write, from_assets: [10.4.0.20] }\n"
    "      - { protocol: opcua, access: read, security: sign }   # none | "
    "sign | sign-and-encrypt\n"
    "default: deny\n";

START_TEST(architecture_example)
{
	struct policy p;
	uint8_t ip[16];

	ck_assert_msg(parse(arch_example, &p) == 0, "%s", err);
	ck_assert_uint_eq(p.n_zones, 2);
	ck_assert_str_eq(p.zones[0].name, "supervisory");
	ck_assert_int_eq(p.zones[0].sl_t, 2);
	ck_assert_uint_eq(p.zones[0].n_nets, 1);
	ck_assert_uint_eq(p.zones[0].nets[0].len, 96 + 24);
	ck_assert_int_eq(p.zones[0].nets[0].is_v4, 1);
	ck_assert_uint_eq(p.zones[0].nets[0].mark.line, 4);
	ck_assert_uint_eq(p.zones[0].nets[0].mark.col, 16);
	ck_assert_uint_eq(p.zones[0].n_assets, 1);
	ck_assert_uint_eq(p.zones[0].assets[0].len, 128);
	ck_assert_int_eq(check_parse_ip("10.9.0.7", ip), 1);
	ck_assert_int_eq(check_prefix_match(&p.zones[0].assets[0], ip), 1);
	ck_assert_str_eq(p.zones[1].name, "cell-a");
	ck_assert_int_eq(p.zones[1].sl_t, 3);
	ck_assert_int_eq(p.zones[1].precedence, 0);
	ck_assert_int_eq(p.zones[1].purdue_level, -1);
	ck_assert_uint_eq(p.n_conduits, 1);
	ck_assert_str_eq(p.conduits[0].name, "scada-to-cell-a");
	ck_assert_int_eq(p.conduits[0].from, 0);
	ck_assert_int_eq(p.conduits[0].to, 1);
	ck_assert_uint_eq(p.conduits[0].n_rules, 3);
	ck_assert_str_eq(p.conduits[0].rules[0].protocol, "modbus");
	ck_assert_int_eq(p.conduits[0].rules[0].access, POL_ACC_READ);
	ck_assert_int_eq(p.conduits[0].rules[0].security, POL_SEC_ANY);
	ck_assert_uint_eq(p.conduits[0].rules[0].n_from, 0);
	ck_assert_int_eq(p.conduits[0].rules[1].access, POL_ACC_WRITE);
	ck_assert_uint_eq(p.conduits[0].rules[1].n_from, 1);
	ck_assert_int_eq(check_parse_ip("10.4.0.20", ip), 1);
	ck_assert_int_eq(check_prefix_match(&p.conduits[0].rules[1].from[0],
			     ip), 1);
	ck_assert_str_eq(p.conduits[0].rules[2].protocol, "opcua");
	ck_assert_int_eq(p.conduits[0].rules[2].security, POL_SEC_SIGN);
	ck_assert_int_eq(p.default_deny, 1);
	ck_assert_int_eq(check_zone_of(&p, "10.9.0.7"), 0);
	ck_assert_int_eq(check_zone_of(&p, "10.10.1.200"), 1);
	ck_assert_int_eq(check_zone_of(&p, "10.10.2.1"), -1);
	policy_clear(&p);
	policy_clear(&p); /* cleared twice is safe */
	policy_clear(NULL);
}
END_TEST

START_TEST(valid_variants)
{
	struct policy p;
	static const char y[] =
	    "# block style, IPv6, anchors, precedence, optional keys\n"
	    "version: 1\n"
	    "zones:\n"
	    "  - name: \"L1 cell 10.0.40.0/24 (Siemens, \\\"quoted\\\")\"\n"
	    "    sl_t: 3\n"
	    "    purdue_level: 1\n"
	    "    description: filling line\n"
	    "    networks:\n"
	    "      - 10.0.0.0/8\n"
	    "      - fd00:10::/32\n"
	    "      - ::ffff:0:0/96\n"
	    "  - name: carve\n"
	    "    sl_t: 4\n"
	    "    precedence: 10\n"
	    "    networks: [10.1.0.0/16, fd00:10:1::/48]\n"
	    "    assets: [fd00:10::1, 10.2.0.9/32]\n"
	    "  - name: empty\n"
	    "    sl_t: 1\n"
	    "    networks:\n"
	    "conduits:\n"
	    "  - from: carve\n"
	    "    to: \"L1 cell 10.0.40.0/24 (Siemens, \\\"quoted\\\")\"\n"
	    "    allow: &rules\n"
	    "      - protocol: rdp\n"
	    "        access: session\n"
	    "      - {protocol: smb, access: discover}\n"
	    "      - {protocol: opcua, access: program, security: "
	    "sign-and-encrypt}\n"
	    "      - {protocol: tls, access: control, from_assets: "
	    "[10.0.0.0/24, fd00::/16]}\n"
	    "  - name: back\n"
	    "    from: empty\n"
	    "    to: carve\n"
	    "    allow: *rules\n"
	    "  - from: empty\n"
	    "    to: carve\n"
	    "    allow: []\n";

	ck_assert_msg(parse(y, &p) == 0, "%s", err);
	ck_assert_uint_eq(p.n_zones, 3);
	ck_assert_str_eq(p.zones[0].name,
	    "L1 cell 10.0.40.0/24 (Siemens, \"quoted\")");
	ck_assert_int_eq(p.zones[0].purdue_level, 1);
	ck_assert_uint_eq(p.zones[0].n_nets, 3);
	ck_assert_uint_eq(p.zones[0].nets[1].len, 32);
	ck_assert_int_eq(p.zones[0].nets[1].is_v4, 0);
	ck_assert_int_eq(p.zones[1].precedence, 10);
	ck_assert_uint_eq(p.zones[1].n_assets, 2);
	ck_assert_uint_eq(p.zones[2].n_nets, 0);
	ck_assert_uint_eq(p.n_conduits, 3);
	/* an unnamed conduit is named after its zones */
	ck_assert_str_eq(p.conduits[0].name,
	    "carve -> L1 cell 10.0.40.0/24 (Siemens, \"quoted\")");
	ck_assert_uint_eq(p.conduits[0].n_rules, 4);
	ck_assert_int_eq(p.conduits[0].rules[0].access, POL_ACC_SESSION);
	ck_assert_int_eq(p.conduits[0].rules[1].access, POL_ACC_SESSION);
	ck_assert_int_eq(p.conduits[0].rules[2].access, POL_ACC_PROGRAM);
	ck_assert_int_eq(p.conduits[0].rules[2].security,
	    POL_SEC_SIGN_ENCRYPT);
	ck_assert_uint_eq(p.conduits[0].rules[3].n_from, 2);
	/* the alias shares the rules */
	ck_assert_uint_eq(p.conduits[1].n_rules, 4);
	ck_assert_str_eq(p.conduits[1].rules[3].protocol, "tls");
	ck_assert_uint_eq(p.conduits[2].n_rules, 0);
	/* precedence and single assets decide */
	ck_assert_int_eq(check_zone_of(&p, "10.1.255.255"), 1);
	ck_assert_int_eq(check_zone_of(&p, "10.2.0.9"), 1);
	ck_assert_int_eq(check_zone_of(&p, "10.2.0.10"), 0);
	ck_assert_int_eq(check_zone_of(&p, "fd00:10::1"), 1);
	ck_assert_int_eq(check_zone_of(&p, "fd00:10::2"), 0);
	ck_assert_int_eq(check_zone_of(&p, "fd00:10:1:ffff::9"), 1);
	ck_assert_int_eq(check_zone_of(&p, "fd00:11::1"), -1);
	ck_assert_int_eq(check_zone_of(&p, "192.0.2.1"), 0); /* ::ffff:0:0/96 */
	ck_assert_int_eq(check_zone_of(&p, "not-an-ip"), -1);
	policy_clear(&p);
}
END_TEST

START_TEST(unknown_keys)
{
	refused("zones:\n"
		"  - name: a\n"
		"    sl_t: 1\n"
		"    nets: [10.0.0.0/8]\n"
		"conduit: []\n",
	    "t.yaml:4:5: unknown key 'nets' in a zone (expected name, sl_t, "
	    "networks, assets, precedence, purdue_level, description)\n"
	    "t.yaml:5:1: unknown key 'conduit' in the policy (expected "
	    "zones, conduits, default, version)");
	refused("zones:\n"
		"  - {name: a, sl_t: 1}\n"
		"  - {name: b, sl_t: 2}\n"
		"conduits:\n"
		"  - from: a\n"
		"    to: b\n"
		"    allow:\n"
		"      - {protocol: modbus, acess: read}\n",
	    "t.yaml:8:9: an allow rule needs 'access' (read, write, control "
	    "or program)\n"
	    "t.yaml:8:28: unknown key 'acess' in an allow rule (expected "
	    "protocol, access, from_assets, security, description)");
	refused("zones:\n"
		"  - {name: a, sl_t: 1}\n"
		"  - {name: b, sl_t: 2}\n"
		"conduits:\n"
		"  - {from: a, to: b, allow: [], via: x}\n",
	    "t.yaml:5:33: unknown key 'via' in a conduit (expected name, "
	    "from, to, allow, description)");
}
END_TEST

START_TEST(overlaps)
{
	/* two networks, no precedence */
	refused("zones:\n"
		"  - name: office\n"
		"    sl_t: 1\n"
		"    networks: [10.0.0.0/8]\n"
		"  - name: cell\n"
		"    sl_t: 3\n"
		"    networks: [192.168.0.0/16, 10.20.0.0/16]\n",
	    "t.yaml:7:32: network 10.20.0.0/16 of zone 'cell' overlaps "
	    "10.0.0.0/8 of zone 'office' (line 4) and neither has a higher "
	    "'precedence'");
	/* the same network twice, equal precedences; IPv6 */
	refused("zones:\n"
		"  - {name: a, sl_t: 1, precedence: 5, networks: [fd00::/64]}\n"
		"  - {name: b, sl_t: 2, precedence: 5, networks: "
		"[fd00::/64]}\n",
	    "t.yaml:3:50: network fd00::/64 of zone 'b' overlaps fd00::/64 "
	    "of zone 'a' (line 2) and neither has a higher 'precedence'");
	/* one address listed in two zones */
	refused("zones:\n"
		"  - {name: a, sl_t: 1, assets: [10.0.0.1, 10.0.0.2]}\n"
		"  - {name: b, sl_t: 2, assets: [10.0.0.2]}\n",
	    "t.yaml:3:33: asset 10.0.0.2 is listed in zone 'b' and in zone "
	    "'a' (line 2): give the zones different 'precedence' values");
	/* /0 overlaps everything of its family */
	refused("zones:\n"
		"  - {name: all, sl_t: 1, networks: [0.0.0.0/0]}\n"
		"  - {name: one, sl_t: 2, networks: [203.0.113.7/32]}\n",
	    "t.yaml:3:37: network 203.0.113.7/32 of zone 'one' overlaps "
	    "0.0.0.0/0 of zone 'all' (line 2) and neither has a higher "
	    "'precedence'");
	/* adjacent networks do not overlap; an asset inside another zone's
	 * network is a carve-out, not an overlap */
	{
		struct policy p;

		ck_assert_msg(parse("zones:\n"
				    "  - {name: a, sl_t: 1, networks: "
				    "[10.0.0.0/25, 10.0.0.128/25]}\n"
				    "  - {name: b, sl_t: 2, networks: "
				    "[10.0.1.0/24], assets: [10.0.0.5]}\n",
				  &p) == 0,
		    "%s", err);
		ck_assert_int_eq(check_zone_of(&p, "10.0.0.5"), 1);
		ck_assert_int_eq(check_zone_of(&p, "10.0.0.6"), 0);
		ck_assert_int_eq(check_zone_of(&p, "10.0.0.200"), 0);
		policy_clear(&p);
	}
}
END_TEST

START_TEST(bad_references)
{
	refused("zones:\n"
		"  - {name: a, sl_t: 1}\n"
		"  - {name: b, sl_t: 2}\n"
		"conduits:\n"
		"  - name: c1\n"
		"    from: a\n"
		"    to: cell-b\n"
		"    allow: []\n"
		"  - name: c2\n"
		"    from: b\n"
		"    to: b\n"
		"    allow: []\n"
		"  - name: c1\n"
		"    from: b\n"
		"    to: a\n"
		"    allow: []\n"
		"  - from: a\n",
	    "t.yaml:7:9: to: unknown zone 'cell-b'\n"
	    "t.yaml:11:9: a conduit joins two different zones; traffic "
	    "inside zone 'b' needs none\n"
	    "t.yaml:13:5: duplicate conduit name 'c1' (first at line 5)\n"
	    "t.yaml:17:5: a conduit needs 'to' (the zone it leads into)\n"
	    "t.yaml:17:5: a conduit needs an 'allow' list (write 'allow: []' "
	    "to allow nothing)");
	refused("zones:\n"
		"  - {name: a, sl_t: 1}\n"
		"  - {name: a, sl_t: 2}\n"
		"  - {sl_t: 2}\n",
	    "t.yaml:3:5: duplicate zone name 'a' (first at line 2)\n"
	    "t.yaml:4:5: a zone needs a 'name'");
}
END_TEST

/* Found by fuzz_policy: names that are empty once parsed (an empty block
 * scalar, "", blanks) were accepted, and a zone without a name cannot be
 * cited in a finding; names with outer spaces look equal to others. */
START_TEST(empty_names)
{
	refused("zones:\n"
		"  - name: |2             # empty block scalar\n"
		"    sl_t: 4\n"
		"    networks: [10.0.0.0/22]\n"
		"  - {name: \"\", sl_t: 1}\n"
		"  - {name: \"   \", sl_t: 1}\n"
		"  - {name: \" a\", sl_t: 1}\n"
		"  - {name: b, sl_t: 1}\n"
		"conduits:\n"
		"  - {name: '', from: b, to: b, allow: []}\n",
	    "t.yaml:2:11: zone name is empty\n"
	    "t.yaml:5:12: zone name is empty\n"
	    "t.yaml:6:12: zone name is empty\n"
	    "t.yaml:7:12: zone name begins or ends with a space\n"
	    "t.yaml:10:12: conduit name is empty\n"
	    "t.yaml:10:29: a conduit joins two different zones; traffic "
	    "inside zone 'b' needs none");
}
END_TEST

START_TEST(bad_sl_t)
{
	refused("zones:\n"
		"  - {name: a, sl_t: 0}\n"
		"  - {name: b, sl_t: 5}\n"
		"  - {name: c, sl_t: three}\n"
		"  - {name: d, sl_t: \"3\"}\n"
		"  - {name: e, sl_t: 2.5}\n"
		"  - {name: f}\n"
		"  - {name: g, sl_t: [1]}\n",
	    "t.yaml:2:21: sl_t must be from 1 to 4, not 0\n"
	    "t.yaml:3:21: sl_t must be from 1 to 4, not 5\n"
	    "t.yaml:4:21: sl_t must be a whole number from 1 to 4, not "
	    "'three'\n"
	    "t.yaml:5:21: sl_t must be a whole number from 1 to 4, not '3'\n"
	    "t.yaml:6:21: sl_t must be a whole number from 1 to 4, not "
	    "'2.5'\n"
	    "t.yaml:7:5: zone 'f' needs 'sl_t' (its target security level, 1 "
	    "to 4)\n"
	    "t.yaml:8:21: sl_t must be a single value, not a list");
}
END_TEST

START_TEST(bad_cidr)
{
	refused("zones:\n"
		"  - name: a\n"
		"    sl_t: 1\n"
		"    networks:\n"
		"      - 10.0.0.0/33\n"
		"      - 10.0.0.1/24\n"
		"      - 300.1.1.0/24\n"
		"      - fd00::/129\n"
		"      - 10.0.0.0/\n"
		"      - 10.0.0.0/x\n"
		"      - fd00::1/64\n"
		"      - 010.0.0.0/8\n"
		"    assets: [10.1.0.0/16, fe80::1%eth0, 10.1.2.3/32]\n",
	    "t.yaml:5:9: networks: '10.0.0.0/33': an IPv4 prefix length is "
	    "at most 32\n"
	    "t.yaml:6:9: networks: '10.0.0.1/24' has host bits set (the "
	    "network is 10.0.0.0/24)\n"
	    "t.yaml:7:9: networks: '300.1.1.0' is not an IPv4 or IPv6 "
	    "address\n"
	    "t.yaml:8:9: networks: 'fd00::/129': an IPv6 prefix length is at "
	    "most 128\n"
	    "t.yaml:9:9: networks: '10.0.0.0/': the prefix length after '/' "
	    "must be a number\n"
	    "t.yaml:10:9: networks: '10.0.0.0/x': the prefix length after "
	    "'/' must be a number\n"
	    "t.yaml:11:9: networks: 'fd00::1/64' has host bits set (the "
	    "network is fd00::/64)\n"
	    "t.yaml:12:9: networks: '010.0.0.0' is not an IPv4 or IPv6 "
	    "address\n"
	    "t.yaml:13:14: assets: '10.1.0.0/16' is a network, not a single "
	    "address (list networks under 'networks')\n"
	    "t.yaml:13:27: assets: 'fe80::1%eth0' is not an IPv4 or IPv6 "
	    "address");
	refused("zones:\n"
		"  - {name: a, sl_t: 1, networks: 10.0.0.0/8}\n",
	    "t.yaml:2:34: networks must be a list, not a scalar");
}
END_TEST

START_TEST(bad_rules)
{
	refused("zones:\n"
		"  - {name: a, sl_t: 1}\n"
		"  - {name: b, sl_t: 2}\n"
		"conduits:\n"
		"  - from: a\n"
		"    to: b\n"
		"    allow:\n"
		"      - {protocol: Modbus, access: read}\n"
		"      - {protocol: modbsu, access: read}\n"
		"      - {protocol: cip, access: read}\n"
		"      - {protocol: modbus, access: admin}\n"
		"      - {protocol: modbus, access: read, security: sign}\n"
		"      - {protocol: opcua, access: read, security: signed}\n"
		"      - {protocol: http, access: read, from_assets: []}\n"
		"      - {access: read}\n"
		"      - modbus\n",
	    "t.yaml:8:20: protocol names are lower case ('Modbus')\n"
	    "t.yaml:9:20: unknown protocol 'modbsu' (modbus, dnp3, s7comm, "
	    "s7comm-plus, enip, opcua, or an nDPI protocol name in lower "
	    "case: http, tls, rdp, ssh, smb...)\n"
	    "t.yaml:10:20: protocol 'cip': write 'enip' (an enip rule covers "
	    "the CIP it carries)\n"
	    "t.yaml:11:36: access must be read, write, control or program "
	    "(or discover/session), not 'admin'\n"
	    "t.yaml:12:52: security applies to opcua rules only, not to "
	    "modbus\n"
	    "t.yaml:13:51: security must be none, sign or sign-and-encrypt, "
	    "not 'signed'\n"
	    "t.yaml:14:53: from_assets is an empty list (leave it out to "
	    "allow any initiator)\n"
	    "t.yaml:15:9: an allow rule needs a 'protocol'\n"
	    "t.yaml:16:9: an allow rule must be a mapping (key: value), not "
	    "a scalar");
}
END_TEST

START_TEST(bad_documents)
{
	refused("", "t.yaml:1:1: the policy is empty");
	refused("# only a comment\n", "t.yaml:1:1: the policy is empty");
	refused("zones:\n  - {name: a, sl_t: 1}\n---\nzones: []\n",
	    "t.yaml:4:1: a policy is one YAML document, this is a second "
	    "one");
	refused("zones:\n  - {name: a, sl_t: 1\n",
	    "t.yaml:3:1: YAML syntax error: did not find expected ',' or '}' "
	    "while parsing a flow mapping");
	refused("zones:\n  - name: a\n   sl_t: 1\n",
	    "t.yaml:3:4: YAML syntax error: did not find expected '-' "
	    "indicator while parsing a block collection");
	refused("- a\n- b\n",
	    "t.yaml:1:1: the policy must be a mapping (key: value), not a "
	    "list");
	refused("zones: []\n", "t.yaml:1:8: the policy declares no zones");
	refused("conduits: []\n", "t.yaml:1:1: the policy declares no "
				  "'zones'");
	refused("zones:\n  - {name: a, sl_t: 1}\nzones:\n  - {name: b, sl_t: "
		"1}\n",
	    "t.yaml:3:1: duplicate key 'zones' in the policy (first at line "
	    "2)");
	refused("zones:\n  - {name: a, sl_t: 1}\ndefault: allow\n",
	    "t.yaml:3:10: default must be 'deny' (IEC 62443-3-3 SR 5.2 RE1: "
	    "deny by default, allow by exception), not 'allow'");
	refused("zones:\n  - {name: a, sl_t: 1}\nversion: 2\n",
	    "t.yaml:3:10: version must be from 1 to 1, not 2");
	refused("zones:\n  - {name: \"a\\0b\", sl_t: 1}\n",
	    "t.yaml:2:12: zone name contains a NUL character");
	refused("zones:\n  - {name: \"a\\tb\", sl_t: 1}\n",
	    "t.yaml:2:12: zone name contains a control character");
	refused("zones:\n  - {name: \"\xff\", sl_t: 1}\n",
	    "t.yaml:2:13: not valid YAML text: invalid leading UTF-8 octet");
}
END_TEST

START_TEST(file_errors)
{
	struct policy p;
	FILE *f;
	char path[] = "/tmp/test_policy_XXXXXX";
	int fd;

	ck_assert_int_eq(policy_load("/nonexistent/p.yaml", &p, err,
			     sizeof(err)), -1);
	ck_assert_str_eq(err, "/nonexistent/p.yaml: No such file or "
			      "directory");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs("zones:\n  - {name: a, sl_t: 9}\n", f);
	fclose(f);
	ck_assert_int_eq(policy_load(path, &p, err, sizeof(err)), -1);
	{
		char want[128];

		snprintf(want, sizeof(want), "%s:2:21: sl_t must be from 1 to "
					     "4, not 9", path);
		ck_assert_str_eq(err, want);
	}
	unlink(path);
}
END_TEST

/* A file with n zones (and each zone k networks). */
static char *
many_zones(size_t n, size_t k)
{
	size_t cap = n * (64 + k * 24) + 64, o = 0, i, j;
	char *s = malloc(cap);

	ck_assert_ptr_nonnull(s);
	o += (size_t)snprintf(s + o, cap - o, "zones:\n");
	for (i = 0; i < n; i++) {
		o += (size_t)snprintf(s + o, cap - o,
		    "  - name: z%zu\n    sl_t: 1\n    networks: [", i);
		for (j = 0; j < k; j++)
			o += (size_t)snprintf(s + o, cap - o,
			    "%s10.%zu.%zu.0/24", j ? ", " : "", i, j);
		o += (size_t)snprintf(s + o, cap - o, "]\n");
	}
	ck_assert_uint_lt(o, cap);
	return s;
}

START_TEST(caps)
{
	struct policy p;
	char *s;
	char want[256];

	s = many_zones(POLICY_MAX_ZONES, 1);
	ck_assert_msg(parse(s, &p) == 0, "%s", err);
	ck_assert_uint_eq(p.n_zones, POLICY_MAX_ZONES);
	policy_clear(&p);
	free(s);
	s = many_zones(POLICY_MAX_ZONES + 1, 1);
	/* zone i starts on line 2 + 3 i */
	snprintf(want, sizeof(want), "t.yaml:%d:5: more than %d zones "
				     "(POLICY_MAX_ZONES)",
	    2 + 3 * POLICY_MAX_ZONES, POLICY_MAX_ZONES);
	refused(s, want);
	free(s);
	/* 257 networks in one zone: 10.0.0.0/24 ... 10.0.255.0/24 and one
	 * more from another /16 */
	{
		size_t cap = 16384, o = 0, j;

		s = malloc(cap);
		ck_assert_ptr_nonnull(s);
		o += (size_t)snprintf(s + o, cap - o,
		    "zones:\n  - name: a\n    sl_t: 1\n    networks:\n");
		for (j = 0; j <= POLICY_MAX_NETWORKS; j++)
			o += (size_t)snprintf(s + o, cap - o,
			    "      - 10.%zu.%zu.0/24\n", j / 256, j % 256);
		ck_assert_uint_lt(o, cap);
		snprintf(want, sizeof(want), "t.yaml:%d:9: more than %d "
					     "entries in networks "
					     "(POLICY_MAX_NETWORKS)",
		    5 + POLICY_MAX_NETWORKS, POLICY_MAX_NETWORKS);
		refused(s, want);
		free(s);
	}
}
END_TEST

START_TEST(error_limit)
{
	char *s;
	size_t cap = 8192, o = 0, i;
	struct policy p;
	char *last;

	s = malloc(cap);
	ck_assert_ptr_nonnull(s);
	o += (size_t)snprintf(s + o, cap - o, "zones:\n");
	for (i = 0; i < POLICY_MAX_ERRORS + 5; i++)
		o += (size_t)snprintf(s + o, cap - o,
		    "  - {name: z%zu, sl_t: 7}\n", i);
	ck_assert_int_eq(parse(s, &p), -1);
	/* POLICY_MAX_ERRORS lines, then the count of the rest */
	for (i = 0, last = err; (last = strchr(last, '\n')) != NULL; last++)
		i++;
	ck_assert_uint_eq(i, POLICY_MAX_ERRORS);
	ck_assert_ptr_nonnull(strstr(err, "t.yaml:2:22: sl_t must be from 1 "
					  "to 4, not 7\n"));
	ck_assert_ptr_nonnull(strstr(err, "\nt.yaml: ... and 5 more "
					  "errors"));
	free(s);
}
END_TEST

/* ---- prefixes ------------------------------------------------------------ */

static int
in(const char *net, const char *addr)
{
	struct pol_prefix p;
	uint8_t ip[16];
	char why[200];

	ck_assert_msg(policy_parse_prefix(net, 0, &p, why, sizeof(why)) == 0,
	    "%s", why);
	ck_assert_msg(check_parse_ip(addr, ip) != 0, "%s", addr);
	return check_prefix_match(&p, ip);
}

START_TEST(prefix_matching)
{
	/* IPv4 /0: every IPv4 address, no IPv6 one */
	ck_assert_int_eq(in("0.0.0.0/0", "0.0.0.0"), 1);
	ck_assert_int_eq(in("0.0.0.0/0", "255.255.255.255"), 1);
	ck_assert_int_eq(in("0.0.0.0/0", "2001:db8::1"), 0);
	/* /32: one address */
	ck_assert_int_eq(in("10.1.2.3/32", "10.1.2.3"), 1);
	ck_assert_int_eq(in("10.1.2.3/32", "10.1.2.2"), 0);
	ck_assert_int_eq(in("10.1.2.3/32", "10.1.2.4"), 0);
	ck_assert_int_eq(in("10.1.2.3", "10.1.2.3"), 1); /* bare = /32 */
	/* /31, /25, /17, /1: odd boundaries */
	ck_assert_int_eq(in("10.0.0.2/31", "10.0.0.3"), 1);
	ck_assert_int_eq(in("10.0.0.2/31", "10.0.0.4"), 0);
	ck_assert_int_eq(in("192.168.1.128/25", "192.168.1.128"), 1);
	ck_assert_int_eq(in("192.168.1.128/25", "192.168.1.255"), 1);
	ck_assert_int_eq(in("192.168.1.128/25", "192.168.1.127"), 0);
	ck_assert_int_eq(in("10.0.128.0/17", "10.0.255.255"), 1);
	ck_assert_int_eq(in("10.0.128.0/17", "10.0.127.255"), 0);
	ck_assert_int_eq(in("128.0.0.0/1", "200.1.1.1"), 1);
	ck_assert_int_eq(in("128.0.0.0/1", "127.255.255.255"), 0);
	/* IPv6 /0 holds everything, IPv4-mapped addresses included */
	ck_assert_int_eq(in("::/0", "2001:db8::1"), 1);
	ck_assert_int_eq(in("::/0", "10.0.0.1"), 1);
	/* /128: one address */
	ck_assert_int_eq(in("fd00::1/128", "fd00::1"), 1);
	ck_assert_int_eq(in("fd00::1/128", "fd00::2"), 0);
	ck_assert_int_eq(in("fd00::1/128", "fd00::"), 0);
	ck_assert_int_eq(in("fd00::1", "fd00::1"), 1);
	/* /32, /48, /63, /65 */
	ck_assert_int_eq(in("2001:db8::/32", "2001:db8:ffff:ffff::"), 1);
	ck_assert_int_eq(in("2001:db8::/32", "2001:db9::"), 0);
	ck_assert_int_eq(in("fd00:0:20::/48", "fd00:0:20:ffff::10"), 1);
	ck_assert_int_eq(in("fd00:0:20::/48", "fd00:0:21::10"), 0);
	ck_assert_int_eq(in("fd00::/63", "fd00:0:0:1::1"), 1);
	ck_assert_int_eq(in("fd00::/63", "fd00:0:0:2::1"), 0);
	ck_assert_int_eq(in("fd00::/65", "fd00::7fff:ffff:ffff:ffff"), 1);
	ck_assert_int_eq(in("fd00::/65", "fd00::8000:0:0:0"), 0);
	/* an IPv4 network and the IPv4-mapped form of an address in it */
	ck_assert_int_eq(in("10.0.0.0/8", "::ffff:10.9.9.9"), 1);
}
END_TEST

START_TEST(group_addresses)
{
	uint8_t ip[16];

	ck_assert_int_eq(check_parse_ip("255.255.255.255", ip), 1);
	ck_assert_int_eq(check_is_group(ip), 1);
	ck_assert_int_eq(check_parse_ip("224.0.0.1", ip), 1);
	ck_assert_int_eq(check_is_group(ip), 1);
	ck_assert_int_eq(check_parse_ip("239.255.255.250", ip), 1);
	ck_assert_int_eq(check_is_group(ip), 1);
	ck_assert_int_eq(check_parse_ip("ff02::1", ip), 2);
	ck_assert_int_eq(check_is_group(ip), 1);
	ck_assert_int_eq(check_parse_ip("223.255.255.255", ip), 1);
	ck_assert_int_eq(check_is_group(ip), 0);
	ck_assert_int_eq(check_parse_ip("10.0.0.255", ip), 1);
	ck_assert_int_eq(check_is_group(ip), 0);
	ck_assert_int_eq(check_parse_ip("fe80::1", ip), 2);
	ck_assert_int_eq(check_is_group(ip), 0);
	ck_assert_int_eq(check_parse_ip("10.0.0", ip), 0);
	ck_assert_int_eq(check_parse_ip("", ip), 0);
}
END_TEST

static Suite *
policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("parser");
	TCase *tp = tcase_create("prefixes");

	tcase_add_test(tc, architecture_example);
	tcase_add_test(tc, valid_variants);
	tcase_add_test(tc, unknown_keys);
	tcase_add_test(tc, overlaps);
	tcase_add_test(tc, bad_references);
	tcase_add_test(tc, empty_names);
	tcase_add_test(tc, bad_sl_t);
	tcase_add_test(tc, bad_cidr);
	tcase_add_test(tc, bad_rules);
	tcase_add_test(tc, bad_documents);
	tcase_add_test(tc, file_errors);
	tcase_add_test(tc, caps);
	tcase_add_test(tc, error_limit);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	tcase_add_test(tp, prefix_matching);
	tcase_add_test(tp, group_addresses);
	suite_add_tcase(s, tp);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(policy_suite());
	int nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

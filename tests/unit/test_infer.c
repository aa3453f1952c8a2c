/* SPDX-License-Identifier: BSD-2-Clause */
/* test_infer.c: kind and Purdue-level inference on fixture graphs. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../store/store.h"

#define MAXA 24
#define MAXF 32

struct fx {
	struct st_asset a[MAXA];
	struct st_flow f[MAXF];
	struct st_op ops[MAXF][4];
	size_t na, nf;
};

static struct st_asset *
asset(struct fx *x, const char *ip, const char *roles)
{
	struct st_asset *a = &x->a[x->na++];

	memset(a, 0, sizeof(*a));
	snprintf(a->ip, sizeof(a->ip), "%s", ip);
	snprintf(a->roles, sizeof(a->roles), "%s", roles);
	a->purdue_level = -1;
	return a;
}

/* The protocol joins the asset's list, as the store does. */
static void
add_proto(struct fx *x, const char *ip, const char *proto)
{
	size_t i, n;

	for (i = 0; i < x->na; i++) {
		struct st_asset *a = &x->a[i];

		if (strcmp(a->ip, ip) != 0 || strstr(a->protocols, proto))
			continue;
		n = strlen(a->protocols);
		snprintf(a->protocols + n, sizeof(a->protocols) - n, "%s%s",
		    n ? "," : "", proto);
	}
}

/* A flow with up to two operations "class:code". */
static void
flow(struct fx *x, const char *c, const char *s, const char *proto,
    const char *op1, const char *op2)
{
	struct st_flow *f = &x->f[x->nf];
	const char *ops[2] = {op1, op2};
	int i;

	add_proto(x, c, proto);
	add_proto(x, s, proto);

	memset(f, 0, sizeof(*f));
	snprintf(f->client, sizeof(f->client), "%s", c);
	snprintf(f->server, sizeof(f->server), "%s", s);
	snprintf(f->protocol, sizeof(f->protocol), "%s", proto);
	f->ops = x->ops[x->nf];
	for (i = 0; i < 2; i++) {
		if (ops[i] == NULL)
			continue;
		snprintf(f->ops[f->n_ops].cls, sizeof(f->ops[0].cls), "%s",
		    ops[i]);
		snprintf(f->ops[f->n_ops].protocol,
		    sizeof(f->ops[0].protocol), "%s", proto);
		f->ops[f->n_ops].count = 1;
		f->n_ops++;
	}
	x->nf++;
}

static const struct st_asset *
get(const struct fx *x, const char *ip)
{
	size_t i;

	for (i = 0; i < x->na; i++)
		if (strcmp(x->a[i].ip, ip) == 0)
			return &x->a[i];
	ck_abort_msg("no asset %s", ip);
	return NULL;
}

START_TEST(plant_roles)
{
	static struct fx x;
	const struct st_asset *a;

	memset(&x, 0, sizeof(x));
	asset(&x, "10.0.1.10", "s7-server");		   /* PLC */
	asset(&x, "10.0.1.11", "modbus-server");	   /* remote I/O */
	asset(&x, "10.0.1.12", "dnp3-outstation");	   /* RTU */
	asset(&x, "10.0.2.10", "s7-client,opcua-server");  /* SCADA */
	asset(&x, "10.0.2.20", "s7-client");		   /* EWS */
	asset(&x, "10.0.2.30", "dnp3-master");		   /* HMI */
	asset(&x, "10.0.3.10", "opcua-client");		   /* historian */
	asset(&x, "10.0.4.10", "");			   /* office PC */
	asset(&x, "10.0.4.11", "");			   /* office server */
	/* the PLC polls its I/O */
	x.a[0].roles[0] = '\0';
	snprintf(x.a[0].roles, sizeof(x.a[0].roles), "s7-server,modbus-client");
	flow(&x, "10.0.1.10", "10.0.1.11", "modbus", "read", NULL);
	flow(&x, "10.0.2.10", "10.0.1.10", "s7comm", "read", "write");
	flow(&x, "10.0.2.20", "10.0.1.10", "s7comm", "program", "discover");
	flow(&x, "10.0.2.30", "10.0.1.12", "dnp3", "read", "control");
	flow(&x, "10.0.3.10", "10.0.2.10", "opcua", "read", "session");
	flow(&x, "10.0.4.10", "10.0.4.11", "http", NULL, NULL);
	store_infer_kinds(x.a, x.na, x.f, x.nf);

	a = get(&x, "10.0.1.10");
	ck_assert_str_eq(a->kind, "plc");
	ck_assert_int_eq(a->purdue_level, 1);
	ck_assert_str_eq(a->kind_reason,
	    "controller; received program operations from 10.0.2.20");
	a = get(&x, "10.0.1.11");
	ck_assert_str_eq(a->kind, "io-adapter");
	ck_assert_int_eq(a->purdue_level, 1);
	a = get(&x, "10.0.1.12");
	ck_assert_str_eq(a->kind, "rtu");
	a = get(&x, "10.0.2.10");
	ck_assert_str_eq(a->kind, "scada-server");
	ck_assert_int_eq(a->purdue_level, 2);
	a = get(&x, "10.0.2.20");
	ck_assert_str_eq(a->kind, "engineering-workstation");
	ck_assert_str_eq(a->kind_reason,
	    "sent program operations to 10.0.1.10");
	a = get(&x, "10.0.2.30");
	/* operating is not programming; a DNP3 master is a master station */
	ck_assert_str_eq(a->kind, "scada-server");
	ck_assert_int_eq(a->purdue_level, 2);
	ck_assert_str_eq(a->kind_reason, "polls 1 controller as a DNP3 master "
	    "station and operates them (control operations)");
	a = get(&x, "10.0.3.10");
	ck_assert_str_eq(a->kind, "historian");
	ck_assert_int_eq(a->purdue_level, 3);
	a = get(&x, "10.0.4.10");
	ck_assert_str_eq(a->kind, "it-host");
	ck_assert_int_eq(a->purdue_level, 4);
}
END_TEST

START_TEST(it_host_reaching_into_control_is_level_3)
{
	static struct fx x;

	memset(&x, 0, sizeof(x));
	asset(&x, "10.0.2.20", "s7-client");
	asset(&x, "10.0.1.10", "s7-server");
	asset(&x, "10.0.5.5", ""); /* a jump host */
	asset(&x, "10.0.4.10", ""); /* an office PC */
	flow(&x, "10.0.2.20", "10.0.1.10", "s7comm", "program", NULL);
	flow(&x, "10.0.5.5", "10.0.2.20", "rdp", NULL, NULL);
	flow(&x, "10.0.4.10", "10.0.5.5", "rdp", NULL, NULL);
	store_infer_kinds(x.a, x.na, x.f, x.nf);
	ck_assert_str_eq(get(&x, "10.0.5.5")->kind, "it-host");
	ck_assert_int_eq(get(&x, "10.0.5.5")->purdue_level, 3);
	ck_assert_int_eq(get(&x, "10.0.4.10")->purdue_level, 4);
}
END_TEST

START_TEST(broadcast_sweeper_is_an_ews)
{
	static struct fx x;
	const struct st_asset *a;

	memset(&x, 0, sizeof(x));
	asset(&x, "10.0.5.100", "enip-client");
	flow(&x, "10.0.5.100", "255.255.255.255", "enip", "discover", NULL);
	store_infer_kinds(x.a, x.na, x.f, x.nf);
	a = get(&x, "10.0.5.100");
	ck_assert_str_eq(a->kind, "engineering-workstation");
	ck_assert_int_eq(a->purdue_level, 2);
}
END_TEST

START_TEST(nothing_known)
{
	static struct fx x;

	memset(&x, 0, sizeof(x));
	asset(&x, "10.9.9.9", "");
	store_infer_kinds(x.a, x.na, x.f, x.nf);
	ck_assert_str_eq(x.a[0].kind, "unknown");
	ck_assert_int_eq(x.a[0].purdue_level, -1);
}
END_TEST

/* A PLC that is also a client of other PLCs, or serves OPC UA only, is a
 * plc when its identity says controller; a CIP I/O target that is a PLC
 * (type 0x0E) is not an io-adapter. */
START_TEST(identity_says_controller)
{
	static struct fx x;
	struct st_asset *a;
	const struct st_asset *g;

	memset(&x, 0, sizeof(x));
	a = asset(&x, "10.4.0.12", "opcua-server");
	snprintf(a->url, sizeof(a->url), "%s",
	    "urn:SIMATIC.S7-1500.OPC-UA.Application:PLC_1");
	a = asset(&x, "10.4.0.13", "cip-io-adapter,enip-server");
	a->device_type = 14;
	asset(&x, "10.4.0.14", "cip-scanner,enip-client");
	asset(&x, "10.3.0.10", "opcua-client");
	flow(&x, "10.3.0.10", "10.4.0.12", "opcua", "read", NULL);
	flow(&x, "10.4.0.14", "10.4.0.13", "enip", "session", NULL);
	store_infer_kinds(x.a, x.na, x.f, x.nf);
	g = get(&x, "10.4.0.12");
	ck_assert_str_eq(g->kind, "plc");
	ck_assert_int_eq(g->purdue_level, 1);
	ck_assert_str_eq(g->kind_reason, "OPC UA server and identifies as a "
	    "controller (urn:SIMATIC.S7-1500.OPC-UA.Application:PLC_1)");
	g = get(&x, "10.4.0.13");
	ck_assert_str_eq(g->kind, "plc");
	ck_assert_str_eq(g->kind_reason, "target of CIP implicit I/O and "
	    "identifies as a controller (CIP device type 0x0E, programmable "
	    "logic controller)");
	g = get(&x, "10.3.0.10");
	ck_assert_str_eq(g->kind, "hmi");
	ck_assert_str_eq(g->kind_reason, "reads from 1 controller");
}
END_TEST

/* Two devices polling each other over Modbus: neither is remote I/O (a
 * remote I/O polls nobody); the one whose network card is a PC maker's
 * is a computer serving Modbus, a SCADA server. */
START_TEST(mutual_polling_is_not_remote_io)
{
	static struct fx x;
	struct st_asset *a;
	const struct st_asset *g;

	memset(&x, 0, sizeof(x));
	a = asset(&x, "10.3.0.10", "modbus-client,modbus-server");
	snprintf(a->mac_vendor, sizeof(a->mac_vendor), "%s", "Dell Inc.");
	a = asset(&x, "10.4.0.10", "modbus-client,modbus-server");
	snprintf(a->mac_vendor, sizeof(a->mac_vendor), "%s",
	    "TELEMECANIQUE ELECTRIQUE");
	asset(&x, "10.5.0.10", "modbus-client,modbus-server");
	asset(&x, "10.5.0.11", "modbus-client,modbus-server");
	flow(&x, "10.3.0.10", "10.4.0.10", "modbus", "read", NULL);
	flow(&x, "10.4.0.10", "10.3.0.10", "modbus", "read", NULL);
	flow(&x, "10.5.0.10", "10.5.0.11", "modbus", "read", NULL);
	flow(&x, "10.5.0.11", "10.5.0.10", "modbus", "read", NULL);
	store_infer_kinds(x.a, x.na, x.f, x.nf);
	g = get(&x, "10.3.0.10");
	ck_assert_str_eq(g->kind, "scada-server");
	ck_assert_int_eq(g->purdue_level, 2);
	ck_assert_str_eq(g->kind_reason, "polls 1 controller and serves an "
	    "industrial protocol from a PC (its network card is a PC "
	    "maker's)");
	g = get(&x, "10.4.0.10");
	ck_assert_str_eq(g->kind, "plc");
	ck_assert_int_eq(g->purdue_level, 1);
	ck_assert_str_eq(g->kind_reason,
	    "industrial protocol server (modbus-client,modbus-server)");
	/* no vendor known: both stay controllers (PLC-to-PLC) */
	ck_assert_str_eq(get(&x, "10.5.0.10")->kind, "plc");
	ck_assert_str_eq(get(&x, "10.5.0.11")->kind, "plc");
}
END_TEST

/* A Modbus server built by a remote I/O maker, polled by SCADA, is
 * remote I/O; the same from an unknown maker stays a plc. */
START_TEST(remote_io_maker)
{
	static struct fx x;
	struct st_asset *a;
	const struct st_asset *g;

	memset(&x, 0, sizeof(x));
	a = asset(&x, "10.0.40.30", "modbus-server");
	snprintf(a->mac_vendor, sizeof(a->mac_vendor), "%s",
	    "MOXA TECHNOLOGIES CORP., LTD.");
	asset(&x, "10.0.40.31", "modbus-server");
	asset(&x, "10.0.30.10", "modbus-client");
	flow(&x, "10.0.30.10", "10.0.40.30", "modbus", "read", NULL);
	flow(&x, "10.0.30.10", "10.0.40.31", "modbus", "read", NULL);
	store_infer_kinds(x.a, x.na, x.f, x.nf);
	g = get(&x, "10.0.40.30");
	ck_assert_str_eq(g->kind, "io-adapter");
	ck_assert_int_eq(g->purdue_level, 1);
	ck_assert_str_eq(g->kind_reason, "industrial protocol server built by "
	    "a remote I/O and gateway maker (MOXA TECHNOLOGIES CORP., LTD.)");
	ck_assert_str_eq(get(&x, "10.0.40.31")->kind, "plc");
	g = get(&x, "10.0.30.10");
	ck_assert_str_eq(g->kind, "hmi");
	ck_assert_str_eq(g->kind_reason, "polls 2 controllers");
}
END_TEST

/* An OPC UA server that polls nothing and is used only by supervisory
 * hosts is a historian (3); one that says so in its identity too; one
 * used by a historian-like reader from above stays scada-server. */
START_TEST(opcua_server_used_by_supervision_is_historian)
{
	static struct fx x;
	struct st_asset *a;
	const struct st_asset *g;

	memset(&x, 0, sizeof(x));
	asset(&x, "10.4.0.10", "modbus-server");
	asset(&x, "10.3.0.10", "modbus-client,opcua-client");
	asset(&x, "10.2.0.10", "opcua-server");
	a = asset(&x, "10.2.0.11", "opcua-server");
	snprintf(a->product, sizeof(a->product), "%s",
	    "urn:example:Historian");
	flow(&x, "10.3.0.10", "10.4.0.10", "modbus", "read", NULL);
	flow(&x, "10.3.0.10", "10.2.0.10", "opcua", "read", NULL);
	store_infer_kinds(x.a, x.na, x.f, x.nf);
	g = get(&x, "10.2.0.10");
	ck_assert_str_eq(g->kind, "historian");
	ck_assert_int_eq(g->purdue_level, 3);
	ck_assert_str_eq(g->kind_reason, "OPC UA server that polls nothing and "
	    "is used only by supervisory hosts (10.3.0.10): a historian");
	g = get(&x, "10.2.0.11");
	ck_assert_str_eq(g->kind, "historian");
	ck_assert_int_eq(g->purdue_level, 3);
	ck_assert_str_eq(g->kind_reason, "OPC UA server that identifies as a "
	    "historian (urn:example:Historian)");
	g = get(&x, "10.3.0.10");
	ck_assert_str_eq(g->kind, "hmi");
}
END_TEST

/* Purdue levels of IT-only hosts from their own traffic and their
 * subnet. */
START_TEST(it_levels_by_subnet)
{
	static struct fx x;
	const struct st_asset *g;

	memset(&x, 0, sizeof(x));
	asset(&x, "10.4.0.10", "s7-client,opcua-server"); /* SCADA */
	asset(&x, "10.4.0.30", "");			  /* EWS, RDP only */
	asset(&x, "10.10.1.10", "s7-server");		  /* PLC */
	asset(&x, "10.3.0.10", "opcua-client");		  /* historian */
	asset(&x, "10.3.0.12", "");			  /* patch server */
	asset(&x, "10.2.0.10", "");			  /* jump host */
	asset(&x, "10.2.0.20", "");			  /* historian mirror */
	asset(&x, "10.1.0.10", "");			  /* office DC */
	asset(&x, "10.1.0.11", "");			  /* office PC */
	asset(&x, "10.1.0.12", "");			  /* office web */
	flow(&x, "10.4.0.10", "10.10.1.10", "s7comm", "read", NULL);
	flow(&x, "10.3.0.10", "10.4.0.10", "opcua", "read", NULL);
	flow(&x, "10.3.0.12", "10.1.0.12", "http", NULL, NULL);
	flow(&x, "10.2.0.10", "10.4.0.30", "rdp", NULL, NULL);
	flow(&x, "10.2.0.20", "10.3.0.10", "tls", NULL, NULL);
	flow(&x, "10.4.0.10", "10.1.0.10", "ntp", NULL, NULL);
	flow(&x, "10.1.0.11", "10.4.0.30", "rdp", NULL, NULL);
	flow(&x, "10.1.0.11", "10.1.0.12", "http", NULL, NULL);
	store_infer_kinds(x.a, x.na, x.f, x.nf);
	g = get(&x, "10.3.0.10");
	ck_assert_str_eq(g->kind, "historian");
	g = get(&x, "10.4.0.30");
	ck_assert_str_eq(g->kind, "it-host");
	ck_assert_int_eq(g->purdue_level, 2);
	ck_assert_str_eq(g->kind_reason, "IT protocols only; on the subnet of "
	    "OT assets (10.4.0.10, level 2)");
	g = get(&x, "10.3.0.12");
	ck_assert_int_eq(g->purdue_level, 3);
	ck_assert_str_eq(g->kind_reason, "IT protocols only; on the subnet of "
	    "OT assets (10.3.0.10, level 3)");
	g = get(&x, "10.2.0.20");
	ck_assert_str_eq(g->kind, "historian");
	ck_assert_int_eq(g->purdue_level, 3);
	ck_assert_str_eq(g->kind_reason, "IT protocols only; fetches from the "
	    "historian 10.3.0.10, from a subnet above it: a historian mirror "
	    "(DMZ)");
	g = get(&x, "10.2.0.10"); /* lifted by its DMZ neighbour */
	ck_assert_str_eq(g->kind, "it-host");
	ck_assert_int_eq(g->purdue_level, 3);
	ck_assert_str_eq(g->kind_reason, "IT protocols only; on the subnet of "
	    "DMZ or site operations hosts (10.2.0.20, level 3)");
	/* the office: the DC serving the SCADA server and the PC reaching
	 * the EWS stay at 4 (their subnet is an office one) */
	g = get(&x, "10.1.0.10");
	ck_assert_int_eq(g->purdue_level, 4);
	ck_assert_str_eq(g->kind_reason, "only IT protocols seen");
	g = get(&x, "10.1.0.11");
	ck_assert_int_eq(g->purdue_level, 4);
	ck_assert_int_eq(get(&x, "10.1.0.12")->purdue_level, 4);
}
END_TEST

/* Flat addressing (most hosts alone in their /24): no subnet inference. */
START_TEST(flat_addresses_no_subnet_levels)
{
	static struct fx x;

	memset(&x, 0, sizeof(x));
	asset(&x, "10.10.5.1", "modbus-client");
	asset(&x, "10.10.5.2", ""); /* shares a /24 with the HMI by chance */
	asset(&x, "10.10.7.1", "modbus-server");
	asset(&x, "10.10.9.1", "");
	asset(&x, "10.10.11.1", "");
	flow(&x, "10.10.5.1", "10.10.7.1", "modbus", "read", NULL);
	flow(&x, "10.10.9.1", "10.10.11.1", "http", NULL, NULL);
	flow(&x, "10.10.9.1", "10.10.5.2", "http", NULL, NULL);
	store_infer_kinds(x.a, x.na, x.f, x.nf);
	ck_assert_int_eq(get(&x, "10.10.5.2")->purdue_level, 4);
	ck_assert_str_eq(get(&x, "10.10.5.2")->kind_reason,
	    "only IT protocols seen");
}
END_TEST

/* A single office PC reaching into an EWS from a full office subnet
 * stays at level 4, with the reason saying so. */
START_TEST(office_pc_reaching_into_control)
{
	static struct fx x;
	const struct st_asset *g;

	memset(&x, 0, sizeof(x));
	asset(&x, "10.4.0.20", "s7-client");
	asset(&x, "10.10.1.10", "s7-server");
	asset(&x, "10.1.0.11", "");
	asset(&x, "10.1.0.12", "");
	asset(&x, "10.1.0.13", "");
	asset(&x, "10.1.0.14", "");
	flow(&x, "10.4.0.20", "10.10.1.10", "s7comm", "program", NULL);
	flow(&x, "10.1.0.11", "10.4.0.20", "rdp", NULL, NULL);
	flow(&x, "10.1.0.12", "10.1.0.13", "http", NULL, NULL);
	flow(&x, "10.1.0.14", "10.1.0.13", "http", NULL, NULL);
	store_infer_kinds(x.a, x.na, x.f, x.nf);
	g = get(&x, "10.1.0.11");
	ck_assert_str_eq(g->kind, "it-host");
	ck_assert_int_eq(g->purdue_level, 4);
	ck_assert_str_eq(g->kind_reason, "IT protocols only; reaches into OT "
	    "assets (10.4.0.20) from an office subnet");
}
END_TEST

/* CIP Get_Attributes_All alone is an identity read: a client that only
 * reads identities of two controllers (and polls an RTU once) is an
 * engineering workstation, not a DNP3 master station; a flow with other
 * reads too stays polling. */
START_TEST(cip_identity_reads_are_identification)
{
	static struct fx x;
	const struct st_asset *g;

	memset(&x, 0, sizeof(x));
	asset(&x, "10.4.0.30", "dnp3-master,enip-client");
	asset(&x, "10.4.0.20", "enip-client");
	asset(&x, "10.10.1.10", "enip-server");
	asset(&x, "10.10.2.10", "enip-server");
	asset(&x, "10.10.4.10", "dnp3-outstation");
	flow(&x, "10.4.0.30", "10.10.1.10", "enip", "read", "session");
	x.ops[x.nf - 1][0].code = 1; /* Get_Attributes_All */
	flow(&x, "10.4.0.30", "10.10.2.10", "enip", "read", "session");
	x.ops[x.nf - 1][0].code = 1;
	flow(&x, "10.4.0.30", "10.10.4.10", "dnp3", "read", NULL);
	flow(&x, "10.4.0.20", "10.10.1.10", "enip", "read", "read");
	x.ops[x.nf - 1][0].code = 1;
	x.ops[x.nf - 1][1].code = 76; /* Read Tag */
	flow(&x, "10.4.0.20", "10.10.2.10", "enip", "read", "read");
	x.ops[x.nf - 1][0].code = 1;
	x.ops[x.nf - 1][1].code = 76;
	store_infer_kinds(x.a, x.na, x.f, x.nf);
	g = get(&x, "10.4.0.30");
	ck_assert_str_eq(g->kind, "engineering-workstation");
	ck_assert_int_eq(g->purdue_level, 2);
	ck_assert_str_eq(g->kind_reason,
	    "identifies 2 controllers (identity and diagnostic reads)");
	g = get(&x, "10.4.0.20");
	ck_assert_str_eq(g->kind, "hmi");
	ck_assert_str_eq(g->kind_reason, "polls 2 controllers");
}
END_TEST

/* An HMI alone among office hosts on its subnet is at level 4 (where it
 * sits); the same HMI on a subnet with another OT host stays at 2. */
START_TEST(hmi_on_office_subnet_is_level_4)
{
	static struct fx x;
	const struct st_asset *g;

	memset(&x, 0, sizeof(x));
	asset(&x, "10.1.0.11", "modbus-client");
	asset(&x, "10.1.0.12", "");
	asset(&x, "10.1.0.13", "");
	asset(&x, "10.1.0.20", "");
	asset(&x, "10.10.2.10", "modbus-server");
	asset(&x, "10.4.0.20", "modbus-client");
	asset(&x, "10.4.0.21", "modbus-client");
	asset(&x, "10.4.0.22", "");
	asset(&x, "10.4.0.23", "");
	flow(&x, "10.1.0.11", "10.10.2.10", "modbus", "write", NULL);
	flow(&x, "10.1.0.11", "10.1.0.20", "http", NULL, NULL);
	flow(&x, "10.1.0.12", "10.1.0.20", "http", NULL, NULL);
	flow(&x, "10.1.0.13", "10.1.0.20", "http", NULL, NULL);
	flow(&x, "10.4.0.20", "10.10.2.10", "modbus", "read", NULL);
	flow(&x, "10.4.0.21", "10.10.2.10", "modbus", "read", NULL);
	flow(&x, "10.4.0.22", "10.4.0.23", "http", NULL, NULL);
	store_infer_kinds(x.a, x.na, x.f, x.nf);
	g = get(&x, "10.1.0.11");
	ck_assert_str_eq(g->kind, "hmi");
	ck_assert_int_eq(g->purdue_level, 4);
	ck_assert_str_eq(g->kind_reason,
	    "polls 1 controller; from an office subnet (3 IT hosts)");
	ck_assert_int_eq(get(&x, "10.1.0.12")->purdue_level, 4);
	g = get(&x, "10.4.0.20");
	ck_assert_str_eq(g->kind, "hmi");
	ck_assert_int_eq(g->purdue_level, 2);
	ck_assert_int_eq(get(&x, "10.4.0.22")->purdue_level, 2);
}
END_TEST

/* Flatness is judged per /16: random sources in 11.0.0.0/8 (a flood) do
 * not turn off subnet levels in the structured plant. */
START_TEST(flat_elsewhere_keeps_plant_subnets)
{
	static struct fx x;
	char ip[48];
	int i;

	memset(&x, 0, sizeof(x));
	asset(&x, "10.4.0.10", "s7-client");
	asset(&x, "10.4.0.30", "");
	asset(&x, "10.10.1.10", "s7-server");
	flow(&x, "10.4.0.10", "10.10.1.10", "s7comm", "read", NULL);
	for (i = 0; i < 12; i++) {
		snprintf(ip, sizeof(ip), "11.%d.%d.%d", i % 3, i * 17 % 256,
		    i * 29 % 250 + 1);
		asset(&x, ip, "");
		flow(&x, ip, "10.4.0.30", "http", NULL, NULL);
	}
	store_infer_kinds(x.a, x.na, x.f, x.nf);
	ck_assert_int_eq(get(&x, "10.4.0.30")->purdue_level, 2);
	ck_assert_str_eq(get(&x, "10.4.0.30")->kind_reason, "IT protocols only; "
	    "on the subnet of OT assets (10.4.0.10, level 2)");
}
END_TEST

/* Hosts seen only in payload-less connections (spoofed flood sources,
 * no protocol recognised) do not vote on their subnet's level. */
START_TEST(payloadless_sources_do_not_vote)
{
	static struct fx x;
	char ip[48];
	int i;

	memset(&x, 0, sizeof(x));
	asset(&x, "10.4.0.10", "s7-client");
	asset(&x, "10.4.0.30", "");
	asset(&x, "10.10.1.10", "s7-server");
	asset(&x, "10.1.0.5", "");
	flow(&x, "10.4.0.10", "10.10.1.10", "s7comm", "read", NULL);
	flow(&x, "10.1.0.5", "10.4.0.30", "smb", NULL, NULL);
	for (i = 0; i < 5; i++) {
		snprintf(ip, sizeof(ip), "10.4.0.%d", 100 + i);
		asset(&x, ip, "");
		flow(&x, ip, "10.10.1.10", "", NULL, NULL);
	}
	store_infer_kinds(x.a, x.na, x.f, x.nf);
	ck_assert_str_eq(get(&x, "10.4.0.100")->kind, "it-host");
	ck_assert_int_eq(get(&x, "10.4.0.30")->purdue_level, 2);
}
END_TEST

static Suite *
infer_suite(void)
{
	Suite *s = suite_create("infer");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, plant_roles);
	tcase_add_test(tc, it_host_reaching_into_control_is_level_3);
	tcase_add_test(tc, broadcast_sweeper_is_an_ews);
	tcase_add_test(tc, nothing_known);
	tcase_add_test(tc, identity_says_controller);
	tcase_add_test(tc, mutual_polling_is_not_remote_io);
	tcase_add_test(tc, remote_io_maker);
	tcase_add_test(tc, opcua_server_used_by_supervision_is_historian);
	tcase_add_test(tc, it_levels_by_subnet);
	tcase_add_test(tc, flat_addresses_no_subnet_levels);
	tcase_add_test(tc, office_pc_reaching_into_control);
	tcase_add_test(tc, cip_identity_reads_are_identification);
	tcase_add_test(tc, hmi_on_office_subnet_is_level_4);
	tcase_add_test(tc, flat_elsewhere_keeps_plant_subnets);
	tcase_add_test(tc, payloadless_sources_do_not_vote);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(infer_suite());
	int nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

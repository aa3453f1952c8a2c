/* SPDX-License-Identifier: BSD-2-Clause */
/* test_infer.c: kind and Purdue-level inference on fixture graphs. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../store/store.h"

#define MAXA 16
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

/* A flow with up to two operations "class:code". */
static void
flow(struct fx *x, const char *c, const char *s, const char *proto,
    const char *op1, const char *op2)
{
	struct st_flow *f = &x->f[x->nf];
	const char *ops[2] = {op1, op2};
	int i;

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
	ck_assert_str_eq(a->kind, "hmi"); /* operating is not programming */
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

static Suite *
infer_suite(void)
{
	Suite *s = suite_create("infer");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, plant_roles);
	tcase_add_test(tc, it_host_reaching_into_control_is_level_3);
	tcase_add_test(tc, broadcast_sweeper_is_an_ews);
	tcase_add_test(tc, nothing_known);
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

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_zones.c: the zone and conduit proposal (store/zones.c) and its
 * storage (store/zones_db.c) on graphs built here, asset by asset and
 * flow by flow.  Kinds and levels are set by the fixtures (what
 * store_infer_kinds would say), so these tests pin the partition, not
 * the kind inference.
 */
#include <arpa/inet.h>
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../store/zones.h"

#define MAXA 256
#define MAXF 256
#define MAXO 4

static struct st_asset A[MAXA];
static size_t na;
static struct st_flow F[MAXF];
static struct st_op O[MAXF][MAXO];
static size_t nf;
static struct zones_result R;

static void
reset(void)
{
	memset(A, 0, sizeof(A));
	memset(F, 0, sizeof(F));
	memset(O, 0, sizeof(O));
	na = nf = 0;
	zones_free(&R);
}

static void
asset(const char *ip, uint16_t vlan, const char *mac, const char *kind,
    int level)
{
	struct st_asset *a;

	ck_assert_uint_lt(na, MAXA);
	a = &A[na];
	a->id = (int64_t)na + 100;
	a->vlan = vlan;
	snprintf(a->ip, sizeof(a->ip), "%s", ip);
	snprintf(a->mac, sizeof(a->mac), "%s", mac ? mac : "");
	snprintf(a->kind, sizeof(a->kind), "%s", kind);
	a->purdue_level = level;
	na++;
}

static struct st_flow *
flow(const char *client, const char *server, const char *proto,
    uint64_t packets)
{
	struct st_flow *f;

	ck_assert_uint_lt(nf, MAXF);
	f = &F[nf];
	f->id = (int64_t)nf + 1;
	snprintf(f->client, sizeof(f->client), "%s", client);
	snprintf(f->server, sizeof(f->server), "%s", server);
	snprintf(f->protocol, sizeof(f->protocol), "%s", proto);
	snprintf(f->transport, sizeof(f->transport), "tcp");
	f->packets = packets;
	f->bytes = packets * 100;
	f->ops = O[nf];
	nf++;
	return f;
}

/* Flows between assets that carry a VLAN take the assets' VLANs. */
static void
vlans_from_assets(void)
{
	size_t i, j;

	for (i = 0; i < nf; i++)
		for (j = 0; j < na; j++) {
			if (strcmp(F[i].client, A[j].ip) == 0)
				F[i].client_vlan = A[j].vlan;
			if (strcmp(F[i].server, A[j].ip) == 0)
				F[i].vlan = A[j].vlan;
		}
}

static void
op(struct st_flow *f, const char *cls, uint64_t count)
{
	struct st_op *o;

	ck_assert_uint_lt(f->n_ops, MAXO);
	o = &f->ops[f->n_ops++];
	snprintf(o->protocol, sizeof(o->protocol), "%.*s",
	    (int)sizeof(o->protocol) - 1, f->protocol);
	snprintf(o->cls, sizeof(o->cls), "%s", cls);
	o->count = count;
}

static int
addr_cmp(const void *x, const void *y)
{
	const struct st_asset *a = x, *b = y;
	unsigned char pa[16] = {0}, pb[16] = {0};

	/* as store_load_assets orders them: IPv4-mapped first */
	if (inet_pton(AF_INET, a->ip, pa + 12) == 1)
		pa[10] = pa[11] = 0xff;
	else
		inet_pton(AF_INET6, a->ip, pa);
	if (inet_pton(AF_INET, b->ip, pb + 12) == 1)
		pb[10] = pb[11] = 0xff;
	else
		inet_pton(AF_INET6, b->ip, pb);
	return memcmp(pa, pb, 16);
}

/* ZONES_DUMP=1 in the environment prints each proposal (debugging). */
static void
dump(void)
{
	size_t i, j;

	for (i = 0; i < R.n_zones; i++) {
		fprintf(stderr, "zone %zu: %s [sl %d/%d]\n  ", i,
		    R.zones[i].name, R.zones[i].suggested_sl_t,
		    R.zones[i].policy_sl_t);
		for (j = 0; j < R.zones[i].n_members; j++)
			fprintf(stderr, " %s(%s)", A[R.zones[i].members[j]].ip,
			    zones_why_text(R.asset_why[R.zones[i].members[j]]));
		fprintf(stderr, "\n  %s\n", R.zones[i].reason);
	}
	for (i = 0; i < R.n_conduits; i++)
		fprintf(stderr, "conduit %zu -> %zu flows %llu\n",
		    R.conduits[i].from, R.conduits[i].to,
		    (unsigned long long)R.conduits[i].flows);
}

static void
propose(void)
{
	char err[128];

	qsort(A, na, sizeof(A[0]), addr_cmp);
	ck_assert_int_eq(zones_propose(A, na, F, nf, &R, err, sizeof(err)),
	    0);
	if (getenv("ZONES_DUMP") != NULL)
		dump();
}

static long
zone_of(const char *ip)
{
	size_t i;

	for (i = 0; i < na; i++)
		if (strcmp(A[i].ip, ip) == 0)
			return R.asset_zone[i];
	ck_abort_msg("no asset %s", ip);
	return -1;
}

static int
why_of(const char *ip)
{
	size_t i;

	for (i = 0; i < na; i++)
		if (strcmp(A[i].ip, ip) == 0)
			return R.asset_why[i];
	return -1;
}

/* The members of zone z as "ip ip ip". */
static const char *
members(size_t z)
{
	static char buf[1024];
	size_t i;

	buf[0] = '\0';
	ck_assert_uint_lt(z, R.n_zones);
	for (i = 0; i < R.zones[z].n_members; i++) {
		size_t l = strlen(buf);

		snprintf(buf + l, sizeof(buf) - l, "%s%s", i ? " " : "",
		    A[R.zones[z].members[i]].ip);
	}
	return buf;
}

static const struct conduit *
conduit(size_t from, size_t to)
{
	size_t i;

	for (i = 0; i < R.n_conduits; i++)
		if (R.conduits[i].from == from && R.conduits[i].to == to)
			return &R.conduits[i];
	return NULL;
}

static const char *
protos(const struct conduit *c)
{
	static char buf[256];
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < c->n_protos; i++) {
		size_t l = strlen(buf);

		snprintf(buf + l, sizeof(buf) - l, "%s%s", i ? "," : "",
		    c->protos[i].name);
	}
	return buf;
}

#define BIT(x) (1u << (x))

/*
 * A flat network, addresses scattered over 10.9.0.0/16: two cells (a
 * Modbus-polling S7 PLC with its I/O and panel; a CIP scanner with two
 * I/O adapters and a panel), a SCADA server and an engineering
 * workstation polling both, a historian reading the SCADA server, and
 * two office hosts.
 */
static void
flat_plant(void)
{
	struct st_flow *f;

	reset();
	asset("10.9.1.10", 0, "00:1b:1b:00:00:01", "plc", 1);
	asset("10.9.7.20", 0, "00:90:e8:00:00:02", "io-adapter", 1);
	asset("10.9.3.30", 0, "a0:36:9f:00:00:03", "hmi", 2);
	asset("10.9.2.10", 0, "00:00:bc:00:00:04", "plc", 1);
	asset("10.9.5.21", 0, "00:1d:9c:00:00:05", "io-adapter", 1);
	asset("10.9.8.22", 0, "00:1d:9c:00:00:06", "io-adapter", 1);
	asset("10.9.4.31", 0, "a0:36:9f:00:00:07", "hmi", 2);
	asset("10.9.11.40", 0, "f8:bc:12:00:00:08", "scada-server", 2);
	asset("10.9.12.41", 0, "f8:bc:12:00:00:09", "engineering-workstation",
	    2);
	asset("10.9.20.50", 0, "14:18:77:00:00:0a", "it-host", 4);
	asset("10.9.21.51", 0, "14:18:77:00:00:0b", "it-host", 4);
	asset("10.9.30.60", 0, "3c:d9:2b:00:00:0c", "historian", 3);

	op(flow("10.9.1.10", "10.9.7.20", "modbus", 400), "read", 200);
	op(flow("10.9.3.30", "10.9.1.10", "s7comm", 300), "read", 100);
	flow("10.9.2.10", "10.9.5.21", "enip", 2000);
	flow("10.9.2.10", "10.9.8.22", "enip", 2000);
	op(flow("10.9.4.31", "10.9.2.10", "enip", 300), "read", 100);
	f = flow("10.9.11.40", "10.9.1.10", "s7comm", 100);
	op(f, "read", 40);
	op(f, "write", 3);
	op(flow("10.9.11.40", "10.9.2.10", "enip", 100), "read", 40);
	f = flow("10.9.12.41", "10.9.1.10", "s7comm", 40);
	op(f, "session", 1);
	op(f, "program", 2);
	op(flow("10.9.30.60", "10.9.11.40", "opcua", 50), "read", 10);
	flow("10.9.20.50", "10.9.21.51", "dns", 4);
	flow("10.9.11.40", "10.9.21.51", "ntp", 2);
	propose();
}

START_TEST(flat_zones)
{
	flat_plant();
	ck_assert_int_eq(R.subnets_used, 0);
	ck_assert_uint_eq(R.n_zones, 4);
	/* order: level 4, 2, then the cells by first address */
	ck_assert_str_eq(R.zones[0].name, "L4 enterprise (2 IT hosts)");
	ck_assert_str_eq(members(0), "10.9.20.50 10.9.21.51");
	ck_assert_str_eq(R.zones[1].name,
	    "L2 supervisory (1 EWS, 1 SCADA, 1 historian)");
	ck_assert_str_eq(members(1), "10.9.11.40 10.9.12.41 10.9.30.60");
	ck_assert_str_eq(R.zones[2].name,
	    "L1 cell at 10.9.1.10 (S7comm, Modbus, 1 PLC, 1 I/O, 1 HMI)");
	ck_assert_str_eq(members(2), "10.9.1.10 10.9.3.30 10.9.7.20");
	ck_assert_str_eq(R.zones[3].name,
	    "L1 cell at 10.9.2.10 (EtherNet/IP, 2 I/O, 1 PLC, 1 HMI)");
	ck_assert_str_eq(members(3),
	    "10.9.2.10 10.9.4.31 10.9.5.21 10.9.8.22");
	ck_assert_int_eq(R.zones[0].purdue_level, 4);
	ck_assert_int_eq(R.zones[1].purdue_level, 2);
	ck_assert_int_eq(R.zones[2].purdue_level, 1);
	ck_assert_int_eq(R.zones[3].role, ZONE_CELL);
	ck_assert_int_eq(R.zones[1].role, ZONE_SUPERVISORY);
	ck_assert_int_eq(R.zones[0].role, ZONE_ENTERPRISE);
	/* why each asset is where it is */
	ck_assert_int_eq(why_of("10.9.1.10"), ZW_COMMUNITY);
	ck_assert_int_eq(why_of("10.9.3.30"), ZW_LOCAL_CLIENT);
	ck_assert_int_eq(why_of("10.9.11.40"), ZW_BAND_TRAFFIC);
	ck_assert_int_eq(why_of("10.9.30.60"), ZW_NEIGHBOUR);
	ck_assert_ptr_nonnull(strstr(R.zones[2].reason,
	    "1 client that polls only this cell (10.9.3.30)"));
	ck_assert_ptr_nonnull(strstr(R.zones[1].reason,
	    "10.9.30.60 talks most with 10.9.11.40"));
	ck_assert_str_eq(R.zones[0].networks, "");
	ck_assert_uint_eq(R.zones[2].flows_inside, 2);
	ck_assert_uint_eq(R.zones[3].flows_inside, 3);
	ck_assert_uint_eq(R.zones[1].flows_inside, 1);
	ck_assert_uint_eq(R.flows_used, 11);
	ck_assert_uint_eq(R.flows_crossing, 4);
	ck_assert_uint_eq(R.flows_not_unicast, 0);
}
END_TEST

START_TEST(flat_conduits)
{
	const struct conduit *c;

	flat_plant();
	ck_assert_uint_eq(R.n_conduits, 3);
	c = conduit(1, 0);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(protos(c), "ntp");
	ck_assert_uint_eq(c->classes, 0);
	ck_assert_uint_eq(c->flows, 1);
	c = conduit(1, 2);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(protos(c), "s7comm");
	ck_assert_uint_eq(c->classes, BIT(ZC_READ) | BIT(ZC_WRITE) |
		BIT(ZC_PROGRAM) | BIT(ZC_SESSION));
	ck_assert_uint_eq(c->flows, 2);
	ck_assert_int_eq(c->protos[0].cleartext, 1);
	ck_assert_int_eq(zones_access_class(c->protos[0].classes),
	    ZC_PROGRAM);
	c = conduit(1, 3);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(protos(c), "enip");
	ck_assert_uint_eq(c->classes, BIT(ZC_READ));
	ck_assert_uint_eq(c->flows, 1);
	/* sorted by (from, to) */
	ck_assert_uint_eq(R.conduits[0].to, 0);
	ck_assert_uint_eq(R.conduits[2].to, 3);
}
END_TEST

START_TEST(flat_sl_t)
{
	flat_plant();
	/* the programmed cell: SL-T 3, declared 2 (cleartext S7comm) */
	ck_assert_int_eq(R.zones[2].suggested_sl_t, 3);
	ck_assert_ptr_nonnull(strstr(R.zones[2].sl_reason,
	    "controllers receive program operations (from 10.9.12.41)"));
	ck_assert_int_eq(R.zones[2].policy_sl_t, 2);
	ck_assert_ptr_nonnull(strstr(R.zones[2].policy_reason,
	    "cleartext S7comm crosses into it"));
	/* read only */
	ck_assert_int_eq(R.zones[3].suggested_sl_t, 2);
	ck_assert_int_eq(R.zones[3].policy_sl_t, 2);
	ck_assert_str_eq(R.zones[3].policy_reason, "");
	ck_assert_int_eq(R.zones[1].suggested_sl_t, 2);
	ck_assert_str_eq(R.zones[1].sl_reason,
	    "level-2 hosts that program or command controllers");
	ck_assert_int_eq(R.zones[0].suggested_sl_t, 1);
}
END_TEST

/* The same graph gives the same proposal; so do the flows in another
 * order (only the example named in a reason may differ). */
START_TEST(deterministic)
{
	struct zones_result first;
	struct st_flow tmp;
	size_t i, j;
	char err[64];

	flat_plant();
	first = R;
	memset(&R, 0, sizeof(R));
	ck_assert_int_eq(zones_propose(A, na, F, nf, &R, err, sizeof(err)),
	    0);
	ck_assert_uint_eq(R.n_zones, first.n_zones);
	for (i = 0; i < R.n_zones; i++) {
		ck_assert_str_eq(R.zones[i].name, first.zones[i].name);
		ck_assert_str_eq(R.zones[i].reason, first.zones[i].reason);
	}
	ck_assert_uint_eq(R.digest, first.digest);
	zones_free(&R);
	for (i = 0, j = nf - 1; i < j; i++, j--) {
		tmp = F[i];
		F[i] = F[j];
		F[j] = tmp;
	}
	ck_assert_int_eq(zones_propose(A, na, F, nf, &R, err, sizeof(err)),
	    0);
	ck_assert_uint_eq(R.n_zones, first.n_zones);
	for (i = 0; i < R.n_zones; i++)
		ck_assert_str_eq(R.zones[i].name, first.zones[i].name);
	for (i = 0; i < na; i++)
		ck_assert_int_eq(R.asset_zone[i], first.asset_zone[i]);
	ck_assert_uint_eq(R.n_conduits, first.n_conduits);
	zones_free(&first);
}
END_TEST

/*
 * Routed cells on their own VLANs and subnets, where subnets agree with
 * the traffic: a PLC nobody in its cell talks to joins its subnet's cell,
 * a silent laptop too, and the historian of unknown role joins the
 * supervisory subnet.
 */
static void
routed_plant(void)
{
	reset();
	asset("10.20.0.10", 100, "f8:bc:12:00:01:10", "scada-server", 2);
	asset("10.20.0.20", 100, "a0:36:9f:00:01:20", "hmi", 2);
	asset("10.20.0.40", 100, "3c:d9:2b:00:01:40", "unknown", -1);
	asset("10.20.1.10", 101, "00:1b:1b:00:02:10", "plc", 1);
	asset("10.20.1.11", 101, "00:90:e8:00:02:11", "io-adapter", 1);
	asset("10.20.1.12", 101, "00:90:e8:00:02:12", "io-adapter", 1);
	asset("10.20.1.50", 101, "a0:36:9f:00:02:50", "hmi", 2);
	asset("10.20.1.60", 101, "00:1b:1b:00:02:60", "plc", 1);
	asset("10.20.2.10", 102, "00:00:bc:00:03:10", "plc", 1);
	asset("10.20.2.11", 102, "00:1d:9c:00:03:11", "io-adapter", 1);
	asset("10.20.2.50", 102, "a0:36:9f:00:03:50", "hmi", 2);
	asset("10.20.2.99", 102, "f8:bc:12:00:03:99", "unknown", -1);
	asset("10.20.4.10", 104, "00:30:a7:00:04:10", "rtu", 1);

	op(flow("10.20.1.10", "10.20.1.11", "modbus", 300), "read", 100);
	op(flow("10.20.1.10", "10.20.1.12", "modbus", 300), "read", 100);
	op(flow("10.20.1.50", "10.20.1.10", "s7comm", 300), "read", 100);
	flow("10.20.2.10", "10.20.2.11", "enip", 2000);
	op(flow("10.20.2.50", "10.20.2.10", "enip", 300), "read", 100);
	op(flow("10.20.0.10", "10.20.1.10", "s7comm", 100), "read", 30);
	op(flow("10.20.0.10", "10.20.2.10", "enip", 100), "write", 3);
	op(flow("10.20.0.10", "10.20.4.10", "dnp3", 100), "read", 30);
	op(flow("10.20.0.20", "10.20.1.60", "s7comm", 100), "read", 30);
	op(flow("10.20.0.20", "10.20.1.10", "s7comm", 100), "read", 30);
	op(flow("10.20.0.40", "10.20.0.10", "opcua", 60), "read", 10);
	vlans_from_assets();
	propose();
}

START_TEST(routed_zones)
{
	routed_plant();
	ck_assert_int_eq(R.subnets_used, 1);
	ck_assert(R.subnet_precision > 0.99);
	ck_assert(R.subnet_recall > 0.99);
	ck_assert_uint_eq(R.n_zones, 4);
	ck_assert_str_eq(R.zones[0].name,
	    "L2 supervisory 10.20.0.0/24 (1 HMI, 1 SCADA, 1 unknown)");
	ck_assert_str_eq(members(0), "10.20.0.10 10.20.0.20 10.20.0.40");
	ck_assert_int_eq(why_of("10.20.0.40"), ZW_SUBNET);
	ck_assert_str_eq(R.zones[0].vlans, "100");
	ck_assert_str_eq(R.zones[1].name,
	    "L1 cell 10.20.1.0/24 (S7comm, Modbus, 2 PLCs, 2 I/O, 1 HMI)");
	ck_assert_str_eq(members(1),
	    "10.20.1.10 10.20.1.11 10.20.1.12 10.20.1.50 10.20.1.60");
	ck_assert_int_eq(why_of("10.20.1.60"), ZW_SUBNET_MERGE);
	ck_assert_ptr_nonnull(strstr(R.zones[1].reason,
	    "1 controller with no traffic to other controllers placed by "
	    "subnet 10.20.1.0/24 VLAN 101"));
	ck_assert_str_eq(R.zones[1].networks, "10.20.1.0/24");
	ck_assert_str_eq(R.zones[2].name,
	    "L1 cell 10.20.2.0/24 (EtherNet/IP, 1 PLC, 1 I/O, 1 HMI, "
	    "1 client)");
	ck_assert_str_eq(members(2),
	    "10.20.2.10 10.20.2.11 10.20.2.50 10.20.2.99");
	ck_assert_int_eq(why_of("10.20.2.99"), ZW_SUBNET);
	ck_assert_int_eq(R.zones[2].suggested_sl_t, 3);
	ck_assert_int_eq(R.zones[2].policy_sl_t, 2);
	ck_assert_str_eq(R.zones[3].name, "L1 cell 10.20.4.0/24 (DNP3, 1 RTU)");
	ck_assert_int_eq(why_of("10.20.4.10"), ZW_ALONE);
	/* a network of one asset is not claimed */
	ck_assert_str_eq(R.zones[3].networks, "");
	ck_assert_uint_eq(R.n_conduits, 3);
	ck_assert_ptr_nonnull(conduit(0, 1));
	ck_assert_ptr_nonnull(conduit(0, 2));
	ck_assert_ptr_nonnull(conduit(0, 3));
}
END_TEST

/*
 * Subnets that lie: every device type has its own /24, so each /24 holds
 * one kind of device from every line.  Traffic decides.
 */
START_TEST(subnets_that_lie)
{
	reset();
	asset("10.30.1.1", 0, NULL, "plc", 1);
	asset("10.30.1.2", 0, NULL, "plc", 1);
	asset("10.30.1.3", 0, NULL, "plc", 1);
	asset("10.30.2.1", 0, NULL, "io-adapter", 1);
	asset("10.30.2.2", 0, NULL, "io-adapter", 1);
	asset("10.30.2.3", 0, NULL, "io-adapter", 1);
	asset("10.30.3.1", 0, NULL, "hmi", 2);
	asset("10.30.3.2", 0, NULL, "hmi", 2);
	asset("10.30.3.3", 0, NULL, "hmi", 2);
	op(flow("10.30.1.1", "10.30.2.1", "modbus", 200), "read", 90);
	op(flow("10.30.1.2", "10.30.2.2", "modbus", 200), "read", 90);
	op(flow("10.30.1.3", "10.30.2.3", "modbus", 200), "read", 90);
	op(flow("10.30.3.1", "10.30.1.1", "modbus", 200), "read", 90);
	op(flow("10.30.3.2", "10.30.1.2", "modbus", 200), "read", 90);
	op(flow("10.30.3.3", "10.30.1.3", "modbus", 200), "read", 90);
	propose();
	ck_assert_int_eq(R.subnets_used, 0);
	ck_assert(R.subnet_recall < 0.7);
	ck_assert_uint_eq(R.n_zones, 3);
	ck_assert_str_eq(members(0), "10.30.1.1 10.30.2.1 10.30.3.1");
	ck_assert_str_eq(members(1), "10.30.1.2 10.30.2.2 10.30.3.2");
	ck_assert_str_eq(members(2), "10.30.1.3 10.30.2.3 10.30.3.3");
	ck_assert_uint_eq(R.n_conduits, 0);
}
END_TEST

/*
 * Controllers that never talk to each other, polled by panels of their
 * own subnet (one of them a SCADA-like poller that also reads one PLC of
 * the next subnet): no cell of two hosts to judge subnets by, so the
 * panels do; then each subnet is a cell with its panels.
 */
START_TEST(panels_vouch_for_subnets)
{
	static const char *const cell[2] = {"10.40.1.", "10.40.2."};
	char ip[48], plc[48];
	size_t i, k;

	reset();
	for (i = 0; i < 2; i++) {
		for (k = 1; k <= 3; k++) {
			snprintf(ip, sizeof(ip), "%s%zu", cell[i], k);
			asset(ip, 0, NULL, "plc", 1);
		}
		snprintf(ip, sizeof(ip), "%s21", cell[i]);
		asset(ip, 0, NULL, "hmi", 2);
		for (k = 1; k <= 2; k++) {
			snprintf(plc, sizeof(plc), "%s%zu", cell[i], k);
			op(flow(ip, plc, "modbus", 100), "read", 40);
		}
		snprintf(ip, sizeof(ip), "%s23", cell[i]);
		asset(ip, 0, NULL, "scada-server", 2);
		for (k = 1; k <= 3; k++) {
			snprintf(plc, sizeof(plc), "%s%zu", cell[i], k);
			op(flow(ip, plc, "modbus", 100), "read", 40);
		}
		snprintf(plc, sizeof(plc), "%s1", cell[1 - i]);
		op(flow(ip, plc, "modbus", 100), "read", 40);
	}
	propose();
	ck_assert_int_eq(R.subnets_used, 1);
	ck_assert_int_eq(R.subnets_by_panels, 1);
	ck_assert_ptr_nonnull(strstr(R.zones[0].reason,
	    "subnets used as evidence: 83% of the panels' industrial flows "
	    "stay in their subnet"));
	/* 12 panel flows, 10 inside their subnet */
	ck_assert(R.subnet_precision > 0.83 && R.subnet_precision < 0.84);
	ck_assert_uint_eq(R.n_zones, 2);
	ck_assert_str_eq(members(0),
	    "10.40.1.1 10.40.1.2 10.40.1.3 10.40.1.21 10.40.1.23");
	ck_assert_str_eq(members(1),
	    "10.40.2.1 10.40.2.2 10.40.2.3 10.40.2.21 10.40.2.23");
	ck_assert_int_eq(why_of("10.40.1.2"), ZW_SUBNET_MERGE);
	ck_assert_int_eq(why_of("10.40.1.23"), ZW_LOCAL_CLIENT);
	ck_assert_str_eq(R.zones[0].name,
	    "L1 cell 10.40.1.0/24 (Modbus, 3 PLCs, 1 HMI, 1 SCADA)");
	ck_assert_uint_eq(R.n_conduits, 2);
}
END_TEST

/* Two Modbus stars joined by one light PLC-to-PLC link stay two cells
 * (Louvain), where connected components would merge them. */
START_TEST(louvain_splits_weak_link)
{
	static const char *const io[] = {"10.5.0.2", "10.5.0.3", "10.5.0.4",
	    "10.5.0.12", "10.5.0.13", "10.5.0.14"};
	size_t i;

	reset();
	asset("10.5.0.1", 0, NULL, "plc", 1);
	asset("10.5.0.11", 0, NULL, "plc", 1);
	for (i = 0; i < 6; i++) {
		asset(io[i], 0, NULL, "io-adapter", 1);
		op(flow(i < 3 ? "10.5.0.1" : "10.5.0.11", io[i], "modbus",
		       1000),
		    "read", 500);
	}
	op(flow("10.5.0.1", "10.5.0.11", "modbus", 10), "read", 4);
	propose();
	ck_assert_uint_eq(R.n_zones, 2);
	ck_assert_str_eq(members(0), "10.5.0.1 10.5.0.2 10.5.0.3 10.5.0.4");
	ck_assert_str_eq(members(1),
	    "10.5.0.11 10.5.0.12 10.5.0.13 10.5.0.14");
	ck_assert_uint_eq(R.n_conduits, 1);
	ck_assert_uint_eq(R.conduits[0].from, 0);
	ck_assert_uint_eq(R.conduits[0].to, 1);
	ck_assert_int_eq(why_of("10.5.0.11"), ZW_COMMUNITY);
}
END_TEST

/*
 * The same two stars inside a plant of forty other cells: modularity over
 * the whole graph would merge them (its resolution limit); partitioning
 * each connected part on its own keeps the answer local.
 */
START_TEST(louvain_is_local)
{
	char ip[48], ctl[48];
	size_t i, k;

	reset();
	asset("10.5.0.1", 0, NULL, "plc", 1);
	asset("10.5.0.11", 0, NULL, "plc", 1);
	for (i = 0; i < 3; i++) {
		snprintf(ip, sizeof(ip), "10.5.0.%zu", 2 + i);
		asset(ip, 0, NULL, "io-adapter", 1);
		op(flow("10.5.0.1", ip, "modbus", 1000), "read", 500);
		snprintf(ip, sizeof(ip), "10.5.0.%zu", 12 + i);
		asset(ip, 0, NULL, "io-adapter", 1);
		op(flow("10.5.0.11", ip, "modbus", 1000), "read", 500);
	}
	op(flow("10.5.0.1", "10.5.0.11", "modbus", 10), "read", 4);
	for (i = 0; i < 40; i++) {
		snprintf(ctl, sizeof(ctl), "10.6.%zu.1", i);
		asset(ctl, 0, NULL, "plc", 1);
		for (k = 0; k < 3; k++) {
			snprintf(ip, sizeof(ip), "10.6.%zu.%zu", i, 2 + k);
			asset(ip, 0, NULL, "io-adapter", 1);
			op(flow(ctl, ip, "modbus", 1000), "read", 500);
		}
	}
	propose();
	ck_assert_uint_eq(R.n_zones, 42);
	ck_assert_str_eq(members(0), "10.5.0.1 10.5.0.2 10.5.0.3 10.5.0.4");
	ck_assert_str_eq(members(1),
	    "10.5.0.11 10.5.0.12 10.5.0.13 10.5.0.14");
}
END_TEST

/* One host, two addresses (one MAC): one zone.  A broadcast request is
 * not an edge. */
START_TEST(dual_stack_and_broadcast)
{
	reset();
	asset("10.0.0.1", 0, "00:0e:8c:00:00:01", "plc", 1);
	asset("fd00::1", 0, "00:0e:8c:00:00:01", "unknown", -1);
	asset("10.0.0.2", 0, "a0:36:9f:00:00:02", "hmi", 2);
	asset("fd00::2", 0, "a0:36:9f:00:00:02", "unknown", -1);
	asset("10.0.9.3", 0, "f8:bc:12:00:00:03", "unknown", -1);
	op(flow("10.0.0.2", "10.0.0.1", "modbus", 100), "read", 40);
	op(flow("fd00::2", "fd00::1", "opcua", 50), "read", 10);
	op(flow("10.0.9.3", "255.255.255.255", "enip", 3), "discover", 1);
	propose();
	ck_assert_uint_eq(R.flows_not_unicast, 1);
	ck_assert_uint_eq(R.flows_used, 2);
	ck_assert_int_eq(zone_of("fd00::1"), zone_of("10.0.0.1"));
	ck_assert_int_eq(zone_of("fd00::2"), zone_of("10.0.0.1"));
	ck_assert_uint_eq(R.zones[zone_of("10.0.0.1")].n_hosts, 2);
	ck_assert_uint_eq(R.zones[zone_of("10.0.0.1")].n_members, 4);
	ck_assert_ptr_nonnull(strstr(R.zones[zone_of("10.0.0.1")].reason,
	    "2 more addresses of member hosts (same MAC: dual-stack)"));
	/* the broadcaster has no unicast traffic */
	ck_assert_int_eq(why_of("10.0.9.3"), ZW_ISOLATED);
	ck_assert_int_eq(R.zones[zone_of("10.0.9.3")].role, ZONE_UNCLASSIFIED);
	ck_assert_str_eq(R.zones[zone_of("10.0.9.3")].name,
	    "unclassified 10.0.9.0/24 (1 unknown)");
	ck_assert_uint_eq(R.n_conduits, 0);
}
END_TEST

/*
 * Enterprise, a DMZ jump host, supervisory and a cell, each in its own
 * subnet: the DMZ is found, and the policy SL-Ts come down along the
 * remote-access path (RDP enterprise -> DMZ -> supervisory) and for the
 * cleartext Modbus write into the cell.
 */
START_TEST(dmz_and_policy_sl_t)
{
	long ent, dmz, sup, cell;

	reset();
	asset("10.1.0.11", 0, NULL, "it-host", 4);
	asset("10.1.0.12", 0, NULL, "it-host", 4);
	asset("10.1.0.20", 0, NULL, "it-host", 4);
	asset("10.2.0.10", 0, NULL, "it-host", 4);
	asset("10.4.0.10", 0, NULL, "scada-server", 2);
	asset("10.4.0.30", 0, NULL, "engineering-workstation", 2);
	asset("10.10.1.10", 0, NULL, "plc", 1);
	asset("10.10.1.11", 0, NULL, "io-adapter", 1);
	flow("10.1.0.11", "10.1.0.20", "http", 9);
	flow("10.1.0.12", "10.1.0.20", "tls", 9);
	flow("10.1.0.11", "10.2.0.10", "rdp", 24);
	flow("10.2.0.10", "10.4.0.30", "rdp", 24);
	op(flow("10.4.0.10", "10.10.1.10", "modbus", 100), "write", 3);
	op(flow("10.4.0.30", "10.10.1.10", "modbus", 10), "read", 3);
	op(flow("10.10.1.10", "10.10.1.11", "modbus", 300), "read", 100);
	propose();
	ck_assert_int_eq(R.subnets_used, 1);
	ck_assert_uint_eq(R.n_zones, 4);
	ent = zone_of("10.1.0.11");
	dmz = zone_of("10.2.0.10");
	sup = zone_of("10.4.0.10");
	cell = zone_of("10.10.1.10");
	ck_assert_int_eq(ent, 0);
	ck_assert_int_eq(dmz, 1);
	ck_assert_int_eq(sup, 2);
	ck_assert_int_eq(cell, 3);
	ck_assert_int_eq(R.zones[dmz].role, ZONE_DMZ);
	ck_assert_int_eq(R.zones[dmz].purdue_level, 3);
	ck_assert_str_eq(R.zones[dmz].name, "L3 DMZ 10.2.0.0/24 (1 IT host)");
	ck_assert_str_eq(R.zones[ent].name,
	    "L4 enterprise 10.1.0.0/24 (3 IT hosts)");
	ck_assert_str_eq(R.zones[ent].networks, "10.1.0.0/24");
	/* suggested, then declared */
	ck_assert_int_eq(R.zones[ent].suggested_sl_t, 1);
	ck_assert_int_eq(R.zones[ent].policy_sl_t, 1);
	ck_assert_int_eq(R.zones[dmz].suggested_sl_t, 2);
	ck_assert_int_eq(R.zones[dmz].policy_sl_t, 1);
	ck_assert_ptr_nonnull(strstr(R.zones[dmz].policy_reason,
	    "rdp remote access enters it from a zone declared SL-T 1"));
	ck_assert_int_eq(R.zones[sup].suggested_sl_t, 2);
	ck_assert_int_eq(R.zones[sup].policy_sl_t, 1);
	ck_assert_int_eq(R.zones[cell].suggested_sl_t, 3);
	ck_assert_int_eq(R.zones[cell].policy_sl_t, 2);
	ck_assert_ptr_nonnull(strstr(R.zones[cell].policy_reason,
	    "cleartext Modbus crosses into it (10.4.0.10 to 10.10.1.10)"));
}
END_TEST

/* An insecure service inside a zone of SL-T 2 brings its policy SL-T to
 * 1; a signed OPC UA session is not cleartext. */
START_TEST(insecure_inside)
{
	struct st_flow *f;

	reset();
	asset("10.7.0.1", 0, NULL, "plc", 1);
	asset("10.7.0.2", 0, NULL, "io-adapter", 1);
	asset("10.7.0.3", 0, NULL, "hmi", 2);
	op(flow("10.7.0.1", "10.7.0.2", "modbus", 300), "read", 100);
	op(flow("10.7.0.3", "10.7.0.1", "modbus", 300), "read", 100);
	flow("10.7.0.3", "10.7.0.1", "http", 20);
	propose();
	ck_assert_uint_eq(R.n_zones, 1);
	ck_assert_int_eq(R.zones[0].suggested_sl_t, 2);
	ck_assert_int_eq(R.zones[0].policy_sl_t, 1);
	ck_assert_ptr_nonnull(strstr(R.zones[0].policy_reason,
	    "http, an insecure service, runs inside it"));

	memset(&F[0], 0, sizeof(F[0]));
	snprintf(F[0].protocol, sizeof(F[0].protocol), "opcua");
	F[0].sec_mode = 3;
	ck_assert_int_eq(zones_flow_cleartext(&F[0]), 0);
	F[0].sec_mode = 1;
	ck_assert_int_eq(zones_flow_cleartext(&F[0]), 1);
	snprintf(F[0].protocol, sizeof(F[0].protocol), "dnp3");
	F[0].authenticated = 1;
	ck_assert_int_eq(zones_flow_cleartext(&F[0]), 0);
	snprintf(F[0].protocol, sizeof(F[0].protocol), "s7comm-plus");
	ck_assert_int_eq(zones_flow_cleartext(&F[0]), 0);
	f = &F[0];
	snprintf(f->protocol, sizeof(f->protocol), "smbv23");
	ck_assert_int_eq(zones_proto_remote_access(f->protocol), 1);
	ck_assert_int_eq(zones_proto_insecure("snmp"), 1);
	ck_assert_int_eq(zones_proto_insecure("tls"), 0);
}
END_TEST

START_TEST(empty_and_isolated)
{
	char err[64];

	reset();
	ck_assert_int_eq(zones_propose(A, 0, F, 0, &R, err, sizeof(err)), 0);
	ck_assert_uint_eq(R.n_zones, 0);
	ck_assert_uint_eq(R.n_conduits, 0);
	zones_free(&R);
	zones_free(&R); /* twice is safe */
	zones_free(NULL);
	asset("192.168.0.9", 0, NULL, "unknown", -1);
	propose();
	ck_assert_uint_eq(R.n_zones, 1);
	ck_assert_int_eq(R.zones[0].purdue_level, -1);
	ck_assert_int_eq(R.zones[0].suggested_sl_t, 1);
	ck_assert_str_eq(R.zones[0].reason, "1 host with no unicast traffic");
}
END_TEST

/* Text that is no address, VLANs on one side only: placed, no crash. */
START_TEST(odd_addresses)
{
	reset();
	asset("not-an-address", 0, NULL, "unknown", -1);
	asset("10.8.0.1", 7, NULL, "plc", 1);
	asset("10.8.0.2", 0, NULL, "hmi", 2);
	op(flow("not-an-address", "10.8.0.1", "modbus", 10), "read", 3);
	/* the server's VLAN differs from the flow's: found by address */
	op(flow("10.8.0.2", "10.8.0.1", "modbus", 100), "read", 40);
	propose();
	ck_assert_uint_eq(R.flows_used, 2);
	ck_assert_uint_eq(R.n_zones, 1);
	ck_assert_int_eq(zone_of("not-an-address"), 0);
	ck_assert_int_eq(why_of("not-an-address"), ZW_LOCAL_CLIENT);
	ck_assert_str_eq(R.zones[0].vlans, "7");
}
END_TEST

/* Equal names get a suffix; every name is unique. */
START_TEST(unique_names)
{
	size_t i, j;

	flat_plant();
	for (i = 0; i < R.n_zones; i++)
		for (j = i + 1; j < R.n_zones; j++)
			ck_assert_str_ne(R.zones[i].name, R.zones[j].name);
	routed_plant();
	for (i = 0; i < R.n_zones; i++)
		for (j = i + 1; j < R.n_zones; j++)
			ck_assert_str_ne(R.zones[i].name, R.zones[j].name);
}
END_TEST

static int64_t
count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *q;
	int64_t n = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return n;
}

START_TEST(saved_in_database)
{
	char err[256];
	struct store *s = store_open(":memory:", 0, err, sizeof(err));
	sqlite3 *db;
	int64_t p1, p2;

	ck_assert_msg(s != NULL, "%s", err);
	db = store_db(s);
	flat_plant();
	p1 = zones_save(s, &R, A, na, nf, 1767600000123456LL, err,
	    sizeof(err));
	ck_assert_msg(p1 > 0, "%s", err);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM proposals"), 1);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM zones"), 4);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM zone_members"), 12);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM conduits"), 3);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM zone_details"), 4);
	ck_assert_int_eq(
	    count(db, "SELECT count(*) FROM zone_member_details"), 12);
	ck_assert_int_eq(count(db, "SELECT assets FROM proposals"), 12);
	ck_assert_int_eq(count(db, "SELECT flows FROM proposals"), 11);
	ck_assert_int_eq(count(db,
			     "SELECT count(*) FROM proposals WHERE made_at ="
			     " '2026-01-05T08:00:00.123456Z'"),
	    1);
	ck_assert_int_eq(count(db,
			     "SELECT sl_t FROM zones WHERE name LIKE"
			     " 'L1 cell at 10.9.1.10%'"),
	    3);
	ck_assert_int_eq(count(db,
			     "SELECT d.policy_sl_t FROM zone_details d JOIN"
			     " zones z ON z.id = d.zone_id WHERE z.name LIKE"
			     " 'L1 cell at 10.9.1.10%'"),
	    2);
	/* the conduit into the programmed cell, by zone ids */
	ck_assert_int_eq(count(db,
			     "SELECT c.flows FROM conduits c JOIN zones t ON"
			     " t.id = c.zone_to WHERE t.name LIKE"
			     " 'L1 cell at 10.9.1.10%' AND c.protocols ="
			     " 's7comm' AND c.classes ="
			     " 'read,write,program,session'"),
	    2);
	/* members point at asset ids */
	ck_assert_int_eq(count(db,
			     "SELECT min(asset_id) FROM zone_members"),
	    100);
	p2 = zones_save(s, &R, A, na, nf, 1767600001000000LL, err,
	    sizeof(err));
	ck_assert_int_gt(p2, p1);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM proposals"), 2);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM zones"), 8);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM proposal_inputs"),
	    2);
	/* bounded: only the newest ZONES_KEEP_PROPOSALS stay, whole */
	{
		int k;
		int64_t last = p2;

		for (k = 0; k < ZONES_KEEP_PROPOSALS + 5; k++) {
			last = zones_save(s, &R, A, na, nf,
			    1767600002000000LL + k, err, sizeof(err));
			ck_assert_msg(last > 0, "%s", err);
		}
		ck_assert_int_eq(count(db, "SELECT count(*) FROM proposals"),
		    ZONES_KEEP_PROPOSALS);
		ck_assert_int_eq(count(db, "SELECT min(id) FROM proposals"),
		    last - ZONES_KEEP_PROPOSALS + 1);
		ck_assert_int_eq(count(db, "SELECT count(*) FROM zones"),
		    4 * ZONES_KEEP_PROPOSALS);
		ck_assert_int_eq(count(db,
				     "SELECT count(*) FROM zone_members"),
		    12 * ZONES_KEEP_PROPOSALS);
		ck_assert_int_eq(count(db,
				     "SELECT count(*) FROM zone_member_details"),
		    12 * ZONES_KEEP_PROPOSALS);
		ck_assert_int_eq(count(db, "SELECT count(*) FROM zone_details"),
		    4 * ZONES_KEEP_PROPOSALS);
		ck_assert_int_eq(count(db, "SELECT count(*) FROM conduits"),
		    3 * ZONES_KEEP_PROPOSALS);
		ck_assert_int_eq(count(db,
				     "SELECT count(*) FROM proposal_inputs"),
		    ZONES_KEEP_PROPOSALS);
		ck_assert_int_eq(count(db,
				     "SELECT count(*) FROM zones WHERE"
				     " proposal_id NOT IN (SELECT id FROM"
				     " proposals)"),
		    0);
	}
	store_close(s);
}
END_TEST

static void
teardown(void)
{
	zones_free(&R);
}

static Suite *
zones_suite(void)
{
	Suite *s = suite_create("zones");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, flat_zones);
	tcase_add_test(tc, flat_conduits);
	tcase_add_test(tc, flat_sl_t);
	tcase_add_test(tc, deterministic);
	tcase_add_test(tc, routed_zones);
	tcase_add_test(tc, subnets_that_lie);
	tcase_add_test(tc, panels_vouch_for_subnets);
	tcase_add_test(tc, louvain_splits_weak_link);
	tcase_add_test(tc, louvain_is_local);
	tcase_add_test(tc, dual_stack_and_broadcast);
	tcase_add_test(tc, dmz_and_policy_sl_t);
	tcase_add_test(tc, insecure_inside);
	tcase_add_test(tc, empty_and_isolated);
	tcase_add_test(tc, odd_addresses);
	tcase_add_test(tc, unique_names);
	tcase_add_test(tc, saved_in_database);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(zones_suite());
	int nfail;

	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

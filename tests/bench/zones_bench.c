/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * zones_bench.c: time and peak memory of the zone proposal
 * (store/zones.c) on a generated graph, 10,000 assets and 100,000 flows
 * by default.  A figure, not a test: see tests/bench/zones.sh.
 *
 *   zones_bench [ASSETS [FLOWS]]
 *
 * The graph is the hard case: one flat address space (10.0.0.0/8,
 * addresses scattered by a multiplicative hash) holding cells of a PLC,
 * four I/O and a panel; PLC-to-PLC links between some cells; level-2
 * hosts polling four cells each; hosts of unknown role; and IT hosts
 * exchanging the remaining flows.  Kinds and levels are set as
 * store_infer_kinds would set them.  Deterministic (xorshift, fixed
 * seed).
 *
 * Built by the Makefile's tools rule, which compiles one file: the
 * proposal is compiled in from its source.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "../../store/zones.c"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static size_t
pick(size_t n)
{
	return (size_t)(next() % n);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
peak_mb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / 1024.0; /* KiB on Linux */
}

static int
ip_cmp(const void *x, const void *y)
{
	const struct st_asset *a = x, *b = y;
	unsigned char pa[4], pb[4];

	inet_pton(AF_INET, a->ip, pa);
	inet_pton(AF_INET, b->ip, pb);
	return memcmp(pa, pb, 4);
}

struct gen {
	struct st_asset *as;
	size_t na;
	struct st_flow *fs;
	size_t nf, cap;
	struct st_op *ops;
	size_t nops, opcap;
	/* index ranges of each population, before sorting by address */
	size_t cells, sup0, nsup, it0, nit, unk0, nunk;
};

static void
set_asset(struct gen *g, size_t i, const char *kind, int level)
{
	struct st_asset *a = &g->as[i];
	/* a bijection of 0..2^24-1: scattered, distinct addresses */
	uint32_t h = (uint32_t)((i * 2654435761u) & 0xffffffu);

	a->id = (int64_t)i + 1;
	snprintf(a->ip, sizeof(a->ip), "10.%u.%u.%u", (h >> 16) & 0xff,
	    (h >> 8) & 0xff, h & 0xff);
	snprintf(a->mac, sizeof(a->mac), "02:00:%02x:%02x:%02x:%02x",
	    (unsigned)(i >> 24) & 0xff, (unsigned)(i >> 16) & 0xff,
	    (unsigned)(i >> 8) & 0xff, (unsigned)i & 0xff);
	snprintf(a->kind, sizeof(a->kind), "%s", kind);
	a->purdue_level = level;
}

static void
add_flow(struct gen *g, size_t c, size_t s, const char *proto,
    uint64_t pkts, const char *cls)
{
	struct st_flow *f;

	if (g->nf == g->cap || c == s)
		return;
	f = &g->fs[g->nf++];
	memset(f, 0, sizeof(*f));
	f->id = (int64_t)g->nf;
	snprintf(f->client, sizeof(f->client), "%s", g->as[c].ip);
	snprintf(f->server, sizeof(f->server), "%s", g->as[s].ip);
	snprintf(f->protocol, sizeof(f->protocol), "%s", proto);
	snprintf(f->transport, sizeof(f->transport), "tcp");
	f->packets = pkts;
	f->bytes = pkts * 120;
	if (cls != NULL && g->nops < g->opcap) {
		struct st_op *o = &g->ops[g->nops++];

		memset(o, 0, sizeof(*o));
		snprintf(o->protocol, sizeof(o->protocol), "%s", proto);
		snprintf(o->cls, sizeof(o->cls), "%s", cls);
		o->count = pkts / 2;
		f->ops = o;
		f->n_ops = 1;
	}
}

static int
generate(struct gen *g, size_t na, size_t nf)
{
	static const char *const it_protos[] = {"dns", "http", "tls", "smb",
	    "ntp", "rdp", "ssh"};
	size_t i, k, cells;

	memset(g, 0, sizeof(*g));
	g->na = na;
	g->cap = nf;
	g->opcap = nf / 4;
	g->as = calloc(na, sizeof(*g->as));
	g->fs = calloc(nf, sizeof(*g->fs));
	g->ops = calloc(g->opcap, sizeof(*g->ops));
	if (g->as == NULL || g->fs == NULL || g->ops == NULL)
		return -1;
	/* 84% in cells of 6, 0.6% level 2, 2% unknown, the rest IT */
	cells = na * 84 / 100 / 6;
	g->cells = cells;
	g->sup0 = cells * 6;
	g->nsup = na * 6 / 1000 + 1;
	g->unk0 = g->sup0 + g->nsup;
	g->nunk = na * 2 / 100;
	g->it0 = g->unk0 + g->nunk;
	g->nit = na - g->it0;
	for (i = 0; i < cells; i++) {
		set_asset(g, i * 6, "plc", 1);
		for (k = 1; k <= 4; k++)
			set_asset(g, i * 6 + k, "io-adapter", 1);
		set_asset(g, i * 6 + 5, "hmi", 2);
	}
	for (i = 0; i < g->nsup; i++)
		set_asset(g, g->sup0 + i, i % 3 == 0 ? "scada-server" : "hmi",
		    2);
	for (i = 0; i < g->nunk; i++)
		set_asset(g, g->unk0 + i, "unknown", -1);
	for (i = 0; i < g->nit; i++)
		set_asset(g, g->it0 + i, "it-host", 4);
	/* flows, by population */
	for (i = 0; i < cells; i++) {
		for (k = 1; k <= 4; k++)
			add_flow(g, i * 6, i * 6 + k, "modbus", 400, "read");
		add_flow(g, i * 6 + 5, i * 6, "s7comm", 300, "read");
	}
	for (i = 0; i < cells / 3; i++)
		add_flow(g, pick(cells) * 6, pick(cells) * 6, "modbus", 12,
		    "read");
	for (i = 0; i < cells; i++)
		for (k = 0; k < 4; k++)
			add_flow(g, g->sup0 + pick(g->nsup), i * 6, "s7comm",
			    60, k == 0 ? "write" : "read");
	for (i = 0; i < g->nunk; i++) {
		add_flow(g, g->unk0 + i, pick(na), "tls", 20, NULL);
		add_flow(g, g->unk0 + i, pick(na), "http", 10, NULL);
	}
	while (g->nf < g->cap && g->nit > 1)
		add_flow(g, g->it0 + pick(g->nit), g->it0 + pick(g->nit),
		    it_protos[pick(7)], 2 + pick(60), NULL);
	/* as store_load_assets hands them over: by address */
	qsort(g->as, na, sizeof(*g->as), ip_cmp);
	return 0;
}

int
main(int argc, char **argv)
{
	struct gen g;
	struct zones_result r, r2;
	size_t na = 10000, nf = 100000, i;
	double t0, t1, before, after, input;
	char err[128];
	int same = 1;

	if (argc > 1)
		na = strtoul(argv[1], NULL, 10);
	if (argc > 2)
		nf = strtoul(argv[2], NULL, 10);
	if (na < 10 || nf < 10) {
		fprintf(stderr, "usage: zones_bench [ASSETS >= 10 [FLOWS >= "
				"10]]\n");
		return 2;
	}
	if (generate(&g, na, nf) != 0) {
		fprintf(stderr, "zones_bench: out of memory\n");
		return 2;
	}
	input = (double)(na * sizeof(struct st_asset) +
		    g.nf * sizeof(struct st_flow) +
		    g.nops * sizeof(struct st_op)) /
	    (1024.0 * 1024.0);
	before = peak_mb();
	t0 = now_s();
	if (zones_propose(g.as, g.na, g.fs, g.nf, &r, err, sizeof(err)) !=
	    0) {
		fprintf(stderr, "zones_bench: %s\n", err);
		return 2;
	}
	t1 = now_s();
	after = peak_mb();
	/* the same input again: the same zones and names */
	if (zones_propose(g.as, g.na, g.fs, g.nf, &r2, err, sizeof(err)) !=
	    0) {
		fprintf(stderr, "zones_bench: %s\n", err);
		return 2;
	}
	if (r.n_zones != r2.n_zones || r.n_conduits != r2.n_conduits)
		same = 0;
	for (i = 0; same && i < r.n_zones; i++)
		if (strcmp(r.zones[i].name, r2.zones[i].name) != 0)
			same = 0;
	for (i = 0; same && i < g.na; i++)
		if (r.asset_zone[i] != r2.asset_zone[i])
			same = 0;
	printf("zones bench: %zu assets, %zu flows (%zu cells of 6, %zu "
	       "level-2, %zu unknown, %zu IT hosts; input arrays %.1f MB)\n",
	    g.na, g.nf, g.cells, g.nsup, g.nunk, g.nit, input);
	printf("  proposal: %zu zones, %zu conduits, subnets used: %s, "
	       "deterministic: %s\n",
	    r.n_zones, r.n_conduits, r.subnets_used ? "yes" : "no",
	    same ? "yes" : "NO");
	printf("  time: %.3f s on one core; peak RSS %.1f MB (%.1f MB "
	       "before the proposal: the proposal adds %.1f MB)\n",
	    t1 - t0, after, before, after - before);
	zones_free(&r);
	zones_free(&r2);
	free(g.as);
	free(g.fs);
	free(g.ops);
	return same ? 0 : 1;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * graph_bench.c: time of the pure analysis functions over a loaded graph
 * of 10,000 assets and 100,000 flows, without SQLite and without output:
 * kind inference (store_infer_kinds, store/infer.c) and the policy check
 * (check_run, store/check.c).  The zone proposal has its own,
 * tests/bench/zones_bench.c.  A figure, not a test; run by
 * tests/bench/run.sh (`make bench`).
 *
 *	graph_bench [CELLS]
 *
 * The graph has the shape of gen_inputs.py's graph.pcap: CELLS cells
 * (100) of 100 hosts on 10.128.C.0/24, 20 Modbus servers and 80 clients
 * each; every client reads 12 servers of its cell and 40 clients of each
 * cell also read the first server of the next cell.  The policy declares
 * each cell a zone (SL-T 2 or 3) and a conduit from each cell to the next
 * allowing Modbus reads, so the cross-cell reads pass and nothing else
 * crosses: the check walks every flow and finds what a policy of that
 * size finds.
 *
 * Built by the Makefile's tools rule, which compiles one file: the two
 * store/ sources are compiled in.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "../../store/check.c"
#include "../../store/infer.c"

#define PER_CELL 100
#define PLCS 20
#define CLIENTS (PER_CELL - PLCS)
#define FANOUT 12
#define CROSS 40

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
	return (double)ru.ru_maxrss / 1024.0;
}

static void
host_text(char *buf, size_t len, int cell, int n)
{
	snprintf(buf, len, "10.128.%d.%d", cell, n);
}

static void
add_flow(struct st_flow *f, struct st_op *op, int ccell, int cn, int scell,
    int sn, int64_t t)
{
	memset(f, 0, sizeof(*f));
	host_text(f->client, sizeof(f->client), ccell, cn);
	host_text(f->server, sizeof(f->server), scell, sn);
	snprintf(f->transport, sizeof(f->transport), "tcp");
	f->server_port = 502;
	snprintf(f->protocol, sizeof(f->protocol), "modbus");
	f->packets = 2;
	f->bytes = 141;
	f->connections = 1;
	f->first_us = f->last_us = t;
	f->source = "graph.pcap";
	f->frame = 1;
	memset(op, 0, sizeof(*op));
	snprintf(op->protocol, sizeof(op->protocol), "modbus");
	op->code = 3;
	snprintf(op->cls, sizeof(op->cls), "read");
	snprintf(op->name, sizeof(op->name), "Read Holding Registers");
	op->count = 1;
	op->first_us = op->last_us = t;
	f->ops = op;
	f->n_ops = 1;
}

int
main(int argc, char **argv)
{
	int cells = argc > 1 ? atoi(argv[1]) : 100;
	size_t na = (size_t)cells * PER_CELL, nf = 0;
	size_t maxf = (size_t)cells * CLIENTS * (FANOUT + 1);
	struct st_asset *as = calloc(na, sizeof(*as));
	struct st_flow *fs = calloc(maxf, sizeof(*fs));
	struct st_op *ops = calloc(maxf, sizeof(*ops));
	struct pol_zone *zones = calloc((size_t)cells, sizeof(*zones));
	struct pol_prefix *nets = calloc((size_t)cells, sizeof(*nets));
	struct pol_conduit *cds = calloc((size_t)cells, sizeof(*cds));
	struct pol_rule *prules = calloc((size_t)cells, sizeof(*prules));
	struct policy pol;
	struct check_result res;
	char err[256], ip[48];
	double t0, t_infer, t_check, mb0;
	int c, k, j;
	int64_t t = 1767600000000000;

	if (cells < 2 || cells > POLICY_MAX_ZONES || as == NULL ||
	    fs == NULL || ops == NULL || zones == NULL || nets == NULL ||
	    cds == NULL || prules == NULL) {
		fprintf(stderr, "graph_bench: CELLS from 2 to %d (or out of "
				"memory)\n", POLICY_MAX_ZONES);
		return 2;
	}
	for (c = 0; c < cells; c++)
		for (k = 1; k <= PER_CELL; k++) {
			struct st_asset *a = &as[(size_t)c * PER_CELL +
			    (size_t)k - 1];

			a->id = (int64_t)(c * PER_CELL + k);
			host_text(a->ip, sizeof(a->ip), c, k);
			a->purdue_level = -1;
			snprintf(a->protocols, sizeof(a->protocols), "modbus");
			snprintf(a->roles, sizeof(a->roles), k <= PLCS ?
			    "modbus-server" : "modbus-client");
			a->first_us = a->last_us = t;
			a->packets = 2;
			a->bytes = 141;
		}
	for (c = 0; c < cells; c++)
		for (k = 0; k < CLIENTS; k++) {
			for (j = 0; j < FANOUT; j++, nf++)
				add_flow(&fs[nf], &ops[nf], c, PLCS + 1 + k, c,
				    1 + (k + j) % PLCS, t);
			if (k < CROSS) {
				add_flow(&fs[nf], &ops[nf], c, PLCS + 1 + k,
				    (c + 1) % cells, 1, t);
				nf++;
			}
		}
	memset(&pol, 0, sizeof(pol));
	for (c = 0; c < cells; c++) {
		struct pol_zone *z = &zones[c];

		snprintf(z->name, sizeof(z->name), "cell-%02d", c);
		z->sl_t = 2 + c % 2;
		z->purdue_level = 1;
		snprintf(ip, sizeof(ip), "10.128.%d.0", c);
		if (check_parse_ip(ip, nets[c].addr) == 0) {
			fprintf(stderr, "graph_bench: bad address %s\n", ip);
			return 2;
		}
		nets[c].len = 120; /* a /24 as IPv4-mapped */
		nets[c].is_v4 = 1;
		z->nets = &nets[c];
		z->n_nets = 1;
		snprintf(cds[c].name, sizeof(cds[c].name), "cell-%02d-to-next",
		    c);
		cds[c].from = c;
		cds[c].to = (c + 1) % cells;
		snprintf(prules[c].protocol, sizeof(prules[c].protocol),
		    "modbus");
		prules[c].access = POL_ACC_READ;
		cds[c].rules = &prules[c];
		cds[c].n_rules = 1;
	}
	pol.zones = zones;
	pol.n_zones = (size_t)cells;
	pol.conduits = cds;
	pol.n_conduits = (size_t)cells;
	pol.default_deny = 1;

	mb0 = peak_mb();
	t0 = now_s();
	store_infer_kinds(as, na, fs, nf);
	t_infer = now_s() - t0;
	memset(&res, 0, sizeof(res));
	t0 = now_s();
	if (check_run(&pol, as, na, fs, nf, &res, err, sizeof(err)) != 0) {
		fprintf(stderr, "graph_bench: check: %s\n", err);
		return 2;
	}
	t_check = now_s() - t0;
	printf("graph bench: %zu assets, %zu flows, %d zones, %d conduits "
	       "(input arrays %.1f MB)\n", na, nf, cells, cells, mb0);
	printf("  kind inference (store_infer_kinds): %.3f s\n", t_infer);
	printf("  policy check (check_run): %.3f s, %" PRIu64 " flows "
	       "checked, %zu findings\n", t_check, res.flows_checked,
	    res.n_findings);
	printf("  peak RSS %.1f MB\n", peak_mb());
	check_result_free(&res);
	free(as);
	free(fs);
	free(ops);
	free(zones);
	free(nets);
	free(cds);
	free(prules);
	return 0;
}

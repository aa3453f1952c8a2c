/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_check.c: `otzone check --policy FILE [--format table|json|csv]
 * [-o FILE]`: the flows that break a zone/conduit policy, and the SL gap
 * per zone.  Exit 0 when nothing is found, 1 when there are findings, 2 on
 * any error (a policy with a mistake checks nothing).  The findings are
 * stored in the database (check_db.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "policy.h"

static const char *
zname(const struct policy *p, int z)
{
	return z >= 0 ? p->zones[z].name : "";
}

static void
json_or_null(FILE *f, const char *s)
{
	if (s == NULL || s[0] == '\0')
		fputs("null", f);
	else
		json_str(f, s);
}

static void
json_time_or_null(FILE *f, int64_t us)
{
	char b[40];

	if (us <= 0) {
		fputs("null", f);
		return;
	}
	fmt_time(us, b, sizeof(b));
	json_str(f, b);
}

static void
finding_json(FILE *f, const struct policy *p, const struct check_finding *x)
{
	fputs("{\"rule\":", f);
	json_str(f, check_rule_name(x->rule));
	fputs(",\"requirement\":", f);
	json_str(f, x->requirement);
	fprintf(f, ",\"sl_t\":%d,\"severity\":", x->sl_t);
	json_str(f, check_severity_name(x->severity));
	fputs(",\"client\":", f);
	json_or_null(f, x->client);
	fputs(",\"server\":", f);
	json_or_null(f, x->server);
	fputs(",\"protocol\":", f);
	json_or_null(f, x->protocol);
	fputs(",\"class\":", f);
	json_or_null(f, x->cls);
	fputs(",\"zone_from\":", f);
	json_or_null(f, zname(p, x->zone_from));
	fputs(",\"zone_to\":", f);
	json_or_null(f, zname(p, x->zone_to));
	fprintf(f, ",\"count\":%" PRIu64 ",\"first_seen\":", x->count);
	json_time_or_null(f, x->first_us);
	fputs(",\"last_seen\":", f);
	json_time_or_null(f, x->last_us);
	fputs(",\"evidence\":{\"source\":", f);
	json_or_null(f, x->source);
	fprintf(f, ",\"frame\":%" PRIu64 "}}", x->frame);
}

static void
gap_json(FILE *f, const struct policy *p, const struct check_gap *g)
{
	int k;

	fputs("{\"zone\":", f);
	json_str(f, p->zones[g->zone].name);
	fprintf(f, ",\"sl_t\":%d,\"achieved\":%d,\"gap\":%d,"
		   "\"requirements\":[",
	    g->sl_t, g->achieved, g->sl_t > g->achieved ? g->sl_t - g->achieved
							: 0);
	for (k = 0; k < REQ_N; k++) {
		const struct check_gap_row *r = &g->row[k];

		fputs(k ? ",{\"requirement\":" : "{\"requirement\":", f);
		json_str(f, check_req_name(k));
		fputs(",\"title\":", f);
		json_str(f, check_req_title(k));
		fprintf(f,
		    ",\"applies_from\":%d,\"flows\":%" PRIu64
		    ",\"breaking\":%" PRIu64 ",\"max_sl\":%d,\"status\":",
		    check_req_applies_from(k), r->flows, r->breaking,
		    r->max_sl);
		json_str(f, r->breaking ? "broken"
			    : r->flows ? "consistent"
				       : "no traffic");
		fputc('}', f);
	}
	fputs("]}", f);
}

void
check_json(FILE *f, const char *path, const struct policy *p,
    const struct check_result *r)
{
	size_t i;

	fputs("{\"policy\":", f);
	json_str(f, path);
	fprintf(f,
	    ",\"zones\":%zu,\"conduits\":%zu,\"flows_checked\":%" PRIu64
	    ",\"flows_not_checked\":%" PRIu64 ",\"findings_capped\":%" PRIu64
	    ",\n\"violations\":[",
	    p->n_zones, p->n_conduits, r->flows_checked, r->flows_group,
	    r->findings_capped);
	for (i = 0; i < r->n_findings; i++) {
		fputs(i ? ",\n" : "\n", f);
		finding_json(f, p, &r->findings[i]);
	}
	fputs(r->n_findings ? "\n],\n\"sl_gap\":[" : "],\n\"sl_gap\":[", f);
	for (i = 0; i < r->n_gaps; i++) {
		fputs(i ? ",\n" : "\n", f);
		gap_json(f, p, &r->gaps[i]);
	}
	fputs(r->n_gaps ? "\n]}\n" : "]}\n", f);
}

/* CSV field, quoted when needed (RFC 4180). */
static void
csv(FILE *f, const char *s, int last)
{
	if (strpbrk(s, ",\"\n\r") != NULL) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputc(last ? '\n' : ',', f);
}

static void
out_csv(FILE *f, const struct policy_run *r)
{
	size_t i;
	char b1[40], b2[40], n1[24], n2[24], n3[8];

	fputs("rule,requirement,sl_t,severity,client,server,protocol,class,"
	      "zone_from,zone_to,count,first_seen,last_seen,evidence_source,"
	      "evidence_frame\n",
	    f);
	for (i = 0; i < r->res.n_findings; i++) {
		const struct check_finding *x = &r->res.findings[i];

		fmt_time(x->first_us, b1, sizeof(b1));
		fmt_time(x->last_us, b2, sizeof(b2));
		snprintf(n1, sizeof(n1), "%" PRIu64, x->count);
		snprintf(n2, sizeof(n2), "%" PRIu64, x->frame);
		snprintf(n3, sizeof(n3), "%d", x->sl_t);
		csv(f, check_rule_name(x->rule), 0);
		csv(f, x->requirement, 0);
		csv(f, n3, 0);
		csv(f, check_severity_name(x->severity), 0);
		csv(f, x->client, 0);
		csv(f, x->server, 0);
		csv(f, x->protocol, 0);
		csv(f, x->cls, 0);
		csv(f, zname(&r->pol, x->zone_from), 0);
		csv(f, zname(&r->pol, x->zone_to), 0);
		csv(f, n1, 0);
		csv(f, b1, 0);
		csv(f, b2, 0);
		csv(f, x->source, 0);
		csv(f, n2, 1);
	}
}

static void
out_table(FILE *f, const struct policy_run *r)
{
	const struct policy *p = &r->pol;
	size_t i;
	int k, sev[SEV_CRITICAL + 1] = {0};

	fprintf(f, "%-8s %-26s %-15s %-4s %-39s %-39s %-11s %-8s %8s  %s\n",
	    "SEVERITY", "RULE", "REQUIREMENT", "SL-T", "CLIENT", "SERVER",
	    "PROTOCOL", "CLASS", "COUNT", "EVIDENCE");
	for (i = 0; i < r->res.n_findings; i++) {
		const struct check_finding *x = &r->res.findings[i];

		sev[x->severity]++;
		fprintf(f,
		    "%-8s %-26s %-15s %-4d %-39s %-39s %-11s %-8s %8" PRIu64
		    "  %s:%" PRIu64 "\n",
		    check_severity_name(x->severity), check_rule_name(x->rule),
		    x->requirement, x->sl_t, x->client,
		    x->server[0] ? x->server : "-",
		    x->protocol[0] ? x->protocol : "-",
		    x->cls[0] ? x->cls : "-", x->count,
		    x->source[0] ? x->source : "-", x->frame);
		fprintf(f, "%-8s   zones: %s -> %s\n", "",
		    x->zone_from >= 0 ? p->zones[x->zone_from].name
				      : "(none)",
		    x->zone_to >= 0 ? p->zones[x->zone_to].name : "(none)");
	}
	fprintf(f, "%zu finding%s (%d critical, %d high, %d medium, %d low) "
		   "over %" PRIu64 " flows; %" PRIu64 " to broadcast/multicast "
		   "not checked\n",
	    r->res.n_findings, r->res.n_findings == 1 ? "" : "s",
	    sev[SEV_CRITICAL], sev[SEV_HIGH], sev[SEV_MEDIUM], sev[SEV_LOW],
	    r->res.flows_checked, r->res.flows_group);
	if (r->res.findings_capped)
		fprintf(f, "%" PRIu64 " more findings not kept "
			   "(CHECK_MAX_FINDINGS)\n", r->res.findings_capped);
	fprintf(f, "\nSL GAP (highest SL the observed traffic is consistent "
		   "with)\n%-32s %4s %8s %4s  %s\n",
	    "ZONE", "SL-T", "OBSERVED", "GAP", "LIMITED BY (the highest SL "
					     "each allows)");
	for (i = 0; i < r->res.n_gaps; i++) {
		const struct check_gap *g = &r->res.gaps[i];
		char br[512];
		size_t o = 0;

		br[0] = '\0';
		for (k = 0; k < REQ_N && o < sizeof(br); k++)
			if (g->row[k].breaking)
				o += (size_t)snprintf(br + o, sizeof(br) - o,
				    "%s%s (%d)", o ? ", " : "",
				    check_req_name(k), g->row[k].max_sl);
		fprintf(f, "%-32s %4d %8d %4d  %s\n", p->zones[g->zone].name,
		    g->sl_t, g->achieved,
		    g->sl_t > g->achieved ? g->sl_t - g->achieved : 0,
		    br[0] ? br : "-");
	}
}

int
cmd_check(const struct cmd_args *a)
{
	struct policy_run r;
	char err[8192];
	FILE *out = stdout;
	int rc = 2;

	if (a->policy == NULL) {
		fprintf(stderr, "otzone: check: --policy FILE is required\n");
		return 2;
	}
	if (a->nargs > 0) {
		fprintf(stderr, "otzone: check: unexpected argument '%s'\n",
		    a->args[0]);
		return 2;
	}
	if (a->fmt != OUT_TABLE && a->fmt != OUT_JSON && a->fmt != OUT_CSV) {
		fprintf(stderr, "otzone: check: --format is table, json or "
				"csv\n");
		return 2;
	}
	if (policy_run_open(&r, a->db, a->policy, 1, err, sizeof(err)) != 0) {
		policy_print_errors(err);
		goto out;
	}
	if (check_db_save(r.st, &r.pol, &r.res, a->policy, err,
		sizeof(err)) != 0) {
		fprintf(stderr, "otzone: %s: %s\n", a->db, err);
		goto out;
	}
	if (a->output != NULL && strcmp(a->output, "-") != 0) {
		out = fopen(a->output, "w");
		if (out == NULL) {
			fprintf(stderr, "otzone: %s: %s\n", a->output,
			    strerror(errno));
			goto out;
		}
	}
	if (a->fmt == OUT_JSON)
		check_json(out, a->policy, &r.pol, &r.res);
	else if (a->fmt == OUT_CSV)
		out_csv(out, &r);
	else
		out_table(out, &r);
	if (fflush(out) != 0 || ferror(out)) {
		fprintf(stderr, "otzone: %s: %s\n",
		    out == stdout ? "stdout" : a->output, strerror(errno));
		goto out;
	}
	rc = r.res.n_findings > 0 ? 1 : 0;
out:
	if (out != stdout && out != NULL && fclose(out) != 0 && rc != 2) {
		fprintf(stderr, "otzone: %s: %s\n", a->output, strerror(errno));
		rc = 2;
	}
	policy_run_close(&r);
	return rc;
}

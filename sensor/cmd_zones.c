/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_zones.c: `otzone zones [--format table|json|dot|svg]
 * [--emit-policy] [-o FILE]`.
 *
 * Loads the graph, infers kinds, proposes zones and conduits
 * (store/zones.c), stores the proposal (store/zones_db.c) and prints it.
 * --emit-policy prints the policy file instead; with -o FILE the policy
 * goes to FILE and the proposal is still printed.  Without
 * --emit-policy, -o FILE receives the proposal.  svg runs Graphviz
 * `dot -Tsvg` with the DOT on its stdin.  Errors: one line
 * "otzone: zones: ..." and exit status 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "policy_emit.h"

/* Zones per row of a Purdue level in the drawing, and members listed in
 * a zone's box, before the drawing wraps or elides. */
#define DOT_ZONES_PER_ROW 6
#define DOT_MEMBER_ROWS 12
#define DOT_MEMBER_MAX 48
/* More conduits than this: their labels move into the receiving zone's
 * box (a hub with 50 labelled edges is unreadable), at most
 * DOT_IN_LINES lines each. */
#define DOT_EDGE_LABELS_MAX 20
#define DOT_IN_LINES 6

static int __attribute__((format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	fputs("otzone: zones: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

/* ---- JSON ---------------------------------------------------------------- */

static void
json_csv_list(FILE *f, const char *csv)
{
	char buf[ZONE_NETS_LEN], *tok, *save = NULL;
	int first = 1;

	snprintf(buf, sizeof(buf), "%s", csv);
	fputc('[', f);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!first)
			fputc(',', f);
		json_str(f, tok);
		first = 0;
	}
	fputc(']', f);
}

static void
json_vlans(FILE *f, const char *csv)
{
	char buf[64], *tok, *save = NULL;
	int first = 1;

	snprintf(buf, sizeof(buf), "%s", csv);
	fputc('[', f);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		fprintf(f, "%s%s", first ? "" : ",", tok);
		first = 0;
	}
	fputc(']', f);
}

static void
json_classes(FILE *f, unsigned cls)
{
	int i, first = 1;

	fputc('[', f);
	for (i = 0; i < ZC_N; i++)
		if (cls & (1u << i)) {
			if (!first)
				fputc(',', f);
			json_str(f, zones_class_text(i));
			first = 0;
		}
	fputc(']', f);
}

static void
out_json(FILE *f, const struct zones_result *r, const struct st_asset *as,
    size_t na, size_t nf)
{
	size_t i, j;

	fputs("{\"zones\":[", f);
	for (i = 0; i < r->n_zones; i++) {
		const struct zone *z = &r->zones[i];

		fputs(i ? ",\n" : "\n", f);
		fputs("{\"name\":", f);
		json_str(f, z->name);
		fputs(",\"role\":", f);
		json_str(f, zones_role_text(z->role));
		fputs(",\"purdue_level\":", f);
		if (z->purdue_level >= 0)
			fprintf(f, "%d", z->purdue_level);
		else
			fputs("null", f);
		fprintf(f, ",\"suggested_sl_t\":%d,\"sl_t_reason\":",
		    z->suggested_sl_t);
		json_str(f, z->sl_reason);
		fprintf(f, ",\"policy_sl_t\":%d,\"policy_sl_t_reason\":",
		    z->policy_sl_t);
		if (z->policy_reason[0] != '\0')
			json_str(f, z->policy_reason);
		else
			fputs("null", f);
		fputs(",\"assets\":[", f);
		for (j = 0; j < z->n_members; j++) {
			if (j)
				fputc(',', f);
			json_str(f, as[z->members[j]].ip);
		}
		fputs("],\"members\":[", f);
		for (j = 0; j < z->n_members; j++) {
			const struct st_asset *a = &as[z->members[j]];

			fputs(j ? ",{\"ip\":" : "{\"ip\":", f);
			json_str(f, a->ip);
			fputs(",\"vlan\":", f);
			if (a->vlan)
				fprintf(f, "%u", a->vlan);
			else
				fputs("null", f);
			fputs(",\"kind\":", f);
			json_str(f, a->kind);
			fputs(",\"why\":", f);
			json_str(f,
			    zones_why_text(r->asset_why[z->members[j]]));
			fputc('}', f);
		}
		fputs("],\"networks\":", f);
		json_csv_list(f, z->networks);
		fputs(",\"vlans\":", f);
		json_vlans(f, z->vlans);
		fprintf(f, ",\"hosts\":%zu,\"flows_inside\":%" PRIu64
			   ",\"reason\":",
		    z->n_hosts, z->flows_inside);
		json_str(f, z->reason);
		fputc('}', f);
	}
	fputs("],\n\"conduits\":[", f);
	for (i = 0; i < r->n_conduits; i++) {
		const struct conduit *cd = &r->conduits[i];

		fputs(i ? ",\n" : "\n", f);
		fputs("{\"from\":", f);
		json_str(f, r->zones[cd->from].name);
		fputs(",\"to\":", f);
		json_str(f, r->zones[cd->to].name);
		fputs(",\"protocols\":[", f);
		for (j = 0; j < cd->n_protos; j++) {
			if (j)
				fputc(',', f);
			json_str(f, cd->protos[j].name);
		}
		fputs("],\"classes\":", f);
		json_classes(f, cd->classes);
		fputs(",\"access\":{", f);
		for (j = 0; j < cd->n_protos; j++) {
			if (j)
				fputc(',', f);
			json_str(f, cd->protos[j].name);
			fputc(':', f);
			json_str(f, zones_class_text(zones_access_class(
					cd->protos[j].classes)));
		}
		fprintf(f,
		    "},\"flows\":%" PRIu64 ",\"packets\":%" PRIu64
		    ",\"bytes\":%" PRIu64 "}",
		    cd->flows, cd->packets, cd->bytes);
	}
	fprintf(f,
	    "],\n\"summary\":{\"assets\":%zu,\"flows\":%zu,"
	    "\"flows_used\":%zu,\"flows_crossing\":%zu,"
	    "\"flows_not_unicast\":%zu,\"subnets_used\":%s,"
	    "\"subnet_evidence\":%s,"
	    "\"subnet_precision\":%.3f,\"subnet_recall\":%.3f,"
	    "\"digest\":\"%016" PRIx64 "\",\"algorithm\":",
	    na, nf, r->flows_used, r->flows_crossing, r->flows_not_unicast,
	    r->subnets_used ? "true" : "false",
	    r->subnets_by_panels ? "\"panels\"" : "\"cells\"",
	    r->subnet_precision,
	    r->subnet_recall, r->digest);
	json_str(f, ZONES_ALGORITHM);
	fputs("}}\n", f);
}

/* ---- table ------------------------------------------------------------ */

static void
classes_words(unsigned cls, char *buf, size_t len)
{
	int i;

	buf[0] = '\0';
	for (i = 0; i < ZC_N; i++)
		if (cls & (1u << i)) {
			size_t l = strlen(buf);

			snprintf(buf + l, len - l, "%s%s", l ? "," : "",
			    zones_class_text(i));
		}
	if (buf[0] == '\0')
		snprintf(buf, len, "-");
}

static void
out_table(FILE *f, const struct zones_result *r, const struct st_asset *as,
    size_t na, size_t nf)
{
	size_t i, j;
	char buf[1024];

	fprintf(f, "%-3s %-5s %-4s %6s  %s\n", "#", "LEVEL", "SL-T", "ASSETS",
	    "ZONE");
	for (i = 0; i < r->n_zones; i++) {
		const struct zone *z = &r->zones[i];
		char lv[16];

		if (z->purdue_level >= 0)
			snprintf(lv, sizeof(lv), "L%d", z->purdue_level);
		else
			snprintf(lv, sizeof(lv), "-");
		fprintf(f, "%-3zu %-5s %-4d %6zu  %s\n", i + 1, lv,
		    z->suggested_sl_t, z->n_members, z->name);
	}
	fprintf(f, "%zu zones from %zu assets and %zu flows%s\n", r->n_zones,
	    na, nf,
	    r->subnets_used ? " (subnets agree with the traffic: used as "
			      "evidence)"
			    : " (subnets disagree with the traffic: not used)");
	fprintf(f, "\n%-9s %6s  %-28s %s\n", "CONDUIT", "FLOWS", "CLASSES",
	    "PROTOCOLS");
	for (i = 0; i < r->n_conduits; i++) {
		const struct conduit *cd = &r->conduits[i];
		char c[16];

		snprintf(c, sizeof(c), "%zu -> %zu", cd->from + 1, cd->to + 1);
		classes_words(cd->classes, buf, sizeof(buf));
		fprintf(f, "%-9s %6" PRIu64 "  %-28s ", c, cd->flows, buf);
		for (j = 0; j < cd->n_protos; j++)
			fprintf(f, "%s%s", j ? "," : "", cd->protos[j].name);
		fputc('\n', f);
	}
	fprintf(f, "%zu conduits", r->n_conduits);
	if (r->flows_not_unicast > 0)
		fprintf(f, "; %zu flow%s to broadcast/multicast addresses: "
			   "not edges",
		    r->flows_not_unicast, r->flows_not_unicast == 1 ? "" : "s");
	fputc('\n', f);
	for (i = 0; i < r->n_zones; i++) {
		const struct zone *z = &r->zones[i];

		fprintf(f, "\n%zu. %s\n", i + 1, z->name);
		fprintf(f, "   SL-T %d: %s\n", z->suggested_sl_t, z->sl_reason);
		if (z->policy_sl_t != z->suggested_sl_t)
			fprintf(f, "   policy declares SL-T %d: %s\n",
			    z->policy_sl_t, z->policy_reason);
		fprintf(f, "   why: %s\n", z->reason);
		if (z->networks[0] != '\0')
			fprintf(f, "   networks: %s\n", z->networks);
		if (z->vlans[0] != '\0')
			fprintf(f, "   VLANs: %s\n", z->vlans);
		fputs("   assets:", f);
		for (j = 0; j < z->n_members; j++) {
			const struct st_asset *a = &as[z->members[j]];

			fprintf(f, "%s %s (%s)", j ? "," : "", a->ip, a->kind);
		}
		fputc('\n', f);
	}
}

/* ---- DOT -------------------------------------------------------------- */

/* Text for Graphviz HTML-like labels. */
static void
dot_html(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			if ((unsigned char)*s >= 0x20)
				fputc(*s, f);
		}
	}
}

static const char *
role_fill(enum zone_role r)
{
	switch (r) {
	case ZONE_CELL:
		return "#fff3df";
	case ZONE_SUPERVISORY:
		return "#e3effc";
	case ZONE_OPERATIONS:
		return "#e6f4e6";
	case ZONE_DMZ:
		return "#f6e8f6";
	case ZONE_ENTERPRISE:
		return "#eeeeee";
	default:
		return "#ffffff";
	}
}

static const char *
kind_short(const char *k)
{
	if (strcmp(k, "engineering-workstation") == 0)
		return "EWS";
	if (strcmp(k, "scada-server") == 0)
		return "SCADA";
	if (strcmp(k, "io-adapter") == 0)
		return "I/O";
	if (strcmp(k, "it-host") == 0)
		return "IT";
	return k;
}

static void
dot_conduit_text(FILE *f, const struct conduit *cd, int with_flows)
{
	char cls[96];
	size_t j;

	for (j = 0; j < cd->n_protos && j < 4; j++) {
		if (j)
			fputs(", ", f);
		dot_html(f, cd->protos[j].name);
	}
	if (cd->n_protos > 4)
		fprintf(f, " +%zu", cd->n_protos - 4);
	classes_words(cd->classes &
		((1u << ZC_READ) | (1u << ZC_WRITE) | (1u << ZC_CONTROL) |
		    (1u << ZC_PROGRAM)),
	    cls, sizeof(cls));
	if (strcmp(cls, "-") != 0) {
		fputs(with_flows ? "<br/>" : " ", f);
		dot_html(f, cls);
	}
	if (with_flows)
		fprintf(f, "%s%" PRIu64 " flow%s",
		    strcmp(cls, "-") != 0 ? "; " : "<br/>", cd->flows,
		    cd->flows == 1 ? "" : "s");
}

static void
dot_zone(FILE *f, const struct zones_result *r, const struct st_asset *as,
    size_t zi, int edge_labels)
{
	const struct zone *z = &r->zones[zi];
	size_t shown = z->n_members < DOT_MEMBER_MAX ? z->n_members
						     : DOT_MEMBER_MAX;
	size_t rows = shown < DOT_MEMBER_ROWS ? shown : DOT_MEMBER_ROWS;
	size_t cols = rows ? (shown + rows - 1) / rows : 0;
	size_t i, c;

	fprintf(f, "  subgraph cluster_z%zu {\n", zi);
	fprintf(f, "    style=\"filled%s\"; fillcolor=\"%s\"; color=\"%s\";\n",
	    z->role == ZONE_UNCLASSIFIED ? ",dashed" : "", role_fill(z->role),
	    z->suggested_sl_t >= 3 ? "#b05a00" : "#777777");
	fprintf(f, "    label=<<b>[%zu] ", zi + 1);
	dot_html(f, z->name);
	fprintf(f, "</b><br/>SL-T %d", z->suggested_sl_t);
	if (z->policy_sl_t != z->suggested_sl_t)
		fprintf(f, " (policy %d)", z->policy_sl_t);
	fprintf(f, ", %zu asset%s", z->n_members,
	    z->n_members == 1 ? "" : "s");
	if (!edge_labels) {
		size_t k, lines = 0, more = 0;

		for (k = 0; k < r->n_conduits; k++) {
			const struct conduit *cd = &r->conduits[k];

			if (cd->to != zi)
				continue;
			if (lines == DOT_IN_LINES) {
				more++;
				continue;
			}
			fprintf(f, "<br/><font point-size=\"8\">from [%zu]: ",
			    cd->from + 1);
			dot_conduit_text(f, cd, 0);
			fprintf(f, "; %" PRIu64 " flow%s</font>", cd->flows,
			    cd->flows == 1 ? "" : "s");
			lines++;
		}
		if (more > 0)
			fprintf(f, "<br/><font point-size=\"8\">and %zu more "
				   "conduit%s in</font>",
			    more, more == 1 ? "" : "s");
	}
	fputs(">;\n", f);
	fprintf(f, "    z%zu [label=<<table border=\"0\" cellborder=\"0\" "
		   "cellspacing=\"0\" cellpadding=\"1\">",
	    zi);
	for (i = 0; i < rows; i++) {
		fputs("<tr>", f);
		for (c = 0; c < cols; c++) {
			size_t k = c * rows + i;

			fputs("<td align=\"left\">", f);
			if (k < shown) {
				const struct st_asset *a = &as[z->members[k]];

				dot_html(f, a->ip);
				fputs(" <font color=\"#555555\">", f);
				dot_html(f, kind_short(a->kind));
				fputs("</font>", f);
			}
			fputs("</td>", f);
		}
		fputs("</tr>", f);
	}
	if (shown < z->n_members)
		fprintf(f, "<tr><td align=\"left\" colspan=\"%zu\"><i>and %zu "
			   "more</i></td></tr>",
		    cols ? cols : 1, z->n_members - shown);
	fputs("</table>>];\n  }\n", f);
}

static void
out_dot(FILE *f, const struct zones_result *r, const struct st_asset *as,
    size_t na, size_t nf)
{
	size_t i;
	int lv;

	fputs("digraph otzone_zones {\n", f);
	fprintf(f,
	    "  graph [rankdir=TB, newrank=true, compound=true, "
	    "fontname=\"Helvetica\", fontsize=11, nodesep=0.35, "
	    "ranksep=0.9, labelloc=t, label=<<b>otzone zones</b>: %zu zones, "
	    "%zu conduits, from %zu assets and %zu flows; top to bottom by "
	    "Purdue level>];\n",
	    r->n_zones, r->n_conduits, na, nf);
	fputs("  node [shape=plaintext, fontname=\"Helvetica\", "
	      "fontsize=9];\n",
	    f);
	fputs("  edge [fontname=\"Helvetica\", fontsize=8, "
	      "color=\"#555555\", arrowsize=0.6];\n",
	    f);
	for (i = 0; i < r->n_zones; i++)
		dot_zone(f, r, as, i, r->n_conduits <= DOT_EDGE_LABELS_MAX);
	/* Layout by Purdue level alone: one row per level (unknown last),
	 * wrapped every DOT_ZONES_PER_ROW zones.  Invisible edges tie each
	 * zone to the one in the same column of the next row (a grid);
	 * conduits do not constrain the ranks. */
	{
		size_t col = 0, k;
		long row[DOT_ZONES_PER_ROW], prev[DOT_ZONES_PER_ROW];

		for (k = 0; k < DOT_ZONES_PER_ROW; k++)
			prev[k] = -1;
		for (lv = 5; lv >= -1; lv--) {
			col = 0;
			for (i = 0; i <= r->n_zones; i++) {
				int end = i == r->n_zones;

				if (!end && r->zones[i].purdue_level != lv)
					continue;
				if (!end)
					row[col++] = (long)i;
				if (col == 0 ||
				    (col < DOT_ZONES_PER_ROW && !end))
					continue;
				fputs("  { rank=same;", f);
				for (k = 0; k < col; k++)
					fprintf(f, " z%ld;", row[k]);
				fputs(" }\n", f);
				for (k = 0; k < col; k++) {
					long up = prev[k] >= 0 ? prev[k]
					    : prev[0];

					if (up >= 0)
						fprintf(f, "  z%ld -> z%ld "
							   "[style=invis, "
							   "weight=10];\n",
						    up, row[k]);
				}
				for (k = 0; k < DOT_ZONES_PER_ROW; k++)
					prev[k] = k < col ? row[k] : -1;
				col = 0;
			}
		}
	}
	for (i = 0; i < r->n_conduits; i++) {
		const struct conduit *cd = &r->conduits[i];
		int top = zones_access_class(cd->classes);
		double pw = 1.0;
		uint64_t n;

		for (n = cd->flows; n > 1; n >>= 1)
			pw += 0.4;
		if (pw > 4)
			pw = 4;
		fprintf(f, "  z%zu -> z%zu [ltail=cluster_z%zu, "
			   "lhead=cluster_z%zu, constraint=false, "
			   "penwidth=%.1f, color=\"%s\"",
		    cd->from, cd->to, cd->from, cd->to, pw,
		    top >= ZC_CONTROL ? "#7a3db8"
		    : top == ZC_WRITE ? "#1f5fbf"
				      : "#555555");
		if (r->n_conduits <= DOT_EDGE_LABELS_MAX) {
			fputs(", label=<", f);
			dot_conduit_text(f, cd, 1);
			fputc('>', f);
		}
		fputs("];\n", f);
	}
	fputs("}\n", f);
}

/* Run `dot -Tsvg`, DOT on its stdin, SVG to fd out.  A close-on-exec
 * pipe reports a failed exec (errno) from the child. */
static int
run_dot(const char *src, size_t len, int out)
{
	int in[2], ep[2], st = 0, cerr = 0;
	pid_t pid;
	size_t off = 0;
	ssize_t n;
	struct sigaction ign, old;

	if (pipe(in) != 0 || pipe2(ep, O_CLOEXEC) != 0)
		return fail("cannot run Graphviz dot: pipe: %s",
		    strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(in[0]);
		close(in[1]);
		close(ep[0]);
		close(ep[1]);
		return fail("cannot run Graphviz dot: fork: %s",
		    strerror(errno));
	}
	if (pid == 0) {
		close(ep[0]);
		if (dup2(in[0], 0) < 0 || dup2(out, 1) < 0)
			_exit(126);
		close(in[0]);
		close(in[1]);
		execlp("dot", "dot", "-Tsvg", (char *)NULL);
		cerr = errno;
		if (write(ep[1], &cerr, sizeof(cerr)) < 0)
			_exit(127);
		_exit(127);
	}
	close(in[0]);
	close(ep[1]);
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old);
	while (off < len) {
		n = write(in[1], src + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(in[1]);
	sigaction(SIGPIPE, &old, NULL);
	n = read(ep[0], &cerr, sizeof(cerr));
	close(ep[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof(cerr))
		return fail("cannot run Graphviz 'dot': %s (install graphviz, "
			    "or use --format dot)",
		    strerror(cerr));
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE)
		return fail("output closed before the SVG was written");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return fail("Graphviz dot failed (%s %d)",
		    WIFEXITED(st) ? "exit status" : "signal",
		    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	if (off < len)
		return fail("Graphviz dot stopped reading its input");
	return 0;
}

static int
print_proposal(FILE *f, enum out_format fmt, const struct zones_result *r,
    const struct st_asset *as, size_t na, size_t nf)
{
	char *src = NULL;
	size_t len = 0;
	FILE *m;
	int rc;

	switch (fmt) {
	case OUT_JSON:
		out_json(f, r, as, na, nf);
		return 0;
	case OUT_DOT:
		out_dot(f, r, as, na, nf);
		return 0;
	case OUT_SVG:
		m = open_memstream(&src, &len);
		if (m == NULL)
			return fail("out of memory");
		out_dot(m, r, as, na, nf);
		if (fclose(m) != 0) {
			free(src);
			return fail("out of memory");
		}
		if (fflush(f) != 0)
			return fail("output: %s", strerror(errno));
		rc = run_dot(src, len, fileno(f));
		free(src);
		return rc;
	default:
		out_table(f, r, as, na, nf);
		return 0;
	}
}

static int
close_out(FILE *f, const char *what)
{
	int bad = fflush(f) != 0 || ferror(f);

	if (f != stdout && fclose(f) != 0)
		bad = 1;
	if (bad)
		return fail("%s: %s", what, strerror(errno ? errno : EIO));
	return 0;
}

int
cmd_zones(const struct cmd_args *a)
{
	struct store *st = NULL;
	struct st_asset *as = NULL;
	struct st_flow *fs = NULL;
	struct zones_result r;
	size_t na = 0, nf = 0;
	char err[512];
	struct timespec now;
	FILE *out = NULL;
	int rc = 2;

	memset(&r, 0, sizeof(r));
	if (a->nargs > 0)
		return fail("unexpected argument '%s'", a->args[0]);
	if (a->fmt == OUT_CSV)
		return fail("--format csv is not available for zones (table, "
			    "json, dot, svg)");
	if (access(a->db, F_OK) != 0)
		return fail("%s: no such database (run 'otzone read' first)",
		    a->db);
	/* Read with a read-only handle: it refuses a file that is not an
	 * otzone database instead of creating tables in it. */
	st = store_open(a->db, 1, err, sizeof(err));
	if (st == NULL)
		return fail("%s: %s", a->db, err);
	if (store_load_assets(st, &as, &na, err, sizeof(err)) != 0 ||
	    store_load_flows(st, &fs, &nf, err, sizeof(err)) != 0) {
		fail("%s: %s", a->db, err);
		goto out;
	}
	store_close(st);
	st = NULL;
	if (output_prepare_assets(as, na, fs, nf) != 0) {
		fail("out of memory");
		goto out;
	}
	if (zones_propose(as, na, fs, nf, &r, err, sizeof(err)) != 0) {
		fail("%s", err);
		goto out;
	}
	st = store_open(a->db, 0, err, sizeof(err));
	if (st == NULL) {
		fail("%s: cannot store the proposal: %s", a->db, err);
		goto out;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	if (zones_save(st, &r, as, na, nf,
		(int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000, err,
		sizeof(err)) < 0) {
		fail("%s: cannot store the proposal: %s", a->db, err);
		goto out;
	}
	if (a->emit_policy) {
		FILE *pf = stdout;

		if (a->output != NULL &&
		    (pf = fopen(a->output, "w")) == NULL) {
			fail("%s: %s", a->output, strerror(errno));
			goto out;
		}
		policy_emit(pf, &r, as, na, fs, nf);
		if (close_out(pf, a->output ? a->output : "stdout") != 0)
			goto out;
		if (a->output == NULL) {
			rc = 0;
			goto out;
		}
		out = stdout;
	} else if (a->output != NULL) {
		if ((out = fopen(a->output, "w")) == NULL) {
			fail("%s: %s", a->output, strerror(errno));
			goto out;
		}
	} else
		out = stdout;
	if (print_proposal(out, a->fmt, &r, as, na, nf) != 0) {
		if (out != stdout)
			fclose(out);
		goto out;
	}
	if (close_out(out, out == stdout ? "stdout" : a->output) != 0)
		goto out;
	rc = 0;
out:
	zones_free(&r);
	free(as);
	store_free_flows(fs, nf);
	store_close(st);
	return rc;
}

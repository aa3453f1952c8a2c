/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_report.c: `otzone report --policy FILE -o FILE.html`: one
 * self-contained HTML file for an assessor: summary, how the data was
 * collected, the inventory with identities, the declared zone and conduit
 * model with its diagram, the SL gap per zone, and the findings grouped by
 * zone pair with their evidence (capture file and frame number).
 *
 * Self-contained: the CSS and the SVG diagram are inline, and a
 * Content-Security-Policy forbids every fetch.  The diagram is drawn by
 * Graphviz (`dot -Tsvg`, run as a child process with a time limit); without
 * it the report says so and has no diagram.  Every string that comes from
 * packets (identities) or from the policy is escaped, and invalid UTF-8 is
 * replaced.  The database is opened read-only; the findings are not stored
 * (that is `otzone check`).  Exit 0 when the report is written, 2 on any
 * error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../store/zones.h"
#include "cmd.h"
#include "policy.h"

extern char **environ;

#define REPORT_SVG_MAX (8u << 20)  /* a larger diagram is left out */
#define REPORT_DOT_SECONDS 30	   /* a drawing child gets this long */

/* ---- escaping ------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at p (0 when invalid). */
static size_t
utf8_len(const unsigned char *p)
{
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if ((p[0] == 0xe0 && p[1] < 0xa0) ||
		    (p[0] == 0xed && p[1] >= 0xa0))
			return 0; /* overlong, surrogate */
		return 3;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[3] & 0xc0) != 0x80)
			return 0;
		if ((p[0] == 0xf0 && p[1] < 0x90) ||
		    (p[0] == 0xf4 && p[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

/* Text for HTML content and attribute values. */
static void
h(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	while (*p != '\0') {
		size_t n;

		switch (*p) {
		case '&':
			fputs("&amp;", f);
			p++;
			continue;
		case '<':
			fputs("&lt;", f);
			p++;
			continue;
		case '>':
			fputs("&gt;", f);
			p++;
			continue;
		case '"':
			fputs("&quot;", f);
			p++;
			continue;
		case '\'':
			fputs("&#39;", f);
			p++;
			continue;
		}
		if (*p < 0x20 || *p == 0x7f) {
			fputc(*p == '\n' || *p == '\t' ? ' ' : '?', f);
			p++;
			continue;
		}
		n = utf8_len(p);
		if (n == 0) {
			fputs("\xef\xbf\xbd", f); /* U+FFFD */
			p++;
			continue;
		}
		fwrite(p, 1, n, f);
		p += n;
	}
}

static void
hd(FILE *f, const char *s) /* h(), or a dash for "" */
{
	if (s == NULL || s[0] == '\0')
		fputs("&ndash;", f);
	else
		h(f, s);
}

static void
htime(FILE *f, int64_t us)
{
	char b[40];

	fmt_time(us, b, sizeof(b));
	hd(f, us > 0 ? b : "");
}

/* A DOT double-quoted string: backslash and quote escaped, a newline as
 * dot's line break, other control characters dropped (dot's own escapes
 * such as \N are neutralised by the escaped backslash). */
static void
dq(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '\n') {
			fputs("\\n", f);
			continue;
		}
		if (ch == '"' || ch == '\\')
			fputc('\\', f);
		if (ch >= 0x20 && ch != 0x7f)
			fputc(ch, f);
	}
	fputc('"', f);
}

/* ---- Graphviz ------------------------------------------------------------ */

static void
write_dot(FILE *f, const struct policy_run *r)
{
	const struct policy *p = &r->pol;
	size_t i, k, n;
	int unzoned = 0;
	char buf[1024];

	fputs("digraph policy {\n graph [rankdir=TB, fontname=\"Helvetica\","
	      " fontsize=11, nodesep=0.4, ranksep=1.1, bgcolor=\"white\"];\n"
	      " node [shape=box, style=\"rounded,filled\", fontname="
	      "\"Helvetica\", fontsize=11, penwidth=1.2];\n"
	      " edge [fontname=\"Helvetica\", fontsize=9];\n", f);
	for (i = 0; i < p->n_zones; i++) {
		const struct pol_zone *z = &p->zones[i];
		const struct check_gap *g = &r->res.gaps[i];
		size_t o;

		o = (size_t)snprintf(buf, sizeof(buf), "%.200s\nSL-T %d, "
							"observed %d",
		    z->name, z->sl_t, g->achieved);
		for (k = 0; k < z->n_nets && k < 3 && o < sizeof(buf); k++) {
			char a[64], t[48];

			if (z->nets[k].is_v4)
				snprintf(a, sizeof(a), "%u.%u.%u.%u/%u",
				    z->nets[k].addr[12], z->nets[k].addr[13],
				    z->nets[k].addr[14], z->nets[k].addr[15],
				    z->nets[k].len - 96u);
			else {
				if (inet_ntop(AF_INET6, z->nets[k].addr, t,
					sizeof(t)) == NULL)
					snprintf(t, sizeof(t), "?");
				snprintf(a, sizeof(a), "%s/%u", t,
				    z->nets[k].len);
			}
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\n%s",
			    a);
		}
		if (z->n_nets > 3 && o < sizeof(buf))
			o += (size_t)snprintf(buf + o, sizeof(buf) - o,
			    "\n(+%zu networks)", z->n_nets - 3);
		if (z->n_assets > 0 && o < sizeof(buf))
			snprintf(buf + o, sizeof(buf) - o, "\n+%zu single "
							   "asset%s",
			    z->n_assets, z->n_assets == 1 ? "" : "s");
		fprintf(f, " z%zu [label=", i);
		dq(f, buf);
		fprintf(f, ", fillcolor=\"%s\", color=\"%s\"];\n",
		    g->achieved >= z->sl_t ? "#e8f5e9" : "#fdecea",
		    g->achieved >= z->sl_t ? "#2e7d32" : "#c62828");
	}
	for (i = 0; i < r->na; i++)
		if (r->res.asset_zone[i] < 0)
			unzoned++;
	if (unzoned)
		fprintf(f, " unzoned [label=\"in no zone\\n%d asset%s\", "
			   "fillcolor=\"#fff3e0\", color=\"#ef6c00\", "
			   "style=\"rounded,filled,dashed\"];\n",
		    unzoned, unzoned == 1 ? "" : "s");
	for (i = 0; i < p->n_conduits; i++) {
		const struct pol_conduit *c = &p->conduits[i];
		size_t o = 0;

		buf[0] = '\0';
		for (k = 0; k < c->n_rules && k < 8 && o < sizeof(buf); k++)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o,
			    "%s%s %s%s%s", k ? "\n" : "", c->rules[k].protocol,
			    policy_access_name(c->rules[k].access),
			    c->rules[k].n_from ? " (listed hosts)" : "",
			    c->rules[k].security ? " +security" : "");
		if (c->n_rules > 8 && o < sizeof(buf))
			snprintf(buf + o, sizeof(buf) - o, "\n(+%zu rules)",
			    c->n_rules - 8);
		if (c->n_rules == 0)
			snprintf(buf, sizeof(buf), "(nothing allowed)");
		fprintf(f, " z%d -> z%d [label=", c->from, c->to);
		dq(f, buf);
		fputs(", color=\"#1565c0\", fontcolor=\"#1565c0\"];\n", f);
	}
	/* crossings with no conduit, as dashed red edges (one per pair) */
	for (i = 0; i < r->res.n_findings; i++) {
		const struct check_finding *x = &r->res.findings[i];

		if (x->rule != CR_NO_CONDUIT)
			continue;
		for (k = 0, n = 0; k < i; k++)
			if (r->res.findings[k].rule == CR_NO_CONDUIT &&
			    r->res.findings[k].zone_from == x->zone_from &&
			    r->res.findings[k].zone_to == x->zone_to)
				n++;
		if (n > 0)
			continue;
		fprintf(f, " z%d -> z%d [label=\"no conduit\", style=dashed, "
			   "color=\"#c62828\", fontcolor=\"#c62828\"];\n",
		    x->zone_from, x->zone_to);
	}
	fputs("}\n", f);
}

/*
 * Run a program that writes SVG (dot, or otzone itself for the zone
 * proposal); the SVG (from "<svg") into a malloc'd buffer.  path: run as
 * is, or looked up in PATH when search is set.  NULL with why filled when
 * the program is missing, fails, is too slow, or writes too much.
 */
static char *
run_svg(const char *path, int search, char *const argv[], char *why,
    size_t whylen)
{
	posix_spawn_file_actions_t fa;
	int pfd[2] = {-1, -1}, st = 0, spawned = 0;
	pid_t pid = -1;
	char *buf = NULL, *svg;
	size_t len = 0, cap = 0;
	time_t deadline = time(NULL) + REPORT_DOT_SECONDS;

	why[0] = '\0';
	if (pipe(pfd) != 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return NULL;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, pfd[0]);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
	    O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null",
	    O_WRONLY, 0);
	if ((search ? posix_spawnp(&pid, path, &fa, NULL, argv, environ)
		    : posix_spawn(&pid, path, &fa, NULL, argv, environ)) == 0)
		spawned = 1;
	else if (search)
		snprintf(why, whylen, "Graphviz '%s' is not installed", path);
	else
		snprintf(why, whylen, "cannot run %s", path);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	while (spawned) {
		struct pollfd pf = {.fd = pfd[0], .events = POLLIN};
		int left = (int)(deadline - time(NULL)), pr;
		ssize_t n;

		if (left <= 0) {
			snprintf(why, whylen, "%s took longer than %d s",
			    argv[0], REPORT_DOT_SECONDS);
			kill(pid, SIGKILL);
			break;
		}
		pr = poll(&pf, 1, left * 1000);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			continue; /* the deadline check ends it */
		if (len + 65536 > cap) {
			char *nb;

			if (cap >= REPORT_SVG_MAX) {
				snprintf(why, whylen, "the diagram is larger "
						      "than %u bytes",
				    REPORT_SVG_MAX);
				kill(pid, SIGKILL);
				break;
			}
			cap = cap ? cap * 2 : 65536 * 2;
			nb = realloc(buf, cap + 1);
			if (nb == NULL) {
				snprintf(why, whylen, "out of memory");
				kill(pid, SIGKILL);
				break;
			}
			buf = nb;
		}
		n = read(pfd[0], buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			buf[len] = '\0';
			break;
		}
		len += (size_t)n;
	}
	close(pfd[0]);
	if (spawned) {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		if (why[0] == '\0' && (!WIFEXITED(st) || WEXITSTATUS(st) != 0))
			snprintf(why, whylen, "%s failed (status %d)",
			    argv[0], WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	}
	if (why[0] != '\0' || buf == NULL ||
	    (svg = strstr(buf, "<svg")) == NULL) {
		if (why[0] == '\0')
			snprintf(why, whylen, "%s wrote no SVG", argv[0]);
		free(buf);
		return NULL;
	}
	memmove(buf, svg, strlen(svg) + 1);
	return buf;
}

static char *
diagram(const struct policy_run *r, char *why, size_t whylen)
{
	const char *tmpdir = getenv("TMPDIR");
	char tpath[4096];
	FILE *f;
	int fd;
	char *svg = NULL;

	why[0] = '\0';
	if (tmpdir != NULL && tmpdir[0] == '/' &&
	    strlen(tmpdir) + 32 < sizeof(tpath)) {
		snprintf(tpath, sizeof(tpath), "%s/otzone-report-XXXXXX",
		    tmpdir);
		fd = mkstemp(tpath);
	} else {
		snprintf(tpath, sizeof(tpath), "/tmp/otzone-report-XXXXXX");
		fd = mkstemp(tpath);
	}
	if (fd < 0) {
		snprintf(why, whylen, "temporary file: %s", strerror(errno));
		return NULL;
	}
	f = fdopen(fd, "w");
	if (f == NULL) {
		snprintf(why, whylen, "temporary file: %s", strerror(errno));
		close(fd);
		goto out;
	}
	write_dot(f, r);
	if (fclose(f) != 0) {
		snprintf(why, whylen, "temporary file: %s", strerror(errno));
		goto out;
	}
	{
		char *argv[] = {"dot", "-Tsvg", tpath, NULL};

		svg = run_svg("dot", 1, argv, why, whylen);
	}
out:
	unlink(tpath);
	return svg;
}

/* ---- sections ------------------------------------------------------------ */

static const char css[] =
    "body{font:14px/1.45 -apple-system,'Segoe UI',Helvetica,Arial,"
    "sans-serif;color:#1b1b1b;margin:0 auto;max-width:1280px;padding:"
    "24px 32px;}"
    "h1{font-size:24px;margin:0 0 4px;}h2{font-size:19px;margin:32px 0 8px;"
    "border-bottom:2px solid #1565c0;padding-bottom:4px;}"
    "h3{font-size:15px;margin:20px 0 6px;}"
    "table{border-collapse:collapse;margin:6px 0 12px;width:100%;}"
    "th,td{border:1px solid #cfd8dc;padding:3px 6px;text-align:left;"
    "vertical-align:top;font-size:12.5px;overflow-wrap:anywhere;}"
    "th{background:#eceff1;white-space:nowrap;}"
    "td.n,th.n{text-align:right;}code,.mono{font-family:Menlo,Consolas,"
    "monospace;font-size:12px;}"
    ".meta{color:#546e7a;}.sev{display:inline-block;padding:0 6px;"
    "border-radius:3px;color:#fff;font-weight:600;font-size:11.5px;}"
    ".critical{background:#8e0000;}.high{background:#c62828;}"
    ".medium{background:#ef6c00;}.low{background:#607d8b;}"
    ".ok{background:#e8f5e9;}.bad{background:#fdecea;}.na{color:#90a4ae;}"
    ".cards{display:flex;gap:12px;flex-wrap:wrap;margin:8px 0;}"
    ".card{border:1px solid #cfd8dc;border-radius:6px;padding:8px 14px;"
    "min-width:120px;}.card b{display:block;font-size:22px;}"
    ".diagram{border:1px solid #cfd8dc;padding:8px;overflow:auto;}"
    ".diagram svg{max-width:100%;height:auto;}"
    "nav a{margin-right:14px;}@media print{nav{display:none;}}";

static void
section_summary(FILE *f, const struct policy_run *r,
    const struct st_summary *sum)
{
	int sev[SEV_CRITICAL + 1] = {0};
	size_t i, gaps = 0;

	for (i = 0; i < r->res.n_findings; i++)
		sev[r->res.findings[i].severity]++;
	for (i = 0; i < r->res.n_gaps; i++)
		if (r->res.gaps[i].achieved < r->res.gaps[i].sl_t)
			gaps++;
	fputs("<h2 id=\"summary\">1. Summary</h2>\n<div class=\"cards\">", f);
	fprintf(f, "<div class=\"card\"><b>%zu</b>findings</div>"
		   "<div class=\"card\"><b>%d</b>critical</div>"
		   "<div class=\"card\"><b>%d</b>high</div>"
		   "<div class=\"card\"><b>%d</b>medium</div>"
		   "<div class=\"card\"><b>%d</b>low</div>"
		   "<div class=\"card\"><b>%zu / %zu</b>zones below SL-T</div>"
		   "<div class=\"card\"><b>%zu</b>assets</div>"
		   "<div class=\"card\"><b>%zu</b>flows</div></div>\n",
	    r->res.n_findings, sev[SEV_CRITICAL], sev[SEV_HIGH],
	    sev[SEV_MEDIUM], sev[SEV_LOW], gaps, r->res.n_gaps, r->na, r->nf);
	fprintf(f, "<p>The traffic of %" PRIu64 " capture source%s (%" PRIu64
		   " packets",
	    sum->sources, sum->sources == 1 ? "" : "s", sum->packets);
	fputs(", from ", f);
	htime(f, sum->first_us);
	fputs(" to ", f);
	htime(f, sum->last_us);
	fprintf(f, ") was checked against the declared policy of %zu zones "
		   "and %zu conduits (default: deny). %" PRIu64 " flows were "
		   "checked; %" PRIu64 " flows to broadcast or multicast "
		   "addresses are not checked against conduits.",
	    r->pol.n_zones, r->pol.n_conduits, r->res.flows_checked,
	    r->res.flows_group);
	if (r->res.findings_capped)
		fprintf(f, " <b>%" PRIu64 " further findings were not kept "
			   "(cap CHECK_MAX_FINDINGS).</b>",
		    r->res.findings_capped);
	fputs("</p>\n<table><tr><th>zone</th><th class=\"n\">SL-T</th>"
	      "<th class=\"n\">SL consistent with the traffic</th>"
	      "<th class=\"n\">gap</th><th class=\"n\">findings into it</th>"
	      "</tr>\n", f);
	for (i = 0; i < r->res.n_gaps; i++) {
		const struct check_gap *g = &r->res.gaps[i];
		size_t k, n = 0;

		for (k = 0; k < r->res.n_findings; k++)
			if (r->res.findings[k].zone_to == g->zone)
				n++;
		fprintf(f, "<tr class=\"%s\"><td>",
		    g->achieved >= g->sl_t ? "ok" : "bad");
		h(f, r->pol.zones[g->zone].name);
		fprintf(f, "</td><td class=\"n\">%d</td><td class=\"n\">%d</td>"
			   "<td class=\"n\">%d</td><td class=\"n\">%zu</td>"
			   "</tr>\n",
		    g->sl_t, g->achieved,
		    g->sl_t > g->achieved ? g->sl_t - g->achieved : 0, n);
	}
	fputs("</table>\n", f);
}

static void
section_collection(FILE *f, struct store *st, const struct st_summary *sum)
{
	sqlite3 *db = (sqlite3 *)store_db(st);
	sqlite3_stmt *q = NULL;

	fputs("<h2 id=\"collection\">2. How the data was collected</h2>\n"
	      "<p>Passive: otzone read the captures below (or listened on "
	      "the interfaces) and never transmitted a packet. Industrial "
	      "protocols (Modbus/TCP, DNP3, S7comm and S7comm-plus, "
	      "EtherNet/IP with CIP, OPC UA binary) were dissected request "
	      "by request; other traffic was labelled with nDPI. Each "
	      "finding names the capture file and the frame number of the "
	      "first offending packet: open it in Wireshark and go to that "
	      "frame (<code>wireshark -r FILE</code>, then "
	      "<code>frame.number == N</code>).</p>\n", f);
	fprintf(f, "<p>Total: %" PRIu64 " source%s, %" PRIu64 " packets, %"
		   PRIu64 " bytes, ",
	    sum->sources, sum->sources == 1 ? "" : "s", sum->packets,
	    sum->bytes);
	htime(f, sum->first_us);
	fputs(" to ", f);
	htime(f, sum->last_us);
	fprintf(f, "; %" PRIu64 " truncated, %" PRIu64 " malformed, %" PRIu64
		   " dropped (capture caps and kernel).</p>\n",
	    sum->truncated, sum->malformed, sum->dropped);
	fputs("<table><tr><th>source</th><th>SHA-256 (size, first and last "
	      "MiB)</th><th>first packet</th><th>last packet</th>"
	      "<th class=\"n\">packets</th><th class=\"n\">bytes</th>"
	      "<th class=\"n\">truncated</th><th class=\"n\">malformed</th>"
	      "<th class=\"n\">dropped (caps)</th>"
	      "<th class=\"n\">dropped (kernel)</th></tr>\n", f);
	if (sqlite3_prepare_v2(db,
		"SELECT path, COALESCE(sha256, ''), first_us, last_us, packets,"
		" bytes, truncated, malformed, dropped_caps, dropped_kernel,"
		" complete FROM sources ORDER BY first_us, id", -1, &q,
		NULL) == SQLITE_OK) {
		while (sqlite3_step(q) == SQLITE_ROW) {
			const char *path = (const char *)sqlite3_column_text(q,
			    0);
			const char *sha = (const char *)sqlite3_column_text(q,
			    1);
			int c;

			fputs("<tr><td class=\"mono\">", f);
			h(f, path);
			if (!sqlite3_column_int(q, 10))
				fputs(" (incomplete)", f);
			fputs("</td><td class=\"mono\">", f);
			hd(f, sha);
			fputs("</td><td>", f);
			htime(f, sqlite3_column_int64(q, 2));
			fputs("</td><td>", f);
			htime(f, sqlite3_column_int64(q, 3));
			fputs("</td>", f);
			for (c = 4; c <= 9; c++)
				fprintf(f, "<td class=\"n\">%lld</td>",
				    (long long)sqlite3_column_int64(q, c));
			fputs("</tr>\n", f);
		}
	}
	sqlite3_finalize(q);
	fputs("</table>\n", f);
}

static void
section_inventory(FILE *f, const struct policy_run *r)
{
	size_t i;

	fprintf(f, "<h2 id=\"inventory\">3. Inventory</h2>\n<p>%zu assets "
		   "(an IP address per VLAN that sent or received unicast "
		   "traffic). Identity fields are what the devices said about "
		   "themselves in the captured protocols.</p>\n", r->na);
	fputs("<table><tr><th>address</th><th>VLAN</th><th>MAC</th>"
	      "<th>kind</th><th>Purdue</th><th>zone</th><th>protocols</th>"
	      "<th>identity</th><th>first seen</th><th>last seen</th>"
	      "<th class=\"n\">packets</th></tr>\n", f);
	for (i = 0; i < r->na; i++) {
		const struct st_asset *a = &r->as[i];
		int z = r->res.asset_zone[i];

		fprintf(f, "<tr id=\"a%zu\"><td class=\"mono\">", i);
		h(f, a->ip);
		fputs("</td><td>", f);
		if (a->vlan)
			fprintf(f, "%u", a->vlan);
		else
			fputs("&ndash;", f);
		fputs("</td><td class=\"mono\">", f);
		hd(f, a->mac);
		if (a->mac_vendor[0]) {
			fputs("<br><span class=\"meta\">", f);
			h(f, a->mac_vendor);
			fputs("</span>", f);
		}
		fputs("</td><td>", f);
		hd(f, a->kind);
		fputs("</td><td>", f);
		if (a->purdue_level >= 0)
			fprintf(f, "%d", a->purdue_level);
		else
			fputs("&ndash;", f);
		fputs("</td><td>", f);
		if (z >= 0)
			h(f, r->pol.zones[z].name);
		else
			fputs("<b>in no zone</b>", f);
		fputs("</td><td>", f);
		hd(f, a->protocols);
		fputs("</td><td>", f);
		if (a->vendor[0] || a->product[0] || a->model[0] ||
		    a->firmware[0] || a->serial[0] || a->name[0]) {
			static const char *const lab[] = {"vendor",
			    "product", "model", "firmware", "hardware",
			    "serial", "name"};
			const char *val[] = {a->vendor, a->product, a->model,
			    a->firmware, a->hardware, a->serial, a->name};
			size_t k;
			int first = 1;

			for (k = 0; k < 7; k++) {
				if (val[k][0] == '\0')
					continue;
				fprintf(f, "%s%s: ", first ? "" : "<br>",
				    lab[k]);
				h(f, val[k]);
				first = 0;
			}
			if (a->ident_source[0]) {
				fputs("<br><span class=\"meta\">from ", f);
				h(f, a->ident_source);
				fputs("</span>", f);
			}
		} else {
			fputs("&ndash;", f);
		}
		fputs("</td><td>", f);
		htime(f, a->first_us);
		fputs("</td><td>", f);
		htime(f, a->last_us);
		fprintf(f, "</td><td class=\"n\">%" PRIu64 "</td></tr>\n",
		    a->packets);
	}
	fputs("</table>\n", f);
}

static void
prefix_html(FILE *f, const struct pol_prefix *p)
{
	char t[48];

	if (p->is_v4) {
		if (p->len == 128)
			fprintf(f, "%u.%u.%u.%u", p->addr[12], p->addr[13],
			    p->addr[14], p->addr[15]);
		else
			fprintf(f, "%u.%u.%u.%u/%u", p->addr[12], p->addr[13],
			    p->addr[14], p->addr[15], p->len - 96u);
		return;
	}
	if (inet_ntop(AF_INET6, p->addr, t, sizeof(t)) == NULL)
		snprintf(t, sizeof(t), "?");
	if (p->len == 128)
		fprintf(f, "%s", t);
	else
		fprintf(f, "%s/%u", t, p->len);
}

static void
prefix_list_html(FILE *f, const struct pol_prefix *v, size_t n)
{
	size_t i;

	if (n == 0)
		fputs("&ndash;", f);
	for (i = 0; i < n; i++) {
		if (i)
			fputs(", ", f);
		prefix_html(f, &v[i]);
	}
}

static void
section_model(FILE *f, const struct policy_run *r, const char *policy_path,
    const char *svg, const char *why)
{
	const struct policy *p = &r->pol;
	size_t i, k, members;

	fputs("<h2 id=\"model\">4. Zone and conduit model</h2>\n<p>As "
	      "declared in <code>", f);
	h(f, policy_path);
	fputs("</code>. Green zones: the observed traffic is consistent with "
	      "their SL-T; red: it is not. Blue arrows: conduits (from the "
	      "zone that opens the connections); dashed red arrows: traffic "
	      "that crossed with no conduit.</p>\n", f);
	if (svg != NULL) {
		fputs("<div class=\"diagram\">", f);
		fputs(svg, f);
		fputs("</div>\n", f);
	} else {
		fputs("<p><b>No diagram:</b> ", f);
		h(f, why);
		fputs(".</p>\n", f);
	}
	fputs("<h3>Zones</h3><table><tr><th>zone</th><th class=\"n\">SL-T"
	      "</th><th>networks</th><th>single assets</th>"
	      "<th class=\"n\">precedence</th><th class=\"n\">assets seen"
	      "</th></tr>\n", f);
	for (i = 0; i < p->n_zones; i++) {
		const struct pol_zone *z = &p->zones[i];

		for (k = 0, members = 0; k < r->na; k++)
			if (r->res.asset_zone[k] == (int)i)
				members++;
		fputs("<tr><td>", f);
		h(f, z->name);
		fprintf(f, "</td><td class=\"n\">%d</td><td class=\"mono\">",
		    z->sl_t);
		prefix_list_html(f, z->nets, z->n_nets);
		fputs("</td><td class=\"mono\">", f);
		prefix_list_html(f, z->assets, z->n_assets);
		fprintf(f, "</td><td class=\"n\">%d</td><td class=\"n\">%zu"
			   "</td></tr>\n", z->precedence, members);
	}
	fputs("</table>\n<h3>Conduits</h3><table><tr><th>conduit</th>"
	      "<th>from</th><th>to</th><th>allowed</th></tr>\n", f);
	if (p->n_conduits == 0)
		fputs("<tr><td colspan=\"4\">none declared: every crossing is "
		      "denied</td></tr>\n", f);
	for (i = 0; i < p->n_conduits; i++) {
		const struct pol_conduit *c = &p->conduits[i];

		fputs("<tr><td>", f);
		h(f, c->name);
		fputs("</td><td>", f);
		h(f, p->zones[c->from].name);
		fputs("</td><td>", f);
		h(f, p->zones[c->to].name);
		fputs("</td><td>", f);
		if (c->n_rules == 0)
			fputs("nothing", f);
		for (k = 0; k < c->n_rules; k++) {
			const struct pol_rule *ru = &c->rules[k];

			fputs(k ? "<br>" : "", f);
			h(f, ru->protocol);
			fputs(" up to ", f);
			h(f, policy_access_name(ru->access));
			if (ru->security) {
				fputs(", OPC UA security at least ", f);
				h(f, policy_security_name(ru->security));
			}
			if (ru->n_from) {
				fputs(", only from <span class=\"mono\">", f);
				prefix_list_html(f, ru->from, ru->n_from);
				fputs("</span>", f);
			}
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

/*
 * The zones otzone proposes from the same traffic (store/zones.h), set
 * against the declared ones: a proposed zone whose members sit in several
 * declared zones (or in none), or whose suggested SL-T is above what the
 * policy declares for them, is worth a second look.  The drawing is the
 * one `otzone zones --format svg` makes, run from this same binary.
 */
/* The database as the report names it (cmd_args.db_label). */
static const char *report_db_label;

static void
section_proposal(FILE *f, const struct policy_run *r, const char *db)
{
	struct zones_result zr;
	char err[256], why[256];
	size_t i, k;
	char *svg;

	fputs("<h3 id=\"proposal\">Cross-check: the zones otzone proposes "
	      "from the traffic</h3>\n", f);
	if (zones_propose(r->as, r->na, r->fs, r->nf, &zr, err,
		sizeof(err)) != 0) {
		fputs("<p>No proposal: ", f);
		h(f, err);
		fputs(".</p>\n", f);
		zones_free(&zr);
		return;
	}
	fputs("<p>Independently of the policy, otzone groups the assets by "
	      "who talks to whom and by Purdue level (<code>otzone zones"
	      "</code>). A proposed zone whose assets the policy spreads over "
	      "several zones, leaves out, or declares with a lower SL-T than "
	      "suggested is marked.</p>\n<table><tr><th>proposed zone</th>"
	      "<th class=\"n\">assets</th><th class=\"n\">suggested SL-T"
	      "</th><th>declared zones of its assets</th></tr>\n", f);
	for (i = 0; i < zr.n_zones; i++) {
		const struct zone *z = &zr.zones[i];
		int *cnt = calloc(r->pol.n_zones + 1, sizeof(int));
		size_t nd = 0;
		int low = 0;

		if (cnt == NULL)
			break;
		for (k = 0; k < z->n_members; k++) {
			size_t m = z->members[k];
			int d = m < r->na ? r->res.asset_zone[m] : -1;

			cnt[d < 0 ? r->pol.n_zones : (size_t)d]++;
		}
		for (k = 0; k <= r->pol.n_zones; k++)
			if (cnt[k]) {
				nd++;
				if (k < r->pol.n_zones &&
				    r->pol.zones[k].sl_t < z->suggested_sl_t)
					low = 1;
			}
		fprintf(f, "<tr class=\"%s\"><td>",
		    nd > 1 || cnt[r->pol.n_zones] || low ? "bad" : "ok");
		h(f, z->name);
		fprintf(f, "</td><td class=\"n\">%zu</td><td class=\"n\">%d"
			   "</td><td>", z->n_members, z->suggested_sl_t);
		for (k = 0, nd = 0; k <= r->pol.n_zones; k++) {
			if (!cnt[k])
				continue;
			fputs(nd++ ? "<br>" : "", f);
			if (k == r->pol.n_zones)
				fputs("<b>in no zone</b>", f);
			else {
				h(f, r->pol.zones[k].name);
				fprintf(f, " (SL-T %d)", r->pol.zones[k].sl_t);
			}
			fprintf(f, ": %d", cnt[k]);
		}
		fputs("</td></tr>\n", f);
		free(cnt);
	}
	fputs("</table>\n", f);
	zones_free(&zr);
	{
		char *argv[] = {"otzone", "--db", (char *)db, "zones",
		    "--format", "svg", NULL};

		svg = run_svg("/proc/self/exe", 0, argv, why, sizeof(why));
	}
	if (svg != NULL) {
		fputs("<div class=\"diagram\">", f);
		fputs(svg, f);
		fputs("</div>\n", f);
		free(svg);
	} else {
		fputs("<p>No drawing of the proposal: ", f);
		h(f, why);
		fputs(".</p>\n", f);
	}
}

static void
section_gap(FILE *f, const struct policy_run *r)
{
	size_t i;
	int k;

	fputs("<h2 id=\"gap\">5. SL gap per zone</h2>\n<p>For each zone: its "
	      "target security level (SL-T) and, for each requirement of "
	      "IEC 62443-3-3 that the rules test, the highest SL the observed "
	      "traffic is consistent with. A requirement applies from the SL "
	      "shown under its name; traffic that breaks it limits the zone "
	      "to the SL below. The zone's column <i>observed</i> is the "
	      "lowest of these: what the traffic shows the zone can claim, "
	      "to set against its SL-T.</p>\n<table><tr><th>zone</th>"
	      "<th class=\"n\">SL-T</th><th class=\"n\">observed</th>", f);
	for (k = 0; k < REQ_N; k++) {
		fputs("<th>", f);
		h(f, check_req_name(k));
		fprintf(f, "<br><span class=\"meta\">from SL %d</span></th>",
		    check_req_applies_from(k));
	}
	fputs("</tr>\n", f);
	for (i = 0; i < r->res.n_gaps; i++) {
		const struct check_gap *g = &r->res.gaps[i];

		fprintf(f, "<tr><td>");
		h(f, r->pol.zones[g->zone].name);
		fprintf(f, "</td><td class=\"n\">%d</td><td class=\"n %s\">%d"
			   "</td>", g->sl_t,
		    g->achieved >= g->sl_t ? "ok" : "bad", g->achieved);
		for (k = 0; k < REQ_N; k++) {
			const struct check_gap_row *w = &g->row[k];
			const char *cls = w->max_sl >= g->sl_t
			    ? (w->flows ? "ok" : "na")
			    : "bad";

			fprintf(f, "<td class=\"%s\">", cls);
			if (w->breaking)
				fprintf(f, "broken: SL %d at most<br><span "
					   "class=\"meta\">%" PRIu64 " of %"
					   PRIu64 " flows</span>",
				    w->max_sl, w->breaking, w->flows);
			else if (w->flows)
				fprintf(f, "met (%" PRIu64 " flows)", w->flows);
			else
				fputs("no traffic", f);
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n<table><tr><th>requirement</th><th>title</th>"
	      "<th class=\"n\">applies from SL</th></tr>\n", f);
	for (k = 0; k < REQ_N; k++) {
		fputs("<tr><td>", f);
		h(f, check_req_name(k));
		fputs("</td><td>", f);
		h(f, check_req_title(k));
		fprintf(f, "</td><td class=\"n\">%d</td></tr>\n",
		    check_req_applies_from(k));
	}
	fputs("</table>\n", f);
}

struct fref {
	const struct check_finding *x;
	size_t i;
};

static int
zkey(int z)
{
	return z < 0 ? 1 << 30 : z;
}

static int
fref_cmp(const void *a, const void *b)
{
	const struct fref *x = a, *y = b;

	if (zkey(x->x->zone_from) != zkey(y->x->zone_from))
		return zkey(x->x->zone_from) < zkey(y->x->zone_from) ? -1 : 1;
	if (zkey(x->x->zone_to) != zkey(y->x->zone_to))
		return zkey(x->x->zone_to) < zkey(y->x->zone_to) ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static const char *
zn(const struct policy *p, int z)
{
	return z >= 0 ? p->zones[z].name : "(in no zone)";
}

static int
section_findings(FILE *f, const struct policy_run *r)
{
	const struct policy *p = &r->pol;
	struct fref *v;
	size_t i, n = r->res.n_findings;

	fprintf(f, "<h2 id=\"findings\">6. Findings</h2>\n<p>%zu findings, "
		   "grouped by the zones they cross (from the zone that opened "
		   "the connection to the zone it reached). Each aggregates "
		   "one "
		   "client, server, protocol and operation class; its evidence "
		   "is the first offending packet.</p>\n", n);
	if (n == 0) {
		fputs("<p>None: the observed traffic keeps to the declared "
		      "policy.</p>\n", f);
		return 0;
	}
	v = calloc(n, sizeof(*v));
	if (v == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		v[i].x = &r->res.findings[i];
		v[i].i = i;
	}
	qsort(v, n, sizeof(*v), fref_cmp);
	for (i = 0; i < n; i++) {
		const struct check_finding *x = v[i].x;

		if (i == 0 || x->zone_from != v[i - 1].x->zone_from ||
		    x->zone_to != v[i - 1].x->zone_to) {
			if (i > 0)
				fputs("</table>\n", f);
			fputs("<h3>", f);
			if (x->rule == CR_UNZONED_ASSET)
				fputs("Assets in no zone", f);
			else {
				h(f, zn(p, x->zone_from));
				fputs(" &rarr; ", f);
				h(f, zn(p, x->zone_to));
			}
			fputs("</h3>\n<table><tr><th>severity</th><th>rule</th>"
			      "<th>requirement</th><th class=\"n\">SL-T</th>"
			      "<th>client</th><th>server</th><th>protocol</th>"
			      "<th>class</th><th class=\"n\">count</th>"
			      "<th>first seen</th><th>last seen</th>"
			      "<th>evidence</th></tr>\n", f);
		}
		fprintf(f, "<tr id=\"f%zu\"><td><span class=\"sev %s\">%s"
			   "</span></td><td>",
		    v[i].i, check_severity_name(x->severity),
		    check_severity_name(x->severity));
		h(f, check_rule_name(x->rule));
		fputs("</td><td>", f);
		h(f, x->requirement);
		fprintf(f, "</td><td class=\"n\">%d</td><td class=\"mono\">",
		    x->sl_t);
		h(f, x->client);
		fputs("</td><td class=\"mono\">", f);
		hd(f, x->server);
		fputs("</td><td>", f);
		hd(f, x->protocol);
		fputs("</td><td>", f);
		hd(f, x->cls);
		fprintf(f, "</td><td class=\"n\">%" PRIu64 "</td><td>",
		    x->count);
		htime(f, x->first_us);
		fputs("</td><td>", f);
		htime(f, x->last_us);
		fputs("</td><td class=\"mono\">", f);
		hd(f, x->source);
		fprintf(f, " frame %" PRIu64 "</td></tr>\n", x->frame);
	}
	fputs("</table>\n", f);
	free(v);
	return 0;
}

static void
section_method(FILE *f)
{
	int k;

	fputs("<h2 id=\"method\">7. Rules and method</h2>\n<table><tr><th>"
	      "rule</th><th>requirement (IEC 62443-3-3)</th>"
	      "<th class=\"n\">applies from SL-T</th></tr>\n", f);
	for (k = 0; k < CR_N; k++) {
		fputs("<tr><td>", f);
		h(f, check_rule_name(k));
		fputs("</td><td>", f);
		h(f, check_rule_requirement(k, 1));
		if (strcmp(check_rule_requirement(k, 1),
			check_rule_requirement(k, 4)) != 0) {
			fputs(" (", f);
			h(f, check_rule_requirement(k, 4));
			fputs(" from SL-T 2)", f);
		}
		fprintf(f, "</td><td class=\"n\">%d</td></tr>\n",
		    check_rule_applies_from(k));
	}
	fputs("</table>\n<p>Severity grows with the higher SL-T of the two "
	      "zones and with the operation class: score = SL-T, plus 1 for "
	      "write, 2 for control, 3 for program; up to 2 low, 3 medium, 4 "
	      "to 5 high, 6 and more critical. Requirements as in "
	      "IEC 62443-3-3:2013 Annex B (SL mapping) as commonly published."
	      "</p>\n", f);
}

static int
write_report(FILE *f, const struct policy_run *r, const char *policy_path,
    const char *db)
{
	struct st_summary sum;
	char why[256], now[40];
	char *svg;
	time_t t = time(NULL);
	struct tm tm;
	int rc;

	if (store_summary(r->st, &sum) != 0)
		memset(&sum, 0, sizeof(sum));
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	svg = diagram(r, why, sizeof(why));
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8"
	      "\">\n<meta http-equiv=\"Content-Security-Policy\" content=\""
	      "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
	      "\">\n<meta name=\"viewport\" content=\"width=device-width\">\n"
	      "<title>otzone: IEC 62443 zone and conduit assessment</title>\n"
	      "<style>", f);
	fputs(css, f);
	fputs("</style></head>\n<body>\n<h1>IEC 62443 zone and conduit "
	      "assessment</h1>\n<p class=\"meta\">Policy <code>", f);
	h(f, policy_path);
	fputs("</code>, database <code>", f);
	h(f, report_db_label ? report_db_label : db);
	fprintf(f, "</code>; report made %s by otzone.</p>\n<nav><a href=\""
		   "#summary\">Summary</a><a href=\"#collection\">Data "
		   "collection</a><a href=\"#inventory\">Inventory</a><a href="
		   "\"#model\">Zones and conduits</a><a href=\"#gap\">SL gap"
		   "</a>"
		   "<a href=\"#findings\">Findings</a><a href=\"#method\">"
		   "Method</a></nav>\n", now);
	section_summary(f, r, &sum);
	section_collection(f, r->st, &sum);
	section_inventory(f, r);
	section_model(f, r, policy_path, svg, why);
	section_proposal(f, r, db);
	section_gap(f, r);
	rc = section_findings(f, r);
	section_method(f);
	fputs("</body></html>\n", f);
	free(svg);
	return rc;
}

int
cmd_report(const struct cmd_args *a)
{
	struct policy_run r;
	char err[8192], *tmp = NULL;
	FILE *out = NULL;
	int rc = 2, fd;

	memset(&r, 0, sizeof(r));
	if (a->policy == NULL) {
		fprintf(stderr, "otzone: report: --policy FILE is required\n");
		return 2;
	}
	if (a->nargs > 0) {
		fprintf(stderr, "otzone: report: unexpected argument '%s'\n",
		    a->args[0]);
		return 2;
	}
	if (a->fmt_set) {
		fprintf(stderr, "otzone: report: the report is HTML; --format "
				"is for check\n");
		return 2;
	}
	if (policy_run_open(&r, a->db, a->policy, 0, err, sizeof(err)) != 0) {
		policy_print_errors(err);
		goto out;
	}
	if (a->output == NULL || strcmp(a->output, "-") == 0) {
		out = stdout;
	} else {
		/* Written beside the target and renamed: a reader never sees
		 * half a report, and a failure leaves the old one. */
		size_t l = strlen(a->output) + 16;

		tmp = malloc(l);
		if (tmp == NULL) {
			fprintf(stderr, "otzone: out of memory\n");
			goto out;
		}
		snprintf(tmp, l, "%s.tmpXXXXXX", a->output);
		fd = mkstemp(tmp);
		if (fd < 0 || (out = fdopen(fd, "w")) == NULL) {
			fprintf(stderr, "otzone: %s: %s\n", a->output,
			    strerror(errno));
			if (fd >= 0)
				close(fd);
			free(tmp);
			tmp = NULL;
			goto out;
		}
		{
			mode_t um = umask(0);

			umask(um);
			fchmod(fd, 0666 & ~um);
		}
	}
	report_db_label = a->db_label;
	if (write_report(out, &r, a->policy, a->db) != 0) {
		fprintf(stderr, "otzone: out of memory\n");
		goto out;
	}
	if (fflush(out) != 0 || ferror(out)) {
		fprintf(stderr, "otzone: %s: %s\n",
		    tmp ? a->output : "stdout", strerror(errno));
		goto out;
	}
	if (tmp != NULL) {
		int e = fclose(out);

		out = NULL;
		if (e != 0 || rename(tmp, a->output) != 0) {
			fprintf(stderr, "otzone: %s: %s\n", a->output,
			    strerror(errno));
			goto out;
		}
		free(tmp);
		tmp = NULL;
	}
	rc = 0;
out:
	if (out != NULL && out != stdout)
		fclose(out);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	policy_run_close(&r);
	return rc;
}

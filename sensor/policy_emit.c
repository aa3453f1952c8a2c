/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * policy_emit.c: a zone/conduit policy (ARCHITECTURE.md's YAML) that
 * declares a zone proposal as the traffic shows it, so that checking the
 * same traffic against it finds nothing (docs/zones.md, "round trip").
 *
 * Every string is double-quoted: zone names hold spaces, parentheses and
 * slashes, and IPv6 addresses hold colons, which YAML 1.1 plain scalars
 * in flow context do not allow.  Output is deterministic.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_emit.h"

/* Longest conduit name written (zone names are at most ZONE_NAME_LEN - 1
 * bytes, under any reader's limit). */
#define POLICY_EMIT_NAME_MAX 200
/* Flows to broadcast/multicast named in the header. */
#define POLICY_EMIT_EXAMPLES 5

static void
yq(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* A comment, wrapped at 76 columns, each line starting with indent. */
static void
comment(FILE *f, const char *indent, const char *text)
{
	const char *p = text;
	size_t width = 76 - strlen(indent) - 2;

	while (*p != '\0') {
		size_t n = strlen(p), cut = n;

		if (n > width) {
			cut = width;
			while (cut > 0 && p[cut] != ' ')
				cut--;
			if (cut == 0) /* one long word: break it */
				cut = width;
		}
		fprintf(f, "%s# %.*s\n", indent, (int)cut, p);
		p += cut;
		while (*p == ' ')
			p++;
	}
}

static int
strp_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Name up to a few flows whose server is no asset (broadcast, multicast,
 * subnet-directed broadcast): they are not edges between zones. */
static void
not_unicast(FILE *f, const struct st_asset *as, size_t na,
    const struct st_flow *fs, size_t nf)
{
	const char **ips = calloc(na ? na : 1, sizeof(*ips));
	size_t i, shown = 0;

	if (ips == NULL)
		return; /* only the examples are lost */
	for (i = 0; i < na; i++)
		ips[i] = as[i].ip;
	qsort(ips, na, sizeof(*ips), strp_cmp);
	for (i = 0; i < nf && shown < POLICY_EMIT_EXAMPLES; i++) {
		const char *key = fs[i].server;

		if (bsearch(&key, ips, na, sizeof(*ips), strp_cmp) != NULL)
			continue;
		fprintf(f, "#   %s -> %s %s/%u %s\n", fs[i].client,
		    fs[i].server, fs[i].transport, fs[i].server_port,
		    fs[i].protocol);
		shown++;
	}
	free(ips);
}

static int
access_rank(int zc)
{
	return zc == ZC_PROGRAM ? 4 : zc == ZC_CONTROL ? 3
	    : zc == ZC_WRITE				  ? 2
							  : 1;
}

void
policy_emit(FILE *f, const struct zones_result *r, const struct st_asset *as,
    size_t na, const struct st_flow *fs, size_t nf)
{
	char buf[2048];
	size_t i, j, unzoned = 0;

	for (i = 0; i < na; i++)
		if (r->asset_zone[i] < 0)
			unzoned++;
	fprintf(f, "# otzone zone/conduit policy, emitted by `otzone zones "
		   "--emit-policy`.\n");
	snprintf(buf, sizeof(buf),
	    "Proposed from %zu assets and %zu flows (input digest "
	    "%016" PRIx64 ", %s).  It declares the traffic as it is: every "
	    "asset seen is in a zone, every zone pair and direction with "
	    "traffic has a conduit that allows each protocol seen up to the "
	    "highest access class seen, and each zone's sl_t is no higher "
	    "than the traffic is consistent with.  `otzone check` against "
	    "the same traffic finds nothing; raise an sl_t to its suggested "
	    "SL-T (in the comment above each zone) to see the gaps.",
	    na, nf, r->digest, ZONES_ALGORITHM);
	comment(f, "", buf);
	if (r->flows_not_unicast > 0) {
		snprintf(buf, sizeof(buf),
		    "%zu flow%s to broadcast or multicast addresses: not "
		    "edges between zones, no conduit declared for them:",
		    r->flows_not_unicast, r->flows_not_unicast == 1 ? "" : "s");
		comment(f, "", buf);
		not_unicast(f, as, na, fs, nf);
	}
	if (unzoned > 0) {
		snprintf(buf, sizeof(buf), "%zu asset%s in no zone.", unzoned,
		    unzoned == 1 ? "" : "s");
		comment(f, "", buf);
	}
	fputs("zones:\n", f);
	for (i = 0; i < r->n_zones; i++) {
		const struct zone *z = &r->zones[i];

		if (z->policy_sl_t < z->suggested_sl_t)
			snprintf(buf, sizeof(buf),
			    "suggested SL-T %d (%s); declared %d because %s: "
			    "raise it to %d to have `otzone check` report the "
			    "gap.",
			    z->suggested_sl_t, z->sl_reason, z->policy_sl_t,
			    z->policy_reason, z->suggested_sl_t);
		else
			snprintf(buf, sizeof(buf), "suggested SL-T %d (%s).",
			    z->suggested_sl_t, z->sl_reason);
		comment(f, "  ", buf);
		snprintf(buf, sizeof(buf), "Why these assets: %s.", z->reason);
		comment(f, "  ", buf);
		fputs("  - name: ", f);
		yq(f, z->name);
		fprintf(f, "\n    sl_t: %d\n", z->policy_sl_t);
		if (z->networks[0] != '\0') {
			char nets[sizeof(z->networks)], *tok, *save = NULL;
			int first = 1;

			snprintf(nets, sizeof(nets), "%s", z->networks);
			fputs("    networks: [", f);
			for (tok = strtok_r(nets, ",", &save); tok != NULL;
			     tok = strtok_r(NULL, ",", &save)) {
				if (!first)
					fputs(", ", f);
				yq(f, tok);
				first = 0;
			}
			fputs("]\n", f);
		}
		fputs("    assets:\n", f);
		for (j = 0; j < z->n_members; j++) {
			fputs("      - ", f);
			yq(f, as[z->members[j]].ip);
			fputc('\n', f);
		}
	}
	if (r->n_conduits == 0)
		fputs("conduits: []\n", f);
	else
		fputs("conduits:\n", f);
	for (i = 0; i < r->n_conduits; i++) {
		const struct conduit *cd = &r->conduits[i];
		const struct zone *a = &r->zones[cd->from];
		const struct zone *b = &r->zones[cd->to];
		int k;

		snprintf(buf, sizeof(buf), "%" PRIu64 " flow%s; classes seen:",
		    cd->flows, cd->flows == 1 ? "" : "s");
		for (k = 0; k < ZC_N; k++)
			if (cd->classes & (1u << k)) {
				size_t l = strlen(buf);

				snprintf(buf + l, sizeof(buf) - l, " %s",
				    zones_class_text(k));
			}
		if (cd->classes == 0)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
			    " none (no dissected operations)");
		comment(f, "  ", buf);
		/* conduit names: unique by number, short enough for any
		 * reader (the check keeps 255 bytes) */
		snprintf(buf, sizeof(buf), "c%zu: %s -> %s", i + 1, a->name,
		    b->name);
		if (strlen(buf) > POLICY_EMIT_NAME_MAX)
			buf[POLICY_EMIT_NAME_MAX] = '\0';
		fputs("  - name: ", f);
		yq(f, buf);
		fputs("\n    from: ", f);
		yq(f, a->name);
		fputs("\n    to: ", f);
		yq(f, b->name);
		fputs("\n    allow:\n", f);
		for (j = 0; j < cd->n_protos; j++) {
			const struct conduit_proto *p = &cd->protos[j];
			int acc = zones_access_class(p->classes);

			fputs("      - { protocol: ", f);
			yq(f, p->name);
			fprintf(f, ", access: %s }", zones_class_text(acc));
			if (access_rank(acc) > 1 || p->cleartext) {
				fputs("  #", f);
				if (access_rank(acc) > 1)
					fprintf(f, " %s seen",
					    zones_class_text(acc));
				if (p->cleartext)
					fprintf(f, "%s cleartext",
					    access_rank(acc) > 1 ? ";" : "");
			}
			fputc('\n', f);
		}
	}
	fputs("default: deny\n", f);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * output.c: `otzone assets` and `otzone flows` as a table, JSON (an
 * array, one object per line, fields as in ARCHITECTURE.md) or CSV.
 * Output is deterministic: sorted, no host data.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "oui.h"
#include "output.h"

void
json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p != '\0'; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* A string, or null when empty. */
static void
json_str_or_null(FILE *f, const char *s)
{
	if (s == NULL || s[0] == '\0')
		fputs("null", f);
	else
		json_str(f, s);
}

void
fmt_time(int64_t us, char *buf, size_t len)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	char b[32];

	if (us <= 0) {
		snprintf(buf, len, "-");
		return;
	}
	gmtime_r(&t, &tm);
	strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06dZ", b, (int)(us % 1000000));
}

static void
json_time(FILE *f, int64_t us)
{
	char b[40];

	if (us <= 0) {
		fputs("null", f);
		return;
	}
	fmt_time(us, b, sizeof(b));
	json_str(f, b);
}

/* A comma-separated list as a JSON array of strings. */
static void
json_list(FILE *f, const char *csv)
{
	char buf[1024], *tok, *save = NULL;
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

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort a comma-separated list in place (deterministic output). */
static void
sort_list(char *csv, size_t len)
{
	char buf[1024], *tok, *save = NULL, *v[64];
	size_t n = 0, i, o = 0;

	snprintf(buf, sizeof(buf), "%s", csv);
	for (tok = strtok_r(buf, ",", &save); tok != NULL && n < 64;
	     tok = strtok_r(NULL, ",", &save))
		v[n++] = tok;
	qsort(v, n, sizeof(v[0]), cmp_str);
	csv[0] = '\0';
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(csv + o, len - o, "%s%s", i ? "," : "",
		    v[i]);
}

/* CSV field, quoted when needed (RFC 4180). */
static void
csv_field(FILE *f, const char *s, int last)
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

int
output_prepare_assets(struct st_asset *as, size_t na,
    const struct st_flow *fs, size_t nf)
{
	const char **macs = calloc(na ? na : 1, sizeof(*macs));
	char(*vend)[96] = calloc(na ? na : 1, sizeof(*vend));
	size_t i;

	if (macs == NULL || vend == NULL) {
		free(macs);
		free(vend);
		return -1;
	}
	for (i = 0; i < na; i++) {
		macs[i] = as[i].mac[0] ? as[i].mac : NULL;
		sort_list(as[i].protocols, sizeof(as[i].protocols));
		sort_list(as[i].roles, sizeof(as[i].roles));
	}
	oui_lookup(OUI_DIR_DEFAULT, macs, vend, na);
	for (i = 0; i < na; i++)
		snprintf(as[i].mac_vendor, sizeof(as[i].mac_vendor), "%s",
		    vend[i]);
	/* after the vendors: inference reads the NIC maker */
	store_infer_kinds(as, na, fs, nf);
	free(macs);
	free(vend);
	return 0;
}

static void
asset_json(FILE *f, const struct st_asset *a)
{
	fputs("{\"ip\":", f);
	json_str(f, a->ip);
	fputs(",\"mac\":", f);
	json_str_or_null(f, a->mac);
	fputs(",\"mac_vendor\":", f);
	json_str_or_null(f, a->mac_vendor);
	fprintf(f, ",\"vlan\":");
	if (a->vlan)
		fprintf(f, "%u", a->vlan);
	else
		fputs("null", f);
	fputs(",\"kind\":", f);
	json_str(f, a->kind[0] ? a->kind : "unknown");
	fputs(",\"purdue_level\":", f);
	if (a->purdue_level >= 0)
		fprintf(f, "%d", a->purdue_level);
	else
		fputs("null", f);
	fputs(",\"kind_reason\":", f);
	json_str(f, a->kind_reason);
	fputs(",\"protocols\":", f);
	json_list(f, a->protocols);
	fputs(",\"roles\":", f);
	json_list(f, a->roles);
	fputs(",\"identity\":{\"vendor\":", f);
	json_str_or_null(f, a->vendor);
	fputs(",\"product\":", f);
	json_str_or_null(f, a->product);
	fputs(",\"model\":", f);
	json_str_or_null(f, a->model);
	fputs(",\"firmware\":", f);
	json_str_or_null(f, a->firmware);
	fputs(",\"hardware\":", f);
	json_str_or_null(f, a->hardware);
	fputs(",\"serial\":", f);
	json_str_or_null(f, a->serial);
	fputs(",\"name\":", f);
	json_str_or_null(f, a->name);
	fputs(",\"url\":", f);
	json_str_or_null(f, a->url);
	fputs(",\"source\":", f);
	json_str_or_null(f, a->ident_source);
	fputs("},\"first_seen\":", f);
	json_time(f, a->first_us);
	fputs(",\"last_seen\":", f);
	json_time(f, a->last_us);
	fprintf(f, ",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 "}",
	    a->packets, a->bytes);
}

static void
ident_summary(const struct st_asset *a, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s%s%s%s%s", a->vendor,
	    a->vendor[0] && (a->product[0] || a->model[0]) ? " " : "",
	    a->product[0] ? a->product : a->model,
	    a->firmware[0] ? " fw " : "", a->firmware,
	    a->serial[0] ? " sn " : "", a->serial,
	    a->name[0] && !a->vendor[0] && !a->product[0] ? "" : "",
	    a->name[0] && !a->vendor[0] && !a->product[0] ? a->name : "");
}

void
output_assets(FILE *f, enum out_format fmt, const struct st_asset *as,
    size_t na)
{
	size_t i;
	char b1[40], b2[40], id[256], lvl[8], vl[8], pk[24], by[24];

	switch (fmt) {
	case OUT_JSON:
		fputs("[", f);
		for (i = 0; i < na; i++) {
			fputs(i ? ",\n" : "\n", f);
			asset_json(f, &as[i]);
		}
		fputs(na ? "\n]\n" : "]\n", f);
		break;
	case OUT_CSV:
		fputs("ip,vlan,mac,mac_vendor,kind,purdue_level,protocols,"
		      "roles,vendor,product,model,firmware,hardware,serial,"
		      "name,identity_source,first_seen,last_seen,packets,bytes\n",
		    f);
		for (i = 0; i < na; i++) {
			const struct st_asset *a = &as[i];

			snprintf(vl, sizeof(vl), "%u", a->vlan);
			snprintf(lvl, sizeof(lvl), "%d", a->purdue_level);
			fmt_time(a->first_us, b1, sizeof(b1));
			fmt_time(a->last_us, b2, sizeof(b2));
			snprintf(pk, sizeof(pk), "%" PRIu64, a->packets);
			snprintf(by, sizeof(by), "%" PRIu64, a->bytes);
			csv_field(f, a->ip, 0);
			csv_field(f, a->vlan ? vl : "", 0);
			csv_field(f, a->mac, 0);
			csv_field(f, a->mac_vendor, 0);
			csv_field(f, a->kind, 0);
			csv_field(f, a->purdue_level >= 0 ? lvl : "", 0);
			csv_field(f, a->protocols, 0);
			csv_field(f, a->roles, 0);
			csv_field(f, a->vendor, 0);
			csv_field(f, a->product, 0);
			csv_field(f, a->model, 0);
			csv_field(f, a->firmware, 0);
			csv_field(f, a->hardware, 0);
			csv_field(f, a->serial, 0);
			csv_field(f, a->name, 0);
			csv_field(f, a->ident_source, 0);
			csv_field(f, b1, 0);
			csv_field(f, b2, 0);
			csv_field(f, pk, 0);
			csv_field(f, by, 1);
		}
		break;
	default:
		fprintf(f, "%-39s %4s %-17s %-22s %-2s %-28s %s\n", "IP", "VLAN",
		    "MAC", "KIND", "L", "PROTOCOLS", "IDENTITY");
		for (i = 0; i < na; i++) {
			const struct st_asset *a = &as[i];

			ident_summary(a, id, sizeof(id));
			snprintf(vl, sizeof(vl), "%u", a->vlan);
			snprintf(lvl, sizeof(lvl), "%d", a->purdue_level);
			fprintf(f, "%-39s %4s %-17s %-22s %-2s %-28s %s\n",
			    a->ip, a->vlan ? vl : "-", a->mac[0] ? a->mac : "-",
			    a->kind, a->purdue_level >= 0 ? lvl : "-",
			    a->protocols[0] ? a->protocols : "-",
			    id[0] ? id : "-");
		}
		fprintf(f, "%zu assets\n", na);
	}
}

static void
flow_json(FILE *f, const struct st_flow *fl)
{
	size_t j;
	static const char *const sec[] = {NULL, "none", "sign",
	    "sign-and-encrypt"};

	fputs("{\"client\":", f);
	json_str(f, fl->client);
	fputs(",\"server\":", f);
	json_str(f, fl->server);
	fputs(",\"vlan\":", f);
	if (fl->vlan)
		fprintf(f, "%u", fl->vlan);
	else
		fputs("null", f);
	if (fl->client_vlan != fl->vlan)
		fprintf(f, ",\"client_vlan\":%u", fl->client_vlan);
	fputs(",\"transport\":", f);
	json_str(f, fl->transport);
	fprintf(f, ",\"server_port\":%u,\"protocol\":", fl->server_port);
	json_str(f, fl->protocol);
	fprintf(f,
	    ",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
	    ",\"connections\":%" PRIu64 ",\"first_seen\":",
	    fl->packets, fl->bytes, fl->connections);
	json_time(f, fl->first_us);
	fputs(",\"last_seen\":", f);
	json_time(f, fl->last_us);
	fputs(",\"security\":", f);
	json_str_or_null(f, fl->sec_mode >= 1 && fl->sec_mode <= 3
				 ? sec[fl->sec_mode]
				 : NULL);
	if (fl->sec_policy[0]) {
		fputs(",\"security_policy\":", f);
		json_str(f, fl->sec_policy);
	}
	fprintf(f, ",\"authenticated\":%s,\"encrypted\":%s",
	    fl->authenticated ? "true" : "false",
	    fl->encrypted ? "true" : "false");
	fputs(",\"evidence\":{\"source\":", f);
	json_str_or_null(f, fl->source);
	fprintf(f, ",\"frame\":%" PRIu64 "},\"operations\":[", fl->frame);
	for (j = 0; j < fl->n_ops; j++) {
		const struct st_op *o = &fl->ops[j];

		fputs(j ? ",{\"protocol\":" : "{\"protocol\":", f);
		json_str(f, o->protocol);
		fputs(",\"class\":", f);
		json_str(f, o->cls);
		fprintf(f, ",\"code\":%u,\"name\":", o->code);
		json_str(f, o->name);
		fprintf(f,
		    ",\"count\":%" PRIu64 ",\"errors\":%" PRIu64
		    ",\"first_frame\":%" PRIu64 "}",
		    o->count, o->errors, o->frame);
	}
	fputs("]}", f);
}

void
output_flows(FILE *f, enum out_format fmt, const struct st_flow *fs,
    size_t nf)
{
	size_t i, j;
	char b1[40], b2[40], ops[512], port[8], vl[8], pk[24], by[24];

	switch (fmt) {
	case OUT_JSON:
		fputs("[", f);
		for (i = 0; i < nf; i++) {
			fputs(i ? ",\n" : "\n", f);
			flow_json(f, &fs[i]);
		}
		fputs(nf ? "\n]\n" : "]\n", f);
		break;
	case OUT_CSV:
		fputs("client,server,vlan,transport,server_port,protocol,"
		      "packets,bytes,first_seen,last_seen,operations\n",
		    f);
		for (i = 0; i < nf; i++) {
			const struct st_flow *fl = &fs[i];
			size_t o = 0;

			ops[0] = '\0';
			for (j = 0; j < fl->n_ops && o < sizeof(ops); j++)
				o += (size_t)snprintf(ops + o, sizeof(ops) - o,
				    "%s%s:%s:%u:%" PRIu64, j ? ";" : "",
				    fl->ops[j].protocol, fl->ops[j].cls,
				    fl->ops[j].code, fl->ops[j].count);
			snprintf(vl, sizeof(vl), "%u", fl->vlan);
			snprintf(port, sizeof(port), "%u", fl->server_port);
			snprintf(pk, sizeof(pk), "%" PRIu64, fl->packets);
			snprintf(by, sizeof(by), "%" PRIu64, fl->bytes);
			fmt_time(fl->first_us, b1, sizeof(b1));
			fmt_time(fl->last_us, b2, sizeof(b2));
			csv_field(f, fl->client, 0);
			csv_field(f, fl->server, 0);
			csv_field(f, fl->vlan ? vl : "", 0);
			csv_field(f, fl->transport, 0);
			csv_field(f, port, 0);
			csv_field(f, fl->protocol, 0);
			csv_field(f, pk, 0);
			csv_field(f, by, 0);
			csv_field(f, b1, 0);
			csv_field(f, b2, 0);
			csv_field(f, ops, 1);
		}
		break;
	default:
		fprintf(f, "%-39s %-39s %-5s %5s %-12s %8s  %s\n", "CLIENT",
		    "SERVER", "PROTO", "PORT", "APP", "PACKETS", "OPERATIONS");
		for (i = 0; i < nf; i++) {
			const struct st_flow *fl = &fs[i];
			size_t o = 0;

			ops[0] = '\0';
			for (j = 0; j < fl->n_ops && o < sizeof(ops); j++)
				o += (size_t)snprintf(ops + o, sizeof(ops) - o,
				    "%s%s %s x%" PRIu64, j ? ", " : "",
				    fl->ops[j].cls, fl->ops[j].name,
				    fl->ops[j].count);
			fprintf(f, "%-39s %-39s %-5s %5u %-12s %8" PRIu64
				   "  %s\n",
			    fl->client, fl->server, fl->transport,
			    fl->server_port, fl->protocol, fl->packets,
			    ops[0] ? ops : "-");
		}
		fprintf(f, "%zu flows\n", nf);
	}
}

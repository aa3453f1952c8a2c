/* SPDX-License-Identifier: BSD-2-Clause */
/* oui.c: see oui.h.  One pass over each registry file per lookup batch. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oui.h"

/* MAC as 12 upper-case hex digits; 0 ok. */
static int
mac_hex(const char *mac, char out[13])
{
	size_t o = 0;

	for (; *mac != '\0' && o < 12; mac++) {
		if (isxdigit((unsigned char)*mac))
			out[o++] = (char)toupper((unsigned char)*mac);
	}
	out[o] = '\0';
	return o == 12 ? 0 : -1;
}

/* Parse "Registry,Assignment,Organization Name,..." */
static int
parse_line(char *line, char **assign, char **org)
{
	char *p = strchr(line, ','), *q;

	if (p == NULL)
		return -1;
	*assign = p + 1;
	p = strchr(*assign, ',');
	if (p == NULL)
		return -1;
	*p++ = '\0';
	if (*p == '"') {
		q = strchr(++p, '"');
	} else {
		q = strchr(p, ',');
	}
	if (q != NULL)
		*q = '\0';
	*org = p;
	return 0;
}

struct mkey {
	char hex[13];
	size_t i;
};

static int
mkey_cmp(const void *a, const void *b)
{
	return strcmp(((const struct mkey *)a)->hex,
	    ((const struct mkey *)b)->hex);
}

/* First key whose hex starts at or after prefix (of d digits). */
static size_t
lower_bound(const struct mkey *k, size_t n, const char *prefix, size_t d)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strncmp(k[mid].hex, prefix, d) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
oui_lookup(const char *dir, const char *const *macs, char (*vendors)[96],
    size_t n)
{
	static const struct {
		const char *file;
		size_t digits;
	} reg[] = {{"oui36.csv", 9}, {"mam.csv", 7}, {"oui.csv", 6}};
	struct mkey *k;
	size_t i, r, nk = 0;
	int any = 0;

	for (i = 0; i < n; i++)
		vendors[i][0] = '\0';
	if (n == 0)
		return 0;
	k = calloc(n, sizeof(*k));
	if (k == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (macs[i] != NULL && mac_hex(macs[i], k[nk].hex) == 0)
			k[nk++].i = i;
	qsort(k, nk, sizeof(*k), mkey_cmp);
	for (r = 0; r < sizeof(reg) / sizeof(reg[0]) && nk > 0; r++) {
		char path[1024], line[1024], *assign, *org;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, reg[r].file);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		any = 1;
		while (fgets(line, sizeof(line), f) != NULL) {
			size_t j;

			if (parse_line(line, &assign, &org) != 0 ||
			    strlen(assign) != reg[r].digits)
				continue;
			for (j = lower_bound(k, nk, assign, reg[r].digits);
			     j < nk && strncmp(k[j].hex, assign,
					   reg[r].digits) == 0;
			     j++) {
				if (vendors[k[j].i][0] == '\0')
					snprintf(vendors[k[j].i], 96, "%s",
					    org);
			}
		}
		fclose(f);
	}
	free(k);
	return any ? 0 : -1;
}

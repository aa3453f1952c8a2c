/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * policy.c: the zone/conduit policy file, parsed with libyaml's document
 * API (its marks give the line and column of every key and value).
 *
 *   zones:                       1..POLICY_MAX_ZONES
 *     - name: cell-a             unique, printable
 *       sl_t: 3                  1..4
 *       networks: [10.10.1.0/24, fd00:10:1::/64]
 *       assets: [10.9.0.7]       single hosts; win over any network
 *       precedence: 10           optional: resolves overlapping zones
 *       purdue_level: 1          optional, informational
 *       description: text        optional
 *   conduits:
 *     - name: scada-to-cell-a    optional, unique when given
 *       from: supervisory        the zone that opens the connections
 *       to: cell-a
 *       allow:
 *         - {protocol: modbus, access: read}
 *         - {protocol: modbus, access: write, from_assets: [10.4.0.20]}
 *         - {protocol: opcua, access: read, security: sign}
 *   default: deny                optional; the only default there is
 *   version: 1                   optional
 *
 * Every mistake is collected with its position and the policy is thrown
 * away if there is one.  Bounded: the file size, the number of zones,
 * conduits, rules, networks and assets (check.h), the errors kept.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ndpi_api.h>
#include <yaml.h>

#include "policy.h"

struct perr {
	uint32_t line, col;
	size_t seq;
	char msg[400];
};

struct pctx {
	const char *name;
	const char *buf;
	size_t len;
	yaml_document_t *doc;
	struct perr err[POLICY_MAX_ERRORS];
	size_t n_err, more, seq;
	struct policy *p;
	struct pol_mark *zone_name_mark; /* per zone: where its name is */
};

static void __attribute__((format(printf, 4, 5)))
perr_at(struct pctx *c, uint32_t line, uint32_t col, const char *fmt, ...)
{
	struct perr *e;
	va_list ap;

	if (c->n_err == POLICY_MAX_ERRORS) {
		c->more++;
		return;
	}
	e = &c->err[c->n_err++];
	e->line = line;
	e->col = col;
	e->seq = c->seq++;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

static struct pol_mark
mark_of(const yaml_node_t *n)
{
	struct pol_mark m;

	m.line = (uint32_t)n->start_mark.line + 1;
	m.col = (uint32_t)n->start_mark.column + 1;
	return m;
}

#define PERR(c, node, ...)                                                  \
	perr_at((c), (uint32_t)(node)->start_mark.line + 1,                 \
	    (uint32_t)(node)->start_mark.column + 1, __VA_ARGS__)

static int
perr_cmp(const void *a, const void *b)
{
	const struct perr *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* All errors, sorted by position, one per line, into errbuf. */
static void
perr_format(struct pctx *c, char *errbuf, size_t errlen)
{
	size_t i, o = 0;

	if (errlen == 0)
		return;
	errbuf[0] = '\0';
	qsort(c->err, c->n_err, sizeof(c->err[0]), perr_cmp);
	for (i = 0; i < c->n_err && o < errlen; i++) {
		int w;

		if (c->err[i].line == 0)
			w = snprintf(errbuf + o, errlen - o, "%s%s: %s",
			    i ? "\n" : "", c->name, c->err[i].msg);
		else
			w = snprintf(errbuf + o, errlen - o, "%s%s:%u:%u: %s",
			    i ? "\n" : "", c->name, c->err[i].line,
			    c->err[i].col, c->err[i].msg);
		if (w < 0)
			break;
		o += (size_t)w;
	}
	if (c->more > 0 && o < errlen)
		snprintf(errbuf + o, errlen - o,
		    "\n%s: ... and %zu more errors", c->name, c->more);
}

/* ---- node helpers -------------------------------------------------------- */

static yaml_node_t *
node(struct pctx *c, int idx)
{
	return yaml_document_get_node(c->doc, idx);
}

static const char *
node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return "a scalar";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

static int
is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	v = (const char *)n->data.scalar.value;
	return n->data.scalar.length == 0 || strcmp(v, "~") == 0 ||
	    strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
	    strcmp(v, "NULL") == 0;
}

/*
 * The text of a scalar, or NULL (with an error) when n is not a scalar,
 * is empty or holds a NUL byte.  what: for the message.
 */
static const char *
scalar(struct pctx *c, const yaml_node_t *n, const char *what)
{
	if (n->type != YAML_SCALAR_NODE) {
		PERR(c, n, "%s must be a single value, not %s", what,
		    node_kind(n));
		return NULL;
	}
	if (is_null(n)) {
		PERR(c, n, "%s is empty", what);
		return NULL;
	}
	if (memchr(n->data.scalar.value, '\0', n->data.scalar.length) !=
	    NULL) {
		PERR(c, n, "%s contains a NUL character", what);
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

/* A plain decimal integer in [lo, hi]; -1 with an error otherwise. */
static int
integer(struct pctx *c, const yaml_node_t *n, const char *what, long lo,
    long hi, long *out)
{
	const char *s = scalar(c, n, what), *q;
	long v = 0;

	if (s == NULL)
		return -1;
	q = s;
	if (*q == '-' || *q == '+')
		q++;
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || *q == '\0' ||
	    strlen(q) > 9 || strspn(q, "0123456789") != strlen(q)) {
		PERR(c, n, "%s must be a whole number from %ld to %ld, not "
			   "'%.40s'", what, lo, hi, s);
		return -1;
	}
	v = strtol(q, NULL, 10);
	if (*s == '-')
		v = -v;
	if (v < lo || v > hi) {
		PERR(c, n, "%s must be from %ld to %ld, not %ld", what, lo, hi,
		    v);
		return -1;
	}
	*out = v;
	return 0;
}

/* A name: printable, not empty, shorter than POLICY_NAME_LEN. */
static int
name_value(struct pctx *c, const yaml_node_t *n, const char *what,
    char *out, size_t outlen)
{
	const char *s = scalar(c, n, what);
	size_t i, l;

	if (s == NULL)
		return -1;
	l = n->data.scalar.length;
	if (l >= outlen) {
		PERR(c, n, "%s is longer than %zu bytes", what, outlen - 1);
		return -1;
	}
	for (i = 0; i < l; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch == 0x7f) {
			PERR(c, n, "%s contains a control character", what);
			return -1;
		}
	}
	/* found by fuzz_policy: an empty block scalar ("name: |2") gave a
	 * zone without a name */
	for (i = 0; i < l && s[i] == ' '; i++)
		;
	if (i == l) {
		PERR(c, n, "%s is empty", what);
		return -1;
	}
	if (s[0] == ' ' || s[l - 1] == ' ') {
		PERR(c, n, "%s begins or ends with a space", what);
		return -1;
	}
	memcpy(out, s, l);
	out[l] = '\0';
	return 0;
}

/*
 * Check a mapping's keys against keys[] (NULL-terminated); vals[i] is the
 * value of keys[i] or NULL.  what: "a zone", "a conduit"...  Returns -1
 * when n is not a mapping.
 */
static int
map_keys(struct pctx *c, const yaml_node_t *n, const char *what,
    const char *const *keys, yaml_node_t **vals)
{
	const yaml_node_pair_t *pr;
	size_t nk = 0, i;
	char expected[256];
	size_t o = 0;

	for (nk = 0; keys[nk] != NULL; nk++)
		vals[nk] = NULL;
	if (n->type != YAML_MAPPING_NODE) {
		PERR(c, n, "%s must be a mapping (key: value), not %s", what,
		    node_kind(n));
		return -1;
	}
	expected[0] = '\0';
	for (i = 0; i < nk && o < sizeof(expected); i++)
		o += (size_t)snprintf(expected + o, sizeof(expected) - o,
		    "%s%s", i ? ", " : "", keys[i]);
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = node(c, pr->key), *v = node(c, pr->value);
		const char *ks;

		if (k == NULL || v == NULL)
			continue;
		if (k->type != YAML_SCALAR_NODE || is_null(k) ||
		    memchr(k->data.scalar.value, '\0',
			k->data.scalar.length) != NULL) {
			PERR(c, k, "a key in %s must be a name, not %s", what,
			    node_kind(k));
			continue;
		}
		ks = (const char *)k->data.scalar.value;
		for (i = 0; i < nk; i++)
			if (strcmp(ks, keys[i]) == 0)
				break;
		if (i == nk) {
			PERR(c, k, "unknown key '%.60s' in %s (expected %s)",
			    ks, what, expected);
			continue;
		}
		if (vals[i] != NULL) {
			PERR(c, k, "duplicate key '%s' in %s (first at line "
				   "%zu)", ks, what,
			    vals[i]->start_mark.line + 1);
			continue;
		}
		vals[i] = v;
	}
	return 0;
}

/* Items of a list (a null value is an empty list); -1 when not a list. */
static int
seq_items(struct pctx *c, const yaml_node_t *n, const char *what,
    const yaml_node_item_t **start, const yaml_node_item_t **top)
{
	*start = *top = NULL;
	if (is_null(n))
		return 0;
	if (n->type != YAML_SEQUENCE_NODE) {
		PERR(c, n, "%s must be a list, not %s", what, node_kind(n));
		return -1;
	}
	*start = n->data.sequence.items.start;
	*top = n->data.sequence.items.top;
	return 0;
}

/* ---- addresses ----------------------------------------------------------- */

int
policy_parse_prefix(const char *s, int single, struct pol_prefix *out,
    char *why, size_t whylen)
{
	char a[64];
	const char *slash = strchr(s, '/');
	size_t al = slash ? (size_t)(slash - s) : strlen(s);
	int kind, len, max;
	struct pol_prefix p;
	uint8_t ip[16];

	memset(&p, 0, sizeof(p));
	if (al == 0 || al >= sizeof(a)) {
		snprintf(why, whylen, "'%.60s' is not an IPv4 or IPv6 address",
		    s);
		return -1;
	}
	memcpy(a, s, al);
	a[al] = '\0';
	kind = check_parse_ip(a, ip);
	if (kind == 0) {
		snprintf(why, whylen, "'%.60s' is not an IPv4 or IPv6 address",
		    a);
		return -1;
	}
	max = kind == 1 ? 32 : 128;
	len = max;
	if (slash != NULL) {
		const char *q = slash + 1;

		if (*q == '\0' || strlen(q) > 3 ||
		    strspn(q, "0123456789") != strlen(q)) {
			snprintf(why, whylen,
			    "'%.60s': the prefix length after '/' must be a "
			    "number", s);
			return -1;
		}
		len = atoi(q);
		if (len > max) {
			snprintf(why, whylen, "'%.60s': an %s prefix length is "
					      "at most %d", s,
			    kind == 1 ? "IPv4" : "IPv6", max);
			return -1;
		}
	}
	if (single && len != max) {
		snprintf(why, whylen, "'%.60s' is a network, not a single "
				      "address (list networks under "
				      "'networks')", s);
		return -1;
	}
	p.is_v4 = kind == 1;
	p.len = (uint8_t)(kind == 1 ? 96 + len : len);
	memcpy(p.addr, ip, 16);
	{
		/* host bits must be zero, as in ipaddress.ip_network() */
		struct pol_prefix probe = p;
		unsigned i;

		for (i = 0; i < 16; i++) {
			unsigned keep = p.len >= (i + 1) * 8 ? 8
			    : p.len > i * 8 ? p.len - i * 8 : 0;

			probe.addr[i] = (uint8_t)(ip[i] &
			    (keep ? (0xff00u >> keep) & 0xff : 0));
		}
		if (memcmp(probe.addr, ip, 16) != 0) {
			char net[64];
			uint8_t *b = probe.addr;

			if (kind == 1)
				snprintf(net, sizeof(net), "%u.%u.%u.%u/%d",
				    b[12], b[13], b[14], b[15], len);
			else {
				char t[48];

				if (inet_ntop(AF_INET6, b, t, sizeof(t)) ==
				    NULL)
					snprintf(t, sizeof(t), "?");
				snprintf(net, sizeof(net), "%s/%d", t, len);
			}
			snprintf(why, whylen, "'%.60s' has host bits set (the "
					      "network is %s)", s, net);
			return -1;
		}
	}
	*out = p;
	return 0;
}

static int
prefix_value(struct pctx *c, const yaml_node_t *n, int single,
    const char *what, struct pol_prefix *out)
{
	const char *s;
	char why[200];

	if (n->type != YAML_SCALAR_NODE) {
		PERR(c, n, "%s: an entry must be an address or a network, not "
			   "%s", what, node_kind(n));
		return -1;
	}
	if ((s = scalar(c, n, what)) == NULL)
		return -1;
	if (policy_parse_prefix(s, single, out, why, sizeof(why)) != 0) {
		PERR(c, n, "%s: %s", what, why);
		return -1;
	}
	out->mark = mark_of(n);
	return 0;
}

/* A list of prefixes into a malloc'd array (at most cap). */
static int
prefix_list(struct pctx *c, const yaml_node_t *n, int single, size_t cap,
    const char *what, const char *capname, struct pol_prefix **out,
    size_t *nout)
{
	const yaml_node_item_t *it, *start, *top;
	size_t cnt;

	*out = NULL;
	*nout = 0;
	if (seq_items(c, n, what, &start, &top) != 0 || start == top)
		return 0;
	cnt = (size_t)(top - start);
	if (cnt > cap) {
		yaml_node_t *extra = node(c, start[cap]);

		PERR(c, extra != NULL ? extra : n,
		    "more than %zu entries in %s (%s)", cap, what, capname);
		cnt = cap;
	}
	*out = calloc(cnt, sizeof(**out));
	if (*out == NULL)
		return -1;
	for (it = start; it < start + cnt; it++) {
		yaml_node_t *v = node(c, *it);

		if (v == NULL)
			continue;
		if (prefix_value(c, v, single, what, &(*out)[*nout]) == 0)
			(*nout)++;
	}
	return 0;
}

/* ---- protocols ----------------------------------------------------------- */

/*
 * nDPI's protocol names, lower case, read once per process: starting an
 * nDPI module costs milliseconds and megabytes, too much for every parse
 * (the daemon parses again on each SIGHUP; the fuzzer, millions of times).
 * Kept until exit.  NULL after a failed start: every name is accepted.
 */
static char **ndpi_names;
static size_t n_ndpi_names;

static void
load_ndpi_names(void)
{
	static int tried;
	struct ndpi_detection_module_struct *m;
	u_int i, n;

	if (tried)
		return;
	tried = 1;
	m = ndpi_init_detection_module(ndpi_no_prefs);
	if (m == NULL)
		return;
	n = ndpi_get_num_supported_protocols(m);
	ndpi_names = calloc(n ? n : 1, sizeof(char *));
	for (i = 0; ndpi_names != NULL && i < n; i++) {
		const char *pn = ndpi_get_proto_name(m, (u_int16_t)i);
		char *d;
		size_t k;

		if (pn == NULL || (d = strdup(pn)) == NULL)
			continue;
		for (k = 0; d[k] != '\0'; k++)
			d[k] = (char)tolower((unsigned char)d[k]);
		ndpi_names[n_ndpi_names++] = d;
	}
	ndpi_exit_detection_module(m);
}

static int
known_protocol(const char *s)
{
	static const char *const ot[] = {"modbus", "dnp3", "s7comm",
	    "s7comm-plus", "enip", "opcua", "smb", "unknown", NULL};
	size_t i;

	for (i = 0; ot[i] != NULL; i++)
		if (strcmp(s, ot[i]) == 0)
			return 1;
	load_ndpi_names();
	if (ndpi_names == NULL)
		return 1; /* cannot tell: accept */
	for (i = 0; i < n_ndpi_names; i++)
		if (strcmp(s, ndpi_names[i]) == 0)
			return 1;
	return 0;
}

static int
protocol_value(struct pctx *c, const yaml_node_t *n, char *out, size_t len)
{
	const char *s = scalar(c, n, "protocol");
	size_t i;

	if (s == NULL)
		return -1;
	if (n->data.scalar.length >= len) {
		PERR(c, n, "protocol '%.40s...' is too long", s);
		return -1;
	}
	for (i = 0; s[i] != '\0'; i++)
		if (isupper((unsigned char)s[i])) {
			PERR(c, n, "protocol names are lower case ('%.40s')",
			    s);
			return -1;
		}
	if (strcmp(s, "cip") == 0) {
		PERR(c, n, "protocol 'cip': write 'enip' (an enip rule covers "
			   "the CIP it carries)");
		return -1;
	}
	if (!known_protocol(s)) {
		PERR(c, n, "unknown protocol '%.40s' (modbus, dnp3, s7comm, "
			   "s7comm-plus, enip, opcua, or an nDPI protocol name "
			   "in lower case: http, tls, rdp, ssh, smb...)", s);
		return -1;
	}
	snprintf(out, len, "%s", s);
	return 0;
}

static const char *const access_names[] = {"session", "read", "write",
    "control", "program"};

const char *
policy_access_name(int a)
{
	return a >= POL_ACC_SESSION && a <= POL_ACC_PROGRAM ? access_names[a]
							     : "?";
}

const char *
policy_security_name(int s)
{
	switch (s) {
	case POL_SEC_NONE:
		return "none";
	case POL_SEC_SIGN:
		return "sign";
	case POL_SEC_SIGN_ENCRYPT:
		return "sign-and-encrypt";
	}
	return "";
}

/* ---- zones --------------------------------------------------------------- */

static const char *const zone_keys[] = {"name", "sl_t", "networks",
    "assets", "precedence", "purdue_level", "description", NULL};
enum { ZK_NAME, ZK_SLT, ZK_NETS, ZK_ASSETS, ZK_PREC, ZK_PURDUE, ZK_DESC };

static int
parse_zone(struct pctx *c, const yaml_node_t *n, struct pol_zone *z)
{
	yaml_node_t *v[8];
	long x;
	char what[POLICY_NAME_LEN + 32];

	memset(z, 0, sizeof(*z));
	z->purdue_level = -1;
	z->mark = mark_of(n);
	if (map_keys(c, n, "a zone", zone_keys, v) != 0)
		return 0;
	if (v[ZK_NAME] == NULL)
		PERR(c, n, "a zone needs a 'name'");
	else
		name_value(c, v[ZK_NAME], "zone name", z->name,
		    sizeof(z->name));
	snprintf(what, sizeof(what), "zone '%s'", z->name[0] ? z->name : "?");
	if (v[ZK_SLT] == NULL)
		PERR(c, n, "%s needs 'sl_t' (its target security level, 1 to "
			   "4)", what);
	else if (integer(c, v[ZK_SLT], "sl_t", 1, 4, &x) == 0)
		z->sl_t = (int)x;
	if (v[ZK_PREC] != NULL &&
	    integer(c, v[ZK_PREC], "precedence", -1000000, 1000000, &x) == 0)
		z->precedence = (int)x;
	if (v[ZK_PURDUE] != NULL && !is_null(v[ZK_PURDUE]) &&
	    integer(c, v[ZK_PURDUE], "purdue_level", 0, 5, &x) == 0)
		z->purdue_level = (int)x;
	if (v[ZK_DESC] != NULL && v[ZK_DESC]->type != YAML_SCALAR_NODE)
		PERR(c, v[ZK_DESC], "description must be text, not %s",
		    node_kind(v[ZK_DESC]));
	if (v[ZK_NETS] != NULL &&
	    prefix_list(c, v[ZK_NETS], 0, POLICY_MAX_NETWORKS, "networks",
		"POLICY_MAX_NETWORKS", &z->nets, &z->n_nets) != 0)
		return -1;
	if (v[ZK_ASSETS] != NULL &&
	    prefix_list(c, v[ZK_ASSETS], 1, POLICY_MAX_ASSETS, "assets",
		"POLICY_MAX_ASSETS", &z->assets, &z->n_assets) != 0)
		return -1;
	return 0;
}

/*
 * Overlapping zones.  Two networks of different zones, or one address
 * listed in two zones, overlap; that is a mistake unless the two zones
 * have different precedences.  A single asset inside another zone's
 * network is not an overlap: the asset entry is the more specific one and
 * wins (that is how a host is carved out of a subnet).
 */
struct oent {
	const struct pol_prefix *p;
	int zone;
};

static int
oent_cmp(const void *a, const void *b)
{
	const struct oent *x = a, *y = b;
	int c = memcmp(x->p->addr, y->p->addr, 16);

	if (c != 0)
		return c;
	if (x->p->len != y->p->len)
		return x->p->len < y->p->len ? -1 : 1;
	return x->zone - y->zone;
}

static void
prefix_text(const struct pol_prefix *p, char *buf, size_t len)
{
	char t[48];

	if (p->is_v4) {
		snprintf(buf, len, "%u.%u.%u.%u/%u", p->addr[12], p->addr[13],
		    p->addr[14], p->addr[15], p->len - 96u);
		return;
	}
	if (inet_ntop(AF_INET6, p->addr, t, sizeof(t)) == NULL)
		snprintf(t, sizeof(t), "?");
	snprintf(buf, len, "%s/%u", t, p->len);
}

static int
mark_after(const struct pol_mark *a, const struct pol_mark *b)
{
	return a->line != b->line ? a->line > b->line : a->col > b->col;
}

static void
overlap_error(struct pctx *c, const struct oent *x, const struct oent *y,
    int assets)
{
	const struct oent *late = x, *early = y;
	char a[64], b[64];

	if (mark_after(&early->p->mark, &late->p->mark)) {
		late = y;
		early = x;
	}
	prefix_text(late->p, a, sizeof(a));
	prefix_text(early->p, b, sizeof(b));
	if (assets)
		perr_at(c, late->p->mark.line, late->p->mark.col,
		    "asset %s is listed in zone '%s' and in zone '%s' (line "
		    "%u): give the zones different 'precedence' values",
		    strtok(a, "/"),
		    c->p->zones[late->zone].name,
		    c->p->zones[early->zone].name, early->p->mark.line);
	else
		perr_at(c, late->p->mark.line, late->p->mark.col,
		    "network %s of zone '%s' overlaps %s of zone '%s' (line "
		    "%u) and neither has a higher 'precedence'", a,
		    c->p->zones[late->zone].name, b,
		    c->p->zones[early->zone].name, early->p->mark.line);
}

static int
contains(const struct pol_prefix *outer, const struct pol_prefix *inner)
{
	return outer->len <= inner->len &&
	    check_prefix_match(outer, inner->addr);
}

static int
check_overlaps(struct pctx *c, int assets)
{
	const struct policy *p = c->p;
	struct oent *v, *stack[130];
	size_t n = 0, i, z, k, depth = 0;

	for (z = 0; z < p->n_zones; z++)
		n += assets ? p->zones[z].n_assets : p->zones[z].n_nets;
	if (n < 2)
		return 0;
	v = calloc(n, sizeof(*v));
	if (v == NULL)
		return -1;
	n = 0;
	for (z = 0; z < p->n_zones; z++) {
		const struct pol_zone *pz = &p->zones[z];
		size_t cnt = assets ? pz->n_assets : pz->n_nets;

		for (k = 0; k < cnt; k++) {
			v[n].p = assets ? &pz->assets[k] : &pz->nets[k];
			v[n].zone = (int)z;
			n++;
		}
	}
	qsort(v, n, sizeof(*v), oent_cmp);
	/* Sorted by (address, length), every prefix comes after those that
	 * contain it: a stack holds the chain of enclosing prefixes. */
	for (i = 0; i < n; i++) {
		while (depth > 0 && !contains(stack[depth - 1]->p, v[i].p))
			depth--;
		for (k = depth; k > 0; k--) {
			const struct oent *o = stack[k - 1];

			if (o->zone != v[i].zone &&
			    p->zones[o->zone].precedence ==
				p->zones[v[i].zone].precedence) {
				overlap_error(c, &v[i], o, assets);
				break;
			}
		}
		if (depth < sizeof(stack) / sizeof(stack[0]))
			stack[depth++] = &v[i];
	}
	free(v);
	return 0;
}

static int
find_zone(const struct policy *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n_zones; i++)
		if (strcmp(p->zones[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* ---- conduits ------------------------------------------------------------ */

static const char *const conduit_keys[] = {"name", "from", "to", "allow",
    "description", NULL};
enum { CK_NAME, CK_FROM, CK_TO, CK_ALLOW, CK_DESC };

static const char *const rule_keys[] = {"protocol", "access", "from_assets",
    "security", "description", NULL};
enum { RK_PROTO, RK_ACCESS, RK_FROM, RK_SEC, RK_DESC };

static int
parse_rule(struct pctx *c, const yaml_node_t *n, struct pol_rule *r)
{
	yaml_node_t *v[6];
	const char *s;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->mark = mark_of(n);
	r->access = -1;
	if (map_keys(c, n, "an allow rule", rule_keys, v) != 0)
		return 0;
	if (v[RK_PROTO] == NULL)
		PERR(c, n, "an allow rule needs a 'protocol'");
	else
		protocol_value(c, v[RK_PROTO], r->protocol,
		    sizeof(r->protocol));
	if (v[RK_ACCESS] == NULL)
		PERR(c, n, "an allow rule needs 'access' (read, write, control "
			   "or program)");
	else if ((s = scalar(c, v[RK_ACCESS], "access")) != NULL) {
		for (i = 0; i <= POL_ACC_PROGRAM; i++)
			if (strcmp(s, access_names[i]) == 0)
				r->access = (int)i;
		if (strcmp(s, "discover") == 0)
			r->access = POL_ACC_SESSION;
		if (r->access < 0)
			PERR(c, v[RK_ACCESS], "access must be read, write, "
					      "control or program (or "
					      "discover/session), not "
					      "'%.40s'", s);
	}
	if (v[RK_SEC] != NULL && (s = scalar(c, v[RK_SEC], "security")) !=
					 NULL) {
		if (strcmp(s, "none") == 0)
			r->security = POL_SEC_NONE;
		else if (strcmp(s, "sign") == 0)
			r->security = POL_SEC_SIGN;
		else if (strcmp(s, "sign-and-encrypt") == 0)
			r->security = POL_SEC_SIGN_ENCRYPT;
		else
			PERR(c, v[RK_SEC], "security must be none, sign or "
					   "sign-and-encrypt, not '%.40s'", s);
		if (r->protocol[0] != '\0' && strcmp(r->protocol, "opcua") != 0)
			PERR(c, v[RK_SEC], "security applies to opcua rules "
					   "only, not to %s", r->protocol);
	}
	if (v[RK_DESC] != NULL && v[RK_DESC]->type != YAML_SCALAR_NODE)
		PERR(c, v[RK_DESC], "description must be text, not %s",
		    node_kind(v[RK_DESC]));
	if (v[RK_FROM] != NULL &&
	    prefix_list(c, v[RK_FROM], 0, POLICY_MAX_FROM_ASSETS, "from_assets",
		"POLICY_MAX_FROM_ASSETS", &r->from, &r->n_from) != 0)
		return -1;
	if (v[RK_FROM] != NULL && r->n_from == 0 && !is_null(v[RK_FROM]) &&
	    v[RK_FROM]->type == YAML_SEQUENCE_NODE &&
	    v[RK_FROM]->data.sequence.items.start ==
		v[RK_FROM]->data.sequence.items.top)
		PERR(c, v[RK_FROM], "from_assets is an empty list (leave it "
				    "out to allow any initiator)");
	return 0;
}

static int
zone_ref(struct pctx *c, const yaml_node_t *n, const char *what)
{
	char name[POLICY_NAME_LEN];
	int z;

	if (name_value(c, n, what, name, sizeof(name)) != 0)
		return -1;
	z = find_zone(c->p, name);
	if (z < 0)
		PERR(c, n, "%s: unknown zone '%.80s'", what, name);
	return z;
}

static int
parse_conduit(struct pctx *c, const yaml_node_t *n, struct pol_conduit *pc,
    int *named)
{
	yaml_node_t *v[6];
	const yaml_node_item_t *start, *top, *it;
	size_t cnt;

	memset(pc, 0, sizeof(*pc));
	pc->mark = mark_of(n);
	pc->from = pc->to = -1;
	if (map_keys(c, n, "a conduit", conduit_keys, v) != 0)
		return 0;
	if (v[CK_NAME] != NULL &&
	    name_value(c, v[CK_NAME], "conduit name", pc->name,
		sizeof(pc->name)) == 0)
		*named = 1;
	if (v[CK_FROM] == NULL)
		PERR(c, n, "a conduit needs 'from' (the zone that opens the "
			   "connections)");
	else
		pc->from = zone_ref(c, v[CK_FROM], "from");
	if (v[CK_TO] == NULL)
		PERR(c, n, "a conduit needs 'to' (the zone it leads into)");
	else
		pc->to = zone_ref(c, v[CK_TO], "to");
	if (pc->from >= 0 && pc->from == pc->to)
		PERR(c, v[CK_TO], "a conduit joins two different zones; "
				  "traffic inside zone '%s' needs none",
		    c->p->zones[pc->from].name);
	if (pc->name[0] == '\0' && pc->from >= 0 && pc->to >= 0)
		snprintf(pc->name, sizeof(pc->name), "%.120s -> %.120s",
		    c->p->zones[pc->from].name, c->p->zones[pc->to].name);
	if (v[CK_DESC] != NULL && v[CK_DESC]->type != YAML_SCALAR_NODE)
		PERR(c, v[CK_DESC], "description must be text, not %s",
		    node_kind(v[CK_DESC]));
	if (v[CK_ALLOW] == NULL) {
		PERR(c, n, "a conduit needs an 'allow' list (write 'allow: "
			   "[]' to allow nothing)");
		return 0;
	}
	if (seq_items(c, v[CK_ALLOW], "allow", &start, &top) != 0 ||
	    start == top)
		return 0;
	cnt = (size_t)(top - start);
	if (cnt > POLICY_MAX_RULES) {
		yaml_node_t *x = node(c, start[POLICY_MAX_RULES]);

		PERR(c, x != NULL ? x : v[CK_ALLOW],
		    "more than %d allow rules in a conduit "
		    "(POLICY_MAX_RULES)", POLICY_MAX_RULES);
		cnt = POLICY_MAX_RULES;
	}
	pc->rules = calloc(cnt, sizeof(*pc->rules));
	if (pc->rules == NULL)
		return -1;
	for (it = start; it < start + cnt; it++) {
		yaml_node_t *r = node(c, *it);

		if (r == NULL)
			continue;
		if (parse_rule(c, r, &pc->rules[pc->n_rules]) != 0) {
			pc->n_rules++;
			return -1;
		}
		pc->n_rules++;
	}
	return 0;
}

/* ---- the document -------------------------------------------------------- */

static const char *const top_keys[] = {"zones", "conduits", "default",
    "version", NULL};
enum { TK_ZONES, TK_CONDUITS, TK_DEFAULT, TK_VERSION };

static int
parse_root(struct pctx *c, const yaml_node_t *root)
{
	struct policy *p = c->p;
	yaml_node_t *v[5];
	const yaml_node_item_t *start, *top, *it;
	size_t cnt, i, j;
	const char *s;
	long x;

	if (map_keys(c, root, "the policy", top_keys, v) != 0)
		return 0;
	if (v[TK_VERSION] != NULL)
		integer(c, v[TK_VERSION], "version", 1, 1, &x);
	p->default_deny = 1;
	if (v[TK_DEFAULT] != NULL &&
	    (s = scalar(c, v[TK_DEFAULT], "default")) != NULL &&
	    strcmp(s, "deny") != 0)
		PERR(c, v[TK_DEFAULT], "default must be 'deny' (IEC 62443-3-3 "
				       "SR 5.2 RE1: deny by default, allow by "
				       "exception), not '%.40s'", s);
	if (v[TK_ZONES] == NULL) {
		PERR(c, root, "the policy declares no 'zones'");
		return 0;
	}
	if (seq_items(c, v[TK_ZONES], "zones", &start, &top) != 0)
		return 0;
	if (start == top) {
		PERR(c, v[TK_ZONES], "the policy declares no zones");
		return 0;
	}
	cnt = (size_t)(top - start);
	if (cnt > POLICY_MAX_ZONES) {
		yaml_node_t *xn = node(c, start[POLICY_MAX_ZONES]);

		PERR(c, xn != NULL ? xn : v[TK_ZONES],
		    "more than %d zones (POLICY_MAX_ZONES)", POLICY_MAX_ZONES);
		cnt = POLICY_MAX_ZONES;
	}
	p->zones = calloc(cnt, sizeof(*p->zones));
	if (p->zones == NULL)
		return -1;
	for (it = start; it < start + cnt; it++) {
		yaml_node_t *zn = node(c, *it);
		struct pol_zone *z = &p->zones[p->n_zones];

		if (zn == NULL)
			continue;
		if (parse_zone(c, zn, z) != 0) {
			p->n_zones++;
			return -1;
		}
		p->n_zones++;
		for (j = 0; z->name[0] != '\0' && j + 1 < p->n_zones; j++)
			if (strcmp(p->zones[j].name, z->name) == 0) {
				perr_at(c, z->mark.line, z->mark.col,
				    "duplicate zone name '%s' (first at line "
				    "%u)", z->name, p->zones[j].mark.line);
				break;
			}
	}
	if (check_overlaps(c, 0) != 0 || check_overlaps(c, 1) != 0)
		return -1;
	if (v[TK_CONDUITS] == NULL ||
	    seq_items(c, v[TK_CONDUITS], "conduits", &start, &top) != 0 ||
	    start == top)
		return 0;
	cnt = (size_t)(top - start);
	if (cnt > POLICY_MAX_CONDUITS) {
		yaml_node_t *xn = node(c, start[POLICY_MAX_CONDUITS]);

		PERR(c, xn != NULL ? xn : v[TK_CONDUITS],
		    "more than %d conduits (POLICY_MAX_CONDUITS)",
		    POLICY_MAX_CONDUITS);
		cnt = POLICY_MAX_CONDUITS;
	}
	p->conduits = calloc(cnt, sizeof(*p->conduits));
	if (p->conduits == NULL)
		return -1;
	for (it = start; it < start + cnt; it++) {
		yaml_node_t *cn = node(c, *it);
		struct pol_conduit *pc = &p->conduits[p->n_conduits];
		int named;

		if (cn == NULL)
			continue;
		named = 0;
		if (parse_conduit(c, cn, pc, &named) != 0) {
			p->n_conduits++;
			return -1;
		}
		p->n_conduits++;
		for (i = 0; named && i + 1 < p->n_conduits; i++)
			if (strcmp(p->conduits[i].name, pc->name) == 0) {
				perr_at(c, pc->mark.line, pc->mark.col,
				    "duplicate conduit name '%s' (first at "
				    "line %u)", pc->name,
				    p->conduits[i].mark.line);
				break;
			}
	}
	return 0;
}

/* Line and column (1-based) of a byte offset, for reader errors. */
static void
offset_pos(const char *buf, size_t len, size_t off, uint32_t *line,
    uint32_t *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static void
yaml_error(struct pctx *c, const yaml_parser_t *yp)
{
	uint32_t line, col;

	if (yp->error == YAML_MEMORY_ERROR) {
		perr_at(c, 0, 0, "out of memory");
		return;
	}
	if (yp->error == YAML_READER_ERROR) {
		offset_pos(c->buf, c->len, yp->problem_offset, &line, &col);
		perr_at(c, line, col, "not valid YAML text: %s",
		    yp->problem ? yp->problem : "unreadable");
		return;
	}
	perr_at(c, (uint32_t)yp->problem_mark.line + 1,
	    (uint32_t)yp->problem_mark.column + 1, "YAML syntax error: %s%s%s",
	    yp->problem ? yp->problem : "unknown error",
	    yp->context ? " " : "", yp->context ? yp->context : "");
}

int
policy_parse(const char *name, const char *buf, size_t len,
    struct policy *p, char *errbuf, size_t errlen)
{
	struct pctx *c;
	yaml_parser_t yp;
	yaml_document_t doc, doc2;
	yaml_node_t *root;
	int rc = -1, have_doc = 0;

	memset(p, 0, sizeof(*p));
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(errbuf, errlen, "%s: out of memory", name);
		return -1;
	}
	c->name = name;
	c->buf = buf;
	c->len = len;
	c->p = p;
	c->doc = &doc;
	if (!yaml_parser_initialize(&yp)) {
		snprintf(errbuf, errlen, "%s: out of memory", name);
		free(c);
		return -1;
	}
	yaml_parser_set_input_string(&yp, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&yp, &doc)) {
		yaml_error(c, &yp);
		goto out;
	}
	have_doc = 1;
	root = yaml_document_get_root_node(&doc);
	if (root == NULL) {
		perr_at(c, 1, 1, "the policy is empty");
		goto out;
	}
	if (!yaml_parser_load(&yp, &doc2)) {
		yaml_error(c, &yp);
		goto out;
	}
	if (yaml_document_get_root_node(&doc2) != NULL)
		PERR(c, yaml_document_get_root_node(&doc2),
		    "a policy is one YAML document, this is a second one");
	yaml_document_delete(&doc2);
	if (parse_root(c, root) != 0)
		perr_at(c, 0, 0, "out of memory");
	if (c->n_err == 0)
		rc = 0;
out:
	if (rc != 0) {
		perr_format(c, errbuf, errlen);
		policy_clear(p);
	}
	if (have_doc)
		yaml_document_delete(&doc);
	yaml_parser_delete(&yp);
	free(c);
	return rc;
}

int
policy_load(const char *path, struct policy *p, char *errbuf, size_t errlen)
{
	FILE *f;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int rc = -1;

	memset(p, 0, sizeof(*p));
	f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			char *nb;

			if (cap > POLICY_MAX_FILE_BYTES) {
				snprintf(errbuf, errlen,
				    "%s: larger than %u bytes "
				    "(POLICY_MAX_FILE_BYTES)", path,
				    POLICY_MAX_FILE_BYTES);
				goto out;
			}
			cap = cap ? cap * 2 : 16384;
			nb = realloc(buf, cap + 1);
			if (nb == NULL) {
				snprintf(errbuf, errlen, "%s: out of memory",
				    path);
				goto out;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (len > POLICY_MAX_FILE_BYTES) {
		snprintf(errbuf, errlen, "%s: larger than %u bytes "
					 "(POLICY_MAX_FILE_BYTES)",
		    path, POLICY_MAX_FILE_BYTES);
		goto out;
	}
	buf[len] = '\0';
	rc = policy_parse(path, buf, len, p, errbuf, errlen);
out:
	free(buf);
	fclose(f);
	return rc;
}

/* ---- running a policy against a database --------------------------------- */

int
policy_run_open(struct policy_run *r, const char *db, const char *path,
    int writable, char *errbuf, size_t errlen)
{
	char err[512];

	memset(r, 0, sizeof(*r));
	if (policy_load(path, &r->pol, errbuf, errlen) != 0)
		return -1;
	if (access(db, F_OK) != 0) {
		snprintf(errbuf, errlen, "%s: no such database (run 'otzone "
					 "read' first)", db);
		return -1;
	}
	r->st = store_open(db, !writable, err, sizeof(err));
	if (r->st == NULL) {
		snprintf(errbuf, errlen, "%s: %s", db, err);
		return -1;
	}
	if (store_load_assets(r->st, &r->as, &r->na, err, sizeof(err)) != 0 ||
	    store_load_flows(r->st, &r->fs, &r->nf, err, sizeof(err)) != 0) {
		snprintf(errbuf, errlen, "%s: %s", db, err);
		return -1;
	}
	if (output_prepare_assets(r->as, r->na, r->fs, r->nf) != 0 ||
	    check_run(&r->pol, r->as, r->na, r->fs, r->nf, &r->res, err,
		sizeof(err)) != 0) {
		snprintf(errbuf, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void
policy_run_close(struct policy_run *r)
{
	check_result_free(&r->res);
	free(r->as);
	store_free_flows(r->fs, r->nf);
	store_close(r->st);
	policy_clear(&r->pol);
	memset(r, 0, sizeof(*r));
}

void
policy_print_errors(const char *err)
{
	const char *p = err, *nl;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (nl == NULL) {
			fprintf(stderr, "otzone: %s\n", p);
			break;
		}
		fprintf(stderr, "otzone: %.*s\n", (int)(nl - p), p);
		p = nl + 1;
	}
}

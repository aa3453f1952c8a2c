/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cip.c: Common Industrial Protocol pieces that do not depend on the
 * transport: the request path (EPATH), what a service does (class and
 * name for the operation records) and the Identity object.  The
 * encapsulation, pairing and flow state live in enip.c.
 *
 * Reference: ODVA, The CIP Networks Library Vol. 1 (Common Industrial
 * Protocol), edition 3.x: appendix C.1.3-C.1.5 (segment types), appendix
 * A (common services), 3-5 (Connection Manager services), 5A-2 (Identity
 * object); Rockwell publication 1756-PM020 (Logix data access services);
 * Allen-Bradley publication 1770-6.5.16 (DF1/PCCC command set).
 *
 * A padded EPATH is a sequence of segments; the first byte says which:
 *
 *   7 6 5 | 4 3 2 | 1 0
 *   type  | format bits
 *   000   port:     [seg][link]            or [seg][size][link...][pad]
 *                   port 15: a 16-bit port id follows seg (or size)
 *   001   logical:  [seg][8-bit]           8-bit value
 *         TTT FF    [seg][pad][16-bit LE]  FF = 01
 *                   [seg][pad][32-bit LE]  FF = 10
 *                   TTT 0 class, 1 instance, 2 member, 3 connection
 *                   point, 4 attribute, 5 special (electronic key),
 *                   6 service id
 *   010   network:  0x40-0x4F [seg][byte]; 0x50-0x5F [seg][words][...]
 *   011   symbolic: [0x60|n][n chars][pad]
 *   100   data:     0x80 [seg][words][2*words bytes]
 *                   0x91 [seg][n][n chars][pad]  ANSI extended symbol
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cip.h"

/* Append a symbol name to p->symbol, '.'-separated, truncating. */
static void
path_add_symbol(struct cip_path *p, const uint8_t *s, size_t n)
{
	size_t o = strlen(p->symbol);

	if (o > 0 && o + 1 < sizeof(p->symbol))
		p->symbol[o++] = '.';
	if (o + 1 >= sizeof(p->symbol))
		return;
	obs_strcpy(p->symbol + o, sizeof(p->symbol) - o, s, n, NULL);
}

static void
path_set(struct cip_path *p, unsigned type, uint32_t v)
{
	switch (type) {
	case 0:
		if (!(p->has & CIP_HAS_CLASS))
			p->cls = v;
		p->has |= CIP_HAS_CLASS;
		break;
	case 1:
		if (!(p->has & CIP_HAS_INST))
			p->inst = v;
		p->has |= CIP_HAS_INST;
		break;
	case 2:
		if (!(p->has & CIP_HAS_MEMBER))
			p->member = v;
		p->has |= CIP_HAS_MEMBER;
		break;
	case 3:
		if (!(p->has & CIP_HAS_CONNPT))
			p->connpt = v;
		p->has |= CIP_HAS_CONNPT;
		break;
	case 4:
		if (!(p->has & CIP_HAS_ATTR))
			p->attr = v;
		p->has |= CIP_HAS_ATTR;
		break;
	default:
		break;
	}
}

/* Port segment; seg already read.  Returns 0 or -1. */
static int
seg_port(struct cur *c, uint8_t seg, struct cip_path *p)
{
	unsigned port = seg & 0x0f;
	size_t lsize = 1;
	uint8_t link = 0;

	if (seg & 0x10)
		lsize = cur_u8(c);
	if (port == 15)
		port = cur_le16(c);
	if (lsize == 1)
		link = cur_peek(c, 0);
	cur_skip(c, lsize);
	/* Extended link addresses are padded to an even segment length. */
	if ((seg & 0x10) && (lsize & 1))
		cur_skip(c, 1);
	if (!cur_ok(c) || lsize == 0)
		return -1;
	if (!(p->has & CIP_HAS_PORT)) {
		p->port = (uint8_t)(port > 0xff ? 0xff : port);
		p->link = link;
	}
	p->has |= CIP_HAS_PORT;
	return 0;
}

static int
seg_logical(struct cur *c, uint8_t seg, struct cip_path *p)
{
	unsigned type = (unsigned)(seg >> 2) & 7, fmt = seg & 3;
	uint32_t v;

	if (type == 5) {
		/* Electronic key: format 4 is 8 bytes of key data. */
		if (fmt != 0 || cur_u8(c) != 4)
			return -1;
		cur_skip(c, 8);
		return cur_ok(c) ? 0 : -1;
	}
	if (type == 7)
		return -1; /* extended logical: not used in requests */
	switch (fmt) {
	case 0:
		v = cur_u8(c);
		break;
	case 1:
		cur_skip(c, 1); /* pad */
		v = cur_le16(c);
		break;
	case 2:
		cur_skip(c, 1);
		v = cur_le32(c);
		break;
	default:
		return -1;
	}
	if (!cur_ok(c))
		return -1;
	path_set(p, type, v);
	return 0;
}

static int
seg_symbolic(struct cur *c, uint8_t seg, struct cip_path *p, int sym)
{
	size_t n = seg & 0x1f;

	if (n == 0)
		return -1; /* extended string formats: not in tag paths */
	if (sym && cur_need(c, n))
		path_add_symbol(p, c->p, n);
	cur_skip(c, n);
	if (!(n & 1) && cur_ok(c))
		cur_skip(c, 1); /* 1 + n is odd: pad to a word */
	if (!cur_ok(c))
		return -1;
	p->has |= CIP_HAS_SYMBOL;
	return 0;
}

static int
seg_data(struct cur *c, uint8_t seg, struct cip_path *p, int sym)
{
	size_t n;

	if (seg == 0x80) {
		n = cur_u8(c);
		cur_skip(c, n * 2);
		return cur_ok(c) ? 0 : -1;
	}
	if (seg != 0x91)
		return -1;
	n = cur_u8(c);
	if (sym && cur_need(c, n))
		path_add_symbol(p, c->p, n);
	cur_skip(c, n);
	if (n & 1)
		cur_skip(c, 1);
	if (!cur_ok(c))
		return -1;
	p->has |= CIP_HAS_SYMBOL;
	return 0;
}

/*
 * sym 0: leave p->symbol empty (copying the names costs more than the
 * parse) and zero only the bytes that say so.  The walk runs on a local
 * copy of the cursor, which the compiler can keep in registers (stores to
 * p's uint8_t fields could alias *c), and is copied back on every exit.
 */
static inline int
epath_parse(struct cur *c, struct cip_path *p, int sym)
{
	struct cur lc = *c;
	uint8_t seg;
	int rc = 0;

	if (sym)
		memset(p, 0, sizeof(*p));
	else
		memset(p, 0, offsetof(struct cip_path, symbol) + 1);
	while (cur_ok(&lc) && lc.left > 0) {
		if (p->nseg >= CIP_MAX_PATH_SEGS) {
			rc = -1;
			break;
		}
		p->nseg++;
		seg = cur_u8(&lc);
		switch (seg >> 5) {
		case 0:
			rc = seg_port(&lc, seg, p);
			break;
		case 1:
			rc = seg_logical(&lc, seg, p);
			break;
		case 2:
			if (seg & 0x10) {
				/* [seg][words][data] */
				cur_skip(&lc, (size_t)cur_u8(&lc) * 2);
			} else {
				cur_skip(&lc, 1);
			}
			rc = cur_ok(&lc) ? 0 : -1;
			break;
		case 3:
			rc = seg_symbolic(&lc, seg, p, sym);
			break;
		case 4:
			rc = seg_data(&lc, seg, p, sym);
			break;
		default:
			rc = -1;
			break;
		}
		if (rc != 0)
			break;
	}
	if (rc == 0 && !cur_ok(&lc))
		rc = -1;
	*c = lc;
	return rc;
}

int
cip_parse_epath(struct cur *c, struct cip_path *p)
{
	return epath_parse(c, p, 1);
}

/*
 * The segments of most request paths: an ANSI extended symbol (a tag
 * name) and 8/16-bit class, instance, member, connection point and
 * attribute.  A path of only these is walked here with one bounds test
 * per segment; anything else (or a short segment) is parsed again from
 * the start by epath_parse(), so the outcome is always its outcome.
 */
static int
epath_fast(struct cur *c, struct cip_path *p)
{
	const uint8_t *q = c->p;
	size_t left = c->left, adv;
	unsigned nseg = 0, seg, type;

	memset(p, 0, offsetof(struct cip_path, symbol) + 1);
	while (left > 0) {
		if (nseg >= CIP_MAX_PATH_SEGS)
			return -1;
		nseg++;
		seg = q[0];
		type = (seg >> 2) & 7;
		if (seg == 0x91) {
			if (left < 2)
				return -1;
			adv = 2 + (size_t)q[1] + (q[1] & 1u);
			if (adv > left)
				return -1;
			p->has |= CIP_HAS_SYMBOL;
		} else if ((seg & 0xe3) == 0x20 && type <= 4) {
			if (left < 2)
				return -1;
			path_set(p, type, q[1]);
			adv = 2;
		} else if ((seg & 0xe3) == 0x21 && type <= 4) {
			if (left < 4)
				return -1;
			path_set(p, type, cur_get_le16(q + 2));
			adv = 4;
		} else {
			return -1;
		}
		q += adv;
		left -= adv;
	}
	p->nseg = (uint8_t)nseg;
	c->p = q;
	c->left = 0;
	return 0;
}

int
cip_parse_epath_nosym(struct cur *c, struct cip_path *p)
{
	if (cur_ok(c) && epath_fast(c, p) == 0)
		return 0;
	return epath_parse(c, p, 0);
}

/* --- service classification ------------------------------------------ */

struct cip_svc {
	uint8_t code;
	uint8_t cls;
	const char *name;
};

/* Common services, valid for every class (Vol. 1 appendix A). */
static const struct cip_svc svc_common[] = {
	{0x01, OBS_C_READ, "Get Attributes All"},
	{0x02, OBS_C_WRITE, "Set Attributes All"},
	{0x03, OBS_C_READ, "Get Attribute List"},
	{0x04, OBS_C_WRITE, "Set Attribute List"},
	{0x05, OBS_C_CONTROL, "Reset"},
	{0x06, OBS_C_CONTROL, "Start"},
	{0x07, OBS_C_CONTROL, "Stop"},
	{0x08, OBS_C_WRITE, "Create"},
	{0x09, OBS_C_WRITE, "Delete"},
	{0x0a, OBS_C_OTHER, "Multiple Service Packet"},
	{0x0d, OBS_C_WRITE, "Apply Attributes"},
	{0x0e, OBS_C_READ, "Get Attribute Single"},
	{0x10, OBS_C_WRITE, "Set Attribute Single"},
	{0x11, OBS_C_READ, "Find Next Object Instance"},
	{0x14, OBS_C_OTHER, "Error Response"},
	{0x15, OBS_C_WRITE, "Restore"},
	{0x16, OBS_C_WRITE, "Save"},
	{0x17, OBS_C_OTHER, "No Operation"},
	{0x18, OBS_C_READ, "Get Member"},
	{0x19, OBS_C_WRITE, "Set Member"},
	{0x1a, OBS_C_WRITE, "Insert Member"},
	{0x1b, OBS_C_WRITE, "Remove Member"},
	{0x1c, OBS_C_OTHER, "Group Sync"},
	{0, 0, NULL},
};

/* Connection Manager (class 6), Vol. 1 3-5.5. */
static const struct cip_svc svc_cm[] = {
	{0x4e, OBS_C_SESSION, "Forward Close"},
	{0x52, OBS_C_OTHER, "Unconnected Send"},
	{0x54, OBS_C_SESSION, "Forward Open"},
	{0x56, OBS_C_READ, "Get Connection Data"},
	{0x57, OBS_C_READ, "Search Connection Data"},
	{0x5a, OBS_C_READ, "Get Connection Owner"},
	{0x5b, OBS_C_SESSION, "Large Forward Open"},
	{0, 0, NULL},
};

/* File object (class 0x37), Vol. 1 5A-42: program/EDS transfers. */
static const struct cip_svc svc_file[] = {
	{0x4b, OBS_C_PROGRAM, "Initiate Upload"},
	{0x4c, OBS_C_PROGRAM, "Initiate Download"},
	{0x4d, OBS_C_PROGRAM, "Initiate Partial Read"},
	{0x4e, OBS_C_PROGRAM, "Initiate Partial Write"},
	{0x4f, OBS_C_PROGRAM, "Upload Transfer"},
	{0x50, OBS_C_PROGRAM, "Download Transfer"},
	{0x51, OBS_C_PROGRAM, "Clear File"},
	{0, 0, NULL},
};

/* PCCC object (class 0x67). */
static const struct cip_svc svc_pccc[] = {
	{0x4b, OBS_C_OTHER, "Execute PCCC"},
	{0x4c, OBS_C_OTHER, "Execute DH+"},
	{0x4d, OBS_C_OTHER, "Execute Local PCCC"},
	{0, 0, NULL},
};

/* Logix data access (symbolic tag paths, vendor classes), 1756-PM020. */
static const struct cip_svc svc_logix[] = {
	{0x4c, OBS_C_READ, "Read Tag"},
	{0x4d, OBS_C_WRITE, "Write Tag"},
	{0x4e, OBS_C_WRITE, "Read Modify Write Tag"},
	{0x52, OBS_C_READ, "Read Tag Fragmented"},
	{0x53, OBS_C_WRITE, "Write Tag Fragmented"},
	{0x55, OBS_C_READ, "Get Instance Attribute List"},
	{0, 0, NULL},
};

/*
 * PCCC (DF1) command 0x0F functions and command 0x06 function 0x03, the
 * ones that say what an Execute PCCC does.  Keyed cmd << 8 | fnc.
 */
struct cip_pccc {
	uint16_t key;
	uint8_t cls;
};

static const struct cip_pccc pccc_fnc[] = {
	{0x0603, OBS_C_DISCOVER}, /* diagnostic status (identify) */
	{0x0f00, OBS_C_WRITE},	  /* word range write */
	{0x0f01, OBS_C_READ},	  /* word range read */
	{0x0f02, OBS_C_WRITE},	  /* bit write */
	{0x0f11, OBS_C_PROGRAM},  /* get edit resource */
	{0x0f12, OBS_C_PROGRAM},  /* return edit resource */
	{0x0f17, OBS_C_READ},	  /* read bytes physical */
	{0x0f18, OBS_C_WRITE},	  /* write bytes physical */
	{0x0f26, OBS_C_WRITE},	  /* read-modify-write */
	{0x0f29, OBS_C_READ},	  /* read section size */
	{0x0f3a, OBS_C_CONTROL},  /* set CPU mode */
	{0x0f41, OBS_C_CONTROL},  /* disable forces */
	{0x0f50, OBS_C_PROGRAM},  /* download all request */
	{0x0f52, OBS_C_PROGRAM},  /* download completed */
	{0x0f53, OBS_C_PROGRAM},  /* upload all request */
	{0x0f55, OBS_C_PROGRAM},  /* upload completed */
	{0x0f57, OBS_C_PROGRAM},  /* initialize memory */
	{0x0f5e, OBS_C_WRITE},	  /* modify PLC-2 compatibility file */
	{0x0f67, OBS_C_WRITE},	  /* typed write */
	{0x0f68, OBS_C_READ},	  /* typed read */
	{0x0f79, OBS_C_WRITE},	  /* read-modify-write N */
	{0x0f80, OBS_C_CONTROL},  /* change CPU mode */
	{0x0f81, OBS_C_PROGRAM},  /* open file */
	{0x0f82, OBS_C_PROGRAM},  /* close file */
	{0x0fa1, OBS_C_READ},	  /* protected typed logical read, 2 addr */
	{0x0fa2, OBS_C_READ},	  /* protected typed logical read, 3 addr */
	{0x0fa7, OBS_C_READ},	  /* protected typed file read */
	{0x0fa9, OBS_C_WRITE},	  /* protected typed logical write, 2 addr */
	{0x0faa, OBS_C_WRITE},	  /* protected typed logical write, 3 addr */
	{0x0fab, OBS_C_WRITE},	  /* protected typed logical masked write */
	{0x0faf, OBS_C_WRITE},	  /* protected typed file write */
	{0, 0},
};

static const struct cip_svc *
svc_find(const struct cip_svc *t, uint8_t code)
{
	for (; t->name != NULL; t++)
		if (t->code == code)
			return t;
	return NULL;
}

static const struct cip_svc *const svc_tables[] = {
	[CIP_FAM_UNKNOWN] = NULL,
	[CIP_FAM_COMMON] = svc_common,
	[CIP_FAM_CONN_MGR] = svc_cm,
	[CIP_FAM_FILE] = svc_file,
	[CIP_FAM_PCCC] = svc_pccc,
	[CIP_FAM_LOGIX] = svc_logix,
};

const char *
cip_service_name(uint8_t service, uint8_t family)
{
	const struct cip_svc *s = NULL;

	if (family < sizeof(svc_tables) / sizeof(svc_tables[0]) &&
	    svc_tables[family] != NULL)
		s = svc_find(svc_tables[family], service & 0x7f);
	return s != NULL ? s->name : "unknown";
}

void
cip_classify(uint8_t service, const struct cip_path *p, int pccc,
    uint8_t *cls, const char **name, uint8_t *family)
{
	const struct cip_svc *s = NULL;
	const struct cip_pccc *f;
	uint32_t k = (p->has & CIP_HAS_CLASS) ? p->cls : 0;
	uint8_t fam = CIP_FAM_UNKNOWN;

	service &= 0x7f;
	if (service < 0x4b)
		fam = CIP_FAM_COMMON;
	else if (k == CIP_CLASS_CONN_MGR)
		fam = CIP_FAM_CONN_MGR;
	else if (k == CIP_CLASS_FILE)
		fam = CIP_FAM_FILE;
	else if (k == CIP_CLASS_PCCC)
		fam = CIP_FAM_PCCC;
	else if ((p->has & CIP_HAS_SYMBOL) || k == 0 ||
	    k >= CIP_CLASS_VENDOR_FIRST)
		/*
		 * Logix services are addressed to tags (symbolic paths) or
		 * to Rockwell's vendor classes (symbol 0x6b, template
		 * 0x6c...).  On a standard class the same codes mean
		 * something else: leave them "other".
		 */
		fam = CIP_FAM_LOGIX;
	if (svc_tables[fam] != NULL)
		s = svc_find(svc_tables[fam], service);
	if (s == NULL) {
		*cls = OBS_C_OTHER;
		*name = "unknown";
		if (family != NULL)
			*family = CIP_FAM_UNKNOWN;
		return;
	}
	*cls = s->cls;
	*name = s->name;
	if (family != NULL)
		*family = fam;
	if (fam == CIP_FAM_PCCC && service == CIP_SC_EXEC_PCCC && pccc >= 0)
		for (f = pccc_fnc; f->key != 0; f++)
			if (f->key == (unsigned)pccc) {
				*cls = f->cls;
				break;
			}
}

/* --- Identity object ------------------------------------------------- */

void
cip_ident_vendor(struct obs_ident *id, uint16_t vendor)
{
	const char *n = cip_vendor_name(vendor);

	id->vendor_id = vendor;
	if (n != NULL)
		obs_strcpy(id->vendor, sizeof(id->vendor), (const uint8_t *)n,
		    strlen(n), &id->truncated);
	else
		(void)snprintf(id->vendor, sizeof(id->vendor), "vendor %u",
		    (unsigned)vendor);
}

/* SHORT_STRING: a length byte and that many characters. */
static int
short_string(struct cur *c, char *dst, size_t dstlen, uint8_t *trunc)
{
	size_t n = cur_u8(c);

	if (!cur_need(c, n))
		return -1;
	obs_strcpy(dst, dstlen, c->p, n, trunc);
	cur_skip(c, n);
	return 0;
}

int
cip_identity_all(struct cur *c, struct obs_ident *id)
{
	uint16_t vendor, devtype, prod, status;
	uint8_t major, minor;
	uint32_t serial;

	vendor = cur_le16(c);
	devtype = cur_le16(c);
	prod = cur_le16(c);
	major = cur_u8(c);
	minor = cur_u8(c);
	status = cur_le16(c);
	serial = cur_le32(c);
	(void)status;
	if (!cur_ok(c))
		return -1;
	cip_ident_vendor(id, vendor);
	id->device_type = devtype;
	id->product_code = prod;
	(void)snprintf(id->firmware, sizeof(id->firmware), "%u.%02u",
	    (unsigned)major, (unsigned)minor);
	(void)snprintf(id->serial, sizeof(id->serial), "0x%08x",
	    (unsigned)serial);
	/* The product name may be missing from a short reply. */
	if (c->left > 0)
		(void)short_string(c, id->product, sizeof(id->product),
		    &id->truncated);
	return 0;
}

int
cip_identity_attr(struct cur *c, uint32_t attr, struct obs_ident *id)
{
	uint16_t v;
	uint8_t major, minor;
	uint32_t serial;

	switch (attr) {
	case 1:
		v = cur_le16(c);
		if (!cur_ok(c))
			return -1;
		cip_ident_vendor(id, v);
		return 0;
	case 2:
	case 3:
		v = cur_le16(c);
		if (!cur_ok(c))
			return -1;
		if (attr == 2)
			id->device_type = v;
		else
			id->product_code = v;
		return 0;
	case 4:
		major = cur_u8(c);
		minor = cur_u8(c);
		if (!cur_ok(c))
			return -1;
		(void)snprintf(id->firmware, sizeof(id->firmware), "%u.%02u",
		    (unsigned)major, (unsigned)minor);
		return 0;
	case 6:
		serial = cur_le32(c);
		if (!cur_ok(c))
			return -1;
		(void)snprintf(id->serial, sizeof(id->serial), "0x%08x",
		    (unsigned)serial);
		return 0;
	case 7:
		return short_string(c, id->product, sizeof(id->product),
		    &id->truncated);
	default:
		return -1;
	}
}

/* Bytes of Identity attributes with a fixed size (Vol. 1 5-2.2), else 0. */
static size_t
identity_attr_size(uint16_t attr)
{
	switch (attr) {
	case 1:
	case 2:
	case 3:
	case 4:
	case 5:
	case 9:
		return 2;
	case 6:
		return 4;
	case 8:
	case 10:
		return 1;
	case 11: /* active language: 3 USINT */
		return 3;
	case 14: /* semaphore: vendor UINT, serial UDINT, time ITIME */
		return 8;
	default:
		return 0;
	}
}

int
cip_identity_list(struct cur *c, struct obs_ident *id)
{
	uint16_t n, i, attr, status;
	size_t size;
	int got = 0;

	n = cur_le16(c);
	if (!cur_ok(c))
		return -1;
	for (i = 0; i < n; i++) {
		attr = cur_le16(c);
		status = cur_le16(c);
		if (!cur_ok(c))
			break;
		if (status != 0)
			continue; /* no value follows a failed attribute */
		if ((attr >= 1 && attr <= 4) || attr == 6 || attr == 7) {
			if (cip_identity_attr(c, attr, id) != 0)
				break;
			got = 1;
			continue;
		}
		size = identity_attr_size(attr);
		if (size == 0)
			break; /* unknown size: the rest cannot be found */
		cur_skip(c, size);
		if (!cur_ok(c))
			break;
	}
	return got ? 0 : -1;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dnp3.c: DNP3 (IEEE 1815) over TCP and UDP port 20000.
 *
 * Reference: IEEE Std 1815-2012, clause 9 (data link layer: frame format
 * 9.2, CRC 9.2.4.2), clause 8 (transport function), clause 4 and 10-11
 * (application layer: request/response headers 4.2.2, function codes
 * 4.2.2.5, IIN 4.2.2.7, object headers and qualifiers 4.2.2.7.x/11.x,
 * object library annex A), clause 7 (Secure Authentication v5).
 *
 * Three layers are unwrapped per direction of a flow:
 *   - link frames are checked (start, length, header CRC, the CRC of
 *     every 16-byte data block); a bad frame is dropped but its length
 *     keeps the stream in sync;
 *   - transport segments are reassembled (FIR/FIN/sequence) into one
 *     application fragment in a fixed buffer in the per-flow state;
 *   - application fragments give one operation per request, paired with
 *     its response by application sequence number, unsolicited responses,
 *     master/outstation roles, device attributes (group 0) as identity,
 *     and Secure Authentication.
 *
 * Link frame (all multi-byte fields little-endian):
 *
 *    0      1      2      3      4      5      6      7      8      9
 *  +------+------+------+------+------+------+------+------+------+------+
 *  | 0x05 | 0x64 | LEN  | CTRL |  DESTINATION | SOURCE      |  CRC        |
 *  +------+------+------+------+------+------+------+------+------+------+
 *  | user data block 1 (16 bytes)                     | CRC (2)          |
 *  +--------------------------------------------------+------------------+
 *  | ...  last block (1..16 bytes)                    | CRC (2)          |
 *  +--------------------------------------------------+------------------+
 *   LEN counts CTRL, DESTINATION, SOURCE and the user data (no CRCs):
 *   5..255, so at most 250 user data bytes in 16 blocks.
 *   CTRL: DIR 0x80, PRM 0x40, FCB 0x20, FCV/DFC 0x10, link function 0x0f.
 *
 * User data = transport header + application bytes:
 *
 *  +-----+-----+-----------+
 *  | FIN | FIR | SEQ (6)   |  then up to 249 bytes of the fragment
 *  +-----+-----+-----------+
 *
 * Application fragment:
 *
 *  request:  | AC | FC |               object headers + data ...
 *  response: | AC | FC | IIN1 | IIN2 | object headers + data ...
 *   AC: FIR 0x80, FIN 0x40, CON 0x20, UNS 0x10, SEQ 0x0f.
 *
 * Object header: | group | variation | qualifier | range (0..8 bytes) |
 *   qualifier: bit 7 reserved, bits 6-4 prefix code, bits 3-0 range code.
 *
 * Observations:
 *   op.code = application function code (Wireshark dnp3.al.func),
 *   op.unit = the outstation's link address (destination of a request,
 *   source of a response or unsolicited response), op.status = the IIN
 *   word (IIN1 << 8 | IIN2) on responses, or 0x10000 | error code when a
 *   Secure Authentication error object (g120v7) rejects a request.
 */
#include <string.h>

#include "cursor.h"
#include "dissect.h"

/* Link layer. */
#define DNP3_START0 0x05
#define DNP3_START1 0x64
#define DNP3_HDR_LEN 10	   /* start .. header CRC */
#define DNP3_LEN_MIN 5	   /* CTRL + DST + SRC */
#define DNP3_BLOCK 16	   /* user data bytes per CRC */
#define DNP3_MAX_UDATA 250 /* 255 - 5 */
#define DNP3_CTL_DIR 0x80
#define DNP3_CTL_PRM 0x40
#define DNP3_LFC_CONFIRMED_DATA 3
#define DNP3_LFC_UNCONFIRMED_DATA 4
#define DNP3_ADDR_BCAST_MIN 0xfffd /* 0xfffd..0xffff are broadcast */

/* Transport layer. */
#define DNP3_TH_FIN 0x80
#define DNP3_TH_FIR 0x40
#define DNP3_TH_SEQ 0x3f
/* SPEC: 1815-2012 4.2.2.1 suggests 2048 as the default fragment size. */
#define DNP3_MAX_FRAGMENT 2048

/* Application layer. */
#define DNP3_AC_FIR 0x80
#define DNP3_AC_SEQ 0x0f
#define DNP3_NSEQ 16
#define DNP3_FC_CONFIRM 0
#define DNP3_FC_READ 1
#define DNP3_FC_AUTH_REQ 32
#define DNP3_FC_AUTH_ERR 33
#define DNP3_FC_RESPONSE 129
#define DNP3_FC_UNSOLICITED 130
#define DNP3_FC_AUTH_RESP 131

/* IIN bits, as the IIN word IIN1 << 8 | IIN2. */
#define DNP3_IIN_DEVICE_RESTART 0x8000
#define DNP3_IIN_DEVICE_TROUBLE 0x4000
#define DNP3_IIN_NO_FUNC_SUPPORT 0x0001
#define DNP3_IIN_OBJECT_UNKNOWN 0x0002
#define DNP3_IIN_PARAMETER_ERROR 0x0004
#define DNP3_IIN_EVENT_OVERFLOW 0x0008
#define DNP3_IIN_ALREADY_EXECUTING 0x0010
#define DNP3_IIN_CONFIG_CORRUPT 0x0020
/* The bits that say the request itself failed. */
#define DNP3_IIN_FAILURE                                                    \
	(DNP3_IIN_NO_FUNC_SUPPORT | DNP3_IIN_OBJECT_UNKNOWN |               \
	    DNP3_IIN_PARAMETER_ERROR | DNP3_IIN_ALREADY_EXECUTING)

/* Limits. */
#define DNP3_MAX_OBJ_HEADERS 256 /* object headers walked per fragment */
#define DNP3_MAX_LINK_PAIRS 4	 /* distinct src/dst pairs reported per dir */

#define DNP3_AUTH_ERR_STATUS 0x10000 /* status = this | g120v7 error code */

enum dnp3_anomaly {
	DNP3_AN_GARBAGE = 1,
	DNP3_AN_HDR_CRC,
	DNP3_AN_BAD_LENGTH,
	DNP3_AN_DATA_CRC,
	DNP3_AN_TRUNCATED,
	DNP3_AN_NONDATA,
	DNP3_AN_TR_NOFIR,
	DNP3_AN_TR_SEQ,
	DNP3_AN_TR_OVERFLOW,
	DNP3_AN_TR_ABANDONED,
	DNP3_AN_TR_ADDR,
	DNP3_AN_APP_SHORT,
	DNP3_AN_OBJ_MALFORMED,
	DNP3_AN_OBJ_QUALIFIER,
	DNP3_AN_OBJ_CAP,
	DNP3_AN_IIN_RESTART,
	DNP3_AN_IIN_TROUBLE,
	DNP3_AN_IIN_CORRUPT,
	DNP3_AN_IIN_OVERFLOW,
	DNP3_AN_AUTH_ERROR,
};

/* One direction's transport reassembly. */
struct dnp3_reasm {
	uint8_t buf[DNP3_MAX_FRAGMENT];
	uint16_t len;
	uint16_t src, dst; /* link addresses of the fragment */
	uint8_t active;	   /* a FIR was seen, FIN not yet */
	uint8_t seq;	   /* transport sequence of the last segment */
};

/* A request waiting for its response, by (requester side, app seq). */
struct dnp3_pending {
	uint32_t addr_lo, addr_hi;
	uint16_t unit; /* destination of the request */
	uint8_t valid;
	uint8_t fc;
	uint8_t cls;
	uint8_t challenged; /* answered by an SA challenge (131) so far */
};

struct dnp3_state {
	struct dnp3_reasm tr[2];			/* by direction */
	struct dnp3_pending pend[2][DNP3_NSEQ];		/* by requester side */
	uint32_t links[2][DNP3_MAX_LINK_PAIRS];		/* reported pairs */
	uint8_t nlinks[2];
	uint8_t seen_frame; /* a frame with a valid header CRC was parsed */
	uint8_t roles;	    /* bit (side * 2 + (outstation ? 1 : 0)) */
	uint8_t auth;	    /* OBS_A_AUTHENTICATED reported */
	uint8_t iin_seen;   /* notable IIN anomalies reported, DNP3_NOTE_* */
};

#define DNP3_NOTE_RESTART 0x01
#define DNP3_NOTE_TROUBLE 0x02
#define DNP3_NOTE_CORRUPT 0x04
#define DNP3_NOTE_OVERFLOW 0x08

/* CRC-16/DNP: poly 0x3d65 reflected (0xa6bc), init 0, complemented. */
static const uint16_t dnp3_crc_tab[256] = {
	0x0000, 0x365e, 0x6cbc, 0x5ae2, 0xd978, 0xef26, 0xb5c4, 0x839a,
	0xff89, 0xc9d7, 0x9335, 0xa56b, 0x26f1, 0x10af, 0x4a4d, 0x7c13,
	0xb26b, 0x8435, 0xded7, 0xe889, 0x6b13, 0x5d4d, 0x07af, 0x31f1,
	0x4de2, 0x7bbc, 0x215e, 0x1700, 0x949a, 0xa2c4, 0xf826, 0xce78,
	0x29af, 0x1ff1, 0x4513, 0x734d, 0xf0d7, 0xc689, 0x9c6b, 0xaa35,
	0xd626, 0xe078, 0xba9a, 0x8cc4, 0x0f5e, 0x3900, 0x63e2, 0x55bc,
	0x9bc4, 0xad9a, 0xf778, 0xc126, 0x42bc, 0x74e2, 0x2e00, 0x185e,
	0x644d, 0x5213, 0x08f1, 0x3eaf, 0xbd35, 0x8b6b, 0xd189, 0xe7d7,
	0x535e, 0x6500, 0x3fe2, 0x09bc, 0x8a26, 0xbc78, 0xe69a, 0xd0c4,
	0xacd7, 0x9a89, 0xc06b, 0xf635, 0x75af, 0x43f1, 0x1913, 0x2f4d,
	0xe135, 0xd76b, 0x8d89, 0xbbd7, 0x384d, 0x0e13, 0x54f1, 0x62af,
	0x1ebc, 0x28e2, 0x7200, 0x445e, 0xc7c4, 0xf19a, 0xab78, 0x9d26,
	0x7af1, 0x4caf, 0x164d, 0x2013, 0xa389, 0x95d7, 0xcf35, 0xf96b,
	0x8578, 0xb326, 0xe9c4, 0xdf9a, 0x5c00, 0x6a5e, 0x30bc, 0x06e2,
	0xc89a, 0xfec4, 0xa426, 0x9278, 0x11e2, 0x27bc, 0x7d5e, 0x4b00,
	0x3713, 0x014d, 0x5baf, 0x6df1, 0xee6b, 0xd835, 0x82d7, 0xb489,
	0xa6bc, 0x90e2, 0xca00, 0xfc5e, 0x7fc4, 0x499a, 0x1378, 0x2526,
	0x5935, 0x6f6b, 0x3589, 0x03d7, 0x804d, 0xb613, 0xecf1, 0xdaaf,
	0x14d7, 0x2289, 0x786b, 0x4e35, 0xcdaf, 0xfbf1, 0xa113, 0x974d,
	0xeb5e, 0xdd00, 0x87e2, 0xb1bc, 0x3226, 0x0478, 0x5e9a, 0x68c4,
	0x8f13, 0xb94d, 0xe3af, 0xd5f1, 0x566b, 0x6035, 0x3ad7, 0x0c89,
	0x709a, 0x46c4, 0x1c26, 0x2a78, 0xa9e2, 0x9fbc, 0xc55e, 0xf300,
	0x3d78, 0x0b26, 0x51c4, 0x679a, 0xe400, 0xd25e, 0x88bc, 0xbee2,
	0xc2f1, 0xf4af, 0xae4d, 0x9813, 0x1b89, 0x2dd7, 0x7735, 0x416b,
	0xf5e2, 0xc3bc, 0x995e, 0xaf00, 0x2c9a, 0x1ac4, 0x4026, 0x7678,
	0x0a6b, 0x3c35, 0x66d7, 0x5089, 0xd313, 0xe54d, 0xbfaf, 0x89f1,
	0x4789, 0x71d7, 0x2b35, 0x1d6b, 0x9ef1, 0xa8af, 0xf24d, 0xc413,
	0xb800, 0x8e5e, 0xd4bc, 0xe2e2, 0x6178, 0x5726, 0x0dc4, 0x3b9a,
	0xdc4d, 0xea13, 0xb0f1, 0x86af, 0x0535, 0x336b, 0x6989, 0x5fd7,
	0x23c4, 0x159a, 0x4f78, 0x7926, 0xfabc, 0xcce2, 0x9600, 0xa05e,
	0x6e26, 0x5878, 0x029a, 0x34c4, 0xb75e, 0x8100, 0xdbe2, 0xedbc,
	0x91af, 0xa7f1, 0xfd13, 0xcb4d, 0x48d7, 0x7e89, 0x246b, 0x1235,
};

/* Function codes (1815-2012 table 4-1 and 4-2) and their classes. */
struct dnp3_fc {
	uint8_t fc;
	uint8_t cls;
	const char *name;
};

static const struct dnp3_fc dnp3_fcs[] = {
	{0, OBS_C_OTHER, "Confirm"},
	{1, OBS_C_READ, "Read"},
	{2, OBS_C_WRITE, "Write"},
	{3, OBS_C_CONTROL, "Select"},
	{4, OBS_C_CONTROL, "Operate"},
	{5, OBS_C_CONTROL, "Direct Operate"},
	{6, OBS_C_CONTROL, "Direct Operate No Ack"},
	{7, OBS_C_CONTROL, "Immediate Freeze"},
	{8, OBS_C_CONTROL, "Immediate Freeze No Ack"},
	{9, OBS_C_CONTROL, "Freeze and Clear"},
	{10, OBS_C_CONTROL, "Freeze and Clear No Ack"},
	{11, OBS_C_CONTROL, "Freeze at Time"},
	{12, OBS_C_CONTROL, "Freeze at Time No Ack"},
	{13, OBS_C_CONTROL, "Cold Restart"},
	{14, OBS_C_CONTROL, "Warm Restart"},
	{15, OBS_C_PROGRAM, "Initialize Data"},
	{16, OBS_C_PROGRAM, "Initialize Application"},
	{17, OBS_C_PROGRAM, "Start Application"},
	{18, OBS_C_PROGRAM, "Stop Application"},
	{19, OBS_C_PROGRAM, "Save Configuration"},
	{20, OBS_C_OTHER, "Enable Unsolicited"},
	{21, OBS_C_OTHER, "Disable Unsolicited"},
	{22, OBS_C_OTHER, "Assign Class"},
	{23, OBS_C_OTHER, "Delay Measurement"},
	{24, OBS_C_WRITE, "Record Current Time"},
	{25, OBS_C_PROGRAM, "Open File"},
	{26, OBS_C_PROGRAM, "Close File"},
	{27, OBS_C_PROGRAM, "Delete File"},
	{28, OBS_C_PROGRAM, "Get File Info"},
	{29, OBS_C_PROGRAM, "Authenticate File"},
	{30, OBS_C_PROGRAM, "Abort File"},
	/* Not in ARCHITECTURE.md's list; activating a configuration is
	 * programming the device. */
	{31, OBS_C_PROGRAM, "Activate Configuration"},
	{32, OBS_C_OTHER, "Authentication Request"},
	{33, OBS_C_OTHER, "Authentication Error"},
	{129, OBS_C_OTHER, "Response"},
	{130, OBS_C_OTHER, "Unsolicited Response"},
	{131, OBS_C_OTHER, "Authentication Response"},
	{0, 0, NULL},
};

static const struct dnp3_fc *
dnp3_fc_lookup(uint8_t fc)
{
	static const struct dnp3_fc unknown = {0, OBS_C_OTHER, "unknown"};
	size_t i;

	for (i = 0; dnp3_fcs[i].name != NULL; i++)
		if (dnp3_fcs[i].fc == fc)
			return &dnp3_fcs[i];
	return &unknown;
}

static uint16_t
dnp3_crc(const uint8_t *p, size_t n)
{
	uint16_t crc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		crc = (uint16_t)((crc >> 8) ^
		    dnp3_crc_tab[(crc ^ p[i]) & 0xff]);
	return (uint16_t)~crc;
}

/*
 * Does a checked CRC follow the n bytes at c's position?  Advances c past
 * the bytes and the CRC.  The caller has made sure n + 2 bytes are left.
 */
static int
dnp3_crc_ok(struct cur *c, size_t n)
{
	struct cur blk = cur_sub(c, n);
	uint16_t want;

	want = cur_le16(c);
	if (!cur_ok(&blk) || !cur_ok(c))
		return 0;
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	/* Fuzzing builds (the OSS-Fuzz convention) accept any CRC so that
	 * mutated inputs reach the transport and application layers. */
	if (dnp3_crc(blk.p, blk.left) != want)
		return 1;
#endif
	return dnp3_crc(blk.p, blk.left) == want;
}

/* Total size of a frame whose LEN byte is len (>= 5): at most 292. */
static size_t
dnp3_frame_size(uint8_t len)
{
	size_t n = (size_t)len - DNP3_LEN_MIN;

	return DNP3_HDR_LEN + n + 2 * ((n + DNP3_BLOCK - 1) / DNP3_BLOCK);
}

enum { HDR_OK, HDR_SHORT, HDR_BAD_START, HDR_BAD_CRC, HDR_BAD_LEN };

/* Check the 10-byte header at p; never reads past p + avail. */
static int
dnp3_check_header(const uint8_t *p, size_t avail)
{
	struct cur c = cur_make(p, avail);

	if (avail >= 1 && p[0] != DNP3_START0)
		return HDR_BAD_START;
	if (avail >= 2 && p[1] != DNP3_START1)
		return HDR_BAD_START;
	if (avail < DNP3_HDR_LEN)
		return HDR_SHORT;
	if (!dnp3_crc_ok(&c, DNP3_HDR_LEN - 2))
		return HDR_BAD_CRC;
	if (p[2] < DNP3_LEN_MIN)
		return HDR_BAD_LEN;
	return HDR_OK;
}

/*
 * Where could the next frame start after garbage at p[0]?  The first
 * 0x05 0x64 whose header checks (or that is too close to the end to
 * tell); avail if none.  Linear in avail.
 */
static size_t
dnp3_scan(const uint8_t *p, size_t avail)
{
	size_t i;
	int r;

	for (i = 1; i < avail; i++) {
		if (p[i] != DNP3_START0)
			continue;
		r = dnp3_check_header(p + i, avail - i);
		if (r == HDR_OK || r == HDR_SHORT)
			return i;
	}
	return avail;
}

static void
dnp3_anomaly(const struct obs_sink *sink, enum dnp3_anomaly reason,
    const char *what)
{
	struct obs_anomaly a;

	memset(&a, 0, sizeof(a));
	a.proto = OBS_P_DNP3;
	a.reason = (uint16_t)reason;
	a.what = what;
	sink->anomaly(sink->arg, &a);
}

static void
dnp3_role(struct dnp3_state *st, const struct obs_sink *sink, int side,
    int outstation)
{
	struct obs_role r;
	uint8_t bit = (uint8_t)(1u << (side * 2 + (outstation ? 1 : 0)));

	if (st->roles & bit)
		return;
	st->roles |= bit;
	memset(&r, 0, sizeof(r));
	r.side = (uint8_t)side;
	r.proto = OBS_P_DNP3;
	r.role = outstation ? OBS_R_OUTSTATION : OBS_R_MASTER;
	sink->role(sink->arg, &r);
}

static void
dnp3_auth(struct dnp3_state *st, const struct obs_sink *sink, int side)
{
	struct obs_attr a;

	if (st->auth)
		return;
	st->auth = 1;
	memset(&a, 0, sizeof(a));
	a.key = OBS_A_AUTHENTICATED;
	a.side = (uint8_t)side;
	a.proto = OBS_P_DNP3;
	a.num = 1;
	sink->attr(sink->arg, &a);
}

static void
dnp3_link_addr(struct dnp3_state *st, const struct obs_sink *sink, int dir,
    uint16_t src, uint16_t dst)
{
	struct obs_attr a;
	uint32_t pair = (uint32_t)src << 16 | dst;
	uint8_t i;

	for (i = 0; i < st->nlinks[dir]; i++)
		if (st->links[dir][i] == pair)
			return;
	if (st->nlinks[dir] >= DNP3_MAX_LINK_PAIRS)
		return; /* enough said about this direction */
	st->links[dir][st->nlinks[dir]++] = pair;
	memset(&a, 0, sizeof(a));
	a.key = OBS_A_LINK_ADDR;
	a.side = (uint8_t)dir;
	a.proto = OBS_P_DNP3;
	a.num = pair;
	sink->attr(sink->arg, &a);
}

/* ---------------------------------------------------------------------
 * Object headers.
 */

/* What walking a fragment's objects found. */
struct dnp3_walk {
	uint8_t fc;
	uint8_t response;	/* objects carry data (responses) */
	uint8_t have_addr;
	uint8_t auth;		/* group 120 seen */
	uint8_t auth_err;	/* g120v7 seen; auth_code is its error */
	uint8_t auth_code;
	uint8_t have_ident;
	uint8_t name_from_247;	/* identity name came from g0v247 */
	uint8_t bad;		/* an anomaly was reported: stop */
	uint32_t addr_lo, addr_hi;
	struct obs_ident ident;
};

/*
 * Size in bits of one object of a fixed-size group/variation (annex A),
 * 0 when it has none (group 60 class data), -1 when unknown or variable.
 */
static int
dnp3_obj_bits(uint8_t g, uint8_t v)
{
	/* Sizes in bytes, indexed by variation, 0 = not defined. */
	static const uint8_t g2[] = {0, 1, 7, 3};	/* also g4 */
	static const uint8_t g11[] = {0, 1, 7};		/* also g13 */
	static const uint8_t g20[] = {0, 5, 3, 5, 3, 4, 2, 4, 2};
	static const uint8_t g21[] = {0, 5, 3, 5, 3, 11, 9, 11, 9, 4, 2, 4, 2};
	static const uint8_t g22[] = {0, 5, 3, 5, 3, 11, 9, 11, 9}; /* g23 */
	static const uint8_t g30[] = {0, 5, 3, 4, 2, 5, 9};
	static const uint8_t g31[] = {0, 5, 3, 11, 9, 4, 2, 5, 9};
	static const uint8_t g32[] = {0, 5, 3, 11, 9, 5, 9, 11, 15}; /* g33,
									  g42,
									  g43 */
	static const uint8_t g34[] = {0, 2, 4, 4};
	static const uint8_t g40[] = {0, 5, 3, 5, 9}; /* also g41 */
	static const uint8_t g50[] = {0, 6, 10, 6, 11};
	static const uint8_t g101[] = {0, 2, 4, 8};
	static const uint8_t g122[] = {0, 7, 13}; /* g121 has v1 only */
	const uint8_t *t = NULL;
	size_t n = 0;

#define DNP3_TAB(a) (t = (a), n = sizeof(a))
	switch (g) {
	case 1: /* binary input: v1 packed */
	case 10: /* binary output: v1 packed */
		if (v == 1)
			return 1;
		return v == 2 ? 8 : -1;
	case 3: /* double-bit binary input: v1 packed 2 bits */
		if (v == 1)
			return 2;
		return v == 2 ? 8 : -1;
	case 2:
	case 4:
		DNP3_TAB(g2);
		break;
	case 11:
	case 13:
		DNP3_TAB(g11);
		break;
	case 12: /* CROB, PCB: 11 bytes; pattern mask packed */
		if (v == 1 || v == 2)
			return 11 * 8;
		return v == 3 ? 1 : -1;
	case 20:
		DNP3_TAB(g20);
		break;
	case 21:
		DNP3_TAB(g21);
		break;
	case 22:
	case 23:
		DNP3_TAB(g22);
		break;
	case 30:
		DNP3_TAB(g30);
		break;
	case 31:
		DNP3_TAB(g31);
		break;
	case 32:
	case 33:
	case 42:
	case 43:
		DNP3_TAB(g32);
		break;
	case 34:
		DNP3_TAB(g34);
		break;
	case 40:
	case 41:
		DNP3_TAB(g40);
		break;
	case 50:
		DNP3_TAB(g50);
		break;
	case 51: /* common time of occurrence */
		return (v == 1 || v == 2) ? 6 * 8 : -1;
	case 52: /* time delay coarse/fine */
		return (v == 1 || v == 2) ? 2 * 8 : -1;
	case 60: /* class data: no object body */
		return (v >= 1 && v <= 4) ? 0 : -1;
	case 80: /* internal indications, packed */
		return v == 1 ? 1 : -1;
	case 101:
		DNP3_TAB(g101);
		break;
	case 102:
		return v == 1 ? 8 : -1;
	case 110: /* octet string, VTO, and their events: v = length */
	case 111:
	case 112:
	case 113:
		return v * 8;
	case 120: /* SAv5 fixed-size objects; the rest use size prefixes */
		if (v == 3)
			return 6 * 8;
		return v == 4 ? 2 * 8 : -1;
	case 121:
		return v == 1 ? 7 * 8 : -1;
	case 122:
		DNP3_TAB(g122);
		break;
	default:
		return -1;
	}
#undef DNP3_TAB
	if (v >= n || t[v] == 0)
		return -1;
	return t[v] * 8;
}

/* Groups whose indexes are data points (for op.addr_lo/hi). */
static int
dnp3_point_group(uint8_t g)
{
	return (g >= 1 && g <= 4) || (g >= 10 && g <= 13) ||
	    (g >= 20 && g <= 23) || (g >= 30 && g <= 34) ||
	    (g >= 40 && g <= 43) || g == 101 || g == 102 ||
	    (g >= 110 && g <= 113);
}

/* Do objects of group g in a request with function fc carry data? */
static int
dnp3_req_has_data(uint8_t fc, uint8_t g)
{
	if (g == 120) /* SA objects, e.g. g120v3 in an aggressive-mode read */
		return 1;
	switch (fc) {
	case 1:	 /* read */
	case 7:	 /* freezes name points only */
	case 8:
	case 9:
	case 10:
	case 20: /* enable/disable unsolicited: class headers */
	case 21:
	case 22: /* assign class: class header + point ranges */
		return 0;
	case 11: /* freeze at time: the g50 time object has data */
	case 12:
		return g == 50;
	default:
		return 1;
	}
}

static void
dnp3_walk_bad(struct dnp3_walk *w, const struct obs_sink *sink,
    enum dnp3_anomaly reason, const char *what)
{
	if (!w->bad)
		dnp3_anomaly(sink, reason, what);
	w->bad = 1;
}

static void
dnp3_walk_addr(struct dnp3_walk *w, uint32_t lo, uint32_t hi)
{
	if (!w->have_addr) {
		w->have_addr = 1;
		w->addr_lo = lo;
		w->addr_hi = hi;
		return;
	}
	if (lo < w->addr_lo)
		w->addr_lo = lo;
	if (hi > w->addr_hi)
		w->addr_hi = hi;
}

/* One device attribute (group 0): | type | length | value |. */
static void
dnp3_attribute(struct dnp3_walk *w, struct cur *c, uint8_t v)
{
	struct cur val;
	uint8_t type;
	size_t len;
	char *dst = NULL;
	size_t dstlen = 0;

	type = cur_u8(c);
	len = cur_u8(c);
	if (type == 255) /* extended attribute list: length + 256 */
		len += 256;
	val = cur_sub(c, len);
	if (!cur_ok(c) || !w->response || type != 1) /* VSTR only */
		return;
	switch (v) {
	case 252: /* device manufacturer's name */
		dst = w->ident.vendor, dstlen = sizeof(w->ident.vendor);
		break;
	case 250: /* device manufacturer's product name and model */
		dst = w->ident.product, dstlen = sizeof(w->ident.product);
		break;
	case 248: /* device serial number */
		dst = w->ident.serial, dstlen = sizeof(w->ident.serial);
		break;
	case 247: /* user-assigned device name */
		dst = w->ident.name, dstlen = sizeof(w->ident.name);
		w->name_from_247 = 1;
		break;
	case 246: /* user-assigned ID code/number: a name if 247 is absent */
		if (w->name_from_247)
			return;
		dst = w->ident.name, dstlen = sizeof(w->ident.name);
		break;
	case 245: /* user-assigned location name */
		dst = w->ident.url, dstlen = sizeof(w->ident.url);
		break;
	case 243: /* device manufacturer's hardware version */
		dst = w->ident.hardware, dstlen = sizeof(w->ident.hardware);
		break;
	case 242: /* device manufacturer's software version */
		dst = w->ident.firmware, dstlen = sizeof(w->ident.firmware);
		break;
	default:
		return;
	}
	obs_strcpy(dst, dstlen, val.p, val.left, &w->ident.truncated);
	w->have_ident = 1;
}

/* A size-prefixed object (qualifier 0x4B/0x5B/0x6B), body already cut. */
static void
dnp3_sized_object(struct dnp3_walk *w, struct cur *obj, uint8_t g,
    uint8_t v)
{
	if (g != 120)
		return;
	w->auth = 1;
	if (v == 7) {
		/* g120v7 error: CSQ (4) USR (2) AssocID (2) error code (1) */
		cur_skip(obj, 8);
		w->auth_code = cur_u8(obj);
		if (cur_ok(obj))
			w->auth_err = 1;
	}
}

static uint32_t
dnp3_read_n(struct cur *c, size_t n)
{
	switch (n) {
	case 1:
		return cur_u8(c);
	case 2:
		return cur_le16(c);
	case 4:
		return cur_le32(c);
	default:
		return 0;
	}
}

/*
 * Walk one object header and its objects.  Returns 1 to go on with the
 * next header, 0 to stop (end, unknown object size, or malformed: then an
 * anomaly was reported once).
 */
static int
dnp3_walk_one(struct dnp3_walk *w, struct cur *c, const struct obs_sink *sink)
{
	static const uint8_t prefix_size[8] = {0, 1, 2, 4, 1, 2, 4, 0};
	uint8_t g, v, q, opc, rsc;
	uint32_t start = 0, stop = 0;
	uint64_t count = 0, i, bytes;
	size_t psz;
	int ranged = 0, bits, data, point;

	g = cur_u8(c);
	v = cur_u8(c);
	q = cur_u8(c);
	if (!cur_ok(c)) {
		dnp3_walk_bad(w, sink, DNP3_AN_OBJ_MALFORMED,
		    "truncated object header");
		return 0;
	}
	opc = (q >> 4) & 7;
	rsc = q & 0x0f;
	if (g == 120)
		w->auth = 1;
	switch (rsc) {
	case 0x0: /* start-stop indexes (0-2) or virtual addresses (3-5) */
	case 0x3:
		start = cur_u8(c);
		stop = cur_u8(c);
		ranged = 1;
		break;
	case 0x1:
	case 0x4:
		start = cur_le16(c);
		stop = cur_le16(c);
		ranged = 1;
		break;
	case 0x2:
	case 0x5:
		start = cur_le32(c);
		stop = cur_le32(c);
		ranged = 1;
		break;
	case 0x6: /* all objects: no range, no objects follow */
		return 1;
	case 0x7:
	case 0xb: /* count of variable-format objects */
		count = cur_u8(c);
		break;
	case 0x8:
		count = cur_le16(c);
		break;
	case 0x9:
		count = cur_le32(c);
		break;
	default:
		dnp3_walk_bad(w, sink, DNP3_AN_OBJ_QUALIFIER,
		    "reserved object qualifier");
		return 0;
	}
	if (!cur_ok(c)) {
		dnp3_walk_bad(w, sink, DNP3_AN_OBJ_MALFORMED,
		    "truncated object range");
		return 0;
	}
	if ((q & 0x80) || opc == 7 || (rsc == 0xb && opc < 4)) {
		dnp3_walk_bad(w, sink, DNP3_AN_OBJ_QUALIFIER,
		    "reserved object qualifier");
		return 0;
	}
	if (ranged) {
		if (stop < start) {
			dnp3_walk_bad(w, sink, DNP3_AN_OBJ_MALFORMED,
			    "object range stop before start");
			return 0;
		}
		count = (uint64_t)stop - start + 1;
	}
	point = !w->response && !w->have_addr && dnp3_point_group(g);
	psz = prefix_size[opc];
	data = w->response || dnp3_req_has_data(w->fc, g);

	/* Size-prefixed objects: every object says how long it is. */
	if (opc >= 4) {
		/* Each pass reads at least psz >= 1 bytes or stops. */
		for (i = 0; i < count && cur_ok(c); i++) {
			size_t sz = dnp3_read_n(c, psz);
			struct cur obj = cur_sub(c, sz);

			if (cur_ok(c))
				dnp3_sized_object(w, &obj, g, v);
		}
		if (!cur_ok(c)) {
			dnp3_walk_bad(w, sink, DNP3_AN_OBJ_MALFORMED,
			    "object data truncated");
			return 0;
		}
		return 1;
	}

	bits = data ? dnp3_obj_bits(g, v) : 0;
	if (g == 0 && data) {
		/* Device attributes: | type | length | value | each. */
		/* Each pass reads at least 2 bytes or stops. */
		for (i = 0; i < count && cur_ok(c); i++) {
			(void)dnp3_read_n(c, psz);
			dnp3_attribute(w, c, v);
		}
		if (!cur_ok(c)) {
			dnp3_walk_bad(w, sink, DNP3_AN_OBJ_MALFORMED,
			    "object data truncated");
			return 0;
		}
		return 1;
	}

	if (opc == 0) {
		if (ranged && point)
			dnp3_walk_addr(w, start, stop);
		if (bits < 0)
			return 0; /* unknown size: stop quietly */
		/* count < 2^32 + 1 and bits <= 255 * 8: no overflow. */
		bytes = (count * (uint64_t)bits + 7) / 8;
		if (bytes > c->left) {
			dnp3_walk_bad(w, sink, DNP3_AN_OBJ_MALFORMED,
			    "object data truncated");
			return 0;
		}
		cur_skip(c, (size_t)bytes);
		return 1;
	}

	/* Index-prefixed objects (prefix codes 1-3). */
	if (bits < 0 || (bits % 8) != 0) {
		/* Unknown size, or packed objects with indexes (not
		 * defined): the first index is all we can read. */
		start = dnp3_read_n(c, psz);
		if (point && count > 0 && cur_ok(c))
			dnp3_walk_addr(w, start, start);
		return 0;
	}
	/* Each pass reads at least psz >= 1 bytes or stops. */
	for (i = 0; i < count && cur_ok(c); i++) {
		start = dnp3_read_n(c, psz);
		cur_skip(c, (size_t)bits / 8);
		if (point && cur_ok(c))
			dnp3_walk_addr(w, start, start);
	}
	if (!cur_ok(c)) {
		dnp3_walk_bad(w, sink, DNP3_AN_OBJ_MALFORMED,
		    "object data truncated");
		return 0;
	}
	return 1;
}

static void
dnp3_walk(struct dnp3_walk *w, struct cur *c, const struct obs_sink *sink)
{
	int n;

	for (n = 0; c->left > 0; n++) {
		if (n >= DNP3_MAX_OBJ_HEADERS) {
			dnp3_anomaly(sink, DNP3_AN_OBJ_CAP,
			    "object header cap hit");
			return;
		}
		if (!dnp3_walk_one(w, c, sink))
			return;
	}
}

/* ---------------------------------------------------------------------
 * Application layer.
 */

static void
dnp3_iin_notes(struct dnp3_state *st, const struct obs_sink *sink,
    uint16_t iin)
{
	static const struct {
		uint16_t bit;
		uint8_t note;
		enum dnp3_anomaly reason;
		const char *what;
	} notes[] = {
	    {DNP3_IIN_DEVICE_RESTART, DNP3_NOTE_RESTART, DNP3_AN_IIN_RESTART,
		"outstation reports device restart (IIN1.7)"},
	    {DNP3_IIN_DEVICE_TROUBLE, DNP3_NOTE_TROUBLE, DNP3_AN_IIN_TROUBLE,
		"outstation reports device trouble (IIN1.6)"},
	    {DNP3_IIN_CONFIG_CORRUPT, DNP3_NOTE_CORRUPT, DNP3_AN_IIN_CORRUPT,
		"outstation reports corrupt configuration (IIN2.5)"},
	    {DNP3_IIN_EVENT_OVERFLOW, DNP3_NOTE_OVERFLOW, DNP3_AN_IIN_OVERFLOW,
		"outstation reports event buffer overflow (IIN2.3)"},
	};
	size_t i;

	for (i = 0; i < sizeof(notes) / sizeof(notes[0]); i++) {
		if (!(iin & notes[i].bit) || (st->iin_seen & notes[i].note))
			continue;
		st->iin_seen |= notes[i].note;
		dnp3_anomaly(sink, notes[i].reason, notes[i].what);
	}
}

static void
dnp3_op_init(struct obs_op *op)
{
	memset(op, 0, sizeof(*op));
	op->proto = OBS_P_DNP3;
	op->addr_lo = 1; /* addr_hi < addr_lo: no range */
	op->addr_hi = 0;
}

static int
dnp3_expects_response(uint8_t fc)
{
	switch (fc) {
	case 0:	 /* confirm */
	case 6:	 /* the "no ack" functions */
	case 8:
	case 10:
	case 12:
	case 33: /* authentication error is never answered */
		return 0;
	default:
		return 1;
	}
}

static void
dnp3_request(struct dnp3_state *st, const struct obs_sink *sink, int side,
    uint8_t ac, uint8_t fc, uint16_t dst, struct cur *c)
{
	const struct dnp3_fc *f = dnp3_fc_lookup(fc);
	struct dnp3_pending *pd = &st->pend[side][ac & DNP3_AC_SEQ];
	struct dnp3_walk w;
	struct obs_op op;

	dnp3_role(st, sink, side, 0);
	memset(&w, 0, sizeof(w));
	w.fc = fc;
	dnp3_walk(&w, c, sink);
	if (w.auth || fc == DNP3_FC_AUTH_REQ || fc == DNP3_FC_AUTH_ERR)
		dnp3_auth(st, sink, side);

	dnp3_op_init(&op);
	op.cls = f->cls;
	op.requester = (uint8_t)side;
	op.code = fc;
	op.unit = dst;
	op.name = f->name;
	if (w.have_addr) {
		op.addr_lo = w.addr_lo;
		op.addr_hi = w.addr_hi;
	}
	if (dst >= DNP3_ADDR_BCAST_MIN)
		op.flags |= OBS_OP_BROADCAST;
	sink->op(sink->arg, &op);

	if (!dnp3_expects_response(fc) || (op.flags & OBS_OP_BROADCAST))
		return;
	/*
	 * SAv5: a critical request is challenged (131) and the master
	 * answers with an authentication request (32) on the same sequence;
	 * the final response belongs to the original request, so keep it.
	 */
	if (fc == DNP3_FC_AUTH_REQ && pd->valid && pd->challenged)
		return;
	pd->valid = 1;
	pd->challenged = 0;
	pd->fc = fc;
	pd->cls = f->cls;
	pd->unit = dst;
	pd->addr_lo = op.addr_lo;
	pd->addr_hi = op.addr_hi;
}

static void
dnp3_response(struct dnp3_state *st, const struct obs_sink *sink, int side,
    uint8_t ac, uint8_t fc, uint16_t src, struct cur *c)
{
	const struct dnp3_fc *f = dnp3_fc_lookup(fc);
	int req_side = side ^ 1;
	struct dnp3_pending *pd = &st->pend[req_side][ac & DNP3_AC_SEQ];
	struct dnp3_walk w;
	struct obs_op op;
	uint16_t iin;

	iin = cur_be16(c);
	if (!cur_ok(c)) {
		dnp3_anomaly(sink, DNP3_AN_APP_SHORT,
		    "response without internal indications");
		return;
	}
	dnp3_role(st, sink, side, 1);
	memset(&w, 0, sizeof(w));
	w.fc = fc;
	w.response = 1;
	dnp3_walk(&w, c, sink);
	if (w.auth || fc == DNP3_FC_AUTH_RESP)
		dnp3_auth(st, sink, side);
	dnp3_iin_notes(st, sink, iin);
	if (w.have_ident) {
		w.ident.side = (uint8_t)side;
		w.ident.proto = OBS_P_DNP3;
		sink->ident(sink->arg, &w.ident);
	}

	dnp3_op_init(&op);
	op.status = iin;
	op.unit = src;
	if (fc == DNP3_FC_UNSOLICITED) {
		/* Counted like a request: the outstation speaks unasked. */
		op.cls = f->cls;
		op.flags = OBS_OP_UNSOLICITED;
		op.requester = (uint8_t)side;
		op.code = fc;
		op.name = f->name;
		sink->op(sink->arg, &op);
		return;
	}
	/* Later fragments of a multi-fragment response add nothing. */
	if (fc == DNP3_FC_RESPONSE && !(ac & DNP3_AC_FIR))
		return;
	op.flags = OBS_OP_RESPONSE;
	op.requester = (uint8_t)req_side;
	if (pd->valid && pd->unit == src) {
		const struct dnp3_fc *rf = dnp3_fc_lookup(pd->fc);

		op.cls = pd->cls;
		op.code = pd->fc;
		op.name = rf->name;
		op.addr_lo = pd->addr_lo;
		op.addr_hi = pd->addr_hi;
		/* An SA challenge leaves the request open for its answer. */
		if (fc == DNP3_FC_AUTH_RESP && pd->fc != DNP3_FC_AUTH_REQ &&
		    !w.auth_err)
			pd->challenged = 1;
		else
			pd->valid = 0;
	} else {
		op.cls = f->cls;
		op.code = fc;
		op.name = f->name;
	}
	if (iin & DNP3_IIN_FAILURE)
		op.flags |= OBS_OP_EXCEPTION;
	if (w.auth_err) {
		dnp3_anomaly(sink, DNP3_AN_AUTH_ERROR,
		    "secure authentication error");
		op.flags |= OBS_OP_EXCEPTION;
		op.status = DNP3_AUTH_ERR_STATUS | w.auth_code;
	}
	sink->op(sink->arg, &op);
}

/* One reassembled application fragment from side (== direction). */
static void
dnp3_app(struct dnp3_state *st, const struct obs_sink *sink, int side,
    const uint8_t *buf, size_t len, uint16_t src, uint16_t dst)
{
	struct cur c = cur_make(buf, len);
	uint8_t ac, fc;

	ac = cur_u8(&c);
	fc = cur_u8(&c);
	if (!cur_ok(&c)) {
		dnp3_anomaly(sink, DNP3_AN_APP_SHORT,
		    "application fragment too short");
		return;
	}
	if (fc == DNP3_FC_RESPONSE || fc == DNP3_FC_UNSOLICITED ||
	    fc == DNP3_FC_AUTH_RESP)
		dnp3_response(st, sink, side, ac, fc, src, &c);
	else
		dnp3_request(st, sink, side, ac, fc, dst, &c);
}

/* ---------------------------------------------------------------------
 * Transport and link layers.
 */

static void
dnp3_transport(struct dnp3_state *st, const struct obs_sink *sink, int dir,
    const uint8_t *seg, size_t n, uint16_t src, uint16_t dst)
{
	struct dnp3_reasm *r = &st->tr[dir];
	struct cur c = cur_make(seg, n);
	uint8_t th, seq;

	th = cur_u8(&c);
	if (!cur_ok(&c))
		return;
	seq = th & DNP3_TH_SEQ;
	if (th & DNP3_TH_FIR) {
		if (r->active)
			dnp3_anomaly(sink, DNP3_AN_TR_ABANDONED,
			    "incomplete application fragment dropped");
		r->active = 1;
		r->len = 0;
		r->src = src;
		r->dst = dst;
	} else {
		if (!r->active) {
			dnp3_anomaly(sink, DNP3_AN_TR_NOFIR,
			    "transport segment without first segment");
			return;
		}
		if (r->src != src || r->dst != dst) {
			dnp3_anomaly(sink, DNP3_AN_TR_ADDR,
			    "transport segment from another link address");
			r->active = 0;
			return;
		}
		/* SPEC: 1815-2012 8.2.1.3: a repeated sequence number is a
		 * retransmitted segment; ignore it. */
		if (seq == r->seq)
			return;
		if (seq != ((r->seq + 1) & DNP3_TH_SEQ)) {
			dnp3_anomaly(sink, DNP3_AN_TR_SEQ,
			    "transport segment out of sequence");
			r->active = 0;
			return;
		}
	}
	r->seq = seq;
	/* r->len <= DNP3_MAX_FRAGMENT and c.left <= 249: no wrap. */
	if ((size_t)r->len + c.left > DNP3_MAX_FRAGMENT) {
		dnp3_anomaly(sink, DNP3_AN_TR_OVERFLOW,
		    "application fragment over size cap");
		r->active = 0;
		return;
	}
	{
		size_t take = c.left;

		cur_copy(&c, r->buf + r->len, take);
		r->len = (uint16_t)(r->len + take);
	}
	if (th & DNP3_TH_FIN) {
		r->active = 0;
		dnp3_app(st, sink, dir, r->buf, r->len, r->src, r->dst);
	}
}

/* One whole frame of size flen at p, header already checked. */
static void
dnp3_frame(struct dnp3_state *st, const struct obs_sink *sink, int dir,
    const uint8_t *p, size_t flen)
{
	uint8_t udata[DNP3_MAX_UDATA];
	struct cur c = cur_make(p, flen);
	uint8_t len, ctl;
	uint16_t dst, src;
	size_t n, got = 0, blk;

	cur_skip(&c, 2);
	len = cur_u8(&c);
	ctl = cur_u8(&c);
	dst = cur_le16(&c);
	src = cur_le16(&c);
	cur_skip(&c, 2); /* header CRC, checked by the caller */
	if (!cur_ok(&c))
		return;
	dnp3_link_addr(st, sink, dir, src, dst);
	n = (size_t)len - DNP3_LEN_MIN;
	/* Each pass takes one block of 1..16 bytes: at most 16 passes. */
	while (got < n) {
		blk = n - got < DNP3_BLOCK ? n - got : DNP3_BLOCK;
		{
			struct cur b = c;

			if (!dnp3_crc_ok(&c, blk)) {
				dnp3_anomaly(sink, DNP3_AN_DATA_CRC,
				    "bad link data CRC");
				return;
			}
			cur_copy(&b, udata + got, blk);
		}
		got += blk;
	}
	if (n == 0)
		return; /* link-only frame: reset, test, status, ack */
	if (!(ctl & DNP3_CTL_PRM) ||
	    ((ctl & 0x0f) != DNP3_LFC_CONFIRMED_DATA &&
		(ctl & 0x0f) != DNP3_LFC_UNCONFIRMED_DATA)) {
		dnp3_anomaly(sink, DNP3_AN_NONDATA,
		    "user data in a non-data link frame");
		return;
	}
	dnp3_transport(st, sink, dir, udata, n, src, dst);
}

static int
dnp3_probe(const uint8_t *buf, size_t len, int dir)
{
	(void)dir;
	if (len == 0)
		return PROBE_MAYBE;
	switch (dnp3_check_header(buf, len)) {
	case HDR_OK:
		return PROBE_YES;
	case HDR_SHORT:
		return PROBE_MAYBE;
	default:
		return PROBE_NO;
	}
}

static const char *
dnp3_header_what(int r)
{
	switch (r) {
	case HDR_BAD_CRC:
		return "bad link header CRC";
	case HDR_BAD_LEN:
		return "link length below 5";
	default:
		return "bytes outside a link frame";
	}
}

static enum dis_rc
dnp3_parse(void *state, const struct dis_ctx *ctx, const uint8_t *buf,
    size_t len, size_t *used, const struct obs_sink *sink)
{
	struct dnp3_state *st = state;
	int dir = ctx->dir & 1, udp = ctx->l4 == 17, skipped = 0, r;
	size_t off = 0, avail, flen;

	*used = 0;
	/* Each pass consumes a frame or skips >= 1 byte, or returns. */
	while (off < len) {
		avail = len - off;
		r = dnp3_check_header(buf + off, avail);
		if (r == HDR_SHORT) {
			if (udp)
				goto truncated;
			*used = off;
			return DIS_NEED_MORE;
		}
		if (r != HDR_OK) {
			/* Before any good frame, bad bytes mean "not DNP3". */
			if (!st->seen_frame)
				return DIS_NOT_MINE;
			dnp3_anomaly(sink,
			    r == HDR_BAD_CRC ? DNP3_AN_HDR_CRC
			    : r == HDR_BAD_LEN ? DNP3_AN_BAD_LENGTH
					       : DNP3_AN_GARBAGE,
			    dnp3_header_what(r));
			off += dnp3_scan(buf + off, avail);
			skipped = 1;
			continue;
		}
		flen = dnp3_frame_size(buf[off + 2]);
		if (flen > avail) {
			if (udp)
				goto truncated;
			*used = off;
			return DIS_NEED_MORE;
		}
		st->seen_frame = 1;
		dnp3_frame(st, sink, dir, buf + off, flen);
		off += flen;
	}
	*used = off;
	return skipped ? DIS_MALFORMED : DIS_OK;

truncated:
	/* A datagram ends inside a frame: nothing more will come. */
	dnp3_anomaly(sink, DNP3_AN_TRUNCATED, "link frame truncated");
	*used = len;
	return DIS_MALFORMED;
}

static void
dnp3_resync(void *state, int dir)
{
	struct dnp3_state *st = state;

	st->tr[dir & 1].active = 0;
	st->tr[dir & 1].len = 0;
}

const struct dissector dissector_dnp3 = {
	"dnp3", OBS_P_DNP3, 1, 1, {20000, 0, 0, 0}, 1,
	sizeof(struct dnp3_state), dnp3_probe, dnp3_parse, dnp3_resync,
};

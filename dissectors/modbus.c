/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * modbus.c: Modbus/TCP dissector.
 *
 * Splits a TCP stream into MBAP-framed PDUs, names every function code
 * (the public ones, their diagnostic and MEI sub-codes, Schneider's UMAS
 * on function 90), reports each request once and pairs its response by
 * transaction id + unit id (+ function) through a bounded pending table,
 * turns 43/14 Read Device Identification and 17 Report Server ID replies
 * into the responder's identity, and flags PDUs that break the
 * specification's limits.  A payload on port 502 that is not Modbus
 * (RPC, TLS, HTTP...) fails the MBAP check and is disowned.
 *
 * References:
 *   MODBUS Application Protocol Specification V1.1b3 (modbus.org, 2012):
 *     sec. 4.1 PDU size (253 bytes), 5 function code categories,
 *     6.1-6.21 requests and responses, 7 exception responses,
 *     Annex A reserved codes.
 *   MODBUS Messaging on TCP/IP Implementation Guide V1.0b (2006):
 *     sec. 3.1.3 the MBAP header.
 *   UMAS (function 90): no public specification; the sub-code names
 *     follow the public reverse-engineering write-ups.
 *
 * One ADU on the wire (big-endian throughout):
 *
 *   0       2       4       6   7   8
 *   +-------+-------+-------+---+---+---------------------------+
 *   | trans | proto | length|uid| fc| data (length - 2 bytes)   |
 *   |  id   | id = 0|       |   |   |                           |
 *   +-------+-------+-------+---+---+---------------------------+
 *   \------------ MBAP ---------/\------------ PDU -------------/
 *
 *   length counts uid + PDU: 2..254 (PDU at most 253 bytes, ADU 260).
 *   A response with fc | 0x80 is an exception: one byte, the code.
 *
 * Which direction carries requests: the one towards port 502 (as in
 * Wireshark); when both or neither end uses 502, the flow's client.
 *
 * Trust: every byte is hostile.  The MBAP length is checked against its
 * limits before the PDU is bounded with cur_sub(); each function's fields
 * are read from that bounded cursor only.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cursor.h"
#include "dissect.h"

#define MODBUS_PORT 502

#define MODBUS_MBAP_FIXED 6	 /* trans id, proto id, length */
#define MODBUS_MBAP_LEN 7	 /* ... plus unit id */
#define MODBUS_LEN_MIN 2	 /* unit id + function code */
#define MODBUS_LEN_MAX 254	 /* unit id + 253-byte PDU (spec 4.1) */
/*
 * SPEC: 4.1 caps the PDU at 253 bytes, but Schneider UMAS stacks are
 * seen sending one byte more.  Up to this length we parse and flag it;
 * beyond it the header is not Modbus.
 */
#define MODBUS_LEN_TOLERATED 260

#define MODBUS_MAX_PENDING 64	/* unanswered requests kept per flow */
/* modbus_state.pend_used has one bit per pending slot. */
_Static_assert(MODBUS_MAX_PENDING >= 1 && MODBUS_MAX_PENDING <= 64,
    "MODBUS_MAX_PENDING must fit the pend_used bit mask");
#define MODBUS_PEND_ALL (~(uint64_t)0 >> (64 - MODBUS_MAX_PENDING))
#define MODBUS_MAX_PDUS_PER_CALL 256 /* then return, the sensor calls again */
#define MODBUS_SID_SCAN_MAX 32	/* server id bytes searched in FC 17 */
#define MODBUS_SID_TEXT_MIN 3	/* printable bytes to call it a name */

/* Function codes (spec 6, Annex A). */
#define MODBUS_FC_READ_COILS 0x01
#define MODBUS_FC_READ_DISCRETE_INPUTS 0x02
#define MODBUS_FC_READ_HOLDING_REGS 0x03
#define MODBUS_FC_READ_INPUT_REGS 0x04
#define MODBUS_FC_WRITE_SINGLE_COIL 0x05
#define MODBUS_FC_WRITE_SINGLE_REG 0x06
#define MODBUS_FC_READ_EXCEPTION_STATUS 0x07
#define MODBUS_FC_DIAGNOSTICS 0x08
#define MODBUS_FC_GET_COMM_EVENT_COUNTER 0x0b
#define MODBUS_FC_GET_COMM_EVENT_LOG 0x0c
#define MODBUS_FC_WRITE_MULTIPLE_COILS 0x0f
#define MODBUS_FC_WRITE_MULTIPLE_REGS 0x10
#define MODBUS_FC_REPORT_SERVER_ID 0x11
#define MODBUS_FC_READ_FILE_RECORD 0x14
#define MODBUS_FC_WRITE_FILE_RECORD 0x15
#define MODBUS_FC_MASK_WRITE_REG 0x16
#define MODBUS_FC_READ_WRITE_MULTIPLE_REGS 0x17
#define MODBUS_FC_READ_FIFO_QUEUE 0x18
#define MODBUS_FC_ENCAP_INTERFACE 0x2b
#define MODBUS_FC_UMAS 0x5a
#define MODBUS_FC_EXCEPTION 0x80

/* MEI types of function 43 (spec 6.19-6.21). */
#define MODBUS_MEI_CANOPEN 0x0d
#define MODBUS_MEI_DEVICE_ID 0x0e

/* Quantity limits (spec 6.1-6.17). */
#define MODBUS_MAX_READ_BITS 2000
#define MODBUS_MAX_READ_REGS 125
#define MODBUS_MAX_WRITE_BITS 1968
#define MODBUS_MAX_WRITE_REGS 123
#define MODBUS_MAX_RW_WRITE_REGS 121
#define MODBUS_MAX_FIFO_COUNT 31
#define MODBUS_FILE_REF_TYPE 6
#define MODBUS_FILE_MAX_RECORD 0x270f
#define MODBUS_COIL_ON 0xff00
#define MODBUS_COIL_OFF 0x0000

/* 43/14 Read Device Identification object ids (spec 6.21). */
#define MODBUS_DEVID_VENDOR_NAME 0
#define MODBUS_DEVID_PRODUCT_CODE 1
#define MODBUS_DEVID_REVISION 2
#define MODBUS_DEVID_VENDOR_URL 3
#define MODBUS_DEVID_PRODUCT_NAME 4
#define MODBUS_DEVID_MODEL_NAME 5
#define MODBUS_DEVID_USER_APP_NAME 6
#define MODBUS_DEVID_N_STD 7
#define MODBUS_DEVID_MORE_FOLLOWS 0xff

/* UMAS reply codes after 0x5a and the pairing key. */
#define MODBUS_UMAS_OK 0xfe
#define MODBUS_UMAS_ERROR 0xfd

/* Exception codes this dissector knows (spec 7). */
#define MODBUS_EXC_MAX 0x0b

/* obs_anomaly.reason */
enum modbus_anomaly {
	MODBUS_AN_BAD_MBAP = 1,
	MODBUS_AN_OVERSIZE,
	MODBUS_AN_SHORT_PDU,
	MODBUS_AN_LONG_PDU,
	MODBUS_AN_QUANTITY,
	MODBUS_AN_ADDR_WRAP,
	MODBUS_AN_BYTE_COUNT,
	MODBUS_AN_COIL_VALUE,
	MODBUS_AN_PENDING_FULL,
	MODBUS_AN_FC_MISMATCH,
	MODBUS_AN_EXC_CODE,
	MODBUS_AN_DEVID,
	MODBUS_AN_FILE_RECORD,
	MODBUS_AN_RESYNC,
	MODBUS_AN_MAX
};

static const char *const modbus_anomaly_what[MODBUS_AN_MAX] = {
	[MODBUS_AN_BAD_MBAP] = "modbus: bad MBAP header",
	[MODBUS_AN_OVERSIZE] = "modbus: PDU longer than 253 bytes",
	[MODBUS_AN_SHORT_PDU] = "modbus: PDU too short for its function",
	[MODBUS_AN_LONG_PDU] = "modbus: PDU longer than its function needs",
	[MODBUS_AN_QUANTITY] = "modbus: quantity out of range",
	[MODBUS_AN_ADDR_WRAP] = "modbus: address range past 65535",
	[MODBUS_AN_BYTE_COUNT] = "modbus: byte count does not match",
	[MODBUS_AN_COIL_VALUE] = "modbus: single coil value not ON/OFF",
	[MODBUS_AN_PENDING_FULL] = "modbus: too many unanswered requests",
	[MODBUS_AN_FC_MISMATCH] = "modbus: response function differs "
				  "from request",
	[MODBUS_AN_EXC_CODE] = "modbus: unknown exception code",
	[MODBUS_AN_DEVID] = "modbus: malformed device identification",
	[MODBUS_AN_FILE_RECORD] = "modbus: malformed file record",
	[MODBUS_AN_RESYNC] = "modbus: bytes skipped to resynchronise",
};

struct modbus_name {
	uint16_t code;
	uint8_t cls;
	const char *name;
};

static const struct modbus_name modbus_fc_names[] = {
	{MODBUS_FC_READ_COILS, OBS_C_READ, "Read Coils"},
	{MODBUS_FC_READ_DISCRETE_INPUTS, OBS_C_READ, "Read Discrete Inputs"},
	{MODBUS_FC_READ_HOLDING_REGS, OBS_C_READ, "Read Holding Registers"},
	{MODBUS_FC_READ_INPUT_REGS, OBS_C_READ, "Read Input Registers"},
	{MODBUS_FC_WRITE_SINGLE_COIL, OBS_C_WRITE, "Write Single Coil"},
	{MODBUS_FC_WRITE_SINGLE_REG, OBS_C_WRITE, "Write Single Register"},
	{MODBUS_FC_READ_EXCEPTION_STATUS, OBS_C_OTHER,
	    "Read Exception Status"},
	{MODBUS_FC_DIAGNOSTICS, OBS_C_OTHER, "Diagnostics"},
	{MODBUS_FC_GET_COMM_EVENT_COUNTER, OBS_C_OTHER,
	    "Get Comm Event Counter"},
	{MODBUS_FC_GET_COMM_EVENT_LOG, OBS_C_OTHER, "Get Comm Event Log"},
	{MODBUS_FC_WRITE_MULTIPLE_COILS, OBS_C_WRITE, "Write Multiple Coils"},
	{MODBUS_FC_WRITE_MULTIPLE_REGS, OBS_C_WRITE,
	    "Write Multiple Registers"},
	{MODBUS_FC_REPORT_SERVER_ID, OBS_C_DISCOVER, "Report Server ID"},
	{MODBUS_FC_READ_FILE_RECORD, OBS_C_READ, "Read File Record"},
	{MODBUS_FC_WRITE_FILE_RECORD, OBS_C_PROGRAM, "Write File Record"},
	{MODBUS_FC_MASK_WRITE_REG, OBS_C_WRITE, "Mask Write Register"},
	{MODBUS_FC_READ_WRITE_MULTIPLE_REGS, OBS_C_WRITE,
	    "Read/Write Multiple Registers"},
	{MODBUS_FC_READ_FIFO_QUEUE, OBS_C_READ, "Read FIFO Queue"},
	/* 43 with an MEI other than 13/14; those two are named below. */
	{MODBUS_FC_ENCAP_INTERFACE, OBS_C_OTHER,
	    "Encapsulated Interface Transport"},
	{MODBUS_FC_UMAS, OBS_C_PROGRAM, "UMAS"},
	{0, 0, NULL},
};

/* Function 8 sub-functions (spec 6.8.1). */
static const struct modbus_name modbus_diag_names[] = {
	{0x00, OBS_C_OTHER, "Diagnostics: Return Query Data"},
	{0x01, OBS_C_OTHER, "Diagnostics: Restart Communications Option"},
	{0x02, OBS_C_OTHER, "Diagnostics: Return Diagnostic Register"},
	{0x03, OBS_C_OTHER, "Diagnostics: Change ASCII Input Delimiter"},
	{0x04, OBS_C_OTHER, "Diagnostics: Force Listen Only Mode"},
	{0x0a, OBS_C_OTHER,
	    "Diagnostics: Clear Counters and Diagnostic Register"},
	{0x0b, OBS_C_OTHER, "Diagnostics: Return Bus Message Count"},
	{0x0c, OBS_C_OTHER,
	    "Diagnostics: Return Bus Communication Error Count"},
	{0x0d, OBS_C_OTHER, "Diagnostics: Return Bus Exception Error Count"},
	{0x0e, OBS_C_OTHER, "Diagnostics: Return Server Message Count"},
	{0x0f, OBS_C_OTHER, "Diagnostics: Return Server No Response Count"},
	{0x10, OBS_C_OTHER, "Diagnostics: Return Server NAK Count"},
	{0x11, OBS_C_OTHER, "Diagnostics: Return Server Busy Count"},
	{0x12, OBS_C_OTHER,
	    "Diagnostics: Return Bus Character Overrun Count"},
	{0x14, OBS_C_OTHER, "Diagnostics: Clear Overrun Counter and Flag"},
	{0, 0, NULL},
};

/* Function 43 MEI types (spec 6.19-6.21). */
static const struct modbus_name modbus_mei_names[] = {
	{MODBUS_MEI_CANOPEN, OBS_C_OTHER, "CANopen General Reference"},
	{MODBUS_MEI_DEVICE_ID, OBS_C_DISCOVER, "Read Device Identification"},
	{0, 0, NULL},
};

/* Function 90 (UMAS) sub-codes; all are engineering access: program. */
static const struct modbus_name modbus_umas_names[] = {
	{0x01, OBS_C_PROGRAM, "UMAS: Init Comm"},
	{0x02, OBS_C_PROGRAM, "UMAS: Read ID"},
	{0x03, OBS_C_PROGRAM, "UMAS: Read Project Info"},
	{0x04, OBS_C_PROGRAM, "UMAS: Read PLC Info"},
	{0x06, OBS_C_PROGRAM, "UMAS: Read Card Info"},
	{0x0a, OBS_C_PROGRAM, "UMAS: Repeat"},
	{0x10, OBS_C_PROGRAM, "UMAS: Take PLC Reservation"},
	{0x11, OBS_C_PROGRAM, "UMAS: Release PLC Reservation"},
	{0x12, OBS_C_PROGRAM, "UMAS: Keep Alive"},
	{0x20, OBS_C_PROGRAM, "UMAS: Read Memory Block"},
	{0x22, OBS_C_PROGRAM, "UMAS: Read Variables"},
	{0x23, OBS_C_PROGRAM, "UMAS: Write Variables"},
	{0x24, OBS_C_PROGRAM, "UMAS: Read Coils/Registers"},
	{0x25, OBS_C_PROGRAM, "UMAS: Write Coils/Registers"},
	{0x30, OBS_C_PROGRAM, "UMAS: Initialize Upload"},
	{0x31, OBS_C_PROGRAM, "UMAS: Upload Block"},
	{0x32, OBS_C_PROGRAM, "UMAS: End Upload"},
	{0x33, OBS_C_PROGRAM, "UMAS: Initialize Download"},
	{0x34, OBS_C_PROGRAM, "UMAS: Download Block"},
	{0x35, OBS_C_PROGRAM, "UMAS: End Download"},
	{0x39, OBS_C_PROGRAM, "UMAS: Read Ethernet Master Data"},
	{0x40, OBS_C_PROGRAM, "UMAS: Start PLC"},
	{0x41, OBS_C_PROGRAM, "UMAS: Stop PLC"},
	{0x50, OBS_C_PROGRAM, "UMAS: Monitor PLC"},
	{0x58, OBS_C_PROGRAM, "UMAS: Check PLC"},
	{0x70, OBS_C_PROGRAM, "UMAS: Read IO Object"},
	{0x71, OBS_C_PROGRAM, "UMAS: Write IO Object"},
	{0x73, OBS_C_PROGRAM, "UMAS: Get Status Module"},
	{0, 0, NULL},
};

/* A request waiting for its response. */
struct modbus_pending {
	uint32_t seq; /* age, 1.. ; 0 marks a free slot */
	uint32_t addr_lo, addr_hi;
	const char *name; /* static */
	uint16_t tid;
	uint16_t sub; /* what chose the name: diag sub, MEI, UMAS code */
	uint16_t qty; /* registers/coils read, to check the reply */
	uint8_t unit;
	uint8_t fc;
	uint8_t cls;
	uint8_t requester; /* enum obs_side */
};

/* Per-flow state; the sensor zeroes it. */
struct modbus_state {
	struct modbus_pending pend[MODBUS_MAX_PENDING];
	/*
	 * Bit i set: pend[i].seq != 0.  Lookups visit only these slots, in
	 * index order, as a scan of the whole table would.
	 */
	uint64_t pend_used;
	uint32_t seq;	       /* last pending age handed out */
	uint8_t mine;	       /* something was emitted: never NOT_MINE */
	uint8_t resync[2];     /* per dis_dir: next bytes may be mid-PDU */
	uint8_t roles[2];      /* per obs_side: MODBUS_ROLE_* reported */
	uint8_t have_prodcode; /* a 43/14 ProductCode was reported */
	uint8_t have_devid_product; /* 43/14 gave a product (code or name) */
	uint8_t pend_full;     /* overflow flagged; again once a slot frees */
};

#define MODBUS_ROLE_CLIENT 0x01
#define MODBUS_ROLE_SERVER 0x02

/* One call's context, passed to the helpers. */
struct modbus_run {
	struct modbus_state *st;
	const struct obs_sink *sink;
	uint8_t side; /* enum obs_side of the sender of these bytes */
};

/* What a PDU decodes to: what will be reported about it. */
struct modbus_pdu {
	uint16_t tid;
	uint8_t unit;
	uint8_t fc; /* as sent, with the exception bit */
	uint16_t sub;
	uint8_t cls;
	uint8_t flags;
	uint32_t status;
	uint32_t addr_lo, addr_hi;
	const char *name;
	/* from the PDU's body, used to check a response against it */
	uint16_t qty;
};

/* --- helpers ----------------------------------------------------------- */

static void
modbus_anomaly(struct modbus_run *r, enum modbus_anomaly reason)
{
	struct obs_anomaly a;

	memset(&a, 0, sizeof(a));
	a.proto = OBS_P_MODBUS;
	a.reason = (uint16_t)reason;
	a.what = modbus_anomaly_what[reason];
	r->st->mine = 1;
	if (r->sink->anomaly != NULL)
		r->sink->anomaly(r->sink->arg, &a);
}

static const struct modbus_name *
modbus_lookup(const struct modbus_name *t, unsigned code)
{
	for (; t->name != NULL; t++)
		if (t->code == code)
			return t;
	return NULL;
}

/*
 * modbus_lookup(modbus_fc_names, fc).  The table starts with codes 1..8
 * in order (the polling functions): those are found by index, checked
 * against the entry's code, so a reordered table only costs the scan.
 */
static const struct modbus_name *
modbus_fc_entry(unsigned fc)
{
	const struct modbus_name *n;

	if (fc - 1u < 8u) {
		n = &modbus_fc_names[fc - 1u];
		if (n->code == fc)
			return n;
	}
	return modbus_lookup(modbus_fc_names, fc);
}

/* 1..127 codes whose request and response we know: see modbus_fc_names. */
static int
modbus_fc_known(unsigned fc)
{
	return modbus_fc_entry(fc) != NULL;
}

/*
 * Class and name of a function code (without the exception bit), given
 * its sub-code where it has one.  Unknown codes keep their number in
 * op.code; the name says which range they fall in (spec 5).
 */
static inline void
modbus_classify(struct modbus_pdu *p, unsigned fc, int have_sub)
{
	const struct modbus_name *n = modbus_fc_entry(fc);
	const struct modbus_name *s = NULL;

	if (n == NULL) {
		p->cls = OBS_C_OTHER;
		if ((fc >= 65 && fc <= 72) || (fc >= 100 && fc <= 110))
			p->name = "user-defined";
		else
			p->name = "unknown";
		return;
	}
	p->cls = n->cls;
	p->name = n->name;
	if (!have_sub)
		return;
	if (fc == MODBUS_FC_DIAGNOSTICS)
		s = modbus_lookup(modbus_diag_names, p->sub);
	else if (fc == MODBUS_FC_ENCAP_INTERFACE)
		s = modbus_lookup(modbus_mei_names, p->sub);
	else if (fc == MODBUS_FC_UMAS)
		s = modbus_lookup(modbus_umas_names, p->sub);
	if (s != NULL) {
		p->cls = s->cls;
		p->name = s->name;
	}
}

static void
modbus_no_range(struct modbus_pdu *p)
{
	p->addr_lo = 1;
	p->addr_hi = 0; /* hi < lo: no range */
}

/* A range of qty items from addr; qty 0 is none. */
static void
modbus_range(struct modbus_run *r, struct modbus_pdu *p, uint16_t addr,
    uint16_t qty)
{
	uint32_t hi;

	if (qty == 0) {
		modbus_no_range(p);
		return;
	}
	/* at most 0xffff + 0xffff - 1: no uint32_t overflow */
	hi = (uint32_t)addr + qty - 1;
	if (hi > 0xffff) {
		modbus_anomaly(r, MODBUS_AN_ADDR_WRAP);
		hi = 0xffff;
	}
	p->addr_lo = addr;
	p->addr_hi = hi;
}

static void
modbus_qty_check(struct modbus_run *r, uint16_t qty, uint16_t max)
{
	if (qty < 1 || qty > max)
		modbus_anomaly(r, MODBUS_AN_QUANTITY);
}

/*
 * After decoding a fixed-layout body: flag it if it was short (the
 * cursor failed) or had bytes left over.  Returns 1 if it was whole.
 */
static int
modbus_body_end(struct modbus_run *r, const struct cur *d)
{
	if (!cur_ok(d)) {
		modbus_anomaly(r, MODBUS_AN_SHORT_PDU);
		return 0;
	}
	if (d->left > 0)
		modbus_anomaly(r, MODBUS_AN_LONG_PDU);
	return 1;
}

static void
modbus_roles_slow(struct modbus_run *r, uint8_t requester)
{
	struct obs_role role;
	uint8_t responder = requester ^ 1;

	memset(&role, 0, sizeof(role));
	role.proto = OBS_P_MODBUS;
	if (!(r->st->roles[requester] & MODBUS_ROLE_CLIENT)) {
		r->st->roles[requester] |= MODBUS_ROLE_CLIENT;
		role.side = requester;
		role.role = OBS_R_CLIENT;
		r->st->mine = 1;
		if (r->sink->role != NULL)
			r->sink->role(r->sink->arg, &role);
	}
	if (!(r->st->roles[responder] & MODBUS_ROLE_SERVER)) {
		r->st->roles[responder] |= MODBUS_ROLE_SERVER;
		role.side = responder;
		role.role = OBS_R_SERVER;
		r->st->mine = 1;
		if (r->sink->role != NULL)
			r->sink->role(r->sink->arg, &role);
	}
}

/* Report the roles not yet reported; after the first PDU, none. */
static inline void
modbus_roles(struct modbus_run *r, uint8_t requester)
{
	if ((r->st->roles[requester] & MODBUS_ROLE_CLIENT) &&
	    (r->st->roles[requester ^ 1] & MODBUS_ROLE_SERVER))
		return;
	modbus_roles_slow(r, requester);
}

static inline void
modbus_emit_op(struct modbus_run *r, const struct modbus_pdu *p,
    uint8_t requester, uint32_t code)
{
	struct obs_op op;

	memset(&op, 0, sizeof(op));
	op.proto = OBS_P_MODBUS;
	op.cls = p->cls;
	op.flags = p->flags;
	op.requester = requester;
	op.code = code;
	op.status = p->status;
	op.unit = p->unit;
	op.addr_lo = p->addr_lo;
	op.addr_hi = p->addr_hi;
	op.name = p->name;
	r->st->mine = 1;
	if (r->sink->op != NULL)
		r->sink->op(r->sink->arg, &op);
}

/* --- pending requests ---------------------------------------------------- */

static void
modbus_pend_add(struct modbus_run *r, const struct modbus_pdu *p)
{
	struct modbus_state *st = r->st;
	struct modbus_pending *e = NULL, *oldest = NULL;
	uint64_t free_slots = ~st->pend_used & MODBUS_PEND_ALL;
	size_t i;

	if (free_slots != 0) {
		/* the first free slot */
		i = (size_t)__builtin_ctzll(free_slots);
		e = &st->pend[i];
		st->pend_used |= (uint64_t)1 << i;
	} else {
		/* all in use: the oldest, the first of equals */
		for (i = 0; i < MODBUS_MAX_PENDING; i++)
			if (oldest == NULL || st->pend[i].seq < oldest->seq)
				oldest = &st->pend[i];
		/*
		 * Full: the oldest request is least likely to be answered.
		 * Flag the overflow once, not for every request of a flood.
		 */
		if (!st->pend_full)
			modbus_anomaly(r, MODBUS_AN_PENDING_FULL);
		st->pend_full = 1;
		e = oldest;
	}
	if (++st->seq == 0)
		st->seq = 1; /* wrapped after 2^32 requests: ages blur */
	e->seq = st->seq;
	e->tid = p->tid;
	e->unit = p->unit;
	e->fc = p->fc;
	e->sub = p->sub;
	e->cls = p->cls;
	e->name = p->name;
	e->addr_lo = p->addr_lo;
	e->addr_hi = p->addr_hi;
	e->qty = p->qty;
	e->requester = r->side;
}

/*
 * The oldest request sent by the other side with this transaction and
 * unit id and function fc; if there is none, the oldest with any
 * function.  One pass over the slots in use, in index order (the first
 * of equal ages wins, as it did with two scans of the whole table).
 */
static struct modbus_pending *
modbus_pend_find(struct modbus_run *r, uint16_t tid, uint8_t unit,
    uint8_t fc)
{
	struct modbus_pending *e, *best = NULL, *any = NULL;
	uint64_t m;

	for (m = r->st->pend_used; m != 0; m &= m - 1) {
		e = &r->st->pend[__builtin_ctzll(m)];
		if (e->tid != tid || e->unit != unit ||
		    e->requester == r->side)
			continue;
		if (any == NULL || e->seq < any->seq)
			any = e;
		if (e->fc == fc && (best == NULL || e->seq < best->seq))
			best = e;
	}
	return best != NULL ? best : any;
}

/* Free a slot taken by modbus_pend_add. */
static void
modbus_pend_free(struct modbus_state *st, struct modbus_pending *e)
{
	e->seq = 0;
	st->pend_used &= ~((uint64_t)1 << (e - st->pend));
}

/* --- requests ------------------------------------------------------------ */

/* Read/write of a block: address, quantity (1..max). */
static inline void
modbus_req_block(struct modbus_run *r, struct modbus_pdu *p, struct cur *d,
    uint16_t max)
{
	uint16_t addr, qty;

	if (d->err == CUR_OK && d->left == 4) {
		/* the usual exact body: plain loads, nothing left over */
		addr = (uint16_t)(d->p[0] << 8 | d->p[1]);
		qty = (uint16_t)(d->p[2] << 8 | d->p[3]);
		d->p += 4;
		d->left = 0;
	} else {
		addr = cur_be16(d);
		qty = cur_be16(d);
		if (!modbus_body_end(r, d))
			return;
	}
	modbus_qty_check(r, qty, max);
	modbus_range(r, p, addr, qty);
	p->qty = qty;
}

/* 15 and 16: address, quantity, byte count, values. */
static void
modbus_req_write_multiple(struct modbus_run *r, struct modbus_pdu *p,
    struct cur *d, int coils)
{
	uint16_t addr, qty, max;
	size_t want;
	uint8_t bc;

	addr = cur_be16(d);
	qty = cur_be16(d);
	bc = cur_u8(d);
	if (!cur_ok(d)) {
		modbus_anomaly(r, MODBUS_AN_SHORT_PDU);
		return;
	}
	max = coils ? MODBUS_MAX_WRITE_BITS : MODBUS_MAX_WRITE_REGS;
	modbus_qty_check(r, qty, max);
	want = coils ? ((size_t)qty + 7) / 8 : (size_t)qty * 2;
	if (bc != want || bc != d->left)
		modbus_anomaly(r, MODBUS_AN_BYTE_COUNT);
	modbus_range(r, p, addr, qty);
	p->qty = qty;
}

/*
 * 20 and 21: byte count, then sub-requests of reference type 6, file
 * number, record number, record length (and for 21 the record data).
 * The range reported is the record range when there is one sub-request.
 */
static void
modbus_req_file(struct modbus_run *r, struct modbus_pdu *p, struct cur *d,
    int write)
{
	struct cur recs;
	uint16_t recno = 0, reclen = 0;
	unsigned n = 0;
	uint8_t bc, ref;

	bc = cur_u8(d);
	if (!cur_ok(d)) {
		modbus_anomaly(r, MODBUS_AN_SHORT_PDU);
		return;
	}
	if (bc != d->left) {
		modbus_anomaly(r, MODBUS_AN_BYTE_COUNT);
		return;
	}
	recs = cur_sub(d, bc);
	/* each sub-request takes at least 7 bytes: at most 36 rounds */
	while (recs.left > 0 && cur_ok(&recs)) {
		ref = cur_u8(&recs);
		(void)cur_be16(&recs); /* file number */
		recno = cur_be16(&recs);
		reclen = cur_be16(&recs);
		if (write)
			cur_skip(&recs, (size_t)reclen * 2);
		if (!cur_ok(&recs) || ref != MODBUS_FILE_REF_TYPE ||
		    recno > MODBUS_FILE_MAX_RECORD) {
			modbus_anomaly(r, MODBUS_AN_FILE_RECORD);
			return;
		}
		n++;
	}
	if (n == 0)
		modbus_anomaly(r, MODBUS_AN_FILE_RECORD);
	else if (n == 1)
		modbus_range(r, p, recno, reclen);
}

static void
modbus_request_body(struct modbus_run *r, struct modbus_pdu *p, struct cur *d)
{
	uint16_t addr, v, rq, wq;
	uint8_t bc;

	switch (p->fc) {
	case MODBUS_FC_READ_COILS:
	case MODBUS_FC_READ_DISCRETE_INPUTS:
		modbus_req_block(r, p, d, MODBUS_MAX_READ_BITS);
		break;
	case MODBUS_FC_READ_HOLDING_REGS:
	case MODBUS_FC_READ_INPUT_REGS:
		modbus_req_block(r, p, d, MODBUS_MAX_READ_REGS);
		break;
	case MODBUS_FC_WRITE_SINGLE_COIL:
	case MODBUS_FC_WRITE_SINGLE_REG:
		addr = cur_be16(d);
		v = cur_be16(d);
		if (!modbus_body_end(r, d))
			break;
		if (p->fc == MODBUS_FC_WRITE_SINGLE_COIL &&
		    v != MODBUS_COIL_ON && v != MODBUS_COIL_OFF)
			modbus_anomaly(r, MODBUS_AN_COIL_VALUE);
		modbus_range(r, p, addr, 1);
		break;
	case MODBUS_FC_READ_EXCEPTION_STATUS:
	case MODBUS_FC_GET_COMM_EVENT_COUNTER:
	case MODBUS_FC_GET_COMM_EVENT_LOG:
	case MODBUS_FC_REPORT_SERVER_ID:
		(void)modbus_body_end(r, d);
		break;
	case MODBUS_FC_DIAGNOSTICS:
		/* sub-function (read by the caller) and its data */
		break;
	case MODBUS_FC_WRITE_MULTIPLE_COILS:
		modbus_req_write_multiple(r, p, d, 1);
		break;
	case MODBUS_FC_WRITE_MULTIPLE_REGS:
		modbus_req_write_multiple(r, p, d, 0);
		break;
	case MODBUS_FC_READ_FILE_RECORD:
		modbus_req_file(r, p, d, 0);
		break;
	case MODBUS_FC_WRITE_FILE_RECORD:
		modbus_req_file(r, p, d, 1);
		break;
	case MODBUS_FC_MASK_WRITE_REG:
		addr = cur_be16(d);
		(void)cur_be16(d); /* AND mask */
		(void)cur_be16(d); /* OR mask */
		if (modbus_body_end(r, d))
			modbus_range(r, p, addr, 1);
		break;
	case MODBUS_FC_READ_WRITE_MULTIPLE_REGS:
		/* read address, read qty, write address, write qty, count */
		(void)cur_be16(d);
		rq = cur_be16(d);
		addr = cur_be16(d);
		wq = cur_be16(d);
		bc = cur_u8(d);
		if (!cur_ok(d)) {
			modbus_anomaly(r, MODBUS_AN_SHORT_PDU);
			break;
		}
		modbus_qty_check(r, rq, MODBUS_MAX_READ_REGS);
		modbus_qty_check(r, wq, MODBUS_MAX_RW_WRITE_REGS);
		if (bc != (size_t)wq * 2 || bc != d->left)
			modbus_anomaly(r, MODBUS_AN_BYTE_COUNT);
		/* the class is write: report the registers written */
		modbus_range(r, p, addr, wq);
		p->qty = rq;
		break;
	case MODBUS_FC_READ_FIFO_QUEUE:
		addr = cur_be16(d);
		if (modbus_body_end(r, d))
			modbus_range(r, p, addr, 1);
		break;
	case MODBUS_FC_ENCAP_INTERFACE:
		if (p->sub == MODBUS_MEI_DEVICE_ID) {
			/* read device id code (1..4), object id */
			v = cur_u8(d);
			(void)cur_u8(d);
			if (!cur_ok(d))
				modbus_anomaly(r, MODBUS_AN_SHORT_PDU);
			else if (v < 1 || v > 4)
				modbus_anomaly(r, MODBUS_AN_DEVID);
		}
		break;
	default:
		/* unknown, user-defined, UMAS: opaque data */
		break;
	}
}

/* --- responses ----------------------------------------------------------- */

/*
 * 17 Report Server ID: byte count, server id (device-specific length),
 * run indicator (0x00 off, 0xff on), additional data.  The server id is
 * usually one byte; we take the first run indicator byte after at least
 * one id byte that is followed by printable text, and report that text
 * as ident.product: it names the device (e.g. "Wingpath Limited" on a
 * simulator, a catalogue designation on PLCs), unless 43/14 gave the
 * product on this flow (modbus_response_body).
 */
static int
modbus_server_id(struct cur *d, struct obs_ident *id)
{
	struct cur data, t;
	size_t k, n, bc, lim;
	uint8_t b;

	bc = cur_u8(d);
	if (!cur_ok(d))
		return -1;
	if (bc != d->left)
		return -1;
	data = cur_sub(d, bc);
	lim = bc < MODBUS_SID_SCAN_MAX ? bc : MODBUS_SID_SCAN_MAX;
	for (k = 1; k + 1 < lim; k++) {
		b = cur_peek(&data, k);
		if (b != 0x00 && b != 0xff)
			continue;
		/* printable run after the run indicator */
		t = data;
		cur_skip(&t, k + 1);
		for (n = 0; n < t.left; n++) {
			b = cur_peek(&t, n);
			if (b < 0x20 || b >= 0x7f)
				break;
		}
		if (n >= MODBUS_SID_TEXT_MIN) {
			obs_strcpy(id->product, sizeof(id->product), t.p, n,
			    &id->truncated);
			return id->product[0] != '\0';
		}
	}
	return 0;
}

/*
 * 43/14 Read Device Identification response: read device id code,
 * conformity level, more follows, next object id, number of objects,
 * then objects {id, length, value}.  With "more follows" the client asks
 * again from the next object id; each reply adds what it carries.
 * Returns 1 if id was filled, 0 if nothing, -1 if malformed.
 */
static int
modbus_device_id(struct modbus_run *r, struct cur *d, struct obs_ident *id)
{
	struct cur obj[MODBUS_DEVID_N_STD], v;
	uint8_t have[MODBUS_DEVID_N_STD];
	uint8_t code, more, nobj, oid, olen;
	unsigned i;
	int got = 0;

	memset(obj, 0, sizeof(obj));
	memset(have, 0, sizeof(have));
	code = cur_u8(d);
	(void)cur_u8(d); /* conformity level */
	more = cur_u8(d);
	(void)cur_u8(d); /* next object id */
	nobj = cur_u8(d);
	if (!cur_ok(d) || code < 1 || code > 4 ||
	    (more != 0 && more != MODBUS_DEVID_MORE_FOLLOWS))
		return -1;
	/* at most 255 objects of at least 2 bytes: bounded by nobj */
	for (i = 0; i < nobj; i++) {
		oid = cur_u8(d);
		olen = cur_u8(d);
		v = cur_sub(d, olen);
		if (!cur_ok(d))
			return -1;
		if (oid < MODBUS_DEVID_N_STD) {
			obj[oid] = v;
			have[oid] = 1;
		}
		/* 7..0x7f reserved, 0x80..0xff private: not identity */
	}
	if (d->left > 0)
		return -1;

#define DEVID_COPY(field, o)                                                \
	do {                                                                \
		obs_strcpy(id->field, sizeof(id->field), obj[o].p,          \
		    obj[o].left, &id->truncated);                           \
		got |= id->field[0] != '\0';                                \
	} while (0)

	if (have[MODBUS_DEVID_VENDOR_NAME])
		DEVID_COPY(vendor, MODBUS_DEVID_VENDOR_NAME);
	if (have[MODBUS_DEVID_PRODUCT_CODE]) {
		DEVID_COPY(product, MODBUS_DEVID_PRODUCT_CODE);
		if (id->product[0] != '\0')
			r->st->have_prodcode = 1;
	}
	if (have[MODBUS_DEVID_REVISION])
		DEVID_COPY(firmware, MODBUS_DEVID_REVISION);
	if (have[MODBUS_DEVID_VENDOR_URL])
		DEVID_COPY(url, MODBUS_DEVID_VENDOR_URL);
	if (have[MODBUS_DEVID_MODEL_NAME])
		DEVID_COPY(model, MODBUS_DEVID_MODEL_NAME);
	/*
	 * ProductName is the product when no ProductCode was given on this
	 * flow, else it describes the model (unless ModelName did).
	 */
	if (have[MODBUS_DEVID_PRODUCT_NAME]) {
		if (!r->st->have_prodcode)
			DEVID_COPY(product, MODBUS_DEVID_PRODUCT_NAME);
		else if (id->model[0] == '\0')
			DEVID_COPY(model, MODBUS_DEVID_PRODUCT_NAME);
	}
	if (have[MODBUS_DEVID_USER_APP_NAME])
		DEVID_COPY(name, MODBUS_DEVID_USER_APP_NAME);
#undef DEVID_COPY
	if (id->product[0] != '\0')
		r->st->have_devid_product = 1;
	return got;
}

/*
 * Check a normal response's body.  req is the paired request or NULL.
 * May fill p's range (echoing functions) and id; returns 1 if id was
 * filled.  id is zeroed here, only for the functions that fill it: an
 * obs_ident is 600 bytes, too many to clear for every response.
 */
static int
modbus_response_body(struct modbus_run *r, struct modbus_pdu *p,
    const struct modbus_pdu *req, struct cur *d, struct obs_ident *id)
{
	uint16_t addr, qty, bc16, cnt;
	uint8_t bc, sub, flen;
	int rc;

	switch (p->fc) {
	case MODBUS_FC_READ_COILS:
	case MODBUS_FC_READ_DISCRETE_INPUTS:
	case MODBUS_FC_READ_HOLDING_REGS:
	case MODBUS_FC_READ_INPUT_REGS:
	case MODBUS_FC_READ_WRITE_MULTIPLE_REGS:
		bc = cur_u8(d);
		if (!cur_ok(d)) {
			modbus_anomaly(r, MODBUS_AN_SHORT_PDU);
			break;
		}
		if (bc != d->left)
			modbus_anomaly(r, MODBUS_AN_BYTE_COUNT);
		else if (req != NULL && req->qty > 0 &&
		    bc != (p->fc <= MODBUS_FC_READ_DISCRETE_INPUTS
			       ? ((size_t)req->qty + 7) / 8
			       : (size_t)req->qty * 2))
			modbus_anomaly(r, MODBUS_AN_BYTE_COUNT);
		break;
	case MODBUS_FC_WRITE_SINGLE_COIL:
	case MODBUS_FC_WRITE_SINGLE_REG:
		addr = cur_be16(d);
		(void)cur_be16(d);
		if (modbus_body_end(r, d) && req == NULL)
			modbus_range(r, p, addr, 1);
		break;
	case MODBUS_FC_WRITE_MULTIPLE_COILS:
	case MODBUS_FC_WRITE_MULTIPLE_REGS:
		addr = cur_be16(d);
		qty = cur_be16(d);
		if (modbus_body_end(r, d) && req == NULL)
			modbus_range(r, p, addr, qty);
		break;
	case MODBUS_FC_MASK_WRITE_REG:
		addr = cur_be16(d);
		(void)cur_be16(d);
		(void)cur_be16(d);
		if (modbus_body_end(r, d) && req == NULL)
			modbus_range(r, p, addr, 1);
		break;
	case MODBUS_FC_READ_EXCEPTION_STATUS:
		(void)cur_u8(d);
		(void)modbus_body_end(r, d);
		break;
	case MODBUS_FC_GET_COMM_EVENT_COUNTER:
		(void)cur_be16(d); /* status */
		(void)cur_be16(d); /* event count */
		(void)modbus_body_end(r, d);
		break;
	case MODBUS_FC_GET_COMM_EVENT_LOG:
		/* byte count, status, event count, message count, events */
		bc = cur_u8(d);
		if (!cur_ok(d)) {
			modbus_anomaly(r, MODBUS_AN_SHORT_PDU);
			break;
		}
		if (bc != d->left || bc < 6)
			modbus_anomaly(r, MODBUS_AN_BYTE_COUNT);
		break;
	case MODBUS_FC_REPORT_SERVER_ID:
		memset(id, 0, sizeof(*id));
		rc = modbus_server_id(d, id);
		if (rc < 0)
			modbus_anomaly(r, MODBUS_AN_BYTE_COUNT);
		/*
		 * The free text of a server id does not replace the product
		 * that 43/14 (ProductCode / ProductName, typed objects)
		 * already gave on this flow: an M340 answers 43/14 with
		 * ProductCode "BMX P34 2020" and 17 with "BMX P34 2020
		 * V3.10".  Given first, the text is replaced by 43/14.
		 */
		if (rc > 0 && r->st->have_devid_product)
			return 0;
		return rc > 0;
	case MODBUS_FC_READ_FILE_RECORD:
		/* byte count, then {length, ref type 6, data} */
		bc = cur_u8(d);
		if (!cur_ok(d)) {
			modbus_anomaly(r, MODBUS_AN_SHORT_PDU);
			break;
		}
		if (bc != d->left) {
			modbus_anomaly(r, MODBUS_AN_BYTE_COUNT);
			break;
		}
		/* each round consumes >= 2 bytes: bounded by bc */
		while (d->left > 0) {
			flen = cur_u8(d);
			sub = cur_u8(d);
			if (flen >= 1)
				cur_skip(d, (size_t)flen - 1);
			if (!cur_ok(d) || flen < 1 ||
			    sub != MODBUS_FILE_REF_TYPE) {
				modbus_anomaly(r, MODBUS_AN_FILE_RECORD);
				break;
			}
		}
		break;
	case MODBUS_FC_WRITE_FILE_RECORD:
		/* an echo of the request: check the byte count only */
		bc = cur_u8(d);
		if (!cur_ok(d))
			modbus_anomaly(r, MODBUS_AN_SHORT_PDU);
		else if (bc != d->left)
			modbus_anomaly(r, MODBUS_AN_BYTE_COUNT);
		break;
	case MODBUS_FC_READ_FIFO_QUEUE:
		/* byte count (2), FIFO count (2, <= 31), values */
		bc16 = cur_be16(d);
		cnt = cur_be16(d);
		if (!cur_ok(d)) {
			modbus_anomaly(r, MODBUS_AN_SHORT_PDU);
			break;
		}
		if (cnt > MODBUS_MAX_FIFO_COUNT)
			modbus_anomaly(r, MODBUS_AN_QUANTITY);
		if (bc16 != (size_t)cnt * 2 + 2 || (size_t)cnt * 2 != d->left)
			modbus_anomaly(r, MODBUS_AN_BYTE_COUNT);
		break;
	case MODBUS_FC_ENCAP_INTERFACE:
		/* MEI type read by the caller */
		if (p->sub != MODBUS_MEI_DEVICE_ID)
			break;
		memset(id, 0, sizeof(*id));
		rc = modbus_device_id(r, d, id);
		if (rc < 0)
			modbus_anomaly(r, MODBUS_AN_DEVID);
		return rc > 0;
	case MODBUS_FC_UMAS:
		/* pairing key, then 0xfe OK or 0xfd error (+ code) */
		(void)cur_u8(d);
		sub = cur_u8(d);
		if (!cur_ok(d)) {
			modbus_anomaly(r, MODBUS_AN_SHORT_PDU);
			break;
		}
		if (sub == MODBUS_UMAS_ERROR) {
			p->flags |= OBS_OP_EXCEPTION;
			p->status = MODBUS_UMAS_ERROR;
		}
		break;
	default:
		break;
	}
	return 0;
}

/* --- one PDU ------------------------------------------------------------- */

/* Read the sub-code that names some functions; body stays after it. */
static int
modbus_read_sub(struct modbus_pdu *p, struct cur *d, int request)
{
	struct cur t;

	switch (p->fc & ~MODBUS_FC_EXCEPTION) {
	case MODBUS_FC_DIAGNOSTICS:
		p->sub = cur_be16(d);
		break;
	case MODBUS_FC_ENCAP_INTERFACE:
		p->sub = cur_u8(d);
		break;
	case MODBUS_FC_UMAS:
		/* request: pairing key, UMAS code; peek, keep the body */
		if (!request)
			return 0;
		t = *d;
		(void)cur_u8(&t);
		p->sub = cur_u8(&t);
		return cur_ok(&t);
	default:
		return 0;
	}
	return cur_ok(d);
}

static void
modbus_request(struct modbus_run *r, struct modbus_pdu *p, struct cur *d)
{
	int have_sub;

	modbus_no_range(p);
	have_sub = modbus_read_sub(p, d, 1);
	modbus_classify(p, p->fc, have_sub);
	if (!have_sub && (p->fc == MODBUS_FC_DIAGNOSTICS ||
			     p->fc == MODBUS_FC_ENCAP_INTERFACE))
		modbus_anomaly(r, MODBUS_AN_SHORT_PDU);
	else
		modbus_request_body(r, p, d);
	modbus_roles(r, r->side);
	modbus_pend_add(r, p);
	modbus_emit_op(r, p, r->side, p->fc);
}

static void
modbus_response(struct modbus_run *r, struct modbus_pdu *p, struct cur *d)
{
	struct modbus_pending *e;
	struct modbus_pdu req;
	struct obs_ident id;
	uint8_t fc = p->fc & (uint8_t)~MODBUS_FC_EXCEPTION;
	uint8_t requester = r->side ^ 1;
	uint8_t exc;
	int have_id = 0, have_sub;

	memset(&req, 0, sizeof(req));
	e = modbus_pend_find(r, p->tid, p->unit, fc);
	if (e != NULL && e->fc != fc) {
		/* answered with another function: drop it, report unpaired */
		modbus_anomaly(r, MODBUS_AN_FC_MISMATCH);
		modbus_pend_free(r->st, e);
		e = NULL;
	}
	if (e != NULL) {
		req.fc = e->fc;
		req.sub = e->sub;
		req.cls = e->cls;
		req.name = e->name;
		req.addr_lo = e->addr_lo;
		req.addr_hi = e->addr_hi;
		req.qty = e->qty;
		modbus_pend_free(r->st, e);
		r->st->pend_full = 0;
	}

	p->flags = OBS_OP_RESPONSE;
	modbus_no_range(p);
	/* id is zeroed by modbus_response_body when it may fill it */
	if (p->fc & MODBUS_FC_EXCEPTION) {
		p->fc = fc;
		p->flags |= OBS_OP_EXCEPTION;
		exc = cur_u8(d);
		if (modbus_body_end(r, d)) {
			p->status = exc;
			if (exc == 0 || exc > MODBUS_EXC_MAX)
				modbus_anomaly(r, MODBUS_AN_EXC_CODE);
		}
		if (e == NULL)
			modbus_classify(p, fc, 0);
	} else {
		have_sub = modbus_read_sub(p, d, 0);
		if (e == NULL)
			modbus_classify(p, fc, have_sub);
		if ((fc == MODBUS_FC_DIAGNOSTICS ||
			fc == MODBUS_FC_ENCAP_INTERFACE) && !have_sub)
			modbus_anomaly(r, MODBUS_AN_SHORT_PDU);
		else
			have_id = modbus_response_body(r, p,
			    e != NULL ? &req : NULL, d, &id);
	}
	if (e != NULL) {
		p->cls = req.cls;
		p->name = req.name;
		p->addr_lo = req.addr_lo;
		p->addr_hi = req.addr_hi;
		fc = req.fc;
	}
	modbus_roles(r, requester);
	modbus_emit_op(r, p, requester, fc);
	if (have_id) {
		id.side = r->side;
		id.proto = OBS_P_MODBUS;
		r->st->mine = 1;
		if (r->sink->ident != NULL)
			r->sink->ident(r->sink->arg, &id);
	}
}

/* --- framing ------------------------------------------------------------- */

/*
 * Do the bytes available at c contradict an MBAP header?  Protocol id
 * bytes must be 0, the length within limits; a short buffer is judged
 * on what it has.
 */
static int
modbus_hdr_bad(const struct cur *c)
{
	size_t mlen;

	if (c->left >= MODBUS_MBAP_FIXED && c->err == CUR_OK) {
		/* the whole fixed header is there: plain loads */
		mlen = (size_t)c->p[4] << 8 | c->p[5];
		return (c->p[2] | c->p[3]) != 0 || mlen < MODBUS_LEN_MIN ||
		    mlen > MODBUS_LEN_TOLERATED;
	}
	if (c->left >= 3 && cur_peek(c, 2) != 0)
		return 1;
	if (c->left >= 4 && cur_peek(c, 3) != 0)
		return 1;
	if (c->left >= MODBUS_MBAP_FIXED) {
		mlen = (size_t)cur_peek(c, 4) << 8 | cur_peek(c, 5);
		if (mlen < MODBUS_LEN_MIN || mlen > MODBUS_LEN_TOLERATED)
			return 1;
	}
	return 0;
}

enum { MODBUS_PL_NO = 0, MODBUS_PL_SHORT, MODBUS_PL_PARTIAL, MODBUS_PL_YES };

/*
 * How plausible is an MBAP header at the start of buf (len bytes)?
 *   NO: it cannot be one.  SHORT: fewer than 8 bytes, consistent so far.
 *   PARTIAL: a good header whose ADU runs past the end.  YES: a good
 *   header, a known function, and after the ADU either the end or
 *   something that starts like another header.
 */
static int
modbus_plausible(const uint8_t *buf, size_t len)
{
	struct cur c = cur_make(buf, len);
	uint16_t mlen;
	uint8_t fc;
	size_t adu;

	if (modbus_hdr_bad(&c))
		return MODBUS_PL_NO;
	(void)cur_be16(&c); /* transaction id */
	(void)cur_be16(&c); /* protocol id, checked */
	mlen = cur_be16(&c);
	(void)cur_u8(&c); /* unit id */
	fc = cur_u8(&c);
	if (!cur_ok(&c))
		return MODBUS_PL_SHORT;
	if (!modbus_fc_known(fc & (uint8_t)~MODBUS_FC_EXCEPTION))
		return MODBUS_PL_NO;
	adu = MODBUS_MBAP_FIXED + (size_t)mlen;
	if (len < adu)
		return MODBUS_PL_PARTIAL;
	c = cur_make(buf, len);
	cur_skip(&c, adu);
	if (modbus_hdr_bad(&c))
		return MODBUS_PL_NO;
	return MODBUS_PL_YES;
}

/*
 * First offset >= from where a PDU may start (or a short tail that may
 * be the start of one); len if none.  *kind says what was found there.
 */
static size_t
modbus_scan(const uint8_t *buf, size_t len, size_t from, int *kind)
{
	size_t j;
	int k;

	for (j = from; j < len; j++) {
		k = modbus_plausible(buf + j, len - j);
		if (k != MODBUS_PL_NO) {
			*kind = k;
			return j;
		}
	}
	*kind = MODBUS_PL_NO;
	return len;
}

/*
 * Skip to the next plausible boundary at or after from.  Returns the rc
 * for parse(): MALFORMED with *used > 0, or NEED_MORE when nothing can
 * be skipped yet (a possible header start at offset 0).  report: flag
 * the skip (not when a bad header was just flagged).
 */
static enum dis_rc
modbus_skip(struct modbus_run *r, const uint8_t *buf, size_t len,
    size_t from, size_t *used, int dir, int report)
{
	size_t j;
	int kind;

	j = modbus_scan(buf, len, from, &kind);
	if (j == 0) {
		/* a header begins here but is not complete: wait for it */
		*used = 0;
		return DIS_NEED_MORE;
	}
	if (kind == MODBUS_PL_YES)
		r->st->resync[dir] = 0;
	if (report && r->st->mine)
		modbus_anomaly(r, MODBUS_AN_RESYNC);
	*used = j;
	return DIS_MALFORMED;
}

static int
modbus_probe(const uint8_t *buf, size_t len, int dir)
{
	struct cur c = cur_make(buf, len);
	uint16_t mlen;
	uint8_t fc;
	size_t adu;

	(void)dir; /* requests and responses look alike */
	if (modbus_hdr_bad(&c))
		return PROBE_NO;
	(void)cur_be16(&c); /* transaction id: any */
	(void)cur_be16(&c); /* protocol id: 0, checked */
	mlen = cur_be16(&c);
	(void)cur_u8(&c); /* unit id: any */
	fc = cur_u8(&c);
	if (!cur_ok(&c))
		return PROBE_MAYBE;
	adu = MODBUS_MBAP_FIXED + (size_t)mlen;
	if (len < adu)
		return PROBE_MAYBE;
	if (len > adu && modbus_plausible(buf + adu, len - adu) == MODBUS_PL_NO)
		return PROBE_MAYBE; /* trailing junk: let parse() judge */
	if (!modbus_fc_known(fc & (uint8_t)~MODBUS_FC_EXCEPTION))
		return PROBE_MAYBE; /* e.g. a function-code sweep */
	return PROBE_YES;
}

/* Is this direction the one that carries requests? */
static int
modbus_is_request(const struct dis_ctx *ctx)
{
	if (ctx->dst_port == MODBUS_PORT && ctx->src_port != MODBUS_PORT)
		return 1;
	if (ctx->src_port == MODBUS_PORT && ctx->dst_port != MODBUS_PORT)
		return 0;
	return ctx->dir == DIS_C2S;
}

static enum dis_rc
modbus_parse(void *state, const struct dis_ctx *ctx, const uint8_t *buf,
    size_t len, size_t *used, const struct obs_sink *sink)
{
	struct modbus_run r;
	struct modbus_pdu p;
	struct cur c, body;
	const uint8_t *q;
	size_t off = 0, adu, n;
	uint16_t mlen;
	int dir = ctx->dir == DIS_S2C ? DIS_S2C : DIS_C2S;
	int request = modbus_is_request(ctx);
	int kind;

	r.st = state;
	r.sink = sink;
	r.side = dir == DIS_C2S ? OBS_SIDE_CLIENT : OBS_SIDE_SERVER;
	*used = 0;

	if (r.st->resync[dir]) {
		/* bytes were lost: start at a header that checks out */
		if (modbus_scan(buf, len, 0, &kind) != 0 ||
		    kind != MODBUS_PL_YES)
			return modbus_skip(&r, buf, len, 0, used, dir, 1);
		r.st->resync[dir] = 0;
	}

	for (n = 0; n < MODBUS_MAX_PDUS_PER_CALL && off < len; n++) {
		q = buf + off;
		if (len - off < MODBUS_MBAP_LEN) {
			/* a short tail: judged on the bytes it has */
			c = cur_make(q, len - off);
			if (modbus_hdr_bad(&c))
				goto bad;
			break; /* header incomplete */
		}
		/* the whole MBAP header is there: plain loads */
		mlen = (uint16_t)(q[4] << 8 | q[5]);
		if ((q[2] | q[3]) != 0 || mlen < MODBUS_LEN_MIN ||
		    mlen > MODBUS_LEN_TOLERATED)
			goto bad;
		adu = MODBUS_MBAP_FIXED + (size_t)mlen;
		if (len - off < adu)
			break; /* PDU incomplete */
		memset(&p, 0, sizeof(p));
		p.tid = (uint16_t)(q[0] << 8 | q[1]);
		p.unit = q[6];
		/* mlen >= 2: function code, then mlen - 2 bytes of body */
		p.fc = q[MODBUS_MBAP_LEN];
		body = cur_make(q + MODBUS_MBAP_LEN + 1, (size_t)mlen - 2);
		if (mlen > MODBUS_LEN_MAX)
			modbus_anomaly(&r, MODBUS_AN_OVERSIZE);
		if (request)
			modbus_request(&r, &p, &body);
		else
			modbus_response(&r, &p, &body);
		off += adu;
	}
	*used = off;
	if (off == len || n == MODBUS_MAX_PDUS_PER_CALL)
		return DIS_OK;
	return DIS_NEED_MORE;

bad:
	/* Not an MBAP header where one must start. */
	if (!r.st->mine) {
		*used = 0;
		return DIS_NOT_MINE;
	}
	modbus_anomaly(&r, MODBUS_AN_BAD_MBAP);
	r.st->resync[dir] = 1;
	/* consume the PDUs before it and the garbage up to a boundary */
	return modbus_skip(&r, buf, len, off + 1, used, dir, 0);
}

static void
modbus_resync(void *state, int dir)
{
	struct modbus_state *st = state;

	st->resync[dir == DIS_S2C ? DIS_S2C : DIS_C2S] = 1;
}

const struct dissector dissector_modbus = {
	"modbus",
	OBS_P_MODBUS,
	1, /* TCP */
	0, /* not UDP */
	{MODBUS_PORT, 0, 0, 0},
	0, /* any_port: Modbus has no magic strong enough */
	sizeof(struct modbus_state),
	modbus_probe,
	modbus_parse,
	modbus_resync,
};

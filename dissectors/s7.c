/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * s7.c: Siemens S7comm (protocol id 0x32) and S7comm-plus (0x72) over
 * ISO-on-TCP (TPKT + COTP class 0, see tpkt.h), TCP port 102.
 *
 * S7comm: every job (read/write var, block up/download, PI service, PLC
 * stop, setup communication) and every userdata request (function group
 * and subfunction) becomes one operation; ack/ack-data/userdata responses
 * are paired to it by PDU reference.  SZL 0x0011 (module identification)
 * and 0x001C (component identification) responses give the PLC's
 * identity.  S7comm-plus: version, opcode and function code of each PDU
 * (paired by sequence number); its TLS-protected variant is reported as
 * encrypted, without inventing operations.  The COTP connection request
 * gives the called TSAP and, for two-byte TSAPs, rack and slot.
 *
 * References: RFC 1006 and ISO 8073 for the transport (tpkt.c).  Siemens
 * publishes no S7comm specification: the layouts below follow the public
 * description in Wireshark's S7comm dissector documentation and the
 * S7comm-plus plugin notes, and the SZL record layouts of Siemens "System
 * Software for S7-300/400, System and Standard Functions" (its chapter on
 * the system status list, SSL-IDs W#16#xy11 and W#16#xy1C).  Nothing here
 * is copied from them.
 *
 * Mapping to observations (see also the tables below):
 *   op.code     job function; userdata 0x10000 + group << 8 + subfunction;
 *               S7comm-plus function (0x054C GetMultiVariables...).
 *   op.unit     read/write var: DB number of the first item (DB/DI
 *               areas); block functions and _INSE/_DELE: block type
 *               (0x08 OB, 0x0A DB, 0x0B SDB, 0x0C FC, 0x0D SFC, 0x0E FB,
 *               0x0F SFB), with addr_lo = addr_hi = block number.
 *   op.addr_*   read/write var: first item's byte range (element range
 *               for counters and timers; the byte holding a bit).
 *   op.status   ack/ack-data: error class << 8 | error code; userdata
 *               response: the parameter's error code.
 *   Userdata pushes (type 0: alarms, subscribed cyclic data) and
 *   S7comm-plus notifications are RESPONSE | UNSOLICITED, never counted
 *   as requests.  S7comm-plus response return codes are not decoded (no
 *   EXCEPTION flag for S7comm-plus).
 *
 * SPEC: ISO 8073 s13.7: DT in class 0 normal format only; concatenated
 * TPDUs in one TPKT frame are not split (S7 does not use them).
 *
 *   S7comm PDU (inside one COTP TSDU):
 *   +------+--------+-----------+--------+--------+--------+- - - - - -+
 *   | 0x32 | ROSCTR | redundancy| PDU ref| par len| dat len| err class |
 *   |      | 1 job  |   id (2)  |  (2)   |  (2)   |  (2)   | err code  |
 *   |      | 2 ack  |           |        |        |        | (ROSCTR   |
 *   |      | 3 ackd |           |        |        |        |  2 and 3) |
 *   |      | 7 user |           |        |        |        |           |
 *   +------+--------+-----------+--------+--------+--------+- - - - - -+
 *   | parameter (par len): job function, items ... | data (dat len)    |
 *   +----------------------------------------------+-------------------+
 *
 *   Userdata parameter:
 *   +----------+-----+--------+-----------+---------+-----+- - - - - - -+
 *   | 00 01 12 | len | method | type|group| subfunc | seq | dataunit ref|
 *   |          | 4/8 | 11/12  | 4/8/0 : n |         |     | last, error |
 *   +----------+-----+--------+-----------+---------+-----+- - - - - - -+
 *   Userdata data: return code, transport size, length (2), payload.
 *
 *   S7comm-plus PDU:
 *   +------+-----+---------+- - - - - - - - - -+--------+- - - - -+------+
 *   | 0x72 | ver | dat len | V3: digest len +  | opcode | 00 00   | fn   |
 *   |      |1..3 |  (2)    | digest (integrity)| 31/32/ |         | (2)  |
 *   |      |fe ff|         |                   | 33/02  |         |      |
 *   +------+-----+---------+- - - - - - - - - -+--------+- - - - -+------+
 *   | 00 00 | seq (2) | ... (dat len ends here) | trailer 72 ver 00 00  |
 *   +-------+---------+-------------------------+-----------------------+
 *   A PDU too large for one TPDU is cut into several, each with the
 *   0x72 header; only the last carries the trailer.
 *
 * Trust: all bytes are hostile.  Every length is checked against what is
 * left before use and narrowed with cur_sub(); tables are bounded; loops
 * are bounded by the bytes left or by named caps.
 */
#include <stdio.h>
#include <string.h>

#include "cursor.h"
#include "dissect.h"
#include "tpkt.h"

#define S7_PORT 102
/* Largest COTP class 0 TPDU is 8192 bytes (TPDU size code 0x0D). */
#define S7_FRAME_MAX (TPKT_HDR_LEN + 8192)
/* COTP segments (EOT = 0) kept per direction; S7 PDUs are <= 960. */
#define S7_REASM_MAX 2048
/* Requests waiting for their response, per flow. */
#define S7_MAX_PENDING 32
/* s7_state.pend_used has one bit per pending slot. */
_Static_assert(S7_MAX_PENDING >= 1 && S7_MAX_PENDING <= 32,
    "S7_MAX_PENDING must fit the pend_used bit mask");
#define S7_PEND_ALL (~(uint32_t)0 >> (32 - S7_MAX_PENDING))
/* SZL records decoded per response. */
#define S7_SZL_MAX_RECORDS 64
/* Bytes of one multi-part SZL answer collected (0x001C: 8 + 10 * 34). */
#define S7_SZL_PARTS_MAX 512

#define S7_PROTO_ID 0x32
#define S7P_PROTO_ID 0x72

#define S7_ROSCTR_JOB 0x01
#define S7_ROSCTR_ACK 0x02
#define S7_ROSCTR_ACK_DATA 0x03
#define S7_ROSCTR_USERDATA 0x07

#define S7_FN_CPU_SERVICES 0x00
#define S7_FN_READ_VAR 0x04
#define S7_FN_WRITE_VAR 0x05
#define S7_FN_REQ_DOWNLOAD 0x1A
#define S7_FN_DOWNLOAD_BLOCK 0x1B
#define S7_FN_DOWNLOAD_ENDED 0x1C
#define S7_FN_START_UPLOAD 0x1D
#define S7_FN_UPLOAD 0x1E
#define S7_FN_END_UPLOAD 0x1F
#define S7_FN_PI_SERVICE 0x28
#define S7_FN_PLC_STOP 0x29
#define S7_FN_SETUP_COMM 0xF0

#define S7_VAR_SPEC 0x12
#define S7_SYNTAX_S7ANY 0x10

#define S7_AREA_COUNTER 0x1C
#define S7_AREA_TIMER 0x1D
#define S7_AREA_IEC_COUNTER 0x1E
#define S7_AREA_IEC_TIMER 0x1F
#define S7_AREA_DB 0x84
#define S7_AREA_DI 0x85

#define S7_TS_BIT 0x01

#define S7_UD_TYPE_PUSH 0x0
#define S7_UD_TYPE_REQ 0x4
#define S7_UD_TYPE_RES 0x8
#define S7_UD_GROUP_BLOCK 0x3
#define S7_UD_GROUP_CPU 0x4
#define S7_UD_SUB_BLOCK_INFO 0x03
#define S7_UD_SUB_READ_SZL 0x01
#define S7_UD_CODE_BASE 0x10000u
#define S7_DATA_RC_OK 0xFF

#define S7_SZL_MODULE_ID 0x11	  /* low byte of the SZL id */
#define S7_SZL_COMPONENT_ID 0x1C
#define S7_SZL_0011_REC 28	  /* index(2) MlfB(20) BGTyp Ausbg Ausbe */
#define S7_SZL_001C_REC 34	  /* index(2) text(32) */

#define S7P_OP_REQUEST 0x31
#define S7P_OP_RESPONSE 0x32
#define S7P_OP_NOTIFICATION 0x33
#define S7P_OP_RESPONSE2 0x02
#define S7P_FN_CREATE_OBJECT 0x04CA
/*
 * Request transport flag: no response will come (seen on the cyclic
 * SetVariable of V3 HMI sessions); such requests are not kept pending.
 */
#define S7P_TF_NO_RESPONSE 0x40
#define S7P_VER_KEEPALIVE_EXT 0xFE
#define S7P_VER_KEEPALIVE 0xFF
#define S7P_TRAILER_LEN 4

/* No address range in an obs_op: addr_hi < addr_lo. */
#define S7_ADDR_NONE_LO 1u
#define S7_ADDR_NONE_HI 0u

/* obs_anomaly.reason */
enum s7_anomaly {
	S7_AN_TPKT = 1,		/* bad TPKT header or frame too large */
	S7_AN_COTP,		/* malformed COTP header */
	S7_AN_COTP_TPDU,	/* TPDU type not used by class 0 */
	S7_AN_COTP_ER,		/* COTP error TPDU */
	S7_AN_REASM,		/* COTP reassembly cap hit */
	S7_AN_HEADER,		/* bad S7comm header or lengths */
	S7_AN_PARAM,		/* bad S7comm parameter */
	S7_AN_ROSCTR,		/* unknown ROSCTR */
	S7_AN_UD_TYPE,		/* unknown userdata type */
	S7_AN_PENDING,		/* pending request cap hit */
	S7_AN_PAYLOAD,		/* TSDU neither S7comm nor S7comm-plus */
	S7_AN_S7P_HEADER,	/* bad S7comm-plus header */
	S7_AN_S7P_OPCODE,	/* unknown S7comm-plus opcode */
};

/* Per direction: COTP reassembly and stream position. */
struct s7_dir {
	uint16_t reasm_len;
	uint8_t reasm_on;	/* segments (EOT = 0) being collected */
	uint8_t reasm_drop;	/* cap hit: drop until the EOT segment */
	uint8_t s7p_cont;	/* last S7comm-plus TPDU had no trailer */
	uint8_t hunt;		/* bytes were lost: look for a TPKT header */
	uint8_t reasm[S7_REASM_MAX];
};

/* A request waiting for its response. */
struct s7_pending {
	const char *name;	/* static string */
	uint32_t code;
	uint32_t unit, addr_lo, addr_hi;
	uint32_t age;		/* insertion order, oldest is evicted */
	uint16_t ref;		/* PDU reference / S7comm-plus sequence */
	uint8_t used;
	uint8_t proto;		/* OBS_P_S7COMM or OBS_P_S7COMM_PLUS */
	uint8_t side;		/* requester */
	uint8_t cls;
	uint8_t szl;		/* first part of an SZL read: decode reply */
};

/*
 * A Read SZL answer in several userdata PDUs: the first part carries the
 * SZL header, "last data unit" 0x01 says more follow, and the follow-ups
 * (answers to 8-byte-parameter requests) continue the byte stream under
 * the same data unit reference number.
 */
struct s7_szl_parts {
	uint8_t on;
	uint8_t side;	/* the answering side */
	uint8_t dur;	/* data unit reference number */
	uint16_t len;
	uint8_t buf[S7_SZL_PARTS_MAX];
};

struct s7_state {
	struct s7_dir d[2];
	struct s7_szl_parts szl;
	struct s7_pending pend[S7_MAX_PENDING];
	/*
	 * Bit i set: pend[i].used.  Lookups visit only these slots, in index
	 * order, as a scan of the whole table would.
	 */
	uint32_t pend_used;
	uint32_t age;
	uint8_t kind;		/* first protocol confirmed, 0 none yet */
	uint8_t roles;		/* 1 << proto: roles reported */
	uint8_t tsap_done;
	uint8_t versions;	/* 1 << version: S7comm-plus version reported */
	uint8_t encrypted;	/* OBS_A_ENCRYPTED reported */
	uint8_t pend_full;	/* cap anomaly reported */
	uint8_t cotp_seen;	/* a CR or CC with TSAPs */
	uint8_t simatic;	/* a TSAP reads "SIMATIC-..." (S7comm-plus) */
	struct cotp_tsap called;
};

struct s7_name {
	uint32_t code;
	uint8_t cls;
	const char *name;
};

static const struct s7_name s7_jobs[] = {
	{S7_FN_CPU_SERVICES, OBS_C_OTHER, "CPU services"},
	{S7_FN_READ_VAR, OBS_C_READ, "Read Var"},
	{S7_FN_WRITE_VAR, OBS_C_WRITE, "Write Var"},
	{S7_FN_REQ_DOWNLOAD, OBS_C_PROGRAM, "Request download"},
	{S7_FN_DOWNLOAD_BLOCK, OBS_C_PROGRAM, "Download block"},
	{S7_FN_DOWNLOAD_ENDED, OBS_C_PROGRAM, "Download ended"},
	{S7_FN_START_UPLOAD, OBS_C_PROGRAM, "Start upload"},
	{S7_FN_UPLOAD, OBS_C_PROGRAM, "Upload"},
	{S7_FN_END_UPLOAD, OBS_C_PROGRAM, "End upload"},
	{S7_FN_PI_SERVICE, OBS_C_CONTROL, "PI-Service"},
	{S7_FN_PLC_STOP, OBS_C_CONTROL, "PLC Stop"},
	{S7_FN_SETUP_COMM, OBS_C_SESSION, "Setup communication"},
	{0, 0, NULL},
};

/*
 * Userdata: code = 0x10000 + group << 8 + subfunction.  A code of
 * 0x10000 + group << 8 + 0xFF is the fallback for the whole group.
 * Classes (ARCHITECTURE.md leaves them to us):
 *   1 programmer commands: diagnostic data and VarTab read (VarTab can
 *     also modify: doubtful), erase write, forces control;
 *   2 cyclic data: read (subscriptions to values);
 *   3 block functions (list blocks, block info): discover;
 *   4 CPU functions: read SZL discover; alarm lock/unlock/ack write
 *     (they change alarm state); message/alarm queries and indications
 *     read;
 *   5 security (PLC password): session;
 *   6 programmed block communication (BSEND/BRCV): other;
 *   7 time: read clock read, set clock write;
 *   15 NC programming: program.
 */
#define S7_UD(g, s) (S7_UD_CODE_BASE + ((uint32_t)(g) << 8) + (s))
#define S7_UD_ANY 0xFF
static const struct s7_name s7_uds[] = {
	{S7_UD(0, S7_UD_ANY), OBS_C_OTHER, "Mode transition"},
	{S7_UD(1, 0x01), OBS_C_READ, "Request diag data (type 1)"},
	{S7_UD(1, 0x02), OBS_C_READ, "VarTab"},
	{S7_UD(1, 0x0C), OBS_C_WRITE, "Erase"},
	{S7_UD(1, 0x0E), OBS_C_READ, "Read diag data"},
	{S7_UD(1, 0x0F), OBS_C_OTHER, "Remove diag data"},
	{S7_UD(1, 0x10), OBS_C_CONTROL, "Forces"},
	{S7_UD(1, 0x13), OBS_C_READ, "Request diag data (type 2)"},
	{S7_UD(1, S7_UD_ANY), OBS_C_OTHER, "Programmer command"},
	{S7_UD(2, 0x01), OBS_C_READ, "Cyclic transfer"},
	{S7_UD(2, 0x04), OBS_C_READ, "Unsubscribe cyclic transfer"},
	{S7_UD(2, 0x05), OBS_C_READ, "Change driven transfer"},
	{S7_UD(2, 0x07), OBS_C_READ, "Change driven transfer modify"},
	{S7_UD(2, 0x08), OBS_C_READ, "RDREC"},
	{S7_UD(2, S7_UD_ANY), OBS_C_READ, "Cyclic data"},
	{S7_UD(3, 0x01), OBS_C_DISCOVER, "List blocks"},
	{S7_UD(3, 0x02), OBS_C_DISCOVER, "List blocks of type"},
	{S7_UD(3, 0x03), OBS_C_DISCOVER, "Get block info"},
	{S7_UD(3, S7_UD_ANY), OBS_C_DISCOVER, "Block function"},
	{S7_UD(4, 0x01), OBS_C_DISCOVER, "Read SZL"},
	{S7_UD(4, 0x02), OBS_C_READ, "Message service"},
	{S7_UD(4, 0x03), OBS_C_READ, "Diagnostic message"},
	{S7_UD(4, 0x05), OBS_C_READ, "ALARM_8 indication"},
	{S7_UD(4, 0x06), OBS_C_READ, "NOTIFY indication"},
	{S7_UD(4, 0x07), OBS_C_WRITE, "ALARM_8 lock"},
	{S7_UD(4, 0x08), OBS_C_WRITE, "ALARM_8 unlock"},
	{S7_UD(4, 0x09), OBS_C_READ, "SCAN indication"},
	{S7_UD(4, 0x0B), OBS_C_WRITE, "ALARM ack"},
	{S7_UD(4, 0x0C), OBS_C_READ, "ALARM ack indication"},
	{S7_UD(4, 0x0D), OBS_C_READ, "ALARM lock indication"},
	{S7_UD(4, 0x0E), OBS_C_READ, "ALARM unlock indication"},
	{S7_UD(4, 0x11), OBS_C_READ, "ALARM_SQ indication"},
	{S7_UD(4, 0x12), OBS_C_READ, "ALARM_S indication"},
	{S7_UD(4, 0x13), OBS_C_READ, "ALARM query"},
	{S7_UD(4, 0x16), OBS_C_READ, "NOTIFY_8 indication"},
	{S7_UD(4, S7_UD_ANY), OBS_C_OTHER, "CPU function"},
	{S7_UD(5, 0x01), OBS_C_SESSION, "PLC password"},
	{S7_UD(5, 0x02), OBS_C_SESSION, "Clear PLC password"},
	{S7_UD(5, S7_UD_ANY), OBS_C_SESSION, "Security function"},
	{S7_UD(6, S7_UD_ANY), OBS_C_OTHER, "Programmed block communication"},
	{S7_UD(7, 0x01), OBS_C_READ, "Read clock"},
	{S7_UD(7, 0x02), OBS_C_WRITE, "Set clock"},
	{S7_UD(7, 0x03), OBS_C_READ, "Read clock (following)"},
	{S7_UD(7, 0x04), OBS_C_WRITE, "Set clock (2)"},
	{S7_UD(7, S7_UD_ANY), OBS_C_OTHER, "Time function"},
	{S7_UD(15, S7_UD_ANY), OBS_C_PROGRAM, "NC programming"},
	{0, 0, NULL},
};

/*
 * PI services (job 0x28) by service name.  ARCHITECTURE.md puts PI
 * services in "control"; the ones that change the program held by the
 * PLC (activate or delete blocks, compress, copy RAM to ROM, NC file
 * delete/transfer) are "program" here, so that a conduit allowing only
 * control does not allow them.
 */
struct s7_pi {
	const char *svc;
	uint8_t cls;
	uint8_t blocks;	/* parameter block lists block ids */
	const char *name;
};

static const struct s7_pi s7_pis[] = {
	{"_INSE", OBS_C_PROGRAM, 1, "PI-Service _INSE (activate block)"},
	{"_DELE", OBS_C_PROGRAM, 1, "PI-Service _DELE (delete block)"},
	{"_GARB", OBS_C_PROGRAM, 0, "PI-Service _GARB (compress memory)"},
	{"_MODU", OBS_C_PROGRAM, 0, "PI-Service _MODU (copy RAM to ROM)"},
	{"P_PROGRAM", OBS_C_CONTROL, 0, "PI-Service P_PROGRAM (start program)"},
	{"_N_F_DELE", OBS_C_PROGRAM, 0, "PI-Service _N_F_DELE (delete file)"},
	{"_N_F_XFER", OBS_C_PROGRAM, 0, "PI-Service _N_F_XFER (transfer file)"},
	{"_N_SELECT", OBS_C_CONTROL, 0,
	    "PI-Service _N_SELECT (select program)"},
	{"_N_CANCEL", OBS_C_CONTROL, 0, "PI-Service _N_CANCEL (cancel)"},
	{"_N_LOGIN_", OBS_C_SESSION, 0, "PI-Service _N_LOGIN_ (login)"},
	{"_N_LOGOUT", OBS_C_SESSION, 0, "PI-Service _N_LOGOUT (logout)"},
	{NULL, 0, 0, NULL},
};

/*
 * S7comm-plus functions.  Classes: Get* read, Set* write, Explore
 * discover, CreateObject/DeleteObject session (they open and close the
 * session object; program download also creates objects, but inside a
 * session that is not visible without decoding the object tree:
 * doubtful), Invoke control, InitSsl session, others other.
 */
static const struct s7_name s7p_fns[] = {
	{0x04B1, OBS_C_OTHER, "Error"},
	{0x04BB, OBS_C_DISCOVER, "Explore"},
	{0x04CA, OBS_C_SESSION, "CreateObject"},
	{0x04D4, OBS_C_SESSION, "DeleteObject"},
	{0x04F2, OBS_C_WRITE, "SetVariable"},
	{0x04FC, OBS_C_READ, "GetVariable"},
	{0x0506, OBS_C_OTHER, "AddLink"},
	{0x051A, OBS_C_OTHER, "RemoveLink"},
	{0x0524, OBS_C_READ, "GetLink"},
	{0x0542, OBS_C_WRITE, "SetMultiVariables"},
	{0x054C, OBS_C_READ, "GetMultiVariables"},
	{0x0556, OBS_C_OTHER, "BeginSequence"},
	{0x0560, OBS_C_OTHER, "EndSequence"},
	{0x056B, OBS_C_CONTROL, "Invoke"},
	{0x057C, OBS_C_WRITE, "SetVarSubStreamed"},
	{0x0586, OBS_C_READ, "GetVarSubStreamed"},
	{0x0590, OBS_C_READ, "GetVariablesAddress"},
	{0x059A, OBS_C_OTHER, "Abort"},
	{0x05B3, OBS_C_SESSION, "InitSsl"},
	{0, 0, NULL},
};

static const struct s7_name *
s7_lookup(const struct s7_name *t, uint32_t code)
{
	for (; t->name != NULL; t++)
		if (t->code == code)
			return t;
	return NULL;
}

static void
s7_anomaly(const struct obs_sink *sink, uint8_t proto, enum s7_anomaly r,
    const char *what)
{
	struct obs_anomaly a;

	memset(&a, 0, sizeof(a));
	a.proto = proto;
	a.reason = (uint16_t)r;
	a.what = what;
	sink->anomaly(sink->arg, &a);
}

static void
s7_emit_op(const struct obs_sink *sink, const struct obs_op *op)
{
	sink->op(sink->arg, op);
}

static void
s7_op_init(struct obs_op *op, uint8_t proto, uint32_t code, uint8_t cls,
    const char *name, uint8_t requester)
{
	memset(op, 0, sizeof(*op));
	op->proto = proto;
	op->code = code;
	op->cls = cls;
	op->name = name;
	op->requester = requester;
	op->addr_lo = S7_ADDR_NONE_LO;
	op->addr_hi = S7_ADDR_NONE_HI;
}

/* --- per-flow facts -------------------------------------------------- */

static void
s7_emit_tsap(struct s7_state *st, uint8_t proto, const struct obs_sink *sink)
{
	struct obs_attr a;
	uint8_t tr = 0;
	size_t i;
	uint8_t lo;

	if (st->tsap_done || !st->cotp_seen || !st->called.present)
		return;
	st->tsap_done = 1;
	memset(&a, 0, sizeof(a));
	a.key = OBS_A_TSAP;
	a.side = OBS_SIDE_SERVER;
	a.proto = proto;
	if (st->called.len <= 4 && !st->called.truncated) {
		for (i = 0; i < st->called.len; i++)
			a.num = a.num << 8 | st->called.b[i];
	} else {
		/* S7comm-plus names its TSAPs: "SIMATIC-ROOT-ES". */
		obs_strcpy(a.str, sizeof(a.str), st->called.b, st->called.len,
		    &tr);
	}
	sink->attr(sink->arg, &a);
	if (st->called.len != 2)
		return;
	/* Low byte of an S7 TSAP: rack in bits 7..5, slot in bits 4..0. */
	lo = st->called.b[1];
	memset(&a, 0, sizeof(a));
	a.key = OBS_A_RACK_SLOT;
	a.side = OBS_SIDE_SERVER;
	a.proto = proto;
	a.num = (uint32_t)((lo >> 5) & 7) << 8 | (lo & 0x1F);
	sink->attr(sink->arg, &a);
}

/*
 * The flow speaks proto: report both roles once, and the TSAP facts
 * gathered from the connection request.  Nothing is emitted before this,
 * so that a flow that turns out not to be S7 can go back to nDPI.
 */
static void
s7_confirm_slow(struct s7_state *st, uint8_t proto,
    const struct obs_sink *sink)
{
	struct obs_role r;
	uint8_t bit = (uint8_t)(1u << proto);

	if (st->kind == 0)
		st->kind = proto;
	if ((st->roles & bit) == 0) {
		st->roles |= bit;
		memset(&r, 0, sizeof(r));
		r.proto = proto;
		r.side = OBS_SIDE_CLIENT;
		r.role = OBS_R_CLIENT;
		sink->role(sink->arg, &r);
		r.side = OBS_SIDE_SERVER;
		r.role = OBS_R_SERVER;
		sink->role(sink->arg, &r);
	}
	s7_emit_tsap(st, proto, sink);
}

/*
 * Called for every PDU: once the roles and the TSAP facts are out (or
 * there are none to give), nothing is left to do.  The test mirrors the
 * early returns of s7_confirm_slow and s7_emit_tsap.
 */
static inline void
s7_confirm(struct s7_state *st, uint8_t proto, const struct obs_sink *sink)
{
	if (st->kind != 0 && (st->roles & (1u << proto)) != 0 &&
	    (st->tsap_done || !st->cotp_seen || !st->called.present))
		return;
	s7_confirm_slow(st, proto, sink);
}

/* --- request/response pairing ---------------------------------------- */

static inline struct s7_pending *
s7_pend_add(struct s7_state *st, uint8_t proto, uint16_t ref,
    const struct obs_op *op, const struct obs_sink *sink)
{
	struct s7_pending *p, *slot = NULL, *oldest = NULL;
	uint32_t m, free_slots = ~st->pend_used & S7_PEND_ALL;
	size_t i;

	/* A reused reference replaces the unanswered request. */
	for (m = st->pend_used; m != 0; m &= m - 1) {
		p = &st->pend[__builtin_ctz(m)];
		if (p->proto == proto && p->ref == ref &&
		    p->side == op->requester) {
			slot = p;
			break;
		}
	}
	/* Else the first free slot. */
	if (slot == NULL && free_slots != 0) {
		i = (size_t)__builtin_ctz(free_slots);
		slot = &st->pend[i];
		st->pend_used |= (uint32_t)1 << i;
	}
	if (slot == NULL) {
		/* Else the oldest (all are in use), the first of equals. */
		for (i = 0; i < S7_MAX_PENDING; i++) {
			p = &st->pend[i];
			if (oldest == NULL || p->age < oldest->age)
				oldest = p;
		}
		slot = oldest;
		if (!st->pend_full) {
			st->pend_full = 1;
			s7_anomaly(sink, proto, S7_AN_PENDING,
			    "too many unanswered requests");
		}
	}
	/* every field is set: no memset of the slot */
	slot->used = 1;
	slot->proto = proto;
	slot->ref = ref;
	slot->side = op->requester;
	slot->code = op->code;
	slot->cls = op->cls;
	slot->szl = 0;
	slot->name = op->name;
	slot->unit = op->unit;
	slot->addr_lo = op->addr_lo;
	slot->addr_hi = op->addr_hi;
	slot->age = st->age++;
	return slot;
}

/* Find and free the request that a response from side answers. */
static inline int
s7_pend_take(struct s7_state *st, uint8_t proto, uint16_t ref, uint8_t side,
    struct s7_pending *out)
{
	struct s7_pending *p;
	uint32_t m;
	unsigned i;

	for (m = st->pend_used; m != 0; m &= m - 1) {
		i = (unsigned)__builtin_ctz(m);
		p = &st->pend[i];
		if (p->proto == proto && p->ref == ref && p->side != side) {
			*out = *p;
			p->used = 0;
			st->pend_used &= ~((uint32_t)1 << i);
			return 1;
		}
	}
	return 0;
}

/* Response op: the request's code/class/name when paired. */
static inline void
s7_response_op(struct obs_op *op, const struct s7_pending *p, int paired,
    uint8_t proto, uint32_t code, uint8_t side, const struct s7_name *tab)
{
	const struct s7_name *n;

	if (paired) {
		s7_op_init(op, proto, p->code, p->cls, p->name, p->side);
		op->unit = p->unit;
		op->addr_lo = p->addr_lo;
		op->addr_hi = p->addr_hi;
	} else {
		n = s7_lookup(tab, code);
		s7_op_init(op, proto, code, n ? n->cls : OBS_C_OTHER,
		    n ? n->name : "unknown", (uint8_t)(side ^ 1));
	}
	op->flags = OBS_OP_RESPONSE;
}

/* --- S7comm job parameters ------------------------------------------- */

static uint32_t
s7_elem_size(uint8_t ts)
{
	switch (ts) {
	case 0x04: /* WORD */
	case 0x05: /* INT */
	case 0x09: /* DATE */
	case 0x0C: /* S5TIME */
	case 0x1C: /* COUNTER */
	case 0x1D: /* TIMER */
		return 2;
	case 0x06: /* DWORD */
	case 0x07: /* DINT */
	case 0x08: /* REAL */
	case 0x0A: /* TIME_OF_DAY */
	case 0x0B: /* TIME */
		return 4;
	case 0x0F: /* DATE_AND_TIME */
		return 8;
	default:   /* BIT, BYTE, CHAR and unknown */
		return 1;
	}
}

/*
 * The first item of a read/write var parameter.  S7ANY items give the
 * area, the DB number (op.unit, for DB/DI areas) and the address range:
 * bytes for memory areas, element numbers for counters and timers.  Bit
 * accesses give the byte holding the bit.  Other syntaxes (DBREAD, NCK,
 * symbolic...) leave the range empty.
 */
static void
s7_first_item(const struct cur *par, struct obs_op *op)
{
	const uint8_t *q = par->p;
	size_t ilen;
	uint8_t ts, area;
	uint16_t count, db;
	uint32_t addr, lo, span;

	/*
	 * Item count, variable specification 0x12, item length, then the
	 * item: syntax id 0x10 (S7ANY), transport size, count (2), DB (2),
	 * area, address (3).  The item must lie inside the parameter and
	 * hold those 10 bytes.  Plain loads after one check of each length
	 * (the caller does not read par again).
	 */
	if (par->err != CUR_OK || par->left < 3)
		return;
	ilen = q[2];
	if (ilen > par->left - 3 || q[0] == 0 || q[1] != S7_VAR_SPEC ||
	    ilen < 1 || q[3] != S7_SYNTAX_S7ANY || ilen < 10)
		return;
	ts = q[4];
	count = (uint16_t)(q[5] << 8 | q[6]);
	db = (uint16_t)(q[7] << 8 | q[8]);
	area = q[9];
	addr = (uint32_t)q[10] << 16 | (uint32_t)q[11] << 8 | q[12];
	if (area == S7_AREA_DB || area == S7_AREA_DI)
		op->unit = db;
	span = count ? count : 1;
	switch (area) {
	case S7_AREA_COUNTER:
	case S7_AREA_TIMER:
	case S7_AREA_IEC_COUNTER:
	case S7_AREA_IEC_TIMER:
		lo = addr;
		break;
	default:
		lo = addr >> 3;
		if (ts == S7_TS_BIT)
			span = 1;
		else
			span *= s7_elem_size(ts);
		break;
	}
	/* addr < 2^24 and span <= 65535 * 8: no wrap. */
	op->addr_lo = lo;
	op->addr_hi = lo + span - 1;
}

static int
s7_hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * A block id "TTNNNNNF": block type as two hex digits (08 OB, 0A DB,
 * 0B SDB, 0C FC, 0D SFC, 0E FB, 0F SFB), five decimal digits of block
 * number, file system (A active, P passive, B both).  Sets op.unit to
 * the block type and the address range to the block number.
 */
static void
s7_block_id(struct cur *c, struct obs_op *op)
{
	uint8_t b[8];
	int hi, lo, i;
	uint32_t num = 0;

	cur_copy(c, b, sizeof(b));
	if (!cur_ok(c))
		return;
	hi = s7_hexval(b[0]);
	lo = s7_hexval(b[1]);
	if (hi < 0 || lo < 0)
		return;
	for (i = 2; i < 7; i++) {
		if (b[i] < '0' || b[i] > '9')
			return;
		num = num * 10 + (uint32_t)(b[i] - '0');
	}
	op->unit = (uint32_t)(hi << 4 | lo);
	op->addr_lo = op->addr_hi = num;
}

/*
 * Up/download parameter: function, status, 2 reserved, upload id (4),
 * then (not for upload/end upload) file name length and "_" + block id.
 */
static void
s7_updownload(struct cur *par, uint8_t fn, struct obs_op *op)
{
	struct cur name;
	uint8_t nlen;

	if (fn == S7_FN_UPLOAD || fn == S7_FN_END_UPLOAD)
		return;
	cur_skip(par, 1 + 2 + 4);
	nlen = cur_u8(par);
	name = cur_sub(par, nlen);
	if (!cur_ok(par) || nlen < 9 || cur_u8(&name) != '_')
		return;
	s7_block_id(&name, op);
}

/*
 * PI service: 7 reserved, parameter block length (2), parameter block,
 * service name length (1), service name.  _INSE/_DELE list block ids in
 * the parameter block (count, reserved, then ids); the first one is
 * reported.
 */
static void
s7_pi_service(struct cur *par, struct obs_op *op)
{
	struct cur blk, svc;
	uint16_t blen;
	uint8_t slen, name[16];
	const struct s7_pi *p;
	size_t n;

	cur_skip(par, 7);
	blen = cur_be16(par);
	blk = cur_sub(par, blen);
	slen = cur_u8(par);
	svc = cur_sub(par, slen);
	if (!cur_ok(par))
		return;
	n = slen < sizeof(name) ? slen : sizeof(name);
	cur_copy(&svc, name, n);
	for (p = s7_pis; p->svc != NULL; p++) {
		if (strlen(p->svc) != slen || memcmp(p->svc, name, n) != 0)
			continue;
		op->cls = p->cls;
		op->name = p->name;
		if (p->blocks) {
			cur_skip(&blk, 2);
			s7_block_id(&blk, op);
		}
		return;
	}
}

static void
s7_job(struct s7_state *st, uint8_t side, uint16_t ref, struct cur *par,
    const struct obs_sink *sink)
{
	const struct s7_name *n;
	struct obs_op op;
	uint8_t fn;

	fn = cur_u8(par);
	if (!cur_ok(par)) {
		s7_anomaly(sink, OBS_P_S7COMM, S7_AN_PARAM,
		    "S7comm job without function");
		return;
	}
	n = s7_lookup(s7_jobs, fn);
	s7_op_init(&op, OBS_P_S7COMM, fn, n ? n->cls : OBS_C_OTHER,
	    n ? n->name : "unknown", side);
	switch (fn) {
	case S7_FN_READ_VAR:
	case S7_FN_WRITE_VAR:
		s7_first_item(par, &op);
		break;
	case S7_FN_REQ_DOWNLOAD:
	case S7_FN_DOWNLOAD_BLOCK:
	case S7_FN_DOWNLOAD_ENDED:
	case S7_FN_START_UPLOAD:
	case S7_FN_UPLOAD:
	case S7_FN_END_UPLOAD:
		s7_updownload(par, fn, &op);
		break;
	case S7_FN_PI_SERVICE:
		s7_pi_service(par, &op);
		break;
	default:
		break;
	}
	s7_emit_op(sink, &op);
	(void)s7_pend_add(st, OBS_P_S7COMM, ref, &op, sink);
}

static void
s7_ack(struct s7_state *st, uint8_t side, uint16_t ref, uint8_t ecls,
    uint8_t ecode, struct cur *par, const struct obs_sink *sink)
{
	struct s7_pending p;
	struct obs_op op;
	int paired;
	uint8_t fn;

	paired = s7_pend_take(st, OBS_P_S7COMM, ref, side, &p);
	if (!paired && par->left == 0) {
		/* An unpaired ack without parameter names no function. */
		s7_op_init(&op, OBS_P_S7COMM, 0, OBS_C_OTHER, "unknown",
		    (uint8_t)(side ^ 1));
		op.flags = OBS_OP_RESPONSE;
	} else {
		fn = cur_u8(par);
		s7_response_op(&op, &p, paired, OBS_P_S7COMM, fn, side,
		    s7_jobs);
	}
	if (ecls != 0 || ecode != 0) {
		op.flags |= OBS_OP_EXCEPTION;
		op.status = (uint32_t)ecls << 8 | ecode;
	}
	s7_emit_op(sink, &op);
}

/* --- SZL identity ---------------------------------------------------- */

static void
s7_version(char *dst, size_t dstlen, uint16_t ausbg, uint16_t ausbe)
{
	/* 'V' in the high byte of Ausbg: V major.minor.patch. */
	if ((ausbg >> 8) == 'V')
		snprintf(dst, dstlen, "V%u.%u.%u", (unsigned)(ausbg & 0xFF),
		    (unsigned)(ausbe >> 8), (unsigned)(ausbe & 0xFF));
	else
		snprintf(dst, dstlen, "%u", (unsigned)ausbg);
}

/*
 * One SZL W#16#xy11 record: index, MlfB (order number, 20 chars), BGTyp,
 * Ausbg, Ausbe.  Index 1 is the module (order number), 6 the basic
 * hardware (Ausbg: its product version), 7 the basic firmware (Ausbg
 * 'V' major, Ausbe minor patch).  Returns 1 if a field was set.
 */
static int
s7_szl_0011(struct cur *r, struct obs_ident *id)
{
	uint16_t idx, ausbg, ausbe;
	uint8_t mlfb[20];

	idx = cur_be16(r);
	cur_copy(r, mlfb, sizeof(mlfb));
	cur_skip(r, 2);
	ausbg = cur_be16(r);
	ausbe = cur_be16(r);
	if (!cur_ok(r))
		return 0;
	switch (idx) {
	case 0x0001:
		obs_strcpy(id->product, sizeof(id->product), mlfb,
		    sizeof(mlfb), &id->truncated);
		return id->product[0] != '\0';
	case 0x0006:
		s7_version(id->hardware, sizeof(id->hardware), ausbg, ausbe);
		return 1;
	case 0x0007:
		s7_version(id->firmware, sizeof(id->firmware), ausbg, ausbe);
		return 1;
	default:
		return 0;
	}
}

/*
 * One SZL W#16#xy1C record: index and 32 bytes of text.  1 automation
 * system name -> name, 2 module name and 7 module type name -> model
 * (the type name wins: the module name is user-set), 3 plant
 * designation -> url (the field obs_ident documents for a plant id),
 * 5 serial number -> serial.  4 (copyright), 8 (memory card serial),
 * 9 (manufacturer/profile), 0x0A (OEM), 0x0B (location) are skipped.
 */
static int
s7_szl_001c(struct cur *r, struct obs_ident *id, int *model_is_type)
{
	uint16_t idx;
	uint8_t txt[32];
	uint8_t tr = 0;

	idx = cur_be16(r);
	cur_copy(r, txt, sizeof(txt));
	if (!cur_ok(r))
		return 0;
	switch (idx) {
	case 0x0001:
		obs_strcpy(id->name, sizeof(id->name), txt, sizeof(txt), &tr);
		break;
	case 0x0002:
		if (*model_is_type)
			return 0;
		obs_strcpy(id->model, sizeof(id->model), txt, sizeof(txt),
		    &tr);
		break;
	case 0x0003:
		obs_strcpy(id->url, sizeof(id->url), txt, sizeof(txt), &tr);
		break;
	case 0x0005:
		obs_strcpy(id->serial, sizeof(id->serial), txt, sizeof(txt),
		    &tr);
		break;
	case 0x0007:
		obs_strcpy(id->model, sizeof(id->model), txt, sizeof(txt),
		    &tr);
		*model_is_type = id->model[0] != '\0';
		break;
	default:
		return 0;
	}
	id->truncated |= tr;
	return 1;
}

/*
 * An SZL read response body: SZL id, index, record length, record count,
 * records.  Only the first part of a multi-part answer has this header;
 * s7_szl_part passes a first part, or all parts joined.
 */
static void
s7_szl(uint8_t side, struct cur *body, int partial,
    const struct obs_sink *sink)
{
	struct obs_ident id;
	struct cur r;
	uint16_t szl, rlen, count, i;
	int got = 0, model_is_type = 0;

	szl = cur_be16(body);
	cur_skip(body, 2);
	rlen = cur_be16(body);
	count = cur_be16(body);
	if (!cur_ok(body) || rlen == 0)
		return;
	memset(&id, 0, sizeof(id));
	id.side = side;
	id.proto = OBS_P_S7COMM;
	for (i = 0; i < count && i < S7_SZL_MAX_RECORDS; i++) {
		r = cur_sub(body, rlen);
		if (!cur_ok(body))
			break;
		if ((szl & 0xFF) == S7_SZL_MODULE_ID &&
		    rlen >= S7_SZL_0011_REC)
			got |= s7_szl_0011(&r, &id);
		else if ((szl & 0xFF) == S7_SZL_COMPONENT_ID &&
		    rlen >= S7_SZL_001C_REC)
			got |= s7_szl_001c(&r, &id, &model_is_type);
	}
	/*
	 * A first part with more to come: a module name (index 2) may yet
	 * give way to the module type name (index 7) of a later part, so it
	 * waits for the whole list rather than change the model twice.
	 */
	if (partial && !model_is_type && id.model[0] != '\0') {
		id.model[0] = '\0';
		got = id.product[0] || id.firmware[0] || id.hardware[0] ||
		    id.serial[0] || id.name[0] || id.url[0];
	}
	if (!got)
		return;
	memcpy(id.vendor, "Siemens", sizeof("Siemens"));
	sink->ident(sink->arg, &id);
}

/*
 * One part of a Read SZL answer.  A first part is decoded at once (as
 * much as it holds, but for a module name that a later module type name
 * may replace); when more parts follow, its bytes and theirs are
 * collected and the whole list decoded again after the last one.  A
 * follow-up without a first part seen, from the other side or with
 * another data unit reference is ignored; bytes beyond S7_SZL_PARTS_MAX
 * are dropped (the records they hold are lost).
 */
static void
s7_szl_part(struct s7_state *st, uint8_t side, int first, uint8_t dur,
    int more, const struct cur *body, const struct obs_sink *sink)
{
	struct s7_szl_parts *z = &st->szl;
	struct cur all;
	size_t n;

	if (first) {
		all = *body;
		s7_szl(side, &all, more, sink);
		z->on = (uint8_t)(more != 0);
		z->side = side;
		z->dur = dur;
		z->len = 0;
		if (!more)
			return;
	} else if (!z->on || z->side != side || z->dur != dur) {
		return;
	}
	n = body->left;
	if (n > S7_SZL_PARTS_MAX - (size_t)z->len)
		n = S7_SZL_PARTS_MAX - (size_t)z->len;
	if (n > 0)
		memcpy(z->buf + z->len, body->p, n);
	z->len = (uint16_t)(z->len + n);
	if (more)
		return;
	z->on = 0;
	all = cur_make(z->buf, z->len);
	s7_szl(side, &all, 0, sink);
}

/* --- S7comm userdata ------------------------------------------------- */

static void
s7_userdata(struct s7_state *st, uint8_t side, uint16_t ref,
    struct cur *par, struct cur *dat, const struct obs_sink *sink)
{
	const struct s7_name *n;
	struct s7_pending p, *np;
	struct obs_op op;
	struct cur body;
	uint8_t plen, type, group, sub, rc, dur = 0, last = 0;
	uint16_t err = 0, dlen;
	uint32_t code;
	int paired;

	cur_skip(par, 3); /* parameter head 00 01 12 */
	plen = cur_u8(par);
	cur_skip(par, 1); /* method: 0x11 request, 0x12 response */
	type = cur_u8(par);
	sub = cur_u8(par);
	cur_skip(par, 1); /* sequence number */
	if (plen >= 8) {
		dur = cur_u8(par);  /* data unit reference number */
		last = cur_u8(par); /* last data unit: 0x00 yes, else more */
		err = cur_be16(par);
	}
	if (!cur_ok(par) || plen < 4) {
		s7_anomaly(sink, OBS_P_S7COMM, S7_AN_PARAM,
		    "bad S7comm userdata parameter");
		return;
	}
	group = type & 0x0F;
	type = (uint8_t)(type >> 4);
	code = S7_UD(group, sub);
	n = s7_lookup(s7_uds, code);
	if (n == NULL)
		n = s7_lookup(s7_uds, S7_UD(group, S7_UD_ANY));

	/* Data: return code, transport size, length, payload. */
	rc = cur_u8(dat);
	cur_skip(dat, 1);
	dlen = cur_be16(dat);
	body = cur_sub(dat, dlen);

	switch (type) {
	case S7_UD_TYPE_REQ:
		s7_op_init(&op, OBS_P_S7COMM, code, n ? n->cls : OBS_C_OTHER,
		    n ? n->name : "unknown", side);
		if (group == S7_UD_GROUP_BLOCK &&
		    sub == S7_UD_SUB_BLOCK_INFO && rc == S7_DATA_RC_OK &&
		    cur_ok(&body))
			s7_block_id(&body, &op);
		s7_emit_op(sink, &op);
		np = s7_pend_add(st, OBS_P_S7COMM, ref, &op, sink);
		/*
		 * Only a first request (4-byte parameter) gets an answer
		 * with the SZL header; follow-ups get bare records.
		 */
		np->szl = group == S7_UD_GROUP_CPU &&
		    sub == S7_UD_SUB_READ_SZL && plen == 4;
		break;
	case S7_UD_TYPE_RES:
		paired = s7_pend_take(st, OBS_P_S7COMM, ref, side, &p);
		s7_response_op(&op, &p, paired, OBS_P_S7COMM, code, side,
		    s7_uds);
		if (!paired && n != NULL) {
			op.cls = n->cls;
			op.name = n->name;
		}
		if (err != 0) {
			op.flags |= OBS_OP_EXCEPTION;
			op.status = err;
		}
		s7_emit_op(sink, &op);
		if (group == S7_UD_GROUP_CPU && sub == S7_UD_SUB_READ_SZL &&
		    err == 0 && rc == S7_DATA_RC_OK && cur_ok(&body))
			s7_szl_part(st, side, paired && p.szl, dur, last != 0,
			    &body, sink);
		break;
	case S7_UD_TYPE_PUSH:
		/*
		 * Sent unasked (alarms, cyclic data the peer subscribed to):
		 * not a request, so RESPONSE keeps it out of the operation
		 * counts; requester is the subscriber.
		 */
		s7_op_init(&op, OBS_P_S7COMM, code, n ? n->cls : OBS_C_OTHER,
		    n ? n->name : "unknown", (uint8_t)(side ^ 1));
		op.flags = OBS_OP_RESPONSE | OBS_OP_UNSOLICITED;
		s7_emit_op(sink, &op);
		break;
	default:
		s7_anomaly(sink, OBS_P_S7COMM, S7_AN_UD_TYPE,
		    "unknown S7comm userdata type");
		break;
	}
}

/* --- S7comm PDU ------------------------------------------------------ */

static enum dis_rc
s7_pdu(struct s7_state *st, uint8_t side, const uint8_t *p, size_t len,
    const struct obs_sink *sink)
{
	struct cur c, par, dat;
	uint8_t rosctr, ecls = 0, ecode = 0;
	uint16_t ref = 0, plen = 0, dlen = 0;
	size_t hlen;

	/*
	 * 0x32, ROSCTR, redundancy id (2), PDU ref, parameter length, data
	 * length; ack and ack-data add error class and code.  One length
	 * check for the fixed header, then plain loads.
	 */
	rosctr = len >= 2 ? p[1] : 0;
	hlen = rosctr == S7_ROSCTR_ACK || rosctr == S7_ROSCTR_ACK_DATA ? 12
	    : 10;
	if (len >= hlen) {
		ref = (uint16_t)(p[4] << 8 | p[5]);
		plen = (uint16_t)(p[6] << 8 | p[7]);
		dlen = (uint16_t)(p[8] << 8 | p[9]);
		if (hlen == 12) {
			ecls = p[10];
			ecode = p[11];
		}
	}
	/* plen + dlen <= 131070: no wrap in size_t. */
	if (len < hlen || (size_t)plen + dlen > len - hlen) {
		if (st->kind == 0)
			return DIS_NOT_MINE;
		s7_anomaly(sink, OBS_P_S7COMM, S7_AN_HEADER,
		    "S7comm header lengths exceed the TPDU");
		return DIS_MALFORMED;
	}
	if (rosctr != S7_ROSCTR_JOB && rosctr != S7_ROSCTR_ACK &&
	    rosctr != S7_ROSCTR_ACK_DATA && rosctr != S7_ROSCTR_USERDATA) {
		if (st->kind == 0)
			return DIS_NOT_MINE;
		s7_anomaly(sink, OBS_P_S7COMM, S7_AN_ROSCTR,
		    "unknown S7comm ROSCTR");
		return DIS_MALFORMED;
	}
	s7_confirm(st, OBS_P_S7COMM, sink);
	c = cur_make(p + hlen, len - hlen);
	par = cur_sub(&c, plen);
	dat = cur_sub(&c, dlen);
	switch (rosctr) {
	case S7_ROSCTR_JOB:
		s7_job(st, side, ref, &par, sink);
		break;
	case S7_ROSCTR_ACK:
	case S7_ROSCTR_ACK_DATA:
		s7_ack(st, side, ref, ecls, ecode, &par, sink);
		break;
	default:
		s7_userdata(st, side, ref, &par, &dat, sink);
		break;
	}
	return DIS_OK;
}

/* --- S7comm-plus ----------------------------------------------------- */

static void
s7p_attr(const struct obs_sink *sink, uint8_t key, uint32_t num)
{
	struct obs_attr a;

	memset(&a, 0, sizeof(a));
	a.key = key;
	a.side = OBS_SIDE_SERVER;
	a.proto = OBS_P_S7COMM_PLUS;
	a.num = num;
	sink->attr(sink->arg, &a);
}

static int
s7p_is_ident_char(uint8_t c)
{
	return c >= 0x20 && c < 0x7F && c != ';';
}

/*
 * The CreateObject response of an S7-1200/1500 carries a string
 * "1;6ES7 511-1AK00-0AB0;V1.8" (order number; firmware).  Heuristic: look
 * for "6ES7" in the PDU, take the order number up to ';' and the version
 * after it.  Emits an identity for side when found.
 */
static void
s7p_ident(uint8_t side, const uint8_t *p, size_t len,
    const struct obs_sink *sink)
{
	struct obs_ident id;
	size_t i, j, k;

	for (i = 0; i + 4 <= len; i++)
		if (memcmp(p + i, "6ES7", 4) == 0)
			break;
	if (i + 4 > len)
		return;
	for (j = i; j < len && j - i < 32 && s7p_is_ident_char(p[j]); j++)
		;
	memset(&id, 0, sizeof(id));
	id.side = side;
	id.proto = OBS_P_S7COMM_PLUS;
	memcpy(id.vendor, "Siemens", sizeof("Siemens"));
	obs_strcpy(id.product, sizeof(id.product), p + i, j - i,
	    &id.truncated);
	if (j + 1 < len && p[j] == ';' && p[j + 1] == 'V') {
		for (k = j + 2; k < len && k - j < 16 &&
		    ((p[k] >= '0' && p[k] <= '9') || p[k] == '.'); k++)
			;
		if (k > j + 2)
			obs_strcpy(id.firmware, sizeof(id.firmware), p + j + 1,
			    k - j - 1, &id.truncated);
	}
	sink->ident(sink->arg, &id);
}

static enum dis_rc
s7p_pdu(struct s7_state *st, uint8_t side, const uint8_t *p, size_t len,
    const struct obs_sink *sink)
{
	struct cur c = cur_make(p, len), data;
	const struct s7_name *n;
	struct s7_dir *d = &st->d[side];
	struct s7_pending pend;
	struct obs_op op;
	uint8_t ver, opcode, ilen, tflags;
	uint16_t dlen, fn, seq;
	int cont, paired;

	cur_skip(&c, 1); /* 0x72 */
	ver = cur_u8(&c);
	dlen = cur_be16(&c);
	if (!cur_ok(&c) || dlen > c.left ||
	    (ver != 1 && ver != 2 && ver != 3 &&
	    ver != S7P_VER_KEEPALIVE_EXT && ver != S7P_VER_KEEPALIVE)) {
		if (st->kind == 0)
			return DIS_NOT_MINE;
		s7_anomaly(sink, OBS_P_S7COMM_PLUS, S7_AN_S7P_HEADER,
		    "bad S7comm-plus header");
		return DIS_MALFORMED;
	}
	s7_confirm(st, OBS_P_S7COMM_PLUS, sink);
	if (ver >= S7P_VER_KEEPALIVE_EXT)
		return DIS_OK;
	if ((st->versions & (1u << ver)) == 0) {
		st->versions = (uint8_t)(st->versions | 1u << ver);
		s7p_attr(sink, OBS_A_PROTO_VERSION, ver);
	}
	data = cur_sub(&c, dlen);
	/* No trailer: the PDU goes on in the next TPDU of this direction. */
	cont = d->s7p_cont;
	d->s7p_cont = c.left < S7P_TRAILER_LEN;
	if (cont)
		return DIS_OK;
	if (ver == 3) {
		/* V3 integrity part: digest length, digest. */
		ilen = cur_u8(&data);
		cur_skip(&data, ilen);
	}
	opcode = cur_u8(&data);
	if (opcode == S7P_OP_NOTIFICATION && cur_ok(&data)) {
		/* Values of a subscription, pushed: not a request. */
		s7_op_init(&op, OBS_P_S7COMM_PLUS, 0, OBS_C_READ,
		    "Notification", (uint8_t)(side ^ 1));
		op.flags = OBS_OP_RESPONSE | OBS_OP_UNSOLICITED;
		s7_emit_op(sink, &op);
		return DIS_OK;
	}
	cur_skip(&data, 2);
	fn = cur_be16(&data);
	cur_skip(&data, 2);
	seq = cur_be16(&data);
	if (!cur_ok(&data)) {
		s7_anomaly(sink, OBS_P_S7COMM_PLUS, S7_AN_S7P_HEADER,
		    "short S7comm-plus PDU");
		return DIS_MALFORMED;
	}
	n = s7_lookup(s7p_fns, fn);
	switch (opcode) {
	case S7P_OP_REQUEST:
		s7_op_init(&op, OBS_P_S7COMM_PLUS, fn,
		    n ? n->cls : OBS_C_OTHER, n ? n->name : "unknown", side);
		s7_emit_op(sink, &op);
		cur_skip(&data, 4); /* session id */
		tflags = cur_u8(&data);
		if (!cur_ok(&data) || (tflags & S7P_TF_NO_RESPONSE) == 0)
			(void)s7_pend_add(st, OBS_P_S7COMM_PLUS, seq, &op,
			    sink);
		break;
	case S7P_OP_RESPONSE:
	case S7P_OP_RESPONSE2:
		paired = s7_pend_take(st, OBS_P_S7COMM_PLUS, seq, side, &pend);
		s7_response_op(&op, &pend, paired, OBS_P_S7COMM_PLUS, fn,
		    side, s7p_fns);
		s7_emit_op(sink, &op);
		if (fn == S7P_FN_CREATE_OBJECT)
			s7p_ident(side, data.p, data.left, sink);
		break;
	default:
		s7_anomaly(sink, OBS_P_S7COMM_PLUS, S7_AN_S7P_OPCODE,
		    "unknown S7comm-plus opcode");
		break;
	}
	return DIS_OK;
}

/* A TLS record header: content type 20..23, version 3.x. */
static int
s7_is_tls(const uint8_t *p, size_t len)
{
	return len >= 5 && p[0] >= 0x14 && p[0] <= 0x17 && p[1] == 3 &&
	    p[2] <= 4;
}

/* One complete COTP TSDU (reassembled or not). */
static enum dis_rc
s7_tsdu(struct s7_state *st, const struct dis_ctx *ctx, const uint8_t *p,
    size_t len, const struct obs_sink *sink)
{
	uint8_t side = (uint8_t)(ctx->dir & 1);
	int port102;

	if (len == 0)
		return DIS_OK;
	if (p[0] == S7_PROTO_ID)
		return s7_pdu(st, side, p, len, sink);
	if (p[0] == S7P_PROTO_ID)
		return s7p_pdu(st, side, p, len, sink);
	/*
	 * TLS inside COTP DT: S7comm-plus with TLS (TIA Portal V17+ and
	 * recent firmware).  Only believed on a flow that spoke
	 * S7comm-plus, named a SIMATIC TSAP, or, caught mid-stream, uses
	 * port 102.
	 */
	port102 = ctx->src_port == S7_PORT || ctx->dst_port == S7_PORT;
	if (s7_is_tls(p, len) && (st->kind == OBS_P_S7COMM_PLUS ||
	    st->simatic || (!st->cotp_seen && port102))) {
		s7_confirm(st, OBS_P_S7COMM_PLUS, sink);
		if (!st->encrypted) {
			st->encrypted = 1;
			s7p_attr(sink, OBS_A_ENCRYPTED, 1);
		}
		return DIS_OK;
	}
	if (st->kind == 0)
		return DIS_NOT_MINE;
	s7_anomaly(sink, st->kind, S7_AN_PAYLOAD,
	    "COTP data is neither S7comm nor S7comm-plus");
	return DIS_MALFORMED;
}

static void
s7_reasm_reset(struct s7_dir *d)
{
	d->reasm_len = 0;
	d->reasm_on = 0;
	d->reasm_drop = 0;
}

/* Append a segment; 0 on success, -1 when the cap is hit. */
static int
s7_reasm_add(struct s7_dir *d, const struct cur *seg)
{
	if (seg->left > (size_t)S7_REASM_MAX - d->reasm_len)
		return -1;
	memcpy(d->reasm + d->reasm_len, seg->p, seg->left);
	d->reasm_len = (uint16_t)(d->reasm_len + seg->left);
	d->reasm_on = 1;
	return 0;
}

static inline enum dis_rc
s7_dt(struct s7_state *st, const struct dis_ctx *ctx, int eot,
    const struct cur *payload, const struct obs_sink *sink)
{
	struct s7_dir *d = &st->d[ctx->dir & 1];
	const uint8_t *p = payload->p;
	size_t n = payload->left;
	enum dis_rc rc;
	int joined = 0;

	if (d->reasm_drop) {
		if (eot)
			s7_reasm_reset(d);
		return DIS_OK;
	}
	if (!eot || d->reasm_on) {
		if (s7_reasm_add(d, payload) < 0) {
			s7_reasm_reset(d);
			d->reasm_drop = !eot;
			if (st->kind != 0)
				s7_anomaly(sink, st->kind, S7_AN_REASM,
				    "COTP reassembly cap hit, TSDU dropped");
			return DIS_OK;
		}
		if (!eot)
			return DIS_OK;
		p = d->reasm;
		n = d->reasm_len;
		joined = 1;
	}
	/* one call site, so that s7_tsdu can be inlined */
	rc = s7_tsdu(st, ctx, p, n, sink);
	if (joined)
		s7_reasm_reset(d);
	return rc;
}

static int
s7_tsap_is_simatic(const struct cotp_tsap *ts)
{
	return ts->present && ts->len >= 7 && memcmp(ts->b, "SIMATIC", 7) == 0;
}

/*
 * A frame that cotp_dt() did not take: decoded by cotp_parse().  DT
 * (which cotp_dt() takes whenever cotp_parse() would decode one) is
 * handed back through *eot and *payload with DIS_OK and *dt set.
 */
static enum dis_rc
s7_frame_other(struct s7_state *st, const uint8_t *f, size_t flen,
    int *dt, uint8_t *eot, struct cur *payload, const struct obs_sink *sink)
{
	struct cotp_tpdu t;

	if (cotp_parse(f, flen, &t) < 0) {
		if (st->kind == 0)
			return DIS_NOT_MINE;
		s7_anomaly(sink, st->kind, S7_AN_COTP, "malformed COTP header");
		return DIS_MALFORMED;
	}
	switch (t.code) {
	case COTP_DT:
		*dt = 1;
		*eot = t.eot;
		*payload = t.payload;
		return DIS_OK;
	case COTP_CR:
	case COTP_CC:
		/* S7 always names TSAPs; RDP's CR, for one, does not. */
		if (!t.calling.present || !t.called.present) {
			if (st->kind == 0)
				return DIS_NOT_MINE;
			return DIS_OK;
		}
		if (t.code == COTP_CR || !st->cotp_seen)
			st->called = t.called;
		st->cotp_seen = 1;
		if (s7_tsap_is_simatic(&t.called) ||
		    s7_tsap_is_simatic(&t.calling))
			st->simatic = 1;
		return DIS_OK;
	case COTP_DR:
	case COTP_DC:
		return DIS_OK;
	case COTP_ER:
		if (st->kind == 0)
			return DIS_NOT_MINE;
		s7_anomaly(sink, st->kind, S7_AN_COTP_ER, "COTP error TPDU");
		return DIS_OK;
	default:
		if (st->kind == 0)
			return DIS_NOT_MINE;
		s7_anomaly(sink, st->kind, S7_AN_COTP_TPDU,
		    "COTP TPDU not used by class 0");
		return DIS_OK;
	}
}

/* One whole TPKT frame. */
static inline enum dis_rc
s7_frame(struct s7_state *st, const struct dis_ctx *ctx, const uint8_t *f,
    size_t flen, const struct obs_sink *sink)
{
	struct cur payload;
	uint8_t eot;
	int dt = 0;
	enum dis_rc rc;

	/* Nearly every frame is DT: decode it without a whole cotp_tpdu. */
	if (!cotp_dt(f, flen, &eot, &payload)) {
		rc = s7_frame_other(st, f, flen, &dt, &eot, &payload, sink);
		if (!dt)
			return rc;
	}
	/* one call site, so that s7_dt can be inlined */
	return s7_dt(st, ctx, eot, &payload, sink);
}

/*
 * Could a TPKT/COTP frame start at p?  1 yes, 0 no, -1 the bytes so far
 * agree but are too few to tell.
 */
static int
s7_plausible(const uint8_t *p, size_t n)
{
	size_t tl;
	uint8_t li, code;

	if (n >= 1 && p[0] != TPKT_VERSION)
		return 0;
	if (n >= 2 && p[1] != 0)
		return 0;
	if (n < 6)
		return -1;
	tl = (size_t)p[2] << 8 | p[3];
	li = p[4];
	code = p[5] & 0xF0;
	if (tl < TPKT_MIN_FRAME || tl > S7_FRAME_MAX ||
	    (size_t)li + TPKT_HDR_LEN + 1 > tl)
		return 0;
	switch (code) {
	case COTP_DT:
		return li == 2;
	case COTP_CR:
	case COTP_CC:
	case COTP_DR:
		return li >= 6;
	case COTP_DC:
		return li >= 5;
	default:
		return 0;
	}
}

static int
s7_probe(const uint8_t *buf, size_t len, int dir)
{
	struct cotp_tpdu t;
	const uint8_t *p;
	size_t flen, n;
	int r;

	(void)dir;
	r = s7_plausible(buf, len);
	if (r == 0)
		return PROBE_NO;
	if (r < 0)
		return PROBE_MAYBE;
	flen = (size_t)buf[2] << 8 | buf[3];
	if (len < flen)
		return PROBE_MAYBE;
	if (cotp_parse(buf, flen, &t) < 0)
		return PROBE_NO;
	switch (t.code) {
	case COTP_CR:
	case COTP_CC:
		if (!t.calling.present || !t.called.present)
			return PROBE_NO;
		if (s7_tsap_is_simatic(&t.called) ||
		    s7_tsap_is_simatic(&t.calling))
			return PROBE_YES;
		/* MMS and others use TSAPs too: the data decides. */
		return PROBE_MAYBE;
	case COTP_DT:
		p = t.payload.p;
		n = t.payload.left;
		if (!t.eot || n == 0)
			return PROBE_MAYBE;
		if (p[0] == S7_PROTO_ID && n >= 10 &&
		    (p[1] == S7_ROSCTR_JOB || p[1] == S7_ROSCTR_ACK ||
		    p[1] == S7_ROSCTR_ACK_DATA ||
		    p[1] == S7_ROSCTR_USERDATA) &&
		    (size_t)(p[6] << 8 | p[7]) + (size_t)(p[8] << 8 | p[9]) +
		    10 <= n)
			return PROBE_YES;
		if (p[0] == S7P_PROTO_ID && n >= 4 &&
		    ((p[1] >= 1 && p[1] <= 3) ||
		    p[1] >= S7P_VER_KEEPALIVE_EXT) &&
		    (size_t)(p[2] << 8 | p[3]) + 4 <= n)
			return PROBE_YES;
		if (s7_is_tls(p, n))
			return PROBE_MAYBE;
		return PROBE_NO;
	default:
		return PROBE_NO;
	}
}

/* Skip to the first plausible frame start; see parse(). */
static size_t
s7_hunt(const uint8_t *buf, size_t len, int *sure)
{
	size_t k;
	int r;

	*sure = 0;
	for (k = 0; k < len; k++) {
		r = s7_plausible(buf + k, len - k);
		if (r != 0) {
			*sure = r > 0;
			return k;
		}
	}
	return len;
}

static enum dis_rc
s7_parse(void *state, const struct dis_ctx *ctx, const uint8_t *buf,
    size_t len, size_t *used, const struct obs_sink *sink)
{
	struct s7_state *st = state;
	struct s7_dir *d = &st->d[ctx->dir & 1];
	size_t off = 0, flen, k;
	enum dis_rc rc;
	int t, sure;

	*used = 0;
	while (off < len) {
		if (d->hunt) {
			k = s7_hunt(buf + off, len - off, &sure);
			if (k > 0) {
				*used = off + k;
				return DIS_MALFORMED;
			}
			if (!sure)
				break;
			d->hunt = 0;
		}
		t = tpkt_frame(buf + off, len - off, &flen);
		if (t == TPKT_BAD || flen > S7_FRAME_MAX) {
			if (st->kind == 0) {
				*used = off;
				return DIS_NOT_MINE;
			}
			s7_anomaly(sink, st->kind, S7_AN_TPKT,
			    flen > S7_FRAME_MAX ? "TPKT frame too large" :
			    "bad TPKT header");
			d->hunt = 1;
			s7_reasm_reset(d);
			d->s7p_cont = 0;
			*used = off + 1;
			return DIS_MALFORMED;
		}
		if (t == TPKT_SHORT)
			break;
		rc = s7_frame(st, ctx, buf + off, flen, sink);
		if (rc == DIS_NOT_MINE) {
			*used = off;
			return DIS_NOT_MINE;
		}
		off += flen;
		if (rc == DIS_MALFORMED) {
			*used = off;
			return DIS_MALFORMED;
		}
	}
	*used = off;
	return off < len ? DIS_NEED_MORE : DIS_OK;
}

static void
s7_resync(void *state, int dir)
{
	struct s7_state *st = state;
	struct s7_dir *d = &st->d[dir & 1];

	s7_reasm_reset(d);
	d->s7p_cont = 0;
	d->hunt = 1;
}

/*
 * any_port = 1: the probe wants a TPKT header whose length and COTP LI
 * agree, and then either a CR/CC with calling and called TSAPs or a DT
 * whose payload has a consistent S7comm/S7comm-plus header; MAYBE cases
 * (TSAPs only, TLS in DT) are settled by parse(), which returns
 * DIS_NOT_MINE before emitting anything when the data is not S7.
 */
const struct dissector dissector_s7 = {
	"s7comm", OBS_P_S7COMM, 1, 0, {S7_PORT, 0, 0, 0}, 1,
	sizeof(struct s7_state), s7_probe, s7_parse, s7_resync,
};

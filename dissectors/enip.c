/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * enip.c: EtherNet/IP encapsulation (TCP and UDP 44818) and the CIP
 * explicit messages it carries, plus CIP class 0/1 implicit I/O on UDP
 * 2222.  Reports encapsulation commands (ListIdentity, RegisterSession...)
 * as enip operations, CIP services as cip operations (Unconnected Send
 * unwrapped to the embedded request, Multiple Service Packet to each inner
 * service), identities from ListIdentity replies and Identity object
 * reads, and connection ids/RPIs from Forward Open so the sensor can link
 * the I/O flows to the connection that opened them.
 *
 * Reference: ODVA, The CIP Networks Library Vol. 2 (EtherNet/IP
 * adaptation of CIP), chapter 2 (encapsulation: 2-3 header, 2-4 commands,
 * 2-6 common packet format) and 3-2.2 (implicit messaging on UDP 2222);
 * Vol. 1 chapter 2-4 (Message Router request/response), 3-5.5 (Forward
 * Open/Close, Unconnected Send), appendix A (Multiple Service Packet).
 *
 * Encapsulation header, all fields little-endian:
 *
 *   0       2       4               8              12
 *   +-------+-------+---------------+---------------+
 *   |command|length | session handle|    status     |
 *   +-------+-------+---------------+---------------+
 *   |        sender context         |    options    |  24 bytes
 *   +-------------------------------+---------------+
 *   | command data: length bytes (at most 65511)    |
 *   +-----------------------------------------------+
 *
 * SendRRData/SendUnitData data: interface handle (4), timeout (2), then a
 * common packet format (CPF): item count (2) and items of
 * [type (2)][length (2)][data].  Unconnected: null address item 0x0000 +
 * unconnected data 0x00B2 holding a Message Router request/response.
 * Connected: address 0x00A1 [connection id] + connected data 0x00B1
 * [CIP sequence count (2)][Message Router PDU].
 *
 *   MR request:  [service][path words][EPATH][data]
 *   MR response: [service|0x80][0][general status][ext words][ext][data]
 *
 * UDP 2222 carries a bare CPF (no encapsulation header): sequenced address
 * 0x8002 [connection id (4)][sequence (4)] + connected data 0x00B1
 * ([sequence count (2)] for class 1, then the I/O data).
 *
 * Pairing: a response is reported with its request's code and class.
 * Unconnected requests are keyed by sender context, connected ones by CIP
 * sequence count, in a bounded table (ENIP_MAX_PENDING; the oldest entry is
 * evicted with an anomaly when full).  When several pending requests share
 * a key (clients that leave the sender context zero), the oldest wins:
 * TCP keeps responses in order.
 *
 * Operation model (documented choices):
 * - SendRRData/SendUnitData are not operations; the CIP inside is.  A
 *   request that carries no parsable CIP is an enip operation with code =
 *   the command, class other.
 * - Unconnected Send (0x52 to the Connection Manager) is replaced by its
 *   embedded request, which is the operation reported.  Its routed reply
 *   pairs with the embedded request; a failed route (reply 0xD2) is an
 *   exception of the embedded request.
 * - Multiple Service Packet (0x0A): each inner service is an operation,
 *   and the outer 0x0A is counted too (as Wireshark's cip.sc lists both)
 *   with the highest class of its inner services (program > control >
 *   write > read > session > discover > other), so that a policy sees a
 *   write hidden inside a packet of reads.
 * - Forward Open, Large Forward Open and Forward Close are session.
 *   Execute PCCC (0x4B to class 0x67) is classed by its PCCC command and
 *   function (typed reads are read, typed writes write, mode changes
 *   control, upload/download program), else other.
 * - General status 0x06 (partial transfer) on a Logix fragmented/tag
 *   service is normal continuation, not an exception.  Other nonzero
 *   general statuses set OBS_OP_EXCEPTION with status = general status
 *   (the extended status has no field in obs_op).  A nonzero
 *   encapsulation status on a SendRRData/SendUnitData reply is reported as
 *   an enip exception (code = the command, status = encapsulation status)
 *   that closes the pending request.
 * - CIP op fields: unit = the request path's class id (0 for symbolic
 *   paths), addr_lo = addr_hi = its instance id when present.
 *
 * Identity: ListIdentity replies (item 0x000C) and Get_Attributes_All /
 * Get_Attribute_Single / Get_Attribute_List replies from the Identity
 * object (class 1, instance 1) describe the side that sent them.  Identity
 * replies that were routed describe a module behind the server (another
 * slot of a chassis), not the server, and are not reported: a request
 * inside an Unconnected Send, or a connected request on a connection whose
 * Forward Open path held a port segment (or that was itself sent through
 * an Unconnected Send).  Such connections are remembered per flow by their
 * two ids (the last ENIP_MAX_ROUTED_CONNS).
 *
 * Connections: a successful (Large) Forward Open reply reports both
 * connection ids (OBS_A_CIP_CONN, side = the producer: O->T is produced by
 * the originator, T->O by the target); the request reports its two RPIs
 * (OBS_A_CIP_RPI, us, side = producer).  A class 0/1 Forward Open marks
 * the originator as cip-scanner and, once accepted, the target as
 * cip-io-adapter.  On UDP 2222 each connection id seen is reported once
 * per flow (side = sender).  Roles on an I/O flow are a heuristic: the
 * sender of a multicast datagram is the target (O->T is always unicast);
 * else, a side that only ever sends heartbeats (no I/O data beyond the
 * sequence count) while the other sends data is the originator (input-only
 * and listen-only connections); else, once both sides sent
 * ENIP_IO_DECIDE datagrams, the flow's client (first sender) is taken for
 * the originator.  Implicit I/O datagrams are never operations.
 */
#include <stddef.h>
#include <string.h>

#include "cip.h"
#include "cursor.h"
#include "dissect.h"

#define ENIP_PORT 44818
#define ENIP_IO_PORT 2222

#define ENIP_HDR_LEN 24
/* Largest encapsulated data length the spec allows (Vol. 2 2-3.1). */
#define ENIP_MAX_LEN 65511
/* Outstanding requests remembered for pairing, per flow. */
#define ENIP_MAX_PENDING 32
/* Inner services of one Multiple Service Packet remembered for pairing. */
#define ENIP_MAX_PAIRED_INNER 16
/* Inner services of one Multiple Service Packet reported at most. */
#define ENIP_MAX_MSP_OPS 64
/* CPF items looked at in one message. */
#define ENIP_MAX_CPF_ITEMS 8
/* Unconnected Send / Multiple Service Packet nesting followed. */
#define ENIP_MAX_NEST 4
/* Connection ids remembered to report each once per flow. */
#define ENIP_MAX_CONN_IDS 16
/* Connections routed to a module behind the target, remembered per flow. */
#define ENIP_MAX_ROUTED_CONNS 8
/* Datagrams per side before the I/O role fallback decides. */
#define ENIP_IO_DECIDE 8

/* Encapsulation commands (Vol. 2 table 2-3.2). */
#define ENIP_CMD_NOP 0x0000
#define ENIP_CMD_LIST_SERVICES 0x0004
#define ENIP_CMD_LIST_IDENTITY 0x0063
#define ENIP_CMD_LIST_INTERFACES 0x0064
#define ENIP_CMD_REGISTER 0x0065
#define ENIP_CMD_UNREGISTER 0x0066
#define ENIP_CMD_SEND_RR 0x006f
#define ENIP_CMD_SEND_UNIT 0x0070
#define ENIP_CMD_INDICATE_STATUS 0x0072
#define ENIP_CMD_CANCEL 0x0073
/* Codes up to here are legacy or reserved; above, reserved for future. */
#define ENIP_CMD_LEGACY_MAX 0x00ff

/* CPF item types (Vol. 2 table 2-6.3). */
#define CPF_NULL_ADDR 0x0000
#define CPF_IDENTITY 0x000c
#define CPF_CONN_ADDR 0x00a1
#define CPF_CONN_DATA 0x00b1
#define CPF_UNCONN_DATA 0x00b2
#define CPF_LIST_SERVICES 0x0100
#define CPF_SOCK_OT 0x8000
#define CPF_SOCK_TO 0x8001
#define CPF_SEQ_ADDR 0x8002

/* Anomaly reasons (obs_anomaly.reason). */
enum {
	ENIP_AN_BAD_HEADER = 1,
	ENIP_AN_OVERSIZED,
	ENIP_AN_BAD_CPF,
	ENIP_AN_BAD_CIP,
	ENIP_AN_BAD_PATH,
	ENIP_AN_PENDING_FULL,
	ENIP_AN_RESYNC,
	ENIP_AN_SHORT_DATAGRAM,
	ENIP_AN_BAD_IO,
	ENIP_AN_BAD_IDENTITY,
	ENIP_AN_MSP_CAP,
	ENIP_AN_NEST_CAP,
};

/* enip_inner.flags */
#define EI_ROUTED 0x01	 /* came through Unconnected Send */
#define EI_FWD_OPEN 0x02 /* (Large) Forward Open: reply has conn ids */
#define EI_IO_CONN 0x04	 /* Forward Open of a class 0/1 connection */
#define EI_PARTIAL_OK 0x08 /* general status 0x06 is not a failure */
#define EI_IDENT_ALL 0x10  /* Identity Get_Attributes_All */
#define EI_IDENT_ATTR 0x20 /* Identity Get_Attribute_Single, attr below */
#define EI_IDENT_LIST 0x40 /* Identity Get_Attribute_List */
#define EI_CONN_ROUTED 0x80 /* Forward Open to a module behind the target */

struct enip_inner {
	uint8_t code;
	uint8_t cls;
	uint8_t flags;
	uint8_t attr;	/* Identity attribute for EI_IDENT_ATTR */
	uint8_t family; /* CIP_FAM_*: where the name comes from */
};

enum { PK_FREE = 0, PK_CTX, PK_SEQ };

struct enip_pending {
	uint32_t serial; /* insertion order, for oldest-first */
	uint8_t kind;	 /* PK_* */
	uint8_t msp;	 /* request was a Multiple Service Packet */
	uint8_t n;	 /* inner[] used */
	uint8_t outer_cls;
	uint8_t requester; /* enum obs_side */
	uint16_t seq;
	uint8_t ctx[8];
	struct enip_inner in[ENIP_MAX_PAIRED_INNER];
};

/* Role bits: 1 << (side * 4 + kind). */
enum { RB_CLIENT = 0, RB_SERVER, RB_SCANNER, RB_ADAPTER };

struct enip_state {
	uint32_t session; /* from the RegisterSession reply */
	uint32_t serial;
	uint8_t have_session;
	uint8_t valid; /* a well-formed PDU was seen: the flow is ours */
	uint8_t lost[2]; /* per direction: bytes were lost, find a header */
	uint8_t roles;
	uint8_t io_hb;	 /* bit per side: sent a heartbeat */
	uint8_t io_data; /* bit per side: sent I/O data */
	uint8_t io_decided;
	uint8_t pend_full; /* the pending-table anomaly was reported */
	uint8_t io_n[2];
	uint8_t nconn;
	uint8_t nrouted; /* routed[] written so far (wraps) */
	uint32_t pused;	 /* bit i set: pend[i].kind != PK_FREE */
	uint32_t conn[ENIP_MAX_CONN_IDS];
	/* O->T and T->O ids of connections routed beyond the target */
	uint32_t routed[ENIP_MAX_ROUTED_CONNS];
	struct enip_pending pend[ENIP_MAX_PENDING];
};

/* One decoded encapsulation header. */
struct enip_hdr {
	uint16_t cmd;
	uint16_t len;
	uint32_t session;
	uint32_t status;
	uint8_t ctx[8];
	uint32_t options;
};

/* What parse() is doing with one message. */
struct enip_msg {
	struct enip_state *st;
	const struct dis_ctx *ctx;
	const struct obs_sink *sink;
	const struct enip_hdr *h;
	uint8_t sender;	  /* enum obs_side of these bytes */
	uint8_t bcast;	  /* request to a broadcast/multicast address */
	uint8_t kind;	  /* PK_CTX or PK_SEQ */
	uint16_t seq;	  /* connected: CIP sequence count */
	uint8_t routed;	  /* connected, on a connection routed beyond */
	int malformed;	  /* an anomaly made this PDU malformed */
	int emitted;	  /* an observation was emitted */
};

struct enip_cmd_name {
	uint16_t cmd;
	uint8_t cls;
	const char *name;
};

static const struct enip_cmd_name enip_cmds[] = {
	{ENIP_CMD_NOP, OBS_C_OTHER, "NOP"},
	{ENIP_CMD_LIST_SERVICES, OBS_C_DISCOVER, "List Services"},
	{ENIP_CMD_LIST_IDENTITY, OBS_C_DISCOVER, "List Identity"},
	{ENIP_CMD_LIST_INTERFACES, OBS_C_DISCOVER, "List Interfaces"},
	{ENIP_CMD_REGISTER, OBS_C_SESSION, "Register Session"},
	{ENIP_CMD_UNREGISTER, OBS_C_SESSION, "Unregister Session"},
	{ENIP_CMD_SEND_RR, OBS_C_OTHER, "Send RR Data"},
	{ENIP_CMD_SEND_UNIT, OBS_C_OTHER, "Send Unit Data"},
	{ENIP_CMD_INDICATE_STATUS, OBS_C_OTHER, "Indicate Status"},
	{ENIP_CMD_CANCEL, OBS_C_OTHER, "Cancel"},
	{0, 0, NULL},
};

/*
 * enip_cmds[] index + 1 by command code (every known code is below
 * 0x74): a load, not a walk of the table, since every PDU looks its
 * command up.
 */
static const uint8_t enip_cmd_idx[0x74] = {
	[ENIP_CMD_NOP] = 1,
	[ENIP_CMD_LIST_SERVICES] = 2,
	[ENIP_CMD_LIST_IDENTITY] = 3,
	[ENIP_CMD_LIST_INTERFACES] = 4,
	[ENIP_CMD_REGISTER] = 5,
	[ENIP_CMD_UNREGISTER] = 6,
	[ENIP_CMD_SEND_RR] = 7,
	[ENIP_CMD_SEND_UNIT] = 8,
	[ENIP_CMD_INDICATE_STATUS] = 9,
	[ENIP_CMD_CANCEL] = 10,
};

static const struct enip_cmd_name *
cmd_find(uint16_t cmd)
{
	if (cmd >= sizeof(enip_cmd_idx) || enip_cmd_idx[cmd] == 0)
		return NULL;
	return &enip_cmds[enip_cmd_idx[cmd] - 1];
}

/* --- emitting -------------------------------------------------------- */

static inline void
emit_op(struct enip_msg *m, uint8_t proto, uint8_t cls, uint8_t flags,
    uint8_t requester, uint32_t code, uint32_t status,
    const struct cip_path *p, const char *name)
{
	struct obs_op o;

	memset(&o, 0, sizeof(o));
	o.proto = proto;
	o.cls = cls;
	o.flags = flags;
	o.requester = requester;
	o.code = code;
	o.status = status;
	o.addr_lo = 1; /* addr_hi < addr_lo: no address */
	o.addr_hi = 0;
	if (p != NULL) {
		if (p->has & CIP_HAS_CLASS)
			o.unit = p->cls;
		if (p->has & CIP_HAS_INST)
			o.addr_lo = o.addr_hi = p->inst;
	}
	o.name = name != NULL ? name : "unknown";
	m->emitted = 1;
	if (m->sink->op != NULL)
		m->sink->op(m->sink->arg, &o);
}

static void
emit_role_new(struct enip_msg *m, uint8_t side, int kind, uint8_t bit)
{
	static const uint8_t role_of[] = {OBS_R_CLIENT, OBS_R_SERVER,
	    OBS_R_SCANNER, OBS_R_IO_ADAPTER};
	struct obs_role r;

	m->st->roles |= bit;
	r.side = side;
	r.proto = OBS_P_ENIP;
	r.role = role_of[kind];
	m->emitted = 1;
	if (m->sink->role != NULL)
		m->sink->role(m->sink->arg, &r);
}

/* Report a role once per flow (inline: usually it was reported). */
static inline void
emit_role(struct enip_msg *m, uint8_t side, int kind)
{
	uint8_t bit = (uint8_t)(1u << (side * 4 + (unsigned)kind));

	if (!(m->st->roles & bit))
		emit_role_new(m, side, kind, bit);
}

static void
emit_attr(struct enip_msg *m, uint8_t key, uint8_t side, uint32_t num)
{
	struct obs_attr a;

	memset(&a, 0, sizeof(a));
	a.key = key;
	a.side = side;
	a.proto = OBS_P_ENIP;
	a.num = num;
	m->emitted = 1;
	if (m->sink->attr != NULL)
		m->sink->attr(m->sink->arg, &a);
}

/* Was connection id reported on this flow (among the recent ones)? */
static inline int
conn_known(const struct enip_state *st, uint32_t id)
{
	size_t i, n = st->nconn < ENIP_MAX_CONN_IDS ? st->nconn
						    : ENIP_MAX_CONN_IDS;

	for (i = 0; i < n; i++)
		if (st->conn[i] == id)
			return 1;
	return 0;
}

/* Report a connection id once per flow (bounded memory of recent ids). */
static void
emit_conn(struct enip_msg *m, uint8_t side, uint32_t id)
{
	struct enip_state *st = m->st;

	if (conn_known(st, id))
		return;
	st->conn[st->nconn % ENIP_MAX_CONN_IDS] = id;
	/* nconn counts to 2 * cap then wraps into [cap, 2 * cap). */
	st->nconn = (uint8_t)(st->nconn + 1);
	if (st->nconn >= 2 * ENIP_MAX_CONN_IDS)
		st->nconn = ENIP_MAX_CONN_IDS;
	emit_attr(m, OBS_A_CIP_CONN, side, id);
}

/* A limit was hit: worth telling, but the PDU itself is fine. */
static void
emit_cap(struct enip_msg *m, uint16_t reason, const char *what)
{
	struct obs_anomaly a;

	a.proto = OBS_P_ENIP;
	a.reason = reason;
	a.what = what;
	if (m->sink->anomaly != NULL)
		m->sink->anomaly(m->sink->arg, &a);
}

/* The PDU is broken: parse() will return DIS_MALFORMED for it. */
static void
emit_anomaly(struct enip_msg *m, uint16_t reason, const char *what)
{
	m->malformed = 1;
	emit_cap(m, reason, what);
}

static void
emit_ident(struct enip_msg *m, struct obs_ident *id)
{
	id->side = m->sender;
	id->proto = OBS_P_ENIP;
	m->emitted = 1;
	if (m->sink->ident != NULL)
		m->sink->ident(m->sink->arg, id);
}

static uint8_t
other_side(uint8_t side)
{
	return side == OBS_SIDE_CLIENT ? OBS_SIDE_SERVER : OBS_SIDE_CLIENT;
}

/* --- pending requests ------------------------------------------------ */

/* pused has a bit per pending slot. */
_Static_assert(ENIP_MAX_PENDING == 32, "enip_state.pused is 32 bits");

static void
pend_free(struct enip_state *st, struct enip_pending *pe)
{
	pe->kind = PK_FREE;
	st->pused &= ~(1u << (unsigned)(pe - st->pend));
}

/*
 * The first free slot in index order; when there is none, the oldest
 * entry (the lowest serial, the lowest index among equal ones) is
 * evicted.
 */
static struct enip_pending *
pend_new(struct enip_msg *m)
{
	struct enip_state *st = m->st;
	struct enip_pending *pe = NULL, *old = NULL;
	size_t i;

	if (st->pused != 0xffffffffu) {
		pe = &st->pend[__builtin_ctz(~st->pused)];
	} else {
		for (i = 0; i < ENIP_MAX_PENDING; i++)
			if (old == NULL || st->pend[i].serial < old->serial)
				old = &st->pend[i];
		/* Once per flow: a lossy capture would repeat it per PDU. */
		if (!st->pend_full) {
			st->pend_full = 1;
			emit_cap(m, ENIP_AN_PENDING_FULL,
			    "too many unanswered CIP requests");
		}
		pe = old;
	}
	/* in[] is read only below n, and written whole as n grows. */
	memset(pe, 0, offsetof(struct enip_pending, in));
	st->pused |= 1u << (unsigned)(pe - st->pend);
	if (++st->serial == 0) {
		/* Wrapped after 4G requests: restart the order cleanly. */
		for (i = 0; i < ENIP_MAX_PENDING; i++)
			st->pend[i].serial = 0;
		st->serial = 1;
	}
	pe->serial = st->serial;
	pe->kind = m->kind;
	pe->seq = m->seq;
	memcpy(pe->ctx, m->h->ctx, sizeof(pe->ctx));
	pe->requester = m->sender;
	return pe;
}

/* The oldest pending entry matching m's key (only used slots are read). */
static struct enip_pending *
pend_find(struct enip_msg *m)
{
	struct enip_pending *pe, *best = NULL;
	uint32_t used = m->st->pused;

	while (used != 0) {
		pe = &m->st->pend[__builtin_ctz(used)];
		used &= used - 1;
		if (pe->kind != m->kind)
			continue;
		if (m->kind == PK_SEQ ? pe->seq != m->seq
				      : memcmp(pe->ctx, m->h->ctx, 8) != 0)
			continue;
		if (best == NULL || pe->serial < best->serial)
			best = pe;
	}
	return best;
}

/*
 * Free a paired entry.  A class 3 connection carries one request at a
 * time (the sequence count only detects duplicates), so connected
 * requests older than the one just answered will never be: drop them too.
 * Unconnected requests may be answered out of order (routed to different
 * modules) and stay until answered or evicted.
 */
static void
pend_done(struct enip_state *st, struct enip_pending *pe)
{
	struct enip_pending *q;
	uint32_t used = st->pused;

	if (pe->kind == PK_SEQ)
		while (used != 0) {
			q = &st->pend[__builtin_ctz(used)];
			used &= used - 1;
			if (q->kind == PK_SEQ && q->serial < pe->serial)
				pend_free(st, q);
		}
	pend_free(st, pe);
}

/* --- CIP requests ---------------------------------------------------- */

/* Policy order for the outer Multiple Service Packet's class. */
static int
cls_rank(uint8_t cls)
{
	switch (cls) {
	case OBS_C_PROGRAM:
		return 6;
	case OBS_C_CONTROL:
		return 5;
	case OBS_C_WRITE:
		return 4;
	case OBS_C_READ:
		return 3;
	case OBS_C_SESSION:
		return 2;
	case OBS_C_DISCOVER:
		return 1;
	default:
		return 0;
	}
}

/*
 * PCCC command/function of an Execute PCCC request body, or -1:
 * [requestor id length (counts itself)][vendor][serial][...]
 * [CMD][STS][TNS (2)][FNC] (FNC only for commands 0x06, 0x07, 0x0F).
 */
static int
pccc_key(struct cur d)
{
	uint8_t idlen, cmd, fnc;

	idlen = cur_u8(&d);
	if (idlen < 1)
		return -1;
	cur_skip(&d, (size_t)idlen - 1);
	cmd = cur_u8(&d);
	cur_skip(&d, 3); /* STS, TNS */
	fnc = cur_u8(&d);
	if (!cur_ok(&d))
		return -1;
	return (int)((unsigned)cmd << 8 | fnc);
}

/*
 * Forward Open request data (Vol. 1 3-5.5.2): report the RPIs and note
 * whether it opens an I/O (class 0/1) connection.  large: 32-bit
 * connection parameters.
 */
static void
fwd_open_req(struct enip_msg *m, struct cur d, int large, int emit,
    uint8_t *flags)
{
	uint32_t ot_rpi, to_rpi;
	uint8_t trigger;

	cur_skip(&d, 2);  /* priority/tick, timeout ticks */
	cur_skip(&d, 8);  /* O->T and T->O connection ids (target decides) */
	cur_skip(&d, 8);  /* conn serial, originator vendor, serial */
	cur_skip(&d, 4);  /* timeout multiplier, reserved */
	ot_rpi = cur_le32(&d);
	cur_skip(&d, large ? 4 : 2);
	to_rpi = cur_le32(&d);
	cur_skip(&d, large ? 4 : 2);
	trigger = cur_u8(&d);
	if (!cur_ok(&d))
		return;
	if ((trigger & 0x0f) <= 1)
		*flags |= EI_IO_CONN;
	/*
	 * Connection path (size in words, then the EPATH): a port segment
	 * routes the connection out of the target (a backplane slot), so
	 * what is read over it describes that module.  A Forward Open that
	 * came through an Unconnected Send is routed already.
	 */
	if (*flags & EI_ROUTED) {
		*flags |= EI_CONN_ROUTED;
	} else {
		struct cip_path cp;
		struct cur pc;
		uint8_t words = cur_u8(&d);

		pc = cur_sub(&d, (size_t)words * 2);
		if (cur_ok(&d) && cip_parse_epath_nosym(&pc, &cp) == 0 &&
		    (cp.has & CIP_HAS_PORT))
			*flags |= EI_CONN_ROUTED;
	}
	if (!emit)
		return;
	emit_attr(m, OBS_A_CIP_RPI, m->sender, ot_rpi);
	emit_attr(m, OBS_A_CIP_RPI, other_side(m->sender), to_rpi);
	if (*flags & EI_IO_CONN)
		emit_role(m, m->sender, RB_SCANNER);
}

/*
 * One Message Router request in c (bounded to it).  emit 0: only work
 * out the class (first pass over a Multiple Service Packet).  Records what
 * pairing needs in pe (may be NULL) and returns the operation's class.
 */
static uint8_t cip_request(struct enip_msg *m, struct cur c, int depth,
    uint8_t inflags, int emit, struct enip_pending *pe);

static uint8_t
cip_unconn_send(struct enip_msg *m, struct cur d, int depth,
    uint8_t inflags, int emit, struct enip_pending *pe)
{
	struct cur inner;
	uint16_t size;

	cur_skip(&d, 2); /* priority/tick, timeout ticks */
	size = cur_le16(&d);
	inner = cur_sub(&d, size);
	if (!cur_ok(&d)) {
		if (emit)
			emit_anomaly(m, ENIP_AN_BAD_CIP,
			    "Unconnected Send: embedded length exceeds data");
		return OBS_C_OTHER;
	}
	/* The route path follows (after a pad byte if size is odd). */
	return cip_request(m, inner, depth + 1, inflags | EI_ROUTED, emit,
	    pe);
}

static uint8_t
cip_multiple(struct enip_msg *m, struct cur d, int depth, uint8_t inflags,
    int emit, struct enip_pending *pe, const struct cip_path *path)
{
	struct cur start = d, item;
	uint16_t n, i, off, next;
	uint8_t cls, best = OBS_C_OTHER;
	int pass;

	n = cur_le16(&d);
	if (!cur_ok(&d) || (size_t)n * 2 > d.left) {
		if (emit) {
			emit_anomaly(m, ENIP_AN_BAD_CIP,
			    "Multiple Service Packet: bad service count");
			emit_op(m, OBS_P_CIP, OBS_C_OTHER, m->bcast, m->sender,
			    CIP_SC_MULTIPLE, 0, path,
			    "Multiple Service Packet");
		}
		return OBS_C_OTHER;
	}
	if (n > ENIP_MAX_MSP_OPS && emit)
		emit_cap(m, ENIP_AN_MSP_CAP,
		    "Multiple Service Packet: too many services");
	if (pe != NULL && (pe->msp || pe->n > 0))
		pe = NULL; /* nested in another packet: not paired */
	if (pe != NULL)
		pe->msp = 1;
	/* Pass 0 finds the outer class, pass 1 reports (when emitting). */
	for (pass = 0; pass < (emit ? 2 : 1); pass++) {
		if (pass == 1)
			emit_op(m, OBS_P_CIP, best, m->bcast, m->sender,
			    CIP_SC_MULTIPLE, 0, path,
			    "Multiple Service Packet");
		for (i = 0; i < n && i < ENIP_MAX_MSP_OPS; i++) {
			/* Offsets count from the service-count field. */
			struct cur o = start;
			cur_skip(&o, 2 + (size_t)i * 2);
			off = cur_le16(&o);
			if (i + 1 < n)
				next = cur_le16(&o);
			else
				next = (uint16_t)start.left;
			if (!cur_ok(&o) || off < 2 + (size_t)n * 2 ||
			    off > start.left || next > start.left ||
			    next < off) {
				if (pass == 1)
					emit_anomaly(m, ENIP_AN_BAD_CIP,
					    "Multiple Service Packet: bad "
					    "offset");
				break;
			}
			item = cur_make(start.p + off, (size_t)(next - off));
			cls = cip_request(m, item, depth + 1, inflags,
			    pass == 1, pass == 1 && pe != NULL &&
				    pe->n < ENIP_MAX_PAIRED_INNER
				? pe
				: NULL);
			if (pass == 0 && cls_rank(cls) > cls_rank(best))
				best = cls;
		}
	}
	if (pe != NULL)
		pe->outer_cls = best;
	return best;
}

static uint8_t
cip_request(struct enip_msg *m, struct cur c, int depth, uint8_t inflags,
    int emit, struct enip_pending *pe)
{
	struct cip_path path;
	struct cur pc;
	struct enip_inner *in;
	uint8_t service, words, cls, fam, flags = inflags;
	const char *name;
	int pccc = -1, bad_path;

	service = cur_u8(&c);
	words = cur_u8(&c);
	pc = cur_sub(&c, (size_t)words * 2);
	if (!cur_ok(&c)) {
		if (emit)
			emit_anomaly(m, ENIP_AN_BAD_CIP,
			    "CIP request shorter than its path");
		return OBS_C_OTHER;
	}
	if (service & CIP_SC_RESPONSE) {
		if (emit)
			emit_anomaly(m, ENIP_AN_BAD_CIP,
			    "CIP response inside a request");
		return OBS_C_OTHER;
	}
	bad_path = cip_parse_epath_nosym(&pc, &path) != 0;
	if (bad_path && emit)
		emit_anomaly(m, ENIP_AN_BAD_PATH, "malformed CIP request path");

	if (service == CIP_SC_UNCONN_SEND && (path.has & CIP_HAS_CLASS) &&
	    path.cls == CIP_CLASS_CONN_MGR) {
		if (depth < ENIP_MAX_NEST)
			return cip_unconn_send(m, c, depth, flags, emit, pe);
		if (emit)
			emit_cap(m, ENIP_AN_NEST_CAP,
			    "CIP requests nested too deep");
	}
	if (service == CIP_SC_MULTIPLE) {
		if (depth < ENIP_MAX_NEST)
			return cip_multiple(m, c, depth, flags, emit, pe,
			    &path);
		if (emit)
			emit_cap(m, ENIP_AN_NEST_CAP,
			    "CIP requests nested too deep");
	}
	if (service == CIP_SC_EXEC_PCCC)
		pccc = pccc_key(c);
	cip_classify(service, &path, pccc, &cls, &name, &fam);

	if ((path.has & CIP_HAS_CLASS) && path.cls == CIP_CLASS_CONN_MGR &&
	    (service == CIP_SC_FWD_OPEN || service == CIP_SC_LARGE_FWD_OPEN)) {
		flags |= EI_FWD_OPEN;
		fwd_open_req(m, c, service == CIP_SC_LARGE_FWD_OPEN, emit,
		    &flags);
	}
	if (cls == OBS_C_READ && (service == 0x52 || service == 0x4c ||
				     service == 0x55))
		flags |= EI_PARTIAL_OK;
	if ((path.has & CIP_HAS_CLASS) && path.cls == CIP_CLASS_IDENTITY &&
	    (!(path.has & CIP_HAS_INST) || path.inst == 1)) {
		if (service == CIP_SC_GET_ATTR_ALL)
			flags |= EI_IDENT_ALL;
		else if (service == CIP_SC_GET_ATTR_SINGLE &&
		    (path.has & CIP_HAS_ATTR) && path.attr >= 1 &&
		    path.attr <= 7 && path.attr != 5)
			flags |= EI_IDENT_ATTR;
		else if (service == CIP_SC_GET_ATTR_LIST)
			flags |= EI_IDENT_LIST;
	}
	if (emit)
		emit_op(m, OBS_P_CIP, cls, m->bcast, m->sender, service, 0,
		    &path, name);
	if (pe != NULL && pe->n < ENIP_MAX_PAIRED_INNER) {
		in = &pe->in[pe->n++];
		in->code = service;
		in->cls = cls;
		in->flags = flags;
		in->attr = (uint8_t)path.attr;
		in->family = fam;
	}
	return cls;
}

/* --- CIP responses --------------------------------------------------- */

struct cip_reply {
	uint8_t service; /* without the response bit */
	uint8_t gs;	 /* general status */
	struct cur data; /* response data after the status */
};

/*
 * [service|0x80][reserved][general status][ext words][ext status...]:
 * one bounds test for the 4 bytes and one for the extended status.  On
 * failure *r is not to be used.
 */
static inline int
cip_reply_hdr(struct cur c, struct cip_reply *r)
{
	size_t ext;

	if (!cur_ok(&c) || c.left < 4 || !(c.p[0] & CIP_SC_RESPONSE))
		return -1;
	ext = (size_t)c.p[3] * 2;
	if (c.left - 4 < ext)
		return -1;
	r->service = c.p[0] & 0x7f;
	r->gs = c.p[2];
	r->data = cur_make(c.p + 4 + ext, c.left - 4 - ext);
	return 0;
}

/* Forward Open reply: both connection ids (Vol. 1 3-5.5.2, table 3-5.19). */
static void
remember_routed(struct enip_state *st, uint32_t id)
{
	size_t i;

	for (i = 0; i < ENIP_MAX_ROUTED_CONNS; i++)
		if (st->routed[i] == id)
			return;
	st->routed[st->nrouted % ENIP_MAX_ROUTED_CONNS] = id;
	st->nrouted = (uint8_t)((st->nrouted + 1) % ENIP_MAX_ROUTED_CONNS);
}

static int
conn_routed(const struct enip_state *st, uint32_t id)
{
	size_t i;

	if (id == 0)
		return 0;
	for (i = 0; i < ENIP_MAX_ROUTED_CONNS; i++)
		if (st->routed[i] == id)
			return 1;
	return 0;
}

static void
fwd_open_reply(struct enip_msg *m, struct cur d, uint8_t requester,
    uint8_t fl)
{
	uint32_t ot, to;
	int io = (fl & EI_IO_CONN) != 0;

	ot = cur_le32(&d);
	to = cur_le32(&d);
	if (!cur_ok(&d))
		return;
	if (fl & EI_CONN_ROUTED) {
		if (ot != 0)
			remember_routed(m->st, ot);
		if (to != 0)
			remember_routed(m->st, to);
	}
	if (ot != 0)
		emit_conn(m, requester, ot);
	if (to != 0)
		emit_conn(m, m->sender, to);
	if (io)
		emit_role(m, m->sender, RB_ADAPTER);
}

/*
 * An Identity object reply (fl says which request).  noinline: its
 * 600-byte obs_ident stays out of cip_reply_one()'s frame.
 */
static __attribute__((noinline)) void
identity_reply(struct enip_msg *m, const struct cip_reply *r,
    const struct enip_inner *in, uint8_t fl)
{
	struct obs_ident id;
	struct cur d = r->data;
	int rc;

	memset(&id, 0, sizeof(id));
	if (fl & EI_IDENT_ALL)
		rc = cip_identity_all(&d, &id);
	else if (fl & EI_IDENT_LIST)
		rc = cip_identity_list(&d, &id);
	else
		rc = cip_identity_attr(&d, in != NULL ? in->attr : 0, &id);
	if (rc == 0)
		emit_ident(m, &id);
	else if (!(fl & EI_IDENT_LIST)) /* a list may ask for none */
		emit_anomaly(m, ENIP_AN_BAD_IDENTITY,
		    "short Identity object reply");
}

/* Report one reply to a request described by in (NULL: unpaired). */
static void
cip_reply_one(struct enip_msg *m, const struct cip_reply *r,
    const struct enip_inner *in, uint8_t requester)
{
	struct cip_path none;
	uint8_t cls, flags = OBS_OP_RESPONSE, code = r->service, fl = 0;
	const char *name;
	int failed;

	if (in != NULL) {
		code = in->code;
		cls = in->cls;
		name = cip_service_name(code, in->family);
		fl = in->flags;
	} else {
		/* Unpaired: classify by the code alone. */
		memset(&none, 0, sizeof(none));
		cip_classify(code, &none, -1, &cls, &name, NULL);
		if (code == CIP_SC_FWD_OPEN || code == CIP_SC_LARGE_FWD_OPEN) {
			cls = OBS_C_SESSION;
			name = code == CIP_SC_FWD_OPEN ? "Forward Open"
						       : "Large Forward Open";
			fl = EI_FWD_OPEN;
		}
	}
	failed = r->gs != 0 &&
	    !(r->gs == CIP_GS_PARTIAL && (fl & EI_PARTIAL_OK));
	if (failed)
		flags |= OBS_OP_EXCEPTION;
	emit_op(m, OBS_P_CIP, cls, flags, requester, code, r->gs, NULL, name);
	if (failed || r->service != code)
		return;
	if (fl & EI_FWD_OPEN)
		fwd_open_reply(m, r->data, requester, fl);
	if ((fl & (EI_IDENT_ALL | EI_IDENT_ATTR | EI_IDENT_LIST)) &&
	    !(fl & EI_ROUTED))
		identity_reply(m, r, in, fl);
}

/* Multiple Service Packet reply: each inner reply, paired by position. */
static void
cip_reply_multiple(struct enip_msg *m, const struct cip_reply *r,
    const struct enip_pending *pe, uint8_t requester)
{
	struct cur start = r->data, o = r->data, item;
	struct cip_reply ir;
	uint16_t n, i, off, next;
	const struct enip_inner *in;

	n = cur_le16(&o);
	if (!cur_ok(&o) || (size_t)n * 2 > o.left)
		return;
	for (i = 0; i < n && i < ENIP_MAX_MSP_OPS; i++) {
		off = cur_le16(&o);
		if (i + 1 < n)
			next = (uint16_t)(cur_peek(&o, 0) |
			    cur_peek(&o, 1) << 8);
		else
			next = (uint16_t)start.left;
		if (!cur_ok(&o) || off < 2 + (size_t)n * 2 ||
		    off > start.left || next > start.left || next < off)
			break;
		item = cur_make(start.p + off, (size_t)(next - off));
		if (cip_reply_hdr(item, &ir) != 0)
			continue;
		in = pe != NULL && i < pe->n ? &pe->in[i] : NULL;
		if (in != NULL && in->code != ir.service)
			in = NULL;
		cip_reply_one(m, &ir, in, requester);
	}
}

static void
cip_response(struct enip_msg *m, struct cur c)
{
	struct cip_reply r;
	struct enip_pending *pe;
	uint8_t requester = other_side(m->sender);
	uint8_t flags = OBS_OP_RESPONSE;

	if (cip_reply_hdr(c, &r) != 0) {
		emit_anomaly(m, ENIP_AN_BAD_CIP, "short CIP response");
		return;
	}
	pe = pend_find(m);
	if (pe != NULL)
		requester = pe->requester;
	if (pe != NULL && pe->msp &&
	    (r.service == CIP_SC_MULTIPLE ||
		r.service == CIP_SC_UNCONN_SEND)) {
		/* 0x1E: an embedded service failed; also an exception. */
		if (r.gs != 0)
			flags |= OBS_OP_EXCEPTION;
		emit_op(m, OBS_P_CIP, pe->outer_cls, flags, requester,
		    CIP_SC_MULTIPLE, r.gs, NULL, "Multiple Service Packet");
		if (r.service == CIP_SC_MULTIPLE)
			cip_reply_multiple(m, &r, pe, requester);
	} else if (pe != NULL && pe->n > 0 &&
	    (r.service == pe->in[0].code ||
		(r.service == CIP_SC_UNCONN_SEND &&
		    (pe->in[0].flags & EI_ROUTED)))) {
		cip_reply_one(m, &r, &pe->in[0], requester);
	} else if (r.service == CIP_SC_MULTIPLE) {
		emit_op(m, OBS_P_CIP, OBS_C_OTHER,
		    (uint8_t)(flags | (r.gs ? OBS_OP_EXCEPTION : 0)), requester,
		    CIP_SC_MULTIPLE, r.gs, NULL, "Multiple Service Packet");
		cip_reply_multiple(m, &r, NULL, requester);
		pe = NULL;
	} else {
		cip_reply_one(m, &r, NULL, requester);
		pe = NULL; /* a reply to something else: keep the entry */
	}
	if (pe != NULL)
		pend_done(m->st, pe);
}

/* A Message Router PDU (request or response) in c. */
static void
cip_message(struct enip_msg *m, struct cur c)
{
	struct enip_pending *pe;

	if (c.left == 0) {
		emit_anomaly(m, ENIP_AN_BAD_CIP, "empty CIP message");
		return;
	}
	if (cur_peek(&c, 0) & CIP_SC_RESPONSE) {
		emit_role(m, m->sender, RB_SERVER);
		cip_response(m, c);
		return;
	}
	emit_role(m, m->sender, RB_CLIENT);
	pe = pend_new(m);
	(void)cip_request(m, c, 0, m->routed ? EI_ROUTED : 0, 1, pe);
	if (pe->n == 0 && !pe->msp)
		pend_free(m->st, pe); /* nothing to pair */
}

/* --- encapsulation --------------------------------------------------- */

struct cpf_item {
	uint16_t type;
	struct cur data;
};

/* Parse a CPF into items[] (at most max).  Returns the count or -1. */
static int
cpf_parse(struct cur *c, struct cpf_item *items, int max)
{
	uint16_t n, i, len;
	int k = 0;

	n = cur_le16(c);
	if (!cur_ok(c))
		return -1;
	for (i = 0; i < n; i++) {
		uint16_t type = cur_le16(c);
		struct cur d;

		len = cur_le16(c);
		d = cur_sub(c, len);
		if (!cur_ok(c))
			return -1;
		if (k < max) {
			items[k].type = type;
			items[k].data = d;
			k++;
		}
	}
	return k;
}

/*
 * cpf_parse() and a search of the items it keeps, for types t0 and t1,
 * without the items array: fails (-1) on the same input as cpf_parse(),
 * else returns a bit per type found among the first max items (1: t0,
 * 2: t1) and the data of the first such item in d[0] and d[1].  c is
 * left as it is.
 */
static int
cpf_find2(const struct cur *c, int max, uint16_t t0, uint16_t t1,
    struct cur d[2])
{
	const uint8_t *p;
	size_t left;
	uint16_t type, len;
	unsigned n, i;
	int found = 0;

	if (!cur_ok(c) || c->left < 2)
		return -1;
	n = cur_get_le16(c->p);
	p = c->p + 2;
	left = c->left - 2;
	/* The usual two items (address, data), both inside c. */
	if (n == 2 && max >= 2 && left >= 8) {
		uint16_t len0 = cur_get_le16(p + 2), len1;

		if (left - 8 >= len0) {
			len1 = cur_get_le16(p + 6 + len0);
			if (left - 8 - len0 >= len1) {
				type = cur_get_le16(p);
				if (type == t0) {
					d[0] = cur_make(p + 4, len0);
					found |= 1;
				}
				if (type == t1) {
					d[1] = cur_make(p + 4, len0);
					found |= 2;
				}
				type = cur_get_le16(p + 4 + len0);
				if (!(found & 1) && type == t0) {
					d[0] = cur_make(p + 8 + len0, len1);
					found |= 1;
				}
				if (!(found & 2) && type == t1) {
					d[1] = cur_make(p + 8 + len0, len1);
					found |= 2;
				}
				return found;
			}
		}
	}
	for (i = 0; i < n; i++) {
		if (left < 4)
			return -1;
		type = cur_get_le16(p);
		len = cur_get_le16(p + 2);
		p += 4;
		left -= 4;
		if (left < len)
			return -1;
		if (i < (unsigned)max) {
			if (!(found & 1) && type == t0) {
				d[0] = cur_make(p, len);
				found |= 1;
			}
			if (!(found & 2) && type == t1) {
				d[1] = cur_make(p, len);
				found |= 2;
			}
		}
		p += len;
		left -= len;
	}
	return found;
}

/*
 * The usual CPF of SendRRData (null address, unconnected data) or, unit,
 * SendUnitData (connected address of 4 bytes, connected data), both
 * items inside c: the data item in items[0] (unit: the address in
 * items[0], the data in items[1]), as cpf_find2() would find them.
 */
static inline int
cpf_usual(const struct cur *c, int unit, struct cur items[2])
{
	const uint8_t *q = c->p;
	size_t len;

	if (!cur_ok(c))
		return 0;
	if (unit) {
		if (c->left < 14 || cur_get_le16(q) != 2 ||
		    cur_get_le16(q + 2) != CPF_CONN_ADDR ||
		    cur_get_le16(q + 4) != 4 ||
		    cur_get_le16(q + 10) != CPF_CONN_DATA)
			return 0;
		len = cur_get_le16(q + 12);
		if (len > c->left - 14)
			return 0;
		items[0] = cur_make(q + 6, 4);
		items[1] = cur_make(q + 14, len);
		return 1;
	}
	if (c->left < 10 || cur_get_le16(q) != 2 ||
	    cur_get_le16(q + 2) != CPF_NULL_ADDR || cur_get_le16(q + 4) != 0 ||
	    cur_get_le16(q + 6) != CPF_UNCONN_DATA)
		return 0;
	len = cur_get_le16(q + 8);
	if (len > c->left - 10)
		return 0;
	items[0] = cur_make(q + 10, len);
	return 1;
}

/* SendRRData / SendUnitData. */
static void
enip_send_data(struct enip_msg *m, struct cur c)
{
	const struct enip_cmd_name *cn = cmd_find(m->h->cmd);
	struct enip_pending *pe;
	struct cur d = cur_make(NULL, 0), items[2];
	int found, it;
	int reply = m->sender == OBS_SIDE_SERVER;
	int unit = m->h->cmd == ENIP_CMD_SEND_UNIT;

	cur_skip(&c, 6); /* interface handle, timeout */
	if (cpf_usual(&c, unit, items))
		found = unit ? 3 : 1;
	else if (unit)
		found = cpf_find2(&c, ENIP_MAX_CPF_ITEMS, CPF_CONN_ADDR,
		    CPF_CONN_DATA, items);
	else
		found = cpf_find2(&c, ENIP_MAX_CPF_ITEMS, CPF_UNCONN_DATA,
		    CPF_UNCONN_DATA, items);
	if (found < 0 && reply && m->h->status != 0)
		found = 0; /* a refusal need not echo the CPF */
	if (found < 0) {
		emit_anomaly(m, ENIP_AN_BAD_CPF,
		    "CPF item length exceeds encapsulation data");
		return;
	}
	if (unit) {
		if (found & 1) {
			struct cur a = items[0];
			uint32_t connid = cur_le32(&a);

			m->routed = (uint8_t)(cur_ok(&a) &&
			    conn_routed(m->st, connid));
		}
		it = found & 2;
		m->kind = PK_SEQ;
		if (it) {
			d = items[1];
			m->seq = cur_le16(&d);
		}
	} else {
		it = found & 1;
		m->kind = PK_CTX;
		if (it)
			d = items[0];
	}
	if (reply && m->h->status != 0) {
		/* The encapsulation layer refused the request. */
		if (!it)
			m->kind = PK_CTX;
		pe = pend_find(m);
		emit_op(m, OBS_P_ENIP,
		    pe != NULL && pe->n > 0 ? pe->in[0].cls : OBS_C_OTHER,
		    OBS_OP_RESPONSE | OBS_OP_EXCEPTION,
		    other_side(m->sender), m->h->cmd, m->h->status, NULL,
		    cn->name);
		if (pe != NULL)
			pend_free(m->st, pe);
		return;
	}
	if (!it || !cur_ok(&d) || d.left == 0) {
		/* No CIP inside: the command itself is the operation. */
		if (!reply) {
			emit_role(m, m->sender, RB_CLIENT);
			emit_op(m, OBS_P_ENIP, OBS_C_OTHER, m->bcast,
			    m->sender, m->h->cmd, 0, NULL, cn->name);
		}
		return;
	}
	cip_message(m, d);
}

/* ListIdentity reply: one identity item per device. */
static void
enip_list_identity_reply(struct enip_msg *m, struct cur c)
{
	struct cpf_item items[ENIP_MAX_CPF_ITEMS];
	struct obs_ident id;
	struct cur d;
	int i, n;

	n = cpf_parse(&c, items, ENIP_MAX_CPF_ITEMS);
	if (n < 0) {
		emit_anomaly(m, ENIP_AN_BAD_CPF,
		    "CPF item length exceeds encapsulation data");
		return;
	}
	for (i = 0; i < n; i++) {
		if (items[i].type != CPF_IDENTITY)
			continue;
		d = items[i].data;
		/* protocol version (2), socket address (16, big-endian) */
		cur_skip(&d, 18);
		memset(&id, 0, sizeof(id));
		if (cip_identity_all(&d, &id) != 0) {
			emit_anomaly(m, ENIP_AN_BAD_IDENTITY,
			    "short ListIdentity item");
			continue;
		}
		emit_ident(m, &id);
	}
}

/* Does this command carry its reply in the same command code? */
static int
cmd_is_list(uint16_t cmd)
{
	return cmd == ENIP_CMD_LIST_IDENTITY || cmd == ENIP_CMD_LIST_SERVICES ||
	    cmd == ENIP_CMD_LIST_INTERFACES;
}

/* One whole encapsulation PDU: header h, data in c. */
static void
enip_pdu(struct enip_msg *m, struct cur c)
{
	const struct enip_hdr *h = m->h;
	const struct enip_cmd_name *cn = cmd_find(h->cmd);
	uint8_t cls = cn != NULL ? cn->cls : OBS_C_OTHER;
	const char *name = cn != NULL ? cn->name : "unknown";
	int reply;

	if (h->cmd == ENIP_CMD_SEND_RR || h->cmd == ENIP_CMD_SEND_UNIT) {
		enip_send_data(m, c);
		return;
	}
	/*
	 * The List commands' requests have no data; their replies do (or
	 * carry a status).  Elsewhere the server's bytes are replies.
	 */
	if (cmd_is_list(h->cmd))
		reply = h->len > 0 || h->status != 0;
	else
		reply = m->sender == OBS_SIDE_SERVER;
	if (!reply) {
		emit_role(m, m->sender, RB_CLIENT);
		emit_op(m, OBS_P_ENIP, cls, m->bcast, m->sender, h->cmd, 0,
		    NULL, name);
		return;
	}
	emit_role(m, m->sender, RB_SERVER);
	emit_op(m, OBS_P_ENIP, cls,
	    (uint8_t)(OBS_OP_RESPONSE | (h->status ? OBS_OP_EXCEPTION : 0)),
	    other_side(m->sender), h->cmd, h->status, NULL, name);
	if (h->status != 0)
		return;
	if (h->cmd == ENIP_CMD_LIST_IDENTITY)
		enip_list_identity_reply(m, c);
	else if (h->cmd == ENIP_CMD_REGISTER) {
		m->st->session = h->session;
		m->st->have_session = 1;
	}
}

/* Decode a header; every caller has checked that buf holds 24 bytes. */
static void
hdr_read(const uint8_t *buf, struct enip_hdr *h)
{
	h->cmd = cur_get_le16(buf);
	h->len = cur_get_le16(buf + 2);
	h->session = cur_get_le32(buf + 4);
	h->status = cur_get_le32(buf + 8);
	memcpy(h->ctx, buf + 12, sizeof(h->ctx));
	h->options = cur_get_le32(buf + 20);
}

/*
 * Is this a header we trust to frame the stream?  A known command or one
 * of the legacy/reserved codes below 0x0100 (RSLinx opens sessions with
 * command 0x0001), no options (receivers must drop PDUs with options set),
 * a length the spec allows.  strict (looking for a boundary after lost
 * bytes): a known command, a plausible status and the flow's session
 * handle.
 */
static int
hdr_plausible(const struct enip_state *st, const struct enip_hdr *h,
    int strict)
{
	if (h->options != 0 || h->len > ENIP_MAX_LEN)
		return 0;
	if (cmd_find(h->cmd) == NULL)
		return !strict && h->cmd <= ENIP_CMD_LEGACY_MAX;
	if (!strict)
		return 1;
	/* Lengths each command can have (Vol. 2 2-4). */
	switch (h->cmd) {
	case ENIP_CMD_NOP:
		return 0; /* rare, and zero bytes are too weak a signal */
	case ENIP_CMD_REGISTER:
		if (h->len != 4)
			return 0;
		break;
	case ENIP_CMD_UNREGISTER:
		if (h->len != 0)
			return 0;
		break;
	case ENIP_CMD_SEND_RR:
	case ENIP_CMD_SEND_UNIT:
		/* interface handle, timeout, item count, two item headers */
		if (h->len < 16)
			return 0;
		break;
	default:
		break;
	}
	if (h->status > 0xffff)
		return 0;
	if (st->have_session &&
	    (h->cmd == ENIP_CMD_SEND_RR || h->cmd == ENIP_CMD_SEND_UNIT ||
		h->cmd == ENIP_CMD_UNREGISTER) &&
	    h->session != st->session)
		return 0;
	return 1;
}

/* --- implicit I/O (UDP 2222) ----------------------------------------- */

/*
 * The usual I/O datagram, in one test: two items, a sequenced address
 * (8 bytes: connection id at buf + 6) then connected data that ends the
 * datagram (len - 18 bytes).  io_cpf_any() accepts it too, with the same
 * results.
 */
static inline int
io_usual(const uint8_t *buf, size_t len)
{
	/* item count 2, first item type 0x8002: one 32-bit load */
	return len >= 18 &&
	    cur_get_le32(buf) == ((uint32_t)CPF_SEQ_ADDR << 16 | 2) &&
	    cur_get_le16(buf + 4) == 8 &&
	    cur_get_le16(buf + 14) == CPF_CONN_DATA &&
	    (size_t)cur_get_le16(buf + 16) == len - 18;
}

/* io_cpf() for any datagram, in one pass over at most 4 items. */
static int
io_cpf_any(const uint8_t *buf, size_t len, uint32_t *connid,
    size_t *datalen)
{
	/* First item of each type: its data (after the 4-byte header). */
	const uint8_t *seq = NULL, *conn = NULL, *dat = NULL, *p;
	size_t left, seqlen = 0, connlen = 0, datlen = 0;
	uint16_t type, ilen;
	unsigned n, i;

	/* 2..4 items: a count of 1 cannot hold both address and data. */
	if (len < 2 || buf[0] < 2 || buf[0] > 4 || buf[1] != 0)
		return -1;
	n = buf[0];
	p = buf + 2;
	left = len - 2;
	for (i = 0; i < n; i++) {
		if (left < 4)
			return -1;
		type = cur_get_le16(p);
		ilen = cur_get_le16(p + 2);
		p += 4;
		left -= 4;
		if (left < ilen)
			return -1;
		if (type == CPF_SEQ_ADDR && seq == NULL) {
			seq = p;
			seqlen = ilen;
		} else if (type == CPF_CONN_ADDR && conn == NULL) {
			conn = p;
			connlen = ilen;
		} else if (type == CPF_CONN_DATA && dat == NULL) {
			dat = p;
			datlen = ilen;
		}
		p += ilen;
		left -= ilen;
	}
	if (left != 0 || dat == NULL)
		return -1;
	/* A sequenced address wins over a connected one. */
	if (seq != NULL) {
		if (seqlen != 8)
			return -1;
	} else if (conn != NULL) {
		if (connlen != 4)
			return -1;
		seq = conn;
	} else {
		return -1;
	}
	*connid = cur_get_le32(seq);
	*datalen = datlen;
	return 0;
}

/*
 * Is buf a whole bare CPF of an I/O datagram: 1..4 items whose lengths add
 * up exactly, with a sequenced (or connected) address item and connected
 * data?  On success *connid is the connection id and *datalen the
 * connected data length.
 */
static int
io_cpf(const uint8_t *buf, size_t len, uint32_t *connid, size_t *datalen)
{
	if (io_usual(buf, len)) {
		*connid = cur_get_le32(buf + 6);
		*datalen = len - 18;
		return 0;
	}
	return io_cpf_any(buf, len, connid, datalen);
}

static void
io_roles(struct enip_msg *m, uint8_t scanner)
{
	m->st->io_decided = 1;
	emit_role(m, scanner, RB_SCANNER);
	emit_role(m, other_side(scanner), RB_ADAPTER);
}

/* An I/O datagram (io_cpf() accepted it): connection id, roles. */
static void
io_note(struct enip_msg *m, uint32_t connid, size_t dlen)
{
	struct enip_state *st = m->st;
	uint8_t s = m->sender, o = other_side(s);
	uint8_t sbit = (uint8_t)(1u << s), obit = (uint8_t)(1u << o);

	st->valid = 1;
	emit_conn(m, s, connid);
	/* Class 1 data starts with a 2-byte sequence count. */
	if (dlen <= 2)
		st->io_hb |= sbit;
	else
		st->io_data |= sbit;
	if (st->io_n[s] < 255)
		st->io_n[s]++;
	if (st->io_decided)
		return;
	if (m->ctx->multicast)
		io_roles(m, o);
	else if ((st->io_hb & sbit) && !(st->io_data & sbit) &&
	    (st->io_data & obit))
		io_roles(m, s);
	else if ((st->io_hb & obit) && !(st->io_data & obit) &&
	    (st->io_data & sbit))
		io_roles(m, o);
	else if (st->io_n[0] >= ENIP_IO_DECIDE &&
	    st->io_n[1] >= ENIP_IO_DECIDE)
		io_roles(m, OBS_SIDE_CLIENT);
}

static enum dis_rc
io_datagram(struct enip_msg *m, const uint8_t *buf, size_t len)
{
	uint32_t connid;
	size_t dlen;

	if (io_cpf(buf, len, &connid, &dlen) != 0)
		return DIS_NOT_MINE;
	io_note(m, connid, dlen);
	return DIS_OK;
}

/* --- dissector entry points ------------------------------------------ */

static int
enip_probe(const uint8_t *buf, size_t len, int dir)
{
	struct enip_hdr h;
	struct enip_state st;
	uint32_t connid;
	size_t dlen;

	if (io_cpf(buf, len, &connid, &dlen) == 0)
		return PROBE_YES;
	if (len < ENIP_HDR_LEN)
		return len >= 2 && cmd_find((uint16_t)(buf[0] | buf[1] << 8))
		    ? PROBE_MAYBE
		    : PROBE_NO;
	hdr_read(buf, &h);
	memset(&st, 0, sizeof(st));
	if (!hdr_plausible(&st, &h, 0))
		return PROBE_NO;
	if ((size_t)h.len + ENIP_HDR_LEN != len)
		return PROBE_MAYBE;
	/* Exact requests that open a flow. */
	if (dir == DIS_C2S && h.status == 0 &&
	    ((h.cmd == ENIP_CMD_REGISTER && h.len == 4 && buf[24] == 1 &&
		 buf[25] == 0) ||
		(cmd_is_list(h.cmd) && h.len == 0)))
		return PROBE_YES;
	if (h.cmd == ENIP_CMD_LIST_IDENTITY && h.len > 0)
		return PROBE_YES; /* a reply arriving first (broadcast) */
	return PROBE_MAYBE;
}

static void
msg_init(struct enip_msg *m, struct enip_state *st,
    const struct dis_ctx *ctx, const struct obs_sink *sink,
    const struct enip_hdr *h)
{
	memset(m, 0, sizeof(*m));
	m->st = st;
	m->ctx = ctx;
	m->sink = sink;
	m->h = h;
	m->sender = ctx->dir == DIS_C2S ? OBS_SIDE_CLIENT : OBS_SIDE_SERVER;
	m->bcast = ctx->multicast ? OBS_OP_BROADCAST : 0;
	m->kind = PK_CTX;
}

/*
 * A datagram: an encapsulation PDU if it holds a plausible header and all
 * its data, else an I/O datagram, else neither.  (noinline: keeps this
 * path's stack frame out of the I/O fast path.)
 */
static __attribute__((noinline)) enum dis_rc
enip_udp_general(struct enip_state *st, const struct dis_ctx *ctx,
    const uint8_t *buf, size_t len, const struct obs_sink *sink)
{
	struct enip_hdr h;
	struct enip_msg m;
	struct cur c;

	memset(&h, 0, sizeof(h));
	msg_init(&m, st, ctx, sink, &h);
	if (len >= ENIP_HDR_LEN) {
		hdr_read(buf, &h);
		if ((size_t)h.len + ENIP_HDR_LEN <= len &&
		    hdr_plausible(st, &h, 0)) {
			c = cur_make(buf + ENIP_HDR_LEN, h.len);
			st->valid = 1;
			enip_pdu(&m, c);
			return m.malformed ? DIS_MALFORMED : DIS_OK;
		}
	}
	if (io_datagram(&m, buf, len) == DIS_OK)
		return DIS_OK;
	if (!st->valid)
		return DIS_NOT_MINE;
	if (len >= ENIP_HDR_LEN && hdr_plausible(st, &h, 0))
		emit_anomaly(&m, ENIP_AN_SHORT_DATAGRAM,
		    "datagram shorter than its encapsulation length");
	else
		emit_anomaly(&m, ENIP_AN_BAD_IO,
		    "datagram is neither encapsulation nor I/O");
	return DIS_MALFORMED;
}

static enum dis_rc
enip_parse_udp(struct enip_state *st, const struct dis_ctx *ctx,
    const uint8_t *buf, size_t len, size_t *used,
    const struct obs_sink *sink)
{
	uint8_t s, sbit;

	*used = len;
	/*
	 * The common case in a few loads: an I/O datagram of the usual
	 * shape on a flow whose roles are decided, from a connection already
	 * reported, so that io_note() would emit nothing.  Its first item
	 * type (0x8002), read as an encapsulation length, must exceed the
	 * datagram, else the general way must try the header first.
	 */
	if (st->io_decided && len < ENIP_HDR_LEN + CPF_SEQ_ADDR &&
	    io_usual(buf, len) && conn_known(st, cur_get_le32(buf + 6))) {
		s = ctx->dir == DIS_C2S ? OBS_SIDE_CLIENT : OBS_SIDE_SERVER;
		sbit = (uint8_t)(1u << s);
		st->valid = 1;
		/* Class 1 data starts with a 2-byte sequence count. */
		if (len - 18 <= 2)
			st->io_hb |= sbit;
		else
			st->io_data |= sbit;
		if (st->io_n[s] < 255)
			st->io_n[s]++;
		return DIS_OK;
	}
	return enip_udp_general(st, ctx, buf, len, sink);
}

/* A TCP stream (noinline: its frame stays out of the UDP path). */
static __attribute__((noinline)) enum dis_rc
enip_parse_tcp(void *state, const struct dis_ctx *ctx, const uint8_t *buf,
    size_t len, size_t *used, const struct obs_sink *sink)
{
	struct enip_state *st = state;
	struct enip_hdr h;
	struct enip_msg m;
	struct cur c;
	size_t off = 0, i;
	int dir = ctx->dir == DIS_S2C ? 1 : 0;
	int bad = 0;

	*used = 0;

	memset(&h, 0, sizeof(h));
	msg_init(&m, st, ctx, sink, &h);
	if (st->lost[dir]) {
		/* After lost bytes: the first header we can trust. */
		for (i = 0; i + ENIP_HDR_LEN <= len; i++) {
			hdr_read(buf + i, &h);
			if (hdr_plausible(st, &h, 1))
				break;
		}
		if (i + ENIP_HDR_LEN > len) {
			/* Keep a possible header start for next time. */
			if (len < ENIP_HDR_LEN)
				return DIS_NEED_MORE;
			*used = len - (ENIP_HDR_LEN - 1);
			return DIS_MALFORMED;
		}
		st->lost[dir] = 0;
		if (i > 0) {
			emit_anomaly(&m, ENIP_AN_RESYNC,
			    "skipped bytes to an encapsulation header");
			*used = i;
			return DIS_MALFORMED;
		}
	}
	while (len - off >= ENIP_HDR_LEN) {
		hdr_read(buf + off, &h);
		if (!hdr_plausible(st, &h, 0)) {
			if (!st->valid && !m.emitted)
				return DIS_NOT_MINE;
			if (h.len > ENIP_MAX_LEN && h.options == 0)
				emit_anomaly(&m, ENIP_AN_OVERSIZED,
				    "encapsulation length over 65511");
			else
				emit_anomaly(&m, ENIP_AN_BAD_HEADER,
				    "bad encapsulation header");
			/* Look for the next header from the next byte. */
			st->lost[dir] = 1;
			*used = off + 1;
			return DIS_MALFORMED;
		}
		if ((size_t)h.len > len - off - ENIP_HDR_LEN)
			break; /* incomplete: wait for the rest */
		c = cur_make(buf + off + ENIP_HDR_LEN, h.len);
		off += ENIP_HDR_LEN + (size_t)h.len;
		st->valid = 1;
		/*
		 * What one PDU learns about itself must not reach the next:
		 * else a PDU's handling would depend on whether the segment
		 * that brought it also held the one before (sender and bcast
		 * come from ctx and hold for every PDU of this call).
		 */
		m.malformed = 0;
		m.kind = PK_CTX;
		m.seq = 0;
		m.routed = 0;
		enip_pdu(&m, c);
		if (m.malformed) {
			bad = 1;
			break;
		}
	}
	*used = off;
	if (bad)
		return DIS_MALFORMED;
	return off < len ? DIS_NEED_MORE : DIS_OK;
}

static enum dis_rc
enip_parse(void *state, const struct dis_ctx *ctx, const uint8_t *buf,
    size_t len, size_t *used, const struct obs_sink *sink)
{
	if (ctx->l4 == 17)
		return enip_parse_udp(state, ctx, buf, len, used, sink);
	return enip_parse_tcp(state, ctx, buf, len, used, sink);
}

static void
enip_resync(void *state, int dir)
{
	struct enip_state *st = state;

	st->lost[dir == DIS_S2C ? 1 : 0] = 1;
}

const struct dissector dissector_enip = {
	"enip",
	OBS_P_ENIP,
	1,
	1,
	{ENIP_PORT, ENIP_IO_PORT, 0, 0},
	0,
	sizeof(struct enip_state),
	enip_probe,
	enip_parse,
	enip_resync,
};

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * opcua.c: OPC UA binary over TCP (UA Connection Protocol and UA Secure
 * Conversation).
 *
 * Reads the UACP messages (HEL, ACK, ERR, RHE) and the secure
 * conversation chunks (OPN, MSG, CLO) of one TCP connection, reports the
 * service of every request (the numeric NodeId of its binary encoding,
 * e.g. 631 ReadRequest) and pairs responses with requests by request id.
 * It also reports the endpoint URL, the security policy and the message
 * security mode of the channel, the application descriptions exchanged in
 * CreateSession and GetEndpoints, and the user token type of
 * ActivateSession.
 *
 * Reference: OPC 10000-6 (UA Part 6: Mappings) 1.04, 6.7.2 message
 * chunks and security headers, 7.1.2 UACP messages, 5.2 binary encoding
 * of the built-in types; OPC 10000-4 (Part 4: Services) 5.x for the
 * request/response structures; service ids from the OPC Foundation's
 * NodeIds.csv (the *_Encoding_DefaultBinary objects).
 *
 * Every message starts with the same 8-byte header (little endian):
 *
 *   0      3      4             8
 *   +------+------+-------------+
 *   | type |chunk | size u32    |  type "HEL" "ACK" "ERR" "RHE" "OPN"
 *   +------+------+-------------+  "MSG" "CLO"; chunk 'F' final, 'C'
 *                                  intermediate, 'A' abort; size counts
 *                                  the header
 *
 *   HEL  version u32, recv buf u32, send buf u32, max msg u32,
 *        max chunks u32, EndpointUrl String
 *   ACK  version, recv buf, send buf, max msg, max chunks (u32 each)
 *   ERR  error StatusCode u32, reason String
 *   RHE  ServerUri String, EndpointUrl String
 *
 *   OPN  secure channel id u32 | asymmetric security header:
 *        SecurityPolicyUri String, SenderCertificate ByteString,
 *        ReceiverCertificateThumbprint ByteString | sequence header |
 *        body (encrypted unless the policy is None)
 *   MSG  secure channel id u32 | symmetric security header: token id u32
 *   CLO  | sequence header | body (encrypted with SignAndEncrypt)
 *
 *   sequence header: sequence number u32, request id u32
 *   body of a message's first chunk: the type NodeId of the request or
 *        response encoding (0x00 two-byte id u8; 0x01 four-byte ns u8 +
 *        id u16; 0x02 numeric ns u16 + id u32), then the structure,
 *        which starts with a RequestHeader or a ResponseHeader.
 *
 * String and ByteString are an Int32 length (-1: null) and the bytes.
 *
 * Trust: every length is checked against the bytes of the chunk through
 * the cursor.  A chunk is parsed once it is whole, or, when it is larger
 * than OPCUA_PEEK_MAX, once that many bytes of it are here: the rest is
 * then dropped with a per-direction skip counter, so a 1 MB bulk chunk
 * never needs buffering.  Fields cut off by that prefix are quietly not
 * reported; fields cut off by the chunk's own end are an anomaly.
 *
 * What is reported (and why, where the contract leaves room):
 * - HEL is an operation of class session, code 0, name "Hello": it has
 *   no service NodeId.  ACK is its response; ERR answers a pending HEL or
 *   OPN as an EXCEPTION with the error code as status, else (or when
 *   the client sends it) it is an anomaly.
 * - OPN/MSG/CLO report the service NodeId as the code.  Whether a chunk
 *   is a request or a response follows its NodeId (request or response
 *   encoding id), so reverse connections (RHE) and captures where the
 *   side that opened the connection is the UA server come out right;
 *   only unknown ids fall back to the direction of the UA client.
 * - Security mode: with policy None the OpenSecureChannelRequest is
 *   plaintext and carries the mode (a mode other than None there is an
 *   anomaly, and None is reported).  With any other policy the OPN body
 *   is encrypted, and the mode is inferred from the first MSG/CLO chunk
 *   after it: if its sequence header and body start parse as a known
 *   service NodeId the channel signs only (Sign), else it encrypts
 *   (SignAndEncrypt); random bytes pass that test with a probability
 *   below 1e-6.  With no OPN in sight (capture started mid-channel),
 *   plaintext bodies do not tell None from Sign, so no mode is reported;
 *   two unreadable first chunks and no readable one report
 *   SignAndEncrypt.  A chunk that reads as plaintext is parsed whatever
 *   was inferred, so a wrong guess cannot hide services.
 * - Encrypted OPN and CLO chunks are reported from their headers with
 *   OBS_OP_ENCRYPTED (codes 446 and 452).  Encrypted MSG chunks are not
 *   operations at all: their service cannot be known, and counting them
 *   as "other" would make every encrypted flow look like it carries
 *   unknown operations.
 */
#include <string.h>

#include "cursor.h"
#include "dissect.h"

#define OPCUA_HDR_LEN 8
#define OPCUA_MAX_CHUNK (16u * 1024 * 1024) /* larger claims: not a header */
#define OPCUA_MAX_UACP 8448	  /* HEL/ACK/ERR/RHE: fixed part + 2 URLs */
#define OPCUA_PEEK_MAX 16384	  /* bytes of a chunk needed to parse it */
#define OPCUA_MAX_PENDING 64	  /* unanswered requests per flow */
#define OPCUA_MAX_OPEN 8	  /* multi-chunk messages open per direction */
#define OPCUA_MAX_URL 4096	  /* Part 6 7.1.2: EndpointUrl, Reason */
#define OPCUA_MAX_POLICY_URI 255  /* Part 6 6.7.2.3 */
#define OPCUA_MAX_DIAG_DEPTH 4	  /* nested DiagnosticInfo we follow */
#define OPCUA_INFER_CHUNKS 2	  /* unreadable chunks: encrypted */
#define OPCUA_STATUS_BAD 0x80000000u

/* Service ids (NodeIds.csv, *_Encoding_DefaultBinary). */
#define OPCUA_ID_SERVICE_FAULT 397
#define OPCUA_ID_OPN_REQ 446
#define OPCUA_ID_OPN_RESP 449
#define OPCUA_ID_CLO_REQ 452
#define OPCUA_ID_CREATE_SESSION_REQ 461
#define OPCUA_ID_CREATE_SESSION_RESP 464
#define OPCUA_ID_ACTIVATE_SESSION_REQ 467
#define OPCUA_ID_GET_ENDPOINTS_RESP 431
#define OPCUA_ID_TOK_ANONYMOUS 321
#define OPCUA_ID_TOK_USERNAME 324
#define OPCUA_ID_TOK_X509 327
#define OPCUA_ID_TOK_ISSUED 940

#define OPCUA_POLICY_NONE "http://opcfoundation.org/UA/SecurityPolicy#None"

/* Anomaly reasons. */
enum {
	OPCUA_AN_BAD_HEADER = 1,
	OPCUA_AN_MALFORMED,
	OPCUA_AN_ERROR_MSG,
	OPCUA_AN_ABORT,
	OPCUA_AN_PENDING_FULL,
	OPCUA_AN_OPEN_FULL,
	OPCUA_AN_NODEID,
	OPCUA_AN_LONG_STRING,
	OPCUA_AN_SEC_MODE,
	OPCUA_AN_OPN_BODY,
};

enum {
	T_HEL = 0,
	T_ACK,
	T_ERR,
	T_RHE,
	T_OPN,
	T_MSG,
	T_CLO,
	T_MAX
};

struct opcua_type {
	char tag[3];
	uint8_t secure; /* OPN/MSG/CLO: F/C/A chunks, channel id */
	uint32_t min;	/* smallest valid size */
	uint32_t max;	/* largest size we take for a header */
};

static const struct opcua_type opcua_types[T_MAX] = {
	[T_HEL] = {{'H', 'E', 'L'}, 0, 32, OPCUA_MAX_UACP},
	[T_ACK] = {{'A', 'C', 'K'}, 0, 28, OPCUA_MAX_UACP},
	[T_ERR] = {{'E', 'R', 'R'}, 0, 16, OPCUA_MAX_UACP},
	[T_RHE] = {{'R', 'H', 'E'}, 0, 16, OPCUA_MAX_UACP},
	[T_OPN] = {{'O', 'P', 'N'}, 1, 32, OPCUA_MAX_CHUNK},
	[T_MSG] = {{'M', 'S', 'G'}, 1, 24, OPCUA_MAX_CHUNK},
	[T_CLO] = {{'C', 'L', 'O'}, 1, 24, OPCUA_MAX_CHUNK},
};

struct opcua_svc {
	uint16_t req;  /* request encoding id: the op code */
	uint16_t resp; /* response encoding id */
	uint8_t cls;
	const char *name;
};

static const struct opcua_svc opcua_svcs[] = {
	{422, 425, OBS_C_DISCOVER, "FindServers"},
	{12208, 12209, OBS_C_DISCOVER, "FindServersOnNetwork"},
	{428, 431, OBS_C_DISCOVER, "GetEndpoints"},
	{437, 440, OBS_C_DISCOVER, "RegisterServer"},
	{12211, 12212, OBS_C_DISCOVER, "RegisterServer2"},
	{446, 449, OBS_C_SESSION, "OpenSecureChannel"},
	{452, 455, OBS_C_SESSION, "CloseSecureChannel"},
	{461, 464, OBS_C_SESSION, "CreateSession"},
	{467, 470, OBS_C_SESSION, "ActivateSession"},
	{473, 476, OBS_C_SESSION, "CloseSession"},
	{479, 482, OBS_C_SESSION, "Cancel"},
	{488, 491, OBS_C_WRITE, "AddNodes"},
	{494, 497, OBS_C_WRITE, "AddReferences"},
	{500, 503, OBS_C_WRITE, "DeleteNodes"},
	{506, 509, OBS_C_WRITE, "DeleteReferences"},
	{527, 530, OBS_C_READ, "Browse"},
	{533, 536, OBS_C_READ, "BrowseNext"},
	{554, 557, OBS_C_READ, "TranslateBrowsePathsToNodeIds"},
	{560, 563, OBS_C_READ, "RegisterNodes"},
	{566, 569, OBS_C_READ, "UnregisterNodes"},
	{615, 618, OBS_C_READ, "QueryFirst"},
	{621, 624, OBS_C_READ, "QueryNext"},
	{631, 634, OBS_C_READ, "Read"},
	{664, 667, OBS_C_READ, "HistoryRead"},
	{673, 676, OBS_C_WRITE, "Write"},
	{700, 703, OBS_C_WRITE, "HistoryUpdate"},
	{712, 715, OBS_C_CONTROL, "Call"},
	{751, 754, OBS_C_READ, "CreateMonitoredItems"},
	{763, 766, OBS_C_READ, "ModifyMonitoredItems"},
	{769, 772, OBS_C_READ, "SetMonitoringMode"},
	{775, 778, OBS_C_READ, "SetTriggering"},
	{781, 784, OBS_C_READ, "DeleteMonitoredItems"},
	{787, 790, OBS_C_READ, "CreateSubscription"},
	{793, 796, OBS_C_READ, "ModifySubscription"},
	{799, 802, OBS_C_READ, "SetPublishingMode"},
	{826, 829, OBS_C_READ, "Publish"},
	{832, 835, OBS_C_READ, "Republish"},
	{841, 844, OBS_C_READ, "TransferSubscriptions"},
	{847, 850, OBS_C_READ, "DeleteSubscriptions"},
	{0, 0, 0, NULL},
};

struct opcua_pending {
	uint32_t reqid;
	uint32_t code;
	uint32_t age; /* insertion order, to evict the oldest */
	uint8_t cls;
	uint8_t used;
};

struct opcua_dir {
	uint32_t skip;	 /* bytes of the current chunk still to drop */
	uint32_t open[OPCUA_MAX_OPEN]; /* request ids of open C chunks */
	uint8_t n_open;
	uint8_t resync;	 /* looking for a header after lost bytes */
	uint8_t opn_cont; /* inside a chunked encrypted OPN */
};

/* Security mode inference (see the top comment). */
enum {
	OPCUA_SEC_UNKNOWN = 0, /* no OPN seen */
	OPCUA_SEC_INFER,       /* encrypted OPN seen: next MSG decides */
	OPCUA_SEC_KNOWN	       /* mode holds it */
};

struct opcua_state {
	struct opcua_dir d[2];
	struct opcua_pending pend[OPCUA_MAX_PENDING];
	uint32_t age;
	uint32_t chan;	     /* secure channel id, when chan_known */
	uint32_t opn_reqid;  /* request id of the pending plaintext OPN */
	uint8_t chan_known;
	uint8_t client_dir;  /* direction the UA client sends in */
	uint8_t client_firm; /* client_dir came from HEL or RHE */
	uint8_t seen;	     /* a valid header was parsed */
	uint8_t hel_pending;
	uint8_t opn_pending;  /* 1 plaintext (opn_reqid), 2 encrypted */
	uint8_t sec;	      /* OPCUA_SEC_* */
	uint8_t mode;	      /* OBS_SEC_* once sec is KNOWN */
	uint8_t plain_seen;   /* a readable MSG body was seen */
	uint8_t unreadable;   /* unreadable first chunks while UNKNOWN */
	uint8_t roles;	      /* bit (side * 2 + role - 1) reported */
	uint8_t policy_done;
	uint8_t policy_none; /* the last OPN named SecurityPolicy#None */
	uint8_t url_done;
};

struct opcua_hdr {
	int type;	/* T_* */
	uint8_t chunk;	/* 'F' 'C' 'A' */
	uint32_t size;
};

enum { HDR_BAD = 0, HDR_SHORT, HDR_OK };

static const struct opcua_svc *
svc_by_req(uint32_t id)
{
	const struct opcua_svc *s;

	for (s = opcua_svcs; s->name != NULL; s++)
		if (s->req == id)
			return s;
	return NULL;
}

static const struct opcua_svc *
svc_by_resp(uint32_t id)
{
	const struct opcua_svc *s;

	for (s = opcua_svcs; s->name != NULL; s++)
		if (s->resp == id)
			return s;
	return NULL;
}

/* The name of an operation reported with code (a request id, or for an
 * unpaired response the response id it carries). */
static const char *
op_name(uint32_t code)
{
	const struct opcua_svc *s;

	if (code == OPCUA_ID_SERVICE_FAULT)
		return "ServiceFault";
	if ((s = svc_by_req(code)) != NULL || (s = svc_by_resp(code)) != NULL)
		return s->name;
	return "unknown";
}

/* --- observations --- */

static void
emit_op(const struct obs_sink *sink, uint8_t cls, uint8_t flags, int requester,
    uint32_t code, uint32_t status, const char *name)
{
	struct obs_op op;

	if (sink->op == NULL)
		return;
	memset(&op, 0, sizeof(op));
	op.proto = OBS_P_OPCUA;
	op.cls = cls;
	op.flags = flags;
	op.requester = (uint8_t)(requester ? OBS_SIDE_SERVER : OBS_SIDE_CLIENT);
	op.code = code;
	op.status = status;
	op.unit = 0;
	op.addr_lo = 1; /* no address range */
	op.addr_hi = 0;
	op.name = name;
	sink->op(sink->arg, &op);
}

static void
emit_anomaly(const struct obs_sink *sink, uint16_t reason, const char *what)
{
	struct obs_anomaly an;

	if (sink->anomaly == NULL)
		return;
	memset(&an, 0, sizeof(an));
	an.proto = OBS_P_OPCUA;
	an.reason = reason;
	an.what = what;
	sink->anomaly(sink->arg, &an);
}

static void
emit_attr(const struct obs_sink *sink, uint8_t key, int side, uint32_t num,
    const uint8_t *s, size_t n)
{
	struct obs_attr a;
	uint8_t trunc = 0;

	if (sink->attr == NULL)
		return;
	memset(&a, 0, sizeof(a));
	a.key = key;
	a.side = (uint8_t)(side ? OBS_SIDE_SERVER : OBS_SIDE_CLIENT);
	a.proto = OBS_P_OPCUA;
	a.num = num;
	if (s != NULL)
		obs_strcpy(a.str, sizeof(a.str), s, n, &trunc);
	sink->attr(sink->arg, &a);
}

/* Report that the endpoint on side plays role, once per flow. */
static void
emit_role(struct opcua_state *st, const struct obs_sink *sink, int side,
    uint8_t role)
{
	struct obs_role r;
	uint8_t bit =
	    (uint8_t)(1u << ((side ? 2 : 0) + (role == OBS_R_SERVER)));

	if (st->roles & bit)
		return;
	st->roles |= bit;
	if (sink->role == NULL)
		return;
	memset(&r, 0, sizeof(r));
	r.side = (uint8_t)(side ? OBS_SIDE_SERVER : OBS_SIDE_CLIENT);
	r.proto = OBS_P_OPCUA;
	r.role = role;
	sink->role(sink->arg, &r);
}

static void
emit_mode(struct opcua_state *st, const struct obs_sink *sink, uint8_t mode)
{
	st->sec = OPCUA_SEC_KNOWN;
	st->mode = mode;
	emit_attr(sink, OBS_A_SECURITY_MODE, st->client_dir, mode, NULL, 0);
}

/* --- pending requests --- */

static void
pend_add(struct opcua_state *st, const struct obs_sink *sink, uint32_t reqid,
    uint32_t code, uint8_t cls)
{
	struct opcua_pending *p, *slot = NULL, *oldest = NULL;
	size_t i;

	for (i = 0; i < OPCUA_MAX_PENDING; i++) {
		p = &st->pend[i];
		if (p->used && p->reqid == reqid) {
			slot = p; /* a reused id replaces the stale entry */
			break;
		}
		if (!p->used && slot == NULL)
			slot = p;
		if (p->used && (oldest == NULL || p->age < oldest->age))
			oldest = p;
	}
	if (slot == NULL) {
		emit_anomaly(sink, OPCUA_AN_PENDING_FULL,
		    "pending request table full");
		slot = oldest;
	}
	slot->used = 1;
	slot->reqid = reqid;
	slot->code = code;
	slot->cls = cls;
	slot->age = st->age++;
}

static struct opcua_pending *
pend_find(struct opcua_state *st, uint32_t reqid)
{
	size_t i;

	for (i = 0; i < OPCUA_MAX_PENDING; i++)
		if (st->pend[i].used && st->pend[i].reqid == reqid)
			return &st->pend[i];
	return NULL;
}

/* --- built-in types (Part 6 5.2.2) --- */

/*
 * String, ByteString, XmlElement: Int32 length, -1 null.  On return *p
 * points into the cursor's bytes (NULL when null) for *n bytes.
 */
static int
ua_bytes(struct cur *c, const uint8_t **p, size_t *n)
{
	uint32_t l;
	struct cur s;

	*p = NULL;
	*n = 0;
	l = cur_le32(c);
	if (!cur_ok(c))
		return 0;
	if (l == 0xffffffffu)
		return 1;
	if (l > 0x7fffffffu) {
		cur_fail(c); /* negative lengths other than -1 */
		return 0;
	}
	s = cur_sub(c, (size_t)l);
	if (!cur_ok(c))
		return 0;
	*p = s.p;
	*n = (size_t)l;
	return 1;
}

static void
ua_skip_bytes(struct cur *c)
{
	const uint8_t *p;
	size_t n;

	(void)ua_bytes(c, &p, &n);
}

/* An array of String: Int32 count (-1 null), then the strings. */
static void
ua_skip_string_array(struct cur *c)
{
	uint32_t n, i;

	n = cur_le32(c);
	if (!cur_ok(c) || n == 0xffffffffu)
		return;
	if (n > 0x7fffffffu) {
		cur_fail(c);
		return;
	}
	/* Bounded: each string takes at least 4 bytes or fails the cursor. */
	for (i = 0; i < n && cur_ok(c); i++)
		ua_skip_bytes(c);
}

/*
 * NodeId (5.2.2.9).  Returns 1 with *ns and *id for the numeric forms,
 * 0 for the string, GUID and opaque forms (skipped), -1 on bad encoding
 * (the cursor is failed).
 */
static int
ua_nodeid(struct cur *c, uint16_t *ns, uint32_t *id)
{
	uint8_t enc = cur_u8(c);

	*ns = 0;
	*id = 0;
	switch (enc) {
	case 0x00:
		*id = cur_u8(c);
		break;
	case 0x01:
		*ns = cur_u8(c);
		*id = cur_le16(c);
		break;
	case 0x02:
		*ns = cur_le16(c);
		*id = cur_le32(c);
		break;
	case 0x03:
	case 0x05:
		*ns = cur_le16(c);
		ua_skip_bytes(c);
		return cur_ok(c) ? 0 : -1;
	case 0x04:
		*ns = cur_le16(c);
		cur_skip(c, 16);
		return cur_ok(c) ? 0 : -1;
	default:
		cur_fail(c);
		return -1;
	}
	return cur_ok(c) ? 1 : -1;
}

/* ExtensionObject (5.2.2.15): TypeId NodeId, encoding u8, body. */
static void
ua_skip_extobj(struct cur *c, uint16_t *ns, uint32_t *id)
{
	uint8_t enc;

	(void)ua_nodeid(c, ns, id);
	enc = cur_u8(c);
	if (!cur_ok(c))
		return;
	if (enc == 1 || enc == 2)
		ua_skip_bytes(c);
	else if (enc != 0)
		cur_fail(c);
}

/* DiagnosticInfo (5.2.2.12), following nested infos to a fixed depth. */
static void
ua_skip_diag(struct cur *c)
{
	uint8_t mask;
	int depth;

	for (depth = 0; depth < OPCUA_MAX_DIAG_DEPTH; depth++) {
		mask = cur_u8(c);
		if (mask & 0x01)
			cur_skip(c, 4); /* SymbolicId */
		if (mask & 0x02)
			cur_skip(c, 4); /* NamespaceUri */
		if (mask & 0x08)
			cur_skip(c, 4); /* Locale */
		if (mask & 0x04)
			cur_skip(c, 4); /* LocalizedText */
		if (mask & 0x10)
			ua_skip_bytes(c); /* AdditionalInfo */
		if (mask & 0x20)
			cur_skip(c, 4); /* InnerStatusCode */
		if (!(mask & 0x40) || !cur_ok(c))
			return;
	}
	cur_fail(c); /* nested deeper than we follow */
}

/* RequestHeader (Part 4 7.28). */
static void
ua_skip_req_header(struct cur *c)
{
	uint16_t ns;
	uint32_t id;

	(void)ua_nodeid(c, &ns, &id); /* authenticationToken */
	cur_skip(c, 8 + 4 + 4);	      /* timestamp, handle, diag mask */
	ua_skip_bytes(c);	      /* auditEntryId */
	cur_skip(c, 4);		      /* timeoutHint */
	ua_skip_extobj(c, &ns, &id);  /* additionalHeader */
}

/* ResponseHeader (Part 4 7.29): returns serviceResult. */
static uint32_t
ua_resp_header(struct cur *c, int *ok)
{
	uint16_t ns;
	uint32_t id, status;

	cur_skip(c, 8 + 4); /* timestamp, requestHandle */
	status = cur_le32(c);
	*ok = cur_ok(c);
	ua_skip_diag(c);
	ua_skip_string_array(c); /* stringTable */
	ua_skip_extobj(c, &ns, &id);
	return status;
}

/*
 * ApplicationDescription (Part 4 7.1) into an identity: applicationUri,
 * productUri, applicationName (LocalizedText).  Emitted only when the
 * three fields were read.
 */
static void
ua_app_desc(struct cur *c, const struct obs_sink *sink, int side)
{
	struct obs_ident id;
	const uint8_t *uri, *prod, *name = NULL, *loc;
	size_t nuri, nprod, nname = 0, nloc;
	uint8_t mask;

	(void)ua_bytes(c, &uri, &nuri);
	(void)ua_bytes(c, &prod, &nprod);
	mask = cur_u8(c);
	if (mask & 0x01)
		(void)ua_bytes(c, &loc, &nloc);
	if (mask & 0x02)
		(void)ua_bytes(c, &name, &nname);
	if (!cur_ok(c) || sink->ident == NULL)
		return;
	if (nuri == 0 && nprod == 0 && nname == 0)
		return;
	memset(&id, 0, sizeof(id));
	id.side = (uint8_t)(side ? OBS_SIDE_SERVER : OBS_SIDE_CLIENT);
	id.proto = OBS_P_OPCUA;
	if (uri != NULL)
		obs_strcpy(id.url, sizeof(id.url), uri, nuri, &id.truncated);
	if (prod != NULL)
		obs_strcpy(id.product, sizeof(id.product), prod, nprod,
		    &id.truncated);
	if (name != NULL)
		obs_strcpy(id.name, sizeof(id.name), name, nname,
		    &id.truncated);
	sink->ident(sink->arg, &id);
}

/*
 * EndpointDescription[] (Part 4 7.10): the server description of the
 * first endpoint, which describes the server that answers.
 */
static void
ua_endpoints(struct cur *c, const struct obs_sink *sink, int side)
{
	uint32_t n = cur_le32(c);

	if (!cur_ok(c) || n == 0 || n > 0x7fffffffu)
		return;
	ua_skip_bytes(c); /* endpointUrl */
	ua_app_desc(c, sink, side);
}

/* --- header --- */

/*
 * Is there a plausible message header at p?  HDR_SHORT when the bytes
 * here agree with some header but are too few to decide.  In resync
 * mode a secure chunk must also carry the channel id we know (OPN may
 * carry 0, as in a first OpenSecureChannel).
 */
static int
opcua_hdr(const struct opcua_state *st, const uint8_t *p, size_t n,
    int strict, struct opcua_hdr *h)
{
	struct cur c = cur_make(p, n);
	const struct opcua_type *t;
	uint8_t b0, b1, b2, ck;
	uint32_t size, chan;
	int i;

	b0 = cur_peek(&c, 0);
	b1 = cur_peek(&c, 1);
	b2 = cur_peek(&c, 2);
	ck = cur_peek(&c, 3);
	if (n < 1)
		return HDR_SHORT;
	for (i = 0; i < T_MAX; i++) {
		t = &opcua_types[i];
		if (b0 != (uint8_t)t->tag[0])
			continue;
		if (n >= 2 && b1 != (uint8_t)t->tag[1])
			continue;
		if (n >= 3 && b2 != (uint8_t)t->tag[2])
			continue;
		if (n >= 4 && ck != 'F' &&
		    !(t->secure && (ck == 'C' || ck == 'A')))
			continue;
		break;
	}
	if (i == T_MAX)
		return HDR_BAD;
	if (n < OPCUA_HDR_LEN)
		return HDR_SHORT;
	cur_skip(&c, 4);
	size = cur_le32(&c);
	if (size < t->min || size > t->max)
		return HDR_BAD;
	if (strict && t->secure && st != NULL && st->chan_known) {
		chan = cur_le32(&c);
		if (!cur_ok(&c))
			return HDR_SHORT;
		if (chan != st->chan && !(i == T_OPN && chan == 0))
			return HDR_BAD;
	}
	h->type = i;
	h->chunk = ck;
	h->size = size;
	return HDR_OK;
}

/* The first offset in [0, n) where a header may start, or n. */
static size_t
opcua_scan(const struct opcua_state *st, const uint8_t *p, size_t n)
{
	struct opcua_hdr h;
	size_t i;

	for (i = 0; i < n; i++)
		if (opcua_hdr(st, p + i, n - i, 1, &h) != HDR_BAD)
			break;
	return i;
}

/*
 * Does the cursor (at a sequence header) hold a plaintext first chunk:
 * a numeric ns-0 NodeId of a known request, response or ServiceFault?
 */
static int
opcua_plain(const struct cur *c)
{
	uint32_t id;

	switch (cur_peek(c, 8)) {
	case 0x01:
		if (c->left < 12 || cur_peek(c, 9) != 0)
			return 0;
		id = (uint32_t)cur_peek(c, 10) | (uint32_t)cur_peek(c, 11) << 8;
		break;
	case 0x02:
		if (c->left < 15 || cur_peek(c, 9) != 0 || cur_peek(c, 10) != 0)
			return 0;
		id = (uint32_t)cur_peek(c, 11) |
		    (uint32_t)cur_peek(c, 12) << 8 |
		    (uint32_t)cur_peek(c, 13) << 16 |
		    (uint32_t)cur_peek(c, 14) << 24;
		break;
	default:
		return 0;
	}
	return id == OPCUA_ID_SERVICE_FAULT || svc_by_req(id) != NULL ||
	    svc_by_resp(id) != NULL;
}

/* --- services --- */

static void
opcua_user_token(struct cur *c, const struct obs_sink *sink, int side)
{
	uint16_t ns;
	uint32_t id, i, n, tok;

	ua_skip_req_header(c);
	ua_skip_bytes(c); /* clientSignature.algorithm */
	ua_skip_bytes(c); /* clientSignature.signature */
	n = cur_le32(c);  /* clientSoftwareCertificates */
	if (n == 0xffffffffu)
		n = 0;
	else if (n > 0x7fffffffu)
		cur_fail(c);
	for (i = 0; i < n && cur_ok(c); i++) {
		ua_skip_bytes(c);
		ua_skip_bytes(c);
	}
	ua_skip_string_array(c); /* localeIds */
	if (ua_nodeid(c, &ns, &id) != 1 || ns != 0)
		return;
	switch (id) {
	case OPCUA_ID_TOK_ANONYMOUS:
		tok = OBS_TOK_ANONYMOUS;
		break;
	case OPCUA_ID_TOK_USERNAME:
		tok = OBS_TOK_USERNAME;
		break;
	case OPCUA_ID_TOK_X509:
		tok = OBS_TOK_CERTIFICATE;
		break;
	case OPCUA_ID_TOK_ISSUED:
		tok = OBS_TOK_ISSUED;
		break;
	default:
		return; /* null or unknown token type */
	}
	emit_attr(sink, OBS_A_USER_TOKEN, side, tok, NULL, 0);
}

static void
opcua_opn_request(struct opcua_state *st, struct cur *c,
    const struct obs_sink *sink)
{
	uint32_t mode;

	ua_skip_req_header(c);
	cur_skip(c, 4 + 4); /* clientProtocolVersion, requestType */
	mode = cur_le32(c);
	if (!cur_ok(c) || st->sec == OPCUA_SEC_KNOWN)
		return;
	if (mode < OBS_SEC_NONE || mode > OBS_SEC_SIGN_ENCRYPT) {
		emit_anomaly(sink, OPCUA_AN_SEC_MODE, "invalid security mode");
		return;
	}
	if (st->policy_none && mode != OBS_SEC_NONE) {
		/* Part 4 7.15: policy None secures nothing, whatever the
		 * request claims; report what the channel really does. */
		emit_anomaly(sink, OPCUA_AN_SEC_MODE,
		    "security mode contradicts policy None");
		mode = OBS_SEC_NONE;
	}
	emit_mode(st, sink, (uint8_t)mode);
}

static void
opcua_request(struct opcua_state *st, int dir, struct cur *c, uint32_t reqid,
    uint32_t code, int type, const struct obs_sink *sink)
{
	const struct opcua_svc *s = svc_by_req(code);
	uint8_t cls = s != NULL ? s->cls : OBS_C_OTHER;

	emit_role(st, sink, dir, OBS_R_CLIENT);
	emit_op(sink, cls, 0, dir, code, 0, op_name(code));
	if (type == T_CLO || code == OPCUA_ID_CLO_REQ)
		return; /* no response follows */
	pend_add(st, sink, reqid, code, cls);
	switch (code) {
	case OPCUA_ID_OPN_REQ:
		st->opn_pending = 1;
		st->opn_reqid = reqid;
		opcua_opn_request(st, c, sink);
		break;
	case OPCUA_ID_CREATE_SESSION_REQ:
		ua_skip_req_header(c);
		ua_app_desc(c, sink, dir);
		break;
	case OPCUA_ID_ACTIVATE_SESSION_REQ:
		opcua_user_token(c, sink, dir);
		break;
	}
}

static void
opcua_response(struct opcua_state *st, int dir, struct cur *c, uint32_t reqid,
    uint32_t id, int type, const struct obs_sink *sink)
{
	struct opcua_pending *p;
	const struct opcua_svc *s;
	uint32_t status, code, n;
	uint16_t ns;
	uint8_t cls, flags = OBS_OP_RESPONSE;
	int ok, exc;

	status = ua_resp_header(c, &ok);
	if (!ok)
		return;
	exc = id == OPCUA_ID_SERVICE_FAULT || (status & OPCUA_STATUS_BAD);
	if (exc)
		flags |= OBS_OP_EXCEPTION;
	else
		status = 0;
	if ((p = pend_find(st, reqid)) != NULL) {
		code = p->code;
		cls = p->cls;
		p->used = 0;
	} else {
		code = id;
		s = svc_by_resp(id);
		cls = s != NULL ? s->cls : OBS_C_OTHER;
	}
	if (code == OPCUA_ID_OPN_REQ || type == T_OPN)
		st->opn_pending = 0;
	emit_role(st, sink, dir, OBS_R_SERVER);
	emit_op(sink, cls, flags, !dir, code, status, op_name(code));
	if (exc)
		return;
	switch (id) {
	case OPCUA_ID_CREATE_SESSION_RESP:
		(void)ua_nodeid(c, &ns, &n); /* sessionId */
		(void)ua_nodeid(c, &ns, &n); /* authenticationToken */
		cur_skip(c, 8);		     /* revisedSessionTimeout */
		ua_skip_bytes(c);	     /* serverNonce */
		ua_skip_bytes(c);	     /* serverCertificate */
		ua_endpoints(c, sink, dir);  /* serverEndpoints */
		break;
	case OPCUA_ID_GET_ENDPOINTS_RESP:
		ua_endpoints(c, sink, dir);
		break;
	}
}

/*
 * The body of a message's first chunk, at the type NodeId.  reqid pairs
 * responses with requests.
 */
static void
opcua_service(struct opcua_state *st, int dir, struct cur *c, uint32_t reqid,
    int type, const struct obs_sink *sink)
{
	uint16_t ns;
	uint32_t id;
	int r, req;

	r = ua_nodeid(c, &ns, &id);
	if (r < 0)
		return;
	if (r == 0 || ns != 0) {
		/*
		 * Part 6 services are numeric ids in namespace 0: this is no
		 * service (or a chunk whose first part we never saw).
		 */
		emit_anomaly(sink, OPCUA_AN_NODEID,
		    "service NodeId not numeric in namespace 0");
		return;
	}
	if (svc_by_req(id) != NULL) {
		req = 1;
	} else if (id == OPCUA_ID_SERVICE_FAULT || svc_by_resp(id) != NULL) {
		req = 0;
	} else {
		req = dir == st->client_dir;
	}
	if (!st->client_firm && (svc_by_req(id) != NULL ||
	    svc_by_resp(id) != NULL))
		st->client_dir = (uint8_t)(req ? dir : !dir);
	if (req)
		opcua_request(st, dir, c, reqid, id, type, sink);
	else
		opcua_response(st, dir, c, reqid, id, type, sink);
}

/* --- UACP messages --- */

static void
opcua_hel(struct opcua_state *st, int dir, struct cur *c,
    const struct obs_sink *sink)
{
	const uint8_t *url;
	size_t n;

	cur_skip(c, 5 * 4);
	(void)ua_bytes(c, &url, &n);
	if (!cur_ok(c))
		return;
	st->client_dir = (uint8_t)dir;
	st->client_firm = 1;
	st->hel_pending = 1;
	emit_role(st, sink, dir, OBS_R_CLIENT);
	emit_op(sink, OBS_C_SESSION, 0, dir, 0, 0, "Hello");
	if (n > OPCUA_MAX_URL)
		emit_anomaly(sink, OPCUA_AN_LONG_STRING,
		    "endpoint URL longer than 4096 bytes");
	if (url != NULL && n > 0 && !st->url_done) {
		st->url_done = 1;
		emit_attr(sink, OBS_A_ENDPOINT_URL, !dir, 0, url, n);
	}
}

static void
opcua_ack(struct opcua_state *st, int dir, struct cur *c,
    const struct obs_sink *sink)
{
	cur_skip(c, 5 * 4);
	if (!cur_ok(c))
		return;
	st->hel_pending = 0;
	emit_role(st, sink, dir, OBS_R_SERVER);
	emit_op(sink, OBS_C_SESSION, OBS_OP_RESPONSE, !dir, 0, 0, "Hello");
}

static void
opcua_err(struct opcua_state *st, int dir, struct cur *c,
    const struct obs_sink *sink)
{
	const uint8_t *reason;
	struct opcua_pending *p;
	uint32_t err;
	size_t n;

	err = cur_le32(c);
	(void)ua_bytes(c, &reason, &n);
	if (!cur_ok(c))
		return;
	if (dir == st->client_dir) {
		/* the client gives up: nothing of its own to fail */
		emit_anomaly(sink, OPCUA_AN_ERROR_MSG, "error message (ERR)");
	} else if (st->hel_pending) {
		st->hel_pending = 0;
		emit_op(sink, OBS_C_SESSION, OBS_OP_RESPONSE | OBS_OP_EXCEPTION,
		    !dir, 0, err, "Hello");
	} else if (st->opn_pending) {
		if (st->opn_pending == 1 &&
		    (p = pend_find(st, st->opn_reqid)) != NULL)
			p->used = 0;
		st->opn_pending = 0;
		emit_op(sink, OBS_C_SESSION, OBS_OP_RESPONSE | OBS_OP_EXCEPTION,
		    !dir, OPCUA_ID_OPN_REQ, err, "OpenSecureChannel");
	} else {
		emit_anomaly(sink, OPCUA_AN_ERROR_MSG, "error message (ERR)");
	}
}

static void
opcua_rhe(struct opcua_state *st, int dir, struct cur *c,
    const struct obs_sink *sink)
{
	struct obs_ident id;
	const uint8_t *uri, *url;
	size_t nuri, nurl;

	(void)ua_bytes(c, &uri, &nuri);
	(void)ua_bytes(c, &url, &nurl);
	if (!cur_ok(c))
		return;
	/* ReverseHello: the side that opened the connection is the server. */
	st->client_dir = (uint8_t)!dir;
	st->client_firm = 1;
	emit_role(st, sink, dir, OBS_R_SERVER);
	if (nuri > 0 && sink->ident != NULL) {
		memset(&id, 0, sizeof(id));
		id.side = (uint8_t)(dir ? OBS_SIDE_SERVER : OBS_SIDE_CLIENT);
		id.proto = OBS_P_OPCUA;
		obs_strcpy(id.url, sizeof(id.url), uri, nuri, &id.truncated);
		sink->ident(sink->arg, &id);
	}
	if (url != NULL && nurl > 0 && !st->url_done) {
		st->url_done = 1;
		emit_attr(sink, OBS_A_ENDPOINT_URL, dir, 0, url, nurl);
	}
}

/* --- secure conversation --- */

/* An OPN whose body we cannot read: reported from its header. */
static void
opcua_opn_encrypted(struct opcua_state *st, int dir, const struct opcua_hdr *h,
    const struct obs_sink *sink)
{
	struct opcua_dir *ds = &st->d[dir];
	int cont = ds->opn_cont;

	ds->opn_cont = h->chunk == 'C';
	if (cont)
		return; /* a later chunk of the same OPN */
	if (dir == st->client_dir) {
		st->opn_pending = 2;
		emit_role(st, sink, dir, OBS_R_CLIENT);
		emit_op(sink, OBS_C_SESSION, OBS_OP_ENCRYPTED, dir,
		    OPCUA_ID_OPN_REQ, 0, "OpenSecureChannel");
	} else {
		st->opn_pending = 0;
		emit_role(st, sink, dir, OBS_R_SERVER);
		emit_op(sink, OBS_C_SESSION,
		    OBS_OP_RESPONSE | OBS_OP_ENCRYPTED, !dir, OPCUA_ID_OPN_REQ,
		    0, "OpenSecureChannel");
	}
}

static void
opcua_opn(struct opcua_state *st, int dir, const struct opcua_hdr *h,
    struct cur *c, const struct obs_sink *sink)
{
	const uint8_t *pol, *cert, *thumb;
	size_t npol, ncert, nthumb;
	uint32_t chan, reqid;
	int none;

	chan = cur_le32(c);
	(void)ua_bytes(c, &pol, &npol);
	(void)ua_bytes(c, &cert, &ncert);   /* SenderCertificate */
	(void)ua_bytes(c, &thumb, &nthumb); /* ReceiverCertificateThumbprint */
	if (!cur_ok(c))
		return;
	if (dir != st->client_dir && chan != 0) {
		st->chan = chan; /* the server assigns the channel id */
		st->chan_known = 1;
	}
	if (npol > OPCUA_MAX_POLICY_URI)
		emit_anomaly(sink, OPCUA_AN_LONG_STRING,
		    "security policy URI longer than 255 bytes");
	if (!st->policy_done && pol != NULL && npol > 0) {
		st->policy_done = 1;
		emit_attr(sink, OBS_A_SECURITY_POLICY, st->client_dir, 0, pol,
		    npol);
	}
	none = pol != NULL && npol == sizeof(OPCUA_POLICY_NONE) - 1 &&
	    memcmp(pol, OPCUA_POLICY_NONE, npol) == 0;
	st->policy_none = (uint8_t)none;
	if (!opcua_plain(c)) {
		/* Part 6 6.7.4: OPN is encrypted unless the policy is None. */
		if (none)
			emit_anomaly(sink, OPCUA_AN_OPN_BODY,
			    "unreadable OPN body with security policy None");
		else if (st->sec != OPCUA_SEC_KNOWN)
			st->sec = OPCUA_SEC_INFER;
		opcua_opn_encrypted(st, dir, h, sink);
		return;
	}
	cur_skip(c, 4); /* sequence number */
	reqid = cur_le32(c);
	opcua_service(st, dir, c, reqid, T_OPN, sink);
}

/* Is reqid an open multi-chunk message of this direction?  Drop it if so
 * and the chunk ends it. */
static int
opcua_open_cont(struct opcua_dir *ds, uint32_t reqid, uint8_t chunk)
{
	size_t i;

	for (i = 0; i < ds->n_open; i++) {
		if (ds->open[i] != reqid)
			continue;
		if (chunk != 'C') {
			ds->open[i] = ds->open[ds->n_open - 1];
			ds->n_open--;
		}
		return 1;
	}
	return 0;
}

static void
opcua_open_add(struct opcua_dir *ds, uint32_t reqid,
    const struct obs_sink *sink)
{
	size_t i;

	if (ds->n_open >= OPCUA_MAX_OPEN) {
		emit_anomaly(sink, OPCUA_AN_OPEN_FULL,
		    "too many chunked messages open");
		for (i = 1; i < OPCUA_MAX_OPEN; i++) /* forget the oldest */
			ds->open[i - 1] = ds->open[i];
		ds->n_open = OPCUA_MAX_OPEN - 1;
	}
	ds->open[ds->n_open++] = reqid;
}

static void
opcua_abort(struct opcua_state *st, int dir, struct cur *c, uint32_t reqid,
    const struct obs_sink *sink)
{
	struct opcua_pending *p;
	uint32_t err;

	err = cur_le32(c);
	if (!cur_ok(c))
		return;
	if (dir != st->client_dir && (p = pend_find(st, reqid)) != NULL) {
		/* The server gave up sending the response. */
		p->used = 0;
		emit_op(sink, p->cls, OBS_OP_RESPONSE | OBS_OP_EXCEPTION, !dir,
		    p->code, err, op_name(p->code));
		return;
	}
	emit_anomaly(sink, OPCUA_AN_ABORT, "chunked message aborted");
}

/* MSG and CLO. */
static void
opcua_sym(struct opcua_state *st, int dir, const struct opcua_hdr *h,
    struct cur *c, const struct obs_sink *sink)
{
	struct opcua_dir *ds = &st->d[dir];
	uint32_t chan, reqid;
	int plain;

	chan = cur_le32(c);
	cur_skip(c, 4); /* token id */
	if (!cur_ok(c))
		return;
	if (!st->chan_known && chan != 0) {
		st->chan = chan;
		st->chan_known = 1;
	}
	plain = opcua_plain(c);
	if (st->sec == OPCUA_SEC_INFER) {
		emit_mode(st, sink,
		    plain ? OBS_SEC_SIGN : OBS_SEC_SIGN_ENCRYPT);
	} else if (st->sec == OPCUA_SEC_UNKNOWN && h->chunk != 'A') {
		if (plain)
			st->plain_seen = 1;
		else if (!st->plain_seen) {
			/* maybe a continuation from before the capture */
			if (++st->unreadable >= OPCUA_INFER_CHUNKS)
				emit_mode(st, sink, OBS_SEC_SIGN_ENCRYPT);
			else
				return;
		}
	}
	if (!plain && st->sec == OPCUA_SEC_KNOWN &&
	    st->mode == OBS_SEC_SIGN_ENCRYPT) {
		/*
		 * Only the header speaks; MSG bodies are not operations.  A
		 * chunk that reads as plaintext is parsed all the same, so a
		 * wrong inference cannot hide services.
		 */
		if (h->type == T_CLO && h->chunk == 'F') {
			emit_role(st, sink, dir, dir == st->client_dir
				? OBS_R_CLIENT : OBS_R_SERVER);
			emit_op(sink, OBS_C_SESSION, OBS_OP_ENCRYPTED, dir,
			    OPCUA_ID_CLO_REQ, 0, "CloseSecureChannel");
		} else if (h->type == T_MSG) {
			emit_role(st, sink, dir, dir == st->client_dir
				? OBS_R_CLIENT : OBS_R_SERVER);
		}
		return;
	}
	cur_skip(c, 4); /* sequence number */
	reqid = cur_le32(c);
	if (!cur_ok(c))
		return;
	if (opcua_open_cont(ds, reqid, h->chunk)) {
		if (h->chunk == 'A')
			opcua_abort(st, dir, c, reqid, sink);
		return;
	}
	if (h->chunk == 'A') {
		opcua_abort(st, dir, c, reqid, sink);
		return;
	}
	if (h->chunk == 'C')
		opcua_open_add(ds, reqid, sink);
	opcua_service(st, dir, c, reqid, h->type, sink);
}

static void
opcua_chunk(struct opcua_state *st, int dir, const struct opcua_hdr *h,
    struct cur *c, int whole, const struct obs_sink *sink)
{
	switch (h->type) {
	case T_HEL:
		opcua_hel(st, dir, c, sink);
		break;
	case T_ACK:
		opcua_ack(st, dir, c, sink);
		break;
	case T_ERR:
		opcua_err(st, dir, c, sink);
		break;
	case T_RHE:
		opcua_rhe(st, dir, c, sink);
		break;
	case T_OPN:
		opcua_opn(st, dir, h, c, sink);
		break;
	default:
		opcua_sym(st, dir, h, c, sink);
		break;
	}
	/* A prefix of a big chunk may end anywhere: only whole ones lie. */
	if (c->err == CUR_BAD || (c->err == CUR_SHORT && whole))
		emit_anomaly(sink, OPCUA_AN_MALFORMED, "malformed message");
}

/* --- interface --- */

static int
opcua_probe(const uint8_t *buf, size_t len, int dir)
{
	struct opcua_hdr h;

	(void)dir;
	switch (opcua_hdr(NULL, buf, len, 0, &h)) {
	case HDR_OK:
		return PROBE_YES;
	case HDR_SHORT:
		return PROBE_MAYBE;
	default:
		return PROBE_NO;
	}
}

static enum dis_rc
opcua_parse(void *state, const struct dis_ctx *ctx, const uint8_t *buf,
    size_t len, size_t *used, const struct obs_sink *sink)
{
	struct opcua_state *st = state;
	int dir = ctx->dir == DIS_S2C ? DIS_S2C : DIS_C2S;
	struct opcua_dir *ds = &st->d[dir];
	struct opcua_hdr h;
	struct cur c;
	size_t off = 0, rem, have, k;
	int r;

	*used = 0;
	if (ds->skip > 0) {
		/* The tail of a chunk whose head was parsed already. */
		k = ds->skip < len ? ds->skip : len;
		ds->skip -= (uint32_t)k;
		off = k;
	}
	/* Bounded: every pass consumes at least a header, or leaves. */
	while (off < len) {
		rem = len - off;
		r = opcua_hdr(st, buf + off, rem, ds->resync, &h);
		if (r == HDR_SHORT)
			break;
		if (r == HDR_BAD) {
			if (!st->seen)
				return DIS_NOT_MINE;
			if (off > 0) {
				*used = off; /* report progress first */
				return DIS_OK;
			}
			if (!ds->resync) {
				emit_anomaly(sink, OPCUA_AN_BAD_HEADER,
				    "bad message header");
				ds->resync = 1;
			}
			*used = 1 + opcua_scan(st, buf + 1, len - 1);
			return DIS_MALFORMED;
		}
		have = rem < h.size ? rem : h.size;
		if (have < h.size && have < OPCUA_PEEK_MAX)
			break;
		ds->resync = 0;
		st->seen = 1;
		c = cur_make(buf + off + OPCUA_HDR_LEN, have - OPCUA_HDR_LEN);
		opcua_chunk(st, dir, &h, &c, have == h.size, sink);
		off += have;
		if (have < h.size)
			ds->skip = h.size - (uint32_t)have;
	}
	*used = off;
	return off < len ? DIS_NEED_MORE : DIS_OK;
}

static void
opcua_resync(void *state, int dir)
{
	struct opcua_state *st = state;
	struct opcua_dir *ds = &st->d[dir == DIS_S2C ? DIS_S2C : DIS_C2S];

	ds->skip = 0;
	ds->n_open = 0;
	ds->opn_cont = 0;
	ds->resync = 1;
}

const struct dissector dissector_opcua = {
	"opcua",
	OBS_P_OPCUA,
	1,
	0,
	{4840, 4843, 0, 0},
	1,
	sizeof(struct opcua_state),
	opcua_probe,
	opcua_parse,
	opcua_resync,
};

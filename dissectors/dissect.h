/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dissect.h: the public interface of dissectors/ (libdissect.a).
 *
 * A dissector is bytes in, observations out.  It never allocates, logs,
 * reads a clock or touches globals: sensor/ owns the per-flow state
 * (state_size bytes, zeroed before first use), hands it in-order stream
 * bytes (TCP) or whole datagrams (UDP), and receives plain-data
 * observation records through a sink.  Observations hold no pointers into
 * packet memory; their only pointers are to static strings.
 */
#ifndef OTZ_DISSECT_H
#define OTZ_DISSECT_H

#include <stddef.h>
#include <stdint.h>

/* Protocols that observations are about (also the op's "protocol"). */
enum obs_proto {
	OBS_P_NONE = 0,
	OBS_P_MODBUS,
	OBS_P_DNP3,
	OBS_P_S7COMM,
	OBS_P_S7COMM_PLUS,
	OBS_P_ENIP,
	OBS_P_CIP,
	OBS_P_OPCUA,
	OBS_P_MAX
};

/*
 * Operation classes of ARCHITECTURE.md.  The order of READ..PROGRAM is
 * the access order used by policies (read < write < control < program).
 */
enum obs_class {
	OBS_C_OTHER = 0,
	OBS_C_READ,
	OBS_C_WRITE,
	OBS_C_CONTROL,
	OBS_C_PROGRAM,
	OBS_C_DISCOVER,
	OBS_C_SESSION,
	OBS_C_MAX
};

/* Which endpoint of the flow an observation is about. */
enum obs_side {
	OBS_SIDE_CLIENT = 0, /* the flow's client (opened the connection) */
	OBS_SIDE_SERVER = 1
};

/* Direction of the bytes handed to parse(). */
enum dis_dir {
	DIS_C2S = 0, /* from the flow's client to its server */
	DIS_S2C = 1
};

/* obs_op.flags */
#define OBS_OP_RESPONSE 0x01	/* a response, paired with its request */
#define OBS_OP_EXCEPTION 0x02	/* response reports failure; status says why */
#define OBS_OP_UNSOLICITED 0x04 /* sent by the server unasked (DNP3) */
#define OBS_OP_BROADCAST 0x08	/* request sent to broadcast/multicast */
#define OBS_OP_ENCRYPTED 0x10	/* body not readable; code from headers */

/*
 * One operation.  A request is reported once (flags without RESPONSE);
 * its response, when paired, is reported again with RESPONSE and the
 * request's code and class, plus EXCEPTION and status when it failed.
 * An unpaired response is reported with RESPONSE and the code it carries.
 */
struct obs_op {
	uint8_t proto;	    /* enum obs_proto */
	uint8_t cls;	    /* enum obs_class */
	uint8_t flags;	    /* OBS_OP_* */
	uint8_t requester;  /* enum obs_side: who sent the request */
	uint32_t code;	    /* the protocol's own request code (see ARCH) */
	uint32_t status;    /* exception code / general status, else 0 */
	uint32_t unit;	    /* Modbus unit id, DNP3 destination, ... or 0 */
	uint32_t addr_lo;   /* first register/coil/point, when known */
	uint32_t addr_hi;   /* last, inclusive; addr_hi < addr_lo: none */
	const char *name;   /* static string, e.g. "Read Holding Registers" */
};

/* Roles an endpoint plays, reported as "<proto>-<role>" in output. */
enum obs_role_kind {
	OBS_R_CLIENT = 1,
	OBS_R_SERVER,
	OBS_R_MASTER,
	OBS_R_OUTSTATION,
	OBS_R_SCANNER,	  /* CIP originator of implicit I/O */
	OBS_R_IO_ADAPTER, /* CIP target of implicit I/O */
};

struct obs_role {
	uint8_t side;  /* enum obs_side */
	uint8_t proto; /* enum obs_proto */
	uint8_t role;  /* enum obs_role_kind */
};

/*
 * What a device says about itself.  Empty strings are unknown; the sensor
 * merges non-empty fields into the asset's identity.  Strings are
 * NUL-terminated, printable ASCII (obs_strcpy sanitises them).
 */
struct obs_ident {
	uint8_t side;  /* enum obs_side: the endpoint described */
	uint8_t proto; /* enum obs_proto: where it was read */
	uint8_t truncated; /* a string did not fit */
	uint32_t vendor_id;    /* CIP vendor id, 0 unknown */
	uint32_t device_type;  /* CIP device type, 0 unknown */
	uint32_t product_code; /* CIP product code, 0 unknown */
	char vendor[64];
	char product[64];  /* product name / order number */
	char model[64];
	char firmware[32];
	char hardware[32];
	char serial[64];
	char name[64];	   /* station, module or application name */
	char url[128];	   /* vendor URL, application URI, plant id */
};

/* Per-flow facts. */
enum obs_attr_key {
	OBS_A_SECURITY_MODE = 1, /* num: OBS_SEC_* (OPC UA) */
	OBS_A_SECURITY_POLICY,	 /* str: SecurityPolicyUri (OPC UA) */
	OBS_A_ENDPOINT_URL,	 /* str: HEL endpoint URL (OPC UA) */
	OBS_A_AUTHENTICATED,	 /* num 1: DNP3 Secure Authentication seen */
	OBS_A_ENCRYPTED,	 /* num 1: payload encrypted (S7comm-plus TLS..) */
	OBS_A_PROTO_VERSION,	 /* num: S7comm-plus protocol version */
	OBS_A_TSAP,		 /* num: COTP called (dst) TSAP */
	OBS_A_RACK_SLOT,	 /* num: rack << 8 | slot (S7) */
	OBS_A_CIP_CONN,		 /* num: a CIP connection id (Forward Open) */
	OBS_A_CIP_RPI,		 /* num: requested packet interval, us */
	OBS_A_USER_TOKEN,	 /* num: OPC UA user token type OBS_TOK_* */
	OBS_A_LINK_ADDR,	 /* num: DNP3 src << 16 | dst */
};

enum { OBS_SEC_NONE = 1, OBS_SEC_SIGN = 2, OBS_SEC_SIGN_ENCRYPT = 3 };
enum {
	OBS_TOK_ANONYMOUS = 1,
	OBS_TOK_USERNAME,
	OBS_TOK_CERTIFICATE,
	OBS_TOK_ISSUED
};

struct obs_attr {
	uint8_t key;  /* enum obs_attr_key */
	uint8_t side; /* enum obs_side, when the fact is about one endpoint */
	uint8_t proto;
	uint32_t num;
	char str[160];
};

struct obs_anomaly {
	uint8_t proto;	  /* enum obs_proto */
	uint16_t reason;  /* dissector-specific code */
	const char *what; /* static string, e.g. "bad link CRC" */
};

struct obs_sink {
	void (*op)(void *arg, const struct obs_op *);
	void (*role)(void *arg, const struct obs_role *);
	void (*ident)(void *arg, const struct obs_ident *);
	void (*attr)(void *arg, const struct obs_attr *);
	void (*anomaly)(void *arg, const struct obs_anomaly *);
	void *arg;
};

/* What parse() hands the dissector besides the bytes. */
struct dis_ctx {
	uint8_t dir;	    /* enum dis_dir */
	uint8_t l4;	    /* 6 TCP, 17 UDP */
	uint8_t multicast;  /* UDP destination is broadcast/multicast */
	uint16_t src_port;  /* of these bytes */
	uint16_t dst_port;
};

enum dis_rc {
	DIS_OK = 0,	 /* consumed *used bytes (may be < len: rest later) */
	DIS_NEED_MORE,	 /* a PDU is incomplete; *used says what was done */
	DIS_NOT_MINE,	 /* these bytes are not this protocol */
	DIS_MALFORMED	 /* a PDU is broken; *used bytes may be skipped */
};

enum { PROBE_NO = 0, PROBE_MAYBE = 1, PROBE_YES = 2 };

struct dissector {
	const char *name; /* "modbus" */
	uint8_t proto;	  /* enum obs_proto */
	uint8_t l4_tcp;	  /* works over TCP */
	uint8_t l4_udp;	  /* works over UDP */
	uint16_t ports[4]; /* hints only, never proof; 0 ends */
	/*
	 * 1: the probe is strong enough (magic, CRC, exact header) to claim
	 * a flow on any port; 0: probed only on flows that touch ports[].
	 */
	uint8_t any_port;
	size_t state_size; /* per-flow state; sensor zeroes it */
	/*
	 * Pure: does this first payload of a flow (from direction dir) look
	 * like the protocol?  PROBE_MAYBE when too short to tell.
	 */
	int (*probe)(const uint8_t *buf, size_t len, int dir);
	/*
	 * Consume bytes.  TCP: buf holds in-order stream bytes of one
	 * direction starting at a PDU boundary; parse whole PDUs, set *used to
	 * the bytes consumed and return DIS_OK (or DIS_NEED_MORE if a PDU is
	 * split: the sensor keeps the unconsumed tail, up to its cap, and
	 * calls again with more).  UDP: buf is one datagram.
	 * Returns DIS_MALFORMED with *used > 0 to skip garbage, or *used == 0
	 * when it cannot find a boundary (the sensor then drops the buffered
	 * bytes of this direction and calls resync()).
	 */
	enum dis_rc (*parse)(void *state, const struct dis_ctx *ctx,
	    const uint8_t *buf, size_t len, size_t *used,
	    const struct obs_sink *sink);
	/* Bytes were lost in direction dir: drop partial PDUs of it. */
	void (*resync)(void *state, int dir);
};

extern const struct dissector dissector_modbus, dissector_dnp3,
    dissector_s7, dissector_enip, dissector_opcua;

/* NULL-terminated list, in probing order. */
extern const struct dissector *const dissectors[];

const char *obs_proto_name(int proto);	/* "modbus", ... "" for NONE */
const char *obs_class_name(int cls);	/* "read", ... "other" */
const char *obs_role_name(int proto, int role); /* "modbus-server" */
int obs_class_from_name(const char *);	/* -1 if unknown */

/*
 * Copy at most n bytes of src into dst (size dstlen, > 0), stopping at a
 * NUL, replacing non-printable bytes with '?', trimming trailing spaces,
 * and always NUL-terminating.  Sets *truncated to 1 if it did not fit.
 */
void obs_strcpy(char *dst, size_t dstlen, const uint8_t *src, size_t n,
    uint8_t *truncated);

#endif

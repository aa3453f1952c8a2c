/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_enip.c: unit tests of the EtherNet/IP + CIP dissector (enip.c,
 * cip.c, cip_vendors.c).
 *
 * Checked against Wireshark (tshark 4.0.17) on the shared captures: the
 * request codes per client/server pair (enip.command for commands without
 * CIP, cip.sc of requests otherwise), identities (enip.lir.*) and the
 * connection ids of Forward Open replies (cip.cm.ot_connid/to_connid):
 *
 *   capture                                         requests  agree
 *   enip-cip-io-udp2222-listidentity.pcap              586    100%
 *   enip-cip-multiple-service-packet.pcapng             12    100%
 *   enip-cip-pccc-2017.pcap                           9437    100%
 *   enip-cip-set-attr-single-vlan.pcapng                 1    100%
 *   enip-cl5000-ip-change-udp44818-mixed.pcap          514    100%
 *   enip-cl5000-software-upload-forwardopen.pcap       685    100%
 *   enip-listidentity-tcp-small.pcap                     1    100%
 *
 * Identities (vendor, device type, product code, revision, serial, name)
 * and the 14 + 8 Forward Open connection ids agree exactly.  For the
 * comparison Wireshark's cip.sc list of an Unconnected Send request drops
 * its leading 0x52 (we report the embedded request only); a Multiple
 * Service Packet counts as the outer 0x0A plus each inner service on both
 * sides.  Remaining, deliberate differences:
 * - A failed Unconnected Send (reply 0xD2, general status 0x01) is, for
 *   Wireshark, an error of service 0x52; we report it as an exception of
 *   the embedded request (51 replies in the ip-change capture).
 * - Execute PCCC requests with PCCC function 0xA3 (4655 in the PCCC
 *   capture) are unknown to Wireshark as well and stay class "other".
 * - 76 requests of the PCCC capture have no reply in the capture; the
 *   pending table reports its cap once for that flow.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../dissectors/cip.h"
#include "../../dissectors/dissect.h"
#include "rec_sink.h"

static struct rec R;
static struct obs_sink S;
static _Alignas(16) unsigned char ST[8192];

static void
setup(void)
{
	S = rec_sink(&R);
	ck_assert_uint_le(dissector_enip.state_size, sizeof(ST));
	memset(ST, 0, sizeof(ST));
}

/* TCP stream bytes in one direction, the way the sensor feeds them. */
static enum dis_rc
feed(int dir, const uint8_t *b, size_t n)
{
	return rec_feed(&dissector_enip, ST, dir, b, n, &S);
}

/* One UDP datagram. */
static enum dis_rc
dgram(int dir, int mcast, uint16_t sport, uint16_t dport, const uint8_t *b,
    size_t n)
{
	struct dis_ctx c;
	size_t used = 0;
	enum dis_rc rc;

	memset(&c, 0, sizeof(c));
	c.dir = (uint8_t)dir;
	c.l4 = 17;
	c.multicast = (uint8_t)mcast;
	c.src_port = sport;
	c.dst_port = dport;
	rc = dissector_enip.parse(ST, &c, b, n, &used, &S);
	ck_assert_uint_le(used, n);
	return rc;
}

/*
 * Encapsulation layer builder: 24-byte little-endian header (command,
 * length, session handle, status, sender context = ctx then 7 zero bytes,
 * options 0) followed by data.
 */
static size_t
encap(uint8_t *o, uint16_t cmd, uint32_t session, uint32_t status,
    uint8_t ctx, const uint8_t *data, size_t n)
{
	memset(o, 0, 24);
	o[0] = (uint8_t)cmd;
	o[1] = (uint8_t)(cmd >> 8);
	o[2] = (uint8_t)n;
	o[3] = (uint8_t)(n >> 8);
	o[4] = (uint8_t)session;
	o[5] = (uint8_t)(session >> 8);
	o[6] = (uint8_t)(session >> 16);
	o[7] = (uint8_t)(session >> 24);
	o[8] = (uint8_t)status;
	o[9] = (uint8_t)(status >> 8);
	o[12] = ctx;
	if (n > 0)
		memcpy(o + 24, data, n);
	return 24 + n;
}

#define SESSION 0x44332211u

/*
 * SendRRData: [interface handle 0][timeout 10]
 * CPF [count 2][null address 0x0000 len 0][unconnected data 0x00B2: mr].
 */
static size_t
rr(uint8_t *o, uint32_t status, uint8_t ctx, const uint8_t *mr, size_t n)
{
	uint8_t d[2048];

	memset(d, 0, 16);
	d[4] = 10;	      /* timeout */
	d[6] = 2;	      /* item count; [8..11]: null address item */
	d[12] = 0xb2;	      /* unconnected data item */
	d[14] = (uint8_t)n; /* its length */
	d[15] = (uint8_t)(n >> 8);
	memcpy(d + 16, mr, n);
	return encap(o, 0x006f, SESSION, status, ctx, d, 16 + n);
}

/*
 * SendUnitData: [interface handle 0][timeout 0]
 * CPF [count 2][connected address 0x00A1 len 4: connid]
 *     [connected data 0x00B1: sequence count, mr].
 */
static size_t
unit(uint8_t *o, uint32_t connid, uint16_t seq, const uint8_t *mr, size_t n)
{
	uint8_t d[2048];

	memset(d, 0, 24);
	d[6] = 2;
	d[8] = 0xa1;
	d[10] = 4;
	d[12] = (uint8_t)connid;
	d[13] = (uint8_t)(connid >> 8);
	d[14] = (uint8_t)(connid >> 16);
	d[15] = (uint8_t)(connid >> 24);
	d[16] = 0xb1;
	d[18] = (uint8_t)(n + 2);
	d[19] = (uint8_t)((n + 2) >> 8);
	d[20] = (uint8_t)seq;
	d[21] = (uint8_t)(seq >> 8);
	memcpy(d + 22, mr, n);
	return encap(o, 0x0070, SESSION, 0, 0, d, 22 + n);
}

static void
check_op(size_t i, int proto, int cls, int flags, int requester,
    uint32_t code, uint32_t status, const char *name)
{
	ck_assert_uint_lt(i, R.n_op);
	ck_assert_int_eq(R.op[i].proto, proto);
	ck_assert_int_eq(R.op[i].cls, cls);
	ck_assert_int_eq(R.op[i].flags, flags);
	ck_assert_int_eq(R.op[i].requester, requester);
	ck_assert_uint_eq(R.op[i].code, code);
	ck_assert_uint_eq(R.op[i].status, status);
	ck_assert_str_eq(R.op[i].name, name);
}

/* --- frames ---------------------------------------------------------- */

/* ListIdentity request: encapsulation header only. */
static const uint8_t li_req[] = {
	0x63, 0x00,		/* command: ListIdentity */
	0x00, 0x00,		/* length 0 */
	0x00, 0x00, 0x00, 0x00, /* session handle */
	0x00, 0x00, 0x00, 0x00, /* status */
	0x00, 0x00, 0x00, 0x00, 0xc1, 0xde, 0xbe, 0xd1, /* sender context */
	0x00, 0x00, 0x00, 0x00, /* options */
};

/* ListIdentity reply from a 1756-ENBT/A (as in enip-listidentity-tcp). */
static const uint8_t li_rsp[] = {
	/* encapsulation */
	0x63, 0x00, 0x33, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0xc1, 0xde, 0xbe, 0xd1, 0x00, 0x00,
	0x00, 0x00,
	/* CPF: 1 item, CIP Identity 0x000C, 45 bytes */
	0x01, 0x00, 0x0c, 0x00, 0x2d, 0x00,
	/* encapsulation protocol version 1 */
	0x01, 0x00,
	/* socket address (big-endian): AF_INET, 44818, 10.1.1.164, zero */
	0x00, 0x02, 0xaf, 0x12, 0x0a, 0x01, 0x01, 0xa4, 0, 0, 0, 0, 0, 0, 0,
	0,
	/* vendor 1, device type 12, product code 58, revision 4.03 */
	0x01, 0x00, 0x0c, 0x00, 0x3a, 0x00, 0x04, 0x03,
	/* status 0x0030, serial 0x00524d8e */
	0x30, 0x00, 0x8e, 0x4d, 0x52, 0x00,
	/* product name (short string), state */
	0x0b, '1', '7', '5', '6', '-', 'E', 'N', 'B', 'T', '/', 'A', 0x03,
};

/* RegisterSession request: protocol version 1, options 0. */
static const uint8_t reg_req[] = {
	0x65, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00,
	0x01, 0x00, 0x00, 0x00,
};

/* RegisterSession reply: session handle 0x44332211. */
static const uint8_t reg_rsp[] = {
	0x65, 0x00, 0x04, 0x00, 0x11, 0x22, 0x33, 0x44, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00,
	0x01, 0x00, 0x00, 0x00,
};

/* MR: Get_Attributes_All, path class 1 instance 1 (Identity). */
static const uint8_t gaa_id_req[] = {
	0x01, 0x02, 0x20, 0x01, 0x24, 0x01,
};

/* MR reply: the Identity object of a 1756-L61 (attributes 1-7). */
static const uint8_t gaa_id_rsp[] = {
	0x81, 0x00, 0x00, 0x00, /* reply, reserved, status 0, no ext */
	0x01, 0x00,		/* vendor 1 */
	0x0e, 0x00,		/* device type 14 (PLC) */
	0x36, 0x00,		/* product code 54 */
	0x14, 0x0b,		/* revision 20.11 */
	0x60, 0x30,		/* status */
	0xef, 0xbe, 0xad, 0xde, /* serial 0xdeadbeef */
	0x14, '1', '7', '5', '6', '-', 'L', '6', '1', '/', 'B', ' ', 'L',
	'O', 'G', 'I', 'X', '5', '5', '6', '1',
};

/* MR: Get_Attribute_Single class 1 instance 1 attribute 7 (name). */
static const uint8_t gas_name_req[] = {
	0x0e, 0x03, 0x20, 0x01, 0x24, 0x01, 0x30, 0x07,
};
static const uint8_t gas_name_rsp[] = {
	0x8e, 0x00, 0x00, 0x00, 0x0b, '1', '7', '5', '6', '-', 'E', 'N',
	'B', 'T', '/', 'A',
};

/* MR: Unconnected Send to the Connection Manager, wrapping GAA Identity,
 * routed to backplane slot 0. */
static const uint8_t ucs_req[] = {
	0x52, 0x02, 0x20, 0x06, 0x24, 0x01, /* UCS, class 6 instance 1 */
	0x0a, 0xf0,			    /* priority/tick, timeout ticks */
	0x06, 0x00,			    /* embedded request: 6 bytes */
	0x01, 0x02, 0x20, 0x01, 0x24, 0x01, /* GAA Identity */
	0x01, 0x00,			    /* route path: 1 word, reserved */
	0x01, 0x00,			    /* port 1 (backplane), slot 0 */
};

/* UCS reply when routing failed: 0xD2, status 0x01, ext 0x0204. */
static const uint8_t ucs_fail_rsp[] = {
	0xd2, 0x00, 0x01, 0x01, 0x04, 0x02, 0x00, 0x00,
};

/* MR: Multiple Service Packet to the Message Router, three services. */
static const uint8_t msp_req[] = {
	0x0a, 0x02, 0x20, 0x02, 0x24, 0x01, /* MSP, class 2 instance 1 */
	0x03, 0x00,			    /* 3 services */
	0x08, 0x00, 0x12, 0x00, 0x1c, 0x00, /* offsets 8, 18, 28 */
	/* 8: Get_Attribute_List class 0xAC inst 1, 1 attribute: 1 */
	0x03, 0x02, 0x20, 0xac, 0x24, 0x01, 0x01, 0x00, 0x01, 0x00,
	/* 18: Set_Attribute_Single class 0x8B inst 1 attr 2 := 5 */
	0x10, 0x03, 0x20, 0x8b, 0x24, 0x01, 0x30, 0x02, 0x05, 0x00,
	/* 28: Get_Attribute_Single Identity attribute 1 (vendor) */
	0x0e, 0x03, 0x20, 0x01, 0x24, 0x01, 0x30, 0x01,
};

/* Its reply: status 0x1E (embedded service error), the Set refused. */
static const uint8_t msp_rsp[] = {
	0x8a, 0x00, 0x1e, 0x00,		    /* MSP reply, status 0x1E */
	0x03, 0x00, 0x08, 0x00, 0x0e, 0x00, 0x12, 0x00, /* 3: 8, 14, 18 */
	0x83, 0x00, 0x00, 0x00, 0x00, 0x00, /* 8: GAL ok (0 attributes) */
	0x90, 0x00, 0x0f, 0x00,		    /* 14: Set: 0x0F privilege */
	0x8e, 0x00, 0x00, 0x00, 0x01, 0x00, /* 18: GAS ok, vendor 1 */
};

/* MR: Forward Open, class 3 connection to the Message Router. */
static const uint8_t fo_req[] = {
	0x54, 0x02, 0x20, 0x06, 0x24, 0x01, /* Forward Open, class 6 inst 1 */
	0x0a, 0xf0,			    /* priority/tick, timeout ticks */
	0x00, 0x00, 0x00, 0x00,		    /* O->T connection id */
	0x18, 0x00, 0xfe, 0x80,		    /* T->O connection id */
	0x34, 0x12, 0x4d, 0x00,		    /* conn serial, vendor 77 */
	0xe0, 0x31, 0x2b, 0x3d,		    /* originator serial */
	0x03, 0x00, 0x00, 0x00,		    /* timeout mult., reserved */
	0x40, 0x4b, 0x4c, 0x00, 0xf4, 0x43, /* O->T RPI 5 s, params */
	0x20, 0xa1, 0x07, 0x00, 0xf4, 0x43, /* T->O RPI 500 ms, params */
	0xa3,				    /* transport class 3 */
	0x02, 0x20, 0x02, 0x24, 0x01,	    /* path: Message Router */
};
#define FO_TRANSPORT 40 /* offset of the transport byte in fo_req */

static const uint8_t fo_rsp[] = {
	0xd4, 0x00, 0x00, 0x00,		/* Forward Open reply, success */
	0x01, 0x0d, 0x79, 0x00,		/* O->T connection id 0x00790d01 */
	0x18, 0x00, 0xfe, 0x80,		/* T->O connection id 0x80fe0018 */
	0x34, 0x12, 0x4d, 0x00, 0xe0, 0x31, 0x2b, 0x3d,
	0x40, 0x4b, 0x4c, 0x00, 0x20, 0xa1, 0x07, 0x00, /* APIs */
	0x00, 0x00,			/* application reply size, reserved */
};

/* MR: Large Forward Open (32-bit connection parameters). */
static const uint8_t lfo_req[] = {
	0x5b, 0x02, 0x20, 0x06, 0x24, 0x01, 0x0a, 0xf0,
	0x00, 0x00, 0x00, 0x00, 0x99, 0x00, 0x00, 0x10, /* T->O 0x10000099 */
	0x35, 0x12, 0x4d, 0x00, 0xe0, 0x31, 0x2b, 0x3d,
	0x03, 0x00, 0x00, 0x00,
	0x10, 0x27, 0x00, 0x00, 0x00, 0x00, 0x00, 0x42, /* O->T RPI 10 ms */
	0x10, 0x27, 0x00, 0x00, 0x00, 0x00, 0x00, 0x42, /* T->O RPI 10 ms */
	0x01,				    /* transport class 1 (I/O) */
	0x03, 0x20, 0x04, 0x24, 0x65, 0x2c, 0x64, /* assembly 101 -> 100 */
	0x00,
};

/* MR: Forward Close. */
static const uint8_t fc_req[] = {
	0x4e, 0x02, 0x20, 0x06, 0x24, 0x01, 0x0a, 0xf0, 0x34, 0x12, 0x4d,
	0x00, 0xe0, 0x31, 0x2b, 0x3d, 0x02, 0x00, 0x20, 0x02, 0x24, 0x01,
};

/* MR: Read Tag "Counter" (ANSI extended symbol, odd length: padded). */
static const uint8_t rt_req[] = {
	0x4c, 0x05, 0x91, 0x07, 'C', 'o', 'u', 'n', 't', 'e', 'r', 0x00,
	0x01, 0x00, /* element count */
};
static const uint8_t rt_rsp[] = {
	0xcc, 0x00, 0x00, 0x00, 0xc4, 0x00, 0x2a, 0x00, 0x00, 0x00,
};

/* --- ListIdentity, RegisterSession ----------------------------------- */

START_TEST(test_list_identity_tcp)
{
	ck_assert_int_eq(feed(DIS_C2S, li_req, sizeof(li_req)), DIS_OK);
	ck_assert_uint_eq(R.n_op, 1);
	check_op(0, OBS_P_ENIP, OBS_C_DISCOVER, 0, OBS_SIDE_CLIENT, 0x63, 0,
	    "List Identity");
	ck_assert_uint_eq(R.op[0].unit, 0);
	ck_assert_uint_lt(R.op[0].addr_hi, R.op[0].addr_lo);
	ck_assert_int_eq(feed(DIS_S2C, li_rsp, sizeof(li_rsp)), DIS_OK);
	ck_assert_uint_eq(R.n_op, 2);
	check_op(1, OBS_P_ENIP, OBS_C_DISCOVER, OBS_OP_RESPONSE,
	    OBS_SIDE_CLIENT, 0x63, 0, "List Identity");
	ck_assert_uint_eq(R.n_ident, 1);
	ck_assert_int_eq(R.ident[0].side, OBS_SIDE_SERVER);
	ck_assert_int_eq(R.ident[0].proto, OBS_P_ENIP);
	ck_assert_uint_eq(R.ident[0].vendor_id, 1);
	ck_assert_str_eq(R.ident[0].vendor,
	    "Rockwell Automation/Allen-Bradley");
	ck_assert_uint_eq(R.ident[0].device_type, 12);
	ck_assert_uint_eq(R.ident[0].product_code, 58);
	ck_assert_str_eq(R.ident[0].firmware, "4.03");
	ck_assert_str_eq(R.ident[0].serial, "0x00524d8e");
	ck_assert_str_eq(R.ident[0].product, "1756-ENBT/A");
	ck_assert_int_eq(R.ident[0].truncated, 0);
	ck_assert_uint_eq(R.n_role, 2);
	ck_assert_int_eq(R.role[0].side, OBS_SIDE_CLIENT);
	ck_assert_int_eq(R.role[0].proto, OBS_P_ENIP);
	ck_assert_int_eq(R.role[0].role, OBS_R_CLIENT);
	ck_assert_int_eq(R.role[1].side, OBS_SIDE_SERVER);
	ck_assert_int_eq(R.role[1].role, OBS_R_SERVER);
	ck_assert_uint_eq(R.n_anomaly, 0);
}
END_TEST

START_TEST(test_list_identity_udp_broadcast)
{
	uint8_t rsp[sizeof(li_rsp)];

	/* The sweep to 255.255.255.255:44818 ... */
	ck_assert_int_eq(dgram(DIS_C2S, 1, 1136, 44818, li_req,
			     sizeof(li_req)),
	    DIS_OK);
	ck_assert_uint_eq(R.n_op, 1);
	check_op(0, OBS_P_ENIP, OBS_C_DISCOVER, OBS_OP_BROADCAST,
	    OBS_SIDE_CLIENT, 0x63, 0, "List Identity");
	/* ... answered by a device of a vendor not in the table. */
	memcpy(rsp, li_rsp, sizeof(rsp));
	rsp[48] = 0x92; /* vendor 0x1092 = 4242 */
	rsp[49] = 0x10;
	ck_assert_int_eq(dgram(DIS_S2C, 0, 44818, 1136, rsp, sizeof(rsp)),
	    DIS_OK);
	check_op(1, OBS_P_ENIP, OBS_C_DISCOVER, OBS_OP_RESPONSE,
	    OBS_SIDE_CLIENT, 0x63, 0, "List Identity");
	ck_assert_uint_eq(R.n_ident, 1);
	ck_assert_uint_eq(R.ident[0].vendor_id, 4242);
	ck_assert_str_eq(R.ident[0].vendor, "vendor 4242");
	ck_assert_int_eq(R.ident[0].side, OBS_SIDE_SERVER);
}
END_TEST

START_TEST(test_register_session)
{
	uint8_t b[256];
	size_t n;

	ck_assert_int_eq(feed(DIS_C2S, reg_req, sizeof(reg_req)), DIS_OK);
	ck_assert_int_eq(feed(DIS_S2C, reg_rsp, sizeof(reg_rsp)), DIS_OK);
	ck_assert_uint_eq(R.n_op, 2);
	check_op(0, OBS_P_ENIP, OBS_C_SESSION, 0, OBS_SIDE_CLIENT, 0x65, 0,
	    "Register Session");
	check_op(1, OBS_P_ENIP, OBS_C_SESSION, OBS_OP_RESPONSE,
	    OBS_SIDE_CLIENT, 0x65, 0, "Register Session");
	/* UnRegisterSession: a session op without a reply. */
	n = encap(b, 0x0066, SESSION, 0, 0, NULL, 0);
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	check_op(2, OBS_P_ENIP, OBS_C_SESSION, 0, OBS_SIDE_CLIENT, 0x66, 0,
	    "Unregister Session");
}
END_TEST

START_TEST(test_list_services_interfaces)
{
	uint8_t b[256];
	static const uint8_t svc[] = {
		/* CPF: 1 item 0x0100, 20 bytes: version 1, flags 0x0120,
		 * name "Communications" */
		0x01, 0x00, 0x00, 0x01, 0x14, 0x00, 0x01, 0x00, 0x20, 0x01,
		'C', 'o', 'm', 'm', 'u', 'n', 'i', 'c', 'a', 't', 'i', 'o',
		'n', 's', 0x00, 0x00,
	};
	size_t n;

	n = encap(b, 0x0004, 0, 0, 0, NULL, 0);
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	n = encap(b, 0x0004, 0, 0, 0, svc, sizeof(svc));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	n = encap(b, 0x0064, 0, 0, 0, NULL, 0);
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	ck_assert_uint_eq(R.n_op, 3);
	check_op(0, OBS_P_ENIP, OBS_C_DISCOVER, 0, OBS_SIDE_CLIENT, 0x04, 0,
	    "List Services");
	check_op(1, OBS_P_ENIP, OBS_C_DISCOVER, OBS_OP_RESPONSE,
	    OBS_SIDE_CLIENT, 0x04, 0, "List Services");
	check_op(2, OBS_P_ENIP, OBS_C_DISCOVER, 0, OBS_SIDE_CLIENT, 0x64, 0,
	    "List Interfaces");
}
END_TEST

START_TEST(test_unknown_and_legacy_commands)
{
	uint8_t b[256];
	size_t n;

	/* RSLinx opens with legacy command 0x0001: ours, class other. */
	n = encap(b, 0x0001, 0, 0, 0, NULL, 0);
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	ck_assert_uint_eq(R.n_op, 1);
	check_op(0, OBS_P_ENIP, OBS_C_OTHER, 0, OBS_SIDE_CLIENT, 0x0001, 0,
	    "unknown");
	/* Indicate Status / Cancel: known, class other. */
	n = encap(b, 0x0072, 0, 0, 0, NULL, 0);
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	check_op(1, OBS_P_ENIP, OBS_C_OTHER, 0, OBS_SIDE_CLIENT, 0x72, 0,
	    "Indicate Status");
}
END_TEST

START_TEST(test_not_mine)
{
	static const uint8_t http[] =
	    "GET /index.html HTTP/1.1\r\nHost: plc\r\n\r\n";
	uint8_t b[64];
	size_t n;

	ck_assert_int_eq(feed(DIS_C2S, http, sizeof(http) - 1), DIS_NOT_MINE);
	ck_assert_uint_eq(R.n_op + R.n_role + R.n_anomaly + R.n_ident, 0);
	/* A reserved command above 0x00FF on a fresh flow. */
	setup();
	n = encap(b, 0x1234, 0, 0, 0, NULL, 0);
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_NOT_MINE);
	ck_assert_uint_eq(R.n_op, 0);
}
END_TEST

/* --- CIP over SendRRData --------------------------------------------- */

START_TEST(test_get_attributes_all_identity)
{
	uint8_t b[512];
	size_t n;

	n = rr(b, 0, 7, gaa_id_req, sizeof(gaa_id_req));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	ck_assert_uint_eq(R.n_op, 1);
	check_op(0, OBS_P_CIP, OBS_C_READ, 0, OBS_SIDE_CLIENT, 0x01, 0,
	    "Get Attributes All");
	ck_assert_uint_eq(R.op[0].unit, 1);    /* class */
	ck_assert_uint_eq(R.op[0].addr_lo, 1); /* instance */
	ck_assert_uint_eq(R.op[0].addr_hi, 1);
	n = rr(b, 0, 7, gaa_id_rsp, sizeof(gaa_id_rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	ck_assert_uint_eq(R.n_op, 2);
	check_op(1, OBS_P_CIP, OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT,
	    0x01, 0, "Get Attributes All");
	ck_assert_uint_eq(R.n_ident, 1);
	ck_assert_int_eq(R.ident[0].side, OBS_SIDE_SERVER);
	ck_assert_uint_eq(R.ident[0].vendor_id, 1);
	ck_assert_str_eq(R.ident[0].vendor,
	    "Rockwell Automation/Allen-Bradley");
	ck_assert_uint_eq(R.ident[0].device_type, 14);
	ck_assert_uint_eq(R.ident[0].product_code, 54);
	ck_assert_str_eq(R.ident[0].firmware, "20.11");
	ck_assert_str_eq(R.ident[0].serial, "0xdeadbeef");
	ck_assert_str_eq(R.ident[0].product, "1756-L61/B LOGIX5561");
	ck_assert_uint_eq(R.n_anomaly, 0);
}
END_TEST

START_TEST(test_get_attribute_single_identity_name)
{
	uint8_t b[512];
	size_t n;

	n = rr(b, 0, 3, gas_name_req, sizeof(gas_name_req));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	check_op(0, OBS_P_CIP, OBS_C_READ, 0, OBS_SIDE_CLIENT, 0x0e, 0,
	    "Get Attribute Single");
	n = rr(b, 0, 3, gas_name_rsp, sizeof(gas_name_rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	check_op(1, OBS_P_CIP, OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT,
	    0x0e, 0, "Get Attribute Single");
	ck_assert_uint_eq(R.n_ident, 1);
	ck_assert_str_eq(R.ident[0].product, "1756-ENBT/A");
	ck_assert_str_eq(R.ident[0].vendor, "");
	ck_assert_uint_eq(R.ident[0].vendor_id, 0);
}
END_TEST

START_TEST(test_exception_paired)
{
	/* GAS of a missing attribute: status 0x14, ext status 0x0001. */
	static const uint8_t fail[] = {0x8e, 0x00, 0x14, 0x01, 0x01, 0x00};
	uint8_t b[512];
	size_t n;

	n = rr(b, 0, 9, gas_name_req, sizeof(gas_name_req));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	n = rr(b, 0, 9, fail, sizeof(fail));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	ck_assert_uint_eq(R.n_op, 2);
	check_op(1, OBS_P_CIP, OBS_C_READ, OBS_OP_RESPONSE | OBS_OP_EXCEPTION,
	    OBS_SIDE_CLIENT, 0x0e, 0x14, "Get Attribute Single");
	ck_assert_uint_eq(R.n_ident, 0);
}
END_TEST

START_TEST(test_pairing_by_sender_context)
{
	uint8_t b[512];
	size_t n;

	/* Two requests (contexts 1 and 2); replies come back swapped. */
	n = rr(b, 0, 1, gaa_id_req, sizeof(gaa_id_req));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	n = rr(b, 0, 2, gas_name_req, sizeof(gas_name_req));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	n = rr(b, 0, 2, gas_name_rsp, sizeof(gas_name_rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	n = rr(b, 0, 1, gaa_id_rsp, sizeof(gaa_id_rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	ck_assert_uint_eq(R.n_op, 4);
	check_op(2, OBS_P_CIP, OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT,
	    0x0e, 0, "Get Attribute Single");
	check_op(3, OBS_P_CIP, OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT,
	    0x01, 0, "Get Attributes All");
	ck_assert_uint_eq(R.n_ident, 2);
}
END_TEST

START_TEST(test_encapsulation_status_error)
{
	uint8_t b[512];
	size_t n;

	n = rr(b, 0, 5, gaa_id_req, sizeof(gaa_id_req));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	/* Invalid session handle (0x64): the reply has no data at all. */
	n = encap(b, 0x006f, SESSION, 0x64, 5, NULL, 0);
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	ck_assert_uint_eq(R.n_op, 2);
	check_op(1, OBS_P_ENIP, OBS_C_READ,
	    OBS_OP_RESPONSE | OBS_OP_EXCEPTION, OBS_SIDE_CLIENT, 0x6f, 0x64,
	    "Send RR Data");
	ck_assert_uint_eq(R.n_anomaly, 0);
}
END_TEST

START_TEST(test_send_rr_without_cip)
{
	/* SendRRData whose CPF holds only a null address item. */
	static const uint8_t d[] = {
		0, 0, 0, 0, 0x0a, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	uint8_t b[128];
	size_t n;

	n = encap(b, 0x006f, SESSION, 0, 0, d, sizeof(d));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	ck_assert_uint_eq(R.n_op, 1);
	check_op(0, OBS_P_ENIP, OBS_C_OTHER, 0, OBS_SIDE_CLIENT, 0x6f, 0,
	    "Send RR Data");
}
END_TEST

/* --- Unconnected Send, Multiple Service Packet ----------------------- */

START_TEST(test_unconnected_send_unwrapped)
{
	uint8_t b[512];
	size_t n;

	n = rr(b, 0, 4, ucs_req, sizeof(ucs_req));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	/* One op: the embedded Get_Attributes_All, not the 0x52. */
	ck_assert_uint_eq(R.n_op, 1);
	check_op(0, OBS_P_CIP, OBS_C_READ, 0, OBS_SIDE_CLIENT, 0x01, 0,
	    "Get Attributes All");
	ck_assert_uint_eq(R.op[0].unit, 1);
	/* The routed reply is the embedded reply itself. */
	n = rr(b, 0, 4, gaa_id_rsp, sizeof(gaa_id_rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	ck_assert_uint_eq(R.n_op, 2);
	check_op(1, OBS_P_CIP, OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT,
	    0x01, 0, "Get Attributes All");
	/* It describes the module in slot 0, not this server. */
	ck_assert_uint_eq(R.n_ident, 0);
}
END_TEST

START_TEST(test_unconnected_send_route_failure)
{
	uint8_t b[512];
	size_t n;

	n = rr(b, 0, 4, ucs_req, sizeof(ucs_req));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	n = rr(b, 0, 4, ucs_fail_rsp, sizeof(ucs_fail_rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	ck_assert_uint_eq(R.n_op, 2);
	check_op(1, OBS_P_CIP, OBS_C_READ, OBS_OP_RESPONSE | OBS_OP_EXCEPTION,
	    OBS_SIDE_CLIENT, 0x01, 0x01, "Get Attributes All");
}
END_TEST

START_TEST(test_multiple_service_packet)
{
	uint8_t b[512];
	size_t n;

	n = rr(b, 0, 6, msp_req, sizeof(msp_req));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	ck_assert_uint_eq(R.n_op, 4);
	/* The outer packet carries a write, so it is a write. */
	check_op(0, OBS_P_CIP, OBS_C_WRITE, 0, OBS_SIDE_CLIENT, 0x0a, 0,
	    "Multiple Service Packet");
	ck_assert_uint_eq(R.op[0].unit, 2);
	check_op(1, OBS_P_CIP, OBS_C_READ, 0, OBS_SIDE_CLIENT, 0x03, 0,
	    "Get Attribute List");
	ck_assert_uint_eq(R.op[1].unit, 0xac);
	check_op(2, OBS_P_CIP, OBS_C_WRITE, 0, OBS_SIDE_CLIENT, 0x10, 0,
	    "Set Attribute Single");
	ck_assert_uint_eq(R.op[2].unit, 0x8b);
	check_op(3, OBS_P_CIP, OBS_C_READ, 0, OBS_SIDE_CLIENT, 0x0e, 0,
	    "Get Attribute Single");
	n = rr(b, 0, 6, msp_rsp, sizeof(msp_rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	ck_assert_uint_eq(R.n_op, 8);
	check_op(4, OBS_P_CIP, OBS_C_WRITE, OBS_OP_RESPONSE | OBS_OP_EXCEPTION,
	    OBS_SIDE_CLIENT, 0x0a, 0x1e, "Multiple Service Packet");
	check_op(5, OBS_P_CIP, OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT,
	    0x03, 0, "Get Attribute List");
	check_op(6, OBS_P_CIP, OBS_C_WRITE, OBS_OP_RESPONSE | OBS_OP_EXCEPTION,
	    OBS_SIDE_CLIENT, 0x10, 0x0f, "Set Attribute Single");
	check_op(7, OBS_P_CIP, OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT,
	    0x0e, 0, "Get Attribute Single");
	/* The inner Identity attribute 1 read gives the vendor. */
	ck_assert_uint_eq(R.n_ident, 1);
	ck_assert_uint_eq(R.ident[0].vendor_id, 1);
	ck_assert_str_eq(R.ident[0].product, "");
	ck_assert_uint_eq(R.n_anomaly, 0);
}
END_TEST

START_TEST(test_msp_bad_offset)
{
	uint8_t b[512], m[sizeof(msp_req)];
	size_t n;

	memcpy(m, msp_req, sizeof(m));
	m[12] = 0xf0; /* third offset points past the packet */
	n = rr(b, 0, 6, m, sizeof(m));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_MALFORMED);
	/* The second service ends at the bad offset: only the outer and
	 * the first are reported (and the outer is only a read). */
	ck_assert_uint_eq(R.n_op, 2);
	check_op(0, OBS_P_CIP, OBS_C_READ, 0, OBS_SIDE_CLIENT, 0x0a, 0,
	    "Multiple Service Packet");
	check_op(1, OBS_P_CIP, OBS_C_READ, 0, OBS_SIDE_CLIENT, 0x03, 0,
	    "Get Attribute List");
	ck_assert_uint_eq(R.n_anomaly, 1);
	ck_assert_int_eq(R.anomaly[0].proto, OBS_P_ENIP);
}
END_TEST

/* --- Forward Open / Close -------------------------------------------- */

START_TEST(test_forward_open_class3)
{
	uint8_t b[512];
	size_t n;

	n = rr(b, 0, 8, fo_req, sizeof(fo_req));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	ck_assert_uint_eq(R.n_op, 1);
	check_op(0, OBS_P_CIP, OBS_C_SESSION, 0, OBS_SIDE_CLIENT, 0x54, 0,
	    "Forward Open");
	ck_assert_uint_eq(R.op[0].unit, 6);
	/* RPIs of the request: O->T by the originator, T->O by target. */
	ck_assert_uint_eq(R.n_attr, 2);
	ck_assert_int_eq(R.attr[0].key, OBS_A_CIP_RPI);
	ck_assert_int_eq(R.attr[0].side, OBS_SIDE_CLIENT);
	ck_assert_uint_eq(R.attr[0].num, 5000000);
	ck_assert_int_eq(R.attr[1].key, OBS_A_CIP_RPI);
	ck_assert_int_eq(R.attr[1].side, OBS_SIDE_SERVER);
	ck_assert_uint_eq(R.attr[1].num, 500000);
	n = rr(b, 0, 8, fo_rsp, sizeof(fo_rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	check_op(1, OBS_P_CIP, OBS_C_SESSION, OBS_OP_RESPONSE,
	    OBS_SIDE_CLIENT, 0x54, 0, "Forward Open");
	ck_assert_uint_eq(R.n_attr, 4);
	ck_assert_int_eq(R.attr[2].key, OBS_A_CIP_CONN);
	ck_assert_int_eq(R.attr[2].side, OBS_SIDE_CLIENT); /* O->T */
	ck_assert_uint_eq(R.attr[2].num, 0x00790d01);
	ck_assert_int_eq(R.attr[3].key, OBS_A_CIP_CONN);
	ck_assert_int_eq(R.attr[3].side, OBS_SIDE_SERVER); /* T->O */
	ck_assert_uint_eq(R.attr[3].num, 0x80fe0018);
	ck_assert_int_eq(R.attr[3].proto, OBS_P_ENIP);
	/* Class 3: explicit messaging, no scanner/adapter roles. */
	ck_assert_uint_eq(R.n_role, 2);
	/* Forward Close is session too. */
	n = rr(b, 0, 9, fc_req, sizeof(fc_req));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	check_op(2, OBS_P_CIP, OBS_C_SESSION, 0, OBS_SIDE_CLIENT, 0x4e, 0,
	    "Forward Close");
}
END_TEST

START_TEST(test_forward_open_io_roles)
{
	uint8_t b[512], m[sizeof(fo_req)];
	size_t n, i;
	int scanner = 0, adapter = 0;

	memcpy(m, fo_req, sizeof(m));
	ck_assert_uint_eq(m[FO_TRANSPORT], 0xa3);
	m[FO_TRANSPORT] = 0x01; /* class 1, cyclic */
	n = rr(b, 0, 8, m, sizeof(m));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	n = rr(b, 0, 8, fo_rsp, sizeof(fo_rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	for (i = 0; i < R.n_role; i++) {
		if (R.role[i].role == OBS_R_SCANNER) {
			ck_assert_int_eq(R.role[i].side, OBS_SIDE_CLIENT);
			scanner++;
		}
		if (R.role[i].role == OBS_R_IO_ADAPTER) {
			ck_assert_int_eq(R.role[i].side, OBS_SIDE_SERVER);
			adapter++;
		}
	}
	ck_assert_int_eq(scanner, 1);
	ck_assert_int_eq(adapter, 1);
}
END_TEST

START_TEST(test_large_forward_open_and_failure)
{
	/* Forward Open refused: status 0x01, ext 0x0100 (conn in use). */
	static const uint8_t fail[] = {
		0xdb, 0x00, 0x01, 0x01, 0x00, 0x01, 0x35, 0x12, 0x4d, 0x00,
		0xe0, 0x31, 0x2b, 0x3d, 0x00, 0x00,
	};
	uint8_t b[512];
	size_t n;

	n = rr(b, 0, 8, lfo_req, sizeof(lfo_req));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	check_op(0, OBS_P_CIP, OBS_C_SESSION, 0, OBS_SIDE_CLIENT, 0x5b, 0,
	    "Large Forward Open");
	ck_assert_uint_eq(R.n_attr, 2);
	ck_assert_uint_eq(R.attr[0].num, 10000);
	ck_assert_uint_eq(R.attr[1].num, 10000);
	n = rr(b, 0, 8, fail, sizeof(fail));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	check_op(1, OBS_P_CIP, OBS_C_SESSION,
	    OBS_OP_RESPONSE | OBS_OP_EXCEPTION, OBS_SIDE_CLIENT, 0x5b, 0x01,
	    "Large Forward Open");
	/* No connection ids from a refusal, no adapter role. */
	ck_assert_uint_eq(R.n_attr, 2);
	ck_assert_int_eq(R.role[R.n_role - 1].role, OBS_R_SERVER);
}
END_TEST

/* --- identity over connections and attribute lists ------------------- */

/*
 * Get_Attribute_List of the Identity object, attributes 1..7, and the
 * reply of a 1756-L61/B (enip-cl5000-software-upload-forwardopen.pcap
 * frames 263/264; tshark: cip.id.* 1, 14, 54, 16.20, 0x0051823f).
 */
static const uint8_t gal_id_req[] = {
	0x03, 0x02, 0x20, 0x01, 0x24, 0x01, 0x07, 0x00, 0x01, 0x00, 0x02,
	0x00, 0x03, 0x00, 0x04, 0x00, 0x05, 0x00, 0x06, 0x00, 0x07, 0x00,
};
static const uint8_t gal_id_rsp[] = {
	0x83, 0x00, 0x00, 0x00, 0x07, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x01, 0x00, /* 1 vendor 1 */
	0x02, 0x00, 0x00, 0x00, 0x0e, 0x00, /* 2 device type 14 */
	0x03, 0x00, 0x00, 0x00, 0x36, 0x00, /* 3 product code 54 */
	0x04, 0x00, 0x00, 0x00, 0x10, 0x14, /* 4 revision 16.20 */
	0x05, 0x00, 0x00, 0x00, 0x60, 0x30, /* 5 status */
	0x06, 0x00, 0x00, 0x00, 0x3f, 0x82, 0x51, 0x00, /* 6 serial */
	0x07, 0x00, 0x00, 0x00, 0x14, '1', '7', '5', '6', '-', 'L', '6',
	'1', '/', 'B', ' ', 'L', 'O', 'G', 'I', 'X', '5', '5', '6', '1',
};

START_TEST(test_get_attribute_list_identity)
{
	uint8_t b[512];
	size_t n;

	n = rr(b, 0, 5, gal_id_req, sizeof(gal_id_req));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	check_op(0, OBS_P_CIP, OBS_C_READ, 0, OBS_SIDE_CLIENT, 0x03, 0,
	    "Get Attribute List");
	n = rr(b, 0, 5, gal_id_rsp, sizeof(gal_id_rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	ck_assert_uint_eq(R.n_ident, 1);
	ck_assert_int_eq(R.ident[0].side, OBS_SIDE_SERVER);
	ck_assert_uint_eq(R.ident[0].vendor_id, 1);
	ck_assert_uint_eq(R.ident[0].device_type, 14);
	ck_assert_uint_eq(R.ident[0].product_code, 54);
	ck_assert_str_eq(R.ident[0].firmware, "16.20");
	ck_assert_str_eq(R.ident[0].serial, "0x0051823f");
	ck_assert_str_eq(R.ident[0].product, "1756-L61/B LOGIX5561");
	ck_assert_uint_eq(R.n_anomaly, 0);
}
END_TEST

/*
 * A failed attribute carries no value; the walk stops at an attribute of
 * unknown size (12, language list) and keeps what it had.  A list asking
 * for no identity attribute (8, state) is no anomaly.
 */
START_TEST(test_get_attribute_list_identity_partial)
{
	static const uint8_t rsp[] = {
		0x83, 0x00, 0x00, 0x00, 0x04, 0x00,
		0x07, 0x00, 0x14, 0x00,		    /* 7: not supported */
		0x08, 0x00, 0x00, 0x00, 0x03,	    /* 8 state */
		0x06, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, /* 6 */
		0x0c, 0x00, 0x00, 0x00, 0x02, 0x65, 0x6e, /* 12: stop */
	};
	static const uint8_t state_rsp[] = {
		0x83, 0x00, 0x00, 0x00, 0x01, 0x00,
		0x08, 0x00, 0x00, 0x00, 0x03,	    /* 8 state only */
	};
	uint8_t b[512];
	size_t n;

	n = rr(b, 0, 5, gal_id_req, sizeof(gal_id_req));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	n = rr(b, 0, 5, rsp, sizeof(rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	ck_assert_uint_eq(R.n_ident, 1);
	ck_assert_str_eq(R.ident[0].serial, "0x04030201");
	ck_assert_str_eq(R.ident[0].product, "");
	ck_assert_uint_eq(R.ident[0].vendor_id, 0);
	n = rr(b, 0, 6, gal_id_req, sizeof(gal_id_req));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	n = rr(b, 0, 6, state_rsp, sizeof(state_rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	ck_assert_uint_eq(R.n_ident, 1);
	ck_assert_uint_eq(R.n_anomaly, 0);
}
END_TEST

/* fo_req with its connection path routed: backplane port 1, slot 0. */
static size_t
fo_routed(uint8_t *o)
{
	static const uint8_t path[] = {
		0x03, 0x01, 0x00, 0x20, 0x02, 0x24, 0x01,
	};

	memcpy(o, fo_req, FO_TRANSPORT + 1);
	memcpy(o + FO_TRANSPORT + 1, path, sizeof(path));
	return FO_TRANSPORT + 1 + sizeof(path);
}

/*
 * Bug: an Identity read sent over a class 3 connection whose Forward Open
 * path leads through the backplane (port 1, slot 0) was reported as the
 * identity of the IP, though it describes the module in that slot
 * (enip-cl5000-software-upload-forwardopen.pcap: the 1756-ENBT at
 * 192.168.10.120 answers with the 1756-L61 in slot 0, frames 263/264).
 */
START_TEST(test_identity_over_routed_connection_not_reported)
{
	uint8_t b[512], m[sizeof(fo_req) + 8];
	size_t n;

	n = rr(b, 0, 8, m, fo_routed(m));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	n = rr(b, 0, 8, fo_rsp, sizeof(fo_rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	ck_assert_uint_eq(R.n_op, 2);
	/* Get_Attributes_All and Get_Attribute_List over the connection */
	n = unit(b, 0x00790d01, 1, gaa_id_req, sizeof(gaa_id_req));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	n = unit(b, 0x80fe0018, 1, gaa_id_rsp, sizeof(gaa_id_rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	n = unit(b, 0x00790d01, 2, gal_id_req, sizeof(gal_id_req));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	n = unit(b, 0x80fe0018, 2, gal_id_rsp, sizeof(gal_id_rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	/* the operations are still reported, paired */
	ck_assert_uint_eq(R.n_op, 6);
	check_op(3, OBS_P_CIP, OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT,
	    0x01, 0, "Get Attributes All");
	check_op(5, OBS_P_CIP, OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT,
	    0x03, 0, "Get Attribute List");
	ck_assert_uint_eq(R.n_ident, 0);
	ck_assert_uint_eq(R.n_anomaly, 0);
}
END_TEST

/* The same reads over a connection to the target's own Message Router. */
START_TEST(test_identity_over_direct_connection_reported)
{
	uint8_t b[512];
	size_t n;

	n = rr(b, 0, 8, fo_req, sizeof(fo_req));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	n = rr(b, 0, 8, fo_rsp, sizeof(fo_rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	n = unit(b, 0x00790d01, 1, gaa_id_req, sizeof(gaa_id_req));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	n = unit(b, 0x80fe0018, 1, gaa_id_rsp, sizeof(gaa_id_rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	ck_assert_uint_eq(R.n_ident, 1);
	ck_assert_str_eq(R.ident[0].product, "1756-L61/B LOGIX5561");
	ck_assert_int_eq(R.ident[0].side, OBS_SIDE_SERVER);
}
END_TEST

/* fo_req inside an Unconnected Send routed to backplane slot 2. */
static size_t
fo_in_ucs(uint8_t *m)
{
	static const uint8_t ucs_head[] = {
		0x52, 0x02, 0x20, 0x06, 0x24, 0x01, 0x0a, 0xf0,
	};
	size_t k;

	memcpy(m, ucs_head, sizeof(ucs_head));
	k = sizeof(ucs_head);
	m[k++] = (uint8_t)sizeof(fo_req);
	m[k++] = 0;
	memcpy(m + k, fo_req, sizeof(fo_req));
	k += sizeof(fo_req);
	if (sizeof(fo_req) % 2)
		m[k++] = 0; /* pad */
	m[k++] = 0x01; /* route path: 1 word, reserved */
	m[k++] = 0x00;
	m[k++] = 0x01; /* port 1, slot 2 */
	m[k++] = 0x02;
	return k;
}

/* A Forward Open sent through an Unconnected Send is routed as a whole. */
START_TEST(test_identity_over_connection_opened_by_ucs_not_reported)
{
	uint8_t b[512], m[128];
	size_t n;

	n = rr(b, 0, 8, m, fo_in_ucs(m));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	check_op(0, OBS_P_CIP, OBS_C_SESSION, 0, OBS_SIDE_CLIENT, 0x54, 0,
	    "Forward Open");
	n = rr(b, 0, 8, fo_rsp, sizeof(fo_rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	n = unit(b, 0x00790d01, 1, gaa_id_req, sizeof(gaa_id_req));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	n = unit(b, 0x80fe0018, 1, gaa_id_rsp, sizeof(gaa_id_rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	ck_assert_uint_eq(R.n_op, 4);
	ck_assert_uint_eq(R.n_ident, 0);
}
END_TEST

/*
 * n bytes of one direction in one parse() call (split 0), or in two:
 * the first k bytes, then the rest.
 */
static void
feed_split(int dir, const uint8_t *b, size_t n, size_t k, int split)
{
	if (split) {
		ck_assert_int_eq(feed(dir, b, k), DIS_OK);
		ck_assert_int_eq(feed(dir, b + k, n - k), DIS_OK);
	} else {
		ck_assert_int_eq(feed(dir, b, n), DIS_OK);
	}
}

/*
 * Bug: a SendUnitData on a connection routed beyond the target, followed
 * in the same segment by a SendRRData, passed its "routed" mark on to the
 * SendRRData (the mark was not reset per PDU): the unconnected
 * Get_Attributes_All of the server's own Identity was taken for routed
 * and its reply not reported, while the same bytes in two segments were.
 * The observations must not depend on the segmentation.
 */
static void
routed_unit_then_rr(int split)
{
	uint8_t b[1024], m[128];
	size_t n, k;

	n = rr(b, 0, 8, m, fo_in_ucs(m));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	n = rr(b, 0, 8, fo_rsp, sizeof(fo_rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	ck_assert_uint_eq(R.n_op, 2);
	ck_assert_uint_eq(R.n_ident, 0);
	/* Read Tag on the routed connection, then GAA of the Identity. */
	k = unit(b, 0x00790d01, 1, rt_req, sizeof(rt_req));
	n = k + rr(b + k, 0, 9, gaa_id_req, sizeof(gaa_id_req));
	feed_split(DIS_C2S, b, n, k, split);
	/* Their replies, in the same order. */
	k = unit(b, 0x80fe0018, 1, rt_rsp, sizeof(rt_rsp));
	n = k + rr(b + k, 0, 9, gaa_id_rsp, sizeof(gaa_id_rsp));
	feed_split(DIS_S2C, b, n, k, split);
	ck_assert_uint_eq(R.n_op, 6);
	check_op(0, OBS_P_CIP, OBS_C_SESSION, 0, OBS_SIDE_CLIENT, 0x54, 0,
	    "Forward Open");
	check_op(1, OBS_P_CIP, OBS_C_SESSION, OBS_OP_RESPONSE,
	    OBS_SIDE_CLIENT, 0x54, 0, "Forward Open");
	check_op(2, OBS_P_CIP, OBS_C_READ, 0, OBS_SIDE_CLIENT, 0x4c, 0,
	    "Read Tag");
	check_op(3, OBS_P_CIP, OBS_C_READ, 0, OBS_SIDE_CLIENT, 0x01, 0,
	    "Get Attributes All");
	ck_assert_uint_eq(R.op[3].unit, 1);
	check_op(4, OBS_P_CIP, OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT,
	    0x4c, 0, "Read Tag");
	check_op(5, OBS_P_CIP, OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT,
	    0x01, 0, "Get Attributes All");
	/* The unconnected read went to the server itself: its identity. */
	ck_assert_uint_eq(R.n_ident, 1);
	ck_assert_int_eq(R.ident[0].side, OBS_SIDE_SERVER);
	ck_assert_int_eq(R.ident[0].proto, OBS_P_ENIP);
	ck_assert_uint_eq(R.ident[0].vendor_id, 1);
	ck_assert_str_eq(R.ident[0].vendor,
	    "Rockwell Automation/Allen-Bradley");
	ck_assert_uint_eq(R.ident[0].device_type, 14);
	ck_assert_uint_eq(R.ident[0].product_code, 54);
	ck_assert_str_eq(R.ident[0].firmware, "20.11");
	ck_assert_str_eq(R.ident[0].serial, "0xdeadbeef");
	ck_assert_str_eq(R.ident[0].product, "1756-L61/B LOGIX5561");
	ck_assert_uint_eq(R.n_anomaly, 0);
}

START_TEST(test_routed_unit_then_rr_one_segment)
{
	routed_unit_then_rr(0);
}
END_TEST

START_TEST(test_routed_unit_then_rr_two_segments)
{
	routed_unit_then_rr(1);
}
END_TEST

/* --- connected messaging, tags --------------------------------------- */

START_TEST(test_connected_read_tag_by_sequence)
{
	uint8_t b[512];
	size_t n;

	n = unit(b, 0x00790d01, 7, rt_req, sizeof(rt_req));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	ck_assert_uint_eq(R.n_op, 1);
	check_op(0, OBS_P_CIP, OBS_C_READ, 0, OBS_SIDE_CLIENT, 0x4c, 0,
	    "Read Tag");
	ck_assert_uint_eq(R.op[0].unit, 0); /* symbolic: no class */
	/* A reply with another sequence count is not this request's. */
	n = unit(b, 0x80fe0018, 8, rt_rsp, sizeof(rt_rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	ck_assert_uint_eq(R.n_op, 2);
	ck_assert_int_eq(R.op[1].flags, OBS_OP_RESPONSE);
	ck_assert_uint_eq(R.op[1].code, 0x4c);
	/* The right one pairs. */
	n = unit(b, 0x80fe0018, 7, rt_rsp, sizeof(rt_rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	check_op(2, OBS_P_CIP, OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT,
	    0x4c, 0, "Read Tag");
}
END_TEST

START_TEST(test_tag_services)
{
	/* Write Tag "Flag" (even length: no pad), BOOL 1. */
	static const uint8_t wt[] = {0x4d, 0x03, 0x91, 0x04, 'F', 'l', 'a',
	    'g', 0xc1, 0x00, 0x01, 0x00, 0x01};
	/* Read Modify Write Tag "Flag": 0x4E on a tag is a write. */
	static const uint8_t rmw[] = {0x4e, 0x03, 0x91, 0x04, 'F', 'l', 'a',
	    'g', 0x01, 0x00, 0x01, 0xff};
	/* Read Tag Fragmented "Counter": 0x52 on a tag is a read. */
	static const uint8_t rtf[] = {0x52, 0x05, 0x91, 0x07, 'C', 'o', 'u',
	    'n', 't', 'e', 'r', 0x00, 0x01, 0x00, 0, 0, 0, 0};
	/* ... its reply: 0x06 partial transfer, more to come. */
	static const uint8_t rtf_rsp[] = {0xd2, 0x00, 0x06, 0x00, 0xc4,
	    0x00, 0x01, 0x00, 0x00, 0x00};
	/* Write Tag Fragmented. */
	static const uint8_t wtf[] = {0x53, 0x03, 0x91, 0x04, 'F', 'l', 'a',
	    'g', 0xc1, 0x00, 0x01, 0x00, 0, 0, 0, 0, 0x01};
	/* Get Instance Attribute List on the Symbol class 0x6B. */
	static const uint8_t gial[] = {0x55, 0x02, 0x20, 0x6b, 0x24, 0x00,
	    0x01, 0x00, 0x01, 0x00};
	uint8_t b[512];
	size_t n;

	n = unit(b, 1, 1, wt, sizeof(wt));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	check_op(0, OBS_P_CIP, OBS_C_WRITE, 0, OBS_SIDE_CLIENT, 0x4d, 0,
	    "Write Tag");
	n = unit(b, 1, 2, rmw, sizeof(rmw));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	check_op(1, OBS_P_CIP, OBS_C_WRITE, 0, OBS_SIDE_CLIENT, 0x4e, 0,
	    "Read Modify Write Tag");
	n = unit(b, 1, 3, rtf, sizeof(rtf));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	check_op(2, OBS_P_CIP, OBS_C_READ, 0, OBS_SIDE_CLIENT, 0x52, 0,
	    "Read Tag Fragmented");
	n = unit(b, 2, 3, rtf_rsp, sizeof(rtf_rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	check_op(3, OBS_P_CIP, OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT,
	    0x52, 0x06, "Read Tag Fragmented");
	n = unit(b, 1, 4, wtf, sizeof(wtf));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	check_op(4, OBS_P_CIP, OBS_C_WRITE, 0, OBS_SIDE_CLIENT, 0x53, 0,
	    "Write Tag Fragmented");
	n = unit(b, 1, 5, gial, sizeof(gial));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	check_op(5, OBS_P_CIP, OBS_C_READ, 0, OBS_SIDE_CLIENT, 0x55, 0,
	    "Get Instance Attribute List");
	ck_assert_uint_eq(R.op[5].unit, 0x6b);
	ck_assert_uint_eq(R.op[5].addr_lo, 0);
	ck_assert_uint_eq(R.n_anomaly, 0);
}
END_TEST

START_TEST(test_service_families)
{
	static const struct {
		uint8_t mr[10];
		size_t n;
		int cls;
		uint32_t code;
		const char *name;
	} t[] = {
		{{0x02, 0x02, 0x20, 0xf5, 0x24, 0x01}, 6, OBS_C_WRITE, 0x02,
		    "Set Attributes All"},
		{{0x04, 0x02, 0x20, 0xf5, 0x24, 0x01}, 6, OBS_C_WRITE, 0x04,
		    "Set Attribute List"},
		{{0x05, 0x02, 0x20, 0x01, 0x24, 0x01}, 6, OBS_C_CONTROL, 0x05,
		    "Reset"},
		{{0x06, 0x02, 0x20, 0x8e, 0x24, 0x01}, 6, OBS_C_CONTROL, 0x06,
		    "Start"},
		{{0x07, 0x02, 0x20, 0x8e, 0x24, 0x01}, 6, OBS_C_CONTROL, 0x07,
		    "Stop"},
		/* File object: program transfer. */
		{{0x4b, 0x02, 0x20, 0x37, 0x24, 0x01}, 6, OBS_C_PROGRAM, 0x4b,
		    "Initiate Upload"},
		{{0x50, 0x02, 0x20, 0x37, 0x24, 0x01}, 6, OBS_C_PROGRAM, 0x50,
		    "Download Transfer"},
		/* 0x4B on a Rockwell class: unknown to us. */
		{{0x4b, 0x02, 0x20, 0x6c, 0x24, 0x01}, 6, OBS_C_OTHER, 0x4b,
		    "unknown"},
		/* Object-specific code on a standard class: unknown. */
		{{0x4c, 0x02, 0x20, 0x01, 0x24, 0x01}, 6, OBS_C_OTHER, 0x4c,
		    "unknown"},
		/* Reserved common code. */
		{{0x30, 0x02, 0x20, 0x01, 0x24, 0x01}, 6, OBS_C_OTHER, 0x30,
		    "unknown"},
		/* 16-bit class and instance. */
		{{0x0e, 0x04, 0x21, 0x00, 0x1a, 0x03, 0x25, 0x00, 0x01, 0x00},
		    10,
		    OBS_C_READ, 0x0e, "Get Attribute Single"},
	};
	uint8_t b[512];
	size_t i, n;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		setup();
		n = rr(b, 0, 1, t[i].mr, t[i].n);
		ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
		ck_assert_uint_eq(R.n_op, 1);
		check_op(0, OBS_P_CIP, t[i].cls, 0, OBS_SIDE_CLIENT, t[i].code,
		    0, t[i].name);
	}
	ck_assert_uint_eq(R.op[0].unit, 0x031a);
}
END_TEST

START_TEST(test_execute_pccc)
{
	/* Execute PCCC to class 0x67: requestor id (7 bytes: length,
	 * vendor 77, serial), then CMD STS TNS FNC. */
	uint8_t mr[] = {0x4b, 0x02, 0x20, 0x67, 0x24, 0x01, 0x07, 0x4d, 0x00,
	    0xe0, 0x31, 0x2b, 0x3d, 0x0f, 0x00, 0x62, 0xc5, 0xaa, 0x02, 0x07,
	    0x89, 0x00, 0x00, 0x01, 0x00};
	static const struct {
		uint8_t cmd, fnc;
		int cls;
	} t[] = {
		{0x0f, 0xaa, OBS_C_WRITE},   {0x0f, 0xa2, OBS_C_READ},
		{0x0f, 0x80, OBS_C_CONTROL}, {0x0f, 0x53, OBS_C_PROGRAM},
		{0x06, 0x03, OBS_C_DISCOVER}, {0x0f, 0xa3, OBS_C_OTHER},
	};
	uint8_t b[512];
	size_t i, n;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		setup();
		mr[13] = t[i].cmd;
		mr[17] = t[i].fnc;
		n = rr(b, 0, 1, mr, sizeof(mr));
		ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
		check_op(0, OBS_P_CIP, t[i].cls, 0, OBS_SIDE_CLIENT, 0x4b, 0,
		    "Execute PCCC");
		ck_assert_uint_eq(R.op[0].unit, 0x67);
	}
}
END_TEST

/* --- stream handling ------------------------------------------------- */

START_TEST(test_truncation_sweep)
{
	uint8_t b[1024];
	size_t n, k, j;
	enum dis_rc rc;

	/* Request and reply of a routed Get_Attributes_All. */
	n = rr(b, 0, 4, ucs_req, sizeof(ucs_req));
	for (k = 0; k < n; k++) {
		setup();
		rc = feed(DIS_C2S, b, k);
		if (k > 0)
			ck_assert_int_eq(rc, DIS_NEED_MORE);
		ck_assert_uint_eq(R.n_op + R.n_ident + R.n_attr, 0);
		ck_assert_uint_eq(R.n_anomaly, 0);
	}
	/* Every prefix of the reply after its request. */
	n = rr(b, 0, 7, gaa_id_rsp, sizeof(gaa_id_rsp));
	for (k = 0; k < n; k++) {
		uint8_t q[512];
		size_t qn = rr(q, 0, 7, gaa_id_req, sizeof(gaa_id_req));

		setup();
		ck_assert_int_eq(feed(DIS_C2S, q, qn), DIS_OK);
		rc = feed(DIS_S2C, b, k);
		if (k > 0)
			ck_assert_int_eq(rc, DIS_NEED_MORE);
		ck_assert_uint_eq(R.n_op, 1);
		ck_assert_uint_eq(R.n_ident, 0);
	}
	/* UDP: a datagram cut short is never an identity. */
	for (k = 0; k < sizeof(li_rsp); k++) {
		setup();
		(void)dgram(DIS_C2S, 1, 1136, 44818, li_req, sizeof(li_req));
		(void)dgram(DIS_S2C, 0, 44818, 1136, li_rsp, k);
		ck_assert_uint_eq(R.n_ident, 0);
		for (j = 1; j < R.n_op; j++)
			ck_assert_int_eq(R.op[j].flags & OBS_OP_RESPONSE, 0);
	}
}
END_TEST

START_TEST(test_cip_length_lies)
{
	uint8_t b[512], m[sizeof(ucs_req)];
	size_t n;

	/* CPF item length larger than the encapsulation data. */
	n = rr(b, 0, 1, gaa_id_req, sizeof(gaa_id_req));
	b[24 + 14] = 0x40;
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_MALFORMED);
	ck_assert_uint_eq(R.n_op, 0);
	ck_assert_uint_eq(R.n_anomaly, 1);
	ck_assert_int_eq(R.anomaly[0].proto, OBS_P_ENIP);
	ck_assert_str_eq(R.anomaly[0].what,
	    "CPF item length exceeds encapsulation data");
	/* Unconnected Send whose embedded size exceeds its data. */
	setup();
	memcpy(m, ucs_req, sizeof(m));
	m[8] = 0x60;
	n = rr(b, 0, 1, m, sizeof(m));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_MALFORMED);
	ck_assert_uint_eq(R.n_op, 0);
	ck_assert_uint_eq(R.n_anomaly, 1);
	/* Request path longer than the message. */
	setup();
	memcpy(m, gaa_id_req, sizeof(gaa_id_req));
	m[1] = 9;
	n = rr(b, 0, 1, m, sizeof(gaa_id_req));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_MALFORMED);
	ck_assert_uint_eq(R.n_op, 0);
}
END_TEST

START_TEST(test_oversized_pdu_then_resync)
{
	uint8_t b[1024];
	size_t n;

	/* A valid PDU makes the flow ours. */
	memcpy(b, reg_req, sizeof(reg_req));
	ck_assert_int_eq(feed(DIS_C2S, b, sizeof(reg_req)), DIS_OK);
	/* Length 0xFFFF: beyond 65511, the largest legal. */
	setup();
	memcpy(b, reg_req, sizeof(reg_req));
	n = sizeof(reg_req);
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	b[0] = 0x6f;
	b[2] = 0xff;
	b[3] = 0xff;
	memset(b + 24, 0xee, 40); /* garbage */
	n = 64;
	n += rr(b + n, 0, 1, gaa_id_req, sizeof(gaa_id_req));
	(void)feed(DIS_C2S, b, n);
	ck_assert_uint_ge(R.n_anomaly, 1);
	ck_assert_str_eq(R.anomaly[0].what, "encapsulation length over 65511");
	/* The sensor's loop skipped to the next header: its op is there. */
	ck_assert_uint_eq(R.n_op, 2);
	check_op(1, OBS_P_CIP, OBS_C_READ, 0, OBS_SIDE_CLIENT, 0x01, 0,
	    "Get Attributes All");
}
END_TEST

START_TEST(test_resync_after_loss)
{
	uint8_t b[1024];
	size_t n;
	struct dis_ctx c;
	size_t used;
	enum dis_rc rc;

	ck_assert_int_eq(feed(DIS_C2S, reg_req, sizeof(reg_req)), DIS_OK);
	ck_assert_int_eq(feed(DIS_S2C, reg_rsp, sizeof(reg_rsp)), DIS_OK);
	dissector_enip.resync(ST, DIS_C2S);
	/* The tail of a lost PDU, then a whole one. */
	memset(b, 0x00, 30);
	b[3] = 0x6f; /* looks like a command, but no session/options */
	n = 30 + rr(b + 30, 0, 1, gaa_id_req, sizeof(gaa_id_req));
	memset(&c, 0, sizeof(c));
	c.dir = DIS_C2S;
	c.l4 = 6;
	used = 0;
	rc = dissector_enip.parse(ST, &c, b, n, &used, &S);
	ck_assert_int_eq(rc, DIS_MALFORMED);
	ck_assert_uint_eq(used, 30);
	ck_assert_uint_eq(R.n_anomaly, 1);
	used = 0;
	rc = dissector_enip.parse(ST, &c, b + 30, n - 30, &used, &S);
	ck_assert_int_eq(rc, DIS_OK);
	ck_assert_uint_eq(used, n - 30);
	check_op(2, OBS_P_CIP, OBS_C_READ, 0, OBS_SIDE_CLIENT, 0x01, 0,
	    "Get Attributes All");
	/* A header with the wrong session handle is not a boundary. */
	dissector_enip.resync(ST, DIS_C2S);
	n = rr(b, 0, 1, gaa_id_req, sizeof(gaa_id_req));
	b[4] ^= 0xff;
	used = 0;
	rc = dissector_enip.parse(ST, &c, b, n, &used, &S);
	ck_assert_int_eq(rc, DIS_MALFORMED);
	ck_assert_uint_eq(used, n - 23);
	ck_assert_uint_eq(R.n_op, 3);
}
END_TEST

START_TEST(test_two_pdus_one_buffer)
{
	uint8_t b[1024];
	size_t n;
	struct dis_ctx c;
	size_t used = 0;

	n = rr(b, 0, 1, gaa_id_req, sizeof(gaa_id_req));
	n += rr(b + n, 0, 2, gas_name_req, sizeof(gas_name_req));
	memset(&c, 0, sizeof(c));
	c.dir = DIS_C2S;
	c.l4 = 6;
	ck_assert_int_eq(dissector_enip.parse(ST, &c, b, n, &used, &S),
	    DIS_OK);
	ck_assert_uint_eq(used, n);
	ck_assert_uint_eq(R.n_op, 2);
	ck_assert_uint_eq(R.op[0].code, 0x01);
	ck_assert_uint_eq(R.op[1].code, 0x0e);
	/* A whole PDU and half of the next: the half waits. */
	setup();
	used = 0;
	ck_assert_int_eq(dissector_enip.parse(ST, &c, b, n - 5, &used, &S),
	    DIS_NEED_MORE);
	ck_assert_uint_eq(used, n - 5 - (sizeof(gas_name_req) + 40 - 5));
	ck_assert_uint_eq(R.n_op, 1);
}
END_TEST

START_TEST(test_split_across_calls)
{
	uint8_t b[1024], tail[2048];
	size_t n, k, tl, used;
	struct dis_ctx c;
	enum dis_rc rc;

	n = rr(b, 0, 6, msp_req, sizeof(msp_req));
	memset(&c, 0, sizeof(c));
	c.dir = DIS_C2S;
	c.l4 = 6;
	for (k = 1; k < n; k++) {
		setup();
		/* First part: nothing complete. */
		used = 0;
		rc = dissector_enip.parse(ST, &c, b, k, &used, &S);
		ck_assert_int_eq(rc, DIS_NEED_MORE);
		ck_assert_uint_eq(R.n_op, 0);
		/* The sensor keeps the tail and appends the rest. */
		tl = k - used;
		memcpy(tail, b + used, tl);
		memcpy(tail + tl, b + k, n - k);
		tl += n - k;
		used = 0;
		rc = dissector_enip.parse(ST, &c, tail, tl, &used, &S);
		ck_assert_int_eq(rc, DIS_OK);
		ck_assert_uint_eq(used, tl);
		ck_assert_uint_eq(R.n_op, 4);
		ck_assert_uint_eq(R.op[0].code, 0x0a);
	}
}
END_TEST

START_TEST(test_pending_cap)
{
	uint8_t b[512];
	size_t n;
	int i;

	/* 40 unanswered requests with distinct contexts: one anomaly. */
	for (i = 0; i < 40; i++) {
		n = rr(b, 0, (uint8_t)i, gaa_id_req, sizeof(gaa_id_req));
		ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	}
	ck_assert_uint_eq(R.n_op, 40);
	ck_assert_uint_eq(R.n_anomaly, 1);
	ck_assert_str_eq(R.anomaly[0].what, "too many unanswered CIP requests");
	/* The newest still pair; the evicted oldest does not. */
	n = rr(b, 0, 39, gaa_id_rsp, sizeof(gaa_id_rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	check_op(40, OBS_P_CIP, OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT,
	    0x01, 0, "Get Attributes All");
	ck_assert_uint_eq(R.n_ident, 1);
	n = rr(b, 0, 0, gaa_id_rsp, sizeof(gaa_id_rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	ck_assert_uint_eq(R.n_ident, 1); /* unpaired: not an identity */
}
END_TEST

/* --- implicit I/O on UDP 2222 ---------------------------------------- */

/* O->T heartbeat: CPF [sequenced address: conn 0x008e400b, seq]
 * [connected data: 2 bytes, the sequence count only]. */
static const uint8_t io_hb[] = {
	0x02, 0x00,			    /* 2 items */
	0x02, 0x80, 0x08, 0x00,		    /* sequenced address, 8 */
	0x0b, 0x40, 0x8e, 0x00,		    /* connection id */
	0x8f, 0x15, 0x05, 0x00,		    /* encapsulation sequence */
	0xb1, 0x00, 0x02, 0x00, 0x10, 0x00, /* connected data: seq count */
};

/* T->O data: conn 0x004b0603, sequence count + 4 bytes of inputs. */
static const uint8_t io_data[] = {
	0x02, 0x00, 0x02, 0x80, 0x08, 0x00, 0x03, 0x06, 0x4b, 0x00, 0xdb,
	0x94, 0x3f, 0x00, 0xb1, 0x00, 0x06, 0x00, 0x10, 0x00, 0x01, 0x02,
	0x03, 0x04,
};

START_TEST(test_io_heartbeat_roles)
{
	int i;

	/* The adapter speaks first (it is the flow's client here). */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(dgram(DIS_C2S, 0, 2222, 2222, io_data,
				     sizeof(io_data)),
		    DIS_OK);
	ck_assert_uint_eq(R.n_role, 0);
	ck_assert_int_eq(dgram(DIS_S2C, 0, 2222, 2222, io_hb, sizeof(io_hb)),
	    DIS_OK);
	ck_assert_uint_eq(R.n_op, 0); /* I/O is never an operation */
	ck_assert_uint_eq(R.n_attr, 2);
	ck_assert_int_eq(R.attr[0].key, OBS_A_CIP_CONN);
	ck_assert_uint_eq(R.attr[0].num, 0x004b0603);
	ck_assert_int_eq(R.attr[0].side, OBS_SIDE_CLIENT);
	ck_assert_uint_eq(R.attr[1].num, 0x008e400b);
	ck_assert_int_eq(R.attr[1].side, OBS_SIDE_SERVER);
	ck_assert_uint_eq(R.n_role, 2);
	ck_assert_int_eq(R.role[0].side, OBS_SIDE_SERVER);
	ck_assert_int_eq(R.role[0].role, OBS_R_SCANNER);
	ck_assert_int_eq(R.role[1].side, OBS_SIDE_CLIENT);
	ck_assert_int_eq(R.role[1].role, OBS_R_IO_ADAPTER);
	ck_assert_str_eq(obs_role_name(R.role[1].proto, R.role[1].role),
	    "cip-io-adapter");
}
END_TEST

START_TEST(test_io_multicast_and_fallback)
{
	int i;

	/* T->O to a multicast group: the sender is the target. */
	ck_assert_int_eq(dgram(DIS_C2S, 1, 2222, 2222, io_data,
			     sizeof(io_data)),
	    DIS_OK);
	ck_assert_uint_eq(R.n_role, 2);
	ck_assert_int_eq(R.role[0].side, OBS_SIDE_SERVER);
	ck_assert_int_eq(R.role[0].role, OBS_R_SCANNER);
	ck_assert_int_eq(R.role[1].side, OBS_SIDE_CLIENT);
	ck_assert_int_eq(R.role[1].role, OBS_R_IO_ADAPTER);
	/* Both send data: the flow's client is taken as originator. */
	setup();
	for (i = 0; i < 8; i++) {
		(void)dgram(DIS_C2S, 0, 2222, 2222, io_data, sizeof(io_data));
		ck_assert_uint_eq(R.n_role, 0);
		(void)dgram(DIS_S2C, 0, 2222, 2222, io_data, sizeof(io_data));
	}
	ck_assert_uint_eq(R.n_role, 2);
	ck_assert_int_eq(R.role[0].side, OBS_SIDE_CLIENT);
	ck_assert_int_eq(R.role[0].role, OBS_R_SCANNER);
	/* Each connection id once per flow. */
	ck_assert_uint_eq(R.n_attr, 1);
}
END_TEST

START_TEST(test_io_garbage)
{
	static const uint8_t junk[] = {0x05, 0x00, 0x01, 0x02, 0x03};
	uint8_t d[sizeof(io_data)];

	ck_assert_int_eq(dgram(DIS_C2S, 0, 2222, 2222, junk, sizeof(junk)),
	    DIS_NOT_MINE);
	ck_assert_int_eq(dgram(DIS_C2S, 0, 2222, 2222, io_data,
			     sizeof(io_data)),
	    DIS_OK);
	/* A lying item length once the flow is ours: malformed. */
	memcpy(d, io_data, sizeof(d));
	d[16] = 0x30;
	ck_assert_int_eq(dgram(DIS_C2S, 0, 2222, 2222, d, sizeof(d)),
	    DIS_MALFORMED);
	ck_assert_uint_eq(R.n_anomaly, 1);
}
END_TEST

/* --- probe, paths, vendors ------------------------------------------- */

START_TEST(test_probe)
{
	static const uint8_t http[] = "GET / HTTP/1.1\r\n\r\n0123456789";
	uint8_t b[512];
	size_t n;

	ck_assert_int_eq(dissector_enip.probe(reg_req, sizeof(reg_req),
			     DIS_C2S),
	    PROBE_YES);
	ck_assert_int_eq(dissector_enip.probe(li_req, sizeof(li_req), DIS_C2S),
	    PROBE_YES);
	ck_assert_int_eq(dissector_enip.probe(li_rsp, sizeof(li_rsp), DIS_S2C),
	    PROBE_YES);
	ck_assert_int_eq(dissector_enip.probe(io_data, sizeof(io_data),
			     DIS_C2S),
	    PROBE_YES);
	ck_assert_int_eq(dissector_enip.probe(reg_req, 10, DIS_C2S),
	    PROBE_MAYBE);
	n = rr(b, 0, 1, gaa_id_req, sizeof(gaa_id_req));
	ck_assert_int_eq(dissector_enip.probe(b, n, DIS_C2S), PROBE_MAYBE);
	ck_assert_int_eq(dissector_enip.probe(http, sizeof(http) - 1,
			     DIS_C2S),
	    PROBE_NO);
	ck_assert_int_eq(dissector_enip.probe(b, 0, DIS_C2S), PROBE_NO);
	ck_assert_int_eq(dissector_enip.l4_tcp, 1);
	ck_assert_int_eq(dissector_enip.l4_udp, 1);
	ck_assert_int_eq(dissector_enip.ports[0], 44818);
	ck_assert_int_eq(dissector_enip.ports[1], 2222);
	ck_assert_int_eq(dissector_enip.any_port, 0);
	ck_assert_uint_le(dissector_enip.state_size, 4096);
}
END_TEST

START_TEST(test_epath_segments)
{
	/* 32-bit class, 16-bit instance, 8-bit attribute, member. */
	static const uint8_t p1[] = {0x22, 0x00, 0x78, 0x56, 0x34, 0x12, 0x25,
	    0x00, 0x34, 0x12, 0x30, 0x07, 0x28, 0x02};
	/* Port 2 with an extended (3-byte, padded) link address, then
	 * electronic key, class 4, connection point 0x65. */
	static const uint8_t p2[] = {0x12, 0x03, '1', '.', '2', 0x00, 0x34,
	    0x04, 0x01, 0x00, 0x0c, 0x00, 0x3a, 0x00, 0x04, 0x03, 0x20, 0x04,
	    0x2c, 0x65};
	/* Two symbols: "Prog" (0x91, even) and "Tag" (0x91, odd, pad),
	 * then an 8-bit element 3. */
	static const uint8_t p3[] = {0x91, 0x04, 'P', 'r', 'o', 'g', 0x91,
	    0x03, 'T', 'a', 'g', 0x00, 0x28, 0x03};
	/* Reserved logical format and a truncated 16-bit segment. */
	static const uint8_t bad1[] = {0x23, 0x00};
	static const uint8_t bad2[] = {0x21, 0x00, 0x01};
	struct cip_path p;
	struct cur c;

	c = cur_make(p1, sizeof(p1));
	ck_assert_int_eq(cip_parse_epath(&c, &p), 0);
	ck_assert_uint_eq(p.cls, 0x12345678);
	ck_assert_uint_eq(p.inst, 0x1234);
	ck_assert_uint_eq(p.attr, 7);
	ck_assert_uint_eq(p.member, 2);
	ck_assert_int_eq(p.has, CIP_HAS_CLASS | CIP_HAS_INST | CIP_HAS_ATTR |
		CIP_HAS_MEMBER);
	c = cur_make(p2, sizeof(p2));
	ck_assert_int_eq(cip_parse_epath(&c, &p), 0);
	ck_assert_int_eq(p.port, 2);
	ck_assert_uint_eq(p.cls, 4);
	ck_assert_uint_eq(p.connpt, 0x65);
	c = cur_make(p3, sizeof(p3));
	ck_assert_int_eq(cip_parse_epath(&c, &p), 0);
	ck_assert_str_eq(p.symbol, "Prog.Tag");
	ck_assert_uint_eq(p.member, 3);
	c = cur_make(bad1, sizeof(bad1));
	ck_assert_int_eq(cip_parse_epath(&c, &p), -1);
	c = cur_make(bad2, sizeof(bad2));
	ck_assert_int_eq(cip_parse_epath(&c, &p), -1);
}
END_TEST

START_TEST(test_vendor_table)
{
	ck_assert_str_eq(cip_vendor_name(1),
	    "Rockwell Automation/Allen-Bradley");
	ck_assert_str_eq(cip_vendor_name(243), "Schneider Automation");
	ck_assert_str_eq(cip_vendor_name(283), "Hilscher");
	ck_assert_str_eq(cip_vendor_name(309), "ProSoft Technology");
	ck_assert_str_eq(cip_vendor_name(1225), "Rosemount (Emerson)");
	ck_assert_ptr_null(cip_vendor_name(0));
	ck_assert_ptr_null(cip_vendor_name(6));
	ck_assert_ptr_null(cip_vendor_name(65535));
}
END_TEST

/* --- fast paths: same observations as the general ones --------------- */

/* Read Tag Fragmented "T" ([0x52][2 words][0x91 1 'T' pad]) and its
 * partial-transfer (0x06) reply, for the pending-table tests */
static const uint8_t rtf_req[] = {0x52, 0x02, 0x91, 0x01, 'T', 0x00, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x00};
static const uint8_t rtf_rsp[] = {0xd2, 0x00, 0x06, 0x00, 0xc4, 0x00, 0x2a,
    0x00};

/*
 * Eviction takes the oldest request, not the lowest slot: 32 unanswered
 * requests (contexts 0..31), contexts 0 and 5 answered, three more
 * requests (32 and 33 fill the freed slots, 34 evicts context 1, the
 * oldest, although 32 sits in a lower slot).  A partial-transfer status
 * (0x06) on a paired Read Tag Fragmented is no exception; unpaired, it
 * is one.
 */
START_TEST(test_pending_eviction_order)
{
	static const struct {
		uint8_t ctx;
		int flags;
	} replies[] = {
		{1, OBS_OP_RESPONSE | OBS_OP_EXCEPTION}, /* evicted */
		{32, OBS_OP_RESPONSE},
		{33, OBS_OP_RESPONSE},
		{34, OBS_OP_RESPONSE},
		{2, OBS_OP_RESPONSE},
		{34, OBS_OP_RESPONSE | OBS_OP_EXCEPTION}, /* answered already */
	};
	uint8_t b[512];
	size_t n, k, i;

	for (i = 0; i < 32; i++) {
		n = rr(b, 0, (uint8_t)i, rtf_req, sizeof(rtf_req));
		ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	}
	ck_assert_uint_eq(R.n_anomaly, 0);
	n = rr(b, 0, 0, rtf_rsp, sizeof(rtf_rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	n = rr(b, 0, 5, rtf_rsp, sizeof(rtf_rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	check_op(32, OBS_P_CIP, OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT,
	    0x52, 6, "Read Tag Fragmented");
	check_op(33, OBS_P_CIP, OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT,
	    0x52, 6, "Read Tag Fragmented");
	for (i = 32; i <= 34; i++) {
		n = rr(b, 0, (uint8_t)i, rtf_req, sizeof(rtf_req));
		ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
		/* 32 and 33 took the freed slots; 34 evicted. */
		ck_assert_uint_eq(R.n_anomaly, i == 34 ? 1 : 0);
	}
	k = R.n_op;
	for (i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		n = rr(b, 0, replies[i].ctx, rtf_rsp, sizeof(rtf_rsp));
		ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
		check_op(k + i, OBS_P_CIP, OBS_C_READ, replies[i].flags,
		    OBS_SIDE_CLIENT, 0x52, 6, "Read Tag Fragmented");
	}
	ck_assert_uint_eq(R.n_anomaly, 1);
}
END_TEST

/*
 * Connected requests: the reply to sequence 3 also drops the older
 * sequences 1 and 2 (one request at a time on a class 3 connection), so a
 * late reply to 1 is unpaired; a request sent after 3 still pairs.
 */
START_TEST(test_pending_connected_drops_older)
{
	uint8_t b[512];
	size_t n;
	uint16_t seq;

	for (seq = 1; seq <= 4; seq++) {
		n = unit(b, 0x1234, seq, rtf_req, sizeof(rtf_req));
		ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	}
	n = unit(b, 0x5678, 3, rtf_rsp, sizeof(rtf_rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	check_op(4, OBS_P_CIP, OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT,
	    0x52, 6, "Read Tag Fragmented");
	n = unit(b, 0x5678, 1, rtf_rsp, sizeof(rtf_rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	check_op(5, OBS_P_CIP, OBS_C_READ, OBS_OP_RESPONSE | OBS_OP_EXCEPTION,
	    OBS_SIDE_CLIENT, 0x52, 6, "Read Tag Fragmented");
	n = unit(b, 0x5678, 4, rtf_rsp, sizeof(rtf_rsp));
	ck_assert_int_eq(feed(DIS_S2C, b, n), DIS_OK);
	check_op(6, OBS_P_CIP, OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT,
	    0x52, 6, "Read Tag Fragmented");
}
END_TEST

/* Every command code of a bare request: the name and class it gets. */
START_TEST(test_command_table)
{
	static const struct {
		uint16_t cmd;
		int cls;
		const char *name;
	} known[] = {
		{0x0000, OBS_C_OTHER, "NOP"},
		{0x0004, OBS_C_DISCOVER, "List Services"},
		{0x0063, OBS_C_DISCOVER, "List Identity"},
		{0x0064, OBS_C_DISCOVER, "List Interfaces"},
		{0x0065, OBS_C_SESSION, "Register Session"},
		{0x0066, OBS_C_SESSION, "Unregister Session"},
		{0x006f, OBS_C_OTHER, "Send RR Data"},
		{0x0070, OBS_C_OTHER, "Send Unit Data"},
		{0x0072, OBS_C_OTHER, "Indicate Status"},
		{0x0073, OBS_C_OTHER, "Cancel"},
	};
	uint8_t b[64];
	unsigned cmd, i;
	size_t n;
	enum dis_rc rc;

	for (cmd = 0; cmd < 0x200; cmd++) {
		setup();
		n = encap(b, (uint16_t)cmd, 0, 0, 0, NULL, 0);
		rc = feed(DIS_C2S, b, n);
		if (cmd > 0xff) {
			/* Not a command we trust to frame a stream. */
			ck_assert_int_eq(rc, DIS_NOT_MINE);
			ck_assert_uint_eq(R.n_op, 0);
			continue;
		}
		if (cmd == 0x006f || cmd == 0x0070) {
			/* No CPF at all: malformed, no operation. */
			ck_assert_int_eq(rc, DIS_MALFORMED);
			ck_assert_uint_eq(R.n_op, 0);
			continue;
		}
		ck_assert_int_eq(rc, DIS_OK);
		ck_assert_uint_eq(R.n_op, 1);
		ck_assert_uint_eq(R.op[0].code, cmd);
		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (known[i].cmd == cmd)
				break;
		if (i < sizeof(known) / sizeof(known[0])) {
			ck_assert_int_eq(R.op[0].cls, known[i].cls);
			ck_assert_str_eq(R.op[0].name, known[i].name);
		} else {
			ck_assert_int_eq(R.op[0].cls, OBS_C_OTHER);
			ck_assert_str_eq(R.op[0].name, "unknown");
		}
	}
}
END_TEST

/*
 * CPF shapes besides the usual two items: swapped items, a third item,
 * the data item beyond the eighth (not looked at: no CIP), a data item
 * longer than the encapsulation data (malformed).
 */
START_TEST(test_cpf_shapes)
{
	uint8_t d[256], b[512];
	size_t n, k, i;

	/* [handle][timeout][2 items: unconnected data (rt_req), null] */
	memset(d, 0, sizeof(d));
	d[6] = 2;
	d[8] = 0xb2;
	d[10] = sizeof(rt_req);
	memcpy(d + 12, rt_req, sizeof(rt_req));
	k = 12 + sizeof(rt_req) + 4; /* null address item: zeros */
	n = encap(b, 0x006f, SESSION, 0, 7, d, k);
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	check_op(0, OBS_P_CIP, OBS_C_READ, 0, OBS_SIDE_CLIENT, 0x4c, 0,
	    "Read Tag");
	/* Three items: null address, a socket item, the data. */
	memset(d, 0, sizeof(d));
	d[6] = 3;
	d[12] = 0x00;
	d[13] = 0x80; /* 0x8000, 16 bytes */
	d[14] = 16;
	d[32] = 0xb2;
	d[34] = sizeof(rt_req);
	memcpy(d + 36, rt_req, sizeof(rt_req));
	n = encap(b, 0x006f, SESSION, 0, 8, d, 36 + sizeof(rt_req));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	check_op(1, OBS_P_CIP, OBS_C_READ, 0, OBS_SIDE_CLIENT, 0x4c, 0,
	    "Read Tag");
	/* Nine items, the data ninth: only eight are looked at. */
	memset(d, 0, sizeof(d));
	d[6] = 9;
	for (i = 0; i < 8; i++)
		d[8 + 4 * i] = 0x01; /* 8 empty items of type 1 */
	d[40] = 0xb2;
	d[42] = sizeof(rt_req);
	memcpy(d + 44, rt_req, sizeof(rt_req));
	n = encap(b, 0x006f, SESSION, 0, 9, d, 44 + sizeof(rt_req));
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_OK);
	check_op(2, OBS_P_ENIP, OBS_C_OTHER, 0, OBS_SIDE_CLIENT, 0x006f, 0,
	    "Send RR Data");
	/* The usual two items, the data item one byte too long. */
	n = rr(b, 0, 10, rt_req, sizeof(rt_req));
	b[24 + 14] = (uint8_t)(sizeof(rt_req) + 1);
	ck_assert_int_eq(feed(DIS_C2S, b, n), DIS_MALFORMED);
	ck_assert_uint_eq(R.n_op, 3);
	ck_assert_uint_eq(R.n_anomaly, 1);
	ck_assert_str_eq(R.anomaly[0].what,
	    "CPF item length exceeds encapsulation data");
}
END_TEST

/* Per-direction tail, as the sensor keeps it between calls. */
static uint8_t tail_buf[2][4096];
static size_t tail_len[2];

static void
stream(int dir, const uint8_t *b, size_t n)
{
	struct dis_ctx c;
	size_t off = 0, used;
	enum dis_rc rc;

	ck_assert_uint_le(tail_len[dir] + n, sizeof(tail_buf[dir]));
	memcpy(tail_buf[dir] + tail_len[dir], b, n);
	tail_len[dir] += n;
	memset(&c, 0, sizeof(c));
	c.dir = (uint8_t)dir;
	c.l4 = 6;
	while (off < tail_len[dir]) {
		used = 0;
		rc = dissector_enip.parse(ST, &c, tail_buf[dir] + off,
		    tail_len[dir] - off, &used, &S);
		ck_assert_uint_le(used, tail_len[dir] - off);
		off += used;
		if (rc != DIS_OK || used == 0)
			break;
	}
	memmove(tail_buf[dir], tail_buf[dir] + off, tail_len[dir] - off);
	tail_len[dir] -= off;
}

/*
 * A request/reply stream split at every byte gives the observations of
 * the whole stream, in the same order.
 */
START_TEST(test_split_every_byte)
{
	static struct rec whole;
	uint8_t c2s[1024], s2c[1024];
	size_t nc = 0, ns = 0, k, i;

	nc += rr(c2s + nc, 0, 1, rt_req, sizeof(rt_req));
	nc += rr(c2s + nc, 0, 2, gaa_id_req, sizeof(gaa_id_req));
	nc += unit(c2s + nc, 0x1234, 7, rt_req, sizeof(rt_req));
	ns += rr(s2c + ns, 0, 1, rt_rsp, sizeof(rt_rsp));
	ns += rr(s2c + ns, 0, 2, gaa_id_rsp, sizeof(gaa_id_rsp));
	ns += unit(s2c + ns, 0x5678, 7, rt_rsp, sizeof(rt_rsp));
	(void)feed(DIS_C2S, c2s, nc);
	(void)feed(DIS_S2C, s2c, ns);
	ck_assert_uint_eq(R.n_op, 6);
	ck_assert_uint_eq(R.n_ident, 1);
	memcpy(&whole, &R, sizeof(whole));
	for (k = 1; k < nc; k++) {
		setup();
		tail_len[0] = tail_len[1] = 0;
		stream(DIS_C2S, c2s, k);
		stream(DIS_C2S, c2s + k, nc - k);
		stream(DIS_S2C, s2c, k < ns ? k : ns);
		if (k < ns)
			stream(DIS_S2C, s2c + k, ns - k);
		ck_assert_uint_eq(tail_len[0], 0);
		ck_assert_uint_eq(tail_len[1], 0);
		ck_assert_uint_eq(R.n_op, whole.n_op);
		ck_assert_uint_eq(R.n_ident, whole.n_ident);
		ck_assert_uint_eq(R.n_anomaly, 0);
		for (i = 0; i < R.n_op; i++) {
			ck_assert_int_eq(R.op[i].cls, whole.op[i].cls);
			ck_assert_int_eq(R.op[i].flags, whole.op[i].flags);
			ck_assert_uint_eq(R.op[i].code, whole.op[i].code);
			ck_assert_str_eq(R.op[i].name, whole.op[i].name);
		}
	}
}
END_TEST

/*
 * The I/O fast path (roles decided, known connection) must still report
 * a new connection id, and must leave a datagram that holds a whole
 * plausible encapsulation PDU (first item type 0x8002 read as a length:
 * 32770 bytes and more) to the encapsulation parser.
 */
START_TEST(test_io_fast_path_edges)
{
	static uint8_t big[24 + 0x8002];
	uint8_t d[sizeof(io_data)];
	size_t n = sizeof(big);
	int i;

	for (i = 0; i < 8; i++) {
		(void)dgram(DIS_C2S, 0, 2222, 2222, io_data, sizeof(io_data));
		(void)dgram(DIS_S2C, 0, 2222, 2222, io_data, sizeof(io_data));
	}
	ck_assert_uint_eq(R.n_role, 2);
	ck_assert_uint_eq(R.n_attr, 1);
	/* Another connection id on the decided flow: reported once. */
	memcpy(d, io_data, sizeof(d));
	d[6] = 0x99;
	ck_assert_int_eq(dgram(DIS_S2C, 0, 2222, 2222, d, sizeof(d)), DIS_OK);
	ck_assert_int_eq(dgram(DIS_S2C, 0, 2222, 2222, d, sizeof(d)), DIS_OK);
	ck_assert_uint_eq(R.n_attr, 2);
	ck_assert_uint_eq(R.attr[1].num, 0x004b0699);
	ck_assert_int_eq(R.attr[1].side, OBS_SIDE_SERVER);
	/* A usual I/O shape that is also a whole legacy command 2 PDU. */
	memset(big, 0, sizeof(big));
	memcpy(big, io_data, 18);
	big[16] = (uint8_t)(n - 18);
	big[17] = (uint8_t)((n - 18) >> 8);
	ck_assert_int_eq(dgram(DIS_C2S, 0, 2222, 2222, big, n), DIS_OK);
	ck_assert_uint_eq(R.n_op, 1);
	check_op(0, OBS_P_ENIP, OBS_C_OTHER, 0, OBS_SIDE_CLIENT, 2, 0,
	    "unknown");
	/* One byte shorter, it is I/O again (no op). */
	big[16] = (uint8_t)(n - 19);
	big[17] = (uint8_t)((n - 19) >> 8);
	ck_assert_int_eq(dgram(DIS_C2S, 0, 2222, 2222, big, n - 1), DIS_OK);
	ck_assert_uint_eq(R.n_op, 1);
}
END_TEST

/* A small deterministic generator for the path comparison. */
static uint32_t
lcg(uint32_t *x)
{
	*x = *x * 1103515245u + 12345u;
	return *x >> 16;
}

/*
 * cip_parse_epath_nosym() against cip_parse_epath(): the same return,
 * cursor and fields (all but the names), on every path of up to 2 bytes
 * and on random paths built from valid and broken segments.
 */
START_TEST(test_epath_nosym_same)
{
	static const uint8_t segs[][6] = {
		{2, 0x20, 0x01}, {2, 0x24, 0x07}, {2, 0x28, 0x03},
		{2, 0x2c, 0x65}, {2, 0x30, 0x0e}, {2, 0x38, 0x01},
		{4, 0x21, 0x00, 0x34, 0x12}, {4, 0x25, 0x00, 0xff, 0xff},
		{4, 0x31, 0x01, 0x02, 0x03}, {4, 0x91, 0x02, 'a', 'b'},
		{4, 0x91, 0x01, 'x', 0x00}, {2, 0x91, 0x00},
		{3, 0x91, 0x05, 'q'}, {2, 0x01, 0x00}, {1, 0x21},
		{2, 0x23, 0x00}, {2, 0x3c, 0x00}, {4, 0x62, 'a', 'b', 0},
		{2, 0x80, 0x00}, {2, 0x40, 0x01}, {1, 0xe0},
	};
	uint8_t buf[64];
	struct cip_path a, b;
	struct cur ca, cb;
	uint32_t x = 1;
	unsigned i, t, len, nseg, s;
	int ra, rb;

	for (i = 0; i < 65536 + 256 + 1 + 100000; i++) {
		if (i < 1)
			len = 0;
		else if (i < 1 + 256) {
			len = 1;
			buf[0] = (uint8_t)(i - 1);
		} else if (i < 1 + 256 + 65536) {
			len = 2;
			buf[0] = (uint8_t)(i - 257);
			buf[1] = (uint8_t)((i - 257) >> 8);
		} else {
			len = 0;
			nseg = lcg(&x) % 8;
			for (t = 0; t < nseg; t++) {
				s = lcg(&x) % (sizeof(segs) / sizeof(segs[0]));
				if (len + segs[s][0] > sizeof(buf))
					break;
				memcpy(buf + len, segs[s] + 1, segs[s][0]);
				len += segs[s][0];
			}
			if (lcg(&x) % 4 == 0 && len > 0)
				len -= lcg(&x) % len; /* cut short */
		}
		ca = cur_make(buf, len);
		cb = cur_make(buf, len);
		memset(&b, 0xa5, sizeof(b));
		ra = cip_parse_epath(&ca, &a);
		rb = cip_parse_epath_nosym(&cb, &b);
		/* One assertion per path: check's are slow in a loop. */
		if (ra != rb || ca.p != cb.p || ca.left != cb.left ||
		    ca.err != cb.err || a.cls != b.cls || a.inst != b.inst ||
		    a.attr != b.attr || a.member != b.member ||
		    a.connpt != b.connpt || a.has != b.has ||
		    a.nseg != b.nseg || a.port != b.port || a.link != b.link ||
		    b.symbol[0] != 0)
			ck_abort_msg("path %u (%u bytes) parsed differently", i,
			    len);
	}
	/* 64 segments parse; the 65th is one too many. */
	{
		uint8_t many[130];

		for (i = 0; i < 65; i++) {
			many[2 * i] = 0x30;
			many[2 * i + 1] = (uint8_t)i;
		}
		ca = cur_make(many, 128);
		cb = cur_make(many, 128);
		ck_assert_int_eq(cip_parse_epath(&ca, &a), 0);
		ck_assert_int_eq(cip_parse_epath_nosym(&cb, &b), 0);
		ck_assert_uint_eq(b.nseg, 64);
		ck_assert_uint_eq(b.attr, 0);
		ca = cur_make(many, 130);
		cb = cur_make(many, 130);
		ck_assert_int_eq(cip_parse_epath(&ca, &a), -1);
		ck_assert_int_eq(cip_parse_epath_nosym(&cb, &b), -1);
		ck_assert_uint_eq(a.nseg, b.nseg);
		ck_assert_uint_eq(ca.left, cb.left);
	}
}
END_TEST

static Suite *
enip_suite(void)
{
	Suite *s = suite_create("enip");
	TCase *tc;

	tc = tcase_create("encapsulation");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_list_identity_tcp);
	tcase_add_test(tc, test_list_identity_udp_broadcast);
	tcase_add_test(tc, test_register_session);
	tcase_add_test(tc, test_list_services_interfaces);
	tcase_add_test(tc, test_unknown_and_legacy_commands);
	tcase_add_test(tc, test_not_mine);
	tcase_add_test(tc, test_probe);
	suite_add_tcase(s, tc);

	tc = tcase_create("cip");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_get_attributes_all_identity);
	tcase_add_test(tc, test_get_attribute_single_identity_name);
	tcase_add_test(tc, test_exception_paired);
	tcase_add_test(tc, test_pairing_by_sender_context);
	tcase_add_test(tc, test_encapsulation_status_error);
	tcase_add_test(tc, test_send_rr_without_cip);
	tcase_add_test(tc, test_unconnected_send_unwrapped);
	tcase_add_test(tc, test_unconnected_send_route_failure);
	tcase_add_test(tc, test_multiple_service_packet);
	tcase_add_test(tc, test_msp_bad_offset);
	tcase_add_test(tc, test_forward_open_class3);
	tcase_add_test(tc, test_forward_open_io_roles);
	tcase_add_test(tc, test_large_forward_open_and_failure);
	tcase_add_test(tc, test_get_attribute_list_identity);
	tcase_add_test(tc, test_get_attribute_list_identity_partial);
	tcase_add_test(tc, test_identity_over_routed_connection_not_reported);
	tcase_add_test(tc, test_routed_unit_then_rr_one_segment);
	tcase_add_test(tc, test_routed_unit_then_rr_two_segments);
	tcase_add_test(tc, test_identity_over_direct_connection_reported);
	tcase_add_test(tc,
	    test_identity_over_connection_opened_by_ucs_not_reported);
	tcase_add_test(tc, test_connected_read_tag_by_sequence);
	tcase_add_test(tc, test_tag_services);
	tcase_add_test(tc, test_service_families);
	tcase_add_test(tc, test_execute_pccc);
	tcase_add_test(tc, test_epath_segments);
	tcase_add_test(tc, test_vendor_table);
	suite_add_tcase(s, tc);

	tc = tcase_create("fast paths");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_pending_eviction_order);
	tcase_add_test(tc, test_pending_connected_drops_older);
	tcase_add_test(tc, test_command_table);
	tcase_add_test(tc, test_cpf_shapes);
	tcase_add_test(tc, test_split_every_byte);
	tcase_add_test(tc, test_io_fast_path_edges);
	tcase_add_test(tc, test_epath_nosym_same);
	suite_add_tcase(s, tc);

	tc = tcase_create("stream");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_truncation_sweep);
	tcase_add_test(tc, test_cip_length_lies);
	tcase_add_test(tc, test_oversized_pdu_then_resync);
	tcase_add_test(tc, test_resync_after_loss);
	tcase_add_test(tc, test_two_pdus_one_buffer);
	tcase_add_test(tc, test_split_across_calls);
	tcase_add_test(tc, test_pending_cap);
	suite_add_tcase(s, tc);

	tc = tcase_create("io");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_io_heartbeat_roles);
	tcase_add_test(tc, test_io_multicast_and_fallback);
	tcase_add_test(tc, test_io_garbage);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(enip_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

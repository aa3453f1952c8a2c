/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_modbus.c: unit tests of the Modbus/TCP dissector.
 *
 * Agreement with Wireshark (tshark 4.x, fields modbus.func_code,
 * mbtcp.unit_id, modbus.exception_code), with a throwaway driver that
 * reassembles each TCP direction and feeds dissector_modbus the way the
 * sensor does; compared per frame as (frame, function, unit) for
 * requests and responses, and (frame, exception code):
 *
 *   capture                               requests    responses  exceptions
 *   modbus-2017-fc4-fc6-polling           1142/1142   1116/1116  0/0
 *   modbus-and-nfs-on-port502             6/6         6/6        0/0
 *   modbus-digitalbond-fc-mix-mei14       18/18       27/27      14/14
 *   modbus-digitalbond-fc-sweep-0-127     141/141     140/140    130/130
 *   modbus-umas-fc90-modicon              90/90       90/90      0/0
 *
 * 100% in each.  Notes on where we and Wireshark look at things
 * differently without disagreeing on those fields:
 *  - Request or response is decided by port 502, as Wireshark does, so
 *    the mix capture's stream 5 (opened *from* port 502, carrying
 *    exception responses) gives responses whose requester is the flow's
 *    server side.
 *  - The NFS/RPC, TLS, HTTP, DCE/RPC and RDP flows on port 502 fail the
 *    probe (protocol id != 0); so do the servers' echo replies.
 *  - Mix stream 4 (protocol id 0, length 0x8804) fails the probe;
 *    Wireshark waits for 34 KB of reassembly and decodes nothing either.
 *  - Mix frame 111: MBAP length 5 followed by two stray bytes; frame
 *    113 then starts with them: neither tool decodes 113 (we flag a bad
 *    MBAP header and skip to a boundary that checks out).
 *  - The sweep's malformed requests (FC 22 and 23 with 4 data bytes,
 *    which Wireshark marks [Malformed]) are still reported with their
 *    function code, plus a "PDU too short" anomaly.
 *  - UMAS frames 19/20 carry MBAP length 255 (one over the spec): both
 *    decode them; we add an "oversized" anomaly.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../dissectors/dissect.h"
#include "rec_sink.h"

static struct rec R;
static struct obs_sink S;
static void *ST;

static void
setup(void)
{
	S = rec_sink(&R);
	ST = calloc(1, dissector_modbus.state_size);
	ck_assert_ptr_nonnull(ST);
}

static void
teardown(void)
{
	free(ST);
	ST = NULL;
}

/* C2S: client port 49152 -> 502 (requests); S2C: 502 -> 49152. */
static enum dis_rc
feed(int dir, const uint8_t *b, size_t n)
{
	return rec_feed(&dissector_modbus, ST, dir, b, n, &S);
}

/* One parse() call with explicit ports. */
static enum dis_rc
parse1(int dir, uint16_t sport, uint16_t dport, const uint8_t *b, size_t n,
    size_t *used)
{
	struct dis_ctx ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.dir = (uint8_t)dir;
	ctx.l4 = 6;
	ctx.src_port = sport;
	ctx.dst_port = dport;
	*used = 0;
	return dissector_modbus.parse(ST, &ctx, b, n, used, &S);
}

static void
check_op(const struct obs_op *o, int cls, int flags, int requester,
    uint32_t code, uint32_t status, uint32_t unit, uint32_t lo, uint32_t hi,
    const char *name)
{
	ck_assert_int_eq(o->proto, OBS_P_MODBUS);
	ck_assert_int_eq(o->cls, cls);
	ck_assert_int_eq(o->flags, flags);
	ck_assert_int_eq(o->requester, requester);
	ck_assert_uint_eq(o->code, code);
	ck_assert_uint_eq(o->status, status);
	ck_assert_uint_eq(o->unit, unit);
	ck_assert_uint_eq(o->addr_lo, lo);
	ck_assert_uint_eq(o->addr_hi, hi);
	ck_assert_ptr_nonnull(o->name);
	ck_assert_str_eq(o->name, name);
}

/* "no range" as the dissector writes it: lo 1, hi 0 */
#define NO_LO 1
#define NO_HI 0

/* Anomaly reasons, as in modbus.c (the dissector's contract). */
enum {
	AN_BAD_MBAP = 1,
	AN_OVERSIZE,
	AN_SHORT_PDU,
	AN_LONG_PDU,
	AN_QUANTITY,
	AN_ADDR_WRAP,
	AN_BYTE_COUNT,
	AN_COIL_VALUE,
	AN_PENDING_FULL,
	AN_FC_MISMATCH,
	AN_EXC_CODE,
	AN_DEVID,
	AN_FILE_RECORD,
	AN_RESYNC,
};

/* --- frames ------------------------------------------------------------- */

/* FC 3 Read Holding Registers 0x006b..0x006d, unit 0x11 */
static const uint8_t req_fc3[] = {
	0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x11, /* MBAP tid 1 len 6 uid */
	0x03, 0x00, 0x6b, 0x00, 0x03, /* PDU fc 3 addr qty 3 */
};
static const uint8_t rsp_fc3[] = {
	0x00, 0x01, 0x00, 0x00, 0x00, 0x09, 0x11, /* MBAP tid 1 len 9 */
	0x03, 0x06, 0x02, 0x2b, 0x00, 0x00, 0x00, 0x64, /* bc 6, 3 regs */
};
/* FC 3 answer with one register, tid 7 unit 1 */
static const uint8_t rsp_fc3_tid7[] = {
	0x00, 0x07, 0x00, 0x00, 0x00, 0x05, 0x01, 0x03, 0x02, 0x00, 0x00,
};
/* exception 0x83 / 02 Illegal Data Address to the FC 3 above */
static const uint8_t exc_fc3[] = {
	0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x11, /* MBAP len 3 */
	0x83, 0x02,				   /* fc | 0x80, code */
};

/* FC 16 Write Multiple Registers 1..2 (values 0x000a 0x0102), unit 1 */
static const uint8_t req_fc16[] = {
	0x00, 0x07, 0x00, 0x00, 0x00, 0x0b, 0x01, /* MBAP tid 7 len 11 */
	0x10, 0x00, 0x01, 0x00, 0x02, 0x04,	   /* fc addr qty bc */
	0x00, 0x0a, 0x01, 0x02,			   /* values */
};

/* 43/14 Read Device Identification, basic (code 1) from object 0 */
static const uint8_t req_devid[] = {
	0x00, 0x05, 0x00, 0x00, 0x00, 0x05, 0xff, /* MBAP tid 5 len 5 */
	0x2b, 0x0e, 0x01, 0x00,			   /* fc MEI code obj */
};
/* its answer: regular (code 2), conformity 0x82, no more, 7 objects */
static const uint8_t rsp_devid[] = {
	0x00, 0x05, 0x00, 0x00, 0x00, 0x43, 0xff, /* MBAP tid 5 len 67 */
	0x2b, 0x0e, 0x02, 0x82, 0x00, 0x00, 0x07, /* fc MEI code conf more
						     next n */
	0x00, 0x07, 'A', 'c', 'm', 'e', ' ', 'C', 'o',	  /* VendorName */
	0x01, 0x06, 'A', 'B', '-', '1', '2', '3',	  /* ProductCode */
	0x02, 0x05, 'V', '2', '.', '1', '1',		  /* Revision */
	0x03, 0x0b, 'w', 'w', 'w', '.', 'a', 'c', 'm', 'e', '.', 'e',
	'x',						  /* VendorUrl */
	0x04, 0x07, 'P', 'L', 'C', ' ', '9', '0', '0', /* ProductName */
	0x05, 0x04, 'M', '9', '0', '0',			  /* ModelName */
	0x06, 0x05, 'L', 'i', 'n', 'e', '1',		  /* UserAppName */
};

/* 17 Report Server ID exchange from modbus-digitalbond-fc-mix-mei14 */
static const uint8_t req_sid[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x0a, /* MBAP len 2 uid 10 */
	0x11,					   /* fc 17 */
};
static const uint8_t rsp_sid[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x15, 0x0a, /* MBAP len 21 */
	0x11, 0x12,				   /* fc, byte count 18 */
	0x00, 0xff,				   /* server id, run ON */
	'W', 'i', 'n', 'g', 'p', 'a', 't', 'h', ' ', 'L', 'i', 'm', 'i', 't',
	'e', 'd',				   /* additional data */
};

/* --- probe and ownership ------------------------------------------------- */

START_TEST(test_probe_accepts_modbus)
{
	static const uint8_t umas255[] = {
		0x00, 0x07, 0x00, 0x00, 0x00, 0xff, 0x00, 0x5a, /* len 255 */
	};

	ck_assert_int_eq(dissector_modbus.probe(req_fc3, sizeof(req_fc3), 0),
	    PROBE_YES);
	ck_assert_int_eq(dissector_modbus.probe(rsp_fc3, sizeof(rsp_fc3), 1),
	    PROBE_YES);
	ck_assert_int_eq(dissector_modbus.probe(exc_fc3, sizeof(exc_fc3), 1),
	    PROBE_YES);
	/* two PDUs in the first segment */
	{
		uint8_t two[sizeof(req_fc3) * 2];
		memcpy(two, req_fc3, sizeof(req_fc3));
		memcpy(two + sizeof(req_fc3), req_fc3, sizeof(req_fc3));
		ck_assert_int_eq(dissector_modbus.probe(two, sizeof(two), 0),
		    PROBE_YES);
	}
	/* too short to tell, but consistent */
	ck_assert_int_eq(dissector_modbus.probe(req_fc3, 3, 0), PROBE_MAYBE);
	ck_assert_int_eq(dissector_modbus.probe(req_fc3, 7, 0), PROBE_MAYBE);
	ck_assert_int_eq(dissector_modbus.probe(req_fc3, 0, 0), PROBE_MAYBE);
	/* incomplete ADU, and the 255-byte UMAS PDU header alone */
	ck_assert_int_eq(dissector_modbus.probe(req_fc3, 10, 0), PROBE_MAYBE);
	ck_assert_int_eq(dissector_modbus.probe(umas255, sizeof(umas255), 0),
	    PROBE_MAYBE);
}
END_TEST

START_TEST(test_probe_fc0_sweep_is_maybe)
{
	/* FC 0 opens the digitalbond sweep: not a code, still Modbus */
	static const uint8_t fc0[] = {
		0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x01, /* MBAP */
		0x00, 0x00, 0x00, 0x00, 0x00,		   /* fc 0 */
	};
	size_t used;

	ck_assert_int_eq(dissector_modbus.probe(fc0, sizeof(fc0), 0),
	    PROBE_MAYBE);
	ck_assert_int_eq(parse1(DIS_C2S, 2582, 502, fc0, sizeof(fc0), &used),
	    DIS_OK);
	ck_assert_uint_eq(used, sizeof(fc0));
	ck_assert_uint_eq(R.n_op, 1);
	check_op(&R.op[0], OBS_C_OTHER, 0, OBS_SIDE_CLIENT, 0, 0, 1, NO_LO,
	    NO_HI, "unknown");
}
END_TEST

/* First payloads of the non-Modbus flows on port 502 of
 * modbus-and-nfs-on-port502.pcap (and a server's echo). */
static const uint8_t nfs_rpc[] = {
	0x80, 0x00, 0x00, 0x28, 0x7e, 0x86, 0xab, 0x4a, /* RPC record mark */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, /* xid, call */
	0x00, 0x01, 0x86, 0xa3, 0x00, 0x00, 0x00, 0x03, /* NFS v3 */
};
static const uint8_t tls_hello[] = {
	0x16, 0x03, 0x01, 0x00, 0x85, 0x01, 0x00, 0x00, 0x81, 0x03, 0x03,
};
static const uint8_t http_get[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
static const uint8_t dcerpc_bind[] = {
	0x05, 0x00, 0x0b, 0x03, 0x10, 0x00, 0x00, 0x00, 0x48, 0x00,
};
static const uint8_t rdp_cookie[] = {
	0x03, 0x00, 0x00, 0x2b, 0x26, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t echo_reply[] = {
	0x80, 0x00, 0x00, 0x28, 0x00, 0x03, 0xab, 0xca, 0x01,
};
/* mix capture stream 4: protocol id 0, length 0x8804 */
static const uint8_t huge_len[] = {
	0x00, 0x01, 0x00, 0x00, 0x88, 0x04, 0x05, 0x07, 0x08, 0x09, 0x10,
};

START_TEST(test_probe_rejects_other_protocols)
{
	const struct {
		const uint8_t *b;
		size_t n;
	} t[] = {
	    {nfs_rpc, sizeof(nfs_rpc)},
	    {tls_hello, sizeof(tls_hello)},
	    {http_get, sizeof(http_get) - 1},
	    {dcerpc_bind, sizeof(dcerpc_bind)},
	    {rdp_cookie, sizeof(rdp_cookie)},
	    {echo_reply, sizeof(echo_reply)},
	    {huge_len, sizeof(huge_len)},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_int_eq(dissector_modbus.probe(t[i].b, t[i].n, 0),
		    PROBE_NO);
		ck_assert_int_eq(dissector_modbus.probe(t[i].b, t[i].n, 1),
		    PROBE_NO);
	}
	/* three bytes are enough to refuse "GET" */
	ck_assert_int_eq(dissector_modbus.probe(http_get, 3, 0), PROBE_NO);
}
END_TEST

START_TEST(test_parse_not_mine)
{
	const struct {
		const uint8_t *b;
		size_t n;
	} t[] = {
	    {nfs_rpc, sizeof(nfs_rpc)},
	    {tls_hello, sizeof(tls_hello)},
	    {http_get, sizeof(http_get) - 1},
	    {dcerpc_bind, sizeof(dcerpc_bind)},
	    {huge_len, sizeof(huge_len)},
	};
	size_t i, used;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(ST, 0, dissector_modbus.state_size);
		rec_reset(&R);
		ck_assert_int_eq(parse1(DIS_C2S, 40000, 502, t[i].b, t[i].n,
				     &used),
		    DIS_NOT_MINE);
		ck_assert_uint_eq(R.n_op + R.n_role + R.n_anomaly +
			R.n_ident,
		    0);
	}
}
END_TEST

START_TEST(test_garbage_after_modbus_is_malformed_not_not_mine)
{
	size_t used;

	ck_assert_int_eq(feed(DIS_C2S, req_fc3, sizeof(req_fc3)), DIS_OK);
	rec_reset(&R);
	ck_assert_int_eq(parse1(DIS_C2S, 49152, 502, http_get,
			     sizeof(http_get) - 1, &used),
	    DIS_MALFORMED);
	/* skipped up to the last two bytes: they may start a header */
	ck_assert_uint_eq(used, sizeof(http_get) - 1 - 2);
	ck_assert_uint_eq(R.n_op, 0);
	ck_assert_uint_eq(R.n_anomaly, 1);
	ck_assert_int_eq(R.anomaly[0].reason, AN_BAD_MBAP);
	ck_assert_int_eq(R.anomaly[0].proto, OBS_P_MODBUS);
	ck_assert_ptr_nonnull(R.anomaly[0].what);
}
END_TEST

/* --- minimal exchange ---------------------------------------------------- */

START_TEST(test_minimal_request_response)
{
	ck_assert_int_eq(feed(DIS_C2S, req_fc3, sizeof(req_fc3)), DIS_OK);
	ck_assert_uint_eq(R.n_role, 2);
	ck_assert_int_eq(R.role[0].side, OBS_SIDE_CLIENT);
	ck_assert_int_eq(R.role[0].proto, OBS_P_MODBUS);
	ck_assert_int_eq(R.role[0].role, OBS_R_CLIENT);
	ck_assert_int_eq(R.role[1].side, OBS_SIDE_SERVER);
	ck_assert_int_eq(R.role[1].proto, OBS_P_MODBUS);
	ck_assert_int_eq(R.role[1].role, OBS_R_SERVER);
	ck_assert_uint_eq(R.n_op, 1);
	check_op(&R.op[0], OBS_C_READ, 0, OBS_SIDE_CLIENT, 3, 0, 0x11, 0x6b,
	    0x6d, "Read Holding Registers");

	ck_assert_int_eq(feed(DIS_S2C, rsp_fc3, sizeof(rsp_fc3)), DIS_OK);
	ck_assert_uint_eq(R.n_role, 2); /* once per flow */
	ck_assert_uint_eq(R.n_op, 2);
	check_op(&R.op[1], OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT, 3, 0,
	    0x11, 0x6b, 0x6d, "Read Holding Registers");
	ck_assert_uint_eq(R.n_anomaly, 0);
	ck_assert_uint_eq(R.n_ident, 0);

	/* a second exchange reports no new roles */
	ck_assert_int_eq(feed(DIS_C2S, req_fc3, sizeof(req_fc3)), DIS_OK);
	ck_assert_int_eq(feed(DIS_S2C, rsp_fc3, sizeof(rsp_fc3)), DIS_OK);
	ck_assert_uint_eq(R.n_role, 2);
	ck_assert_uint_eq(R.n_op, 4);
	ck_assert_uint_eq(R.n_anomaly, 0);
}
END_TEST

/* --- function families --------------------------------------------------- */

START_TEST(test_read_family)
{
	static const uint8_t b[] = {
		/* FC 1 Read Coils 19 from 0x13, tid 2 uid 1 */
		0x00, 0x02, 0x00, 0x00, 0x00, 0x06, 0x01,
		0x01, 0x00, 0x13, 0x00, 0x13,
		/* FC 2 Read Discrete Inputs 2000 from 0 (the limit) */
		0x00, 0x03, 0x00, 0x00, 0x00, 0x06, 0x01,
		0x02, 0x00, 0x00, 0x07, 0xd0,
		/* FC 4 Read Input Registers 1 at 0xffff (last address) */
		0x00, 0x04, 0x00, 0x00, 0x00, 0x06, 0x01,
		0x04, 0xff, 0xff, 0x00, 0x01,
		/* FC 24 Read FIFO Queue pointer 0x04de */
		0x00, 0x05, 0x00, 0x00, 0x00, 0x04, 0x01,
		0x18, 0x04, 0xde,
		/* FC 20 Read File Record: file 4 records 1..2 */
		0x00, 0x06, 0x00, 0x00, 0x00, 0x0a, 0x01,
		0x14, 0x07, 0x06, 0x00, 0x04, 0x00, 0x01, 0x00, 0x02,
	};

	ck_assert_int_eq(feed(DIS_C2S, b, sizeof(b)), DIS_OK);
	ck_assert_uint_eq(R.n_op, 5);
	check_op(&R.op[0], OBS_C_READ, 0, OBS_SIDE_CLIENT, 1, 0, 1, 0x13,
	    0x25, "Read Coils");
	check_op(&R.op[1], OBS_C_READ, 0, OBS_SIDE_CLIENT, 2, 0, 1, 0, 1999,
	    "Read Discrete Inputs");
	check_op(&R.op[2], OBS_C_READ, 0, OBS_SIDE_CLIENT, 4, 0, 1, 0xffff,
	    0xffff, "Read Input Registers");
	check_op(&R.op[3], OBS_C_READ, 0, OBS_SIDE_CLIENT, 24, 0, 1, 0x4de,
	    0x4de, "Read FIFO Queue");
	check_op(&R.op[4], OBS_C_READ, 0, OBS_SIDE_CLIENT, 20, 0, 1, 1, 2,
	    "Read File Record");
	ck_assert_uint_eq(R.n_anomaly, 0);
}
END_TEST

START_TEST(test_read_quantity_limits)
{
	static const uint8_t b[] = {
		/* FC 3 qty 126 (max 125) */
		0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x01,
		0x03, 0x00, 0x00, 0x00, 0x7e,
	};
	static const uint8_t c[] = {
		/* FC 1 qty 2001 (max 2000) */
		0x00, 0x02, 0x00, 0x00, 0x00, 0x06, 0x01,
		0x01, 0x00, 0x00, 0x07, 0xd1,
	};
	static const uint8_t z[] = {
		/* FC 3 qty 0: no range */
		0x00, 0x03, 0x00, 0x00, 0x00, 0x06, 0x01,
		0x03, 0x00, 0x10, 0x00, 0x00,
	};
	static const uint8_t w[] = {
		/* FC 3 at 0xfff0 qty 0x20: runs past 65535, clipped */
		0x00, 0x04, 0x00, 0x00, 0x00, 0x06, 0x01,
		0x03, 0xff, 0xf0, 0x00, 0x20,
	};

	ck_assert_int_eq(feed(DIS_C2S, b, sizeof(b)), DIS_OK);
	ck_assert_uint_eq(R.n_op, 1);
	check_op(&R.op[0], OBS_C_READ, 0, OBS_SIDE_CLIENT, 3, 0, 1, 0, 125,
	    "Read Holding Registers");
	ck_assert_uint_eq(R.n_anomaly, 1);
	ck_assert_int_eq(R.anomaly[0].reason, AN_QUANTITY);

	ck_assert_int_eq(feed(DIS_C2S, c, sizeof(c)), DIS_OK);
	ck_assert_uint_eq(R.n_anomaly, 2);
	ck_assert_int_eq(R.anomaly[1].reason, AN_QUANTITY);
	check_op(&R.op[1], OBS_C_READ, 0, OBS_SIDE_CLIENT, 1, 0, 1, 0, 2000,
	    "Read Coils");

	ck_assert_int_eq(feed(DIS_C2S, z, sizeof(z)), DIS_OK);
	ck_assert_uint_eq(R.n_anomaly, 3);
	ck_assert_int_eq(R.anomaly[2].reason, AN_QUANTITY);
	check_op(&R.op[2], OBS_C_READ, 0, OBS_SIDE_CLIENT, 3, 0, 1, NO_LO,
	    NO_HI, "Read Holding Registers");

	ck_assert_int_eq(feed(DIS_C2S, w, sizeof(w)), DIS_OK);
	ck_assert_uint_eq(R.n_anomaly, 4);
	ck_assert_int_eq(R.anomaly[3].reason, AN_ADDR_WRAP);
	check_op(&R.op[3], OBS_C_READ, 0, OBS_SIDE_CLIENT, 3, 0, 1, 0xfff0,
	    0xffff, "Read Holding Registers");
}
END_TEST

START_TEST(test_write_family)
{
	static const uint8_t b[] = {
		/* FC 5 Write Single Coil 0xac ON */
		0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x02,
		0x05, 0x00, 0xac, 0xff, 0x00,
		/* FC 6 Write Single Register 1 = 3 */
		0x00, 0x02, 0x00, 0x00, 0x00, 0x06, 0x02,
		0x06, 0x00, 0x01, 0x00, 0x03,
		/* FC 15 Write Multiple Coils 10 from 0x13, bc 2 */
		0x00, 0x03, 0x00, 0x00, 0x00, 0x09, 0x02,
		0x0f, 0x00, 0x13, 0x00, 0x0a, 0x02, 0xcd, 0x01,
		/* FC 22 Mask Write Register 4 */
		0x00, 0x04, 0x00, 0x00, 0x00, 0x08, 0x02,
		0x16, 0x00, 0x04, 0x00, 0xf2, 0x00, 0x25,
		/* FC 23 Read/Write: read 6 from 3, write 3 at 0x0e */
		0x00, 0x05, 0x00, 0x00, 0x00, 0x11, 0x02,
		0x17, 0x00, 0x03, 0x00, 0x06, 0x00, 0x0e, 0x00, 0x03, 0x06,
		0x00, 0xff, 0x00, 0xff, 0x00, 0xff,
		/* FC 21 Write File Record: file 4 record 7, 3 registers */
		0x00, 0x06, 0x00, 0x00, 0x00, 0x10, 0x02,
		0x15, 0x0d, 0x06, 0x00, 0x04, 0x00, 0x07, 0x00, 0x03,
		0x06, 0xaf, 0x04, 0xbe, 0x10, 0x0d,
	};

	ck_assert_int_eq(feed(DIS_C2S, b, sizeof(b)), DIS_OK);
	ck_assert_uint_eq(R.n_op, 6);
	check_op(&R.op[0], OBS_C_WRITE, 0, OBS_SIDE_CLIENT, 5, 0, 2, 0xac,
	    0xac, "Write Single Coil");
	check_op(&R.op[1], OBS_C_WRITE, 0, OBS_SIDE_CLIENT, 6, 0, 2, 1, 1,
	    "Write Single Register");
	check_op(&R.op[2], OBS_C_WRITE, 0, OBS_SIDE_CLIENT, 15, 0, 2, 0x13,
	    0x1c, "Write Multiple Coils");
	check_op(&R.op[3], OBS_C_WRITE, 0, OBS_SIDE_CLIENT, 22, 0, 2, 4, 4,
	    "Mask Write Register");
	check_op(&R.op[4], OBS_C_WRITE, 0, OBS_SIDE_CLIENT, 23, 0, 2, 0x0e,
	    0x10, "Read/Write Multiple Registers");
	check_op(&R.op[5], OBS_C_PROGRAM, 0, OBS_SIDE_CLIENT, 21, 0, 2, 7, 9,
	    "Write File Record");
	ck_assert_uint_eq(R.n_anomaly, 0);

	ck_assert_int_eq(feed(DIS_C2S, req_fc16, sizeof(req_fc16)), DIS_OK);
	check_op(&R.op[6], OBS_C_WRITE, 0, OBS_SIDE_CLIENT, 16, 0, 1, 1, 2,
	    "Write Multiple Registers");
	ck_assert_uint_eq(R.n_anomaly, 0);
}
END_TEST

START_TEST(test_write_validation)
{
	static const uint8_t coil[] = {
		/* FC 5 value 0x1234: neither ON nor OFF */
		0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x02,
		0x05, 0x00, 0xac, 0x12, 0x34,
	};
	static const uint8_t bc[] = {
		/* FC 16 qty 2 but byte count 3 */
		0x00, 0x02, 0x00, 0x00, 0x00, 0x0a, 0x02,
		0x10, 0x00, 0x01, 0x00, 0x02, 0x03, 0x00, 0x0a, 0x01,
	};
	static const uint8_t qty[] = {
		/* FC 16 qty 124 (max 123), bc 0xf8, values cut */
		0x00, 0x03, 0x00, 0x00, 0x00, 0x08, 0x02,
		0x10, 0x00, 0x01, 0x00, 0x7c, 0xf8, 0x00,
	};

	ck_assert_int_eq(feed(DIS_C2S, coil, sizeof(coil)), DIS_OK);
	ck_assert_uint_eq(R.n_anomaly, 1);
	ck_assert_int_eq(R.anomaly[0].reason, AN_COIL_VALUE);
	check_op(&R.op[0], OBS_C_WRITE, 0, OBS_SIDE_CLIENT, 5, 0, 2, 0xac,
	    0xac, "Write Single Coil");

	ck_assert_int_eq(feed(DIS_C2S, bc, sizeof(bc)), DIS_OK);
	ck_assert_uint_eq(R.n_anomaly, 2);
	ck_assert_int_eq(R.anomaly[1].reason, AN_BYTE_COUNT);
	check_op(&R.op[1], OBS_C_WRITE, 0, OBS_SIDE_CLIENT, 16, 0, 2, 1, 2,
	    "Write Multiple Registers");

	ck_assert_int_eq(feed(DIS_C2S, qty, sizeof(qty)), DIS_OK);
	ck_assert_uint_eq(R.n_anomaly, 4);
	ck_assert_int_eq(R.anomaly[2].reason, AN_QUANTITY);
	ck_assert_int_eq(R.anomaly[3].reason, AN_BYTE_COUNT);
	check_op(&R.op[2], OBS_C_WRITE, 0, OBS_SIDE_CLIENT, 16, 0, 2, 1, 124,
	    "Write Multiple Registers");
}
END_TEST

START_TEST(test_diagnostics_and_other)
{
	static const uint8_t b[] = {
		/* FC 8 sub 0 Return Query Data, data a537 */
		0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x0a,
		0x08, 0x00, 0x00, 0xa5, 0x37,
		/* FC 8 sub 4 Force Listen Only Mode */
		0x00, 0x02, 0x00, 0x00, 0x00, 0x06, 0x0a,
		0x08, 0x00, 0x04, 0x00, 0x00,
		/* FC 8 sub 0x0a Clear Counters (from the mix capture) */
		0x00, 0x03, 0x00, 0x00, 0x00, 0x06, 0x0a,
		0x08, 0x00, 0x0a, 0x00, 0x00,
		/* FC 8 sub 0x99: not defined */
		0x00, 0x04, 0x00, 0x00, 0x00, 0x06, 0x0a,
		0x08, 0x00, 0x99, 0x00, 0x00,
		/* FC 7 Read Exception Status */
		0x00, 0x05, 0x00, 0x00, 0x00, 0x02, 0x0a, 0x07,
		/* FC 11 Get Comm Event Counter */
		0x00, 0x06, 0x00, 0x00, 0x00, 0x02, 0x0a, 0x0b,
		/* FC 12 Get Comm Event Log */
		0x00, 0x07, 0x00, 0x00, 0x00, 0x02, 0x0a, 0x0c,
	};

	ck_assert_int_eq(feed(DIS_C2S, b, sizeof(b)), DIS_OK);
	ck_assert_uint_eq(R.n_op, 7);
	check_op(&R.op[0], OBS_C_OTHER, 0, OBS_SIDE_CLIENT, 8, 0, 10, NO_LO,
	    NO_HI, "Diagnostics: Return Query Data");
	check_op(&R.op[1], OBS_C_OTHER, 0, OBS_SIDE_CLIENT, 8, 0, 10, NO_LO,
	    NO_HI, "Diagnostics: Force Listen Only Mode");
	check_op(&R.op[2], OBS_C_OTHER, 0, OBS_SIDE_CLIENT, 8, 0, 10, NO_LO,
	    NO_HI, "Diagnostics: Clear Counters and Diagnostic Register");
	check_op(&R.op[3], OBS_C_OTHER, 0, OBS_SIDE_CLIENT, 8, 0, 10, NO_LO,
	    NO_HI, "Diagnostics");
	check_op(&R.op[4], OBS_C_OTHER, 0, OBS_SIDE_CLIENT, 7, 0, 10, NO_LO,
	    NO_HI, "Read Exception Status");
	check_op(&R.op[5], OBS_C_OTHER, 0, OBS_SIDE_CLIENT, 11, 0, 10, NO_LO,
	    NO_HI, "Get Comm Event Counter");
	check_op(&R.op[6], OBS_C_OTHER, 0, OBS_SIDE_CLIENT, 12, 0, 10, NO_LO,
	    NO_HI, "Get Comm Event Log");
	ck_assert_uint_eq(R.n_anomaly, 0);

	/* the echo of sub 0 pairs with its request */
	{
		static const uint8_t rsp[] = {
			0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x0a,
			0x08, 0x00, 0x00, 0xa5, 0x37,
		};
		ck_assert_int_eq(feed(DIS_S2C, rsp, sizeof(rsp)), DIS_OK);
		check_op(&R.op[7], OBS_C_OTHER, OBS_OP_RESPONSE,
		    OBS_SIDE_CLIENT, 8, 0, 10, NO_LO, NO_HI,
		    "Diagnostics: Return Query Data");
	}
}
END_TEST

START_TEST(test_unknown_and_user_defined_codes)
{
	static const uint8_t b[] = {
		/* FC 65 (user-defined range 65-72) */
		0x00, 0x01, 0x00, 0x00, 0x00, 0x04, 0x01, 0x41, 0x01, 0x02,
		/* FC 105 (user-defined range 100-110) */
		0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x01, 0x69,
		/* FC 41: not assigned */
		0x00, 0x03, 0x00, 0x00, 0x00, 0x02, 0x01, 0x29,
		/* FC 127 */
		0x00, 0x04, 0x00, 0x00, 0x00, 0x02, 0x01, 0x7f,
	};
	static const uint8_t rsp[] = {
		/* FC 41 answered with exception 01 Illegal Function */
		0x00, 0x03, 0x00, 0x00, 0x00, 0x03, 0x01, 0xa9, 0x01,
	};

	ck_assert_int_eq(feed(DIS_C2S, b, sizeof(b)), DIS_OK);
	ck_assert_uint_eq(R.n_op, 4);
	check_op(&R.op[0], OBS_C_OTHER, 0, OBS_SIDE_CLIENT, 65, 0, 1, NO_LO,
	    NO_HI, "user-defined");
	check_op(&R.op[1], OBS_C_OTHER, 0, OBS_SIDE_CLIENT, 105, 0, 1, NO_LO,
	    NO_HI, "user-defined");
	check_op(&R.op[2], OBS_C_OTHER, 0, OBS_SIDE_CLIENT, 41, 0, 1, NO_LO,
	    NO_HI, "unknown");
	check_op(&R.op[3], OBS_C_OTHER, 0, OBS_SIDE_CLIENT, 127, 0, 1, NO_LO,
	    NO_HI, "unknown");
	ck_assert_int_eq(feed(DIS_S2C, rsp, sizeof(rsp)), DIS_OK);
	check_op(&R.op[4], OBS_C_OTHER, OBS_OP_RESPONSE | OBS_OP_EXCEPTION,
	    OBS_SIDE_CLIENT, 41, 1, 1, NO_LO, NO_HI, "unknown");
	ck_assert_uint_eq(R.n_anomaly, 0);
}
END_TEST

START_TEST(test_umas_fc90)
{
	static const uint8_t req[] = {
		/* from modbus-umas-fc90-modicon: READ_ID */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, /* MBAP */
		0x5a, 0x00, 0x02,			   /* 90, key, code */
	};
	static const uint8_t rsp[] = {
		0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00,
		0x5a, 0x00, 0xfe, 0x10,			   /* 0xfe: OK */
	};
	static const uint8_t stop[] = {
		0x00, 0x09, 0x00, 0x00, 0x00, 0x04, 0x00,
		0x5a, 0x01, 0x41,			   /* STOP_PLC */
	};
	static const uint8_t stop_err[] = {
		0x00, 0x09, 0x00, 0x00, 0x00, 0x05, 0x00,
		0x5a, 0x01, 0xfd, 0x03, /* 0xfd: error */
	};
	static const uint8_t odd[] = {
		0x00, 0x0a, 0x00, 0x00, 0x00, 0x04, 0x00,
		0x5a, 0x01, 0x99,			   /* unnamed code */
	};

	ck_assert_int_eq(feed(DIS_C2S, req, sizeof(req)), DIS_OK);
	check_op(&R.op[0], OBS_C_PROGRAM, 0, OBS_SIDE_CLIENT, 90, 0, 0, NO_LO,
	    NO_HI, "UMAS: Read ID");
	ck_assert_int_eq(feed(DIS_S2C, rsp, sizeof(rsp)), DIS_OK);
	check_op(&R.op[1], OBS_C_PROGRAM, OBS_OP_RESPONSE, OBS_SIDE_CLIENT,
	    90, 0, 0, NO_LO, NO_HI, "UMAS: Read ID");
	ck_assert_int_eq(feed(DIS_C2S, stop, sizeof(stop)), DIS_OK);
	check_op(&R.op[2], OBS_C_PROGRAM, 0, OBS_SIDE_CLIENT, 90, 0, 0, NO_LO,
	    NO_HI, "UMAS: Stop PLC");
	ck_assert_int_eq(feed(DIS_S2C, stop_err, sizeof(stop_err)), DIS_OK);
	check_op(&R.op[3], OBS_C_PROGRAM, OBS_OP_RESPONSE | OBS_OP_EXCEPTION,
	    OBS_SIDE_CLIENT, 90, 0xfd, 0, NO_LO, NO_HI, "UMAS: Stop PLC");
	ck_assert_int_eq(feed(DIS_C2S, odd, sizeof(odd)), DIS_OK);
	check_op(&R.op[4], OBS_C_PROGRAM, 0, OBS_SIDE_CLIENT, 90, 0, 0, NO_LO,
	    NO_HI, "UMAS");
	ck_assert_uint_eq(R.n_anomaly, 0);
}
END_TEST

/* --- exceptions and pairing ---------------------------------------------- */

START_TEST(test_exception_paired)
{
	ck_assert_int_eq(feed(DIS_C2S, req_fc3, sizeof(req_fc3)), DIS_OK);
	ck_assert_int_eq(feed(DIS_S2C, exc_fc3, sizeof(exc_fc3)), DIS_OK);
	ck_assert_uint_eq(R.n_op, 2);
	check_op(&R.op[1], OBS_C_READ, OBS_OP_RESPONSE | OBS_OP_EXCEPTION,
	    OBS_SIDE_CLIENT, 3, 2, 0x11, 0x6b, 0x6d, "Read Holding Registers");
	ck_assert_uint_eq(R.n_anomaly, 0);
}
END_TEST

START_TEST(test_exception_unpaired_and_bad_code)
{
	static const uint8_t e[] = {
		/* 0x90 exception 0x0c (not a defined code), tid 9 unit 3 */
		0x00, 0x09, 0x00, 0x00, 0x00, 0x03, 0x03, 0x90, 0x0c,
	};

	ck_assert_int_eq(feed(DIS_S2C, e, sizeof(e)), DIS_OK);
	ck_assert_uint_eq(R.n_op, 1);
	check_op(&R.op[0], OBS_C_WRITE, OBS_OP_RESPONSE | OBS_OP_EXCEPTION,
	    OBS_SIDE_CLIENT, 16, 12, 3, NO_LO, NO_HI,
	    "Write Multiple Registers");
	ck_assert_uint_eq(R.n_anomaly, 1);
	ck_assert_int_eq(R.anomaly[0].reason, AN_EXC_CODE);
	/* roles come from the response too */
	ck_assert_uint_eq(R.n_role, 2);
	ck_assert_int_eq(R.role[0].side, OBS_SIDE_CLIENT);
	ck_assert_int_eq(R.role[0].role, OBS_R_CLIENT);
	ck_assert_int_eq(R.role[1].side, OBS_SIDE_SERVER);
	ck_assert_int_eq(R.role[1].role, OBS_R_SERVER);
}
END_TEST

START_TEST(test_pairing_out_of_order)
{
	static const uint8_t reqs[] = {
		/* tid 0x10: FC 3 100..109 ; tid 0x11: FC 3 200..201 */
		0x00, 0x10, 0x00, 0x00, 0x00, 0x06, 0x01,
		0x03, 0x00, 0x64, 0x00, 0x0a,
		0x00, 0x11, 0x00, 0x00, 0x00, 0x06, 0x01,
		0x03, 0x00, 0xc8, 0x00, 0x02,
	};
	static const uint8_t rsps[] = {
		/* tid 0x11 first: 2 registers */
		0x00, 0x11, 0x00, 0x00, 0x00, 0x07, 0x01,
		0x03, 0x04, 0x00, 0x01, 0x00, 0x02,
		/* tid 0x10: exception 04 */
		0x00, 0x10, 0x00, 0x00, 0x00, 0x03, 0x01, 0x83, 0x04,
	};

	ck_assert_int_eq(feed(DIS_C2S, reqs, sizeof(reqs)), DIS_OK);
	ck_assert_int_eq(feed(DIS_S2C, rsps, sizeof(rsps)), DIS_OK);
	ck_assert_uint_eq(R.n_op, 4);
	check_op(&R.op[2], OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT, 3, 0,
	    1, 200, 201, "Read Holding Registers");
	check_op(&R.op[3], OBS_C_READ, OBS_OP_RESPONSE | OBS_OP_EXCEPTION,
	    OBS_SIDE_CLIENT, 3, 4, 1, 100, 109, "Read Holding Registers");
	ck_assert_uint_eq(R.n_anomaly, 0);
}
END_TEST

START_TEST(test_pairing_needs_unit)
{
	static const uint8_t rsp_other_unit[] = {
		/* same tid 1 as req_fc3 but unit 0x12: not its answer */
		0x00, 0x01, 0x00, 0x00, 0x00, 0x09, 0x12,
		0x03, 0x06, 0x02, 0x2b, 0x00, 0x00, 0x00, 0x64,
	};

	ck_assert_int_eq(feed(DIS_C2S, req_fc3, sizeof(req_fc3)), DIS_OK);
	ck_assert_int_eq(feed(DIS_S2C, rsp_other_unit,
			     sizeof(rsp_other_unit)),
	    DIS_OK);
	/* unpaired: no range, unit of the response */
	check_op(&R.op[1], OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT, 3, 0,
	    0x12, NO_LO, NO_HI, "Read Holding Registers");
	/* the real answer still pairs */
	ck_assert_int_eq(feed(DIS_S2C, rsp_fc3, sizeof(rsp_fc3)), DIS_OK);
	check_op(&R.op[2], OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT, 3, 0,
	    0x11, 0x6b, 0x6d, "Read Holding Registers");
}
END_TEST

START_TEST(test_function_mismatch)
{
	static const uint8_t rsp_fc4[] = {
		/* tid 1 unit 0x11 like req_fc3, but answers FC 4 */
		0x00, 0x01, 0x00, 0x00, 0x00, 0x05, 0x11,
		0x04, 0x02, 0x00, 0x01,
	};

	ck_assert_int_eq(feed(DIS_C2S, req_fc3, sizeof(req_fc3)), DIS_OK);
	ck_assert_int_eq(feed(DIS_S2C, rsp_fc4, sizeof(rsp_fc4)), DIS_OK);
	ck_assert_uint_eq(R.n_anomaly, 1);
	ck_assert_int_eq(R.anomaly[0].reason, AN_FC_MISMATCH);
	check_op(&R.op[1], OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT, 4, 0,
	    0x11, NO_LO, NO_HI, "Read Input Registers");
	/* the request was dropped: its late answer is unpaired */
	ck_assert_int_eq(feed(DIS_S2C, rsp_fc3, sizeof(rsp_fc3)), DIS_OK);
	check_op(&R.op[2], OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT, 3, 0,
	    0x11, NO_LO, NO_HI, "Read Holding Registers");
}
END_TEST

START_TEST(test_pending_overflow_drops_oldest)
{
	uint8_t b[12] = {
		0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x01, /* tid set below */
		0x03, 0x00, 0x00, 0x00, 0x01, /* FC 3 addr = tid */
	};
	uint8_t r[11] = {
		0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x01,
		0x03, 0x02, 0x00, 0x00,
	};
	unsigned i;

	/* 65 unanswered requests: one over the 64-entry table */
	for (i = 0; i < 65; i++) {
		b[1] = (uint8_t)i;
		b[9] = (uint8_t)i;
		ck_assert_int_eq(feed(DIS_C2S, b, sizeof(b)), DIS_OK);
	}
	ck_assert_uint_eq(R.n_op, 65);
	ck_assert_uint_eq(R.n_anomaly, 1);
	ck_assert_int_eq(R.anomaly[0].reason, AN_PENDING_FULL);
	/* tid 0 was dropped: its answer is unpaired */
	r[1] = 0;
	ck_assert_int_eq(feed(DIS_S2C, r, sizeof(r)), DIS_OK);
	check_op(&R.op[65], OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT, 3,
	    0, 1, NO_LO, NO_HI, "Read Holding Registers");
	/* tid 1 and tid 64 are still there */
	r[1] = 1;
	ck_assert_int_eq(feed(DIS_S2C, r, sizeof(r)), DIS_OK);
	check_op(&R.op[66], OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT, 3,
	    0, 1, 1, 1, "Read Holding Registers");
	r[1] = 64;
	ck_assert_int_eq(feed(DIS_S2C, r, sizeof(r)), DIS_OK);
	check_op(&R.op[67], OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT, 3,
	    0, 1, 64, 64, "Read Holding Registers");
	ck_assert_uint_eq(R.n_anomaly, 1);
}
END_TEST

/*
 * The pending table is a set with ages, not a queue by slot: once
 * answers free slots in the middle, new requests fill those holes and
 * a full table still evicts the oldest request, not the lowest slot
 * (the table keeps a bit mask of used slots; this pins the order).
 */
START_TEST(test_pending_eviction_after_holes)
{
	uint8_t b[12] = {
		0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x01, /* tid set below */
		0x03, 0x00, 0x00, 0x00, 0x01, /* FC 3 addr = tid */
	};
	uint8_t r[11] = {
		0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x01,
		0x03, 0x02, 0x00, 0x00,
	};
	static const uint8_t extra[] = {100, 101, 102, 103, 104};
	unsigned i, k = 0;

	/* 64 requests fill the table exactly: no anomaly */
	for (i = 0; i < 64; i++) {
		b[1] = (uint8_t)i;
		b[9] = (uint8_t)i;
		ck_assert_int_eq(feed(DIS_C2S, b, sizeof(b)), DIS_OK);
	}
	ck_assert_uint_eq(R.n_anomaly, 0);
	/* answer tids 10 and 20: two holes in the middle */
	r[1] = 10;
	ck_assert_int_eq(feed(DIS_S2C, r, sizeof(r)), DIS_OK);
	r[1] = 20;
	ck_assert_int_eq(feed(DIS_S2C, r, sizeof(r)), DIS_OK);
	check_op(&R.op[64], OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT, 3,
	    0, 1, 10, 10, "Read Holding Registers");
	check_op(&R.op[65], OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT, 3,
	    0, 1, 20, 20, "Read Holding Registers");
	/* tids 100 and 101 fill the holes; 102 evicts tid 0, the oldest */
	for (k = 0; k < 3; k++) {
		b[1] = extra[k];
		b[9] = extra[k];
		ck_assert_int_eq(feed(DIS_C2S, b, sizeof(b)), DIS_OK);
		ck_assert_uint_eq(R.n_anomaly, k < 2 ? 0 : 1);
	}
	ck_assert_int_eq(R.anomaly[0].reason, AN_PENDING_FULL);
	r[1] = 0;
	ck_assert_int_eq(feed(DIS_S2C, r, sizeof(r)), DIS_OK);
	check_op(&R.op[69], OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT, 3,
	    0, 1, NO_LO, NO_HI, "Read Holding Registers");
	/* tid 1 is paired: a slot frees, so the next overflow is flagged */
	r[1] = 1;
	ck_assert_int_eq(feed(DIS_S2C, r, sizeof(r)), DIS_OK);
	check_op(&R.op[70], OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT, 3,
	    0, 1, 1, 1, "Read Holding Registers");
	/* 103 takes tid 1's slot; 104 evicts tid 2 and is flagged again */
	for (; k < 5; k++) {
		b[1] = extra[k];
		b[9] = extra[k];
		ck_assert_int_eq(feed(DIS_C2S, b, sizeof(b)), DIS_OK);
	}
	ck_assert_uint_eq(R.n_anomaly, 2);
	ck_assert_int_eq(R.anomaly[1].reason, AN_PENDING_FULL);
	r[1] = 2;
	ck_assert_int_eq(feed(DIS_S2C, r, sizeof(r)), DIS_OK);
	check_op(&R.op[73], OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT, 3,
	    0, 1, NO_LO, NO_HI, "Read Holding Registers");
	/* the hole fillers and the newest are all still paired */
	for (i = 0; i < 5; i++) {
		r[1] = extra[i];
		ck_assert_int_eq(feed(DIS_S2C, r, sizeof(r)), DIS_OK);
		check_op(&R.op[74 + i], OBS_C_READ, OBS_OP_RESPONSE,
		    OBS_SIDE_CLIENT, 3, 0, 1, extra[i], extra[i],
		    "Read Holding Registers");
	}
	r[1] = 3;
	ck_assert_int_eq(feed(DIS_S2C, r, sizeof(r)), DIS_OK);
	check_op(&R.op[79], OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT, 3,
	    0, 1, 3, 3, "Read Holding Registers");
	ck_assert_uint_eq(R.n_anomaly, 2);
}
END_TEST

/*
 * Two requests with one tid and unit: a response pairs with the one of
 * its own function even when it is the newer; with none of its function
 * left it takes the oldest, which is then a function mismatch.
 */
START_TEST(test_pending_same_tid_prefers_function)
{
	static const uint8_t reqs[] = {
		0x00, 0x07, 0x00, 0x00, 0x00, 0x06, 0x01, /* tid 7 */
		0x03, 0x00, 0x10, 0x00, 0x01,		  /* FC 3 addr 16 */
		0x00, 0x07, 0x00, 0x00, 0x00, 0x06, 0x01, /* tid 7 */
		0x04, 0x00, 0x20, 0x00, 0x01,		  /* FC 4 addr 32 */
		0x00, 0x07, 0x00, 0x00, 0x00, 0x06, 0x01, /* tid 7 */
		0x03, 0x00, 0x30, 0x00, 0x01,		  /* FC 3 addr 48 */
	};
	static const uint8_t rsp4[] = {
		0x00, 0x07, 0x00, 0x00, 0x00, 0x05, 0x01,
		0x04, 0x02, 0x00, 0x00,
	};

	ck_assert_int_eq(feed(DIS_C2S, reqs, sizeof(reqs)), DIS_OK);
	ck_assert_int_eq(feed(DIS_S2C, rsp4, sizeof(rsp4)), DIS_OK);
	check_op(&R.op[3], OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT, 4, 0,
	    1, 32, 32, "Read Input Registers");
	ck_assert_uint_eq(R.n_anomaly, 0);
	/* no FC 4 left: the oldest FC 3 (addr 16) is taken and dropped */
	ck_assert_int_eq(feed(DIS_S2C, rsp4, sizeof(rsp4)), DIS_OK);
	ck_assert_uint_eq(R.n_anomaly, 1);
	ck_assert_int_eq(R.anomaly[0].reason, AN_FC_MISMATCH);
	check_op(&R.op[4], OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT, 4, 0,
	    1, NO_LO, NO_HI, "Read Input Registers");
	/* the FC 3 at addr 48 is still pending */
	ck_assert_int_eq(feed(DIS_S2C, rsp_fc3_tid7, sizeof(rsp_fc3_tid7)),
	    DIS_OK);
	check_op(&R.op[5], OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT, 3, 0,
	    1, 48, 48, "Read Holding Registers");
	ck_assert_uint_eq(R.n_anomaly, 1);
}
END_TEST

START_TEST(test_same_tid_fifo)
{
	/* the sweep capture uses tid 0 for everything: pair in order */
	static const uint8_t reqs[] = {
		0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x01,
		0x01, 0x00, 0x00, 0x00, 0x08,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x01,
		0x01, 0x00, 0x20, 0x00, 0x01,
	};
	static const uint8_t rsps[] = {
		0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x01, 0x01, 0x01, 0x15,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x01, 0x01, 0x01, 0x01,
	};

	ck_assert_int_eq(feed(DIS_C2S, reqs, sizeof(reqs)), DIS_OK);
	ck_assert_int_eq(feed(DIS_S2C, rsps, sizeof(rsps)), DIS_OK);
	check_op(&R.op[2], OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT, 1, 0,
	    1, 0, 7, "Read Coils");
	check_op(&R.op[3], OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT, 1, 0,
	    1, 0x20, 0x20, "Read Coils");
	ck_assert_uint_eq(R.n_anomaly, 0);
}
END_TEST

START_TEST(test_response_byte_count_checked)
{
	static const uint8_t rsp_short[] = {
		/* FC 3 answer with 2 registers to a request for 3 */
		0x00, 0x01, 0x00, 0x00, 0x00, 0x07, 0x11,
		0x03, 0x04, 0x00, 0x01, 0x00, 0x02,
	};
	static const uint8_t rsp_lying_bc[] = {
		/* byte count 8 but 4 bytes follow */
		0x00, 0x01, 0x00, 0x00, 0x00, 0x07, 0x11,
		0x03, 0x08, 0x00, 0x01, 0x00, 0x02,
	};

	ck_assert_int_eq(feed(DIS_C2S, req_fc3, sizeof(req_fc3)), DIS_OK);
	ck_assert_int_eq(feed(DIS_S2C, rsp_short, sizeof(rsp_short)), DIS_OK);
	ck_assert_uint_eq(R.n_anomaly, 1);
	ck_assert_int_eq(R.anomaly[0].reason, AN_BYTE_COUNT);
	ck_assert_uint_eq(R.n_op, 2);
	ck_assert_int_eq(R.op[1].flags, OBS_OP_RESPONSE);
	ck_assert_int_eq(feed(DIS_S2C, rsp_lying_bc, sizeof(rsp_lying_bc)),
	    DIS_OK);
	ck_assert_uint_eq(R.n_anomaly, 2);
	ck_assert_int_eq(R.anomaly[1].reason, AN_BYTE_COUNT);
}
END_TEST

START_TEST(test_other_response_formats)
{
	static const uint8_t reqs[] = {
		/* 7, 11, 12, 24 at 0x04de, 23 read 2 from 3 / write 1 at 9 */
		0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x01, 0x07,
		0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x01, 0x0b,
		0x00, 0x03, 0x00, 0x00, 0x00, 0x02, 0x01, 0x0c,
		0x00, 0x04, 0x00, 0x00, 0x00, 0x04, 0x01, 0x18, 0x04, 0xde,
		0x00, 0x05, 0x00, 0x00, 0x00, 0x0d, 0x01,
		0x17, 0x00, 0x03, 0x00, 0x02, 0x00, 0x09, 0x00, 0x01, 0x02,
		0x12, 0x34,
		/* 20: file 4 records 1..2 ; 21: file 4 record 7, 1 reg */
		0x00, 0x06, 0x00, 0x00, 0x00, 0x0a, 0x01,
		0x14, 0x07, 0x06, 0x00, 0x04, 0x00, 0x01, 0x00, 0x02,
		0x00, 0x07, 0x00, 0x00, 0x00, 0x0c, 0x01,
		0x15, 0x09, 0x06, 0x00, 0x04, 0x00, 0x07, 0x00, 0x01,
		0xab, 0xcd,
	};
	static const uint8_t good[] = {
		/* 7: status byte */
		0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x01, 0x07, 0x6d,
		/* 11: status, event count */
		0x00, 0x02, 0x00, 0x00, 0x00, 0x06, 0x01,
		0x0b, 0xff, 0xff, 0x01, 0x08,
		/* 12: bc 8, status, events, messages, 2 events */
		0x00, 0x03, 0x00, 0x00, 0x00, 0x0b, 0x01,
		0x0c, 0x08, 0x00, 0x00, 0x01, 0x08, 0x01, 0x21, 0x20, 0x00,
		/* 24: bc 6, count 2, two values */
		0x00, 0x04, 0x00, 0x00, 0x00, 0x0a, 0x01,
		0x18, 0x00, 0x06, 0x00, 0x02, 0x01, 0xb8, 0x12, 0x84,
		/* 23: bc 4, two registers read */
		0x00, 0x05, 0x00, 0x00, 0x00, 0x07, 0x01,
		0x17, 0x04, 0x00, 0xfe, 0x0a, 0xcd,
		/* 20: bc 6, sub-response len 5 ref 6 two registers */
		0x00, 0x06, 0x00, 0x00, 0x00, 0x09, 0x01,
		0x14, 0x06, 0x05, 0x06, 0x0d, 0xfe, 0x00, 0x20,
		/* 21: echo */
		0x00, 0x07, 0x00, 0x00, 0x00, 0x0c, 0x01,
		0x15, 0x09, 0x06, 0x00, 0x04, 0x00, 0x07, 0x00, 0x01,
		0xab, 0xcd,
	};
	static const uint8_t bad[] = {
		/* 24: FIFO count 32 (max 31), byte count wrong */
		0x00, 0x04, 0x00, 0x00, 0x00, 0x07, 0x01,
		0x18, 0x00, 0x06, 0x00, 0x20, 0x00,
		/* 20: sub-response with reference type 7 */
		0x00, 0x06, 0x00, 0x00, 0x00, 0x07, 0x01,
		0x14, 0x04, 0x03, 0x07, 0x00, 0x01,
		/* 12: byte count 2 (< 6) */
		0x00, 0x03, 0x00, 0x00, 0x00, 0x05, 0x01,
		0x0c, 0x02, 0x00, 0x00,
	};
	size_t i;

	ck_assert_int_eq(feed(DIS_C2S, reqs, sizeof(reqs)), DIS_OK);
	ck_assert_uint_eq(R.n_op, 7);
	check_op(&R.op[4], OBS_C_WRITE, 0, OBS_SIDE_CLIENT, 23, 0, 1, 9, 9,
	    "Read/Write Multiple Registers");
	ck_assert_uint_eq(R.n_anomaly, 0);
	ck_assert_int_eq(feed(DIS_S2C, good, sizeof(good)), DIS_OK);
	ck_assert_uint_eq(R.n_op, 14);
	for (i = 7; i < 14; i++) {
		ck_assert_int_eq(R.op[i].flags, OBS_OP_RESPONSE);
		ck_assert_uint_eq(R.op[i].code, R.op[i - 7].code);
		ck_assert_uint_eq(R.op[i].addr_lo, R.op[i - 7].addr_lo);
		ck_assert_uint_eq(R.op[i].addr_hi, R.op[i - 7].addr_hi);
	}
	check_op(&R.op[13], OBS_C_PROGRAM, OBS_OP_RESPONSE, OBS_SIDE_CLIENT,
	    21, 0, 1, 7, 7, "Write File Record");
	ck_assert_uint_eq(R.n_anomaly, 0);

	ck_assert_int_eq(feed(DIS_S2C, bad, sizeof(bad)), DIS_OK);
	ck_assert_uint_eq(R.n_op, 17);
	ck_assert_uint_eq(R.n_anomaly, 4);
	ck_assert_int_eq(R.anomaly[0].reason, AN_QUANTITY);
	ck_assert_int_eq(R.anomaly[1].reason, AN_BYTE_COUNT);
	ck_assert_int_eq(R.anomaly[2].reason, AN_FILE_RECORD);
	ck_assert_int_eq(R.anomaly[3].reason, AN_BYTE_COUNT);
}
END_TEST

/* --- identity ------------------------------------------------------------ */

START_TEST(test_device_identification)
{
	const struct obs_ident *id;

	ck_assert_int_eq(feed(DIS_C2S, req_devid, sizeof(req_devid)), DIS_OK);
	check_op(&R.op[0], OBS_C_DISCOVER, 0, OBS_SIDE_CLIENT, 43, 0, 0xff,
	    NO_LO, NO_HI, "Read Device Identification");
	ck_assert_int_eq(feed(DIS_S2C, rsp_devid, sizeof(rsp_devid)), DIS_OK);
	ck_assert_uint_eq(R.n_anomaly, 0);
	ck_assert_uint_eq(R.n_op, 2);
	check_op(&R.op[1], OBS_C_DISCOVER, OBS_OP_RESPONSE, OBS_SIDE_CLIENT,
	    43, 0, 0xff, NO_LO, NO_HI, "Read Device Identification");
	ck_assert_uint_eq(R.n_ident, 1);
	id = &R.ident[0];
	ck_assert_int_eq(id->side, OBS_SIDE_SERVER);
	ck_assert_int_eq(id->proto, OBS_P_MODBUS);
	ck_assert_str_eq(id->vendor, "Acme Co");
	ck_assert_str_eq(id->product, "AB-123");
	ck_assert_str_eq(id->firmware, "V2.11");
	ck_assert_str_eq(id->url, "www.acme.ex");
	/* ModelName wins over ProductName for the model */
	ck_assert_str_eq(id->model, "M900");
	ck_assert_str_eq(id->name, "Line1");
	ck_assert_str_eq(id->serial, "");
	ck_assert_str_eq(id->hardware, "");
	ck_assert_int_eq(id->truncated, 0);
}
END_TEST

START_TEST(test_device_identification_more_follows)
{
	static const uint8_t rsp1[] = {
		/* basic: objects 0..1, more follows, next object 2 */
		0x00, 0x05, 0x00, 0x00, 0x00, 0x13, 0xff, /* len 19 */
		0x2b, 0x0e, 0x01, 0x01, 0xff, 0x02, 0x03,
		0x00, 0x03, 'A', 'B', 'C',		   /* VendorName */
		0x01, 0x00, /* ProductCode "" */
		0x7f, 0x02, 'x', 'y', /* reserved id */
	};
	static const uint8_t req2[] = {
		0x00, 0x06, 0x00, 0x00, 0x00, 0x05, 0xff,
		0x2b, 0x0e, 0x01, 0x02,
	};
	static const uint8_t rsp2[] = {
		/* object 2 and ProductName 4; no ProductCode on this flow */
		0x00, 0x06, 0x00, 0x00, 0x00, 0x13, 0xff, /* len 19 */
		0x2b, 0x0e, 0x02, 0x02, 0x00, 0x00, 0x02,
		0x02, 0x03, '1', '.', '0',		   /* Revision */
		0x04, 0x04, 'P', 'u', 'm', 'p', /* ProductName */
	};

	ck_assert_int_eq(feed(DIS_C2S, req_devid, sizeof(req_devid)), DIS_OK);
	ck_assert_int_eq(feed(DIS_S2C, rsp1, sizeof(rsp1)), DIS_OK);
	ck_assert_uint_eq(R.n_ident, 1);
	ck_assert_str_eq(R.ident[0].vendor, "ABC");
	ck_assert_str_eq(R.ident[0].product, "");
	ck_assert_int_eq(feed(DIS_C2S, req2, sizeof(req2)), DIS_OK);
	ck_assert_int_eq(feed(DIS_S2C, rsp2, sizeof(rsp2)), DIS_OK);
	ck_assert_uint_eq(R.n_ident, 2);
	ck_assert_int_eq(R.ident[1].side, OBS_SIDE_SERVER);
	ck_assert_str_eq(R.ident[1].vendor, "");
	ck_assert_str_eq(R.ident[1].firmware, "1.0");
	/* ProductName -> product when no ProductCode was given */
	ck_assert_str_eq(R.ident[1].product, "Pump");
	ck_assert_str_eq(R.ident[1].model, "");
	ck_assert_uint_eq(R.n_anomaly, 0);
	ck_assert_uint_eq(R.n_op, 4);
	ck_assert_int_eq(R.op[3].flags, OBS_OP_RESPONSE);
}
END_TEST

START_TEST(test_device_identification_product_name_to_model)
{
	static const uint8_t rsp[] = {
		0x00, 0x05, 0x00, 0x00, 0x00, 0x16, 0xff, /* len 22 */
		0x2b, 0x0e, 0x02, 0x02, 0x00, 0x00, 0x02,
		0x01, 0x05, 'X', '-', '1', '0', '0',	   /* ProductCode */
		0x04, 0x05, 'M', 'i', 'x', 'e', 'r',	   /* ProductName */
	};

	ck_assert_int_eq(feed(DIS_C2S, req_devid, sizeof(req_devid)), DIS_OK);
	ck_assert_int_eq(feed(DIS_S2C, rsp, sizeof(rsp)), DIS_OK);
	ck_assert_uint_eq(R.n_ident, 1);
	ck_assert_str_eq(R.ident[0].product, "X-100");
	ck_assert_str_eq(R.ident[0].model, "Mixer");
}
END_TEST

START_TEST(test_device_identification_malformed)
{
	static const uint8_t rsp[] = {
		/* 2 objects announced, the second's length runs out */
		0x00, 0x05, 0x00, 0x00, 0x00, 0x10, 0xff, /* len 16 */
		0x2b, 0x0e, 0x01, 0x01, 0x00, 0x00, 0x02,
		0x00, 0x03, 'A', 'B', 'C',
		0x01, 0x09, 'Q',
	};
	static const uint8_t mei13[] = {
		0x00, 0x08, 0x00, 0x00, 0x00, 0x05, 0x01,
		0x2b, 0x0d, 0x00, 0x01,			   /* CANopen */
	};
	static const uint8_t mei0[] = {
		/* from the sweep: MEI 0 */
		0x00, 0x09, 0x00, 0x00, 0x00, 0x06, 0x01,
		0x2b, 0x00, 0x00, 0x00, 0x00,
	};

	ck_assert_int_eq(feed(DIS_C2S, req_devid, sizeof(req_devid)), DIS_OK);
	ck_assert_int_eq(feed(DIS_S2C, rsp, sizeof(rsp)), DIS_OK);
	ck_assert_uint_eq(R.n_ident, 0);
	ck_assert_uint_eq(R.n_anomaly, 1);
	ck_assert_int_eq(R.anomaly[0].reason, AN_DEVID);
	check_op(&R.op[1], OBS_C_DISCOVER, OBS_OP_RESPONSE, OBS_SIDE_CLIENT,
	    43, 0, 0xff, NO_LO, NO_HI, "Read Device Identification");

	ck_assert_int_eq(feed(DIS_C2S, mei13, sizeof(mei13)), DIS_OK);
	check_op(&R.op[2], OBS_C_OTHER, 0, OBS_SIDE_CLIENT, 43, 0, 1, NO_LO,
	    NO_HI, "CANopen General Reference");
	ck_assert_int_eq(feed(DIS_C2S, mei0, sizeof(mei0)), DIS_OK);
	check_op(&R.op[3], OBS_C_OTHER, 0, OBS_SIDE_CLIENT, 43, 0, 1, NO_LO,
	    NO_HI, "Encapsulated Interface Transport");
	ck_assert_uint_eq(R.n_anomaly, 1);
}
END_TEST

START_TEST(test_report_server_id)
{
	ck_assert_int_eq(feed(DIS_C2S, req_sid, sizeof(req_sid)), DIS_OK);
	check_op(&R.op[0], OBS_C_DISCOVER, 0, OBS_SIDE_CLIENT, 17, 0, 10,
	    NO_LO, NO_HI, "Report Server ID");
	ck_assert_int_eq(feed(DIS_S2C, rsp_sid, sizeof(rsp_sid)), DIS_OK);
	check_op(&R.op[1], OBS_C_DISCOVER, OBS_OP_RESPONSE, OBS_SIDE_CLIENT,
	    17, 0, 10, NO_LO, NO_HI, "Report Server ID");
	ck_assert_uint_eq(R.n_ident, 1);
	ck_assert_int_eq(R.ident[0].side, OBS_SIDE_SERVER);
	ck_assert_int_eq(R.ident[0].proto, OBS_P_MODBUS);
	ck_assert_str_eq(R.ident[0].product, "Wingpath Limited");
	ck_assert_str_eq(R.ident[0].vendor, "");
	ck_assert_str_eq(R.ident[0].name, "");
	ck_assert_uint_eq(R.n_anomaly, 0);
}
END_TEST

/*
 * Bug: a Modicon M340 (pcaps/modbus-basic.pcap frames 110, 113) answers
 * 43/14 with ProductCode "BMX P34 2020" and then 17 Report Server ID
 * with "BMX P34 2020 V3.10"; the server id text replaced the typed
 * product, and tshark's ProductCode disagreed with otzone's product.
 */
START_TEST(test_report_server_id_after_devid_keeps_product)
{
	static const uint8_t rsp_devid_m340[] = {
		0x00, 0x05, 0x00, 0x00, 0x00, 0x1f, 0xff, /* len 31 */
		0x2b, 0x0e, 0x01, 0x01, 0x00, 0x00, 0x02,
		0x00, 0x07, 'S', 'c', 'h', 'n', 'e', 'i', 'd', /* VendorName */
		0x01, 0x0c, 'B', 'M', 'X', ' ', 'P', '3', '4', ' ', '2', '0',
		'2', '0', /* ProductCode */
	};
	static const uint8_t req_sid_m340[] = {
		0x00, 0x06, 0x00, 0x00, 0x00, 0x02, 0xff, 0x11,
	};
	static const uint8_t rsp_sid_m340[] = {
		/* byte count 20, server id 0x4d, run ON, text */
		0x00, 0x06, 0x00, 0x00, 0x00, 0x17, 0xff, /* len 23 */
		0x11, 0x14, 0x4d, 0xff, 'B', 'M', 'X', ' ', 'P', '3', '4', ' ',
		'2', '0', '2', '0', ' ', 'V', '3', '.', '1', '0',
	};

	ck_assert_int_eq(feed(DIS_C2S, req_devid, sizeof(req_devid)), DIS_OK);
	ck_assert_int_eq(feed(DIS_S2C, rsp_devid_m340,
			     sizeof(rsp_devid_m340)),
	    DIS_OK);
	ck_assert_uint_eq(R.n_ident, 1);
	ck_assert_str_eq(R.ident[0].vendor, "Schneid");
	ck_assert_str_eq(R.ident[0].product, "BMX P34 2020");
	ck_assert_int_eq(feed(DIS_C2S, req_sid_m340, sizeof(req_sid_m340)),
	    DIS_OK);
	ck_assert_int_eq(feed(DIS_S2C, rsp_sid_m340, sizeof(rsp_sid_m340)),
	    DIS_OK);
	/* the response is an operation, but no identity replaces 43/14's */
	ck_assert_uint_eq(R.n_op, 4);
	check_op(&R.op[3], OBS_C_DISCOVER, OBS_OP_RESPONSE, OBS_SIDE_CLIENT,
	    17, 0, 0xff, NO_LO, NO_HI, "Report Server ID");
	ck_assert_uint_eq(R.n_ident, 1);
	ck_assert_uint_eq(R.n_anomaly, 0);
}
END_TEST

/* Given before 43/14, the server id text is the product until then. */
START_TEST(test_report_server_id_before_devid)
{
	ck_assert_int_eq(feed(DIS_C2S, req_sid, sizeof(req_sid)), DIS_OK);
	ck_assert_int_eq(feed(DIS_S2C, rsp_sid, sizeof(rsp_sid)), DIS_OK);
	ck_assert_uint_eq(R.n_ident, 1);
	ck_assert_str_eq(R.ident[0].product, "Wingpath Limited");
	ck_assert_int_eq(feed(DIS_C2S, req_devid, sizeof(req_devid)), DIS_OK);
	ck_assert_int_eq(feed(DIS_S2C, rsp_devid, sizeof(rsp_devid)), DIS_OK);
	ck_assert_uint_eq(R.n_ident, 2);
	ck_assert_str_eq(R.ident[1].product, "AB-123");
}
END_TEST

START_TEST(test_report_server_id_binary_only)
{
	static const uint8_t rsp[] = {
		/* 2-byte id, run ON, binary additional data: no identity */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x0a,
		0x11, 0x05, 0x42, 0x43, 0xff, 0x01, 0x02,
	};

	ck_assert_int_eq(feed(DIS_S2C, rsp, sizeof(rsp)), DIS_OK);
	ck_assert_uint_eq(R.n_ident, 0);
	ck_assert_uint_eq(R.n_op, 1);
	ck_assert_uint_eq(R.n_anomaly, 0);
}
END_TEST

START_TEST(test_identity_from_reversed_flow)
{
	/* the server opened the connection: its replies travel C2S */
	size_t used;

	ck_assert_int_eq(parse1(DIS_S2C, 49152, 502, req_sid, sizeof(req_sid),
			     &used),
	    DIS_OK);
	ck_assert_int_eq(parse1(DIS_C2S, 502, 49152, rsp_sid, sizeof(rsp_sid),
			     &used),
	    DIS_OK);
	ck_assert_uint_eq(R.n_op, 2);
	check_op(&R.op[0], OBS_C_DISCOVER, 0, OBS_SIDE_SERVER, 17, 0, 10,
	    NO_LO, NO_HI, "Report Server ID");
	check_op(&R.op[1], OBS_C_DISCOVER, OBS_OP_RESPONSE, OBS_SIDE_SERVER,
	    17, 0, 10, NO_LO, NO_HI, "Report Server ID");
	ck_assert_uint_eq(R.n_ident, 1);
	ck_assert_int_eq(R.ident[0].side, OBS_SIDE_CLIENT);
	ck_assert_int_eq(R.role[0].side, OBS_SIDE_SERVER);
	ck_assert_int_eq(R.role[0].role, OBS_R_CLIENT);
	ck_assert_int_eq(R.role[1].side, OBS_SIDE_CLIENT);
	ck_assert_int_eq(R.role[1].role, OBS_R_SERVER);
}
END_TEST

START_TEST(test_both_ports_502_uses_direction)
{
	size_t used;

	ck_assert_int_eq(parse1(DIS_C2S, 502, 502, req_fc3, sizeof(req_fc3),
			     &used),
	    DIS_OK);
	ck_assert_int_eq(parse1(DIS_S2C, 502, 502, rsp_fc3, sizeof(rsp_fc3),
			     &used),
	    DIS_OK);
	check_op(&R.op[0], OBS_C_READ, 0, OBS_SIDE_CLIENT, 3, 0, 0x11, 0x6b,
	    0x6d, "Read Holding Registers");
	check_op(&R.op[1], OBS_C_READ, OBS_OP_RESPONSE, OBS_SIDE_CLIENT, 3, 0,
	    0x11, 0x6b, 0x6d, "Read Holding Registers");
}
END_TEST

/* --- framing ------------------------------------------------------------- */

START_TEST(test_two_pdus_in_one_buffer)
{
	uint8_t b[sizeof(req_fc3) + sizeof(req_fc16)];
	size_t used;

	memcpy(b, req_fc3, sizeof(req_fc3));
	memcpy(b + sizeof(req_fc3), req_fc16, sizeof(req_fc16));
	ck_assert_int_eq(parse1(DIS_C2S, 49152, 502, b, sizeof(b), &used),
	    DIS_OK);
	ck_assert_uint_eq(used, sizeof(b));
	ck_assert_uint_eq(R.n_op, 2);
	check_op(&R.op[0], OBS_C_READ, 0, OBS_SIDE_CLIENT, 3, 0, 0x11, 0x6b,
	    0x6d, "Read Holding Registers");
	check_op(&R.op[1], OBS_C_WRITE, 0, OBS_SIDE_CLIENT, 16, 0, 1, 1, 2,
	    "Write Multiple Registers");
}
END_TEST

START_TEST(test_pdu_split_across_calls)
{
	uint8_t tail[256];
	size_t used, cut, have;

	for (cut = 1; cut < sizeof(rsp_devid); cut++) {
		memset(ST, 0, dissector_modbus.state_size);
		rec_reset(&R);
		ck_assert_int_eq(feed(DIS_C2S, req_devid, sizeof(req_devid)),
		    DIS_OK);
		/* first segment: incomplete, nothing consumed */
		ck_assert_int_eq(parse1(DIS_S2C, 502, 49152, rsp_devid, cut,
				     &used),
		    DIS_NEED_MORE);
		ck_assert_uint_eq(used, 0);
		ck_assert_uint_eq(R.n_op, 1);
		ck_assert_uint_eq(R.n_ident, 0);
		/* the sensor keeps the tail and appends the next segment */
		memcpy(tail, rsp_devid, cut);
		have = cut;
		memcpy(tail + have, rsp_devid + cut, sizeof(rsp_devid) - cut);
		have = sizeof(rsp_devid);
		ck_assert_int_eq(parse1(DIS_S2C, 502, 49152, tail, have,
				     &used),
		    DIS_OK);
		ck_assert_uint_eq(used, sizeof(rsp_devid));
		ck_assert_uint_eq(R.n_op, 2);
		ck_assert_int_eq(R.op[1].flags, OBS_OP_RESPONSE);
		ck_assert_uint_eq(R.n_ident, 1);
		ck_assert_str_eq(R.ident[0].vendor, "Acme Co");
	}
}
END_TEST

START_TEST(test_truncation_sweep)
{
	uint8_t b[sizeof(req_fc16) + sizeof(req_devid) + sizeof(req_sid)];
	const size_t ends[] = {
		sizeof(req_fc16), sizeof(req_fc16) + sizeof(req_devid),
		sizeof(b),
	};
	uint8_t *copy;
	size_t k, i, used, whole;
	enum dis_rc rc;

	memcpy(b, req_fc16, sizeof(req_fc16));
	memcpy(b + sizeof(req_fc16), req_devid, sizeof(req_devid));
	memcpy(b + sizeof(req_fc16) + sizeof(req_devid), req_sid,
	    sizeof(req_sid));
	for (k = 0; k <= sizeof(b); k++) {
		memset(ST, 0, dissector_modbus.state_size);
		rec_reset(&R);
		/* exact-size heap copy: ASan sees any over-read */
		copy = malloc(k ? k : 1);
		ck_assert_ptr_nonnull(copy);
		memcpy(copy, b, k);
		rc = parse1(DIS_C2S, 49152, 502, copy, k, &used);
		free(copy);
		for (whole = 0, i = 0; i < 3; i++)
			if (k >= ends[i])
				whole = i + 1;
		ck_assert_uint_eq(R.n_op, whole);
		ck_assert_uint_eq(R.n_anomaly, 0);
		ck_assert_uint_eq(used, whole ? ends[whole - 1] : 0);
		ck_assert_int_eq(rc, (whole && used == k) || k == 0
			? DIS_OK
			: DIS_NEED_MORE);
		if (whole >= 1)
			check_op(&R.op[0], OBS_C_WRITE, 0, OBS_SIDE_CLIENT, 16,
			    0, 1, 1, 2, "Write Multiple Registers");
		if (whole >= 2)
			check_op(&R.op[1], OBS_C_DISCOVER, 0, OBS_SIDE_CLIENT,
			    43, 0, 0xff, NO_LO, NO_HI,
			    "Read Device Identification");
		if (whole >= 3)
			check_op(&R.op[2], OBS_C_DISCOVER, 0, OBS_SIDE_CLIENT,
			    17, 0, 10, NO_LO, NO_HI, "Report Server ID");
	}
}
END_TEST

START_TEST(test_truncated_response_sweep)
{
	/* every prefix of a 43/14 response, fed as its own whole frame
	 * (MBAP length fixed up): never a crash, never a wrong identity */
	uint8_t b[sizeof(rsp_devid)];
	size_t k, used;
	enum dis_rc rc;

	for (k = 8; k < sizeof(rsp_devid); k++) {
		memset(ST, 0, dissector_modbus.state_size);
		rec_reset(&R);
		memcpy(b, rsp_devid, k);
		b[5] = (uint8_t)(k - 6);
		rc = parse1(DIS_S2C, 502, 49152, b, k, &used);
		ck_assert_int_eq(rc, DIS_OK);
		ck_assert_uint_eq(used, k);
		ck_assert_uint_eq(R.n_op, 1);
		ck_assert_int_eq(R.op[0].code, 43);
		ck_assert_int_eq(R.op[0].flags, OBS_OP_RESPONSE);
		if (R.n_ident > 0) {
			/* only a cut that ends exactly after an object */
			ck_assert_uint_eq(R.n_ident, 1);
			ck_assert_str_eq(R.ident[0].vendor, "Acme Co");
		} else {
			ck_assert_uint_ge(R.n_anomaly, 1);
		}
	}
}
END_TEST

START_TEST(test_lying_length_field)
{
	static const uint8_t short_len[] = {
		/* MBAP says 3: FC 3 with one data byte */
		0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x01, 0x03, 0x00,
		/* a good request right after */
		0x00, 0x02, 0x00, 0x00, 0x00, 0x06, 0x01,
		0x03, 0x00, 0x01, 0x00, 0x01,
	};
	static const uint8_t long_len[] = {
		/* MBAP says 0x40 but 6 bytes follow */
		0x00, 0x01, 0x00, 0x00, 0x00, 0x40, 0x01,
		0x03, 0x00, 0x01, 0x00, 0x01,
	};
	static const uint8_t len1[] = {
		/* MBAP length 1: no room for a function code */
		0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x01, 0x03,
	};
	size_t used;

	ck_assert_int_eq(parse1(DIS_C2S, 49152, 502, short_len,
			     sizeof(short_len), &used),
	    DIS_OK);
	ck_assert_uint_eq(used, sizeof(short_len));
	ck_assert_uint_eq(R.n_op, 2);
	check_op(&R.op[0], OBS_C_READ, 0, OBS_SIDE_CLIENT, 3, 0, 1, NO_LO,
	    NO_HI, "Read Holding Registers");
	check_op(&R.op[1], OBS_C_READ, 0, OBS_SIDE_CLIENT, 3, 0, 1, 1, 1,
	    "Read Holding Registers");
	ck_assert_uint_eq(R.n_anomaly, 1);
	ck_assert_int_eq(R.anomaly[0].reason, AN_SHORT_PDU);

	rec_reset(&R);
	ck_assert_int_eq(parse1(DIS_C2S, 49152, 502, long_len,
			     sizeof(long_len), &used),
	    DIS_NEED_MORE);
	ck_assert_uint_eq(used, 0);
	ck_assert_uint_eq(R.n_op, 0);

	/* on a fresh flow a bad length disowns it ... */
	memset(ST, 0, dissector_modbus.state_size);
	rec_reset(&R);
	ck_assert_int_eq(parse1(DIS_C2S, 49152, 502, len1, sizeof(len1),
			     &used),
	    DIS_NOT_MINE);
	ck_assert_uint_eq(R.n_op + R.n_anomaly, 0);
	/* ... on a Modbus flow it is a bad header, skipped */
	ck_assert_int_eq(feed(DIS_C2S, req_fc3, sizeof(req_fc3)), DIS_OK);
	ck_assert_int_eq(parse1(DIS_C2S, 49152, 502, len1, sizeof(len1),
			     &used),
	    DIS_MALFORMED);
	ck_assert_uint_ge(used, 1);
	ck_assert_uint_eq(R.n_anomaly, 1);
	ck_assert_int_eq(R.anomaly[0].reason, AN_BAD_MBAP);
}
END_TEST

START_TEST(test_oversized_pdu)
{
	uint8_t b[6 + 255];
	uint8_t big[6 + 0x300];
	size_t used;

	/* length 255: one over the spec (UMAS does it): parsed, flagged */
	memset(b, 0, sizeof(b));
	b[1] = 0x07;
	b[5] = 0xff;
	b[7] = 0x5a;
	b[9] = 0x0a;
	ck_assert_int_eq(parse1(DIS_C2S, 49152, 502, b, sizeof(b), &used),
	    DIS_OK);
	ck_assert_uint_eq(used, sizeof(b));
	ck_assert_uint_eq(R.n_op, 1);
	check_op(&R.op[0], OBS_C_PROGRAM, 0, OBS_SIDE_CLIENT, 90, 0, 0, NO_LO,
	    NO_HI, "UMAS: Repeat");
	ck_assert_uint_eq(R.n_anomaly, 1);
	ck_assert_int_eq(R.anomaly[0].reason, AN_OVERSIZE);

	/* length 0x300: not an MBAP header at all */
	memset(big, 0, sizeof(big));
	big[4] = 0x03;
	big[7] = 0x03;
	rec_reset(&R);
	ck_assert_int_eq(parse1(DIS_C2S, 49152, 502, big, sizeof(big), &used),
	    DIS_MALFORMED);
	ck_assert_uint_ge(used, 1);
	ck_assert_uint_eq(R.n_op, 0);
	ck_assert_uint_eq(R.n_anomaly, 1);
	ck_assert_int_eq(R.anomaly[0].reason, AN_BAD_MBAP);
	memset(ST, 0, dissector_modbus.state_size);
	rec_reset(&R);
	ck_assert_int_eq(parse1(DIS_C2S, 49152, 502, big, sizeof(big), &used),
	    DIS_NOT_MINE);
}
END_TEST

START_TEST(test_resync_after_loss)
{
	uint8_t b[5 + sizeof(req_fc16)];
	size_t used;

	ck_assert_int_eq(feed(DIS_C2S, req_fc3, sizeof(req_fc3)), DIS_OK);
	dissector_modbus.resync(ST, DIS_C2S);
	/* the end of a lost PDU, then a whole one */
	memcpy(b, "\x00\x00\x01\x02\x03", 5);
	memcpy(b + 5, req_fc16, sizeof(req_fc16));
	rec_reset(&R);
	ck_assert_int_eq(parse1(DIS_C2S, 49152, 502, b, sizeof(b), &used),
	    DIS_MALFORMED);
	ck_assert_uint_eq(used, 5);
	ck_assert_uint_eq(R.n_op, 0);
	ck_assert_uint_eq(R.n_anomaly, 1);
	ck_assert_int_eq(R.anomaly[0].reason, AN_RESYNC);
	ck_assert_int_eq(parse1(DIS_C2S, 49152, 502, b + 5, sizeof(b) - 5,
			     &used),
	    DIS_OK);
	ck_assert_uint_eq(used, sizeof(req_fc16));
	ck_assert_uint_eq(R.n_op, 1);
	check_op(&R.op[0], OBS_C_WRITE, 0, OBS_SIDE_CLIENT, 16, 0, 1, 1, 2,
	    "Write Multiple Registers");
	/* the other direction was not affected */
	ck_assert_int_eq(feed(DIS_S2C, rsp_fc3, sizeof(rsp_fc3)), DIS_OK);
	ck_assert_int_eq(R.op[1].flags, OBS_OP_RESPONSE);
}
END_TEST

START_TEST(test_resync_all_garbage)
{
	static const uint8_t junk[] = {
		0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
	};
	size_t used;

	ck_assert_int_eq(feed(DIS_C2S, req_fc3, sizeof(req_fc3)), DIS_OK);
	dissector_modbus.resync(ST, DIS_C2S);
	rec_reset(&R);
	ck_assert_int_eq(parse1(DIS_C2S, 49152, 502, junk, sizeof(junk),
			     &used),
	    DIS_MALFORMED);
	/* all but a 2-byte tail that may start a header */
	ck_assert_uint_eq(used, sizeof(junk) - 2);
	ck_assert_uint_eq(R.n_op, 0);
	ck_assert_uint_eq(R.n_anomaly, 1);
	ck_assert_int_eq(R.anomaly[0].reason, AN_RESYNC);
}
END_TEST

START_TEST(test_mix_capture_trailing_bytes)
{
	/* modbus-digitalbond-fc-mix-mei14 frames 111 and 113 (stream 5,
	 * from port 502): MBAP length 5, then three stray bytes, twice. */
	static const uint8_t f111[] = {
		0x00, 0x01, 0x00, 0x00, 0x00, 0x05, 0x0a, /* MBAP len 5 */
		0x2a, 0x0e, 0x04, 0x01, /* FC 42 ... */
		0x01, 0x01, 0x23,			   /* stray */
	};
	uint8_t tail[2 + sizeof(f111)];
	size_t used;

	/* 111: the PDU, then "01 01 23" is no header: flagged, skipped up
	 * to the last two bytes (they could start one) */
	ck_assert_int_eq(parse1(DIS_S2C, 502, 4446, f111, sizeof(f111),
			     &used),
	    DIS_MALFORMED);
	ck_assert_uint_eq(used, sizeof(f111) - 2);
	ck_assert_uint_eq(R.n_op, 1);
	check_op(&R.op[0], OBS_C_OTHER, OBS_OP_RESPONSE, OBS_SIDE_CLIENT, 42,
	    0, 10, NO_LO, NO_HI, "unknown");
	ck_assert_uint_eq(R.n_anomaly, 1);
	ck_assert_int_eq(R.anomaly[0].reason, AN_BAD_MBAP);
	/* 113 after the kept "01 23": nothing in it checks out (function
	 * 42 is not one we know), no op, as in Wireshark */
	memcpy(tail, f111 + sizeof(f111) - 2, 2);
	memcpy(tail + 2, f111, sizeof(f111));
	ck_assert_int_eq(parse1(DIS_S2C, 502, 4446, tail, sizeof(tail),
			     &used),
	    DIS_MALFORMED);
	ck_assert_uint_eq(used, sizeof(tail) - 2);
	ck_assert_uint_eq(R.n_op, 1);
	ck_assert_uint_eq(R.n_anomaly, 2);
	ck_assert_int_eq(R.anomaly[1].reason, AN_RESYNC);
}
END_TEST

START_TEST(test_many_pdus_bounded_per_call)
{
	/* 300 requests in one buffer: reported across several calls */
	static uint8_t b[300 * sizeof(req_sid)];
	size_t i;

	for (i = 0; i < 300; i++)
		memcpy(b + i * sizeof(req_sid), req_sid, sizeof(req_sid));
	ck_assert_int_eq(feed(DIS_C2S, b, sizeof(b)), DIS_OK);
	ck_assert_uint_eq(R.n_op + R.dropped, 300);
	/* the pending table overflowed: flagged once, not 236 times */
	ck_assert_uint_eq(R.n_anomaly, 1);
	ck_assert_int_eq(R.anomaly[0].reason, AN_PENDING_FULL);
}
END_TEST

static Suite *
modbus_suite(void)
{
	Suite *s = suite_create("modbus");
	TCase *tc;

#define ADD(name, ...)                                                      \
	do {                                                                \
		tc = tcase_create(name);                                    \
		tcase_add_checked_fixture(tc, setup, teardown);             \
		const TTest *t_[] = {__VA_ARGS__};                          \
		for (size_t i_ = 0; i_ < sizeof(t_) / sizeof(t_[0]); i_++)  \
			tcase_add_test(tc, t_[i_]);                         \
		suite_add_tcase(s, tc);                                     \
	} while (0)

	ADD("probe", test_probe_accepts_modbus, test_probe_fc0_sweep_is_maybe,
	    test_probe_rejects_other_protocols, test_parse_not_mine,
	    test_garbage_after_modbus_is_malformed_not_not_mine);
	ADD("minimal", test_minimal_request_response);
	ADD("families", test_read_family, test_read_quantity_limits,
	    test_write_family, test_write_validation,
	    test_diagnostics_and_other, test_unknown_and_user_defined_codes,
	    test_umas_fc90);
	ADD("pairing", test_exception_paired,
	    test_exception_unpaired_and_bad_code, test_pairing_out_of_order,
	    test_pairing_needs_unit, test_function_mismatch,
	    test_pending_overflow_drops_oldest,
	    test_pending_eviction_after_holes,
	    test_pending_same_tid_prefers_function, test_same_tid_fifo,
	    test_response_byte_count_checked, test_other_response_formats);
	ADD("identity", test_device_identification,
	    test_device_identification_more_follows,
	    test_device_identification_product_name_to_model,
	    test_device_identification_malformed, test_report_server_id,
	    test_report_server_id_after_devid_keeps_product,
	    test_report_server_id_before_devid,
	    test_report_server_id_binary_only,
	    test_identity_from_reversed_flow,
	    test_both_ports_502_uses_direction);
	ADD("framing", test_two_pdus_in_one_buffer,
	    test_pdu_split_across_calls, test_truncation_sweep,
	    test_truncated_response_sweep, test_lying_length_field,
	    test_oversized_pdu, test_resync_after_loss,
	    test_resync_all_garbage, test_mix_capture_trailing_bytes,
	    test_many_pdus_bounded_per_call);
#undef ADD
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(modbus_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

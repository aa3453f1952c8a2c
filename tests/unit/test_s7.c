/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_s7.c: unit tests of the S7comm / S7comm-plus dissector (s7.c) and
 * of the shared TPKT/COTP helpers (tpkt.c).
 *
 * Checked against Wireshark (tshark 3.x/4.x fields s7comm.header.rosctr,
 * s7comm.param.func, s7comm.param.userdata.type/funcgroup/subfunc,
 * s7comm.header.errcls/errcod) with a throwaway driver that replays each
 * TCP stream of /work/shared/pcaps through the dissector the way the
 * sensor does (per-direction tail buffer, resync on sequence gaps).
 * Request codes per flow (job function, userdata 0x10000 + group << 8 +
 * subfunction for userdata of type request):
 *
 *   s7comm-libnodave-read-write-var.pcap      8 /   8 agree (100%)
 *   s7comm-reading-plc-status-szl.pcap       72 /  72 agree (100%)
 *   s7comm-step7-s300-auth-password.pcapng    3 /   3 agree (100%)
 *   s7comm-step7-s300-download.pcapng        48 /  48 agree (100%)
 *   s7comm-szl-identity-read-snap7.pcap      11 /  11 agree (100%)
 *   s7comm-wincc-s400-production.pcapng     445 / 445 agree (100%)
 *   s7commplus-inl-celr-linux-sll.pcap       17 /  17 agree (100%, the
 *                                            classic S7comm flow)
 *
 * Responses: every request was paired with its response by PDU
 * reference; the response codes agree with tshark's ack-data functions
 * and userdata (type response) group/subfunction on every capture, the
 * 4 parameterless acks of the snap7 capture being paired to their start
 * upload jobs.  The 768 userdata pushes of the WinCC capture are
 * RESPONSE|UNSOLICITED records.  Exceptions: the 4 ack headers with an
 * error (snap7, class 0xD2 code 0x41) agree with s7comm.header.errcls/
 * errcod; the one userdata response with parameter error 0xD402 in the
 * SZL capture agrees with s7comm.param.errcod.  No difference is left.
 *
 * tshark has no S7comm-plus dissector; by eye and against MANIFEST.tsv:
 *   inl-celr: 121 PDUs of V3 (79 notifications, 26 SetVariable with the
 *     no-response flag, 6 GetMultiVariables and 2 SetMultiVariables with
 *     their responses), version attribute 3;
 *   s7-1511: V1 CreateObject then V2; product 6ES7 511-1AK00-0AB0 V1.0
 *     from the CreateObject response; TSAP "SIMATIC-ROOT-OTH";
 *   s7-1200: V1 + V2, 43 requests all paired, 6ES7 214-1HE30-0XB0 V2.2.
 * Negative: iec61850-mms-read-tcp102.pcap (probe MAYBE on the CR with
 * TSAPs, then DIS_NOT_MINE on the first MMS DT, no observation) and
 * rdp-tpkt-cotp-not-s7.pcap (probe NO: the CR has no TSAPs); no other
 * capture of the set is claimed.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../dissectors/cursor.h"
#include "../../dissectors/dissect.h"
#include "../../dissectors/tpkt.h"
#include "rec_sink.h"

static void *st;
static struct rec R;
static struct obs_sink S;

static void
setup(void)
{
	st = calloc(1, dissector_s7.state_size);
	ck_assert_ptr_nonnull(st);
	S = rec_sink(&R);
}

static void
teardown(void)
{
	free(st);
	st = NULL;
}

static enum dis_rc
feed(int dir, const uint8_t *b, size_t n)
{
	return rec_feed(&dissector_s7, st, dir, b, n, &S);
}

static enum dis_rc
parse1(int dir, const uint8_t *b, size_t n, size_t *used)
{
	struct dis_ctx ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.dir = (uint8_t)dir;
	ctx.l4 = 6;
	ctx.src_port = dir == DIS_C2S ? 49152 : 102;
	ctx.dst_port = dir == DIS_C2S ? 102 : 49152;
	return dissector_s7.parse(st, &ctx, b, n, used, &S);
}

static void
check_op(const struct obs_op *o, uint8_t proto, uint8_t cls, uint8_t flags,
    uint8_t req, uint32_t code, uint32_t status, uint32_t unit, uint32_t lo,
    uint32_t hi, const char *name)
{
	ck_assert_uint_eq(o->proto, proto);
	ck_assert_uint_eq(o->cls, cls);
	ck_assert_uint_eq(o->flags, flags);
	ck_assert_uint_eq(o->requester, req);
	ck_assert_uint_eq(o->code, code);
	ck_assert_uint_eq(o->status, status);
	ck_assert_uint_eq(o->unit, unit);
	ck_assert_uint_eq(o->addr_lo, lo);
	ck_assert_uint_eq(o->addr_hi, hi);
	ck_assert_ptr_nonnull(o->name);
	ck_assert_str_eq(o->name, name);
}

/* No address range: addr_hi < addr_lo. */
#define NOLO 1
#define NOHI 0
#define C OBS_SIDE_CLIENT
#define SV OBS_SIDE_SERVER
#define P7 OBS_P_S7COMM
#define PP OBS_P_S7COMM_PLUS
#define RSP OBS_OP_RESPONSE
#define EXC OBS_OP_EXCEPTION

/* Wrap bytes in TPKT + COTP DT (EOT as given). */
static size_t
dt(uint8_t *out, const uint8_t *p, size_t n, int eot)
{
	size_t t = n + 7;

	out[0] = 3;			/* TPKT version */
	out[1] = 0;
	out[2] = (uint8_t)(t >> 8);	/* TPKT length */
	out[3] = (uint8_t)t;
	out[4] = 2;			/* COTP LI */
	out[5] = 0xF0;			/* DT */
	out[6] = eot ? 0x80 : 0x00;	/* EOT | TPDU-NR */
	memcpy(out + 7, p, n);
	return t;
}

/* TPKT + DT + S7comm header + parameter + data. */
static size_t
s7(uint8_t *out, uint8_t rosctr, uint16_t ref, uint8_t ecls, uint8_t ecode,
    const uint8_t *par, size_t plen, const uint8_t *dat, size_t dlen)
{
	uint8_t pdu[1024];
	size_t n = 0;

	pdu[n++] = 0x32;		/* protocol id */
	pdu[n++] = rosctr;
	pdu[n++] = 0;			/* redundancy id */
	pdu[n++] = 0;
	pdu[n++] = (uint8_t)(ref >> 8);	/* PDU reference */
	pdu[n++] = (uint8_t)ref;
	pdu[n++] = (uint8_t)(plen >> 8);
	pdu[n++] = (uint8_t)plen;
	pdu[n++] = (uint8_t)(dlen >> 8);
	pdu[n++] = (uint8_t)dlen;
	if (rosctr == 2 || rosctr == 3) {
		pdu[n++] = ecls;
		pdu[n++] = ecode;
	}
	if (plen)
		memcpy(pdu + n, par, plen);
	n += plen;
	if (dlen)
		memcpy(pdu + n, dat, dlen);
	n += dlen;
	return dt(out, pdu, n, 1);
}

/* TPKT + DT + S7comm-plus header + data [+ trailer]. */
static size_t
s7p(uint8_t *out, uint8_t ver, const uint8_t *d, size_t n, int trailer)
{
	uint8_t pdu[1024];
	size_t k = 0;

	pdu[k++] = 0x72;		/* protocol id */
	pdu[k++] = ver;
	pdu[k++] = (uint8_t)(n >> 8);	/* data length */
	pdu[k++] = (uint8_t)n;
	memcpy(pdu + k, d, n);
	k += n;
	if (trailer) {
		pdu[k++] = 0x72;
		pdu[k++] = ver;
		pdu[k++] = 0;
		pdu[k++] = 0;
	}
	return dt(out, pdu, k, 1);
}

/* COTP connection request, S7 style (from s7comm-reading-plc-status). */
static const uint8_t cr_s7[] = {
	0x03, 0x00, 0x00, 0x16,		/* TPKT v3, length 22 */
	0x11, 0xE0,			/* COTP LI 17, CR */
	0x00, 0x00, 0x00, 0x0F, 0x00,	/* dst-ref, src-ref, class 0 */
	0xC0, 0x01, 0x0A,		/* TPDU size 1024 */
	0xC1, 0x02, 0x01, 0x00,		/* calling TSAP 0x0100 */
	0xC2, 0x02, 0x01, 0x22,		/* called TSAP 0x0122: rack 1 slot 2 */
};

/* COTP connection confirm. */
static const uint8_t cc_s7[] = {
	0x03, 0x00, 0x00, 0x16,		/* TPKT */
	0x11, 0xD0,			/* COTP LI 17, CC */
	0x00, 0x0F, 0x00, 0x03, 0x00,	/* dst-ref, src-ref, class 0 */
	0xC0, 0x01, 0x0A,
	0xC1, 0x02, 0x01, 0x00,
	0xC2, 0x02, 0x01, 0x22,
};

/* Setup communication job and its ack-data (libnodave capture). */
static const uint8_t setup_job[] = {
	0x03, 0x00, 0x00, 0x19,		/* TPKT length 25 */
	0x02, 0xF0, 0x80,		/* COTP DT, EOT */
	0x32, 0x01, 0x00, 0x00,		/* S7: job, redundancy */
	0xFF, 0xFF,			/* PDU ref 0xFFFF */
	0x00, 0x08, 0x00, 0x00,		/* par len 8, data len 0 */
	0xF0, 0x00,			/* setup communication, reserved */
	0x00, 0x01, 0x00, 0x01,		/* max AmQ calling/called */
	0x01, 0xE0,			/* PDU length 480 */
};

static const uint8_t setup_ack[] = {
	0x03, 0x00, 0x00, 0x1B,		/* TPKT length 27 */
	0x02, 0xF0, 0x80,		/* COTP DT */
	0x32, 0x03, 0x00, 0x00,		/* S7: ack-data */
	0xFF, 0xFF,			/* PDU ref */
	0x00, 0x08, 0x00, 0x00,		/* par len 8, data len 0 */
	0x00, 0x00,			/* error class, code */
	0xF0, 0x00, 0x00, 0x01, 0x00, 0x01, 0x01, 0xE0,
};

/* Read var: one S7ANY item, DB 5, byte 10, 4 x BYTE. */
static const uint8_t readvar_par[] = {
	0x04, 0x01,			/* read var, 1 item */
	0x12, 0x0A, 0x10,		/* var spec, length 10, S7ANY */
	0x02,				/* transport size BYTE */
	0x00, 0x04,			/* count 4 */
	0x00, 0x05,			/* DB 5 */
	0x84,				/* area DB */
	0x00, 0x00, 0x50,		/* bit address 80 = byte 10 */
};

/* --- TPKT / COTP helpers -------------------------------------------- */

START_TEST(tpkt_frame_cases)
{
	static const uint8_t ok[] = {3, 0, 0, 7, 2, 0xF0, 0x80};
	static const uint8_t bad_ver[] = {4, 0, 0, 7};
	static const uint8_t bad_len[] = {3, 0, 0, 6, 2, 0xF0};
	size_t fl;

	ck_assert_int_eq(tpkt_frame(ok, sizeof(ok), &fl), TPKT_OK);
	ck_assert_uint_eq(fl, 7);
	ck_assert_int_eq(tpkt_frame(ok, 5, &fl), TPKT_SHORT);
	ck_assert_uint_eq(fl, 7);
	ck_assert_int_eq(tpkt_frame(ok, 2, &fl), TPKT_SHORT);
	ck_assert_uint_eq(fl, 0);
	ck_assert_int_eq(tpkt_frame(bad_ver, sizeof(bad_ver), &fl), TPKT_BAD);
	ck_assert_int_eq(tpkt_frame(bad_len, sizeof(bad_len), &fl), TPKT_BAD);
}
END_TEST

START_TEST(cotp_parse_cr_and_dt)
{
	static const uint8_t dtf[] = {3, 0, 0, 9, 2, 0xF0, 0x05, 0xAA, 0xBB};
	static const uint8_t lying_li[] = {3, 0, 0, 8, 9, 0xF0, 0x80, 0x32};
	struct cotp_tpdu t;

	ck_assert_int_eq(cotp_parse(cr_s7, sizeof(cr_s7), &t), 0);
	ck_assert_uint_eq(t.code, COTP_CR);
	ck_assert_uint_eq(t.src_ref, 0x000F);
	ck_assert_uint_eq(t.tpdu_size, 0x0A);
	ck_assert_uint_eq(t.params_bad, 0);
	ck_assert_uint_eq(t.calling.present, 1);
	ck_assert_uint_eq(t.calling.len, 2);
	ck_assert_uint_eq(t.called.len, 2);
	ck_assert_uint_eq(t.called.b[0], 0x01);
	ck_assert_uint_eq(t.called.b[1], 0x22);
	ck_assert_uint_eq(t.payload.left, 0);

	ck_assert_int_eq(cotp_parse(dtf, sizeof(dtf), &t), 0);
	ck_assert_uint_eq(t.code, COTP_DT);
	ck_assert_uint_eq(t.eot, 0);
	ck_assert_uint_eq(t.tpdu_nr, 5);
	ck_assert_uint_eq(t.payload.left, 2);
	ck_assert_uint_eq(t.payload.p[0], 0xAA);

	ck_assert_int_eq(cotp_parse(lying_li, sizeof(lying_li), &t), -1);
}
END_TEST

/* RDP puts a cookie where parameters go: no TSAPs, params_bad. */
static const uint8_t cr_rdp[] = {
	0x03, 0x00, 0x00, 0x2F,		/* TPKT length 47 */
	0x2A, 0xE0, 0x00, 0x00, 0x00, 0x00, 0x00, /* LI 42, CR */
	'C', 'o', 'o', 'k', 'i', 'e', ':', ' ', 'm', 's', 't', 's', 'h',
	'a', 's', 'h', '=', 'J', 'O', 'H', 'N', '-', 'P', 'C', ' ', ' ',
	0x0D, 0x0A,
	0x01, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, /* RDP neg req */
};

START_TEST(cotp_parse_rdp_cookie)
{
	struct cotp_tpdu t;

	ck_assert_int_eq(cotp_parse(cr_rdp, sizeof(cr_rdp), &t), 0);
	ck_assert_uint_eq(t.code, COTP_CR);
	ck_assert_uint_eq(t.params_bad, 1);
	ck_assert_uint_eq(t.calling.present, 0);
	ck_assert_uint_eq(t.called.present, 0);
}
END_TEST

/* --- probe ----------------------------------------------------------- */

/* MMS on 102: CR with TSAPs (iec61850-mms-read-tcp102.pcap). */
static const uint8_t cr_mms[] = {
	0x03, 0x00, 0x00, 0x13, 0x0E, 0xE0, 0x00, 0x00, 0x00, 0x06, 0x00,
	0xC1, 0x02, 0x00, 0x02, 0xC2, 0x02, 0x00, 0x01,
};
/* MMS data: ISO session CN SPDU (0x0D) in a DT. */
static const uint8_t dt_mms[] = {
	0x03, 0x00, 0x00, 0x0F, 0x02, 0xF0, 0x80,
	0x0D, 0xB2, 0x05, 0x06, 0x13, 0x01, 0x00, 0x16,
};

START_TEST(probe_cases)
{
	static const uint8_t cr_simatic[] = {
		0x03, 0x00, 0x00, 0x23, 0x1E, 0xE0, 0x00, 0x00, 0x00, 0x11,
		0x00, 0xC1, 0x02, 0x06, 0x00, 0xC2, 0x0F, 'S', 'I', 'M',
		'A', 'T', 'I', 'C', '-', 'R', 'O', 'O', 'T', '-', 'E', 'S',
		0xC0, 0x01, 0x0A,
	};
	static const uint8_t garbage[] = {'G', 'E', 'T', ' ', '/', ' '};
	static const uint8_t tpkt_only[] = {0x03, 0x00};
	static const uint8_t tls_dt[] = {
		0x03, 0x00, 0x00, 0x0C, 0x02, 0xF0, 0x80,	/* TPKT, DT */
		0x16, 0x03, 0x01, 0x00, 0x00,		/* TLS handshake */
	};
	const struct dissector *d = &dissector_s7;

	ck_assert_int_eq(d->probe(cr_s7, sizeof(cr_s7), 0), PROBE_MAYBE);
	ck_assert_int_eq(d->probe(cr_simatic, sizeof(cr_simatic), 0),
	    PROBE_YES);
	ck_assert_int_eq(d->probe(setup_job, sizeof(setup_job), 0),
	    PROBE_YES);
	ck_assert_int_eq(d->probe(setup_ack, sizeof(setup_ack), 1),
	    PROBE_YES);
	ck_assert_int_eq(d->probe(cr_rdp, sizeof(cr_rdp), 0), PROBE_NO);
	ck_assert_int_eq(d->probe(cr_mms, sizeof(cr_mms), 0), PROBE_MAYBE);
	ck_assert_int_eq(d->probe(dt_mms, sizeof(dt_mms), 0), PROBE_NO);
	ck_assert_int_eq(d->probe(garbage, sizeof(garbage), 0), PROBE_NO);
	ck_assert_int_eq(d->probe(tpkt_only, sizeof(tpkt_only), 0),
	    PROBE_MAYBE);
	ck_assert_int_eq(d->probe(setup_job, 10, 0), PROBE_MAYBE);
	ck_assert_int_eq(d->probe(tls_dt, sizeof(tls_dt), 0), PROBE_MAYBE);
	ck_assert_uint_eq(d->any_port, 1);
	ck_assert_uint_eq(d->ports[0], 102);
	ck_assert_str_eq(d->name, "s7comm");
	ck_assert_uint_eq(d->proto, OBS_P_S7COMM);
	ck_assert_uint_eq(d->l4_tcp, 1);
	ck_assert_uint_eq(d->l4_udp, 0);
}
END_TEST

/* --- S7comm: minimal session ----------------------------------------- */

START_TEST(minimal_setup_session)
{
	ck_assert_int_eq(feed(DIS_C2S, cr_s7, sizeof(cr_s7)), DIS_OK);
	ck_assert_int_eq(feed(DIS_S2C, cc_s7, sizeof(cc_s7)), DIS_OK);
	/* Nothing before S7 data is seen: the flow may still be MMS. */
	ck_assert_uint_eq(R.n_op + R.n_role + R.n_attr + R.n_anomaly, 0);

	ck_assert_int_eq(feed(DIS_C2S, setup_job, sizeof(setup_job)), DIS_OK);
	ck_assert_int_eq(feed(DIS_S2C, setup_ack, sizeof(setup_ack)), DIS_OK);

	ck_assert_uint_eq(R.n_role, 2);
	ck_assert_uint_eq(R.role[0].side, C);
	ck_assert_uint_eq(R.role[0].proto, P7);
	ck_assert_uint_eq(R.role[0].role, OBS_R_CLIENT);
	ck_assert_uint_eq(R.role[1].side, SV);
	ck_assert_uint_eq(R.role[1].proto, P7);
	ck_assert_uint_eq(R.role[1].role, OBS_R_SERVER);

	ck_assert_uint_eq(R.n_attr, 2);
	ck_assert_uint_eq(R.attr[0].key, OBS_A_TSAP);
	ck_assert_uint_eq(R.attr[0].num, 0x0122);
	ck_assert_uint_eq(R.attr[0].side, SV);
	ck_assert_uint_eq(R.attr[0].proto, P7);
	ck_assert_str_eq(R.attr[0].str, "");
	ck_assert_uint_eq(R.attr[1].key, OBS_A_RACK_SLOT);
	ck_assert_uint_eq(R.attr[1].num, 1 << 8 | 2);

	ck_assert_uint_eq(R.n_op, 2);
	check_op(&R.op[0], P7, OBS_C_SESSION, 0, C, 0xF0, 0, 0, NOLO, NOHI,
	    "Setup communication");
	check_op(&R.op[1], P7, OBS_C_SESSION, RSP, C, 0xF0, 0, 0, NOLO, NOHI,
	    "Setup communication");
	ck_assert_uint_eq(R.n_anomaly, 0);

	/* Roles and TSAP are reported once per flow. */
	ck_assert_int_eq(feed(DIS_C2S, setup_job, sizeof(setup_job)), DIS_OK);
	ck_assert_uint_eq(R.n_role, 2);
	ck_assert_uint_eq(R.n_attr, 2);
}
END_TEST

/* --- S7comm: read/write var ------------------------------------------ */

START_TEST(read_var_db_item)
{
	static const uint8_t rdata[] = {
		0xFF, 0x04, 0x00, 0x20,	/* success, BYTE/WORD, 32 bits */
		0x01, 0x02, 0x03, 0x04,
	};
	static const uint8_t rpar[] = {0x04, 0x01};
	uint8_t f[256];
	size_t n;

	n = s7(f, 1, 0x0102, 0, 0, readvar_par, sizeof(readvar_par), NULL, 0);
	ck_assert_int_eq(feed(DIS_C2S, f, n), DIS_OK);
	n = s7(f, 3, 0x0102, 0, 0, rpar, sizeof(rpar), rdata, sizeof(rdata));
	ck_assert_int_eq(feed(DIS_S2C, f, n), DIS_OK);
	ck_assert_uint_eq(R.n_op, 2);
	check_op(&R.op[0], P7, OBS_C_READ, 0, C, 0x04, 0, 5, 10, 13,
	    "Read Var");
	check_op(&R.op[1], P7, OBS_C_READ, RSP, C, 0x04, 0, 5, 10, 13,
	    "Read Var");
	ck_assert_uint_eq(R.n_anomaly, 0);
}
END_TEST

START_TEST(write_var_bit_and_counters)
{
	/* Write 1 bit of M 3.5 (flags area, bit address 29). */
	static const uint8_t wpar[] = {
		0x05, 0x01, 0x12, 0x0A, 0x10,
		0x01,			/* BIT */
		0x00, 0x01, 0x00, 0x00,
		0x83,			/* flags (M) */
		0x00, 0x00, 0x1D,	/* 3 * 8 + 5 */
	};
	static const uint8_t wdat[] = {0x00, 0x03, 0x00, 0x01, 0x01};
	/* Read counters C 7..9. */
	static const uint8_t cpar[] = {
		0x04, 0x01, 0x12, 0x0A, 0x10,
		0x1C,			/* COUNTER */
		0x00, 0x03, 0x00, 0x00,
		0x1C,			/* counters */
		0x00, 0x00, 0x07,	/* counter 7 */
	};
	/* Timers T 2, transport TIMER. */
	static const uint8_t tpar[] = {
		0x04, 0x01, 0x12, 0x0A, 0x10, 0x1D, 0x00, 0x01, 0x00, 0x00,
		0x1D, 0x00, 0x00, 0x02,
	};
	/* Inputs IW 4 as 2 x WORD. */
	static const uint8_t ipar[] = {
		0x04, 0x01, 0x12, 0x0A, 0x10, 0x04, 0x00, 0x02, 0x00, 0x00,
		0x81, 0x00, 0x00, 0x20,
	};
	uint8_t f[256];
	size_t n;

	n = s7(f, 1, 7, 0, 0, wpar, sizeof(wpar), wdat, sizeof(wdat));
	feed(DIS_C2S, f, n);
	n = s7(f, 1, 8, 0, 0, cpar, sizeof(cpar), NULL, 0);
	feed(DIS_C2S, f, n);
	n = s7(f, 1, 9, 0, 0, tpar, sizeof(tpar), NULL, 0);
	feed(DIS_C2S, f, n);
	n = s7(f, 1, 10, 0, 0, ipar, sizeof(ipar), NULL, 0);
	feed(DIS_C2S, f, n);
	ck_assert_uint_eq(R.n_op, 4);
	check_op(&R.op[0], P7, OBS_C_WRITE, 0, C, 0x05, 0, 0, 3, 3,
	    "Write Var");
	check_op(&R.op[1], P7, OBS_C_READ, 0, C, 0x04, 0, 0, 7, 9,
	    "Read Var");
	check_op(&R.op[2], P7, OBS_C_READ, 0, C, 0x04, 0, 0, 2, 2,
	    "Read Var");
	check_op(&R.op[3], P7, OBS_C_READ, 0, C, 0x04, 0, 0, 4, 7,
	    "Read Var");
}
END_TEST

START_TEST(read_var_non_s7any_item)
{
	/* DBREAD syntax (0xB0): no address range. */
	static const uint8_t par[] = {
		0x04, 0x01, 0x12, 0x07, 0xB0, 0x01, 0x00, 0x00, 0x01, 0x00,
		0x00,
	};
	uint8_t f[128];
	size_t n = s7(f, 1, 1, 0, 0, par, sizeof(par), NULL, 0);

	ck_assert_int_eq(feed(DIS_C2S, f, n), DIS_OK);
	ck_assert_uint_eq(R.n_op, 1);
	check_op(&R.op[0], P7, OBS_C_READ, 0, C, 0x04, 0, 0, NOLO, NOHI,
	    "Read Var");
}
END_TEST

/* --- exceptions ------------------------------------------------------ */

START_TEST(ack_data_exception_paired)
{
	static const uint8_t rpar[] = {0x04, 0x00};
	uint8_t f[256];
	size_t n;

	n = s7(f, 1, 0x0203, 0, 0, readvar_par, sizeof(readvar_par), NULL, 0);
	feed(DIS_C2S, f, n);
	/* Error class 0x81 (application relationship), code 0x04. */
	n = s7(f, 3, 0x0203, 0x81, 0x04, rpar, sizeof(rpar), NULL, 0);
	feed(DIS_S2C, f, n);
	ck_assert_uint_eq(R.n_op, 2);
	check_op(&R.op[1], P7, OBS_C_READ, RSP | EXC, C, 0x04, 0x8104, 5, 10,
	    13, "Read Var");
}
END_TEST

START_TEST(ack_exception_start_upload)
{
	/* snap7: start upload of SDB 0, refused with ack 0xD241. */
	static const uint8_t job[] = {
		0x03, 0x00, 0x00, 0x23, 0x02, 0xF0, 0x80,	/* TPKT, DT */
		0x32, 0x01, 0x00, 0x00, 0x00, 0x06,	/* job, ref 6 */
		0x00, 0x12, 0x00, 0x00,			/* par 18 */
		0x1D, 0x00, 0x00, 0x00,			/* start upload */
		0x00, 0x00, 0x00, 0x00,			/* upload id */
		0x09, '_', '0', 'B', '0', '0', '0', '0', '0', 'A',
	};
	static const uint8_t ack[] = {
		0x03, 0x00, 0x00, 0x13, 0x02, 0xF0, 0x80,
		0x32, 0x02, 0x00, 0x00, 0x00, 0x06,	/* ack, ref 6 */
		0x00, 0x00, 0x00, 0x00,
		0xD2, 0x41,				/* error */
	};

	feed(DIS_C2S, job, sizeof(job));
	feed(DIS_S2C, ack, sizeof(ack));
	ck_assert_uint_eq(R.n_op, 2);
	check_op(&R.op[0], P7, OBS_C_PROGRAM, 0, C, 0x1D, 0, 0x0B, 0, 0,
	    "Start upload");
	check_op(&R.op[1], P7, OBS_C_PROGRAM, RSP | EXC, C, 0x1D, 0xD241,
	    0x0B, 0, 0, "Start upload");
}
END_TEST

START_TEST(unpaired_response)
{
	uint8_t f[64];
	static const uint8_t rpar[] = {0x05, 0x01};
	static const uint8_t rdat[] = {0xFF};
	size_t n = s7(f, 3, 0x4444, 0, 0, rpar, sizeof(rpar), rdat, 1);

	feed(DIS_S2C, f, n);
	ck_assert_uint_eq(R.n_op, 1);
	check_op(&R.op[0], P7, OBS_C_WRITE, RSP, C, 0x05, 0, 0, NOLO, NOHI,
	    "Write Var");
	/* An ack without parameter and without request names nothing. */
	n = s7(f, 2, 0x4445, 0, 0, NULL, 0, NULL, 0);
	feed(DIS_S2C, f, n);
	ck_assert_uint_eq(R.n_op, 2);
	check_op(&R.op[1], P7, OBS_C_OTHER, RSP, C, 0, 0, 0, NOLO, NOHI,
	    "unknown");
}
END_TEST

START_TEST(cotp_disconnect_and_errors)
{
	static const uint8_t dr[] = {
		0x03, 0x00, 0x00, 0x0B,		/* TPKT */
		0x06, 0x80, 0x00, 0x01, 0x00, 0x0F, 0x00, /* DR, reason 0 */
	};
	static const uint8_t er[] = {
		0x03, 0x00, 0x00, 0x09,
		0x04, 0x70, 0x00, 0x01, 0x02,	/* ER, cause 2 */
	};
	static const uint8_t ak[] = {
		0x03, 0x00, 0x00, 0x08, 0x03, 0x60, 0x00, 0x01,	/* AK */
	};
	size_t used;

	/* Before any S7 data: not ours. */
	ck_assert_int_eq(parse1(DIS_C2S, er, sizeof(er), &used),
	    DIS_NOT_MINE);
	feed(DIS_C2S, setup_job, sizeof(setup_job));
	S = rec_sink(&R);
	ck_assert_int_eq(feed(DIS_S2C, dr, sizeof(dr)), DIS_OK);
	ck_assert_uint_eq(R.n_anomaly, 0);
	ck_assert_int_eq(feed(DIS_S2C, er, sizeof(er)), DIS_OK);
	ck_assert_int_eq(feed(DIS_S2C, ak, sizeof(ak)), DIS_OK);
	ck_assert_uint_eq(R.n_anomaly, 2);
	ck_assert_str_eq(R.anomaly[0].what, "COTP error TPDU");
	ck_assert_str_eq(R.anomaly[1].what, "COTP TPDU not used by class 0");
	ck_assert_uint_eq(R.anomaly[1].proto, P7);
	ck_assert_uint_eq(R.n_op, 0);
}
END_TEST

/* --- block functions, PI services, stop -------------------------------- */

START_TEST(block_download_family)
{
	/* Request download of DB 1 (step7-s300-download frame 87). */
	static const uint8_t rq[] = {
		0x1A, 0x00, 0x01, 0x00,			/* fn, status, ? */
		0x00, 0x00, 0x00, 0x00,			/* id */
		0x09, '_', '0', 'A', '0', '0', '0', '0', '1', 'P',
		0x0D, '1', '0', '0', '0', '2', '1', '6', '0', '0', '0', '0',
		'8', '8',				/* part 2 */
	};
	/* The PLC pulls the block: download block / ended are sent by it. */
	static const uint8_t dl[] = {
		0x1B, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x09, '_', '0', 'A', '0', '0', '0', '0', '1', 'P',
	};
	static const uint8_t end[] = {
		0x1C, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x09, '_', '0', 'A', '0', '0', '0', '0', '1', 'P',
	};
	static const uint8_t up[] = {
		0x1E, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,
	};
	static const uint8_t endup[] = {
		0x1F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,
	};
	static const uint8_t p1a[] = {0x1A};
	static const uint8_t p1b[] = {0x1B, 0x00};
	uint8_t f[256];
	size_t n;

	n = s7(f, 1, 0x8300, 0, 0, rq, sizeof(rq), NULL, 0);
	feed(DIS_C2S, f, n);
	n = s7(f, 3, 0x8300, 0, 0, p1a, sizeof(p1a), NULL, 0);
	feed(DIS_S2C, f, n);
	n = s7(f, 1, 0x6501, 0, 0, dl, sizeof(dl), NULL, 0);
	feed(DIS_S2C, f, n);
	n = s7(f, 3, 0x6501, 0, 0, p1b, sizeof(p1b), NULL, 0);
	feed(DIS_C2S, f, n);
	n = s7(f, 1, 0x6701, 0, 0, end, sizeof(end), NULL, 0);
	feed(DIS_S2C, f, n);
	n = s7(f, 1, 11, 0, 0, up, sizeof(up), NULL, 0);
	feed(DIS_C2S, f, n);
	n = s7(f, 1, 12, 0, 0, endup, sizeof(endup), NULL, 0);
	feed(DIS_C2S, f, n);

	ck_assert_uint_eq(R.n_op, 7);
	check_op(&R.op[0], P7, OBS_C_PROGRAM, 0, C, 0x1A, 0, 0x0A, 1, 1,
	    "Request download");
	check_op(&R.op[1], P7, OBS_C_PROGRAM, RSP, C, 0x1A, 0, 0x0A, 1, 1,
	    "Request download");
	check_op(&R.op[2], P7, OBS_C_PROGRAM, 0, SV, 0x1B, 0, 0x0A, 1, 1,
	    "Download block");
	check_op(&R.op[3], P7, OBS_C_PROGRAM, RSP, SV, 0x1B, 0, 0x0A, 1, 1,
	    "Download block");
	check_op(&R.op[4], P7, OBS_C_PROGRAM, 0, SV, 0x1C, 0, 0x0A, 1, 1,
	    "Download ended");
	check_op(&R.op[5], P7, OBS_C_PROGRAM, 0, C, 0x1E, 0, 0, NOLO, NOHI,
	    "Upload");
	check_op(&R.op[6], P7, OBS_C_PROGRAM, 0, C, 0x1F, 0, 0, NOLO, NOHI,
	    "End upload");
}
END_TEST

START_TEST(pi_services_and_stop)
{
	/* _INSE of DB 1 (step7-s300-download frame 93). */
	static const uint8_t inse[] = {
		0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFD,
		0x00, 0x0A,				/* param block 10 */
		0x01, 0x00, '0', 'A', '0', '0', '0', '0', '1', 'P',
		0x05, '_', 'I', 'N', 'S', 'E',
	};
	/* Hot restart: P_PROGRAM with an empty parameter block. */
	static const uint8_t start[] = {
		0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFD,
		0x00, 0x00,
		0x09, 'P', '_', 'P', 'R', 'O', 'G', 'R', 'A', 'M',
	};
	static const uint8_t other[] = {
		0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFD,
		0x00, 0x00, 0x05, '_', 'X', 'Y', 'Z', 'W',
	};
	static const uint8_t stop[] = {
		0x29, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x09, 'P', '_', 'P', 'R', 'O', 'G', 'R', 'A', 'M',
	};
	static const uint8_t unk[] = {0x41, 0x00};
	uint8_t f[256];
	size_t n;

	n = s7(f, 1, 1, 0, 0, inse, sizeof(inse), NULL, 0);
	feed(DIS_C2S, f, n);
	n = s7(f, 1, 2, 0, 0, start, sizeof(start), NULL, 0);
	feed(DIS_C2S, f, n);
	n = s7(f, 1, 3, 0, 0, other, sizeof(other), NULL, 0);
	feed(DIS_C2S, f, n);
	n = s7(f, 1, 4, 0, 0, stop, sizeof(stop), NULL, 0);
	feed(DIS_C2S, f, n);
	n = s7(f, 1, 5, 0, 0, unk, sizeof(unk), NULL, 0);
	feed(DIS_C2S, f, n);
	ck_assert_uint_eq(R.n_op, 5);
	check_op(&R.op[0], P7, OBS_C_PROGRAM, 0, C, 0x28, 0, 0x0A, 1, 1,
	    "PI-Service _INSE (activate block)");
	check_op(&R.op[1], P7, OBS_C_CONTROL, 0, C, 0x28, 0, 0, NOLO, NOHI,
	    "PI-Service P_PROGRAM (start program)");
	check_op(&R.op[2], P7, OBS_C_CONTROL, 0, C, 0x28, 0, 0, NOLO, NOHI,
	    "PI-Service");
	check_op(&R.op[3], P7, OBS_C_CONTROL, 0, C, 0x29, 0, 0, NOLO, NOHI,
	    "PLC Stop");
	check_op(&R.op[4], P7, OBS_C_OTHER, 0, C, 0x41, 0, 0, NOLO, NOHI,
	    "unknown");
	ck_assert_uint_eq(R.n_anomaly, 0);
}
END_TEST

/* --- userdata -------------------------------------------------------- */

/* Userdata request parameter: head, len 4, method, type|group, sub, seq. */
#define UD_REQ(g, s) 0x00, 0x01, 0x12, 0x04, 0x11, (0x40 | (g)), (s), 0x00
#define UD_RES(g, s, e1, e2) \
	0x00, 0x01, 0x12, 0x08, 0x12, (0x80 | (g)), (s), 0x01, 0x00, 0x00, \
	    (e1), (e2)
#define UD_PUSH(g, s) 0x00, 0x01, 0x12, 0x04, 0x11, (g), (s), 0x00

START_TEST(userdata_szl_0011_identity)
{
	static const uint8_t rpar[] = {UD_REQ(4, 1)};
	static const uint8_t rdat[] = {
		0xFF, 0x09, 0x00, 0x04,	/* success, octet string, 4 */
		0x00, 0x11, 0x00, 0x00,	/* SZL 0x0011 index 0 */
	};
	static const uint8_t spar[] = {UD_RES(4, 1, 0, 0)};
	/* Response (snap7 capture frame 11), 3 records of 28 bytes. */
	static const uint8_t sdat[] = {
		0xFF, 0x09, 0x00, 0x5C,		/* success, len 92 */
		0x00, 0x11, 0x00, 0x00,		/* SZL id, index */
		0x00, 0x1C, 0x00, 0x03,		/* 28 bytes x 3 */
		0x00, 0x01,			/* index 1: module */
		'6', 'E', 'S', '7', ' ', '3', '1', '5', '-', '2', 'E', 'H',
		'1', '4', '-', '0', 'A', 'B', '0', ' ',
		0x00, 0xC0, 0x00, 0x04, 0x00, 0x01,
		0x00, 0x06,			/* index 6: basic hardware */
		'6', 'E', 'S', '7', ' ', '3', '1', '5', '-', '2', 'E', 'H',
		'1', '4', '-', '0', 'A', 'B', '0', ' ',
		0x00, 0xC0, 0x00, 0x04, 0x00, 0x01,
		0x00, 0x07,			/* index 7: basic firmware */
		' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ',
		' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ',
		0x00, 0xC0, 0x56, 0x03, 0x02, 0x06, /* 'V' 3 . 2 . 6 */
	};
	uint8_t f[256];
	size_t n;

	n = s7(f, 7, 0x0100, 0, 0, rpar, sizeof(rpar), rdat, sizeof(rdat));
	feed(DIS_C2S, f, n);
	n = s7(f, 7, 0x0100, 0, 0, spar, sizeof(spar), sdat, sizeof(sdat));
	feed(DIS_S2C, f, n);
	ck_assert_uint_eq(R.n_op, 2);
	check_op(&R.op[0], P7, OBS_C_DISCOVER, 0, C, 0x10401, 0, 0, NOLO,
	    NOHI, "Read SZL");
	check_op(&R.op[1], P7, OBS_C_DISCOVER, RSP, C, 0x10401, 0, 0, NOLO,
	    NOHI, "Read SZL");
	ck_assert_uint_eq(R.n_ident, 1);
	ck_assert_uint_eq(R.ident[0].side, SV);
	ck_assert_uint_eq(R.ident[0].proto, P7);
	ck_assert_str_eq(R.ident[0].vendor, "Siemens");
	ck_assert_str_eq(R.ident[0].product, "6ES7 315-2EH14-0AB0");
	ck_assert_str_eq(R.ident[0].hardware, "4");
	ck_assert_str_eq(R.ident[0].firmware, "V3.2.6");
	ck_assert_str_eq(R.ident[0].model, "");
	ck_assert_str_eq(R.ident[0].serial, "");
	ck_assert_uint_eq(R.ident[0].truncated, 0);
}
END_TEST

START_TEST(userdata_szl_001c_identity)
{
	static const uint8_t rpar[] = {UD_REQ(4, 1)};
	static const uint8_t rdat[] = {
		0xFF, 0x09, 0x00, 0x04, 0x00, 0x1C, 0x00, 0x00,
	};
	static const uint8_t spar[] = {UD_RES(4, 1, 0, 0)};
	uint8_t sdat[4 + 8 + 6 * 34];
	static const char *txt[] = {
		"PLANT-AS", "CPU 315-2 PN/DP", "Line 3", "(c) Siemens",
		"S C-C2UR28922012", "CPU 315-2 PN/DP type",
	};
	static const uint16_t idx[] = {1, 2, 3, 4, 5, 7};
	uint8_t f[512];
	size_t n, i, k = 0;

	sdat[k++] = 0xFF;		/* success */
	sdat[k++] = 0x09;
	sdat[k++] = (uint8_t)((8 + 6 * 34) >> 8);
	sdat[k++] = (uint8_t)(8 + 6 * 34);
	sdat[k++] = 0x00;		/* SZL 0x001C */
	sdat[k++] = 0x1C;
	sdat[k++] = 0x00;
	sdat[k++] = 0x00;
	sdat[k++] = 0x00;		/* 34-byte records */
	sdat[k++] = 0x22;
	sdat[k++] = 0x00;
	sdat[k++] = 0x06;		/* 6 records */
	for (i = 0; i < 6; i++) {
		sdat[k++] = 0;
		sdat[k++] = (uint8_t)idx[i];
		memset(sdat + k, 0, 32);
		memcpy(sdat + k, txt[i], strlen(txt[i]));
		k += 32;
	}
	n = s7(f, 7, 0x0200, 0, 0, rpar, sizeof(rpar), rdat, sizeof(rdat));
	feed(DIS_C2S, f, n);
	n = s7(f, 7, 0x0200, 0, 0, spar, sizeof(spar), sdat, k);
	feed(DIS_S2C, f, n);
	ck_assert_uint_eq(R.n_ident, 1);
	ck_assert_str_eq(R.ident[0].vendor, "Siemens");
	ck_assert_str_eq(R.ident[0].name, "PLANT-AS");
	ck_assert_str_eq(R.ident[0].model, "CPU 315-2 PN/DP type");
	ck_assert_str_eq(R.ident[0].url, "Line 3");
	ck_assert_str_eq(R.ident[0].serial, "S C-C2UR28922012");
	ck_assert_str_eq(R.ident[0].product, "");
	ck_assert_uint_eq(R.ident[0].side, SV);
}
END_TEST

START_TEST(userdata_szl_followup_not_decoded)
{
	/* Follow-up request (8-byte parameter): answer has no SZL header. */
	static const uint8_t rpar[] = {
		0x00, 0x01, 0x12, 0x08, 0x12, 0x44, 0x01, 0x01,
		0x00, 0x00, 0x00, 0x00,
	};
	static const uint8_t rdat[] = {0x0A, 0x00, 0x00, 0x00};
	static const uint8_t spar[] = {UD_RES(4, 1, 0, 0)};
	static const uint8_t sdat[] = {
		0xFF, 0x09, 0x00, 0x0C,
		0x00, 0x11, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x01,
		0x00, 0x00,
	};
	uint8_t f[128];
	size_t n;

	n = s7(f, 7, 5, 0, 0, rpar, sizeof(rpar), rdat, sizeof(rdat));
	feed(DIS_C2S, f, n);
	n = s7(f, 7, 5, 0, 0, spar, sizeof(spar), sdat, sizeof(sdat));
	feed(DIS_S2C, f, n);
	ck_assert_uint_eq(R.n_op, 2);
	check_op(&R.op[0], P7, OBS_C_DISCOVER, 0, C, 0x10401, 0, 0, NOLO,
	    NOHI, "Read SZL");
	ck_assert_uint_eq(R.n_ident, 0);
}
END_TEST

/*
 * Bug: a Read SZL answer in several userdata PDUs (a 240-byte PDU size:
 * the 0x001C list of 10 records is 348 bytes) lost every record after the
 * first part, here the module type name split across the two parts.
 * Wireshark joins the parts by data unit reference (tshark 4.0 on the
 * same bytes, tests/shared/ident-pcaps/s7-szl-001c-two-parts.pcap: all
 * ten records in the last frame).
 */
START_TEST(userdata_szl_001c_two_parts)
{
	static const uint8_t rpar[] = {UD_REQ(4, 1)};
	static const uint8_t rdat[] = {
		0xFF, 0x09, 0x00, 0x04, 0x00, 0x1C, 0x00, 0x00,
	};
	/* first answer: data unit reference 5, last data unit 0x01 (no) */
	static const uint8_t spar1[] = {
		0x00, 0x01, 0x12, 0x08, 0x12, 0x84, 0x01, 0x01,
		0x05, 0x01, 0x00, 0x00,
	};
	/* follow-up request and its answer, the last data unit */
	static const uint8_t fpar[] = {
		0x00, 0x01, 0x12, 0x08, 0x12, 0x44, 0x01, 0x02,
		0x05, 0x00, 0x00, 0x00,
	};
	static const uint8_t fdat[] = {0x0A, 0x00, 0x00, 0x00};
	static const uint8_t spar2[] = {
		0x00, 0x01, 0x12, 0x08, 0x12, 0x84, 0x01, 0x02,
		0x05, 0x00, 0x00, 0x00,
	};
	static const char *txt[] = {
		"PLANT-AS", "Station 1 CPU", "Line 3",
		"Original Siemens Equipment", "S C-C2UR28922012",
		"CPU 315-2 PN/DP", "MMC 267FF11F", "", "", "",
	};
	static const uint16_t idx[] = {1, 2, 3, 4, 5, 7, 8, 9, 10, 11};
	uint8_t list[8 + 10 * 34], d1[4 + 200], d2[4 + 148], f[512];
	size_t n, i, k = 0;

	list[k++] = 0x00; /* SZL 0x001C, index 0, 34-byte records, 10 */
	list[k++] = 0x1C;
	list[k++] = 0x00;
	list[k++] = 0x00;
	list[k++] = 0x00;
	list[k++] = 0x22;
	list[k++] = 0x00;
	list[k++] = 0x0A;
	for (i = 0; i < 10; i++) {
		list[k++] = 0;
		list[k++] = (uint8_t)idx[i];
		memset(list + k, 0, 32);
		memcpy(list + k, txt[i], strlen(txt[i]));
		k += 32;
	}
	ck_assert_uint_eq(k, sizeof(list));
	/* part 1: header and 192 bytes (the 6th record cut after 22) */
	d1[0] = 0xFF;
	d1[1] = 0x09;
	d1[2] = 0;
	d1[3] = 200;
	memcpy(d1 + 4, list, 200);
	d2[0] = 0xFF;
	d2[1] = 0x09;
	d2[2] = 0;
	d2[3] = 148;
	memcpy(d2 + 4, list + 200, 148);

	n = s7(f, 7, 0x0300, 0, 0, rpar, sizeof(rpar), rdat, sizeof(rdat));
	feed(DIS_C2S, f, n);
	n = s7(f, 7, 0x0300, 0, 0, spar1, sizeof(spar1), d1, sizeof(d1));
	feed(DIS_S2C, f, n);
	/*
	 * What the first part holds, at once; the module name waits: the
	 * type name of a later part would replace it (one model, not two).
	 */
	ck_assert_uint_eq(R.n_ident, 1);
	ck_assert_str_eq(R.ident[0].name, "PLANT-AS");
	ck_assert_str_eq(R.ident[0].model, "");
	ck_assert_str_eq(R.ident[0].serial, "S C-C2UR28922012");
	n = s7(f, 7, 0x0400, 0, 0, fpar, sizeof(fpar), fdat, sizeof(fdat));
	feed(DIS_C2S, f, n);
	n = s7(f, 7, 0x0400, 0, 0, spar2, sizeof(spar2), d2, sizeof(d2));
	feed(DIS_S2C, f, n);
	ck_assert_uint_eq(R.n_op, 4);
	ck_assert_uint_eq(R.n_anomaly, 0);
	/* the whole list: the type name wins for the model */
	ck_assert_uint_eq(R.n_ident, 2);
	ck_assert_uint_eq(R.ident[1].side, SV);
	ck_assert_str_eq(R.ident[1].vendor, "Siemens");
	ck_assert_str_eq(R.ident[1].name, "PLANT-AS");
	ck_assert_str_eq(R.ident[1].url, "Line 3");
	ck_assert_str_eq(R.ident[1].serial, "S C-C2UR28922012");
	ck_assert_str_eq(R.ident[1].model, "CPU 315-2 PN/DP");
}
END_TEST

/* A follow-up under another data unit reference is not joined. */
START_TEST(userdata_szl_parts_other_dur_ignored)
{
	static const uint8_t rpar[] = {UD_REQ(4, 1)};
	static const uint8_t rdat[] = {
		0xFF, 0x09, 0x00, 0x04, 0x00, 0x1C, 0x00, 0x00,
	};
	static const uint8_t spar1[] = {
		0x00, 0x01, 0x12, 0x08, 0x12, 0x84, 0x01, 0x01,
		0x05, 0x01, 0x00, 0x00,
	};
	static const uint8_t spar2[] = {
		0x00, 0x01, 0x12, 0x08, 0x12, 0x84, 0x01, 0x02,
		0x06, 0x00, 0x00, 0x00,
	};
	uint8_t d1[4 + 8 + 34], d2[4 + 34], f[256];
	size_t n;

	memset(d1, 0, sizeof(d1));
	d1[0] = 0xFF;
	d1[1] = 0x09;
	d1[3] = 8 + 34;
	d1[5] = 0x1C;
	d1[9] = 0x22;
	d1[11] = 0x02; /* 2 records announced, 1 in this part */
	d1[13] = 0x01;
	memcpy(d1 + 14, "PLANT-AS", 8);
	memset(d2, 0, sizeof(d2));
	d2[0] = 0xFF;
	d2[1] = 0x09;
	d2[3] = 34;
	d2[5] = 0x05;
	memcpy(d2 + 6, "S C-1", 5);
	n = s7(f, 7, 0x0300, 0, 0, rpar, sizeof(rpar), rdat, sizeof(rdat));
	feed(DIS_C2S, f, n);
	n = s7(f, 7, 0x0300, 0, 0, spar1, sizeof(spar1), d1, sizeof(d1));
	feed(DIS_S2C, f, n);
	ck_assert_uint_eq(R.n_ident, 1);
	n = s7(f, 7, 0x0400, 0, 0, spar2, sizeof(spar2), d2, sizeof(d2));
	feed(DIS_S2C, f, n);
	ck_assert_uint_eq(R.n_ident, 1);
	ck_assert_str_eq(R.ident[0].serial, "");
}
END_TEST

START_TEST(userdata_families)
{
	static const uint8_t p_blk[] = {UD_REQ(3, 3)};
	static const uint8_t d_blk[] = {
		0xFF, 0x09, 0x00, 0x08, '0', 'E', '0', '0', '0', '4', '2', 'A',
	};
	static const uint8_t p_pw[] = {UD_REQ(5, 1)};
	static const uint8_t d_pw[] = {
		0xFF, 0x09, 0x00, 0x08, 0x55, 0x53, 0x45, 0x52, 0x31, 0, 0, 0,
	};
	static const uint8_t p_clk[] = {UD_REQ(7, 1)};
	static const uint8_t p_set[] = {UD_REQ(7, 2)};
	static const uint8_t p_cyc[] = {UD_REQ(2, 1)};
	static const uint8_t p_prg[] = {UD_REQ(1, 0x10)};
	static const uint8_t p_unk[] = {UD_REQ(9, 0x21)};
	static const uint8_t p_cpu[] = {UD_REQ(4, 0x3F)};
	static const uint8_t d0[] = {0x0A, 0x00, 0x00, 0x00};
	uint8_t f[128];
	size_t n;

	n = s7(f, 7, 1, 0, 0, p_blk, sizeof(p_blk), d_blk, sizeof(d_blk));
	feed(DIS_C2S, f, n);
	n = s7(f, 7, 2, 0, 0, p_pw, sizeof(p_pw), d_pw, sizeof(d_pw));
	feed(DIS_C2S, f, n);
	n = s7(f, 7, 3, 0, 0, p_clk, sizeof(p_clk), d0, sizeof(d0));
	feed(DIS_C2S, f, n);
	n = s7(f, 7, 4, 0, 0, p_set, sizeof(p_set), d0, sizeof(d0));
	feed(DIS_C2S, f, n);
	n = s7(f, 7, 5, 0, 0, p_cyc, sizeof(p_cyc), d0, sizeof(d0));
	feed(DIS_C2S, f, n);
	n = s7(f, 7, 6, 0, 0, p_prg, sizeof(p_prg), d0, sizeof(d0));
	feed(DIS_C2S, f, n);
	n = s7(f, 7, 7, 0, 0, p_unk, sizeof(p_unk), d0, sizeof(d0));
	feed(DIS_C2S, f, n);
	n = s7(f, 7, 8, 0, 0, p_cpu, sizeof(p_cpu), d0, sizeof(d0));
	feed(DIS_C2S, f, n);
	ck_assert_uint_eq(R.n_op, 8);
	check_op(&R.op[0], P7, OBS_C_DISCOVER, 0, C, 0x10303, 0, 0x0E, 42,
	    42, "Get block info");
	check_op(&R.op[1], P7, OBS_C_SESSION, 0, C, 0x10501, 0, 0, NOLO,
	    NOHI, "PLC password");
	check_op(&R.op[2], P7, OBS_C_READ, 0, C, 0x10701, 0, 0, NOLO, NOHI,
	    "Read clock");
	check_op(&R.op[3], P7, OBS_C_WRITE, 0, C, 0x10702, 0, 0, NOLO, NOHI,
	    "Set clock");
	check_op(&R.op[4], P7, OBS_C_READ, 0, C, 0x10201, 0, 0, NOLO, NOHI,
	    "Cyclic transfer");
	check_op(&R.op[5], P7, OBS_C_CONTROL, 0, C, 0x10110, 0, 0, NOLO,
	    NOHI, "Forces");
	check_op(&R.op[6], P7, OBS_C_OTHER, 0, C, 0x10921, 0, 0, NOLO, NOHI,
	    "unknown");
	check_op(&R.op[7], P7, OBS_C_OTHER, 0, C, 0x1043F, 0, 0, NOLO, NOHI,
	    "CPU function");
}
END_TEST

START_TEST(userdata_error_and_push)
{
	static const uint8_t rpar[] = {UD_REQ(4, 1)};
	static const uint8_t rdat[] = {
		0xFF, 0x09, 0x00, 0x04, 0x0C, 0x91, 0x7F, 0xFF,
	};
	/* Answer with parameter error 0xD402 (SZL not available). */
	static const uint8_t spar[] = {UD_RES(4, 1, 0xD4, 0x02)};
	static const uint8_t sdat[] = {0x0A, 0x00, 0x00, 0x00};
	/* Cyclic data push from the PLC (WinCC capture). */
	static const uint8_t ppar[] = {UD_PUSH(2, 5)};
	static const uint8_t pdat[] = {0xFF, 0x09, 0x00, 0x02, 0x00, 0x01};
	uint8_t f[128];
	size_t n;

	n = s7(f, 7, 0x0C00, 0, 0, rpar, sizeof(rpar), rdat, sizeof(rdat));
	feed(DIS_C2S, f, n);
	n = s7(f, 7, 0x0C00, 0, 0, spar, sizeof(spar), sdat, sizeof(sdat));
	feed(DIS_S2C, f, n);
	n = s7(f, 7, 0, 0, 0, ppar, sizeof(ppar), pdat, sizeof(pdat));
	feed(DIS_S2C, f, n);
	ck_assert_uint_eq(R.n_op, 3);
	check_op(&R.op[1], P7, OBS_C_DISCOVER, RSP | EXC, C, 0x10401,
	    0xD402, 0, NOLO, NOHI, "Read SZL");
	check_op(&R.op[2], P7, OBS_C_READ, RSP | OBS_OP_UNSOLICITED, C,
	    0x10205, 0, 0, NOLO, NOHI, "Change driven transfer");
	ck_assert_uint_eq(R.n_ident, 0);
}
END_TEST

/* --- COTP segmentation and stream handling --------------------------- */

START_TEST(cotp_segments_reassembled)
{
	uint8_t pdu[64], a[64], b[64], c0[16], all[192];
	size_t n, na, nb, nc, k = 0;

	/* A read var job cut into two COTP segments, after an empty one. */
	n = s7(all, 1, 0x77, 0, 0, readvar_par, sizeof(readvar_par), NULL, 0);
	memcpy(pdu, all + 7, n - 7);
	n -= 7;
	nc = dt(c0, pdu, 0, 0);
	na = dt(a, pdu, 5, 0);
	nb = dt(b, pdu + 5, n - 5, 1);
	memcpy(all + k, c0, nc);
	k += nc;
	memcpy(all + k, a, na);
	k += na;
	memcpy(all + k, b, nb);
	k += nb;
	ck_assert_int_eq(feed(DIS_C2S, all, k), DIS_OK);
	ck_assert_uint_eq(R.n_op, 1);
	check_op(&R.op[0], P7, OBS_C_READ, 0, C, 0x04, 0, 5, 10, 13,
	    "Read Var");
}
END_TEST

START_TEST(cotp_reassembly_cap)
{
	static uint8_t big[1200];
	uint8_t f[1300], g[128];
	size_t n, i;

	/* Confirm the flow first. */
	feed(DIS_C2S, setup_job, sizeof(setup_job));
	S = rec_sink(&R);
	memset(big, 0x32, sizeof(big));
	n = dt(f, big, sizeof(big), 0);
	for (i = 0; i < 3; i++) /* 3600 bytes > 2048 */
		ck_assert_int_eq(feed(DIS_C2S, f, n), DIS_OK);
	n = dt(f, big, 10, 1);	/* the EOT segment ends the dropped TSDU */
	ck_assert_int_eq(feed(DIS_C2S, f, n), DIS_OK);
	ck_assert_uint_eq(R.n_op, 0);
	ck_assert_uint_eq(R.n_anomaly, 1);
	ck_assert_uint_eq(R.anomaly[0].proto, P7);
	ck_assert_str_eq(R.anomaly[0].what,
	    "COTP reassembly cap hit, TSDU dropped");
	/* The next PDU is fine. */
	n = s7(g, 1, 9, 0, 0, readvar_par, sizeof(readvar_par), NULL, 0);
	ck_assert_int_eq(feed(DIS_C2S, g, n), DIS_OK);
	ck_assert_uint_eq(R.n_op, 1);
	ck_assert_uint_eq(R.op[0].code, 0x04);
}
END_TEST

START_TEST(two_pdus_in_one_buffer)
{
	uint8_t f[256];
	size_t n;

	memcpy(f, setup_job, sizeof(setup_job));
	n = sizeof(setup_job);
	n += s7(f + n, 1, 3, 0, 0, readvar_par, sizeof(readvar_par), NULL, 0);
	ck_assert_int_eq(feed(DIS_C2S, f, n), DIS_OK);
	ck_assert_uint_eq(R.n_op, 2);
	ck_assert_uint_eq(R.op[0].code, 0xF0);
	check_op(&R.op[1], P7, OBS_C_READ, 0, C, 0x04, 0, 5, 10, 13,
	    "Read Var");
}
END_TEST

START_TEST(one_pdu_split_across_calls)
{
	uint8_t f[256], tail[256];
	size_t n, used, cut, k;
	enum dis_rc rc;

	n = s7(f, 1, 3, 0, 0, readvar_par, sizeof(readvar_par), NULL, 0);
	for (cut = 1; cut < n; cut++) {
		teardown();
		setup();
		/* First call: not enough bytes, nothing consumed. */
		rc = parse1(DIS_C2S, f, cut, &used);
		ck_assert_int_eq(rc, DIS_NEED_MORE);
		ck_assert_uint_eq(used, 0);
		ck_assert_uint_eq(R.n_op, 0);
		/* Second call: the sensor's tail plus the new bytes. */
		k = cut;
		memcpy(tail, f, k);
		memcpy(tail + k, f + cut, n - cut);
		rc = parse1(DIS_C2S, tail, n, &used);
		ck_assert_int_eq(rc, DIS_OK);
		ck_assert_uint_eq(used, n);
		ck_assert_uint_eq(R.n_op, 1);
		check_op(&R.op[0], P7, OBS_C_READ, 0, C, 0x04, 0, 5, 10, 13,
		    "Read Var");
	}
}
END_TEST

/* Build a client stream and a server stream of a whole session. */
static size_t
session_c2s(uint8_t *out)
{
	static const uint8_t rpar[] = {UD_REQ(4, 1)};
	static const uint8_t rdat[] = {
		0xFF, 0x09, 0x00, 0x04, 0x00, 0x11, 0x00, 0x01,
	};
	size_t n = 0;

	memcpy(out, cr_s7, sizeof(cr_s7));
	n += sizeof(cr_s7);
	memcpy(out + n, setup_job, sizeof(setup_job));
	n += sizeof(setup_job);
	n += s7(out + n, 1, 2, 0, 0, readvar_par, sizeof(readvar_par), NULL,
	    0);
	n += s7(out + n, 7, 3, 0, 0, rpar, sizeof(rpar), rdat, sizeof(rdat));
	return n;
}

static size_t
session_s2c(uint8_t *out)
{
	static const uint8_t rpar[] = {0x04, 0x01};
	static const uint8_t rdat[] = {0xFF, 0x04, 0x00, 0x08, 0x2A};
	static const uint8_t spar[] = {UD_RES(4, 1, 0, 0)};
	static const uint8_t sdat[] = {
		0xFF, 0x09, 0x00, 0x24, 0x01, 0x11, 0x00, 0x01, 0x00, 0x1C,
		0x00, 0x01, 0x00, 0x01, '6', 'E', 'S', '7', ' ', '2', '1',
		'4', '-', '1', 'A', 'G', '4', '0', '-', '0', 'X', 'B', '0',
		' ', 0x00, 0xC0, 0x00, 0x04, 0x00, 0x01,
	};
	size_t n = 0;

	memcpy(out, cc_s7, sizeof(cc_s7));
	n += sizeof(cc_s7);
	memcpy(out + n, setup_ack, sizeof(setup_ack));
	n += sizeof(setup_ack);
	n += s7(out + n, 3, 2, 0, 0, rpar, sizeof(rpar), rdat, sizeof(rdat));
	n += s7(out + n, 7, 3, 0, 0, spar, sizeof(spar), sdat, sizeof(sdat));
	return n;
}

static int
op_same(const struct obs_op *a, const struct obs_op *b)
{
	return a->proto == b->proto && a->cls == b->cls &&
	    a->flags == b->flags && a->requester == b->requester &&
	    a->code == b->code && a->status == b->status &&
	    a->unit == b->unit && a->addr_lo == b->addr_lo &&
	    a->addr_hi == b->addr_hi && strcmp(a->name, b->name) == 0;
}

START_TEST(truncation_sweep)
{
	static uint8_t c2s[512], s2c[512];
	static struct rec full;
	size_t nc, ns, i, k;
	enum dis_rc rc;

	nc = session_c2s(c2s);
	ns = session_s2c(s2c);
	feed(DIS_C2S, c2s, nc);
	feed(DIS_S2C, s2c, ns);
	ck_assert_uint_eq(R.n_op, 6);
	ck_assert_uint_eq(R.n_ident, 1);
	ck_assert_str_eq(R.ident[0].product, "6ES7 214-1AG40-0XB0");
	ck_assert_uint_eq(R.n_anomaly, 0);
	full = R;

	/* Every prefix of the client stream. */
	for (i = 0; i <= nc; i++) {
		teardown();
		setup();
		rc = feed(DIS_C2S, c2s, i);
		ck_assert(rc == DIS_OK || rc == DIS_NEED_MORE);
		ck_assert_uint_eq(R.n_anomaly, 0);
		for (k = 0; k < R.n_op; k++)
			ck_assert(op_same(&R.op[k], &full.op[k]));
	}
	/* Every prefix of the server stream after the whole client one. */
	for (i = 0; i <= ns; i++) {
		teardown();
		setup();
		feed(DIS_C2S, c2s, nc);
		S = rec_sink(&R);
		rc = feed(DIS_S2C, s2c, i);
		ck_assert(rc == DIS_OK || rc == DIS_NEED_MORE);
		ck_assert_uint_eq(R.n_anomaly, 0);
		for (k = 0; k < R.n_op; k++)
			ck_assert(op_same(&R.op[k], &full.op[3 + k]));
		ck_assert_uint_le(R.n_ident, 1);
		if (R.n_ident)
			ck_assert_str_eq(R.ident[0].product,
			    "6ES7 214-1AG40-0XB0");
	}
}
END_TEST

START_TEST(truncated_pdus_in_whole_frames)
{
	uint8_t f[256], g[256];
	size_t n, i;

	/* Each prefix of the S7 PDU, in a TPKT frame that says so. */
	n = s7(f, 1, 3, 0, 0, readvar_par, sizeof(readvar_par), NULL, 0);
	feed(DIS_C2S, setup_job, sizeof(setup_job));
	for (i = 0; i < n - 7; i++) {
		size_t m = dt(g, f + 7, i, 1);

		S = rec_sink(&R);
		(void)feed(DIS_C2S, g, m);
		ck_assert_uint_eq(R.n_op, 0);
		ck_assert_uint_le(R.n_anomaly, 1);
	}
}
END_TEST

/* --- hostile lengths ------------------------------------------------- */

START_TEST(lying_s7_length)
{
	uint8_t f[256];
	size_t n;
	enum dis_rc rc;

	feed(DIS_C2S, setup_job, sizeof(setup_job));
	S = rec_sink(&R);
	n = s7(f, 1, 3, 0, 0, readvar_par, sizeof(readvar_par), NULL, 0);
	f[7 + 6] = 0x01; /* parameter length 0x010E: past the TPDU */
	rc = feed(DIS_C2S, f, n);
	ck_assert_int_eq(rc, DIS_MALFORMED);
	ck_assert_uint_eq(R.n_op, 0);
	ck_assert_uint_eq(R.n_anomaly, 1);
	ck_assert_str_eq(R.anomaly[0].what,
	    "S7comm header lengths exceed the TPDU");
	ck_assert_uint_eq(R.anomaly[0].proto, P7);
}
END_TEST

START_TEST(lying_s7_length_unconfirmed_not_mine)
{
	uint8_t f[256];
	size_t n, used;

	n = s7(f, 1, 3, 0, 0, readvar_par, sizeof(readvar_par), NULL, 0);
	f[7 + 8] = 0x40; /* data length 0x4000 */
	ck_assert_int_eq(parse1(DIS_C2S, f, n, &used), DIS_NOT_MINE);
	ck_assert_uint_eq(R.n_op + R.n_role + R.n_anomaly + R.n_attr, 0);
}
END_TEST

START_TEST(lying_item_length)
{
	/* Item says 0x40 bytes of address spec: no range, no overread. */
	static const uint8_t par[] = {
		0x04, 0x01, 0x12, 0x40, 0x10, 0x02, 0x00, 0x04,
	};
	uint8_t f[64];
	size_t n = s7(f, 1, 1, 0, 0, par, sizeof(par), NULL, 0);

	ck_assert_int_eq(feed(DIS_C2S, f, n), DIS_OK);
	ck_assert_uint_eq(R.n_op, 1);
	check_op(&R.op[0], P7, OBS_C_READ, 0, C, 0x04, 0, 0, NOLO, NOHI,
	    "Read Var");
}
END_TEST

START_TEST(lying_cotp_li)
{
	static const uint8_t bad[] = {
		0x03, 0x00, 0x00, 0x0A, 0x20, 0xF0, 0x80, 0x32, 0x01, 0x00,
	};
	enum dis_rc rc;

	feed(DIS_C2S, setup_job, sizeof(setup_job));
	S = rec_sink(&R);
	rc = feed(DIS_C2S, bad, sizeof(bad));
	ck_assert_int_eq(rc, DIS_MALFORMED);
	ck_assert_uint_eq(R.n_anomaly, 1);
	ck_assert_str_eq(R.anomaly[0].what, "malformed COTP header");
	ck_assert_uint_eq(R.n_op, 0);
}
END_TEST

START_TEST(oversized_tpkt_then_recover)
{
	uint8_t f[256];
	size_t n, used, off = 0;
	enum dis_rc rc;
	int rounds = 0;

	feed(DIS_C2S, setup_job, sizeof(setup_job));
	S = rec_sink(&R);
	/* TPKT claims 65535 bytes: more than any COTP TPDU. */
	f[0] = 0x03;
	f[1] = 0x00;
	f[2] = 0xFF;
	f[3] = 0xFF;
	f[4] = 0x02;
	f[5] = 0xF0;
	f[6] = 0x80;
	f[7] = 0x32;
	n = 8;
	n += s7(f + n, 1, 3, 0, 0, readvar_par, sizeof(readvar_par), NULL, 0);
	while (off < n && rounds++ < 100) {
		rc = parse1(DIS_C2S, f + off, n - off, &used);
		off += used;
		if (rc == DIS_NEED_MORE || used == 0)
			break;
	}
	ck_assert_uint_eq(off, n);
	ck_assert_uint_eq(R.n_anomaly, 1);
	ck_assert_str_eq(R.anomaly[0].what, "TPKT frame too large");
	ck_assert_uint_eq(R.n_op, 1);
	ck_assert_uint_eq(R.op[0].code, 0x04);
}
END_TEST

START_TEST(oversized_unconfirmed_not_mine)
{
	static const uint8_t big[] = {0x03, 0x00, 0xFF, 0xFF, 0x02, 0xF0};
	size_t used;

	ck_assert_int_eq(parse1(DIS_C2S, big, sizeof(big), &used),
	    DIS_NOT_MINE);
	ck_assert_int_eq(dissector_s7.probe(big, sizeof(big), 0), PROBE_NO);
}
END_TEST

START_TEST(resync_skips_to_next_frame)
{
	uint8_t f[256];
	size_t n;
	enum dis_rc rc;

	feed(DIS_C2S, setup_job, sizeof(setup_job));
	S = rec_sink(&R);
	dissector_s7.resync(st, DIS_C2S);
	/* Tail of a lost PDU, then a whole frame. */
	memcpy(f, "\x00\x84\x00\x00\x50\x03\x01", 7);
	n = 7;
	n += s7(f + n, 1, 3, 0, 0, readvar_par, sizeof(readvar_par), NULL, 0);
	rc = feed(DIS_C2S, f, n);
	ck_assert_int_eq(rc, DIS_OK);
	ck_assert_uint_eq(R.n_op, 1);
	ck_assert_uint_eq(R.op[0].code, 0x04);
	ck_assert_uint_eq(R.n_anomaly, 0);
}
END_TEST

/*
 * Slots freed by answers in the middle of the table are reused, a
 * reused PDU reference replaces its unanswered request in place, and a
 * full table evicts the oldest request, not the lowest slot (the table
 * keeps a bit mask of used slots; this pins the order).
 */
START_TEST(pending_eviction_after_holes)
{
	uint8_t f[256];
	static const uint8_t rpar[] = {0x04, 0x01};
	static const uint16_t extra[] = {100, 101, 102};
	size_t n;
	uint16_t i;

	for (i = 0; i < 32; i++) {
		n = s7(f, 1, i, 0, 0, readvar_par, sizeof(readvar_par), NULL,
		    0);
		feed(DIS_C2S, f, n);
	}
	ck_assert_uint_eq(R.n_anomaly, 0);
	/* refs 5 and 17 answered: two holes */
	n = s7(f, 3, 5, 0, 0, rpar, sizeof(rpar), NULL, 0);
	feed(DIS_S2C, f, n);
	n = s7(f, 3, 17, 0, 0, rpar, sizeof(rpar), NULL, 0);
	feed(DIS_S2C, f, n);
	check_op(&R.op[33], P7, OBS_C_READ, RSP, C, 0x04, 0, 5, 10, 13,
	    "Read Var");
	/* ref 7 again: replaces the pending ref 7, takes no slot */
	n = s7(f, 1, 7, 0, 0, readvar_par, sizeof(readvar_par), NULL, 0);
	feed(DIS_C2S, f, n);
	/* 100 and 101 fill the holes; 102 evicts ref 0, the oldest */
	for (i = 0; i < 3; i++) {
		n = s7(f, 1, extra[i], 0, 0, readvar_par, sizeof(readvar_par),
		    NULL, 0);
		feed(DIS_C2S, f, n);
		ck_assert_uint_eq(R.n_anomaly, i < 2 ? 0 : 1);
	}
	ck_assert_str_eq(R.anomaly[0].what, "too many unanswered requests");
	ck_assert_uint_eq(R.n_op, 38);
	n = s7(f, 3, 0, 0, 0, rpar, sizeof(rpar), NULL, 0);
	feed(DIS_S2C, f, n);
	check_op(&R.op[38], P7, OBS_C_READ, RSP, C, 0x04, 0, 0, NOLO, NOHI,
	    "Read Var");
	/* ref 7 is paired once, then no longer pending */
	n = s7(f, 3, 7, 0, 0, rpar, sizeof(rpar), NULL, 0);
	feed(DIS_S2C, f, n);
	check_op(&R.op[39], P7, OBS_C_READ, RSP, C, 0x04, 0, 5, 10, 13,
	    "Read Var");
	feed(DIS_S2C, f, n);
	check_op(&R.op[40], P7, OBS_C_READ, RSP, C, 0x04, 0, 0, NOLO, NOHI,
	    "Read Var");
	/* ref 1 (now the oldest) and the newest are still there */
	for (i = 0; i < 4; i++) {
		n = s7(f, 3, i < 3 ? extra[i] : 1, 0, 0, rpar, sizeof(rpar),
		    NULL, 0);
		feed(DIS_S2C, f, n);
		check_op(&R.op[41 + i], P7, OBS_C_READ, RSP, C, 0x04, 0, 5, 10,
		    13, "Read Var");
	}
	ck_assert_uint_eq(R.n_anomaly, 1);
}
END_TEST

/*
 * cotp_dt(), the per-frame DT path, must decode exactly what
 * cotp_parse() decodes as DT and refuse everything else, for every LI,
 * code byte and frame length around the DT header.
 */
START_TEST(cotp_dt_agrees_with_cotp_parse)
{
	static const uint8_t codes[] = {0xF0, 0xF1, 0xFF, 0xE0, 0xD0, 0x80,
	    0x70, 0x00};
	static const uint8_t nrs[] = {0x80, 0x00, 0x7F, 0xFF};
	uint8_t f[32];
	struct cotp_tpdu t;
	struct cur pl;
	size_t flen, ci, ni;
	unsigned li;
	uint8_t eot;
	int r, dtok;

	for (flen = 0; flen <= 20; flen++)
		for (li = 0; li < 24; li++)
			for (ci = 0; ci < sizeof(codes); ci++)
				for (ni = 0; ni < sizeof(nrs); ni++) {
			memset(f, 0xAA, sizeof(f));
			f[0] = 3;
			f[1] = 0;
			f[2] = 0;
			f[3] = (uint8_t)flen;
			f[4] = (uint8_t)li;
			f[5] = codes[ci];
			f[6] = nrs[ni];
			r = cotp_parse(f, flen, &t);
			eot = 0x55;
			dtok = cotp_dt(f, flen, &eot, &pl);
			if (r == 0 && t.code == COTP_DT) {
				ck_assert_int_eq(dtok, 1);
				ck_assert_uint_eq(eot, t.eot);
				ck_assert_ptr_eq(pl.p, t.payload.p);
				ck_assert_uint_eq(pl.left, t.payload.left);
				ck_assert_int_eq(pl.err, t.payload.err);
			} else {
				ck_assert_int_eq(dtok, 0);
				ck_assert_uint_eq(eot, 0x55);
			}
		}
}
END_TEST

/*
 * Ack and ack-data headers are 12 bytes, job and userdata 10: a TSDU
 * cut anywhere inside them, or whose lengths overrun it by one byte, is
 * a header anomaly once the flow is S7; a whole one is not.
 */
START_TEST(header_cut_at_every_byte)
{
	uint8_t f[256], pdu[64];
	static const uint8_t rpar[] = {0x04, 0x01};
	size_t n, k, hl;
	int ros;

	/* confirm the flow first */
	n = s7(f, 1, 1, 0, 0, readvar_par, sizeof(readvar_par), NULL, 0);
	feed(DIS_C2S, f, n);
	for (ros = 1; ros <= 3; ros += 2) {
		hl = ros == 3 ? 12 : 10;
		n = s7(f, (uint8_t)ros, 9, 0, 0, rpar, sizeof(rpar), NULL, 0);
		/* the S7 PDU is at f + 7, n - 7 bytes */
		memcpy(pdu, f + 7, n - 7);
		for (k = 1; k <= n - 7; k++) {
			size_t before = R.n_anomaly, m;

			m = dt(f, pdu, k, 1);
			feed(ros == 3 ? DIS_S2C : DIS_C2S, f, m);
			if (k < n - 7) {
				ck_assert_uint_eq(R.n_anomaly, before + 1);
				ck_assert_str_eq(R.anomaly[before].what,
				    "S7comm header lengths exceed the TPDU");
			} else {
				ck_assert_uint_eq(R.n_anomaly, before);
			}
		}
		ck_assert_uint_ge(n - 7, hl + sizeof(rpar));
	}
}
END_TEST

START_TEST(pending_cap)
{
	uint8_t f[256];
	static const uint8_t rpar[] = {0x04, 0x01};
	size_t n;
	uint16_t i;

	for (i = 0; i < 40; i++) {
		n = s7(f, 1, i, 0, 0, readvar_par, sizeof(readvar_par), NULL,
		    0);
		feed(DIS_C2S, f, n);
	}
	ck_assert_uint_eq(R.n_anomaly, 1);
	ck_assert_str_eq(R.anomaly[0].what, "too many unanswered requests");
	/* The newest are still paired; the oldest were evicted. */
	n = s7(f, 3, 39, 0, 0, rpar, sizeof(rpar), NULL, 0);
	feed(DIS_S2C, f, n);
	check_op(&R.op[40], P7, OBS_C_READ, RSP, C, 0x04, 0, 5, 10, 13,
	    "Read Var");
	n = s7(f, 3, 0, 0, 0, rpar, sizeof(rpar), NULL, 0);
	feed(DIS_S2C, f, n);
	check_op(&R.op[41], P7, OBS_C_READ, RSP, C, 0x04, 0, 0, NOLO, NOHI,
	    "Read Var");
	ck_assert_uint_eq(R.n_anomaly, 1);
}
END_TEST

START_TEST(unknown_rosctr)
{
	static const uint8_t par[] = {0x00};
	uint8_t f[64];
	size_t n;

	feed(DIS_C2S, setup_job, sizeof(setup_job));
	S = rec_sink(&R);
	n = s7(f, 8, 1, 0, 0, par, sizeof(par), NULL, 0);
	ck_assert_int_eq(feed(DIS_C2S, f, n), DIS_MALFORMED);
	ck_assert_uint_eq(R.n_op, 0);
	ck_assert_str_eq(R.anomaly[0].what, "unknown S7comm ROSCTR");
}
END_TEST

/* --- not S7 ---------------------------------------------------------- */

START_TEST(mms_is_not_mine)
{
	ck_assert_int_eq(feed(DIS_C2S, cr_mms, sizeof(cr_mms)), DIS_OK);
	ck_assert_int_eq(feed(DIS_C2S, dt_mms, sizeof(dt_mms)), DIS_NOT_MINE);
	ck_assert_uint_eq(R.n_op + R.n_role + R.n_attr + R.n_anomaly +
	    R.n_ident, 0);
}
END_TEST

START_TEST(rdp_is_not_mine)
{
	ck_assert_int_eq(feed(DIS_C2S, cr_rdp, sizeof(cr_rdp)), DIS_NOT_MINE);
	ck_assert_uint_eq(R.n_op + R.n_role + R.n_attr + R.n_anomaly, 0);
}
END_TEST

START_TEST(not_tpkt_is_not_mine)
{
	static const uint8_t http[] = "GET / HTTP/1.0\r\n\r\n";

	ck_assert_int_eq(feed(DIS_C2S, http, sizeof(http) - 1),
	    DIS_NOT_MINE);
	ck_assert_uint_eq(R.n_op + R.n_role + R.n_anomaly, 0);
}
END_TEST

/* --- S7comm-plus ----------------------------------------------------- */

/* S7-1511 capture: CR with the SIMATIC-ROOT-OTH TSAP. */
static const uint8_t cr_plus[] = {
	0x03, 0x00, 0x00, 0x32,		/* TPKT length 50 */
	0x2D, 0xE0, 0x00, 0x00, 0x00, 0x28, 0x00, /* LI 45, CR */
	0xC1, 0x10, 'S', 'N', 'O', 'P', 'C', 'C', '0', '0', '0', '2', '0',
	'0', '0', '0', '0', '1',	/* calling TSAP */
	0xC2, 0x10, 'S', 'I', 'M', 'A', 'T', 'I', 'C', '-', 'R', 'O', 'O',
	'T', '-', 'O', 'T', 'H',	/* called TSAP */
	0xC0, 0x01, 0x0A,
};

START_TEST(plus_v1_create_object_and_v2_ops)
{
	/* V1 CreateObject request: opcode, 0, fn, 0, seq, session, flags. */
	static const uint8_t v1req[] = {
		0x31, 0x00, 0x00, 0x04, 0xCA, 0x00, 0x00, 0x00, 0x01,
		0x00, 0x00, 0x01, 0x20, 0x36, 0x00, 0x00, 0x01, 0x1D,
	};
	/* V1 CreateObject response with the PLC's identity string. */
	static const uint8_t v1res[] = {
		0x32, 0x00, 0x00, 0x04, 0xCA, 0x00, 0x00, 0x00, 0x01, 0x36,
		0x00, 0xA3, 0x82, 0x3F, 0x00, 0x15, 0x1A,
		'1', ';', '6', 'E', 'S', '7', ' ', '5', '1', '1', '-', '1',
		'A', 'K', '0', '0', '-', '0', 'A', 'B', '0', ';', 'V', '1',
		'.', '8', 0x82, 0x40,
	};
	/* V2 GetMultiVariables request and response (seq 4). */
	static const uint8_t v2req[] = {
		0x31, 0x00, 0x00, 0x05, 0x4C, 0x00, 0x00, 0x00, 0x04,
		0x00, 0x00, 0x03, 0x86, 0x34, 0x00, 0x00, 0x00, 0x00,
	};
	static const uint8_t v2res[] = {
		0x32, 0x00, 0x00, 0x05, 0x4C, 0x00, 0x00, 0x00, 0x04, 0x34,
		0x00, 0x01,
	};
	/* An unknown function, and a V2 Invoke. */
	static const uint8_t v2unk[] = {
		0x31, 0x00, 0x00, 0x07, 0x77, 0x00, 0x00, 0x00, 0x05,
		0x00, 0x00, 0x03, 0x86, 0x34,
	};
	static const uint8_t v2inv[] = {
		0x31, 0x00, 0x00, 0x05, 0x6B, 0x00, 0x00, 0x00, 0x06,
		0x00, 0x00, 0x03, 0x86, 0x34,
	};
	uint8_t f[256];
	size_t n;

	feed(DIS_C2S, cr_plus, sizeof(cr_plus));
	ck_assert_uint_eq(R.n_attr, 0);
	n = s7p(f, 1, v1req, sizeof(v1req), 1);
	ck_assert_int_eq(feed(DIS_C2S, f, n), DIS_OK);
	n = s7p(f, 1, v1res, sizeof(v1res), 1);
	ck_assert_int_eq(feed(DIS_S2C, f, n), DIS_OK);
	n = s7p(f, 2, v2req, sizeof(v2req), 1);
	ck_assert_int_eq(feed(DIS_C2S, f, n), DIS_OK);
	n = s7p(f, 2, v2res, sizeof(v2res), 1);
	ck_assert_int_eq(feed(DIS_S2C, f, n), DIS_OK);
	n = s7p(f, 2, v2unk, sizeof(v2unk), 1);
	feed(DIS_C2S, f, n);
	n = s7p(f, 2, v2inv, sizeof(v2inv), 1);
	feed(DIS_C2S, f, n);

	ck_assert_uint_eq(R.n_role, 2);
	ck_assert_uint_eq(R.role[0].proto, PP);
	ck_assert_uint_eq(R.role[0].role, OBS_R_CLIENT);
	ck_assert_uint_eq(R.role[1].proto, PP);
	ck_assert_uint_eq(R.role[1].role, OBS_R_SERVER);

	ck_assert_uint_eq(R.n_attr, 3);
	ck_assert_uint_eq(R.attr[0].key, OBS_A_TSAP);
	ck_assert_uint_eq(R.attr[0].num, 0);
	ck_assert_str_eq(R.attr[0].str, "SIMATIC-ROOT-OTH");
	ck_assert_uint_eq(R.attr[0].proto, PP);
	ck_assert_uint_eq(R.attr[1].key, OBS_A_PROTO_VERSION);
	ck_assert_uint_eq(R.attr[1].num, 1);
	ck_assert_uint_eq(R.attr[2].key, OBS_A_PROTO_VERSION);
	ck_assert_uint_eq(R.attr[2].num, 2);

	ck_assert_uint_eq(R.n_op, 6);
	check_op(&R.op[0], PP, OBS_C_SESSION, 0, C, 0x04CA, 0, 0, NOLO, NOHI,
	    "CreateObject");
	check_op(&R.op[1], PP, OBS_C_SESSION, RSP, C, 0x04CA, 0, 0, NOLO,
	    NOHI, "CreateObject");
	check_op(&R.op[2], PP, OBS_C_READ, 0, C, 0x054C, 0, 0, NOLO, NOHI,
	    "GetMultiVariables");
	check_op(&R.op[3], PP, OBS_C_READ, RSP, C, 0x054C, 0, 0, NOLO, NOHI,
	    "GetMultiVariables");
	check_op(&R.op[4], PP, OBS_C_OTHER, 0, C, 0x0777, 0, 0, NOLO, NOHI,
	    "unknown");
	check_op(&R.op[5], PP, OBS_C_CONTROL, 0, C, 0x056B, 0, 0, NOLO, NOHI,
	    "Invoke");

	ck_assert_uint_eq(R.n_ident, 1);
	ck_assert_uint_eq(R.ident[0].side, SV);
	ck_assert_uint_eq(R.ident[0].proto, PP);
	ck_assert_str_eq(R.ident[0].vendor, "Siemens");
	ck_assert_str_eq(R.ident[0].product, "6ES7 511-1AK00-0AB0");
	ck_assert_str_eq(R.ident[0].firmware, "V1.8");
	ck_assert_uint_eq(R.n_anomaly, 0);
}
END_TEST

START_TEST(plus_v3_integrity_and_notification)
{
	/* V3: digest length 0x20 and 32 digest bytes before the opcode. */
	uint8_t req[64], res[64], ntf[64], f[256];
	size_t k, n;

	memset(req, 0xAB, sizeof(req));
	req[0] = 0x20;
	k = 33;
	memcpy(req + k, "\x31\x00\x00\x05\x42\x00\x00\x83\x1d"
	    "\x70\x00\x0e\x4d\x34", 14);
	k += 14;
	n = s7p(f, 3, req, k, 1);
	ck_assert_int_eq(feed(DIS_C2S, f, n), DIS_OK);

	memset(res, 0xCD, sizeof(res));
	res[0] = 0x20;
	memcpy(res + 33, "\x32\x00\x00\x05\x42\x00\x00\x83\x1d\x34\x00", 11);
	n = s7p(f, 3, res, 44, 1);
	ck_assert_int_eq(feed(DIS_S2C, f, n), DIS_OK);

	memset(ntf, 0xEF, sizeof(ntf));
	ntf[0] = 0x20;
	memcpy(ntf + 33, "\x33\x70\x00\x0e\x51\x04\x00\x00\x00\x00", 10);
	n = s7p(f, 3, ntf, 43, 1);
	ck_assert_int_eq(feed(DIS_S2C, f, n), DIS_OK);

	ck_assert_uint_eq(R.n_attr, 1);
	ck_assert_uint_eq(R.attr[0].key, OBS_A_PROTO_VERSION);
	ck_assert_uint_eq(R.attr[0].num, 3);
	ck_assert_uint_eq(R.n_op, 3);
	check_op(&R.op[0], PP, OBS_C_WRITE, 0, C, 0x0542, 0, 0, NOLO, NOHI,
	    "SetMultiVariables");
	check_op(&R.op[1], PP, OBS_C_WRITE, RSP, C, 0x0542, 0, 0, NOLO, NOHI,
	    "SetMultiVariables");
	check_op(&R.op[2], PP, OBS_C_READ, RSP | OBS_OP_UNSOLICITED, C, 0, 0,
	    0, NOLO, NOHI, "Notification");
}
END_TEST

START_TEST(plus_fragment_continuation)
{
	/* First part without trailer: the next TPDU continues it. */
	static const uint8_t part1[] = {
		0x31, 0x00, 0x00, 0x05, 0x86, 0x00, 0x00, 0x00, 0x09,
		0x00, 0x00, 0x03, 0x86, 0x34,
	};
	/* Continuation whose first byte looks like a response opcode. */
	static const uint8_t part2[] = {
		0x32, 0x00, 0x00, 0x04, 0xD4, 0x00, 0x00, 0x00, 0x01,
	};
	uint8_t f[128];
	size_t n;

	n = s7p(f, 2, part1, sizeof(part1), 0);
	feed(DIS_C2S, f, n);
	n = s7p(f, 2, part2, sizeof(part2), 1);
	feed(DIS_C2S, f, n);
	ck_assert_uint_eq(R.n_op, 1);
	check_op(&R.op[0], PP, OBS_C_READ, 0, C, 0x0586, 0, 0, NOLO, NOHI,
	    "GetVarSubStreamed");
	ck_assert_uint_eq(R.n_anomaly, 0);
}
END_TEST

START_TEST(plus_no_response_flag_not_pending)
{
	/* SetVariable with transport flags 0x74: no answer will come. */
	static const uint8_t req[] = {
		0x31, 0x00, 0x00, 0x04, 0xF2, 0x00, 0x00, 0x83, 0x1A,
		0x70, 0x00, 0x0E, 0x4D, 0x74, 0x00,
	};
	uint8_t f[128], r[64];
	size_t n;
	int i;

	memcpy(r, req, sizeof(req));
	for (i = 0; i < 100; i++) {
		r[8] = (uint8_t)i;
		n = s7p(f, 2, r, sizeof(req), 1);
		feed(DIS_C2S, f, n);
	}
	ck_assert_uint_eq(R.n_op, 100);
	check_op(&R.op[99], PP, OBS_C_WRITE, 0, C, 0x04F2, 0, 0, NOLO, NOHI,
	    "SetVariable");
	ck_assert_uint_eq(R.n_anomaly, 0);
}
END_TEST

START_TEST(plus_keepalive_and_bad_opcode)
{
	static const uint8_t ka[] = {0x72, 0xFF, 0x00, 0x00};
	static const uint8_t bad[] = {
		0x45, 0x00, 0x00, 0x05, 0x4C, 0x00, 0x00, 0x00, 0x04,
	};
	uint8_t f[64];
	size_t n;

	n = dt(f, ka, sizeof(ka), 1);
	ck_assert_int_eq(feed(DIS_C2S, f, n), DIS_OK);
	ck_assert_uint_eq(R.n_role, 2);
	ck_assert_uint_eq(R.n_op, 0);
	ck_assert_uint_eq(R.n_attr, 0);
	n = s7p(f, 2, bad, sizeof(bad), 1);
	ck_assert_int_eq(feed(DIS_C2S, f, n), DIS_OK);
	ck_assert_uint_eq(R.n_op, 0);
	ck_assert_uint_eq(R.n_anomaly, 1);
	ck_assert_str_eq(R.anomaly[0].what, "unknown S7comm-plus opcode");
	ck_assert_uint_eq(R.anomaly[0].proto, PP);
}
END_TEST

START_TEST(plus_tls_encrypted)
{
	/* TLS ClientHello record header inside COTP DT. */
	static const uint8_t hello[] = {
		0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00,
	};
	static const uint8_t appdata[] = {
		0x17, 0x03, 0x03, 0x00, 0x04, 0xDE, 0xAD, 0xBE, 0xEF,
	};
	uint8_t f[64];
	size_t n;

	feed(DIS_C2S, cr_plus, sizeof(cr_plus));
	n = dt(f, hello, sizeof(hello), 1);
	ck_assert_int_eq(feed(DIS_C2S, f, n), DIS_OK);
	n = dt(f, appdata, sizeof(appdata), 1);
	ck_assert_int_eq(feed(DIS_S2C, f, n), DIS_OK);
	ck_assert_int_eq(feed(DIS_C2S, f, n), DIS_OK);
	ck_assert_uint_eq(R.n_op, 0);
	ck_assert_uint_eq(R.n_role, 2);
	ck_assert_uint_eq(R.role[0].proto, PP);
	ck_assert_uint_eq(R.n_attr, 2);
	ck_assert_uint_eq(R.attr[0].key, OBS_A_TSAP);
	ck_assert_uint_eq(R.attr[1].key, OBS_A_ENCRYPTED);
	ck_assert_uint_eq(R.attr[1].num, 1);
	ck_assert_uint_eq(R.attr[1].proto, PP);
	ck_assert_uint_eq(R.n_anomaly, 0);
}
END_TEST

START_TEST(tls_after_plain_tsap_not_mine)
{
	static const uint8_t hello[] = {
		0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00,
	};
	uint8_t f[64];
	size_t n;

	feed(DIS_C2S, cr_s7, sizeof(cr_s7));
	n = dt(f, hello, sizeof(hello), 1);
	ck_assert_int_eq(feed(DIS_C2S, f, n), DIS_NOT_MINE);
	ck_assert_uint_eq(R.n_op + R.n_role + R.n_attr + R.n_anomaly, 0);
}
END_TEST

START_TEST(plus_lying_length)
{
	static const uint8_t pdu[] = {0x72, 0x02, 0x01, 0x00, 0x31, 0x00};
	uint8_t f[64];
	size_t n;

	feed(DIS_C2S, cr_plus, sizeof(cr_plus));
	n = dt(f, pdu, sizeof(pdu), 1);
	ck_assert_int_eq(feed(DIS_C2S, f, n), DIS_NOT_MINE);
	ck_assert_uint_eq(R.n_op + R.n_role + R.n_anomaly, 0);
}
END_TEST

static Suite *
s7_suite(void)
{
	Suite *s = suite_create("s7");
	TCase *tc;

	tc = tcase_create("tpkt_cotp");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tpkt_frame_cases);
	tcase_add_test(tc, cotp_parse_cr_and_dt);
	tcase_add_test(tc, cotp_parse_rdp_cookie);
	tcase_add_test(tc, probe_cases);
	suite_add_tcase(s, tc);

	tc = tcase_create("s7comm");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, minimal_setup_session);
	tcase_add_test(tc, read_var_db_item);
	tcase_add_test(tc, write_var_bit_and_counters);
	tcase_add_test(tc, read_var_non_s7any_item);
	tcase_add_test(tc, ack_data_exception_paired);
	tcase_add_test(tc, ack_exception_start_upload);
	tcase_add_test(tc, unpaired_response);
	tcase_add_test(tc, cotp_disconnect_and_errors);
	tcase_add_test(tc, block_download_family);
	tcase_add_test(tc, pi_services_and_stop);
	suite_add_tcase(s, tc);

	tc = tcase_create("userdata");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, userdata_szl_0011_identity);
	tcase_add_test(tc, userdata_szl_001c_identity);
	tcase_add_test(tc, userdata_szl_followup_not_decoded);
	tcase_add_test(tc, userdata_szl_001c_two_parts);
	tcase_add_test(tc, userdata_szl_parts_other_dur_ignored);
	tcase_add_test(tc, userdata_families);
	tcase_add_test(tc, userdata_error_and_push);
	suite_add_tcase(s, tc);

	tc = tcase_create("stream");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, cotp_segments_reassembled);
	tcase_add_test(tc, cotp_reassembly_cap);
	tcase_add_test(tc, two_pdus_in_one_buffer);
	tcase_add_test(tc, one_pdu_split_across_calls);
	tcase_add_test(tc, truncation_sweep);
	tcase_add_test(tc, truncated_pdus_in_whole_frames);
	tcase_add_test(tc, resync_skips_to_next_frame);
	tcase_add_test(tc, pending_cap);
	tcase_add_test(tc, pending_eviction_after_holes);
	tcase_add_test(tc, cotp_dt_agrees_with_cotp_parse);
	tcase_add_test(tc, header_cut_at_every_byte);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, lying_s7_length);
	tcase_add_test(tc, lying_s7_length_unconfirmed_not_mine);
	tcase_add_test(tc, lying_item_length);
	tcase_add_test(tc, lying_cotp_li);
	tcase_add_test(tc, oversized_tpkt_then_recover);
	tcase_add_test(tc, oversized_unconfirmed_not_mine);
	tcase_add_test(tc, unknown_rosctr);
	tcase_add_test(tc, mms_is_not_mine);
	tcase_add_test(tc, rdp_is_not_mine);
	tcase_add_test(tc, not_tpkt_is_not_mine);
	suite_add_tcase(s, tc);

	tc = tcase_create("s7comm_plus");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, plus_v1_create_object_and_v2_ops);
	tcase_add_test(tc, plus_v3_integrity_and_notification);
	tcase_add_test(tc, plus_fragment_continuation);
	tcase_add_test(tc, plus_no_response_flag_not_pending);
	tcase_add_test(tc, plus_keepalive_and_bad_opcode);
	tcase_add_test(tc, plus_tls_encrypted);
	tcase_add_test(tc, tls_after_plain_tsap_not_mine);
	tcase_add_test(tc, plus_lying_length);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(s7_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

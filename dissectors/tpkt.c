/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tpkt.c: TPKT (RFC 1006) framing and COTP (ISO 8073 class 0) header
 * decoding, shared by the ISO-on-TCP dissectors.  See tpkt.h for the
 * frame diagrams.  Stateless and allocation-free.
 *
 * Reference: RFC 1006 (May 1987) section 6 "Packet format"; ISO/IEC 8073
 * (1997) section 13 "Structure and encoding of TPDUs" (equivalently ITU-T
 * X.224 section 13).  Trust: every byte is hostile; LI is checked against
 * the frame before anything behind it is read.
 */
#include "tpkt.h"

/* tpkt_frame() and cotp_dt() are inline in tpkt.h: they run per PDU. */

static void
cotp_tsap_take(struct cur *c, size_t n, struct cotp_tsap *ts)
{
	size_t keep = n < COTP_TSAP_MAX ? n : COTP_TSAP_MAX;

	ts->present = 1;
	ts->truncated = n > COTP_TSAP_MAX;
	ts->len = (uint8_t)keep;
	cur_copy(c, ts->b, keep);
	cur_skip(c, n - keep);
}

/*
 * The variable part of CR/CC/DR: code(1) length(1) value.  Every
 * parameter must fit; the list must end exactly at the end of the header
 * (a parameter of length 0 still advances by 2, so the loop ends).
 */
static void
cotp_params(struct cur *c, struct cotp_tpdu *t)
{
	uint8_t code, plen;
	struct cur v;

	while (cur_ok(c) && c->left > 0) {
		code = cur_u8(c);
		plen = cur_u8(c);
		v = cur_sub(c, plen);
		if (!cur_ok(c))
			break;
		switch (code) {
		case COTP_P_TPDU_SIZE:
			if (plen == 1)
				t->tpdu_size = cur_u8(&v);
			break;
		case COTP_P_CALLING_TSAP:
			cotp_tsap_take(&v, plen, &t->calling);
			break;
		case COTP_P_CALLED_TSAP:
			cotp_tsap_take(&v, plen, &t->called);
			break;
		default:
			break;
		}
	}
	if (!cur_ok(c)) {
		t->params_bad = 1;
		t->calling.present = t->called.present = 0;
	}
}

int
cotp_parse(const uint8_t *frame, size_t flen, struct cotp_tpdu *t)
{
	struct cur c, hdr;
	uint8_t b;

	*t = (struct cotp_tpdu){0};
	if (flen < TPKT_MIN_FRAME)
		return -1;
	c = cur_make(frame + TPKT_HDR_LEN, flen - TPKT_HDR_LEN);
	t->li = cur_u8(&c);
	/* LI covers the code byte at least, and cannot leave the frame. */
	if (t->li < 1)
		return -1;
	hdr = cur_sub(&c, t->li);
	if (!cur_ok(&c))
		return -1;
	t->payload = c;
	b = cur_u8(&hdr);
	t->code = b & 0xF0;
	switch (t->code) {
	case COTP_DT:
		/* Class 0/1: one octet EOT | TPDU-NR (normal format). */
		b = cur_u8(&hdr);
		if (!cur_ok(&hdr))
			return -1;
		t->eot = (b & COTP_DT_EOT) != 0;
		t->tpdu_nr = b & 0x7F;
		break;
	case COTP_CR:
	case COTP_CC:
		t->dst_ref = cur_be16(&hdr);
		t->src_ref = cur_be16(&hdr);
		t->class_opt = cur_u8(&hdr);
		if (!cur_ok(&hdr))
			return -1;
		cotp_params(&hdr, t);
		break;
	case COTP_DR:
		t->dst_ref = cur_be16(&hdr);
		t->src_ref = cur_be16(&hdr);
		t->reason = cur_u8(&hdr);
		if (!cur_ok(&hdr))
			return -1;
		cotp_params(&hdr, t);
		break;
	case COTP_DC:
		t->dst_ref = cur_be16(&hdr);
		t->src_ref = cur_be16(&hdr);
		if (!cur_ok(&hdr))
			return -1;
		break;
	default:
		break;
	}
	return 0;
}

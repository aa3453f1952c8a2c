/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tpkt.h: ISO transport over TCP, written once for every ISO-on-TCP
 * protocol (S7comm, S7comm-plus, and anyone else who needs it, e.g. MMS).
 *
 * TPKT (RFC 1006, section 6) frames a TPDU on a TCP stream; COTP
 * (ISO 8073 / X.224, class 0) is the TPDU inside.  These helpers only
 * split and decode headers: they hold no state and emit nothing.  The
 * caller owns reassembly of DT segments (EOT = 0), because only it knows
 * how much it can afford to keep per flow.
 *
 *   TPKT (RFC 1006 s6)          COTP (ISO 8073 s13, class 0)
 *   +-----+-----+-----+-----+   +----+------+- - - - - - - - - - - - -+
 *   | ver | res |  length   |   | LI | code | fixed part, variable    |
 *   | =3  | =0  | (BE, incl |   |    |      | part (parameters)       |
 *   |     |     |  header)  |   +----+------+- - - - - - - - - - - - -+
 *   +-----+-----+-----+-----+   LI counts the header bytes after itself;
 *                               user data (DT payload) follows it.
 *
 *   CR/CC fixed part: code, dst-ref(2), src-ref(2), class/option(1)
 *   DT fixed part:    code (0xF0), EOT bit | TPDU-NR (1)
 *   DR fixed part:    code, dst-ref(2), src-ref(2), reason(1)
 *   Parameters:       code(1) length(1) value(length); 0xC0 TPDU size,
 *                     0xC1 calling TSAP, 0xC2 called TSAP.
 */
#ifndef OTZ_TPKT_H
#define OTZ_TPKT_H

#include <stddef.h>
#include <stdint.h>

#include "cursor.h"

#define TPKT_VERSION 3
#define TPKT_HDR_LEN 4
/* Smallest frame that can hold a COTP header: TPKT + LI + DT code/NR. */
#define TPKT_MIN_FRAME (TPKT_HDR_LEN + 3)

/* COTP TPDU codes (high nibble of the code byte; CR/CC carry CDT low). */
#define COTP_ED 0x10
#define COTP_EA 0x20
#define COTP_RJ 0x50
#define COTP_AK 0x60
#define COTP_ER 0x70
#define COTP_DR 0x80
#define COTP_DC 0xC0
#define COTP_CC 0xD0
#define COTP_CR 0xE0
#define COTP_DT 0xF0

/* COTP parameter codes (ISO 8073 s13.3.4). */
#define COTP_P_TPDU_SIZE 0xC0
#define COTP_P_CALLING_TSAP 0xC1
#define COTP_P_CALLED_TSAP 0xC2

#define COTP_DT_EOT 0x80
/* TSAP bytes kept; longer ones are cut and flagged. */
#define COTP_TSAP_MAX 32

enum { TPKT_OK = 0, TPKT_SHORT, TPKT_BAD };

/*
 * Look at the TPKT header at buf (len bytes, borrowed).  TPKT_OK: a whole
 * frame of *frame_len bytes (header included) is in buf.  TPKT_SHORT: the
 * header or the frame is incomplete; *frame_len is its full length when
 * the header is there, else 0.  TPKT_BAD: not a TPKT header (version not
 * 3, reserved not 0, or a length below TPKT_MIN_FRAME).
 */
static inline int
tpkt_frame(const uint8_t *buf, size_t len, size_t *frame_len)
{
	size_t n;

	*frame_len = 0;
	if (len >= 1 && buf[0] != TPKT_VERSION)
		return TPKT_BAD;
	if (len >= 2 && buf[1] != 0)
		return TPKT_BAD;
	if (len < TPKT_HDR_LEN)
		return TPKT_SHORT;
	n = (size_t)buf[2] << 8 | buf[3];
	if (n < TPKT_MIN_FRAME)
		return TPKT_BAD;
	*frame_len = n;
	return len >= n ? TPKT_OK : TPKT_SHORT;
}

struct cotp_tsap {
	uint8_t present;
	uint8_t truncated;	/* longer than COTP_TSAP_MAX */
	uint8_t len;		/* bytes kept in b[] */
	uint8_t b[COTP_TSAP_MAX];
};

/* A decoded COTP header.  No pointers into the packet but payload. */
struct cotp_tpdu {
	uint8_t code;		/* COTP_* (high nibble only) */
	uint8_t li;
	uint8_t eot;		/* DT: last segment of a TSDU */
	uint8_t tpdu_nr;	/* DT: 7-bit sequence number */
	uint16_t dst_ref;	/* CR/CC/DR/DC */
	uint16_t src_ref;
	uint8_t class_opt;	/* CR/CC: class << 4 | options */
	uint8_t reason;		/* DR: disconnect reason */
	uint8_t tpdu_size;	/* CR/CC: 0xC0 value (2^n bytes), 0 absent */
	/*
	 * CR/CC/DR: the variable part is not a clean list of parameters
	 * (RDP, for one, puts a cookie there).  The TSAPs are then absent.
	 */
	uint8_t params_bad;
	struct cotp_tsap calling; /* CR/CC: 0xC1 */
	struct cotp_tsap called;  /* CR/CC: 0xC2 */
	/*
	 * Bytes after the COTP header inside this frame: DT user data (or
	 * CR/CC/DR user data, unused in class 0).  Borrowed from the frame.
	 */
	struct cur payload;
};

/*
 * Decode the COTP header of one TPKT frame (frame, flen bytes, borrowed,
 * TPKT header included: as delimited by tpkt_frame()).  Returns 0 and
 * fills *t, or -1 when the header is malformed: LI past the frame, or a
 * fixed part too short for its code.  CR/CC/DR parameters whose lengths
 * do not add up to LI set params_bad instead.  Unknown codes decode with
 * only code and li.
 */
int cotp_parse(const uint8_t *frame, size_t flen, struct cotp_tpdu *t);

/*
 * The DT case of cotp_parse(), for the per-PDU path: no cotp_tpdu to
 * clear.  Returns 1 and sets *eot and *payload (borrowed from frame)
 * exactly as cotp_parse() would set t->eot and t->payload when it
 * decodes frame as a DT TPDU; returns 0, touching nothing, for anything
 * else (another code, or a malformed header: ask cotp_parse()).
 */
static inline int
cotp_dt(const uint8_t *frame, size_t flen, uint8_t *eot, struct cur *payload)
{
	size_t li;

	if (flen < TPKT_MIN_FRAME)
		return 0;
	li = frame[TPKT_HDR_LEN];
	/*
	 * LI covers the code and EOT | TPDU-NR bytes and stays inside the
	 * frame: li <= flen - 5 (flen >= 7 here, no wrap).
	 */
	if (li < 2 || li > flen - TPKT_HDR_LEN - 1 ||
	    (frame[TPKT_HDR_LEN + 1] & 0xF0) != COTP_DT)
		return 0;
	*eot = (frame[TPKT_HDR_LEN + 2] & COTP_DT_EOT) != 0;
	*payload = cur_make(frame + TPKT_HDR_LEN + 1 + li,
	    flen - TPKT_HDR_LEN - 1 - li);
	return 1;
}

#endif

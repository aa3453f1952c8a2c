/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_decode.c: sensor/decode.c under libFuzzer (or the replay main).
 *
 * Byte 0 chooses:
 *   bits 0-3: the link type, link_types[b % N]
 *   bits 4-6: snaplen emulation: wirelen = caplen + 97 * bits (0: whole)
 *   bit 7:    0 one frame: the rest of the input;
 *             1 a sequence of frames through one decoder (reassembly):
 *               records of [len hi][len lo][dt] frame..., dt advancing
 *               the packet clock by dt * 10 ms (timeout 1 s, 4 slots,
 *               a 16 KiB byte budget, so every cap is reachable).
 * Every frame is copied into an exact-size heap buffer, so ASan sees a
 * one-byte over-read.  Invariants: on DEC_OK the payload lies inside the
 * frame (or, reassembled, inside the decoder's buffer: every byte is
 * read), lengths agree, the fields are in range.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../sensor/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static const int link_types[] = {
	1,   /* DLT_EN10MB */
	113, /* DLT_LINUX_SLL */
	276, /* DLT_LINUX_SLL2 */
	12,  /* DLT_RAW */
	0,   /* DLT_NULL */
	108, /* DLT_LOOP */
	228, /* DLT_IPV4 */
	229, /* DLT_IPV6 */
	101, /* LINKTYPE_RAW */
	14,  /* DLT_RAW (OpenBSD) */
	105, /* 802.11: unsupported */
};
#define N_LINKS (sizeof(link_types) / sizeof(link_types[0]))

static volatile uint8_t sink;

static void
check(enum dec_rc rc, const struct pkt *p, const uint8_t *buf, size_t len)
{
	uint8_t x = 0;
	uint32_t i;

	if ((int)rc < (int)DEC_OK || (int)rc > (int)DEC_UNSUPPORTED_LINK)
		abort();
	if (p->ipver != 0 && p->ipver != 4 && p->ipver != 6)
		abort();
	if ((p->has_mac & ~(PKT_MAC_SRC | PKT_MAC_DST)) != 0)
		abort();
	if (p->vlan > 4095)
		abort();
	if (p->caplen != len || p->wirelen < p->caplen)
		abort();
	if (rc != DEC_OK)
		return;
	if (p->ipver == 0)
		abort();
	if (p->l3 != NULL && (p->reassembled || p->l3 < buf ||
	    p->l3 > buf + len || p->l3_len > (size_t)(buf + len - p->l3)))
		abort();
	if (p->l4 != 6 && p->l4 != 17 && (p->src_port || p->dst_port))
		abort();
	if (p->payload == NULL) {
		if (p->payload_len != 0)
			abort();
		return;
	}
	if (p->reassembled) {
		if (p->payload_len > 65535 || p->truncated)
			abort();
	} else if (p->payload < buf || p->payload > buf + len ||
	    p->payload_len > (size_t)(buf + len - p->payload)) {
		abort();
	}
	for (i = 0; i < p->payload_len; i++)
		x ^= p->payload[i];
	sink = x;
}

static void
one(struct decoder *dec, int dlt, const uint8_t *d, size_t n, uint32_t extra,
    uint64_t ts)
{
	uint8_t *buf = malloc(n ? n : 1);
	struct pkt p;
	enum dec_rc rc;

	if (buf == NULL)
		abort();
	memcpy(buf, d, n);
	rc = decoder_frame(dec, dlt, buf, (uint32_t)n, (uint32_t)n + extra, ts,
	    &p);
	check(rc, &p, buf, n);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct decoder *dec;
	uint64_t ts = 1700000000000000ull;
	uint32_t extra;
	size_t off, len;
	uint8_t mode;
	int dlt;

	if (n < 1)
		return 0;
	mode = d[0];
	dlt = link_types[(mode & 0x0f) % N_LINKS];
	extra = 97u * ((mode >> 4) & 7);
	d++;
	n--;
	if ((mode & 0x80) == 0) {
		if ((dec = decoder_new(4)) == NULL)
			abort();
		one(dec, dlt, d, n, extra, ts);
		decoder_free(dec);
		return 0;
	}
	if ((dec = decoder_new_limits(4, 16384, 1000000)) == NULL)
		abort();
	off = 0;
	while (n - off >= 3) {
		len = (size_t)d[off] << 8 | d[off + 1];
		ts += (uint64_t)d[off + 2] * 10000;
		off += 3;
		if (len > n - off)
			len = n - off;
		one(dec, dlt, d + off, len, extra, ts);
		off += len;
	}
	decoder_free(dec);
	return 0;
}

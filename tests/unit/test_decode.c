/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_decode.c: sensor/decode.c, frame by frame.
 *
 * Checked against Wireshark (tshark 4.0.17) on the 47 captures of
 * /work/shared/pcaps with a throwaway libpcap driver: for every frame the
 * outer (src, dst) IP pair, whether it is TCP/UDP, its ports, the TCP
 * payload length (tcp.len) / UDP payload length (udp.length - 8), the
 * outer VLAN id and the Ethernet/SLL MACs agree on every frame of every
 * capture (29,000+ frames: Ethernet, 802.1Q, LLC, SLL, SLL2, DLT_NULL,
 * IPv4 and IPv6).  Synthetic captures with IPv4/IPv6 fragments (in
 * order, reversed, duplicated) also agree: tshark and this decoder both
 * deliver the datagram on the frame that completes it.  Known,
 * deliberate differences (no real capture has them):
 *   - an IPv6 first fragment cut by the snaplen: tshark shows only the
 *     fragment; we decode its transport header, truncated, as both do
 *     for IPv4;
 *   - a frame that is complete (caplen == wirelen) but shorter than its
 *     own TCP/UDP header: tshark shows the fields it can read and flags
 *     the packet malformed; we return DEC_MALFORMED.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../sensor/decode.h"

#define TS0 1700000000000000ull

static struct decoder *D;
static struct pkt P;

static void
setup(void)
{
	D = decoder_new(0);
	ck_assert_ptr_nonnull(D);
	memset(&P, 0xa5, sizeof(P)); /* garbage: the decoder must set */
}

static void
teardown(void)
{
	decoder_free(D);
	D = NULL;
}

static enum dec_rc
dec(int dlt, const uint8_t *f, size_t len)
{
	return decoder_frame(D, dlt, f, (uint32_t)len, (uint32_t)len, TS0,
	    &P);
}

static const uint8_t ip_a[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
    192, 168, 10, 20};
static const uint8_t ip_b[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
    192, 168, 10, 30};
static const uint8_t ip_c[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
    10, 1, 2, 3};
static const uint8_t ip_d[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
    10, 1, 2, 255};
static const uint8_t ip6_a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0x10};
static const uint8_t ip6_b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0x20};
static const uint8_t mac_dst[6] = {0x00, 0x1d, 0x9c, 0xc7, 0xb0, 0x70};
static const uint8_t mac_src[6] = {0x00, 0x0c, 0x29, 0x5a, 0x3b, 0x01};

/* ------------------------------------------------------------------ */
/* Frames                                                              */

/* Ethernet / IPv4 / TCP with options / Modbus request (78 bytes) */
static const uint8_t eth_tcp[] = {
	/* Ethernet: dst, src, type IPv4 */
	0x00, 0x1d, 0x9c, 0xc7, 0xb0, 0x70,
	0x00, 0x0c, 0x29, 0x5a, 0x3b, 0x01,
	0x08, 0x00,
	/* IPv4: v4 IHL 5, tos 0, total 64, id 0x1234, DF, ttl 128, TCP,
	 * checksum 0 (not verified), 192.168.10.20 -> 192.168.10.30 */
	0x45, 0x00, 0x00, 0x40, 0x12, 0x34, 0x40, 0x00,
	0x80, 0x06, 0x00, 0x00, 192, 168, 10, 20, 192, 168, 10, 30,
	/* TCP: 49152 -> 502, seq 0x01020304, ack 0x0a0b0c0d, data offset
	 * 8 (32 bytes), PSH|ACK, window 8192, checksum, urgent */
	0xc0, 0x00, 0x01, 0xf6, 0x01, 0x02, 0x03, 0x04,
	0x0a, 0x0b, 0x0c, 0x0d, 0x80, 0x18, 0x20, 0x00,
	0x00, 0x00, 0x00, 0x00,
	/* TCP options: NOP NOP timestamps(10) */
	0x01, 0x01, 0x08, 0x0a, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x02,
	/* payload: MBAP + read holding registers */
	0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03,
	0x00, 0x00, 0x00, 0x0a,
};
#define ETH_TCP_PAYLOAD 66

/* Ethernet / IPv4 / UDP, padded to the 60-byte minimum, plus an FCS */
static const uint8_t eth_udp_pad[] = {
	/* Ethernet */
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0x00, 0x0c, 0x29, 0x5a, 0x3b, 0x01,
	0x08, 0x00,
	/* IPv4: total 32, id 1, ttl 64, UDP, 10.1.2.3 -> 10.1.2.255 */
	0x45, 0x00, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00,
	0x40, 0x11, 0x00, 0x00, 10, 1, 2, 3, 10, 1, 2, 255,
	/* UDP: 20000 -> 20000, length 12 */
	0x4e, 0x20, 0x4e, 0x20, 0x00, 0x0c, 0x00, 0x00,
	/* payload: 4 bytes */
	0x05, 0x64, 0x05, 0xc0,
	/* Ethernet padding (14) */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* FCS */
	0xde, 0xad, 0xbe, 0xef,
};

/* A bare IPv4 / UDP datagram, wrapped by the link-type tests. */
static const uint8_t ip4_udp[] = {
	/* IPv4: total 32, id 1, ttl 64, UDP, 10.1.2.3 -> 10.1.2.255 */
	0x45, 0x00, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00,
	0x40, 0x11, 0x00, 0x00, 10, 1, 2, 3, 10, 1, 2, 255,
	/* UDP: 20000 -> 20000, length 12 */
	0x4e, 0x20, 0x4e, 0x20, 0x00, 0x0c, 0x00, 0x00,
	/* payload */
	0x05, 0x64, 0x05, 0xc0,
};

/* A bare IPv6 / TCP segment. */
static const uint8_t ip6_tcp[] = {
	/* IPv6: payload 28, next TCP, hop limit 64,
	 * 2001:db8::10 -> 2001:db8::20 */
	0x60, 0x00, 0x00, 0x00, 0x00, 0x1c, 0x06, 0x40,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20,
	/* TCP: 40000 -> 4840, seq 1, ack 2, offset 5, PSH|ACK, win 65535 */
	0x9c, 0x40, 0x12, 0xe8, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x02, 0x50, 0x18, 0xff, 0xff,
	0x00, 0x00, 0x00, 0x00,
	/* payload: OPC UA "HELF" + length */
	'H', 'E', 'L', 'F', 0x08, 0x00, 0x00, 0x00,
};

static size_t
cat(uint8_t *out, const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen)
{
	memcpy(out, a, alen);
	memcpy(out + alen, b, blen);
	return alen + blen;
}

static void
check_ip4_udp(const uint8_t *ip)
{
	ck_assert_uint_eq(P.ipver, 4);
	ck_assert_mem_eq(P.src_ip, ip_c, 16);
	ck_assert_mem_eq(P.dst_ip, ip_d, 16);
	ck_assert_uint_eq(P.l4, 17);
	ck_assert_uint_eq(P.ttl, 64);
	ck_assert_uint_eq(P.src_port, 20000);
	ck_assert_uint_eq(P.dst_port, 20000);
	ck_assert_uint_eq(P.tcp_flags, 0);
	ck_assert_uint_eq(P.seq, 0);
	ck_assert_uint_eq(P.ack, 0);
	ck_assert_uint_eq(P.win, 0);
	ck_assert_ptr_eq(P.payload, ip + 28);
	ck_assert_uint_eq(P.payload_len, 4);
	ck_assert_uint_eq(P.ip_len, 32);
	ck_assert_uint_eq(P.truncated, 0);
	ck_assert_uint_eq(P.reassembled, 0);
}

static void
check_ip6_tcp(const uint8_t *ip)
{
	ck_assert_uint_eq(P.ipver, 6);
	ck_assert_mem_eq(P.src_ip, ip6_a, 16);
	ck_assert_mem_eq(P.dst_ip, ip6_b, 16);
	ck_assert_uint_eq(P.l4, 6);
	ck_assert_uint_eq(P.ttl, 64);
	ck_assert_uint_eq(P.src_port, 40000);
	ck_assert_uint_eq(P.dst_port, 4840);
	ck_assert_uint_eq(P.seq, 1);
	ck_assert_uint_eq(P.ack, 2);
	ck_assert_uint_eq(P.tcp_flags, 0x18);
	ck_assert_uint_eq(P.win, 65535);
	ck_assert_ptr_eq(P.payload, ip + 60);
	ck_assert_uint_eq(P.payload_len, 8);
	ck_assert_uint_eq(P.ip_len, 68);
	ck_assert_uint_eq(P.truncated, 0);
	ck_assert_uint_eq(P.reassembled, 0);
}

/* ------------------------------------------------------------------ */
/* Ethernet                                                            */

START_TEST(eth_ipv4_tcp_options)
{
	ck_assert_int_eq(decoder_frame(D, 1, eth_tcp, sizeof(eth_tcp),
	    sizeof(eth_tcp), TS0 + 7, &P), DEC_OK);
	ck_assert_uint_eq(P.ts_us, TS0 + 7);
	ck_assert_uint_eq(P.caplen, 78);
	ck_assert_uint_eq(P.wirelen, 78);
	ck_assert_uint_eq(P.vlan, 0);
	ck_assert_uint_eq(P.ethertype, 0x0800);
	ck_assert_uint_eq(P.has_mac, PKT_MAC_SRC | PKT_MAC_DST);
	ck_assert_mem_eq(P.dst_mac, mac_dst, 6);
	ck_assert_mem_eq(P.src_mac, mac_src, 6);
	ck_assert_uint_eq(P.ipver, 4);
	ck_assert_mem_eq(P.src_ip, ip_a, 16);
	ck_assert_mem_eq(P.dst_ip, ip_b, 16);
	ck_assert_uint_eq(P.l4, 6);
	ck_assert_uint_eq(P.ttl, 128);
	ck_assert_uint_eq(P.src_port, 49152);
	ck_assert_uint_eq(P.dst_port, 502);
	ck_assert_uint_eq(P.tcp_flags, 0x18);
	ck_assert_uint_eq(P.seq, 0x01020304u);
	ck_assert_uint_eq(P.ack, 0x0a0b0c0du);
	ck_assert_uint_eq(P.win, 8192);
	ck_assert_ptr_eq(P.payload, eth_tcp + ETH_TCP_PAYLOAD);
	ck_assert_uint_eq(P.payload_len, 12);
	ck_assert_uint_eq(P.ip_len, 64);
	ck_assert_uint_eq(P.truncated, 0);
	ck_assert_uint_eq(P.reassembled, 0);
	ck_assert_ptr_eq(P.l3, eth_tcp + 14);
	ck_assert_uint_eq(P.l3_len, 64);
}
END_TEST

START_TEST(eth_padding_trimmed)
{
	ck_assert_int_eq(dec(1, eth_udp_pad, sizeof(eth_udp_pad)), DEC_OK);
	check_ip4_udp(eth_udp_pad + 14);
	ck_assert_uint_eq(P.caplen, 64);
	/* l3 is the packet as captured, padding and FCS included */
	ck_assert_ptr_eq(P.l3, eth_udp_pad + 14);
	ck_assert_uint_eq(P.l3_len, 50);
}
END_TEST

START_TEST(eth_ipv4_options)
{
	static const uint8_t f[] = {
		/* Ethernet */
		0x00, 0x1d, 0x9c, 0xc7, 0xb0, 0x70,
		0x00, 0x0c, 0x29, 0x5a, 0x3b, 0x01, 0x08, 0x00,
		/* IPv4: IHL 7 (8 option bytes), total 40, ttl 1, UDP */
		0x47, 0x00, 0x00, 0x28, 0x00, 0x02, 0x00, 0x00,
		0x01, 0x11, 0x00, 0x00, 10, 1, 2, 3, 10, 1, 2, 255,
		/* options: router alert (4), NOP, NOP, NOP, EOL */
		0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00,
		/* UDP: 20000 -> 20000, length 12 */
		0x4e, 0x20, 0x4e, 0x20, 0x00, 0x0c, 0x00, 0x00,
		0x05, 0x64, 0x05, 0xc0,
	};

	ck_assert_int_eq(dec(1, f, sizeof(f)), DEC_OK);
	ck_assert_uint_eq(P.ttl, 1);
	ck_assert_uint_eq(P.src_port, 20000);
	ck_assert_ptr_eq(P.payload, f + 14 + 28 + 8);
	ck_assert_uint_eq(P.payload_len, 4);
	ck_assert_uint_eq(P.ip_len, 40);
}
END_TEST

START_TEST(eth_vlan_8021q)
{
	static const uint8_t tag[] = {
		/* Ethernet: dst, src, type 802.1Q */
		0x00, 0x1d, 0x9c, 0xc7, 0xb0, 0x70,
		0x00, 0x0c, 0x29, 0x5a, 0x3b, 0x01, 0x81, 0x00,
		/* 802.1Q: PCP 1, VID 100; type IPv4 */
		0x20, 0x64, 0x08, 0x00,
	};
	uint8_t f[128];
	size_t n = cat(f, tag, sizeof(tag), ip4_udp, sizeof(ip4_udp));

	ck_assert_int_eq(dec(1, f, n), DEC_OK);
	ck_assert_uint_eq(P.vlan, 100);
	ck_assert_uint_eq(P.ethertype, 0x0800);
	ck_assert_uint_eq(P.has_mac, 3);
	check_ip4_udp(f + sizeof(tag));
}
END_TEST

START_TEST(eth_qinq_outer_vlan_kept)
{
	static const uint8_t tags[] = {
		/* Ethernet: type 802.1ad S-tag */
		0x00, 0x1d, 0x9c, 0xc7, 0xb0, 0x70,
		0x00, 0x0c, 0x29, 0x5a, 0x3b, 0x01, 0x88, 0xa8,
		/* S-tag VID 200, then 0x9100 (old QinQ) */
		0x00, 0xc8, 0x91, 0x00,
		/* tag VID 4095 (bits above VID set), then C-tag */
		0xff, 0xff, 0x81, 0x00,
		/* C-tag VID 100, then an IPv6 payload */
		0x00, 0x64, 0x86, 0xdd,
	};
	uint8_t f[128];
	size_t n = cat(f, tags, sizeof(tags), ip6_tcp, sizeof(ip6_tcp));

	ck_assert_int_eq(dec(1, f, n), DEC_OK);
	ck_assert_uint_eq(P.vlan, 200);
	ck_assert_uint_eq(P.ethertype, 0x86dd);
	check_ip6_tcp(f + sizeof(tags));
}
END_TEST

START_TEST(eth_too_many_tags)
{
	uint8_t f[128];
	size_t n = 12;
	int i;

	memcpy(f, eth_tcp, 12);
	for (i = 0; i < DEC_MAX_VLAN_TAGS + 1; i++) {
		f[n++] = 0x81;
		f[n++] = 0x00;
		f[n++] = 0x00;
		f[n++] = (uint8_t)(i + 1);
	}
	f[n++] = 0x08;
	f[n++] = 0x00;
	memcpy(f + n, ip4_udp, sizeof(ip4_udp));
	n += sizeof(ip4_udp);
	ck_assert_int_eq(dec(1, f, n), DEC_MALFORMED);
	ck_assert_uint_eq(P.vlan, 1);

	/* exactly the cap is fine */
	memmove(f + 12, f + 16, n - 16);
	n -= 4;
	ck_assert_int_eq(dec(1, f, n), DEC_OK);
	ck_assert_uint_eq(P.vlan, 2);
}
END_TEST

START_TEST(eth_llc_snap_ip)
{
	static const uint8_t hdr[] = {
		/* 802.3: dst, src, length 40 */
		0x00, 0x1d, 0x9c, 0xc7, 0xb0, 0x70,
		0x00, 0x0c, 0x29, 0x5a, 0x3b, 0x01, 0x00, 0x28,
		/* LLC: DSAP AA, SSAP AA, UI; SNAP: OUI 000000, type IPv4 */
		0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00,
	};
	uint8_t f[128];
	size_t n = cat(f, hdr, sizeof(hdr), ip4_udp, sizeof(ip4_udp));

	ck_assert_int_eq(dec(1, f, n), DEC_OK);
	ck_assert_uint_eq(P.ethertype, 0x0800);
	check_ip4_udp(f + sizeof(hdr));
}
END_TEST

START_TEST(eth_llc_stp_not_ip)
{
	static const uint8_t f[] = {
		/* 802.3 to 01:80:c2:00:00:00, length 38 */
		0x01, 0x80, 0xc2, 0x00, 0x00, 0x00,
		0x00, 0x0c, 0x29, 0x5a, 0x3b, 0x01, 0x00, 0x26,
		/* LLC: DSAP 42, SSAP 42, UI; BPDU start */
		0x42, 0x42, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	static const uint8_t stp[6] = {0x01, 0x80, 0xc2, 0, 0, 0};

	ck_assert_int_eq(dec(1, f, sizeof(f)), DEC_NOT_IP);
	ck_assert_uint_eq(P.has_mac, 3);
	ck_assert_mem_eq(P.dst_mac, stp, 6);
	ck_assert_mem_eq(P.src_mac, mac_src, 6);
	ck_assert_uint_eq(P.ethertype, 0);
	ck_assert_uint_eq(P.ipver, 0);
}
END_TEST

START_TEST(eth_snap_cisco_not_ip)
{
	static const uint8_t f[] = {
		/* 802.3 to CDP multicast */
		0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc,
		0x00, 0x0c, 0x29, 0x5a, 0x3b, 0x01, 0x00, 0x20,
		/* LLC/SNAP: OUI 00000c (Cisco), type 0x2000 (CDP) */
		0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00,
		0x02, 0xb4, 0x00, 0x00,
	};

	ck_assert_int_eq(dec(1, f, sizeof(f)), DEC_NOT_IP);
	ck_assert_uint_eq(P.ethertype, 0x2000);
}
END_TEST

START_TEST(eth_non_ip_ethertypes)
{
	static const uint16_t types[] = {0x0806, 0x88cc, 0x8892, 0x88b8,
	    0x88ba, 0x8847};
	static const uint8_t f0[] = {
		/* Ethernet: dst, src, 802.1Q VID 5, type (filled in) */
		0x01, 0x0e, 0xcf, 0x00, 0x00, 0x00,
		0x00, 0x0c, 0x29, 0x5a, 0x3b, 0x01, 0x81, 0x00,
		0x00, 0x05, 0x00, 0x00,
		/* some payload */
		0xfe, 0xfe, 0x05, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	uint8_t f[sizeof(f0)];
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		memcpy(f, f0, sizeof(f));
		f[16] = (uint8_t)(types[i] >> 8);
		f[17] = (uint8_t)types[i];
		ck_assert_int_eq(dec(1, f, sizeof(f)), DEC_NOT_IP);
		ck_assert_uint_eq(P.ethertype, types[i]);
		ck_assert_uint_eq(P.vlan, 5);
		ck_assert_uint_eq(P.has_mac, 3);
		ck_assert_mem_eq(P.src_mac, mac_src, 6);
		ck_assert_uint_eq(P.ipver, 0);
	}
}
END_TEST

START_TEST(eth_type_says_v4_holds_v6)
{
	uint8_t f[128];
	size_t n = cat(f, eth_tcp, 14, ip6_tcp, sizeof(ip6_tcp));

	ck_assert_int_eq(dec(1, f, n), DEC_MALFORMED);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Other link types                                                    */

START_TEST(sll_ipv4)
{
	static const uint8_t hdr[] = {
		/* SLL: packet type 0 (to us), ARPHRD_ETHER, address length
		 * 6, address (8, 2 unused), protocol IPv4 */
		0x00, 0x00, 0x00, 0x01, 0x00, 0x06,
		0x00, 0x0c, 0x29, 0x5a, 0x3b, 0x01, 0x00, 0x00,
		0x08, 0x00,
	};
	static const uint8_t zero[6];
	uint8_t f[128];
	size_t n = cat(f, hdr, sizeof(hdr), ip4_udp, sizeof(ip4_udp));

	ck_assert_int_eq(dec(113, f, n), DEC_OK);
	ck_assert_uint_eq(P.has_mac, PKT_MAC_SRC);
	ck_assert_mem_eq(P.src_mac, mac_src, 6);
	ck_assert_mem_eq(P.dst_mac, zero, 6);
	ck_assert_uint_eq(P.ethertype, 0x0800);
	ck_assert_uint_eq(P.vlan, 0);
	check_ip4_udp(f + sizeof(hdr));

	/* address length 0 (a tunnel): no MAC */
	f[5] = 0;
	ck_assert_int_eq(dec(113, f, n), DEC_OK);
	ck_assert_uint_eq(P.has_mac, 0);
	/* netlink: not IP whatever the protocol says */
	f[2] = 0x03;
	f[3] = 0x38;
	ck_assert_int_eq(dec(113, f, n), DEC_NOT_IP);
}
END_TEST

START_TEST(sll_llc_and_vlan)
{
	static const uint8_t hdr_llc[] = {
		/* SLL: protocol 0x0004 (ETH_P_802_2): an LLC header */
		0x00, 0x00, 0x00, 0x01, 0x00, 0x06,
		0x00, 0x0c, 0x29, 0x5a, 0x3b, 0x01, 0x00, 0x00,
		0x00, 0x04,
		/* LLC/SNAP IPv4 */
		0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00,
	};
	static const uint8_t hdr_vlan[] = {
		/* SLL: protocol 802.1Q */
		0x00, 0x04, 0x00, 0x01, 0x00, 0x06,
		0x00, 0x0c, 0x29, 0x5a, 0x3b, 0x01, 0x00, 0x00,
		0x81, 0x00,
		/* VID 7, IPv4 */
		0x00, 0x07, 0x08, 0x00,
	};
	uint8_t f[128];
	size_t n;

	n = cat(f, hdr_llc, sizeof(hdr_llc), ip4_udp, sizeof(ip4_udp));
	ck_assert_int_eq(dec(113, f, n), DEC_OK);
	check_ip4_udp(f + sizeof(hdr_llc));
	n = cat(f, hdr_vlan, sizeof(hdr_vlan), ip4_udp, sizeof(ip4_udp));
	ck_assert_int_eq(dec(113, f, n), DEC_OK);
	ck_assert_uint_eq(P.vlan, 7);
	check_ip4_udp(f + sizeof(hdr_vlan));
}
END_TEST

START_TEST(sll2_ipv6)
{
	static const uint8_t hdr[] = {
		/* SLL2: protocol IPv6, reserved, ifindex 2, ARPHRD_ETHER,
		 * packet type 4 (outgoing), address length 6, address */
		0x86, 0xdd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
		0x00, 0x01, 0x04, 0x06,
		0x00, 0x0c, 0x29, 0x5a, 0x3b, 0x01, 0x00, 0x00,
	};
	uint8_t f[128];
	size_t n = cat(f, hdr, sizeof(hdr), ip6_tcp, sizeof(ip6_tcp));

	ck_assert_int_eq(dec(276, f, n), DEC_OK);
	ck_assert_uint_eq(P.has_mac, PKT_MAC_SRC);
	ck_assert_mem_eq(P.src_mac, mac_src, 6);
	ck_assert_uint_eq(P.ethertype, 0x86dd);
	check_ip6_tcp(f + sizeof(hdr));

	/* an 8-byte (e.g. InfiniBand-ish) address is not a MAC */
	f[11] = 8;
	ck_assert_int_eq(dec(276, f, n), DEC_OK);
	ck_assert_uint_eq(P.has_mac, 0);
	/* ARP over SLL2 */
	f[0] = 0x08;
	f[1] = 0x06;
	ck_assert_int_eq(dec(276, f, n), DEC_NOT_IP);
	ck_assert_uint_eq(P.ethertype, 0x0806);
}
END_TEST

START_TEST(raw_ip_link_types)
{
	ck_assert_int_eq(dec(12, ip4_udp, sizeof(ip4_udp)), DEC_OK);
	check_ip4_udp(ip4_udp);
	ck_assert_uint_eq(P.has_mac, 0);
	ck_assert_uint_eq(P.ethertype, 0);
	ck_assert_int_eq(dec(14, ip4_udp, sizeof(ip4_udp)), DEC_OK);
	check_ip4_udp(ip4_udp);
	ck_assert_int_eq(dec(101, ip4_udp, sizeof(ip4_udp)), DEC_OK);
	check_ip4_udp(ip4_udp);
	ck_assert_int_eq(dec(228, ip4_udp, sizeof(ip4_udp)), DEC_OK);
	check_ip4_udp(ip4_udp);
	ck_assert_int_eq(dec(12, ip6_tcp, sizeof(ip6_tcp)), DEC_OK);
	check_ip6_tcp(ip6_tcp);
	ck_assert_int_eq(dec(229, ip6_tcp, sizeof(ip6_tcp)), DEC_OK);
	check_ip6_tcp(ip6_tcp);
	/* the link type says one version, the packet another */
	ck_assert_int_eq(dec(228, ip6_tcp, sizeof(ip6_tcp)), DEC_MALFORMED);
	ck_assert_int_eq(dec(229, ip4_udp, sizeof(ip4_udp)), DEC_MALFORMED);
	/* version 5 */
	{
		uint8_t f[sizeof(ip4_udp)];

		memcpy(f, ip4_udp, sizeof(f));
		f[0] = 0x55;
		ck_assert_int_eq(dec(12, f, sizeof(f)), DEC_MALFORMED);
	}
	/* empty frame */
	ck_assert_int_eq(dec(12, ip4_udp, 0), DEC_MALFORMED);
	ck_assert_int_eq(decoder_frame(D, 12, ip4_udp, 0, 32, TS0, &P),
	    DEC_TRUNCATED);
}
END_TEST

START_TEST(null_and_loop_families)
{
	static const struct {
		int dlt;
		uint8_t af[4];
		int ver;
	} c[] = {
		{0, {0x02, 0x00, 0x00, 0x00}, 4}, /* AF_INET, little-endian */
		{0, {0x00, 0x00, 0x00, 0x02}, 4}, /* AF_INET, big-endian */
		{0, {0x0a, 0x00, 0x00, 0x00}, 6}, /* AF_INET6 Linux */
		{0, {0x18, 0x00, 0x00, 0x00}, 6}, /* AF_INET6 BSD, LE */
		{0, {0x00, 0x00, 0x00, 0x1c}, 6}, /* AF_INET6 FreeBSD, BE */
		{0, {0x1e, 0x00, 0x00, 0x00}, 6}, /* AF_INET6 Darwin */
		{108, {0x00, 0x00, 0x00, 0x02}, 4}, /* DLT_LOOP: network order */
		{108, {0x00, 0x00, 0x00, 0x18}, 6},
		{0, {0x07, 0x00, 0x00, 0x00}, 0}, /* AF_7: not IP */
		{108, {0x02, 0x00, 0x00, 0x00}, 0}, /* LOOP is never LE */
	};
	uint8_t f[128];
	size_t i, n;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		if (c[i].ver == 6)
			n = cat(f, c[i].af, 4, ip6_tcp, sizeof(ip6_tcp));
		else
			n = cat(f, c[i].af, 4, ip4_udp, sizeof(ip4_udp));
		if (c[i].ver == 0) {
			ck_assert_int_eq(dec(c[i].dlt, f, n), DEC_NOT_IP);
			continue;
		}
		ck_assert_int_eq(dec(c[i].dlt, f, n), DEC_OK);
		ck_assert_uint_eq(P.has_mac, 0);
		if (c[i].ver == 4)
			check_ip4_udp(f + 4);
		else
			check_ip6_tcp(f + 4);
	}
	ck_assert_int_eq(decoder_frame(D, 0, f, 3, 40, TS0, &P),
	    DEC_TRUNCATED);
}
END_TEST

START_TEST(unsupported_link)
{
	ck_assert_int_eq(dec(105, eth_tcp, sizeof(eth_tcp)),
	    DEC_UNSUPPORTED_LINK);
	ck_assert_int_eq(dec(-1, eth_tcp, sizeof(eth_tcp)),
	    DEC_UNSUPPORTED_LINK);
	ck_assert_uint_eq(P.ipver, 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* IPv4 / TCP / UDP fields                                             */

START_TEST(ipv4_bad_headers)
{
	uint8_t f[sizeof(ip4_udp)];

	memcpy(f, ip4_udp, sizeof(f));
	f[0] = 0x44; /* IHL 4 */
	ck_assert_int_eq(dec(12, f, sizeof(f)), DEC_MALFORMED);
	memcpy(f, ip4_udp, sizeof(f));
	f[3] = 19; /* total < IHL */
	ck_assert_int_eq(dec(12, f, sizeof(f)), DEC_MALFORMED);
	memcpy(f, ip4_udp, sizeof(f));
	f[0] = 0x4f; /* IHL 15 = 60 bytes > total 32 */
	ck_assert_int_eq(dec(12, f, sizeof(f)), DEC_MALFORMED);
}
END_TEST

START_TEST(ipv4_total_zero_tso)
{
	uint8_t f[sizeof(ip4_udp)];

	/* Total length 0: a TSO capture, the frame's length is used. */
	memcpy(f, ip4_udp, sizeof(f));
	f[2] = f[3] = 0;
	ck_assert_int_eq(dec(12, f, sizeof(f)), DEC_OK);
	ck_assert_uint_eq(P.ip_len, 32);
	ck_assert_uint_eq(P.payload_len, 4);
	ck_assert_uint_eq(P.truncated, 0);
}
END_TEST

START_TEST(ipv4_total_beyond_frame)
{
	uint8_t f[sizeof(ip4_udp)];

	/* Total 40 in a 32-byte frame: the payload is short. */
	memcpy(f, ip4_udp, sizeof(f));
	f[3] = 40;
	f[25] = 20; /* UDP length 20 fits the declared IP payload */
	ck_assert_int_eq(dec(12, f, sizeof(f)), DEC_OK);
	ck_assert_uint_eq(P.ip_len, 40);
	ck_assert_uint_eq(P.payload_len, 4);
	ck_assert_uint_eq(P.truncated, 1);
}
END_TEST

START_TEST(ipv4_ah_then_tcp)
{
	static const uint8_t f[] = {
		/* IPv4: total 52, AH (51) */
		0x45, 0x00, 0x00, 0x34, 0x00, 0x03, 0x00, 0x00,
		0x40, 0x33, 0x00, 0x00, 10, 1, 2, 3, 10, 1, 2, 255,
		/* AH: next TCP, payload length 1 -> (1 + 2) * 4 = 12
		 * bytes, reserved, SPI, sequence (no ICV) */
		0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
		0x00, 0x00, 0x00, 0x01,
		/* TCP: 102 -> 1025, SYN, offset 5 */
		0x00, 0x66, 0x04, 0x01, 0x00, 0x00, 0x00, 0x09,
		0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0x10, 0x00,
		0x00, 0x00, 0x00, 0x00,
	};

	ck_assert_int_eq(dec(12, f, sizeof(f)), DEC_OK);
	ck_assert_uint_eq(P.l4, 6);
	ck_assert_uint_eq(P.src_port, 102);
	ck_assert_uint_eq(P.dst_port, 1025);
	ck_assert_uint_eq(P.tcp_flags, 0x02);
	ck_assert_uint_eq(P.seq, 9);
	ck_assert_uint_eq(P.payload_len, 0);
	ck_assert_ptr_eq(P.payload, f + sizeof(f));
}
END_TEST

START_TEST(icmp_no_ports)
{
	static const uint8_t f[] = {
		/* IPv4: total 28, ICMP */
		0x45, 0x00, 0x00, 0x1c, 0x00, 0x04, 0x00, 0x00,
		0x40, 0x01, 0x00, 0x00, 10, 1, 2, 3, 10, 1, 2, 255,
		/* ICMP echo request */
		0x08, 0x00, 0xf7, 0xfe, 0x00, 0x01, 0x00, 0x00,
	};

	ck_assert_int_eq(dec(12, f, sizeof(f)), DEC_OK);
	ck_assert_uint_eq(P.l4, 1);
	ck_assert_uint_eq(P.src_port, 0);
	ck_assert_uint_eq(P.dst_port, 0);
	ck_assert_ptr_eq(P.payload, f + 20);
	ck_assert_uint_eq(P.payload_len, 8);
	ck_assert_uint_eq(P.truncated, 0);
	/* an ESP packet: l4 50, opaque payload */
	{
		uint8_t g[sizeof(f)];

		memcpy(g, f, sizeof(g));
		g[9] = 50;
		ck_assert_int_eq(dec(12, g, sizeof(g)), DEC_OK);
		ck_assert_uint_eq(P.l4, 50);
		ck_assert_uint_eq(P.payload_len, 8);
	}
}
END_TEST

START_TEST(tcp_bad_offsets)
{
	uint8_t f[sizeof(eth_tcp)];

	memcpy(f, eth_tcp, sizeof(f));
	f[46] = 0x40; /* data offset 4 */
	ck_assert_int_eq(dec(1, f, sizeof(f)), DEC_MALFORMED);
	memcpy(f, eth_tcp, sizeof(f));
	f[46] = 0xf0; /* 60 bytes > the 44 the IP header leaves */
	ck_assert_int_eq(dec(1, f, sizeof(f)), DEC_MALFORMED);
	memcpy(f, eth_tcp, sizeof(f));
	f[17] = 20 + 19; /* IP payload of 19 bytes: no room for TCP */
	ck_assert_int_eq(dec(1, f, sizeof(f)), DEC_MALFORMED);
	memcpy(f, eth_tcp, sizeof(f));
	f[17] = 20 + 32; /* exactly the header with options */
	ck_assert_int_eq(dec(1, f, sizeof(f)), DEC_OK);
	ck_assert_uint_eq(P.payload_len, 0);
}
END_TEST

START_TEST(udp_length_vs_ip)
{
	uint8_t f[sizeof(ip4_udp)];

	/* UDP length 10 < IP payload 12: trimmed to 2 bytes */
	memcpy(f, ip4_udp, sizeof(f));
	f[25] = 10;
	ck_assert_int_eq(dec(12, f, sizeof(f)), DEC_OK);
	ck_assert_uint_eq(P.payload_len, 2);
	ck_assert_uint_eq(P.truncated, 0);
	/* UDP length 8: empty */
	f[25] = 8;
	ck_assert_int_eq(dec(12, f, sizeof(f)), DEC_OK);
	ck_assert_uint_eq(P.payload_len, 0);
	/* UDP length 13 > IP payload 12 */
	f[25] = 13;
	ck_assert_int_eq(dec(12, f, sizeof(f)), DEC_MALFORMED);
	/* UDP length 7 < header; 0 (a jumbogram) */
	f[25] = 7;
	ck_assert_int_eq(dec(12, f, sizeof(f)), DEC_MALFORMED);
	f[25] = 0;
	ck_assert_int_eq(dec(12, f, sizeof(f)), DEC_MALFORMED);
}
END_TEST

/* ------------------------------------------------------------------ */
/* IPv6 extension headers                                              */

START_TEST(ipv6_ext_headers)
{
	static const uint8_t f[] = {
		/* IPv6: payload 72, next hop-by-hop, hop limit 255 */
		0x60, 0x00, 0x00, 0x00, 0x00, 0x48, 0x00, 0xff,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20,
		/* hop-by-hop: next dest options, length 0 (8): router alert,
		 * PadN */
		0x3c, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00,
		/* destination options: next routing, length 1 (16) */
		0x2b, 0x01, 0x01, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		/* routing: next AH, length 0, type 4 (SRH), segments 0 */
		0x33, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* AH: next shim6 (140), length 2 -> 16 bytes */
		0x8c, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x07, 0xaa, 0xbb, 0xcc, 0xdd,
		/* shim6: next UDP, length 0 (8) */
		0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		/* UDP: 47808 -> 47808, length 16 */
		0xba, 0xc0, 0xba, 0xc0, 0x00, 0x10, 0x00, 0x00,
		/* BACnet/IP payload */
		0x81, 0x0b, 0x00, 0x0c, 0x01, 0x20, 0xff, 0xff,
	};

	ck_assert_int_eq(dec(229, f, sizeof(f)), DEC_OK);
	ck_assert_uint_eq(P.ipver, 6);
	ck_assert_uint_eq(P.ttl, 255);
	ck_assert_uint_eq(P.l4, 17);
	ck_assert_uint_eq(P.src_port, 47808);
	ck_assert_uint_eq(P.dst_port, 47808);
	ck_assert_ptr_eq(P.payload, f + sizeof(f) - 8);
	ck_assert_uint_eq(P.payload_len, 8);
	ck_assert_uint_eq(P.ip_len, 112);
}
END_TEST

START_TEST(ipv6_mobility_no_next)
{
	static const uint8_t f[] = {
		/* IPv6: payload 24, next mobility (135) */
		0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x87, 0x40,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20,
		/* mobility: next none (59), length 1 (16 bytes) */
		0x3b, 0x01, 0x05, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		/* ignored after no-next-header */
		0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0,
	};

	ck_assert_int_eq(dec(229, f, sizeof(f)), DEC_OK);
	ck_assert_uint_eq(P.l4, 59);
	ck_assert_ptr_null(P.payload);
	ck_assert_uint_eq(P.payload_len, 0);
	ck_assert_uint_eq(P.src_port, 0);
}
END_TEST

START_TEST(ipv6_bad_ext_headers)
{
	uint8_t f[40 + 8 * (DEC_MAX_EXT_HDRS + 2) + 8];
	size_t i, n;

	/* jumbogram: payload length 0 and hop-by-hop */
	memcpy(f, ip6_tcp, 40);
	f[4] = f[5] = 0;
	f[6] = 0;
	ck_assert_int_eq(dec(229, f, 40), DEC_MALFORMED);

	/* more extension headers than the cap */
	n = 40;
	f[6] = 60;
	for (i = 0; i < DEC_MAX_EXT_HDRS + 2; i++) {
		memset(f + n, 0, 8);
		f[n] = i + 1 < DEC_MAX_EXT_HDRS + 2 ? 60 : 59;
		n += 8;
	}
	f[4] = (uint8_t)((n - 40) >> 8);
	f[5] = (uint8_t)(n - 40);
	ck_assert_int_eq(dec(229, f, n), DEC_MALFORMED);

	/* an extension header longer than the payload length */
	memcpy(f, ip6_tcp, 40);
	f[4] = 0;
	f[5] = 16;
	f[6] = 60;
	memset(f + 40, 0, 16);
	f[40] = 59;
	f[41] = 2; /* 24 bytes > 16 */
	ck_assert_int_eq(dec(229, f, 56), DEC_MALFORMED);
	/* the same, cut by the snaplen instead */
	f[5] = 24;
	ck_assert_int_eq(decoder_frame(D, 229, f, 56, 64, TS0, &P),
	    DEC_TRUNCATED);
}
END_TEST

START_TEST(ipv6_padding_trimmed)
{
	uint8_t f[sizeof(ip6_tcp) + 6];

	memcpy(f, ip6_tcp, sizeof(ip6_tcp));
	memset(f + sizeof(ip6_tcp), 0xee, 6);
	ck_assert_int_eq(dec(229, f, sizeof(f)), DEC_OK);
	check_ip6_tcp(f);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Truncation                                                          */

/*
 * Every prefix of a frame, in an exact-size heap copy.  With the snaplen
 * (wirelen = full length): headers cut -> DEC_TRUNCATED; payload cut ->
 * DEC_OK, truncated, payload_len = what is left.  With a frame that is
 * whole (wirelen = caplen) but too short: DEC_MALFORMED, or DEC_OK
 * truncated once the headers fit.
 */
static void
sweep(int dlt, const uint8_t *f, size_t len, size_t pl_off, size_t pl_end)
{
	size_t i;
	uint8_t *c;
	enum dec_rc rc;

	for (i = 0; i < len; i++) {
		c = malloc(i ? i : 1);
		ck_assert_ptr_nonnull(c);
		memcpy(c, f, i);
		rc = decoder_frame(D, dlt, c, (uint32_t)i, (uint32_t)len, TS0,
		    &P);
		if (i < pl_off) {
			ck_assert_msg(rc == DEC_TRUNCATED,
			    "prefix %zu: rc %d", i, rc);
		} else {
			ck_assert_msg(rc == DEC_OK, "prefix %zu: rc %d", i,
			    rc);
			ck_assert_ptr_eq(P.payload, c + pl_off);
			ck_assert_uint_eq(P.payload_len,
			    (i < pl_end ? i : pl_end) - pl_off);
			ck_assert_uint_eq(P.truncated, i < pl_end);
		}
		rc = decoder_frame(D, dlt, c, (uint32_t)i, (uint32_t)i, TS0,
		    &P);
		if (i < pl_off)
			ck_assert_msg(rc == DEC_MALFORMED,
			    "whole prefix %zu: rc %d", i, rc);
		else
			ck_assert_msg(rc == DEC_OK && P.truncated == (i <
			    pl_end), "whole prefix %zu: rc %d", i, rc);
		free(c);
	}
}

START_TEST(truncation_sweep_eth_tcp)
{
	sweep(1, eth_tcp, sizeof(eth_tcp), ETH_TCP_PAYLOAD, sizeof(eth_tcp));
}
END_TEST

START_TEST(truncation_sweep_eth_udp_pad)
{
	sweep(1, eth_udp_pad, sizeof(eth_udp_pad), 42, 46);
}
END_TEST

START_TEST(truncation_sweep_sll2_ipv6)
{
	static const uint8_t hdr[] = {
		/* SLL2 header as in sll2_ipv6 */
		0x86, 0xdd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
		0x00, 0x01, 0x04, 0x06,
		0x00, 0x0c, 0x29, 0x5a, 0x3b, 0x01, 0x00, 0x00,
	};
	uint8_t f[128];
	size_t n = cat(f, hdr, sizeof(hdr), ip6_tcp, sizeof(ip6_tcp));

	sweep(276, f, n, 20 + 60, n);
}
END_TEST

START_TEST(truncation_sweep_qinq_llc)
{
	static const uint8_t hdr[] = {
		/* Ethernet, S-tag VID 9, C-tag VID 10, 802.3 length */
		0x00, 0x1d, 0x9c, 0xc7, 0xb0, 0x70,
		0x00, 0x0c, 0x29, 0x5a, 0x3b, 0x01, 0x88, 0xa8,
		0x00, 0x09, 0x81, 0x00, 0x00, 0x0a, 0x00, 0x28,
		/* LLC/SNAP IPv4 */
		0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00,
	};
	uint8_t f[128];
	size_t n = cat(f, hdr, sizeof(hdr), ip4_udp, sizeof(ip4_udp));

	sweep(1, f, n, sizeof(hdr) + 28, n);
}
END_TEST

START_TEST(truncation_sweep_null_ipv4)
{
	uint8_t f[128];
	static const uint8_t af[4] = {2, 0, 0, 0};
	size_t n = cat(f, af, 4, ip4_udp, sizeof(ip4_udp));

	sweep(0, f, n, 4 + 28, n);
}
END_TEST

/* ------------------------------------------------------------------ */
/* IPv4 fragments                                                      */

/*
 * The datagram fragmented below: UDP 1111 -> 2222, 48 bytes (8 header,
 * 40 payload bytes 0x00..0x27).
 */
static uint8_t dgram[48];

static void
mk_dgram(void)
{
	int i;

	/* UDP: 1111 -> 2222, length 48, checksum 0 */
	dgram[0] = 0x04;
	dgram[1] = 0x57;
	dgram[2] = 0x08;
	dgram[3] = 0xae;
	dgram[4] = 0x00;
	dgram[5] = 48;
	dgram[6] = dgram[7] = 0;
	for (i = 8; i < 48; i++)
		dgram[i] = (uint8_t)(i - 8);
}

/*
 * A raw IPv4 fragment: 10.1.2.3 -> 10.1.2.255, UDP, id, MF, offset in
 * bytes (a multiple of 8), data.  Returns the length.
 */
static size_t
frag4(uint8_t *b, uint16_t id, int mf, unsigned off, const uint8_t *data,
    size_t len)
{
	size_t tot = 20 + len;
	unsigned fo = (mf ? 0x2000u : 0) | (off / 8);

	b[0] = 0x45;
	b[1] = 0;
	b[2] = (uint8_t)(tot >> 8);
	b[3] = (uint8_t)tot;
	b[4] = (uint8_t)(id >> 8);
	b[5] = (uint8_t)id;
	b[6] = (uint8_t)(fo >> 8);
	b[7] = (uint8_t)fo;
	b[8] = 64;
	b[9] = 17;
	b[10] = b[11] = 0;
	memcpy(b + 12, ip_c + 12, 4);
	memcpy(b + 16, ip_d + 12, 4);
	memcpy(b + 20, data, len);
	return tot;
}

static enum dec_rc
feed4(uint16_t id, int mf, unsigned off, const uint8_t *data, size_t len,
    uint64_t ts)
{
	uint8_t b[70000];
	size_t n = frag4(b, id, mf, off, data, len);
	uint8_t *c = malloc(n);
	enum dec_rc rc;

	ck_assert_ptr_nonnull(c);
	memcpy(c, b, n);
	rc = decoder_frame(D, 12, c, (uint32_t)n, (uint32_t)n, ts, &P);
	free(c);
	return rc;
}

static void
check_dgram(uint16_t sport)
{
	ck_assert_uint_eq(P.reassembled, 1);
	ck_assert_ptr_null(P.l3); /* no captured packet holds it all */
	ck_assert_uint_eq(P.l3_len, 0);
	ck_assert_uint_eq(P.ipver, 4);
	ck_assert_mem_eq(P.src_ip, ip_c, 16);
	ck_assert_mem_eq(P.dst_ip, ip_d, 16);
	ck_assert_uint_eq(P.l4, 17);
	ck_assert_uint_eq(P.src_port, sport);
	ck_assert_uint_eq(P.dst_port, 2222);
	ck_assert_uint_eq(P.payload_len, 40);
	ck_assert_uint_eq(P.ip_len, 68);
	ck_assert_uint_eq(P.truncated, 0);
	ck_assert_mem_eq(P.payload, dgram + 8, 40);
}

static void
check_stats(uint64_t held, uint64_t done, uint64_t dropped, uint64_t tmo,
    uint64_t evicted, uint64_t overlaps, uint64_t mem)
{
	struct dec_stats st;

	decoder_stats(D, &st);
	ck_assert_uint_eq(st.frags_held, held);
	ck_assert_uint_eq(st.frags_reassembled, done);
	ck_assert_uint_eq(st.frags_dropped, dropped);
	ck_assert_uint_eq(st.frags_timed_out, tmo);
	ck_assert_uint_eq(st.frags_evicted, evicted);
	ck_assert_uint_eq(st.frags_overlaps, overlaps);
	ck_assert_uint_eq(st.frags_mem_evicted, mem);
}

START_TEST(frag4_in_order)
{
	static const uint8_t f1[] = {
		/* IPv4: total 36, id 0x0042, MF, offset 0, UDP */
		0x45, 0x00, 0x00, 0x24, 0x00, 0x42, 0x20, 0x00,
		0x40, 0x11, 0x00, 0x00, 10, 1, 2, 3, 10, 1, 2, 255,
		/* UDP 1111 -> 2222, length 48; payload 0..7 */
		0x04, 0x57, 0x08, 0xae, 0x00, 0x30, 0x00, 0x00,
		0, 1, 2, 3, 4, 5, 6, 7,
	};
	static const uint8_t f2[] = {
		/* IPv4: total 36, id 0x0042, MF, offset 2 (16 bytes) */
		0x45, 0x00, 0x00, 0x24, 0x00, 0x42, 0x20, 0x02,
		0x40, 0x11, 0x00, 0x00, 10, 1, 2, 3, 10, 1, 2, 255,
		/* payload 8..23 */
		8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
	};
	static const uint8_t f3[] = {
		/* IPv4: total 36, id 0x0042, last, offset 4 (32 bytes) */
		0x45, 0x00, 0x00, 0x24, 0x00, 0x42, 0x00, 0x04,
		0x40, 0x11, 0x00, 0x00, 10, 1, 2, 3, 10, 1, 2, 255,
		/* payload 24..39 */
		24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38,
		39,
	};

	mk_dgram();
	ck_assert_int_eq(dec(12, f1, sizeof(f1)), DEC_FRAG_HELD);
	/* a held fragment still tells who talks */
	ck_assert_uint_eq(P.ipver, 4);
	ck_assert_mem_eq(P.src_ip, ip_c, 16);
	ck_assert_uint_eq(P.l4, 17);
	ck_assert_uint_eq(P.src_port, 0);
	ck_assert_ptr_null(P.payload);
	ck_assert_int_eq(dec(12, f2, sizeof(f2)), DEC_FRAG_HELD);
	ck_assert_int_eq(dec(12, f3, sizeof(f3)), DEC_OK);
	check_dgram(1111);
	check_stats(2, 1, 0, 0, 0, 0, 0);
	/* the table is empty again: the same id starts afresh */
	ck_assert_int_eq(dec(12, f3, sizeof(f3)), DEC_FRAG_HELD);
}
END_TEST

START_TEST(frag4_reverse_order)
{
	mk_dgram();
	ck_assert_int_eq(feed4(7, 0, 32, dgram + 32, 16, TS0), DEC_FRAG_HELD);
	ck_assert_int_eq(feed4(7, 1, 16, dgram + 16, 16, TS0), DEC_FRAG_HELD);
	ck_assert_int_eq(feed4(7, 1, 0, dgram, 16, TS0), DEC_OK);
	check_dgram(1111);
	check_stats(2, 1, 0, 0, 0, 0, 0);
}
END_TEST

START_TEST(frag4_out_of_order_and_duplicate)
{
	mk_dgram();
	ck_assert_int_eq(feed4(8, 1, 16, dgram + 16, 8, TS0), DEC_FRAG_HELD);
	ck_assert_int_eq(feed4(8, 1, 16, dgram + 16, 8, TS0),
	    DEC_FRAG_DROPPED); /* duplicate */
	ck_assert_int_eq(feed4(8, 0, 32, dgram + 32, 16, TS0), DEC_FRAG_HELD);
	ck_assert_int_eq(feed4(8, 1, 0, dgram, 16, TS0), DEC_FRAG_HELD);
	/* a fragment inside [0, 16): duplicate too */
	ck_assert_int_eq(feed4(8, 1, 8, dgram + 8, 8, TS0), DEC_FRAG_DROPPED);
	ck_assert_int_eq(feed4(8, 1, 24, dgram + 24, 8, TS0), DEC_OK);
	check_dgram(1111);
	check_stats(3, 1, 2, 0, 0, 0, 0);
}
END_TEST

START_TEST(frag4_overlap_first_wins)
{
	uint8_t other[48];

	mk_dgram();
	memset(other, 0xee, sizeof(other));
	/* [0, 16) from the datagram, then [8, 32) of 0xee bytes: only
	 * [16, 32) is new and taken; [8, 16) keeps the first bytes */
	ck_assert_int_eq(feed4(9, 1, 0, dgram, 16, TS0), DEC_FRAG_HELD);
	ck_assert_int_eq(feed4(9, 1, 8, other, 24, TS0), DEC_FRAG_HELD);
	/* [24, 48) last: overlaps [24, 32) which stays 0xee */
	ck_assert_int_eq(feed4(9, 0, 24, dgram + 24, 24, TS0), DEC_OK);
	ck_assert_uint_eq(P.reassembled, 1);
	ck_assert_uint_eq(P.src_port, 1111);
	ck_assert_uint_eq(P.payload_len, 40);
	ck_assert_mem_eq(P.payload, dgram + 8, 8);	    /* [8, 16) */
	ck_assert_mem_eq((const uint8_t *)P.payload + 8, other, 16);
	ck_assert_mem_eq((const uint8_t *)P.payload + 24, dgram + 32, 16);
	check_stats(2, 1, 0, 0, 0, 2, 0);
}
END_TEST

START_TEST(frag4_hole_times_out)
{
	struct dec_stats st;

	mk_dgram();
	ck_assert_int_eq(feed4(10, 1, 0, dgram, 16, TS0), DEC_FRAG_HELD);
	ck_assert_int_eq(feed4(10, 0, 32, dgram + 32, 16, TS0 + 1000000),
	    DEC_FRAG_HELD);
	/* exactly the timeout after the first fragment: still alive */
	ck_assert_int_eq(dec(1, eth_tcp, sizeof(eth_tcp)), DEC_OK);
	ck_assert_int_eq(decoder_frame(D, 1, eth_tcp, sizeof(eth_tcp),
	    sizeof(eth_tcp), TS0 + DEC_FRAG_TIMEOUT_US, &P), DEC_OK);
	decoder_stats(D, &st);
	ck_assert_uint_eq(st.frags_timed_out, 0);
	/* any frame later than that expires it */
	ck_assert_int_eq(decoder_frame(D, 1, eth_tcp, sizeof(eth_tcp),
	    sizeof(eth_tcp), TS0 + DEC_FRAG_TIMEOUT_US + 1, &P), DEC_OK);
	check_stats(2, 0, 0, 1, 0, 0, 0);
	/* the missing middle now starts a new datagram */
	ck_assert_int_eq(feed4(10, 1, 16, dgram + 16, 16,
	    TS0 + DEC_FRAG_TIMEOUT_US + 2), DEC_FRAG_HELD);
	check_stats(3, 0, 0, 1, 0, 0, 0);
}
END_TEST

START_TEST(frag4_timeout_configurable)
{
	decoder_free(D);
	D = decoder_new_limits(4, 0, 1000);
	mk_dgram();
	ck_assert_int_eq(feed4(11, 1, 0, dgram, 16, TS0), DEC_FRAG_HELD);
	ck_assert_int_eq(feed4(11, 0, 16, dgram + 16, 32, TS0 + 1001),
	    DEC_FRAG_HELD);
	check_stats(2, 0, 0, 1, 0, 0, 0);
}
END_TEST

START_TEST(frag4_oversize_rejected)
{
	static uint8_t big[1480];

	mk_dgram();
	/* offset 65512 + 32 bytes + 20 header > 65535: ping of death */
	ck_assert_int_eq(feed4(12, 0, 65512, big, 32, TS0), DEC_FRAG_DROPPED);
	check_stats(0, 0, 1, 0, 0, 0, 0);
	/* offset 65496 + 16 + 20 = 65532: fine (held) */
	ck_assert_int_eq(feed4(12, 1, 65496, big, 16, TS0), DEC_FRAG_HELD);
	/* a datagram in progress that then grows too big goes away */
	ck_assert_int_eq(feed4(12, 1, 0, big, 1480, TS0), DEC_FRAG_HELD);
	ck_assert_int_eq(feed4(12, 0, 65512, big, 24, TS0), DEC_FRAG_DROPPED);
	check_stats(2, 0, 2, 0, 0, 0, 0);
	/* gone: a last fragment ending at 1480 + 16 starts over */
	ck_assert_int_eq(feed4(12, 0, 1480, big, 16, TS0), DEC_FRAG_HELD);
}
END_TEST

START_TEST(frag4_table_full_evicts_oldest)
{
	decoder_free(D);
	D = decoder_new(2);
	mk_dgram();
	ck_assert_int_eq(feed4(1, 1, 0, dgram, 16, TS0), DEC_FRAG_HELD);
	ck_assert_int_eq(feed4(2, 1, 0, dgram, 16, TS0 + 1), DEC_FRAG_HELD);
	ck_assert_int_eq(feed4(3, 1, 0, dgram, 16, TS0 + 2), DEC_FRAG_HELD);
	check_stats(3, 0, 0, 0, 1, 0, 0);
	/* id 1 was evicted: its rest does not complete anything */
	ck_assert_int_eq(feed4(1, 0, 16, dgram + 16, 32, TS0 + 3),
	    DEC_FRAG_HELD); /* and evicts id 2 */
	check_stats(4, 0, 0, 0, 2, 0, 0);
	ck_assert_int_eq(feed4(3, 0, 16, dgram + 16, 32, TS0 + 4), DEC_OK);
	check_dgram(1111);
	check_stats(4, 1, 0, 0, 2, 0, 0);
}
END_TEST

START_TEST(frag4_memory_budget)
{
	static uint8_t big[4096];

	/* 4 KiB of fragment data: two small datagrams (2 KiB each) */
	decoder_free(D);
	D = decoder_new_limits(8, 4096, 0);
	mk_dgram();
	ck_assert_int_eq(feed4(1, 1, 0, dgram, 16, TS0), DEC_FRAG_HELD);
	ck_assert_int_eq(feed4(2, 1, 0, dgram, 16, TS0), DEC_FRAG_HELD);
	ck_assert_int_eq(feed4(3, 1, 0, dgram, 16, TS0), DEC_FRAG_HELD);
	check_stats(3, 0, 0, 0, 0, 0, 1);
	/* id 1 evicted for memory; 2 and 3 alive */
	ck_assert_int_eq(feed4(2, 0, 16, dgram + 16, 32, TS0), DEC_OK);
	check_dgram(1111);
	/* one datagram needing more than the whole budget is dropped,
	 * without evicting the others for nothing */
	ck_assert_int_eq(feed4(4, 1, 4096, big, 8, TS0), DEC_FRAG_DROPPED);
	check_stats(3, 1, 1, 0, 0, 0, 1);
	ck_assert_int_eq(feed4(3, 0, 16, dgram + 16, 32, TS0), DEC_OK);
	check_dgram(1111);
}
END_TEST

START_TEST(frag4_bad_fragments)
{
	static uint8_t z[64];
	int i;

	mk_dgram();
	/* a non-last fragment of 12 bytes (not a multiple of 8) */
	ck_assert_int_eq(feed4(20, 1, 0, dgram, 12, TS0), DEC_FRAG_DROPPED);
	/* an empty non-last fragment */
	ck_assert_int_eq(feed4(20, 1, 8, dgram, 0, TS0), DEC_FRAG_DROPPED);
	/* two last fragments that disagree */
	ck_assert_int_eq(feed4(21, 0, 32, dgram + 32, 16, TS0), DEC_FRAG_HELD);
	ck_assert_int_eq(feed4(21, 0, 24, dgram + 24, 16, TS0),
	    DEC_FRAG_DROPPED);
	/* data beyond the end a last fragment set */
	ck_assert_int_eq(feed4(22, 0, 16, dgram + 16, 8, TS0), DEC_FRAG_HELD);
	ck_assert_int_eq(feed4(22, 1, 16, dgram + 16, 16, TS0),
	    DEC_FRAG_DROPPED);
	/* a last fragment ending before data already held */
	ck_assert_int_eq(feed4(23, 1, 32, dgram + 32, 16, TS0), DEC_FRAG_HELD);
	ck_assert_int_eq(feed4(23, 0, 8, dgram + 8, 8, TS0),
	    DEC_FRAG_DROPPED);
	/* too many holes: 8-byte pieces with 8-byte gaps */
	for (i = 0; i < DEC_FRAG_MAX_RUNS; i++)
		ck_assert_int_eq(feed4(24, 1, (unsigned)i * 16, z, 8, TS0),
		    DEC_FRAG_HELD);
	ck_assert_int_eq(feed4(24, 1, DEC_FRAG_MAX_RUNS * 16, z, 8, TS0),
	    DEC_FRAG_DROPPED);
	/* filling a gap merges runs: the datagram is gone, so this is
	 * new and held */
	ck_assert_int_eq(feed4(24, 1, 8, z, 8, TS0), DEC_FRAG_HELD);
}
END_TEST

START_TEST(frag4_vlan_keys_apart)
{
	static const uint8_t eth[] = {
		/* Ethernet, 802.1Q VID 1 (patched), IPv4 */
		0x00, 0x1d, 0x9c, 0xc7, 0xb0, 0x70,
		0x00, 0x0c, 0x29, 0x5a, 0x3b, 0x01, 0x81, 0x00,
		0x00, 0x01, 0x08, 0x00,
	};
	uint8_t f[128];
	size_t n;

	mk_dgram();
	memcpy(f, eth, sizeof(eth));
	n = sizeof(eth) + frag4(f + sizeof(eth), 30, 1, 0, dgram, 16);
	ck_assert_int_eq(dec(1, f, n), DEC_FRAG_HELD);
	ck_assert_uint_eq(P.vlan, 1);
	/* the rest on VLAN 2: another datagram */
	f[15] = 2;
	n = sizeof(eth) + frag4(f + sizeof(eth), 30, 0, 16, dgram + 16, 32);
	ck_assert_int_eq(dec(1, f, n), DEC_FRAG_HELD);
	/* on VLAN 1: complete */
	f[15] = 1;
	ck_assert_int_eq(dec(1, f, n), DEC_OK);
	ck_assert_uint_eq(P.vlan, 1);
	ck_assert_uint_eq(P.ethertype, 0x0800);
	ck_assert_uint_eq(P.has_mac, 3);
	check_dgram(1111);
}
END_TEST

START_TEST(frag4_snaplen_cut)
{
	uint8_t b[128];
	size_t n;

	mk_dgram();
	/* the first fragment cut by the snaplen: delivered on its own */
	n = frag4(b, 40, 1, 0, dgram, 24);
	ck_assert_int_eq(decoder_frame(D, 12, b, (uint32_t)n - 8,
	    (uint32_t)n, TS0, &P), DEC_OK);
	ck_assert_uint_eq(P.reassembled, 0);
	ck_assert_uint_eq(P.truncated, 1);
	ck_assert_uint_eq(P.src_port, 1111);
	ck_assert_uint_eq(P.dst_port, 2222);
	ck_assert_ptr_eq(P.payload, b + 28);
	ck_assert_uint_eq(P.payload_len, 8);
	ck_assert_uint_eq(P.ip_len, 44);
	/* a later fragment cut: dropped */
	n = frag4(b, 40, 0, 24, dgram + 24, 24);
	ck_assert_int_eq(decoder_frame(D, 12, b, (uint32_t)n - 1,
	    (uint32_t)n, TS0, &P), DEC_FRAG_DROPPED);
	check_stats(0, 0, 1, 0, 0, 0, 0);
	/* a first fragment cut inside its UDP header */
	n = frag4(b, 41, 1, 0, dgram, 24);
	ck_assert_int_eq(decoder_frame(D, 12, b, 24, (uint32_t)n, TS0, &P),
	    DEC_TRUNCATED);
}
END_TEST

START_TEST(frag4_payload_survives_until_next_frame)
{
	mk_dgram();
	ck_assert_int_eq(feed4(50, 1, 0, dgram, 16, TS0), DEC_FRAG_HELD);
	ck_assert_int_eq(feed4(50, 0, 16, dgram + 16, 32, TS0), DEC_OK);
	/* feed4 freed its frame: the payload lives in the decoder */
	check_dgram(1111);
}
END_TEST

/* ------------------------------------------------------------------ */
/* IPv6 fragments                                                      */

/*
 * IPv6 2001:db8::10 -> 2001:db8::20 with an optional hop-by-hop header,
 * a fragment header (next nxt, offset, M, id) and data.
 */
static size_t
frag6(uint8_t *b, int hbh, uint8_t nxt, uint32_t id, int m, unsigned off,
    const uint8_t *data, size_t len)
{
	size_t n = 40, plen;
	unsigned fo = off | (m ? 1u : 0);

	memcpy(b, ip6_tcp, 40);
	if (hbh) {
		/* hop-by-hop: next fragment, length 0, PadN(4) */
		b[6] = 0;
		memcpy(b + 40, "\x2c\x00\x01\x04\x00\x00\x00\x00", 8);
		n += 8;
	} else {
		b[6] = 44;
	}
	/* fragment header: next, reserved, offset|M, id */
	b[n] = nxt;
	b[n + 1] = 0;
	b[n + 2] = (uint8_t)(fo >> 8);
	b[n + 3] = (uint8_t)fo;
	b[n + 4] = (uint8_t)(id >> 24);
	b[n + 5] = (uint8_t)(id >> 16);
	b[n + 6] = (uint8_t)(id >> 8);
	b[n + 7] = (uint8_t)id;
	n += 8;
	memcpy(b + n, data, len);
	n += len;
	plen = n - 40;
	b[4] = (uint8_t)(plen >> 8);
	b[5] = (uint8_t)plen;
	return n;
}

static enum dec_rc
feed6(int hbh, uint8_t nxt, uint32_t id, int m, unsigned off,
    const uint8_t *data, size_t len)
{
	uint8_t b[2048];
	size_t n = frag6(b, hbh, nxt, id, m, off, data, len);
	uint8_t *c = malloc(n);
	enum dec_rc rc;

	ck_assert_ptr_nonnull(c);
	memcpy(c, b, n);
	rc = decoder_frame(D, 229, c, (uint32_t)n, (uint32_t)n, TS0, &P);
	free(c);
	return rc;
}

START_TEST(frag6_in_order_and_reverse)
{
	mk_dgram();
	ck_assert_int_eq(feed6(0, 17, 0x11223344, 1, 0, dgram, 24),
	    DEC_FRAG_HELD);
	ck_assert_uint_eq(P.ipver, 6);
	ck_assert_uint_eq(P.l4, 17);
	ck_assert_int_eq(feed6(0, 17, 0x11223344, 0, 24, dgram + 24, 24),
	    DEC_OK);
	ck_assert_uint_eq(P.reassembled, 1);
	ck_assert_ptr_null(P.l3);
	ck_assert_mem_eq(P.src_ip, ip6_a, 16);
	ck_assert_mem_eq(P.dst_ip, ip6_b, 16);
	ck_assert_uint_eq(P.l4, 17);
	ck_assert_uint_eq(P.src_port, 1111);
	ck_assert_uint_eq(P.dst_port, 2222);
	ck_assert_uint_eq(P.payload_len, 40);
	ck_assert_mem_eq(P.payload, dgram + 8, 40);
	ck_assert_uint_eq(P.ip_len, 40 + 48);

	/* reversed, with a hop-by-hop header in front (unfragmentable) */
	ck_assert_int_eq(feed6(1, 17, 5, 0, 24, dgram + 24, 24),
	    DEC_FRAG_HELD);
	ck_assert_int_eq(feed6(1, 17, 5, 1, 0, dgram, 24), DEC_OK);
	ck_assert_uint_eq(P.src_port, 1111);
	ck_assert_mem_eq(P.payload, dgram + 8, 40);
	ck_assert_uint_eq(P.ip_len, 40 + 8 + 48);
	check_stats(2, 2, 0, 0, 0, 0, 0);
}
END_TEST

START_TEST(frag6_overlap_discards)
{
	mk_dgram();
	ck_assert_int_eq(feed6(0, 17, 6, 1, 0, dgram, 24), DEC_FRAG_HELD);
	/* [16, 48) overlaps [0, 24): RFC 5722, the datagram goes */
	ck_assert_int_eq(feed6(0, 17, 6, 0, 16, dgram + 16, 32),
	    DEC_FRAG_DROPPED);
	check_stats(1, 0, 1, 0, 0, 1, 0);
	/* so the proper rest does not complete anything */
	ck_assert_int_eq(feed6(0, 17, 6, 0, 24, dgram + 24, 24),
	    DEC_FRAG_HELD);
	/* a duplicate is not an overlap */
	ck_assert_int_eq(feed6(0, 17, 6, 0, 24, dgram + 24, 24),
	    DEC_FRAG_DROPPED);
	ck_assert_int_eq(feed6(0, 17, 6, 1, 0, dgram, 24), DEC_OK);
	check_stats(2, 1, 2, 0, 0, 1, 0);
}
END_TEST

START_TEST(frag6_atomic)
{
	mk_dgram();
	/* offset 0, M clear: RFC 6946, processed on its own */
	ck_assert_int_eq(feed6(0, 17, 7, 0, 0, dgram, 48), DEC_OK);
	ck_assert_uint_eq(P.reassembled, 0);
	ck_assert_uint_eq(P.src_port, 1111);
	ck_assert_uint_eq(P.payload_len, 40);
	check_stats(0, 0, 0, 0, 0, 0, 0);
}
END_TEST

START_TEST(frag6_ext_in_fragmentable_part)
{
	uint8_t d[56];

	mk_dgram();
	/* destination options (next UDP, 8 bytes) then the datagram */
	memcpy(d, "\x11\x00\x01\x04\x00\x00\x00\x00", 8);
	memcpy(d + 8, dgram, 48);
	ck_assert_int_eq(feed6(0, 60, 8, 1, 0, d, 32), DEC_FRAG_HELD);
	ck_assert_int_eq(feed6(0, 60, 8, 0, 32, d + 32, 24), DEC_OK);
	ck_assert_uint_eq(P.l4, 17);
	ck_assert_uint_eq(P.src_port, 1111);
	ck_assert_mem_eq(P.payload, dgram + 8, 40);
}
END_TEST

START_TEST(frag6_nested_fragment_header)
{
	uint8_t d[24];

	/* the reassembled data starts with another fragment header */
	memset(d, 0, sizeof(d));
	d[0] = 17;
	d[3] = 1;
	ck_assert_int_eq(feed6(0, 44, 9, 1, 0, d, 16), DEC_FRAG_HELD);
	ck_assert_int_eq(feed6(0, 44, 9, 0, 16, d + 16, 8), DEC_MALFORMED);
}
END_TEST

START_TEST(frag6_bad)
{
	uint8_t b[256];
	size_t n;

	mk_dgram();
	/* odd non-last length */
	ck_assert_int_eq(feed6(0, 17, 10, 1, 0, dgram, 20),
	    DEC_FRAG_DROPPED);
	/* a later fragment cut by the snaplen */
	n = frag6(b, 0, 17, 11, 0, 24, dgram + 24, 24);
	ck_assert_int_eq(decoder_frame(D, 229, b, (uint32_t)n - 4,
	    (uint32_t)n, TS0, &P), DEC_FRAG_DROPPED);
	/* a first fragment cut by the snaplen: delivered, truncated */
	n = frag6(b, 0, 17, 11, 1, 0, dgram, 24);
	ck_assert_int_eq(decoder_frame(D, 229, b, (uint32_t)n - 4,
	    (uint32_t)n, TS0, &P), DEC_OK);
	ck_assert_uint_eq(P.truncated, 1);
	ck_assert_uint_eq(P.src_port, 1111);
	ck_assert_uint_eq(P.payload_len, 12);
	/* fragment header cut */
	ck_assert_int_eq(decoder_frame(D, 229, b, 44, (uint32_t)n, TS0, &P),
	    DEC_TRUNCATED);
	check_stats(0, 0, 2, 0, 0, 0, 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Addresses                                                           */

START_TEST(ip_is_group)
{
	static const uint8_t v6mc[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 1};
	static const uint8_t v6any[16];
	uint8_t a[16];

	memcpy(a, ip_c, 16);
	ck_assert_int_eq(decode_ip_is_group(a), 0);
	ck_assert_int_eq(decode_ip_is_group(ip_d), 0); /* x.x.x.255 */
	a[12] = 224;
	a[15] = 1;
	ck_assert_int_eq(decode_ip_is_group(a), 1);
	a[12] = 239;
	ck_assert_int_eq(decode_ip_is_group(a), 1);
	a[12] = 240;
	ck_assert_int_eq(decode_ip_is_group(a), 0);
	memset(a + 12, 255, 4);
	ck_assert_int_eq(decode_ip_is_group(a), 1);
	memset(a + 12, 0, 4);
	ck_assert_int_eq(decode_ip_is_group(a), 1);
	ck_assert_int_eq(decode_ip_is_group(v6mc), 1);
	ck_assert_int_eq(decode_ip_is_group(v6any), 1);
	ck_assert_int_eq(decode_ip_is_group(ip6_a), 0);
}
END_TEST

START_TEST(ip_str)
{
	static const struct {
		uint8_t a[16];
		const char *s;
	} c[] = {
		{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 10, 20},
		    "192.168.10.20"},
		{{0}, "::"},
		{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, "::1"},
		{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
		    "2001:db8::1"},
		/* one zero word is not compressed (RFC 5952 4.2.2) */
		{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1},
		    "2001:db8:0:1:1:1:1:1"},
		/* the longest run wins (4.2.3) */
		{{0x20, 0x01, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1},
		    "2001:0:0:1::1"},
		/* on a tie, the first */
		{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1},
		    "2001:db8::1:0:0:1"},
		{{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x0c, 0x29, 0xff, 0xfe,
		    0x5a, 0x3b, 0x01}, "fe80::20c:29ff:fe5a:3b01"},
		{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		    "ff02::"},
		/* IPv4-compatible (deprecated): plain IPv6 text */
		{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4},
		    "::102:304"},
		{{0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd,
		    0xef, 0x01, 0x23, 0x45, 0x67, 0x89},
		    "abcd:ef01:2345:6789:abcd:ef01:2345:6789"},
	};
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		decode_ip_str(c[i].a, buf, sizeof(buf));
		ck_assert_str_eq(buf, c[i].s);
	}
	/* a short buffer is cut, still terminated */
	decode_ip_str(c[0].a, buf, 5);
	ck_assert_str_eq(buf, "192.");
	decode_ip_str(c[3].a, buf, 4);
	ck_assert_str_eq(buf, "200");
	buf[0] = 'x';
	decode_ip_str(c[3].a, buf, 0);
	ck_assert_int_eq(buf[0], 'x');
}
END_TEST

START_TEST(free_null)
{
	decoder_free(NULL);
}
END_TEST

static Suite *
decode_suite(void)
{
	Suite *s = suite_create("decode");
	TCase *tc;

	tc = tcase_create("ethernet");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, eth_ipv4_tcp_options);
	tcase_add_test(tc, eth_padding_trimmed);
	tcase_add_test(tc, eth_ipv4_options);
	tcase_add_test(tc, eth_vlan_8021q);
	tcase_add_test(tc, eth_qinq_outer_vlan_kept);
	tcase_add_test(tc, eth_too_many_tags);
	tcase_add_test(tc, eth_llc_snap_ip);
	tcase_add_test(tc, eth_llc_stp_not_ip);
	tcase_add_test(tc, eth_snap_cisco_not_ip);
	tcase_add_test(tc, eth_non_ip_ethertypes);
	tcase_add_test(tc, eth_type_says_v4_holds_v6);
	suite_add_tcase(s, tc);

	tc = tcase_create("links");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, sll_ipv4);
	tcase_add_test(tc, sll_llc_and_vlan);
	tcase_add_test(tc, sll2_ipv6);
	tcase_add_test(tc, raw_ip_link_types);
	tcase_add_test(tc, null_and_loop_families);
	tcase_add_test(tc, unsupported_link);
	suite_add_tcase(s, tc);

	tc = tcase_create("ip_tcp_udp");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ipv4_bad_headers);
	tcase_add_test(tc, ipv4_total_zero_tso);
	tcase_add_test(tc, ipv4_total_beyond_frame);
	tcase_add_test(tc, ipv4_ah_then_tcp);
	tcase_add_test(tc, icmp_no_ports);
	tcase_add_test(tc, tcp_bad_offsets);
	tcase_add_test(tc, udp_length_vs_ip);
	tcase_add_test(tc, ipv6_ext_headers);
	tcase_add_test(tc, ipv6_mobility_no_next);
	tcase_add_test(tc, ipv6_bad_ext_headers);
	tcase_add_test(tc, ipv6_padding_trimmed);
	suite_add_tcase(s, tc);

	tc = tcase_create("truncation");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, truncation_sweep_eth_tcp);
	tcase_add_test(tc, truncation_sweep_eth_udp_pad);
	tcase_add_test(tc, truncation_sweep_sll2_ipv6);
	tcase_add_test(tc, truncation_sweep_qinq_llc);
	tcase_add_test(tc, truncation_sweep_null_ipv4);
	suite_add_tcase(s, tc);

	tc = tcase_create("frag4");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, frag4_in_order);
	tcase_add_test(tc, frag4_reverse_order);
	tcase_add_test(tc, frag4_out_of_order_and_duplicate);
	tcase_add_test(tc, frag4_overlap_first_wins);
	tcase_add_test(tc, frag4_hole_times_out);
	tcase_add_test(tc, frag4_timeout_configurable);
	tcase_add_test(tc, frag4_oversize_rejected);
	tcase_add_test(tc, frag4_table_full_evicts_oldest);
	tcase_add_test(tc, frag4_memory_budget);
	tcase_add_test(tc, frag4_bad_fragments);
	tcase_add_test(tc, frag4_vlan_keys_apart);
	tcase_add_test(tc, frag4_snaplen_cut);
	tcase_add_test(tc, frag4_payload_survives_until_next_frame);
	suite_add_tcase(s, tc);

	tc = tcase_create("frag6");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, frag6_in_order_and_reverse);
	tcase_add_test(tc, frag6_overlap_discards);
	tcase_add_test(tc, frag6_atomic);
	tcase_add_test(tc, frag6_ext_in_fragmentable_part);
	tcase_add_test(tc, frag6_nested_fragment_header);
	tcase_add_test(tc, frag6_bad);
	suite_add_tcase(s, tc);

	tc = tcase_create("addresses");
	tcase_add_test(tc, ip_is_group);
	tcase_add_test(tc, ip_str);
	tcase_add_test(tc, free_null);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(decode_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

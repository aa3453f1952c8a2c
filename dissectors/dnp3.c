/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dnp3.c: DNP3 (IEEE 1815) over TCP and UDP port 20000.
 *
 * Reference: IEEE Std 1815-2012, clause 9 (data link layer: frame format
 * 9.2, CRC 9.2.4.2), clause 8 (transport function), clause 4 and 10-11
 * (application layer: request/response headers 4.2.2, function codes
 * 4.2.2.5, IIN 4.2.2.7, object headers and qualifiers 4.2.2.7.x/11.x,
 * object library annex A), clause 7 (Secure Authentication v5).
 *
 * Three layers are unwrapped per direction of a flow:
 *   - link frames are checked (start, length, header CRC, the CRC of
 *     every 16-byte data block); a bad frame is dropped but its length
 *     keeps the stream in sync;
 *   - transport segments are reassembled (FIR/FIN/sequence) into one
 *     application fragment in a fixed buffer in the per-flow state;
 *   - application fragments give one operation per request, paired with
 *     its response by application sequence number, unsolicited responses,
 *     master/outstation roles, device attributes (group 0) as identity,
 *     and Secure Authentication.
 *
 * Link frame (all multi-byte fields little-endian):
 *
 *    0      1      2      3      4      5      6      7      8      9
 *  +------+------+------+------+------+------+------+------+------+------+
 *  | 0x05 | 0x64 | LEN  | CTRL |  DESTINATION | SOURCE      |  CRC        |
 *  +------+------+------+------+------+------+------+------+------+------+
 *  | user data block 1 (16 bytes)                     | CRC (2)          |
 *  +--------------------------------------------------+------------------+
 *  | ...  last block (1..16 bytes)                    | CRC (2)          |
 *  +--------------------------------------------------+------------------+
 *   LEN counts CTRL, DESTINATION, SOURCE and the user data (no CRCs):
 *   5..255, so at most 250 user data bytes in 16 blocks.
 *   CTRL: DIR 0x80, PRM 0x40, FCB 0x20, FCV/DFC 0x10, link function 0x0f.
 *
 * User data = transport header + application bytes:
 *
 *  +-----+-----+-----------+
 *  | FIN | FIR | SEQ (6)   |  then up to 249 bytes of the fragment
 *  +-----+-----+-----------+
 *
 * Application fragment:
 *
 *  request:  | AC | FC |               object headers + data ...
 *  response: | AC | FC | IIN1 | IIN2 | object headers + data ...
 *   AC: FIR 0x80, FIN 0x40, CON 0x20, UNS 0x10, SEQ 0x0f.
 *
 * Object header: | group | variation | qualifier | range (0..8 bytes) |
 *   qualifier: bit 7 reserved, bits 6-4 prefix code, bits 3-0 range code.
 *
 * Observations:
 *   op.code = application function code (Wireshark dnp3.al.func),
 *   op.unit = the outstation's link address (destination of a request,
 *   source of a response or unsolicited response), op.status = the IIN
 *   word (IIN1 << 8 | IIN2) on responses, or 0x10000 | error code when a
 *   Secure Authentication error object (g120v7) rejects a request.
 */
#include <string.h>

#include "cursor.h"
#include "dissect.h"

/* Link layer. */
#define DNP3_START0 0x05
#define DNP3_START1 0x64
#define DNP3_HDR_LEN 10	   /* start .. header CRC */
#define DNP3_LEN_MIN 5	   /* CTRL + DST + SRC */
#define DNP3_BLOCK 16	   /* user data bytes per CRC */
#define DNP3_MAX_UDATA 250 /* 255 - 5 */
#define DNP3_CTL_DIR 0x80
#define DNP3_CTL_PRM 0x40
#define DNP3_LFC_CONFIRMED_DATA 3
#define DNP3_LFC_UNCONFIRMED_DATA 4
#define DNP3_ADDR_BCAST_MIN 0xfffd /* 0xfffd..0xffff are broadcast */

/* Transport layer. */
#define DNP3_TH_FIN 0x80
#define DNP3_TH_FIR 0x40
#define DNP3_TH_SEQ 0x3f
/* SPEC: 1815-2012 4.2.2.1 suggests 2048 as the default fragment size. */
#define DNP3_MAX_FRAGMENT 2048

/* Application layer. */
#define DNP3_AC_FIR 0x80
#define DNP3_AC_SEQ 0x0f
#define DNP3_NSEQ 16
#define DNP3_FC_CONFIRM 0
#define DNP3_FC_READ 1
#define DNP3_FC_AUTH_REQ 32
#define DNP3_FC_AUTH_ERR 33
#define DNP3_FC_RESPONSE 129
#define DNP3_FC_UNSOLICITED 130
#define DNP3_FC_AUTH_RESP 131

/* IIN bits, as the IIN word IIN1 << 8 | IIN2. */
#define DNP3_IIN_DEVICE_RESTART 0x8000
#define DNP3_IIN_DEVICE_TROUBLE 0x4000
#define DNP3_IIN_NO_FUNC_SUPPORT 0x0001
#define DNP3_IIN_OBJECT_UNKNOWN 0x0002
#define DNP3_IIN_PARAMETER_ERROR 0x0004
#define DNP3_IIN_EVENT_OVERFLOW 0x0008
#define DNP3_IIN_ALREADY_EXECUTING 0x0010
#define DNP3_IIN_CONFIG_CORRUPT 0x0020
/* The bits that say the request itself failed. */
#define DNP3_IIN_FAILURE                                                    \
	(DNP3_IIN_NO_FUNC_SUPPORT | DNP3_IIN_OBJECT_UNKNOWN |               \
	    DNP3_IIN_PARAMETER_ERROR | DNP3_IIN_ALREADY_EXECUTING)

/* Limits. */
#define DNP3_MAX_OBJ_HEADERS 256 /* object headers walked per fragment */
#define DNP3_MAX_LINK_PAIRS 4	 /* distinct src/dst pairs reported per dir */

#define DNP3_AUTH_ERR_STATUS 0x10000 /* status = this | g120v7 error code */

enum dnp3_anomaly {
	DNP3_AN_GARBAGE = 1,
	DNP3_AN_HDR_CRC,
	DNP3_AN_BAD_LENGTH,
	DNP3_AN_DATA_CRC,
	DNP3_AN_TRUNCATED,
	DNP3_AN_NONDATA,
	DNP3_AN_TR_NOFIR,
	DNP3_AN_TR_SEQ,
	DNP3_AN_TR_OVERFLOW,
	DNP3_AN_TR_ABANDONED,
	DNP3_AN_TR_ADDR,
	DNP3_AN_APP_SHORT,
	DNP3_AN_OBJ_MALFORMED,
	DNP3_AN_OBJ_QUALIFIER,
	DNP3_AN_OBJ_CAP,
	DNP3_AN_IIN_RESTART,
	DNP3_AN_IIN_TROUBLE,
	DNP3_AN_IIN_CORRUPT,
	DNP3_AN_IIN_OVERFLOW,
	DNP3_AN_AUTH_ERROR,
};

/* One direction's transport reassembly. */
struct dnp3_reasm {
	uint8_t buf[DNP3_MAX_FRAGMENT];
	uint16_t len;
	uint16_t src, dst; /* link addresses of the fragment */
	uint8_t active;	   /* a FIR was seen, FIN not yet */
	uint8_t seq;	   /* transport sequence of the last segment */
};

/* A request waiting for its response, by (requester side, app seq). */
struct dnp3_pending {
	uint32_t addr_lo, addr_hi;
	uint16_t unit; /* destination of the request */
	uint8_t valid;
	uint8_t fc;
	uint8_t cls;
	uint8_t challenged; /* answered by an SA challenge (131) so far */
};

struct dnp3_state {
	struct dnp3_reasm tr[2];			/* by direction */
	struct dnp3_pending pend[2][DNP3_NSEQ];		/* by requester side */
	uint32_t links[2][DNP3_MAX_LINK_PAIRS];		/* reported pairs */
	uint8_t nlinks[2];
	uint8_t seen_frame; /* a frame with a valid header CRC was parsed */
	uint8_t roles;	    /* bit (side * 2 + (outstation ? 1 : 0)) */
	uint8_t auth;	    /* OBS_A_AUTHENTICATED reported */
	uint16_t iin_seen;  /* DNP3_IIN_NOTES bits already reported */
	/*
	 * The last two distinct link headers (10 bytes, CRC included) that
	 * checked, by direction, most recent first: the same bytes again
	 * need no CRC.  All zero at first: only bytes starting 0x05 are
	 * compared, so an empty slot never matches.  Two: requests and
	 * responses of one length each, or responses of two lengths,
	 * alternate.
	 */
	uint8_t hdr_ok[2][2][DNP3_HDR_LEN];
};

/* The IIN bits reported once per flow as anomalies. */
#define DNP3_IIN_NOTES                                                      \
	(DNP3_IIN_DEVICE_RESTART | DNP3_IIN_DEVICE_TROUBLE |                \
	    DNP3_IIN_CONFIG_CORRUPT | DNP3_IIN_EVENT_OVERFLOW)

/*
 * CRC-16/DNP: poly 0x3d65 reflected (0xa6bc), init 0, complemented.
 * Slicing by 4: dnp3_crc_tab[0][b] is the CRC register after byte b
 * (the classic table); dnp3_crc_tab[k][b] after byte b followed by k
 * zero bytes, so four bytes fold in with four independent lookups.
 */
static const uint16_t dnp3_crc_tab[4][256] = {
	{
		0x0000, 0x365e, 0x6cbc, 0x5ae2, 0xd978, 0xef26, 0xb5c4, 0x839a,
		0xff89, 0xc9d7, 0x9335, 0xa56b, 0x26f1, 0x10af, 0x4a4d, 0x7c13,
		0xb26b, 0x8435, 0xded7, 0xe889, 0x6b13, 0x5d4d, 0x07af, 0x31f1,
		0x4de2, 0x7bbc, 0x215e, 0x1700, 0x949a, 0xa2c4, 0xf826, 0xce78,
		0x29af, 0x1ff1, 0x4513, 0x734d, 0xf0d7, 0xc689, 0x9c6b, 0xaa35,
		0xd626, 0xe078, 0xba9a, 0x8cc4, 0x0f5e, 0x3900, 0x63e2, 0x55bc,
		0x9bc4, 0xad9a, 0xf778, 0xc126, 0x42bc, 0x74e2, 0x2e00, 0x185e,
		0x644d, 0x5213, 0x08f1, 0x3eaf, 0xbd35, 0x8b6b, 0xd189, 0xe7d7,
		0x535e, 0x6500, 0x3fe2, 0x09bc, 0x8a26, 0xbc78, 0xe69a, 0xd0c4,
		0xacd7, 0x9a89, 0xc06b, 0xf635, 0x75af, 0x43f1, 0x1913, 0x2f4d,
		0xe135, 0xd76b, 0x8d89, 0xbbd7, 0x384d, 0x0e13, 0x54f1, 0x62af,
		0x1ebc, 0x28e2, 0x7200, 0x445e, 0xc7c4, 0xf19a, 0xab78, 0x9d26,
		0x7af1, 0x4caf, 0x164d, 0x2013, 0xa389, 0x95d7, 0xcf35, 0xf96b,
		0x8578, 0xb326, 0xe9c4, 0xdf9a, 0x5c00, 0x6a5e, 0x30bc, 0x06e2,
		0xc89a, 0xfec4, 0xa426, 0x9278, 0x11e2, 0x27bc, 0x7d5e, 0x4b00,
		0x3713, 0x014d, 0x5baf, 0x6df1, 0xee6b, 0xd835, 0x82d7, 0xb489,
		0xa6bc, 0x90e2, 0xca00, 0xfc5e, 0x7fc4, 0x499a, 0x1378, 0x2526,
		0x5935, 0x6f6b, 0x3589, 0x03d7, 0x804d, 0xb613, 0xecf1, 0xdaaf,
		0x14d7, 0x2289, 0x786b, 0x4e35, 0xcdaf, 0xfbf1, 0xa113, 0x974d,
		0xeb5e, 0xdd00, 0x87e2, 0xb1bc, 0x3226, 0x0478, 0x5e9a, 0x68c4,
		0x8f13, 0xb94d, 0xe3af, 0xd5f1, 0x566b, 0x6035, 0x3ad7, 0x0c89,
		0x709a, 0x46c4, 0x1c26, 0x2a78, 0xa9e2, 0x9fbc, 0xc55e, 0xf300,
		0x3d78, 0x0b26, 0x51c4, 0x679a, 0xe400, 0xd25e, 0x88bc, 0xbee2,
		0xc2f1, 0xf4af, 0xae4d, 0x9813, 0x1b89, 0x2dd7, 0x7735, 0x416b,
		0xf5e2, 0xc3bc, 0x995e, 0xaf00, 0x2c9a, 0x1ac4, 0x4026, 0x7678,
		0x0a6b, 0x3c35, 0x66d7, 0x5089, 0xd313, 0xe54d, 0xbfaf, 0x89f1,
		0x4789, 0x71d7, 0x2b35, 0x1d6b, 0x9ef1, 0xa8af, 0xf24d, 0xc413,
		0xb800, 0x8e5e, 0xd4bc, 0xe2e2, 0x6178, 0x5726, 0x0dc4, 0x3b9a,
		0xdc4d, 0xea13, 0xb0f1, 0x86af, 0x0535, 0x336b, 0x6989, 0x5fd7,
		0x23c4, 0x159a, 0x4f78, 0x7926, 0xfabc, 0xcce2, 0x9600, 0xa05e,
		0x6e26, 0x5878, 0x029a, 0x34c4, 0xb75e, 0x8100, 0xdbe2, 0xedbc,
		0x91af, 0xa7f1, 0xfd13, 0xcb4d, 0x48d7, 0x7e89, 0x246b, 0x1235,
	},
	{
		0x0000, 0xab4e, 0x1be5, 0xb0ab, 0x37ca, 0x9c84, 0x2c2f, 0x8761,
		0x6f94, 0xc4da, 0x7471, 0xdf3f, 0x585e, 0xf310, 0x43bb, 0xe8f5,
		0xdf28, 0x7466, 0xc4cd, 0x6f83, 0xe8e2, 0x43ac, 0xf307, 0x5849,
		0xb0bc, 0x1bf2, 0xab59, 0x0017, 0x8776, 0x2c38, 0x9c93, 0x37dd,
		0xf329, 0x5867, 0xe8cc, 0x4382, 0xc4e3, 0x6fad, 0xdf06, 0x7448,
		0x9cbd, 0x37f3, 0x8758, 0x2c16, 0xab77, 0x0039, 0xb092, 0x1bdc,
		0x2c01, 0x874f, 0x37e4, 0x9caa, 0x1bcb, 0xb085, 0x002e, 0xab60,
		0x4395, 0xe8db, 0x5870, 0xf33e, 0x745f, 0xdf11, 0x6fba, 0xc4f4,
		0xab2b, 0x0065, 0xb0ce, 0x1b80, 0x9ce1, 0x37af, 0x8704, 0x2c4a,
		0xc4bf, 0x6ff1, 0xdf5a, 0x7414, 0xf375, 0x583b, 0xe890, 0x43de,
		0x7403, 0xdf4d, 0x6fe6, 0xc4a8, 0x43c9, 0xe887, 0x582c, 0xf362,
		0x1b97, 0xb0d9, 0x0072, 0xab3c, 0x2c5d, 0x8713, 0x37b8, 0x9cf6,
		0x5802, 0xf34c, 0x43e7, 0xe8a9, 0x6fc8, 0xc486, 0x742d, 0xdf63,
		0x3796, 0x9cd8, 0x2c73, 0x873d, 0x005c, 0xab12, 0x1bb9, 0xb0f7,
		0x872a, 0x2c64, 0x9ccf, 0x3781, 0xb0e0, 0x1bae, 0xab05, 0x004b,
		0xe8be, 0x43f0, 0xf35b, 0x5815, 0xdf74, 0x743a, 0xc491, 0x6fdf,
		0x1b2f, 0xb061, 0x00ca, 0xab84, 0x2ce5, 0x87ab, 0x3700, 0x9c4e,
		0x74bb, 0xdff5, 0x6f5e, 0xc410, 0x4371, 0xe83f, 0x5894, 0xf3da,
		0xc407, 0x6f49, 0xdfe2, 0x74ac, 0xf3cd, 0x5883, 0xe828, 0x4366,
		0xab93, 0x00dd, 0xb076, 0x1b38, 0x9c59, 0x3717, 0x87bc, 0x2cf2,
		0xe806, 0x4348, 0xf3e3, 0x58ad, 0xdfcc, 0x7482, 0xc429, 0x6f67,
		0x8792, 0x2cdc, 0x9c77, 0x3739, 0xb058, 0x1b16, 0xabbd, 0x00f3,
		0x372e, 0x9c60, 0x2ccb, 0x8785, 0x00e4, 0xabaa, 0x1b01, 0xb04f,
		0x58ba, 0xf3f4, 0x435f, 0xe811, 0x6f70, 0xc43e, 0x7495, 0xdfdb,
		0xb004, 0x1b4a, 0xabe1, 0x00af, 0x87ce, 0x2c80, 0x9c2b, 0x3765,
		0xdf90, 0x74de, 0xc475, 0x6f3b, 0xe85a, 0x4314, 0xf3bf, 0x58f1,
		0x6f2c, 0xc462, 0x74c9, 0xdf87, 0x58e6, 0xf3a8, 0x4303, 0xe84d,
		0x00b8, 0xabf6, 0x1b5d, 0xb013, 0x3772, 0x9c3c, 0x2c97, 0x87d9,
		0x432d, 0xe863, 0x58c8, 0xf386, 0x74e7, 0xdfa9, 0x6f02, 0xc44c,
		0x2cb9, 0x87f7, 0x375c, 0x9c12, 0x1b73, 0xb03d, 0x0096, 0xabd8,
		0x9c05, 0x374b, 0x87e0, 0x2cae, 0xabcf, 0x0081, 0xb02a, 0x1b64,
		0xf391, 0x58df, 0xe874, 0x433a, 0xc45b, 0x6f15, 0xdfbe, 0x74f0,
	},
	{
		0x0000, 0x19b8, 0x3370, 0x2ac8, 0x66e0, 0x7f58, 0x5590, 0x4c28,
		0xcdc0, 0xd478, 0xfeb0, 0xe708, 0xab20, 0xb298, 0x9850, 0x81e8,
		0xd6f9, 0xcf41, 0xe589, 0xfc31, 0xb019, 0xa9a1, 0x8369, 0x9ad1,
		0x1b39, 0x0281, 0x2849, 0x31f1, 0x7dd9, 0x6461, 0x4ea9, 0x5711,
		0xe08b, 0xf933, 0xd3fb, 0xca43, 0x866b, 0x9fd3, 0xb51b, 0xaca3,
		0x2d4b, 0x34f3, 0x1e3b, 0x0783, 0x4bab, 0x5213, 0x78db, 0x6163,
		0x3672, 0x2fca, 0x0502, 0x1cba, 0x5092, 0x492a, 0x63e2, 0x7a5a,
		0xfbb2, 0xe20a, 0xc8c2, 0xd17a, 0x9d52, 0x84ea, 0xae22, 0xb79a,
		0x8c6f, 0x95d7, 0xbf1f, 0xa6a7, 0xea8f, 0xf337, 0xd9ff, 0xc047,
		0x41af, 0x5817, 0x72df, 0x6b67, 0x274f, 0x3ef7, 0x143f, 0x0d87,
		0x5a96, 0x432e, 0x69e6, 0x705e, 0x3c76, 0x25ce, 0x0f06, 0x16be,
		0x9756, 0x8eee, 0xa426, 0xbd9e, 0xf1b6, 0xe80e, 0xc2c6, 0xdb7e,
		0x6ce4, 0x755c, 0x5f94, 0x462c, 0x0a04, 0x13bc, 0x3974, 0x20cc,
		0xa124, 0xb89c, 0x9254, 0x8bec, 0xc7c4, 0xde7c, 0xf4b4, 0xed0c,
		0xba1d, 0xa3a5, 0x896d, 0x90d5, 0xdcfd, 0xc545, 0xef8d, 0xf635,
		0x77dd, 0x6e65, 0x44ad, 0x5d15, 0x113d, 0x0885, 0x224d, 0x3bf5,
		0x55a7, 0x4c1f, 0x66d7, 0x7f6f, 0x3347, 0x2aff, 0x0037, 0x198f,
		0x9867, 0x81df, 0xab17, 0xb2af, 0xfe87, 0xe73f, 0xcdf7, 0xd44f,
		0x835e, 0x9ae6, 0xb02e, 0xa996, 0xe5be, 0xfc06, 0xd6ce, 0xcf76,
		0x4e9e, 0x5726, 0x7dee, 0x6456, 0x287e, 0x31c6, 0x1b0e, 0x02b6,
		0xb52c, 0xac94, 0x865c, 0x9fe4, 0xd3cc, 0xca74, 0xe0bc, 0xf904,
		0x78ec, 0x6154, 0x4b9c, 0x5224, 0x1e0c, 0x07b4, 0x2d7c, 0x34c4,
		0x63d5, 0x7a6d, 0x50a5, 0x491d, 0x0535, 0x1c8d, 0x3645, 0x2ffd,
		0xae15, 0xb7ad, 0x9d65, 0x84dd, 0xc8f5, 0xd14d, 0xfb85, 0xe23d,
		0xd9c8, 0xc070, 0xeab8, 0xf300, 0xbf28, 0xa690, 0x8c58, 0x95e0,
		0x1408, 0x0db0, 0x2778, 0x3ec0, 0x72e8, 0x6b50, 0x4198, 0x5820,
		0x0f31, 0x1689, 0x3c41, 0x25f9, 0x69d1, 0x7069, 0x5aa1, 0x4319,
		0xc2f1, 0xdb49, 0xf181, 0xe839, 0xa411, 0xbda9, 0x9761, 0x8ed9,
		0x3943, 0x20fb, 0x0a33, 0x138b, 0x5fa3, 0x461b, 0x6cd3, 0x756b,
		0xf483, 0xed3b, 0xc7f3, 0xde4b, 0x9263, 0x8bdb, 0xa113, 0xb8ab,
		0xefba, 0xf602, 0xdcca, 0xc572, 0x895a, 0x90e2, 0xba2a, 0xa392,
		0x227a, 0x3bc2, 0x110a, 0x08b2, 0x449a, 0x5d22, 0x77ea, 0x6e52,
	},
	{
		0x0000, 0xc2e8, 0xc8a9, 0x0a41, 0xdc2b, 0x1ec3, 0x1482, 0xd66a,
		0xf52f, 0x37c7, 0x3d86, 0xff6e, 0x2904, 0xebec, 0xe1ad, 0x2345,
		0xa727, 0x65cf, 0x6f8e, 0xad66, 0x7b0c, 0xb9e4, 0xb3a5, 0x714d,
		0x5208, 0x90e0, 0x9aa1, 0x5849, 0x8e23, 0x4ccb, 0x468a, 0x8462,
		0x0337, 0xc1df, 0xcb9e, 0x0976, 0xdf1c, 0x1df4, 0x17b5, 0xd55d,
		0xf618, 0x34f0, 0x3eb1, 0xfc59, 0x2a33, 0xe8db, 0xe29a, 0x2072,
		0xa410, 0x66f8, 0x6cb9, 0xae51, 0x783b, 0xbad3, 0xb092, 0x727a,
		0x513f, 0x93d7, 0x9996, 0x5b7e, 0x8d14, 0x4ffc, 0x45bd, 0x8755,
		0x066e, 0xc486, 0xcec7, 0x0c2f, 0xda45, 0x18ad, 0x12ec, 0xd004,
		0xf341, 0x31a9, 0x3be8, 0xf900, 0x2f6a, 0xed82, 0xe7c3, 0x252b,
		0xa149, 0x63a1, 0x69e0, 0xab08, 0x7d62, 0xbf8a, 0xb5cb, 0x7723,
		0x5466, 0x968e, 0x9ccf, 0x5e27, 0x884d, 0x4aa5, 0x40e4, 0x820c,
		0x0559, 0xc7b1, 0xcdf0, 0x0f18, 0xd972, 0x1b9a, 0x11db, 0xd333,
		0xf076, 0x329e, 0x38df, 0xfa37, 0x2c5d, 0xeeb5, 0xe4f4, 0x261c,
		0xa27e, 0x6096, 0x6ad7, 0xa83f, 0x7e55, 0xbcbd, 0xb6fc, 0x7414,
		0x5751, 0x95b9, 0x9ff8, 0x5d10, 0x8b7a, 0x4992, 0x43d3, 0x813b,
		0x0cdc, 0xce34, 0xc475, 0x069d, 0xd0f7, 0x121f, 0x185e, 0xdab6,
		0xf9f3, 0x3b1b, 0x315a, 0xf3b2, 0x25d8, 0xe730, 0xed71, 0x2f99,
		0xabfb, 0x6913, 0x6352, 0xa1ba, 0x77d0, 0xb538, 0xbf79, 0x7d91,
		0x5ed4, 0x9c3c, 0x967d, 0x5495, 0x82ff, 0x4017, 0x4a56, 0x88be,
		0x0feb, 0xcd03, 0xc742, 0x05aa, 0xd3c0, 0x1128, 0x1b69, 0xd981,
		0xfac4, 0x382c, 0x326d, 0xf085, 0x26ef, 0xe407, 0xee46, 0x2cae,
		0xa8cc, 0x6a24, 0x6065, 0xa28d, 0x74e7, 0xb60f, 0xbc4e, 0x7ea6,
		0x5de3, 0x9f0b, 0x954a, 0x57a2, 0x81c8, 0x4320, 0x4961, 0x8b89,
		0x0ab2, 0xc85a, 0xc21b, 0x00f3, 0xd699, 0x1471, 0x1e30, 0xdcd8,
		0xff9d, 0x3d75, 0x3734, 0xf5dc, 0x23b6, 0xe15e, 0xeb1f, 0x29f7,
		0xad95, 0x6f7d, 0x653c, 0xa7d4, 0x71be, 0xb356, 0xb917, 0x7bff,
		0x58ba, 0x9a52, 0x9013, 0x52fb, 0x8491, 0x4679, 0x4c38, 0x8ed0,
		0x0985, 0xcb6d, 0xc12c, 0x03c4, 0xd5ae, 0x1746, 0x1d07, 0xdfef,
		0xfcaa, 0x3e42, 0x3403, 0xf6eb, 0x2081, 0xe269, 0xe828, 0x2ac0,
		0xaea2, 0x6c4a, 0x660b, 0xa4e3, 0x7289, 0xb061, 0xba20, 0x78c8,
		0x5b8d, 0x9965, 0x9324, 0x51cc, 0x87a6, 0x454e, 0x4f0f, 0x8de7,
	},
};

/* Function codes (1815-2012 table 4-1 and 4-2) and their classes. */
struct dnp3_fc {
	uint8_t fc;
	uint8_t cls;
	const char *name;
};

static const struct dnp3_fc dnp3_fcs[] = {
	{0, OBS_C_OTHER, "Confirm"},
	{1, OBS_C_READ, "Read"},
	{2, OBS_C_WRITE, "Write"},
	{3, OBS_C_CONTROL, "Select"},
	{4, OBS_C_CONTROL, "Operate"},
	{5, OBS_C_CONTROL, "Direct Operate"},
	{6, OBS_C_CONTROL, "Direct Operate No Ack"},
	{7, OBS_C_CONTROL, "Immediate Freeze"},
	{8, OBS_C_CONTROL, "Immediate Freeze No Ack"},
	{9, OBS_C_CONTROL, "Freeze and Clear"},
	{10, OBS_C_CONTROL, "Freeze and Clear No Ack"},
	{11, OBS_C_CONTROL, "Freeze at Time"},
	{12, OBS_C_CONTROL, "Freeze at Time No Ack"},
	{13, OBS_C_CONTROL, "Cold Restart"},
	{14, OBS_C_CONTROL, "Warm Restart"},
	{15, OBS_C_PROGRAM, "Initialize Data"},
	{16, OBS_C_PROGRAM, "Initialize Application"},
	{17, OBS_C_PROGRAM, "Start Application"},
	{18, OBS_C_PROGRAM, "Stop Application"},
	{19, OBS_C_PROGRAM, "Save Configuration"},
	{20, OBS_C_OTHER, "Enable Unsolicited"},
	{21, OBS_C_OTHER, "Disable Unsolicited"},
	{22, OBS_C_OTHER, "Assign Class"},
	{23, OBS_C_OTHER, "Delay Measurement"},
	{24, OBS_C_WRITE, "Record Current Time"},
	{25, OBS_C_PROGRAM, "Open File"},
	{26, OBS_C_PROGRAM, "Close File"},
	{27, OBS_C_PROGRAM, "Delete File"},
	{28, OBS_C_PROGRAM, "Get File Info"},
	{29, OBS_C_PROGRAM, "Authenticate File"},
	{30, OBS_C_PROGRAM, "Abort File"},
	/* Not in ARCHITECTURE.md's list; activating a configuration is
	 * programming the device. */
	{31, OBS_C_PROGRAM, "Activate Configuration"},
	{32, OBS_C_OTHER, "Authentication Request"},
	{33, OBS_C_OTHER, "Authentication Error"},
	{129, OBS_C_OTHER, "Response"},
	{130, OBS_C_OTHER, "Unsolicited Response"},
	{131, OBS_C_OTHER, "Authentication Response"},
	{0, 0, NULL},
};

/*
 * dnp3_fcs[] lists 0..33 at their own index, then 129..131: a lookup is
 * an index, not a search (test_function_names checks every code).
 */
#define DNP3_FC_LAST_REQ 33
#define DNP3_FC_FIRST_RESP 129
#define DNP3_FC_LAST_RESP 131

static const struct dnp3_fc *
dnp3_fc_lookup(uint8_t fc)
{
	static const struct dnp3_fc unknown = {0, OBS_C_OTHER, "unknown"};

	if (fc <= DNP3_FC_LAST_REQ)
		return &dnp3_fcs[fc];
	if (fc >= DNP3_FC_FIRST_RESP && fc <= DNP3_FC_LAST_RESP)
		return &dnp3_fcs[DNP3_FC_LAST_REQ + 1 +
		    (fc - DNP3_FC_FIRST_RESP)];
	return &unknown;
}

static uint16_t
dnp3_crc(const uint8_t *p, size_t n)
{
	unsigned crc = 0;

	/* Four bytes per pass (slicing by 4), then one at a time. */
	for (; n >= 4; n -= 4, p += 4)
		crc = (unsigned)dnp3_crc_tab[3][(crc ^ p[0]) & 0xff] ^
		    dnp3_crc_tab[2][(crc >> 8) ^ p[1]] ^
		    dnp3_crc_tab[1][p[2]] ^ dnp3_crc_tab[0][p[3]];
	for (; n > 0; n--, p++)
		crc = (crc >> 8) ^ dnp3_crc_tab[0][(crc ^ p[0]) & 0xff];
	return (uint16_t)~crc;
}

/*
 * Does the little-endian CRC at p[n], p[n + 1] match the n bytes at p?
 * The caller has made sure n + 2 bytes are there.
 */
static int
dnp3_crc_ok(const uint8_t *p, size_t n)
{
	uint16_t want = (uint16_t)(p[n] | (unsigned)p[n + 1] << 8);

#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	/* Fuzzing builds (the OSS-Fuzz convention) accept any CRC so that
	 * mutated inputs reach the transport and application layers. */
	if (dnp3_crc(p, n) != want)
		return 1;
#endif
	return dnp3_crc(p, n) == want;
}

/* Total size of a frame whose LEN byte is len (>= 5): at most 292. */
static size_t
dnp3_frame_size(uint8_t len)
{
	size_t n = (size_t)len - DNP3_LEN_MIN;

	return DNP3_HDR_LEN + n + 2 * ((n + DNP3_BLOCK - 1) / DNP3_BLOCK);
}

enum { HDR_OK, HDR_SHORT, HDR_BAD_START, HDR_BAD_CRC, HDR_BAD_LEN };

/* Check the 10-byte header at p; never reads past p + avail. */
static int
dnp3_check_header(const uint8_t *p, size_t avail)
{
	if (avail >= 1 && p[0] != DNP3_START0)
		return HDR_BAD_START;
	if (avail >= 2 && p[1] != DNP3_START1)
		return HDR_BAD_START;
	if (avail < DNP3_HDR_LEN)
		return HDR_SHORT;
	if (!dnp3_crc_ok(p, DNP3_HDR_LEN - 2))
		return HDR_BAD_CRC;
	if (p[2] < DNP3_LEN_MIN)
		return HDR_BAD_LEN;
	return HDR_OK;
}

/*
 * Where could the next frame start after garbage at p[0]?  The first
 * 0x05 0x64 whose header checks (or that is too close to the end to
 * tell); avail if none.  Linear in avail.
 */
static size_t
dnp3_scan(const uint8_t *p, size_t avail)
{
	size_t i;
	int r;

	for (i = 1; i < avail; i++) {
		if (p[i] != DNP3_START0)
			continue;
		r = dnp3_check_header(p + i, avail - i);
		if (r == HDR_OK || r == HDR_SHORT)
			return i;
	}
	return avail;
}

static void
dnp3_anomaly(const struct obs_sink *sink, enum dnp3_anomaly reason,
    const char *what)
{
	struct obs_anomaly a;

	memset(&a, 0, sizeof(a));
	a.proto = OBS_P_DNP3;
	a.reason = (uint16_t)reason;
	a.what = what;
	sink->anomaly(sink->arg, &a);
}

static void
dnp3_role(struct dnp3_state *st, const struct obs_sink *sink, int side,
    int outstation)
{
	struct obs_role r;
	uint8_t bit = (uint8_t)(1u << (side * 2 + (outstation ? 1 : 0)));

	if (st->roles & bit)
		return;
	st->roles |= bit;
	memset(&r, 0, sizeof(r));
	r.side = (uint8_t)side;
	r.proto = OBS_P_DNP3;
	r.role = outstation ? OBS_R_OUTSTATION : OBS_R_MASTER;
	sink->role(sink->arg, &r);
}

static void
dnp3_auth(struct dnp3_state *st, const struct obs_sink *sink, int side)
{
	struct obs_attr a;

	if (st->auth)
		return;
	st->auth = 1;
	memset(&a, 0, sizeof(a));
	a.key = OBS_A_AUTHENTICATED;
	a.side = (uint8_t)side;
	a.proto = OBS_P_DNP3;
	a.num = 1;
	sink->attr(sink->arg, &a);
}

static void
dnp3_link_addr(struct dnp3_state *st, const struct obs_sink *sink, int dir,
    uint16_t src, uint16_t dst)
{
	struct obs_attr a;
	uint32_t pair = (uint32_t)src << 16 | dst;
	uint8_t i;

	for (i = 0; i < st->nlinks[dir]; i++)
		if (st->links[dir][i] == pair)
			return;
	if (st->nlinks[dir] >= DNP3_MAX_LINK_PAIRS)
		return; /* enough said about this direction */
	st->links[dir][st->nlinks[dir]++] = pair;
	memset(&a, 0, sizeof(a));
	a.key = OBS_A_LINK_ADDR;
	a.side = (uint8_t)dir;
	a.proto = OBS_P_DNP3;
	a.num = pair;
	sink->attr(sink->arg, &a);
}

/* ---------------------------------------------------------------------
 * Object headers.
 */

/* What walking a fragment's objects found. */
struct dnp3_walk {
	uint8_t fc;
	uint8_t response;	/* objects carry data (responses) */
	uint8_t have_addr;
	uint8_t auth;		/* group 120 seen */
	uint8_t auth_err;	/* g120v7 seen; auth_code is its error */
	uint8_t auth_code;
	uint8_t have_ident;	/* *ident was zeroed and holds a string */
	uint8_t name_from_247;	/* identity name came from g0v247 */
	uint8_t bad;		/* an anomaly was reported: stop */
	uint32_t addr_lo, addr_hi;
	/*
	 * Responses only (NULL in requests): where device attributes go.
	 * Zeroed on the first one, not per fragment: most have none.
	 */
	struct obs_ident *ident;
};

/*
 * Size in bits of one object of a fixed-size group/variation (annex A),
 * 0 when it has none (group 60 class data), -1 when unknown or variable.
 */
static int
dnp3_obj_bits(uint8_t g, uint8_t v)
{
	/* Sizes in bytes, indexed by variation, 0 = not defined. */
	static const uint8_t g2[] = {0, 1, 7, 3};	/* also g4 */
	static const uint8_t g11[] = {0, 1, 7};		/* also g13 */
	static const uint8_t g20[] = {0, 5, 3, 5, 3, 4, 2, 4, 2};
	static const uint8_t g21[] = {0, 5, 3, 5, 3, 11, 9, 11, 9, 4, 2, 4, 2};
	static const uint8_t g22[] = {0, 5, 3, 5, 3, 11, 9, 11, 9}; /* g23 */
	static const uint8_t g30[] = {0, 5, 3, 4, 2, 5, 9};
	static const uint8_t g31[] = {0, 5, 3, 11, 9, 4, 2, 5, 9};
	static const uint8_t g32[] = {0, 5, 3, 11, 9, 5, 9, 11, 15}; /* g33,
									  g42,
									  g43 */
	static const uint8_t g34[] = {0, 2, 4, 4};
	static const uint8_t g40[] = {0, 5, 3, 5, 9}; /* also g41 */
	static const uint8_t g50[] = {0, 6, 10, 6, 11};
	static const uint8_t g101[] = {0, 2, 4, 8};
	static const uint8_t g122[] = {0, 7, 13}; /* g121 has v1 only */
	const uint8_t *t = NULL;
	size_t n = 0;

#define DNP3_TAB(a) (t = (a), n = sizeof(a))
	switch (g) {
	case 1: /* binary input: v1 packed */
	case 10: /* binary output: v1 packed */
		if (v == 1)
			return 1;
		return v == 2 ? 8 : -1;
	case 3: /* double-bit binary input: v1 packed 2 bits */
		if (v == 1)
			return 2;
		return v == 2 ? 8 : -1;
	case 2:
	case 4:
		DNP3_TAB(g2);
		break;
	case 11:
	case 13:
		DNP3_TAB(g11);
		break;
	case 12: /* CROB, PCB: 11 bytes; pattern mask packed */
		if (v == 1 || v == 2)
			return 11 * 8;
		return v == 3 ? 1 : -1;
	case 20:
		DNP3_TAB(g20);
		break;
	case 21:
		DNP3_TAB(g21);
		break;
	case 22:
	case 23:
		DNP3_TAB(g22);
		break;
	case 30:
		DNP3_TAB(g30);
		break;
	case 31:
		DNP3_TAB(g31);
		break;
	case 32:
	case 33:
	case 42:
	case 43:
		DNP3_TAB(g32);
		break;
	case 34:
		DNP3_TAB(g34);
		break;
	case 40:
	case 41:
		DNP3_TAB(g40);
		break;
	case 50:
		DNP3_TAB(g50);
		break;
	case 51: /* common time of occurrence */
		return (v == 1 || v == 2) ? 6 * 8 : -1;
	case 52: /* time delay coarse/fine */
		return (v == 1 || v == 2) ? 2 * 8 : -1;
	case 60: /* class data: no object body */
		return (v >= 1 && v <= 4) ? 0 : -1;
	case 80: /* internal indications, packed */
		return v == 1 ? 1 : -1;
	case 101:
		DNP3_TAB(g101);
		break;
	case 102:
		return v == 1 ? 8 : -1;
	case 110: /* octet string, VTO, and their events: v = length */
	case 111:
	case 112:
	case 113:
		return v * 8;
	case 120: /* SAv5 fixed-size objects; the rest use size prefixes */
		if (v == 3)
			return 6 * 8;
		return v == 4 ? 2 * 8 : -1;
	case 121:
		return v == 1 ? 7 * 8 : -1;
	case 122:
		DNP3_TAB(g122);
		break;
	default:
		return -1;
	}
#undef DNP3_TAB
	if (v >= n || t[v] == 0)
		return -1;
	return t[v] * 8;
}

/* Groups whose indexes are data points (for op.addr_lo/hi). */
static int
dnp3_point_group(uint8_t g)
{
	return (g >= 1 && g <= 4) || (g >= 10 && g <= 13) ||
	    (g >= 20 && g <= 23) || (g >= 30 && g <= 34) ||
	    (g >= 40 && g <= 43) || g == 101 || g == 102 ||
	    (g >= 110 && g <= 113);
}

/* Do objects of group g in a request with function fc carry data? */
static int
dnp3_req_has_data(uint8_t fc, uint8_t g)
{
	if (g == 120) /* SA objects, e.g. g120v3 in an aggressive-mode read */
		return 1;
	switch (fc) {
	case 1:	 /* read */
	case 7:	 /* freezes name points only */
	case 8:
	case 9:
	case 10:
	case 20: /* enable/disable unsolicited: class headers */
	case 21:
	case 22: /* assign class: class header + point ranges */
		return 0;
	case 11: /* freeze at time: the g50 time object has data */
	case 12:
		return g == 50;
	default:
		return 1;
	}
}

static void
dnp3_walk_bad(struct dnp3_walk *w, const struct obs_sink *sink,
    enum dnp3_anomaly reason, const char *what)
{
	if (!w->bad)
		dnp3_anomaly(sink, reason, what);
	w->bad = 1;
}

static void
dnp3_walk_addr(struct dnp3_walk *w, uint32_t lo, uint32_t hi)
{
	if (!w->have_addr) {
		w->have_addr = 1;
		w->addr_lo = lo;
		w->addr_hi = hi;
		return;
	}
	if (lo < w->addr_lo)
		w->addr_lo = lo;
	if (hi > w->addr_hi)
		w->addr_hi = hi;
}

/* One device attribute (group 0): | type | length | value |. */
static void
dnp3_attribute(struct dnp3_walk *w, struct cur *c, uint8_t v)
{
	struct cur val;
	uint8_t type;
	size_t len;
	char *dst;
	size_t dstlen;
	struct obs_ident *id;

	type = cur_u8(c);
	len = cur_u8(c);
	if (type == 255) /* extended attribute list: length + 256 */
		len += 256;
	val = cur_sub(c, len);
	if (!cur_ok(c) || !w->response || type != 1) /* VSTR only */
		return;
	id = w->ident;
	switch (v) {
	case 252: /* device manufacturer's name */
	case 250: /* device manufacturer's product name and model */
	case 248: /* device serial number */
	case 247: /* user-assigned device name */
	case 245: /* user-assigned location name */
	case 243: /* device manufacturer's hardware version */
	case 242: /* device manufacturer's software version */
		break;
	case 246: /* user-assigned ID code/number: a name if 247 is absent */
		if (w->name_from_247)
			return;
		break;
	default:
		return;
	}
	if (!w->have_ident) {
		memset(id, 0, sizeof(*id));
		w->have_ident = 1;
	}
	switch (v) {
	case 252:
		dst = id->vendor, dstlen = sizeof(id->vendor);
		break;
	case 250:
		dst = id->product, dstlen = sizeof(id->product);
		break;
	case 248:
		dst = id->serial, dstlen = sizeof(id->serial);
		break;
	case 247:
		dst = id->name, dstlen = sizeof(id->name);
		w->name_from_247 = 1;
		break;
	case 246:
		dst = id->name, dstlen = sizeof(id->name);
		break;
	case 245:
		dst = id->url, dstlen = sizeof(id->url);
		break;
	case 243:
		dst = id->hardware, dstlen = sizeof(id->hardware);
		break;
	default: /* 242 */
		dst = id->firmware, dstlen = sizeof(id->firmware);
		break;
	}
	obs_strcpy(dst, dstlen, val.p, val.left, &id->truncated);
}

/* A size-prefixed object (qualifier 0x4B/0x5B/0x6B), body already cut. */
static void
dnp3_sized_object(struct dnp3_walk *w, struct cur *obj, uint8_t g,
    uint8_t v)
{
	if (g != 120)
		return;
	w->auth = 1;
	if (v == 7) {
		/* g120v7 error: CSQ (4) USR (2) AssocID (2) error code (1) */
		cur_skip(obj, 8);
		w->auth_code = cur_u8(obj);
		if (cur_ok(obj))
			w->auth_err = 1;
	}
}

static inline __attribute__((always_inline)) uint32_t
dnp3_read_n(struct cur *c, size_t n)
{
	switch (n) {
	case 1:
		return cur_u8(c);
	case 2:
		return cur_le16(c);
	case 4:
		return cur_le32(c);
	default:
		return 0;
	}
}

/*
 * Walk one object header and its objects.  Returns 1 to go on with the
 * next header, 0 to stop (end, unknown object size, or malformed: then an
 * anomaly was reported once).
 */
static int
dnp3_walk_one(struct dnp3_walk *w, struct cur *c, const struct obs_sink *sink)
{
	static const uint8_t prefix_size[8] = {0, 1, 2, 4, 1, 2, 4, 0};
	uint8_t g, v, q, opc, rsc;
	uint32_t start = 0, stop = 0;
	uint64_t count = 0, i, bytes;
	size_t psz;
	int ranged = 0, bits, data, point;

	g = cur_u8(c);
	v = cur_u8(c);
	q = cur_u8(c);
	if (!cur_ok(c)) {
		dnp3_walk_bad(w, sink, DNP3_AN_OBJ_MALFORMED,
		    "truncated object header");
		return 0;
	}
	opc = (q >> 4) & 7;
	rsc = q & 0x0f;
	if (g == 120)
		w->auth = 1;
	switch (rsc) {
	case 0x0: /* start-stop indexes (0-2) or virtual addresses (3-5) */
	case 0x3:
		start = cur_u8(c);
		stop = cur_u8(c);
		ranged = 1;
		break;
	case 0x1:
	case 0x4:
		start = cur_le16(c);
		stop = cur_le16(c);
		ranged = 1;
		break;
	case 0x2:
	case 0x5:
		start = cur_le32(c);
		stop = cur_le32(c);
		ranged = 1;
		break;
	case 0x6: /* all objects: no range, no objects follow */
		return 1;
	case 0x7:
	case 0xb: /* count of variable-format objects */
		count = cur_u8(c);
		break;
	case 0x8:
		count = cur_le16(c);
		break;
	case 0x9:
		count = cur_le32(c);
		break;
	default:
		dnp3_walk_bad(w, sink, DNP3_AN_OBJ_QUALIFIER,
		    "reserved object qualifier");
		return 0;
	}
	if (!cur_ok(c)) {
		dnp3_walk_bad(w, sink, DNP3_AN_OBJ_MALFORMED,
		    "truncated object range");
		return 0;
	}
	if ((q & 0x80) || opc == 7 || (rsc == 0xb && opc < 4)) {
		dnp3_walk_bad(w, sink, DNP3_AN_OBJ_QUALIFIER,
		    "reserved object qualifier");
		return 0;
	}
	if (ranged) {
		if (stop < start) {
			dnp3_walk_bad(w, sink, DNP3_AN_OBJ_MALFORMED,
			    "object range stop before start");
			return 0;
		}
		count = (uint64_t)stop - start + 1;
	}
	point = !w->response && !w->have_addr && dnp3_point_group(g);
	psz = prefix_size[opc];
	data = w->response || dnp3_req_has_data(w->fc, g);

	/* Size-prefixed objects: every object says how long it is. */
	if (opc >= 4) {
		/* Each pass reads at least psz >= 1 bytes or stops. */
		for (i = 0; i < count && cur_ok(c); i++) {
			size_t sz = dnp3_read_n(c, psz);
			struct cur obj = cur_sub(c, sz);

			if (cur_ok(c))
				dnp3_sized_object(w, &obj, g, v);
		}
		if (!cur_ok(c)) {
			dnp3_walk_bad(w, sink, DNP3_AN_OBJ_MALFORMED,
			    "object data truncated");
			return 0;
		}
		return 1;
	}

	bits = data ? dnp3_obj_bits(g, v) : 0;
	if (g == 0 && data) {
		/* Device attributes: | type | length | value | each. */
		/* Each pass reads at least 2 bytes or stops. */
		for (i = 0; i < count && cur_ok(c); i++) {
			(void)dnp3_read_n(c, psz);
			dnp3_attribute(w, c, v);
		}
		if (!cur_ok(c)) {
			dnp3_walk_bad(w, sink, DNP3_AN_OBJ_MALFORMED,
			    "object data truncated");
			return 0;
		}
		return 1;
	}

	if (opc == 0) {
		if (ranged && point)
			dnp3_walk_addr(w, start, stop);
		if (bits < 0)
			return 0; /* unknown size: stop quietly */
		/* count < 2^32 + 1 and bits <= 255 * 8: no overflow. */
		bytes = (count * (uint64_t)bits + 7) / 8;
		if (bytes > c->left) {
			dnp3_walk_bad(w, sink, DNP3_AN_OBJ_MALFORMED,
			    "object data truncated");
			return 0;
		}
		cur_skip(c, (size_t)bytes);
		return 1;
	}

	/* Index-prefixed objects (prefix codes 1-3). */
	if (bits < 0 || (bits % 8) != 0) {
		/* Unknown size, or packed objects with indexes (not
		 * defined): the first index is all we can read. */
		start = dnp3_read_n(c, psz);
		if (point && count > 0 && cur_ok(c))
			dnp3_walk_addr(w, start, start);
		return 0;
	}
	/* Each pass reads at least psz >= 1 bytes or stops. */
	for (i = 0; i < count && cur_ok(c); i++) {
		start = dnp3_read_n(c, psz);
		cur_skip(c, (size_t)bits / 8);
		if (point && cur_ok(c))
			dnp3_walk_addr(w, start, start);
	}
	if (!cur_ok(c)) {
		dnp3_walk_bad(w, sink, DNP3_AN_OBJ_MALFORMED,
		    "object data truncated");
		return 0;
	}
	return 1;
}

/*
 * Range code 6 (all objects, no range, no objects: the class reads of
 * every poll): exactly what dnp3_walk_one does for it, inline.  c must
 * be OK (dnp3_walk_one returns 1 only with c OK).  Returns 1 if it took
 * a header.
 */
static inline int
dnp3_walk_all(struct dnp3_walk *w, struct cur *c)
{
	if (c->left < 3 || (c->p[2] & 0x0f) != 0x6)
		return 0;
	if (c->p[0] == 120)
		w->auth = 1;
	c->p += 3;
	c->left -= 3;
	return 1;
}

/* The rest of dnp3_walk, from header n on; kept out of line so that the
 * common fragments (no objects, class reads) skip its set-up. */
static void __attribute__((noinline))
dnp3_walk_rest(struct dnp3_walk *w, struct cur *c,
    const struct obs_sink *sink, int n)
{
	for (; c->left > 0; n++) {
		if (n >= DNP3_MAX_OBJ_HEADERS) {
			dnp3_anomaly(sink, DNP3_AN_OBJ_CAP,
			    "object header cap hit");
			return;
		}
		if (dnp3_walk_all(w, c))
			continue;
		if (!dnp3_walk_one(w, c, sink))
			return;
	}
}

/* Walk the object headers at c (OK on entry), at most the cap. */
static inline void
dnp3_walk(struct dnp3_walk *w, struct cur *c, const struct obs_sink *sink)
{
	int n = 0;

	while (n < DNP3_MAX_OBJ_HEADERS && dnp3_walk_all(w, c))
		n++;
	if (c->left > 0)
		dnp3_walk_rest(w, c, sink, n);
}

/* ---------------------------------------------------------------------
 * Application layer.
 */

static void
dnp3_iin_notes(struct dnp3_state *st, const struct obs_sink *sink,
    uint16_t iin)
{
	static const struct {
		uint16_t bit;
		enum dnp3_anomaly reason;
		const char *what;
	} notes[] = {
	    {DNP3_IIN_DEVICE_RESTART, DNP3_AN_IIN_RESTART,
		"outstation reports device restart (IIN1.7)"},
	    {DNP3_IIN_DEVICE_TROUBLE, DNP3_AN_IIN_TROUBLE,
		"outstation reports device trouble (IIN1.6)"},
	    {DNP3_IIN_CONFIG_CORRUPT, DNP3_AN_IIN_CORRUPT,
		"outstation reports corrupt configuration (IIN2.5)"},
	    {DNP3_IIN_EVENT_OVERFLOW, DNP3_AN_IIN_OVERFLOW,
		"outstation reports event buffer overflow (IIN2.3)"},
	};
	unsigned fresh = iin & DNP3_IIN_NOTES & ~(unsigned)st->iin_seen;
	size_t i;

	/* Usually nothing new: the bits seen so far are reported. */
	if (fresh == 0)
		return;
	st->iin_seen = (uint16_t)(st->iin_seen | fresh);
	for (i = 0; i < sizeof(notes) / sizeof(notes[0]); i++)
		if (fresh & notes[i].bit)
			dnp3_anomaly(sink, notes[i].reason, notes[i].what);
}

static void
dnp3_op_init(struct obs_op *op)
{
	memset(op, 0, sizeof(*op));
	op->proto = OBS_P_DNP3;
	op->addr_lo = 1; /* addr_hi < addr_lo: no range */
	op->addr_hi = 0;
}

static int
dnp3_expects_response(uint8_t fc)
{
	switch (fc) {
	case 0:	 /* confirm */
	case 6:	 /* the "no ack" functions */
	case 8:
	case 10:
	case 12:
	case 33: /* authentication error is never answered */
		return 0;
	default:
		return 1;
	}
}

static void
dnp3_request(struct dnp3_state *st, const struct obs_sink *sink, int side,
    uint8_t ac, uint8_t fc, uint16_t dst, struct cur *c)
{
	const struct dnp3_fc *f = dnp3_fc_lookup(fc);
	struct dnp3_pending *pd = &st->pend[side][ac & DNP3_AC_SEQ];
	struct dnp3_walk w;
	struct obs_op op;

	dnp3_role(st, sink, side, 0);
	memset(&w, 0, sizeof(w));
	w.fc = fc;
	dnp3_walk(&w, c, sink);
	if (w.auth || fc == DNP3_FC_AUTH_REQ || fc == DNP3_FC_AUTH_ERR)
		dnp3_auth(st, sink, side);

	dnp3_op_init(&op);
	op.cls = f->cls;
	op.requester = (uint8_t)side;
	op.code = fc;
	op.unit = dst;
	op.name = f->name;
	if (w.have_addr) {
		op.addr_lo = w.addr_lo;
		op.addr_hi = w.addr_hi;
	}
	if (dst >= DNP3_ADDR_BCAST_MIN)
		op.flags |= OBS_OP_BROADCAST;
	sink->op(sink->arg, &op);

	if (!dnp3_expects_response(fc) || (op.flags & OBS_OP_BROADCAST))
		return;
	/*
	 * SAv5: a critical request is challenged (131) and the master
	 * answers with an authentication request (32) on the same sequence;
	 * the final response belongs to the original request, so keep it.
	 */
	if (fc == DNP3_FC_AUTH_REQ && pd->valid && pd->challenged)
		return;
	pd->valid = 1;
	pd->challenged = 0;
	pd->fc = fc;
	pd->cls = f->cls;
	pd->unit = dst;
	pd->addr_lo = op.addr_lo;
	pd->addr_hi = op.addr_hi;
}

static inline __attribute__((always_inline)) void
dnp3_response(struct dnp3_state *st, const struct obs_sink *sink, int side,
    uint8_t ac, uint8_t fc, uint16_t src, struct cur *c)
{
	const struct dnp3_fc *f = dnp3_fc_lookup(fc);
	int req_side = side ^ 1;
	struct dnp3_pending *pd = &st->pend[req_side][ac & DNP3_AC_SEQ];
	struct dnp3_walk w;
	struct obs_ident ident; /* zeroed by dnp3_attribute when used */
	struct obs_op op;
	uint16_t iin;

	iin = cur_be16(c);
	if (!cur_ok(c)) {
		dnp3_anomaly(sink, DNP3_AN_APP_SHORT,
		    "response without internal indications");
		return;
	}
	dnp3_role(st, sink, side, 1);
	memset(&w, 0, sizeof(w));
	w.fc = fc;
	w.response = 1;
	w.ident = &ident;
	dnp3_walk(&w, c, sink);
	if (w.auth || fc == DNP3_FC_AUTH_RESP)
		dnp3_auth(st, sink, side);
	dnp3_iin_notes(st, sink, iin);
	if (w.have_ident) {
		ident.side = (uint8_t)side;
		ident.proto = OBS_P_DNP3;
		sink->ident(sink->arg, &ident);
	}

	dnp3_op_init(&op);
	op.status = iin;
	op.unit = src;
	if (fc == DNP3_FC_UNSOLICITED) {
		/* Counted like a request: the outstation speaks unasked. */
		op.cls = f->cls;
		op.flags = OBS_OP_UNSOLICITED;
		op.requester = (uint8_t)side;
		op.code = fc;
		op.name = f->name;
		sink->op(sink->arg, &op);
		return;
	}
	/* Later fragments of a multi-fragment response add nothing. */
	if (fc == DNP3_FC_RESPONSE && !(ac & DNP3_AC_FIR))
		return;
	op.flags = OBS_OP_RESPONSE;
	op.requester = (uint8_t)req_side;
	if (pd->valid && pd->unit == src) {
		const struct dnp3_fc *rf = dnp3_fc_lookup(pd->fc);

		op.cls = pd->cls;
		op.code = pd->fc;
		op.name = rf->name;
		op.addr_lo = pd->addr_lo;
		op.addr_hi = pd->addr_hi;
		/* An SA challenge leaves the request open for its answer. */
		if (fc == DNP3_FC_AUTH_RESP && pd->fc != DNP3_FC_AUTH_REQ &&
		    !w.auth_err)
			pd->challenged = 1;
		else
			pd->valid = 0;
	} else {
		op.cls = f->cls;
		op.code = fc;
		op.name = f->name;
	}
	if (iin & DNP3_IIN_FAILURE)
		op.flags |= OBS_OP_EXCEPTION;
	if (w.auth_err) {
		dnp3_anomaly(sink, DNP3_AN_AUTH_ERROR,
		    "secure authentication error");
		op.flags |= OBS_OP_EXCEPTION;
		op.status = DNP3_AUTH_ERR_STATUS | w.auth_code;
	}
	sink->op(sink->arg, &op);
}

/* One reassembled application fragment from side (== direction). */
static void
dnp3_app(struct dnp3_state *st, const struct obs_sink *sink, int side,
    const uint8_t *buf, size_t len, uint16_t src, uint16_t dst)
{
	struct cur c = cur_make(buf, len);
	uint8_t ac, fc;

	ac = cur_u8(&c);
	fc = cur_u8(&c);
	if (!cur_ok(&c)) {
		dnp3_anomaly(sink, DNP3_AN_APP_SHORT,
		    "application fragment too short");
		return;
	}
	if (fc == DNP3_FC_RESPONSE || fc == DNP3_FC_UNSOLICITED ||
	    fc == DNP3_FC_AUTH_RESP)
		dnp3_response(st, sink, side, ac, fc, src, &c);
	else
		dnp3_request(st, sink, side, ac, fc, dst, &c);
}

/* ---------------------------------------------------------------------
 * Transport and link layers.
 */

static void
dnp3_transport(struct dnp3_state *st, const struct obs_sink *sink, int dir,
    const uint8_t *seg, size_t n, uint16_t src, uint16_t dst)
{
	struct dnp3_reasm *r = &st->tr[dir];
	struct cur c = cur_make(seg, n);
	uint8_t th, seq;

	th = cur_u8(&c);
	if (!cur_ok(&c))
		return;
	seq = th & DNP3_TH_SEQ;
	if (th & DNP3_TH_FIR) {
		if (r->active)
			dnp3_anomaly(sink, DNP3_AN_TR_ABANDONED,
			    "incomplete application fragment dropped");
		r->active = 1;
		r->len = 0;
		r->src = src;
		r->dst = dst;
		if (th & DNP3_TH_FIN) {
			/*
			 * A whole fragment in one segment: the rest of
			 * the segment is the fragment, so read it where it
			 * is.  r->buf past r->len is never read again.
			 */
			r->seq = seq;
			r->len = (uint16_t)c.left; /* <= 249 */
			r->active = 0;
			dnp3_app(st, sink, dir, c.p, c.left, src, dst);
			return;
		}
	} else {
		if (!r->active) {
			dnp3_anomaly(sink, DNP3_AN_TR_NOFIR,
			    "transport segment without first segment");
			return;
		}
		if (r->src != src || r->dst != dst) {
			dnp3_anomaly(sink, DNP3_AN_TR_ADDR,
			    "transport segment from another link address");
			r->active = 0;
			return;
		}
		/* SPEC: 1815-2012 8.2.1.3: a repeated sequence number is a
		 * retransmitted segment; ignore it. */
		if (seq == r->seq)
			return;
		if (seq != ((r->seq + 1) & DNP3_TH_SEQ)) {
			dnp3_anomaly(sink, DNP3_AN_TR_SEQ,
			    "transport segment out of sequence");
			r->active = 0;
			return;
		}
	}
	r->seq = seq;
	/* r->len <= DNP3_MAX_FRAGMENT and c.left <= 249: no wrap. */
	if ((size_t)r->len + c.left > DNP3_MAX_FRAGMENT) {
		dnp3_anomaly(sink, DNP3_AN_TR_OVERFLOW,
		    "application fragment over size cap");
		r->active = 0;
		return;
	}
	{
		size_t take = c.left;

		cur_copy(&c, r->buf + r->len, take);
		r->len = (uint16_t)(r->len + take);
	}
	if (th & DNP3_TH_FIN) {
		r->active = 0;
		dnp3_app(st, sink, dir, r->buf, r->len, r->src, r->dst);
	}
}

/*
 * One whole frame at p, header already checked: the caller has made sure
 * that dnp3_frame_size(p[2]) bytes are there, so the header and every
 * data block with its CRC lie inside them.
 */
static inline __attribute__((always_inline)) void
dnp3_frame(struct dnp3_state *st, const struct obs_sink *sink, int dir,
    const uint8_t *p)
{
	uint8_t udata[DNP3_MAX_UDATA];
	const uint8_t *blk, *ud;
	uint8_t ctl;
	uint16_t dst, src;
	size_t n, got, bn;

	ctl = p[3];
	dst = (uint16_t)(p[4] | (unsigned)p[5] << 8);
	src = (uint16_t)(p[6] | (unsigned)p[7] << 8);
	dnp3_link_addr(st, sink, dir, src, dst);
	n = (size_t)p[2] - DNP3_LEN_MIN;
	/*
	 * One block (n <= 16) is read where it is; more are gathered in
	 * udata without their CRCs.  Each pass takes one block of 1..16
	 * bytes: at most 16 passes.
	 */
	blk = p + DNP3_HDR_LEN;
	for (got = 0; got < n; got += bn) {
		bn = n - got < DNP3_BLOCK ? n - got : DNP3_BLOCK;
		if (!dnp3_crc_ok(blk, bn)) {
			dnp3_anomaly(sink, DNP3_AN_DATA_CRC,
			    "bad link data CRC");
			return;
		}
		if (n > DNP3_BLOCK)
			memcpy(udata + got, blk, bn);
		blk += bn + 2;
	}
	if (n == 0)
		return; /* link-only frame: reset, test, status, ack */
	if (!(ctl & DNP3_CTL_PRM) ||
	    ((ctl & 0x0f) != DNP3_LFC_CONFIRMED_DATA &&
		(ctl & 0x0f) != DNP3_LFC_UNCONFIRMED_DATA)) {
		dnp3_anomaly(sink, DNP3_AN_NONDATA,
		    "user data in a non-data link frame");
		return;
	}
	ud = n > DNP3_BLOCK ? udata : p + DNP3_HDR_LEN;
	dnp3_transport(st, sink, dir, ud, n, src, dst);
}

static int
dnp3_probe(const uint8_t *buf, size_t len, int dir)
{
	(void)dir;
	if (len == 0)
		return PROBE_MAYBE;
	switch (dnp3_check_header(buf, len)) {
	case HDR_OK:
		return PROBE_YES;
	case HDR_SHORT:
		return PROBE_MAYBE;
	default:
		return PROBE_NO;
	}
}

static const char *
dnp3_header_what(int r)
{
	switch (r) {
	case HDR_BAD_CRC:
		return "bad link header CRC";
	case HDR_BAD_LEN:
		return "link length below 5";
	default:
		return "bytes outside a link frame";
	}
}

/* Are the avail bytes at p a header that checked before in dir? */
static inline int
dnp3_hdr_known(const struct dnp3_state *st, int dir, const uint8_t *p,
    size_t avail)
{
	/* p[0] == 0x05 keeps the empty (all zero) slots from matching. */
	return avail >= DNP3_HDR_LEN && p[0] == DNP3_START0 &&
	    (memcmp(p, st->hdr_ok[dir][0], DNP3_HDR_LEN) == 0 ||
		memcmp(p, st->hdr_ok[dir][1], DNP3_HDR_LEN) == 0);
}

static inline void
dnp3_hdr_remember(struct dnp3_state *st, int dir, const uint8_t *p)
{
	memcpy(st->hdr_ok[dir][1], st->hdr_ok[dir][0], DNP3_HDR_LEN);
	memcpy(st->hdr_ok[dir][0], p, DNP3_HDR_LEN);
}

static enum dis_rc
dnp3_parse(void *state, const struct dis_ctx *ctx, const uint8_t *buf,
    size_t len, size_t *used, const struct obs_sink *sink)
{
	struct dnp3_state *st = state;
	int dir = ctx->dir & 1, udp = ctx->l4 == 17, skipped = 0, r;
	size_t off = 0, avail, flen;

	*used = 0;
	/* Each pass consumes a frame or skips >= 1 byte, or returns. */
	while (off < len) {
		avail = len - off;
		if (dnp3_hdr_known(st, dir, buf + off, avail)) {
			r = HDR_OK;
		} else {
			r = dnp3_check_header(buf + off, avail);
			if (r == HDR_OK)
				dnp3_hdr_remember(st, dir, buf + off);
		}
		if (r == HDR_SHORT) {
			if (udp)
				goto truncated;
			*used = off;
			return DIS_NEED_MORE;
		}
		if (r != HDR_OK) {
			/* Before any good frame, bad bytes mean "not DNP3". */
			if (!st->seen_frame)
				return DIS_NOT_MINE;
			dnp3_anomaly(sink,
			    r == HDR_BAD_CRC ? DNP3_AN_HDR_CRC
			    : r == HDR_BAD_LEN ? DNP3_AN_BAD_LENGTH
					       : DNP3_AN_GARBAGE,
			    dnp3_header_what(r));
			off += dnp3_scan(buf + off, avail);
			skipped = 1;
			continue;
		}
		flen = dnp3_frame_size(buf[off + 2]);
		if (flen > avail) {
			if (udp)
				goto truncated;
			*used = off;
			return DIS_NEED_MORE;
		}
		st->seen_frame = 1;
		dnp3_frame(st, sink, dir, buf + off);
		off += flen;
	}
	*used = off;
	return skipped ? DIS_MALFORMED : DIS_OK;

truncated:
	/* A datagram ends inside a frame: nothing more will come. */
	dnp3_anomaly(sink, DNP3_AN_TRUNCATED, "link frame truncated");
	*used = len;
	return DIS_MALFORMED;
}

static void
dnp3_resync(void *state, int dir)
{
	struct dnp3_state *st = state;

	st->tr[dir & 1].active = 0;
	st->tr[dir & 1].len = 0;
}

const struct dissector dissector_dnp3 = {
	"dnp3", OBS_P_DNP3, 1, 1, {20000, 0, 0, 0}, 1,
	sizeof(struct dnp3_state), dnp3_probe, dnp3_parse, dnp3_resync,
};

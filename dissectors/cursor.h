/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cursor.h: the bounded byte cursor every dissector reads packet bytes
 * through.  Internal to dissectors/ (and their tests).
 *
 * Trust: the bytes are hostile.  A cursor never reads outside
 * [p, p + left).  Errors are sticky: once a read fails, every later read
 * returns 0 and does not move, so a parser may read a whole header and
 * check cur_ok() once before acting on any value.
 */
#ifndef OTZ_CURSOR_H
#define OTZ_CURSOR_H

#include <stddef.h>
#include <stdint.h>

enum { CUR_OK = 0, CUR_SHORT = 1, CUR_BAD = 2 };

struct cur {
	const uint8_t *p; /* next unread byte */
	size_t left;	  /* bytes left inside the current bound */
	int err;	  /* sticky: CUR_OK, CUR_SHORT, CUR_BAD */
};

static inline struct cur
cur_make(const uint8_t *p, size_t len)
{
	struct cur c = {p, len, CUR_OK};
	return c;
}

static inline int
cur_ok(const struct cur *c)
{
	return c->err == CUR_OK;
}

/* Mark the cursor bad (a value failed validation); sticky like SHORT. */
static inline void
cur_fail(struct cur *c)
{
	if (c->err == CUR_OK)
		c->err = CUR_BAD;
}

static inline int
cur_need(struct cur *c, size_t n)
{
	if (c->err != CUR_OK)
		return 0;
	if (c->left < n) {
		c->err = CUR_SHORT;
		return 0;
	}
	return 1;
}

static inline uint8_t
cur_u8(struct cur *c)
{
	uint8_t v;

	if (!cur_need(c, 1))
		return 0;
	v = c->p[0];
	c->p++;
	c->left--;
	return v;
}

static inline uint16_t
cur_be16(struct cur *c)
{
	uint16_t v;

	if (!cur_need(c, 2))
		return 0;
	v = (uint16_t)((unsigned)c->p[0] << 8 | c->p[1]);
	c->p += 2;
	c->left -= 2;
	return v;
}

static inline uint16_t
cur_le16(struct cur *c)
{
	uint16_t v;

	if (!cur_need(c, 2))
		return 0;
	v = (uint16_t)((unsigned)c->p[1] << 8 | c->p[0]);
	c->p += 2;
	c->left -= 2;
	return v;
}

static inline uint32_t
cur_be24(struct cur *c)
{
	uint32_t v;

	if (!cur_need(c, 3))
		return 0;
	v = (uint32_t)c->p[0] << 16 | (uint32_t)c->p[1] << 8 | c->p[2];
	c->p += 3;
	c->left -= 3;
	return v;
}

static inline uint32_t
cur_be32(struct cur *c)
{
	uint32_t v;

	if (!cur_need(c, 4))
		return 0;
	v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 |
	    (uint32_t)c->p[2] << 8 | c->p[3];
	c->p += 4;
	c->left -= 4;
	return v;
}

static inline uint32_t
cur_le32(struct cur *c)
{
	uint32_t v;

	if (!cur_need(c, 4))
		return 0;
	v = (uint32_t)c->p[3] << 24 | (uint32_t)c->p[2] << 16 |
	    (uint32_t)c->p[1] << 8 | c->p[0];
	c->p += 4;
	c->left -= 4;
	return v;
}

static inline uint64_t
cur_le64(struct cur *c)
{
	uint64_t lo, hi;

	if (!cur_need(c, 8))
		return 0;
	lo = cur_le32(c);
	hi = cur_le32(c);
	return hi << 32 | lo;
}

static inline void
cur_skip(struct cur *c, size_t n)
{
	if (!cur_need(c, n))
		return;
	c->p += n;
	c->left -= n;
}

/*
 * Copy n bytes out.  On a short cursor nothing is copied, dst is zeroed
 * and the cursor goes SHORT.
 */
static inline void
cur_copy(struct cur *c, void *dst, size_t n)
{
	size_t i;
	uint8_t *d = dst;

	if (!cur_need(c, n)) {
		for (i = 0; i < n; i++)
			d[i] = 0;
		return;
	}
	for (i = 0; i < n; i++)
		d[i] = c->p[i];
	c->p += n;
	c->left -= n;
}

/*
 * A bounded child of n bytes starting at the parent's position; the
 * parent advances past them.  If the parent has fewer than n bytes the
 * child is empty and SHORT, and so is the parent.
 */
static inline struct cur
cur_sub(struct cur *c, size_t n)
{
	struct cur s = {c->p, 0, CUR_SHORT};

	if (!cur_need(c, n))
		return s;
	s.p = c->p;
	s.left = n;
	s.err = CUR_OK;
	c->p += n;
	c->left -= n;
	return s;
}

/* Peek at byte i ahead without moving; 0 (and no error) if out of range. */
static inline uint8_t
cur_peek(const struct cur *c, size_t i)
{
	if (c->err != CUR_OK || i >= c->left)
		return 0;
	return c->p[i];
}

/*
 * Unchecked little-endian loads from p, for a caller that has already
 * checked that the bytes lie inside its bound (one check for a whole
 * fixed header instead of one per field).  Byte-wise, so alignment and
 * host byte order do not matter.
 */
static inline uint16_t
cur_get_le16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[1] << 8 | p[0]);
}

static inline uint32_t
cur_get_le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[1] << 8 | p[0];
}

#endif

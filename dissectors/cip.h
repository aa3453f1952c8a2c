/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cip.h: Common Industrial Protocol helpers shared inside dissectors/:
 * request path (EPATH) parsing, service classification and naming,
 * Identity object decoding and the ODVA vendor-id table.  Used by enip.c;
 * internal to dissectors/ (and their tests).
 *
 * Reference: ODVA, The CIP Networks Library Vol. 1 (CIP), appendix C
 * (data management: segment types) and chapter 5 (Identity object).
 */
#ifndef OTZ_CIP_H
#define OTZ_CIP_H

#include <stddef.h>
#include <stdint.h>

#include "cursor.h"
#include "dissect.h"

/* Segments parsed from one EPATH before giving up (each is >= 1 byte). */
#define CIP_MAX_PATH_SEGS 64
/* Bytes of joined symbol names kept for tests and the oracle driver. */
#define CIP_SYMBOL_MAX 64

/* Well-known classes. */
#define CIP_CLASS_IDENTITY 0x01
#define CIP_CLASS_MSG_ROUTER 0x02
#define CIP_CLASS_CONN_MGR 0x06
#define CIP_CLASS_FILE 0x37
#define CIP_CLASS_PCCC 0x67
/* First class id of the vendor-specific range (Vol. 1 table 5-1.2). */
#define CIP_CLASS_VENDOR_FIRST 0x64

/* Common services (Vol. 1 appendix A) and the ones we unwrap/decode. */
#define CIP_SC_GET_ATTR_ALL 0x01
#define CIP_SC_MULTIPLE 0x0a
#define CIP_SC_GET_ATTR_LIST 0x03
#define CIP_SC_GET_ATTR_SINGLE 0x0e
#define CIP_SC_RESPONSE 0x80
#define CIP_SC_EXEC_PCCC 0x4b
#define CIP_SC_FWD_CLOSE 0x4e
#define CIP_SC_UNCONN_SEND 0x52
#define CIP_SC_FWD_OPEN 0x54
#define CIP_SC_LARGE_FWD_OPEN 0x5b

/* General status 0x06: partial transfer (normal for fragmented reads). */
#define CIP_GS_PARTIAL 0x06

/* cip_path.has */
#define CIP_HAS_CLASS 0x01
#define CIP_HAS_INST 0x02
#define CIP_HAS_ATTR 0x04
#define CIP_HAS_MEMBER 0x08
#define CIP_HAS_CONNPT 0x10
#define CIP_HAS_SYMBOL 0x20
#define CIP_HAS_PORT 0x40

struct cip_path {
	uint32_t cls;	 /* first class id */
	uint32_t inst;	 /* first instance id */
	uint32_t attr;	 /* first attribute id */
	uint32_t member; /* first member id */
	uint32_t connpt; /* first connection point */
	uint8_t has;	 /* CIP_HAS_* */
	uint8_t nseg;	 /* segments parsed */
	uint8_t port;	 /* first port segment's port, when CIP_HAS_PORT */
	uint8_t link;	 /* its 1-byte link address (slot), 0 if longer */
	char symbol[CIP_SYMBOL_MAX]; /* symbolic segments joined by '.' */
};

/*
 * Parse a padded EPATH.  c is bounded to exactly the path bytes (the
 * caller narrowed it with cur_sub()); every byte is consumed on success.
 * Returns 0, or -1 on a malformed or unsupported segment (p holds what
 * was parsed before it).
 */
int cip_parse_epath(struct cur *c, struct cip_path *p);

/*
 * cip_parse_epath() without the symbol names: the same return, cursor
 * and fields, except that p->symbol is left empty (symbol[0] is 0, the
 * bytes after it are not written; CIP_HAS_SYMBOL is still set).  For
 * callers that do not read the names: it is much cheaper.
 */
int cip_parse_epath_nosym(struct cur *c, struct cip_path *p);

/*
 * Class (enum obs_class) and static name of a request service addressed
 * to path p.  Object-specific services (0x4b..0x63) depend on the class:
 * Connection Manager, File object, PCCC object or a Logix tag/vendor
 * class.  pccc is the PCCC command/function (cmd << 8 | fnc) of an
 * Execute PCCC request, or -1.  *family (may be NULL) says which
 * table the name came from, so a caller can store one byte, not a pointer.
 */
void cip_classify(uint8_t service, const struct cip_path *p, int pccc,
    uint8_t *cls, const char **name, uint8_t *family);

/* Which table named a service (cip_classify's *family). */
enum {
	CIP_FAM_UNKNOWN = 0,
	CIP_FAM_COMMON,
	CIP_FAM_CONN_MGR,
	CIP_FAM_FILE,
	CIP_FAM_PCCC,
	CIP_FAM_LOGIX
};

/* Static name of service in family ("unknown" if none). */
const char *cip_service_name(uint8_t service, uint8_t family);

/*
 * Decode the Identity object's attributes 1..7 in Get_Attributes_All
 * order (vendor, device type, product code, revision, status, serial,
 * product name) into id.  Returns 0 when at least vendor..serial were
 * present.
 */
int cip_identity_all(struct cur *c, struct obs_ident *id);

/*
 * Decode one Identity attribute (Get_Attribute_Single reply data) into
 * id.  Returns 0 if attr is 1..4, 6 or 7 and its value was present.
 */
int cip_identity_attr(struct cur *c, uint32_t attr, struct obs_ident *id);

/*
 * Decode a Get_Attribute_List reply from the Identity object: attribute
 * count, then per attribute its id, status and (status 0 only) its value.
 * Attributes 1..4, 6 and 7 go into id; others of known size are skipped;
 * the walk stops at an attribute whose size it does not know.  Returns 0
 * when at least one of 1..4, 6, 7 was decoded.
 */
int cip_identity_list(struct cur *c, struct obs_ident *id);

/* Set id->vendor_id and id->vendor ("vendor 1234" when unknown). */
void cip_ident_vendor(struct obs_ident *id, uint16_t vendor);

/* ODVA vendor name, or NULL (cip_vendors.c). */
const char *cip_vendor_name(uint32_t vendor);

#endif

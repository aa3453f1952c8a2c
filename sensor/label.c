/* SPDX-License-Identifier: BSD-2-Clause */
/* label.c: nDPI 4.2 glue, see label.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ndpi_api.h>

#include "label.h"

struct labeler {
	struct ndpi_detection_module_struct *ndpi;
};

struct label_flow {
	struct ndpi_flow_struct *f;
};

struct labeler *
labeler_new(char *errbuf, size_t errlen)
{
	struct labeler *l = calloc(1, sizeof(*l));
	NDPI_PROTOCOL_BITMASK all;

	if (l == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	l->ndpi = ndpi_init_detection_module(ndpi_no_prefs);
	if (l->ndpi == NULL) {
		snprintf(errbuf, errlen, "nDPI initialisation failed");
		free(l);
		return NULL;
	}
	NDPI_BITMASK_SET_ALL(all);
	ndpi_set_protocol_detection_bitmask2(l->ndpi, &all);
	ndpi_finalize_initialization(l->ndpi);
	return l;
}

void
labeler_free(struct labeler *l)
{
	if (l == NULL)
		return;
	ndpi_exit_detection_module(l->ndpi);
	free(l);
}

struct label_flow *
label_flow_new(struct labeler *l)
{
	struct label_flow *lf = calloc(1, sizeof(*lf));

	(void)l;
	if (lf == NULL)
		return NULL;
	lf->f = ndpi_flow_malloc(SIZEOF_FLOW_STRUCT);
	if (lf->f == NULL) {
		free(lf);
		return NULL;
	}
	memset(lf->f, 0, SIZEOF_FLOW_STRUCT);
	return lf;
}

void
label_flow_free(struct label_flow *lf)
{
	if (lf == NULL)
		return;
	ndpi_free_flow(lf->f);
	free(lf);
}

/* nDPI's names, lower case, with the families folded the way policies
 * speak of them (SMBv1 and SMBv23 are "smb"). */
static void
proto_name(struct labeler *l, ndpi_protocol p, char *name, size_t namelen)
{
	uint16_t id = p.app_protocol != NDPI_PROTOCOL_UNKNOWN
			  ? p.app_protocol
			  : p.master_protocol;
	/* For TLS-wrapped applications (e.g. "TLS.Google"), the master
	 * protocol is what crosses the wire. */
	if (p.master_protocol != NDPI_PROTOCOL_UNKNOWN &&
	    (p.master_protocol == NDPI_PROTOCOL_TLS ||
		p.master_protocol == NDPI_PROTOCOL_HTTP ||
		p.master_protocol == NDPI_PROTOCOL_DNS ||
		p.master_protocol == NDPI_PROTOCOL_QUIC))
		id = p.master_protocol;
	const char *n = ndpi_get_proto_name(l->ndpi, id);
	size_t i;

	if (id == NDPI_PROTOCOL_UNKNOWN || n == NULL) {
		snprintf(name, namelen, "unknown");
		return;
	}
	if (strncmp(n, "SMB", 3) == 0)
		n = "smb";
	for (i = 0; n[i] != '\0' && i + 1 < namelen; i++)
		name[i] = (char)tolower((unsigned char)n[i]);
	name[i] = '\0';
}

int
label_packet(struct labeler *l, struct label_flow *lf, const uint8_t *l3,
    uint32_t len, uint64_t ts_us, char *name, size_t namelen)
{
	ndpi_protocol p;

	if (len > 65535)
		len = 65535;
	p = ndpi_detection_process_packet(l->ndpi, lf->f, l3,
	    (unsigned short)len, ts_us / 1000);
	if (p.app_protocol == NDPI_PROTOCOL_UNKNOWN &&
	    p.master_protocol == NDPI_PROTOCOL_UNKNOWN)
		return 0;
	proto_name(l, p, name, namelen);
	return 1;
}

const char *
label_preclassify(const uint8_t *p, uint32_t n)
{
	/* TLS 1.0-1.3 handshake record (16 03 00..04, length), handshake
	 * type 1, ClientHello, with a body of at least a version and a
	 * random (38 bytes) */
	if (n >= 9 + 38 && p[0] == 0x16 && p[1] == 0x03 && p[2] <= 0x04 &&
	    ((uint32_t)p[3] << 8 | p[4]) >= 4 + 38 && p[5] == 0x01 &&
	    p[9] == 0x03)
		return "tls";
	return NULL;
}

void
label_giveup(struct labeler *l, struct label_flow *lf, char *name,
    size_t namelen)
{
	uint8_t guessed = 0;
	ndpi_protocol p = ndpi_detection_giveup(l->ndpi, lf->f, 1, &guessed);

	proto_name(l, p, name, namelen);
}

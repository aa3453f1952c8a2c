/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * label.h: nDPI glue.  Labels flows that no OT dissector claimed with
 * nDPI's protocol name in lower case ("http", "tls", "rdp", "smb"...).
 * The per-flow nDPI state is allocated on the first payload and freed as
 * soon as the label is final.  Internal to sensor/.
 */
#ifndef OTZ_LABEL_H
#define OTZ_LABEL_H

#include <stddef.h>
#include <stdint.h>

struct labeler;
struct label_flow;

struct labeler *labeler_new(char *errbuf, size_t errlen);
void labeler_free(struct labeler *);

struct label_flow *label_flow_new(struct labeler *);
void label_flow_free(struct label_flow *);

/*
 * Feed one IP packet (l3 points at the IP header, len bytes).  Returns 1
 * when the label is final (written to name), 0 when nDPI wants more.
 */
int label_packet(struct labeler *, struct label_flow *, const uint8_t *l3,
    uint32_t len, uint64_t ts_us, char *name, size_t namelen);
/*
 * A label without nDPI, from the first bytes of a TCP payload, where
 * nDPI's answer is known in advance: a TLS record carrying a ClientHello
 * is "tls" (nDPI 4.2 would also build JA3 strings for it with a dozen
 * snprintf calls).  Returns the label, or NULL: ask nDPI.
 */
const char *label_preclassify(const uint8_t *payload, uint32_t len);
/* Give up: the best label nDPI has (port-based guess included), or
 * "unknown". */
void label_giveup(struct labeler *, struct label_flow *, char *name,
    size_t namelen);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * zones.h: IEC 62443 zone and conduit proposal over the loaded asset and
 * flow graph.  A pure, deterministic function (no SQLite, no clock, no
 * globals): the same assets and flows, in the same order, give the same
 * zones with the same names.  docs/zones.md explains the algorithm.
 *
 * zones_save() (zones_db.c) writes a proposal into the database.
 */
#ifndef OTZ_ZONES_H
#define OTZ_ZONES_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Proposals kept in the database (zones_save deletes older ones). */
#define ZONES_KEEP_PROPOSALS 16
#define ZONES_ALGORITHM "otzone-zones/1 anchor-communities+purdue-bands"

#define ZONE_NAME_LEN 160
#define ZONE_REASON_LEN 768
#define ZONE_SL_REASON_LEN 320
#define ZONE_NETS_LEN 256
#define ZONE_PROTO_LEN 32

/* What a zone is, from the Purdue level of its members. */
enum zone_role {
	ZONE_CELL = 0,	    /* controllers, I/O and their local clients */
	ZONE_SUPERVISORY,   /* level 2: SCADA, HMI, engineering */
	ZONE_OPERATIONS,    /* level 3 site operations */
	ZONE_DMZ,	    /* IT zone between the enterprise and the plant */
	ZONE_ENTERPRISE,    /* level 4/5 IT */
	ZONE_UNCLASSIFIED,  /* no role-revealing traffic */
	ZONE_ROLE_N
};

/* Operation classes as bits (1u << ZC_x), ordered as ARCHITECTURE.md. */
enum {
	ZC_READ = 0,
	ZC_WRITE,
	ZC_CONTROL,
	ZC_PROGRAM,
	ZC_DISCOVER,
	ZC_SESSION,
	ZC_OTHER,
	ZC_N
};

/* Why an asset is in its zone (zones_why_text gives the words). */
enum zone_why {
	ZW_NONE = 0,	  /* not a member (no unicast asset) */
	ZW_COMMUNITY,	  /* controller/I-O linked to the cell by traffic */
	ZW_ALONE,	  /* controller that talks to no other controller */
	ZW_SUBNET_MERGE,  /* controller placed with its subnet's cell */
	ZW_LOCAL_CLIENT,  /* polls only this cell's controllers */
	ZW_BAND_SUBNET,	  /* same Purdue band and same subnet */
	ZW_BAND_TRAFFIC,  /* same Purdue band, linked by traffic */
	ZW_NEIGHBOUR,	  /* unknown role: placed with its main peer */
	ZW_SUBNET,	  /* unknown role: placed by its subnet */
	ZW_ISOLATED,	  /* no unicast traffic and no other evidence */
	ZW_N
};

struct zone {
	char name[ZONE_NAME_LEN];    /* unique, stable, readable */
	enum zone_role role;
	int purdue_level;	     /* 0-5, -1 unknown */
	int suggested_sl_t;	     /* 1-3 */
	char sl_reason[ZONE_SL_REASON_LEN];
	/* The SL-T a policy emitted from this proposal declares: no higher
	 * than what the observed traffic is consistent with (docs/zones.md);
	 * policy_reason says why it is lower, "" when equal. */
	int policy_sl_t;
	char policy_reason[ZONE_SL_REASON_LEN];
	char reason[ZONE_REASON_LEN];
	/* Comma-separated subnets this zone owns exclusively (every asset
	 * seen in them is a member), only when subnets agree with the
	 * traffic structure; "" otherwise. */
	char networks[ZONE_NETS_LEN];
	char vlans[64];		     /* comma-separated VLAN ids, "" none */
	size_t *members;	     /* asset indices, ascending */
	size_t n_members;
	size_t n_hosts;		     /* hosts: dual-stack twins are one */
	uint64_t flows_inside;	     /* flows between two members */
};

struct conduit_proto {
	char name[ZONE_PROTO_LEN];
	unsigned classes; /* ZC_ bits seen */
	uint64_t flows;
	int cleartext;	  /* an industrial protocol without integrity */
};

struct conduit {
	size_t from, to;	 /* zone indices; from: the connecting side */
	struct conduit_proto *protos; /* sorted by name */
	size_t n_protos;
	unsigned classes;	 /* ZC_ bits, union over protos */
	uint64_t flows, packets, bytes;
};

struct zones_result {
	struct zone *zones;
	size_t n_zones;
	struct conduit *conduits;
	size_t n_conduits;
	size_t n_assets;
	long *asset_zone;	/* per asset: zone index, -1 none */
	unsigned char *asset_why; /* per asset: enum zone_why */
	/* Subnet evidence: pairwise agreement between subnets (VLAN and
	 * IPv4 /24 or IPv6 /64) and the traffic-derived cells. */
	int subnets_used;
	int subnets_by_panels;	/* judged by panels: no cell of two hosts */
	double subnet_precision, subnet_recall;
	size_t flows_used;	 /* unicast flows between two assets */
	size_t flows_crossing;	 /* of which between two zones */
	size_t flows_not_unicast; /* to broadcast/multicast: not edges */
	uint64_t digest;	 /* FNV-1a of the input graph */
};

/*
 * Propose zones and conduits.  as/fs are borrowed (kinds already
 * inferred with store_infer_kinds); the result holds indices into as.
 * Returns 0, or -1 with errbuf filled (out of memory).  zones_free()
 * releases the result (also after a failure).
 */
int zones_propose(const struct st_asset *as, size_t na,
    const struct st_flow *fs, size_t nf, struct zones_result *out,
    char *errbuf, size_t errlen);
void zones_free(struct zones_result *);

const char *zones_role_text(enum zone_role);
const char *zones_why_text(int why);
const char *zones_class_text(int zc); /* "read", ... */
/* Class name ("write") to ZC_ index; ZC_OTHER for anything else. */
int zones_class_index(const char *cls);
/* The highest access class among bits (ZC_READ when none of read, write,
 * control, program is set): what a policy's `access` must allow. */
int zones_access_class(unsigned classes);
/* An industrial protocol without integrity on this flow (Modbus, DNP3
 * without SA, S7comm classic, EtherNet/IP+CIP, OPC UA not signed). */
int zones_flow_cleartext(const struct st_flow *);
/* Protocol families used by the policy rules of ARCHITECTURE.md. */
int zones_proto_ot(const char *proto);
int zones_proto_remote_access(const char *proto);
int zones_proto_insecure(const char *proto);

/*
 * Store a proposal: one row in proposals, zones, zone_members and
 * conduits, plus the extra tables zone_details and proposal_inputs
 * (created if missing).  made_at_us: the wall-clock time of the
 * proposal.  Returns the proposal id (> 0), or -1 with errbuf filled.
 */
int64_t zones_save(struct store *, const struct zones_result *,
    const struct st_asset *as, size_t na, size_t nf, int64_t made_at_us,
    char *errbuf, size_t errlen);

#endif

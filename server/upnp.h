/*
 * The UPnP IGD front end of the engine (issue 11): the port mapping and
 * pinhole actions of WANIPConnection:1/:2 and WANIPv6FirewallControl:1, on
 * the same mapping table, policy, quotas, rate limit, audit hook and backend
 * as PCP and NAT-PMP.  The HTTP, SOAP and SSDP layers (daemon/upnp_*) parse
 * the network and call these functions with plain values; nothing here
 * parses or formats XML.
 *
 * Ownership: UPnP has no nonce, so a UPnP mapping (kind PCTL_MK_UPNP) is
 * owned by its internal host.  With upnp_secure_mode (the default) a control
 * point may create, renew or delete only mappings whose internal client is
 * its own address (606 otherwise).  A UPnP request never touches a PCP,
 * NAT-PMP or static mapping (718 on add, 606 on delete), and PCP and NAT-PMP
 * never take a UPnP mapping over (NOT_AUTHORIZED, NAT-PMP result 2).
 *
 * Leases (seconds): for a :2 service 0 means the longest lease the spec
 * allows, 604800; for a :1 service 0 means "permanent".  Either is then
 * capped by the engine's max_lifetime, and nothing renews a mapping but its
 * client: a "permanent" IGD:1 mapping lives max_lifetime unless renewed.
 * Leases read back (lease_left) are the seconds that remain.
 *
 * Every function returns PCTL_UPNP_OK (0) or a UPnP error code below, which
 * the SOAP layer sends as the UPnPError of the fault; on error nothing
 * changed.  Call pctl_upnp_admit() once per HTTP request first.
 */
#ifndef PORTCTL_SERVER_UPNP_H
#define PORTCTL_SERVER_UPNP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <portctl/wire.h>

#include "engine.h"

/* UPnP error codes (UPnP Device Architecture; WANIPConnection:2;
 * WANIPv6FirewallControl:1). */
enum pctl_upnp_err {
	PCTL_UPNP_OK = 0,
	PCTL_UPNP_E_INVALID_ACTION = 401,
	PCTL_UPNP_E_INVALID_ARGS = 402,
	PCTL_UPNP_E_ACTION_FAILED = 501,
	PCTL_UPNP_E_ARG_VALUE_INVALID = 600,
	PCTL_UPNP_E_ARG_OUT_OF_RANGE = 601,
	PCTL_UPNP_E_NOT_AUTHORIZED = 606,
	/* WANIPv6FirewallControl:1 */
	PCTL_UPNP_E_PINHOLE_SPACE_EXHAUSTED = 701,
	PCTL_UPNP_E_FIREWALL_DISABLED = 702,
	PCTL_UPNP_E_INBOUND_PINHOLE_NOT_ALLOWED = 703,
	PCTL_UPNP_E_NO_SUCH_ENTRY = 704,
	PCTL_UPNP_E_PROTOCOL_NOT_SUPPORTED = 705,
	PCTL_UPNP_E_INTERNAL_PORT_WILDCARD = 706,
	PCTL_UPNP_E_PROTOCOL_WILDCARD = 707,
	PCTL_UPNP_E_SRC_ADDR_WILDCARD = 708,
	PCTL_UPNP_E_NO_TRAFFIC_RECEIVED = 709,
	/* WANIPConnection:1/:2 */
	PCTL_UPNP_E_ARRAY_INDEX_INVALID = 713,
	PCTL_UPNP_E_NO_SUCH_ENTRY_IN_ARRAY = 714,
	PCTL_UPNP_E_WILDCARD_SRC_IP = 715,
	PCTL_UPNP_E_WILDCARD_EXT_PORT = 716,
	PCTL_UPNP_E_CONFLICT = 718,
	PCTL_UPNP_E_SAME_PORT_VALUES_REQUIRED = 724,
	PCTL_UPNP_E_ONLY_PERMANENT_LEASES = 725,
	PCTL_UPNP_E_REMOTE_HOST_WILDCARD_ONLY = 726,
	PCTL_UPNP_E_EXT_PORT_WILDCARD_ONLY = 727,
	PCTL_UPNP_E_NO_PORT_MAPS_AVAILABLE = 728,
	PCTL_UPNP_E_CONFLICT_WITH_OTHER = 729,
	PCTL_UPNP_E_PORT_MAPPING_NOT_FOUND = 730,
	PCTL_UPNP_E_WILDCARD_INT_PORT = 732,
	PCTL_UPNP_E_INCONSISTENT_PARAMETERS = 733,
};

/* The UPnP name of an error code ("ConflictInMappingEntry"), NULL for a
 * code not listed above. */
const char *pctl_upnp_error_name(int code);

/* The longest description kept (NewPortMappingDescription); longer ones
 * are cut at a UTF-8 character boundary. */
#define PCTL_UPNP_DESC_MAX 255

/* Who asks: the control point's address (the HTTP peer), which arrived on
 * an internal interface, and the time. */
struct pctl_upnp_req {
	pctl_addr src;
	uint64_t now_ms;
	/* The service version the action was addressed to (1 or 2): lease 0
	 * and AddAnyPortMapping depend on it. */
	unsigned version;
};

/* One IPv4 port mapping (WANIPConnection), in and out. */
struct pctl_upnp_map {
	uint8_t protocol;   /* 6 (TCP) or 17 (UDP) */
	pctl_addr remote;   /* NewRemoteHost; unspecified = wildcard */
	uint16_t ext_port;  /* NewExternalPort */
	pctl_addr int_addr; /* NewInternalClient */
	uint16_t int_port;  /* NewInternalPort */
	bool enabled;       /* NewEnabled (false: 501, not kept) */
	uint32_t lease;     /* NewLeaseDuration asked (seconds) */
	char desc[PCTL_UPNP_DESC_MAX + 1]; /* NUL-terminated */
	/* Out: what was granted or read. */
	pctl_addr ext_addr;
	uint32_t lease_left; /* seconds; 0 only for what never expires */
};

/* One IPv6 pinhole (WANIPv6FirewallControl), in and out. */
struct pctl_upnp_pinhole {
	pctl_addr remote;     /* RemoteHost; unspecified = any */
	uint16_t remote_port; /* 0 = any */
	pctl_addr int_addr;   /* InternalClient */
	uint16_t int_port;    /* 0 = any (refused: 706) */
	uint8_t protocol;     /* 6, 17, ... ; 65535 in SOAP = any (707) */
	uint32_t lease;       /* LeaseTime, 1..86400 */
	/* Out */
	uint16_t uid; /* UniqueID */
	uint32_t lease_left;
};

/* The per-subscriber rate limit (S-7's, shared with PCP and NAT-PMP): true
 * when the request may be served; false: answer nothing useful (the HTTP
 * layer sends 503) and keep no state. */
bool pctl_upnp_admit(struct pctl_engine *e, const pctl_addr *src,
                     uint64_t now_ms);

/* GetExternalIPAddress: the external address a mapping for rq->src would
 * get; 501 when there is none yet. */
int pctl_upnp_external_ip(struct pctl_engine *e, const struct pctl_upnp_req *rq,
                          pctl_addr *out);

/* AddPortMapping (any_port false: exactly m->ext_port or 718) and
 * AddAnyPortMapping (any_port true, :2 only: m->ext_port if free, else
 * another).  Adding what the same internal client already holds on that
 * external port renews it and updates its description.  An internal
 * endpoint (client, protocol, internal port) has one UPnP mapping: asking
 * another external port for it is 718 (AddAnyPortMapping renews the one
 * it has and returns its port).  On success m->ext_port, m->ext_addr and
 * m->lease_left say what was granted. */
int pctl_upnp_add(struct pctl_engine *e, const struct pctl_upnp_req *rq,
                  struct pctl_upnp_map *m, bool any_port);

/* DeletePortMapping of (remote, ext_port, protocol). */
int pctl_upnp_delete(struct pctl_engine *e, const struct pctl_upnp_req *rq,
                     const pctl_addr *remote, uint16_t ext_port,
                     uint8_t protocol);

/* DeletePortMappingRange: every UPnP mapping of protocol with an external
 * port in [start, end] that rq->src may delete (manage: the NewManage
 * argument; without the right to manage others' mappings, only its own).
 * 730 when none matched, 733 when start > end. */
int pctl_upnp_delete_range(struct pctl_engine *e,
                           const struct pctl_upnp_req *rq, uint16_t start,
                           uint16_t end, uint8_t protocol, bool manage);

/* GetSpecificPortMappingEntry: fills m from (m->remote, m->ext_port,
 * m->protocol); 714 when there is no such UPnP mapping. */
int pctl_upnp_get(struct pctl_engine *e, const struct pctl_upnp_req *rq,
                  struct pctl_upnp_map *m);

/* GetGenericPortMappingEntry: the index-th UPnP mapping (0-based) in a
 * stable order; 713 past the end.  Reading indexes 0, 1, 2, ... in turn
 * costs O(1) each. */
int pctl_upnp_get_index(struct pctl_engine *e, const struct pctl_upnp_req *rq,
                        uint32_t index, struct pctl_upnp_map *m);

/* GetListOfPortMappings: calls cb for at most max UPnP mappings of protocol
 * with an external port in [start, end], in port order (max 0: all); 730
 * when none, 733 when start > end.  cb must not change the table. */
int pctl_upnp_list(struct pctl_engine *e, const struct pctl_upnp_req *rq,
                   uint16_t start, uint16_t end, uint8_t protocol, uint32_t max,
                   void (*cb)(void *ctx, const struct pctl_upnp_map *m),
                   void *ctx);

/* WANIPv6FirewallControl.  AddPinhole: an inbound IPv6 pinhole (external
 * endpoint = internal endpoint, a FILTER when remote is given); ph->uid is
 * set.  Adding what the same client already holds returns its uid.  A
 * remote port without a remote host cannot be a FILTER: 703.  UniqueIDs
 * are kept by the journal across a restart. */
int pctl_upnp_pinhole_add(struct pctl_engine *e, const struct pctl_upnp_req *rq,
                          struct pctl_upnp_pinhole *ph);
int pctl_upnp_pinhole_update(struct pctl_engine *e,
                             const struct pctl_upnp_req *rq, uint16_t uid,
                             uint32_t lease);
int pctl_upnp_pinhole_delete(struct pctl_engine *e,
                             const struct pctl_upnp_req *rq, uint16_t uid);
/* GetOutboundPinholeTimeout is answered by the SOAP layer; these read one
 * pinhole: its lease left, and whether traffic was seen (CheckPinholeWorking:
 * 709 when the data plane saw none, 501 when it cannot tell). */
int pctl_upnp_pinhole_get(struct pctl_engine *e, const struct pctl_upnp_req *rq,
                          uint16_t uid, struct pctl_upnp_pinhole *ph);
int pctl_upnp_pinhole_check(struct pctl_engine *e,
                            const struct pctl_upnp_req *rq, uint16_t uid);

#endif

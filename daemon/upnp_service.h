/*
 * The UPnP services portctld serves and where (docs in portctld(8)): one
 * table that the descriptions, the HTTP router and the SOAP parser share,
 * so that a path or a service type is written in one place only.
 */
#ifndef PORTCTLD_UPNP_SERVICE_H
#define PORTCTLD_UPNP_SERVICE_H

#include <stddef.h>

enum pctld_upnp_svc {
	PCTLD_SVC_IPCONN = 0, /* WANIPConnection:1/:2 */
	PCTLD_SVC_IP6FC = 1,  /* WANIPv6FirewallControl:1 */
	PCTLD_SVC_CMNIF = 2,  /* WANCommonInterfaceConfig:1 */
	PCTLD_SVC_COUNT
};

struct pctld_upnp_service {
	const char *type;       /* "WANIPConnection" */
	unsigned max_version;   /* highest version served */
	const char *service_id; /* urn:upnp-org:serviceId:... */
	const char *scpd_url;
	const char *control_url;
	const char *event_url;
};

extern const struct pctld_upnp_service pctld_upnp_services[PCTLD_SVC_COUNT];

/* The service whose control (or event) path this is; -1 when none. */
int pctld_upnp_svc_by_control(const char *path);
int pctld_upnp_svc_by_event(const char *path);

/* Parses "urn:schemas-upnp-org:service:TYPE:V" (n bytes, not necessarily
 * NUL-terminated) naming a served service at a served version: the service
 * index and *version, or -1. */
int pctld_upnp_svc_by_urn(const char *urn, size_t n, unsigned *version);

#endif

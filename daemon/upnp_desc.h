/*
 * The UPnP description documents (UDA 1.1 section 2): the root device
 * description for InternetGatewayDevice:1 or :2 and the service
 * descriptions (SCPD) of the services served, written once from struct
 * pctld_upnp_info and the action table (upnp_actions.c), so that they list
 * exactly what is served.
 */
#ifndef PORTCTLD_UPNP_DESC_H
#define PORTCTLD_UPNP_DESC_H

#include <stddef.h>

#include "upnp_http.h"
#include "upnp_service.h"
#include "upnp_xml.h"

/* The devices of the tree: the root and its two embedded devices. */
enum pctld_upnp_device {
	PCTLD_DEV_IGD = 0,    /* InternetGatewayDevice */
	PCTLD_DEV_WAN = 1,    /* WANDevice */
	PCTLD_DEV_WANCONN = 2 /* WANConnectionDevice */
};

/* "uuid:..." of a device: the configured UUID for the root, and for the
 * embedded devices the same UUID with its last octet plus 1 or 2, so that
 * all three are stable and distinct.  SSDP announces the same names. */
void pctld_upnp_udn(const struct pctld_upnp_info *info,
                    enum pctld_upnp_device dev, char out[42]);

struct pctld_upnp_docs {
	struct pctld_xbuf root;
	struct pctld_xbuf scpd[PCTLD_SVC_COUNT];
	unsigned igd_version;
};

/* 0, or -1 out of memory (nothing to free then). */
int pctld_upnp_docs_build(struct pctld_upnp_docs *d,
                          const struct pctld_upnp_info *info);
void pctld_upnp_docs_free(struct pctld_upnp_docs *d);

/* The document served at path, or NULL (404). */
const struct pctld_xbuf *pctld_upnp_docs_get(const struct pctld_upnp_docs *d,
                                             const char *path);

#endif

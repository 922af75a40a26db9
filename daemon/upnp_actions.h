/*
 * The UPnP control actions portctld serves (docs: portctld(8), "UPnP IGD"):
 * argument checking, the server/upnp.h call, the output arguments.  The
 * same table gives the service descriptions (upnp_desc.c) their action
 * lists, so that what the SCPD documents promise is what is served.
 */
#ifndef PORTCTLD_UPNP_ACTIONS_H
#define PORTCTLD_UPNP_ACTIONS_H

#include <stdint.h>

#include "../server/upnp.h"
#include "upnp_soap.h"
#include "upnp_xml.h"

#define PCTLD_ACTION_MAX_ARGS 9

/* One argument of an action and the state variable it relates to. */
struct pctld_action_arg {
	const char *name;
	const char *var;
};

struct pctld_upnp_action {
	enum pctld_upnp_svc svc;
	unsigned min_version; /* first service version that has it */
	const char *name;
	struct pctld_action_arg in[PCTLD_ACTION_MAX_ARGS];  /* {NULL} ends */
	struct pctld_action_arg out[PCTLD_ACTION_MAX_ARGS]; /* {NULL} ends */
	int (*run)(struct pctl_engine *e, const struct pctl_upnp_req *rq,
	           const struct pctld_soap_req *sr, uint64_t uptime_s,
	           struct pctld_xbuf *out);
};

extern const struct pctld_upnp_action pctld_upnp_actions[];
extern const size_t pctld_upnp_n_actions;

/* Runs the parsed request: 0 with the output argument elements appended to
 * out, or the UPnP error code to send (401: no such action at that service
 * version; 402: an argument missing, unknown, repeated or malformed). */
int pctld_upnp_dispatch(struct pctl_engine *e, const struct pctl_upnp_req *rq,
                        const struct pctld_soap_req *sr, uint64_t uptime_s,
                        struct pctld_xbuf *out);

#endif

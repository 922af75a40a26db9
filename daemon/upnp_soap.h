/*
 * SOAP 1.1 for UPnP control (UPnP Device Architecture 1.1, section 3):
 * the strict request parser (expat) and the response and fault writers.
 *
 * A request is accepted only as one Envelope holding one Body holding one
 * action element in the namespace of a service portctld serves
 * (upnp_service.h), whose children are the arguments: plain elements, each
 * at most once, with character data only and bounded lengths.  A DOCTYPE
 * (and so any entity declaration) is refused, as is nesting deeper than a
 * small limit.
 */
#ifndef PORTCTLD_UPNP_SOAP_H
#define PORTCTLD_UPNP_SOAP_H

#include <stddef.h>

#include "upnp_service.h"
#include "upnp_xml.h"

#define PCTLD_SOAP_MAX_ARGS  12  /* the most any action takes is 8 */
#define PCTLD_SOAP_NAME_MAX  40  /* an argument or action name */
#define PCTLD_SOAP_VALUE_MAX 512 /* an argument's value, bytes */
#define PCTLD_SOAP_MAX_DEPTH 8   /* element nesting, SOAP Header included */
#define PCTLD_SOAP_BODY_MAX  16384

struct pctld_soap_arg {
	char name[PCTLD_SOAP_NAME_MAX + 1];
	char value[PCTLD_SOAP_VALUE_MAX + 1]; /* NUL-terminated UTF-8 */
	size_t len;
};

struct pctld_soap_req {
	enum pctld_upnp_svc svc;
	unsigned version;
	char action[PCTLD_SOAP_NAME_MAX + 1];
	size_t n_args;
	struct pctld_soap_arg args[PCTLD_SOAP_MAX_ARGS];
};

/* Parses a request body.  0, or the answer due: 400 (not well-formed XML,
 * a DOCTYPE), 401 (no SOAP envelope with one action of a served service:
 * UPnPError Invalid Action) or 402 (arguments malformed: Invalid Args). */
int pctld_soap_parse(const char *body, size_t len, struct pctld_soap_req *r);

/* Whether a SOAPACTION header value ("URN#Action", quoted or not) names
 * exactly the parsed request's service, version and action. */
int pctld_soap_action_matches(const char *hdr, const struct pctld_soap_req *r);

/* The argument's value, or NULL when the request did not carry it. */
const char *pctld_soap_arg(const struct pctld_soap_req *r, const char *name);

/* A complete response envelope for the request's action, with the output
 * argument elements already written (args, args_len). */
void pctld_soap_write_response(struct pctld_xbuf *out,
                               const struct pctld_soap_req *r, const char *args,
                               size_t args_len);
/* A complete fault envelope (sent with HTTP 500) for a UPnP error code,
 * named by pctl_upnp_error_name (server/upnp.h). */
void pctld_soap_write_fault(struct pctld_xbuf *out, int code);

#endif

/*
 * Device and service descriptions (upnp_desc.h).  URLs are relative (no
 * URLBase): a control point resolves them against the description's own
 * address, which is the listener it reached.
 */
#include "upnp_desc.h"

#include <stdio.h>
#include <string.h>

#include "upnp_actions.h"

#define DOC_MAX 65536

void pctld_upnp_udn(const struct pctld_upnp_info *info,
                    enum pctld_upnp_device dev, char out[42])
{
	unsigned last = 0;
	size_t n = strlen(info->uuid);

	snprintf(out, 42, "uuid:%s", info->uuid);
	if (dev == PCTLD_DEV_IGD || n < 2 ||
	    sscanf(info->uuid + n - 2, "%2x", &last) != 1)
		return;
	snprintf(out + 5 + n - 2, 3, "%02x", (last + (unsigned)dev) & 0xff);
}

/* A state variable of a service template. */
struct var {
	enum pctld_upnp_svc svc;
	const char *name;
	const char *type;
	const char *allowed; /* "a|b|c" or NULL */
	const char *range;   /* "min|max" or NULL */
	unsigned min_version;
};

/* sendEvents is "no" throughout: portctld sends no event messages
 * (upnp_event.c), and says so here rather than promise them. */
static const struct var vars[] = {
    {PCTLD_SVC_IPCONN, "ConnectionType", "string", NULL, NULL, 1},
    {PCTLD_SVC_IPCONN, "PossibleConnectionTypes", "string",
     "Unconfigured|IP_Routed|IP_Bridged", NULL, 1},
    {PCTLD_SVC_IPCONN, "ConnectionStatus", "string",
     "Unconfigured|Connecting|Connected|PendingDisconnect|Disconnecting|"
     "Disconnected",
     NULL, 1},
    {PCTLD_SVC_IPCONN, "Uptime", "ui4", NULL, NULL, 1},
    {PCTLD_SVC_IPCONN, "LastConnectionError", "string", "ERROR_NONE", NULL, 1},
    {PCTLD_SVC_IPCONN, "RSIPAvailable", "boolean", NULL, NULL, 1},
    {PCTLD_SVC_IPCONN, "NATEnabled", "boolean", NULL, NULL, 1},
    {PCTLD_SVC_IPCONN, "ExternalIPAddress", "string", NULL, NULL, 1},
    {PCTLD_SVC_IPCONN, "PortMappingNumberOfEntries", "ui2", NULL, NULL, 1},
    {PCTLD_SVC_IPCONN, "PortMappingEnabled", "boolean", NULL, NULL, 1},
    {PCTLD_SVC_IPCONN, "PortMappingLeaseDuration", "ui4", NULL, NULL, 1},
    {PCTLD_SVC_IPCONN, "RemoteHost", "string", NULL, NULL, 1},
    {PCTLD_SVC_IPCONN, "ExternalPort", "ui2", NULL, NULL, 1},
    {PCTLD_SVC_IPCONN, "InternalPort", "ui2", NULL, NULL, 1},
    {PCTLD_SVC_IPCONN, "PortMappingProtocol", "string", "TCP|UDP", NULL, 1},
    {PCTLD_SVC_IPCONN, "InternalClient", "string", NULL, NULL, 1},
    {PCTLD_SVC_IPCONN, "PortMappingDescription", "string", NULL, NULL, 1},
    {PCTLD_SVC_IPCONN, "A_ARG_TYPE_Manage", "boolean", NULL, NULL, 2},
    {PCTLD_SVC_IPCONN, "A_ARG_TYPE_PortListing", "string", NULL, NULL, 2},
    {PCTLD_SVC_IP6FC, "FirewallEnabled", "boolean", NULL, NULL, 1},
    {PCTLD_SVC_IP6FC, "InboundPinholeAllowed", "boolean", NULL, NULL, 1},
    {PCTLD_SVC_IP6FC, "A_ARG_TYPE_IPv6Address", "string", NULL, NULL, 1},
    {PCTLD_SVC_IP6FC, "A_ARG_TYPE_Port", "ui2", NULL, NULL, 1},
    {PCTLD_SVC_IP6FC, "A_ARG_TYPE_Protocol", "ui2", NULL, NULL, 1},
    {PCTLD_SVC_IP6FC, "A_ARG_TYPE_LeaseTime", "ui4", NULL, "1|86400", 1},
    {PCTLD_SVC_IP6FC, "A_ARG_TYPE_UniqueID", "ui2", NULL, NULL, 1},
    {PCTLD_SVC_IP6FC, "A_ARG_TYPE_OutboundPinholeTimeout", "ui4", NULL, NULL,
     1},
    {PCTLD_SVC_IP6FC, "A_ARG_TYPE_PinholePackets", "ui4", NULL, NULL, 1},
    {PCTLD_SVC_IP6FC, "A_ARG_TYPE_Boolean", "boolean", NULL, NULL, 1},
    {PCTLD_SVC_CMNIF, "WANAccessType", "string", "DSL|POTS|Cable|Ethernet",
     NULL, 1},
    {PCTLD_SVC_CMNIF, "Layer1UpstreamMaxBitRate", "ui4", NULL, NULL, 1},
    {PCTLD_SVC_CMNIF, "Layer1DownstreamMaxBitRate", "ui4", NULL, NULL, 1},
    {PCTLD_SVC_CMNIF, "PhysicalLinkStatus", "string", "Up|Down", NULL, 1},
    {PCTLD_SVC_CMNIF, "TotalBytesSent", "ui4", NULL, NULL, 1},
    {PCTLD_SVC_CMNIF, "TotalBytesReceived", "ui4", NULL, NULL, 1},
    {PCTLD_SVC_CMNIF, "TotalPacketsSent", "ui4", NULL, NULL, 1},
    {PCTLD_SVC_CMNIF, "TotalPacketsReceived", "ui4", NULL, NULL, 1},
};

/* The service version a document describes. */
static unsigned svc_version(enum pctld_upnp_svc s, unsigned igd)
{
	return s == PCTLD_SVC_IPCONN ? igd : 1;
}

static void put_args(struct pctld_xbuf *b, const struct pctld_action_arg *a,
                     const char *dir)
{
	for (; a->name; a++)
		pctld_xbuf_printf(b,
		                  "<argument><name>%s</name>"
		                  "<direction>%s</direction>"
		                  "<relatedStateVariable>%s"
		                  "</relatedStateVariable></argument>\n",
		                  a->name, dir, a->var);
}

static void put_var(struct pctld_xbuf *b, const struct var *v)
{
	pctld_xbuf_printf(b,
	                  "<stateVariable sendEvents=\"no\"><name>%s</name>"
	                  "<dataType>%s</dataType>",
	                  v->name, v->type);
	if (v->allowed) {
		const char *s = v->allowed;
		pctld_xbuf_put(b, "<allowedValueList>");
		while (*s) {
			size_t n = strcspn(s, "|");
			pctld_xbuf_put(b, "<allowedValue>");
			pctld_xbuf_putn(b, s, n);
			pctld_xbuf_put(b, "</allowedValue>");
			s += n + (s[n] == '|');
		}
		pctld_xbuf_put(b, "</allowedValueList>");
	}
	if (v->range) {
		size_t n = strcspn(v->range, "|");
		pctld_xbuf_put(b, "<allowedValueRange><minimum>");
		pctld_xbuf_putn(b, v->range, n);
		pctld_xbuf_printf(b, "</minimum><maximum>%s</maximum>",
		                  v->range + n + 1);
		pctld_xbuf_put(b, "</allowedValueRange>");
	}
	pctld_xbuf_put(b, "</stateVariable>\n");
}

static void build_scpd(struct pctld_xbuf *b, enum pctld_upnp_svc s,
                       unsigned version)
{
	pctld_xbuf_put(b, "<?xml version=\"1.0\"?>\n"
	                  "<scpd xmlns=\"urn:schemas-upnp-org:service-1-0\">\n"
	                  "<specVersion><major>1</major><minor>1</minor>"
	                  "</specVersion>\n<actionList>\n");
	for (size_t i = 0; i < pctld_upnp_n_actions; i++) {
		const struct pctld_upnp_action *a = &pctld_upnp_actions[i];
		if (a->svc != s || a->min_version > version)
			continue;
		pctld_xbuf_printf(b, "<action><name>%s</name>", a->name);
		if (a->in[0].name || a->out[0].name) {
			pctld_xbuf_put(b, "<argumentList>\n");
			put_args(b, a->in, "in");
			put_args(b, a->out, "out");
			pctld_xbuf_put(b, "</argumentList>");
		}
		pctld_xbuf_put(b, "</action>\n");
	}
	pctld_xbuf_put(b, "</actionList>\n<serviceStateTable>\n");
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (vars[i].svc == s && vars[i].min_version <= version)
			put_var(b, &vars[i]);
	pctld_xbuf_put(b, "</serviceStateTable>\n</scpd>\n");
}

static void put_service(struct pctld_xbuf *b, enum pctld_upnp_svc s,
                        unsigned igd)
{
	const struct pctld_upnp_service *sv = &pctld_upnp_services[s];

	pctld_xbuf_printf(b,
	                  "<service><serviceType>urn:schemas-upnp-org:service:"
	                  "%s:%u</serviceType>\n<serviceId>%s</serviceId>\n",
	                  sv->type, svc_version(s, igd), sv->service_id);
	pctld_xbuf_printf(b,
	                  "<SCPDURL>%s</SCPDURL>\n<controlURL>%s</controlURL>\n"
	                  "<eventSubURL>%s</eventSubURL></service>\n",
	                  sv->scpd_url, sv->control_url, sv->event_url);
}

static void put_device_head(struct pctld_xbuf *b,
                            const struct pctld_upnp_info *info,
                            enum pctld_upnp_device dev, const char *type,
                            const char *name)
{
	char udn[42];

	pctld_upnp_udn(info, dev, udn);
	pctld_xbuf_printf(b,
	                  "<device>\n<deviceType>urn:schemas-upnp-org:device:"
	                  "%s:%u</deviceType>\n<friendlyName>",
	                  type, info->igd_version);
	pctld_xbuf_esc(b, name, strlen(name));
	pctld_xbuf_put(b, "</friendlyName>\n<manufacturer>portctl"
	                  "</manufacturer>\n<modelName>portctld</modelName>\n");
	pctld_xbuf_printf(b, "<modelNumber>%s</modelNumber>\n<UDN>%s</UDN>\n",
	                  PORTCTL_VERSION_STRING, udn);
}

static void build_root(struct pctld_xbuf *b, const struct pctld_upnp_info *in)
{
	unsigned v = in->igd_version;

	pctld_xbuf_put(b, "<?xml version=\"1.0\"?>\n"
	                  "<root xmlns=\"urn:schemas-upnp-org:device-1-0\">\n"
	                  "<specVersion><major>1</major><minor>1</minor>"
	                  "</specVersion>\n");
	put_device_head(b, in, PCTLD_DEV_IGD, "InternetGatewayDevice",
	                in->friendly_name);
	pctld_xbuf_put(b, "<deviceList>\n");
	put_device_head(b, in, PCTLD_DEV_WAN, "WANDevice", "WANDevice");
	pctld_xbuf_put(b, "<serviceList>\n");
	put_service(b, PCTLD_SVC_CMNIF, v);
	pctld_xbuf_put(b, "</serviceList>\n<deviceList>\n");
	put_device_head(b, in, PCTLD_DEV_WANCONN, "WANConnectionDevice",
	                "WANConnectionDevice");
	pctld_xbuf_put(b, "<serviceList>\n");
	put_service(b, PCTLD_SVC_IPCONN, v);
	/* IPv6 pinholes came with IGD:2; an IGD:1 description leaves the
	 * service out (its control URL still answers). */
	if (v >= 2)
		put_service(b, PCTLD_SVC_IP6FC, v);
	pctld_xbuf_put(b, "</serviceList>\n</device>\n</deviceList>\n"
	                  "</device>\n</deviceList>\n</device>\n</root>\n");
}

int pctld_upnp_docs_build(struct pctld_upnp_docs *d,
                          const struct pctld_upnp_info *info)
{
	bool failed;

	memset(d, 0, sizeof(*d));
	d->igd_version = info->igd_version;
	pctld_xbuf_init(&d->root, DOC_MAX);
	build_root(&d->root, info);
	failed = pctld_xbuf_failed(&d->root);
	for (int s = 0; s < PCTLD_SVC_COUNT; s++) {
		pctld_xbuf_init(&d->scpd[s], DOC_MAX);
		build_scpd(
		    &d->scpd[s], (enum pctld_upnp_svc)s,
		    svc_version((enum pctld_upnp_svc)s, info->igd_version));
		failed = failed || pctld_xbuf_failed(&d->scpd[s]);
	}
	if (failed) {
		pctld_upnp_docs_free(d);
		return -1;
	}
	return 0;
}

void pctld_upnp_docs_free(struct pctld_upnp_docs *d)
{
	pctld_xbuf_free(&d->root);
	for (int s = 0; s < PCTLD_SVC_COUNT; s++)
		pctld_xbuf_free(&d->scpd[s]);
}

const struct pctld_xbuf *pctld_upnp_docs_get(const struct pctld_upnp_docs *d,
                                             const char *path)
{
	if (strcmp(path, "/rootDesc.xml") == 0)
		return &d->root;
	for (int s = 0; s < PCTLD_SVC_COUNT; s++) {
		/* The IGD:1 tree has no firewall service to describe. */
		if (s == PCTLD_SVC_IP6FC && d->igd_version < 2)
			continue;
		if (strcmp(path, pctld_upnp_services[s].scpd_url) == 0)
			return &d->scpd[s];
	}
	return NULL;
}

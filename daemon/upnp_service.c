/*
 * The services portctld serves (upnp_service.h).  Paths as miniupnpd names
 * them, which control points have seen for years.
 */
#include "upnp_service.h"

#include <string.h>

const struct pctld_upnp_service pctld_upnp_services[PCTLD_SVC_COUNT] = {
    [PCTLD_SVC_IPCONN] = {"WANIPConnection", 2,
                          "urn:upnp-org:serviceId:WANIPConn1", "/WANIPCn.xml",
                          "/ctl/IPConn", "/evt/IPConn"},
    [PCTLD_SVC_IP6FC] = {"WANIPv6FirewallControl", 1,
                         "urn:upnp-org:serviceId:WANIPv6Firewall1",
                         "/WANIPv6FC.xml", "/ctl/IP6FCtl", "/evt/IP6FCtl"},
    [PCTLD_SVC_CMNIF] = {"WANCommonInterfaceConfig", 1,
                         "urn:upnp-org:serviceId:WANCommonIFC1", "/WANCfg.xml",
                         "/ctl/CmnIfCfg", "/evt/CmnIfCfg"},
};

int pctld_upnp_svc_by_control(const char *path)
{
	for (int i = 0; i < PCTLD_SVC_COUNT; i++)
		if (strcmp(path, pctld_upnp_services[i].control_url) == 0)
			return i;
	return -1;
}

int pctld_upnp_svc_by_event(const char *path)
{
	for (int i = 0; i < PCTLD_SVC_COUNT; i++)
		if (strcmp(path, pctld_upnp_services[i].event_url) == 0)
			return i;
	return -1;
}

int pctld_upnp_svc_by_urn(const char *urn, size_t n, unsigned *version)
{
	static const char prefix[] = "urn:schemas-upnp-org:service:";
	const size_t plen = sizeof(prefix) - 1;

	if (n < plen || memcmp(urn, prefix, plen) != 0)
		return -1;
	urn += plen;
	n -= plen;
	for (int i = 0; i < PCTLD_SVC_COUNT; i++) {
		const struct pctld_upnp_service *s = &pctld_upnp_services[i];
		size_t tl = strlen(s->type);
		unsigned v;
		/* TYPE ':' one digit, exactly */
		if (n != tl + 2 || memcmp(urn, s->type, tl) != 0 ||
		    urn[tl] != ':' || urn[tl + 1] < '1' || urn[tl + 1] > '9')
			continue;
		v = (unsigned)(urn[tl + 1] - '0');
		if (v > s->max_version)
			return -1;
		*version = v;
		return i;
	}
	return -1;
}

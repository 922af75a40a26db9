/*
 * The UPnP engine's pure decisions, apart so that unit tests reach them
 * without sockets: how a UPnP error is reported in PCP's terms, which
 * external port to ask for, and which IGD to prefer.
 */
#include "upnp_int.h"

/* A UPnPError (UPnP Device Architecture 1.1 section 3.2.2; IGD:2
 * WANIPConnection:2 section 2.4; WANIPv6FirewallControl:1 section 2.4.1)
 * as the PCP result whose error class (info->error_class) tells the
 * program the same thing: refused by policy, no such resource now, or a
 * request the device cannot do.  The table is in libportctl(3). */
uint8_t pctl_upnp_error_result(int e)
{
	switch (e) {
	case 0:
		return PCTL_R_SUCCESS;
	case 606: /* Action not authorized */
	case 703: /* InboundPinholeNotAllowed */
		return PCTL_R_NOT_AUTHORIZED;
	case 718: /* ConflictInMapping: someone else holds the port */
	case 729: /* ConflictWithOtherMechanisms */
		return PCTL_R_CANNOT_PROVIDE_EXTERNAL;
	case 701: /* PinholeSpaceExhausted */
	case 728: /* NoPortMapsAvailable */
		return PCTL_R_NO_RESOURCES;
	case 702: /* FirewallDisabled: no pinhole needed nor possible */
	case 501: /* Action Failed */
		return PCTL_R_NETWORK_FAILURE;
	case 705: /* ProtocolNotSupported */
	case 706: /* InternalPortWildcardingNotAllowed */
	case 716: /* WildCardNotPermittedInExtPort */
	case 724: /* SamePortValuesRequired */
	case 726: /* RemoteHostOnlySupportsWildcard */
	case 727: /* ExternalPortOnlySupportsWildcard */
		return PCTL_R_UNSUPP_PROTOCOL;
	case 401: /* Invalid Action */
	case 602: /* Optional Action Not Implemented */
		return PCTL_R_UNSUPP_OPCODE;
	case 402: /* Invalid Args */
	case 600: /* Argument Value Invalid */
	case 601: /* Argument Value Out of Range */
		return PCTL_R_MALFORMED_REQUEST;
	default:
		return PCTL_R_NO_RESOURCES; /* transient: retried later */
	}
}

/* Ports below 1024 are what miniupnpd's recommended rules refuse, so a
 * random port is drawn above them. */
static uint16_t random_port(uint32_t r)
{
	return (uint16_t)(1024u + r % (65536u - 1024u));
}

uint16_t pctl_upnp_first_port(const struct pctl_client_map_params *p,
                              uint32_t r)
{
	if (p->has_suggest && p->suggest_port)
		return p->suggest_port;
	if (!p->any_port && p->internal_port)
		return p->internal_port;
	return random_port(r);
}

uint16_t pctl_upnp_next_port(const struct pctl_client_map_params *p,
                             uint16_t port, unsigned tries, uint32_t r)
{
	if ((p->has_suggest && p->suggest_port) ||
	    tries >= PCTL_UPNP_MAX_CONFLICTS)
		return 0;
	if (p->any_port)
		return random_port(r);
	/* Near the preserved port first, as a person would pick. */
	return port >= 65535 ? 1024 : (uint16_t)(port + 1);
}

int pctl_upnp_rank(const pctl_addr *igd, const pctl_addr *routers, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pctl_addr_equal(igd, &routers[i]))
			return 2;
	return 1;
}

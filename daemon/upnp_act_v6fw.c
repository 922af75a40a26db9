/*
 * WANIPv6FirewallControl:1 and WANCommonInterfaceConfig:1 actions
 * (upnp_act_run.h).  Pinholes are the engine's (server/upnp.h); what the
 * data plane cannot tell (packet counts, interface counters) is answered
 * with 501 Action Failed, as portctld(8) documents.
 */
#include <string.h>

#include "upnp_act_run.h"
#include "upnp_args.h"

#define ARG(name) pctld_soap_arg(sr, name)
#define BAD       PCTL_UPNP_E_INVALID_ARGS

/* The idle timeouts RFC 4787 (UDP, 2 minutes) and RFC 5382 (TCP, 2 h 4
 * min) recommend, which an outbound flow's state is kept at least. */
#define OUTBOUND_UDP 120
#define OUTBOUND_TCP 7440

/* RemoteHost, RemotePort, InternalClient, InternalPort, Protocol.  The
 * Protocol argument is a ui2 where 65535 means any protocol. */
static int parse_pinhole(const struct pctld_soap_req *sr,
                         struct pctl_upnp_pinhole *ph)
{
	uint16_t proto;

	if (pctld_arg_ipv6(ARG("RemoteHost"), true, &ph->remote) ||
	    pctld_arg_ui2(ARG("RemotePort"), &ph->remote_port) ||
	    pctld_arg_ipv6(ARG("InternalClient"), true, &ph->int_addr) ||
	    pctld_arg_ui2(ARG("InternalPort"), &ph->int_port) ||
	    pctld_arg_ui2(ARG("Protocol"), &proto))
		return BAD;
	if (proto == 65535)
		return PCTL_UPNP_E_PROTOCOL_WILDCARD;
	if (proto > 255)
		return PCTL_UPNP_E_PROTOCOL_NOT_SUPPORTED;
	ph->protocol = (uint8_t)proto;
	return 0;
}

static int parse_uid(const struct pctld_soap_req *sr, uint16_t *uid)
{
	return pctld_arg_ui2(ARG("UniqueID"), uid) ? BAD : 0;
}

ACTION_HANDLER(pctld_act_get_firewall_status)
{
	(void)e;
	(void)rq;
	(void)sr;
	(void)uptime_s;
	pctld_xbuf_uelem(out, "FirewallEnabled", 1);
	pctld_xbuf_uelem(out, "InboundPinholeAllowed", 1);
	return 0;
}

ACTION_HANDLER(pctld_act_get_outbound_timeout)
{
	struct pctl_upnp_pinhole ph;
	int rc;

	(void)e;
	(void)rq;
	(void)uptime_s;
	memset(&ph, 0, sizeof(ph));
	rc = parse_pinhole(sr, &ph);
	if (rc)
		return rc;
	pctld_xbuf_uelem(out, "OutboundPinholeTimeout",
	                 ph.protocol == 6 ? OUTBOUND_TCP : OUTBOUND_UDP);
	return 0;
}

ACTION_HANDLER(pctld_act_add_pinhole)
{
	struct pctl_upnp_pinhole ph;
	int rc;

	(void)uptime_s;
	memset(&ph, 0, sizeof(ph));
	rc = parse_pinhole(sr, &ph);
	if (rc)
		return rc;
	if (pctld_arg_ui4(ARG("LeaseTime"), &ph.lease))
		return BAD;
	rc = pctl_upnp_pinhole_add(e, rq, &ph);
	if (rc == 0)
		pctld_xbuf_uelem(out, "UniqueID", ph.uid);
	return rc;
}

ACTION_HANDLER(pctld_act_update_pinhole)
{
	uint32_t lease;
	uint16_t uid;

	(void)out;
	(void)uptime_s;
	if (parse_uid(sr, &uid) || pctld_arg_ui4(ARG("NewLeaseTime"), &lease))
		return BAD;
	return pctl_upnp_pinhole_update(e, rq, uid, lease);
}

ACTION_HANDLER(pctld_act_delete_pinhole)
{
	uint16_t uid;

	(void)out;
	(void)uptime_s;
	if (parse_uid(sr, &uid))
		return BAD;
	return pctl_upnp_pinhole_delete(e, rq, uid);
}

/* The data plane counts no packets per pinhole: the pinhole's errors (704,
 * 606) when it is not one the caller may read, else 501. */
ACTION_HANDLER(pctld_act_get_pinhole_packets)
{
	struct pctl_upnp_pinhole ph;
	uint16_t uid;
	int rc;

	(void)out;
	(void)uptime_s;
	if (parse_uid(sr, &uid))
		return BAD;
	rc = pctl_upnp_pinhole_get(e, rq, uid, &ph);
	return rc ? rc : PCTL_UPNP_E_ACTION_FAILED;
}

ACTION_HANDLER(pctld_act_check_pinhole)
{
	uint16_t uid;
	int rc;

	(void)uptime_s;
	if (parse_uid(sr, &uid))
		return BAD;
	rc = pctl_upnp_pinhole_check(e, rq, uid);
	if (rc == 0)
		pctld_xbuf_uelem(out, "IsWorking", 1);
	return rc;
}

/* The link's rates are not known to the network process: 0, which the
 * service template leaves to mean unknown. */
ACTION_HANDLER(pctld_act_get_link_properties)
{
	(void)e;
	(void)rq;
	(void)sr;
	(void)uptime_s;
	pctld_xbuf_elem(out, "NewWANAccessType", "Ethernet");
	pctld_xbuf_uelem(out, "NewLayer1UpstreamMaxBitRate", 0);
	pctld_xbuf_uelem(out, "NewLayer1DownstreamMaxBitRate", 0);
	pctld_xbuf_elem(out, "NewPhysicalLinkStatus", "Up");
	return 0;
}

/* GetTotalBytesSent and the like: the sandboxed network process reads no
 * interface counters. */
ACTION_HANDLER(pctld_act_no_counters)
{
	(void)e;
	(void)rq;
	(void)sr;
	(void)uptime_s;
	(void)out;
	return PCTL_UPNP_E_ACTION_FAILED;
}

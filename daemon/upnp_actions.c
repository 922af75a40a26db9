/*
 * The action table and the dispatcher (upnp_actions.h).  Argument names
 * and state variables as the WANIPConnection:2, WANIPv6FirewallControl:1
 * and WANCommonInterfaceConfig:1 service templates define them.
 */
#include "upnp_actions.h"

#include <string.h>

#include "upnp_act_run.h"

#define A(n, v)                                                                \
	{                                                                      \
		n, v                                                           \
	}
#define END                                                                    \
	{                                                                      \
		NULL, NULL                                                     \
	}

/* The in-arguments of AddPortMapping and AddAnyPortMapping. */
#define ADD_ARGS                                                               \
	A("NewRemoteHost", "RemoteHost"),                                      \
	    A("NewExternalPort", "ExternalPort"),                              \
	    A("NewProtocol", "PortMappingProtocol"),                           \
	    A("NewInternalPort", "InternalPort"),                              \
	    A("NewInternalClient", "InternalClient"),                          \
	    A("NewEnabled", "PortMappingEnabled"),                             \
	    A("NewPortMappingDescription", "PortMappingDescription"),          \
	    A("NewLeaseDuration", "PortMappingLeaseDuration")
#define ENTRY_OUT                                                              \
	A("NewInternalPort", "InternalPort"),                                  \
	    A("NewInternalClient", "InternalClient"),                          \
	    A("NewEnabled", "PortMappingEnabled"),                             \
	    A("NewPortMappingDescription", "PortMappingDescription"),          \
	    A("NewLeaseDuration", "PortMappingLeaseDuration")
#define KEY_ARGS                                                               \
	A("NewRemoteHost", "RemoteHost"),                                      \
	    A("NewExternalPort", "ExternalPort"),                              \
	    A("NewProtocol", "PortMappingProtocol")
#define PINHOLE_KEY                                                            \
	A("RemoteHost", "A_ARG_TYPE_IPv6Address"),                             \
	    A("RemotePort", "A_ARG_TYPE_Port"),                                \
	    A("InternalClient", "A_ARG_TYPE_IPv6Address"),                     \
	    A("InternalPort", "A_ARG_TYPE_Port"),                              \
	    A("Protocol", "A_ARG_TYPE_Protocol")
#define UID_IN A("UniqueID", "A_ARG_TYPE_UniqueID")

const struct pctld_upnp_action pctld_upnp_actions[] = {
    /* WANIPConnection */
    {PCTLD_SVC_IPCONN,
     1,
     "GetExternalIPAddress",
     {END},
     {A("NewExternalIPAddress", "ExternalIPAddress"), END},
     pctld_act_get_external_ip},
    {PCTLD_SVC_IPCONN,
     1,
     "GetStatusInfo",
     {END},
     {A("NewConnectionStatus", "ConnectionStatus"),
      A("NewLastConnectionError", "LastConnectionError"),
      A("NewUptime", "Uptime"), END},
     pctld_act_get_status_info},
    {PCTLD_SVC_IPCONN,
     1,
     "GetConnectionTypeInfo",
     {END},
     {A("NewConnectionType", "ConnectionType"),
      A("NewPossibleConnectionTypes", "PossibleConnectionTypes"), END},
     pctld_act_get_connection_type},
    {PCTLD_SVC_IPCONN,
     1,
     "GetNATRSIPStatus",
     {END},
     {A("NewRSIPAvailable", "RSIPAvailable"), A("NewNATEnabled", "NATEnabled"),
      END},
     pctld_act_get_nat_rsip},
    {PCTLD_SVC_IPCONN,
     1,
     "AddPortMapping",
     {ADD_ARGS, END},
     {END},
     pctld_act_add_port_mapping},
    {PCTLD_SVC_IPCONN,
     2,
     "AddAnyPortMapping",
     {ADD_ARGS, END},
     {A("NewReservedPort", "ExternalPort"), END},
     pctld_act_add_any_port_mapping},
    {PCTLD_SVC_IPCONN,
     1,
     "DeletePortMapping",
     {KEY_ARGS, END},
     {END},
     pctld_act_delete_port_mapping},
    {PCTLD_SVC_IPCONN,
     2,
     "DeletePortMappingRange",
     {A("NewStartPort", "ExternalPort"), A("NewEndPort", "ExternalPort"),
      A("NewProtocol", "PortMappingProtocol"),
      A("NewManage", "A_ARG_TYPE_Manage"), END},
     {END},
     pctld_act_delete_port_mapping_range},
    {PCTLD_SVC_IPCONN,
     1,
     "GetSpecificPortMappingEntry",
     {KEY_ARGS, END},
     {ENTRY_OUT, END},
     pctld_act_get_specific_entry},
    {PCTLD_SVC_IPCONN,
     1,
     "GetGenericPortMappingEntry",
     {A("NewPortMappingIndex", "PortMappingNumberOfEntries"), END},
     {KEY_ARGS, ENTRY_OUT, END},
     pctld_act_get_generic_entry},
    {PCTLD_SVC_IPCONN,
     2,
     "GetListOfPortMappings",
     {A("NewStartPort", "ExternalPort"), A("NewEndPort", "ExternalPort"),
      A("NewProtocol", "PortMappingProtocol"),
      A("NewManage", "A_ARG_TYPE_Manage"),
      A("NewNumberOfPorts", "PortMappingNumberOfEntries"), END},
     {A("NewPortListing", "A_ARG_TYPE_PortListing"), END},
     pctld_act_get_list},
    /* WANIPv6FirewallControl */
    {PCTLD_SVC_IP6FC,
     1,
     "GetFirewallStatus",
     {END},
     {A("FirewallEnabled", "FirewallEnabled"),
      A("InboundPinholeAllowed", "InboundPinholeAllowed"), END},
     pctld_act_get_firewall_status},
    {PCTLD_SVC_IP6FC,
     1,
     "GetOutboundPinholeTimeout",
     {PINHOLE_KEY, END},
     {A("OutboundPinholeTimeout", "A_ARG_TYPE_OutboundPinholeTimeout"), END},
     pctld_act_get_outbound_timeout},
    {PCTLD_SVC_IP6FC,
     1,
     "AddPinhole",
     {PINHOLE_KEY, A("LeaseTime", "A_ARG_TYPE_LeaseTime"), END},
     {A("UniqueID", "A_ARG_TYPE_UniqueID"), END},
     pctld_act_add_pinhole},
    {PCTLD_SVC_IP6FC,
     1,
     "UpdatePinhole",
     {UID_IN, A("NewLeaseTime", "A_ARG_TYPE_LeaseTime"), END},
     {END},
     pctld_act_update_pinhole},
    {PCTLD_SVC_IP6FC,
     1,
     "DeletePinhole",
     {UID_IN, END},
     {END},
     pctld_act_delete_pinhole},
    {PCTLD_SVC_IP6FC,
     1,
     "GetPinholePackets",
     {UID_IN, END},
     {A("PinholePackets", "A_ARG_TYPE_PinholePackets"), END},
     pctld_act_get_pinhole_packets},
    {PCTLD_SVC_IP6FC,
     1,
     "CheckPinholeWorking",
     {UID_IN, END},
     {A("IsWorking", "A_ARG_TYPE_Boolean"), END},
     pctld_act_check_pinhole},
    /* WANCommonInterfaceConfig */
    {PCTLD_SVC_CMNIF,
     1,
     "GetCommonLinkProperties",
     {END},
     {A("NewWANAccessType", "WANAccessType"),
      A("NewLayer1UpstreamMaxBitRate", "Layer1UpstreamMaxBitRate"),
      A("NewLayer1DownstreamMaxBitRate", "Layer1DownstreamMaxBitRate"),
      A("NewPhysicalLinkStatus", "PhysicalLinkStatus"), END},
     pctld_act_get_link_properties},
    {PCTLD_SVC_CMNIF,
     1,
     "GetTotalBytesSent",
     {END},
     {A("NewTotalBytesSent", "TotalBytesSent"), END},
     pctld_act_no_counters},
    {PCTLD_SVC_CMNIF,
     1,
     "GetTotalBytesReceived",
     {END},
     {A("NewTotalBytesReceived", "TotalBytesReceived"), END},
     pctld_act_no_counters},
    {PCTLD_SVC_CMNIF,
     1,
     "GetTotalPacketsSent",
     {END},
     {A("NewTotalPacketsSent", "TotalPacketsSent"), END},
     pctld_act_no_counters},
    {PCTLD_SVC_CMNIF,
     1,
     "GetTotalPacketsReceived",
     {END},
     {A("NewTotalPacketsReceived", "TotalPacketsReceived"), END},
     pctld_act_no_counters},
};

const size_t pctld_upnp_n_actions =
    sizeof(pctld_upnp_actions) / sizeof(pctld_upnp_actions[0]);

static bool listed(const struct pctld_action_arg *list, const char *name)
{
	for (; list->name; list++)
		if (strcmp(list->name, name) == 0)
			return true;
	return false;
}

int pctld_upnp_dispatch(struct pctl_engine *e, const struct pctl_upnp_req *rq,
                        const struct pctld_soap_req *sr, uint64_t uptime_s,
                        struct pctld_xbuf *out)
{
	const struct pctld_upnp_action *a = NULL;
	size_t n_in = 0;

	for (size_t i = 0; i < pctld_upnp_n_actions; i++) {
		const struct pctld_upnp_action *c = &pctld_upnp_actions[i];
		if (c->svc == sr->svc && sr->version >= c->min_version &&
		    strcmp(c->name, sr->action) == 0) {
			a = c;
			break;
		}
	}
	if (!a)
		return PCTL_UPNP_E_INVALID_ACTION;
	/* Every in-argument present, no other (each at most once: the
	 * parser saw to that). */
	for (size_t i = 0; i < sr->n_args; i++)
		if (!listed(a->in, sr->args[i].name))
			return PCTL_UPNP_E_INVALID_ARGS;
	while (a->in[n_in].name)
		n_in++;
	if (sr->n_args != n_in)
		return PCTL_UPNP_E_INVALID_ARGS;
	return a->run(e, rq, sr, uptime_s, out);
}

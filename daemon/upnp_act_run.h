/*
 * The action handlers behind the table of upnp_actions.c, one file per
 * service family: upnp_act_ipconn.c (WANIPConnection), upnp_act_v6fw.c
 * (WANIPv6FirewallControl and WANCommonInterfaceConfig).  Each is called
 * with its input arguments present (the dispatcher checked the names) and
 * returns 0 or a UPnP error code.
 */
#ifndef PORTCTLD_UPNP_ACT_RUN_H
#define PORTCTLD_UPNP_ACT_RUN_H

#include "upnp_actions.h"

#define ACTION_HANDLER(name)                                                   \
	int name(struct pctl_engine *e, const struct pctl_upnp_req *rq,        \
	         const struct pctld_soap_req *sr, uint64_t uptime_s,           \
	         struct pctld_xbuf *out)

ACTION_HANDLER(pctld_act_get_external_ip);
ACTION_HANDLER(pctld_act_get_status_info);
ACTION_HANDLER(pctld_act_get_connection_type);
ACTION_HANDLER(pctld_act_get_nat_rsip);
ACTION_HANDLER(pctld_act_add_port_mapping);
ACTION_HANDLER(pctld_act_add_any_port_mapping);
ACTION_HANDLER(pctld_act_delete_port_mapping);
ACTION_HANDLER(pctld_act_delete_port_mapping_range);
ACTION_HANDLER(pctld_act_get_specific_entry);
ACTION_HANDLER(pctld_act_get_generic_entry);
ACTION_HANDLER(pctld_act_get_list);

ACTION_HANDLER(pctld_act_get_firewall_status);
ACTION_HANDLER(pctld_act_get_outbound_timeout);
ACTION_HANDLER(pctld_act_add_pinhole);
ACTION_HANDLER(pctld_act_update_pinhole);
ACTION_HANDLER(pctld_act_delete_pinhole);
ACTION_HANDLER(pctld_act_get_pinhole_packets);
ACTION_HANDLER(pctld_act_check_pinhole);

ACTION_HANDLER(pctld_act_get_link_properties);
ACTION_HANDLER(pctld_act_no_counters);

#endif

/*
 * The values of a configuration that a start cannot use, or that would
 * expose the server to the WAN (issue 15 item 12), checked by the parser
 * and by pctld_config_finish (config.c) so that `portctld -n` refuses what
 * a start would.
 */
#ifndef PORTCTLD_CONFIG_CHECK_H
#define PORTCTLD_CONFIG_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* Two listen lines that would bind the same port of the same address, or
 * an address and the wildcard of its family on one port (the second bind
 * fails at start, EADDRINUSE): the index of the earlier one, or -1. */
int pctld_listen_clash(const struct pctld_config *cfg,
                       const struct pctld_endpoint *ep);
/* Is a an address the router can be reached at from outside: unicast, not
 * loopback, not 0/8, not multicast, not 240/4 (the limited broadcast)? */
bool pctld_unicast_external(const pctl_addr *a);
/* A wildcard listener with neither internal-interface nor
 * external-interface: every interface is internal, the WAN too (S-2). */
bool pctld_serves_every_interface(const struct pctld_config *cfg);
/* Such a listener without allow-any-interface, or a listen address that is
 * an external-ip.  0, or -1 with a reason in err. */
int pctld_check_listeners(const struct pctld_config *cfg, char *err,
                          size_t errlen);
/* A port range with no TCP or no UDP port left once the reserved ports
 * (UDP 5350 and 5351, reserved-port) are taken out.  0, or -1 with a
 * reason in err. */
int pctld_check_port_range(const struct pctl_engine_config *e, char *err,
                           size_t errlen);

#endif

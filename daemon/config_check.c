/*
 * Configuration values a start cannot use: see config_check.h.
 */
#include "config_check.h"

#include <stdio.h>
#include <string.h>

#include "msgbuf.h"

/* Issue 15 item 12: two listen lines that would bind the same port of the
 * same address, or an address and the wildcard of its family on one port
 * (the second bind fails at start, EADDRINUSE).  Index of the earlier one,
 * or -1. */
int pctld_listen_clash(const struct pctld_config *cfg,
                       const struct pctld_endpoint *ep)
{
	for (size_t i = 0; i < cfg->n_listen; i++) {
		const struct pctld_endpoint *o = &cfg->listen[i];
		if (o->port != ep->port ||
		    pctl_addr_is_v4(&o->addr) != pctl_addr_is_v4(&ep->addr))
			continue;
		if (pctl_addr_equal(&o->addr, &ep->addr) ||
		    pctl_addr_is_any(&o->addr) || pctl_addr_is_any(&ep->addr))
			return (int)i;
	}
	return -1;
}

/* Issue 15 item 12: an external address is one the router is reached at
 * from outside: unicast, not loopback, not "this network" (0/8), not
 * multicast, not 240/4 (reserved, and the limited broadcast). */
bool pctld_unicast_external(const pctl_addr *a)
{
	static const uint8_t loop6[16] = {[15] = 1};

	if (pctl_addr_is_v4(a)) {
		uint8_t o = a->b[12];
		return o != 0 && o != 127 && o < 224;
	}
	return a->b[0] != 0xff && memcmp(a->b, loop6, 16) != 0;
}

/* A wildcard listener with neither internal-interface nor
 * external-interface: every interface is internal, the WAN too (S-2). */
bool pctld_serves_every_interface(const struct pctld_config *cfg)
{
	if (cfg->n_int_ifs || cfg->ext_if[0])
		return false;
	for (size_t i = 0; i < cfg->n_listen; i++)
		if (pctl_addr_is_any(&cfg->listen[i].addr))
			return true;
	return false;
}

/* Issue 15 item 12: a listener that WAN hosts would reach, or one that can
 * serve nobody. */
int pctld_check_listeners(const struct pctld_config *cfg, char *err,
                          size_t errlen)
{
	const struct pctl_engine_config *e = &cfg->engine;
	char txt[PCTL_ADDRSTRLEN];

	if (!cfg->allow_any_interface && pctld_serves_every_interface(cfg))
		return pctld_errf(
		    err, errlen,
		    "a wildcard listen address with neither "
		    "internal-interface nor external-interface serves "
		    "every interface, the WAN included: name the "
		    "internal interfaces (internal-interface) or the "
		    "WAN (external-interface), or set "
		    "allow-any-interface yes");
	for (size_t i = 0; i < cfg->n_listen; i++)
		for (size_t k = 0; k < e->n_ext_addrs; k++)
			if (pctl_addr_equal(&cfg->listen[i].addr,
			                    &e->ext_addrs[k]))
				return pctld_errf(
				    err, errlen,
				    "listen %s is an external-ip: WAN "
				    "hosts would reach it, and requests "
				    "to it are never served (S-2); "
				    "listen on an internal address",
				    pctl_addr_to_str(&e->ext_addrs[k], txt,
				                     sizeof(txt)));
	return 0;
}

/* Is port reserved for protocol (the engine's rule: UDP 5350 and 5351, the
 * server's own, plus reserved-port)? */
static bool port_reserved(const struct pctl_engine_config *e, uint8_t proto,
                          uint32_t port)
{
	if (proto == 17 &&
	    (port == PCTL_CLIENT_PORT || port == PCTL_SERVER_PORT))
		return true;
	for (size_t i = 0; i < e->n_reserved; i++)
		if (e->reserved[i].port == port &&
		    (!e->reserved[i].protocol ||
		     e->reserved[i].protocol == proto))
			return true;
	return false;
}

/* Issue 15 item 12: a port range with nothing left to hand out for TCP or
 * UDP once the reserved ports are taken out (port-range 5351-5351). */
int pctld_check_port_range(const struct pctl_engine_config *e, char *err,
                           size_t errlen)
{
	static const struct {
		uint8_t proto;
		const char *name;
	} p[] = {{6, "TCP"}, {17, "UDP"}};

	for (size_t k = 0; k < sizeof(p) / sizeof(p[0]); k++) {
		uint32_t port = e->port_min;
		while (port <= e->port_max &&
		       port_reserved(e, p[k].proto, port))
			port++;
		if (port > e->port_max)
			return pctld_errf(
			    err, errlen,
			    "port-range %u-%u leaves no %s port to hand "
			    "out: UDP 5350 and 5351 are the server's own, "
			    "and reserved-port takes the rest",
			    e->port_min, e->port_max, p[k].name);
	}
	return 0;
}

/*
 * Administrative policy: ordered allow/deny rules over the internal address,
 * protocol, internal port and external port of a mapping, IPv4 and IPv6
 * alike; the first matching rule decides, else the configured default.
 * Also the prefix matching the THIRD_PARTY ACL (S-72) uses.
 */
#ifndef PORTCTL_SERVER_POLICY_H
#define PORTCTL_SERVER_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

/* Does a fall inside prefix p?  Lengths above 128 never match. */
bool pctl_prefix_match(const struct pctl_prefix *p, const pctl_addr *a);

/* Is a mapping of (internal address, protocol, internal port) to external
 * port allowed?  protocol 0 and port 0 (all) match a rule only when the rule
 * covers every protocol / the whole port range. */
bool pctl_policy_allows(const struct pctl_engine_config *cfg,
                        const pctl_addr *int_addr, uint8_t protocol,
                        uint16_t int_port, uint16_t ext_port);

/* Is src authorized to use THIRD_PARTY (S-70, S-72)? */
bool pctl_policy_third_party_ok(const struct pctl_engine_config *cfg,
                                const pctl_addr *src);

#endif

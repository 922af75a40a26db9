/*
 * Ordered allow/deny policy (see policy.h).
 */
#include "policy.h"

bool pctl_prefix_match(const struct pctl_prefix *p, const pctl_addr *a)
{
	if (p->len > 128)
		return false;
	unsigned full = p->len / 8, rest = p->len % 8;
	for (unsigned i = 0; i < full; i++)
		if (p->addr.b[i] != a->b[i])
			return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff00u >> rest);
		if ((p->addr.b[full] ^ a->b[full]) & mask)
			return false;
	}
	return true;
}

/* A port range matches a single port if it contains it, and "all ports"
 * (0 in an all-ports request) only if it is the whole range. */
static bool range_match(uint16_t lo, uint16_t hi, uint16_t port, bool all)
{
	if (all)
		return lo == 0 && hi == 65535;
	return port >= lo && port <= hi;
}

bool pctl_policy_allows(const struct pctl_engine_config *cfg,
                        const pctl_addr *int_addr, uint8_t protocol,
                        uint16_t int_port, uint16_t ext_port)
{
	bool all_ports = int_port == 0;

	for (size_t i = 0; i < cfg->n_rules; i++) {
		const struct pctl_policy_rule *r = &cfg->rules[i];
		if (!r->any_protocol &&
		    (protocol == 0 || r->protocol != protocol))
			continue;
		if (!pctl_prefix_match(&r->internal, int_addr))
			continue;
		if (!range_match(r->int_port_min, r->int_port_max, int_port,
		                 all_ports))
			continue;
		if (!range_match(r->ext_port_min, r->ext_port_max, ext_port,
		                 all_ports))
			continue;
		return r->allow;
	}
	return cfg->default_allow;
}

bool pctl_policy_third_party_ok(const struct pctl_engine_config *cfg,
                                const pctl_addr *src)
{
	for (size_t i = 0; i < cfg->n_third_party_acl; i++)
		if (pctl_prefix_match(&cfg->third_party_acl[i], src))
			return true;
	return false;
}

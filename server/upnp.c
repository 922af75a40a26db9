/*
 * The UPnP IGD front end (server/upnp.h): admission, GetExternalIPAddress,
 * and the frame and steps its port mapping (upnp_map.c) and pinhole
 * (upnp_pinhole.c) actions share.  Like natpmp_server.c it is a front end
 * on the engine's own table, allocators, policy, quotas and backend: a
 * UPnP mapping is a record of kind UPNP, so that every other front end
 * sees its ports taken, and it sees theirs.
 */
#include <errno.h>
#include <string.h>

#include "engine_core.h"
#include "engine_state.h"
#include "upnp_impl.h"

const char *pctl_upnp_error_name(int code)
{
	static const struct {
		int code;
		const char *name;
	} n[] = {
	    {PCTL_UPNP_E_INVALID_ACTION, "InvalidAction"},
	    {PCTL_UPNP_E_INVALID_ARGS, "InvalidArgs"},
	    {PCTL_UPNP_E_ACTION_FAILED, "ActionFailed"},
	    {PCTL_UPNP_E_ARG_VALUE_INVALID, "ArgumentValueInvalid"},
	    {PCTL_UPNP_E_ARG_OUT_OF_RANGE, "ArgumentValueOutOfRange"},
	    {PCTL_UPNP_E_NOT_AUTHORIZED, "ActionNotAuthorized"},
	    {PCTL_UPNP_E_PINHOLE_SPACE_EXHAUSTED, "PinholeSpaceExhausted"},
	    {PCTL_UPNP_E_FIREWALL_DISABLED, "FirewallDisabled"},
	    {PCTL_UPNP_E_INBOUND_PINHOLE_NOT_ALLOWED,
	     "InboundPinholeNotAllowed"},
	    {PCTL_UPNP_E_NO_SUCH_ENTRY, "NoSuchEntry"},
	    {PCTL_UPNP_E_PROTOCOL_NOT_SUPPORTED, "ProtocolNotSupported"},
	    {PCTL_UPNP_E_INTERNAL_PORT_WILDCARD,
	     "InternalPortWildcardingNotAllowed"},
	    {PCTL_UPNP_E_PROTOCOL_WILDCARD, "ProtocolWildcardingNotAllowed"},
	    {PCTL_UPNP_E_SRC_ADDR_WILDCARD, "WildCardNotPermittedInSrcIP"},
	    {PCTL_UPNP_E_NO_TRAFFIC_RECEIVED, "NoTrafficReceived"},
	    {PCTL_UPNP_E_ARRAY_INDEX_INVALID, "SpecifiedArrayIndexInvalid"},
	    {PCTL_UPNP_E_NO_SUCH_ENTRY_IN_ARRAY, "NoSuchEntryInArray"},
	    {PCTL_UPNP_E_WILDCARD_SRC_IP, "WildCardNotPermittedInSrcIP"},
	    {PCTL_UPNP_E_WILDCARD_EXT_PORT, "WildCardNotPermittedInExtPort"},
	    {PCTL_UPNP_E_CONFLICT, "ConflictInMappingEntry"},
	    {PCTL_UPNP_E_SAME_PORT_VALUES_REQUIRED, "SamePortValuesRequired"},
	    {PCTL_UPNP_E_ONLY_PERMANENT_LEASES, "OnlyPermanentLeasesSupported"},
	    {PCTL_UPNP_E_REMOTE_HOST_WILDCARD_ONLY,
	     "RemoteHostOnlySupportsWildcard"},
	    {PCTL_UPNP_E_EXT_PORT_WILDCARD_ONLY,
	     "ExternalPortOnlySupportsWildcard"},
	    {PCTL_UPNP_E_NO_PORT_MAPS_AVAILABLE, "NoPortMapsAvailable"},
	    {PCTL_UPNP_E_CONFLICT_WITH_OTHER, "ConflictWithOtherMechanisms"},
	    {PCTL_UPNP_E_PORT_MAPPING_NOT_FOUND, "PortMappingNotFound"},
	    {PCTL_UPNP_E_WILDCARD_INT_PORT, "WildCardNotPermittedInIntPort"},
	    {PCTL_UPNP_E_INCONSISTENT_PARAMETERS, "InconsistentParameters"},
	};
	for (size_t i = 0; i < sizeof(n) / sizeof(n[0]); i++)
		if (n[i].code == code)
			return n[i].name;
	return NULL;
}

bool pctl_upnp_admit(struct pctl_engine *e, const pctl_addr *src,
                     uint64_t now_ms)
{
	if (!e->cfg.upnp_enabled)
		return false;
	/* S-7's limiter, the same buckets as PCP and NAT-PMP datagrams: a
	 * subscriber's requests count once whatever protocol they use. */
	if (pctl_rl_allow(&e->rl, src, now_ms))
		return true;
	e->stats.rate_limited++;
	return false;
}

void pctl_upnp_begin(struct pctl_engine *e, const struct pctl_upnp_req *rq,
                     struct pctl_upnp_call *c)
{
	memset(c, 0, sizeof(*c));
	c->rx.src = rq->src;
	c->rx.now_ms = rq->now_ms;
	c->rx.internal = true;
	pctl_engine_tick(e, rq->now_ms);
	e->stats.upnp_requests++;
	c->prev = pctl_audit_enter(e, PCTL_AUDIT_BY_CLIENT, PCTL_AUDIT_VIA_UPNP,
	                           &c->rx);
}

int pctl_upnp_end(struct pctl_engine *e, struct pctl_upnp_call *c, int rc)
{
	if (rc != PCTL_UPNP_OK)
		pctl_audit_refused_upnp(e, &c->asked, (uint16_t)rc);
	pctl_audit_leave(e, c->prev);
	return rc;
}

void pctl_upnp_asked(struct pctl_upnp_call *c, uint8_t protocol,
                     const pctl_addr *int_addr, uint16_t int_port,
                     uint16_t ext_port, uint32_t lease)
{
	c->asked.has_mapping = true;
	c->asked.protocol = protocol;
	if (int_addr)
		c->asked.int_addr = *int_addr;
	c->asked.int_port = int_port;
	c->asked.ext_port = ext_port;
	c->asked.lifetime = lease;
}

bool pctl_upnp_may_manage(const struct pctl_engine *e,
                          const struct pctl_upnp_req *rq,
                          const pctl_addr *client)
{
	return !e->cfg.upnp_secure_mode || pctl_addr_equal(client, &rq->src);
}

/* Bytes of desc kept: at most max, not cutting a UTF-8 sequence. */
static size_t kept_len(const char *desc, size_t max)
{
	size_t n = strnlen(desc, PCTL_UPNP_DESC_MAX + 1);

	if (n <= max)
		return n;
	n = max;
	while (n && ((unsigned char)desc[n] & 0xc0) == 0x80)
		n--; /* desc[n] continues a character: cut before it */
	return n;
}

int pctl_upnp_extra(const struct pctl_engine *e, const pctl_addr *remote,
                    uint16_t remote_port, const char *desc,
                    struct pctl_map_extra **out)
{
	struct pctl_filter f = {.prefix_len = 128, .port = remote_port};
	bool filtered = remote && !pctl_addr_is_any(remote);
	size_t max = e->cfg.description_max < PCTL_UPNP_DESC_MAX
	                 ? e->cfg.description_max
	                 : PCTL_UPNP_DESC_MAX;
	size_t n = desc ? kept_len(desc, max) : 0;

	if (filtered)
		f.addr = *remote;
	return pctl_extra_make(NULL, 0, &f, filtered ? 1 : 0,
	                       (const uint8_t *)desc, n, NULL, 0, out);
}

bool pctl_upnp_remote_is(const struct pctl_mapping *m, const pctl_addr *remote,
                         uint16_t remote_port)
{
	size_t n = m->extra ? m->extra->n_filters : 0;

	if (!remote || pctl_addr_is_any(remote))
		return n == 0;
	return n == 1 && m->extra->filters[0].port == remote_port &&
	       pctl_addr_equal(&m->extra->filters[0].addr, remote);
}

int pctl_upnp_end_mapping(struct pctl_engine *e, struct pctl_mapping *m,
                          uint64_t now_ms)
{
	uint32_t keep = 0;

	if (pctl_engine_keep_for_traffic(e, m, &keep, now_ms))
		return PCTL_UPNP_E_ACTION_FAILED;
	if (keep)
		return pctl_engine_refresh(e, m, keep, now_ms)
		           ? PCTL_UPNP_E_ACTION_FAILED
		           : PCTL_UPNP_OK;
	return pctl_engine_remove(e, m, now_ms) ? PCTL_UPNP_E_ACTION_FAILED
	                                        : PCTL_UPNP_OK;
}

int pctl_upnp_renew(struct pctl_engine *e, struct pctl_mapping *m,
                    uint32_t lifetime, struct pctl_map_extra *nx,
                    uint64_t now_ms)
{
	/* S-52: not below what its traffic keeps it (Simple Threat Model). */
	if (pctl_engine_keep_for_traffic(e, m, &lifetime, now_ms)) {
		pctl_map_extra_free(nx);
		return PCTL_UPNP_E_ACTION_FAILED;
	}
	struct pctl_map_extra *ox = m->extra;
	m->extra = nx;
	if (pctl_engine_refresh(e, m, lifetime, now_ms)) {
		m->extra = ox; /* nothing changed */
		pctl_map_extra_free(nx);
		return PCTL_UPNP_E_ACTION_FAILED;
	}
	pctl_audit_renewed(e, m, lifetime, pctl_audit_extra_changes(ox, nx));
	pctl_map_extra_free(ox);
	return PCTL_UPNP_OK;
}

void pctl_upnp_fill(const struct pctl_mapping *r, uint64_t now_ms,
                    struct pctl_upnp_map *m)
{
	memset(m, 0, sizeof(*m));
	m->protocol = r->protocol;
	if (r->extra && r->extra->n_filters)
		m->remote = r->extra->filters[0].addr;
	m->ext_port = r->ext_port;
	m->int_addr = r->int_addr;
	m->int_port = r->int_port;
	m->enabled = true;
	if (r->extra && r->extra->desc_len)
		memcpy(m->desc, r->extra->desc, r->extra->desc_len);
	m->ext_addr = r->ext_addr;
	m->lease_left = pctl_mapping_left(r, now_ms);
	m->lease = m->lease_left;
}

int pctl_upnp_external_ip(struct pctl_engine *e, const struct pctl_upnp_req *rq,
                          pctl_addr *out)
{
	struct pctl_upnp_call c;

	pctl_upnp_begin(e, rq, &c);
	int rc = PCTL_UPNP_OK;
	int xi = pctl_engine_pick_ext(e, &rq->src);
	if (pctl_engine_refuses_self(e, &rq->src))
		rc = PCTL_UPNP_E_NOT_AUTHORIZED; /* issue 15 item 5 */
	else if (!e->cfg.nat44 || xi < 0)
		rc = PCTL_UPNP_E_ACTION_FAILED; /* no NAT44 address (yet) */
	else
		*out = e->cfg.ext_addrs[xi];
	return pctl_upnp_end(e, &c, rc);
}

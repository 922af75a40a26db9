/*
 * UPnP IGD IPv6 pinholes (WANIPv6FirewallControl:1, server/upnp.h):
 * records of kind UPNP for an IPv6 internal endpoint whose external
 * endpoint is the internal one (no NAT66), like a PCP MAP pinhole, with a
 * FILTER (S-80) for the remote host and port when one is given.
 *
 * UniqueIDs (upnp_index.c): unique among live pinholes and stable while a
 * pinhole lives; kept in the journal with the pinhole, so a restart keeps
 * them too unless two restored pinholes claim one (then the second is
 * renumbered: its client must look it up again, as after any loss).
 */
#include <errno.h>
#include <string.h>

#include "engine_core.h"
#include "engine_state.h"
#include "policy.h"
#include "upnp_impl.h"
#include "upnp_index.h"

/* WANIPv6FirewallControl:1's LeaseTime range (seconds). */
#define PINHOLE_MIN_LEASE 1u
#define PINHOLE_MAX_LEASE 86400u

static bool lease_ok(uint32_t lease)
{
	return lease >= PINHOLE_MIN_LEASE && lease <= PINHOLE_MAX_LEASE;
}

static bool v6_host(const pctl_addr *a)
{
	return !pctl_addr_is_v4(a) && !pctl_addr_is_any(a);
}

/* What the request may not ask: its UPnP error, or OK. */
static int check_add(struct pctl_engine *e, const struct pctl_upnp_req *rq,
                     const struct pctl_upnp_pinhole *ph)
{
	if (!lease_ok(ph->lease))
		return PCTL_UPNP_E_INVALID_ARGS;
	if (!ph->protocol)
		return PCTL_UPNP_E_PROTOCOL_WILDCARD;
	if (pctl_proto_index(ph->protocol) < 0)
		return PCTL_UPNP_E_PROTOCOL_NOT_SUPPORTED;
	if (!v6_host(&ph->int_addr) ||
	    (!pctl_addr_is_any(&ph->remote) && pctl_addr_is_v4(&ph->remote)))
		return PCTL_UPNP_E_INVALID_ARGS;
	if (!ph->int_port)
		return PCTL_UPNP_E_INTERNAL_PORT_WILDCARD;
	/* A remote host is a FILTER (S-80): only when the data plane keeps
	 * filters; and a filter matches an address prefix, so a remote port
	 * without a remote host cannot be kept as asked. */
	bool any_host = pctl_addr_is_any(&ph->remote);
	if ((!any_host && !e->cfg.filter_enabled) ||
	    (any_host && ph->remote_port))
		return PCTL_UPNP_E_INBOUND_PINHOLE_NOT_ALLOWED;
	if (pctl_engine_refuses_self(e, &rq->src) ||
	    pctl_engine_refuses_self(e, &ph->int_addr) ||
	    !pctl_upnp_may_manage(e, rq, &ph->int_addr) ||
	    !pctl_policy_allows(&e->cfg, &ph->int_addr, ph->protocol,
	                        ph->int_port, ph->int_port))
		return PCTL_UPNP_E_NOT_AUTHORIZED;
	return PCTL_UPNP_OK;
}

static int create(struct pctl_engine *e, const struct pctl_upnp_req *rq,
                  struct pctl_upnp_pinhole *ph, uint32_t lifetime)
{
	if (!pctl_engine_quota_room(e, &ph->int_addr) ||
	    (e->cfg.max_mappings && e->table.count >= e->cfg.max_mappings))
		return PCTL_UPNP_E_PINHOLE_SPACE_EXHAUSTED; /* S-41 */
	struct pctl_mapping *r = pctl_table_alloc(&e->table);
	if (!r)
		return PCTL_UPNP_E_PINHOLE_SPACE_EXHAUSTED;
	if (pctl_upnp_extra(e, &ph->remote, ph->remote_port, NULL, &r->extra)) {
		pctl_table_release(&e->table, r);
		return PCTL_UPNP_E_ACTION_FAILED;
	}
	r->kind = PCTL_MK_UPNP;
	r->int_addr = r->ext_addr = ph->int_addr;
	r->protocol = ph->protocol;
	r->int_port = r->ext_port = ph->int_port;
	r->port_count = 1;
	r->ext_idx = PCTL_NO_EXT;
	r->srv_idx = PCTL_NO_SRV;
	int rc = pctl_engine_install(e, r, lifetime, rq->now_ms);
	if (rc == -ENOSPC)
		return PCTL_UPNP_E_PINHOLE_SPACE_EXHAUSTED; /* no UniqueID */
	if (rc)
		return PCTL_UPNP_E_ACTION_FAILED;
	ph->uid = r->client_port;
	ph->lease_left = pctl_mapping_left(r, rq->now_ms);
	return PCTL_UPNP_OK;
}

static int add(struct pctl_engine *e, const struct pctl_upnp_req *rq,
               struct pctl_upnp_pinhole *ph)
{
	int rc = check_add(e, rq, ph);
	if (rc)
		return rc;
	uint32_t lifetime =
	    pctl_engine_clamp_lifetime(e, ph->protocol, ph->lease);
	struct pctl_mapping *own = pctl_table_find_int(
	    &e->table, &ph->int_addr, ph->protocol, ph->int_port, NULL, 0);
	if (!own)
		return create(e, rq, ph, lifetime);
	if (own->kind != PCTL_MK_UPNP) /* PCP's, static: not UPnP's */
		return PCTL_UPNP_E_NOT_AUTHORIZED;
	/* The same client's pinhole again: renewed, with the remote host
	 * asked now, under its UniqueID. */
	struct pctl_map_extra *nx;
	if (pctl_upnp_extra(e, &ph->remote, ph->remote_port, NULL, &nx))
		return PCTL_UPNP_E_ACTION_FAILED;
	rc = pctl_upnp_renew(e, own, lifetime, nx, rq->now_ms);
	if (rc)
		return rc;
	ph->uid = own->client_port;
	ph->lease_left = pctl_mapping_left(own, rq->now_ms);
	return PCTL_UPNP_OK;
}

int pctl_upnp_pinhole_add(struct pctl_engine *e, const struct pctl_upnp_req *rq,
                          struct pctl_upnp_pinhole *ph)
{
	struct pctl_upnp_call c;

	pctl_upnp_begin(e, rq, &c);
	pctl_upnp_asked(&c, ph->protocol, &ph->int_addr, ph->int_port,
	                ph->int_port, ph->lease);
	return pctl_upnp_end(e, &c, add(e, rq, ph));
}

/* The pinhole of uid that rq's control point may act on: OK, 704 or 606. */
static int own_pinhole(struct pctl_engine *e, const struct pctl_upnp_req *rq,
                       uint16_t uid, struct pctl_mapping **out)
{
	*out = pctl_upnp_pinhole_of(e, uid);
	if (!*out)
		return PCTL_UPNP_E_NO_SUCH_ENTRY;
	return pctl_upnp_may_manage(e, rq, &(*out)->int_addr)
	           ? PCTL_UPNP_OK
	           : PCTL_UPNP_E_NOT_AUTHORIZED;
}

/* Starts an action on one pinhole: its REFUSED event names it. */
static int begin_on(struct pctl_engine *e, const struct pctl_upnp_req *rq,
                    struct pctl_upnp_call *c, uint16_t uid, uint32_t lease,
                    struct pctl_mapping **m)
{
	pctl_upnp_begin(e, rq, c);
	int rc = own_pinhole(e, rq, uid, m);
	if (*m)
		pctl_upnp_asked(c, (*m)->protocol, &(*m)->int_addr,
		                (*m)->int_port, (*m)->ext_port, lease);
	return rc;
}

int pctl_upnp_pinhole_update(struct pctl_engine *e,
                             const struct pctl_upnp_req *rq, uint16_t uid,
                             uint32_t lease)
{
	struct pctl_upnp_call c;
	struct pctl_mapping *m;
	int rc = begin_on(e, rq, &c, uid, lease, &m);

	if (!rc && !lease_ok(lease))
		rc = PCTL_UPNP_E_INVALID_ARGS;
	if (!rc) {
		uint32_t lifetime =
		    pctl_engine_clamp_lifetime(e, m->protocol, lease);
		/* S-52: not below what its traffic keeps it. */
		if (pctl_engine_keep_for_traffic(e, m, &lifetime, rq->now_ms) ||
		    pctl_engine_refresh(e, m, lifetime, rq->now_ms))
			rc = PCTL_UPNP_E_ACTION_FAILED;
	}
	return pctl_upnp_end(e, &c, rc);
}

int pctl_upnp_pinhole_delete(struct pctl_engine *e,
                             const struct pctl_upnp_req *rq, uint16_t uid)
{
	struct pctl_upnp_call c;
	struct pctl_mapping *m;
	int rc = begin_on(e, rq, &c, uid, 0, &m);

	if (!rc)
		rc = pctl_upnp_end_mapping(e, m, rq->now_ms);
	return pctl_upnp_end(e, &c, rc);
}

int pctl_upnp_pinhole_get(struct pctl_engine *e, const struct pctl_upnp_req *rq,
                          uint16_t uid, struct pctl_upnp_pinhole *ph)
{
	struct pctl_upnp_call c;
	struct pctl_mapping *m;
	int rc = begin_on(e, rq, &c, uid, 0, &m);

	if (!rc) {
		memset(ph, 0, sizeof(*ph));
		if (m->extra && m->extra->n_filters) {
			ph->remote = m->extra->filters[0].addr;
			ph->remote_port = m->extra->filters[0].port;
		}
		ph->int_addr = m->int_addr;
		ph->int_port = m->int_port;
		ph->protocol = m->protocol;
		ph->uid = uid;
		ph->lease_left = pctl_mapping_left(m, rq->now_ms);
		ph->lease = ph->lease_left;
	}
	return pctl_upnp_end(e, &c, rc);
}

/* CheckPinholeWorking: the data plane's traffic information (the Simple
 * Threat Model's idle_left, S-52): traffic seen keeps a flow alive for a
 * while, so none left means none seen lately. */
int pctl_upnp_pinhole_check(struct pctl_engine *e,
                            const struct pctl_upnp_req *rq, uint16_t uid)
{
	struct pctl_upnp_call c;
	struct pctl_mapping *m;
	int rc = begin_on(e, rq, &c, uid, 0, &m);

	if (!rc && !e->backend.ops->idle_left)
		rc = PCTL_UPNP_E_ACTION_FAILED; /* cannot tell */
	if (!rc) {
		struct pctl_dp_mapping dp;
		uint32_t busy = 0;
		pctl_engine_dp_of(e, m, pctl_mapping_left(m, rq->now_ms), &dp);
		if (e->backend.ops->idle_left(e->backend.ctx, &dp, &busy))
			rc = PCTL_UPNP_E_ACTION_FAILED;
		else if (!busy)
			rc = PCTL_UPNP_E_NO_TRAFFIC_RECEIVED;
	}
	return pctl_upnp_end(e, &c, rc);
}

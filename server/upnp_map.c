/*
 * UPnP IGD port mappings (WANIPConnection:1/:2, server/upnp.h): IPv4 NAT44
 * mappings of kind UPNP, which UPnP names by (external port, protocol).
 *
 * One table for every front end: an external port held by anyone else - a
 * PCP, NAT-PMP or static mapping, another host's UPnP mapping, a reserved
 * port, a port cooling after another client's mapping (S-53), a NAT-PMP
 * companion reservation (N-8) - is a conflict (718), and UPnP never
 * touches another protocol's mapping.  The table keys MAP-like records by
 * internal endpoint, so an internal endpoint has one UPnP mapping: asking
 * for a second external port for it is a conflict too (AddAnyPortMapping
 * renews the one it has and says which port that is).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine_core.h"
#include "engine_state.h"
#include "policy.h"
#include "upnp_impl.h"
#include "upnp_index.h"

/* WANIPConnection:2: the longest lease, and what lease 0 means there. */
#define UPNP_V2_MAX_LEASE 604800u

static const uint8_t no_nonce[PCTL_NONCE_LEN];

static bool tcp_or_udp(uint8_t protocol)
{
	return protocol == 6 || protocol == 17;
}

/* The lifetime granted for NewLeaseDuration (server/upnp.h: :2's 0 is
 * 604800, :1's 0 is permanent; then the engine's bounds, S-50, S-100). */
static uint32_t granted(const struct pctl_engine *e,
                        const struct pctl_upnp_req *rq, uint8_t protocol,
                        uint32_t lease)
{
	if (rq->version >= 2 && (lease == 0 || lease > UPNP_V2_MAX_LEASE))
		lease = UPNP_V2_MAX_LEASE;
	else if (lease == 0)
		lease = UINT32_MAX;
	return pctl_engine_clamp_lifetime(e, protocol, lease);
}

/* The mapping that holds external (addr, protocol, port) as its own: a
 * PEER sharing a MAP-like mapping's endpoint (S-43) stands for it. */
static struct pctl_mapping *holder(struct pctl_engine *e, const pctl_addr *addr,
                                   uint8_t protocol, uint16_t port)
{
	struct pctl_mapping *m =
	    pctl_table_find_ext(&e->table, addr, protocol, port);

	if (m && m->kind == PCTL_MK_PEER) {
		struct pctl_mapping *o = pctl_table_find_int(
		    &e->table, &m->int_addr, protocol, m->int_port, NULL, 0);
		if (o && o->ext_port == port &&
		    pctl_addr_equal(&o->ext_addr, addr))
			return o;
	}
	return m;
}

/* UPnP names no external address: the mapping at (protocol, port) on the
 * control point's own external address, else on any other IPv4 one. */
static struct pctl_mapping *at_port(struct pctl_engine *e, const pctl_addr *src,
                                    uint8_t protocol, uint16_t port)
{
	int own = pctl_engine_pick_ext(e, src);
	struct pctl_mapping *m = NULL;

	if (own >= 0)
		m = holder(e, &e->cfg.ext_addrs[own], protocol, port);
	for (size_t i = 0; !m && i < e->cfg.n_ext_addrs; i++)
		if ((int)i != own && pctl_addr_is_v4(&e->cfg.ext_addrs[i]))
			m = holder(e, &e->cfg.ext_addrs[i], protocol, port);
	return m;
}

/* ---- add ------------------------------------------------------------------
 */

static bool usable(struct pctl_engine *e, unsigned xi, uint8_t protocol,
                   uint16_t port, const struct pctl_upnp_map *m)
{
	return pctl_engine_port_usable(e, xi, protocol, port, &m->int_addr,
	                               m->int_port, no_nonce);
}

/* AddAnyPortMapping's port: the one asked when usable, the one cooling
 * after this endpoint's last mapping (S-53), the internal port, then one
 * the allocator draws (RFC 6056) that policy allows; -1 when none. */
static int pick_any(struct pctl_engine *e, unsigned xi,
                    const struct pctl_upnp_map *m)
{
	uint8_t proto = m->protocol;

	if (m->ext_port && usable(e, xi, proto, m->ext_port, m))
		return m->ext_port;
	int rp = pctl_engine_reclaim_port(e, xi, proto, &m->int_addr,
	                                  m->int_port, no_nonce);
	if (rp >= 0 && pctl_policy_allows(&e->cfg, &m->int_addr, proto,
	                                  m->int_port, (uint16_t)rp))
		return rp;
	if (usable(e, xi, proto, m->int_port, m))
		return m->int_port;
	struct pctl_portmap *pm = pctl_engine_portmap(e, xi, proto);
	for (int tries = 0; pm && tries < 8; tries++) {
		int p = pctl_engine_find_port(e, pm);
		if (p < 0)
			return -1;
		if (pctl_policy_allows(&e->cfg, &m->int_addr, proto,
		                       m->int_port, (uint16_t)p))
			return p;
	}
	return -1;
}

/* AddPortMapping's port: exactly the one asked.  A port policy forbids is
 * not authorized (606); a port held (reserved, outside the range, taken,
 * cooling for another) is a conflict (718). */
static int pick_exact(struct pctl_engine *e, unsigned xi,
                      const struct pctl_upnp_map *m)
{
	if (!pctl_policy_allows(&e->cfg, &m->int_addr, m->protocol, m->int_port,
	                        m->ext_port))
		return -PCTL_UPNP_E_NOT_AUTHORIZED;
	if (!usable(e, xi, m->protocol, m->ext_port, m))
		return -PCTL_UPNP_E_CONFLICT;
	return m->ext_port;
}

static int renew(struct pctl_engine *e, const struct pctl_upnp_req *rq,
                 struct pctl_mapping *r, uint32_t lifetime,
                 struct pctl_upnp_map *m)
{
	struct pctl_map_extra *nx;

	if (pctl_upnp_extra(e, &m->remote, 0, m->desc, &nx))
		return PCTL_UPNP_E_ACTION_FAILED;
	int rc = pctl_upnp_renew(e, r, lifetime, nx, rq->now_ms);
	if (rc)
		return rc;
	m->ext_port = r->ext_port;
	m->ext_addr = r->ext_addr;
	m->lease_left = pctl_mapping_left(r, rq->now_ms);
	return PCTL_UPNP_OK;
}

static int create(struct pctl_engine *e, const struct pctl_upnp_req *rq,
                  unsigned xi, uint32_t lifetime, struct pctl_upnp_map *m,
                  bool any_port)
{
	/* S-41: over the quota unless it takes back a cooling port of its
	 * own (which counts already); max_mappings for the whole table. */
	uint32_t room = pctl_engine_quota_room(e, &m->int_addr);
	if (e->cfg.max_mappings && e->table.count >= e->cfg.max_mappings)
		return PCTL_UPNP_E_NO_PORT_MAPS_AVAILABLE;
	int p = any_port ? pick_any(e, xi, m) : pick_exact(e, xi, m);
	if (p < 0)
		return p == -1 ? PCTL_UPNP_E_NO_PORT_MAPS_AVAILABLE : -p;
	if (!room &&
	    !pctl_engine_is_reclaim(e, xi, m->protocol, (uint16_t)p,
	                            &m->int_addr, m->int_port, no_nonce))
		return PCTL_UPNP_E_NO_PORT_MAPS_AVAILABLE;

	struct pctl_mapping *r = pctl_table_alloc(&e->table);
	if (!r)
		return PCTL_UPNP_E_NO_PORT_MAPS_AVAILABLE;
	if (pctl_upnp_extra(e, &m->remote, 0, m->desc, &r->extra)) {
		pctl_table_release(&e->table, r);
		return PCTL_UPNP_E_ACTION_FAILED;
	}
	r->kind = PCTL_MK_UPNP;
	r->int_addr = m->int_addr;
	r->ext_addr = e->cfg.ext_addrs[xi];
	r->protocol = m->protocol;
	r->int_port = m->int_port;
	r->ext_port = (uint16_t)p;
	r->port_count = 1;
	r->ext_idx = (uint8_t)xi;
	r->flags |= PCTL_MF_OWNS_PORTS;
	r->srv_idx = PCTL_NO_SRV; /* UPnP sends no Mapping Update (S-95) */
	int rc = pctl_engine_install(e, r, lifetime, rq->now_ms);
	if (rc == -ENOSPC)
		return any_port ? PCTL_UPNP_E_NO_PORT_MAPS_AVAILABLE
		                : PCTL_UPNP_E_CONFLICT;
	if (rc)
		return PCTL_UPNP_E_ACTION_FAILED;
	m->ext_port = (uint16_t)p;
	m->ext_addr = r->ext_addr;
	m->lease_left = pctl_mapping_left(r, rq->now_ms);
	return PCTL_UPNP_OK;
}

/* The internal client: an IPv4 host, not 0.0.0.0. */
static bool v4_host(const pctl_addr *a)
{
	static const uint8_t zero[4];
	return pctl_addr_is_v4(a) && memcmp(a->b + 12, zero, 4) != 0;
}

static int add(struct pctl_engine *e, const struct pctl_upnp_req *rq,
               struct pctl_upnp_map *m, bool any_port)
{
	if (any_port && rq->version < 2)
		return PCTL_UPNP_E_INVALID_ACTION; /* :2 only */
	if (!tcp_or_udp(m->protocol) || !v4_host(&m->int_addr) ||
	    (!pctl_addr_is_any(&m->remote) && !pctl_addr_is_v4(&m->remote)))
		return PCTL_UPNP_E_INVALID_ARGS;
	if (!m->int_port)
		return rq->version >= 2 ? PCTL_UPNP_E_WILDCARD_INT_PORT
		                        : PCTL_UPNP_E_INVALID_ARGS;
	if (!m->ext_port && !any_port)
		return PCTL_UPNP_E_WILDCARD_EXT_PORT;
	/* A disabled entry (NewEnabled 0) would be a mapping the data plane
	 * does not forward; the table has no such thing, and forwarding what
	 * the client asked to be off would open a port it did not want. */
	if (!m->enabled)
		return PCTL_UPNP_E_ACTION_FAILED;
	/* Issue 15 item 5, and upnp_secure_mode (issue 11). */
	if (pctl_engine_refuses_self(e, &rq->src) ||
	    pctl_engine_refuses_self(e, &m->int_addr) ||
	    !pctl_upnp_may_manage(e, rq, &m->int_addr))
		return PCTL_UPNP_E_NOT_AUTHORIZED;
	/* A remote host is a FILTER (S-80), kept only when the data plane
	 * can enforce one. */
	if (!pctl_addr_is_any(&m->remote) && !e->cfg.filter_enabled)
		return PCTL_UPNP_E_REMOTE_HOST_WILDCARD_ONLY;
	int xi = pctl_engine_pick_ext(e, &m->int_addr);
	if (!e->cfg.nat44 || xi < 0)
		return PCTL_UPNP_E_ACTION_FAILED; /* no NAT44 address */
	uint32_t lifetime = granted(e, rq, m->protocol, m->lease);

	struct pctl_mapping *own = pctl_table_find_int(
	    &e->table, &m->int_addr, m->protocol, m->int_port, NULL, 0);
	if (own && own->kind == PCTL_MK_UPNP &&
	    (any_port || own->ext_port == m->ext_port))
		return renew(e, rq, own, lifetime, m);
	if (own) /* another protocol's, or this endpoint's on another port */
		return PCTL_UPNP_E_CONFLICT;
	struct pctl_mapping *o = m->ext_port ? holder(e, &e->cfg.ext_addrs[xi],
	                                              m->protocol, m->ext_port)
	                                     : NULL;
	if (o && !any_port) /* AddAnyPortMapping: pick_any passes it by */
		return PCTL_UPNP_E_CONFLICT;
	return create(e, rq, (unsigned)xi, lifetime, m, any_port);
}

int pctl_upnp_add(struct pctl_engine *e, const struct pctl_upnp_req *rq,
                  struct pctl_upnp_map *m, bool any_port)
{
	struct pctl_upnp_call c;

	pctl_upnp_begin(e, rq, &c);
	pctl_upnp_asked(&c, m->protocol, &m->int_addr, m->int_port, m->ext_port,
	                m->lease);
	return pctl_upnp_end(e, &c, add(e, rq, m, any_port));
}

/* ---- delete ----------------------------------------------------------------
 */

static int del(struct pctl_engine *e, const struct pctl_upnp_req *rq,
               const pctl_addr *remote, uint16_t ext_port, uint8_t protocol)
{
	if (!tcp_or_udp(protocol) || !ext_port)
		return PCTL_UPNP_E_INVALID_ARGS;
	struct pctl_mapping *m = at_port(e, &rq->src, protocol, ext_port);
	if (!m)
		return PCTL_UPNP_E_NO_SUCH_ENTRY_IN_ARRAY;
	if (m->kind != PCTL_MK_UPNP) /* PCP's, NAT-PMP's, static: not ours */
		return PCTL_UPNP_E_NOT_AUTHORIZED;
	if (!pctl_upnp_remote_is(m, remote, 0))
		return PCTL_UPNP_E_NO_SUCH_ENTRY_IN_ARRAY;
	if (!pctl_upnp_may_manage(e, rq, &m->int_addr))
		return PCTL_UPNP_E_NOT_AUTHORIZED;
	return pctl_upnp_end_mapping(e, m, rq->now_ms);
}

int pctl_upnp_delete(struct pctl_engine *e, const struct pctl_upnp_req *rq,
                     const pctl_addr *remote, uint16_t ext_port,
                     uint8_t protocol)
{
	struct pctl_upnp_call c;

	pctl_upnp_begin(e, rq, &c);
	pctl_upnp_asked(&c, protocol, NULL, 0, ext_port, 0);
	return pctl_upnp_end(e, &c, del(e, rq, remote, ext_port, protocol));
}

/* ---- get -------------------------------------------------------------------
 */

static int get(struct pctl_engine *e, const struct pctl_upnp_req *rq,
               struct pctl_upnp_map *m)
{
	if (!tcp_or_udp(m->protocol) || !m->ext_port)
		return PCTL_UPNP_E_INVALID_ARGS;
	struct pctl_mapping *r = at_port(e, &rq->src, m->protocol, m->ext_port);
	if (!r || r->kind != PCTL_MK_UPNP ||
	    !pctl_upnp_remote_is(r, &m->remote, 0))
		return PCTL_UPNP_E_NO_SUCH_ENTRY_IN_ARRAY;
	pctl_upnp_fill(r, rq->now_ms, m);
	return PCTL_UPNP_OK;
}

int pctl_upnp_get(struct pctl_engine *e, const struct pctl_upnp_req *rq,
                  struct pctl_upnp_map *m)
{
	struct pctl_upnp_call c;

	pctl_upnp_begin(e, rq, &c);
	pctl_upnp_asked(&c, m->protocol, NULL, 0, m->ext_port, 0);
	return pctl_upnp_end(e, &c, get(e, rq, m));
}

int pctl_upnp_get_index(struct pctl_engine *e, const struct pctl_upnp_req *rq,
                        uint32_t index, struct pctl_upnp_map *m)
{
	struct pctl_upnp_call c;

	pctl_upnp_begin(e, rq, &c);
	/* O(1) for index i after i - 1 (upnp_index.c, pctl_upnp_at). */
	const struct pctl_mapping *r = pctl_upnp_at(e, index);
	if (r)
		pctl_upnp_fill(r, rq->now_ms, m);
	return pctl_upnp_end(
	    e, &c, r ? PCTL_UPNP_OK : PCTL_UPNP_E_ARRAY_INDEX_INVALID);
}

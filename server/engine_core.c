/*
 * Engine core: installing and removing mappings with their ports, expiry
 * and backend operations, so that every opcode (and restore) shares one
 * path that either changes everything or nothing (S-15).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine_core.h"
#include "engine_reuse.h"
#include "engine_state.h"
#include "policy.h"
#include "siphash.h"
#include "upnp_index.h"

int pctl_proto_index(uint8_t protocol)
{
	switch (protocol) {
	case 6:
		return PCTL_P_TCP;
	case 17:
		return PCTL_P_UDP;
	case 132:
		return PCTL_P_SCTP;
	case 33:
		return PCTL_P_DCCP;
	default:
		return -1;
	}
}

uint32_t pctl_mapping_left(const struct pctl_mapping *m, uint64_t now_ms)
{
	if (m->kind == PCTL_MK_STATIC)
		return PCTL_LIFETIME_STATIC;
	uint64_t end = (uint64_t)m->expire_s * 1000;
	if (end <= now_ms)
		return 0;
	/* Rounded down, so that a client is never told more than it was
	 * granted (the expiry itself is rounded up); but a live mapping is
	 * never reported with 0 left, which would read as deleted. */
	uint64_t left = (end - now_ms) / 1000;
	return left ? (uint32_t)left : 1;
}

/* S-100 (2): under the Simple Threat Model an explicit mapping lives no
 * longer than an implicit one of its protocol would. */
static uint32_t implicit_lifetime(const struct pctl_engine_config *cfg,
                                  uint8_t protocol)
{
	switch (protocol) {
	case 6:
		return cfg->implicit_lifetime_tcp;
	case 17:
		return cfg->implicit_lifetime_udp;
	case 132:
		return cfg->implicit_lifetime_sctp;
	case 33:
		return cfg->implicit_lifetime_dccp;
	default: { /* 0 = all protocols: the shortest */
		uint32_t m = cfg->implicit_lifetime_tcp;
		const uint32_t o[] = {cfg->implicit_lifetime_udp,
		                      cfg->implicit_lifetime_sctp,
		                      cfg->implicit_lifetime_dccp};
		for (size_t i = 0; i < sizeof(o) / sizeof(o[0]); i++)
			if (o[i] < m)
				m = o[i];
		return m;
	}
	}
}

uint32_t pctl_engine_max_lifetime(const struct pctl_engine *e, uint8_t protocol)
{
	uint32_t max = e->cfg.max_lifetime;
	if (e->cfg.simple_threat_model) {
		uint32_t imp = implicit_lifetime(&e->cfg, protocol);
		if (imp < max)
			max = imp;
	}
	return max;
}

uint32_t pctl_engine_clamp_lifetime(const struct pctl_engine *e,
                                    uint8_t protocol, uint32_t requested)
{
	uint32_t max = pctl_engine_max_lifetime(e, protocol);
	if (requested < e->cfg.min_lifetime)
		return e->cfg.min_lifetime;
	if (requested > max)
		return max;
	return requested;
}

int pctl_engine_keep_for_traffic(struct pctl_engine *e,
                                 const struct pctl_mapping *m,
                                 uint32_t *lifetime, uint64_t now_ms)
{
	uint32_t left = pctl_mapping_left(m, now_ms);
	if (!e->cfg.simple_threat_model || *lifetime >= left ||
	    !e->backend.ops->idle_left)
		return 0;
	struct pctl_dp_mapping dp;
	pctl_engine_dp_of(e, m, left, &dp);
	uint32_t busy = 0;
	int rc = e->backend.ops->idle_left(e->backend.ctx, &dp, &busy);
	if (rc)
		return rc;
	/* Left alone the mapping would end at its own expiry whatever its
	 * flows do (traffic does not extend it, S-51): the request may not
	 * bring that forward, and need not push it back. */
	if (busy > left)
		busy = left;
	if (busy > *lifetime)
		*lifetime = busy;
	return 0;
}

int pctl_engine_wheel_ready(struct pctl_engine *e)
{
	if (e->wheel)
		return 0;
	e->wheel = malloc(sizeof(*e->wheel));
	if (!e->wheel)
		return -ENOMEM;
	pctl_tw_init(e->wheel, e->wheel_from_s);
	return 0;
}

void pctl_engine_set_expiry(struct pctl_engine *e, struct pctl_mapping *m,
                            uint32_t lifetime, uint64_t now_ms)
{
	if (m->kind == PCTL_MK_STATIC)
		return;
	bool queued = m->expire_s != 0;
	if (queued)
		pctl_tw_del(e->wheel, &e->table, m);
	/* Rounded up: the mapping lasts at least the granted lifetime. */
	uint64_t end_ms = now_ms + (uint64_t)lifetime * 1000;
	uint64_t s = (end_ms + 999) / 1000;
	m->expire_s = s > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)s;
	if (m->expire_s == 0)
		m->expire_s = 1; /* 0 means "not on the wheel" */
	pctl_tw_add(e->wheel, &e->table, m);
}

void pctl_engine_dp_of(const struct pctl_engine *e,
                       const struct pctl_mapping *m, uint32_t lifetime,
                       struct pctl_dp_mapping *dp)
{
	memset(dp, 0, sizeof(*dp));
	dp->id = pctl_mapping_id(m);
	dp->protocol = m->protocol;
	dp->int_addr = m->int_addr;
	dp->int_port = m->int_port;
	dp->ext_addr = m->ext_addr;
	dp->ext_port = m->ext_port;
	dp->port_count = m->port_count ? m->port_count : 1;
	dp->lifetime = lifetime;
	dp->outbound = m->kind == PCTL_MK_PEER;
	dp->remote_addr = m->remote_addr;
	dp->remote_port = m->remote_port;
	/* What the state journal needs to re-create the mapping after a
	 * restart: without the nonce its owner could not renew it (S-33). */
	dp->kind = m->kind;
	memcpy(dp->nonce, m->nonce, PCTL_NONCE_LEN);
	dp->parity = (m->flags & PCTL_MF_PARITY) != 0;
	dp->third_party = (m->flags & PCTL_MF_THIRD_PARTY) != 0;
	dp->prefer_failure = (m->flags & PCTL_MF_PREFER_FAILURE) != 0;
	dp->nonce_unknown = m->nonce_unknown;
	dp->client_addr = *pctl_mapping_client(m);
	dp->client_port = m->client_port;
	if (m->srv_idx < e->n_srv)
		dp->server_addr = e->srv_addrs[m->srv_idx];
	if (m->extra) {
		dp->n_filters = m->extra->n_filters;
		dp->filters = m->extra->filters;
		dp->desc = m->extra->desc;
		dp->desc_len = m->extra->desc_len;
		dp->tpid = m->extra->tpid;
		dp->tpid_len = m->extra->tpid_len;
	}
}

int pctl_engine_commit(struct pctl_engine *e)
{
	int rc = e->backend.ops->commit(e->backend.ctx);

	if (rc) {
		e->backend.ops->abort(e->backend.ctx);
		e->stats.backend_errors++;
	}
	return rc;
}

bool pctl_engine_port_reserved(const struct pctl_engine_config *cfg,
                               uint8_t protocol, uint16_t port)
{
	/* S-38, K-29: the PCP/NAT-PMP ports themselves. */
	if (protocol == 17 &&
	    (port == PCTL_SERVER_PORT || port == PCTL_CLIENT_PORT))
		return true;
	for (size_t i = 0; i < cfg->n_reserved; i++)
		if (cfg->reserved[i].port == port &&
		    (cfg->reserved[i].protocol == 0 ||
		     cfg->reserved[i].protocol == protocol))
			return true;
	return false;
}

struct pctl_portmap *pctl_engine_portmap(struct pctl_engine *e, unsigned xi,
                                         uint8_t protocol)
{
	int pi = pctl_proto_index(protocol);

	if (pi < 0 || xi >= PCTL_ENG_MAX_EXT_ADDRS)
		return NULL;
	struct pctl_portmap **slot = &e->ports[xi][pi];
	if (!*slot) {
		struct pctl_portmap *pm = malloc(sizeof(*pm));
		if (!pm)
			return NULL;
		pctl_portmap_init(pm, e->cfg.port_min, e->cfg.port_max);
		pctl_portmap_set(pm, 0);
		/* The reserved ports (pctl_engine_port_reserved), from
		 * their list: not a test of every port of the range, which
		 * cost milliseconds in the request that made the map. */
		if (protocol == 17) {
			pctl_portmap_set(pm, PCTL_SERVER_PORT);
			pctl_portmap_set(pm, PCTL_CLIENT_PORT);
		}
		for (size_t i = 0; i < e->cfg.n_reserved; i++)
			if (e->cfg.reserved[i].protocol == 0 ||
			    e->cfg.reserved[i].protocol == protocol)
				pctl_portmap_set(pm, e->cfg.reserved[i].port);
		*slot = pm;
	}
	return *slot;
}

uint16_t pctl_engine_port_start(struct pctl_engine *e)
{
	uint32_t span = (uint32_t)e->cfg.port_max - e->cfg.port_min + 1;
	uint64_t r = pctl_siphash_u64(e->port_key, e->port_draws++);

	return (uint16_t)(e->cfg.port_min + r % span);
}

int pctl_engine_find_port(struct pctl_engine *e, const struct pctl_portmap *pm)
{
	return pctl_portmap_find(pm, pctl_engine_port_start(e));
}

int pctl_engine_ext_index(const struct pctl_engine *e, const pctl_addr *a)
{
	for (size_t i = 0; i < e->cfg.n_ext_addrs; i++)
		if (pctl_addr_equal(&e->cfg.ext_addrs[i], a))
			return (int)i;
	return -1;
}

bool pctl_engine_is_nat(const struct pctl_engine *e, const pctl_addr *int_addr)
{
	return e->cfg.nat44 && pctl_addr_is_v4(int_addr);
}

int pctl_engine_pick_ext(const struct pctl_engine *e, const pctl_addr *host)
{
	unsigned n = 0;

	for (size_t i = 0; i < e->cfg.n_ext_addrs; i++)
		n += pctl_addr_is_v4(&e->cfg.ext_addrs[i]);
	if (!n)
		return -1;
	/* S-42: a host always lands on the same address (a hash of it), so
	 * its mappings share one external address without a lookup. */
	uint32_t h = 2166136261u;
	for (int i = 12; i < 16; i++)
		h = (h ^ host->b[i]) * 16777619u;
	unsigned k = h % n;
	for (size_t i = 0; i < e->cfg.n_ext_addrs; i++)
		if (pctl_addr_is_v4(&e->cfg.ext_addrs[i]) && k-- == 0)
			return (int)i;
	return -1;
}

uint8_t pctl_engine_intern_srv(struct pctl_engine *e, const pctl_addr *a)
{
	for (unsigned i = 0; i < e->n_srv; i++)
		if (pctl_addr_equal(&e->srv_addrs[i], a))
			return (uint8_t)i;
	if (e->n_srv == PCTL_MAX_SRV)
		return PCTL_NO_SRV;
	e->srv_addrs[e->n_srv] = *a;
	return (uint8_t)e->n_srv++;
}

static uint8_t other_proto(uint8_t protocol)
{
	return protocol == 6 ? 17 : protocol == 17 ? 6 : 0;
}

/* N-8: the holder of a companion reservation at (xi, protocol, port). */
static struct pctl_mapping *companion_holder(struct pctl_engine *e, unsigned xi,
                                             uint8_t protocol, uint16_t port)
{
	uint8_t op = other_proto(protocol);

	if (!op)
		return NULL;
	struct pctl_mapping *o =
	    pctl_table_find_ext(&e->table, &e->cfg.ext_addrs[xi], op, port);
	return o && (o->flags & PCTL_MF_COMPANION) ? o : NULL;
}

/* S-53: the cooling entry of a single port that this client may reclaim
 * (same internal address, protocol, internal port and nonce), or 0. */
static uint32_t reclaimable(struct pctl_engine *e, unsigned xi,
                            uint8_t protocol, uint16_t port,
                            const pctl_addr *host, uint16_t int_port,
                            const uint8_t *nonce)
{
	uint32_t i = pctl_cool_find(&e->cooling, (uint8_t)xi, protocol, port);

	if (!i)
		return 0;
	const struct pctl_cool *k = pctl_cool_get(&e->cooling, i);
	if (k->count != 1 || k->int_port != int_port ||
	    !pctl_addr_equal(&k->int_addr, host) ||
	    (nonce && memcmp(k->nonce, nonce, PCTL_NONCE_LEN) != 0))
		return 0;
	return i;
}

/* Ends a cooling entry reclaimed by its client: its ports no longer count
 * against the host as cooling (they become a mapping's). */
static void cool_reclaimed(struct pctl_engine *e, uint32_t i)
{
	const struct pctl_cool *k = pctl_cool_get(&e->cooling, i);

	pctl_table_host_cooling(&e->table, &k->int_addr, -(int32_t)k->count);
	pctl_cool_take(&e->cooling, i);
}

int pctl_engine_reclaim_port(struct pctl_engine *e, unsigned xi,
                             uint8_t protocol, const pctl_addr *host,
                             uint16_t int_port, const uint8_t *nonce)
{
	uint32_t i = pctl_cool_find_int(&e->cooling, host, protocol, int_port);

	if (!i)
		return -1;
	const struct pctl_cool *k = pctl_cool_get(&e->cooling, i);
	if (xi == PCTL_NO_EXT)
		xi = k->xi;
	return k->xi == xi && reclaimable(e, xi, protocol, k->ext_port, host,
	                                  int_port, nonce)
	           ? k->ext_port
	           : -1;
}

bool pctl_engine_is_reclaim(struct pctl_engine *e, unsigned xi,
                            uint8_t protocol, uint16_t port,
                            const pctl_addr *host, uint16_t int_port,
                            const uint8_t *nonce)
{
	return reclaimable(e, xi, protocol, port, host, int_port, nonce) != 0;
}

uint32_t pctl_engine_quota_room(const struct pctl_engine *e,
                                const pctl_addr *host)
{
	if (!e->cfg.max_per_host)
		return UINT32_MAX;
	uint32_t used = pctl_table_host_ports(&e->table, host);
	return used >= e->cfg.max_per_host ? 0 : e->cfg.max_per_host - used;
}

bool pctl_engine_ext_port_free(struct pctl_engine *e, unsigned xi,
                               uint8_t protocol, uint16_t port,
                               const pctl_addr *host, uint16_t int_port,
                               const uint8_t *nonce)
{
	struct pctl_portmap *pm = pctl_engine_portmap(e, xi, protocol);

	if (!pm)
		return false;
	if (!pctl_portmap_taken(pm, port))
		return true;
	if (reclaimable(e, xi, protocol, port, host, int_port, nonce))
		return true;
	struct pctl_mapping *o = companion_holder(e, xi, protocol, port);
	return o && pctl_addr_equal(&o->int_addr, host);
}

bool pctl_engine_port_usable(struct pctl_engine *e, unsigned xi,
                             uint8_t protocol, uint16_t port,
                             const pctl_addr *host, uint16_t int_port,
                             const uint8_t *nonce)
{
	return port && !pctl_engine_port_reserved(&e->cfg, protocol, port) &&
	       pctl_engine_ext_port_free(e, xi, protocol, port, host, int_port,
	                                 nonce) &&
	       pctl_policy_allows(&e->cfg, host, protocol, int_port, port);
}

struct pctl_mapping *pctl_engine_eim_partner(struct pctl_engine *e,
                                             const pctl_addr *host,
                                             uint8_t protocol, uint16_t port,
                                             const uint8_t *tpid,
                                             size_t tpid_len, bool want_peer)
{
	if (!want_peer) {
		struct pctl_mapping *m = pctl_table_find_int(
		    &e->table, host, protocol, port, tpid, tpid_len);
		return m && m->ext_idx != PCTL_NO_EXT && m->port_count <= 1
		           ? m
		           : NULL;
	}
	/* Every PEER of the endpoint shares its external endpoint (EIM),
	 * so any one will do; the EIM index finds one in O(1). */
	struct pctl_mapping *m = pctl_table_find_eim(&e->table, host, protocol,
	                                             port, tpid, tpid_len);
	return m && m->ext_idx != PCTL_NO_EXT ? m : NULL;
}

void pctl_engine_release_cooled(struct pctl_engine *e, uint64_t now_ms)
{
	struct pctl_cool k;

	while (pctl_cool_pop_due(&e->cooling, now_ms, &k)) {
		struct pctl_portmap *pm = pctl_engine_portmap(e, k.xi, k.proto);
		pctl_table_host_cooling(&e->table, &k.int_addr,
		                        -(int32_t)k.count);
		for (uint32_t p = 0; pm && p < k.count; p++)
			pctl_portmap_clear(pm, (uint16_t)(k.ext_port + p));
	}
}

/* Takes the ports of m in its allocator (m must own them). */
static int take_ports(struct pctl_engine *e, struct pctl_mapping *m)
{
	struct pctl_portmap *pm =
	    pctl_engine_portmap(e, m->ext_idx, m->protocol);

	if (!pm)
		return -ENOMEM;
	uint32_t n = m->port_count ? m->port_count : 1;
	uint32_t cool = 0;
	if (n == 1 && pctl_portmap_taken(pm, m->ext_port) &&
	    (cool = reclaimable(e, m->ext_idx, m->protocol, m->ext_port,
	                        &m->int_addr, m->int_port,
	                        m->kind == PCTL_MK_NATPMP ? NULL : m->nonce))) {
		/* S-53: the client takes its cooling port back. */
		cool_reclaimed(e, cool);
	} else if (n == 1 && pctl_portmap_taken(pm, m->ext_port)) {
		/* The same host's companion reservation becomes a mapping. */
		struct pctl_mapping *o =
		    companion_holder(e, m->ext_idx, m->protocol, m->ext_port);
		if (!o || !pctl_addr_equal(&o->int_addr, &m->int_addr))
			return -EEXIST;
		o->flags &= (uint8_t)~PCTL_MF_COMPANION;
	} else {
		for (uint32_t i = 0; i < n; i++)
			if ((uint32_t)m->ext_port + i > 65535 ||
			    pctl_portmap_taken(pm, (uint16_t)(m->ext_port + i)))
				return -EEXIST;
		for (uint32_t i = 0; i < n; i++)
			pctl_portmap_set(pm, (uint16_t)(m->ext_port + i));
	}
	uint8_t op = other_proto(m->protocol);
	if (m->kind == PCTL_MK_NATPMP && op) {
		/* N-8: reserve the companion port for the same client. */
		struct pctl_portmap *opm =
		    pctl_engine_portmap(e, m->ext_idx, op);
		if (opm && !pctl_portmap_taken(opm, m->ext_port)) {
			pctl_portmap_set(opm, m->ext_port);
			m->flags |= PCTL_MF_COMPANION;
		}
	}
	return 0;
}

/* cool: a delete or expiry, whose ports cool down (S-53); a rollback's
 * ports were never used and are free at once. */
static void give_ports(struct pctl_engine *e, struct pctl_mapping *m, bool cool,
                       uint64_t now_ms)
{
	struct pctl_portmap *pm =
	    pctl_engine_portmap(e, m->ext_idx, m->protocol);
	uint32_t n = m->port_count ? m->port_count : 1;
	uint8_t op = other_proto(m->protocol);

	if (!pm)
		return;
	if (m->flags & PCTL_MF_COMPANION) {
		struct pctl_portmap *opm =
		    pctl_engine_portmap(e, m->ext_idx, op);
		if (opm)
			pctl_portmap_clear(opm, m->ext_port);
		m->flags &= (uint8_t)~PCTL_MF_COMPANION;
	}
	if (n == 1 && op) {
		/* A NAT-PMP mapping of the same host on the other protocol
		 * keeps this port as its companion (N-8). */
		struct pctl_mapping *o = pctl_table_find_ext(
		    &e->table, &m->ext_addr, op, m->ext_port);
		if (o && o->kind == PCTL_MK_NATPMP &&
		    pctl_addr_equal(&o->int_addr, &m->int_addr)) {
			o->flags |= PCTL_MF_COMPANION;
			return;
		}
	}
	if (n == 1) {
		/* S-43: a mapping sharing this external endpoint (EIM, a MAP
		 * and a PEER of one internal endpoint) inherits the port. */
		struct pctl_mapping *o = pctl_table_find_ext(
		    &e->table, &m->ext_addr, m->protocol, m->ext_port);
		if (o) {
			o->flags |= PCTL_MF_OWNS_PORTS;
			return;
		}
	}
	/* S-41: cooling ports count against the host that gave them up
	 * until they are free, so that create/delete cycles cannot take the
	 * whole range; when that count cannot be kept they are free at once. */
	if (cool && e->cfg.port_reuse_time && m->kind != PCTL_MK_STATIC &&
	    pctl_table_host_cooling(&e->table, &m->int_addr, (int32_t)n) == 0) {
		if (pctl_cool_add(&e->cooling, m,
		                  now_ms + (uint64_t)e->cfg.port_reuse_time *
		                               1000) == 0)
			return; /* the bits stay set until released */
		pctl_table_host_cooling(&e->table, &m->int_addr, -(int32_t)n);
	}
	for (uint32_t i = 0; i < n; i++)
		pctl_portmap_clear(pm, (uint16_t)(m->ext_port + i));
}

/* A queued operation failed: nothing of the batch may take effect. */
static int queue_failed(struct pctl_engine *e, int rc)
{
	if (rc) {
		e->backend.ops->abort(e->backend.ctx);
		e->stats.backend_errors++;
	}
	return rc;
}

static void unwind(struct pctl_engine *e, struct pctl_mapping *m, bool cool,
                   uint64_t now_ms)
{
	if (m->expire_s)
		pctl_tw_del(e->wheel, &e->table, m);
	pctl_upnp_untrack(e, m);
	if (m->flags & PCTL_MF_LINKED)
		pctl_table_unlink(&e->table, m);
	if (m->flags & PCTL_MF_OWNS_PORTS)
		give_ports(e, m, cool, now_ms);
	pctl_table_release(&e->table, m);
}

int pctl_engine_install(struct pctl_engine *e, struct pctl_mapping *m,
                        uint32_t lifetime, uint64_t now_ms)
{
	int rc = pctl_engine_wheel_ready(e);

	if (rc) {
		m->flags &= (uint8_t)~PCTL_MF_OWNS_PORTS;
		pctl_table_release(&e->table, m);
		return rc;
	}
	if (m->flags & PCTL_MF_OWNS_PORTS) {
		rc = take_ports(e, m);
		if (rc) {
			m->flags &= (uint8_t)~PCTL_MF_OWNS_PORTS;
			pctl_table_release(&e->table, m);
			return rc == -EEXIST ? -ENOSPC : rc;
		}
	}
	rc = pctl_table_link(&e->table, m);
	if (!rc)
		rc = pctl_upnp_track(e, m); /* before the journal sees it */
	if (rc) {
		unwind(e, m, false, now_ms);
		return rc;
	}
	pctl_engine_set_expiry(e, m, lifetime, now_ms);

	struct pctl_dp_mapping dp;
	pctl_engine_dp_of(e, m, lifetime, &dp);
	rc = queue_failed(e, e->backend.ops->create(e->backend.ctx, &dp));
	if (!rc)
		rc = pctl_engine_commit(e);
	if (rc) {
		unwind(e, m, false, now_ms);
		return rc < 0 ? rc : -EIO;
	}
	e->stats.mappings[m->kind]++;
	e->stats.mappings_created++;
	if (m->port_count > 1)
		e->port_set_maps++; /* */
	pctl_audit_created(e, m, lifetime);
	return 0;
}

void pctl_engine_drop(struct pctl_engine *e, struct pctl_mapping *m,
                      uint64_t now_ms)
{
	pctl_audit_dropped(e, m);
	e->stats.mappings[m->kind]--;
	if (m->port_count > 1)
		e->port_set_maps--;
	unwind(e, m, true, now_ms);
}

int pctl_engine_queue_remove(struct pctl_engine *e,
                             const struct pctl_mapping *m)
{
	struct pctl_dp_mapping dp;

	pctl_engine_dp_of(e, m, 0, &dp);
	return queue_failed(e, e->backend.ops->remove(e->backend.ctx, &dp));
}

int pctl_engine_queue_refresh(struct pctl_engine *e,
                              const struct pctl_mapping *m, uint32_t lifetime)
{
	struct pctl_dp_mapping dp;

	pctl_engine_dp_of(e, m, lifetime, &dp);
	return queue_failed(e, e->backend.ops->refresh(e->backend.ctx, &dp));
}

int pctl_engine_refresh(struct pctl_engine *e, struct pctl_mapping *m,
                        uint32_t lifetime, uint64_t now_ms)
{
	int rc = pctl_engine_queue_refresh(e, m, lifetime);
	if (!rc)
		rc = pctl_engine_commit(e);
	if (!rc) {
		uint32_t old_end = m->expire_s;
		pctl_engine_set_expiry(e, m, lifetime, now_ms);
		pctl_audit_renewed(e, m, lifetime,
		                   m->expire_s < old_end ? PCTL_AUDIT_CH_SHORTER
		                                         : 0);
	}
	return rc;
}

int pctl_engine_remove(struct pctl_engine *e, struct pctl_mapping *m,
                       uint64_t now_ms)
{
	int rc = pctl_engine_queue_remove(e, m);

	if (rc)
		return rc;
	rc = pctl_engine_commit(e);
	if (rc)
		return rc;
	pctl_engine_drop(e, m, now_ms);
	return 0;
}

static void *dup_bytes(const void *p, size_t n)
{
	void *d = malloc(n);

	if (d)
		memcpy(d, p, n);
	return d;
}

int pctl_extra_make(const struct pctl_filter *f1, size_t n1,
                    const struct pctl_filter *f2, size_t n2,
                    const uint8_t *desc, size_t desc_len, const uint8_t *tpid,
                    size_t tpid_len, struct pctl_map_extra **out)
{
	*out = NULL;
	if (!n1 && !n2 && !desc_len && !tpid_len)
		return 0;
	struct pctl_map_extra *x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	if (n1 + n2) {
		x->filters = malloc((n1 + n2) * sizeof(*x->filters));
		if (!x->filters)
			goto fail;
		if (n1)
			memcpy(x->filters, f1, n1 * sizeof(*f1));
		if (n2)
			memcpy(x->filters + n1, f2, n2 * sizeof(*f2));
		x->n_filters = (uint16_t)(n1 + n2);
	}
	if (desc_len) {
		x->desc = dup_bytes(desc, desc_len);
		if (!x->desc)
			goto fail;
		x->desc_len = (uint16_t)desc_len;
	}
	if (tpid_len) {
		x->tpid = dup_bytes(tpid, tpid_len);
		if (!x->tpid)
			goto fail;
		x->tpid_len = (uint16_t)tpid_len;
	}
	*out = x;
	return 0;
fail:
	pctl_map_extra_free(x);
	return -ENOMEM;
}

int pctl_extra_set_client(struct pctl_map_extra **x, const pctl_addr *client)
{
	if (!*x) {
		*x = calloc(1, sizeof(**x));
		if (!*x)
			return -1;
	}
	(*x)->has_client = true;
	(*x)->client = *client;
	return 0;
}

const pctl_addr *pctl_mapping_client(const struct pctl_mapping *m)
{
	return m->extra && m->extra->has_client ? &m->extra->client
	                                        : &m->int_addr;
}

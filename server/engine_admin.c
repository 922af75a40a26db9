/*
 * Administration: listing, deleting, flushing, journal restore and static
 * mappings, reconfiguration (SIGHUP) and external address changes (S-26,
 * S-95).  These are the O(n) operations; requests never call them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine_core.h"
#include "engine_handlers.h"
#include "engine_reuse.h"
#include "engine_state.h"
#include "policy.h"

const char *pctl_engine_kind_name(enum pctl_mapping_kind k)
{
	static const char *const n[PCTL_MK_KINDS] = {"map", "peer", "natpmp",
	                                             "static", "upnp"};
	return (unsigned)k < PCTL_MK_KINDS ? n[k] : "unknown";
}

static void info_of(const struct pctl_engine *e, const struct pctl_mapping *m,
                    uint64_t now_ms, struct pctl_mapping_info *i)
{
	memset(i, 0, sizeof(*i));
	i->id = pctl_mapping_id(m);
	i->kind = (enum pctl_mapping_kind)m->kind;
	i->protocol = m->protocol;
	i->int_addr = m->int_addr;
	i->int_port = m->int_port;
	i->ext_addr = m->ext_addr;
	i->ext_port = m->ext_port;
	i->port_count = m->port_count ? m->port_count : 1;
	i->parity = (m->flags & PCTL_MF_PARITY) != 0;
	i->remote_addr = m->remote_addr;
	i->remote_port = m->remote_port;
	i->lifetime_left = pctl_mapping_left(m, now_ms);
	if (m->extra) {
		i->n_filters = m->extra->n_filters;
		i->filters = m->extra->filters;
		i->desc_len = m->extra->desc_len;
		i->desc = m->extra->desc;
		i->tpid_len = m->extra->tpid_len;
		i->tpid = m->extra->tpid;
	}
	memcpy(i->nonce, m->nonce, PCTL_NONCE_LEN);
	i->third_party = (m->flags & PCTL_MF_THIRD_PARTY) != 0;
	i->prefer_failure = (m->flags & PCTL_MF_PREFER_FAILURE) != 0;
	i->nonce_unknown = m->nonce_unknown;
	i->client_addr = *pctl_mapping_client(m);
	i->client_port = m->client_port;
	if (m->srv_idx < e->n_srv)
		i->server_addr = e->srv_addrs[m->srv_idx];
}

size_t pctl_engine_foreach_page(const struct pctl_engine *e, uint32_t *cursor,
                                size_t max,
                                int (*cb)(void *ctx,
                                          const struct pctl_mapping_info *m),
                                void *ctx, uint64_t now_ms)
{
	size_t n = 0;
	struct pctl_mapping *m;

	while (n < max && (m = pctl_table_next(&e->table, cursor)) != NULL) {
		struct pctl_mapping_info i;
		info_of(e, m, now_ms, &i);
		n++;
		if (cb(ctx, &i))
			break;
	}
	return n;
}

int pctl_engine_foreach(const struct pctl_engine *e,
                        int (*cb)(void *ctx, const struct pctl_mapping_info *m),
                        void *ctx, uint64_t now_ms)
{
	uint32_t idx = 0;
	struct pctl_mapping *m;

	while ((m = pctl_table_next(&e->table, &idx)) != NULL) {
		struct pctl_mapping_info i;
		info_of(e, m, now_ms, &i);
		int rc = cb(ctx, &i);
		if (rc)
			return rc;
	}
	return 0;
}

int pctl_engine_reconcile(struct pctl_engine *e, uint64_t now_ms)
{
	size_t n = e->table.count, i = 0;
	struct pctl_dp_mapping *dps = NULL;
	const struct pctl_dp_mapping **list = NULL;

	if (n) {
		dps = calloc(n, sizeof(*dps));
		list = calloc(n, sizeof(*list));
		if (!dps || !list) {
			free(dps);
			free(list);
			return -ENOMEM;
		}
	}
	uint32_t idx = 0;
	struct pctl_mapping *m;
	while (i < n && (m = pctl_table_next(&e->table, &idx)) != NULL) {
		pctl_engine_dp_of(e, m, pctl_mapping_left(m, now_ms), &dps[i]);
		list[i] = &dps[i];
		i++;
	}
	int rc = e->backend.ops->reconcile(e->backend.ctx, list, i);
	if (rc)
		e->stats.backend_errors++;
	free(list);
	free(dps);
	return rc;
}

int pctl_engine_delete(struct pctl_engine *e, uint64_t id, uint64_t now_ms)
{
	struct pctl_mapping *m = pctl_table_by_id(&e->table, id);

	if (!m)
		return -ENOENT;
	struct pctl_audit_scope prev =
	    pctl_audit_enter(e, PCTL_AUDIT_BY_ADMIN, PCTL_AUDIT_VIA_NONE, NULL);
	int rc = pctl_engine_remove(e, m, now_ms);
	pctl_audit_leave(e, prev);
	return rc;
}

int pctl_engine_flush(struct pctl_engine *e, uint64_t now_ms)
{
	uint32_t idx = 0;
	struct pctl_mapping *m;

	while ((m = pctl_table_next(&e->table, &idx)) != NULL) {
		int rc = pctl_engine_queue_remove(e, m);
		if (rc)
			return rc;
	}
	int rc = pctl_engine_commit(e);
	if (rc)
		return rc;
	idx = 0;
	struct pctl_audit_scope prev =
	    pctl_audit_enter(e, PCTL_AUDIT_BY_ADMIN, PCTL_AUDIT_VIA_NONE, NULL);
	while ((m = pctl_table_next(&e->table, &idx)) != NULL)
		pctl_engine_drop(e, m, now_ms);
	pctl_audit_leave(e, prev);
	return 0;
}

/* ---- restore / static -----------------------------------------------------
 */

int pctl_engine_restore(struct pctl_engine *e,
                        const struct pctl_mapping_info *i, uint64_t now_ms,
                        uint64_t *id)
{
	if ((unsigned)i->kind >= PCTL_MK_KINDS ||
	    (i->protocol && pctl_proto_index(i->protocol) < 0) ||
	    (i->kind != PCTL_MK_STATIC && i->lifetime_left == 0) ||
	    i->n_filters > e->cfg.max_filters ||
	    i->tpid_len > PCTL_OPT_MAX_DATA || i->port_count == 0 ||
	    (i->n_filters && !i->filters) || (i->desc_len && !i->desc) ||
	    (i->tpid_len && !i->tpid) ||
	    (uint32_t)i->ext_port + i->port_count > 65536)
		return -EINVAL;
	bool nat = pctl_engine_is_nat(e, &i->int_addr);
	int xi = -1;
	if (nat) {
		xi = pctl_engine_ext_index(e, &i->ext_addr);
		if (xi < 0)
			return -EINVAL;
	}
	/* S-43: a MAP and a PEER of one internal endpoint share its external
	 * endpoint; the one restored second does not take the port again. */
	bool shared = false;
	if (nat && i->port_count == 1) {
		const struct pctl_mapping *o = pctl_table_find_ext(
		    &e->table, &i->ext_addr, i->protocol, i->ext_port);
		shared = o && o->int_port == i->int_port &&
		         pctl_addr_equal(&o->int_addr, &i->int_addr);
	}
	if (nat) {
		if (!i->protocol || !i->int_port || !i->ext_port)
			return -EINVAL;
		for (uint32_t p = i->ext_port;
		     p < (uint32_t)i->ext_port + i->port_count; p++)
			if (pctl_engine_port_reserved(&e->cfg, i->protocol,
			                              (uint16_t)p))
				return -EINVAL; /* S-38 */
	}
	struct pctl_mapping *dup =
	    i->kind == PCTL_MK_PEER
	        ? pctl_table_find_peer(&e->table, &i->int_addr, i->protocol,
	                               i->int_port, &i->remote_addr,
	                               i->remote_port)
	        : pctl_table_find_int(&e->table, &i->int_addr, i->protocol,
	                              i->int_port, i->tpid, i->tpid_len);
	if (dup)
		return -EEXIST;
	struct pctl_mapping *m = pctl_table_alloc(&e->table);
	if (!m)
		return -ENOMEM;
	size_t dl = i->desc_len > e->cfg.description_max
	                ? e->cfg.description_max
	                : i->desc_len;
	if (pctl_extra_make(NULL, 0, i->filters, i->n_filters, i->desc, dl,
	                    i->tpid, i->tpid_len, &m->extra)) {
		pctl_table_release(&e->table, m);
		return -ENOMEM;
	}
	if (i->third_party && !pctl_addr_equal(&i->client_addr, &i->int_addr) &&
	    !pctl_addr_is_any(&i->client_addr) &&
	    pctl_extra_set_client(&m->extra, &i->client_addr)) {
		pctl_table_release(&e->table, m);
		return -ENOMEM;
	}
	m->kind = (uint8_t)i->kind;
	m->protocol = i->protocol;
	m->int_addr = i->int_addr;
	m->int_port = i->int_port;
	m->ext_addr = i->ext_addr;
	m->ext_port = i->ext_port;
	m->port_count = i->port_count;
	m->remote_addr = i->remote_addr;
	m->remote_port = i->remote_port;
	m->ext_idx = xi >= 0 ? (uint8_t)xi : PCTL_NO_EXT;
	memcpy(m->nonce, i->nonce, PCTL_NONCE_LEN);
	m->nonce_unknown = i->nonce_unknown && i->kind == PCTL_MK_MAP;
	m->client_port = i->client_port;
	m->srv_idx = pctl_addr_is_any(&i->server_addr)
	                 ? PCTL_NO_SRV
	                 : pctl_engine_intern_srv(e, &i->server_addr);
	if (nat && !shared)
		m->flags |= PCTL_MF_OWNS_PORTS;
	if (i->third_party)
		m->flags |= PCTL_MF_THIRD_PARTY;
	if (i->parity)
		m->flags |= PCTL_MF_PARITY;
	if (i->prefer_failure)
		m->flags |= PCTL_MF_PREFER_FAILURE;
	uint32_t lifetime =
	    i->kind == PCTL_MK_STATIC ? PCTL_LIFETIME_STATIC : i->lifetime_left;
	/* Audited when the administrator makes a static mapping; the
	 * journal's restore brings back old mappings, nothing new. */
	struct pctl_audit_scope prev =
	    pctl_audit_enter(e,
	                     i->kind == PCTL_MK_STATIC ? PCTL_AUDIT_BY_ADMIN
	                                               : PCTL_AUDIT_BY_NONE,
	                     PCTL_AUDIT_VIA_NONE, NULL);
	int rc = pctl_engine_install(e, m, lifetime, now_ms);
	pctl_audit_leave(e, prev);
	if (rc)
		return rc == -ENOSPC ? -EEXIST : rc;
	if (id)
		*id = pctl_mapping_id(m);
	return 0;
}

/* ---- reconfiguration ------------------------------------------------------
 */

/* Would cfg still allow m?  self: the router's own addresses. */
static bool still_allowed(const struct pctl_engine_config *cfg,
                          const struct pctl_selfaddr *self,
                          const struct pctl_mapping *m)
{
	if ((m->kind == PCTL_MK_MAP && !cfg->map_enabled) ||
	    (m->kind == PCTL_MK_PEER && !cfg->peer_enabled) ||
	    (m->kind == PCTL_MK_NATPMP && !cfg->natpmp_enabled) ||
	    (m->kind == PCTL_MK_UPNP && !cfg->upnp_enabled))
		return false;
	if (m->kind == PCTL_MK_STATIC)
		return true; /* the administrator's own */
	if (!cfg->allow_self && pctl_selfaddr_has(self, &m->int_addr))
		return false; /* issue 15 item 5 */
	if ((m->protocol == 0 && !cfg->allow_all_protocols) ||
	    (m->int_port == 0 && !cfg->allow_all_ports))
		return false;
	if (m->ext_idx != PCTL_NO_EXT) {
		bool found = false;
		for (size_t i = 0; i < cfg->n_ext_addrs; i++)
			found |=
			    pctl_addr_equal(&cfg->ext_addrs[i], &m->ext_addr);
		if (!found)
			return false;
	}
	if (m->flags & PCTL_MF_OWNS_PORTS) {
		uint32_t n = m->port_count ? m->port_count : 1;
		for (uint32_t p = m->ext_port; p < m->ext_port + n; p++)
			if (p < cfg->port_min || p > cfg->port_max ||
			    pctl_engine_port_reserved(cfg, m->protocol,
			                              (uint16_t)p))
				return false;
	}
	return pctl_policy_allows(cfg, &m->int_addr, m->protocol, m->int_port,
	                          m->ext_port);
}

/* Rebuilds every allocator from the live mappings under the current
 * configuration (ext address indexes may have moved). */
static void rebuild_ports(struct pctl_engine *e)
{
	/* Cooling ports (S-53) are released: the allocators start afresh,
	 * and the hosts' quotas no longer count them. */
	struct pctl_cool k;
	while (pctl_cool_pop_due(&e->cooling, UINT64_MAX, &k))
		pctl_table_host_cooling(&e->table, &k.int_addr,
		                        -(int32_t)k.count);
	pctl_cool_clear(&e->cooling);
	for (unsigned i = 0; i < PCTL_ENG_MAX_EXT_ADDRS; i++)
		for (unsigned p = 0; p < PCTL_N_PROTOS; p++) {
			free(e->ports[i][p]);
			e->ports[i][p] = NULL;
		}
	uint32_t idx = 0;
	struct pctl_mapping *m;
	while ((m = pctl_table_next(&e->table, &idx)) != NULL) {
		int xi = pctl_engine_ext_index(e, &m->ext_addr);
		m->ext_idx = xi >= 0 ? (uint8_t)xi : PCTL_NO_EXT;
		if (!(m->flags & PCTL_MF_OWNS_PORTS) || xi < 0)
			continue;
		struct pctl_portmap *pm =
		    pctl_engine_portmap(e, (unsigned)xi, m->protocol);
		uint32_t n = m->port_count ? m->port_count : 1;
		for (uint32_t p = 0; pm && p < n; p++)
			pctl_portmap_set(pm, (uint16_t)(m->ext_port + p));
		if (m->flags & PCTL_MF_COMPANION) {
			pm = pctl_engine_portmap(e, (unsigned)xi,
			                         m->protocol == 6 ? 17 : 6);
			if (pm)
				pctl_portmap_set(pm, m->ext_port);
		}
	}
}

int pctl_engine_reconfigure(struct pctl_engine *e,
                            const struct pctl_engine_config *cfg,
                            uint64_t now_ms)
{
	if (pctl_engine_config_check(cfg, NULL, 0))
		return -1;
	struct pctl_ratelimit rl;
	struct pctl_rl_config rlc = pctl_engine_rl_config(cfg);
	if (pctl_rl_init(&rl, &rlc))
		return -1;
	/* S-41: new subscriber prefixes count every mapping again; the
	 * memory is taken now, while failing still changes nothing. */
	struct pctl_host *hosts = NULL;
	uint32_t n_hosts = 0;
	if ((cfg->subscriber_v4_prefix != e->cfg.subscriber_v4_prefix ||
	     cfg->subscriber_v6_prefix != e->cfg.subscriber_v6_prefix) &&
	    !(hosts = pctl_table_rekey_prepare(&e->table, &n_hosts))) {
		pctl_rl_fini(&rl);
		return -1;
	}
	/* Remove what the new configuration forbids, all or nothing. */
	uint32_t idx = 0, n_gone = 0;
	struct pctl_mapping *m;
	while ((m = pctl_table_next(&e->table, &idx)) != NULL) {
		if (still_allowed(cfg, &e->self, m))
			continue;
		if (pctl_engine_queue_remove(e, m)) {
			pctl_rl_fini(&rl);
			pctl_table_rekey_discard(hosts, n_hosts);
			return -1;
		}
		n_gone++;
	}
	if (n_gone && pctl_engine_commit(e)) {
		pctl_rl_fini(&rl);
		pctl_table_rekey_discard(hosts, n_hosts);
		return -1;
	}
	idx = 0;
	struct pctl_audit_scope prev = pctl_audit_enter(
	    e, PCTL_AUDIT_BY_POLICY, PCTL_AUDIT_VIA_NONE, NULL);
	while (n_gone && (m = pctl_table_next(&e->table, &idx)) != NULL)
		if (!still_allowed(cfg, &e->self, m)) {
			/* Its ports go with the old allocators, rebuilt below.
			 */
			m->flags &=
			    (uint8_t) ~(PCTL_MF_OWNS_PORTS | PCTL_MF_COMPANION);
			pctl_engine_drop(e, m, now_ms);
		}
	pctl_audit_leave(e, prev);
	/* S-28: clients learn a new Pref64 from an ANNOUNCE. */
	bool p64_changed =
	    cfg->prefix64_enabled != e->cfg.prefix64_enabled ||
	    (cfg->prefix64_enabled &&
	     (cfg->prefix64_len != e->cfg.prefix64_len ||
	      memcmp(cfg->prefix64, e->cfg.prefix64, 12) != 0 ||
	      memcmp(cfg->prefix64_suffix, e->cfg.prefix64_suffix, 12) != 0));
	e->cfg = *cfg;
	if (p64_changed)
		pctl_announce_schedule(e, now_ms, true, false);
	pctl_rl_fini(&e->rl);
	e->rl = rl;
	/* rebuild_ports first: it takes the cooling ports off the hosts'
	 * counts, which the new host index would not know. */
	rebuild_ports(e);
	if (hosts)
		pctl_table_rekey(&e->table, hosts, n_hosts,
		                 cfg->subscriber_v4_prefix,
		                 cfg->subscriber_v6_prefix);
	return (int)n_gone;
}

/* ---- external address change (S-26, S-95, N-10) -------------------------- */

/* Moves a NAT44 mapping whose address vanished to the host's new address;
 * false when it cannot (then the caller removes it). */
static bool move_mapping(struct pctl_engine *e, struct pctl_mapping *m,
                         uint64_t now_ms)
{
	int xi = pctl_engine_pick_ext(e, &m->int_addr);
	if (xi < 0 || (m->flags & PCTL_MF_PREFER_FAILURE))
		return false; /* S-95: PREFER_FAILURE cannot move */
	struct pctl_portmap *pm =
	    pctl_engine_portmap(e, (unsigned)xi, m->protocol);
	if (!pm)
		return false;
	uint32_t n = m->port_count ? m->port_count : 1;
	int port = m->ext_port;
	for (uint32_t p = 0; p < n; p++)
		if (pctl_portmap_taken(pm, (uint16_t)(m->ext_port + p)))
			port = -1;
	if (port < 0)
		port = n > 1 ? pctl_portmap_find_run(pm, n, -1,
		                                     pctl_engine_port_start(e))
		             : pctl_engine_find_port(e, pm);
	if (port < 0)
		return false;

	struct pctl_dp_mapping old_dp, new_dp;
	uint32_t left = pctl_mapping_left(m, now_ms);
	pctl_engine_dp_of(e, m, 0, &old_dp);
	pctl_table_unlink(&e->table, m);
	pctl_addr old_addr = m->ext_addr;
	uint16_t old_port = m->ext_port;
	m->ext_addr = e->cfg.ext_addrs[xi];
	m->ext_port = (uint16_t)port;
	m->ext_idx = (uint8_t)xi;
	pctl_engine_dp_of(e, m, left, &new_dp);
	int rc = e->backend.ops->remove(e->backend.ctx, &old_dp);
	if (!rc)
		rc = e->backend.ops->create(e->backend.ctx, &new_dp);
	if (!rc)
		rc = pctl_engine_commit(e);
	else
		e->backend.ops->abort(e->backend.ctx);
	if (rc || pctl_table_link(&e->table, m)) {
		m->ext_addr = old_addr;
		m->ext_port = old_port;
		pctl_table_link(&e->table, m); /* room existed before */
		return false;
	}
	for (uint32_t p = 0; p < n; p++)
		pctl_portmap_set(pm, (uint16_t)(port + p));
	m->flags |= PCTL_MF_OWNS_PORTS;
	pctl_audit_moved(e, m, &old_addr, old_port, left);
	if (m->kind == PCTL_MK_MAP || m->kind == PCTL_MK_PEER) {
		m->flags |= PCTL_MF_UPDATE_PENDING;
		pctl_update_queue(e, m, now_ms);
	}
	return true;
}

int pctl_engine_set_external(struct pctl_engine *e, const pctl_addr *addrs,
                             size_t n, uint64_t now_ms)
{
	if (n > PCTL_ENG_MAX_EXT_ADDRS || (n && !addrs))
		return -1;
	struct pctl_engine_config cfg = e->cfg;
	cfg.n_ext_addrs = n;
	for (size_t i = 0; i < n; i++)
		cfg.ext_addrs[i] = addrs[i];

	/* Mappings on a vanished address own nothing in the new allocators. */
	uint32_t idx = 0, n_move = 0;
	struct pctl_mapping *m;
	while ((m = pctl_table_next(&e->table, &idx)) != NULL) {
		bool gone = true;
		for (size_t i = 0; i < n; i++)
			gone &= !pctl_addr_equal(&addrs[i], &m->ext_addr);
		/* NAT mappings (owners and EIM sharers) on a lost address. */
		if (m->ext_idx != PCTL_NO_EXT && gone) {
			m->flags &=
			    (uint8_t) ~(PCTL_MF_OWNS_PORTS | PCTL_MF_COMPANION);
			m->ext_idx = PCTL_NO_EXT;
			m->flags |=
			    PCTL_MF_UPDATE_PENDING; /* marks "to move" */
			n_move++;
		}
	}
	e->cfg = cfg;
	rebuild_ports(e);
	idx = 0;
	struct pctl_audit_scope prev = pctl_audit_enter(
	    e, PCTL_AUDIT_BY_ADDRESS, PCTL_AUDIT_VIA_NONE, NULL);
	while (n_move && (m = pctl_table_next(&e->table, &idx)) != NULL) {
		if (!(m->flags & PCTL_MF_UPDATE_PENDING) ||
		    m->ext_idx != PCTL_NO_EXT || !pctl_addr_is_v4(&m->ext_addr))
			continue;
		m->flags &= (uint8_t)~PCTL_MF_UPDATE_PENDING;
		if (!move_mapping(e, m, now_ms)) {
			/* Gone either way: the kernel's own timeout
			 * ends it if the backend fails now. */
			if (!pctl_engine_queue_remove(e, m))
				pctl_engine_commit(e);
			pctl_engine_drop(e, m, now_ms);
		}
	}
	pctl_audit_leave(e, prev);
	/* S-26: the epoch restarts; N-10: NAT-PMP clients hear the new
	 * address. */
	e->epoch_base_ms = (int64_t)now_ms;
	pctl_announce_schedule(e, now_ms, false, true);
	return 0;
}

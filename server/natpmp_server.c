/*
 * NAT-PMP server (RFC 6886; N-7..N-9, N-13; RFC 6887 App. A) on the same
 * mapping table as PCP.
 *
 * NAT-PMP mappings are records of kind NATPMP keyed like MAP records by
 * internal endpoint.  A PCP MAP and a NAT-PMP mapping of one endpoint never
 * take each other over: each side refuses the other's mapping (PCP with
 * NOT_AUTHORIZED and the remaining lifetime, NAT-PMP with result 2).
 */
#include <errno.h>
#include <string.h>

#include "engine_core.h"
#include "engine_handlers.h"
#include "engine_state.h"
#include "policy.h"

static size_t reply(struct pctl_engine *e, const struct pctl_rx *rx,
                    struct pctl_natpmp *m, uint16_t result, uint8_t *out)
{
	m->version = PCTL_NATPMP_VERSION;
	m->response = true;
	m->result = result;
	m->epoch = pctl_engine_epoch(e, rx->now_ms);
	if (result != PCTL_NATPMP_R_SUCCESS) {
		pctl_audit_refused_natpmp(e, rx, result);
		/* N-7: nothing was created: mapped port and lifetime 0. */
		m->external_port = 0;
		m->lifetime = 0;
	}
	e->stats.natpmp_results[result < 8 ? result : 7]++;
	return pctl_natpmp_encode(m, out, PCTL_MAX_MSG);
}

size_t pctl_natpmp_extaddr_msg(struct pctl_engine *e, const pctl_addr *host,
                               uint64_t now_ms, uint16_t result, uint8_t *out)
{
	struct pctl_natpmp m;

	memset(&m, 0, sizeof(m));
	m.response = true;
	m.opcode = PCTL_NATPMP_OP_EXTERNAL_ADDR;
	m.result = result;
	m.epoch = pctl_engine_epoch(e, now_ms);
	static const pctl_addr none;
	int xi = pctl_engine_pick_ext(e, host ? host : &none);
	if (xi >= 0 && result == PCTL_NATPMP_R_SUCCESS)
		pctl_addr_to_v4(&e->cfg.ext_addrs[xi], m.external_addr);
	return pctl_natpmp_encode(&m, out, PCTL_MAX_MSG);
}

/* Removes one NAT-PMP mapping; N-9 result.  Under the Simple Threat Model
 * (S-52) a mapping its traffic keeps alive is not removed: its lifetime
 * becomes that time, and the reply says so with the mapped port and that
 * lifetime (N-9's port 0 and lifetime 0 would claim a deletion). */
static uint16_t delete_one(struct pctl_engine *e, struct pctl_mapping *m,
                           uint64_t now_ms, struct pctl_natpmp *resp)
{
	uint32_t keep = 0;
	if (pctl_engine_keep_for_traffic(e, m, &keep, now_ms))
		return PCTL_NATPMP_R_NETWORK_FAILURE;
	if (keep) {
		if (pctl_engine_refresh(e, m, keep, now_ms))
			return PCTL_NATPMP_R_NETWORK_FAILURE;
		resp->external_port = m->ext_port;
		resp->lifetime = keep;
		return PCTL_NATPMP_R_SUCCESS;
	}
	return pctl_engine_remove(e, m, now_ms) ? PCTL_NATPMP_R_NETWORK_FAILURE
	                                        : PCTL_NATPMP_R_SUCCESS;
}

static bool all_match(const struct pctl_mapping *m, const pctl_addr *host,
                      uint8_t proto)
{
	return m->kind == PCTL_MK_NATPMP && m->protocol == proto &&
	       pctl_addr_equal(&m->int_addr, host);
}

/* N-9: internal port 0 and lifetime 0: every NAT-PMP mapping of that
 * protocol of the client, through the per-host list (no table scan).  All
 * or nothing, in one backend batch (S-15's rule, kept for NAT-PMP too).
 * Under the Simple Threat Model (S-52) a mapping its traffic keeps alive
 * cannot be deleted: then nothing is, and the result is 2 (N-9: non-zero
 * when any could not be deleted); the client may delete the others one by
 * one. */
static uint16_t delete_all(struct pctl_engine *e, const pctl_addr *host,
                           uint8_t proto, uint64_t now_ms)
{
	uint32_t first = pctl_table_host_first(&e->table, host);
	bool any = false;

	for (uint32_t i = first; i;) {
		struct pctl_mapping *m = pctl_table_at(&e->table, i);
		i = m->host_next;
		if (!all_match(m, host, proto))
			continue;
		uint32_t keep = 0;
		if (pctl_engine_keep_for_traffic(e, m, &keep, now_ms))
			return PCTL_NATPMP_R_NETWORK_FAILURE;
		if (keep)
			return PCTL_NATPMP_R_NOT_AUTHORIZED;
	}
	for (uint32_t i = first; i;) {
		struct pctl_mapping *m = pctl_table_at(&e->table, i);
		i = m->host_next;
		if (!all_match(m, host, proto))
			continue;
		if (pctl_engine_queue_remove(e, m))
			return PCTL_NATPMP_R_NETWORK_FAILURE;
		any = true;
	}
	if (!any)
		return PCTL_NATPMP_R_SUCCESS;
	if (pctl_engine_commit(e))
		return PCTL_NATPMP_R_NETWORK_FAILURE;
	for (uint32_t i = first; i;) {
		struct pctl_mapping *m = pctl_table_at(&e->table, i);
		i = m->host_next;
		if (all_match(m, host, proto))
			pctl_engine_drop(e, m, now_ms);
	}
	return PCTL_NATPMP_R_SUCCESS;
}

/* A free external port for a new mapping, preferring one whose companion
 * on the other protocol is free too (N-8); -1 when none. */
static int pick_port(struct pctl_engine *e, unsigned xi, uint8_t proto,
                     const pctl_addr *host, uint16_t sug, uint16_t int_port)
{
	if (pctl_engine_port_usable(e, xi, proto, sug, host, int_port, NULL))
		return sug;
	/* S-53: the port cooling after this host's mapping of the same
	 * internal port, which it need not name to get back. */
	int rp = pctl_engine_reclaim_port(e, xi, proto, host, int_port, NULL);
	if (rp >= 0 &&
	    pctl_policy_allows(&e->cfg, host, proto, int_port, (uint16_t)rp))
		return rp;
	/* Issue 16: no suggestion: the internal port when usable
	 * (prefer-internal-port). */
	if (!sug && e->cfg.prefer_internal_port &&
	    pctl_engine_port_usable(e, xi, proto, int_port, host, int_port,
	                            NULL))
		return int_port;
	struct pctl_portmap *pm = pctl_engine_portmap(e, xi, proto);
	struct pctl_portmap *om =
	    pctl_engine_portmap(e, xi, proto == 6 ? 17 : 6);
	if (!pm || !om)
		return -1;
	int fallback = -1;
	for (int tries = 0; tries < 8; tries++) {
		int p = pctl_engine_find_port(e, pm);
		if (p < 0)
			return -1;
		if (!pctl_policy_allows(&e->cfg, host, proto, int_port,
		                        (uint16_t)p))
			continue;
		if (!pctl_portmap_taken(om, (uint16_t)p))
			return p;
		if (fallback < 0)
			fallback = p;
	}
	return fallback;
}

static size_t handle_map(struct pctl_engine *e, const struct pctl_rx *rx,
                         struct pctl_natpmp *req, uint8_t *out)
{
	const pctl_addr *host = &rx->src;
	uint8_t proto = req->opcode == PCTL_NATPMP_OP_MAP_UDP ? 17 : 6;
	struct pctl_natpmp resp = {
	    .opcode = req->opcode,
	    .internal_port = req->internal_port,
	};

	/* Issue 15 item 5: the router's own address is not mapped. */
	if (pctl_engine_refuses_self(e, host))
		return reply(e, rx, &resp, PCTL_NATPMP_R_NOT_AUTHORIZED, out);
	if (req->lifetime == 0) {
		/* N-9: delete; reply external port 0, lifetime 0. */
		uint16_t r = PCTL_NATPMP_R_SUCCESS;
		if (req->internal_port == 0) {
			r = delete_all(e, host, proto, rx->now_ms);
		} else {
			struct pctl_mapping *m =
			    pctl_table_find_int(&e->table, host, proto,
			                        req->internal_port, NULL, 0);
			if (m && m->kind != PCTL_MK_NATPMP)
				r = PCTL_NATPMP_R_NOT_AUTHORIZED; /* manual */
			else if (m)
				r = delete_one(e, m, rx->now_ms, &resp);
		}
		return reply(e, rx, &resp, r, out);
	}
	if (req->internal_port == 0)
		return reply(e, rx, &resp, PCTL_NATPMP_R_NOT_AUTHORIZED, out);
	/* N-8: lifetime may be reduced, never above the request (S-100: nor
	 * above the implicit lifetime under the Simple Threat Model). */
	uint32_t max = pctl_engine_max_lifetime(e, proto);
	uint32_t lifetime = req->lifetime < max ? req->lifetime : max;
	struct pctl_mapping *m = pctl_table_find_int(
	    &e->table, host, proto, req->internal_port, NULL, 0);
	if (m) {
		if (m->kind != PCTL_MK_NATPMP) /* PCP's or static: not ours */
			return reply(e, rx, &resp, PCTL_NATPMP_R_NOT_AUTHORIZED,
			             out);
		/* N-8: the existing mapping, renewed (idempotent); S-52: not
		 * below what its traffic keeps it (Simple Threat Model). */
		if (pctl_engine_keep_for_traffic(e, m, &lifetime, rx->now_ms) ||
		    pctl_engine_refresh(e, m, lifetime, rx->now_ms))
			return reply(e, rx, &resp,
			             PCTL_NATPMP_R_NETWORK_FAILURE, out);
		m->client_port = rx->src_port;
		resp.external_port = m->ext_port;
		resp.lifetime = lifetime;
		return reply(e, rx, &resp, PCTL_NATPMP_R_SUCCESS, out);
	}
	/* S-41: a port over the host's quota, unless it takes back a
	 * cooling port of its own (which counts already). */
	uint32_t room = pctl_engine_quota_room(e, host);
	if ((!room && pctl_engine_reclaim_port(e, PCTL_NO_EXT, proto, host,
	                                       req->internal_port, NULL) < 0) ||
	    (e->cfg.max_mappings && e->table.count >= e->cfg.max_mappings))
		return reply(e, rx, &resp, PCTL_NATPMP_R_NO_RESOURCES, out);
	int xi = pctl_engine_pick_ext(e, host);
	if (xi < 0)
		return reply(e, rx, &resp, PCTL_NATPMP_R_NETWORK_FAILURE, out);
	int p = pick_port(e, (unsigned)xi, proto, host, req->external_port,
	                  req->internal_port);
	if (p < 0 || (!room && !pctl_engine_is_reclaim(
	                           e, (unsigned)xi, proto, (uint16_t)p, host,
	                           req->internal_port, NULL)))
		return reply(e, rx, &resp, PCTL_NATPMP_R_NO_RESOURCES, out);

	m = pctl_table_alloc(&e->table);
	if (!m)
		return reply(e, rx, &resp, PCTL_NATPMP_R_NO_RESOURCES, out);
	m->kind = PCTL_MK_NATPMP;
	m->int_addr = *host;
	m->ext_addr = e->cfg.ext_addrs[xi];
	m->protocol = proto;
	m->int_port = req->internal_port;
	m->ext_port = (uint16_t)p;
	m->port_count = 1;
	m->ext_idx = (uint8_t)xi;
	m->flags |= PCTL_MF_OWNS_PORTS;
	m->client_port = rx->src_port;
	m->srv_idx = pctl_engine_intern_srv(e, &rx->dst);
	int rc = pctl_engine_install(e, m, lifetime, rx->now_ms);
	if (rc)
		return reply(e, rx, &resp,
		             rc == -ENOSPC || rc == -ENOMEM
		                 ? PCTL_NATPMP_R_NO_RESOURCES
		                 : PCTL_NATPMP_R_NETWORK_FAILURE,
		             out);
	resp.external_port = (uint16_t)p;
	resp.lifetime = lifetime;
	return reply(e, rx, &resp, PCTL_NATPMP_R_SUCCESS, out);
}

size_t pctl_natpmp_handle(struct pctl_engine *e, const struct pctl_rx *rx,
                          uint8_t *out)
{
	struct pctl_natpmp req;
	struct pctl_error err;

	/* N-13: a device not doing NAT44 does not speak NAT-PMP; NAT-PMP is
	 * IPv4 only. */
	if (!e->cfg.nat44 || !pctl_addr_is_v4(&rx->src))
		return 0;
	enum pctl_verdict v =
	    pctl_natpmp_request_decode(rx->buf, rx->len, &req, &err);
	if (v == PCTL_V_DROP)
		return 0;
	if (v == PCTL_V_ERROR) {
		e->stats.natpmp_results[err.result < 8 ? err.result : 7]++;
		pctl_audit_refused_natpmp(e, rx, err.result);
		return pctl_natpmp_error_response(
		    rx->buf, rx->len, err.result,
		    pctl_engine_epoch(e, rx->now_ms), out);
	}
	if (req.opcode == PCTL_NATPMP_OP_EXTERNAL_ADDR) {
		/* N-2; R-7-like: no external address yet = 3. */
		uint16_t r = pctl_engine_pick_ext(e, &rx->src) < 0
		                 ? PCTL_NATPMP_R_NETWORK_FAILURE
		                 : PCTL_NATPMP_R_SUCCESS;
		/* Issue 15 item 5: refused to the router itself, as PCP
		 * refuses every request from there. */
		if (pctl_engine_refuses_self(e, &rx->src))
			r = PCTL_NATPMP_R_NOT_AUTHORIZED;
		e->stats.natpmp_results[r]++;
		if (r != PCTL_NATPMP_R_SUCCESS)
			pctl_audit_refused_natpmp(e, rx, r);
		return pctl_natpmp_extaddr_msg(e, &rx->src, rx->now_ms, r, out);
	}
	return handle_map(e, rx, &req, out);
}

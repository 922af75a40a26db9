/*
 * PCP PEER (RFC 6887 section 12): create or extend an outbound mapping for
 * one 5-tuple, S-60..S-67, E-11.
 *
 * PEER never deletes or shortens (S-65, E-11): lifetime 0 only queries.
 * Existing implicit mappings are learnt from the backend (lookup_flow, S-64)
 * when it can tell; the engine's own PEER records carry the nonce rule.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine_core.h"
#include "engine_handlers.h"
#include "engine_msg.h"
#include "engine_opts.h"
#include "engine_state.h"
#include "policy.h"

static size_t fail(struct pctl_engine *e, const struct pctl_rx *rx,
                   uint8_t result, uint32_t lifetime, uint8_t *out)
{
	if (!lifetime)
		lifetime = pctl_result_lifetime(result);
	return pctl_engine_error(e, rx, result, lifetime, out);
}

static size_t respond(struct pctl_engine *e, const struct pctl_rx *rx,
                      const struct pctl_msg *req, const struct pctl_req_opts *o,
                      const struct pctl_mapping *m, uint32_t lifetime,
                      uint8_t *out)
{
	/* S-61: the request's fields are copied by pctl_engine_respond. */
	return pctl_engine_respond(e, rx, req, o, m, lifetime, &m->ext_addr,
	                           m->ext_port, out);
}

/* S-62: a remote peer must be a unicast address of the internal family. */
static bool remote_valid(const pctl_addr *r, const pctl_addr *host)
{
	static const uint8_t loop6[16] = {[15] = 1};

	if (pctl_addr_is_v4(r) != pctl_addr_is_v4(host) || pctl_addr_is_any(r))
		return false;
	if (pctl_addr_is_v4(r)) {
		uint8_t a = r->b[12];
		return a != 127 && a < 224 && a != 0;
	}
	return r->b[0] != 0xff && memcmp(r->b, loop6, 16) != 0;
}

static size_t peer_extend(struct pctl_engine *e, const struct pctl_rx *rx,
                          const struct pctl_msg *req,
                          const struct pctl_req_opts *o, struct pctl_mapping *m,
                          uint8_t *out)
{
	uint64_t now = rx->now_ms;
	uint32_t left = pctl_mapping_left(m, now);

	/* S-64: another nonce set by a previous PEER: refused. */
	if (memcmp(m->nonce, req->nonce, PCTL_NONCE_LEN) != 0)
		return fail(e, rx, PCTL_R_NOT_AUTHORIZED, left, out);
	/* S-65, E-11: never shorter than what is left, never below the
	 * minimum; lifetime 0 just queries. */
	uint32_t lifetime =
	    req->lifetime
	        ? pctl_engine_clamp_lifetime(e, req->protocol, req->lifetime)
	        : e->cfg.min_lifetime;
	if (lifetime < left)
		lifetime = left;
	struct pctl_map_extra *nx;
	if (pctl_extra_renew(m, o, NULL, 0, &nx))
		return fail(e, rx, PCTL_R_NO_RESOURCES, 0, out);
	if (o->third_party && pctl_extra_set_client(&nx, &rx->src)) {
		pctl_map_extra_free(nx);
		return fail(e, rx, PCTL_R_NO_RESOURCES, 0, out);
	}
	if (pctl_engine_refresh(e, m, lifetime, now)) {
		pctl_map_extra_free(nx);
		return fail(e, rx, PCTL_R_NETWORK_FAILURE, 0, out);
	}
	pctl_audit_renewed(e, m, lifetime,
	                   pctl_audit_extra_changes(m->extra, nx));
	pctl_map_extra_free(m->extra);
	m->extra = nx;
	m->client_port = rx->src_port;
	m->srv_idx = pctl_engine_intern_srv(e, &rx->dst);
	m->flags &= (uint8_t)~PCTL_MF_UPDATE_PENDING;
	return respond(e, rx, req, o, m, lifetime, out);
}

size_t pctl_pcp_peer(struct pctl_engine *e, const struct pctl_rx *rx,
                     const struct pctl_msg *req, uint8_t *out)
{
	struct pctl_req_opts o;

	uint8_t r = pctl_engine_parse_opts(e, rx, req, &o);
	if (r)
		return fail(e, rx, r, 0, out);
	const pctl_addr *host =
	    o.third_party ? &o.third_party_addr : &req->client_addr;
	uint8_t proto = req->protocol;
	if (pctl_proto_index(proto) < 0)
		return fail(e, rx, PCTL_R_UNSUPP_PROTOCOL, 0, out);
	if (!remote_valid(&req->remote_addr, host)) /* S-62 */
		return fail(e, rx, PCTL_R_MALFORMED_REQUEST, 0, out);

	struct pctl_mapping *m =
	    pctl_table_find_peer(&e->table, host, proto, req->internal_port,
	                         &req->remote_addr, req->remote_port);
	if (m)
		return peer_extend(e, rx, req, &o, m, out);

	/* A new PEER mapping. */
	/* S-41: one more port of the host's (cooling ones counted). */
	if (!pctl_engine_quota_room(e, host))
		return fail(e, rx, PCTL_R_USER_EX_QUOTA, 0, out);
	if (e->cfg.max_mappings && e->table.count >= e->cfg.max_mappings)
		return fail(e, rx, PCTL_R_NO_RESOURCES, 0, out);

	bool nat = pctl_engine_is_nat(e, host);
	bool sug_any =
	    pctl_addr_is_any(&req->external_addr) && req->external_port == 0;
	pctl_addr ext_addr = *host;
	uint16_t ext_port = req->internal_port;
	bool owns = false;
	unsigned xi = PCTL_NO_EXT;
	struct pctl_dp_flow flow;
	struct pctl_mapping *eim = NULL;
	const uint8_t *tpid = o.tpid_opt ? o.tpid_opt->data : NULL;
	size_t tl = o.tpid_opt ? o.tpid_opt->len : 0;
	int fr = -ENOENT;
	if (e->backend.ops->lookup_flow)
		fr = e->backend.ops->lookup_flow(
		    e->backend.ctx, proto, host, req->internal_port,
		    &req->remote_addr, req->remote_port, &flow);
	if (fr == 0) {
		/* S-64: an implicit mapping exists: the suggestion is
		 * ignored and the mapping returned. */
		ext_addr = flow.ext_addr;
		ext_port = flow.ext_port;
		int x = pctl_engine_ext_index(e, &ext_addr);
		xi = x >= 0 ? (unsigned)x : PCTL_NO_EXT;
	} else if (fr != -ENOENT) {
		return fail(e, rx, PCTL_R_NETWORK_FAILURE, 0, out);
	} else if (nat && (eim = pctl_engine_eim_partner(
	                       e, host, proto, req->internal_port, tpid, tl,
	                       false)) != NULL) {
		/* S-43: the internal endpoint has an inbound mapping; its
		 * outbound traffic uses the same external endpoint (EIM).
		 * Another suggestion cannot be honoured (S-64). */
		if ((req->external_port &&
		     req->external_port != eim->ext_port) ||
		    (!pctl_addr_is_any(&req->external_addr) &&
		     !pctl_addr_equal(&req->external_addr, &eim->ext_addr)))
			return fail(e, rx, PCTL_R_CANNOT_PROVIDE_EXTERNAL,
			            pctl_mapping_left(eim, rx->now_ms), out);
		xi = eim->ext_idx;
		ext_addr = eim->ext_addr;
		ext_port = eim->ext_port;
	} else if (nat) {
		int x = pctl_engine_pick_ext(e, host);
		if (!pctl_addr_is_any(&req->external_addr)) {
			int sx = pctl_engine_ext_index(e, &req->external_addr);
			if (sx < 0 || !pctl_addr_is_v4(&req->external_addr))
				return fail(e, rx,
				            PCTL_R_CANNOT_PROVIDE_EXTERNAL,
				            PCTL_SHORT_ERROR_LIFETIME, out);
			x = sx;
		}
		if (x < 0)
			return fail(e, rx, PCTL_R_NETWORK_FAILURE, 0, out);
		xi = (unsigned)x;
		ext_addr = e->cfg.ext_addrs[xi];
		struct pctl_portmap *pm = pctl_engine_portmap(e, xi, proto);
		if (!pm)
			return fail(e, rx, PCTL_R_NO_RESOURCES, 0, out);
		if (req->external_port) {
			/* S-64: PEER implies PREFER_FAILURE. */
			if (pctl_engine_port_reserved(&e->cfg, proto,
			                              req->external_port) ||
			    !pctl_engine_ext_port_free(
			        e, xi, proto, req->external_port, host,
			        req->internal_port, req->nonce))
				return fail(e, rx,
				            PCTL_R_CANNOT_PROVIDE_EXTERNAL,
				            PCTL_SHORT_ERROR_LIFETIME, out);
			ext_port = req->external_port;
		} else {
			int p = pctl_engine_find_port(e, pm);
			if (p < 0)
				return fail(e, rx, PCTL_R_NO_RESOURCES, 0, out);
			ext_port = (uint16_t)p;
		}
		owns = true;
	} else if (!sug_any && ((!pctl_addr_is_any(&req->external_addr) &&
	                         !pctl_addr_equal(&req->external_addr, host)) ||
	                        (req->external_port &&
	                         req->external_port != req->internal_port))) {
		/* Pinhole: external is internal; another suggestion cannot
		 * be honoured (S-64). */
		return fail(e, rx, PCTL_R_CANNOT_PROVIDE_EXTERNAL,
		            PCTL_SHORT_ERROR_LIFETIME, out);
	}
	if (!pctl_policy_allows(&e->cfg, host, proto, req->internal_port,
	                        ext_port))
		return fail(e, rx, PCTL_R_NOT_AUTHORIZED, 0, out);

	m = pctl_table_alloc(&e->table);
	if (!m)
		return fail(e, rx, PCTL_R_NO_RESOURCES, 0, out);
	if (pctl_extra_make(NULL, 0, NULL, 0, o.desc,
	                    o.has_desc ? o.desc_len : 0, tpid, tl, &m->extra) ||
	    (o.third_party && pctl_extra_set_client(&m->extra, &rx->src))) {
		pctl_table_release(&e->table, m);
		return fail(e, rx, PCTL_R_NO_RESOURCES, 0, out);
	}
	m->kind = PCTL_MK_PEER;
	m->int_addr = *host;
	m->ext_addr = ext_addr;
	m->remote_addr = req->remote_addr;
	m->protocol = proto;
	m->int_port = req->internal_port;
	m->ext_port = ext_port;
	m->remote_port = req->remote_port;
	m->port_count = 1;
	m->ext_idx = (uint8_t)xi;
	memcpy(m->nonce, req->nonce, PCTL_NONCE_LEN);
	if (owns)
		m->flags |= PCTL_MF_OWNS_PORTS;
	if (o.third_party)
		m->flags |= PCTL_MF_THIRD_PARTY;
	m->client_port = rx->src_port;
	m->srv_idx = pctl_engine_intern_srv(e, &rx->dst);
	/* E-11: lifetime 0 creates with the minimum. */
	uint32_t lifetime =
	    req->lifetime
	        ? pctl_engine_clamp_lifetime(e, req->protocol, req->lifetime)
	        : e->cfg.min_lifetime;
	if (fr == 0 && flow.timeout_left > lifetime)
		lifetime = flow.timeout_left; /* never shorter (S-52, S-65) */
	int rc = pctl_engine_install(e, m, lifetime, rx->now_ms);
	if (rc)
		return fail(e, rx,
		            rc == -ENOSPC || rc == -ENOMEM
		                ? PCTL_R_NO_RESOURCES
		                : PCTL_R_NETWORK_FAILURE,
		            0, out);
	return respond(e, rx, req, &o, m, lifetime, out);
}

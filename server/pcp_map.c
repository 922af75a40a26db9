/*
 * PCP MAP (RFC 6887 sections 11, 15, 16; RFC 7220, 7225, 7753, 7843):
 * create, renew and delete of inbound mappings, S-30..S-58, S-75..S-87,
 * X-1..X-4.
 *
 * Every path validates and decides first, then changes the engine and the
 * backend in one step that is undone on failure, so an error response
 * always means "nothing changed" (S-15).
 */
#include <stdlib.h>
#include <string.h>

#include "engine_core.h"
#include "engine_handlers.h"
#include "engine_msg.h"
#include "engine_opts.h"
#include "engine_state.h"
#include "pcp_map_shared.h"
#include "policy.h"
#include "port_set_overlap.h"

struct map_ctx {
	struct pctl_engine *e;
	const struct pctl_rx *rx;
	const struct pctl_msg *req;
	struct pctl_req_opts o;
	const pctl_addr *host; /* internal address: THIRD_PARTY or source */
	const uint8_t *tpid;
	size_t tpid_len;
	uint8_t *out;
	uint32_t room; /* S-41: ports the host may still take */
};

static size_t fail(struct map_ctx *c, uint8_t result, uint32_t lifetime)
{
	if (!lifetime)
		lifetime = pctl_result_lifetime(result);
	return pctl_engine_error(c->e, c->rx, result, lifetime, c->out);
}

static size_t respond(struct map_ctx *c, const struct pctl_mapping *m,
                      uint32_t lifetime, const pctl_addr *ext_addr,
                      uint16_t ext_port)
{
	return pctl_engine_respond(c->e, c->rx, c->req, &c->o, m, lifetime,
	                           ext_addr, ext_port, c->out);
}

static void note_client(struct map_ctx *c, struct pctl_mapping *m)
{
	pctl_map_note_client(c->e, c->rx, m);
}

static bool nonce_ok(const struct pctl_mapping *m, const struct pctl_msg *req)
{
	return pctl_map_nonce_ok(m, req);
}

/* A MAP adopted from the data plane after a damaged journal lost its
 * owner's nonce (engine.h, nonce_unknown).  Refusing every nonce would lock
 * the owner out until the kernel timeout while it keeps the port; so the
 * first MAP for the mapping from its own internal endpoint (same host,
 * protocol and internal port: the request found it by them) and not
 * through THIRD_PARTY takes it over with that request's nonce, the same
 * trust a fresh MAP for that endpoint gets.  Anything else is still
 * refused (S-33). */
static bool nonce_adoptable(const struct map_ctx *c,
                            const struct pctl_mapping *m)
{
	return m->nonce_unknown && m->kind == PCTL_MK_MAP && !c->o.third_party;
}

static void set_nonce(struct pctl_mapping *m, const uint8_t *nonce,
                      bool unknown)
{
	memcpy(m->nonce, nonce, PCTL_NONCE_LEN);
	m->nonce_unknown = unknown;
}

/* ---- delete (S-55..S-58, erratum 3621) ----------------------------------- */

static size_t map_delete(struct map_ctx *c, struct pctl_mapping *m)
{
	if (m) {
		/* S-57, R-2: static and NAT-PMP mappings are not MAP's. */
		if (m->kind != PCTL_MK_MAP)
			return fail(c, PCTL_R_NOT_AUTHORIZED, 0);
		/* S-33, S-55: only the creating nonce deletes. */
		if (!nonce_ok(m, c->req) && !nonce_adoptable(c, m))
			return fail(c, PCTL_R_NOT_AUTHORIZED,
			            pctl_mapping_left(m, c->rx->now_ms));
		/* S-52: not sooner than the mapping's traffic would keep it
		 * (Simple Threat Model); then it is shortened, not deleted. */
		uint32_t keep = 0;
		uint64_t now = c->rx->now_ms;
		if (pctl_engine_keep_for_traffic(c->e, m, &keep, now))
			return fail(c, PCTL_R_NETWORK_FAILURE, 0);
		if (keep) {
			if (pctl_engine_refresh(c->e, m, keep, now))
				return fail(c, PCTL_R_NETWORK_FAILURE, 0);
			note_client(c, m);
			return respond(c, m, keep, &m->ext_addr, m->ext_port);
		}
		int rc = pctl_engine_remove(c->e, m, now);
		if (rc)
			return fail(c, pctl_map_backend_result(rc), 0);
	}
	/* S-57: SUCCESS, lifetime 0, also for a mapping that did not exist
	 * (S-17); S-56: the suggested fields are copied back. */
	return respond(c, NULL, 0, &c->req->external_addr,
	               c->req->external_port);
}

/* ---- renew (S-36.3, S-83, X-1.5, X-3.7) ---------------------------------- */

static size_t map_renew(struct map_ctx *c, struct pctl_mapping *m)
{
	struct pctl_engine *e = c->e;
	const struct pctl_req_opts *o = &c->o;
	uint64_t now = c->rx->now_ms;

	if (m->kind == PCTL_MK_STATIC) {
		/* S-34, S-36.2: the static mapping, lifetime 2^32-1, and the
		 * nonce is echoed but not recorded. */
		if (o->prefer_failure &&
		    (m->ext_port != c->req->external_port ||
		     (!pctl_addr_is_any(&c->req->external_addr) &&
		      !pctl_addr_equal(&m->ext_addr, &c->req->external_addr))))
			return fail(c, PCTL_R_CANNOT_PROVIDE_EXTERNAL,
			            PCTL_SHORT_ERROR_LIFETIME);
		return respond(c, m, PCTL_LIFETIME_STATIC, &m->ext_addr,
		               m->ext_port);
	}
	/* A NAT-PMP mapping is not taken over by PCP, nor the reverse:
	 * answered like a foreign nonce. */
	bool adopt = nonce_adoptable(c, m);
	if (m->kind != PCTL_MK_MAP || !(adopt || nonce_ok(m, c->req)))
		return fail(c, PCTL_R_NOT_AUTHORIZED,
		            pctl_mapping_left(m, now));
	/* S-36.1: PREFER_FAILURE with another external endpoint. */
	if (o->prefer_failure &&
	    (m->ext_port != c->req->external_port ||
	     (!pctl_addr_is_any(&c->req->external_addr) &&
	      !pctl_addr_equal(&m->ext_addr, &c->req->external_addr))))
		return fail(c, PCTL_R_CANNOT_PROVIDE_EXTERNAL,
		            pctl_mapping_left(m, now));

	uint32_t lifetime;
	struct pctl_map_extra *nx;
	uint8_t r =
	    pctl_map_renew_prepare(e, c->rx, c->req, o, m, &lifetime, &nx);
	if (r)
		return fail(c, r, 0);

	struct pctl_map_extra *ox = m->extra;
	uint8_t old_nonce[PCTL_NONCE_LEN];
	memcpy(old_nonce, m->nonce, PCTL_NONCE_LEN);
	m->extra = nx;
	if (adopt) /* before the refresh, so that the journal records it */
		set_nonce(m, c->req->nonce, false);
	int rc = pctl_engine_refresh(e, m, lifetime, now);
	if (rc) {
		m->extra = ox; /* S-15: back to the old state */
		if (adopt)
			set_nonce(m, old_nonce, true);
		pctl_map_extra_free(nx);
		return fail(c, pctl_map_backend_result(rc), 0);
	}
	pctl_audit_renewed(e, m, lifetime,
	                   pctl_audit_extra_changes(ox, nx) |
	                       (adopt ? PCTL_AUDIT_CH_NONCE : 0));
	pctl_map_extra_free(ox);
	note_client(c, m);
	return respond(c, m, lifetime, &m->ext_addr, m->ext_port);
}

/* ---- create (S-32, S-37..S-45, X-3) ----------------------------------------
 */

/* The external address index for a NAT44 request: the suggested one when
 * it is ours (S-42), else the host's usual one; -1 none configured. */
static int choose_addr(struct map_ctx *c, bool *honoured)
{
	const pctl_addr *sug = &c->req->external_addr;

	*honoured = true;
	if (!pctl_addr_is_any(sug)) {
		int xi = pctl_engine_ext_index(c->e, sug);
		if (xi >= 0 && pctl_addr_is_v4(sug))
			return xi;
		*honoured = false; /* S-38: not an address we own */
	}
	return pctl_engine_pick_ext(c->e, c->host);
}

/* S-38: reserved ports are never free in the allocator, and policy may
 * forbid the port. */
static bool port_usable(struct map_ctx *c, unsigned xi, uint16_t port)
{
	return pctl_engine_port_usable(c->e, xi, c->req->protocol, port,
	                               c->host, c->req->internal_port,
	                               c->req->nonce);
}

/* how many ports of a PORT_SET request a new mapping may have: the
 * size asked, within the port space after the internal port, the
 * configured bound and what is left of the host's quota (RFC 7753 lets the
 * server grant fewer).  1 when no set is asked. */
static uint32_t port_set_want(const struct map_ctx *c)
{
	if (!c->o.has_port_set)
		return 1;
	uint32_t want = c->o.port_set.size;
	uint32_t space = 65536u - c->req->internal_port;
	if (want > space)
		want = space;
	if (want > c->e->cfg.max_port_set)
		want = c->e->cfg.max_port_set;
	if (want > c->room)
		want = c->room;
	return want ? want : 1;
}

/* Picks the external ports of a NAT44 mapping.  Returns a result code; on
 * SUCCESS *port and *count are set.  The suggested port is kept also when
 * the suggested address is not ours (issue 16: libtorrent suggests its
 * internal address); with PREFER_FAILURE the caller has refused that. */
static uint8_t choose_ports(struct map_ctx *c, unsigned xi, uint16_t *port,
                            uint16_t *count, int *parity)
{
	struct pctl_engine *e = c->e;
	uint8_t proto = c->req->protocol;
	uint16_t sug = c->req->external_port;
	bool pf = c->o.prefer_failure;
	struct pctl_portmap *pm = pctl_engine_portmap(e, xi, proto);

	if (!pm)
		return PCTL_R_NO_RESOURCES;
	*parity = -1;
	if (proto == 132) {
		/* S-45: SCTP ports are not rewritten: external == internal,
		 * else CANNOT_PROVIDE_EXTERNAL. */
		if (!port_usable(c, xi, c->req->internal_port))
			return PCTL_R_CANNOT_PROVIDE_EXTERNAL;
		*port = c->req->internal_port;
		*count = 1;
		return PCTL_R_SUCCESS;
	}
	uint32_t want = port_set_want(c);
	if (want > 1) {
		/* as many as possible of [internal, internal+size),
		 * at least one: parity of the first internal port.
		 * The suggested first port when the run there is free (S-37),
		 * else a run from a random point (RFC 6056). */
		if (c->o.port_set.parity)
			*parity = c->req->internal_port & 1;
		uint16_t start = sug ? sug : pctl_engine_port_start(e);
		for (; want > 1; want /= 2) {
			int p = pctl_portmap_find_run(pm, want, *parity, start);
			if (p >= 0 && pctl_policy_allows(
			                  &e->cfg, c->host, proto,
			                  c->req->internal_port, (uint16_t)p)) {
				*port = (uint16_t)p;
				*count = (uint16_t)want;
				return PCTL_R_SUCCESS;
			}
		}
		/* Falls through to a single port (X-3.3 "at least one"). */
	}
	*count = 1;
	/* S-37: the suggestion when usable. */
	if (sug && port_usable(c, xi, sug)) {
		*port = sug;
		return PCTL_R_SUCCESS;
	}
	/* S-39: with PREFER_FAILURE nothing else will do. */
	if (pf)
		return PCTL_R_CANNOT_PROVIDE_EXTERNAL;
	/* S-53: the port cooling after this client's own mapping of the
	 * endpoint, which it need not remember to get back. */
	int rp = pctl_engine_reclaim_port(e, xi, proto, c->host,
	                                  c->req->internal_port, c->req->nonce);
	if (rp >= 0 &&
	    pctl_policy_allows(&e->cfg, c->host, proto, c->req->internal_port,
	                       (uint16_t)rp)) {
		*port = (uint16_t)rp;
		return PCTL_R_SUCCESS;
	}
	/* Issue 16: no suggestion: the internal port when it is usable, as
	 * the application most likely wants (prefer-internal-port). */
	if (!sug && e->cfg.prefer_internal_port &&
	    port_usable(c, xi, c->req->internal_port)) {
		*port = c->req->internal_port;
		return PCTL_R_SUCCESS;
	}
	/* Otherwise any free port from a random point (RFC 6056); a few
	 * candidates in case policy forbids some (each candidate is
	 * O(1)). */
	for (int tries = 0; tries < 8; tries++) {
		int p = pctl_engine_find_port(e, pm);
		if (p < 0)
			return PCTL_R_NO_RESOURCES;
		if (pctl_policy_allows(&e->cfg, c->host, proto,
		                       c->req->internal_port, (uint16_t)p)) {
			*port = (uint16_t)p;
			return PCTL_R_SUCCESS;
		}
	}
	return PCTL_R_NOT_AUTHORIZED;
}

static size_t map_create(struct map_ctx *c)
{
	struct pctl_engine *e = c->e;
	const struct pctl_msg *req = c->req;
	uint8_t proto = req->protocol;
	bool nat = pctl_engine_is_nat(e, c->host);

	/* S-32: all-protocols / all-ports only where policy allows and the
	 * whole request can be fulfilled: pinholes (a NAT44 address cannot
	 * give away all its ports to one host). */
	if ((proto == 0 && !e->cfg.allow_all_protocols) ||
	    (req->internal_port == 0 && !e->cfg.allow_all_ports) ||
	    ((proto == 0 || req->internal_port == 0) && nat))
		return fail(c, PCTL_R_UNSUPP_PROTOCOL, 0);
	/* S-41: quotas.  At the host's quota only a port of its own that is
	 * cooling can be had (it counts already). */
	c->room = pctl_engine_quota_room(e, c->host);
	if (!c->room && (!nat || pctl_engine_reclaim_port(
	                             e, PCTL_NO_EXT, proto, c->host,
	                             req->internal_port, req->nonce) < 0))
		return fail(c, PCTL_R_USER_EX_QUOTA, 0);
	if (e->cfg.max_mappings && e->table.count >= e->cfg.max_mappings)
		return fail(c, PCTL_R_NO_RESOURCES, 0);
	/* S-86 */
	if (c->o.n_filters > e->cfg.max_filters)
		return fail(c, PCTL_R_EXCESSIVE_REMOTE_PEERS, 0);

	pctl_addr ext_addr;
	uint16_t ext_port, count = 1;
	int parity = -1;
	unsigned xi = PCTL_NO_EXT;
	struct pctl_mapping *peer =
	    nat && port_set_want(c) <= 1
	        ? pctl_engine_eim_partner(e, c->host, proto, req->internal_port,
	                                  c->tpid, c->tpid_len, true)
	        : NULL;
	bool shared = false;
	if (peer) {
		/* S-36.4: an outbound (PEER) mapping exists: the inbound one
		 * copies its external address and port (EIM, S-43). */
		if (c->o.prefer_failure &&
		    (req->external_port != peer->ext_port ||
		     (!pctl_addr_is_any(&req->external_addr) &&
		      !pctl_addr_equal(&req->external_addr, &peer->ext_addr))))
			return fail(c, PCTL_R_CANNOT_PROVIDE_EXTERNAL,
			            pctl_mapping_left(peer, c->rx->now_ms));
		if (!pctl_policy_allows(&e->cfg, c->host, proto,
		                        req->internal_port, peer->ext_port))
			return fail(c, PCTL_R_NOT_AUTHORIZED, 0);
		xi = peer->ext_idx;
		ext_addr = peer->ext_addr;
		ext_port = peer->ext_port;
		shared = true;
	} else if (nat) {
		bool addr_ok;
		int x = choose_addr(c, &addr_ok);
		if (x < 0) /* no external address (yet) */
			return fail(c, PCTL_R_NETWORK_FAILURE, 0);
		if (!addr_ok && c->o.prefer_failure) /* S-39 */
			return fail(c, PCTL_R_CANNOT_PROVIDE_EXTERNAL,
			            PCTL_SHORT_ERROR_LIFETIME);
		xi = (unsigned)x;
		uint8_t r = choose_ports(c, xi, &ext_port, &count, &parity);
		if (r) {
			uint32_t lt = 0;
			if (r == PCTL_R_CANNOT_PROVIDE_EXTERNAL) {
				/* S-76: the conflicting mapping's remaining
				 * lifetime when there is one. */
				struct pctl_mapping *cm = pctl_table_find_ext(
				    &e->table, &e->cfg.ext_addrs[xi], proto,
				    req->external_port);
				lt = cm ? pctl_mapping_left(cm, c->rx->now_ms)
				        : PCTL_SHORT_ERROR_LIFETIME;
				if (!lt)
					lt = PCTL_SHORT_ERROR_LIFETIME;
			}
			return fail(c, r, lt);
		}
		ext_addr = e->cfg.ext_addrs[xi];
	} else {
		/* Pinhole: the external endpoint is the internal one. */
		ext_addr = *c->host;
		ext_port = req->internal_port;
		if (c->o.prefer_failure &&
		    ((!pctl_addr_is_any(&req->external_addr) &&
		      !pctl_addr_equal(&req->external_addr, c->host)) ||
		     req->external_port != req->internal_port))
			return fail(c, PCTL_R_CANNOT_PROVIDE_EXTERNAL,
			            PCTL_SHORT_ERROR_LIFETIME);
		if (req->internal_port && port_set_want(c) > 1)
			count = (uint16_t)port_set_want(c);
		if (!pctl_policy_allows(&e->cfg, c->host, proto,
		                        req->internal_port, ext_port))
			return fail(c, PCTL_R_NOT_AUTHORIZED, 0);
	}

	/* S-41: what the mapping adds to the host's ports (a cooling port
	 * of its own it takes back counts already). */
	uint32_t cost = count;
	if (nat && !shared && count == 1 &&
	    pctl_engine_is_reclaim(e, xi, proto, ext_port, c->host,
	                           req->internal_port, req->nonce))
		cost = 0;
	if (cost > c->room)
		return fail(c, PCTL_R_USER_EX_QUOTA, 0);

	struct pctl_mapping *m = pctl_table_alloc(&e->table);
	if (!m)
		return fail(c, PCTL_R_NO_RESOURCES, 0);
	if (pctl_extra_make(NULL, 0, c->o.filters, c->o.n_filters, c->o.desc,
	                    c->o.has_desc ? c->o.desc_len : 0, c->tpid,
	                    c->tpid_len, &m->extra) ||
	    (c->o.third_party &&
	     pctl_extra_set_client(&m->extra, &c->rx->src))) {
		pctl_table_release(&e->table, m);
		return fail(c, PCTL_R_NO_RESOURCES, 0);
	}
	m->kind = PCTL_MK_MAP;
	m->int_addr = *c->host;
	m->ext_addr = ext_addr;
	m->protocol = proto;
	m->int_port = req->internal_port;
	m->ext_port = ext_port;
	m->port_count = count;
	m->ext_idx = (uint8_t)xi;
	memcpy(m->nonce, req->nonce, PCTL_NONCE_LEN);
	if (nat && !shared)
		m->flags |= PCTL_MF_OWNS_PORTS;
	if (c->o.third_party)
		m->flags |= PCTL_MF_THIRD_PARTY;
	if (c->o.prefer_failure)
		m->flags |= PCTL_MF_PREFER_FAILURE;
	if (parity >= 0)
		m->flags |= PCTL_MF_PARITY;
	note_client(c, m);
	uint32_t lifetime =
	    pctl_engine_clamp_lifetime(e, req->protocol, req->lifetime);
	int rc = pctl_engine_install(e, m, lifetime, c->rx->now_ms);
	if (rc)
		return fail(c, pctl_map_backend_result(rc), 0);
	return respond(c, m, lifetime, &m->ext_addr, m->ext_port);
}

/* ---- overlap (X-3.8) --------------------------------------------------------
 */

/* Must a request with a non-zero lifetime look beyond its exact internal
 * endpoint (m, NULL when none)?  Only when a port set can be involved: the
 * request asks for one, or it would create a mapping while port sets exist
 * around.  The usual create and renew stay O(1).  All-ports and
 * all-protocols requests (S-32) are keyed as today. */
static bool may_overlap(struct map_ctx *c, const struct pctl_mapping *m)
{
	struct pctl_engine *e = c->e;

	if (!c->req->internal_port || !c->req->protocol)
		return false;
	if (pctl_overlap_span(c->req, &c->o) > 1)
		return true;
	return !m && e->port_set_maps != 0;
}

/* refresh the overlapped mappings; with none, create as usual, and
 * with only the exact one, renew it as usual.  An overlapping request is only a
 * refresh: the requested ports no mapping covers are not mapped (RFC 7753
 * 5.3: 100..199 over 100 and 101-199 gives two responses, nothing new). */
static size_t map_set(struct map_ctx *c, struct pctl_mapping *m)
{
	struct pctl_mapping **v;
	long n = pctl_overlap_find(
	    c->e, c->host, c->req->protocol, c->req->internal_port,
	    pctl_overlap_span(c->req, &c->o), c->tpid, c->tpid_len, &v);
	if (n < 0)
		return fail(c, PCTL_R_NO_RESOURCES, 0);
	size_t len;
	if (n == 0)
		len = map_create(c);
	else if (n == 1 && v[0] == m)
		len = map_renew(c, m); /* the set itself */
	else
		len = pctl_overlap_refresh(c->e, c->rx, c->req, &c->o, v,
		                           (size_t)n, c->out);
	free(v);
	return len;
}

size_t pctl_pcp_map(struct pctl_engine *e, const struct pctl_rx *rx,
                    const struct pctl_msg *msg, uint8_t *out)
{
	struct map_ctx c = {.e = e, .rx = rx, .req = msg, .out = out};

	uint8_t r = pctl_engine_parse_opts(e, rx, msg, &c.o);
	if (r)
		return fail(&c, r, 0);
	c.host = c.o.third_party ? &c.o.third_party_addr : &msg->client_addr;
	if (c.o.tpid_opt) {
		c.tpid = c.o.tpid_opt->data;
		c.tpid_len = c.o.tpid_opt->len;
	}
	/* S-32: TCP, UDP, SCTP, DCCP, or 0 = all. */
	if (msg->protocol && pctl_proto_index(msg->protocol) < 0)
		return fail(&c, PCTL_R_UNSUPP_PROTOCOL, 0);
	struct pctl_mapping *m =
	    pctl_table_find_int(&e->table, c.host, msg->protocol,
	                        msg->internal_port, c.tpid, c.tpid_len);
	if (msg->lifetime == 0)
		return map_delete(&c, m);
	if (may_overlap(&c, m))
		return map_set(&c, m);
	if (m)
		return map_renew(&c, m);
	return map_create(&c);
}

/*
 * Answers from a server: checked in the order of RFC 6887 section 8.3
 * (C-30..C-36), version negotiation (C-50, N-20), the epoch check (C-40..
 * C-44, N-12), then applied to the mapping they belong to: success (C-45,
 * C-37 Mapping Updates, C-39), or an error with its hold time (C-46..C-49).
 */
#include <string.h>
#include <syslog.h>

#include "internal.h"

/* C-23: lifetimes above the sanity cap are treated as the cap. */
static uint32_t cap_lifetime(const struct pctl_client *c, uint32_t l)
{
	return l > c->cfg.max_lifetime ? c->cfg.max_lifetime : l;
}

static bool waiting(const struct pctl_client_map *m)
{
	return m->state == PCTL_MS_PENDING || m->state == PCTL_MS_DELETING;
}

/* The NAT-PMP result as the closest PCP result, for one error path. */
static uint8_t natpmp_to_pcp(uint16_t r)
{
	switch (r) {
	case PCTL_NATPMP_R_UNSUPP_VERSION:
		return PCTL_R_UNSUPP_VERSION;
	case PCTL_NATPMP_R_NOT_AUTHORIZED:
		return PCTL_R_NOT_AUTHORIZED;
	case PCTL_NATPMP_R_NETWORK_FAILURE:
		return PCTL_R_NETWORK_FAILURE;
	case PCTL_NATPMP_R_NO_RESOURCES:
		return PCTL_R_NO_RESOURCES;
	case PCTL_NATPMP_R_UNSUPP_OPCODE:
		return PCTL_R_UNSUPP_OPCODE;
	default: /* N-6: undefined codes are fatal for the request */
		return PCTL_R_MALFORMED_REQUEST;
	}
}

/* An error answer: hold (C-46, C-47), report once per repeated code. */
static void apply_error(struct pctl_client_map *m, uint8_t result,
                        uint32_t lifetime, uint64_t now)
{
	struct pctl_client *c = m->c;
	struct pctl_srv *s = &c->srv[m->srv];
	uint64_t hold;
	bool was_delete = m->state == PCTL_MS_DELETING;

	if (!lifetime)
		lifetime = pctl_result_lifetime(result);
	if (!lifetime)
		lifetime = PCTL_SHORT_ERROR_LIFETIME;
	lifetime = cap_lifetime(c, lifetime);
	hold = now + (uint64_t)lifetime * 1000u;
	if (result == PCTL_R_NO_RESOURCES) { /* C-47 */
		if (was_delete)
			s->hold_all_until = hold;
		else
			s->hold_new_until = hold;
	}
	if (result == PCTL_R_ADDRESS_MISMATCH)
		m->double_nat = true; /* C-48: a NAT sits in between */
	m->result = result;
	m->lifetime = lifetime;
	m->state = PCTL_MS_ERROR;
	m->have_ext = m->have_ext && !was_delete;
	/* C-46: nothing is resent before the error's lifetime is over. */
	m->next_at = m->p.keep && !was_delete ? hold : 0;
	if (!m->logged_any || m->logged_result != result) {
		char a[PCTL_ADDRSTRLEN];
		pctl_cl_log(
		    c, LOG_WARNING, "server %s refused port %u: %s (%s)",
		    pctl_addr_to_str(&s->addr, a, sizeof(a)),
		    m->p.internal_port, pctl_result_name(result),
		    pctl_result_class(result) == PCTL_ERR_LONG ? "long"
		                                               : "short");
		m->logged_any = true;
		m->logged_result = result;
	}
	pctl_cl_notify(m, PCTL_EV_ERROR);
}

/* While deleting, a success with a lifetime: is it the server keeping the
 * mapping for its traffic (S-52)?  See delete_only and kept_tx. */
static bool kept_for_traffic(struct pctl_client_map *m)
{
	if (m->delete_only || (m->kept_tx && m->tx > m->kept_tx))
		return true;
	if (!m->kept_tx)
		m->kept_tx = m->tx ? m->tx : 1;
	return false;
}

/* A success answer.  ext may be NULL (ANNOUNCE). */
static void apply_success(struct pctl_client_map *m, const pctl_addr *ext,
                          uint16_t port, uint32_t lifetime, uint64_t now)
{
	enum pctl_client_map_event ev = PCTL_EV_GRANTED;
	bool changed;

	m->result = PCTL_R_SUCCESS;
	m->natpmp_result = 0;
	m->logged_any = false;
	if (m->state == PCTL_MS_DELETING) {
		/* A lifetime left means the server keeps the mapping that
		 * long for the traffic still on it (S-52, RFC 6887 section
		 * 15): said in the info, never renewed. */
		m->state = PCTL_MS_DELETED;
		m->have_ext = lifetime && ext;
		if (m->have_ext) {
			m->ext_addr = *ext;
			m->ext_port = port;
		}
		m->next_at = 0;
		m->lifetime = cap_lifetime(m->c, lifetime);
		pctl_cl_notify(m, PCTL_EV_DELETED);
		return;
	}
	if (ext) {
		changed = m->have_ext && (!pctl_addr_equal(&m->ext_addr, ext) ||
		                          m->ext_port != port);
		if (m->state == PCTL_MS_GRANTED)
			ev = changed ? PCTL_EV_CHANGED : PCTL_EV_RENEWED;
		else if (changed)
			ev = PCTL_EV_CHANGED; /* re-created elsewhere */
		m->ext_addr = *ext;
		m->ext_port = port;
		m->have_ext = true;
		/* A private or shared external IPv4 address: a second NAT. */
		m->double_nat = pctl_addr_is_private_v4(ext);
	}
	m->lifetime = cap_lifetime(m->c, lifetime); /* C-23 */
	m->state = PCTL_MS_GRANTED;
	pctl_ex_granted(m, now);
	pctl_cl_notify(m, ev);
}

/* C-50, N-20: switch the waiting exchanges at this server to the other
 * protocol and resend at once; bounded so a confused server cannot make
 * us ping-pong. */
static void switch_version(struct pctl_client *c, int srv, bool to_natpmp,
                           uint64_t now)
{
	for (struct pctl_client_map *m = c->maps; m; m = m->next) {
		if (m->dead || m->srv != srv || !m->tx ||
		    m->natpmp == to_natpmp)
			continue;
		if (m->state != PCTL_MS_GRANTED && !waiting(m))
			continue;
		if (m->version_switches >= 2)
			continue;
		if (to_natpmp &&
		    (m->p.kind == PCTL_REQ_PEER || m->p.has_third_party ||
		     m->p.n_filters || m->p.prefer_failure ||
		     m->p.port_set_size ||
		     (m->p.kind == PCTL_REQ_MAP && m->p.protocol != 6 &&
		      m->p.protocol != 17))) {
			/* NAT-PMP cannot express this request. */
			apply_error(m, PCTL_R_UNSUPP_VERSION, 0, now);
			continue;
		}
		m->version_switches++;
		m->natpmp = to_natpmp;
		m->natpmp_need_addr = to_natpmp && !c->srv[srv].have_natpmp_ext;
		m->tx = 0;
		m->rt = 0;
		if (to_natpmp && waiting(m) && pctl_ex_natpmp_busy(c, srv, m)) {
			m->next_at = now + PCTL_NATPMP_IRT_MS; /* N-11 */
			continue;
		}
		pctl_ex_send(m, now);
		if (waiting(m))
			m->next_at = now + (to_natpmp ? PCTL_NATPMP_IRT_MS
			                              : c->cfg.irt_ms);
	}
}

/* RFC 7488: the first address that answers is the one we stick to, for
 * the mappings of that external family. */
static void select_server(struct pctl_client *c, int srv, int fam)
{
	if (c->selected[fam] == srv)
		return;
	c->selected[fam] = srv;
	for (struct pctl_client_map *m = c->maps; m; m = m->next)
		if (!m->dead && waiting(m) && m->srv != srv &&
		    pctl_fam(m) == fam) {
			m->srv = srv;
			m->tx_this_srv = 0;
		}
}

static void epoch_checked(struct pctl_client *c, int srv, bool valid,
                          const struct pctl_client_map *m, uint64_t now)
{
	if (!valid)
		pctl_ex_server_lost_state(c, srv, m, now);
}

/* C-35: does this PCP answer belong to m? */
static bool pcp_matches(const struct pctl_client_map *m,
                        const struct pctl_msg *r)
{
	const struct pctl_option *tp;
	pctl_addr tpa;

	if (m->natpmp && m->p.kind != PCTL_REQ_ANNOUNCE)
		return false;
	switch (m->p.kind) {
	case PCTL_REQ_ANNOUNCE:
		return r->opcode == PCTL_OP_ANNOUNCE && waiting(m);
	case PCTL_REQ_EXTERNAL:
		return r->opcode == PCTL_OP_MAP && r->protocol == 17 &&
		       r->internal_port == 9 &&
		       !memcmp(r->nonce, m->nonce, PCTL_NONCE_LEN);
	case PCTL_REQ_MAP:
	case PCTL_REQ_PEER:
		break;
	}
	if (r->opcode !=
	        (m->p.kind == PCTL_REQ_PEER ? PCTL_OP_PEER : PCTL_OP_MAP) ||
	    memcmp(r->nonce, m->nonce, PCTL_NONCE_LEN) ||
	    r->protocol != m->p.protocol ||
	    r->internal_port != m->p.internal_port)
		return false;
	if (m->p.kind == PCTL_REQ_PEER &&
	    (!pctl_addr_equal(&r->remote_addr, &m->p.remote_addr) ||
	     r->remote_port != m->p.remote_port))
		return false;
	/* The internal address: THIRD_PARTY's when we sent one. */
	tp = pctl_msg_option(r, PCTL_OPT_THIRD_PARTY);
	if (m->p.has_third_party) {
		if (tp && (pctl_third_party_parse(tp, &tpa) != PCTL_R_SUCCESS ||
		           !pctl_addr_equal(&tpa, &m->p.third_party)))
			return false;
	} else if (tp) {
		return false;
	}
	return true;
}

static bool usable_external(const pctl_addr *a)
{
	/* A zero or loopback external address is nothing to publish. */
	return !pctl_addr_is_any(a) && !pctl_addr_is_loopback(a);
}

static void pcp_input(struct pctl_client *c, int srv, const uint8_t *buf,
                      size_t len, uint64_t now)
{
	struct pctl_msg r;
	struct pctl_error err;
	bool matched = false;

	if (pctl_response_decode(buf, len, &r, &err) != PCTL_V_OK)
		return;                          /* C-31, C-33 */
	if (r.result == PCTL_R_UNSUPP_VERSION) { /* C-32, C-50 */
		if (r.version == PCTL_NATPMP_VERSION) {
			switch_version(c, srv, true, now);
		} else if (r.version == PCTL_VERSION) {
			/* Quirk: a PCP server answering our NAT-PMP request
			 * with version 2: it speaks PCP after all. */
			switch_version(c, srv, false, now);
		} else {
			/* C-50.4: only an older (1) version; retry after
			 * min(30 min, Lifetime) (K-24). */
			uint32_t l = r.lifetime && r.lifetime < 1800u
			                 ? r.lifetime
			                 : 1800u;
			for (struct pctl_client_map *m = c->maps; m;
			     m = m->next)
				if (!m->dead && m->srv == srv && waiting(m) &&
				    !m->natpmp) {
					m->too_old = true;
					apply_error(m, PCTL_R_UNSUPP_VERSION, l,
					            now);
				}
		}
		return;
	}
	if (r.version != PCTL_VERSION)
		return;
	for (struct pctl_client_map *m = c->maps; m; m = m->next) {
		bool valid;
		/* m->u.active: gone to the UPnP IGD; a late PCP answer
		 * would make it two mappings. */
		if (m->dead || m->u.active || m->srv != srv ||
		    !pcp_matches(m, &r))
			continue;
		if (m->state == PCTL_MS_DELETED)
			continue;
		/* A late answer to an earlier renewal is not the delete,
		 * unless it is the server keeping the mapping (S-52). */
		if (m->state == PCTL_MS_DELETING &&
		    r.result == PCTL_R_SUCCESS && r.lifetime &&
		    !kept_for_traffic(m))
			return;
		/* C-39: with PREFER_FAILURE a success must give exactly what
		 * we suggested, else it is a stale Mapping Update. */
		if (r.result == PCTL_R_SUCCESS && m->p.prefer_failure &&
		    m->state != PCTL_MS_DELETING &&
		    (r.external_port != m->p.suggest_port ||
		     !pctl_addr_equal(&r.external_addr, &m->p.suggest_addr)))
			return;
		if (r.result == PCTL_R_SUCCESS &&
		    m->state != PCTL_MS_DELETING &&
		    m->p.kind != PCTL_REQ_ANNOUNCE &&
		    (!usable_external(&r.external_addr) ||
		     (r.external_port == 0 && r.protocol != 0))) {
			char a[PCTL_ADDRSTRLEN];
			pctl_cl_log(
			    c, LOG_WARNING,
			    "ignored answer with unusable external "
			    "endpoint %s port %u",
			    pctl_addr_to_str(&r.external_addr, a, sizeof(a)),
			    r.external_port);
			return;
		}
		matched = true;
		select_server(c, srv, pctl_fam(m));
		/* C-36, C-44: the epoch check before acting. */
		valid = pctl_epoch_check(&c->srv[srv].epoch, r.epoch, now);
		m->epoch = r.epoch;
		m->version = PCTL_VERSION;
		if (r.result == PCTL_R_SUCCESS)
			apply_success(m,
			              m->p.kind == PCTL_REQ_ANNOUNCE
			                  ? NULL
			                  : &r.external_addr,
			              r.external_port, r.lifetime, now);
		else
			apply_error(m, r.result, r.lifetime, now);
		epoch_checked(c, srv, valid, m, now);
		break; /* one mapping per nonce */
	}
	if (!matched && r.opcode == PCTL_OP_ANNOUNCE &&
	    r.result == PCTL_R_SUCCESS) {
		/* A unicast ANNOUNCE we did not ask for (C-56, C-57). */
		bool valid = pctl_epoch_check(&c->srv[srv].epoch, r.epoch, now);
		epoch_checked(c, srv, valid, NULL, now);
	}
	/* C-37: anything else is for a request we never sent: ignored. */
}

static void natpmp_input(struct pctl_client *c, int srv, const uint8_t *buf,
                         size_t len, uint64_t now)
{
	struct pctl_srv *s = &c->srv[srv];
	struct pctl_natpmp r;
	struct pctl_error err;
	bool valid;

	if (pctl_natpmp_response_decode(buf, len, &r, &err) != PCTL_V_OK ||
	    !r.response)
		return;
	if (r.result == PCTL_NATPMP_R_UNSUPP_VERSION) {
		/* N-20: a NAT-PMP-only server refused our PCP request. */
		switch_version(c, srv, true, now);
		return;
	}
	if (r.opcode == PCTL_NATPMP_OP_EXTERNAL_ADDR) {
		valid = pctl_natpmp_epoch_check(&s->epoch, r.epoch, now);
		if (r.result == PCTL_NATPMP_R_SUCCESS) {
			pctl_addr ext;
			pctl_addr_from_v4(&ext, r.external_addr);
			if (!usable_external(&ext))
				return;
			s->have_natpmp_ext = true;
			memcpy(s->natpmp_ext, r.external_addr, 4);
		}
		select_server(c, srv, 0); /* NAT-PMP is IPv4 only */
		for (struct pctl_client_map *m = c->maps; m; m = m->next) {
			pctl_addr ext;
			if (m->dead || m->srv != srv || !m->natpmp ||
			    !waiting(m))
				continue;
			m->version = PCTL_NATPMP_VERSION;
			m->epoch = r.epoch;
			if (r.result != PCTL_NATPMP_R_SUCCESS) {
				m->natpmp_result = r.result;
				apply_error(m, natpmp_to_pcp(r.result), 0, now);
				continue;
			}
			pctl_addr_from_v4(&ext, r.external_addr);
			if (m->p.kind == PCTL_REQ_ANNOUNCE ||
			    m->p.kind == PCTL_REQ_EXTERNAL) {
				apply_success(m, &ext, 0, 0, now);
			} else if (m->natpmp_need_addr) {
				/* Serialised (N-11): now the mapping, if no
				 * other request is outstanding. */
				m->natpmp_need_addr = false;
				m->tx = 0;
				m->next_at = now + PCTL_NATPMP_IRT_MS;
				if (!pctl_ex_natpmp_busy(c, srv, m))
					pctl_ex_send(m, now);
			}
		}
		if (!valid)
			pctl_ex_server_lost_state(c, srv, NULL, now);
		return;
	}
	if (r.opcode != PCTL_NATPMP_OP_MAP_UDP &&
	    r.opcode != PCTL_NATPMP_OP_MAP_TCP)
		return;
	for (struct pctl_client_map *m = c->maps; m; m = m->next) {
		pctl_addr ext;
		if (m->dead || m->srv != srv || !m->natpmp ||
		    m->natpmp_need_addr || m->p.kind != PCTL_REQ_MAP ||
		    m->p.internal_port != r.internal_port ||
		    m->p.protocol !=
		        (r.opcode == PCTL_NATPMP_OP_MAP_TCP ? 6 : 17))
			continue;
		if (!waiting(m) && m->state != PCTL_MS_GRANTED)
			continue;
		valid = pctl_natpmp_epoch_check(&s->epoch, r.epoch, now);
		m->version = PCTL_NATPMP_VERSION;
		m->epoch = r.epoch;
		m->natpmp_result = r.result;
		if (r.result != PCTL_NATPMP_R_SUCCESS) {
			apply_error(m, natpmp_to_pcp(r.result), 0, now);
		} else if (m->state == PCTL_MS_DELETING && r.lifetime &&
		           !kept_for_traffic(m)) {
			continue; /* perhaps a late renewal answer */
		} else if (m->state == PCTL_MS_DELETING) {
			/* S-52: a kept mapping comes with its port and the
			 * time left. */
			pctl_addr_from_v4(&ext, s->natpmp_ext);
			apply_success(m, s->have_natpmp_ext ? &ext : NULL,
			              r.external_port, r.lifetime, now);
		} else if (s->have_natpmp_ext && r.external_port) {
			pctl_addr_from_v4(&ext, s->natpmp_ext);
			apply_success(m, &ext, r.external_port, r.lifetime,
			              now);
		}
		if (!valid)
			pctl_ex_server_lost_state(c, srv, m, now);
		break;
	}
}

void pctl_resp_input(struct pctl_client *c, int srv, const uint8_t *buf,
                     size_t len, uint64_t now)
{
	switch (pctl_classify(buf, len)) {
	case PCTL_KIND_NATPMP:
		natpmp_input(c, srv, buf, len, now);
		break;
	case PCTL_KIND_PCP:
	case PCTL_KIND_OTHER:
		pcp_input(c, srv, buf, len, now);
		break;
	case PCTL_KIND_RUNT:
		break; /* C-31 */
	}
}

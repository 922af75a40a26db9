/*
 * Builds the datagram a mapping sends in its current exchange, PCP
 * (RFC 6887 sections 7.1, 11.1, 12.1, 14.1) or NAT-PMP (RFC 6886 section
 * 3.2, 3.3).  Deterministic from the mapping's state, so retransmissions are
 * byte-identical, nonce included (C-13).
 */
#include <string.h>

#include "internal.h"

static bool deleting(const struct pctl_client_map *m)
{
	return m->state == PCTL_MS_DELETING;
}

/* The suggested external endpoint (C-20, C-64, C-65, C-66, C-70). */
static void suggestion(const struct pctl_client_map *m, struct pctl_msg *msg)
{
	if (deleting(m)) {
		/* C-65, erratum 3621: all-zeros of the mapping's family. */
		bool v4 = m->have_ext ? pctl_addr_is_v4(&m->ext_addr)
		                      : !m->p.want_ipv6;
		pctl_addr_set_any(&msg->external_addr, v4);
		msg->external_port = 0;
	} else if (m->have_ext) {
		/* C-20: renewals and re-creations suggest what we had. */
		msg->external_addr = m->ext_addr;
		msg->external_port = m->ext_port;
	} else if (m->p.has_suggest) {
		msg->external_addr = m->p.suggest_addr;
		msg->external_port = m->p.suggest_port;
	} else {
		pctl_addr_set_any(&msg->external_addr, !m->p.want_ipv6);
		msg->external_port = 0; /* C-64 */
	}
}

static size_t build_pcp(const struct pctl_client_map *m, uint8_t *buf,
                        size_t cap)
{
	const struct pctl_srv *s = &m->c->srv[m->srv];
	uint8_t filters[PCTL_CLIENT_MAX_FILTERS][PCTL_FILTER_LEN];
	uint8_t port_set[PCTL_PORT_SET_LEN];
	struct pctl_msg local, *q = &local; /* ~6 kB, on the stack */
	bool del = deleting(m);

	memset(q, 0, sizeof(*q));
	q->version = PCTL_VERSION; /* C-15 */
	q->client_addr = s->local; /* C-11 */
	q->lifetime = del ? 0 : m->p.lifetime;
	switch (m->p.kind) {
	case PCTL_REQ_ANNOUNCE:
		q->opcode = PCTL_OP_ANNOUNCE;
		q->lifetime = 0; /* C-55 */
		return pctl_encode(q, buf, cap);
	case PCTL_REQ_EXTERNAL:
		q->opcode = PCTL_OP_MAP; /* C-67: discard port, short life */
		q->protocol = 17;
		q->internal_port = PCTL_EXTERNAL_PROBE_PORT;
		break;
	case PCTL_REQ_PEER:
		q->opcode = PCTL_OP_PEER;
		q->remote_addr = m->p.remote_addr;
		q->remote_port = m->p.remote_port;
		q->protocol = m->p.protocol;
		q->internal_port = m->p.internal_port;
		break;
	case PCTL_REQ_MAP:
		q->opcode = PCTL_OP_MAP;
		q->protocol = m->p.protocol;
		q->internal_port = m->p.internal_port;
		break;
	}
	memcpy(q->nonce, m->nonce, PCTL_NONCE_LEN);
	suggestion(m, q);
	if (m->p.has_third_party)
		pctl_msg_add_option(q, PCTL_OPT_THIRD_PARTY, m->p.third_party.b,
		                    16);
	/* PREFER_FAILURE and FILTER are not sent with lifetime 0 (the server
	 * refuses FILTER there, and PREFER_FAILURE needs a suggestion). */
	if (m->p.prefer_failure && !del && m->p.kind == PCTL_REQ_MAP)
		pctl_msg_add_option(q, PCTL_OPT_PREFER_FAILURE, NULL, 0);
	for (size_t i = 0; !del && i < m->p.n_filters; i++) {
		pctl_filter_pack(&m->p.filters[i], filters[i]);
		pctl_msg_add_option(q, PCTL_OPT_FILTER, filters[i],
		                    PCTL_FILTER_LEN);
	}
	/* Options are padded to 4 octets by the encoder, the length field
	 * unpadded (RFC 6887 section 7.3).  The optional DESCRIPTION and
	 * PORT_SET are dropped after a server refused them (response.c). */
	if (m->p.description[0] && !del && !m->optional_dropped)
		pctl_msg_add_option(q, PCTL_OPT_DESCRIPTION, m->p.description,
		                    (uint16_t)strlen(m->p.description));
	/* PORT_SET also on renewals and the delete. */
	if (m->p.port_set_size && !m->optional_dropped) {
		struct pctl_port_set ps = {
		    .size = m->p.port_set_size,
		    .first_internal_port = m->p.internal_port, /* */
		    .parity = m->p.port_set_parity,
		};
		pctl_port_set_pack(&ps, port_set);
		pctl_msg_add_option(q, PCTL_OPT_PORT_SET, port_set,
		                    PCTL_PORT_SET_LEN);
	}
	return pctl_encode(q, buf, cap);
}

/* NAT-PMP: the external address first (opcode 0), then the mapping. */
static size_t build_natpmp(const struct pctl_client_map *m, uint8_t *buf,
                           size_t cap)
{
	struct pctl_natpmp q;

	memset(&q, 0, sizeof(q));
	q.version = PCTL_NATPMP_VERSION;
	if (m->natpmp_need_addr || m->p.kind == PCTL_REQ_ANNOUNCE ||
	    m->p.kind == PCTL_REQ_EXTERNAL) { /* also its fallback */
		q.opcode = PCTL_NATPMP_OP_EXTERNAL_ADDR;
		return pctl_natpmp_encode(&q, buf, cap);
	}
	if (m->p.kind != PCTL_REQ_MAP)
		return 0;
	q.opcode = m->p.protocol == 6 ? PCTL_NATPMP_OP_MAP_TCP
	                              : PCTL_NATPMP_OP_MAP_UDP;
	q.internal_port = m->p.internal_port;
	if (deleting(m)) { /* N-9 */
		q.external_port = 0;
		q.lifetime = 0;
	} else {
		/* N-11: renewals suggest the previously mapped port. */
		q.external_port = m->have_ext ? m->ext_port : m->p.suggest_port;
		q.lifetime = m->p.lifetime;
	}
	return pctl_natpmp_encode(&q, buf, cap);
}

size_t pctl_req_build(const struct pctl_client_map *m, uint8_t *buf, size_t cap)
{
	return m->natpmp ? build_natpmp(m, buf, cap) : build_pcp(m, buf, cap);
}

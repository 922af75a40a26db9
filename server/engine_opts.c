/*
 * PCP option processing for MAP and PEER requests (S-18..S-23, S-70..S-87,
 * X-1..X-4) and the options a success response echoes (S-14: only those
 * processed).
 *
 * The codec has already judged structure and the rules that need no server
 * state (S-19..S-23, S-71, S-77, S-78, S-81, S-84, X-3.2, X-4.1's missing
 * THIRD_PARTY); what is left here depends on configuration and on the
 * request as a whole.
 */
#include <stdlib.h>
#include <string.h>

#include "engine_core.h"
#include "engine_msg.h"
#include "engine_opts.h"
#include "engine_state.h"
#include "policy.h"

/* Longest prefix of s, at most max octets, that ends on a UTF-8 character
 * boundary (s is valid UTF-8): truncation never splits a character. */
static size_t utf8_cut(const uint8_t *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	size_t n = max;
	while (n > 0 && (s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

uint8_t pctl_engine_parse_opts(struct pctl_engine *e, const struct pctl_rx *rx,
                               const struct pctl_msg *msg,
                               struct pctl_req_opts *o)
{
	struct pctl_filter *fl = e->scratch_filters;

	memset(o, 0, sizeof(*o));
	o->filters = fl;
	for (size_t i = 0; i < msg->n_options; i++) {
		const struct pctl_option *op = &msg->options[i];
		struct pctl_filter f;
		switch (op->code) {
		case PCTL_OPT_THIRD_PARTY:
			/* S-70, S-72: only for ACL-authorized sources. */
			if (!pctl_policy_third_party_ok(&e->cfg, &rx->src))
				return PCTL_R_UNSUPP_OPTION;
			if (pctl_third_party_parse(op, &o->third_party_addr))
				return PCTL_R_MALFORMED_OPTION;
			/* Issue 15 item 5: not for the router itself. */
			if (pctl_engine_refuses_self(e, &o->third_party_addr))
				return PCTL_R_NOT_AUTHORIZED;
			o->third_party = true;
			o->third_party_opt = op;
			break;
		case PCTL_OPT_THIRD_PARTY_ID:
			/* */
			if (!e->cfg.third_party_id_enabled)
				return PCTL_R_UNSUPP_OPTION;
			if (op->len > e->cfg.third_party_id_max_len)
				return PCTL_R_UNSUPP_THIRD_PARTY_ID_LENGTH;
			o->tpid_opt = op;
			break;
		case PCTL_OPT_PREFER_FAILURE:
			/* S-75 */
			if (!e->cfg.prefer_failure_enabled)
				return PCTL_R_UNSUPP_OPTION;
			o->prefer_failure = true;
			break;
		case PCTL_OPT_FILTER:
			/* S-80: only where it can be enforced. */
			if (!e->cfg.filter_enabled)
				return PCTL_R_UNSUPP_OPTION;
			if (pctl_filter_parse(op, &f))
				return PCTL_R_MALFORMED_OPTION;
			if (f.prefix_len == 0) {
				/* S-82: clears what came before. */
				o->filter_clear = true;
				o->n_filters = 0;
				break;
			}
			if (o->n_filters >= PCTL_MAX_OPTIONS)
				return PCTL_R_EXCESSIVE_REMOTE_PEERS;
			fl[o->n_filters++] = f;
			break;
		case PCTL_OPT_DESCRIPTION:
			/* invalid UTF-8 is ignored (not echoed). */
			if (!pctl_utf8_valid(op->data, op->len))
				break;
			o->has_desc = true;
			o->desc = op->data;
			o->desc_len =
			    utf8_cut(op->data, op->len, e->cfg.description_max);
			break;
		case PCTL_OPT_PREFIX64:
			/* answered only when configured. */
			o->prefix64 = e->cfg.prefix64_enabled;
			break;
		case PCTL_OPT_PORT_SET:
			if (msg->lifetime &&
			    pctl_port_set_parse(op, &o->port_set))
				return PCTL_R_MALFORMED_OPTION;
			o->has_port_set = true;
			break;
		default:
			break; /* optional-range, ignored (S-21) */
		}
	}
	/* S-87, W-1.7: a filter's family is the internal address's. */
	const pctl_addr *internal =
	    o->third_party ? &o->third_party_addr : &msg->client_addr;
	for (size_t i = 0; i < o->n_filters; i++)
		if (pctl_addr_is_v4(&fl[i].addr) != pctl_addr_is_v4(internal))
			return PCTL_R_MALFORMED_OPTION;
	return PCTL_R_SUCCESS;
}

size_t pctl_engine_respond(struct pctl_engine *e, const struct pctl_rx *rx,
                           const struct pctl_msg *req,
                           const struct pctl_req_opts *o,
                           const struct pctl_mapping *m, uint32_t lifetime,
                           const pctl_addr *ext_addr, uint16_t ext_port,
                           uint8_t *out)
{
	struct pctl_msg *resp = pctl_engine_msg(e, PCTL_MSG_RESP);
	uint8_t buf[40];

	if (!resp)
		return 0;
	resp->version = PCTL_VERSION;
	resp->response = true;
	resp->opcode = req->opcode;
	resp->lifetime = lifetime;
	resp->epoch = pctl_engine_epoch(e, rx->now_ms);
	/* S-31, S-61: nonce, protocol, internal port (and PEER's remote
	 * peer) come from the request. */
	memcpy(resp->nonce, req->nonce, PCTL_NONCE_LEN);
	resp->protocol = req->protocol;
	resp->internal_port = req->internal_port;
	resp->external_addr = *ext_addr;
	resp->external_port = ext_port;
	resp->remote_addr = req->remote_addr;
	resp->remote_port = req->remote_port;
	pctl_engine_add_opts(e, req, o, m, resp, buf);
	size_t n = pctl_engine_encode(e, resp, out);
	/* The response is never longer than the request (its options are a
	 * subset of the request's, PREFIX64 and PORT_SET no longer than the
	 * client's), so S-16 cannot arise; stay safe anyway. */
	if (!n)
		n = pctl_engine_error(e, rx, PCTL_R_MALFORMED_REQUEST,
		                      PCTL_LONG_ERROR_LIFETIME, out);
	return n;
}

int pctl_extra_renew(const struct pctl_mapping *m,
                     const struct pctl_req_opts *o,
                     const struct pctl_filter *keep, size_t n_keep,
                     struct pctl_map_extra **out)
{
	/* a new description replaces, an empty one erases. */
	const uint8_t *desc = m->extra ? m->extra->desc : NULL;
	size_t desc_len = m->extra ? m->extra->desc_len : 0;
	if (o->has_desc) {
		desc = o->desc;
		desc_len = o->desc_len;
	}
	size_t tl;
	const uint8_t *tpid = pctl_mapping_tpid(m, &tl);
	return pctl_extra_make(keep, n_keep, o->filters, o->n_filters, desc,
	                       desc_len, tpid, tl, out);
}

void pctl_engine_add_opts(struct pctl_engine *e, const struct pctl_msg *req,
                          const struct pctl_req_opts *o,
                          const struct pctl_mapping *m, struct pctl_msg *resp,
                          uint8_t *buf)
{
	/* buf: PORT_SET (8 octets) then PREFIX64 (up to 28). */
	uint8_t *ps_buf = buf, *p64_buf = buf + 8;

	resp->n_options = 0;
	for (size_t i = 0; i < req->n_options; i++) {
		const struct pctl_option *op = &req->options[i];
		switch (op->code) {
		case PCTL_OPT_THIRD_PARTY:    /* S-73 */
		case PCTL_OPT_THIRD_PARTY_ID: /* */
		case PCTL_OPT_PREFER_FAILURE: /* S-76 */
		case PCTL_OPT_FILTER:         /* S-83 */
			if (op->code == PCTL_OPT_FILTER && !m)
				break;
			pctl_msg_add_option(resp, op->code, op->data, op->len);
			break;
		case PCTL_OPT_DESCRIPTION:
			/* echo the stored value (X-1.4 invalid: no). */
			if (!o->has_desc || !m)
				break;
			if (m->extra && m->extra->desc_len)
				pctl_msg_add_option(resp, op->code,
				                    m->extra->desc,
				                    m->extra->desc_len);
			else
				pctl_msg_add_option(resp, op->code, NULL, 0);
			break;
		case PCTL_OPT_PREFIX64: {
			if (!o->prefix64)
				break;
			struct pctl_prefix64 p;
			memset(&p, 0, sizeof(p));
			p.prefix_len = e->cfg.prefix64_len;
			memcpy(p.prefix, e->cfg.prefix64, sizeof(p.prefix));
			memcpy(p.suffix, e->cfg.prefix64_suffix,
			       sizeof(p.suffix));
			size_t n = pctl_prefix64_pack(&p, p64_buf, 28);
			if (n)
				pctl_msg_add_option(resp, op->code, p64_buf,
				                    (uint16_t)n);
			break;
		}
		case PCTL_OPT_PORT_SET: {
			/* only when more than one port is mapped. */
			if (!m || m->port_count <= 1)
				break;
			struct pctl_port_set ps = {
			    .size = m->port_count,
			    .first_internal_port = m->int_port,
			    .parity = (m->flags & PCTL_MF_PARITY) != 0,
			};
			pctl_port_set_pack(&ps, ps_buf);
			pctl_msg_add_option(resp, op->code, ps_buf,
			                    PCTL_PORT_SET_LEN);
			break;
		}
		default:
			break;
		}
	}
}

/*
 * a MAP request overlapping existing mappings refreshes each of
 * them independently (RFC 7753 section 4.4.1, example 5.3).  See
 * port_set_overlap.h for the rules; the choices made here:
 *
 *  - every overlapped mapping is judged as its own refresh (RFC 6887
 *    section 15): one with another nonce, or a NAT-PMP one, is not touched
 *    (S-33; it would be NOT_AUTHORIZED), a static one keeps its lifetime
 *    (S-34), a MAP one the request owns is renewed as map_renew does;
 *  - the direct response answers the first overlapped mapping (lowest
 *    internal port): its Internal Port is the request's, as it must be for
 *    the client to match it, its Assigned External Port and PORT_SET the
 *    mapping's (X-3.6, PORT_SET whenever it holds more than one port);
 *  - each other renewed mapping gets a Mapping Update (S-95) sent to the
 *    requesting client, and so does the first when it does not start at
 *    the requested internal port (the direct response, tied to that port,
 *    cannot say where it starts unless it is a set).  The untouched ones
 *    get none: an update carries the mapping's nonce, which must not go to
 *    another client (S-33);
 *  - the request's suggested external endpoint (PREFER_FAILURE, S-36.1)
 *    is checked against the first mapping only, the one that answers for
 *    the requested internal port.
 *
 * Validation of every overlapped mapping comes first; the backend then
 * refreshes all of them in one committed batch, so an error changes
 * nothing (S-15).
 */
#include <stdlib.h>
#include <string.h>

#include "engine_core.h"
#include "engine_handlers.h"
#include "engine_msg.h"
#include "engine_opts.h"
#include "engine_state.h"
#include "pcp_map_shared.h"
#include "port_set_overlap.h"

uint32_t pctl_overlap_span(const struct pctl_msg *req,
                           const struct pctl_req_opts *o)
{
	if (!o->has_port_set || o->port_set.size <= 1)
		return 1; /* a set of one is a single port */
	/* never beyond port 65535. */
	uint32_t room = 65536u - req->internal_port;
	return o->port_set.size < room ? o->port_set.size : room;
}

static bool same_tpid(const struct pctl_mapping *m, const uint8_t *tpid,
                      size_t tpid_len)
{
	size_t len;
	const uint8_t *t = pctl_mapping_tpid(m, &len);

	return len == tpid_len && (!len || memcmp(t, tpid, len) == 0);
}

static bool overlaps(const struct pctl_mapping *m, const pctl_addr *host,
                     uint8_t protocol, uint32_t lo, uint32_t span,
                     const uint8_t *tpid, size_t tpid_len)
{
	uint32_t m_lo = m->int_port;
	uint32_t m_n = m->port_count ? m->port_count : 1;

	/* PEER mappings are not MAP's (S-64); all-ports ones are keyed by
	 * port 0 and left to the exact lookup. */
	return m->kind != PCTL_MK_PEER && m_lo && m->protocol == protocol &&
	       m_lo < lo + span && lo < m_lo + m_n &&
	       pctl_addr_equal(&m->int_addr, host) &&
	       same_tpid(m, tpid, tpid_len);
}

static int by_int_port(const void *a, const void *b)
{
	const struct pctl_mapping *x = *(struct pctl_mapping *const *)a;
	const struct pctl_mapping *y = *(struct pctl_mapping *const *)b;

	return (x->int_port > y->int_port) - (x->int_port < y->int_port);
}

long pctl_overlap_find(struct pctl_engine *e, const pctl_addr *host,
                       uint8_t protocol, uint16_t port, uint32_t span,
                       const uint8_t *tpid, size_t tpid_len,
                       struct pctl_mapping ***out)
{
	/* The host's own list, never the table (its length is bounded by
	 * the per-host quota, S-41). */
	uint32_t first = pctl_table_host_first(&e->table, host);
	size_t n = 0;

	*out = NULL;
	for (uint32_t i = first; i;) {
		struct pctl_mapping *m = pctl_table_at(&e->table, i);
		i = m->host_next;
		n += overlaps(m, host, protocol, port, span, tpid, tpid_len);
	}
	if (!n)
		return 0;
	struct pctl_mapping **v = malloc(n * sizeof(*v));
	if (!v)
		return -1;
	size_t k = 0;
	for (uint32_t i = first; i && k < n;) {
		struct pctl_mapping *m = pctl_table_at(&e->table, i);
		i = m->host_next;
		if (overlaps(m, host, protocol, port, span, tpid, tpid_len))
			v[k++] = m;
	}
	qsort(v, k, sizeof(*v), by_int_port);
	*out = v;
	return (long)k;
}

/* What one overlapped mapping's own refresh does. */
enum ov_kind {
	OV_NOT_AUTHORIZED, /* another nonce, or NAT-PMP: untouched */
	OV_STATIC,         /* static: answered, untouched */
	OV_RENEW,          /* renewed: lifetime, nx */
};

struct ov_item {
	struct pctl_mapping *m;
	struct pctl_map_extra *nx, *ox;
	uint32_t lifetime;
	enum ov_kind kind;
};

/* S-36.1: PREFER_FAILURE and a suggestion other than what m gives the
 * requested internal port (PORT_SET requests cannot carry PREFER_FAILURE,
 * so the request is a single port inside m). */
static bool suggestion_conflicts(const struct pctl_msg *req,
                                 const struct pctl_req_opts *o,
                                 const struct pctl_mapping *m)
{
	if (!o->prefer_failure)
		return false;
	uint32_t paired = m->ext_port;
	if (req->internal_port > m->int_port)
		paired += (uint32_t)(req->internal_port - m->int_port);
	return paired != req->external_port ||
	       (!pctl_addr_is_any(&req->external_addr) &&
	        !pctl_addr_equal(&m->ext_addr, &req->external_addr));
}

static size_t error(struct pctl_engine *e, const struct pctl_rx *rx,
                    uint8_t result, uint32_t lifetime, uint8_t *out)
{
	if (!lifetime)
		lifetime = pctl_result_lifetime(result);
	return pctl_engine_error(e, rx, result, lifetime, out);
}

static void free_prepared(struct ov_item *it, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (it[i].kind == OV_RENEW)
			pctl_map_extra_free(it[i].nx);
}

/* Decides every mapping's refresh, nothing changed.  SUCCESS, or the
 * result code that answers the whole request (prepared data freed). */
static uint8_t judge(struct pctl_engine *e, const struct pctl_rx *rx,
                     const struct pctl_msg *req, const struct pctl_req_opts *o,
                     struct ov_item *it, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct pctl_mapping *m = it[i].m;
		it[i].kind = OV_NOT_AUTHORIZED;
		if (m->kind == PCTL_MK_STATIC) {
			it[i].kind = OV_STATIC; /* S-34, S-36.2 */
			it[i].lifetime = PCTL_LIFETIME_STATIC;
		} else if (m->kind == PCTL_MK_MAP &&
		           pctl_map_nonce_ok(m, req)) {
			uint8_t r = pctl_map_renew_prepare(
			    e, rx, req, o, m, &it[i].lifetime, &it[i].nx);
			if (r) {
				free_prepared(it, i);
				return r;
			}
			it[i].kind = OV_RENEW;
		} else {
			it[i].lifetime = pctl_mapping_left(m, rx->now_ms);
		}
	}
	return PCTL_R_SUCCESS;
}

/* The backend refreshes every renewed mapping in one batch (their new
 * extra data in place while it is queued and committed).  0, or -errno
 * with every mapping as it was. */
static int apply(struct pctl_engine *e, struct ov_item *it, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		if (it[i].kind != OV_RENEW)
			continue;
		it[i].ox = it[i].m->extra;
		it[i].m->extra = it[i].nx;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		if (it[i].kind != OV_RENEW)
			continue;
		rc = pctl_engine_queue_refresh(e, it[i].m, it[i].lifetime);
	}
	if (!rc)
		rc = pctl_engine_commit(e);
	for (size_t i = 0; i < n; i++) {
		if (it[i].kind != OV_RENEW)
			continue;
		if (rc)
			it[i].m->extra = it[i].ox; /* S-15 */
		pctl_map_extra_free(rc ? it[i].nx : it[i].ox);
	}
	return rc;
}

/* The request the direct response is built from: req itself, or, for a
 * single-port request inside a port set, a copy (the engine's
 * PCTL_MSG_COPY buffer) given a PORT_SET for the response builder to fill
 * from the set (X-3.6: the answer describes it).  false when out of
 * memory. */
static bool answer_request(struct pctl_engine *e, const struct pctl_msg *req,
                           const struct pctl_mapping *first,
                           const struct pctl_msg **q)
{
	static const uint8_t blank[PCTL_PORT_SET_LEN];

	*q = req;
	if (first->port_count <= 1 || pctl_msg_option(req, PCTL_OPT_PORT_SET))
		return true;
	struct pctl_msg *copy = pctl_engine_msg(e, PCTL_MSG_COPY);
	if (!copy)
		return false;
	*copy = *req;
	if (pctl_msg_add_option(copy, PCTL_OPT_PORT_SET, blank, sizeof(blank)))
		return false;
	*q = copy;
	return true;
}

/* The direct response for the first overlapped mapping. */
static size_t answer(struct pctl_engine *e, const struct pctl_rx *rx,
                     const struct pctl_msg *q, const struct pctl_req_opts *o,
                     const struct ov_item *it, uint8_t *out)
{
	const struct pctl_mapping *m = it->m;

	if (it->kind == OV_NOT_AUTHORIZED)
		return error(e, rx, PCTL_R_NOT_AUTHORIZED, it->lifetime, out);
	return pctl_engine_respond(e, rx, q, o, m, it->lifetime, &m->ext_addr,
	                           m->ext_port, out);
}

size_t pctl_overlap_refresh(struct pctl_engine *e, const struct pctl_rx *rx,
                            const struct pctl_msg *req,
                            const struct pctl_req_opts *o,
                            struct pctl_mapping *const *v, size_t n,
                            uint8_t *out)
{
	/* S-36.1 (the answered mapping only): a conflict changes nothing. */
	if (v[0]->kind != PCTL_MK_NATPMP && suggestion_conflicts(req, o, v[0]))
		return error(e, rx, PCTL_R_CANNOT_PROVIDE_EXTERNAL,
		             v[0]->kind == PCTL_MK_STATIC
		                 ? PCTL_SHORT_ERROR_LIFETIME
		                 : pctl_mapping_left(v[0], rx->now_ms),
		             out);

	const struct pctl_msg *q;
	if (!answer_request(e, req, v[0], &q))
		return error(e, rx, PCTL_R_NO_RESOURCES, 0, out);
	struct ov_item *it = calloc(n, sizeof(*it));
	if (!it)
		return error(e, rx, PCTL_R_NO_RESOURCES, 0, out);
	for (size_t i = 0; i < n; i++)
		it[i].m = v[i];
	uint8_t r = judge(e, rx, req, o, it, n);
	/* Room for the Mapping Updates before anything changes. */
	if (!r && pctl_update_reserve(e, n)) {
		free_prepared(it, n);
		r = PCTL_R_NO_RESOURCES;
	}
	if (!r) {
		int rc = apply(e, it, n);
		if (rc)
			r = pctl_map_backend_result(rc);
	}
	if (r) {
		free(it);
		return error(e, rx, r, 0, out);
	}

	for (size_t i = 0; i < n; i++) {
		struct pctl_mapping *m = it[i].m;
		if (it[i].kind != OV_RENEW)
			continue;
		uint32_t old_end = m->expire_s;
		pctl_engine_set_expiry(e, m, it[i].lifetime, rx->now_ms);
		pctl_audit_renewed(e, m, it[i].lifetime,
		                   m->expire_s < old_end ? PCTL_AUDIT_CH_SHORTER
		                                         : 0);
		pctl_map_note_client(e, rx, m);
		if (i > 0 || m->int_port != req->internal_port) {
			/* S-95 to the requesting client (note_client). */
			m->flags |= PCTL_MF_UPDATE_PENDING;
			pctl_update_queue(e, m, rx->now_ms); /* room reserved */
		}
	}
	size_t len = answer(e, rx, q, o, &it[0], out);
	free(it);
	return len;
}

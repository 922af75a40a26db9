/*
 * The steps of a MAP request that pcp_map.c and port_set_overlap.c
 * both take on a mapping: nonce check, client note, backend result and
 * the preparation of a renewal (pcp_map_shared.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine_core.h"
#include "engine_opts.h"
#include "engine_state.h"
#include "pcp_map_shared.h"

/* S-33: a different nonce may not touch the mapping. */
bool pctl_map_nonce_ok(const struct pctl_mapping *m, const struct pctl_msg *req)
{
	return memcmp(m->nonce, req->nonce, PCTL_NONCE_LEN) == 0;
}

/* Remember where the client is, for Mapping Updates (S-95). */
void pctl_map_note_client(struct pctl_engine *e, const struct pctl_rx *rx,
                          struct pctl_mapping *m)
{
	m->client_port = rx->src_port;
	m->srv_idx = pctl_engine_intern_srv(e, &rx->dst);
	/* S-95: a refresh by the client ends the Mapping Update. */
	m->flags &= (uint8_t)~PCTL_MF_UPDATE_PENDING;
}

uint8_t pctl_map_backend_result(int rc)
{
	return rc == -ENOMEM || rc == -ENOSPC ? PCTL_R_NO_RESOURCES
	                                      : PCTL_R_NETWORK_FAILURE;
}

/* ---- renew (S-36.3, S-83, X-1.5, X-3.7) ---------------------------------- */

uint8_t pctl_map_renew_prepare(struct pctl_engine *e, const struct pctl_rx *rx,
                               const struct pctl_msg *req,
                               const struct pctl_req_opts *o,
                               const struct pctl_mapping *m, uint32_t *lifetime,
                               struct pctl_map_extra **nx)
{
	/* S-50, S-100; S-52: a shorter lifetime not below what the mapping's
	 * traffic keeps it (Simple Threat Model). */
	*lifetime = pctl_engine_clamp_lifetime(e, req->protocol, req->lifetime);
	if (pctl_engine_keep_for_traffic(e, m, lifetime, rx->now_ms))
		return PCTL_R_NETWORK_FAILURE;

	/* S-83: new filters are added to the kept ones; S-82 clear first. */
	size_t keep = 0;
	const struct pctl_filter *old_f = NULL;
	if (m->extra && !o->filter_clear) {
		keep = m->extra->n_filters;
		old_f = m->extra->filters;
	}
	if (keep + o->n_filters > e->cfg.max_filters) /* S-86 */
		return PCTL_R_EXCESSIVE_REMOTE_PEERS;
	if (pctl_extra_renew(m, o, old_f, keep, nx))
		return PCTL_R_NO_RESOURCES;
	if (o->third_party && pctl_extra_set_client(nx, &rx->src)) {
		pctl_map_extra_free(*nx);
		return PCTL_R_NO_RESOURCES;
	}
	return PCTL_R_SUCCESS;
}

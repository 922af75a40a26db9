/*
 * Steps of a MAP request on one mapping that pcp_map.c and
 * port_set_overlap.c share (pcp_map_shared.c): below both, so that neither
 * calls the other's file for them.
 */
#ifndef PORTCTL_SERVER_PCP_MAP_SHARED_H
#define PORTCTL_SERVER_PCP_MAP_SHARED_H

#include <stdbool.h>
#include <stdint.h>

#include "engine_opts.h"
#include "engine_state.h"

/* S-33: does the request carry the mapping's nonce? */
bool pctl_map_nonce_ok(const struct pctl_mapping *m,
                       const struct pctl_msg *req);
/* Records where the client is for Mapping Updates; a refresh ends a
 * pending Mapping Update (S-95). */
void pctl_map_note_client(struct pctl_engine *e, const struct pctl_rx *rx,
                          struct pctl_mapping *m);
/* The result code of a backend error. */
uint8_t pctl_map_backend_result(int rc);
/* The checks and new state of a renewal of MAP mapping m that the request
 * owns, with nothing changed yet: its lifetime (S-50, S-52, S-100) and its
 * new extra data (S-83, S-86, X-1.5, S-73) in *nx, which the caller
 * installs or frees.  PCTL_R_SUCCESS or the error's result code. */
uint8_t pctl_map_renew_prepare(struct pctl_engine *e, const struct pctl_rx *rx,
                               const struct pctl_msg *req,
                               const struct pctl_req_opts *o,
                               const struct pctl_mapping *m, uint32_t *lifetime,
                               struct pctl_map_extra **nx);

#endif

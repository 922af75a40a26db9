/*
 * The PCP options of MAP and PEER requests and the responses that echo them
 * (engine_opts.c), layer 3 of the engine (docs/design.md).  Not part of the
 * engine's API.
 */
#ifndef PORTCTL_SERVER_ENGINE_OPTS_H
#define PORTCTL_SERVER_ENGINE_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <portctl/wire.h>

#include "engine_state.h"

/* PCP options that a request carried and the engine processed. */
struct pctl_req_opts {
	bool third_party;
	pctl_addr third_party_addr;
	const struct pctl_option *third_party_opt;
	const struct pctl_option *tpid_opt;
	bool prefer_failure;
	bool has_desc; /* valid DESCRIPTION present (X-1.4: invalid ignored) */
	const uint8_t *desc;
	size_t desc_len; /* already truncated to description_max */
	bool has_port_set;
	struct pctl_port_set port_set;
	bool prefix64;     /* PREFIX64 present and configured */
	size_t n_filters;  /* FILTER options with a non-zero prefix */
	bool filter_clear; /* a FILTER of prefix 0 came first (S-82) */
	size_t clear_at;   /* filters before the last clear are dropped */
	const struct pctl_filter *filters;
};

/* Parses the options of a MAP/PEER request against the configuration.
 * Returns PCTL_R_SUCCESS, or the result code of the first failing option. */
uint8_t pctl_engine_parse_opts(struct pctl_engine *e, const struct pctl_rx *rx,
                               const struct pctl_msg *msg,
                               struct pctl_req_opts *o);
/* MAP/PEER success response (S-14, S-31, S-61): the request's nonce,
 * protocol, internal port and remote peer, the external endpoint given, the
 * processed options.  Its length (an error response if it cannot be
 * encoded, S-16). */
size_t pctl_engine_respond(struct pctl_engine *e, const struct pctl_rx *rx,
                           const struct pctl_msg *req,
                           const struct pctl_req_opts *o,
                           const struct pctl_mapping *m, uint32_t lifetime,
                           const pctl_addr *ext_addr, uint16_t ext_port,
                           uint8_t *out);
/* The extra data of a renewed mapping: the kept filters plus the
 * request's, its description, the same THIRD_PARTY_ID.  0 or
 * -ENOMEM. */
int pctl_extra_renew(const struct pctl_mapping *m,
                     const struct pctl_req_opts *o,
                     const struct pctl_filter *keep, size_t n_keep,
                     struct pctl_map_extra **out);
/* Appends the processed options to a success response (S-14): THIRD_PARTY,
 * THIRD_PARTY_ID, PREFER_FAILURE, FILTERs, DESCRIPTION, PREFIX64.  data
 * must outlive encoding. */
void pctl_engine_add_opts(struct pctl_engine *e, const struct pctl_msg *req,
                          const struct pctl_req_opts *o,
                          const struct pctl_mapping *m, struct pctl_msg *resp,
                          uint8_t *prefix64_buf);

#endif

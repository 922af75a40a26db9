/*
 * The engine's message buffers and responses (engine_msg.c), layer 2 of
 * the engine (docs/design.md).  Not part of the engine's API.
 */
#ifndef PORTCTL_SERVER_ENGINE_MSG_H
#define PORTCTL_SERVER_ENGINE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <portctl/wire.h>

#include "engine_state.h"

/* The engine's message buffers: the decoded request, the response being
 * built, and a copy of the request (a PORT_SET answer, X-3.6).  A request
 * uses each at most once at a time; nothing nests them. */
enum { PCTL_MSG_REQ, PCTL_MSG_RESP, PCTL_MSG_COPY, PCTL_N_MSGS };

/* Buffer `which`, its fields before the options cleared (no options: as
 * calloc would give it); NULL when it could not be made. */
struct pctl_msg *pctl_engine_msg(struct pctl_engine *e, int which);

/* Error response for a decoded request (S-12, S-13), counted in stats. */
size_t pctl_engine_error(struct pctl_engine *e, const struct pctl_rx *rx,
                         uint8_t result, uint32_t lifetime, uint8_t *out);
/* Encodes a success/any response msg; counts its result.  0 if it does not
 * fit (caller answers MALFORMED_REQUEST, S-16). */
size_t pctl_engine_encode(struct pctl_engine *e, struct pctl_msg *msg,
                          uint8_t *out);

#endif

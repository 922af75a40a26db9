/*
 * After a damaged journal (journal.h, damaged): the mappings the data plane
 * still holds but the journal lost are adopted into the engine rather than
 * removed by the start-up reconcile.
 *
 * Why adopt (and not merely keep the kernel elements while the engine
 * ignores them): the engine must know a port is taken, or it would hand it
 * to a second host and the kernel would translate for both; traffic through
 * the mapping must keep flowing; and its owner must be able to renew or
 * delete it.  So each element becomes a MAP with the kernel's timeout left
 * as its lifetime and an unknown nonce (engine.h, nonce_unknown): the first
 * MAP from its own internal endpoint takes it over with that request's
 * nonce.  Elements that could not be adopted without widening access
 * (FILTERed mappings) or that the engine refuses (its configuration
 * changed) are not adopted, and the reconcile removes them as before.
 */
#ifndef PORTCTLD_JOURNAL_ADOPT_H
#define PORTCTLD_JOURNAL_ADOPT_H

#include <stddef.h>
#include <stdint.h>

#include "../server/backend.h"
#include "../server/engine.h"

/* What was adopted is reported to the journal, which records it. */
typedef int (*pctld_adopted_fn)(void *ctx, const struct pctl_mapping_info *m,
                                uint64_t id);

/* Asks `dp` (whose dump op must be set) for its mappings and restores into
 * e each that e does not hold (pctl_engine_restore refuses duplicates and
 * taken ports), calling added(ctx, ...) for each one adopted and counting
 * it in *adopted.  The engine's backend must not forward to dp meanwhile
 * (the journal is loading).  0, -ENOMEM, or -errno from dp's dump (nothing
 * more is adopted). */
int pctld_journal_adopt(const struct pctl_backend *dp, struct pctl_engine *e,
                        uint64_t now_ms, pctld_adopted_fn added, void *ctx,
                        size_t *adopted);

#endif

/*
 * portctld's privileged parent (privilege separation, docs/design.md).
 *
 * Once the start is done (sockets bound, data plane and journal open, the
 * journal loaded and reconciled), the parent keeps the real backend and the
 * journal and starts the network process (netproc.h), then serves it:
 * every data-plane operation it sends is translated to the parent's ids
 * (privsep_mirror.h) and applied to the journal-wrapped backend; commit,
 * abort and the two queries are answered.  The parent also runs the journal's
 * housekeeping and the backend's repair events, and takes the signals:
 * SIGTERM and SIGINT become STOP, SIGHUP a re-read configuration sent as
 * CONFIG.
 *
 * Restart policy.  When the network process dies (a signal such as SIGSYS
 * from its seccomp filter, or an exit), the parent logs why, keeps every
 * kernel mapping and the journal, and starts a new one, handing it every
 * mapping the data plane holds; at most PCTLD_RESTART_MAX starts within
 * PCTLD_RESTART_WINDOW_MS, after which it stops and keeps the state for
 * the next start.  A malformed message from the network process makes the
 * parent kill it (then the same restart).
 */
#ifndef PORTCTLD_PRIVSEP_PARENT_H
#define PORTCTLD_PRIVSEP_PARENT_H

#include <stdbool.h>

#include "daemon.h"
#include "privs.h"

#define PCTLD_RESTART_MAX       5
#define PCTLD_RESTART_WINDOW_MS 60000
/* A network process asked to stop gets this long before SIGKILL. */
#define PCTLD_STOP_WAIT_MS 5000

/* Serves until SIGTERM or SIGINT (0) or until the network process died
 * too often or cannot be started (-1, logged).  d->engine is the engine
 * the journal was loaded into (its epoch is the journal's); state_lost:
 * the start lost state, so the first network process announces it. */
int pctld_privsep_run(struct pctld *d, const struct pctld_ids *ids,
                      const char *root, bool state_lost);

#endif

/*
 * External addresses learnt from the external interface (S-26, N-10): when
 * `external-interface` is set and no `external-ip` is, the addresses of that
 * interface are the external addresses, followed live through rtnetlink
 * (dataplane/addrwatch.h).  A change goes to the engine, which moves or
 * removes NAT44 mappings, restarts the epoch and sends Mapping Updates and
 * announcements.
 */
#ifndef PORTCTLD_EXTWATCH_H
#define PORTCTLD_EXTWATCH_H

#include <stddef.h>

struct pctld;

/* Starts watching d->cfg.ext_if when d->cfg.ext_from_if, and puts its
 * current addresses into d->cfg.engine (before the engine starts).
 * Returns the descriptor to poll, -2 when there is nothing to watch, or -1
 * with a reason in err (also when the watcher is not built in). */
int pctld_extwatch_open(struct pctld *d, char *err, size_t errlen);
/* The descriptor is readable: apply a changed address list. */
void pctld_extwatch_process(struct pctld *d);
void pctld_extwatch_close(struct pctld *d);

#endif

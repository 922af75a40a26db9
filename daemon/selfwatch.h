/*
 * The router's own addresses for the engine's self check (issue 15 item
 * 5): every address of every interface, loopback and IPv6 link-local
 * included, handed to the engine (pctl_engine_set_self) at start and again
 * whenever the kernel reports an address change, so that a process on the
 * router can never map the router's own addresses to the WAN unless
 * `allow-self yes`.  At most 1024 addresses are known (the watcher's
 * limit); a router with more would leave the rest unprotected.
 */
#ifndef PORTCTLD_SELFWATCH_H
#define PORTCTLD_SELFWATCH_H

#include <stddef.h>

struct pctld;

/* Reads the current addresses into d->engine and starts following them.
 * 0, or -1 with a reason in err.  d->self_fd is the descriptor to poll
 * (-1 when the addresses are read once only: a portctld built without the
 * rtnetlink watcher). */
int pctld_selfwatch_open(struct pctld *d, char *err, size_t errlen);
/* d->self_fd is readable: hand a changed address list to the engine. */
void pctld_selfwatch_process(struct pctld *d);
void pctld_selfwatch_close(struct pctld *d);

#endif

/*
 * portctld's network process (privilege separation, docs/design.md): a fork
 * of the parent that runs the engine, the PCP/NAT-PMP sockets, the control
 * socket's connections and every parser, confined (sandbox.h), with the
 * parent's data plane behind a message backend (backend_ipc.h).
 *
 * It starts from what the parent hands over in its own memory (it is a
 * fork): the open sockets, the configuration, and the mappings the data
 * plane holds (privsep_mirror.h), which it restores into a new engine
 * before it serves anything, answering the parent with their new ids.
 */
#ifndef PORTCTLD_NETPROC_H
#define PORTCTLD_NETPROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon.h"
#include "privs.h"
#include "privsep_mirror.h"

struct pctld_handover {
	const struct pctld_mirror *mirror; /* its hand-over list */
	uint32_t epoch;                    /* the epoch to continue */
	/* The first start after a state loss: the epoch restarts and
	 * clients are told (S-25, S-93, N-10). */
	bool state_lost;
	const char *root; /* the empty directory, or NULL: no chroot */
	const struct pctld_ids *ids;
	pid_t parent;
};

/* Runs the network process on fd, its end of the parent's socket; never
 * returns.  Exit status 0 after STOP, 3 when the parent is gone or sent a
 * malformed message, 1 when the start failed (logged). */
_Noreturn void pctld_netproc_main(struct pctld *d, int fd,
                                  const struct pctld_handover *h);

#endif

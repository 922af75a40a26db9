/*
 * The running portctld: everything main.c sets up and loop.c drives.
 */
#ifndef PORTCTLD_DAEMON_H
#define PORTCTLD_DAEMON_H

#include <stdbool.h>

#include "../server/backend.h"
#include "../server/engine.h"
#include "config.h"
#include "journal.h"
#include "options.h"
#include "sockets.h"

struct pctld {
	struct pctld_options opts; /* kept to rebuild cfg on SIGHUP */
	struct pctld_config cfg;
	struct pctld_sockets socks;
	struct pctl_backend backend;
	struct pctl_engine *engine;
	struct pctl_journal *journal;     /* NULL with `journal no` */
	struct pctl_addrwatch *addrwatch; /* external addresses (extwatch.h) */
	int watch_fd;                     /* its descriptor, or -1 */
	struct pctl_addrwatch *selfwatch; /* own addresses (selfwatch.h) */
	int self_fd;                      /* its descriptor, or -1 */
	int ctl_fd;
	int sig_fd;    /* signalfd: SIGTERM, SIGINT, SIGHUP */
	int notify_fd; /* $NOTIFY_SOCKET (notify.h), or -1 */
};

/* Monotonic clock in milliseconds (the engine's `now`). */
uint64_t pctld_now_ms(void);

/* Runs the event loop until SIGTERM or SIGINT.  0, or -1 on a fatal error
 * (logged). */
int pctld_loop(struct pctld *d);

/* SIGHUP: rebuilds the configuration from the same file and command line
 * and applies the engine part, keeping every mapping the new policy allows
 * (pctl_engine_reconfigure).  A bad file is logged and changes nothing. */
void pctld_reload(struct pctld *d);

#endif

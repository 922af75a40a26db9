/*
 * The running portctld: everything main.c sets up and loop.c drives.
 */
#ifndef PORTCTLD_DAEMON_H
#define PORTCTLD_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include "../server/backend.h"
#include "../server/engine.h"
#include "audit_log.h"
#include "config.h"
#include "journal.h"
#include "options.h"
#include "sockets.h"
#include "upnp_sockets.h"

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
	int sig_fd; /* parent: signalfd (SIGTERM, SIGINT, SIGHUP, SIGCHLD) */
	/* Issue 10: the engine's observer.  Opened by the parent before its
	 * privileges go; the network process writes the records. */
	struct pctld_audit audit;
	bool audit_open;
	/* Network process only (netproc.h): its channel to the parent, and
	 * the start of its engine's epoch last told to the parent. */
	struct pctld_ipc_chan *ipc;
	int64_t epoch_start;
	int notify_fd; /* parent: $NOTIFY_SOCKET (notify.h), or -1 */
	/* Issue 11: the UPnP sockets, opened by the parent (n = 0 with
	 * `upnp no`); the network process's HTTP server and SSDP on them
	 * (upnp_http.h, ssdp.h), NULL with `upnp no`. */
	struct pctld_upnp_socks upnp_socks;
	struct pctld_http *http;
	struct pctld_ssdp *ssdp;
};

/* Monotonic clock in milliseconds (the engine's `now`). */
uint64_t pctld_now_ms(void);

/* The network process's event loop (netproc.h), until the parent says
 * STOP or is gone.  0, or -1 on a fatal error (logged). */
int pctld_loop(struct pctld *d);

/* SIGHUP in the network process: applies the configuration the parent
 * rebuilt from the same file and command line, the engine part at once,
 * keeping every mapping the new policy allows (pctl_engine_reconfigure).
 * audit_fd: the audit log's file, opened again by the parent (taken over),
 * or -1 (none configured, or the parent could not open it). */
void pctld_reload_apply(struct pctld *d, const struct pctld_config *next,
                        int audit_fd);

/* The part of a reloaded configuration that changes while running (the
 * engine's settings, the announce targets and on-stop) into cur; sockets,
 * control socket and backend stay as they were opened. */
void pctld_reload_take(struct pctld_config *cur,
                       const struct pctld_config *next);

#endif

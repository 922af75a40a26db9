/*
 * What a reload (SIGHUP) cannot change: the settings that shaped what the
 * daemon opened at start (sockets, control socket, backend and its table,
 * journal, pidfile, user).  The reload keeps the running ones and says
 * which changed, so that a change never goes silently unapplied.
 */
#ifndef PORTCTLD_RELOAD_DIFF_H
#define PORTCTLD_RELOAD_DIFF_H

#include <stddef.h>

#include "config.h"

/* Writes the directives whose value differs between the running
 * configuration and the new one, and which take effect only at the next
 * start, into buf as "hairpin, state-dir" (truncated to len); returns how
 * many there are (0: buf is ""). */
size_t pctld_reload_restart_only(const struct pctld_config *running,
                                 const struct pctld_config *fresh, char *buf,
                                 size_t len);

#endif

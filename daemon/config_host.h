/*
 * What a start checks of the host rather than of the file (issue 15 item
 * 12), run by `portctld -n` too, so that a check refuses what a start
 * would: every interface named exists now; each listen address but a
 * wildcard is an address of this host, and none is on the external
 * interface (where WAN hosts reach it and nothing it receives is served).
 *
 * Interfaces that appear later (hotplug, PPP) are not waited for: a start
 * needs their index for the listen sockets and the data plane, so it fails
 * without them, and so does the check.  Not run at SIGHUP, which changes
 * neither interfaces nor listen addresses.
 */
#ifndef PORTCTLD_CONFIG_HOST_H
#define PORTCTLD_CONFIG_HOST_H

#include <stddef.h>

#include "config.h"

/* 0, or -1 with a reason in err. */
int pctld_config_check_host(const struct pctld_config *cfg, char *err,
                            size_t errlen);

#endif

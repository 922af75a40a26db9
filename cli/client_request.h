/*
 * client_request.h - the client object for the options, waiting, and one
 * request from start to finish.
 */
#ifndef PORTCTL_CLI_CLIENT_REQUEST_H
#define PORTCTL_CLI_CLIENT_REQUEST_H

#include <portctl/client.h>

#include "client_opts.h"

/* A client for these options: servers added (or discovered), logging to
 * stderr.  NULL (with a message) on failure. */
struct pctl_client *cli_client(const struct cli_opts *o, bool force_natpmp,
                               uint16_t announce_port);

/* The exit code after cli_client() returned NULL: PORTCTL_EXIT_NO_SERVER
 * when no server was found or none was usable, else PORTCTL_EXIT_SYSTEM.
 * Call it at once (it reads errno). */
int cli_client_exit(void);

/* Runs the client until m settles or the timeout passes.  Returns 0,
 * PORTCTL_EXIT_TIMEOUT or PORTCTL_EXIT_SYSTEM. */
int cli_wait(struct pctl_client *c, struct pctl_client_map *m,
             const struct cli_opts *o);

/* One request, start to finish: reuses a remembered nonce (state file),
 * waits for the answer, prints it, records a granted MAP/PEER.  Returns the
 * exit code. */
int cli_request_once(const struct cli_opts *o,
                     struct pctl_client_map_params *p);

/* A mapping callback for commands that read the outcome after waiting
 * (delete, external-ip, probe) rather than react to each event. */
void cli_ignore_events(struct pctl_client_map *m, enum pctl_client_map_event ev,
                       const struct pctl_client_map_info *info, void *arg);

#endif

/*
 * client_state.h - the nonce state file of the client subcommands.
 */
#ifndef PORTCTL_CLI_CLIENT_STATE_H
#define PORTCTL_CLI_CLIENT_STATE_H

#include <stdbool.h>

#include <portctl/client.h>

#include "client_opts.h"

/* The server port recorded for a mapping a UPnP IGD made (no PCP server
 * has port 0). */
#define CLI_STATE_IGD_PORT 0
/* The state-file identity of a mapping (server from info when known). */
void cli_state_key(const struct pctl_client_map_params *p,
                   const struct pctl_client_map_info *info,
                   struct pctl_state_entry *e);
/* Records / forgets a mapping in the state file (unless --no-state);
 * failures are reported on stderr but not fatal. */
void cli_state_save(const struct cli_opts *o,
                    const struct pctl_client_map_params *p,
                    const struct pctl_client_map_info *info);
void cli_state_forget(const struct cli_opts *o,
                      const struct pctl_client_map_params *p,
                      const struct pctl_client_map_info *info);
/* Fills p->nonce from the state file when an entry matches; true if so.
 * With one --server, an entry of that server or of an IGD at its
 * address. */
bool cli_state_lookup(const struct cli_opts *o,
                      struct pctl_client_map_params *p,
                      struct pctl_state_entry *found);

#endif

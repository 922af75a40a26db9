/*
 * cmd_keep.h - keeping mappings alive, for `portctl keep` and
 * `portctl map --keep`.
 */
#ifndef PORTCTL_CLI_CMD_KEEP_H
#define PORTCTL_CLI_CMD_KEEP_H

#include <stddef.h>

#include <portctl/client.h>

#include "client_opts.h"

/* `portctl keep` (and `map --keep`): keeps every mapping in ps alive until
 * SIGTERM/SIGINT, then deletes them.  cmd_keep.c. */
int cli_keep_run(const struct cli_opts *o, struct pctl_client_map_params *ps,
                 size_t n);

#endif

/*
 * client_output.h - printing a mapping as text or JSON, event names, exit
 * codes.
 */
#ifndef PORTCTL_CLI_CLIENT_OUTPUT_H
#define PORTCTL_CLI_CLIENT_OUTPUT_H

#include <portctl/client.h>

#include "client_opts.h"

/* Prints one result: text lines, or one JSON object (--json).  event is
 * the word for what happened ("granted", "deleted", ...). */
void cli_print_info(const struct cli_opts *o, const char *event,
                    const struct pctl_client_map_info *info);
/* The exit code for a settled mapping. */
int cli_exit_code(const struct pctl_client_map_info *info);
/* Event names used in output and PORTCTL_EVENT. */
const char *cli_event_name(enum pctl_client_map_event ev);

#endif

/*
 * portctl announce: send a unicast ANNOUNCE request (lifetime 0, C-55) to
 * learn whether a PCP server is there and its epoch, changing nothing.
 */
#include <stdio.h>

#include "client_opts.h"
#include "client_request.h"
#include "commands.h"

static const char usage[] =
    "usage: portctl announce [OPTIONS]\n\n"
    "Send an ANNOUNCE request to the server(s) and print the protocol and\n"
    "epoch of the one that answers.  Changes no state on the server.\n";

int cmd_announce(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse(argc, argv, CLI_O_NO_UPNP, usage, &o);

	if (rc >= 0)
		return rc;
	if (o.argc != 0) {
		fprintf(stderr, "%s", usage);
		return PORTCTL_EXIT_USAGE;
	}
	o.p.kind = PCTL_REQ_ANNOUNCE;
	return cli_request_once(&o, &o.p);
}

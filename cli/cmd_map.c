/*
 * portctl map PROTO PORT: ask for an inbound mapping (RFC 6887 MAP, or
 * NAT-PMP), print the external endpoint, remember the nonce so that a later
 * `portctl map` renews and `portctl delete` removes it.  --keep stays
 * running like `portctl keep`.
 */
#include <stdio.h>

#include "client_opts.h"
#include "client_request.h"
#include "cmd_keep.h"
#include "commands.h"

static const char usage[] =
    "usage: portctl map [OPTIONS] PROTO PORT\n\n"
    "Map PORT of this host (PROTO: tcp, udp, sctp, dccp, a number, or\n"
    "'all' with port 0) to an external port of the NAT or firewall and\n"
    "print the external address and port.  Running it again renews the\n"
    "mapping with the same nonce (from the state file).\n";

int cmd_map(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse(argc, argv, CLI_O_MAPOPTS | CLI_O_STATE | CLI_O_KEEP,
	                   usage, &o);

	if (rc >= 0)
		return rc;
	if (o.argc != 2) {
		fprintf(stderr, "%s", usage);
		return PORTCTL_EXIT_USAGE;
	}
	o.p.kind = PCTL_REQ_MAP;
	if (cli_parse_proto_port(o.argv[0], o.argv[1], &o.p) < 0)
		return PORTCTL_EXIT_USAGE;
	if (o.keep)
		return cli_keep_run(&o, &o.p, 1);
	return cli_request_once(&o, &o.p);
}

/*
 * portctl peer PROTO PORT REMOTE:RPORT: create or extend the mapping of an
 * outbound flow (RFC 6887 PEER, C-70) and learn its external endpoint.
 */
#include <stdio.h>

#include "client_opts.h"
#include "client_request.h"
#include "commands.h"

static const char usage[] =
    "usage: portctl peer [OPTIONS] PROTO PORT REMOTE_ADDR:REMOTE_PORT\n\n"
    "Create or lengthen the mapping that carries the flow from local PORT\n"
    "to the remote peer (PEER opcode) and print its external address and\n"
    "port.  PROTO, PORT and REMOTE_PORT must not be 0.\n";

int cmd_peer(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse(
	    argc, argv, CLI_O_MAPOPTS | CLI_O_STATE | CLI_O_NO_UPNP, usage, &o);

	if (rc >= 0)
		return rc;
	if (o.argc != 3) {
		fprintf(stderr, "%s", usage);
		return PORTCTL_EXIT_USAGE;
	}
	o.p.kind = PCTL_REQ_PEER;
	if (cli_parse_proto_port(o.argv[0], o.argv[1], &o.p) < 0)
		return PORTCTL_EXIT_USAGE;
	if (cli_parse_endpoint(o.argv[2], true, &o.p.remote_addr,
	                       &o.p.remote_port) < 0 ||
	    !o.p.remote_port || !o.p.internal_port) { /* C-70 */
		fprintf(stderr, "portctl peer: bad remote peer '%s'\n",
		        o.argv[2]);
		return PORTCTL_EXIT_USAGE;
	}
	if (o.p.prefer_failure || o.p.n_filters || o.p.port_set_size) {
		fprintf(stderr, "portctl peer: --prefer-failure, --filter and "
		                "--port-set are for map only\n");
		return PORTCTL_EXIT_USAGE;
	}
	return cli_request_once(&o, &o.p);
}

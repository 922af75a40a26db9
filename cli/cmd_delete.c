/*
 * portctl delete PROTO PORT: delete a mapping made by an earlier
 * `portctl map`, with the nonce that created it, read from the state file
 * (C-65: lifetime 0, all-zeros suggestion).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "client_opts.h"
#include "client_output.h"
#include "client_request.h"
#include "client_state.h"
#include "commands.h"

static const char usage[] =
    "usage: portctl delete [OPTIONS] PROTO PORT\n\n"
    "Delete the mapping of PORT that `portctl map` made earlier.  The\n"
    "nonce comes from the state file; without it the server would refuse\n"
    "(NOT_AUTHORIZED).  PEER mappings cannot be deleted (RFC 6887 section\n"
    "12.1): they expire.  A server under the Simple Threat Model keeps a\n"
    "mapping with live traffic until it goes idle (RFC 6887 section 15):\n"
    "then this says how long, and the nonce stays in the state file.\n";

int cmd_delete(int argc, char **argv)
{
	struct cli_opts o;
	struct pctl_state_entry found;
	struct pctl_client_map_info info;
	struct pctl_client *c;
	struct pctl_client_map *m;
	int rc = cli_parse(argc, argv, CLI_O_STATE | CLI_O_MAPOPTS, usage, &o);

	if (rc >= 0)
		return rc;
	if (o.argc != 2) {
		fprintf(stderr, "%s", usage);
		return PORTCTL_EXIT_USAGE;
	}
	o.p.kind = PCTL_REQ_MAP;
	if (cli_parse_proto_port(o.argv[0], o.argv[1], &o.p) < 0)
		return PORTCTL_EXIT_USAGE;
	if (!cli_state_lookup(&o, &o.p, &found)) {
		fprintf(
		    stderr,
		    "portctl delete: no nonce known for this mapping in %s\n",
		    o.state_path ? o.state_path : "(no state file)");
		return PORTCTL_EXIT_REFUSED;
	}
	/* C-65: the all-zeros address of the mapping's external family. */
	o.p.want_ipv6 = !pctl_addr_is_v4(&found.external_addr);
	/* A UPnP IGD made it: ask the IGD, unless told otherwise. */
	if (found.server_port == CLI_STATE_IGD_PORT && !o.protocols)
		o.protocols = PCTL_PROTO_UPNP;
	/* Send to the server that made it (for an IGD: the router at that
	 * address), unless told otherwise. */
	if (!o.n_servers) {
		static char srv[64];
		char a[PCTL_ADDRSTRLEN];
		pctl_addr_to_str(&found.server, a, sizeof(a));
		snprintf(srv, sizeof(srv),
		         pctl_addr_is_v4(&found.server) ? "%s:%u" : "[%s]:%u",
		         a,
		         found.server_port == CLI_STATE_IGD_PORT
		             ? PCTL_SERVER_PORT
		             : found.server_port);
		o.servers[o.n_servers++] = srv;
	}
	c = cli_client(&o, false, 0);
	if (!c)
		return cli_client_exit();
	m = pctl_client_map_delete_new(c, &o.p, cli_ignore_events, NULL);
	if (!m) {
		fprintf(stderr, "portctl delete: %s\n", strerror(errno));
		pctl_client_free(c);
		return PORTCTL_EXIT_SYSTEM;
	}
	rc = cli_wait(c, m, &o);
	pctl_client_map_get_info(m, &info);
	if (rc == PORTCTL_EXIT_OK)
		rc = cli_exit_code(&info);
	cli_print_info(&o,
	               info.state == PCTL_MS_DELETED ? "deleted"
	               : info.state == PCTL_MS_ERROR ? "error"
	                                             : "timeout",
	               &info);
	/* A mapping the server still keeps (S-52) keeps its nonce, so that
	 * a later delete can end it. */
	if (info.state == PCTL_MS_DELETED && !info.lifetime)
		cli_state_forget(&o, &o.p, &info);
	pctl_client_free(c);
	return rc;
}

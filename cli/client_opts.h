/*
 * client_opts.h - the options of the client subcommands (map, peer,
 * delete, announce, external-ip, probe, keep) and their parsing.
 */
#ifndef PORTCTL_CLI_CLIENT_OPTS_H
#define PORTCTL_CLI_CLIENT_OPTS_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include <portctl/client.h>

#define CLI_MAX_SERVERS  8
#define CLI_MAX_MAPPINGS 1024
/* Longest --dhcp4 / --dhcp6 payload (DHCPv4 after RFC 3396
 * concatenation; one DHCPv6 option instance). */
#define CLI_MAX_DHCP_OCTETS 1024

/* Which options a subcommand accepts (bit mask). */
enum {
	CLI_O_MAPOPTS = 1 << 0, /* --lifetime --suggest --filter --description
	                           --third-party --prefer-failure --port-set
	                           --ipv6 */
	CLI_O_STATE = 1 << 1,   /* --state --no-state */
	CLI_O_KEEP = 1 << 2,    /* --keep --hook */
	CLI_O_NO_UPNP = 1 << 3, /* no UPnP IGD (PEER, ANNOUNCE): --protocol
	                           upnp refused, auto without it */
};

struct cli_opts {
	const char *cmd;
	const char *servers[CLI_MAX_SERVERS];
	size_t n_servers;
	int64_t timeout_ms;
	bool json, natpmp, verbose, keep, no_state;
	/* --protocol: PCTL_PROTO_* bits, 0 when not given (the library's
	 * default, PCTL_PROTO_AUTO); natpmp is set with PCTL_PROTO_NATPMP. */
	unsigned protocols;
	const char *state_path;
	const char *hook;
	const char *source;
	struct pctl_client_map_params
	    p; /* options folded in; positionals later */
	char state_buf[512];
	/* Addresses learnt from --dhcp4 / --dhcp6 (C-2), as text: servers[]
	 * points into here.  n_dhcp_servers counts the PCP servers (List-
	 * Length blocks, DHCPv6 instances) they came from. */
	char dhcp_addrs[CLI_MAX_SERVERS][PCTL_ADDRSTRLEN + IF_NAMESIZE + 1];
	size_t n_dhcp_addrs, n_dhcp_servers;
	/* Positional arguments left after the options. */
	int argc;
	char **argv;
};

/* Parses options.  Returns -1 when parsing succeeded (go on), or the exit
 * code to return at once (PORTCTL_EXIT_OK after --help, USAGE on error).
 * usage is the text --help prints (synopsis and arguments); the common
 * options are appended. */
int cli_parse(int argc, char **argv, unsigned accepts, const char *usage,
              struct cli_opts *o);

/* "tcp 8080" at argv[0..1] into p (protocol, internal port).  0 or -1 with
 * a message on stderr. */
int cli_parse_proto_port(const char *proto, const char *port,
                         struct pctl_client_map_params *p);
/* "ADDR:PORT" / "[V6]:PORT" / "ADDR" (port 0 when allowed). */
int cli_parse_endpoint(const char *s, bool port_required, pctl_addr *a,
                       uint16_t *port);

#endif

/*
 * client_common.h - what the client subcommands (map, peer, delete,
 * announce, external-ip, probe, keep) share: option parsing, building the
 * client object, the nonce state file, and printing a mapping as text or
 * as one JSON object.
 */
#ifndef PORTCTL_CLI_CLIENT_COMMON_H
#define PORTCTL_CLI_CLIENT_COMMON_H

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
};

struct cli_opts {
	const char *cmd;
	const char *servers[CLI_MAX_SERVERS];
	size_t n_servers;
	int64_t timeout_ms;
	bool json, natpmp, verbose, keep, no_state;
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

/* A client for these options: servers added (or discovered), logging to
 * stderr.  NULL (with a message) on failure. */
struct pctl_client *cli_client(const struct cli_opts *o, bool force_natpmp,
                               uint16_t announce_port);

/* Runs the client until m settles or the timeout passes.  Returns 0,
 * PORTCTL_EXIT_TIMEOUT or PORTCTL_EXIT_SYSTEM. */
int cli_wait(struct pctl_client *c, struct pctl_client_map *m,
             const struct cli_opts *o);

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
/* Fills p->nonce from the state file when an entry matches; true if so. */
bool cli_state_lookup(const struct cli_opts *o,
                      struct pctl_client_map_params *p,
                      struct pctl_state_entry *found);

/* Prints one result: text lines, or one JSON object (--json).  event is
 * the word for what happened ("granted", "deleted", ...). */
void cli_print_info(const struct cli_opts *o, const char *event,
                    const struct pctl_client_map_info *info);
/* The exit code for a settled mapping. */
int cli_exit_code(const struct pctl_client_map_info *info);
/* Event names used in output and PORTCTL_EVENT. */
const char *cli_event_name(enum pctl_client_map_event ev);

/* One request, start to finish: reuses a remembered nonce (state file),
 * waits for the answer, prints it, records a granted MAP/PEER.  Returns the
 * exit code. */
int cli_request_once(const struct cli_opts *o,
                     struct pctl_client_map_params *p);

/* `portctl keep` (and `map --keep`): keeps every mapping in ps alive until
 * SIGTERM/SIGINT, then deletes them.  cmd_keep.c. */
int cli_keep_run(const struct cli_opts *o, struct pctl_client_map_params *ps,
                 size_t n);

/* A mapping callback for commands that read the outcome after waiting
 * (delete, external-ip, probe) rather than react to each event. */
void cli_ignore_events(struct pctl_client_map *m, enum pctl_client_map_event ev,
                       const struct pctl_client_map_info *info, void *arg);

#endif

/*
 * The subcommands of `portctl`: one X("name", function, summary) line each.
 * The name is a string so that it may contain a hyphen (external-ip).
 * Each function lives in cli/cmd_<name>.c and has the signature
 *     int cmd_<name>(int argc, char **argv);
 * where argv[0] is the subcommand's name.  It returns a PORTCTL_EXIT_ code.
 */
#ifndef PORTCTL_CLI_COMMANDS_H
#define PORTCTL_CLI_COMMANDS_H

#define PORTCTL_COMMANDS(X)                                                    \
	X("admin", cmd_admin,                                                  \
	  "administer a running portctld (list, stats, delete, flush)")        \
	X("decode", cmd_decode,                                                \
	  "decode PCP and NAT-PMP datagrams (hex or pcap)")                    \
	X("map", cmd_map, "map a port of this host to an external port")       \
	X("peer", cmd_peer,                                                    \
	  "create or extend the mapping of an outbound flow")                  \
	X("delete", cmd_delete, "delete a mapping made earlier")               \
	X("announce", cmd_announce, "ask a server for its epoch (ANNOUNCE)")   \
	X("external-ip", cmd_external_ip, "print the NAT's external address")  \
	X("probe", cmd_probe, "what a gateway speaks; double NAT check")       \
	X("keep", cmd_keep, "keep mappings alive until SIGTERM, run a hook")

/* Exit codes, documented in portctl(1). */
enum {
	PORTCTL_EXIT_OK = 0,      /* done; the server granted what was asked */
	PORTCTL_EXIT_REFUSED = 1, /* the server answered with an error, or the
	                             input to decode was malformed */
	PORTCTL_EXIT_USAGE = 2,   /* wrong arguments */
	PORTCTL_EXIT_TIMEOUT = 3, /* no answer from any server */
	PORTCTL_EXIT_SYSTEM = 4,  /* a system call or the environment failed */
	PORTCTL_EXIT_NO_SERVER = 5,   /* no server found (no gateway) */
	PORTCTL_EXIT_UNREACHABLE = 6, /* every server address: ICMP error */
	/* Answers came, but none could be used (SUCCESS with external port
	 * 0, UNSUPP_VERSION naming the version it was asked in): a server's
	 * bug, not silence. */
	PORTCTL_EXIT_UNUSABLE = 7,
};

#define PORTCTL_DECLARE_COMMAND(name, fn, summary)                             \
	int fn(int argc, char **argv);
PORTCTL_COMMANDS(PORTCTL_DECLARE_COMMAND)
#undef PORTCTL_DECLARE_COMMAND

#endif

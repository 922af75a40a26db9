/*
 * portctl: the command-line client of the Port Control Protocol and the
 * administration front end of portctld.  This file only dispatches to the
 * subcommands listed in commands.h.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

#define PORTCTL_COMMAND_ENTRY(name, fn, summary) {name, fn, summary},
static const struct command commands[] = {
    PORTCTL_COMMANDS(PORTCTL_COMMAND_ENTRY)};
#undef PORTCTL_COMMAND_ENTRY

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: portctl COMMAND [OPTIONS] [ARGS]\n\n"
	    "Port Control Protocol (RFC 6887), NAT-PMP and UPnP IGD client.\n\n"
	    "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-12s %s\n", commands[i].name,
		        commands[i].summary);
	fprintf(out, "\n'portctl COMMAND --help' describes each command; "
	             "portctl(1) has the details.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return PORTCTL_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return PORTCTL_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("portctl %s\n", PORTCTL_VERSION_STRING);
		return PORTCTL_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "portctl: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return PORTCTL_EXIT_USAGE;
}

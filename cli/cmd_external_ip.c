/*
 * portctl external-ip: print the NAT's external address.  PCP has no
 * opcode for it, so (C-67) a short-lived mapping of the discard port
 * (9/udp) is made and deleted again; NAT-PMP asks with opcode 0.  A server
 * that refuses the 9/udp mapping is asked with NAT-PMP's opcode 0 instead
 * (the library's choice, lib/client/response.c: why 9/udp stays).
 */
#include <stdio.h>

#include "client_opts.h"
#include "client_output.h"
#include "client_request.h"
#include "commands.h"

static const char usage[] =
    "usage: portctl external-ip [OPTIONS]\n\n"
    "Print the external address of the NAT.  With PCP a short mapping of\n"
    "the discard port 9/udp is created and deleted at once (RFC 6887\n"
    "section 11.6); with NAT-PMP, or when the server refuses that mapping,\n"
    "the NAT-PMP external address request is used.\n";

int cmd_external_ip(int argc, char **argv)
{
	struct cli_opts o;
	struct pctl_client_map_info info;
	struct pctl_client *c;
	struct pctl_client_map *m;
	int rc = cli_parse(argc, argv, 0, usage, &o);

	if (rc >= 0)
		return rc;
	if (o.argc != 0) {
		fprintf(stderr, "%s", usage);
		return PORTCTL_EXIT_USAGE;
	}
	o.p.kind = PCTL_REQ_EXTERNAL;
	o.p.lifetime = 120; /* short: only the address matters */
	c = cli_client(&o, false, 0);
	if (!c)
		return cli_client_exit();
	m = pctl_client_map_new(c, &o.p, cli_ignore_events, NULL);
	if (!m) {
		pctl_client_free(c);
		return PORTCTL_EXIT_SYSTEM;
	}
	rc = cli_wait(c, m, &o);
	pctl_client_map_get_info(m, &info);
	if (rc == PORTCTL_EXIT_OK)
		rc = cli_exit_code(&info);
	if (info.state == PCTL_MS_GRANTED && o.json) {
		cli_print_info(&o, "external-ip", &info);
	} else if (info.state == PCTL_MS_GRANTED) {
		char a[PCTL_ADDRSTRLEN];
		printf("%s\n",
		       pctl_addr_to_str(&info.external_addr, a, sizeof(a)));
		if (info.double_nat)
			printf("warning: private or shared address: another "
			       "NAT sits beyond this one (double NAT)\n");
	} else {
		cli_print_info(
		    &o, info.state == PCTL_MS_ERROR ? "error" : "timeout",
		    &info);
	}
	/* Tidy up the discard-port mapping (PCP only; best effort). */
	if (info.state == PCTL_MS_GRANTED && info.version == PCTL_VERSION &&
	    pctl_client_map_delete(m) == 0)
		pctl_client_wait(c, m, 1000);
	pctl_client_free(c);
	return rc;
}

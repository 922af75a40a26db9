/*
 * The client subcommands' options: the option table and --help text, and
 * parsing them (servers, --dhcp4/--dhcp6, endpoints, filters, the mapping
 * options) into struct cli_opts.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_opts.h"
#include "client_protocol.h"
#include "commands.h"
#include "hex.h"

enum {
	OPT_SUGGEST = 256,
	OPT_FILTER,
	OPT_DESCRIPTION,
	OPT_THIRD_PARTY,
	OPT_PREFER_FAILURE,
	OPT_PORT_SET,
	OPT_PARITY,
	OPT_ANY_PORT,
	OPT_STATE,
	OPT_NO_STATE,
	OPT_NATPMP,
	OPT_PROTOCOL,
	OPT_KEEP,
	OPT_HOOK,
	OPT_SOURCE,
	OPT_DHCP4,
	OPT_DHCP6,
};

static const struct option long_opts[] = {
    {"server", required_argument, NULL, 's'},
    {"timeout", required_argument, NULL, 't'},
    {"json", no_argument, NULL, 'j'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"nat-pmp", no_argument, NULL, OPT_NATPMP},
    {"protocol", required_argument, NULL, OPT_PROTOCOL},
    {"source", required_argument, NULL, OPT_SOURCE},
    {"dhcp4", required_argument, NULL, OPT_DHCP4},
    {"dhcp6", required_argument, NULL, OPT_DHCP6},
    {"lifetime", required_argument, NULL, 'l'},
    {"ipv6", no_argument, NULL, '6'},
    {"suggest", required_argument, NULL, OPT_SUGGEST},
    {"filter", required_argument, NULL, OPT_FILTER},
    {"description", required_argument, NULL, OPT_DESCRIPTION},
    {"third-party", required_argument, NULL, OPT_THIRD_PARTY},
    {"prefer-failure", no_argument, NULL, OPT_PREFER_FAILURE},
    {"port-set", required_argument, NULL, OPT_PORT_SET},
    {"parity", no_argument, NULL, OPT_PARITY},
    {"any-port", no_argument, NULL, OPT_ANY_PORT},
    {"state", required_argument, NULL, OPT_STATE},
    {"no-state", no_argument, NULL, OPT_NO_STATE},
    {"keep", no_argument, NULL, OPT_KEEP},
    {"hook", required_argument, NULL, OPT_HOOK},
    {NULL, 0, NULL, 0},
};

static const char common_help[] =
    "Common options:\n"
    "  -s, --server ADDR[:PORT]  PCP server (repeatable; default: the "
    "default\n"
    "                            gateways, then 192.0.0.9 and 2001:1::1)\n"
    "      --dhcp4 HEX           PCP servers of DHCPv4 option 158 (RFC 7291),\n"
    "                            as the DHCP client received it (repeatable)\n"
    "      --dhcp6 HEX[%IFNAME]  PCP server of one DHCPv6 option 86, learnt "
    "on\n"
    "                            IFNAME (repeatable); HEX: plain or colon-\n"
    "                            separated octets (dhclient's form)\n"
    "  -t, --timeout SECONDS     give up after this long (default 10); a "
    "server\n"
    "                            that never answered is given up after "
    "at most\n"
    "                            10 s, an unreachable one (ICMP) at once\n"
    "      --protocol P          pcp, natpmp, upnp or auto (default auto: "
    "PCP,\n"
    "                            NAT-PMP, then a UPnP IGD after 2 s)\n"
    "      --nat-pmp             speak NAT-PMP only (--protocol natpmp)\n"
    "      --source ADDR         send from this local address\n"
    "  -j, --json                one JSON object on stdout\n"
    "  -v, --verbose             log protocol events on stderr\n"
    "  -h, --help                this text\n";

static const char map_help[] =
    "Mapping options:\n"
    "  -l, --lifetime SECONDS    requested lifetime (default 7200)\n"
    "  -6, --ipv6                ask for an IPv6 external address\n"
    "      --suggest ADDR:PORT   suggested external address and port\n"
    "      --filter PREFIX[:PORT]  allow only these peers (repeatable, "
    "'none'\n"
    "                            clears the server's filters first)\n"
    "      --description TEXT    DESCRIPTION option (RFC 7220)\n"
    "      --third-party ADDR    map for another host (trusted networks "
    "only)\n"
    "      --prefer-failure      fail rather than map another port "
    "(needs\n"
    "                            --suggest)\n"
    "      --port-set N          map N consecutive ports (RFC 7753)\n"
    "      --parity              ask for port parity preservation\n"
    "      --any-port            let the server pick the external port "
    "(default:\n"
    "                            suggest the internal port)\n";

static const char state_help[] =
    "State:\n"
    "      --state FILE          nonce file (default "
    "$XDG_STATE_HOME/portctl/mappings,\n"
    "                            ~/.local/state/portctl/mappings, root: "
    "/run/portctl/mappings)\n"
    "      --no-state            neither read nor write the state file\n";

static const char keep_help[] =
    "Keeping:\n"
    "      --keep                stay running, renew, re-create after a "
    "restart,\n"
    "                            delete on SIGTERM/SIGINT\n"
    "      --hook CMD            run CMD (via /bin/sh) on every change\n";

static void help(FILE *f, const char *usage, unsigned accepts)
{
	fputs(usage, f);
	fputs("\n", f);
	if (accepts & CLI_O_MAPOPTS)
		fprintf(f, "%s\n", map_help);
	if (accepts & CLI_O_STATE)
		fprintf(f, "%s\n", state_help);
	if (accepts & CLI_O_KEEP)
		fprintf(f, "%s\n", keep_help);
	fputs(common_help, f);
	fputs(
	    "\nExit status: 0 granted/done, 1 refused by the server, 2 usage, "
	    "3 no answer,\n4 system error, 5 no server found, 6 server "
	    "unreachable (ICMP).  See\nportctl(1).\n",
	    f);
}

static int bad(const struct cli_opts *o, const char *what, const char *arg)
{
	fprintf(stderr, "portctl %s: %s: '%s'\n", o->cmd, what, arg);
	return PORTCTL_EXIT_USAGE;
}

static int parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || end == s || s[0] == '-' || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int cli_parse_endpoint(const char *s, bool port_required, pctl_addr *a,
                       uint16_t *port)
{
	char host[64];
	const char *colon;
	size_t n;
	uint32_t v = 0;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end)
			return -1;
		n = (size_t)(end - s - 1);
		s++;
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] && !colon)
			return -1;
	} else {
		colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL; /* bare IPv6, no port */
		n = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (n == 0 || n >= sizeof(host))
		return -1;
	memcpy(host, s, n);
	host[n] = 0;
	if (pctl_addr_from_str(a, host) < 0)
		return -1;
	if (colon) {
		if (parse_u32(colon + 1, 65535, &v) < 0)
			return -1;
	} else if (port_required) {
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

/* PREFIX[:PORT] with PREFIX = ADDR/LEN ("198.51.100.0/24:443",
 * "[2001:db8::/32]:443"), or "none" for the C-69 "remove all" filter. */
static int parse_filter(const char *s, struct pctl_filter *f)
{
	char buf[80], *slash;
	uint32_t len;
	uint16_t port = 0;
	const char *tail;

	memset(f, 0, sizeof(*f));
	if (!strcmp(s, "none")) {
		pctl_addr_set_any(&f->addr, true);
		return 0; /* prefix 0: remove all (C-69) */
	}
	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash)
		return -1;
	*slash = 0;
	tail = slash + 1;
	/* LEN, then optional "]" and ":PORT" */
	{
		char *end;
		errno = 0;
		unsigned long v = strtoul(tail, &end, 10);
		if (errno || end == tail || v > 128)
			return -1;
		len = (uint32_t)v;
		if (*end == ']')
			end++;
		if (*end == ':') {
			uint32_t p;
			if (parse_u32(end + 1, 65535, &p) < 0)
				return -1;
			port = (uint16_t)p;
		} else if (*end) {
			return -1;
		}
	}
	if (pctl_addr_from_str(&f->addr, buf[0] == '[' ? buf + 1 : buf) < 0)
		return -1;
	if (pctl_addr_is_v4(&f->addr)) {
		if (len > 32)
			return -1;
		len += 96;
	} else if (len == 0) {
		return -1;
	}
	f->prefix_len = (uint8_t)len;
	f->port = port;
	return 0;
}

/* Octets as a DHCP client hands them over: plain hex ("08c0000201", any
 * hex_parse() form) or octets of one or two hex digits separated by
 * colons, which is how ISC dhclient passes a string-typed option to its
 * hooks ("8:c0:0:2:1").  Returns the count or -1. */
static long dhcp_octets(const char *s, uint8_t *out, size_t cap)
{
	struct hex_error herr;
	size_t n = 0;

	if (!strchr(s, ':'))
		return hex_parse(s, out, cap, &herr);
	for (;;) {
		char *end;
		unsigned long v;

		if (!isxdigit((unsigned char)s[0]) || n == cap)
			return -1;
		v = strtoul(s, &end, 16);
		if (end - s > 2)
			return -1;
		out[n++] = (uint8_t)v;
		if (*end == 0)
			return (long)n;
		if (*end != ':')
			return -1;
		s = end + 1;
	}
}

static int dhcp_bad(const struct cli_opts *o, int family, const char *arg,
                    const char *why)
{
	fprintf(stderr, "portctl %s: bad --dhcp%d '%s': %s\n", o->cmd, family,
	        arg, why);
	return PORTCTL_EXIT_USAGE;
}

/* fe80::/10: meaningless without the interface, which
 * pctl_client_add_server() cannot carry. */
static bool link_local_v6(const pctl_addr *a)
{
	return !pctl_addr_is_v4(a) && a->b[0] == 0xfe &&
	       (a->b[1] & 0xc0) == 0x80;
}

/* One server address learnt from DHCP, kept as text for servers[] (with
 * its interface when it is link-local: RFC 7291 section 7); duplicates
 * (also of --server) count once.  0 or an exit code. */
static int add_dhcp_addr(struct cli_opts *o, int family, const char *arg,
                         const pctl_addr *a, const char *ifname)
{
	char text[PCTL_ADDRSTRLEN + IF_NAMESIZE + 1];

	pctl_addr_to_str(a, text, sizeof(text));
	if (ifname) {
		size_t l = strlen(text);
		snprintf(text + l, sizeof(text) - l, "%%%s", ifname);
	}
	for (size_t i = 0; i < o->n_servers; i++)
		if (!strcmp(o->servers[i], text))
			return 0;
	if (o->n_servers == CLI_MAX_SERVERS)
		return dhcp_bad(o, family, arg, "too many servers");
	/* n_dhcp_addrs <= n_servers < CLI_MAX_SERVERS: there is room */
	strcpy(o->dhcp_addrs[o->n_dhcp_addrs], text);
	o->servers[o->n_servers++] = o->dhcp_addrs[o->n_dhcp_addrs++];
	return 0;
}

/* --dhcp4 HEX / --dhcp6 HEX[%IFNAME] (C-2, K-27): the option data the
 * host's DHCP client received, decoded by pctl_dhcp_pcp_servers(); every
 * usable address of every server becomes a server address.  0 or an exit
 * code. */
static int parse_dhcp(struct cli_opts *o, int family, const char *arg)
{
	const char *pct = family == 6 ? strchr(arg, '%') : NULL;
	size_t hexlen = pct ? (size_t)(pct - arg) : strlen(arg);
	char text[3 * CLI_MAX_DHCP_OCTETS + 1];
	uint8_t buf[CLI_MAX_DHCP_OCTETS];
	struct pctl_dhcp_server srv[CLI_MAX_SERVERS];
	size_t ns, added = 0;
	unsigned ifindex = 0;
	long len;
	int rc;

	if (hexlen >= sizeof(text))
		return dhcp_bad(o, family, arg, "too long");
	memcpy(text, arg, hexlen);
	text[hexlen] = 0;
	/* RFC 7291 section 7: the server belongs to the interface it was
	 * learnt on, which must exist. */
	if (pct && !(ifindex = if_nametoindex(pct + 1)))
		return dhcp_bad(o, family, arg, "no such interface");
	len = dhcp_octets(text, buf, sizeof(buf));
	if (len < 0)
		return dhcp_bad(o, family, arg,
		                "not hex octets (plain, or colon-separated as "
		                "dhclient writes them)");
	rc = pctl_dhcp_pcp_servers(family, buf, (size_t)len, ifindex, srv,
	                           CLI_MAX_SERVERS, &ns);
	if (rc < 0 && errno == ENOSPC)
		return dhcp_bad(o, family, arg, "too many servers");
	if (rc < 0)
		return dhcp_bad(o, family, arg,
		                family == 4 ? "malformed OPTION_V4_PCP_SERVER "
		                              "(RFC 7291 section 4.1)"
		                            : "malformed OPTION_V6_PCP_SERVER "
		                              "(RFC 7291 section 3.1)");
	for (size_t i = 0; i < ns; i++)
		for (size_t j = 0; j < srv[i].n_addrs; j++) {
			char t[PCTL_ADDRSTRLEN];
			bool ll = link_local_v6(&srv[i].addrs[j]);
			if (ll && !pct) {
				fprintf(
				    stderr,
				    "portctl %s: --dhcp6: link-local server "
				    "address %s skipped: give the interface "
				    "it was learnt on, HEX%%IFNAME\n",
				    o->cmd,
				    pctl_addr_to_str(&srv[i].addrs[j], t,
				                     sizeof(t)));
				continue;
			}
			rc = add_dhcp_addr(o, family, arg, &srv[i].addrs[j],
			                   ll ? pct + 1 : NULL);
			if (rc)
				return rc;
			added++;
		}
	if (!added) /* C-2: multicast and loopback were discarded */
		return dhcp_bad(o, family, arg,
		                "no usable PCP server address in the DHCP "
		                "option");
	o->n_dhcp_servers += ns;
	return 0;
}

/* --protocol WORD (and --nat-pmp, its synonym for natpmp): one choice per
 * command line, repeated only to say the same.  0 or an exit code. */
static int parse_protocol(struct cli_opts *o, unsigned accepts,
                          const char *word)
{
	unsigned bits;

	if (cli_protocol_parse(word, &bits) < 0)
		return bad(o, "--protocol takes pcp, natpmp, upnp or auto",
		           word);
	/* PEER and ANNOUNCE have no UPnP IGD action: auto is PCP, then
	 * NAT-PMP. */
	if (accepts & CLI_O_NO_UPNP) {
		if (bits == PCTL_PROTO_UPNP)
			return bad(o, "UPnP IGD cannot do this", word);
		bits &= ~(unsigned)PCTL_PROTO_UPNP;
	}
	if (o->protocols && o->protocols != bits)
		return bad(o, "one --protocol (or --nat-pmp) only", word);
	o->protocols = bits;
	o->natpmp = bits == PCTL_PROTO_NATPMP;
	return 0;
}

int cli_parse(int argc, char **argv, unsigned accepts, const char *usage,
              struct cli_opts *o)
{
	int c;
	double secs;
	char *end;
	uint32_t v;

	memset(o, 0, sizeof(*o));
	o->cmd = argv[0];
	o->timeout_ms = 10000;
	o->p.lifetime = 7200;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "s:t:jvhl:6", long_opts, NULL)) !=
	       -1) {
		bool map_opt = c == 'l' || c == '6' ||
		               (c >= OPT_SUGGEST && c <= OPT_ANY_PORT);
		bool state_opt = c == OPT_STATE || c == OPT_NO_STATE;
		bool keep_opt = c == OPT_KEEP || c == OPT_HOOK;
		if ((map_opt && !(accepts & CLI_O_MAPOPTS)) ||
		    (state_opt && !(accepts & CLI_O_STATE)) ||
		    (keep_opt && !(accepts & CLI_O_KEEP)))
			return bad(o, "option not valid here",
			           argv[optind - 1]);
		switch (c) {
		case 's':
			if (o->n_servers == CLI_MAX_SERVERS)
				return bad(o, "too many servers", optarg);
			o->servers[o->n_servers++] = optarg;
			break;
		case 't':
			errno = 0;
			secs = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(secs > 0) ||
			    secs > 1e6)
				return bad(o, "bad timeout", optarg);
			o->timeout_ms =
			    (int64_t)(secs * 1000 + 0.5); /* no libm */
			break;
		case 'j':
			o->json = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			help(stdout, usage, accepts);
			return PORTCTL_EXIT_OK;
		case OPT_NATPMP:
		case OPT_PROTOCOL: {
			int rc = parse_protocol(
			    o, accepts, c == OPT_NATPMP ? "natpmp" : optarg);
			if (rc)
				return rc;
			break;
		}
		case OPT_SOURCE:
			o->source = optarg;
			break;
		case OPT_DHCP4:
		case OPT_DHCP6: {
			int rc = parse_dhcp(o, c == OPT_DHCP4 ? 4 : 6, optarg);
			if (rc)
				return rc;
			break;
		}
		case 'l':
			if (parse_u32(optarg, UINT32_MAX, &v) < 0 || v == 0)
				return bad(o, "bad lifetime", optarg);
			o->p.lifetime = v;
			break;
		case '6':
			o->p.want_ipv6 = true;
			break;
		case OPT_SUGGEST:
			if (cli_parse_endpoint(optarg, false,
			                       &o->p.suggest_addr,
			                       &o->p.suggest_port) < 0)
				return bad(o, "bad --suggest", optarg);
			o->p.has_suggest = true;
			break;
		case OPT_FILTER:
			if (o->p.n_filters == PCTL_CLIENT_MAX_FILTERS)
				return bad(o, "too many filters", optarg);
			if (parse_filter(optarg,
			                 &o->p.filters[o->p.n_filters]) < 0)
				return bad(o, "bad --filter", optarg);
			o->p.n_filters++;
			break;
		case OPT_DESCRIPTION:
			if (strlen(optarg) >= sizeof(o->p.description) ||
			    !pctl_utf8_valid((const uint8_t *)optarg,
			                     strlen(optarg)))
				return bad(o, "bad --description", optarg);
			strcpy(o->p.description, optarg);
			break;
		case OPT_THIRD_PARTY:
			if (pctl_addr_from_str(&o->p.third_party, optarg) < 0)
				return bad(o, "bad --third-party", optarg);
			o->p.has_third_party = true;
			break;
		case OPT_PREFER_FAILURE:
			o->p.prefer_failure = true;
			break;
		case OPT_PORT_SET:
			if (parse_u32(optarg, 65535, &v) < 0 || v == 0)
				return bad(o, "bad --port-set", optarg);
			o->p.port_set_size = (uint16_t)v;
			break;
		case OPT_PARITY:
			o->p.port_set_parity = true;
			break;
		case OPT_ANY_PORT:
			o->p.any_port = true;
			break;
		case OPT_STATE:
			o->state_path = optarg;
			break;
		case OPT_NO_STATE:
			o->no_state = true;
			break;
		case OPT_KEEP:
			o->keep = true;
			break;
		case OPT_HOOK:
			o->hook = optarg;
			break;
		default:
			return bad(o, "unknown option or missing argument",
			           argv[optind - 1]);
		}
	}
	if (o->n_dhcp_servers > 1) /* RFC 7488 section 4: not supported */
		fprintf(stderr,
		        "portctl %s: the DHCP options name %zu PCP servers; "
		        "their addresses are tried as those of one server\n",
		        o->cmd, o->n_dhcp_servers);
	if (o->p.prefer_failure && (!o->p.has_suggest || !o->p.suggest_port))
		return bad(o, "--prefer-failure needs --suggest ADDR:PORT",
		           "--prefer-failure");
	if (o->p.prefer_failure && o->p.port_set_size) /* C-68 */
		return bad(o, "--prefer-failure cannot go with --port-set",
		           "--port-set");
	if (!o->state_path && !o->no_state && (accepts & CLI_O_STATE)) {
		o->state_path =
		    pctl_state_default_path(o->state_buf, sizeof(o->state_buf));
	}
	o->argc = argc - optind;
	o->argv = argv + optind;
	return -1;
}

int cli_parse_proto_port(const char *proto, const char *port,
                         struct pctl_client_map_params *p)
{
	int pr = pctl_protocol_parse(proto);
	uint32_t v;

	if (pr < 0) {
		fprintf(stderr, "portctl: unknown protocol '%s'\n", proto);
		return -1;
	}
	if (parse_u32(port, 65535, &v) < 0) {
		fprintf(stderr, "portctl: bad port '%s'\n", port);
		return -1;
	}
	if ((pr == 0) != (v == 0)) { /* C-62 */
		fprintf(stderr, "portctl: protocol 'all' goes with port 0, "
		                "and only it\n");
		return -1;
	}
	p->protocol = (uint8_t)pr;
	p->internal_port = (uint16_t)v;
	return 0;
}

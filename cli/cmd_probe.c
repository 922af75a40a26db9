/*
 * portctl probe: which of PCP, NAT-PMP and UPnP IGD the gateway speaks,
 * its epoch, its external address (and the IGD's), and whether a second
 * NAT sits beyond it (an ADDRESS_MISMATCH, or a private/shared external
 * address).
 */
#include <stdio.h>
#include <string.h>

#include "client_opts.h"
#include "client_request.h"
#include "commands.h"
#include "json.h"

static const char usage[] =
    "usage: portctl probe [OPTIONS]\n\n"
    "Ask the gateway in PCP (ANNOUNCE, then a discard-port MAP), in\n"
    "NAT-PMP (external address request) and in UPnP IGD (SSDP search,\n"
    "then GetExternalIPAddress), one after the other, and report what it\n"
    "speaks, its epoch, the external address, the IGD's address and\n"
    "external address, and whether there is a double NAT.  --protocol\n"
    "asks in that protocol only.\n";

/* NAT-PMP is IPv4 only (RFC 6886): the IPv4 ones of the given servers.
 * False when servers were given and none is IPv4. */
static bool ipv4_servers(const struct cli_opts *o, struct cli_opts *v4)
{
	*v4 = *o;
	v4->n_servers = 0;
	for (size_t i = 0; i < o->n_servers; i++) {
		pctl_addr a;
		uint16_t port;
		if (cli_parse_endpoint(o->servers[i], false, &a, &port) == 0 &&
		    pctl_addr_is_v4(&a))
			v4->servers[v4->n_servers++] = o->servers[i];
	}
	return !o->n_servers || v4->n_servers;
}

/* One query in one protocol (PCTL_PROTO_*); fills info (state
 * PENDING/FAILED: no answer). */
static void ask(const struct cli_opts *opts, unsigned proto,
                enum pctl_req_kind k, struct pctl_client_map_info *info)
{
	struct pctl_client_map_params p;
	struct cli_opts o1 = *opts;
	struct cli_opts *o = &o1;
	struct pctl_client *c;
	struct pctl_client_map *m;

	memset(info, 0, sizeof(*info));
	/* NAT-PMP goes to the IPv4 servers given only (RFC 6886). */
	if (proto == PCTL_PROTO_NATPMP && !ipv4_servers(opts, &o1))
		return;
	o->protocols = proto;
	o->natpmp = proto == PCTL_PROTO_NATPMP;
	c = cli_client(o, o->natpmp, 0);
	if (!c)
		return;
	memset(&p, 0, sizeof(p));
	p.kind = k;
	p.lifetime = 120;
	m = pctl_client_map_new(c, &p, cli_ignore_events, NULL);
	if (m) {
		pctl_client_wait(c, m, o->timeout_ms);
		pctl_client_map_get_info(m, info);
		if (k == PCTL_REQ_EXTERNAL && info->state == PCTL_MS_GRANTED &&
		    info->proto == PCTL_PROTO_PCP &&
		    pctl_client_map_delete(m) == 0)
			pctl_client_wait(c, m, 1000);
	}
	pctl_client_free(c);
}

/* Why a second NAT is suspected, or NULL: PCP's ADDRESS_MISMATCH (the
 * server saw another source address than ours), else an external address
 * that is private or shared (the IGD's, or PCP's / NAT-PMP's). */
static const char *double_nat_reason(const struct pctl_client_map_info *ann,
                                     const struct pctl_client_map_info *ext,
                                     const struct pctl_client_map_info *np,
                                     const struct pctl_client_map_info *up)
{
	if (ann->result == PCTL_R_ADDRESS_MISMATCH ||
	    ext->result == PCTL_R_ADDRESS_MISMATCH)
		return "PCP answered ADDRESS_MISMATCH";
	if (up->double_nat)
		return "the IGD's external address is private or shared";
	if (ann->double_nat || ext->double_nat || np->double_nat)
		return "the external address is private or shared";
	return NULL;
}

static void print_json(const char *server, bool pcp, bool natpmp, bool upnp,
                       const char *ext_addr, const char *why,
                       const struct pctl_client_map_info *ann,
                       const struct pctl_client_map_info *ext,
                       const struct pctl_client_map_info *np,
                       const struct pctl_client_map_info *up)
{
	struct json_writer w;
	char a[PCTL_ADDRSTRLEN];

	json_init(&w, stdout);
	json_object_begin(&w);
	json_key(&w, "command");
	json_string(&w, "probe");
	json_key(&w, "server");
	json_string(&w, server);
	json_key(&w, "pcp");
	json_bool(&w, pcp);
	if (pcp) {
		json_key(&w, "pcp_epoch");
		json_uint(&w, ann->epoch);
	}
	if (ext->state == PCTL_MS_ERROR) {
		json_key(&w, "pcp_map_result");
		json_string(&w, pctl_result_name(ext->result));
	}
	json_key(&w, "natpmp");
	json_bool(&w, natpmp);
	if (natpmp) {
		json_key(&w, "natpmp_epoch");
		json_uint(&w, np->epoch);
	}
	json_key(&w, "upnp");
	json_bool(&w, upnp);
	if (upnp) {
		json_key(&w, "upnp_server");
		json_string(&w,
		            pctl_addr_to_str(&up->server_addr, a, sizeof(a)));
		json_key(&w, "upnp_server_port");
		json_uint(&w, up->server_port);
		json_key(&w, "upnp_version");
		json_uint(&w, up->upnp_version);
		json_key(&w, "upnp_external_address");
		if (up->state == PCTL_MS_GRANTED)
			json_string(&w, pctl_addr_to_str(&up->external_addr, a,
			                                 sizeof(a)));
		else
			json_null(&w);
	}
	json_key(&w, "external_address");
	if (ext_addr)
		json_string(&w, ext_addr);
	else
		json_null(&w);
	json_key(&w, "double_nat");
	json_bool(&w, why != NULL);
	if (why) {
		json_key(&w, "double_nat_reason");
		json_string(&w, why);
	}
	json_object_end(&w);
	fputc('\n', stdout);
}

static void print_upnp_text(bool upnp, const struct pctl_client_map_info *up)
{
	char a[PCTL_ADDRSTRLEN], x[PCTL_ADDRSTRLEN] = "unknown";

	if (!upnp) {
		printf("UPnP IGD:         no\n");
		return;
	}
	if (up->state == PCTL_MS_GRANTED)
		pctl_addr_to_str(&up->external_addr, x, sizeof(x));
	printf("UPnP IGD:         yes (IGD:%u at %s port %u, external "
	       "address %s)\n",
	       up->upnp_version,
	       pctl_addr_to_str(&up->server_addr, a, sizeof(a)),
	       up->server_port, x);
}

int cmd_probe(int argc, char **argv)
{
	struct cli_opts o;
	struct pctl_client_map_info ann, ext, np, up;
	bool pcp, natpmp, upnp, have_ext;
	char a[PCTL_ADDRSTRLEN] = "", s[PCTL_ADDRSTRLEN];
	const char *why;
	unsigned want;
	int rc = cli_parse(argc, argv, 0, usage, &o);

	if (rc >= 0)
		return rc;
	if (o.argc != 0) {
		fprintf(stderr, "%s", usage);
		return PORTCTL_EXIT_USAGE;
	}
	want = o.protocols ? o.protocols : PCTL_PROTO_AUTO;
	memset(&ann, 0, sizeof(ann));
	memset(&ext, 0, sizeof(ext));
	memset(&np, 0, sizeof(np));
	memset(&up, 0, sizeof(up));
	if (want & PCTL_PROTO_PCP) {
		/* Any PCP answer, even an error, means PCP is spoken; a
		 * NAT-PMP answer here (after the fallback) means it is not. */
		ask(&o, PCTL_PROTO_PCP, PCTL_REQ_ANNOUNCE, &ann);
		if (ann.state == PCTL_MS_GRANTED || ann.state == PCTL_MS_ERROR)
			if (ann.version == PCTL_VERSION)
				ask(&o, PCTL_PROTO_PCP, PCTL_REQ_EXTERNAL,
				    &ext);
	}
	pcp = (ann.state == PCTL_MS_GRANTED || ann.state == PCTL_MS_ERROR) &&
	      ann.version == PCTL_VERSION;
	if (want & PCTL_PROTO_NATPMP)
		ask(&o, PCTL_PROTO_NATPMP, PCTL_REQ_EXTERNAL, &np);
	/* An error answer (no external address yet, say) is NAT-PMP too. */
	natpmp = np.state == PCTL_MS_GRANTED || np.state == PCTL_MS_ERROR;
	if (want & PCTL_PROTO_UPNP)
		ask(&o, PCTL_PROTO_UPNP, PCTL_REQ_EXTERNAL, &up);
	/* An IGD that was found and answered, even with a SOAP fault. */
	upnp = up.proto == PCTL_PROTO_UPNP &&
	       (up.state == PCTL_MS_GRANTED || up.state == PCTL_MS_ERROR);
	have_ext = ext.state == PCTL_MS_GRANTED || ext.state == PCTL_MS_DELETED;
	if (have_ext) {
		pctl_addr_to_str(&ext.external_addr, a, sizeof(a));
	} else if (np.state == PCTL_MS_GRANTED) {
		pctl_addr_to_str(&np.external_addr, a, sizeof(a));
		have_ext = true;
	} else if (upnp && up.state == PCTL_MS_GRANTED) {
		pctl_addr_to_str(&up.external_addr, a, sizeof(a));
		have_ext = true;
	}
	why = double_nat_reason(&ann, &ext, &np, &up);
	pctl_addr_to_str(pcp      ? &ann.server_addr
	                 : natpmp ? &np.server_addr
	                          : &up.server_addr,
	                 s, sizeof(s));
	if (o.json) {
		print_json(s, pcp, natpmp, upnp, have_ext ? a : NULL, why, &ann,
		           &ext, &np, &up);
	} else {
		printf("server:           %s\n", s);
		if (pcp)
			printf("PCP:              yes (epoch %u)\n", ann.epoch);
		else
			printf("PCP:              no\n");
		if (ext.state == PCTL_MS_ERROR)
			printf("PCP MAP:          refused: %s\n",
			       pctl_result_name(ext.result));
		if (natpmp)
			printf("NAT-PMP:          yes (epoch %u)\n", np.epoch);
		else
			printf("NAT-PMP:          no\n");
		print_upnp_text(upnp, &up);
		printf("external address: %s\n", have_ext ? a : "unknown");
		if (why)
			printf("double NAT:       yes (%s)\n", why);
		else
			printf("double NAT:       no\n");
	}
	if (pcp || natpmp || upnp)
		return PORTCTL_EXIT_OK;
	return ann.state == PCTL_MS_ERROR ? PORTCTL_EXIT_REFUSED
	                                  : PORTCTL_EXIT_TIMEOUT;
}

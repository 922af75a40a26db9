/*
 * portctl probe: which of PCP and NAT-PMP the gateway speaks, its epoch,
 * its external address, and whether a second NAT sits beyond it (an
 * ADDRESS_MISMATCH, or a private/shared external address).
 */
#include <stdio.h>
#include <string.h>

#include "client_opts.h"
#include "client_request.h"
#include "commands.h"
#include "json.h"

static const char usage[] =
    "usage: portctl probe [OPTIONS]\n\n"
    "Ask the gateway in PCP (ANNOUNCE, then a discard-port MAP) and in\n"
    "NAT-PMP (external address request) and report what it speaks, its\n"
    "epoch, the external address and whether there is a double NAT.\n";

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

/* One query; fills info (state PENDING/FAILED: no answer). */
static void ask(const struct cli_opts *o, bool natpmp, enum pctl_req_kind k,
                struct pctl_client_map_info *info)
{
	struct pctl_client_map_params p;
	struct cli_opts v4;
	struct pctl_client *c = NULL;
	struct pctl_client_map *m;

	memset(info, 0, sizeof(*info));
	if (!natpmp)
		c = cli_client(o, false, 0);
	else if (ipv4_servers(o, &v4))
		c = cli_client(&v4, true, 0);
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
		    info->version == PCTL_VERSION &&
		    pctl_client_map_delete(m) == 0)
			pctl_client_wait(c, m, 1000);
	}
	pctl_client_free(c);
}

int cmd_probe(int argc, char **argv)
{
	struct cli_opts o;
	struct pctl_client_map_info ann, ext, np;
	bool pcp, natpmp, have_ext, double_nat;
	char a[PCTL_ADDRSTRLEN] = "", s[PCTL_ADDRSTRLEN];
	int rc = cli_parse(argc, argv, 0, usage, &o);

	if (rc >= 0)
		return rc;
	if (o.argc != 0) {
		fprintf(stderr, "%s", usage);
		return PORTCTL_EXIT_USAGE;
	}
	if (o.natpmp) {
		memset(&ann, 0, sizeof(ann));
		memset(&ext, 0, sizeof(ext));
		pcp = false;
	} else {
		/* Any PCP answer, even an error, means PCP is spoken; a
		 * NAT-PMP answer here (after the fallback) means it is not. */
		ask(&o, false, PCTL_REQ_ANNOUNCE, &ann);
		pcp = (ann.state == PCTL_MS_GRANTED ||
		       ann.state == PCTL_MS_ERROR) &&
		      ann.version == PCTL_VERSION;
		if (pcp)
			ask(&o, false, PCTL_REQ_EXTERNAL, &ext);
		else
			memset(&ext, 0, sizeof(ext));
	}
	ask(&o, true, PCTL_REQ_EXTERNAL, &np);
	/* An error answer (no external address yet, say) is NAT-PMP too. */
	natpmp = np.state == PCTL_MS_GRANTED || np.state == PCTL_MS_ERROR;
	have_ext = ext.state == PCTL_MS_GRANTED || ext.state == PCTL_MS_DELETED;
	if (have_ext) {
		pctl_addr_to_str(&ext.external_addr, a, sizeof(a));
	} else if (np.state == PCTL_MS_GRANTED) {
		pctl_addr_to_str(&np.external_addr, a, sizeof(a));
		have_ext = true;
	}
	double_nat = ext.double_nat || np.double_nat || ann.double_nat;
	pctl_addr_to_str(pcp ? &ann.server_addr : &np.server_addr, s,
	                 sizeof(s));
	if (o.json) {
		struct json_writer w;
		json_init(&w, stdout);
		json_object_begin(&w);
		json_key(&w, "command");
		json_string(&w, "probe");
		json_key(&w, "server");
		json_string(&w, s);
		json_key(&w, "pcp");
		json_bool(&w, pcp);
		if (pcp) {
			json_key(&w, "pcp_epoch");
			json_uint(&w, ann.epoch);
		}
		if (ext.state == PCTL_MS_ERROR) {
			json_key(&w, "pcp_map_result");
			json_string(&w, pctl_result_name(ext.result));
		}
		json_key(&w, "natpmp");
		json_bool(&w, natpmp);
		if (natpmp) {
			json_key(&w, "natpmp_epoch");
			json_uint(&w, np.epoch);
		}
		json_key(&w, "external_address");
		if (have_ext)
			json_string(&w, a);
		else
			json_null(&w);
		json_key(&w, "double_nat");
		json_bool(&w, double_nat);
		json_object_end(&w);
		fputc('\n', stdout);
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
		printf("external address: %s\n", have_ext ? a : "unknown");
		printf("double NAT:       %s\n", double_nat ? "yes" : "no");
	}
	if (pcp || natpmp)
		return PORTCTL_EXIT_OK;
	return ann.state == PCTL_MS_ERROR ? PORTCTL_EXIT_REFUSED
	                                  : PORTCTL_EXIT_TIMEOUT;
}

/*
 * What the client subcommands print for a mapping: text lines or one JSON
 * object, the event names, and the exit code a settled mapping gives.
 */
#include <stdio.h>
#include <string.h>

#include "client_output.h"
#include "client_protocol.h"
#include "commands.h"
#include "json.h"

const char *cli_event_name(enum pctl_client_map_event ev)
{
	switch (ev) {
	case PCTL_EV_GRANTED:
		return "granted";
	case PCTL_EV_CHANGED:
		return "changed";
	case PCTL_EV_RENEWED:
		return "renewed";
	case PCTL_EV_ERROR:
		return "error";
	case PCTL_EV_LOST:
		return "lost";
	case PCTL_EV_TIMEOUT:
		return "timeout";
	case PCTL_EV_DELETED:
		return "deleted";
	}
	return "unknown";
}

int cli_exit_code(const struct pctl_client_map_info *info)
{
	switch (info->state) {
	case PCTL_MS_GRANTED:
	case PCTL_MS_DELETED:
		return PORTCTL_EXIT_OK;
	case PCTL_MS_ERROR:
		return PORTCTL_EXIT_REFUSED;
	case PCTL_MS_FAILED:
		if (info->failure == PCTL_FAIL_UNREACHABLE)
			return PORTCTL_EXIT_UNREACHABLE;
		/* fall through */
	case PCTL_MS_PENDING:
	case PCTL_MS_DELETING:
		return info->failure == PCTL_FAIL_UNUSABLE
		           ? PORTCTL_EXIT_UNUSABLE
		           : PORTCTL_EXIT_TIMEOUT;
	}
	return PORTCTL_EXIT_SYSTEM;
}

static const char *proto_text(uint8_t proto, char *buf, size_t len)
{
	const char *n = pctl_protocol_name(proto);

	if (n)
		return n;
	snprintf(buf, len, "%u", proto);
	return buf;
}

/* JSON "failure": why an exchange ended without an answer to use. */
static const char *failure_name(enum pctl_client_failure f)
{
	switch (f) {
	case PCTL_FAIL_NONE:
		break;
	case PCTL_FAIL_NO_ANSWER:
		return "no_answer";
	case PCTL_FAIL_UNREACHABLE:
		return "unreachable";
	case PCTL_FAIL_UNUSABLE:
		return "unusable";
	}
	return NULL;
}

static void print_json(const struct cli_opts *o, const char *event,
                       const struct pctl_client_map_info *in)
{
	struct json_writer w;
	char a[PCTL_ADDRSTRLEN], pb[8], vb[16];
	bool answered = in->state != PCTL_MS_PENDING &&
	                in->state != PCTL_MS_FAILED &&
	                in->state != PCTL_MS_DELETING;
	bool mapped = (in->state == PCTL_MS_GRANTED ||
	               (in->state == PCTL_MS_DELETED && in->lifetime)) &&
	              in->kind != PCTL_REQ_ANNOUNCE;

	json_init(&w, stdout);
	json_object_begin(&w);
	json_key(&w, "command");
	json_string(&w, o->cmd);
	json_key(&w, "event");
	json_string(&w, event);
	json_key(&w, "server");
	json_string(&w, pctl_addr_to_str(&in->server_addr, a, sizeof(a)));
	json_key(&w, "server_port");
	json_uint(&w, in->server_port);
	/* external-ip: nothing port-related (a NAT-PMP answer maps no
	 * port; with PCP the 9/udp MAP is a means, not the result). */
	if (in->kind != PCTL_REQ_ANNOUNCE && in->kind != PCTL_REQ_EXTERNAL) {
		json_key(&w, "protocol");
		json_string(&w, proto_text(in->protocol, pb, sizeof(pb)));
		json_key(&w, "internal_address");
		json_string(&w,
		            pctl_addr_to_str(&in->internal_addr, a, sizeof(a)));
		json_key(&w, "internal_port");
		json_uint(&w, in->internal_port);
		json_key(&w, "nonce");
		json_hex(&w, in->nonce, PCTL_NONCE_LEN);
	}
	if (answered) {
		json_key(&w, "version");
		json_string(&w, cli_protocol_label(in, vb, sizeof(vb)));
		json_key(&w, "proto");
		json_string(&w, cli_protocol_word(in));
		if (cli_protocol_answered(in) == PCTL_PROTO_UPNP) {
			json_key(&w, "upnp_version");
			json_uint(&w, in->upnp_version);
		}
		json_key(&w, "result");
		json_string(&w, pctl_result_name(in->result));
		json_key(&w, "epoch");
		json_uint(&w, in->epoch);
		json_key(&w, "lifetime");
		json_uint(&w, in->lifetime);
	}
	if (mapped) {
		json_key(&w, "external_address");
		json_string(&w,
		            pctl_addr_to_str(&in->external_addr, a, sizeof(a)));
	}
	if (mapped && in->kind != PCTL_REQ_EXTERNAL) {
		json_key(&w, "external_port");
		json_uint(&w, in->external_port);
		json_key(&w, "port_set_granted"); /* RFC 7753 */
		json_uint(&w, in->port_set_granted);
		if (o->p.port_set_size) {
			json_key(&w, "port_set_requested");
			json_uint(&w, o->p.port_set_size);
		}
	}
	if (failure_name(in->failure)) {
		json_key(&w, "failure");
		json_string(&w, failure_name(in->failure));
	}
	if (in->failure == PCTL_FAIL_UNUSABLE) {
		json_key(&w, "result"); /* of the last unusable answer */
		json_string(&w, pctl_result_name(in->result));
	}
	if (in->state == PCTL_MS_ERROR) {
		json_key(&w, "error_class");
		json_string(&w, in->error_class == PCTL_ERR_LONG ? "long"
		                                                 : "short");
	}
	json_key(&w, "double_nat");
	json_bool(&w, in->double_nat);
	json_object_end(&w);
	fputc('\n', stdout);
}

/* An exchange that ended without an answer to use: silence, or answers
 * that came but could not be used (a server's bug; -v shows each). */
static void print_unanswered(const char *event, const char *s,
                             const struct pctl_client_map_info *in)
{
	if (in->failure != PCTL_FAIL_UNUSABLE) {
		printf("%s: no answer from %s port %u\n", event, s,
		       in->server_port);
		return;
	}
	printf("unusable: server %s answered, but ", s);
	if (in->result == PCTL_R_SUCCESS)
		printf("its SUCCESS named an external address or port that "
		       "cannot be used (0.0.0.0 or port 0; -v shows it)\n");
	else if (in->result == PCTL_R_UNSUPP_VERSION)
		printf("said UNSUPP_VERSION in version %u, the version it was "
		       "asked in (-v shows it)\n",
		       PCTL_VERSION);
	else
		printf("no answer could be used (last result %s; -v shows "
		       "why)\n",
		       pctl_result_name(in->result));
}

/* An error, with the lifetime as the server sent it: 0 (and NAT-PMP,
 * which sends none) means the default hold of the error's class (C-46). */
static void print_refused(const char *event, const char *s,
                          const struct pctl_client_map_info *in)
{
	uint32_t hold = pctl_result_lifetime(in->result);
	char what[40] = "";

	if (!hold)
		hold = PCTL_SHORT_ERROR_LIFETIME;
	if (in->kind == PCTL_REQ_EXTERNAL)
		snprintf(what, sizeof(what), " %s",
		         in->version == 0 ? "the external address request"
		                          : "the MAP of 9/udp");
	printf("%s: server %s refused%s: %s (%s-lifetime error, ", event, s,
	       what, pctl_result_name(in->result),
	       in->error_class == PCTL_ERR_LONG ? "long" : "short");
	if (in->lifetime)
		printf("lifetime %u s)\n", in->lifetime);
	else
		printf("%s, so the default hold of %u s applies: portctl "
		       "keep asks again after it)\n",
		       in->version == 0 ? "NAT-PMP sends no lifetime"
		                        : "lifetime 0",
		       hold);
}

/* PORT_SET (RFC 7753): how many of the ports asked for were granted. */
static void print_port_set(const struct cli_opts *o,
                           const struct pctl_client_map_info *in)
{
	unsigned last = in->external_port + in->port_set_granted - 1u;

	if (!o->p.port_set_size || in->state != PCTL_MS_GRANTED)
		return;
	printf("port set: %u of %u ports granted, external ports %u-%u\n",
	       in->port_set_granted, o->p.port_set_size, in->external_port,
	       last);
}

/* Who granted it: "server 192.0.2.1, PCP, epoch 96", or for UPnP, which
 * has no epoch, "IGD 192.0.2.1 port 5000, UPnP IGD:2". */
static const char *granted_by(const struct pctl_client_map_info *in, char *buf,
                              size_t len)
{
	char s[PCTL_ADDRSTRLEN], vb[16];
	const char *ver = cli_protocol_label(in, vb, sizeof(vb));

	pctl_addr_to_str(&in->server_addr, s, sizeof(s));
	if (cli_protocol_answered(in) == PCTL_PROTO_UPNP)
		snprintf(buf, len, "IGD %s port %u, %s", s, in->server_port,
		         ver);
	else
		snprintf(buf, len, "server %s, %s, epoch %u", s, ver,
		         in->epoch);
	return buf;
}

static void print_text(const struct cli_opts *o, const char *event,
                       const struct pctl_client_map_info *in)
{
	char a[PCTL_ADDRSTRLEN], s[PCTL_ADDRSTRLEN], x[PCTL_ADDRSTRLEN], pb[8];
	char vb[16], by[PCTL_ADDRSTRLEN + 48];
	const char *ver = cli_protocol_label(in, vb, sizeof(vb));

	pctl_addr_to_str(&in->server_addr, s, sizeof(s));
	if (in->failure == PCTL_FAIL_UNREACHABLE) {
		printf("%s: server %s port %u unreachable (ICMP error: no "
		       "PCP or NAT-PMP server there)\n",
		       event, s, in->server_port);
		return;
	}
	if (in->state == PCTL_MS_PENDING || in->state == PCTL_MS_FAILED ||
	    in->state == PCTL_MS_DELETING) {
		print_unanswered(event, s, in);
		return;
	}
	if (in->state == PCTL_MS_ERROR) {
		print_refused(event, s, in);
	} else if (in->kind == PCTL_REQ_ANNOUNCE) {
		printf("%s: server %s speaks %s, epoch %u\n", event, s, ver,
		       in->epoch);
	} else if (in->state == PCTL_MS_DELETED && in->lifetime) {
		/* S-52: the server waits for the mapping's flows to go idle. */
		printf("%s: %s port %u, but server %s keeps it %u s more for "
		       "the traffic still on it (%s)\n",
		       event, proto_text(in->protocol, pb, sizeof(pb)),
		       in->internal_port, s, in->lifetime, ver);
	} else if (in->state == PCTL_MS_DELETED) {
		printf("%s: %s port %u (server %s, %s)\n", event,
		       proto_text(in->protocol, pb, sizeof(pb)),
		       in->internal_port, s, ver);
	} else {
		printf("%s: %s %s port %u -> %s port %u, lifetime %u s "
		       "(%s)\n",
		       event, proto_text(in->protocol, pb, sizeof(pb)),
		       pctl_addr_to_str(&in->internal_addr, a, sizeof(a)),
		       in->internal_port,
		       pctl_addr_to_str(&in->external_addr, x, sizeof(x)),
		       in->external_port, in->lifetime,
		       granted_by(in, by, sizeof(by)));
		print_port_set(o, in);
	}
	if (in->double_nat)
		printf("warning: another NAT sits between this host and the "
		       "Internet (double NAT)\n");
}

void cli_print_info(const struct cli_opts *o, const char *event,
                    const struct pctl_client_map_info *info)
{
	if (o->json)
		print_json(o, event, info);
	else
		print_text(o, event, info);
	fflush(stdout);
}

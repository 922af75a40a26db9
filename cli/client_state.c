/*
 * The state file that carries nonces between invocations (C-13) for the
 * client subcommands: a mapping's identity, recording, forgetting and
 * looking it up (pctl_state_* of libportctl).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "client_protocol.h"
#include "client_state.h"

void cli_state_key(const struct pctl_client_map_params *p,
                   const struct pctl_client_map_info *info,
                   struct pctl_state_entry *e)
{
	memset(e, 0, sizeof(*e));
	if (info) {
		e->server = info->server_addr;
		/* An IGD's mapping is recorded with port 0, which no PCP
		 * server has: delete then knows to ask the IGD (at that
		 * address, found again by SSDP). */
		e->server_port = cli_protocol_answered(info) == PCTL_PROTO_UPNP
		                     ? CLI_STATE_IGD_PORT
		                     : info->server_port;
		e->external_addr = info->external_addr;
		e->external_port = info->external_port;
		memcpy(e->nonce, info->nonce, PCTL_NONCE_LEN);
		if (info->lifetime)
			e->expires = (int64_t)time(NULL) + info->lifetime;
	}
	e->opcode = p->kind == PCTL_REQ_PEER ? PCTL_OP_PEER : PCTL_OP_MAP;
	e->protocol = p->protocol;
	e->internal_port = p->internal_port;
	e->has_third_party = p->has_third_party;
	e->third_party = p->third_party;
	if (p->kind == PCTL_REQ_PEER) {
		e->remote_addr = p->remote_addr;
		e->remote_port = p->remote_port;
	} else {
		pctl_addr_set_any(&e->remote_addr, true);
	}
}

/* Records (put) or forgets the mapping; a failure is reported, not fatal:
 * the mapping itself is made or deleted either way. */
static void state_write(const struct cli_opts *o,
                        const struct pctl_client_map_params *p,
                        const struct pctl_client_map_info *info, bool put)
{
	struct pctl_state_entry e;
	int rc;

	if (o->no_state || !o->state_path)
		return;
	cli_state_key(p, info, &e);
	rc = put ? pctl_state_put(o->state_path, &e)
	         : pctl_state_remove(o->state_path, &e);
	if (rc < 0)
		fprintf(stderr, "portctl %s: state file %s: %s\n", o->cmd,
		        o->state_path, strerror(errno));
}

void cli_state_save(const struct cli_opts *o,
                    const struct pctl_client_map_params *p,
                    const struct pctl_client_map_info *info)
{
	state_write(o, p, info, true);
}

void cli_state_forget(const struct cli_opts *o,
                      const struct pctl_client_map_params *p,
                      const struct pctl_client_map_info *info)
{
	state_write(o, p, info, false);
}

bool cli_state_lookup(const struct cli_opts *o,
                      struct pctl_client_map_params *p,
                      struct pctl_state_entry *found)
{
	struct pctl_state_entry key;

	if (o->no_state || !o->state_path)
		return false;
	cli_state_key(p, NULL, &key);
	/* With exactly one --server, only that server's entry counts. */
	if (o->n_servers == 1) {
		uint16_t port = PCTL_SERVER_PORT;
		pctl_addr a;
		if (cli_parse_endpoint(o->servers[0], false, &a, &port) == 0) {
			key.server = a;
			key.server_port = port ? port : PCTL_SERVER_PORT;
		}
	}
	if (pctl_state_find(o->state_path, &key, found) < 0) {
		/* That address's IGD may have made it. */
		if (o->n_servers != 1 || key.server_port == CLI_STATE_IGD_PORT)
			return false;
		key.server_port = CLI_STATE_IGD_PORT;
		if (pctl_state_find(o->state_path, &key, found) < 0)
			return false;
	}
	memcpy(p->nonce, found->nonce, PCTL_NONCE_LEN);
	p->has_nonce = true;
	/* C-20: a renewal suggests the endpoint it was granted, so that a
	 * server that lost its state gives the same one back (S-37).  An
	 * explicit --suggest wins; a delete ignores suggestions (C-65). */
	if (!p->has_suggest && found->external_port &&
	    !pctl_addr_is_any(&found->external_addr)) {
		p->has_suggest = true;
		p->suggest_addr = found->external_addr;
		p->suggest_port = found->external_port;
	}
	return true;
}

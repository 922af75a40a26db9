/*
 * Engine life cycle, the reception pipeline of RFC 6887 section 8.2 and
 * time: a new epoch when state was lost (S-25; the epoch itself and the
 * responses are engine_msg.c's) and expiry.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <sys/random.h>

#include "engine_core.h"
#include "engine_handlers.h"
#include "engine_msg.h"
#include "engine_opts.h"
#include "engine_reuse.h"
#include "engine_state.h"
#include "policy.h"

/* The allocator's key (RFC 6056): from the configured seed (tests), else
 * from the kernel's random pool.  0 or -1 when none could be had. */
static int port_key_init(uint64_t key[2], uint64_t seed)
{
	if (!seed)
		return getrandom(key, 2 * sizeof(key[0]), 0) ==
		               (ssize_t)(2 * sizeof(key[0]))
		           ? 0
		           : -1;
	/* splitmix64 steps: two well-mixed words from one seed. */
	for (int i = 0; i < 2; i++) {
		uint64_t z = (seed += 0x9e3779b97f4a7c15ull);
		z = (z ^ z >> 30) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ z >> 27) * 0x94d049bb133111ebull;
		key[i] = z ^ z >> 31;
	}
	return 0;
}

struct pctl_engine *pctl_engine_new(const struct pctl_engine_config *cfg,
                                    const struct pctl_backend *backend,
                                    uint64_t now_ms)
{
	if (!cfg || !backend || !backend->ops ||
	    pctl_engine_config_check(cfg, NULL, 0))
		return NULL;
	struct pctl_engine *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->cfg = *cfg;
	e->backend = *backend;
	e->scratch_filters = calloc(PCTL_MAX_OPTIONS + PCTL_ENG_FILTER_CAP,
	                            sizeof(struct pctl_filter));
	uint32_t hint = cfg->max_mappings; /* 0: a small table that grows */
	if (!e->scratch_filters ||
	    pctl_table_init(&e->table, hint > (1u << 22) ? 1u << 22 : hint)) {
		free(e->scratch_filters);
		free(e);
		return NULL;
	}
	struct pctl_rl_config rlc = pctl_engine_rl_config(cfg);
	if (port_key_init(e->port_key, cfg->port_seed) ||
	    pctl_rl_init(&e->rl, &rlc) || pctl_cool_init(&e->cooling)) {
		pctl_rl_fini(&e->rl);
		pctl_table_fini(&e->table);
		free(e->scratch_filters);
		free(e);
		return NULL;
	}
	uint32_t n_hosts;
	struct pctl_host *hosts = pctl_table_rekey_prepare(&e->table, &n_hosts);
	if (!hosts) {
		pctl_engine_free(e);
		return NULL;
	}
	pctl_table_rekey(&e->table, hosts, n_hosts, cfg->subscriber_v4_prefix,
	                 cfg->subscriber_v6_prefix);
	e->wheel_from_s = pctl_now_s(now_ms);
	e->epoch_base_ms = (int64_t)now_ms; /* S-25: a new engine starts at 0 */
	return e;
}

void pctl_engine_free(struct pctl_engine *e)
{
	if (!e)
		return;
	free(e->msgs);
	pctl_table_fini(&e->table);
	for (unsigned i = 0; i < PCTL_ENG_MAX_EXT_ADDRS; i++)
		for (unsigned p = 0; p < PCTL_N_PROTOS; p++)
			free(e->ports[i][p]);
	pctl_rl_fini(&e->rl);
	pctl_cool_fini(&e->cooling);
	pctl_selfaddr_fini(&e->self);
	free(e->updates);
	free(e->wheel);
	free(e->scratch_filters);
	free(e->upnp.by_uid);
	free(e);
}

/* ---- epoch (pctl_engine_epoch: engine_msg.c) and the router's state -------
 */

void pctl_engine_state_lost(struct pctl_engine *e, uint64_t now_ms)
{
	/* S-25 first, then S-93/S-94 (and N-10 for NAT-PMP clients). */
	e->epoch_base_ms = (int64_t)now_ms;
	pctl_announce_schedule(e, now_ms, true, true);
}

int pctl_engine_set_self(struct pctl_engine *e, const pctl_addr *addrs,
                         size_t n)
{
	return pctl_selfaddr_set(&e->self, addrs, n);
}

/* ---- requests (responses: engine_msg.c) -----------------------------------
 */

/* S-91: a solicited ANNOUNCE changes nothing; SUCCESS, lifetime 0, and the
 * configured PREFIX64 if the client asked for it. */
static size_t handle_announce(struct pctl_engine *e, const struct pctl_rx *rx,
                              const struct pctl_msg *req, uint8_t *out)
{
	struct pctl_msg *resp = pctl_engine_msg(e, PCTL_MSG_RESP);
	struct pctl_req_opts o;
	uint8_t buf[40];

	if (!resp)
		return pctl_engine_error(e, rx, PCTL_R_NO_RESOURCES,
		                         PCTL_SHORT_ERROR_LIFETIME, out);
	memset(&o, 0, sizeof(o));
	o.prefix64 = e->cfg.prefix64_enabled;
	resp->version = PCTL_VERSION;
	resp->response = true;
	resp->opcode = PCTL_OP_ANNOUNCE;
	resp->epoch = pctl_engine_epoch(e, rx->now_ms);
	pctl_engine_add_opts(e, req, &o, NULL, resp, buf);
	return pctl_engine_encode(e, resp, out);
}

static size_t handle_pcp(struct pctl_engine *e, const struct pctl_rx *rx,
                         uint8_t *out)
{
	struct pctl_msg *msg = pctl_engine_msg(e, PCTL_MSG_REQ);
	struct pctl_error err;
	size_t n = 0;

	if (!msg)
		return 0;
	e->stats.pcp_requests++;
	enum pctl_verdict v =
	    pctl_request_decode(rx->buf, rx->len, &rx->src, msg, &err);
	switch (v) {
	case PCTL_V_DROP: /* S-3, S-4, S-6 */
		e->stats.dropped++;
		break;
	case PCTL_V_NATPMP: /* S-5.3: NAT-PMP disabled: a PCP-only server */
		n = pctl_engine_error(
		    e, rx, PCTL_R_UNSUPP_VERSION,
		    pctl_result_lifetime(PCTL_R_UNSUPP_VERSION), out);
		break;
	case PCTL_V_ERROR: /* S-5, S-8..S-10, S-18..S-23 */
		n = pctl_engine_error(e, rx, err.result,
		                      pctl_result_lifetime(err.result), out);
		break;
	case PCTL_V_OK:
		/* Issue 15 item 5: a request from the router itself would
		 * map the router's own address; answered (not dropped) so that
		 * the local client learns why. */
		if (pctl_engine_refuses_self(e, &rx->src)) {
			n = pctl_engine_error(e, rx, PCTL_R_NOT_AUTHORIZED,
			                      PCTL_LONG_ERROR_LIFETIME, out);
			break;
		}
		switch (msg->opcode) {
		case PCTL_OP_ANNOUNCE:
			n = handle_announce(e, rx, msg, out);
			break;
		case PCTL_OP_MAP:
		case PCTL_OP_PEER: {
			bool map = msg->opcode == PCTL_OP_MAP;
			/* S-30, S-60: a disabled opcode is an operation not
			 * authorized. */
			if (!(map ? e->cfg.map_enabled : e->cfg.peer_enabled))
				n = pctl_engine_error(
				    e, rx, PCTL_R_NOT_AUTHORIZED,
				    PCTL_LONG_ERROR_LIFETIME, out);
			else if (map)
				n = pctl_pcp_map(e, rx, msg, out);
			else
				n = pctl_pcp_peer(e, rx, msg, out);
			break;
		}
		default:
			n = pctl_engine_error(e, rx, PCTL_R_UNSUPP_OPCODE,
			                      PCTL_LONG_ERROR_LIFETIME, out);
			break;
		}
		break;
	}
	return n;
}

/* A request in the audit scope of its client (issue 10), by the protocol
 * that serves it. */
static size_t handle_audited(struct pctl_engine *e, const struct pctl_rx *rx,
                             bool natpmp, uint8_t *out)
{
	struct pctl_audit_scope prev = pctl_audit_enter(
	    e, PCTL_AUDIT_BY_CLIENT,
	    natpmp ? PCTL_AUDIT_VIA_NATPMP : PCTL_AUDIT_VIA_PCP, rx);
	size_t n =
	    natpmp ? pctl_natpmp_handle(e, rx, out) : handle_pcp(e, rx, out);
	pctl_audit_leave(e, prev);
	return n;
}

size_t pctl_engine_handle(struct pctl_engine *e, const struct pctl_rx *rx,
                          uint8_t out[PCTL_MAX_MSG])
{
	e->stats.requests++;
	pctl_engine_tick(e, rx->now_ms);
	/* S-2 (and N-8 for NAT-PMP): never from the external side. */
	if (!rx->internal || !rx->buf) {
		e->stats.dropped++;
		return 0;
	}
	/* S-7: overload of one subscriber: drop silently, others unaffected.
	 * First, before the datagram is even classified, so that a flood
	 * costs a table lookup per datagram and nothing more. */
	if (!pctl_rl_allow(&e->rl, &rx->src, rx->now_ms)) {
		e->stats.rate_limited++;
		e->stats.dropped++;
		return 0;
	}
	switch (pctl_classify(rx->buf, rx->len)) {
	case PCTL_KIND_RUNT: /* S-3 */
		e->stats.dropped++;
		return 0;
	case PCTL_KIND_NATPMP: /* N-21 */
		if (e->cfg.natpmp_enabled) {
			e->stats.natpmp_requests++;
			size_t n = handle_audited(e, rx, true, out);
			if (!n)
				e->stats.dropped++;
			return n;
		}
		return handle_audited(e, rx, false, out);
	default:
		return handle_audited(e, rx, false, out);
	}
}

/* ---- time -----------------------------------------------------------------
 */

void pctl_engine_tick(struct pctl_engine *e, uint64_t now_ms)
{
	struct pctl_mapping *m;
	struct pctl_audit_scope prev =
	    pctl_audit_enter(e, PCTL_AUDIT_BY_TIMER, PCTL_AUDIT_VIA_NONE, NULL);

	if (!e->wheel && pctl_now_s(now_ms) >= e->wheel_from_s)
		e->wheel_from_s = pctl_now_s(now_ms) + 1; /* as pop_due would */
	while (e->wheel && (m = pctl_tw_pop_due(e->wheel, &e->table,
	                                        pctl_now_s(now_ms))) != NULL) {
		/* Expiry cannot be refused: a backend failure is counted and
		 * the kernel's own timeout removes the entry anyway. */
		if (!pctl_engine_queue_remove(e, m))
			pctl_engine_commit(e);
		m->expire_s = 0; /* already off the wheel */
		e->stats.expired++;
		pctl_engine_drop(e, m, now_ms);
	}
	pctl_audit_leave(e, prev);
	pctl_engine_release_cooled(e, now_ms);
}

uint64_t pctl_engine_next_deadline(const struct pctl_engine *e)
{
	uint64_t t = UINT64_MAX;
	uint32_t s = e->wheel ? pctl_tw_next(e->wheel) : UINT32_MAX;

	if (s != UINT32_MAX)
		t = (uint64_t)s * 1000;
	uint64_t a = pctl_announce_next(e);
	uint64_t c = pctl_cool_next(&e->cooling);
	if (c < t)
		t = c;
	return a < t ? a : t;
}

void pctl_engine_get_stats(const struct pctl_engine *e,
                           struct pctl_engine_stats *out)
{
	*out = e->stats;
}

/*
 * Unsolicited messages: ANNOUNCE after a state loss (S-92..S-94), NAT-PMP
 * external address announcements (N-10) and PCP Mapping Updates (S-95).
 *
 * Nothing is sent from here: messages are built when due and handed to the
 * daemon by pctl_engine_poll_tx(), each with a fresh epoch.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine_core.h"
#include "engine_handlers.h"
#include "engine_msg.h"
#include "engine_state.h"

#define FIRST_GAP_MS  250u /* S-94, N-10: first interval >= 250 ms */
#define UPDATE_SENDS  3u   /* S-95 */
#define UPDATE_GAP_MS 250u /* S-95: >= 250 ms, the third 500 ms later */

/* One queued Mapping Update (S-95): struct pctl_engine's ring. */
struct pctl_update {
	uint64_t id;
	uint64_t due_ms;
	uint8_t sends_left;
};

void pctl_announce_schedule(struct pctl_engine *e, uint64_t now_ms, bool pcp,
                            bool natpmp)
{
	if (!e->cfg.announce_count)
		return;
	if (!e->announce_left) {
		e->announce_pcp = false;
		e->announce_natpmp = false;
	}
	e->announce_left = e->cfg.announce_count;
	e->announce_due_ms = now_ms;
	e->announce_gap_ms = FIRST_GAP_MS;
	e->announce_pcp |= pcp;
	e->announce_natpmp |= natpmp;
}

/* N-13: only a device doing NAT44 with an address announces NAT-PMP. */
static bool natpmp_announces(const struct pctl_engine *e)
{
	return e->announce_natpmp && e->cfg.natpmp_enabled && e->cfg.nat44 &&
	       pctl_engine_pick_ext(e, &(pctl_addr){{0}}) >= 0;
}

static size_t pcp_announce(struct pctl_engine *e, uint64_t now_ms, uint8_t *out)
{
	struct pctl_msg *m = pctl_engine_msg(e, PCTL_MSG_RESP);

	if (!m)
		return 0;
	/* S-92, T-4: SUCCESS, lifetime 0, current epoch. */
	m->version = PCTL_VERSION;
	m->response = true;
	m->opcode = PCTL_OP_ANNOUNCE;
	m->epoch = pctl_engine_epoch(e, now_ms);
	return pctl_encode(m, out, PCTL_MAX_MSG);
}

size_t pctl_engine_mapping_msg(struct pctl_engine *e,
                               const struct pctl_mapping *m, uint64_t now_ms,
                               uint8_t *out)
{
	struct pctl_msg *r = pctl_engine_msg(e, PCTL_MSG_RESP);
	uint8_t tp[16], ps[8];

	if (!r)
		return 0;
	/* S-95: the same format as a response to the client's request. */
	r->version = PCTL_VERSION;
	r->response = true;
	r->opcode = m->kind == PCTL_MK_PEER ? PCTL_OP_PEER : PCTL_OP_MAP;
	r->lifetime = pctl_mapping_left(m, now_ms);
	r->epoch = pctl_engine_epoch(e, now_ms);
	memcpy(r->nonce, m->nonce, PCTL_NONCE_LEN);
	r->protocol = m->protocol;
	r->internal_port = m->int_port;
	r->external_addr = m->ext_addr;
	r->external_port = m->ext_port;
	r->remote_addr = m->remote_addr;
	r->remote_port = m->remote_port;
	if (m->flags & PCTL_MF_THIRD_PARTY) {
		/* S-73, S-95: THIRD_PARTY is included. */
		memcpy(tp, m->int_addr.b, 16);
		pctl_msg_add_option(r, PCTL_OPT_THIRD_PARTY, tp, 16);
		size_t tl;
		const uint8_t *tpid = pctl_mapping_tpid(m, &tl);
		if (tl)
			pctl_msg_add_option(r, PCTL_OPT_THIRD_PARTY_ID, tpid,
			                    (uint16_t)tl);
	}
	uint8_t *fbuf = NULL;
	if (m->extra && m->extra->n_filters) {
		/* S-95: the filters moved with the mapping are included. */
		fbuf = malloc((size_t)m->extra->n_filters * PCTL_FILTER_LEN);
		for (size_t i = 0; fbuf && i < m->extra->n_filters; i++) {
			uint8_t *f = fbuf + i * PCTL_FILTER_LEN;
			pctl_filter_pack(&m->extra->filters[i], f);
			pctl_msg_add_option(r, PCTL_OPT_FILTER, f,
			                    PCTL_FILTER_LEN);
		}
	}
	if (m->port_count > 1) {
		struct pctl_port_set s = {
		    .size = m->port_count,
		    .first_internal_port = m->int_port,
		    .parity = (m->flags & PCTL_MF_PARITY) != 0,
		};
		pctl_port_set_pack(&s, ps);
		pctl_msg_add_option(r, PCTL_OPT_PORT_SET, ps,
		                    PCTL_PORT_SET_LEN);
	}
	size_t n = pctl_encode(r, out, PCTL_MAX_MSG);
	free(fbuf);
	return n;
}

int pctl_update_reserve(struct pctl_engine *e, size_t n)
{
	if (n <= e->upd_cap - e->upd_len)
		return 0;
	size_t nc = e->upd_cap ? e->upd_cap : 64;
	while (nc - e->upd_len < n) {
		if (nc > SIZE_MAX / 2 / sizeof(struct pctl_update))
			return -1;
		nc *= 2;
	}
	struct pctl_update *nu = malloc(nc * sizeof(*nu));
	if (!nu)
		return -1;
	for (size_t i = 0; i < e->upd_len; i++)
		nu[i] = e->updates[(e->upd_head + i) % e->upd_cap];
	free(e->updates);
	e->updates = nu;
	e->upd_cap = nc;
	e->upd_head = 0;
	return 0;
}

int pctl_update_queue(struct pctl_engine *e, const struct pctl_mapping *m,
                      uint64_t now_ms)
{
	if (pctl_update_reserve(e, 1))
		return -1;
	struct pctl_update *u =
	    &e->updates[(e->upd_head + e->upd_len++) % e->upd_cap];
	u->id = pctl_mapping_id(m);
	u->due_ms = now_ms;
	u->sends_left = UPDATE_SENDS;
	return 0;
}

uint64_t pctl_announce_next(const struct pctl_engine *e)
{
	uint64_t t = UINT64_MAX;

	if (e->announce_left && (e->announce_pcp || natpmp_announces(e)))
		t = e->announce_due_ms;
	if (e->upd_len && e->updates[e->upd_head].due_ms < t)
		t = e->updates[e->upd_head].due_ms;
	return t;
}

static size_t poll_updates(struct pctl_engine *e, uint64_t now_ms,
                           struct pctl_tx *out, size_t max)
{
	size_t n = 0;

	while (n < max && e->upd_len) {
		struct pctl_update u = e->updates[e->upd_head];
		if (u.due_ms > now_ms)
			break;
		e->upd_head = (e->upd_head + 1) % e->upd_cap;
		e->upd_len--;
		struct pctl_mapping *m = pctl_table_by_id(&e->table, u.id);
		/* S-95: stop once the client refreshed (flag cleared) or
		 * the mapping is gone. */
		if (!m || !(m->flags & PCTL_MF_UPDATE_PENDING))
			continue;
		struct pctl_tx *tx = &out[n];
		tx->len = pctl_engine_mapping_msg(e, m, now_ms, tx->buf);
		if (!tx->len)
			continue;
		tx->dest = PCTL_TX_UNICAST;
		tx->natpmp = false;
		tx->addr = *pctl_mapping_client(m); /* S-95 */
		tx->port = m->client_port;
		if (m->srv_idx < e->n_srv)
			tx->from = e->srv_addrs[m->srv_idx];
		else
			memset(&tx->from, 0, sizeof(tx->from));
		n++;
		e->stats.mapping_updates_sent++;
		if (--u.sends_left) {
			/* 0, 250, 750 ms: gaps of 250 then 500 (S-95). */
			u.due_ms = now_ms + (u.sends_left == UPDATE_SENDS - 1
			                         ? UPDATE_GAP_MS
			                         : 2 * UPDATE_GAP_MS);
			e->updates[(e->upd_head + e->upd_len++) % e->upd_cap] =
			    u;
		} else {
			m->flags &= (uint8_t)~PCTL_MF_UPDATE_PENDING;
		}
	}
	return n;
}

size_t pctl_announce_poll(struct pctl_engine *e, uint64_t now_ms,
                          struct pctl_tx *out, size_t max)
{
	size_t n = 0;

	while (e->announce_left && e->announce_due_ms <= now_ms) {
		bool nat = natpmp_announces(e);
		size_t need = (size_t)e->announce_pcp + (size_t)nat;
		if (max - n < need)
			return n;
		if (e->announce_pcp) {
			memset(&out[n], 0, sizeof(out[n]));
			out[n].dest = PCTL_TX_MULTICAST;
			out[n].len = pcp_announce(e, now_ms, out[n].buf);
			n += out[n].len != 0;
		}
		if (nat) {
			memset(&out[n], 0, sizeof(out[n]));
			out[n].dest = PCTL_TX_MULTICAST;
			out[n].natpmp = true;
			out[n].len = pctl_natpmp_extaddr_msg(
			    e, NULL, now_ms, PCTL_NATPMP_R_SUCCESS, out[n].buf);
			n += out[n].len != 0;
		}
		e->stats.announces_sent++;
		/* S-94, N-10: intervals at least doubling, counted from the
		 * actual send so a late poll never bunches them up. */
		e->announce_left--;
		e->announce_due_ms = now_ms + e->announce_gap_ms;
		e->announce_gap_ms *= 2;
	}
	return n + poll_updates(e, now_ms, out + n, max - n);
}

size_t pctl_engine_poll_tx(struct pctl_engine *e, uint64_t now_ms,
                           struct pctl_tx *out, size_t max)
{
	return pctl_announce_poll(e, now_ms, out, max);
}

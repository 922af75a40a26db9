/*
 * The parent's copy of the network process's mappings (privsep_mirror.h).
 */
#include "privsep_mirror.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipc_msg.h"
#include "journal_record.h"

static uint64_t rec_id(const uint8_t *rec)
{
	struct pctld_jr_record r = {.payload = rec + PCTLD_JR_HDR_LEN};

	return pctld_jr_record_id(&r);
}

uint32_t pctld_mirror_lifetime_left(int64_t expiry, int64_t now_rt)
{
	if (expiry == PCTLD_JR_NEVER)
		return PCTL_LIFETIME_STATIC;
	if (expiry <= now_rt)
		return 0;
	if (expiry - now_rt >= (int64_t)PCTL_LIFETIME_STATIC)
		return PCTL_LIFETIME_STATIC - 1;
	return (uint32_t)(expiry - now_rt);
}

/* A copy of dp as a record (the journal's rule for a static mapping). */
static uint8_t *encode(const struct pctl_dp_mapping *dp, int64_t now_rt,
                       size_t *len)
{
	uint8_t tmp[PCTLD_JR_MAX_RECORD];
	int64_t expiry =
	    dp->kind == PCTL_MK_STATIC || dp->lifetime == PCTL_LIFETIME_STATIC
	        ? PCTLD_JR_NEVER
	        : now_rt + (int64_t)dp->lifetime;
	uint8_t *rec;

	*len = pctld_jr_encode_upsert(dp, expiry, tmp, sizeof(tmp));
	rec = *len ? malloc(*len) : NULL;
	if (rec)
		memcpy(rec, tmp, *len);
	return rec;
}

int pctld_mirror_add(struct pctld_mirror *mi, const struct pctl_dp_mapping *dp,
                     int64_t now_rt)
{
	struct pctld_mirror_handed *h;
	size_t len;
	uint8_t *rec = encode(dp, now_rt, &len);

	if (!rec)
		return -ENOMEM;
	h = realloc(mi->handed, (mi->n_handed + 1) * sizeof(*h));
	if (!h) {
		free(rec);
		return -ENOMEM;
	}
	mi->handed = h;
	h[mi->n_handed++] = (struct pctld_mirror_handed){dp->id, rec, len};
	if (dp->id >= mi->next_id)
		mi->next_id = dp->id + 1;
	return 0;
}

/* The record net_id has once the queue is applied: NULL when it has none
 * (unknown, or removed by a queued REMOVE); *queued: the answer comes
 * from the queue. */
static const uint8_t *current(const struct pctld_mirror *mi, uint64_t net_id,
                              bool *queued)
{
	struct pctld_jmap_slot *s;

	for (size_t i = mi->n_pend; i-- > 0;)
		if (mi->pend[i].net_id == net_id) {
			*queued = true;
			return mi->pend[i].rec;
		}
	*queued = false;
	s = pctld_jmap_get(&mi->live, net_id);
	return s ? s->rec : NULL;
}

int pctld_mirror_parent_id(const struct pctld_mirror *mi, uint64_t net_id,
                           uint64_t *parent_id)
{
	bool queued;
	const uint8_t *rec = current(mi, net_id, &queued);

	if (!rec)
		return -EPROTO;
	*parent_id = rec_id(rec);
	return 0;
}

int pctld_mirror_queue(struct pctld_mirror *mi, uint8_t op,
                       struct pctl_dp_mapping *dp, int64_t now_rt)
{
	struct pctld_mirror_pend p = {.op = op, .net_id = dp->id};
	bool queued;
	const uint8_t *cur = current(mi, dp->id, &queued);

	if (op == PCTLD_IPC_CREATE) {
		if (cur)
			return -EPROTO;
		/* Room now, so that the commit cannot fail. */
		if (pctld_jmap_reserve(&mi->live, mi->live.n + mi->n_pend + 1))
			return -ENOMEM;
		dp->id = mi->next_id++;
	} else if (!cur) {
		return -EPROTO;
	} else {
		dp->id = rec_id(cur);
	}
	if (mi->n_pend == mi->cap_pend) {
		size_t cap = mi->cap_pend ? 2 * mi->cap_pend : 16;
		struct pctld_mirror_pend *np =
		    realloc(mi->pend, cap * sizeof(*np));
		if (!np)
			return -ENOMEM;
		mi->pend = np;
		mi->cap_pend = cap;
	}
	if (op != PCTLD_IPC_REMOVE) {
		p.rec = encode(dp, now_rt, &p.len);
		if (!p.rec)
			return p.len ? -ENOMEM : -EINVAL;
	}
	mi->pend[mi->n_pend++] = p;
	return 0;
}

void pctld_mirror_unqueue(struct pctld_mirror *mi)
{
	if (mi->n_pend)
		free(mi->pend[--mi->n_pend].rec);
}

void pctld_mirror_commit(struct pctld_mirror *mi)
{
	for (size_t i = 0; i < mi->n_pend; i++) {
		struct pctld_mirror_pend *p = &mi->pend[i];
		if (p->rec)
			free(pctld_jmap_put(&mi->live, p->net_id, p->rec,
			                    p->len));
		else
			free(pctld_jmap_del(&mi->live, p->net_id));
	}
	mi->n_pend = 0;
}

void pctld_mirror_abort(struct pctld_mirror *mi)
{
	while (mi->n_pend)
		pctld_mirror_unqueue(mi);
}

static int by_parent_id(const void *a, const void *b)
{
	uint64_t x = ((const struct pctld_mirror_handed *)a)->parent_id;
	uint64_t y = ((const struct pctld_mirror_handed *)b)->parent_id;

	return x < y ? -1 : x > y;
}

int pctld_mirror_handover(struct pctld_mirror *mi)
{
	struct pctld_mirror_handed *h;
	size_t n = mi->n_handed;

	pctld_mirror_abort(mi);
	h = realloc(mi->handed, (n + mi->live.n + 1) * sizeof(*h));
	if (!h)
		return -ENOMEM;
	for (size_t i = 0; i < mi->live.cap; i++) {
		struct pctld_jmap_slot *s = &mi->live.slots[i];
		if (s->rec)
			h[n++] = (struct pctld_mirror_handed){rec_id(s->rec),
			                                      s->rec, s->len};
	}
	pctld_jmap_free(&mi->live, 0);
	memset(&mi->live, 0, sizeof(mi->live));
	qsort(h, n, sizeof(*h), by_parent_id);
	mi->handed = h;
	mi->n_handed = n;
	return 0;
}

int pctld_mirror_bind(struct pctld_mirror *mi, uint64_t parent_id,
                      uint64_t net_id)
{
	struct pctld_mirror_handed key = {.parent_id = parent_id};
	struct pctld_mirror_handed *h =
	    mi->n_handed ? bsearch(&key, mi->handed, mi->n_handed, sizeof(key),
	                           by_parent_id)
	                 : NULL;

	if (!h || !h->rec || pctld_jmap_get(&mi->live, net_id) ||
	    pctld_jmap_reserve(&mi->live, mi->live.n + 1))
		return -EPROTO;
	pctld_jmap_put(&mi->live, net_id, h->rec, h->len);
	h->rec = NULL;
	return 0;
}

void pctld_mirror_drop_unbound(struct pctld_mirror *mi, int64_t now_rt,
                               void (*cb)(void *arg,
                                          const struct pctl_dp_mapping *dp),
                               void *arg)
{
	struct pctl_filter filters[PCTLD_JR_MAX_FILTERS];

	for (size_t i = 0; i < mi->n_handed; i++) {
		struct pctld_mirror_handed *h = &mi->handed[i];
		struct pctld_jr_mapping jm;
		struct pctl_dp_mapping dp;
		const char *why;

		if (!h->rec)
			continue;
		if (!pctld_jr_decode_upsert(h->rec + PCTLD_JR_HDR_LEN,
		                            h->len - PCTLD_JR_HDR_LEN, &jm,
		                            filters, &why)) {
			pctld_ipc_dp_of(
			    &jm, pctld_mirror_lifetime_left(jm.expiry, now_rt),
			    &dp);
			cb(arg, &dp);
		}
		free(h->rec);
	}
	free(mi->handed);
	mi->handed = NULL;
	mi->n_handed = 0;
}

void pctld_mirror_free(struct pctld_mirror *mi)
{
	pctld_mirror_abort(mi);
	free(mi->pend);
	pctld_jmap_free(&mi->live, 1);
	for (size_t i = 0; i < mi->n_handed; i++)
		free(mi->handed[i].rec);
	free(mi->handed);
	memset(mi, 0, sizeof(*mi));
}

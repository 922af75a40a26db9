/*
 * The delayed M-SEARCH answers and their limits (ssdp_queue.h).
 */
#include "ssdp_queue.h"

#include <string.h>

void pctld_ssdp_queue_init(struct pctld_ssdp_queue *q)
{
	memset(q, 0, sizeof(*q));
}

/* FNV-1a of the address: the slot of its count. */
static size_t slot(const pctl_addr *a)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < sizeof(a->b); i++)
		h = (h ^ a->b[i]) * 16777619u;
	return h % PCTLD_SSDP_SOURCES;
}

bool pctld_ssdp_queue_add(struct pctld_ssdp_queue *q,
                          const struct pctld_ssdp_pending *p, uint64_t now_ms)
{
	uint64_t sec = now_ms / 1000 + 1; /* 0 is "never seen" */
	size_t s = slot(&p->src);

	if (q->n == PCTLD_SSDP_QUEUE)
		return false;
	if (q->second != sec)
		q->second = sec, q->n_second = 0;
	if (q->n_second >= PCTLD_SSDP_PER_SECOND)
		return false;
	if (q->src[s].second != sec ||
	    !pctl_addr_equal(&q->src[s].addr, &p->src))
		q->src[s].second = sec, q->src[s].addr = p->src,
		q->src[s].n = 0;
	if (q->src[s].n >= PCTLD_SSDP_PER_SOURCE)
		return false;
	q->src[s].n++;
	q->n_second++;
	q->p[q->n++] = *p;
	return true;
}

uint64_t pctld_ssdp_queue_next(const struct pctld_ssdp_queue *q)
{
	uint64_t next = UINT64_MAX;

	for (size_t i = 0; i < q->n; i++)
		if (q->p[i].due_ms < next)
			next = q->p[i].due_ms;
	return next;
}

bool pctld_ssdp_queue_take(struct pctld_ssdp_queue *q, uint64_t now_ms,
                           struct pctld_ssdp_pending *out)
{
	for (size_t i = 0; i < q->n; i++) {
		if (q->p[i].due_ms > now_ms)
			continue;
		*out = q->p[i];
		q->p[i] = q->p[--q->n];
		return true;
	}
	return false;
}

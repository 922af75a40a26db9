/*
 * Open addressing hash of journal records by mapping id (journal_map.h).
 * Load factor at most 1/2: probes stay short and reserve() is simple.
 */
#include "journal_map.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "bigarray.h"

/* Old slots a put or a delete moves (journal_map.h). */
#define STEP 8

/* Fibonacci hashing: engine ids are sequential, and multiplying by 2^64/phi
 * spreads consecutive ids over the table's high bits. */
static size_t home_of(size_t cap, uint64_t id)
{
	return (size_t)((id * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);
}

/* The slot of id in one array, or the empty slot that ends its run. */
static struct pctld_jmap_slot *probe(struct pctld_jmap_slot *v, size_t cap,
                                     uint64_t id)
{
	size_t i = home_of(cap, id);

	while (v[i].rec && v[i].id != id)
		i = (i + 1) & (cap - 1);
	return &v[i];
}

/* Empties slot `hole` of an array.  Backward shift: later members of the
 * probe run move into the hole when their home slot does not lie
 * cyclically in (hole, j], so no tombstones are needed and every remaining
 * entry stays reachable from its home. */
static void shift_delete(struct pctld_jmap_slot *v, size_t cap, size_t hole)
{
	size_t mask = cap - 1;

	for (size_t j = (hole + 1) & mask; v[j].rec; j = (j + 1) & mask) {
		size_t home = home_of(cap, v[j].id);
		if (((j - home) & mask) >= ((j - hole) & mask)) {
			v[hole] = v[j];
			hole = j;
		}
	}
	v[hole].rec = NULL;
}

bool pctld_jmap_resizing(const struct pctld_jmap *m)
{
	return m->old != NULL;
}

void pctld_jmap_step(struct pctld_jmap *m, size_t n)
{
	while (m->old && n--) {
		if (m->moved == m->old_cap) {
			pctl_big_free(m->old, m->old_cap, sizeof(*m->old));
			m->old = NULL;
			break;
		}
		struct pctld_jmap_slot *o = &m->old[m->moved];
		if (!o->rec) {
			m->moved++;
			pctl_big_release_below(m->old, m->old_cap,
			                       sizeof(*m->old), m->moved);
			continue;
		}
		*probe(m->slots, m->cap, o->id) = *o;
		/* May refill slot `moved` from later in its run: looked at
		 * again; slots below `moved` stay empty. */
		shift_delete(m->old, m->old_cap, m->moved);
	}
}

int pctld_jmap_reserve(struct pctld_jmap *m, size_t n)
{
	size_t cap = m->cap ? m->cap : 16;
	while (cap / 2 < n) {
		if (cap > SIZE_MAX / 4 / sizeof(*m->slots))
			return -ENOMEM;
		cap *= 2;
	}
	if (cap == m->cap)
		return 0;
	struct pctld_jmap_slot *slots = pctl_big_alloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	/* A resize still under way is finished first (with STEP >= 2 moves
	 * per insertion it never is when growth comes from insertions). */
	pctld_jmap_step(m, SIZE_MAX);
	if (m->slots) {
		m->old = m->slots;
		m->old_cap = m->cap;
		m->moved = 0;
	}
	m->slots = slots;
	m->cap = cap;
	return 0;
}

struct pctld_jmap_slot *pctld_jmap_get(const struct pctld_jmap *m, uint64_t id)
{
	if (!m->cap)
		return NULL;
	struct pctld_jmap_slot *s = probe(m->slots, m->cap, id);
	if (!s->rec && m->old)
		s = probe(m->old, m->old_cap, id);
	return s->rec ? s : NULL;
}

uint8_t *pctld_jmap_put(struct pctld_jmap *m, uint64_t id, uint8_t *rec,
                        size_t len)
{
	pctld_jmap_step(m, STEP);
	struct pctld_jmap_slot *s = pctld_jmap_get(m, id);
	if (s) {
		uint8_t *old = s->rec;
		s->rec = rec;
		s->len = len;
		return old;
	}
	*probe(m->slots, m->cap, id) = (struct pctld_jmap_slot){id, rec, len};
	m->n++;
	return NULL;
}

uint8_t *pctld_jmap_del(struct pctld_jmap *m, uint64_t id)
{
	pctld_jmap_step(m, STEP);
	struct pctld_jmap_slot *s = pctld_jmap_get(m, id);
	if (!s)
		return NULL;
	uint8_t *old = s->rec;
	if (s >= m->slots && s < m->slots + m->cap)
		shift_delete(m->slots, m->cap, (size_t)(s - m->slots));
	else
		shift_delete(m->old, m->old_cap, (size_t)(s - m->old));
	m->n--;
	return old;
}

static void free_recs(struct pctld_jmap_slot *v, size_t cap)
{
	for (size_t i = 0; v && i < cap; i++)
		free(v[i].rec);
}

void pctld_jmap_free(struct pctld_jmap *m, int recs)
{
	if (recs) {
		free_recs(m->slots, m->cap);
		free_recs(m->old, m->old_cap);
	}
	pctl_big_free(m->slots, m->cap, sizeof(*m->slots));
	pctl_big_free(m->old, m->old_cap, sizeof(*m->old));
	*m = (struct pctld_jmap){0};
}

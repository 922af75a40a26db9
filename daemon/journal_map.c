/*
 * Open addressing hash of journal records by mapping id (journal_map.h).
 * Load factor at most 1/2: probes stay short and reserve() is simple.
 */
#include "journal_map.h"

#include <errno.h>
#include <stdlib.h>

/* Fibonacci hashing: engine ids are sequential, and multiplying by 2^64/phi
 * spreads consecutive ids over the table's high bits. */
static size_t slot_of(const struct pctld_jmap *m, uint64_t id)
{
	return (size_t)((id * 0x9E3779B97F4A7C15ull) >> 32) & (m->cap - 1);
}

static void insert_fresh(struct pctld_jmap *m, uint64_t id, uint8_t *rec,
                         size_t len)
{
	size_t i = slot_of(m, id);
	while (m->slots[i].rec)
		i = (i + 1) & (m->cap - 1);
	m->slots[i] = (struct pctld_jmap_slot){id, rec, len};
	m->n++;
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
	struct pctld_jmap_slot *slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	struct pctld_jmap old = *m;
	m->slots = slots;
	m->cap = cap;
	m->n = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.slots[i].rec)
			insert_fresh(m, old.slots[i].id, old.slots[i].rec,
			             old.slots[i].len);
	free(old.slots);
	return 0;
}

struct pctld_jmap_slot *pctld_jmap_get(const struct pctld_jmap *m, uint64_t id)
{
	if (!m->cap)
		return NULL;
	for (size_t i = slot_of(m, id); m->slots[i].rec;
	     i = (i + 1) & (m->cap - 1))
		if (m->slots[i].id == id)
			return &m->slots[i];
	return NULL;
}

uint8_t *pctld_jmap_put(struct pctld_jmap *m, uint64_t id, uint8_t *rec,
                        size_t len)
{
	struct pctld_jmap_slot *s = pctld_jmap_get(m, id);
	if (s) {
		uint8_t *old = s->rec;
		s->rec = rec;
		s->len = len;
		return old;
	}
	insert_fresh(m, id, rec, len);
	return NULL;
}

uint8_t *pctld_jmap_del(struct pctld_jmap *m, uint64_t id)
{
	struct pctld_jmap_slot *s = pctld_jmap_get(m, id);
	if (!s)
		return NULL;
	uint8_t *old = s->rec;
	size_t mask = m->cap - 1, hole = (size_t)(s - m->slots);
	/* Backward shift: move later members of the probe run into the hole
	 * when their home slot does not lie cyclically in (hole, j]. */
	for (size_t j = (hole + 1) & mask; m->slots[j].rec;
	     j = (j + 1) & mask) {
		size_t home = slot_of(m, m->slots[j].id);
		if (((j - home) & mask) >= ((j - hole) & mask)) {
			m->slots[hole] = m->slots[j];
			hole = j;
		}
	}
	m->slots[hole].rec = NULL;
	m->n--;
	return old;
}

void pctld_jmap_free(struct pctld_jmap *m, int free_recs)
{
	if (free_recs)
		for (size_t i = 0; i < m->cap; i++)
			free(m->slots[i].rec);
	free(m->slots);
	*m = (struct pctld_jmap){0};
}

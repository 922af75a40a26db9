/*
 * Hashed timer wheel of one-second slots (see timerwheel.h).
 */
#include "timerwheel.h"

#include <string.h>

#define SLOT_MASK (PCTL_TW_SLOTS - 1)

void pctl_tw_init(struct pctl_timerwheel *tw, uint32_t now_s)
{
	memset(tw, 0, sizeof(*tw));
	tw->cur_s = now_s;
}

static void mark(struct pctl_timerwheel *tw, uint32_t s)
{
	if (tw->slot[s])
		tw->busy[s >> 6] |= 1ull << (s & 63);
	else
		tw->busy[s >> 6] &= ~(1ull << (s & 63));
}

static uint32_t slot_of(const struct pctl_timerwheel *tw, uint32_t expire_s)
{
	return (expire_s < tw->cur_s ? tw->cur_s : expire_s) & SLOT_MASK;
}

void pctl_tw_add(struct pctl_timerwheel *tw, struct pctl_table *t,
                 struct pctl_mapping *m)
{
	uint32_t s = slot_of(tw, m->expire_s);

	m->tw_prev = 0;
	m->tw_next = tw->slot[s];
	if (m->tw_next)
		pctl_table_at(t, m->tw_next)->tw_prev = m->idx;
	tw->slot[s] = m->idx;
	mark(tw, s);
	tw->count++;
}

/* The slot a record sits in is not stored: a record at the head of its list
 * has tw_prev 0, and the head is found by searching the slot its expiry
 * maps to now or, if it was clamped when added, an earlier one. */
void pctl_tw_del(struct pctl_timerwheel *tw, struct pctl_table *t,
                 struct pctl_mapping *m)
{
	if (m->tw_prev) {
		pctl_table_at(t, m->tw_prev)->tw_next = m->tw_next;
	} else {
		uint32_t s = slot_of(tw, m->expire_s);
		if (tw->slot[s] != m->idx) {
			/* Clamped at insertion: find the slot holding it. */
			for (s = 0; s < PCTL_TW_SLOTS; s++)
				if (tw->slot[s] == m->idx)
					break;
		}
		tw->slot[s] = m->tw_next;
		mark(tw, s);
	}
	if (m->tw_next)
		pctl_table_at(t, m->tw_next)->tw_prev = m->tw_prev;
	m->tw_prev = m->tw_next = 0;
	tw->count--;
}

struct pctl_mapping *pctl_tw_pop_due(struct pctl_timerwheel *tw,
                                     struct pctl_table *t, uint32_t now_s)
{
	/* More than a lap behind: the last lap covers every slot once. */
	if (now_s >= tw->cur_s && now_s - tw->cur_s >= PCTL_TW_SLOTS)
		tw->cur_s = now_s - PCTL_TW_SLOTS + 1;
	while (tw->cur_s <= now_s) {
		uint32_t s = tw->cur_s & SLOT_MASK;
		for (uint32_t i = tw->slot[s]; i;) {
			struct pctl_mapping *m = pctl_table_at(t, i);
			if (m->expire_s <= now_s) {
				pctl_tw_del(tw, t, m);
				return m;
			}
			i = m->tw_next;
		}
		tw->cur_s++;
	}
	return NULL;
}

uint32_t pctl_tw_next(const struct pctl_timerwheel *tw)
{
	if (!tw->count)
		return UINT32_MAX;
	uint32_t start = tw->cur_s & SLOT_MASK;
	for (uint32_t k = 0; k <= PCTL_TW_SLOTS / 64; k++) {
		uint32_t w = ((start >> 6) + k) & (PCTL_TW_SLOTS / 64 - 1);
		uint64_t bits = tw->busy[w];
		if (k == 0)
			bits &= ~0ull << (start & 63);
		if (!bits)
			continue;
		uint32_t s = w << 6 | (uint32_t)__builtin_ctzll(bits);
		return tw->cur_s + ((s - start) & SLOT_MASK);
	}
	return tw->cur_s;
}

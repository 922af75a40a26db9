/*
 * Two-level bitmap port allocator (see portalloc.h).
 */
#include "portalloc.h"

#include <string.h>

static void update_full(struct pctl_portmap *pm, uint32_t w)
{
	uint64_t bit = 1ull << (w & 63);

	if (pm->word[w] == ~0ull)
		pm->full[w >> 6] |= bit;
	else
		pm->full[w >> 6] &= ~bit;
}

void pctl_portmap_init(struct pctl_portmap *pm, uint16_t min, uint16_t max)
{
	/* Word by word (1,024 steps, not 65,536), the summary of full words
	 * in the same pass: the first allocator of an external address is
	 * made inside a request. */
	memset(pm->full, 0, sizeof(pm->full));
	for (uint32_t w = 0; w < 1024; w++) {
		uint32_t lo = w << 6, hi = lo + 63;
		uint64_t taken = 0;
		if (max < min || hi < min || lo > max) {
			taken = ~0ull;
		} else {
			if (lo < min)
				taken |= (1ull << (min - lo)) - 1;
			if (hi > max)
				taken |= ~0ull << (max - lo + 1);
		}
		pm->word[w] = taken;
		if (taken == ~0ull)
			pm->full[w >> 6] |= 1ull << (w & 63);
	}
}

bool pctl_portmap_taken(const struct pctl_portmap *pm, uint16_t port)
{
	return pm->word[port >> 6] >> (port & 63) & 1;
}

void pctl_portmap_set(struct pctl_portmap *pm, uint16_t port)
{
	pm->word[port >> 6] |= 1ull << (port & 63);
	update_full(pm, port >> 6);
}

void pctl_portmap_clear(struct pctl_portmap *pm, uint16_t port)
{
	pm->word[port >> 6] &= ~(1ull << (port & 63));
	update_full(pm, port >> 6);
}

int pctl_portmap_find(const struct pctl_portmap *pm, uint16_t start)
{
	uint32_t w0 = start >> 6;

	/* The start's own word, from the start's bit up. */
	uint64_t free_bits = ~pm->word[w0] & (~0ull << (start & 63));
	if (free_bits)
		return (int)(w0 << 6 | (uint32_t)__builtin_ctzll(free_bits));
	/* Then the summary from the next word on, wrapping once: 17 summary
	 * words at most (the first one is visited twice, which also covers
	 * the start's word below the start). */
	uint32_t from = (w0 + 1) & 1023;
	for (uint32_t k = 0; k <= 16; k++) {
		uint32_t s = ((from >> 6) + k) & 15;
		uint64_t avail = ~pm->full[s];
		if (k == 0)
			avail &= ~0ull << (from & 63);
		else if (k == 16)
			avail &= (from & 63) ? ~(~0ull << (from & 63)) : 0;
		if (!avail)
			continue;
		uint32_t w = s << 6 | (uint32_t)__builtin_ctzll(avail);
		return (int)(w << 6 | (uint32_t)__builtin_ctzll(~pm->word[w]));
	}
	return -1;
}

/* The first run that starts in [lo, hi) (it may end beyond hi). */
static int run_between(const struct pctl_portmap *pm, uint32_t count,
                       int parity, uint32_t lo, uint32_t hi)
{
	uint32_t run = 0;
	for (uint32_t p = lo; p < 65536; p++) {
		if (run == 0 && p >= hi)
			break;
		if (pm->word[p >> 6] == ~0ull) {
			run = 0;
			p |= 63; /* skip a full word */
			continue;
		}
		if (pctl_portmap_taken(pm, (uint16_t)p)) {
			run = 0;
			continue;
		}
		if (run == 0 && parity >= 0 && (int)(p & 1) != parity)
			continue;
		if (++run == count)
			return (int)(p + 1 - count);
	}
	return -1;
}

int pctl_portmap_find_run(const struct pctl_portmap *pm, uint32_t count,
                          int parity, uint16_t start)
{
	if (count == 0 || count > 65536)
		return -1;
	int p = run_between(pm, count, parity, start, 65536);
	return p >= 0 ? p : run_between(pm, count, parity, 0, start);
}

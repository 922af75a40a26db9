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
	memset(pm, 0, sizeof(*pm));
	for (uint32_t p = 0; p < 65536; p++)
		if (p < min || p > max)
			pm->word[p >> 6] |= 1ull << (p & 63);
	for (uint32_t w = 0; w < 1024; w++)
		update_full(pm, w);
	pm->hint = min >> 6;
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

int pctl_portmap_find(struct pctl_portmap *pm)
{
	/* Scan the summary from the hint's word, wrapping once: 17 summary
	 * words at most (the hint's own word is visited twice). */
	uint32_t start = pm->hint & 1023;

	for (uint32_t k = 0; k <= 16; k++) {
		uint32_t s = ((start >> 6) + k) & 15;
		uint64_t avail = ~pm->full[s];
		if (k == 0)
			avail &= ~0ull << (start & 63);
		else if (k == 16)
			avail &= (start & 63) ? ~(~0ull << (start & 63)) : 0;
		if (!avail)
			continue;
		uint32_t w = s << 6 | (uint32_t)__builtin_ctzll(avail);
		uint64_t free_bits = ~pm->word[w];
		int port = (int)(w << 6 | (uint32_t)__builtin_ctzll(free_bits));
		/* Next search starts one word later, so consecutive requests
		 * do not all land on neighbouring ports. */
		pm->hint = (w + 1) & 1023;
		return port;
	}
	return -1;
}

int pctl_portmap_find_run(const struct pctl_portmap *pm, uint32_t count,
                          int parity)
{
	if (count == 0 || count > 65536)
		return -1;
	uint32_t run = 0;
	for (uint32_t p = 0; p < 65536; p++) {
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

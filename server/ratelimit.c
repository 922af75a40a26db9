/*
 * Per-source token buckets (see ratelimit.h).
 */
#include "ratelimit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define WAYS 4

int pctl_rl_init(struct pctl_ratelimit *rl, uint32_t rate, uint32_t burst,
                 uint32_t sources)
{
	memset(rl, 0, sizeof(*rl));
	rl->rate = rate;
	rl->burst = burst ? burst : 1;
	if (!rate)
		return 0;
	uint32_t sets = 1;
	while (sets * WAYS < sources && sets < (1u << 24))
		sets <<= 1;
	rl->e = calloc((size_t)sets * WAYS, sizeof(*rl->e));
	if (!rl->e)
		return -ENOMEM;
	rl->n_sets = sets;
	return 0;
}

void pctl_rl_fini(struct pctl_ratelimit *rl)
{
	free(rl->e);
	memset(rl, 0, sizeof(*rl));
}

static uint32_t set_of(const struct pctl_ratelimit *rl, const pctl_addr *a)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (int i = 0; i < 16; i++)
		h = (h ^ a->b[i]) * 0x100000001b3ull;
	return (uint32_t)(h ^ h >> 32) & (rl->n_sets - 1);
}

bool pctl_rl_allow(struct pctl_ratelimit *rl, const pctl_addr *src,
                   uint64_t now_ms)
{
	if (!rl->rate)
		return true;
	struct pctl_rl_entry *set = &rl->e[(size_t)set_of(rl, src) * WAYS];
	struct pctl_rl_entry *hit = NULL, *victim = &set[0];

	for (int i = 0; i < WAYS; i++) {
		if (set[i].used && pctl_addr_equal(&set[i].addr, src)) {
			hit = &set[i];
			break;
		}
		if (!set[i].used ||
		    (victim->used && set[i].last_ms < victim->last_ms))
			victim = &set[i];
	}
	uint64_t cap = (uint64_t)rl->burst * 1000;
	if (!hit) {
		hit = victim;
		hit->used = true;
		hit->addr = *src;
		hit->tokens_milli = (uint32_t)cap;
		hit->last_ms = now_ms;
	}
	uint64_t tokens = hit->tokens_milli;
	if (now_ms > hit->last_ms)
		tokens += (now_ms - hit->last_ms) * rl->rate;
	if (tokens > cap)
		tokens = cap;
	hit->last_ms = now_ms;
	if (tokens < 1000) {
		hit->tokens_milli = (uint32_t)tokens;
		return false;
	}
	hit->tokens_milli = (uint32_t)(tokens - 1000);
	return true;
}

/*
 * Per-subscriber token buckets with a shared admission bucket (see
 * ratelimit.h for the guarantees and why).
 */
#include "ratelimit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "subscriber.h"

#define WAYS 4

int pctl_rl_init(struct pctl_ratelimit *rl, const struct pctl_rl_config *cfg)
{
	memset(rl, 0, sizeof(*rl));
	rl->cfg = *cfg;
	if (!rl->cfg.burst)
		rl->cfg.burst = 1;
	if (!cfg->rate)
		return 0;
	uint32_t sets = 1;
	while (sets * WAYS < cfg->sources && sets < (1u << 24))
		sets <<= 1;
	rl->e = calloc((size_t)sets * WAYS, sizeof(*rl->e));
	if (!rl->e)
		return -ENOMEM;
	rl->n_sets = sets;
	rl->admission.tokens_milli = (uint64_t)cfg->new_burst * 1000;
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

/* Milli-tokens of a bucket at now_ms: earned at rate per second since
 * last_ms, capped at burst.  A clock that went back earns nothing. */
static uint64_t refilled(uint64_t tokens_milli, uint64_t last_ms,
                         uint64_t now_ms, uint32_t rate, uint32_t burst)
{
	uint64_t cap = (uint64_t)burst * 1000;

	if (now_ms > last_ms)
		tokens_milli += (now_ms - last_ms) * rate;
	return tokens_milli > cap ? cap : tokens_milli;
}

/* The entry a newcomer takes: a free one, else the poorest (fewest tokens
 * now), the least recently seen among equals. */
static struct pctl_rl_entry *victim_of(const struct pctl_ratelimit *rl,
                                       struct pctl_rl_entry *set,
                                       uint64_t now_ms)
{
	struct pctl_rl_entry *v = NULL;
	uint64_t v_tokens = 0;

	for (int i = 0; i < WAYS; i++) {
		if (!set[i].used)
			return &set[i];
		uint64_t t = refilled(set[i].tokens_milli, set[i].last_ms,
		                      now_ms, rl->cfg.rate, rl->cfg.burst);
		if (!v || t < v_tokens ||
		    (t == v_tokens && set[i].last_ms < v->last_ms)) {
			v = &set[i];
			v_tokens = t;
		}
	}
	return v;
}

/* Milli-tokens a newcomer takes from the admission bucket: whole tokens,
 * at most PCTL_RL_GRANT and burst, as many as the bucket holds. */
static uint64_t admit(struct pctl_ratelimit *rl, uint64_t now_ms)
{
	struct pctl_rl_bucket *a = &rl->admission;
	uint64_t want =
	    PCTL_RL_GRANT < rl->cfg.burst ? PCTL_RL_GRANT : rl->cfg.burst;

	a->tokens_milli = refilled(a->tokens_milli, a->last_ms, now_ms,
	                           rl->cfg.new_rate, rl->cfg.new_burst);
	if (now_ms > a->last_ms)
		a->last_ms = now_ms;
	if (a->tokens_milli / 1000 < want)
		want = a->tokens_milli / 1000;
	a->tokens_milli -= want * 1000;
	return want * 1000;
}

bool pctl_rl_allow(struct pctl_ratelimit *rl, const pctl_addr *src,
                   uint64_t now_ms)
{
	if (!rl->cfg.rate)
		return true;
	pctl_addr key =
	    pctl_subscriber_key(src, rl->cfg.v4_prefix, rl->cfg.v6_prefix);
	struct pctl_rl_entry *set = &rl->e[(size_t)set_of(rl, &key) * WAYS];
	struct pctl_rl_entry *hit = NULL;

	for (int i = 0; i < WAYS && !hit; i++)
		if (set[i].used && pctl_addr_equal(&set[i].key, &key))
			hit = &set[i];
	uint64_t tokens;
	if (!hit) {
		/* Only what the admission bucket grants: eviction destroyed
		 * the old tokens, and a new address brings none of its own. */
		hit = victim_of(rl, set, now_ms);
		hit->used = true;
		hit->key = key;
		hit->last_ms = now_ms;
		tokens = admit(rl, now_ms);
	} else {
		tokens = refilled(hit->tokens_milli, hit->last_ms, now_ms,
		                  rl->cfg.rate, rl->cfg.burst);
	}
	if (now_ms > hit->last_ms)
		hit->last_ms = now_ms;
	if (tokens < 1000) {
		hit->tokens_milli = (uint32_t)tokens;
		return false;
	}
	hit->tokens_milli = (uint32_t)(tokens - 1000);
	return true;
}

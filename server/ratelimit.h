/*
 * Per-source request rate limit (S-7): a token bucket per source address in
 * a fixed-size, 4-way set-associative table, so memory stays bounded however
 * many sources send.  A new source takes the least recently seen entry of
 * its set; a flooding host can then only evict entries of its own set,
 * never starve the whole table.
 */
#ifndef PORTCTL_SERVER_RATELIMIT_H
#define PORTCTL_SERVER_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include <portctl/wire.h>

struct pctl_rl_entry {
	pctl_addr addr;
	uint64_t last_ms;
	uint32_t tokens_milli; /* tokens * 1000 */
	bool used;
};

struct pctl_ratelimit {
	struct pctl_rl_entry *e;
	uint32_t n_sets; /* power of two; 4 entries per set */
	uint32_t rate;   /* tokens per second; 0 = unlimited */
	uint32_t burst;  /* bucket size */
};

/* sources: entries to keep (rounded up to a power of two, at least 4).
 * 0 or -ENOMEM. */
int pctl_rl_init(struct pctl_ratelimit *rl, uint32_t rate, uint32_t burst,
                 uint32_t sources);
void pctl_rl_fini(struct pctl_ratelimit *rl);
/* Takes one token for src at now_ms; false when its bucket is empty. */
bool pctl_rl_allow(struct pctl_ratelimit *rl, const pctl_addr *src,
                   uint64_t now_ms);

#endif

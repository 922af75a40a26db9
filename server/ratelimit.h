/*
 * Per-subscriber request rate limit (S-7): a token bucket per subscriber
 * (subscriber.h: an IPv4 address or an IPv6 /64 by default) in a
 * fixed-size, 4-way set-associative table, so memory stays bounded however
 * many sources send, and an IPv6 host gains nothing by sending from many
 * addresses of its prefix.
 *
 * Guarantees.  Tokens come into being in two ways only:
 *   1. a held entry earns `rate` tokens per second while it stays in the
 *      table, up to `burst`;
 *   2. a subscriber the table does not hold (new, or evicted earlier)
 *      gets an entry holding only what it takes from the shared admission
 *      bucket - at most PCTL_RL_GRANT tokens (and at most burst) - which
 *      earns `new_rate` tokens per second up to `new_burst`.  When that
 *      bucket is empty the entry starts empty and the request is dropped;
 *      the entry then earns like any other, so a client's retransmission
 *      gets through.
 * Evicting an entry destroys its tokens and creates none, so neither
 * eviction nor a flood of new addresses can refill anybody's budget.  It
 * follows that, over any interval of T seconds:
 *   - one subscriber is answered at most burst + rate * T times plus the
 *     admission tokens it took from everyone's shared
 *     new_burst + new_rate * T;
 *   - all sources together are answered at most
 *     n * (burst + rate * T) + new_burst + new_rate * T times, where n is
 *     the number of entries, whatever the number of source addresses;
 *     sources that never stay in the table (more of them than entries)
 *     get only the admission bucket's share.
 * Without the admission bucket a new entry started with a full burst: 128
 * sources cycling through a 64-entry table got a full burst per request.
 *
 * Which entry a newcomer takes: the one of its set with the fewest tokens
 * (the least recently seen among equals).  A flooder's entries are always
 * empty, so flooding sources evict each other while a host that stays
 * within its rate keeps its entry (and its burst) under a many-source
 * flood.
 */
#ifndef PORTCTL_SERVER_RATELIMIT_H
#define PORTCTL_SERVER_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include <portctl/wire.h>

/* Tokens a newcomer may take from the admission bucket: enough for a
 * client's first exchanges (a few mappings at once) without waiting; the
 * rest of its burst it earns at `rate` while it stays. */
#define PCTL_RL_GRANT 16

struct pctl_rl_entry {
	pctl_addr key; /* subscriber key (subscriber.h) */
	uint64_t last_ms;
	uint32_t tokens_milli; /* tokens * 1000 */
	bool used;
};

/* A token bucket: milli-tokens at last_ms. */
struct pctl_rl_bucket {
	uint64_t last_ms;
	uint64_t tokens_milli;
};

struct pctl_rl_config {
	uint32_t rate;      /* tokens per second; 0 = unlimited */
	uint32_t burst;     /* bucket size (>= 1) */
	uint32_t sources;   /* entries (rounded up to a power of two, >= 4) */
	uint32_t new_rate;  /* admission bucket: tokens per second */
	uint32_t new_burst; /* admission bucket size */
	uint8_t v4_prefix;  /* subscriber prefix lengths (subscriber.h) */
	uint8_t v6_prefix;
};

struct pctl_ratelimit {
	struct pctl_rl_entry *e;
	uint32_t n_sets; /* power of two; 4 entries per set */
	struct pctl_rl_config cfg;
	struct pctl_rl_bucket admission; /* shared by newcomers */
};

/* 0 or -ENOMEM.  The admission bucket starts full. */
int pctl_rl_init(struct pctl_ratelimit *rl, const struct pctl_rl_config *cfg);
void pctl_rl_fini(struct pctl_ratelimit *rl);
/* Takes one token of src's subscriber at now_ms (a monotonic clock); false
 * when there is none: the request is to be dropped. */
bool pctl_rl_allow(struct pctl_ratelimit *rl, const pctl_addr *src,
                   uint64_t now_ms);

#endif

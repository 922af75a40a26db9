/*
 * The two schedules of RFC 6887 a client keeps: retransmission of an
 * unanswered request (section 8.1.1) and renewal of a granted mapping
 * (section 11.2.1).  Pure integer arithmetic on milliseconds so that tests
 * can check every bound exactly.
 */
#include <portctl/client.h>

/* RAND of section 8.1.1: uniform in [-0.1, +0.1], expressed as a factor in
 * permille, 900..1100, drawn from a fresh 32-bit random number (K-12). */
static uint64_t rand_permille(uint32_t r)
{
	return 900u + (uint64_t)(((uint64_t)r * 201u) >> 32);
}

uint64_t pctl_rt_next(uint64_t prev_ms, uint32_t irt_ms, uint32_t mrt_ms,
                      uint32_t r)
{
	uint64_t base;

	if (prev_ms == 0) {
		base = irt_ms; /* RT = (1 + RAND) * IRT */
	} else {
		/* RT = (1 + RAND) * MIN(2 * RTprev, MRT); MRT 0 = no bound */
		base = 2 * prev_ms;
		if (mrt_ms && base > mrt_ms)
			base = mrt_ms;
	}
	return base * rand_permille(r) / 1000u;
}

/* C-21: attempt k renews in [1 - 2^-(k+1), 1 - 2^-(k+1) + 2^-(k+3)] of the
 * lifetime: [1/2, 5/8], [3/4, 13/16], [7/8, 29/32], ... */
uint64_t pctl_renew_at(uint32_t lifetime_s, unsigned attempt, uint32_t r)
{
	uint64_t life = (uint64_t)lifetime_s * 1000u;
	unsigned k = attempt > 30 ? 30 : attempt;
	uint64_t lower = life - (life >> (k + 1));
	uint64_t width = life >> (k + 3);

	return lower + (uint64_t)(((unsigned __int128)width * r) >> 32);
}

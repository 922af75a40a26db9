/*
 * The token bucket of tokenbucket.h, in thousandths of a token so that
 * rates below one per millisecond still refill between calls.
 */
#include "tokenbucket.h"

void pctld_bucket_init(struct pctld_bucket *b, uint32_t rate, uint32_t burst,
                       uint64_t now_ms)
{
	b->rate = rate;
	b->burst = burst ? burst : 1;
	b->milli = (uint64_t)b->burst * 1000;
	b->last_ms = now_ms;
}

bool pctld_bucket_take(struct pctld_bucket *b, uint64_t now_ms)
{
	uint64_t cap = (uint64_t)b->burst * 1000;

	if (!b->rate)
		return true;
	if (now_ms > b->last_ms) {
		/* ms * tokens/s = thousandths of a token; bounded first so
		 * that a long quiet spell cannot overflow. */
		uint64_t dt = now_ms - b->last_ms;
		uint64_t add = dt > cap ? cap * b->rate : dt * b->rate;
		b->milli = b->milli + add > cap ? cap : b->milli + add;
		b->last_ms = now_ms;
	}
	if (b->milli < 1000)
		return false;
	b->milli -= 1000;
	return true;
}

/*
 * SipHash-2-4 (Aumasson and Bernstein) of an 8-byte message: see siphash.h.
 */
#include "siphash.h"

static uint64_t rotl(uint64_t x, unsigned b)
{
	return x << b | x >> (64 - b);
}

struct sip {
	uint64_t v0, v1, v2, v3;
};

static void rounds(struct sip *s, int n)
{
	for (int i = 0; i < n; i++) {
		s->v0 += s->v1;
		s->v1 = rotl(s->v1, 13) ^ s->v0;
		s->v0 = rotl(s->v0, 32);
		s->v2 += s->v3;
		s->v3 = rotl(s->v3, 16) ^ s->v2;
		s->v0 += s->v3;
		s->v3 = rotl(s->v3, 21) ^ s->v0;
		s->v2 += s->v1;
		s->v1 = rotl(s->v1, 17) ^ s->v2;
		s->v2 = rotl(s->v2, 32);
	}
}

uint64_t pctl_siphash_u64(const uint64_t key[2], uint64_t m)
{
	struct sip s = {
	    key[0] ^ 0x736f6d6570736575ull,
	    key[1] ^ 0x646f72616e646f6dull,
	    key[0] ^ 0x6c7967656e657261ull,
	    key[1] ^ 0x7465646279746573ull,
	};
	uint64_t last = (uint64_t)8 << 56; /* message length, no tail bytes */

	s.v3 ^= m;
	rounds(&s, 2);
	s.v0 ^= m;
	s.v3 ^= last;
	rounds(&s, 2);
	s.v0 ^= last;
	s.v2 ^= 0xff;
	rounds(&s, 4);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

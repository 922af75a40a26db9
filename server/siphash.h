/*
 * SipHash-2-4 of one 64-bit word: the keyed pseudo-random function behind
 * the external port allocator's random starting points (RFC 6056), so that
 * the ports handed out cannot be predicted from the ones seen without the
 * 128-bit key.
 */
#ifndef PORTCTL_SERVER_SIPHASH_H
#define PORTCTL_SERVER_SIPHASH_H

#include <stdint.h>

uint64_t pctl_siphash_u64(const uint64_t key[2], uint64_t m);

#endif

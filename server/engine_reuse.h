/*
 * The ports of removed mappings while they cool (S-53, engine_reuse.c): a
 * layer-1 structure of the engine (docs/design.md), on mapping records
 * only.  Not part of the engine's API.
 */
#ifndef PORTCTL_SERVER_ENGINE_REUSE_H
#define PORTCTL_SERVER_ENGINE_REUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <portctl/wire.h>

#include "table.h"

/* A cooling external port range (S-53, engine_reuse.c). */
struct pctl_cool {
	pctl_addr int_addr;
	uint8_t nonce[PCTL_NONCE_LEN];
	uint64_t until_ms;
	uint32_t hnext, fnext, inext;
	uint16_t ext_port, int_port, count;
	uint8_t xi, proto;
	bool hashed; /* still cooling (not reclaimed or released) */
};

/* Entries live in chunks of 256 (never moved: a growing store copies
 * nothing), found through two chained hashes that double like the mapping
 * table's (table.h): each add or take moves at most
 * PCTL_TABLE_REHASH_STEP old buckets, and a hash whose old bucket is below
 * rehash_next lives in the new arrays.  Made on the first add. */
#define PCTL_COOL_CHUNK_SHIFT 8
struct pctl_cooling {
	struct pctl_cool **chunks; /* slot i (1-based) at i - 1 */
	uint32_t n_chunks, cap_chunks, n_used, free_head, count;
	uint32_t *buckets, mask;
	uint32_t *ibuckets; /* by internal endpoint, same size */
	uint32_t *old_buckets, *old_ibuckets, old_mask, rehash_next;
	uint32_t fifo_head, fifo_tail;
};

int pctl_cool_init(struct pctl_cooling *c);
void pctl_cool_fini(struct pctl_cooling *c);
/* Remembers m's ports as cooling until until_ms.  0 or -ENOMEM. */
int pctl_cool_add(struct pctl_cooling *c, const struct pctl_mapping *m,
                  uint64_t until_ms);
/* The cooling entry starting at an external endpoint (0 = none). */
uint32_t pctl_cool_find(const struct pctl_cooling *c, uint8_t xi, uint8_t proto,
                        uint16_t port);
/* The newest cooling entry of an internal endpoint (0 = none). */
uint32_t pctl_cool_find_int(const struct pctl_cooling *c, const pctl_addr *a,
                            uint8_t proto, uint16_t int_port);
const struct pctl_cool *pctl_cool_get(const struct pctl_cooling *c, uint32_t i);
/* Ends the cooling of an entry (reclaimed by its client). */
void pctl_cool_take(struct pctl_cooling *c, uint32_t i);
/* The next entry whose time is up (copied to out, removed); false when
 * none is due. */
bool pctl_cool_pop_due(struct pctl_cooling *c, uint64_t now_ms,
                       struct pctl_cool *out);
/* When the next entry is due (UINT64_MAX if none). */
uint64_t pctl_cool_next(const struct pctl_cooling *c);
/* Forgets every entry (allocators rebuilt: their bits are gone too). */
void pctl_cool_clear(struct pctl_cooling *c);

#endif

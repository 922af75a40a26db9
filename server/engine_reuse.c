/*
 * S-53: an external port given up by a deleted or expired mapping is not
 * handed to anyone else for the reuse time (typically 2 minutes, the NAT's
 * own reuse time), so that a new host does not receive traffic meant for
 * the old one; the same client (same internal address, protocol, internal
 * port and nonce) may reclaim it at once.
 *
 * The ports stay marked in the allocator while they cool down; this store
 * remembers who may reclaim them, in a hash by external endpoint and one by
 * internal endpoint (the client need not remember its old external port to
 * get it back), and when
 * they are free again, in a FIFO (one reuse time for all, so release order
 * is expiry order and the FIFO is sorted).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine_reuse.h"

static uint32_t hash_ext(uint8_t xi, uint8_t proto, uint16_t port)
{
	uint32_t h =
	    ((uint32_t)xi << 24 | (uint32_t)proto << 16 | port) * 0x9e3779b1u;
	return h ^ h >> 15;
}

static uint32_t hash_int(const pctl_addr *a, uint8_t proto, uint16_t port)
{
	uint32_t h = ((uint32_t)proto << 16 | port) * 0x9e3779b1u;

	for (size_t i = 0; i < sizeof(a->b); i++)
		h = (h ^ a->b[i]) * 0x01000193u;
	return h ^ h >> 15;
}

/* The chain head of hash h: in the old array while its old bucket has not
 * been moved, else in the new one (NULL before the first add). */
static uint32_t *head(const struct pctl_cooling *c, bool by_int, uint32_t h)
{
	uint32_t *old = by_int ? c->old_ibuckets : c->old_buckets;

	if (old && (h & c->old_mask) >= c->rehash_next)
		return &old[h & c->old_mask];
	uint32_t *cur = by_int ? c->ibuckets : c->buckets;
	return cur ? &cur[h & c->mask] : NULL;
}

int pctl_cool_init(struct pctl_cooling *c)
{
	memset(c, 0, sizeof(*c));
	return 0;
}

void pctl_cool_fini(struct pctl_cooling *c)
{
	for (uint32_t k = 0; k < c->n_chunks; k++)
		free(c->chunks[k]);
	free(c->chunks);
	free(c->buckets);
	free(c->ibuckets);
	free(c->old_buckets);
	free(c->old_ibuckets);
	memset(c, 0, sizeof(*c));
}

static struct pctl_cool *at(const struct pctl_cooling *c, uint32_t i)
{
	return &c->chunks[(i - 1) >> PCTL_COOL_CHUNK_SHIFT]
	                 [(i - 1) & ((1u << PCTL_COOL_CHUNK_SHIFT) - 1)];
}

static uint32_t ext_hash_of(const struct pctl_cool *k)
{
	return hash_ext(k->xi, k->proto, k->ext_port);
}

static uint32_t int_hash_of(const struct pctl_cool *k)
{
	return hash_int(&k->int_addr, k->proto, k->int_port);
}

/* Moves up to n old buckets of both hashes; frees the old arrays after
 * the last. */
static void rehash_step(struct pctl_cooling *c, uint32_t n)
{
	while (c->old_buckets && n--) {
		uint32_t b = c->rehash_next++;
		for (uint32_t i = c->old_buckets[b], next; i; i = next) {
			struct pctl_cool *k = at(c, i);
			uint32_t *h = &c->buckets[ext_hash_of(k) & c->mask];
			next = k->hnext;
			k->hnext = *h;
			*h = i;
		}
		for (uint32_t i = c->old_ibuckets[b], next; i; i = next) {
			struct pctl_cool *k = at(c, i);
			uint32_t *h = &c->ibuckets[int_hash_of(k) & c->mask];
			next = k->inext;
			k->inext = *h;
			*h = i;
		}
		if (c->rehash_next > c->old_mask) {
			free(c->old_buckets);
			free(c->old_ibuckets);
			c->old_buckets = c->old_ibuckets = NULL;
		}
	}
}

/* New arrays of n buckets, the current ones becoming the old (the
 * caller has finished any resize).  0 or -ENOMEM (nothing changed). */
static int start_resize(struct pctl_cooling *c, uint32_t n)
{
	uint32_t *b = calloc(n, sizeof(uint32_t));
	uint32_t *ib = calloc(n, sizeof(uint32_t));

	if (!b || !ib) {
		free(b);
		free(ib);
		return -ENOMEM;
	}
	c->old_buckets = c->buckets;
	c->old_ibuckets = c->ibuckets;
	c->old_mask = c->mask;
	c->rehash_next = 0;
	c->buckets = b;
	c->ibuckets = ib;
	c->mask = n - 1;
	if (!c->old_buckets) { /* the first arrays: nothing to move */
		free(c->old_ibuckets);
		c->old_ibuckets = NULL;
	}
	return 0;
}

/* A free slot index, or 0 when memory ran out. */
static uint32_t slot_new(struct pctl_cooling *c)
{
	uint32_t i = c->free_head;

	if (i) {
		c->free_head = at(c, i)->fnext;
		return i;
	}
	uint32_t k = c->n_used >> PCTL_COOL_CHUNK_SHIFT;
	if (k == c->n_chunks) {
		if (k == c->cap_chunks) {
			uint32_t nc = c->cap_chunks ? c->cap_chunks * 2 : 4;
			struct pctl_cool **v =
			    realloc(c->chunks, nc * sizeof(*v));
			if (!v)
				return 0;
			c->chunks = v;
			c->cap_chunks = nc;
		}
		c->chunks[k] =
		    malloc(sizeof(struct pctl_cool) << PCTL_COOL_CHUNK_SHIFT);
		if (!c->chunks[k])
			return 0;
		c->n_chunks++;
	}
	return ++c->n_used;
}

int pctl_cool_add(struct pctl_cooling *c, const struct pctl_mapping *m,
                  uint64_t until_ms)
{
	rehash_step(c, PCTL_TABLE_REHASH_STEP);
	if (!c->buckets && start_resize(c, 64))
		return -ENOMEM;
	uint32_t i = slot_new(c);
	if (!i)
		return -ENOMEM;
	struct pctl_cool *k = at(c, i);
	memset(k, 0, sizeof(*k));
	k->int_addr = m->int_addr;
	memcpy(k->nonce, m->nonce, PCTL_NONCE_LEN);
	k->until_ms = until_ms;
	k->ext_port = m->ext_port;
	k->int_port = m->int_port;
	k->count = m->port_count ? m->port_count : 1;
	k->xi = m->ext_idx;
	k->proto = m->protocol;
	k->hashed = true;
	uint32_t *h = head(c, false, ext_hash_of(k));
	k->hnext = *h;
	*h = i;
	h = head(c, true, int_hash_of(k));
	k->inext = *h;
	*h = i;
	if (c->fifo_tail)
		at(c, c->fifo_tail)->fnext = i;
	else
		c->fifo_head = i;
	c->fifo_tail = i;
	/* Load over 1: double (a failed allocation keeps longer chains). */
	if (++c->count > c->mask + 1 && c->mask < (1u << 30)) {
		rehash_step(c, UINT32_MAX); /* never left: steps outpace it */
		(void)start_resize(c, (c->mask + 1) * 2);
	}
	return 0;
}

uint32_t pctl_cool_find(const struct pctl_cooling *c, uint8_t xi, uint8_t proto,
                        uint16_t port)
{
	const uint32_t *h = head(c, false, hash_ext(xi, proto, port));

	for (uint32_t i = h ? *h : 0; i; i = at(c, i)->hnext) {
		const struct pctl_cool *k = at(c, i);
		if (k->xi == xi && k->proto == proto && k->ext_port == port)
			return i;
	}
	return 0;
}

uint32_t pctl_cool_find_int(const struct pctl_cooling *c, const pctl_addr *a,
                            uint8_t proto, uint16_t int_port)
{
	const uint32_t *h = head(c, true, hash_int(a, proto, int_port));

	for (uint32_t i = h ? *h : 0; i; i = at(c, i)->inext) {
		const struct pctl_cool *k = at(c, i);
		if (k->proto == proto && k->int_port == int_port &&
		    pctl_addr_equal(&k->int_addr, a))
			return i;
	}
	return 0;
}

const struct pctl_cool *pctl_cool_get(const struct pctl_cooling *c, uint32_t i)
{
	return at(c, i);
}

/* Off the hash; the FIFO slot is freed when it reaches the head. */
void pctl_cool_take(struct pctl_cooling *c, uint32_t i)
{
	rehash_step(c, PCTL_TABLE_REHASH_STEP);
	struct pctl_cool *k = at(c, i);
	uint32_t *link = head(c, false, ext_hash_of(k));

	while (*link && *link != i)
		link = &at(c, *link)->hnext;
	if (*link)
		*link = k->hnext;
	link = head(c, true, int_hash_of(k));
	while (*link && *link != i)
		link = &at(c, *link)->inext;
	if (*link)
		*link = k->inext;
	k->hashed = false;
	c->count--;
}

bool pctl_cool_pop_due(struct pctl_cooling *c, uint64_t now_ms,
                       struct pctl_cool *out)
{
	while (c->fifo_head) {
		uint32_t i = c->fifo_head;
		struct pctl_cool *k = at(c, i);
		if (k->hashed && k->until_ms > now_ms)
			return false;
		c->fifo_head = k->fnext;
		if (!c->fifo_head)
			c->fifo_tail = 0;
		bool due = k->hashed;
		if (due) {
			pctl_cool_take(c, i);
			*out = *k;
		}
		k->fnext = c->free_head;
		c->free_head = i;
		if (due)
			return true;
	}
	return false;
}

uint64_t pctl_cool_next(const struct pctl_cooling *c)
{
	for (uint32_t i = c->fifo_head; i; i = at(c, i)->fnext)
		if (at(c, i)->hashed)
			return at(c, i)->until_ms;
	return UINT64_MAX;
}

void pctl_cool_clear(struct pctl_cooling *c)
{
	/* An administrative reload (the allocators are rebuilt), not a
	 * request: starting over costs what freeing does. */
	pctl_cool_fini(c);
}

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

#include "engine_impl.h"

static uint32_t bucket(const struct pctl_cooling *c, uint8_t xi, uint8_t proto,
                       uint16_t port)
{
	uint32_t h =
	    ((uint32_t)xi << 24 | (uint32_t)proto << 16 | port) * 0x9e3779b1u;
	return (h ^ h >> 15) & c->mask;
}

static uint32_t ibucket(const struct pctl_cooling *c, const pctl_addr *a,
                        uint8_t proto, uint16_t port)
{
	uint32_t h = ((uint32_t)proto << 16 | port) * 0x9e3779b1u;

	for (size_t i = 0; i < sizeof(a->b); i++)
		h = (h ^ a->b[i]) * 0x01000193u;
	return (h ^ h >> 15) & c->mask;
}

int pctl_cool_init(struct pctl_cooling *c)
{
	memset(c, 0, sizeof(*c));
	c->buckets = calloc(1024, sizeof(uint32_t));
	c->ibuckets = calloc(1024, sizeof(uint32_t));
	if (!c->buckets || !c->ibuckets) {
		free(c->buckets);
		free(c->ibuckets);
		return -ENOMEM;
	}
	c->mask = 1023;
	return 0;
}

void pctl_cool_fini(struct pctl_cooling *c)
{
	free(c->v);
	free(c->buckets);
	free(c->ibuckets);
	memset(c, 0, sizeof(*c));
}

static struct pctl_cool *at(const struct pctl_cooling *c, uint32_t i)
{
	return &c->v[i - 1];
}

static void rehash(struct pctl_cooling *c)
{
	uint32_t n = (c->mask + 1) * 2;
	uint32_t *b = calloc(n, sizeof(uint32_t));
	uint32_t *ib = calloc(n, sizeof(uint32_t));

	if (!b || !ib) {
		free(b);
		free(ib);
		return; /* longer chains, still correct */
	}
	free(c->buckets);
	free(c->ibuckets);
	c->buckets = b;
	c->ibuckets = ib;
	c->mask = n - 1;
	/* Oldest first, so that each chain keeps the newest entry first. */
	for (uint32_t i = c->fifo_head; i; i = at(c, i)->fnext) {
		struct pctl_cool *k = at(c, i);
		if (!k->hashed)
			continue;
		uint32_t bk = bucket(c, k->xi, k->proto, k->ext_port);
		k->hnext = b[bk];
		b[bk] = i;
		bk = ibucket(c, &k->int_addr, k->proto, k->int_port);
		k->inext = ib[bk];
		ib[bk] = i;
	}
}

int pctl_cool_add(struct pctl_cooling *c, const struct pctl_mapping *m,
                  uint64_t until_ms)
{
	uint32_t i = c->free_head;

	if (i) {
		c->free_head = at(c, i)->fnext;
	} else {
		if (c->n_used == c->cap) {
			uint32_t nc = c->cap ? c->cap * 2 : 256;
			struct pctl_cool *nv = realloc(c->v, nc * sizeof(*nv));
			if (!nv)
				return -ENOMEM;
			c->v = nv;
			c->cap = nc;
		}
		i = ++c->n_used;
	}
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
	uint32_t bk = bucket(c, k->xi, k->proto, k->ext_port);
	k->hnext = c->buckets[bk];
	c->buckets[bk] = i;
	bk = ibucket(c, &k->int_addr, k->proto, k->int_port);
	k->inext = c->ibuckets[bk];
	c->ibuckets[bk] = i;
	if (c->fifo_tail)
		at(c, c->fifo_tail)->fnext = i;
	else
		c->fifo_head = i;
	c->fifo_tail = i;
	if (++c->count > c->mask + 1)
		rehash(c);
	return 0;
}

uint32_t pctl_cool_find(const struct pctl_cooling *c, uint8_t xi, uint8_t proto,
                        uint16_t port)
{
	for (uint32_t i = c->buckets[bucket(c, xi, proto, port)]; i;
	     i = at(c, i)->hnext) {
		const struct pctl_cool *k = at(c, i);
		if (k->xi == xi && k->proto == proto && k->ext_port == port)
			return i;
	}
	return 0;
}

uint32_t pctl_cool_find_int(const struct pctl_cooling *c, const pctl_addr *a,
                            uint8_t proto, uint16_t int_port)
{
	for (uint32_t i = c->ibuckets[ibucket(c, a, proto, int_port)]; i;
	     i = at(c, i)->inext) {
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
	struct pctl_cool *k = at(c, i);
	uint32_t *link = &c->buckets[bucket(c, k->xi, k->proto, k->ext_port)];

	while (*link && *link != i)
		link = &at(c, *link)->hnext;
	if (*link)
		*link = k->hnext;
	link = &c->ibuckets[ibucket(c, &k->int_addr, k->proto, k->int_port)];
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
	memset(c->buckets, 0, (c->mask + 1) * sizeof(uint32_t));
	memset(c->ibuckets, 0, (c->mask + 1) * sizeof(uint32_t));
	c->n_used = c->count = c->free_head = 0;
	c->fifo_head = c->fifo_tail = 0;
}

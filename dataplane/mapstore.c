/*
 * Installed mappings by id: see mapstore.h.  Chained hash table that
 * doubles when the load passes 1.
 */
#include "mapstore.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct dp_map_entry *dp_map_entry_new(const struct pctl_dp_mapping *m)
{
	size_t fsz = m->n_filters * sizeof(struct pctl_filter);
	struct dp_map_entry *e = malloc(sizeof(*e) + fsz);
	if (!e)
		return NULL;
	e->next = NULL;
	e->m = *m;
	e->expires_ms = 0;
	struct pctl_filter *f = (struct pctl_filter *)(e + 1);
	if (fsz)
		memcpy(f, m->filters, fsz);
	e->m.filters = fsz ? f : NULL;
	/* The journal's fields point into the engine's memory, which may be
	 * gone by the time the copy is used: the data plane keeps none. */
	e->m.desc = NULL;
	e->m.desc_len = 0;
	e->m.tpid = NULL;
	e->m.tpid_len = 0;
	return e;
}

void dp_map_entry_free(struct dp_map_entry *e)
{
	free(e);
}

void dp_mapstore_init(struct dp_mapstore *s)
{
	memset(s, 0, sizeof(*s));
}

void dp_mapstore_clear(struct dp_mapstore *s)
{
	for (size_t i = 0; i < s->n_buckets; i++) {
		struct dp_map_entry *e = s->buckets[i];
		while (e) {
			struct dp_map_entry *next = e->next;
			dp_map_entry_free(e);
			e = next;
		}
	}
	free(s->buckets);
	dp_mapstore_init(s);
}

static size_t slot(uint64_t id, size_t n)
{
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdULL; /* murmur3 finaliser: spreads ids */
	id ^= id >> 33;
	return (size_t)(id & (n - 1));
}

struct dp_map_entry *dp_mapstore_get(const struct dp_mapstore *s, uint64_t id)
{
	if (!s->n_buckets)
		return NULL;
	for (struct dp_map_entry *e = s->buckets[slot(id, s->n_buckets)]; e;
	     e = e->next)
		if (e->m.id == id)
			return e;
	return NULL;
}

static int grow(struct dp_mapstore *s)
{
	size_t n = s->n_buckets ? s->n_buckets * 2 : 64;
	struct dp_map_entry **b = calloc(n, sizeof(*b));
	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_buckets; i++) {
		struct dp_map_entry *e = s->buckets[i];
		while (e) {
			struct dp_map_entry *next = e->next;
			size_t k = slot(e->m.id, n);
			e->next = b[k];
			b[k] = e;
			e = next;
		}
	}
	free(s->buckets);
	s->buckets = b;
	s->n_buckets = n;
	return 0;
}

struct dp_map_entry *dp_mapstore_take(struct dp_mapstore *s, uint64_t id)
{
	if (!s->n_buckets)
		return NULL;
	struct dp_map_entry **pp = &s->buckets[slot(id, s->n_buckets)];
	for (; *pp; pp = &(*pp)->next) {
		struct dp_map_entry *e = *pp;
		if (e->m.id == id) {
			*pp = e->next;
			e->next = NULL;
			s->count--;
			return e;
		}
	}
	return NULL;
}

int dp_mapstore_put(struct dp_mapstore *s, struct dp_map_entry *e)
{
	dp_map_entry_free(dp_mapstore_take(s, e->m.id));
	if (s->count >= s->n_buckets && grow(s)) {
		dp_map_entry_free(e);
		return -ENOMEM;
	}
	size_t k = slot(e->m.id, s->n_buckets);
	e->next = s->buckets[k];
	s->buckets[k] = e;
	s->count++;
	return 0;
}

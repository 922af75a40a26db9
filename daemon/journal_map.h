/*
 * The journal's live set: mapping id -> encoded UPSERT record, an open
 * addressing hash table with linear probing and backward-shift deletion
 * (no tombstones, so lookups stay short however many mappings come and go).
 * Capacity is reserved ahead (pctld_jmap_reserve) so that applying a commit
 * never allocates: a commit that the data plane accepted cannot then fail
 * in the journal for lack of memory.
 */
#ifndef PORTCTLD_JOURNAL_MAP_H
#define PORTCTLD_JOURNAL_MAP_H

#include <stddef.h>
#include <stdint.h>

struct pctld_jmap_slot {
	uint64_t id;
	uint8_t *rec; /* NULL = empty slot */
	size_t len;
};

struct pctld_jmap {
	struct pctld_jmap_slot *slots;
	size_t cap; /* 0 or a power of two */
	size_t n;
};

/* Makes room for `n` entries in total without further allocation.
 * 0 or -ENOMEM (the map is unchanged). */
int pctld_jmap_reserve(struct pctld_jmap *m, size_t n);

/* Inserts or replaces id's record; the map must have room (reserve first).
 * Returns the record it replaced (the caller frees it if it owns it), or
 * NULL. */
uint8_t *pctld_jmap_put(struct pctld_jmap *m, uint64_t id, uint8_t *rec,
                        size_t len);

/* Removes id; returns its record (or NULL when absent). */
uint8_t *pctld_jmap_del(struct pctld_jmap *m, uint64_t id);

/* The slot of id, or NULL. */
struct pctld_jmap_slot *pctld_jmap_get(const struct pctld_jmap *m, uint64_t id);

/* Frees the table; with free_recs also every record. */
void pctld_jmap_free(struct pctld_jmap *m, int free_recs);

#endif

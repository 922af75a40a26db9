/*
 * The journal's live set: mapping id -> encoded UPSERT record, an open
 * addressing hash table with linear probing and backward-shift deletion
 * (no tombstones, so lookups stay short however many mappings come and go).
 * Capacity is reserved ahead (pctld_jmap_reserve) so that applying a commit
 * never allocates: a commit that the data plane accepted cannot then fail
 * in the journal for lack of memory.
 *
 * Growth without a stall (issue 16): reserve allocates the bigger array
 * (zero pages, server/bigarray.h) and leaves the old one in place; every
 * put and delete then moves up to 8 of its slots over (pctld_jmap_step
 * moves more), in slot order, deleting each with backward shift, until it
 * is empty and freed.  A lookup probes the new array, then the old one,
 * whose slots below `moved` are all empty.  Guarantee: no put or delete
 * moves more than 8 entries, and a resize ends before the next is due
 * (8 moves per insertion, against 2 old slots per insertion until the
 * set has doubled).  While a resize runs the slots are in two arrays:
 * iterate only after pctld_jmap_step(m, SIZE_MAX) (the journal's
 * compaction walk does so, a bounded step at a time).
 */
#ifndef PORTCTLD_JOURNAL_MAP_H
#define PORTCTLD_JOURNAL_MAP_H

#include <stdbool.h>
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
	size_t n;   /* entries, in both arrays */
	/* The previous array while a resize runs (NULL otherwise), and the
	 * first of its slots not yet moved. */
	struct pctld_jmap_slot *old;
	size_t old_cap, moved;
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

/* Is a resize under way (entries in two arrays)? */
bool pctld_jmap_resizing(const struct pctld_jmap *m);
/* Moves up to n slots of a resize under way (SIZE_MAX: all of it). */
void pctld_jmap_step(struct pctld_jmap *m, size_t n);

/* The slot of id (in either array), or NULL. */
struct pctld_jmap_slot *pctld_jmap_get(const struct pctld_jmap *m, uint64_t id);

/* Frees the table; with free_recs also every record. */
void pctld_jmap_free(struct pctld_jmap *m, int free_recs);

#endif

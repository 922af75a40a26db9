/*
 * What the nftables backend has installed, by mapping id: the backend needs
 * the previous version of a mapping to take its elements out again (a
 * refresh may change the FILTER set, S-83; a remove must delete every
 * filter element).  Deep copies (filters included); O(1) by id.
 */
#ifndef PORTCTL_DATAPLANE_MAPSTORE_H
#define PORTCTL_DATAPLANE_MAPSTORE_H

#include "../server/backend.h"

struct dp_map_entry {
	struct dp_map_entry *next;
	struct pctl_dp_mapping m; /* m.filters points into this entry */
	uint64_t expires_ms;      /* monotonic; set by the backend when the
	                             kernel took it (to re-install it with the
	                             lifetime it has left) */
};

struct dp_mapstore {
	struct dp_map_entry **buckets;
	size_t n_buckets, count;
};

/* A deep copy of m, or NULL. */
struct dp_map_entry *dp_map_entry_new(const struct pctl_dp_mapping *m);
void dp_map_entry_free(struct dp_map_entry *e);

void dp_mapstore_init(struct dp_mapstore *s);
void dp_mapstore_clear(struct dp_mapstore *s);
struct dp_map_entry *dp_mapstore_get(const struct dp_mapstore *s, uint64_t id);
/* Takes ownership of e, replacing (and freeing) any entry of the same id.
 * 0 or -ENOMEM (then e is freed). */
int dp_mapstore_put(struct dp_mapstore *s, struct dp_map_entry *e);
/* Unlinks and returns the entry of id, or NULL. */
struct dp_map_entry *dp_mapstore_take(struct dp_mapstore *s, uint64_t id);

#endif

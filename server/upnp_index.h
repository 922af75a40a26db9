/*
 * The UPnP IGD front end's indexes of its mappings (upnp_index.c): a
 * layer-1 structure of the engine (docs/design.md), kept in struct
 * pctl_engine (engine_state.h) and updated by engine_core.c as records come
 * and go.  Not part of the engine's API.
 */
#ifndef PORTCTL_SERVER_UPNP_INDEX_H
#define PORTCTL_SERVER_UPNP_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <portctl/wire.h>

#include "table.h"

struct pctl_engine;

/* The UPnP IGD front end's own indexes of its mappings:
 * - its IPv4 port mappings in creation order, a doubly linked list through
 *   the records' eim_prev/eim_next (only PEER records are in the EIM
 *   index, and a UPnP record is never a PEER), so that
 *   GetGenericPortMappingEntry never walks other protocols' records;
 * - the cursor of the last index read: reading index i + 1 (or i again)
 *   after i steps one link, O(1); a creation appends and keeps the
 *   cursor, a removal forgets it (the next read walks from the head);
 * - its IPv6 pinholes by UniqueID (a table of 65536 pool indexes, made by
 *   the first pinhole); a pinhole's UniqueID is kept in its record's
 *   client_port, which UPnP does not use otherwise (it sends no Mapping
 *   Update, S-95), so that the journal keeps it across a restart. */
struct pctl_upnp_index {
	uint32_t head, tail, count;
	bool cursor_valid;
	uint32_t cursor_pos, cursor_idx;
	uint64_t steps; /* links followed by pctl_upnp_at (tests) */
	uint32_t *by_uid;
	uint32_t n_pinholes;
	uint16_t next_uid;
};

/* Enters a new UPnP record in the indexes (a pinhole gets its UniqueID:
 * the one in client_port when that is free, else the next free one).
 * 0, -ENOSPC (no UniqueID left) or -ENOMEM. */
int pctl_upnp_track(struct pctl_engine *e, struct pctl_mapping *m);
/* Removes it (nothing when it is not in them). */
void pctl_upnp_untrack(struct pctl_engine *e, struct pctl_mapping *m);
/* The pos-th UPnP port mapping (creation order), or NULL. */
struct pctl_mapping *pctl_upnp_at(struct pctl_engine *e, uint32_t pos);
/* The next UPnP port mapping after m (NULL: the first), or NULL. */
struct pctl_mapping *pctl_upnp_next(const struct pctl_engine *e,
                                    const struct pctl_mapping *m);
/* The live pinhole of a UniqueID, or NULL. */
struct pctl_mapping *pctl_upnp_pinhole_of(const struct pctl_engine *e,
                                          uint16_t uid);
/* Is m a pinhole (IPv6, no NAT66) rather than an IPv4 port mapping? */
static inline bool pctl_upnp_is_pinhole(const struct pctl_mapping *m)
{
	return !pctl_addr_is_v4(&m->int_addr);
}

#endif

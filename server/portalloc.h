/*
 * External port allocator for one (external address, protocol): a two-level
 * bitmap.  65,536 bits say which ports are taken; 1,024 summary bits say
 * which 64-port words are completely taken.  Finding a free port reads at
 * most 16 summary words and one port word, whatever the load: no probing of
 * candidates (docs/design.md).
 *
 * Ports outside the allocatable range and reserved ports (S-38) are marked
 * taken when the map is built, so the allocator never hands them out.
 */
#ifndef PORTCTL_SERVER_PORTALLOC_H
#define PORTCTL_SERVER_PORTALLOC_H

#include <stdbool.h>
#include <stdint.h>

struct pctl_portmap {
	uint64_t word[1024]; /* bit set = port taken */
	uint64_t full[16];   /* bit set = word[i] is all ones */
	uint32_t hint;       /* word where the next search starts */
};

/* All ports taken except [min, max]. */
void pctl_portmap_init(struct pctl_portmap *pm, uint16_t min, uint16_t max);
bool pctl_portmap_taken(const struct pctl_portmap *pm, uint16_t port);
void pctl_portmap_set(struct pctl_portmap *pm, uint16_t port);
void pctl_portmap_clear(struct pctl_portmap *pm, uint16_t port);
/* A free port (not marked), or -1 when none is left.  Does not mark it.
 * Successive calls spread allocations over the range. */
int pctl_portmap_find(struct pctl_portmap *pm);
/* The first port p of `count` consecutive free ports with p's parity equal
 * to `parity` (0 or 1; -1 = any), or -1.  Linear in the range: used for
 * PORT_SET only. */
int pctl_portmap_find_run(const struct pctl_portmap *pm, uint32_t count,
                          int parity);

#endif

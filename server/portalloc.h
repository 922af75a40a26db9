/*
 * External port allocator for one (external address, protocol): a two-level
 * bitmap.  65,536 bits say which ports are taken; 1,024 summary bits say
 * which 64-port words are completely taken.  Finding a free port from a
 * starting point reads the start's word, at most 17 summary words and one
 * more port word, whatever the load: no probing of candidates
 * (docs/design.md).
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
};

/* All ports taken except [min, max]. */
void pctl_portmap_init(struct pctl_portmap *pm, uint16_t min, uint16_t max);
bool pctl_portmap_taken(const struct pctl_portmap *pm, uint16_t port);
void pctl_portmap_set(struct pctl_portmap *pm, uint16_t port);
void pctl_portmap_clear(struct pctl_portmap *pm, uint16_t port);
/* The first free port at or after `start`, wrapping past 65535 to 0, or -1
 * when none is left.  Does not mark it.  The caller picks `start` at random
 * (RFC 6056), so that the ports handed out cannot be guessed. */
int pctl_portmap_find(const struct pctl_portmap *pm, uint16_t start);
/* The first port p at or after `start` (wrapping) of `count` consecutive
 * free ports with p's parity equal to `parity` (0 or 1; -1 = any), or -1.
 * Linear in the range: used for PORT_SET only, whose size the
 * configuration bounds. */
int pctl_portmap_find_run(const struct pctl_portmap *pm, uint32_t count,
                          int parity, uint16_t start);

#endif

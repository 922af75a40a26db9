/*
 * The M-SEARCH answers waiting for their random delay (UDA 1.1 section
 * 1.3.3: spread over MX seconds), bounded so that a flood of searches
 * neither grows memory nor turns portctld into an amplifier: at most
 * PCTLD_SSDP_PER_SOURCE searches a second are answered per source
 * address, PCTLD_SSDP_PER_SECOND in all, and PCTLD_SSDP_QUEUE wait at
 * once.  Every other search is dropped.  Plain data, no I/O: the time is
 * given, so that it is tested as is.
 */
#ifndef PORTCTLD_SSDP_QUEUE_H
#define PORTCTLD_SSDP_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <portctl/wire.h>

#include "ssdp_parse.h"

/* A control point sends a few searches at once (miniupnpc: one per device
 * type it knows, each up to 3 times); 10 a second covers that. */
#define PCTLD_SSDP_PER_SOURCE 10
#define PCTLD_SSDP_PER_SECOND 40
#define PCTLD_SSDP_QUEUE      64
/* Sources remembered for the per-source count (a hash table; a source
 * that collides with another shares its count). */
#define PCTLD_SSDP_SOURCES 256

struct pctld_ssdp_pending {
	uint64_t due_ms;
	unsigned ifi; /* index of the interface it came in on */
	pctl_addr src;
	uint16_t src_port;
	char st[PCTLD_SSDP_ST_MAX + 1];
};

struct pctld_ssdp_queue {
	struct {
		pctl_addr addr;
		uint64_t second;
		unsigned n;
	} src[PCTLD_SSDP_SOURCES];
	uint64_t second;
	unsigned n_second;
	size_t n;
	struct pctld_ssdp_pending p[PCTLD_SSDP_QUEUE];
};

void pctld_ssdp_queue_init(struct pctld_ssdp_queue *q);
/* Takes p (its due time set by the caller) unless one of the limits says
 * drop; true when taken. */
bool pctld_ssdp_queue_add(struct pctld_ssdp_queue *q,
                          const struct pctld_ssdp_pending *p, uint64_t now_ms);
/* The earliest due time, UINT64_MAX when empty. */
uint64_t pctld_ssdp_queue_next(const struct pctld_ssdp_queue *q);
/* Removes one answer due at now_ms into *out; false when none is due. */
bool pctld_ssdp_queue_take(struct pctld_ssdp_queue *q, uint64_t now_ms,
                           struct pctld_ssdp_pending *out);

#endif

/*
 * A token bucket: `rate` events per second on average, `burst` at once.
 * The audit log (audit_log.c) limits itself with two of these so that a
 * flood of requests cannot fill a disk with records.
 */
#ifndef PORTCTLD_TOKENBUCKET_H
#define PORTCTLD_TOKENBUCKET_H

#include <stdbool.h>
#include <stdint.h>

struct pctld_bucket {
	uint32_t rate;  /* per second; 0 = unlimited */
	uint32_t burst; /* >= 1 when rate > 0 */
	uint64_t milli; /* thousandths of a token held */
	uint64_t last_ms;
};

/* A full bucket at now_ms. */
void pctld_bucket_init(struct pctld_bucket *b, uint32_t rate, uint32_t burst,
                       uint64_t now_ms);
/* Takes one token; false when none is left (the event is suppressed). */
bool pctld_bucket_take(struct pctld_bucket *b, uint64_t now_ms);

#endif

/*
 * Mapping expiry without scans: a hashed timer wheel of one-second slots over
 * the table's records (links tw_prev/tw_next, due time expire_s).
 *
 * A record due at second D sits in slot D mod PCTL_TW_SLOTS.  Advancing the
 * clock visits only the slots of the seconds that passed; records in those
 * slots that are due a lap or more later stay.  Lifetimes are at most a day
 * (S-50), so a record is visited at most 86400 / PCTL_TW_SLOTS times before
 * it is due, and adding or removing one is O(1).
 */
#ifndef PORTCTL_SERVER_TIMERWHEEL_H
#define PORTCTL_SERVER_TIMERWHEEL_H

#include <stdint.h>

#include "table.h"

#define PCTL_TW_SLOTS 8192u

struct pctl_timerwheel {
	uint32_t slot[PCTL_TW_SLOTS];      /* heads (pool indexes) */
	uint64_t busy[PCTL_TW_SLOTS / 64]; /* bit set = slot not empty */
	uint32_t cur_s;                    /* next second not yet processed */
	uint32_t count;
};

void pctl_tw_init(struct pctl_timerwheel *tw, uint32_t now_s);
/* Inserts a linked record by its expire_s (clamped to cur_s if earlier). */
void pctl_tw_add(struct pctl_timerwheel *tw, struct pctl_table *t,
                 struct pctl_mapping *m);
void pctl_tw_del(struct pctl_timerwheel *tw, struct pctl_table *t,
                 struct pctl_mapping *m);
/* Takes one record whose expire_s <= now_s off the wheel and returns it, or
 * NULL when none is due; call repeatedly.  Static records are never added. */
struct pctl_mapping *pctl_tw_pop_due(struct pctl_timerwheel *tw,
                                     struct pctl_table *t, uint32_t now_s);
/* A second at or before which the earliest record is due (the start of the
 * first non-empty slot; may be early by whole laps), UINT32_MAX if empty. */
uint32_t pctl_tw_next(const struct pctl_timerwheel *tw);

#endif

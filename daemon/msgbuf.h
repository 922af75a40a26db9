/*
 * The daemon's two kinds of caller-owned message buffers: an error (one
 * reason, overwritten) and notes (several remarks, joined by "; "), as
 * the configuration, the checks before a start and `portctld -n` report
 * them.  Both truncate silently to the buffer they are given.
 */
#ifndef PORTCTLD_MSGBUF_H
#define PORTCTLD_MSGBUF_H

#include <stddef.h>

/* Writes the formatted reason into err; returns -1, so that a check can
 * `return pctld_errf(err, errlen, ...)`. */
int pctld_errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends a formatted note to notes, after "; " when it is not the
 * first. */
void pctld_note_add(char *notes, size_t noteslen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif

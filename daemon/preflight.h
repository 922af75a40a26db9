/*
 * Everything a start can check before it touches the nftables table or the
 * journal (issue 15, item 1): a start that fails after the backend is open
 * must leave both as it found them, so whatever can fail is found here
 * first.  `portctld -n` runs the same checks without changing anything.
 */
#ifndef PORTCTLD_PREFLIGHT_H
#define PORTCTLD_PREFLIGHT_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "privs.h"

/* What a start holds from the preflight on. */
struct pctld_preflight {
	struct pctld_ids ids; /* who the daemon runs as */
	int table_fd;         /* owns the nftables table (tablelock.h), or -1 */
	int journal_lock_fd;  /* the journal's lock, or -1 (handed over to
	                         pctl_journal_open, then -1) */
};

/* Checks, in this order, and at a real start takes: the user; the
 * nftables table (nftables backend); the control socket (no live daemon
 * there) and its directory; the pidfile (not held) and its directory; the
 * state directory (owndir.h), the journal's files (regular files, not
 * directories or symlinks), free space for the snapshot a start writes, and
 * the journal's lock.  With check (-n) nothing is created, taken or
 * changed, what a start would do is appended to notes, and a running
 * daemon's ownership (it holds the table, the control socket, the pidfile
 * or the lock) is a note too, as `-n` is run next to the daemon it checks.
 * 0, or -1 with a reason in err (everything taken is released). */
int pctld_preflight(const struct pctld_config *cfg, bool check,
                    struct pctld_preflight *pf, char *notes, size_t noteslen,
                    char *err, size_t errlen);

/* Closes what the preflight still holds. */
void pctld_preflight_release(struct pctld_preflight *pf);

#endif

/*
 * A damaged state journal kept aside (journal.h, damaged): before the load
 * rewrites a log it could not fully read, the file is kept under another
 * name in the state directory, so that an operator (or a bug report) still
 * has what was on disk.  At most a configured number of such files are
 * kept; the oldest go first.
 */
#ifndef PORTCTLD_JOURNAL_ASIDE_H
#define PORTCTLD_JOURNAL_ASIDE_H

#include <stddef.h>
#include <stdint.h>

/* Where the outcome is reported (one line, no newline); may be NULL. */
struct pctld_aside_log {
	void (*log)(void *ctx, const char *msg);
	void *ctx;
};

/* Keeps the log at `path` (whose bytes are buf, len) as
 * dir/PCTL_JOURNAL_DAMAGED_PREFIX<UTC time of now_rt>[.N], after removing
 * the oldest such files so that at most `keep` (>= 1) remain with it.  A
 * hard link when the file system allows it (no copy; the snapshot's rename
 * then only takes the log's name away), else a copy of buf.  out gets the
 * new file's path, or "" when it could not be made.  0 or -errno. */
int pctld_journal_keep_aside(const char *dir, const char *path,
                             const uint8_t *buf, size_t len, int64_t now_rt,
                             unsigned keep, char *out, size_t outlen,
                             const struct pctld_aside_log *log);

/* fsync(2) of a directory, so that a rename or link in it survives a power
 * loss.  0 or -errno. */
int pctld_fsync_dir(const char *dir);

#endif

/*
 * portctld's state journal: mappings that survive a restart (issue 4).
 *
 * The journal is a backend decorator.  pctl_journal_open() wraps the real
 * data-plane backend (server/backend.h) and hands back a backend that the
 * engine uses instead.  Every create/refresh/remove is forwarded and, when
 * the inner backend accepted it, queued; commit() forwards the commit and,
 * only once the inner commit succeeded, appends the queued records to an
 * append-only log in the state directory; abort() drops them.  An operation
 * the engine rolls back therefore never reaches the file (S-15).
 *
 * Durability: each commit is one write(2) before the commit returns, so a
 * process killed with -9 loses nothing.  What a power loss can take is
 * bounded by the sync interval (default 1 s): the first commit or
 * pctl_journal_tick() at least that long after the last fdatasync began
 * starts the next one on the journal's sync thread and returns at once
 * (an fdatasync took 27 ms at a million mappings, too long for a request
 * to wait).  A commit is therefore on disk at most one interval plus the
 * duration of one fdatasync after it returned; while an fdatasync is
 * still running no other starts, so a disk that stalls stretches that
 * window by its stall (the loop looks again every 10 ms), and a failed one
 * is acted on as before (the log is marked broken and rewritten by a
 * snapshot).  With sync_interval_ms 0 the fdatasync runs inside every
 * commit, which is then on disk when it returns.  Compaction's fsyncs and
 * the clean close's are synchronous, as before.  When the log holds more than
 * twice the live set (and at least compact_min_records records) it is
 * compacted: the live set is written to a temporary file, fsynced, renamed over
 * the log, and the directory fsynced, so a crash at any point leaves either the
 * old or the new log, never a mix.  Compaction runs off the request path, a
 * bounded step per pctl_journal_tick() (compact_step_records records; journal.c
 * explains why the result is exact while commits keep coming; meanwhile a
 * commit is written twice, to the log and to the new file); while it runs,
 * and while the replaced log is freed afterwards, pctl_journal_next_deadline()
 * is 0, so the loop ticks again without sleeping.  A stop in the middle
 * drops it (the old log is whole).
 *
 * At start the daemon calls pctl_journal_load() once, after
 * pctl_engine_new(): the live set is rebuilt (last UPSERT wins, REMOVE
 * deletes), mappings whose wall-clock expiry has passed are dropped, the
 * rest re-created in the engine with pctl_engine_restore() (neither
 * journaled again nor sent to the inner backend), and the epoch continues from
 * the stored one plus the wall-clock time elapsed (S-24; S-25 allows continuing
 * only because the state was kept). The caller then calls
 * pctl_engine_reconcile(), which makes the data plane hold exactly the restored
 * set in one pass (the kernel may still hold it from before a kill -9, or hold
 * nothing after a reboot). The file format is described in journal_record.h.
 * A damaged log is read past its bad records, kept aside, and what it lost
 * is taken back from the data plane (pctl_journal_load_result.damaged).
 *
 * The live set is also kept in memory (one encoded record per mapping) so
 * that compaction needs neither the engine nor a re-read of the file.
 *
 * Single-threaded, like the engine, except for that sync thread, which
 * touches nothing but a duplicate of the log's descriptor.
 */
#ifndef PORTCTLD_JOURNAL_H
#define PORTCTLD_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../server/backend.h"
#include "../server/engine.h"

/* The log's file name inside the state directory, and the temporary file
 * compaction writes before renaming it over the log. */
#define PCTL_JOURNAL_FILE     "portctld.journal"
#define PCTL_JOURNAL_TMP_FILE "portctld.journal.tmp"
/* A damaged log is kept aside under this prefix before the load rewrites
 * it (see pctl_journal_load). */
#define PCTL_JOURNAL_DAMAGED_PREFIX "portctld.journal.damaged."
/* Locked (flock) by the journal that has the directory open. */
#define PCTL_JOURNAL_LOCK_FILE "portctld.journal.lock"

struct pctl_journal;

struct pctl_journal_opts {
	/* fdatasync at most once per this many milliseconds (power-loss
	 * window); 0 = after every commit.  Default 1000. */
	uint32_t sync_interval_ms;
	/* Compact only once the log holds at least this many records (and
	 * more than twice the live set).  Default 4096. */
	uint64_t compact_min_records;
	/* Live records a compaction writes per pctl_journal_tick() (the pause
	 * it adds to the loop); 0 = the default, 4096 (about 0.5 MB). */
	uint32_t compact_step_records;
	/* Clocks: monotonic milliseconds (the engine's now_ms clock, used for
	 * the sync interval and for reading the engine's epoch at commit) and
	 * CLOCK_REALTIME seconds (expiry times).  NULL = the system clocks
	 * (CLOCK_MONOTONIC, as portctld's loop uses, and CLOCK_REALTIME). */
	uint64_t (*mono_ms)(void *ctx);
	int64_t (*realtime_s)(void *ctx);
	void *clock_ctx;
	/* The kernel's boot id, to tell a restart of the process (the page
	 * cache kept every write) from a reboot after a crash or power loss
	 * (the last sync interval may be missing).  NULL = read
	 * /proc/sys/kernel/random/boot_id.  At most 64 octets are used. */
	const char *boot_id;
	/* At most this many copies of damaged logs are kept in the state
	 * directory (PCTL_JOURNAL_DAMAGED_PREFIX followed by the UTC time of
	 * the load); the oldest go first.  0 = the default, 4. */
	unsigned damaged_keep;
	/* Where I/O errors and load problems are reported (one line, no
	 * newline); NULL = not reported beyond the return values. */
	void (*log)(void *ctx, const char *msg);
	void *log_ctx;
	/* A lock the caller already holds (pctl_journal_lock(), taken before
	 * anything else was touched: portctld's preflight); once
	 * pctl_journal_open() succeeded the journal owns lock_fd and closes
	 * it (on failure it is still the caller's).  false (the default):
	 * pctl_journal_open() takes the lock itself. */
	bool have_lock;
	int lock_fd;
};

/* Fills opts with the defaults above (system clocks, no log). */
void pctl_journal_opts_defaults(struct pctl_journal_opts *opts);

/* Takes the lock of the journal in directory `dir` (which must exist):
 * flock(2) on PCTL_JOURNAL_LOCK_FILE, created when missing and never
 * followed through a symlink.  The descriptor (close-on-exec), or -errno
 * with a reason in err: -EBUSY when another portctld holds it. */
int pctl_journal_lock(const char *dir, char *err, size_t errlen);

/* Opens the journal in directory `dir` (created with mode 0700 when it does
 * not exist) around `inner`.  On success *out is the decorating backend to
 * give to pctl_engine_new(), *jp the journal handle for load/tick/stats,
 * and the journal owns inner: out->ops->destroy(out->ctx, keep_state)
 * flushes and closes the journal, then destroys inner with the same
 * keep_state.  keep_state false removes the data plane's state, so the log
 * is deleted too (the next start finds no state); true keeps both, and
 * marks the log as closed cleanly (synced: nothing lost, even across a
 * reboot).
 * Nothing is read or written before pctl_journal_load().
 * 0, or -errno with a reason in err (inner is then still the caller's):
 * -EBUSY when another journal (another portctld) holds the directory. */
int pctl_journal_open(const char *dir, const struct pctl_backend *inner,
                      const struct pctl_journal_opts *opts,
                      struct pctl_journal **jp, struct pctl_backend *out,
                      char *err, size_t errlen);

/* What pctl_journal_load() found. */
struct pctl_journal_load_result {
	/* No usable state: no journal file, an empty one, or a file header
	 * that is not a journal of this version.  The daemon must call
	 * pctl_engine_state_lost() (epoch reset, unsolicited ANNOUNCE: S-25,
	 * S-93). */
	bool no_state;
	/* State was kept completely: an intact log with an epoch record,
	 * closed cleanly or written in this same boot.  The epoch has been
	 * set to continue.  When false (no_state, a corrupt or truncated log
	 * whose good prefix was restored, or a log left by a crash before a
	 * reboot, which may lack its last sync interval), state may have been
	 * lost, and the daemon must call pctl_engine_state_lost(): the
	 * restored mappings stay, the epoch resets and clients are told
	 * (S-93: "possible state loss"). */
	bool state_kept;
	bool clean_shutdown; /* the log ends with a clean close */
	bool same_boot;      /* written during this boot of the machine */
	/* The log is corrupt or truncated at corrupt_offset; only records
	 * before it were used.  message says where and what. */
	bool corrupt;
	uint64_t corrupt_offset;
	/* The log was damaged, not merely cut short: a bad file header on a
	 * non-empty file, or a bad record (CRC, length, type) that is not an
	 * unfinished last write.  Replay resynchronised past each bad stretch
	 * (the next offset where a plausible header and its CRC line up) and
	 * went on; the file was kept aside (damaged_path) before being
	 * rewritten; and the data plane's own mappings that the log lost were
	 * adopted (adopted).  corrupt is set too.  A log that merely ends in
	 * an unfinished record (a crash in the middle of a write) is corrupt
	 * but not damaged: its complete records are all used. */
	bool damaged;
	size_t skipped;         /* bad stretches passed over */
	uint64_t skipped_bytes; /* octets in them */
	char damaged_path[320]; /* where the damaged log went; "" = nowhere */
	size_t records;         /* valid records read */
	size_t restored;        /* mappings re-created in the engine */
	size_t expired; /* dropped: wall-clock expiry passed while down */
	size_t failed;  /* refused by pctl_engine_restore() (logged) */
	/* Damaged log only: mappings the data plane held that no record
	 * restored, taken into the engine with their kernel timeout and an
	 * unknown nonce (pctl_mapping_info.nonce_unknown).  Needs the inner
	 * backend's dump op; 0 without it. */
	size_t adopted;
	uint32_t epoch;    /* epoch set in the engine when state_kept */
	char message[640]; /* human-readable summary, always set */
};

/* Loads the journal into engine e (whose backend must be the one
 * pctl_journal_open() returned), then rewrites the log as a snapshot of the
 * restored mappings (their ids are new) and opens it for appending.  A
 * damaged log (res->damaged) is first kept aside, and the inner data
 * plane's mappings it lost are adopted into e (journal_adopt.h), so that the
 * start-up reconcile keeps them.  From then on the journal also watches e's
 * epoch so that a reset (state_lost,
 * external address change) is recorded.  Call once, before the engine
 * handles any request.  now_ms is the engine's clock, now_realtime
 * CLOCK_REALTIME seconds.  Returns 0 (see res for what was found, including
 * corruption, which is not an error), -EALREADY when called twice, -ENOMEM,
 * or -errno when the file cannot be read or the snapshot cannot be written
 * (the engine may then hold restored mappings that are not journaled; the
 * daemon should stop). */
int pctl_journal_load(struct pctl_journal *j, struct pctl_engine *e,
                      uint64_t now_ms, int64_t now_realtime,
                      struct pctl_journal_load_result *res);

/* What pctl_journal_load() does with the log's contents, on the image
 * buf[0..len) held in memory instead of the file, through the same replay,
 * resynchronisation, restore and adoption: e ends up holding what a load of
 * a file with these bytes would restore, and res says the same (except
 * damaged_path, always "": nothing is kept aside).  Nothing is read or
 * written, and the journal stays unloaded: it records nothing afterwards
 * and its destroy leaves the directory as it was.  For checking the
 * loader (the fuzz target fuzz_journal_load); a daemon uses
 * pctl_journal_load().  Call instead of it, once: -EALREADY after either. */
int pctl_journal_replay(struct pctl_journal *j, struct pctl_engine *e,
                        const uint8_t *buf, size_t len, uint64_t now_ms,
                        int64_t now_realtime,
                        struct pctl_journal_load_result *res);

/* Housekeeping; call from the event loop at least at
 * pctl_journal_next_deadline(), and right after any call that may reset the
 * engine's epoch (pctl_engine_state_lost, pctl_engine_set_external): runs
 * the deferred fdatasync, records an epoch change, starts a due compaction
 * or runs its next step (and finishes it), and retries a snapshot after a
 * failed write.  Uses the clocks of the options.  Without ticks the log is
 * never compacted. */
void pctl_journal_tick(struct pctl_journal *j);

/* When pctl_journal_tick() has work to do (monotonic ms of the options'
 * clock): 0 while a compaction is due or under way, or the log it replaced
 * is being freed (tick again without sleeping; after a failed compaction,
 * the next attempt a second later),
 * the deferred fdatasync, or the next snapshot attempt (once a second)
 * after a failed write; UINT64_MAX when there is none.  An epoch change has
 * no deadline: tick after the calls that may make one (above), or simply at
 * every loop iteration (it costs two clock reads). */
uint64_t pctl_journal_next_deadline(const struct pctl_journal *j);

/* Compacts now, all at once (finishing one under way).  0 or -errno (the
 * old log is then kept). */
int pctl_journal_compact(struct pctl_journal *j);

struct pctl_journal_stats {
	uint64_t live;         /* mappings in the live set */
	uint64_t log_records;  /* records in the log file */
	uint64_t log_bytes;    /* size of the log file */
	uint64_t appends;      /* commits written */
	uint64_t syncs;        /* fdatasync calls */
	uint64_t compactions;  /* snapshots written (load included) */
	uint64_t write_errors; /* failed writes or syncs */
	/* The compaction under way: 1 while one runs, and the records and
	 * bytes its new log holds so far (0 when none runs). */
	uint64_t compacting;
	uint64_t compact_records;
	uint64_t compact_bytes;
	uint64_t compact_abandoned; /* given up (write error, stop) */
};

void pctl_journal_get_stats(const struct pctl_journal *j,
                            struct pctl_journal_stats *out);

#endif

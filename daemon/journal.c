/*
 * The state journal: a backend decorator that appends committed mapping
 * changes to a log and restores them at start (journal.h explains the
 * design, journal_record.h the file format).
 *
 * Compaction off the request path.  Rewriting a million live records takes
 * about a second, too long to stall requests for.  So a compaction that
 * falls due is spread over ticks:
 *   start  open the temporary file, write the file header, the EPOCH and
 *          BOOT records;
 *   step   walk the next slots of the live set's hash and write the record
 *          each holds NOW, at most compact_step_records of them;
 *   finish flush, fsync, rename over the log, fsync the directory, switch;
 *          the old log's blocks are then freed a chunk per tick (ftruncate
 *          of the unlinked file, 8 MB), not all at once by close(2).
 * Meanwhile every write to the log (commits, epoch changes) is also
 * appended to the new file, in the same order.  Replay is "last UPSERT
 * wins, REMOVE deletes", and each record of the new file was true when it
 * was written, so the new file replays to the live set at any point: a
 * mapping changed after the start has its change written after its
 * snapshot record or has no snapshot record (removed, or created since);
 * one left alone has its snapshot record, because the walk reaches it:
 * the hash moves a mapping nobody touches only when it grows (then the walk
 * starts over; records written twice are harmless) or when a delete shifts
 * the rest of its probe run back (then the shifted mappings that landed
 * behind the walk are written at the end of the commit,
 * compact_after_del).  The old log
 * stays authoritative until the rename, so a crash at any point replays to
 * the committed state; an error on the new file abandons it (unlinked,
 * counted, retried a second later) and leaves the old log as it was.
 * Writeback of each step is started right away (sync_file_range) so that
 * the final fsync has little left.
 */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "journal_adopt.h"
#include "journal_aside.h"
#include "journal_map.h"
#include "journal_record.h"

/* Commits are staged here and written with one write(2); sized for the
 * largest record, so a record always fits an empty buffer. */
#define WBUF_LEN (4 * PCTLD_JR_MAX_RECORD)
/* A compaction step writes through this buffer: a few hundred records per
 * write(2). */
#define CBUF_LEN (64 * 1024)
/* Live records per compaction step when the options say 0. */
#define DEFAULT_STEP_RECORDS 4096
/* Damaged logs kept aside when the options say 0. */
#define DEFAULT_DAMAGED_KEEP 4

/* A change queued by create/refresh/remove, applied at commit. */
struct pending {
	uint64_t id;
	uint8_t *rec; /* encoded UPSERT, or NULL for a REMOVE */
	size_t len;
};

struct pctl_journal {
	struct pctl_backend inner;
	struct pctl_backend_ops ops; /* ours; optional ops only if inner's */
	struct pctl_journal_opts opts;
	char *dir, *path, *tmp_path;
	int fd;       /* the log, open for appending; -1 before load */
	int lock_fd;  /* holds the directory's lock for our life */
	bool loading; /* restoring: forward, do not journal */
	bool loaded;
	bool replayed;     /* pctl_journal_replay() ran instead of a load */
	bool broken;       /* a write failed: the log lags the live set */
	uint64_t retry_ms; /* when broken: next snapshot attempt */
	bool dirty;        /* written since the last fdatasync began */
	uint64_t last_sync_ms;
	/* The periodic fdatasync's thread (sync_start): it owns nothing but
	 * a duplicate of the log's descriptor, handed over under mu. */
	struct {
		pthread_t thread;
		pthread_mutex_t mu;
		pthread_cond_t cv;
		bool started;
		pid_t pid; /* the process the thread runs in */
		bool stop;
		int fd;     /* to sync; -1 when none is queued or running */
		bool done;  /* a finished sync's result not yet collected */
		int result; /* 0 or -errno */
	} sync;
	struct pctl_engine *engine; /* whose epoch is recorded */
	bool have_epoch;
	char boot_id[PCTLD_JR_MAX_BOOT_ID]; /* this boot's; boot_len 0 =
	                                       unknown */
	size_t boot_len;
	int64_t epoch_start; /* wall-clock second at which the epoch was 0 */

	struct pctld_jmap live;
	struct pending *pend;
	size_t n_pend, cap_pend, n_pend_upserts;

	uint64_t log_size;
	struct pctl_journal_stats st;
	size_t wlen, wrecs; /* bytes and records staged in wbuf */
	uint8_t wbuf[WBUF_LEN];

	/* The compaction under way (file comment); fd -1 when none. */
	struct {
		int fd;
		uint64_t size, records; /* written to the new file */
		/* The walk: slots [0, scan) of the table are written, while
		 * it has cap slots (it only ever changes size by growing,
		 * journal_map.c, and a new size means a new table). */
		size_t cap, scan;
		/* Mappings a remove shifted behind the walk (this commit). */
		uint64_t *shifted;
		size_t n_shifted, cap_shifted;
		uint64_t retry_ms; /* no new start before, after a failure */
		uint64_t flushed;  /* writeback started up to here */
		size_t len, recs;  /* staged in buf */
		uint8_t buf[CBUF_LEN];
	} c;
	/* The log a compaction replaced, unlinked, freed a chunk per tick. */
	int old_fd;
	uint64_t old_size;
};

/* ---- clocks and reporting ----------------------------------------------- */

static uint64_t sys_mono_ms(void *ctx)
{
	struct timespec ts;
	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int64_t sys_realtime_s(void *ctx)
{
	struct timespec ts;
	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

static uint64_t mono_now(const struct pctl_journal *j)
{
	return j->opts.mono_ms(j->opts.clock_ctx);
}

static int64_t real_now(const struct pctl_journal *j)
{
	return j->opts.realtime_s(j->opts.clock_ctx);
}

__attribute__((format(printf, 2, 3))) static void
jlog(const struct pctl_journal *j, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!j->opts.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	j->opts.log(j->opts.log_ctx, msg);
}

void pctl_journal_opts_defaults(struct pctl_journal_opts *opts)
{
	*opts = (struct pctl_journal_opts){
	    .sync_interval_ms = 1000,
	    .compact_min_records = 4096,
	    .compact_step_records = DEFAULT_STEP_RECORDS,
	    .damaged_keep = DEFAULT_DAMAGED_KEEP,
	};
}

/* ---- writing ------------------------------------------------------------- */

/* A failing disk is retried once a second, not in a busy loop. */
#define RETRY_MS 1000

static bool compact_abandon(struct pctl_journal *j);

/* A broken log is no longer appended to, so a compaction under way would
 * miss the commits from here on: it is given up, and the retry writes the
 * whole snapshot at once. */
static void mark_broken(struct pctl_journal *j)
{
	if (compact_abandon(j))
		j->st.compact_abandoned++;
	j->broken = true;
	j->retry_ms = mono_now(j) + RETRY_MS;
}

static void compact_mirror(struct pctl_journal *j, const uint8_t *buf,
                           size_t len, size_t recs);

static int pwrite_all(int fd, const uint8_t *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n =
		    pwrite(fd, buf + done, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	return 0;
}

/* Writes the staged buffer at the end of the log (and of a compaction's
 * new file).  On failure the log is cut back to its last complete record,
 * so that a torn write cannot hide the records appended after it; the
 * journal is marked broken and the next tick rewrites it from the live
 * set. */
static int flush_wbuf(struct pctl_journal *j)
{
	int rc = pwrite_all(j->fd, j->wbuf, j->wlen, j->log_size);

	if (rc) {
		if (ftruncate(j->fd, (off_t)j->log_size))
			jlog(j, "journal %s: cannot cut back a torn write: %s",
			     j->path, strerror(errno));
		j->st.write_errors++;
		mark_broken(j);
		jlog(j, "journal %s: write failed: %s", j->path, strerror(-rc));
	} else {
		j->log_size += j->wlen;
		j->st.log_records += j->wrecs;
		j->dirty = true;
		compact_mirror(j, j->wbuf, j->wlen, j->wrecs);
	}
	j->wlen = 0;
	j->wrecs = 0;
	return rc;
}

/* Stages one record for the log. */
static int stage(struct pctl_journal *j, const uint8_t *rec, size_t len)
{
	if (j->wlen + len > sizeof(j->wbuf)) {
		int rc = flush_wbuf(j);
		if (rc)
			return rc;
	}
	memcpy(j->wbuf + j->wlen, rec, len);
	j->wlen += len;
	j->wrecs++;
	return 0;
}

static int sync_now(struct pctl_journal *j)
{
	j->last_sync_ms = mono_now(j);
	j->st.syncs++;
	if (fdatasync(j->fd)) {
		int rc = -errno;
		/* After a failed sync the page cache may have dropped what it
		 * could not write: only a fresh snapshot is trustworthy. */
		j->st.write_errors++;
		mark_broken(j);
		jlog(j, "journal %s: fdatasync: %s", j->path, strerror(-rc));
		return rc;
	}
	j->dirty = false;
	return 0;
}

/* ---- the periodic fdatasync, off the request path ------------------------
 * fdatasync of a big log took 27 ms at a million mappings, inside whichever
 * commit fell due.  With sync_interval_ms > 0 it now runs on a thread of
 * its own: the commit or tick that finds it due hands a duplicate of the
 * log's descriptor over and returns; the next commit or tick collects the
 * result (a failure marks the log broken, as before, so that a snapshot
 * replaces it).  One sync at a time: while one runs, none is started, and
 * the loop looks again every SYNC_POLL_MS.  The journal's state is touched
 * by the caller's thread only. */
#define SYNC_POLL_MS 10

static void *sync_main(void *arg)
{
	struct pctl_journal *j = arg;

	pthread_mutex_lock(&j->sync.mu);
	for (;;) {
		while (!j->sync.stop && (j->sync.fd < 0 || j->sync.done))
			pthread_cond_wait(&j->sync.cv, &j->sync.mu);
		if (j->sync.fd < 0 || j->sync.done)
			break; /* stop, nothing queued */
		int fd = j->sync.fd;
		pthread_mutex_unlock(&j->sync.mu);
		int rc = fdatasync(fd) ? -errno : 0;
		close(fd);
		pthread_mutex_lock(&j->sync.mu);
		j->sync.fd = -1;
		j->sync.result = rc;
		j->sync.done = true;
	}
	pthread_mutex_unlock(&j->sync.mu);
	return NULL;
}

/* After a fork the thread stayed in the parent: the child starts afresh
 * (a descriptor queued for it is the parent's business). */
static void sync_after_fork(struct pctl_journal *j)
{
	if (j->sync.started && j->sync.pid != getpid()) {
		j->sync.started = false;
		j->sync.fd = -1;
		j->sync.done = false;
	}
}

/* Is a sync queued or running? */
static bool sync_busy(struct pctl_journal *j)
{
	sync_after_fork(j);
	if (!j->sync.started)
		return false;
	pthread_mutex_lock(&j->sync.mu);
	bool busy = j->sync.fd >= 0;
	pthread_mutex_unlock(&j->sync.mu);
	return busy;
}

/* Takes a finished sync's result: a failure marks the log broken. */
static void sync_collect(struct pctl_journal *j)
{
	sync_after_fork(j);
	if (!j->sync.started)
		return;
	pthread_mutex_lock(&j->sync.mu);
	bool done = j->sync.done;
	int rc = j->sync.result;
	j->sync.done = false;
	pthread_mutex_unlock(&j->sync.mu);
	if (done && rc) {
		j->st.write_errors++;
		mark_broken(j);
		jlog(j, "journal %s: fdatasync: %s", j->path, strerror(-rc));
	}
}

/* Waits for a sync under way and ends the thread (before the log is
 * closed, synced at once or freed). */
static void sync_stop(struct pctl_journal *j)
{
	sync_after_fork(j);
	if (!j->sync.started)
		return;
	pthread_mutex_lock(&j->sync.mu);
	j->sync.stop = true;
	pthread_cond_signal(&j->sync.cv);
	pthread_mutex_unlock(&j->sync.mu);
	pthread_join(j->sync.thread, NULL);
	j->sync.started = false;
	j->sync.stop = false;
	pthread_cond_destroy(&j->sync.cv);
	pthread_mutex_destroy(&j->sync.mu);
	if (j->sync.fd >= 0) /* queued, never run */
		close(j->sync.fd);
	j->sync.fd = -1;
	j->sync.done = false;
}

static bool sync_thread_ready(struct pctl_journal *j)
{
	if (j->sync.started)
		return true;
	if (pthread_mutex_init(&j->sync.mu, NULL))
		return false;
	if (pthread_cond_init(&j->sync.cv, NULL)) {
		pthread_mutex_destroy(&j->sync.mu);
		return false;
	}
	j->sync.fd = -1;
	j->sync.done = false;
	j->sync.stop = false;
	if (pthread_create(&j->sync.thread, NULL, sync_main, j)) {
		pthread_cond_destroy(&j->sync.cv);
		pthread_mutex_destroy(&j->sync.mu);
		return false;
	}
	j->sync.started = true;
	j->sync.pid = getpid();
	return true;
}

/* The due fdatasync: in the caller with sync_interval_ms 0 (every commit
 * durable when it returns, as asked), else handed to the thread (at once
 * when no thread or descriptor can be had). */
static void sync_start(struct pctl_journal *j)
{
	if (j->opts.sync_interval_ms == 0) {
		sync_now(j);
		return;
	}
	if (sync_busy(j))
		return; /* one at a time: the next tick or commit */
	int fd = sync_thread_ready(j) ? fcntl(j->fd, F_DUPFD_CLOEXEC, 0) : -1;
	if (fd < 0) {
		sync_now(j);
		return;
	}
	j->last_sync_ms = mono_now(j);
	j->st.syncs++;
	j->dirty = false; /* what was written so far is in this sync */
	pthread_mutex_lock(&j->sync.mu);
	j->sync.fd = fd;
	pthread_cond_signal(&j->sync.cv);
	pthread_mutex_unlock(&j->sync.mu);
}

static bool sync_due(const struct pctl_journal *j)
{
	return j->dirty &&
	       (j->opts.sync_interval_ms == 0 ||
	        mono_now(j) - j->last_sync_ms >= j->opts.sync_interval_ms);
}

/* The engine's epoch, re-read at each commit and tick: when its start moved
 * (a reset by state_lost or an address change, S-25, S-26) an EPOCH record
 * follows.  One second of slack absorbs the rounding of whole seconds. */
static bool epoch_moved(struct pctl_journal *j, uint32_t *epoch, int64_t *rt)
{
	if (!j->engine)
		return false;
	*rt = real_now(j);
	*epoch = pctl_engine_epoch(j->engine, mono_now(j));
	int64_t start = *rt - (int64_t)*epoch;
	if (j->have_epoch && llabs(start - j->epoch_start) <= 1)
		return false;
	j->have_epoch = true;
	j->epoch_start = start;
	return true;
}

static int stage_epoch(struct pctl_journal *j, uint32_t epoch, int64_t rt)
{
	uint8_t rec[PCTLD_JR_HDR_LEN + PCTLD_JR_EPOCH_LEN];
	return stage(j, rec, pctld_jr_encode_epoch(epoch, rt, rec));
}

static bool compaction_due(const struct pctl_journal *j)
{
	return j->st.log_records >= j->opts.compact_min_records &&
	       j->st.log_records > 2 * (uint64_t)j->live.n;
}

/* ---- compaction (file comment) ------------------------------------------- */

/* Writes the staged part of the new file.  0 or -errno. */
static int compact_flush(struct pctl_journal *j)
{
	int rc = pwrite_all(j->c.fd, j->c.buf, j->c.len, j->c.size);

	if (rc)
		return rc;
	j->c.size += j->c.len;
	j->c.records += j->c.recs;
	j->c.len = 0;
	j->c.recs = 0;
	return 0;
}

static int compact_stage(struct pctl_journal *j, const uint8_t *rec, size_t len)
{
	if (j->c.len + len > sizeof(j->c.buf)) {
		int rc = compact_flush(j);
		if (rc)
			return rc;
	}
	memcpy(j->c.buf + j->c.len, rec, len);
	j->c.len += len;
	j->c.recs++;
	return 0;
}

/* Drops the compaction under way, if any: the temporary file goes, the old
 * log stays as it is.  Whether there was one. */
static bool compact_abandon(struct pctl_journal *j)
{
	if (j->c.fd < 0)
		return false;
	close(j->c.fd);
	if (unlink(j->tmp_path) && errno != ENOENT)
		jlog(j, "journal %s: cannot remove: %s", j->tmp_path,
		     strerror(errno));
	j->c.fd = -1;
	j->c.size = j->c.records = j->c.flushed = 0;
	j->c.len = j->c.recs = 0;
	return true;
}

/* A write to the new file failed: it is abandoned, and tried again from
 * the start a second later. */
static void compact_failed(struct pctl_journal *j, int rc)
{
	compact_abandon(j);
	j->st.compact_abandoned++;
	j->st.write_errors++;
	j->c.retry_ms = mono_now(j) + RETRY_MS;
	jlog(j, "journal %s: compaction failed, old log kept: %s", j->path,
	     strerror(-rc));
}

/* What was just appended to the log goes to the new file too (file
 * comment). */
static void compact_mirror(struct pctl_journal *j, const uint8_t *buf,
                           size_t len, size_t recs)
{
	if (j->c.fd < 0)
		return;
	/* Steps leave nothing staged: the new file is in log order. */
	int rc = pwrite_all(j->c.fd, buf, len, j->c.size);
	if (rc) {
		compact_failed(j, rc);
		return;
	}
	j->c.size += len;
	j->c.records += recs;
}

/* Opens the new file with its header, EPOCH and BOOT records.  0 or
 * -errno (nothing left behind). */
static int compact_start(struct pctl_journal *j)
{
	uint8_t hdr[PCTLD_JR_FILE_HDR_LEN];
	int fd =
	    open(j->tmp_path,
	         O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		return -errno;
	j->c.fd = fd;
	j->c.cap = j->live.cap;
	j->c.scan = 0;
	j->c.size = j->c.records = j->c.flushed = 0;
	pctld_jr_file_header(hdr);
	memcpy(j->c.buf, hdr, sizeof(hdr));
	j->c.len = sizeof(hdr);
	j->c.recs = 0;
	if (j->have_epoch) {
		/* The epoch the start time implies now, so a reader needs no
		 * other record to continue it. */
		uint8_t rec[PCTLD_JR_HDR_LEN + PCTLD_JR_EPOCH_LEN];
		int64_t rt = real_now(j);
		int64_t ep = rt - j->epoch_start;
		compact_stage(
		    j, rec,
		    pctld_jr_encode_epoch(ep < 0 ? 0 : (uint32_t)ep, rt, rec));
	}
	if (j->boot_len) {
		uint8_t boot[PCTLD_JR_HDR_LEN + PCTLD_JR_MAX_BOOT_ID];
		compact_stage(
		    j, boot,
		    pctld_jr_encode_boot(j->boot_id, j->boot_len, boot));
	}
	return 0;
}

/* The walk is done: every slot of the current table was visited. */
static bool compact_walked(const struct pctl_journal *j)
{
	return !pctld_jmap_resizing(&j->live) && j->c.cap == j->live.cap &&
	       j->c.scan == j->c.cap;
}

/* Walks on and writes the records of at most `max` mappings (visiting at
 * most 4 * max slots: the table is at most half full), then starts their
 * writeback.  0 or -errno. */
static int compact_step(struct pctl_journal *j, size_t max)
{
	size_t written = 0, visits = max > SIZE_MAX / 4 ? SIZE_MAX : 4 * max;
	int rc = 0;

	/* While the live set resizes (journal_map.h) its entries are in two
	 * arrays and move: the walk waits, and the step's visits go to moving
	 * them instead, so that the resize ends soon. */
	if (pctld_jmap_resizing(&j->live)) {
		pctld_jmap_step(&j->live, visits);
		if (pctld_jmap_resizing(&j->live))
			visits = 0;
	}
	if (j->c.cap != j->live.cap) {
		/* The table grew: every mapping moved.  Start over. */
		j->c.cap = j->live.cap;
		j->c.scan = 0;
	}
	for (; !rc && visits && written < max && j->c.scan < j->c.cap;
	     visits--) {
		const struct pctld_jmap_slot *s = &j->live.slots[j->c.scan++];
		if (s->rec) {
			rc = compact_stage(j, s->rec, s->len);
			written++;
		}
	}
	if (!rc)
		rc = compact_flush(j);
	if (!rc && j->c.size > j->c.flushed) {
		/* Only a hint: the fsync at the finish is what counts. */
		(void)sync_file_range(j->c.fd, (off_t)j->c.flushed,
		                      (off_t)(j->c.size - j->c.flushed),
		                      SYNC_FILE_RANGE_WRITE);
		j->c.flushed = j->c.size;
	}
	return rc;
}

/* Where id sits in the live set, for compact_after_del(); SIZE_MAX when
 * no walk can be affected. */
static size_t compact_before_del(const struct pctl_journal *j, uint64_t id)
{
	if (j->c.fd < 0 || j->c.cap != j->live.cap ||
	    pctld_jmap_resizing(&j->live))
		return SIZE_MAX; /* the walk starts over anyway */
	const struct pctld_jmap_slot *s = pctld_jmap_get(&j->live, id);
	return s ? (size_t)(s - j->live.slots) : SIZE_MAX;
}

/* The delete at slot `hole` shifted the rest of its probe run back
 * (journal_map.c): the mappings of that run now behind the walk may have
 * come from ahead of it, and the walk would miss them.  Their ids are
 * noted here and their records written by compact_write_shifted() once
 * the whole commit is applied (a later entry of the same commit may change
 * one of them).  Those that were behind already are written twice:
 * harmless.  The run is short: the table is at most half full. */
static void compact_after_del(struct pctl_journal *j, size_t hole)
{
	if (hole == SIZE_MAX || j->c.fd < 0)
		return;
	size_t mask = j->live.cap - 1;
	for (size_t k = hole, n = 0; n < j->live.cap && j->live.slots[k].rec;
	     k = (k + 1) & mask, n++) {
		if (k >= j->c.scan)
			continue;
		if (j->c.n_shifted == j->c.cap_shifted) {
			size_t cap =
			    j->c.cap_shifted ? 2 * j->c.cap_shifted : 16;
			uint64_t *ids =
			    realloc(j->c.shifted, cap * sizeof(*ids));
			if (!ids) {
				compact_failed(j, -ENOMEM);
				return;
			}
			j->c.shifted = ids;
			j->c.cap_shifted = cap;
		}
		j->c.shifted[j->c.n_shifted++] = j->live.slots[k].id;
	}
}

/* Writes the current record of each mapping compact_after_del() noted. */
static void compact_write_shifted(struct pctl_journal *j)
{
	int rc = 0;

	for (size_t i = 0; !rc && j->c.fd >= 0 && i < j->c.n_shifted; i++) {
		const struct pctld_jmap_slot *s =
		    pctld_jmap_get(&j->live, j->c.shifted[i]);
		if (s)
			rc = compact_stage(j, s->rec, s->len);
	}
	j->c.n_shifted = 0;
	if (!rc && j->c.fd >= 0)
		rc = compact_flush(j);
	if (rc)
		compact_failed(j, rc);
}

/* Frees the replaced log's blocks a chunk per tick: closing it at once
 * would free them all inside one tick (tens of ms for a million
 * mappings). */
#define RELEASE_CHUNK (8u << 20)
/* A log this small is closed at once, in the finish. */
#define RELEASE_AT_ONCE (1u << 20)

static void release_old_log(struct pctl_journal *j, bool all)
{
	if (j->old_fd < 0)
		return;
	j->old_size = all || j->old_size < RELEASE_CHUNK
	                  ? 0
	                  : j->old_size - RELEASE_CHUNK;
	if (j->old_size && !ftruncate(j->old_fd, (off_t)j->old_size))
		return;
	close(j->old_fd);
	j->old_fd = -1;
}

/* fsync, rename over the log, fsync of the directory; the new file becomes
 * the log.  0 or -errno (then the old log is still the log). */
static int compact_finish(struct pctl_journal *j)
{
	int rc = compact_flush(j);

	if (rc)
		return rc;
	if (fsync(j->c.fd))
		return -errno;
	if (rename(j->tmp_path, j->path))
		return -errno;
	/* Without this the rename itself may not survive a power loss. */
	if ((rc = pctld_fsync_dir(j->dir)))
		jlog(j, "journal %s: fsync of the directory: %s", j->dir,
		     strerror(-rc));
	release_old_log(j, true); /* a previous one, if still there */
	j->old_fd = j->fd;
	j->old_size = j->log_size;
	if (j->old_size <= RELEASE_AT_ONCE)
		release_old_log(j, true);
	j->fd = j->c.fd;
	j->log_size = j->c.size;
	j->st.log_records = j->c.records;
	j->c.fd = -1;
	j->c.size = j->c.records = j->c.flushed = 0;
	j->broken = false;
	j->dirty = false;
	j->last_sync_ms = mono_now(j);
	j->st.compactions++;
	return 0;
}

static size_t step_records(const struct pctl_journal *j)
{
	return j->opts.compact_step_records ? j->opts.compact_step_records
	                                    : DEFAULT_STEP_RECORDS;
}

/* One tick's share: starts a due compaction, writes one step, and finishes
 * when the last id is written. */
static void compact_tick(struct pctl_journal *j)
{
	int rc = 0;

	if (j->c.fd < 0)
		rc = compact_start(j);
	if (!rc)
		rc = compact_step(j, step_records(j));
	if (!rc && compact_walked(j))
		rc = compact_finish(j);
	if (rc)
		compact_failed(j, rc);
}

/* Writes the whole snapshot at once (at load, after a failed write, and
 * when asked), finishing a compaction under way.  On failure the old log
 * (if any) stays the log. */
static int write_snapshot(struct pctl_journal *j)
{
	int rc = 0;

	if (j->c.fd < 0)
		rc = compact_start(j);
	if (!rc)
		rc = compact_step(j, SIZE_MAX);
	if (!rc)
		rc = compact_finish(j);
	if (!rc)
		return 0;
	compact_abandon(j);
	j->st.write_errors++;
	/* A log that is still whole keeps being appended to; without one
	 * (broken, or none yet) the snapshot is retried once a second. */
	if (j->broken || j->fd < 0)
		mark_broken(j);
	else
		j->c.retry_ms = mono_now(j) + RETRY_MS;
	jlog(j, "journal %s: snapshot failed: %s", j->path, strerror(-rc));
	return rc;
}

int pctl_journal_compact(struct pctl_journal *j)
{
	if (!j->loaded)
		return -EINVAL;
	return write_snapshot(j);
}

/* ---- the decorated backend ----------------------------------------------- */

static void drop_pending(struct pctl_journal *j)
{
	for (size_t i = 0; i < j->n_pend; i++)
		free(j->pend[i].rec);
	j->n_pend = 0;
	j->n_pend_upserts = 0;
}

/* Reserves a queue entry, and for an UPSERT room in the live set, before
 * the inner backend is asked: after a successful inner commit, applying
 * the queue must not fail. */
static int reserve_pending(struct pctl_journal *j, bool upsert)
{
	if (j->n_pend == j->cap_pend) {
		size_t cap = j->cap_pend ? 2 * j->cap_pend : 8;
		struct pending *p = realloc(j->pend, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		j->pend = p;
		j->cap_pend = cap;
	}
	if (upsert)
		return pctld_jmap_reserve(&j->live,
		                          j->live.n + j->n_pend_upserts + 1);
	return 0;
}

/* Absolute wall-clock expiry of a lifetime in seconds from now. */
static int64_t expiry_of(const struct pctl_journal *j,
                         const struct pctl_dp_mapping *m)
{
	if (m->kind == PCTL_MK_STATIC || m->lifetime == PCTL_LIFETIME_STATIC)
		return PCTLD_JR_NEVER;
	return real_now(j) + (int64_t)m->lifetime;
}

typedef int (*dp_op)(void *ctx, const struct pctl_dp_mapping *m);

static int queue_upsert(struct pctl_journal *j, const struct pctl_dp_mapping *m,
                        dp_op op)
{
	/* Restoring: the engine only is rebuilt; the daemon's reconcile then
	 * installs the whole set in the data plane at once. */
	if (j->loading)
		return 0;

	uint8_t tmp[PCTLD_JR_MAX_RECORD];
	size_t len =
	    pctld_jr_encode_upsert(m, expiry_of(j, m), tmp, sizeof(tmp));
	if (!len)
		return -EINVAL;
	int rc = reserve_pending(j, true);
	if (rc)
		return rc;
	uint8_t *rec = malloc(len);
	if (!rec)
		return -ENOMEM;
	memcpy(rec, tmp, len);
	rc = op(j->inner.ctx, m);
	if (rc) {
		free(rec);
		return rc;
	}
	j->pend[j->n_pend++] = (struct pending){m->id, rec, len};
	j->n_pend_upserts++;
	return 0;
}

static int jr_create(void *ctx, const struct pctl_dp_mapping *m)
{
	struct pctl_journal *j = ctx;
	return queue_upsert(j, m, j->inner.ops->create);
}

static int jr_refresh(void *ctx, const struct pctl_dp_mapping *m)
{
	struct pctl_journal *j = ctx;
	return queue_upsert(j, m, j->inner.ops->refresh);
}

static int jr_remove(void *ctx, const struct pctl_dp_mapping *m)
{
	struct pctl_journal *j = ctx;
	if (j->loading)
		return 0;
	int rc = reserve_pending(j, false);
	if (rc)
		return rc;
	rc = j->inner.ops->remove(j->inner.ctx, m);
	if (rc)
		return rc;
	j->pend[j->n_pend++] = (struct pending){m->id, NULL, 0};
	return 0;
}

/* Stages the queue (after an EPOCH record when the epoch moved) and writes
 * it.  0, or -errno when the log is now broken. */
static int append_pending(struct pctl_journal *j)
{
	uint32_t epoch;
	int64_t rt;
	int rc = 0;

	if (epoch_moved(j, &epoch, &rt))
		rc = stage_epoch(j, epoch, rt);
	for (size_t i = 0; !rc && i < j->n_pend; i++) {
		const struct pending *p = &j->pend[i];
		uint8_t rm[PCTLD_JR_HDR_LEN + PCTLD_JR_REMOVE_LEN];
		rc = p->rec ? stage(j, p->rec, p->len)
		            : stage(j, rm, pctld_jr_encode_remove(p->id, rm));
	}
	if (!rc && j->wlen)
		rc = flush_wbuf(j);
	j->wlen = 0;
	j->wrecs = 0;
	return rc;
}

static int jr_commit(void *ctx)
{
	struct pctl_journal *j = ctx;
	if (j->loading)
		return 0; /* nothing was queued: see queue_upsert */
	int rc = j->inner.ops->commit(j->inner.ctx);

	if (rc) {
		/* The inner backend applied nothing (its contract): neither
		 * does the journal (S-15). */
		drop_pending(j);
		return rc;
	}
	/* The data plane holds the change now; whatever happens to the file,
	 * the commit succeeded.  A failed write marks the log broken and the
	 * live set (always updated) is rewritten by the next tick. */
	bool logging = j->fd >= 0 && !j->broken;
	if (logging && j->n_pend && !append_pending(j))
		j->st.appends++;
	/* Apply to the live set, where room was reserved when queued.  Records
	 * move from the queue into the set (after they were staged: a later
	 * entry for the same id frees an earlier one). */
	for (size_t i = 0; i < j->n_pend; i++) {
		struct pending *p = &j->pend[i];
		if (p->rec) {
			free(pctld_jmap_put(&j->live, p->id, p->rec, p->len));
			p->rec = NULL;
		} else {
			size_t hole = compact_before_del(j, p->id);
			free(pctld_jmap_del(&j->live, p->id));
			compact_after_del(j, hole);
		}
	}
	compact_write_shifted(j);
	drop_pending(j);
	sync_collect(j);
	if (j->fd < 0 || j->broken)
		return 0;
	/* A due compaction is left to the next tick (file comment). */
	if (sync_due(j))
		sync_start(j);
	return 0;
}

static void jr_abort(void *ctx)
{
	struct pctl_journal *j = ctx;
	j->inner.ops->abort(j->inner.ctx);
	drop_pending(j);
}

static int jr_reconcile(void *ctx, const struct pctl_dp_mapping *const *maps,
                        size_t n)
{
	struct pctl_journal *j = ctx;
	return j->inner.ops->reconcile(j->inner.ctx, maps, n);
}

static int jr_lookup_flow(void *ctx, uint8_t protocol,
                          const pctl_addr *int_addr, uint16_t int_port,
                          const pctl_addr *remote_addr, uint16_t remote_port,
                          struct pctl_dp_flow *out)
{
	struct pctl_journal *j = ctx;
	return j->inner.ops->lookup_flow(j->inner.ctx, protocol, int_addr,
	                                 int_port, remote_addr, remote_port,
	                                 out);
}

/* S-52: the journal records nothing about traffic; the inner data plane
 * answers. */
static int jr_idle_left(void *ctx, const struct pctl_dp_mapping *m,
                        uint32_t *seconds)
{
	struct pctl_journal *j = ctx;
	return j->inner.ops->idle_left(j->inner.ctx, m, seconds);
}

/* What the inner data plane holds: the journal holds no elements. */
static int jr_dump(void *ctx,
                   int (*cb)(void *arg, const struct pctl_dp_mapping *m),
                   void *arg)
{
	struct pctl_journal *j = ctx;
	return j->inner.ops->dump(j->inner.ctx, cb, arg);
}

/* Changes to the data plane under the backend: the inner one watches. */
static int jr_event_fd(void *ctx)
{
	struct pctl_journal *j = ctx;
	return j->inner.ops->event_fd(j->inner.ctx);
}

static int jr_events(void *ctx, char *msg, size_t msglen)
{
	struct pctl_journal *j = ctx;
	return j->inner.ops->events(j->inner.ctx, msg, msglen);
}

static void journal_free(struct pctl_journal *j)
{
	sync_stop(j);
	compact_abandon(j);
	release_old_log(j, true);
	free(j->c.shifted);
	if (j->lock_fd >= 0)
		close(j->lock_fd);
	drop_pending(j);
	free(j->pend);
	pctld_jmap_free(&j->live, 1);
	free(j->dir);
	free(j->path);
	free(j->tmp_path);
	free(j);
}

/* Appends CLEAN and syncs: the next start knows that nothing was lost even
 * if the machine reboots in between.  Without it (kill -9, crash, power
 * loss) the next start trusts the log only within the same boot, when the
 * page cache kept every write. */
static void close_cleanly(struct pctl_journal *j)
{
	uint8_t rec[PCTLD_JR_HDR_LEN];
	sync_stop(j);
	if (!stage(j, rec, pctld_jr_encode_clean(rec)) && !flush_wbuf(j))
		sync_now(j);
}

static void jr_destroy(void *ctx, bool keep_state)
{
	struct pctl_journal *j = ctx;
	struct pctl_backend inner = j->inner;

	/* A compaction under way is dropped: the old log is whole, and the
	 * next start rewrites it anyway. */
	compact_abandon(j);
	if (j->fd >= 0) {
		if (keep_state && j->broken)
			write_snapshot(j);
		if (keep_state && !j->broken)
			close_cleanly(j);
		close(j->fd);
	}
	/* The data plane is about to be emptied: a log that still listed its
	 * mappings would resurrect them at the next start. */
	if (!keep_state && j->loaded && unlink(j->path) && errno != ENOENT)
		jlog(j, "journal %s: cannot remove: %s", j->path,
		     strerror(errno));
	journal_free(j);
	inner.ops->destroy(inner.ctx, keep_state);
}

/* ---- open, tick, stats --------------------------------------------------- */

static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + 1 + strlen(name) + 1;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s/%s", dir, name);
	return s;
}

/* The boot id from the options, or the kernel's; unknown (length 0) when
 * neither is available, and then only a clean shutdown is trusted. */
static void read_boot_id(struct pctl_journal *j)
{
	const char *id = j->opts.boot_id;
	char buf[PCTLD_JR_MAX_BOOT_ID + 1];
	size_t n = 0;

	if (!id) {
		int fd = open("/proc/sys/kernel/random/boot_id",
		              O_RDONLY | O_CLOEXEC);
		ssize_t r = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (r <= 0)
			return;
		while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == ' '))
			r--;
		buf[r] = '\0';
		id = buf;
	}
	n = strlen(id);
	if (n > PCTLD_JR_MAX_BOOT_ID)
		n = PCTLD_JR_MAX_BOOT_ID;
	memcpy(j->boot_id, id, n);
	j->boot_len = n;
}

/* Two daemons appending to one log would interleave records and each
 * compact the other's away: the first one to open the directory holds an
 * flock(2) on its lock file until it ends (a killed process drops it). */
int pctl_journal_lock(const char *dir, char *err, size_t errlen)
{
	char *lock = join(dir, PCTL_JOURNAL_LOCK_FILE);
	int fd, rc;

	if (!lock) {
		snprintf(err, errlen, "journal: out of memory");
		return -ENOMEM;
	}
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", lock, strerror(errno));
	} else if (flock(fd, LOCK_EX | LOCK_NB)) {
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		snprintf(err, errlen, "%s: %s", lock,
		         rc == -EBUSY ? "state directory in use by another "
		                        "portctld"
		                      : strerror(-rc));
		close(fd);
	} else {
		rc = fd;
	}
	free(lock);
	return rc;
}

int pctl_journal_open(const char *dir, const struct pctl_backend *inner,
                      const struct pctl_journal_opts *opts,
                      struct pctl_journal **jp, struct pctl_backend *out,
                      char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		int rc = -errno;
		snprintf(err, errlen, "state directory %s: %s", dir,
		         strerror(errno));
		return rc;
	}
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "state directory %s: not a directory",
		         dir);
		return -ENOTDIR;
	}
	struct pctl_journal *j = calloc(1, sizeof(*j));
	if (!j) {
		snprintf(err, errlen, "journal: out of memory");
		return -ENOMEM;
	}
	j->inner = *inner;
	j->fd = -1;
	j->lock_fd = -1;
	j->c.fd = -1;
	j->old_fd = -1;
	if (opts)
		j->opts = *opts;
	else
		pctl_journal_opts_defaults(&j->opts);
	if (!j->opts.mono_ms)
		j->opts.mono_ms = sys_mono_ms;
	if (!j->opts.realtime_s)
		j->opts.realtime_s = sys_realtime_s;
	j->dir = strdup(dir);
	j->path = join(dir, PCTL_JOURNAL_FILE);
	j->tmp_path = join(dir, PCTL_JOURNAL_TMP_FILE);
	if (!j->dir || !j->path || !j->tmp_path) {
		journal_free(j);
		snprintf(err, errlen, "journal: out of memory");
		return -ENOMEM;
	}
	if (j->opts.have_lock) {
		j->lock_fd = j->opts.lock_fd;
	} else {
		int rc = pctl_journal_lock(dir, err, errlen);
		if (rc < 0) {
			journal_free(j);
			return rc;
		}
		j->lock_fd = rc;
	}
	read_boot_id(j);
	j->ops = (struct pctl_backend_ops){
	    .name = inner->ops->name,
	    .create = jr_create,
	    .refresh = jr_refresh,
	    .remove = jr_remove,
	    .commit = jr_commit,
	    .abort = jr_abort,
	    .reconcile = jr_reconcile,
	    .lookup_flow = inner->ops->lookup_flow ? jr_lookup_flow : NULL,
	    .idle_left = inner->ops->idle_left ? jr_idle_left : NULL,
	    .dump = inner->ops->dump ? jr_dump : NULL,
	    .event_fd = inner->ops->events ? jr_event_fd : NULL,
	    .events = inner->ops->events ? jr_events : NULL,
	    .destroy = jr_destroy,
	};
	*jp = j;
	*out = (struct pctl_backend){&j->ops, j};
	return 0;
}

void pctl_journal_tick(struct pctl_journal *j)
{
	uint32_t epoch;
	int64_t rt;

	if (j->fd < 0)
		return;
	sync_collect(j);
	if (j->broken) {
		if (mono_now(j) >= j->retry_ms)
			write_snapshot(j);
		return;
	}
	if (epoch_moved(j, &epoch, &rt) && !stage_epoch(j, epoch, rt))
		flush_wbuf(j);
	if (j->broken)
		return; /* that write failed */
	if (j->old_fd >= 0)
		release_old_log(j, false);
	else if (j->c.fd >= 0 ||
	         (compaction_due(j) && mono_now(j) >= j->c.retry_ms))
		compact_tick(j);
	if (sync_due(j))
		sync_start(j);
}

uint64_t pctl_journal_next_deadline(const struct pctl_journal *j)
{
	if (j->fd < 0)
		return UINT64_MAX;
	if (j->broken)
		return j->retry_ms;
	if (j->c.fd >= 0 || j->old_fd >= 0)
		return 0;
	uint64_t next = compaction_due(j) ? j->c.retry_ms : UINT64_MAX;
	uint64_t sync_at =
	    j->dirty ? j->last_sync_ms + j->opts.sync_interval_ms : UINT64_MAX;
	/* A sync under way: looked at again every SYNC_POLL_MS until it ends
	 * (a failure must be acted on, and a due sync waits for it), not spun
	 * on; a failed one is collected at once. */
	if (j->sync.started && j->sync.pid == getpid()) {
		pthread_mutex_t *mu = (pthread_mutex_t *)&j->sync.mu;
		pthread_mutex_lock(mu);
		bool running = j->sync.fd >= 0;
		bool failed = j->sync.done && j->sync.result;
		pthread_mutex_unlock(mu);
		if (failed)
			sync_at = mono_now(j);
		else if (running)
			sync_at = mono_now(j) + SYNC_POLL_MS;
	}
	return sync_at < next ? sync_at : next;
}

void pctl_journal_get_stats(const struct pctl_journal *j,
                            struct pctl_journal_stats *out)
{
	*out = j->st;
	out->live = j->live.n;
	out->log_bytes = j->log_size;
	out->compacting = j->c.fd >= 0;
	out->compact_records = j->c.records;
	out->compact_bytes = j->c.size;
}

/* ---- load ---------------------------------------------------------------- */

/* Reads the whole log.  0 with *buf (NULL when there is no file) or -errno. */
static int read_log(const char *path, uint8_t **buf, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	*buf = NULL;
	*len = 0;
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	size_t cap = (size_t)st.st_size, n = 0;
	uint8_t *b = malloc(cap ? cap : 1);
	if (!b) {
		close(fd);
		return -ENOMEM;
	}
	/* Up to the size seen by fstat: a log is only appended to by us. */
	while (n < cap) {
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int rc = -errno;
			free(b);
			close(fd);
			return rc;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*buf = b;
	*len = n;
	return 0;
}

/* What replay learns besides the mappings. */
struct replayed {
	bool have_epoch;
	uint32_t epoch;
	int64_t epoch_rt;
	bool clean;          /* the last record is CLEAN */
	const uint8_t *boot; /* the last BOOT record's id, or NULL */
	size_t boot_len;
};

/* Octets a load may spend resynchronising (pctld_jr_resync): linear in
 * the file, so that a forged file costs no more than a few reads of it,
 * and enough for any real damage (a bad record is passed over after at most
 * a record's worth of candidates). */
static uint64_t resync_budget(size_t len)
{
	return 8 * (uint64_t)len + 64 * (uint64_t)PCTLD_JR_MAX_RECORD;
}

/* An unfinished last write (a crash in the middle of it) rather than
 * damage: the bad record runs past the end of the file. */
static bool cut_short(const char *why)
{
	return why && strstr(why, "truncated");
}

/* Replays the records of buf into `set` (id -> record inside buf, not
 * owned).  A bad record does not end the replay: it goes on at the next
 * valid record (journal.h, damaged), unless the bad record is the
 * unfinished end of the file. */
static int replay(const uint8_t *buf, size_t len, struct pctld_jmap *set,
                  struct pctl_journal_load_result *res, struct replayed *rp)
{
	size_t off = PCTLD_JR_FILE_HDR_LEN;
	uint64_t budget = resync_budget(len);
	const char *why = NULL, *first_why = NULL;

	while (off < len) {
		struct pctld_jr_record rec;
		size_t n = pctld_jr_next(buf + off, len - off, &rec, &why);
		if (!n) {
			size_t next = pctld_jr_resync(buf, len, off, &budget);
			if (!res->corrupt) {
				res->corrupt = true;
				res->corrupt_offset = off;
				first_why = why;
			}
			if (next == len && cut_short(why) && !res->damaged)
				break; /* the ordinary unfinished tail */
			res->damaged = true;
			res->skipped++;
			res->skipped_bytes += next - off;
			off = next;
			continue;
		}
		rp->clean = rec.type == PCTLD_JR_CLEAN;
		if (rec.type == PCTLD_JR_EPOCH) {
			pctld_jr_decode_epoch(&rec, &rp->epoch, &rp->epoch_rt);
			rp->have_epoch = true;
		} else if (rec.type == PCTLD_JR_BOOT) {
			rp->boot = rec.payload;
			rp->boot_len = rec.len;
		} else if (rec.type == PCTLD_JR_CLEAN) {
			/* nothing more to do: see rp->clean */
		} else if (rec.type == PCTLD_JR_REMOVE) {
			pctld_jmap_del(set, pctld_jr_record_id(&rec));
		} else {
			if (pctld_jmap_reserve(set, set->n + 1))
				return -ENOMEM;
			/* Cast: the set is shared with the owning live set's
			 * type; replay never frees or writes these. */
			pctld_jmap_put(set, pctld_jr_record_id(&rec),
			               (uint8_t *)(uintptr_t)(buf + off), n);
		}
		res->records++;
		off += n;
	}
	if (res->damaged)
		snprintf(res->message, sizeof(res->message),
		         "offset %llu: %s; damaged: skipped %zu bad "
		         "stretch(es), %llu octets, and used the %zu valid "
		         "records around them",
		         (unsigned long long)res->corrupt_offset, first_why,
		         res->skipped, (unsigned long long)res->skipped_bytes,
		         res->records);
	else if (res->corrupt)
		snprintf(res->message, sizeof(res->message),
		         "offset %llu: %s; used the %zu records before it",
		         (unsigned long long)res->corrupt_offset, first_why,
		         res->records);
	return 0;
}

/* A configuration changed while down can refuse thousands of mappings; the
 * first few are named, the rest only counted in the result. */
#define MAX_FAIL_LOGS 10

/* Re-creates one journaled mapping in the engine and adopts its record
 * (with the new id) into the live set. */
static int restore_one(struct pctl_journal *j, struct pctl_engine *e,
                       const struct pctld_jmap_slot *s, uint64_t now_ms,
                       int64_t now_rt, struct pctl_journal_load_result *res)
{
	struct pctl_filter filters[PCTLD_JR_MAX_FILTERS];
	struct pctld_jr_mapping m;
	const char *why;
	uint64_t id;

	if (pctld_jr_decode_upsert(s->rec + PCTLD_JR_HDR_LEN,
	                           s->len - PCTLD_JR_HDR_LEN, &m, filters,
	                           &why)) {
		if (++res->failed <= MAX_FAIL_LOGS)
			jlog(j, "journal %s: mapping %llu: %s", j->path,
			     (unsigned long long)s->id, why);
		return 0;
	}
	if (m.expiry != PCTLD_JR_NEVER && m.expiry <= now_rt) {
		res->expired++;
		return 0;
	}
	if (m.expiry == PCTLD_JR_NEVER)
		m.info.lifetime_left = PCTL_LIFETIME_STATIC;
	else if (m.expiry - now_rt >= (int64_t)PCTL_LIFETIME_STATIC)
		m.info.lifetime_left = PCTL_LIFETIME_STATIC - 1;
	else
		m.info.lifetime_left = (uint32_t)(m.expiry - now_rt);

	uint8_t *rec = malloc(s->len);
	if (!rec || pctld_jmap_reserve(&j->live, j->live.n + 1)) {
		free(rec);
		return -ENOMEM;
	}
	int rc = pctl_engine_restore(e, &m.info, now_ms, &id);
	if (rc) {
		free(rec);
		if (++res->failed <= MAX_FAIL_LOGS)
			jlog(j, "journal %s: mapping %llu not restored: %s",
			     j->path, (unsigned long long)s->id, strerror(-rc));
		return rc == -ENOMEM ? rc : 0;
	}
	memcpy(rec, s->rec, s->len);
	pctld_jr_set_id(rec, id);
	free(pctld_jmap_put(&j->live, id, rec, s->len));
	res->restored++;
	return 0;
}

/* An adopted mapping (journal_adopt.h) joins the live set, so that the
 * snapshot the load writes next records it. */
struct adopt_rec {
	struct pctl_journal *j;
	int64_t now_rt;
};

static int record_adopted(void *ctx, const struct pctl_mapping_info *i,
                          uint64_t id)
{
	struct adopt_rec *a = ctx;
	struct pctl_dp_mapping dp;
	uint8_t tmp[PCTLD_JR_MAX_RECORD];

	memset(&dp, 0, sizeof(dp));
	dp.id = id;
	dp.kind = (uint8_t)i->kind;
	dp.protocol = i->protocol;
	dp.int_addr = i->int_addr;
	dp.int_port = i->int_port;
	dp.ext_addr = i->ext_addr;
	dp.ext_port = i->ext_port;
	dp.port_count = i->port_count;
	dp.nonce_unknown = i->nonce_unknown;
	dp.client_addr = i->client_addr;
	size_t len = pctld_jr_encode_upsert(
	    &dp, a->now_rt + (int64_t)i->lifetime_left, tmp, sizeof(tmp));
	uint8_t *rec = len ? malloc(len) : NULL;
	if (!rec || pctld_jmap_reserve(&a->j->live, a->j->live.n + 1)) {
		free(rec);
		return -ENOMEM;
	}
	memcpy(rec, tmp, len);
	free(pctld_jmap_put(&a->j->live, id, rec, len));
	return 0;
}

/* A damaged log may have lost mappings the data plane still holds: they
 * are adopted rather than removed by the start-up reconcile
 * (journal_adopt.h says why).  A failed dump is reported and costs only
 * the adoption. */
static int adopt_data_plane(struct pctl_journal *j, struct pctl_engine *e,
                            uint64_t now_ms, int64_t now_rt,
                            struct pctl_journal_load_result *res)
{
	struct adopt_rec a = {j, now_rt};

	if (!j->inner.ops->dump)
		return 0;
	int rc = pctld_journal_adopt(&j->inner, e, now_ms, record_adopted, &a,
	                             &res->adopted);
	if (rc == -ENOMEM)
		return rc;
	if (rc)
		jlog(j,
		     "journal %s: cannot read the data plane's mappings "
		     "back: %s; those the log lost will be removed",
		     j->path, strerror(-rc));
	return 0;
}

static int newest_first(const void *a, const void *b)
{
	const uint8_t *x = (*(const struct pctld_jmap_slot *const *)a)->rec;
	const uint8_t *y = (*(const struct pctld_jmap_slot *const *)b)->rec;
	return x < y ? 1 : x > y ? -1 : 0;
}

/* Restores every mapping of the replayed set.  From a damaged log the
 * newest records go first: a REMOVE lost in a skipped stretch leaves an
 * older mapping in the set, and when it collides with a newer one (the same
 * external port given to someone else since), the newer one must win.  (The
 * set's records point into the file buffer, so their addresses are in log
 * order.) */
static int restore_all(struct pctl_journal *j, struct pctl_engine *e,
                       const struct pctld_jmap *set, uint64_t now_ms,
                       int64_t now_rt, struct pctl_journal_load_result *res)
{
	const struct pctld_jmap_slot **order = NULL;
	size_t n = 0;
	int rc = 0;

	if (res->damaged && set->n) {
		order = malloc(set->n * sizeof(*order));
		if (!order)
			return -ENOMEM;
		for (size_t i = 0; i < set->cap; i++)
			if (set->slots[i].rec)
				order[n++] = &set->slots[i];
		qsort(order, n, sizeof(*order), newest_first);
		for (size_t i = 0; !rc && i < n; i++)
			rc = restore_one(j, e, order[i], now_ms, now_rt, res);
		free(order);
		return rc;
	}
	for (size_t i = 0; !rc && i < set->cap; i++)
		if (set->slots[i].rec)
			rc = restore_one(j, e, &set->slots[i], now_ms, now_rt,
			                 res);
	return rc;
}

static void set_epoch(struct pctl_engine *e, uint64_t now_ms, int64_t now_rt,
                      uint32_t stored, int64_t stored_rt,
                      struct pctl_journal_load_result *res)
{
	/* The epoch went on counting while we were down (S-24); a clock that
	 * went backwards only stops it, never makes it smaller. */
	int64_t elapsed = now_rt > stored_rt ? now_rt - stored_rt : 0;
	uint64_t ep = (uint64_t)stored + (uint64_t)elapsed;
	res->epoch = ep > UINT32_MAX ? UINT32_MAX : (uint32_t)ep;
	pctl_engine_set_epoch(e, res->epoch, now_ms);
}

/* What a load does with the log's bytes, wherever they came from: the
 * header check, replay (with resynchronisation), restore and, for a
 * damaged log, adoption from the data plane.  The file load and
 * pctl_journal_replay() both go through it, so that there is one parser.
 * rp->boot points into buf. */
static int load_image(struct pctl_journal *j, struct pctl_engine *e,
                      const uint8_t *buf, size_t len, uint64_t now_ms,
                      int64_t now_realtime,
                      struct pctl_journal_load_result *res, struct replayed *rp)
{
	struct pctld_jmap set = {0};
	const char *why = NULL;
	int rc = 0;

	if (!buf || len == 0) {
		res->no_state = true;
		snprintf(res->message, sizeof(res->message),
		         "%s: no journal, no state", j->path);
	} else if (pctld_jr_check_file_header(buf, len, &why)) {
		res->no_state = true;
		res->corrupt = true;
		res->damaged = true;
		res->skipped = 1;
		res->skipped_bytes = len;
		snprintf(res->message, sizeof(res->message),
		         "offset 0: %s; no state used", why);
	} else {
		rc = replay(buf, len, &set, res, rp);
	}

	j->loading = true;
	if (!rc)
		pctld_jmap_step(&set, SIZE_MAX); /* one array to walk */
	rc = restore_all(j, e, &set, now_ms, now_realtime, res);
	if (!rc && res->damaged)
		rc = adopt_data_plane(j, e, now_ms, now_realtime, res);
	j->loading = false;
	pctld_jmap_free(&set, 0);
	res->clean_shutdown = rp->clean;
	res->same_boot = rp->boot && j->boot_len &&
	                 rp->boot_len == j->boot_len &&
	                 !memcmp(rp->boot, j->boot_id, j->boot_len);
	return rc;
}

/* The rest of the result once the image was restored: whether state was
 * kept, the epoch, the summary message. */
static void summarise(struct pctl_journal *j, struct pctl_engine *e,
                      uint64_t now_ms, int64_t now_realtime,
                      const struct replayed *rp,
                      struct pctl_journal_load_result *res)
{
	if (!res->no_state) {
		/* After a crash of the machine the last sync interval may
		 * be missing from an intact-looking log (S-93: possible
		 * state loss).  A process crash within one boot loses
		 * nothing: every commit was written to the page cache. */
		res->state_kept = rp->have_epoch && !res->corrupt &&
		                  (res->clean_shutdown || res->same_boot);
		if (rp->have_epoch)
			set_epoch(e, now_ms, now_realtime, rp->epoch,
			          rp->epoch_rt, res);
		if (!res->corrupt)
			snprintf(res->message, sizeof(res->message),
			         "%zu records, %zu mappings restored, %zu "
			         "expired, %zu failed, %s, epoch %s",
			         res->records, res->restored, res->expired,
			         res->failed,
			         res->clean_shutdown ? "clean shutdown"
			         : res->same_boot ? "restart in the same boot"
			                          : "unclean shutdown before a "
			                            "reboot: state may be lost",
			         res->state_kept ? "continued" : "reset");
	}
	if (res->damaged) {
		size_t ml = strlen(res->message);
		snprintf(res->message + ml, sizeof(res->message) - ml,
		         "; %zu mappings restored, %zu adopted from the data "
		         "plane, epoch reset; damaged log %s%s",
		         res->restored, res->adopted,
		         res->damaged_path[0] ? "kept as " : "not kept",
		         res->damaged_path);
	}
	if (res->corrupt)
		jlog(j, "journal %s: %s", j->path, res->message);
}

int pctl_journal_replay(struct pctl_journal *j, struct pctl_engine *e,
                        const uint8_t *buf, size_t len, uint64_t now_ms,
                        int64_t now_realtime,
                        struct pctl_journal_load_result *res)
{
	struct replayed rp = {0};

	memset(res, 0, sizeof(*res));
	if (j->loaded || j->replayed)
		return -EALREADY;
	j->replayed = true;
	int rc = load_image(j, e, buf, len, now_ms, now_realtime, res, &rp);
	if (rc) {
		snprintf(res->message, sizeof(res->message), "%s: %s", j->path,
		         strerror(-rc));
		return rc;
	}
	summarise(j, e, now_ms, now_realtime, &rp, res);
	return 0;
}

int pctl_journal_load(struct pctl_journal *j, struct pctl_engine *e,
                      uint64_t now_ms, int64_t now_realtime,
                      struct pctl_journal_load_result *res)
{
	struct replayed rp = {0};
	uint8_t *buf;
	size_t len;

	memset(res, 0, sizeof(*res));
	if (j->loaded || j->replayed)
		return -EALREADY;
	int rc = read_log(j->path, &buf, &len);
	if (rc) {
		snprintf(res->message, sizeof(res->message), "%s: %s", j->path,
		         strerror(-rc));
		return rc;
	}
	rc = load_image(j, e, buf, len, now_ms, now_realtime, res, &rp);
	/* Before the snapshot below replaces it (journal.h, damaged). */
	if (!rc && res->damaged) {
		struct pctld_aside_log al = {j->opts.log, j->opts.log_ctx};
		pctld_journal_keep_aside(j->dir, j->path, buf, len,
		                         now_realtime, j->opts.damaged_keep,
		                         res->damaged_path,
		                         sizeof(res->damaged_path), &al);
	}
	free(buf);
	if (rc) {
		snprintf(res->message, sizeof(res->message), "%s: %s", j->path,
		         strerror(-rc));
		return rc;
	}
	summarise(j, e, now_ms, now_realtime, &rp, res);

	/* From here on the engine's epoch is what the log records. */
	j->engine = e;
	j->have_epoch = true;
	j->epoch_start = now_realtime - (int64_t)pctl_engine_epoch(e, now_ms);
	rc = write_snapshot(j);
	if (rc) {
		snprintf(res->message, sizeof(res->message),
		         "%s: cannot write: %s", j->path, strerror(-rc));
		return rc;
	}
	j->loaded = true;
	return 0;
}

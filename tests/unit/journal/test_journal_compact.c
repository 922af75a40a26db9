/*
 * Compaction (the live set rewritten as a snapshot: same mappings, smaller
 * file), the automatic trigger that bounds the log, compaction spread over
 * ticks while commits keep coming (a bounded step per tick, a crash at any
 * step, a write error in the middle, a stop in the middle), the sync
 * interval and its thread, and recovery from a failed write.
 *
 * Linked with --wrap=fdatasync (CMakeLists): the wrapper below sees which
 * thread syncs, and holds a sync off the main thread while a test asks.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "jtest.h"

#define N_MAPS 200
/* Small steps, so that a compaction of N_MAPS spans many ticks. */
#define STEP 8

int __real_fdatasync(int fd);
int __wrap_fdatasync(int fd);

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t main;
	bool hold; /* hold syncs made off the main thread */
	unsigned off_main, inside;
} ds = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

int __wrap_fdatasync(int fd)
{
	pthread_mutex_lock(&ds.mu);
	bool off = !pthread_equal(pthread_self(), ds.main);
	ds.off_main += off;
	ds.inside++;
	pthread_cond_broadcast(&ds.cv);
	while (off && ds.hold)
		pthread_cond_wait(&ds.cv, &ds.mu);
	ds.inside--;
	pthread_mutex_unlock(&ds.mu);
	return __real_fdatasync(fd);
}

static void ds_release(void)
{
	pthread_mutex_lock(&ds.mu);
	ds.hold = false;
	pthread_cond_broadcast(&ds.cv);
	pthread_mutex_unlock(&ds.mu);
}

struct fx {
	char dir[256], path[512];
	struct jt_clock clk;
	struct fake_dp fake;
	struct pctl_journal_opts opts;
	struct pctl_journal *j;
	struct pctl_backend be;
	struct pctl_engine *e;
	struct pctl_journal_load_result res;
	struct jt_dp d[N_MAPS];
	bool live[N_MAPS]; /* what the journal was told, committed */
};

/* Scattered ids (splitmix64): the live set's hash spreads sequential ids
 * too evenly to ever collide, and these tests need collisions (probe runs
 * that a remove shifts). */
static uint64_t id_of(unsigned n)
{
	uint64_t z = 0x9E3779B97F4A7C15ull * (n + 1);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return (z ^ (z >> 31)) | 1; /* never 0 */
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	jt_mkdir(f->dir, sizeof(f->dir));
	jt_path(f->path, sizeof(f->path), f->dir, PCTL_JOURNAL_FILE);
	f->clk = (struct jt_clock){1000, 1700000000};
	jt_opts(&f->opts, &f->clk);
	f->opts.compact_min_records = UINT64_MAX; /* only when asked */
	for (unsigned n = 0; n < N_MAPS; n++)
		jt_dp_full(&f->d[n], id_of(n), n);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	jt_rmdir(f->dir);
	free(f);
	return 0;
}

/* Opens the journal in dir around a fresh fake backend and engine, and
 * loads it. */
static void fx_start(struct fx *f, const char *dir)
{
	char err[256];
	struct pctl_engine_config cfg;
	struct pctl_backend inner = jt_backend_make(&f->fake, true);

	assert_int_equal(pctl_journal_open(dir, &inner, &f->opts, &f->j, &f->be,
	                                   err, sizeof(err)),
	                 0);
	jt_engine_config(&cfg);
	f->e = pctl_engine_new(&cfg, &f->be, f->clk.mono_ms);
	assert_non_null(f->e);
	assert_int_equal(pctl_journal_load(f->j, f->e, f->clk.mono_ms,
	                                   f->clk.real_s, &f->res),
	                 0);
}

static void fx_stop(struct fx *f)
{
	f->be.ops->destroy(f->be.ctx, true);
	pctl_engine_free(f->e);
}

static void op_commit(struct fx *f,
                      int (*op)(void *, const struct pctl_dp_mapping *),
                      unsigned n)
{
	assert_int_equal(op(f->be.ctx, &f->d[n].dp), 0);
	assert_int_equal(f->be.ops->commit(f->be.ctx), 0);
}

/* Both clocks move together (a wall clock that moved alone would shift the
 * epoch's start and be journaled). */
static void advance(struct fx *f, uint64_t ms)
{
	f->clk.mono_ms += ms;
	f->clk.real_s += (int64_t)(ms / 1000);
}

static struct pctl_journal_stats stats(const struct fx *f)
{
	struct pctl_journal_stats st;
	pctl_journal_get_stats(f->j, &st);
	return st;
}

/* Loads the journal in dir into a fresh engine and lists its mappings. */
static size_t restored_list(struct fx *f, const char *dir, struct jt_seen *out)
{
	struct fx g = *f;
	fx_start(&g, dir);
	size_t n = jt_list(g.e, g.clk.mono_ms, out, N_MAPS);
	fx_stop(&g);
	return n;
}

/* dir/name copied to dst/name, when it exists. */
static void copy_file(const char *dir, const char *dst, const char *name)
{
	char from[512], to[512];
	size_t len;

	jt_path(from, sizeof(from), dir, name);
	jt_path(to, sizeof(to), dst, name);
	uint8_t *b = jt_read(from, &len);
	if (b)
		jt_write(to, b, len);
	free(b);
}

static bool file_exists(const char *dir, const char *name)
{
	char p[512];
	struct stat sb;

	jt_path(p, sizeof(p), dir, name);
	return stat(p, &sb) == 0;
}

/* Loading dir gives mappings of f->live only, with the lifetimes last
 * committed (the clock does not move in these tests), and with `all`
 * every one of them. */
static void assert_restores_live(struct fx *f, const char *dir, bool all)
{
	struct jt_seen seen[N_MAPS];
	size_t want = 0;

	for (unsigned i = 0; i < N_MAPS; i++)
		want += f->live[i];
	size_t n = restored_list(f, dir, seen);
	if (all)
		assert_int_equal(n, want);
	assert_true(n <= want);
	for (size_t k = 0; k < n; k++) {
		unsigned i = seen[k].int_port - 5000u;
		assert_true(i < N_MAPS && f->live[i]);
		assert_int_equal(seen[k].lifetime_left, f->d[i].dp.lifetime);
	}
}

/* Loading dir gives exactly the committed mappings. */
static void assert_restores_committed(struct fx *f, const char *dir)
{
	assert_restores_live(f, dir, true);
}

/* The state directory as a crash would leave it now (the log and the
 * compaction's temporary file), restored elsewhere. */
static void assert_crash_now_restores_committed(struct fx *f)
{
	char copy_dir[256];

	jt_mkdir(copy_dir, sizeof(copy_dir));
	copy_file(f->dir, copy_dir, PCTL_JOURNAL_FILE);
	copy_file(f->dir, copy_dir, PCTL_JOURNAL_TMP_FILE);
	assert_restores_committed(f, copy_dir);
	/* The load's own snapshot replaced the stale temporary file. */
	assert_false(file_exists(copy_dir, PCTL_JOURNAL_TMP_FILE));
	jt_rmdir(copy_dir);
}

/* The compaction's unfinished new file, taken as the log elsewhere, holds
 * no stale record: every mapping it restores is live, as last committed
 * (those the walk has not reached yet are missing). */
static void assert_new_file_holds_no_stale_record(struct fx *f)
{
	char copy_dir[256], from[512], to[512];
	size_t len;

	jt_mkdir(copy_dir, sizeof(copy_dir));
	jt_path(from, sizeof(from), f->dir, PCTL_JOURNAL_TMP_FILE);
	jt_path(to, sizeof(to), copy_dir, PCTL_JOURNAL_FILE);
	uint8_t *b = jt_read(from, &len);
	assert_non_null(b);
	jt_write(to, b, len);
	free(b);
	assert_restores_live(f, copy_dir, false);
	jt_rmdir(copy_dir);
}

/* Creates, refreshes and removes a few mappings (varied by round), and
 * keeps f->live in step. */
static void churn(struct fx *f, unsigned round)
{
	for (unsigned k = 0; k < 6; k++) {
		unsigned i = (round * 7 + k * 13) % N_MAPS;
		if (!f->live[i]) {
			op_commit(f, f->be.ops->create, i);
			f->live[i] = true;
		} else if (k % 3 == 0) {
			op_commit(f, f->be.ops->remove, i);
			f->live[i] = false;
		} else {
			f->d[i].dp.lifetime = 4000 + round;
			op_commit(f, f->be.ops->refresh, i);
		}
	}
}

/* Every live mapping refreshed twice: the log holds (more than) three
 * times the live set, so a compaction is due at the next tick. */
static void refresh_all_twice(struct fx *f)
{
	for (unsigned round = 0; round < 2; round++)
		for (unsigned i = 0; i < N_MAPS; i++)
			if (f->live[i]) {
				f->d[i].dp.lifetime = 3000 + round;
				op_commit(f, f->be.ops->refresh, i);
			}
}

/* The first n mappings created and refreshed twice: a compaction is due. */
static void fill_until_due(struct fx *f, unsigned n)
{
	f->opts.compact_min_records = 64;
	f->opts.compact_step_records = STEP;
	fx_start(f, f->dir);
	for (unsigned i = 0; i < n; i++) {
		op_commit(f, f->be.ops->create, i);
		f->live[i] = true;
	}
	refresh_all_twice(f);
	assert_int_equal(stats(f).compactions, 1); /* the load's only */
	assert_int_equal(stats(f).compacting, 0);
	assert_int_equal(pctl_journal_next_deadline(f->j), 0);
}

/* Ticks until the compaction is done, with commits between the ticks
 * (and, when crash_points, a simulated crash before every tick).  Checks that
 * no tick writes more than STEP live records (plus EPOCH and BOOT at the
 * start), and returns the number of ticks. */
static unsigned compact_with_churn(struct fx *f, bool crash_points)
{
	unsigned ticks = 0;

	do {
		if (crash_points)
			assert_crash_now_restores_committed(f);
		struct pctl_journal_stats a = stats(f);
		pctl_journal_tick(f->j);
		struct pctl_journal_stats b = stats(f);
		ticks++;
		if (b.compacting) {
			uint64_t written =
			    b.compact_records - a.compact_records;
			assert_true(written <= STEP + (a.compacting ? 0 : 2));
			assert_int_equal(pctl_journal_next_deadline(f->j), 0);
			churn(f, ticks);
		}
	} while (stats(f).compacting && ticks < 10 * N_MAPS);
	assert_false(stats(f).compacting);
	return ticks;
}

/* The counters describe the file exactly, and no temporary file is left. */
static void assert_log_matches_stats(struct fx *f)
{
	size_t len;
	struct jt_scan sc;
	struct pctl_journal_stats st = stats(f);

	uint8_t *b = jt_read(f->path, &len);
	assert_non_null(b);
	jt_scan(b, len, &sc);
	free(b);
	assert_int_equal(sc.good_end, len);
	assert_int_equal(st.log_bytes, len);
	/* one BOOT record besides these */
	assert_int_equal(st.log_records,
	                 sc.upserts + sc.removes + sc.epochs + 1);
	assert_false(file_exists(f->dir, PCTL_JOURNAL_TMP_FILE));
}

static void test_compaction_spans_ticks_while_commits_continue(void **state)
{
	struct fx *f = *state;

	fill_until_due(f, N_MAPS);
	uint64_t before = stats(f).log_records;
	unsigned ticks = compact_with_churn(f, false);
	/* about N_MAPS / STEP: fewer when the churn removed some ahead */
	assert_true(ticks >= N_MAPS / STEP / 2);
	struct pctl_journal_stats st = stats(f);
	assert_int_equal(st.compactions, 2);
	assert_int_equal(st.compact_abandoned, 0);
	assert_int_equal(st.write_errors, 0);
	/* The snapshot, and what was committed while it was written. */
	assert_true(st.log_records <= 2 + N_MAPS + 6 * ticks);
	assert_true(st.log_records < before);
	assert_log_matches_stats(f);
	/* Commits after the switch go to the new log. */
	churn(f, 999);
	assert_log_matches_stats(f);
	fx_stop(f);
	assert_restores_committed(f, f->dir);
}

/* Whatever step a crash interrupts, the old log (still authoritative, the
 * temporary file beside it ignored) replays to the committed state; after
 * the rename the new one does. */
static void test_crash_at_any_step_restores_committed_state(void **state)
{
	struct fx *f = *state;

	fill_until_due(f, N_MAPS);
	compact_with_churn(f, true);
	assert_crash_now_restores_committed(f);
	fx_stop(f);
}

/* The fixture index of the mapping whose record the compaction's
 * temporary file ends with (N_MAPS when it ends with none). */
static unsigned last_written(const struct fx *f)
{
	char p[512];
	size_t len, off = PCTLD_JR_FILE_HDR_LEN;
	unsigned last = N_MAPS;

	jt_path(p, sizeof(p), f->dir, PCTL_JOURNAL_TMP_FILE);
	uint8_t *b = jt_read(p, &len);
	assert_non_null(b);
	while (off < len) {
		struct pctld_jr_record r;
		const char *why;
		size_t n = pctld_jr_next(b + off, len - off, &r, &why);
		assert_true(n > 0);
		off += n;
		if (r.type != PCTLD_JR_UPSERT)
			continue;
		for (unsigned i = 0; i < N_MAPS; i++)
			if (f->d[i].dp.id == pctld_jr_record_id(&r))
				last = i;
	}
	free(b);
	return last;
}

/* Ticks until the compaction is done; between two ticks, removes the
 * mapping the walk wrote last, and with refresh_too refreshes others in
 * the same commit (after the remove). */
static void compact_removing_behind_the_walk(struct fx *f, bool refresh_too)
{
	bool started = false;

	for (unsigned ticks = 0; ticks < 10 * N_MAPS; ticks++) {
		pctl_journal_tick(f->j);
		if (!stats(f).compacting && started)
			return;
		if (!stats(f).compacting)
			continue; /* freeing the previous log */
		started = true;
		unsigned i = last_written(f);
		if (i >= N_MAPS || !f->live[i])
			continue;
		assert_int_equal(f->be.ops->remove(f->be.ctx, &f->d[i].dp), 0);
		f->live[i] = false;
		/* A quarter of them (more would grow the hash, and the walk
		 * would start over instead). */
		for (unsigned m = 0; refresh_too && m < N_MAPS / 4; m++) {
			unsigned k = (ticks * 7 + m) % N_MAPS;
			if (!f->live[k])
				continue;
			f->d[k].dp.lifetime = 5000 + ticks;
			assert_int_equal(
			    f->be.ops->refresh(f->be.ctx, &f->d[k].dp), 0);
		}
		assert_int_equal(f->be.ops->commit(f->be.ctx), 0);
		assert_new_file_holds_no_stale_record(f);
	}
	fail_msg("the compaction does not end");
}

/* A remove shifts the rest of its probe run back in the live set's hash:
 * a mapping nobody touches may thereby jump from ahead of the
 * compaction's walk to just behind it (into the slot of the mapping the
 * walk wrote last, removed here), and must still be written.  Several
 * compactions, each checked by a restart. */
static void walk_with_removes(struct fx *f, bool refresh_too)
{
	fill_until_due(f, N_MAPS);
	for (unsigned cycle = 0; cycle < 8; cycle++) {
		compact_removing_behind_the_walk(f, refresh_too);
		assert_crash_now_restores_committed(f);
		for (unsigned i = 0; i < N_MAPS; i++)
			if (!f->live[i]) {
				op_commit(f, f->be.ops->create, i);
				f->live[i] = true;
			}
		refresh_all_twice(f);
	}
	assert_int_equal(stats(f).compactions, 9);
	fx_stop(f);
}

static void test_walk_keeps_mappings_shifted_by_removes(void **state)
{
	walk_with_removes(*state, false);
}

/* The same, when the commit that removes also changes the shifted
 * mapping: what is written for it is its record after the whole commit,
 * not the one it had when the remove was applied. */
static void test_walk_writes_shifted_mappings_as_committed(void **state)
{
	walk_with_removes(*state, true);
}

/* Mappings created during a compaction grow the hash, which moves every
 * mapping: the walk starts over and still writes them all.  The growth
 * comes after 1 to 12 steps, each time in a fresh state directory. */
static void test_walk_survives_growth_of_the_live_set(void **state)
{
	struct fx *f = *state;

	for (unsigned steps = 1; steps <= 12; steps++) {
		if (steps > 1) {
			fx_stop(f);
			jt_rmdir(f->dir);
			jt_mkdir(f->dir, sizeof(f->dir));
			jt_path(f->path, sizeof(f->path), f->dir,
			        PCTL_JOURNAL_FILE);
			memset(f->live, 0, sizeof(f->live));
		}
		fill_until_due(f, N_MAPS / 2);
		for (unsigned t = 0; t < steps; t++)
			pctl_journal_tick(f->j);
		assert_int_equal(stats(f).compacting, 1);
		for (unsigned i = N_MAPS / 2; i < N_MAPS; i++) {
			op_commit(f, f->be.ops->create, i);
			f->live[i] = true;
		}
		/* No other change: what the walk had not reached before the
		 * growth is left to the walk. */
		for (unsigned t = 0; t < 10 * N_MAPS && stats(f).compacting;
		     t++)
			pctl_journal_tick(f->j);
		assert_int_equal(stats(f).compactions, 2);
		assert_log_matches_stats(f);
		assert_crash_now_restores_committed(f);
	}
	fx_stop(f);
}

/* A write error on the new file abandons it (removed, counted), leaves the
 * old log as it was and still appended to, and the compaction is retried a
 * second later. */
static void test_write_error_mid_compaction_keeps_old_log(void **state)
{
	struct fx *f = *state;
	struct rlimit old, lim;
	size_t len_a, len_b;

	fill_until_due(f, N_MAPS);
	pctl_journal_tick(f->j);
	pctl_journal_tick(f->j);
	struct pctl_journal_stats st = stats(f);
	assert_int_equal(st.compacting, 1);
	uint8_t *a = jt_read(f->path, &len_a);
	assert_non_null(a);

	/* The new file may not grow past its current size (the old log is
	 * larger already, so nothing is appended to it meanwhile). */
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = (rlim_t)st.compact_bytes;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	pctl_journal_tick(f->j);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, prev);

	st = stats(f);
	assert_int_equal(st.compacting, 0);
	assert_int_equal(st.compact_abandoned, 1);
	assert_int_equal(st.write_errors, 1);
	assert_int_equal(st.compactions, 1);
	assert_false(file_exists(f->dir, PCTL_JOURNAL_TMP_FILE));
	uint8_t *b = jt_read(f->path, &len_b);
	assert_non_null(b);
	assert_int_equal(len_a, len_b);
	assert_memory_equal(a, b, len_a);
	free(a);
	free(b);
	/* Not broken: commits are still logged. */
	churn(f, 1);
	assert_log_matches_stats(f);
	assert_crash_now_restores_committed(f);

	/* Retried a second later, not at once. */
	assert_int_equal(pctl_journal_next_deadline(f->j),
	                 f->clk.mono_ms + 1000);
	pctl_journal_tick(f->j);
	assert_int_equal(stats(f).compacting, 0);
	/* The monotonic clock only: the restored lifetimes stay as
	 * committed (one second of epoch slack absorbs the difference). */
	f->clk.mono_ms += 1000;
	compact_with_churn(f, false);
	assert_int_equal(stats(f).compactions, 2);
	assert_log_matches_stats(f);
	fx_stop(f);
	assert_restores_committed(f, f->dir);
}

/* A clean stop in the middle drops the compaction: no temporary file, the
 * old log closed cleanly and whole. */
static void test_stop_mid_compaction_leaves_no_temp_file(void **state)
{
	struct fx *f = *state;

	fill_until_due(f, N_MAPS);
	pctl_journal_tick(f->j);
	churn(f, 1);
	pctl_journal_tick(f->j);
	assert_int_equal(stats(f).compacting, 1);
	assert_true(file_exists(f->dir, PCTL_JOURNAL_TMP_FILE));
	fx_stop(f);
	assert_false(file_exists(f->dir, PCTL_JOURNAL_TMP_FILE));
	fx_start(f, f->dir);
	assert_true(f->res.clean_shutdown);
	assert_true(f->res.state_kept);
	fx_stop(f);
	assert_restores_committed(f, f->dir);
}

/* A stop that empties the data plane in the middle of a compaction leaves
 * neither the log nor the temporary file. */
static void test_stop_without_state_mid_compaction_leaves_nothing(void **state)
{
	struct fx *f = *state;

	fill_until_due(f, N_MAPS);
	pctl_journal_tick(f->j);
	assert_int_equal(stats(f).compacting, 1);
	f->be.ops->destroy(f->be.ctx, false);
	pctl_engine_free(f->e);
	assert_false(file_exists(f->dir, PCTL_JOURNAL_TMP_FILE));
	assert_false(file_exists(f->dir, PCTL_JOURNAL_FILE));
}

/* Open descriptors of this process on an unlinked journal file. */
static unsigned deleted_logs_open(void)
{
	unsigned n = 0;
	char p[64], target[600];

	for (int fd = 0; fd < 1024; fd++) {
		snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
		ssize_t len = readlink(p, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		n += strstr(target, PCTL_JOURNAL_FILE) &&
		     strstr(target, "(deleted)");
	}
	return n;
}

/* The log a compaction replaced (unlinked by the rename) is freed by the
 * ticks after it, not by the compaction's last tick: a large one (here
 * over 1 MB) stays open until then, and the loop is told to tick. */
static void test_replaced_log_freed_by_the_next_ticks(void **state)
{
	struct fx *f = *state;

	fx_start(f, f->dir);
	for (unsigned i = 0; i < N_MAPS; i++) {
		op_commit(f, f->be.ops->create, i);
		f->live[i] = true;
	}
	for (unsigned round = 0; stats(f).log_bytes < (1u << 20); round++)
		for (unsigned i = 0; i < N_MAPS; i++) {
			f->d[i].dp.lifetime = 3000 + round;
			op_commit(f, f->be.ops->refresh, i);
		}
	unsigned before = deleted_logs_open(); /* 0 unless a test failed */
	assert_int_equal(pctl_journal_compact(f->j), 0);
	assert_int_equal(deleted_logs_open(), before + 1);
	assert_int_equal(pctl_journal_next_deadline(f->j), 0);
	pctl_journal_tick(f->j);
	assert_int_equal(deleted_logs_open(), before);
	assert_int_equal(pctl_journal_next_deadline(f->j), UINT64_MAX);
	assert_log_matches_stats(f);
	fx_stop(f);
	assert_restores_committed(f, f->dir);
}

/* pctl_journal_compact() during a compaction finishes it at once. */
static void test_explicit_compaction_finishes_one_under_way(void **state)
{
	struct fx *f = *state;

	fill_until_due(f, N_MAPS);
	pctl_journal_tick(f->j);
	churn(f, 1);
	assert_int_equal(stats(f).compacting, 1);
	assert_int_equal(pctl_journal_compact(f->j), 0);
	struct pctl_journal_stats st = stats(f);
	assert_int_equal(st.compacting, 0);
	assert_int_equal(st.compactions, 2);
	assert_log_matches_stats(f);
	assert_int_equal(pctl_journal_next_deadline(f->j), UINT64_MAX);
	fx_stop(f);
	assert_restores_committed(f, f->dir);
}

static void test_compaction_keeps_the_live_set(void **state)
{
	struct fx *f = *state;
	char copy_dir[256], copy[512];
	struct jt_seen before[N_MAPS], after[N_MAPS];

	fx_start(f, f->dir);
	for (unsigned n = 0; n < N_MAPS; n++)
		op_commit(f, f->be.ops->create, n);
	for (unsigned round = 0; round < 3; round++)
		for (unsigned n = 0; n < N_MAPS; n++) {
			f->d[n].dp.lifetime = 600 + round;
			op_commit(f, f->be.ops->refresh, n);
		}
	for (unsigned n = 0; n < N_MAPS; n += 2)
		op_commit(f, f->be.ops->remove, n);
	struct pctl_journal_stats st = stats(f);
	assert_int_equal(st.live, N_MAPS / 2);
	/* epoch and boot records, then the changes */
	assert_int_equal(st.log_records, 2 + 4 * N_MAPS + N_MAPS / 2);

	/* The log as it was, loaded elsewhere. */
	size_t len_before;
	uint8_t *b = jt_read(f->path, &len_before);
	assert_non_null(b);
	jt_mkdir(copy_dir, sizeof(copy_dir));
	jt_path(copy, sizeof(copy), copy_dir, PCTL_JOURNAL_FILE);
	jt_write(copy, b, len_before);
	free(b);
	size_t n_before = restored_list(f, copy_dir, before);
	jt_rmdir(copy_dir);

	assert_int_equal(pctl_journal_compact(f->j), 0);
	st = stats(f);
	assert_int_equal(st.log_records, 2 + N_MAPS / 2);
	assert_int_equal(st.compactions, 2); /* load's snapshot, and this */
	struct stat sb;
	assert_int_equal(stat(f->path, &sb), 0);
	assert_true((size_t)sb.st_size < len_before / 3);
	assert_int_equal((uint64_t)sb.st_size, st.log_bytes);
	fx_stop(f);

	size_t n_after = restored_list(f, f->dir, after);
	assert_int_equal(n_after, N_MAPS / 2);
	assert_int_equal(n_before, n_after);
	assert_memory_equal(before, after, n_after * sizeof(after[0]));
}

static void test_auto_compaction_bounds_the_log(void **state)
{
	struct fx *f = *state;
	const uint64_t min = 16;

	f->opts.compact_min_records = min;
	fx_start(f, f->dir);
	for (unsigned n = 0; n < 5; n++)
		op_commit(f, f->be.ops->create, n);
	for (unsigned i = 0; i < 300; i++) {
		op_commit(f, f->be.ops->refresh, i % 5);
		/* Compaction is the tick's work, not the commit's; five
		 * mappings take one step. */
		pctl_journal_tick(f->j);
		struct pctl_journal_stats st = stats(f);
		assert_true(st.log_records < min ||
		            st.log_records <= 2 * st.live);
	}
	assert_true(stats(f).compactions > 10);
	fx_stop(f);
	fx_start(f, f->dir);
	assert_int_equal(f->res.restored, 5);
	assert_true(f->res.state_kept);
	fx_stop(f);
}

/* The sync thread's fdatasync finished and its result was collected (real
 * time, bounded: the fake clocks do not move). */
static void wait_sync_idle(struct fx *f)
{
	for (int k = 0; k < 5000; k++) {
		pctl_journal_tick(f->j);
		if (pctl_journal_next_deadline(f->j) == UINT64_MAX)
			return;
		usleep(1000);
	}
	fail_msg("the sync thread did not finish");
}

/* Issue 16: the periodic fdatasync runs on the journal's thread; commits
 * made while it runs return without waiting, and start no second one. */
static void test_sync_runs_off_the_commit(void **state)
{
	struct fx *f = *state;

	ds.main = pthread_self();
	fx_start(f, f->dir);
	uint64_t syncs = stats(f).syncs;
	unsigned off = ds.off_main;
	ds.hold = true;
	advance(f, 1000);
	op_commit(f, f->be.ops->create, 0); /* due: handed to the thread */
	assert_int_equal(stats(f).syncs, syncs + 1);
	pthread_mutex_lock(&ds.mu);
	for (int k = 0; k < 5000 && ds.off_main == off; k++) {
		pthread_mutex_unlock(&ds.mu);
		usleep(1000);
		pthread_mutex_lock(&ds.mu);
	}
	bool held = ds.off_main == off + 1 && ds.inside == 1;
	pthread_mutex_unlock(&ds.mu);
	ds_release(); /* before asserting: never leave the thread held */
	assert_true(held);
	fx_stop(f);

	/* While one runs: commits return, none starts, the loop polls. */
	fx_start(f, f->dir);
	syncs = stats(f).syncs;
	off = ds.off_main;
	ds.hold = true;
	advance(f, 1000);
	op_commit(f, f->be.ops->create, 1);
	advance(f, 5000);
	op_commit(f, f->be.ops->create, 2);
	pctl_journal_tick(f->j);
	uint64_t syncs_held = stats(f).syncs;
	uint64_t deadline = pctl_journal_next_deadline(f->j);
	ds_release();
	assert_int_equal(syncs_held, syncs + 1);
	assert_int_equal(deadline, f->clk.mono_ms + 10);
	/* Once it ended, the data written meanwhile gets its own. */
	for (int k = 0; k < 5000 && stats(f).syncs == syncs + 1; k++) {
		usleep(1000);
		pctl_journal_tick(f->j);
	}
	assert_int_equal(stats(f).syncs, syncs + 2);
	wait_sync_idle(f);
	assert_int_equal(ds.off_main, off + 2);
	assert_int_equal(stats(f).write_errors, 0);
	fx_stop(f);
	fx_start(f, f->dir);
	assert_int_equal(f->res.restored, 3);
	fx_stop(f);
}

static void test_sync_at_most_once_per_interval(void **state)
{
	struct fx *f = *state;

	fx_start(f, f->dir);
	uint64_t syncs = stats(f).syncs;
	op_commit(f, f->be.ops->create, 0);
	/* Written, but the snapshot at load synced less than 1 s ago. */
	assert_int_equal(stats(f).syncs, syncs);
	assert_int_equal(pctl_journal_next_deadline(f->j), 1000 + 1000);
	op_commit(f, f->be.ops->create, 1);
	pctl_journal_tick(f->j);
	assert_int_equal(stats(f).syncs, syncs);
	advance(f, 1000);
	pctl_journal_tick(f->j);
	assert_int_equal(stats(f).syncs, syncs + 1);
	wait_sync_idle(f);
	/* Nothing new: no sync. */
	advance(f, 5000);
	pctl_journal_tick(f->j);
	assert_int_equal(stats(f).syncs, syncs + 1);
	/* A commit a second after the last sync syncs at once. */
	op_commit(f, f->be.ops->create, 2);
	assert_int_equal(stats(f).syncs, syncs + 2);
	fx_stop(f);

	/* Interval 0: every commit. */
	f->opts.sync_interval_ms = 0;
	fx_start(f, f->dir);
	syncs = stats(f).syncs;
	op_commit(f, f->be.ops->create, 3);
	op_commit(f, f->be.ops->create, 4);
	assert_int_equal(stats(f).syncs, syncs + 2);
	fx_stop(f);
}

/* A write that fails (here: the file size limit) leaves no torn record,
 * the commit still succeeds (the data plane holds the change), and the next
 * tick rewrites the log from the live set. */
static void test_failed_write_recovered_by_snapshot(void **state)
{
	struct fx *f = *state;
	struct rlimit old, lim;
	size_t len;

	fx_start(f, f->dir);
	struct stat sb;
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = (rlim_t)sb.st_size + 500;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	for (unsigned n = 0; n < 6; n++)
		op_commit(f, f->be.ops->create, n);
	struct pctl_journal_stats st = stats(f);
	assert_true(st.write_errors > 0);
	assert_int_equal(st.live, 6);
	/* What is on disk is whole records only. */
	uint8_t *b = jt_read(f->path, &len);
	assert_non_null(b);
	struct jt_scan s;
	jt_scan(b, len, &s);
	assert_int_equal(s.good_end, len);
	assert_true(s.upserts < 6);
	free(b);
	/* Retried once a second, not in a busy loop. */
	assert_int_equal(pctl_journal_next_deadline(f->j),
	                 f->clk.mono_ms + 1000);

	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, prev);
	pctl_journal_tick(f->j);
	assert_int_equal(stats(f).compactions, 1); /* not yet */
	advance(f, 1000);
	pctl_journal_tick(f->j);
	assert_int_equal(stats(f).compactions, 2);
	assert_int_equal(pctl_journal_next_deadline(f->j), UINT64_MAX);
	op_commit(f, f->be.ops->create, 6);
	fx_stop(f);

	fx_start(f, f->dir);
	assert_int_equal(f->res.restored, 7);
	assert_false(f->res.corrupt);
	fx_stop(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_compaction_keeps_the_live_set,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_auto_compaction_bounds_the_log,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sync_runs_off_the_commit,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sync_at_most_once_per_interval,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_failed_write_recovered_by_snapshot, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_compaction_spans_ticks_while_commits_continue, setup,
	        teardown),
	    cmocka_unit_test_setup_teardown(
	        test_crash_at_any_step_restores_committed_state, setup,
	        teardown),
	    cmocka_unit_test_setup_teardown(
	        test_write_error_mid_compaction_keeps_old_log, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_walk_keeps_mappings_shifted_by_removes, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_walk_writes_shifted_mappings_as_committed, setup,
	        teardown),
	    cmocka_unit_test_setup_teardown(
	        test_walk_survives_growth_of_the_live_set, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_stop_mid_compaction_leaves_no_temp_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_stop_without_state_mid_compaction_leaves_nothing, setup,
	        teardown),
	    cmocka_unit_test_setup_teardown(
	        test_explicit_compaction_finishes_one_under_way, setup,
	        teardown),
	    cmocka_unit_test_setup_teardown(
	        test_replaced_log_freed_by_the_next_ticks, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

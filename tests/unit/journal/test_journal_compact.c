/*
 * Compaction (the live set rewritten as a snapshot: same mappings, smaller
 * file), the automatic trigger that bounds the log, the sync interval, and
 * recovery from a failed write.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "jtest.h"

#define N_MAPS 40

struct fx {
	char dir[256], path[512];
	struct jt_clock clk;
	struct jt_backend fake;
	struct pctl_journal_opts opts;
	struct pctl_journal *j;
	struct pctl_backend be;
	struct pctl_engine *e;
	struct pctl_journal_load_result res;
	struct jt_dp d[N_MAPS];
};

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
		jt_dp_full(&f->d[n], 1000 + n, n);
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
	assert_int_equal(pctl_journal_next_deadline(f->j), UINT64_MAX);
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
	    cmocka_unit_test_setup_teardown(test_sync_at_most_once_per_interval,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_failed_write_recovered_by_snapshot, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

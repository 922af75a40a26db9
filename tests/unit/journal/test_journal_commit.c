/*
 * The journal as a backend decorator, with a fake inner backend: what is
 * forwarded, and that only what the inner backend committed reaches the
 * file (S-15); the full-field round trip into a real engine; absolute
 * expiry; the sync interval.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "jtest.h"

struct fx {
	char dir[256], path[512];
	struct jt_clock clk;
	struct fake_dp fake;
	struct pctl_journal_opts opts;
	struct pctl_journal *j;
	struct pctl_backend be; /* the decorator */
	struct pctl_engine *e;  /* only when with_engine */
	struct pctl_journal_load_result res;
};

static void fx_open(struct fx *f, bool with_engine)
{
	char err[256];
	struct pctl_backend inner = jt_backend_make(&f->fake, true);
	jt_opts(&f->opts, &f->clk);
	assert_int_equal(pctl_journal_open(f->dir, &inner, &f->opts, &f->j,
	                                   &f->be, err, sizeof(err)),
	                 0);
	f->e = NULL;
	if (with_engine) {
		struct pctl_engine_config cfg;
		jt_engine_config(&cfg);
		f->e = pctl_engine_new(&cfg, &f->be, f->clk.mono_ms);
		assert_non_null(f->e);
	}
}

static void fx_load(struct fx *f)
{
	struct pctl_engine_config cfg;
	struct pctl_engine *e = f->e;
	if (!e) {
		/* load needs an engine; a throwaway one when the test drives
		 * the backend by hand. */
		jt_engine_config(&cfg);
		e = pctl_engine_new(&cfg, &f->be, f->clk.mono_ms);
		assert_non_null(e);
	}
	assert_int_equal(
	    pctl_journal_load(f->j, e, f->clk.mono_ms, f->clk.real_s, &f->res),
	    0);
	if (!f->e) {
		/* The journal watches the engine's epoch from now on; keep it
		 * alive as the fixture's engine. */
		f->e = e;
	}
}

static void fx_close(struct fx *f, bool keep_state)
{
	f->be.ops->destroy(f->be.ctx, keep_state);
	if (f->e)
		pctl_engine_free(f->e);
	f->e = NULL;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	jt_mkdir(f->dir, sizeof(f->dir));
	jt_path(f->path, sizeof(f->path), f->dir, PCTL_JOURNAL_FILE);
	f->clk.mono_ms = 5000;
	f->clk.real_s = 1700000000;
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

/* Opened and loaded without state, with one full mapping ready to go. */
static void fx_start(struct fx *f, struct jt_dp *d)
{
	fx_open(f, false);
	fx_load(f);
	jt_dp_full(d, 1, 1);
}

/* create + commit through the decorator. */
static void fx_create(struct fx *f, const struct pctl_dp_mapping *m)
{
	assert_int_equal(f->be.ops->create(f->be.ctx, m), 0);
	assert_int_equal(f->be.ops->commit(f->be.ctx), 0);
}

/* Opened on an inner backend without the optional ops (lookup_flow,
 * idle_left). */
static void fx_open_without_optional_ops(struct fx *f)
{
	char err[128];
	struct pctl_backend inner = jt_backend_make(&f->fake, false);
	assert_int_equal(pctl_journal_open(f->dir, &inner, &f->opts, &f->j,
	                                   &f->be, err, sizeof(err)),
	                 0);
}

static struct jt_scan scan_file(const struct fx *f)
{
	struct jt_scan s;
	size_t len;
	uint8_t *b = jt_read(f->path, &len);
	assert_non_null(b);
	jt_scan(b, len, &s);
	assert_int_equal(s.good_end, len);
	free(b);
	return s;
}

static void test_s15_journaled_only_after_inner_commit(void **state)
{
	struct fx *f = *state;
	struct jt_dp d;

	fx_open(f, false);
	fx_load(f);
	assert_true(f->res.no_state);
	struct jt_scan s0 = scan_file(f);
	assert_int_equal(s0.upserts, 0);

	jt_dp_full(&d, 1, 1);
	assert_int_equal(f->be.ops->create(f->be.ctx, &d.dp), 0);
	assert_int_equal(f->fake.creates, 1);
	/* Queued, not written, until the commit. */
	assert_int_equal(scan_file(f).upserts, 0);
	assert_int_equal(f->be.ops->commit(f->be.ctx), 0);
	assert_int_equal(f->fake.commits, 1);
	assert_int_equal(f->fake.n_ids, 1);
	assert_int_equal(scan_file(f).upserts, 1);

	struct pctl_journal_stats st;
	pctl_journal_get_stats(f->j, &st);
	assert_int_equal(st.live, 1);
	assert_int_equal(st.appends, 1);
	fx_close(f, true);
	assert_int_equal(f->fake.destroys, 1);
	assert_true(f->fake.destroyed_keep_state);
}

static void test_s15_abort_journals_nothing(void **state)
{
	struct fx *f = *state;
	struct jt_dp d;

	fx_start(f, &d);
	assert_int_equal(f->be.ops->create(f->be.ctx, &d.dp), 0);
	f->be.ops->abort(f->be.ctx);
	assert_int_equal(f->fake.aborts, 1);
	/* A later commit must not write what was aborted. */
	assert_int_equal(f->be.ops->commit(f->be.ctx), 0);
	assert_int_equal(scan_file(f).upserts, 0);
	struct pctl_journal_stats st;
	pctl_journal_get_stats(f->j, &st);
	assert_int_equal(st.live, 0);
	fx_close(f, true);
}

static void test_s15_failed_commit_journals_nothing(void **state)
{
	struct fx *f = *state;
	struct jt_dp d;

	fx_start(f, &d);
	f->fake.fail_commit = (struct fake_dp_fail){FAKE_DP_ALWAYS, -EIO};
	assert_int_equal(f->be.ops->create(f->be.ctx, &d.dp), 0);
	assert_int_equal(f->be.ops->commit(f->be.ctx), -EIO);
	f->fake.fail_commit.times = 0;
	assert_int_equal(f->be.ops->commit(f->be.ctx), 0);
	assert_int_equal(scan_file(f).upserts, 0);
	struct pctl_journal_stats st;
	pctl_journal_get_stats(f->j, &st);
	assert_int_equal(st.live, 0);
	assert_int_equal(st.appends, 0);
	fx_close(f, true);
}

static void test_s15_refused_create_journals_nothing(void **state)
{
	struct fx *f = *state;
	struct jt_dp d;

	fx_start(f, &d);
	f->fake.fail_create = (struct fake_dp_fail){FAKE_DP_ALWAYS, -ENOSPC};
	assert_int_equal(f->be.ops->create(f->be.ctx, &d.dp), -ENOSPC);
	assert_int_equal(f->be.ops->commit(f->be.ctx), 0);
	assert_int_equal(scan_file(f).upserts, 0);
	fx_close(f, true);
}

static void test_refresh_and_remove_are_logged(void **state)
{
	struct fx *f = *state;
	struct jt_dp d;

	fx_start(f, &d);
	fx_create(f, &d.dp);
	d.dp.lifetime = 60;
	assert_int_equal(f->be.ops->refresh(f->be.ctx, &d.dp), 0);
	assert_int_equal(f->be.ops->commit(f->be.ctx), 0);
	assert_int_equal(f->be.ops->remove(f->be.ctx, &d.dp), 0);
	assert_int_equal(f->be.ops->commit(f->be.ctx), 0);
	struct jt_scan s = scan_file(f);
	assert_int_equal(s.upserts, 2);
	assert_int_equal(s.removes, 1);
	assert_int_equal(f->fake.refreshes, 1);
	assert_int_equal(f->fake.removes, 1);
	struct pctl_journal_stats st;
	pctl_journal_get_stats(f->j, &st);
	assert_int_equal(st.live, 0);
	fx_close(f, true);
}

static void test_reconcile_and_lookup_forwarded(void **state)
{
	struct fx *f = *state;
	struct pctl_dp_flow flow;
	pctl_addr a = {{0}};

	fx_open(f, false);
	assert_int_equal(f->be.ops->reconcile(f->be.ctx, NULL, 0), 0);
	assert_int_equal(f->fake.reconciles, 1);
	assert_non_null(f->be.ops->lookup_flow);
	assert_int_equal(
	    f->be.ops->lookup_flow(f->be.ctx, 6, &a, 1, &a, 2, &flow), -ENOENT);
	assert_int_equal(f->fake.lookups, 1);
	assert_string_equal(f->be.ops->name, "fake");
	fx_close(f, true);

	/* An inner backend without lookup_flow: neither has the journal. */
	fx_open_without_optional_ops(f);
	assert_null(f->be.ops->lookup_flow);
	fx_close(f, true);
}

/* S-52: the engine asks the data plane (through the journal) how long a
 * mapping's traffic keeps it; the answer and errors pass unchanged, and
 * nothing is journaled for a question. */
static void test_s52_idle_left_forwarded(void **state)
{
	struct fx *f = *state;
	struct jt_dp d;
	uint32_t s = 7;

	fx_start(f, &d);
	fx_create(f, &d.dp);
	assert_non_null(f->be.ops->idle_left);
	f->fake.idle = 95;
	assert_int_equal(f->be.ops->idle_left(f->be.ctx, &d.dp, &s), 0);
	assert_int_equal(s, 95);
	assert_int_equal(f->fake.idle_calls, 1);
	assert_int_equal(f->fake.idle_asked.id, d.dp.id);
	f->fake.fail_idle = (struct fake_dp_fail){FAKE_DP_ALWAYS, -ENOTSUP};
	s = 7;
	assert_int_equal(f->be.ops->idle_left(f->be.ctx, &d.dp, &s), -ENOTSUP);
	assert_int_equal(s, 7);
	assert_int_equal(f->fake.idle_calls, 2);
	struct jt_scan sc = scan_file(f);
	assert_int_equal(sc.upserts, 1);
	assert_int_equal(sc.removes, 0);
	fx_close(f, true);

	/* An inner backend without idle_left: the journal has none either
	 * (the engine then treats the mapping as idle). */
	fx_open_without_optional_ops(f);
	assert_null(f->be.ops->idle_left);
	fx_close(f, true);
}

static void test_destroy_without_keep_state_removes_log(void **state)
{
	struct fx *f = *state;
	struct jt_dp d;

	fx_start(f, &d);
	fx_create(f, &d.dp);
	assert_int_equal(access(f->path, F_OK), 0);
	fx_close(f, false);
	assert_false(f->fake.destroyed_keep_state);
	assert_int_equal(access(f->path, F_OK), -1);

	fx_open(f, false);
	fx_load(f);
	assert_true(f->res.no_state);
	assert_false(f->res.state_kept);
	fx_close(f, true);
}

static void test_open_refuses_a_file_as_dir(void **state)
{
	struct fx *f = *state;
	char err[256], file[600];
	struct pctl_backend inner = jt_backend_make(&f->fake, true);

	jt_path(file, sizeof(file), f->dir, "plain");
	jt_write(file, (const uint8_t *)"x", 1);
	jt_opts(&f->opts, &f->clk);
	assert_int_equal(pctl_journal_open(file, &inner, &f->opts, &f->j,
	                                   &f->be, err, sizeof(err)),
	                 -ENOTDIR);
	assert_non_null(strstr(err, "not a directory"));
	assert_int_equal(f->fake.destroys, 0);
}

/* Two daemons on one state directory would corrupt each other's log. */
static void test_second_journal_on_a_dir_refused(void **state)
{
	struct fx *f = *state;
	struct fake_dp other;
	struct pctl_journal *j2;
	struct pctl_backend be2;
	char err[256];

	fx_open(f, false);
	struct pctl_backend inner = jt_backend_make(&other, true);
	assert_int_equal(pctl_journal_open(f->dir, &inner, &f->opts, &j2, &be2,
	                                   err, sizeof(err)),
	                 -EBUSY);
	assert_non_null(strstr(err, "in use by another portctld"));
	assert_int_equal(other.destroys, 0);
	fx_close(f, true);
	/* Released with the first one. */
	assert_int_equal(pctl_journal_open(f->dir, &inner, &f->opts, &j2, &be2,
	                                   err, sizeof(err)),
	                 0);
	be2.ops->destroy(be2.ctx, true);
	assert_int_equal(other.destroys, 1);
}

static void test_load_twice_refused(void **state)
{
	struct fx *f = *state;

	fx_open(f, true);
	fx_load(f);
	assert_int_equal(pctl_journal_load(f->j, f->e, f->clk.mono_ms,
	                                   f->clk.real_s, &f->res),
	                 -EALREADY);
	fx_close(f, true);
}

struct check {
	const struct jt_dp *d;
	size_t n, matched;
	uint64_t now_ms;
};

/* Compares a restored mapping with the source that has its internal
 * port. */
static int check_cb(void *ctx, const struct pctl_mapping_info *m)
{
	struct check *c = ctx;
	for (size_t n = 0; n < c->n; n++) {
		const struct pctl_dp_mapping *w = &c->d[n].dp;
		if (m->int_port != w->int_port)
			continue;
		c->matched++;
		assert_int_equal(m->kind, w->kind);
		assert_int_equal(m->protocol, w->protocol);
		assert_memory_equal(&m->int_addr, &w->int_addr, 16);
		assert_memory_equal(&m->ext_addr, &w->ext_addr, 16);
		assert_int_equal(m->ext_port, w->ext_port);
		assert_int_equal(m->port_count, w->port_count);
		assert_int_equal(m->parity, w->parity);
		assert_int_equal(m->third_party, w->third_party);
		/* S-36.1, S-95: the endpoint stays fixed after a restart */
		assert_int_equal(m->prefer_failure, w->prefer_failure);
		assert_memory_equal(m->nonce, w->nonce, PCTL_NONCE_LEN);
		assert_int_equal(m->n_filters, w->n_filters);
		for (size_t i = 0; i < w->n_filters; i++) {
			assert_int_equal(m->filters[i].prefix_len,
			                 w->filters[i].prefix_len);
			assert_int_equal(m->filters[i].port,
			                 w->filters[i].port);
			assert_memory_equal(&m->filters[i].addr,
			                    &w->filters[i].addr, 16);
		}
		assert_int_equal(m->desc_len, w->desc_len);
		assert_memory_equal(m->desc, w->desc, w->desc_len);
		assert_int_equal(m->tpid_len, w->tpid_len);
		assert_memory_equal(m->tpid, w->tpid, w->tpid_len);
		assert_int_equal(m->client_port, w->client_port);
		assert_memory_equal(&m->server_addr, &w->server_addr, 16);
		/* 10 s of wall clock passed while "down". */
		assert_int_equal(m->lifetime_left, w->lifetime - 10);
	}
	return 0;
}

/* Every journal field of a data-plane mapping survives the file and comes
 * back through pctl_engine_restore() into a real engine. */
static void test_full_fields_restored_into_engine(void **state)
{
	struct fx *f = *state;
	struct jt_dp d[3];

	fx_open(f, false);
	fx_load(f);
	for (unsigned n = 0; n < 3; n++) {
		jt_dp_full(&d[n], 100 + n, n);
		assert_int_equal(f->be.ops->create(f->be.ctx, &d[n].dp), 0);
	}
	assert_int_equal(f->be.ops->commit(f->be.ctx), 0);
	fx_close(f, true);

	f->clk.mono_ms += 10000;
	f->clk.real_s += 10;
	fx_open(f, true);
	fx_load(f);
	assert_int_equal(f->res.restored, 3);
	assert_int_equal(f->res.failed, 0);
	assert_true(f->res.state_kept);
	/* The load sends nothing to the inner backend; the reconcile that
	 * follows at start (daemon/main.c) installs the restored set. */
	assert_int_equal(f->fake.creates, 0);
	assert_int_equal(f->fake.n_ids, 0);
	assert_int_equal(pctl_engine_reconcile(f->e, f->clk.mono_ms), 0);
	assert_int_equal(f->fake.n_ids, 3);

	struct check c = {d, 3, 0, f->clk.mono_ms};
	assert_int_equal(
	    pctl_engine_foreach(f->e, check_cb, &c, f->clk.mono_ms), 0);
	assert_int_equal(c.matched, 3);
	fx_close(f, true);
}

static void count_log(void *ctx, const char *msg)
{
	unsigned *n = ctx;
	if (strstr(msg, "not restored: Invalid argument"))
		(*n)++;
}

/* A mapping the engine no longer accepts (its external address left the
 * configuration while we were down) is counted, named in the log (the
 * first few), and left out of the new log. */
static void test_refused_restore_counted_and_logged(void **state)
{
	struct fx *f = *state;
	struct jt_dp d[12];
	struct pctl_engine_config cfg;
	char err[256];
	unsigned logged = 0;

	fx_open(f, false);
	fx_load(f);
	for (unsigned n = 0; n < 12; n++) {
		jt_dp_full(&d[n], 1 + n, n);
		assert_int_equal(f->be.ops->create(f->be.ctx, &d[n].dp), 0);
	}
	assert_int_equal(f->be.ops->commit(f->be.ctx), 0);
	fx_close(f, true);

	struct pctl_backend inner = jt_backend_make(&f->fake, true);
	jt_opts(&f->opts, &f->clk);
	f->opts.log = count_log;
	f->opts.log_ctx = &logged;
	assert_int_equal(pctl_journal_open(f->dir, &inner, &f->opts, &f->j,
	                                   &f->be, err, sizeof(err)),
	                 0);
	jt_engine_config(&cfg);
	assert_int_equal(pctl_addr_from_str(&cfg.ext_addrs[0], "203.0.113.99"),
	                 0);
	f->e = pctl_engine_new(&cfg, &f->be, f->clk.mono_ms);
	assert_non_null(f->e);
	assert_int_equal(pctl_journal_load(f->j, f->e, f->clk.mono_ms,
	                                   f->clk.real_s, &f->res),
	                 0);
	assert_int_equal(f->res.failed, 12);
	assert_int_equal(f->res.restored, 0);
	assert_int_equal(logged, 10);
	assert_int_equal(f->fake.n_ids, 0);
	fx_close(f, true);
	fx_open(f, false);
	fx_load(f);
	assert_int_equal(f->res.failed, 0);
	assert_int_equal(f->res.records, 3); /* epoch, boot, clean */
	fx_close(f, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_s15_journaled_only_after_inner_commit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_s15_abort_journals_nothing,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_s15_failed_commit_journals_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_s15_refused_create_journals_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refresh_and_remove_are_logged,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reconcile_and_lookup_forwarded,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_s52_idle_left_forwarded, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(
	        test_destroy_without_keep_state_removes_log, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_open_refuses_a_file_as_dir,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_second_journal_on_a_dir_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_twice_refused, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(
	        test_full_fields_restored_into_engine, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_refused_restore_counted_and_logged, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Restart with a real engine: mappings made by real MAP requests survive a
 * process killed with -9, the epoch continues by the wall-clock time that
 * passed (S-24, S-25) or restarts when the engine reset it, expired
 * mappings are dropped, and an empty state directory means "no state"
 * (S-93: the daemon then announces).  UPnP IGD mappings and pinholes come
 * back as UPnP's (issue 11).
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "jtest.h"
#include "upnp.h"

#define MAX_SEEN 64

/* The boot id the next start() runs under (NULL: the kernel's). */
static const char *boot;

struct run {
	struct jt_clock clk;
	uint64_t mono0; /* the clocks at start: they advance together */
	int64_t real0;
	struct fake_dp fake;
	struct pctl_journal *j;
	struct pctl_backend be;
	struct pctl_engine *e;
	struct pctl_journal_load_result res;
};

/* One daemon life: journal around a fake data plane, engine, load. */
static void start(struct run *r, const char *dir, uint64_t mono_ms,
                  int64_t real_s)
{
	struct pctl_journal_opts o;
	struct pctl_engine_config cfg;
	char err[256];

	r->clk.mono_ms = r->mono0 = mono_ms;
	r->clk.real_s = r->real0 = real_s;
	jt_opts(&o, &r->clk);
	o.boot_id = boot;
	struct pctl_backend inner = jt_backend_make(&r->fake, true);
	assert_int_equal(
	    pctl_journal_open(dir, &inner, &o, &r->j, &r->be, err, sizeof(err)),
	    0);
	jt_engine_config(&cfg);
	r->e = pctl_engine_new(&cfg, &r->be, mono_ms);
	assert_non_null(r->e);
	assert_int_equal(
	    pctl_journal_load(r->j, r->e, mono_ms, real_s, &r->res), 0);
	if (!r->res.state_kept) {
		/* What the daemon does (journal.h). */
		pctl_engine_state_lost(r->e, mono_ms);
		pctl_journal_tick(r->j);
	}
	/* The load installs nothing in the data plane; the daemon's
	 * reconcile installs the restored set in one pass. */
	assert_int_equal(r->fake.creates, 0);
	assert_int_equal(r->fake.commits, 0);
	assert_int_equal(pctl_engine_reconcile(r->e, mono_ms), 0);
	assert_int_equal(r->fake.reconciles, 1);
}

static void stop(struct run *r)
{
	r->be.ops->destroy(r->be.ctx, true);
	pctl_engine_free(r->e);
}

static void advance(struct run *r, uint64_t ms)
{
	r->clk.mono_ms += ms;
	r->clk.real_s =
	    r->real0 + (int64_t)((r->clk.mono_ms - r->mono0) / 1000);
}

static int setup(void **state)
{
	char *dir = malloc(256);
	assert_non_null(dir);
	jt_mkdir(dir, 256);
	*state = dir;
	return 0;
}

static int teardown(void **state)
{
	jt_rmdir(*state);
	free(*state);
	return 0;
}

/* The mappings a child makes before it is killed. */
static void make_mappings(struct run *r)
{
	uint16_t port;
	for (uint8_t h = 0; h < 12; h++) {
		uint8_t proto = h % 3 ? 6 : 17;
		assert_int_equal(jt_map(r->e, r->clk.mono_ms, &port,
		                        .host = (uint8_t)(10 + h),
		                        .protocol = proto,
		                        .int_port = (uint16_t)(8000 + h),
		                        .lifetime = 600 + 60u * h, .nonce = h,
		                        .desc = h % 2 ? "game server" : NULL),
		                 PCTL_R_SUCCESS);
		advance(r, 250);
	}
	/* A refresh, and a delete (lifetime 0) that must stay deleted. */
	assert_int_equal(jt_map(r->e, r->clk.mono_ms, &port, .host = 10,
	                        .protocol = 17, .int_port = 8000,
	                        .lifetime = 7200, .nonce = 0),
	                 PCTL_R_SUCCESS);
	assert_int_equal(jt_map(r->e, r->clk.mono_ms, &port, .host = 11,
	                        .protocol = 6, .int_port = 8001, .lifetime = 0,
	                        .nonce = 1),
	                 PCTL_R_SUCCESS);
}

/* Stops at host .13's UDP 8003 mapping when its description survived. */
static int find_description(void *ctx, const struct pctl_mapping_info *m)
{
	(void)ctx;
	static const char want[] = "game server";
	return m->int_port == 8003 && m->desc_len == sizeof(want) - 1 &&
	       !memcmp(m->desc, want, sizeof(want) - 1);
}

static void test_kill9_restores_every_mapping(void **state)
{
	const char *dir = *state;
	struct jt_seen before[MAX_SEEN], after[MAX_SEEN];
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct run r;
		close(fds[0]);
		start(&r, dir, 1000, 1700000000);
		make_mappings(&r);
		size_t n = jt_list(r.e, r.clk.mono_ms, before, MAX_SEEN);
		if (write(fds[1], &n, sizeof(n)) != sizeof(n) ||
		    write(fds[1], before, sizeof(before)) != sizeof(before))
			_exit(3);
		/* No shutdown of any kind: the journal's fd is never closed
		 * by us, nothing is flushed or synced on the way out. */
		raise(SIGKILL);
		_exit(4);
	}
	close(fds[1]);
	size_t n_before = 0, got = 0;
	assert_int_equal(read(fds[0], &n_before, sizeof(n_before)),
	                 sizeof(n_before));
	while (got < sizeof(before)) {
		ssize_t k =
		    read(fds[0], (char *)before + got, sizeof(before) - got);
		assert_true(k > 0);
		got += (size_t)k;
	}
	close(fds[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	assert_int_equal(n_before, 11); /* 12 made, 1 deleted */

	/* Reboot: the monotonic clock starts again, 20 s of wall clock went
	 * by (the child ended at 1700000003). */
	struct run r;
	start(&r, dir, 50, 1700000023);
	assert_true(r.res.state_kept);
	assert_false(r.res.corrupt);
	assert_int_equal(r.res.restored, 11);
	assert_int_equal(r.res.expired, 0);
	assert_int_equal(r.res.failed, 0);
	assert_int_equal(r.fake.n_ids, 11);
	size_t n_after = jt_list(r.e, r.clk.mono_ms, after, MAX_SEEN);
	assert_int_equal(n_after, n_before);
	for (size_t i = 0; i < n_before; i++) {
		assert_int_equal(after[i].protocol, before[i].protocol);
		assert_memory_equal(&after[i].int_addr, &before[i].int_addr,
		                    16);
		assert_int_equal(after[i].int_port, before[i].int_port);
		assert_memory_equal(&after[i].ext_addr, &before[i].ext_addr,
		                    16);
		assert_int_equal(after[i].ext_port, before[i].ext_port);
		assert_int_equal(after[i].port_count, before[i].port_count);
		/* 20 s passed; the engine rounds lifetimes up, so allow 1. */
		assert_in_range(
		    before[i].lifetime_left - after[i].lifetime_left, 19, 21);
	}
	/* Ownership survives (S-33): host .13 made UDP 8003 with nonce seed
	 * 3 and a description; its renewal keeps the external port, another
	 * nonce is refused, and the description is still there. */
	uint16_t port = 0, renewed = 0;
	for (size_t i = 0; i < n_before; i++)
		if (before[i].int_port == 8003)
			port = before[i].ext_port;
	assert_int_not_equal(port, 0);
	assert_int_equal(jt_map(r.e, r.clk.mono_ms, &renewed, .host = 13,
	                        .protocol = 17, .int_port = 8003,
	                        .lifetime = 600, .nonce = 99),
	                 PCTL_R_NOT_AUTHORIZED);
	assert_int_equal(jt_map(r.e, r.clk.mono_ms, &renewed, .host = 13,
	                        .protocol = 17, .int_port = 8003,
	                        .lifetime = 600, .nonce = 3),
	                 PCTL_R_SUCCESS);
	assert_int_equal(renewed, port);
	assert_int_equal(
	    pctl_engine_foreach(r.e, find_description, NULL, r.clk.mono_ms), 1);
	/* The restored mappings are journaled again under their new ids: a
	 * second restart finds the same set. */
	stop(&r);
	start(&r, dir, 10, 1700000030);
	assert_int_equal(r.res.restored, 11);
	stop(&r);
}

static void test_s25_epoch_continues_by_wall_clock(void **state)
{
	const char *dir = *state;
	struct run r;

	start(&r, dir, 1000, 1700000000);
	assert_true(r.res.no_state);
	advance(&r, 100000);
	assert_int_equal(pctl_engine_epoch(r.e, r.clk.mono_ms), 100);
	assert_int_equal(jt_map(r.e, r.clk.mono_ms, NULL, .host = 10,
	                        .protocol = 6, .int_port = 22, .lifetime = 3600,
	                        .nonce = 1),
	                 PCTL_R_SUCCESS);
	stop(&r);

	/* Down for 30 s; the new boot's monotonic clock starts near 0. */
	start(&r, dir, 7, 1700000130);
	assert_true(r.res.state_kept);
	assert_int_equal(r.res.epoch, 130);
	assert_int_equal(pctl_engine_epoch(r.e, 7), 130);
	advance(&r, 5000);
	assert_int_equal(pctl_engine_epoch(r.e, r.clk.mono_ms), 135);
	stop(&r);
}

static void test_s25_epoch_reset_is_journaled(void **state)
{
	const char *dir = *state;
	struct run r;

	start(&r, dir, 1000, 1700000000);
	advance(&r, 500000);
	assert_int_equal(jt_map(r.e, r.clk.mono_ms, NULL, .host = 10,
	                        .protocol = 6, .int_port = 22, .lifetime = 3600,
	                        .nonce = 1),
	                 PCTL_R_SUCCESS);
	/* A possible state loss (or new external address) resets the epoch
	 * to 0 now; the journal must not continue the old one. */
	pctl_engine_state_lost(r.e, r.clk.mono_ms);
	pctl_journal_tick(r.j);
	advance(&r, 40000);
	stop(&r);

	start(&r, dir, 3, 1700000000 + 500 + 40 + 10);
	assert_true(r.res.state_kept);
	assert_int_equal(r.res.epoch, 50);
	stop(&r);
}

static void test_expired_mappings_dropped(void **state)
{
	const char *dir = *state;
	struct run r;

	start(&r, dir, 1000, 1700000000);
	assert_int_equal(jt_map(r.e, r.clk.mono_ms, NULL, .host = 10,
	                        .protocol = 6, .int_port = 22, .lifetime = 120,
	                        .nonce = 1),
	                 PCTL_R_SUCCESS);
	assert_int_equal(jt_map(r.e, r.clk.mono_ms, NULL, .host = 11,
	                        .protocol = 6, .int_port = 22, .lifetime = 3600,
	                        .nonce = 2),
	                 PCTL_R_SUCCESS);
	stop(&r);

	/* 200 s later the 120 s mapping is gone, the other one is not. */
	start(&r, dir, 1, 1700000200);
	assert_int_equal(r.res.restored, 1);
	assert_int_equal(r.res.expired, 1);
	struct jt_seen s[2];
	assert_int_equal(jt_list(r.e, 1, s, 2), 1);
	assert_int_equal(s[0].int_addr.b[15], 11);
	/* The engine rounds lifetimes up to whole seconds. */
	assert_in_range(s[0].lifetime_left, 3400, 3401);
	stop(&r);

	/* The snapshot written at that start no longer holds it. */
	start(&r, dir, 1, 1700000201);
	assert_int_equal(r.res.restored, 1);
	assert_int_equal(r.res.expired, 0);
	stop(&r);
}

/* The log exactly as a process killed with -9 leaves it: everything but
 * the CLEAN record a clean stop appends. */
static void crash(struct run *r, const char *dir)
{
	char path[512];
	size_t len;
	jt_path(path, sizeof(path), dir, PCTL_JOURNAL_FILE);
	uint8_t *b = jt_read(path, &len);
	assert_non_null(b);
	stop(r);
	jt_write(path, b, len);
	free(b);
}

/* Boot "boot-A": one mapping, made a minute after the start. */
static void start_with_one_mapping(struct run *r, const char *dir)
{
	boot = "boot-A";
	start(r, dir, 1000, 1700000000);
	advance(r, 60000);
	assert_int_equal(jt_map(r->e, r->clk.mono_ms, NULL, .host = 10,
	                        .protocol = 6, .int_port = 22, .lifetime = 3600,
	                        .nonce = 1),
	                 PCTL_R_SUCCESS);
}

static void test_s93_crash_then_reboot_is_possible_loss(void **state)
{
	const char *dir = *state;
	struct run r;

	start_with_one_mapping(&r, dir);
	crash(&r, dir);

	/* The machine went down with it: the last sync interval may be
	 * missing although the log looks intact. */
	boot = "boot-B";
	start(&r, dir, 5, 1700000100);
	assert_false(r.res.corrupt);
	assert_false(r.res.clean_shutdown);
	assert_false(r.res.same_boot);
	assert_false(r.res.state_kept);
	assert_int_equal(r.res.restored, 1); /* what is there is restored */
	assert_non_null(strstr(r.res.message, "state may be lost"));
	/* start() did what the daemon does: the epoch restarted. */
	assert_int_equal(pctl_engine_epoch(r.e, 5), 0);
	crash(&r, dir);

	/* Only the process died: nothing was lost. */
	start(&r, dir, 5000, 1700000110);
	assert_true(r.res.same_boot);
	assert_true(r.res.state_kept);
	assert_int_equal(r.res.epoch, 10);
	stop(&r);
	boot = NULL;
}

static void test_clean_stop_survives_a_reboot(void **state)
{
	const char *dir = *state;
	struct run r;

	start_with_one_mapping(&r, dir);
	stop(&r);
	boot = "boot-B";
	start(&r, dir, 5, 1700000100);
	assert_true(r.res.clean_shutdown);
	assert_false(r.res.same_boot);
	assert_true(r.res.state_kept);
	assert_int_equal(r.res.epoch, 100);
	assert_int_equal(r.res.restored, 1);
	stop(&r);
	boot = NULL;
}

static void test_s93_empty_dir_is_no_state(void **state)
{
	const char *dir = *state;
	char path[512];
	struct run r;
	size_t len;

	start(&r, dir, 1000, 1700000000);
	assert_true(r.res.no_state);
	assert_false(r.res.state_kept);
	assert_false(r.res.corrupt);
	assert_non_null(strstr(r.res.message, "no state"));
	/* The journal now exists, with its header and epoch. */
	jt_path(path, sizeof(path), dir, PCTL_JOURNAL_FILE);
	uint8_t *b = jt_read(path, &len);
	assert_non_null(b);
	struct jt_scan s;
	jt_scan(b, len, &s);
	assert_int_equal(s.good_end, len);
	assert_true(s.epochs >= 1);
	free(b);
	stop(&r);

	/* An empty file is no state either. */
	jt_write(path, (const uint8_t *)"", 0);
	start(&r, dir, 1000, 1700000000);
	assert_true(r.res.no_state);
	stop(&r);
}

static void test_s93_foreign_file_is_no_state(void **state)
{
	const char *dir = *state;
	char path[512];
	struct run r;

	jt_path(path, sizeof(path), dir, PCTL_JOURNAL_FILE);
	jt_write(path, (const uint8_t *)"# not a journal at all\n", 23);
	start(&r, dir, 1000, 1700000000);
	assert_true(r.res.no_state);
	assert_true(r.res.corrupt);
	assert_int_equal(r.res.corrupt_offset, 0);
	assert_non_null(strstr(r.res.message, "offset 0"));
	assert_non_null(strstr(r.res.message, "bad magic"));
	stop(&r);
}

/* Issue 11: a UPnP port mapping and a UPnP pinhole come back as UPnP's:
 * the same external port, description and remote-host filter, still
 * listed by GetGenericPortMappingEntry, still refused to PCP, and the
 * pinhole under the same UniqueID. */
static void test_upnp_mappings_restored(void **state)
{
	const char *dir = *state;
	struct run r;
	start(&r, dir, 1000, 1700000000);
	struct pctl_upnp_req rq = {.now_ms = 1000, .version = 2};
	assert_int_equal(pctl_addr_from_str(&rq.src, "192.0.2.10"), 0);
	struct pctl_upnp_map m = {.protocol = 6,
	                          .ext_port = 8080,
	                          .int_addr = rq.src,
	                          .int_port = 8000,
	                          .lease = 3600,
	                          .desc = "torrent",
	                          .enabled = true};
	assert_int_equal(pctl_addr_from_str(&m.remote, "198.51.100.7"), 0);
	assert_int_equal(pctl_upnp_add(r.e, &rq, &m, false), PCTL_UPNP_OK);
	struct pctl_upnp_req rq6 = {.now_ms = 1000, .version = 1};
	assert_int_equal(pctl_addr_from_str(&rq6.src, "2001:db8::10"), 0);
	struct pctl_upnp_pinhole ph = {
	    .int_addr = rq6.src, .int_port = 443, .protocol = 6, .lease = 3600};
	/* A second pinhole first, deleted: the kept one's id is not 1. */
	struct pctl_upnp_pinhole tmp = ph;
	tmp.int_port = 444;
	assert_int_equal(pctl_upnp_pinhole_add(r.e, &rq6, &tmp), PCTL_UPNP_OK);
	assert_int_equal(pctl_upnp_pinhole_add(r.e, &rq6, &ph), PCTL_UPNP_OK);
	assert_int_equal(pctl_upnp_pinhole_delete(r.e, &rq6, tmp.uid),
	                 PCTL_UPNP_OK);
	stop(&r);

	start(&r, dir, 50, 1700000010);
	assert_true(r.res.state_kept);
	assert_int_equal(r.res.restored, 2);
	assert_int_equal(r.res.failed, 0);
	rq.now_ms = rq6.now_ms = 50;
	struct pctl_upnp_map g = {
	    .protocol = 6, .ext_port = 8080, .remote = m.remote};
	assert_int_equal(pctl_upnp_get(r.e, &rq, &g), PCTL_UPNP_OK);
	assert_int_equal(g.int_port, 8000);
	assert_string_equal(g.desc, "torrent");
	assert_in_range(g.lease_left, 3585, 3595);
	assert_int_equal(pctl_upnp_get_index(r.e, &rq, 0, &g), PCTL_UPNP_OK);
	assert_int_equal(g.ext_port, 8080);
	uint16_t port;
	assert_int_equal(jt_map(r.e, 50, &port, .host = 10, .protocol = 6,
	                        .int_port = 8000, .lifetime = 600, .nonce = 1),
	                 PCTL_R_NOT_AUTHORIZED);
	struct pctl_upnp_pinhole gp;
	assert_int_equal(pctl_upnp_pinhole_get(r.e, &rq6, ph.uid, &gp),
	                 PCTL_UPNP_OK);
	assert_int_equal(gp.int_port, 443);
	assert_int_equal(pctl_upnp_pinhole_delete(r.e, &rq6, ph.uid),
	                 PCTL_UPNP_OK);
	assert_int_equal(pctl_upnp_delete(r.e, &rq, &m.remote, 8080, 6),
	                 PCTL_UPNP_OK);
	stop(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_kill9_restores_every_mapping,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_s25_epoch_continues_by_wall_clock, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_s25_epoch_reset_is_journaled,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_expired_mappings_dropped,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_s93_crash_then_reboot_is_possible_loss, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_clean_stop_survives_a_reboot,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_s93_empty_dir_is_no_state,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_s93_foreign_file_is_no_state,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_upnp_mappings_restored, setup,
	                                    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

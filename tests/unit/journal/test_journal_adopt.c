/*
 * A damaged journal and the data plane (issue 15, item 3): the mappings the
 * kernel still holds but the damaged log lost are adopted into the engine
 * (journal_adopt.h says why) instead of being removed by the start-up
 * reconcile; their owner takes them over with its nonce on its first MAP,
 * and nobody else can.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "jtest.h"

#define HOSTS 3

static struct jt_clock clk = {1000, 1700000000};

struct world {
	char dir[256], path[512];
	struct fake_dp fake;
	struct pctl_journal *j;
	struct pctl_backend be;
	struct pctl_engine *e;
	/* What the kernel holds of the mappings of hosts 10, 11, 12. */
	struct pctl_dp_mapping kernel[HOSTS];
	uint16_t ext_port[HOSTS];
	int fail_dump; /* what the dump op fails with, 0 = it works */
};

/* Opens journal and engine; the fake data plane's dump reports w->kernel
 * (n of them). */
static void start(struct world *w, size_t n,
                  struct pctl_journal_load_result *res)
{
	struct pctl_journal_opts o;
	struct pctl_engine_config cfg;
	char err[256];
	struct pctl_backend inner = jt_backend_make(&w->fake, true);

	w->fake.dump = w->kernel;
	w->fake.n_dump = n;
	w->fake.fail_dump = (struct fake_dp_fail){
	    w->fail_dump ? FAKE_DP_ALWAYS : 0, w->fail_dump};
	jt_opts(&o, &clk);
	assert_int_equal(pctl_journal_open(w->dir, &inner, &o, &w->j, &w->be,
	                                   err, sizeof(err)),
	                 0);
	jt_engine_config(&cfg);
	w->e = pctl_engine_new(&cfg, &w->be, clk.mono_ms);
	assert_non_null(w->e);
	assert_int_equal(
	    pctl_journal_load(w->j, w->e, clk.mono_ms, clk.real_s, res), 0);
	assert_int_equal(pctl_engine_reconcile(w->e, clk.mono_ms), 0);
}

static void stop(struct world *w)
{
	w->be.ops->destroy(w->be.ctx, true);
	pctl_engine_free(w->e);
}

static int kernel_cb(void *ctx, const struct pctl_mapping_info *m)
{
	struct world *w = ctx;
	unsigned h = m->int_addr.b[15] - 10;
	assert_true(h < HOSTS);
	struct pctl_dp_mapping *k = &w->kernel[h];
	memset(k, 0, sizeof(*k));
	k->protocol = m->protocol;
	k->int_addr = m->int_addr;
	k->int_port = m->int_port;
	k->ext_addr = m->ext_addr;
	k->ext_port = m->ext_port;
	k->port_count = m->port_count;
	k->lifetime = m->lifetime_left;
	return 0;
}

/* Hosts 10, 11, 12 map TCP 8080 (nonces 0xa0, 0xa1, 0xa2); the kernel
 * view is noted; the daemon stops keeping its state. */
static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	struct pctl_journal_load_result res;
	assert_non_null(w);
	jt_mkdir(w->dir, sizeof(w->dir));
	jt_path(w->path, sizeof(w->path), w->dir, PCTL_JOURNAL_FILE);
	start(w, 0, &res);
	for (unsigned h = 0; h < HOSTS; h++)
		assert_int_equal(jt_map(w->e, clk.mono_ms, &w->ext_port[h],
		                        .host = (uint8_t)(10 + h),
		                        .protocol = 6, .int_port = 8080,
		                        .lifetime = 3600,
		                        .nonce = (uint8_t)(0xa0 + h)),
		                 PCTL_R_SUCCESS);
	pctl_engine_foreach(w->e, kernel_cb, w, clk.mono_ms);
	stop(w);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;
	jt_rmdir(w->dir);
	free(w);
	return 0;
}

/* Flips an octet in the payload of the UPSERT of host 10 + h. */
static void damage_record_of(struct world *w, unsigned h)
{
	size_t len, off = PCTLD_JR_FILE_HDR_LEN;
	uint8_t *b = jt_read(w->path, &len);
	bool hit = false;
	assert_non_null(b);
	while (off < len && !hit) {
		struct pctld_jr_record r;
		const char *why;
		size_t n = pctld_jr_next(b + off, len - off, &r, &why);
		assert_true(n > 0);
		/* internal address at payload octet 20, IPv4-mapped */
		if (r.type == PCTLD_JR_UPSERT && r.payload[35] == 10 + h) {
			b[off + PCTLD_JR_HDR_LEN + 40] ^= 0x01;
			hit = true;
		}
		off += n;
	}
	assert_true(hit);
	jt_write(w->path, b, len);
	free(b);
}

struct found {
	uint8_t host;
	bool seen, nonce_unknown;
	uint16_t ext_port;
	uint32_t lifetime_left;
};

static int find_cb(void *ctx, const struct pctl_mapping_info *m)
{
	struct found *f = ctx;
	if (m->int_addr.b[15] != f->host)
		return 0;
	f->seen = true;
	f->nonce_unknown = m->nonce_unknown;
	f->ext_port = m->ext_port;
	f->lifetime_left = m->lifetime_left;
	return 0;
}

static struct found find(const struct world *w, uint8_t host)
{
	struct found f = {.host = host};
	pctl_engine_foreach(w->e, find_cb, &f, clk.mono_ms);
	return f;
}

static void test_s25_lost_record_adopted_from_the_data_plane(void **state)
{
	struct world *w = *state;
	struct pctl_journal_load_result res;

	damage_record_of(w, 1);
	start(w, HOSTS, &res);
	assert_true(res.damaged);
	assert_false(res.state_kept); /* the epoch restarts (S-25) */
	assert_int_equal(res.restored, HOSTS - 1);
	assert_int_equal(res.adopted, 1);
	assert_int_equal(w->fake.dumps, 1);
	assert_non_null(strstr(res.message, "1 adopted"));
	/* The reconcile keeps all three in the data plane. */
	assert_int_equal(w->fake.n_ids, HOSTS);
	struct found f = find(w, 11);
	assert_true(f.seen);
	assert_true(f.nonce_unknown);
	assert_int_equal(f.ext_port, w->ext_port[1]);
	assert_int_equal(f.lifetime_left, w->kernel[1].lifetime);

	/* Its port is taken: nobody else gets it. */
	struct pctl_mapping_info other;
	memset(&other, 0, sizeof(other));
	other.kind = PCTL_MK_MAP;
	other.protocol = 6;
	other.int_addr = w->kernel[1].int_addr;
	other.int_addr.b[15] = 13;
	other.int_port = 9090;
	other.ext_addr = w->kernel[1].ext_addr;
	other.ext_port = w->ext_port[1];
	other.port_count = 1;
	other.lifetime_left = 600;
	assert_int_equal(pctl_engine_restore(w->e, &other, clk.mono_ms, NULL),
	                 -EEXIST);

	/* The owner's renewal (its own nonce) takes it over: same port. */
	uint16_t port;
	assert_int_equal(jt_map(w->e, clk.mono_ms, &port, .host = 11,
	                        .protocol = 6, .int_port = 8080,
	                        .lifetime = 3600, .nonce = 0xa1),
	                 PCTL_R_SUCCESS);
	assert_int_equal(port, w->ext_port[1]);
	assert_false(find(w, 11).nonce_unknown);
	/* From now on only that nonce (S-33). */
	assert_int_equal(jt_map(w->e, clk.mono_ms, &port, .host = 11,
	                        .protocol = 6, .int_port = 8080,
	                        .lifetime = 3600, .nonce = 0xee),
	                 PCTL_R_NOT_AUTHORIZED);
	stop(w);

	/* The adopted nonce was journaled. */
	start(w, 0, &res);
	assert_false(res.damaged);
	assert_int_equal(res.restored, HOSTS);
	assert_int_equal(jt_map(w->e, clk.mono_ms, &port, .host = 11,
	                        .protocol = 6, .int_port = 8080,
	                        .lifetime = 3600, .nonce = 0xee),
	                 PCTL_R_NOT_AUTHORIZED);
	assert_int_equal(jt_map(w->e, clk.mono_ms, &port, .host = 11,
	                        .protocol = 6, .int_port = 8080,
	                        .lifetime = 3600, .nonce = 0xa1),
	                 PCTL_R_SUCCESS);
	stop(w);
}

/* Not renewed before the next restart: still adoptable afterwards (the
 * journal records that the nonce is unknown). */
static void test_s33_unknown_nonce_adopted_after_a_restart(void **state)
{
	struct world *w = *state;
	struct pctl_journal_load_result res;
	uint16_t port;

	damage_record_of(w, 2);
	start(w, HOSTS, &res);
	assert_int_equal(res.adopted, 1);
	stop(w);
	start(w, 0, &res);
	assert_false(res.damaged);
	assert_true(find(w, 12).nonce_unknown);
	assert_int_equal(jt_map(w->e, clk.mono_ms, &port, .host = 12,
	                        .protocol = 6, .int_port = 8080,
	                        .lifetime = 3600, .nonce = 0x77),
	                 PCTL_R_SUCCESS);
	assert_int_equal(port, w->ext_port[2]);
	stop(w);
}

/* An intact log is trusted: what the kernel holds beyond it (a leftover of
 * a mapping deleted meanwhile) is not adopted, and the reconcile removes
 * it (S-93). */
static void test_intact_log_adopts_nothing(void **state)
{
	struct world *w = *state;
	struct pctl_journal_load_result res;

	w->kernel[0].ext_port = 60000; /* unknown to the journal */
	w->kernel[0].int_port = 7070;
	start(w, 1, &res);
	assert_false(res.corrupt);
	assert_int_equal(res.adopted, 0);
	assert_int_equal(w->fake.dumps, 0);
	assert_int_equal(w->fake.n_ids, HOSTS);
	stop(w);
}

/* A data plane that cannot be read back costs the adoption, not the
 * start. */
static void test_failed_dump_is_not_fatal(void **state)
{
	struct world *w = *state;
	struct pctl_journal_load_result res;

	damage_record_of(w, 0);
	w->fail_dump = -EIO;
	start(w, HOSTS, &res);
	assert_true(res.damaged);
	assert_int_equal(w->fake.dumps, 1);
	assert_int_equal(res.adopted, 0);
	assert_int_equal(res.restored, HOSTS - 1);
	stop(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_s25_lost_record_adopted_from_the_data_plane, setup,
	        teardown),
	    cmocka_unit_test_setup_teardown(
	        test_s33_unknown_nonce_adopted_after_a_restart, setup,
	        teardown),
	    cmocka_unit_test_setup_teardown(test_intact_log_adopts_nothing,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failed_dump_is_not_fatal,
	                                    setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * A damaged journal: cut at every byte offset, and two bits of every byte
 * flipped (one at a time; bit positions rotate so that all eight are hit
 * in every field).  A cut uses exactly the good prefix; a flipped bit costs
 * exactly the record it hit (replay resynchronises at the next one, issue
 * 15 item 3).  Load reports the offset of the first bad record, never
 * crashes and never leaks (the ASan suite runs this); CRC-32 catches every
 * single-bit error.
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

#define MAX_RECS 16

struct sample {
	char dir[256], path[512];
	uint8_t *buf; /* an intact journal */
	size_t len;
	size_t n_recs;
	size_t start[MAX_RECS + 1];       /* record offsets, then the length */
	size_t live_before[MAX_RECS + 1]; /* live mappings before record i */
	size_t live_without[MAX_RECS];    /* live at the end without record i */
};

/* Replays one record into a set of live ids. */
static void apply_id(const struct pctld_jr_record *r, uint64_t *ids,
                     size_t *n_ids)
{
	if (r->type != PCTLD_JR_UPSERT && r->type != PCTLD_JR_REMOVE)
		return;
	uint64_t id = pctld_jr_record_id(r);
	size_t k = 0;
	while (k < *n_ids && ids[k] != id)
		k++;
	if (r->type == PCTLD_JR_UPSERT && k == *n_ids)
		ids[(*n_ids)++] = id;
	else if (r->type == PCTLD_JR_REMOVE && k < *n_ids)
		ids[k] = ids[--*n_ids];
}

/* The live count at the end of buf's records, record `skip` left out
 * (SIZE_MAX: none), replayed here independently of the journal's own
 * replay. */
static size_t replay_count(const struct sample *s, size_t skip)
{
	uint64_t ids[MAX_RECS];
	size_t n_ids = 0;
	for (size_t r = 0; r < s->n_recs; r++) {
		struct pctld_jr_record rec;
		const char *why;
		if (r == skip)
			continue;
		assert_true(pctld_jr_next(s->buf + s->start[r],
		                          s->len - s->start[r], &rec,
		                          &why) > 0);
		apply_id(&rec, ids, &n_ids);
	}
	return n_ids;
}

static struct jt_clock clk = {1000, 1700000000};

static void open_engine(const char *dir, struct fake_dp *fake,
                        struct pctl_journal **j, struct pctl_backend *be,
                        struct pctl_engine **e)
{
	struct pctl_journal_opts o;
	struct pctl_engine_config cfg;
	char err[256];
	struct pctl_backend inner = jt_backend_make(fake, true);

	jt_opts(&o, &clk);
	assert_int_equal(
	    pctl_journal_open(dir, &inner, &o, j, be, err, sizeof(err)), 0);
	jt_engine_config(&cfg);
	*e = pctl_engine_new(&cfg, be, clk.mono_ms);
	assert_non_null(*e);
}

/* Three creates, a remove and a refresh, each its own commit, then a clean
 * close. */
static void make_sample(struct sample *s)
{
	struct fake_dp fake;
	struct pctl_journal *j;
	struct pctl_backend be;
	struct pctl_engine *e;
	struct pctl_journal_load_result res;
	struct jt_dp d[3];

	jt_mkdir(s->dir, sizeof(s->dir));
	jt_path(s->path, sizeof(s->path), s->dir, PCTL_JOURNAL_FILE);
	open_engine(s->dir, &fake, &j, &be, &e);
	assert_int_equal(pctl_journal_load(j, e, clk.mono_ms, clk.real_s, &res),
	                 0);
	for (unsigned n = 0; n < 3; n++) {
		jt_dp_full(&d[n], 10 + n, n);
		assert_int_equal(be.ops->create(be.ctx, &d[n].dp), 0);
		assert_int_equal(be.ops->commit(be.ctx), 0);
	}
	assert_int_equal(be.ops->remove(be.ctx, &d[1].dp), 0);
	assert_int_equal(be.ops->commit(be.ctx), 0);
	d[0].dp.lifetime = 7200;
	assert_int_equal(be.ops->refresh(be.ctx, &d[0].dp), 0);
	assert_int_equal(be.ops->commit(be.ctx), 0);
	be.ops->destroy(be.ctx, true);
	pctl_engine_free(e);

	s->buf = jt_read(s->path, &s->len);
	assert_non_null(s->buf);
	/* Record boundaries and the live count after each, replayed here
	 * independently of the journal's own replay. */
	size_t off = PCTLD_JR_FILE_HDR_LEN, live = 0;
	uint64_t ids[MAX_RECS];
	size_t n_ids = 0;
	s->n_recs = 0;
	while (off < s->len) {
		struct pctld_jr_record r;
		const char *why;
		size_t n = pctld_jr_next(s->buf + off, s->len - off, &r, &why);
		assert_true(n > 0);
		assert_true(s->n_recs < MAX_RECS);
		s->start[s->n_recs] = off;
		s->live_before[s->n_recs++] = live;
		apply_id(&r, ids, &n_ids);
		live = n_ids;
		off += n;
	}
	s->start[s->n_recs] = s->len;
	s->live_before[s->n_recs] = live;
	for (size_t r = 0; r < s->n_recs; r++)
		s->live_without[r] = replay_count(s, r);
	/* epoch, boot, 3 upserts, remove, upsert, clean */
	assert_int_equal(s->n_recs, 8);
	assert_int_equal(live, 2);
}

static int setup(void **state)
{
	struct sample *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	make_sample(s);
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct sample *s = *state;
	jt_rmdir(s->dir);
	free(s->buf);
	free(s);
	return 0;
}

/* Loads `len` octets of buf as the journal; returns the result. */
static struct pctl_journal_load_result
load_bytes(const struct sample *s, const uint8_t *buf, size_t len)
{
	struct fake_dp fake;
	struct pctl_journal *j;
	struct pctl_backend be;
	struct pctl_engine *e;
	struct pctl_journal_load_result res;

	jt_write(s->path, buf, len);
	open_engine(s->dir, &fake, &j, &be, &e);
	assert_int_equal(pctl_journal_load(j, e, clk.mono_ms, clk.real_s, &res),
	                 0);
	/* What was restored is what the engine, and after the start-up
	 * reconcile the data plane, hold. */
	assert_int_equal(fake.n_ids, 0);
	assert_int_equal(pctl_engine_reconcile(e, clk.mono_ms), 0);
	assert_int_equal(fake.n_ids, res.restored);
	be.ops->destroy(be.ctx, true);
	pctl_engine_free(e);
	return res;
}

/* The record holding octet `at` (at >= the file header); n_recs for the
 * end of the file. */
static size_t record_of(const struct sample *s, size_t at)
{
	size_t r = 0;
	while (r < s->n_recs && s->start[r + 1] <= at)
		r++;
	return r;
}

/* Record r is the first bad one: possible state loss, which the daemon
 * must announce (S-93), and the message says where. */
static void expect_bad_at(const struct sample *s, size_t r,
                          const struct pctl_journal_load_result *res)
{
	char off[32];
	assert_true(res->corrupt);
	assert_false(res->no_state);
	assert_false(res->state_kept);
	assert_int_equal(res->corrupt_offset, s->start[r]);
	snprintf(off, sizeof(off), "offset %zu:", s->start[r]);
	assert_non_null(strstr(res->message, off));
}

static void expect_cut_at(const struct sample *s, size_t r,
                          const struct pctl_journal_load_result *res)
{
	expect_bad_at(s, r, res);
	assert_int_equal(res->restored, s->live_before[r]);
}

/* A flipped bit in record r: that record is passed over, every other one
 * is used.  Only the last record can look like an unfinished write (its
 * length then runs past the end); then nothing is counted as damage. */
static void expect_flip_in(const struct sample *s, size_t r,
                           const struct pctl_journal_load_result *res)
{
	expect_bad_at(s, r, res);
	assert_int_equal(res->restored, s->live_without[r]);
	if (!res->damaged) {
		assert_int_equal(r, s->n_recs - 1);
		assert_int_equal(res->records, s->n_recs - 1);
		return;
	}
	assert_int_equal(res->skipped, 1);
	assert_int_equal(res->skipped_bytes, s->start[r + 1] - s->start[r]);
	assert_int_equal(res->records, s->n_recs - 1);
	assert_true(res->damaged_path[0]);
}

static void test_truncated_at_every_offset(void **state)
{
	const struct sample *s = *state;

	for (size_t cut = 0; cut <= s->len; cut++) {
		struct pctl_journal_load_result res =
		    load_bytes(s, s->buf, cut);
		if (cut == 0) {
			assert_true(res.no_state);
			assert_false(res.corrupt);
		} else if (cut < PCTLD_JR_FILE_HDR_LEN) {
			assert_true(res.no_state);
			assert_true(res.corrupt);
			assert_int_equal(res.corrupt_offset, 0);
			assert_non_null(strstr(res.message, "truncated"));
		} else {
			size_t r = record_of(s, cut);
			if (cut == s->start[r]) {
				/* A cut between records looks like a shorter,
				 * intact log. */
				assert_false(res.corrupt);
				assert_int_equal(res.restored,
				                 s->live_before[r]);
				/* Kept once the epoch and this boot's id
				 * are in (records 0 and 1). */
				assert_int_equal(res.state_kept, r >= 2);
			} else {
				expect_cut_at(s, r, &res);
				assert_non_null(
				    strstr(res.message, "truncated"));
			}
		}
	}
}

static void test_bit_flips_caught_by_crc(void **state)
{
	const struct sample *s = *state;
	uint8_t *b = malloc(s->len);
	assert_non_null(b);

	for (size_t at = 0; at < s->len; at++) {
		for (unsigned k = 0; k < 2; k++) {
			unsigned bit = (unsigned)(at + 4 * k) % 8;
			memcpy(b, s->buf, s->len);
			b[at] ^= (uint8_t)(1u << bit);
			struct pctl_journal_load_result res =
			    load_bytes(s, b, s->len);
			if (at < PCTLD_JR_FILE_HDR_LEN) {
				assert_true(res.no_state);
				assert_true(res.corrupt);
				assert_int_equal(res.restored, 0);
			} else {
				expect_flip_in(s, record_of(s, at), &res);
			}
		}
	}
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_truncated_at_every_offset,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bit_flips_caught_by_crc, setup,
	                                    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * A damaged journal in the middle (issue 15, item 3): replay passes over a
 * bad record and goes on at the next valid one (resynchronisation), keeps
 * the damaged file aside (a bounded number of copies), and reports state
 * loss (the epoch restarts, S-25).  The journals here are written with the
 * record encoder: 10,000 mappings, then damaged as the issue says: one
 * flipped octet at offset 40, a record length of 0xffffffff, garbage
 * inserted in the middle, a damaged file header.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "jtest.h"

#define N_MAPS 10000

static struct jt_clock clk = {1000, 1700000000};

struct jfile {
	char dir[256], path[512];
	uint8_t *buf;
	size_t len;
	size_t start[N_MAPS + 4]; /* record offsets; [n] = the length */
	size_t n;
};

static void add(struct jfile *f, const uint8_t *rec, size_t len)
{
	f->start[f->n++] = f->len;
	memcpy(f->buf + f->len, rec, len);
	f->len += len;
}

/* EPOCH, BOOT, N_MAPS UPSERTs of distinct NAT44 mappings, CLEAN. */
static void make_journal(struct jfile *f)
{
	uint8_t rec[PCTLD_JR_MAX_RECORD];

	jt_mkdir(f->dir, sizeof(f->dir));
	jt_path(f->path, sizeof(f->path), f->dir, PCTL_JOURNAL_FILE);
	f->buf = malloc(PCTLD_JR_FILE_HDR_LEN + (N_MAPS + 3) * 256);
	assert_non_null(f->buf);
	pctld_jr_file_header(f->buf);
	f->len = PCTLD_JR_FILE_HDR_LEN;
	f->n = 0;
	add(f, rec, pctld_jr_encode_epoch(5000, clk.real_s - 10, rec));
	add(f, rec, pctld_jr_encode_boot("other-boot", 10, rec));
	for (unsigned i = 0; i < N_MAPS; i++) {
		struct pctl_dp_mapping m;
		const uint8_t ext[4] = {203, 0, 113, 1};
		const uint8_t in[4] = {192, 0, 2, (uint8_t)(1 + i % 250)};
		memset(&m, 0, sizeof(m));
		m.id = 100 + i;
		m.kind = PCTL_MK_MAP;
		m.protocol = 6;
		pctl_addr_from_v4(&m.int_addr, in);
		m.int_port = (uint16_t)(1000 + i / 250);
		pctl_addr_from_v4(&m.ext_addr, ext);
		m.ext_port = (uint16_t)(2000 + i);
		m.port_count = 1;
		memcpy(m.nonce, &i, sizeof(i));
		m.client_addr = m.int_addr;
		size_t n = pctld_jr_encode_upsert(&m, clk.real_s + 3600, rec,
		                                  sizeof(rec));
		assert_true(n > 0);
		add(f, rec, n);
	}
	add(f, rec, pctld_jr_encode_clean(rec));
	f->start[f->n] = f->len;
}

static int setup(void **state)
{
	struct jfile *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	make_journal(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct jfile *f = *state;
	jt_rmdir(f->dir);
	free(f->buf);
	free(f);
	return 0;
}

/* Writes buf as the journal and loads it into a fresh engine; the engine
 * and the fake data plane (after the start-up reconcile) must hold what was
 * restored. */
static struct pctl_journal_load_result load(const struct jfile *f,
                                            const uint8_t *buf, size_t len)
{
	static struct fake_dp fake; /* large: not on the stack */
	struct pctl_journal *j;
	struct pctl_backend be, inner = jt_backend_make(&fake, true);
	struct pctl_journal_opts o;
	struct pctl_engine_config cfg;
	struct pctl_journal_load_result res;
	char err[256];

	jt_write(f->path, buf, len);
	jt_opts(&o, &clk);
	assert_int_equal(
	    pctl_journal_open(f->dir, &inner, &o, &j, &be, err, sizeof(err)),
	    0);
	jt_engine_config(&cfg);
	struct pctl_engine *e = pctl_engine_new(&cfg, &be, clk.mono_ms);
	assert_non_null(e);
	assert_int_equal(pctl_journal_load(j, e, clk.mono_ms, clk.real_s, &res),
	                 0);
	assert_int_equal(pctl_engine_reconcile(e, clk.mono_ms), 0);
	assert_int_equal(fake.n_ids, res.restored);
	be.ops->destroy(be.ctx, true);
	pctl_engine_free(e);
	return res;
}

/* The record holding octet `at`. */
static size_t record_of(const struct jfile *f, size_t at)
{
	size_t r = 0;
	while (r < f->n && f->start[r + 1] <= at)
		r++;
	return r;
}

static void expect_damaged(const struct pctl_journal_load_result *res,
                           size_t at)
{
	char off[32];
	assert_true(res->damaged);
	assert_true(res->corrupt);
	assert_int_equal(res->corrupt_offset, at);
	/* Possible state loss: the epoch restarts, clients re-create (S-25,
	 * S-93). */
	assert_false(res->state_kept);
	snprintf(off, sizeof(off), "offset %zu:", at);
	assert_non_null(strstr(res->message, off));
	assert_non_null(strstr(res->message, "damaged"));
}

/* One flipped octet at offset 40 (inside the first records): everything
 * but the damaged record is restored. */
static void test_s93_flip_at_40_is_possible_state_loss(void **state)
{
	const struct jfile *f = *state;
	uint8_t *b = malloc(f->len);
	assert_non_null(b);
	memcpy(b, f->buf, f->len);
	b[40] ^= 0x5a;
	size_t r = record_of(f, 40);

	struct pctl_journal_load_result res = load(f, b, f->len);
	expect_damaged(&res, f->start[r]);
	assert_int_equal(res.skipped, 1);
	assert_int_equal(res.skipped_bytes, f->start[r + 1] - f->start[r]);
	assert_int_equal(res.records, f->n - 1);
	/* Offset 40 is in the EPOCH or BOOT record: no mapping lost. */
	assert_true(r < 2);
	assert_int_equal(res.restored, N_MAPS);
	free(b);
}

/* A flipped octet inside an UPSERT in the middle: exactly that mapping is
 * lost. */
static void test_flip_in_upsert(void **state)
{
	const struct jfile *f = *state;
	uint8_t *b = malloc(f->len);
	assert_non_null(b);
	size_t r = 2 + N_MAPS / 2;
	memcpy(b, f->buf, f->len);
	b[f->start[r] + 30] ^= 0x01;

	struct pctl_journal_load_result res = load(f, b, f->len);
	expect_damaged(&res, f->start[r]);
	assert_int_equal(res.skipped, 1);
	assert_int_equal(res.restored, N_MAPS - 1);
	free(b);
}

/* A record length of 0xffffffff: impossible, passed over. */
static void test_length_all_ones(void **state)
{
	const struct jfile *f = *state;
	uint8_t *b = malloc(f->len);
	assert_non_null(b);
	size_t r = 2 + 1234;
	memcpy(b, f->buf, f->len);
	memset(b + f->start[r] + 4, 0xff, 4);

	struct pctl_journal_load_result res = load(f, b, f->len);
	expect_damaged(&res, f->start[r]);
	assert_non_null(strstr(res.message, "length"));
	assert_int_equal(res.restored, N_MAPS - 1);
	free(b);
}

/* 5000 octets of garbage between two records (with forged record headers
 * in it whose CRC does not fit): nothing is lost. */
static void test_garbage_inserted(void **state)
{
	const struct jfile *f = *state;
	const size_t g = 5000;
	uint8_t *b = malloc(f->len + g);
	assert_non_null(b);
	size_t at = f->start[2 + 777];
	memcpy(b, f->buf, at);
	for (size_t i = 0; i < g; i++)
		b[at + i] = (uint8_t)(i * 7 + 3);
	for (size_t i = 0; i + 12 <= g; i += 100) {
		/* Plausible UPSERT header, length 128, CRC of nothing. */
		memset(b + at + i, 0, 12);
		b[at + i] = PCTLD_JR_UPSERT;
		b[at + i + 7] = 128;
	}
	memcpy(b + at + g, f->buf + at, f->len - at);

	struct pctl_journal_load_result res = load(f, b, f->len + g);
	expect_damaged(&res, at);
	assert_int_equal(res.skipped, 1);
	assert_int_equal(res.skipped_bytes, g);
	assert_int_equal(res.restored, N_MAPS);
	free(b);
}

/* A cut in the middle of the last record is an unfinished write, not
 * damage: no copy kept, nothing skipped. */
static void test_unfinished_tail_is_not_damage(void **state)
{
	const struct jfile *f = *state;
	size_t cut = f->start[f->n - 2] + 20; /* inside the last UPSERT */

	struct pctl_journal_load_result res = load(f, f->buf, cut);
	assert_true(res.corrupt);
	assert_false(res.damaged);
	assert_int_equal(res.skipped, 0);
	assert_string_equal(res.damaged_path, "");
	assert_int_equal(res.restored, N_MAPS - 1);
}

static size_t count_copies(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		n += !strncmp(de->d_name, PCTL_JOURNAL_DAMAGED_PREFIX,
		              strlen(PCTL_JOURNAL_DAMAGED_PREFIX));
	closedir(d);
	return n;
}

/* The damaged file survives, byte for byte, beside the rewritten log; at
 * most 4 (the default) copies are kept, the newest. */
static void test_damaged_copy_kept(void **state)
{
	struct jfile *f = *state;
	uint8_t *b = malloc(f->len);
	assert_non_null(b);
	char last[320] = "";

	for (unsigned k = 0; k < 6; k++) {
		memcpy(b, f->buf, f->len);
		b[f->start[3 + k] + 20] ^= 0x80;
		clk.real_s += 1; /* a new name each time */
		struct pctl_journal_load_result res = load(f, b, f->len);
		assert_true(res.damaged);
		assert_true(res.damaged_path[0]);
		assert_non_null(strstr(res.damaged_path, f->dir));
		assert_non_null(strstr(res.message, res.damaged_path));
		size_t n;
		uint8_t *kept = jt_read(res.damaged_path, &n);
		assert_non_null(kept);
		assert_int_equal(n, f->len);
		assert_memory_equal(kept, b, n);
		free(kept);
		/* The log itself was rewritten: it loads intact now. */
		size_t ln;
		uint8_t *log = jt_read(f->path, &ln);
		struct jt_scan sc;
		jt_scan(log, ln, &sc);
		assert_int_equal(sc.good_end, ln);
		free(log);
		assert_true(strcmp(res.damaged_path, last) > 0);
		snprintf(last, sizeof(last), "%s", res.damaged_path);
		assert_int_equal(count_copies(f->dir), k + 1 < 4 ? k + 1 : 4);
	}
	struct stat st;
	assert_int_equal(stat(last, &st), 0);
	free(b);
}

/* A damaged file header: no record can be trusted, but the file is kept
 * aside before it is replaced. */
static void test_bad_header_kept(void **state)
{
	const struct jfile *f = *state;
	uint8_t *b = malloc(f->len);
	assert_non_null(b);
	memcpy(b, f->buf, f->len);
	b[3] ^= 0x10;

	struct pctl_journal_load_result res = load(f, b, f->len);
	assert_true(res.no_state);
	assert_true(res.damaged);
	assert_true(res.damaged_path[0]);
	assert_int_equal(res.restored, 0);
	free(b);
}

/* The scan's work is bounded: a buffer of forged UPSERT headers at every
 * offset (each claiming the largest payload, none with a fitting CRC)
 * spends the budget and gives up at the end instead of hashing ~7 KiB per
 * octet; an honest record after garbage is found within budget. */
static void test_resync_budget(void **state)
{
	(void)state;
	const size_t len = 256 * 1024;
	uint8_t *b = calloc(1, len);
	assert_non_null(b);
	for (size_t i = 0; i + 12 <= len; i += 8) {
		b[i] = PCTLD_JR_UPSERT;
		b[i + 6] = 0x18; /* 0x1800 = 6144 octets of payload */
	}
	uint64_t budget = 1u << 20;
	assert_int_equal(pctld_jr_resync(b, len, 0, &budget), len);
	assert_int_equal(budget, 0);

	uint8_t rec[PCTLD_JR_HDR_LEN];
	memset(b, 0x77, len);
	memcpy(b + 1000, rec, pctld_jr_encode_clean(rec));
	budget = 1u << 20;
	assert_int_equal(pctld_jr_resync(b, len, 0, &budget), 1000);
	assert_true(budget > 0);
	free(b);
}

/* pctl_journal_replay (the fuzz target's way in) restores an image from
 * memory exactly as a load of the same bytes from the file does, writes
 * nothing, and runs once. */
static void test_replay_from_memory_is_the_load(void **state)
{
	const struct jfile *f = *state;
	static struct fake_dp fake;
	static struct jt_seen seen[N_MAPS];
	uint8_t *b = malloc(f->len);
	assert_non_null(b);
	memcpy(b, f->buf, f->len);
	b[f->start[2 + N_MAPS / 2] + 30] ^= 0x01; /* damaged, resynchronised */

	for (int damaged = 0; damaged < 2; damaged++) {
		const uint8_t *img = damaged ? b : f->buf;
		struct pctl_journal_load_result fl = load(f, img, f->len), mr;
		struct pctl_journal *j;
		struct pctl_backend be, inner = jt_backend_make(&fake, true);
		struct pctl_journal_opts o;
		struct pctl_engine_config cfg;
		struct stat st;
		char err[256];

		assert_int_equal(unlink(f->path), 0);
		jt_opts(&o, &clk);
		assert_int_equal(pctl_journal_open(f->dir, &inner, &o, &j, &be,
		                                   err, sizeof(err)),
		                 0);
		jt_engine_config(&cfg);
		struct pctl_engine *e = pctl_engine_new(&cfg, &be, clk.mono_ms);
		assert_non_null(e);
		assert_int_equal(pctl_journal_replay(j, e, img, f->len,
		                                     clk.mono_ms, clk.real_s,
		                                     &mr),
		                 0);
		assert_int_equal(mr.damaged, fl.damaged);
		assert_int_equal(mr.damaged, damaged);
		assert_int_equal(mr.corrupt_offset, fl.corrupt_offset);
		assert_int_equal(mr.skipped_bytes, fl.skipped_bytes);
		assert_int_equal(mr.records, fl.records);
		assert_int_equal(mr.restored, fl.restored);
		assert_int_equal(mr.state_kept, fl.state_kept);
		assert_int_equal(mr.epoch, fl.epoch);
		assert_int_equal(jt_list(e, clk.mono_ms, seen, N_MAPS),
		                 mr.restored);
		assert_string_equal(mr.damaged_path, "");
		struct pctl_journal_load_result again;
		assert_int_equal(pctl_journal_replay(j, e, img, f->len,
		                                     clk.mono_ms, clk.real_s,
		                                     &again),
		                 -EALREADY);
		assert_int_equal(
		    pctl_journal_load(j, e, clk.mono_ms, clk.real_s, &again),
		    -EALREADY);
		be.ops->destroy(be.ctx, true);
		pctl_engine_free(e);
		/* Nothing was written, not even at the clean close. */
		assert_int_not_equal(stat(f->path, &st), 0);
	}
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_s93_flip_at_40_is_possible_state_loss, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flip_in_upsert, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_length_all_ones, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_garbage_inserted, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_unfinished_tail_is_not_damage,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_damaged_copy_kept, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_bad_header_kept, setup,
	                                    teardown),
	    cmocka_unit_test(test_resync_budget),
	    cmocka_unit_test_setup_teardown(test_replay_from_memory_is_the_load,
	                                    setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

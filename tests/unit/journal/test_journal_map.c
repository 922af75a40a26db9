/*
 * The journal's live set (journal_map.c): a doubling is left under way
 * after the reserve that starts it, each put or delete moves a bounded
 * number of old slots, and lookups, replacements and deletes are right on
 * both sides of the moving boundary (issue 16).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "journal_map.h"

enum { N = 20000 };

static uint8_t *rec_of(uint64_t id)
{
	uint8_t *r = malloc(8);
	assert_non_null(r);
	for (int i = 0; i < 8; i++)
		r[i] = (uint8_t)(id >> (8 * i));
	return r;
}

static void check(const struct pctld_jmap *m, const uint8_t *live)
{
	size_t n = 0;

	for (uint64_t id = 1; id <= N; id++) {
		struct pctld_jmap_slot *s = pctld_jmap_get(m, id);
		if (!live[id]) {
			assert_null(s);
			continue;
		}
		n++;
		assert_non_null(s);
		assert_int_equal(s->id, id);
		assert_int_equal(s->rec[0], (uint8_t)id);
		assert_int_equal(s->len, live[id]);
	}
	assert_int_equal(m->n, n);
}

static void test_resize_is_spread_over_puts_and_deletes(void **state)
{
	(void)state;
	struct pctld_jmap m = {0};
	uint8_t *live = calloc(N + 1, 1);
	unsigned resizes = 0, checks = 0;

	assert_non_null(live);
	for (uint64_t id = 1; id <= N; id++) {
		size_t cap = m.cap;
		assert_int_equal(pctld_jmap_reserve(&m, m.n + 1), 0);
		if (cap && m.cap != cap) {
			/* The reserve that doubles moves nothing yet. */
			resizes++;
			assert_true(pctld_jmap_resizing(&m));
			assert_int_equal(m.moved, 0);
		}
		size_t moved = m.moved;
		bool was = pctld_jmap_resizing(&m);
		assert_null(pctld_jmap_put(&m, id, rec_of(id), 1));
		live[id] = 1;
		if (was && pctld_jmap_resizing(&m))
			assert_true(m.moved - moved <= 8);
		if (pctld_jmap_resizing(&m) && id % 3 == 0) {
			/* Replace one, delete another, wherever they are. */
			free(pctld_jmap_put(&m, id / 2 + 1, rec_of(id / 2 + 1),
			                    2));
			live[id / 2 + 1] = 2; /* put: replaced or added */
			free(pctld_jmap_del(&m, id / 3));
			live[id / 3] = 0;
		}
		if (pctld_jmap_resizing(&m) && id % 101 == 0) {
			check(&m, live);
			checks++;
		}
	}
	assert_true(resizes >= 8);
	assert_true(checks > 20);
	pctld_jmap_step(&m, SIZE_MAX);
	assert_false(pctld_jmap_resizing(&m));
	check(&m, live);
	/* One array now: walking it finds every entry once. */
	size_t seen = 0;
	for (size_t i = 0; i < m.cap; i++)
		if (m.slots[i].rec) {
			assert_true(live[m.slots[i].id]);
			seen++;
		}
	assert_int_equal(seen, m.n);
	free(live);
	pctld_jmap_free(&m, 1);
}

/* Freed in the middle of a resize: both arrays' records go (ASan). */
static void test_free_during_resize(void **state)
{
	(void)state;
	struct pctld_jmap m = {0};

	for (uint64_t id = 1; !pctld_jmap_resizing(&m) || id < 40; id++) {
		assert_int_equal(pctld_jmap_reserve(&m, m.n + 1), 0);
		pctld_jmap_put(&m, id, rec_of(id), 1);
	}
	assert_true(pctld_jmap_resizing(&m));
	pctld_jmap_free(&m, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_resize_is_spread_over_puts_and_deletes),
	    cmocka_unit_test(test_free_during_resize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Issue 16: the mapping table's indexes and its host index double a few
 * buckets at a time (table.h).  These tests check that a doubling is left
 * under way after the insertion that starts it, that each later call
 * moves a bounded number of buckets, and that everything stays correct
 * while a resize runs: lookups in every index, deletes on both sides of
 * the moving boundary, iteration, the admin list's pages and expiry; and
 * the same for the cooling store of released ports (S-53).
 */
#include "etest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_state.h"
#include "table.h"

enum { N = 6000 };

/* Mapping i: host 10.x.y.z = i / 2 (two mappings each, so the host index
 * grows too); every third one a PEER (it is in the EIM index). */
static void fill(struct pctl_mapping *m, uint32_t i)
{
	uint32_t host = i / 2 + 1;
	uint8_t v4[4] = {10, (uint8_t)(host >> 16), (uint8_t)(host >> 8),
	                 (uint8_t)host};
	pctl_addr_from_v4(&m->int_addr, v4);
	m->ext_addr = et_addr("203.0.113.1");
	m->protocol = 17;
	m->int_port = (uint16_t)(1000 + i % 2);
	m->ext_port = (uint16_t)(1024 + i % 60000);
	m->ext_addr.b[14] = (uint8_t)(i / 60000);
	if (i % 3 == 0) {
		m->kind = PCTL_MK_PEER;
		m->remote_addr = et_addr("198.51.100.7");
		m->remote_port = (uint16_t)(i % 50000 + 1);
	} else {
		m->kind = PCTL_MK_MAP;
	}
}

/* Every live mapping is found through each of its indexes, and host
 * counts add up. */
static void check_all(const struct pctl_table *t, struct pctl_mapping **ms,
                      uint32_t n)
{
	uint32_t live = 0;

	for (uint32_t i = 0; i < n; i++) {
		struct pctl_mapping *m = ms[i];
		if (!m)
			continue;
		live++;
		if (m->kind == PCTL_MK_PEER) {
			assert_ptr_equal(pctl_table_find_peer(
			                     t, &m->int_addr, 17, m->int_port,
			                     &m->remote_addr, m->remote_port),
			                 m);
			assert_ptr_equal(pctl_table_find_eim(t, &m->int_addr,
			                                     17, m->int_port,
			                                     NULL, 0),
			                 m);
		} else {
			assert_ptr_equal(pctl_table_find_int(t, &m->int_addr,
			                                     17, m->int_port,
			                                     NULL, 0),
			                 m);
		}
		assert_ptr_equal(
		    pctl_table_find_ext(t, &m->ext_addr, 17, m->ext_port), m);
		uint32_t peer = i ^ 1; /* the other mapping of its host */
		uint32_t want = 1 + (peer < n && ms[peer] != NULL);
		assert_int_equal(pctl_table_host_count(t, &m->int_addr), want);
	}
	assert_int_equal(t->count, live);
}

/* pctl_table_next visits exactly the live records, each once. */
static void check_iteration(const struct pctl_table *t,
                            struct pctl_mapping **ms, uint32_t n)
{
	uint32_t idx = 0, seen = 0;
	struct pctl_mapping *m;
	uint8_t *mark = calloc(t->next_fresh, 1);

	assert_non_null(mark);
	while ((m = pctl_table_next(t, &idx)) != NULL) {
		assert_int_equal(mark[m->idx], 0);
		mark[m->idx] = 1;
		seen++;
	}
	for (uint32_t i = 0; i < n; i++)
		if (ms[i])
			assert_int_equal(mark[ms[i]->idx], 1);
	assert_int_equal(seen, t->count);
	free(mark);
}

static void test_resize_is_spread_over_later_calls(void **state)
{
	(void)state;
	struct pctl_table t;
	struct pctl_mapping **ms = calloc(N, sizeof(*ms));
	unsigned bucket_resizes = 0, host_resizes = 0, checks = 0;

	assert_non_null(ms);
	assert_int_equal(pctl_table_init(&t, 0), 0);
	for (uint32_t i = 0; i < N; i++) {
		uint32_t mask = t.bucket_mask, host_mask = t.host_mask;
		bool was = t.old_buckets[0] != NULL;
		uint32_t next = t.rehash_next;
		struct pctl_mapping *m = pctl_table_alloc(&t);
		assert_non_null(m);
		fill(m, i);
		assert_int_equal(pctl_table_link(&t, m), 0);
		ms[i] = m;
		if (t.bucket_mask != mask) {
			/* The insertion that doubles moves nothing yet. */
			bucket_resizes++;
			assert_non_null(t.old_buckets[0]);
			assert_int_equal(t.rehash_next, 0);
		} else if (was && t.old_buckets[0]) {
			assert_true(t.rehash_next - next <=
			            PCTL_TABLE_REHASH_STEP);
		}
		if (t.host_mask != host_mask) {
			host_resizes++;
			assert_non_null(t.old_hosts);
		}
		/* Mid-resize: unlink every fifth mapping, wherever its
		 * buckets are, and check the whole table now and then. */
		if (pctl_table_resizing(&t) && i % 5 == 4) {
			struct pctl_mapping *d = ms[i - 2];
			if (d) {
				pctl_table_unlink(&t, d);
				pctl_table_release(&t, d);
				ms[i - 2] = NULL;
			}
		}
		if (pctl_table_resizing(&t) && i % 97 == 0) {
			check_all(&t, ms, i + 1);
			check_iteration(&t, ms, i + 1);
			checks++;
		}
	}
	assert_true(bucket_resizes >= 6);
	assert_true(host_resizes >= 5);
	assert_true(checks > 10);
	check_all(&t, ms, N);
	/* Emptying the table through resizes leaves nothing behind (and
	 * ASan sees no leak of an old array). */
	for (uint32_t i = 0; i < N; i++)
		if (ms[i]) {
			pctl_table_unlink(&t, ms[i]);
			pctl_table_release(&t, ms[i]);
			ms[i] = NULL;
		}
	assert_int_equal(t.count, 0);
	assert_int_equal(t.n_hosts, 0);
	free(ms);
	pctl_table_fini(&t);
}

/* A table freed in the middle of a resize frees both arrays (ASan). */
static void test_fini_during_resize(void **state)
{
	(void)state;
	struct pctl_table t;

	assert_int_equal(pctl_table_init(&t, 0), 0);
	for (uint32_t i = 0; !pctl_table_resizing(&t) || i < 20; i++) {
		struct pctl_mapping *m = pctl_table_alloc(&t);
		fill(m, i);
		assert_int_equal(pctl_table_link(&t, m), 0);
	}
	assert_true(pctl_table_resizing(&t));
	pctl_table_fini(&t);
}

/* Host number of a listed mapping (10.0.h/250.h%250+1), counted. */
struct listed {
	uint8_t count[60000];
};

static int count_listed(void *ctx, const struct pctl_mapping_info *i)
{
	struct listed *l = ctx;
	unsigned h = i->int_addr.b[14] * 250u + i->int_addr.b[15] - 1;

	if (h < 60000 && l->count[h] < 255)
		l->count[h]++;
	return 0;
}

static void map_host(struct etest *t, unsigned h, uint32_t lifetime)
{
	char host[32];
	struct req r;

	snprintf(host, sizeof(host), "10.0.%u.%u", h / 250, h % 250 + 1);
	req_map(&r, .client = host, .nonce = (uint8_t)h, .protocol = 17,
	        .int_port = 5000, .lifetime = lifetime);
	et_send(t, host, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
}

/* Expiry (the timer wheel unlinks) and the admin list's pages while the
 * engine's table is being resized; renewals then find every survivor. */
static void test_expiry_and_pages_during_resize(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.max_per_host = 0;
	c.max_mappings = 0;
	struct etest *t = et_open(state, &c);
	unsigned n = 0;

	/* Grow until a doubling has just started; odd hosts short-lived. */
	while (!pctl_table_resizing(&t->e->table) || n < 1000) {
		map_host(t, n, n % 2 ? 60 : 3600);
		n++;
		assert_true(n < 20000);
	}
	assert_true(pctl_table_resizing(&t->e->table));
	t->now += 300 * 1000; /* past the minimum lifetime too */
	pctl_engine_tick(t->e, t->now);
	assert_int_equal(et_count(t), n / 2 + n % 2);
	assert_int_equal(t->fb.live, (long)et_count(t));

	/* The next doubling, then pages of 10 while it runs, with two new
	 * mappings between pages. */
	unsigned extra = 0;
	while (!pctl_table_resizing(&t->e->table)) {
		map_host(t, 30000 + extra++, 3600);
		assert_true(extra < 20000);
	}
	unsigned before_walk = extra;
	struct listed *l = calloc(1, sizeof(*l));
	uint32_t cursor = 0, end = t->e->table.next_fresh;
	unsigned resizing_pages = 0;
	assert_non_null(l);
	while (pctl_engine_foreach_page(t->e, &cursor, 10, count_listed, l,
	                                t->now) > 0) {
		resizing_pages += pctl_table_resizing(&t->e->table);
		/* Only while the walk is before the start's last slot: what
		 * is added at the end would be ahead of it forever. */
		for (int k = 0; k < 2 && cursor < end; k++)
			map_host(t, 30000 + extra++, 3600);
	}
	assert_true(resizing_pages > 0);
	/* Every mapping that lived through the walk was listed exactly once;
	 * new ones at most once (they may reuse slots behind the cursor). */
	for (unsigned h = 0; h < n; h++)
		assert_int_equal(l->count[h], h % 2 ? 0 : 1);
	for (unsigned h = 30000; h < 30000 + extra; h++)
		assert_true(l->count[h] <= 1 &&
		            (h >= 30000 + before_walk || l->count[h] == 1));
	free(l);
	for (unsigned h = 0; h < n; h += 2) {
		uint64_t before = et_count(t);
		map_host(t, h, 3600); /* a renewal: same mapping */
		assert_int_equal(et_count(t), before);
	}
}

/* S-53 while the cooling store doubles: every client reclaims its own
 * external port after a delete, with resizes under way in between. */
static void test_cooling_reclaim_during_resize(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.max_per_host = 0;
	struct etest *t = et_open(state, &c);
	enum { H = 600 };
	uint16_t *port = calloc(H, sizeof(*port));
	char host[32];
	struct req r;
	unsigned resizing = 0;

	assert_non_null(port);
	for (unsigned h = 0; h < H; h++) {
		map_host(t, h, 3600);
		port[h] = EXTPORT(t);
	}
	for (unsigned h = 0; h < H; h++) {
		snprintf(host, sizeof(host), "10.0.%u.%u", h / 250,
		         h % 250 + 1);
		req_map(&r, .client = host, .nonce = (uint8_t)h, .protocol = 17,
		        .int_port = 5000, .lifetime = 0);
		et_send(t, host, &r);
		assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
		resizing += t->e->cooling.old_buckets != NULL;
	}
	assert_true(resizing > 0);
	assert_int_equal(t->e->cooling.count, H);
	for (unsigned h = 0; h < H; h++) {
		map_host(t, h, 3600);
		assert_int_equal(EXTPORT(t), port[h]);
	}
	assert_int_equal(t->e->cooling.count, 0);
	free(port);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_resize_is_spread_over_later_calls),
	    cmocka_unit_test(test_fini_during_resize),
	    ET_TEST_CFG(test_expiry_and_pages_during_resize),
	    ET_TEST_CFG(test_cooling_reclaim_during_resize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

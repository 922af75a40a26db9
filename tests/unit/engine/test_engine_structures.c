/*
 * The engine's data structures on their own: mapping table and indexes,
 * port allocator, timer wheel, policy rules (the rate limiter has
 * test_engine_ratelimit.c).
 */
#include "etest.h"

#include <stdlib.h>
#include <string.h>

#include "engine_core.h"
#include "policy.h"
#include "portalloc.h"
#include "siphash.h"
#include "table.h"
#include "timerwheel.h"

static void fill(struct pctl_mapping *m, uint32_t host, uint8_t proto,
                 uint16_t port)
{
	uint8_t v4[4] = {10, (uint8_t)(host >> 16), (uint8_t)(host >> 8),
	                 (uint8_t)host};
	pctl_addr_from_v4(&m->int_addr, v4);
	m->ext_addr = et_addr("203.0.113.1");
	m->protocol = proto;
	m->int_port = port;
	m->ext_port = (uint16_t)(1024 + host * 4 + (port % 4));
	m->kind = PCTL_MK_MAP;
}

static void test_record_is_small(void **state)
{
	(void)state;
	/* docs/design.md aims under 128 bytes, variable data out of line; the
	 * EIM index's two links make it exactly 128, two whole cache lines. */
	assert_true(sizeof(struct pctl_mapping) <= 128);
}

static void test_table_indexes_and_growth(void **state)
{
	(void)state;
	struct pctl_table t;
	enum { N = 20000 };
	assert_int_equal(pctl_table_init(&t, 16), 0);
	uint64_t *ids = calloc(N, sizeof(*ids));
	for (uint32_t i = 0; i < N; i++) {
		struct pctl_mapping *m = pctl_table_alloc(&t);
		assert_non_null(m);
		fill(m, i / 4, 6, (uint16_t)(1000 + i % 4));
		assert_int_equal(pctl_table_link(&t, m), 0);
		ids[i] = pctl_mapping_id(m);
	}
	assert_int_equal(t.count, N);
	for (uint32_t i = 0; i < N; i += 97) {
		struct pctl_mapping probe;
		memset(&probe, 0, sizeof(probe));
		fill(&probe, i / 4, 6, (uint16_t)(1000 + i % 4));
		struct pctl_mapping *m = pctl_table_find_int(
		    &t, &probe.int_addr, 6, probe.int_port, NULL, 0);
		assert_non_null(m);
		assert_int_equal(pctl_mapping_id(m), ids[i]);
		assert_ptr_equal(pctl_table_by_id(&t, ids[i]), m);
		assert_null(pctl_table_find_int(&t, &probe.int_addr, 17,
		                                probe.int_port, NULL, 0));
		assert_int_equal(pctl_table_host_count(&t, &probe.int_addr), 4);
	}
	/* Unlink half; the rest stays findable, ids of removed are dead. */
	for (uint32_t i = 0; i < N; i += 2) {
		struct pctl_mapping *m = pctl_table_by_id(&t, ids[i]);
		pctl_table_unlink(&t, m);
		pctl_table_release(&t, m);
		assert_null(pctl_table_by_id(&t, ids[i]));
	}
	for (uint32_t i = 1; i < N; i += 2) {
		struct pctl_mapping *m = pctl_table_by_id(&t, ids[i]);
		assert_non_null(m);
		assert_ptr_equal(
		    pctl_table_find_ext(&t, &m->ext_addr, 6, m->ext_port), m);
		assert_int_equal(pctl_table_host_count(&t, &m->int_addr), 2);
	}
	/* A reused slot gets a new id. */
	struct pctl_mapping *m = pctl_table_alloc(&t);
	assert_true(pctl_mapping_id(m) != ids[N - 2]);
	pctl_table_release(&t, m);
	free(ids);
	pctl_table_fini(&t);
}

/* S-43: PEERs found by internal endpoint alone, through growth and
 * removal from the middle of a chain; MAP records are not in the index. */
static void test_s43_eim_index_finds_peers_by_endpoint(void **state)
{
	(void)state;
	struct pctl_table t;
	enum { N = 6000 };
	assert_int_equal(pctl_table_init(&t, 16), 0);
	struct pctl_mapping *m[N];
	/* Three PEERs (three remotes) per endpoint, 2000 endpoints; the
	 * table grows several times while they are linked. */
	for (uint32_t i = 0; i < N; i++) {
		m[i] = pctl_table_alloc(&t);
		assert_non_null(m[i]);
		fill(m[i], i / 3, 17, 4000);
		m[i]->kind = PCTL_MK_PEER;
		uint8_t r[4] = {198, 51, 100, (uint8_t)(i % 3)};
		pctl_addr_from_v4(&m[i]->remote_addr, r);
		m[i]->remote_port = 443;
		assert_int_equal(pctl_table_link(&t, m[i]), 0);
	}
	struct pctl_mapping *map = pctl_table_alloc(&t);
	fill(map, 90000, 17, 4000); /* a MAP alone on its endpoint */
	assert_int_equal(pctl_table_link(&t, map), 0);
	assert_null(pctl_table_find_eim(&t, &map->int_addr, 17, 4000, NULL, 0));
	for (uint32_t e = 0; e < N / 3; e++) {
		struct pctl_mapping *f = pctl_table_find_eim(
		    &t, &m[3 * e]->int_addr, 17, 4000, NULL, 0);
		assert_non_null(f);
		assert_true(pctl_addr_equal(&f->int_addr, &m[3 * e]->int_addr));
		assert_null(pctl_table_find_eim(&t, &m[3 * e]->int_addr, 6,
		                                4000, NULL, 0));
	}
	/* Remove the middle one, then the others, of every endpoint: found
	 * while any is left, gone after the last. */
	for (uint32_t e = 0; e < N / 3; e++) {
		const pctl_addr a = m[3 * e]->int_addr;
		static const int order[3] = {1, 0, 2};
		for (int k = 0; k < 3; k++) {
			struct pctl_mapping *x = m[3 * e + (uint32_t)order[k]];
			pctl_table_unlink(&t, x);
			pctl_table_release(&t, x);
			struct pctl_mapping *f =
			    pctl_table_find_eim(&t, &a, 17, 4000, NULL, 0);
			if (k < 2)
				assert_non_null(f);
			else
				assert_null(f);
		}
	}
	pctl_table_fini(&t);
}

static void test_x42_tpid_is_part_of_the_key(void **state)
{
	(void)state;
	struct pctl_table t;
	assert_int_equal(pctl_table_init(&t, 0), 0);
	struct pctl_mapping *a = pctl_table_alloc(&t);
	fill(a, 1, 17, 5000);
	assert_int_equal(pctl_extra_make(NULL, 0, NULL, 0, NULL, 0,
	                                 (const uint8_t *)"sub1", 4, &a->extra),
	                 0);
	assert_int_equal(pctl_table_link(&t, a), 0);
	assert_null(pctl_table_find_int(&t, &a->int_addr, 17, 5000, NULL, 0));
	assert_null(pctl_table_find_int(&t, &a->int_addr, 17, 5000,
	                                (const uint8_t *)"sub2", 4));
	assert_ptr_equal(pctl_table_find_int(&t, &a->int_addr, 17, 5000,
	                                     (const uint8_t *)"sub1", 4),
	                 a);
	pctl_table_fini(&t);
}

/* The word-by-word init marks exactly the ports outside [min, max]. */
static void test_portmap_init_marks_outside_range(void **state)
{
	(void)state;
	static const uint16_t r[][2] = {
	    {1024, 65535}, {1, 65535},   {0, 65535}, {100, 100},
	    {63, 64},      {5000, 5127}, {128, 191}, {65535, 65535}};
	struct pctl_portmap *pm = malloc(sizeof(*pm));
	assert_non_null(pm);
	for (size_t k = 0; k < sizeof(r) / sizeof(r[0]); k++) {
		pctl_portmap_init(pm, r[k][0], r[k][1]);
		for (uint32_t p = 0; p < 65536; p++)
			assert_int_equal(pctl_portmap_taken(pm, (uint16_t)p),
			                 p < r[k][0] || p > r[k][1]);
		int f = pctl_portmap_find(pm, 0);
		assert_int_equal(f, r[k][0]);
	}
	free(pm);
}

static void test_portmap_finds_every_free_port_once(void **state)
{
	(void)state;
	struct pctl_portmap pm;
	pctl_portmap_init(&pm, 60000, 60999);
	pctl_portmap_set(&pm, 60500);
	uint8_t *seen = calloc(65536, 1);
	uint16_t start = 60000;
	for (int i = 0; i < 999; i++) {
		/* Starts all over the range, as the engine's are. */
		start = (uint16_t)(60000 + (start * 7919u + 13) % 1000);
		int p = pctl_portmap_find(&pm, start);
		assert_true(p >= 60000 && p <= 60999 && p != 60500);
		assert_false(seen[p]);
		seen[p] = 1;
		pctl_portmap_set(&pm, (uint16_t)p);
	}
	assert_int_equal(pctl_portmap_find(&pm, 60000), -1);
	pctl_portmap_clear(&pm, 60123);
	assert_int_equal(pctl_portmap_find(&pm, 60999), 60123);
	free(seen);
}

/* The first free port at or after the start; past the last free one the
 * search wraps round, also into the start's own word. */
static void test_portmap_find_from_start_wraps(void **state)
{
	(void)state;
	struct pctl_portmap pm;
	pctl_portmap_init(&pm, 1024, 65535);
	assert_int_equal(pctl_portmap_find(&pm, 40000), 40000);
	pctl_portmap_set(&pm, 40000);
	assert_int_equal(pctl_portmap_find(&pm, 40000), 40001);
	assert_int_equal(pctl_portmap_find(&pm, 5), 1024);
	for (uint32_t p = 1024; p <= 65535; p++)
		if (p != 2000 && p != 40005)
			pctl_portmap_set(&pm, (uint16_t)p);
	assert_int_equal(pctl_portmap_find(&pm, 40006), 2000);
	assert_int_equal(pctl_portmap_find(&pm, 40001), 40005);
	assert_int_equal(pctl_portmap_find(&pm, 2001), 40005);
}

/* The allocator's PRF is SipHash-2-4: the reference vector of its paper
 * (key 00..0f, message 00..07). */
static void test_siphash_reference_vector(void **state)
{
	(void)state;
	const uint64_t key[2] = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
	assert_true(pctl_siphash_u64(key, 0x0706050403020100ull) ==
	            0x93f5f5799a932462ull);
}

static void test_portmap_run_with_parity(void **state)
{
	(void)state;
	struct pctl_portmap pm;
	pctl_portmap_init(&pm, 1024, 65535);
	pctl_portmap_set(&pm, 1030);
	int p = pctl_portmap_find_run(&pm, 10, 1, 1024);
	assert_int_equal(p, 1031); /* odd start, after the taken 1030 */
	p = pctl_portmap_find_run(&pm, 6, 0, 1024);
	assert_int_equal(p, 1024);
	assert_int_equal(pctl_portmap_find_run(&pm, 70000, -1, 1024), -1);
	/* From a start, wrapping round when nothing fits after it. */
	assert_int_equal(pctl_portmap_find_run(&pm, 4, -1, 50001), 50001);
	assert_int_equal(pctl_portmap_find_run(&pm, 4, 0, 50001), 50002);
	assert_int_equal(pctl_portmap_find_run(&pm, 4, -1, 65533), 1024);
}

static void test_timerwheel_expires_in_order_and_laps(void **state)
{
	(void)state;
	struct pctl_table t;
	struct pctl_timerwheel *tw = malloc(sizeof(*tw));
	assert_int_equal(pctl_table_init(&t, 0), 0);
	pctl_tw_init(tw, 100);
	uint32_t due[] = {105, 100 + PCTL_TW_SLOTS + 5, 101, 100 + 86400};
	struct pctl_mapping *ms[4];
	for (int i = 0; i < 4; i++) {
		ms[i] = pctl_table_alloc(&t);
		ms[i]->expire_s = due[i];
		pctl_tw_add(tw, &t, ms[i]);
	}
	assert_true(pctl_tw_next(tw) <= 101);
	assert_null(pctl_tw_pop_due(tw, &t, 100));
	assert_ptr_equal(pctl_tw_pop_due(tw, &t, 106), ms[2]);
	assert_ptr_equal(pctl_tw_pop_due(tw, &t, 106), ms[0]);
	/* Same slot one lap later: not yet. */
	assert_null(pctl_tw_pop_due(tw, &t, 106));
	pctl_tw_del(tw, &t, ms[3]);
	assert_ptr_equal(pctl_tw_pop_due(tw, &t, 200000), ms[1]);
	assert_null(pctl_tw_pop_due(tw, &t, 300000));
	assert_int_equal(pctl_tw_next(tw), UINT32_MAX);
	free(tw);
	pctl_table_fini(&t);
}

static void test_policy_first_match_wins_v4_and_v6(void **state)
{
	(void)state;
	struct pctl_engine_config c;
	pctl_engine_config_defaults(&c);
	c.default_allow = false;
	c.n_rules = 3;
	c.rules[0] =
	    (struct pctl_policy_rule){.allow = false,
	                              .internal = {et_addr("192.0.2.66"), 128},
	                              .int_port_max = 65535,
	                              .ext_port_max = 65535,
	                              .any_protocol = true};
	c.rules[1] =
	    (struct pctl_policy_rule){.allow = true,
	                              .internal = {et_addr("192.0.2.0"), 120},
	                              .int_port_min = 1000,
	                              .int_port_max = 2000,
	                              .ext_port_max = 65535,
	                              .protocol = 6};
	c.rules[2] =
	    (struct pctl_policy_rule){.allow = true,
	                              .internal = {et_addr("2001:db8::"), 32},
	                              .int_port_max = 65535,
	                              .ext_port_max = 65535,
	                              .any_protocol = true};
	pctl_addr h = et_addr("192.0.2.10");
	assert_true(pctl_policy_allows(&c, &h, 6, 1500, 40000));
	assert_false(pctl_policy_allows(&c, &h, 17, 1500, 40000));
	assert_false(pctl_policy_allows(&c, &h, 6, 2500, 40000));
	pctl_addr bad = et_addr("192.0.2.66");
	assert_false(pctl_policy_allows(&c, &bad, 6, 1500, 40000));
	pctl_addr v6 = et_addr("2001:db8::5");
	assert_true(pctl_policy_allows(&c, &v6, 17, 53, 53));
	pctl_addr other = et_addr("2001:db9::5");
	assert_false(pctl_policy_allows(&c, &other, 17, 53, 53));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_record_is_small),
	    cmocka_unit_test(test_table_indexes_and_growth),
	    cmocka_unit_test(test_s43_eim_index_finds_peers_by_endpoint),
	    cmocka_unit_test(test_x42_tpid_is_part_of_the_key),
	    cmocka_unit_test(test_portmap_init_marks_outside_range),
	    cmocka_unit_test(test_portmap_finds_every_free_port_once),
	    cmocka_unit_test(test_portmap_find_from_start_wraps),
	    cmocka_unit_test(test_siphash_reference_vector),
	    cmocka_unit_test(test_portmap_run_with_parity),
	    cmocka_unit_test(test_timerwheel_expires_in_order_and_laps),
	    cmocka_unit_test(test_policy_first_match_wins_v4_and_v6),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * UPnP IGD reads and deletes over many mappings (server/upnp.h):
 * GetGenericPortMappingEntry (its O(1) sequential walk),
 * GetListOfPortMappings and DeletePortMappingRange.
 */
#include "utest.h"

#include "engine_state.h"

static const char *H = "192.0.2.10";
static const char *H2 = "192.0.2.11";

static void add_n(struct etest *t, const char *client, uint16_t first, int n,
                  uint8_t proto)
{
	for (int i = 0; i < n; i++) {
		struct pctl_upnp_map m =
		    ut_map(proto, (uint16_t)(first + i), client,
		           (uint16_t)(first + i), 3600, NULL);
		assert_int_equal(ut_add(t, client, 2, &m, false), PCTL_UPNP_OK);
	}
}

static int get_index(struct etest *t, uint32_t i, struct pctl_upnp_map *m)
{
	struct pctl_upnp_req rq = ut_req(t, H, 2);
	return pctl_upnp_get_index(t->e, &rq, i, m);
}

static void test_index_walk_in_creation_order(void **state)
{
	struct etest *t = ut_open(state);
	add_n(t, H, 20000, 3, 6);
	add_n(t, H, 10000, 2, 17);
	/* A PCP mapping is not a UPnP one: not listed. */
	struct req r;
	req_map(&r, .client = H2, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	et_send(t, H2, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	static const uint16_t want[] = {20000, 20001, 20002, 10000, 10001};
	struct pctl_upnp_map m;
	for (uint32_t i = 0; i < 5; i++) {
		assert_int_equal(get_index(t, i, &m), PCTL_UPNP_OK);
		assert_int_equal(m.ext_port, want[i]);
	}
	assert_int_equal(get_index(t, 5, &m), PCTL_UPNP_E_ARRAY_INDEX_INVALID);
}

/* The sequential walk follows one link per index, whatever the table holds
 * besides (pctl_upnp_at counts the links it follows). */
static void test_index_walk_is_one_step_each(void **state)
{
	struct etest *t = ut_open(state);
	/* Many other mappings around: none of them is visited. */
	for (uint16_t i = 0; i < 300; i++) {
		struct req r;
		req_map(&r, .client = H2, .nonce = (uint8_t)i, .protocol = 17,
		        .int_port = (uint16_t)(3000 + i), .lifetime = 600);
		et_send(t, H2, &r);
	}
	add_n(t, H, 20000, 50, 6);
	struct pctl_upnp_map m;
	uint64_t before = t->e->upnp.steps;
	for (uint32_t i = 0; i < 50; i++) {
		assert_int_equal(get_index(t, i, &m), PCTL_UPNP_OK);
		assert_int_equal(m.ext_port, 20000 + i);
	}
	assert_int_equal(t->e->upnp.steps - before, 49);
	/* A creation between reads keeps the cursor. */
	add_n(t, H, 30000, 1, 6);
	before = t->e->upnp.steps;
	assert_int_equal(get_index(t, 50, &m), PCTL_UPNP_OK);
	assert_int_equal(m.ext_port, 30000);
	assert_int_equal(t->e->upnp.steps - before, 1);
}

static void test_index_walk_after_deletions(void **state)
{
	struct etest *t = ut_open(state);
	add_n(t, H, 20000, 6, 6);
	struct pctl_upnp_map m;
	assert_int_equal(get_index(t, 0, &m), PCTL_UPNP_OK);
	assert_int_equal(get_index(t, 1, &m), PCTL_UPNP_OK);
	assert_int_equal(m.ext_port, 20001);
	/* The cursor's own mapping and an earlier one go. */
	assert_int_equal(ut_del(t, H, 20001, 6), PCTL_UPNP_OK);
	assert_int_equal(ut_del(t, H, 20000, 6), PCTL_UPNP_OK);
	assert_int_equal(get_index(t, 1, &m), PCTL_UPNP_OK);
	assert_int_equal(m.ext_port, 20003);
	assert_int_equal(ut_del(t, H, 20005, 6), PCTL_UPNP_OK); /* the tail */
	assert_int_equal(get_index(t, 2, &m), PCTL_UPNP_OK);
	assert_int_equal(m.ext_port, 20004);
	assert_int_equal(get_index(t, 3, &m), PCTL_UPNP_E_ARRAY_INDEX_INVALID);
	/* New ones go to the end; expiry removes too. */
	add_n(t, H, 21000, 1, 6);
	assert_int_equal(get_index(t, 3, &m), PCTL_UPNP_OK);
	assert_int_equal(m.ext_port, 21000);
	t->now += 3601000;
	assert_int_equal(get_index(t, 0, &m), PCTL_UPNP_E_ARRAY_INDEX_INVALID);
}

struct seen {
	int n;
	uint16_t ports[16];
};

static void note(void *ctx, const struct pctl_upnp_map *m)
{
	struct seen *s = ctx;
	if (s->n < 16)
		s->ports[s->n] = m->ext_port;
	s->n++;
}

static int list(struct etest *t, uint16_t a, uint16_t b, uint8_t proto,
                uint32_t max, struct seen *s)
{
	struct pctl_upnp_req rq = ut_req(t, H, 2);
	memset(s, 0, sizeof(*s));
	return pctl_upnp_list(t->e, &rq, a, b, proto, max, note, s);
}

static void test_list_in_port_order(void **state)
{
	struct etest *t = ut_open(state);
	add_n(t, H, 20005, 3, 6);
	add_n(t, H2, 20000, 3, 6);
	add_n(t, H, 20000, 2, 17);
	struct seen s;
	assert_int_equal(list(t, 20001, 20006, 6, 0, &s), PCTL_UPNP_OK);
	assert_int_equal(s.n, 4);
	static const uint16_t want[] = {20001, 20002, 20005, 20006};
	for (int i = 0; i < 4; i++)
		assert_int_equal(s.ports[i], want[i]);
	assert_int_equal(list(t, 0, 65535, 6, 2, &s), PCTL_UPNP_OK);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ports[1], 20001);
	assert_int_equal(list(t, 30000, 40000, 6, 0, &s),
	                 PCTL_UPNP_E_PORT_MAPPING_NOT_FOUND);
	assert_int_equal(list(t, 40000, 30000, 6, 0, &s),
	                 PCTL_UPNP_E_INCONSISTENT_PARAMETERS);
	assert_int_equal(list(t, 0, 65535, 1, 0, &s), PCTL_UPNP_E_INVALID_ARGS);
	assert_int_equal(s.n, 0);
}

static int del_range(struct etest *t, const char *src, uint16_t a, uint16_t b,
                     uint8_t proto, bool manage)
{
	struct pctl_upnp_req rq = ut_req(t, src, 2);
	return pctl_upnp_delete_range(t->e, &rq, a, b, proto, manage);
}

static void test_delete_range_own_or_managed(void **state)
{
	struct etest *t = *state; /* secure mode */
	add_n(t, H, 20000, 3, 6);
	add_n(t, H2, 20003, 3, 6);
	add_n(t, H, 20000, 1, 17);
	/* Secure mode: only its own, even with NewManage. */
	assert_int_equal(del_range(t, H, 20000, 20010, 6, true), PCTL_UPNP_OK);
	assert_int_equal(et_count(t), 4);
	assert_int_equal(t->fb.commits, 7 + 1); /* one batch */
	assert_int_equal(del_range(t, H, 20000, 20010, 6, true),
	                 PCTL_UPNP_E_PORT_MAPPING_NOT_FOUND);
	assert_int_equal(del_range(t, H, 20010, 20000, 6, false),
	                 PCTL_UPNP_E_INCONSISTENT_PARAMETERS);
	assert_int_equal(del_range(t, H, 20000, 20010, 2, false),
	                 PCTL_UPNP_E_INVALID_ARGS);

	struct pctl_engine_config c;
	et_config(&c);
	c.upnp_secure_mode = false;
	t = et_open(state, &c);
	add_n(t, H, 20000, 3, 6);
	add_n(t, H2, 20003, 3, 6);
	/* Without NewManage its own; with it everyone's. */
	assert_int_equal(del_range(t, H, 20000, 20010, 6, false), PCTL_UPNP_OK);
	assert_int_equal(et_count(t), 3);
	assert_int_equal(del_range(t, H, 20000, 20004, 6, true), PCTL_UPNP_OK);
	assert_int_equal(et_count(t), 1);
	t->fb.fail_commit.times = 1;
	assert_int_equal(del_range(t, H, 0, 65535, 6, true),
	                 PCTL_UPNP_E_ACTION_FAILED);
	assert_int_equal(et_count(t), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    ET_TEST_CFG(test_index_walk_in_creation_order),
	    ET_TEST_CFG(test_index_walk_is_one_step_each),
	    ET_TEST_CFG(test_index_walk_after_deletions),
	    ET_TEST_CFG(test_list_in_port_order),
	    ET_TEST(test_delete_range_own_or_managed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

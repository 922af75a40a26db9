/*
 * Quotas count ports (S-41), PORT_SET sizes are bounded, cooling
 * ports count against the host that gave them up and come back to it
 * unnamed (S-53), and external ports are handed out from random points
 * (RFC 6056) with port preservation kept (S-37).  Issue 15, items 6, 7, 13.
 */
#include "etest.h"

#include <string.h>

#define H  "192.0.2.10"
#define H2 "192.0.2.20"

static struct etest *with_quota(void **state, uint32_t max_per_host)
{
	struct pctl_engine_config cfg;
	et_config(&cfg);
	cfg.max_per_host = max_per_host;
	return et_open(state, &cfg);
}

static void add_port_set(struct req *r, uint16_t size, uint16_t first)
{
	uint8_t b[PCTL_PORT_SET_LEN];
	struct pctl_port_set ps = {size, first, false};
	pctl_port_set_pack(&ps, b);
	req_opt(r, PCTL_OPT_PORT_SET, b, PCTL_PORT_SET_LEN);
}

/* A MAP of a port set from H (nonce 1); its result. */
static uint8_t map_set(struct etest *t, uint16_t iport, uint16_t size)
{
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 17, .int_port = iport,
	        .lifetime = 600);
	add_port_set(&r, size, iport);
	et_send(t, H, &r);
	return RESULT(t);
}

/* Ports granted in the last response: its PORT_SET size, else 1. */
static uint16_t granted(struct etest *t)
{
	const struct pctl_option *o =
	    pctl_msg_option(&t->resp, PCTL_OPT_PORT_SET);
	struct pctl_port_set ps;
	if (!o)
		return 1;
	assert_int_equal(pctl_port_set_parse(o, &ps), PCTL_R_SUCCESS);
	return ps.size;
}

static uint8_t map(struct etest *t, const char *src, uint8_t nonce,
                   uint16_t iport, uint16_t sport, uint32_t lifetime)
{
	struct req r;
	req_map(&r, .client = src, .nonce = nonce, .protocol = 6,
	        .int_port = iport, .ext_port = sport, .lifetime = lifetime);
	et_send(t, src, &r);
	return RESULT(t);
}

/* a PORT_SET is granted at most max_port_set ports (64 by default),
 * in the response and in the data plane. */
static void test_x33_port_set_trimmed_to_max_port_set(void **state)
{
	struct etest *t = *state;
	assert_int_equal(t->cfg.max_port_set, 64);
	assert_int_equal(map_set(t, 20000, 32767), PCTL_R_SUCCESS);
	assert_int_equal(granted(t), 64);
	assert_int_equal(t->fb.last.port_count, 64);

	struct pctl_engine_config cfg;
	et_config(&cfg);
	cfg.max_port_set = 5;
	t = et_open(state, &cfg);
	assert_int_equal(map_set(t, 20000, 100), PCTL_R_SUCCESS);
	assert_int_equal(granted(t), 5);
	assert_int_equal(t->fb.last.port_count, 5);
}

/* S-41: every port of a set counts against max-per-host; a set is trimmed
 * to what is left of the quota, and a host at its quota gets
 * USER_EX_QUOTA for MAP and PEER alike. */
static void test_s41_port_set_counts_every_port(void **state)
{
	struct etest *t = with_quota(state, 10);
	assert_int_equal(map(t, H, 1, 80, 0, 600), PCTL_R_SUCCESS);
	assert_int_equal(map_set(t, 20000, 50), PCTL_R_SUCCESS);
	assert_int_equal(granted(t), 9);
	assert_int_equal(t->fb.last.port_count, 9);
	assert_int_equal(map(t, H, 1, 81, 0, 600), PCTL_R_USER_EX_QUOTA);
	assert_int_equal(map_set(t, 30000, 50), PCTL_R_USER_EX_QUOTA);
	struct req r;
	req_peer(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 5000,
	         .remote_addr = "198.51.100.9", .remote_port = 443,
	         .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_USER_EX_QUOTA);
	/* Another host is not affected. */
	assert_int_equal(map(t, H2, 1, 80, 0, 600), PCTL_R_SUCCESS);
}

/* S-41 with NAT-PMP: the ports of the host's port set count. */
static void test_s41_natpmp_counts_ports(void **state)
{
	struct etest *t = with_quota(state, 10);
	assert_int_equal(map_set(t, 20000, 10), PCTL_R_SUCCESS);
	assert_int_equal(granted(t), 10);
	struct req r;
	req_natpmp_map(&r, true, 4000, 0, 3600);
	et_send(t, H, &r);
	assert_int_equal(t->nresp.result, PCTL_NATPMP_R_NO_RESOURCES);
}

/* S-41, S-53: ports cooling after a host's deleted mappings count against
 * its quota until they cool, so create/delete cycles cannot sweep the
 * range; the others are not affected; after the reuse time it may map
 * again. */
static void test_s41_cooling_ports_count_against_quota(void **state)
{
	struct etest *t = with_quota(state, 10);
	for (uint16_t p = 1; p <= 10; p++) {
		assert_int_equal(map(t, H, 1, p, 0, 600), PCTL_R_SUCCESS);
		assert_int_equal(map(t, H, 1, p, 0, 0), PCTL_R_SUCCESS);
	}
	assert_int_equal(et_count(t), 0);
	assert_int_equal(map(t, H, 1, 11, 0, 600), PCTL_R_USER_EX_QUOTA);
	struct req r;
	req_natpmp_map(&r, true, 4000, 0, 3600);
	et_send(t, H, &r);
	assert_int_equal(t->nresp.result, PCTL_NATPMP_R_NO_RESOURCES);
	assert_int_equal(map(t, H2, 1, 11, 0, 600), PCTL_R_SUCCESS);

	t->now += 121000;
	pctl_engine_tick(t->e, t->now);
	assert_int_equal(map(t, H, 1, 11, 0, 600), PCTL_R_SUCCESS);
}

/* S-53: the owner (address, protocol, internal port, nonce) gets its
 * cooling port back without suggesting it, also at its quota (the port
 * counts already); a mass delete is undone port for port. */
static void test_s53_owner_reclaims_without_suggesting(void **state)
{
	struct etest *t = with_quota(state, 20);
	uint16_t ext[20];
	for (uint16_t p = 0; p < 20; p++) {
		assert_int_equal(map(t, H, 1, (uint16_t)(6000 + p), 0, 600),
		                 PCTL_R_SUCCESS);
		ext[p] = EXTPORT(t);
	}
	for (uint16_t p = 0; p < 20; p++)
		assert_int_equal(map(t, H, 1, (uint16_t)(6000 + p), 0, 0),
		                 PCTL_R_SUCCESS);
	for (uint16_t p = 0; p < 20; p++) {
		assert_int_equal(map(t, H, 1, (uint16_t)(6000 + p), 0, 600),
		                 PCTL_R_SUCCESS);
		assert_int_equal(EXTPORT(t), ext[p]);
	}
	assert_int_equal(et_count(t), 20);
	/* Another nonce is another client: at the quota it gets nothing. */
	assert_int_equal(map(t, H, 1, 6000, 0, 0), PCTL_R_SUCCESS);
	assert_int_equal(map(t, H, 2, 6000, 0, 600), PCTL_R_USER_EX_QUOTA);
}

/* S-53 for NAT-PMP: the host's cooling port for the same internal port,
 * with no port suggested. */
static void test_s53_natpmp_owner_reclaims_without_suggesting(void **state)
{
	struct etest *t = with_quota(state, 1);
	struct req r;
	req_natpmp_map(&r, true, 4000, 0, 3600);
	et_send(t, H, &r);
	assert_int_equal(t->nresp.result, PCTL_NATPMP_R_SUCCESS);
	uint16_t ext = t->nresp.external_port;
	req_natpmp_map(&r, true, 4000, 0, 0);
	et_send(t, H, &r);
	req_natpmp_map(&r, true, 4000, 0, 3600);
	et_send(t, H, &r);
	assert_int_equal(t->nresp.result, PCTL_NATPMP_R_SUCCESS);
	assert_int_equal(t->nresp.external_port, ext);
}

static void first_ports(uint64_t seed, uint16_t *out, int n)
{
	struct pctl_engine_config cfg;
	et_config(&cfg);
	cfg.port_seed = seed;
	cfg.prefer_internal_port = false; /* else the internal port */
	struct etest *t = et_new(&cfg);
	for (int i = 0; i < n; i++) {
		assert_int_equal(map(t, H, 1, (uint16_t)(7000 + i), 0, 600),
		                 PCTL_R_SUCCESS);
		out[i] = EXTPORT(t);
	}
	et_free(t);
}

/* RFC 6056: without a suggestion the external ports follow no pattern:
 * another key gives other ports, the steps between them differ, and the
 * same key gives the same ports (the engine stays deterministic). */
static void test_rfc6056_ports_are_not_predictable(void **state)
{
	(void)state;
	enum { N = 16 };
	uint16_t a[N], b[N], c[N];
	first_ports(1, a, N);
	first_ports(2, b, N);
	first_ports(1, c, N);
	assert_memory_equal(a, c, sizeof(a));
	int same = 0, same_step = 0;
	for (int i = 0; i < N; i++) {
		same += a[i] == b[i];
		if (i > 1)
			same_step += a[i] - a[i - 1] == a[i - 1] - a[i - 2];
	}
	assert_true(same < 2);
	assert_true(same_step < 3);
}

/* S-37: randomisation leaves port preservation alone: a free suggested
 * port is granted. */
static void test_rfc6056_suggested_port_still_granted(void **state)
{
	struct etest *t = *state;
	for (uint16_t p = 0; p < 8; p++) {
		uint16_t sug = (uint16_t)(40000 + 7 * p);
		assert_int_equal(map(t, H, 1, (uint16_t)(8000 + p), sug, 600),
		                 PCTL_R_SUCCESS);
		assert_int_equal(EXTPORT(t), sug);
	}
	struct req r;
	req_natpmp_map(&r, true, 4000, 41000, 3600);
	et_send(t, H, &r);
	assert_int_equal(t->nresp.external_port, 41000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    ET_TEST(test_x33_port_set_trimmed_to_max_port_set),
	    ET_TEST_CFG(test_s41_port_set_counts_every_port),
	    ET_TEST_CFG(test_s41_natpmp_counts_ports),
	    ET_TEST_CFG(test_s41_cooling_ports_count_against_quota),
	    ET_TEST_CFG(test_s53_owner_reclaims_without_suggesting),
	    ET_TEST_CFG(test_s53_natpmp_owner_reclaims_without_suggesting),
	    cmocka_unit_test(test_rfc6056_ports_are_not_predictable),
	    ET_TEST(test_rfc6056_suggested_port_still_granted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

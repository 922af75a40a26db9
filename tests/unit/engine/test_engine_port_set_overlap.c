/*
 * X-3.8 (RFC 7753 sections 4.4.1 and 5.3): a MAP request that overlaps
 * existing mappings refreshes each of them on its own; the direct response
 * answers the first, Mapping Updates (S-95) tell of the others; nothing new
 * is created and an error changes nothing (S-15).
 */
#include "etest.h"

#include <stdlib.h>
#include <string.h>

#include "engine_state.h"

static const char *H = "192.0.2.10";

/* Sends a MAP from H: nonce byte, UDP internal port, PORT_SET size (0 =
 * none), suggested external port, lifetime.  Returns the result code. */
static uint8_t map(struct etest *t, uint8_t nonce, uint16_t port, uint16_t set,
                   uint16_t sug, uint32_t lifetime)
{
	struct req r;

	req_map(&r, .client = H, .nonce = nonce, .protocol = 17,
	        .int_port = port, .ext_port = sug, .lifetime = lifetime);
	if (set) {
		uint8_t b[PCTL_PORT_SET_LEN];
		struct pctl_port_set ps = {set, port, false};
		pctl_port_set_pack(&ps, b);
		req_opt(&r, PCTL_OPT_PORT_SET, b, PCTL_PORT_SET_LEN);
	}
	assert_true(et_send(t, H, &r) > 0);
	return RESULT(t);
}

/* The PORT_SET option of a decoded message (size 0 when absent). */
static struct pctl_port_set port_set_of(const struct pctl_msg *m)
{
	struct pctl_port_set ps = {0};
	const struct pctl_option *o = pctl_msg_option(m, PCTL_OPT_PORT_SET);

	if (o)
		assert_int_equal(pctl_port_set_parse(o, &ps), PCTL_R_SUCCESS);
	return ps;
}

/* The remaining lifetime of the mapping at port (a set when set > 1), as a
 * stranger's request learns it: NOT_AUTHORIZED with the mapping's time
 * left (S-33), which changes nothing. */
static uint32_t left(struct etest *t, uint16_t port, uint16_t set)
{
	assert_int_equal(map(t, 0xee, port, set, 0, 600),
	                 PCTL_R_NOT_AUTHORIZED);
	return LIFETIME(t);
}

struct updates {
	struct pctl_tx tx[16];
	struct pctl_msg msg[4];
	size_t n;
};

/* Mapping Updates due now, decoded. */
static struct updates *poll_updates(struct etest *t)
{
	struct updates *u = calloc(1, sizeof(*u));

	assert_non_null(u);
	u->n = pctl_engine_poll_tx(t->e, t->now, u->tx, 16);
	assert_true(u->n <= 4);
	for (size_t i = 0; i < u->n; i++) {
		struct pctl_error err;
		assert_int_equal(pctl_response_decode(u->tx[i].buf,
		                                      u->tx[i].len, &u->msg[i],
		                                      &err),
		                 PCTL_V_OK);
		assert_int_equal(u->tx[i].dest, PCTL_TX_UNICAST);
	}
	return u;
}

static void
test_x3_8_rfc7753_example_5_3_two_responses_nothing_new(void **state)
{
	struct pctl_engine_config cfg;
	et_config(&cfg);
	cfg.max_port_set = 100; /* the RFC's example, not the default bound */
	struct etest *t = et_open(state, &cfg);
	/* 50100 -> 50100, and the set 50101..50199 (99 ports). */
	assert_int_equal(map(t, 1, 50100, 0, 50100, 600), PCTL_R_SUCCESS);
	assert_int_equal(EXTPORT(t), 50100);
	assert_int_equal(map(t, 1, 50101, 99, 0, 600), PCTL_R_SUCCESS);
	uint16_t set_ext = EXTPORT(t);
	assert_int_equal(port_set_of(&t->resp).size, 99);
	int refreshes = t->fb.refreshes;

	t->now += 100000;
	assert_int_equal(left(t, 50100, 0), 500);
	/* The request 50100 with a set of 100 is two refreshes. */
	assert_int_equal(map(t, 1, 50100, 100, 0, 600), PCTL_R_SUCCESS);
	assert_int_equal(et_count(t), 2); /* nothing new */
	assert_int_equal(t->fb.refreshes, refreshes + 2);
	/* First response: 50100 -> 50100, no PORT_SET. */
	assert_int_equal(t->resp.internal_port, 50100);
	assert_int_equal(EXTPORT(t), 50100);
	assert_int_equal(LIFETIME(t), 600);
	assert_null(pctl_msg_option(&t->resp, PCTL_OPT_PORT_SET));
	/* Second: a Mapping Update 50101 -> the set's first external
	 * port, PORT_SET of 99, to the requesting client. */
	struct updates *u = poll_updates(t);
	assert_int_equal(u->n, 1);
	assert_int_equal(u->msg[0].opcode, PCTL_OP_MAP);
	assert_int_equal(u->msg[0].internal_port, 50101);
	assert_int_equal(u->msg[0].external_port, set_ext);
	assert_int_equal(u->msg[0].lifetime, 600);
	struct pctl_port_set ps = port_set_of(&u->msg[0]);
	assert_int_equal(ps.size, 99);
	assert_int_equal(ps.first_internal_port, 50101);
	pctl_addr h = et_addr(H);
	assert_memory_equal(u->tx[0].addr.b, h.b, 16);
	assert_int_equal(u->tx[0].port, 40000);
	/* Both lifetimes were renewed. */
	assert_int_equal(left(t, 50100, 0), 600);
	assert_int_equal(left(t, 50101, 99), 600);
	free(u);
}

static void test_x3_8_update_repeated_like_any_mapping_update(void **state)
{
	struct etest *t = *state;
	assert_int_equal(map(t, 1, 50000, 0, 0, 600), PCTL_R_SUCCESS);
	assert_int_equal(map(t, 1, 50001, 9, 0, 600), PCTL_R_SUCCESS);
	assert_int_equal(map(t, 1, 50000, 10, 0, 600), PCTL_R_SUCCESS);
	/* S-95: sent at 0, 250 and 750 ms, then no more. */
	static const uint64_t at[] = {0, 250, 500};
	for (size_t i = 0; i < 3; i++) {
		t->now += at[i];
		struct updates *u = poll_updates(t);
		assert_int_equal(u->n, 1);
		assert_int_equal(u->msg[0].internal_port, 50001);
		free(u);
	}
	t->now += 10000;
	struct updates *u = poll_updates(t);
	assert_int_equal(u->n, 0);
	free(u);
}

static void test_x3_8_single_port_inside_set_refreshes_the_set(void **state)
{
	struct etest *t = *state;
	assert_int_equal(map(t, 1, 50000, 10, 0, 600), PCTL_R_SUCCESS);
	uint16_t ext = EXTPORT(t);
	t->now += 100000;
	/* Port 50005, no PORT_SET: the set is refreshed, not doubled. */
	assert_int_equal(map(t, 1, 50005, 0, 0, 600), PCTL_R_SUCCESS);
	assert_int_equal(et_count(t), 1);
	/* The answer keeps the request's internal port and describes the
	 * set: its first external port and a PORT_SET. */
	assert_int_equal(t->resp.internal_port, 50005);
	assert_int_equal(EXTPORT(t), ext);
	struct pctl_port_set ps = port_set_of(&t->resp);
	assert_int_equal(ps.size, 10);
	assert_int_equal(ps.first_internal_port, 50000);
	assert_int_equal(left(t, 50000, 10), 600);
	/* The set does not start at 50005: a Mapping Update with its own
	 * internal port says so. */
	struct updates *u = poll_updates(t);
	assert_int_equal(u->n, 1);
	assert_int_equal(u->msg[0].internal_port, 50000);
	assert_int_equal(port_set_of(&u->msg[0]).size, 10);
	free(u);
}

static void test_x3_8_uncovered_ports_are_not_mapped(void **state)
{
	struct etest *t = *state;
	assert_int_equal(map(t, 1, 50010, 0, 0, 600), PCTL_R_SUCCESS);
	uint16_t ext = EXTPORT(t);
	/* 50000..50019 over the single mapping 50010: only a refresh. */
	assert_int_equal(map(t, 1, 50000, 20, 0, 600), PCTL_R_SUCCESS);
	assert_int_equal(et_count(t), 1);
	assert_int_equal(t->resp.internal_port, 50000);
	assert_int_equal(EXTPORT(t), ext);
	struct updates *u = poll_updates(t);
	assert_int_equal(u->n, 1);
	assert_int_equal(u->msg[0].internal_port, 50010);
	assert_int_equal(u->msg[0].external_port, ext);
	free(u);
}

static void test_x3_8_set_over_two_one_with_another_nonce(void **state)
{
	struct etest *t = *state;
	assert_int_equal(map(t, 1, 50000, 0, 0, 600), PCTL_R_SUCCESS);
	assert_int_equal(map(t, 2, 50005, 0, 0, 600), PCTL_R_SUCCESS);
	t->now += 100000;

	/* Nonce 1 owns the first: refreshed and answered; the other nonce's
	 * mapping is not touched and gets no update (S-33: its nonce must
	 * not reach this client). */
	assert_int_equal(map(t, 1, 50000, 10, 0, 600), PCTL_R_SUCCESS);
	assert_int_equal(t->resp.internal_port, 50000);
	struct updates *u = poll_updates(t);
	assert_int_equal(u->n, 0);
	free(u);
	assert_int_equal(left(t, 50000, 0), 600);
	assert_int_equal(left(t, 50005, 0), 500);

	/* Nonce 2 from 50000: the first is not its own (NOT_AUTHORIZED,
	 * with its time left); its own, 50005, is refreshed and told. */
	t->now += 100000;
	assert_int_equal(map(t, 2, 50000, 10, 0, 600), PCTL_R_NOT_AUTHORIZED);
	assert_int_equal(LIFETIME(t), 500);
	u = poll_updates(t);
	assert_int_equal(u->n, 1);
	assert_int_equal(u->msg[0].internal_port, 50005);
	assert_int_equal(u->msg[0].lifetime, 600);
	uint8_t n2[PCTL_NONCE_LEN];
	memset(n2, 2, sizeof(n2));
	assert_memory_equal(u->msg[0].nonce, n2, PCTL_NONCE_LEN);
	free(u);
	assert_int_equal(left(t, 50000, 0), 500);
	assert_int_equal(left(t, 50005, 0), 600);
	assert_int_equal(et_count(t), 2);
}

static void test_x3_8_backend_failure_changes_nothing(void **state)
{
	struct etest *t = *state;
	assert_int_equal(map(t, 1, 50000, 0, 0, 600), PCTL_R_SUCCESS);
	assert_int_equal(map(t, 1, 50001, 9, 0, 600), PCTL_R_SUCCESS);
	t->now += 100000;
	t->fb.fail_commit.times = 1;
	assert_int_equal(map(t, 1, 50000, 10, 0, 3000), PCTL_R_NETWORK_FAILURE);
	/* S-15: both keep their lifetimes; no update is queued. */
	struct updates *u = poll_updates(t);
	assert_int_equal(u->n, 0);
	free(u);
	assert_int_equal(left(t, 50000, 0), 500);
	assert_int_equal(left(t, 50001, 9), 500);
	assert_int_equal(et_count(t), 2);
	/* The same request once the data plane answers again. */
	assert_int_equal(map(t, 1, 50000, 10, 0, 3000), PCTL_R_SUCCESS);
	assert_int_equal(LIFETIME(t), 3000);
	u = poll_updates(t);
	assert_int_equal(u->n, 1);
	assert_int_equal(u->msg[0].lifetime, 3000);
	free(u);
}

static void test_x3_8_one_invalid_refresh_changes_nothing(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.max_filters = 2;
	struct etest *t = et_open(state, &c);
	assert_int_equal(map(t, 1, 50000, 0, 0, 600), PCTL_R_SUCCESS);
	/* The second mapping already holds the most filters allowed. */
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 17, .int_port = 50005,
	        .lifetime = 600);
	req_filter(&r, 128, "198.51.100.1", 0);
	req_filter(&r, 128, "198.51.100.2", 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	t->now += 100000;
	int refreshes = t->fb.refreshes;

	/* One more filter is fine for the first, too many for the second
	 * (S-86): the whole request fails before anything changes. */
	req_map(&r, .client = H, .nonce = 1, .protocol = 17, .int_port = 50000,
	        .lifetime = 600);
	uint8_t b[PCTL_PORT_SET_LEN];
	pctl_port_set_pack(&(struct pctl_port_set){10, 50000, false}, b);
	req_opt(&r, PCTL_OPT_PORT_SET, b, PCTL_PORT_SET_LEN);
	req_filter(&r, 128, "198.51.100.3", 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_EXCESSIVE_REMOTE_PEERS);
	assert_int_equal(t->fb.refreshes, refreshes);
	assert_int_equal(left(t, 50000, 0), 500);
	assert_int_equal(left(t, 50005, 0), 500);
	struct updates *u = poll_updates(t);
	assert_int_equal(u->n, 0);
	free(u);
}

static void test_x3_8_prefer_failure_checked_against_answered(void **state)
{
	struct etest *t = *state;
	assert_int_equal(map(t, 1, 50000, 10, 0, 600), PCTL_R_SUCCESS);
	uint16_t ext = EXTPORT(t);
	t->now += 100000;
	/* S-36.1: port 50003 inside the set is paired with ext + 3. */
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 17, .int_port = 50003,
	        .ext_port = (uint16_t)(ext + 4), .ext_addr = "203.0.113.1",
	        .lifetime = 600);
	req_opt(&r, PCTL_OPT_PREFER_FAILURE, NULL, 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_CANNOT_PROVIDE_EXTERNAL);
	assert_int_equal(left(t, 50000, 10), 500);
	req_map(&r, .client = H, .nonce = 1, .protocol = 17, .int_port = 50003,
	        .ext_port = (uint16_t)(ext + 3), .ext_addr = "203.0.113.1",
	        .lifetime = 600);
	req_opt(&r, PCTL_OPT_PREFER_FAILURE, NULL, 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(et_count(t), 1);
	assert_int_equal(left(t, 50000, 10), 600);
}

static void test_x3_8_other_hosts_protocols_and_ports_still_create(void **state)
{
	struct etest *t = *state;
	assert_int_equal(map(t, 1, 50000, 10, 0, 600), PCTL_R_SUCCESS);
	/* Just outside the set, another protocol, another host, another
	 * THIRD_PARTY_ID-less key: separate mappings as before. */
	assert_int_equal(map(t, 1, 50010, 0, 0, 600), PCTL_R_SUCCESS);
	assert_int_equal(map(t, 1, 49999, 0, 0, 600), PCTL_R_SUCCESS);
	assert_int_equal(et_count(t), 3);
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 50005,
	        .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	req_map(&r, .client = "192.0.2.11", .nonce = 1, .protocol = 17,
	        .int_port = 50005, .lifetime = 600);
	et_send(t, "192.0.2.11", &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(et_count(t), 5);
	struct updates *u = poll_updates(t);
	assert_int_equal(u->n, 0);
	free(u);
}

static void test_x3_8_natpmp_mapping_not_taken_over(void **state)
{
	struct etest *t = *state;
	/* A NAT-PMP mapping of the host's UDP 50003 (N-8). */
	struct req r;
	req_natpmp_map(&r, true, 50003, 0, 600);
	et_send(t, H, &r);
	assert_int_equal(t->nresp.result, 0);
	assert_int_equal(map(t, 1, 50000, 0, 0, 600), PCTL_R_SUCCESS);
	int refreshes = t->fb.refreshes;
	/* PCP nonce 1 over both: only its own mapping is refreshed; the
	 * NAT-PMP one is not taken over and gets no update. */
	assert_int_equal(map(t, 1, 50000, 10, 0, 600), PCTL_R_SUCCESS);
	assert_int_equal(t->fb.refreshes, refreshes + 1);
	assert_int_equal(t->fb.last.int_port, 50000);
	struct updates *u = poll_updates(t);
	assert_int_equal(u->n, 0);
	free(u);
	/* First in the range 50001..50005, it answers NOT_AUTHORIZED. */
	assert_int_equal(map(t, 1, 50001, 5, 0, 600), PCTL_R_NOT_AUTHORIZED);
	assert_int_equal(et_count(t), 2);
}

/* A UDP mapping of H made as the journal or the administrator make them:
 * nonce 1, 600 s unless static. */
static void restore(struct etest *t, enum pctl_mapping_kind kind, uint16_t port,
                    uint16_t ext_port, uint16_t count)
{
	struct pctl_mapping_info s;

	memset(&s, 0, sizeof(s));
	s.kind = kind;
	s.protocol = 17;
	s.int_addr = et_addr(H);
	s.int_port = port;
	s.ext_addr = et_addr("203.0.113.1");
	s.ext_port = ext_port;
	s.port_count = count;
	s.lifetime_left = kind == PCTL_MK_STATIC ? PCTL_LIFETIME_STATIC : 600;
	memset(s.nonce, 1, sizeof(s.nonce));
	s.client_addr = s.int_addr;
	s.client_port = 40000;
	assert_int_equal(pctl_engine_restore(t->e, &s, t->now, NULL), 0);
}

static void test_x3_8_static_mapping_answered_not_changed(void **state)
{
	struct etest *t = *state;
	restore(t, PCTL_MK_STATIC, 50003, 40003, 1);
	assert_int_equal(map(t, 1, 50004, 0, 0, 600), PCTL_R_SUCCESS);
	int refreshes = t->fb.refreshes;
	/* From the static one: S-34, answered with its lifetime; the MAP
	 * one after it is refreshed and told. */
	assert_int_equal(map(t, 1, 50003, 2, 0, 600), PCTL_R_SUCCESS);
	assert_int_equal(LIFETIME(t), PCTL_LIFETIME_STATIC);
	assert_int_equal(EXTPORT(t), 40003);
	assert_int_equal(t->fb.refreshes, refreshes + 1);
	struct updates *u = poll_updates(t);
	assert_int_equal(u->n, 1);
	assert_int_equal(u->msg[0].internal_port, 50004);
	free(u);
	assert_int_equal(et_count(t), 2);
}

static void test_x3_8_restored_set_covered_at_once(void **state)
{
	struct etest *t = *state;
	/* A port set back from the journal (pctl_engine_restore) was not
	 * made by a MAP request here: a single port inside it refreshes it
	 * from the start. */
	restore(t, PCTL_MK_MAP, 50000, 40000, 10);
	assert_int_equal(map(t, 1, 50007, 0, 0, 600), PCTL_R_SUCCESS);
	assert_int_equal(EXTPORT(t), 40000);
	assert_int_equal(et_count(t), 1);
}

static void test_x3_8_expired_set_no_longer_covers(void **state)
{
	struct etest *t = *state;
	assert_int_equal(map(t, 1, 50000, 10, 0, 600), PCTL_R_SUCCESS);
	/* It expires: the port inside it is free to map on its own. */
	t->now += 601000;
	pctl_engine_tick(t->e, t->now);
	assert_int_equal(et_count(t), 0);
	assert_int_equal(map(t, 1, 50007, 0, 0, 600), PCTL_R_SUCCESS);
	assert_int_equal(et_count(t), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    ET_TEST_CFG(
	        test_x3_8_rfc7753_example_5_3_two_responses_nothing_new),
	    ET_TEST(test_x3_8_update_repeated_like_any_mapping_update),
	    ET_TEST(test_x3_8_single_port_inside_set_refreshes_the_set),
	    ET_TEST(test_x3_8_uncovered_ports_are_not_mapped),
	    ET_TEST(test_x3_8_set_over_two_one_with_another_nonce),
	    ET_TEST(test_x3_8_backend_failure_changes_nothing),
	    ET_TEST_CFG(test_x3_8_one_invalid_refresh_changes_nothing),
	    ET_TEST(test_x3_8_prefer_failure_checked_against_answered),
	    ET_TEST(test_x3_8_other_hosts_protocols_and_ports_still_create),
	    ET_TEST(test_x3_8_natpmp_mapping_not_taken_over),
	    ET_TEST(test_x3_8_static_mapping_answered_not_changed),
	    ET_TEST(test_x3_8_restored_set_covered_at_once),
	    ET_TEST(test_x3_8_expired_set_no_longer_covers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

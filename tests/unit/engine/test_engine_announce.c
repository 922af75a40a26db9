/*
 * Unsolicited messages: ANNOUNCE after state loss (S-92..S-94, T-4), NAT-PMP
 * announcements (N-10) and Mapping Updates (S-95).
 */
#include "etest.h"

#include <stdlib.h>
#include <string.h>

static const char *H = "192.0.2.10";

static struct pctl_tx *txbuf(void)
{
	struct pctl_tx *tx = calloc(16, sizeof(*tx));
	assert_non_null(tx);
	return tx;
}

static void test_s93_state_loss_announces_t4(void **state)
{
	struct etest *t = *state;
	struct pctl_tx *tx = txbuf();
	t->now += 5000;
	pctl_engine_state_lost(t->e, t->now);
	assert_int_equal(pctl_engine_next_deadline(t->e), t->now);
	size_t n = pctl_engine_poll_tx(t->e, t->now, tx, 16);
	assert_int_equal(n, 2);
	/* T-4: 02 80 00 00 then 20 zero octets (epoch 0 after reset). */
	uint8_t t4[24] = {2, 0x80};
	assert_int_equal(tx[0].dest, PCTL_TX_MULTICAST);
	assert_false(tx[0].natpmp);
	assert_int_equal(tx[0].len, 24);
	assert_memory_equal(tx[0].buf, t4, 24);
	/* N-10: the NAT-PMP external address announcement too. */
	assert_true(tx[1].natpmp);
	assert_int_equal(tx[1].len, 12);
	assert_int_equal(tx[1].buf[1], 128);
	static const uint8_t ext[4] = {203, 0, 113, 1};
	assert_memory_equal(tx[1].buf + 8, ext, 4);
	free(tx);
}

static void test_s94_ten_sends_gaps_from_250ms_doubling(void **state)
{
	struct etest *t = *state;
	struct pctl_tx *tx = txbuf();
	uint64_t start = t->now;
	pctl_engine_state_lost(t->e, start);
	uint64_t sends[12];
	int k = 0;
	/* Drive the clock by the engine's own deadlines, bounded. */
	for (int i = 0; i < 50 && k < 12; i++) {
		uint64_t d = pctl_engine_next_deadline(t->e);
		if (d == UINT64_MAX)
			break;
		assert_int_equal(pctl_engine_poll_tx(t->e, d - 1, tx, 16), 0);
		size_t n = pctl_engine_poll_tx(t->e, d, tx, 16);
		assert_int_equal(n, 2);
		/* S-94: each with an updated epoch. */
		uint32_t ep = (uint32_t)tx[0].buf[8] << 24 |
		              (uint32_t)tx[0].buf[9] << 16 |
		              (uint32_t)tx[0].buf[10] << 8 | tx[0].buf[11];
		assert_int_equal(ep, (d - start) / 1000);
		sends[k++] = d;
	}
	assert_int_equal(k, 10);
	uint64_t gap = 0;
	for (int i = 1; i < k; i++) {
		uint64_t g = sends[i] - sends[i - 1];
		assert_true(g >= 250);
		assert_true(g >= 2 * gap);
		gap = g;
	}
	assert_int_equal(sends[1] - sends[0], 250);
	free(tx);
}

static void test_s94_announce_count_configurable(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.announce_count = 0;
	struct etest *t = et_open(state, &c);
	pctl_engine_state_lost(t->e, t->now);
	assert_int_equal(pctl_engine_next_deadline(t->e), UINT64_MAX);
}

static void test_x23_prefix64_change_announced(void **state)
{
	struct etest *t = *state;
	struct pctl_tx *tx = txbuf();
	struct pctl_engine_config c = t->cfg;
	assert_int_equal(pctl_engine_reconfigure(t->e, &c, t->now), 0);
	assert_int_equal(pctl_engine_poll_tx(t->e, t->now, tx, 16), 0);
	c.prefix64_enabled = true;
	c.prefix64_len = 12;
	c.prefix64[1] = 0x64;
	assert_int_equal(pctl_engine_reconfigure(t->e, &c, t->now), 0);
	size_t n = pctl_engine_poll_tx(t->e, t->now, tx, 16);
	assert_int_equal(n, 1);
	assert_false(tx[0].natpmp);
	assert_int_equal(tx[0].buf[1], 0x80); /* ANNOUNCE response */
	free(tx);
}

static void test_n10_address_change_announces_new_address(void **state)
{
	struct etest *t = *state;
	struct pctl_tx *tx = txbuf();
	pctl_addr a = et_addr("203.0.113.77");
	t->now += 9000;
	assert_int_equal(pctl_engine_set_external(t->e, &a, 1, t->now), 0);
	size_t n = pctl_engine_poll_tx(t->e, t->now, tx, 16);
	assert_int_equal(n, 1);
	assert_true(tx[0].natpmp);
	static const uint8_t ext[4] = {203, 0, 113, 77};
	assert_memory_equal(tx[0].buf + 8, ext, 4);
	static const uint8_t epoch0[4];
	assert_memory_equal(tx[0].buf + 4, epoch0, 4);
	free(tx);
}

static uint64_t poll_updates(struct etest *t, uint64_t at, struct pctl_tx *tx,
                             size_t *n_unicast)
{
	size_t n = pctl_engine_poll_tx(t->e, at, tx, 16);
	*n_unicast = 0;
	for (size_t i = 0; i < n; i++)
		if (tx[i].dest == PCTL_TX_UNICAST)
			tx[(*n_unicast)++] = tx[i];
	return n;
}

static void test_s95_mapping_update_sent_three_times(void **state)
{
	struct etest *t = *state;
	struct pctl_tx *tx = txbuf();
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 8080,
	        .ext_port = 40000, .lifetime = 3600);
	req_filter(&r, 120, "198.51.100.0", 0);
	et_send(t, H, &r);
	pctl_addr a = et_addr("203.0.113.77");
	assert_int_equal(pctl_engine_set_external(t->e, &a, 1, t->now), 0);
	/* The backend moved the mapping. */
	assert_true(pctl_addr_equal(&t->fb.last.ext_addr, &a));
	size_t nu;
	uint64_t at[3] = {t->now, t->now + 250, t->now + 750};
	for (int i = 0; i < 3; i++) {
		if (i) {
			assert_true(pctl_engine_next_deadline(t->e) <= at[i]);
			poll_updates(t, at[i] - 1, tx, &nu);
			assert_int_equal(nu, 0); /* not before its time */
		}
		poll_updates(t, at[i], tx, &nu);
		assert_int_equal(nu, 1);
		struct pctl_msg m;
		struct pctl_error err;
		assert_int_equal(
		    pctl_response_decode(tx[0].buf, tx[0].len, &m, &err),
		    PCTL_V_OK);
		assert_int_equal(m.opcode, PCTL_OP_MAP);
		assert_int_equal(m.result, PCTL_R_SUCCESS);
		assert_true(pctl_addr_equal(&m.external_addr, &a));
		assert_int_equal(m.external_port, 40000); /* port kept */
		assert_int_equal(m.internal_port, 8080);
		assert_memory_equal(m.nonce, r.b + 24, 12);
		assert_non_null(pctl_msg_option(&m, PCTL_OPT_FILTER));
		assert_int_equal(m.epoch, (at[i] - t->now) / 1000);
		pctl_addr h = et_addr(H);
		assert_true(pctl_addr_equal(&tx[0].addr, &h));
		assert_int_equal(tx[0].port, 40000);
		pctl_addr srv = et_addr("192.0.2.1");
		assert_true(pctl_addr_equal(&tx[0].from, &srv));
	}
	poll_updates(t, t->now + 100000, tx, &nu);
	assert_int_equal(nu, 0);
	free(tx);
}

static void test_s95_update_stops_when_client_refreshes(void **state)
{
	struct etest *t = *state;
	struct pctl_tx *tx = txbuf();
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 8080,
	        .lifetime = 3600);
	et_send(t, H, &r);
	pctl_addr a = et_addr("203.0.113.77");
	pctl_engine_set_external(t->e, &a, 1, t->now);
	size_t nu;
	poll_updates(t, t->now, tx, &nu);
	assert_int_equal(nu, 1);
	t->now += 100;
	et_send(t, H, &r); /* the client renews */
	assert_true(pctl_addr_equal(&t->resp.external_addr, &a));
	poll_updates(t, t->now + 10000, tx, &nu);
	assert_int_equal(nu, 0);
	free(tx);
}

static void test_s95_update_carries_third_party(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.n_third_party_acl = 1;
	c.third_party_acl[0] = (struct pctl_prefix){et_addr(H), 128};
	struct etest *t = et_open(state, &c);
	struct pctl_tx *tx = txbuf();
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 8080,
	        .lifetime = 3600);
	pctl_addr tp = et_addr("192.0.2.50");
	req_opt(&r, PCTL_OPT_THIRD_PARTY, tp.b, 16);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	pctl_addr a = et_addr("203.0.113.77");
	pctl_engine_set_external(t->e, &a, 1, t->now);
	size_t nu;
	poll_updates(t, t->now, tx, &nu);
	assert_int_equal(nu, 1);
	struct pctl_msg m;
	struct pctl_error err;
	assert_int_equal(pctl_response_decode(tx[0].buf, tx[0].len, &m, &err),
	                 PCTL_V_OK);
	const struct pctl_option *o = pctl_msg_option(&m, PCTL_OPT_THIRD_PARTY);
	assert_non_null(o);
	assert_memory_equal(o->data, tp.b, 16);
	/* Sent to the client that asked, not to the third party. */
	pctl_addr h = et_addr(H);
	assert_true(pctl_addr_equal(&tx[0].addr, &h));
	free(tx);
}

static void test_s95_prefer_failure_mapping_not_moved(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 8080,
	        .ext_port = 40000, .lifetime = 3600);
	req_opt(&r, PCTL_OPT_PREFER_FAILURE, NULL, 0);
	et_send(t, H, &r);
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 8081,
	        .lifetime = 3600);
	et_send(t, H, &r);
	pctl_addr a = et_addr("203.0.113.77");
	pctl_engine_set_external(t->e, &a, 1, t->now);
	assert_int_equal(et_count(t), 1);
	assert_int_equal(t->fb.live, 1);
}

static void test_address_removed_mappings_removed(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 8080,
	        .lifetime = 3600);
	et_send(t, H, &r);
	req_map(&r, .client = "2001:db8::9", .nonce = 1, .protocol = 6,
	        .int_port = 8080, .ext_addr = "::", .lifetime = 3600);
	et_send(t, "2001:db8::9", &r);
	assert_int_equal(pctl_engine_set_external(t->e, NULL, 0, t->now), 0);
	assert_int_equal(et_count(t), 1); /* the IPv6 pinhole stays */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    ET_TEST(test_s93_state_loss_announces_t4),
	    ET_TEST(test_s94_ten_sends_gaps_from_250ms_doubling),
	    ET_TEST_CFG(test_s94_announce_count_configurable),
	    ET_TEST(test_x23_prefix64_change_announced),
	    ET_TEST(test_n10_address_change_announces_new_address),
	    ET_TEST(test_s95_mapping_update_sent_three_times),
	    ET_TEST(test_s95_update_stops_when_client_refreshes),
	    ET_TEST_CFG(test_s95_update_carries_third_party),
	    ET_TEST(test_s95_prefer_failure_mapping_not_moved),
	    ET_TEST(test_address_removed_mappings_removed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

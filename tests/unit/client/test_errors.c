/*
 * Result-code handling (RFC 6887 section 8.3, 11.4): no resend during an
 * error's lifetime (C-46), NO_RESOURCES holds new mappings, or everything
 * after a delete (C-47), long/short classes, capped error lifetimes (C-23),
 * one log line per repeated error.
 */
#include "harness.h"

static void test_c46_no_resend_during_error_lifetime(void **state)
{
	struct h h;
	struct pctl_msg req;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map_params p;
	(void)state;

	h_init(&h);
	p = h_map_params(6, 8080, 600);
	pctl_client_map_new(h.c, &p, h_cb, &h);
	h_expect_pcp(&h, &req, buf);
	h_reply(&h, &req, PCTL_R_NETWORK_FAILURE, 30, 1, "::", 0);
	assert_int_equal(h.ev[0], PCTL_EV_ERROR);
	assert_int_equal(h.info[0].error_class, PCTL_ERR_SHORT);
	assert_int_equal(h.info[0].lifetime, 30);
	assert_int_equal(pctl_client_timeout(h.c), 30000);
	h_advance(&h, 29999);
	assert_int_equal(h_count_requests(&h), 0);
	h_advance(&h, 1);
	assert_int_equal(h_count_requests(&h), 1);
	h_done(&h);
}

static void test_c23_error_lifetime_capped(void **state)
{
	struct h h;
	struct pctl_msg req;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map_params p;
	(void)state;

	h_config(&h);
	h.cfg.max_lifetime = 3600;
	h_start(&h);
	p = h_map_params(6, 8080, 600);
	pctl_client_map_new(h.c, &p, h_cb, &h);
	h_expect_pcp(&h, &req, buf);
	h_reply(&h, &req, PCTL_R_NOT_AUTHORIZED, 0x7fffffff, 1, "::", 0);
	assert_int_equal(h.info[0].error_class, PCTL_ERR_LONG);
	assert_int_equal(pctl_client_timeout(h.c), 3600000);
	h_done(&h);
}

static void test_c47_no_resources_holds_new_mappings(void **state)
{
	struct h h;
	struct pctl_msg req;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map_params p;
	(void)state;

	h_init(&h);
	p = h_map_params(6, 8080, 600);
	pctl_client_map_new(h.c, &p, h_cb, &h);
	h_expect_pcp(&h, &req, buf);
	h_reply(&h, &req, PCTL_R_NO_RESOURCES, 30, 1, "::", 0);
	/* another new mapping is not requested during the hold */
	p.internal_port = 8081;
	pctl_client_map_new(h.c, &p, h_cb, &h);
	assert_int_equal(h_count_requests(&h), 0);
	h_advance(&h, 29999);
	assert_int_equal(h_count_requests(&h), 0);
	h_advance(&h, 1);
	assert_int_equal(h_count_requests(&h), 2); /* both, after the hold */
	h_done(&h);
}

static void test_c47_no_resources_on_delete_holds_everything(void **state)
{
	struct h h;
	struct pctl_msg a, b, del;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map *ma;
	(void)state;

	h_init(&h);
	h.rnd = 0;
	ma = h_granted_map(&h, 1, 100, 1, &a);
	h_granted_map(&h, 2, 100, 1, &b);
	pctl_client_map_delete(ma);
	h_expect_pcp(&h, &del, buf);
	h_reply(&h, &del, PCTL_R_NO_RESOURCES, 120, 1, "::", 0);
	/* b's renewal (due at 50 s) waits until the hold is over */
	h_advance(&h, 50000);
	assert_int_equal(h_count_requests(&h), 0);
	h_advance(&h, 70000);
	assert_true(h_count_requests(&h) >= 1);
	h_done(&h);
}

static void test_one_log_line_per_repeated_error(void **state)
{
	struct h h;
	struct pctl_msg req;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map_params p;
	(void)state;

	h_init(&h);
	p = h_map_params(6, 8080, 600);
	pctl_client_map_new(h.c, &p, h_cb, &h);
	for (int i = 0; i < 3; i++) {
		h_expect_pcp(&h, &req, buf);
		h_reply(&h, &req, PCTL_R_NETWORK_FAILURE, 30, 1, "::", 0);
		h_advance(&h, 30000);
	}
	assert_int_equal(h.nlog, 1);
	assert_non_null(strstr(h.log, "NETWORK_FAILURE"));
	h_expect_pcp(&h, &req, buf);
	h_reply(&h, &req, PCTL_R_NOT_AUTHORIZED, 30, 1, "::", 0);
	assert_int_equal(h.nlog, 2);
	h_done(&h);
}

/* C-50.4: a server that answers UNSUPP_VERSION with version 1 is "too
 * old"; retried after min(30 min, Lifetime) (K-24). */
static void test_c50_version_one_too_old(void **state)
{
	struct h h;
	uint8_t buf[PCTL_MAX_MSG], out[24] = {1, 0x80, 0, 1, 0, 0, 0x0e, 0x10};
	struct pctl_client_map_params p;
	(void)state;

	h_init(&h);
	p = h_map_params(6, 8080, 600);
	pctl_client_map_new(h.c, &p, h_cb, &h);
	assert_true(h_recv(&h, buf, sizeof(buf)) > 0);
	h_send(&h, out, sizeof(out)); /* lifetime 3600 */
	h_process(&h);
	assert_int_equal(h.nev, 1);
	assert_true(h.info[0].version_too_old);
	assert_int_equal(pctl_client_timeout(h.c), 1800000);
	h_done(&h);
}

/* C-49: UNSUPP_OPTION / MALFORMED_OPTION and the THIRD_PARTY_ID errors are
 * long-lifetime: reported, and not retried for 30 min. */
static void test_c49_option_errors_long_hold(void **state)
{
	static const uint8_t codes[] = {PCTL_R_UNSUPP_OPTION,
	                                PCTL_R_MALFORMED_OPTION,
	                                PCTL_R_THIRD_PARTY_ID_UNKNOWN};
	(void)state;

	for (size_t i = 0; i < sizeof(codes); i++) {
		struct h h;
		struct pctl_msg req;
		uint8_t buf[PCTL_MAX_MSG];
		struct pctl_client_map_params p;

		h_init(&h);
		p = h_map_params(6, 8080, 600);
		pctl_client_map_new(h.c, &p, h_cb, &h);
		h_expect_pcp(&h, &req, buf);
		h_reply(&h, &req, codes[i], 0, 1, "::", 0);
		assert_int_equal(h.ev[0], PCTL_EV_ERROR);
		assert_int_equal(h.info[0].result, codes[i]);
		assert_int_equal(h.info[0].error_class, PCTL_ERR_LONG);
		/* lifetime 0 in the answer: the recommended 1800 s */
		assert_int_equal(pctl_client_timeout(h.c), 1800000);
		h_done(&h);
	}
}

/* C-3, K-26: when every address stayed silent, all are tried again after
 * 15 minutes. */
static void test_c3_all_addresses_silent_retry_15min(void **state)
{
	struct h h, h2;
	struct pctl_client_map_params p;
	(void)state;

	h_init(&h);
	h.rnd = H_RAND_ZERO;
	h_open_server(&h2);
	h_add_server(&h, "127.0.0.1", h2.srv_port);
	p = h_map_params(6, 80, 600);
	pctl_client_map_new(h.c, &p, h_cb, &h);
	for (int i = 0; i < 8 && h.nev == 0; i++)
		h_advance(&h, (uint64_t)pctl_client_timeout(h.c));
	assert_int_equal(h_count_requests(&h), 4);
	assert_int_equal(h_count_requests(&h2), 4);
	assert_int_equal(h.ev[0], PCTL_EV_TIMEOUT);
	assert_int_equal(pctl_client_timeout(h.c), PCTL_CLIENT_SELECT_RETRY_MS);
	h_advance(&h, PCTL_CLIENT_SELECT_RETRY_MS);
	assert_int_equal(h_count_requests(&h), 1); /* the first again */
	close(h2.srv_fd);
	h_done(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_c46_no_resend_during_error_lifetime),
	    cmocka_unit_test(test_c23_error_lifetime_capped),
	    cmocka_unit_test(test_c47_no_resources_holds_new_mappings),
	    cmocka_unit_test(test_c47_no_resources_on_delete_holds_everything),
	    cmocka_unit_test(test_one_log_line_per_repeated_error),
	    cmocka_unit_test(test_c50_version_one_too_old),
	    cmocka_unit_test(test_c49_option_errors_long_hold),
	    cmocka_unit_test(test_c3_all_addresses_silent_retry_15min),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

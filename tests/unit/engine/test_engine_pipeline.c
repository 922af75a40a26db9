/*
 * The reception pipeline (RFC 6887 section 8.2, S-1..S-23), response
 * construction (S-11..S-17), epoch (S-24..S-26) and the error lifetime
 * classes (R-) at the engine level.
 */
#include "etest.h"

#include <string.h>

static const char *H = "192.0.2.10";

static void test_s2_request_from_external_interface_dropped(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 8080,
	        .lifetime = 3600);
	assert_int_equal(et_send_raw(t, H, r.b, r.len, false), 0);
	assert_int_equal(et_count(t), 0);
	assert_int_equal(t->fb.creates, 0);
}

static void test_s3_one_octet_dropped(void **state)
{
	struct etest *t = *state;
	uint8_t b[1] = {2};
	assert_int_equal(et_send_raw(t, H, b, 1, true), 0);
}

static void test_s4_r_bit_set_dropped(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 8080,
	        .lifetime = 3600);
	r.b[1] |= 0x80;
	assert_int_equal(et_send(t, H, &r), 0);
	assert_int_equal(et_count(t), 0);
}

static void test_s5_unsupported_version_long_error(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 8080,
	        .lifetime = 3600);
	r.b[0] = 1;
	assert_int_equal(et_send(t, H, &r), 60);
	assert_int_equal(t->out[0], 2); /* S-5.1: our version */
	assert_int_equal(RESULT(t), PCTL_R_UNSUPP_VERSION);
	assert_int_equal(LIFETIME(t), PCTL_LONG_ERROR_LIFETIME); /* */
}

static void test_s53_natpmp_disabled_answers_unsupp_version_t5(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.natpmp_enabled = false;
	struct etest *t = et_open(state, &c);
	uint8_t b[2] = {0, 0};
	t->now += 1234000; /* epoch 1234 as in T-5 */
	assert_int_equal(et_send_raw(t, H, b, 2, true), 24);
	static const uint8_t t5[12] = {2, 0x80, 0, 1, 0, 0,
	                               7, 8,    0, 0, 4, 0xd2};
	assert_memory_equal(t->out, t5, 12); /* N-22 */
}

static void test_s6_v2_shorter_than_24_dropped(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 8080,
	        .lifetime = 3600);
	assert_int_equal(et_send_raw(t, H, r.b, 20, true), 0);
}

static void test_s8_too_long_malformed_and_truncated(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 8080,
	        .lifetime = 3600);
	assert_int_equal(et_send_raw(t, H, r.b, 1104, true), 1100);
	assert_int_equal(t->out[3], PCTL_R_MALFORMED_REQUEST);
	assert_int_equal(et_count(t), 0);
}

static void test_s8_unaligned_and_short_malformed(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 8080,
	        .lifetime = 3600);
	assert_int_equal(et_send_raw(t, H, r.b, 62, true), 64);
	assert_int_equal(t->out[3], PCTL_R_MALFORMED_REQUEST);
	assert_int_equal(et_send_raw(t, H, r.b, 56, true), 56);
	assert_int_equal(t->out[3], PCTL_R_MALFORMED_REQUEST);
	assert_int_equal(et_count(t), 0);
}

static void test_s9_client_address_mismatch(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = "192.0.2.99", .nonce = 1, .protocol = 6,
	        .int_port = 8080, .lifetime = 3600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_ADDRESS_MISMATCH);
	assert_int_equal(LIFETIME(t), PCTL_LONG_ERROR_LIFETIME);
	/* S-91: ANNOUNCE too. */
	req_announce(&r, "192.0.2.99");
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_ADDRESS_MISMATCH);
}

static void test_s10_unknown_opcode_echoes_payload(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 7, .protocol = 6, .int_port = 8080,
	        .lifetime = 3600);
	r.b[1] = 5;
	assert_int_equal(et_send(t, H, &r), 60);
	assert_int_equal(t->out[1], 0x85);
	assert_int_equal(t->out[3], PCTL_R_UNSUPP_OPCODE);
	assert_memory_equal(t->out + 24, r.b + 24, 36);
}

static void test_s11_s14_success_response_fields(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 9, .protocol = 6, .int_port = 8080,
	        .lifetime = 3600);
	uint8_t junk[4] = {1, 2, 3, 4};
	req_opt(&r, 200, junk, 4); /* optional, unknown: ignored (S-21) */
	t->now += 3000;
	assert_int_equal(et_send(t, H, &r), 60); /* option not echoed */
	assert_int_equal(t->out[0], 2);
	assert_int_equal(t->out[1], 0x81);
	assert_int_equal(t->out[2], 0);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(t->resp.epoch, 3);
	static const uint8_t zero[12];
	assert_memory_equal(t->out + 12, zero, 12);       /* S-13 */
	assert_memory_equal(t->resp.nonce, r.b + 24, 12); /* S-31 */
	assert_int_equal(t->resp.protocol, 6);
	assert_int_equal(t->resp.internal_port, 8080);
	assert_int_equal(LIFETIME(t), 3600);
	assert_true(
	    pctl_addr_equal(&t->resp.external_addr, &t->cfg.ext_addrs[0]));
	assert_true(EXTPORT(t) >= 1024);
}

static void test_s12_error_response_copies_all_options(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 9, .protocol = 6, .int_port = 8080,
	        .lifetime = 3600);
	uint8_t junk[4] = {1, 2, 3, 4};
	req_opt(&r, 200, junk, 4);
	req_opt(&r, 100, NULL, 0); /* mandatory unknown: UNSUPP_OPTION */
	assert_int_equal(et_send(t, H, &r), r.len);
	assert_int_equal(RESULT(t), PCTL_R_UNSUPP_OPTION); /* S-21 */
	assert_int_equal(LIFETIME(t), PCTL_LONG_ERROR_LIFETIME);
	assert_memory_equal(t->out + 24, r.b + 24, r.len - 24);
	assert_int_equal(et_count(t), 0);
}

static void test_s15_failed_commit_leaves_no_state(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 8080,
	        .ext_port = 40000, .lifetime = 3600);
	t->fb.fail_commit.times = 1;
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_NETWORK_FAILURE);
	assert_int_equal(LIFETIME(t), PCTL_SHORT_ERROR_LIFETIME); /* */
	assert_int_equal(et_count(t), 0);
	assert_int_equal(t->fb.live, 0);
	assert_true(t->fb.aborts >= 1);
	/* The port was given back: the retry gets it. */
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(EXTPORT(t), 40000);
	assert_int_equal(t->fb.live, 1);
}

static void test_s15_failed_create_leaves_no_state(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 17, .int_port = 5000,
	        .ext_port = 41000, .lifetime = 3600);
	t->fb.fail_create.times = 1;
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_NETWORK_FAILURE);
	assert_int_equal(et_count(t), 0);
	struct pctl_engine_stats s;
	pctl_engine_get_stats(t->e, &s);
	assert_int_equal(s.backend_errors, 1);
	et_send(t, H, &r);
	assert_int_equal(EXTPORT(t), 41000);
}

static void test_s15_failed_renew_keeps_old_filters(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 8080,
	        .lifetime = 3600);
	req_filter(&r, 120, "198.51.100.0", 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 8080,
	        .lifetime = 3600);
	req_filter(&r, 128, "203.0.113.9", 0);
	t->fb.fail_commit.times = 1;
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_NETWORK_FAILURE);
	/* A retry without filters shows one filter kept, not two. */
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 8080,
	        .lifetime = 3600);
	et_send(t, H, &r);
	assert_int_equal(t->fb.last_n_filters, 1);
}

static void test_s17_retransmission_gets_identical_response(void **state)
{
	struct etest *t = *state;
	struct req r;
	uint8_t first[PCTL_MAX_MSG];
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 8080,
	        .lifetime = 3600);
	size_t n = et_send(t, H, &r);
	memcpy(first, t->out, n);
	assert_int_equal(et_send(t, H, &r), n);
	assert_memory_equal(first, t->out, n);
	assert_int_equal(et_count(t), 1);
}

static void test_s24_epoch_counts_seconds(void **state)
{
	struct etest *t = *state;
	assert_int_equal(pctl_engine_epoch(t->e, t->now), 0);
	assert_int_equal(pctl_engine_epoch(t->e, t->now + 5999), 5);
	struct req r;
	req_announce(&r, H);
	t->now += 7500;
	et_send(t, H, &r);
	assert_int_equal(t->resp.epoch, 7);
}

static void test_s25_state_loss_resets_epoch(void **state)
{
	struct etest *t = *state;
	t->now += 100000;
	assert_int_equal(pctl_engine_epoch(t->e, t->now), 100);
	pctl_engine_state_lost(t->e, t->now);
	assert_int_equal(pctl_engine_epoch(t->e, t->now), 0);
	assert_int_equal(pctl_engine_epoch(t->e, t->now + 2000), 2);
}

static void test_s26_external_change_resets_epoch(void **state)
{
	struct etest *t = *state;
	t->now += 50000;
	pctl_addr a = et_addr("203.0.113.2");
	assert_int_equal(pctl_engine_set_external(t->e, &a, 1, t->now), 0);
	assert_int_equal(pctl_engine_epoch(t->e, t->now + 1000), 1);
}

static void test_set_epoch_continues_after_restart(void **state)
{
	struct etest *t = *state;
	pctl_engine_set_epoch(t->e, 5000, t->now);
	assert_int_equal(pctl_engine_epoch(t->e, t->now + 3000), 5003);
}

static void test_s7_flooding_source_cannot_starve_others(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.rate_per_sec = 1;
	c.rate_burst = 3;
	struct etest *t = et_open(state, &c);
	struct req r;
	req_announce(&r, H);
	int answered = 0;
	for (int i = 0; i < 50; i++)
		answered += et_send(t, H, &r) != 0;
	assert_int_equal(answered, 3);
	req_announce(&r, "192.0.2.11");
	assert_int_equal(et_send(t, "192.0.2.11", &r), 24);
	struct pctl_engine_stats s;
	pctl_engine_get_stats(t->e, &s);
	assert_int_equal(s.rate_limited, 47);
}

static void test_s91_announce_success_lifetime_0(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_announce(&r, H);
	assert_int_equal(et_send(t, H, &r), 24);
	assert_int_equal(t->out[1], 0x80);
	assert_int_equal(RESULT(t), 0);
	assert_int_equal(LIFETIME(t), 0);
	assert_int_equal(et_count(t), 0);
}

/* R-1..R-13, R-24..R-26: each error the engine sends carries its class's
 * lifetime (long 1800 s, short 30 s), except the R-2 nonce case and R-11
 * (tested with their rules). */
static void test_r_error_lifetime_classes(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.n_third_party_acl = 1;
	c.third_party_acl[0] = (struct pctl_prefix){et_addr(H), 128};
	c.third_party_id_enabled = true;
	c.third_party_id_max_len = 2;
	c.max_per_host = 1;
	struct etest *t = et_open(state, &c);
	struct req r;
	pctl_addr tp = et_addr("192.0.2.50");
	struct {
		uint8_t result;
		uint32_t lifetime;
	} seen[8];
	int n = 0;

	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	r.b[0] = 3; /* */
	et_send(t, H, &r);
	seen[n].result = RESULT(t), seen[n++].lifetime = LIFETIME(t);
	req_map(&r, .client = H, .nonce = 1, .protocol = 0, .int_port = 80,
	        .lifetime = 600); /* */
	et_send(t, H, &r);
	seen[n].result = RESULT(t), seen[n++].lifetime = LIFETIME(t);
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	r.b[1] = 9; /* */
	et_send(t, H, &r);
	seen[n].result = RESULT(t), seen[n++].lifetime = LIFETIME(t);
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	req_filter(&r, 200, "198.51.100.0", 0); /* */
	et_send(t, H, &r);
	seen[n].result = RESULT(t), seen[n++].lifetime = LIFETIME(t);
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	req_opt(&r, PCTL_OPT_THIRD_PARTY_ID, "ab", 2); /* */
	et_send(t, H, &r);
	seen[n].result = RESULT(t), seen[n++].lifetime = LIFETIME(t);
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	req_opt(&r, PCTL_OPT_THIRD_PARTY, tp.b, 16);
	req_opt(&r, PCTL_OPT_THIRD_PARTY_ID, "abc", 3); /* */
	et_send(t, H, &r);
	seen[n].result = RESULT(t), seen[n++].lifetime = LIFETIME(t);
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	et_send(t, H, &r);
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 81,
	        .lifetime = 600); /* */
	et_send(t, H, &r);
	seen[n].result = RESULT(t), seen[n++].lifetime = LIFETIME(t);

	static const uint8_t want[] = {PCTL_R_UNSUPP_VERSION,
	                               PCTL_R_MALFORMED_REQUEST,
	                               PCTL_R_UNSUPP_OPCODE,
	                               PCTL_R_MALFORMED_OPTION,
	                               PCTL_R_THIRD_PARTY_MISSING_OPTION,
	                               PCTL_R_UNSUPP_THIRD_PARTY_ID_LENGTH,
	                               PCTL_R_USER_EX_QUOTA};
	for (int i = 0; i < n; i++) {
		assert_int_equal(seen[i].result, want[i]);
		assert_int_equal(seen[i].lifetime,
		                 want[i] == PCTL_R_USER_EX_QUOTA
		                     ? PCTL_SHORT_ERROR_LIFETIME
		                     : PCTL_LONG_ERROR_LIFETIME);
	}
}

static void test_stats_count_results(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 8080,
	        .lifetime = 3600);
	et_send(t, H, &r);
	req_map(&r, .client = H, .nonce = 2, .protocol = 6, .int_port = 8080,
	        .lifetime = 3600);
	et_send(t, H, &r);
	struct pctl_engine_stats s;
	pctl_engine_get_stats(t->e, &s);
	assert_int_equal(s.requests, 2);
	assert_int_equal(s.pcp_results[PCTL_R_SUCCESS], 1);
	assert_int_equal(s.pcp_results[PCTL_R_NOT_AUTHORIZED], 1);
	assert_int_equal(s.mappings[PCTL_MK_MAP], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    ET_TEST(test_s2_request_from_external_interface_dropped),
	    ET_TEST(test_s3_one_octet_dropped),
	    ET_TEST(test_s4_r_bit_set_dropped),
	    ET_TEST(test_s5_unsupported_version_long_error),
	    ET_TEST_CFG(test_s53_natpmp_disabled_answers_unsupp_version_t5),
	    ET_TEST(test_s6_v2_shorter_than_24_dropped),
	    ET_TEST(test_s8_too_long_malformed_and_truncated),
	    ET_TEST(test_s8_unaligned_and_short_malformed),
	    ET_TEST(test_s9_client_address_mismatch),
	    ET_TEST(test_s10_unknown_opcode_echoes_payload),
	    ET_TEST(test_s11_s14_success_response_fields),
	    ET_TEST(test_s12_error_response_copies_all_options),
	    ET_TEST(test_s15_failed_commit_leaves_no_state),
	    ET_TEST(test_s15_failed_create_leaves_no_state),
	    ET_TEST(test_s15_failed_renew_keeps_old_filters),
	    ET_TEST(test_s17_retransmission_gets_identical_response),
	    ET_TEST(test_s24_epoch_counts_seconds),
	    ET_TEST(test_s25_state_loss_resets_epoch),
	    ET_TEST(test_s26_external_change_resets_epoch),
	    ET_TEST(test_set_epoch_continues_after_restart),
	    ET_TEST_CFG(test_s7_flooding_source_cannot_starve_others),
	    ET_TEST(test_s91_announce_success_lifetime_0),
	    ET_TEST_CFG(test_r_error_lifetime_classes),
	    ET_TEST(test_stats_count_results),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Response processing (RFC 6887 section 8.3, 11.4): source (C-30), nonce,
 * protocol and internal port (C-35), unusable external addresses, double
 * NAT, unknown options (C-38), Mapping Updates (C-37), PREFER_FAILURE
 * (C-39), restart detection (C-43, C-44) and deletion (C-65).
 */
#include "harness.h"

static void test_c35_wrong_nonce_port_protocol_ignored(void **state)
{
	struct h h;
	struct pctl_msg req, bad;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map_params p;
	struct pctl_client_map *m;
	(void)state;

	h_init(&h);
	p = h_map_params(6, 8080, 600);
	m = pctl_client_map_new(h.c, &p, h_cb, &h);
	h_expect_pcp(&h, &req, buf);
	bad = req;
	bad.nonce[0] ^= 1;
	h_reply(&h, &bad, PCTL_R_SUCCESS, 600, 1, "203.0.113.7", 1);
	bad = req;
	bad.internal_port = 8081;
	h_reply(&h, &bad, PCTL_R_SUCCESS, 600, 1, "203.0.113.7", 1);
	bad = req;
	bad.protocol = 17;
	h_reply(&h, &bad, PCTL_R_SUCCESS, 600, 1, "203.0.113.7", 1);
	bad = req;
	bad.opcode = PCTL_OP_PEER;
	h_reply(&h, &bad, PCTL_R_SUCCESS, 600, 1, "203.0.113.7", 1);
	assert_int_equal(h.nev, 0);
	assert_int_equal(h_state(m), PCTL_MS_PENDING);
	h_reply(&h, &req, PCTL_R_SUCCESS, 600, 1, "203.0.113.7", 1);
	assert_int_equal(h.nev, 1);
	assert_int_equal(h_state(m), PCTL_MS_GRANTED);
	h_done(&h);
}

/* C-30: an answer from another port of the server's host never counts. */
static void test_c30_wrong_source_port_ignored(void **state)
{
	struct h h;
	struct pctl_msg req;
	uint8_t buf[PCTL_MAX_MSG], out[PCTL_MAX_MSG];
	struct pctl_client_map_params p;
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int other;
	(void)state;

	h_init(&h);
	p = h_map_params(6, 8080, 600);
	pctl_client_map_new(h.c, &p, h_cb, &h);
	h_expect_pcp(&h, &req, buf);
	req.response = true;
	pctl_addr_from_str(&req.external_addr, "203.0.113.7");
	req.external_port = 80;
	size_t len = pctl_encode(&req, out, sizeof(out));
	other = socket(AF_INET, SOCK_DGRAM, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(other, (struct sockaddr *)&sin, sizeof(sin));
	assert_int_equal(
	    sendto(other, out, len, 0, (struct sockaddr *)&h.peer, h.peerlen),
	    (ssize_t)len);
	h_process(&h);
	assert_int_equal(h.nev, 0);
	close(other);
	h_done(&h);
}

static void test_zero_or_loopback_external_rejected(void **state)
{
	struct h h;
	struct pctl_msg req;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map_params p;
	(void)state;

	h_init(&h);
	p = h_map_params(17, 5353, 600);
	pctl_client_map_new(h.c, &p, h_cb, &h);
	h_expect_pcp(&h, &req, buf);
	h_reply(&h, &req, PCTL_R_SUCCESS, 600, 1, "0.0.0.0", 5353);
	h_reply(&h, &req, PCTL_R_SUCCESS, 600, 1, "::", 5353);
	h_reply(&h, &req, PCTL_R_SUCCESS, 600, 1, "127.0.0.1", 5353);
	h_reply(&h, &req, PCTL_R_SUCCESS, 600, 1, "::1", 5353);
	h_reply(&h, &req, PCTL_R_SUCCESS, 600, 1, "203.0.113.1", 0);
	assert_int_equal(h.nev, 0);
	h_reply(&h, &req, PCTL_R_SUCCESS, 600, 1, "100.64.1.2", 5353);
	assert_int_equal(h.nev, 1);
	assert_true(h.info[0].double_nat); /* RFC 6598 shared space */
	h_done(&h);
}

static void test_c48_address_mismatch_is_double_nat(void **state)
{
	struct h h;
	struct pctl_msg req;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map_params p;
	(void)state;

	h_init(&h);
	p = h_map_params(6, 80, 600);
	p.keep = false;
	pctl_client_map_new(h.c, &p, h_cb, &h);
	h_expect_pcp(&h, &req, buf);
	h_reply(&h, &req, PCTL_R_ADDRESS_MISMATCH, 1800, 1, "::", 0);
	assert_int_equal(h.ev[0], PCTL_EV_ERROR);
	assert_true(h.info[0].double_nat);
	assert_int_equal(h.info[0].error_class, PCTL_ERR_LONG);
	assert_int_equal(h.info[0].state, PCTL_MS_ERROR);
	h_done(&h);
}

static void test_c38_unknown_options_ignored(void **state)
{
	struct h h;
	struct pctl_msg req, r;
	uint8_t buf[PCTL_MAX_MSG], out[PCTL_MAX_MSG];
	uint8_t junk[4] = {1, 2, 3, 4};
	struct pctl_client_map_params p;
	(void)state;

	h_init(&h);
	p = h_map_params(6, 81, 600);
	pctl_client_map_new(h.c, &p, h_cb, &h);
	h_expect_pcp(&h, &req, buf);
	r = req;
	r.response = true;
	r.lifetime = 600;
	pctl_addr_from_str(&r.external_addr, "203.0.113.9");
	r.external_port = 81;
	r.n_options = 0;
	pctl_msg_add_option(&r, 100, junk, 4); /* mandatory range */
	pctl_msg_add_option(&r, 200, junk, 3);
	size_t len = pctl_encode(&r, out, sizeof(out));
	assert_true(len > 60);
	h_send(&h, out, len);
	h_process(&h);
	assert_int_equal(h.nev, 1);
	assert_int_equal(h.ev[0], PCTL_EV_GRANTED);
	h_done(&h);
}

static void test_c37_mapping_update_changes_endpoint(void **state)
{
	struct h h;
	struct pctl_msg req;
	(void)state;

	h_init(&h);
	h_granted_map(&h, 8080, 600, 10, &req);
	h.now += 5000;
	h_reply(&h, &req, PCTL_R_SUCCESS, 600, 15, "203.0.113.99", 4000);
	assert_int_equal(h.nev, 2);
	assert_int_equal(h.ev[1], PCTL_EV_CHANGED);
	assert_int_equal(h.info[1].external_port, 4000);
	/* an unsolicited NOT_AUTHORIZED later is applied too */
	h.now += 5000;
	h_reply(&h, &req, PCTL_R_NOT_AUTHORIZED, 600, 20, "::", 0);
	assert_int_equal(h.ev[2], PCTL_EV_ERROR);
	h_done(&h);
}

static void test_c39_prefer_failure_stale_update_ignored(void **state)
{
	struct h h;
	struct pctl_msg req;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map_params p;
	(void)state;

	h_init(&h);
	p = h_map_params(6, 2222, 600);
	p.prefer_failure = true;
	p.has_suggest = true;
	pctl_addr_from_str(&p.suggest_addr, "203.0.113.5");
	p.suggest_port = 2222;
	assert_non_null(pctl_client_map_new(h.c, &p, h_cb, &h));
	h_expect_pcp(&h, &req, buf);
	assert_non_null(pctl_msg_option(&req, PCTL_OPT_PREFER_FAILURE));
	h_reply(&h, &req, PCTL_R_SUCCESS, 600, 1, "203.0.113.5", 2223);
	assert_int_equal(h.nev, 0);
	h_reply(&h, &req, PCTL_R_SUCCESS, 600, 1, "203.0.113.5", 2222);
	assert_int_equal(h.nev, 1);
	h_done(&h);
}

/* C-43, C-44: one answer with an impossible epoch re-creates every other
 * mapping at that server within uniform(0, 5 s). */
static void test_c43_epoch_anomaly_recreates_others(void **state)
{
	struct h h;
	struct pctl_msg a, b, r;
	uint8_t buf[PCTL_MAX_MSG];
	(void)state;

	h_init(&h);
	h.rnd = UINT32_MAX; /* the longest delay: 5 s */
	h_granted_map(&h, 1001, 3600, 1000, &a);
	h_granted_map(&h, 1002, 3600, 1000, &b);
	h.now += 10000;
	/* a Mapping Update for b with epoch 3: the server restarted */
	h_reply(&h, &b, PCTL_R_SUCCESS, 3600, 3, "203.0.113.7", 11002);
	assert_int_equal(h.ev[h.nev - 2], PCTL_EV_RENEWED);
	assert_int_equal(h.ev[h.nev - 1], PCTL_EV_LOST); /* a is lost */
	assert_int_equal(pctl_client_timeout(h.c), 5000);
	h_advance(&h, 4999);
	assert_int_equal(h_count_requests(&h), 0);
	h_advance(&h, 1);
	h_expect_pcp(&h, &r, buf);
	assert_int_equal(r.internal_port, 1001);
	assert_memory_equal(r.nonce, a.nonce, PCTL_NONCE_LEN);
	assert_int_equal(r.external_port, 11001); /* previous endpoint */
	h_done(&h);
}

static void test_c65_delete_zero_lifetime_same_nonce(void **state)
{
	struct h h;
	struct pctl_msg req, del;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map *m;
	(void)state;

	h_init(&h);
	m = h_granted_map(&h, 7000, 600, 5, &req);
	assert_int_equal(pctl_client_map_delete(m), 0);
	h_expect_pcp(&h, &del, buf);
	assert_int_equal(del.lifetime, 0);
	assert_int_equal(del.external_port, 0);
	assert_true(pctl_addr_is_v4(&del.external_addr));
	assert_true(pctl_addr_is_any(&del.external_addr));
	assert_memory_equal(del.nonce, req.nonce, PCTL_NONCE_LEN);
	/* a late renewal answer (lifetime != 0) is not the delete */
	h_reply(&h, &req, PCTL_R_SUCCESS, 600, 6, "203.0.113.7", 17000);
	assert_int_equal(h_state(m), PCTL_MS_DELETING);
	h_reply(&h, &del, PCTL_R_SUCCESS, 0, 6, "0.0.0.0", 0);
	assert_int_equal(h_state(m), PCTL_MS_DELETED);
	assert_int_equal(h.ev[h.nev - 1], PCTL_EV_DELETED);
	assert_int_equal(pctl_client_timeout(h.c), -1);
	pctl_client_map_free(m);
	h_done(&h);
}

/* S-52: a server under the Simple Threat Model answers a delete of a
 * mapping with live traffic with the time it keeps it: DELETED (nothing to
 * renew) with that lifetime and the external endpoint in the info. */
static void test_s52_delete_answered_with_lifetime_left(void **state)
{
	struct h h;
	struct pctl_msg req, del;
	struct pctl_client_map_info info;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map *m;
	(void)state;

	h_init(&h);
	m = h_granted_map(&h, 7000, 600, 5, &req);
	assert_int_equal(pctl_client_map_delete(m), 0);
	h_expect_pcp(&h, &del, buf);
	/* Once could be a late renewal answer: the delete goes again. */
	h_reply(&h, &del, PCTL_R_SUCCESS, 90, 6, "203.0.113.7", 17000);
	pctl_client_map_get_info(m, &info);
	assert_int_equal(info.state, PCTL_MS_DELETING);
	h_advance(&h, (uint64_t)pctl_client_timeout(h.c));
	h_expect_pcp(&h, &del, buf);
	assert_int_equal(del.lifetime, 0);
	h_reply(&h, &del, PCTL_R_SUCCESS, 87, 6, "203.0.113.7", 17000);
	pctl_client_map_get_info(m, &info);
	assert_int_equal(info.state, PCTL_MS_DELETED);
	assert_int_equal(h.ev[h.nev - 1], PCTL_EV_DELETED);
	assert_int_equal(info.lifetime, 87);
	assert_int_equal(info.external_port, 17000);
	/* Not renewed: nothing more is sent. */
	assert_int_equal(pctl_client_timeout(h.c), -1);
	pctl_client_map_free(m);
	h_done(&h);
}

/* A delete on its own (portctl delete) never asked for a lifetime: the
 * first answer with one is the server keeping the mapping (S-52). */
static void test_s52_delete_only_takes_first_kept_answer(void **state)
{
	struct h h;
	struct pctl_msg del;
	struct pctl_client_map_info info;
	uint8_t buf[PCTL_MAX_MSG];
	(void)state;

	h_init(&h);
	struct pctl_client_map_params p = h_map_params(6, 7000, 600);
	struct pctl_client_map *m =
	    pctl_client_map_delete_new(h.c, &p, h_cb, &h);
	assert_non_null(m);
	h_expect_pcp(&h, &del, buf);
	assert_int_equal(del.lifetime, 0);
	h_reply(&h, &del, PCTL_R_SUCCESS, 90, 6, "203.0.113.7", 17000);
	pctl_client_map_get_info(m, &info);
	assert_int_equal(info.state, PCTL_MS_DELETED);
	assert_int_equal(info.lifetime, 90);
	pctl_client_map_free(m);
	h_done(&h);
}

/* A callback may free its mapping (deferred until it returns). */
static void free_cb(struct pctl_client_map *m, enum pctl_client_map_event ev,
                    const struct pctl_client_map_info *info, void *arg)
{
	(void)ev;
	(void)info;
	(void)arg;
	pctl_client_map_free(m);
}

static void test_free_from_callback(void **state)
{
	struct h h;
	struct pctl_msg req;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map_params p;
	(void)state;

	h_init(&h);
	p = h_map_params(6, 7001, 600);
	pctl_client_map_new(h.c, &p, free_cb, &h);
	h_expect_pcp(&h, &req, buf);
	h_reply(&h, &req, PCTL_R_SUCCESS, 600, 5, "203.0.113.7", 1);
	assert_int_equal(pctl_client_timeout(h.c), -1);
	h_done(&h);
}

/* C-31, C-33: runts, requests (R bit clear), bad lengths are dropped. */
static void test_c31_c33_malformed_dropped(void **state)
{
	struct h h;
	struct pctl_msg req, r;
	uint8_t buf[PCTL_MAX_MSG], out[PCTL_MAX_MSG + 8];
	struct pctl_client_map_params p;
	size_t len;
	(void)state;

	h_init(&h);
	p = h_map_params(6, 8080, 600);
	pctl_client_map_new(h.c, &p, h_cb, &h);
	h_expect_pcp(&h, &req, buf);
	r = req;
	r.response = true;
	r.lifetime = 600;
	pctl_addr_from_str(&r.external_addr, "203.0.113.7");
	r.external_port = 1;
	len = pctl_encode(&r, out, sizeof(out));
	h_send(&h, out, 3);       /* runt */
	h_send(&h, out, len - 2); /* not a multiple of 4 */
	h_send(&h, out, 20);      /* shorter than the header */
	out[1] &= 0x7f;           /* R bit clear: a request */
	h_send(&h, out, len);
	h_process(&h);
	assert_int_equal(h.nev, 0);
	out[1] |= 0x80;
	h_send(&h, out, len);
	h_process(&h);
	assert_int_equal(h.nev, 1);
	h_done(&h);
}

/* C-51: CANNOT_PROVIDE_EXTERNAL in a Mapping Update of a PEER mapping is
 * reported, so that the application re-establishes its connections. */
static void test_c51_peer_update_cannot_provide_external(void **state)
{
	struct h h;
	struct pctl_msg req;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map_params p;
	(void)state;

	h_init(&h);
	p = h_map_params(6, 50000, 600);
	p.kind = PCTL_REQ_PEER;
	pctl_addr_from_str(&p.remote_addr, "198.51.100.9");
	p.remote_port = 443;
	pctl_client_map_new(h.c, &p, h_cb, &h);
	h_expect_pcp(&h, &req, buf);
	assert_int_equal(req.opcode, PCTL_OP_PEER);
	assert_int_equal(req.remote_port, 443);
	h_reply(&h, &req, PCTL_R_SUCCESS, 600, 1, "203.0.113.7", 40000);
	assert_int_equal(h.ev[0], PCTL_EV_GRANTED);
	/* C-35: another remote peer's answer does not match */
	struct pctl_msg other = req;
	other.remote_port = 80;
	h_reply(&h, &other, PCTL_R_CANNOT_PROVIDE_EXTERNAL, 30, 2, "::", 0);
	assert_int_equal(h.nev, 1);
	h_reply(&h, &req, PCTL_R_CANNOT_PROVIDE_EXTERNAL, 30, 2, "::", 0);
	assert_int_equal(h.ev[1], PCTL_EV_ERROR);
	assert_int_equal(h.info[1].result, PCTL_R_CANNOT_PROVIDE_EXTERNAL);
	h_done(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_c35_wrong_nonce_port_protocol_ignored),
	    cmocka_unit_test(test_c30_wrong_source_port_ignored),
	    cmocka_unit_test(test_zero_or_loopback_external_rejected),
	    cmocka_unit_test(test_c48_address_mismatch_is_double_nat),
	    cmocka_unit_test(test_c38_unknown_options_ignored),
	    cmocka_unit_test(test_c37_mapping_update_changes_endpoint),
	    cmocka_unit_test(test_c39_prefer_failure_stale_update_ignored),
	    cmocka_unit_test(test_c43_epoch_anomaly_recreates_others),
	    cmocka_unit_test(test_c65_delete_zero_lifetime_same_nonce),
	    cmocka_unit_test(test_s52_delete_answered_with_lifetime_left),
	    cmocka_unit_test(test_s52_delete_only_takes_first_kept_answer),
	    cmocka_unit_test(test_free_from_callback),
	    cmocka_unit_test(test_c31_c33_malformed_dropped),
	    cmocka_unit_test(test_c51_peer_update_cannot_provide_external),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Answers a server gives that the client must not take at face value
 * (issue 13): the ports a PORT_SET got (RFC 7753), an optional option the
 * server refuses (miniupnpd's MALFORMED_OPTION to a DESCRIPTION or PORT_SET
 * whose length is not a multiple of 4), the external-address MAP of 9/udp
 * refused (NAT-PMP's address request instead), an error's lifetime as sent,
 * and answers that came but cannot be used (PCTL_FAIL_UNUSABLE).
 */
#include "harness.h"

/* A reply to req carrying one option (h_reply drops them). */
static void reply_with_option(struct h *h, const struct pctl_msg *req,
                              uint8_t result, uint8_t code, const uint8_t *data,
                              uint16_t len)
{
	struct pctl_msg r = *req;
	uint8_t out[PCTL_MAX_MSG];
	size_t n;

	r.response = true;
	r.result = result;
	r.epoch = 1;
	r.n_options = 0;
	assert_int_equal(pctl_addr_from_str(&r.external_addr, "203.0.113.7"),
	                 0);
	r.external_port = 40000;
	assert_int_equal(pctl_msg_add_option(&r, code, data, len), 0);
	n = pctl_encode(&r, out, sizeof(out));
	assert_true(n > 0);
	h_send(h, out, n);
	h_process(h);
}

static struct pctl_client_map *port_set_map(struct h *h, struct pctl_msg *req,
                                            uint8_t *buf)
{
	struct pctl_client_map_params p = h_map_params(17, 6000, 600);
	struct pctl_client_map *m;

	p.port_set_size = 4;
	m = pctl_client_map_new(h->c, &p, h_cb, h);
	assert_non_null(m);
	h_expect_pcp(h, req, buf);
	assert_non_null(pctl_msg_option(req, PCTL_OPT_PORT_SET));
	return m;
}

/* RFC 7753: the response's PORT_SET size is what was granted. */
static void test_x3_6_port_set_granted_from_response(void **state)
{
	struct h h;
	struct pctl_msg req;
	uint8_t buf[PCTL_MAX_MSG], ps[PCTL_PORT_SET_LEN];
	struct pctl_port_set granted = {.size = 3, .first_internal_port = 6000};
	(void)state;

	h_init(&h);
	port_set_map(&h, &req, buf);
	pctl_port_set_pack(&granted, ps);
	reply_with_option(&h, &req, PCTL_R_SUCCESS, PCTL_OPT_PORT_SET, ps,
	                  PCTL_PORT_SET_LEN);
	assert_int_equal(h.ev[0], PCTL_EV_GRANTED);
	assert_int_equal(h.info[0].port_set_granted, 3);
	h_done(&h);
}

/* A server that ignores PORT_SET (no option in the answer) granted one. */
static void test_x3_4_port_set_ignored_is_one(void **state)
{
	struct h h;
	struct pctl_msg req;
	uint8_t buf[PCTL_MAX_MSG];
	(void)state;

	h_init(&h);
	port_set_map(&h, &req, buf);
	h_reply(&h, &req, PCTL_R_SUCCESS, 600, 1, "203.0.113.7", 40000);
	assert_int_equal(h.info[0].port_set_granted, 1);
	h_done(&h);
}

/* MALFORMED_OPTION to a request with a DESCRIPTION and a PORT_SET: asked
 * again at once without both, logged; a second refusal is reported. */
static void test_c49_optional_options_dropped_once(void **state)
{
	struct h h;
	struct pctl_msg req;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map_params p = h_map_params(6, 8080, 600);
	(void)state;

	h_init(&h);
	strcpy(p.description, "abc");
	p.port_set_size = 2;
	pctl_client_map_new(h.c, &p, h_cb, &h);
	h_expect_pcp(&h, &req, buf);
	assert_non_null(pctl_msg_option(&req, PCTL_OPT_DESCRIPTION));
	h_reply(&h, &req, PCTL_R_MALFORMED_OPTION, 0, 1, "::", 0);
	assert_int_equal(h.nev, 0); /* not an error yet */
	assert_non_null(strstr(h.log, "asking again without them"));
	h_expect_pcp(&h, &req, buf);
	assert_null(pctl_msg_option(&req, PCTL_OPT_DESCRIPTION));
	assert_null(pctl_msg_option(&req, PCTL_OPT_PORT_SET));
	h_reply(&h, &req, PCTL_R_MALFORMED_OPTION, 0, 1, "::", 0);
	assert_int_equal(h.nev, 1);
	assert_int_equal(h.ev[0], PCTL_EV_ERROR);
	assert_int_equal(h.info[0].result, PCTL_R_MALFORMED_OPTION);
	h_done(&h);
}

/* C-46: an error's lifetime is reported as sent (0 here); the hold is the
 * default of its class all the same. */
static void test_c46_error_lifetime_as_sent(void **state)
{
	struct h h;
	struct pctl_msg req;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map_params p = h_map_params(6, 80, 600);
	(void)state;

	h_init(&h);
	pctl_client_map_new(h.c, &p, h_cb, &h);
	h_expect_pcp(&h, &req, buf);
	h_reply(&h, &req, PCTL_R_NOT_AUTHORIZED, 0, 1, "::", 0);
	assert_int_equal(h.info[0].lifetime, 0);
	assert_int_equal(pctl_client_timeout(h.c), 1800000);
	assert_non_null(strstr(h.log, "lifetime 0: holding the default 1800"));
	h_done(&h);
}

/* SUCCESS with external port 0, then UNSUPP_VERSION in version 2: the
 * mapping stays pending, says PCTL_FAIL_UNUSABLE with the last result, and
 * the exchange that ends (MRC) ends with that failure. */
static void test_c45_c50_unusable_answers_reported(void **state)
{
	struct h h;
	struct pctl_msg req;
	struct pctl_client_map_info info;
	struct pctl_client_map *m;
	uint8_t buf[PCTL_MAX_MSG], out[PCTL_MAX_MSG];
	struct pctl_client_map_params p = h_map_params(6, 8080, 600);
	ssize_t n;
	(void)state;

	h_config(&h);
	h.cfg.mrc = 3;
	h_start(&h);
	m = pctl_client_map_new(h.c, &p, h_cb, &h);
	h_expect_pcp(&h, &req, buf);
	h_reply(&h, &req, PCTL_R_SUCCESS, 600, 1, "203.0.113.7", 0);
	assert_int_equal(h.nev, 0);
	pctl_client_map_get_info(m, &info);
	assert_int_equal(info.state, PCTL_MS_PENDING);
	assert_int_equal(info.failure, PCTL_FAIL_UNUSABLE);
	assert_int_equal(info.result, PCTL_R_SUCCESS);
	assert_non_null(strstr(h.log, "port 0"));
	h_advance(&h, (uint64_t)pctl_client_timeout(h.c));
	n = h_recv(&h, buf, sizeof(buf));
	assert_true(n > 0);
	h_send(&h, out,
	       pctl_error_response(buf, (size_t)n, PCTL_R_UNSUPP_VERSION, 0, 2,
	                           out));
	h_process(&h);
	pctl_client_map_get_info(m, &info);
	assert_int_equal(info.failure, PCTL_FAIL_UNUSABLE);
	assert_int_equal(info.result, PCTL_R_UNSUPP_VERSION);
	assert_non_null(strstr(h.log, "UNSUPP_VERSION naming version 2"));
	for (int i = 0; i < 8 && h.nev == 0; i++)
		h_advance(&h, (uint64_t)pctl_client_timeout(h.c));
	assert_int_equal(h.ev[0], PCTL_EV_TIMEOUT);
	assert_int_equal(h.info[0].failure, PCTL_FAIL_UNUSABLE);
	assert_int_equal(h.info[0].result, PCTL_R_UNSUPP_VERSION);
	h_done(&h);
}

/* NAT-PMP: an external address of 0.0.0.0 is unusable as well. */
static void test_c45_natpmp_zero_address_unusable(void **state)
{
	struct h h;
	struct pctl_client_map_info info;
	struct pctl_natpmp r = {.response = true, .epoch = 5};
	struct pctl_client_map *m;
	struct pctl_client_map_params p = h_map_params(6, 8080, 600);
	uint8_t buf[PCTL_MAX_MSG], out[PCTL_MAX_MSG];
	(void)state;

	h_config(&h);
	h.cfg.force_natpmp = true;
	h_start(&h);
	m = pctl_client_map_new(h.c, &p, h_cb, &h);
	assert_int_equal(h_recv(&h, buf, sizeof(buf)), 2); /* address first */
	h_send(&h, out, pctl_natpmp_encode(&r, out, sizeof(out)));
	h_process(&h);
	assert_int_equal(h.nev, 0);
	pctl_client_map_get_info(m, &info);
	assert_int_equal(info.failure, PCTL_FAIL_UNUSABLE);
	assert_int_equal(info.result, PCTL_R_SUCCESS);
	assert_non_null(strstr(h.log, "SUCCESS with external address 0.0.0.0"));
	h_done(&h);
}

static struct pctl_client_map *external(struct h *h, struct pctl_msg *req,
                                        uint8_t *buf)
{
	struct pctl_client_map_params p;
	struct pctl_client_map *m;

	memset(&p, 0, sizeof(p));
	p.kind = PCTL_REQ_EXTERNAL;
	p.lifetime = 120;
	m = pctl_client_map_new(h->c, &p, h_cb, h);
	assert_non_null(m);
	h_expect_pcp(h, req, buf);
	assert_int_equal(req->internal_port, 9);
	h_reply(h, req, PCTL_R_NOT_AUTHORIZED, 0, 1, "::", 0);
	assert_int_equal(h->nev, 0);
	return m;
}

/* C-67: the MAP of 9/udp refused (miniupnpd allows 1024-65535): NAT-PMP's
 * external address request, whose answer gives the address. */
static void test_c67_external_refused_asks_natpmp(void **state)
{
	struct h h;
	struct pctl_msg req;
	struct pctl_natpmp r = {.response = true, .epoch = 5};
	uint8_t buf[PCTL_MAX_MSG], out[PCTL_MAX_MSG];
	const uint8_t ext[4] = {198, 51, 100, 20};
	char a[PCTL_ADDRSTRLEN];
	(void)state;

	h_init(&h);
	external(&h, &req, buf);
	assert_int_equal(h_recv(&h, buf, sizeof(buf)), 2); /* version 0, op 0 */
	assert_int_equal(buf[0], 0);
	assert_int_equal(buf[1], PCTL_NATPMP_OP_EXTERNAL_ADDR);
	memcpy(r.external_addr, ext, 4);
	h_send(&h, out, pctl_natpmp_encode(&r, out, sizeof(out)));
	h_process(&h);
	assert_int_equal(h.ev[0], PCTL_EV_GRANTED);
	assert_string_equal(
	    pctl_addr_to_str(&h.info[0].external_addr, a, sizeof(a)),
	    "198.51.100.20");
	h_done(&h);
}

/* ... and when NAT-PMP stays silent (4 tries), PCP is asked again and its
 * refusal reported, naming 9/udp, never port 0. */
static void test_c67_external_natpmp_silent_reports_pcp_error(void **state)
{
	struct h h;
	struct pctl_msg req;
	uint8_t buf[PCTL_MAX_MSG];
	unsigned natpmp = 0;
	(void)state;

	h_init(&h);
	external(&h, &req, buf);
	for (int i = 0; i < 10; i++) {
		ssize_t n = h_recv_wait(&h, buf, sizeof(buf), 0);
		if (n == 2) {
			natpmp++;
			h_advance(&h, (uint64_t)pctl_client_timeout(h.c));
			continue;
		}
		if (n > 2)
			break;
		h_advance(&h, (uint64_t)pctl_client_timeout(h.c));
	}
	assert_int_equal(natpmp, 4);
	assert_int_equal(buf[0], PCTL_VERSION); /* PCP again */
	h_reply(&h, &req, PCTL_R_NOT_AUTHORIZED, 0, 1, "::", 0);
	assert_int_equal(h.ev[0], PCTL_EV_ERROR);
	assert_int_equal(h.info[0].result, PCTL_R_NOT_AUTHORIZED);
	assert_int_equal(h.info[0].internal_port, 9);
	assert_non_null(strstr(h.log, "refused 9/udp"));
	h_done(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_x3_6_port_set_granted_from_response),
	    cmocka_unit_test(test_x3_4_port_set_ignored_is_one),
	    cmocka_unit_test(test_c49_optional_options_dropped_once),
	    cmocka_unit_test(test_c46_error_lifetime_as_sent),
	    cmocka_unit_test(test_c45_c50_unusable_answers_reported),
	    cmocka_unit_test(test_c45_natpmp_zero_address_unusable),
	    cmocka_unit_test(test_c67_external_refused_asks_natpmp),
	    cmocka_unit_test(test_c67_external_natpmp_silent_reports_pcp_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

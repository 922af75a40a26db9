/*
 * Failure in seconds, not silence (issue 13): an exchange to which no
 * server has ever answered ends after cfg.first_answer_ms with
 * PCTL_EV_TIMEOUT and info->failure PCTL_FAIL_NO_ANSWER, or at once with
 * PCTL_FAIL_UNREACHABLE when every server address gave a hard ICMP error;
 * UINT32_MAX keeps RFC 6887's unlimited schedule (C-16), and once a server
 * has answered the bound no longer applies.  Driven by the test clock.
 */
#include <errno.h>

#include "harness.h"

/* A loopback port with nobody listening: datagrams to it come back as
 * ICMP port unreachable. */
static uint16_t dead_port(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	getsockname(fd, (struct sockaddr *)&sin, &sl);
	close(fd);
	return ntohs(sin.sin_port);
}

static void test_default_is_ten_seconds(void **state)
{
	struct pctl_client_config cfg;
	(void)state;

	pctl_client_config_init(&cfg);
	assert_int_equal(cfg.first_answer_ms, PCTL_CLIENT_FIRST_ANSWER_MS);
	assert_int_equal(PCTL_CLIENT_FIRST_ANSWER_MS, 10000);
}

/* Nobody answers: the retransmissions at 0, 3 and 9 s follow the RFC, and
 * at exactly 10 s the exchange fails with the reason. */
static void test_no_answer_fails_at_first_answer_ms(void **state)
{
	struct h h;
	struct pctl_client_map_params p;
	struct pctl_client_map *m;
	(void)state;

	h_config(&h);
	h.cfg.first_answer_ms = 0; /* 0: the default, 10 s */
	h_start(&h);
	p = h_map_params(6, 8080, 7200);
	p.keep = false;
	m = pctl_client_map_new(h.c, &p, h_cb, &h);
	assert_non_null(m);
	assert_int_equal(h_count_requests(&h), 1);
	h_advance(&h, 3000);
	h_advance(&h, 6000);
	assert_int_equal(h_count_requests(&h), 2);
	/* the next retransmission would be at 21 s: the bound comes first */
	assert_int_equal(pctl_client_timeout(h.c), 1000);
	h_advance(&h, 999);
	assert_int_equal(h.nev, 0);
	h_advance(&h, 1);
	assert_int_equal(h.nev, 1);
	assert_int_equal(h.ev[0], PCTL_EV_TIMEOUT);
	assert_int_equal(h.info[0].state, PCTL_MS_FAILED);
	assert_int_equal(h.info[0].failure, PCTL_FAIL_NO_ANSWER);
	assert_non_null(strstr(h.log, "no answer from any server in 10000 ms"));
	assert_int_equal(pctl_client_timeout(h.c), -1); /* nothing more */
	assert_int_equal(h_count_requests(&h), 0);
	h_done(&h);
}

/* A delete nobody answers is bounded the same way. */
static void test_unanswered_delete_fails_too(void **state)
{
	struct h h;
	struct pctl_client_map_params p;
	(void)state;

	h_config(&h);
	h.cfg.first_answer_ms = 2000;
	h_start(&h);
	p = h_map_params(6, 8080, 7200);
	assert_non_null(pctl_client_map_delete_new(h.c, &p, h_cb, &h));
	h_advance(&h, 2000);
	assert_int_equal(h.nev, 1);
	assert_int_equal(h.ev[0], PCTL_EV_TIMEOUT);
	assert_int_equal(h.info[0].failure, PCTL_FAIL_NO_ANSWER);
	h_done(&h);
}

/* UINT32_MAX: RFC 6887 with MRC = MRD = 0 retransmits for ever (C-16). */
static void test_never_keeps_retransmitting(void **state)
{
	struct h h;
	struct pctl_client_map_params p;
	(void)state;

	h_config(&h);
	h.cfg.first_answer_ms = UINT32_MAX;
	h_start(&h);
	p = h_map_params(6, 8080, 7200);
	assert_non_null(pctl_client_map_new(h.c, &p, h_cb, &h));
	for (int i = 0; i < 100; i++)
		h_advance(&h, 1000);
	assert_int_equal(h.nev, 0);
	assert_true(h_count_requests(&h) >= 5);
	h_done(&h);
}

/* Once a server answered, a later exchange follows the RFC schedule. */
static void test_after_an_answer_no_bound(void **state)
{
	struct h h;
	struct pctl_msg req;
	struct pctl_client_map_params p;
	(void)state;

	h_config(&h);
	h.cfg.first_answer_ms = 2000;
	h_start(&h);
	h_granted_map(&h, 8080, 7200, 1, &req);
	h.nev = 0;
	p = h_map_params(6, 8081, 7200);
	assert_non_null(pctl_client_map_new(h.c, &p, h_cb, &h));
	for (int i = 0; i < 30; i++)
		h_advance(&h, 1000);
	assert_int_equal(h.nev, 0);
	h_done(&h);
}

/* The only server address answers with ICMP port unreachable: the
 * exchange fails at once, without waiting for a timer, and the log says so
 * once. */
static void test_port_unreachable_fails_at_once(void **state)
{
	struct h h;
	struct pctl_client_map_params p;
	char text[64];
	uint16_t port = dead_port();
	(void)state;

	h_config(&h);
	h.cfg.first_answer_ms = 10000;
	h.c = pctl_client_new(&h.cfg);
	assert_non_null(h.c);
	h_add_server(&h, "127.0.0.1", port);
	p = h_map_params(6, 8080, 7200);
	p.keep = false;
	assert_non_null(pctl_client_map_new(h.c, &p, h_cb, &h));
	/* loopback delivers the ICMP error before send() returns */
	h_process(&h);
	assert_int_equal(h.nev, 1);
	assert_int_equal(h.ev[0], PCTL_EV_TIMEOUT);
	assert_int_equal(h.info[0].state, PCTL_MS_FAILED);
	assert_int_equal(h.info[0].failure, PCTL_FAIL_UNREACHABLE);
	snprintf(text, sizeof(text),
	         "server 127.0.0.1:%u: port unreachable "
	         "(ICMP)",
	         port);
	assert_string_equal(h.log, text);
	assert_int_equal(h.nlog, 1);
	h_done(&h);
}

/* Two addresses, one unreachable: C-3 moves to the other, nothing fails;
 * when the other is unreachable too, it fails with that reason. */
static void test_unreachable_needs_every_address(void **state)
{
	struct h h;
	struct pctl_client_map_params p;
	(void)state;

	h_config(&h);
	h.cfg.first_answer_ms = 10000;
	h_open_server(&h);
	h.c = pctl_client_new(&h.cfg);
	h_add_server(&h, "127.0.0.1", dead_port());
	h_add_server(&h, "127.0.0.1", h.srv_port);
	p = h_map_params(6, 8080, 7200);
	assert_non_null(pctl_client_map_new(h.c, &p, h_cb, &h));
	h_process(&h);
	assert_int_equal(h.nev, 0);
	assert_int_equal(h_count_requests(&h), 1); /* the second address */
	close(h.srv_fd);                           /* now nobody listens */
	h.srv_fd = -1;
	h_advance(&h, 3000);
	h_process(&h);
	assert_int_equal(h.nev, 1);
	assert_int_equal(h.info[0].failure, PCTL_FAIL_UNREACHABLE);
	h_done(&h);
}

/* Two silent addresses (RFC 7488): each gets half of the bound, so the
 * second is tried before the exchange fails, at 5 s rather than after the
 * first's four transmissions (21 s). */
static void test_every_address_tried_within_bound(void **state)
{
	struct h h, h2;
	struct pctl_client_map_params p;
	(void)state;

	h_config(&h);
	h.cfg.first_answer_ms = 10000;
	h_open_server(&h);
	h2 = h;
	h_open_server(&h2);
	h.c = pctl_client_new(&h.cfg);
	h_add_server(&h, "127.0.0.1", h.srv_port);
	h_add_server(&h, "127.0.0.1", h2.srv_port);
	p = h_map_params(6, 8080, 7200);
	p.keep = false;
	assert_non_null(pctl_client_map_new(h.c, &p, h_cb, &h));
	h_advance(&h, 3000);
	assert_int_equal(h_count_requests(&h), 2);
	assert_int_equal(pctl_client_timeout(h.c), 2000); /* its share */
	h_advance(&h, 2000);
	assert_int_equal(h_count_requests(&h), 0);
	assert_int_equal(h_count_requests(&h2), 1); /* the second, at 5 s */
	h_advance(&h, 3000);
	assert_int_equal(h_count_requests(&h2), 1);
	assert_int_equal(h.nev, 0);
	h_advance(&h, 2000); /* 10 s */
	assert_int_equal(h.nev, 1);
	assert_int_equal(h.info[0].failure, PCTL_FAIL_NO_ANSWER);
	assert_non_null(strstr(h.log, "no answer from any server in 10000 ms"));
	close(h2.srv_fd);
	h_done(&h);
}

/* With the bound off, ICMP errors do not end a single address's exchange
 * (C-16): it keeps retransmitting. */
static void test_unreachable_with_bound_off_keeps_going(void **state)
{
	struct h h;
	struct pctl_client_map_params p;
	(void)state;

	h_config(&h);
	h.c = pctl_client_new(&h.cfg);
	h_add_server(&h, "127.0.0.1", dead_port());
	p = h_map_params(6, 8080, 7200);
	assert_non_null(pctl_client_map_new(h.c, &p, h_cb, &h));
	for (int i = 0; i < 30; i++)
		h_advance(&h, 1000);
	assert_int_equal(h.nev, 0);
	assert_true(pctl_client_timeout(h.c) >= 0);
	h_done(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default_is_ten_seconds),
	    cmocka_unit_test(test_no_answer_fails_at_first_answer_ms),
	    cmocka_unit_test(test_unanswered_delete_fails_too),
	    cmocka_unit_test(test_never_keeps_retransmitting),
	    cmocka_unit_test(test_after_an_answer_no_bound),
	    cmocka_unit_test(test_port_unreachable_fails_at_once),
	    cmocka_unit_test(test_unreachable_needs_every_address),
	    cmocka_unit_test(test_every_address_tried_within_bound),
	    cmocka_unit_test(test_unreachable_with_bound_off_keeps_going),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

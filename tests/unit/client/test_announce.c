/*
 * ANNOUNCE on the client (RFC 6887 section 14.1): the unicast ANNOUNCE
 * request (C-55), the listener for unsolicited ANNOUNCEs (C-56) accepting
 * only known servers (C-57), re-creation after uniform(0, 5 s) on an epoch
 * anomaly (C-57, K-20) and nothing when the epoch is fine.
 */
#include "harness.h"

/* A free UDP port on 127.0.0.1 for the listener (probe and release). */
static uint16_t free_port(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	getsockname(fd, (struct sockaddr *)&sin, &sl);
	close(fd);
	return ntohs(sin.sin_port);
}

static void send_announce(int fd, uint16_t port, uint32_t epoch)
{
	struct pctl_msg a;
	uint8_t out[PCTL_MAX_MSG];
	struct sockaddr_in to = {.sin_family = AF_INET};
	memset(&a, 0, sizeof(a));
	a.version = 2;
	a.response = true;
	a.opcode = PCTL_OP_ANNOUNCE;
	a.epoch = epoch;
	size_t len = pctl_encode(&a, out, sizeof(out));
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons(port);
	assert_int_equal(
	    sendto(fd, out, len, 0, (struct sockaddr *)&to, sizeof(to)),
	    (ssize_t)len);
}

static void start_listening(struct h *h, uint16_t *port)
{
	h_config(h);
	*port = free_port();
	h->cfg.announce_port = *port;
	h->cfg.announce_bind4 = "127.0.0.1";
	h->cfg.announce_bind6 = "";
	h_start(h);
}

static void test_c57_announce_anomaly_recreates_after_delay(void **state)
{
	struct h h;
	struct pctl_msg req, r;
	uint8_t buf[PCTL_MAX_MSG];
	uint16_t port;
	(void)state;

	start_listening(&h, &port);
	h.rnd = 0x80000000u; /* delay = 2.5 s */
	h_granted_map(&h, 8080, 3600, 5000, &req);
	h.now += 60000;
	send_announce(h.srv_fd, port, 0); /* T-4: restart, epoch 0 */
	h_process(&h);
	assert_int_equal(h.ev[h.nev - 1], PCTL_EV_LOST);
	assert_int_equal(h_count_requests(&h), 0); /* C-57: not at once */
	assert_int_equal(pctl_client_timeout(h.c), 2500);
	h_advance(&h, 2500);
	h_expect_pcp(&h, &r, buf);
	assert_memory_equal(r.nonce, req.nonce, PCTL_NONCE_LEN);
	h_done(&h);
}

static void test_c57_announce_valid_epoch_does_nothing(void **state)
{
	struct h h;
	struct pctl_msg req;
	uint16_t port;
	(void)state;

	start_listening(&h, &port);
	h_granted_map(&h, 8080, 3600, 5000, &req);
	h.now += 60000;
	send_announce(h.srv_fd, port, 5060);
	h_process(&h);
	assert_int_equal(h.nev, 1);
	h_done(&h);
}

static void test_c57_announce_from_unknown_source_ignored(void **state)
{
	struct h h;
	struct pctl_msg req;
	struct sockaddr_in sin = {.sin_family = AF_INET};
	uint16_t port;
	int other;
	(void)state;

	start_listening(&h, &port);
	h_granted_map(&h, 8080, 3600, 5000, &req);
	other = socket(AF_INET, SOCK_DGRAM, 0);
	sin.sin_addr.s_addr = htonl(0x7f000002); /* 127.0.0.2 */
	assert_int_equal(bind(other, (struct sockaddr *)&sin, sizeof(sin)), 0);
	h.now += 60000;
	send_announce(other, port, 0);
	h_process(&h);
	assert_int_equal(h.nev, 1); /* no LOST */
	close(other);
	h_done(&h);
}

static void test_c55_announce_request(void **state)
{
	struct h h;
	struct pctl_msg req;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map_params p;
	(void)state;

	h_init(&h);
	memset(&p, 0, sizeof(p));
	p.kind = PCTL_REQ_ANNOUNCE;
	p.lifetime = 1;
	assert_non_null(pctl_client_map_new(h.c, &p, h_cb, &h));
	h_expect_pcp(&h, &req, buf);
	assert_int_equal(req.opcode, PCTL_OP_ANNOUNCE);
	assert_int_equal(req.lifetime, 0); /* C-55 */
	h_reply(&h, &req, PCTL_R_SUCCESS, 0, 4242, NULL, 0);
	assert_int_equal(h.ev[0], PCTL_EV_GRANTED);
	assert_int_equal(h.info[0].epoch, 4242);
	assert_int_equal(h.info[0].version, 2);
	h_done(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_c57_announce_anomaly_recreates_after_delay),
	    cmocka_unit_test(test_c57_announce_valid_epoch_does_nothing),
	    cmocka_unit_test(test_c57_announce_from_unknown_source_ignored),
	    cmocka_unit_test(test_c55_announce_request),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

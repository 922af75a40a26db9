/*
 * S-7: a flood from one source does not deny service to another.  portctld
 * runs with a per-source rate limit; one host sends bursts of MAP requests
 * without waiting while another does ordinary request/response exchanges
 * in between.  Every one of the second host's requests is answered, and the
 * flooder gets far fewer answers than it sent.  127.23.0.x is this file's.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define SERVER  "127.23.0.1"
#define FLOODER "127.23.0.2"
#define VICTIM  "127.23.0.3"
#define ROUNDS  20
#define BURST   300

static void test_s7_flood_from_one_source_others_still_served(void **state)
{
	static const uint8_t nonce_f[12] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
	static const uint8_t nonce_v[12] = {2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2};
	struct daemon d;
	struct sockaddr_storage ss;
	socklen_t sl;
	uint8_t req[PCTL_MAX_MSG], buf[PCTL_MAX_MSG];
	size_t len;
	int ff, fv, answered = 0, flood_sent = 0, flood_answers = 0;
	char *stats;

	(void)state;
	daemon_init(&d, SERVER, 0);
	daemon_write_conf(&d, "multicast-announce no\nrate-limit 20 40\n");
	assert_int_equal(daemon_start(&d, NULL), 0);
	sl = (socklen_t)pctl_addr_to_sockaddr(&d.addr, d.port, &ss);
	ff = client_open(FLOODER, 0);
	fv = client_open(VICTIM, 0);
	len = build_map(req, FLOODER, nonce_f, 17, 4000, 0, 600);
	assert_int_not_equal(len, 0);

	for (int round = 0; round < ROUNDS; round++) {
		struct pctl_msg r;
		for (int i = 0; i < BURST; i++)
			if (sendto(ff, req, len, MSG_DONTWAIT,
			           (struct sockaddr *)&ss, sl) > 0)
				flood_sent++;
		if (pcp_map(fv, &d, VICTIM, nonce_v, 17,
		            (uint16_t)(5000 + round), 0, 600,
		            &r) == PCTL_R_SUCCESS)
			answered++;
		while (client_recv(ff, buf, sizeof(buf), 0) >= 0)
			flood_answers++;
	}
	while (client_recv(ff, buf, sizeof(buf), 100) >= 0)
		flood_answers++;
	print_message("victim answered %d/%d, flooder %d answers to %d\n",
	              answered, ROUNDS, flood_answers, flood_sent);
	assert_int_equal(answered, ROUNDS);
	assert_true(flood_answers < flood_sent / 4);
	stats = control_request(&d, "stats");
	assert_non_null(strstr(stats, "rate_limited "));
	assert_null(strstr(stats, "rate_limited 0\n"));
	free(stats);
	close(ff);
	close(fv);
	assert_int_equal(daemon_signal(&d, SIGTERM), 0);
	daemon_cleanup(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_s7_flood_from_one_source_others_still_served),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

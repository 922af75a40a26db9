/*
 * `admin list` of a large table (issue 15 item 13): the daemon writes it a
 * page at a time between PCP batches, so
 *  - a PCP request is answered while a control client sits on a half-read
 *    list (before: the daemon blocked in the write, up to its 5 s send
 *    timeout, and PCP went unanswered);
 *  - every mapping that lives throughout the listing is listed exactly
 *    once although mappings are created and deleted between the pages, and
 *    none is listed twice.
 * 127.26.0.x and a port of this file's own.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define SERVER "127.26.0.1"
#define HOST_A "127.26.0.2" /* the table */
#define HOST_B "127.26.0.3" /* churn while listing */
#define N      30000        /* ~2.5 MB of text: far more than a socket holds */
#define WINDOW 64

static const uint8_t nonce_a[12] = {7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};
static const uint8_t nonce_b[12] = {8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8};

/* MAPs (or deletes, lifetime 0) of HOST_A's ports [from, to), WINDOW in
 * flight; returns how many were answered SUCCESS. */
static size_t map_range(int fd, const struct daemon *d, uint16_t from,
                        uint16_t to, uint32_t lifetime)
{
	struct sockaddr_storage ss;
	socklen_t sl = (socklen_t)pctl_addr_to_sockaddr(&d->addr, d->port, &ss);
	size_t ok = 0;

	for (uint32_t p = from; p < to;) {
		uint32_t n = 0;
		for (; n < WINDOW && p + n < to; n++) {
			uint8_t req[PCTL_MAX_MSG];
			size_t len = build_map(req, HOST_A, nonce_a, 17,
			                       (uint16_t)(p + n), 0, lifetime);
			if (sendto(fd, req, len, 0, (struct sockaddr *)&ss,
			           sl) < 0)
				return ok;
		}
		for (uint32_t k = 0; k < n; k++) {
			uint8_t buf[PCTL_MAX_MSG];
			ssize_t r = client_recv(fd, buf, sizeof(buf), 2000);
			if (r < 4)
				break;
			ok += buf[3] == PCTL_R_SUCCESS;
		}
		p += n;
	}
	return ok;
}

static int control_connect(const struct daemon *d)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memcpy(sun.sun_path, d->control, strlen(d->control) + 1);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(write(fd, "list\n", 5), 5);
	return fd;
}

/* Appends up to want bytes from fd (waiting up to 5 s); false at EOF. */
static bool read_some(int fd, char **buf, size_t *len, size_t *cap, size_t want)
{
	struct pollfd pf = {.fd = fd, .events = POLLIN};
	ssize_t r;

	if (*len + want + 1 > *cap) {
		*cap = (*len + want + 1) * 2;
		*buf = realloc(*buf, *cap);
		assert_non_null(*buf);
	}
	if (poll(&pf, 1, 5000) != 1)
		fail_msg("the list stopped coming");
	r = read(fd, *buf + *len, want);
	assert_true(r >= 0);
	*len += (size_t)r;
	(*buf)[*len] = '\0';
	return r > 0;
}

static void test_list_pages_while_pcp_is_served(void **state)
{
	static unsigned char seen_a[65536], seen_b[65536], gone_a[65536];
	struct daemon d;
	struct pctl_msg r;
	int fa = client_open(HOST_A, 0), fb = client_open(HOST_B, 0), cfd;
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0, cap = 0, b_next = 20000, rounds = 0;
	uint16_t a_top = 1024 + N;

	(void)state;
	daemon_init(&d, SERVER, 0);
	daemon_write_conf(&d, "multicast-announce no\nnat44 no\n"
	                      "max-per-host 0\nmax-mappings 0\nrate-limit 0\n"
	                      "journal no\n");
	assert_int_equal(daemon_start(&d, NULL), 0);
	assert_int_equal(map_range(fa, &d, 1024, a_top, 3600), N);

	/* A client asks for the list and reads only its first bytes. */
	cfd = control_connect(&d);
	assert_true(read_some(cfd, &buf, &len, &cap, 4096));
	/* PCP is served meanwhile. */
	assert_int_equal(
	    pcp_map(fb, &d, HOST_B, nonce_b, 17, 10000, 0, 600, &r),
	    PCTL_R_SUCCESS);

	/* The rest, read slowly, with mappings created and deleted between
	 * the reads: new ones for B, A's from the top down. */
	while (read_some(cfd, &buf, &len, &cap, 65536)) {
		if (rounds++ % 4)
			continue;
		for (int k = 0; k < 20; k++)
			assert_int_equal(pcp_map(fb, &d, HOST_B, nonce_b, 17,
			                         (uint16_t)b_next++, 0, 600,
			                         &r),
			                 PCTL_R_SUCCESS);
		a_top -= 20;
		assert_int_equal(map_range(fa, &d, a_top, a_top + 20, 0), 20);
		memset(gone_a + a_top, 1, 20);
	}
	close(cfd);
	assert_true(rounds > 8); /* the churn did happen during the list */
	assert_int_equal(strncmp(buf, "ok\n", 3), 0);

	/* Every line: "ID map 17 ADDR:PORT -> ...". */
	for (line = strtok_r(buf + 3, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long id;
		char host[64];
		unsigned port;

		assert_int_equal(
		    sscanf(line, "%llu map udp %63[0-9.]:%u", &id, host, &port),
		    3);
		assert_true(port < 65536);
		if ((strcmp(host, HOST_A) ? seen_b : seen_a)[port]++)
			fail_msg("%s:%u listed twice", host, port);
	}
	for (unsigned p = 1024; p < 1024 + N; p++)
		if (!gone_a[p] && seen_a[p] != 1)
			fail_msg("%s:%u, live throughout, listed %u times",
			         HOST_A, p, seen_a[p]);
	free(buf);
	close(fa);
	close(fb);
	assert_int_equal(daemon_finish(&d), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_list_pages_while_pcp_is_served),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The UPnP HTTP server's limits (daemon/upnp_http.c, upnp_route.c) over a
 * real loopback listener: an oversized body (413, closed), a header flood,
 * a slowloris client cut at the request deadline (the deadline shortened
 * and the server's clock advanced by the test: no timing is asserted), the
 * engine's rate limit (503), the connection limit.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "uhttp.h"

static struct uresp r;
static const char get_req[] = "GET /rootDesc.xml HTTP/1.1\r\nHost: x\r\n"
                              "Connection: close\r\n\r\n";

static void oversized_body(void **state)
{
	struct ufx *f = *state;

	/* refused on its Content-Length, before the body is read */
	assert_int_equal(
	    ufx_raw(f,
	            "POST /ctl/IPConn HTTP/1.1\r\nHost: x\r\n"
	            "Content-Type: text/xml\r\nSOAPAction: \"urn:schemas-upnp-"
	            "org:service:WANIPConnection:2#GetStatusInfo\"\r\n"
	            "Content-Length: 16385\r\n\r\n<s:Envelope",
	            &r),
	    413);
	assert_non_null(strstr(r.text, "Connection: close"));
}

static void header_flood(void **state)
{
	static char req[12000];
	struct ufx *f = *state;
	int n;

	n = snprintf(req, sizeof(req),
	             "GET /rootDesc.xml HTTP/1.1\r\nHost: x\r\n");
	while (n < 9000)
		n +=
		    snprintf(req + n, sizeof(req) - (size_t)n,
		             "X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
	snprintf(req + n, sizeof(req) - (size_t)n, "\r\n");
	assert_int_equal(ufx_raw(f, req, &r), 431);
	/* below the limit it is served */
	assert_int_equal(ufx_raw(f,
	                         "GET /rootDesc.xml HTTP/1.1\r\nHost: x\r\n"
	                         "X-Pad: aaaa\r\nConnection: close\r\n\r\n",
	                         &r),
	                 200);
}

/* A client that sends a byte of a header every turn never goes idle, and
 * stays far below the header limit; it is cut once the server's clock
 * passes the deadline, and not before. */
static void slowloris(void **state)
{
	struct pctld_http_limits lim;
	struct ufx *f;
	bool end = false;
	int fd, turns = 0;

	pctld_http_limits_default(&lim);
	lim.deadline_ms = 2000;
	f = ufx_open(state, &(struct ufx_opts){.limits = &lim});
	fd = ufx_connect(f, NULL);
	r.len = 0;
	assert_true(send(fd, "GET /rootDesc.xml HTTP/1.1\r\nX: ", 31,
	                 MSG_NOSIGNAL) == 31);
	for (; turns < 20; turns++) {
		ufx_turn(f, fd, 5);
		assert_false(ufx_read(fd, &r)); /* still open */
		assert_int_equal(r.len, 0);
		assert_true(send(fd, "y", 1, MSG_NOSIGNAL) == 1);
		f->now += 50; /* 20 turns: 1 s of the 2 s */
	}
	f->now += 1001; /* past the deadline */
	for (turns = 0; turns < 100 && !end; turns++) {
		ufx_turn(f, fd, 10);
		end = ufx_read(fd, &r);
		send(fd, "y", 1, MSG_NOSIGNAL);
	}
	assert_true(end);
	assert_int_equal(r.len, 0); /* no answer: the connection is cut */
	close(fd);
	/* the server goes on serving */
	assert_int_equal(ufx_raw(f,
	                         "GET /rootDesc.xml HTTP/1.1\r\nHost: x\r\n"
	                         "Connection: close\r\n\r\n",
	                         &r),
	                 200);
}

/* The deadline is the next thing the loop must wake for. */
static void next_ms_has_deadline(void **state)
{
	struct pctld_http_limits lim;
	struct ufx *f;
	int fd;

	pctld_http_limits_default(&lim);
	lim.deadline_ms = 3000;
	f = ufx_open(state, &(struct ufx_opts){.limits = &lim});
	assert_int_equal(pctld_http_next_ms(f->h, f->now), UINT64_MAX);
	fd = ufx_connect(f, NULL);
	for (int i = 0;
	     i < 100 && pctld_http_next_ms(f->h, f->now) == UINT64_MAX; i++)
		ufx_turn(f, fd, 10);
	assert_true(pctld_http_next_ms(f->h, f->now) <= f->now + 3000);
	close(fd);
}

/* pctl_upnp_admit once per request: with 2 requests a second (burst 2),
 * the third in the same instant gets 503. */
static void rate_limited(void **state)
{
	struct ufx *f;
	const char *get = "GET /rootDesc.xml HTTP/1.1\r\nHost: x\r\n"
	                  "Connection: close\r\n\r\n";

	f = ufx_open(state, &(struct ufx_opts){.rate_per_sec = 2});
	assert_int_equal(ufx_raw(f, get, &r), 200);
	assert_int_equal(ufx_raw(f, get, &r), 200);
	assert_int_equal(ufx_raw(f, get, &r), 503);
	f->now += 1000;
	assert_int_equal(ufx_raw(f, get, &r), 200);
}

/* Beyond max_per_ip connections from one address, the next is closed
 * unanswered; another address is still served. */
static void per_address_limit(void **state)
{
	struct pctld_http_limits lim;
	struct ufx *f;
	int fds[3];

	pctld_http_limits_default(&lim);
	lim.max_per_ip = 3;
	f = ufx_open(state, &(struct ufx_opts){.limits = &lim});
	for (int i = 0; i < 3; i++) {
		fds[i] = ufx_connect(f, "127.0.0.1");
		ufx_turn(f, fds[i], 1);
	}
	assert_int_equal(
	    ufx_raw_from(f, "127.0.0.1", get_req, sizeof(get_req) - 1, &r), 0);
	assert_int_equal(
	    ufx_raw_from(f, "127.0.0.2", get_req, sizeof(get_req) - 1, &r),
	    200);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    UFX_TEST(oversized_body),    UFX_TEST(header_flood),
	    UFX_TEST_OPTS(slowloris),    UFX_TEST_OPTS(next_ms_has_deadline),
	    UFX_TEST_OPTS(rate_limited), UFX_TEST_OPTS(per_address_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

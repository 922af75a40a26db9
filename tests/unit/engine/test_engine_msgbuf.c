/*
 * Issue 16: no 4.4 KB struct pctl_msg is allocated per request or per
 * response; the engine keeps its message buffers (pctl_engine_msg).
 *
 * This test is linked with --wrap=malloc and --wrap=calloc (CMakeLists),
 * so every allocation the engine's objects make goes through the
 * counters below.
 */
#include "etest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);

static size_t msg_allocs; /* allocations of one struct pctl_msg */

void *__wrap_malloc(size_t n)
{
	if (n == sizeof(struct pctl_msg))
		msg_allocs++;
	return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	if ((uint64_t)n * size == sizeof(struct pctl_msg))
		msg_allocs++;
	return __real_calloc(n, size);
}

static void test_requests_allocate_no_message(void **state)
{
	struct etest *t = *state;
	struct req r;
	char host[32];

	/* First requests may make the engine's buffers and tables. */
	req_announce(&r, "192.0.2.5");
	et_send(t, "192.0.2.5", &r);
	req_map(&r, .client = "192.0.2.5", .nonce = 1, .protocol = 17,
	        .int_port = 4000, .lifetime = 600);
	et_send(t, "192.0.2.5", &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);

	msg_allocs = 0;
	for (unsigned i = 0; i < 200; i++) {
		snprintf(host, sizeof(host), "192.0.2.%u", 10 + i % 100);
		req_map(&r, .client = host, .nonce = 2, .protocol = 6,
		        .int_port = (uint16_t)(5000 + i), .lifetime = 600);
		et_send(t, host, &r); /* create, or renew the second time */
		assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
		req_announce(&r, host);
		et_send(t, host, &r);
		req_peer(&r, .client = host, .nonce = 3, .protocol = 17,
		         .int_port = (uint16_t)(6000 + i),
		         .remote_addr = "198.51.100.1", .remote_port = 80,
		         .lifetime = 600);
		et_send(t, host, &r);
		assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
		req_map(&r, .client = host, .nonce = 9, .protocol = 99,
		        .int_port = 1, .lifetime = 600); /* an error */
		et_send(t, host, &r);
	}
	/* Unsolicited messages (ANNOUNCE after an epoch reset). */
	pctl_engine_state_lost(t->e, t->now);
	struct pctl_tx tx[4];
	for (unsigned k = 0; k < 20; k++) {
		t->now += 1000;
		(void)pctl_engine_poll_tx(t->e, t->now, tx, 4);
	}
	assert_int_equal(msg_allocs, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    ET_TEST(test_requests_allocate_no_message),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

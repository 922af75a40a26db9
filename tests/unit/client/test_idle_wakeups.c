/*
 * Idle cost of keeping mappings alive (docs/performance.md): 100 kept MAP
 * mappings of 7200 s on a fake clock with a fake server that answers every
 * renewal, over 10 simulated hours.  Counts how often the client had to be
 * woken (timer expiries) and how many datagrams it sent; the figures are
 * printed, and bounded by what the renewal rule allows (C-21: one renewal
 * per mapping per 1/2..5/8 lifetime when answered), so a regression that
 * renews too often or busy-loops fails; and renewals whose windows are open
 * must share a wake-up.
 */
#include "harness.h"

#define N_MAPS 100
#define HOURS  10

static uint32_t lcg(void *arg)
{
	uint32_t *s = arg;
	*s = *s * 1664525u + 1013904223u;
	return *s;
}

static unsigned granted;

static void count_cb(struct pctl_client_map *m, enum pctl_client_map_event ev,
                     const struct pctl_client_map_info *info, void *arg)
{
	(void)m;
	(void)info;
	(void)arg;
	if (ev == PCTL_EV_GRANTED)
		granted++;
}

/* Answers every queued request with SUCCESS; returns how many. */
static unsigned answer_all(struct h *h)
{
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_msg req;
	struct pctl_error err;
	unsigned n = 0;
	ssize_t len;

	while ((len = h_recv_wait(h, buf, sizeof(buf), 0)) > 0) {
		if (pctl_request_decode(buf, (size_t)len, NULL, &req, &err) !=
		    PCTL_V_OK)
			continue;
		h_reply(h, &req, PCTL_R_SUCCESS, 7200,
		        5000 + (uint32_t)(h->now / 1000), "203.0.113.7",
		        req.internal_port);
		n++;
	}
	return n;
}

static void test_idle_wakeups_100_mappings(void **state)
{
	struct h h;
	uint32_t seed = 12345;
	uint64_t end, wakeups = 0, sent = 0;
	(void)state;

	h_config(&h);
	h.cfg.random = lcg;
	h.cfg.random_arg = &seed;
	h_start(&h);
	h.now = 0;
	for (int i = 0; i < N_MAPS; i++) {
		struct pctl_client_map_params p =
		    h_map_params(6, (uint16_t)(1000 + i), 7200);
		assert_non_null(pctl_client_map_new(h.c, &p, count_cb, NULL));
		if (i % 20 == 19) /* within the server's socket buffer */
			answer_all(&h);
	}
	assert_int_equal(granted, N_MAPS);
	end = h.now + HOURS * 3600000ull;
	while (h.now < end) {
		int64_t t = pctl_client_timeout(h.c);
		assert_true(t > 0); /* never a busy loop */
		h.now += (uint64_t)t;
		wakeups++;
		h_process(&h);
		sent += answer_all(&h);
	}
	print_message("idle: %d mappings, %d h: %.1f timer wake-ups/hour, "
	              "%.1f renewals/hour\n",
	              N_MAPS, HOURS, (double)wakeups / HOURS,
	              (double)sent / HOURS);
	/* C-21: answered renewals happen once per 3600..4500 s each */
	assert_true(sent >= (uint64_t)N_MAPS * HOURS * 3600 / 4500 - N_MAPS);
	assert_true(sent <= (uint64_t)N_MAPS * (HOURS + 1));
	assert_true(wakeups <= sent + 1);
	/* renewals whose window is open share a wake-up */
	assert_true(wakeups <= 2 * HOURS);
	h_done(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_idle_wakeups_100_mappings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

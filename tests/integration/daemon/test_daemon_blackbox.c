/*
 * Issue 16's black-box findings, against the real portctld on loopback
 * (127.31.0.x, this file's own addresses):
 *  - libpcpnatpmp's draft-version-1 MAP gets an UNSUPP_VERSION answer that
 *    is a whole version-2 MAP (60 octets), so its move to version 2
 *    completes;
 *  - libtorrent's MAP, which suggests its internal address with its port,
 *    keeps the port; a MAP without a suggestion gets its internal port;
 *  - a SIGHUP that changes `hairpin` says it takes effect at the next
 *    start, and one that changes `on-stop` applies it;
 *  - `stats` tells the live mappings from the ones created since start.
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

#define SERVER  "127.31.0.1"
#define HOST_A  "127.31.0.2"
#define HOST_B  "127.31.0.3"
#define HOST_C  "127.31.0.4"
#define HOST_D  "127.31.0.5"
#define SERVER2 "127.31.0.9" /* a daemon of its own, stopped by its test */

static const uint8_t nonce[12] = {7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};

static const char conf[] = "multicast-announce no\n"
                           "max-per-host 8\n";

static int setup(void **state)
{
	static struct daemon d;
	static const char *const extra[] = {"--external-ip", "198.51.100.31",
	                                    NULL};

	if (daemon_launch(&d, SERVER, 0, conf, extra))
		return -1;
	*state = &d;
	return 0;
}

static int teardown(void **state)
{
	return daemon_finish(*state);
}

/* Sends len octets to the daemon and returns the answer's length (-1:
 * none within 3 tries of 700 ms). */
static ssize_t raw_exchange(int fd, const struct daemon *d, const uint8_t *req,
                            size_t len, uint8_t *ans)
{
	struct sockaddr_storage ss;
	socklen_t sl = (socklen_t)pctl_addr_to_sockaddr(&d->addr, d->port, &ss);

	for (int tries = 0; tries < 3; tries++) {
		if (sendto(fd, req, len, 0, (struct sockaddr *)&ss, sl) < 0)
			return -1;
		ssize_t n = client_recv(fd, ans, PCTL_MAX_MSG, 700);
		if (n >= 0)
			return n;
	}
	return -1;
}

/* libpcpnatpmp built for draft version 1 sends a 48-octet MAP: the common
 * header with version 1, then protocol, 3 reserved octets, internal port,
 * suggested external port and address (no nonce).  It accepts an answer as
 * a version-2 MAP only when it is a multiple of 4 octets, has the R bit and
 * holds a whole version-2 MAP body (36 octets) after the header; then it
 * sees UNSUPP_VERSION with version 2 and retries in version 2. */
static void test_s5_2_libpcpnatpmp_version_1_negotiates_to_2(void **state)
{
	struct daemon *d = *state;
	uint8_t req[48] = {1, PCTL_OP_MAP, 0, 0, 0, 0, 0x0e, 0x10};
	uint8_t ans[PCTL_MAX_MSG];
	pctl_addr a;
	struct pctl_msg r;
	int fd = client_open(HOST_A, 0);

	pctl_addr_from_str(&a, HOST_A);
	memcpy(req + 8, a.b, 16);
	req[24] = 6;    /* TCP */
	req[28] = 0x13; /* internal port 5000 */
	req[29] = 0x88;
	req[42] = 0xff; /* suggested address ::ffff:0.0.0.0 */
	req[43] = 0xff;

	ssize_t n = raw_exchange(fd, d, req, sizeof(req), ans);
	assert_int_equal(n, PCTL_MAP_LEN);
	assert_int_equal(n % 4, 0);
	assert_int_equal(ans[0], PCTL_VERSION);
	assert_int_equal(ans[1], 0x80 | PCTL_OP_MAP);
	assert_int_equal(ans[3], PCTL_R_UNSUPP_VERSION);
	assert_true(n - PCTL_HDR_LEN >= 36);
	assert_memory_equal(ans + 24, req + 24, 24);

	/* Version 2 now: the same mapping is granted. */
	assert_int_equal(pcp_map(fd, d, HOST_A, nonce, 6, 5000, 0, 600, &r),
	                 PCTL_R_SUCCESS);
	close(fd);
}

/* A MAP request as libtorrent sends it: suggested external address = its
 * own internal address, suggested port = its listen port. */
static void test_s38_libtorrent_map_keeps_suggested_port(void **state)
{
	struct daemon *d = *state;
	uint8_t req[PCTL_MAX_MSG], rbuf[PCTL_MAX_MSG];
	struct pctl_msg r;
	pctl_addr ext;
	int fd = client_open(HOST_B, 0);
	size_t len = build_map(req, HOST_B, nonce, 6, 6881, 6881, 600);

	pctl_addr_from_str(&ext, HOST_B);
	memcpy(req + 44, ext.b, 16); /* suggested external address */
	assert_int_equal(pcp_exchange(fd, d, req, len, &r, rbuf), 0);
	assert_int_equal(r.result, PCTL_R_SUCCESS);
	assert_int_equal(r.external_port, 6881);
	pctl_addr_from_str(&ext, "198.51.100.31");
	assert_true(pctl_addr_equal(&r.external_addr, &ext));
	close(fd);
}

/* No suggested port: the internal one (prefer-internal-port yes). */
static void test_map_without_suggestion_gets_internal_port(void **state)
{
	struct daemon *d = *state;
	struct pctl_msg r;
	int fd = client_open(HOST_C, 0);

	assert_int_equal(pcp_map(fd, d, HOST_C, nonce, 17, 27015, 0, 600, &r),
	                 PCTL_R_SUCCESS);
	assert_int_equal(r.external_port, 27015);
	close(fd);
}

/* Whether the log gets s within 5 s. */
static bool log_gets(const struct daemon *d, const char *s)
{
	for (int i = 0; i < 50; i++) {
		if (daemon_log_has(d, s))
			return true;
		usleep(100 * 1000);
	}
	return false;
}

/* Rewrites the configuration as conf plus `line` and sends SIGHUP. */
static void reload_with(struct daemon *d, const char *line)
{
	char text[256];

	snprintf(text, sizeof(text), "%s%s\n", conf, line);
	daemon_write_conf(d, text);
	assert_int_equal(daemon_signal(d, SIGHUP), 0);
}

/* portctld(8): a reload names the directives it cannot apply. */
static void test_sighup_hairpin_change_warns(void **state)
{
	struct daemon *d = *state;

	reload_with(d, "hairpin yes");
	assert_true(log_gets(d, "reload: hairpin changed: takes effect at the "
	                        "next start"));
	daemon_write_conf(d, conf);
}

/* on-stop is read at stop: a reload applies it at once. */
static void test_sighup_applies_on_stop(void **state)
{
	static struct daemon d;

	(void)state;
	assert_int_equal(daemon_launch(&d, SERVER2, 0, conf, NULL), 0);
	reload_with(&d, "on-stop flush");
	assert_true(log_gets(&d, "reloaded configuration"));
	assert_false(daemon_log_has(&d, "changed: takes effect"));
	assert_int_equal(daemon_signal(&d, SIGTERM), 0);
	assert_true(daemon_log_has(&d, "stopped; mappings removed"));
	daemon_cleanup(&d);
}

/* A counter of the `stats` body ("ok" line, then "name value" lines). */
static uint64_t stat_value(const char *stats, const char *name)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof(key), "\n%s ", name);
	p = strstr(stats, key);
	assert_non_null(p);
	return strtoull(p + strlen(key), NULL, 10);
}

/* mappings_map is live; mappings_created (alias mappings_total) counts
 * every mapping made since start and does not fall on a delete. */
static void test_stats_created_versus_live(void **state)
{
	struct daemon *d = *state;
	struct pctl_msg r;
	int fd = client_open(HOST_D, 0);
	char *before = control_request(d, "stats"), *after;

	assert_non_null(before);
	assert_int_equal(pcp_map(fd, d, HOST_D, nonce, 6, 7001, 0, 600, &r),
	                 PCTL_R_SUCCESS);
	assert_int_equal(pcp_map(fd, d, HOST_D, nonce, 6, 7001, 0, 0, &r),
	                 PCTL_R_SUCCESS);
	after = control_request(d, "stats");
	assert_non_null(after);
	assert_int_equal(stat_value(after, "mappings_map"),
	                 stat_value(before, "mappings_map"));
	assert_int_equal(stat_value(after, "mappings_created"),
	                 stat_value(before, "mappings_created") + 1);
	assert_int_equal(stat_value(after, "mappings_total"),
	                 stat_value(after, "mappings_created"));
	free(before);
	free(after);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_s5_2_libpcpnatpmp_version_1_negotiates_to_2),
	    cmocka_unit_test(test_s38_libtorrent_map_keeps_suggested_port),
	    cmocka_unit_test(test_map_without_suggestion_gets_internal_port),
	    cmocka_unit_test(test_sighup_hairpin_change_warns),
	    cmocka_unit_test(test_sighup_applies_on_stop),
	    cmocka_unit_test(test_stats_created_versus_live),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

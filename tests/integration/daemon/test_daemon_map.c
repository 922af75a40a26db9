/*
 * portctld on loopback, MAP through real UDP: create, renew, delete, several
 * clients from different 127.21.0.x sources, attempts on another client's
 * mapping, per-host quota, the epoch, and `portctl admin` on the result.
 * The daemon listens on 127.21.0.1 (this file's own address) and a port the
 * kernel picked, so the test runs in parallel with the others.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define SERVER "127.21.0.1"
#define HOST_A "127.21.0.2"
#define HOST_B "127.21.0.3"
#define HOST_C "127.21.0.4"

static const uint8_t nonce_a[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
static const uint8_t nonce_b[12] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};

static int setup(void **state)
{
	static struct daemon d;
	static const char *const extra[] = {"--external-ip", "198.51.100.10",
	                                    NULL};

	daemon_init(&d, SERVER, 0);
	/* Ports cooling after a delete count against the host's quota for
	 * 120 s: HOST_A's tests leave up to 5 of them (issue 15). */
	daemon_write_conf(&d, "multicast-announce no\n"
	                      "max-per-host 6\n"
	                      "min-lifetime 60\n"
	                      "max-lifetime 3600\n");
	if (daemon_start(&d, extra)) {
		daemon_cleanup(&d);
		return -1;
	}
	*state = &d;
	return 0;
}

static int teardown(void **state)
{
	return daemon_finish(*state);
}

static bool is_ext(const pctl_addr *a)
{
	pctl_addr e;

	pctl_addr_from_str(&e, "198.51.100.10");
	return pctl_addr_equal(a, &e);
}

/* Create, renew (same external port, lifetime again), delete (S-1 port). */
static void test_create_renew_delete(void **state)
{
	struct daemon *d = *state;
	struct pctl_msg r;
	int fd = client_open(HOST_A, 0);
	uint16_t ext;
	char *list;

	assert_int_equal(
	    pcp_map(fd, d, HOST_A, nonce_a, 6, 5000, 5000, 600, &r),
	    PCTL_R_SUCCESS);
	assert_true(is_ext(&r.external_addr));
	assert_int_equal(r.lifetime, 600);
	assert_int_equal(r.internal_port, 5000);
	ext = r.external_port;
	assert_int_not_equal(ext, 0);

	assert_int_equal(pcp_map(fd, d, HOST_A, nonce_a, 6, 5000, 0, 5000, &r),
	                 PCTL_R_SUCCESS);
	assert_int_equal(r.external_port, ext);
	assert_int_equal(r.lifetime, 3600); /* clamped to max-lifetime */

	list = control_request(d, "list");
	assert_non_null(list);
	assert_non_null(strstr(list, "127.21.0.2:5000 -> 198.51.100.10:"));
	free(list);

	assert_int_equal(pcp_map(fd, d, HOST_A, nonce_a, 6, 5000, 0, 0, &r),
	                 PCTL_R_SUCCESS);
	assert_int_equal(r.lifetime, 0);
	list = control_request(d, "list");
	assert_non_null(list);
	assert_null(strstr(list, "127.21.0.2:5000 "));
	free(list);
	close(fd);
}

/* Several clients from their own source addresses get their own mappings;
 * none can take, renew or delete another's. */
static void test_clients_cannot_take_each_others_mapping(void **state)
{
	struct daemon *d = *state;
	struct pctl_msg r;
	int fa = client_open(HOST_A, 0), fb = client_open(HOST_B, 0);
	uint16_t ext_a;

	assert_int_equal(
	    pcp_map(fa, d, HOST_A, nonce_a, 17, 6000, 40000, 600, &r),
	    PCTL_R_SUCCESS);
	ext_a = r.external_port;
	/* B asks for the same external port: it gets another one. */
	assert_int_equal(
	    pcp_map(fb, d, HOST_B, nonce_b, 17, 6000, ext_a, 600, &r),
	    PCTL_R_SUCCESS);
	assert_int_not_equal(r.external_port, ext_a);
	/* S-9: B claiming to be A is refused. */
	assert_int_equal(pcp_map(fb, d, HOST_A, nonce_b, 17, 6000, 0, 0, &r),
	                 PCTL_R_ADDRESS_MISMATCH);
	/* Same source, other nonce (another application on A): refused, and
	 * the mapping stays. */
	assert_int_equal(pcp_map(fa, d, HOST_A, nonce_b, 17, 6000, 0, 0, &r),
	                 PCTL_R_NOT_AUTHORIZED);
	assert_int_equal(pcp_map(fa, d, HOST_A, nonce_a, 17, 6000, 0, 600, &r),
	                 PCTL_R_SUCCESS);
	assert_int_equal(r.external_port, ext_a);
	/* Clean up for the next tests. */
	assert_int_equal(pcp_map(fa, d, HOST_A, nonce_a, 17, 6000, 0, 0, &r),
	                 PCTL_R_SUCCESS);
	assert_int_equal(pcp_map(fb, d, HOST_B, nonce_b, 17, 6000, 0, 0, &r),
	                 PCTL_R_SUCCESS);
	close(fa);
	close(fb);
}

/* S-102, S-41: max-per-host 6: the seventh mapping is USER_EX_QUOTA,
 * another host is unaffected. */
static void test_s102_quota_per_host(void **state)
{
	struct daemon *d = *state;
	struct pctl_msg r;
	int fc = client_open(HOST_C, 0), fb = client_open(HOST_B, 0);

	for (uint16_t p = 7000; p < 7006; p++)
		assert_int_equal(
		    pcp_map(fc, d, HOST_C, nonce_a, 6, p, 0, 600, &r),
		    PCTL_R_SUCCESS);
	assert_int_equal(pcp_map(fc, d, HOST_C, nonce_a, 6, 7006, 0, 600, &r),
	                 PCTL_R_USER_EX_QUOTA);
	assert_int_equal(pcp_map(fb, d, HOST_B, nonce_b, 6, 7006, 0, 600, &r),
	                 PCTL_R_SUCCESS);
	close(fc);
	close(fb);
}

/* S-24: the epoch counts seconds. */
static void test_s24_epoch_increases(void **state)
{
	struct daemon *d = *state;
	struct pctl_msg r;
	int fa = client_open(HOST_A, 0);
	uint32_t e1;

	assert_int_equal(pcp_map(fa, d, HOST_A, nonce_a, 6, 8000, 0, 600, &r),
	                 PCTL_R_SUCCESS);
	e1 = r.epoch;
	usleep(2100 * 1000);
	assert_int_equal(pcp_map(fa, d, HOST_A, nonce_a, 6, 8000, 0, 600, &r),
	                 PCTL_R_SUCCESS);
	assert_true(r.epoch >= e1 + 2);
	assert_true(r.epoch <= e1 + 4);
	close(fa);
}

/* portctl admin: list, stats, delete ID and flush, text and JSON. */
static void test_admin_list_stats_delete_flush(void **state)
{
	struct daemon *d = *state;
	struct pctl_msg r;
	int fa = client_open(HOST_A, 0);
	char cmd[512], *out = NULL, *line;
	unsigned long id;

	assert_int_equal(pcp_map(fa, d, HOST_A, nonce_a, 17, 9000, 0, 600, &r),
	                 PCTL_R_SUCCESS);
	snprintf(cmd, sizeof(cmd), "%s admin list --socket %s", PORTCTL_PATH,
	         d->control);
	assert_int_equal(run_command(cmd, &out), 0);
	line = strstr(out, "udp 127.21.0.2:9000 -> 198.51.100.10:");
	assert_non_null(line);
	while (line > out && line[-1] != '\n')
		line--;
	id = strtoul(line, NULL, 10);
	assert_non_null(strstr(line, " map udp "));
	assert_non_null(strstr(line, " lifetime "));
	free(out);

	snprintf(cmd, sizeof(cmd), "%s admin list --json --socket %s",
	         PORTCTL_PATH, d->control);
	assert_int_equal(run_command(cmd, &out), 0);
	assert_non_null(strstr(out, "{\"mappings\":["));
	assert_non_null(strstr(out, "\"internal\":{\"address\":\"127.21.0.2\","
	                            "\"port\":9000}"));
	assert_non_null(strstr(out, "\"filters\":[]"));
	free(out);

	snprintf(cmd, sizeof(cmd), "%s admin stats --socket %s", PORTCTL_PATH,
	         d->control);
	assert_int_equal(run_command(cmd, &out), 0);
	assert_non_null(strstr(out, "pcp_result SUCCESS "));
	assert_non_null(strstr(out, "requests "));
	free(out);
	snprintf(cmd, sizeof(cmd), "%s admin stats --json --socket %s",
	         PORTCTL_PATH, d->control);
	assert_int_equal(run_command(cmd, &out), 0);
	assert_non_null(strstr(out, "\"pcp_results\":{\"SUCCESS\":"));
	free(out);

	snprintf(cmd, sizeof(cmd), "%s admin delete %lu --socket %s",
	         PORTCTL_PATH, id, d->control);
	assert_int_equal(run_command(cmd, NULL), 0);
	/* Deleting again: refused with the reason, exit code 1. */
	snprintf(cmd, sizeof(cmd), "%s admin delete %lu --socket %s 2>&1",
	         PORTCTL_PATH, id, d->control);
	assert_int_equal(run_command(cmd, &out), 1);
	assert_non_null(strstr(out, "no mapping"));
	free(out);
	out = control_request(d, "list");
	assert_null(strstr(out, "127.21.0.2:9000 "));
	free(out);

	snprintf(cmd, sizeof(cmd), "%s admin flush --socket %s", PORTCTL_PATH,
	         d->control);
	assert_int_equal(run_command(cmd, NULL), 0);
	out = control_request(d, "list");
	assert_string_equal(out, "ok\n");
	free(out);

	/* Bad usage and bad requests. */
	snprintf(cmd, sizeof(cmd), "%s admin delete x --socket %s 2>/dev/null",
	         PORTCTL_PATH, d->control);
	assert_int_equal(run_command(cmd, NULL), 2);
	out = control_request(d, "frob");
	assert_non_null(strstr(out, "error unknown request 'frob'"));
	free(out);
	snprintf(cmd, sizeof(cmd), "%s admin list --socket %s/none 2>/dev/null",
	         PORTCTL_PATH, d->dir);
	assert_int_equal(run_command(cmd, NULL), 4);
	close(fa);
}

/* The admin list shows a mapping's filters and description (S-80, X-1),
 * in text and JSON (with the description escaped as the CLI and the audit
 * log escape it: lib/json's writer, U+2028 included). */
static void test_admin_list_shows_filters_and_description(void **state)
{
	struct daemon *d = *state;
	static struct pctl_msg m, r;
	uint8_t req[PCTL_MAX_MSG], rbuf[PCTL_MAX_MSG];
	uint8_t fdata[PCTL_FILTER_LEN];
	struct pctl_filter f = {.prefix_len = 96 + 24, .port = 443};
	static const char desc[] = "web \"cam\"\xe2\x80\xa8";
	int fa = client_open(HOST_A, 0);
	char *out;
	size_t len;

	memset(&m, 0, sizeof(m));
	m.version = PCTL_VERSION;
	m.opcode = PCTL_OP_MAP;
	m.lifetime = 600;
	pctl_addr_from_str(&m.client_addr, HOST_A);
	memcpy(m.nonce, nonce_a, 12);
	m.protocol = 6;
	m.internal_port = 9443;
	pctl_addr_set_any(&m.external_addr, true);
	pctl_addr_from_str(&f.addr, "198.51.100.0");
	pctl_filter_pack(&f, fdata);
	assert_int_equal(
	    pctl_msg_add_option(&m, PCTL_OPT_FILTER, fdata, sizeof(fdata)), 0);
	assert_int_equal(pctl_msg_add_option(&m, PCTL_OPT_DESCRIPTION, desc,
	                                     (uint16_t)strlen(desc)),
	                 0);
	len = pctl_encode(&m, req, sizeof(req));
	assert_int_not_equal(len, 0);
	assert_int_equal(pcp_exchange(fa, d, req, len, &r, rbuf), 0);
	assert_int_equal(r.result, PCTL_R_SUCCESS);

	out = control_request(d, "list");
	assert_non_null(strstr(out, "127.21.0.2:9443 -> "));
	assert_non_null(strstr(out, " filter 198.51.100.0/24:443"));
	assert_non_null(strstr(out, " description \"web \\\"cam\\\"\\u2028\""));
	free(out);
	out = control_request(d, "list json");
	assert_non_null(strstr(out,
	                       "\"filters\":[{\"address\":\"198.51.100.0\","
	                       "\"prefix_length\":24,\"port\":443}]"));
	assert_non_null(
	    strstr(out, "\"description\":\"web \\\"cam\\\"\\u2028\""));
	free(out);
	assert_int_equal(pcp_map(fa, d, HOST_A, nonce_a, 6, 9443, 0, 0, &r),
	                 PCTL_R_SUCCESS);
	close(fa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_create_renew_delete),
	    cmocka_unit_test(test_clients_cannot_take_each_others_mapping),
	    cmocka_unit_test(test_s102_quota_per_host),
	    cmocka_unit_test(test_s24_epoch_increases),
	    cmocka_unit_test(test_admin_list_stats_delete_flush),
	    cmocka_unit_test(test_admin_list_shows_filters_and_description),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

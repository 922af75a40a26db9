/*
 * SSDP (lib/client/upnp_ssdp.c): the M-SEARCH the client sends, and the
 * parser of the answers, against miniupnpd's real answer
 * (upnp_data/miniupnpd_ssdp_reply.txt) and what other devices and hostile
 * hosts send.
 */
#include <errno.h>

#include "client/upnp.h"
#include "upnp_data.h"

static void test_msearch_ipv4(void **state)
{
	char buf[512];
	size_t n;
	(void)state;

	n = pctl_ssdp_msearch(buf, sizeof(buf), 4, PCTL_ST_IGD2, 2);
	assert_true(n > 0);
	assert_int_equal(n, strlen(buf));
	assert_string_equal(
	    buf,
	    "M-SEARCH * HTTP/1.1\r\n"
	    "HOST: 239.255.255.250:1900\r\n"
	    "MAN: \"ssdp:discover\"\r\n"
	    "MX: 2\r\n"
	    "ST: urn:schemas-upnp-org:device:"
	    "InternetGatewayDevice:2\r\n"
	    "USER-AGENT: Linux UPnP/1.1 portctl/" PORTCTL_VERSION_STRING "\r\n"
	    "\r\n");
}

static void test_msearch_ipv6_and_limits(void **state)
{
	char buf[512];
	size_t n;
	(void)state;

	n = pctl_ssdp_msearch(buf, sizeof(buf), 6, PCTL_ST_IGD1, 0);
	assert_true(n > 0);
	assert_non_null(strstr(buf, "\r\nHOST: [ff02::c]:1900\r\n"));
	assert_non_null(strstr(buf, "\r\nST: " PCTL_ST_IGD1 "\r\n"));
	/* UDA 1.1: MX from 1 to 5. */
	assert_non_null(strstr(buf, "\r\nMX: 1\r\n"));
	assert_true(pctl_ssdp_msearch(buf, sizeof(buf), 4, PCTL_ST_IGD1, 120) >
	            0);
	assert_non_null(strstr(buf, "\r\nMX: 5\r\n"));
	/* Exactly the room needed, and one byte less. */
	assert_int_equal(pctl_ssdp_msearch(buf, n + 1, 6, PCTL_ST_IGD1, 1), n);
	assert_int_equal(pctl_ssdp_msearch(buf, n, 6, PCTL_ST_IGD1, 1), 0);
	assert_int_equal(pctl_ssdp_msearch(buf, 0, 6, PCTL_ST_IGD1, 1), 0);
	/* Neither family; a search target that would forge a header. */
	assert_int_equal(
	    pctl_ssdp_msearch(buf, sizeof(buf), 5, PCTL_ST_IGD1, 1), 0);
	assert_int_equal(
	    pctl_ssdp_msearch(buf, sizeof(buf), 4, "ssdp:all\r\nX-Evil: 1", 1),
	    0);
	assert_int_equal(pctl_ssdp_msearch(buf, sizeof(buf), 4, "", 1), 0);
}

static void expect_file(const char *name, uint32_t max_age)
{
	struct pctl_ssdp_reply r;
	size_t len;
	char *buf = upnp_data(name, &len);

	assert_int_equal(pctl_ssdp_parse_reply(buf, len, &r), 0);
	assert_string_equal(r.location, "http://192.0.2.1:5000/rootDesc.xml");
	assert_string_equal(r.st, PCTL_ST_IGD2);
	assert_int_equal(r.max_age, max_age);
	free(buf);
}

static void test_reply_miniupnpd(void **state)
{
	(void)state;
	expect_file("miniupnpd_ssdp_reply.txt", 120);
}

static void test_reply_portctld(void **state)
{
	(void)state;
	expect_file("portctld_ssdp_reply.txt", 1800);
}

static void expect_reply(const char *msg, const char *location, const char *st,
                         uint32_t max_age)
{
	struct pctl_ssdp_reply r;

	if (pctl_ssdp_parse_reply(msg, strlen(msg), &r) != 0)
		fail_msg("refused:\n%s", msg);
	assert_string_equal(r.location, location);
	assert_string_equal(r.st, st);
	assert_int_equal(r.max_age, max_age);
}

static void test_reply_variants(void **state)
{
	(void)state;
	/* LF only, lower-case names, odd spacing, no final empty line. */
	expect_reply("HTTP/1.1 200 OK\n"
	             "location:http://192.0.2.1:49152/igd.xml  \n"
	             "st:   " PCTL_ST_IGD1 "\n"
	             "Cache-Control: no-cache, max-age = 1800\n",
	             "http://192.0.2.1:49152/igd.xml", PCTL_ST_IGD1, 1800);
	/* HTTP/1.0, no reason phrase, no CACHE-CONTROL, a body ignored. */
	expect_reply("HTTP/1.0 200\r\n"
	             "ST: upnp:rootdevice\r\n"
	             "Location: http://192.0.2.1/\r\n"
	             "\r\n"
	             "LOCATION: junk\r\n",
	             "http://192.0.2.1/", "upnp:rootdevice", 0);
	/* An IPv6 device, a huge max-age (saturated). */
	expect_reply("HTTP/1.1 200 OK\r\n"
	             "LOCATION: http://[2001:db8::1]:5000/rootDesc.xml\r\n"
	             "ST: " PCTL_ST_IGD2 "\r\n"
	             "CACHE-CONTROL: max-age=99999999999\r\n"
	             "\r\n",
	             "http://[2001:db8::1]:5000/rootDesc.xml", PCTL_ST_IGD2,
	             UINT32_MAX);
	/* An unreadable CACHE-CONTROL is advisory: max-age 0. */
	expect_reply("HTTP/1.1 200 OK\r\n"
	             "LOCATION: http://192.0.2.1/\r\n"
	             "ST: x\r\n"
	             "CACHE-CONTROL: max-age=abc\r\n"
	             "\r\n",
	             "http://192.0.2.1/", "x", 0);
}

static void expect_refused(const char *msg, size_t len)
{
	struct pctl_ssdp_reply r;

	memset(&r, 0xa5, sizeof(r));
	errno = 0;
	if (pctl_ssdp_parse_reply(msg, len, &r) != -1)
		fail_msg("accepted:\n%.*s", (int)len, msg);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(r.location[0], '\0');
	assert_int_equal(r.st[0], '\0');
	assert_int_equal(r.max_age, 0);
}

#define OK_LOC "LOCATION: http://192.0.2.1:5000/rootDesc.xml\r\n"
#define OK_ST  "ST: " PCTL_ST_IGD2 "\r\n"

static void test_reply_refused(void **state)
{
	static const char *const bad[] = {
	    /* A NOTIFY (an advertisement, not an answer) and a request. */
	    "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
	    "NT: " PCTL_ST_IGD2 "\r\nNTS: ssdp:alive\r\n" OK_LOC "\r\n",
	    "M-SEARCH * HTTP/1.1\r\n" OK_ST OK_LOC "\r\n",
	    /* Another status. */
	    "HTTP/1.1 404 Not Found\r\n" OK_ST OK_LOC "\r\n",
	    "HTTP/1.1 2000 OK\r\n" OK_ST OK_LOC "\r\n",
	    "HTTP/2.0 200 OK\r\n" OK_ST OK_LOC "\r\n",
	    "http/1.1 200 OK\r\n" OK_ST OK_LOC "\r\n",
	    /* No LOCATION, no ST, empty ones, two of them. */
	    "HTTP/1.1 200 OK\r\n" OK_ST "\r\n",
	    "HTTP/1.1 200 OK\r\n" OK_LOC "\r\n",
	    "HTTP/1.1 200 OK\r\n" OK_ST "LOCATION:\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nST: \r\n" OK_LOC "\r\n",
	    "HTTP/1.1 200 OK\r\n" OK_ST OK_LOC
	    "LOCATION: http://192.0.2.9/x\r\n\r\n",
	    "HTTP/1.1 200 OK\r\n" OK_ST OK_ST OK_LOC "\r\n",
	    /* A LOCATION with a host name, https, a relative one. */
	    "HTTP/1.1 200 OK\r\n" OK_ST
	    "LOCATION: http://router.lan:5000/rootDesc.xml\r\n\r\n",
	    "HTTP/1.1 200 OK\r\n" OK_ST
	    "LOCATION: https://192.0.2.1/rootDesc.xml\r\n\r\n",
	    "HTTP/1.1 200 OK\r\n" OK_ST "LOCATION: /rootDesc.xml\r\n\r\n",
	    /* A header without a colon, a folded line, a name with spaces. */
	    "HTTP/1.1 200 OK\r\n" OK_ST OK_LOC "EXT\r\n\r\n",
	    "HTTP/1.1 200 OK\r\n" OK_ST OK_LOC " continued\r\n\r\n",
	    "HTTP/1.1 200 OK\r\n" OK_ST "LOCATION : http://192.0.2.1/\r\n\r\n",
	    "HTTP/1.1 200 OK\r\n" OK_ST OK_LOC ": x\r\n\r\n",
	    /* Control characters. */
	    "HTTP/1.1 200 OK\r\n" OK_ST OK_LOC "SERVER: a\x01"
	    "b\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nST: a\rb\r\n" OK_LOC "\r\n",
	    "",
	};
	char big[2048];
	size_t n;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_refused(bad[i], strlen(bad[i]));
	/* A NUL inside. */
	expect_refused(
	    "HTTP/1.1 200 OK\r\n" OK_ST OK_LOC "X: a\0b\r\n\r\n",
	    sizeof("HTTP/1.1 200 OK\r\n" OK_ST OK_LOC "X: a\0b\r\n\r\n") - 1);
	/* A line of 600 bytes. */
	n = (size_t)snprintf(big, sizeof(big),
	                     "HTTP/1.1 200 OK\r\n" OK_ST OK_LOC "SERVER: ");
	memset(big + n, 'x', 600);
	n += 600;
	n += (size_t)snprintf(big + n, sizeof(big) - n, "\r\n\r\n");
	expect_refused(big, n);
	/* An over-long ST (PCTL_UPNP_TYPE_MAX bytes). */
	n = (size_t)snprintf(big, sizeof(big),
	                     "HTTP/1.1 200 OK\r\n" OK_LOC "ST: ");
	memset(big + n, 's', PCTL_UPNP_TYPE_MAX);
	n += PCTL_UPNP_TYPE_MAX;
	n += (size_t)snprintf(big + n, sizeof(big) - n, "\r\n\r\n");
	expect_refused(big, n);
	/* 40 header lines. */
	n = (size_t)snprintf(big, sizeof(big),
	                     "HTTP/1.1 200 OK\r\n" OK_ST OK_LOC);
	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "X-%d: y\r\n",
		                      i);
	n += (size_t)snprintf(big + n, sizeof(big) - n, "\r\n");
	expect_refused(big, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_msearch_ipv4),
	    cmocka_unit_test(test_msearch_ipv6_and_limits),
	    cmocka_unit_test(test_reply_miniupnpd),
	    cmocka_unit_test(test_reply_portctld),
	    cmocka_unit_test(test_reply_variants),
	    cmocka_unit_test(test_reply_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

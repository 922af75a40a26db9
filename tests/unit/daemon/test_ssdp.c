/*
 * Issue 11: SSDP.  The M-SEARCH parser (strict, bounded, MX clamped), the
 * answers chosen for each search target (ST matching, the version asked
 * echoed when ours is higher, nothing for a newer one), the messages, and
 * the limits on answers (per source, per second, queued).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ssdp_answer.h"
#include "ssdp_parse.h"
#include "ssdp_queue.h"

#define HOST "HOST: 239.255.255.250:1900\r\n"
#define MAN  "MAN: \"ssdp:discover\"\r\n"

static int parse(const char *s, struct pctld_ssdp_search *q)
{
	return pctld_ssdp_parse((const uint8_t *)s, strlen(s), q);
}

static void test_parse_valid(void **state)
{
	struct pctld_ssdp_search q;

	(void)state;
	assert_int_equal(parse("M-SEARCH * HTTP/1.1\r\n" HOST MAN
	                       "MX: 2\r\nST: ssdp:all\r\n\r\n",
	                       &q),
	                 0);
	assert_string_equal(q.st, "ssdp:all");
	assert_int_equal(q.mx, 2);
	/* Names in any case, blanks around values, other headers, bare LF,
	 * no final empty line (miniupnpc, some consoles). */
	assert_int_equal(
	    parse("M-SEARCH * HTTP/1.1\nhost:239.255.255.250:1900\n"
	          "st:\t urn:schemas-upnp-org:device:InternetGatewayDevice:1 "
	          "\nUSER-AGENT: x/1 UPnP/1.1 y/2\nman: ssdp:discover\nmx: 3",
	          &q),
	    0);
	assert_string_equal(
	    q.st, "urn:schemas-upnp-org:device:InternetGatewayDevice:1");
	assert_int_equal(q.mx, 3);
	/* Unicast search: no MX (0), answered at once by the caller. */
	assert_int_equal(
	    parse("M-SEARCH * HTTP/1.1\r\nHOST: 192.0.2.1:1900\r\n" MAN
	          "ST: upnp:rootdevice\r\n\r\n",
	          &q),
	    0);
	assert_int_equal(q.mx, 0);
}

static void test_parse_mx_clamped(void **state)
{
	struct pctld_ssdp_search q;

	(void)state;
	assert_int_equal(parse("M-SEARCH * HTTP/1.1\r\n" HOST MAN
	                       "MX: 0\r\nST: ssdp:all\r\n\r\n",
	                       &q),
	                 0);
	assert_int_equal(q.mx, 1);
	assert_int_equal(parse("M-SEARCH * HTTP/1.1\r\n" HOST MAN
	                       "MX: 120\r\nST: ssdp:all\r\n\r\n",
	                       &q),
	                 0);
	assert_int_equal(q.mx, 5);
	assert_int_equal(parse("M-SEARCH * HTTP/1.1\r\n" HOST MAN
	                       "MX: 9999999999\r\nST: ssdp:all\r\n\r\n",
	                       &q),
	                 0);
	assert_int_equal(q.mx, 5);
	assert_int_equal(parse("M-SEARCH * HTTP/1.1\r\n" HOST MAN
	                       "MX: 99999999999\r\nST: ssdp:all\r\n\r\n",
	                       &q),
	                 -1);
	assert_int_equal(parse("M-SEARCH * HTTP/1.1\r\n" HOST MAN
	                       "MX: -1\r\nST: ssdp:all\r\n\r\n",
	                       &q),
	                 -1);
	assert_int_equal(parse("M-SEARCH * HTTP/1.1\r\n" HOST MAN
	                       "MX: 2x\r\nST: ssdp:all\r\n\r\n",
	                       &q),
	                 -1);
}

static void test_parse_drops(void **state)
{
	struct pctld_ssdp_search q;
	static const char *const bad[] = {
	    /* not a search */
	    "NOTIFY * HTTP/1.1\r\n" HOST "NT: upnp:rootdevice\r\n"
	    "NTS: ssdp:alive\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nST: ssdp:all\r\n\r\n",
	    "m-search * HTTP/1.1\r\n" HOST MAN "MX: 1\r\nST: ssdp:all\r\n\r\n",
	    "M-SEARCH / HTTP/1.1\r\n" HOST MAN "MX: 1\r\nST: ssdp:all\r\n\r\n",
	    "M-SEARCH * HTTP/1.0\r\n" HOST MAN "MX: 1\r\nST: ssdp:all\r\n\r\n",
	    "M-SEARCH  * HTTP/1.1\r\n" HOST MAN "MX: 1\r\nST: ssdp:all\r\n\r\n",
	    /* a required header missing or wrong */
	    "M-SEARCH * HTTP/1.1\r\n" MAN "MX: 1\r\nST: ssdp:all\r\n\r\n",
	    "M-SEARCH * HTTP/1.1\r\n" HOST "MX: 1\r\nST: ssdp:all\r\n\r\n",
	    "M-SEARCH * HTTP/1.1\r\n" HOST MAN "MX: 1\r\n\r\n",
	    "M-SEARCH * HTTP/1.1\r\n" HOST "MAN: \"ssdp:update\"\r\n"
	    "MX: 1\r\nST: ssdp:all\r\n\r\n",
	    "M-SEARCH * HTTP/1.1\r\nHOST:\r\n" MAN
	    "MX: 1\r\nST: ssdp:all\r\n\r\n",
	    "M-SEARCH * HTTP/1.1\r\n" HOST MAN "MX: 1\r\nST:\r\n\r\n",
	    "M-SEARCH * HTTP/1.1\r\n" HOST MAN "MX: 1\r\nST: a b\r\n\r\n",
	    /* twice */
	    "M-SEARCH * HTTP/1.1\r\n" HOST MAN "MX: 1\r\nST: ssdp:all\r\n"
	    "ST: upnp:rootdevice\r\n\r\n",
	    "M-SEARCH * HTTP/1.1\r\n" HOST HOST MAN "MX: 1\r\nST: a\r\n\r\n",
	    /* malformed lines */
	    "M-SEARCH * HTTP/1.1\r\n" HOST MAN "MX: 1\r\nST ssdp:all\r\n\r\n",
	    "M-SEARCH * HTTP/1.1\r\n" HOST MAN "MX: 1\r\n ST: ssdp:all\r\n\r\n",
	    "M-SEARCH * HTTP/1.1\r\n" HOST MAN "MX: 1\r\nS T: ssdp:all\r\n\r\n",
	    "M-SEARCH * HTTP/1.1\r\n" HOST MAN "MX: 1\r\n: x\r\nST: a\r\n\r\n",
	    "M-SEARCH * HTTP/1.1\r\n" HOST MAN
	    "MX: 1\r\nST: ssdp:all\r\r\n\r\n",
	    "M-SEARCH * HTTP/1.1\r\n" HOST MAN "MX: 1\r\nST: ssdp\x01:all\r\n",
	    "M-SEARCH * HTTP/1.1\r\n" HOST MAN "MX: 1\r\nST: ssdp\x7f\r\n",
	    "M-SEARCH * HTTP/1.1\r\n" HOST MAN "MX: 1\r\nST: \xc3\xa9\r\n",
	    "",
	};
	char big[2048];
	int n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse(bad[i], &q) != -1)
			fail_msg("accepted bad search %zu", i);
	/* A NUL inside. */
	assert_int_equal(
	    pctld_ssdp_parse((const uint8_t *)"M-SEARCH * HTTP/1.1\r\n" HOST
	                                      "\0" MAN "MX: 1\r\nST: a\r\n\r\n",
	                     sizeof("M-SEARCH * HTTP/1.1\r\n" HOST "\0" MAN
	                            "MX: 1\r\nST: a\r\n\r\n") -
	                         1,
	                     &q),
	    -1);
	/* Too many headers: 24 are taken, 25 are not. */
	n = snprintf(big, sizeof(big),
	             "M-SEARCH * HTTP/1.1\r\n" HOST MAN "MX: 1\r\nST: a\r\n");
	for (int i = 0; i < 20; i++)
		n += snprintf(big + n, sizeof(big) - (size_t)n, "X-%d: y\r\n",
		              i);
	assert_int_equal(parse(big, &q), 0);
	snprintf(big + n, sizeof(big) - (size_t)n, "X-last: y\r\n");
	assert_int_equal(parse(big, &q), -1);
	/* An over-long line, an over-long ST, an over-long datagram. */
	n = snprintf(big, sizeof(big),
	             "M-SEARCH * HTTP/1.1\r\n" HOST MAN
	             "MX: 1\r\nST: a\r\nX: ");
	memset(big + n, 'y', 520);
	strcpy(big + n + 520, "\r\n\r\n");
	assert_int_equal(parse(big, &q), -1);
	n = snprintf(big, sizeof(big),
	             "M-SEARCH * HTTP/1.1\r\n" HOST MAN "MX: 1\r\nST: ");
	memset(big + n, 's', PCTLD_SSDP_ST_MAX + 1);
	strcpy(big + n + PCTLD_SSDP_ST_MAX + 1, "\r\n\r\n");
	assert_int_equal(parse(big, &q), -1);
	big[n + PCTLD_SSDP_ST_MAX] = '\r';
	strcpy(big + n + PCTLD_SSDP_ST_MAX, "\r\n\r\n");
	assert_int_equal(parse(big, &q), 0);
	assert_int_equal(strlen(q.st), PCTLD_SSDP_ST_MAX);
	memset(big, 0, sizeof(big));
	assert_int_equal(pctld_ssdp_parse((const uint8_t *)big,
	                                  PCTLD_SSDP_MAX_DGRAM + 1, &q),
	                 -1);
}

static const struct pctld_upnp_info igd2 = {
    .uuid = "0123abcd-89ab-cdef-0123-456789abcdef",
    .friendly_name = "r",
    .igd_version = 2,
    .http_port = 5000,
};

static void test_udn(void **state)
{
	char u[37];
	struct pctld_upnp_info i = igd2;

	(void)state;
	pctld_ssdp_udn(&igd2, 0, u);
	assert_string_equal(u, igd2.uuid);
	pctld_ssdp_udn(&igd2, 1, u);
	assert_string_equal(u, "0123abcd-89ab-cdef-0123-456789abcde0");
	pctld_ssdp_udn(&igd2, 2, u);
	assert_string_equal(u, "0123abcd-89ab-cdef-0123-456789abcde1");
	i.uuid[35] = '3';
	pctld_ssdp_udn(&i, 2, u);
	assert_int_equal(u[35], '5');
}

static void test_select_all(void **state)
{
	struct pctld_ssdp_answer a[PCTLD_SSDP_MAX_ANSWERS];
	struct pctld_upnp_info v1 = igd2;
	const char *U = "uuid:0123abcd-89ab-cdef-0123-456789abcdef";

	(void)state;
	/* Root: 3, two embedded devices: 2 each, 3 services. */
	assert_int_equal(pctld_ssdp_select(&igd2, "ssdp:all", a), 10);
	assert_string_equal(a[0].st, "upnp:rootdevice");
	assert_string_equal(a[0].usn, "uuid:0123abcd-89ab-cdef-0123-"
	                              "456789abcdef::upnp:rootdevice");
	assert_string_equal(a[1].st, U);
	assert_string_equal(a[1].usn, U);
	assert_string_equal(
	    a[2].st, "urn:schemas-upnp-org:device:InternetGatewayDevice:2");
	assert_string_equal(a[5].st, "urn:schemas-upnp-org:service:"
	                             "WANCommonInterfaceConfig:1");
	assert_string_equal(
	    a[5].usn, "uuid:0123abcd-89ab-cdef-0123-456789abcde0::urn:"
	              "schemas-upnp-org:service:WANCommonInterfaceConfig:1");
	assert_string_equal(a[9].st, "urn:schemas-upnp-org:service:"
	                             "WANIPv6FirewallControl:1");
	/* The NOTIFY set is the same. */
	assert_int_equal(pctld_ssdp_select(&igd2, NULL, a), 10);
	/* IGD:1 has no WANIPv6FirewallControl. */
	v1.igd_version = 1;
	assert_int_equal(pctld_ssdp_select(&v1, "ssdp:all", a), 9);
	assert_string_equal(
	    a[2].st, "urn:schemas-upnp-org:device:InternetGatewayDevice:1");
	assert_string_equal(a[8].st,
	                    "urn:schemas-upnp-org:service:WANIPConnection:1");
}

static void one(const struct pctld_upnp_info *i, const char *st,
                const char *want_st, const char *want_usn)
{
	struct pctld_ssdp_answer a[PCTLD_SSDP_MAX_ANSWERS];

	if (!want_st) {
		if (pctld_ssdp_select(i, st, a))
			fail_msg("answered %s", st);
		return;
	}
	assert_int_equal(pctld_ssdp_select(i, st, a), 1);
	assert_string_equal(a[0].st, want_st);
	assert_string_equal(a[0].usn, want_usn);
}

static void test_select_targets(void **state)
{
	struct pctld_upnp_info v1 = igd2;
	const char *IGD = "urn:schemas-upnp-org:device:InternetGatewayDevice:";
	char st[128], usn[200];

	(void)state;
	one(&igd2, "upnp:rootdevice", "upnp:rootdevice",
	    "uuid:0123abcd-89ab-cdef-0123-456789abcdef::upnp:rootdevice");
	/* UUIDs: ours in any case, the embedded devices' too. */
	one(&igd2, "uuid:0123ABCD-89ab-cdef-0123-456789abcdef",
	    "uuid:0123abcd-89ab-cdef-0123-456789abcdef",
	    "uuid:0123abcd-89ab-cdef-0123-456789abcdef");
	one(&igd2, "uuid:0123abcd-89ab-cdef-0123-456789abcde1",
	    "uuid:0123abcd-89ab-cdef-0123-456789abcde1",
	    "uuid:0123abcd-89ab-cdef-0123-456789abcde1");
	one(&igd2, "uuid:0123abcd-89ab-cdef-0123-456789abcde2", NULL, NULL);
	/* Our version and older ones: echoed as asked (UDA 1.1). */
	for (int v = 1; v <= 2; v++) {
		snprintf(st, sizeof(st), "%s%d", IGD, v);
		snprintf(usn, sizeof(usn),
		         "uuid:0123abcd-89ab-cdef-0123-456789abcdef::%s", st);
		one(&igd2, st, st, usn);
	}
	one(&igd2, "urn:schemas-upnp-org:device:WANDevice:1",
	    "urn:schemas-upnp-org:device:WANDevice:1",
	    "uuid:0123abcd-89ab-cdef-0123-456789abcde0::urn:schemas-upnp-org:"
	    "device:WANDevice:1");
	one(&igd2, "urn:schemas-upnp-org:device:WANConnectionDevice:2",
	    "urn:schemas-upnp-org:device:WANConnectionDevice:2",
	    "uuid:0123abcd-89ab-cdef-0123-456789abcde1::urn:schemas-upnp-org:"
	    "device:WANConnectionDevice:2");
	one(&igd2, "urn:schemas-upnp-org:service:WANIPConnection:1",
	    "urn:schemas-upnp-org:service:WANIPConnection:1",
	    "uuid:0123abcd-89ab-cdef-0123-456789abcde1::urn:schemas-upnp-org:"
	    "service:WANIPConnection:1");
	one(&igd2, "urn:schemas-upnp-org:service:WANIPv6FirewallControl:1",
	    "urn:schemas-upnp-org:service:WANIPv6FirewallControl:1",
	    "uuid:0123abcd-89ab-cdef-0123-456789abcde1::urn:schemas-upnp-org:"
	    "service:WANIPv6FirewallControl:1");
	/* Newer than ours, not ours, or malformed: no answer. */
	snprintf(st, sizeof(st), "%s3", IGD);
	one(&igd2, st, NULL, NULL);
	one(&igd2, "urn:schemas-upnp-org:service:WANCommonInterfaceConfig:2",
	    NULL, NULL);
	one(&igd2, "urn:schemas-upnp-org:service:WANPPPConnection:1", NULL,
	    NULL);
	one(&igd2, "urn:schemas-upnp-org:device:MediaServer:1", NULL, NULL);
	one(&igd2, "urn:schemas-upnp-org:device:WANDevice:0", NULL, NULL);
	one(&igd2, "urn:schemas-upnp-org:device:WANDevice:01", NULL, NULL);
	one(&igd2, "urn:schemas-upnp-org:device:WANDevice:1x", NULL, NULL);
	one(&igd2, "urn:schemas-upnp-org:device:WANDevice:", NULL, NULL);
	one(&igd2, "urn:schemas-upnp-org:device:WANDevice", NULL, NULL);
	one(&igd2, "urn:schemas-upnp-org:device:WANDeviceX:1", NULL, NULL);
	one(&igd2, "urn:schemas-upnp-org:service:WANDevice:1", NULL, NULL);
	one(&igd2, "ssdp:alive", NULL, NULL);
	/* IGD:1: :2 searches are newer than ours; no IPv6 firewall. */
	v1.igd_version = 1;
	snprintf(st, sizeof(st), "%s2", IGD);
	one(&v1, st, NULL, NULL);
	one(&v1, "urn:schemas-upnp-org:service:WANIPConnection:2", NULL, NULL);
	one(&v1, "urn:schemas-upnp-org:service:WANIPv6FirewallControl:1", NULL,
	    NULL);
}

static void test_messages(void **state)
{
	struct pctld_ssdp_answer a[PCTLD_SSDP_MAX_ANSWERS];
	uint8_t v4[16] = {0, 0, 0,    0,    0,   0, 0, 0,
	                  0, 0, 0xff, 0xff, 192, 0, 2, 1};
	uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	char loc[96], m[1024];
	struct pctld_ssdp_hdr h = {.location = loc,
	                           .server = "Linux/6 UPnP/1.1 portctl/1",
	                           .bootid = 7,
	                           .configid = 9};

	(void)state;
	pctld_ssdp_location(loc, sizeof(loc), v6, 5000);
	assert_string_equal(loc, "http://[2001:db8::1]:5000/rootDesc.xml");
	pctld_ssdp_location(loc, sizeof(loc), v4, 5000);
	assert_string_equal(loc, "http://192.0.2.1:5000/rootDesc.xml");
	assert_int_equal(pctld_ssdp_select(&igd2, "upnp:rootdevice", a), 1);
	assert_int_not_equal(
	    pctld_ssdp_format_response(m, sizeof(m), &a[0], &h), 0);
	assert_string_equal(
	    m, "HTTP/1.1 200 OK\r\n"
	       "CACHE-CONTROL: max-age=1800\r\n"
	       "EXT:\r\n"
	       "LOCATION: http://192.0.2.1:5000/rootDesc.xml\r\n"
	       "SERVER: Linux/6 UPnP/1.1 portctl/1\r\n"
	       "ST: upnp:rootdevice\r\n"
	       "USN: uuid:0123abcd-89ab-cdef-0123-456789abcdef::upnp:"
	       "rootdevice\r\n"
	       "BOOTID.UPNP.ORG: 7\r\n"
	       "CONFIGID.UPNP.ORG: 9\r\n"
	       "\r\n");
	assert_int_not_equal(
	    pctld_ssdp_format_notify(m, sizeof(m), true, false, &a[0], &h), 0);
	assert_non_null(strstr(m, "NOTIFY * HTTP/1.1\r\n"
	                          "HOST: 239.255.255.250:1900\r\n"));
	assert_non_null(strstr(m, "NTS: ssdp:alive\r\n"));
	assert_non_null(strstr(m, "NT: upnp:rootdevice\r\n"));
	assert_non_null(strstr(m, "LOCATION: http://192.0.2.1:5000/"));
	assert_int_not_equal(
	    pctld_ssdp_format_notify(m, sizeof(m), false, true, &a[0], &h), 0);
	assert_non_null(strstr(m, "HOST: [FF02::C]:1900\r\n"));
	assert_non_null(strstr(m, "NTS: ssdp:byebye\r\n"));
	assert_null(strstr(m, "LOCATION"));
	/* Too small a buffer: nothing rather than a cut message. */
	assert_int_equal(pctld_ssdp_format_response(m, 100, &a[0], &h), 0);
}

static struct pctld_ssdp_pending from(const char *src, uint64_t due)
{
	struct pctld_ssdp_pending p = {.due_ms = due, .src_port = 40000};

	assert_int_equal(pctl_addr_from_str(&p.src, src), 0);
	strcpy(p.st, "ssdp:all");
	return p;
}

static void test_queue_limits(void **state)
{
	static struct pctld_ssdp_queue q;
	struct pctld_ssdp_pending p, out;
	char a[32];
	unsigned taken = 0;

	(void)state;
	pctld_ssdp_queue_init(&q);
	assert_int_equal(pctld_ssdp_queue_next(&q), UINT64_MAX);
	/* One source: PCTLD_SSDP_PER_SOURCE a second, then dropped. */
	for (int i = 0; i < 100; i++) {
		p = from("192.0.2.10", 1500);
		taken += pctld_ssdp_queue_add(&q, &p, 1000);
	}
	assert_int_equal(taken, PCTLD_SSDP_PER_SOURCE);
	/* Another source still gets its share; the next second, the first
	 * does again. */
	p = from("192.0.2.11", 1500);
	assert_true(pctld_ssdp_queue_add(&q, &p, 1999));
	p = from("192.0.2.10", 2500);
	assert_true(pctld_ssdp_queue_add(&q, &p, 2000));
	/* Many sources: PCTLD_SSDP_PER_SECOND in one second in all. */
	taken = 0;
	for (int i = 0; i < 200; i++) {
		snprintf(a, sizeof(a), "192.0.2.%d", 20 + i % 200);
		p = from(a, 3500);
		taken += pctld_ssdp_queue_add(&q, &p, 3000);
	}
	assert_int_equal(taken, PCTLD_SSDP_PER_SECOND);
	/* Queued at most PCTLD_SSDP_QUEUE: later seconds fill it up. */
	for (int s = 4; s < 20; s++)
		for (int i = 0; i < 200; i++) {
			snprintf(a, sizeof(a), "2001:db8::%d", i + 1);
			p = from(a, 100000);
			pctld_ssdp_queue_add(&q, &p, (uint64_t)s * 1000);
		}
	assert_int_equal(q.n, PCTLD_SSDP_QUEUE);
	/* Taken in due order, only when due. */
	assert_int_equal(pctld_ssdp_queue_next(&q), 1500);
	assert_false(pctld_ssdp_queue_take(&q, 1499, &out));
	taken = 0;
	while (pctld_ssdp_queue_take(&q, 1500, &out)) {
		assert_int_equal(out.due_ms, 1500);
		taken++;
	}
	assert_int_equal(taken, PCTLD_SSDP_PER_SOURCE + 1);
	assert_int_equal(pctld_ssdp_queue_next(&q), 2500);
	while (pctld_ssdp_queue_take(&q, UINT64_MAX - 1, &out))
		;
	assert_int_equal(q.n, 0);
	assert_int_equal(pctld_ssdp_queue_next(&q), UINT64_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_valid),
	    cmocka_unit_test(test_parse_mx_clamped),
	    cmocka_unit_test(test_parse_drops),
	    cmocka_unit_test(test_udn),
	    cmocka_unit_test(test_select_all),
	    cmocka_unit_test(test_select_targets),
	    cmocka_unit_test(test_messages),
	    cmocka_unit_test(test_queue_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

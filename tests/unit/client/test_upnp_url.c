/*
 * The URLs of a UPnP IGD (lib/client/upnp_url.c): only http with a literal
 * address, IPv6 with a zone, resolution of control URLs against a base.
 */
#include <errno.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "client/upnp.h"

static void expect_addr(const struct pctl_url *u, const char *addr)
{
	char text[PCTL_ADDRSTRLEN];

	assert_string_equal(pctl_addr_to_str(&u->addr, text, sizeof(text)),
	                    addr);
}

static void test_parse_ipv4(void **state)
{
	struct pctl_url u;
	(void)state;

	assert_int_equal(
	    pctl_url_parse("http://192.0.2.1:5000/rootDesc.xml", &u), 0);
	expect_addr(&u, "192.0.2.1");
	assert_int_equal(u.port, 5000);
	assert_int_equal(u.scope_id, 0);
	assert_string_equal(u.path, "/rootDesc.xml");
	/* Defaults: port 80, path "/"; the scheme in any case. */
	assert_int_equal(pctl_url_parse("HTTP://192.0.2.1", &u), 0);
	assert_int_equal(u.port, 80);
	assert_string_equal(u.path, "/");
	/* A query stays with the path. */
	assert_int_equal(pctl_url_parse("http://192.0.2.1:80/d?x=1&y", &u), 0);
	assert_string_equal(u.path, "/d?x=1&y");
}

static void test_parse_ipv6_zone(void **state)
{
	struct pctl_url u;
	unsigned lo = if_nametoindex("lo");
	char url[64];
	(void)state;

	assert_int_equal(pctl_url_parse("http://[2001:db8::1]:49152/d.xml", &u),
	                 0);
	expect_addr(&u, "2001:db8::1");
	assert_int_equal(u.port, 49152);
	assert_int_equal(u.scope_id, 0);
	/* A link-local address with its zone, by name ("%" and RFC 6874's
	 * "%25") or by index. */
	assert_true(lo > 0);
	assert_int_equal(pctl_url_parse("http://[fe80::1%lo]:5000/d", &u), 0);
	expect_addr(&u, "fe80::1");
	assert_int_equal(u.scope_id, lo);
	assert_int_equal(u.port, 5000);
	assert_int_equal(pctl_url_parse("http://[fe80::1%25lo]/d", &u), 0);
	assert_int_equal(u.scope_id, lo);
	snprintf(url, sizeof(url), "http://[fe80::2%%%u]/", lo);
	assert_int_equal(pctl_url_parse(url, &u), 0);
	assert_int_equal(u.scope_id, lo);
	/* Without a zone: the caller knows the interface it heard it on. */
	assert_int_equal(pctl_url_parse("http://[fe80::1]/", &u), 0);
	assert_int_equal(u.scope_id, 0);
	/* An unknown interface. */
	errno = 0;
	assert_int_equal(pctl_url_parse("http://[fe80::1%nosuchif9]/", &u), -1);
	assert_int_equal(errno, ENODEV);
	assert_int_equal(u.port, 0);
	/* A zone on a global address, an empty zone. */
	errno = 0;
	assert_int_equal(pctl_url_parse("http://[2001:db8::1%lo]/", &u), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(pctl_url_parse("http://[fe80::1%]/", &u), -1);
	assert_int_equal(pctl_url_parse("http://[fe80::1%0]/", &u), -1);
}

static void test_parse_refused(void **state)
{
	static const char *const bad[] = {
	    "",
	    "https://192.0.2.1/",
	    "ftp://192.0.2.1/",
	    "192.0.2.1:80/",
	    "http://",
	    "http:///x",
	    "http://router.local/rootDesc.xml", /* a name: never resolved */
	    "http://localhost:5000/",
	    "http://192.0.2/",
	    "http://192.0.2.256/",
	    "http://2001:db8::1/",  /* IPv6 without brackets */
	    "http://[192.0.2.1]/",  /* a bracketed dotted quad */
	    "http://[2001:db8::1/", /* no closing bracket */
	    "http://[2001:db8::1]x/",
	    "http://192.0.2.1:/",
	    "http://192.0.2.1:0/",
	    "http://192.0.2.1:65536/",
	    "http://192.0.2.1:123456/",
	    "http://192.0.2.1:8o/",
	    "http://user@192.0.2.1/",
	    "http://192.0.2.1?q",
	    "http://192.0.2.1/a b",
	    "http://192.0.2.1/a\r\nHost: x",
	    "http://192.0.2.1/a#frag",
	    "http://192.0.2.1/\x7f",
	};
	struct pctl_url u;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&u, 0xa5, sizeof(u));
		errno = 0;
		if (pctl_url_parse(bad[i], &u) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(errno, EINVAL);
		assert_int_equal(u.port, 0); /* zeroed */
		assert_int_equal(u.path[0], '\0');
	}
}

static void test_parse_length_limit(void **state)
{
	char url[PCTL_UPNP_URL_MAX + 8];
	struct pctl_url u;
	size_t n;
	(void)state;

	/* PCTL_UPNP_URL_MAX - 1 characters: kept; one more: refused. */
	n = (size_t)snprintf(url, sizeof(url), "http://192.0.2.1/");
	memset(url + n, 'a', PCTL_UPNP_URL_MAX - 1 - n);
	url[PCTL_UPNP_URL_MAX - 1] = '\0';
	assert_int_equal(pctl_url_parse(url, &u), 0);
	assert_int_equal(strlen(u.path), PCTL_UPNP_URL_MAX - 1 - 16);
	url[PCTL_UPNP_URL_MAX - 1] = 'a';
	url[PCTL_UPNP_URL_MAX] = '\0';
	errno = 0;
	assert_int_equal(pctl_url_parse(url, &u), -1);
	assert_int_equal(errno, EINVAL);
}

static void expect_resolve(const char *base, const char *ref, const char *want)
{
	char out[PCTL_UPNP_URL_MAX];

	if (pctl_url_resolve(base, ref, out, sizeof(out)) != 0)
		fail_msg("%s + %s: errno %d", base, ref, errno);
	assert_string_equal(out, want);
}

static void test_resolve(void **state)
{
	const char *b = "http://192.0.2.1:5000/dev/rootDesc.xml?v=1";
	(void)state;

	expect_resolve(b, "/ctl/IPConn", "http://192.0.2.1:5000/ctl/IPConn");
	expect_resolve(b, "ctl/IPConn", "http://192.0.2.1:5000/dev/ctl/IPConn");
	expect_resolve(b, "http://192.0.2.7:49000/upnp/control/WANIPConn1",
	               "http://192.0.2.7:49000/upnp/control/WANIPConn1");
	expect_resolve(b, "//192.0.2.8/x", "http://192.0.2.8/x");
	expect_resolve(b, "?x", "http://192.0.2.1:5000/dev/rootDesc.xml?x");
	expect_resolve(b, "", b);
	/* A base without a path, or with "/" only. */
	expect_resolve("http://192.0.2.1:5000", "ctl",
	               "http://192.0.2.1:5000/ctl");
	expect_resolve("http://192.0.2.1:5000/", "ctl",
	               "http://192.0.2.1:5000/ctl");
	expect_resolve("http://192.0.2.1:5000", "?q",
	               "http://192.0.2.1:5000/?q");
	/* IPv6 bases keep their brackets and zone. */
	expect_resolve("http://[fe80::1%lo]:5000/rootDesc.xml", "/ctl/IPConn",
	               "http://[fe80::1%lo]:5000/ctl/IPConn");
	/* Dots inside names are not dot-segments. */
	expect_resolve(b, "a..b/.c", "http://192.0.2.1:5000/dev/a..b/.c");
}

static void test_resolve_refused(void **state)
{
	static const char *const bad_refs[] = {
	    "/../etc/passwd",
	    "../x",
	    "a/../b",
	    "./x",
	    "a/.",
	    "..",
	    "https://192.0.2.1/x",
	    "mailto:x",
	    "javascript:x",
	    "http://router.local/x",
	    "/a b",
	    "/a\nb",
	};
	char out[PCTL_UPNP_URL_MAX];
	const char *b = "http://192.0.2.1:5000/rootDesc.xml";
	(void)state;

	for (size_t i = 0; i < sizeof(bad_refs) / sizeof(bad_refs[0]); i++) {
		errno = 0;
		if (pctl_url_resolve(b, bad_refs[i], out, sizeof(out)) != -1)
			fail_msg("resolved \"%s\" to %s", bad_refs[i], out);
		assert_int_equal(errno, EINVAL);
		assert_string_equal(out, "");
	}
	/* A base that is not an absolute http URL. */
	errno = 0;
	assert_int_equal(
	    pctl_url_resolve("/rootDesc.xml", "/x", out, sizeof(out)), -1);
	assert_int_equal(errno, EINVAL);
	/* No room. */
	errno = 0;
	assert_int_equal(pctl_url_resolve(b, "/ctl/IPConn", out, 20), -1);
	assert_int_equal(errno, ENOSPC);
	/* Room, but longer than any URL kept. */
	{
		char ref[PCTL_UPNP_URL_MAX], big[2 * PCTL_UPNP_URL_MAX];
		memset(ref, 'a', sizeof(ref) - 20);
		ref[sizeof(ref) - 20] = '\0';
		errno = 0;
		assert_int_equal(pctl_url_resolve(b, ref, big, sizeof(big)),
		                 -1);
		assert_int_equal(errno, EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_ipv4),
	    cmocka_unit_test(test_parse_ipv6_zone),
	    cmocka_unit_test(test_parse_refused),
	    cmocka_unit_test(test_parse_length_limit),
	    cmocka_unit_test(test_resolve),
	    cmocka_unit_test(test_resolve_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

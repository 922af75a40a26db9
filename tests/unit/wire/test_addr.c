/*
 * test_addr.c - the PCP address field (checklist W-1.1..W-1.7).
 */
/* cmocka needs these first. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <portctl/wire.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

static pctl_addr addr_of(const char *s)
{
	pctl_addr a;

	assert_int_equal(pctl_addr_from_str(&a, s), 0);
	return a;
}

/* W-1.1: an IPv6 address is stored as its 16 octets, unchanged. */
static void test_w1_1_ipv6_stored_as_is(void **state)
{
	(void)state;
	static const uint8_t want[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	                                 0,    0,    0,    0,    0, 0, 0, 1};
	pctl_addr a = addr_of("2001:db8::1");

	assert_memory_equal(a.b, want, 16);
	assert_false(pctl_addr_is_v4(&a));
}

/* W-1.2: IPv4 is held as ::ffff:a.b.c.d. */
static void test_w1_2_ipv4_mapped_form(void **state)
{
	(void)state;
	static const uint8_t want[16] = {0, 0, 0,    0,    0,   0, 0, 0,
	                                 0, 0, 0xff, 0xff, 192, 0, 2, 1};
	static const uint8_t v4[4] = {192, 0, 2, 1};
	pctl_addr a, b;
	uint8_t out[4];

	pctl_addr_from_v4(&a, v4);
	assert_memory_equal(a.b, want, 16);
	assert_true(pctl_addr_is_v4(&a));
	assert_true(pctl_addr_to_v4(&a, out));
	assert_memory_equal(out, v4, 4);

	b = addr_of("192.0.2.1");
	assert_true(pctl_addr_equal(&a, &b));
	/* The IPv6 spelling of the same address is the same field. */
	b = addr_of("::ffff:192.0.2.1");
	assert_true(pctl_addr_equal(&a, &b));
}

/* W-1.3: every one of the first 96 bits decides; a 0xffff in octets 10-11
 * of a real IPv6 address is not enough. */
static void test_w1_3_all_96_bits_checked(void **state)
{
	(void)state;
	pctl_addr a = addr_of("::ffff:192.0.2.1");
	uint8_t out[4] = {9, 9, 9, 9};

	for (int i = 0; i < 96; i++) {
		pctl_addr b = a;

		b.b[i / 8] ^= (uint8_t)(0x80 >> (i % 8));
		assert_false(pctl_addr_is_v4(&b));
		assert_false(pctl_addr_to_v4(&b, out));
	}
	/* to_v4 leaves its output alone when it refuses. */
	static const uint8_t untouched[4] = {9, 9, 9, 9};
	assert_memory_equal(out, untouched, 4);

	pctl_addr c = addr_of("2001:db8::ffff:c000:201");
	assert_false(pctl_addr_is_v4(&c));
	/* The IPv4-compatible form ::a.b.c.d (deprecated) is IPv6 too. */
	c = addr_of("::c000:201");
	assert_false(pctl_addr_is_v4(&c));
}

/* W-1.4: the all-zeros IPv6 address is 128 zero bits. */
static void test_w1_4_all_zeros_ipv6(void **state)
{
	(void)state;
	static const uint8_t zero[16];
	pctl_addr a;

	memset(&a, 0xaa, sizeof(a));
	pctl_addr_set_any(&a, false);
	assert_memory_equal(a.b, zero, 16);
	assert_true(pctl_addr_is_any(&a));
	assert_false(pctl_addr_is_v4(&a));

	/* One bit anywhere makes it a real address. */
	for (int i = 0; i < 128; i++) {
		pctl_addr b = a;

		b.b[i / 8] ^= (uint8_t)(0x80 >> (i % 8));
		assert_false(pctl_addr_is_any(&b));
	}
	pctl_addr low = addr_of("::1");
	assert_false(pctl_addr_is_any(&low));
}

/* W-1.5: the all-zeros IPv4 address is ::ffff:0.0.0.0, not ::. */
static void test_w1_5_all_zeros_ipv4(void **state)
{
	(void)state;
	pctl_addr a, z6;

	pctl_addr_set_any(&a, true);
	assert_true(pctl_addr_is_v4(&a));
	assert_true(pctl_addr_is_any(&a));
	pctl_addr b = addr_of("0.0.0.0");
	assert_true(pctl_addr_equal(&a, &b));
	b = addr_of("::ffff:0:0");
	assert_true(pctl_addr_equal(&a, &b));

	pctl_addr_set_any(&z6, false);
	assert_false(pctl_addr_equal(&a, &z6));

	/* ::ffff:0.0.0.1 and 0.0.0.0 with a flipped prefix bit are not it. */
	b = addr_of("0.0.0.1");
	assert_false(pctl_addr_is_any(&b));
	b = a;
	b.b[10] = 0xfe;
	assert_false(pctl_addr_is_any(&b));
}

/* W-1.6: the all-zeros Suggested External Address of each family asks for
 * that family, so the two forms must tell their family apart. */
static void test_w1_6_any_address_selects_family(void **state)
{
	(void)state;
	pctl_addr v4, v6;

	pctl_addr_set_any(&v4, true);
	pctl_addr_set_any(&v6, false);
	assert_true(pctl_addr_is_any(&v4) && pctl_addr_is_v4(&v4));
	assert_true(pctl_addr_is_any(&v6) && !pctl_addr_is_v4(&v6));
}

/* W-1.7: family comparison of two fields (internal vs remote peer) is a
 * comparison of pctl_addr_is_v4, which must agree with the text family. */
static void test_w1_7_family_of_addresses(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		bool v4;
	} cases[] = {
	    {"192.0.2.1", true},     {"198.51.100.7", true},
	    {"203.0.113.255", true}, {"::ffff:203.0.113.1", true},
	    {"2001:db8::1", false},  {"::", false},
	    {"::1", false},          {"fe80::1", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pctl_addr a = addr_of(cases[i].text);
		assert_int_equal(pctl_addr_is_v4(&a), cases[i].v4);
	}
}

static void test_w1_sockaddr_v4_round_trip(void **state)
{
	(void)state;
	struct sockaddr_in sin;
	struct sockaddr_storage ss;
	pctl_addr a, b;
	uint16_t port = 0;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(5351);
	assert_int_equal(inet_pton(AF_INET, "198.51.100.9", &sin.sin_addr), 1);
	assert_int_equal(
	    pctl_addr_from_sockaddr(&a, &port, (const struct sockaddr *)&sin),
	    0);
	assert_int_equal(port, 5351);
	b = addr_of("198.51.100.9");
	assert_true(pctl_addr_equal(&a, &b));

	assert_int_equal(pctl_addr_to_sockaddr(&a, 4242, &ss),
	                 sizeof(struct sockaddr_in));
	const struct sockaddr_in *out = (const struct sockaddr_in *)&ss;
	assert_int_equal(out->sin_family, AF_INET);
	assert_int_equal(ntohs(out->sin_port), 4242);
	assert_memory_equal(&out->sin_addr, &sin.sin_addr, 4);

	/* port may be NULL. */
	assert_int_equal(
	    pctl_addr_from_sockaddr(&b, NULL, (const struct sockaddr *)&ss), 0);
	assert_true(pctl_addr_equal(&a, &b));
}

/* A sockaddr_in6 of text and port, decoded into a and its port checked. */
static struct sockaddr_in6 sin6_decoded(const char *text, uint16_t port,
                                        pctl_addr *a)
{
	struct sockaddr_in6 sin6;
	uint16_t got = 0;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(port);
	assert_int_equal(inet_pton(AF_INET6, text, &sin6.sin6_addr), 1);
	assert_int_equal(
	    pctl_addr_from_sockaddr(a, &got, (const struct sockaddr *)&sin6),
	    0);
	assert_int_equal(got, port);
	return sin6;
}

static void test_w1_sockaddr_v6_round_trip(void **state)
{
	(void)state;
	struct sockaddr_storage ss;
	pctl_addr a;
	struct sockaddr_in6 sin6 = sin6_decoded("2001:db8:1::42", 65535, &a);

	assert_memory_equal(a.b, &sin6.sin6_addr, 16);

	assert_int_equal(pctl_addr_to_sockaddr(&a, 80, &ss),
	                 sizeof(struct sockaddr_in6));
	const struct sockaddr_in6 *out = (const struct sockaddr_in6 *)&ss;
	assert_int_equal(out->sin6_family, AF_INET6);
	assert_int_equal(ntohs(out->sin6_port), 80);
	assert_memory_equal(&out->sin6_addr, &sin6.sin6_addr, 16);
	assert_int_equal(out->sin6_scope_id, 0);
	assert_int_equal(out->sin6_flowinfo, 0);
}

/* A v4-mapped sockaddr_in6 (from a dual-stack socket) stays v4-mapped and
 * comes back as a plain AF_INET sockaddr. */
static void test_w1_2_sockaddr_v4_mapped_in6(void **state)
{
	(void)state;
	struct sockaddr_storage ss;
	pctl_addr a;

	sin6_decoded("::ffff:203.0.113.5", 5350, &a);
	assert_true(pctl_addr_is_v4(&a));
	pctl_addr b = addr_of("203.0.113.5");
	assert_true(pctl_addr_equal(&a, &b));

	assert_int_equal(pctl_addr_to_sockaddr(&a, 5350, &ss),
	                 sizeof(struct sockaddr_in));
	assert_int_equal(ss.ss_family, AF_INET);
}

static void test_w1_sockaddr_other_family_rejected(void **state)
{
	(void)state;
	struct sockaddr_un sun;
	pctl_addr a, before;
	uint16_t port = 77;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memset(&a, 0x5a, sizeof(a));
	before = a;
	errno = 0;
	assert_int_equal(
	    pctl_addr_from_sockaddr(&a, &port, (const struct sockaddr *)&sun),
	    -1);
	assert_int_equal(errno, EAFNOSUPPORT);
	errno = 0;
	assert_int_equal(pctl_addr_from_sockaddr(&a, &port, NULL), -1);
	assert_int_equal(errno, EINVAL);
	/* Nothing is left behind. */
	assert_memory_equal(&a, &before, sizeof(a));
	assert_int_equal(port, 77);
}

static void test_w1_text_round_trips(void **state)
{
	(void)state;
	/* Canonical text comes back unchanged; RFC 5952 for IPv6. */
	static const char *const canonical[] = {
	    "192.0.2.1",   "0.0.0.0", "255.255.255.255",      "::", "::1",
	    "2001:db8::1", "fe80::1", "2001:db8:0:1:1:1:1:1",
	};
	char buf[PCTL_ADDRSTRLEN];

	for (size_t i = 0; i < sizeof(canonical) / sizeof(canonical[0]); i++) {
		pctl_addr a = addr_of(canonical[i]);
		assert_ptr_equal(pctl_addr_to_str(&a, buf, sizeof(buf)), buf);
		assert_string_equal(buf, canonical[i]);
	}
	/* Non-canonical input is printed in RFC 5952 form. */
	static const struct {
		const char *in, *out;
	} norm[] = {
	    {"2001:DB8:0:0:0:0:0:1", "2001:db8::1"},
	    {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
	    {"::ffff:c000:0201", "192.0.2.1"},
	    {"::FFFF:0.0.0.0", "0.0.0.0"},
	};
	for (size_t i = 0; i < sizeof(norm) / sizeof(norm[0]); i++) {
		pctl_addr a = addr_of(norm[i].in);
		pctl_addr_to_str(&a, buf, sizeof(buf));
		assert_string_equal(buf, norm[i].out);
	}
}

/* The longest text fits PCTL_ADDRSTRLEN; a buffer too small gives "". */
static void test_w1_text_buffer_sizes(void **state)
{
	(void)state;
	pctl_addr a = addr_of("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	char buf[PCTL_ADDRSTRLEN];
	char small[8] = "xxxxxxx";

	pctl_addr_to_str(&a, buf, sizeof(buf));
	assert_string_equal(buf, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	/* The longest form inet_ntop writes: a mapped-looking IPv6 text. */
	a = addr_of("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255");
	pctl_addr_to_str(&a, buf, sizeof(buf));
	assert_true(strlen(buf) < PCTL_ADDRSTRLEN);

	pctl_addr_to_str(&a, small, sizeof(small));
	assert_string_equal(small, "");
	assert_null(pctl_addr_to_str(&a, NULL, 0));
}

static void test_w1_text_bad_strings_rejected(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",
	    " ",
	    "1.2.3",
	    "1.2.3.4.5",
	    "256.1.1.1",
	    "1.2.3.4 ",
	    " 1.2.3.4",
	    "1.2.3.-4",
	    "0x1.2.3.4",
	    "192.0.2.1/24",
	    "2001:db8::1::2",
	    "2001:db8::g",
	    "2001:db8:1:2:3:4:5:6:7",
	    "fe80::1%lo",
	    "[::1]",
	    ":::",
	    "localhost",
	    "::ffff:256.0.0.1",
	};
	pctl_addr a, before;

	memset(&a, 0x33, sizeof(a));
	before = a;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_int_equal(pctl_addr_from_str(&a, bad[i]), -1);
		assert_int_equal(errno, EINVAL);
		assert_memory_equal(&a, &before, sizeof(a));
	}
	errno = 0;
	assert_int_equal(pctl_addr_from_str(&a, NULL), -1);
	assert_int_equal(errno, EINVAL);
	assert_memory_equal(&a, &before, sizeof(a));
}

static void test_w1_equal(void **state)
{
	(void)state;
	pctl_addr a = addr_of("2001:db8::1");
	pctl_addr b = addr_of("2001:db8::1");

	assert_true(pctl_addr_equal(&a, &b));
	for (int i = 0; i < 16; i++) {
		pctl_addr c = a;
		c.b[i] ^= 1;
		assert_false(pctl_addr_equal(&a, &c));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_w1_1_ipv6_stored_as_is),
	    cmocka_unit_test(test_w1_2_ipv4_mapped_form),
	    cmocka_unit_test(test_w1_3_all_96_bits_checked),
	    cmocka_unit_test(test_w1_4_all_zeros_ipv6),
	    cmocka_unit_test(test_w1_5_all_zeros_ipv4),
	    cmocka_unit_test(test_w1_6_any_address_selects_family),
	    cmocka_unit_test(test_w1_7_family_of_addresses),
	    cmocka_unit_test(test_w1_sockaddr_v4_round_trip),
	    cmocka_unit_test(test_w1_sockaddr_v6_round_trip),
	    cmocka_unit_test(test_w1_2_sockaddr_v4_mapped_in6),
	    cmocka_unit_test(test_w1_sockaddr_other_family_rejected),
	    cmocka_unit_test(test_w1_text_round_trips),
	    cmocka_unit_test(test_w1_text_buffer_sizes),
	    cmocka_unit_test(test_w1_text_bad_strings_rejected),
	    cmocka_unit_test(test_w1_equal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

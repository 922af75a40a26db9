/*
 * The DHCP PCP server options (RFC 7291; C-2, K-27) from wire octets:
 * DHCPv4 List-Length blocks, DHCPv6 instances with IPv4-mapped addresses,
 * every malformed length, and the silent discard of multicast and
 * loopback addresses.
 */
#include <errno.h>

#include "harness.h"

#define MAXS 4

struct dec {
	int rc;
	int err; /* errno after a failure, 0 after a success */
	size_t n;
	struct pctl_dhcp_server s[MAXS];
};

/* Decodes with out and *n_out pre-filled with garbage, so that the tests
 * see what the function leaves behind. */
static void decode(struct dec *d, int family, const uint8_t *p, size_t len,
                   size_t max)
{
	memset(d, 0xa5, sizeof(*d));
	errno = 0;
	d->rc = pctl_dhcp_pcp_servers(family, p, len, 7, d->s, max, &d->n);
	d->err = d->rc < 0 ? errno : 0;
}

static void assert_addr(const pctl_addr *a, const char *text)
{
	char buf[PCTL_ADDRSTRLEN];
	assert_string_equal(pctl_addr_to_str(a, buf, sizeof(buf)), text);
}

/* Server s has n addresses, the first of them first. */
static void assert_server(const struct pctl_dhcp_server *s, size_t n,
                          const char *first)
{
	assert_int_equal(s->n_addrs, n);
	assert_addr(&s->addrs[0], first);
}

/* A failure is -1 with errno err, and nothing half-decoded is left: no
 * count, the max servers the caller offered zeroed. */
static void assert_clean_max(const struct dec *d, int err, size_t max)
{
	static const struct pctl_dhcp_server zero;

	assert_int_equal(d->rc, -1);
	assert_int_equal(d->err, err);
	assert_int_equal(d->n, 0);
	for (size_t i = 0; i < max; i++)
		assert_memory_equal(&d->s[i], &zero, sizeof(zero));
}

static void assert_clean(const struct dec *d, int err)
{
	assert_clean_max(d, err, MAXS);
}

/* A malformed option: refused whole with EINVAL. */
static void refused(int family, const uint8_t *p, size_t len)
{
	struct dec d;

	decode(&d, family, p, len, MAXS);
	assert_clean(&d, EINVAL);
}

static void test_c2_v4_one_server_two_addresses(void **state)
{
	/* Length 9: List-Length 8, 192.0.2.1, 198.51.100.1 */
	static const uint8_t opt[] = {8, 192, 0, 2, 1, 198, 51, 100, 1};
	struct dec d;

	(void)state;
	decode(&d, 4, opt, sizeof(opt), MAXS);
	assert_int_equal(d.rc, 0);
	assert_int_equal(d.n, 1);
	assert_server(&d.s[0], 2, "192.0.2.1");
	assert_addr(&d.s[0].addrs[1], "198.51.100.1");
	assert_true(pctl_addr_is_v4(&d.s[0].addrs[0]));
	assert_int_equal(d.s[0].ifindex, 7); /* C-2: 7291 section 7 */
}

static void test_c2_v4_each_list_is_a_server(void **state)
{
	static const uint8_t opt[] = {4, 192, 0,  2,   1, 4,   203, 0,   113, 1,
	                              8, 198, 51, 100, 1, 198, 51,  100, 2};
	struct dec d;

	(void)state;
	decode(&d, 4, opt, sizeof(opt), MAXS);
	assert_int_equal(d.rc, 0);
	assert_int_equal(d.n, 3);
	assert_server(&d.s[0], 1, "192.0.2.1");
	assert_server(&d.s[1], 1, "203.0.113.1");
	assert_int_equal(d.s[2].n_addrs, 2);
	assert_addr(&d.s[2].addrs[1], "198.51.100.2");
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(d.s[i].ifindex, 7);
}

/* An RFC 3396 concatenation longer than 255 octets is one payload. */
static void test_k27_v4_concatenated_over_255(void **state)
{
	uint8_t opt[5 * 60];
	struct dec d;

	(void)state;
	for (size_t i = 0; i < 60; i++) {
		uint8_t *b = opt + 5 * i;
		b[0] = 4;
		b[1] = 198;
		b[2] = 51;
		b[3] = 100;
		b[4] = (uint8_t)(i + 1);
	}
	struct pctl_dhcp_server many[60];
	size_t n = 99;
	assert_int_equal(
	    pctl_dhcp_pcp_servers(4, opt, sizeof(opt), 0, many, 60, &n), 0);
	assert_int_equal(n, 60);
	assert_addr(&many[59].addrs[0], "198.51.100.60");
	decode(&d, 4, opt, sizeof(opt), MAXS); /* room for 4 only */
	assert_clean(&d, ENOSPC);
}

static void test_c2_v6_instance_is_one_server_mapped_v4(void **state)
{
	/* 2001:db8::1 and ::ffff:192.0.2.1 (an IPv4 server, 7291 3.2) */
	static const uint8_t opt[32] = {
	    0x20,        0x01,       0x0d,     0xb8,     [15] = 1, [26] = 0xff,
	    [27] = 0xff, [28] = 192, [29] = 0, [30] = 2, [31] = 1};
	struct dec d;

	(void)state;
	decode(&d, 6, opt, sizeof(opt), MAXS);
	assert_int_equal(d.rc, 0);
	assert_int_equal(d.n, 1);
	assert_server(&d.s[0], 2, "2001:db8::1");
	assert_false(pctl_addr_is_v4(&d.s[0].addrs[0]));
	assert_true(pctl_addr_is_v4(&d.s[0].addrs[1]));
	assert_addr(&d.s[0].addrs[1], "192.0.2.1");
	assert_int_equal(d.s[0].ifindex, 7);
}

static void test_k27_v4_malformed(void **state)
{
	static const uint8_t short4[] = {4, 192, 0, 2}; /* Length 4 < 5 */
	static const uint8_t ll0[] = {0, 192, 0, 2, 1}; /* List-Length 0 */
	static const uint8_t ll3[] = {3, 192, 0, 2, 1}; /* not a multiple */
	static const uint8_t ll5[] = {5, 192, 0, 2, 1, 1, 2, 3, 4, 5};
	static const uint8_t past[] = {8, 192, 0, 2, 1}; /* over the rest */
	static const uint8_t tail[] = {4, 192, 0, 2, 1, 0};
	static const uint8_t tail2[] = {4, 192, 0, 2, 1, 4, 192, 0, 2};
	/* A bad second block after a good first: nothing of the first. */
	static const uint8_t late[] = {4, 192, 0, 2, 1, 2, 192, 0};

	(void)state;
	refused(4, short4, 0); /* empty option */
	refused(4, NULL, 0);
	refused(4, short4, sizeof(short4));
	refused(4, ll0, sizeof(ll0));
	refused(4, ll3, sizeof(ll3));
	refused(4, ll5, sizeof(ll5));
	refused(4, past, sizeof(past));
	refused(4, tail, sizeof(tail));
	refused(4, tail2, sizeof(tail2));
	refused(4, late, sizeof(late));
}

static void test_k27_v6_malformed(void **state)
{
	static const uint8_t opt[33] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	struct dec d;

	(void)state;
	refused(6, opt, 0); /* empty option */
	refused(6, NULL, 0);
	refused(6, opt, 15);
	refused(6, opt, 17);
	refused(6, opt, 33);
	refused(5, opt, 16); /* neither family */
	decode(&d, 6, opt, 16, MAXS);
	assert_int_equal(d.rc, 0); /* the same octets, well formed */
	assert_int_equal(d.n, 1);
}

static void test_c2_v4_multicast_loopback_discarded(void **state)
{
	/* server 1: 127.0.0.1, 192.0.2.1, 224.0.0.1; server 2: only
	 * 239.255.255.250 and 127.1.2.3 (dropped); server 3: 0.0.0.0,
	 * 255.255.255.255 (dropped); server 4: 203.0.113.1 */
	static const uint8_t opt[] = {12,  127, 0,   0,   1, 192, 0,   2,   1,
	                              224, 0,   0,   1,   8, 239, 255, 255, 250,
	                              127, 1,   2,   3,   8, 0,   0,   0,   0,
	                              255, 255, 255, 255, 4, 203, 0,   113, 1};
	struct dec d;

	(void)state;
	decode(&d, 4, opt, sizeof(opt), MAXS);
	assert_int_equal(d.rc, 0);
	assert_int_equal(d.n, 2);
	assert_server(&d.s[0], 1, "192.0.2.1");
	assert_server(&d.s[1], 1, "203.0.113.1");
	/* Dropped servers take no room: max 2 is enough. */
	decode(&d, 4, opt, sizeof(opt), 2);
	assert_int_equal(d.rc, 0);
	assert_int_equal(d.n, 2);
}

static void test_c2_v6_multicast_loopback_discarded(void **state)
{
	uint8_t opt[16 * 6] = {0};
	struct dec d;

	(void)state;
	opt[0] = 0xff, opt[1] = 0x02, opt[15] = 1; /* ff02::1 */
	opt[16 + 15] = 1;                          /* ::1 */
	opt[32 + 10] = opt[32 + 11] = 0xff;        /* ::ffff:127.0.0.1 */
	opt[32 + 12] = 127, opt[32 + 15] = 1;      /* */
	opt[48 + 10] = opt[48 + 11] = 0xff;        /* ::ffff:224.0.0.1 */
	opt[48 + 12] = 224, opt[48 + 15] = 1;      /* */
	/* opt[64..79]: :: */
	opt[80] = 0xff, opt[81] = 0x05, opt[95] = 3; /* ff05::3 */
	decode(&d, 6, opt, sizeof(opt), MAXS);
	assert_int_equal(d.rc, 0); /* silently: not an error */
	assert_int_equal(d.n, 0);  /* the server had nothing left */
	decode(&d, 6, opt, sizeof(opt), 0);
	assert_int_equal(d.rc, 0);
	assert_int_equal(d.n, 0);
	/* One usable address among them keeps the server. */
	opt[64] = 0x20, opt[65] = 0x01, opt[66] = 0x0d, opt[67] = 0xb8;
	opt[79] = 9; /* 2001:db8::9 */
	decode(&d, 6, opt, sizeof(opt), MAXS);
	assert_int_equal(d.rc, 0);
	assert_int_equal(d.n, 1);
	assert_server(&d.s[0], 1, "2001:db8::9");
}

static void test_c2_capacity_refused_whole(void **state)
{
	uint8_t v6[16 * (PCTL_DHCP_PCP_MAX_ADDRS + 1)] = {0};
	static const uint8_t two[] = {4, 192, 0, 2, 1, 4, 192, 0, 2, 2};
	struct dec d;

	(void)state;
	for (size_t i = 0; i <= PCTL_DHCP_PCP_MAX_ADDRS; i++) {
		v6[16 * i] = 0x20, v6[16 * i + 1] = 0x01;
		v6[16 * i + 2] = 0x0d, v6[16 * i + 3] = 0xb8;
		v6[16 * i + 15] = (uint8_t)(i + 1);
	}
	decode(&d, 6, v6, sizeof(v6), MAXS);
	assert_clean(&d, ENOSPC);
	/* With one of them loopback, the rest fit exactly. */
	memset(v6, 0, 16);
	v6[15] = 1;
	decode(&d, 6, v6, sizeof(v6), MAXS);
	assert_int_equal(d.rc, 0);
	assert_int_equal(d.s[0].n_addrs, PCTL_DHCP_PCP_MAX_ADDRS);
	decode(&d, 4, two, sizeof(two), 1);
	assert_clean_max(&d, ENOSPC, 1);
	decode(&d, 6, v6, sizeof(v6), 0);
	assert_clean_max(&d, ENOSPC, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_c2_v4_one_server_two_addresses),
	    cmocka_unit_test(test_c2_v4_each_list_is_a_server),
	    cmocka_unit_test(test_k27_v4_concatenated_over_255),
	    cmocka_unit_test(test_c2_v6_instance_is_one_server_mapped_v4),
	    cmocka_unit_test(test_k27_v4_malformed),
	    cmocka_unit_test(test_k27_v6_malformed),
	    cmocka_unit_test(test_c2_v4_multicast_loopback_discarded),
	    cmocka_unit_test(test_c2_v6_multicast_loopback_discarded),
	    cmocka_unit_test(test_c2_capacity_refused_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

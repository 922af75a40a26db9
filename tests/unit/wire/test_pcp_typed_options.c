/*
 * test_pcp_typed_options.c - the typed option codecs (W-8): THIRD_PARTY,
 * FILTER (S-80..S-82), PORT_SET, PREFIX64, and the option list
 * helpers pctl_msg_option / pctl_msg_add_option.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <portctl/wire.h>

#include <string.h>

static struct pctl_option opt(uint8_t code, const void *data, uint16_t len)
{
	struct pctl_option o = {.code = code, .len = len, .data = data};
	return o;
}

static pctl_addr addr(const char *s)
{
	pctl_addr a;

	assert_int_equal(pctl_addr_from_str(&a, s), 0);
	return a;
}

/* W-8: THIRD_PARTY is the 16-octet internal address. */
static void test_w8_third_party_parse(void **state)
{
	(void)state;
	pctl_addr want = addr("2001:db8::7"), got;
	struct pctl_option o = opt(PCTL_OPT_THIRD_PARTY, want.b, 16);

	assert_int_equal(pctl_third_party_parse(&o, &got), PCTL_R_SUCCESS);
	assert_memory_equal(got.b, want.b, 16);
	o.len = 12;
	assert_int_equal(pctl_third_party_parse(&o, &got),
	                 PCTL_R_MALFORMED_OPTION);
}

/* S-81, E-2: prefix ranges per family; 96 for IPv4 (any IPv4 peer) is
 * accepted as the RFC text allows. */
static void test_s81_filter_parse_prefix_ranges(void **state)
{
	(void)state;
	struct pctl_filter in = {.prefix_len = 96, .port = 80}, out;
	uint8_t d[PCTL_FILTER_LEN] = {0};
	struct pctl_option o = opt(PCTL_OPT_FILTER, d, PCTL_FILTER_LEN);

	in.addr = addr("0.0.0.0");
	pctl_filter_pack(&in, d);
	assert_int_equal(pctl_filter_parse(&o, &out), PCTL_R_SUCCESS);
	assert_int_equal(out.prefix_len, 96);
	assert_int_equal(out.port, 80);
	d[1] = 95;
	assert_int_equal(pctl_filter_parse(&o, &out), PCTL_R_MALFORMED_OPTION);
	d[1] = 129;
	assert_int_equal(pctl_filter_parse(&o, &out), PCTL_R_MALFORMED_OPTION);

	in.addr = addr("2001:db8::");
	in.prefix_len = 1;
	pctl_filter_pack(&in, d);
	assert_int_equal(pctl_filter_parse(&o, &out), PCTL_R_SUCCESS);
	o.len = 19;
	assert_int_equal(pctl_filter_parse(&o, &out), PCTL_R_MALFORMED_OPTION);
}

/* S-82, E-2: prefix 0 clears all filters; the peer fields are zero on
 * transmission and ignored on receipt. */
static void test_s82_filter_prefix_0_clears(void **state)
{
	(void)state;
	struct pctl_filter in = {.prefix_len = 0, .port = 443}, out;
	uint8_t d[PCTL_FILTER_LEN] = {0};
	static const uint8_t zero[PCTL_FILTER_LEN];
	struct pctl_option o = opt(PCTL_OPT_FILTER, d, PCTL_FILTER_LEN);

	in.addr = addr("198.51.100.1");
	pctl_filter_pack(&in, d);
	assert_memory_equal(d, zero, PCTL_FILTER_LEN);
	d[3] = 9;
	d[10] = 1;
	assert_int_equal(pctl_filter_parse(&o, &out), PCTL_R_SUCCESS);
	assert_int_equal(out.prefix_len, 0);
	assert_int_equal(out.port, 0);
	assert_memory_equal(out.addr.b, zero, 16);
}

/* W-8: the FILTER reserved octet is written as zero and ignored. */
static void test_w8_filter_reserved_octet(void **state)
{
	(void)state;
	struct pctl_filter in = {.prefix_len = 120}, out;
	uint8_t d[PCTL_FILTER_LEN] = {0};
	struct pctl_option o = opt(PCTL_OPT_FILTER, d, PCTL_FILTER_LEN);

	in.addr = addr("198.51.100.0");
	memset(d, 0xff, sizeof(d));
	pctl_filter_pack(&in, d);
	assert_int_equal(d[0], 0);
	d[0] = 0x77;
	assert_int_equal(pctl_filter_parse(&o, &out), PCTL_R_SUCCESS);
	assert_memory_equal(out.addr.b, in.addr.b, 16);
}

/* S-80: address prefix and port matching. */
static void test_s80_filter_match(void **state)
{
	(void)state;
	struct pctl_filter f = {.prefix_len = 120, .port = 0};
	pctl_addr in24 = addr("198.51.100.77"), out24 = addr("198.51.101.1");
	pctl_addr v6 = addr("2001:db8::1");

	f.addr = addr("198.51.100.0");
	assert_true(pctl_filter_match(&f, &in24, 1234));
	assert_false(pctl_filter_match(&f, &out24, 1234));
	assert_false(pctl_filter_match(&f, &v6, 1234));
	f.port = 443;
	assert_true(pctl_filter_match(&f, &in24, 443));
	assert_false(pctl_filter_match(&f, &in24, 444));

	/* 96: any IPv4 peer, never an IPv6 one. */
	f.prefix_len = 96;
	f.port = 0;
	assert_true(pctl_filter_match(&f, &out24, 1));
	assert_false(pctl_filter_match(&f, &v6, 1));

	/* a bit-level prefix: 2001:db8::/33 */
	f.addr = addr("2001:db8::");
	f.prefix_len = 33;
	assert_true(pctl_filter_match(&f, &v6, 1));
	pctl_addr other = addr("2001:db8:8000::1");
	assert_false(pctl_filter_match(&f, &other, 1));
	f.prefix_len = 128;
	assert_false(pctl_filter_match(&f, &v6, 1));
	f.addr = v6;
	assert_true(pctl_filter_match(&f, &v6, 1));
}

/* PORT_SET fields, the parity bit, reserved bits ignored, size 0 and
 * other lengths rejected. */
static void test_x3_port_set_parse_pack(void **state)
{
	(void)state;
	struct pctl_port_set in = {.size = 0xffff,
	                           .first_internal_port = 5060,
	                           .parity = true},
	                     out;
	uint8_t d[PCTL_PORT_SET_LEN] = {0};
	struct pctl_option o = opt(PCTL_OPT_PORT_SET, d, PCTL_PORT_SET_LEN);

	pctl_port_set_pack(&in, d);
	assert_int_equal(d[4], 1);
	d[4] |= 0xfe; /* reserved bits */
	assert_int_equal(pctl_port_set_parse(&o, &out), PCTL_R_SUCCESS);
	assert_int_equal(out.size, 0xffff);
	assert_int_equal(out.first_internal_port, 5060);
	assert_true(out.parity);
	d[4] = 0xfe;
	assert_int_equal(pctl_port_set_parse(&o, &out), PCTL_R_SUCCESS);
	assert_false(out.parity);
	d[0] = d[1] = 0;
	assert_int_equal(pctl_port_set_parse(&o, &out),
	                 PCTL_R_MALFORMED_OPTION);
	d[1] = 1;
	o.len = 4;
	assert_int_equal(pctl_port_set_parse(&o, &out),
	                 PCTL_R_MALFORMED_OPTION);
}

/* PREFIX64 with a /64 prefix, a 4-octet suffix and two IPv4
 * prefixes packs and parses back. */
static void test_x2_prefix64_with_ipv4_list_roundtrip(void **state)
{
	(void)state;
	static const uint8_t list[12] = {0, 24, 192, 0, 2, 0, 0, 0, 0, 0, 0, 0};
	struct pctl_prefix64 in = {.prefix_len = 8,
	                           .prefix = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0,
	                                      0x64},
	                           .suffix = {0xaa, 0xbb, 0xcc, 0xdd},
	                           .has_ipv4_list = true,
	                           .ipv4_count = 2,
	                           .ipv4_list = list},
	                     out;
	uint8_t d[64];

	size_t n = pctl_prefix64_pack(&in, d, sizeof(d));
	assert_int_equal(n, 14 + 2 + 12);
	assert_int_equal(d[0], 0);
	assert_int_equal(d[1], 8);
	assert_int_equal(d[10], 0xaa); /* suffix right after the prefix */
	struct pctl_option o = opt(PCTL_OPT_PREFIX64, d, (uint16_t)n);
	assert_int_equal(pctl_prefix64_parse(&o, &out), PCTL_R_SUCCESS);
	assert_int_equal(out.prefix_len, 8);
	assert_memory_equal(out.prefix, in.prefix, 8);
	assert_memory_equal(out.suffix, in.suffix, 4);
	assert_true(out.has_ipv4_list);
	assert_int_equal(out.ipv4_count, 2);
	assert_memory_equal(out.ipv4_list, list, 12);

	/* count disagreeing with the length */
	o.len = (uint16_t)(n - 6);
	assert_int_equal(pctl_prefix64_parse(&o, &out),
	                 PCTL_R_MALFORMED_OPTION);
	o.len = 15;
	assert_int_equal(pctl_prefix64_parse(&o, &out),
	                 PCTL_R_MALFORMED_OPTION);
}

/* the request form ::/96 with no list; each valid prefix
 * length; invalid ones and a short cap give 0. */
static void test_x2_prefix64_lengths(void **state)
{
	(void)state;
	struct pctl_prefix64 p = {.prefix_len = 12}, out;
	uint8_t d[32];
	static const uint8_t valid[] = {4, 5, 6, 7, 8, 12};

	assert_int_equal(pctl_prefix64_pack(&p, d, sizeof(d)), 14);
	assert_int_equal(pctl_prefix64_pack(&p, d, 13), 0);
	for (size_t i = 0; i < sizeof(valid); i++) {
		p.prefix_len = valid[i];
		assert_int_equal(pctl_prefix64_pack(&p, d, sizeof(d)), 14);
		struct pctl_option o = opt(PCTL_OPT_PREFIX64, d, 14);
		assert_int_equal(pctl_prefix64_parse(&o, &out), PCTL_R_SUCCESS);
		assert_false(out.has_ipv4_list);
	}
	p.prefix_len = 9;
	assert_int_equal(pctl_prefix64_pack(&p, d, sizeof(d)), 0);
	p.prefix_len = 0;
	assert_int_equal(pctl_prefix64_pack(&p, d, sizeof(d)), 0);
	p.prefix_len = 12;
	p.has_ipv4_list = true;
	p.ipv4_count = 1; /* but no list */
	assert_int_equal(pctl_prefix64_pack(&p, d, sizeof(d)), 0);
	p.ipv4_count = 0;
	assert_int_equal(pctl_prefix64_pack(&p, d, sizeof(d)), 16);
}

/* W-11.1: a PREFIX64 list too long for one option is refused. */
static void test_x2_prefix64_pack_too_long(void **state)
{
	(void)state;
	static uint8_t list[6 * 170];
	static uint8_t d[2048];
	struct pctl_prefix64 p = {.prefix_len = 12,
	                          .has_ipv4_list = true,
	                          .ipv4_count = 167,
	                          .ipv4_list = list};

	assert_int_equal(pctl_prefix64_pack(&p, d, sizeof(d)), 0);
	p.ipv4_count = 166; /* 16 + 996 = 1012 */
	assert_int_equal(pctl_prefix64_pack(&p, d, sizeof(d)), 1012);
}

/* pctl_msg_add_option: data is referenced; 1016 octets at most; the list
 * holds PCTL_MAX_OPTIONS. */
static void test_w11_msg_add_option_bounds(void **state)
{
	(void)state;
	static struct pctl_msg m;
	static const uint8_t data[PCTL_OPT_MAX_DATA + 1];

	memset(&m, 0, sizeof(m));
	errno = 0;
	assert_int_equal(pctl_msg_add_option(&m, PCTL_OPT_DESCRIPTION, data,
	                                     PCTL_OPT_MAX_DATA),
	                 0);
	assert_ptr_equal(m.options[0].data, data);
	assert_int_equal(pctl_msg_add_option(&m, PCTL_OPT_DESCRIPTION, data,
	                                     PCTL_OPT_MAX_DATA + 1),
	                 -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(pctl_msg_add_option(&m, 200, NULL, 3), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(m.n_options, 1);
	while (m.n_options < PCTL_MAX_OPTIONS)
		assert_int_equal(pctl_msg_add_option(&m, 200, NULL, 0), 0);
	assert_int_equal(pctl_msg_add_option(&m, 200, NULL, 0), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(m.n_options, PCTL_MAX_OPTIONS);
	assert_ptr_equal(pctl_msg_option(&m, 200), &m.options[1]);
	assert_null(pctl_msg_option(&m, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_w8_third_party_parse),
	    cmocka_unit_test(test_s81_filter_parse_prefix_ranges),
	    cmocka_unit_test(test_s82_filter_prefix_0_clears),
	    cmocka_unit_test(test_w8_filter_reserved_octet),
	    cmocka_unit_test(test_s80_filter_match),
	    cmocka_unit_test(test_x3_port_set_parse_pack),
	    cmocka_unit_test(test_x2_prefix64_with_ipv4_list_roundtrip),
	    cmocka_unit_test(test_x2_prefix64_lengths),
	    cmocka_unit_test(test_x2_prefix64_pack_too_long),
	    cmocka_unit_test(test_w11_msg_add_option_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

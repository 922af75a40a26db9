/*
 * MAP options at the engine level: THIRD_PARTY (S-70..S-73), THIRD_PARTY_ID
 * PREFER_FAILURE (S-75..S-79), FILTER (S-80..S-87), DESCRIPTION
 * PREFIX64, PORT_SET.
 */
#include "etest.h"

#include <stdio.h>
#include <string.h>

static const char *H = "192.0.2.10";

static struct pctl_engine_config tp_config(void)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.n_third_party_acl = 1;
	c.third_party_acl[0] =
	    (struct pctl_prefix){et_addr("::ffff:192.0.2.10"), 128};
	c.third_party_id_enabled = true;
	c.third_party_id_max_len = 8;
	return c;
}

static void add_tp(struct req *r, const char *a)
{
	pctl_addr x = et_addr(a);
	req_opt(r, PCTL_OPT_THIRD_PARTY, x.b, 16);
}

static const struct pctl_option *opt(struct etest *t, uint8_t code)
{
	return pctl_msg_option(&t->resp, code);
}

static void test_s72_third_party_prohibited_by_default(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	add_tp(&r, "192.0.2.50");
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_UNSUPP_OPTION);
	assert_int_equal(et_count(t), 0);
}

static void test_s72_third_party_from_unauthorized_host(void **state)
{
	struct pctl_engine_config c = tp_config();
	struct etest *t = et_open(state, &c);
	struct req r;
	req_map(&r, .client = "192.0.2.11", .nonce = 1, .protocol = 6,
	        .int_port = 80, .lifetime = 600);
	add_tp(&r, "192.0.2.50");
	et_send(t, "192.0.2.11", &r);
	assert_int_equal(RESULT(t), PCTL_R_UNSUPP_OPTION);
}

static void test_s73_third_party_maps_other_host_and_is_echoed(void **state)
{
	struct pctl_engine_config c = tp_config();
	struct etest *t = et_open(state, &c);
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	add_tp(&r, "192.0.2.50");
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	pctl_addr tp = et_addr("192.0.2.50");
	assert_true(pctl_addr_equal(&t->fb.last.int_addr, &tp));
	const struct pctl_option *o = opt(t, PCTL_OPT_THIRD_PARTY);
	assert_non_null(o);
	assert_memory_equal(o->data, tp.b, 16);
	/* S-58: THIRD_PARTY deletes it too. */
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 0);
	add_tp(&r, "192.0.2.50");
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(et_count(t), 0);
}

static void test_s71_third_party_equal_to_source_malformed(void **state)
{
	struct pctl_engine_config c = tp_config();
	struct etest *t = et_open(state, &c);
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	add_tp(&r, H);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_MALFORMED_REQUEST);
}

static void test_x41_third_party_id_rules(void **state)
{
	struct pctl_engine_config c = tp_config();
	struct etest *t = et_open(state, &c);
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	req_opt(&r, PCTL_OPT_THIRD_PARTY_ID, "sub1", 4);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_THIRD_PARTY_MISSING_OPTION);
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	add_tp(&r, "192.0.2.50");
	req_opt(&r, PCTL_OPT_THIRD_PARTY_ID, "123456789", 9);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_UNSUPP_THIRD_PARTY_ID_LENGTH);
	assert_int_equal(LIFETIME(t), PCTL_LONG_ERROR_LIFETIME);
	c.third_party_id_enabled = false;
	t = et_open(state, &c);
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	add_tp(&r, "192.0.2.50");
	req_opt(&r, PCTL_OPT_THIRD_PARTY_ID, "sub1", 4);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_UNSUPP_OPTION);
}

static void test_x42_third_party_id_keys_separate_mappings(void **state)
{
	struct pctl_engine_config c = tp_config();
	struct etest *t = et_open(state, &c);
	struct req r;
	uint16_t ports[2];
	for (int i = 0; i < 2; i++) {
		req_map(&r, .client = H, .nonce = 1, .protocol = 6,
		        .int_port = 80, .lifetime = 600);
		add_tp(&r, "10.0.0.5");
		req_opt(&r, PCTL_OPT_THIRD_PARTY_ID, i ? "subB" : "subA", 4);
		et_send(t, H, &r);
		assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
		assert_non_null(opt(t, PCTL_OPT_THIRD_PARTY_ID));
		ports[i] = EXTPORT(t);
	}
	assert_int_equal(et_count(t), 2);
	assert_true(ports[0] != ports[1]);
}

static void test_s75_prefer_failure_disabled_unsupp_option(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.prefer_failure_enabled = false;
	struct etest *t = et_open(state, &c);
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .ext_port = 40000, .lifetime = 600);
	req_opt(&r, PCTL_OPT_PREFER_FAILURE, NULL, 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_UNSUPP_OPTION);
}

static void test_s76_prefer_failure_honoured_and_echoed(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .ext_port = 40000, .lifetime = 600);
	req_opt(&r, PCTL_OPT_PREFER_FAILURE, NULL, 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(EXTPORT(t), 40000);
	assert_non_null(opt(t, PCTL_OPT_PREFER_FAILURE));
}

static void test_s77_s78_prefer_failure_malformed_cases(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	req_opt(&r, PCTL_OPT_PREFER_FAILURE, NULL, 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_MALFORMED_OPTION);
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .ext_port = 40000, .lifetime = 0);
	req_opt(&r, PCTL_OPT_PREFER_FAILURE, NULL, 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_MALFORMED_OPTION);
	assert_int_equal(et_count(t), 0);
}

static void test_s80_filters_reach_backend_and_are_echoed(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	req_filter(&r, 120, "198.51.100.0", 0); /* T-2 */
	req_filter(&r, 128, "203.0.113.7", 443);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(t->fb.last_n_filters, 2);
	size_t n = 0;
	for (size_t i = 0; i < t->resp.n_options; i++)
		n += t->resp.options[i].code == PCTL_OPT_FILTER;
	assert_int_equal(n, 2);
}

/* S-80: FILTER is mandatory-to-process; where the data plane cannot drop
 * what it excludes (filter_enabled off), it is refused, not ignored. */
static void test_s80_filter_refused_where_it_cannot_be_enforced(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.filter_enabled = false;
	struct etest *t = et_open(state, &c);
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	req_filter(&r, 128, "203.0.113.7", 443);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_UNSUPP_OPTION);
	assert_int_equal(et_count(t), 0);
	/* Without the option the mapping is made. */
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
}

static void test_s82_s83_filters_added_on_renewal_prefix0_clears(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	req_filter(&r, 120, "198.51.100.0", 0);
	et_send(t, H, &r);
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	req_filter(&r, 128, "203.0.113.7", 0);
	et_send(t, H, &r);
	assert_int_equal(t->fb.last_n_filters, 2); /* S-83: added */
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	req_filter(&r, 0, "::", 0);
	req_filter(&r, 128, "203.0.113.8", 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(t->fb.last_n_filters, 1); /* S-82: cleared first */
}

static void test_s81_s84_filter_malformed_cases(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	req_filter(&r, 129, "198.51.100.0", 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_MALFORMED_OPTION);
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 0);
	req_filter(&r, 120, "198.51.100.0", 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_MALFORMED_OPTION);
	assert_int_equal(et_count(t), 0);
}

static void test_s86_excessive_remote_peers_no_change(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.max_filters = 1;
	struct etest *t = et_open(state, &c);
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	req_filter(&r, 128, "198.51.100.1", 0);
	req_filter(&r, 128, "198.51.100.2", 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_EXCESSIVE_REMOTE_PEERS);
	assert_int_equal(LIFETIME(t), PCTL_LONG_ERROR_LIFETIME); /* */
	assert_int_equal(et_count(t), 0);
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	req_filter(&r, 128, "198.51.100.1", 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	int refreshes = t->fb.refreshes;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	req_filter(&r, 128, "198.51.100.2", 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_EXCESSIVE_REMOTE_PEERS);
	assert_int_equal(t->fb.refreshes, refreshes);
}

static void test_s18_options_processed_in_order(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	req_filter(&r, 128, "198.51.100.1", 0);
	req_filter(&r, 0, "::", 0); /* clears what came before it only */
	req_filter(&r, 128, "198.51.100.2", 0);
	req_filter(&r, 128, "198.51.100.3", 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(t->fb.last_n_filters, 2);
}

static void test_s20_repeated_single_option_malformed(void **state)
{
	struct pctl_engine_config c = tp_config();
	struct etest *t = et_open(state, &c);
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	add_tp(&r, "192.0.2.50");
	add_tp(&r, "192.0.2.51");
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_MALFORMED_OPTION);
	assert_int_equal(et_count(t), 0);
}

static void test_s23_filter_in_peer_malformed_request(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_peer(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 5000,
	         .remote_addr = "198.51.100.5", .remote_port = 443,
	         .lifetime = 600);
	req_filter(&r, 128, "198.51.100.5", 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_MALFORMED_REQUEST);
	assert_int_equal(et_count(t), 0);
}

static void test_s85_one_bad_filter_rejects_the_request(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	et_send(t, H, &r);
	int refreshes = t->fb.refreshes;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	req_filter(&r, 128, "198.51.100.1", 0);
	req_filter(&r, 130, "198.51.100.2", 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_MALFORMED_OPTION);
	assert_int_equal(t->fb.refreshes, refreshes);
}

static void test_s87_filter_family_must_match_internal(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	req_filter(&r, 64, "2001:db8::", 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_MALFORMED_OPTION);
}

static void test_x13_description_truncated_and_echoed(void **state)
{
	struct etest *t = *state;
	struct req r;
	uint8_t d[300];
	memset(d, 'a', sizeof(d));
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	req_opt(&r, PCTL_OPT_DESCRIPTION, d, sizeof(d));
	et_send(t, H, &r);
	const struct pctl_option *o = opt(t, PCTL_OPT_DESCRIPTION);
	assert_non_null(o);
	assert_int_equal(o->len, 128);
	/* A two-octet character across the limit is not split. */
	d[127] = 0xc3;
	d[128] = 0xa9;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 81,
	        .lifetime = 600);
	req_opt(&r, PCTL_OPT_DESCRIPTION, d, 129);
	et_send(t, H, &r);
	o = opt(t, PCTL_OPT_DESCRIPTION);
	assert_int_equal(o->len, 127);
}

static void test_x12_x14_description_absent_or_invalid_not_echoed(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	et_send(t, H, &r);
	assert_null(opt(t, PCTL_OPT_DESCRIPTION));
	static const uint8_t bad[2] = {0xc0, 0x80}; /* overlong NUL */
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	req_opt(&r, PCTL_OPT_DESCRIPTION, bad, 2);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_null(opt(t, PCTL_OPT_DESCRIPTION));
}

static int find_desc(void *ctx, const struct pctl_mapping_info *m)
{
	*(size_t *)ctx = m->desc_len;
	return 0;
}

static void test_x15_description_replaced_and_erased(void **state)
{
	struct etest *t = *state;
	struct req r;
	size_t len = 99;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	req_opt(&r, PCTL_OPT_DESCRIPTION, "web", 3);
	et_send(t, H, &r);
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	req_opt(&r, PCTL_OPT_DESCRIPTION, "web server", 10);
	et_send(t, H, &r);
	pctl_engine_foreach(t->e, find_desc, &len, t->now);
	assert_int_equal(len, 10);
	/* Renewal without the option keeps it. */
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	et_send(t, H, &r);
	pctl_engine_foreach(t->e, find_desc, &len, t->now);
	assert_int_equal(len, 10);
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	req_opt(&r, PCTL_OPT_DESCRIPTION, NULL, 0);
	et_send(t, H, &r);
	const struct pctl_option *o = opt(t, PCTL_OPT_DESCRIPTION);
	assert_non_null(o);
	assert_int_equal(o->len, 0);
	pctl_engine_foreach(t->e, find_desc, &len, t->now);
	assert_int_equal(len, 0);
}

static void add_p64_request(struct req *r)
{
	uint8_t p[16] = {0, 12}; /* ::/96, count 0 */
	req_opt(r, PCTL_OPT_PREFIX64, p, 16);
}

/* S-16, W-11.2: the largest request a client may send (1100 octets: MAP,
 * 42 FILTERs, PREFIX64 and a DESCRIPTION) is answered with every option
 * processed, and the response still fits in 1100 octets: a response only
 * ever carries a subset of the request's options, so it cannot outgrow the
 * request. */
static void test_s16_largest_request_answer_fits_1100(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.max_filters = 64;
	c.prefix64_enabled = true;
	c.prefix64_len = 12;
	static const uint8_t wkp[12] = {0, 0x64, 0xff, 0x9b};
	memcpy(c.prefix64, wkp, 12);
	struct etest *t = et_open(state, &c);
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	char peer[32];
	for (int i = 0; i < 42; i++) {
		snprintf(peer, sizeof(peer), "198.51.100.%d", i + 1);
		req_filter(&r, 128, peer, 0);
	}
	add_p64_request(&r);
	req_opt(&r, PCTL_OPT_DESCRIPTION, "12345678", 8);
	assert_int_equal(r.len, PCTL_MAX_MSG);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_true(t->out_len <= PCTL_MAX_MSG);
	assert_int_equal(t->out_len % 4, 0);
	size_t filters = 0;
	for (size_t i = 0; i < t->resp.n_options; i++)
		filters += t->resp.options[i].code == PCTL_OPT_FILTER;
	assert_int_equal(filters, 42);
	assert_non_null(opt(t, PCTL_OPT_PREFIX64));
	assert_non_null(opt(t, PCTL_OPT_DESCRIPTION));
}

static void test_x23_prefix64_only_when_configured(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	add_p64_request(&r);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_null(opt(t, PCTL_OPT_PREFIX64)); /* */

	struct pctl_engine_config c;
	et_config(&c);
	c.prefix64_enabled = true;
	c.prefix64_len = 12;
	static const uint8_t wkp[12] = {0, 0x64, 0xff, 0x9b};
	memcpy(c.prefix64, wkp, 12);
	t = et_open(state, &c);
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	add_p64_request(&r);
	et_send(t, H, &r);
	const struct pctl_option *o = opt(t, PCTL_OPT_PREFIX64);
	assert_non_null(o);
	struct pctl_prefix64 p;
	assert_int_equal(pctl_prefix64_parse(o, &p), PCTL_R_SUCCESS);
	assert_int_equal(p.prefix_len, 12);
	assert_memory_equal(p.prefix, wkp, 12);
	/* And in ANNOUNCE. */
	req_announce(&r, H);
	add_p64_request(&r);
	et_send(t, H, &r);
	assert_non_null(opt(t, PCTL_OPT_PREFIX64));
}

static void add_port_set(struct req *r, uint16_t size, uint16_t first,
                         bool parity)
{
	uint8_t b[PCTL_PORT_SET_LEN];
	struct pctl_port_set ps = {size, first, parity};
	pctl_port_set_pack(&ps, b);
	req_opt(r, PCTL_OPT_PORT_SET, b, PCTL_PORT_SET_LEN);
}

/* An engine that grants port sets of up to 100 ports (RFC 7753's
 * examples; the default bound is lower). */
static struct etest *open_sets_of_100(void **state)
{
	struct pctl_engine_config cfg;
	et_config(&cfg);
	cfg.max_port_set = 100;
	return et_open(state, &cfg);
}

static void test_x3_port_set_contiguous_with_parity(void **state)
{
	struct etest *t = open_sets_of_100(state);
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 17, .int_port = 50001,
	        .lifetime = 600);
	add_port_set(&r, 100, 50001, true);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	const struct pctl_option *o = opt(t, PCTL_OPT_PORT_SET);
	assert_non_null(o);
	struct pctl_port_set ps;
	assert_int_equal(pctl_port_set_parse(o, &ps), PCTL_R_SUCCESS);
	assert_int_equal(ps.size, 100); /* */
	assert_int_equal(ps.first_internal_port, 50001);
	assert_int_equal(EXTPORT(t) & 1, 1); /* parity kept */
	assert_int_equal(t->fb.last.port_count, 100);
	uint16_t first = EXTPORT(t);
	/* Every port of the set is taken: a suggestion inside it is not
	 * granted to another host. */
	req_map(&r, .client = "192.0.2.11", .nonce = 1, .protocol = 17,
	        .int_port = 7000, .ext_port = (uint16_t)(first + 50),
	        .lifetime = 600);
	et_send(t, "192.0.2.11", &r);
	assert_true(EXTPORT(t) < first || EXTPORT(t) >= first + 100);
}

static void test_x34_port_set_of_one_ignored(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 17, .int_port = 50000,
	        .lifetime = 600);
	add_port_set(&r, 1, 50000, false);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_null(opt(t, PCTL_OPT_PORT_SET));
	assert_int_equal(t->fb.last.port_count, 1);
}

static void test_x37_port_set_deleted_as_a_unit(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 17, .int_port = 50000,
	        .lifetime = 600);
	add_port_set(&r, 10, 50000, false);
	et_send(t, H, &r);
	uint16_t first = EXTPORT(t);
	req_map(&r, .client = H, .nonce = 1, .protocol = 17, .int_port = 50000,
	        .lifetime = 0);
	add_port_set(&r, 10, 50000, false);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(t->fb.last.port_count, 10);
	assert_int_equal(et_count(t), 0);
	/* All ten ports are free again after the reuse time (S-53). */
	t->now += 120000;
	req_map(&r, .client = H, .nonce = 2, .protocol = 17, .int_port = 60000,
	        .ext_port = (uint16_t)(first + 9), .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(EXTPORT(t), first + 9);
}

static void test_x32_port_set_size_0_malformed(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 17, .int_port = 50000,
	        .lifetime = 600);
	add_port_set(&r, 0, 50000, false);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_MALFORMED_OPTION);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    ET_TEST(test_s72_third_party_prohibited_by_default),
	    ET_TEST_CFG(test_s72_third_party_from_unauthorized_host),
	    ET_TEST_CFG(test_s73_third_party_maps_other_host_and_is_echoed),
	    ET_TEST_CFG(test_s71_third_party_equal_to_source_malformed),
	    ET_TEST_CFG(test_x41_third_party_id_rules),
	    ET_TEST_CFG(test_x42_third_party_id_keys_separate_mappings),
	    ET_TEST_CFG(test_s75_prefer_failure_disabled_unsupp_option),
	    ET_TEST(test_s76_prefer_failure_honoured_and_echoed),
	    ET_TEST(test_s77_s78_prefer_failure_malformed_cases),
	    ET_TEST(test_s80_filters_reach_backend_and_are_echoed),
	    ET_TEST_CFG(test_s80_filter_refused_where_it_cannot_be_enforced),
	    ET_TEST(test_s82_s83_filters_added_on_renewal_prefix0_clears),
	    ET_TEST(test_s81_s84_filter_malformed_cases),
	    ET_TEST_CFG(test_s86_excessive_remote_peers_no_change),
	    ET_TEST(test_s18_options_processed_in_order),
	    ET_TEST_CFG(test_s20_repeated_single_option_malformed),
	    ET_TEST(test_s23_filter_in_peer_malformed_request),
	    ET_TEST(test_s85_one_bad_filter_rejects_the_request),
	    ET_TEST(test_s87_filter_family_must_match_internal),
	    ET_TEST(test_x13_description_truncated_and_echoed),
	    ET_TEST(test_x12_x14_description_absent_or_invalid_not_echoed),
	    ET_TEST(test_x15_description_replaced_and_erased),
	    ET_TEST(test_x23_prefix64_only_when_configured),
	    ET_TEST_CFG(test_s16_largest_request_answer_fits_1100),
	    ET_TEST_CFG(test_x3_port_set_contiguous_with_parity),
	    ET_TEST(test_x34_port_set_of_one_ignored),
	    ET_TEST(test_x37_port_set_deleted_as_a_unit),
	    ET_TEST(test_x32_port_set_size_0_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The external port of a new NAT44 mapping when the client's suggestion
 * cannot be taken as a whole (issue 16, black-box findings): a suggested
 * port survives a suggested address that is not the server's (S-37..S-39),
 * and without a suggestion the internal port is preferred when usable
 * (prefer-internal-port), MAP and NAT-PMP alike, while RFC 6056's random
 * choice stays for everything else.
 */
#include "etest.h"

#include <string.h>

static const char *H = "192.0.2.10";
static const char *H2 = "192.0.2.20";

static uint16_t map_port(struct etest *t, const char *h, uint16_t iport,
                         uint16_t sug, const char *sug_addr)
{
	struct req r;
	req_map(&r, .client = h, .nonce = 1, .protocol = 6, .int_port = iport,
	        .ext_port = sug, .ext_addr = sug_addr, .lifetime = 600);
	et_send(t, h, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	return EXTPORT(t);
}

static uint16_t natpmp_port(struct etest *t, const char *h, uint16_t iport,
                            uint16_t sug)
{
	struct req r;
	req_natpmp_map(&r, true, iport, sug, 3600);
	et_send(t, h, &r);
	assert_int_equal(t->nresp.result, PCTL_NATPMP_R_SUCCESS);
	return t->nresp.external_port;
}

/* libtorrent suggests its own internal address with port 6881: the address
 * is not ours, the port is free, and miniupnpd grants 6881.  So do we, on
 * our own address; also when the internal port is another one. */
static void test_s38_foreign_address_keeps_suggested_port(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.prefer_internal_port = false; /* the suggestion alone decides */
	struct etest *t = et_open(state, &c);
	assert_int_equal(map_port(t, H, 6881, 6881, H), 6881);
	assert_true(
	    pctl_addr_equal(&t->resp.external_addr, &t->cfg.ext_addrs[0]));
	assert_int_equal(map_port(t, H, 6882, 40001, "198.51.100.1"), 40001);
	/* S-39: with PREFER_FAILURE the pair must be honoured whole. */
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 6883,
	        .ext_port = 40002, .ext_addr = "198.51.100.1", .lifetime = 600);
	req_opt(&r, PCTL_OPT_PREFER_FAILURE, NULL, 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_CANNOT_PROVIDE_EXTERNAL);
}

/* No suggestion: the internal port when free, MAP and NAT-PMP; when another
 * host holds it, or it is outside port-range or reserved, a random one. */
static void test_prefer_internal_port_when_usable(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.n_reserved = 1;
	c.reserved[0].protocol = 6;
	c.reserved[0].port = 7100;
	struct etest *t = et_open(state, &c);
	assert_int_equal(map_port(t, H, 6881, 0, NULL), 6881);
	assert_int_equal(natpmp_port(t, H, 5001, 0), 5001);
	/* Another host's mapping holds 6881: not taken from it. */
	uint16_t p = map_port(t, H2, 6881, 0, NULL);
	assert_int_not_equal(p, 6881);
	assert_true(p >= c.port_min);
	/* Below port-range (1024) and reserved: never. */
	p = map_port(t, H, 80, 0, NULL);
	assert_int_not_equal(p, 80);
	assert_true(p >= 1024);
	assert_int_not_equal(map_port(t, H, 7100, 0, NULL), 7100);
	/* A suggestion still wins over the internal port (S-37). */
	assert_int_equal(map_port(t, H, 7200, 7300, NULL), 7300);
	assert_int_equal(natpmp_port(t, H, 7400, 7500), 7500);
}

/* prefer-internal-port no: the port comes from a random point, not the
 * internal port (RFC 6056; the default before issue 16). */
static void test_prefer_internal_port_off_is_random(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.prefer_internal_port = false;
	struct etest *t = et_open(state, &c);
	int same = 0;
	for (uint16_t i = 0; i < 8; i++) {
		same +=
		    map_port(t, H, (uint16_t)(20000 + i), 0, NULL) == 20000 + i;
		same +=
		    natpmp_port(t, H, (uint16_t)(30000 + i), 0) == 30000 + i;
	}
	assert_true(same < 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    ET_TEST_CFG(test_s38_foreign_address_keeps_suggested_port),
	    ET_TEST_CFG(test_prefer_internal_port_when_usable),
	    ET_TEST_CFG(test_prefer_internal_port_off_is_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

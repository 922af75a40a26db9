/*
 * The structures that grow without a new SONAME (README, ABI): a program
 * built against an older header passes a shorter struct pctl_client_config
 * or pctl_client_map_params and gets the defaults for the rest; one built
 * against a newer header passes a longer one, accepted while the fields
 * this library does not know are zero (E2BIG otherwise); a struct shorter
 * than the first release's is EINVAL; the snapshot is written only as far
 * as the program's struct goes, and zeroed past the library's.
 */
#include <errno.h>
#include <stdlib.h>

#include "harness.h"

/* The end of the last field each structure had in the first release. */
#define CONFIG_SIZE_0                                                          \
	(offsetof(struct pctl_client_config, log_arg) + sizeof(void *))
#define PARAMS_SIZE_0                                                          \
	(offsetof(struct pctl_client_map_params, keep) + sizeof(bool))
#define NEWER 64 /* octets a newer header might have added */

/* A newer program's config: ours, then NEWER octets of tail. */
struct newer_config {
	struct pctl_client_config cfg;
	unsigned char tail[NEWER];
};
struct newer_params {
	struct pctl_client_map_params p;
	unsigned char tail[NEWER];
};

static void test_config_sizes(void **state)
{
	struct newer_config n;
	struct pctl_client *c;
	(void)state;

	/* An older program's config: the library reads CONFIG_SIZE_0 octets
	 * and what follows (nothing yet) takes its default. */
	memset(&n, 0xee, sizeof(n));
	pctl_client_config_init_sized(&n.cfg, CONFIG_SIZE_0);
	assert_int_equal(n.cfg.irt_ms, PCTL_CLIENT_IRT_MS);
	assert_int_equal(n.cfg.max_lifetime, PCTL_CLIENT_MAX_LIFETIME);
	c = pctl_client_new_sized(&n.cfg, CONFIG_SIZE_0);
	assert_non_null(c);
	pctl_client_free(c);

	errno = 0;
	assert_null(pctl_client_new_sized(&n.cfg, CONFIG_SIZE_0 - 1));
	assert_int_equal(errno, EINVAL);

	/* A newer program's: init zeroes the tail the library does not
	 * know, which is then accepted; a non-zero tail is not. */
	memset(&n, 0xee, sizeof(n));
	pctl_client_config_init_sized(&n.cfg, sizeof(n));
	for (size_t i = 0; i < NEWER; i++)
		assert_int_equal(n.tail[i], 0);
	c = pctl_client_new_sized(&n.cfg, sizeof(n));
	assert_non_null(c);
	pctl_client_free(c);
	n.tail[NEWER - 1] = 1;
	errno = 0;
	assert_null(pctl_client_new_sized(&n.cfg, sizeof(n)));
	assert_int_equal(errno, E2BIG);
}

static void test_params_sizes(void **state)
{
	struct h h;
	struct newer_params n;
	struct pctl_client_map *m;
	(void)state;

	h_init(&h);
	memset(&n, 0, sizeof(n));
	n.p = h_map_params(6, 8080, 600);
	m = pctl_client_map_new_sized(h.c, &n.p, sizeof(n), h_cb, &h);
	assert_non_null(m);
	pctl_client_map_free(m);
	m = pctl_client_map_new_sized(h.c, &n.p, PARAMS_SIZE_0, h_cb, &h);
	assert_non_null(m);
	pctl_client_map_free(m);

	errno = 0;
	assert_null(
	    pctl_client_map_new_sized(h.c, &n.p, PARAMS_SIZE_0 - 1, h_cb, &h));
	assert_int_equal(errno, EINVAL);
	n.tail[0] = 1;
	errno = 0;
	assert_null(pctl_client_map_new_sized(h.c, &n.p, sizeof(n), h_cb, &h));
	assert_int_equal(errno, E2BIG);
	errno = 0;
	assert_null(
	    pctl_client_map_delete_new_sized(h.c, &n.p, sizeof(n), h_cb, &h));
	assert_int_equal(errno, E2BIG);
	h_done(&h);
}

static void test_info_sizes(void **state)
{
	struct h h;
	struct pctl_client_map_params p;
	struct pctl_client_map *m;
	struct {
		struct pctl_client_map_info info;
		unsigned char tail[NEWER];
	} n;
	size_t half = offsetof(struct pctl_client_map_info, server_addr);
	(void)state;

	h_init(&h);
	p = h_map_params(6, 8080, 600);
	m = pctl_client_map_new(h.c, &p, h_cb, &h);
	assert_non_null(m);
	/* A newer program's snapshot: the tail is zeroed. */
	memset(&n, 0xee, sizeof(n));
	pctl_client_map_get_info_sized(m, &n.info, sizeof(n));
	assert_int_equal(n.info.internal_port, 8080);
	for (size_t i = 0; i < NEWER; i++)
		assert_int_equal(n.tail[i], 0);
	/* An older (shorter) one: nothing past its end is written. */
	memset(&n, 0xee, sizeof(n));
	pctl_client_map_get_info_sized(m, &n.info, half);
	assert_int_equal(n.info.internal_port, 8080);
	assert_int_equal(((unsigned char *)&n.info)[half], 0xee);
	pctl_client_map_free(m);
	h_done(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config_sizes),
	    cmocka_unit_test(test_params_sizes),
	    cmocka_unit_test(test_info_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

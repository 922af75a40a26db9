/*
 * The control socket's view of UPnP IGD mappings (issue 11): `list` names
 * their kind "upnp", `stats` counts them (mappings_upnp) and the UPnP
 * actions served (upnp_requests), text and JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../server/upnp.h"
#include "control.h"

#define NOW 1000000

static struct pctl_backend be;

static struct pctl_engine *engine_with_upnp_mapping(void)
{
	struct pctl_engine_config c;
	char err[64];

	pctl_engine_config_defaults(&c);
	c.n_ext_addrs = 1;
	assert_int_equal(pctl_addr_from_str(&c.ext_addrs[0], "203.0.113.1"), 0);
	c.port_seed = 1;
	assert_int_equal(pctl_backend_none_open(NULL, &be, err, sizeof(err)),
	                 0);
	struct pctl_engine *e = pctl_engine_new(&c, &be, NOW);
	assert_non_null(e);
	struct pctl_upnp_req rq = {.now_ms = NOW, .version = 2};
	assert_int_equal(pctl_addr_from_str(&rq.src, "192.0.2.10"), 0);
	struct pctl_upnp_map m = {.protocol = 6,
	                          .ext_port = 8080,
	                          .int_addr = rq.src,
	                          .int_port = 80,
	                          .lease = 3600,
	                          .enabled = true};
	assert_int_equal(pctl_upnp_add(e, &rq, &m, false), PCTL_UPNP_OK);
	pctl_addr any;
	memset(&any, 0, sizeof(any));
	assert_int_equal(pctl_upnp_delete(e, &rq, &any, 9999, 6),
	                 PCTL_UPNP_E_NO_SUCH_ENTRY_IN_ARRAY);
	return e;
}

/* The response to one request line, with a list's pages (malloc'd). */
static char *run(struct pctl_engine *e, const char *line)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct pctld_list l;

	assert_non_null(out);
	int rc = pctld_control_exec(e, line, out, NOW, &l);
	assert_true(rc >= 0);
	while (rc == 1 && !pctld_control_list_page(e, &l, out, 64, NOW))
		;
	fclose(out);
	return buf;
}

static void test_list_names_upnp_kind(void **state)
{
	(void)state;
	struct pctl_engine *e = engine_with_upnp_mapping();
	char *s = run(e, "list");
	assert_non_null(strstr(s, " upnp tcp 192.0.2.10:80 -> "
	                          "203.0.113.1:8080 "));
	free(s);
	s = run(e, "list json");
	assert_non_null(strstr(s, "\"kind\":\"upnp\""));
	free(s);
	pctl_engine_free(e);
}

static void test_stats_count_upnp(void **state)
{
	(void)state;
	struct pctl_engine *e = engine_with_upnp_mapping();
	char *s = run(e, "stats");
	assert_non_null(strstr(s, "\nmappings_upnp 1\n"));
	assert_non_null(strstr(s, "\nupnp_requests 2\n"));
	free(s);
	s = run(e, "stats json");
	assert_non_null(strstr(s, "\"mappings_upnp\":1"));
	assert_non_null(strstr(s, "\"upnp_requests\":2"));
	free(s);
	pctl_engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_list_names_upnp_kind),
	    cmocka_unit_test(test_stats_count_upnp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

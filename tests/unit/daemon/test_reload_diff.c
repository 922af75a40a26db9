/*
 * What a SIGHUP cannot apply (issue 16): `hairpin yes` and the other
 * directives that shape what the daemon opened at start are named in the
 * reload's warning; engine settings, which a reload applies, are not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "reload_diff.h"

static struct pctld_config running, fresh;

/* Both configurations from the defaults plus one line each (NULL: none). */
static void two(const char *run_line, const char *new_line)
{
	char line[128], err[PCTLD_ERR_MAX];

	pctld_config_defaults(&running);
	pctld_config_defaults(&fresh);
	if (run_line) {
		strcpy(line, run_line);
		assert_int_equal(
		    pctld_config_line(&running, line, err, sizeof(err)), 0);
	}
	if (new_line) {
		strcpy(line, new_line);
		assert_int_equal(
		    pctld_config_line(&fresh, line, err, sizeof(err)), 0);
	}
}

static void test_hairpin_change_is_named(void **state)
{
	char buf[256];

	(void)state;
	two(NULL, "hairpin yes");
	assert_int_equal(
	    pctld_reload_restart_only(&running, &fresh, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "hairpin");
	two("hairpin yes", "hairpin yes");
	assert_int_equal(
	    pctld_reload_restart_only(&running, &fresh, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

/* Every start-only directive is named; engine settings are applied live
 * and never named. */
static void test_each_start_only_directive(void **state)
{
	static const struct {
		const char *line, *name;
	} cases[] = {
	    {"listen 192.0.2.1", "listen"},
	    {"internal-interface eth1", "internal-interface"},
	    {"external-interface eth0", "external-interface"},
	    {"control /tmp/x.sock", "control"},
	    {"backend nftables", "backend"},
	    {"nft-table other", "nft-table"},
	    {"state-dir /tmp/state", "state-dir"},
	    {"journal no", "journal"},
	    {"pidfile /tmp/p.pid", "pidfile"},
	    {"user daemon", "user"},
	    {"socket-rcvbuf 65536", "socket-rcvbuf"},
	    {"allow-any-interface yes", "allow-any-interface"},
	};
	static const char *const live[] = {
	    "max-lifetime 600", "prefer-internal-port no", "on-stop flush",
	    "multicast-announce no", "allow-self yes"};
	char buf[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		two(NULL, cases[i].line);
		assert_int_equal(pctld_reload_restart_only(&running, &fresh,
		                                           buf, sizeof(buf)),
		                 1);
		assert_string_equal(buf, cases[i].name);
	}
	for (size_t i = 0; i < sizeof(live) / sizeof(live[0]); i++) {
		two(NULL, live[i]);
		assert_int_equal(pctld_reload_restart_only(&running, &fresh,
		                                           buf, sizeof(buf)),
		                 0);
	}
}

/* Several at once, joined; a short buffer is cut, never overrun, and the
 * count stays right. */
static void test_several_and_short_buffer(void **state)
{
	char buf[256], small[8];

	(void)state;
	two(NULL, "hairpin yes");
	char line[] = "journal no";
	char err[PCTLD_ERR_MAX];
	assert_int_equal(pctld_config_line(&fresh, line, err, sizeof(err)), 0);
	assert_int_equal(
	    pctld_reload_restart_only(&running, &fresh, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "hairpin, journal");
	memset(small, 'x', sizeof(small));
	assert_int_equal(
	    pctld_reload_restart_only(&running, &fresh, small, sizeof(small)),
	    2);
	assert_string_equal(small, "hairpin");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hairpin_change_is_named),
	    cmocka_unit_test(test_each_start_only_directive),
	    cmocka_unit_test(test_several_and_short_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

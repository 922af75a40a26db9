/*
 * Issue 11: the UPnP directives of portctld.conf(5) (upnp, upnp-http-port,
 * upnp-igd-version, upnp-friendly-name, upnp-uuid, upnp-secure-mode,
 * upnp-notify-interval): defaults, precise errors with line numbers, the
 * refusal of `upnp yes` without internal-interface, the UUID derived from
 * the machine id, and which of them a reload leaves for the next start.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "reload_diff.h"
#include "tmpfile.h"
#include "upnp_config.h"

static char *const path = pctl_test_path;

static int load(struct pctld_config *cfg, const char *text, char *err)
{
	pctl_test_write_file(text);
	pctld_config_defaults(cfg);
	return pctld_config_load(cfg, path, err, PCTLD_ERR_MAX);
}

/* err is "FILE:LINE: reason": the part after the file name. */
static void load_fails(const char *text, const char *want)
{
	static struct pctld_config cfg;
	char err[PCTLD_ERR_MAX] = "";

	assert_int_equal(load(&cfg, text, err), -1);
	assert_non_null(strstr(err, path));
	if (!strstr(err, want))
		fail_msg("error '%s' lacks '%s'", err, want);
}

static void test_defaults(void **state)
{
	static struct pctld_config cfg;
	char notes[1024], err[PCTLD_ERR_MAX];

	(void)state;
	pctld_config_defaults(&cfg);
	assert_false(cfg.upnp.enabled); /* no authentication: opt in */
	assert_int_equal(cfg.upnp.http_port, 5000);
	assert_int_equal(cfg.upnp.igd_version, 2);
	assert_int_equal(cfg.upnp.notify_interval, 900);
	assert_true(cfg.engine.upnp_secure_mode);
	/* upnp no: no interface needed, nothing derived. */
	assert_int_equal(
	    pctld_config_finish(&cfg, notes, sizeof(notes), err, sizeof(err)),
	    0);
	assert_string_equal(cfg.upnp.uuid, "");
	assert_null(strstr(notes, "UPnP"));
}

static void test_directives(void **state)
{
	static struct pctld_config cfg;
	char err[PCTLD_ERR_MAX] = "", notes[1024];

	(void)state;
	assert_int_equal(
	    load(&cfg,
	         "internal-interface lan0\n"
	         "upnp yes\n"
	         "upnp-http-port 2869\n"
	         "upnp-igd-version 1\n"
	         "upnp-friendly-name  Home   router \xc3\xa9t\xc3\xa9 # c\n"
	         "upnp-uuid 0123ABCD-89ab-cdef-0123-456789ABCDEF\n"
	         "upnp-secure-mode no\n"
	         "upnp-notify-interval 60\n",
	         err),
	    0);
	assert_true(cfg.upnp.enabled);
	assert_int_equal(cfg.upnp.http_port, 2869);
	assert_int_equal(cfg.upnp.igd_version, 1);
	assert_string_equal(cfg.upnp.friendly_name,
	                    "Home router \xc3\xa9t\xc3\xa9");
	assert_string_equal(cfg.upnp.uuid,
	                    "0123abcd-89ab-cdef-0123-456789abcdef");
	assert_false(cfg.engine.upnp_secure_mode);
	assert_int_equal(cfg.upnp.notify_interval, 60);
	assert_int_equal(
	    pctld_config_finish(&cfg, notes, sizeof(notes), err, sizeof(err)),
	    0);
	/* Given values stay as given. */
	assert_string_equal(cfg.upnp.uuid,
	                    "0123abcd-89ab-cdef-0123-456789abcdef");
	assert_string_equal(cfg.upnp.friendly_name,
	                    "Home router \xc3\xa9t\xc3\xa9");
	assert_non_null(strstr(notes, "UPnP IGD:1"));
	assert_non_null(strstr(notes, "port 2869"));
}

static void test_bad_values(void **state)
{
	(void)state;
	load_fails("upnp maybe\n", ":1: 'maybe' is not yes or no");
	load_fails("\nupnp-http-port 0\n",
	           ":2: '0' is not a number from 1 to 65535");
	load_fails("upnp-http-port 65536\n", "not a number from 1 to 65535");
	load_fails("upnp-igd-version 3\n",
	           ":1: '3' is not a number from 1 to 2");
	load_fails("upnp-notify-interval 59\n",
	           "'59' is not a number from 60 to 900");
	load_fails("upnp-notify-interval 901\n", "from 60 to 900");
	load_fails("upnp-uuid uuid:0123abcd-89ab-cdef-0123-456789abcdef\n",
	           "is not a UUID such as");
	load_fails("upnp-uuid 0123abcd-89ab-cdef-0123-456789abcdeg\n",
	           "is not a UUID");
	load_fails("upnp-uuid 0123abcd89ab-cdef-0123-456789abcdef0\n",
	           "is not a UUID");
	load_fails("upnp-uuid 0123abcd-89ab-cdef-0123-456789abcdef0\n",
	           "is not a UUID");
	load_fails("upnp-friendly-name "
	           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "
	           "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n",
	           "the name is longer than 64 bytes");
	load_fails("upnp-friendly-name ok \xc3(\n",
	           ":1: byte 4 of the name is not printable UTF-8");
	load_fails("upnp-friendly-name \xed\xa0\x80\n", "not printable UTF-8");
	load_fails("upnp-friendly-name\n", "upnp-friendly-name takes 1 to");
	load_fails("upnp-secure-mode sometimes\n", "is not yes or no");
}

static void test_name_of_64_bytes(void **state)
{
	static struct pctld_config cfg;
	char err[PCTLD_ERR_MAX] = "";
	char line[128];

	(void)state;
	snprintf(line, sizeof(line), "upnp-friendly-name %.31s %.32s\n",
	         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	         "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	assert_int_equal(load(&cfg, line, err), 0);
	assert_int_equal(strlen(cfg.upnp.friendly_name), 64);
}

static void test_upnp_needs_internal_interface(void **state)
{
	static struct pctld_config cfg;
	char err[PCTLD_ERR_MAX] = "", notes[1024];

	(void)state;
	assert_int_equal(
	    load(&cfg,
	         "upnp yes\nupnp-uuid 0123abcd-89ab-cdef-0123-456789abcdef\n",
	         err),
	    0);
	assert_int_equal(
	    pctld_config_finish(&cfg, notes, sizeof(notes), err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "upnp yes needs internal-interface"));

	assert_int_equal(
	    load(&cfg,
	         "upnp yes\ninternal-interface wan0\n"
	         "external-interface wan0\nbackend none\n"
	         "upnp-uuid 0123abcd-89ab-cdef-0123-456789abcdef\n",
	         err),
	    0);
	assert_int_equal(
	    pctld_config_finish(&cfg, notes, sizeof(notes), err, sizeof(err)),
	    -1);
	assert_non_null(strstr(
	    err, "wan0 is both internal-interface and external-interface"));
}

static void test_uuid_from_machine_id(void **state)
{
	char a[37], b[37], c[37], err[PCTLD_ERR_MAX];

	(void)state;
	assert_int_equal(pctld_upnp_uuid_from_machine_id(
	                     "3d1219c7c4c5404aaa1f6d2a48adfda4", a),
	                 0);
	/* Stable: the same id, the same UUID (a restart changes nothing). */
	assert_int_equal(pctld_upnp_uuid_from_machine_id(
	                     "3d1219c7c4c5404aaa1f6d2a48adfda4\n", b),
	                 0);
	assert_string_equal(a, b);
	/* Another machine, another UUID. */
	assert_int_equal(pctld_upnp_uuid_from_machine_id(
	                     "3d1219c7c4c5404aaa1f6d2a48adfda5", c),
	                 0);
	assert_string_not_equal(a, c);
	/* The layout: 8-4-4-4-12, version 5, variant 10, no trace of the
	 * id itself. */
	assert_int_equal(strlen(a), 36);
	assert_int_equal(a[8], '-');
	assert_int_equal(a[13], '-');
	assert_int_equal(a[18], '-');
	assert_int_equal(a[23], '-');
	assert_int_equal(a[14], '5');
	assert_non_null(strchr("89ab", a[19]));
	assert_null(strstr(a, "3d1219c7"));
	/* The pinned value: a change of the derivation would change every
	 * router's UUID, which control points remember. */
	assert_string_equal(a, "2fa69ddc-1657-59ab-997c-d3519c75689f");

	assert_int_equal(pctld_upnp_uuid_from_machine_id("3d1219c7", c), -1);
	assert_int_equal(pctld_upnp_uuid_from_machine_id(
	                     "3d1219c7c4c5404aaa1f6d2a48adfdaX", c),
	                 -1);
	assert_int_equal(pctld_upnp_uuid_from_machine_id(
	                     "3d1219c7c4c5404aaa1f6d2a48adfda4x", c),
	                 -1);

	pctl_test_write_file("3d1219c7c4c5404aaa1f6d2a48adfda4\n");
	assert_int_equal(pctld_upnp_uuid_from_file(path, b, err, sizeof(err)),
	                 0);
	assert_string_equal(a, b);
	pctl_test_write_file("uninitialized\n");
	assert_int_equal(pctld_upnp_uuid_from_file(path, b, err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "does not hold a machine id"));
	assert_int_equal(pctld_upnp_uuid_from_file("/nonexistent/machine-id", b,
	                                           err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "set upnp-uuid"));
}

/* pctld_upnp_config_finish fills the defaults from the host. */
static void test_finish_derives_defaults(void **state)
{
	struct pctld_upnp_config u;
	const char ifs[1][IF_NAMESIZE] = {"lan0"};
	char err[PCTLD_ERR_MAX], want[37];

	(void)state;
	pctld_upnp_config_defaults(&u);
	u.enabled = true;
	pctl_test_write_file("00000000000000000000000000000001\n");
	assert_int_equal(
	    pctld_upnp_config_finish(&u, 1, ifs, "", path, err, sizeof(err)),
	    0);
	assert_int_equal(pctld_upnp_uuid_from_machine_id(
	                     "00000000000000000000000000000001", want),
	                 0);
	assert_string_equal(u.uuid, want);
	assert_memory_equal(u.friendly_name, "portctl on ", 11);
	assert_true(strlen(u.friendly_name) > 11);

	/* No machine id and no upnp-uuid: refused, with the way out. */
	pctld_upnp_config_defaults(&u);
	u.enabled = true;
	assert_int_equal(pctld_upnp_config_finish(&u, 1, ifs, "",
	                                          "/nonexistent/machine-id",
	                                          err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "set upnp-uuid"));
}

static void test_reload_names_upnp_directives(void **state)
{
	static struct pctld_config a, b;
	char later[512];

	(void)state;
	pctld_config_defaults(&a);
	b = a;
	assert_int_equal(
	    pctld_reload_restart_only(&a, &b, later, sizeof(later)), 0);
	b.upnp.enabled = true;
	b.upnp.http_port = 5001;
	b.upnp.igd_version = 1;
	strcpy(b.upnp.friendly_name, "x");
	strcpy(b.upnp.uuid, "0123abcd-89ab-cdef-0123-456789abcdef");
	b.upnp.notify_interval = 300;
	assert_int_equal(
	    pctld_reload_restart_only(&a, &b, later, sizeof(later)), 6);
	assert_string_equal(later, "upnp, upnp-http-port, upnp-igd-version, "
	                           "upnp-friendly-name, upnp-uuid, "
	                           "upnp-notify-interval");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_defaults, pctl_test_remove_file),
	    cmocka_unit_test_teardown(test_directives, pctl_test_remove_file),
	    cmocka_unit_test_teardown(test_bad_values, pctl_test_remove_file),
	    cmocka_unit_test_teardown(test_name_of_64_bytes,
	                              pctl_test_remove_file),
	    cmocka_unit_test_teardown(test_upnp_needs_internal_interface,
	                              pctl_test_remove_file),
	    cmocka_unit_test_teardown(test_uuid_from_machine_id,
	                              pctl_test_remove_file),
	    cmocka_unit_test_teardown(test_finish_derives_defaults,
	                              pctl_test_remove_file),
	    cmocka_unit_test_teardown(test_reload_names_upnp_directives,
	                              pctl_test_remove_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

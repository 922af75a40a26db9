/*
 * Nonce persistence (C-13): a later process finds the nonce an earlier one
 * used, entries are replaced and removed by identity, broken lines are
 * skipped, and the default path follows XDG_STATE_HOME / HOME.
 */
#include "harness.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

static void entry(struct pctl_state_entry *e, uint16_t port, uint8_t n0)
{
	memset(e, 0, sizeof(*e));
	pctl_addr_from_str(&e->server, "192.0.2.1");
	e->server_port = 5351;
	e->opcode = PCTL_OP_MAP;
	e->protocol = 6;
	e->internal_port = port;
	pctl_addr_set_any(&e->remote_addr, true);
	for (int i = 0; i < PCTL_NONCE_LEN; i++)
		e->nonce[i] = (uint8_t)(n0 + i);
	pctl_addr_from_str(&e->external_addr, "203.0.113.1");
	e->external_port = 40000;
	e->expires = 1900000000;
}

static void tmp_path(char *buf, size_t len)
{
	char dir[] = "/tmp/pctl-state-XXXXXX";
	assert_non_null(mkdtemp(dir));
	snprintf(buf, len, "%s/sub/mappings", dir);
}

static void cleanup(const char *path)
{
	char buf[512];
	unlink(path);
	snprintf(buf, sizeof(buf), "%s.lock", path);
	unlink(buf);
	snprintf(buf, sizeof(buf), "%s", path);
	*strrchr(buf, '/') = 0;
	rmdir(buf);
	*strrchr(buf, '/') = 0;
	rmdir(buf);
}

/* No entry with k's identity: -1 with errno ENOENT (also without a file). */
static void assert_absent(const char *path, const struct pctl_state_entry *k)
{
	struct pctl_state_entry out;

	errno = 0;
	assert_int_equal(pctl_state_find(path, k, &out), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_c13_nonce_round_trip(void **state)
{
	char path[256];
	struct pctl_state_entry a, b, key, out;
	struct stat st;
	(void)state;

	tmp_path(path, sizeof(path));
	entry(&a, 80, 1);
	entry(&b, 81, 50);
	assert_absent(path, &a); /* no file */
	assert_int_equal(pctl_state_put(path, &a), 0);
	assert_int_equal(pctl_state_put(path, &b), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	key = a;
	memset(key.nonce, 0, sizeof(key.nonce));
	assert_int_equal(pctl_state_find(path, &key, &out), 0);
	assert_memory_equal(out.nonce, a.nonce, PCTL_NONCE_LEN);
	assert_int_equal(out.external_port, 40000);
	assert_int_equal(out.expires, 1900000000);
	/* any server matches an all-zeros key server */
	memset(&key.server, 0, sizeof(key.server));
	assert_int_equal(pctl_state_find(path, &key, &out), 0);
	/* replace by identity */
	a.nonce[0] = 0xee;
	assert_int_equal(pctl_state_put(path, &a), 0);
	assert_int_equal(pctl_state_find(path, &a, &out), 0);
	assert_int_equal(out.nonce[0], 0xee);
	/* another protocol is another mapping */
	key = a;
	key.protocol = 17;
	assert_absent(path, &key);
	assert_int_equal(pctl_state_remove(path, &a), 0);
	assert_absent(path, &a);
	assert_int_equal(pctl_state_find(path, &b, &out), 0);
	assert_int_equal(pctl_state_remove(path, &b), 0);
	cleanup(path);
}

static void test_broken_lines_skipped(void **state)
{
	char path[256];
	struct pctl_state_entry a, out;
	FILE *f;
	(void)state;

	tmp_path(path, sizeof(path));
	entry(&a, 90, 7);
	assert_int_equal(pctl_state_put(path, &a), 0);
	f = fopen(path, "a");
	fputs("garbage\npctl1 1.2.3.4 x\n\npctl1 192.0.2.1 5351 1 6 91 - "
	      "0.0.0.0 0 zz0102030405060708090a0b 203.0.113.1 1 0\n",
	      f);
	fclose(f);
	assert_int_equal(pctl_state_find(path, &a, &out), 0);
	a.internal_port = 91;
	assert_absent(path, &a);
	/* a rewrite drops the garbage */
	a.internal_port = 90;
	assert_int_equal(pctl_state_remove(path, &a), 0);
	f = fopen(path, "r");
	assert_int_equal(fgetc(f), EOF);
	fclose(f);
	cleanup(path);
}

static void test_default_path(void **state)
{
	char buf[256];
	(void)state;
	if (geteuid() == 0) {
		assert_string_equal(pctl_state_default_path(buf, sizeof(buf)),
		                    "/run/portctl/mappings");
		return;
	}
	setenv("XDG_STATE_HOME", "/x/state", 1);
	assert_string_equal(pctl_state_default_path(buf, sizeof(buf)),
	                    "/x/state/portctl/mappings");
	unsetenv("XDG_STATE_HOME");
	setenv("HOME", "/home/u", 1);
	assert_string_equal(pctl_state_default_path(buf, sizeof(buf)),
	                    "/home/u/.local/state/portctl/mappings");
	assert_null(pctl_state_default_path(buf, 8));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_c13_nonce_round_trip),
	    cmocka_unit_test(test_broken_lines_skipped),
	    cmocka_unit_test(test_default_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * What a start checks before it touches anything, and what a second daemon
 * may not take from the first (issue 15, items 1, 2, 10, 12-13): the
 * loopback half, with the none backend (tests/netns/e2e_lifecycle.sh proves
 * the same for the nftables table and a full disk).
 *
 * A failed start must leave the journal byte for byte as it found it; a
 * second daemon with the same state directory or control socket must refuse
 * without taking either from the first; `portctld -n` reports what a start
 * would refuse.  Address 127.26.0.x belongs to this file.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define SERVER "127.26.0.1"
#define HOST_A "127.26.0.2"

static const uint8_t nonce_a[12] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8};

struct fixture {
	struct daemon d;
	char state[160];   /* the state directory the harness passes */
	char journal[192]; /* its journal */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	daemon_init(&f->d, SERVER, 0);
	daemon_write_conf(&f->d, "journal yes\n");
	snprintf(f->state, sizeof(f->state), "%s/state", f->d.dir);
	snprintf(f->journal, sizeof(f->journal), "%s/portctld.journal",
	         f->state);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	daemon_cleanup(&f->d);
	free(f);
	return 0;
}

/* The whole file, malloc'd (NULL when it cannot be read); *n its size. */
static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(1 << 20);

	*n = 0;
	if (!f || !buf) {
		if (f)
			fclose(f);
		free(buf);
		return NULL;
	}
	*n = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

/* A daemon with one mapping, killed with -9: a journal to protect. */
static void crash_with_a_mapping(struct fixture *f)
{
	struct pctl_msg r;
	int fa = client_open(HOST_A, 0);

	assert_int_equal(daemon_start(&f->d, NULL), 0);
	assert_int_equal(
	    pcp_map(fa, &f->d, HOST_A, nonce_a, 6, 7000, 0, 600, &r),
	    PCTL_R_SUCCESS);
	close(fa);
	assert_int_equal(daemon_signal(&f->d, SIGKILL), 128 + SIGKILL);
}

/* portctld with the harness's arguments plus `more`; its exit status, its
 * output in *out. */
static int run_portctld(struct fixture *f, const char *more, char **out)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
	         "%s -f -c %s --listen %s:%u --control %s --state-dir %s %s "
	         "2>&1",
	         PORTCTLD_PATH, f->d.conf, SERVER, f->d.port, f->d.control,
	         f->state, more);
	return run_command(cmd, out);
}

/* portctld ... `more` exits 1 saying `text`. */
static void assert_refused(struct fixture *f, const char *more,
                           const char *text)
{
	char *out = NULL;

	assert_int_equal(run_portctld(f, more, &out), 1);
	assert_non_null(strstr(out, text));
	free(out);
}

/* The journal is exactly what it was. */
static void assert_journal(const struct fixture *f, const char *before,
                           size_t n)
{
	size_t m;
	char *now = slurp(f->journal, &m);

	assert_non_null(now);
	assert_int_equal(m, n);
	assert_memory_equal(now, before, n);
	free(now);
}

/* Item 1: a typo in `user` is found before anything is touched, and said
 * plainly; the journal a kill -9 left is not deleted. */
static void test_user_typo_changes_nothing(void **state)
{
	struct fixture *f = *state;
	size_t n;
	char *before, *out = NULL;

	crash_with_a_mapping(f);
	before = slurp(f->journal, &n);
	assert_non_null(before);
	assert_true(n > 0);
	assert_int_equal(run_portctld(f, "--user nosuchuser", &out), 1);
	assert_non_null(strstr(out, "user 'nosuchuser' does not exist"));
	assert_null(strstr(out, "state-dir"));
	free(out);
	assert_journal(f, before, n);
	/* -n finds the same (item 12: -n checks what a start checks). */
	assert_refused(f, "-n --user nosuchuser",
	               "user 'nosuchuser' does not exist");
	/* And the mapping is still there for a correct start. */
	assert_int_equal(daemon_start(&f->d, NULL), 0);
	out = control_request(&f->d, "list");
	assert_non_null(strstr(out, "127.26.0.2:7000 "));
	free(out);
	free(before);
}

/* Item 1: a journal path that is a symlink or a directory is refused with a
 * precise reason, and neither it nor what it points to changes. */
static void test_journal_path_must_be_a_regular_file(void **state)
{
	struct fixture *f = *state;
	char aside[224], *before;
	size_t n;

	crash_with_a_mapping(f);
	snprintf(aside, sizeof(aside), "%s/journal-elsewhere", f->d.dir);
	assert_int_equal(rename(f->journal, aside), 0);
	assert_int_equal(symlink(aside, f->journal), 0);
	before = slurp(aside, &n);
	assert_refused(f, "", "is a symbolic link, not a regular file");
	assert_refused(f, "-n", "is a symbolic link, not a regular file");
	{
		size_t m;
		char *now = slurp(aside, &m);
		assert_int_equal(m, n);
		assert_memory_equal(now, before, n);
		free(now);
	}
	free(before);

	assert_int_equal(unlink(f->journal), 0);
	assert_int_equal(mkdir(f->journal, 0700), 0);
	assert_refused(f, "", "is a directory, not a regular file");
}

/* Item 2: a second daemon with the same state directory, or the same
 * control socket, refuses and leaves the first one whole: its socket still
 * answers, its mappings are still listed. */
static void test_second_daemon_refused(void **state)
{
	struct fixture *f = *state;
	char other[192], cmd[1024], *out = NULL, *list;
	struct pctl_msg r;
	int fa = client_open(HOST_A, 0);
	struct daemon d2;

	assert_int_equal(daemon_start(&f->d, NULL), 0);
	assert_int_equal(
	    pcp_map(fa, &f->d, HOST_A, nonce_a, 6, 7000, 0, 600, &r),
	    PCTL_R_SUCCESS);
	close(fa);
	list = control_request(&f->d, "list");

	/* Same state directory, control socket of its own. */
	daemon_init(&d2, SERVER, 0);
	snprintf(cmd, sizeof(cmd),
	         "%s -f -c %s --listen %s:%u --control %s --state-dir %s 2>&1",
	         PORTCTLD_PATH, f->d.conf, SERVER, d2.port, d2.control,
	         f->state);
	assert_int_equal(run_command(cmd, &out), 1);
	assert_non_null(strstr(out, "state directory in use by another"));
	free(out);

	/* Same control socket, state directory of its own. */
	snprintf(other, sizeof(other), "%s/state", d2.dir);
	snprintf(cmd, sizeof(cmd),
	         "%s -f -c %s --listen %s:%u --control %s --state-dir %s 2>&1",
	         PORTCTLD_PATH, f->d.conf, SERVER, d2.port, f->d.control,
	         other);
	assert_int_equal(run_command(cmd, &out), 1);
	assert_non_null(strstr(out, "another portctld answers there"));
	free(out);
	daemon_cleanup(&d2);

	/* -n next to the running daemon: fine, with a note. */
	assert_int_equal(run_portctld(f, "-n", &out), 0);
	assert_non_null(strstr(out, "configuration OK"));
	assert_non_null(strstr(out, "a start now would refuse"));
	free(out);

	/* The first daemon is untouched: the same mapping (the lifetime left
	 * may have gone down meanwhile). */
	out = control_request(&f->d, "list");
	assert_non_null(out);
	assert_non_null(strstr(list, " lifetime "));
	*strstr(list, " lifetime ") = '\0';
	assert_non_null(strstr(out, list));
	free(out);
	free(list);
	assert_int_equal(daemon_signal(&f->d, SIGTERM), 0);
}

/* Item 10: `user` never takes over a directory that is not portctld's: a
 * root directory holding other files (state-dir /var/lib) and another
 * user's directory are refused, unchanged; an empty root-owned one (a
 * start as root made it) is adopted. */
static void test_state_dir_not_handed_over(void **state)
{
	struct fixture *f = *state;
	struct passwd *pw = getpwnam("nobody");
	char other[224];
	struct stat st;

	if (getuid() != 0 || !pw) {
		skip();
		return;
	}
	assert_int_equal(mkdir(f->state, 0700), 0);
	snprintf(other, sizeof(other), "%s/someone-elses-data", f->state);
	assert_int_equal(close(open(other, O_WRONLY | O_CREAT, 0600)), 0);
	assert_refused(f, "--user nobody",
	               "holds files that are not portctld's");
	assert_refused(f, "-n --user nobody",
	               "holds files that are not portctld's");
	assert_int_equal(stat(f->state, &st), 0);
	assert_int_equal(st.st_uid, 0);

	assert_int_equal(chown(f->state, 4242, 4242), 0);
	assert_refused(f, "--user nobody",
	               "belongs to uid 4242, not to nobody");
	assert_int_equal(stat(f->state, &st), 0);
	assert_int_equal(st.st_uid, 4242);

	assert_int_equal(chown(f->state, 0, 0), 0);
	assert_int_equal(unlink(other), 0);
	{
		const char *extra[] = {"--user", "nobody", NULL};
		assert_int_equal(daemon_start(&f->d, extra), 0);
	}
	assert_int_equal(stat(f->state, &st), 0);
	assert_int_equal(st.st_uid, pw->pw_uid);
	assert_int_equal(daemon_signal(&f->d, SIGTERM), 0);
}

/* Item 13: descriptors the daemon inherits are closed at start. */
static void test_inherited_descriptors_closed(void **state)
{
	struct fixture *f = *state;
	char marker[192], dir[64], link[320], target[256];
	struct dirent *e;
	bool leaked = false;
	DIR *fds;
	int fd;

	snprintf(marker, sizeof(marker), "%s/inherited-marker", f->d.dir);
	fd = open(marker, O_WRONLY | O_CREAT, 0600); /* no O_CLOEXEC */
	assert_true(fd >= 0);
	assert_int_equal(daemon_start(&f->d, NULL), 0);
	close(fd);
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)f->d.pid);
	fds = opendir(dir);
	assert_non_null(fds);
	while ((e = readdir(fds))) {
		ssize_t n;
		snprintf(link, sizeof(link), "%s/%s", dir, e->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strstr(target, "inherited-marker"))
			leaked = true;
	}
	closedir(fds);
	assert_false(leaked);
	assert_int_equal(daemon_signal(&f->d, SIGTERM), 0);
}

/* What a journal warning says, without the prefixes that differ between
 * the journal's report and the daemon's. */
static const char *warning_text(const char *line)
{
	const char *p = strstr(line, "portctld.journal: ");

	if (p)
		return p + strlen("portctld.journal: ");
	p = strstr(line, "warning: journal: ");
	return p ? p + strlen("warning: journal: ") : NULL;
}

/* Item 13: a damaged journal is reported once, not twice. */
static void test_journal_warning_once(void **state)
{
	struct fixture *f = *state;
	char lines[16][512];
	size_t n = 0, len;
	char *j;
	FILE *log;
	int fd;

	crash_with_a_mapping(f);
	crash_with_a_mapping(f); /* a second record after the first */
	j = slurp(f->journal, &len);
	assert_non_null(j);
	assert_true(len > 100);
	/* One flipped byte near the end: the last record is damaged. */
	fd = open(f->journal, O_WRONLY);
	assert_true(fd >= 0);
	j[len - 8] ^= 0x5a;
	assert_int_equal(pwrite(fd, j + len - 8, 1, (off_t)len - 8), 1);
	close(fd);
	free(j);
	assert_int_equal(truncate(f->d.log, 0), 0);
	assert_int_equal(daemon_start(&f->d, NULL), 0);
	assert_int_equal(daemon_signal(&f->d, SIGTERM), 0);
	log = fopen(f->d.log, "r");
	assert_non_null(log);
	while (n < 16 && fgets(lines[n], sizeof(lines[n]), log))
		if (warning_text(lines[n]))
			n++;
	fclose(log);
	assert_true(n >= 1);
	for (size_t a = 0; a < n; a++)
		for (size_t b = a + 1; b < n; b++)
			assert_string_not_equal(warning_text(lines[a]),
			                        warning_text(lines[b]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_user_typo_changes_nothing,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_journal_path_must_be_a_regular_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_second_daemon_refused, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_state_dir_not_handed_over,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_inherited_descriptors_closed,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_journal_warning_once, setup,
	                                    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

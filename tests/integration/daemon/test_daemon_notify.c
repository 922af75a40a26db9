/*
 * portctld speaks the service manager's readiness protocol (notify.h):
 * with $NOTIFY_SOCKET set it sends READY=1 once it serves, RELOADING=1
 * then READY=1 around a SIGHUP, and STOPPING=1 at a stop; it reaches a
 * socket in the abstract namespace ("@name") too; a NOTIFY_SOCKET it
 * cannot use fails the start with a message.  The test plays systemd's
 * part with a datagram socket of its own.  Address 127.27.0.1 belongs to
 * this file.
 */
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define SERVER "127.27.0.1"

struct fixture {
	struct daemon d;
	int sock; /* the "service manager's" socket */
	char name[108];
};

/* Binds the manager's socket: a file in the daemon's directory, or an
 * abstract name when abstract. */
static int manager_open(struct fixture *f, bool abstract)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t len;

	if (abstract)
		snprintf(f->name, sizeof(f->name), "@portctld-notify-test-%d",
		         (int)getpid());
	else
		snprintf(f->name, sizeof(f->name), "%s/notify", f->d.dir);
	len = strlen(f->name);
	memcpy(sun.sun_path, f->name, len);
	if (abstract)
		sun.sun_path[0] = '\0';
	f->sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(f->sock >= 0);
	assert_int_equal(
	    bind(f->sock, (struct sockaddr *)&sun,
	         (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)),
	    0);
	return setenv("NOTIFY_SOCKET", f->name, 1);
}

/* The next message, within 10 s, into buf ("" on time-out). */
static const char *next_message(struct fixture *f, char *buf, size_t cap)
{
	struct pollfd p = {.fd = f->sock, .events = POLLIN};
	ssize_t n;

	buf[0] = '\0';
	if (poll(&p, 1, 10000) != 1)
		return buf;
	n = recv(f->sock, buf, cap - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	daemon_init(&f->d, SERVER, 0);
	f->sock = -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	unsetenv("NOTIFY_SOCKET");
	daemon_cleanup(&f->d);
	if (f->sock >= 0)
		close(f->sock);
	free(f);
	return 0;
}

static void check_life_cycle(struct fixture *f)
{
	char msg[256];

	assert_int_equal(daemon_start(&f->d, NULL), 0);
	assert_string_equal(next_message(f, msg, sizeof(msg)), "READY=1");
	/* Ready means serving: the control socket answers. */
	free(control_request(&f->d, "stats"));

	assert_int_equal(daemon_signal(&f->d, SIGHUP), 0);
	next_message(f, msg, sizeof(msg));
	assert_true(strncmp(msg, "RELOADING=1\nMONOTONIC_USEC=", 27) == 0);
	assert_string_equal(next_message(f, msg, sizeof(msg)), "READY=1");
	assert_true(daemon_log_has(&f->d, "reloaded configuration"));

	assert_int_equal(daemon_signal(&f->d, SIGTERM), 0);
	assert_string_equal(next_message(f, msg, sizeof(msg)), "STOPPING=1");
}

static void test_notify_path(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(manager_open(f, false), 0);
	check_life_cycle(f);
}

static void test_notify_abstract(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(manager_open(f, true), 0);
	check_life_cycle(f);
}

static void test_notify_unusable(void **state)
{
	struct fixture *f = *state;

	/* Nobody listens there: a start that could never report ready
	 * fails at once, saying why. */
	snprintf(f->name, sizeof(f->name), "%s/nobody", f->d.dir);
	setenv("NOTIFY_SOCKET", f->name, 1);
	assert_int_equal(daemon_start(&f->d, NULL), -1);
	assert_true(daemon_log_has(&f->d, "NOTIFY_SOCKET"));
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	assert_int_equal(daemon_start(&f->d, NULL), -1);
	assert_true(daemon_log_has(&f->d, "not a Unix socket path"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_notify_path, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_notify_abstract, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_notify_unusable, setup,
	                                    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

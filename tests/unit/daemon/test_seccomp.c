/*
 * The network process's seccomp filter (daemon/seccomp.c), installed by the
 * same function the daemon calls, in a forked process each time: what the
 * event loop needs still works, and a forbidden system call ends the
 * process with SIGSYS (issue 16, privilege separation).
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/netlink.h>

#include <cmocka.h>

#include "seccomp.h"

/* Runs body in a child under the filter, with a socket pair made before
 * (as the daemon's sockets are); returns its wait status.  The child leaves
 * with _exit: no sanitizer work at exit. */
static int confined(int (*body)(const int *sv), int *status)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		char err[256];
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) ||
		    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
		    pctld_seccomp_install(err, sizeof(err)))
			_exit(100);
		_exit(body(sv));
	}
	return waitpid(pid, status, 0) == pid ? 0 : -1;
}

/* What the loop does: datagrams on descriptors it holds, epoll, clocks,
 * memory, getrandom. */
static int allowed_calls(const int *sv)
{
	struct epoll_event ev = {.events = EPOLLIN};
	struct timespec ts;
	char buf[4] = "abc";
	uint32_t r;
	void *big;
	int ep;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) || getpid() <= 0)
		return 1;
	if (syscall(SYS_getrandom, &r, sizeof(r), 0) != sizeof(r))
		return 2;
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ev))
		return 3;
	if (send(sv[0], buf, 3, MSG_NOSIGNAL) != 3 ||
	    epoll_wait(ep, &ev, 1, 1000) != 1 ||
	    recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT) != 3)
		return 4;
	big = malloc(1 << 22); /* mmap, munmap */
	if (!big)
		return 5;
	memset(big, 1, 1 << 22);
	free(big);
	close(ep);
	return 0;
}

static void test_allowed_calls_work(void **state)
{
	int st;

	(void)state;
	assert_int_equal(confined(allowed_calls, &st), 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static int call_kill(const int *sv)
{
	(void)sv;
	kill(getpid(), 0);
	return 0;
}

static int call_chroot(const int *sv)
{
	(void)sv;
	syscall(SYS_chroot, "/");
	return 0;
}

static int call_execve(const int *sv)
{
	(void)sv;
	char *argv[] = {"/bin/true", NULL};
	execve("/bin/true", argv, NULL);
	return 0;
}

static int call_mmap_exec(const int *sv)
{
	(void)sv;
	mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1,
	     0);
	return 0;
}

static void expect_sigsys(int (*body)(const int *sv))
{
	int st;

	assert_int_equal(confined(body, &st), 0);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
}

static void test_forbidden_calls_end_with_sigsys(void **state)
{
	(void)state;
	expect_sigsys(call_kill);
	expect_sigsys(call_chroot);
	expect_sigsys(call_execve);
	expect_sigsys(call_mmap_exec);
}

/* socket(2): rtnetlink only (if_nameindex); any other fails with EACCES
 * without killing (syslog's reconnect). */
static int sockets(const int *sv)
{
	(void)sv;
	int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	int in = socket(AF_INET, SOCK_DGRAM, 0);

	if (nl < 0)
		return 1;
	if (in >= 0 || errno != EACCES)
		return 2;
	if (socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER) >= 0)
		return 3;
	return 0;
}

static void test_socket_rtnetlink_only(void **state)
{
	int st;

	(void)state;
	assert_int_equal(confined(sockets, &st), 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_allowed_calls_work),
	    cmocka_unit_test(test_forbidden_calls_end_with_sigsys),
	    cmocka_unit_test(test_socket_rtnetlink_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

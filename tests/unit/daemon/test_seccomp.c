/*
 * The network process's seccomp filter (daemon/seccomp.c), installed by the
 * same function the daemon calls, in a forked process each time: what the
 * event loop needs still works, and a forbidden system call ends the
 * process with SIGSYS (issue 16, privilege separation).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
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

#include "../server/engine.h"
#include "seccomp.h"
#include "upnp_http.h"

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

/* The UPnP HTTP server (libmicrohttpd, no threads, epoll) created and
 * serving a description and a SOAP action under the filter, on a listener
 * and a client connection made before it (as the parent makes the
 * listeners). */
static const char soap_req[] =
    "POST /ctl/IPConn HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
    "SOAPAction: \"urn:schemas-upnp-org:service:WANIPConnection:2#"
    "GetExternalIPAddress\"\r\nConnection: close\r\nContent-Length: 176"
    "\r\n\r\n<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/"
    "envelope/\"><s:Body><u:GetExternalIPAddress xmlns:u=\"urn:schemas-"
    "upnp-org:service:WANIPConnection:2\"/></s:Body></s:Envelope>";

static int http_exchange(struct pctld_http *h, int cl, const char *req,
                         const char *want)
{
	static char buf[8192];
	struct epoll_event ev = {.events = EPOLLIN};
	int ep = epoll_create1(EPOLL_CLOEXEC); /* poll(2) is not allowed */
	size_t len = 0;

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, cl, &ev) ||
	    send(cl, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req))
		return 1;
	for (int i = 0; i < 400; i++) {
		ssize_t n;
		pctld_http_run(h, 1000 + (uint64_t)i);
		epoll_wait(ep, &ev, 1, 10);
		n = recv(cl, buf + len, sizeof(buf) - 1 - len, MSG_DONTWAIT);
		if (n == 0)
			break;
		if (n > 0)
			len += (size_t)n;
	}
	buf[len] = '\0';
	return strstr(buf, want) ? 0 : 2;
}

static int connect_to(const struct sockaddr_in *sa)
{
	int cl = socket(AF_INET, SOCK_STREAM, 0);

	if (cl < 0 || connect(cl, (const struct sockaddr *)sa, sizeof(*sa)))
		return -1;
	return cl;
}

static void test_upnp_http_confined(void **state)
{
	pid_t pid;
	int st;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct pctld_upnp_info info = {
		    .uuid = "01234567-89ab-cdef-0123-456789abcdef",
		    .friendly_name = "confined",
		    .igd_version = 2,
		};
		struct pctl_backend_config bc = {.table = "unused"};
		struct sockaddr_in sa = {.sin_family = AF_INET};
		socklen_t sl = sizeof(sa);
		struct pctl_engine_config cfg;
		struct pctld_http_listener l = {.ifindex = 1};
		struct pctl_backend be;
		struct pctl_engine *e;
		struct pctld_http *h;
		char err[256];
		int c1, c2;

		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		l.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (l.fd < 0 || bind(l.fd, (struct sockaddr *)&sa, sl) ||
		    listen(l.fd, 4) ||
		    getsockname(l.fd, (struct sockaddr *)&sa, &sl))
			_exit(100);
		c1 = connect_to(&sa);
		c2 = connect_to(&sa);
		if (c1 < 0 || c2 < 0 ||
		    pctl_backend_none_open(&bc, &be, err, sizeof(err)) ||
		    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
		    pctld_seccomp_install(err, sizeof(err)))
			_exit(101);
		pctl_engine_config_defaults(&cfg);
		cfg.n_ext_addrs = 1;
		cfg.ext_addrs[0].b[10] = cfg.ext_addrs[0].b[11] = 0xff;
		cfg.ext_addrs[0].b[12] = 203;
		cfg.ext_addrs[0].b[14] = 113;
		cfg.ext_addrs[0].b[15] = 1;
		cfg.allow_self = true;
		cfg.port_seed = 1;
		e = pctl_engine_new(&cfg, &be, 1000);
		h = e ? pctld_http_new(&l, 1, &info, e) : NULL;
		if (!h)
			_exit(102);
		_exit(http_exchange(h, c1,
		                    "GET /rootDesc.xml HTTP/1.1\r\nHost: x\r\n"
		                    "Connection: close\r\n\r\n",
		                    "InternetGatewayDevice:2") ||
		      http_exchange(h, c2, soap_req,
		                    "<NewExternalIPAddress>203.0.113.1<"));
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFSIGNALED(st))
		fail_msg("the confined UPnP HTTP server died of signal %d",
		         WTERMSIG(st));
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_allowed_calls_work),
	    cmocka_unit_test(test_forbidden_calls_end_with_sigsys),
	    cmocka_unit_test(test_socket_rtnetlink_only),
	    cmocka_unit_test(test_upnp_http_confined),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

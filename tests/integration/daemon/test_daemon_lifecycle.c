/*
 * portctld's life cycle: unsolicited ANNOUNCE at start from the server's
 * unicast address and port (S-92, S-93), SIGHUP (new policy, mappings kept),
 * restart (epoch reset, ANNOUNCE again), SIGTERM, --check-config, pidfile,
 * control socket mode, and the backend choice.
 *
 * ANNOUNCE: the multicast copies (224.0.0.1 / ff02::1 port 5350) would be
 * shared by every test running at once and lo has no MULTICAST flag, so the
 * test configures `announce-unicast` to a socket of its own and checks the
 * unicast copy, which goes through the same engine queue and send path.
 * Address 127.22.0.x belongs to this file.
 */
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "harness.h"

#define SERVER   "127.22.0.1"
#define HOST_A   "127.22.0.2"
#define HOST_B   "127.22.0.3"
#define LISTENER "127.22.0.9"

static const uint8_t nonce_a[12] = {7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};
static const uint8_t nonce_b[12] = {8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8};

struct fixture {
	struct daemon d;
	int listener; /* receives the unicast ANNOUNCEs */
	uint16_t listener_port;
	char base_conf[256];
	pid_t detached_pid; /* a daemon that detached, to stop on failure */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);

	f->listener = client_open(LISTENER, 0);
	getsockname(f->listener, (struct sockaddr *)&sin, &sl);
	f->listener_port = ntohs(sin.sin_port);
	daemon_init(&f->d, SERVER, 0);
	snprintf(f->base_conf, sizeof(f->base_conf),
	         "multicast-announce no\nannounce-unicast %s:%u\n"
	         "announce-count 2\n",
	         LISTENER, f->listener_port);
	daemon_write_conf(&f->d, f->base_conf);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->detached_pid > 0)
		kill(f->detached_pid, SIGKILL);
	daemon_cleanup(&f->d);
	close(f->listener);
	free(f);
	return 0;
}

/* Waits for an ANNOUNCE; checks it came from the server's address and port
 * (S-92) with SUCCESS; returns its epoch or -1. */
static long wait_announce(struct fixture *f)
{
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_msg m;
	struct pctl_error err;

	for (int i = 0; i < 10; i++) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n;

		if (!client_wait(f->listener, 3000))
			return -1;
		n = recvfrom(f->listener, buf, sizeof(buf), MSG_DONTWAIT,
		             (struct sockaddr *)&from, &fl);
		if (n < 0)
			continue;
		if (pctl_response_decode(buf, (size_t)n, &m, &err) !=
		        PCTL_V_OK ||
		    m.opcode != PCTL_OP_ANNOUNCE)
			continue;
		assert_int_equal(m.result, PCTL_R_SUCCESS);
		assert_int_equal(ntohs(from.sin_port), f->d.port);
		assert_string_equal(inet_ntoa(from.sin_addr), SERVER);
		return (long)m.epoch;
	}
	return -1;
}

static void drain(int fd)
{
	uint8_t buf[PCTL_MAX_MSG];

	while (client_recv(fd, buf, sizeof(buf), 0) >= 0)
		;
}

/* S-93: ANNOUNCE at start; restart resets the epoch (S-25) and announces
 * again; mappings do not survive (no journal: a stop keeps nothing). */
static void test_s93_announce_at_start_and_after_restart(void **state)
{
	struct fixture *f = *state;
	struct pctl_msg r;
	int fa = client_open(HOST_A, 0);
	long e;
	char *list, conf[320];

	snprintf(conf, sizeof(conf), "%sjournal no\n", f->base_conf);
	daemon_write_conf(&f->d, conf);
	assert_int_equal(daemon_start(&f->d, NULL), 0);
	e = wait_announce(f);
	assert_true(e >= 0 && e <= 1);
	assert_int_equal(
	    pcp_map(fa, &f->d, HOST_A, nonce_a, 6, 5000, 0, 600, &r),
	    PCTL_R_SUCCESS);
	usleep(2200 * 1000);
	assert_int_equal(
	    pcp_map(fa, &f->d, HOST_A, nonce_a, 6, 5000, 0, 600, &r),
	    PCTL_R_SUCCESS);
	assert_true(r.epoch >= 2);

	assert_int_equal(daemon_signal(&f->d, SIGTERM), 0);
	drain(f->listener);
	assert_int_equal(daemon_start(&f->d, NULL), 0);
	e = wait_announce(f);
	assert_true(e >= 0 && e <= 1);
	list = control_request(&f->d, "list");
	assert_string_equal(list, "ok\n");
	free(list);
	assert_int_equal(
	    pcp_map(fa, &f->d, HOST_A, nonce_a, 6, 5000, 0, 600, &r),
	    PCTL_R_SUCCESS);
	assert_true(r.epoch <= 1);
	/* SIGINT stops as cleanly as SIGTERM. */
	assert_int_equal(daemon_signal(&f->d, SIGINT), 0);
	close(fa);
}

static bool wait_log(struct daemon *d, const char *s)
{
	for (int i = 0; i < 100; i++) {
		if (daemon_log_has(d, s))
			return true;
		usleep(50 * 1000);
	}
	return false;
}

/* S-93, N-10, S-92: the multicast copies really leave on the internal
 * interface (lo here: IPv4 multicast works on it, IPv6 does not), to
 * 224.0.0.1, from the listen address and port: one PCP ANNOUNCE and one
 * NAT-PMP external-address announcement.  The destination port is the
 * test's own (announce-port) so that parallel tests do not see each other's
 * messages. */
static void test_s93_n10_multicast_announce_on_internal_interface(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_in from;
	char conf[256];
	uint8_t buf[PCTL_MAX_MSG];
	bool pcp = false, natpmp = false;
	uint16_t port;
	int fd = multicast_listener(false, "lo", &port);

	assert_true(fd >= 0);
	snprintf(conf, sizeof(conf),
	         "announce-port %u\nannounce-count 1\nexternal-ip "
	         "198.51.100.3\n",
	         port);
	daemon_write_conf(&f->d, conf);
	assert_int_equal(daemon_start(&f->d, NULL), 0);
	for (int i = 0; i < 4 && !(pcp && natpmp); i++) {
		socklen_t fl = sizeof(from);
		ssize_t n;

		if (!client_wait(fd, 3000))
			break;
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
		             &fl);
		assert_true(n >= 2);
		assert_int_equal(ntohs(from.sin_port), f->d.port);
		assert_string_equal(inet_ntoa(from.sin_addr), SERVER);
		if (buf[0] == PCTL_VERSION &&
		    buf[1] == (0x80 | PCTL_OP_ANNOUNCE))
			pcp = true;
		if (buf[0] == 0 && buf[1] == 128 && n == 12 && buf[8] == 198 &&
		    buf[11] == 3)
			natpmp = true;
	}
	assert_true(pcp);
	assert_true(natpmp);
	close(fd);
	assert_int_equal(daemon_signal(&f->d, SIGTERM), 0);
}

/* SIGHUP: the new policy applies at once, mappings stay; a bad file changes
 * nothing and is reported as file:line; the log says how many mappings a
 * reload removed and kept (issue 15 item 13). */
/* Starts the daemon and maps TCP pa for HOST_A and pb for HOST_B. */
static void start_with_a_and_b(struct fixture *f, int fa, int fb, uint16_t pa,
                               uint16_t pb)
{
	struct pctl_msg r;

	assert_int_equal(daemon_start(&f->d, NULL), 0);
	assert_int_equal(pcp_map(fa, &f->d, HOST_A, nonce_a, 6, pa, 0, 600, &r),
	                 PCTL_R_SUCCESS);
	assert_int_equal(pcp_map(fb, &f->d, HOST_B, nonce_b, 6, pb, 0, 600, &r),
	                 PCTL_R_SUCCESS);
}

static void test_sighup_keeps_mappings_and_applies_policy(void **state)
{
	struct fixture *f = *state;
	struct pctl_msg r;
	int fa = client_open(HOST_A, 0), fb = client_open(HOST_B, 0);
	char conf[512], *list;

	start_with_a_and_b(f, fa, fb, 5000, 5001);

	snprintf(conf, sizeof(conf), "%sdeny %s proto tcp port 6000-6999\n",
	         f->base_conf, HOST_B);
	daemon_write_conf(&f->d, conf);
	assert_int_equal(daemon_signal(&f->d, SIGHUP), 0);
	assert_true(wait_log(
	    &f->d, "reloaded configuration; 0 mappings removed, 2 kept"));

	list = control_request(&f->d, "list");
	assert_non_null(strstr(list, "127.22.0.2:5000 "));
	assert_non_null(strstr(list, "127.22.0.3:5001 "));
	free(list);
	assert_int_equal(
	    pcp_map(fb, &f->d, HOST_B, nonce_b, 6, 6001, 0, 600, &r),
	    PCTL_R_NOT_AUTHORIZED);
	assert_int_equal(
	    pcp_map(fa, &f->d, HOST_A, nonce_a, 6, 6001, 0, 600, &r),
	    PCTL_R_SUCCESS);

	snprintf(conf, sizeof(conf), "%sfrobnicate\n", f->base_conf);
	daemon_write_conf(&f->d, conf);
	assert_int_equal(daemon_signal(&f->d, SIGHUP), 0);
	snprintf(conf, sizeof(conf), "%s:4: unknown directive 'frobnicate'",
	         f->d.conf);
	assert_true(wait_log(&f->d, conf));
	assert_int_equal(
	    pcp_map(fb, &f->d, HOST_B, nonce_b, 6, 6002, 0, 600, &r),
	    PCTL_R_NOT_AUTHORIZED); /* old policy still there */
	list = control_request(&f->d, "list");
	assert_non_null(strstr(list, "127.22.0.2:5000 "));
	free(list);

	/* A policy that forbids B's mapping: removed, and said so, with
	 * the mapping named (issue 10). */
	snprintf(conf, sizeof(conf), "%sdeny %s proto tcp port 5001\n",
	         f->base_conf, HOST_B);
	daemon_write_conf(&f->d, conf);
	assert_int_equal(daemon_signal(&f->d, SIGHUP), 0);
	assert_true(wait_log(&f->d, "reloaded configuration; 1 mapping "
	                            "removed: TCP 127.22.0.3:5001->"));
	assert_true(daemon_log_has(&f->d, ", 2 kept"));
	list = control_request(&f->d, "list");
	assert_null(strstr(list, "127.22.0.3:5001 "));
	free(list);
	assert_int_equal(daemon_signal(&f->d, SIGTERM), 0);
	close(fa);
	close(fb);
}

/* -n checks and exits: 0 with the defaults it would use, 1 with file:line. */
static void test_check_config(void **state)
{
	struct fixture *f = *state;
	char cmd[512], *out = NULL;

	snprintf(cmd, sizeof(cmd), "%s -n -c %s 2>&1", PORTCTLD_PATH,
	         f->d.conf);
	assert_int_equal(run_command(cmd, &out), 0);
	/* The embedded default (no listen line) is announced. */
	assert_non_null(strstr(out, "configuration OK"));
	assert_non_null(strstr(out, "serving 127.0.0.1 and ::1 port 5351"));
	assert_non_null(strstr(out, "203.0.113.1"));
	free(out);

	daemon_write_conf(&f->d, "listen 127.0.0.1\n\nmax-lifetime soon\n");
	snprintf(cmd, sizeof(cmd), "%s --check-config -c %s 2>&1",
	         PORTCTLD_PATH, f->d.conf);
	assert_int_equal(run_command(cmd, &out), 1);
	assert_non_null(strstr(out, ":3: 'soon' is not a number"));
	free(out);
	/* And a real start refuses the same file. */
	snprintf(cmd, sizeof(cmd), "%s -f -c %s 2>&1", PORTCTLD_PATH,
	         f->d.conf);
	assert_int_equal(run_command(cmd, &out), 1);
	assert_non_null(strstr(out, ":3: 'soon' is not a number"));
	free(out);

	snprintf(cmd, sizeof(cmd), "%s --version", PORTCTLD_PATH);
	assert_int_equal(run_command(cmd, &out), 0);
	assert_non_null(strstr(out, "portctld "));
	free(out);
	snprintf(cmd, sizeof(cmd), "%s --nonsense 2>&1", PORTCTLD_PATH);
	assert_int_equal(run_command(cmd, &out), 2);
	assert_non_null(strstr(out, "unknown option '--nonsense'"));
	free(out);
}

/* --pidfile holds the PID while running and goes at a clean stop; the
 * control socket is mode 0600. */
static void test_pidfile_and_control_mode(void **state)
{
	struct fixture *f = *state;
	char pidpath[160], buf[32] = "";
	const char *extra[] = {"--pidfile", pidpath, NULL};
	struct stat st;
	FILE *p;

	snprintf(pidpath, sizeof(pidpath), "%s/run/portctld.pid", f->d.dir);
	assert_int_equal(daemon_start(&f->d, extra), 0);
	p = fopen(pidpath, "r");
	assert_non_null(p);
	assert_non_null(fgets(buf, sizeof(buf), p));
	fclose(p);
	assert_int_equal(atol(buf), (long)f->d.pid);
	assert_int_equal(stat(f->d.control, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(daemon_signal(&f->d, SIGTERM), 0);
	assert_int_not_equal(access(pidpath, F_OK), 0);
	assert_int_not_equal(access(f->d.control, F_OK), 0);
}

/* --user: once its sockets are bound the daemon runs as that user with no
 * capability left (none backend: not even CAP_NET_ADMIN) and
 * no-new-privileges, and still serves. */
static void test_user_and_capabilities_dropped(void **state)
{
	struct fixture *f = *state;
	char path[160], line[256], pidpath[160];
	const char *extra[] = {"--user", "nobody", "--pidfile", pidpath, NULL};
	bool cap_zero = false, uid_nobody = false, nnp = false;
	struct pctl_msg r;
	struct passwd *pw = getpwnam("nobody");
	struct stat sb;
	FILE *st;
	int fa;

	if (getuid() != 0 || !pw) {
		skip();
		return;
	}
	/* The harness's control socket and pidfile are in run/, a directory
	 * the daemon creates for itself (the test dir is root's). */
	snprintf(pidpath, sizeof(pidpath), "%s/run/portctld.pid", f->d.dir);
	assert_int_equal(daemon_start(&f->d, extra), 0);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)f->d.pid);
	st = fopen(path, "r");
	assert_non_null(st);
	while (fgets(line, sizeof(line), st)) {
		unsigned ruid, euid;
		if (!strcmp(line, "CapEff:\t0000000000000000\n"))
			cap_zero = true;
		if (sscanf(line, "Uid:\t%u\t%u", &ruid, &euid) == 2)
			uid_nobody = ruid == pw->pw_uid && euid == pw->pw_uid;
		if (!strcmp(line, "NoNewPrivs:\t1\n"))
			nnp = true;
	}
	fclose(st);
	assert_true(cap_zero);
	assert_true(uid_nobody);
	assert_true(nnp);
	fa = client_open(HOST_A, 0);
	assert_int_equal(
	    pcp_map(fa, &f->d, HOST_A, nonce_a, 6, 5000, 0, 600, &r),
	    PCTL_R_SUCCESS);
	close(fa);
	assert_int_equal(daemon_signal(&f->d, SIGTERM), 0);
	/* Issue 15, item 13: nothing left behind although the daemon had no
	 * privileges left at stop. */
	assert_int_not_equal(access(f->d.control, F_OK), 0);
	assert_int_not_equal(access(pidpath, F_OK), 0);
	snprintf(path, sizeof(path), "%s/state", f->d.dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_uid, pw->pw_uid);
	assert_int_equal(sb.st_mode & 0777, 0700);
}

/* Without -f the daemon detaches (the command returns 0 once it runs), logs
 * to syslog, and a relative -c still works for SIGHUP after the chdir to /.
 * It is stopped through its pidfile (it is our grandchild, so no waitpid). */
static void test_detaches_without_foreground(void **state)
{
	struct fixture *f = *state;
	char cmd[768], pidpath[160], buf[32] = "", *list;
	struct pctl_msg r;
	int fa = client_open(HOST_A, 0);
	long pid = 0;
	FILE *p;

	snprintf(pidpath, sizeof(pidpath), "%s/run/portctld.pid", f->d.dir);
	snprintf(cmd, sizeof(cmd),
	         "cd %s && %s -c portctld.conf --listen %s:%u --control %s "
	         "--pidfile %s --state-dir state 2>&1",
	         f->d.dir, PORTCTLD_PATH, SERVER, f->d.port, f->d.control,
	         pidpath);
	assert_int_equal(run_command(cmd, NULL), 0);
	for (int i = 0; i < 100 && !buf[0]; i++) {
		p = fopen(pidpath, "r");
		if (p) {
			if (!fgets(buf, sizeof(buf), p))
				buf[0] = '\0';
			fclose(p);
		}
		usleep(50 * 1000);
	}
	pid = atol(buf);
	assert_true(pid > 1);
	f->detached_pid = (pid_t)pid;
	assert_int_equal(
	    pcp_map(fa, &f->d, HOST_A, nonce_a, 6, 5000, 0, 600, &r),
	    PCTL_R_SUCCESS);
	/* The reload must find the file again: the new rule proves it. */
	snprintf(cmd, sizeof(cmd), "%sdeny %s port 6000\n", f->base_conf,
	         HOST_A);
	daemon_write_conf(&f->d, cmd);
	assert_int_equal(kill((pid_t)pid, SIGHUP), 0);
	for (int i = 0; i < 40; i++) {
		usleep(50 * 1000);
		if (pcp_map(fa, &f->d, HOST_A, nonce_a, 6, 6000, 0, 600, &r) ==
		    PCTL_R_NOT_AUTHORIZED)
			break;
		pcp_map(fa, &f->d, HOST_A, nonce_a, 6, 6000, 0, 0, &r);
	}
	assert_int_equal(r.result, PCTL_R_NOT_AUTHORIZED);
	list = control_request(&f->d, "list");
	assert_non_null(list);
	assert_non_null(strstr(list, "127.22.0.2:5000 "));
	free(list);
	assert_int_equal(kill((pid_t)pid, SIGTERM), 0);
	for (int i = 0; i < 100 && kill((pid_t)pid, 0) == 0; i++)
		usleep(50 * 1000);
	assert_int_not_equal(kill((pid_t)pid, 0), 0);
	f->detached_pid = 0;
	assert_int_not_equal(access(pidpath, F_OK), 0);
	close(fa);
}

/* The state journal (daemon/journal.c) across a crash: after SIGKILL the
 * next start restores the mappings with their external ports, and as the
 * state was kept the epoch continues (S-24) instead of resetting; so does
 * a clean SIGTERM by default (issue 9), while with `on-stop flush` it
 * removes the state and the start after it begins afresh (S-25). */
static void test_journal_keeps_mappings_across_crash(void **state)
{
	struct fixture *f = *state;
	struct pctl_msg r;
	int fa = client_open(HOST_A, 0);
	uint16_t ext;
	char *list, want[64], conf[320];

	assert_int_equal(daemon_start(&f->d, NULL), 0);
	assert_int_equal(
	    pcp_map(fa, &f->d, HOST_A, nonce_a, 17, 5400, 0, 600, &r),
	    PCTL_R_SUCCESS);
	ext = r.external_port;
	usleep(2200 * 1000);
	assert_int_equal(daemon_signal(&f->d, SIGKILL), 128 + SIGKILL);

	assert_int_equal(daemon_start(&f->d, NULL), 0);
	list = control_request(&f->d, "list");
	snprintf(want, sizeof(want), "127.22.0.2:5400 -> 203.0.113.1:%u ", ext);
	assert_non_null(strstr(list, want));
	free(list);
	/* The epoch went on from where it was (solicited ANNOUNCE, S-91). */
	{
		struct pctl_msg a = {.version = PCTL_VERSION,
		                     .opcode = PCTL_OP_ANNOUNCE};
		uint8_t req[PCTL_MAX_MSG], rbuf[PCTL_MAX_MSG];
		size_t len;

		pctl_addr_from_str(&a.client_addr, HOST_A);
		len = pctl_encode(&a, req, sizeof(req));
		assert_int_not_equal(len, 0);
		assert_int_equal(pcp_exchange(fa, &f->d, req, len, &r, rbuf),
		                 0);
		assert_int_equal(r.result, PCTL_R_SUCCESS);
		assert_true(r.epoch >= 2);
	}
	/* Issue 9: a clean stop keeps the mappings for the next start, whose
	 * epoch continues: the log says so. */
	assert_int_equal(daemon_signal(&f->d, SIGTERM), 0);
	assert_true(daemon_log_has(&f->d, "stopped; mappings kept"));
	assert_int_equal(daemon_start(&f->d, NULL), 0);
	list = control_request(&f->d, "list");
	assert_non_null(strstr(list, want));
	free(list);
	assert_true(daemon_log_has(&f->d, "clean shutdown, epoch continued"));
	/* A daemon started with on-stop flush removes them at its stop, and
	 * the next start begins afresh (S-25). */
	assert_int_equal(daemon_signal(&f->d, SIGTERM), 0);
	snprintf(conf, sizeof(conf), "%son-stop flush\n", f->base_conf);
	daemon_write_conf(&f->d, conf);
	assert_int_equal(daemon_start(&f->d, NULL), 0);
	list = control_request(&f->d, "list");
	assert_non_null(strstr(list, want));
	free(list);
	assert_int_equal(daemon_signal(&f->d, SIGTERM), 0);
	assert_true(daemon_log_has(&f->d, "stopped; mappings removed"));
	assert_int_equal(daemon_start(&f->d, NULL), 0);
	list = control_request(&f->d, "list");
	assert_string_equal(list, "ok\n");
	free(list);
	assert_int_equal(daemon_signal(&f->d, SIGTERM), 0);
	close(fa);
}

/* A start applies the configuration to what the journal kept, as a reload
 * does: a deny rule written before a restart ends the mapping it forbids,
 * the start says so, and the others stay (issue 11: `upnp no` ends the
 * UPnP mappings the same way). */
static void test_restart_applies_policy_to_journal(void **state)
{
	struct fixture *f = *state;
	int fa = client_open(HOST_A, 0), fb = client_open(HOST_B, 0);
	char conf[512], *list;

	start_with_a_and_b(f, fa, fb, 5500, 5501);
	assert_int_equal(daemon_signal(&f->d, SIGTERM), 0);
	snprintf(conf, sizeof(conf), "%sdeny %s proto tcp port 5501\n",
	         f->base_conf, HOST_B);
	daemon_write_conf(&f->d, conf);
	assert_int_equal(daemon_start(&f->d, NULL), 0);
	assert_true(wait_log(&f->d, "journal: 1 restored mapping removed: "
	                            "the configuration no longer allows it"));
	list = control_request(&f->d, "list");
	assert_non_null(strstr(list, "127.22.0.2:5500 "));
	assert_null(strstr(list, "127.22.0.3:5501 "));
	free(list);
	assert_int_equal(daemon_signal(&f->d, SIGTERM), 0);
	close(fa);
	close(fb);
}

/* --backend: an unknown name, and nftables when it is not built in, give a
 * precise error and no daemon. */
static void test_backend_selection_errors(void **state)
{
	struct fixture *f = *state;
	char cmd[512], *out = NULL;

	snprintf(cmd, sizeof(cmd),
	         "%s -f -c %s --listen %s:%u --control %s --backend bpf 2>&1",
	         PORTCTLD_PATH, f->d.conf, SERVER, f->d.port, f->d.control);
	assert_int_equal(run_command(cmd, &out), 1);
	assert_non_null(strstr(out, "unknown backend 'bpf'"));
	free(out);
#ifndef PORTCTLD_HAVE_NFT
	snprintf(cmd, sizeof(cmd),
	         "%s -f -c %s --listen %s:%u --control %s --backend nftables "
	         "2>&1",
	         PORTCTLD_PATH, f->d.conf, SERVER, f->d.port, f->d.control);
	assert_int_equal(run_command(cmd, &out), 1);
	assert_non_null(
	    strstr(out, "backend 'nftables' is not built into this portctld"));
	free(out);
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_s93_announce_at_start_and_after_restart, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_sighup_keeps_mappings_and_applies_policy, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_s93_n10_multicast_announce_on_internal_interface, setup,
	        teardown),
	    cmocka_unit_test_setup_teardown(test_check_config, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pidfile_and_control_mode,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_user_and_capabilities_dropped,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_detaches_without_foreground,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_journal_keeps_mappings_across_crash, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_restart_applies_policy_to_journal, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_backend_selection_errors,
	                                    setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

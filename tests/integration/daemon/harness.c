/*
 * See harness.h.  Every wait is bounded in count and time.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Daemons of this test process not yet cleaned up, by directory: a failed
 * assertion leaves the test function early (its struct daemon may be gone),
 * so an exit handler kills what is left and removes the directories. */
static struct {
	char dir[64];
	pid_t pid;
} live[16];

static void cleanup_at_exit(void)
{
	char cmd[128];

	for (size_t i = 0; i < sizeof(live) / sizeof(live[0]); i++) {
		if (!live[i].dir[0])
			continue;
		if (live[i].pid > 0) {
			kill(live[i].pid, SIGKILL);
			waitpid(live[i].pid, NULL, 0);
		}
		snprintf(cmd, sizeof(cmd), "rm -rf %.63s", live[i].dir);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", live[i].dir);
	}
}

/* Records d's directory and current pid (pid 0 and gone: forget it). */
static void track(const struct daemon *d, bool gone)
{
	static bool registered;
	size_t free_slot = sizeof(live) / sizeof(live[0]);

	if (!registered) {
		atexit(cleanup_at_exit);
		registered = true;
	}
	for (size_t i = 0; i < sizeof(live) / sizeof(live[0]); i++) {
		if (!strcmp(live[i].dir, d->dir)) {
			if (gone)
				live[i].dir[0] = '\0';
			else
				live[i].pid = d->pid;
			return;
		}
		if (!live[i].dir[0] &&
		    free_slot == sizeof(live) / sizeof(live[0]))
			free_slot = i;
	}
	if (!gone && free_slot < sizeof(live) / sizeof(live[0])) {
		strcpy(live[free_slot].dir, d->dir);
		live[free_slot].pid = d->pid;
	}
}

void daemon_init(struct daemon *d, const char *ip, uint16_t port)
{
	memset(d, 0, sizeof(*d));
	d->pid = -1;
	strcpy(d->dir, "/tmp/portctld-it-XXXXXX");
	if (!mkdtemp(d->dir)) {
		perror("mkdtemp");
		abort();
	}
	track(d, false);
	/* The daemon runs as an unprivileged user by default (portctld as
	 * root drops to portctld or nobody): it must reach its state
	 * directory and own the directory of its control socket, which it
	 * creates (run/). */
	if (chmod(d->dir, 0711)) {
		perror("chmod");
		abort();
	}
	snprintf(d->conf, sizeof(d->conf), "%s/portctld.conf", d->dir);
	snprintf(d->control, sizeof(d->control), "%s/run/ctl.sock", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/log", d->dir);
	snprintf(d->ip, sizeof(d->ip), "%s", ip);
	pctl_addr_from_str(&d->addr, ip);
	if (!port) {
		/* Ask the kernel for a free port on our own address. */
		int fd = client_open(ip, 0);
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		pctl_addr any;
		getsockname(fd, (struct sockaddr *)&ss, &sl);
		pctl_addr_from_sockaddr(&any, &port, (struct sockaddr *)&ss);
		close(fd);
	}
	d->port = port;
	daemon_write_conf(d, "");
}

void daemon_write_conf(struct daemon *d, const char *text)
{
	FILE *f = fopen(d->conf, "w");

	if (!f) {
		perror(d->conf);
		abort();
	}
	fputs(text, f);
	fclose(f);
}

static bool control_ready(const struct daemon *d)
{
	char *r = control_request(d, "stats");
	bool ok = r && !strncmp(r, "ok\n", 3);

	free(r);
	return ok;
}

int daemon_start(struct daemon *d, const char *const *extra)
{
	char listen[64], state[96];
	const char *argv[32];
	size_t n = 0;

	snprintf(listen, sizeof(listen),
	         strchr(d->ip, ':') ? "[%s]:%u" : "%s:%u", d->ip, d->port);
	argv[n++] = PORTCTLD_PATH;
	argv[n++] = "-f";
	argv[n++] = "-v";
	argv[n++] = "-c";
	argv[n++] = d->conf;
	argv[n++] = "--listen";
	argv[n++] = listen;
	argv[n++] = "--control";
	argv[n++] = d->control;
	/* The journal's directory: private, so that a restart finds only what
	 * this test's daemon left. */
	snprintf(state, sizeof(state), "%s/state", d->dir);
	argv[n++] = "--state-dir";
	argv[n++] = state;
	for (size_t i = 0; extra && extra[i] && n < 31; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;

	unlink(d->control);
	d->pid = fork();
	if (d->pid < 0)
		return -1;
	if (d->pid > 0)
		track(d, false);
	if (d->pid == 0) {
		int fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		/* Never outlive the test, even when it crashes. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) { /* at most ~10 s */
		int st;
		if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
			d->pid = -1;
			track(d, false);
			return -1;
		}
		if (control_ready(d))
			return 0;
		sleep_ms(50);
	}
	return -1;
}

int daemon_launch(struct daemon *d, const char *ip, uint16_t port,
                  const char *conf, const char *const *extra)
{
	daemon_init(d, ip, port);
	daemon_write_conf(d, conf);
	if (daemon_start(d, extra)) {
		daemon_cleanup(d);
		return -1;
	}
	return 0;
}

/* A SIGKILL of portctld ends its network process too, as a supervisor
 * ends the whole service: killed alone, the parent would take the network
 * process with it (PR_SET_PDEATHSIG) only a moment later, and a start in
 * that moment could find the ports and the control socket still held.
 * Waits (bounded) until it is gone. */
static void kill_network_process(pid_t parent)
{
	char path[64];
	long child;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)parent,
	         (int)parent);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%ld", &child) != 1) {
		if (f)
			fclose(f);
		return;
	}
	fclose(f);
	kill((pid_t)child, SIGKILL);
	/* Its descriptors are closed once it is a zombie (or gone). */
	snprintf(path, sizeof(path), "/proc/%ld/stat", child);
	for (int i = 0; i < 100; i++) {
		char state = 'Z';
		f = fopen(path, "r");
		if (f) {
			if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
				state = 'Z';
			fclose(f);
		}
		if (state == 'Z')
			return;
		sleep_ms(20);
	}
}

int daemon_signal(struct daemon *d, int sig)
{
	int st = 0;

	if (d->pid <= 0)
		return -1;
	if (sig == SIGKILL)
		kill_network_process(d->pid);
	kill(d->pid, sig);
	if (sig != SIGTERM && sig != SIGINT && sig != SIGKILL)
		return 0;
	for (int i = 0; i < 200; i++) {
		if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
			d->pid = -1;
			track(d, false);
			return WIFEXITED(st) ? WEXITSTATUS(st)
			                     : 128 + WTERMSIG(st);
		}
		sleep_ms(50);
	}
	kill(d->pid, SIGKILL);
	waitpid(d->pid, &st, 0);
	d->pid = -1;
	track(d, false);
	return -1;
}

void daemon_cleanup(struct daemon *d)
{
	char cmd[128];

	if (d->pid > 0)
		daemon_signal(d, SIGKILL);
	track(d, true);
	if (getenv("PORTCTLD_TEST_KEEP")) {
		fprintf(stderr, "kept %s\n", d->dir);
		return;
	}
	if (d->dir[0]) {
		/* Show the daemon's log: it explains most failures. */
		if (getenv("PORTCTLD_TEST_LOG")) {
			snprintf(cmd, sizeof(cmd), "cat %s/log >&2", d->dir);
			if (system(cmd))
				fprintf(stderr, "no log\n");
		}
		snprintf(cmd, sizeof(cmd), "rm -rf %s", d->dir);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", d->dir);
	}
	d->dir[0] = '\0';
}

int daemon_finish(struct daemon *d)
{
	int st = daemon_signal(d, SIGTERM);

	daemon_cleanup(d);
	return st == 0 ? 0 : -1;
}

bool daemon_log_has(const struct daemon *d, const char *s)
{
	char buf[65536];
	FILE *f = fopen(d->log, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, s) != NULL;
}

int client_open(const char *src_ip, uint16_t port)
{
	struct sockaddr_storage ss;
	pctl_addr a;
	socklen_t sl;
	int fd;

	if (pctl_addr_from_str(&a, src_ip))
		abort();
	sl = (socklen_t)pctl_addr_to_sockaddr(&a, port, &ss);
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sl)) {
		perror("client bind");
		abort();
	}
	return fd;
}

bool client_wait(int fd, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, timeout_ms) == 1;
}

ssize_t client_recv(int fd, uint8_t *buf, size_t cap, int timeout_ms)
{
	if (!client_wait(fd, timeout_ms))
		return -1;
	return recv(fd, buf, cap, 0);
}

size_t build_map(uint8_t *buf, const char *client_ip, const uint8_t nonce[12],
                 uint8_t proto, uint16_t int_port, uint16_t ext_port,
                 uint32_t lifetime)
{
	static struct pctl_msg m;

	memset(&m, 0, sizeof(m));
	m.version = PCTL_VERSION;
	m.opcode = PCTL_OP_MAP;
	m.lifetime = lifetime;
	pctl_addr_from_str(&m.client_addr, client_ip);
	memcpy(m.nonce, nonce, 12);
	m.protocol = proto;
	m.internal_port = int_port;
	m.external_port = ext_port;
	pctl_addr_set_any(&m.external_addr, pctl_addr_is_v4(&m.client_addr));
	return pctl_encode(&m, buf, PCTL_MAX_MSG);
}

int pcp_exchange(int fd, const struct daemon *d, const uint8_t *buf, size_t len,
                 struct pctl_msg *resp, uint8_t *resp_buf)
{
	struct sockaddr_storage ss;
	socklen_t sl = (socklen_t)pctl_addr_to_sockaddr(&d->addr, d->port, &ss);
	struct pctl_error err;

	for (int tries = 0; tries < 3; tries++) {
		if (sendto(fd, buf, len, 0, (struct sockaddr *)&ss, sl) < 0)
			return -1;
		for (int k = 0; k < 8; k++) { /* skip stray datagrams */
			ssize_t n =
			    client_recv(fd, resp_buf, PCTL_MAX_MSG, 700);
			if (n < 0)
				break;
			if (pctl_response_decode(resp_buf, (size_t)n, resp,
			                         &err) == PCTL_V_OK &&
			    resp->opcode == buf[1] &&
			    (resp->opcode != PCTL_OP_MAP ||
			     !memcmp(resp->nonce, buf + 24, 12)))
				return 0;
		}
	}
	return -1;
}

int pcp_map(int fd, const struct daemon *d, const char *client_ip,
            const uint8_t nonce[12], uint8_t proto, uint16_t int_port,
            uint16_t ext_port, uint32_t lifetime, struct pctl_msg *resp)
{
	static uint8_t req[PCTL_MAX_MSG], rbuf[PCTL_MAX_MSG];
	size_t len = build_map(req, client_ip, nonce, proto, int_port, ext_port,
	                       lifetime);

	if (!len || pcp_exchange(fd, d, req, len, resp, rbuf))
		return -1;
	return resp->result;
}

int multicast_listener(bool v6, const char *ifname, uint16_t *port)
{
	struct sockaddr_storage ss = {0};
	socklen_t sl;
	unsigned idx = if_nametoindex(ifname);
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc;

	if (fd < 0 || !idx)
		goto fail;
	if (v6) {
		struct sockaddr_in6 *g = (struct sockaddr_in6 *)&ss;
		struct ipv6_mreq mreq = {.ipv6mr_interface = idx};
		g->sin6_family = AF_INET6;
		inet_pton(AF_INET6, "ff02::1", &g->sin6_addr);
		g->sin6_scope_id = idx;
		mreq.ipv6mr_multiaddr = g->sin6_addr;
		sl = sizeof(*g);
		rc = bind(fd, (struct sockaddr *)g, sl) ||
		     setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mreq,
		                sizeof(mreq));
	} else {
		struct sockaddr_in *g = (struct sockaddr_in *)&ss;
		struct ip_mreqn mreq = {.imr_ifindex = (int)idx};
		g->sin_family = AF_INET;
		inet_pton(AF_INET, "224.0.0.1", &g->sin_addr);
		mreq.imr_multiaddr = g->sin_addr;
		sl = sizeof(*g);
		rc = bind(fd, (struct sockaddr *)g, sl) ||
		     setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq,
		                sizeof(mreq));
	}
	if (rc || getsockname(fd, (struct sockaddr *)&ss, &sl))
		goto fail;
	*port = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
	                 : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

bool wait_announce_from(int fd, uint16_t port, const pctl_addr *from,
                        int timeout_ms)
{
	uint8_t buf[PCTL_MAX_MSG];

	for (int i = 0; i < 4; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		pctl_addr src;
		uint16_t sport;
		ssize_t n;

		if (!client_wait(fd, timeout_ms))
			return false;
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss,
		             &sl);
		if (n < 24 || buf[0] != PCTL_VERSION ||
		    buf[1] != (0x80 | PCTL_OP_ANNOUNCE) ||
		    pctl_addr_from_sockaddr(&src, &sport,
		                            (struct sockaddr *)&ss))
			continue;
		if (sport == port && (!from || pctl_addr_equal(&src, from)))
			return true;
	}
	return false;
}

char *control_request(const struct daemon *d, const char *line)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t cap = 1 << 16, used = 0;
	char *out;
	int fd;

	if (strlen(d->control) >= sizeof(sun.sun_path))
		return NULL;
	memcpy(sun.sun_path, d->control, strlen(d->control) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    write(fd, line, strlen(line)) != (ssize_t)strlen(line) ||
	    write(fd, "\n", 1) != 1) {
		close(fd);
		return NULL;
	}
	out = malloc(cap);
	for (;;) {
		ssize_t r;
		if (used + 1 >= cap) {
			char *bigger = realloc(out, cap * 2);
			if (!bigger)
				break;
			out = bigger;
			cap *= 2;
		}
		r = read(fd, out + used, cap - 1 - used);
		if (r <= 0)
			break;
		used += (size_t)r;
	}
	out[used] = '\0';
	close(fd);
	return out;
}

int run_command(const char *cmd, char **out)
{
	FILE *p = popen(cmd, "r");
	size_t cap = 1 << 16, used = 0;
	char *buf = malloc(cap);
	size_t r;
	int st;

	if (!p || !buf) {
		free(buf);
		if (p)
			pclose(p);
		return -1;
	}
	while ((r = fread(buf + used, 1, cap - 1 - used, p)) > 0) {
		used += r;
		if (used + 1 >= cap) {
			char *b = realloc(buf, cap * 2);
			if (!b)
				break;
			buf = b;
			cap *= 2;
		}
	}
	buf[used] = '\0';
	st = pclose(p);
	if (out)
		*out = buf;
	else
		free(buf);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

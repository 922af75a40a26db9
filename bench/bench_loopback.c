/*
 * bench_loopback: portctld's MAP latency and throughput as its table grows.
 *
 * Starts portctld (or uses one given with --server) with the none backend,
 * no quotas and no rate limit, fills its table with real MAP requests from
 * many source addresses in 127.0.0.0/8 (SOURCES addresses 127.100.x.y, set
 * per datagram with IP_PKTINFO), and at each size (default 1k, 100k, 1M live
 * mappings) measures:
 *   - latency: one request outstanding at a time, renewing random existing
 *     mappings: p50 and p99 of the round trip;
 *   - throughput: WINDOW requests outstanding, renewals: requests/s.
 *
 * With --admin-list yes, once the table is full, an `admin list` runs
 * (a child reading the control socket as fast as it can) while requests
 * are timed one at a time: how long PCP waits behind the listing (issue 15
 * item 13).
 *
 * Usage: bench_loopback [--daemon PATH | --server ADDR:PORT]
 *                       [--sizes N,N,...] [--samples N] [--journal yes|no]
 *                       [--admin-list yes]
 * With --server the daemon must allow as many mappings per host as
 * --sizes needs and not rate-limit (max-per-host 0, rate-limit 0).
 *
 * Mappings are pinholes (nat44 off) so that the port space of one external
 * address does not cap the table below a million.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <portctl/wire.h>

#include "bench_daemon.h"
#include "bench_pktinfo.h"

#define SOURCES       256
#define PORTS_PER_SRC 4096 /* SOURCES * PORTS_PER_SRC >= 1M */
#define WINDOW        64   /* requests in flight */
#define SERVER_IP     "127.99.0.1"

/* One socket bound to the wildcard address: each request names its source
 * address in an IP_PKTINFO control message, and every answer comes back to
 * this socket whatever 127.100.x.y it went to, so the client side costs one
 * recvmmsg/sendmmsg per batch rather than a poll over hundreds of sockets. */
static int sock = -1;
static struct sockaddr_in server;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void src_ip(int s, char *buf, size_t len)
{
	snprintf(buf, len, "127.100.%d.%d", s / 200, 1 + s % 200);
}

/* The request that creates or renews mapping number i; *src is the source
 * address it must leave from. */
static size_t build(uint8_t *buf, size_t i, struct in_addr *src)
{
	struct pctl_msg *m = calloc(1, sizeof(*m));
	int s = (int)(i % SOURCES);
	char ip[32];
	size_t len;

	src_ip(s, ip, sizeof(ip));
	m->version = PCTL_VERSION;
	m->opcode = PCTL_OP_MAP;
	m->lifetime = 86400;
	pctl_addr_from_str(&m->client_addr, ip);
	memset(m->nonce, s + 1, sizeof(m->nonce));
	m->protocol = 17;
	m->internal_port = (uint16_t)(1024 + i / SOURCES);
	pctl_addr_set_any(&m->external_addr, true);
	len = pctl_encode(m, buf, PCTL_MAX_MSG);
	free(m);
	inet_pton(AF_INET, ip, src);
	return len;
}

static union bench_pktinfo_ctl pkt_ctl[WINDOW];

/* Sends n requests, each from its own source address. */
static int send_batch(uint8_t (*req)[PCTL_MAX_MSG], const size_t *len,
                      const struct in_addr *src, size_t n)
{
	struct mmsghdr mm[WINDOW];
	struct iovec iov[WINDOW];

	memset(mm, 0, sizeof(mm[0]) * n);
	for (size_t k = 0; k < n; k++) {
		iov[k] = (struct iovec){req[k], len[k]};
		bench_pktinfo_msg(&mm[k].msg_hdr, &iov[k], &server, &pkt_ctl[k],
		                  src[k]);
	}
	return sendmmsg(sock, mm, (unsigned)n, 0);
}

/* Reads every datagram waiting on any socket within timeout_ms; returns
 * how many were successes (result 0) and adds failures to *fails. */
static size_t drain(int timeout_ms, size_t *got, size_t *fails)
{
	static uint8_t buf[WINDOW][PCTL_MAX_MSG];
	struct mmsghdr mm[WINDOW];
	struct iovec iov[WINDOW];
	struct pollfd pf = {.fd = sock, .events = POLLIN};
	size_t ok = 0;
	int n;

	if (poll(&pf, 1, timeout_ms) != 1)
		return 0;
	memset(mm, 0, sizeof(mm));
	for (int k = 0; k < WINDOW; k++) {
		iov[k] = (struct iovec){buf[k], sizeof(buf[k])};
		mm[k].msg_hdr.msg_iov = &iov[k];
		mm[k].msg_hdr.msg_iovlen = 1;
	}
	n = recvmmsg(sock, mm, WINDOW, MSG_DONTWAIT, NULL);
	for (int k = 0; k < n; k++) {
		if (mm[k].msg_len < 4)
			continue;
		(*got)++;
		if (buf[k][3] == PCTL_R_SUCCESS)
			ok++;
		else
			(*fails)++;
	}
	return ok;
}

/* Sends requests for mappings [from, to) with WINDOW outstanding.  Returns
 * the number answered; *secs the wall time. */
static size_t pipeline(size_t from, size_t to, bool random_renew, size_t table,
                       double *secs, size_t *fails)
{
	static uint8_t req[WINDOW][PCTL_MAX_MSG];
	size_t len[WINDOW];
	struct in_addr src[WINDOW];
	size_t sent = 0, got = 0, lost = 0, total = to - from;
	uint64_t t0 = now_ns();
	int stalls = 0;

	*fails = 0;
	while (got + lost < total && stalls < 20) {
		size_t before = got, n = 0;

		while (sent + n < total && sent + n - got - lost < WINDOW) {
			size_t i = random_renew ? (size_t)rand() % table
			                        : from + sent + n;
			len[n] = build(req[n], i, &src[n]);
			n++;
		}
		if (n) {
			int r = send_batch(req, len, src, n);
			if (r > 0)
				sent += (size_t)r;
		}
		drain(200, &got, fails);
		if (got == before) {
			/* Nothing for 200 ms: count the window as lost and
			 * refill it. */
			stalls++;
			lost = sent - got;
		}
	}
	*secs = (double)(now_ns() - t0) / 1e9;
	*fails += lost;
	return got;
}

/* Proportional resident memory (PSS) of one process in KiB, 0 when
 * unknown. */
static double pss_kib(long pid)
{
	char path[64], line[128];
	double kib = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/smaps_rollup", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Pss: %lf kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* Memory of the daemon in MiB (0 when unknown: --server): its privileged
 * parent and its network process together.  PSS, so that the pages the
 * network process shares with the parent it was forked from count once. */
static double rss_mib(pid_t pid)
{
	char path[64];
	double kib;
	long child;
	FILE *f;

	if (pid <= 0)
		return 0;
	kib = pss_kib(pid);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid,
	         (int)pid);
	f = fopen(path, "r");
	while (f && fscanf(f, "%ld", &child) == 1)
		kib += pss_kib(child);
	if (f)
		fclose(f);
	return kib / 1024;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* One renewal of a random mapping: its round trip in ns, 0 when it got no
 * answer within timeout_ms. */
static uint64_t one_rtt(size_t table, int timeout_ms)
{
	static uint8_t req[1][PCTL_MAX_MSG];
	uint8_t resp[PCTL_MAX_MSG];
	struct in_addr src;
	size_t len = build(req[0], (size_t)rand() % table, &src);
	struct pollfd pf = {.fd = sock, .events = POLLIN};
	uint64_t t0 = now_ns();

	if (send_batch(req, &len, &src, 1) != 1 ||
	    poll(&pf, 1, timeout_ms) != 1 ||
	    recv(sock, resp, sizeof(resp), 0) < 4)
		return 0;
	return now_ns() - t0;
}

/* One request at a time: p50 and p99 in microseconds. */
static void latency(size_t table, size_t samples, double *p50, double *p99)
{
	uint64_t *lat = calloc(samples, sizeof(*lat));
	size_t n = 0;

	for (size_t k = 0; k < samples; k++) {
		uint64_t t = one_rtt(table, 1000);
		if (t)
			lat[n++] = t;
	}
	qsort(lat, n, sizeof(*lat), cmp_u64);
	*p50 = n ? (double)lat[n / 2] / 1e3 : 0;
	*p99 = n ? (double)lat[n * 99 / 100] / 1e3 : 0;
	free(lat);
}

static const char *journal = "yes";

/* A child that reads `list` from the control socket to the end; its pid. */
static pid_t admin_list_child(const char *ctl)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct sockaddr_un sun = {.sun_family = AF_UNIX};
		char buf[65536];
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", ctl);
		if (fd < 0 ||
		    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
		    write(fd, "list\n", 5) != 5)
			_exit(1);
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		_exit(0);
	}
	return pid;
}

/* Requests one at a time while an admin list runs: how many, p50, p99 and
 * the worst round trip (us), and how long the list took (ms). */
static void latency_during_list(const char *ctl, size_t table)
{
	size_t cap = 1 << 20, n = 0;
	uint64_t *lat = calloc(cap, sizeof(*lat));
	uint64_t t0 = now_ns(), t_end;
	pid_t child = admin_list_child(ctl);
	int st;

	while (waitpid(child, &st, WNOHANG) == 0 && n < cap) {
		uint64_t t = one_rtt(table, 2000);
		if (t)
			lat[n++] = t;
	}
	t_end = now_ns();
	qsort(lat, n, sizeof(*lat), cmp_u64);
	printf(
	    "admin list of %zu mappings: %.0f ms; %zu MAP requests meanwhile: "
	    "p50 %.1f us, p99 %.1f us, worst %.1f us\n",
	    table, (double)(t_end - t0) / 1e6, n,
	    n ? (double)lat[n / 2] / 1e3 : 0,
	    n ? (double)lat[n * 99 / 100] / 1e3 : 0,
	    n ? (double)lat[n - 1] / 1e3 : 0);
	free(lat);
}

static pid_t start_daemon(const char *path, char *dir)
{
	char conf[256], listen[64];

	snprintf(listen, sizeof(listen), "%s:%u", SERVER_IP,
	         ntohs(server.sin_port));
	snprintf(conf, sizeof(conf),
	         "multicast-announce no\nnat44 no\nexternal-ip 203.0.113.1\n"
	         "max-per-host 0\nmax-mappings 0\nrate-limit 0\n"
	         "min-lifetime 60\nmax-lifetime 86400\njournal %s\n",
	         journal);
	return bench_daemon_start(path, dir, listen, conf);
}

int main(int argc, char **argv)
{
	const char *daemon_path = PORTCTLD_PATH;
	const char *srv = NULL;
	size_t sizes[8] = {1000, 100000, 1000000}, n_sizes = 3;
	size_t samples = 20000, filled = 0;
	bool admin_list = false;
	char dir[] = "/tmp/portctld-bench-XXXXXX";
	pid_t pid = -1;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--daemon")) {
			daemon_path = argv[i + 1];
		} else if (!strcmp(argv[i], "--server")) {
			srv = argv[i + 1];
		} else if (!strcmp(argv[i], "--admin-list")) {
			admin_list = !strcmp(argv[i + 1], "yes");
		} else if (!strcmp(argv[i], "--journal")) {
			journal = argv[i + 1];
		} else if (!strcmp(argv[i], "--samples")) {
			samples = strtoul(argv[i + 1], NULL, 10);
		} else if (!strcmp(argv[i], "--sizes")) {
			char *s = argv[i + 1], *tok, *save = NULL;
			n_sizes = 0;
			for (tok = strtok_r(s, ",", &save); tok && n_sizes < 8;
			     tok = strtok_r(NULL, ",", &save))
				sizes[n_sizes++] = strtoul(tok, NULL, 10);
		} else {
			fprintf(stderr, "unknown option %s\n", argv[i]);
			return 2;
		}
	}
	server.sin_family = AF_INET;
	if (srv) {
		char host[64];
		const char *colon = strrchr(srv, ':');
		snprintf(host, sizeof(host), "%.*s",
		         (int)(colon ? colon - srv : (long)strlen(srv)), srv);
		inet_pton(AF_INET, host, &server.sin_addr);
		server.sin_port =
		    htons(colon ? (uint16_t)atoi(colon + 1) : PCTL_SERVER_PORT);
	} else {
		inet_pton(AF_INET, SERVER_IP, &server.sin_addr);
		server.sin_port = htons(15351);
		if (!mkdtemp(dir)) {
			perror("mkdtemp");
			return 1;
		}
		pid = start_daemon(daemon_path, dir);
		if (pid < 0) {
			fprintf(stderr, "cannot start %s\n", daemon_path);
			return 1;
		}
	}
	{
		struct sockaddr_in a = {.sin_family = AF_INET};
		int big = 8 << 20;
		sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
		if (sock < 0 || bind(sock, (struct sockaddr *)&a, sizeof(a))) {
			perror("bind");
			return 1;
		}
	}
	srand(1);
	printf("%10s %12s %12s %10s %10s %10s %10s\n", "mappings", "fill req/s",
	       "MAP req/s", "p50 us", "p99 us", "errors", "PSS MiB");
	for (size_t k = 0; k < n_sizes; k++) {
		double secs, fill_rate = 0, p50, p99;
		size_t fails = 0, got, target = sizes[k];

		if (target > (size_t)SOURCES * PORTS_PER_SRC)
			target = (size_t)SOURCES * PORTS_PER_SRC;
		if (target > filled) {
			got = pipeline(filled, target, false, 0, &secs, &fails);
			fill_rate = (double)got / secs;
			filled = target;
		}
		got = pipeline(0, samples, true, filled, &secs, &fails);
		latency(filled, samples / 4 ? samples / 4 : 1, &p50, &p99);
		printf("%10zu %12.0f %12.0f %10.1f %10.1f %10zu %10.1f\n",
		       filled, fill_rate, (double)got / secs, p50, p99, fails,
		       rss_mib(pid));
		fflush(stdout);
	}
	if (admin_list && pid > 0) {
		char ctl[128];
		snprintf(ctl, sizeof(ctl), "%s/ctl.sock", dir);
		latency_during_list(ctl, filled);
	}
	if (pid > 0)
		bench_daemon_stop(pid, dir);
	return 0;
}

/*
 * bench_flood: what a flood costs the other hosts (issue 15, items 8-9).
 *
 * Starts portctld on loopback with the DEFAULT configuration (only the
 * listen address, the control socket, the state directory and
 * "multicast-announce no" are set; --conf adds lines, e.g. "rate-limit 0"
 * for the old default) and runs three phases of --seconds each in one run:
 *   1. quiet:        no flood;
 *   2. one source:   one process floods MAP requests as fast as it can
 *                    from one address (127.97.0.1);
 *   3. many sources: the same, cycling through --sources addresses
 *                    127.97.x.y (default 8192, twice the limiter's table).
 * Throughout, four ordinary hosts (127.96.0.1-4) each renew a mapping 25
 * times a second, one request outstanding, and for each phase the table
 * gives their p50 and p99 round trip and the share of their requests left
 * without an answer within 500 ms; plus what the flooder sent and got
 * answered per second and the datagrams the kernel dropped at the
 * daemon's socket (the drops column of /proc/net/udp).
 *
 * Usage: bench_flood [--daemon PATH] [--seconds N] [--sources N]
 *                    [--conf "LINE"]... [--smoke]
 * Every loop is bounded by a deadline; the flooder is a child killed at
 * the end of its phase and the daemon is stopped at the end (both also die
 * with this process, PR_SET_PDEATHSIG).
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
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <portctl/wire.h>

#include "bench_daemon.h"
#include "bench_pktinfo.h"

#define SERVER_IP  "127.98.0.1"
#define HOSTS      4   /* ordinary hosts, 127.96.0.1.. */
#define HOST_RATE  25  /* requests per second each, within the default */
#define TIMEOUT_MS 500 /* an ordinary request unanswered by then is lost */
#define BATCH      64  /* flood datagrams per sendmmsg */
#define MAX_CONF   8
#define FLOOD_MSG  64 /* a MAP request without options: 60 octets */

static struct sockaddr_in server;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A MAP request from ip for internal port `port`, nonce filled with n. */
static size_t build_map(uint8_t *buf, const char *ip, uint16_t port, uint8_t n)
{
	struct pctl_msg *m = calloc(1, sizeof(*m));
	size_t len;

	if (!m)
		return 0;
	m->version = PCTL_VERSION;
	m->opcode = PCTL_OP_MAP;
	m->lifetime = 600;
	pctl_addr_from_str(&m->client_addr, ip);
	memset(m->nonce, n, sizeof(m->nonce));
	m->protocol = 17;
	m->internal_port = port;
	pctl_addr_set_any(&m->external_addr, true);
	len = pctl_encode(m, buf, PCTL_MAX_MSG);
	free(m);
	return len;
}

/* The i-th flooding address: 127.97.0.1, 127.97.0.2, ... */
static struct in_addr flood_src(uint32_t i)
{
	struct in_addr a;

	a.s_addr = htonl(0x7f610000u + 1 + i % 65000);
	return a;
}

/* What a flooder did, shared with the parent. */
struct flood_count {
	uint64_t sent, answered;
};

/* The flooder: MAP requests as fast as sendmmsg takes them, each from its
 * own source address (IP_PKTINFO on a wildcard socket), cycling through
 * `sources` addresses, until the deadline; answers are counted.  The
 * requests are built beforehand so that sending is all it does. */
static void flood(uint32_t sources, uint64_t deadline, struct flood_count *c)
{
	static uint8_t resp[BATCH][64];
	static union bench_pktinfo_ctl ctl[BATCH];
	struct mmsghdr mm[BATCH], rm[BATCH];
	struct iovec iov[BATCH], riov[BATCH];
	struct sockaddr_in any = {.sin_family = AF_INET};
	uint8_t(*req)[FLOOD_MSG] = calloc(sources, FLOOD_MSG);
	size_t *len = calloc(sources, sizeof(*len));
	uint32_t next = 0;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	int big = 32 << 20; /* room for every answer between two reads */

	if (!req || !len || s < 0 ||
	    bind(s, (struct sockaddr *)&any, sizeof(any)))
		_exit(1);
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)))
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	for (uint32_t i = 0; i < sources; i++) {
		uint8_t buf[PCTL_MAX_MSG];
		char ip[INET_ADDRSTRLEN];
		struct in_addr src = flood_src(i);
		inet_ntop(AF_INET, &src, ip, sizeof(ip));
		len[i] = build_map(buf, ip, 4000, 7);
		if (len[i] > FLOOD_MSG)
			_exit(1);
		memcpy(req[i], buf, len[i]);
	}
	memset(rm, 0, sizeof(rm));
	for (int k = 0; k < BATCH; k++) {
		riov[k] = (struct iovec){resp[k], sizeof(resp[k])};
		rm[k].msg_hdr.msg_iov = &riov[k];
		rm[k].msg_hdr.msg_iovlen = 1;
	}
	while (now_ns() < deadline) {
		memset(mm, 0, sizeof(mm));
		for (int k = 0; k < BATCH; k++) {
			uint32_t i = next++ % sources;

			iov[k] = (struct iovec){req[i], len[i]};
			bench_pktinfo_msg(&mm[k].msg_hdr, &iov[k], &server,
			                  &ctl[k], flood_src(i));
		}
		int n = sendmmsg(s, mm, BATCH, 0);
		if (n > 0)
			__atomic_add_fetch(&c->sent, (uint64_t)n,
			                   __ATOMIC_RELAXED);
		/* Bounded: at most 16 reads of BATCH per batch sent. */
		for (int r = 0; r < 16; r++) {
			n = recvmmsg(s, rm, BATCH, MSG_DONTWAIT, NULL);
			if (n <= 0)
				break;
			__atomic_add_fetch(&c->answered, (uint64_t)n,
			                   __ATOMIC_RELAXED);
		}
	}
	_exit(0);
}

/* Datagrams the kernel dropped at the daemon's socket so far (the last
 * column of its line in /proc/net/udp). */
static uint64_t socket_drops(void)
{
	FILE *f = fopen("/proc/net/udp", "r");
	char line[512];
	uint64_t drops = 0;
	unsigned addr, port;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %*d: %8X:%4X", &addr, &port) != 2 ||
		    addr != server.sin_addr.s_addr ||
		    port != ntohs(server.sin_port))
			continue;
		size_t n = strlen(line);
		while (n && (line[n - 1] == ' ' || line[n - 1] == '\n'))
			line[--n] = '\0';
		char *last = strrchr(line, ' ');
		if (last)
			drops = strtoull(last + 1, NULL, 10);
	}
	fclose(f);
	return drops;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct result {
	double p50_us, p99_us, loss;
	size_t samples;
};

/* The ordinary hosts for `secs` seconds: one request at a time, HOSTS *
 * HOST_RATE a second in all, round robin. */
static struct result ordinary_hosts(const int *fd, double secs)
{
	size_t max = (size_t)(secs * HOSTS * HOST_RATE) + 1, n = 0, lost = 0;
	uint64_t *lat = calloc(max, sizeof(*lat));
	uint64_t period = 1000000000u / (HOSTS * HOST_RATE);
	uint64_t start = now_ns();
	struct result r = {0};

	for (size_t k = 0; k < max && lat; k++) {
		uint64_t slot = start + k * period;
		uint8_t req[PCTL_MAX_MSG], resp[PCTL_MAX_MSG];
		char ip[32];
		int h = (int)(k % HOSTS);

		while (now_ns() < slot)
			usleep(200);
		snprintf(ip, sizeof(ip), "127.96.0.%d", h + 1);
		size_t len =
		    build_map(req, ip, (uint16_t)(5000 + h), (uint8_t)(h + 1));
		uint64_t t0 = now_ns();
		bool ok = false;
		if (sendto(fd[h], req, len, 0, (struct sockaddr *)&server,
		           sizeof(server)) == (ssize_t)len) {
			uint64_t end = t0 + TIMEOUT_MS * 1000000ull;
			/* Bounded: each poll waits for what is left. */
			while (!ok && now_ns() < end) {
				struct pollfd pf = {.fd = fd[h],
				                    .events = POLLIN};
				int wait =
				    (int)((end - now_ns()) / 1000000) + 1;
				if (poll(&pf, 1, wait) != 1)
					break;
				ok = recv(fd[h], resp, sizeof(resp), 0) >= 24;
			}
		}
		if (ok)
			lat[n++] = now_ns() - t0;
		else
			lost++;
	}
	if (lat && n) {
		qsort(lat, n, sizeof(*lat), cmp_u64);
		r.p50_us = (double)lat[n / 2] / 1e3;
		r.p99_us = (double)lat[n * 99 / 100] / 1e3;
	}
	r.samples = n + lost;
	r.loss = r.samples ? (double)lost / (double)r.samples : 0;
	free(lat);
	return r;
}

/* One phase: a flooder over `sources` addresses (0: none) while the
 * ordinary hosts measure; prints one row. */
static void phase(const char *name, uint32_t sources, double secs,
                  const int *fd, struct flood_count *c)
{
	uint64_t drops0 = socket_drops();
	uint64_t t0 = now_ns();
	pid_t pid = -1;

	c->sent = c->answered = 0;
	if (sources) {
		uint64_t deadline = t0 + (uint64_t)(secs * 1e9);
		pid = fork();
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			flood(sources, deadline, c);
		}
		usleep(100000); /* let the flood get going */
	}
	struct result r = ordinary_hosts(fd, secs - (sources ? 0.2 : 0));
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	double el = (double)(now_ns() - t0) / 1e9;
	printf("| %s | %.0f | %.0f | %llu | %.0f | %.0f | %.1f %% | %zu |\n",
	       name, (double)c->sent / el, (double)c->answered / el,
	       (unsigned long long)(socket_drops() - drops0), r.p50_us,
	       r.p99_us, r.loss * 100, r.samples);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	const char *daemon_path = PORTCTLD_PATH;
	const char *conf[MAX_CONF];
	size_t n_conf = 0;
	double secs = 10;
	uint32_t sources = 8192;
	char dir[] = "/tmp/portctld-flood-XXXXXX";
	int fd[HOSTS];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke")) {
			secs = 1;
			sources = 64;
		} else if (i + 1 >= argc) {
			fprintf(stderr, "%s needs a value\n", argv[i]);
			return 2;
		} else if (!strcmp(argv[i], "--daemon")) {
			daemon_path = argv[++i];
		} else if (!strcmp(argv[i], "--seconds")) {
			secs = strtod(argv[++i], NULL);
		} else if (!strcmp(argv[i], "--sources")) {
			sources = (uint32_t)strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--conf") && n_conf < MAX_CONF) {
			conf[n_conf++] = argv[++i];
		} else {
			fprintf(stderr, "unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (secs < 1 || secs > 600 || sources < 1 || sources > 65000) {
		fprintf(stderr, "--seconds 1..600, --sources 1..65000\n");
		return 2;
	}
	server.sin_family = AF_INET;
	inet_pton(AF_INET, SERVER_IP, &server.sin_addr);
	server.sin_port = htons(15352);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	char text[1024], listen[64];
	size_t used =
	    (size_t)snprintf(text, sizeof(text), "multicast-announce no\n");
	for (size_t i = 0; i < n_conf && used < sizeof(text); i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used,
		                         "%s\n", conf[i]);
	snprintf(listen, sizeof(listen), "%s:%u", SERVER_IP,
	         ntohs(server.sin_port));
	pid_t pid = bench_daemon_start(daemon_path, dir, listen, text);
	struct flood_count *c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
	                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int rc = 1;
	if (pid < 0 || c == MAP_FAILED) {
		fprintf(stderr, "cannot start %s\n", daemon_path);
		goto out;
	}
	for (int h = 0; h < HOSTS; h++) {
		struct sockaddr_in a = {.sin_family = AF_INET};
		char ip[32];
		snprintf(ip, sizeof(ip), "127.96.0.%d", h + 1);
		inet_pton(AF_INET, ip, &a.sin_addr);
		fd[h] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd[h] < 0 ||
		    bind(fd[h], (struct sockaddr *)&a, sizeof(a))) {
			perror("bind");
			goto out;
		}
	}
	printf("| flood | flood sent/s | flood answered/s | kernel drops | "
	       "p50 us | p99 us | lost | requests |\n"
	       "|---|---|---|---|---|---|---|---|\n");
	phase("none", 0, secs, fd, c);
	phase("one source", 1, secs, fd, c);
	char name[64];
	snprintf(name, sizeof(name), "%u sources", sources);
	phase(name, sources, secs, fd, c);
	rc = 0;
out:
	bench_daemon_stop(pid, dir);
	return rc;
}

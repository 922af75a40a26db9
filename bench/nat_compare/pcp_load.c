/*
 * pcp_load: PCP MAP load against any PCP server (portctld, miniupnpd, ...).
 *
 * Runs on the internal side of a NAT.  Mapping number i is a MAP request
 * from internal host i/2 % HOSTS (one UDP socket bound to each of HOSTS
 * consecutive addresses from FIRST_SRC, which must be configured on an
 * interface), protocol TCP for even i and UDP for odd i, internal port and
 * suggested external port FIRST_PORT + i/2: distinct external ports per
 * protocol, so that a server with one external address (miniupnpd) can
 * honour every suggestion and no two mappings collide.
 *
 * For each size N of --sizes, in increasing order, it
 *   1. fills: sends new mappings up to N live, WINDOW outstanding, and
 *      reports the fill rate (SUCCESS answers per second: mappings
 *      installed per second when the server installs kernel state before it
 *      answers, as portctld and miniupnpd do);
 *   2. probes: PROBES new mappings one at a time (one outstanding): the
 *      latency of a MAP that creates a mapping at N live, p50 and p99;
 *   3. renews: RENEWALS requests that renew existing mappings, WINDOW
 *      outstanding: requests/s at N live;
 *   4. runs --after CMD (with PCP_LOAD_SIZE set) so that the caller can
 *      count the kernel state at that size (after a timeout too).
 * The probes stay installed, so the table holds N + PROBES during step 3.
 *
 * One line per size on stdout, key=value, for scripts:
 *   size=N live=L fill_ok=.. fill_fail=.. fill_lost=.. fill_resent=..
 *   fill_s=.. fill_rate=.. p50_us=.. p99_us=.. probes=.. renewals=..
 *   renew_rps=.. renew_fail=.. renew_lost=.. renew_resent=..
 *   first_error=NAME|- timeout=0|1
 * Probes and renewals stop being sent after 20 s (fewer samples from a
 * slow server; the line counts them).
 *
 * Retransmission as RFC 6887 section 8.1.1 has it, the timeout doubling
 * with every try, from max(RTO, 2 x smoothed round trip) (RTO default 3 s,
 * the RFC's IRT): a server slower than WINDOW requests per RTO then sees
 * few duplicates, which would each cost it a second request's work.  A
 * request unanswered after RETRIES retransmissions is "lost".  Once
 * --deadline seconds have passed the current phase stops, its line says
 * timeout=1 and no further size is attempted: how far the server got is the
 * result.
 *
 * Exit: 0 when every size ran (whatever the server answered), 1 on a
 * timeout, 2 on a usage or socket error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <portctl/wire.h>

#define MAX_HOSTS  256
#define MAX_WINDOW 256
#define MAX_SIZES  8
#define RETRIES    5
/* Probes and renewals stop being sent after this long (a slow server
 * still yields its figures from fewer samples; the line says how many). */
#define PHASE_CAP_NS (20 * 1000000000ull)
/* How often a long fill says how far it got: the rate as the table grows. */
#define PROGRESS_NS (30 * 1000000000ull)
#define PROTO_TCP   6
#define PROTO_UDP   17

struct config {
	struct in_addr server;
	struct in_addr first_src;
	unsigned hosts;
	unsigned first_port;
	size_t sizes[MAX_SIZES];
	size_t n_sizes;
	unsigned window;
	unsigned probes;
	unsigned renewals;
	uint32_t lifetime;
	unsigned rto_ms;
	unsigned deadline_s;
	const char *after;
};

/* What became of mapping i. */
enum map_state { M_IDLE = 0, M_INFLIGHT, M_OK, M_FAILED, M_LOST };

/* One request outstanding. */
struct slot {
	bool busy;
	uint32_t index;
	unsigned tries;
	uint64_t first_ns;
	uint64_t last_ns;
};

/* The result of one phase (fill, probes or renewals). */
struct phase {
	size_t ok, failed, lost, resent;
	uint64_t elapsed_ns;
	uint8_t first_error; /* result code of the first failure, 0: none */
	bool timed_out;
	uint64_t *lat_ns; /* per answered request, when not NULL */
	size_t n_lat;
	bool progress; /* print "# progress" lines every PROGRESS_NS */
};

static struct config cfg;
static int socks[MAX_HOSTS];
static uint8_t *state;     /* enum map_state per mapping index */
static uint32_t max_index; /* mappings the port space allows */
static uint32_t *live;     /* indices answered SUCCESS, in order */
static size_t n_live;
static uint8_t run_id[4]; /* nonce prefix: answers of an older run differ */
static uint64_t deadline_ns;
static uint64_t srtt_ns;       /* smoothed round trip of first tries, 0: none */
static struct pctl_msg rx_msg; /* large (options array): not on the stack */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static unsigned host_of(uint32_t i)
{
	return (i / 2) % cfg.hosts;
}

static double per_s(size_t count, uint64_t ns)
{
	return ns ? (double)count * 1e9 / (double)ns : 0;
}

/* Sends (or resends) the MAP request of mapping i from its host. */
static int send_map(uint32_t i)
{
	static struct pctl_msg m; /* zero but for the fields set below */
	uint8_t buf[PCTL_MAX_MSG];
	uint8_t v4[4];
	uint32_t src = ntohl(cfg.first_src.s_addr) + host_of(i);
	size_t len;

	m.version = PCTL_VERSION;
	m.opcode = PCTL_OP_MAP;
	m.lifetime = cfg.lifetime;
	v4[0] = (uint8_t)(src >> 24);
	v4[1] = (uint8_t)(src >> 16);
	v4[2] = (uint8_t)(src >> 8);
	v4[3] = (uint8_t)src;
	pctl_addr_from_v4(&m.client_addr, v4);
	/* The nonce names the mapping, so that an answer finds its request
	 * whatever order answers come in. */
	memcpy(m.nonce, run_id, 4);
	m.nonce[4] = (uint8_t)(i >> 24);
	m.nonce[5] = (uint8_t)(i >> 16);
	m.nonce[6] = (uint8_t)(i >> 8);
	m.nonce[7] = (uint8_t)i;
	m.protocol = (i & 1) ? PROTO_UDP : PROTO_TCP;
	m.internal_port = (uint16_t)(cfg.first_port + i / 2);
	m.external_port = m.internal_port;
	pctl_addr_set_any(&m.external_addr, true);
	len = pctl_encode(&m, buf, sizeof(buf));
	if (len == 0)
		return -1;
	/* A full socket buffer is a loss like any other: the RTO resends. */
	if (send(socks[host_of(i)], buf, len, 0) < 0 && errno != EAGAIN &&
	    errno != ENOBUFS && errno != ECONNREFUSED)
		return -1;
	return 0;
}

/* The mapping index an answer is for, or -1 if it is not ours. */
static int64_t answer_index(const uint8_t *buf, size_t len, uint8_t *result)
{
	struct pctl_error err;
	uint32_t i;

	if (pctl_response_decode(buf, len, &rx_msg, &err) != PCTL_V_OK) {
		if (getenv("PCP_LOAD_DEBUG"))
			fprintf(stderr, "pcp_load: answer dropped: %s\n",
			        err.rule);
		return -1;
	}
	if (rx_msg.opcode != PCTL_OP_MAP ||
	    memcmp(rx_msg.nonce, run_id, 4) != 0)
		return -1;
	i = (uint32_t)rx_msg.nonce[4] << 24 | (uint32_t)rx_msg.nonce[5] << 16 |
	    (uint32_t)rx_msg.nonce[6] << 8 | rx_msg.nonce[7];
	if (i >= max_index)
		return -1;
	*result = rx_msg.result;
	return i;
}

static void settle(struct phase *ph, struct slot *s, uint8_t result, uint64_t t)
{
	if (result == PCTL_R_SUCCESS) {
		if (state[s->index] != M_OK)
			live[n_live++] = s->index;
		state[s->index] = M_OK;
		ph->ok++;
	} else {
		/* A renewal that fails leaves the mapping as it was. */
		if (state[s->index] != M_OK)
			state[s->index] = M_FAILED;
		ph->failed++;
		if (ph->first_error == 0)
			ph->first_error = result;
	}
	if (ph->lat_ns)
		ph->lat_ns[ph->n_lat++] = t - s->first_ns;
	/* Karn: only answers to a first try say what a round trip costs. */
	if (s->tries == 0)
		srtt_ns = srtt_ns ? (7 * srtt_ns + (t - s->first_ns)) / 8
		                  : t - s->first_ns;
	s->busy = false;
}

/* Reads every answer waiting; matches them to outstanding slots. */
static void receive(struct phase *ph, struct slot *slots, int32_t *slot_of)
{
	uint8_t buf[PCTL_MAX_MSG];

	for (unsigned h = 0; h < cfg.hosts; h++) {
		for (;;) {
			ssize_t n = recv(socks[h], buf, sizeof(buf), 0);
			uint8_t result = 0;
			int64_t i;

			if (n < 0)
				break;
			i = answer_index(buf, (size_t)n, &result);
			if (i < 0 || slot_of[i] < 0)
				continue; /* late duplicate or foreign */
			settle(ph, &slots[slot_of[i]], result, now_ns());
			slot_of[i] = -1;
		}
	}
}

/* Sends the n mappings of list, WINDOW at a time (window 1: one
 * outstanding), resending each after the RTO up to RETRIES times, until
 * all are answered, lost or the deadline passes. */
static void run_phase(struct phase *ph, const uint32_t *list, size_t n,
                      unsigned window, uint64_t send_until, int32_t *slot_of)
{
	struct slot slots[MAX_WINDOW];
	struct pollfd pfd[MAX_HOSTS];
	uint64_t start = now_ns(), report = start + PROGRESS_NS;
	size_t next = 0, ok_then = 0;
	unsigned busy = 0;

	memset(slots, 0, sizeof(slots));
	for (unsigned h = 0; h < cfg.hosts; h++)
		pfd[h] = (struct pollfd){.fd = socks[h], .events = POLLIN};
	while (next < n || busy > 0) {
		uint64_t t = now_ns(), rto = (uint64_t)cfg.rto_ms * 1000000u;
		uint64_t wake;
		int timeout_ms;

		if (rto < 2 * srtt_ns)
			rto = 2 * srtt_ns;
		wake = t + (rto << RETRIES);
		if (send_until && t >= send_until)
			n = next; /* enough samples: answer what is out, stop */
		if (ph->progress && t >= report) {
			printf("# progress t=%.0fs live=%zu rate=%.1f/s\n",
			       (double)(t - start) / 1e9, n_live,
			       per_s(ph->ok - ok_then, PROGRESS_NS));
			fflush(stdout);
			ok_then = ph->ok;
			report += PROGRESS_NS;
		}
		if (t >= deadline_ns) {
			ph->timed_out = true;
			break;
		}
		busy = 0;
		for (unsigned k = 0; k < window; k++) {
			struct slot *s = &slots[k];

			/* A mapping is never outstanding twice (renewals
			 * of a small table repeat): wait for its answer. */
			if (!s->busy && next < n && slot_of[list[next]] < 0) {
				*s = (struct slot){true, list[next++], 0, t, t};
				slot_of[s->index] = (int32_t)k;
				state[s->index] =
				    state[s->index] == M_OK ? M_OK : M_INFLIGHT;
				if (send_map(s->index) < 0) {
					perror("pcp_load: send");
					ph->timed_out = true;
				}
			} else if (s->busy &&
			           t - s->last_ns >= rto << s->tries) {
				if (++s->tries > RETRIES) {
					if (state[s->index] != M_OK)
						state[s->index] = M_LOST;
					slot_of[s->index] = -1;
					s->busy = false;
					ph->lost++;
					continue;
				}
				s->last_ns = t;
				ph->resent++;
				send_map(s->index);
			}
			if (s->busy) {
				busy++;
				if (s->last_ns + (rto << s->tries) < wake)
					wake = s->last_ns + (rto << s->tries);
			}
		}
		if (ph->timed_out)
			break;
		if (busy == 0)
			continue;
		if (wake > deadline_ns)
			wake = deadline_ns;
		timeout_ms = wake > t ? (int)((wake - t) / 1000000u) + 1 : 0;
		if (poll(pfd, cfg.hosts, timeout_ms) > 0)
			receive(ph, slots, slot_of);
	}
	for (unsigned k = 0; k < window; k++)
		if (slots[k].busy)
			slot_of[slots[k].index] = -1;
	ph->elapsed_ns = now_ns() - start;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of n sorted samples, in microseconds. */
static double pct_us(const uint64_t *v, size_t n, unsigned p)
{
	size_t k;

	if (n == 0)
		return 0;
	k = (n * p + 99) / 100;
	return (double)v[k ? k - 1 : 0] / 1000.0;
}

static int parse_sizes(const char *s)
{
	char *end;

	cfg.n_sizes = 0;
	while (*s && cfg.n_sizes < MAX_SIZES) {
		unsigned long long v = strtoull(s, &end, 10);

		if (end == s || v == 0 ||
		    (cfg.n_sizes && v <= cfg.sizes[cfg.n_sizes - 1]))
			return -1;
		cfg.sizes[cfg.n_sizes++] = (size_t)v;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -1;
	}
	return *s || cfg.n_sizes == 0 ? -1 : 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: pcp_load -s SERVER -f FIRST_SRC [-H HOSTS] "
	                "[-n N,N,...]\n"
	                "  [-w WINDOW] [-p PROBES] [-r RENEWALS] [-l LIFETIME] "
	                "[-P FIRST_PORT]\n"
	                "  [-R RTO_MS] [-T DEADLINE_S] [-x AFTER_CMD]\n");
}

static unsigned opt_num(const char *s, unsigned lo, unsigned hi, bool *bad)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end || v < lo || v > hi)
		*bad = true;
	return (unsigned)v;
}

static int parse_args(int argc, char **argv)
{
	bool bad = false, have_server = false, have_src = false;
	int c;

	cfg = (struct config){.hosts = 16,
	                      .first_port = 1024,
	                      .window = 32,
	                      .probes = 200,
	                      .renewals = 2000,
	                      .lifetime = 7200,
	                      .rto_ms = 3000,
	                      .deadline_s = 300};
	parse_sizes("1000,10000,100000");
	while ((c = getopt(argc, argv, "s:f:H:n:w:p:r:l:P:R:T:x:")) != -1) {
		switch (c) {
		case 's':
			have_server = inet_pton(AF_INET, optarg, &cfg.server);
			break;
		case 'f':
			have_src = inet_pton(AF_INET, optarg, &cfg.first_src);
			break;
		case 'H':
			cfg.hosts = opt_num(optarg, 1, MAX_HOSTS, &bad);
			break;
		case 'n':
			bad |= parse_sizes(optarg) < 0;
			break;
		case 'w':
			cfg.window = opt_num(optarg, 1, MAX_WINDOW, &bad);
			break;
		case 'p':
			cfg.probes = opt_num(optarg, 1, 100000, &bad);
			break;
		case 'r':
			cfg.renewals = opt_num(optarg, 1, 10000000, &bad);
			break;
		case 'l':
			cfg.lifetime = opt_num(optarg, 1, 604800, &bad);
			break;
		case 'P':
			cfg.first_port = opt_num(optarg, 1, 65535, &bad);
			break;
		case 'R':
			cfg.rto_ms = opt_num(optarg, 10, 60000, &bad);
			break;
		case 'T':
			cfg.deadline_s = opt_num(optarg, 1, 86400, &bad);
			break;
		case 'x':
			cfg.after = optarg;
			break;
		default:
			bad = true;
		}
	}
	if (bad || !have_server || !have_src || optind != argc) {
		usage();
		return -1;
	}
	max_index = 2 * (65536 - cfg.first_port);
	if (cfg.sizes[cfg.n_sizes - 1] + (size_t)cfg.probes * cfg.n_sizes >
	    max_index) {
		fprintf(stderr,
		        "pcp_load: %zu mappings do not fit in ports "
		        "%u-65535 (TCP and UDP)\n",
		        cfg.sizes[cfg.n_sizes - 1], cfg.first_port);
		return -1;
	}
	return 0;
}

static int open_sockets(void)
{
	struct sockaddr_in srv = {.sin_family = AF_INET,
	                          .sin_port = htons(PCTL_SERVER_PORT),
	                          .sin_addr = cfg.server};

	for (unsigned h = 0; h < cfg.hosts; h++) {
		struct sockaddr_in me = {.sin_family = AF_INET};
		int rcvbuf = 1 << 20;

		me.sin_addr.s_addr = htonl(ntohl(cfg.first_src.s_addr) + h);
		socks[h] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (socks[h] < 0 ||
		    setsockopt(socks[h], SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		               sizeof(rcvbuf)) < 0 ||
		    bind(socks[h], (struct sockaddr *)&me, sizeof(me)) < 0 ||
		    connect(socks[h], (struct sockaddr *)&srv, sizeof(srv)) <
		        0) {
			char a[INET_ADDRSTRLEN];

			inet_ntop(AF_INET, &me.sin_addr, a, sizeof(a));
			fprintf(stderr, "pcp_load: socket from %s: %s\n", a,
			        strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Runs the caller's command at a size (kernel state counts, ...). */
static void run_after(size_t size)
{
	char num[32];

	if (!cfg.after)
		return;
	snprintf(num, sizeof(num), "%zu", size);
	setenv("PCP_LOAD_SIZE", num, 1);
	fflush(stdout);
	if (system(cfg.after) != 0)
		fprintf(stderr, "pcp_load: --after command failed\n");
}

/* Steps 1-3 of the header comment for one size; false on a timeout. */
static bool measure_size(size_t size, uint32_t *next_index, uint32_t *list,
                         uint64_t *lat, int32_t *slot_of)
{
	struct phase fill = {.progress = true}, probe = {.lat_ns = lat};
	struct phase renew = {0};
	size_t n = 0;

	/* 1. fill with fresh indices up to size live */
	while (n_live + n < size && *next_index < max_index)
		list[n++] = (*next_index)++;
	run_phase(&fill, list, n, cfg.window, 0, slot_of);
	/* 2. probes: new mappings, one outstanding */
	if (!fill.timed_out) {
		for (n = 0; n < cfg.probes && *next_index < max_index; n++)
			list[n] = (*next_index)++;
		run_phase(&probe, list, n, 1, now_ns() + PHASE_CAP_NS, slot_of);
	}
	/* 3. renewals of live mappings, spread over the table */
	if (!fill.timed_out && !probe.timed_out && n_live > 0) {
		size_t stride = n_live > 7919 && n_live % 7919 ? 7919 : 1;

		for (n = 0; n < cfg.renewals; n++)
			list[n] = live[(n * stride) % n_live];
		run_phase(&renew, list, n, cfg.window, now_ns() + PHASE_CAP_NS,
		          slot_of);
	}
	qsort(lat, probe.n_lat, sizeof(*lat), cmp_u64);
	{
		uint8_t e =
		    fill.first_error ? fill.first_error : probe.first_error;
		bool late =
		    fill.timed_out || probe.timed_out || renew.timed_out;

		printf(
		    "size=%zu live=%zu fill_ok=%zu fill_fail=%zu "
		    "fill_lost=%zu fill_resent=%zu fill_s=%.3f "
		    "fill_rate=%.0f p50_us=%.0f p99_us=%.0f probes=%zu "
		    "renewals=%zu renew_rps=%.0f renew_fail=%zu renew_lost=%zu "
		    "renew_resent=%zu first_error=%s timeout=%d\n",
		    size, n_live, fill.ok, fill.failed, fill.lost, fill.resent,
		    (double)fill.elapsed_ns / 1e9,
		    per_s(fill.ok, fill.elapsed_ns),
		    pct_us(lat, probe.n_lat, 50), pct_us(lat, probe.n_lat, 99),
		    probe.n_lat, renew.ok, per_s(renew.ok, renew.elapsed_ns),
		    renew.failed, renew.lost, renew.resent,
		    e ? pctl_result_name(e) : "-", late);
		fflush(stdout);
		run_after(size); /* how far a server got counts too */
		return !late;
	}
}

int main(int argc, char **argv)
{
	uint32_t next_index = 0, *list = NULL;
	uint64_t *lat = NULL;
	int32_t *slot_of = NULL;
	size_t list_len;
	int rc = 0;
	bool done = true;

	if (parse_args(argc, argv) < 0)
		return 2;
	for (unsigned h = 0; h < MAX_HOSTS; h++)
		socks[h] = -1;
	list_len = cfg.sizes[cfg.n_sizes - 1];
	if (list_len < cfg.renewals)
		list_len = cfg.renewals;
	if (list_len < cfg.probes)
		list_len = cfg.probes;
	state = calloc(max_index, sizeof(*state));
	live = calloc(max_index, sizeof(*live));
	slot_of = malloc(max_index * sizeof(*slot_of));
	list = calloc(list_len, sizeof(*list));
	lat = calloc(cfg.probes, sizeof(*lat));
	if (!state || !live || !slot_of || !list || !lat ||
	    open_sockets() < 0) {
		rc = 2;
		goto out;
	}
	for (uint32_t i = 0; i < max_index; i++)
		slot_of[i] = -1;
	{
		uint64_t t = now_ns();

		run_id[0] = (uint8_t)(getpid() >> 8);
		run_id[1] = (uint8_t)getpid();
		run_id[2] = (uint8_t)(t >> 16);
		run_id[3] = (uint8_t)(t >> 24);
		deadline_ns = t + (uint64_t)cfg.deadline_s * 1000000000u;
	}
	for (size_t k = 0; k < cfg.n_sizes && done; k++)
		done =
		    measure_size(cfg.sizes[k], &next_index, list, lat, slot_of);
	rc = done ? 0 : 1;
out:
	for (unsigned h = 0; h < MAX_HOSTS; h++)
		if (socks[h] >= 0)
			close(socks[h]);
	free(state);
	free(live);
	free(slot_of);
	free(list);
	free(lat);
	return rc;
}

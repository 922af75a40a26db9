/*
 * Test driver of the nftables backend (tests/netns/run_nft_backend.sh runs
 * it inside the router namespace).  Each invocation opens the backend
 * (which adopts the table an earlier one left), does one thing, and closes
 * it keeping kernel state, except "destroy".
 *
 *   nft_driver [-t table] [-e ext_if] [-H] create|refresh|remove|abort|
 *              reconcile SPEC... [+create|+refresh|+remove SPEC...]...
 *              (a "+sleep" between two groups waits 2 s; one process
 *              keeps the backend's own record of what it installed)
 *   nft_driver [-t table] [-e ext_if] destroy
 *   nft_driver lookup PROTO INT_ADDR INT_PORT REMOTE_ADDR REMOTE_PORT
 *   nft_driver idle SPEC    (S-52: prints idle_left's seconds)
 *   nft_driver watch IFNAME SECONDS
 *   nft_driver [-t table] [-e ext_if] bench TOTAL BATCH [FIRST]
 *   nft_driver [-t table] bench-set SIZE ROUNDS
 *   nft_driver [-t table] [-e ext_if] events SECONDS [DELAY]
 *
 * -w FILE: before every commit but the first, create FILE.ready and wait
 * (10 s at most) until FILE exists, so that a test can change the table
 * between two commits.
 *
 * bench ends, and events waits (at most SECONDS) for the backend's change
 * notifications, then calls events() and prints "events: RESULT MESSAGE";
 * DELAY: seconds to sleep before the first read (to let a burst overrun
 * the notification socket).
 *
 * SPEC: comma-separated key=value: id, proto, int, iport, ext, eport,
 * life, count, out (1 = PEER), remote, rport, filter=ADDR/LEN[/PORT]
 * (repeatable; LEN in the address's own family).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addrwatch.h"
#include "backend.h"

#define MAX_SPECS   64
#define MAX_FILTERS 16

struct spec {
	const char *op; /* set on a "+op" separator, else NULL */
	struct pctl_dp_mapping m;
	struct pctl_filter f[MAX_FILTERS];
};

static int parse_addr(pctl_addr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->b + 12) == 1) {
		a->b[10] = a->b[11] = 0xff;
		return 0;
	}
	return inet_pton(AF_INET6, s, a->b) == 1 ? 0 : -1;
}

static int parse_filter(struct pctl_filter *f, char *s)
{
	char *len = strchr(s, '/');
	if (!len)
		return -1;
	*len++ = '\0';
	char *port = strchr(len, '/');
	if (port)
		*port++ = '\0';
	if (parse_addr(&f->addr, s))
		return -1;
	unsigned l = (unsigned)atoi(len);
	bool v4 = strchr(s, ':') == NULL;
	f->prefix_len = (uint8_t)(v4 ? l + 96 : l);
	f->port = port ? (uint16_t)atoi(port) : 0;
	return 0;
}

static int parse_spec(struct spec *sp, const char *text)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", text);
	memset(sp, 0, sizeof(*sp));
	sp->m.port_count = 1;
	sp->m.filters = sp->f;
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		char *v = strchr(t, '=');
		if (!v)
			return -1;
		*v++ = '\0';
		int bad = 0;
		if (!strcmp(t, "id"))
			sp->m.id = strtoull(v, NULL, 0);
		else if (!strcmp(t, "proto"))
			sp->m.protocol = (uint8_t)atoi(v);
		else if (!strcmp(t, "int"))
			bad = parse_addr(&sp->m.int_addr, v);
		else if (!strcmp(t, "iport"))
			sp->m.int_port = (uint16_t)atoi(v);
		else if (!strcmp(t, "ext"))
			bad = parse_addr(&sp->m.ext_addr, v);
		else if (!strcmp(t, "eport"))
			sp->m.ext_port = (uint16_t)atoi(v);
		else if (!strcmp(t, "life"))
			sp->m.lifetime = (uint32_t)atoi(v);
		else if (!strcmp(t, "count"))
			sp->m.port_count = (uint16_t)atoi(v);
		else if (!strcmp(t, "out"))
			sp->m.outbound = atoi(v) != 0;
		else if (!strcmp(t, "remote"))
			bad = parse_addr(&sp->m.remote_addr, v);
		else if (!strcmp(t, "rport"))
			sp->m.remote_port = (uint16_t)atoi(v);
		else if (!strcmp(t, "filter") && sp->m.n_filters < MAX_FILTERS)
			bad = parse_filter(&sp->f[sp->m.n_filters++], v);
		else
			bad = -1;
		if (bad) {
			fprintf(stderr, "nft_driver: bad %s=%s\n", t, v);
			return -1;
		}
	}
	return 0;
}

static int watch(const char *ifname, int seconds)
{
	struct pctl_addrwatch *w;
	int err = pctl_addrwatch_open(ifname, &w);
	if (err) {
		fprintf(stderr, "watch: %s\n", strerror(-err));
		return 1;
	}
	pctl_addr a[16];
	size_t n = 0;
	char txt[INET6_ADDRSTRLEN];
	(void)pctl_addrwatch_list(w, a, 16, &n);
	for (size_t i = 0; i < n; i++)
		printf("initial %s\n",
		       inet_ntop(AF_INET6, a[i].b, txt, sizeof(txt)));
	printf("ready\n");
	fflush(stdout);
	int rc = 1;
	time_t end = time(NULL) + seconds;
	while (rc == 1 && time(NULL) < end) {
		struct pollfd p = {pctl_addrwatch_fd(w), POLLIN, 0};
		if (poll(&p, 1, 200) <= 0)
			continue;
		if (pctl_addrwatch_process(w, a, 16, &n) != 1)
			continue;
		for (size_t i = 0; i < n; i++)
			printf("now %s\n",
			       inet_ntop(AF_INET6, a[i].b, txt, sizeof(txt)));
		rc = 0;
	}
	pctl_addrwatch_close(w);
	return rc;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Lets the backend check its notifications, as the daemon's loop does,
 * until it reports something or `seconds` have passed. */
static int events(struct pctl_backend *be, int seconds)
{
	struct pollfd p = {.fd = be->ops->event_fd(be->ctx), .events = POLLIN};
	char msg[512] = "";
	double end = now_s() + seconds;
	int r;
	do {
		r = be->ops->events(be->ctx, msg, sizeof(msg));
	} while (!r && now_s() < end &&
	         poll(&p, 1, (int)((end - now_s()) * 1000) + 1) >= 0);
	printf("events: %d %s\n", r, msg);
	return r < 0;
}

/* Installs `total` NAT44 mappings, `batch` per commit, and reports the
 * rate (bench/README in docs/nftables.md). */
static int bench(struct pctl_backend *be, unsigned total, unsigned batch,
                 unsigned first)
{
	double t0 = now_s();
	unsigned done = first;
	total += first;
	while (done < total) {
		for (unsigned k = 0; k < batch && done < total; k++, done++) {
			struct pctl_dp_mapping m = {0};
			uint8_t i4[4] = {198, 51, 100,
			                 (uint8_t)(done % 250 + 1)};
			uint8_t e4[4] = {203, 0, 113,
			                 (uint8_t)(1 + done / 60000)};
			m.id = done + 1;
			m.protocol = 17;
			m.ext_addr.b[10] = m.ext_addr.b[11] = 0xff;
			m.int_addr = m.ext_addr;
			memcpy(m.int_addr.b + 12, i4, 4);
			memcpy(m.ext_addr.b + 12, e4, 4);
			m.int_port = (uint16_t)(1024 + done / 250);
			m.ext_port = (uint16_t)(1024 + done % 60000);
			m.port_count = 1;
			m.lifetime = 3600;
			int err = be->ops->create(be->ctx, &m);
			if (err) {
				fprintf(stderr, "create: %s\n", strerror(-err));
				return 1;
			}
		}
		int err = be->ops->commit(be->ctx);
		if (err) {
			fprintf(stderr, "commit: %s\n", strerror(-err));
			return 1;
		}
	}
	double dt = now_s() - t0;
	total -= first;
	printf("installed %u mappings in batches of %u: %.3f s, %.0f "
	       "mappings/s\n",
	       total, batch, dt, total / dt);
	/* Our own notifications may have overrun the monitor: that alone
	 * must not be taken for a loss. */
	return events(be, 0);
}

static const char *wait_file; /* -w */

/* -w: tell the test we are between two commits, wait for its go. */
static void wait_go(void)
{
	char ready[4096];
	snprintf(ready, sizeof(ready), "%s.ready", wait_file);
	FILE *f = fopen(ready, "w");
	if (f)
		fclose(f);
	for (int i = 0; i < 100 && access(wait_file, F_OK); i++)
		usleep(100000);
}

/* One PORT_SET mapping of `size` ports: the time of its create, then of
 * `rounds` renewals that change only its lifetime (the usual renewal),
 * each one commit; then it is removed. */
static int bench_set(struct pctl_backend *be, unsigned size, unsigned rounds)
{
	struct pctl_dp_mapping m = {0};
	const uint8_t i4[4] = {198, 51, 100, 1}, e4[4] = {203, 0, 113, 1};
	m.id = 1;
	m.protocol = 17;
	m.ext_addr.b[10] = m.ext_addr.b[11] = 0xff;
	m.int_addr = m.ext_addr;
	memcpy(m.int_addr.b + 12, i4, 4);
	memcpy(m.ext_addr.b + 12, e4, 4);
	m.int_port = m.ext_port = 1024;
	m.port_count = (uint16_t)size;
	m.lifetime = 3600;
	double t0 = now_s();
	int err = be->ops->create(be->ctx, &m);
	if (!err)
		err = be->ops->commit(be->ctx);
	double create = now_s() - t0, sum = 0, max = 0;
	for (unsigned r = 0; !err && r < rounds; r++) {
		m.lifetime = 3601 + r % 2; /* a new timeout every time */
		t0 = now_s();
		err = be->ops->refresh(be->ctx, &m);
		if (!err)
			err = be->ops->commit(be->ctx);
		double dt = now_s() - t0;
		sum += dt;
		max = dt > max ? dt : max;
	}
	if (!err)
		err = be->ops->remove(be->ctx, &m);
	if (!err)
		err = be->ops->commit(be->ctx);
	if (err) {
		fprintf(stderr, "bench-set: %s\n", strerror(-err));
		return 1;
	}
	printf("port set of %5u: create %.3f ms, renewal mean %.3f ms, max "
	       "%.3f ms (%u renewals)\n",
	       size, create * 1e3, rounds ? sum / rounds * 1e3 : 0, max * 1e3,
	       rounds);
	return 0;
}

/* Apply the specs with operation cmd, committing each group; a "+op"
 * separator commits what came before and switches to op.  "abort" queues
 * creates and drops them. */
static int run_ops(struct pctl_backend *be, const char *cmd,
                   const struct spec *specs, size_t n)
{
	size_t i = 0;
	for (bool first = true;; first = false) {
		if (!strcmp(cmd, "sleep")) { /* 2 s between two groups */
			sleep(2);
			if (i >= n)
				return 0;
			cmd = specs[i++].op;
			if (!cmd)
				return 2; /* "+sleep" must precede a "+op" */
			continue;
		}
		int (*op)(void *, const struct pctl_dp_mapping *) = NULL;
		if (!strcmp(cmd, "create") || !strcmp(cmd, "abort"))
			op = be->ops->create;
		else if (!strcmp(cmd, "refresh"))
			op = be->ops->refresh;
		else if (!strcmp(cmd, "remove"))
			op = be->ops->remove;
		if (!op)
			return 2;
		for (; i < n && !specs[i].op; i++) {
			int r = op(be->ctx, &specs[i].m);
			if (r) {
				fprintf(stderr, "%s: %s\n", cmd, strerror(-r));
				be->ops->abort(be->ctx);
				return 1;
			}
		}
		if (!strcmp(cmd, "abort"))
			be->ops->abort(be->ctx);
		if (wait_file && !first)
			wait_go();
		int r = be->ops->commit(be->ctx);
		if (r) {
			fprintf(stderr, "commit: %s\n", strerror(-r));
			return 1;
		}
		if (i >= n)
			return 0;
		cmd = specs[i++].op;
	}
}

int main(int argc, char **argv)
{
	struct pctl_backend_config cfg = {.table = "portctl"};
	int opt;
	while ((opt = getopt(argc, argv, "t:e:Hw:")) != -1) {
		if (opt == 'w')
			wait_file = optarg;
		else if (opt == 't')
			cfg.table = optarg;
		else if (opt == 'e')
			cfg.ext_ifname = optarg;
		else if (opt == 'H')
			cfg.hairpin = true;
		else
			return 2;
	}
	if (optind >= argc)
		return 2;
	const char *cmd = argv[optind++];
	if (!strcmp(cmd, "watch") && argc - optind == 2)
		return watch(argv[optind], atoi(argv[optind + 1]));

	static struct spec specs[MAX_SPECS];
	const struct pctl_dp_mapping *list[MAX_SPECS];
	size_t n = 0;
	bool takes_specs = strcmp(cmd, "lookup") && strcmp(cmd, "bench") &&
	                   strcmp(cmd, "bench-set") && strcmp(cmd, "events");
	for (; takes_specs && optind < argc && n < MAX_SPECS; optind++, n++) {
		if (argv[optind][0] == '+') { /* next group's operation */
			memset(&specs[n], 0, sizeof(specs[n]));
			specs[n].op = argv[optind] + 1;
			list[n] = NULL;
			continue;
		}
		if (parse_spec(&specs[n], argv[optind]))
			return 2;
		list[n] = &specs[n].m;
	}

	struct pctl_backend be;
	char err[256] = "";
	int r = pctl_backend_nftables_open(&cfg, &be, err, sizeof(err));
	if (r) {
		fprintf(stderr, "open: %s\n", err);
		return 1;
	}
	int rc = 0;
	if (!strcmp(cmd, "destroy")) {
		be.ops->destroy(be.ctx, false);
		return 0;
	} else if (!strcmp(cmd, "bench") && argc - optind >= 2) {
		rc = bench(&be, (unsigned)atoi(argv[optind]),
		           (unsigned)atoi(argv[optind + 1]),
		           argc - optind > 2 ? (unsigned)atoi(argv[optind + 2])
		                             : 0);
	} else if (!strcmp(cmd, "bench-set") && argc - optind == 2) {
		rc = bench_set(&be, (unsigned)atoi(argv[optind]),
		               (unsigned)atoi(argv[optind + 1]));
	} else if (!strcmp(cmd, "events") && argc - optind <= 2) {
		if (argc - optind == 2)
			sleep((unsigned)atoi(argv[optind + 1]));
		rc = events(&be, atoi(argv[optind]));
	} else if (!strcmp(cmd, "lookup") && argc - optind == 5) {
		pctl_addr ia, ra;
		struct pctl_dp_flow f;
		char txt[INET6_ADDRSTRLEN];
		if (parse_addr(&ia, argv[optind + 1]) ||
		    parse_addr(&ra, argv[optind + 3])) {
			rc = 2;
		} else {
			r = be.ops->lookup_flow(
			    be.ctx, (uint8_t)atoi(argv[optind]), &ia,
			    (uint16_t)atoi(argv[optind + 2]), &ra,
			    (uint16_t)atoi(argv[optind + 4]), &f);
			if (r) {
				printf("lookup: %s\n", strerror(-r));
				rc = 1;
			} else {
				printf("%s %u %u\n",
				       inet_ntop(AF_INET6, f.ext_addr.b, txt,
				                 sizeof(txt)),
				       f.ext_port, f.timeout_left);
			}
		}
	} else if (!strcmp(cmd, "idle") && n == 1) {
		uint32_t left = 0;
		r = be.ops->idle_left(be.ctx, list[0], &left);
		if (r) {
			printf("idle_left: %s\n", strerror(-r));
			rc = 1;
		} else {
			printf("%u\n", left);
		}
	} else if (!strcmp(cmd, "reconcile")) {
		r = be.ops->reconcile(be.ctx, list, n);
		if (r) {
			fprintf(stderr, "reconcile: %s\n", strerror(-r));
			rc = 1;
		}
	} else {
		rc = run_ops(&be, cmd, specs, n);
	}
	be.ops->destroy(be.ctx, true);
	return rc;
}

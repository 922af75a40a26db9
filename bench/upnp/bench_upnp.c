/*
 * bench_upnp: UPnP IGD AddPortMapping and DeletePortMapping latency and
 * rate against any IGD, through libminiupnpc (Debian's libminiupnpc-dev,
 * the library most UPnP clients on a LAN embed), one request at a time as
 * a client sends them: a new HTTP connection per SOAP action.
 *
 * Usage: bench_upnp [-n N] [-p FIRST_PORT] [-c CLIENT] [-l LEASE]
 *                   [-P TCP|UDP] DESC_URL
 *   DESC_URL  the root description, e.g. http://192.0.2.1:5000/rootDesc.xml
 *   -n N      mappings per phase (default 1000)
 *   -p PORT   first external (and internal) port (default 20000)
 *   -c ADDR   NewInternalClient (default: the local address libminiupnpc
 *             used to reach the IGD: the requester itself, which a server
 *             in secure mode requires)
 *   -l SECS   NewLeaseDuration (default 3600)
 *   -P PROTO  TCP (default) or UDP
 *
 * Two phases, each printed as one line of key=value:
 *   pair   N times: AddPortMapping of port P, then DeletePortMapping of it
 *          (the table stays empty: the cost of one request);
 *   fill   N AddPortMappings of ports P..P+N-1, then N DeletePortMappings
 *          (the table grows to N and empties again).
 * For each action: n, failed, p50_us, p99_us, max_us, and per_s (actions
 * over the time spent in them).  The first failure's UPnP code is printed.
 * Exit status 0 when every action succeeded, 1 otherwise (2: usage).
 * Figures are printed, never asserted (docs/performance.md).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <miniupnpc/miniupnpc.h>
#include <miniupnpc/upnpcommands.h>
#include <miniupnpc/upnperrors.h>

struct opts {
	unsigned n;
	unsigned first_port;
	const char *client;
	const char *lease;
	const char *proto;
	const char *url;
};

struct igd {
	struct UPNPUrls urls;
	struct IGDdatas data;
	char lanaddr[64];
};

struct series {
	uint64_t *lat; /* µs, one per action */
	unsigned n;
	unsigned failed;
	uint64_t total_us;
};

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int usage(void)
{
	fprintf(stderr, "usage: bench_upnp [-n N] [-p FIRST_PORT] [-c CLIENT] "
	                "[-l LEASE] [-P TCP|UDP] DESC_URL\n");
	return 2;
}

static int parse_uint(const char *s, unsigned long max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v == 0 || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	int c;
	unsigned lease;

	o->n = 1000;
	o->first_port = 20000;
	o->client = NULL;
	o->lease = "3600";
	o->proto = "TCP";
	while ((c = getopt(argc, argv, "n:p:c:l:P:")) != -1) {
		switch (c) {
		case 'n':
			if (parse_uint(optarg, 60000, &o->n) < 0)
				return -1;
			break;
		case 'p':
			if (parse_uint(optarg, 65535, &o->first_port) < 0)
				return -1;
			break;
		case 'c':
			o->client = optarg;
			break;
		case 'l':
			if (parse_uint(optarg, 604800, &lease) < 0)
				return -1;
			o->lease = optarg;
			break;
		case 'P':
			if (strcmp(optarg, "TCP") && strcmp(optarg, "UDP"))
				return -1;
			o->proto = optarg;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc - 1 || o->first_port + o->n - 1 > 65535)
		return -1;
	o->url = argv[optind];
	return 0;
}

/* One SOAP action on port PORT: AddPortMapping (add) or DeletePortMapping;
 * its latency goes into S.  The first failure is described on stderr. */
static void action(const struct opts *o, const struct igd *g, int add,
                   unsigned port, struct series *s)
{
	char p[8];
	uint64_t t0, dt;
	int r;

	snprintf(p, sizeof(p), "%u", port);
	t0 = now_us();
	if (add)
		r = UPNP_AddPortMapping(
		    g->urls.controlURL, g->data.first.servicetype, p, p,
		    o->client, "bench_upnp", o->proto, NULL, o->lease);
	else
		r = UPNP_DeletePortMapping(g->urls.controlURL,
		                           g->data.first.servicetype, p,
		                           o->proto, NULL);
	dt = now_us() - t0;
	s->lat[s->n++] = dt;
	s->total_us += dt;
	if (r != UPNPCOMMAND_SUCCESS && s->failed++ == 0)
		fprintf(stderr, "bench_upnp: %s %s %u: %d (%s)\n",
		        add ? "AddPortMapping" : "DeletePortMapping", o->proto,
		        port, r, strupnperror(r));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The nearest-rank percentile Q (0..100) of a sorted series. */
static uint64_t pct(const struct series *s, unsigned q)
{
	size_t i = ((size_t)s->n * q + 99) / 100;

	return s->lat[i ? i - 1 : 0];
}

static void report(const char *phase, const char *what, struct series *s)
{
	qsort(s->lat, s->n, sizeof(*s->lat), cmp_u64);
	printf("phase=%s action=%s n=%u failed=%u p50_us=%llu p99_us=%llu "
	       "max_us=%llu per_s=%.0f\n",
	       phase, what, s->n, s->failed, (unsigned long long)pct(s, 50),
	       (unsigned long long)pct(s, 99),
	       (unsigned long long)s->lat[s->n - 1],
	       s->total_us ? s->n * 1e6 / (double)s->total_us : 0.0);
}

int main(int argc, char **argv)
{
	struct opts o;
	struct igd g;
	struct series add = {0}, del = {0};
	unsigned i, failed = 0;

	if (parse_opts(argc, argv, &o) < 0)
		return usage();
	memset(&g, 0, sizeof(g));
	if (UPNP_GetIGDFromUrl(o.url, &g.urls, &g.data, g.lanaddr,
	                       sizeof(g.lanaddr)) != 1) {
		fprintf(stderr, "bench_upnp: no IGD at %s\n", o.url);
		return 1;
	}
	if (!o.client)
		o.client = g.lanaddr;
	printf("# igd=%s service=%s client=%s proto=%s lease=%s n=%u\n",
	       g.urls.controlURL, g.data.first.servicetype, o.client, o.proto,
	       o.lease, o.n);
	add.lat = calloc(o.n, sizeof(*add.lat));
	del.lat = calloc(o.n, sizeof(*del.lat));
	if (!add.lat || !del.lat) {
		fprintf(stderr, "bench_upnp: out of memory\n");
		return 1;
	}

	for (i = 0; i < o.n; i++) {
		action(&o, &g, 1, o.first_port, &add);
		action(&o, &g, 0, o.first_port, &del);
	}
	report("pair", "AddPortMapping", &add);
	report("pair", "DeletePortMapping", &del);
	failed += add.failed + del.failed;

	add.n = del.n = add.failed = del.failed = 0;
	add.total_us = del.total_us = 0;
	for (i = 0; i < o.n; i++)
		action(&o, &g, 1, o.first_port + i, &add);
	for (i = 0; i < o.n; i++)
		action(&o, &g, 0, o.first_port + i, &del);
	report("fill", "AddPortMapping", &add);
	report("fill", "DeletePortMapping", &del);
	failed += add.failed + del.failed;

	free(add.lat);
	free(del.lat);
	FreeUPNPUrls(&g.urls);
	return failed ? 1 : 0;
}

/*
 * Engine benchmark: MAP create and renew throughput and latency with 1k,
 * 100k and 1M live mappings (the cost must stay flat as the table grows,
 * docs/design.md), expiry cost per mapping and resident bytes per mapping.
 *
 *   bench_engine            all three sizes
 *   bench_engine N...       the given sizes
 *   bench_engine --smoke    a tiny run that only checks it completes
 *   bench_engine --audit MODE N...
 *                           the same with the audit log (issue 10): MODE
 *                           off (observer registered, nothing written),
 *                           file:PATH (JSON lines, no rate limit) or
 *                           limited:PATH (JSON lines, default limits)
 *
 * In-process, "none" backend, so only the engine is measured (decode,
 * lookup, allocation, response encoding), and with --audit the audit
 * record's formatting and write(2).  Each size also times refused requests
 * (another nonce: NOT_AUTHORIZED), which is what a flood costs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <portctl/wire.h>

#include "audit_log.h"
#include "backend.h"
#include "bench_common.h"
#include "engine.h"

#define HOST_PORTS 50 /* mappings per internal host */

static uint64_t ns_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* MAP request i: host i / HOST_PORTS, internal port. */
static void build(uint8_t *b, struct pctl_rx *rx, uint32_t i, uint32_t lifetime,
                  uint8_t nonce)
{
	bench_map_req(b, rx, i / HOST_PORTS + 1, 17,
	              (uint16_t)(1024 + i % HOST_PORTS), lifetime, nonce);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

struct result {
	double rps, p50, p99;
};

/* Sends `count` requests i = first.. (stride spreads renewals over the
 * table) and times each. */
static int run(struct pctl_engine *e, uint64_t now_ms, uint32_t first,
               uint32_t count, uint32_t stride, uint32_t modulo,
               uint8_t nonce_xor, uint8_t want, struct result *r)
{
	uint64_t *lat = malloc(count * sizeof(*lat));
	uint8_t b[60], out[PCTL_MAX_MSG];
	struct pctl_rx rx;

	if (!lat)
		return -1;
	memset(&rx, 0, sizeof(rx));
	rx.now_ms = now_ms;
	uint64_t t0 = ns_now();
	for (uint32_t k = 0; k < count; k++) {
		uint32_t i =
		    first + (uint32_t)(((uint64_t)k * stride) % modulo);
		build(b, &rx, i, 7200, (uint8_t)((i & 0xff) ^ nonce_xor));
		uint64_t a = ns_now();
		size_t n = pctl_engine_handle(e, &rx, out);
		lat[k] = ns_now() - a;
		if (n != 60 || out[3] != want) {
			fprintf(stderr, "request %u failed: result %u\n", i,
			        n ? out[3] : 255);
			free(lat);
			return -1;
		}
	}
	uint64_t total = ns_now() - t0;
	qsort(lat, count, sizeof(*lat), cmp_u64);
	r->rps = count / (total / 1e9);
	r->p50 = lat[count / 2] / 1000.0;
	r->p99 = lat[count * 99 / 100] / 1000.0;
	free(lat);
	return 0;
}

/* --audit: the audit log every engine reports to (NULL: none). */
static struct pctld_audit *audit;

static int bench(uint32_t n, uint32_t probes)
{
	struct pctl_engine_config cfg;
	struct pctl_backend be;
	struct pctl_backend_config bc = {0};

	bench_engine_config(&cfg);
	if (pctl_backend_none_open(&bc, &be, NULL, 0))
		return -1;
	uint64_t now = 1000;
	size_t rss0 = bench_rss_bytes();
	struct pctl_engine *e = pctl_engine_new(&cfg, &be, now);
	if (!e)
		return -1;
	size_t rss1 = bench_rss_bytes();
	if (audit)
		pctl_engine_set_audit(e, pctld_audit_event, audit);

	struct result fill, create, renew, refused;
	if (run(e, now, 0, n, 1, n, 0, 0, &fill))
		return -1;
	size_t rss2 = bench_rss_bytes();
	if (run(e, now, n, probes, 1, probes, 0, 0, &create) ||
	    run(e, now, 0, probes, 7919, n, 0, 0, &renew) ||
	    run(e, now, 0, probes, 7919, n, 0x80, PCTL_R_NOT_AUTHORIZED,
	        &refused))
		return -1;

	struct pctl_engine_stats st;
	pctl_engine_get_stats(e, &st);
	uint64_t live = st.mappings[0];
	uint64_t t0 = ns_now();
	pctl_engine_tick(e, now + 7200ull * 1000 + 1000);
	double exp_ns = (double)(ns_now() - t0) / (double)live;
	pctl_engine_get_stats(e, &st);

	printf("%8u live | fill %9.0f req/s | create %9.0f req/s p50 %5.2f "
	       "us p99 %5.2f us | renew %9.0f req/s p50 %5.2f us p99 %5.2f "
	       "us | refused %9.0f req/s p50 %5.2f us p99 %5.2f us | expiry "
	       "%6.1f ns/mapping | %5.1f resident bytes/mapping (engine base "
	       "%zu KiB)\n",
	       n, fill.rps, create.rps, create.p50, create.p99, renew.rps,
	       renew.p50, renew.p99, refused.rps, refused.p50, refused.p99,
	       exp_ns, (double)(rss2 - rss1) / n, (rss1 - rss0) / 1024);
	int rc = st.expired == live ? 0 : -1;
	pctl_engine_free(e);
	return rc;
}

/* "off", "file:PATH" or "limited:PATH" (see the top). */
static int open_audit(const char *mode, struct pctld_audit *a)
{
	struct pctld_audit_config c;
	char err[512];

	pctld_audit_config_defaults(&c);
	if (!strcmp(mode, "off")) {
		c.mode = PCTLD_AUDIT_OFF;
	} else if (!strncmp(mode, "file:", 5) ||
	           !strncmp(mode, "limited:", 8)) {
		bool limited = mode[0] == 'l';
		c.mode = PCTLD_AUDIT_FILE;
		snprintf(c.path, sizeof(c.path), "%s", strchr(mode, ':') + 1);
		if (!limited)
			c.rate = c.refused_rate = 0;
	} else {
		fprintf(stderr, "--audit off|file:PATH|limited:PATH\n");
		return -1;
	}
	if (pctld_audit_open(a, &c, NULL, NULL, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct pctld_audit sink;

	if (argc > 2 && strcmp(argv[1], "--audit") == 0) {
		if (open_audit(argv[2], &sink))
			return 1;
		audit = &sink;
		argc -= 2;
		argv += 2;
	}
	if (argc > 1 && strcmp(argv[1], "--smoke") == 0)
		return bench(1000, 200) ? 1 : 0;
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			if (bench((uint32_t)strtoul(argv[i], NULL, 10), 10000))
				return 1;
		return 0;
	}
	static const uint32_t sizes[] = {1000, 100000, 1000000};
	for (unsigned i = 0; i < 3; i++)
		if (bench(sizes[i], 10000))
			return 1;
	return 0;
}

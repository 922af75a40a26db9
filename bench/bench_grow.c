/*
 * Worst single request while the engine grows (issue 16): MAP creates from
 * 0 to N live mappings, each timed on its own, through
 * pctl_engine_handle().  Reports the worst request, p99.9, p99, p50 and how
 * many took over 1 ms, per power-of-two band of the table size (every
 * doubling of the indexes falls in one), and the resident bytes per
 * mapping; then the same figures for a control loop that times a call
 * doing nothing worth mentioning, which shows what the machine itself adds
 * (a shared virtual machine pauses any thread for milliseconds now and
 * then).
 *
 *   bench_grow [--pinhole] N    grow to N mappings (default 2,000,000)
 *   bench_grow --smoke          a tiny run that only checks it completes
 *
 * NAT by default: 16 external addresses, TCP and UDP alternating, so at
 * most 16 * 64,512 * 2 = 2,064,384 mappings; --pinhole maps internal
 * addresses as they are (no port allocation), for sizes beyond that.
 * In-process, "none" backend: only the engine is measured.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <portctl/wire.h>

#include "backend.h"
#include "bench_common.h"
#include "engine.h"

#define HOST_PORTS 50 /* mappings per internal host */

static uint64_t ns_of(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t ns_now(void)
{
	return ns_of(CLOCK_MONOTONIC);
}

/* The thread's own CPU time: what a request cost, page faults included,
 * without the time other processes of a shared machine had the CPU. */
static uint64_t cpu_now(void)
{
	return ns_of(CLOCK_THREAD_CPUTIME_ID);
}

static uint32_t clamp32(uint64_t d)
{
	return d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

/* MAP request i: host i / HOST_PORTS; internal port and protocol from
 * i % HOST_PORTS. */
static void build(uint8_t *b, struct pctl_rx *rx, uint32_t i)
{
	bench_map_req(b, rx, i / HOST_PORTS + 1, i % 2 ? 6 : 17,
	              (uint16_t)(1024 + i % HOST_PORTS / 2), 7200, (uint8_t)i);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Latencies [from, to) of one band, sorted in place. */
static void report(const char *what, uint32_t *lat, uint32_t n)
{
	if (!n)
		return;
	qsort(lat, n, sizeof(*lat), cmp_u32);
	uint32_t over = 0;
	for (uint32_t k = n; k-- > 0 && lat[k] > 1000000;)
		over++;
	printf("%-22s %9u req | p50 %6.2f us | p99 %6.2f us | p99.9 %7.2f us "
	       "| worst %8.1f us | > 1 ms: %u\n",
	       what, n, lat[n / 2] / 1e3, lat[(uint64_t)n * 99 / 100] / 1e3,
	       lat[(uint64_t)n * 999 / 1000] / 1e3, lat[n - 1] / 1e3, over);
}

static int grow(uint32_t n, bool pinhole)
{
	struct pctl_engine_config cfg;
	struct pctl_backend be;
	struct pctl_backend_config bc = {0};

	bench_engine_config(&cfg);
	cfg.nat44 = !pinhole;
	if (pctl_backend_none_open(&bc, &be, NULL, 0))
		return -1;
	uint32_t *lat = malloc((size_t)n * sizeof(*lat));
	uint32_t *cpu = malloc((size_t)n * sizeof(*cpu));
	if (!lat || !cpu)
		return -1;
	/* Touched now, so that they are not counted per mapping. */
	memset(lat, 0, (size_t)n * sizeof(*lat));
	memset(cpu, 0, (size_t)n * sizeof(*cpu));
	size_t rss0 = bench_rss_bytes();
	struct pctl_engine *e = pctl_engine_new(&cfg, &be, 1000);
	if (!e)
		return -1;
	uint8_t b[60], out[PCTL_MAX_MSG];
	struct pctl_rx rx;
	memset(&rx, 0, sizeof(rx));
	rx.now_ms = 1000;
	uint64_t t0 = ns_now();
	for (uint32_t i = 0; i < n; i++) {
		build(b, &rx, i);
		uint64_t c = cpu_now(), a = ns_now();
		size_t len = pctl_engine_handle(e, &rx, out);
		lat[i] = clamp32(ns_now() - a);
		cpu[i] = clamp32(cpu_now() - c);
		if (len != 60 || out[3] != 0) {
			fprintf(stderr, "request %u failed: result %u\n", i,
			        len ? out[3] : 255);
			return -1;
		}
	}
	double secs = (ns_now() - t0) / 1e9;
	/* Control: the same timing around a call that does no work worth
	 * mentioning (classifying the last datagram), as many times.  Its
	 * worst cases are the machine's, not the engine's: on a shared
	 * virtual machine the hypervisor's pauses count as the thread's CPU
	 * time too. */
	uint32_t *ctl_lat = malloc((size_t)n * sizeof(*ctl_lat));
	uint32_t *ctl_cpu = malloc((size_t)n * sizeof(*ctl_cpu));
	if (!ctl_lat || !ctl_cpu)
		return -1;
	volatile int sink = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t c = cpu_now(), a = ns_now();
		sink += (int)pctl_classify(b, sizeof(b));
		ctl_lat[i] = clamp32(ns_now() - a);
		ctl_cpu[i] = clamp32(cpu_now() - c);
	}
	if (sink < 0) /* read, so that the calls are kept */
		return -1;
	size_t rss1 = bench_rss_bytes();
	printf("%s, 0 -> %u mappings in %.1f s (%.0f req/s), %.1f resident "
	       "bytes per mapping\n",
	       pinhole ? "pinholes" : "NAT44", n, secs, n / secs,
	       (double)(rss1 - rss0) / n);
	/* Bands [2^k, 2^(k+1)) of the live count before the request. */
	char what[64];
	for (int pass = 0; pass < 2; pass++) {
		uint32_t *v = pass ? lat : cpu;
		printf("%s\n", pass ? "wall clock (includes time other "
		                      "processes had the CPU):"
		                    : "thread CPU time:");
		for (uint32_t lo = 0, hi = 1024; lo < n; lo = hi, hi *= 2) {
			uint32_t top = hi < n ? hi : n;
			snprintf(what, sizeof(what), "%u..%u", lo, top);
			report(what, v + lo, top - lo);
		}
		report("all", v, n);
		report("control", pass ? ctl_lat : ctl_cpu, n);
	}
	free(ctl_lat);
	free(ctl_cpu);
	pctl_engine_free(e);
	free(lat);
	free(cpu);
	return 0;
}

int main(int argc, char **argv)
{
	bool pinhole = false;
	uint32_t n = 2000000;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--smoke") == 0)
			n = 20000;
		else if (strcmp(argv[i], "--pinhole") == 0)
			pinhole = true;
		else
			n = (uint32_t)strtoul(argv[i], NULL, 10);
	}
	return grow(n, pinhole) ? 1 : 0;
}

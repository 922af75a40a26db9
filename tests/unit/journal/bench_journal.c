/*
 * Journal benchmark: what the state journal costs per MAP request, and how
 * long a restart with N mappings takes.
 *
 *   bench_journal [--smoke] [N] [DIR]
 *
 * N mappings (default 50000) are created by real MAP requests through the
 * engine, once over the bare "none" backend and once with the journal in
 * between (log in DIR, default /var/tmp: a real disk, with the default
 * 1 s fdatasync interval); the log is compacted once (timed: it runs in
 * the request path when due); then the engine is thrown away and a new one
 * loads the journal (replay, restore of every mapping, snapshot rewrite).
 * --smoke: 200 mappings in a tmpfs directory, only checks it completes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jtest.h"

static uint64_t ns_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct pctl_engine *new_engine(const struct pctl_backend *be,
                                      uint64_t now_ms)
{
	struct pctl_engine_config cfg;
	jt_engine_config(&cfg);
	struct pctl_engine *e = pctl_engine_new(&cfg, be, now_ms);
	if (!e) {
		fprintf(stderr, "bench_journal: engine\n");
		exit(1);
	}
	return e;
}

/* n MAP requests (TCP and UDP, 254 hosts); returns ns per request. */
static double map_n(struct pctl_engine *e, struct jt_clock *c, size_t n)
{
	uint64_t t0 = ns_now();
	for (size_t i = 0; i < n; i++) {
		uint8_t host = (uint8_t)(1 + i % 254);
		uint16_t port = (uint16_t)(1024 + (i / 254) / 2);
		uint8_t proto = (i / 254) % 2 ? 17 : 6;
		if (jt_map(e, c->mono_ms, host, proto, port, 3600, (uint8_t)i,
		           NULL, NULL) != PCTL_R_SUCCESS) {
			fprintf(stderr, "bench_journal: MAP %zu refused\n", i);
			exit(1);
		}
	}
	return (double)(ns_now() - t0) / (double)n;
}

int main(int argc, char **argv)
{
	bool smoke = argc > 1 && !strcmp(argv[1], "--smoke");
	size_t n = smoke ? 200 : argc > 1 ? strtoul(argv[1], NULL, 10) : 50000;
	const char *base = smoke ? "/dev/shm" : argc > 2 ? argv[2] : "/var/tmp";
	char dir[512], path[600], err[256];
	struct jt_clock clk = {1000, 1700000000};
	struct pctl_backend_config bcfg = {0};
	struct pctl_journal_opts o;
	struct pctl_journal *j;
	struct pctl_backend be, inner;
	struct pctl_journal_load_result res;
	struct pctl_journal_stats st;

	if (access(base, W_OK))
		base = "/tmp";
	snprintf(dir, sizeof(dir), "%s/pctl-bench-journal-XXXXXX", base);
	if (!mkdtemp(dir)) {
		perror("bench_journal: mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, PCTL_JOURNAL_FILE);

	/* Without the journal. */
	pctl_backend_none_open(&bcfg, &inner, err, sizeof(err));
	struct pctl_engine *e = new_engine(&inner, clk.mono_ms);
	double bare = map_n(e, &clk, n);
	pctl_engine_free(e);

	/* With it. */
	jt_opts(&o, &clk);
	o.mono_ms = NULL; /* real clocks: the sync interval must be real */
	o.realtime_s = NULL;
	pctl_backend_none_open(&bcfg, &inner, err, sizeof(err));
	if (pctl_journal_open(dir, &inner, &o, &j, &be, err, sizeof(err))) {
		fprintf(stderr, "bench_journal: %s\n", err);
		return 1;
	}
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	e = new_engine(&be, clk.mono_ms);
	pctl_journal_load(j, e, clk.mono_ms, rt.tv_sec, &res);
	double journaled = map_n(e, &clk, n);
	uint64_t t_c = ns_now();
	if (pctl_journal_compact(j)) {
		fprintf(stderr, "bench_journal: compaction failed\n");
		return 1;
	}
	double compact_ms = (double)(ns_now() - t_c) / 1e6;
	pctl_journal_get_stats(j, &st);
	be.ops->destroy(be.ctx, true);
	pctl_engine_free(e);
	struct stat sb;
	stat(path, &sb);

	/* Restart: load everything back. */
	pctl_backend_none_open(&bcfg, &inner, err, sizeof(err));
	pctl_journal_open(dir, &inner, &o, &j, &be, err, sizeof(err));
	e = new_engine(&be, clk.mono_ms);
	clock_gettime(CLOCK_REALTIME, &rt);
	uint64_t t0 = ns_now();
	int rc = pctl_journal_load(j, e, clk.mono_ms, rt.tv_sec, &res);
	double load_ms = (double)(ns_now() - t0) / 1e6;
	be.ops->destroy(be.ctx, true);
	pctl_engine_free(e);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", dir, PCTL_JOURNAL_LOCK_FILE);
	unlink(path);
	rmdir(dir);

	if (rc || res.restored != n) {
		fprintf(stderr, "bench_journal: load: %d, %zu of %zu: %s\n", rc,
		        res.restored, n, res.message);
		return 1;
	}
	printf("mappings                %zu (log in %s)\n", n, base);
	printf("MAP, no journal         %.0f ns/request\n", bare);
	printf("MAP, journal            %.0f ns/request (+%.0f)\n", journaled,
	       journaled - bare);
	printf("log after the run       %lld bytes, %.0f bytes/mapping, "
	       "%llu fdatasync, %llu compactions\n",
	       (long long)sb.st_size, (double)sb.st_size / (double)n,
	       (unsigned long long)st.syncs,
	       (unsigned long long)st.compactions);
	printf("compaction of %zu       %.1f ms (write, fsync, rename)\n", n,
	       compact_ms);
	printf("restart (load %zu)      %.1f ms, %.2f us/mapping\n", n, load_ms,
	       load_ms * 1000 / (double)n);
	return 0;
}

/*
 * Journal benchmark: what the state journal costs per MAP request, the
 * longest pause a compaction adds to the request path, and how long a
 * restart with N mappings takes.
 *
 *   bench_journal [--smoke] [N] [DIR]
 *
 * N mappings (default 50000) are created by real MAP requests through the
 * engine, once over the bare "none" backend and once with the journal in
 * between (log in DIR, default /var/tmp: a real disk, with the default
 * 1 s fdatasync interval).  Each is then refreshed twice, so that the log
 * holds three times the live set and a compaction is due; it runs the way
 * portctld runs it: a pctl_journal_tick() whenever next_deadline says so,
 * with PER_TICK refresh requests between two ticks (what a busy loop
 * serves between them).  Timed: every tick (the start, the steps, the
 * finish with its fsync and rename, the release of the replaced log) and
 * every request during the compaction.  Then the whole compaction at once
 * (pctl_journal_compact, for comparison), and a restart: a new engine
 * loads the journal (replay, restore of every mapping, snapshot rewrite),
 * and two more restarts from the same log damaged: one flipped octet, and
 * a forged file that spends the whole resynchronisation budget.
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
	/* One address has 2 x 64511 ports; a million mappings need more
	 * (hosts are spread over them by a hash, S-42). */
	cfg.n_ext_addrs = PCTL_ENG_MAX_EXT_ADDRS;
	for (size_t i = 0; i < cfg.n_ext_addrs; i++)
		pctl_addr_from_v4(
		    &cfg.ext_addrs[i],
		    (const uint8_t[4]){203, 0, 113, (uint8_t)(1 + i)});
	struct pctl_engine *e = pctl_engine_new(&cfg, be, now_ms);
	if (!e) {
		fprintf(stderr, "bench_journal: engine\n");
		exit(1);
	}
	return e;
}

/* MAP request number i (TCP and UDP, 254 hosts); sent again, the same
 * request refreshes the mapping.  Returns its duration in ns. */
static uint64_t map_one(struct pctl_engine *e, const struct jt_clock *c,
                        size_t i)
{
	uint8_t host = (uint8_t)(1 + i % 254);
	uint16_t port = (uint16_t)(1024 + (i / 254) / 2);
	uint8_t proto = (i / 254) % 2 ? 17 : 6;
	uint64_t t0 = ns_now();
	if (jt_map(e, c->mono_ms, NULL, .host = host, .protocol = proto,
	           .int_port = port, .lifetime = 3600,
	           .nonce = (uint8_t)i) != PCTL_R_SUCCESS) {
		fprintf(stderr, "bench_journal: MAP %zu refused\n", i);
		exit(1);
	}
	return ns_now() - t0;
}

/* n MAP requests; returns ns per request. */
static double map_n(struct pctl_engine *e, struct jt_clock *c, size_t n)
{
	uint64_t t0 = ns_now();
	for (size_t i = 0; i < n; i++)
		map_one(e, c, i);
	return (double)(ns_now() - t0) / (double)n;
}

/* Requests served between two ticks while a compaction runs. */
#define PER_TICK 16

/* Samples kept for the percentiles (the maxima count every one). */
#define MAX_SAMPLES (1u << 16)

struct samples {
	double v[MAX_SAMPLES];
	size_t n;
};

static void sample(struct samples *s, double v)
{
	if (s->n < MAX_SAMPLES)
		s->v[s->n++] = v;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The p-th percentile (0..100) of s; sorts s. */
static double percentile(struct samples *s, double p)
{
	if (!s->n)
		return 0;
	qsort(s->v, s->n, sizeof(s->v[0]), cmp_double);
	size_t i = (size_t)(p / 100 * (double)(s->n - 1));
	return s->v[i];
}

struct pauses {
	unsigned ticks;
	double start_ms, max_step_ms, finish_ms, max_release_ms, max_map_us;
	double total_ms;
	double max_sync_ms, max_sync_map_us; /* ticks, requests that synced */
	size_t maps;
	struct samples steps, reqs; /* ms per step, us per request */
};

/* Runs a due compaction as portctld's loop does (ticks while
 * next_deadline is due, requests in between) and times every pause: the
 * start with the first step, the steps, the finish (last step, fsync,
 * rename), then the ticks that free the replaced log; a tick or request
 * that ran the log's periodic fdatasync is reported apart. */
static void compact_in_loop(struct pctl_journal *j, struct pctl_engine *e,
                            const struct jt_clock *c, size_t n,
                            struct pauses *p)
{
	struct pctl_journal_stats st;
	uint64_t t_all = ns_now();
	size_t next_map = 0;

	memset(p, 0, sizeof(*p));
	do {
		pctl_journal_get_stats(j, &st);
		bool was = st.compacting;
		uint64_t syncs = st.syncs;
		uint64_t t0 = ns_now();
		pctl_journal_tick(j);
		double ms = (double)(ns_now() - t0) / 1e6;
		pctl_journal_get_stats(j, &st);
		p->ticks++;
		if (st.syncs != syncs) {
			/* The log's once-a-second fdatasync (also without a
			 * compaction), counted apart. */
			if (ms > p->max_sync_ms)
				p->max_sync_ms = ms;
		} else if (!was && st.compacting) {
			p->start_ms = ms;
		} else if (was && !st.compacting) {
			p->finish_ms = ms;
		} else if (was) {
			sample(&p->steps, ms);
			if (ms > p->max_step_ms)
				p->max_step_ms = ms;
		} else if (ms > p->max_release_ms) {
			p->max_release_ms = ms;
		}
		for (int k = 0; k < PER_TICK; k++) {
			syncs = st.syncs;
			double us = (double)map_one(e, c, next_map++ % n) / 1e3;
			pctl_journal_get_stats(j, &st);
			p->maps++;
			if (st.syncs != syncs) {
				if (us > p->max_sync_map_us)
					p->max_sync_map_us = us;
				continue;
			}
			sample(&p->reqs, us);
			if (us > p->max_map_us)
				p->max_map_us = us;
		}
	} while (pctl_journal_next_deadline(j) == 0);
	p->total_ms = (double)(ns_now() - t_all) / 1e6;
}

/* A load of buf as the log (the damaged file is kept aside, and the
 * snapshot it writes counts, as in a real start). */
struct damaged {
	double ms;
	struct pctl_journal_load_result res;
};

static struct damaged load_damaged(const char *dir, const char *path,
                                   const uint8_t *buf, size_t len,
                                   const struct pctl_journal_opts *o,
                                   struct jt_clock *clk)
{
	struct pctl_backend_config bcfg = {0};
	struct pctl_backend inner, be;
	struct pctl_journal *j;
	struct damaged d;
	struct timespec rt;
	char err[256];

	jt_write(path, buf, len);
	pctl_backend_none_open(&bcfg, &inner, err, sizeof(err));
	if (pctl_journal_open(dir, &inner, o, &j, &be, err, sizeof(err))) {
		fprintf(stderr, "bench_journal: %s\n", err);
		exit(1);
	}
	struct pctl_engine *e = new_engine(&be, clk->mono_ms);
	clock_gettime(CLOCK_REALTIME, &rt);
	uint64_t t0 = ns_now();
	if (pctl_journal_load(j, e, clk->mono_ms, rt.tv_sec, &d.res)) {
		fprintf(stderr, "bench_journal: load: %s\n", d.res.message);
		exit(1);
	}
	d.ms = (double)(ns_now() - t0) / 1e6;
	be.ops->destroy(be.ctx, true);
	pctl_engine_free(e);
	return d;
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
	if (smoke) /* 600 records: below the default threshold */
		o.compact_min_records = 64;
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
	map_n(e, &clk, n); /* refreshes: three records per mapping */
	map_n(e, &clk, n);
	static struct pauses p;
	pctl_journal_get_stats(j, &st);
	uint64_t compactions = st.compactions;
	if (pctl_journal_next_deadline(j) != 0) {
		fprintf(stderr, "bench_journal: no compaction due\n");
		return 1;
	}
	compact_in_loop(j, e, &clk, n, &p);
	pctl_journal_get_stats(j, &st);
	if (st.compactions != compactions + 1 || st.write_errors) {
		fprintf(stderr, "bench_journal: compaction failed\n");
		return 1;
	}
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
	if (rc || res.restored != n) {
		fprintf(stderr, "bench_journal: load: %d, %zu of %zu: %s\n", rc,
		        res.restored, n, res.message);
		return 1;
	}

	/* Restarts from a damaged log of the same size: one flipped octet in
	 * the middle (resynchronised at the next record), then a forged one
	 * whose every 8th octet starts a plausible header claiming 6 KiB, each
	 * CRC wrong (the scan stops when its budget is spent). */
	size_t len;
	uint8_t *log = jt_read(path, &len);
	struct damaged d[2];
	if (!log || len < PCTLD_JR_FILE_HDR_LEN + 64) {
		fprintf(stderr, "bench_journal: no log to damage\n");
		return 1;
	}
	log[len / 2] ^= 0x40;
	d[0] = load_damaged(dir, path, log, len, &o, &clk);
	for (size_t i = PCTLD_JR_FILE_HDR_LEN; i + 8 <= len; i += 8) {
		memset(log + i, 0, 8);
		log[i] = PCTLD_JR_UPSERT;
		log[i + 6] = 0x18;
	}
	d[1] = load_damaged(dir, path, log, len, &o, &clk);
	free(log);
	jt_rmdir(dir);
	if (!d[0].res.damaged || d[0].res.restored + 1 < n ||
	    !d[1].res.damaged) {
		fprintf(stderr, "bench_journal: damaged load: %s / %s\n",
		        d[0].res.message, d[1].res.message);
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
	printf("compaction in the loop  %u ticks, %.1f ms in all, %zu requests "
	       "served meanwhile\n",
	       p.ticks, p.total_ms, p.maps);
	printf("  longest tick          start %.2f ms, step %.2f ms, finish "
	       "%.2f ms (fsync, rename), freeing the old log %.2f ms\n",
	       p.start_ms, p.max_step_ms, p.finish_ms, p.max_release_ms);
	printf("  steps                 median %.2f ms, p99 %.2f ms\n",
	       percentile(&p.steps, 50), percentile(&p.steps, 99));
	printf("  longest request       %.1f us (MAP refresh during the "
	       "compaction; median %.1f us, p99 %.1f us)\n",
	       p.max_map_us, percentile(&p.reqs, 50), percentile(&p.reqs, 99));
	printf("  with the log's fdatasync (once a second, compaction or not): "
	       "longest tick %.2f ms, request %.1f us\n",
	       p.max_sync_ms, p.max_sync_map_us);
	printf("compaction all at once  %.1f ms (pctl_journal_compact)\n",
	       compact_ms);
	printf("restart (load %zu)      %.1f ms, %.2f us/mapping\n", n, load_ms,
	       load_ms * 1000 / (double)n);
	printf("  one octet flipped     %.1f ms, %zu restored, %llu octets "
	       "skipped\n",
	       d[0].ms, d[0].res.restored,
	       (unsigned long long)d[0].res.skipped_bytes);
	printf("  forged headers        %.1f ms (%zu octets: the resync "
	       "budget, then given up)\n",
	       d[1].ms, len);
	return 0;
}

/*
 * fuzz_journal_load - portctld's state journal loader (daemon/journal.c) on
 * arbitrary file contents, restored into a real engine over the "none"
 * backend.
 *
 * Every input is replayed from memory (pctl_journal_replay: the load's own
 * replay, resynchronisation, restore and adoption, without the file-system
 * calls that would otherwise bound the speed to ~2,000 inputs a second).
 * Invariants: replay never fails on content, the counts add up, the engine
 * holds exactly what was restored.
 *
 * The first input of a run, and every FILE_EVERY-th after it, also goes
 * through the file: the bytes become the journal file of a private state
 * directory and pctl_journal_load() restores it.  Invariants: the same
 * result as the replay from memory, a damaged file is kept aside whole,
 * and the snapshot the load wrote loads again intact with the same
 * mappings and a kept state.  A crash input run alone is its run's first,
 * so it always reproduces with every check.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../daemon/journal.h"
#include "fuzz_asan_options.h"
#include "fuzz_check.h"

/* One input in this many also takes the file path (see above). */
#define FILE_EVERY 16

static char dir[64];
static char path[128];
static int lock_fd = -1; /* the directory's lock, taken once */
static unsigned long inputs;

/* Removes the damaged logs the loads kept aside. */
static void remove_kept(void)
{
	const size_t plen = strlen(PCTL_JOURNAL_DAMAGED_PREFIX);
	char tmp[512];
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d)) != NULL)
		if (!strncmp(de->d_name, PCTL_JOURNAL_DAMAGED_PREFIX, plen)) {
			snprintf(tmp, sizeof(tmp), "%s/%s", dir, de->d_name);
			unlink(tmp);
		}
	if (d)
		closedir(d);
}

static void cleanup(void)
{
	char tmp[160];
	remove_kept();
	unlink(path);
	snprintf(tmp, sizeof(tmp), "%s/%s", dir, PCTL_JOURNAL_TMP_FILE);
	unlink(tmp);
	snprintf(tmp, sizeof(tmp), "%s/%s", dir, PCTL_JOURNAL_LOCK_FILE);
	unlink(tmp);
	rmdir(dir);
}

static uint64_t mono(void *ctx)
{
	(void)ctx;
	return 1000;
}

static int64_t real(void *ctx)
{
	(void)ctx;
	return 1700000000;
}

static int count_cb(void *ctx, const struct pctl_mapping_info *m)
{
	(void)m;
	(*(size_t *)ctx)++;
	return 0;
}

/* One start: journal over "none", engine, then a load of the file (image
 * NULL) or a replay of image.  Returns the engine's mapping count. */
static size_t start(const uint8_t *image, size_t size,
                    struct pctl_journal_load_result *res)
{
	struct pctl_backend inner, be;
	struct pctl_backend_config bcfg = {0};
	struct pctl_journal_opts o;
	struct pctl_engine_config cfg;
	struct pctl_journal *j;
	char err[256];

	CHECK(pctl_backend_none_open(&bcfg, &inner, err, sizeof(err)) == 0);
	pctl_journal_opts_defaults(&o);
	o.mono_ms = mono;
	o.realtime_s = real;
	o.boot_id = "fuzz"; /* not /proc, read at every open */
	o.have_lock = true; /* not an flock at every open */
	o.lock_fd = dup(lock_fd);
	CHECK(o.lock_fd >= 0);
	CHECK(pctl_journal_open(dir, &inner, &o, &j, &be, err, sizeof(err)) ==
	      0);
	pctl_engine_config_defaults(&cfg);
	cfg.n_ext_addrs = 1;
	const uint8_t ext[4] = {203, 0, 113, 1};
	pctl_addr_from_v4(&cfg.ext_addrs[0], ext);
	cfg.port_seed = 1; /* a crash reproduces with the same ports */
	struct pctl_engine *e = pctl_engine_new(&cfg, &be, 1000);
	CHECK(e != NULL);
	if (image)
		CHECK(pctl_journal_replay(j, e, image, size, 1000, 1700000000,
		                          res) == 0);
	else
		CHECK(pctl_journal_load(j, e, 1000, 1700000000, res) == 0);
	CHECK(res->restored + res->expired + res->failed <= res->records);
	CHECK(res->message[0] != '\0');
	struct pctl_journal_stats st;
	pctl_journal_get_stats(j, &st);
	CHECK(st.live == res->restored);
	size_t n = 0;
	pctl_engine_foreach(e, count_cb, &n, 1000);
	be.ops->destroy(be.ctx, true);
	pctl_engine_free(e);
	return n;
}

/* What holds for any result, from the file or from memory. */
static void check_result(const struct pctl_journal_load_result *r, size_t n,
                         size_t size)
{
	CHECK(n == r->restored);
	CHECK(!r->corrupt || r->corrupt_offset <= size);
	CHECK(!(r->no_state && r->state_kept));
	/* Resynchronisation (issue 15 item 3): damage is corruption, never
	 * kept state; what was skipped lies inside the file, after the first
	 * bad offset. */
	CHECK(!r->damaged || (r->corrupt && !r->state_kept));
	CHECK(r->skipped_bytes <= size);
	CHECK(!r->skipped || r->damaged);
	CHECK(!r->damaged || r->skipped_bytes + r->corrupt_offset <= size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pctl_journal_load_result a, b;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "%s/pctl-fuzz-XXXXXX",
		         access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		CHECK(mkdtemp(dir) != NULL);
		snprintf(path, sizeof(path), "%s/%s", dir, PCTL_JOURNAL_FILE);
		atexit(cleanup);
		char err[256];
		CHECK(mkdir(dir, 0700) == 0 || errno == EEXIST);
		lock_fd = pctl_journal_lock(dir, err, sizeof(err));
		CHECK(lock_fd >= 0);
	}

	size_t n = start(data, size, &a);
	check_result(&a, n, size);
	CHECK(!a.damaged_path[0]); /* nothing kept aside from memory */
	if (inputs++ % FILE_EVERY)
		return 0;

	FILE *f = fopen(path, "wb");
	CHECK(f != NULL);
	CHECK(fwrite(data, 1, size, f) == size);
	CHECK(fclose(f) == 0);
	struct pctl_journal_load_result fl;
	size_t fn = start(NULL, 0, &fl);
	check_result(&fl, fn, size);
	/* The file load and the replay from memory agree. */
	CHECK(fn == n && fl.restored == a.restored);
	CHECK(fl.records == a.records && fl.expired == a.expired &&
	      fl.failed == a.failed && fl.adopted == a.adopted);
	CHECK(fl.no_state == a.no_state && fl.state_kept == a.state_kept &&
	      fl.corrupt == a.corrupt && fl.damaged == a.damaged);
	CHECK(fl.corrupt_offset == a.corrupt_offset &&
	      fl.skipped == a.skipped && fl.skipped_bytes == a.skipped_bytes);
	CHECK(fl.epoch == a.epoch);
	/* The damaged file was kept aside, byte for byte. */
	if (fl.damaged) {
		FILE *k = fopen(fl.damaged_path, "rb");
		CHECK(k != NULL);
		CHECK(fseek(k, 0, SEEK_END) == 0 && ftell(k) == (long)size);
		fclose(k);
	}

	/* The snapshot written by that load is a clean journal. */
	size_t m = start(NULL, 0, &b);
	CHECK(!b.corrupt && !b.no_state && b.state_kept);
	CHECK(b.restored == fl.restored && m == fn);
	CHECK(b.failed == 0 && b.expired == 0);
	return 0;
}

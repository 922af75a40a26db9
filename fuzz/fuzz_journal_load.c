/*
 * fuzz_journal_load - portctld's state journal loader (daemon/journal.c) on
 * arbitrary file contents: the bytes become the journal file of a private
 * state directory, and pctl_journal_load() restores it into a real engine
 * over the "none" backend.
 *
 * Invariants: load never fails on content (only on I/O), the counts add
 * up, the engine holds exactly what was restored, a damaged file (replay
 * resynchronises past bad records) is kept aside whole, and the snapshot
 * the load wrote loads again intact with the same mappings and a kept
 * state.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../daemon/journal.h"
#include "fuzz_check.h"

static char dir[64];
static char path[128];

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

/* One start: journal over "none", engine, load.  Returns the engine's
 * mapping count. */
static size_t start(struct pctl_journal_load_result *res)
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
	CHECK(pctl_journal_open(dir, &inner, &o, &j, &be, err, sizeof(err)) ==
	      0);
	pctl_engine_config_defaults(&cfg);
	cfg.n_ext_addrs = 1;
	const uint8_t ext[4] = {203, 0, 113, 1};
	pctl_addr_from_v4(&cfg.ext_addrs[0], ext);
	cfg.port_seed = 1; /* a crash reproduces with the same ports */
	struct pctl_engine *e = pctl_engine_new(&cfg, &be, 1000);
	CHECK(e != NULL);
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pctl_journal_load_result a, b;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "%s/pctl-fuzz-XXXXXX",
		         access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		CHECK(mkdtemp(dir) != NULL);
		snprintf(path, sizeof(path), "%s/%s", dir, PCTL_JOURNAL_FILE);
		atexit(cleanup);
	}
	FILE *f = fopen(path, "wb");
	CHECK(f != NULL);
	CHECK(fwrite(data, 1, size, f) == size);
	CHECK(fclose(f) == 0);

	size_t n = start(&a);
	CHECK(n == a.restored);
	CHECK(!a.corrupt || a.corrupt_offset <= size);
	CHECK(!(a.no_state && a.state_kept));
	/* Resynchronisation (issue 15 item 3): damage is corruption, never
	 * kept state; what was skipped lies inside the file, after the first
	 * bad offset; the damaged file was kept aside, byte for byte. */
	CHECK(!a.damaged || (a.corrupt && !a.state_kept));
	CHECK(a.skipped_bytes <= size);
	CHECK(!a.skipped || a.damaged);
	CHECK(!a.damaged || a.skipped_bytes + a.corrupt_offset <= size);
	if (a.damaged) {
		FILE *k = fopen(a.damaged_path, "rb");
		CHECK(k != NULL);
		CHECK(fseek(k, 0, SEEK_END) == 0 && ftell(k) == (long)size);
		fclose(k);
	}

	/* The snapshot written by that load is a clean journal. */
	size_t m = start(&b);
	CHECK(!b.corrupt && !b.no_state && b.state_kept);
	CHECK(b.restored == a.restored && m == n);
	CHECK(b.failed == 0 && b.expired == 0);
	return 0;
}

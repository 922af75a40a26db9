/* A damaged state journal kept aside (journal_aside.h). */
#include "journal_aside.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"

/* A directory stuffed with look-alike names costs one bounded pass. */
#define MAX_SEEN 4096

__attribute__((format(printf, 2, 3))) static void
alog(const struct pctld_aside_log *l, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!l || !l->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	l->log(l->ctx, msg);
}

int pctld_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = fsync(fd) ? -errno : 0;
	close(fd);
	return rc;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Removes the oldest kept copies until fewer than `keep` remain (their
 * names sort by time).  Best effort: one that cannot go is reported and
 * left. */
static void prune(const char *dir, unsigned keep,
                  const struct pctld_aside_log *log)
{
	const size_t plen = strlen(PCTL_JOURNAL_DAMAGED_PREFIX);
	char **names = NULL;
	size_t n = 0, cap = 0;
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)) != NULL && n < MAX_SEEN) {
		if (strncmp(de->d_name, PCTL_JOURNAL_DAMAGED_PREFIX, plen))
			continue;
		if (n == cap) {
			size_t nc = cap ? 2 * cap : 16;
			char **p = realloc(names, nc * sizeof(*p));
			if (!p)
				break;
			names = p;
			cap = nc;
		}
		if (!(names[n] = strdup(de->d_name)))
			break;
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		if (n - i >= keep) {
			char p[4096];
			snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
			if (unlink(p) && errno != ENOENT)
				alog(log, "cannot remove %s: %s", p,
				     strerror(errno));
		}
		free(names[i]);
	}
	free(names);
}

/* Writes buf to a new file (never over an existing one).  0 or -errno. */
static int write_copy(const char *path, const uint8_t *buf, size_t len)
{
	int fd = open(
	    path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	size_t done = 0;
	int rc = 0;

	if (fd < 0)
		return -errno;
	while (!rc && done < len) {
		ssize_t w = write(fd, buf + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			rc = w < 0 ? -errno : -EIO;
		else
			done += (size_t)w;
	}
	if (!rc && fsync(fd))
		rc = -errno;
	close(fd);
	if (rc)
		unlink(path);
	return rc;
}

int pctld_journal_keep_aside(const char *dir, const char *path,
                             const uint8_t *buf, size_t len, int64_t now_rt,
                             unsigned keep, char *out, size_t outlen,
                             const struct pctld_aside_log *log)
{
	char stamp[32] = "unknown-time";
	time_t t = (time_t)now_rt;
	struct tm tm;
	int rc = -EEXIST;

	prune(dir, keep ? keep : 1, log);
	if (gmtime_r(&t, &tm))
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	/* Two loads within one second: a numbered name. */
	for (unsigned k = 0; rc == -EEXIST && k < 100; k++) {
		if (k)
			snprintf(out, outlen, "%s/%s%s.%u", dir,
			         PCTL_JOURNAL_DAMAGED_PREFIX, stamp, k);
		else
			snprintf(out, outlen, "%s/%s%s", dir,
			         PCTL_JOURNAL_DAMAGED_PREFIX, stamp);
		rc = link(path, out) ? -errno : 0;
		if (rc && rc != -EEXIST)
			rc = write_copy(out, buf, len);
	}
	if (!rc)
		rc = pctld_fsync_dir(dir);
	if (rc) {
		alog(log, "cannot keep the damaged log %s as %s: %s", path, out,
		     strerror(-rc));
		if (outlen)
			out[0] = '\0';
		return rc;
	}
	alog(log, "damaged log %s kept as %s", path, out);
	return 0;
}

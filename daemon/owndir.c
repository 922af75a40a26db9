/*
 * Ownership rules for the daemon's directories (owndir.h).  `user` used to
 * chown whatever state-dir named, so `state-dir /var/lib` handed /var/lib
 * to the user (issue 15, item 10): a directory is given away only when it
 * is provably portctld's own.
 */
#include "owndir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

static bool is_ours(const char *name, const char *const *ours)
{
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return true;
	for (size_t i = 0; ours && ours[i]; i++)
		if (!strcmp(name, ours[i]))
			return true;
	return false;
}

/* Whether dirfd holds only `ours`. */
static bool only_ours(int dirfd, const char *const *ours)
{
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	bool ok = d != NULL;

	if (!d && fd >= 0)
		close(fd);
	while (ok && (e = readdir(d)))
		ok = is_ours(e->d_name, ours);
	if (d)
		closedir(d);
	return ok;
}

/* Gives dirfd and the files of ours in it to who (never following a
 * symlink). */
static int give(int dirfd, const char *const *ours, const struct pctld_ids *who)
{
	if (fchown(dirfd, who->uid, who->gid))
		return -1;
	for (size_t i = 0; ours && ours[i]; i++)
		if (fchownat(dirfd, ours[i], who->uid, who->gid,
		             AT_SYMLINK_NOFOLLOW) &&
		    errno != ENOENT)
			return -1;
	return 0;
}

static int create_dir(const char *what, const char *dir, mode_t mode,
                      const struct pctld_ids *who, char *err, size_t errlen)
{
	int fd;

	if (mkdir(dir, mode)) {
		snprintf(err, errlen, "%s %s: cannot create it: %s", what, dir,
		         strerror(errno));
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || (who->change && fchown(fd, who->uid, who->gid))) {
		snprintf(err, errlen, "%s %s: cannot give it to %s: %s", what,
		         dir, who->name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Whether who may search every directory above path: a daemon that drops
 * to a user who cannot reach its state directory would fail later, at the
 * first compaction, long after the start said it was fine. */
static int reachable(const char *what, const char *path,
                     const struct pctld_ids *who, char *err, size_t errlen)
{
	char buf[PCTLD_PATH_MAX];
	struct stat st;
	char *slash;

	if (!who->change || who->uid == 0)
		return 0;
	snprintf(buf, sizeof(buf), "%s", path);
	while ((slash = strrchr(buf, '/'))) {
		mode_t need;
		slash[slash == buf] = '\0'; /* keep "/" itself */
		if (stat(buf, &st))
			return 0; /* missing: reported by the caller */
		need = st.st_uid == who->uid   ? 0100
		       : st.st_gid == who->gid ? 0010
		                               : 0001;
		if (!(st.st_mode & need)) {
			snprintf(err, errlen,
			         "%s %s: %s cannot reach it (%s is mode %03o)",
			         what, path, who->name, buf,
			         (unsigned)(st.st_mode & 0777));
			return -1;
		}
		if (slash == buf)
			break;
	}
	return 0;
}

/* The directory containing path must exist for path to be created. */
static int parent_exists(const char *what, const char *path, char *err,
                         size_t errlen)
{
	char buf[PCTLD_PATH_MAX];
	struct stat st;

	snprintf(buf, sizeof(buf), "%s", path);
	if (stat(dirname(buf), &st) || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s %s: %s does not exist", what, path,
		         buf);
		return -1;
	}
	return 0;
}

int pctld_own_dir(const char *what, const char *dir, const char *const *ours,
                  const struct pctld_ids *who, bool check, char *note,
                  size_t notelen, char *err, size_t errlen)
{
	uid_t uid = who->change ? who->uid : geteuid();
	struct stat st;
	int fd, rc = -1;

	if (reachable(what, dir, who, err, errlen))
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (parent_exists(what, dir, err, errlen))
			return -1;
		if (check) {
			pctld_note_add(note, notelen, "%s %s will be created",
			               what, dir);
			return 0;
		}
		return create_dir(what, dir, 0700, who, err, errlen);
	}
	if (fd < 0) {
		snprintf(err, errlen, "%s %s: %s", what, dir,
		         errno == ENOTDIR ? "not a directory"
		                          : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st)) {
		snprintf(err, errlen, "%s %s: %s", what, dir, strerror(errno));
	} else if (st.st_mode & 022) {
		snprintf(err, errlen,
		         "%s %s: writable by group or others (mode %03o); "
		         "portctld needs a directory of its own",
		         what, dir, (unsigned)(st.st_mode & 0777));
	} else if ((st.st_mode & 0300) != 0300) {
		snprintf(err, errlen, "%s %s: not writable by its owner", what,
		         dir);
	} else if (st.st_uid == uid) {
		rc = 0;
	} else if (st.st_uid != 0) {
		snprintf(
		    err, errlen,
		    "%s %s: belongs to uid %u, not to %s; portctld needs a "
		    "directory of its own",
		    what, dir, (unsigned)st.st_uid,
		    who->change ? who->name : "the daemon");
	} else if (!only_ours(fd, ours)) {
		snprintf(
		    err, errlen,
		    "%s %s: belongs to root and holds files that are not "
		    "portctld's; it is not given to %s (use a directory of "
		    "portctld's own, such as %s)",
		    what, dir, who->name, PCTLD_DEFAULT_STATE);
	} else if (check) {
		pctld_note_add(note, notelen, "%s %s will be given to %s", what,
		               dir, who->name);
		rc = 0;
	} else if (give(fd, ours, who)) {
		snprintf(err, errlen, "%s %s: cannot give it to %s: %s", what,
		         dir, who->name, strerror(errno));
	} else {
		rc = 0;
	}
	close(fd);
	return rc;
}

static bool writable_by(const struct stat *st, const struct pctld_ids *who)
{
	if (st->st_uid == who->uid)
		return st->st_mode & 0200;
	if (st->st_gid == who->gid)
		return st->st_mode & 0020;
	return st->st_mode & 0002;
}

int pctld_runtime_dir(const char *what, const char *path,
                      const struct pctld_ids *who, bool check, char *note,
                      size_t notelen, char *err, size_t errlen)
{
	char buf[PCTLD_PATH_MAX];
	const char *dir;
	struct stat st;

	if (!path[0])
		return 0;
	if (reachable(what, path, who, err, errlen))
		return -1;
	snprintf(buf, sizeof(buf), "%s", path);
	dir = dirname(buf);
	if (stat(dir, &st) && errno == ENOENT) {
		if (parent_exists(what, dir, err, errlen))
			return -1;
		if (check) {
			pctld_note_add(note, notelen,
			               "directory %s will be created", dir);
			return 0;
		}
		return create_dir(what, dir, 0755, who, err, errlen);
	}
	if (!who->change)
		return 0; /* the daemon stays who it is: as now, so at stop */
	if (!S_ISDIR(st.st_mode) || !writable_by(&st, who)) {
		snprintf(
		    err, errlen,
		    "%s %s: %s could not remove it at stop, as %s is not "
		    "writable by %s (use a directory %s may write, such as "
		    "/run/portctld)",
		    what, path, who->name, dir, who->name, who->name);
		return -1;
	}
	return 0;
}

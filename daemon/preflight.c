/*
 * The checks before a start (preflight.h).
 */
#include "preflight.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "control.h"
#include "journal.h"
#include "msgbuf.h"
#include "owndir.h"
#include "tablelock.h"

/* Room for the records a start adds besides the snapshot of the log (file
 * header, epoch, boot id, clean close), with a wide margin. */
#define SNAPSHOT_SLACK (64 * 1024)

static const char *const journal_files[] = {
    PCTL_JOURNAL_FILE,
    PCTL_JOURNAL_TMP_FILE,
    PCTL_JOURNAL_LOCK_FILE,
    NULL,
};

/* Who the daemon runs as (issue 15, item 11): `user`, or by default, when
 * started as root, the account portctld, else nobody; `user root` keeps uid
 * 0 on purpose.  A daemon started as another user stays that user. */
static int resolve_user(const struct pctld_config *cfg, struct pctld_ids *ids,
                        char *notes, size_t noteslen, char *err, size_t errlen)
{
	const char *name = cfg->user;
	struct passwd *pw;

	memset(ids, 0, sizeof(*ids));
	if (!name[0]) {
		if (geteuid() != 0)
			return 0;
		name = PCTLD_DEFAULT_USER;
		if (!getpwnam(name)) {
			name = PCTLD_FALLBACK_USER;
			pctld_note_add(notes, noteslen,
			               "no account %s: running as %s",
			               PCTLD_DEFAULT_USER, name);
		}
	}
	pw = getpwnam(name);
	if (!pw) {
		snprintf(err, errlen, "user '%s' does not exist%s", name,
		         cfg->user[0] ? "" : " (set user)");
		return -1;
	}
	if (pw->pw_uid == 0)
		pctld_note_add(
		    notes, noteslen,
		    "running as root (user %s): a flaw in portctld would "
		    "be a root compromise",
		    name);
	ids->change = pw->pw_uid != geteuid() || pw->pw_gid != getegid();
	ids->uid = pw->pw_uid;
	ids->gid = pw->pw_gid;
	snprintf(ids->name, sizeof(ids->name), "%s", name);
	return 0;
}

/* A running daemon's: an error at a start, a note with -n.  0 or -1. */
static int in_use(bool check, const char *why, char *notes, size_t noteslen,
                  char *err, size_t errlen)
{
	if (!check) {
		if (why != err)
			snprintf(err, errlen, "%s", why);
		return -1;
	}
	pctld_note_add(notes, noteslen, "in use: %s (a start now would refuse)",
	               why);
	return 0;
}

static int check_pidfile(const char *path, bool check, char *notes,
                         size_t noteslen, char *err, size_t errlen)
{
	char why[PCTLD_ERR_MAX];
	struct stat st;
	int fd, rc = 0;

	if (!path[0] || lstat(path, &st))
		return 0;
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "pidfile %s: not a regular file", path);
		return -1;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "pidfile %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_SH | LOCK_NB) && errno == EWOULDBLOCK) {
		snprintf(why, sizeof(why),
		         "pidfile %s: another portctld holds it", path);
		rc = in_use(check, why, notes, noteslen, err, errlen);
	}
	close(fd);
	return rc;
}

/* The journal's files must be what the journal makes of them: a journal
 * path that is a directory or a symlink used to be found only after the
 * backend was open. */
static int check_journal_files(const char *dir, off_t *log_size, char *err,
                               size_t errlen)
{
	struct stat st;

	*log_size = 0;
	for (size_t i = 0; journal_files[i]; i++) {
		char path[PCTLD_PATH_MAX + 32];
		snprintf(path, sizeof(path), "%s/%s", dir, journal_files[i]);
		if (lstat(path, &st)) {
			if (errno == ENOENT)
				continue;
			snprintf(err, errlen, "journal %s: %s", path,
			         strerror(errno));
			return -1;
		}
		if (!S_ISREG(st.st_mode)) {
			snprintf(
			    err, errlen,
			    "journal %s: is a %s, not a regular file; move "
			    "it away",
			    path,
			    S_ISDIR(st.st_mode)   ? "directory"
			    : S_ISLNK(st.st_mode) ? "symbolic link"
			                          : "special file");
			return -1;
		}
		if (i == 0)
			*log_size = st.st_size;
	}
	return 0;
}

/* A start rewrites the log as a snapshot of what it restores, no larger
 * than the log itself: refuse now, rather than after the backend is open,
 * when there is no room for it (issue 15, item 4). */
static int check_space(const char *dir, off_t log_size, char *err,
                       size_t errlen)
{
	struct statvfs vfs;
	unsigned long long need = (unsigned long long)log_size + SNAPSHOT_SLACK;
	unsigned long long avail;

	if (statvfs(dir, &vfs)) {
		snprintf(err, errlen, "state-dir %s: %s", dir, strerror(errno));
		return -1;
	}
	avail = (unsigned long long)vfs.f_bavail * vfs.f_frsize;
	if (vfs.f_flag & ST_RDONLY) {
		snprintf(err, errlen, "state-dir %s: read-only file system",
		         dir);
		return -1;
	}
	if (avail < need || (vfs.f_files && vfs.f_favail < 2)) {
		snprintf(err, errlen,
		         "state-dir %s: file system full (%llu bytes and %llu "
		         "inodes free; the journal needs %llu bytes and 2 "
		         "inodes to start); free some space",
		         dir, avail, (unsigned long long)vfs.f_favail, need);
		return -1;
	}
	return 0;
}

static int check_state(const struct pctld_config *cfg, bool check,
                       struct pctld_preflight *pf, char *notes, size_t noteslen,
                       char *err, size_t errlen)
{
	struct stat st;
	off_t log_size;
	int fd;

	if (pctld_own_dir("state-dir", cfg->state_dir, journal_files, &pf->ids,
	                  check, notes, noteslen, err, errlen))
		return -1;
	if (stat(cfg->state_dir, &st))
		return 0; /* check: it would be created, empty */
	if (check_journal_files(cfg->state_dir, &log_size, err, errlen) ||
	    check_space(cfg->state_dir, log_size, err, errlen))
		return -1;
	fd = pctl_journal_lock(cfg->state_dir, err, errlen);
	if (fd == -EBUSY)
		return in_use(check, err, notes, noteslen, err, errlen);
	if (fd < 0)
		return -1;
	if (check)
		close(fd);
	else
		pf->journal_lock_fd = fd;
	return 0;
}

static int check_control(const struct pctld_config *cfg, bool check,
                         struct pctld_preflight *pf, char *notes,
                         size_t noteslen, char *err, size_t errlen)
{
	struct stat st;
	bool stale;

	if (pctld_control_probe(cfg->control, &stale, err, errlen)) {
		/* Only a live daemon leaves a socket that answers. */
		if (!lstat(cfg->control, &st) && S_ISSOCK(st.st_mode))
			return in_use(check, err, notes, noteslen, err, errlen);
		return -1;
	}
	return pctld_runtime_dir("control", cfg->control, &pf->ids, check,
	                         notes, noteslen, err, errlen);
}

/* The audit log's file (issue 10) is opened by the parent, as root, after
 * the preflight; what would make that open fail is found here, without
 * creating anything: an existing path that is not a regular file, a path
 * through a file, or a missing file in a directory that does not exist. */
static int check_audit_file(const struct pctld_config *cfg, char *err,
                            size_t errlen)
{
	struct stat st;
	char dir[sizeof(cfg->audit.path)];

	if (cfg->audit.mode != PCTLD_AUDIT_FILE)
		return 0;
	if (stat(cfg->audit.path, &st) == 0) {
		if (!S_ISREG(st.st_mode))
			return pctld_errf(err, errlen,
			                  "audit log %s: not a regular file",
			                  cfg->audit.path);
		return 0;
	}
	if (errno != ENOENT)
		return pctld_errf(err, errlen, "audit log %s: %s",
		                  cfg->audit.path, strerror(errno));
	snprintf(dir, sizeof(dir), "%s", cfg->audit.path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		return 0; /* relative to the working directory, which exists */
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &st))
		return pctld_errf(err, errlen, "audit log %s: directory %s: %s",
		                  cfg->audit.path, dir, strerror(errno));
	return 0;
}

int pctld_preflight(const struct pctld_config *cfg, bool check,
                    struct pctld_preflight *pf, char *notes, size_t noteslen,
                    char *err, size_t errlen)
{
	pf->table_fd = -1;
	pf->journal_lock_fd = -1;
	if (resolve_user(cfg, &pf->ids, notes, noteslen, err, errlen) ||
	    check_audit_file(cfg, err, errlen))
		return -1;
	if (!strcmp(cfg->backend, "nftables")) {
		pf->table_fd = pctld_table_lock(cfg->nft_table, err, errlen);
		if (pf->table_fd < 0 &&
		    in_use(check, err, notes, noteslen, err, errlen))
			goto fail;
		if (check && pf->table_fd >= 0) {
			close(pf->table_fd);
			pf->table_fd = -1;
		}
	}
	if (check_control(cfg, check, pf, notes, noteslen, err, errlen) ||
	    check_pidfile(cfg->pidfile, check, notes, noteslen, err, errlen) ||
	    pctld_runtime_dir("pidfile", cfg->pidfile, &pf->ids, check, notes,
	                      noteslen, err, errlen))
		goto fail;
	if (cfg->journal &&
	    check_state(cfg, check, pf, notes, noteslen, err, errlen))
		goto fail;
	return 0;
fail:
	pctld_preflight_release(pf);
	return -1;
}

void pctld_preflight_release(struct pctld_preflight *pf)
{
	if (pf->table_fd >= 0)
		close(pf->table_fd);
	if (pf->journal_lock_fd >= 0)
		close(pf->journal_lock_fd);
	pf->table_fd = -1;
	pf->journal_lock_fd = -1;
}

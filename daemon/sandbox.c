/*
 * The network process's confinement (sandbox.h).
 */
#include "sandbox.h"

#include <cap-ng.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "seccomp.h"

int pctld_empty_dir(const char *path, char *err, size_t errlen)
{
	struct stat st;
	struct dirent *e;
	DIR *dir;
	bool empty = true;

	if (mkdir(path, 0755) && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (lstat(path, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", path);
		return -1;
	}
	/* Root's, so that the daemon's user cannot put anything in it. */
	if (geteuid() == 0 && ((st.st_uid || st.st_gid) && chown(path, 0, 0))) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (geteuid() == 0 && (st.st_mode & 07777) != 0755 &&
	    chmod(path, 0755)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	dir = opendir(path);
	if (!dir) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((e = readdir(dir)))
		empty &= !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(dir);
	if (!empty) {
		snprintf(err, errlen,
		         "%s: not empty (the network process's root must "
		         "hold nothing)",
		         path);
		return -1;
	}
	return 0;
}

/* Raises CAP_SYS_CHROOT (and CAP_SETPCAP, when there) from the permitted
 * set, which the parent kept for this (privs.h); false when it is not
 * there (a start without privileges). */
static bool raise_sandbox_caps(bool *setpcap)
{
	capng_get_caps_process();
	*setpcap = capng_have_capability(CAPNG_PERMITTED, CAP_SETPCAP);
	if (!capng_have_capability(CAPNG_PERMITTED, CAP_SYS_CHROOT))
		return false;
	capng_update(CAPNG_ADD, CAPNG_EFFECTIVE, CAP_SYS_CHROOT);
	if (*setpcap)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE, CAP_SETPCAP);
	return capng_apply(CAPNG_SELECT_CAPS) == 0;
}

static int fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "network process: %s: %s", what, strerror(errno));
	return -1;
}

int pctld_sandbox_enter(const struct pctld_ids *who, const char *root,
                        int *rooted, char *err, size_t errlen)
{
	bool setpcap;
	bool privileged = raise_sandbox_caps(&setpcap);
	uid_t uid = who->change ? who->uid : getuid();
	gid_t gid = who->change ? who->gid : getgid();

	*rooted = 0;
	/* glibc reads the time zone (/etc/localtime, with openat, which the
	 * filter forbids) on the first gmtime_r or localtime_r, and syslog(3)
	 * and the audit log's timestamps call them: read it while there is
	 * still a file system. */
	tzset();
	if (privileged && root) {
		if (chroot(root))
			return fail(err, errlen, "chroot");
		if (chdir("/"))
			return fail(err, errlen, "chdir");
		*rooted = 1;
	}
	/* The parent's bounding set is empty but for what it keeps; a parent
	 * that stayed root (user root) leaves it to be emptied here. */
	if (setpcap)
		for (int c = 0; c <= CAP_LAST_CAP; c++)
			if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) &&
			    errno != EINVAL)
				return fail(err, errlen, "bounding set");
	if (setresgid(gid, gid, gid))
		return fail(err, errlen, "setresgid");
	if (setresuid(uid, uid, uid))
		return fail(err, errlen, "setresuid");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) &&
	    errno != EINVAL)
		return fail(err, errlen, "ambient capabilities");
	capng_clear(CAPNG_SELECT_CAPS);
	if (capng_apply(CAPNG_SELECT_CAPS))
		return fail(err, errlen, "dropping capabilities");
	capng_get_caps_process();
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE) {
		errno = EPERM;
		return fail(err, errlen, "a capability is still there");
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return fail(err, errlen, "PR_SET_NO_NEW_PRIVS");
	return pctld_seccomp_install(err, errlen);
}

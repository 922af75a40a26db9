/*
 * The network process's confinement (privilege separation,
 * portctld(8) SECURITY): once everything it needs is open, it
 *   1. enters an empty root directory (chroot, when the parent kept
 *      CAP_SYS_CHROOT for it: a start as root);
 *   2. runs as the configured user (setresgid/setresuid; the parent already
 *      is that user, so this fixes the saved ids too);
 *   3. drops every capability: effective, permitted, inheritable, ambient
 *      and the bounding set (which the parent, switching users, already
 *      emptied but for what it keeps; a parent that stays root with
 *      `user root` still has CAP_SETPCAP, and it is emptied here);
 *   4. sets no-new-privileges (checked);
 *   5. installs the seccomp allow-list (seccomp.h).
 * A step that fails ends the start: the network process never runs with
 * less confinement than documented.
 */
#ifndef PORTCTLD_SANDBOX_H
#define PORTCTLD_SANDBOX_H

#include <stddef.h>

#include "privs.h"

/* The empty directory the network process is confined to, beside the
 * control socket. */
#define PCTLD_EMPTY_DIR_NAME "empty"

/* Creates (as root: owned by root, mode 0755) or checks the empty
 * directory `path`: a directory, not a symlink, with nothing in it.  0, or
 * -1 with a reason in err. */
int pctld_empty_dir(const char *path, char *err, size_t errlen);

/* Steps 1..5 above; root NULL: no chroot.  0, or -1 with a reason in err.
 * *rooted tells whether the chroot was made. */
int pctld_sandbox_enter(const struct pctld_ids *who, const char *root,
                        int *rooted, char *err, size_t errlen);

#endif

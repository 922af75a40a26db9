/*
 * The directories portctld writes to, checked (and, at a real start,
 * created or adopted) before anything else is touched: the state directory
 * (portctld.conf(5), state-dir) and the directories of the control socket
 * and the pidfile.
 */
#ifndef PORTCTLD_OWNDIR_H
#define PORTCTLD_OWNDIR_H

#include <stdbool.h>
#include <stddef.h>

#include "msgbuf.h"
#include "privs.h"

/* Makes dir a directory of the daemon's own, for who:
 *  - missing: created mode 0700 and given to who (its parent must exist);
 *  - owned by who: used as it is;
 *  - owned by root while who is not root: given to who only when it holds
 *    nothing but the files named in `ours` (NULL-terminated), i.e. it is
 *    portctld's own from a start as root; any other content means a shared
 *    directory (state-dir /var/lib), which is refused, never chowned;
 *  - owned by anyone else, writable by group or others, or not writable by
 *    its owner: refused.
 * With check, nothing is created or changed; what a start would do goes to
 * note.  0, or -1 with a reason in err. */
int pctld_own_dir(const char *what, const char *dir, const char *const *ours,
                  const struct pctld_ids *who, bool check, char *note,
                  size_t notelen, char *err, size_t errlen);

/* The file at path (control socket, pidfile) must be removable by who at
 * stop, when it no longer has privileges: its directory is created (mode
 * 0755, given to who) when missing, and must otherwise be writable by who
 * (not checked when who keeps the current ids).  0, or -1 with err. */
int pctld_runtime_dir(const char *what, const char *path,
                      const struct pctld_ids *who, bool check, char *note,
                      size_t notelen, char *err, size_t errlen);

#endif

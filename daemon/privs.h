/*
 * Dropping privileges once everything that needs them is open.
 */
#ifndef PORTCTLD_PRIVS_H
#define PORTCTLD_PRIVS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Who the daemon runs as once started (resolved by the preflight). */
struct pctld_ids {
	bool change; /* switch to uid/gid (false: keep the current ones) */
	uid_t uid;
	gid_t gid;
	char name[64]; /* the account's name, for messages */
};

/* Switches to who (when who->change), keeping CAP_NET_ADMIN only when
 * need_net_admin, and CAP_SYS_CHROOT in the permitted set only (not
 * effective) when keep_sandbox (for the network processes the
 * parent starts, sandbox.h); clears every other capability and the rest of
 * the bounding set, and sets no-new-privileges.  0, or -1 with a reason in
 * err. */
int pctld_drop_privileges(const struct pctld_ids *who, bool need_net_admin,
                          bool keep_sandbox, char *err, size_t errlen);

#endif

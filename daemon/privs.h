/* portctld privileges: capabilities kept and the user it runs as. */
#ifndef PORTCTLD_PRIVS_H
#define PORTCTLD_PRIVS_H

#include <stdbool.h>
#include <stddef.h>

/* Called once sockets, control socket and pidfile are open.  Keeps
 * CAP_NET_ADMIN only when need_net_admin (the nftables backend talks netlink
 * for every mapping); drops every other capability, from the bounding set
 * too, and switches to user (if non-empty, with its primary group and no
 * supplementary groups).  0, or -1 with a reason in err.  Without any
 * capability to start with (an unprivileged test run) nothing is done. */
int pctld_drop_privileges(const char *user, bool need_net_admin, char *err,
                          size_t errlen);

#endif

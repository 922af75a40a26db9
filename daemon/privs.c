/*
 * Capabilities, decided (portctld(8), SECURITY):
 *  - CAP_NET_ADMIN: kept with the nftables backend only; it changes the
 *    ruleset (and conntrack) for every request, long after start.
 *  - CAP_NET_BIND_SERVICE: not kept.  Port 5351 is not privileged, and every
 *    socket is bound before privileges are dropped; a SIGHUP does not rebind.
 *  - CAP_NET_RAW: not kept.  Plain UDP sockets with IP_PKTINFO need none.
 *  - CAP_SYS_CHROOT: kept permitted, never effective, so that each
 *    network process the parent starts can enter its empty root before it
 *    drops everything (sandbox.h); the parent itself never raises it.
 *    With `user root` CAP_SETPCAP too (permitted only), for the network
 *    process to empty its bounding set; a switch of user empties the
 *    parent's already.
 * Everything else goes, the bounding set included, so that not even an exec
 * could regain it.
 */
#include "privs.h"

#include <cap-ng.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* No new privileges through any later exec (there is none): a daemon that
 * could not set it is not the one the operator was promised. */
static int set_no_new_privs(char *err, size_t errlen)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		snprintf(err, errlen, "prctl(PR_SET_NO_NEW_PRIVS): %s",
		         strerror(errno));
		return -1;
	}
	return 0;
}

int pctld_drop_privileges(const struct pctld_ids *who, bool need_net_admin,
                          bool keep_sandbox, char *err, size_t errlen)
{
	int rc;

	if (capng_have_capabilities(CAPNG_SELECT_CAPS) == CAPNG_NONE) {
		if (who->change && who->uid != getuid()) {
			snprintf(err, errlen,
			         "cannot switch to user '%s' without "
			         "privileges",
			         who->name);
			return -1;
		}
		return set_no_new_privs(err, errlen);
	}
	capng_clear(CAPNG_SELECT_BOTH);
	if (need_net_admin &&
	    capng_update(CAPNG_ADD,
	                 CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
	                 CAP_NET_ADMIN)) {
		snprintf(err, errlen, "cannot keep CAP_NET_ADMIN");
		return -1;
	}
	if (keep_sandbox &&
	    (capng_update(CAPNG_ADD, CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
	                  CAP_SYS_CHROOT) ||
	     capng_update(CAPNG_ADD, CAPNG_PERMITTED, CAP_SETPCAP))) {
		snprintf(err, errlen, "cannot keep CAP_SYS_CHROOT");
		return -1;
	}
	if (who->change)
		rc =
		    capng_change_id((int)who->uid, (int)who->gid,
		                    CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING);
	else
		rc = capng_apply(CAPNG_SELECT_BOTH);
	if (rc) {
		snprintf(err, errlen, "dropping capabilities failed (%d)", rc);
		return -1;
	}
	return set_no_new_privs(err, errlen);
}

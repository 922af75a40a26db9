/*
 * Who owns an nftables table: the process bound to the abstract Unix socket
 * name "portctld/nft/inet/<table>".
 *
 * Why an abstract socket and not a lock file: a table lives in a network
 * namespace, and so does the abstract socket namespace, so two daemons in
 * two namespaces (two routers on one host, or parallel tests) never meet,
 * while two in the same namespace always do, whatever their mount
 * namespace, state directory or control path.  The name vanishes with the
 * process that holds it (kill -9 included), so there is no stale lock to
 * judge, and nothing is written to any file system.  The price: any local
 * process may bind the name first and so keep portctld from starting; it
 * cannot make portctld change anything, and it could as well take UDP port
 * 5351.  `ss -xlp | grep portctld/nft` shows the holder.
 */
#include "tablelock.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int pctld_table_lock(const char *table, char *err, size_t errlen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	/* sun_path[0] stays '\0': the abstract namespace. */
	int n = snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1,
	                 "portctld/nft/inet/%s", table);
	int fd;

	if (n < 0 || (size_t)n >= sizeof(sun.sun_path) - 1) {
		snprintf(err, errlen, "nft-table %s: name too long", table);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "nft-table %s: socket: %s", table,
		         strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sun,
	         (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	                     (size_t)n))) {
		int e = errno;
		close(fd);
		if (e == EADDRINUSE)
			snprintf(
			    err, errlen,
			    "nftables table inet %s: another portctld in "
			    "this network namespace owns it (`ss -xlp | "
			    "grep portctld/nft` shows which); give this one "
			    "its own nft-table",
			    table);
		else
			snprintf(err, errlen, "nft-table %s: bind: %s", table,
			         strerror(e));
		return -1;
	}
	return fd;
}

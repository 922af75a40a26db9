/*
 * The readiness datagram (notify.h).
 */
#include "notify.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int pctld_notify_open(char *err, size_t errlen)
{
	const char *name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t len;
	int fd;

	if (!name || !name[0])
		return -1;
	len = strlen(name);
	if ((name[0] != '/' && name[0] != '@') || len >= sizeof(sun.sun_path)) {
		snprintf(err, errlen,
		         "NOTIFY_SOCKET '%.200s': not a Unix socket path or "
		         "@abstract name",
		         name);
		return -2;
	}
	memcpy(sun.sun_path, name, len);
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    connect(
	        fd, (struct sockaddr *)&sun,
	        (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len))) {
		snprintf(err, errlen, "NOTIFY_SOCKET %.200s: %s", name,
		         strerror(errno));
		if (fd >= 0)
			close(fd);
		return -2;
	}
	/* Nothing the daemon might start later should talk for it. */
	unsetenv("NOTIFY_SOCKET");
	return fd;
}

int pctld_notify(int fd, const char *state)
{
	if (fd < 0)
		return 0;
	return send(fd, state, strlen(state), MSG_DONTWAIT | MSG_NOSIGNAL) < 0
	           ? -1
	           : 0;
}

int pctld_notify_reloading(int fd)
{
	struct timespec ts;
	char msg[64];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
	         (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
	return pctld_notify(fd, msg);
}

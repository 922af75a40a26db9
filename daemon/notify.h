/*
 * The service manager's readiness protocol (systemd's sd_notify(3)): when
 * $NOTIFY_SOCKET names an AF_UNIX datagram socket, portctld sends it
 * "READY=1" once it serves, "RELOADING=1" and "READY=1" around a SIGHUP,
 * and "STOPPING=1" at a stop, so that `Type=notify` units know when the
 * daemon is up and when a reload is done.  Without the variable (OpenWrt's
 * procd, a shell) nothing is sent.
 *
 * A sender of our own rather than libsystemd: the protocol is one datagram
 * of text, and libsystemd would be a dependency OpenWrt does not have.
 */
#ifndef PORTCTLD_NOTIFY_H
#define PORTCTLD_NOTIFY_H

#include <stddef.h>

/* Opens a socket connected to $NOTIFY_SOCKET (a path, or "@name" for the
 * abstract namespace) and unsets the variable.  Done at start, before
 * privileges are dropped: the socket is reached once, as root.  Returns
 * the descriptor, -1 when the variable is unset (nothing to do), or -2
 * with err set when it names something unusable. */
int pctld_notify_open(char *err, size_t errlen);

/* Sends state ("READY=1", ...) on fd without blocking; nothing when fd is
 * negative.  0, or -1 with errno set. */
int pctld_notify(int fd, const char *state);

/* "RELOADING=1" with the monotonic time systemd 253's Type=notify-reload
 * asks for (older managers ignore the extra field). */
int pctld_notify_reloading(int fd);

#endif

/* portctld pidfile: written at start, removed at a clean stop. */
#ifndef PORTCTLD_PIDFILE_H
#define PORTCTLD_PIDFILE_H

#include <stddef.h>

/* Creates path holding our PID, locked (flock) so that a second daemon with
 * the same pidfile refuses to start.  Returns the open descriptor (keep it
 * open for the daemon's life) or -1 with a reason in err. */
int pctld_pidfile_write(const char *path, char *err, size_t errlen);
/* Unlinks and closes. */
void pctld_pidfile_remove(const char *path, int fd);

#endif

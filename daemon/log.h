/*
 * portctld logging: syslog (facility daemon) when detached, stderr in the
 * foreground (-f).  Debug messages appear only with -v.
 */
#ifndef PORTCTLD_LOG_H
#define PORTCTLD_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* to_stderr: foreground; verbose > 0 shows LOG_DEBUG. */
void pctld_log_init(bool to_stderr, int verbose);
void pctld_log(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* An audit record (audit_log.c): syslog at LOG_INFO in its own facility,
 * so that operators can route it; stderr in the foreground. */
void pctld_log_audit(int facility, const char *line);

#endif

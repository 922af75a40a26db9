/*
 * Logging to syslog or stderr.  Before pctld_log_init() everything goes to
 * stderr, so that configuration errors reach whoever started the daemon.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

static bool use_stderr = true;
static int max_prio = LOG_INFO;

void pctld_log_init(bool to_stderr, int verbose)
{
	use_stderr = to_stderr;
	max_prio = verbose > 0 ? LOG_DEBUG : LOG_INFO;
	if (!to_stderr)
		openlog("portctld", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void pctld_log(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio > max_prio)
		return;
	va_start(ap, fmt);
	if (use_stderr) {
		static const char *const names[] = {
		    "emerg",   "alert",  "crit", "error",
		    "warning", "notice", "info", "debug"};
		fprintf(stderr, "portctld: %s: ", names[prio & 7]);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else {
		vsyslog(prio, fmt, ap);
	}
	va_end(ap);
}

void pctld_log_audit(int facility, const char *line)
{
	if (use_stderr)
		fprintf(stderr, "portctld: %s\n", line);
	else
		syslog(facility | LOG_INFO, "%s", line);
}

/*
 * portctld's audit log (issue 10): one record per mapping event of the
 * engine (server/audit.h), to syslog or as JSON lines to a file, limited
 * so that a flood cannot fill a disk.
 *
 * Privilege separation: everything this needs is opened before the daemon
 * drops its privileges: syslog's socket (log.c opens it with LOG_NDELAY)
 * or the file's descriptor (pctld_audit_open).  Reopening the file for
 * logrotate is pctld_audit_reopen (by path, when the daemon may still open
 * it) or its two halves, pctld_audit_open_file in the privileged parent and
 * pctld_audit_switch in the network process, which gets the descriptor
 * over the parent's socket (privsep_parent.c).
 */
#ifndef PORTCTLD_AUDIT_LOG_H
#define PORTCTLD_AUDIT_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../server/audit.h"
#include "audit_config.h"
#include "tokenbucket.h"

/* Clocks, replaceable by tests: monotonic ms (rate limits) and wall-clock
 * ms since the Unix epoch (the records' time). */
struct pctld_audit_clock {
	uint64_t (*mono_ms)(void);
	uint64_t (*wall_ms)(void);
};

/* Where a syslog-mode line goes; the daemon's is log.c's. */
typedef void (*pctld_audit_syslog_fn)(int facility, const char *line);

struct pctld_audit {
	struct pctld_audit_config cfg;
	struct pctld_audit_clock clock;
	pctld_audit_syslog_fn to_syslog;
	int fd; /* PCTLD_AUDIT_FILE; -1 otherwise */
	uint64_t nonce_key[2];
	/* The records' time of the current second, formatted once. */
	bool time_valid;
	uint64_t time_s;
	char time_text[32];
	struct pctld_bucket events, refusals;
	uint64_t suppressed, suppressed_refusals; /* since the last report */
	uint64_t last_report_ms;
	uint64_t written, write_errors;
	/* PCTLD_AUDIT_FILE: whole records not written yet. */
	size_t wlen;
	char wbuf[65536];
	bool write_failing; /* said once per failing streak */
	/* A reload's removals (pctld_audit_collect_*). */
	bool collecting;
	unsigned collected;
	char collect_text[512];
};

/* Sets a up from cfg (a file is opened: O_APPEND, created 0640).  0, or
 * -1 with the reason in err.  clock NULL: the real clocks; to_syslog NULL:
 * log.c's. */
int pctld_audit_open(struct pctld_audit *a,
                     const struct pctld_audit_config *cfg,
                     const struct pctld_audit_clock *clock,
                     pctld_audit_syslog_fn to_syslog, char *err, size_t errlen);
/* The last report of suppressed records, then the file closed. */
void pctld_audit_close(struct pctld_audit *a);

/* SIGHUP: applies new limits and output; a file (the same path or a new
 * one) is opened again, so that logrotate's renamed file is let go.  On
 * failure the previous output stays and err says why. */
int pctld_audit_reopen(struct pctld_audit *a,
                       const struct pctld_audit_config *cfg, char *err,
                       size_t errlen);
/* The two halves of pctld_audit_reopen, for a process that cannot open
 * files (the network process, privsep_parent.c): the parent opens the file
 * (O_APPEND, created 0640; the descriptor, or -1 with the reason in err),
 * the network process switches to it (fd taken over; -1 when cfg names no
 * file). */
int pctld_audit_open_file(const char *path, char *err, size_t errlen);
void pctld_audit_switch(struct pctld_audit *a,
                        const struct pctld_audit_config *cfg, int fd);

/* The engine's observer (pctl_engine_set_audit(e, pctld_audit_event, a)). */
void pctld_audit_event(void *ctx, const struct pctl_audit_event *ev);

/* Writes the records waiting in the buffer, and the suppressed-records
 * line when one is due; call from the event loop at every turn (and at
 * least once a minute). */
void pctld_audit_tick(struct pctld_audit *a);
/* Writes the records waiting in the buffer (tick and close do). */
void pctld_audit_flush(struct pctld_audit *a);

/* Around a reload: collects the mappings policy removes, so that the
 * reload's message can name them (the first few, then how many more). */
void pctld_audit_collect_begin(struct pctld_audit *a);
const char *pctld_audit_collect_end(struct pctld_audit *a);

/* Formats one record (without newline) into buf: JSON when json, else the
 * syslog text.  The length, or 0 when it did not fit.  Exposed for
 * tests. */
size_t pctld_audit_format(struct pctld_audit *a,
                          const struct pctl_audit_event *ev, bool json,
                          char *buf, size_t cap);

#endif

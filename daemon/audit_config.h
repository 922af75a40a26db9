/*
 * The audit log's settings (portctld.conf(5): audit-log, audit-rate-limit,
 * audit-refused-rate-limit), apart from the log itself (audit_log.h) so
 * that the configuration needs no more than this.
 */
#ifndef PORTCTLD_AUDIT_CONFIG_H
#define PORTCTLD_AUDIT_CONFIG_H

#include <stdint.h>

enum pctld_audit_mode {
	PCTLD_AUDIT_SYSLOG = 0, /* the default */
	PCTLD_AUDIT_FILE,
	PCTLD_AUDIT_OFF,
};

/* Mapping events (created, renewed, moved, deleted, expired) per second
 * and at once: far above what the per-subscriber request limit lets even
 * a large CGN's clients cause, so that no legitimate record is lost. */
#define PCTLD_AUDIT_RATE  1000
#define PCTLD_AUDIT_BURST 10000
/* Refusals: what a flood of bad requests produces; a few per second keep
 * the pattern visible (who, what) at some 100 bytes each, about 86 MB a
 * day at the most. */
#define PCTLD_AUDIT_REFUSED_RATE  10
#define PCTLD_AUDIT_REFUSED_BURST 100
/* How often a line says how many records the limits suppressed. */
#define PCTLD_AUDIT_REPORT_MS 60000

/* The audit part of portctld.conf. */
struct pctld_audit_config {
	enum pctld_audit_mode mode;
	int facility; /* syslog facility (LOG_DAEMON by default) */
	char path[256];
	uint32_t rate, burst;                 /* mapping events; 0 = no limit */
	uint32_t refused_rate, refused_burst; /* refusals; 0 = no limit */
};

void pctld_audit_config_defaults(struct pctld_audit_config *c);
/* Parses a syslog facility name (daemon, auth, authpriv, user, local0 ..
 * local7); -1 when unknown. */
int pctld_audit_facility(const char *name);

#endif

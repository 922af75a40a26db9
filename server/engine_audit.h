/*
 * Engine internals of the audit hook (audit.h): who the current engine call
 * acts for, and the calls the engine's paths make where a mapping changes.
 * Every call returns at once when no observer is registered or the current
 * call is not audited (journal restore), so the hooks cost a test when
 * auditing is off.
 */
#ifndef PORTCTL_SERVER_ENGINE_AUDIT_H
#define PORTCTL_SERVER_ENGINE_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "audit.h"

struct pctl_mapping;
struct pctl_map_extra;
struct pctl_rx;

/* Who an engine call acts for; saved and restored around nested calls (a
 * request's expiry tick runs for the timer). */
struct pctl_audit_scope {
	enum pctl_audit_by by;
	enum pctl_audit_via via;
	const struct pctl_rx *rx; /* by CLIENT: the request */
};

struct pctl_audit_state {
	pctl_audit_fn fn;
	void *ctx;
	struct pctl_audit_scope scope;
	/* A renewal of the current request, reported once when the request
	 * is done, so that what its steps changed (lifetime by the engine's
	 * refresh, options by the opcode) makes one event. */
	bool pend;
	uint64_t pend_id;
	uint32_t pend_lifetime;
	unsigned pend_changes;
};

/* Enters a scope; returns the previous one for pctl_audit_leave. */
struct pctl_audit_scope pctl_audit_enter(struct pctl_engine *e,
                                         enum pctl_audit_by by,
                                         enum pctl_audit_via via,
                                         const struct pctl_rx *rx);
/* Reports the pending renewal, then restores prev. */
void pctl_audit_leave(struct pctl_engine *e, struct pctl_audit_scope prev);

/* CREATED, DELETED or EXPIRED (by the scope: the timer's drops expire). */
void pctl_audit_created(struct pctl_engine *e, const struct pctl_mapping *m,
                        uint32_t lifetime);
void pctl_audit_dropped(struct pctl_engine *e, const struct pctl_mapping *m);
/* A renewal granting lifetime, with the changes known so far (0: none
 * yet, another step may add some). */
void pctl_audit_renewed(struct pctl_engine *e, const struct pctl_mapping *m,
                        uint32_t lifetime, unsigned changes);
/* MOVED from (prev_addr, prev_port) to m's external endpoint. */
void pctl_audit_moved(struct pctl_engine *e, const struct pctl_mapping *m,
                      const pctl_addr *prev_addr, uint16_t prev_port,
                      uint32_t lifetime);
/* REFUSED: an error response with result (PCP or NAT-PMP) to the datagram
 * rx; what it asked is read from it as far as it goes. */
void pctl_audit_refused_pcp(struct pctl_engine *e, const struct pctl_rx *rx,
                            uint8_t result);
void pctl_audit_refused_natpmp(struct pctl_engine *e, const struct pctl_rx *rx,
                               uint16_t result);
/* REFUSED: a UPnP action answered with UPnP error `result`; asked (NULL:
 * nothing known) holds what it asked for (protocol, internal endpoint,
 * external port, lease) when has_mapping. */
void pctl_audit_refused_upnp(struct pctl_engine *e,
                             const struct pctl_audit_event *asked,
                             uint16_t result);
/* The RENEWED changes between a mapping's old and new extra data. */
unsigned pctl_audit_extra_changes(const struct pctl_map_extra *old_x,
                                  const struct pctl_map_extra *new_x);

#endif

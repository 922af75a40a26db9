/*
 * The engine's audit hook (issue 10): one event per mapping change and per
 * refused request, handed to an observer the daemon registers.  The engine
 * only decides what happened; writing it anywhere (syslog, a file) is the
 * observer's business, so server/ stays free of I/O.
 *
 * What counts as an event:
 *  - CREATED: a new mapping (MAP, PEER, NAT-PMP; a static one by the
 *    administrator).  Mappings the journal restores at start are not new
 *    and give none.
 *  - RENEWED: a renewal that changed something a record of who held which
 *    port needs (`changes`): the mapping now ends sooner than it would have
 *    (a shorter lifetime, or a delete the Simple Threat Model turned into
 *    one, S-52), its DESCRIPTION, FILTERs or THIRD_PARTY requester
 *    changed, or an adopted mapping learnt its owner's nonce.  A renewal
 *    that only pushes the end later changes nothing of the record (the
 *    DELETED or EXPIRED event says when the mapping ended) and gives none:
 *    that is most of a busy server's traffic.
 *  - MOVED: the external address of a NAT44 mapping vanished and the
 *    mapping now has another external endpoint (S-26, S-95).
 *  - DELETED: removed by its client, by the administrator, by policy on a
 *    reload, or because its external address vanished with no other left
 *    (`by` says which).
 *  - EXPIRED: its lifetime ran out.
 *  - REFUSED: a request answered with an error result code (PCP or
 *    NAT-PMP), or a UPnP IGD action answered with a UPnP error.  Requests
 * dropped silently (the rate limiter, S-7; runts) give none: a flood of them
 * must cost nothing more.
 */
#ifndef PORTCTL_SERVER_AUDIT_H
#define PORTCTL_SERVER_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <portctl/wire.h>

#include "engine.h"

enum pctl_audit_type {
	PCTL_AUDIT_CREATED = 0,
	PCTL_AUDIT_RENEWED,
	PCTL_AUDIT_MOVED,
	PCTL_AUDIT_DELETED,
	PCTL_AUDIT_EXPIRED,
	PCTL_AUDIT_REFUSED,
};

/* Who caused the event. */
enum pctl_audit_by {
	PCTL_AUDIT_BY_NONE = 0, /* the engine is not auditing this call */
	PCTL_AUDIT_BY_CLIENT,   /* a request (the requester is set) */
	PCTL_AUDIT_BY_ADMIN,    /* the control socket */
	PCTL_AUDIT_BY_POLICY,   /* a reload's new configuration */
	PCTL_AUDIT_BY_ADDRESS,  /* an external address change */
	PCTL_AUDIT_BY_TIMER,    /* the lifetime ran out */
};

/* The protocol of the request behind the event; grows with new front ends,
 * so observers must print unknown values, not assume. */
enum pctl_audit_via {
	PCTL_AUDIT_VIA_NONE = 0, /* not a request: admin, timer, reload */
	PCTL_AUDIT_VIA_PCP,
	PCTL_AUDIT_VIA_NATPMP,
	PCTL_AUDIT_VIA_UPNP, /* UPnP IGD (server/upnp.h) */
};

/* RENEWED: what changed (several may be set). */
enum {
	PCTL_AUDIT_CH_SHORTER = 1u << 0, /* ends sooner than before */
	PCTL_AUDIT_CH_DESCRIPTION = 1u << 1,
	PCTL_AUDIT_CH_FILTERS = 1u << 2,
	PCTL_AUDIT_CH_REQUESTER = 1u << 3, /* THIRD_PARTY requester */
	PCTL_AUDIT_CH_NONCE = 1u << 4,     /* adopted mapping's owner known */
};

/* One event.  Pointers are valid only during the observer's call. */
struct pctl_audit_event {
	enum pctl_audit_type type;
	enum pctl_audit_by by;
	enum pctl_audit_via via;
	unsigned changes; /* RENEWED: PCTL_AUDIT_CH_* */
	/* REFUSED: the opcode asked (PCP opcode, or NAT-PMP opcode 0..2; 0
	 * for UPnP) and the result code answered (PCP R-codes, NAT-PMP 1..5,
	 * UPnP error codes such as 718). */
	uint8_t opcode;
	uint16_t result;
	/* The mapping (REFUSED: what the request asked for, as far as it
	 * could be read; zero otherwise).  kind is meaningful only when
	 * has_mapping. */
	bool has_mapping;
	uint64_t id;
	enum pctl_mapping_kind kind;
	uint8_t protocol;
	pctl_addr int_addr;
	uint16_t int_port;
	pctl_addr ext_addr;
	uint16_t ext_port;
	uint16_t port_count;
	bool has_remote; /* PEER */
	pctl_addr remote_addr;
	uint16_t remote_port;
	bool has_prev_ext; /* MOVED: the external endpoint before */
	pctl_addr prev_ext_addr;
	uint16_t prev_ext_port;
	/* CREATED, RENEWED, MOVED: the lifetime granted or left (seconds;
	 * PCTL_LIFETIME_STATIC for a static mapping); REFUSED: the lifetime
	 * asked; DELETED, EXPIRED: 0. */
	uint32_t lifetime;
	/* by CLIENT: the request's source address and port. */
	bool has_requester;
	pctl_addr requester;
	uint16_t requester_port;
	/* PCP: the request's or mapping's nonce.  A credential (S-33): an
	 * observer must not write it out as it is. */
	bool has_nonce;
	uint8_t nonce[PCTL_NONCE_LEN];
	/* DESCRIPTION, as the client sent it: untrusted bytes. */
	const uint8_t *desc;
	size_t desc_len;
};

typedef void (*pctl_audit_fn)(void *ctx, const struct pctl_audit_event *ev);

/* Registers the observer (fn NULL: none, the default).  Called
 * synchronously from inside engine calls; it must not call the engine. */
void pctl_engine_set_audit(struct pctl_engine *e, pctl_audit_fn fn, void *ctx);

/* Names for printing ("created", "client", "pcp", ...); "unknown" for a
 * value this build does not know. */
const char *pctl_audit_type_name(enum pctl_audit_type t);
const char *pctl_audit_by_name(enum pctl_audit_by b);
const char *pctl_audit_via_name(enum pctl_audit_via v);

#endif

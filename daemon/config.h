/*
 * portctld configuration: the settings of portctld.conf(5) and of the
 * command line, and the parser of the configuration file.
 *
 * The engine's own settings live in struct pctl_engine_config (engine.h);
 * everything else here is the daemon's (sockets, backend, files, user).
 * The configuration is plain data with fixed-size arrays so that a reload
 * (SIGHUP) can parse into a fresh copy and swap it in only when it is valid.
 */
#ifndef PORTCTLD_CONFIG_H
#define PORTCTLD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <net/if.h>

#include "../server/engine.h"
#include "audit_config.h"
#include "upnp_config.h"

#define PCTLD_MAX_LISTEN   16
#define PCTLD_MAX_IFS      16
#define PCTLD_MAX_ANNOUNCE 8
#define PCTLD_PATH_MAX     256
#define PCTLD_ERR_MAX      512

#define PCTLD_DEFAULT_CONFIG "/etc/portctld.conf"
/* In a runtime directory of its own, which the daemon creates for its
 * user, so that an unprivileged daemon can remove its socket at stop. */
#define PCTLD_DEFAULT_CONTROL "/run/portctld/portctld.sock"
#define PCTLD_DEFAULT_STATE   "/var/lib/portctld"
#define PCTLD_DEFAULT_TABLE   "portctl"
/* Without `user`, a daemon started as root runs as this account, or as
 * PCTLD_FALLBACK_USER when it does not exist (portctld.conf(5), user). */
#define PCTLD_DEFAULT_USER  "portctld"
#define PCTLD_FALLBACK_USER "nobody"
/* The none backend translates nothing, so it needs some external address to
 * report: a documentation address (RFC 5737) unless one is configured. */
#define PCTLD_DEFAULT_NONE_EXT "203.0.113.1"
/* S-7: requests per second and burst per subscriber.  A PCP client sends
 * one request per mapping at most every 2.7 s while retransmitting (RFC
 * 6887 section 8.1.1) and renews at half a lifetime of at least 120 s
 * (min-lifetime), about one per minute; after an ANNOUNCE it re-creates
 * its mappings within 5 s (section 14.1.3); a NAT-PMP client retries at
 * 250 ms, 500 ms, ... (RFC 6886 section 3.1).  50/s sustains 3000
 * mappings renewed every minute and 500 at once covers re-creating 500
 * mappings, or 125 by NAT-PMP with its first three retries. */
#define PCTLD_DEFAULT_RATE  50
#define PCTLD_DEFAULT_BURST 500
/* 4 MiB: about 20 ms of a 350k/s flood of 60-byte datagrams (the kernel
 * counts about 600 bytes of overhead each), and set past
 * net.core.rmem_max with SO_RCVBUFFORCE while still privileged. */
#define PCTLD_DEFAULT_RCVBUF (4u << 20)

/* A UDP endpoint (listen address or unicast announce target). */
struct pctld_endpoint {
	pctl_addr addr;
	uint16_t port;
};

struct pctld_config {
	struct pctl_engine_config engine;

	size_t n_listen;
	struct pctld_endpoint listen[PCTLD_MAX_LISTEN];

	/* Interfaces requests are accepted on (S-2).  Empty: the interfaces
	 * that hold the listen addresses. */
	size_t n_int_ifs;
	char int_ifs[PCTLD_MAX_IFS][IF_NAMESIZE];
	/* The WAN interface: requests arriving there are never served (N-8,
	 * 6886 section 3.3); also handed to the backend. */
	char ext_if[IF_NAMESIZE];
	/* Set by pctld_config_finish: external-interface without any
	 * external-ip, so the external addresses are that interface's. */
	bool ext_from_if;

	/* Unicast copies of the unsolicited ANNOUNCEs (S-93), in addition to
	 * the multicast ones; announce_port is the multicast destination port
	 * (5350, K-3; changed only for tests). */
	size_t n_announce;
	struct pctld_endpoint announce[PCTLD_MAX_ANNOUNCE];
	uint16_t announce_port;
	bool multicast_announce;

	char backend[16];
	char nft_table[64];
	bool hairpin;

	char control[PCTLD_PATH_MAX];
	char state_dir[PCTLD_PATH_MAX];
	bool journal; /* keep mappings across restarts in state_dir */
	char pidfile[PCTLD_PATH_MAX]; /* empty: none */
	char user[64]; /* empty: PCTLD_DEFAULT_USER (preflight.c) */
	/* on-stop flush: a clean stop removes every mapping (kernel and
	 * journal); the default, keep, leaves both for the next start. */
	bool flush_on_stop;

	/* SO_RCVBUF of each listen socket, bytes: room for the datagrams
	 * that arrive while the loop is busy, so that a flood is dropped by
	 * the rate limiter rather than by the kernel, blindly. */
	uint32_t socket_rcvbuf;

	/* Issue 15 item 5: `allow-self`, as written (the engine's allow_self
	 * is set from it by pctld_config_finish); unset: yes with the none
	 * backend, which forwards nothing, no otherwise. */
	bool allow_self;
	bool allow_self_given;
	/* Issue 15 item 12: a wildcard listener with neither
	 * internal-interface nor external-interface serves every interface,
	 * the WAN included; refused unless this is set. */
	bool allow_any_interface;

	/* Issue 10: the audit log (audit-log, audit-rate-limit,
	 * audit-refused-rate-limit). */
	struct pctld_audit_config audit;

	/* Issue 11: UPnP IGD (upnp, upnp-http-port, ...; upnp-secure-mode is
	 * engine.upnp_secure_mode). */
	struct pctld_upnp_config upnp;

	bool foreground;
	int verbose;
};

/* Built-in defaults: nothing to listen on yet (pctld_config_finish adds the
 * embedded 127.0.0.1 and ::1 port 5351), backend none, control socket
 * PCTLD_DEFAULT_CONTROL, engine defaults. */
void pctld_config_defaults(struct pctld_config *cfg);

/* Applies one "directive value..." line.  Returns 0, or -1 with the reason
 * (without file and line) in err. */
int pctld_config_line(struct pctld_config *cfg, char *line, char *err,
                      size_t errlen);

/* Parses a whole file into cfg (on top of what it holds).  Returns 0, or -1
 * with "file:line: reason" in err; on error cfg is partly updated and must
 * be discarded. */
int pctld_config_load(struct pctld_config *cfg, const char *path, char *err,
                      size_t errlen);

/* Completes a configuration once file and command line are applied: the
 * embedded listen addresses when none was given, the none backend's default
 * external address, NAT-PMP off when there is no IPv4 external address to
 * announce (N-13), then the engine's own check.  `notes` receives a short
 * human-readable summary of what defaults were chosen (may be empty).
 * Returns 0, or -1 with a reason in err. */
int pctld_config_finish(struct pctld_config *cfg, char *notes, size_t noteslen,
                        char *err, size_t errlen);

/* Parses "ADDR", "ADDR:PORT", "[V6ADDR]" or "[V6ADDR]:PORT"; the port is
 * left as is when absent.  0 or -1. */
int pctld_parse_endpoint(const char *s, struct pctld_endpoint *ep);

#endif

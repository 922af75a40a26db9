/*
 * The data-plane interface of portctld (docs/design.md layer 3).
 *
 * The engine decides; a backend makes the decision real.  The engine calls
 * create/refresh/remove for every mapping a request changes, then commit()
 * once per request: a backend may queue the operations and send them to the
 * kernel as one batch in commit().  If commit() fails, the engine rolls its
 * own state back and answers with an error, so that an error never leaves a
 * change behind (S-15).
 *
 * Backends: "none" (backend_none.c: keeps nothing outside the engine) and
 * "nftables" (dataplane/backend_nft.c and the nft_*.c beside it: one
 * nftables table of its own, mappings as map and set elements with kernel
 * timeouts).
 *
 * Nothing here includes engine headers: the engine depends on this file, not
 * the reverse.
 */
#ifndef PORTCTL_SERVER_BACKEND_H
#define PORTCTL_SERVER_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <portctl/wire.h>

/* What the data plane needs to know of one mapping. */
struct pctl_dp_mapping {
	uint64_t id;      /* engine's identifier, stable for its life */
	uint8_t protocol; /* IANA number; 0 = all protocols (S-32) */
	pctl_addr int_addr;
	uint16_t int_port;  /* 0 = all ports of the protocol */
	pctl_addr ext_addr; /* == int_addr for a pinhole (no NAT) */
	uint16_t ext_port;
	uint16_t port_count;   /* >= 1; PORT_SET: [int_port, int_port+count)
	                          maps to [ext_port, ext_port+count) */
	uint32_t lifetime;     /* seconds from now; the kernel timeout */
	bool outbound;         /* PEER: SNAT of the 5-tuple below, no DNAT */
	pctl_addr remote_addr; /* PEER only */
	uint16_t remote_port;  /* PEER only */
	size_t n_filters;      /* FILTER (S-80): 0 = any remote may enter */
	const struct pctl_filter *filters;

	/* What the state journal (a backend decorator) needs to re-create the
	 * mapping after a restart; data planes ignore these fields. */
	uint8_t kind; /* enum pctl_mapping_kind (engine.h) */
	uint8_t nonce[PCTL_NONCE_LEN];
	bool parity; /* PORT_SET P bit */
	bool third_party;
	bool prefer_failure; /* made with PREFER_FAILURE: never moved (S-95) */
	const uint8_t *desc; /* DESCRIPTION, not NUL-terminated */
	size_t desc_len;
	const uint8_t *tpid; /* THIRD_PARTY_ID */
	size_t tpid_len;
	pctl_addr client_addr; /* last client (Mapping Update, S-95) */
	uint16_t client_port;
	pctl_addr server_addr; /* the address the client wrote to */
	/* Adopted from the data plane after a damaged journal: the owner's
	 * nonce is not known (pctl_mapping_info.nonce_unknown). */
	bool nonce_unknown;
};

/* An outbound flow the kernel already translates (an implicit mapping),
 * learnt from conntrack for PEER (S-64). */
struct pctl_dp_flow {
	pctl_addr ext_addr;
	uint16_t ext_port;
	uint32_t timeout_left; /* seconds */
};

struct pctl_backend_ops {
	const char *name;
	/* Queue the installation of a new mapping. 0 or -errno. */
	int (*create)(void *ctx, const struct pctl_dp_mapping *m);
	/* Queue a new lifetime and/or filter set for an installed mapping. */
	int (*refresh)(void *ctx, const struct pctl_dp_mapping *m);
	/* Queue removal (delete or expiry); also ends related flows. */
	int (*remove)(void *ctx, const struct pctl_dp_mapping *m);
	/* Apply everything queued since the last commit, all or nothing.
	 * 0, or -errno after which nothing queued took effect. */
	int (*commit)(void *ctx);
	/* Drop everything queued since the last commit. */
	void (*abort)(void *ctx);
	/* At start: make the data plane hold exactly these mappings (remove
	 * stale entries, restore missing ones).  0 or -errno. */
	int (*reconcile)(void *ctx, const struct pctl_dp_mapping *const *maps,
	                 size_t n);
	/* Optional (may be NULL): the implicit mapping of an outbound 5-tuple.
	 * 0 when found, -ENOENT when not, other -errno on failure. */
	int (*lookup_flow)(void *ctx, uint8_t protocol,
	                   const pctl_addr *int_addr, uint16_t int_port,
	                   const pctl_addr *remote_addr, uint16_t remote_port,
	                   struct pctl_dp_flow *out);
	/* Optional (may be NULL: no traffic is ever seen): S-52 under the
	 * Simple Threat Model.  How many more seconds the traffic already
	 * seen on this installed mapping would keep an implicit mapping of it
	 * alive: the longest time left of the flows through it in which the
	 * internal host sent a packet (it opened the flow, or answered one).
	 * *seconds = 0 when there is none.  0 or -errno. */
	int (*idle_left)(void *ctx, const struct pctl_dp_mapping *m,
	                 uint32_t *seconds);
	/* Optional (may be NULL: nothing outlives the process): what the data
	 * plane holds now, for a start whose journal was damaged (the journal
	 * adopts what it lost, journal.h).  Calls cb once per mapping it can
	 * describe completely and that adopting cannot widen: an inbound
	 * mapping without FILTER (a NAT44 translation or a pinhole), one port
	 * per call, with protocol, internal and external endpoints and
	 * `lifetime` = the kernel timeout left in seconds; id, nonce and the
	 * journal-only fields are zero.  PEER and FILTERed elements are left
	 * out.  Queued operations are not affected.  0, the first non-zero
	 * value cb returned, or -errno. */
	int (*dump)(void *ctx,
	            int (*cb)(void *arg, const struct pctl_dp_mapping *m),
	            void *arg);
	/* Optional (may be NULL, both or neither): a descriptor that becomes
	 * readable when the data plane may have changed under the backend
	 * (another program deleted or flushed what it installed), and what
	 * the event loop calls then.  events() checks, re-installs every
	 * installed mapping when something was lost, and writes what it did
	 * into msg: 1 when msg says what was repaired, 0 when there was
	 * nothing to report, -errno when the repair failed (msg says why).
	 * commit() makes the same check when the kernel refuses a batch, and
	 * retries it after the repair. */
	int (*event_fd)(void *ctx);
	int (*events)(void *ctx, char *msg, size_t msglen);
	/* Release the backend.  keep_state: leave kernel state in place (for a
	 * restart with a journal); otherwise remove everything it installed. */
	void (*destroy)(void *ctx, bool keep_state);
};

struct pctl_backend {
	const struct pctl_backend_ops *ops;
	void *ctx;
};

/* Settings a backend is opened with (portctld.conf(5) documents them). */
struct pctl_backend_config {
	const char *table;              /* nftables table name ("portctl") */
	const char *ext_ifname;         /* external (WAN) interface, or NULL */
	const char *const *int_ifnames; /* internal interfaces */
	size_t n_int_ifs;
	bool hairpin; /* internal hosts may use mappings */
};

/* Constructors, one per backend; 0, or -errno with a reason in err. */
int pctl_backend_none_open(const struct pctl_backend_config *cfg,
                           struct pctl_backend *out, char *err, size_t errlen);
int pctl_backend_nftables_open(const struct pctl_backend_config *cfg,
                               struct pctl_backend *out, char *err,
                               size_t errlen);

/* `portctld -n` with the nftables backend: calls warn for every forward
 * chain of the running ruleset that would drop what the backend admits
 * (nft_fwcheck.c says what it can tell).  0, or -errno when the ruleset
 * cannot be read. */
int pctl_backend_nftables_check_firewall(const char *table,
                                         void (*warn)(void *, const char *),
                                         void *arg);

#endif

/*
 * The engine's state (struct pctl_engine), which every file of the engine
 * reads, and the few constants and inline helpers of its configuration.
 * The functions are declared by the header of the layer that defines them
 * (docs/design.md lists the layers; structure/server-cycles checks that no
 * two files call each other):
 *   1. table.h, portalloc.h, timerwheel.h, ratelimit.h, selfaddr.h,
 *      policy.h, engine_audit.h, engine_reuse.h, upnp_index.h;
 *   2. engine_core.h (engine_core.c), engine_msg.h (engine_msg.c);
 *   3. engine_opts.h (engine_opts.c), pcp_map_shared.h;
 *   4. engine_handlers.h (pcp_map.c, pcp_peer.c, natpmp_server.c,
 *      announce.c), port_set_overlap.h;
 *   5. engine.h (engine.c, engine_admin.c, engine_config.c): the API;
 *   6. upnp.h, upnp_impl.h: the UPnP IGD front end.
 * Not part of the engine's API.
 */
#ifndef PORTCTL_SERVER_ENGINE_STATE_H
#define PORTCTL_SERVER_ENGINE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <portctl/wire.h>

#include "backend.h"
#include "engine.h"
#include "engine_audit.h"
#include "engine_reuse.h"
#include "portalloc.h"
#include "ratelimit.h"
#include "selfaddr.h"
#include "table.h"
#include "timerwheel.h"
#include "upnp_index.h"

struct pctl_update; /* announce.c */

/* The rate limiter's settings of an engine configuration (S-7). */
static inline struct pctl_rl_config
pctl_engine_rl_config(const struct pctl_engine_config *cfg)
{
	return (struct pctl_rl_config){
	    .rate = cfg->rate_per_sec,
	    .burst = cfg->rate_burst,
	    .sources = cfg->rate_sources,
	    .new_rate = cfg->rate_new_per_sec,
	    .new_burst = cfg->rate_new_burst,
	    .v4_prefix = cfg->subscriber_v4_prefix,
	    .v6_prefix = cfg->subscriber_v6_prefix,
	};
}

/* Protocols with an allocator each (S-32: only these are mapped). */
enum { PCTL_P_TCP, PCTL_P_UDP, PCTL_P_SCTP, PCTL_P_DCCP, PCTL_N_PROTOS };

#define PCTL_NO_EXT  255 /* ext_idx of a pinhole (external == internal) */
#define PCTL_MAX_SRV 32  /* interned server addresses (srv_idx) */
#define PCTL_NO_SRV  255
/* Most filters one mapping keeps, whatever max_filters says. */
#define PCTL_ENG_FILTER_CAP 256

struct pctl_engine {
	struct pctl_engine_config cfg;
	struct pctl_backend backend;
	struct pctl_table table;
	/* Made by the first mapping that needs it (33 KB: an engine that
	 * never holds a mapping, e.g. a fuzzer input, does not pay for it);
	 * until then wheel_from_s is the second it will start at, as the
	 * ticks would have advanced it. */
	struct pctl_timerwheel *wheel;
	uint32_t wheel_from_s;
	struct pctl_ratelimit rl;
	/* Allocators, created on first use, per config ext address. */
	struct pctl_portmap *ports[PCTL_ENG_MAX_EXT_ADDRS][PCTL_N_PROTOS];
	/* RFC 6056: a new port search starts at a keyed pseudo-random point
	 * of the range (pctl_engine_port_start); draw n hashes n. */
	uint64_t port_key[2];
	uint64_t port_draws;
	int64_t epoch_base_ms; /* epoch = (now - base) / 1000 (S-24) */

	/* Unsolicited ANNOUNCE / NAT-PMP announcements (S-93, S-94, N-10). */
	unsigned announce_left;
	uint64_t announce_due_ms;
	uint32_t announce_gap_ms;
	bool announce_natpmp;
	bool announce_pcp;

	/* Mapping Updates (S-95): a FIFO ring. */
	struct pctl_update *updates;
	size_t upd_head, upd_len, upd_cap;

	pctl_addr srv_addrs[PCTL_MAX_SRV];
	unsigned n_srv;

	struct pctl_cooling cooling; /* S-53 */
	struct pctl_selfaddr self;   /* the router's own addresses */
	/* X-3.8 (pcp_map.c): live mappings of more than one port, counted by
	 * pctl_engine_install and pctl_engine_drop whoever made them (MAP,
	 * the journal's restore, the administrator).  While 0, a single-port
	 * create need not look for a port set around its port. */
	uint32_t port_set_maps;

	struct pctl_upnp_index upnp; /* issue 11 */

	struct pctl_engine_stats stats;
	struct pctl_audit_state audit; /* issue 10 (engine_audit.h) */
	/* Scratch for the filter set of a request (existing + new). */
	struct pctl_filter *scratch_filters;
	/* Message buffers (pctl_engine_msg), made on first use: a struct
	 * pctl_msg is 4.4 KB (options[PCTL_MAX_OPTIONS]), too big to
	 * allocate per request or keep on the stack. */
	struct pctl_msg *msgs;
};

static inline uint32_t pctl_now_s(uint64_t now_ms)
{
	return (uint32_t)(now_ms / 1000);
}

#endif

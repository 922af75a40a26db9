/*
 * The engine's mapping table: fixed-size mapping records allocated from a
 * chunked pool and found in O(1) through intrusive hash indexes.
 *
 * Records are addressed by a 32-bit pool index (0 = none), which keeps the
 * links small: a record stays within 128 bytes, two cache lines
 * (docs/design.md aims under 128) and everything of variable size (filters,
 * description, THIRD_PARTY_ID) lives out of line.
 *
 * Indexes:
 *  - key: MAP, NAT-PMP and static mappings by internal endpoint (internal
 *    address, protocol, internal port, THIRD_PARTY_ID - X-4.2); PEER mappings
 *    by 5-tuple (S-64).  A record is in exactly one of the two key spaces, so
 *    they share one hash table and one link.
 *  - ext: every mapping by external endpoint (address, protocol, port).
 *  - host: per subscriber (subscriber.h: an IPv4 address, or an IPv6 /64,
 *    unless configured otherwise), the number of
 *    its mappings (quota, S-41) and a list of them (NAT-PMP delete-all,
 *    N-9); list walkers compare the internal address themselves.
 *  - eim: PEER mappings by internal endpoint alone (address, protocol,
 *    port), doubly linked: a MAP finds the outbound mapping whose external
 *    endpoint it must share (EIM, S-43) without walking the host's list,
 *    which at a few thousand mappings per host cost 70 us per MAP.
 */
#ifndef PORTCTL_SERVER_TABLE_H
#define PORTCTL_SERVER_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <portctl/wire.h>

#include "engine.h"

/* Variable-size data of a mapping, allocated only when present. */
struct pctl_map_extra {
	uint16_t n_filters;
	uint16_t desc_len;
	uint16_t tpid_len;
	struct pctl_filter *filters;
	uint8_t *desc;
	uint8_t *tpid;
	/* THIRD_PARTY: the client that asked, which is not the internal
	 * host; Mapping Updates go to it (S-73, S-95). */
	bool has_client;
	pctl_addr client;
};

/* Record flags. */
enum {
	PCTL_MF_USED = 1u << 0,        /* pool slot holds a live mapping */
	PCTL_MF_THIRD_PARTY = 1u << 1, /* created through THIRD_PARTY (S-73) */
	PCTL_MF_OWNS_PORTS = 1u << 2,  /* holds its ports in the allocator */
	PCTL_MF_COMPANION = 1u << 3,   /* NAT-PMP: holds the other protocol's
	                                  port too (N-8) */
	PCTL_MF_PREFER_FAILURE = 1u << 4, /* created with PREFER_FAILURE */
	PCTL_MF_UPDATE_PENDING = 1u << 5, /* Mapping Update queued (S-95) */
	PCTL_MF_PARITY = 1u << 6,         /* PORT_SET P bit */
	PCTL_MF_LINKED = 1u << 7,         /* in the indexes */
};

struct pctl_mapping {
	pctl_addr int_addr;
	pctl_addr ext_addr;
	pctl_addr remote_addr; /* PEER */
	uint8_t nonce[PCTL_NONCE_LEN];
	uint32_t idx; /* own pool index */
	uint32_t gen; /* generation of the slot: id = gen << 32 | idx */
	uint32_t key_next, ext_next; /* hash chains */
	uint32_t tw_prev, tw_next;   /* timer wheel slot list */
	uint32_t host_prev, host_next;
	/* PEER: the EIM index; UPnP port mappings: the UPnP front end's
	 * list (upnp_index.h, struct pctl_upnp_index) */
	uint32_t eim_prev, eim_next;
	/* Expiry, whole seconds of the caller's monotonic clock (rounded up:
	 * a mapping never ends before its granted lifetime). */
	uint32_t expire_s;
	struct pctl_map_extra *extra;
	uint16_t int_port, ext_port, remote_port, port_count;
	uint16_t client_port; /* last client's UDP port (S-95) */
	uint8_t protocol;
	uint8_t kind; /* enum pctl_mapping_kind */
	uint8_t flags;
	uint8_t srv_idx; /* interned server address the client wrote to */
	uint8_t ext_idx; /* ext address index in the config; 255 = pinhole */
	/* pctl_mapping_info.nonce_unknown (the flags above are all taken;
	 * this fits in the record's padding). */
	bool nonce_unknown;
};

/* Open-addressing host entry (quota counting and per-host list). */
struct pctl_host {
	pctl_addr addr;
	uint32_t count; /* mappings */
	uint32_t head;  /* first mapping of the host */
	/* S-41 quota: ports of its mappings (a PORT_SET counts each) plus
	 * ports cooling after them (S-53); 0 = empty slot. */
	uint32_t ports;
};

/* The three chained indexes (same size, resized together). */
enum { PCTL_IX_KEY, PCTL_IX_EXT, PCTL_IX_EIM, PCTL_N_IX };

/*
 * Growth without a stall (issue 16).  Both hash structures double like
 * Redis' dict: the bigger array is allocated (zero pages from the kernel
 * for big ones, so allocating costs no time proportional to the size),
 * and from then on every mutating call (link, unlink, cooling ports)
 * first moves a bounded number of old buckets or host slots over
 * (PCTL_TABLE_REHASH_STEP, PCTL_TABLE_HOST_STEP) until the old array is
 * empty and freed.  Guarantee: no call does more than those few moves
 * (plus its own work), whatever the table's size; a doubling finishes
 * before the next one is due, because the steps per insertion exceed what
 * the old array holds per insertion until the next threshold.  Lookups
 * stay O(1) during a resize:
 *  - chains: the old bucket b (hash & old_mask) is moved whole, in bucket
 *    order, so a hash whose old bucket is >= rehash_next is still in the
 *    old array, any other in the new one: one chain is walked, never two;
 *  - hosts (open addressing): probed in the new table, then in the old,
 *    whose slots below host_rehash_next are all empty (moving a slot
 *    deletes it with backward shift, which keeps every remaining entry
 *    reachable from its home slot).
 * Iteration (pctl_table_next, the admin list's pages) walks the record
 * pool, not the buckets, so a resize changes neither its order nor what
 * a cursor sees.
 */
#define PCTL_TABLE_REHASH_STEP 4u
#define PCTL_TABLE_HOST_STEP   16u

struct pctl_table {
	struct pctl_mapping **chunks;
	uint32_t n_chunks;
	uint32_t cap_chunks; /* pointers allocated in chunks (doubling) */
	uint32_t next_fresh; /* first never-used index */
	uint32_t free_head;  /* free list through key_next */
	uint32_t count;      /* live mappings */
	uint32_t *buckets[PCTL_N_IX];
	uint32_t bucket_mask;
	/* During a resize: the previous arrays, and the first old bucket not
	 * yet moved (old_buckets[0] == NULL: no resize under way). */
	uint32_t *old_buckets[PCTL_N_IX];
	uint32_t old_mask;
	uint32_t rehash_next;
	struct pctl_host *hosts;
	uint32_t host_mask;
	uint32_t n_hosts;            /* in both host arrays */
	struct pctl_host *old_hosts; /* NULL: no resize under way */
	uint32_t old_host_mask;
	uint32_t host_rehash_next;
	uint8_t sub_v4, sub_v6; /* subscriber prefix lengths (subscriber.h) */
};

/* Records come in chunks of 256 (32 KB): small enough that a new engine
 * (a fuzzer input) does not pay for thousands it never uses, big enough
 * that 10M mappings need 40,000 chunk pointers only. */
#define PCTL_TABLE_CHUNK_SHIFT 8
#define PCTL_TABLE_CHUNK       (1u << PCTL_TABLE_CHUNK_SHIFT)
#define PCTL_TABLE_MAX         0x7fffffffu

/* size_hint: expected number of mappings (buckets are sized for it and grow
 * beyond; 0 = a small table).  0 or -ENOMEM. */
int pctl_table_init(struct pctl_table *t, uint32_t size_hint);
/* Frees every record and its extra data. */
void pctl_table_fini(struct pctl_table *t);

/* A zeroed record with idx and a new gen, not yet linked; NULL when out of
 * memory or PCTL_TABLE_MAX records are live. */
struct pctl_mapping *pctl_table_alloc(struct pctl_table *t);
/* Returns an unlinked record to the pool, freeing its extra data. */
void pctl_table_release(struct pctl_table *t, struct pctl_mapping *m);

static inline struct pctl_mapping *pctl_table_at(const struct pctl_table *t,
                                                 uint32_t idx)
{
	return &t->chunks[idx >> PCTL_TABLE_CHUNK_SHIFT]
	                 [idx & (PCTL_TABLE_CHUNK - 1)];
}

static inline uint64_t pctl_mapping_id(const struct pctl_mapping *m)
{
	return (uint64_t)m->gen << 32 | m->idx;
}

/* The live mapping of an id, or NULL. */
struct pctl_mapping *pctl_table_by_id(const struct pctl_table *t, uint64_t id);

/* Inserts a filled record into every index.  0 or -ENOMEM (host table could
 * not grow; nothing linked).  Link, unlink and pctl_table_host_cooling may
 * move records between buckets (a resize step): pointers to records stay
 * valid, pointers into the indexes do not. */
int pctl_table_link(struct pctl_table *t, struct pctl_mapping *m);
/* Removes it from every index (the record stays allocated). */
void pctl_table_unlink(struct pctl_table *t, struct pctl_mapping *m);

/* A PEER mapping of an internal endpoint (any remote), or NULL: the EIM
 * partner of a MAP of that endpoint (S-43).  O(1): the chain holds the
 * PEERs hashed there, and every PEER of the endpoint matches. */
struct pctl_mapping *pctl_table_find_eim(const struct pctl_table *t,
                                         const pctl_addr *addr, uint8_t proto,
                                         uint16_t port, const uint8_t *tpid,
                                         size_t tpid_len);
/* MAP / NAT-PMP / static mapping of an internal endpoint (kind != PEER). */
struct pctl_mapping *pctl_table_find_int(const struct pctl_table *t,
                                         const pctl_addr *addr, uint8_t proto,
                                         uint16_t port, const uint8_t *tpid,
                                         size_t tpid_len);
/* PEER mapping of a 5-tuple. */
struct pctl_mapping *pctl_table_find_peer(const struct pctl_table *t,
                                          const pctl_addr *addr, uint8_t proto,
                                          uint16_t port, const pctl_addr *raddr,
                                          uint16_t rport);
/* A mapping whose external endpoint is exactly (addr, proto, port). */
struct pctl_mapping *pctl_table_find_ext(const struct pctl_table *t,
                                         const pctl_addr *addr, uint8_t proto,
                                         uint16_t port);

/* Changing the subscriber prefixes (S-41) in two steps (an administrative
 * reload, O(mappings), not a request), so that a caller
 * can allocate before it changes anything and apply where nothing can
 * fail any more: prepare returns a zeroed host index big enough for every
 * live mapping (n entries) or NULL; rekey installs it and counts every
 * linked mapping again under the new prefixes. */
struct pctl_host *pctl_table_rekey_prepare(const struct pctl_table *t,
                                           uint32_t *n);
void pctl_table_rekey(struct pctl_table *t, struct pctl_host *hosts, uint32_t n,
                      uint8_t v4_prefix, uint8_t v6_prefix);
/* Frees a prepared host index that was not installed. */
void pctl_table_rekey_discard(struct pctl_host *hosts, uint32_t n);

/* Mappings of the subscriber of an internal address (0 if none): by
 * default the address itself for IPv4, its /64 for IPv6. */
uint32_t pctl_table_host_count(const struct pctl_table *t,
                               const pctl_addr *addr);
/* External ports the subscriber of an internal address holds: every port
 * of its mappings, and ports cooling after them (S-41, S-53). */
uint32_t pctl_table_host_ports(const struct pctl_table *t,
                               const pctl_addr *addr);
/* Adds (n > 0) or removes (n < 0) cooling ports of a subscriber.  0, or
 * -ENOMEM when adding needed a host entry that could not be made. */
int pctl_table_host_cooling(struct pctl_table *t, const pctl_addr *addr,
                            int32_t n);
/* First mapping of the subscriber of an internal address (0 if none);
 * follow host_next.  The list holds every address of the subscriber's
 * prefix (an IPv6 /64 by default). */
uint32_t pctl_table_host_first(const struct pctl_table *t,
                               const pctl_addr *addr);

/* Is a resize of the chained indexes or of the host index under way?
 * (Tests and benchmarks.) */
bool pctl_table_resizing(const struct pctl_table *t);

/* Live records in index order: start with idx 0, returns the next live one
 * or NULL. */
struct pctl_mapping *pctl_table_next(const struct pctl_table *t, uint32_t *idx);

/* Bytes of THIRD_PARTY_ID of a record (NULL, 0 when none). */
static inline const uint8_t *pctl_mapping_tpid(const struct pctl_mapping *m,
                                               size_t *len)
{
	if (!m->extra || !m->extra->tpid_len) {
		*len = 0;
		return NULL;
	}
	*len = m->extra->tpid_len;
	return m->extra->tpid;
}

void pctl_map_extra_free(struct pctl_map_extra *x);

#endif

/*
 * Reading back what the table holds: the mappings its DNAT maps and
 * pinhole sets express, as pseudo-mappings (no id or filters; one per
 * element; lifetime = the kernel timeout left).  reconcile() uses them
 * after a restart to end the conntrack flows of mappings that disappeared
 * while portctld was away, and the dump op to hand the mappings back to a
 * daemon whose journal was damaged.
 */
#ifndef PORTCTL_DATAPLANE_NFT_DUMP_H
#define PORTCTL_DATAPLANE_NFT_DUMP_H

#include "../server/backend.h"
#include "nl_batch.h"

struct dp_dumped {
	struct pctl_dp_mapping *maps;
	size_t n, cap;
};

/* Appends one pseudo-mapping per element of the inbound sets (dnat*,
 * open*, filt*) of table.  0 or -errno. */
int dp_dump_inbound(struct mnl_socket *nl, const char *table,
                    struct dp_dumped *out);
void dp_dumped_free(struct dp_dumped *d);

/* The backend's dump op (server/backend.h): calls cb for each inbound
 * mapping of table that has no FILTER, one port per call, with the kernel
 * timeout left as its lifetime (nft_dump.c says how the elements are
 * told apart).  0, cb's first non-zero value, or -errno. */
int dp_dump_adoptable(struct mnl_socket *nl, const char *table,
                      int (*cb)(void *arg, const struct pctl_dp_mapping *m),
                      void *arg);
/* A new zeroed slot at the end, or NULL (-ENOMEM). */
struct pctl_dp_mapping *dp_dumped_push(struct dp_dumped *d);

/* Of the dumped pseudo-mappings, keep those no mapping of the list still
 * covers (same entry point and, for NAT, same internal endpoint): the
 * stale ones.  Returns how many are left at the front of d->maps. */
size_t dp_dumped_stale(struct dp_dumped *d,
                       const struct pctl_dp_mapping *const *live, size_t n);

#endif

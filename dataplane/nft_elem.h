/*
 * Element encoding: turns one mapping into the elements of the sets of
 * nft_layout.h that make it real, and queues their addition (with the
 * mapping's lifetime as kernel timeout) or removal in a batch.
 */
#ifndef PORTCTL_DATAPLANE_NFT_ELEM_H
#define PORTCTL_DATAPLANE_NFT_ELEM_H

#include "../server/backend.h"
#include "nl_batch.h"

enum dp_elem_op {
	/* NEWSETELEM with timeout and expiration = lifetime.  Without
	 * NLM_F_EXCL an element that exists with the same data is not an
	 * error; a kernel with element timeout update (probed by the
	 * backend at open, docs/nftables.md) then restarts its expiry. */
	DP_ELEM_ADD,
	DP_ELEM_DESTROY, /* DESTROYSETELEM (Linux 6.3): gone, or never there /
	                    expired */
	/* Before 6.3: NEWSETELEM then DELSETELEM of the same elements in the
	 * same batch.  A bare DELSETELEM of an element the kernel has just
	 * expired would fail (-ENOENT) and with it the whole transaction;
	 * the add first makes the delete always find its element.  Needs the
	 * element's data to be what the kernel holds (the installed copy). */
	DP_ELEM_DELETE,
	/* DELSETELEM alone: -ENOENT when absent or expired.  For the
	 * backend's feature probes only, which need to see that error. */
	DP_ELEM_DELSETELEM,
};

/* Queue the elements of m.  0, -EINVAL for a mapping the layout cannot
 * express (mixed families, zero lifetime on add, port range past 65535),
 * or -ENOMEM. */
int dp_elem_queue(struct dp_batch *b, const char *table,
                  const struct pctl_dp_mapping *m, enum dp_elem_op op);
/* The same with a timeout in milliseconds (ignoring m->lifetime). */
int dp_elem_queue_ms(struct dp_batch *b, const char *table,
                     const struct pctl_dp_mapping *m, enum dp_elem_op op,
                     uint64_t timeout_ms);

/* Do m and n have exactly the same kernel elements (everything but the
 * timeout)?  Then a renewal need only restart their timeouts. */
bool dp_elem_same(const struct pctl_dp_mapping *m,
                  const struct pctl_dp_mapping *n);

/* Does m translate addresses (NAT44), as opposed to a pinhole? */
bool dp_mapping_is_nat(const struct pctl_dp_mapping *m);

#endif

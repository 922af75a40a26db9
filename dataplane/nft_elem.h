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
	DP_ELEM_DESTROY, /* DESTROYSETELEM: gone, or never there / expired */
	DP_ELEM_DELETE,  /* DELSETELEM: ENOENT when absent or expired */
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

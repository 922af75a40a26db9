/*
 * What the running kernel's nf_tables can do, found out at start by trying
 * it (in our own table) rather than by reading the version: distribution
 * kernels backport features, and a probe cannot be fooled by that.
 *
 * Everything else the backend uses is in every kernel it supports (Linux
 * 5.15 and later; the feature table is in docs/nftables.md).
 */
#ifndef PORTCTL_DATAPLANE_NFT_FEATURES_H
#define PORTCTL_DATAPLANE_NFT_FEATURES_H

#include <stdbool.h>

#include "nl_batch.h"

struct dp_nft_features {
	/* NFT_MSG_DESTROYSETELEM (Linux 6.3): deleting an absent element is
	 * not an error.  Without it elements are taken out by add-then-delete
	 * (nft_elem.h, DP_ELEM_DELETE). */
	bool destroy_elem;
	/* Element timeout update (kernel commit 4201f3938914): adding an
	 * element again restarts its timeout.  Then a renewal that changes
	 * only the lifetime re-adds the elements in place; without it,
	 * renewals take the elements out and add them again. */
	bool timeout_update;
};

/* The environment variable that makes the probe report an older kernel,
 * without DESTROYSETELEM or element timeout update
 * (tests of the fallback on a current kernel; see portctld(8)). */
#define DP_NFT_ENV_NO_DESTROY "PORTCTL_NFT_NO_DESTROYSETELEM"

/* Probe the kernel through table (already built by dp_layout_build; the
 * probe changes nothing in it).  b must be empty; it is empty again on
 * return.  Never fails: whatever cannot be shown to work is reported
 * missing, and the fallbacks work on every supported kernel. */
void dp_nft_features_probe(struct mnl_socket *nl, struct dp_batch *b,
                           const char *table, struct dp_nft_features *f);

#endif

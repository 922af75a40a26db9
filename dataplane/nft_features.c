/*
 * Kernel feature probe of the nftables backend: see nft_features.h.
 */
#include "nft_features.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nft_elem.h"

/* Does DESTROYSETELEM of an element that is not there succeed?  A kernel
 * before 6.3 does not know the message type and refuses the batch
 * (-EINVAL); 6.3 and later apply it as a no-op. */
static bool probe_destroy(struct mnl_socket *nl, struct dp_batch *b,
                          const char *table)
{
	/* An element no mapping can have: the all-protocols pinhole of the
	 * unspecified IPv6 address (::), which no host uses as its own. */
	struct pctl_dp_mapping m;
	memset(&m, 0, sizeof(m));
	m.lifetime = 1;
	if (dp_batch_reset(b) ||
	    dp_elem_queue(b, table, &m, DP_ELEM_DESTROY) != 0) {
		dp_batch_reset(b);
		return false;
	}
	return dp_batch_send(nl, b) == 0;
}

/* Does the kernel restart the timeout of an element added again (element
 * timeout update, kernel commit 4201f3938914)?  An element that cannot meet a
 * real mapping (a pinhole for ::, all protocols) is added for an hour, added
 * again for 1 ms, and deleted strictly 5 ms later: the delete finds it
 * expired (ENOENT) only if the second add took effect.  Older kernels keep
 * the first timeout, and then renewals delete and re-create. */
static bool probe_timeout_update(struct mnl_socket *nl, struct dp_batch *b,
                                 const char *table)
{
	struct pctl_dp_mapping m = {0}; /* :: all protocols, pinhole */
	int err = dp_elem_queue_ms(b, table, &m, DP_ELEM_ADD, 3600 * 1000);
	if (!err)
		err = dp_batch_send(nl, b);
	if (!err)
		err = dp_elem_queue_ms(b, table, &m, DP_ELEM_ADD, 1);
	if (!err)
		err = dp_batch_send(nl, b);
	if (err) {
		dp_batch_reset(b);
		return false;
	}
	struct timespec ts = {0, 5 * 1000 * 1000};
	nanosleep(&ts, NULL);
	err = dp_elem_queue_ms(b, table, &m, DP_ELEM_DELSETELEM, 0);
	if (!err)
		err = dp_batch_send(nl, b);
	dp_batch_reset(b);
	return err == -ENOENT;
}

void dp_nft_features_probe(struct mnl_socket *nl, struct dp_batch *b,
                           const char *table, struct dp_nft_features *f)
{
	memset(f, 0, sizeof(*f));
	const char *old = getenv(DP_NFT_ENV_NO_DESTROY);
	bool force_old = old && *old && strcmp(old, "0") != 0;
	f->destroy_elem = !force_old && probe_destroy(nl, b, table);
	f->timeout_update = !force_old && probe_timeout_update(nl, b, table);
}

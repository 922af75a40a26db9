/* Adopting the data plane's mappings after a damaged journal
 * (journal_adopt.h explains why). */
#include "journal_adopt.h"

#include <errno.h>
#include <string.h>

struct adopt_ctx {
	struct pctl_engine *e;
	uint64_t now_ms;
	pctld_adopted_fn added;
	void *ctx;
	size_t *adopted;
};

static int adopt_one(void *arg, const struct pctl_dp_mapping *m)
{
	struct adopt_ctx *a = arg;
	struct pctl_mapping_info i;
	uint64_t id;

	if (m->outbound || m->n_filters || m->lifetime == 0)
		return 0; /* not the dump op's to give; or expiring now */
	memset(&i, 0, sizeof(i));
	i.kind = PCTL_MK_MAP;
	i.protocol = m->protocol;
	i.int_addr = m->int_addr;
	i.int_port = m->int_port;
	i.ext_addr = m->ext_addr;
	i.ext_port = m->ext_port;
	i.port_count = m->port_count ? m->port_count : 1;
	i.lifetime_left = m->lifetime;
	i.nonce_unknown = true;
	i.client_addr = m->int_addr;
	int rc = pctl_engine_restore(a->e, &i, a->now_ms, &id);
	if (rc == -ENOMEM)
		return rc;
	if (rc)
		return 0; /* known already, port taken, or not allowed now */
	(*a->adopted)++;
	return a->added(a->ctx, &i, id);
}

int pctld_journal_adopt(const struct pctl_backend *dp, struct pctl_engine *e,
                        uint64_t now_ms, pctld_adopted_fn added, void *ctx,
                        size_t *adopted)
{
	struct adopt_ctx a = {e, now_ms, added, ctx, adopted};
	return dp->ops->dump(dp->ctx, adopt_one, &a);
}

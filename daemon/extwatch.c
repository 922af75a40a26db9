/*
 * See extwatch.h.  The watcher lives in the nftables data-plane library
 * (portctl_nft); a portctld built without it refuses `external-interface`
 * without `external-ip` rather than running with no external address.
 */
#include "extwatch.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "log.h"

#ifdef PORTCTLD_HAVE_NFT
#include "addrwatch.h"

int pctld_extwatch_open(struct pctld *d, char *err, size_t errlen)
{
	struct pctl_engine_config *e = &d->cfg.engine;
	int rc;

	if (!d->cfg.ext_from_if)
		return -2;
	rc = pctl_addrwatch_open(d->cfg.ext_if, &d->addrwatch);
	if (!rc)
		rc = pctl_addrwatch_list(d->addrwatch, e->ext_addrs,
		                         PCTL_ENG_MAX_EXT_ADDRS,
		                         &e->n_ext_addrs);
	if (rc) {
		snprintf(err, errlen, "external-interface %s: %s",
		         d->cfg.ext_if, strerror(-rc));
		pctld_extwatch_close(d);
		return -1;
	}
	pctld_log(LOG_INFO, "external addresses follow %s (%zu now)",
	          d->cfg.ext_if, e->n_ext_addrs);
	return pctl_addrwatch_fd(d->addrwatch);
}

void pctld_extwatch_process(struct pctld *d)
{
	struct pctl_engine_config *e = &d->cfg.engine;
	pctl_addr addrs[PCTL_ENG_MAX_EXT_ADDRS];
	size_t n = 0;
	int rc = pctl_addrwatch_process(d->addrwatch, addrs,
	                                PCTL_ENG_MAX_EXT_ADDRS, &n);

	if (rc < 0) {
		pctld_log(LOG_WARNING, "external-interface %s: %s",
		          d->cfg.ext_if, strerror(-rc));
		return;
	}
	if (rc == 0)
		return;
	/* S-26: the engine moves NAT44 mappings, restarts the epoch and
	 * tells clients (S-95, N-10). */
	if (pctl_engine_set_external(d->engine, addrs, n, pctld_now_ms())) {
		pctld_log(LOG_ERR, "external addresses: engine refused %zu", n);
		return;
	}
	memcpy(e->ext_addrs, addrs, n * sizeof(addrs[0]));
	e->n_ext_addrs = n;
	if (d->journal)
		pctl_journal_tick(d->journal); /* the epoch restarted */
	pctld_log(LOG_NOTICE, "external addresses of %s changed: %zu now",
	          d->cfg.ext_if, n);
}

void pctld_extwatch_close(struct pctld *d)
{
	if (d->addrwatch)
		pctl_addrwatch_close(d->addrwatch);
	d->addrwatch = NULL;
}

#else /* !PORTCTLD_HAVE_NFT */

int pctld_extwatch_open(struct pctld *d, char *err, size_t errlen)
{
	if (!d->cfg.ext_from_if)
		return -2;
	snprintf(err, errlen,
	         "external-interface %s without external-ip needs the address "
	         "watcher, which is not built into this portctld",
	         d->cfg.ext_if);
	return -1;
}

void pctld_extwatch_process(struct pctld *d)
{
	(void)d;
}

void pctld_extwatch_close(struct pctld *d)
{
	d->addrwatch = NULL;
}
#endif

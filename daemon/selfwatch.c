/*
 * See selfwatch.h.  With the nftables data plane built in, the rtnetlink
 * address watcher (dataplane/addrwatch.h) follows every interface; without
 * it, getifaddrs() is read once at start.
 */
#include "selfwatch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"

/* At most this many own addresses are known (the watcher's own limit). */
#define SELF_MAX 1024

#ifdef PORTCTLD_HAVE_NFT
#include "addrwatch.h"

int pctld_selfwatch_open(struct pctld *d, char *err, size_t errlen)
{
	pctl_addr *a = malloc(SELF_MAX * sizeof(*a));
	size_t n = 0;
	int rc = a ? pctl_addrwatch_open(NULL, &d->selfwatch) : -ENOMEM;

	d->self_fd = -1;
	if (!rc)
		rc = pctl_addrwatch_list(d->selfwatch, a, SELF_MAX, &n);
	if (!rc && pctl_engine_set_self(d->engine, a, n))
		rc = -ENOMEM;
	free(a);
	if (rc) {
		snprintf(err, errlen, "the router's own addresses: %s",
		         strerror(-rc));
		pctld_selfwatch_close(d);
		return -1;
	}
	d->self_fd = pctl_addrwatch_fd(d->selfwatch);
	pctld_log(LOG_INFO, "the router's own addresses: %zu (%s)", n,
	          d->cfg.engine.allow_self ? "allow-self yes: served"
	                                   : "refused");
	return 0;
}

void pctld_selfwatch_process(struct pctld *d)
{
	pctl_addr *a = malloc(SELF_MAX * sizeof(*a));
	size_t n = 0;
	int rc;

	if (!a) {
		pctld_log(LOG_ERR, "the router's own addresses: %s",
		          strerror(ENOMEM));
		return;
	}
	rc = pctl_addrwatch_process(d->selfwatch, a, SELF_MAX, &n);
	if (rc < 0)
		pctld_log(LOG_WARNING, "the router's own addresses: %s",
		          strerror(-rc));
	else if (rc == 1 && pctl_engine_set_self(d->engine, a, n))
		pctld_log(LOG_ERR, "the router's own addresses: %s",
		          strerror(ENOMEM));
	else if (rc == 1)
		pctld_log(LOG_INFO, "the router's own addresses: %zu now", n);
	free(a);
}

void pctld_selfwatch_close(struct pctld *d)
{
	if (d->selfwatch)
		pctl_addrwatch_close(d->selfwatch);
	d->selfwatch = NULL;
	d->self_fd = -1;
}

#else /* !PORTCTLD_HAVE_NFT */
#include <ifaddrs.h>
#include <netinet/in.h>

int pctld_selfwatch_open(struct pctld *d, char *err, size_t errlen)
{
	struct ifaddrs *list, *i;
	pctl_addr *a = malloc(SELF_MAX * sizeof(*a));
	size_t n = 0;
	uint16_t port;

	d->self_fd = -1;
	if (!a || getifaddrs(&list)) {
		snprintf(err, errlen, "the router's own addresses: %s",
		         strerror(a ? errno : ENOMEM));
		free(a);
		return -1;
	}
	for (i = list; i && n < SELF_MAX; i = i->ifa_next)
		if (i->ifa_addr &&
		    !pctl_addr_from_sockaddr(&a[n], &port, i->ifa_addr))
			n++;
	freeifaddrs(list);
	if (pctl_engine_set_self(d->engine, a, n)) {
		snprintf(err, errlen, "the router's own addresses: %s",
		         strerror(ENOMEM));
		free(a);
		return -1;
	}
	free(a);
	pctld_log(LOG_INFO, "the router's own addresses: %zu, read once", n);
	return 0;
}

void pctld_selfwatch_process(struct pctld *d)
{
	(void)d;
}

void pctld_selfwatch_close(struct pctld *d)
{
	d->self_fd = -1;
}
#endif

/*
 * UPnP IGD in the network process (upnp_run.h).
 */
#include "upnp_run.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ssdp.h"
#include "upnp_http.h"

static void info_of(const struct pctld_config *cfg,
                    struct pctld_upnp_info *info)
{
	memset(info, 0, sizeof(*info));
	memcpy(info->uuid, cfg->upnp.uuid, sizeof(info->uuid));
	memcpy(info->friendly_name, cfg->upnp.friendly_name,
	       sizeof(info->friendly_name));
	info->igd_version = cfg->upnp.igd_version;
	info->http_port = cfg->upnp.http_port;
}

int pctld_upnp_start(struct pctld *d, char *err, size_t errlen)
{
	struct pctld_http_listener l[2 * PCTLD_MAX_IFS];
	struct pctld_upnp_info info;
	size_t n = 0;

	d->http = NULL;
	d->ssdp = NULL;
	if (!d->cfg.upnp.enabled)
		return 0;
	info_of(&d->cfg, &info);
	for (size_t i = 0; i < d->upnp_socks.n; i++) {
		const struct pctld_upnp_if *f = &d->upnp_socks.ifs[i];
		if (f->http4 >= 0)
			l[n++] =
			    (struct pctld_http_listener){f->http4, f->ifindex};
		if (f->http6 >= 0)
			l[n++] =
			    (struct pctld_http_listener){f->http6, f->ifindex};
	}
	d->http = pctld_http_new(l, n, &info, d->engine);
	if (!d->http) {
		snprintf(err, errlen, "upnp: HTTP server: %s", strerror(errno));
		return -1;
	}
	d->ssdp = pctld_ssdp_new(&d->upnp_socks, &info,
	                         d->cfg.upnp.notify_interval, pctld_now_ms());
	if (!d->ssdp) {
		snprintf(err, errlen, "upnp: SSDP: %s", strerror(errno));
		pctld_upnp_stop(d);
		return -1;
	}
	return 0;
}

uint64_t pctld_upnp_next_ms(const struct pctld *d, uint64_t now_ms)
{
	uint64_t a = d->http ? pctld_http_next_ms(d->http, now_ms) : UINT64_MAX;
	uint64_t b = d->ssdp ? pctld_ssdp_next_ms(d->ssdp) : UINT64_MAX;

	return a < b ? a : b;
}

void pctld_upnp_run(struct pctld *d, bool http_ready, bool ssdp_ready,
                    uint64_t now_ms)
{
	if (d->http &&
	    (http_ready || pctld_http_next_ms(d->http, now_ms) <= now_ms))
		pctld_http_run(d->http, now_ms);
	if (d->ssdp && (ssdp_ready || pctld_ssdp_next_ms(d->ssdp) <= now_ms))
		pctld_ssdp_run(d->ssdp, now_ms);
}

void pctld_upnp_stop(struct pctld *d)
{
	pctld_ssdp_free(d->ssdp);
	d->ssdp = NULL;
	if (d->http)
		pctld_http_free(d->http);
	d->http = NULL;
}

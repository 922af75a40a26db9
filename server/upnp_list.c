/*
 * UPnP IGD actions over ranges of port mappings (WANIPConnection:2,
 * server/upnp.h): DeletePortMappingRange and GetListOfPortMappings.  Both
 * walk the front end's own list of its mappings (upnp_index.c), never the
 * whole table: O(UPnP mappings), plus a sort for the list's port order.
 */
#include <stdlib.h>
#include <string.h>

#include "engine_core.h"
#include "engine_state.h"
#include "upnp_impl.h"
#include "upnp_index.h"

static bool in_range(const struct pctl_mapping *m, uint16_t start, uint16_t end,
                     uint8_t protocol)
{
	return m->protocol == protocol && m->ext_port >= start &&
	       m->ext_port <= end;
}

/* The UPnP port mappings of protocol in [start, end] that pass `keep`, in
 * *out (malloc'ed, NULL when none); how many, or -1 out of memory. */
static long collect(const struct pctl_engine *e, uint16_t start, uint16_t end,
                    uint8_t protocol,
                    bool (*keep)(const struct pctl_engine *e,
                                 const struct pctl_upnp_req *rq, bool manage,
                                 const struct pctl_mapping *m),
                    const struct pctl_upnp_req *rq, bool manage,
                    struct pctl_mapping ***out)
{
	*out = NULL;
	if (!e->upnp.count)
		return 0;
	struct pctl_mapping **v = malloc(e->upnp.count * sizeof(*v));
	if (!v)
		return -1;
	long n = 0;
	for (struct pctl_mapping *m = pctl_upnp_next(e, NULL); m;
	     m = pctl_upnp_next(e, m))
		if (in_range(m, start, end, protocol) &&
		    (!keep || keep(e, rq, manage, m)))
			v[n++] = m;
	if (!n) {
		free(v);
		v = NULL;
	}
	*out = v;
	return n;
}

static int check_args(uint16_t start, uint16_t end, uint8_t protocol)
{
	if (protocol != 6 && protocol != 17)
		return PCTL_UPNP_E_INVALID_ARGS;
	return start > end ? PCTL_UPNP_E_INCONSISTENT_PARAMETERS : PCTL_UPNP_OK;
}

/* ---- DeletePortMappingRange -----------------------------------------------
 */

/* Its own always; another host's only with NewManage and without
 * upnp_secure_mode. */
static bool deletable(const struct pctl_engine *e,
                      const struct pctl_upnp_req *rq, bool manage,
                      const struct pctl_mapping *m)
{
	return pctl_addr_equal(&m->int_addr, &rq->src) ||
	       (manage && !e->cfg.upnp_secure_mode);
}

/* One backend batch: every mapping removed, or (Simple Threat Model, S-52)
 * shortened to what its traffic keeps it; all or nothing. */
static int end_all(struct pctl_engine *e, struct pctl_mapping **v, long n,
                   uint64_t now_ms)
{
	uint32_t *keep = calloc((size_t)n, sizeof(*keep));
	int rc = keep ? 0 : -1;

	for (long i = 0; i < n && !rc; i++)
		rc = pctl_engine_keep_for_traffic(e, v[i], &keep[i], now_ms);
	for (long i = 0; i < n && !rc; i++) {
		rc = keep[i] ? pctl_engine_queue_refresh(e, v[i], keep[i])
		             : pctl_engine_queue_remove(e, v[i]);
	}
	if (!rc)
		rc = pctl_engine_commit(e);
	for (long i = 0; i < n && !rc; i++) {
		if (!keep[i]) {
			pctl_engine_drop(e, v[i], now_ms);
			continue;
		}
		pctl_engine_set_expiry(e, v[i], keep[i], now_ms);
		pctl_audit_renewed(e, v[i], keep[i], PCTL_AUDIT_CH_SHORTER);
	}
	free(keep);
	return rc ? PCTL_UPNP_E_ACTION_FAILED : PCTL_UPNP_OK;
}

static int delete_range(struct pctl_engine *e, const struct pctl_upnp_req *rq,
                        uint16_t start, uint16_t end, uint8_t protocol,
                        bool manage)
{
	int rc = check_args(start, end, protocol);
	if (rc)
		return rc;
	struct pctl_mapping **v;
	long n = collect(e, start, end, protocol, deletable, rq, manage, &v);
	if (n < 0)
		return PCTL_UPNP_E_ACTION_FAILED;
	if (!n)
		return PCTL_UPNP_E_PORT_MAPPING_NOT_FOUND;
	rc = end_all(e, v, n, rq->now_ms);
	free(v);
	return rc;
}

int pctl_upnp_delete_range(struct pctl_engine *e,
                           const struct pctl_upnp_req *rq, uint16_t start,
                           uint16_t end, uint8_t protocol, bool manage)
{
	struct pctl_upnp_call c;

	pctl_upnp_begin(e, rq, &c);
	pctl_upnp_asked(&c, protocol, NULL, 0, start, 0);
	return pctl_upnp_end(e, &c,
	                     delete_range(e, rq, start, end, protocol, manage));
}

/* ---- GetListOfPortMappings -------------------------------------------------
 */

static int by_port(const void *a, const void *b)
{
	const struct pctl_mapping *x = *(const struct pctl_mapping *const *)a;
	const struct pctl_mapping *y = *(const struct pctl_mapping *const *)b;

	if (x->ext_port != y->ext_port)
		return x->ext_port < y->ext_port ? -1 : 1;
	return memcmp(x->ext_addr.b, y->ext_addr.b, sizeof(x->ext_addr.b));
}

int pctl_upnp_list(struct pctl_engine *e, const struct pctl_upnp_req *rq,
                   uint16_t start, uint16_t end, uint8_t protocol, uint32_t max,
                   void (*cb)(void *ctx, const struct pctl_upnp_map *m),
                   void *ctx)
{
	struct pctl_upnp_call c;

	pctl_upnp_begin(e, rq, &c);
	pctl_upnp_asked(&c, protocol, NULL, 0, start, 0);
	int rc = check_args(start, end, protocol);
	struct pctl_mapping **v = NULL;
	long n = rc ? 0 : collect(e, start, end, protocol, NULL, rq, false, &v);
	if (!rc && n < 0)
		rc = PCTL_UPNP_E_ACTION_FAILED;
	else if (!rc && !n)
		rc = PCTL_UPNP_E_PORT_MAPPING_NOT_FOUND;
	if (!rc) {
		qsort(v, (size_t)n, sizeof(*v), by_port);
		/* max 0: every one (NewNumberOfPorts 0 asks for all). */
		for (long i = 0; i < n && (!max || (uint32_t)i < max); i++) {
			struct pctl_upnp_map m;
			pctl_upnp_fill(v[i], rq->now_ms, &m);
			cb(ctx, &m);
		}
	}
	free(v);
	return pctl_upnp_end(e, &c, rc);
}

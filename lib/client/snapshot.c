/*
 * A mapping's snapshot (pctl_client_map_get_info_sized) and the callback
 * that reports it.  Kept apart from mapping.c, which starts exchanges, so that
 * exchange.c and response.c can report events without a cycle through it.
 */
#include <string.h>

#include "internal.h"

static void snapshot(const struct pctl_client_map *m,
                     struct pctl_client_map_info *info)
{
	const struct pctl_srv *s = &m->c->srv[m->srv];

	memset(info, 0, sizeof(*info));
	info->state = m->state;
	info->kind = m->p.kind;
	info->protocol = m->p.kind == PCTL_REQ_EXTERNAL ? 17 : m->p.protocol;
	info->internal_port = m->p.internal_port;
	info->internal_addr =
	    m->p.has_third_party ? m->p.third_party : s->local;
	if (m->have_ext) {
		info->external_addr = m->ext_addr;
		info->external_port = m->ext_port;
	}
	info->lifetime = m->lifetime;
	info->result = m->result;
	info->natpmp_result = m->natpmp_result;
	info->error_class = pctl_result_class(m->result);
	info->version = m->version;
	info->epoch = m->epoch;
	info->double_nat = m->double_nat;
	info->version_too_old = m->too_old;
	info->server_addr = s->addr;
	info->server_port = s->port;
	memcpy(info->nonce, m->nonce, PCTL_NONCE_LEN);
	info->transmissions = m->tx;
	if (m->have_ext || m->result || m->natpmp_result)
		info->proto =
		    m->version == 0 ? PCTL_PROTO_NATPMP : PCTL_PROTO_PCP;
	info->port_set_granted = m->have_ext ? 1 : 0;
	info->failure = PCTL_FAIL_NONE;
	info->upnp_version = 0;
	if (m->u.active) { /* made through the UPnP IGD (upnp_map.c) */
		info->proto = m->have_ext || m->result || m->u.upnp_error
		                  ? PCTL_PROTO_UPNP
		                  : PCTL_PROTO_NONE;
		info->server_addr = m->u.igd_addr;
		info->server_port = m->u.igd_port;
		info->upnp_version = m->u.igd_version;
		info->failure = m->u.failure;
		info->version = 0;
		info->epoch = 0;
	}
}

void pctl_client_map_get_info_sized(const struct pctl_client_map *m,
                                    struct pctl_client_map_info *info,
                                    size_t size)
{
	struct pctl_client_map_info i;

	snapshot(m, &i);
	pctl_sized_out(info, size, &i, sizeof(i));
}

void pctl_cl_notify(struct pctl_client_map *m, enum pctl_client_map_event ev)
{
	struct pctl_client_map_info info;

	if (!m->cb || m->dead)
		return;
	snapshot(m, &info);
	m->c->in_callback++;
	m->cb(m, ev, &info, m->arg);
	m->c->in_callback--;
}

/*
 * The public mapping API: creating (with the C-62, C-68, C-70, C-71 checks
 * on what is asked), deleting (C-65), freeing, and the snapshot handed to
 * callbacks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "internal.h"

static bool params_valid(const struct pctl_client_map_params *p)
{
	switch (p->kind) {
	case PCTL_REQ_ANNOUNCE:
	case PCTL_REQ_EXTERNAL:
		return true;
	case PCTL_REQ_MAP:
		/* C-62: protocol 0 (all) goes with port 0 only. */
		if (p->protocol == 0 && p->internal_port != 0)
			return false;
		if (p->protocol != 0 && p->internal_port == 0)
			return false;
		/* C-68, X-3.1: never PREFER_FAILURE with PORT_SET, and
		 * PREFER_FAILURE needs a suggestion to insist on. */
		if (p->prefer_failure &&
		    (p->port_set_size || !p->has_suggest || !p->suggest_port))
			return false;
		break;
	case PCTL_REQ_PEER:
		/* C-70: protocol, internal and remote port non-zero; no
		 * PREFER_FAILURE, FILTER or PORT_SET. */
		if (!p->protocol || !p->internal_port || !p->remote_port ||
		    pctl_addr_is_any(&p->remote_addr) || p->prefer_failure ||
		    p->n_filters || p->port_set_size)
			return false;
		break;
	default:
		return false;
	}
	if (!p->lifetime || p->n_filters > PCTL_CLIENT_MAX_FILTERS)
		return false;
	if (!pctl_utf8_valid((const uint8_t *)p->description,
	                     strnlen(p->description, sizeof(p->description))) ||
	    !memchr(p->description, 0, sizeof(p->description)))
		return false;
	if (p->has_third_party && pctl_addr_is_any(&p->third_party))
		return false;
	return true;
}

/* sized is the program's copy, size octets long (sized.c). */
static struct pctl_client_map *
create(struct pctl_client *c, const struct pctl_client_map_params *sized,
       size_t size, pctl_client_map_cb cb, void *arg, bool del)
{
	struct pctl_client_map_params p, *params = &p;
	struct pctl_client_map *m;
	uint64_t now;

	if (pctl_sized_in(&p, sizeof(p), sized, size,
	                  PCTL_CLIENT_MAP_PARAMS_SIZE_0) < 0)
		return NULL;
	if (del)
		p.lifetime = 1; /* only to pass validation; 0 is sent (C-65) */
	if (!params_valid(params) ||
	    (del && params->kind != PCTL_REQ_MAP)) { /* E-11: no PEER */
		errno = EINVAL;
		return NULL;
	}
	/* UPnP only: PEER and ANNOUNCE have no UPnP equivalent, and the IGD
	 * is searched for without a PCP server. */
	if (pctl_upnp_protocols(c) == PCTL_PROTO_UPNP &&
	    (params->kind == PCTL_REQ_PEER ||
	     params->kind == PCTL_REQ_ANNOUNCE)) {
		errno = ENOTSUP;
		return NULL;
	}
	if (c->nsrv == 0 && pctl_upnp_protocols(c) != PCTL_PROTO_UPNP) {
		errno = ENOENT;
		return NULL;
	}
	/* C-71: THIRD_PARTY never names our own source address. */
	for (size_t i = 0; params->has_third_party && i < c->nsrv; i++)
		if (pctl_addr_equal(&params->third_party, &c->srv[i].local)) {
			errno = EINVAL;
			return NULL;
		}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->c = c;
	m->p = *params;
	m->cb = cb;
	m->arg = arg;
	m->srv = 0; /* pctl_ex_start picks the server (C-1) */
	/* C-13: an unguessable nonce of our own for every mapping (so it
	 * differs per server too), unless a state file hands us the one that
	 * created the mapping earlier. */
	if (params->has_nonce) {
		memcpy(m->nonce, params->nonce, PCTL_NONCE_LEN);
	} else if (getrandom(m->nonce, PCTL_NONCE_LEN, 0) != PCTL_NONCE_LEN) {
		free(m);
		errno = EAGAIN;
		return NULL;
	}
	if (params->kind == PCTL_REQ_ANNOUNCE)
		m->p.lifetime = 0;
	m->next = c->maps;
	c->maps = m;
	now = pctl_cl_now(c);
	if (del) {
		m->state = PCTL_MS_DELETING;
		m->delete_only = true;
	}
	if (pctl_upnp_map_created(m, now))
		return m; /* UPnP only: nothing for PCP to send */
	pctl_ex_start(m, now, 0);
	pctl_ex_timer(m, now); /* the first transmission, now */
	return m;
}

struct pctl_client_map *
pctl_client_map_new_sized(struct pctl_client *c,
                          const struct pctl_client_map_params *params,
                          size_t size, pctl_client_map_cb cb, void *arg)
{
	return create(c, params, size, cb, arg, false);
}

struct pctl_client_map *
pctl_client_map_delete_new_sized(struct pctl_client *c,
                                 const struct pctl_client_map_params *params,
                                 size_t size, pctl_client_map_cb cb, void *arg)
{
	return create(c, params, size, cb, arg, true);
}

int pctl_client_map_delete(struct pctl_client_map *m)
{
	uint64_t now = pctl_cl_now(m->c);

	/* PEER mappings cannot be deleted, only left to expire (RFC 6887
	 * section 12.1, E-11). */
	if (m->p.kind != PCTL_REQ_MAP && m->p.kind != PCTL_REQ_EXTERNAL) {
		errno = EINVAL;
		return -1;
	}
	if (m->u.active) {
		pctl_upnp_map_delete(m, now);
		return 0;
	}
	m->state = PCTL_MS_DELETING;
	m->kept_tx = 0;
	pctl_ex_start(m, now, 0);
	pctl_ex_timer(m, now);
	return 0;
}

void pctl_client_map_free(struct pctl_client_map *m)
{
	struct pctl_client *c = m->c;
	struct pctl_client_map **pp;

	pctl_upnp_map_forget(m);
	if (c->in_callback) {
		m->dead = true; /* reaped after the callback returns */
		m->next_at = 0;
		return;
	}
	for (pp = &c->maps; *pp; pp = &(*pp)->next)
		if (*pp == m) {
			*pp = m->next;
			break;
		}
	free(m);
}

void pctl_client_map_refresh(struct pctl_client_map *m)
{
	uint64_t now = pctl_cl_now(m->c);

	if (m->state == PCTL_MS_DELETED)
		return;
	if (m->u.active) {
		pctl_upnp_map_refresh(m, now);
		return;
	}
	pctl_ex_start(m, now, 0);
	pctl_ex_timer(m, now);
}

/*
 * UPnP front end test support (server/upnp.h on the real engine with the
 * fake backend of etest.h): requests and mappings from text.
 */
#ifndef PORTCTL_TESTS_UTEST_H
#define PORTCTL_TESTS_UTEST_H

#include <stdio.h>
#include <string.h>

#include "etest.h"
#include "upnp.h"

/* An engine whose control points may map any host (secure mode off). */
static inline struct etest *ut_open(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.upnp_secure_mode = false;
	return et_open(state, &c);
}

/* Appends a deny rule for internal prefix/len and port ranges. */
static inline void ut_deny(struct pctl_engine_config *c, const char *prefix,
                           uint8_t len, uint16_t int_min, uint16_t int_max,
                           uint16_t ext_min, uint16_t ext_max)
{
	c->rules[c->n_rules++] = (struct pctl_policy_rule){
	    .allow = false,
	    .internal = {et_addr(prefix), len},
	    .int_port_min = int_min,
	    .int_port_max = int_max,
	    .ext_port_min = ext_min,
	    .ext_port_max = ext_max,
	    .any_protocol = true,
	};
}

/* A request from src (text) at t->now to a service of version v. */
static inline struct pctl_upnp_req ut_req(struct etest *t, const char *src,
                                          unsigned v)
{
	struct pctl_upnp_req rq = {.now_ms = t->now, .version = v};
	rq.src = et_addr(src);
	return rq;
}

/* AddPortMapping's arguments: TCP/UDP, external port, client, internal
 * port, lease, no remote host. */
static inline struct pctl_upnp_map ut_map(uint8_t proto, uint16_t ext,
                                          const char *client, uint16_t iport,
                                          uint32_t lease, const char *desc)
{
	struct pctl_upnp_map m;
	memset(&m, 0, sizeof(m));
	m.protocol = proto;
	m.ext_port = ext;
	m.int_addr = et_addr(client);
	m.int_port = iport;
	m.lease = lease;
	m.enabled = true;
	if (desc)
		snprintf(m.desc, sizeof(m.desc), "%s", desc);
	return m;
}

/* add from src (version 2 unless v) and return the UPnP result. */
static inline int ut_add(struct etest *t, const char *src, unsigned v,
                         struct pctl_upnp_map *m, bool any)
{
	struct pctl_upnp_req rq = ut_req(t, src, v);
	return pctl_upnp_add(t->e, &rq, m, any);
}

static inline int ut_del(struct etest *t, const char *src, uint16_t ext,
                         uint8_t proto)
{
	struct pctl_upnp_req rq = ut_req(t, src, 2);
	static const pctl_addr any;
	return pctl_upnp_delete(t->e, &rq, &any, ext, proto);
}

#endif

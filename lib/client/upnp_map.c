/*
 * A mapping made through the UPnP IGD, behind the same mapping object and
 * events as PCP: when it switches from PCP to UPnP, the SOAP actions that
 * make, renew and delete it, and how their answers become events.
 *
 * Order (issue 13): PCP first, NAT-PMP as its fallback on the same port
 * (C-50), and the SSDP search started at the same moment.  A mapping that
 * has no usable PCP or NAT-PMP answer upnp_wait_ms after it was made goes
 * to the IGD when one is ready.  PCP is preferred where it answers: it has
 * nonces, epochs and ANNOUNCE to detect a router restart; UPnP has none.
 * Racing all three from the start (as some clients do) would leave a UPnP
 * mapping behind on routers that speak both.
 *
 * IPv4: IGD:2 AddAnyPortMapping (the IGD may grant another port than the
 * one asked; it says which), IGD:1 AddPortMapping (718 ConflictInMapping:
 * the next port, a bounded number of times, unless the program suggested
 * the port).  The lease is the requested lifetime; 725
 * OnlyPermanentLeasesSupported gives lease 0, and the program must delete
 * it (the library sends nothing when freed).  Renewal re-adds the same
 * mapping in the windows of RFC 6887 section 11.2.1.  IPv6:
 * WANIPv6FirewallControl pinholes (AddPinhole / UpdatePinhole /
 * DeletePinhole).  PEER and ANNOUNCE have no UPnP equivalent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "internal.h"

unsigned pctl_upnp_protocols(const struct pctl_client *c)
{
	if (c->cfg.force_natpmp)
		return PCTL_PROTO_NATPMP;
	return c->cfg.protocols ? c->cfg.protocols & PCTL_PROTO_AUTO
	                        : PCTL_PROTO_AUTO;
}

static bool upnp_only(const struct pctl_client *c)
{
	return pctl_upnp_protocols(c) == PCTL_PROTO_UPNP;
}

/* What UPnP can do: TCP and UDP port mappings, the external address. */
static bool upnp_can(const struct pctl_client_map *m)
{
	return m->p.kind == PCTL_REQ_EXTERNAL ||
	       (m->p.kind == PCTL_REQ_MAP &&
	        (m->p.protocol == 6 || m->p.protocol == 17));
}

static const char *action_name(const struct pctl_client_map *m)
{
	switch (m->u.op) {
	case PCTL_UOP_ADD:
		return m->u.any_action ? "AddAnyPortMapping" : "AddPortMapping";
	case PCTL_UOP_DELETE:
		return "DeletePortMapping";
	case PCTL_UOP_EXTERNAL:
		return "GetExternalIPAddress";
	case PCTL_UOP_PIN_ADD:
		return "AddPinhole";
	case PCTL_UOP_PIN_UPD:
		return "UpdatePinhole";
	case PCTL_UOP_PIN_DEL:
		return "DeletePinhole";
	case PCTL_UOP_NONE:
		break;
	}
	return "";
}

static uint32_t lease_of(const struct pctl_client_map *m)
{
	uint32_t l = m->p.lifetime;

	if (l > m->c->cfg.max_lifetime)
		l = m->c->cfg.max_lifetime; /* C-23 */
	return l;
}

static void soap_done(void *arg, int err, long status, const char *body,
                      size_t len);

/* The IGD the mapping's exchanges go to (chosen by begin()). */
static struct pctl_upnp_igd *igd_of(const struct pctl_client_map *m)
{
	return &m->c->upnp->igd[m->u.igd_fam];
}

static void send_action(struct pctl_client_map *m, uint64_t now,
                        enum pctl_upnp_op op, const struct pctl_soap_arg *a,
                        size_t n);

/* The request could not even be sent, or nobody answered. */
static void no_answer(struct pctl_client_map *m, uint64_t now,
                      enum pctl_client_failure why)
{
	m->u.failure = why;
	if (m->state == PCTL_MS_GRANTED) {
		/* A renewal: the next window is already set; expiry makes
		 * it lost. */
		pctl_cl_log(m->c, LOG_INFO, "UPnP: renewal unanswered");
		return;
	}
	m->state = PCTL_MS_FAILED;
	m->next_at = m->p.keep ? now + PCTL_UPNP_RETRY_MS : 0;
	pctl_cl_notify(m, PCTL_EV_TIMEOUT);
}

static void refused(struct pctl_client_map *m, uint64_t now, int code,
                    const char *desc)
{
	pctl_cl_log(m->c, LOG_NOTICE, "UPnP: %s refused: %d %s", action_name(m),
	            code, desc);
	m->u.upnp_error = code;
	m->result = pctl_upnp_error_result(code);
	m->state = PCTL_MS_ERROR;
	m->next_at = m->p.keep ? now + PCTL_UPNP_RETRY_MS : 0;
	pctl_cl_notify(m, PCTL_EV_ERROR);
}

static void granted(struct pctl_client_map *m, uint64_t now,
                    const pctl_addr *ext, uint16_t port, uint32_t lifetime)
{
	const struct pctl_upnp_igd *g = igd_of(m);
	bool first = m->state != PCTL_MS_GRANTED;
	bool changed = m->have_ext && (m->ext_port != port ||
	                               !pctl_addr_equal(&m->ext_addr, ext));
	enum pctl_client_map_event ev = first     ? PCTL_EV_GRANTED
	                                : changed ? PCTL_EV_CHANGED
	                                          : PCTL_EV_RENEWED;

	m->have_ext = true;
	m->ext_addr = *ext;
	m->ext_port = port;
	m->lifetime = lifetime;
	m->result = PCTL_R_SUCCESS;
	m->u.upnp_error = 0;
	m->u.failure = PCTL_FAIL_NONE;
	m->u.conflicts = 0;
	m->double_nat =
	    pctl_addr_is_v4(ext) && g->have_ext && pctl_addr_is_private_v4(ext);
	m->state = PCTL_MS_GRANTED;
	pctl_ex_granted(m, now); /* renewal windows as for PCP */
	pctl_cl_notify(m, ev);
}

static void send_add(struct pctl_client_map *m, uint64_t now)
{
	char eport[8], iport[8], lease[12], client[PCTL_ADDRSTRLEN];
	pctl_addr local;

	if (!pctl_upnp_local(m->c, igd_of(m), 0, &local)) {
		refused(m, now, 501, "no local IPv4 address towards the IGD");
		return;
	}
	snprintf(eport, sizeof(eport), "%u", m->u.port);
	snprintf(iport, sizeof(iport), "%u", m->p.internal_port);
	snprintf(lease, sizeof(lease), "%u", m->u.lease);
	pctl_addr_to_str(&local, client, sizeof(client));
	const struct pctl_soap_arg a[] = {
	    {"NewRemoteHost", ""},
	    {"NewExternalPort", eport},
	    {"NewProtocol", m->p.protocol == 6 ? "TCP" : "UDP"},
	    {"NewInternalPort", iport},
	    {"NewInternalClient", client},
	    {"NewEnabled", "1"},
	    {"NewPortMappingDescription",
	     m->p.description[0] ? m->p.description : "libportctl"},
	    {"NewLeaseDuration", lease},
	};
	m->u.sent_add = true;
	send_action(m, now, PCTL_UOP_ADD, a, sizeof(a) / sizeof(a[0]));
}

/* IPv6: a pinhole for our address and the internal port; its lease is
 * 1..86400 s (WANIPv6FirewallControl:1). */
static void send_pinhole(struct pctl_client_map *m, uint64_t now)
{
	char iport[8], lease[12], proto[4], client[PCTL_ADDRSTRLEN];
	uint32_t l = m->u.lease ? m->u.lease : 86400;
	pctl_addr local;

	if (l > 86400)
		l = 86400;
	snprintf(lease, sizeof(lease), "%u", l);
	if (m->u.pinhole[0]) {
		const struct pctl_soap_arg a[] = {{"UniqueID", m->u.pinhole},
		                                  {"NewLeaseTime", lease}};
		send_action(m, now, PCTL_UOP_PIN_UPD, a, 2);
		return;
	}
	if (!pctl_upnp_local(m->c, igd_of(m), 1, &local)) {
		refused(m, now, 501, "no local IPv6 address");
		return;
	}
	snprintf(iport, sizeof(iport), "%u", m->p.internal_port);
	snprintf(proto, sizeof(proto), "%u", m->p.protocol);
	pctl_addr_to_str(&local, client, sizeof(client));
	const struct pctl_soap_arg a[] = {
	    {"RemoteHost", ""},         {"RemotePort", "0"},
	    {"InternalClient", client}, {"InternalPort", iport},
	    {"Protocol", proto},        {"LeaseTime", lease},
	};
	m->u.sent_add = true;
	send_action(m, now, PCTL_UOP_PIN_ADD, a, sizeof(a) / sizeof(a[0]));
}

static void send_delete(struct pctl_client_map *m, uint64_t now)
{
	char eport[8];

	if (m->u.pinhole[0]) {
		const struct pctl_soap_arg a[] = {{"UniqueID", m->u.pinhole}};
		send_action(m, now, PCTL_UOP_PIN_DEL, a, 1);
		return;
	}
	snprintf(eport, sizeof(eport), "%u",
	         m->have_ext ? m->ext_port : m->u.port);
	const struct pctl_soap_arg a[] = {
	    {"NewRemoteHost", ""},
	    {"NewExternalPort", eport},
	    {"NewProtocol", m->p.protocol == 6 ? "TCP" : "UDP"},
	};
	send_action(m, now, PCTL_UOP_DELETE, a, 3);
}

static void send_action(struct pctl_client_map *m, uint64_t now,
                        enum pctl_upnp_op op, const struct pctl_soap_arg *a,
                        size_t n)
{
	const struct pctl_upnp_igd *g = igd_of(m);
	bool v6fc = op == PCTL_UOP_PIN_ADD || op == PCTL_UOP_PIN_UPD ||
	            op == PCTL_UOP_PIN_DEL;

	m->u.op = op;
	m->tx++;
	m->last_tx_at = now;
	m->u.req =
	    pctl_upnp_soap(m->c, v6fc ? g->desc.v6fc_type : g->desc.conn_type,
	                   v6fc ? g->desc.v6fc_control : g->desc.conn_control,
	                   action_name(m), a, n, soap_done, m);
	if (!m->u.req) {
		m->u.op = PCTL_UOP_NONE;
		no_answer(m, now, PCTL_FAIL_UNUSABLE);
	}
}

/* Starts the mapping's exchange with the ready IGD: what the state asks
 * for (make, renew, delete). */
static void begin(struct pctl_client_map *m, uint64_t now)
{
	struct pctl_upnp_igd *g = pctl_upnp_igd_for(m->c, pctl_fam(m));

	/* What was made at one IGD is renewed and deleted there. */
	if ((m->u.sent_add || m->have_ext) && m->c->upnp && igd_of(m)->ready)
		g = igd_of(m);
	m->next_at = 0;
	if (!g) {
		m->u.waiting = true;
		pctl_upnp_discover(m->c, m->p.want_ipv6);
		return;
	}
	m->u.waiting = false;
	m->u.igd_fam = g == &m->c->upnp->igd[1];
	m->u.igd_addr = g->ctl.addr;
	m->u.igd_port = g->ctl.port;
	m->u.igd_version = g->desc.igd_version;
	m->tx = 0;
	if (m->state == PCTL_MS_DELETING) {
		/* Nothing made, or a pinhole whose UniqueID we never
		 * learnt (it ends with its lease): nothing to delete. */
		if ((!m->u.sent_add && !m->delete_only) ||
		    (m->p.want_ipv6 && !m->u.pinhole[0])) {
			m->state = PCTL_MS_DELETED;
			pctl_cl_notify(m, PCTL_EV_DELETED);
			return;
		}
		if (m->delete_only && !m->have_ext && !m->u.port)
			m->u.port = m->p.has_suggest && m->p.suggest_port
			                ? m->p.suggest_port
			                : m->p.internal_port;
		send_delete(m, now);
		return;
	}
	if (m->state != PCTL_MS_GRANTED)
		m->state = PCTL_MS_PENDING;
	m->u.conflicts = 0;
	m->u.lease = m->u.permanent ? 0 : lease_of(m);
	if (m->p.kind == PCTL_REQ_EXTERNAL) {
		send_action(m, now, PCTL_UOP_EXTERNAL, NULL, 0);
		return;
	}
	if (m->p.want_ipv6) {
		if (!g->desc.v6fc_control[0]) {
			refused(m, now, 602, "the IGD has no IPv6 firewall");
			return;
		}
		send_pinhole(m, now);
		return;
	}
	/* A renewal re-adds the granted port; a new mapping asks for the
	 * port to preserve, and IGD:2 may grant another. */
	if (m->state == PCTL_MS_GRANTED && m->have_ext) {
		m->u.port = m->ext_port;
		m->u.any_action = false;
	} else {
		m->u.port = pctl_upnp_first_port(&m->p, pctl_cl_rand(m->c));
		m->u.any_action = g->desc.igd_version >= 2;
	}
	send_add(m, now);
}

static void add_answer(struct pctl_client_map *m, uint64_t now,
                       const struct pctl_soap_result *r)
{
	const struct pctl_upnp_igd *g = igd_of(m);
	pctl_addr ext;

	if (g->have_ext)
		ext = g->ext;
	else
		pctl_addr_set_any(&ext, true);
	switch (r->upnp_error) {
	case 0: {
		unsigned long port = m->u.port;
		const char *v = pctl_soap_out(r, "NewReservedPort");
		if (m->u.any_action) {
			char *end;
			port = v ? strtoul(v, &end, 10) : 0;
			if (!v || *end || !port || port > 65535) {
				no_answer(m, now, PCTL_FAIL_UNUSABLE);
				return;
			}
		}
		granted(m, now, &ext, (uint16_t)port, lease_of(m));
		return;
	}
	case 725: /* OnlyPermanentLeasesSupported */
		if (!m->u.permanent) {
			m->u.permanent = true;
			m->u.lease = 0;
			send_add(m, now);
			return;
		}
		break;
	case 718: /* ConflictInMapping */
		if (m->state != PCTL_MS_GRANTED) {
			uint16_t next = pctl_upnp_next_port(&m->p, m->u.port,
			                                    ++m->u.conflicts,
			                                    pctl_cl_rand(m->c));
			if (next) {
				m->u.port = next;
				send_add(m, now);
				return;
			}
		}
		break;
	case 401:                      /* Invalid Action */
	case 602:                      /* Optional Action Not Implemented */
		if (m->u.any_action) { /* an IGD:2 without it */
			m->u.any_action = false;
			send_add(m, now);
			return;
		}
		break;
	}
	refused(m, now, r->upnp_error, r->error_desc);
}

static void pinhole_answer(struct pctl_client_map *m, uint64_t now,
                           const struct pctl_soap_result *r, bool update)
{
	pctl_addr local;
	const char *id = pctl_soap_out(r, "UniqueID");

	if (update && r->upnp_error == 704) { /* NoSuchEntry: gone */
		m->u.pinhole[0] = 0;
		send_pinhole(m, now);
		return;
	}
	if (r->upnp_error) {
		refused(m, now, r->upnp_error, r->error_desc);
		return;
	}
	if (!update) {
		if (!id || !*id || strlen(id) >= sizeof(m->u.pinhole) ||
		    strspn(id, "0123456789") != strlen(id)) {
			no_answer(m, now, PCTL_FAIL_UNUSABLE);
			return;
		}
		snprintf(m->u.pinhole, sizeof(m->u.pinhole), "%s", id);
	}
	/* A pinhole opens our own address and port: that is the external
	 * endpoint. */
	if (!pctl_upnp_local(m->c, igd_of(m), 1, &local))
		pctl_addr_set_any(&local, false);
	granted(m, now, &local, m->p.internal_port, lease_of(m));
}

static void deleted(struct pctl_client_map *m)
{
	m->state = PCTL_MS_DELETED;
	m->lifetime = 0;
	m->next_at = 0;
	m->u.sent_add = false;
	m->u.pinhole[0] = 0;
	m->result = PCTL_R_SUCCESS;
	pctl_cl_notify(m, PCTL_EV_DELETED);
}

static void soap_done(void *arg, int err, long status, const char *body,
                      size_t len)
{
	struct pctl_client_map *m = arg;
	uint64_t now = pctl_cl_now(m->c);
	struct pctl_soap_result r;
	enum pctl_client_failure why;
	enum pctl_upnp_op op = m->u.op;

	m->u.req = NULL;
	if (m->dead)
		return;
	if (pctl_upnp_soap_answer(err, status, body, len, action_name(m), &r,
	                          &why) < 0) {
		pctl_cl_log(m->c, LOG_INFO, "UPnP: %s: %s", action_name(m),
		            err ? strerror(err) : "unusable answer");
		m->u.op = PCTL_UOP_NONE;
		no_answer(m, now, why);
		return;
	}
	switch (op) {
	case PCTL_UOP_ADD:
		add_answer(m, now, &r);
		break;
	case PCTL_UOP_PIN_ADD:
	case PCTL_UOP_PIN_UPD:
		pinhole_answer(m, now, &r, op == PCTL_UOP_PIN_UPD);
		break;
	case PCTL_UOP_DELETE:
	case PCTL_UOP_PIN_DEL:
		/* 714 NoSuchEntryInArray / 704 NoSuchEntry: already gone. */
		if (!r.upnp_error || r.upnp_error == 714 || r.upnp_error == 704)
			deleted(m);
		else
			refused(m, now, r.upnp_error, r.error_desc);
		break;
	case PCTL_UOP_EXTERNAL: {
		const char *v = pctl_soap_out(&r, "NewExternalIPAddress");
		pctl_addr ext;
		if (r.upnp_error) {
			refused(m, now, r.upnp_error, r.error_desc);
		} else if (!v || pctl_addr_from_str(&ext, v) < 0) {
			no_answer(m, now, PCTL_FAIL_UNUSABLE);
		} else {
			igd_of(m)->have_ext = true;
			igd_of(m)->ext = ext;
			granted(m, now, &ext, 0, 0);
		}
		break;
	}
	case PCTL_UOP_NONE:
		break;
	}
	if (m->u.op == op && !m->u.req)
		m->u.op = PCTL_UOP_NONE;
}

static bool may_switch(const struct pctl_client_map *m, uint64_t now)
{
	const struct pctl_upnp_igd *g;

	if (m->dead || m->u.active || !m->u.wait_until || now < m->u.wait_until)
		return false;
	/* Granted once by PCP or NAT-PMP: that server answers; a mapping
	 * lost there is re-created there. */
	if (m->have_ext || m->state == PCTL_MS_GRANTED ||
	    m->state == PCTL_MS_DELETING || m->state == PCTL_MS_DELETED)
		return false;
	g = pctl_upnp_igd_for(m->c, pctl_fam(m));
	return g && (!m->p.want_ipv6 || m->p.kind != PCTL_REQ_MAP ||
	             g->desc.v6fc_control[0]);
}

bool pctl_upnp_map_created(struct pctl_client_map *m, uint64_t now)
{
	struct pctl_client *c = m->c;
	uint32_t wait = c->cfg.upnp_wait_ms ? c->cfg.upnp_wait_ms
	                                    : PCTL_CLIENT_UPNP_WAIT_MS;

	memset(&m->u, 0, sizeof(m->u));
	if (!(pctl_upnp_protocols(c) & PCTL_PROTO_UPNP) || !upnp_can(m))
		return false;
	m->u.wait_until = now + wait;
	if (pctl_upnp_discover(c, m->p.want_ipv6) < 0 && !upnp_only(c))
		return false;
	if (!upnp_only(c))
		return false;
	m->u.active = true;
	m->u.wait_until = now;
	begin(m, now);
	return true;
}

void pctl_upnp_tick(struct pctl_client *c, uint64_t now)
{
	for (struct pctl_client_map *m = c->maps; m; m = m->next) {
		if (m->dead)
			continue;
		if (m->u.active && m->u.waiting) {
			if (pctl_upnp_igd_for(c, pctl_fam(m))) {
				begin(m, now);
			} else if (!c->upnp || pctl_upnp_gave_up(c)) {
				m->u.waiting = false;
				pctl_cl_log(c, LOG_INFO, "UPnP: no IGD found");
				no_answer(m, now, PCTL_FAIL_NO_ANSWER);
			}
		} else if (may_switch(m, now)) {
			pctl_cl_log(c, LOG_INFO,
			            "no usable PCP or NAT-PMP answer: mapping "
			            "through the UPnP IGD");
			m->u.active = true;
			/* No NAT-PMP exchange of its own holds others up
			 * (N-11) any more. */
			m->natpmp = m->natpmp_need_addr = false;
			begin(m, now);
		}
	}
}

int64_t pctl_upnp_timeout(struct pctl_client *c, uint64_t now)
{
	int64_t t = pctl_upnp_igd_timeout(c, now);

	if (!c->upnp || pctl_upnp_gave_up(c))
		return t;
	for (const struct pctl_client_map *m = c->maps; m; m = m->next) {
		int64_t w;
		if (m->dead || m->u.active || !m->u.wait_until || m->have_ext ||
		    m->state == PCTL_MS_DELETING)
			continue;
		w = m->u.wait_until > now ? (int64_t)(m->u.wait_until - now)
		                          : 0;
		/* Once passed, only the IGD's readiness (an input) can
		 * switch it: no busy timer. */
		if (w > 0 && (t < 0 || w < t))
			t = w;
	}
	return t;
}

void pctl_upnp_map_timer(struct pctl_client_map *m, uint64_t now)
{
	if (m->u.req) { /* curl's own timeouts end it: look again then */
		m->next_at = now + 1000;
		return;
	}
	m->next_at = 0;
	switch (m->state) {
	case PCTL_MS_GRANTED:
		if (now >= m->expires_at) {
			/* Renewals went unanswered until the lease ended. */
			m->state = PCTL_MS_PENDING;
			pctl_cl_notify(m, PCTL_EV_LOST);
			begin(m, now);
			return;
		}
		begin(m, now); /* re-add the same mapping */
		m->renew_attempt++;
		if (m->state == PCTL_MS_GRANTED)
			pctl_ex_next_renewal(m, now);
		break;
	case PCTL_MS_ERROR:
	case PCTL_MS_FAILED:
		m->state = PCTL_MS_PENDING;
		begin(m, now);
		break;
	default:
		break;
	}
}

void pctl_upnp_map_delete(struct pctl_client_map *m, uint64_t now)
{
	if (m->u.req) {
		pctl_http_cancel(m->c->upnp->http, m->u.req);
		m->u.req = NULL;
	}
	m->u.op = PCTL_UOP_NONE;
	m->state = PCTL_MS_DELETING;
	begin(m, now);
}

void pctl_upnp_map_refresh(struct pctl_client_map *m, uint64_t now)
{
	if (m->u.req)
		return; /* an exchange is running */
	begin(m, now);
}

void pctl_upnp_map_forget(struct pctl_client_map *m)
{
	if (m->u.req && m->c->upnp)
		pctl_http_cancel(m->c->upnp->http, m->u.req);
	m->u.req = NULL;
}

bool pctl_upnp_map_reset(struct pctl_client_map *m, uint64_t now)
{
	struct pctl_client *c = m->c;
	bool was = m->u.active;

	pctl_upnp_map_forget(m);
	if (!m->u.wait_until && !was)
		return false; /* never a UPnP candidate */
	if (was && !m->have_ext)
		m->u.sent_add = false;
	m->u.active = false;
	m->u.waiting = false;
	m->u.op = PCTL_UOP_NONE;
	m->u.wait_until =
	    now + (c->cfg.upnp_wait_ms ? c->cfg.upnp_wait_ms
	                               : PCTL_CLIENT_UPNP_WAIT_MS);
	/* The new network's IGD may not hold what the old one did. */
	if (was)
		m->have_ext = false;
	pctl_upnp_discover(c, m->p.want_ipv6);
	if (!upnp_only(c))
		return false;
	m->u.active = true;
	if (m->state == PCTL_MS_GRANTED)
		m->state = PCTL_MS_PENDING;
	begin(m, now);
	return true;
}

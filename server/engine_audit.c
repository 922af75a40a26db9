/*
 * The audit hook (audit.h, engine_audit.h): turns the engine's mapping
 * changes into events for the registered observer.
 */
#include <string.h>

#include "engine_state.h"

void pctl_engine_set_audit(struct pctl_engine *e, pctl_audit_fn fn, void *ctx)
{
	e->audit.fn = fn;
	e->audit.ctx = ctx;
}

const char *pctl_audit_type_name(enum pctl_audit_type t)
{
	static const char *const n[] = {"created", "renewed", "moved",
	                                "deleted", "expired", "refused"};
	return (unsigned)t < sizeof(n) / sizeof(n[0]) ? n[t] : "unknown";
}

const char *pctl_audit_by_name(enum pctl_audit_by b)
{
	static const char *const n[] = {"none",   "client",  "admin",
	                                "policy", "address", "timer"};
	return (unsigned)b < sizeof(n) / sizeof(n[0]) ? n[b] : "unknown";
}

const char *pctl_audit_via_name(enum pctl_audit_via v)
{
	static const char *const n[] = {"none", "pcp", "natpmp", "upnp"};
	return (unsigned)v < sizeof(n) / sizeof(n[0]) ? n[v] : "unknown";
}

static bool auditing(const struct pctl_engine *e)
{
	return e->audit.fn && e->audit.scope.by != PCTL_AUDIT_BY_NONE;
}

/* The common part of every event: cause and, for a request, its source. */
static void event_init(const struct pctl_engine *e, enum pctl_audit_type type,
                       struct pctl_audit_event *ev)
{
	const struct pctl_audit_scope *s = &e->audit.scope;

	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->by = s->by;
	ev->via = s->via;
	if (s->by == PCTL_AUDIT_BY_CLIENT && s->rx) {
		ev->has_requester = true;
		ev->requester = s->rx->src;
		ev->requester_port = s->rx->src_port;
	}
}

static void event_of_mapping(const struct pctl_engine *e,
                             enum pctl_audit_type type,
                             const struct pctl_mapping *m, uint32_t lifetime,
                             struct pctl_audit_event *ev)
{
	event_init(e, type, ev);
	ev->has_mapping = true;
	ev->id = pctl_mapping_id(m);
	ev->kind = (enum pctl_mapping_kind)m->kind;
	ev->protocol = m->protocol;
	ev->int_addr = m->int_addr;
	ev->int_port = m->int_port;
	ev->ext_addr = m->ext_addr;
	ev->ext_port = m->ext_port;
	ev->port_count = m->port_count ? m->port_count : 1;
	if (m->kind == PCTL_MK_PEER) {
		ev->has_remote = true;
		ev->remote_addr = m->remote_addr;
		ev->remote_port = m->remote_port;
	}
	ev->lifetime =
	    m->kind == PCTL_MK_STATIC ? PCTL_LIFETIME_STATIC : lifetime;
	/* NAT-PMP and static mappings have no nonce of their own. */
	if (m->kind == PCTL_MK_MAP || m->kind == PCTL_MK_PEER) {
		ev->has_nonce = !m->nonce_unknown;
		memcpy(ev->nonce, m->nonce, PCTL_NONCE_LEN);
	}
	if (m->extra && m->extra->desc_len) {
		ev->desc = m->extra->desc;
		ev->desc_len = m->extra->desc_len;
	}
}

static void emit(struct pctl_engine *e, const struct pctl_audit_event *ev)
{
	e->audit.fn(e->audit.ctx, ev);
}

static void flush_pending(struct pctl_engine *e)
{
	if (!e->audit.pend)
		return;
	e->audit.pend = false;
	struct pctl_mapping *m = pctl_table_by_id(&e->table, e->audit.pend_id);
	if (!e->audit.pend_changes || !m)
		return;
	struct pctl_audit_event ev;
	event_of_mapping(e, PCTL_AUDIT_RENEWED, m, e->audit.pend_lifetime, &ev);
	ev.changes = e->audit.pend_changes;
	emit(e, &ev);
}

struct pctl_audit_scope pctl_audit_enter(struct pctl_engine *e,
                                         enum pctl_audit_by by,
                                         enum pctl_audit_via via,
                                         const struct pctl_rx *rx)
{
	struct pctl_audit_scope prev = e->audit.scope;

	e->audit.scope = (struct pctl_audit_scope){by, via, rx};
	return prev;
}

void pctl_audit_leave(struct pctl_engine *e, struct pctl_audit_scope prev)
{
	if (auditing(e))
		flush_pending(e);
	e->audit.pend = false;
	e->audit.scope = prev;
}

void pctl_audit_created(struct pctl_engine *e, const struct pctl_mapping *m,
                        uint32_t lifetime)
{
	struct pctl_audit_event ev;

	if (!auditing(e))
		return;
	event_of_mapping(e, PCTL_AUDIT_CREATED, m, lifetime, &ev);
	emit(e, &ev);
}

void pctl_audit_dropped(struct pctl_engine *e, const struct pctl_mapping *m)
{
	struct pctl_audit_event ev;

	if (!auditing(e))
		return;
	if (e->audit.pend && e->audit.pend_id == pctl_mapping_id(m))
		e->audit.pend = false; /* gone: its end is the news */
	bool timer = e->audit.scope.by == PCTL_AUDIT_BY_TIMER;
	event_of_mapping(e, timer ? PCTL_AUDIT_EXPIRED : PCTL_AUDIT_DELETED, m,
	                 0, &ev);
	emit(e, &ev);
}

void pctl_audit_renewed(struct pctl_engine *e, const struct pctl_mapping *m,
                        uint32_t lifetime, unsigned changes)
{
	if (!auditing(e))
		return;
	uint64_t id = pctl_mapping_id(m);
	if (e->audit.pend && e->audit.pend_id != id)
		flush_pending(e);
	if (!e->audit.pend) {
		e->audit.pend = true;
		e->audit.pend_id = id;
		e->audit.pend_changes = 0;
	}
	e->audit.pend_lifetime = lifetime;
	e->audit.pend_changes |= changes;
	/* Outside a request (no leave will follow soon) report at once. */
	if (e->audit.scope.by != PCTL_AUDIT_BY_CLIENT)
		flush_pending(e);
}

void pctl_audit_moved(struct pctl_engine *e, const struct pctl_mapping *m,
                      const pctl_addr *prev_addr, uint16_t prev_port,
                      uint32_t lifetime)
{
	struct pctl_audit_event ev;

	if (!auditing(e))
		return;
	event_of_mapping(e, PCTL_AUDIT_MOVED, m, lifetime, &ev);
	ev.has_prev_ext = true;
	ev.prev_ext_addr = *prev_addr;
	ev.prev_ext_port = prev_port;
	emit(e, &ev);
}

static uint16_t be16_at(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* RFC 6887 section 7.1 header and sections 11.1, 12.1 opcode data: what a
 * refused request asked for, read only as far as the datagram goes (it
 * may be the malformed one that was refused). */
enum {
	HDR_LEN = 24,
	MAP_LEN = HDR_LEN + 36,
	PEER_LEN = MAP_LEN + 20,
};

void pctl_audit_refused_pcp(struct pctl_engine *e, const struct pctl_rx *rx,
                            uint8_t result)
{
	struct pctl_audit_event ev;
	const uint8_t *b = rx->buf;

	if (!auditing(e))
		return;
	event_init(e, PCTL_AUDIT_REFUSED, &ev);
	ev.via = PCTL_AUDIT_VIA_PCP;
	ev.result = result;
	if (rx->len >= 2)
		ev.opcode = b[1] & 0x7f;
	if (rx->len < HDR_LEN || b[0] != PCTL_VERSION) {
		emit(e, &ev);
		return;
	}
	ev.lifetime = be32_at(b + 4);
	if ((ev.opcode == PCTL_OP_MAP || ev.opcode == PCTL_OP_PEER) &&
	    rx->len >= MAP_LEN) {
		ev.has_mapping = true;
		memcpy(ev.int_addr.b, b + 8, 16);
		ev.has_nonce = true;
		memcpy(ev.nonce, b + HDR_LEN, PCTL_NONCE_LEN);
		ev.protocol = b[HDR_LEN + 12];
		ev.int_port = be16_at(b + HDR_LEN + 16);
		ev.ext_port = be16_at(b + HDR_LEN + 18);
		memcpy(ev.ext_addr.b, b + HDR_LEN + 20, 16);
		ev.port_count = 1;
	}
	if (ev.opcode == PCTL_OP_PEER && rx->len >= PEER_LEN) {
		ev.has_remote = true;
		ev.remote_port = be16_at(b + MAP_LEN);
		memcpy(ev.remote_addr.b, b + MAP_LEN + 4, 16);
	}
	emit(e, &ev);
}

/* RFC 6886 section 3.3: the mapping request's fields. */
enum { NATPMP_MAP_LEN = 12 };

void pctl_audit_refused_natpmp(struct pctl_engine *e, const struct pctl_rx *rx,
                               uint16_t result)
{
	struct pctl_audit_event ev;
	const uint8_t *b = rx->buf;

	if (!auditing(e))
		return;
	event_init(e, PCTL_AUDIT_REFUSED, &ev);
	ev.via = PCTL_AUDIT_VIA_NATPMP;
	ev.result = result;
	if (rx->len >= 2)
		ev.opcode = b[1] & 0x7f;
	if ((ev.opcode == PCTL_NATPMP_OP_MAP_UDP ||
	     ev.opcode == PCTL_NATPMP_OP_MAP_TCP) &&
	    rx->len >= NATPMP_MAP_LEN) {
		ev.has_mapping = true;
		ev.protocol = ev.opcode == PCTL_NATPMP_OP_MAP_UDP ? 17 : 6;
		ev.int_addr = rx->src;
		ev.int_port = be16_at(b + 4);
		ev.ext_port = be16_at(b + 6);
		ev.lifetime = be32_at(b + 8);
		ev.port_count = 1;
	}
	emit(e, &ev);
}

static bool same_bytes(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
	return na == nb && (na == 0 || memcmp(a, b, na) == 0);
}

static bool same_filters(const struct pctl_map_extra *a,
                         const struct pctl_map_extra *b)
{
	size_t na = a ? a->n_filters : 0, nb = b ? b->n_filters : 0;

	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		const struct pctl_filter *x = &a->filters[i],
		                         *y = &b->filters[i];
		if (x->prefix_len != y->prefix_len || x->port != y->port ||
		    !pctl_addr_equal(&x->addr, &y->addr))
			return false;
	}
	return true;
}

unsigned pctl_audit_extra_changes(const struct pctl_map_extra *old_x,
                                  const struct pctl_map_extra *new_x)
{
	static const struct pctl_map_extra none;
	const struct pctl_map_extra *a = old_x ? old_x : &none;
	const struct pctl_map_extra *b = new_x ? new_x : &none;
	unsigned ch = 0;

	if (!same_bytes(a->desc, a->desc_len, b->desc, b->desc_len))
		ch |= PCTL_AUDIT_CH_DESCRIPTION;
	if (!same_filters(a, b))
		ch |= PCTL_AUDIT_CH_FILTERS;
	if (a->has_client != b->has_client ||
	    (a->has_client && !pctl_addr_equal(&a->client, &b->client)))
		ch |= PCTL_AUDIT_CH_REQUESTER;
	return ch;
}

void pctl_audit_refused_upnp(struct pctl_engine *e,
                             const struct pctl_audit_event *asked,
                             uint16_t result)
{
	struct pctl_audit_event ev;

	if (!auditing(e))
		return;
	event_init(e, PCTL_AUDIT_REFUSED, &ev);
	ev.via = PCTL_AUDIT_VIA_UPNP;
	ev.result = result;
	if (asked && asked->has_mapping) {
		ev.has_mapping = true;
		ev.kind = PCTL_MK_UPNP;
		ev.protocol = asked->protocol;
		ev.int_addr = asked->int_addr;
		ev.int_port = asked->int_port;
		ev.ext_port = asked->ext_port;
		ev.port_count = 1;
		ev.lifetime = asked->lifetime;
	}
	emit(e, &ev);
}

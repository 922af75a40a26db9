/*
 * Conntrack side of the nftables backend: see conntrack.h.
 */
#include "conntrack.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include "dp_addr.h"
#include "nft_dump.h"
#include "nft_elem.h"
#include "nft_layout.h"

struct dp_ct {
	struct nfct_handle *dump; /* runs dumps and queries */
	struct nfct_handle *del;  /* deletes while a dump is running */
};

struct dp_ct *dp_ct_open(void)
{
	struct dp_ct *ct = calloc(1, sizeof(*ct));
	if (!ct)
		return NULL;
	ct->dump = nfct_open(CONNTRACK, 0);
	ct->del = nfct_open(CONNTRACK, 0);
	if (!ct->dump || !ct->del) {
		int e = errno;
		dp_ct_close(ct);
		errno = e ? e : ENOMEM;
		return NULL;
	}
	return ct;
}

void dp_ct_close(struct dp_ct *ct)
{
	if (!ct)
		return;
	if (ct->dump)
		nfct_close(ct->dump);
	if (ct->del)
		nfct_close(ct->del);
	free(ct);
}

/* Protocols whose conntrack tuple carries ports. */
static bool has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_SCTP || proto == IPPROTO_DCCP ||
	       proto == IPPROTO_UDPLITE;
}

static bool addr_attr_eq(const struct nf_conntrack *c, bool v4,
                         enum nf_conntrack_attr a4, enum nf_conntrack_attr a6,
                         const pctl_addr *a)
{
	size_t n;
	const uint8_t *raw = dp_addr_raw(a, &n);
	const void *got = nfct_get_attr(c, v4 ? a4 : a6);
	return got && memcmp(got, raw, n) == 0;
}

static bool port_in(const struct nf_conntrack *c, enum nf_conntrack_attr attr,
                    const struct pctl_dp_mapping *m, uint16_t first)
{
	if (m->protocol == 0 || m->int_port == 0)
		return true;
	uint16_t p = ntohs(nfct_get_attr_u16(c, attr));
	uint32_t count = m->port_count ? m->port_count : 1;
	return p >= first && p < first + count;
}

/* The flow's family and protocol are those of mapping m. */
static bool proto_of(const struct nf_conntrack *c,
                     const struct pctl_dp_mapping *m)
{
	bool v4 = dp_addr_v4(&m->int_addr);
	if (nfct_get_attr_u8(c, ATTR_L3PROTO) != (v4 ? AF_INET : AF_INET6))
		return false;
	return !m->protocol || nfct_get_attr_u8(c, ATTR_L4PROTO) == m->protocol;
}

/* Entered through m's external endpoint (original destination). */
static bool entered_through(const struct nf_conntrack *c,
                            const struct pctl_dp_mapping *m)
{
	bool v4 = dp_addr_v4(&m->int_addr);
	return addr_attr_eq(c, v4, ATTR_ORIG_IPV4_DST, ATTR_ORIG_IPV6_DST,
	                    &m->ext_addr) &&
	       (!has_ports(nfct_get_attr_u8(c, ATTR_L4PROTO)) ||
	        port_in(c, ATTR_ORIG_PORT_DST, m, m->ext_port));
}

/* Opened by m's internal endpoint and sent out on m's external endpoint
 * (the reply comes back to it).  For a pinhole ext == int, so this is any
 * flow the internal endpoint opened. */
static bool left_through(const struct nf_conntrack *c,
                         const struct pctl_dp_mapping *m)
{
	bool v4 = dp_addr_v4(&m->int_addr);
	return addr_attr_eq(c, v4, ATTR_ORIG_IPV4_SRC, ATTR_ORIG_IPV6_SRC,
	                    &m->int_addr) &&
	       addr_attr_eq(c, v4, ATTR_REPL_IPV4_DST, ATTR_REPL_IPV6_DST,
	                    &m->ext_addr) &&
	       (!has_ports(nfct_get_attr_u8(c, ATTR_L4PROTO)) ||
	        (port_in(c, ATTR_ORIG_PORT_SRC, m, m->int_port) &&
	         port_in(c, ATTR_REPL_PORT_DST, m, m->ext_port)));
}

/* A flow that ends with mapping m: it came in through it, or (NAT44) the
 * internal endpoint sent it out on the mapped external port.  A pinhole's
 * outbound flows are the host's own business and stay. */
static bool flow_of(const struct nf_conntrack *c,
                    const struct pctl_dp_mapping *m)
{
	return proto_of(c, m) && (entered_through(c, m) ||
	                          (dp_mapping_is_nat(m) && left_through(c, m)));
}

struct kill_ctx {
	struct dp_ct *ct;
	const struct pctl_dp_mapping *const *maps;
	size_t n;
};

static int kill_cb(enum nf_conntrack_msg_type type, struct nf_conntrack *c,
                   void *data)
{
	(void)type;
	struct kill_ctx *k = data;
	for (size_t i = 0; i < k->n; i++) {
		if (flow_of(c, k->maps[i])) {
			/* Already gone is as good as deleted. */
			(void)nfct_query(k->ct->del, NFCT_Q_DESTROY, c);
			break;
		}
	}
	return NFCT_CB_CONTINUE;
}

int dp_ct_kill(struct dp_ct *ct, const struct pctl_dp_mapping *const *maps,
               size_t n)
{
	if (n == 0)
		return 0;
	struct kill_ctx k = {ct, maps, n};
	nfct_callback_register(ct->dump, NFCT_T_ALL, kill_cb, &k);
	uint32_t family = AF_UNSPEC;
	int r = nfct_query(ct->dump, NFCT_Q_DUMP, &family);
	nfct_callback_unregister(ct->dump);
	return r < 0 ? -errno : 0;
}

struct reap_ctx {
	struct dp_dumped flows;
	int err;
};

/* A labelled flow as the mapping it came through: entry point = original
 * destination, internal endpoint = source of the reply. */
static int reap_cb(enum nf_conntrack_msg_type type, struct nf_conntrack *c,
                   void *data)
{
	(void)type;
	struct reap_ctx *r = data;
	const struct nfct_bitmask *labels = nfct_get_attr(c, ATTR_CONNLABELS);
	if (!labels || !nfct_bitmask_test_bit(labels, DP_CT_LABEL_BIT))
		return NFCT_CB_CONTINUE;
	bool v4 = nfct_get_attr_u8(c, ATTR_L3PROTO) == AF_INET;
	const uint8_t *dst =
	    nfct_get_attr(c, v4 ? ATTR_ORIG_IPV4_DST : ATTR_ORIG_IPV6_DST);
	const uint8_t *src =
	    nfct_get_attr(c, v4 ? ATTR_REPL_IPV4_SRC : ATTR_REPL_IPV6_SRC);
	if (!dst || !src)
		return NFCT_CB_CONTINUE;
	struct pctl_dp_mapping *m = dp_dumped_push(&r->flows);
	if (!m) {
		r->err = -ENOMEM;
		return NFCT_CB_STOP;
	}
	size_t len = v4 ? 4 : 16;
	uint8_t *e = m->ext_addr.b, *i = m->int_addr.b;
	if (v4) {
		e[10] = e[11] = i[10] = i[11] = 0xff;
		e += 12;
		i += 12;
	}
	memcpy(e, dst, len);
	memcpy(i, src, len);
	m->protocol = nfct_get_attr_u8(c, ATTR_L4PROTO);
	m->port_count = 1;
	if (has_ports(m->protocol)) {
		m->ext_port = ntohs(nfct_get_attr_u16(c, ATTR_ORIG_PORT_DST));
		m->int_port = ntohs(nfct_get_attr_u16(c, ATTR_REPL_PORT_SRC));
	}
	return NFCT_CB_CONTINUE;
}

int dp_ct_reap(struct dp_ct *ct, const struct pctl_dp_mapping *const *live,
               size_t n)
{
	struct reap_ctx r = {{0}, 0};
	nfct_callback_register(ct->dump, NFCT_T_ALL, reap_cb, &r);
	uint32_t family = AF_UNSPEC;
	int q = nfct_query(ct->dump, NFCT_Q_DUMP, &family);
	int e = errno;
	nfct_callback_unregister(ct->dump);
	int err = r.err ? r.err : q < 0 ? -e : 0;
	size_t n_stale = err ? 0 : dp_dumped_stale(&r.flows, live, n);
	const struct pctl_dp_mapping **stale =
	    calloc(n_stale + 1, sizeof(*stale));
	for (size_t k = 0; stale && k < n_stale; k++)
		stale[k] = &r.flows.maps[k];
	if (stale && n_stale)
		err = dp_ct_kill(ct, stale, n_stale);
	free(stale);
	dp_dumped_free(&r.flows);
	return err;
}

static struct nf_conntrack *tuple(uint8_t protocol, const pctl_addr *int_addr,
                                  uint16_t int_port, const pctl_addr *remote,
                                  uint16_t remote_port)
{
	bool v4 = dp_addr_v4(int_addr);
	if (dp_addr_v4(remote) != v4)
		return NULL;
	struct nf_conntrack *c = nfct_new();
	if (!c)
		return NULL;
	size_t n;
	nfct_set_attr_u8(c, ATTR_L3PROTO, v4 ? AF_INET : AF_INET6);
	nfct_set_attr(c, v4 ? ATTR_IPV4_SRC : ATTR_IPV6_SRC,
	              dp_addr_raw(int_addr, &n));
	nfct_set_attr(c, v4 ? ATTR_IPV4_DST : ATTR_IPV6_DST,
	              dp_addr_raw(remote, &n));
	nfct_set_attr_u8(c, ATTR_L4PROTO, protocol);
	nfct_set_attr_u16(c, ATTR_PORT_SRC, htons(int_port));
	nfct_set_attr_u16(c, ATTR_PORT_DST, htons(remote_port));
	return c;
}

struct get_ctx {
	bool found;
	bool v4;
	struct pctl_dp_flow *out;
};

static int get_cb(enum nf_conntrack_msg_type type, struct nf_conntrack *c,
                  void *data)
{
	(void)type;
	struct get_ctx *g = data;
	const void *ext =
	    nfct_get_attr(c, g->v4 ? ATTR_REPL_IPV4_DST : ATTR_REPL_IPV6_DST);
	if (!ext)
		return NFCT_CB_STOP;
	memset(&g->out->ext_addr, 0, sizeof(g->out->ext_addr));
	if (g->v4) {
		g->out->ext_addr.b[10] = 0xff;
		g->out->ext_addr.b[11] = 0xff;
		memcpy(g->out->ext_addr.b + 12, ext, 4);
	} else {
		memcpy(g->out->ext_addr.b, ext, 16);
	}
	/* The reply goes to the translated source: the external port. */
	g->out->ext_port = ntohs(nfct_get_attr_u16(c, ATTR_REPL_PORT_DST));
	g->out->timeout_left = nfct_get_attr_u32(c, ATTR_TIMEOUT);
	g->found = true;
	return NFCT_CB_STOP;
}

int dp_ct_lookup(struct dp_ct *ct, uint8_t protocol, const pctl_addr *int_addr,
                 uint16_t int_port, const pctl_addr *remote_addr,
                 uint16_t remote_port, struct pctl_dp_flow *out)
{
	struct nf_conntrack *c =
	    tuple(protocol, int_addr, int_port, remote_addr, remote_port);
	if (!c)
		return -EINVAL;
	struct get_ctx g = {false, dp_addr_v4(int_addr), out};
	nfct_callback_register(ct->dump, NFCT_T_ALL, get_cb, &g);
	int r = nfct_query(ct->dump, NFCT_Q_GET, c);
	int e = errno;
	nfct_callback_unregister(ct->dump);
	nfct_destroy(c);
	if (g.found)
		return 0;
	return r < 0 && e != ENOENT ? -e : -ENOENT;
}

int dp_ct_set_timeout(struct dp_ct *ct, uint8_t protocol,
                      const pctl_addr *int_addr, uint16_t int_port,
                      const pctl_addr *remote_addr, uint16_t remote_port,
                      uint32_t timeout)
{
	struct nf_conntrack *c =
	    tuple(protocol, int_addr, int_port, remote_addr, remote_port);
	if (!c)
		return -EINVAL;
	nfct_set_attr_u32(c, ATTR_TIMEOUT, timeout);
	int r = nfct_query(ct->del, NFCT_Q_UPDATE, c);
	int e = errno;
	nfct_destroy(c);
	return r < 0 ? -e : 0;
}

struct idle_ctx {
	const struct pctl_dp_mapping *m;
	uint32_t max;
};

/* S-52: a flow keeps m's implicit mapping alive only if the internal host
 * sent on it: it opened it through m, or answered what came in through m
 * (SEEN_REPLY).  An outside sender alone must not keep a mapping its owner
 * deletes. */
static bool kept_by(const struct nf_conntrack *c,
                    const struct pctl_dp_mapping *m)
{
	if (!proto_of(c, m))
		return false;
	if (m->outbound) {
		/* PEER: the one 5-tuple, which the internal host opened. */
		bool v4 = dp_addr_v4(&m->int_addr);
		return left_through(c, m) &&
		       addr_attr_eq(c, v4, ATTR_ORIG_IPV4_DST,
		                    ATTR_ORIG_IPV6_DST, &m->remote_addr) &&
		       (!has_ports(nfct_get_attr_u8(c, ATTR_L4PROTO)) ||
		        ntohs(nfct_get_attr_u16(c, ATTR_ORIG_PORT_DST)) ==
		            m->remote_port);
	}
	if (left_through(c, m))
		return true;
	return entered_through(c, m) &&
	       (nfct_get_attr_u32(c, ATTR_STATUS) & IPS_SEEN_REPLY);
}

static int idle_cb(enum nf_conntrack_msg_type type, struct nf_conntrack *c,
                   void *data)
{
	(void)type;
	struct idle_ctx *x = data;
	if (kept_by(c, x->m) && nfct_attr_is_set(c, ATTR_TIMEOUT) > 0) {
		uint32_t t = nfct_get_attr_u32(c, ATTR_TIMEOUT);
		if (t > x->max)
			x->max = t;
	}
	return NFCT_CB_CONTINUE;
}

int dp_ct_idle_left(struct dp_ct *ct, const struct pctl_dp_mapping *m,
                    uint32_t *seconds)
{
	struct idle_ctx x = {m, 0};
	nfct_callback_register(ct->dump, NFCT_T_ALL, idle_cb, &x);
	uint32_t family = dp_addr_v4(&m->int_addr) ? AF_INET : AF_INET6;
	int r = nfct_query(ct->dump, NFCT_Q_DUMP, &family);
	int e = errno;
	nfct_callback_unregister(ct->dump);
	if (r < 0)
		return -e;
	*seconds = x.max;
	return 0;
}

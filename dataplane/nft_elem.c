/*
 * Element encoding: see nft_elem.h and the set table in nft_layout.c.
 */
#include "nft_elem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <endian.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "dp_addr.h"
#include "nft_layout.h"

/* DESTROYSETELEM (Linux 6.3): like DELSETELEM but an absent element is not
 * an error, so removing a mapping the kernel already expired cannot make
 * the whole batch fail.  Older uapi headers lack the name. */
#define DP_MSG_DESTROYSETELEM 30

/* Timeout of the elements DP_ELEM_DELETE adds before it deletes them: they
 * never outlive the transaction, but a timeout set must not get an element
 * without one (that would mean "forever" were the delete ever lost). */
#define DELETE_ADD_TIMEOUT_MS 1000

/* Elements per netlink message: keeps each message well under the
 * per-message room reserved in the batch. */
#define ELEMS_PER_MSG 32
#define ELEM_ROOM     256

#define KEY_MAX 64

struct elem {
	enum dp_set set;
	uint8_t key[KEY_MAX], key_end[KEY_MAX];
	size_t klen;
	uint8_t data[8];
};

/* Builds a key field by field, each padded to 32 bits. */
struct keyb {
	uint8_t *lo, *hi;
	size_t len;
};

static void kput(struct keyb *k, const void *lo, const void *hi, size_t n)
{
	memcpy(k->lo + k->len, lo, n);
	memcpy(k->hi + k->len, hi, n);
	k->len += (n + 3) & ~(size_t)3;
}

static void kput_u8(struct keyb *k, uint8_t lo, uint8_t hi)
{
	kput(k, &lo, &hi, 1);
}

static void kput_port(struct keyb *k, uint16_t lo, uint16_t hi)
{
	uint16_t l = htobe16(lo), h = htobe16(hi);
	kput(k, &l, &h, 2);
}

static void kput_addr(struct keyb *k, const pctl_addr *a)
{
	size_t n;
	const uint8_t *raw = dp_addr_raw(a, &n);
	kput(k, raw, raw, n);
}

/* The range of addresses a prefix covers, in the family of a. */
static void kput_prefix(struct keyb *k, const pctl_addr *a, unsigned plen)
{
	size_t n;
	const uint8_t *raw = dp_addr_raw(a, &n);
	uint8_t lo[16], hi[16];
	for (size_t i = 0; i < n; i++) {
		unsigned bits = plen > 8 * i ? plen - 8 * (unsigned)i : 0;
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);
		lo[i] = raw[i] & mask;
		hi[i] = (uint8_t)(raw[i] | ~mask);
	}
	kput(k, lo, hi, n);
}

struct writer {
	struct dp_batch *b;
	const char *table;
	uint16_t type; /* NEWSETELEM, DELSETELEM or DESTROYSETELEM */
	uint64_t timeout_ms;
	struct nlmsghdr *nlh;
	struct nlattr *list;
	enum dp_set set;
	int count;
};

static void flush_msg(struct writer *w)
{
	if (!w->nlh)
		return;
	mnl_attr_nest_end(w->nlh, w->list);
	dp_batch_add(w->b, w->nlh);
	w->nlh = NULL;
}

static int put_elem(struct writer *w, const struct elem *e)
{
	if (w->nlh && (w->set != e->set || w->count == ELEMS_PER_MSG))
		flush_msg(w);
	if (!w->nlh) {
		uint16_t flags =
		    w->type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0;
		w->nlh = dp_batch_msg(w->b, w->type, NFPROTO_INET, flags,
		                      ELEM_ROOM * ELEMS_PER_MSG + 256);
		if (!w->nlh)
			return -ENOMEM;
		mnl_attr_put_strz(w->nlh, NFTA_SET_ELEM_LIST_TABLE, w->table);
		mnl_attr_put_strz(w->nlh, NFTA_SET_ELEM_LIST_SET,
		                  dp_sets[e->set].name);
		w->list =
		    mnl_attr_nest_start(w->nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
		w->set = e->set;
		w->count = 0;
	}
	const struct dp_set_def *d = &dp_sets[e->set];
	struct nlattr *el = mnl_attr_nest_start(w->nlh, NFTA_LIST_ELEM);
	struct nlattr *k = mnl_attr_nest_start(w->nlh, NFTA_SET_ELEM_KEY);
	mnl_attr_put(w->nlh, NFTA_DATA_VALUE, e->klen, e->key);
	mnl_attr_nest_end(w->nlh, k);
	if (d->interval) {
		k = mnl_attr_nest_start(w->nlh, NFTA_SET_ELEM_KEY_END);
		mnl_attr_put(w->nlh, NFTA_DATA_VALUE, e->klen, e->key_end);
		mnl_attr_nest_end(w->nlh, k);
	}
	if (w->type == NFT_MSG_NEWSETELEM) {
		if (d->data_len) {
			k = mnl_attr_nest_start(w->nlh, NFTA_SET_ELEM_DATA);
			mnl_attr_put(w->nlh, NFTA_DATA_VALUE, d->data_len,
			             e->data);
			mnl_attr_nest_end(w->nlh, k);
		}
		mnl_attr_put_u64(w->nlh, NFTA_SET_ELEM_TIMEOUT,
		                 htobe64(w->timeout_ms));
		/* Explicit, so that re-adding an element whose timeout is
		 * unchanged still restarts its expiry (the kernel's timeout
		 * update only acts on what it is given). */
		mnl_attr_put_u64(w->nlh, NFTA_SET_ELEM_EXPIRATION,
		                 htobe64(w->timeout_ms));
	}
	mnl_attr_nest_end(w->nlh, el);
	w->count++;
	return 0;
}

bool dp_mapping_is_nat(const struct pctl_dp_mapping *m)
{
	return dp_addr_v4(&m->int_addr) &&
	       !dp_addr_eq(&m->int_addr, &m->ext_addr);
}

/* Key of a set whose fields are (addr [. proto [. port]]). */
static void endpoint_key(struct elem *e, enum dp_set set, const pctl_addr *a,
                         uint8_t proto, uint16_t port, int n_fields)
{
	struct keyb k = {e->key, e->key_end, 0};
	memset(e, 0, sizeof(*e));
	e->set = set;
	kput_addr(&k, a);
	if (n_fields > 1)
		kput_u8(&k, proto, proto);
	if (n_fields > 2)
		kput_port(&k, port, port);
	e->klen = k.len;
}

/* Map data: address, or address . port. */
static void set_data(struct elem *e, const pctl_addr *a, uint16_t port)
{
	size_t n;
	const uint8_t *raw = dp_addr_raw(a, &n);
	memcpy(e->data, raw, 4);
	uint16_t p = htobe16(port);
	memcpy(e->data + 4, &p, 2);
}

/* Does filter a admit everything filter b admits? */
static bool filter_covers(const struct pctl_filter *a,
                          const struct pctl_filter *b)
{
	if (a->prefix_len > b->prefix_len)
		return false;
	if (a->port && a->port != b->port)
		return false;
	for (unsigned i = 0; i < a->prefix_len; i++) {
		unsigned bit = 0x80u >> (i % 8);
		if ((a->addr.b[i / 8] ^ b->addr.b[i / 8]) & bit)
			return false;
	}
	return true;
}

/* Filters may overlap (S-83) but pipapo refuses an element whose start or
 * end lies inside another: keep only filters no other filter covers, and
 * queue wider prefixes first. */
static bool filter_redundant(const struct pctl_dp_mapping *m, size_t i)
{
	for (size_t j = 0; j < m->n_filters; j++) {
		if (j == i || !filter_covers(&m->filters[j], &m->filters[i]))
			continue;
		/* Of two identical filters keep the first. */
		if (!filter_covers(&m->filters[i], &m->filters[j]) || j < i)
			return true;
	}
	return false;
}

static int queue_filters(struct writer *w, const struct pctl_dp_mapping *m,
                         bool v4, uint8_t plo, uint8_t phi, uint16_t lo,
                         uint16_t hi)
{
	for (unsigned plen = 0; plen <= 128; plen++) {
		for (size_t i = 0; i < m->n_filters; i++) {
			const struct pctl_filter *f = &m->filters[i];
			if (f->prefix_len != plen || filter_redundant(m, i))
				continue;
			if (dp_addr_v4(&f->addr) != v4 || (v4 && plen < 96))
				return -EINVAL;
			struct elem e;
			memset(&e, 0, sizeof(e));
			e.set = v4 ? DP_FILT4 : DP_FILT6;
			struct keyb k = {e.key, e.key_end, 0};
			kput_addr(&k, &m->int_addr);
			kput_u8(&k, plo, phi);
			kput_port(&k, lo, hi);
			kput_prefix(&k, &f->addr, v4 ? plen - 96 : plen);
			kput_port(&k, f->port ? f->port : 0,
			          f->port ? f->port : 0xffff);
			e.klen = k.len;
			int err = put_elem(w, &e);
			if (err)
				return err;
		}
	}
	return 0;
}

/* PEER (outbound): SNAT of the 5-tuple to the granted port (NAT44 only;
 * a pinhole needs nothing for outbound traffic). */
static int queue_peer(struct writer *w, const struct pctl_dp_mapping *m)
{
	if (!dp_mapping_is_nat(m) || !m->protocol || !m->int_port)
		return 0;
	if (!dp_addr_v4(&m->remote_addr))
		return -EINVAL;
	struct elem e;
	memset(&e, 0, sizeof(e));
	e.set = DP_PEER4;
	struct keyb k = {e.key, e.key_end, 0};
	kput_addr(&k, &m->int_addr);
	kput_u8(&k, m->protocol, m->protocol);
	kput_port(&k, m->int_port, m->int_port);
	kput_addr(&k, &m->remote_addr);
	kput_port(&k, m->remote_port, m->remote_port);
	e.klen = k.len;
	set_data(&e, &m->ext_addr, m->ext_port);
	return put_elem(w, &e);
}

/* One translation + pinhole triple for the mapping's granularity: n_fields
 * 1 = all protocols, 2 = all ports of a protocol, 3 = one port. */
static int queue_endpoint(struct writer *w, const struct pctl_dp_mapping *m,
                          int n_fields, uint16_t iport, uint16_t eport)
{
	bool v4 = dp_addr_v4(&m->int_addr);
	static const enum dp_set dnat[] = {DP_DNAT4A, DP_DNAT4P, DP_DNAT4};
	static const enum dp_set snat[] = {DP_SNAT4A, DP_SNAT4P, DP_SNAT4};
	static const enum dp_set open4[] = {DP_OPEN4A, DP_OPEN4P, DP_OPEN4};
	static const enum dp_set open6[] = {DP_OPEN6A, DP_OPEN6P, DP_OPEN6};
	struct elem e;
	int err = 0;
	if (dp_mapping_is_nat(m)) {
		endpoint_key(&e, dnat[n_fields - 1], &m->ext_addr, m->protocol,
		             eport, n_fields);
		set_data(&e, &m->int_addr, iport);
		err = put_elem(w, &e);
		/* Outbound from the internal endpoint leaves on the mapped
		 * external port: EIM, bidirectional (S-43). */
		endpoint_key(&e, snat[n_fields - 1], &m->int_addr, m->protocol,
		             iport, n_fields);
		set_data(&e, &m->ext_addr, eport);
		if (!err)
			err = put_elem(w, &e);
	}
	/* Unfiltered: anyone may enter (endpoint-independent filtering,
	 * S-43); filtered mappings enter through the filter set only. */
	if (!err && m->n_filters == 0) {
		endpoint_key(&e, (v4 ? open4 : open6)[n_fields - 1],
		             &m->int_addr, m->protocol, iport, n_fields);
		err = put_elem(w, &e);
	}
	return err;
}

static int queue_inbound(struct writer *w, const struct pctl_dp_mapping *m)
{
	bool v4 = dp_addr_v4(&m->int_addr);
	int err = 0;
	if (dp_addr_v4(&m->ext_addr) != v4)
		return -EINVAL;
	if (m->protocol == 0) { /* all protocols (S-32) */
		err = queue_endpoint(w, m, 1, 0, 0);
		if (!err && m->n_filters)
			err = queue_filters(w, m, v4, 0, 0xff, 0, 0xffff);
		return err;
	}
	if (m->int_port == 0) { /* all ports of one protocol */
		err = queue_endpoint(w, m, 2, 0, 0);
		if (!err && m->n_filters)
			err = queue_filters(w, m, v4, m->protocol, m->protocol,
			                    0, 0xffff);
		return err;
	}
	uint32_t count = m->port_count ? m->port_count : 1;
	if (m->int_port + count - 1 > 0xffff ||
	    m->ext_port + count - 1 > 0xffff)
		return -EINVAL;
	/* PORT_SET: one element per port, since the kernel's NAT cannot
	 * shift a port range by an offset taken from a map. */
	for (uint32_t i = 0; !err && i < count; i++)
		err = queue_endpoint(w, m, 3, (uint16_t)(m->int_port + i),
		                     (uint16_t)(m->ext_port + i));
	if (!err && m->n_filters)
		err = queue_filters(w, m, v4, m->protocol, m->protocol,
		                    m->int_port,
		                    (uint16_t)(m->int_port + count - 1));
	return err;
}

/* Queue one message type for every element of m. */
static int queue_all(struct dp_batch *b, const char *table,
                     const struct pctl_dp_mapping *m, uint16_t type,
                     uint64_t timeout_ms)
{
	struct writer w = {
	    .b = b,
	    .table = table,
	    .type = type,
	    .timeout_ms = timeout_ms,
	};
	int err = m->outbound ? queue_peer(&w, m) : queue_inbound(&w, m);
	flush_msg(&w);
	return err;
}

bool dp_elem_same(const struct pctl_dp_mapping *m,
                  const struct pctl_dp_mapping *n)
{
	if (m->protocol != n->protocol || m->outbound != n->outbound ||
	    !dp_addr_eq(&m->int_addr, &n->int_addr) ||
	    !dp_addr_eq(&m->ext_addr, &n->ext_addr) ||
	    m->int_port != n->int_port || m->ext_port != n->ext_port ||
	    m->port_count != n->port_count || m->n_filters != n->n_filters)
		return false;
	if (m->outbound && (!dp_addr_eq(&m->remote_addr, &n->remote_addr) ||
	                    m->remote_port != n->remote_port))
		return false;
	return m->n_filters == 0 ||
	       memcmp(m->filters, n->filters,
	              m->n_filters * sizeof(*m->filters)) == 0;
}

int dp_elem_queue_ms(struct dp_batch *b, const char *table,
                     const struct pctl_dp_mapping *m, enum dp_elem_op op,
                     uint64_t timeout_ms)
{
	int err;
	switch (op) {
	case DP_ELEM_ADD:
		if (timeout_ms == 0)
			return -EINVAL; /* no timeout would mean "forever" */
		return queue_all(b, table, m, NFT_MSG_NEWSETELEM, timeout_ms);
	case DP_ELEM_DESTROY:
		return queue_all(b, table, m, DP_MSG_DESTROYSETELEM, 0);
	case DP_ELEM_DELETE:
		/* An add of an element that is there with the same data is
		 * a no-op (no NLM_F_EXCL); of one that is not (expired), it
		 * puts it back: either way the delete then finds it. */
		err = queue_all(b, table, m, NFT_MSG_NEWSETELEM,
		                DELETE_ADD_TIMEOUT_MS);
		return err ? err
		           : queue_all(b, table, m, NFT_MSG_DELSETELEM, 0);
	case DP_ELEM_DELSETELEM:
		return queue_all(b, table, m, NFT_MSG_DELSETELEM, 0);
	}
	return -EINVAL;
}

int dp_elem_queue(struct dp_batch *b, const char *table,
                  const struct pctl_dp_mapping *m, enum dp_elem_op op)
{
	return dp_elem_queue_ms(b, table, m, op, (uint64_t)m->lifetime * 1000);
}

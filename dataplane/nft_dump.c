/*
 * Reading back the table's inbound elements: see nft_dump.h.
 */
#include "nft_dump.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "dp_addr.h"
#include "nft_layout.h"

static const enum dp_set inbound[] = {
    DP_DNAT4, DP_DNAT4P, DP_DNAT4A, DP_OPEN4, DP_OPEN4P, DP_OPEN4A,
    DP_OPEN6, DP_OPEN6P, DP_OPEN6A, DP_FILT4, DP_FILT6,
};

static void addr_from_raw(pctl_addr *a, const uint8_t *raw, size_t len)
{
	memset(a, 0, sizeof(*a));
	if (len == 4) {
		a->b[10] = a->b[11] = 0xff;
		memcpy(a->b + 12, raw, 4);
	} else {
		memcpy(a->b, raw, 16);
	}
}

/* Decodes an element of set s into a pseudo-mapping.  Keys are laid out
 * as in nft_elem.c: address, protocol, port, each padded to 32 bits. */
static void decode(enum dp_set s, const uint8_t *key, const uint8_t *key_end,
                   const uint8_t *data, struct pctl_dp_mapping *m)
{
	const struct dp_set_def *d = &dp_sets[s];
	size_t alen = dp_field_len(d->key[0]);
	memset(m, 0, sizeof(*m));
	m->port_count = 1;
	addr_from_raw(&m->ext_addr, key, alen);
	m->int_addr = m->ext_addr;
	size_t off = alen;
	if (d->n_key > 1) {
		m->protocol = key[off];
		/* A protocol range (filt, all protocols) is 0..255. */
		if (key_end && key_end[off] != key[off])
			m->protocol = 0;
		off += 4;
	}
	if (d->n_key > 2) {
		uint16_t lo, hi;
		memcpy(&lo, key + off, 2);
		lo = be16toh(lo);
		hi = lo;
		if (key_end) {
			memcpy(&hi, key_end + off, 2);
			hi = be16toh(hi);
		}
		if (lo == 0 && hi == 0xffff) {
			m->ext_port = 0;
		} else {
			m->ext_port = lo;
			m->port_count = (uint16_t)(hi - lo + 1);
		}
	}
	m->int_port = m->ext_port;
	if (data) { /* DNAT: data = int addr [. port] */
		addr_from_raw(&m->int_addr, data, 4);
		if (d->data_len == 8) {
			uint16_t p;
			memcpy(&p, data + 4, 2);
			m->int_port = be16toh(p);
		}
	}
}

struct dump_ctx {
	enum dp_set set;
	struct dp_dumped *out;
	int err;
};

static int elem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;
	struct nftnl_set *s = nftnl_set_alloc();
	if (!s) {
		c->err = -ENOMEM;
		return MNL_CB_ERROR;
	}
	if (nftnl_set_elems_nlmsg_parse(nlh, s) < 0) {
		nftnl_set_free(s);
		return MNL_CB_OK;
	}
	struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(s);
	struct nftnl_set_elem *e;
	while (it && (e = nftnl_set_elems_iter_next(it)) != NULL) {
		uint32_t klen = 0, kelen = 0, dlen = 0;
		const uint8_t *key =
		    nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen);
		const uint8_t *kend = NULL, *val = NULL;
		if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_KEY_END))
			kend = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY_END,
			                          &kelen);
		if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_DATA))
			val = nftnl_set_elem_get(e, NFTNL_SET_ELEM_DATA, &dlen);
		if (!key || klen != dp_set_key_len(c->set) ||
		    (kend && kelen != klen) ||
		    (dp_sets[c->set].data_len &&
		     (!val || dlen != dp_sets[c->set].data_len)))
			continue; /* not ours to understand */
		struct pctl_dp_mapping *m = dp_dumped_push(c->out);
		if (!m) {
			c->err = -ENOMEM;
			break;
		}
		decode(c->set, key, kend, val, m);
		/* The kernel timeout left, rounded up (what adoption gives the
		 * mapping, nft_dump.h). */
		if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_EXPIRATION)) {
			uint64_t ms = nftnl_set_elem_get_u64(
			    e, NFTNL_SET_ELEM_EXPIRATION);
			uint64_t sec = (ms + 999) / 1000;
			m->lifetime = sec > UINT32_MAX - 1 ? UINT32_MAX - 1
			                                   : (uint32_t)sec;
		}
	}
	nftnl_set_elems_iter_destroy(it);
	nftnl_set_free(s);
	return c->err ? MNL_CB_ERROR : MNL_CB_OK;
}

/* Appends the elements of the n sets of table to out. */
static int dump_sets(struct mnl_socket *nl, const char *table,
                     const enum dp_set *sets, size_t n, struct dp_dumped *out)
{
	char buf[1024];
	for (size_t i = 0; i < n; i++) {
		struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(
		    buf, NFT_MSG_GETSETELEM, NFPROTO_INET, NLM_F_DUMP,
		    (uint32_t)time(NULL) + (uint32_t)i);
		struct nftnl_set *s = nftnl_set_alloc();
		if (!s)
			return -ENOMEM;
		nftnl_set_set_str(s, NFTNL_SET_TABLE, table);
		nftnl_set_set_str(s, NFTNL_SET_NAME, dp_sets[sets[i]].name);
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		nftnl_set_free(s);
		struct dump_ctx c = {sets[i], out, 0};
		int r = dp_nl_dump(nl, nlh, elem_cb, &c);
		if (c.err)
			return c.err;
		if (r)
			return r;
	}
	return 0;
}

int dp_dump_inbound(struct mnl_socket *nl, const char *table,
                    struct dp_dumped *out)
{
	return dump_sets(nl, table, inbound,
	                 sizeof(inbound) / sizeof(inbound[0]), out);
}

/* ---- adoptable mappings (nft_dump.h) ---------------------------------------
 * A NAT44 mapping without FILTER is a dnat4 element and an open4 element
 * keyed by its internal endpoint; with FILTER the open4 element is
 * replaced by filt4 elements.  So a dnat4 element is adoptable when its
 * internal endpoint has an open4 element, an open4 element that no dnat4
 * element claims is an IPv4 pinhole, and every open6 element is an IPv6
 * pinhole. */

/* Order of open elements by (address, protocol, port). */
static int open_cmp(const void *a, const void *b)
{
	const struct pctl_dp_mapping *x =
	    *(const struct pctl_dp_mapping *const *)a;
	const struct pctl_dp_mapping *y =
	    *(const struct pctl_dp_mapping *const *)b;
	int c = memcmp(x->int_addr.b, y->int_addr.b, sizeof(x->int_addr.b));
	if (c)
		return c;
	if (x->protocol != y->protocol)
		return x->protocol < y->protocol ? -1 : 1;
	return x->int_port < y->int_port ? -1 : x->int_port > y->int_port;
}

int dp_dump_adoptable(struct mnl_socket *nl, const char *table,
                      int (*cb)(void *arg, const struct pctl_dp_mapping *m),
                      void *arg)
{
	static const enum dp_set nat[] = {DP_DNAT4, DP_DNAT4P, DP_DNAT4A};
	static const enum dp_set open[] = {DP_OPEN4, DP_OPEN4P, DP_OPEN4A,
	                                   DP_OPEN6, DP_OPEN6P, DP_OPEN6A};
	struct dp_dumped dn = {0}, op = {0};
	const struct pctl_dp_mapping **idx = NULL;
	bool *used = NULL;
	int rc = dump_sets(nl, table, nat, 3, &dn);

	if (!rc)
		rc = dump_sets(nl, table, open, 6, &op);
	if (!rc && op.n) {
		idx = malloc(op.n * sizeof(*idx));
		used = calloc(op.n, sizeof(*used));
		if (!idx || !used)
			rc = -ENOMEM;
	}
	for (size_t i = 0; !rc && i < op.n; i++)
		idx[i] = &op.maps[i];
	if (!rc && op.n)
		qsort(idx, op.n, sizeof(*idx), open_cmp);
	for (size_t i = 0; !rc && i < dn.n; i++) {
		const struct pctl_dp_mapping *key = &dn.maps[i];
		const struct pctl_dp_mapping **hit =
		    op.n ? bsearch(&key, idx, op.n, sizeof(*idx), open_cmp)
		         : NULL;
		if (!hit)
			continue; /* FILTERed: adopting it would open it */
		used[hit - idx] = true;
		rc = cb(arg, key);
	}
	for (size_t i = 0; !rc && i < op.n; i++)
		if (!used[i])
			rc = cb(arg, idx[i]);
	free(idx);
	free(used);
	dp_dumped_free(&dn);
	dp_dumped_free(&op);
	return rc;
}

struct pctl_dp_mapping *dp_dumped_push(struct dp_dumped *d)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		void *p = realloc(d->maps, cap * sizeof(*d->maps));
		if (!p)
			return NULL;
		d->maps = p;
		d->cap = cap;
	}
	struct pctl_dp_mapping *m = &d->maps[d->n++];
	memset(m, 0, sizeof(*m));
	return m;
}

void dp_dumped_free(struct dp_dumped *d)
{
	free(d->maps);
	memset(d, 0, sizeof(*d));
}

/* ---- which dumped entries no live mapping covers -------------------------
 * A hash of the live mappings' entry points (address the packet is sent
 * to, protocol, port; 0 = wildcard), so the check is O(dumped + live). */

struct entry {
	pctl_addr addr;
	uint8_t proto;
	const struct pctl_dp_mapping *m;
	struct entry *next;
};

static size_t hash(const pctl_addr *a, uint8_t proto, size_t nb)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (size_t i = 0; i < sizeof(a->b); i++)
		h = (h ^ a->b[i]) * 1099511628211ULL;
	h = (h ^ proto) * 1099511628211ULL;
	return (size_t)(h & (nb - 1));
}

/* Does live mapping m (found by entry point) still cover dumped entry d? */
static bool covers(const struct pctl_dp_mapping *m,
                   const struct pctl_dp_mapping *d)
{
	if (m->outbound || !dp_addr_eq(&m->int_addr, &d->int_addr))
		return false;
	if (m->protocol && m->protocol != d->protocol)
		return false;
	if (!m->protocol || !m->int_port)
		return true;
	uint32_t count = m->port_count ? m->port_count : 1;
	/* Internal port of the dumped entry inside the live range and, for
	 * NAT, reached through the same external port. */
	if (d->int_port < m->int_port || d->int_port >= m->int_port + count)
		return false;
	return dp_addr_eq(&d->ext_addr, &d->int_addr) ||
	       d->ext_port - m->ext_port == d->int_port - m->int_port;
}

size_t dp_dumped_stale(struct dp_dumped *d,
                       const struct pctl_dp_mapping *const *live, size_t n)
{
	size_t nb = 64;
	while (nb < 2 * n)
		nb *= 2;
	struct entry **b = calloc(nb, sizeof(*b));
	struct entry *pool = calloc(2 * n + 1, sizeof(*pool));
	if (!b || !pool) {
		free(b);
		free(pool);
		return 0; /* cannot tell: end nothing */
	}
	/* Each live mapping under its external address (DNAT entries) and,
	 * for NAT, its internal one too (the pinhole entries of NAT44
	 * mappings are keyed by the internal address). */
	size_t used = 0;
	for (size_t i = 0; i < n; i++) {
		for (int side = 0; side < 2; side++) {
			const pctl_addr *a =
			    side ? &live[i]->int_addr : &live[i]->ext_addr;
			if (side && dp_addr_eq(a, &live[i]->ext_addr))
				break;
			struct entry *e = &pool[used++];
			e->addr = *a;
			e->proto = live[i]->protocol;
			e->m = live[i];
			size_t k = hash(&e->addr, e->proto, nb);
			e->next = b[k];
			b[k] = e;
		}
	}
	size_t kept = 0;
	for (size_t i = 0; i < d->n; i++) {
		const struct pctl_dp_mapping *x = &d->maps[i];
		bool live_one = false;
		/* Exact protocol, then the all-protocols bucket. */
		for (int pass = 0; pass < 2 && !live_one; pass++) {
			uint8_t p = pass ? 0 : x->protocol;
			for (struct entry *e = b[hash(&x->ext_addr, p, nb)];
			     e && !live_one; e = e->next)
				live_one = e->proto == p &&
				           dp_addr_eq(&e->addr, &x->ext_addr) &&
				           covers(e->m, x);
		}
		if (!live_one)
			d->maps[kept++] = *x;
	}
	free(b);
	free(pool);
	return kept;
}

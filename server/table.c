/*
 * Mapping table: pooled records and intrusive hash indexes (see table.h).
 */
#include "table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bigarray.h"
#include "subscriber.h"

/* ---- hashing -------------------------------------------------------------
 * Each 64-bit word is folded in with a full avalanche (MurmurHash3's
 * finalizer): every input bit reaches every output bit, so the few bits
 * that differ between neighbouring addresses - the last octets of an IPv4
 * address sit in the high half of a little-endian word - still spread over
 * the low bits a power-of-two mask takes.  A plain multiply only carries
 * bits upwards and made chains of thousands at a million mappings. */

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

static uint64_t mix_addr(uint64_t h, const pctl_addr *a)
{
	uint64_t w[2];

	memcpy(w, a->b, sizeof(w));
	return mix(mix(h, w[0]), w[1]);
}

static uint64_t mix_bytes(uint64_t h, const uint8_t *p, size_t n)
{
	while (n >= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		h = mix(h, w);
		p += 8;
		n -= 8;
	}
	uint64_t tail = n;
	for (size_t i = 0; i < n; i++)
		tail = tail << 8 | p[i];
	return mix(h, tail);
}

static uint64_t hash_int(const pctl_addr *a, uint8_t proto, uint16_t port,
                         const uint8_t *tpid, size_t tpid_len)
{
	uint64_t h = mix_addr(0x1f, a);

	h = mix(h, (uint64_t)proto << 16 | port);
	if (tpid_len)
		h = mix_bytes(h, tpid, tpid_len);
	return h;
}

static uint64_t hash_peer(const pctl_addr *a, uint8_t proto, uint16_t port,
                          const pctl_addr *ra, uint16_t rport)
{
	uint64_t h = mix_addr(0x2e, a);

	h = mix_addr(h, ra);
	return mix(h, (uint64_t)proto << 32 | (uint64_t)port << 16 | rport);
}

static uint64_t hash_ext(const pctl_addr *a, uint8_t proto, uint16_t port)
{
	return mix(mix_addr(0x3d, a), (uint64_t)proto << 16 | port);
}

/* EIM index: the internal endpoint alone (THIRD_PARTY_ID compared on the
 * walk), so that every PEER of the endpoint lands in one chain. */
static uint64_t hash_eim(const pctl_addr *a, uint8_t proto, uint16_t port)
{
	return mix(mix_addr(0x5b, a), (uint64_t)proto << 16 | port);
}

static uint64_t hash_host(const pctl_addr *a)
{
	return mix_addr(0x4c, a);
}

static uint64_t key_hash_of(const struct pctl_mapping *m)
{
	if (m->kind == PCTL_MK_PEER)
		return hash_peer(&m->int_addr, m->protocol, m->int_port,
		                 &m->remote_addr, m->remote_port);
	size_t n;
	const uint8_t *tpid = pctl_mapping_tpid(m, &n);
	return hash_int(&m->int_addr, m->protocol, m->int_port, tpid, n);
}

/* ---- pool ---------------------------------------------------------------- */

static uint32_t round_pow2(uint32_t v)
{
	uint32_t p = 16;

	while (p < v && p < (1u << 30))
		p <<= 1;
	return p;
}

int pctl_table_init(struct pctl_table *t, uint32_t size_hint)
{
	memset(t, 0, sizeof(*t));
	uint32_t nb = round_pow2(size_hint);
	t->bucket_mask = nb - 1;
	t->host_mask = 15;
	bool ok = true;
	for (int ix = 0; ix < PCTL_N_IX; ix++)
		ok = (t->buckets[ix] = pctl_big_alloc(nb, sizeof(uint32_t))) &&
		     ok;
	t->hosts = pctl_big_alloc(t->host_mask + 1, sizeof(struct pctl_host));
	if (!ok || !t->hosts) {
		pctl_table_fini(t);
		return -ENOMEM;
	}
	t->sub_v4 = PCTL_SUBSCRIBER_V4_DEFAULT;
	t->sub_v6 = PCTL_SUBSCRIBER_V6_DEFAULT;
	t->next_fresh = 1; /* index 0 means "none" */
	return 0;
}

void pctl_map_extra_free(struct pctl_map_extra *x)
{
	if (!x)
		return;
	free(x->filters);
	free(x->desc);
	free(x->tpid);
	free(x);
}

void pctl_table_fini(struct pctl_table *t)
{
	/* Records past next_fresh were never used. */
	for (uint32_t i = 1; i < t->next_fresh; i++) {
		struct pctl_mapping *m = pctl_table_at(t, i);
		if (m->flags & PCTL_MF_USED)
			pctl_map_extra_free(m->extra);
	}
	for (uint32_t c = 0; c < t->n_chunks; c++)
		pctl_big_free(t->chunks[c], PCTL_TABLE_CHUNK,
		              sizeof(**t->chunks));
	free(t->chunks);
	for (int ix = 0; ix < PCTL_N_IX; ix++) {
		pctl_big_free(t->buckets[ix], t->bucket_mask + 1ull,
		              sizeof(uint32_t));
		if (t->old_buckets[ix])
			pctl_big_free(t->old_buckets[ix], t->old_mask + 1ull,
			              sizeof(uint32_t));
	}
	pctl_big_free(t->hosts, t->host_mask + 1ull, sizeof(struct pctl_host));
	if (t->old_hosts)
		pctl_big_free(t->old_hosts, t->old_host_mask + 1ull,
		              sizeof(struct pctl_host));
	memset(t, 0, sizeof(*t));
}

struct pctl_mapping *pctl_table_alloc(struct pctl_table *t)
{
	uint32_t idx;
	uint32_t gen;

	if (t->count >= PCTL_TABLE_MAX)
		return NULL;
	if (t->free_head) {
		idx = t->free_head;
		struct pctl_mapping *m = pctl_table_at(t, idx);
		t->free_head = m->key_next;
		gen = m->gen + 1;
	} else {
		idx = t->next_fresh;
		uint32_t c = idx >> PCTL_TABLE_CHUNK_SHIFT;
		if (c >= t->n_chunks) {
			if (c >= t->cap_chunks) {
				uint32_t cap =
				    t->cap_chunks ? t->cap_chunks * 2 : 4;
				struct pctl_mapping **nc =
				    realloc(t->chunks, cap * sizeof(*nc));
				if (!nc)
					return NULL;
				t->chunks = nc;
				t->cap_chunks = cap;
			}
			t->chunks[c] = pctl_big_alloc(PCTL_TABLE_CHUNK,
			                              sizeof(**t->chunks));
			if (!t->chunks[c])
				return NULL;
			t->n_chunks = c + 1;
		}
		t->next_fresh++;
		gen = 1;
	}
	struct pctl_mapping *m = pctl_table_at(t, idx);
	memset(m, 0, sizeof(*m));
	m->idx = idx;
	m->gen = gen;
	m->flags = PCTL_MF_USED;
	t->count++;
	return m;
}

void pctl_table_release(struct pctl_table *t, struct pctl_mapping *m)
{
	uint32_t gen = m->gen;
	uint32_t idx = m->idx;

	pctl_map_extra_free(m->extra);
	memset(m, 0, sizeof(*m));
	m->gen = gen;
	m->idx = idx;
	m->key_next = t->free_head;
	t->free_head = idx;
	t->count--;
}

struct pctl_mapping *pctl_table_by_id(const struct pctl_table *t, uint64_t id)
{
	uint32_t idx = (uint32_t)id;

	if (idx == 0 || idx >= t->next_fresh)
		return NULL;
	struct pctl_mapping *m = pctl_table_at(t, idx);
	if (!(m->flags & PCTL_MF_USED) || m->gen != (uint32_t)(id >> 32))
		return NULL;
	return m;
}

struct pctl_mapping *pctl_table_next(const struct pctl_table *t, uint32_t *idx)
{
	for (uint32_t i = *idx + 1; i < t->next_fresh; i++) {
		struct pctl_mapping *m = pctl_table_at(t, i);
		if (m->flags & PCTL_MF_USED) {
			*idx = i;
			return m;
		}
	}
	*idx = t->next_fresh;
	return NULL;
}

/* ---- hash indexes -------------------------------------------------------- */

bool pctl_table_resizing(const struct pctl_table *t)
{
	return t->old_buckets[0] || t->old_hosts;
}

/* The head of the chain of hash h in index ix: in the old array while its
 * old bucket has not been moved yet, else in the new one (table.h). */
static uint32_t *head_of(const struct pctl_table *t, int ix, uint64_t h)
{
	uint32_t v = (uint32_t)h;

	if (t->old_buckets[ix] && (v & t->old_mask) >= t->rehash_next)
		return &t->old_buckets[ix][v & t->old_mask];
	return &t->buckets[ix][v & t->bucket_mask];
}

static uint64_t ext_hash_of(const struct pctl_mapping *m)
{
	return hash_ext(&m->ext_addr, m->protocol, m->ext_port);
}

static uint64_t eim_hash_of(const struct pctl_mapping *m)
{
	return hash_eim(&m->int_addr, m->protocol, m->int_port);
}

/* Singly linked chains: key (key_next) and ext (ext_next). */
static uint32_t *next_of(struct pctl_mapping *m, int ix)
{
	return ix == PCTL_IX_KEY ? &m->key_next : &m->ext_next;
}

static void chain_push(struct pctl_table *t, int ix, uint32_t *head,
                       struct pctl_mapping *m)
{
	if (ix == PCTL_IX_EIM) {
		/* PEER records only, doubly linked: O(1) removal. */
		m->eim_prev = 0;
		m->eim_next = *head;
		if (*head)
			pctl_table_at(t, *head)->eim_prev = m->idx;
	} else {
		*next_of(m, ix) = *head;
	}
	*head = m->idx;
}

static void eim_unlink(struct pctl_table *t, struct pctl_mapping *m)
{
	if (m->eim_prev)
		pctl_table_at(t, m->eim_prev)->eim_next = m->eim_next;
	else
		*head_of(t, PCTL_IX_EIM, eim_hash_of(m)) = m->eim_next;
	if (m->eim_next)
		pctl_table_at(t, m->eim_next)->eim_prev = m->eim_prev;
	m->eim_prev = m->eim_next = 0;
}

static uint64_t hash_in(const struct pctl_mapping *m, int ix)
{
	return ix == PCTL_IX_KEY   ? key_hash_of(m)
	       : ix == PCTL_IX_EXT ? ext_hash_of(m)
	                           : eim_hash_of(m);
}

/* Moves old bucket b of every index into the new arrays. */
static void move_bucket(struct pctl_table *t, uint32_t b)
{
	for (int ix = 0; ix < PCTL_N_IX; ix++) {
		uint32_t i = t->old_buckets[ix][b];
		t->old_buckets[ix][b] = 0;
		while (i) {
			struct pctl_mapping *m = pctl_table_at(t, i);
			i = ix == PCTL_IX_EIM ? m->eim_next : *next_of(m, ix);
			uint32_t nb = (uint32_t)hash_in(m, ix) & t->bucket_mask;
			chain_push(t, ix, &t->buckets[ix][nb], m);
		}
	}
}

/* Moves up to n old buckets (all when n is UINT32_MAX); frees the old
 * arrays once the last one moved. */
static void rehash_step(struct pctl_table *t, uint32_t n)
{
	if (!t->old_buckets[0])
		return;
	uint64_t old_n = t->old_mask + 1ull;
	while (n-- && t->rehash_next < old_n) {
		move_bucket(t, t->rehash_next++);
		for (int ix = 0; ix < PCTL_N_IX; ix++)
			pctl_big_release_below(t->old_buckets[ix], old_n,
			                       sizeof(uint32_t),
			                       t->rehash_next);
	}
	if (t->rehash_next < old_n)
		return;
	for (int ix = 0; ix < PCTL_N_IX; ix++) {
		pctl_big_free(t->old_buckets[ix], old_n, sizeof(uint32_t));
		t->old_buckets[ix] = NULL;
	}
}

/* Starts doubling the indexes once the load passes 1 (a resize still
 * under way is finished first; with PCTL_TABLE_REHASH_STEP >= 1 moves per
 * link it never is).  A failed allocation just keeps the longer chains. */
static void maybe_grow(struct pctl_table *t)
{
	if (t->count <= t->bucket_mask + 1 || t->bucket_mask >= (1u << 30))
		return;
	rehash_step(t, UINT32_MAX);
	uint32_t nb = (t->bucket_mask + 1) * 2;
	uint32_t *fresh[PCTL_N_IX];
	bool ok = true;
	for (int ix = 0; ix < PCTL_N_IX; ix++)
		ok = (fresh[ix] = pctl_big_alloc(nb, sizeof(uint32_t))) && ok;
	if (!ok) {
		for (int ix = 0; ix < PCTL_N_IX; ix++)
			pctl_big_free(fresh[ix], nb, sizeof(uint32_t));
		return;
	}
	for (int ix = 0; ix < PCTL_N_IX; ix++) {
		t->old_buckets[ix] = t->buckets[ix];
		t->buckets[ix] = fresh[ix];
	}
	t->old_mask = t->bucket_mask;
	t->bucket_mask = nb - 1;
	t->rehash_next = 0;
}

static void chain_remove(struct pctl_table *t, int ix, struct pctl_mapping *m)
{
	uint32_t *link = head_of(t, ix, hash_in(m, ix));

	while (*link) {
		struct pctl_mapping *c = pctl_table_at(t, *link);
		if (c == m) {
			*link = *next_of(c, ix);
			*next_of(m, ix) = 0;
			return;
		}
		link = next_of(c, ix);
	}
}

/* ---- hosts: open addressing, linear probing, backward-shift delete ---- */

/* The entry of a in one host array, or the empty slot where it would go. */
static struct pctl_host *probe(struct pctl_host *v, uint32_t mask,
                               const pctl_addr *a)
{
	uint32_t i = (uint32_t)hash_host(a) & mask;

	for (;;) {
		struct pctl_host *h = &v[i];
		if (!h->ports || pctl_addr_equal(&h->addr, a))
			return h;
		i = (i + 1) & mask;
	}
}

/* Empties slot h of an array: later members of its probe run move back
 * into the hole unless their home lies cyclically in (hole, j], so every
 * remaining entry stays reachable from its home slot. */
static void slot_delete(struct pctl_host *v, uint32_t mask, struct pctl_host *h)
{
	uint32_t i = (uint32_t)(h - v);
	uint32_t j = i;

	h->count = h->ports = 0;
	for (;;) {
		j = (j + 1) & mask;
		struct pctl_host *hj = &v[j];
		if (!hj->ports)
			break;
		uint32_t home = (uint32_t)hash_host(&hj->addr) & mask;
		bool in_range =
		    i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!in_range) {
			v[i] = *hj;
			hj->count = hj->ports = 0;
			i = j;
		}
	}
}

/* The live entry of key a in either array; else the empty slot of the new
 * array where it would go (reads as count 0, ports 0). */
static struct pctl_host *host_slot(const struct pctl_table *t,
                                   const pctl_addr *a)
{
	struct pctl_host *h = probe(t->hosts, t->host_mask, a);

	if (!h->ports && t->old_hosts) {
		struct pctl_host *o = probe(t->old_hosts, t->old_host_mask, a);
		if (o->ports)
			return o;
	}
	return h;
}

/* Moves up to n slots of the old host array into the new one (all when n
 * is UINT32_MAX); frees the old array when it is empty.  Slots below
 * host_rehash_next stay empty: moving deletes with backward shift, which
 * only fills the slot being moved (then moved again) or later ones. */
static void host_rehash_step(struct pctl_table *t, uint32_t n)
{
	if (!t->old_hosts)
		return;
	uint64_t old_n = t->old_host_mask + 1ull;
	while (n-- && t->host_rehash_next < old_n) {
		struct pctl_host *o = &t->old_hosts[t->host_rehash_next];
		if (!o->ports) {
			t->host_rehash_next++;
			pctl_big_release_below(t->old_hosts, old_n, sizeof(*o),
			                       t->host_rehash_next);
			continue;
		}
		struct pctl_host moved = *o;
		slot_delete(t->old_hosts, t->old_host_mask, o);
		*probe(t->hosts, t->host_mask, &moved.addr) = moved;
	}
	if (t->host_rehash_next < old_n)
		return;
	pctl_big_free(t->old_hosts, old_n, sizeof(struct pctl_host));
	t->old_hosts = NULL;
}

/* Both resizes move a bounded amount before each mutating call. */
static void resize_steps(struct pctl_table *t)
{
	rehash_step(t, PCTL_TABLE_REHASH_STEP);
	host_rehash_step(t, PCTL_TABLE_HOST_STEP);
}

/* S-41: the subscriber an internal address belongs to (subscriber.h): by
 * default an IPv4 host or the /64 of an IPv6 one (a host may hold many
 * addresses of its prefix, e.g. privacy addresses, and must not multiply
 * its quota with them).  The mapping's own int_addr still says who owns
 * it; only counting and the host list use the key. */
static pctl_addr subscriber(const struct pctl_table *t, const pctl_addr *a)
{
	return pctl_subscriber_key(a, t->sub_v4, t->sub_v6);
}

static struct pctl_host *subscriber_slot(const struct pctl_table *t,
                                         const pctl_addr *a)
{
	pctl_addr k = subscriber(t, a);

	return host_slot(t, &k);
}

/* Starts doubling the host array (finishing a resize still under way:
 * with PCTL_TABLE_HOST_STEP >= 2 per insertion it never is). */
static int host_grow(struct pctl_table *t)
{
	host_rehash_step(t, UINT32_MAX);
	uint32_t n = (t->host_mask + 1) * 2;
	struct pctl_host *nh = pctl_big_alloc(n, sizeof(*nh));

	if (!nh)
		return -ENOMEM;
	t->old_hosts = t->hosts;
	t->old_host_mask = t->host_mask;
	t->host_rehash_next = 0;
	t->hosts = nh;
	t->host_mask = n - 1;
	return 0;
}

static void host_delete(struct pctl_table *t, struct pctl_host *h)
{
	bool in_new = h >= t->hosts && h <= t->hosts + t->host_mask;

	if (in_new)
		slot_delete(t->hosts, t->host_mask, h);
	else
		slot_delete(t->old_hosts, t->old_host_mask, h);
	t->n_hosts--;
}

uint32_t pctl_table_host_count(const struct pctl_table *t,
                               const pctl_addr *addr)
{
	return subscriber_slot(t, addr)->count;
}

uint32_t pctl_table_host_first(const struct pctl_table *t,
                               const pctl_addr *addr)
{
	const struct pctl_host *h = subscriber_slot(t, addr);

	return h->count ? h->head : 0;
}

uint32_t pctl_table_host_ports(const struct pctl_table *t,
                               const pctl_addr *addr)
{
	return subscriber_slot(t, addr)->ports;
}

/* The host entry of a subscriber, made when it has none.  NULL when the
 * host table had to grow and could not. */
static struct pctl_host *host_get(struct pctl_table *t, const pctl_addr *a)
{
	struct pctl_host *h = subscriber_slot(t, a);

	if (!h->ports) {
		/* Keep the load under 1/2 so probes stay short (entries of
		 * the old array counted: they all come over). */
		if ((t->n_hosts + 1) * 2 > t->host_mask + 1) {
			if (host_grow(t))
				return NULL;
			h = subscriber_slot(t, a);
		}
		h->addr = subscriber(t, a);
		h->head = 0;
		h->count = 0;
		t->n_hosts++;
	}
	return h;
}

static uint32_t ports_of(const struct pctl_mapping *m)
{
	return m->port_count ? m->port_count : 1;
}

int pctl_table_host_cooling(struct pctl_table *t, const pctl_addr *addr,
                            int32_t n)
{
	struct pctl_host *h;

	resize_steps(t);
	if (n > 0) {
		h = host_get(t, addr);
		if (!h)
			return -ENOMEM;
		h->ports += (uint32_t)n;
		return 0;
	}
	h = subscriber_slot(t, addr);
	if (!h->ports)
		return 0; /* nothing held */
	uint32_t d = (uint32_t) - (int64_t)n;
	/* Its mappings' ports stay: only cooling ones go. */
	h->ports = h->ports > d ? h->ports - d : 0;
	if (!h->ports)
		host_delete(t, h);
	return 0;
}

/* Counts m and its ports for its subscriber and puts it on the
 * subscriber's list; 0, or -ENOMEM when the host index had to grow and
 * could not. */
static int host_attach(struct pctl_table *t, struct pctl_mapping *m)
{
	struct pctl_host *h = host_get(t, &m->int_addr);

	if (!h)
		return -ENOMEM;
	h->count++;
	h->ports += ports_of(m);
	m->host_prev = 0;
	m->host_next = h->head;
	if (h->head)
		pctl_table_at(t, h->head)->host_prev = m->idx;
	h->head = m->idx;
	return 0;
}

struct pctl_host *pctl_table_rekey_prepare(const struct pctl_table *t,
                                           uint32_t *n)
{
	uint32_t size = t->host_mask + 1;

	/* At most one subscriber per mapping: room for all of them at a
	 * load of 1/2, so that attaching them cannot need to grow. */
	while (size < 2 * ((uint64_t)t->count + 1) && size < (1u << 31))
		size <<= 1;
	*n = size;
	return pctl_big_alloc(size, sizeof(struct pctl_host));
}

void pctl_table_rekey_discard(struct pctl_host *hosts, uint32_t n)
{
	pctl_big_free(hosts, n, sizeof(struct pctl_host));
}

void pctl_table_rekey(struct pctl_table *t, struct pctl_host *hosts, uint32_t n,
                      uint8_t v4_prefix, uint8_t v6_prefix)
{
	uint32_t idx = 0;
	struct pctl_mapping *m;

	pctl_big_free(t->hosts, t->host_mask + 1ull, sizeof(struct pctl_host));
	if (t->old_hosts)
		pctl_big_free(t->old_hosts, t->old_host_mask + 1ull,
		              sizeof(struct pctl_host));
	t->old_hosts = NULL;
	t->hosts = hosts;
	t->host_mask = n - 1;
	t->n_hosts = 0;
	t->sub_v4 = v4_prefix;
	t->sub_v6 = v6_prefix;
	while ((m = pctl_table_next(t, &idx)) != NULL)
		if (m->flags & PCTL_MF_LINKED)
			(void)host_attach(t, m); /* sized: cannot grow */
}

int pctl_table_link(struct pctl_table *t, struct pctl_mapping *m)
{
	resize_steps(t);
	if (host_attach(t, m))
		return -ENOMEM;
	m->flags |= PCTL_MF_LINKED;
	for (int ix = 0; ix < PCTL_N_IX; ix++)
		if (ix != PCTL_IX_EIM || m->kind == PCTL_MK_PEER)
			chain_push(t, ix, head_of(t, ix, hash_in(m, ix)), m);
	maybe_grow(t);
	return 0;
}

void pctl_table_unlink(struct pctl_table *t, struct pctl_mapping *m)
{
	resize_steps(t);
	chain_remove(t, PCTL_IX_KEY, m);
	chain_remove(t, PCTL_IX_EXT, m);
	if (m->kind == PCTL_MK_PEER)
		eim_unlink(t, m);

	struct pctl_host *h = subscriber_slot(t, &m->int_addr);
	if (m->host_prev)
		pctl_table_at(t, m->host_prev)->host_next = m->host_next;
	else
		h->head = m->host_next;
	if (m->host_next)
		pctl_table_at(t, m->host_next)->host_prev = m->host_prev;
	m->host_prev = m->host_next = 0;
	m->flags &= (uint8_t)~PCTL_MF_LINKED;
	h->count--;
	h->ports -= ports_of(m);
	if (!h->ports)
		host_delete(t, h);
}

struct pctl_mapping *pctl_table_find_int(const struct pctl_table *t,
                                         const pctl_addr *addr, uint8_t proto,
                                         uint16_t port, const uint8_t *tpid,
                                         size_t tpid_len)
{
	for (uint32_t i = *head_of(t, PCTL_IX_KEY,
	                           hash_int(addr, proto, port, tpid, tpid_len));
	     i;) {
		struct pctl_mapping *m = pctl_table_at(t, i);
		size_t n;
		const uint8_t *mt = pctl_mapping_tpid(m, &n);
		if (m->kind != PCTL_MK_PEER && m->protocol == proto &&
		    m->int_port == port &&
		    pctl_addr_equal(&m->int_addr, addr) && n == tpid_len &&
		    (n == 0 || memcmp(mt, tpid, n) == 0))
			return m;
		i = m->key_next;
	}
	return NULL;
}

struct pctl_mapping *pctl_table_find_eim(const struct pctl_table *t,
                                         const pctl_addr *addr, uint8_t proto,
                                         uint16_t port, const uint8_t *tpid,
                                         size_t tpid_len)
{
	for (uint32_t i = *head_of(t, PCTL_IX_EIM, hash_eim(addr, proto, port));
	     i;) {
		struct pctl_mapping *m = pctl_table_at(t, i);
		size_t n;
		const uint8_t *mt = pctl_mapping_tpid(m, &n);
		if (m->protocol == proto && m->int_port == port &&
		    pctl_addr_equal(&m->int_addr, addr) && n == tpid_len &&
		    (n == 0 || memcmp(mt, tpid, n) == 0))
			return m;
		i = m->eim_next;
	}
	return NULL;
}

struct pctl_mapping *pctl_table_find_peer(const struct pctl_table *t,
                                          const pctl_addr *addr, uint8_t proto,
                                          uint16_t port, const pctl_addr *raddr,
                                          uint16_t rport)
{
	for (uint32_t i = *head_of(t, PCTL_IX_KEY,
	                           hash_peer(addr, proto, port, raddr, rport));
	     i;) {
		struct pctl_mapping *m = pctl_table_at(t, i);
		if (m->kind == PCTL_MK_PEER && m->protocol == proto &&
		    m->int_port == port && m->remote_port == rport &&
		    pctl_addr_equal(&m->int_addr, addr) &&
		    pctl_addr_equal(&m->remote_addr, raddr))
			return m;
		i = m->key_next;
	}
	return NULL;
}

struct pctl_mapping *pctl_table_find_ext(const struct pctl_table *t,
                                         const pctl_addr *addr, uint8_t proto,
                                         uint16_t port)
{
	for (uint32_t i = *head_of(t, PCTL_IX_EXT, hash_ext(addr, proto, port));
	     i;) {
		struct pctl_mapping *m = pctl_table_at(t, i);
		if (m->protocol == proto && m->ext_port == port &&
		    pctl_addr_equal(&m->ext_addr, addr))
			return m;
		i = m->ext_next;
	}
	return NULL;
}

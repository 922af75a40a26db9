/*
 * Table, sets, chains and rules of the nftables backend: see nft_layout.h.
 */
#include "nft_layout.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter_ipv4.h>
#include <net/if.h>

#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

/* nftables datatype numbers, so that `nft list` shows the keys readably. */
#define DT_IPADDR       7
#define DT_IP6ADDR      8
#define DT_INET_PROTO   12
#define DT_INET_SERVICE 13
#define DT_BITS         6

#define D4 DP_F_DADDR4
#define S4 DP_F_SADDR4
#define D6 DP_F_DADDR6
#define S6 DP_F_SADDR6
#define PR DP_F_PROTO
#define DP DP_F_DPORT
#define SP DP_F_SPORT

/* Inbound keys read the (pre-DNAT or, in forward, post-DNAT) destination;
 * outbound keys read the source. */
const struct dp_set_def dp_sets[DP_N_SETS] = {
    [DP_DNAT4] = {"dnat4", {D4, PR, DP}, 3, 8, false},
    [DP_DNAT4P] = {"dnat4p", {D4, PR}, 2, 4, false},
    [DP_DNAT4A] = {"dnat4a", {D4}, 1, 4, false},
    [DP_SNAT4] = {"snat4", {S4, PR, SP}, 3, 8, false},
    [DP_SNAT4P] = {"snat4p", {S4, PR}, 2, 4, false},
    [DP_SNAT4A] = {"snat4a", {S4}, 1, 4, false},
    [DP_PEER4] = {"peer4", {S4, PR, SP, D4, DP}, 5, 8, false},
    [DP_OPEN4] = {"open4", {D4, PR, DP}, 3, 0, false},
    [DP_OPEN4P] = {"open4p", {D4, PR}, 2, 0, false},
    [DP_OPEN4A] = {"open4a", {D4}, 1, 0, false},
    [DP_OPEN6] = {"open6", {D6, PR, DP}, 3, 0, false},
    [DP_OPEN6P] = {"open6p", {D6, PR}, 2, 0, false},
    [DP_OPEN6A] = {"open6a", {D6}, 1, 0, false},
    [DP_FILT4] = {"filt4", {D4, PR, DP, S4, SP}, 5, 0, true},
    [DP_FILT6] = {"filt6", {D6, PR, DP, S6, SP}, 5, 0, true},
};

const char *const dp_chains[DP_N_CHAINS] = {"pre", "admit", "fwd", "post"};

size_t dp_field_len(enum dp_field f)
{
	switch (f) {
	case DP_F_DADDR4:
	case DP_F_SADDR4:
		return 4;
	case DP_F_DADDR6:
	case DP_F_SADDR6:
		return 16;
	case DP_F_PROTO:
		return 1;
	case DP_F_DPORT:
	case DP_F_SPORT:
		return 2;
	}
	return 0;
}

static size_t padded(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

size_t dp_set_key_len(enum dp_set s)
{
	size_t len = 0;
	for (size_t i = 0; i < dp_sets[s].n_key; i++)
		len += padded(dp_field_len(dp_sets[s].key[i]));
	return len;
}

static uint32_t field_type(enum dp_field f)
{
	switch (f) {
	case DP_F_DADDR4:
	case DP_F_SADDR4:
		return DT_IPADDR;
	case DP_F_DADDR6:
	case DP_F_SADDR6:
		return DT_IP6ADDR;
	case DP_F_PROTO:
		return DT_INET_PROTO;
	default:
		return DT_INET_SERVICE;
	}
}

/* ---- messages ------------------------------------------------------------ */

#define MSG_ROOM 4096

static int put_table(struct dp_batch *b, const char *name, uint16_t type,
                     uint16_t flags)
{
	struct nftnl_table *t = nftnl_table_alloc();
	if (!t)
		return -ENOMEM;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	struct nlmsghdr *nlh =
	    dp_batch_msg(b, type, NFPROTO_INET, flags, MSG_ROOM);
	if (!nlh) {
		nftnl_table_free(t);
		return -ENOMEM;
	}
	nftnl_table_nlmsg_build_payload(nlh, t);
	dp_batch_add(b, nlh);
	nftnl_table_free(t);
	return 0;
}

static int put_set(struct dp_batch *b, const char *table, enum dp_set id)
{
	const struct dp_set_def *d = &dp_sets[id];
	struct nftnl_set *s = nftnl_set_alloc();
	if (!s)
		return -ENOMEM;
	uint32_t flags = NFT_SET_TIMEOUT;
	uint32_t ktype = 0;
	uint8_t flen[DP_MAX_FIELDS + 1] = {0};
	for (size_t i = 0; i < d->n_key; i++) {
		ktype = ktype << DT_BITS | field_type(d->key[i]);
		flen[i] = (uint8_t)dp_field_len(d->key[i]);
	}
	if (d->interval)
		flags |= NFT_SET_INTERVAL | NFT_SET_CONCAT;
	if (d->data_len)
		flags |= NFT_SET_MAP;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, d->name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(s, NFTNL_SET_ID, (uint32_t)id + 1);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, flags);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, ktype);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, (uint32_t)dp_set_key_len(id));
	if (d->interval)
		nftnl_set_set_data(s, NFTNL_SET_DESC_CONCAT, flen,
		                   (uint32_t)d->n_key);
	if (d->data_len) {
		uint32_t dtype = DT_IPADDR;
		if (d->data_len == 8)
			dtype = DT_IPADDR << DT_BITS | DT_INET_SERVICE;
		nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, dtype);
		nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, (uint32_t)d->data_len);
	}
	struct nlmsghdr *nlh = dp_batch_msg(b, NFT_MSG_NEWSET, NFPROTO_INET,
	                                    NLM_F_CREATE, MSG_ROOM);
	if (!nlh) {
		nftnl_set_free(s);
		return -ENOMEM;
	}
	nftnl_set_nlmsg_build_payload(nlh, s);
	dp_batch_add(b, nlh);
	nftnl_set_free(s);
	return 0;
}

static int put_chain(struct dp_batch *b, const char *table, const char *name,
                     const char *type, uint32_t hook, int32_t prio)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	if (!c)
		return -ENOMEM;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, type);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	struct nlmsghdr *nlh = dp_batch_msg(b, NFT_MSG_NEWCHAIN, NFPROTO_INET,
	                                    NLM_F_CREATE, MSG_ROOM);
	if (!nlh) {
		nftnl_chain_free(c);
		return -ENOMEM;
	}
	nftnl_chain_nlmsg_build_payload(nlh, c);
	dp_batch_add(b, nlh);
	nftnl_chain_free(c);

	/* Replace whatever rules an earlier run left (adoption). */
	struct nftnl_rule *r = nftnl_rule_alloc();
	if (!r)
		return -ENOMEM;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, name);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nlh = dp_batch_msg(b, NFT_MSG_DELRULE, NFPROTO_INET, 0, MSG_ROOM);
	if (!nlh) {
		nftnl_rule_free(r);
		return -ENOMEM;
	}
	nftnl_rule_nlmsg_build_payload(nlh, r);
	dp_batch_add(b, nlh);
	nftnl_rule_free(r);
	return 0;
}

/* ---- rule expressions ---------------------------------------------------- */

/* A rule under construction; err latches the first allocation failure so
 * that the builders can be chained without checks at every step. */
struct rb {
	struct nftnl_rule *r;
	int err;
};

static struct nftnl_expr *ex(struct rb *rb, const char *name)
{
	if (rb->err)
		return NULL;
	struct nftnl_expr *e = nftnl_expr_alloc(name);
	if (!e)
		rb->err = -ENOMEM;
	return e;
}

static void push(struct rb *rb, struct nftnl_expr *e)
{
	if (e)
		nftnl_rule_add_expr(rb->r, e);
}

static void e_meta(struct rb *rb, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = ex(rb, "meta");
	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
	push(rb, e);
}

static void e_meta_set(struct rb *rb, uint32_t key, uint32_t sreg)
{
	struct nftnl_expr *e = ex(rb, "meta");
	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, sreg);
	push(rb, e);
}

static void e_ct(struct rb *rb, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = ex(rb, "ct");
	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, dreg);
	push(rb, e);
}

static void e_payload(struct rb *rb, uint32_t base, uint32_t off, uint32_t len,
                      uint32_t dreg)
{
	struct nftnl_expr *e = ex(rb, "payload");
	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
	push(rb, e);
}

static void e_cmp(struct rb *rb, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = ex(rb, "cmp");
	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	push(rb, e);
}

/* reg1 = (reg1 & mask) ^ xor, on len octets. */
static void e_bitwise_n(struct rb *rb, const void *mask, const void * xor,
                        uint32_t len)
{
	struct nftnl_expr *e = ex(rb, "bitwise");
	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, xor, len);
	push(rb, e);
}

static void e_bitwise(struct rb *rb, uint32_t mask, uint32_t xor)
{
	e_bitwise_n(rb, &mask, &xor, sizeof(mask));
}

static void e_verdict(struct rb *rb, int verdict)
{
	struct nftnl_expr *e = ex(rb, "immediate");
	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
	push(rb, e);
}

static void e_lookup(struct rb *rb, enum dp_set s, bool with_data)
{
	struct nftnl_expr *e = ex(rb, "lookup");
	if (!e)
		return;
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, dp_sets[s].name);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG32_00);
	if (with_data)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG32_00);
	push(rb, e);
}

/* DNAT/SNAT to the address in reg32_00 and, with_port, the port in
 * reg32_01 (the layout of a map's "ipv4_addr . inet_service" data). */
static void e_nat(struct rb *rb, uint32_t type, bool with_port)
{
	struct nftnl_expr *e = ex(rb, "nat");
	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, type);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, NFPROTO_IPV4);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG32_00);
	if (with_port)
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN,
		                   NFT_REG32_01);
	push(rb, e);
}

/* "ct label set <DP_CT_LABEL_BIT>", through NFT_REG_4, which no key
 * reaches (the longest key, filt6, ends in REG32_10). */
#define LABEL_WORDS (16 / sizeof(unsigned long))

/* The kernel's label bitmap (unsigned longs, native order) with only our
 * bit set. */
static void label_bits(unsigned long bits[LABEL_WORDS])
{
	const unsigned w = 8 * sizeof(unsigned long);
	memset(bits, 0, 16);
	bits[DP_CT_LABEL_BIT / w] |= 1UL << (DP_CT_LABEL_BIT % w);
}

static void e_label(struct rb *rb)
{
	unsigned long bits[LABEL_WORDS];
	label_bits(bits);
	struct nftnl_expr *e = ex(rb, "immediate");
	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_4);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, bits, sizeof(bits));
	push(rb, e);
	e = ex(rb, "ct");
	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_LABELS);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_SREG, NFT_REG_4);
	push(rb, e);
}

static void e_nfproto(struct rb *rb, uint8_t proto)
{
	e_meta(rb, NFT_META_NFPROTO, NFT_REG_1);
	e_cmp(rb, NFT_CMP_EQ, &proto, sizeof(proto));
}

static void e_ifname(struct rb *rb, uint32_t key, uint32_t op,
                     const char *ifname)
{
	char name[IFNAMSIZ] = {0};
	strncpy(name, ifname, sizeof(name) - 1);
	e_meta(rb, key, NFT_REG_1);
	e_cmp(rb, op, name, sizeof(name));
}

/* Load the packet fields of a set's key into consecutive 32-bit registers,
 * the layout the kernel expects for a concatenation. */
static void e_key(struct rb *rb, enum dp_set s)
{
	uint32_t reg = NFT_REG32_00;
	const struct dp_set_def *d = &dp_sets[s];
	for (size_t i = 0; i < d->n_key; i++) {
		enum dp_field f = d->key[i];
		uint32_t nh = NFT_PAYLOAD_NETWORK_HEADER;
		uint32_t th = NFT_PAYLOAD_TRANSPORT_HEADER;
		switch (f) {
		case DP_F_DADDR4:
			e_payload(rb, nh, 16, 4, reg);
			break;
		case DP_F_SADDR4:
			e_payload(rb, nh, 12, 4, reg);
			break;
		case DP_F_DADDR6:
			e_payload(rb, nh, 24, 16, reg);
			break;
		case DP_F_SADDR6:
			e_payload(rb, nh, 8, 16, reg);
			break;
		case DP_F_PROTO:
			e_meta(rb, NFT_META_L4PROTO, reg);
			break;
		case DP_F_DPORT:
			e_payload(rb, th, 2, 2, reg);
			break;
		case DP_F_SPORT:
			e_payload(rb, th, 0, 2, reg);
			break;
		}
		reg += (uint32_t)(padded(dp_field_len(f)) / 4);
	}
}

static int rule_begin(struct rb *rb, const char *table, const char *chain)
{
	rb->err = 0;
	rb->r = nftnl_rule_alloc();
	if (!rb->r)
		return -ENOMEM;
	nftnl_rule_set_str(rb->r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(rb->r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(rb->r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	return 0;
}

static int rule_end(struct dp_batch *b, struct rb *rb)
{
	int err = rb->err;
	if (!err) {
		struct nlmsghdr *nlh =
		    dp_batch_msg(b, NFT_MSG_NEWRULE, NFPROTO_INET,
		                 NLM_F_CREATE | NLM_F_APPEND, MSG_ROOM);
		if (nlh) {
			nftnl_rule_nlmsg_build_payload(nlh, rb->r);
			dp_batch_add(b, nlh);
		} else {
			err = -ENOMEM;
		}
	}
	nftnl_rule_free(rb->r);
	rb->r = NULL;
	return err;
}

/* "nfproto X  <key> @set  <action>"; ACT_LABEL only labels the flow and
 * returns (the admit chain). */
enum action { ACT_ACCEPT, ACT_DNAT, ACT_SNAT, ACT_LABEL };

static int lookup_rule(struct dp_batch *b, const struct dp_layout_cfg *cfg,
                       const char *chain, enum dp_set s, uint8_t nfproto,
                       enum action act)
{
	struct rb rb;
	if (rule_begin(&rb, cfg->table, chain))
		return -ENOMEM;
	e_nfproto(&rb, nfproto);
	e_key(&rb, s);
	e_lookup(&rb, s, act == ACT_DNAT || act == ACT_SNAT);
	if (act != ACT_SNAT) /* inbound: remember the flow is ours */
		e_label(&rb);
	if (act == ACT_ACCEPT)
		e_verdict(&rb, NF_ACCEPT);
	else if (act == ACT_LABEL)
		e_verdict(&rb, NFT_RETURN);
	else
		e_nat(&rb, act == ACT_DNAT ? NFT_NAT_DNAT : NFT_NAT_SNAT,
		      dp_sets[s].data_len == 8);
	return rule_end(b, &rb);
}

/* "iifname/oifname != ext return" */
static int not_ext_return(struct dp_batch *b, const struct dp_layout_cfg *cfg,
                          const char *chain, uint32_t key)
{
	struct rb rb;
	if (rule_begin(&rb, cfg->table, chain))
		return -ENOMEM;
	e_ifname(&rb, key, NFT_CMP_NEQ, cfg->ext_ifname);
	e_verdict(&rb, NFT_RETURN);
	return rule_end(b, &rb);
}

static int pre_rules(struct dp_batch *b, const struct dp_layout_cfg *cfg)
{
	struct rb rb;
	int err = 0;
	if (cfg->ext_ifname && !cfg->hairpin) {
		err = not_ext_return(b, cfg, "pre", NFT_META_IIFNAME);
	} else if (cfg->ext_ifname) {
		/* iifname != ext  meta mark set mark | HAIRPIN */
		if (rule_begin(&rb, cfg->table, "pre"))
			return -ENOMEM;
		e_ifname(&rb, NFT_META_IIFNAME, NFT_CMP_NEQ, cfg->ext_ifname);
		e_meta(&rb, NFT_META_MARK, NFT_REG_1);
		e_bitwise(&rb, ~DP_HAIRPIN_MARK, DP_HAIRPIN_MARK);
		e_meta_set(&rb, NFT_META_MARK, NFT_REG_1);
		err = rule_end(b, &rb);
	}
	static const enum dp_set dnat[] = {DP_DNAT4, DP_DNAT4P, DP_DNAT4A};
	for (size_t i = 0; !err && i < 3; i++)
		err =
		    lookup_rule(b, cfg, "pre", dnat[i], NFPROTO_IPV4, ACT_DNAT);
	return err;
}

/* "ct state established,related accept" and similar bit tests. */
static void e_bits_set(struct rb *rb, uint32_t bits)
{
	uint32_t zero = 0;
	e_bitwise(rb, bits, 0);
	e_cmp(rb, NFT_CMP_NEQ, &zero, sizeof(zero));
}

static int post_rules(struct dp_batch *b, const struct dp_layout_cfg *cfg)
{
	struct rb rb;
	int err = 0;
	if (cfg->ext_ifname && cfg->hairpin) {
		/* A new connection from inside that the pre chain DNATed:
		 * masquerade it so that the answer comes back through us. */
		if (rule_begin(&rb, cfg->table, "post"))
			return -ENOMEM;
		e_meta(&rb, NFT_META_MARK, NFT_REG_1);
		e_bits_set(&rb, DP_HAIRPIN_MARK);
		e_ct(&rb, NFT_CT_STATUS, NFT_REG_1);
		e_bits_set(&rb, IPS_DST_NAT);
		e_meta(&rb, NFT_META_MARK, NFT_REG_1);
		e_bitwise(&rb, ~DP_HAIRPIN_MARK, 0);
		e_meta_set(&rb, NFT_META_MARK, NFT_REG_1);
		push(&rb, ex(&rb, "masq"));
		err = rule_end(b, &rb);
		if (err)
			return err;
		/* Everything else: give the mark bit back. */
		if (rule_begin(&rb, cfg->table, "post"))
			return -ENOMEM;
		e_meta(&rb, NFT_META_MARK, NFT_REG_1);
		e_bitwise(&rb, ~DP_HAIRPIN_MARK, 0);
		e_meta_set(&rb, NFT_META_MARK, NFT_REG_1);
		err = rule_end(b, &rb);
	}
	if (!err && cfg->ext_ifname)
		err = not_ext_return(b, cfg, "post", NFT_META_OIFNAME);
	/* PEER first: a 5-tuple mapping is more specific than a MAP. */
	static const enum dp_set snat[] = {DP_PEER4, DP_SNAT4, DP_SNAT4P,
	                                   DP_SNAT4A};
	for (size_t i = 0; !err && i < 4; i++)
		err = lookup_rule(b, cfg, "post", snat[i], NFPROTO_IPV4,
		                  ACT_SNAT);
	return err;
}

static const enum dp_set pinholes4[] = {DP_OPEN4, DP_OPEN4P, DP_OPEN4A,
                                        DP_FILT4};
static const enum dp_set pinholes6[] = {DP_OPEN6, DP_OPEN6P, DP_OPEN6A,
                                        DP_FILT6};

/* "ct state established,related <verdict>" */
static int established_rule(struct dp_batch *b, const struct dp_layout_cfg *cfg,
                            const char *chain, int verdict)
{
	struct rb rb;
	if (rule_begin(&rb, cfg->table, chain))
		return -ENOMEM;
	e_ct(&rb, NFT_CT_STATE, NFT_REG_1);
	e_bits_set(&rb, NF_CT_STATE_BIT(IP_CT_ESTABLISHED) |
	                    NF_CT_STATE_BIT(IP_CT_RELATED));
	e_verdict(&rb, verdict);
	return rule_end(b, &rb);
}

/* The admit chain labels the new inbound flows a pinhole or filter admits,
 * in prerouting: every forward chain of every table runs after it, whatever
 * its priority, so the operator's one line "ct label 127 accept" sees the
 * label wherever it stands.  DNATed flows are skipped: ours were labelled
 * by the pre chain's DNAT, an operator's own DNAT is the operator's. */
static int admit_rules(struct dp_batch *b, const struct dp_layout_cfg *cfg)
{
	struct rb rb;
	int err = 0;
	if (cfg->ext_ifname)
		err = not_ext_return(b, cfg, "admit", NFT_META_IIFNAME);
	if (!err)
		err = established_rule(b, cfg, "admit", NFT_RETURN);
	if (err)
		return err;
	if (rule_begin(&rb, cfg->table, "admit"))
		return -ENOMEM;
	e_ct(&rb, NFT_CT_STATUS, NFT_REG_1);
	e_bits_set(&rb, IPS_DST_NAT);
	e_verdict(&rb, NFT_RETURN);
	err = rule_end(b, &rb);
	for (size_t i = 0; !err && i < 4; i++)
		err = lookup_rule(b, cfg, "admit", pinholes4[i], NFPROTO_IPV4,
		                  ACT_LABEL);
	for (size_t i = 0; !err && i < 4; i++)
		err = lookup_rule(b, cfg, "admit", pinholes6[i], NFPROTO_IPV6,
		                  ACT_LABEL);
	return err;
}

static int fwd_rules(struct dp_batch *b, const struct dp_layout_cfg *cfg)
{
	struct rb rb;
	/* Flows already admitted, and ICMP errors about them (S-44). */
	int err = established_rule(b, cfg, "fwd", NF_ACCEPT);
	if (err)
		return err;
	if (cfg->ext_ifname) {
		err = not_ext_return(b, cfg, "fwd", NFT_META_IIFNAME);
	} else {
		/* Without an external interface inbound traffic cannot be
		 * told apart: no default deny, pinholes are moot. */
		if (rule_begin(&rb, cfg->table, "fwd"))
			return -ENOMEM;
		e_verdict(&rb, NFT_RETURN);
		err = rule_end(b, &rb);
	}
	/* A flow an operator's own DNAT (at dstnat, before ours) forwards is
	 * theirs to allow: only flows without our label are left alone. */
	if (!err && cfg->ext_ifname) {
		unsigned long bits[LABEL_WORDS], zero[LABEL_WORDS] = {0};
		label_bits(bits);
		if (rule_begin(&rb, cfg->table, "fwd"))
			return -ENOMEM;
		e_ct(&rb, NFT_CT_STATUS, NFT_REG_1);
		e_bits_set(&rb, IPS_DST_NAT);
		e_ct(&rb, NFT_CT_LABELS, NFT_REG_1);
		e_bitwise_n(&rb, bits, zero, sizeof(bits));
		e_cmp(&rb, NFT_CMP_EQ, zero, sizeof(zero));
		e_verdict(&rb, NFT_RETURN);
		err = rule_end(b, &rb);
	}
	/* Families strictly apart: each lookup is behind an nfproto test. */
	for (size_t i = 0; !err && i < 4; i++)
		err = lookup_rule(b, cfg, "fwd", pinholes4[i], NFPROTO_IPV4,
		                  ACT_ACCEPT);
	for (size_t i = 0; !err && i < 4; i++)
		err = lookup_rule(b, cfg, "fwd", pinholes6[i], NFPROTO_IPV6,
		                  ACT_ACCEPT);
	if (err)
		return err;
	/* Unsolicited inbound traffic no mapping admits (S-80: including
	 * remotes a FILTER leaves out). */
	if (rule_begin(&rb, cfg->table, "fwd"))
		return -ENOMEM;
	e_verdict(&rb, NF_DROP);
	return rule_end(b, &rb);
}

int dp_layout_build(struct dp_batch *b, const struct dp_layout_cfg *cfg)
{
	int err = put_table(b, cfg->table, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	for (int s = 0; !err && s < DP_N_SETS; s++)
		err = put_set(b, cfg->table, (enum dp_set)s);
	if (!err)
		err = put_chain(b, cfg->table, "pre", "nat",
		                NF_INET_PRE_ROUTING, NF_IP_PRI_NAT_DST + 1);
	if (!err)
		err = put_chain(b, cfg->table, "admit", "filter",
		                NF_INET_PRE_ROUTING, DP_ADMIT_PRIO);
	if (!err)
		err = put_chain(b, cfg->table, "fwd", "filter", NF_INET_FORWARD,
		                NF_IP_PRI_FILTER);
	if (!err)
		err = put_chain(b, cfg->table, "post", "nat",
		                NF_INET_POST_ROUTING, NF_IP_PRI_NAT_SRC - 1);
	if (!err)
		err = pre_rules(b, cfg);
	if (!err)
		err = admit_rules(b, cfg);
	if (!err)
		err = fwd_rules(b, cfg);
	if (!err)
		err = post_rules(b, cfg);
	return err;
}

int dp_layout_delete(struct dp_batch *b, const char *table)
{
	return put_table(b, table, NFT_MSG_DELTABLE, 0);
}

int dp_layout_flush_sets(struct dp_batch *b, const char *table)
{
	for (int i = 0; i < DP_N_SETS; i++) {
		struct nlmsghdr *nlh = dp_batch_msg(b, NFT_MSG_DELSETELEM,
		                                    NFPROTO_INET, 0, MSG_ROOM);
		if (!nlh)
			return -ENOMEM;
		/* A DELSETELEM without elements flushes the set. */
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, table);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, dp_sets[i].name);
		dp_batch_add(b, nlh);
	}
	return 0;
}

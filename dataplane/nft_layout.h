/*
 * The layout of the backend's own nftables table: which sets and maps it
 * holds, how their keys are built from packet fields, and the chains and
 * rules that consult them.  nft_elem.c encodes mappings into elements of
 * exactly these sets; docs/nftables.md describes the result for operators.
 *
 * Hooks and priorities (all in one table of family inet):
 *
 *   chain pre   nat    prerouting  dstnat + 1 (-99)
 *       Inbound DNAT of MAP mappings (NAT44), labelling the flow.  One
 *       above dstnat so that an operator's own static port forwards at
 *       dstnat are consulted first: conntrack binds the first NAT that
 *       applies, so static ones win.
 *   chain admit filter prerouting  dstnat + 10 (-90)
 *       Labels the new inbound flows a pinhole or filter admits (IPv6,
 *       IPv4 without NAT).  Prerouting runs before every forward chain of
 *       every table, whatever its priority: an operator's forward chain
 *       with "policy drop" lets our flows through with one line,
 *       "ct label 127 accept" (docs/nftables.md, FIREWALL INTEGRATION in
 *       portctld(8)), without depending on the order of base chains.
 *   chain fwd   filter forward     filter (0)
 *       Accepts established/related traffic (ICMP errors of a mapped flow
 *       included, S-44), then for packets entering on the external
 *       interface: leaves flows an operator's own DNAT forwarded (no
 *       label of ours) to the operator's policy, accepts those a pinhole
 *       or filter admits and drops the rest.  A drop here is final; an
 *       accept here does not override a drop in another table.
 *   chain post  nat    postrouting srcnat - 1 (99)
 *       Outbound SNAT to the mapped external port (S-43, PEER).  One
 *       below srcnat so that it binds before an operator's masquerade.
 *
 * Every set carries per-element timeouts (the mapping lifetime), so the
 * kernel expires mappings itself, and every lookup is a hash or pipapo
 * lookup: O(1) in the number of mappings.
 */
#ifndef PORTCTL_DATAPLANE_NFT_LAYOUT_H
#define PORTCTL_DATAPLANE_NFT_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nl_batch.h"

/* Packet fields a key is built from (rule side) and their element width. */
enum dp_field {
	DP_F_DADDR4,
	DP_F_SADDR4,
	DP_F_DADDR6,
	DP_F_SADDR6,
	DP_F_PROTO,
	DP_F_DPORT,
	DP_F_SPORT,
};

/* The sets and maps of the table.  Suffixes: 4/6 = family; p = all ports
 * of one protocol; a = all protocols. */
enum dp_set {
	DP_DNAT4,  /* ext4 . proto . port  : int4 . port */
	DP_DNAT4P, /* ext4 . proto         : int4 */
	DP_DNAT4A, /* ext4                 : int4 */
	DP_SNAT4,  /* int4 . proto . port  : ext4 . port */
	DP_SNAT4P, /* int4 . proto         : ext4 */
	DP_SNAT4A, /* int4                 : ext4 */
	DP_PEER4,  /* int4 . proto . port . remote4 . rport : ext4 . port */
	DP_OPEN4,  /* int4 . proto . port   (pinhole, no FILTER) */
	DP_OPEN4P, /* int4 . proto */
	DP_OPEN4A, /* int4 */
	DP_OPEN6,
	DP_OPEN6P,
	DP_OPEN6A,
	DP_FILT4, /* int4 . proto . port . remote4 . rport, all intervals */
	DP_FILT6,
	DP_N_SETS
};

#define DP_MAX_FIELDS 5

struct dp_set_def {
	const char *name;
	enum dp_field key[DP_MAX_FIELDS];
	size_t n_key;
	size_t data_len; /* 0 = plain set; 4 = address; 8 = address . port */
	bool interval;   /* concatenated ranges (pipapo) */
};

extern const struct dp_set_def dp_sets[DP_N_SETS];

/* Octets one field takes in a key, before padding to 4. */
size_t dp_field_len(enum dp_field f);
/* Key length: every field padded to a 32-bit register. */
size_t dp_set_key_len(enum dp_set s);

/* Packet mark bit the pre chain sets on new connections from inside when
 * hairpinning is on, so that the post chain can masquerade hairpinned
 * flows (postrouting cannot see the input interface); cleared again in
 * post.  Documented in docs/nftables.md. */
#define DP_HAIRPIN_MARK 0x00800000u

/* Conntrack label bit set on every flow a mapping let in (DNAT in pre,
 * pinhole/filter in admit and fwd).  An operator's firewall accepts our
 * flows by this bit ("ct label 127 accept").  At restart, reconcile ends
 * the labelled flows no live mapping covers, including those of mappings
 * the kernel expired while portctld was away.  Documented in
 * docs/nftables.md. */
#define DP_CT_LABEL_BIT 127

/* Priority of the admit chain (prerouting): after every DNAT (dstnat,
 * -100), so that it sees the translated destination. */
#define DP_ADMIT_PRIO (-90)

struct dp_layout_cfg {
	const char *table;
	const char *ext_ifname; /* NULL: no default-deny on inbound */
	bool hairpin;
};

/* Queue messages that create the table, its sets and chains, and (re)write
 * the rules.  On an existing table the sets and their elements are kept
 * (adoption at restart) and the chains' rules replaced.  0 or -errno. */
int dp_layout_build(struct dp_batch *b, const struct dp_layout_cfg *cfg);
/* The chains of the table, each with at least one rule. */
#define DP_N_CHAINS 4
extern const char *const dp_chains[DP_N_CHAINS];

/* Whether table holds every chain (with rules) and every set of the
 * layout (elements are not counted): 1 yes, 0 no, or -errno when it
 * cannot be read (nft_present.c). */
int dp_layout_present(struct mnl_socket *nl, const char *table);

/* Queue the deletion of the whole table. */
int dp_layout_delete(struct dp_batch *b, const char *table);
/* Queue a flush of every set (all elements). */
int dp_layout_flush_sets(struct dp_batch *b, const char *table);

#endif

/*
 * `portctld -n` with the nftables backend: would the running ruleset drop
 * what portctld admits?  It can tell in the common case: a forward base
 * chain of another table (inet, ip or ip6) with policy drop, in a table
 * where no rule reads conntrack labels, so nothing there accepts our
 * "ct label 127" (FIREWALL INTEGRATION in portctld(8)).  Rules that drop
 * without a policy (a final reject) are not judged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "../server/backend.h"
#include "nl_batch.h"

#define MAX_SEEN 64

struct tref {
	uint32_t family;
	char table[64], chain[64];
};

struct scan {
	struct tref drop[MAX_SEEN]; /* forward chains with policy drop */
	size_t n_drop;
	struct tref labels[MAX_SEEN]; /* tables with a rule reading labels */
	size_t n_labels;
	const char *ours;
};

static void put(struct tref *t, uint32_t fam, const char *table,
                const char *chain)
{
	t->family = fam;
	snprintf(t->table, sizeof(t->table), "%s", table ? table : "");
	snprintf(t->chain, sizeof(t->chain), "%s", chain ? chain : "");
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct scan *s = data;
	struct nftnl_chain *c = nftnl_chain_alloc();
	if (!c || nftnl_chain_nlmsg_parse(nlh, c) < 0) {
		nftnl_chain_free(c);
		return MNL_CB_OK;
	}
	uint32_t fam = nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY);
	const char *table = nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE);
	bool ours = fam == NFPROTO_INET && table && !strcmp(table, s->ours);
	if (!ours && s->n_drop < MAX_SEEN &&
	    (fam == NFPROTO_INET || fam == NFPROTO_IPV4 ||
	     fam == NFPROTO_IPV6) &&
	    nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM) &&
	    nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM) == NF_INET_FORWARD &&
	    nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY) &&
	    nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY) == NF_DROP)
		put(&s->drop[s->n_drop++], fam, table,
		    nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
	nftnl_chain_free(c);
	return MNL_CB_OK;
}

static int reads_labels(struct nftnl_expr *e, void *data)
{
	bool *found = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	if (name && !strcmp(name, "ct") &&
	    nftnl_expr_is_set(e, NFTNL_EXPR_CT_DREG) &&
	    nftnl_expr_get_u32(e, NFTNL_EXPR_CT_KEY) == NFT_CT_LABELS)
		*found = true;
	return 0;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct scan *s = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	bool found = false;
	if (r && nftnl_rule_nlmsg_parse(nlh, r) == 0)
		nftnl_expr_foreach(r, reads_labels, &found);
	if (found && s->n_labels < MAX_SEEN)
		put(&s->labels[s->n_labels++],
		    nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY),
		    nftnl_rule_get_str(r, NFTNL_RULE_TABLE), NULL);
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

static int dump(struct mnl_socket *nl, uint16_t type, mnl_cb_t cb,
                struct scan *s)
{
	char buf[8192];
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(
	    buf, type, NFPROTO_UNSPEC, NLM_F_DUMP, (uint32_t)time(NULL));
	return dp_nl_dump(nl, nlh, cb, s);
}

static const char *family_name(uint32_t f)
{
	return f == NFPROTO_INET ? "inet" : f == NFPROTO_IPV4 ? "ip" : "ip6";
}

int pctl_backend_nftables_check_firewall(const char *table,
                                         void (*warn)(void *, const char *),
                                         void *arg)
{
	struct scan *s = calloc(1, sizeof(*s));
	struct mnl_socket *nl = dp_nl_open();
	int err = !s || !nl ? -errno : 0;
	if (!err) {
		s->ours = table && *table ? table : "portctl";
		err = dump(nl, NFT_MSG_GETCHAIN, chain_cb, s);
	}
	if (!err)
		err = dump(nl, NFT_MSG_GETRULE, rule_cb, s);
	for (size_t i = 0; !err && i < s->n_drop; i++) {
		const struct tref *d = &s->drop[i];
		bool ok = false;
		for (size_t j = 0; j < s->n_labels; j++)
			ok |= s->labels[j].family == d->family &&
			      !strcmp(s->labels[j].table, d->table);
		if (ok)
			continue;
		char msg[512];
		snprintf(msg, sizeof(msg),
		         "chain %s %s %s drops forwarded traffic by default "
		         "and no rule of its table reads conntrack labels: "
		         "mappings would pass no traffic; add \"ct label 127 "
		         "accept\" (FIREWALL INTEGRATION in portctld(8))",
		         family_name(d->family), d->table, d->chain);
		warn(arg, msg);
	}
	if (nl)
		mnl_socket_close(nl);
	free(s);
	return err;
}

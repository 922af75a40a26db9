/*
 * Whether the backend's table is all there (see dp_layout_present in
 * nft_layout.h): used when change notifications were lost, so that a burst
 * of our own changes that overran the monitor's buffer does not cost a
 * full re-install, while a table that really lost a part still gets one.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "nft_layout.h"

struct seen {
	const char *table;
	size_t rules[DP_N_CHAINS];
	bool sets[DP_N_SETS];
};

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct seen *s = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	if (r && nftnl_rule_nlmsg_parse(nlh, r) == 0) {
		const char *t = nftnl_rule_get_str(r, NFTNL_RULE_TABLE);
		const char *c = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
		for (size_t i = 0;
		     t && c && !strcmp(t, s->table) && i < DP_N_CHAINS; i++)
			s->rules[i] += !strcmp(c, dp_chains[i]);
	}
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

static int set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct seen *s = data;
	struct nftnl_set *set = nftnl_set_alloc();
	if (set && nftnl_set_nlmsg_parse(nlh, set) == 0) {
		const char *t = nftnl_set_get_str(set, NFTNL_SET_TABLE);
		const char *n = nftnl_set_get_str(set, NFTNL_SET_NAME);
		for (size_t i = 0;
		     t && n && !strcmp(t, s->table) && i < DP_N_SETS; i++)
			s->sets[i] |= !strcmp(n, dp_sets[i].name);
	}
	nftnl_set_free(set);
	return MNL_CB_OK;
}

int dp_layout_present(struct mnl_socket *nl, const char *table)
{
	char buf[1024];
	struct seen s = {.table = table};
	struct nlmsghdr *nlh =
	    nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_INET,
	                          NLM_F_DUMP, (uint32_t)time(NULL));
	int err = dp_nl_dump(nl, nlh, rule_cb, &s);
	if (!err) {
		nlh =
		    nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSET, NFPROTO_INET,
		                          NLM_F_DUMP, (uint32_t)time(NULL) + 1);
		err = dp_nl_dump(nl, nlh, set_cb, &s);
	}
	if (err)
		return err;
	for (size_t i = 0; i < DP_N_CHAINS; i++)
		if (!s.rules[i])
			return 0;
	for (size_t i = 0; i < DP_N_SETS; i++)
		if (!s.sets[i])
			return 0;
	return 1;
}

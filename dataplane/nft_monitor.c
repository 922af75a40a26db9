/*
 * nf_tables change notifications: see nft_monitor.h.
 */
#include "nft_monitor.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/filter.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

/* A flush of a big table announces every element: a large buffer keeps the
 * burst, and an overrun (ENOBUFS) is still handled as a loss. */
#define MON_RCVBUF (4 * 1024 * 1024)

struct dp_monitor {
	struct mnl_socket *nl;
	char *table;
};

/* Our own commits announce every element they add or remove: a socket
 * filter drops the datagrams whose first message carries our port id (a
 * transaction's notifications all carry its sender's), so that they are
 * neither queued nor read.  A classic BPF word load is in network order. */
static int drop_own(int fd, uint32_t own)
{
	struct sock_filter code[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	             offsetof(struct nlmsghdr, nlmsg_pid)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohl(own), 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, 0),
	    BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),
	};
	struct sock_fprog prog = {sizeof(code) / sizeof(code[0]), code};
	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	                  sizeof(prog));
}

struct dp_monitor *dp_monitor_open(const char *table, uint32_t own_portid)
{
	struct dp_monitor *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->table = strdup(table);
	m->nl =
	    mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!m->table || !m->nl ||
	    mnl_socket_bind(m->nl, 1u << (NFNLGRP_NFTABLES - 1),
	                    MNL_SOCKET_AUTOPID) < 0) {
		int e = errno ? errno : ENOMEM;
		dp_monitor_close(m);
		errno = e;
		return NULL;
	}
	int fd = mnl_socket_get_fd(m->nl), sz = MON_RCVBUF;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	/* Best effort: without the filter our own messages are read and
	 * ignored by port id. */
	(void)drop_own(fd, own_portid);
	return m;
}

void dp_monitor_close(struct dp_monitor *m)
{
	if (!m)
		return;
	if (m->nl)
		mnl_socket_close(m->nl);
	free(m->table);
	free(m);
}

int dp_monitor_fd(const struct dp_monitor *m)
{
	return mnl_socket_get_fd(m->nl);
}

/* The kind of deletion a message announces, or NULL for any other.  The
 * kernel announces DESTROY* commands as DEL* too. */
static const char *deletion(uint16_t type)
{
	switch (type) {
	case NFT_MSG_DELTABLE:
		return "table";
	case NFT_MSG_DELCHAIN:
		return "chain";
	case NFT_MSG_DELRULE:
		return "rules";
	case NFT_MSG_DELSET:
		return "set";
	case NFT_MSG_DELSETELEM:
		return "elements";
	default:
		return NULL;
	}
}

/* Attribute 1 of tables, chains, rules, sets and element lists is the
 * name of the table (NFTA_TABLE_NAME, NFTA_CHAIN_TABLE, NFTA_RULE_TABLE,
 * NFTA_SET_TABLE, NFTA_SET_ELEM_LIST_TABLE). */
static bool in_table(const struct nlmsghdr *nlh, const char *table)
{
	const struct nlattr *a;
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
	{
		if (mnl_attr_get_type(a) != 1)
			continue;
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			return false;
		return strcmp(mnl_attr_get_str(a), table) == 0;
	}
	return false;
}

/* NEWGEN closes every transaction and names the process that made it. */
static void who(const struct nlmsghdr *nlh, struct dp_monitor_seen *seen)
{
	const struct nlattr *a;
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
	{
		if (mnl_attr_get_type(a) == NFTA_GEN_PROC_PID &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			seen->pid = ntohl(mnl_attr_get_u32(a));
		else if (mnl_attr_get_type(a) == NFTA_GEN_PROC_NAME &&
		         mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0) {
			strncpy(seen->comm, mnl_attr_get_str(a),
			        sizeof(seen->comm) - 1);
			seen->comm[sizeof(seen->comm) - 1] = '\0';
		}
	}
}

static void one(const struct dp_monitor *m, const struct nlmsghdr *nlh,
                uint32_t own, struct dp_monitor_seen *seen, bool *foreign)
{
	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(struct nfgenmsg))
		return;
	uint16_t type = NFNL_MSG_TYPE(nlh->nlmsg_type);
	/* Port id 0: the kernel itself (expiry); own: our own commits. */
	bool theirs = nlh->nlmsg_pid != 0 && nlh->nlmsg_pid != own;
	if (type == NFT_MSG_NEWGEN) {
		if (*foreign && theirs && seen->lost)
			who(nlh, seen);
		*foreign = false;
		return;
	}
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	const char *what = deletion(type);
	if (!what || !theirs || g->nfgen_family != NFPROTO_INET ||
	    !in_table(nlh, m->table))
		return;
	*foreign = true;
	if (!seen->lost || strcmp(what, "table") == 0)
		seen->what = what;
	seen->lost = true;
}

int dp_monitor_drain(struct dp_monitor *m, uint32_t own_portid,
                     struct dp_monitor_seen *seen)
{
	static __thread char rx[65536];
	bool foreign = false;
	memset(seen, 0, sizeof(*seen));
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(m->nl, rx, sizeof(rx));
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				seen->overrun = true;
				continue;
			}
			return -errno;
		}
		int len = (int)n;
		for (const struct nlmsghdr *nlh = (const struct nlmsghdr *)rx;
		     mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
			one(m, nlh, own_portid, seen, &foreign);
	}
}

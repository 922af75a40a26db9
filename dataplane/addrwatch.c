/*
 * Address watcher: see addrwatch.h.  Rather than patching a cached list
 * from each event, any event for the interface triggers a fresh dump: the
 * dump is the truth, and an overrun loses nothing.
 */
#include "addrwatch.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

/* Addresses remembered to detect a change: a router's own addresses, all
 * interfaces together, may be many (a CGN's pool). */
#define AW_MAX 1024
#define AW_BUF 32768 /* one read of rtnetlink messages */

struct pctl_addrwatch {
	struct mnl_socket *events; /* RTMGRP_*_IFADDR subscriptions */
	struct mnl_socket *query;  /* dumps */
	unsigned ifindex;          /* 0: every interface */
	uint32_t seq;
	pctl_addr last[AW_MAX];
	size_t n_last;
};

struct dump_ctx {
	unsigned ifindex;
	pctl_addr *addrs;
	size_t max, n;
};

static int addr_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);
	if (type == IFA_ADDRESS || type == IFA_LOCAL || type == IFA_FLAGS)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	bool all = d->ifindex == 0;
	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    (!all && ifa->ifa_index != d->ifindex))
		return MNL_CB_OK;
	const struct nlattr *tb[IFA_MAX + 1] = {0};
	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, tb);
	uint32_t flags = ifa->ifa_flags;
	if (tb[IFA_FLAGS])
		flags = mnl_attr_get_u32(tb[IFA_FLAGS]);
	/* Every interface: the router's own addresses, whatever their state
	 * or scope (one still tentative is ours all the same). */
	if (!all && (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)))
		return MNL_CB_OK;
	/* IFA_LOCAL is the interface's own address on point-to-point
	 * links, where IFA_ADDRESS is the peer's. */
	const struct nlattr *a =
	    tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || d->n >= d->max)
		return MNL_CB_OK;
	pctl_addr *out = &d->addrs[d->n];
	memset(out, 0, sizeof(*out));
	if (ifa->ifa_family == AF_INET && mnl_attr_get_payload_len(a) == 4) {
		out->b[10] = out->b[11] = 0xff;
		memcpy(out->b + 12, mnl_attr_get_payload(a), 4);
	} else if (ifa->ifa_family == AF_INET6 &&
	           mnl_attr_get_payload_len(a) == 16 &&
	           (all || ifa->ifa_scope == RT_SCOPE_UNIVERSE)) {
		memcpy(out->b, mnl_attr_get_payload(a), 16);
	} else {
		return MNL_CB_OK;
	}
	d->n++;
	return MNL_CB_OK;
}

int pctl_addrwatch_list(struct pctl_addrwatch *w, pctl_addr *addrs, size_t max,
                        size_t *n)
{
	char buf[AW_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++w->seq;
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	if (mnl_socket_sendto(w->query, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	struct dump_ctx d = {w->ifindex, addrs, max, 0};
	uint32_t portid = mnl_socket_get_portid(w->query);
	for (;;) {
		ssize_t r = mnl_socket_recvfrom(w->query, buf, sizeof(buf));
		if (r < 0)
			return -errno;
		int cb =
		    mnl_cb_run(buf, (size_t)r, w->seq, portid, dump_cb, &d);
		if (cb < 0)
			return -errno;
		if (cb == MNL_CB_STOP)
			break;
	}
	*n = d.n;
	return 0;
}

int pctl_addrwatch_open(const char *ifname, struct pctl_addrwatch **out)
{
	unsigned idx = ifname ? if_nametoindex(ifname) : 0;
	if (ifname && !idx)
		return -ENODEV;
	struct pctl_addrwatch *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->ifindex = idx;
	w->seq = (uint32_t)time(NULL);
	int err = 0;
	w->events =
	    mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	w->query = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!w->events || !w->query ||
	    mnl_socket_bind(w->events, RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
	                    MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_bind(w->query, 0, MNL_SOCKET_AUTOPID) < 0)
		err = -errno;
	/* Subscribe first, then read: a change between the two is seen. */
	if (!err)
		err = pctl_addrwatch_list(w, w->last, AW_MAX, &w->n_last);
	if (err) {
		pctl_addrwatch_close(w);
		return err;
	}
	*out = w;
	return 0;
}

int pctl_addrwatch_fd(const struct pctl_addrwatch *w)
{
	return mnl_socket_get_fd(w->events);
}

struct event_ctx {
	unsigned ifindex;
	bool hit;
};

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct event_ctx *e = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	if ((nlh->nlmsg_type == RTM_NEWADDR ||
	     nlh->nlmsg_type == RTM_DELADDR) &&
	    (!e->ifindex || ifa->ifa_index == e->ifindex))
		e->hit = true;
	return MNL_CB_OK;
}

int pctl_addrwatch_process(struct pctl_addrwatch *w, pctl_addr *addrs,
                           size_t max, size_t *n)
{
	char buf[AW_BUF];
	struct event_ctx ev = {w->ifindex, false};
	for (;;) {
		ssize_t r = mnl_socket_recvfrom(w->events, buf, sizeof(buf));
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == ENOBUFS) { /* overrun: re-read all */
				ev.hit = true;
				continue;
			}
			return -errno;
		}
		(void)mnl_cb_run(buf, (size_t)r, 0, 0, event_cb, &ev);
	}
	if (!ev.hit)
		return 0;
	pctl_addr now[AW_MAX];
	size_t n_now;
	int err = pctl_addrwatch_list(w, now, AW_MAX, &n_now);
	if (err)
		return err;
	if (n_now == w->n_last &&
	    memcmp(now, w->last, n_now * sizeof(now[0])) == 0)
		return 0;
	memcpy(w->last, now, n_now * sizeof(now[0]));
	w->n_last = n_now;
	*n = n_now < max ? n_now : max;
	memcpy(addrs, now, *n * sizeof(now[0]));
	return 1;
}

void pctl_addrwatch_close(struct pctl_addrwatch *w)
{
	if (!w)
		return;
	if (w->events)
		mnl_socket_close(w->events);
	if (w->query)
		mnl_socket_close(w->query);
	free(w);
}

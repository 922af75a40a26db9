/*
 * Network changes: an rtnetlink socket subscribed to address and route
 * notifications.  A new or removed address, or a changed default route,
 * may mean another network, another gateway or another source address, so
 * the client re-discovers and re-creates its mappings (C-5, section 8.1).
 */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

int pctl_nw_open(void)
{
	struct sockaddr_nl sa;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	                NETLINK_ROUTE);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR |
	               RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Routes other than the main table's default ones (neighbour, cache,
 * local routes that come and go with addresses anyway) are noise. */
static bool matters(const struct nlmsghdr *nh)
{
	const struct rtmsg *rt;

	switch (nh->nlmsg_type) {
	case RTM_NEWADDR:
	case RTM_DELADDR:
		return true;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*rt)))
			return false;
		rt = NLMSG_DATA(nh);
		return rt->rtm_dst_len == 0 && rt->rtm_table == RT_TABLE_MAIN;
	default:
		return false;
	}
}

bool pctl_nw_input(int fd)
{
	uint8_t buf[8192];
	bool any = false;

	for (int k = 0; k < 64; k++) { /* bounded per call */
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0) {
			/* ENOBUFS: notifications were lost; assume the
			 * worst. */
			if (errno == ENOBUFS)
				any = true;
			break;
		}
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf;
		     NLMSG_OK(nh, (size_t)len); nh = NLMSG_NEXT(nh, len))
			if (matters(nh))
				any = true;
	}
	return any;
}

/*
 * Default routers (C-1) read from the kernel with one rtnetlink
 * RTM_GETROUTE dump per family: routes of the main table with a zero-length
 * destination and a gateway attribute.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

static int dump_family(int family, struct pctl_gw *out, size_t max, size_t n)
{
	struct {
		struct nlmsghdr nh;
		struct rtmsg rt;
	} req;
	uint8_t buf[16384];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct timeval tv = {.tv_sec = 1};

	if (fd < 0)
		return (int)n;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = RTM_GETROUTE;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = 1;
	req.rt.rtm_family = (unsigned char)family;
	if (send(fd, &req, sizeof(req), 0) < 0)
		goto out;
	for (int rounds = 0; rounds < 256; rounds++) { /* bounded */
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;
		if (len <= 0)
			goto out;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)len);
		     nh = NLMSG_NEXT(nh, len)) {
			struct rtmsg *rt = NLMSG_DATA(nh);
			struct rtattr *a;
			int alen;
			unsigned oif = 0;
			bool have = false;
			pctl_addr gw;
			if (nh->nlmsg_type == NLMSG_DONE ||
			    nh->nlmsg_type == NLMSG_ERROR)
				goto out;
			if (nh->nlmsg_type != RTM_NEWROUTE ||
			    rt->rtm_dst_len != 0 ||
			    rt->rtm_table != RT_TABLE_MAIN)
				continue;
			alen = (int)RTM_PAYLOAD(nh);
			for (a = RTM_RTA(rt); RTA_OK(a, alen);
			     a = RTA_NEXT(a, alen)) {
				if (a->rta_type == RTA_OIF &&
				    RTA_PAYLOAD(a) == 4)
					memcpy(&oif, RTA_DATA(a), 4);
				if (a->rta_type != RTA_GATEWAY)
					continue;
				if (family == AF_INET && RTA_PAYLOAD(a) == 4) {
					pctl_addr_from_v4(&gw, RTA_DATA(a));
					have = true;
				} else if (family == AF_INET6 &&
				           RTA_PAYLOAD(a) == 16) {
					memcpy(gw.b, RTA_DATA(a), 16);
					have = true;
				}
			}
			if (have && n < max) {
				out[n].addr = gw;
				out[n].ifindex = oif; /* link-local scope */
				n++;
			}
		}
	}
out:
	close(fd);
	return (int)n;
}

int pctl_gateways(struct pctl_gw *out, size_t max)
{
	int n = dump_family(AF_INET, out, max, 0);

	return dump_family(AF_INET6, out, max, (size_t)n);
}

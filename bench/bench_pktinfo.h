/*
 * One datagram of a sendmmsg batch from a chosen local source address: the
 * loopback benchmarks send from many addresses of 127.0.0.0/8 through one
 * wildcard-bound socket by naming the source in an IP_PKTINFO control
 * message, rather than opening a socket per address.
 */
#ifndef PORTCTL_BENCH_PKTINFO_H
#define PORTCTL_BENCH_PKTINFO_H

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

/* Room for the control message of one datagram. */
union bench_pktinfo_ctl {
	char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	struct cmsghdr align;
};

/* Fills h (zeroed by the caller) to send iov to `to` from src. */
static inline void bench_pktinfo_msg(struct msghdr *h, struct iovec *iov,
                                     struct sockaddr_in *to,
                                     union bench_pktinfo_ctl *ctl,
                                     struct in_addr src)
{
	struct in_pktinfo pi = {.ipi_spec_dst = src};
	struct cmsghdr *c;

	h->msg_name = to;
	h->msg_namelen = sizeof(*to);
	h->msg_iov = iov;
	h->msg_iovlen = 1;
	h->msg_control = ctl->buf;
	h->msg_controllen = sizeof(ctl->buf);
	c = CMSG_FIRSTHDR(h);
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
}

#endif

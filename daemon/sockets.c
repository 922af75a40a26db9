/*
 * UDP sockets of portctld.  See sockets.h for the why; the details:
 *  - IPv6 sockets are IPV6_V6ONLY so that an IPv4 listen address may share
 *    the port with an IPv6 one, and every address is one explicit socket.
 *  - Replies carry an IP_PKTINFO / IPV6_PKTINFO control message naming the
 *    source address, which matters for wildcard listeners and for hosts with
 *    several addresses on one interface (S-92).
 *  - The receive buffer is enlarged (socket-rcvbuf) so that a flood from
 *    one host is less likely to fill the kernel queue, where it would crowd
 *    out everybody's requests blindly, before the per-subscriber limit
 *    (S-7), the first thing the engine does with a datagram, discards it.
 *    SO_RCVBUFFORCE goes past net.core.rmem_max; sockets are opened before
 *    privileges are dropped, so it normally works.
 */
#include "sockets.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static bool prefix_match(const uint8_t *a, const uint8_t *b, const uint8_t *m,
                         size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((a[i] & m[i]) != (b[i] & m[i]))
			return false;
	return true;
}

/* The interface whose configured prefix holds addr (127.7.7.1 is on lo
 * through 127.0.0.1/8).  0 when none. */
static unsigned ifindex_of(const pctl_addr *addr)
{
	struct ifaddrs *list, *ifa;
	unsigned found = 0;
	uint8_t v4[4];
	bool is_v4 = pctl_addr_to_v4(addr, v4);

	if (getifaddrs(&list))
		return 0;
	for (ifa = list; ifa && !found; ifa = ifa->ifa_next) {
		if (!ifa->ifa_addr || !ifa->ifa_netmask)
			continue;
		if (is_v4 && ifa->ifa_addr->sa_family == AF_INET) {
			const struct sockaddr_in *a = (void *)ifa->ifa_addr;
			const struct sockaddr_in *m = (void *)ifa->ifa_netmask;
			if (prefix_match(v4, (const uint8_t *)&a->sin_addr,
			                 (const uint8_t *)&m->sin_addr, 4))
				found = if_nametoindex(ifa->ifa_name);
		} else if (!is_v4 && ifa->ifa_addr->sa_family == AF_INET6) {
			const struct sockaddr_in6 *a = (void *)ifa->ifa_addr;
			const struct sockaddr_in6 *m = (void *)ifa->ifa_netmask;
			if (prefix_match(addr->b, a->sin6_addr.s6_addr,
			                 m->sin6_addr.s6_addr, 16))
				found = if_nametoindex(ifa->ifa_name);
		}
	}
	freeifaddrs(list);
	return found;
}

static int open_one(struct pctld_sock *s, const struct pctld_endpoint *ep,
                    uint32_t rcvbuf_bytes, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl =
	    (socklen_t)pctl_addr_to_sockaddr(&ep->addr, ep->port, &ss);
	char txt[PCTL_ADDRSTRLEN];
	int one = 1, rcvbuf = (int)rcvbuf_bytes;

	s->ep = *ep;
	s->family = ss.ss_family;
	s->fd = socket(s->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		goto fail;
	if (s->family == AF_INET6) {
		if (setsockopt(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		               sizeof(one)) ||
		    setsockopt(s->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
		               sizeof(one)))
			goto fail;
	} else if (setsockopt(s->fd, IPPROTO_IP, IP_PKTINFO, &one,
	                      sizeof(one))) {
		goto fail;
	}
	/* Best effort: without CAP_NET_ADMIN the size is capped by
	 * net.core.rmem_max. */
	if (rcvbuf > 0 && setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
	                             sizeof(rcvbuf)))
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		           sizeof(rcvbuf));
	if (bind(s->fd, (struct sockaddr *)&ss, sl))
		goto fail;
	s->ifindex = pctl_addr_is_any(&ep->addr) ? 0 : ifindex_of(&ep->addr);
	return 0;
fail:
	snprintf(err, errlen, "listen %s%s%s:%u: %s",
	         s->family == AF_INET6 ? "[" : "",
	         pctl_addr_to_str(&ep->addr, txt, sizeof(txt)),
	         s->family == AF_INET6 ? "]" : "", ep->port, strerror(errno));
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	return -1;
}

static void ifset_add(struct pctld_ifset *ifs, unsigned idx)
{
	for (size_t i = 0; i < ifs->n; i++)
		if (ifs->idx[i] == idx)
			return;
	if (ifs->n < sizeof(ifs->idx) / sizeof(ifs->idx[0]))
		ifs->idx[ifs->n++] = idx;
}

static int resolve_ifs(struct pctld_sockets *ss, const struct pctld_config *cfg,
                       char *err, size_t errlen)
{
	struct pctld_ifset *ifs = &ss->ifs;

	memset(ifs, 0, sizeof(*ifs));
	if (cfg->ext_if[0]) {
		ifs->ext = if_nametoindex(cfg->ext_if);
		if (!ifs->ext) {
			snprintf(err, errlen, "external-interface %s: %s",
			         cfg->ext_if, strerror(errno));
			return -1;
		}
	}
	for (size_t i = 0; i < cfg->n_int_ifs; i++) {
		unsigned idx = if_nametoindex(cfg->int_ifs[i]);
		if (!idx) {
			snprintf(err, errlen, "internal-interface %s: %s",
			         cfg->int_ifs[i], strerror(errno));
			return -1;
		}
		ifset_add(ifs, idx);
	}
	if (cfg->n_int_ifs)
		return 0;
	/* S-2 default: the interfaces the listen addresses are on; a wildcard
	 * listener accepts every interface but the external one. */
	for (size_t i = 0; i < ss->n; i++) {
		if (ss->s[i].ifindex)
			ifset_add(ifs, ss->s[i].ifindex);
		else
			ifs->all = true;
	}
	return 0;
}

int pctld_sockets_open(struct pctld_sockets *ss, const struct pctld_config *cfg,
                       char *err, size_t errlen)
{
	memset(ss, 0, sizeof(*ss));
	for (size_t i = 0; i < cfg->n_listen; i++) {
		if (open_one(&ss->s[i], &cfg->listen[i], cfg->socket_rcvbuf,
		             err, errlen)) {
			pctld_sockets_close(ss);
			return -1;
		}
		ss->n++;
	}
	if (resolve_ifs(ss, cfg, err, errlen)) {
		pctld_sockets_close(ss);
		return -1;
	}
	return 0;
}

void pctld_sockets_close(struct pctld_sockets *ss)
{
	for (size_t i = 0; i < ss->n; i++)
		if (ss->s[i].fd >= 0)
			close(ss->s[i].fd);
	ss->n = 0;
}

/* Room for either family's pktinfo. */
#define CMSG_ROOM                                                              \
	(CMSG_SPACE(sizeof(struct in6_pktinfo)) +                              \
	 CMSG_SPACE(sizeof(struct in_pktinfo)))

static void read_pktinfo(struct msghdr *mh, struct pctld_dgram *d)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			pctl_addr_from_v4(&d->dst,
			                  (const uint8_t *)&pi.ipi_addr);
			d->ifindex = (unsigned)pi.ipi_ifindex;
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
		           c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			memcpy(d->dst.b, pi.ipi6_addr.s6_addr, 16);
			d->ifindex = pi.ipi6_ifindex;
		}
	}
}

size_t pctld_sock_recv(const struct pctld_sock *s, struct pctld_dgram *d,
                       size_t max)
{
	struct mmsghdr mm[PCTLD_BATCH];
	struct iovec iov[PCTLD_BATCH];
	struct sockaddr_storage from[PCTLD_BATCH];
	union {
		char buf[CMSG_ROOM];
		struct cmsghdr align;
	} ctl[PCTLD_BATCH];
	int n;

	if (max > PCTLD_BATCH)
		max = PCTLD_BATCH;
	memset(mm, 0, sizeof(mm[0]) * max);
	for (size_t i = 0; i < max; i++) {
		iov[i].iov_base = d[i].buf;
		iov[i].iov_len = sizeof(d[i].buf);
		mm[i].msg_hdr.msg_name = &from[i];
		mm[i].msg_hdr.msg_namelen = sizeof(from[i]);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_control = ctl[i].buf;
		mm[i].msg_hdr.msg_controllen = sizeof(ctl[i].buf);
	}
	n = recvmmsg(s->fd, mm, (unsigned)max, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return 0;
	for (int i = 0; i < n; i++) {
		d[i].len = mm[i].msg_len;
		d[i].ifindex = 0;
		memset(&d[i].dst, 0, sizeof(d[i].dst));
		if (pctl_addr_from_sockaddr(&d[i].src, &d[i].src_port,
		                            (struct sockaddr *)&from[i]))
			d[i].len = 0; /* not IP: dropped by the caller */
		read_pktinfo(&mm[i].msg_hdr, &d[i]);
		if (pctl_addr_is_any(&d[i].dst))
			d[i].dst = s->ep.addr;
	}
	return (size_t)n;
}

/* Writes the source-address control message of one datagram. */
static size_t put_pktinfo(const struct pctld_sock *s, const struct pctld_out *o,
                          char *buf)
{
	struct msghdr mh = {.msg_control = buf, .msg_controllen = CMSG_ROOM};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	if (pctl_addr_is_any(&o->from) && !o->ifindex)
		return 0;
	if (s->family == AF_INET) {
		struct in_pktinfo pi = {0};
		pctl_addr_to_v4(&o->from, (uint8_t *)&pi.ipi_spec_dst);
		pi.ipi_ifindex = (int)o->ifindex;
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		return CMSG_SPACE(sizeof(pi));
	}
	struct in6_pktinfo pi6 = {0};
	if (!pctl_addr_is_any(&o->from))
		memcpy(pi6.ipi6_addr.s6_addr, o->from.b, 16);
	pi6.ipi6_ifindex = o->ifindex;
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi6));
	memcpy(CMSG_DATA(c), &pi6, sizeof(pi6));
	return CMSG_SPACE(sizeof(pi6));
}

size_t pctld_sock_send(const struct pctld_sock *s, const struct pctld_out *o,
                       size_t n)
{
	struct mmsghdr mm[PCTLD_BATCH];
	struct iovec iov[PCTLD_BATCH];
	struct sockaddr_storage to[PCTLD_BATCH];
	union {
		char buf[CMSG_ROOM];
		struct cmsghdr align;
	} ctl[PCTLD_BATCH];
	size_t sent = 0, done = 0; /* datagrams that left, datagrams tried */

	while (done < n) {
		size_t k = n - done > PCTLD_BATCH ? PCTLD_BATCH : n - done;
		int r;

		memset(mm, 0, sizeof(mm[0]) * k);
		memset(ctl, 0, sizeof(ctl[0]) * k);
		for (size_t i = 0; i < k; i++) {
			const struct pctld_out *oi = &o[done + i];
			iov[i].iov_base = (void *)oi->buf;
			iov[i].iov_len = oi->len;
			mm[i].msg_hdr.msg_name = &to[i];
			mm[i].msg_hdr.msg_namelen =
			    (socklen_t)pctl_addr_to_sockaddr(&oi->to, oi->port,
			                                     &to[i]);
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
			mm[i].msg_hdr.msg_controllen =
			    put_pktinfo(s, oi, ctl[i].buf);
			if (mm[i].msg_hdr.msg_controllen)
				mm[i].msg_hdr.msg_control = ctl[i].buf;
		}
		r = sendmmsg(s->fd, mm, (unsigned)k, 0);
		if (r <= 0) {
			/* Skip the datagram that failed (e.g. no route) and
			 * go on with the rest of the batch. */
			done++;
			continue;
		}
		done += (size_t)r;
		sent += (size_t)r;
		if ((size_t)r < k)
			done++; /* the one after r failed */
	}
	return sent;
}

bool pctld_is_internal(const struct pctld_sockets *ss,
                       const struct pctl_engine_config *eng, unsigned ifindex,
                       const pctl_addr *dst)
{
	/* N-8 / 6886 section 3.3: never on the external address. */
	for (size_t i = 0; i < eng->n_ext_addrs; i++)
		if (pctl_addr_equal(dst, &eng->ext_addrs[i]))
			return false;
	if (ss->ifs.ext && ifindex == ss->ifs.ext)
		return false;
	if (ss->ifs.all)
		return true;
	for (size_t i = 0; i < ss->ifs.n; i++)
		if (ss->ifs.idx[i] == ifindex)
			return true;
	return false;
}

static bool sock_on_if(const struct pctld_sock *s, unsigned idx)
{
	return s->ifindex == 0 || s->ifindex == idx;
}

/* The interfaces announcements go out on: the internal set, or with a
 * wildcard listener every interface but the external one.  Returns how
 * many were written to idx (at most max). */
static size_t announce_ifs(const struct pctld_ifset *ifs, unsigned *idx,
                           size_t max)
{
	struct if_nameindex *all, *i;
	size_t n = 0;

	for (size_t k = 0; k < ifs->n && n < max; k++)
		idx[n++] = ifs->idx[k];
	if (!ifs->all)
		return n;
	all = if_nameindex();
	for (i = all; i && i->if_index && n < max; i++) {
		bool dup = false;
		for (size_t k = 0; k < n; k++)
			dup |= idx[k] == i->if_index;
		if (!dup && i->if_index != ifs->ext)
			idx[n++] = i->if_index;
	}
	if (all)
		if_freenameindex(all);
	return n;
}

size_t pctld_send_multicast(const struct pctld_sockets *ss, const uint8_t *buf,
                            size_t len, bool v4_only, uint16_t port)
{
	static const uint8_t all_hosts6[16] = {0xff, 0x02, [15] = 0x01};
	static const uint8_t all_hosts4[4] = {224, 0, 0, 1};
	unsigned idx[64];
	size_t n_idx = announce_ifs(&ss->ifs, idx, 64);
	size_t sent = 0;

	for (size_t i = 0; i < ss->n; i++) {
		const struct pctld_sock *s = &ss->s[i];
		struct pctld_out o = {.port = port, .len = len, .buf = buf};

		if (v4_only && s->family != AF_INET)
			continue;
		if (s->family == AF_INET)
			pctl_addr_from_v4(&o.to, all_hosts4);
		else
			memcpy(o.to.b, all_hosts6, 16);
		o.from = s->ep.addr; /* S-92: our unicast address */
		for (size_t k = 0; k < n_idx; k++) {
			if (!sock_on_if(s, idx[k]))
				continue;
			o.ifindex = idx[k];
			/* Links without multicast refuse; nothing to do. */
			sent += pctld_sock_send(s, &o, 1) == 1;
		}
	}
	return sent;
}

const struct pctld_sock *pctld_sock_for(const struct pctld_sockets *ss,
                                        const pctl_addr *to,
                                        const pctl_addr *from)
{
	const struct pctld_sock *first = NULL;
	int fam = pctl_addr_is_v4(to) ? AF_INET : AF_INET6;

	for (size_t i = 0; i < ss->n; i++) {
		const struct pctld_sock *s = &ss->s[i];
		if (s->family != fam)
			continue;
		if (!first)
			first = s;
		if (pctl_addr_equal(&s->ep.addr, from) ||
		    pctl_addr_is_any(&s->ep.addr))
			return s;
	}
	return first;
}

/*
 * Unsolicited ANNOUNCEs (RFC 6887 section 14.1.3, C-56, C-57) and NAT-PMP
 * address announcements (RFC 6886 section 3.2.1, N-10): sockets on port
 * 5350 joined to 224.0.0.1 and ff02::1, shared with other clients through
 * SO_REUSEADDR/SO_REUSEPORT.  An announcement counts only when it comes
 * from a known server; an epoch anomaly makes every mapping at that server
 * be re-created after uniform(0, 5 s).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

static int open_one(struct pctl_client *c, int family, const char *bind_text)
{
	struct sockaddr_storage ss;
	pctl_addr a;
	size_t sl;
	int one = 1;
	int fd;

	if (pctl_addr_from_str(&a, bind_text) < 0) {
		errno = EINVAL;
		return -1;
	}
	sl = pctl_addr_to_sockaddr(&a, c->cfg.announce_port, &ss);
	if (ss.ss_family != family) {
		errno = EINVAL;
		return -1;
	}
	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* C-56: several clients on one host all hear the announcements. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	/* N-10: bind to the group itself, not the wildcard. */
	if (bind(fd, (struct sockaddr *)&ss, (socklen_t)sl) < 0)
		goto fail;
	if (family == AF_INET &&
	    IN_MULTICAST(ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr))) {
		struct ip_mreqn mr;
		memset(&mr, 0, sizeof(mr));
		mr.imr_multiaddr = ((struct sockaddr_in *)&ss)->sin_addr;
		if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr,
		               sizeof(mr)) < 0)
			goto fail;
	} else if (family == AF_INET6 &&
	           IN6_IS_ADDR_MULTICAST(
	               &((struct sockaddr_in6 *)&ss)->sin6_addr)) {
		/* ff02::1 is link-local: join it on every interface that
		 * has multicast; the all-nodes group is joined anyway by
		 * the kernel, so failures are harmless. */
		struct if_nameindex *ifs = if_nameindex();
		for (struct if_nameindex *i = ifs; i && i->if_index; i++) {
			struct ipv6_mreq mr;
			mr.ipv6mr_multiaddr =
			    ((struct sockaddr_in6 *)&ss)->sin6_addr;
			mr.ipv6mr_interface = i->if_index;
			setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr,
			           sizeof(mr));
		}
		if (ifs)
			if_freenameindex(ifs);
	}
	return fd;
fail : {
	int e = errno;
	close(fd);
	errno = e;
}
	return -1;
}

int pctl_ann_open(struct pctl_client *c)
{
	const char *b4 = c->cfg.announce_bind4 ? c->cfg.announce_bind4
	                                       : "224.0.0.1"; /* K-4 */
	const char *b6 =
	    c->cfg.announce_bind6 ? c->cfg.announce_bind6 : "ff02::1";
	if (b4[0]) {
		c->ann_fd[0] = open_one(c, AF_INET, b4);
		if (c->ann_fd[0] < 0)
			return -1;
	}
	if (b6[0]) {
		/* IPv6 may be off on this host: not fatal. */
		c->ann_fd[1] = open_one(c, AF_INET6, b6);
	}
	return 0;
}

void pctl_ann_input(struct pctl_client *c, int fd, uint64_t now)
{
	uint8_t buf[PCTL_MAX_MSG + 4];

	for (int k = 0; k < 64; k++) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		pctl_addr src;
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0,
		                     (struct sockaddr *)&from, &flen);
		int srv = -1;

		if (n < 0)
			return;
		if (pctl_addr_from_sockaddr(&src, NULL,
		                            (struct sockaddr *)&from) < 0)
			continue;
		/* C-57, N-10: only a server we use may announce. */
		for (size_t i = 0; i < c->nsrv; i++)
			if (pctl_addr_equal(&c->srv[i].addr, &src))
				srv = (int)i;
		if (srv < 0)
			continue;
		if (pctl_classify(buf, (size_t)n) == PCTL_KIND_NATPMP) {
			struct pctl_natpmp r;
			struct pctl_error err;
			if (pctl_natpmp_response_decode(buf, (size_t)n, &r,
			                                &err) != PCTL_V_OK ||
			    r.opcode != PCTL_NATPMP_OP_EXTERNAL_ADDR ||
			    r.result != PCTL_NATPMP_R_SUCCESS)
				continue;
			if (!pctl_natpmp_epoch_check(&c->srv[srv].epoch,
			                             r.epoch, now))
				pctl_ex_server_lost_state(c, srv, NULL, now);
		} else {
			struct pctl_msg r;
			struct pctl_error err;
			if (pctl_response_decode(buf, (size_t)n, &r, &err) !=
			        PCTL_V_OK ||
			    r.version != PCTL_VERSION ||
			    r.opcode != PCTL_OP_ANNOUNCE ||
			    r.result != PCTL_R_SUCCESS)
				continue;
			/* C-57: epoch check; anomaly -> re-create after
			 * uniform(0, 5 s); either way the epoch is stored. */
			if (!pctl_epoch_check(&c->srv[srv].epoch, r.epoch, now))
				pctl_ex_server_lost_state(c, srv, NULL, now);
		}
	}
}

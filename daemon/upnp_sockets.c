/*
 * The UPnP IGD sockets (upnp_sockets.h).
 */
#include "upnp_sockets.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "msgbuf.h"

/* UDA 1.1 section 1.1.2: multicast SSDP leaves with a TTL (hop limit) of
 * 2 by default. */
#define SSDP_TTL 2

static const char *const v6_groups[] = {"ff02::c", "ff05::c"};

void pctld_upnp_sockets_init(struct pctld_upnp_socks *ss)
{
	memset(ss, 0, sizeof(*ss));
	for (size_t i = 0; i < PCTLD_MAX_IFS; i++)
		ss->ifs[i].http4 = ss->ifs[i].http6 = ss->ifs[i].ssdp4 =
		    ss->ifs[i].ssdp6 = -1;
}

/* Closes fd after a failure, keeping the failure's errno; -1. */
static int close_failed(int fd)
{
	int e = errno;

	close(fd);
	errno = e;
	return -1;
}

static int on(int fd, int level, int name)
{
	int one = 1;

	return setsockopt(fd, level, name, &one, sizeof(one));
}

/* A socket of family/type bound to interface `ifc` and to port on the
 * family's wildcard address.  The descriptor, or -1 with errno set. */
static int bound(const struct pctld_upnp_if *ifc, int family, int type,
                 uint16_t port)
{
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6,
	                          .sin6_port = htons(port),
	                          .sin6_addr = IN6ADDR_ANY_INIT};
	struct sockaddr_in a4 = {.sin_family = AF_INET,
	                         .sin_port = htons(port),
	                         .sin_addr.s_addr = htonl(INADDR_ANY)};
	int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (on(fd, SOL_SOCKET, SO_REUSEADDR) ||
	    (family == AF_INET6 && on(fd, IPPROTO_IPV6, IPV6_V6ONLY)) ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifc->name,
	               (socklen_t)strlen(ifc->name)) ||
	    (family == AF_INET6
	         ? bind(fd, (struct sockaddr *)&a6, sizeof(a6))
	         : bind(fd, (struct sockaddr *)&a4, sizeof(a4))) ||
	    (type == SOCK_STREAM && listen(fd, PCTLD_UPNP_BACKLOG)))
		return close_failed(fd);
	return fd;
}

static int ssdp4(const struct pctld_upnp_if *ifc)
{
	struct ip_mreqn m = {.imr_ifindex = (int)ifc->ifindex};
	int fd = bound(ifc, AF_INET, SOCK_DGRAM, PCTLD_SSDP_PORT);
	int ttl = SSDP_TTL, loop = 0;

	if (fd < 0)
		return -1;
	inet_pton(AF_INET, "239.255.255.250", &m.imr_multiaddr);
	if (on(fd, IPPROTO_IP, IP_PKTINFO) ||
	    setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof(m)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &m, sizeof(m)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof(loop)))
		return close_failed(fd);
	return fd;
}

static int ssdp6(const struct pctld_upnp_if *ifc)
{
	int fd = bound(ifc, AF_INET6, SOCK_DGRAM, PCTLD_SSDP_PORT);
	int hops = SSDP_TTL, loop = 0, idx = (int)ifc->ifindex;

	if (fd < 0)
		return -1;
	if (on(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx,
	               sizeof(idx)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops,
	               sizeof(hops)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &loop,
	               sizeof(loop)))
		return close_failed(fd);
	for (size_t g = 0; g < sizeof(v6_groups) / sizeof(v6_groups[0]); g++) {
		struct ipv6_mreq m = {.ipv6mr_interface = ifc->ifindex};
		inet_pton(AF_INET6, v6_groups[g], &m.ipv6mr_multiaddr);
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &m,
		               sizeof(m)))
			return close_failed(fd);
	}
	return fd;
}

/* IPv6 is optional: a host or an interface without it (EAFNOSUPPORT,
 * disable_ipv6) is served over IPv4 alone. */
static bool no_v6(int e)
{
	return e == EAFNOSUPPORT || e == EADDRNOTAVAIL || e == ENODEV ||
	       e == EPROTONOSUPPORT;
}

static int open_if(struct pctld_upnp_if *ifc, uint16_t port, char *err,
                   size_t errlen)
{
	ifc->ifindex = if_nametoindex(ifc->name);
	if (!ifc->ifindex)
		return pctld_errf(
		    err, errlen, "upnp: internal-interface %s: %s", ifc->name,
		    errno == ENODEV ? "no such interface" : strerror(errno));
	ifc->http4 = bound(ifc, AF_INET, SOCK_STREAM, port);
	if (ifc->http4 < 0)
		return pctld_errf(err, errlen, "upnp: HTTP port %u on %s: %s%s",
		                  port, ifc->name, strerror(errno),
		                  errno == EADDRINUSE
		                      ? " (another server; see upnp-http-port)"
		                      : "");
	ifc->ssdp4 = ssdp4(ifc);
	if (ifc->ssdp4 < 0)
		return pctld_errf(err, errlen, "upnp: SSDP port %u on %s: %s",
		                  PCTLD_SSDP_PORT, ifc->name, strerror(errno));
	ifc->http6 = bound(ifc, AF_INET6, SOCK_STREAM, port);
	if (ifc->http6 < 0 && !no_v6(errno))
		return pctld_errf(err, errlen,
		                  "upnp: HTTP port %u on %s (IPv6): %s", port,
		                  ifc->name, strerror(errno));
	ifc->ssdp6 = ifc->http6 < 0 ? -1 : ssdp6(ifc);
	if (ifc->http6 >= 0 && ifc->ssdp6 < 0 && !no_v6(errno))
		return pctld_errf(err, errlen,
		                  "upnp: SSDP port %u on %s (IPv6): %s",
		                  PCTLD_SSDP_PORT, ifc->name, strerror(errno));
	return 0;
}

int pctld_upnp_sockets_open(struct pctld_upnp_socks *ss,
                            const struct pctld_config *cfg, char *err,
                            size_t errlen)
{
	pctld_upnp_sockets_init(ss);
	if (!cfg->upnp.enabled)
		return 0;
	for (size_t i = 0; i < cfg->n_int_ifs; i++) {
		struct pctld_upnp_if *ifc = &ss->ifs[ss->n++];

		strcpy(ifc->name, cfg->int_ifs[i]);
		if (open_if(ifc, cfg->upnp.http_port, err, errlen)) {
			pctld_upnp_sockets_close(ss);
			return -1;
		}
	}
	for (size_t i = 0; i < ss->n; i++) {
		const struct pctld_upnp_if *ifc = &ss->ifs[i];
		pctld_log(LOG_INFO, "upnp: HTTP on %s port %u, SSDP on %s (%s)",
		          ifc->name, cfg->upnp.http_port, ifc->name,
		          ifc->ssdp6 >= 0 ? "239.255.255.250, ff02::c, ff05::c"
		                          : "239.255.255.250; no IPv6");
	}
	return 0;
}

void pctld_upnp_sockets_close(struct pctld_upnp_socks *ss)
{
	int fds[4 * PCTLD_MAX_IFS];
	size_t n = pctld_upnp_sockets_fds(ss, fds);

	for (size_t i = 0; i < n; i++)
		close(fds[i]);
	pctld_upnp_sockets_init(ss);
}

size_t pctld_upnp_sockets_fds(const struct pctld_upnp_socks *ss, int *fds)
{
	size_t k = 0;

	for (size_t i = 0; i < ss->n; i++) {
		const struct pctld_upnp_if *f = &ss->ifs[i];
		const int all[] = {f->http4, f->http6, f->ssdp4, f->ssdp6};
		for (size_t j = 0; j < 4; j++)
			if (all[j] >= 0)
				fds[k++] = all[j];
	}
	return k;
}

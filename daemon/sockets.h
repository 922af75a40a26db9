/*
 * portctld's UDP sockets: one per listen address, IPv4 or IPv6, with
 * IP_PKTINFO / IPV6_RECVPKTINFO so that each request carries its arrival
 * interface and destination address, and replies leave from that address
 * (S-92: clients check the source).  Datagrams are moved in batches with
 * recvmmsg/sendmmsg.
 */
#ifndef PORTCTLD_SOCKETS_H
#define PORTCTLD_SOCKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config.h"

#define PCTLD_BATCH 64
/* Larger than PCTL_MAX_MSG so that over-long requests are seen as such
 * (S-8: MALFORMED_REQUEST, not a silently truncated message). */
#define PCTLD_RXBUF 2048

struct pctld_sock {
	int fd;
	int family;
	struct pctld_endpoint ep;
	unsigned ifindex; /* interface holding ep.addr; 0 for a wildcard */
};

/* Interfaces requests are accepted on (S-2). */
struct pctld_ifset {
	bool all; /* wildcard listen without internal-interface */
	size_t n;
	unsigned idx[PCTLD_MAX_IFS + PCTLD_MAX_LISTEN];
	unsigned ext; /* external-interface, or 0 */
};

struct pctld_sockets {
	size_t n;
	struct pctld_sock s[PCTLD_MAX_LISTEN];
	struct pctld_ifset ifs;
};

/* One received datagram of a batch. */
struct pctld_dgram {
	size_t len;
	pctl_addr src;
	uint16_t src_port;
	pctl_addr dst;
	unsigned ifindex;
	uint8_t buf[PCTLD_RXBUF];
};

/* One datagram to send: to addr:port, from `from` (any = kernel's choice),
 * out of interface ifindex (0 = routing decides). */
struct pctld_out {
	pctl_addr to;
	uint16_t port;
	pctl_addr from;
	unsigned ifindex;
	size_t len;
	const uint8_t *buf;
};

/* Opens, binds and configures every listen socket and resolves the internal
 * and external interfaces.  0, or -1 with a reason in err (all closed). */
int pctld_sockets_open(struct pctld_sockets *ss, const struct pctld_config *cfg,
                       char *err, size_t errlen);
void pctld_sockets_close(struct pctld_sockets *ss);

/* Non-blocking: receives up to max datagrams.  Returns how many (0 when
 * nothing is waiting). */
size_t pctld_sock_recv(const struct pctld_sock *s, struct pctld_dgram *d,
                       size_t max);

/* Sends n datagrams from s (setting their source with pktinfo); a datagram
 * the kernel refuses is skipped.  Returns how many left. */
size_t pctld_sock_send(const struct pctld_sock *s, const struct pctld_out *o,
                       size_t n);

/* S-2, N-8: whether a datagram that arrived on ifindex, to dst, counts as
 * coming from the inside.  Datagrams to one of the external addresses never
 * do. */
bool pctld_is_internal(const struct pctld_sockets *ss,
                       const struct pctl_engine_config *eng, unsigned ifindex,
                       const pctl_addr *dst);

/* S-93, N-10: sends one unsolicited message to the all-hosts group of every
 * internal interface on every socket of its family (IPv4 only when
 * v4_only), to destination port `port`, from each socket's own unicast
 * address and port (S-92).  Returns how many copies left. */
size_t pctld_send_multicast(const struct pctld_sockets *ss, const uint8_t *buf,
                            size_t len, bool v4_only, uint16_t port);

/* The socket to send a unicast message to `to` from `from` (any: the first
 * of the family).  NULL if none fits. */
const struct pctld_sock *pctld_sock_for(const struct pctld_sockets *ss,
                                        const pctl_addr *to,
                                        const pctl_addr *from);

#endif

/*
 * Netlink batch plumbing: see nl_batch.h.
 */
#include "nl_batch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <libnftnl/common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

/* Large batches (tens of thousands of elements) go out as one datagram, so
 * the socket's send buffer must hold them; root may force it past
 * wmem_max. */
#define DP_NL_SNDBUF (64 * 1024 * 1024)
#define DP_NL_RCVBUF (8 * 1024 * 1024)
/* A kernel that does not answer within this time is treated as failed. */
#define DP_NL_TIMEOUT_S 10
/* One read of kernel answers. */
#define DP_NL_RXBUF 65536

struct mnl_socket *dp_nl_open(void)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl)
		return NULL;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		mnl_socket_close(nl);
		errno = e;
		return NULL;
	}
	int fd = mnl_socket_get_fd(nl);
	int sz = DP_NL_SNDBUF;
	/* Best effort: without CAP_NET_ADMIN the plain option caps at
	 * wmem_max, and big batches then fail with -EMSGSIZE. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	sz = DP_NL_RCVBUF;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	struct timeval tv = {.tv_sec = DP_NL_TIMEOUT_S};
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return nl;
}

int dp_batch_init(struct dp_batch *b)
{
	memset(b, 0, sizeof(*b));
	b->seq = (uint32_t)time(NULL);
	return dp_batch_reset(b);
}

void dp_batch_free(struct dp_batch *b)
{
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

static int reserve(struct dp_batch *b, size_t room)
{
	if (b->cap - b->len >= room)
		return 0;
	size_t cap = b->cap ? b->cap : 65536;
	while (cap - b->len < room)
		cap *= 2;
	char *p = realloc(b->buf, cap);
	if (!p)
		return -ENOMEM;
	b->buf = p;
	b->cap = cap;
	return 0;
}

int dp_batch_reset(struct dp_batch *b)
{
	b->len = 0;
	b->n_msgs = 0;
	b->last = 0;
	if (reserve(b, MNL_NLMSG_HDRLEN * 4))
		return -ENOMEM;
	b->begin_seq = b->seq;
	struct nlmsghdr *nlh = nftnl_batch_begin(b->buf, b->seq++);
	b->len += nlh->nlmsg_len;
	return 0;
}

struct nlmsghdr *dp_batch_msg(struct dp_batch *b, uint16_t type,
                              uint16_t family, uint16_t flags, size_t room)
{
	/* Room for this message plus the BATCH_END that closes the batch. */
	if (reserve(b, room + 4 * MNL_NLMSG_HDRLEN))
		return NULL;
	/* Zero the area so that libmnl's padding is clean. */
	memset(b->buf + b->len, 0, room + MNL_NLMSG_HDRLEN * 2);
	return nftnl_nlmsg_build_hdr(b->buf + b->len, type, family, flags,
	                             b->seq++);
}

void dp_batch_add(struct dp_batch *b, struct nlmsghdr *nlh)
{
	b->last = (size_t)((char *)nlh - b->buf);
	b->len += MNL_ALIGN(nlh->nlmsg_len);
	b->n_msgs++;
}

void dp_batch_mark(const struct dp_batch *b, struct dp_batch_mark *m)
{
	m->len = b->len;
	m->last = b->last;
	m->n_msgs = b->n_msgs;
}

void dp_batch_rollback(struct dp_batch *b, const struct dp_batch_mark *m)
{
	b->len = m->len;
	b->last = m->last;
	b->n_msgs = m->n_msgs;
}

/* Reads answers until the acknowledgement of message `want` arrives.  The
 * kernel reports an error for every refused message and, because only the
 * last message asks for an ACK, exactly one ACK at the end. */
static int wait_ack(struct mnl_socket *nl, uint32_t begin, uint32_t want)
{
	static __thread char rx[DP_NL_RXBUF];
	uint32_t portid = mnl_socket_get_portid(nl);
	int first_err = 0;

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, rx, sizeof(rx));
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)rx;
		int len = (int)n;
		while (mnl_nlmsg_ok(nlh, len)) {
			if (nlh->nlmsg_pid != portid) {
				nlh = mnl_nlmsg_next(nlh, &len);
				continue;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e =
				    mnl_nlmsg_get_payload(nlh);
				if (e->error && !first_err)
					first_err = e->error;
				/* The whole batch refused (e.g. -EPERM
				 * without CAP_NET_ADMIN) is answered on
				 * BATCH_BEGIN, and then nothing else. */
				if (nlh->nlmsg_seq == want ||
				    (e->error && nlh->nlmsg_seq == begin))
					return first_err;
			}
			nlh = mnl_nlmsg_next(nlh, &len);
		}
		/* An error on an earlier message may be all we get when the
		 * kernel ran out of memory for the ACK list. */
		if (first_err == -ENOMEM)
			return first_err;
	}
}

int dp_batch_send(struct mnl_socket *nl, struct dp_batch *b)
{
	if (b->n_msgs == 0)
		return 0;
	struct nlmsghdr *last = (struct nlmsghdr *)(b->buf + b->last);
	last->nlmsg_flags |= NLM_F_ACK;
	uint32_t want = last->nlmsg_seq, begin = b->begin_seq;
	struct nlmsghdr *end = nftnl_batch_end(b->buf + b->len, b->seq++);
	b->len += end->nlmsg_len;

	ssize_t n = mnl_socket_sendto(nl, b->buf, b->len);
	int ret;
	if (n < 0)
		ret = -errno;
	else
		ret = wait_ack(nl, begin, want);
	dp_batch_reset(b);
	return ret;
}

int dp_nl_dump(struct mnl_socket *nl, struct nlmsghdr *req, mnl_cb_t cb,
               void *data)
{
	static __thread char rx[DP_NL_RXBUF];
	uint32_t portid = mnl_socket_get_portid(nl);
	uint32_t seq = req->nlmsg_seq;

	if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, rx, sizeof(rx));
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		int r = mnl_cb_run(rx, (size_t)n, seq, portid, cb, data);
		if (r < 0)
			return -errno;
		if (r == MNL_CB_STOP)
			return 0;
	}
}

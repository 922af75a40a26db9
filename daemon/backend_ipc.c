/*
 * The network process's backend: server/backend.h over the parent's socket
 * (backend_ipc.h).
 */
#include "backend_ipc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

/* The parent sent something no parent of ours would: we cannot trust the
 * channel any more, and the parent starts a new network process. */
static _Noreturn void malformed(const char *why)
{
	pctld_log(LOG_ERR,
	          "network process: malformed message from the "
	          "parent (%s): exiting",
	          why);
	_exit(3);
}

/* Takes an unsolicited message (STOP, CONFIG) into the channel; anything
 * else unsolicited is malformed. */
static void keep(struct pctld_ipc_chan *c, const struct pctld_ipc_msg *m)
{
	if (m->type == PCTLD_IPC_STOP) {
		c->stop = true;
	} else if (m->type == PCTLD_IPC_CONFIG) {
		struct pctld_config *cfg = malloc(sizeof(*cfg));
		if (!cfg) {
			pctld_log(LOG_ERR, "reload: out of memory");
			return;
		}
		memcpy(cfg, m->u.config, sizeof(*cfg));
		free(c->config);
		c->config = cfg;
		/* A CONFIG replaces one not yet applied, with its file. */
		if (c->config_fd >= 0)
			close(c->config_fd);
		c->config_fd = c->rx_fd;
		c->rx_fd = -1;
	} else {
		malformed("an answer nobody asked for");
	}
}

/* The descriptor that came with a message (SCM_RIGHTS), or -1.  Only
 * CONFIG carries one (the audit log's file, opened again by the parent). */
static int take_fd(struct msghdr *mh)
{
	int fd = -1;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm;
	     cm = CMSG_NXTHDR(mh, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)) && fd < 0)
			memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	if (mh->msg_flags & MSG_CTRUNC) {
		if (fd >= 0)
			close(fd);
		malformed("more descriptors than one");
	}
	return fd;
}

/* One message, waiting when block.  1 with *m set, 0 when nothing is there
 * (not blocking), -1 when the parent is gone. */
static int receive(struct pctld_ipc_chan *c, bool block,
                   struct pctld_ipc_msg *m)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = {.iov_base = c->buf, .iov_len = sizeof(c->buf)};
	struct msghdr mh = {.msg_iov = &iov,
	                    .msg_iovlen = 1,
	                    .msg_control = ctl.buf,
	                    .msg_controllen = sizeof(ctl.buf)};
	const char *why;
	ssize_t n;
	int fd;

	do
		n = recvmsg(c->fd, &mh,
		            MSG_TRUNC | MSG_CMSG_CLOEXEC |
		                (block ? 0 : MSG_DONTWAIT));
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n <= 0)
		return -1;
	fd = take_fd(&mh);
	if ((size_t)n > sizeof(c->buf))
		malformed("longer than any message");
	if (pctld_ipc_decode(c->buf, (size_t)n, PCTLD_IPC_TO_NETWORK, m,
	                     c->filters, &why))
		malformed(why);
	if (fd >= 0 && m->type != PCTLD_IPC_CONFIG)
		malformed("a descriptor with a message that takes none");
	if (fd >= 0) {
		if (c->rx_fd >= 0)
			close(c->rx_fd);
		c->rx_fd = fd;
	}
	return 1;
}

int pctld_ipc_send(struct pctld_ipc_chan *c, const uint8_t *msg, size_t len)
{
	ssize_t n;

	do
		n = send(c->fd, msg, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : n < 0 ? -errno : -EIO;
}

int pctld_ipc_poll(struct pctld_ipc_chan *c)
{
	struct pctld_ipc_msg m;
	int r;

	while ((r = receive(c, false, &m)) > 0)
		keep(c, &m);
	return r;
}

/* Sends what is queued, then msg (len 0: nothing more), with as few
 * system calls as the kernel allows: the parent then reads the operations
 * and their commit in one wake-up.  0 or -errno. */
static int flush(struct pctld_ipc_chan *c, const uint8_t *msg, size_t len)
{
	struct mmsghdr mh[PCTLD_IPC_OUT_MAX + 1];
	struct iovec iov[PCTLD_IPC_OUT_MAX + 1];
	size_t n = 0, done = 0;

	for (size_t i = 0; i < c->n_out; i++, n++) {
		size_t end = i + 1 < c->n_out ? c->out_off[i + 1] : c->out_len;
		iov[n] =
		    (struct iovec){c->out + c->out_off[i], end - c->out_off[i]};
	}
	if (len)
		iov[n++] = (struct iovec){(void *)msg, len};
	for (size_t i = 0; i < n; i++)
		mh[i] = (struct mmsghdr){
		    .msg_hdr = {.msg_iov = &iov[i], .msg_iovlen = 1}};
	c->sent_any |= c->n_out > 0;
	c->n_out = c->out_len = 0;
	while (done < n) {
		int r = sendmmsg(c->fd, mh + done, (unsigned)(n - done),
		                 MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		done += (size_t)r;
	}
	return 0;
}

/* Sends the queue and msg and waits for the answer of type `want`.
 * Without a parent there is no data plane left to answer for: the process
 * ends. */
static void ask(struct pctld_ipc_chan *c, size_t len, uint8_t want,
                struct pctld_ipc_msg *m)
{
	if (flush(c, c->buf, len))
		goto gone;
	for (;;) {
		if (receive(c, true, m) < 0)
			goto gone;
		if (m->type == want)
			return;
		keep(c, m);
	}
gone:
	pctld_log(LOG_ERR, "network process: the parent is gone: exiting");
	_exit(3);
}

/* Queues an operation until the commit (or a query) sends it. */
static int send_map(struct pctld_ipc_chan *c, uint8_t type,
                    const struct pctl_dp_mapping *m)
{
	size_t len;

	if (c->quiet)
		return 0;
	len = pctld_ipc_encode_map(type, m, c->buf);
	if (!len)
		return -EINVAL;
	if (c->n_out == PCTLD_IPC_OUT_MAX ||
	    c->out_len + len > sizeof(c->out)) {
		int rc = flush(c, NULL, 0);
		if (rc)
			return rc;
	}
	c->out_off[c->n_out++] = c->out_len;
	memcpy(c->out + c->out_len, c->buf, len);
	c->out_len += len;
	return 0;
}

static int ipc_create(void *ctx, const struct pctl_dp_mapping *m)
{
	return send_map(ctx, PCTLD_IPC_CREATE, m);
}

static int ipc_refresh(void *ctx, const struct pctl_dp_mapping *m)
{
	return send_map(ctx, PCTLD_IPC_REFRESH, m);
}

static int ipc_remove(void *ctx, const struct pctl_dp_mapping *m)
{
	return send_map(ctx, PCTLD_IPC_REMOVE, m);
}

static int ipc_commit(void *ctx)
{
	struct pctld_ipc_chan *c = ctx;
	struct pctld_ipc_msg m;

	if (c->quiet)
		return 0;
	ask(c, pctld_ipc_encode_empty(PCTLD_IPC_COMMIT, c->buf),
	    PCTLD_IPC_RESULT, &m);
	/* The parent applied or dropped the whole batch. */
	c->sent_any = false;
	return -m.u.err;
}

/* What never left this process needs no word to the parent; what did is
 * dropped there too. */
static void ipc_abort(void *ctx)
{
	struct pctld_ipc_chan *c = ctx;
	struct pctld_ipc_msg m;

	c->n_out = c->out_len = 0;
	if (c->quiet || !c->sent_any)
		return;
	ask(c, pctld_ipc_encode_empty(PCTLD_IPC_ABORT, c->buf),
	    PCTLD_IPC_RESULT, &m);
	c->sent_any = false;
}

/* The parent made the data plane hold exactly the engine's set before this
 * process was started; the engine here never asks again. */
static int ipc_reconcile(void *ctx, const struct pctl_dp_mapping *const *maps,
                         size_t n)
{
	(void)ctx;
	(void)maps;
	(void)n;
	return -EOPNOTSUPP;
}

static int ipc_lookup_flow(void *ctx, uint8_t protocol,
                           const pctl_addr *int_addr, uint16_t int_port,
                           const pctl_addr *remote_addr, uint16_t remote_port,
                           struct pctl_dp_flow *out)
{
	struct pctld_ipc_chan *c = ctx;
	struct pctld_ipc_msg m;

	ask(c,
	    pctld_ipc_encode_flowreq(protocol, int_addr, int_port, remote_addr,
	                             remote_port, c->buf),
	    PCTLD_IPC_FLOW, &m);
	*out = m.flow;
	return -m.u.err;
}

static int ipc_idle_left(void *ctx, const struct pctl_dp_mapping *dp,
                         uint32_t *seconds)
{
	struct pctld_ipc_chan *c = ctx;
	struct pctld_ipc_msg m;
	size_t len = pctld_ipc_encode_map(PCTLD_IPC_IDLE_LEFT, dp, c->buf);

	if (!len)
		return -EINVAL;
	ask(c, len, PCTLD_IPC_IDLE, &m);
	*seconds = m.seconds;
	return -m.u.err;
}

static void ipc_destroy(void *ctx, bool keep_state)
{
	struct pctld_ipc_chan *c = ctx;

	(void)keep_state; /* the parent decides what the data plane keeps */
	close(c->fd);
	if (c->config_fd >= 0)
		close(c->config_fd);
	if (c->rx_fd >= 0)
		close(c->rx_fd);
	free(c->config);
	free(c);
}

int pctld_ipc_backend_open(int fd, bool have_lookup_flow, bool have_idle_left,
                           struct pctl_backend *out,
                           struct pctld_ipc_chan **chan)
{
	struct pctld_ipc_chan *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->fd = fd;
	c->config_fd = c->rx_fd = -1;
	c->ops = (struct pctl_backend_ops){
	    .name = "ipc",
	    .create = ipc_create,
	    .refresh = ipc_refresh,
	    .remove = ipc_remove,
	    .commit = ipc_commit,
	    .abort = ipc_abort,
	    .reconcile = ipc_reconcile,
	    .lookup_flow = have_lookup_flow ? ipc_lookup_flow : NULL,
	    .idle_left = have_idle_left ? ipc_idle_left : NULL,
	    .destroy = ipc_destroy,
	};
	out->ops = &c->ops;
	out->ctx = c;
	*chan = c;
	return 0;
}

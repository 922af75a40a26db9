/*
 * portctld's privileged parent (privsep_parent.h).
 */
#include "privsep_parent.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ipc_msg.h"
#include "log.h"
#include "netproc.h"
#include "notify.h"
#include "privsep_mirror.h"

#define TAG_SIGNAL  1u
#define TAG_CHILD   2u
#define TAG_BACKEND 3u
/* Messages read per wake-up, so that signals and the journal get a turn. */
#define MAX_MSGS_PER_WAKE 256

struct parent {
	struct pctld *d;
	struct pctld_mirror mirror;
	const struct pctld_ids *ids;
	const char *root;
	bool state_lost; /* for the first network process only */
	int ep;
	pid_t child; /* 0: none */
	int fd;      /* its socket, -1 once closed */
	bool restoring;
	bool told_ready; /* READY=1 sent to the service manager */
	int batch_err;   /* first refused operation since the last commit */
	size_t unbound;  /* handed mappings the network process dropped */
	bool stopping, done;
	int rc;
	uint64_t stop_deadline;
	uint64_t starts[PCTLD_RESTART_MAX];
	size_t n_starts;
	uint8_t buf[PCTLD_IPC_BUF_LEN];
	struct pctl_filter filters[PCTLD_JR_MAX_FILTERS];
};

static int64_t realtime_s(void)
{
	struct timespec rt;

	clock_gettime(CLOCK_REALTIME, &rt);
	return (int64_t)rt.tv_sec;
}

static const struct pctl_backend_ops *ops(const struct parent *p)
{
	return p->d->backend.ops;
}

static void *ctx(const struct parent *p)
{
	return p->d->backend.ctx;
}

static void send_child(struct parent *p, size_t len)
{
	/* A network process that is gone cannot be answered; its SIGCHLD
	 * follows. */
	if (p->fd >= 0)
		(void)send(p->fd, p->buf, len, MSG_NOSIGNAL);
}

/* The same with a descriptor (SCM_RIGHTS), which is closed here. */
static void send_child_fd(struct parent *p, size_t len, int fd)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = {.iov_base = p->buf, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cm;

	if (fd < 0) {
		send_child(p, len);
		return;
	}
	memset(&ctl, 0, sizeof(ctl));
	mh.msg_control = ctl.buf;
	mh.msg_controllen = sizeof(ctl.buf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (p->fd >= 0)
		(void)sendmsg(p->fd, &mh, MSG_NOSIGNAL);
	close(fd);
}

static void close_child_fd(struct parent *p)
{
	if (p->fd < 0)
		return;
	epoll_ctl(p->ep, EPOLL_CTL_DEL, p->fd, NULL);
	close(p->fd);
	p->fd = -1;
}

/* rad's rule: a process that sends what no honest one would is not
 * trusted with another message. */
static void malformed(struct parent *p, const char *why)
{
	pctld_log(LOG_ERR,
	          "network process %d sent a malformed message (%s): "
	          "killing it",
	          (int)p->child, why);
	kill(p->child, SIGKILL);
	close_child_fd(p);
}

/* The data-plane part of what a dead network process had queued goes. */
static void abort_batch(struct parent *p)
{
	ops(p)->abort(ctx(p));
	pctld_mirror_abort(&p->mirror);
	p->batch_err = 0;
}

static void queue_op(struct parent *p, uint8_t type, struct pctl_dp_mapping *m)
{
	int rc = pctld_mirror_queue(&p->mirror, type, m, realtime_s());

	if (rc == -EPROTO) {
		malformed(p, "a mapping it does not have");
		return;
	}
	if (!rc)
		rc = type == PCTLD_IPC_CREATE    ? ops(p)->create(ctx(p), m)
		     : type == PCTLD_IPC_REFRESH ? ops(p)->refresh(ctx(p), m)
		                                 : ops(p)->remove(ctx(p), m);
	else
		m = NULL; /* not queued in the mirror */
	if (rc && m)
		pctld_mirror_unqueue(&p->mirror);
	/* The operations are not answered: the commit reports the first
	 * refusal, and nothing of the batch takes effect. */
	if (rc && !p->batch_err)
		p->batch_err = rc;
}

static void commit(struct parent *p)
{
	int rc = p->batch_err;

	if (rc) {
		abort_batch(p);
	} else {
		rc = ops(p)->commit(ctx(p));
		if (rc)
			pctld_mirror_abort(&p->mirror);
		else
			pctld_mirror_commit(&p->mirror);
	}
	send_child(
	    p, pctld_ipc_encode_u32(PCTLD_IPC_RESULT, (uint32_t)-rc, p->buf));
}

static void remove_unbound(void *arg, const struct pctl_dp_mapping *dp)
{
	struct parent *p = arg;
	int rc = ops(p)->remove(ctx(p), dp);

	p->unbound++;
	if (rc && !p->batch_err)
		p->batch_err = rc;
}

/* The new network process restored what it could: the rest leaves the
 * data plane and the journal, in one batch. */
static void restored(struct parent *p)
{
	size_t before = p->mirror.n_handed, bound = p->mirror.live.n;
	int rc = 0;

	p->restoring = false;
	p->batch_err = 0;
	p->unbound = 0;
	pctld_mirror_drop_unbound(&p->mirror, realtime_s(), remove_unbound, p);
	if (p->unbound)
		rc = p->batch_err ? p->batch_err : ops(p)->commit(ctx(p));
	if (rc)
		ops(p)->abort(ctx(p));
	p->batch_err = 0;
	if (p->unbound)
		pctld_log(rc ? LOG_ERR : LOG_NOTICE,
		          "network process %d: %zu of %zu mappings restored; "
		          "the rest %s",
		          (int)p->child, bound, before,
		          rc ? "could not be removed" : "removed");
}

static void bind_all(struct parent *p, const struct pctld_ipc_msg *m)
{
	if (!p->restoring) {
		malformed(p, "BIND after READY");
		return;
	}
	for (size_t i = 0; i < m->u.bind.n; i++) {
		struct pctld_ipc_bind b = pctld_ipc_bind_at(m, i);
		if (pctld_mirror_bind(&p->mirror, b.parent_id, b.net_id)) {
			malformed(p, "BIND of a mapping not handed over");
			return;
		}
	}
}

static void lookup_flow(struct parent *p, const struct pctld_ipc_msg *m)
{
	struct pctl_dp_flow f = {0};
	int rc;

	if (!ops(p)->lookup_flow) {
		malformed(p, "a query the data plane does not offer");
		return;
	}
	rc = ops(p)->lookup_flow(ctx(p), m->u.flowreq.protocol,
	                         &m->u.flowreq.int_addr, m->u.flowreq.int_port,
	                         &m->u.flowreq.remote_addr,
	                         m->u.flowreq.remote_port, &f);
	send_child(p, pctld_ipc_encode_flow(-rc, &f, p->buf));
}

static void idle_left(struct parent *p, struct pctld_ipc_msg *m)
{
	uint32_t seconds = 0;
	int rc;

	if (!ops(p)->idle_left) {
		malformed(p, "a query the data plane does not offer");
		return;
	}
	if (pctld_mirror_parent_id(&p->mirror, m->u.map.id, &m->u.map.id)) {
		malformed(p, "a mapping it does not have");
		return;
	}
	rc = ops(p)->idle_left(ctx(p), &m->u.map, &seconds);
	send_child(p, pctld_ipc_encode_idle(-rc, seconds, p->buf));
}

static void dispatch(struct parent *p, struct pctld_ipc_msg *m)
{
	if (p->restoring && m->type != PCTLD_IPC_BIND &&
	    m->type != PCTLD_IPC_READY) {
		malformed(p, "a request before READY");
		return;
	}
	switch (m->type) {
	case PCTLD_IPC_CREATE:
	case PCTLD_IPC_REFRESH:
	case PCTLD_IPC_REMOVE:
		queue_op(p, m->type, &m->u.map);
		break;
	case PCTLD_IPC_COMMIT:
		commit(p);
		break;
	case PCTLD_IPC_ABORT:
		abort_batch(p);
		send_child(p,
		           pctld_ipc_encode_u32(PCTLD_IPC_RESULT, 0, p->buf));
		break;
	case PCTLD_IPC_LOOKUP_FLOW:
		lookup_flow(p, m);
		break;
	case PCTLD_IPC_IDLE_LEFT:
		idle_left(p, m);
		break;
	case PCTLD_IPC_BIND:
		bind_all(p, m);
		break;
	case PCTLD_IPC_READY:
		if (p->restoring) {
			restored(p);
			/* The service manager learns it once: when the first
			 * network process serves (notify.h). */
			if (!p->told_ready)
				pctld_notify(p->d->notify_fd, "READY=1");
			p->told_ready = true;
		} else
			malformed(p, "READY twice");
		break;
	case PCTLD_IPC_RELOADED:
		pctld_notify(p->d->notify_fd, "READY=1");
		break;
	case PCTLD_IPC_EPOCH:
		/* The journal records the engine's epoch (journal.h). */
		pctl_engine_set_epoch(p->d->engine, m->u.epoch, pctld_now_ms());
		if (p->d->journal)
			pctl_journal_tick(p->d->journal);
		break;
	default:
		break;
	}
}

static void serve_child(struct parent *p)
{
	for (int i = 0; i < MAX_MSGS_PER_WAKE && p->fd >= 0; i++) {
		struct pctld_ipc_msg m;
		const char *why;
		ssize_t n = recv(p->fd, p->buf, sizeof(p->buf),
		                 MSG_DONTWAIT | MSG_TRUNC);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) { /* it is gone; SIGCHLD tells how */
			close_child_fd(p);
			return;
		}
		if ((size_t)n > sizeof(p->buf)) {
			malformed(p, "longer than any message");
			return;
		}
		if (pctld_ipc_decode(p->buf, (size_t)n, PCTLD_IPC_TO_PARENT, &m,
		                     p->filters, &why)) {
			malformed(p, why);
			return;
		}
		dispatch(p, &m);
	}
}

static int spawn(struct parent *p)
{
	struct pctld_handover h = {
	    .mirror = &p->mirror,
	    .epoch = pctl_engine_epoch(p->d->engine, pctld_now_ms()),
	    .state_lost = p->state_lost,
	    .root = p->root,
	    .ids = p->ids,
	    .parent = getpid(),
	};
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = TAG_CHILD};
	int sv[2];
	pid_t pid;

	if (pctld_mirror_handover(&p->mirror) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		pctld_log(LOG_ERR, "network process: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		pctld_log(LOG_ERR, "network process: fork: %s",
		          strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		pctld_netproc_main(p->d, sv[1], &h);
	}
	close(sv[1]);
	p->child = pid;
	p->fd = sv[0];
	p->restoring = true;
	p->state_lost = false;
	if (epoll_ctl(p->ep, EPOLL_CTL_ADD, p->fd, &ev)) {
		malformed(p, "cannot watch its socket");
		return 0;
	}
	pctld_log(LOG_INFO, "network process %d started", (int)pid);
	return 0;
}

/* PCTLD_RESTART_MAX starts within the window, counting this one. */
static bool may_start(struct parent *p, uint64_t now)
{
	size_t k = 0;

	for (size_t i = 0; i < p->n_starts; i++)
		if (now - p->starts[i] < PCTLD_RESTART_WINDOW_MS)
			p->starts[k++] = p->starts[i];
	p->n_starts = k;
	if (k == PCTLD_RESTART_MAX)
		return false;
	p->starts[p->n_starts++] = now;
	return true;
}

static void describe(int status, char *out, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(out, len, "killed by signal %d (%s)%s",
		         WTERMSIG(status), strsignal(WTERMSIG(status)),
		         WTERMSIG(status) == SIGSYS
		             ? ": a system call outside its seccomp filter"
		             : "");
	else
		snprintf(out, len, "exited with status %d",
		         WEXITSTATUS(status));
}

static void child_ended(struct parent *p, int status)
{
	char why[160];

	close_child_fd(p);
	abort_batch(p);
	describe(status, why, sizeof(why));
	p->child = 0;
	if (p->stopping) {
		pctld_log(LOG_INFO, "network process %s", why);
		p->done = true;
		return;
	}
	pctld_log(LOG_ERR, "network process %s; every mapping is kept", why);
	if (!may_start(p, pctld_now_ms())) {
		pctld_log(LOG_ERR,
		          "network process died %d times within %d s: "
		          "stopping, mappings kept for the next start",
		          PCTLD_RESTART_MAX, PCTLD_RESTART_WINDOW_MS / 1000);
		p->done = true;
		p->rc = -1;
		return;
	}
	if (spawn(p)) {
		p->done = true;
		p->rc = -1;
	}
}

static void reap(struct parent *p)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		if (pid == p->child)
			child_ended(p, status);
}

static void stop(struct parent *p, const char *sig)
{
	pctld_log(LOG_NOTICE, "signal %s: stopping", sig);
	pctld_notify(p->d->notify_fd, "STOPPING=1");
	p->stopping = true;
	p->stop_deadline = pctld_now_ms() + PCTLD_STOP_WAIT_MS;
	if (!p->child)
		p->done = true;
	else
		send_child(p, pctld_ipc_encode_empty(PCTLD_IPC_STOP, p->buf));
}

/* Issue 10, logrotate: the audit log's file is opened again here, for the
 * network process (which has no file system) and for the next one this
 * parent starts.  The descriptor to send, or -1: no file configured, or it
 * could not be opened (said here; the audit log then stays as it was). */
static int reopen_audit(struct parent *p, const struct pctld_config *cfg)
{
	char err[PCTLD_ERR_MAX];
	int fd, mine;

	if (cfg->audit.mode != PCTLD_AUDIT_FILE) {
		pctld_audit_switch(&p->d->audit, &cfg->audit, -1);
		p->d->cfg.audit = cfg->audit;
		return -1;
	}
	fd = pctld_audit_open_file(cfg->audit.path, err, sizeof(err));
	if (fd < 0) {
		pctld_log(LOG_ERR, "reload: %s; the audit log stays as it was",
		          err);
		return -1;
	}
	mine = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (mine < 0) {
		pctld_log(LOG_ERR, "reload: audit log: %s; it stays as it was",
		          strerror(errno));
		close(fd);
		return -1;
	}
	pctld_audit_switch(&p->d->audit, &cfg->audit, mine);
	p->d->cfg.audit = cfg->audit;
	return fd;
}

/* SIGHUP: the file is read here (the network process has no file system)
 * and the result sent; the next network process starts with it too. */
static void reload(struct parent *p)
{
	struct pctld_config *cfg = malloc(sizeof(*cfg));
	char err[PCTLD_ERR_MAX], notes[1024];

	if (!cfg) {
		pctld_log(LOG_ERR, "reload: out of memory");
		return;
	}
	/* `systemctl reload` waits for READY=1 (notify.h): sent when the
	 * network process says it applied the new configuration. */
	pctld_notify_reloading(p->d->notify_fd);
	if (pctld_config_build(&p->d->opts, cfg, notes, sizeof(notes), err,
	                       sizeof(err))) {
		pctld_log(LOG_ERR, "reload: %s; configuration unchanged", err);
	} else {
		int audit_fd = reopen_audit(p, cfg);
		send_child_fd(p, pctld_ipc_encode_config(cfg, p->buf),
		              audit_fd);
		pctld_reload_take(&p->d->cfg, cfg);
	}
	/* A network process answers RELOADED when it has applied it; without
	 * one (between two), the next one starts with it. */
	if (!p->child || p->fd < 0)
		pctld_notify(p->d->notify_fd, "READY=1");
	free(cfg);
}

static void handle_signals(struct parent *p)
{
	struct signalfd_siginfo si;

	while (read(p->d->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			reap(p);
		else if (si.ssi_signo == SIGHUP)
			reload(p);
		else if (!p->stopping)
			stop(p, si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
	}
}

/* The data plane changed under the backend (an operator's `nft flush
 * ruleset`, a firewall reload): the backend has re-installed what was
 * lost; say so. */
static void backend_events(struct parent *p)
{
	char msg[512] = "";
	int r = ops(p)->events(ctx(p), msg, sizeof(msg));

	if (r)
		pctld_log(r < 0 ? LOG_ERR : LOG_WARNING, "backend %s: %s",
		          p->d->cfg.backend, msg);
}

static int add_fd(int ep, int fd, uint32_t tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = tag};

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* Journal housekeeping; returns the epoll timeout. */
static int housekeeping(struct parent *p)
{
	uint64_t now = pctld_now_ms(), next = UINT64_MAX;

	if (p->d->journal) {
		if (pctl_journal_next_deadline(p->d->journal) <= now)
			pctl_journal_tick(p->d->journal);
		next = pctl_journal_next_deadline(p->d->journal);
	}
	if (p->stopping && p->child) {
		if (p->stop_deadline <= now) {
			pctld_log(LOG_WARNING,
			          "network process %d did not "
			          "stop: killing it",
			          (int)p->child);
			kill(p->child, SIGKILL);
			p->stop_deadline = now + PCTLD_STOP_WAIT_MS;
		}
		if (p->stop_deadline < next)
			next = p->stop_deadline;
	}
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : next - now > 60000 ? 60000 : (int)(next - now);
}

static int mirror_one(void *arg, const struct pctl_mapping_info *i)
{
	struct pctld_jr_mapping jm = {.info = *i,
	                              .outbound = i->kind == PCTL_MK_PEER};
	struct pctl_dp_mapping dp;

	pctld_ipc_dp_of(&jm, i->lifetime_left, &dp);
	return pctld_mirror_add(arg, &dp, realtime_s());
}

int pctld_privsep_run(struct pctld *d, const struct pctld_ids *ids,
                      const char *root, bool state_lost)
{
	struct parent *p = calloc(1, sizeof(*p));
	struct epoll_event ev[8];
	int rc = -1;

	if (!p) {
		pctld_log(LOG_ERR, "out of memory");
		return -1;
	}
	*p = (struct parent){.d = d,
	                     .ids = ids,
	                     .root = root,
	                     .state_lost = state_lost,
	                     .fd = -1};
	p->ep = epoll_create1(EPOLL_CLOEXEC);
	if (p->ep < 0 || add_fd(p->ep, d->sig_fd, TAG_SIGNAL) ||
	    (ops(p)->events &&
	     add_fd(p->ep, ops(p)->event_fd(ctx(p)), TAG_BACKEND))) {
		pctld_log(LOG_ERR, "event loop: %s", strerror(errno));
		goto out;
	}
	if (pctl_engine_foreach(d->engine, mirror_one, &p->mirror,
	                        pctld_now_ms())) {
		pctld_log(LOG_ERR, "out of memory");
		goto out;
	}
	may_start(p, pctld_now_ms());
	if (spawn(p))
		goto out;
	while (!p->done) {
		int n = epoll_wait(p->ep, ev, 8, housekeeping(p));
		if (n < 0 && errno != EINTR) {
			pctld_log(LOG_ERR, "event loop: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n && !p->done; i++) {
			if (ev[i].data.u32 == TAG_SIGNAL)
				handle_signals(p);
			else if (ev[i].data.u32 == TAG_CHILD)
				serve_child(p);
			else if (ev[i].data.u32 == TAG_BACKEND)
				backend_events(p);
		}
	}
	rc = p->done ? p->rc : -1;
out:
	if (p->child) {
		kill(p->child, SIGKILL);
		waitpid(p->child, NULL, 0);
	}
	close_child_fd(p);
	if (p->ep >= 0)
		close(p->ep);
	pctld_mirror_free(&p->mirror);
	free(p);
	return rc;
}

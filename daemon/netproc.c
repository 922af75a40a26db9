/*
 * portctld's network process (netproc.h).
 */
#include "netproc.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "backend_ipc.h"
#include "extwatch.h"
#include "log.h"
#include "sandbox.h"
#include "selfwatch.h"
#include "upnp_run.h"

static int by_fd(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Everything the parent holds that this process has no use for goes: the
 * nftables and journal descriptors above all, which must never be within
 * reach of the parsers (the kernel would refuse the netlink one without
 * CAP_NET_ADMIN anyway). */
static void close_others(const struct pctld *d, int fd)
{
	int keep[PCTLD_MAX_LISTEN + 4 + 4 * PCTLD_MAX_IFS];
	size_t n = 0;
	unsigned from = 3;

	keep[n++] = fd;
	if (d->ctl_fd >= 0)
		keep[n++] = d->ctl_fd;
	if (d->audit_open && d->audit.fd >= 0)
		keep[n++] = d->audit.fd; /* issue 10: the records go here */
	for (size_t i = 0; i < d->socks.n; i++)
		keep[n++] = d->socks.s[i].fd;
	n += pctld_upnp_sockets_fds(&d->upnp_socks, keep + n); /* issue 11 */
	qsort(keep, n, sizeof(keep[0]), by_fd);
	for (size_t i = 0; i < n; i++) {
		if ((unsigned)keep[i] > from)
			close_range(from, (unsigned)keep[i] - 1, 0);
		if ((unsigned)keep[i] + 1 > from)
			from = (unsigned)keep[i] + 1;
	}
	close_range(from, ~0u, 0);
}

static void start_failed(const char *why)
{
	pctld_log(LOG_ERR, "network process: %s", why);
	_exit(1);
}

static void send_or_exit(struct pctld_ipc_chan *c, const uint8_t *msg,
                         size_t len)
{
	if (pctld_ipc_send(c, msg, len))
		start_failed("cannot reach the parent");
}

/* Restores what the parent handed over and tells it each new id; a mapping
 * that expired meanwhile or that the engine refuses (a new configuration
 * forbids it) is left unbound, and the parent removes it. */
static size_t restore(struct pctld *d, const struct pctld_mirror *mi)
{
	static struct pctld_ipc_bind pairs[PCTLD_IPC_MAX_BINDS];
	static uint8_t msg[PCTLD_IPC_BUF_LEN];
	struct pctl_filter *filters = d->ipc->filters;
	struct timespec rt;
	uint64_t now = pctld_now_ms();
	size_t k = 0, restored = 0;

	clock_gettime(CLOCK_REALTIME, &rt);
	for (size_t i = 0; i < mi->n_handed; i++) {
		const struct pctld_mirror_handed *h = &mi->handed[i];
		struct pctld_jr_mapping jm;
		const char *why;
		uint64_t id;
		int rc;

		if (!h->rec || pctld_jr_decode_upsert(h->rec + PCTLD_JR_HDR_LEN,
		                                      h->len - PCTLD_JR_HDR_LEN,
		                                      &jm, filters, &why))
			continue;
		jm.info.lifetime_left =
		    pctld_mirror_lifetime_left(jm.expiry, rt.tv_sec);
		if (!jm.info.lifetime_left)
			continue;
		d->ipc->quiet = true; /* the data plane has it already */
		rc = pctl_engine_restore(d->engine, &jm.info, now, &id);
		d->ipc->quiet = false;
		if (rc)
			continue;
		restored++;
		pairs[k++] = (struct pctld_ipc_bind){h->parent_id, id};
		if (k == PCTLD_IPC_MAX_BINDS) {
			send_or_exit(d->ipc, msg,
			             pctld_ipc_encode_bind(pairs, k, msg));
			k = 0;
		}
	}
	if (k)
		send_or_exit(d->ipc, msg, pctld_ipc_encode_bind(pairs, k, msg));
	send_or_exit(d->ipc, msg, pctld_ipc_encode_empty(PCTLD_IPC_READY, msg));
	return restored;
}

/* Signals are the parent's: it relays SIGTERM and SIGHUP as messages.  A
 * terminal's ^C reaches the whole process group; the parent acts on it. */
static void own_signals(void)
{
	sigset_t set;

	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
}

void pctld_netproc_main(struct pctld *d, int fd, const struct pctld_handover *h)
{
	const struct pctl_backend_ops *dp = d->backend.ops; /* the parent's */
	char err[PCTLD_ERR_MAX];
	int rooted, rc;
	size_t restored;

	/* Without its parent it has no data plane: it goes too. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != h->parent)
		_exit(3);
	own_signals();
	closelog();
	close_others(d, fd);
	/* syslog's socket is opened now, before the root is emptied. */
	pctld_log_init(d->cfg.foreground, d->cfg.verbose);
	d->journal = NULL;
	d->sig_fd = -1;
	d->addrwatch = d->selfwatch = NULL;
	d->watch_fd = d->self_fd = -1;
	if (pctld_ipc_backend_open(fd, dp->lookup_flow != NULL,
	                           dp->idle_left != NULL, &d->backend, &d->ipc))
		start_failed("out of memory");
	d->watch_fd = pctld_extwatch_open(d, err, sizeof(err));
	if (d->watch_fd == -1)
		start_failed(err);
	d->engine =
	    pctl_engine_new(&d->cfg.engine, &d->backend, pctld_now_ms());
	if (!d->engine)
		start_failed("engine: cannot start");
	if (d->audit_open)
		pctl_engine_set_audit(d->engine, pctld_audit_event, &d->audit);
	if (pctld_selfwatch_open(d, err, sizeof(err)))
		start_failed(err);
	/* Issue 11: before the sandbox, which closes rtnetlink sockets to
	 * new opens (SSDP follows the internal interfaces' addresses). */
	if (pctld_upnp_start(d, err, sizeof(err)))
		start_failed(err);
	if (pctld_sandbox_enter(h->ids, h->root, &rooted, err, sizeof(err)))
		start_failed(err);
	restored = restore(d, h->mirror);
	if (h->state_lost)
		pctl_engine_state_lost(d->engine, pctld_now_ms());
	else
		pctl_engine_set_epoch(d->engine, h->epoch, pctld_now_ms());
	d->epoch_start = (int64_t)(pctld_now_ms() / 1000) -
	                 (int64_t)pctl_engine_epoch(d->engine, pctld_now_ms());
	pctld_log(LOG_INFO,
	          "network process %d: %zu mappings restored; no "
	          "capabilities, %s, seccomp filter on",
	          (int)getpid(), restored,
	          rooted ? "empty root" : "no chroot (started unprivileged)");
	rc = pctld_loop(d);
	pctld_upnp_stop(d); /* ssdp:byebye first */
	pctld_extwatch_close(d);
	pctld_selfwatch_close(d);
	pctl_engine_free(d->engine);
	if (d->audit_open)
		pctld_audit_close(&d->audit); /* what is still buffered */
	d->backend.ops->destroy(d->backend.ctx, true);
	/* _exit: the parent's memory this process inherited (the journal,
	 * the data plane, the hand-over list) is the parent's to free. */
	_exit(rc ? 1 : 0);
}

/*
 * The network process's event loop (netproc.h): one epoll set holding the
 * UDP sockets, the control socket and its connections (served a page at a
 * time, control_conn.h), the address watchers, and the parent's socket.  The
 * epoll timeout is the engine's next deadline (expiry or an unsolicited message
 * due), so nothing wakes up without work to do.
 *
 * Datagrams are drained in batches of PCTLD_BATCH with recvmmsg and the
 * replies of one batch leave in one sendmmsg.  Each socket gets at most
 * MAX_BATCHES_PER_WAKE batches per wake-up so that one busy socket cannot
 * starve the others, the control socket or the signals.
 */
#include "daemon.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "backend_ipc.h"
#include "control_conn.h"
#include "extwatch.h"
#include "log.h"
#include "reload_diff.h"
#include "selfwatch.h"
#include "ssdp.h"
#include "upnp_http.h"
#include "upnp_run.h"

#define MAX_BATCHES_PER_WAKE 16
#define TAG_PARENT           0xfffffffeu
#define TAG_CONTROL          0xfffffffdu
#define TAG_EXTWATCH         0xfffffffcu
#define TAG_SELFWATCH        0xfffffffbu
#define TAG_UPNP_HTTP        0xfffffffau
#define TAG_UPNP_SSDP        0xfffffff9u
#define MAX_TX               16

uint64_t pctld_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Scratch space of one batch, allocated once. */
struct batch {
	struct pctld_dgram in[PCTLD_BATCH];
	uint8_t reply[PCTLD_BATCH][PCTL_MAX_MSG];
	struct pctld_out out[PCTLD_BATCH];
	struct pctl_tx tx[MAX_TX];
};

static void serve_socket(struct pctld *d, const struct pctld_sock *s,
                         struct batch *b)
{
	for (int round = 0; round < MAX_BATCHES_PER_WAKE; round++) {
		size_t n = pctld_sock_recv(s, b->in, PCTLD_BATCH);
		size_t k = 0;
		uint64_t now = pctld_now_ms();

		for (size_t i = 0; i < n; i++) {
			const struct pctld_dgram *g = &b->in[i];
			struct pctl_rx rx = {
			    .buf = g->buf,
			    .len = g->len,
			    .src = g->src,
			    .src_port = g->src_port,
			    .dst = g->dst,
			    .ifindex = g->ifindex,
			    .internal = pctld_is_internal(
			        &d->socks, &d->cfg.engine, g->ifindex, &g->dst),
			    .now_ms = now,
			};
			size_t len;

			if (!g->len)
				continue;
			len = pctl_engine_handle(d->engine, &rx, b->reply[k]);
			if (!len)
				continue; /* silent drop decided by the engine
				           */
			/* Answer from the address the request was sent to,
			 * on the interface it came in by (S-92). */
			b->out[k] = (struct pctld_out){
			    .to = g->src,
			    .port = g->src_port,
			    .from = g->dst,
			    .ifindex =
			        pctl_addr_is_v4(&g->src) ? 0 : g->ifindex,
			    .len = len,
			    .buf = b->reply[k],
			};
			k++;
		}
		if (k)
			pctld_sock_send(s, b->out, k);
		if (n < PCTLD_BATCH)
			return;
	}
}

/* Sends every unsolicited message the engine has due (S-93, S-95, N-10). */
static void flush_tx(struct pctld *d, struct batch *b, uint64_t now)
{
	size_t n;

	do {
		n = pctl_engine_poll_tx(d->engine, now, b->tx, MAX_TX);
		for (size_t i = 0; i < n; i++) {
			const struct pctl_tx *t = &b->tx[i];
			if (t->dest == PCTL_TX_MULTICAST) {
				if (d->cfg.multicast_announce)
					pctld_send_multicast(
					    &d->socks, t->buf, t->len,
					    t->natpmp, d->cfg.announce_port);
				for (size_t u = 0; u < d->cfg.n_announce; u++) {
					const struct pctld_endpoint *ep =
					    &d->cfg.announce[u];
					const struct pctld_sock *s;
					struct pctld_out o = {
					    .to = ep->addr,
					    .port = ep->port,
					    .len = t->len,
					    .buf = t->buf,
					};
					if (t->natpmp &&
					    !pctl_addr_is_v4(&ep->addr))
						continue;
					s = pctld_sock_for(&d->socks, &ep->addr,
					                   &o.from);
					if (!s)
						continue;
					o.from = s->ep.addr; /* S-92 */
					pctld_sock_send(s, &o, 1);
				}
			} else {
				struct pctld_out o = {
				    .to = t->addr,
				    .port = t->port,
				    .from = t->from,
				    .len = t->len,
				    .buf = t->buf,
				};
				const struct pctld_sock *s = pctld_sock_for(
				    &d->socks, &t->addr, &t->from);
				if (s)
					pctld_sock_send(s, &o, 1);
			}
		}
	} while (n == MAX_TX);
}

void pctld_reload_take(struct pctld_config *cur,
                       const struct pctld_config *next)
{
	cur->engine = next->engine;
	cur->flush_on_stop = next->flush_on_stop;
	cur->n_announce = next->n_announce;
	memcpy(cur->announce, next->announce, sizeof(cur->announce));
	cur->announce_port = next->announce_port;
	cur->multicast_announce = next->multicast_announce;
}

void pctld_reload_apply(struct pctld *d, const struct pctld_config *next,
                        int audit_fd)
{
	struct pctld_config *cfg = malloc(sizeof(*cfg));
	struct pctl_engine_stats *st;
	char later[256];
	uint64_t kept = 0;
	int removed;

	if (!cfg) {
		pctld_log(LOG_ERR, "reload: out of memory");
		return;
	}
	*cfg = *next;
	if (d->addrwatch && cfg->ext_from_if) {
		/* Addresses still come from the interface: keep the ones the
		 * watcher last reported, so the reload moves no mapping. */
		memcpy(cfg->engine.ext_addrs, d->cfg.engine.ext_addrs,
		       sizeof(cfg->engine.ext_addrs));
		cfg->engine.n_ext_addrs = d->cfg.engine.n_ext_addrs;
	}
	/* logrotate: the audit file was opened again by the parent (this
	 * process has no file system), first, so that what this reload does
	 * is in the new file (and the audit settings change now, whatever
	 * the engine says below).  When it could not open it, the parent
	 * said why and the audit log stays as it was. */
	if (cfg->audit.mode != PCTLD_AUDIT_FILE || audit_fd >= 0) {
		pctld_audit_switch(&d->audit, &cfg->audit, audit_fd);
		d->cfg.audit = cfg->audit;
	}
	/* Issue 10: each removal is an audit record; the message below
	 * names the first ones. */
	pctld_audit_collect_begin(&d->audit);
	removed =
	    pctl_engine_reconfigure(d->engine, &cfg->engine, pctld_now_ms());
	const char *which = pctld_audit_collect_end(&d->audit);
	if (removed < 0) {
		pctld_log(LOG_ERR,
		          "reload: the engine refused the configuration; "
		          "unchanged");
		free(cfg);
		return;
	}
	/* Issue 16: every change left for the next start is named. */
	if (pctld_reload_restart_only(&d->cfg, cfg, later, sizeof(later)))
		pctld_log(LOG_WARNING,
		          "reload: %s changed: takes effect at the next start",
		          later);
	/* The engine settings, the announce targets and on-stop change now;
	 * sockets, control socket, backend and journal stay as they were
	 * opened. */
	pctld_reload_take(&d->cfg, cfg);
	/* Issue 15 item 13: say what the reload did to the mappings. */
	st = malloc(sizeof(*st));
	if (st) {
		pctl_engine_get_stats(d->engine, st);
		for (size_t k = 0; k < PCTL_MK_KINDS; k++)
			kept += st->mappings[k];
		free(st);
	}
	pctld_log(LOG_NOTICE,
	          "reloaded configuration; %d mapping%s removed%s%s, %" PRIu64
	          " kept",
	          removed, removed == 1 ? "" : "s", removed ? ": " : "",
	          removed ? which : "", kept);
	free(cfg);
}

/* The engine's epoch restarted (an external address change, S-26): the
 * parent's journal records it.  One second of slack absorbs rounding. */
static void tell_epoch(struct pctld *d)
{
	uint64_t now = pctld_now_ms();
	uint32_t epoch = pctl_engine_epoch(d->engine, now);
	int64_t start = (int64_t)(now / 1000) - (int64_t)epoch;
	uint8_t msg[PCTLD_IPC_HDR_LEN + 4];

	if (llabs(start - d->epoch_start) <= 1)
		return;
	d->epoch_start = start;
	pctld_ipc_send(d->ipc, msg,
	               pctld_ipc_encode_u32(PCTLD_IPC_EPOCH, epoch, msg));
}

/* After each wake-up (readable: the parent's socket has something): the
 * parent's messages, also those that came while a commit waited for its
 * answer.  false when the loop must end (STOP, or no parent). */
static bool parent_poll(struct pctld *d, bool readable)
{
	if (readable && pctld_ipc_poll(d->ipc) < 0) {
		pctld_log(LOG_ERR, "the parent is gone: stopping");
		return false;
	}
	if (d->ipc->config) {
		pctld_reload_apply(d, d->ipc->config, d->ipc->config_fd);
		free(d->ipc->config);
		d->ipc->config = NULL;
		d->ipc->config_fd = -1; /* the audit log's now */
		uint8_t msg[PCTLD_IPC_HDR_LEN];
		pctld_ipc_send(d->ipc, msg,
		               pctld_ipc_encode_empty(PCTLD_IPC_RELOADED, msg));
	}
	tell_epoch(d);
	return !d->ipc->stop;
}

static int add_fd(int ep, int fd, uint32_t tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = tag};

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

int pctld_loop(struct pctld *d)
{
	struct epoll_event ev[PCTLD_MAX_LISTEN + 7 + PCTLD_CTL_CONNS];
	struct pctld_ctl ctl;
	struct batch *b = calloc(1, sizeof(*b));
	int ep = epoll_create1(EPOLL_CLOEXEC);
	int rc = -1;
	bool running = true, parent_said = false;

	pctld_ctl_init(&ctl, d->ctl_fd, ep);
	if (!b || ep < 0) {
		pctld_log(LOG_ERR, "event loop: %s", strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < d->socks.n; i++)
		if (add_fd(ep, d->socks.s[i].fd, (uint32_t)i))
			goto fail;
	if (add_fd(ep, d->ipc->fd, TAG_PARENT) ||
	    (d->ctl_fd >= 0 && add_fd(ep, d->ctl_fd, TAG_CONTROL)) ||
	    (d->watch_fd >= 0 && add_fd(ep, d->watch_fd, TAG_EXTWATCH)) ||
	    (d->self_fd >= 0 && add_fd(ep, d->self_fd, TAG_SELFWATCH)) ||
	    (d->http && add_fd(ep, pctld_http_fd(d->http), TAG_UPNP_HTTP)) ||
	    (d->ssdp && add_fd(ep, pctld_ssdp_fd(d->ssdp), TAG_UPNP_SSDP)))
		goto fail;

	while (running) {
		uint64_t now = pctld_now_ms();
		uint64_t next, ctl_next, upnp_next;
		bool http_ready = false, ssdp_ready = false;
		int timeout, n;

		pctl_engine_tick(d->engine, now);
		pctld_audit_tick(&d->audit);
		flush_tx(d, b, now);
		next = pctl_engine_next_deadline(d->engine);
		ctl_next = pctld_ctl_expire(&ctl, now);
		if (ctl_next < next)
			next = ctl_next;
		upnp_next = pctld_upnp_next_ms(d, now);
		if (upnp_next < next)
			next = upnp_next;
		if (next == UINT64_MAX)
			timeout = -1;
		else if (next <= now)
			timeout = 0;
		else
			timeout =
			    next - now > 60000 ? 60000 : (int)(next - now);
		n = epoll_wait(ep, ev, (int)(sizeof(ev) / sizeof(ev[0])),
		               timeout);
		if (n < 0 && errno != EINTR)
			goto fail;
		for (int i = 0; i < n; i++) {
			uint32_t tag = ev[i].data.u32;
			if (tag == TAG_PARENT)
				parent_said = true;
			else if (tag == TAG_EXTWATCH)
				pctld_extwatch_process(d);
			else if (tag == TAG_SELFWATCH)
				pctld_selfwatch_process(d);
			else if (tag == TAG_UPNP_HTTP)
				http_ready = true;
			else if (tag == TAG_UPNP_SSDP)
				ssdp_ready = true;
			else if (tag == TAG_CONTROL)
				pctld_ctl_accept(&ctl, pctld_now_ms());
			else if (pctld_ctl_is_conn(tag))
				pctld_ctl_serve(&ctl, tag, d->engine,
				                pctld_now_ms());
			else if (tag < d->socks.n)
				serve_socket(d, &d->socks.s[tag], b);
		}
		pctld_upnp_run(d, http_ready, ssdp_ready, pctld_now_ms());
		/* Last: a STOP or CONFIG may also have come while a commit
		 * waited for its answer. */
		running = parent_poll(d, parent_said);
		parent_said = false;
	}
	rc = 0;
	goto out;
fail:
	pctld_log(LOG_ERR, "event loop: %s", strerror(errno));
out:
	pctld_ctl_fini(&ctl);
	if (ep >= 0)
		close(ep);
	free(b);
	return rc;
}

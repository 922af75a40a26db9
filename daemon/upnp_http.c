/*
 * The UPnP HTTP server's life cycle (upnp_http.h): one libmicrohttpd
 * daemon per listener, without threads, in its epoll mode; their epoll
 * descriptors sit in one epoll set of ours, which the event loop polls.
 *
 * libmicrohttpd enforces the connection limits, the header memory and an
 * idle timeout.  What it cannot do is end a connection that keeps sending a
 * byte now and then (slowloris): each connection gets a deadline here,
 * renewed when a request completes, and one that passes it is shut down;
 * libmicrohttpd then reads the end of the stream and closes it.
 */
#include "upnp_http_impl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

void pctld_http_limits_default(struct pctld_http_limits *lim)
{
	lim->max_conns = 64;
	lim->max_per_ip = 8;
	lim->header_bytes = 8192;
	lim->body_bytes = 16384;
	lim->deadline_ms = 10000;
}

/* libmicrohttpd's messages, at debug level. */
__attribute__((format(printf, 2, 0))) static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[256];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	pctld_log(LOG_DEBUG, "upnp http: %s", line);
}

/* Accept policy: the total over every listener (each daemon only knows its
 * own), and IP clients only. */
static enum MHD_Result admit_conn(void *cls, const struct sockaddr *sa,
                                  socklen_t len)
{
	struct pctld_http *h = cls;

	(void)len;
	if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)
		return MHD_NO;
	return h->n_conns < h->lim.max_conns ? MHD_YES : MHD_NO;
}

static void conn_event(void *cls, struct MHD_Connection *c, void **sock_ctx,
                       enum MHD_ConnectionNotificationCode what)
{
	struct pctld_http *h = cls;
	struct pctld_http_conn *k = *sock_ctx;

	if (what == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *fd, *addr;
		k = calloc(1, sizeof(*k));
		if (!k)
			return; /* the handler refuses a connection without */
		fd = MHD_get_connection_info(c,
		                             MHD_CONNECTION_INFO_CONNECTION_FD);
		addr = MHD_get_connection_info(
		    c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		k->h = h;
		k->fd = fd ? fd->connect_fd : -1;
		if (!addr ||
		    pctl_addr_from_sockaddr(&k->peer, NULL, addr->client_addr))
			memset(&k->peer, 0, sizeof(k->peer));
		/* 0: set at the next pctld_http_run, whose clock is the
		 * loop's (a connection added from outside it has none yet) */
		k->deadline_ms =
		    h->started ? h->now_ms + h->lim.deadline_ms : 0;
		k->next = h->conns;
		if (h->conns)
			h->conns->prev = k;
		h->conns = k;
		h->n_conns++;
		*sock_ctx = k;
		return;
	}
	if (!k)
		return;
	if (k->prev)
		k->prev->next = k->next;
	else
		h->conns = k->next;
	if (k->next)
		k->next->prev = k->prev;
	h->n_conns--;
	free(k);
	*sock_ctx = NULL;
}

/* A request ended (answered or not): the next one on the connection gets a
 * full deadline. */
static void request_done(void *cls, struct MHD_Connection *c, void **req,
                         enum MHD_RequestTerminationCode why)
{
	struct pctld_http *h = cls;
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	(void)why;
	pctld_http_request_done(*req);
	*req = NULL;
	if (ci && ci->socket_context) {
		struct pctld_http_conn *k = ci->socket_context;
		k->deadline_ms = h->now_ms + h->lim.deadline_ms;
	}
}

static struct MHD_Daemon *start(struct pctld_http *h, int fd)
{
	unsigned timeout_s = (unsigned)((h->lim.deadline_ms + 999) / 1000);
	/* No Date from libmicrohttpd: its gmtime_r reads /etc/localtime once,
	 * an open the confined process may not make (upnp_date.h). */
	unsigned flags =
	    MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_SUPPRESS_DATE_NO_CLOCK;
	struct MHD_OptionItem ops[] = {
	    {MHD_OPTION_LISTEN_SOCKET, fd, NULL},
	    {MHD_OPTION_CONNECTION_LIMIT, h->lim.max_conns, NULL},
	    {MHD_OPTION_PER_IP_CONNECTION_LIMIT, h->lim.max_per_ip, NULL},
	    {MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)h->lim.header_bytes,
	     NULL},
	    {MHD_OPTION_CONNECTION_TIMEOUT, timeout_s, NULL},
	    {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)conn_event, h},
	    {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)request_done, h},
	    {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, h},
	    {MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL},
	    {MHD_OPTION_END, 0, NULL},
	};

	/* Without a listener (connections only through
	 * pctld_http_add_connection) the listener option must be absent. */
	if (fd < 0)
		flags |= MHD_USE_NO_LISTEN_SOCKET;
	return MHD_start_daemon(flags, 0, admit_conn, h, pctld_http_handle, h,
	                        MHD_OPTION_ARRAY, fd < 0 ? ops + 1 : ops,
	                        MHD_OPTION_END);
}

struct pctld_http *pctld_http_new_limits(const struct pctld_http_listener *l,
                                         size_t n,
                                         const struct pctld_upnp_info *info,
                                         struct pctl_engine *engine,
                                         const struct pctld_http_limits *lim)
{
	struct pctld_http *h = calloc(1, sizeof(*h));
	size_t nd = n ? n : 1;
	int saved;

	if (h)
		h->epfd = -1;
	if (!h || !(h->d = calloc(nd, sizeof(h->d[0]))))
		goto fail;
	h->engine = engine;
	h->lim = *lim;
	h->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (h->epfd < 0 || pctld_upnp_docs_build(&h->docs, info))
		goto fail;
	for (size_t i = 0; i < nd; i++) {
		struct epoll_event ev = {.events = EPOLLIN};
		const union MHD_DaemonInfo *di;
		h->d[i] = start(h, n ? l[i].fd : -1);
		if (!h->d[i]) {
			if (!errno)
				errno = EINVAL;
			goto fail;
		}
		h->n = i + 1;
		di = MHD_get_daemon_info(h->d[i], MHD_DAEMON_INFO_EPOLL_FD);
		if (!di || epoll_ctl(h->epfd, EPOLL_CTL_ADD, di->epoll_fd, &ev))
			goto fail;
	}
	return h;
fail:
	saved = errno;
	/* Taken over even on failure: the listeners no daemon holds are
	 * closed here (the daemons close theirs). */
	for (size_t j = h ? h->n : 0; j < n; j++)
		close(l[j].fd);
	pctld_http_free(h);
	errno = saved ? saved : ENOMEM;
	return NULL;
}

struct pctld_http *pctld_http_new(const struct pctld_http_listener *l, size_t n,
                                  const struct pctld_upnp_info *info,
                                  struct pctl_engine *engine)
{
	struct pctld_http_limits lim;

	pctld_http_limits_default(&lim);
	return pctld_http_new_limits(l, n, info, engine, &lim);
}

int pctld_http_fd(const struct pctld_http *h)
{
	return h->epfd;
}

void pctld_http_run(struct pctld_http *h, uint64_t now_ms)
{
	h->now_ms = now_ms;
	if (!h->started) {
		h->started = true;
		h->start_ms = now_ms;
	}
	for (struct pctld_http_conn *k = h->conns; k; k = k->next) {
		if (!k->deadline_ms)
			k->deadline_ms = now_ms + h->lim.deadline_ms;
		if (k->cut || k->deadline_ms > now_ms || k->fd < 0)
			continue;
		/* Too slow: end both directions; the daemon sees the end of
		 * the stream and closes the connection in MHD_run below. */
		shutdown(k->fd, SHUT_RDWR);
		k->cut = true;
	}
	for (size_t i = 0; i < h->n; i++)
		MHD_run(h->d[i]);
}

uint64_t pctld_http_next_ms(const struct pctld_http *h, uint64_t now_ms)
{
	uint64_t next = UINT64_MAX;

	for (size_t i = 0; i < h->n; i++) {
		MHD_UNSIGNED_LONG_LONG t;
		if (MHD_get_timeout(h->d[i], &t) == MHD_YES &&
		    now_ms + t < next)
			next = now_ms + t;
	}
	for (const struct pctld_http_conn *k = h->conns; k; k = k->next)
		if (!k->cut && k->deadline_ms < next)
			next = k->deadline_ms;
	return next;
}

int pctld_http_add_connection(struct pctld_http *h, int fd,
                              const struct sockaddr *peer, unsigned peer_len)
{
	if (MHD_add_connection(h->d[0], fd, peer, (socklen_t)peer_len) !=
	    MHD_YES)
		return -1;
	return 0;
}

void pctld_http_free(struct pctld_http *h)
{
	if (!h)
		return;
	for (size_t i = 0; h->d && i < h->n; i++)
		MHD_stop_daemon(h->d[i]);
	free(h->d);
	if (h->epfd >= 0)
		close(h->epfd);
	pctld_upnp_docs_free(&h->docs);
	free(h);
}

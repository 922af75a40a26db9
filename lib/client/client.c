/*
 * The client object: configuration, server addresses and their connected
 * sockets, the clock and the random source, and the event-loop interface
 * (descriptors, next timeout, process, a blocking wait on top).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static uint64_t clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t default_monotonic(void *arg)
{
	(void)arg;
	return clock_ms(CLOCK_MONOTONIC); /* C-42: never goes back */
}

static uint64_t default_boottime(void *arg)
{
	(void)arg;
	return clock_ms(CLOCK_BOOTTIME); /* also counts suspended time */
}

static void config_defaults(struct pctl_client_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->irt_ms = PCTL_CLIENT_IRT_MS; /* K-12 */
	cfg->mrt_ms = PCTL_CLIENT_MRT_MS;
	cfg->mrc = PCTL_CLIENT_MRC;
	cfg->mrd_ms = PCTL_CLIENT_MRD_MS;
	cfg->max_lifetime = PCTL_CLIENT_MAX_LIFETIME; /* C-23 */
}

void pctl_client_config_init_sized(struct pctl_client_config *cfg, size_t size)
{
	struct pctl_client_config d;

	config_defaults(&d);
	pctl_sized_out(cfg, size, &d, sizeof(d));
}

struct pctl_client *pctl_client_new_sized(const struct pctl_client_config *cfg,
                                          size_t size)
{
	struct pctl_client *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (!cfg) {
		config_defaults(&c->cfg);
	} else if (pctl_sized_in(&c->cfg, sizeof(c->cfg), cfg, size,
	                         PCTL_CLIENT_CONFIG_SIZE_0) < 0) {
		free(c);
		return NULL;
	}
	if (!c->cfg.clock) {
		c->cfg.clock = default_monotonic;
		c->cfg.boottime = default_boottime;
	}
	if (!c->cfg.max_lifetime)
		c->cfg.max_lifetime = PCTL_CLIENT_MAX_LIFETIME;
	if (!c->cfg.irt_ms)
		c->cfg.irt_ms = PCTL_CLIENT_IRT_MS;
	c->selected[0] = c->selected[1] = -1;
	c->ann_fd[0] = c->ann_fd[1] = -1;
	c->nl_fd = -1;
	if (getrandom(&c->rng, sizeof(c->rng), 0) != sizeof(c->rng))
		c->rng = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	c->rng |= 1; /* xorshift state must not be zero */
	if (c->cfg.watch_network && (c->nl_fd = pctl_nw_open()) < 0) {
		int e = errno;
		pctl_client_free(c);
		errno = e;
		return NULL;
	}
	if (c->cfg.announce_port && pctl_ann_open(c) < 0) {
		int e = errno;
		pctl_client_free(c);
		errno = e;
		return NULL;
	}
	return c;
}

static void close_servers(struct pctl_client *c)
{
	for (size_t i = 0; i < c->nsrv; i++)
		if (c->srv[i].fd >= 0)
			close(c->srv[i].fd);
	c->nsrv = 0;
	c->selected[0] = c->selected[1] = -1;
}

void pctl_client_free(struct pctl_client *c)
{
	if (!c)
		return;
	pctl_upnp_free(c); /* every HTTP request, without callbacks */
	while (c->maps) {
		struct pctl_client_map *m = c->maps;
		c->maps = m->next;
		free(m);
	}
	close_servers(c);
	for (int i = 0; i < 2; i++)
		if (c->ann_fd[i] >= 0)
			close(c->ann_fd[i]);
	if (c->nl_fd >= 0)
		close(c->nl_fd);
	free(c);
}

/* A UDP socket bound to bind_to (NULL: the kernel chooses) and connected to
 * the server; *local receives the source address getsockname() reports.
 * Returns the descriptor or -1. */
static int open_connected(const struct pctl_srv *s, const pctl_addr *bind_to,
                          pctl_addr *local)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = socket(s->sa.ss_family,
	                SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (bind_to) {
		size_t sl = pctl_addr_to_sockaddr(bind_to, 0, &ss);
		if (ss.ss_family != s->sa.ss_family) {
			close(fd);
			errno = EAFNOSUPPORT;
			return -1;
		}
		if (ss.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&ss)->sin6_scope_id =
			    ((const struct sockaddr_in6 *)&s->sa)
			        ->sin6_scope_id;
		if (bind(fd, (struct sockaddr *)&ss, (socklen_t)sl) < 0)
			goto fail;
	}
	if (connect(fd, (const struct sockaddr *)&s->sa, s->salen) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		goto fail;
	pctl_addr_from_sockaddr(local, NULL, (struct sockaddr *)&ss);
	return fd;
fail : {
	int e = errno;
	close(fd);
	errno = e;
}
	return -1;
}

/* C-11: a socket connected to the server tells us, by getsockname(), the
 * source address the kernel picked (RFC 6724 rules for IPv6), which goes
 * into the Client IP field; a random ephemeral port (C-10).  C-12: when
 * that is a ULA but the interface also has a global address, the global
 * one is used, since a mapping for a ULA is useless from the Internet. */
static int srv_open(struct pctl_client *c, struct pctl_srv *s)
{
	pctl_addr src, global;
	int fd;

	if (c->cfg.source) {
		if (pctl_addr_from_str(&src, c->cfg.source) < 0) {
			errno = EINVAL;
			return -1;
		}
		fd = open_connected(s, &src, &s->local);
	} else {
		fd = open_connected(s, NULL, &s->local);
	}
	if (fd < 0)
		return -1;
	if (!c->cfg.source && pctl_srcsel_global_for(&s->local, &global)) {
		pctl_addr used;
		int gfd = open_connected(s, &global, &used);
		if (gfd >= 0) {
			close(fd);
			fd = gfd;
			s->local = used;
		}
	}
	s->fd = fd;
	return 0;
}

static int add_addr(struct pctl_client *c, const pctl_addr *a, uint16_t port,
                    unsigned scope)
{
	struct pctl_srv *s;

	if (c->nsrv == PCTL_CLIENT_MAX_SERVERS) {
		errno = ENOSPC;
		return -1;
	}
	for (size_t i = 0; i < c->nsrv; i++)
		if (pctl_addr_equal(&c->srv[i].addr, a) &&
		    c->srv[i].port == port)
			return 0; /* already known */
	s = &c->srv[c->nsrv];
	memset(s, 0, sizeof(*s));
	s->addr = *a;
	s->port = port;
	s->salen = (socklen_t)pctl_addr_to_sockaddr(a, port, &s->sa);
	if (s->sa.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&s->sa)->sin6_scope_id = scope;
	if (srv_open(c, s) < 0)
		return -1;
	c->nsrv++;
	return 0;
}

/* "ADDR", "ADDR:PORT" (IPv4), "V6", "[V6]" or "[V6]:PORT"; a V6 may end
 * in %IFNAME, the interface its link-local address is on (RFC 4007; RFC
 * 7291 section 7: a server learnt from DHCP belongs to its interface). */
int pctl_client_add_server(struct pctl_client *c, const char *text)
{
	char host[64];
	const char *colon = strrchr(text, ':');
	unsigned long port = PCTL_SERVER_PORT;
	unsigned scope = 0;
	pctl_addr a;
	size_t n;

	if (text[0] == '[') {
		const char *end = strchr(text, ']');
		if (!end || (end[1] && end[1] != ':'))
			goto bad;
		n = (size_t)(end - text - 1);
		colon = end[1] ? end + 1 : NULL;
		text++;
	} else if (colon && strchr(text, ':') != colon) {
		n = strlen(text); /* bare IPv6 */
		colon = NULL;
	} else {
		n = colon ? (size_t)(colon - text) : strlen(text);
	}
	if (n == 0 || n >= sizeof(host))
		goto bad;
	memcpy(host, text, n);
	host[n] = 0;
	if (colon) {
		char *end;
		errno = 0;
		port = strtoul(colon + 1, &end, 10);
		if (errno || *end || end == colon + 1 || port == 0 ||
		    port > 65535)
			goto bad;
	}
	char *zone = strchr(host, '%');
	if (zone) {
		*zone++ = '\0';
		if (!*zone)
			goto bad;
		scope = if_nametoindex(zone);
		if (!scope) {
			errno = ENODEV;
			return -1;
		}
	}
	if (pctl_addr_from_str(&a, host) < 0 || (zone && pctl_addr_is_v4(&a)))
		goto bad;
	c->discovered = false;
	return add_addr(c, &a, (uint16_t)port, scope);
bad:
	errno = EINVAL;
	return -1;
}

int pctl_client_discover(struct pctl_client *c)
{
	struct pctl_gw gw[PCTL_CLIENT_MAX_SERVERS];
	pctl_addr any4, any6;
	int n;

	if (c->nsrv && !c->discovered)
		return (int)c->nsrv; /* C-1: configuration wins */
	close_servers(c);
	n = pctl_gateways(gw, PCTL_CLIENT_MAX_SERVERS - 2);
	for (int i = 0; i < n; i++)
		add_addr(c, &gw[i].addr, PCTL_SERVER_PORT, gw[i].ifindex);
	/* RFC 7723 section 2.1 (C-1, K-28): the anycast addresses last. */
	pctl_addr_from_str(&any4, "192.0.0.9");
	pctl_addr_from_str(&any6, "2001:1::1");
	add_addr(c, &any4, PCTL_SERVER_PORT, 0);
	add_addr(c, &any6, PCTL_SERVER_PORT, 0); /* fails without v6 route */
	c->discovered = true;
	return (int)c->nsrv;
}

size_t pctl_client_server_count(const struct pctl_client *c)
{
	return c->nsrv;
}

const char *pctl_client_server_str(const struct pctl_client *c, size_t i,
                                   char *buf, size_t len)
{
	char a[PCTL_ADDRSTRLEN], zone[IF_NAMESIZE + 1] = "";

	if (i >= c->nsrv)
		return NULL;
	const struct pctl_srv *s = &c->srv[i];
	pctl_addr_to_str(&s->addr, a, sizeof(a));
	if (s->sa.ss_family == AF_INET6) {
		unsigned scope =
		    ((const struct sockaddr_in6 *)&s->sa)->sin6_scope_id;
		if (scope && if_indextoname(scope, zone + 1))
			zone[0] = '%';
	}
	if (pctl_addr_is_v4(&s->addr))
		snprintf(buf, len, "%s:%u", a, s->port);
	else
		snprintf(buf, len, "[%s%s]:%u", a, zone, s->port);
	return buf;
}

size_t pctl_client_fds(const struct pctl_client *c, int *fds, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nsrv; i++) {
		if (n < max)
			fds[n] = c->srv[i].fd;
		n++;
	}
	for (int i = 0; i < 2; i++)
		if (c->ann_fd[i] >= 0) {
			if (n < max)
				fds[n] = c->ann_fd[i];
			n++;
		}
	if (c->nl_fd >= 0) {
		if (n < max)
			fds[n] = c->nl_fd;
		n++;
	}
	/* UPnP: the SSDP sockets and the HTTP connections curl opened. */
	struct pollfd up[PCTL_CLIENT_MAX_FDS];
	size_t nu = pctl_upnp_pollfds(c, up, PCTL_CLIENT_MAX_FDS);
	for (size_t i = 0; i < nu && i < PCTL_CLIENT_MAX_FDS; i++) {
		if (n < max)
			fds[n] = up[i].fd;
		n++;
	}
	return n;
}

size_t pctl_client_pollfds(const struct pctl_client *c, struct pollfd *fds,
                           size_t max)
{
	int one[PCTL_CLIENT_MAX_FDS];
	size_t n = pctl_client_fds(c, one, PCTL_CLIENT_MAX_FDS);
	size_t nu = pctl_upnp_pollfds(c, NULL, 0), base = n - nu;

	for (size_t i = 0; i < base && i < max; i++) {
		fds[i].fd = one[i];
		fds[i].events = POLLIN;
		fds[i].revents = 0;
	}
	/* UPnP's with POLLOUT where curl waits to write. */
	if (base < max)
		pctl_upnp_pollfds(c, fds + base, max - base);
	return n;
}

int64_t pctl_client_timeout(struct pctl_client *c)
{
	uint64_t now = pctl_cl_now(c), next = 0;

	for (struct pctl_client_map *m = c->maps; m; m = m->next)
		if (!m->dead && m->next_at && (!next || m->next_at < next))
			next = m->next_at;
	if (c->net_change_at && (!next || c->net_change_at < next))
		next = c->net_change_at;
	int64_t u = pctl_upnp_timeout(c, now);
	if (u >= 0 && (!next || now + (uint64_t)u < next))
		return u;
	if (!next)
		return -1;
	return next > now ? (int64_t)(next - now) : 0;
}

/* Suspend/resume: CLOCK_MONOTONIC stops while suspended, CLOCK_BOOTTIME
 * does not.  A growing gap means we slept; the network and the server may
 * have changed, so start over (C-5). */
static void check_suspend(struct pctl_client *c)
{
	uint64_t gap;

	if (!c->cfg.boottime)
		return;
	gap = c->cfg.boottime(c->cfg.clock_arg) - pctl_cl_now(c);
	if (c->have_boot_gap && gap > c->boot_gap_ms + 2000u) {
		pctl_cl_log(c, LOG_NOTICE,
		            "resumed after %llu s of suspend: re-creating "
		            "mappings",
		            (unsigned long long)(gap - c->boot_gap_ms) / 1000u);
		c->boot_gap_ms = gap;
		pctl_client_reset(c);
		return;
	}
	c->have_boot_gap = true;
	c->boot_gap_ms = gap;
}

static void drain_server(struct pctl_client *c, int i, uint64_t now)
{
	uint8_t buf[PCTL_MAX_MSG + 4];

	for (int k = 0; k < 64; k++) { /* bounded per call */
		ssize_t n = recv(c->srv[i].fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == ECONNREFUSED) {
				/* C-3 / N-11: hard ICMP error */
				c->srv[i].unreachable = true;
				for (struct pctl_client_map *m = c->maps; m;
				     m = m->next)
					if (!m->dead && m->srv == i &&
					    m->next_at &&
					    (m->state == PCTL_MS_PENDING ||
					     m->state == PCTL_MS_DELETING))
						pctl_ex_next_address(m, now);
				continue;
			}
			return;
		}
		/* A connected socket only receives from the server's
		 * address and port: that is the C-30 check. */
		pctl_resp_input(c, i, buf, (size_t)n, now);
	}
}

static void reap(struct pctl_client *c)
{
	struct pctl_client_map **pp = &c->maps;

	if (c->in_callback)
		return;
	while (*pp) {
		if ((*pp)->dead) {
			struct pctl_client_map *d = *pp;
			*pp = d->next;
			pctl_upnp_map_forget(d);
			free(d);
		} else {
			pp = &(*pp)->next;
		}
	}
}

/* A mapping's timer: its UPnP exchange's when made through the IGD. */
static void map_timer(struct pctl_client_map *m, uint64_t now)
{
	if (m->u.active)
		pctl_upnp_map_timer(m, now);
	else
		pctl_ex_timer(m, now);
}

void pctl_client_process(struct pctl_client *c, const int *ready, size_t n)
{
	uint64_t now;

	c->wakeups++;
	check_suspend(c);
	now = pctl_cl_now(c);
	for (size_t k = 0; k < n; k++) {
		for (size_t i = 0; i < c->nsrv; i++)
			if (ready[k] == c->srv[i].fd)
				drain_server(c, (int)i, now);
		for (int i = 0; i < 2; i++)
			if (c->ann_fd[i] >= 0 && ready[k] == c->ann_fd[i])
				pctl_ann_input(c, c->ann_fd[i], now);
		pctl_upnp_input(c, ready[k], now); /* SSDP replies */
		/* A burst of changes (DHCP, SLAAC) gives one reset, a
		 * second after the last one. */
		if (c->nl_fd >= 0 && ready[k] == c->nl_fd &&
		    pctl_nw_input(c->nl_fd))
			c->net_change_at = now + 1000;
	}
	if (c->net_change_at && c->net_change_at <= now) {
		c->net_change_at = 0;
		pctl_cl_log(c, LOG_NOTICE,
		            "network changed: re-creating mappings");
		pctl_client_reset(c);
	}
	/* UPnP: SSDP rounds, HTTP (curl, its sockets polled here, so that
	 * callers of pctl_client_fds get them written too), and mappings
	 * that go to the IGD now. */
	pctl_upnp_igd_process(c, now);
	pctl_upnp_tick(c, now);
	/* Timers: a mapping's timer may start others' (restart detection),
	 * so loop until nothing more is due, bounded. */
	for (int round = 0; round < 4; round++) {
		bool any = false;
		for (struct pctl_client_map *m = c->maps; m; m = m->next)
			if (!m->dead && m->next_at && m->next_at <= now) {
				any = true;
				map_timer(m, now);
			}
		if (!any)
			break;
		/* Awake anyway: renew every mapping whose window is open, so
		 * that many mappings cost one wake-up, not one each. */
		for (struct pctl_client_map *m = c->maps; m; m = m->next)
			if (pctl_ex_window_open(m, now))
				map_timer(m, now);
	}
	reap(c);
}

static bool settled(const struct pctl_client_map *m)
{
	return m->state != PCTL_MS_PENDING && m->state != PCTL_MS_DELETING;
}

int pctl_client_wait(struct pctl_client *c, struct pctl_client_map *m,
                     int64_t timeout_ms)
{
	uint64_t start = pctl_cl_now(c);

	c->stop = false;
	for (;;) {
		struct pollfd pfd[PCTL_CLIENT_MAX_FDS];
		int ready[PCTL_CLIENT_MAX_FDS];
		size_t nfd = pctl_client_pollfds(c, pfd, PCTL_CLIENT_MAX_FDS);
		int64_t t = pctl_client_timeout(c);
		uint64_t now = pctl_cl_now(c);
		size_t nready = 0;
		int r;

		if (c->stop || (m && settled(m)))
			return 0;
		if (timeout_ms >= 0) {
			int64_t left = (int64_t)(start + (uint64_t)timeout_ms) -
			               (int64_t)now;
			if (left <= 0) {
				errno = ETIMEDOUT;
				return -1;
			}
			if (t < 0 || t > left)
				t = left;
		}
		if (t > 60000 || t < 0)
			t = 60000; /* wake up now and then: suspend check */
		if (nfd > PCTL_CLIENT_MAX_FDS)
			nfd = PCTL_CLIENT_MAX_FDS;
		r = poll(pfd, nfd, (int)t);
		if (r < 0)
			return -1; /* EINTR: the caller looks at its flags */
		for (size_t i = 0; i < nfd; i++)
			if (pfd[i].revents)
				ready[nready++] = pfd[i].fd;
		pctl_client_process(c, ready, nready);
	}
}

void pctl_client_stop(struct pctl_client *c)
{
	c->stop = true;
}

uint64_t pctl_client_wakeups(const struct pctl_client *c)
{
	return c->wakeups;
}

/* Suspend/resume or a network change: reopen the sockets (the source
 * address may have changed), forget epochs and hold times of the old
 * network (C-5), re-discover, and re-create every wanted mapping. */
void pctl_client_reset(struct pctl_client *c)
{
	uint64_t now = pctl_cl_now(c);

	pctl_upnp_reset(c); /* the IGD is searched for again */
	if (c->discovered) {
		pctl_client_discover(c);
	} else {
		for (size_t i = 0; i < c->nsrv; i++) {
			struct pctl_srv *s = &c->srv[i];
			int old = s->fd;
			memset(&s->epoch, 0, sizeof(s->epoch));
			s->hold_new_until = s->hold_all_until = 0;
			s->unreachable = false;
			if (srv_open(c, s) == 0)
				close(old);
			else
				s->fd = old;
		}
		c->selected[0] = c->selected[1] = -1;
	}
	for (struct pctl_client_map *m = c->maps; m; m = m->next) {
		if (m->dead || (!m->p.keep && m->state != PCTL_MS_PENDING))
			continue;
		if (m->srv >= (int)c->nsrv)
			m->srv = 0;
		if (m->state == PCTL_MS_DELETED ||
		    pctl_upnp_map_reset(m, now)) /* UPnP only */
			continue;
		pctl_ex_start(m, now, 0);
	}
}

/*
 * Finding the UPnP IGD: SSDP M-SEARCH for IGD:2 and IGD:1, the replies, the
 * device description fetched over HTTP, the IGD chosen among those found,
 * and its external address (GetExternalIPAddress).
 *
 * Where it searches follows the PCP servers (C-1): servers that were
 * discovered (default gateways) mean a multicast search on
 * 239.255.255.250:1900 (and ff02::c when IPv6 is wanted) plus a unicast
 * M-SEARCH to each gateway; configured servers replace discovery, so the
 * search is unicast to those addresses only (miniupnpd answers a unicast
 * M-SEARCH on port 1900).  Nothing is multicast on a network the program
 * did not point us at.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "internal.h"

static void ssdp_close(struct pctl_upnp *u)
{
	for (int i = 0; i < 2; i++)
		if (u->ssdp_fd[i] >= 0) {
			close(u->ssdp_fd[i]);
			u->ssdp_fd[i] = -1;
		}
	u->searching = false;
}

static bool source_addr(const struct pctl_client *c, int fam, pctl_addr *a)
{
	return c->cfg.source && pctl_addr_from_str(a, c->cfg.source) == 0 &&
	       pctl_addr_is_v4(a) == (fam == 0);
}

static int ssdp_open(struct pctl_client *c, int fam)
{
	int fd = socket(fam ? AF_INET6 : AF_INET,
	                SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int hops = 2; /* UDA 1.1 section 1.1.2: TTL 2 by default */
	pctl_addr src;

	if (fd < 0)
		return -1;
	if (source_addr(c, fam, &src)) {
		struct sockaddr_storage ss;
		size_t sl = pctl_addr_to_sockaddr(&src, 0, &ss);
		if (bind(fd, (struct sockaddr *)&ss, (socklen_t)sl) < 0) {
			close(fd);
			return -1;
		}
	}
	if (fam)
		setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops,
		           sizeof(hops));
	else
		setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &hops,
		           sizeof(hops));
	return fd;
}

static void send_to(int fd, const pctl_addr *a, unsigned scope, const char *msg,
                    size_t len)
{
	struct sockaddr_storage ss;
	size_t sl = pctl_addr_to_sockaddr(a, PCTL_SSDP_PORT, &ss);

	if (ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_scope_id = scope;
	/* Errors (no route, no multicast) only mean nothing is found. */
	(void)sendto(fd, msg, len, 0, (struct sockaddr *)&ss, (socklen_t)sl);
}

static void search_round(struct pctl_client *c)
{
	static const char *const sts[2] = {PCTL_ST_IGD2, PCTL_ST_IGD1};
	struct pctl_upnp *u = c->upnp;
	char msg[512];

	for (int fam = 0; fam < 2; fam++) {
		int fd = u->ssdp_fd[fam];
		pctl_addr group;
		if (fd < 0)
			continue;
		pctl_addr_from_str(&group,
		                   fam ? PCTL_SSDP_GROUP6 : PCTL_SSDP_GROUP4);
		for (int k = 0; k < 2; k++) {
			size_t len =
			    pctl_ssdp_msearch(msg, sizeof(msg), fam ? 6 : 4,
			                      sts[k], PCTL_SSDP_MX);
			if (!len)
				continue;
			if (c->discovered || !c->nsrv)
				send_to(fd, &group, 0, msg, len);
			for (size_t i = 0; i < c->nsrv; i++) {
				const struct pctl_srv *s = &c->srv[i];
				unsigned scope = 0;
				if (pctl_addr_is_v4(&s->addr) != (fam == 0))
					continue;
				if (fam)
					scope = ((const struct sockaddr_in6 *)&s
					             ->sa)
					            ->sin6_scope_id;
				send_to(fd, &s->addr, scope, msg, len);
			}
		}
	}
}

int pctl_upnp_discover(struct pctl_client *c, bool want_v6)
{
	struct pctl_upnp *u = c->upnp;
	uint64_t now = pctl_cl_now(c);

	if (!u) {
		u = calloc(1, sizeof(*u));
		if (!u)
			return -1;
		u->http = pctl_http_new();
		if (!u->http) {
			free(u);
			errno = ENOMEM;
			return -1;
		}
		u->c = c;
		u->igd[0].u = u->igd[1].u = u;
		u->ssdp_fd[0] = u->ssdp_fd[1] = -1;
		c->upnp = u;
	}
	if (u->searching ? u->want_v6 || !want_v6
	                 : u->igd[0].have && (u->igd[1].have || !want_v6))
		return 0;
	ssdp_close(u);
	u->want_v6 = u->want_v6 || want_v6;
	u->ssdp_fd[0] = ssdp_open(c, 0);
	if (u->want_v6)
		u->ssdp_fd[1] = ssdp_open(c, 1);
	u->searching = true;
	u->rounds = 0;
	u->started_at = u->next_round_at = now;
	pctl_cl_log(c, LOG_DEBUG, "UPnP: searching for an IGD");
	return 0;
}

void pctl_upnp_reset(struct pctl_client *c)
{
	struct pctl_upnp *u = c->upnp;

	if (!u)
		return;
	ssdp_close(u);
	for (size_t i = 0; i < u->ncand; i++)
		pctl_http_cancel(u->http, u->cand[i].req);
	u->ncand = 0;
	for (int f = 0; f < 2; f++) {
		pctl_http_cancel(u->http, u->igd[f].ext_req);
		memset(&u->igd[f], 0, sizeof(u->igd[f]));
		u->igd[f].u = u;
	}
	u->started_at = 0;
}

void pctl_upnp_free(struct pctl_client *c)
{
	if (!c->upnp)
		return;
	ssdp_close(c->upnp);
	pctl_http_free(c->upnp->http); /* every request, no callbacks */
	free(c->upnp);
	c->upnp = NULL;
}

static bool fetching(const struct pctl_upnp *u)
{
	for (size_t i = 0; i < u->ncand; i++)
		if (u->cand[i].req)
			return true;
	return u->igd[0].ext_req || u->igd[1].ext_req;
}

bool pctl_upnp_gave_up(const struct pctl_client *c)
{
	const struct pctl_upnp *u = c->upnp;

	return u && u->started_at && !u->searching && !u->igd[0].have &&
	       !u->igd[1].have && !fetching(u);
}

struct pctl_upnp_igd *pctl_upnp_igd_for(struct pctl_client *c, int fam)
{
	struct pctl_upnp *u = c->upnp;

	if (!u)
		return NULL;
	if (u->igd[fam].ready)
		return &u->igd[fam];
	if (u->igd[!fam].ready && !u->searching && !fetching(u))
		return &u->igd[!fam];
	return NULL;
}

size_t pctl_upnp_pollfds(const struct pctl_client *c, struct pollfd *fds,
                         size_t max)
{
	const struct pctl_upnp *u = c->upnp;
	size_t n = 0;

	if (!u)
		return 0;
	for (int i = 0; i < 2; i++)
		if (u->ssdp_fd[i] >= 0) {
			if (n < max) {
				fds[n].fd = u->ssdp_fd[i];
				fds[n].events = POLLIN;
				fds[n].revents = 0;
			}
			n++;
		}
	if (n >= max) /* counting only (fds may be NULL) */
		return n + pctl_http_pollfds(u->http, NULL, 0);
	return n + pctl_http_pollfds(u->http, fds + n, max - n);
}

struct pctl_http_req *pctl_upnp_soap(struct pctl_client *c, const char *type,
                                     const char *url, const char *action,
                                     const struct pctl_soap_arg *args, size_t n,
                                     pctl_http_done_fn fn, void *arg)
{
	char body[2048];
	size_t len =
	    pctl_soap_request(body, sizeof(body), type, action, args, n);

	if (!len || !c->upnp)
		return NULL;
	pctl_cl_log(c, LOG_DEBUG, "UPnP: %s to %s", action, url);
	return pctl_http_soap(c->upnp->http, url, type, action, body, len, fn,
	                      arg);
}

int pctl_upnp_soap_answer(int err, long status, const char *body, size_t len,
                          const char *action, struct pctl_soap_result *out,
                          enum pctl_client_failure *why)
{
	if (err) {
		*why = err == ECONNREFUSED ? PCTL_FAIL_UNREACHABLE
		       : err == ETIMEDOUT  ? PCTL_FAIL_NO_ANSWER
		                           : PCTL_FAIL_UNUSABLE;
		return -1;
	}
	/* 200 with the response, or 500 with a Fault (UDA 3.2.2). */
	if ((status != 200 && status != 500) ||
	    pctl_soap_parse_response(body, len, action, out) < 0 ||
	    (status == 500 && !out->upnp_error)) {
		*why = PCTL_FAIL_UNUSABLE;
		return -1;
	}
	return 0;
}

/* A UDP socket connected to the IGD tells, by getsockname(), which of our
 * addresses the kernel uses towards it: the NewInternalClient. */
static bool local_towards(const struct pctl_client *c,
                          const struct pctl_url *to, pctl_addr *out)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	size_t sl = pctl_addr_to_sockaddr(&to->addr, to->port, &ss);
	int fd;
	bool ok;

	if (source_addr(c, pctl_addr_is_v4(&to->addr) ? 0 : 1, out))
		return true;
	if (ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_scope_id = to->scope_id;
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	ok = connect(fd, (struct sockaddr *)&ss, (socklen_t)sl) == 0 &&
	     getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
	     pctl_addr_from_sockaddr(out, NULL, (struct sockaddr *)&ss) == 0;
	close(fd);
	return ok;
}

bool pctl_upnp_local(struct pctl_client *c, const struct pctl_upnp_igd *g,
                     int fam, pctl_addr *out)
{
	if (g && g->have && !pctl_addr_is_any(&g->local) &&
	    pctl_addr_is_v4(&g->local) == (fam == 0)) {
		*out = g->local;
		return true;
	}
	if (source_addr(c, fam, out))
		return true;
	/* IPv6 pinholes through an IGD reached over IPv4: the address the
	 * kernel uses towards an IPv6 router of ours. */
	for (size_t i = 0; i < c->nsrv; i++)
		if (pctl_addr_is_v4(&c->srv[i].local) == (fam == 0)) {
			*out = c->srv[i].local;
			return true;
		}
	return false;
}

static void ext_done(void *arg, int err, long status, const char *body,
                     size_t len)
{
	struct pctl_upnp_igd *g = arg;
	struct pctl_soap_result r;
	enum pctl_client_failure why;
	const char *v;

	g->ext_req = NULL;
	g->ready = true; /* mappings may go on without the address */
	if (pctl_upnp_soap_answer(err, status, body, len,
	                          "GetExternalIPAddress", &r, &why) < 0 ||
	    r.upnp_error || !(v = pctl_soap_out(&r, "NewExternalIPAddress")) ||
	    pctl_addr_from_str(&g->ext, v) < 0) {
		pctl_cl_log(g->u->c, LOG_INFO,
		            "UPnP: the IGD did not tell its external address");
		return;
	}
	g->have_ext = true;
}

/* Is a mapping made through the chosen IGD (or being made)?  Then the IGD
 * is not changed under it. */
static bool igd_in_use(const struct pctl_client *c, int fam)
{
	for (const struct pctl_client_map *m = c->maps; m; m = m->next)
		if (!m->dead && m->u.active && m->u.igd_fam == fam &&
		    (m->u.req || m->u.sent_add))
			return true;
	return false;
}

static void adopt(struct pctl_upnp_igd *g, const struct pctl_igd_desc *d,
                  const struct pctl_url *ctl, int rank)
{
	struct pctl_client *c = g->u->c;

	pctl_http_cancel(g->u->http, g->ext_req);
	g->desc = *d;
	g->ctl = *ctl;
	g->rank = rank;
	g->have = true;
	g->ready = g->have_ext = false;
	if (!local_towards(c, ctl, &g->local))
		memset(&g->local, 0, sizeof(g->local));
	pctl_cl_log(c, LOG_INFO, "UPnP: IGD:%u at %s", d->igd_version,
	            d->conn_control);
	g->ext_req =
	    pctl_upnp_soap(c, d->conn_type, d->conn_control,
	                   "GetExternalIPAddress", NULL, 0, ext_done, g);
	if (!g->ext_req)
		g->ready = true;
}

static void desc_done(void *arg, int err, long status, const char *body,
                      size_t len)
{
	struct pctl_igd_cand *k = arg;
	struct pctl_upnp *u = k->u;
	struct pctl_client *c = u->c;
	struct pctl_igd_desc d;
	struct pctl_url ctl, loc, v6;
	pctl_addr routers[PCTL_CLIENT_MAX_SERVERS * 2];
	struct pctl_gw gw[PCTL_CLIENT_MAX_SERVERS];
	size_t nr = 0;
	int rank, ngw, fam;

	k->req = NULL;
	/* The control URLs must be on the host that described them (as its
	 * LOCATION is on the host that answered): a LAN host cannot send us
	 * to act on a third one. */
	if (err || status != 200 ||
	    pctl_igd_desc_parse(body, len, k->location, &d) < 0 ||
	    pctl_url_parse(d.conn_control, &ctl) < 0 ||
	    pctl_url_parse(k->location, &loc) < 0 ||
	    !pctl_addr_equal(&ctl.addr, &loc.addr) ||
	    (d.v6fc_control[0] && (pctl_url_parse(d.v6fc_control, &v6) < 0 ||
	                           !pctl_addr_equal(&v6.addr, &loc.addr)))) {
		pctl_cl_log(c, LOG_INFO, "UPnP: no usable IGD at %s (%s)",
		            k->location,
		            err ? strerror(err) : "bad description");
		return;
	}
	/* Several IGDs may answer (a second router, a repeater, a media
	 * box).  Only the one that is our router can forward traffic from
	 * outside to us: the one whose address is a default gateway or a
	 * configured server is preferred to any other, whichever answered
	 * first.  Among equals the first stays (no flapping). */
	for (size_t i = 0; i < c->nsrv; i++)
		routers[nr++] = c->srv[i].addr;
	ngw = pctl_gateways(gw, PCTL_CLIENT_MAX_SERVERS);
	for (int i = 0; i < ngw; i++)
		routers[nr++] = gw[i].addr;
	rank = pctl_upnp_rank(&ctl.addr, routers, nr);
	fam = pctl_addr_is_v4(&ctl.addr) ? 0 : 1;
	if (u->igd[fam].have &&
	    (rank <= u->igd[fam].rank || igd_in_use(c, fam)))
		return;
	adopt(&u->igd[fam], &d, &ctl, rank);
}

static void add_cand(struct pctl_upnp *u, const char *location)
{
	struct pctl_igd_cand *k;

	for (size_t i = 0; i < u->ncand; i++)
		if (!strcmp(u->cand[i].location, location))
			return;
	if (u->ncand == PCTL_UPNP_MAX_CANDS)
		return;
	k = &u->cand[u->ncand++];
	memset(k, 0, sizeof(*k));
	k->u = u;
	snprintf(k->location, sizeof(k->location), "%s", location);
	k->req =
	    pctl_http_get(u->http, location, PCTL_UPNP_DESC_MAX, desc_done, k);
	k->tried = true;
}

bool pctl_upnp_input(struct pctl_client *c, int fd, uint64_t now)
{
	struct pctl_upnp *u = c->upnp;
	char buf[1500];

	(void)now;
	if (!u || fd < 0 || (fd != u->ssdp_fd[0] && fd != u->ssdp_fd[1]))
		return false;
	for (int k = 0; k < 32; k++) { /* bounded per call */
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct pctl_ssdp_reply r;
		struct pctl_url url;
		pctl_addr from;
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0,
		                     (struct sockaddr *)&ss, &sl);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			continue; /* ICMP errors of a unicast search */
		}
		if (pctl_ssdp_parse_reply(buf, (size_t)n, &r) < 0 ||
		    (strcmp(r.st, PCTL_ST_IGD2) &&
		     strcmp(r.st, PCTL_ST_IGD1)) ||
		    pctl_url_parse(r.location, &url) < 0 ||
		    pctl_addr_from_sockaddr(&from, NULL,
		                            (struct sockaddr *)&ss) < 0)
			continue;
		/* The description must come from the host that answered:
		 * otherwise any LAN host could send us to fetch from a third
		 * address. */
		if (!pctl_addr_equal(&url.addr, &from))
			continue;
		add_cand(u, r.location);
	}
	return true;
}

static bool best(const struct pctl_upnp_igd *g)
{
	return g->ready && g->rank >= 2;
}

void pctl_upnp_igd_process(struct pctl_client *c, uint64_t now)
{
	struct pctl_upnp *u = c->upnp;

	if (!u)
		return;
	if (u->searching && now >= u->next_round_at) {
		if (u->rounds < PCTL_SSDP_ROUNDS) {
			/* UDP is lost: three rounds, at 0, 1 and 3 s. */
			static const uint32_t at[PCTL_SSDP_ROUNDS] = {0, 1000,
			                                              3000};
			search_round(c);
			u->rounds++;
			u->next_round_at =
			    u->started_at + (u->rounds < PCTL_SSDP_ROUNDS
			                         ? at[u->rounds]
			                         : PCTL_SSDP_END_MS);
		} else {
			ssdp_close(u); /* replies after this are ignored */
		}
	}
	if (u->searching && best(&u->igd[0]) &&
	    (!u->want_v6 || best(&u->igd[1])))
		ssdp_close(u); /* nothing better can come */
	pctl_http_process(u->http);
}

int64_t pctl_upnp_igd_timeout(const struct pctl_client *c, uint64_t now)
{
	const struct pctl_upnp *u = c->upnp;
	int64_t t;

	if (!u)
		return -1;
	t = pctl_http_timeout(u->http);
	if (u->searching) {
		int64_t s = u->next_round_at > now
		                ? (int64_t)(u->next_round_at - now)
		                : 0;
		if (t < 0 || s < t)
			t = s;
	}
	return t;
}

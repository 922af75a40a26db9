/*
 * What every layer of the client library uses and nothing of it calls back:
 * the client's clock, its random numbers, its log, and the server a new
 * exchange starts with.  It sits below exchange.c, response.c, announce.c,
 * mapping.c and client.c, so that none of them needs client.c (which calls
 * them all).
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "internal.h"

uint64_t pctl_cl_now(struct pctl_client *c)
{
	return c->cfg.clock(c->cfg.clock_arg);
}

/* xorshift64*: RAND need not be cryptographic (section 8.1.1) but differs
 * between invocations because the seed comes from getrandom. */
uint32_t pctl_cl_rand(struct pctl_client *c)
{
	if (c->cfg.random)
		return c->cfg.random(c->cfg.random_arg);
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return (uint32_t)((c->rng * 2685821657736338717ull) >> 32);
}

void pctl_cl_log(struct pctl_client *c, int level, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (!c->cfg.log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	c->cfg.log(c->cfg.log_arg, level, line);
}

/* C-1: the first server of the mapping's family (the IPv4 default router
 * for IPv4 mappings, the IPv6 one for IPv6), else the first of all. */
int pctl_cl_first_srv(const struct pctl_client *c, int fam)
{
	for (size_t i = 0; i < c->nsrv; i++)
		if (pctl_addr_is_v4(&c->srv[i].addr) == (fam == 0))
			return (int)i;
	return 0;
}

const char *pctl_cl_srv_str(const struct pctl_client *c, size_t i, char *buf,
                            size_t len)
{
	char a[PCTL_ADDRSTRLEN], zone[IF_NAMESIZE + 1] = "";
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

bool pctl_cl_srv_hard_error(struct pctl_client *c, size_t i, int err)
{
	struct pctl_srv *s = &c->srv[i];
	const char *what = err == ECONNREFUSED   ? "port unreachable"
	                   : err == EHOSTUNREACH ? "host unreachable"
	                   : err == ENETUNREACH  ? "network unreachable"
	                                         : NULL;
	char buf[PCTL_ADDRSTRLEN + IF_NAMESIZE + 16];

	if (!what)
		return false;
	if (!s->unreachable) /* once, until it answers again */
		pctl_cl_log(c, LOG_NOTICE, "server %s: %s (ICMP)",
		            pctl_cl_srv_str(c, i, buf, sizeof(buf)), what);
	s->unreachable = true;
	return true;
}

bool pctl_cl_first_answer_bound(const struct pctl_client *c)
{
	if (c->cfg.first_answer_ms == UINT32_MAX)
		return false;
	for (size_t i = 0; i < c->nsrv; i++)
		if (c->srv[i].answered)
			return false;
	return true;
}

bool pctl_cl_all_unreachable(const struct pctl_client *c)
{
	for (size_t i = 0; i < c->nsrv; i++)
		if (!c->srv[i].unreachable)
			return false;
	return c->nsrv > 0;
}

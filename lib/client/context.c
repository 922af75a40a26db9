/*
 * What every layer of the client library uses and nothing of it calls back:
 * the client's clock, its random numbers, its log, and the server a new
 * exchange starts with.  It sits below exchange.c, response.c, announce.c,
 * mapping.c and client.c, so that none of them needs client.c (which calls
 * them all).
 */
#include <stdarg.h>
#include <stdio.h>

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

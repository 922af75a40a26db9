/*
 * The router's own addresses: see selfaddr.h.  A sorted array searched by
 * bisection: a router has a handful of addresses to a few thousand (a CGN's
 * pool), and every request asks.
 */
#include "selfaddr.h"

#include <stdlib.h>
#include <string.h>

static int cmp_addr(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(pctl_addr));
}

int pctl_selfaddr_set(struct pctl_selfaddr *s, const pctl_addr *addrs, size_t n)
{
	pctl_addr *v = NULL;
	size_t k = 0;

	if (n) {
		v = malloc(n * sizeof(*v));
		if (!v)
			return -1;
		memcpy(v, addrs, n * sizeof(*v));
		qsort(v, n, sizeof(*v), cmp_addr);
		for (size_t i = 0; i < n; i++)
			if (!k || cmp_addr(&v[k - 1], &v[i]))
				v[k++] = v[i];
	}
	free(s->v);
	s->v = v;
	s->n = k;
	return 0;
}

/* 127.0.0.0/8 (held IPv4-mapped), ::1, and the unspecified addresses, which
 * as a destination also mean "this host". */
static bool always_self(const pctl_addr *a)
{
	static const uint8_t loop6[16] = {[15] = 1};

	if (pctl_addr_is_any(a) || !memcmp(a->b, loop6, 16))
		return true;
	return pctl_addr_is_v4(a) && a->b[12] == 127;
}

bool pctl_selfaddr_has(const struct pctl_selfaddr *s, const pctl_addr *a)
{
	if (always_self(a))
		return true;
	return s->n && bsearch(a, s->v, s->n, sizeof(*s->v), cmp_addr);
}

void pctl_selfaddr_fini(struct pctl_selfaddr *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

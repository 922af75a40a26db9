/*
 * Eventing subscriptions (upnp_event.h).
 */
#include "upnp_event.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

/* One "<http://HOST[:PORT]/...>" URL of n bytes: whether HOST is an
 * address literal equal to host. */
static bool url_ok(const char *u, size_t n, const pctl_addr *host)
{
	char lit[PCTL_ADDRSTRLEN + 1];
	const char *h, *e;
	pctl_addr a;
	size_t hl;

	if (n < 7 || strncasecmp(u, "http://", 7) != 0)
		return false;
	h = u + 7;
	e = u + n;
	if (h < e && *h == '[') { /* IPv6 literal */
		const char *close = memchr(h, ']', (size_t)(e - h));
		if (!close)
			return false;
		h++;
		hl = (size_t)(close - h);
	} else {
		hl = strcspn(h, ":/");
		if (hl > (size_t)(e - h))
			hl = (size_t)(e - h);
	}
	if (hl == 0 || hl > PCTL_ADDRSTRLEN)
		return false;
	memcpy(lit, h, hl);
	lit[hl] = '\0';
	/* A name never matches: resolving it is what CallStranger abuses. */
	if (pctl_addr_from_str(&a, lit))
		return false;
	return pctl_addr_equal(&a, host);
}

bool pctld_callback_ok(const char *cb, const pctl_addr *host)
{
	size_t urls = 0;

	if (!cb || strlen(cb) > PCTLD_SUB_CALLBACK_MAX)
		return false;
	while (*cb) {
		const char *end;
		if (*cb == ' ' || *cb == '\t') {
			cb++;
			continue;
		}
		if (*cb != '<')
			return false;
		end = strchr(cb, '>');
		if (!end || !url_ok(cb + 1, (size_t)(end - cb - 1), host))
			return false;
		urls++;
		cb = end + 1;
	}
	return urls > 0;
}

/* "Second-N" (N decimal) or "Second-infinite"; absent: the most. */
static uint32_t timeout_of(const char *t)
{
	unsigned long v = 0;
	size_t digits = 0;

	if (!t || strncasecmp(t, "Second-", 7) != 0)
		return PCTLD_SUB_TIMEOUT_MAX;
	for (t += 7; *t >= '0' && *t <= '9' && digits < 9; t++, digits++)
		v = v * 10 + (unsigned long)(*t - '0');
	if (digits == 0 || *t)
		return PCTLD_SUB_TIMEOUT_MAX;
	if (v < PCTLD_SUB_TIMEOUT_MIN)
		return PCTLD_SUB_TIMEOUT_MIN;
	return v > PCTLD_SUB_TIMEOUT_MAX ? PCTLD_SUB_TIMEOUT_MAX : (uint32_t)v;
}

static void expire(struct pctld_subs *t, uint64_t now_ms)
{
	for (size_t i = 0; i < PCTLD_SUBS_MAX; i++)
		if (t->s[i].used && t->s[i].expires_ms <= now_ms)
			t->s[i].used = false;
}

static struct pctld_sub *find(struct pctld_subs *t, unsigned svc,
                              const pctl_addr *host, const char *sid)
{
	for (size_t i = 0; i < PCTLD_SUBS_MAX; i++) {
		struct pctld_sub *s = &t->s[i];
		if (s->used && s->svc == svc && strcmp(s->sid, sid) == 0 &&
		    pctl_addr_equal(&s->host, host))
			return s;
	}
	return NULL;
}

static int new_sid(char out[PCTLD_SID_LEN + 1])
{
	uint8_t r[16];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -1;
	r[6] = (uint8_t)((r[6] & 0x0f) | 0x40); /* version 4 */
	r[8] = (uint8_t)((r[8] & 0x3f) | 0x80); /* variant */
	snprintf(out, PCTLD_SID_LEN + 1,
	         "uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	         "%02x%02x%02x%02x%02x%02x",
	         r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
	         r[10], r[11], r[12], r[13], r[14], r[15]);
	return 0;
}

void pctld_subs_subscribe(struct pctld_subs *t, unsigned svc,
                          const pctl_addr *host, const struct pctld_sub_hdrs *h,
                          uint64_t now_ms, struct pctld_sub_answer *a)
{
	struct pctld_sub *s = NULL;
	size_t mine = 0;

	memset(a, 0, sizeof(*a));
	expire(t, now_ms);
	a->timeout = timeout_of(h->timeout);
	if (h->sid) {
		if (h->callback || h->nt) {
			a->status = 400;
			return;
		}
		s = find(t, svc, host, h->sid);
		if (!s) {
			a->status = 412;
			return;
		}
	} else {
		if (!h->nt || strcmp(h->nt, "upnp:event") != 0 ||
		    !pctld_callback_ok(h->callback, host)) {
			a->status = 412;
			return;
		}
		for (size_t i = 0; i < PCTLD_SUBS_MAX; i++) {
			if (!t->s[i].used)
				s = s ? s : &t->s[i];
			else if (pctl_addr_equal(&t->s[i].host, host))
				mine++;
		}
		if (!s || mine >= PCTLD_SUBS_PER_HOST || new_sid(s->sid)) {
			a->status = 503;
			return;
		}
		s->used = true;
		s->svc = svc;
		s->host = *host;
	}
	s->expires_ms = now_ms + (uint64_t)a->timeout * 1000;
	memcpy(a->sid, s->sid, sizeof(a->sid));
	a->status = 200;
}

unsigned pctld_subs_unsubscribe(struct pctld_subs *t, unsigned svc,
                                const pctl_addr *host,
                                const struct pctld_sub_hdrs *h, uint64_t now_ms)
{
	struct pctld_sub *s;

	expire(t, now_ms);
	if (h->callback || h->nt)
		return 400;
	s = h->sid ? find(t, svc, host, h->sid) : NULL;
	if (!s)
		return 412;
	s->used = false;
	return 200;
}

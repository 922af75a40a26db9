/*
 * UPnP eventing subscriptions (UDA 1.1 section 4): SUBSCRIBE, renewal and
 * UNSUBSCRIBE.  Subscriptions are accepted and kept, bounded per host and
 * in total, but no event message is ever sent (portctld(8)): the network
 * process opens no outbound connection.  A CALLBACK whose host is not the
 * subscriber's own address is refused (CallStranger, CVE-2020-12695).
 */
#ifndef PORTCTLD_UPNP_EVENT_H
#define PORTCTLD_UPNP_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include <portctl/wire.h>

#define PCTLD_SUBS_MAX         32   /* subscriptions in all */
#define PCTLD_SUBS_PER_HOST    4    /* per subscriber address */
#define PCTLD_SUB_TIMEOUT_MAX  1800 /* seconds granted at most */
#define PCTLD_SUB_TIMEOUT_MIN  60   /* ... and at least */
#define PCTLD_SUB_CALLBACK_MAX 512  /* CALLBACK header bytes */
#define PCTLD_SID_LEN          41   /* "uuid:" + 36 */

struct pctld_sub {
	bool used;
	unsigned svc;
	pctl_addr host;
	uint64_t expires_ms;
	char sid[PCTLD_SID_LEN + 1];
};

struct pctld_subs {
	struct pctld_sub s[PCTLD_SUBS_MAX];
};

/* The headers of a SUBSCRIBE or UNSUBSCRIBE (NULL when absent). */
struct pctld_sub_hdrs {
	const char *callback;
	const char *nt;
	const char *sid;
	const char *timeout;
};

/* The answer: an HTTP status, and for 200 to SUBSCRIBE the SID and the
 * seconds granted. */
struct pctld_sub_answer {
	unsigned status;
	char sid[PCTLD_SID_LEN + 1];
	uint32_t timeout;
};

/* SUBSCRIBE (new, or renewal when h->sid is set) from host to service svc:
 * 200; 400 when SID comes with CALLBACK or NT; 412 without NT: upnp:event,
 * without a usable CALLBACK, with a CALLBACK to another host, or for an
 * unknown SID; 503 when the limits are reached. */
void pctld_subs_subscribe(struct pctld_subs *t, unsigned svc,
                          const pctl_addr *host, const struct pctld_sub_hdrs *h,
                          uint64_t now_ms, struct pctld_sub_answer *a);
/* UNSUBSCRIBE: 200, 400 (CALLBACK or NT given) or 412 (no such SID). */
unsigned pctld_subs_unsubscribe(struct pctld_subs *t, unsigned svc,
                                const pctl_addr *host,
                                const struct pctld_sub_hdrs *h,
                                uint64_t now_ms);

/* Whether a CALLBACK header value ("<http://host[:port]/path>" one or more
 * times) points at host only. */
bool pctld_callback_ok(const char *callback, const pctl_addr *host);

#endif

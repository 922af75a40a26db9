/*
 * HTTP for UPnP (device descriptions and SOAP actions) over libcurl's
 * multi-socket interface, so that the client stays event-loop neutral: curl
 * reports the sockets it wants watched (CURLMOPT_SOCKETFUNCTION) and when
 * its timer is due (CURLMOPT_TIMERFUNCTION); the program's loop watches
 * them through pctl_client_pollfds() and pctl_client_process() hands them
 * back to curl_multi_socket_action().  curl's timer runs on CLOCK_MONOTONIC,
 * not the client's clock callback: curl's own timeouts use real time.
 *
 * Everything is bounded, since the peer is any host on the LAN: bodies are
 * capped (the write callback refuses more), connect and total timeouts, no
 * redirects, http only, no proxy from the environment (an IGD is on the
 * local link), no signals (a library must not touch SIGALRM/SIGPIPE).
 */
#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "upnp_int.h"

struct pctl_http_req {
	struct pctl_http *h;
	CURL *easy;
	struct curl_slist *hdrs;
	char *body;
	size_t len, cap, max;
	bool too_big;
	pctl_http_done_fn fn;
	void *arg;
	struct pctl_http_req *next;
};

struct pctl_http {
	CURLM *multi;
	struct {
		curl_socket_t fd;
		int what; /* CURL_POLL_IN / OUT / INOUT */
	} socks[PCTL_HTTP_MAX_SOCKS];
	size_t nsocks;
	int64_t timer_at; /* CLOCK_MONOTONIC ms, -1 = none */
	struct pctl_http_req *reqs;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int sock_cb(CURL *easy, curl_socket_t s, int what, void *userp,
                   void *socketp)
{
	struct pctl_http *h = userp;
	size_t i;

	(void)easy;
	(void)socketp;
	for (i = 0; i < h->nsocks; i++)
		if (h->socks[i].fd == s)
			break;
	if (what == CURL_POLL_REMOVE) {
		if (i < h->nsocks)
			h->socks[i] = h->socks[--h->nsocks];
		return 0;
	}
	if (i == h->nsocks) {
		if (h->nsocks == PCTL_HTTP_MAX_SOCKS)
			return -1; /* curl fails that transfer */
		h->socks[h->nsocks++].fd = s;
	}
	h->socks[i].what = what;
	return 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct pctl_http *h = userp;

	(void)multi;
	h->timer_at = timeout_ms < 0 ? -1 : mono_ms() + timeout_ms;
	return 0;
}

struct pctl_http *pctl_http_new(void)
{
	struct pctl_http *h;

	/* Thread-safe since curl 7.84; does nothing after the first. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->timer_at = -1;
	h->multi = curl_multi_init();
	if (!h->multi) {
		free(h);
		return NULL;
	}
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	/* One IGD: a few connections are plenty, and the socket table
	 * stays small. */
	curl_multi_setopt(h->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, 4L);
	return h;
}

static void req_free(struct pctl_http_req *r)
{
	struct pctl_http_req **pp;

	for (pp = &r->h->reqs; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	curl_multi_remove_handle(r->h->multi, r->easy);
	curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->hdrs);
	free(r->body);
	free(r);
}

void pctl_http_free(struct pctl_http *h)
{
	if (!h)
		return;
	while (h->reqs)
		req_free(h->reqs);
	curl_multi_cleanup(h->multi);
	free(h);
}

static size_t write_cb(char *data, size_t size, size_t n, void *userp)
{
	struct pctl_http_req *r = userp;
	size_t len = size * n;

	if (len > r->max - r->len) {
		r->too_big = true;
		return 0; /* CURLE_WRITE_ERROR ends the transfer */
	}
	if (r->len + len + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		char *b;
		while (cap < r->len + len + 1)
			cap *= 2;
		if (cap > r->max + 1)
			cap = r->max + 1;
		b = realloc(r->body, cap);
		if (!b)
			return 0;
		r->body = b;
		r->cap = cap;
	}
	memcpy(r->body + r->len, data, len);
	r->len += len;
	r->body[r->len] = 0;
	return len;
}

static struct pctl_http_req *start(struct pctl_http *h, const char *url,
                                   size_t max, pctl_http_done_fn fn, void *arg)
{
	struct pctl_http_req *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->easy = curl_easy_init();
	if (!r->easy) {
		free(r);
		return NULL;
	}
	r->h = h;
	r->max = max;
	r->fn = fn;
	r->arg = arg;
	curl_easy_setopt(r->easy, CURLOPT_URL, url);
	curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(r->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(r->easy, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS,
	                 (long)PCTL_HTTP_CONNECT_MS);
	curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, (long)PCTL_HTTP_TOTAL_MS);
	curl_easy_setopt(r->easy, CURLOPT_MAXFILESIZE, (long)max);
	/* A new connection per action (IGDs often close anyway): no idle
	 * connection stays among the descriptors of a kept mapping. */
	curl_easy_setopt(r->easy, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(r->easy, CURLOPT_USERAGENT,
	                 "Linux UPnP/1.1 libportctl");
	r->next = h->reqs;
	h->reqs = r;
	return r;
}

static struct pctl_http_req *go(struct pctl_http_req *r)
{
	if (curl_multi_add_handle(r->h->multi, r->easy) != CURLM_OK) {
		req_free(r);
		return NULL;
	}
	return r;
}

struct pctl_http_req *pctl_http_get(struct pctl_http *h, const char *url,
                                    size_t max, pctl_http_done_fn fn, void *arg)
{
	struct pctl_http_req *r = start(h, url, max, fn, arg);

	return r ? go(r) : NULL;
}

struct pctl_http_req *pctl_http_soap(struct pctl_http *h, const char *url,
                                     const char *service, const char *action,
                                     const char *body, size_t len,
                                     pctl_http_done_fn fn, void *arg)
{
	struct pctl_http_req *r = start(h, url, PCTL_UPNP_SOAP_MAX, fn, arg);
	char sa[PCTL_UPNP_TYPE_MAX + 64];
	struct curl_slist *l;

	if (!r)
		return NULL;
	snprintf(sa, sizeof(sa), "SOAPAction: \"%s#%s\"", service, action);
	l = curl_slist_append(NULL,
	                      "Content-Type: text/xml; charset=\"utf-8\"");
	if (l)
		r->hdrs = l;
	l = l ? curl_slist_append(l, sa) : NULL;
	/* No "Expect: 100-continue": small bodies, and some IGDs choke. */
	l = l ? curl_slist_append(l, "Expect:") : NULL;
	if (!l) {
		req_free(r);
		return NULL;
	}
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->hdrs);
	curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE, (long)len);
	curl_easy_setopt(r->easy, CURLOPT_COPYPOSTFIELDS, body);
	return go(r);
}

void pctl_http_cancel(struct pctl_http *h, struct pctl_http_req *r)
{
	(void)h;
	if (r)
		req_free(r);
}

size_t pctl_http_pollfds(const struct pctl_http *h, struct pollfd *fds,
                         size_t max)
{
	if (!h)
		return 0;
	for (size_t i = 0; i < h->nsocks && i < max; i++) {
		fds[i].fd = h->socks[i].fd;
		fds[i].events = 0;
		if (h->socks[i].what & CURL_POLL_IN)
			fds[i].events |= POLLIN;
		if (h->socks[i].what & CURL_POLL_OUT)
			fds[i].events |= POLLOUT;
		fds[i].revents = 0;
	}
	return h->nsocks;
}

bool pctl_http_is_fd(const struct pctl_http *h, int fd)
{
	for (size_t i = 0; h && i < h->nsocks; i++)
		if (h->socks[i].fd == fd)
			return true;
	return false;
}

int64_t pctl_http_timeout(const struct pctl_http *h)
{
	int64_t t = -1;

	if (!h)
		return -1;
	if (h->timer_at >= 0) {
		int64_t now = mono_ms();
		t = h->timer_at > now ? h->timer_at - now : 0;
	}
	/* A program that watches only pctl_client_fds() for reading still
	 * gets its connections written: process() polls them itself. */
	for (size_t i = 0; i < h->nsocks; i++)
		if ((h->socks[i].what & CURL_POLL_OUT) &&
		    (t < 0 || t > PCTL_CLIENT_WRITE_POLL_MS))
			t = PCTL_CLIENT_WRITE_POLL_MS;
	return t;
}

static int curl_err_to_errno(CURLcode rc, const struct pctl_http_req *r)
{
	switch (rc) {
	case CURLE_OK:
		return 0;
	case CURLE_COULDNT_CONNECT:
		return ECONNREFUSED;
	case CURLE_OPERATION_TIMEDOUT:
		return ETIMEDOUT;
	case CURLE_FILESIZE_EXCEEDED:
		return EMSGSIZE;
	case CURLE_WRITE_ERROR:
		return r->too_big ? EMSGSIZE : ENOMEM;
	default:
		return EPROTO;
	}
}

static void finished(struct pctl_http *h)
{
	CURLMsg *msg;
	int left;

	/* Bounded: every message is one of our requests, each ends once. */
	while ((msg = curl_multi_info_read(h->multi, &left))) {
		struct pctl_http_req *r = NULL;
		long status = 0;
		int err;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
		                  (char **)&r);
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
		err = curl_err_to_errno(msg->data.result, r);
		/* Off the multi handle before the callback, which may start
		 * or cancel other requests. */
		curl_multi_remove_handle(h->multi, r->easy);
		for (struct pctl_http_req **pp = &h->reqs; *pp;
		     pp = &(*pp)->next)
			if (*pp == r) {
				*pp = r->next;
				break;
			}
		r->fn(r->arg, err, status, r->body ? r->body : "", r->len);
		curl_easy_cleanup(r->easy);
		curl_slist_free_all(r->hdrs);
		free(r->body);
		free(r);
	}
}

void pctl_http_process(struct pctl_http *h)
{
	struct pollfd pfd[PCTL_HTTP_MAX_SOCKS];
	size_t n;
	int running;

	if (!h)
		return;
	n = pctl_http_pollfds(h, pfd, PCTL_HTTP_MAX_SOCKS);
	if (n && poll(pfd, n, 0) > 0) {
		for (size_t i = 0; i < n; i++) {
			int ev = 0;
			if (!pfd[i].revents)
				continue;
			if (pfd[i].revents & (POLLIN | POLLHUP))
				ev |= CURL_CSELECT_IN;
			if (pfd[i].revents & POLLOUT)
				ev |= CURL_CSELECT_OUT;
			if (pfd[i].revents & POLLERR)
				ev |= CURL_CSELECT_ERR;
			curl_multi_socket_action(h->multi, pfd[i].fd, ev,
			                         &running);
		}
	}
	if (h->timer_at >= 0 && mono_ms() >= h->timer_at) {
		h->timer_at = -1;
		curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0,
		                         &running);
	}
	finished(h);
}

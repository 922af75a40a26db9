/*
 * UPnP HTTP test harness (uhttp.h).
 */
#include "uhttp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "../server/engine.h"

void ufx_start(struct ufx *f, const struct ufx_opts *o)
{
	static const struct ufx_opts defaults = {0};
	if (!o)
		o = &defaults;
	struct pctld_upnp_info info = {
	    .uuid = "01234567-89ab-cdef-0123-456789abcdef",
	    .friendly_name = "portctl <test> & \"co\"",
	    .igd_version = o->igd_version ? o->igd_version : 2,
	};
	const struct pctld_http_limits *lim = o->limits;
	bool v6 = o->v6;
	struct pctl_backend_config bc = {.table = "unused"};
	struct pctl_engine_config cfg;
	struct pctld_http_listener l;
	struct pctld_http_limits def;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	uint8_t ext[4] = {203, 0, 113, 1};
	char err[128];
	pctl_addr lo;

	memset(f, 0, sizeof(*f));
	f->now = 1000000;
	f->v6 = v6;
	assert_int_equal(pctl_backend_none_open(&bc, &f->be, err, sizeof(err)),
	                 0);
	pctl_engine_config_defaults(&cfg);
	cfg.n_ext_addrs = 1;
	pctl_addr_from_v4(&cfg.ext_addrs[0], ext);
	cfg.allow_self = true;
	cfg.rate_per_sec = o->rate_per_sec;
	cfg.rate_burst = o->rate_per_sec;
	f->e = pctl_engine_new(&cfg, &f->be, f->now);
	assert_non_null(f->e);

	pctl_addr_from_str(&lo, v6 ? "::1" : "127.0.0.1");
	l.fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	l.ifindex = 1;
	assert_true(l.fd >= 0);
	sl = (socklen_t)pctl_addr_to_sockaddr(&lo, 0, &ss);
	assert_int_equal(bind(l.fd, (struct sockaddr *)&ss, sl), 0);
	assert_int_equal(listen(l.fd, 64), 0);
	sl = sizeof(ss);
	assert_int_equal(getsockname(l.fd, (struct sockaddr *)&ss, &sl), 0);
	pctl_addr_from_sockaddr(&lo, &f->port, (struct sockaddr *)&ss);
	info.http_port = f->port;
	if (!lim) {
		pctld_http_limits_default(&def);
		lim = &def;
	}
	f->h = pctld_http_new_limits(&l, 1, &info, f->e, lim);
	assert_non_null(f->h);
}

void ufx_stop(struct ufx *f)
{
	pctld_http_free(f->h);
	pctl_engine_free(f->e);
	f->be.ops->destroy(f->be.ctx, false);
}

int ufx_setup(void **state)
{
	*state = NULL;
	ufx_open(state, NULL);
	return 0;
}

int ufx_teardown(void **state)
{
	if (*state) {
		ufx_stop(*state);
		free(*state);
	}
	*state = NULL;
	return 0;
}

struct ufx *ufx_open(void **state, const struct ufx_opts *o)
{
	ufx_teardown(state);
	struct ufx *f = malloc(sizeof(*f));
	assert_non_null(f);
	ufx_start(f, o);
	*state = f;
	return f;
}

int ufx_connect(struct ufx *f, const char *src)
{
	struct sockaddr_storage ss;
	pctl_addr a;
	socklen_t sl;
	int fd;

	pctl_addr_from_str(&a, f->v6 ? "::1" : "127.0.0.1");
	sl = (socklen_t)pctl_addr_to_sockaddr(&a, f->port, &ss);
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	if (src) {
		struct sockaddr_storage bs;
		pctl_addr b;
		socklen_t bl;
		assert_int_equal(pctl_addr_from_str(&b, src), 0);
		bl = (socklen_t)pctl_addr_to_sockaddr(&b, 0, &bs);
		assert_int_equal(bind(fd, (struct sockaddr *)&bs, bl), 0);
	}
	/* The kernel completes the handshake: the listener's backlog. */
	assert_int_equal(connect(fd, (struct sockaddr *)&ss, sl), 0);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

void ufx_turn(struct ufx *f, int fd, int wait_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	pctld_http_run(f->h, f->now);
	poll(&p, 1, wait_ms);
}

bool ufx_read(int fd, struct uresp *r)
{
	for (;;) {
		ssize_t n =
		    read(fd, r->text + r->len, sizeof(r->text) - 1 - r->len);
		if (n > 0) {
			r->len += (size_t)n;
			r->text[r->len] = '\0';
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			return true;
		return false;
	}
}

static void send_all(struct ufx *f, int fd, const char *p, size_t len)
{
	/* Bounded: the server drains what it can each turn. */
	for (int i = 0; len && i < 1000; i++) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n < 0 && errno != EAGAIN) {
			return; /* the server may have answered and closed */
		}
		pctld_http_run(f->h, f->now);
	}
}

int ufx_raw_from(struct ufx *f, const char *src, const char *req, size_t len,
                 struct uresp *r)
{
	int fd = ufx_connect(f, src);
	bool end = false;

	memset(r, 0, offsetof(struct uresp, text) + 1);
	r->len = 0;
	r->body = NULL;
	send_all(f, fd, req, len);
	for (int i = 0; i < 400 && !end; i++) {
		ufx_turn(f, fd, 10);
		end = ufx_read(fd, r);
	}
	close(fd);
	r->status = 0;
	if (sscanf(r->text, "HTTP/1.%*d %d", &r->status) != 1)
		r->status = 0;
	r->body = strstr(r->text, "\r\n\r\n");
	r->body = r->body ? r->body + 4 : "";
	return r->status;
}

int ufx_raw(struct ufx *f, const char *req, struct uresp *r)
{
	return ufx_raw_from(f, NULL, req, strlen(req), r);
}

int ufx_soap(struct ufx *f, const char *path, const char *service,
             unsigned version, const char *action, const char *args,
             struct uresp *r)
{
	static char body[16384], req[20000];
	int bl, rl;

	bl = snprintf(body, sizeof(body),
	              "<?xml version=\"1.0\"?>\r\n"
	              "<s:Envelope "
	              "xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" "
	              "s:encodingStyle=\"http://schemas.xmlsoap.org/soap/"
	              "encoding/\"><s:Body><u:%s "
	              "xmlns:u=\"urn:schemas-upnp-org:service:%s:%u\">%s"
	              "</u:%s></s:Body></s:Envelope>\r\n",
	              action, service, version, args, action);
	rl =
	    snprintf(req, sizeof(req),
	             "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	             "Content-Type: text/xml; charset=\"utf-8\"\r\n"
	             "SOAPAction: \"urn:schemas-upnp-org:service:%s:%u#%s\"\r\n"
	             "Connection: close\r\nContent-Length: %d\r\n\r\n%s",
	             path, service, version, action, bl, body);
	return ufx_raw_from(f, NULL, req, (size_t)rl, r);
}

int ufx_fault(const struct uresp *r)
{
	const char *p = strstr(r->body, "<errorCode>");
	int code = 0;

	if (p)
		sscanf(p, "<errorCode>%d<", &code);
	return code;
}

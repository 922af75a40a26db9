/*
 * One HTTP request of the UPnP server (upnp_http_impl.h): GET of the
 * descriptions, POST of SOAP control, SUBSCRIBE and UNSUBSCRIBE.  Every
 * request is first admitted by the engine's per-subscriber rate limit
 * (pctl_upnp_admit: 503 when refused).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../server/upnp.h"
#include "upnp_actions.h"
#include "upnp_date.h"
#include "upnp_http_impl.h"
#include "upnp_soap.h"

#define SERVER_HDR "Linux UPnP/1.1 portctld/" PORTCTL_VERSION_STRING
#define XML_TYPE   "text/xml; charset=\"utf-8\""
/* A SOAP answer is at most this long (GetListOfPortMappings' is the
 * largest: 1000 entries, escaped). */
#define ANSWER_MAX (2u << 20)

/* A POST being received. */
struct request {
	int svc;
	bool answered;
	size_t len, want;
	char *body;
};

void pctld_http_request_done(void *req)
{
	struct request *r = req;

	if (r)
		free(r->body);
	free(r);
}

/* Queues an answer; body is copied.  close: end the connection after it
 * (a body left unread, a refused request). */
static enum MHD_Result reply(struct MHD_Connection *c, unsigned status,
                             const char *type, const char *body, size_t len,
                             bool close, const char *const *hdrs)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
	    len, (void *)body, MHD_RESPMEM_MUST_COPY);
	char date[PCTLD_HTTP_DATE_LEN + 1];
	struct timespec ts;
	enum MHD_Result rc;

	if (!resp)
		return MHD_NO;
	/* libmicrohttpd's own Date is off (upnp_date.h says why) */
	clock_gettime(CLOCK_REALTIME, &ts);
	pctld_http_date((int64_t)ts.tv_sec, date);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_DATE, date);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_SERVER, SERVER_HDR);
	if (type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
		                        type);
	if (close)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION,
		                        "close");
	for (; hdrs && hdrs[0]; hdrs += 2)
		MHD_add_response_header(resp, hdrs[0], hdrs[1]);
	rc = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result status_only(struct MHD_Connection *c, unsigned status,
                                   const char *const *hdrs)
{
	return reply(c, status, NULL, "", 0, status >= 400, hdrs);
}

static const char *header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* A fault (HTTP 500) or, for 0, the response of the action. */
static enum MHD_Result soap_answer(struct MHD_Connection *c, int code,
                                   const struct pctld_soap_req *sr,
                                   const struct pctld_xbuf *args)
{
	/* UDA: "EXT:" without a value, for UPnP 1.0 control points.
	 * libmicrohttpd refuses an empty value; a space is the same field
	 * once the parser trims it. */
	static const char *const ext[] = {"EXT", " ", NULL};
	struct pctld_xbuf out;
	enum MHD_Result rc;

	pctld_xbuf_init(&out, ANSWER_MAX);
	if (code == 0)
		pctld_soap_write_response(&out, sr, args->p ? args->p : "",
		                          args->len);
	if (code == 0 && pctld_xbuf_failed(&out)) {
		pctld_xbuf_free(&out);
		pctld_xbuf_init(&out, ANSWER_MAX);
		code = PCTL_UPNP_E_ACTION_FAILED;
	}
	if (code)
		pctld_soap_write_fault(&out, code);
	if (pctld_xbuf_failed(&out))
		rc = status_only(c, 500, NULL);
	else
		rc = reply(c, code ? 500 : 200, XML_TYPE, out.p, out.len, false,
		           ext);
	pctld_xbuf_free(&out);
	return rc;
}

/* The whole body is in: parse, check SOAPACTION, run. */
static enum MHD_Result control(struct pctld_http *h, struct MHD_Connection *c,
                               const struct pctld_http_conn *k,
                               struct request *r)
{
	struct pctld_soap_req *sr = malloc(sizeof(*sr));
	const char *action = header(c, "SOAPACTION");
	struct pctl_upnp_req rq;
	struct pctld_xbuf args;
	enum MHD_Result ret;
	int rc;

	if (!sr)
		return status_only(c, 500, NULL);
	pctld_xbuf_init(&args, ANSWER_MAX);
	rc = pctld_soap_parse(r->body, r->len, sr);
	if (rc == 400) {
		free(sr);
		return status_only(c, 400, NULL);
	}
	/* The body's action must be the one SOAPACTION names, and belong to
	 * the service of this control URL. */
	if (rc == 0 && ((int)sr->svc != r->svc || !action ||
	                !pctld_soap_action_matches(action, sr)))
		rc = PCTL_UPNP_E_INVALID_ACTION;
	if (rc == 0) {
		memset(&rq, 0, sizeof(rq));
		rq.src = k->peer;
		rq.now_ms = h->now_ms;
		rq.version = sr->version;
		rc = pctld_upnp_dispatch(h->engine, &rq, sr,
		                         (h->now_ms - h->start_ms) / 1000,
		                         &args);
	}
	ret = soap_answer(c, rc, sr, &args);
	pctld_xbuf_free(&args);
	free(sr);
	return ret;
}

static bool is_xml(const char *type)
{
	size_t n = strlen("text/xml");

	return type && strncasecmp(type, "text/xml", n) == 0 &&
	       (type[n] == '\0' || type[n] == ';' || type[n] == ' ');
}

/* Content-Length as the digits it must be; -1 when absent or not. */
static long long content_length(struct MHD_Connection *c)
{
	const char *s = header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
	long long v = 0;

	if (!s || !*s || strlen(s) > 12)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* The headers of a POST are in: refuse early, or get ready for the body. */
static enum MHD_Result post_start(struct pctld_http *h,
                                  struct MHD_Connection *c, int svc, void **req)
{
	long long len = content_length(c);
	struct request *r;

	if (!is_xml(header(c, MHD_HTTP_HEADER_CONTENT_TYPE)))
		return status_only(c, 415, NULL);
	if (len < 0) /* chunked, or no length: 411 */
		return status_only(c, 411, NULL);
	if ((unsigned long long)len > h->lim.body_bytes)
		return status_only(c, 413, NULL);
	r = calloc(1, sizeof(*r));
	if (!r || !(r->body = malloc((size_t)len + 1))) {
		free(r);
		return status_only(c, 503, NULL);
	}
	r->svc = svc;
	r->want = (size_t)len;
	*req = r;
	return MHD_YES;
}

static enum MHD_Result subscription(struct pctld_http *h,
                                    struct MHD_Connection *c, int svc,
                                    const struct pctld_http_conn *k,
                                    bool subscribe)
{
	struct pctld_sub_hdrs hd = {
	    .callback = header(c, "CALLBACK"),
	    .nt = header(c, "NT"),
	    .sid = header(c, "SID"),
	    .timeout = header(c, "TIMEOUT"),
	};
	struct pctld_sub_answer a;
	char tmo[32];
	const char *hdrs[] = {"SID", a.sid, "TIMEOUT", tmo, NULL};

	if (!subscribe)
		return status_only(
		    c,
		    pctld_subs_unsubscribe(&h->subs, (unsigned)svc, &k->peer,
		                           &hd, h->now_ms),
		    NULL);
	pctld_subs_subscribe(&h->subs, (unsigned)svc, &k->peer, &hd, h->now_ms,
	                     &a);
	if (a.status != 200)
		return status_only(c, a.status, NULL);
	snprintf(tmo, sizeof(tmo), "Second-%u", (unsigned)a.timeout);
	return reply(c, 200, NULL, "", 0, false, hdrs);
}

/* The first call of a request (its headers are in): admission, then the
 * method and the path. */
static enum MHD_Result start_request(struct pctld_http *h,
                                     struct MHD_Connection *c,
                                     const struct pctld_http_conn *k,
                                     const char *url, const char *m, void **req)
{
	static const char *const allow_get[] = {"Allow", "GET, HEAD", NULL};
	static const char *const allow_post[] = {"Allow", "POST", NULL};
	static const char *const allow_evt[] = {"Allow",
	                                        "SUBSCRIBE, UNSUBSCRIBE", NULL};
	bool get = !strcmp(m, "GET") || !strcmp(m, "HEAD");
	bool post = !strcmp(m, "POST");
	bool sub = !strcmp(m, "SUBSCRIBE"), unsub = !strcmp(m, "UNSUBSCRIBE");
	const struct pctld_xbuf *doc;
	int svc;

	if (!pctl_upnp_admit(h->engine, &k->peer, h->now_ms))
		return status_only(c, 503, NULL);
	if (!get && !post && !sub && !unsub)
		return status_only(c, 501, NULL);
	if ((doc = pctld_upnp_docs_get(&h->docs, url)) != NULL) {
		if (!get)
			return status_only(c, 405, allow_get);
		return reply(c, 200, XML_TYPE, doc->p, doc->len, false, NULL);
	}
	if ((svc = pctld_upnp_svc_by_control(url)) >= 0) {
		if (!post)
			return status_only(c, 405, allow_post);
		return post_start(h, c, svc, req);
	}
	if ((svc = pctld_upnp_svc_by_event(url)) >= 0) {
		if (!sub && !unsub)
			return status_only(c, 405, allow_evt);
		return subscription(h, c, svc, k, sub);
	}
	return status_only(c, 404, NULL);
}

enum MHD_Result pctld_http_handle(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **req)
{
	struct pctld_http *h = cls;
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	const struct pctld_http_conn *k = ci ? ci->socket_context : NULL;
	struct request *r = *req;

	(void)version;
	if (!k)
		return MHD_NO; /* no memory to track it: close */
	if (!r) {
		/* A request answered on its first call has no state; one
		 * that waits for its body has. */
		return start_request(h, c, k, url, method, req);
	}
	if (*upload_size) {
		if (*upload_size > r->want - r->len)
			return MHD_NO; /* more than Content-Length said */
		memcpy(r->body + r->len, upload, *upload_size);
		r->len += *upload_size;
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->answered)
		return MHD_YES;
	r->answered = true;
	r->body[r->len] = '\0';
	return control(h, c, k, r);
}

/*
 * SOAP request parser and response writers (upnp_soap.h).  expat does the
 * XML; this file only walks the element tree it reports and stops at the
 * first thing a UPnP control request never contains.
 */
#include "upnp_soap.h"

#include "../server/upnp.h"

#include <expat.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define SOAP_ENV_NS "http://schemas.xmlsoap.org/soap/envelope/"
/* Namespaced names from expat: "URI" SEP "local". */
#define SEP '\x01'

struct walk {
	XML_Parser p;
	struct pctld_soap_req *r;
	unsigned depth;     /* elements open */
	unsigned skip_from; /* inside a SOAP Header from this depth; 0: not */
	bool envelope, body, action;
	char action_ns[96];         /* the action element's namespace */
	struct pctld_soap_arg *arg; /* the argument being read, or NULL */
	int error;                  /* 0, 400, 401 or 402 */
};

static void fail(struct walk *w, int code)
{
	if (!w->error)
		w->error = code;
	XML_StopParser(w->p, XML_FALSE);
}

/* Splits an expat name into namespace (possibly empty) and local part. */
static const char *split(const char *name, size_t *ns_len)
{
	const char *s = strchr(name, SEP);

	if (!s) {
		*ns_len = 0;
		return name;
	}
	*ns_len = (size_t)(s - name);
	return s + 1;
}

static bool is(const char *name, const char *ns, const char *local)
{
	size_t nl;
	const char *l = split(name, &nl);

	return nl == strlen(ns) && memcmp(name, ns, nl) == 0 &&
	       strcmp(l, local) == 0;
}

static void start_arg(struct walk *w, const char *name, const char **attrs)
{
	struct pctld_soap_req *r = w->r;
	size_t nl;
	const char *local = split(name, &nl);

	/* Arguments are unqualified (UDA) or, as some control points write
	 * them, in the action's namespace. */
	if (nl &&
	    (nl != strlen(w->action_ns) || memcmp(name, w->action_ns, nl) != 0))
		return fail(w, 402);
	(void)attrs; /* some control points type their arguments: ignored */
	if (strlen(local) > PCTLD_SOAP_NAME_MAX ||
	    r->n_args == PCTLD_SOAP_MAX_ARGS || pctld_soap_arg(r, local))
		return fail(w, 402);
	w->arg = &r->args[r->n_args++];
	strcpy(w->arg->name, local);
	w->arg->len = 0;
	w->arg->value[0] = '\0';
}

static void XMLCALL on_start(void *ud, const char *name, const char **attrs)
{
	struct walk *w = ud;
	unsigned d = ++w->depth;

	if (d > PCTLD_SOAP_MAX_DEPTH)
		return fail(w, 401);
	if (w->skip_from)
		return;
	if (d == 1) {
		if (!is(name, SOAP_ENV_NS, "Envelope"))
			return fail(w, 401);
		w->envelope = true;
	} else if (d == 2) {
		if (is(name, SOAP_ENV_NS, "Header") && !w->body) {
			w->skip_from = d;
		} else if (is(name, SOAP_ENV_NS, "Body") && !w->body) {
			w->body = true;
		} else {
			return fail(w, 401);
		}
	} else if (d == 3) {
		size_t nl;
		const char *local = split(name, &nl);
		int svc;
		if (w->action || nl >= sizeof(w->action_ns) ||
		    strlen(local) > PCTLD_SOAP_NAME_MAX)
			return fail(w, 401);
		svc = pctld_upnp_svc_by_urn(name, nl, &w->r->version);
		if (svc < 0)
			return fail(w, 401);
		w->r->svc = (enum pctld_upnp_svc)svc;
		memcpy(w->action_ns, name, nl);
		w->action_ns[nl] = '\0';
		strcpy(w->r->action, local);
		w->action = true;
	} else if (d == 4) {
		start_arg(w, name, attrs);
	} else {
		fail(w, 402); /* an argument is text, never markup */
	}
}

static void XMLCALL on_end(void *ud, const char *name)
{
	struct walk *w = ud;

	(void)name;
	if (w->skip_from == w->depth)
		w->skip_from = 0;
	if (w->depth == 4)
		w->arg = NULL;
	w->depth--;
}

static bool blank(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (!strchr(" \t\r\n", s[i]))
			return false;
	return true;
}

static void XMLCALL on_text(void *ud, const char *s, int n)
{
	struct walk *w = ud;
	struct pctld_soap_arg *a = w->arg;

	if (w->skip_from)
		return;
	if (!a) {
		if (!blank(s, n))
			fail(w, w->action ? 402 : 401);
		return;
	}
	if ((size_t)n > PCTLD_SOAP_VALUE_MAX - a->len)
		return fail(w, 402);
	memcpy(a->value + a->len, s, (size_t)n);
	a->len += (size_t)n;
	a->value[a->len] = '\0';
}

/* Billion laughs and external entities: no document type at all. */
static void XMLCALL on_doctype(void *ud, const XML_Char *name,
                               const XML_Char *sysid, const XML_Char *pubid,
                               int has_internal_subset)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	fail(ud, 400);
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int param,
                              const XML_Char *value, int value_len,
                              const XML_Char *base, const XML_Char *sysid,
                              const XML_Char *pubid, const XML_Char *notation)
{
	(void)name;
	(void)param;
	(void)value;
	(void)value_len;
	(void)base;
	(void)sysid;
	(void)pubid;
	(void)notation;
	fail(ud, 400);
}

int pctld_soap_parse(const char *body, size_t len, struct pctld_soap_req *r)
{
	struct walk w;
	enum XML_Status st;

	if (len > PCTLD_SOAP_BODY_MAX)
		return 400;
	memset(r, 0, sizeof(*r));
	memset(&w, 0, sizeof(w));
	w.r = r;
	/* UTF-8 whatever the document declares: one encoding to get right. */
	w.p = XML_ParserCreateNS("UTF-8", SEP);
	if (!w.p)
		return 401; /* out of memory: the caller answers 500 */
	XML_SetUserData(w.p, &w);
	XML_SetElementHandler(w.p, on_start, on_end);
	XML_SetCharacterDataHandler(w.p, on_text);
	XML_SetStartDoctypeDeclHandler(w.p, on_doctype);
	XML_SetEntityDeclHandler(w.p, on_entity);
	XML_SetParamEntityParsing(w.p, XML_PARAM_ENTITY_PARSING_NEVER);
	st = XML_Parse(w.p, body, (int)len, XML_TRUE);
	XML_ParserFree(w.p);
	if (w.error)
		return w.error;
	if (st != XML_STATUS_OK)
		return 400;
	if (!w.envelope || !w.body || !w.action)
		return 401;
	return 0;
}

int pctld_soap_action_matches(const char *hdr, const struct pctld_soap_req *r)
{
	char want[160];
	size_t n = strlen(hdr);
	int wl;

	if (n >= 2 && hdr[0] == '"' && hdr[n - 1] == '"') {
		hdr++;
		n -= 2;
	}
	wl = snprintf(want, sizeof(want),
	              "urn:schemas-upnp-org:service:%s:%u#%s",
	              pctld_upnp_services[r->svc].type, r->version, r->action);
	return wl > 0 && (size_t)wl == n && memcmp(hdr, want, n) == 0;
}

const char *pctld_soap_arg(const struct pctld_soap_req *r, const char *name)
{
	for (size_t i = 0; i < r->n_args; i++)
		if (strcmp(r->args[i].name, name) == 0)
			return r->args[i].value;
	return NULL;
}

static const char envelope_open[] =
    "<?xml version=\"1.0\"?>\r\n"
    "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" "
    "s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\">"
    "<s:Body>";
static const char envelope_close[] = "</s:Body></s:Envelope>\r\n";

void pctld_soap_write_response(struct pctld_xbuf *out,
                               const struct pctld_soap_req *r, const char *args,
                               size_t args_len)
{
	pctld_xbuf_put(out, envelope_open);
	pctld_xbuf_printf(out,
	                  "<u:%sResponse "
	                  "xmlns:u=\"urn:schemas-upnp-org:service:%s:%u\">",
	                  r->action, pctld_upnp_services[r->svc].type,
	                  r->version);
	pctld_xbuf_putn(out, args, args_len);
	pctld_xbuf_printf(out, "</u:%sResponse>", r->action);
	pctld_xbuf_put(out, envelope_close);
}

void pctld_soap_write_fault(struct pctld_xbuf *out, int code)
{
	const char *name = pctl_upnp_error_name(code);

	pctld_xbuf_put(out, envelope_open);
	pctld_xbuf_printf(
	    out,
	    "<s:Fault><faultcode>s:Client</faultcode>"
	    "<faultstring>UPnPError</faultstring><detail>"
	    "<UPnPError xmlns=\"urn:schemas-upnp-org:control-1-0\">"
	    "<errorCode>%d</errorCode><errorDescription>%s</errorDescription>"
	    "</UPnPError></detail></s:Fault>",
	    code, name ? name : "ActionFailed");
	pctld_xbuf_put(out, envelope_close);
}

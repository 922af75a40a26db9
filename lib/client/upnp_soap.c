/*
 * SOAP control messages of a UPnP IGD (upnp.h; UDA 1.1 section 3.2): the
 * request body the client posts, and the parser of the response or Fault
 * the device returns.
 */
#include "upnp.h"
#include "upnp_xml.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Request ------------------------------------------------------------ */

struct out {
	char *p;
	size_t cap, len;
	bool full;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->full || n >= o->cap - o->len) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* Text or attribute value with the five markup characters escaped. */
static void put_esc(struct out *o, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			puts_(o, "&amp;");
			break;
		case '<':
			puts_(o, "&lt;");
			break;
		case '>':
			puts_(o, "&gt;");
			break;
		case '"':
			puts_(o, "&quot;");
			break;
		case '\'':
			puts_(o, "&apos;");
			break;
		default:
			put(o, s, 1);
		}
	}
}

/* Action and argument names are the caller's constants: ASCII XML names,
 * so they go out unescaped. */
static bool xml_name(const char *s)
{
	if (!s || !*s || (*s >= '0' && *s <= '9'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* XML 1.0 has no way to carry most control characters, even escaped. */
static bool xml_text(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			return false;
	}
	return true;
}

size_t pctl_soap_request(char *buf, size_t cap, const char *service_type,
                         const char *action, const struct pctl_soap_arg *args,
                         size_t n)
{
	struct out o = {.p = buf, .cap = cap};

	if (cap == 0)
		return 0;
	buf[0] = '\0';
	if (!service_type || !xml_text(service_type) || !xml_name(action))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!xml_name(args[i].name) || !args[i].value ||
		    !xml_text(args[i].value))
			return 0;
	puts_(&o, "<?xml version=\"1.0\"?>\r\n"
	          "<s:Envelope "
	          "xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" "
	          "s:encodingStyle="
	          "\"http://schemas.xmlsoap.org/soap/encoding/\">"
	          "<s:Body><u:");
	puts_(&o, action);
	puts_(&o, " xmlns:u=\"");
	put_esc(&o, service_type);
	puts_(&o, "\">");
	for (size_t i = 0; i < n; i++) {
		puts_(&o, "<");
		puts_(&o, args[i].name);
		puts_(&o, ">");
		put_esc(&o, args[i].value);
		puts_(&o, "</");
		puts_(&o, args[i].name);
		puts_(&o, ">");
	}
	puts_(&o, "</u:");
	puts_(&o, action);
	puts_(&o, "></s:Body></s:Envelope>\r\n");
	if (o.full) {
		buf[0] = '\0';
		return 0;
	}
	return o.len;
}

/* ---- Response ----------------------------------------------------------- */

enum kind {
	K_BAD,   /* nothing a SOAP response holds there: refused */
	K_OTHER, /* Header and Fault parts that carry nothing for us */
	K_ENVELOPE,
	K_BODY,
	K_RESPONSE,
	K_ARG,
	K_FAULT,
	K_DETAIL,
	K_UPNPERROR,
	K_ERRORCODE,
	K_ERRORDESC,
};

struct walk {
	struct pctl_upnp_xml x; /* first: the callbacks get &walk.x */
	enum kind kinds[PCTL_UPNP_DEPTH_MAX + 1];
	const char *action;
	struct pctl_soap_result *r;
	bool envelope, body, response, fault, upnp_error;
	size_t arg_len, desc_len, code_len;
	char code[16];
};

/* The response element is the action's name and "Response". */
static bool is_response(const char *local, const char *action)
{
	size_t n = strlen(action);

	return strncmp(local, action, n) == 0 &&
	       strcmp(local + n, "Response") == 0;
}

static enum kind kind_of(struct walk *w, enum kind parent, const char *local)
{
	struct pctl_soap_result *r = w->r;

	switch (parent) {
	case K_ENVELOPE:
		if (strcmp(local, "Header") == 0 && !w->body)
			return K_OTHER;
		if (strcmp(local, "Body") == 0 && !w->body)
			return K_BODY;
		break;
	case K_BODY:
		if (w->response || w->fault)
			break; /* one answer per body */
		if (strcmp(local, "Fault") == 0)
			return K_FAULT;
		if (is_response(local, w->action))
			return K_RESPONSE;
		break; /* another action's response, or not SOAP */
	case K_RESPONSE:
		if (strlen(local) >= PCTL_SOAP_NAME_MAX ||
		    r->n_out == PCTL_SOAP_MAX_OUT || pctl_soap_out(r, local))
			break;
		return K_ARG;
	case K_ARG:
		break; /* an argument is text, never markup */
	case K_FAULT:
		return strcmp(local, "detail") == 0 ? K_DETAIL : K_OTHER;
	case K_DETAIL:
		return strcmp(local, "UPnPError") == 0 && !w->upnp_error
		           ? K_UPNPERROR
		           : K_OTHER;
	case K_UPNPERROR:
		if (strcmp(local, "errorCode") == 0 && !w->code_len)
			return K_ERRORCODE;
		if (strcmp(local, "errorDescription") == 0 && !w->desc_len)
			return K_ERRORDESC;
		return K_OTHER;
	default:
		return K_OTHER;
	}
	return K_BAD;
}

static void on_start(struct pctl_upnp_xml *x, const char *local)
{
	struct walk *w = (struct walk *)x;
	enum kind k;

	if (x->depth == 1) {
		k = strcmp(local, "Envelope") == 0 ? K_ENVELOPE : K_BAD;
	} else {
		k = kind_of(w, w->kinds[x->depth - 1], local);
	}
	if (k == K_BAD)
		return pctl_upnp_xml_fail(x);
	w->kinds[x->depth] = k;
	switch (k) {
	case K_ENVELOPE:
		w->envelope = true;
		break;
	case K_BODY:
		w->body = true;
		break;
	case K_RESPONSE:
		w->response = true;
		break;
	case K_FAULT:
		w->fault = true;
		break;
	case K_UPNPERROR:
		w->upnp_error = true;
		break;
	case K_ARG:
		strcpy(w->r->out[w->r->n_out++].name, local);
		w->arg_len = 0;
		break;
	default:
		break;
	}
}

static void on_text(struct pctl_upnp_xml *x, const char *s, size_t n)
{
	struct walk *w = (struct walk *)x;
	struct pctl_soap_result *r = w->r;
	size_t room;
	bool ok = true;

	switch (w->kinds[x->depth]) {
	case K_ARG:
		ok = pctl_upnp_xml_append(r->out[r->n_out - 1].value,
		                          PCTL_SOAP_VALUE_MAX, &w->arg_len, s,
		                          n);
		break;
	case K_ERRORCODE:
		ok = pctl_upnp_xml_append(w->code, sizeof(w->code),
		                          &w->code_len, s, n);
		break;
	case K_ERRORDESC:
		/* Only shown to people: cut, not refused. */
		room = sizeof(r->error_desc) - 1 - w->desc_len;
		if (n > room)
			n = room;
		pctl_upnp_xml_append(r->error_desc, sizeof(r->error_desc),
		                     &w->desc_len, s, n);
		break;
	case K_ENVELOPE:
	case K_BODY:
	case K_RESPONSE:
		ok = pctl_upnp_xml_blank(s, n);
		break;
	default:
		break;
	}
	if (!ok)
		pctl_upnp_xml_fail(x);
}

/* A UPnP error code: a decimal number from 1 to 9999 (UDA 1.1 Table 3-3
 * and the vendor ranges stay below 1000). */
static int error_code(char *text)
{
	char *end;
	long v;

	pctl_upnp_xml_trim(text);
	if (text[0] < '0' || text[0] > '9')
		return -1;
	v = strtol(text, &end, 10);
	if (*end != '\0' || v < 1 || v > 9999)
		return -1;
	return (int)v;
}

int pctl_soap_parse_response(const char *xml, size_t len, const char *action,
                             struct pctl_soap_result *out)
{
	struct walk w;

	memset(out, 0, sizeof(*out));
	memset(&w, 0, sizeof(w));
	w.x.start = on_start;
	w.x.text = on_text;
	w.action = action;
	w.r = out;
	if (!action || !*action ||
	    pctl_upnp_xml_parse(&w.x, xml, len, PCTL_UPNP_SOAP_MAX) < 0)
		goto bad;
	if (w.fault) {
		/* Only a UPnPError's errorCode fills code. */
		if ((out->upnp_error = error_code(w.code)) < 0)
			goto bad;
		pctl_upnp_xml_trim(out->error_desc);
		out->n_out = 0;
		return 0;
	}
	if (!w.response)
		goto bad;
	for (size_t i = 0; i < out->n_out; i++)
		pctl_upnp_xml_trim(out->out[i].value);
	out->error_desc[0] = '\0';
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	errno = EINVAL;
	return -1;
}

const char *pctl_soap_out(const struct pctl_soap_result *r, const char *name)
{
	for (size_t i = 0; i < r->n_out; i++)
		if (strcmp(r->out[i].name, name) == 0)
			return r->out[i].value;
	return NULL;
}

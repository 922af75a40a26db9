/*
 * XML text buffer (upnp_xml.h).
 */
#include "upnp_xml.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pctld_xbuf_init(struct pctld_xbuf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void pctld_xbuf_free(struct pctld_xbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* Room for n more bytes and a NUL. */
static bool reserve(struct pctld_xbuf *b, size_t n)
{
	size_t want, cap;
	char *p;

	if (b->failed)
		return false;
	if (n > b->max || b->len > b->max - n) {
		b->failed = true;
		return false;
	}
	want = b->len + n + 1;
	if (want <= b->cap)
		return true;
	cap = b->cap ? b->cap : 1024;
	while (cap < want)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void pctld_xbuf_putn(struct pctld_xbuf *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void pctld_xbuf_put(struct pctld_xbuf *b, const char *s)
{
	pctld_xbuf_putn(b, s, strlen(s));
}

void pctld_xbuf_printf(struct pctld_xbuf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	/* Callers format numbers and fixed markup: never longer. */
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->failed = true;
		return;
	}
	pctld_xbuf_putn(b, tmp, (size_t)n);
}

void pctld_xbuf_esc(struct pctld_xbuf *b, const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		const char *rep;
		switch (s[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&apos;";
			break;
		default:
			continue;
		}
		pctld_xbuf_putn(b, s + start, i - start);
		pctld_xbuf_put(b, rep);
		start = i + 1;
	}
	pctld_xbuf_putn(b, s + start, n - start);
}

void pctld_xbuf_elem(struct pctld_xbuf *b, const char *name, const char *value)
{
	pctld_xbuf_printf(b, "<%s>", name);
	pctld_xbuf_esc(b, value, strlen(value));
	pctld_xbuf_printf(b, "</%s>", name);
}

void pctld_xbuf_uelem(struct pctld_xbuf *b, const char *name, unsigned long v)
{
	pctld_xbuf_printf(b, "<%s>%lu</%s>", name, v, name);
}

bool pctld_xbuf_failed(const struct pctld_xbuf *b)
{
	return b->failed;
}

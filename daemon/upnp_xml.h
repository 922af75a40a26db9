/*
 * A growable text buffer for the UPnP server's XML documents (SOAP
 * responses, descriptions, the port listing), with XML escaping.  An
 * allocation failure or the size cap is remembered and reported once, at
 * the end (pctld_xbuf_failed), so that writers need not check every append.
 */
#ifndef PORTCTLD_UPNP_XML_H
#define PORTCTLD_UPNP_XML_H

#include <stdbool.h>
#include <stddef.h>

struct pctld_xbuf {
	char *p;
	size_t len;
	size_t cap;
	size_t max; /* the largest document allowed (bytes) */
	bool failed;
};

void pctld_xbuf_init(struct pctld_xbuf *b, size_t max);
void pctld_xbuf_free(struct pctld_xbuf *b);
/* Raw text (markup written by the program itself). */
void pctld_xbuf_put(struct pctld_xbuf *b, const char *s);
void pctld_xbuf_putn(struct pctld_xbuf *b, const char *s, size_t n);
void pctld_xbuf_printf(struct pctld_xbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Character data or an attribute value: & < > " ' escaped. */
void pctld_xbuf_esc(struct pctld_xbuf *b, const char *s, size_t n);
/* <name>escaped value</name> */
void pctld_xbuf_elem(struct pctld_xbuf *b, const char *name, const char *value);
/* <name>decimal value</name> */
void pctld_xbuf_uelem(struct pctld_xbuf *b, const char *name, unsigned long v);
/* True when an append failed (out of memory or over max). */
bool pctld_xbuf_failed(const struct pctld_xbuf *b);

#endif

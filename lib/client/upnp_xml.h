/*
 * The expat walk shared by the client's UPnP XML parsers (upnp_desc.c,
 * upnp_soap.c): one place that refuses a document type (no entities, so no
 * billion laughs and no external fetches), bounds the size and the element
 * depth, and reduces every element name to its local part, since devices
 * choose their own namespace prefixes.
 */
#ifndef PORTCTL_CLIENT_UPNP_XML_H
#define PORTCTL_CLIENT_UPNP_XML_H

#include <stdbool.h>
#include <stddef.h>

struct pctl_upnp_xml;

/* Called with the element's local name (prefix removed); depth is that of
 * the element (1 for the document element) in both calls. */
typedef void (*pctl_upnp_xml_start_fn)(struct pctl_upnp_xml *x,
                                       const char *local);
typedef void (*pctl_upnp_xml_end_fn)(struct pctl_upnp_xml *x);
/* Character data of the innermost open element, possibly in pieces. */
typedef void (*pctl_upnp_xml_text_fn)(struct pctl_upnp_xml *x, const char *s,
                                      size_t n);

struct pctl_upnp_xml {
	void *p; /* the XML_Parser while parsing */
	unsigned depth;
	bool failed;
	pctl_upnp_xml_start_fn start;
	pctl_upnp_xml_end_fn end; /* may be NULL */
	pctl_upnp_xml_text_fn text;
};

/* Parses xml (at most max bytes) with x's callbacks; a callback stops the
 * walk with pctl_upnp_xml_fail().  Returns 0, or -1 with errno EINVAL (too
 * long, not well-formed, a DOCTYPE, more than PCTL_UPNP_DEPTH_MAX levels,
 * or a callback failed) or ENOMEM. */
int pctl_upnp_xml_parse(struct pctl_upnp_xml *x, const char *xml, size_t len,
                        size_t max);
void pctl_upnp_xml_fail(struct pctl_upnp_xml *x);

/* Appends n bytes to the NUL-terminated field buf (capacity cap, holding
 * *len bytes).  Returns false when it would not fit. */
bool pctl_upnp_xml_append(char *buf, size_t cap, size_t *len, const char *s,
                          size_t n);
/* Removes XML white space around buf in place. */
void pctl_upnp_xml_trim(char *buf);
/* True when s[0..n) is XML white space only. */
bool pctl_upnp_xml_blank(const char *s, size_t n);

#endif

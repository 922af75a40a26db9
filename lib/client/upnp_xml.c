/*
 * The expat walk of the client's UPnP parsers (upnp_xml.h).
 */
#include "upnp_xml.h"

#include "upnp.h"

#include <errno.h>
#include <expat.h>
#include <limits.h>
#include <string.h>

void pctl_upnp_xml_fail(struct pctl_upnp_xml *x)
{
	if (!x->failed)
		XML_StopParser(x->p, XML_FALSE);
	x->failed = true;
}

static void XMLCALL on_start(void *ud, const XML_Char *name,
                             const XML_Char **attrs)
{
	struct pctl_upnp_xml *x = ud;
	const char *colon = strrchr(name, ':');

	(void)attrs;
	if (x->failed)
		return;
	if (++x->depth > PCTL_UPNP_DEPTH_MAX)
		return pctl_upnp_xml_fail(x);
	x->start(x, colon ? colon + 1 : name);
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	struct pctl_upnp_xml *x = ud;

	(void)name;
	if (x->failed)
		return;
	if (x->end)
		x->end(x);
	x->depth--;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int n)
{
	struct pctl_upnp_xml *x = ud;

	if (!x->failed && n > 0)
		x->text(x, s, (size_t)n);
}

/* No document type at all: the only way to entities, internal (billion
 * laughs) or external (fetches), and no IGD sends one. */
static void XMLCALL on_doctype(void *ud, const XML_Char *name,
                               const XML_Char *sysid, const XML_Char *pubid,
                               int has_internal_subset)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	pctl_upnp_xml_fail(ud);
}

int pctl_upnp_xml_parse(struct pctl_upnp_xml *x, const char *xml, size_t len,
                        size_t max)
{
	XML_Parser p;
	enum XML_Status st;

	x->depth = 0;
	x->failed = false;
	if (len > max || len > INT_MAX) {
		errno = EINVAL;
		return -1;
	}
	/* Not the namespace-aware parser: names are matched by their local
	 * part whatever the namespace, and a device that forgets to declare
	 * a prefix is still understood. */
	p = XML_ParserCreate("UTF-8");
	if (!p) {
		errno = ENOMEM;
		return -1;
	}
	x->p = p;
	XML_SetUserData(p, x);
	XML_SetElementHandler(p, on_start, on_end);
	XML_SetCharacterDataHandler(p, on_text);
	XML_SetStartDoctypeDeclHandler(p, on_doctype);
	XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
	st = XML_Parse(p, xml, (int)len, XML_TRUE);
	XML_ParserFree(p);
	x->p = NULL;
	if (st != XML_STATUS_OK || x->failed) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

bool pctl_upnp_xml_append(char *buf, size_t cap, size_t *len, const char *s,
                          size_t n)
{
	if (n >= cap - *len)
		return false;
	memcpy(buf + *len, s, n);
	*len += n;
	buf[*len] = '\0';
	return true;
}

static bool xml_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool pctl_upnp_xml_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!xml_space(s[i]))
			return false;
	return true;
}

void pctl_upnp_xml_trim(char *buf)
{
	size_t n = strlen(buf), i = 0;

	while (n > 0 && xml_space(buf[n - 1]))
		n--;
	while (i < n && xml_space(buf[i]))
		i++;
	memmove(buf, buf + i, n - i);
	buf[n - i] = '\0';
}

/*
 * SSDP search and its answers (upnp.h; UPnP Device Architecture 1.1
 * section 1.3.2): the M-SEARCH the client multicasts and the parser of the
 * unicast datagrams that answer it.
 */
#include "upnp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Bounds of an answer: real ones have about ten lines of under 200 bytes. */
#define SSDP_LINE_MAX  512
#define SSDP_LINES_MAX 32

/* What a header value may hold: printable text and tabs. */
static bool text_ok(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

size_t pctl_ssdp_msearch(char *buf, size_t cap, int family, const char *st,
                         unsigned mx)
{
	const char *host;
	int n;

	if (family == 4)
		host = PCTL_SSDP_GROUP4;
	else if (family == 6)
		host = "[" PCTL_SSDP_GROUP6 "]";
	else
		return 0;
	/* A search target is one token: a line break would forge headers. */
	if (!st || !*st || !text_ok(st) || strpbrk(st, " \t"))
		return 0;
	/* UDA 1.1: MX from 1 to 5; a device treats a larger one as 5. */
	if (mx < 1)
		mx = 1;
	if (mx > 5)
		mx = 5;
	n = snprintf(
	    buf, cap,
	    "M-SEARCH * HTTP/1.1\r\n"
	    "HOST: %s:%u\r\n"
	    "MAN: \"ssdp:discover\"\r\n"
	    "MX: %u\r\n"
	    "ST: %s\r\n"
	    "USER-AGENT: Linux UPnP/1.1 portctl/" PORTCTL_VERSION_STRING "\r\n"
	    "\r\n",
	    host, PCTL_SSDP_PORT, mx, st);
	if (n < 0 || (size_t)n >= cap) {
		if (cap)
			buf[0] = '\0';
		return 0;
	}
	return (size_t)n;
}

/* "max-age = N" anywhere in a CACHE-CONTROL value; 0 when absent or not
 * a number (the field is advisory).  Saturates at UINT32_MAX. */
static uint32_t max_age(const char *v)
{
	const char *s = v;
	uint64_t n = 0;

	for (; *s; s++)
		if (strncasecmp(s, "max-age", 7) == 0)
			break;
	if (!*s)
		return 0;
	s += 7;
	s += strspn(s, " \t");
	if (*s++ != '=')
		return 0;
	s += strspn(s, " \t");
	if (*s < '0' || *s > '9')
		return 0;
	for (; *s >= '0' && *s <= '9'; s++)
		if ((n = n * 10 + (uint64_t)(*s - '0')) > UINT32_MAX)
			n = UINT32_MAX;
	return (uint32_t)n;
}

/* "HTTP/1.x 200" and an optional reason phrase. */
static bool status_ok(const char *line)
{
	if (strncmp(line, "HTTP/1.", 7) != 0 || line[7] < '0' ||
	    line[7] > '1' || strncmp(line + 8, " 200", 4) != 0)
		return false;
	return line[12] == '\0' || line[12] == ' ';
}

/* Copies a value into a field of cap bytes; refuses empty or over-long
 * values and a second copy of the header. */
static bool take(char *field, size_t cap, const char *v)
{
	size_t n = strlen(v);

	if (field[0] || n == 0 || n >= cap)
		return false;
	memcpy(field, v, n + 1);
	return true;
}

/* One header line: "Name: value" with the value's white space trimmed. */
static bool header(char *line, struct pctl_ssdp_reply *out)
{
	char *colon = strchr(line, ':'), *v, *e;
	struct pctl_url u;

	/* No name, or a name with white space (or an obsolete folded line). */
	if (!colon || colon == line ||
	    strcspn(line, " \t") < (size_t)(colon - line))
		return false;
	*colon = '\0';
	v = colon + 1;
	v += strspn(v, " \t");
	e = v + strlen(v);
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	if (strcasecmp(line, "LOCATION") == 0)
		return take(out->location, sizeof(out->location), v) &&
		       pctl_url_parse(v, &u) == 0;
	if (strcasecmp(line, "ST") == 0)
		return take(out->st, sizeof(out->st), v);
	if (strcasecmp(line, "CACHE-CONTROL") == 0)
		out->max_age = max_age(v);
	return true;
}

int pctl_ssdp_parse_reply(const char *buf, size_t len,
                          struct pctl_ssdp_reply *out)
{
	char line[SSDP_LINE_MAX];
	size_t pos = 0;
	unsigned lines = 0;

	memset(out, 0, sizeof(*out));
	if (!buf || memchr(buf, '\0', len))
		goto bad;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		/* The datagram ends the message: a last line without its
		 * line break is still a line. */
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		size_t next = pos + n + (nl ? 1 : 0);

		if (n > 0 && buf[pos + n - 1] == '\r')
			n--;
		if (n >= sizeof(line) || ++lines > SSDP_LINES_MAX)
			goto bad;
		memcpy(line, buf + pos, n);
		line[n] = '\0';
		pos = next;
		if (!text_ok(line))
			goto bad;
		if (lines == 1) {
			if (!status_ok(line))
				goto bad;
			continue;
		}
		if (n == 0)
			break; /* end of the headers; an answer has no body */
		if (!header(line, out))
			goto bad;
	}
	if (lines < 1 || !out->location[0] || !out->st[0])
		goto bad;
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	errno = EINVAL;
	return -1;
}

/*
 * The SSDP M-SEARCH parser (ssdp_parse.h).  Lines end in CRLF (a bare LF
 * is taken too, as miniupnpd does: some control points send it); header
 * names are case-insensitive, values are trimmed of blanks.
 */
#include "ssdp_parse.h"

#include <string.h>
#include <strings.h>

enum { H_HOST = 1, H_MAN = 2, H_MX = 4, H_ST = 8 };

/* The next line of [*p, end) without its terminator into line/len;
 * *p moves past it.  -1: too long, or a NUL or control character. */
static int next_line(const uint8_t **p, const uint8_t *end, const char **line,
                     size_t *len)
{
	const uint8_t *s = *p, *q = s;

	while (q < end && *q != '\n') {
		if ((*q < 0x20 && *q != '\t' && *q != '\r') || *q == 0x7f)
			return -1;
		q++;
	}
	*len = (size_t)(q - s);
	*p = q < end ? q + 1 : q;
	if (*len && s[*len - 1] == '\r')
		(*len)--;
	if (*len > PCTLD_SSDP_MAX_LINE || memchr(s, '\r', *len))
		return -1;
	*line = (const char *)s;
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* "1".."5" and beyond (clamped); -1 when not a decimal number. */
static int parse_mx(const char *v, size_t n, unsigned *mx)
{
	unsigned x = 0;

	if (!n || n > 10)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x > 100 ? 100 : x * 10 + (unsigned)(v[i] - '0');
	}
	*mx = x < PCTLD_SSDP_MX_MIN   ? PCTLD_SSDP_MX_MIN
	      : x > PCTLD_SSDP_MX_MAX ? PCTLD_SSDP_MX_MAX
	                              : x;
	return 0;
}

static bool eq(const char *v, size_t n, const char *s)
{
	return n == strlen(s) && !strncasecmp(v, s, n);
}

/* One header line into out; *seen collects which were given. */
static int header(const char *l, size_t n, struct pctld_ssdp_search *out,
                  unsigned *seen)
{
	const char *colon = memchr(l, ':', n);
	const char *v;
	size_t name_len, vn;
	unsigned which = 0;

	if (!colon || colon == l)
		return -1;
	name_len = (size_t)(colon - l);
	for (size_t i = 0; i < name_len; i++)
		if (is_blank(l[i]))
			return -1; /* no blank inside or before a name */
	v = colon + 1;
	vn = n - name_len - 1;
	while (vn && is_blank(*v))
		v++, vn--;
	while (vn && is_blank(v[vn - 1]))
		vn--;
	if (eq(l, name_len, "HOST"))
		which = H_HOST;
	else if (eq(l, name_len, "MAN"))
		which = H_MAN;
	else if (eq(l, name_len, "MX"))
		which = H_MX;
	else if (eq(l, name_len, "ST"))
		which = H_ST;
	if (which & *seen)
		return -1;
	*seen |= which;
	switch (which) {
	case H_HOST:
		return vn ? 0 : -1;
	case H_MAN:
		return eq(v, vn, "\"ssdp:discover\"") ||
		               eq(v, vn, "ssdp:discover")
		           ? 0
		           : -1;
	case H_MX:
		return parse_mx(v, vn, &out->mx);
	case H_ST:
		if (!vn || vn > PCTLD_SSDP_ST_MAX)
			return -1;
		for (size_t i = 0; i < vn; i++)
			if (is_blank(v[i]) || (unsigned char)v[i] > 0x7e)
				return -1;
		memcpy(out->st, v, vn);
		out->st[vn] = '\0';
		return 0;
	default:
		return 0; /* USER-AGENT, CPFN.UPNP.ORG, ...: not needed */
	}
}

int pctld_ssdp_parse(const uint8_t *buf, size_t len,
                     struct pctld_ssdp_search *out)
{
	const uint8_t *p = buf, *end = buf + len;
	const char *l;
	size_t n, headers = 0;
	unsigned seen = 0;

	memset(out, 0, sizeof(*out));
	if (len > PCTLD_SSDP_MAX_DGRAM)
		return -1;
	if (next_line(&p, end, &l, &n) || !eq(l, n, "M-SEARCH * HTTP/1.1") ||
	    memcmp(l, "M-SEARCH", 8))
		return -1;
	while (p < end) {
		if (next_line(&p, end, &l, &n))
			return -1;
		if (!n)
			break; /* the end of the headers; no body is read */
		if (++headers > PCTLD_SSDP_MAX_HEADERS ||
		    header(l, n, out, &seen))
			return -1;
	}
	return (seen & (H_HOST | H_MAN | H_ST)) == (H_HOST | H_MAN | H_ST) ? 0
	                                                                   : -1;
}

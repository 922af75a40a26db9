/*
 * The URLs of a UPnP IGD (upnp.h): http://ADDR[:PORT][/path] with a literal
 * address, parsed and resolved without any name lookup.
 */
#include "upnp.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HTTP_SCHEME "http://"

static int fail(int e)
{
	errno = e;
	return -1;
}

/* Characters a URL never holds raw: controls, space, DEL, and the
 * fragment mark (a fragment means nothing to an HTTP request). */
static bool url_chars_ok(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= 0x20 || c == 0x7f || c == '#')
			return false;
	}
	return true;
}

/* The zone of a bracketed address: "%25name" (RFC 6874) or, as devices
 * and people write it, "%name"; a number is an interface index. */
static int parse_zone(const char *zone, unsigned *scope_id)
{
	char *end;
	unsigned long v;

	if (strncmp(zone, "25", 2) == 0 && zone[2] != '\0')
		zone += 2;
	if (*zone == '\0' || strlen(zone) >= IF_NAMESIZE)
		return fail(EINVAL);
	if (zone[0] >= '0' && zone[0] <= '9') {
		errno = 0;
		v = strtoul(zone, &end, 10);
		if (*end != '\0' || errno || v == 0 || v > 0xffffffffu)
			return fail(EINVAL);
		*scope_id = (unsigned)v;
		return 0;
	}
	*scope_id = if_nametoindex(zone);
	return *scope_id ? 0 : fail(ENODEV);
}

static int parse_host(const char *h, size_t n, struct pctl_url *out)
{
	char text[PCTL_UPNP_URL_MAX], *pct;

	if (n == 0 || n >= sizeof(text))
		return fail(EINVAL);
	if (h[0] == '[') {
		if (n < 3 || h[n - 1] != ']')
			return fail(EINVAL);
		memcpy(text, h + 1, n - 2);
		text[n - 2] = '\0';
		pct = strchr(text, '%');
		if (pct) {
			*pct = '\0';
			if (parse_zone(pct + 1, &out->scope_id) < 0)
				return -1;
		}
		/* A bracketed dotted quad is not an IPv6 address. */
		if (!strchr(text, ':') || pctl_addr_from_str(&out->addr, text))
			return fail(EINVAL);
		/* A zone only makes sense for a link-local address. */
		if (pct && !(out->addr.b[0] == 0xfe &&
		             (out->addr.b[1] & 0xc0) == 0x80))
			return fail(EINVAL);
		return 0;
	}
	memcpy(text, h, n);
	text[n] = '\0';
	/* Only a dotted quad: anything else would be a name to resolve. */
	if (strchr(text, ':') || pctl_addr_from_str(&out->addr, text))
		return fail(EINVAL);
	return 0;
}

static int parse_port(const char *s, size_t n, uint16_t *port)
{
	unsigned v = 0;

	if (n == 0 || n > 5)
		return fail(EINVAL);
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return fail(EINVAL);
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return fail(EINVAL);
	*port = (uint16_t)v;
	return 0;
}

/* Length of the authority after "http://": up to the path. */
static size_t authority_len(const char *a)
{
	return strcspn(a, "/?");
}

int pctl_url_parse(const char *url, struct pctl_url *out)
{
	const char *auth, *path, *colon;
	size_t alen, hlen;

	memset(out, 0, sizeof(*out));
	if (!url || strlen(url) >= PCTL_UPNP_URL_MAX || !url_chars_ok(url) ||
	    strncasecmp(url, HTTP_SCHEME, strlen(HTTP_SCHEME)) != 0)
		goto bad;
	auth = url + strlen(HTTP_SCHEME);
	alen = authority_len(auth);
	path = auth + alen;
	/* The port's colon follows the host: after "]" for IPv6. */
	colon = NULL;
	if (auth[0] == '[') {
		const char *rb = memchr(auth, ']', alen);
		if (!rb)
			goto bad;
		if (rb + 1 < path) {
			if (rb[1] != ':')
				goto bad;
			colon = rb + 1;
		}
	} else {
		colon = memchr(auth, ':', alen);
	}
	hlen = colon ? (size_t)(colon - auth) : alen;
	if (parse_host(auth, hlen, out) < 0)
		goto fail_errno;
	out->port = 80;
	if (colon &&
	    parse_port(colon + 1, (size_t)(path - colon - 1), &out->port) < 0)
		goto bad;
	/* "http://a?q" has no path: the query still needs one before it. */
	if (*path == '?')
		goto bad;
	strcpy(out->path, *path ? path : "/");
	return 0;
bad:
	errno = EINVAL;
fail_errno : {
	int e = errno;
	memset(out, 0, sizeof(*out));
	errno = e;
}
	return -1;
}

/* True when the path part of ref (before any query) has a "." or ".."
 * segment. */
static bool has_dot_segment(const char *ref)
{
	size_t end = strcspn(ref, "?");
	const char *s = ref, *stop = ref + end;

	while (s < stop) {
		size_t n = strcspn(s, "/?");
		if (s + n > stop)
			n = (size_t)(stop - s);
		if ((n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.'))
			return true;
		s += n;
		if (s < stop)
			s++;
	}
	return false;
}

/* Writes the concatenation of up to three pieces into out. */
static int join(char *out, size_t cap, const char *a, size_t an, const char *b,
                size_t bn, const char *c)
{
	size_t cn = strlen(c);

	if (an + bn + cn >= cap)
		return fail(ENOSPC);
	memcpy(out, a, an);
	memcpy(out + an, b, bn);
	memcpy(out + an + bn, c, cn + 1);
	return 0;
}

int pctl_url_resolve(const char *base, const char *ref, char *out, size_t cap)
{
	struct pctl_url u;
	const char *auth, *path, *dir_end;
	size_t prefix, plen;
	int rc;

	if (cap)
		out[0] = '\0';
	if (!base || !ref || pctl_url_parse(base, &u) < 0)
		return fail(EINVAL);
	if (cap == 0)
		return fail(ENOSPC);
	if (!url_chars_ok(ref) || has_dot_segment(ref))
		return fail(EINVAL);
	auth = base + strlen(HTTP_SCHEME);
	path = auth + authority_len(auth);
	prefix = (size_t)(path - base); /* "http://authority" */
	if (strncasecmp(ref, HTTP_SCHEME, strlen(HTTP_SCHEME)) == 0) {
		rc = join(out, cap, "", 0, "", 0, ref);
	} else if (strncmp(ref, "//", 2) == 0) {
		rc = join(out, cap, "http:", 5, "", 0, ref);
	} else if (ref[strcspn(ref, ":/?")] == ':') {
		return fail(EINVAL); /* another scheme */
	} else if (ref[0] == '/') {
		rc = join(out, cap, base, prefix, "", 0, ref);
	} else if (ref[0] == '\0') {
		rc = join(out, cap, "", 0, "", 0, base);
	} else if (ref[0] == '?') {
		plen = strcspn(path, "?");
		/* "http://a" + "?q": the path is "/" */
		rc = join(out, cap, base, prefix, plen ? path : "/",
		          plen ? plen : 1, ref);
	} else {
		/* Relative: the base's path up to its last "/". */
		plen = strcspn(path, "?");
		dir_end = NULL;
		for (size_t i = 0; i < plen; i++)
			if (path[i] == '/')
				dir_end = path + i + 1;
		if (dir_end)
			rc = join(out, cap, base, prefix, path,
			          (size_t)(dir_end - path), ref);
		else
			rc = join(out, cap, base, prefix, "/", 1, ref);
	}
	if (rc < 0)
		return -1;
	if (pctl_url_parse(out, &u) < 0) {
		out[0] = '\0';
		return fail(EINVAL);
	}
	return 0;
}

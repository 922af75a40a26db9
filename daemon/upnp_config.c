/*
 * The UPnP IGD settings of portctld.conf(5) (upnp_config.h).
 */
#include "upnp_config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../server/siphash.h"
#include "msgbuf.h"

void pctld_upnp_config_defaults(struct pctld_upnp_config *u)
{
	memset(u, 0, sizeof(*u));
	u->enabled = false; /* UPnP has no authentication: opt in */
	u->http_port = PCTLD_UPNP_DEFAULT_HTTP_PORT;
	u->igd_version = 2;
	u->notify_interval = PCTLD_UPNP_DEFAULT_NOTIFY;
}

static int hexval(char c)
{
	static const char digits[] = "0123456789abcdef";
	const char *p = c ? strchr(digits, tolower((unsigned char)c)) : NULL;

	return p ? (int)(p - digits) : -1;
}

int pctld_upnp_parse_uuid(const char *s, char out[PCTLD_UPNP_UUID_LEN + 1],
                          char *err, size_t errlen)
{
	size_t i;

	for (i = 0; s[i] && i < PCTLD_UPNP_UUID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : hexval(s[i]) < 0)
			break;
	}
	if (i != PCTLD_UPNP_UUID_LEN || s[i])
		return pctld_errf(err, errlen,
		                  "'%s' is not a UUID such as "
		                  "01234567-89ab-cdef-0123-456789abcdef "
		                  "(without \"uuid:\")",
		                  s);
	for (i = 0; i < PCTLD_UPNP_UUID_LEN; i++)
		out[i] = s[i] >= 'A' && s[i] <= 'F' ? (char)(s[i] - 'A' + 'a')
		                                    : s[i];
	out[i] = '\0';
	return 0;
}

/* Length of the UTF-8 sequence at s (a shortest form, no surrogate, at
 * most U+10FFFF), or 0. */
static size_t utf8_char(const unsigned char *s)
{
	unsigned c = s[0], cp;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

int pctld_upnp_parse_name(char **w, size_t n,
                          char out[PCTLD_UPNP_FRIENDLY_MAX + 1], char *err,
                          size_t errlen)
{
	char buf[PCTLD_UPNP_FRIENDLY_MAX + 1];
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(w[i]) + (i ? 1 : 0);
		if (len + l > PCTLD_UPNP_FRIENDLY_MAX)
			return pctld_errf(err, errlen,
			                  "the name is longer than %d bytes",
			                  PCTLD_UPNP_FRIENDLY_MAX);
		snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? " " : "",
		         w[i]);
		len += l;
	}
	for (size_t i = 0; i < len;) {
		const unsigned char *c = (const unsigned char *)buf + i;
		size_t k = utf8_char(c);
		if (!k || *c < 0x20 || *c == 0x7f)
			return pctld_errf(
			    err, errlen,
			    "byte %zu of the name is not printable "
			    "UTF-8",
			    i + 1);
		i += k;
	}
	memcpy(out, buf, len + 1);
	return 0;
}

int pctld_upnp_uuid_from_machine_id(const char *id,
                                    char out[PCTLD_UPNP_UUID_LEN + 1])
{
	/* Fixed keys ("portctl upnp uuid", in hex): the UUID is the same for
	 * every portctl on one machine and says nothing of the id. */
	static const uint64_t k1[2] = {0x706f727463746c20ull,
	                               0x75706e7020757569ull};
	static const uint64_t k2[2] = {0x642076313a206869ull,
	                               0x67682068616c6620ull};
	uint64_t a = 0, b = 0, hi, lo;
	uint8_t u[16];
	size_t i;

	for (i = 0; i < 32; i++) {
		int v = hexval(id[i]);
		if (v < 0)
			return -1;
		if (i < 16)
			a = a << 4 | (uint64_t)v;
		else
			b = b << 4 | (uint64_t)v;
	}
	if (id[i] && id[i] != '\n')
		return -1;
	hi = pctl_siphash_u64(k1, a ^ pctl_siphash_u64(k1, b));
	lo = pctl_siphash_u64(k2, b ^ pctl_siphash_u64(k2, a));
	for (i = 0; i < 8; i++) {
		u[i] = (uint8_t)(hi >> (56 - 8 * i));
		u[8 + i] = (uint8_t)(lo >> (56 - 8 * i));
	}
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x50); /* version 5 */
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80); /* variant 10 */
	snprintf(out, PCTLD_UPNP_UUID_LEN + 1,
	         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	         "%02x%02x%02x%02x%02x%02x",
	         u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
	         u[10], u[11], u[12], u[13], u[14], u[15]);
	return 0;
}

int pctld_upnp_uuid_from_file(const char *path,
                              char out[PCTLD_UPNP_UUID_LEN + 1], char *err,
                              size_t errlen)
{
	char id[64] = "";
	FILE *f = fopen(path, "r");

	if (!f)
		return pctld_errf(err, errlen,
		                  "upnp: %s: %s; set upnp-uuid to serve UPnP "
		                  "without it",
		                  path, strerror(errno));
	if (!fgets(id, sizeof(id), f))
		id[0] = '\0';
	fclose(f);
	if (pctld_upnp_uuid_from_machine_id(id, out))
		return pctld_errf(err, errlen,
		                  "upnp: %s does not hold a machine id (32 "
		                  "hexadecimal digits); set upnp-uuid",
		                  path);
	return 0;
}

int pctld_upnp_config_finish(struct pctld_upnp_config *u, size_t n_int_ifs,
                             const char (*int_ifs)[IF_NAMESIZE],
                             const char *ext_if, const char *machine_id,
                             char *err, size_t errlen)
{
	if (!u->enabled)
		return 0;
	if (!n_int_ifs)
		return pctld_errf(
		    err, errlen,
		    "upnp yes needs internal-interface: UPnP is "
		    "served on internal interfaces only, never on "
		    "the WAN");
	for (size_t i = 0; i < n_int_ifs; i++)
		if (ext_if[0] && !strcmp(int_ifs[i], ext_if))
			return pctld_errf(
			    err, errlen,
			    "upnp yes: %s is both internal-interface "
			    "and external-interface",
			    ext_if);
	if (!u->friendly_name[0]) {
		char host[256] = "";
		if (gethostname(host, sizeof(host) - 1))
			strcpy(host, "localhost");
		/* Cut at a byte (host names are ASCII), by the precision so
		 * that no build type sees a truncation. */
		static const char prefix[] = "portctl on ";
		snprintf(u->friendly_name, sizeof(u->friendly_name), "%s%.*s",
		         prefix,
		         (int)(sizeof(u->friendly_name) - sizeof(prefix)),
		         host);
	}
	if (!u->uuid[0] &&
	    pctld_upnp_uuid_from_file(machine_id, u->uuid, err, errlen))
		return -1;
	return 0;
}

/*
 * The advertisements of portctld's UPnP device tree (ssdp_answer.h).
 */
#include "ssdp_answer.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "upnp_config.h"

#define URN_DEV "urn:schemas-upnp-org:device:"
#define URN_SVC "urn:schemas-upnp-org:service:"

/* One type of the tree: a device (its UDN is device k) or a service of
 * device k; version 0 means the configured IGD version. */
struct node {
	bool device;
	const char *name;
	unsigned version;
	unsigned k;
	bool v2_only;
};

static const struct node tree[] = {
    {true, "InternetGatewayDevice", 0, 0, false},
    {true, "WANDevice", 0, 1, false},
    {false, "WANCommonInterfaceConfig", 1, 1, false},
    {true, "WANConnectionDevice", 0, 2, false},
    {false, "WANIPConnection", 0, 2, false},
    {false, "WANIPv6FirewallControl", 1, 2, true},
};

#define N_NODES (sizeof(tree) / sizeof(tree[0]))

void pctld_ssdp_udn(const struct pctld_upnp_info *info, unsigned k,
                    char out[37])
{
	static const char hex[] = "0123456789abcdef";
	char *last = out + 35;
	unsigned v;

	memcpy(out, info->uuid, 36);
	out[36] = '\0';
	v = (unsigned)(*last <= '9' ? *last - '0' : (*last | 0x20) - 'a' + 10);
	*last = hex[(v + k) % 16];
}

static bool present(const struct node *n, unsigned igd)
{
	return !n->v2_only || igd >= 2;
}

static unsigned version(const struct node *n, unsigned igd)
{
	return n->version ? n->version : igd;
}

static void add(struct pctld_ssdp_answer *out, size_t *k, const char *st,
                const char *udn, bool usn_is_udn)
{
	struct pctld_ssdp_answer *a = &out[(*k)++];

	snprintf(a->st, sizeof(a->st), "%s", st);
	if (usn_is_udn)
		snprintf(a->usn, sizeof(a->usn), "uuid:%s", udn);
	else
		snprintf(a->usn, sizeof(a->usn), "uuid:%s::%s", udn, st);
}

/* Every advertisement (UDA 1.1 section 1.2.2): rootdevice, then per
 * device its UDN and type, per service its type. */
static size_t all(const struct pctld_upnp_info *info,
                  struct pctld_ssdp_answer *out)
{
	char udn[37], st[96];
	size_t k = 0;

	pctld_ssdp_udn(info, 0, udn);
	add(out, &k, "upnp:rootdevice", udn, false);
	for (size_t i = 0; i < N_NODES; i++) {
		const struct node *n = &tree[i];
		if (!present(n, info->igd_version))
			continue;
		pctld_ssdp_udn(info, n->k, udn);
		if (n->device) {
			snprintf(st, sizeof(st), "uuid:%s", udn);
			add(out, &k, st, udn, true);
		}
		snprintf(st, sizeof(st), "%s%s:%u",
		         n->device ? URN_DEV : URN_SVC, n->name,
		         version(n, info->igd_version));
		add(out, &k, st, udn, false);
	}
	return k;
}

/* "PREFIXNAME:V" with V a version from 1 to max: V, else 0. */
static unsigned type_version(const char *st, const char *prefix,
                             const char *name, unsigned max)
{
	size_t pl = strlen(prefix), nl = strlen(name);
	unsigned v = 0;
	const char *p;

	if (strncmp(st, prefix, pl) || strncmp(st + pl, name, nl) ||
	    st[pl + nl] != ':')
		return 0;
	p = st + pl + nl + 1;
	if (*p < '1' || *p > '9' || strlen(p) > 3)
		return 0;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		v = v * 10 + (unsigned)(*p - '0');
	}
	return v <= max ? v : 0;
}

size_t pctld_ssdp_select(const struct pctld_upnp_info *info, const char *st,
                         struct pctld_ssdp_answer *out)
{
	char udn[37], want[96];
	size_t k = 0;

	if (!st || !strcmp(st, "ssdp:all"))
		return all(info, out);
	pctld_ssdp_udn(info, 0, udn);
	if (!strcmp(st, "upnp:rootdevice")) {
		add(out, &k, st, udn, false);
		return k;
	}
	for (size_t i = 0; i < N_NODES; i++) {
		const struct node *n = &tree[i];
		unsigned v;

		if (!present(n, info->igd_version))
			continue;
		pctld_ssdp_udn(info, n->k, udn);
		if (n->device) {
			/* UUIDs are compared without regard to case. */
			snprintf(want, sizeof(want), "uuid:%s", udn);
			if (!strcasecmp(st, want)) {
				add(out, &k, want, udn, true);
				return k;
			}
		}
		v = type_version(st, n->device ? URN_DEV : URN_SVC, n->name,
		                 version(n, info->igd_version));
		if (v) {
			add(out, &k, st, udn, false);
			return k;
		}
	}
	return 0;
}

void pctld_ssdp_location(char *buf, size_t len, const uint8_t addr[16],
                         uint16_t port)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
	                                   0, 0, 0, 0, 0xff, 0xff};
	char txt[INET6_ADDRSTRLEN];
	bool v4 = !memcmp(addr, mapped, sizeof(mapped));

	inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? addr + 12 : addr, txt,
	          sizeof(txt));
	snprintf(buf, len, "http://%s%s%s:%u/rootDesc.xml", v4 ? "" : "[", txt,
	         v4 ? "" : "]", port);
}

static size_t done(int n, size_t len)
{
	return n > 0 && (size_t)n < len ? (size_t)n : 0;
}

size_t pctld_ssdp_format_response(char *buf, size_t len,
                                  const struct pctld_ssdp_answer *a,
                                  const struct pctld_ssdp_hdr *h)
{
	return done(snprintf(buf, len,
	                     "HTTP/1.1 200 OK\r\n"
	                     "CACHE-CONTROL: max-age=%u\r\n"
	                     "EXT:\r\n"
	                     "LOCATION: %s\r\n"
	                     "SERVER: %s\r\n"
	                     "ST: %s\r\n"
	                     "USN: %s\r\n"
	                     "BOOTID.UPNP.ORG: %u\r\n"
	                     "CONFIGID.UPNP.ORG: %u\r\n"
	                     "\r\n",
	                     PCTLD_UPNP_MAX_AGE, h->location, h->server, a->st,
	                     a->usn, (unsigned)h->bootid,
	                     (unsigned)h->configid),
	            len);
}

size_t pctld_ssdp_format_notify(char *buf, size_t len, bool alive, bool v6,
                                const struct pctld_ssdp_answer *a,
                                const struct pctld_ssdp_hdr *h)
{
	const char *host = v6 ? "[FF02::C]:1900" : "239.255.255.250:1900";

	if (!alive)
		return done(snprintf(buf, len,
		                     "NOTIFY * HTTP/1.1\r\n"
		                     "HOST: %s\r\n"
		                     "NT: %s\r\n"
		                     "NTS: ssdp:byebye\r\n"
		                     "USN: %s\r\n"
		                     "BOOTID.UPNP.ORG: %u\r\n"
		                     "CONFIGID.UPNP.ORG: %u\r\n"
		                     "\r\n",
		                     host, a->st, a->usn, (unsigned)h->bootid,
		                     (unsigned)h->configid),
		            len);
	return done(snprintf(buf, len,
	                     "NOTIFY * HTTP/1.1\r\n"
	                     "HOST: %s\r\n"
	                     "CACHE-CONTROL: max-age=%u\r\n"
	                     "LOCATION: %s\r\n"
	                     "NT: %s\r\n"
	                     "NTS: ssdp:alive\r\n"
	                     "SERVER: %s\r\n"
	                     "USN: %s\r\n"
	                     "BOOTID.UPNP.ORG: %u\r\n"
	                     "CONFIGID.UPNP.ORG: %u\r\n"
	                     "\r\n",
	                     host, PCTLD_UPNP_MAX_AGE, h->location, a->st,
	                     h->server, a->usn, (unsigned)h->bootid,
	                     (unsigned)h->configid),
	            len);
}

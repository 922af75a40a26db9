/*
 * portctld.conf parser.  One directive per line, words separated by blanks,
 * '#' starts a comment.  portctld.conf(5) is the specification; every
 * directive below appears there with its default.
 *
 * Each directive is one table entry with a handler that gets the words after
 * the directive name.  Handlers report a precise reason; the caller prefixes
 * "file:line: " so that the administrator can find the bad line.
 */
#include "config.h"
#include "config_check.h"
#include "msgbuf.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#define MAX_WORDS 16
/* The engine refuses lifetimes above a week (pctl_engine_config_check). */
#define MAX_LIFETIME 604800

/* Unsigned decimal in [min, max]. */
static int parse_uint(const char *s, unsigned long min, unsigned long max,
                      unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "yes") || !strcmp(s, "on") || !strcmp(s, "true")) {
		*out = true;
		return 0;
	}
	if (!strcmp(s, "no") || !strcmp(s, "off") || !strcmp(s, "false")) {
		*out = false;
		return 0;
	}
	return -1;
}

/* "PORT" or "MIN-MAX", inclusive. */
static int parse_port_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	char buf[32];
	char *dash;
	unsigned long a, b;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (parse_uint(buf, 0, 65535, &a))
		return -1;
	b = a;
	if (dash && parse_uint(dash + 1, 0, 65535, &b))
		return -1;
	if (a > b)
		return -1;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

/* "tcp", "udp", "any" or an IANA number 1..255.  any sets *any. */
static int parse_protocol(const char *s, uint8_t *proto, bool *any)
{
	unsigned long v;

	*any = false;
	if (!strcmp(s, "tcp"))
		*proto = 6;
	else if (!strcmp(s, "udp"))
		*proto = 17;
	else if (!strcmp(s, "any") || !strcmp(s, "all"))
		*any = true, *proto = 0;
	else if (!parse_uint(s, 1, 255, &v))
		*proto = (uint8_t)v;
	else
		return -1;
	return 0;
}

/* "ADDR[/LEN]"; IPv4 lengths are 0..32 and stored v4-mapped (+96). */
static int parse_prefix(const char *s, struct pctl_prefix *p)
{
	char buf[64];
	char *slash;
	unsigned long len;
	bool v4;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (pctl_addr_from_str(&p->addr, buf))
		return -1;
	v4 = pctl_addr_is_v4(&p->addr);
	len = v4 ? 32 : 128;
	if (slash && parse_uint(slash + 1, 0, v4 ? 32 : 128, &len))
		return -1;
	p->len = (uint8_t)(v4 ? len + 96 : len);
	/* Clear host bits so that comparisons need no mask of their own. */
	for (unsigned i = p->len; i < 128; i++)
		p->addr.b[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
	return 0;
}

int pctld_parse_endpoint(const char *s, struct pctld_endpoint *ep)
{
	char buf[80];
	char *host = buf, *port = NULL;
	unsigned long v;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	if (buf[0] == '[') {
		char *close = strchr(buf, ']');
		if (!close)
			return -1;
		*close = '\0';
		host = buf + 1;
		if (close[1] == ':')
			port = close + 2;
		else if (close[1])
			return -1;
	} else if (strchr(buf, '.')) {
		/* IPv4: a colon separates the port. */
		port = strchr(buf, ':');
		if (port)
			*port++ = '\0';
	}
	if (pctl_addr_from_str(&ep->addr, host))
		return -1;
	if (port) {
		if (parse_uint(port, 1, 65535, &v))
			return -1;
		ep->port = (uint16_t)v;
	}
	return 0;
}

/* ---- Directive handlers -------------------------------------------------
 * Each gets the configuration, the words after the directive (n >= the
 * entry's minimum, <= its maximum) and an error buffer. */

struct ctx {
	struct pctld_config *cfg;
	char **w;
	size_t n;
	char *err;
	size_t errlen;
};

typedef int (*handler_fn)(struct ctx *c);

#define ENG (&c->cfg->engine)

static int h_listen(struct ctx *c)
{
	struct pctld_endpoint ep = {.port = PCTL_SERVER_PORT}; /* S-1 */
	char txt[PCTL_ADDRSTRLEN];
	int k;

	if (c->cfg->n_listen == PCTLD_MAX_LISTEN)
		return pctld_errf(c->err, c->errlen,
		                  "more than %d listen addresses",
		                  PCTLD_MAX_LISTEN);
	if (pctld_parse_endpoint(c->w[0], &ep))
		return pctld_errf(
		    c->err, c->errlen,
		    "'%s' is not ADDRESS, ADDRESS:PORT or [IPV6]:PORT",
		    c->w[0]);
	k = pctld_listen_clash(c->cfg, &ep);
	if (k >= 0)
		return pctld_errf(
		    c->err, c->errlen,
		    "listen %s port %u: already served by the listen "
		    "address %s given before",
		    c->w[0], ep.port,
		    pctl_addr_to_str(&c->cfg->listen[k].addr, txt,
		                     sizeof(txt)));
	c->cfg->listen[c->cfg->n_listen++] = ep;
	return 0;
}

static int h_external_ip(struct ctx *c)
{
	pctl_addr a;

	if (ENG->n_ext_addrs == PCTL_ENG_MAX_EXT_ADDRS)
		return pctld_errf(c->err, c->errlen,
		                  "more than %d external addresses",
		                  PCTL_ENG_MAX_EXT_ADDRS);
	if (pctl_addr_from_str(&a, c->w[0]) || pctl_addr_is_any(&a))
		return pctld_errf(c->err, c->errlen,
		                  "'%s' is not an IP address", c->w[0]);
	if (!pctld_unicast_external(&a))
		return pctld_errf(
		    c->err, c->errlen,
		    "'%s' is not a unicast address reachable from "
		    "outside (loopback, multicast, broadcast and 0/8 "
		    "are not)",
		    c->w[0]);
	for (size_t i = 0; i < ENG->n_ext_addrs; i++)
		if (pctl_addr_equal(&ENG->ext_addrs[i], &a))
			return pctld_errf(c->err, c->errlen,
			                  "external-ip %s given twice",
			                  c->w[0]);
	ENG->ext_addrs[ENG->n_ext_addrs++] = a;
	return 0;
}

static int h_internal_if(struct ctx *c)
{
	if (c->cfg->n_int_ifs == PCTLD_MAX_IFS)
		return pctld_errf(c->err, c->errlen,
		                  "more than %d internal interfaces",
		                  PCTLD_MAX_IFS);
	if (strlen(c->w[0]) >= IF_NAMESIZE)
		return pctld_errf(c->err, c->errlen,
		                  "'%s' is longer than %d characters", c->w[0],
		                  IF_NAMESIZE - 1);
	strcpy(c->cfg->int_ifs[c->cfg->n_int_ifs], c->w[0]);
	c->cfg->n_int_ifs++;
	return 0;
}

/* on-stop keep|flush: what a clean stop does with the mappings. */
static int h_on_stop(struct ctx *c)
{
	if (strcmp(c->w[0], "keep") && strcmp(c->w[0], "flush"))
		return pctld_errf(c->err, c->errlen,
		                  "'%s' is neither keep nor flush", c->w[0]);
	c->cfg->flush_on_stop = !strcmp(c->w[0], "flush");
	return 0;
}

static int h_allow_self(struct ctx *c)
{
	if (parse_bool(c->w[0], &c->cfg->allow_self))
		return pctld_errf(c->err, c->errlen, "'%s' is not yes or no",
		                  c->w[0]);
	c->cfg->allow_self_given = true;
	return 0;
}

static int h_announce_unicast(struct ctx *c)
{
	struct pctld_endpoint ep = {.port = PCTL_CLIENT_PORT};

	if (c->cfg->n_announce == PCTLD_MAX_ANNOUNCE)
		return pctld_errf(c->err, c->errlen,
		                  "more than %d unicast announce targets",
		                  PCTLD_MAX_ANNOUNCE);
	if (pctld_parse_endpoint(c->w[0], &ep) || pctl_addr_is_any(&ep.addr))
		return pctld_errf(
		    c->err, c->errlen,
		    "'%s' is not ADDRESS, ADDRESS:PORT or [IPV6]:PORT",
		    c->w[0]);
	c->cfg->announce[c->cfg->n_announce++] = ep;
	return 0;
}

static int h_port_range(struct ctx *c)
{
	if (parse_port_range(c->w[0], &ENG->port_min, &ENG->port_max) ||
	    ENG->port_min == 0)
		return pctld_errf(
		    c->err, c->errlen,
		    "'%s' is not a port range MIN-MAX within 1-65535", c->w[0]);
	return 0;
}

static int h_reserved_port(struct ctx *c)
{
	struct pctl_reserved_port r;
	bool any;
	unsigned long v;
	const char *port = c->w[0];

	if (ENG->n_reserved == PCTL_ENG_MAX_RESERVED)
		return pctld_errf(c->err, c->errlen,
		                  "more than %d reserved ports",
		                  PCTL_ENG_MAX_RESERVED);
	r.protocol = 0;
	if (c->n == 2) {
		if (parse_protocol(c->w[0], &r.protocol, &any))
			return pctld_errf(
			    c->err, c->errlen,
			    "'%s' is not tcp, udp, any or a protocol "
			    "number",
			    c->w[0]);
		port = c->w[1];
	}
	if (parse_uint(port, 1, 65535, &v))
		return pctld_errf(c->err, c->errlen,
		                  "'%s' is not a port from 1 to 65535", port);
	r.port = (uint16_t)v;
	ENG->reserved[ENG->n_reserved++] = r;
	return 0;
}

/* "RATE [BURST]" of a token bucket; the burst defaults to the rate, and
 * must be at least min_burst. */
static int rate_and_burst(struct ctx *c, unsigned long min_burst,
                          uint32_t *rate, uint32_t *burst)
{
	unsigned long r, b;

	if (parse_uint(c->w[0], 0, 1000000, &r))
		return pctld_errf(c->err, c->errlen,
		                  "rate '%s' is not a number from 0 to 1000000",
		                  c->w[0]);
	b = r;
	if (c->n == 2 && parse_uint(c->w[1], min_burst, 1000000, &b))
		return pctld_errf(
		    c->err, c->errlen,
		    "burst '%s' is not a number from %lu to 1000000", c->w[1],
		    min_burst);
	*rate = (uint32_t)r;
	*burst = (uint32_t)(b < min_burst ? min_burst : b);
	return 0;
}

static int h_rate_limit(struct ctx *c)
{
	return rate_and_burst(c, 1, &ENG->rate_per_sec, &ENG->rate_burst);
}

/* Issue 10: audit-log syslog [FACILITY] | file PATH | off. */
static int h_audit_log(struct ctx *c)
{
	struct pctld_audit_config *a = &c->cfg->audit;
	const char *m = c->w[0];

	if (!strcmp(m, "off") && c->n == 1) {
		a->mode = PCTLD_AUDIT_OFF;
	} else if (!strcmp(m, "syslog") && c->n <= 2) {
		int f = c->n == 2 ? pctld_audit_facility(c->w[1]) : LOG_DAEMON;
		if (f < 0)
			return pctld_errf(
			    c->err, c->errlen,
			    "'%s' is not a syslog facility (daemon, "
			    "auth, authpriv, user, local0..local7)",
			    c->w[1]);
		a->mode = PCTLD_AUDIT_SYSLOG;
		a->facility = f;
	} else if (!strcmp(m, "file") && c->n == 2) {
		if (strlen(c->w[1]) >= sizeof(a->path))
			return pctld_errf(c->err, c->errlen,
			                  "'%s' is longer than %zu characters",
			                  c->w[1], sizeof(a->path) - 1);
		a->mode = PCTLD_AUDIT_FILE;
		strcpy(a->path, c->w[1]);
	} else {
		return pctld_errf(
		    c->err, c->errlen,
		    "audit-log takes syslog [FACILITY], file PATH "
		    "or off");
	}
	return 0;
}

static int h_audit_rate(struct ctx *c)
{
	return rate_and_burst(c, 1, &c->cfg->audit.rate, &c->cfg->audit.burst);
}

static int h_audit_refused_rate(struct ctx *c)
{
	return rate_and_burst(c, 1, &c->cfg->audit.refused_rate,
	                      &c->cfg->audit.refused_burst);
}

/* The admission bucket of subscribers the limiter does not hold yet
 * (server/ratelimit.h). */
static int h_rate_limit_new(struct ctx *c)
{
	return rate_and_burst(c, 0, &ENG->rate_new_per_sec,
	                      &ENG->rate_new_burst);
}

/* S-41, S-7: "V4 V6", the prefix lengths that make one subscriber. */
static int h_subscriber_prefix(struct ctx *c)
{
	unsigned long v4, v6;

	if (parse_uint(c->w[0], 0, 32, &v4))
		return pctld_errf(
		    c->err, c->errlen,
		    "IPv4 prefix length '%s' is not a number from 0 "
		    "to 32",
		    c->w[0]);
	if (parse_uint(c->w[1], 0, 128, &v6))
		return pctld_errf(
		    c->err, c->errlen,
		    "IPv6 prefix length '%s' is not a number from 0 "
		    "to 128",
		    c->w[1]);
	ENG->subscriber_v4_prefix = (uint8_t)v4;
	ENG->subscriber_v6_prefix = (uint8_t)v6;
	return 0;
}

static int h_third_party_allow(struct ctx *c)
{
	struct pctl_prefix p;

	if (ENG->n_third_party_acl == PCTL_ENG_MAX_ACL)
		return pctld_errf(c->err, c->errlen,
		                  "more than %d third-party-allow prefixes",
		                  PCTL_ENG_MAX_ACL);
	if (parse_prefix(c->w[0], &p))
		return pctld_errf(c->err, c->errlen,
		                  "'%s' is not an address or ADDRESS/LENGTH",
		                  c->w[0]);
	ENG->third_party_acl[ENG->n_third_party_acl++] = p;
	return 0;
}

static int h_prefix64(struct ctx *c)
{
	struct pctl_prefix p;
	unsigned bits;

	if (!strcmp(c->w[0], "off") || !strcmp(c->w[0], "no")) {
		ENG->prefix64_enabled = false;
		return 0;
	}
	if (parse_prefix(c->w[0], &p) || pctl_addr_is_v4(&p.addr))
		return pctld_errf(
		    c->err, c->errlen,
		    "'%s' is not an IPv6 prefix such as 64:ff9b::/96", c->w[0]);
	/* the RFC 6052 lengths 32, 40, 48, 56, 64 and 96 bits. */
	bits = p.len;
	if (bits != 32 && bits != 40 && bits != 48 && bits != 56 &&
	    bits != 64 && bits != 96)
		return pctld_errf(
		    c->err, c->errlen,
		    "prefix length /%u is not 32, 40, 48, 56, 64 or 96", bits);
	ENG->prefix64_enabled = true;
	ENG->prefix64_len = (uint8_t)(bits / 8);
	memset(ENG->prefix64, 0, sizeof(ENG->prefix64));
	memset(ENG->prefix64_suffix, 0, sizeof(ENG->prefix64_suffix));
	memcpy(ENG->prefix64, p.addr.b, ENG->prefix64_len);
	return 0;
}

static int h_default_policy(struct ctx *c)
{
	if (!strcmp(c->w[0], "allow"))
		ENG->default_allow = true;
	else if (!strcmp(c->w[0], "deny"))
		ENG->default_allow = false;
	else
		return pctld_errf(c->err, c->errlen,
		                  "'%s' is not allow or deny", c->w[0]);
	return 0;
}

/* threat-model simple|relaxed (RFC 6887 section 18.1; S-52, S-100) */
static int h_threat_model(struct ctx *c)
{
	if (!strcmp(c->w[0], "simple"))
		ENG->simple_threat_model = true;
	else if (!strcmp(c->w[0], "relaxed"))
		ENG->simple_threat_model = false;
	else
		return pctld_errf(c->err, c->errlen,
		                  "'%s' is not simple or relaxed", c->w[0]);
	return 0;
}

/* implicit-lifetime tcp|udp|sctp|dccp SECONDS */
static int h_implicit_lifetime(struct ctx *c)
{
	static const struct {
		const char *name;
		size_t off;
	} protos[] = {
	    {"tcp", offsetof(struct pctl_engine_config, implicit_lifetime_tcp)},
	    {"udp", offsetof(struct pctl_engine_config, implicit_lifetime_udp)},
	    {"sctp",
	     offsetof(struct pctl_engine_config, implicit_lifetime_sctp)},
	    {"dccp",
	     offsetof(struct pctl_engine_config, implicit_lifetime_dccp)},
	};
	unsigned long v;

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (strcmp(c->w[0], protos[i].name))
			continue;
		if (parse_uint(c->w[1], 1, MAX_LIFETIME, &v))
			return pctld_errf(c->err, c->errlen,
			                  "'%s' is not a number from 1 to %u",
			                  c->w[1], (unsigned)MAX_LIFETIME);
		uint32_t x = (uint32_t)v;
		memcpy((char *)ENG + protos[i].off, &x, sizeof(x));
		return 0;
	}
	return pctld_errf(c->err, c->errlen,
	                  "'%s' is not tcp, udp, sctp or dccp", c->w[0]);
}

/* allow|deny PREFIX [proto P] [port A[-B]] [external-port A[-B]] */
static int policy_rule(struct ctx *c, bool allow)
{
	struct pctl_policy_rule r = {
	    .allow = allow,
	    .int_port_max = 65535,
	    .ext_port_max = 65535,
	    .any_protocol = true,
	};

	if (ENG->n_rules == PCTL_ENG_MAX_RULES)
		return pctld_errf(c->err, c->errlen,
		                  "more than %d policy rules",
		                  PCTL_ENG_MAX_RULES);
	if (!strcmp(c->w[0], "any")) {
		pctl_addr_set_any(&r.internal.addr, false);
		r.internal.len = 0;
	} else if (parse_prefix(c->w[0], &r.internal)) {
		return pctld_errf(
		    c->err, c->errlen,
		    "'%s' is not any, an address or ADDRESS/LENGTH", c->w[0]);
	}
	for (size_t i = 1; i < c->n; i += 2) {
		const char *key = c->w[i];
		const char *val = i + 1 < c->n ? c->w[i + 1] : NULL;

		if (!val)
			return pctld_errf(c->err, c->errlen,
			                  "'%s' needs a value", key);
		if (!strcmp(key, "proto")) {
			if (parse_protocol(val, &r.protocol, &r.any_protocol))
				return pctld_errf(
				    c->err, c->errlen,
				    "'%s' is not tcp, udp, any or a "
				    "protocol number",
				    val);
		} else if (!strcmp(key, "port")) {
			if (parse_port_range(val, &r.int_port_min,
			                     &r.int_port_max))
				return pctld_errf(
				    c->err, c->errlen,
				    "'%s' is not a port or MIN-MAX", val);
		} else if (!strcmp(key, "external-port")) {
			if (parse_port_range(val, &r.ext_port_min,
			                     &r.ext_port_max))
				return pctld_errf(
				    c->err, c->errlen,
				    "'%s' is not a port or MIN-MAX", val);
		} else {
			return pctld_errf(
			    c->err, c->errlen,
			    "unknown rule keyword '%s' (proto, port, "
			    "external-port)",
			    key);
		}
	}
	ENG->rules[ENG->n_rules++] = r;
	return 0;
}

/* Issue 11: upnp-friendly-name WORDS... (joined by single spaces) */
static int h_upnp_name(struct ctx *c)
{
	return pctld_upnp_parse_name(c->w, c->n, c->cfg->upnp.friendly_name,
	                             c->err, c->errlen);
}

static int h_upnp_uuid(struct ctx *c)
{
	return pctld_upnp_parse_uuid(c->w[0], c->cfg->upnp.uuid, c->err,
	                             c->errlen);
}

static int h_allow(struct ctx *c)
{
	return policy_rule(c, true);
}

static int h_deny(struct ctx *c)
{
	return policy_rule(c, false);
}

/* How a directive stores its value: a handler of its own, or one of the
 * generic kinds below writing to a field at `off` of struct pctld_config. */
enum kind { K_FN, K_STR, K_BOOL, K_U16, K_U32, K_UINT };

struct directive {
	const char *name;
	size_t min_args, max_args;
	enum kind kind;
	handler_fn fn;        /* K_FN */
	size_t off, cap;      /* field offset; K_STR: buffer size */
	unsigned long lo, hi; /* numbers: inclusive range */
};

#define FN(n, a, b, f)                                                         \
	{                                                                      \
		n, a, b, K_FN, f, 0, 0, 0, 0                                   \
	}
#define STR(n, field)                                                          \
	{                                                                      \
		n, 1, 1, K_STR, NULL, offsetof(struct pctld_config, field),    \
		    sizeof(((struct pctld_config *)0)->field), 0, 0            \
	}
#define BOOL(n, field)                                                         \
	{                                                                      \
		n, 1, 1, K_BOOL, NULL, offsetof(struct pctld_config, field),   \
		    0, 0, 0                                                    \
	}
#define NUM(n, k, field, l, h)                                                 \
	{                                                                      \
		n, 1, 1, k, NULL, offsetof(struct pctld_config, field), 0, l,  \
		    h                                                          \
	}

static const struct directive directives[] = {
    /* daemon */
    FN("listen", 1, 1, h_listen),
    STR("backend", backend),
    STR("nft-table", nft_table),
    STR("control", control),
    STR("state-dir", state_dir),
    BOOL("journal", journal),
    STR("pidfile", pidfile),
    STR("user", user),
    FN("on-stop", 1, 1, h_on_stop),
    FN("internal-interface", 1, 1, h_internal_if),
    STR("external-interface", ext_if),
    BOOL("hairpin", hairpin),
    FN("announce-unicast", 1, 1, h_announce_unicast),
    NUM("announce-port", K_U16, announce_port, 1, 65535),
    BOOL("multicast-announce", multicast_announce),
    FN("allow-self", 1, 1, h_allow_self),
    BOOL("allow-any-interface", allow_any_interface),
    FN("audit-log", 1, 2, h_audit_log),
    FN("audit-rate-limit", 1, 2, h_audit_rate),
    FN("audit-refused-rate-limit", 1, 2, h_audit_refused_rate),
    /* issue 11: UPnP IGD */
    BOOL("upnp", upnp.enabled),
    NUM("upnp-http-port", K_U16, upnp.http_port, 1, 65535),
    NUM("upnp-igd-version", K_UINT, upnp.igd_version, 1, 2),
    FN("upnp-friendly-name", 1, MAX_WORDS - 1, h_upnp_name),
    FN("upnp-uuid", 1, 1, h_upnp_uuid),
    BOOL("upnp-secure-mode", engine.upnp_secure_mode),
    NUM("upnp-notify-interval", K_U32, upnp.notify_interval,
        PCTLD_UPNP_NOTIFY_MIN, PCTLD_UPNP_NOTIFY_MAX),
    /* engine */
    FN("external-ip", 1, 1, h_external_ip),
    NUM("announce-count", K_UINT, engine.announce_count, 0, 10), /* S-94 */
    NUM("min-lifetime", K_U32, engine.min_lifetime, 1, MAX_LIFETIME),
    NUM("max-lifetime", K_U32, engine.max_lifetime, 1, MAX_LIFETIME),
    BOOL("nat44", engine.nat44),
    FN("port-range", 1, 1, h_port_range),
    BOOL("prefer-internal-port", engine.prefer_internal_port), /* issue 16 */
    FN("reserved-port", 1, 2, h_reserved_port),
    BOOL("map", engine.map_enabled),
    BOOL("peer", engine.peer_enabled),
    BOOL("natpmp", engine.natpmp_enabled),
    BOOL("allow-all-protocols", engine.allow_all_protocols),
    BOOL("allow-all-ports", engine.allow_all_ports),
    BOOL("prefer-failure", engine.prefer_failure_enabled),
    BOOL("filter", engine.filter_enabled),
    NUM("max-filters", K_U16, engine.max_filters, 1, 256), /* S-86 */
    NUM("max-per-host", K_U32, engine.max_per_host, 0, UINT32_MAX),
    NUM("max-mappings", K_U32, engine.max_mappings, 0, UINT32_MAX),
    /* a PORT_SET is granted at most this many ports */
    NUM("max-port-set", K_U16, engine.max_port_set, 1, 65535),
    FN("rate-limit", 1, 2, h_rate_limit),
    FN("rate-limit-new", 1, 2, h_rate_limit_new),
    NUM("rate-sources", K_U32, engine.rate_sources, 1, 100000000),
    FN("subscriber-prefix", 2, 2, h_subscriber_prefix),
    NUM("socket-rcvbuf", K_U32, socket_rcvbuf, 65536, 1u << 30),
    FN("third-party-allow", 1, 1, h_third_party_allow),
    BOOL("third-party-id", engine.third_party_id_enabled),
    /* an ID fits in one option */
    NUM("third-party-id-max-length", K_U16, engine.third_party_id_max_len, 1,
        PCTL_OPT_MAX_DATA),
    /* at least 128 bytes, at most one option's data */
    NUM("description-max", K_U16, engine.description_max, PCTL_ENG_MIN_DESC,
        PCTL_ENG_MAX_DESC),
    FN("prefix64", 1, 1, h_prefix64),
    FN("default-policy", 1, 1, h_default_policy),
    FN("threat-model", 1, 1, h_threat_model),
    FN("implicit-lifetime", 2, 2, h_implicit_lifetime),
    FN("allow", 1, 7, h_allow),
    FN("deny", 1, 7, h_deny),
};

/* Stores a K_STR, K_BOOL or number directive's single argument. */
static int store(const struct directive *d, struct ctx *c)
{
	char *field = (char *)c->cfg + d->off;
	unsigned long v;
	bool b;

	switch (d->kind) {
	case K_FN:
		return d->fn(c);
	case K_STR:
		if (strlen(c->w[0]) >= d->cap)
			return pctld_errf(c->err, c->errlen,
			                  "'%s' is longer than %zu characters",
			                  c->w[0], d->cap - 1);
		strcpy(field, c->w[0]);
		return 0;
	case K_BOOL:
		if (parse_bool(c->w[0], &b))
			return pctld_errf(c->err, c->errlen,
			                  "'%s' is not yes or no", c->w[0]);
		memcpy(field, &b, sizeof(b));
		return 0;
	default:
		break;
	}
	if (parse_uint(c->w[0], d->lo, d->hi, &v))
		return pctld_errf(c->err, c->errlen,
		                  "'%s' is not a number from %lu to %lu",
		                  c->w[0], d->lo, d->hi);
	if (d->kind == K_U16) {
		uint16_t x = (uint16_t)v;
		memcpy(field, &x, sizeof(x));
	} else if (d->kind == K_U32) {
		uint32_t x = (uint32_t)v;
		memcpy(field, &x, sizeof(x));
	} else {
		unsigned x = (unsigned)v;
		memcpy(field, &x, sizeof(x));
	}
	return 0;
}

void pctld_config_defaults(struct pctld_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	pctl_engine_config_defaults(&cfg->engine);
	strcpy(cfg->backend, "none");
	strcpy(cfg->nft_table, PCTLD_DEFAULT_TABLE);
	strcpy(cfg->control, PCTLD_DEFAULT_CONTROL);
	strcpy(cfg->state_dir, PCTLD_DEFAULT_STATE);
	cfg->announce_port = PCTL_CLIENT_PORT; /* K-3 */
	cfg->multicast_announce = true;
	cfg->journal = true;
	/* S-7 on by default, above what any legitimate client sends (see
	 * rate-limit in portctld.conf(5) for the arithmetic). */
	cfg->engine.rate_per_sec = PCTLD_DEFAULT_RATE;
	cfg->engine.rate_burst = PCTLD_DEFAULT_BURST;
	cfg->socket_rcvbuf = PCTLD_DEFAULT_RCVBUF;
	pctld_audit_config_defaults(&cfg->audit);
	pctld_upnp_config_defaults(&cfg->upnp);
}

int pctld_config_line(struct pctld_config *cfg, char *line, char *err,
                      size_t errlen)
{
	char *words[MAX_WORDS + 1];
	size_t n = 0;
	char *save = NULL, *tok;
	char *hash = strchr(line, '#');

	if (hash)
		*hash = '\0';
	for (tok = strtok_r(line, " \t\r\n", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == MAX_WORDS)
			return pctld_errf(err, errlen, "too many words");
		words[n++] = tok;
	}
	if (n == 0)
		return 0;
	for (size_t i = 0; i < sizeof(directives) / sizeof(directives[0]);
	     i++) {
		const struct directive *d = &directives[i];
		struct ctx c = {cfg, words + 1, n - 1, err, errlen};

		if (strcmp(words[0], d->name))
			continue;
		if (n - 1 < d->min_args || n - 1 > d->max_args) {
			if (d->min_args == d->max_args)
				return pctld_errf(err, errlen,
				                  "%s takes %zu argument%s",
				                  d->name, d->min_args,
				                  d->min_args == 1 ? "" : "s");
			return pctld_errf(err, errlen,
			                  "%s takes %zu to %zu arguments",
			                  d->name, d->min_args, d->max_args);
		}
		return store(d, &c);
	}
	return pctld_errf(err, errlen, "unknown directive '%s'", words[0]);
}

int pctld_config_load(struct pctld_config *cfg, const char *path, char *err,
                      size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	char why[PCTLD_ERR_MAX];
	unsigned lineno = 0;
	int rc = 0;

	if (!f)
		return pctld_errf(err, errlen, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			rc = pctld_errf(err, errlen,
			                "%s:%u: line longer than %zu", path,
			                lineno, sizeof(line) - 2);
			break;
		}
		if (pctld_config_line(cfg, line, why, sizeof(why))) {
			rc = pctld_errf(err, errlen, "%s:%u: %s", path, lineno,
			                why);
			break;
		}
	}
	if (!rc && ferror(f))
		rc = pctld_errf(err, errlen, "%s: read error", path);
	fclose(f);
	return rc;
}

static bool has_v4_external(const struct pctl_engine_config *e)
{
	for (size_t i = 0; i < e->n_ext_addrs; i++)
		if (pctl_addr_is_v4(&e->ext_addrs[i]))
			return true;
	return false;
}

/* RFC 6887 section 18.1 (S-100): what threat-model simple excludes, in the
 * words of the directives (the engine's own check would name fields). */
static int check_threat_model(const struct pctl_engine_config *e, char *err,
                              size_t errlen)
{
	const struct {
		const char *name;
		uint32_t secs;
	} imp[] = {{"tcp", e->implicit_lifetime_tcp},
	           {"udp", e->implicit_lifetime_udp},
	           {"sctp", e->implicit_lifetime_sctp},
	           {"dccp", e->implicit_lifetime_dccp}};

	if (!e->simple_threat_model)
		return 0;
	if (e->n_third_party_acl)
		return pctld_errf(
		    err, errlen,
		    "threat-model simple forbids third-party-allow "
		    "(RFC 6887 section 18.1)");
	for (size_t i = 0; i < sizeof(imp) / sizeof(imp[0]); i++)
		if (e->min_lifetime > imp[i].secs)
			return pctld_errf(
			    err, errlen,
			    "threat-model simple: min-lifetime %u is "
			    "above implicit-lifetime %s %u",
			    e->min_lifetime, imp[i].name, imp[i].secs);
	return 0;
}

int pctld_config_finish(struct pctld_config *cfg, char *notes, size_t noteslen,
                        char *err, size_t errlen)
{
	if (noteslen)
		notes[0] = '\0';
#define NOTE(...) pctld_note_add(notes, noteslen, __VA_ARGS__)

	if (strcmp(cfg->backend, "none") && strcmp(cfg->backend, "nftables"))
		return pctld_errf(err, errlen,
		                  "unknown backend '%s' (none or nftables)",
		                  cfg->backend);
	/* Issue 15 item 5: with the none backend nothing is forwarded, so a
	 * mapping of the router's own address exposes nothing (and the
	 * embedded default listens on loopback only). */
	cfg->engine.allow_self = cfg->allow_self_given
	                             ? cfg->allow_self
	                             : !strcmp(cfg->backend, "none");
	if (!cfg->allow_self_given && cfg->engine.allow_self)
		NOTE("backend none: the router's own addresses may be mapped "
		     "(allow-self; nothing is forwarded)");
	if (cfg->n_listen == 0) {
		/* Embedded default: loopback only, so that a bare start
		 * exposes nothing to a network (S-1 port 5351). */
		pctl_addr_from_str(&cfg->listen[0].addr, "127.0.0.1");
		cfg->listen[0].port = PCTL_SERVER_PORT;
		pctl_addr_from_str(&cfg->listen[1].addr, "::1");
		cfg->listen[1].port = PCTL_SERVER_PORT;
		cfg->n_listen = 2;
		NOTE("no listen address configured: serving 127.0.0.1 and ::1 "
		     "port %u",
		     PCTL_SERVER_PORT);
	}
	if (pctld_check_listeners(cfg, err, errlen))
		return -1;
	if (cfg->allow_any_interface && pctld_serves_every_interface(cfg))
		NOTE("warning: a wildcard listen address serves every "
		     "interface, the WAN included (allow-any-interface yes)");
	cfg->ext_from_if = cfg->ext_if[0] && cfg->engine.n_ext_addrs == 0;
	if (cfg->ext_from_if) {
		NOTE("external addresses: those of %s", cfg->ext_if);
	} else if (cfg->engine.n_ext_addrs == 0 &&
	           !strcmp(cfg->backend, "none")) {
		pctl_addr_from_str(&cfg->engine.ext_addrs[0],
		                   PCTLD_DEFAULT_NONE_EXT);
		cfg->engine.n_ext_addrs = 1;
		NOTE("backend none without external-ip: reporting "
		     "documentation address %s",
		     PCTLD_DEFAULT_NONE_EXT);
	}
	/* With addresses from an interface, whether there is IPv4 to NAT to
	 * is only known at run time (the engine answers NAT-PMP with a
	 * failure while there is none). */
	if (cfg->engine.natpmp_enabled && !cfg->ext_from_if &&
	    (!cfg->engine.nat44 || !has_v4_external(&cfg->engine))) {
		/* N-13: not doing NAT44, so NAT-PMP must stay silent. */
		cfg->engine.natpmp_enabled = false;
		NOTE("NAT-PMP disabled: no IPv4 NAT (N-13)");
	}
	if (pctld_check_port_range(&cfg->engine, err, errlen))
		return -1;
	if (cfg->engine.port_max - cfg->engine.port_min < 15)
		NOTE("warning: port-range %u-%u holds %u port%s: no more "
		     "mappings than that per protocol and external address",
		     cfg->engine.port_min, cfg->engine.port_max,
		     cfg->engine.port_max - cfg->engine.port_min + 1u,
		     cfg->engine.port_max == cfg->engine.port_min ? "" : "s");
	if (cfg->engine.port_min < 1024)
		NOTE("warning: port-range starts at %u, below 1024: the "
		     "router's own services' ports (ssh, dns, http) may be "
		     "handed out unless reserved-port names them",
		     cfg->engine.port_min);
	if (cfg->engine.min_lifetime > cfg->engine.max_lifetime)
		return pctld_errf(
		    err, errlen, "min-lifetime %u is above max-lifetime %u",
		    cfg->engine.min_lifetime, cfg->engine.max_lifetime);
	if (!strcmp(cfg->backend, "nftables") && !cfg->ext_if[0] &&
	    cfg->engine.filter_enabled) {
		/* S-80: a filter that is not enforced would be a lie. */
		cfg->engine.filter_enabled = false;
		NOTE("backend nftables without external-interface: inbound "
		     "traffic cannot be told apart, nothing is dropped by "
		     "default, and FILTER is refused (UNSUPP_OPTION)");
	}
	if (check_threat_model(&cfg->engine, err, errlen))
		return -1;
	if (cfg->engine.simple_threat_model)
		NOTE("threat model simple: lifetimes capped at "
		     "implicit-lifetime "
		     "(udp %u s, tcp %u s), no THIRD_PARTY, a delete waits for "
		     "the mapping's flows to go idle (RFC 6887 18.1)",
		     cfg->engine.implicit_lifetime_udp,
		     cfg->engine.implicit_lifetime_tcp);
	if (pctl_engine_config_check(&cfg->engine, err, errlen))
		return -1;
	if (pctld_upnp_config_finish(&cfg->upnp, cfg->n_int_ifs, cfg->int_ifs,
	                             cfg->ext_if, PCTLD_MACHINE_ID, err,
	                             errlen))
		return -1;
	/* The engine serves UPnP, and keeps UPnP mappings across a reload
	 * or a restart, only with `upnp yes`. */
	cfg->engine.upnp_enabled = cfg->upnp.enabled;
	if (cfg->upnp.enabled)
		NOTE("UPnP IGD:%u on the internal interfaces, HTTP port %u, "
		     "uuid %s, secure mode %s",
		     cfg->upnp.igd_version, cfg->upnp.http_port, cfg->upnp.uuid,
		     cfg->engine.upnp_secure_mode ? "on" : "off");
#undef NOTE
	return 0;
}

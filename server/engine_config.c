/*
 * Engine configuration: defaults and validation.
 */
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "subscriber.h"

void pctl_engine_config_defaults(struct pctl_engine_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->min_lifetime = 120;   /* S-50 */
	cfg->max_lifetime = 86400; /* S-50, K-16 */
	cfg->nat44 = true;
	cfg->port_min = 1024;
	cfg->port_max = 65535;
	cfg->map_enabled = true;
	cfg->peer_enabled = true;
	cfg->natpmp_enabled = true;
	cfg->prefer_failure_enabled = true;
	cfg->filter_enabled = true;
	cfg->max_filters = 16;                                  /* S-86 */
	cfg->subscriber_v4_prefix = PCTL_SUBSCRIBER_V4_DEFAULT; /* S-41 */
	cfg->subscriber_v6_prefix = PCTL_SUBSCRIBER_V6_DEFAULT;
	cfg->rate_sources = 4096;
	cfg->rate_burst = 20;
	/* The admission bucket (ratelimit.h), in tokens: a newcomer takes
	 * up to PCTL_RL_GRANT (16).  65536 lets a whole default table of
	 * subscribers (4096) in at once after a restart (S-94) and 4096/s
	 * keeps 256 newcomers a second coming, while sources that cycle
	 * through more addresses than the table holds are answered at most
	 * 4096 times a second all together. */
	cfg->rate_new_per_sec = 4096;
	cfg->rate_new_burst = 65536;
	cfg->third_party_id_max_len = 64;
	cfg->description_max = 128; /* */
	cfg->default_allow = true;
	cfg->announce_count = 10;           /* S-94 */
	cfg->port_reuse_time = 120;         /* S-53: the usual NAT reuse time */
	cfg->implicit_lifetime_udp = 120;   /* RFC 4787 REQ-5 */
	cfg->implicit_lifetime_tcp = 7440;  /* RFC 5382 REQ-5 */
	cfg->implicit_lifetime_sctp = 7440; /* as TCP */
	cfg->implicit_lifetime_dccp = 7440; /* as TCP */
	/* enough for an RTP range of 32 calls, and a renewal touches
	 * at most 3 x 64 kernel elements (docs/performance.md). */
	cfg->max_port_set = 64;
	cfg->prefer_internal_port = true; /* issue 16: as miniupnpd does */
	cfg->upnp_secure_mode = true; /* issue 11: as miniupnpd's secure_mode */
	cfg->upnp_enabled = true;
}

static int fail(char *err, size_t len, const char *msg)
{
	if (err && len)
		snprintf(err, len, "%s", msg);
	return -1;
}

/* RFC 6887 section 18.1: what the Simple Threat Model cannot coexist with. */
static int check_threat_model(const struct pctl_engine_config *cfg, char *err,
                              size_t errlen)
{
	const uint32_t implicit[] = {
	    cfg->implicit_lifetime_tcp, cfg->implicit_lifetime_udp,
	    cfg->implicit_lifetime_sctp, cfg->implicit_lifetime_dccp};
	for (size_t i = 0; i < sizeof(implicit) / sizeof(implicit[0]); i++) {
		if (implicit[i] == 0 || implicit[i] > 86400 * 7)
			return fail(err, errlen,
			            "implicit lifetimes must be 1..604800 s");
		if (cfg->simple_threat_model && implicit[i] < cfg->min_lifetime)
			return fail(err, errlen,
			            "threat-model simple: an implicit lifetime "
			            "is below min_lifetime (S-100)");
	}
	if (cfg->simple_threat_model && cfg->n_third_party_acl)
		return fail(err, errlen,
		            "threat-model simple does not allow THIRD_PARTY "
		            "(S-100)");
	return 0;
}

int pctl_engine_config_check(const struct pctl_engine_config *cfg, char *err,
                             size_t errlen)
{
	if (cfg->min_lifetime == 0 || cfg->min_lifetime > cfg->max_lifetime)
		return fail(err, errlen,
		            "min_lifetime must be 1..max_lifetime (S-50)");
	if (cfg->max_lifetime > 86400 * 7)
		return fail(err, errlen, "max_lifetime above 604800 s");
	if (cfg->n_ext_addrs > PCTL_ENG_MAX_EXT_ADDRS)
		return fail(err, errlen, "too many external addresses");
	if (cfg->port_min == 0 || cfg->port_min > cfg->port_max)
		return fail(err, errlen,
		            "port range must be 1..65535, min<=max");
	if (cfg->n_reserved > PCTL_ENG_MAX_RESERVED)
		return fail(err, errlen, "too many reserved ports");
	if (cfg->max_filters == 0 || cfg->max_filters > 256)
		return fail(err, errlen, "max_filters must be 1..256 (S-86)");
	if (cfg->rate_per_sec > 1000000 || cfg->rate_burst > 1000000)
		return fail(err, errlen, "rate limit above 1000000");
	if (cfg->rate_per_sec && cfg->rate_sources == 0)
		return fail(err, errlen, "rate_sources must be > 0");
	if (cfg->rate_new_per_sec > 1000000 || cfg->rate_new_burst > 1000000)
		return fail(err, errlen, "admission rate above 1000000");
	if (cfg->subscriber_v4_prefix > 32 || cfg->subscriber_v6_prefix > 128)
		return fail(err, errlen,
		            "subscriber prefix above 32 (IPv4) or 128 (IPv6)");
	if (cfg->n_third_party_acl > PCTL_ENG_MAX_ACL)
		return fail(err, errlen, "too many THIRD_PARTY ACL prefixes");
	for (size_t i = 0; i < cfg->n_third_party_acl; i++)
		if (cfg->third_party_acl[i].len > 128)
			return fail(err, errlen, "prefix length above 128");
	if (cfg->third_party_id_enabled &&
	    (cfg->third_party_id_max_len == 0 ||
	     cfg->third_party_id_max_len > PCTL_OPT_MAX_DATA))
		return fail(err, errlen,
		            "third_party_id_max_len must be 1..1016 (X-4)");
	if (cfg->description_max < PCTL_ENG_MIN_DESC ||
	    cfg->description_max > PCTL_ENG_MAX_DESC)
		return fail(err, errlen,
		            "description_max must be 128..1016 (X-1.3)");
	if (cfg->prefix64_enabled) {
		uint8_t l = cfg->prefix64_len;
		if (!(l == 4 || l == 5 || l == 6 || l == 7 || l == 8 ||
		      l == 12))
			return fail(err, errlen,
			            "prefix64 length must be 4,5,6,7,8 or 12 "
			            "octets (X-2.2)");
	}
	if (cfg->n_rules > PCTL_ENG_MAX_RULES)
		return fail(err, errlen, "too many policy rules");
	for (size_t i = 0; i < cfg->n_rules; i++) {
		const struct pctl_policy_rule *r = &cfg->rules[i];
		if (r->internal.len > 128 ||
		    r->int_port_min > r->int_port_max ||
		    r->ext_port_min > r->ext_port_max)
			return fail(err, errlen, "invalid policy rule");
	}
	if (cfg->port_reuse_time > 86400)
		return fail(err, errlen,
		            "port_reuse_time above 86400 s (S-53)");
	if (cfg->max_port_set == 0)
		return fail(err, errlen,
		            "max_port_set must be 1..65535 (X-3.3)");
	if (cfg->announce_count > 10)
		return fail(err, errlen, "announce_count above 10 (S-94)");
	return check_threat_model(cfg, err, errlen);
}

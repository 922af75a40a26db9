/*
 * portctld.conf(5) parser: every directive, every bad line reported as
 * "file:line: reason", the embedded defaults and the command line on top.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "options.h"
#include "tmpfile.h"

/* One file at a time: a test may write several in turn, and teardown
 * removes only the last. */
static char *const path = pctl_test_path;

static void write_conf(const char *text)
{
	pctl_test_write_file(text);
}

static int teardown(void **state)
{
	return pctl_test_remove_file(state);
}

static struct pctld_config *load_ok(const char *text)
{
	static struct pctld_config cfg;
	char err[PCTLD_ERR_MAX] = "";

	write_conf(text);
	pctld_config_defaults(&cfg);
	if (pctld_config_load(&cfg, path, err, sizeof(err)))
		fail_msg("unexpected error: %s", err);
	return &cfg;
}

static bool addr_is(const pctl_addr *a, const char *s)
{
	pctl_addr b;

	assert_int_equal(pctl_addr_from_str(&b, s), 0);
	return pctl_addr_equal(a, &b);
}

/* S-1: no listen line and no flag: loopback, port 5351, backend none with a
 * documentation external address. */
static void test_s1_embedded_default_loopback_5351(void **state)
{
	struct pctld_config cfg;
	char notes[512], err[PCTLD_ERR_MAX];

	(void)state;
	pctld_config_defaults(&cfg);
	assert_int_equal(
	    pctld_config_finish(&cfg, notes, sizeof(notes), err, sizeof(err)),
	    0);
	assert_int_equal(cfg.n_listen, 2);
	assert_true(addr_is(&cfg.listen[0].addr, "127.0.0.1"));
	assert_int_equal(cfg.listen[0].port, 5351);
	assert_true(addr_is(&cfg.listen[1].addr, "::1"));
	assert_int_equal(cfg.listen[1].port, 5351);
	assert_string_equal(cfg.backend, "none");
	assert_int_equal(cfg.engine.n_ext_addrs, 1);
	assert_true(addr_is(&cfg.engine.ext_addrs[0], "203.0.113.1"));
	assert_non_null(strstr(notes, "127.0.0.1 and ::1"));
	assert_non_null(strstr(notes, "203.0.113.1"));
	/* Notes are joined by "; " with none after the last one. */
	assert_string_equal(notes + strlen(notes) - strlen("203.0.113.1"),
	                    "203.0.113.1");
	assert_string_equal(cfg.control, "/run/portctld/portctld.sock");
	assert_int_equal(cfg.announce_port, 5350);
	assert_true(cfg.journal);
	assert_false(cfg.flush_on_stop); /* on-stop keep (issue 9) */
	assert_true(cfg.engine.prefer_internal_port); /* issue 16 */
}

static void test_daemon_directives(void **state)
{
	struct pctld_config *c =
	    load_ok("# daemon settings\n"
	            "listen 127.0.0.9\n"
	            "listen 192.0.2.1:5999\n"
	            "listen [2001:db8::1]:6000\n"
	            "listen ::1\n"
	            "backend nftables\n"
	            "nft-table mynat\n"
	            "control /tmp/x.sock   # trailing comment\n"
	            "state-dir /tmp/state\n"
	            "journal no\n"
	            "pidfile /tmp/p.pid\n"
	            "user nobody\n"
	            "internal-interface lo\n"
	            "internal-interface eth1\n"
	            "external-interface eth0\n"
	            "hairpin yes\n"
	            "announce-unicast 127.0.0.1:7000\n"
	            "announce-unicast [::1]\n"
	            "announce-port 6000\n"
	            "multicast-announce off\n"
	            "on-stop flush\n"
	            "\n   \t\n");

	(void)state;
	assert_int_equal(c->n_listen, 4);
	assert_true(addr_is(&c->listen[0].addr, "127.0.0.9"));
	assert_int_equal(c->listen[0].port, 5351);
	assert_true(addr_is(&c->listen[1].addr, "192.0.2.1"));
	assert_int_equal(c->listen[1].port, 5999);
	assert_true(addr_is(&c->listen[2].addr, "2001:db8::1"));
	assert_int_equal(c->listen[2].port, 6000);
	assert_true(addr_is(&c->listen[3].addr, "::1"));
	assert_int_equal(c->listen[3].port, 5351);
	assert_string_equal(c->backend, "nftables");
	assert_string_equal(c->nft_table, "mynat");
	assert_string_equal(c->control, "/tmp/x.sock");
	assert_string_equal(c->state_dir, "/tmp/state");
	assert_false(c->journal);
	assert_string_equal(c->pidfile, "/tmp/p.pid");
	assert_string_equal(c->user, "nobody");
	assert_int_equal(c->n_int_ifs, 2);
	assert_string_equal(c->int_ifs[0], "lo");
	assert_string_equal(c->int_ifs[1], "eth1");
	assert_string_equal(c->ext_if, "eth0");
	assert_true(c->hairpin);
	assert_int_equal(c->n_announce, 2);
	assert_int_equal(c->announce[0].port, 7000);
	assert_true(addr_is(&c->announce[1].addr, "::1"));
	assert_int_equal(c->announce[1].port, 5350);
	assert_int_equal(c->announce_port, 6000);
	assert_false(c->multicast_announce);
	assert_true(c->flush_on_stop);
	assert_false(load_ok("on-stop keep\n")->flush_on_stop);
}

static void test_engine_directives(void **state)
{
	struct pctld_config *c = load_ok(
	    "external-ip 198.51.100.7\n"
	    "external-ip 2001:db8::7\n"
	    "announce-count 3\n"
	    "min-lifetime 60\n"
	    "max-lifetime 7200\n"
	    "nat44 no\n"
	    "port-range 20000-29999\n"
	    "prefer-internal-port no\n"
	    "reserved-port 22\n"
	    "reserved-port tcp 8080\n"
	    "reserved-port udp 53\n"
	    "map yes\n"
	    "peer no\n"
	    "natpmp off\n"
	    "allow-all-protocols true\n"
	    "allow-all-ports on\n"
	    "prefer-failure no\n"
	    "max-filters 4\n"
	    "max-per-host 50\n"
	    "max-mappings 100000\n"
	    "max-port-set 16\n"
	    "rate-limit 20 40\n"
	    "rate-sources 5000\n"
	    "third-party-allow 192.0.2.0/24\n"
	    "third-party-allow 2001:db8::/32\n"
	    "third-party-id yes\n"
	    "third-party-id-max-length 64\n"
	    "description-max 512\n"
	    "prefix64 64:ff9b::/96\n"
	    "default-policy deny\n"
	    "allow 192.0.2.0/24 proto tcp port 1024-65535 external-port "
	    "2000-3000\n"
	    "deny any proto udp\n");
	const struct pctl_engine_config *e = &c->engine;

	(void)state;
	assert_int_equal(e->n_ext_addrs, 2);
	assert_true(addr_is(&e->ext_addrs[0], "198.51.100.7"));
	assert_true(addr_is(&e->ext_addrs[1], "2001:db8::7"));
	assert_int_equal(e->announce_count, 3);
	assert_int_equal(e->min_lifetime, 60);
	assert_int_equal(e->max_lifetime, 7200);
	assert_false(e->nat44);
	assert_int_equal(e->port_min, 20000);
	assert_int_equal(e->port_max, 29999);
	assert_false(e->prefer_internal_port); /* issue 16; default yes */
	assert_int_equal(e->n_reserved, 3);
	assert_int_equal(e->reserved[0].protocol, 0);
	assert_int_equal(e->reserved[0].port, 22);
	assert_int_equal(e->reserved[1].protocol, 6);
	assert_int_equal(e->reserved[1].port, 8080);
	assert_int_equal(e->reserved[2].protocol, 17);
	assert_true(e->map_enabled);
	assert_false(e->peer_enabled);
	assert_false(e->natpmp_enabled);
	assert_true(e->allow_all_protocols);
	assert_true(e->allow_all_ports);
	assert_false(e->prefer_failure_enabled);
	assert_int_equal(e->max_filters, 4);
	assert_int_equal(e->max_per_host, 50);
	assert_int_equal(e->max_mappings, 100000);
	assert_int_equal(e->max_port_set, 16);
	assert_int_equal(e->rate_per_sec, 20);
	assert_int_equal(e->rate_burst, 40);
	assert_int_equal(e->rate_sources, 5000);
	assert_int_equal(e->n_third_party_acl, 2);
	assert_true(addr_is(&e->third_party_acl[0].addr, "192.0.2.0"));
	assert_int_equal(e->third_party_acl[0].len, 96 + 24);
	assert_int_equal(e->third_party_acl[1].len, 32);
	assert_true(e->third_party_id_enabled);
	assert_int_equal(e->third_party_id_max_len, 64);
	assert_int_equal(e->description_max, 512);
	assert_true(e->prefix64_enabled);
	assert_int_equal(e->prefix64_len, 12);
	assert_int_equal(e->prefix64[0], 0x00);
	assert_int_equal(e->prefix64[1], 0x64);
	assert_int_equal(e->prefix64[2], 0xff);
	assert_int_equal(e->prefix64[3], 0x9b);
	assert_false(e->default_allow);
	assert_int_equal(e->n_rules, 2);
	assert_true(e->rules[0].allow);
	assert_int_equal(e->rules[0].internal.len, 120);
	assert_false(e->rules[0].any_protocol);
	assert_int_equal(e->rules[0].protocol, 6);
	assert_int_equal(e->rules[0].int_port_min, 1024);
	assert_int_equal(e->rules[0].int_port_max, 65535);
	assert_int_equal(e->rules[0].ext_port_min, 2000);
	assert_int_equal(e->rules[0].ext_port_max, 3000);
	assert_false(e->rules[1].allow);
	assert_int_equal(e->rules[1].internal.len, 0);
	assert_int_equal(e->rules[1].protocol, 17);
	assert_int_equal(e->rules[1].int_port_min, 0);
	assert_int_equal(e->rules[1].int_port_max, 65535);
}

/* A prefix's host bits are cleared, and a rate without burst bursts at the
 * rate. */
static void test_prefix_host_bits_and_rate_default_burst(void **state)
{
	struct pctld_config *c =
	    load_ok("third-party-allow 192.0.2.77/24\nrate-limit 7\n");

	(void)state;
	assert_true(addr_is(&c->engine.third_party_acl[0].addr, "192.0.2.0"));
	assert_int_equal(c->engine.rate_per_sec, 7);
	assert_int_equal(c->engine.rate_burst, 7);
}

/* Issue 15 items 8 and 9: with no rate-limit line the per-subscriber limit
 * is on (50/s, burst 500), subscribers are an IPv4 address and an IPv6
 * /64, and the socket buffer is 4 MiB; each has its directive. */
static void test_s7_rate_limit_on_by_default_and_subscriber_keys(void **state)
{
	struct pctld_config *c = load_ok("");

	(void)state;
	assert_int_equal(c->engine.rate_per_sec, 50);
	assert_int_equal(c->engine.rate_burst, 500);
	assert_int_equal(c->engine.rate_new_per_sec, 4096);
	assert_int_equal(c->engine.rate_new_burst, 65536);
	assert_int_equal(c->engine.subscriber_v4_prefix, 32);
	assert_int_equal(c->engine.subscriber_v6_prefix, 64);
	assert_int_equal(c->socket_rcvbuf, 4u << 20);
	c = load_ok("rate-limit 0\nrate-limit-new 100 0\n"
	            "subscriber-prefix 24 56\nsocket-rcvbuf 65536\n");
	assert_int_equal(c->engine.rate_per_sec, 0);
	assert_int_equal(c->engine.rate_new_per_sec, 100);
	assert_int_equal(c->engine.rate_new_burst, 0);
	assert_int_equal(c->engine.subscriber_v4_prefix, 24);
	assert_int_equal(c->engine.subscriber_v6_prefix, 56);
	assert_int_equal(c->socket_rcvbuf, 65536);
}

/* Every kind of bad line: the error names the file, the line and why. */
static void test_bad_lines_report_file_line_reason(void **state)
{
	static const struct {
		const char *line, *reason;
	} cases[] = {
	    {"frobnicate 1", "unknown directive 'frobnicate'"},
	    {"listen", "listen takes 1 argument"},
	    {"listen 1.2.3.4 5.6.7.8", "listen takes 1 argument"},
	    {"listen nowhere", "'nowhere' is not ADDRESS, ADDRESS:PORT or "
	                       "[IPV6]:PORT"},
	    {"listen 127.0.0.1:0", "'127.0.0.1:0' is not ADDRESS"},
	    {"listen 127.0.0.1:65536", "'127.0.0.1:65536' is not ADDRESS"},
	    {"listen [::1", "'[::1' is not ADDRESS"},
	    {"external-ip 0.0.0.0", "'0.0.0.0' is not an IP address"},
	    {"external-ip banana", "'banana' is not an IP address"},
	    {"hairpin maybe", "'maybe' is not yes or no"},
	    {"on-stop delete", "'delete' is neither keep nor flush"},
	    {"natpmp 1", "'1' is not yes or no"},
	    {"announce-count 11", "'11' is not a number from 0 to 10"},
	    {"announce-port 0", "'0' is not a number from 1 to 65535"},
	    {"min-lifetime -5", "'-5' is not a number from 1 to 604800"},
	    {"max-lifetime 12x", "'12x' is not a number from 1 to 604800"},
	    {"max-filters 0", "'0' is not a number from 1 to 256"},
	    {"max-per-host 99999999999", "'99999999999' is not a number from 0 "
	                                 "to 4294967295"},
	    {"max-port-set 0", "'0' is not a number from 1 to 65535"},
	    {"max-port-set 65536", "'65536' is not a number from 1 to 65535"},
	    {"description-max 127", "'127' is not a number from 128 to 1016"},
	    {"description-max 1017", "'1017' is not a number from 128 to 1016"},
	    {"third-party-id-max-length 0", "'0' is not a number from 1 to "
	                                    "1016"},
	    {"port-range 3000-2000", "'3000-2000' is not a port range MIN-MAX "
	                             "within 1-65535"},
	    {"port-range 0-100", "'0-100' is not a port range"},
	    {"reserved-port tcp", "'tcp' is not a port from 1 to 65535"},
	    {"reserved-port sctp 5", "'sctp' is not tcp, udp, any or a "
	                             "protocol number"},
	    {"reserved-port tcp 70000", "'70000' is not a port from 1 to "
	                                "65535"},
	    {"rate-limit fast",
	     "rate 'fast' is not a number from 0 to 1000000"},
	    {"rate-limit 5 0", "burst '0' is not a number from 1 to 1000000"},
	    {"rate-limit", "rate-limit takes 1 to 2 arguments"},
	    {"rate-limit-new x", "rate 'x' is not a number from 0 to 1000000"},
	    {"subscriber-prefix 33 64", "IPv4 prefix length '33' is not a "
	                                "number from 0 to 32"},
	    {"subscriber-prefix 32 129", "IPv6 prefix length '129' is not a "
	                                 "number from 0 to 128"},
	    {"subscriber-prefix 32", "subscriber-prefix takes 2 arguments"},
	    {"socket-rcvbuf 1000", "'1000' is not a number from 65536 to "
	                           "1073741824"},
	    {"third-party-allow 192.0.2.0/33", "'192.0.2.0/33' is not an "
	                                       "address or ADDRESS/LENGTH"},
	    {"prefix64 64:ff9b::/95", "prefix length /95 is not 32, 40, 48, "
	                              "56, 64 or 96"},
	    {"prefix64 192.0.2.0/24", "'192.0.2.0/24' is not an IPv6 prefix"},
	    {"default-policy maybe", "'maybe' is not allow or deny"},
	    {"allow 10.0.0.0/8 proto", "'proto' needs a value"},
	    {"allow 10.0.0.0/8 proto xyz", "'xyz' is not tcp, udp, any or a "
	                                   "protocol number"},
	    {"deny any port 5-4", "'5-4' is not a port or MIN-MAX"},
	    {"deny any external-port x", "'x' is not a port or MIN-MAX"},
	    {"deny any color red", "unknown rule keyword 'color'"},
	    {"deny nowhere", "'nowhere' is not any, an address or "
	                     "ADDRESS/LENGTH"},
	    {"external-interface "
	     "averyveryveryverylonginterfacename",
	     "is longer than 15 characters"},
	    {"internal-interface "
	     "averyveryveryverylonginterfacename",
	     "is longer than 15 characters"},
	    {"announce-unicast 0.0.0.0:5", "'0.0.0.0:5' is not ADDRESS"},
	    {"threat-model strict", "'strict' is not simple or relaxed"},
	    {"threat-model", "threat-model takes 1 argument"},
	    {"implicit-lifetime udp", "implicit-lifetime takes 2 arguments"},
	    {"implicit-lifetime icmp 60", "'icmp' is not tcp, udp, sctp or "
	                                  "dccp"},
	    {"implicit-lifetime tcp 0", "'0' is not a number from 1 to 604800"},
	    {"implicit-lifetime udp 604801", "'604801' is not a number from 1 "
	                                     "to 604800"},
	    {"a b c d e f g h i j k l m n o p q r", "too many words"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pctld_config cfg;
		char text[256], err[PCTLD_ERR_MAX] = "", want[PCTLD_ERR_MAX];

		snprintf(text, sizeof(text), "# comment\n\nbackend none\n%s\n",
		         cases[i].line);
		write_conf(text);
		pctld_config_defaults(&cfg);
		assert_int_equal(
		    pctld_config_load(&cfg, path, err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "%s:4: ", path);
		if (strncmp(err, want, strlen(want)) ||
		    !strstr(err, cases[i].reason))
			fail_msg("line '%s': got '%s', want '%s%s'",
			         cases[i].line, err, want, cases[i].reason);
		teardown(NULL);
	}
}

static void test_too_many_repeats_reported(void **state)
{
	char text[4096] = "";
	struct pctld_config cfg;
	char err[PCTLD_ERR_MAX];

	(void)state;
	for (int i = 0; i <= PCTLD_MAX_LISTEN; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		         "listen 127.0.0.%d\n", i + 1);
	write_conf(text);
	pctld_config_defaults(&cfg);
	assert_int_equal(pctld_config_load(&cfg, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":17: more than 16 listen addresses"));
}

static void test_missing_file_and_long_line(void **state)
{
	struct pctld_config cfg;
	char err[PCTLD_ERR_MAX];
	char text[1200];

	(void)state;
	pctld_config_defaults(&cfg);
	assert_int_equal(pctld_config_load(&cfg, "/nonexistent/portctld.conf",
	                                   err, sizeof(err)),
	                 -1);
	assert_string_equal(err, "/nonexistent/portctld.conf: No such file or "
	                         "directory");
	memset(text, 'x', sizeof(text) - 2);
	text[sizeof(text) - 2] = '\n';
	text[sizeof(text) - 1] = '\0';
	write_conf(text);
	assert_int_equal(pctld_config_load(&cfg, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":1: line longer than"));
}

/* N-13: without IPv4 NAT NAT-PMP is switched off (it must not answer). */
static void test_n13_natpmp_off_without_ipv4_nat(void **state)
{
	struct pctld_config *c = load_ok("nat44 no\n");
	char notes[512], err[PCTLD_ERR_MAX];

	(void)state;
	assert_true(c->engine.natpmp_enabled);
	assert_int_equal(
	    pctld_config_finish(c, notes, sizeof(notes), err, sizeof(err)), 0);
	assert_false(c->engine.natpmp_enabled);
	assert_non_null(strstr(notes, "N-13"));

	c = load_ok("external-ip 2001:db8::1\n");
	assert_int_equal(
	    pctld_config_finish(c, notes, sizeof(notes), err, sizeof(err)), 0);
	assert_false(c->engine.natpmp_enabled);

	c = load_ok("external-ip 198.51.100.1\n");
	assert_int_equal(
	    pctld_config_finish(c, notes, sizeof(notes), err, sizeof(err)), 0);
	assert_true(c->engine.natpmp_enabled);
}

/* S-26: external-interface without external-ip: the addresses come from
 * the interface at run time, not from the documentation default. */
static void test_s26_external_addresses_from_interface(void **state)
{
	struct pctld_config *c = load_ok("external-interface eth9\n");
	char notes[512], err[PCTLD_ERR_MAX];

	(void)state;
	assert_int_equal(
	    pctld_config_finish(c, notes, sizeof(notes), err, sizeof(err)), 0);
	assert_true(c->ext_from_if);
	assert_int_equal(c->engine.n_ext_addrs, 0);
	assert_true(c->engine.natpmp_enabled);
	assert_non_null(strstr(notes, "those of eth9"));

	c = load_ok("external-interface eth9\nexternal-ip 198.51.100.1\n");
	assert_int_equal(
	    pctld_config_finish(c, notes, sizeof(notes), err, sizeof(err)), 0);
	assert_false(c->ext_from_if);
	assert_int_equal(c->engine.n_ext_addrs, 1);
}

/* S-80: the nftables backend enforces FILTER only on traffic it can tell
 * comes from outside: without external-interface FILTER is refused. */
static void test_s80_filter_off_without_external_interface(void **state)
{
	char notes[1024], err[PCTLD_ERR_MAX];

	(void)state;
	struct pctld_config *c = load_ok("backend nftables\n");
	assert_true(c->engine.filter_enabled);
	assert_int_equal(
	    pctld_config_finish(c, notes, sizeof(notes), err, sizeof(err)), 0);
	assert_false(c->engine.filter_enabled);
	assert_non_null(strstr(notes, "FILTER is refused"));

	c = load_ok("backend nftables\nexternal-interface eth9\n");
	assert_int_equal(
	    pctld_config_finish(c, notes, sizeof(notes), err, sizeof(err)), 0);
	assert_true(c->engine.filter_enabled);

	c = load_ok("backend none\n"); /* no data plane to enforce or not */
	assert_int_equal(
	    pctld_config_finish(c, notes, sizeof(notes), err, sizeof(err)), 0);
	assert_true(c->engine.filter_enabled);

	c = load_ok("filter no\n"); /* the administrator's choice */
	assert_false(c->engine.filter_enabled);
}

static void test_finish_rejects_bad_combinations(void **state)
{
	struct pctld_config *c = load_ok("backend bpf\n");
	char notes[512], err[PCTLD_ERR_MAX];

	(void)state;
	assert_int_equal(
	    pctld_config_finish(c, notes, sizeof(notes), err, sizeof(err)), -1);
	assert_string_equal(err, "unknown backend 'bpf' (none or nftables)");
	c = load_ok("min-lifetime 500\nmax-lifetime 400\n");
	assert_int_equal(
	    pctld_config_finish(c, notes, sizeof(notes), err, sizeof(err)), -1);
	assert_string_equal(err, "min-lifetime 500 is above max-lifetime 400");
	/* S-100: what the Simple Threat Model cannot coexist with. */
	c = load_ok("threat-model simple\nthird-party-allow 192.0.2.9\n");
	assert_int_equal(
	    pctld_config_finish(c, notes, sizeof(notes), err, sizeof(err)), -1);
	assert_string_equal(err, "threat-model simple forbids "
	                         "third-party-allow (RFC 6887 section 18.1)");
	c = load_ok("threat-model simple\nmin-lifetime 130\n");
	assert_int_equal(
	    pctld_config_finish(c, notes, sizeof(notes), err, sizeof(err)), -1);
	assert_string_equal(err, "threat-model simple: min-lifetime 130 is "
	                         "above implicit-lifetime udp 120");
	/* Raising the implicit lifetime makes it consistent; the log says
	 * which model runs. */
	c = load_ok("threat-model simple\nmin-lifetime 130\n"
	            "implicit-lifetime udp 180\n");
	assert_int_equal(
	    pctld_config_finish(c, notes, sizeof(notes), err, sizeof(err)), 0);
	assert_non_null(strstr(notes, "threat model simple"));
	assert_non_null(strstr(notes, "udp 180 s, tcp 7440 s"));
}

/* RFC 6887 section 18.1: threat-model and implicit-lifetime (S-52, S-100);
 * relaxed by default. */
static void test_s100_threat_model_directives(void **state)
{
	(void)state;
	struct pctld_config *c = load_ok("backend none\n");
	assert_false(c->engine.simple_threat_model);
	assert_int_equal(c->engine.implicit_lifetime_udp, 120);
	assert_int_equal(c->engine.implicit_lifetime_tcp, 7440);
	c = load_ok("threat-model simple\nimplicit-lifetime tcp 3600\n"
	            "implicit-lifetime udp 300\nimplicit-lifetime sctp 200\n"
	            "implicit-lifetime dccp 400\n");
	assert_true(c->engine.simple_threat_model);
	assert_int_equal(c->engine.implicit_lifetime_tcp, 3600);
	assert_int_equal(c->engine.implicit_lifetime_udp, 300);
	assert_int_equal(c->engine.implicit_lifetime_sctp, 200);
	assert_int_equal(c->engine.implicit_lifetime_dccp, 400);
	c = load_ok("threat-model simple\nthreat-model relaxed\n");
	assert_false(c->engine.simple_threat_model);
}

/* The command line replaces the file's listen and external-ip lines and
 * overrides single settings; its errors name the option. */
static void test_command_line_over_file(void **state)
{
	char *argv[] = {"portctld",
	                "-f",
	                "-v",
	                "-c",
	                NULL,
	                "--listen",
	                "127.0.0.5:6001",
	                "--external-ip",
	                "192.0.2.9",
	                "--control",
	                "/tmp/c.sock",
	                "--backend",
	                "none",
	                NULL};
	struct pctld_options o;
	struct pctld_config cfg;
	char err[PCTLD_ERR_MAX], notes[512];

	(void)state;
	write_conf("listen 127.0.0.1\nlisten ::1\nexternal-ip 198.51.100.1\n"
	           "control /tmp/other\n");
	argv[4] = path;
	assert_int_equal(
	    pctld_options_parse(13, argv, &o, stdout, err, sizeof(err)),
	    PCTLD_OPTS_RUN);
	assert_int_equal(pctld_config_build(&o, &cfg, notes, sizeof(notes), err,
	                                    sizeof(err)),
	                 0);
	assert_int_equal(cfg.n_listen, 1);
	assert_true(addr_is(&cfg.listen[0].addr, "127.0.0.5"));
	assert_int_equal(cfg.listen[0].port, 6001);
	assert_int_equal(cfg.engine.n_ext_addrs, 1);
	assert_true(addr_is(&cfg.engine.ext_addrs[0], "192.0.2.9"));
	assert_string_equal(cfg.control, "/tmp/c.sock");
	assert_true(cfg.foreground);
	assert_int_equal(cfg.verbose, 1);

	{
		char *bad[] = {"portctld", "--listen", "nowhere", NULL};
		assert_int_equal(
		    pctld_options_parse(3, bad, &o, stdout, err, sizeof(err)),
		    PCTLD_OPTS_RUN);
		assert_int_equal(pctld_config_build(&o, &cfg, notes,
		                                    sizeof(notes), err,
		                                    sizeof(err)),
		                 -1);
		assert_non_null(strstr(err, "--listen: 'nowhere' is not"));
	}
	{
		char *bad[] = {"portctld", "--bogus", NULL};
		assert_int_equal(
		    pctld_options_parse(2, bad, &o, stdout, err, sizeof(err)),
		    PCTLD_OPTS_ERROR);
		assert_string_equal(err, "unknown option '--bogus'");
	}
	{
		char *bad[] = {"portctld", "--listen", NULL};
		assert_int_equal(
		    pctld_options_parse(2, bad, &o, stdout, err, sizeof(err)),
		    PCTLD_OPTS_ERROR);
		assert_string_equal(err, "option '--listen' needs a value");
	}
	{
		char *bad[] = {"portctld", "extra", NULL};
		assert_int_equal(
		    pctld_options_parse(2, bad, &o, stdout, err, sizeof(err)),
		    PCTLD_OPTS_ERROR);
		assert_string_equal(err, "unexpected argument 'extra'");
	}
}

/* Relative paths are resolved against the start directory, so that they
 * keep their meaning after the daemon moves to / (and at SIGHUP). */
static void test_relative_paths_resolved_against_start_dir(void **state)
{
	char *argv[] = {"portctld",  "--control",  "run/ctl.sock",
	                "--pidfile", "/abs/p.pid", "--state-dir",
	                "state",     NULL};
	struct pctld_options o;
	struct pctld_config cfg;
	char err[PCTLD_ERR_MAX], notes[512];

	(void)state;
	assert_int_equal(
	    pctld_options_parse(7, argv, &o, stdout, err, sizeof(err)),
	    PCTLD_OPTS_RUN);
	o.base_dir = "/srv/portctld";
	assert_int_equal(pctld_config_build(&o, &cfg, notes, sizeof(notes), err,
	                                    sizeof(err)),
	                 0);
	assert_string_equal(cfg.control, "/srv/portctld/run/ctl.sock");
	assert_string_equal(cfg.pidfile, "/abs/p.pid");
	assert_string_equal(cfg.state_dir, "/srv/portctld/state");
}

static void test_endpoint_forms(void **state)
{
	struct pctld_endpoint ep = {.port = 1};

	(void)state;
	assert_int_equal(pctld_parse_endpoint("198.51.100.1", &ep), 0);
	assert_int_equal(ep.port, 1);
	assert_int_equal(pctld_parse_endpoint("198.51.100.1:99", &ep), 0);
	assert_int_equal(ep.port, 99);
	assert_int_equal(pctld_parse_endpoint("2001:db8::1", &ep), 0);
	assert_true(addr_is(&ep.addr, "2001:db8::1"));
	assert_int_equal(ep.port, 99);
	assert_int_equal(pctld_parse_endpoint("[2001:db8::2]:7", &ep), 0);
	assert_true(addr_is(&ep.addr, "2001:db8::2"));
	assert_int_equal(ep.port, 7);
	assert_int_equal(pctld_parse_endpoint("[2001:db8::2]x", &ep), -1);
	assert_int_equal(pctld_parse_endpoint("1.2.3.4:", &ep), -1);
}

/* Issue 15 item 5: allow-self is off with a backend that forwards, on with
 * none (which forwards nothing), and as written when given. */
static void test_allow_self_default_follows_backend(void **state)
{
	struct pctld_config *c = load_ok("");
	char notes[512], err[PCTLD_ERR_MAX];

	(void)state;
	assert_int_equal(
	    pctld_config_finish(c, notes, sizeof(notes), err, sizeof(err)), 0);
	assert_true(c->engine.allow_self);
	assert_non_null(strstr(notes, "allow-self"));
	c = load_ok("backend nftables\nlisten 192.0.2.1\n"
	            "internal-interface lan0\n");
	assert_int_equal(
	    pctld_config_finish(c, notes, sizeof(notes), err, sizeof(err)), 0);
	assert_false(c->engine.allow_self);
	c = load_ok("backend nftables\nlisten 192.0.2.1\nallow-self yes\n");
	assert_int_equal(
	    pctld_config_finish(c, notes, sizeof(notes), err, sizeof(err)), 0);
	assert_true(c->engine.allow_self);
	c = load_ok("allow-self no\n");
	assert_int_equal(
	    pctld_config_finish(c, notes, sizeof(notes), err, sizeof(err)), 0);
	assert_false(c->engine.allow_self);
	assert_null(strstr(notes, "allow-self"));
}

static void load_fails(const char *text, const char *why)
{
	struct pctld_config cfg;
	char err[PCTLD_ERR_MAX] = "";

	write_conf(text);
	pctld_config_defaults(&cfg);
	assert_int_equal(pctld_config_load(&cfg, path, err, sizeof(err)), -1);
	if (!strstr(err, why))
		fail_msg("'%s' does not say '%s'", err, why);
}

static void finish_fails(const char *text, const char *why)
{
	struct pctld_config *c = load_ok(text);
	char notes[512], err[PCTLD_ERR_MAX] = "";

	assert_int_equal(
	    pctld_config_finish(c, notes, sizeof(notes), err, sizeof(err)), -1);
	if (!strstr(err, why))
		fail_msg("'%s' does not say '%s'", err, why);
}

/* Issue 15 item 12: values a start cannot use are refused by the parser,
 * so `-n` refuses them too. */
static void test_values_a_start_cannot_use(void **state)
{
	(void)state;
	load_fails("external-ip 224.0.0.1\n",
	           ":1: '224.0.0.1' is not a unicast address");
	load_fails("external-ip 127.0.0.1\n", "is not a unicast address");
	load_fails("external-ip 255.255.255.255\n", "is not a unicast address");
	load_fails("external-ip 0.1.2.3\n", "is not a unicast address");
	load_fails("external-ip ::1\n", "is not a unicast address");
	load_fails("external-ip ff05::2\n", "is not a unicast address");
	load_fails("external-ip 198.51.100.1\nexternal-ip 198.51.100.1\n",
	           ":2: external-ip 198.51.100.1 given twice");
	load_fails("listen 192.0.2.1\nlisten 192.0.2.1:5351\n",
	           ":2: listen 192.0.2.1:5351 port 5351: already served by "
	           "the listen address 192.0.2.1 given before");
	load_fails("listen [::]:6000\nlisten [2001:db8::1]:6000\n",
	           ":2: listen [2001:db8::1]:6000 port 6000: already served");
	finish_fails("port-range 5351-5351\n",
	             "port-range 5351-5351 leaves no UDP port to hand out");
	finish_fails("port-range 5350-5351\n", "leaves no UDP port");
	finish_fails("port-range 80-80\nreserved-port tcp 80\n",
	             "port-range 80-80 leaves no TCP port");
}

static void test_same_port_other_family_or_address_is_fine(void **state)
{
	struct pctld_config *c =
	    load_ok("listen 192.0.2.1\nlisten 192.0.2.2\nlisten [::]\n"
	            "listen 0.0.0.0:6000\ninternal-interface lan0\n");
	char notes[512], err[PCTLD_ERR_MAX];

	(void)state;
	assert_int_equal(c->n_listen, 4);
	assert_int_equal(
	    pctld_config_finish(c, notes, sizeof(notes), err, sizeof(err)), 0);
}

/* Issue 15 item 12: listeners WAN hosts would reach. */
static void test_wan_facing_listener_refused(void **state)
{
	struct pctld_config *c;
	char notes[512], err[PCTLD_ERR_MAX];

	(void)state;
	finish_fails("listen 0.0.0.0\n",
	             "a wildcard listen address with neither "
	             "internal-interface nor external-interface serves every "
	             "interface, the WAN included");
	finish_fails("listen [::]\n", "serves every interface");
	finish_fails("listen 198.51.100.1\nexternal-ip 198.51.100.1\n",
	             "listen 198.51.100.1 is an external-ip");
	/* Bounded by interfaces, or explicitly allowed (with a warning). */
	c = load_ok("listen 0.0.0.0\nexternal-interface wan0\n");
	assert_int_equal(
	    pctld_config_finish(c, notes, sizeof(notes), err, sizeof(err)), 0);
	c = load_ok("listen 0.0.0.0\ninternal-interface lan0\n");
	assert_int_equal(
	    pctld_config_finish(c, notes, sizeof(notes), err, sizeof(err)), 0);
	assert_null(strstr(notes, "warning"));
	c = load_ok("listen 0.0.0.0\nallow-any-interface yes\n");
	assert_int_equal(
	    pctld_config_finish(c, notes, sizeof(notes), err, sizeof(err)), 0);
	assert_non_null(strstr(notes, "warning: a wildcard listen address "
	                              "serves every interface"));
}

/* Port ranges that work but are probably not meant: warnings. */
static void test_port_range_warnings(void **state)
{
	struct pctld_config *c = load_ok("port-range 40000-40000\n");
	char notes[1024], err[PCTLD_ERR_MAX];

	(void)state;
	assert_int_equal(
	    pctld_config_finish(c, notes, sizeof(notes), err, sizeof(err)), 0);
	assert_non_null(strstr(notes, "warning: port-range 40000-40000 holds "
	                              "1 port:"));
	c = load_ok("port-range 1-65535\n");
	assert_int_equal(
	    pctld_config_finish(c, notes, sizeof(notes), err, sizeof(err)), 0);
	assert_non_null(strstr(notes, "warning: port-range starts at 1"));
	c = load_ok("");
	assert_int_equal(
	    pctld_config_finish(c, notes, sizeof(notes), err, sizeof(err)), 0);
	assert_null(strstr(notes, "warning"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_allow_self_default_follows_backend,
	                              teardown),
	    cmocka_unit_test_teardown(test_values_a_start_cannot_use, teardown),
	    cmocka_unit_test_teardown(
	        test_same_port_other_family_or_address_is_fine, teardown),
	    cmocka_unit_test_teardown(test_wan_facing_listener_refused,
	                              teardown),
	    cmocka_unit_test_teardown(test_port_range_warnings, teardown),
	    cmocka_unit_test_teardown(test_s1_embedded_default_loopback_5351,
	                              teardown),
	    cmocka_unit_test_teardown(test_daemon_directives, teardown),
	    cmocka_unit_test_teardown(test_engine_directives, teardown),
	    cmocka_unit_test_teardown(
	        test_prefix_host_bits_and_rate_default_burst, teardown),
	    cmocka_unit_test_teardown(
	        test_s7_rate_limit_on_by_default_and_subscriber_keys, teardown),
	    cmocka_unit_test_teardown(test_bad_lines_report_file_line_reason,
	                              teardown),
	    cmocka_unit_test_teardown(test_too_many_repeats_reported, teardown),
	    cmocka_unit_test_teardown(test_missing_file_and_long_line,
	                              teardown),
	    cmocka_unit_test_teardown(test_n13_natpmp_off_without_ipv4_nat,
	                              teardown),
	    cmocka_unit_test_teardown(
	        test_s80_filter_off_without_external_interface, teardown),
	    cmocka_unit_test_teardown(
	        test_s26_external_addresses_from_interface, teardown),
	    cmocka_unit_test_teardown(test_s100_threat_model_directives,
	                              teardown),
	    cmocka_unit_test_teardown(test_finish_rejects_bad_combinations,
	                              teardown),
	    cmocka_unit_test_teardown(test_command_line_over_file, teardown),
	    cmocka_unit_test_teardown(
	        test_relative_paths_resolved_against_start_dir, teardown),
	    cmocka_unit_test_teardown(test_endpoint_forms, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

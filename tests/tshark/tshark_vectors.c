/*
 * tshark_vectors: the Wireshark cross-check's generator.  It encodes a broad
 * set of PCP (ANNOUNCE, MAP, PEER requests and responses, every option
 * Wireshark decodes, IPv4 and IPv6) and NAT-PMP messages with pctl_encode()
 * and pctl_natpmp_encode(), writes them as UDP datagrams to or from port
 * 5351/5350 into a pcap file, and writes what tshark must show for each:
 *
 *   tshark_vectors OUT.pcap FIELDS EXPECTED
 *
 * FIELDS lists the tshark field names, one per line; EXPECTED has one line
 * per frame with the value of each field, in the format of
 *   tshark -T fields -E separator=/t -E occurrence=a -E aggregator=,
 * (empty when the field is absent).  The expected values come from the
 * message structures, never from the encoded bytes, so that a field the
 * encoder puts in the wrong place shows as a difference.
 */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <portctl/wire.h>

/* ---- the fields tshark is asked for ------------------------------------- */

static const char *const fields[] = {
    /* Not portcontrol.request / .response: hidden filter aliases that
     * Wireshark 4.0 registers with mask 0x01, so they show bit 0 of the
     * opcode, not the R bit; portcontrol.r is the real one. */
    "portcontrol.version",
    "portcontrol.r",
    "portcontrol.opcode",
    "portcontrol.reserved",
    "portcontrol.result_code",
    "portcontrol.lifetime_req",
    "portcontrol.lifetime_rsp",
    "portcontrol.client_ip",
    "portcontrol.epoch_time",
    "portcontrol.rsp_reserved",
    "portcontrol.map.nonce",
    "portcontrol.map.protocol",
    "portcontrol.map.reserved",
    "portcontrol.map.internal_port",
    "portcontrol.map.req_sug_external_port",
    "portcontrol.map.req_sug_external_ip",
    "portcontrol.map.rsp_assigned_external_port",
    "portcontrol.map.rsp_assigned_ext_ip",
    "portcontrol.peer.nonce",
    "portcontrol.peer.protocol",
    "portcontrol.peer.reserved",
    "portcontrol.peer.internal_port",
    "portcontrol.peer.req_sug_external_port",
    "portcontrol.peer.req_sug_external_ip",
    "portcontrol.peer.rsp_assigned_external_port",
    "portcontrol.peer.rsp_assigned_ext_ip",
    "portcontrol.peer.remote_peer_port",
    "portcontrol.peer.remote_peer_ip",
    "portcontrol.option.code",
    "portcontrol.option.reserved",
    "portcontrol.option.length",
    "portcontrol.option.third_party.internal_ip",
    "portcontrol.option.filter.reserved",
    "portcontrol.option.filter.prefix_length",
    "portcontrol.option.filter.remote_peer_port",
    "portcontrol.option.filter.remote_peer_ip",
    "portcontrol.option.description",
    "portcontrol.option.p64.length",
    "portcontrol.option.p64.prefix64",
    "portcontrol.option.p64.suffix",
    "portcontrol.option.p64.ipv4_prefix_count",
    "portcontrol.option.p64.ipv4_prefix_length",
    "portcontrol.option.p64.ipv4_address",
    "portcontrol.option.portset.size",
    /* E-10: Wireshark's name for RFC 7753's First Internal Port. */
    "portcontrol.option.portset.req_sug_first_external_port",
    "portcontrol.option.portset.rsp_assigned_first_external_port",
    "portcontrol.option.portset.reserved",
    "portcontrol.option.portset.parity",
    "portcontrol.option.padding",
    "nat-pmp.version",
    "nat-pmp.opcode",
    "nat-pmp.reserved",
    "nat-pmp.result_code",
    "nat-pmp.sssoe",
    "nat-pmp.external_ip",
    "nat-pmp.internal_port",
    "nat-pmp.external_port",
    "nat-pmp.pml",
};
#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

/* The values expected for the current frame, per field. */
static char expected[N_FIELDS][1024];

static void die(const char *what)
{
	fprintf(stderr, "tshark_vectors: %s\n", what);
	exit(1);
}

/* Appends one occurrence of a field to the current frame's expectations. */
static void expect(const char *field, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void expect(const char *field, const char *fmt, ...)
{
	size_t i;
	for (i = 0; i < N_FIELDS; i++)
		if (!strcmp(fields[i], field))
			break;
	if (i == N_FIELDS)
		die("expect() of a field not in the list");
	char *v = expected[i];
	size_t used = strlen(v);
	if (used > 0 && used + 1 < sizeof(expected[i]))
		v[used++] = ',';
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v + used, sizeof(expected[i]) - used, fmt, ap);
	va_end(ap);
}

/* Octets as tshark prints FT_BYTES in -T fields: lowercase hex, no
 * separators. */
static void expect_bytes(const char *field, const uint8_t *b, size_t len)
{
	char hex[2 * PCTL_OPT_MAX_DATA + 1] = "";
	for (size_t i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", b[i]);
	expect(field, "%s", hex);
}

/* A 128-bit address field as tshark prints FT_IPv6. */
static void expect_addr(const char *field, const pctl_addr *a)
{
	char s[INET6_ADDRSTRLEN];
	inet_ntop(AF_INET6, a->b, s, sizeof(s));
	expect(field, "%s", s);
}

static void expect_bool(const char *field, bool v)
{
	expect(field, "%s", v ? "1" : "0");
}

static void write_expected(FILE *out)
{
	for (size_t i = 0; i < N_FIELDS; i++) {
		fprintf(out, "%s%s", i ? "\t" : "", expected[i]);
		expected[i][0] = '\0';
	}
	fputc('\n', out);
}

/* ---- frames: Ethernet, IPv4 or IPv6, UDP -------------------------------- */

struct endpoint {
	const char *addr; /* text; IPv6 when it has a ':' */
	uint16_t port;
};

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Writes the frame into f (room for 1600 octets); returns its length. */
static size_t build_frame(uint8_t *f, const struct endpoint *src,
                          const struct endpoint *dst, const uint8_t *payload,
                          size_t len)
{
	bool v6 = strchr(src->addr, ':') != NULL;
	/* The announcements go to all hosts (N-10, S-93). */
	bool multicast =
	    !strncmp(dst->addr, "224.", 4) || !strncmp(dst->addr, "ff02:", 5);
	size_t alen = v6 ? 16 : 4, iphl = v6 ? 40 : 20;
	uint8_t sa[16], da[16];
	if (inet_pton(v6 ? AF_INET6 : AF_INET, src->addr, sa) != 1 ||
	    inet_pton(v6 ? AF_INET6 : AF_INET, dst->addr, da) != 1)
		die("bad endpoint address");
	static const uint8_t eth[12] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};
	memcpy(f, eth, 12);
	put16(f + 12, v6 ? 0x86dd : 0x0800);
	uint8_t *ip = f + 14, *udp = ip + iphl;
	uint16_t ulen = (uint16_t)(8 + len);
	memset(ip, 0, iphl);
	if (v6) {
		ip[0] = 0x60;
		put16(ip + 4, ulen);
		ip[6] = 17;
		ip[7] = multicast ? 1 : 64;
		memcpy(ip + 8, sa, 16);
		memcpy(ip + 24, da, 16);
	} else {
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + ulen));
		put16(ip + 6, 0x4000);      /* DF */
		ip[8] = multicast ? 1 : 64; /* RFC 3171 link-local group */
		ip[9] = 17;
		memcpy(ip + 12, sa, 4);
		memcpy(ip + 16, da, 4);
		put16(ip + 10, fold(sum16(ip, 20, 0)));
	}
	put16(udp, src->port);
	put16(udp + 2, dst->port);
	put16(udp + 4, ulen);
	put16(udp + 6, 0);
	memcpy(udp + 8, payload, len);
	/* Pseudo-header: addresses, protocol, UDP length (RFC 768, 8200). */
	uint32_t sum = sum16(sa, alen, 0);
	sum = sum16(da, alen, sum) + 17 + ulen;
	uint16_t ck = fold(sum16(udp, ulen, sum));
	put16(udp + 6, ck ? ck : 0xffff);
	return 14 + iphl + ulen;
}

struct output {
	pcap_dumper_t *dump;
	FILE *expected;
	unsigned frames;
};

static void emit(struct output *o, const struct endpoint *src,
                 const struct endpoint *dst, const uint8_t *payload, size_t len)
{
	uint8_t frame[1600];
	struct pcap_pkthdr h;
	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = 1700000000 + o->frames;
	h.caplen = h.len =
	    (bpf_u_int32)build_frame(frame, src, dst, payload, len);
	pcap_dump((u_char *)o->dump, &h, frame);
	write_expected(o->expected);
	o->frames++;
}

/* ---- PCP ---------------------------------------------------------------- */

static void expect_option(const struct pctl_msg *m, const struct pctl_option *o)
{
	expect("portcontrol.option.code", "%u", o->code);
	expect("portcontrol.option.reserved", "0");
	expect("portcontrol.option.length", "%u", o->len);
	switch (o->code) {
	case PCTL_OPT_THIRD_PARTY: {
		pctl_addr a;
		memcpy(a.b, o->data, 16);
		expect_addr("portcontrol.option.third_party.internal_ip", &a);
		break;
	}
	case PCTL_OPT_FILTER: {
		struct pctl_filter f;
		if (pctl_filter_parse(o, &f) != PCTL_R_SUCCESS)
			die("FILTER vector does not parse");
		expect("portcontrol.option.filter.reserved", "0");
		expect("portcontrol.option.filter.prefix_length", "%u",
		       f.prefix_len);
		expect("portcontrol.option.filter.remote_peer_port", "%u",
		       f.port);
		expect_addr("portcontrol.option.filter.remote_peer_ip",
		            &f.addr);
		break;
	}
	case PCTL_OPT_DESCRIPTION:
		expect("portcontrol.option.description", "%.*s", (int)o->len,
		       (const char *)o->data);
		break;
	case PCTL_OPT_PREFIX64: {
		struct pctl_prefix64 p;
		if (pctl_prefix64_parse(o, &p) != PCTL_R_SUCCESS)
			die("PREFIX64 vector does not parse");
		expect("portcontrol.option.p64.length", "%u", p.prefix_len);
		expect_bytes("portcontrol.option.p64.prefix64", p.prefix,
		             p.prefix_len);
		if (p.prefix_len < 12)
			expect_bytes("portcontrol.option.p64.suffix", p.suffix,
			             (size_t)(12 - p.prefix_len));
		else /* how tshark shows an empty FT_BYTES */
			expect("portcontrol.option.p64.suffix", "<MISSING>");
		if (p.has_ipv4_list)
			expect("portcontrol.option.p64.ipv4_prefix_count", "%u",
			       p.ipv4_count);
		for (uint16_t i = 0; i < p.ipv4_count; i++) {
			const uint8_t *e = p.ipv4_list + 6 * (size_t)i;
			char s[INET_ADDRSTRLEN];
			inet_ntop(AF_INET, e + 2, s, sizeof(s));
			expect("portcontrol.option.p64.ipv4_prefix_length",
			       "%u", (unsigned)(e[0] << 8 | e[1]));
			expect("portcontrol.option.p64.ipv4_address", "%s", s);
		}
		break;
	}
	case PCTL_OPT_PORT_SET: {
		struct pctl_port_set ps;
		if (pctl_port_set_parse(o, &ps) != PCTL_R_SUCCESS)
			die("PORT_SET vector does not parse");
		expect("portcontrol.option.portset.size", "%u", ps.size);
		expect(m->response ? "portcontrol.option.portset."
		                     "rsp_assigned_first_external_port"
		                   : "portcontrol.option.portset."
		                     "req_sug_first_external_port",
		       "%u", ps.first_internal_port);
		expect("portcontrol.option.portset.reserved", "0x00");
		expect_bool("portcontrol.option.portset.parity", ps.parity);
		break;
	}
	default:
		break;
	}
	size_t pad = pctl_option_wire_len(o->len) - PCTL_OPT_HDR_LEN - o->len;
	if (pad > 0) {
		static const uint8_t zeros[3];
		expect_bytes("portcontrol.option.padding", zeros, pad);
	}
}

static void expect_pcp(const struct pctl_msg *m)
{
	static const uint8_t zero96[12];
	/* MAP and PEER share the layout of octets 24..59 (W-5, W-6). */
	const char *op = m->opcode == PCTL_OP_PEER ? "portcontrol.peer."
	                                           : "portcontrol.map.";
	char f[96];
	expect("portcontrol.version", "%u", m->version);
	expect_bool("portcontrol.r", m->response);
	expect("portcontrol.opcode", "%u", m->opcode);
	if (m->response) {
		expect("portcontrol.reserved", "0");
		expect("portcontrol.result_code", "%u", m->result);
		expect("portcontrol.lifetime_rsp", "%u", m->lifetime);
		expect("portcontrol.epoch_time", "%u", m->epoch);
		expect_bytes("portcontrol.rsp_reserved", zero96, 12);
	} else {
		expect("portcontrol.reserved", "0");
		expect("portcontrol.lifetime_req", "%u", m->lifetime);
		expect_addr("portcontrol.client_ip", &m->client_addr);
	}
	if (m->opcode == PCTL_OP_MAP || m->opcode == PCTL_OP_PEER) {
		snprintf(f, sizeof(f), "%snonce", op);
		expect_bytes(f, m->nonce, sizeof(m->nonce));
		snprintf(f, sizeof(f), "%sprotocol", op);
		expect(f, "%u", m->protocol);
		snprintf(f, sizeof(f), "%sreserved", op);
		if (m->opcode == PCTL_OP_MAP)
			expect(f, "0");
		else
			expect(f, "000000");
		snprintf(f, sizeof(f), "%sinternal_port", op);
		expect(f, "%u", m->internal_port);
		snprintf(f, sizeof(f), "%s%s", op,
		         m->response ? "rsp_assigned_external_port"
		                     : "req_sug_external_port");
		expect(f, "%u", m->external_port);
		snprintf(f, sizeof(f), "%s%s", op,
		         m->response ? "rsp_assigned_ext_ip"
		                     : "req_sug_external_ip");
		expect_addr(f, &m->external_addr);
	}
	if (m->opcode == PCTL_OP_PEER) {
		expect("portcontrol.peer.remote_peer_port", "%u",
		       m->remote_port);
		expect("portcontrol.peer.reserved", "0000");
		expect_addr("portcontrol.peer.remote_peer_ip", &m->remote_addr);
	}
	for (size_t i = 0; i < m->n_options; i++)
		expect_option(m, &m->options[i]);
}

static void emit_pcp(struct output *o, const struct endpoint *src,
                     const struct endpoint *dst, const struct pctl_msg *m)
{
	uint8_t buf[PCTL_MAX_MSG];
	size_t len = pctl_encode(m, buf, sizeof(buf));
	if (len == 0)
		die("pctl_encode refused a vector");
	expect_pcp(m);
	emit(o, src, dst, buf, len);
}

/* ---- NAT-PMP ------------------------------------------------------------ */

static void emit_natpmp(struct output *o, const struct endpoint *src,
                        const struct endpoint *dst, const struct pctl_natpmp *m)
{
	uint8_t buf[64];
	size_t len = pctl_natpmp_encode(m, buf, sizeof(buf));
	bool map = m->opcode == PCTL_NATPMP_OP_MAP_UDP ||
	           m->opcode == PCTL_NATPMP_OP_MAP_TCP;
	if (len == 0)
		die("pctl_natpmp_encode refused a vector");
	expect("nat-pmp.version", "%u", m->version);
	expect("nat-pmp.opcode", "%u", (m->response ? 128u : 0u) + m->opcode);
	if (m->response) {
		expect("nat-pmp.result_code", "%u", m->result);
		expect("nat-pmp.sssoe", "%u", m->epoch);
		if (!map) {
			char s[INET_ADDRSTRLEN];
			inet_ntop(AF_INET, m->external_addr, s, sizeof(s));
			expect("nat-pmp.external_ip", "%s", s);
		}
	} else if (map) {
		expect("nat-pmp.reserved", "0");
	}
	if (map) {
		expect("nat-pmp.internal_port", "%u", m->internal_port);
		expect("nat-pmp.external_port", "%u", m->external_port);
		expect("nat-pmp.pml", "%u", m->lifetime);
	}
	emit(o, src, dst, buf, len);
}

/* ---- the vectors -------------------------------------------------------- */

static const struct endpoint client4 = {"192.0.2.10", 40000};
static const struct endpoint server4 = {"192.0.2.1", PCTL_SERVER_PORT};
static const struct endpoint all_hosts4 = {"224.0.0.1", PCTL_CLIENT_PORT};
static const struct endpoint client6 = {"2001:db8::10", 40001};
static const struct endpoint server6 = {"2001:db8::1", PCTL_SERVER_PORT};
static const struct endpoint all_nodes6 = {"ff02::1", PCTL_CLIENT_PORT};

static const uint8_t nonce[PCTL_NONCE_LEN] = {1, 2, 3, 4,  5,  6,
                                              7, 8, 9, 10, 11, 12};

static pctl_addr addr(const char *s)
{
	pctl_addr a;
	if (pctl_addr_from_str(&a, s) != 0)
		die("bad address in a vector");
	return a;
}

static void msg_init(struct pctl_msg *m, bool response, uint8_t opcode)
{
	memset(m, 0, sizeof(*m));
	m->version = PCTL_VERSION;
	m->response = response;
	m->opcode = opcode;
}

static void add_option(struct pctl_msg *m, uint8_t code, const void *data,
                       uint16_t len)
{
	if (pctl_msg_add_option(m, code, data, len) != 0)
		die("pctl_msg_add_option failed");
}

/* Option data is referenced by the message, so it lives here. */
static struct {
	pctl_addr third_party;
	uint8_t filter4[PCTL_FILTER_LEN], filter6[PCTL_FILTER_LEN];
	uint8_t port_set_req[PCTL_PORT_SET_LEN];
	uint8_t port_set_rsp[PCTL_PORT_SET_LEN];
	uint8_t p64_req[32], p64_list[64], p64_announce[32];
	size_t p64_req_len, p64_list_len, p64_announce_len;
} opt;

static void build_option_data(void)
{
	struct pctl_filter f = {.prefix_len = 120, .port = 0};
	f.addr = addr("198.51.100.0");
	pctl_filter_pack(&f, opt.filter4);
	f = (struct pctl_filter){.prefix_len = 48, .port = 443};
	f.addr = addr("2001:db8:1::");
	pctl_filter_pack(&f, opt.filter6);
	opt.third_party = addr("192.0.2.77");

	struct pctl_port_set ps = {100, 50000, true};
	pctl_port_set_pack(&ps, opt.port_set_req);
	ps = (struct pctl_port_set){64, 50000, false};
	pctl_port_set_pack(&ps, opt.port_set_rsp);

	/* a request carries ::/96. */
	struct pctl_prefix64 p = {.prefix_len = 12};
	opt.p64_req_len =
	    pctl_prefix64_pack(&p, opt.p64_req, sizeof(opt.p64_req));
	/* 64:ff9b::/96, the well-known prefix, in an ANNOUNCE. */
	static const uint8_t wkp[12] = {0, 0x64, 0xff, 0x9b};
	memcpy(p.prefix, wkp, sizeof(wkp));
	opt.p64_announce_len =
	    pctl_prefix64_pack(&p, opt.p64_announce, sizeof(opt.p64_announce));
	/* A /32 prefix with its suffix and two IPv4 prefixes. */
	static const uint8_t list[12] = {0, 24, 198, 51, 100, 0,
	                                 0, 16, 203, 0,  113, 0};
	p = (struct pctl_prefix64){.prefix_len = 4, .has_ipv4_list = true};
	memcpy(p.prefix, (const uint8_t[]){0x20, 0x01, 0x0d, 0xb8}, 4);
	p.suffix[7] = 1;
	p.ipv4_count = 2;
	p.ipv4_list = list;
	opt.p64_list_len =
	    pctl_prefix64_pack(&p, opt.p64_list, sizeof(opt.p64_list));
	if (!opt.p64_req_len || !opt.p64_announce_len || !opt.p64_list_len)
		die("pctl_prefix64_pack failed");
}

static void description(struct pctl_msg *m, const char *text)
{
	add_option(m, PCTL_OPT_DESCRIPTION, text, (uint16_t)strlen(text));
}

static void announce_vectors(struct output *o)
{
	struct pctl_msg m;
	msg_init(&m, false, PCTL_OP_ANNOUNCE);
	m.client_addr = addr("192.0.2.10");
	emit_pcp(o, &client4, &server4, &m);

	/* T-4: unsolicited ANNOUNCE after a restart, epoch 0. */
	msg_init(&m, true, PCTL_OP_ANNOUNCE);
	emit_pcp(o, &server4, &all_hosts4, &m);

	msg_init(&m, true, PCTL_OP_ANNOUNCE);
	m.epoch = 86400;
	add_option(&m, PCTL_OPT_PREFIX64, opt.p64_announce,
	           (uint16_t)opt.p64_announce_len);
	emit_pcp(o, &server6, &all_nodes6, &m);
}

static void map_vectors(struct output *o)
{
	struct pctl_msg m;
	msg_init(&m, false, PCTL_OP_MAP);
	m.lifetime = 7200;
	m.client_addr = addr("192.0.2.10");
	memcpy(m.nonce, nonce, sizeof(nonce));
	m.protocol = 6;
	m.internal_port = 8080;
	m.external_port = 8080;
	pctl_addr_set_any(&m.external_addr, true);
	add_option(&m, PCTL_OPT_THIRD_PARTY, opt.third_party.b, 16);
	add_option(&m, PCTL_OPT_PREFER_FAILURE, NULL, 0);
	add_option(&m, PCTL_OPT_FILTER, opt.filter4, PCTL_FILTER_LEN);
	description(&m, "web server");
	emit_pcp(o, &client4, &server4, &m);

	m.response = true;
	m.result = PCTL_R_SUCCESS;
	m.lifetime = 3600;
	m.epoch = 1234;
	m.external_addr = addr("203.0.113.5");
	emit_pcp(o, &server4, &client4, &m);

	/* PORT_SET (X-3.1: first internal port = internal port) and the
	 * PREFIX64 request form. */
	msg_init(&m, false, PCTL_OP_MAP);
	m.lifetime = 600;
	m.client_addr = addr("192.0.2.10");
	memcpy(m.nonce, nonce, sizeof(nonce));
	m.protocol = 17;
	m.internal_port = 50000;
	pctl_addr_set_any(&m.external_addr, true);
	add_option(&m, PCTL_OPT_PORT_SET, opt.port_set_req, PCTL_PORT_SET_LEN);
	add_option(&m, PCTL_OPT_PREFIX64, opt.p64_req,
	           (uint16_t)opt.p64_req_len);
	emit_pcp(o, &client4, &server4, &m);

	msg_init(&m, true, PCTL_OP_MAP);
	m.lifetime = 600;
	m.epoch = 1240;
	memcpy(m.nonce, nonce, sizeof(nonce));
	m.protocol = 17;
	m.internal_port = 50000;
	m.external_port = 20000;
	m.external_addr = addr("203.0.113.5");
	/* PREFIX64 first: Wireshark 4.0.17 reports a PREFIX64 with an IPv4
	 * prefix list that follows a PORT_SET as malformed, although it
	 * shows every field of both right (the same octets in the other
	 * order pass, and portctl decode reads both orders). */
	add_option(&m, PCTL_OPT_PREFIX64, opt.p64_list,
	           (uint16_t)opt.p64_list_len);
	add_option(&m, PCTL_OPT_PORT_SET, opt.port_set_rsp, PCTL_PORT_SET_LEN);
	emit_pcp(o, &server4, &client4, &m);

	/* IPv6, a FILTER for a /48, an IPv6 external address wanted. */
	msg_init(&m, false, PCTL_OP_MAP);
	m.lifetime = 3600;
	m.client_addr = addr("2001:db8::10");
	memcpy(m.nonce, nonce, sizeof(nonce));
	m.protocol = 132; /* SCTP */
	m.internal_port = 9899;
	m.external_port = 9899;
	pctl_addr_set_any(&m.external_addr, false);
	add_option(&m, PCTL_OPT_FILTER, opt.filter6, PCTL_FILTER_LEN);
	description(&m, "sctp test 42");
	emit_pcp(o, &client6, &server6, &m);

	/* An error: the suggested port and address are copied back. */
	m.response = true;
	m.result = PCTL_R_NO_RESOURCES;
	m.lifetime = 30;
	m.epoch = 5000;
	m.n_options = 0;
	emit_pcp(o, &server6, &client6, &m);
}

static void peer_vectors(struct output *o)
{
	struct pctl_msg m;
	msg_init(&m, false, PCTL_OP_PEER);
	m.lifetime = 120;
	m.client_addr = addr("192.0.2.10");
	memcpy(m.nonce, nonce, sizeof(nonce));
	m.protocol = 6;
	m.internal_port = 50123;
	pctl_addr_set_any(&m.external_addr, true);
	m.remote_port = 443;
	m.remote_addr = addr("198.51.100.20");
	add_option(&m, PCTL_OPT_THIRD_PARTY, opt.third_party.b, 16);
	description(&m, "peer");
	emit_pcp(o, &client4, &server4, &m);

	msg_init(&m, true, PCTL_OP_PEER);
	m.lifetime = 120;
	m.epoch = 777;
	memcpy(m.nonce, nonce, sizeof(nonce));
	m.protocol = 17;
	m.internal_port = 5004;
	m.external_port = 6004;
	m.external_addr = addr("2001:db8:ffff::1");
	m.remote_port = 5004;
	m.remote_addr = addr("2001:db8:2::9");
	emit_pcp(o, &server6, &client6, &m);
}

static void natpmp_vectors(struct output *o)
{
	struct pctl_natpmp m;
	memset(&m, 0, sizeof(m));
	m.opcode = PCTL_NATPMP_OP_EXTERNAL_ADDR;
	emit_natpmp(o, &client4, &server4, &m);

	m.response = true;
	m.epoch = 1234;
	memcpy(m.external_addr, (const uint8_t[]){203, 0, 113, 5}, 4);
	emit_natpmp(o, &server4, &client4, &m);
	/* N-10: the announcement to all hosts. */
	emit_natpmp(o, &server4, &all_hosts4, &m);

	memset(&m, 0, sizeof(m));
	m.opcode = PCTL_NATPMP_OP_MAP_UDP;
	m.internal_port = 5000;
	m.external_port = 5000;
	m.lifetime = 7200;
	emit_natpmp(o, &client4, &server4, &m);

	m.opcode = PCTL_NATPMP_OP_MAP_TCP;
	m.response = true;
	m.epoch = 1240;
	m.internal_port = 8080;
	m.external_port = 18080;
	m.lifetime = 3600;
	emit_natpmp(o, &server4, &client4, &m);

	/* N-7: a refusal, nothing created. */
	m.opcode = PCTL_NATPMP_OP_MAP_UDP;
	m.result = PCTL_NATPMP_R_NOT_AUTHORIZED;
	m.external_port = 0;
	m.lifetime = 0;
	emit_natpmp(o, &server4, &client4, &m);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fputs("usage: tshark_vectors OUT.pcap FIELDS EXPECTED\n",
		      stderr);
		return 2;
	}
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	if (!dead)
		die("pcap_open_dead failed");
	struct output o = {.dump = pcap_dump_open(dead, argv[1])};
	FILE *ff = fopen(argv[2], "w");
	o.expected = fopen(argv[3], "w");
	if (!o.dump || !ff || !o.expected)
		die("cannot write the output files");
	for (size_t i = 0; i < N_FIELDS; i++)
		fprintf(ff, "%s\n", fields[i]);
	build_option_data();
	announce_vectors(&o);
	map_vectors(&o);
	peer_vectors(&o);
	natpmp_vectors(&o);
	pcap_dump_close(o.dump);
	pcap_close(dead);
	int bad = fclose(ff) != 0;
	bad |= fclose(o.expected) != 0;
	if (bad)
		die("cannot write the output files");
	fprintf(stderr, "tshark_vectors: %u frames\n", o.frames);
	return 0;
}

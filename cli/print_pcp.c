/*
 * print_pcp.c - the field printer of print.h and the walkers that show every
 * field of a PCP (RFC 6887 and its options) or NAT-PMP (RFC 6886) message.
 */
#include "print.h"

#include <string.h>

#include "hex.h"

void printer_init(struct printer *p, FILE *out, enum print_format format)
{
	p->format = format;
	p->out = out;
	p->indent = 0;
	json_init(&p->json, out);
}

static bool is_json(const struct printer *p)
{
	return p->format == PRINT_JSON;
}

/* Text: the indentation and label of a field line. */
static void text_label(struct printer *p, const char *label)
{
	fprintf(p->out, "%*s%s: ", (int)(2 * p->indent), "", label);
}

void print_record_begin(struct printer *p, const char *title)
{
	if (is_json(p)) {
		json_init(&p->json, p->out);
		json_object_begin(&p->json);
		return;
	}
	fprintf(p->out, "%s\n", title);
	p->indent = 1;
}

void print_record_end(struct printer *p)
{
	if (is_json(p))
		json_object_end(&p->json);
	fputc('\n', p->out);
	p->indent = 0;
}

void print_object_begin(struct printer *p, const char *key, const char *label)
{
	if (is_json(p)) {
		if (key)
			json_key(&p->json, key);
		json_object_begin(&p->json);
		return;
	}
	fprintf(p->out, "%*s%s:\n", (int)(2 * p->indent), "", label);
	p->indent++;
}

void print_object_end(struct printer *p)
{
	if (is_json(p))
		json_object_end(&p->json);
	else if (p->indent > 0)
		p->indent--;
}

void print_array_begin(struct printer *p, const char *key)
{
	if (is_json(p)) {
		json_key(&p->json, key);
		json_array_begin(&p->json);
	}
}

void print_array_end(struct printer *p)
{
	if (is_json(p))
		json_array_end(&p->json);
}

void print_uint(struct printer *p, const char *key, const char *label,
                uint64_t v)
{
	if (is_json(p)) {
		json_key(&p->json, key);
		json_uint(&p->json, v);
		return;
	}
	text_label(p, label);
	fprintf(p->out, "%llu\n", (unsigned long long)v);
}

void print_bool(struct printer *p, const char *key, const char *label, bool v)
{
	if (is_json(p)) {
		json_key(&p->json, key);
		json_bool(&p->json, v);
		return;
	}
	text_label(p, label);
	fputs(v ? "yes\n" : "no\n", p->out);
}

void print_string(struct printer *p, const char *key, const char *label,
                  const char *s)
{
	if (is_json(p)) {
		json_key(&p->json, key);
		json_string(&p->json, s);
		return;
	}
	text_label(p, label);
	fprintf(p->out, "%s\n", s);
}

/* Text form of untrusted octets: printable ASCII and valid UTF-8 as they
 * are, the usual C escapes, and \xHH for every other octet, so that nothing
 * a peer sends can move the cursor or confuse the terminal. */
static void write_escaped_text(FILE *out, const uint8_t *s, size_t len)
{
	fputc('"', out);
	for (size_t i = 0; i < len;) {
		uint8_t c = s[i];
		size_t n = json_utf8_char_len(s + i, len - i);
		if (n > 1) {
			fwrite(s + i, 1, n, out);
			i += n;
			continue;
		}
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c == '\r')
			fputs("\\r", out);
		else if (n == 0 || c < 0x20 || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
		i++;
	}
	fputc('"', out);
}

void print_text(struct printer *p, const char *key, const char *label,
                const uint8_t *s, size_t len)
{
	if (is_json(p)) {
		json_key(&p->json, key);
		json_string_n(&p->json, s, len);
		return;
	}
	text_label(p, label);
	write_escaped_text(p->out, s, len);
	fputc('\n', p->out);
}

void print_hex(struct printer *p, const char *key, const char *label,
               const uint8_t *data, size_t len)
{
	if (is_json(p)) {
		json_key(&p->json, key);
		json_hex(&p->json, data, len);
		return;
	}
	text_label(p, label);
	if (len == 0)
		fputs("(none)", p->out);
	hex_write(p->out, data, len);
	fputc('\n', p->out);
}

/* JSON companion member names: "opcode" -> "opcode_name". */
static void json_key_suffixed(struct json_writer *w, const char *key,
                              const char *suffix)
{
	char name[64];
	snprintf(name, sizeof(name), "%s_%s", key, suffix);
	json_key(w, name);
}

void print_named(struct printer *p, const char *key, const char *label,
                 uint64_t v, const char *name)
{
	if (is_json(p)) {
		json_key(&p->json, key);
		json_uint(&p->json, v);
		json_key_suffixed(&p->json, key, "name");
		json_string(&p->json, name);
		return;
	}
	text_label(p, label);
	fprintf(p->out, "%s (%llu)\n", name, (unsigned long long)v);
}

void print_addr(struct printer *p, const char *key, const char *label,
                const pctl_addr *a)
{
	char buf[PCTL_ADDRSTRLEN];
	bool v4 = pctl_addr_is_v4(a);
	pctl_addr_to_str(a, buf, sizeof(buf));
	if (is_json(p)) {
		json_key(&p->json, key);
		json_string(&p->json, buf);
		json_key_suffixed(&p->json, key, "family");
		json_string(&p->json, v4 ? "ipv4" : "ipv6");
		return;
	}
	text_label(p, label);
	fprintf(p->out, "%s (%s)\n", buf, v4 ? "IPv4-mapped" : "IPv6");
}

/* ---- PCP options (W-7, W-8, X-1..X-4) ----------------------------------- */

/* An option whose typed parser refused it: the result code it deserves and
 * its raw data, so that nothing is hidden. */
static void print_option_malformed(struct printer *p,
                                   const struct pctl_option *o, int result)
{
	print_named(p, "malformed", "malformed", (uint64_t)result,
	            pctl_result_name((uint8_t)result));
	print_hex(p, "data", "data", o->data, o->len);
}

/* THIRD_PARTY (1): the internal address (6887 13.1). */
static bool print_third_party(struct printer *p, const struct pctl_option *o)
{
	pctl_addr a;
	enum pctl_result r = pctl_third_party_parse(o, &a);
	if (r != PCTL_R_SUCCESS) {
		print_option_malformed(p, o, r);
		return false;
	}
	print_addr(p, "internal_addr", "internal IP", &a);
	return true;
}

/* FILTER (3): prefix, remote peer port and address (6887 13.3, S-81). */
static bool print_filter(struct printer *p, const struct pctl_option *o)
{
	struct pctl_filter f;
	enum pctl_result r = pctl_filter_parse(o, &f);
	if (r != PCTL_R_SUCCESS) {
		print_option_malformed(p, o, r);
		return false;
	}
	print_uint(p, "prefix_length", "prefix length", f.prefix_len);
	print_uint(p, "remote_port", "remote peer port", f.port);
	print_addr(p, "remote_addr", "remote peer IP", &f.addr);
	return true;
}

/* PORT_SET (130, RFC 7753): size, first internal port, parity (X-3; E-10:
 * Wireshark calls the port "first external port", the RFC is right). */
static bool print_port_set(struct printer *p, const struct pctl_option *o)
{
	struct pctl_port_set ps;
	enum pctl_result r = pctl_port_set_parse(o, &ps);
	if (r != PCTL_R_SUCCESS) {
		print_option_malformed(p, o, r);
		return false;
	}
	print_uint(p, "size", "port set size", ps.size);
	print_uint(p, "first_internal_port", "first internal port",
	           ps.first_internal_port);
	print_bool(p, "parity", "parity", ps.parity);
	return true;
}

/* PREFIX64 (129, RFC 7225, X-2): prefix, suffix and the IPv4 prefix list. */
static bool print_prefix64(struct printer *p, const struct pctl_option *o)
{
	struct pctl_prefix64 px;
	enum pctl_result r = pctl_prefix64_parse(o, &px);
	if (r != PCTL_R_SUCCESS) {
		print_option_malformed(p, o, r);
		return false;
	}
	print_uint(p, "prefix64_length", "prefix64 length", px.prefix_len);
	print_hex(p, "prefix64", "prefix64", px.prefix, px.prefix_len);
	print_hex(p, "suffix", "suffix", px.suffix,
	          (size_t)(12 - px.prefix_len));
	if (!px.has_ipv4_list)
		return true;
	print_uint(p, "ipv4_prefix_count", "IPv4 prefix count", px.ipv4_count);
	print_array_begin(p, "ipv4_prefixes");
	for (uint16_t i = 0; i < px.ipv4_count; i++) {
		const uint8_t *e = px.ipv4_list + 6 * (size_t)i;
		pctl_addr a;
		pctl_addr_from_v4(&a, e + 2);
		print_object_begin(p, NULL, "IPv4 prefix");
		print_uint(p, "prefix_length", "prefix length",
		           (uint64_t)e[0] << 8 | e[1]);
		print_addr(p, "addr", "IPv4 address", &a);
		print_object_end(p);
	}
	print_array_end(p);
	return true;
}

/* DESCRIPTION (128, RFC 7220, X-1): UTF-8 text, shown escaped; invalid
 * UTF-8 is flagged because a server must ignore it (X-1.4). */
static void print_description(struct printer *p, const struct pctl_option *o)
{
	print_text(p, "description", "description", o->data, o->len);
	print_bool(p, "utf8_valid", "valid UTF-8",
	           pctl_utf8_valid(o->data, o->len));
}

/* Returns false when the option's data is malformed for its code (W-8). */
static bool print_option(struct printer *p, size_t index,
                         const struct pctl_option *o)
{
	char title[32];
	snprintf(title, sizeof(title), "option %zu", index + 1);
	print_object_begin(p, NULL, title);
	print_named(p, "code", "code", o->code, pctl_option_name(o->code));
	/* W-7.2: codes 0-127 are mandatory-to-process. */
	print_bool(p, "mandatory", "mandatory", o->code < 128);
	print_uint(p, "length", "length", o->len);
	print_uint(p, "offset", "offset", o->offset);
	bool ok = true;
	switch (o->code) {
	case PCTL_OPT_THIRD_PARTY:
		ok = print_third_party(p, o);
		break;
	case PCTL_OPT_PREFER_FAILURE:
		if (o->len != 0)
			print_hex(p, "data", "data", o->data, o->len);
		break;
	case PCTL_OPT_FILTER:
		ok = print_filter(p, o);
		break;
	case PCTL_OPT_DESCRIPTION:
		print_description(p, o);
		break;
	case PCTL_OPT_PREFIX64:
		ok = print_prefix64(p, o);
		break;
	case PCTL_OPT_PORT_SET:
		ok = print_port_set(p, o);
		break;
	case PCTL_OPT_THIRD_PARTY_ID:
		/* RFC 7843: an opaque, deployment-specific identifier. */
		print_hex(p, "id", "id", o->data, o->len);
		break;
	default:
		print_hex(p, "data", "data", o->data, o->len);
		break;
	}
	print_object_end(p);
	return ok;
}

/* ---- PCP messages (W-2..W-6) -------------------------------------------- */

static void print_protocol(struct printer *p, uint8_t proto)
{
	const char *name = pctl_protocol_name(proto);
	print_named(p, "protocol", "protocol", proto, name ? name : "UNKNOWN");
}

/* W-5 / W-6: the fields MAP and PEER share, suggested in a request and
 * assigned in a response. */
static void print_map_fields(struct printer *p, const struct pctl_msg *m)
{
	print_hex(p, "nonce", "nonce", m->nonce, sizeof(m->nonce));
	print_protocol(p, m->protocol);
	print_uint(p, "internal_port", "internal port", m->internal_port);
	print_uint(p, "external_port",
	           m->response ? "assigned external port"
	                       : "suggested external port",
	           m->external_port);
	print_addr(p, "external_addr",
	           m->response ? "assigned external IP"
	                       : "suggested external IP",
	           &m->external_addr);
}

const struct pctl_option *print_pcp_msg(struct printer *p,
                                        const struct pctl_msg *m)
{
	const struct pctl_option *malformed = NULL;
	print_uint(p, "version", "version", m->version);
	print_named(p, "r", "R", m->response,
	            m->response ? "response" : "request");
	print_named(p, "opcode", "opcode", m->opcode,
	            pctl_opcode_name(m->opcode));
	if (m->response) {
		/* W-3 */
		print_named(p, "result", "result", m->result,
		            pctl_result_name(m->result));
		print_uint(p, "lifetime", "lifetime", m->lifetime);
		print_uint(p, "epoch", "epoch", m->epoch);
		print_hex(p, "reserved", "reserved", m->reserved96,
		          sizeof(m->reserved96));
	} else {
		/* W-2 */
		print_uint(p, "lifetime", "requested lifetime", m->lifetime);
		print_addr(p, "client_addr", "client IP", &m->client_addr);
	}
	if (m->opcode == PCTL_OP_MAP || m->opcode == PCTL_OP_PEER)
		print_map_fields(p, m);
	if (m->opcode == PCTL_OP_PEER) {
		print_uint(p, "remote_port", "remote peer port",
		           m->remote_port);
		print_addr(p, "remote_addr", "remote peer IP", &m->remote_addr);
	}
	if (m->opaque_len > 0)
		print_hex(p, "opaque", "opcode data (not decoded)", m->opaque,
		          m->opaque_len);
	print_array_begin(p, "options");
	for (size_t i = 0; i < m->n_options; i++)
		if (!print_option(p, i, &m->options[i]) && !malformed)
			malformed = &m->options[i];
	print_array_end(p);
	return malformed;
}

/* ---- NAT-PMP (RFC 6886, N-1..N-6) --------------------------------------- */

const char *natpmp_opcode_name(uint8_t opcode)
{
	switch (opcode) {
	case PCTL_NATPMP_OP_EXTERNAL_ADDR:
		return "EXTERNAL_ADDRESS";
	case PCTL_NATPMP_OP_MAP_UDP:
		return "MAP_UDP";
	case PCTL_NATPMP_OP_MAP_TCP:
		return "MAP_TCP";
	default:
		return "UNKNOWN";
	}
}

/* The octets the message's format defines (N-1..N-5); the codec accepts
 * longer messages and ignores the rest (wire.h, N-7). */
static size_t natpmp_format_len(const struct pctl_natpmp *m, bool map,
                                size_t len)
{
	if (!m->response)
		return map ? PCTL_NATPMP_MAP_REQ_LEN
		           : PCTL_NATPMP_EXTADDR_REQ_LEN;
	if (map && len >= PCTL_NATPMP_MAP_RESP_LEN)
		return PCTL_NATPMP_MAP_RESP_LEN;
	if (!map && m->opcode == PCTL_NATPMP_OP_EXTERNAL_ADDR &&
	    len >= PCTL_NATPMP_EXTADDR_RESP_LEN)
		return PCTL_NATPMP_EXTADDR_RESP_LEN;
	return PCTL_NATPMP_UNSUPP_RESP_LEN; /* N-5: 8-octet error reply */
}

void print_natpmp_msg(struct printer *p, const struct pctl_natpmp *m,
                      const uint8_t *buf, size_t len)
{
	bool map = m->opcode == PCTL_NATPMP_OP_MAP_UDP ||
	           m->opcode == PCTL_NATPMP_OP_MAP_TCP;
	size_t flen = natpmp_format_len(m, map, len);
	print_uint(p, "version", "version", m->version);
	print_named(p, "r", "R", m->response,
	            m->response ? "response" : "request");
	print_named(p, "opcode", "opcode", m->opcode,
	            natpmp_opcode_name(m->opcode));
	if (m->response) {
		print_named(p, "result", "result", m->result,
		            pctl_natpmp_result_name(m->result));
		print_uint(p, "epoch", "seconds since start of epoch",
		           m->epoch);
		if (flen == PCTL_NATPMP_EXTADDR_RESP_LEN) {
			pctl_addr a;
			pctl_addr_from_v4(&a, m->external_addr);
			print_addr(p, "external_addr", "external IP", &a);
		}
	}
	if (map && flen >= PCTL_NATPMP_MAP_REQ_LEN) {
		print_uint(p, "internal_port", "internal port",
		           m->internal_port);
		print_uint(p, "external_port",
		           m->response ? "mapped external port"
		                       : "suggested external port",
		           m->external_port);
		print_uint(p, "lifetime",
		           m->response ? "lifetime" : "requested lifetime",
		           m->lifetime);
	}
	if (len > flen)
		print_hex(p, "trailing", "trailing octets (ignored)",
		          buf + flen, len - flen);
}

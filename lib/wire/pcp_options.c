/*
 * pcp_options.c - PCP options as data: the option list of a message
 * (lookup, append, wire size) and the typed codecs of the options whose
 * contents this codec understands: THIRD_PARTY (RFC 6887 13.1), FILTER
 * (13.3), PORT_SET (RFC 7753) and PREFIX64 (RFC 7225).
 *
 * The parsers only judge an option's own data; whether an option may appear
 * in a message, how often, and what it means together with the opcode's
 * fields is the request decoder's business (pcp_decode.c).
 */
#include <errno.h>
#include <portctl/wire.h>

#include <string.h>

#include "bytes.h"

/* ---- The option list ---------------------------------------------------- */

const struct pctl_option *pctl_msg_option(const struct pctl_msg *m,
                                          uint8_t code)
{
	size_t n =
	    m->n_options < PCTL_MAX_OPTIONS ? m->n_options : PCTL_MAX_OPTIONS;

	for (size_t i = 0; i < n; i++) {
		if (m->options[i].code == code)
			return &m->options[i];
	}
	return NULL;
}

int pctl_msg_add_option(struct pctl_msg *m, uint8_t code, const void *data,
                        uint16_t len)
{
	if (m->n_options >= PCTL_MAX_OPTIONS) {
		errno = ENOSPC;
		return -1;
	}
	if (len > PCTL_OPT_MAX_DATA || (len != 0 && data == NULL)) {
		errno = EINVAL;
		return -1;
	}
	struct pctl_option *o = &m->options[m->n_options++];
	o->code = code;
	o->len = len;
	o->offset = 0; /* known only once encoded */
	o->data = len ? data : NULL;
	return 0;
}

/* W-7.1: 4 + L + ((4 - L mod 4) mod 4). */
size_t pctl_option_wire_len(uint16_t data_len)
{
	return PCTL_OPT_HDR_LEN + (((size_t)data_len + 3u) & ~(size_t)3u);
}

/* ---- THIRD_PARTY (1) ---------------------------------------------------- */

#define THIRD_PARTY_LEN 16 /* W-8 */

enum pctl_result pctl_third_party_parse(const struct pctl_option *o,
                                        pctl_addr *a)
{
	if (o->len != THIRD_PARTY_LEN)
		return PCTL_R_MALFORMED_OPTION;
	memcpy(a->b, o->data, sizeof(a->b));
	return PCTL_R_SUCCESS;
}

/* ---- FILTER (3) ---------------------------------------------------------- */

/* FILTER data offsets (W-8): reserved, prefix length, port, address. */
#define FILTER_OFF_PREFIX 1
#define FILTER_OFF_PORT   2
#define FILTER_OFF_ADDR   4

enum pctl_result pctl_filter_parse(const struct pctl_option *o,
                                   struct pctl_filter *f)
{
	if (o->len != PCTL_FILTER_LEN)
		return PCTL_R_MALFORMED_OPTION;
	uint8_t plen = o->data[FILTER_OFF_PREFIX];
	memset(f, 0, sizeof(*f));
	f->prefix_len = plen;
	if (plen == 0) {
		/* S-82, erratum 3891: "remove all filters"; the peer fields
		 * are ignored on receipt, so they are left zero. */
		return PCTL_R_SUCCESS;
	}
	f->port = pctl_get16(o->data + FILTER_OFF_PORT);
	memcpy(f->addr.b, o->data + FILTER_OFF_ADDR, sizeof(f->addr.b));
	/* S-81: IPv4-mapped 96..128 (96 = any IPv4 peer, valid per the RFC
	 * text; erratum 3891 would start at 97), IPv6 1..128. */
	if (plen > 128)
		return PCTL_R_MALFORMED_OPTION;
	if (pctl_addr_is_v4(&f->addr) && plen < 96)
		return PCTL_R_MALFORMED_OPTION;
	return PCTL_R_SUCCESS;
}

void pctl_filter_pack(const struct pctl_filter *f, uint8_t out[PCTL_FILTER_LEN])
{
	memset(out, 0, PCTL_FILTER_LEN);
	out[FILTER_OFF_PREFIX] = f->prefix_len;
	if (f->prefix_len == 0)
		return; /* S-82: port and address zero on transmission */
	pctl_put16(out + FILTER_OFF_PORT, f->port);
	memcpy(out + FILTER_OFF_ADDR, f->addr.b, sizeof(f->addr.b));
}

/* S-80: the first prefix_len bits of the address and, unless the filter's
 * port is 0 (all ports), the port must match.  A prefix length of 0 is the
 * empty prefix and matches every peer. */
bool pctl_filter_match(const struct pctl_filter *f, const pctl_addr *r,
                       uint16_t port)
{
	if (f->port != 0 && f->port != port)
		return false;
	unsigned bits = f->prefix_len > 128 ? 128 : f->prefix_len;
	unsigned whole = bits / 8, rest = bits % 8;
	if (memcmp(f->addr.b, r->b, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xffu << (8 - rest));
	return ((f->addr.b[whole] ^ r->b[whole]) & mask) == 0;
}

/* ---- PORT_SET (130) ------------------------------------------------------ */

enum pctl_result pctl_port_set_parse(const struct pctl_option *o,
                                     struct pctl_port_set *ps)
{
	/* RFC 7753 section 4 fixes the length at 5; any other length cannot
	 * be read as a port set (X-3.2 decision: MALFORMED_OPTION). */
	if (o->len != PCTL_PORT_SET_LEN)
		return PCTL_R_MALFORMED_OPTION;
	ps->size = pctl_get16(o->data);
	ps->first_internal_port = pctl_get16(o->data + 2);
	ps->parity = (o->data[4] & 1u) != 0; /* 7 reserved bits ignored */
	if (ps->size == 0)
		return PCTL_R_MALFORMED_OPTION; /* */
	return PCTL_R_SUCCESS;
}

void pctl_port_set_pack(const struct pctl_port_set *ps,
                        uint8_t out[PCTL_PORT_SET_LEN])
{
	pctl_put16(out, ps->size);
	pctl_put16(out + 2, ps->first_internal_port);
	out[4] = ps->parity ? 1u : 0u;
}

/* ---- PREFIX64 (129) ------------------------------------------------------ */

/* Prefix64 Length field (2), prefix + suffix (always 12 together),
 * then optionally the IPv4 Prefix Count (2) and 6-octet entries. */
#define P64_FIXED_LEN   (2 + 12)
#define P64_COUNT_LEN   2
#define P64_ENTRY_LEN   6
#define P64_ADDR_OCTETS 12

static bool prefix64_len_valid(uint16_t plen)
{
	/* the lengths RFC 6052 allows, in octets. */
	return plen == 4 || plen == 5 || plen == 6 || plen == 7 || plen == 8 ||
	       plen == 12;
}

enum pctl_result pctl_prefix64_parse(const struct pctl_option *o,
                                     struct pctl_prefix64 *p)
{
	memset(p, 0, sizeof(*p));
	if (o->len < P64_FIXED_LEN)
		return PCTL_R_MALFORMED_OPTION;
	uint16_t plen = pctl_get16(o->data);
	if (!prefix64_len_valid(plen))
		return PCTL_R_MALFORMED_OPTION;
	p->prefix_len = (uint8_t)plen;
	memcpy(p->prefix, o->data + 2, plen);
	memcpy(p->suffix, o->data + 2 + plen, P64_ADDR_OCTETS - plen);
	if (o->len == P64_FIXED_LEN)
		return PCTL_R_SUCCESS;
	if (o->len < P64_FIXED_LEN + P64_COUNT_LEN)
		return PCTL_R_MALFORMED_OPTION;
	uint16_t count = pctl_get16(o->data + P64_FIXED_LEN);
	size_t want =
	    P64_FIXED_LEN + P64_COUNT_LEN + (size_t)count * P64_ENTRY_LEN;
	if (o->len != want)
		return PCTL_R_MALFORMED_OPTION;
	p->has_ipv4_list = true;
	p->ipv4_count = count;
	p->ipv4_list = count ? o->data + P64_FIXED_LEN + P64_COUNT_LEN : NULL;
	return PCTL_R_SUCCESS;
}

size_t pctl_prefix64_pack(const struct pctl_prefix64 *p, uint8_t *out,
                          size_t cap)
{
	if (!prefix64_len_valid(p->prefix_len))
		return 0;
	size_t len = P64_FIXED_LEN;
	if (p->has_ipv4_list) {
		if (p->ipv4_count != 0 && p->ipv4_list == NULL)
			return 0;
		len += P64_COUNT_LEN + (size_t)p->ipv4_count * P64_ENTRY_LEN;
	}
	if (len > cap || len > PCTL_OPT_MAX_DATA)
		return 0;
	pctl_put16(out, p->prefix_len);
	memcpy(out + 2, p->prefix, p->prefix_len);
	memcpy(out + 2 + p->prefix_len, p->suffix,
	       P64_ADDR_OCTETS - p->prefix_len);
	if (p->has_ipv4_list) {
		pctl_put16(out + P64_FIXED_LEN, p->ipv4_count);
		if (p->ipv4_count)
			memcpy(out + P64_FIXED_LEN + P64_COUNT_LEN,
			       p->ipv4_list,
			       (size_t)p->ipv4_count * P64_ENTRY_LEN);
	}
	return len;
}

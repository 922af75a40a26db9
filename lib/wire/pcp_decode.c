/*
 * pcp_decode.c - bytes to PCP messages, with the verdict each receiver must
 * reach (RFC 6887 sections 7, 8.2, 8.3, 11-13; RFC 7220, 7225, 7753, 7843).
 *
 * Three entry points share one structural decoder (header, opcode fields,
 * option headers):
 *  - pctl_request_decode: the server pipeline of RFC 6887 section 8.2 in its
 *    order (S-3..S-10), the opcode's fixed-field rules, then every option in
 *    order of appearance with the rules of section 7.3 and the option RFCs;
 *  - pctl_response_decode: the client's acceptance rules (C-31..C-33, C-38);
 *  - pctl_decode: no policy, for tools that show any datagram.
 * Nothing is allocated: options point into the caller's buffer.  Every read
 * is preceded by a length check and the only loop (the options) advances at
 * least 4 octets per round over at most PCTL_MAX_MSG octets.
 */
#include <portctl/wire.h>

#include <stddef.h>
#include <string.h>

#include "bytes.h"
#include "pcp_internal.h"

int pctl_pcp_body_len(uint8_t opcode)
{
	switch (opcode) {
	case PCTL_OP_ANNOUNCE:
		return PCTL_HDR_LEN - PCTL_HDR_LEN; /* K-11 */
	case PCTL_OP_MAP:
		return PCTL_MAP_LEN - PCTL_HDR_LEN; /* K-9 */
	case PCTL_OP_PEER:
		return PCTL_PEER_LEN - PCTL_HDR_LEN; /* K-10 */
	default:
		return -1; /* AUTHENTICATION (3) included: S-10 */
	}
}

static enum pctl_verdict fail(struct pctl_error *err, enum pctl_verdict v,
                              uint8_t result, size_t offset, const char *rule)
{
	err->verdict = v;
	err->result = result;
	err->offset = offset;
	err->rule = rule;
	return v;
}

static void clear_error(struct pctl_error *err)
{
	memset(err, 0, sizeof(*err));
	err->verdict = PCTL_V_OK;
}

/* Clears every field but the option array: its entries past n_options are
 * never meaningful, and zeroing all PCTL_MAX_OPTIONS of them (4 KiB) would
 * cost more than decoding a typical request. */
static void start(struct pctl_msg *msg, struct pctl_error *err)
{
	memset(msg, 0, offsetof(struct pctl_msg, options));
	clear_error(err);
}

/* ---- Structure ----------------------------------------------------------- */

/* The common header (W-2, W-3), as far as len allows (len >= 2). */
static void get_header(const uint8_t *buf, size_t len, struct pctl_msg *msg)
{
	msg->version = buf[PCTL_OFF_VERSION];
	msg->response = (buf[PCTL_OFF_OPCODE] & PCTL_R_BIT) != 0;
	msg->opcode = buf[PCTL_OFF_OPCODE] & PCTL_OPCODE_MASK;
	/* Octet 3: the result of a response; in requests reserved, but RFC
	 * 7652 PA-Client messages reuse it, so it is kept as received. */
	if (len > PCTL_OFF_RESULT)
		msg->result = buf[PCTL_OFF_RESULT];
	if (len >= PCTL_OFF_LIFETIME + 4)
		msg->lifetime = pctl_get32(buf + PCTL_OFF_LIFETIME);
	if (msg->response) {
		if (len >= PCTL_OFF_EPOCH + 4)
			msg->epoch = pctl_get32(buf + PCTL_OFF_EPOCH);
		if (len >= PCTL_HDR_LEN)
			memcpy(msg->reserved96, buf + PCTL_OFF_RESERVED96,
			       PCTL_RESERVED96_LEN);
	} else if (len >= PCTL_HDR_LEN) {
		memcpy(msg->client_addr.b, buf + PCTL_OFF_CLIENT, 16);
	}
}

/* MAP (W-5) and PEER (W-6) fields; the caller checked the length.  Reserved
 * octets 37..39 and 62..63 are ignored on receipt. */
static void get_map_peer(const uint8_t *buf, struct pctl_msg *msg)
{
	memcpy(msg->nonce, buf + PCTL_OFF_NONCE, PCTL_NONCE_LEN);
	msg->protocol = buf[PCTL_OFF_PROTOCOL];
	msg->internal_port = pctl_get16(buf + PCTL_OFF_INTERNAL_PORT);
	msg->external_port = pctl_get16(buf + PCTL_OFF_EXTERNAL_PORT);
	memcpy(msg->external_addr.b, buf + PCTL_OFF_EXTERNAL_ADDR, 16);
	if (msg->opcode != PCTL_OP_PEER)
		return;
	msg->remote_port = pctl_get16(buf + PCTL_OFF_REMOTE_PORT);
	memcpy(msg->remote_addr.b, buf + PCTL_OFF_REMOTE_ADDR, 16);
}

/* What is wrong with the length of a message whose version was accepted and
 * that holds the 24-octet header (S-8, C-33). */
enum len_fault {
	LEN_OK,
	LEN_TOO_LONG,  /* > 1100 (K-5) */
	LEN_UNALIGNED, /* not a multiple of 4 (K-7) */
	LEN_SHORT,     /* shorter than the opcode's fixed fields */
};

static enum len_fault length_fault(size_t len, uint8_t opcode, size_t *offset)
{
	int body = pctl_pcp_body_len(opcode);

	if (len > PCTL_MAX_MSG) {
		*offset = PCTL_MAX_MSG; /* the first octet past the limit */
		return LEN_TOO_LONG;
	}
	if (len % 4 != 0) {
		*offset = len & ~(size_t)3u; /* start of the partial word */
		return LEN_UNALIGNED;
	}
	if (body > 0 && len < PCTL_HDR_LEN + (size_t)body) {
		*offset = len; /* where the opcode's fields are cut off */
		return LEN_SHORT;
	}
	return LEN_OK;
}

/* Request-side option state (see check_request_option). */
struct req_state {
	bool seen[256];
	const struct pctl_option *third_party_id;
};

static enum pctl_verdict check_request_option(struct pctl_msg *msg,
                                              const struct pctl_option *o,
                                              struct req_state *st,
                                              struct pctl_error *err);

/* Reads the options from off to len, in order (S-18), into msg->options.
 * With st, each one is judged by the request rules as soon as it is read,
 * so the first faulty option decides the result.  A header or data that
 * runs past the end is a structural fault (S-19).  The loop is bounded:
 * each round consumes at least 4 octets and len <= PCTL_MAX_MSG. */
static enum pctl_verdict walk_options(const uint8_t *buf, size_t len,
                                      size_t off, struct pctl_msg *msg,
                                      struct req_state *st,
                                      struct pctl_error *err)
{
	while (off < len) {
		/* After S-8 both len and off are multiples of 4, so a header
		 * always fits; the test guards the read, not a known case. */
		if (len - off < PCTL_OPT_HDR_LEN)
			return fail(err, PCTL_V_ERROR, PCTL_R_MALFORMED_OPTION,
			            off,
			            "S-19: option header runs past the end of "
			            "the message");
		uint16_t olen = pctl_get16(buf + off + 2);
		if (olen > len - off - PCTL_OPT_HDR_LEN)
			return fail(err, PCTL_V_ERROR, PCTL_R_MALFORMED_OPTION,
			            off + 2,
			            "S-19: option length runs past the end of "
			            "the message");
		/* Cannot trigger while len <= PCTL_MAX_MSG (the list holds
		 * one option per 4 octets after the header); kept so that the
		 * array bound never rests on a caller's length check. */
		if (msg->n_options >= PCTL_MAX_OPTIONS)
			return fail(
			    err, PCTL_V_ERROR, PCTL_R_MALFORMED_REQUEST, off,
			    "S-8: more options than fit in 1100 octets");
		struct pctl_option *o = &msg->options[msg->n_options++];
		o->code = buf[off]; /* octet 1 is reserved: ignored (W-7) */
		o->len = olen;
		o->offset = (uint16_t)off;
		o->data = olen ? buf + off + PCTL_OPT_HDR_LEN : NULL;
		/* W-7.1: the padding is skipped whatever it holds. */
		size_t wire = pctl_option_wire_len(olen);
		off = wire > len - off ? len : off + wire;
		if (st) {
			enum pctl_verdict v =
			    check_request_option(msg, o, st, err);
			if (v != PCTL_V_OK)
				return v;
		}
	}
	return PCTL_V_OK;
}

/* ---- Request option rules (S-18..S-23, W-9, X-1..X-4) -------------------- */

/* How a request of an opcode treats a known option (W-9). */
enum opt_use {
	OPT_USE,    /* processed: occurrence and contents are checked */
	OPT_IGNORE, /* optional-range, not valid here: kept, ignored (S-21) */
	OPT_REJECT, /* MUST NOT appear with this opcode: MALFORMED_REQUEST */
};

static bool option_known(uint8_t code)
{
	return code == PCTL_OPT_THIRD_PARTY ||
	       code == PCTL_OPT_PREFER_FAILURE || code == PCTL_OPT_FILTER ||
	       code == PCTL_OPT_THIRD_PARTY_ID ||
	       code == PCTL_OPT_DESCRIPTION || code == PCTL_OPT_PREFIX64 ||
	       code == PCTL_OPT_PORT_SET;
}

static enum opt_use option_use(uint8_t opcode, uint8_t code)
{
	if (opcode == PCTL_OP_MAP)
		return OPT_USE;
	if (opcode == PCTL_OP_PEER) {
		switch (code) {
		case PCTL_OPT_PREFER_FAILURE: /* S-63 */
		case PCTL_OPT_FILTER:         /* S-23 impl-choice */
			return OPT_REJECT;
		case PCTL_OPT_PREFIX64: /* RFC 7225: MAP, ANNOUNCE */
		case PCTL_OPT_PORT_SET: /* RFC 7753: MAP only */
			return OPT_IGNORE;
		default:
			return OPT_USE;
		}
	}
	/* ANNOUNCE: only PREFIX64 is defined for it (W-4.3, X-2); the rest
	 * are rejected like FILTER/PREFER_FAILURE elsewhere (S-23). */
	return code == PCTL_OPT_PREFIX64 ? OPT_USE : OPT_REJECT;
}

/* W-9 "max per message" of 1 in a request (FILTER may repeat). */
static bool single_occurrence(uint8_t code)
{
	return code != PCTL_OPT_FILTER;
}

static enum pctl_verdict reject_for_opcode(const struct pctl_msg *msg,
                                           const struct pctl_option *o,
                                           struct pctl_error *err)
{
	const char *rule;

	if (msg->opcode == PCTL_OP_PEER && o->code == PCTL_OPT_PREFER_FAILURE)
		rule = "S-63: PREFER_FAILURE is not allowed in PEER";
	else if (msg->opcode == PCTL_OP_PEER)
		rule = "S-23: FILTER is valid only with MAP";
	else
		rule = "S-23: option not valid with ANNOUNCE";
	return fail(err, PCTL_V_ERROR, PCTL_R_MALFORMED_REQUEST, o->offset,
	            rule);
}

static enum pctl_verdict malformed_option(const struct pctl_option *o,
                                          size_t field, const char *rule,
                                          struct pctl_error *err)
{
	return fail(err, PCTL_V_ERROR, PCTL_R_MALFORMED_OPTION,
	            (size_t)o->offset + field, rule);
}

/* Offsets inside an option: its length field, its data. */
#define OPT_LEN_FIELD 2
#define OPT_DATA      PCTL_OPT_HDR_LEN

static enum pctl_verdict check_third_party(const struct pctl_msg *msg,
                                           const struct pctl_option *o,
                                           struct pctl_error *err)
{
	pctl_addr a;

	if (pctl_third_party_parse(o, &a) != PCTL_R_SUCCESS)
		return malformed_option(o, OPT_LEN_FIELD,
		                        "S-21: THIRD_PARTY data must be 16 "
		                        "octets",
		                        err);
	/* S-71; after S-9 the client address field equals the source. */
	if (pctl_addr_equal(&a, &msg->client_addr))
		return fail(err, PCTL_V_ERROR, PCTL_R_MALFORMED_REQUEST,
		            (size_t)o->offset + OPT_DATA,
		            "S-71: THIRD_PARTY address equals the source "
		            "address");
	return PCTL_V_OK;
}

static enum pctl_verdict check_prefer_failure(const struct pctl_msg *msg,
                                              const struct pctl_option *o,
                                              const struct req_state *st,
                                              struct pctl_error *err)
{
	if (o->len != 0)
		return malformed_option(o, OPT_LEN_FIELD,
		                        "S-21: PREFER_FAILURE carries no data",
		                        err);
	if (msg->lifetime == 0)
		return malformed_option(o, 0,
		                        "S-78: PREFER_FAILURE with requested "
		                        "lifetime 0",
		                        err);
	if (msg->external_port == 0)
		return malformed_option(o, 0,
		                        "S-77: PREFER_FAILURE with suggested "
		                        "external port 0",
		                        err);
	if (st->seen[PCTL_OPT_PORT_SET])
		return malformed_option(o, 0,
		                        "X-3.2: PREFER_FAILURE together with "
		                        "PORT_SET",
		                        err);
	return PCTL_V_OK;
}

static enum pctl_verdict check_filter(const struct pctl_msg *msg,
                                      const struct pctl_option *o,
                                      struct pctl_error *err)
{
	struct pctl_filter f;

	if (o->len != PCTL_FILTER_LEN)
		return malformed_option(o, OPT_LEN_FIELD,
		                        "S-21: FILTER data must be 20 octets",
		                        err);
	if (pctl_filter_parse(o, &f) != PCTL_R_SUCCESS)
		return malformed_option(o, OPT_DATA + 1,
		                        "S-81: FILTER prefix length out of "
		                        "range for the address family",
		                        err);
	if (msg->lifetime == 0)
		return malformed_option(
		    o, 0, "S-84: FILTER with requested lifetime 0", err);
	return PCTL_V_OK;
}

/* RFC 7753 section 4.2 applies its checks to requests with a
 * non-zero lifetime only; a delete carrying PORT_SET is not judged. */
static enum pctl_verdict check_port_set(const struct pctl_msg *msg,
                                        const struct pctl_option *o,
                                        const struct req_state *st,
                                        struct pctl_error *err)
{
	struct pctl_port_set ps;

	/* X-3.2 (decision): a length other than 5 cannot be read as a port
	 * set: MALFORMED_OPTION, whatever the lifetime. */
	if (o->len != PCTL_PORT_SET_LEN)
		return malformed_option(o, OPT_LEN_FIELD,
		                        "X-3.2: PORT_SET data must be 5 octets",
		                        err);
	if (msg->lifetime == 0)
		return PCTL_V_OK;
	if (pctl_port_set_parse(o, &ps) != PCTL_R_SUCCESS)
		return malformed_option(o, OPT_DATA, "X-3.2: PORT_SET size 0",
		                        err);
	if (st->seen[PCTL_OPT_PREFER_FAILURE])
		return malformed_option(o, 0,
		                        "X-3.2: PORT_SET together with "
		                        "PREFER_FAILURE",
		                        err);
	return PCTL_V_OK;
}

static enum pctl_verdict check_contents(const struct pctl_msg *msg,
                                        const struct pctl_option *o,
                                        struct req_state *st,
                                        struct pctl_error *err)
{
	struct pctl_prefix64 p64;

	switch (o->code) {
	case PCTL_OPT_THIRD_PARTY:
		return check_third_party(msg, o, err);
	case PCTL_OPT_PREFER_FAILURE:
		return check_prefer_failure(msg, o, st, err);
	case PCTL_OPT_FILTER:
		return check_filter(msg, o, err);
	case PCTL_OPT_PORT_SET:
		return check_port_set(msg, o, st, err);
	case PCTL_OPT_THIRD_PARTY_ID:
		/* an identifier has at least one octet, and at most
		 * what fits in a PEER message (W-11.1). */
		if (o->len == 0 || o->len > PCTL_OPT_MAX_DATA)
			return malformed_option(o, OPT_LEN_FIELD,
			                        "X-4.1: THIRD_PARTY_ID length "
			                        "must be 1..1016",
			                        err);
		st->third_party_id = o;
		return PCTL_V_OK;
	case PCTL_OPT_DESCRIPTION:
		/* X-1 (decision): RFC 7220 caps the length at 1016 (W-11.1);
		 * a longer one is malformed.  Invalid UTF-8 is kept:
		 * the server ignores such a description, the request stands. */
		if (o->len > PCTL_OPT_MAX_DATA)
			return malformed_option(o, OPT_LEN_FIELD,
			                        "X-1: DESCRIPTION longer than "
			                        "1016 octets",
			                        err);
		return PCTL_V_OK;
	default: /* PCTL_OPT_PREFIX64 */
		/* X-2.1 (decision): a request's PREFIX64 only asks for the
		 * server's prefix, so a well-formed one is accepted whatever
		 * prefix it holds, but one whose structure cannot be read
		 * (bad Prefix64 Length, length/count disagreement) is
		 * MALFORMED_OPTION like any understood option (S-19). */
		if (pctl_prefix64_parse(o, &p64) != PCTL_R_SUCCESS)
			return malformed_option(
			    o, OPT_DATA,
			    "X-2.1: PREFIX64 data cannot be "
			    "parsed",
			    err);
		return PCTL_V_OK;
	}
}

static enum pctl_verdict check_request_option(struct pctl_msg *msg,
                                              const struct pctl_option *o,
                                              struct req_state *st,
                                              struct pctl_error *err)
{
	if (!option_known(o->code)) {
		/* S-21, W-7.2: unknown mandatory-range (0..127, RFC 7652's
		 * 4..12 included) must be refused; optional-range is kept
		 * for the caller to ignore (and leave out of its answer). */
		if (o->code < 128)
			return fail(err, PCTL_V_ERROR, PCTL_R_UNSUPP_OPTION,
			            o->offset,
			            "S-21: mandatory option not supported");
		return PCTL_V_OK;
	}
	switch (option_use(msg->opcode, o->code)) {
	case OPT_REJECT:
		return reject_for_opcode(msg, o, err);
	case OPT_IGNORE:
		return PCTL_V_OK;
	case OPT_USE:
		break;
	}
	if (single_occurrence(o->code) && st->seen[o->code])
		return malformed_option(o, 0,
		                        o->code == PCTL_OPT_PORT_SET
		                            ? "X-3.2: PORT_SET appears more "
		                              "than once"
		                            : "S-20: single-occurrence option "
		                              "appears more than once",
		                        err);
	st->seen[o->code] = true;
	return check_contents(msg, o, st, err);
}

/* ---- Server: requests -----------------------------------------------------
 */

static enum pctl_verdict check_fixed_fields(const struct pctl_msg *msg,
                                            struct pctl_error *err)
{
	if (msg->opcode == PCTL_OP_MAP) {
		/* S-32 / W-5.1: "all protocols" has no port. */
		if (msg->protocol == 0 && msg->internal_port != 0)
			return fail(err, PCTL_V_ERROR, PCTL_R_MALFORMED_REQUEST,
			            PCTL_OFF_INTERNAL_PORT,
			            "S-32: MAP protocol 0 with a non-zero "
			            "internal port");
		return PCTL_V_OK;
	}
	if (msg->opcode != PCTL_OP_PEER)
		return PCTL_V_OK;
	/* S-62 (impl-choice): PEER names one flow, so none may be 0. */
	if (msg->protocol == 0)
		return fail(err, PCTL_V_ERROR, PCTL_R_MALFORMED_REQUEST,
		            PCTL_OFF_PROTOCOL, "S-62: PEER protocol is 0");
	if (msg->internal_port == 0)
		return fail(err, PCTL_V_ERROR, PCTL_R_MALFORMED_REQUEST,
		            PCTL_OFF_INTERNAL_PORT,
		            "S-62: PEER internal port is 0");
	if (msg->remote_port == 0)
		return fail(err, PCTL_V_ERROR, PCTL_R_MALFORMED_REQUEST,
		            PCTL_OFF_REMOTE_PORT,
		            "S-62: PEER remote peer port is 0");
	return PCTL_V_OK;
}

static const char *const len_rules[] = {
    [LEN_TOO_LONG] = "S-8: message longer than 1100 octets",
    [LEN_UNALIGNED] = "S-8: message length not a multiple of 4",
    [LEN_SHORT] = "S-8: message too short for its opcode",
};

/* What the server adds to the structural decoding of pctl_decode. */
struct server_ctx {
	const pctl_addr *src;
	struct req_state st;
};

/* The receive path of RFC 6887 section 8.2, in its order.  With srv it is
 * the server's (drops, the source check, the opcode and option rules);
 * without it only the structure is judged and every fault is PCTL_V_ERROR,
 * which is what a tool showing any datagram wants. */
static enum pctl_verdict decode_v2(const uint8_t *buf, size_t len,
                                   struct pctl_msg *msg, struct pctl_error *err,
                                   struct server_ctx *srv)
{
	enum pctl_verdict drop = srv ? PCTL_V_DROP : PCTL_V_ERROR;

	if (len < 2 || !buf)
		return fail(err, drop, 0, 0, "S-3: fewer than 2 octets");
	get_header(buf, len, msg);
	if (srv && msg->response)
		return fail(err, PCTL_V_DROP, 0, PCTL_OFF_OPCODE,
		            "S-4: R bit set in a request");
	/* S-5.2: before the 24-octet test, so 2-octet NAT-PMP requests get
	 * an answer too. */
	if (msg->version == PCTL_NATPMP_VERSION)
		return fail(err, PCTL_V_NATPMP, 0, PCTL_OFF_VERSION,
		            "S-5.3: version 0 is NAT-PMP");
	if (msg->version != PCTL_VERSION)
		return fail(err, PCTL_V_ERROR, PCTL_R_UNSUPP_VERSION,
		            PCTL_OFF_VERSION, "S-5: unsupported version");
	if (len < PCTL_HDR_LEN)
		return fail(err, drop, 0, len,
		            "S-6: shorter than the 24-octet header");

	size_t off = 0;
	enum len_fault lf = length_fault(len, msg->opcode, &off);
	if (lf != LEN_OK)
		return fail(err, PCTL_V_ERROR, PCTL_R_MALFORMED_REQUEST, off,
		            len_rules[lf]);
	if (srv && srv->src && !pctl_addr_equal(srv->src, &msg->client_addr))
		return fail(err, PCTL_V_ERROR, PCTL_R_ADDRESS_MISMATCH,
		            PCTL_OFF_CLIENT,
		            "S-9: client address differs from the source");

	int body = pctl_pcp_body_len(msg->opcode);
	if (body < 0) {
		msg->opaque = buf + PCTL_HDR_LEN;
		msg->opaque_len = len - PCTL_HDR_LEN;
		if (!srv)
			return PCTL_V_OK;
		return fail(err, PCTL_V_ERROR, PCTL_R_UNSUPP_OPCODE,
		            PCTL_OFF_OPCODE, "S-10: unsupported opcode");
	}
	if (body > 0)
		get_map_peer(buf, msg);
	if (!srv)
		return walk_options(buf, len, PCTL_HDR_LEN + (size_t)body, msg,
		                    NULL, err);

	enum pctl_verdict v = check_fixed_fields(msg, err);
	if (v != PCTL_V_OK)
		return v;
	v = walk_options(buf, len, PCTL_HDR_LEN + (size_t)body, msg, &srv->st,
	                 err);
	if (v != PCTL_V_OK)
		return v;
	/* RFC 7843 section 5.2, wherever THIRD_PARTY_ID stands. */
	if (srv->st.third_party_id && !srv->st.seen[PCTL_OPT_THIRD_PARTY])
		return fail(err, PCTL_V_ERROR,
		            PCTL_R_THIRD_PARTY_MISSING_OPTION,
		            srv->st.third_party_id->offset,
		            "X-4.1: THIRD_PARTY_ID without THIRD_PARTY");
	return PCTL_V_OK;
}

enum pctl_verdict pctl_request_decode(const uint8_t *buf, size_t len,
                                      const pctl_addr *src,
                                      struct pctl_msg *msg,
                                      struct pctl_error *err)
{
	struct pctl_error scratch;
	struct server_ctx srv;

	if (!err)
		err = &scratch;
	start(msg, err);
	memset(&srv, 0, sizeof(srv));
	srv.src = src;
	return decode_v2(buf, len, msg, err, &srv);
}

enum pctl_verdict pctl_decode(const uint8_t *buf, size_t len,
                              struct pctl_msg *msg, struct pctl_error *err)
{
	struct pctl_error scratch;

	if (!err)
		err = &scratch;
	start(msg, err);
	return decode_v2(buf, len, msg, err, NULL);
}

/* ---- Client: responses ----------------------------------------------------
 */

static const char *const response_len_rules[] = {
    [LEN_TOO_LONG] = "C-33: response longer than 1100 octets",
    [LEN_UNALIGNED] = "C-33: response length not a multiple of 4",
    [LEN_SHORT] = "C-33: response too short for its opcode",
};

enum pctl_verdict pctl_response_decode(const uint8_t *buf, size_t len,
                                       struct pctl_msg *msg,
                                       struct pctl_error *err)
{
	struct pctl_error scratch;
	if (!err)
		err = &scratch;
	start(msg, err);

	if (len < 4 || !buf)
		return fail(err, PCTL_V_DROP, 0, 0,
		            "C-31: response shorter than 4 octets");
	get_header(buf, len, msg);
	if (!msg->response)
		return fail(err, PCTL_V_DROP, 0, PCTL_OFF_OPCODE,
		            "C-31: R bit clear: not a response");

	size_t off = 0;
	enum len_fault lf = LEN_OK;
	if (len >= PCTL_HDR_LEN)
		lf = length_fault(len, msg->opcode, &off);
	/* C-32, C-50: an UNSUPP_VERSION answer is for the caller to
	 * negotiate, whatever its version and length (a NAT-PMP server's is
	 * 8 octets); only the header it carries is decoded. */
	if (msg->result == PCTL_R_UNSUPP_VERSION &&
	    (msg->version != PCTL_VERSION || len < PCTL_HDR_LEN ||
	     lf != LEN_OK))
		return PCTL_V_OK;
	if (msg->version != PCTL_VERSION)
		return fail(err, PCTL_V_DROP, 0, PCTL_OFF_VERSION,
		            "C-50: response version is not 2");
	if (len < PCTL_HDR_LEN)
		return fail(err, PCTL_V_DROP, 0, len,
		            "C-33: response shorter than 24 octets");
	if (lf != LEN_OK)
		return fail(err, PCTL_V_DROP, 0, off, response_len_rules[lf]);

	int body = pctl_pcp_body_len(msg->opcode);
	if (body < 0) {
		msg->opaque = buf + PCTL_HDR_LEN;
		msg->opaque_len = len - PCTL_HDR_LEN;
		return PCTL_V_OK;
	}
	if (body > 0)
		get_map_peer(buf, msg);
	/* C-38: unknown options of any range are kept, never fatal.  Options
	 * whose structure is broken make a success response unusable; an
	 * error response echoes the request (S-12), possibly the very option
	 * it complains about, so its result is still delivered with the
	 * options read before the fault. */
	enum pctl_verdict v =
	    walk_options(buf, len, PCTL_HDR_LEN + (size_t)body, msg, NULL, err);
	if (v == PCTL_V_OK || msg->result != PCTL_R_SUCCESS) {
		clear_error(err);
		return PCTL_V_OK;
	}
	return fail(err, PCTL_V_DROP, 0, err->offset,
	            "C-38: success response with unparsable options");
}

/*
 * portctl/wire.h - the PCP (RFC 6887) and NAT-PMP (RFC 6886) wire codec.
 *
 * Pure functions: bytes in, a typed message (or the exact verdict a receiver
 * must reach) out; a typed message in, bytes out.  Nothing here allocates,
 * reads a clock, touches a socket or keeps global state, so every function is
 * safe to call from any thread on distinct arguments.
 *
 * Decoded messages never own memory: option data and opaque payloads point
 * into the buffer that was decoded, which must outlive the message.
 *
 * Checklist IDs (W-, R-, S-, C-, N-, X-) refer to docs/checklist.md
 * and are repeated in the implementation next to the rule they enforce.
 *
 * All public names start with pctl_ / PCTL_.
 *
 * Return values follow one convention in the whole library (libportctl(3),
 * RETURN VALUE): a call that can fail returns -1 (a pointer: NULL) and sets
 * errno; success is 0 or a non-negative value.  Predicates return bool, the
 * encoders the length written (0: it does not fit).  What a decoder finds
 * in the bytes is not a failure of the call: it comes back typed, as an
 * enum pctl_verdict or an enum pctl_result (the answer a server owes).
 */
#ifndef PORTCTL_WIRE_H
#define PORTCTL_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef PCTL_API
#define PCTL_API __attribute__((visibility("default")))
#endif

struct sockaddr;
struct sockaddr_storage;

/* ---- Constants (checklist section 1) ------------------------------------ */

#define PCTL_VERSION         2    /* K-1 */
#define PCTL_NATPMP_VERSION  0    /* K-1 */
#define PCTL_SERVER_PORT     5351 /* K-2 */
#define PCTL_CLIENT_PORT     5350 /* K-3 */
#define PCTL_MAX_MSG         1100 /* K-5 */
#define PCTL_HDR_LEN         24   /* K-6, K-8 */
#define PCTL_MAP_LEN         60   /* K-9 */
#define PCTL_PEER_LEN        80   /* K-10 */
#define PCTL_OPT_HDR_LEN     4    /* W-7 */
#define PCTL_OPT_MAX_DATA    1016 /* W-11.1 */
#define PCTL_NONCE_LEN       12
#define PCTL_LIFETIME_STATIC 0xffffffffu /* K-17 */
/* Most options a message of PCTL_MAX_MSG octets can carry (4 octets each). */
#define PCTL_MAX_OPTIONS ((PCTL_MAX_MSG - PCTL_HDR_LEN) / PCTL_OPT_HDR_LEN)
/* Text buffer large enough for any address pctl_addr_to_str() writes. */
#define PCTL_ADDRSTRLEN 46

/* Opcodes (W-10.1). */
enum pctl_opcode {
	PCTL_OP_ANNOUNCE = 0,
	PCTL_OP_MAP = 1,
	PCTL_OP_PEER = 2,
	PCTL_OP_AUTHENTICATION =
	    3, /* RFC 7652; not implemented: UNSUPP_OPCODE */
};

/* Result codes (section 3, W-10.2). */
enum pctl_result {
	PCTL_R_SUCCESS = 0,
	PCTL_R_UNSUPP_VERSION = 1,
	PCTL_R_NOT_AUTHORIZED = 2,
	PCTL_R_MALFORMED_REQUEST = 3,
	PCTL_R_UNSUPP_OPCODE = 4,
	PCTL_R_UNSUPP_OPTION = 5,
	PCTL_R_MALFORMED_OPTION = 6,
	PCTL_R_NETWORK_FAILURE = 7,
	PCTL_R_NO_RESOURCES = 8,
	PCTL_R_UNSUPP_PROTOCOL = 9,
	PCTL_R_USER_EX_QUOTA = 10,
	PCTL_R_CANNOT_PROVIDE_EXTERNAL = 11,
	PCTL_R_ADDRESS_MISMATCH = 12,
	PCTL_R_EXCESSIVE_REMOTE_PEERS = 13,
	/* 14..23: RFC 7652 authentication (named by pctl_result_name only). */
	PCTL_R_THIRD_PARTY_ID_UNKNOWN = 24,
	PCTL_R_THIRD_PARTY_MISSING_OPTION = 25,
	PCTL_R_UNSUPP_THIRD_PARTY_ID_LENGTH = 26,
};

/* Option codes (W-8, W-10.3).  Codes 0-127 are mandatory-to-process. */
enum pctl_option_code {
	PCTL_OPT_THIRD_PARTY = 1,
	PCTL_OPT_PREFER_FAILURE = 2,
	PCTL_OPT_FILTER = 3,
	PCTL_OPT_NONCE = 4, /* RFC 7652, codes 4..12: not implemented */
	PCTL_OPT_AUTHENTICATION_TAG = 5,
	PCTL_OPT_PA_AUTHENTICATION_TAG = 6,
	PCTL_OPT_EAP_PAYLOAD = 7,
	PCTL_OPT_PRF = 8,
	PCTL_OPT_MAC_ALGORITHM = 9,
	PCTL_OPT_SESSION_LIFETIME = 10,
	PCTL_OPT_RECEIVED_PAK = 11,
	PCTL_OPT_ID_INDICATOR = 12,
	PCTL_OPT_THIRD_PARTY_ID = 13,
	PCTL_OPT_DESCRIPTION = 128,
	PCTL_OPT_PREFIX64 = 129,
	PCTL_OPT_PORT_SET = 130,
};

/* How long an error lasts (R- classes, section 7.4 of RFC 6887). */
enum pctl_error_class {
	PCTL_ERR_NONE = 0,  /* SUCCESS */
	PCTL_ERR_SHORT = 1, /* K-13: 30 s recommended */
	PCTL_ERR_LONG = 2,  /* K-14: 1800 s recommended */
};
#define PCTL_SHORT_ERROR_LIFETIME 30u
#define PCTL_LONG_ERROR_LIFETIME  1800u

/* ---- Addresses (W-1) ----------------------------------------------------- */

/* A 128-bit PCP address field, exactly as on the wire.  IPv4 addresses are
 * held in IPv4-mapped form ::ffff:a.b.c.d (W-1.2). */
typedef struct pctl_addr {
	uint8_t b[16];
} pctl_addr;

/* True when the first 96 bits are 0...0ffff (W-1.3: all 96 bits checked). */
PCTL_API bool pctl_addr_is_v4(const pctl_addr *a);
/* True for either all-zeros form: :: (W-1.4) or ::ffff:0.0.0.0 (W-1.5). */
PCTL_API bool pctl_addr_is_any(const pctl_addr *a);
PCTL_API bool pctl_addr_equal(const pctl_addr *a, const pctl_addr *b);
/* The all-zeros address of a family: v4 ? ::ffff:0.0.0.0 : :: */
PCTL_API void pctl_addr_set_any(pctl_addr *a, bool v4);
/* v4 points at 4 octets in network order. */
PCTL_API void pctl_addr_from_v4(pctl_addr *a, const uint8_t v4[4]);
/* Copies the IPv4 octets out; returns false if a is not IPv4-mapped. */
PCTL_API bool pctl_addr_to_v4(const pctl_addr *a, uint8_t v4[4]);
/* From AF_INET or AF_INET6 (a v4-mapped IPv6 sockaddr stays v4-mapped).
 * port (host order) may be NULL.  Returns 0, or -1 with errno EAFNOSUPPORT
 * for another family (EINVAL for NULL). */
PCTL_API int pctl_addr_from_sockaddr(pctl_addr *a, uint16_t *port,
                                     const struct sockaddr *sa);
/* To AF_INET when a is IPv4-mapped, else AF_INET6.  Returns the length of
 * the sockaddr written. */
PCTL_API size_t pctl_addr_to_sockaddr(const pctl_addr *a, uint16_t port,
                                      struct sockaddr_storage *ss);
/* Text: dotted quad for IPv4-mapped, RFC 5952 form otherwise.  Returns buf. */
PCTL_API const char *pctl_addr_to_str(const pctl_addr *a, char *buf,
                                      size_t len);
/* Parses dotted quad (stored v4-mapped) or IPv6 text.  Returns 0, or -1
 * with errno EINVAL (*a is then unchanged). */
PCTL_API int pctl_addr_from_str(pctl_addr *a, const char *s);

/* ---- Decoded messages ---------------------------------------------------- */

/* One option as found on the wire (W-7).  data points into the decoded
 * buffer (NULL when len is 0).  Unknown options are kept like known ones so
 * that a server can apply the mandatory/optional rule and echo or drop
 * them. */
struct pctl_option {
	uint8_t code;
	uint16_t len;    /* Option Length: data octets, excluding padding */
	uint16_t offset; /* of the option header in the message */
	const uint8_t *data;
};

/* A PCP message, request or response, of any opcode.  Fields that the
 * opcode does not carry are zero.  Ports are in host order, addresses as on
 * the wire. */
struct pctl_msg {
	uint8_t version;   /* octet 0 */
	bool response;     /* R bit (octet 1, bit 7) */
	uint8_t opcode;    /* octet 1, bits 6..0 */
	uint8_t result;    /* octet 3: result code (responses; requests: 0,
	                      RFC 7652 reuses it) */
	uint32_t lifetime; /* requested (request) or granted / error (resp) */
	uint32_t epoch;    /* responses */
	pctl_addr client_addr;  /* requests: PCP Client's IP Address */
	uint8_t reserved96[12]; /* responses: octets 12..23 as received */

	/* MAP (W-5) and PEER (W-6) */
	uint8_t nonce[PCTL_NONCE_LEN];
	uint8_t protocol;
	uint16_t internal_port;
	uint16_t external_port;  /* suggested (request) / assigned (response) */
	pctl_addr external_addr; /* suggested (request) / assigned (response) */
	/* PEER only */
	uint16_t remote_port;
	pctl_addr remote_addr;

	/* Opcodes this codec does not know: everything after the common header,
	 * uninterpreted (S-10).  Options are not parsed for them. */
	const uint8_t *opaque;
	size_t opaque_len;

	size_t n_options;
	struct pctl_option options[PCTL_MAX_OPTIONS];
};

/* The verdict a receiver reaches on a datagram. */
enum pctl_verdict {
	PCTL_V_OK = 0, /* well-formed: act on the message */
	PCTL_V_DROP,   /* silently drop (S-3, S-4, S-6; C-31, C-33) */
	PCTL_V_ERROR,  /* server: answer with error.result (S-5..S-10, ...) */
	PCTL_V_NATPMP, /* octet 0 is 0: a NAT-PMP datagram (App. A, N-21) */
};

/* Why a datagram was not accepted: the result code a server must answer with
 * (0 when it is dropped), the byte offset of the offending field, and the
 * rule, a static string that starts with the checklist ID, such as
 * "S-19: option length runs past the end of the message". */
struct pctl_error {
	enum pctl_verdict verdict;
	uint8_t result;
	size_t offset;
	const char *rule;
};

/* Server side: validate and decode a request that arrived from src (the IP
 * source address of the datagram; NULL skips the ADDRESS_MISMATCH check S-9).
 * Applies, in the RFC's order, S-3..S-10, then the opcode's fixed-field rules
 * (S-32 protocol 0 with a port, S-62 PEER zero fields), then every option in
 * order of appearance (S-18..S-23, W-7..W-9, X-3.2, X-4.1's missing
 * THIRD_PARTY, S-71 THIRD_PARTY equal to the source, S-77, S-78, S-84).
 * Mandatory options this codec does not implement (RFC 7652's 4..12, and
 * unassigned codes) yield UNSUPP_OPTION; unknown optional ones are kept in
 * msg->options for the caller to ignore.
 * Returns err->verdict; msg is filled as far as decoding got. */
PCTL_API enum pctl_verdict pctl_request_decode(const uint8_t *buf, size_t len,
                                               const pctl_addr *src,
                                               struct pctl_msg *msg,
                                               struct pctl_error *err);

/* Client side: validate and decode a response (C-31..C-33, C-38): drops runts,
 * requests (R bit clear), bad lengths; returns PCTL_V_OK for UNSUPP_VERSION
 * responses of any version so that the caller can negotiate (C-32, C-50).
 * Option structure is checked; unknown options are kept, never fatal. */
PCTL_API enum pctl_verdict pctl_response_decode(const uint8_t *buf, size_t len,
                                                struct pctl_msg *msg,
                                                struct pctl_error *err);

/* Tools: decode any PCP datagram, request or response, as far as its bytes
 * allow, without server or client policy (used by `portctl decode`).  On a
 * structural fault returns PCTL_V_ERROR with offset and rule set. */
PCTL_API enum pctl_verdict pctl_decode(const uint8_t *buf, size_t len,
                                       struct pctl_msg *msg,
                                       struct pctl_error *err);

/* Encode msg (request or response per msg->response) into buf: header,
 * opcode data, then msg->options in order, each zero-padded (W-7.1).
 * Reserved fields are written as zero (W-2, W-3 for a parsed request).
 * Returns the length written, or 0 if it would exceed cap or PCTL_MAX_MSG,
 * or an option is longer than PCTL_OPT_MAX_DATA. */
PCTL_API size_t pctl_encode(const struct pctl_msg *msg, uint8_t *buf,
                            size_t cap);

/* Server error response (S-12, S-13, S-5.2): a copy of the request (its first
 * PCTL_MAX_MSG octets), zero-padded to a multiple of 4 and to at least 24
 * octets, with version 2, the R bit, reserved octet 2 cleared, result,
 * lifetime and epoch set.  Octets 12..23 are zeroed unless the request was
 * not successfully parsed (UNSUPP_VERSION, MALFORMED_REQUEST, UNSUPP_OPCODE,
 * MALFORMED_OPTION).  out must hold PCTL_MAX_MSG octets.  Returns its
 * length. */
PCTL_API size_t pctl_error_response(const uint8_t *req, size_t len,
                                    uint8_t result, uint32_t lifetime,
                                    uint32_t epoch, uint8_t *out);

/* First option of a code, or NULL. */
PCTL_API const struct pctl_option *pctl_msg_option(const struct pctl_msg *m,
                                                   uint8_t code);
/* Appends an option (data is referenced, not copied).  Returns 0, or -1 with
 * errno ENOSPC when the list is full, EINVAL when len exceeds
 * PCTL_OPT_MAX_DATA or data is NULL with a length. */
PCTL_API int pctl_msg_add_option(struct pctl_msg *m, uint8_t code,
                                 const void *data, uint16_t len);
/* Octets an option occupies on the wire, padding included (W-7.1). */
PCTL_API size_t pctl_option_wire_len(uint16_t data_len);
/* The length msg would encode to (0 if it cannot be encoded). */
PCTL_API size_t pctl_encoded_len(const struct pctl_msg *msg);

/* ---- Typed options (W-8) -------------------------------------------------
 * *_parse() return PCTL_R_SUCCESS or the result code the data deserves
 * (PCTL_R_MALFORMED_OPTION): what the bytes say, not an error of the call;
 * *_pack() write the option data (no header). */

/* THIRD_PARTY (1): 16 octets, the internal address. */
PCTL_API enum pctl_result pctl_third_party_parse(const struct pctl_option *o,
                                                 pctl_addr *a);

/* FILTER (3): 20 octets.  prefix_len 0 means "remove all filters" (S-82);
 * otherwise 96..128 for IPv4-mapped addresses (96 = any IPv4 peer, valid per
 * RFC 6887's text; erratum 3891 would start at 97) and 1..128 for IPv6
 * (S-81). */
struct pctl_filter {
	uint8_t prefix_len;
	uint16_t port; /* 0 = all ports */
	pctl_addr addr;
};
#define PCTL_FILTER_LEN 20
PCTL_API enum pctl_result pctl_filter_parse(const struct pctl_option *o,
                                            struct pctl_filter *f);
PCTL_API void pctl_filter_pack(const struct pctl_filter *f,
                               uint8_t out[PCTL_FILTER_LEN]);
/* Does remote address/port r match filter f (the protocol is the MAP's)? */
PCTL_API bool pctl_filter_match(const struct pctl_filter *f, const pctl_addr *r,
                                uint16_t port);

/* PORT_SET (130, RFC 7753): 5 octets. */
struct pctl_port_set {
	uint16_t size; /* != 0 (X-3.1) */
	uint16_t first_internal_port;
	bool parity; /* P bit */
};
#define PCTL_PORT_SET_LEN 5
PCTL_API enum pctl_result pctl_port_set_parse(const struct pctl_option *o,
                                              struct pctl_port_set *ps);
PCTL_API void pctl_port_set_pack(const struct pctl_port_set *ps,
                                 uint8_t out[PCTL_PORT_SET_LEN]);

/* PREFIX64 (129, RFC 7225): Prefix64 Length in octets (4,5,6,7,8,12), the
 * prefix, the suffix (12 - length octets), then optionally an IPv4 prefix
 * list.  ipv4_list points at ipv4_count entries of 6 octets (16-bit prefix
 * length, IPv4 address) inside the option data. */
struct pctl_prefix64 {
	uint8_t prefix_len; /* octets */
	uint8_t prefix[12];
	uint8_t suffix[12];
	bool has_ipv4_list; /* the count field is present */
	uint16_t ipv4_count;
	const uint8_t *ipv4_list;
};
PCTL_API enum pctl_result pctl_prefix64_parse(const struct pctl_option *o,
                                              struct pctl_prefix64 *p);
/* Returns the data length written, or 0 if cap is too small or the prefix
 * length is invalid. */
PCTL_API size_t pctl_prefix64_pack(const struct pctl_prefix64 *p, uint8_t *out,
                                   size_t cap);

/* DESCRIPTION (128, RFC 7220): UTF-8, not NUL-terminated.  Strict RFC 3629
 * validation (no overlongs, surrogates or code points above U+10FFFF). */
PCTL_API bool pctl_utf8_valid(const uint8_t *s, size_t len);

/* ---- Names --------------------------------------------------------------- */

/* Static strings: "SUCCESS", "MAP", "FILTER", ...; unknown values give
 * "UNKNOWN" (result, opcode) or "UNKNOWN" (option). */
PCTL_API const char *pctl_result_name(uint8_t result);
PCTL_API const char *pctl_opcode_name(uint8_t opcode);
PCTL_API const char *pctl_option_name(uint8_t code);
/* Long or short lifetime class of an error (R- table). */
PCTL_API enum pctl_error_class pctl_result_class(uint8_t result);
/* The recommended lifetime of an error response of that result: 30, 1800,
 * or 0 for SUCCESS. */
PCTL_API uint32_t pctl_result_lifetime(uint8_t result);
/* "TCP", "UDP", "SCTP", "DCCP", "ICMP", "ALL" (0) or NULL when unknown. */
PCTL_API const char *pctl_protocol_name(uint8_t proto);
/* Parses "tcp", "udp", "sctp", "dccp", "all", or a number 0..255.  Returns
 * the protocol number, or -1 with errno EINVAL. */
PCTL_API int pctl_protocol_parse(const char *s);

/* ---- NAT-PMP (RFC 6886) -------------------------------------------------- */

enum pctl_natpmp_opcode {
	PCTL_NATPMP_OP_EXTERNAL_ADDR = 0,
	PCTL_NATPMP_OP_MAP_UDP = 1,
	PCTL_NATPMP_OP_MAP_TCP = 2,
};

/* NAT-PMP result codes (N-6), 16-bit on the wire. */
enum pctl_natpmp_result {
	PCTL_NATPMP_R_SUCCESS = 0,
	PCTL_NATPMP_R_UNSUPP_VERSION = 1,
	PCTL_NATPMP_R_NOT_AUTHORIZED = 2,
	PCTL_NATPMP_R_NETWORK_FAILURE = 3,
	PCTL_NATPMP_R_NO_RESOURCES = 4,
	PCTL_NATPMP_R_UNSUPP_OPCODE = 5,
};

#define PCTL_NATPMP_EXTADDR_REQ_LEN  2  /* N-1 */
#define PCTL_NATPMP_EXTADDR_RESP_LEN 12 /* N-2 */
#define PCTL_NATPMP_MAP_REQ_LEN      12 /* N-3 */
#define PCTL_NATPMP_MAP_RESP_LEN     16 /* N-4 */
#define PCTL_NATPMP_UNSUPP_RESP_LEN  8  /* N-5 */

/* A NAT-PMP message; opcode without the response bit (0, 1, 2, or any other
 * for unsupported ones). */
struct pctl_natpmp {
	uint8_t version;
	bool response;            /* OP >= 128 */
	uint8_t opcode;           /* OP & 0x7f */
	uint16_t result;          /* responses */
	uint32_t epoch;           /* responses: Seconds Since Start of Epoch */
	uint8_t external_addr[4]; /* external address response */
	uint16_t internal_port;   /* map request / response */
	uint16_t external_port;   /* suggested (request) / mapped (response) */
	uint32_t lifetime;        /* requested / granted */
};

/* Server side (N-7): version != 0 gives PCTL_V_ERROR with result 1; OP >= 128
 * PCTL_V_DROP; an unknown OP < 128 PCTL_V_ERROR with result 5; a request
 * shorter than its opcode's size PCTL_V_DROP.  Longer requests are accepted
 * (the extra octets are ignored). */
PCTL_API enum pctl_verdict pctl_natpmp_request_decode(const uint8_t *buf,
                                                      size_t len,
                                                      struct pctl_natpmp *m,
                                                      struct pctl_error *err);
/* Client side: accepts the erratum 3618 OP of 0 in unsupported-version replies
 * (E-8) and 8-octet version-0 replies; drops requests and runts. */
PCTL_API enum pctl_verdict pctl_natpmp_response_decode(const uint8_t *buf,
                                                       size_t len,
                                                       struct pctl_natpmp *m,
                                                       struct pctl_error *err);
/* Encodes a request or response (per m->response and m->opcode).  Returns
 * the length, or 0 if cap is too small or the opcode has no format. */
PCTL_API size_t pctl_natpmp_encode(const struct pctl_natpmp *m, uint8_t *buf,
                                   size_t cap);
/* Server error replies (N-7): for UNSUPP_VERSION the 8-octet version-0 reply
 * with OP 128 (erratum 3618); for UNSUPP_OPCODE the request copied with the
 * top bit of OP set, result 5 and the epoch (at least 8 octets).  out must
 * hold PCTL_MAX_MSG octets.  Returns the length. */
PCTL_API size_t pctl_natpmp_error_response(const uint8_t *req, size_t len,
                                           uint16_t result, uint32_t epoch,
                                           uint8_t *out);
PCTL_API const char *pctl_natpmp_result_name(uint16_t result);

/* Which protocol a datagram speaks, by octet 0 (6887 App. A, N-21, N-23). */
enum pctl_kind {
	PCTL_KIND_RUNT = 0, /* fewer than 2 octets: drop (S-3) */
	PCTL_KIND_NATPMP,   /* octet 0 == 0 */
	PCTL_KIND_PCP,      /* octet 0 == 2 */
	PCTL_KIND_OTHER,    /* any other version (1 included) */
};
PCTL_API enum pctl_kind pctl_classify(const uint8_t *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* PORTCTL_WIRE_H */

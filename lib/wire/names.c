/*
 * names.c - names of the PCP registries (result codes, opcodes, options:
 * checklist W-10), the error lifetime classes of the R- table (RFC 6887
 * section 7.4), transport protocol names and NAT-PMP result codes (N-6).
 */
#include <errno.h>
#include <portctl/wire.h>

#include <string.h>
#include <strings.h>

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Looks up a name in a table indexed by value; NULL entries are gaps. */
static const char *table_name(const char *const *table, size_t n,
                              unsigned value)
{
	if (value < n && table[value] != NULL)
		return table[value];
	return "UNKNOWN";
}

/* W-10.2: 0..13 RFC 6887, 14..23 RFC 7652, 24..26 RFC 7843. */
static const char *const result_names[] = {
    "SUCCESS",
    "UNSUPP_VERSION",
    "NOT_AUTHORIZED",
    "MALFORMED_REQUEST",
    "UNSUPP_OPCODE",
    "UNSUPP_OPTION",
    "MALFORMED_OPTION",
    "NETWORK_FAILURE",
    "NO_RESOURCES",
    "UNSUPP_PROTOCOL",
    "USER_EX_QUOTA",
    "CANNOT_PROVIDE_EXTERNAL",
    "ADDRESS_MISMATCH",
    "EXCESSIVE_REMOTE_PEERS",
    "INITIATION",
    "AUTHENTICATION_REQUIRED",
    "AUTHENTICATION_FAILED",
    "AUTHENTICATION_SUCCEEDED",
    "AUTHORIZATION_FAILED",
    "SESSION_TERMINATED",
    "UNKNOWN_SESSION_ID",
    "DOWNGRADE_ATTACK_DETECTED",
    "AUTHENTICATION_REQUEST",
    "AUTHENTICATION_REPLY",
    "THIRD_PARTY_ID_UNKNOWN",
    "THIRD_PARTY_MISSING_OPTION",
    "UNSUPP_THIRD_PARTY_ID_LENGTH",
};

const char *pctl_result_name(uint8_t result)
{
	return table_name(result_names, N_ELEMS(result_names), result);
}

/* W-10.1 */
static const char *const opcode_names[] = {
    "ANNOUNCE",
    "MAP",
    "PEER",
    "AUTHENTICATION",
};

const char *pctl_opcode_name(uint8_t opcode)
{
	return table_name(opcode_names, N_ELEMS(opcode_names), opcode);
}

/* W-10.3: 1..3 RFC 6887, 4..12 RFC 7652, 13 RFC 7843; 0 is reserved. */
static const char *const option_names[] = {
    NULL,
    "THIRD_PARTY",
    "PREFER_FAILURE",
    "FILTER",
    "NONCE",
    "AUTHENTICATION_TAG",
    "PA_AUTHENTICATION_TAG",
    "EAP_PAYLOAD",
    "PRF",
    "MAC_ALGORITHM",
    "SESSION_LIFETIME",
    "RECEIVED_PAK",
    "ID_INDICATOR",
    "THIRD_PARTY_ID",
};

const char *pctl_option_name(uint8_t code)
{
	switch (code) {
	case PCTL_OPT_DESCRIPTION:
		return "DESCRIPTION"; /* RFC 7220 */
	case PCTL_OPT_PREFIX64:
		return "PREFIX64"; /* RFC 7225 */
	case PCTL_OPT_PORT_SET:
		return "PORT_SET"; /* RFC 7753 */
	default:
		return table_name(option_names, N_ELEMS(option_names), code);
	}
}

enum pctl_error_class pctl_result_class(uint8_t result)
{
	switch (result) {
	case PCTL_R_SUCCESS:
		return PCTL_ERR_NONE;
	/* conditions that may clear soon. */
	case PCTL_R_NETWORK_FAILURE:
	case PCTL_R_NO_RESOURCES:
	case PCTL_R_USER_EX_QUOTA:
		return PCTL_ERR_SHORT;
	/* "depends on the reason" (6887 section 7.4).  Its reason is a
	 * conflicting mapping, which expires or goes away, so the short
	 * class is the default; a server that knows the remaining lifetime
	 * sends that instead (section 13.2). */
	case PCTL_R_CANNOT_PROVIDE_EXTERNAL:
		return PCTL_ERR_SHORT;
	/* R-1..R-6, R-9, R-12, R-13, R-24..R-26 are long by the RFCs' text.
	 * RFC 7652's 14..23 and unassigned codes carry no class; treating
	 * them as long keeps a client from hammering a server with a request
	 * it does not understand the answer to (C-46). */
	default:
		return PCTL_ERR_LONG;
	}
}

uint32_t pctl_result_lifetime(uint8_t result)
{
	switch (pctl_result_class(result)) {
	case PCTL_ERR_NONE:
		return 0;
	case PCTL_ERR_SHORT:
		return PCTL_SHORT_ERROR_LIFETIME; /* K-13 */
	case PCTL_ERR_LONG:
	default:
		return PCTL_LONG_ERROR_LIFETIME; /* K-14 */
	}
}

/* IANA protocol numbers of the transports PCP maps; 0 is "all" (6887
 * section 11.1). */
static const struct {
	uint8_t number;
	const char *name;
} protocols[] = {
    {0, "ALL"},  {1, "ICMP"},  {6, "TCP"},
    {17, "UDP"}, {33, "DCCP"}, {132, "SCTP"},
};

const char *pctl_protocol_name(uint8_t proto)
{
	for (size_t i = 0; i < N_ELEMS(protocols); i++)
		if (protocols[i].number == proto)
			return protocols[i].name;
	return NULL;
}

/* Decimal digits only: strtoul alone would take signs, spaces and
 * hexadecimal prefixes.  -1 when s is not a number up to 255. */
static int protocol_number(const char *s)
{
	unsigned long v = 0;

	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > 255)
			return -1;
	}
	return (int)v;
}

int pctl_protocol_parse(const char *s)
{
	int v;

	if (s == NULL || *s == '\0') {
		errno = EINVAL;
		return -1;
	}
	for (size_t i = 0; i < N_ELEMS(protocols); i++)
		if (strcasecmp(s, protocols[i].name) == 0)
			return protocols[i].number;
	v = protocol_number(s);
	if (v < 0)
		errno = EINVAL;
	return v;
}

/* N-6 */
static const char *const natpmp_result_names[] = {
    "SUCCESS",         "UNSUPP_VERSION", "NOT_AUTHORIZED",
    "NETWORK_FAILURE", "NO_RESOURCES",   "UNSUPP_OPCODE",
};

const char *pctl_natpmp_result_name(uint16_t result)
{
	return table_name(natpmp_result_names, N_ELEMS(natpmp_result_names),
	                  result);
}

/*
 * pcp_error.c - the server's PCP error response (RFC 6887 sections 7.2,
 * 7.3, 8.2, 9): the request copied back with the header fields the server
 * sets.  Copying is what makes MAP/PEER errors echo the suggested external
 * address and port (S-12) and every option of the request.
 */
#include <portctl/wire.h>

#include <string.h>

#include "bytes.h"
#include "pcp_internal.h"

/* S-13 (impl-choice): results that mean "the request was not successfully
 * parsed", for which octets 12..23 keep the copied last 96 bits of the
 * request's client address (W-3). */
static bool not_parsed(uint8_t result)
{
	return result == PCTL_R_UNSUPP_VERSION ||
	       result == PCTL_R_MALFORMED_REQUEST ||
	       result == PCTL_R_UNSUPP_OPCODE ||
	       result == PCTL_R_MALFORMED_OPTION;
}

/* S-5.2: the shortest well-formed version-2 answer with this opcode.  An
 * UNSUPP_VERSION answer puts version 2 in front of a body written for
 * another version (draft version 1's MAP is 48 octets, its PEER 68); a
 * client reads it as a version-2 MAP or PEER response, which is never
 * shorter than 60 or 80 octets, and drops a shorter one before it learns
 * the version (libpcpnatpmp does).  Opcodes not served have no minimum. */
static size_t v2_min_len(uint8_t opcode)
{
	switch (opcode & ~PCTL_R_BIT) {
	case PCTL_OP_MAP:
		return PCTL_MAP_LEN;
	case PCTL_OP_PEER:
		return PCTL_PEER_LEN;
	default:
		return PCTL_HDR_LEN;
	}
}

size_t pctl_error_response(const uint8_t *req, size_t len, uint8_t result,
                           uint32_t lifetime, uint32_t epoch, uint8_t *out)
{
	/* S-8, S-12: the first 1100 octets, zero-padded to a multiple of 4
	 * and (S-5.2, impl-choice) to the 24-octet header; an UNSUPP_VERSION
	 * answer to the length of its opcode in version 2. */
	size_t copy = req ? (len < PCTL_MAX_MSG ? len : PCTL_MAX_MSG) : 0;
	size_t out_len = (copy + 3u) & ~(size_t)3u;
	size_t min = result == PCTL_R_UNSUPP_VERSION && copy > PCTL_OFF_OPCODE
	                 ? v2_min_len(req[PCTL_OFF_OPCODE])
	                 : PCTL_HDR_LEN;
	if (out_len < min)
		out_len = min;

	memset(out, 0, out_len);
	if (copy)
		memcpy(out, req, copy);
	/* S-5.1, S-11: version 2 (the only one served), R bit with the
	 * request's opcode, octet 2 zero. */
	out[PCTL_OFF_VERSION] = PCTL_VERSION;
	out[PCTL_OFF_OPCODE] |= PCTL_R_BIT;
	out[PCTL_OFF_RESERVED] = 0;
	out[PCTL_OFF_RESULT] = result;
	pctl_put32(out + PCTL_OFF_LIFETIME, lifetime);
	pctl_put32(out + PCTL_OFF_EPOCH, epoch);
	if (!not_parsed(result))
		memset(out + PCTL_OFF_RESERVED96, 0, PCTL_RESERVED96_LEN);
	return out_len;
}

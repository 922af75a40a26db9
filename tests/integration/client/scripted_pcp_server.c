/*
 * scripted_pcp_server ADDR PORT SECONDS MODE: a PCP server that answers
 * every request the same wrong way, for the cases no real server produces
 * on demand (issue 13: answers that came but cannot be used).  MODE:
 *
 *   port0     SUCCESS echoing the request, external address 203.0.113.7
 *             and external port 0 (unusable for a MAP of one protocol)
 *   unsupp2   UNSUPP_VERSION in version 2, the version it was asked in
 *
 * Each request is logged on stdout ("pcp OPCODE").  Exits after SECONDS
 * (bounded), or on SIGTERM.
 */
#include <string.h>

#include <portctl/wire.h>

#include "fake_udp.h"

/* MAP opcode data (RFC 6887 section 11.1) after the 24-octet header:
 * nonce 12, protocol 1, reserved 3, internal port 2, external port 2,
 * external address 16. */
#define EXT_PORT_OFF (PCTL_HDR_LEN + 12 + 4 + 2)
#define EXT_ADDR_OFF (EXT_PORT_OFF + 2)

static size_t answer(const uint8_t *req, size_t n, uint32_t uptime,
                     uint8_t *out, void *arg)
{
	const char *mode = arg;
	uint32_t epoch = uptime + 100, lifetime;
	size_t len;

	if (n < PCTL_HDR_LEN || req[0] != PCTL_VERSION)
		return 0; /* PCP version 2 requests only */
	printf("pcp %u\n", req[1] & 0x7f);
	if (!strcmp(mode, "unsupp2"))
		return pctl_error_response(req, n, PCTL_R_UNSUPP_VERSION, 1800,
		                           epoch, out);
	/* port0: a copy of the request as a SUCCESS with the requested
	 * lifetime (pctl_error_response copies, sets R, result and epoch). */
	lifetime = (uint32_t)req[4] << 24 | (uint32_t)req[5] << 16 |
	           (uint32_t)req[6] << 8 | req[7];
	len = pctl_error_response(req, n, PCTL_R_SUCCESS, lifetime, epoch, out);
	if (len >= EXT_ADDR_OFF + 16) {
		const uint8_t ext[16] = {0, 0, 0,    0,    0,   0, 0,   0,
		                         0, 0, 0xff, 0xff, 203, 0, 113, 7};
		out[EXT_PORT_OFF] = out[EXT_PORT_OFF + 1] = 0;
		memcpy(out + EXT_ADDR_OFF, ext, 16);
	}
	return len;
}

int main(int argc, char **argv)
{
	if (argc != 5 ||
	    (strcmp(argv[4], "port0") && strcmp(argv[4], "unsupp2")))
		return 2;
	return fake_udp_serve("scripted_pcp_server", argv + 1, answer, argv[4]);
}

/*
 * fake_natpmp_server ADDR PORT SECONDS: a NAT-PMP-only gateway for the
 * client's fallback test (portctld has no switch to refuse PCP).  PCP
 * requests get the 8-octet NAT-PMP "unsupported version" reply (RFC 6886
 * section 3.5, erratum 3618), NAT-PMP requests a real answer: external
 * address 198.51.100.99, mapped port = internal port + 1 (0 on delete).
 * Each request is logged on stdout ("pcp" or "natpmp OP").  Exits after
 * SECONDS (bounded), or on SIGTERM.
 */
#include <string.h>

#include <portctl/wire.h>

#include "fake_udp.h"

static size_t answer(const uint8_t *buf, size_t n, uint32_t uptime,
                     uint8_t *out, void *arg)
{
	struct pctl_natpmp req, resp;
	struct pctl_error err;
	uint32_t sssoe = uptime + 100;

	(void)arg;
	if (pctl_natpmp_request_decode(buf, n, &req, &err) != PCTL_V_OK) {
		printf("pcp\n");
		return pctl_natpmp_error_response(
		    buf, n, PCTL_NATPMP_R_UNSUPP_VERSION, sssoe, out);
	}
	printf("natpmp %u\n", req.opcode);
	memset(&resp, 0, sizeof(resp));
	resp.response = true;
	resp.opcode = req.opcode;
	resp.epoch = sssoe;
	if (req.opcode == PCTL_NATPMP_OP_EXTERNAL_ADDR) {
		uint8_t ext[4] = {198, 51, 100, 99};
		memcpy(resp.external_addr, ext, 4);
	} else {
		resp.internal_port = req.internal_port;
		resp.lifetime = req.lifetime > 3600 ? 3600 : req.lifetime;
		resp.external_port =
		    req.lifetime ? (uint16_t)(req.internal_port + 1) : 0;
	}
	return pctl_natpmp_encode(&resp, out, PCTL_MAX_MSG);
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	return fake_udp_serve("fake_natpmp_server", argv + 1, answer, NULL);
}

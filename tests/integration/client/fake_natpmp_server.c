/*
 * fake_natpmp_server ADDR PORT SECONDS: a NAT-PMP-only gateway for the
 * client's fallback test (portctld has no switch to refuse PCP).  PCP
 * requests get the 8-octet NAT-PMP "unsupported version" reply (RFC 6886
 * section 3.5, erratum 3618), NAT-PMP requests a real answer: external
 * address 198.51.100.99, mapped port = internal port + 1 (0 on delete).
 * Each request is logged on stdout ("pcp" or "natpmp OP").  Exits after
 * SECONDS (bounded), or on SIGTERM.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <portctl/wire.h>

int main(int argc, char **argv)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	time_t end;
	int fd;

	if (argc != 4)
		return 2;
	inet_pton(AF_INET, argv[1], &sin.sin_addr);
	sin.sin_port = htons((uint16_t)atoi(argv[2]));
	end = time(NULL) + atoi(argv[3]);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("fake_natpmp_server");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (time(NULL) < end) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		uint8_t buf[PCTL_MAX_MSG], out[PCTL_MAX_MSG];
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		struct pctl_natpmp req, resp;
		struct pctl_error err;
		uint32_t sssoe;
		ssize_t n;
		size_t len;

		if (poll(&p, 1, 200) <= 0)
			continue;
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
		             &fl);
		if (n <= 0)
			continue;
		sssoe = (uint32_t)(time(NULL) - (end - atoi(argv[3]))) + 100;
		if (pctl_natpmp_request_decode(buf, (size_t)n, &req, &err) !=
		    PCTL_V_OK) {
			printf("pcp\n");
			len = pctl_natpmp_error_response(
			    buf, (size_t)n, PCTL_NATPMP_R_UNSUPP_VERSION, sssoe,
			    out);
		} else {
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
				resp.lifetime =
				    req.lifetime > 3600 ? 3600 : req.lifetime;
				resp.external_port =
				    req.lifetime
				        ? (uint16_t)(req.internal_port + 1)
				        : 0;
			}
			len = pctl_natpmp_encode(&resp, out, sizeof(out));
		}
		sendto(fd, out, len, 0, (struct sockaddr *)&from, fl);
	}
	return 0;
}

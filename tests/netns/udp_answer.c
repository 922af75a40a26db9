/*
 * A UDP server for the netns tests: answers every datagram on [::]:PORT
 * (IPv4 too) with "ok", or with "ADDR PORT" of the sender when run with
 * -p.  One socket, no forking, so no datagram is ever lost to a stale
 * child (as with socat's UDP-RECVFROM,fork).  Runs until killed.
 *
 *   udp_answer [-p] PORT
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
	int peer = argc == 3 && !strcmp(argv[1], "-p");
	if (argc != 2 + peer)
		return 2;
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);
	int off = 0, on = 1;
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	struct sockaddr_in6 a = {.sin6_family = AF_INET6,
	                         .sin6_port =
	                             htons((uint16_t)atoi(argv[argc - 1]))};
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("udp_answer");
		return 1;
	}
	for (;;) {
		char buf[512], txt[INET6_ADDRSTRLEN],
		    out[INET6_ADDRSTRLEN + 16];
		struct sockaddr_in6 from;
		socklen_t len = sizeof(from);
		if (recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
		             &len) < 0)
			continue;
		int n;
		if (peer) {
			const void *src = &from.sin6_addr;
			int fam = AF_INET6;
			if (IN6_IS_ADDR_V4MAPPED(&from.sin6_addr)) {
				src = from.sin6_addr.s6_addr + 12;
				fam = AF_INET;
			}
			inet_ntop(fam, src, txt, sizeof(txt));
			n = snprintf(out, sizeof(out), "%s %u\n", txt,
			             ntohs(from.sin6_port));
		} else {
			n = snprintf(out, sizeof(out), "ok\n");
		}
		sendto(fd, out, (size_t)n, 0, (struct sockaddr *)&from, len);
	}
}

/*
 * fake_udp.h - the socket and receive loop the fake servers of the client
 * tests share (fake_natpmp_server.c, scripted_pcp_server.c): an IPv4 UDP
 * socket bound to ADDR:PORT that answers each datagram with what a function
 * makes of it, until a deadline, so that every fake server ends by
 * itself.
 */
#ifndef PORTCTL_TEST_FAKE_UDP_H
#define PORTCTL_TEST_FAKE_UDP_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include <portctl/wire.h>

/* What a fake server answers to the n octets of req, written to out
 * (PCTL_MAX_MSG octets): the answer's length, 0 for none.  uptime is the
 * seconds since the server started. */
typedef size_t (*fake_udp_answer_fn)(const uint8_t *req, size_t n,
                                     uint32_t uptime, uint8_t *out, void *arg);

/* Serves ADDR PORT SECONDS (args[0..2]) with answer until SECONDS have
 * passed: 0, or 1 when the socket cannot be bound (said on stderr as
 * prog). */
static inline int fake_udp_serve(const char *prog, char **args,
                                 fake_udp_answer_fn answer, void *arg)
{
	struct sockaddr_in sin = {.sin_family = AF_INET}, from;
	time_t start = time(NULL), end = start + atoi(args[2]);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	inet_pton(AF_INET, args[0], &sin.sin_addr);
	sin.sin_port = htons((uint16_t)atoi(args[1]));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		perror(prog);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0); /* the request log, line by line */
	while (time(NULL) < end) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		uint8_t buf[PCTL_MAX_MSG], out[PCTL_MAX_MSG];
		socklen_t fl = sizeof(from);
		ssize_t n;
		size_t len;

		if (poll(&p, 1, 200) <= 0)
			continue;
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
		             &fl);
		if (n <= 0)
			continue;
		len = answer(buf, (size_t)n, (uint32_t)(time(NULL) - start),
		             out, arg);
		if (len)
			sendto(fd, out, len, 0, (struct sockaddr *)&from, fl);
	}
	return 0;
}

#endif

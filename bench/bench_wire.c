/*
 * bench_wire: the cost of the wire codec on the server's hot path.
 *
 * Decodes (with every server-side check), re-encodes, and builds an error
 * response for the T-1 MAP request carrying a FILTER and a DESCRIPTION, N
 * times each, and prints nanoseconds per operation.
 *
 *   bench_wire [ITERATIONS]     default 5,000,000
 *   bench_wire --smoke          1,000 iterations; checks it completes (CTest)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <portctl/wire.h>

#include "vectors.h"

static double seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long n = 5000000;
	if (argc > 1 && !strcmp(argv[1], "--smoke"))
		n = 1000;
	else if (argc > 1 && (n = strtol(argv[1], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: bench_wire [ITERATIONS | --smoke]\n");
		return 2;
	}

	/* A MAP request as a camera would send it: T-1 with a suggested port,
	 * FILTER 198.51.100.0/24 (T-2) and a DESCRIPTION. */
	static const uint8_t filter[PCTL_FILTER_LEN] = {
	    0, 120, 0, 0, 0,    0,    0,   0,  0,   0,
	    0, 0,   0, 0, 0xff, 0xff, 198, 51, 100, 0};
	struct pcp_vec_buf req;
	pcp_vec_map_request(&req);
	req.b[42] = 0x13; /* suggested external port 0x1390 */
	pcp_vec_add_option(&req, PCTL_OPT_FILTER, filter, sizeof(filter));
	pcp_vec_add_option(&req, PCTL_OPT_DESCRIPTION, "camera", 6);
	pctl_addr src = pcp_vec_client();

	static struct pctl_msg msg;
	static uint8_t out[PCTL_MAX_MSG];
	struct pctl_error err;
	volatile size_t sink = 0;

	if (pctl_request_decode(req.b, req.len, &src, &msg, &err) !=
	    PCTL_V_OK) {
		fprintf(stderr,
		        "bench_wire: the sample request does not decode: %s\n",
		        err.rule);
		return 1;
	}

	double t0 = seconds();
	for (long i = 0; i < n; i++)
		sink += pctl_request_decode(req.b, req.len, &src, &msg, &err);
	double t1 = seconds();
	printf("request decode, MAP + FILTER + DESCRIPTION (%zu octets): %.1f "
	       "ns\n",
	       req.len, (t1 - t0) / (double)n * 1e9);

	t0 = seconds();
	for (long i = 0; i < n; i++)
		sink += pctl_encode(&msg, out, sizeof(out));
	t1 = seconds();
	printf("encode of the same message: %.1f ns\n",
	       (t1 - t0) / (double)n * 1e9);

	t0 = seconds();
	for (long i = 0; i < n; i++)
		sink += pctl_error_response(
		    req.b, req.len, PCTL_R_MALFORMED_REQUEST, 1800, 1, out);
	t1 = seconds();
	printf("error response: %.1f ns\n", (t1 - t0) / (double)n * 1e9);
	return sink == 0; /* keeps the loops; never 0 */
}

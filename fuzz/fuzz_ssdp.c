/*
 * fuzz_ssdp.c - libFuzzer target for portctld's SSDP M-SEARCH parser
 * (daemon/ssdp_parse.c, issue 11) and what follows a search it accepts:
 * the answers chosen for its ST (daemon/ssdp_answer.c) and their messages.
 * Invariants: an accepted search has a printable ST without blanks within
 * the bound, MX 0 or within 1..5, each answer echoes an ST that names one
 * of ours, and every message fits and ends the header block.
 */
#include <string.h>

#include "fuzz_check.h"
#include "ssdp_answer.h"
#include "ssdp_parse.h"

static void check_answers(const struct pctld_upnp_info *info, const char *st)
{
	static const uint8_t v4[16] = {[10] = 0xff, [11] = 0xff, 192, 0, 2, 1};
	struct pctld_ssdp_answer a[PCTLD_SSDP_MAX_ANSWERS];
	struct pctld_ssdp_hdr h = {.server = "Linux/6 UPnP/1.1 portctl/0"};
	char loc[96], msg[1024];
	size_t n = pctld_ssdp_select(info, st, a);

	CHECK(n <= PCTLD_SSDP_MAX_ANSWERS);
	CHECK(n == 1 || n == 0 || !strcmp(st, "ssdp:all"));
	pctld_ssdp_location(loc, sizeof(loc), v4, info->http_port);
	h.location = loc;
	for (size_t i = 0; i < n; i++) {
		size_t len;

		CHECK(!strncmp(a[i].usn, "uuid:", 5));
		if (n == 1)
			CHECK(!strcmp(a[i].st, st) ||
			      !strncasecmp(a[i].st, st, strlen(st)));
		len = pctld_ssdp_format_response(msg, sizeof(msg), &a[i], &h);
		CHECK(len > 4 && !memcmp(msg + len - 4, "\r\n\r\n", 4));
		len = pctld_ssdp_format_notify(msg, sizeof(msg), true, true,
		                               &a[i], &h);
		CHECK(len > 4 && !memcmp(msg + len - 4, "\r\n\r\n", 4));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct pctld_upnp_info info[2] = {
	    {"0123abcd-89ab-cdef-0123-456789abcdef", "fuzz", 1, 5000},
	    {"0123abcd-89ab-cdef-0123-456789abcdef", "fuzz", 2, 65535},
	};
	struct pctld_ssdp_search q;
	size_t len;

	if (pctld_ssdp_parse(data, size, &q))
		return 0;
	CHECK(size <= PCTLD_SSDP_MAX_DGRAM);
	len = strlen(q.st);
	CHECK(len >= 1 && len <= PCTLD_SSDP_ST_MAX);
	for (size_t i = 0; i < len; i++)
		CHECK(q.st[i] > ' ' && q.st[i] < 0x7f);
	CHECK(q.mx == 0 ||
	      (q.mx >= PCTLD_SSDP_MX_MIN && q.mx <= PCTLD_SSDP_MX_MAX));
	check_answers(&info[0], q.st);
	check_answers(&info[1], q.st);
	return 0;
}

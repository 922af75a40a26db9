/*
 * fuzz_client_ssdp: the client's SSDP answer parser and M-SEARCH writer
 * (lib/client/upnp_ssdp.c).  Any host on the LAN can answer a search.
 *
 * Input: one datagram.  Invariants: an accepted answer has a LOCATION that
 * pctl_url_parse accepts and a non-empty ST, both NUL-terminated in their
 * fields; a refused one leaves the result zeroed with errno EINVAL.  The
 * input, cut at its first NUL and used as a search target (line breaks
 * and all),
 * gives an M-SEARCH of exactly seven lines or none: never a forged header.
 */
#include <errno.h>
#include <string.h>

#include "client/upnp.h"
#include "fuzz_check.h"

static bool zeroed(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void search(const uint8_t *data, size_t size)
{
	char st[128], buf[512];
	size_t n = 0, lines = 0, len;

	while (n < size && n < sizeof(st) - 1 && data[n] != '\0')
		n++;
	memcpy(st, data, n);
	st[n] = '\0';
	for (int family = 4; family <= 6; family += 2) {
		len = pctl_ssdp_msearch(buf, sizeof(buf), family, st, data[0]);
		if (len == 0)
			continue;
		CHECK(len == strlen(buf));
		for (size_t i = 0; i < len; i++)
			lines += buf[i] == '\n';
		CHECK(lines == 7);
		lines = 0;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pctl_ssdp_reply r;
	struct pctl_url u;

	if (size == 0)
		return 0;
	errno = 0;
	if (pctl_ssdp_parse_reply((const char *)data, size, &r) == 0) {
		CHECK(memchr(r.location, '\0', sizeof(r.location)) != NULL);
		CHECK(memchr(r.st, '\0', sizeof(r.st)) != NULL);
		CHECK(r.st[0] != '\0');
		CHECK(pctl_url_parse(r.location, &u) == 0);
	} else {
		CHECK(errno == EINVAL);
		CHECK(zeroed(&r, sizeof(r)));
	}
	search(data, size);
	return 0;
}

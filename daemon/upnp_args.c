/*
 * UPnP argument values (upnp_args.h).
 */
#include "upnp_args.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

/* Decimal digits only: no sign, no space, no 0x; at most digits long. */
static int decimal(const char *s, size_t digits, uint64_t max, uint64_t *out)
{
	size_t n = strlen(s);
	uint64_t v = 0;

	if (n == 0 || n > digits)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

int pctld_arg_ui2(const char *s, uint16_t *out)
{
	uint64_t v;

	if (decimal(s, 5, UINT16_MAX, &v))
		return -1;
	*out = (uint16_t)v;
	return 0;
}

int pctld_arg_ui4(const char *s, uint32_t *out)
{
	uint64_t v;

	if (decimal(s, 10, UINT32_MAX, &v))
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int pctld_arg_bool(const char *s, bool *out)
{
	if (!strcmp(s, "1") || !strcasecmp(s, "true") || !strcasecmp(s, "yes"))
		*out = true;
	else if (!strcmp(s, "0") || !strcasecmp(s, "false") ||
	         !strcasecmp(s, "no"))
		*out = false;
	else
		return -1;
	return 0;
}

int pctld_arg_proto(const char *s, uint8_t *out)
{
	if (!strcmp(s, "TCP"))
		*out = 6;
	else if (!strcmp(s, "UDP"))
		*out = 17;
	else
		return -1;
	return 0;
}

int pctld_arg_ipv4(const char *s, bool empty_ok, pctl_addr *out)
{
	uint8_t v4[4];

	if (!*s && empty_ok) {
		pctl_addr_set_any(out, true);
		return 0;
	}
	if (inet_pton(AF_INET, s, v4) != 1)
		return -1;
	pctl_addr_from_v4(out, v4);
	return 0;
}

int pctld_arg_ipv6(const char *s, bool empty_ok, pctl_addr *out)
{
	pctl_addr a;

	if (!*s && empty_ok) {
		pctl_addr_set_any(out, false);
		return 0;
	}
	if (inet_pton(AF_INET6, s, a.b) != 1 || pctl_addr_is_v4(&a))
		return -1;
	*out = a;
	return 0;
}

void pctld_arg_text(const char *s, char *out, size_t max)
{
	size_t n = strlen(s);

	if (n > max) {
		n = max;
		/* back off continuation bytes (10xxxxxx) to a lead byte */
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(out, s, n);
	out[n] = '\0';
}

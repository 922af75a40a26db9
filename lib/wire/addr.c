/*
 * addr.c - the 128-bit PCP address field (RFC 6887 section 5, checklist W-1):
 * family tests, the two all-zeros forms, and conversions to and from
 * sockaddrs and text.
 */
#include <errno.h>
#include <portctl/wire.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

/* W-1.2: ::ffff:a.b.c.d is 80 zero bits, 16 one bits, then the IPv4 address. */
static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0,    0,
                                             0, 0, 0, 0, 0xff, 0xff};

bool pctl_addr_is_v4(const pctl_addr *a)
{
	/* W-1.3: all 96 bits, not only the 0xffff of bits 81..96, so that an
	 * IPv6 address like 2001:db8::ffff:c000:201 is not taken for IPv4. */
	return memcmp(a->b, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0;
}

bool pctl_addr_is_any(const pctl_addr *a)
{
	static const uint8_t zero[16];

	/* W-1.4 (::) or W-1.5 (::ffff:0.0.0.0): both mean "unspecified". */
	if (memcmp(a->b, zero, sizeof(zero)) == 0)
		return true;
	return pctl_addr_is_v4(a) && memcmp(a->b + 12, zero, 4) == 0;
}

bool pctl_addr_equal(const pctl_addr *a, const pctl_addr *b)
{
	return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}

void pctl_addr_set_any(pctl_addr *a, bool v4)
{
	/* W-1.6: the family of the all-zeros Suggested External Address is
	 * what asks for an IPv4 or an IPv6 external address. */
	memset(a->b, 0, sizeof(a->b));
	if (v4)
		memcpy(a->b, v4_mapped_prefix, sizeof(v4_mapped_prefix));
}

void pctl_addr_from_v4(pctl_addr *a, const uint8_t v4[4])
{
	memcpy(a->b, v4_mapped_prefix, sizeof(v4_mapped_prefix));
	memcpy(a->b + 12, v4, 4);
}

bool pctl_addr_to_v4(const pctl_addr *a, uint8_t v4[4])
{
	if (!pctl_addr_is_v4(a))
		return false;
	memcpy(v4, a->b + 12, 4);
	return true;
}

int pctl_addr_from_sockaddr(pctl_addr *a, uint16_t *port,
                            const struct sockaddr *sa)
{
	if (sa == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in sin;

		/* Copied out: the caller's sockaddr may be a byte buffer of
		 * any alignment. */
		memcpy(&sin, sa, sizeof(sin));
		pctl_addr_from_v4(a, (const uint8_t *)&sin.sin_addr);
		if (port != NULL)
			*port = ntohs(sin.sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		struct sockaddr_in6 sin6;

		/* A v4-mapped sockaddr_in6 (dual-stack socket) is already in
		 * the PCP form (W-1.2) and is kept as it is. */
		memcpy(&sin6, sa, sizeof(sin6));
		memcpy(a->b, &sin6.sin6_addr, sizeof(a->b));
		if (port != NULL)
			*port = ntohs(sin6.sin6_port);
		return 0;
	}
	errno = EAFNOSUPPORT;
	return -1;
}

size_t pctl_addr_to_sockaddr(const pctl_addr *a, uint16_t port,
                             struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (pctl_addr_is_v4(a)) {
		struct sockaddr_in sin;

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		memcpy(&sin.sin_addr, a->b + 12, 4);
		memcpy(ss, &sin, sizeof(sin));
		return sizeof(sin);
	}
	struct sockaddr_in6 sin6;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(port);
	memcpy(&sin6.sin6_addr, a->b, sizeof(a->b));
	memcpy(ss, &sin6, sizeof(sin6));
	return sizeof(sin6);
}

const char *pctl_addr_to_str(const pctl_addr *a, char *buf, size_t len)
{
	const char *ok;

	if (buf == NULL || len == 0)
		return buf;
	/* inet_ntop writes RFC 5952 text for IPv6 (lower case, longest run
	 * of zero groups compressed). */
	if (pctl_addr_is_v4(a))
		ok = inet_ntop(AF_INET, a->b + 12, buf, (socklen_t)len);
	else
		ok = inet_ntop(AF_INET6, a->b, buf, (socklen_t)len);
	/* A buffer too small leaves an empty string, never a cut address
	 * that would read as another one. */
	if (ok == NULL)
		buf[0] = '\0';
	return buf;
}

int pctl_addr_from_str(pctl_addr *a, const char *s)
{
	uint8_t v4[4];
	pctl_addr tmp;

	if (s == NULL) {
		errno = EINVAL;
		return -1;
	}
	/* Parsed into v4/tmp first: a failure leaves *a untouched. */
	if (inet_pton(AF_INET, s, v4) == 1) {
		pctl_addr_from_v4(a, v4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, tmp.b) == 1) {
		*a = tmp;
		return 0;
	}
	errno = EINVAL;
	return -1;
}

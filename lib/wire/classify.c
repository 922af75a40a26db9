/*
 * classify.c - which protocol a datagram on port 5351 or 5350 speaks, by its
 * version octet (RFC 6887 Appendix A, checklist N-21, N-23).
 */
#include <portctl/wire.h>

enum pctl_kind pctl_classify(const uint8_t *buf, size_t len)
{
	/* S-3: fewer than 2 octets carry no opcode; both protocols drop it. */
	if (buf == NULL || len < 2)
		return PCTL_KIND_RUNT;
	/* N-21: a dual server hands version 0 to NAT-PMP and version 2 to
	 * PCP; 1 (a pre-standard vendor protocol, K-1) and anything else are
	 * answered UNSUPP_VERSION by the PCP side. */
	switch (buf[0]) {
	case PCTL_NATPMP_VERSION:
		return PCTL_KIND_NATPMP;
	case PCTL_VERSION:
		return PCTL_KIND_PCP;
	default:
		return PCTL_KIND_OTHER;
	}
}

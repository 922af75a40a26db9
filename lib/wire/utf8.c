/*
 * utf8.c - strict UTF-8 validation (RFC 3629 section 4) for the DESCRIPTION
 * option (RFC 7220, checklist: invalid UTF-8 is ignored, never echoed).
 */
#include <portctl/wire.h>

/*
 * RFC 3629's syntax, by lead octet:
 *   00-7F                          one octet
 *   C2-DF 80-BF                    (C0, C1 would be overlong)
 *   E0    A0-BF 80-BF              (80-9F after E0 would be overlong)
 *   E1-EC 80-BF 80-BF
 *   ED    80-9F 80-BF              (A0-BF after ED are surrogates D800-DFFF)
 *   EE-EF 80-BF 80-BF
 *   F0    90-BF 80-BF 80-BF        (80-8F after F0 would be overlong)
 *   F1-F3 80-BF 80-BF 80-BF
 *   F4    80-8F 80-BF 80-BF        (90-BF after F4 exceed U+10FFFF)
 * F5-FF and a lone 80-BF never occur.  Only the second octet has a range
 * that depends on the lead; the others are always 80-BF.
 */
bool pctl_utf8_valid(const uint8_t *s, size_t len)
{
	size_t i = 0;

	if (s == NULL)
		return len == 0;
	while (i < len) {
		uint8_t c = s[i];
		size_t n;                     /* continuation octets */
		uint8_t lo = 0x80, hi = 0xbf; /* range of the second octet */

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else {
			return false;
		}
		/* A sequence cut by the end of the data is invalid. */
		if (len - i - 1 < n)
			return false;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (size_t k = 2; k <= n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		i += n + 1;
	}
	return true;
}

/*
 * hex.c - hexadecimal text to octets and back (hex.h).
 */
#include "hex.h"

#include <stdbool.h>
#include <string.h>

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool is_separator(char c)
{
	return c != '\0' && strchr(" \t:-.", c) != NULL;
}

static long fail(struct hex_error *err, const char *what, size_t column)
{
	err->what = what;
	err->column = column;
	return -1;
}

long hex_parse(const char *s, uint8_t *out, size_t cap, struct hex_error *err)
{
	size_t n = 0;
	size_t i = 0;
	while (s[i] != '\0') {
		if (is_separator(s[i])) {
			i++;
			continue;
		}
		int hi = digit_value(s[i]);
		if (hi < 0)
			return fail(err, "not a hex digit", i);
		int lo = digit_value(s[i + 1]);
		if (lo < 0) {
			/* A lone digit before a separator or the end is an
			 * odd count; anything else is a bad character. */
			if (s[i + 1] == '\0' || is_separator(s[i + 1]))
				return fail(err, "odd number of hex digits", i);
			return fail(err, "not a hex digit", i + 1);
		}
		if (n == cap)
			return fail(err, "datagram too long", i);
		out[n++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	if (n == 0)
		return fail(err, "no hex digits", 0);
	return (long)n;
}

void hex_write(FILE *f, const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < len; i++)
		fprintf(f, "%02x", data[i]);
}

/*
 * hex.h - hexadecimal text to octets and back, for `portctl decode`.
 */
#ifndef PORTCTL_CLI_HEX_H
#define PORTCTL_CLI_HEX_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Why hex_parse() refused its input, and where (0-based column). */
struct hex_error {
	const char *what; /* static text: "odd number of hex digits", ... */
	size_t column;
};

/* Parses one datagram written in hex: pairs of digits (either case), with
 * optional separators (space, tab, ':', '-', '.') between octets, as written
 * by xxd -p, tcpdump -X or Wireshark's "copy as hex".  A separator inside an
 * octet ("0 2") is refused, as is an odd digit count, any other
 * character, no digit at all, or more than cap octets.  Returns the number
 * of octets written to out, or -1 with err filled. */
long hex_parse(const char *s, uint8_t *out, size_t cap, struct hex_error *err);

/* Writes len octets as contiguous lowercase hex digits. */
void hex_write(FILE *f, const uint8_t *data, size_t len);

#endif

/*
 * json.h - a minimal streaming JSON writer (RFC 8259) for the CLI.
 *
 * Values are written straight to a FILE as they are produced, on one line,
 * with the commas between members and elements inserted automatically.  The
 * writer never allocates.  Strings are taken as bytes: valid UTF-8 passes
 * through, control characters, '"' and '\\' are escaped, and every byte that
 * is not part of a valid UTF-8 sequence becomes U+FFFD, so the output is
 * always valid JSON whatever the input.
 *
 * Usage:
 *	struct json_writer w;
 *	json_init(&w, stdout);
 *	json_object_begin(&w);
 *	json_key(&w, "port");
 *	json_uint(&w, 5351);
 *	json_object_end(&w);
 */
#ifndef PORTCTL_CLI_JSON_H
#define PORTCTL_CLI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Deepest nesting of objects and arrays the writer tracks. */
#define JSON_MAX_DEPTH 16

struct json_writer {
	FILE *out;
	unsigned depth;
	/* has_member[d]: the container at depth d already holds a value, so
	 * the next one needs a comma first. */
	bool has_member[JSON_MAX_DEPTH + 1];
	bool after_key; /* a key was written: the value needs no comma */
};

void json_init(struct json_writer *w, FILE *out);

/* Containers.  Nesting deeper than JSON_MAX_DEPTH is a programming error;
 * the writer then stops tracking commas but still writes brackets. */
void json_object_begin(struct json_writer *w);
void json_object_end(struct json_writer *w);
void json_array_begin(struct json_writer *w);
void json_array_end(struct json_writer *w);

/* A member name inside an object; the next call writes its value. */
void json_key(struct json_writer *w, const char *key);

/* Scalars. */
void json_string(struct json_writer *w, const char *s);
void json_string_n(struct json_writer *w, const uint8_t *s, size_t len);
void json_uint(struct json_writer *w, uint64_t v);
void json_bool(struct json_writer *w, bool v);
void json_null(struct json_writer *w);
/* len octets as one string of lowercase hex digits ("" when len is 0). */
void json_hex(struct json_writer *w, const uint8_t *data, size_t len);

/* The length of the well-formed UTF-8 sequence at s (1..4), or 0 when the
 * octets at s do not start one (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF, no truncated sequence).  Also used by the text
 * printer to decide what it must escape. */
size_t json_utf8_char_len(const uint8_t *s, size_t len);

#endif

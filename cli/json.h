/*
 * json.h - the CLI's JSON output: lib/json/jsonbuf.h (the one JSON writer of
 * the daemon and the CLI) streamed to a FILE.
 *
 * Each value is built in the writer's buffer by jsonbuf, with its escaping
 * rules (docs in jsonbuf.h: the output is valid JSON on one line whatever
 * the input), and written out before the next one, so output of any length
 * goes through a fixed buffer.  The writer never allocates.
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

#include "json/jsonbuf.h"

/* Room for the largest single value the CLI writes: a 1016-octet
 * DESCRIPTION escaped at 6 octets per octet, with its key. */
#define JSON_TOKEN_MAX 8192

struct json_writer {
	FILE *out;
	struct pctl_jbuf j;
	char buf[JSON_TOKEN_MAX];
};

void json_init(struct json_writer *w, FILE *out);

/* Containers.  Nesting deeper than PCTL_JBUF_MAX_DEPTH is a programming
 * error; the writer then stops tracking commas but still writes brackets. */
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

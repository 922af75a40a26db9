/*
 * json.c - the CLI's JSON output (json.h): every call builds its value with
 * jsonbuf and writes it out at once, so the buffer only ever holds one.
 */
#include "json.h"

#include <string.h>

#include <portctl/wire.h>

void json_init(struct json_writer *w, FILE *out)
{
	w->out = out;
	pctl_jbuf_init(&w->j, w->buf, sizeof(w->buf));
}

/* Writes what the last call built and empties the buffer; the structure
 * (depth, commas owed) stays in the jsonbuf state. */
static void drain(struct json_writer *w)
{
	fwrite(w->j.buf, 1, w->j.len, w->out);
	w->j.len = 0;
	w->j.buf[0] = '\0';
}

void json_object_begin(struct json_writer *w)
{
	pctl_jbuf_object_begin(&w->j);
	drain(w);
}

void json_object_end(struct json_writer *w)
{
	pctl_jbuf_object_end(&w->j);
	drain(w);
}

void json_array_begin(struct json_writer *w)
{
	pctl_jbuf_array_begin(&w->j);
	drain(w);
}

void json_array_end(struct json_writer *w)
{
	pctl_jbuf_array_end(&w->j);
	drain(w);
}

void json_key(struct json_writer *w, const char *key)
{
	pctl_jbuf_key(&w->j, key);
	drain(w);
}

void json_string(struct json_writer *w, const char *s)
{
	pctl_jbuf_string(&w->j, s);
	drain(w);
}

void json_string_n(struct json_writer *w, const uint8_t *s, size_t len)
{
	pctl_jbuf_string_n(&w->j, s, len);
	drain(w);
}

void json_uint(struct json_writer *w, uint64_t v)
{
	pctl_jbuf_uint(&w->j, v);
	drain(w);
}

void json_bool(struct json_writer *w, bool v)
{
	pctl_jbuf_bool(&w->j, v);
	drain(w);
}

void json_null(struct json_writer *w)
{
	pctl_jbuf_null(&w->j);
	drain(w);
}

void json_hex(struct json_writer *w, const uint8_t *data, size_t len)
{
	pctl_jbuf_hex(&w->j, data, len);
	drain(w);
}

size_t json_utf8_char_len(const uint8_t *s, size_t len)
{
	/* The shortest valid prefix is exactly one character; the codec's
	 * strict RFC 3629 validator decides, so that the CLI and the
	 * server agree on what is UTF-8. */
	for (size_t n = 1; n <= 4 && n <= len; n++)
		if (pctl_utf8_valid(s, n))
			return n;
	return 0;
}

/*
 * json.c - the streaming JSON writer declared in json.h.
 */
#include "json.h"

#include <inttypes.h>
#include <string.h>

#include <portctl/wire.h>

void json_init(struct json_writer *w, FILE *out)
{
	w->out = out;
	w->depth = 0;
	w->has_member[0] = false;
	w->after_key = false;
}

/* Called before every value and key: the comma that separates it from the
 * previous member of the same container. */
static void separate(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth <= JSON_MAX_DEPTH) {
		if (w->has_member[w->depth])
			fputc(',', w->out);
		w->has_member[w->depth] = true;
	}
}

static void open_container(struct json_writer *w, char c)
{
	separate(w);
	fputc(c, w->out);
	w->depth++;
	if (w->depth <= JSON_MAX_DEPTH)
		w->has_member[w->depth] = false;
}

static void close_container(struct json_writer *w, char c)
{
	fputc(c, w->out);
	if (w->depth > 0)
		w->depth--;
	w->after_key = false;
}

void json_object_begin(struct json_writer *w)
{
	open_container(w, '{');
}

void json_object_end(struct json_writer *w)
{
	close_container(w, '}');
}

void json_array_begin(struct json_writer *w)
{
	open_container(w, '[');
}

void json_array_end(struct json_writer *w)
{
	close_container(w, ']');
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

static void write_escaped(FILE *out, const uint8_t *s, size_t len)
{
	fputc('"', out);
	for (size_t i = 0; i < len;) {
		uint8_t c = s[i];
		size_t n = json_utf8_char_len(s + i, len - i);
		if (n == 0) {
			/* Not UTF-8: the replacement character keeps the
			 * output valid JSON and shows where the damage is. */
			fputs("\\ufffd", out);
			i++;
			continue;
		}
		if (n > 1) {
			fwrite(s + i, 1, n, out);
		} else if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
		} else if (c == '\n') {
			fputs("\\n", out);
		} else if (c == '\r') {
			fputs("\\r", out);
		} else if (c == '\t') {
			fputs("\\t", out);
		} else if (c < 0x20 || c == 0x7f) {
			/* RFC 8259 requires escaping below 0x20; DEL is
			 * escaped too so that no terminal sees it raw. */
			fprintf(out, "\\u%04x", c);
		} else {
			fputc(c, out);
		}
		i += n;
	}
	fputc('"', out);
}

void json_key(struct json_writer *w, const char *key)
{
	separate(w);
	write_escaped(w->out, (const uint8_t *)key, strlen(key));
	fputc(':', w->out);
	w->after_key = true;
}

void json_string(struct json_writer *w, const char *s)
{
	json_string_n(w, (const uint8_t *)s, strlen(s));
}

void json_string_n(struct json_writer *w, const uint8_t *s, size_t len)
{
	separate(w);
	write_escaped(w->out, s, len);
}

void json_uint(struct json_writer *w, uint64_t v)
{
	separate(w);
	fprintf(w->out, "%" PRIu64, v);
}

void json_bool(struct json_writer *w, bool v)
{
	separate(w);
	fputs(v ? "true" : "false", w->out);
}

void json_null(struct json_writer *w)
{
	separate(w);
	fputs("null", w->out);
}

void json_hex(struct json_writer *w, const uint8_t *data, size_t len)
{
	separate(w);
	fputc('"', w->out);
	for (size_t i = 0; i < len; i++)
		fprintf(w->out, "%02x", data[i]);
	fputc('"', w->out);
}

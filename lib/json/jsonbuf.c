/*
 * jsonbuf.c - the JSON writer of jsonbuf.h.
 */
#include "jsonbuf.h"

#include <string.h>

#include <portctl/wire.h>

void pctl_jbuf_init(struct pctl_jbuf *j, char *buf, size_t cap)
{
	memset(j, 0, sizeof(*j));
	j->buf = buf;
	j->cap = cap;
	if (cap)
		buf[0] = '\0';
	else
		j->overflow = true;
}

bool pctl_jbuf_ok(const struct pctl_jbuf *j)
{
	return !j->overflow;
}

/* Appends n bytes, all or none: a token never ends up cut. */
static void put(struct pctl_jbuf *j, const char *s, size_t n)
{
	if (j->overflow || j->cap - 1 - j->len < n) {
		j->overflow = true;
		return;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void puts_(struct pctl_jbuf *j, const char *s)
{
	put(j, s, strlen(s));
}

void pctl_jbuf_raw(struct pctl_jbuf *j, const char *s)
{
	puts_(j, s);
}

/* Before a value: the comma when the container already holds one. */
static void before_value(struct pctl_jbuf *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth && j->depth <= PCTL_JBUF_MAX_DEPTH) {
		if (j->has_member[j->depth])
			put(j, ",", 1);
		j->has_member[j->depth] = true;
	}
}

static void open_(struct pctl_jbuf *j, char c)
{
	before_value(j);
	put(j, &c, 1);
	j->depth++;
	if (j->depth <= PCTL_JBUF_MAX_DEPTH)
		j->has_member[j->depth] = false;
}

static void close_(struct pctl_jbuf *j, char c)
{
	if (j->depth)
		j->depth--;
	put(j, &c, 1);
}

void pctl_jbuf_object_begin(struct pctl_jbuf *j)
{
	open_(j, '{');
}

void pctl_jbuf_object_end(struct pctl_jbuf *j)
{
	close_(j, '}');
}

void pctl_jbuf_array_begin(struct pctl_jbuf *j)
{
	open_(j, '[');
}

void pctl_jbuf_array_end(struct pctl_jbuf *j)
{
	close_(j, ']');
}

/* The length of the well-formed UTF-8 sequence at s (2..4 octets), or 0:
 * its lead octet says how long it must be, the strict validator says
 * whether it is (no overlong forms, surrogates or values past U+10FFFF). */
static size_t utf8_seq(const uint8_t *s, size_t len)
{
	size_t n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;

	return n && n <= len && pctl_utf8_valid(s, n) ? n : 0;
}

void pctl_jbuf_quoted(struct pctl_jbuf *j, const uint8_t *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t start = j->len;
	bool full = j->overflow;

	put(j, "\"", 1);
	for (size_t i = 0; i < len;) {
		uint8_t c = s[i];
		char esc[8];
		size_t run = i;
		while (run < len && s[run] >= 0x20 && s[run] < 0x7f &&
		       s[run] != '"' && s[run] != '\\')
			run++;
		if (run > i) {
			/* Printable ASCII as it is, in one piece. */
			put(j, (const char *)&s[i], run - i);
			i = run;
			continue;
		}
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(j, esc, 2);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			const char *short_ = c == '\n'   ? "\\n"
			                     : c == '\r' ? "\\r"
			                     : c == '\t' ? "\\t"
			                     : c == '\b' ? "\\b"
			                     : c == '\f' ? "\\f"
			                                 : NULL;
			if (short_) {
				puts_(j, short_);
			} else {
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[c >> 4];
				esc[5] = hex[c & 15];
				put(j, esc, 6);
			}
			i++;
		} else {
			size_t n = utf8_seq(s + i, len - i);
			if (!n) {
				puts_(j, "\\ufffd");
				i++;
			} else if (n == 3 && c == 0xe2 && s[i + 1] == 0x80 &&
			           (s[i + 2] == 0xa8 || s[i + 2] == 0xa9)) {
				/* U+2028, U+2029: valid JSON, but line breaks
				 * to JavaScript and to some log viewers. */
				puts_(j,
				      s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029");
				i += 3;
			} else {
				put(j, (const char *)&s[i], n);
				i += n;
			}
		}
	}
	put(j, "\"", 1);
	if (j->overflow && !full) {
		/* Not half a string: back to before it. */
		j->len = start;
		j->buf[start] = '\0';
	}
}

void pctl_jbuf_key(struct pctl_jbuf *j, const char *key)
{
	before_value(j);
	pctl_jbuf_quoted(j, (const uint8_t *)key, strlen(key));
	put(j, ":", 1);
	j->after_key = true;
}

void pctl_jbuf_string_n(struct pctl_jbuf *j, const uint8_t *s, size_t len)
{
	before_value(j);
	pctl_jbuf_quoted(j, s, len);
}

void pctl_jbuf_string(struct pctl_jbuf *j, const char *s)
{
	pctl_jbuf_string_n(j, (const uint8_t *)s, strlen(s));
}

/* Decimal digits by hand: snprintf costs more than the rest of a record
 * (docs/performance.md, audit log). */
static void put_uint(struct pctl_jbuf *j, uint64_t v)
{
	char num[20];
	size_t i = sizeof(num);

	do {
		num[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(j, num + i, sizeof(num) - i);
}

void pctl_jbuf_raw_uint(struct pctl_jbuf *j, uint64_t v)
{
	put_uint(j, v);
}

void pctl_jbuf_uint(struct pctl_jbuf *j, uint64_t v)
{
	before_value(j);
	put_uint(j, v);
}

void pctl_jbuf_bool(struct pctl_jbuf *j, bool v)
{
	before_value(j);
	puts_(j, v ? "true" : "false");
}

void pctl_jbuf_null(struct pctl_jbuf *j)
{
	before_value(j);
	puts_(j, "null");
}

void pctl_jbuf_hex(struct pctl_jbuf *j, const uint8_t *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	before_value(j);
	size_t start = j->len;
	bool full = j->overflow;

	put(j, "\"", 1);
	for (size_t i = 0; i < len; i++) {
		char two[2] = {hex[data[i] >> 4], hex[data[i] & 15]};
		put(j, two, 2);
	}
	put(j, "\"", 1);
	if (j->overflow && !full) {
		j->len = start; /* not half a string */
		j->buf[start] = '\0';
	}
}

/*
 * jsonbuf.h - a small JSON (RFC 8259) writer into a caller's buffer.
 *
 * The one JSON writer of the daemon and the CLI: the audit log writes its
 * records with it, the control socket its mapping listing, and the CLI
 * streams it to a FILE (cli/json.h).
 * It writes one line into a fixed buffer and never allocates, so a record
 * can be built and handed to a single write(2): an O_APPEND file then never
 * holds half a record.  Commas between members and elements are inserted
 * automatically.
 *
 * Strings are bytes, possibly hostile (a PCP DESCRIPTION is whatever the
 * client sent): valid UTF-8 passes through; '"', '\\', every control
 * character (U+0000..U+001F, U+007F) and the line separators U+2028 and
 * U+2029 are escaped; every byte that does not start a well-formed UTF-8
 * sequence (RFC 3629) becomes U+FFFD.  The output is valid JSON on one line
 * whatever the input.
 *
 * When the buffer is too small the writer stops at the last complete
 * token it could fit and pctl_jbuf_ok() is false; callers drop or mark
 * such a record rather than write a cut one.
 */
#ifndef PORTCTL_JSONBUF_H
#define PORTCTL_JSONBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCTL_JBUF_MAX_DEPTH 8

struct pctl_jbuf {
	char *buf;
	size_t cap; /* bytes of buf, the terminating NUL included */
	size_t len; /* bytes written, without the NUL */
	bool overflow;
	unsigned depth;
	bool has_member[PCTL_JBUF_MAX_DEPTH + 1];
	bool after_key;
};

/* buf is kept NUL-terminated (cap >= 1). */
void pctl_jbuf_init(struct pctl_jbuf *j, char *buf, size_t cap);
bool pctl_jbuf_ok(const struct pctl_jbuf *j);

void pctl_jbuf_object_begin(struct pctl_jbuf *j);
void pctl_jbuf_object_end(struct pctl_jbuf *j);
void pctl_jbuf_array_begin(struct pctl_jbuf *j);
void pctl_jbuf_array_end(struct pctl_jbuf *j);
/* A member name (itself escaped); the next call writes its value. */
void pctl_jbuf_key(struct pctl_jbuf *j, const char *key);

void pctl_jbuf_string(struct pctl_jbuf *j, const char *s);
void pctl_jbuf_string_n(struct pctl_jbuf *j, const uint8_t *s, size_t len);
void pctl_jbuf_uint(struct pctl_jbuf *j, uint64_t v);
void pctl_jbuf_bool(struct pctl_jbuf *j, bool v);
void pctl_jbuf_null(struct pctl_jbuf *j);
/* len octets as one string of lowercase hex digits ("" when len is 0). */
void pctl_jbuf_hex(struct pctl_jbuf *j, const uint8_t *data, size_t len);

/* Raw text appended as it is, outside the JSON structure (a prefix, a
 * newline); the caller answers for its validity.  raw_uint: a number's
 * digits the same way. */
void pctl_jbuf_raw(struct pctl_jbuf *j, const char *s);
void pctl_jbuf_raw_uint(struct pctl_jbuf *j, uint64_t v);

/* The escaped form of len bytes as one JSON string, quotes included: for
 * text formats that quote untrusted strings the same way. */
void pctl_jbuf_quoted(struct pctl_jbuf *j, const uint8_t *s, size_t len);

#endif

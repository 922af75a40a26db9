/*
 * print.h - human-readable and JSON printing of PCP and NAT-PMP messages.
 *
 * A struct printer writes named fields either as indented "label: value"
 * lines (PRINT_TEXT) or as members of a JSON object (PRINT_JSON, one object
 * per line).  The message printers walk a decoded message once and emit each
 * field through it, so the two formats always show the same fields.  Every
 * subcommand that shows a message uses these; the JSON member names are a
 * stable interface, documented in portctl-decode(1).
 *
 * A record is one datagram:
 *	struct printer p;
 *	printer_init(&p, stdout, PRINT_JSON);
 *	print_record_begin(&p, "datagram 1");
 *	print_uint(&p, "length", "length", len);
 *	print_pcp_msg(&p, &msg);
 *	print_record_end(&p);
 */
#ifndef PORTCTL_CLI_PRINT_H
#define PORTCTL_CLI_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <portctl/wire.h>

#include "json.h"

enum print_format {
	PRINT_TEXT,
	PRINT_JSON,
};

struct printer {
	enum print_format format;
	FILE *out;
	unsigned indent; /* text: nesting level of the current field */
	struct json_writer json;
};

void printer_init(struct printer *p, FILE *out, enum print_format format);

/* A record: text writes the title line and indents what follows; JSON opens
 * an object.  print_record_end() ends the line (JSON) or adds a blank line
 * (text). */
void print_record_begin(struct printer *p, const char *title);
void print_record_end(struct printer *p);

/* Nested objects and arrays.  key is the JSON member name (NULL for an
 * array element); label is the text heading. */
void print_object_begin(struct printer *p, const char *key, const char *label);
void print_object_end(struct printer *p);
void print_array_begin(struct printer *p, const char *key);
void print_array_end(struct printer *p);

/* Fields: key is the JSON member name, label the text one. */
void print_uint(struct printer *p, const char *key, const char *label,
                uint64_t v);
void print_bool(struct printer *p, const char *key, const char *label, bool v);
/* Trusted text such as a name from a table: written as is. */
void print_string(struct printer *p, const char *key, const char *label,
                  const char *s);
/* Untrusted octets (a DESCRIPTION): text shows them quoted with C escapes
 * for non-printable octets and invalid UTF-8; JSON escapes them (json.h). */
void print_text(struct printer *p, const char *key, const char *label,
                const uint8_t *s, size_t len);
/* Octets as lowercase hex. */
void print_hex(struct printer *p, const char *key, const char *label,
               const uint8_t *data, size_t len);
/* A number with its name: text "label: NAME (v)"; JSON "key": v and
 * "key_name": "NAME". */
void print_named(struct printer *p, const char *key, const char *label,
                 uint64_t v, const char *name);
/* A PCP address: text "label: 192.0.2.1 (IPv4-mapped)" or "... (IPv6)";
 * JSON "key": "192.0.2.1" and "key_family": "ipv4" or "ipv6". */
void print_addr(struct printer *p, const char *key, const char *label,
                const pctl_addr *a);

/* Every field of a decoded PCP message (pctl_decode), options included,
 * into the current record.  An option whose data does not fit its code
 * (W-8: a FILTER that is not 20 octets, a PORT_SET of size 0, ...) is shown
 * with its raw data and the result code it deserves; the first such option
 * is returned (NULL when all are well-formed). */
const struct pctl_option *print_pcp_msg(struct printer *p,
                                        const struct pctl_msg *m);
/* Every field of a NAT-PMP message decoded from the len octets at buf;
 * fields the datagram is too short to carry (an 8-octet error reply) are
 * left out, octets beyond its format are shown as "trailing". */
void print_natpmp_msg(struct printer *p, const struct pctl_natpmp *m,
                      const uint8_t *buf, size_t len);

/* "EXTERNAL_ADDRESS", "MAP_UDP", "MAP_TCP" or "UNKNOWN". */
const char *natpmp_opcode_name(uint8_t opcode);

#endif

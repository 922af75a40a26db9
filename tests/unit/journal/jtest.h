/*
 * Helpers shared by the journal tests: a fake inner backend that records
 * what it is asked and can be told to fail, a fake pair of clocks, a
 * private state directory per test, and a real engine fed with real MAP
 * requests built by the codec.
 */
#ifndef PORTCTL_TESTS_JTEST_H
#define PORTCTL_TESTS_JTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fake_dp.h"
#include "journal.h"
#include "journal_record.h"

/* The fake data plane (tests/support/fake_dp.h), zeroed, holding the ids
 * of what is committed; with the optional ops (lookup_flow, idle_left,
 * dump) when with_lookup. */
struct pctl_backend jt_backend_make(struct fake_dp *b, bool with_lookup);

/* Fake clocks for pctl_journal_opts and the engine. */
struct jt_clock {
	uint64_t mono_ms;
	int64_t real_s;
};
void jt_opts(struct pctl_journal_opts *o, struct jt_clock *c);

/* A fresh private directory under $TMPDIR (or /tmp), removed with all its
 * files by jt_rmdir. */
void jt_mkdir(char *out, size_t len);
void jt_rmdir(const char *dir);
/* dir/name into out. */
void jt_path(char *out, size_t len, const char *dir, const char *name);
/* The bytes of a file (malloc'd) and its length; NULL when absent. */
uint8_t *jt_read(const char *path, size_t *len);
void jt_write(const char *path, const uint8_t *buf, size_t len);

/* An engine configuration: NAT44 to 203.0.113.1, default everything else,
 * DESCRIPTION and THIRD_PARTY allowed for 192.0.2.0/24. */
void jt_engine_config(struct pctl_engine_config *cfg);

/* A MAP request's fields, by name (a field left out is zero). */
struct jt_map_req {
	uint8_t host; /* the client is 192.0.2.<host> */
	uint8_t protocol;
	uint16_t int_port;
	uint32_t lifetime;
	uint8_t nonce;    /* every byte of the mapping nonce */
	const char *desc; /* a DESCRIPTION option when not NULL */
};

/* Sends the MAP request q to the engine and returns the response's result
 * code (or -1 when dropped); *ext_port (when not NULL) gets the assigned
 * port.  jt_map names the fields: jt_map(e, now, &port, .host = 10,
 * .protocol = 6, .int_port = 22, .lifetime = 600, .nonce = 1). */
int jt_map_fields(struct pctl_engine *e, uint64_t now_ms,
                  const struct jt_map_req *q, uint16_t *ext_port);
#define jt_map(e, now_ms, ext_port, ...)                                       \
	jt_map_fields(e, now_ms, &(const struct jt_map_req){__VA_ARGS__},      \
	              ext_port)

/* One mapping as seen through pctl_engine_foreach, copied. */
struct jt_seen {
	uint8_t kind, protocol;
	pctl_addr int_addr, ext_addr;
	uint16_t int_port, ext_port, port_count;
	uint32_t lifetime_left;
	size_t n_filters;
	struct pctl_filter filters[4];
};
/* Fills out (sorted by protocol, internal address and port) and returns
 * how many mappings the engine holds (at most max are copied). */
size_t jt_list(const struct pctl_engine *e, uint64_t now_ms,
               struct jt_seen *out, size_t max);

/* A fully populated data-plane mapping (every journal field set, two
 * filters, a description and a THIRD_PARTY_ID), varied by n. */
struct jt_dp {
	struct pctl_dp_mapping dp;
	struct pctl_filter filters[2];
	uint8_t desc[40];
	uint8_t tpid[8];
};
void jt_dp_full(struct jt_dp *d, uint64_t id, unsigned n);

/* Records of a journal file (after its header): counts by type, and the
 * offset of the first bad record (or the length). */
struct jt_scan {
	size_t upserts, removes, epochs;
	size_t good_end;
};
void jt_scan(const uint8_t *buf, size_t len, struct jt_scan *s);

#endif

/*
 * The on-disk format of portctld's state journal (journal.h), and its
 * encoder and decoder.  Pure functions over byte buffers: no I/O, so the
 * fuzzer and the unit tests can drive them directly.
 *
 * A journal file is a file header followed by records; every number is big
 * endian.
 *
 *   file header (16 octets):
 *     0  magic "PCTLJRNL"
 *     8  version (16 bits, PCTLD_JR_VERSION)
 *    10  flags (16 bits, 0)
 *    12  CRC-32 of octets 0..11
 *
 *   record header (12 octets), then `length` octets of payload:
 *     0  type (8 bits, enum pctld_jr_type)
 *     1  reserved (8 bits, 0)
 *     2  reserved (16 bits, 0)
 *     4  length (32 bits, payload octets, at most PCTLD_JR_MAX_PAYLOAD)
 *     8  CRC-32 of header octets 0..7 followed by the payload
 *
 *   UPSERT payload: a mapping as it is after a committed create or refresh
 *     0  id (64)            8  expiry (64, signed CLOCK_REALTIME seconds;
 *                                         PCTLD_JR_NEVER = never expires)
 *    16  kind (8)  17 protocol (8)
 *    18  flags (8: OUTBOUND|PARITY|THIRD_PARTY|PREFER_FAIL|NONCE_UNKNOWN)
 *    19  reserved (8)
 *    20  internal address (128) 36 internal port (16)
 *    38  external address (128) 54 external port (16)  56 port count (16)
 *    58  remote address (128)   74 remote port (16)
 *    76  nonce (96)
 *    88  client address (128)  104 client port (16)
 *   106  server address (128)
 *   122  filter count (16)  124 description length (16)  126 THIRD_PARTY_ID
 *        length (16)
 *   128  filters, 19 octets each: prefix length (8), port (16), address
 *        (128); then the description, then the THIRD_PARTY_ID
 *
 *   REMOVE payload: id (64).
 *   EPOCH payload: epoch (32), then the CLOCK_REALTIME second (64, signed)
 *     at which the engine's epoch had that value (S-24, S-25).
 *   BOOT payload: the kernel's boot id (1..64 octets of text) of the boot
 *     that wrote the records after it.
 *   CLEAN payload: none.  Written last by a clean shutdown, after which
 *     everything before it was synced.
 *
 * The absolute expiry is in wall-clock seconds because the monotonic clock
 * restarts at boot; a restart computes the lifetime left from it.
 */
#ifndef PORTCTLD_JOURNAL_RECORD_H
#define PORTCTLD_JOURNAL_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../server/backend.h"
#include "../server/engine.h"

#define PCTLD_JR_MAGIC        "PCTLJRNL"
#define PCTLD_JR_VERSION      1
#define PCTLD_JR_FILE_HDR_LEN 16
#define PCTLD_JR_HDR_LEN      12
#define PCTLD_JR_UPSERT_FIXED 128
#define PCTLD_JR_FILTER_LEN   19
#define PCTLD_JR_REMOVE_LEN   8
#define PCTLD_JR_EPOCH_LEN    12
#define PCTLD_JR_MAX_BOOT_ID  64
/* Limits that bound a record (and so the decoder's work): the engine keeps
 * at most 256 filters, a 1016-octet description and ID (one option's data,
 * W-11.1).  The largest record is therefore under 7 KiB. */
#define PCTLD_JR_MAX_FILTERS 256
#define PCTLD_JR_MAX_BLOB    PCTL_OPT_MAX_DATA
#define PCTLD_JR_MAX_PAYLOAD                                                   \
	(PCTLD_JR_UPSERT_FIXED + PCTLD_JR_MAX_FILTERS * PCTLD_JR_FILTER_LEN +  \
	 2 * PCTLD_JR_MAX_BLOB)
#define PCTLD_JR_MAX_RECORD (PCTLD_JR_HDR_LEN + PCTLD_JR_MAX_PAYLOAD)
#define PCTLD_JR_NEVER      INT64_MAX

enum pctld_jr_type {
	PCTLD_JR_UPSERT = 1,
	PCTLD_JR_REMOVE = 2,
	PCTLD_JR_EPOCH = 3,
	PCTLD_JR_BOOT = 4,
	PCTLD_JR_CLEAN = 5,
};

/* UPSERT flag bits. */
#define PCTLD_JR_F_OUTBOUND    0x01
#define PCTLD_JR_F_PARITY      0x02
#define PCTLD_JR_F_THIRD_PARTY 0x04
#define PCTLD_JR_F_PREFER_FAIL 0x08 /* S-36.1, S-95: endpoint fixed */
/* Adopted from the data plane after a damaged journal: the nonce field is
 * zero and the owner's first MAP sets it (engine.h, nonce_unknown). */
#define PCTLD_JR_F_NONCE_UNKNOWN 0x10

/* One record found in a buffer; payload points into that buffer. */
struct pctld_jr_record {
	uint8_t type;
	const uint8_t *payload;
	size_t len;
};

/* A decoded UPSERT.  info.lifetime_left is not set (the caller derives it
 * from expiry); info's filters, desc and tpid point into the record and the
 * filter array given to the decoder. */
struct pctld_jr_mapping {
	struct pctl_mapping_info info;
	int64_t expiry; /* CLOCK_REALTIME seconds or PCTLD_JR_NEVER */
	bool outbound;
};

/* Writes the file header to out. */
void pctld_jr_file_header(uint8_t out[PCTLD_JR_FILE_HDR_LEN]);

/* Checks a file header: 0, or -1 with *why set to a static reason (short,
 * bad magic, bad CRC, unknown version). */
int pctld_jr_check_file_header(const uint8_t *buf, size_t len,
                               const char **why);

/* Encodes an UPSERT record of m expiring at `expiry` into out (cap octets).
 * Returns the record's length, or 0 when it does not fit in cap or m is out
 * of the format's limits (more than PCTLD_JR_MAX_FILTERS filters, a
 * description or ID longer than PCTLD_JR_MAX_BLOB, a NULL pointer with a
 * non-zero length). */
size_t pctld_jr_encode_upsert(const struct pctl_dp_mapping *m, int64_t expiry,
                              uint8_t *out, size_t cap);

/* Encodes a REMOVE record; returns its length (PCTLD_JR_HDR_LEN + 8). */
size_t
pctld_jr_encode_remove(uint64_t id,
                       uint8_t out[PCTLD_JR_HDR_LEN + PCTLD_JR_REMOVE_LEN]);

/* Encodes an EPOCH record: the epoch was `epoch` at wall-clock second
 * `realtime`.  Returns its length (PCTLD_JR_HDR_LEN + 12). */
size_t
pctld_jr_encode_epoch(uint32_t epoch, int64_t realtime,
                      uint8_t out[PCTLD_JR_HDR_LEN + PCTLD_JR_EPOCH_LEN]);

/* Encodes a BOOT record (len 1..PCTLD_JR_MAX_BOOT_ID, else 0 is
 * returned); returns its length. */
size_t
pctld_jr_encode_boot(const char *id, size_t len,
                     uint8_t out[PCTLD_JR_HDR_LEN + PCTLD_JR_MAX_BOOT_ID]);

/* Encodes a CLEAN record; returns its length (PCTLD_JR_HDR_LEN). */
size_t pctld_jr_encode_clean(uint8_t out[PCTLD_JR_HDR_LEN]);

/* Reads the record at the start of buf.  Returns its total length (header
 * and payload), or 0 with *why set when buf holds no complete valid record:
 * truncated header or payload, length beyond PCTLD_JR_MAX_PAYLOAD, CRC
 * mismatch, non-zero reserved bits, unknown type, or a payload length the
 * type does not allow.  An UPSERT's payload is only checked by
 * pctld_jr_decode_upsert. */
size_t pctld_jr_next(const uint8_t *buf, size_t len,
                     struct pctld_jr_record *rec, const char **why);

/* Resynchronisation after a bad record: the offset of the first valid
 * record (pctld_jr_next succeeds) that starts after `from` in buf, or len
 * when there is none.  A candidate offset is hashed only when its header is
 * plausible (known type, reserved octets zero, a length the type allows and
 * that fits), and every octet hashed or looked at is taken from *budget: once
 * it is spent the scan gives up (len is returned), so that a hostile file
 * costs at most the budget however its headers are forged.  A false match
 * needs a forged header AND a CRC-32 that happens to fit (2^-32 per
 * plausible candidate). */
size_t pctld_jr_resync(const uint8_t *buf, size_t len, size_t from,
                       uint64_t *budget);

/* Decodes an UPSERT payload.  filters must hold PCTLD_JR_MAX_FILTERS.
 * 0, or -1 with *why set (length does not match the counts, counts beyond
 * the limits, unknown kind or flag bits, port count 0). */
int pctld_jr_decode_upsert(const uint8_t *p, size_t len,
                           struct pctld_jr_mapping *out,
                           struct pctl_filter *filters, const char **why);

/* The id of an UPSERT or REMOVE payload (both start with it). */
uint64_t pctld_jr_record_id(const struct pctld_jr_record *rec);

/* Decodes an EPOCH payload. */
void pctld_jr_decode_epoch(const struct pctld_jr_record *rec, uint32_t *epoch,
                           int64_t *realtime);

/* Rewrites the id of an encoded UPSERT or REMOVE record (rec points at its
 * header) and its CRC: a mapping restored after a restart gets a new id. */
void pctld_jr_set_id(uint8_t *rec, uint64_t id);

#endif

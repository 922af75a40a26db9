/*
 * The journal's record codec (daemon/journal_record.c), its CRC-32 and its
 * live-set hash (daemon/journal_map.c): round trips of every field, and a
 * precise verdict for every kind of bad record.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "crc32.h"
#include "journal_map.h"
#include "jtest.h"

static void test_crc32_check_value(void **state)
{
	(void)state;
	/* The standard check value of CRC-32/ISO-HDLC. */
	assert_int_equal(pctld_crc32(0, "123456789", 9), 0xCBF43926u);
	/* Chaining over pieces equals one pass. */
	assert_int_equal(pctld_crc32(pctld_crc32(0, "1234", 4), "56789", 5),
	                 0xCBF43926u);
	assert_int_equal(pctld_crc32(0, "", 0), 0);
}

static void test_upsert_round_trip_every_field(void **state)
{
	struct jt_dp d;
	uint8_t buf[PCTLD_JR_MAX_RECORD];
	struct pctl_filter filters[PCTLD_JR_MAX_FILTERS];
	struct pctld_jr_record rec;
	struct pctld_jr_mapping m;
	const char *why = NULL;
	(void)state;

	jt_dp_full(&d, 0x0102030405060708ull, 3);
	d.dp.outbound = true;
	size_t n = pctld_jr_encode_upsert(&d.dp, 1790000000, buf, sizeof(buf));
	assert_int_equal(n, PCTLD_JR_HDR_LEN + PCTLD_JR_UPSERT_FIXED +
	                        2 * PCTLD_JR_FILTER_LEN + d.dp.desc_len + 8);
	/* Big endian on disk: the id's first octet is its high one. */
	assert_int_equal(buf[PCTLD_JR_HDR_LEN], 0x01);
	assert_int_equal(pctld_jr_next(buf, n, &rec, &why), n);
	assert_int_equal(rec.type, PCTLD_JR_UPSERT);
	assert_int_equal(pctld_jr_record_id(&rec), 0x0102030405060708ull);
	assert_int_equal(
	    pctld_jr_decode_upsert(rec.payload, rec.len, &m, filters, &why), 0);
	const struct pctl_mapping_info *i = &m.info;
	assert_int_equal(m.expiry, 1790000000);
	assert_true(m.outbound);
	assert_int_equal(i->id, d.dp.id);
	assert_int_equal(i->kind, d.dp.kind);
	assert_int_equal(i->protocol, d.dp.protocol);
	assert_memory_equal(&i->int_addr, &d.dp.int_addr, 16);
	assert_int_equal(i->int_port, d.dp.int_port);
	assert_memory_equal(&i->ext_addr, &d.dp.ext_addr, 16);
	assert_int_equal(i->ext_port, d.dp.ext_port);
	assert_int_equal(i->port_count, d.dp.port_count);
	assert_memory_equal(&i->remote_addr, &d.dp.remote_addr, 16);
	assert_int_equal(i->remote_port, d.dp.remote_port);
	assert_memory_equal(i->nonce, d.dp.nonce, PCTL_NONCE_LEN);
	assert_true(i->parity);
	assert_true(i->third_party);
	assert_int_equal(i->prefer_failure, d.dp.prefer_failure);
	assert_int_equal(i->n_filters, 2);
	for (size_t k = 0; k < 2; k++) {
		assert_int_equal(i->filters[k].prefix_len,
		                 d.filters[k].prefix_len);
		assert_int_equal(i->filters[k].port, d.filters[k].port);
		assert_memory_equal(&i->filters[k].addr, &d.filters[k].addr,
		                    16);
	}
	assert_int_equal(i->desc_len, d.dp.desc_len);
	assert_memory_equal(i->desc, d.desc, d.dp.desc_len);
	assert_int_equal(i->tpid_len, 8);
	assert_memory_equal(i->tpid, d.tpid, 8);
	assert_memory_equal(&i->client_addr, &d.dp.client_addr, 16);
	assert_int_equal(i->client_port, d.dp.client_port);
	assert_memory_equal(&i->server_addr, &d.dp.server_addr, 16);

	/* A new id (restart) keeps the record valid. */
	pctld_jr_set_id(buf, 99);
	assert_int_equal(pctld_jr_next(buf, n, &rec, &why), n);
	assert_int_equal(pctld_jr_record_id(&rec), 99);
}

static void test_upsert_minimal_and_never(void **state)
{
	struct pctl_dp_mapping dp = {.id = 7, .protocol = 6, .port_count = 1};
	uint8_t buf[PCTLD_JR_MAX_RECORD];
	struct pctl_filter filters[PCTLD_JR_MAX_FILTERS];
	struct pctld_jr_record rec;
	struct pctld_jr_mapping m;
	const char *why;
	(void)state;

	size_t n =
	    pctld_jr_encode_upsert(&dp, PCTLD_JR_NEVER, buf, sizeof(buf));
	assert_int_equal(n, PCTLD_JR_HDR_LEN + PCTLD_JR_UPSERT_FIXED);
	assert_int_equal(pctld_jr_next(buf, n, &rec, &why), n);
	assert_int_equal(
	    pctld_jr_decode_upsert(rec.payload, rec.len, &m, filters, &why), 0);
	assert_int_equal(m.expiry, PCTLD_JR_NEVER);
	assert_null(m.info.filters);
	assert_null(m.info.desc);
	assert_null(m.info.tpid);
	assert_false(m.outbound);
}

static void test_upsert_beyond_limits_refused(void **state)
{
	struct jt_dp d;
	uint8_t buf[PCTLD_JR_MAX_RECORD];
	(void)state;

	jt_dp_full(&d, 1, 1);
	/* Too small a buffer. */
	assert_int_equal(pctld_jr_encode_upsert(&d.dp, 1, buf, 100), 0);
	d.dp.n_filters = PCTLD_JR_MAX_FILTERS + 1;
	assert_int_equal(pctld_jr_encode_upsert(&d.dp, 1, buf, sizeof(buf)), 0);
	jt_dp_full(&d, 1, 1);
	d.dp.desc_len = PCTLD_JR_MAX_BLOB + 1;
	assert_int_equal(pctld_jr_encode_upsert(&d.dp, 1, buf, sizeof(buf)), 0);
	jt_dp_full(&d, 1, 1);
	d.dp.tpid = NULL;
	assert_int_equal(pctld_jr_encode_upsert(&d.dp, 1, buf, sizeof(buf)), 0);
}

static void test_remove_and_epoch_round_trip(void **state)
{
	uint8_t rm[PCTLD_JR_HDR_LEN + PCTLD_JR_REMOVE_LEN];
	uint8_t ep[PCTLD_JR_HDR_LEN + PCTLD_JR_EPOCH_LEN];
	struct pctld_jr_record rec;
	const char *why;
	uint32_t epoch;
	int64_t rt;
	(void)state;

	size_t n = pctld_jr_encode_remove(0xfeedull, rm);
	assert_int_equal(pctld_jr_next(rm, n, &rec, &why), n);
	assert_int_equal(rec.type, PCTLD_JR_REMOVE);
	assert_int_equal(pctld_jr_record_id(&rec), 0xfeed);

	n = pctld_jr_encode_epoch(4242, 1700000123, ep);
	assert_int_equal(pctld_jr_next(ep, n, &rec, &why), n);
	assert_int_equal(rec.type, PCTLD_JR_EPOCH);
	pctld_jr_decode_epoch(&rec, &epoch, &rt);
	assert_int_equal(epoch, 4242);
	assert_int_equal(rt, 1700000123);
}

static void test_boot_and_clean_records(void **state)
{
	uint8_t buf[PCTLD_JR_HDR_LEN + PCTLD_JR_MAX_BOOT_ID];
	char id[PCTLD_JR_MAX_BOOT_ID + 1];
	struct pctld_jr_record rec;
	const char *why;
	(void)state;

	size_t n = pctld_jr_encode_boot("0b6f-boot", 9, buf);
	assert_int_equal(n, PCTLD_JR_HDR_LEN + 9);
	assert_int_equal(pctld_jr_next(buf, n, &rec, &why), n);
	assert_int_equal(rec.type, PCTLD_JR_BOOT);
	assert_int_equal(rec.len, 9);
	assert_memory_equal(rec.payload, "0b6f-boot", 9);
	memset(id, 'x', sizeof(id));
	assert_int_equal(pctld_jr_encode_boot(id, 0, buf), 0);
	assert_int_equal(
	    pctld_jr_encode_boot(id, PCTLD_JR_MAX_BOOT_ID + 1, buf), 0);

	n = pctld_jr_encode_clean(buf);
	assert_int_equal(n, PCTLD_JR_HDR_LEN);
	assert_int_equal(pctld_jr_next(buf, n, &rec, &why), n);
	assert_int_equal(rec.type, PCTLD_JR_CLEAN);
}

static void test_file_header(void **state)
{
	uint8_t h[PCTLD_JR_FILE_HDR_LEN];
	const char *why = NULL;
	(void)state;

	pctld_jr_file_header(h);
	assert_int_equal(pctld_jr_check_file_header(h, sizeof(h), &why), 0);
	assert_int_equal(pctld_jr_check_file_header(h, 15, &why), -1);
	assert_string_equal(why, "file header truncated");
	h[0] ^= 1;
	assert_int_equal(pctld_jr_check_file_header(h, sizeof(h), &why), -1);
	assert_string_equal(why, "not a portctld journal (bad magic)");
	pctld_jr_file_header(h);
	h[13] ^= 1;
	assert_int_equal(pctld_jr_check_file_header(h, sizeof(h), &why), -1);
	assert_string_equal(why, "file header CRC mismatch");
}

/* Rewrites a record's header fields and re-seals its CRC, to reach the
 * checks that come after the CRC. */
static void reseal(uint8_t *rec)
{
	uint32_t plen = (uint32_t)rec[4] << 24 | (uint32_t)rec[5] << 16 |
	                (uint32_t)rec[6] << 8 | rec[7];
	uint32_t crc = pctld_crc32(0, rec, 8);
	crc = pctld_crc32(crc, rec + PCTLD_JR_HDR_LEN, plen);
	rec[8] = (uint8_t)(crc >> 24);
	rec[9] = (uint8_t)(crc >> 16);
	rec[10] = (uint8_t)(crc >> 8);
	rec[11] = (uint8_t)crc;
}

static void expect_bad(const uint8_t *buf, size_t len, const char *reason)
{
	struct pctld_jr_record rec;
	const char *why = NULL;
	assert_int_equal(pctld_jr_next(buf, len, &rec, &why), 0);
	assert_non_null(why);
	assert_string_equal(why, reason);
}

static void test_bad_records_named(void **state)
{
	uint8_t buf[PCTLD_JR_MAX_RECORD];
	(void)state;

	size_t n = pctld_jr_encode_remove(1, buf);
	expect_bad(buf, 11, "record header truncated");
	expect_bad(buf, n - 1, "record payload truncated");
	buf[PCTLD_JR_HDR_LEN] ^= 0x80;
	expect_bad(buf, n, "record CRC mismatch");

	pctld_jr_encode_remove(1, buf);
	buf[1] = 1;
	reseal(buf);
	expect_bad(buf, n, "record reserved bits set");

	pctld_jr_encode_remove(1, buf);
	buf[0] = 9;
	reseal(buf);
	expect_bad(buf, n, "unknown record type");

	pctld_jr_encode_remove(1, buf);
	buf[0] = PCTLD_JR_EPOCH;
	reseal(buf);
	expect_bad(buf, n, "EPOCH record of wrong length");

	pctld_jr_encode_epoch(1, 1, buf);
	buf[0] = PCTLD_JR_REMOVE;
	reseal(buf);
	expect_bad(buf, PCTLD_JR_HDR_LEN + PCTLD_JR_EPOCH_LEN,
	           "REMOVE record of wrong length");

	pctld_jr_encode_remove(1, buf);
	buf[0] = PCTLD_JR_CLEAN;
	reseal(buf);
	expect_bad(buf, n, "CLEAN record of wrong length");

	pctld_jr_encode_clean(buf);
	buf[0] = PCTLD_JR_BOOT;
	reseal(buf);
	expect_bad(buf, PCTLD_JR_HDR_LEN, "BOOT record of wrong length");

	pctld_jr_encode_remove(1, buf);
	buf[0] = PCTLD_JR_UPSERT;
	reseal(buf);
	expect_bad(buf, n, "UPSERT record too short");

	/* A huge length is refused before anything is read past the
	 * header. */
	pctld_jr_encode_remove(1, buf);
	buf[4] = 0x7f;
	expect_bad(buf, n, "record length out of range");
}

static void expect_bad_upsert(uint8_t *rec, size_t len, const char *reason)
{
	struct pctl_filter filters[PCTLD_JR_MAX_FILTERS];
	struct pctld_jr_mapping m;
	const char *why = NULL;
	assert_int_equal(pctld_jr_decode_upsert(rec + PCTLD_JR_HDR_LEN,
	                                        len - PCTLD_JR_HDR_LEN, &m,
	                                        filters, &why),
	                 -1);
	assert_string_equal(why, reason);
}

static void test_bad_upsert_payloads_named(void **state)
{
	struct jt_dp d;
	uint8_t buf[PCTLD_JR_MAX_RECORD];
	uint8_t *p = buf + PCTLD_JR_HDR_LEN;
	(void)state;

	jt_dp_full(&d, 1, 1);
	size_t n = pctld_jr_encode_upsert(&d.dp, 5, buf, sizeof(buf));
	p[123] = 3; /* three filters claimed, two present */
	expect_bad_upsert(buf, n, "UPSERT length does not match its counts");

	n = pctld_jr_encode_upsert(&d.dp, 5, buf, sizeof(buf));
	p[122] = 0xff; /* 65k filters */
	expect_bad_upsert(buf, n, "UPSERT counts beyond limits");

	n = pctld_jr_encode_upsert(&d.dp, 5, buf, sizeof(buf));
	p[16] = PCTL_MK_KINDS;
	expect_bad_upsert(buf, n, "UPSERT of unknown mapping kind");

	n = pctld_jr_encode_upsert(&d.dp, 5, buf, sizeof(buf));
	p[18] |= 0x80;
	expect_bad_upsert(buf, n, "UPSERT unknown flag bits");

	n = pctld_jr_encode_upsert(&d.dp, 5, buf, sizeof(buf));
	p[56] = p[57] = 0;
	expect_bad_upsert(buf, n, "UPSERT port count 0");

	expect_bad_upsert(buf, PCTLD_JR_HDR_LEN + 10,
	                  "UPSERT record too short");
}

/* The hash against a plain array: random puts and deletes over a small id
 * space keep the same contents (backward-shift deletion included). */
static void test_jmap_matches_reference(void **state)
{
	enum { IDS = 300, OPS = 20000 };
	static uint8_t tag[IDS];
	static bool present[IDS];
	struct pctld_jmap m = {0};
	uint32_t x = 12345;
	(void)state;

	memset(present, 0, sizeof(present));
	for (int op = 0; op < OPS; op++) {
		x = x * 1103515245u + 12345u;
		uint64_t id = (x >> 8) % IDS * 0x10001ull;
		size_t k = (size_t)(id / 0x10001ull);
		if ((x >> 20) & 1) {
			assert_int_equal(pctld_jmap_reserve(&m, m.n + 1), 0);
			uint8_t *old = pctld_jmap_put(&m, id, &tag[k], 1);
			assert_ptr_equal(old, present[k] ? &tag[k] : NULL);
			present[k] = true;
		} else {
			uint8_t *old = pctld_jmap_del(&m, id);
			assert_ptr_equal(old, present[k] ? &tag[k] : NULL);
			present[k] = false;
		}
		if (op % 1000 == 0) {
			size_t count = 0;
			for (size_t i = 0; i < IDS; i++) {
				struct pctld_jmap_slot *s =
				    pctld_jmap_get(&m, i * 0x10001ull);
				assert_true((s != NULL) == present[i]);
				count += present[i];
			}
			assert_int_equal(count, m.n);
		}
	}
	pctld_jmap_free(&m, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_crc32_check_value),
	    cmocka_unit_test(test_upsert_round_trip_every_field),
	    cmocka_unit_test(test_upsert_minimal_and_never),
	    cmocka_unit_test(test_upsert_beyond_limits_refused),
	    cmocka_unit_test(test_remove_and_epoch_round_trip),
	    cmocka_unit_test(test_boot_and_clean_records),
	    cmocka_unit_test(test_file_header),
	    cmocka_unit_test(test_bad_records_named),
	    cmocka_unit_test(test_bad_upsert_payloads_named),
	    cmocka_unit_test(test_jmap_matches_reference),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

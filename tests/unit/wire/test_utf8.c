/*
 * test_utf8.c - strict RFC 3629 validation for DESCRIPTION: what
 * fails here is ignored by the server, never echoed.
 */
/* cmocka needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <portctl/wire.h>

#include <string.h>

#define VALID(s)                                                               \
	assert_true(pctl_utf8_valid((const uint8_t *)(s), sizeof(s) - 1))
#define INVALID(s)                                                             \
	assert_false(pctl_utf8_valid((const uint8_t *)(s), sizeof(s) - 1))

static void test_x1_4_ascii_and_empty(void **state)
{
	(void)state;
	VALID("");
	VALID("web server");
	VALID("\x7f");
	/* NUL is a code point like any other; the option is not a C string. */
	VALID("a\0b");
	assert_true(pctl_utf8_valid(NULL, 0));
	assert_false(pctl_utf8_valid(NULL, 1));
}

static void test_x1_4_valid_multibyte_boundaries(void **state)
{
	(void)state;
	VALID("\xc2\x80");                 /* U+0080 */
	VALID("\xdf\xbf");                 /* U+07FF */
	VALID("\xe0\xa0\x80");             /* U+0800 */
	VALID("\xed\x9f\xbf");             /* U+D7FF, just below surrogates */
	VALID("\xee\x80\x80");             /* U+E000, just above */
	VALID("\xef\xbf\xbf");             /* U+FFFF */
	VALID("caf\xc3\xa9 \xe2\x82\xac"); /* "café €" */
}

static void test_x1_4_valid_four_byte(void **state)
{
	(void)state;
	VALID("\xf0\x90\x80\x80"); /* U+10000 */
	VALID("\xf0\x9f\x98\x80"); /* U+1F600 */
	VALID("\xf3\xbf\xbf\xbf"); /* U+FFFFF */
	VALID("\xf4\x8f\xbf\xbf"); /* U+10FFFF, the last code point */
	VALID("x\xf0\x9f\x98\x80y");
}

static void test_x1_4_overlongs_rejected(void **state)
{
	(void)state;
	INVALID("\xc0\x80"); /* NUL in two octets ("modified UTF-8") */
	INVALID("\xc0\xaf"); /* '/' */
	INVALID("\xc1\xbf"); /* U+007F */
	INVALID("\xe0\x80\x80");
	INVALID("\xe0\x9f\xbf"); /* U+07FF in three octets */
	INVALID("\xf0\x80\x80\x80");
	INVALID("\xf0\x8f\xbf\xbf"); /* U+FFFF in four octets */
}

static void test_x1_4_surrogates_rejected(void **state)
{
	(void)state;
	INVALID("\xed\xa0\x80"); /* U+D800 */
	INVALID("\xed\xaf\xbf"); /* U+DBFF */
	INVALID("\xed\xb0\x80"); /* U+DC00 */
	INVALID("\xed\xbf\xbf"); /* U+DFFF */
	/* A CESU-8 pair for U+1F600. */
	INVALID("\xed\xa0\xbd\xed\xb8\x80");
}

static void test_x1_4_above_u10ffff_rejected(void **state)
{
	(void)state;
	INVALID("\xf4\x90\x80\x80"); /* U+110000 */
	INVALID("\xf5\x80\x80\x80");
	INVALID("\xf7\xbf\xbf\xbf");
	INVALID("\xf8\x88\x80\x80\x80"); /* old 5-octet form */
	INVALID("\xfc\x84\x80\x80\x80\x80");
	INVALID("\xfe");
	INVALID("\xff");
}

static void test_x1_4_truncated_sequences_rejected(void **state)
{
	(void)state;
	INVALID("\xc3");
	INVALID("\xe2\x82");
	INVALID("\xf0\x9f\x98");
	INVALID("abc\xf0");
	/* Cut by the length, not by a NUL: the octets after len are not read.
	 */
	static const uint8_t euro[] = {0xe2, 0x82, 0xac};
	assert_false(pctl_utf8_valid(euro, 2));
	assert_true(pctl_utf8_valid(euro, 3));
}

static void test_x1_4_bad_continuations_rejected(void **state)
{
	(void)state;
	INVALID("\x80"); /* lone continuation */
	INVALID("\xbf");
	INVALID("a\x80z");
	INVALID("\xc3\x28"); /* second octet not 10xxxxxx */
	INVALID("\xc3\xc3\xa9");
	INVALID("\xe2\x28\xac");
	INVALID("\xe2\x82\x28"); /* third octet */
	INVALID("\xf0\x9f\x28\x80");
	INVALID("\xf0\x9f\x98\x28"); /* fourth octet */
	INVALID("\xe2\x82\xac\xac"); /* one continuation too many */
}

/* Every single octet: exactly 00-7F stand alone. */
static void test_x1_4_every_single_octet(void **state)
{
	(void)state;
	for (unsigned c = 0; c <= 0xff; c++) {
		uint8_t b = (uint8_t)c;
		assert_int_equal(pctl_utf8_valid(&b, 1), c < 0x80);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_x1_4_ascii_and_empty),
	    cmocka_unit_test(test_x1_4_valid_multibyte_boundaries),
	    cmocka_unit_test(test_x1_4_valid_four_byte),
	    cmocka_unit_test(test_x1_4_overlongs_rejected),
	    cmocka_unit_test(test_x1_4_surrogates_rejected),
	    cmocka_unit_test(test_x1_4_above_u10ffff_rejected),
	    cmocka_unit_test(test_x1_4_truncated_sequences_rejected),
	    cmocka_unit_test(test_x1_4_bad_continuations_rejected),
	    cmocka_unit_test(test_x1_4_every_single_octet),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * lib/json/jsonbuf.c: the shared JSON writer (issue 10).  Hostile strings
 * (a DESCRIPTION is whatever a client sent) always give valid JSON on one
 * line: quotes, backslashes and control characters escaped, invalid UTF-8
 * replaced by U+FFFD; a full buffer never holds a cut token.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "json/jsonbuf.h"

static const char *quoted(char *buf, size_t cap, const void *s, size_t n)
{
	struct pctl_jbuf j;

	pctl_jbuf_init(&j, buf, cap);
	pctl_jbuf_string_n(&j, s, n);
	assert_true(pctl_jbuf_ok(&j));
	return buf;
}

#define Q(lit) quoted(buf, sizeof(buf), lit, sizeof(lit) - 1)

static void test_escapes_quotes_backslash_controls(void **state)
{
	char buf[128];

	(void)state;
	assert_string_equal(Q("a\"b\\c"), "\"a\\\"b\\\\c\"");
	assert_string_equal(Q("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
	assert_string_equal(Q("\x01\x1f\x7f"), "\"\\u0001\\u001f\\u007f\"");
	/* NUL inside the bytes is data, not an end. */
	assert_string_equal(Q("a\0b"), "\"a\\u0000b\"");
}

static void test_utf8_kept_invalid_replaced(void **state)
{
	char buf[128];

	(void)state;
	/* é, €, U+1F600: passed through. */
	assert_string_equal(Q("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"),
	                    "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	/* Lone continuation, 0xff, overlong '/', a surrogate, a cut
	 * sequence, a value past U+10FFFF: one U+FFFD per bad octet
	 * position, the rest kept. */
	assert_string_equal(Q("\x80"), "\"\\ufffd\"");
	assert_string_equal(Q("a\xffz"), "\"a\\ufffdz\"");
	assert_string_equal(Q("\xc0\xaf"), "\"\\ufffd\\ufffd\"");
	assert_string_equal(Q("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
	assert_string_equal(Q("\xe2\x82"), "\"\\ufffd\\ufffd\"");
	assert_string_equal(Q("\xf4\x90\x80\x80"),
	                    "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	/* Line and paragraph separators: escaped. */
	assert_string_equal(Q("\xe2\x80\xa8\xe2\x80\xa9"),
	                    "\"\\u2028\\u2029\"");
}

static void test_structure_and_commas(void **state)
{
	char buf[256];
	struct pctl_jbuf j;

	(void)state;
	pctl_jbuf_init(&j, buf, sizeof(buf));
	pctl_jbuf_object_begin(&j);
	pctl_jbuf_key(&j, "a");
	pctl_jbuf_uint(&j, 18446744073709551615ull);
	pctl_jbuf_key(&j, "b\"");
	pctl_jbuf_array_begin(&j);
	pctl_jbuf_string(&j, "x");
	pctl_jbuf_bool(&j, true);
	pctl_jbuf_null(&j);
	pctl_jbuf_object_begin(&j);
	pctl_jbuf_object_end(&j);
	pctl_jbuf_array_end(&j);
	pctl_jbuf_key(&j, "c");
	pctl_jbuf_bool(&j, false);
	pctl_jbuf_object_end(&j);
	assert_true(pctl_jbuf_ok(&j));
	assert_string_equal(buf, "{\"a\":18446744073709551615,\"b\\\"\":[\"x\","
	                         "true,null,{}],\"c\":false}");
	assert_int_equal(j.len, strlen(buf));
}

static void test_full_buffer_never_cuts_a_token(void **state)
{
	char buf[12];
	struct pctl_jbuf j;

	(void)state;
	pctl_jbuf_init(&j, buf, sizeof(buf));
	pctl_jbuf_object_begin(&j);
	pctl_jbuf_key(&j, "k");
	pctl_jbuf_string(&j, "0123456789");
	assert_false(pctl_jbuf_ok(&j));
	/* What is there is whole tokens only, and NUL-terminated. */
	assert_true(strlen(buf) < sizeof(buf));
	assert_string_equal(buf, "{\"k\":");
	/* Nor half an escape. */
	pctl_jbuf_init(&j, buf, 4);
	pctl_jbuf_string(&j, "\n");
	assert_false(pctl_jbuf_ok(&j));
	assert_string_equal(buf, "");
}

/* pctl_jbuf_hex: a value like any other (commas), lowercase, and never cut
 * by a full buffer. */
static void test_hex(void **state)
{
	char buf[64];
	struct pctl_jbuf j;
	static const uint8_t b[] = {0x0a, 0xff, 0x00};

	(void)state;
	pctl_jbuf_init(&j, buf, sizeof(buf));
	pctl_jbuf_array_begin(&j);
	pctl_jbuf_hex(&j, b, sizeof(b));
	pctl_jbuf_hex(&j, b, 0);
	pctl_jbuf_array_end(&j);
	assert_true(pctl_jbuf_ok(&j));
	assert_string_equal(buf, "[\"0aff00\",\"\"]");
	pctl_jbuf_init(&j, buf, 5);
	pctl_jbuf_hex(&j, b, sizeof(b));
	assert_false(pctl_jbuf_ok(&j));
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escapes_quotes_backslash_controls),
	    cmocka_unit_test(test_utf8_kept_invalid_replaced),
	    cmocka_unit_test(test_structure_and_commas),
	    cmocka_unit_test(test_full_buffer_never_cuts_a_token),
	    cmocka_unit_test(test_hex),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

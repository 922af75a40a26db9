/*
 * The UPnP server's HTTP Date (daemon/upnp_date.c), computed without the C
 * library's time zone code, agrees with gmtime_r + strftime across epochs,
 * leap days and centuries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "upnp_date.h"

static void agrees_with_libc(void **state)
{
	static const int64_t fixed[] = {
	    0,          784111777,  951782400, /* 2000-02-29 */
	    4107542400,                        /* 2100-03-01 */
	    1700000000, 2147483647, 2147483648LL, 253402300799LL,
	};
	char want[64], got[PCTLD_HTTP_DATE_LEN + 1];

	(void)state;
	pctld_http_date(784111777, got);
	assert_string_equal(got, "Sun, 06 Nov 1994 08:49:37 GMT");
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]) + 5000; i++) {
		int64_t t =
		    i < sizeof(fixed) / sizeof(fixed[0])
		        ? fixed[i]
		        : (int64_t)(i * 7919ULL * 86413ULL % 8000000000ULL);
		time_t tt = (time_t)t;
		struct tm tm;
		gmtime_r(&tt, &tm);
		strftime(want, sizeof(want), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		pctld_http_date(t, got);
		assert_string_equal(got, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(agrees_with_libc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * UPnP eventing subscriptions (daemon/upnp_event.c) over a real loopback
 * listener: SUBSCRIBE, renewal, UNSUBSCRIBE; a CALLBACK to any other host
 * than the subscriber refused with 412 (CallStranger, CVE-2020-12695);
 * the per-host limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "uhttp.h"
#include "upnp_event.h"

static struct uresp r;
static char req[1024];

static int subscribe(struct ufx *f, const char *callback)
{
	snprintf(req, sizeof(req),
	         "SUBSCRIBE /evt/IPConn HTTP/1.1\r\nHost: x\r\n"
	         "CALLBACK: %s\r\nNT: upnp:event\r\nTIMEOUT: Second-300\r\n"
	         "Connection: close\r\n\r\n",
	         callback);
	return ufx_raw(f, req, &r);
}

static void callstranger_refused(void **state)
{
	struct ufx *f = *state;
	static const char *const foreign[] = {
	    "<http://192.0.2.1:80/steal>",
	    "<http://127.0.0.1:80/ok><http://198.51.100.1/steal>",
	    "<http://localhost:80/name>", /* a name is never resolved */
	    "<http://127.0.0.1.example/x>",
	    "<https://127.0.0.1/x>",
	    "<http://[::1]:80/x>", /* IPv6 loopback is not 127.0.0.1 */
	    "http://127.0.0.1/no-brackets",
	    "",
	};

	for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++)
		assert_int_equal(subscribe(f, foreign[i]), 412);
	assert_int_equal(subscribe(f, "<http://127.0.0.1:4999/cb>"), 200);
	assert_non_null(strstr(r.text, "SID: uuid:"));
	assert_non_null(strstr(r.text, "TIMEOUT: Second-300"));
}

static void renew_and_unsubscribe(void **state)
{
	struct ufx *f = *state;
	char sid[64] = "";
	const char *p;

	assert_int_equal(subscribe(f, "<http://127.0.0.1:4999/cb>"), 200);
	p = strstr(r.text, "SID: ");
	assert_non_null(p);
	sscanf(p + 5, "%63[^\r]", sid);
	assert_int_equal(strlen(sid), PCTLD_SID_LEN);
	snprintf(req, sizeof(req),
	         "SUBSCRIBE /evt/IPConn HTTP/1.1\r\nHost: x\r\nSID: %s\r\n"
	         "TIMEOUT: Second-100000\r\nConnection: close\r\n\r\n",
	         sid);
	assert_int_equal(ufx_raw(f, req, &r), 200);
	assert_non_null(strstr(r.text, "TIMEOUT: Second-1800")); /* capped */
	/* renewal with NT as well: 400; to another service: 412 */
	snprintf(req, sizeof(req),
	         "SUBSCRIBE /evt/IPConn HTTP/1.1\r\nHost: x\r\nSID: %s\r\n"
	         "NT: upnp:event\r\nConnection: close\r\n\r\n",
	         sid);
	assert_int_equal(ufx_raw(f, req, &r), 400);
	snprintf(req, sizeof(req),
	         "SUBSCRIBE /evt/CmnIfCfg HTTP/1.1\r\nHost: x\r\nSID: %s\r\n"
	         "Connection: close\r\n\r\n",
	         sid);
	assert_int_equal(ufx_raw(f, req, &r), 412);
	snprintf(req, sizeof(req),
	         "UNSUBSCRIBE /evt/IPConn HTTP/1.1\r\nHost: x\r\nSID: %s\r\n"
	         "Connection: close\r\n\r\n",
	         sid);
	assert_int_equal(ufx_raw(f, req, &r), 200);
	assert_int_equal(ufx_raw(f, req, &r), 412);
	/* an expired subscription is gone */
	assert_int_equal(subscribe(f, "<http://127.0.0.1:4999/cb>"), 200);
	p = strstr(r.text, "SID: ");
	sscanf(p + 5, "%63[^\r]", sid);
	f->now += 301 * 1000;
	snprintf(req, sizeof(req),
	         "SUBSCRIBE /evt/IPConn HTTP/1.1\r\nHost: x\r\nSID: %s\r\n"
	         "Connection: close\r\n\r\n",
	         sid);
	assert_int_equal(ufx_raw(f, req, &r), 412);
}

static void bad_subscribe(void **state)
{
	struct ufx *f = *state;
	assert_int_equal(ufx_raw(f,
	                         "SUBSCRIBE /evt/IPConn HTTP/1.1\r\nHost: x\r\n"
	                         "CALLBACK: <http://127.0.0.1/cb>\r\n"
	                         "NT: upnp:propchange\r\nConnection: close\r\n"
	                         "\r\n",
	                         &r),
	                 412);
	assert_int_equal(ufx_raw(f,
	                         "SUBSCRIBE /evt/IPConn HTTP/1.1\r\nHost: x\r\n"
	                         "CALLBACK: <http://127.0.0.1/cb>\r\n"
	                         "Connection: close\r\n\r\n",
	                         &r),
	                 412);
	assert_int_equal(
	    ufx_raw(f,
	            "UNSUBSCRIBE /evt/IPConn HTTP/1.1\r\nHost: x\r\n"
	            "Connection: close\r\n\r\n",
	            &r),
	    412);
}

static void per_host_limit(void **state)
{
	struct ufx *f = *state;
	for (int i = 0; i < PCTLD_SUBS_PER_HOST; i++)
		assert_int_equal(subscribe(f, "<http://127.0.0.1/cb>"), 200);
	assert_int_equal(subscribe(f, "<http://127.0.0.1/cb>"), 503);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    UFX_TEST(callstranger_refused),
	    UFX_TEST(renew_and_unsubscribe),
	    UFX_TEST(bad_subscribe),
	    UFX_TEST(per_host_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

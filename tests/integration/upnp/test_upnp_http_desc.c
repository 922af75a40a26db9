/*
 * The UPnP HTTP server's descriptions and routing (daemon/upnp_desc.c,
 * daemon/upnp_route.c) over a real loopback listener: IGD:2 and IGD:1 root
 * devices, service descriptions that list exactly the actions served,
 * 404/405/501, an IPv6 listener.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "uhttp.h"
#include "upnp_actions.h"

static struct uresp r;

#define GET(path)                                                              \
	"GET " path " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"

static void root_igd2(void **state)
{
	struct ufx *f = *state;

	assert_int_equal(ufx_raw(f, GET("/rootDesc.xml"), &r), 200);
	assert_non_null(strstr(r.text, "Content-Type: text/xml"));
	assert_non_null(strstr(
	    r.body, "urn:schemas-upnp-org:device:InternetGatewayDevice:2"));
	assert_non_null(strstr(
	    r.body, "urn:schemas-upnp-org:device:WANConnectionDevice:2"));
	assert_non_null(
	    strstr(r.body, "urn:schemas-upnp-org:service:WANIPConnection:2"));
	assert_non_null(strstr(
	    r.body, "urn:schemas-upnp-org:service:WANIPv6FirewallControl:1"));
	/* the friendly name escaped; the three devices' UDNs distinct */
	assert_non_null(strstr(
	    r.body, "<friendlyName>portctl &lt;test&gt; &amp; &quot;co&quot;"
	            "</friendlyName>"));
	assert_non_null(
	    strstr(r.body, "<UDN>uuid:01234567-89ab-cdef-0123-456789abcdef"));
	assert_non_null(
	    strstr(r.body, "<UDN>uuid:01234567-89ab-cdef-0123-456789abcdf0"));
	assert_non_null(
	    strstr(r.body, "<UDN>uuid:01234567-89ab-cdef-0123-456789abcdf1"));
	assert_non_null(strstr(r.body, "<controlURL>/ctl/IPConn</controlURL>"));
}

static void root_igd1(void **state)
{
	struct ufx *f;

	f = ufx_open(state, &(struct ufx_opts){.igd_version = 1});
	assert_int_equal(ufx_raw(f, GET("/rootDesc.xml"), &r), 200);
	assert_non_null(strstr(
	    r.body, "urn:schemas-upnp-org:device:InternetGatewayDevice:1"));
	assert_non_null(
	    strstr(r.body, "urn:schemas-upnp-org:service:WANIPConnection:1"));
	assert_null(strstr(r.body, "WANIPConnection:2"));
	assert_null(strstr(r.body, "WANIPv6FirewallControl"));
	/* the :1 service description has none of the :2 actions */
	assert_int_equal(ufx_raw(f, GET("/WANIPCn.xml"), &r), 200);
	assert_non_null(strstr(r.body, "<name>AddPortMapping</name>"));
	assert_null(strstr(r.body, "AddAnyPortMapping"));
	assert_null(strstr(r.body, "GetListOfPortMappings"));
	assert_null(strstr(r.body, "A_ARG_TYPE_Manage"));
	assert_int_equal(ufx_raw(f, GET("/WANIPv6FC.xml"), &r), 404);
}

/* Every served action of a service, and only those, in its SCPD; every
 * related state variable declared. */
static void scpd_exact(void **state)
{
	static const char *const paths[] = {"/WANIPCn.xml", "/WANIPv6FC.xml",
	                                    "/WANCfg.xml"};
	struct ufx *f = *state;

	for (int s = 0; s < PCTLD_SVC_COUNT; s++) {
		size_t listed = 0, served = 0;
		const char *p;
		char want[96];
		snprintf(
		    want, sizeof(want),
		    "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		    paths[s]);
		assert_int_equal(ufx_raw(f, want, &r), 200);
		for (p = r.body; (p = strstr(p, "<action>")); p++)
			listed++;
		for (size_t i = 0; i < pctld_upnp_n_actions; i++) {
			const struct pctld_upnp_action *a =
			    &pctld_upnp_actions[i];
			if ((int)a->svc != s)
				continue;
			served++;
			snprintf(want, sizeof(want), "<name>%s</name>",
			         a->name);
			assert_non_null(strstr(r.body, want));
			for (size_t j = 0; a->in[j].name; j++) {
				snprintf(want, sizeof(want),
				         "<name>%s</name><dataType>",
				         a->in[j].var);
				assert_non_null(strstr(r.body, want));
			}
		}
		assert_int_equal(listed, served);
	}
}

static void methods_and_paths(void **state)
{
	struct ufx *f = *state;

	assert_int_equal(ufx_raw(f, GET("/nope.xml"), &r), 404);
	assert_int_equal(ufx_raw(f, GET("/ctl/IPConn"), &r), 405);
	assert_non_null(strstr(r.text, "Allow: POST"));
	assert_int_equal(
	    ufx_raw(f,
	            "PUT /rootDesc.xml HTTP/1.1\r\nHost: x\r\n"
	            "Content-Length: 0\r\nConnection: close\r\n\r\n",
	            &r),
	    501);
	assert_int_equal(
	    ufx_raw(f,
	            "POST /rootDesc.xml HTTP/1.1\r\nHost: x\r\n"
	            "Content-Length: 0\r\nConnection: close\r\n\r\n",
	            &r),
	    405);
	assert_non_null(strstr(r.text, "Allow: GET, HEAD"));
	assert_int_equal(
	    ufx_raw(f,
	            "SUBSCRIBE /rootDesc.xml HTTP/1.1\r\nHost: x\r\n"
	            "Connection: close\r\n\r\n",
	            &r),
	    405);
	assert_int_equal(ufx_raw(f, GET("/evt/IPConn"), &r), 405);
	assert_int_equal(ufx_raw(f,
	                         "HEAD /WANCfg.xml HTTP/1.1\r\nHost: x\r\n"
	                         "Connection: close\r\n\r\n",
	                         &r),
	                 200);
	assert_string_equal(r.body, "");
}

static void ipv6_listener(void **state)
{
	struct ufx *f;

	f = ufx_open(state, &(struct ufx_opts){.v6 = true});
	assert_int_equal(ufx_raw(f, GET("/rootDesc.xml"), &r), 200);
	assert_non_null(strstr(r.body, "InternetGatewayDevice:2"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    UFX_TEST(root_igd2),          UFX_TEST_OPTS(root_igd1),
	    UFX_TEST(scpd_exact),         UFX_TEST(methods_and_paths),
	    UFX_TEST_OPTS(ipv6_listener),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

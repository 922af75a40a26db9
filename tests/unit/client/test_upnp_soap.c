/*
 * SOAP control messages (lib/client/upnp_soap.c): the request body, and the
 * responses and Faults of miniupnpd as captured (upnp_data/), of other
 * devices, and malformed and hostile ones.
 */
#include <errno.h>

#include "client/upnp.h"
#include "upnp_data.h"

#define IP2 "urn:schemas-upnp-org:service:WANIPConnection:2"
#define ENV_OPEN                                                               \
	"<?xml version=\"1.0\"?>\r\n"                                          \
	"<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" "   \
	"s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\">"       \
	"<s:Body>"
#define ENV_CLOSE "</s:Body></s:Envelope>\r\n"

static void test_request(void **state)
{
	static const struct pctl_soap_arg args[] = {
	    {"NewRemoteHost", ""},
	    {"NewExternalPort", "4000"},
	    {"NewPortMappingDescription", "a<b>&\"c'd"},
	};
	char buf[1024];
	size_t n;
	(void)state;

	n = pctl_soap_request(buf, sizeof(buf), IP2, "GetExternalIPAddress",
	                      NULL, 0);
	assert_int_equal(n, strlen(buf));
	assert_string_equal(buf,
	                    ENV_OPEN "<u:GetExternalIPAddress xmlns:u=\"" IP2
	                             "\"></u:GetExternalIPAddress>" ENV_CLOSE);
	n = pctl_soap_request(buf, sizeof(buf), IP2, "AddPortMapping", args, 3);
	assert_int_equal(n, strlen(buf));
	assert_string_equal(
	    buf,
	    ENV_OPEN "<u:AddPortMapping xmlns:u=\"" IP2 "\">"
	             "<NewRemoteHost></NewRemoteHost>"
	             "<NewExternalPort>4000</NewExternalPort>"
	             "<NewPortMappingDescription>a&lt;b&gt;&amp;&quot;c&apos;d"
	             "</NewPortMappingDescription>"
	             "</u:AddPortMapping>" ENV_CLOSE);
	/* Exactly the room needed, and one byte less. */
	assert_int_equal(
	    pctl_soap_request(buf, n + 1, IP2, "AddPortMapping", args, 3), n);
	assert_int_equal(
	    pctl_soap_request(buf, n, IP2, "AddPortMapping", args, 3), 0);
	assert_string_equal(buf, "");
	assert_int_equal(
	    pctl_soap_request(buf, 0, IP2, "AddPortMapping", args, 3), 0);
}

static void test_request_refused(void **state)
{
	struct pctl_soap_arg bad_name = {"New Port", "1"};
	struct pctl_soap_arg bad_value = {"NewPort", "a\x01"};
	struct pctl_soap_arg no_value = {"NewPort", NULL};
	char buf[1024];
	(void)state;

	/* The service type comes from the device: escaped in the attribute. */
	assert_true(pctl_soap_request(buf, sizeof(buf), "urn:x\"><evil/>", "A",
	                              NULL, 0) > 0);
	assert_non_null(
	    strstr(buf, "xmlns:u=\"urn:x&quot;&gt;&lt;evil/&gt;\""));
	/* Names that are not XML names, a value XML cannot carry. */
	assert_int_equal(
	    pctl_soap_request(buf, sizeof(buf), IP2, "Add Port", NULL, 0), 0);
	assert_int_equal(pctl_soap_request(buf, sizeof(buf), IP2, "", NULL, 0),
	                 0);
	assert_int_equal(
	    pctl_soap_request(buf, sizeof(buf), IP2, "A", &bad_name, 1), 0);
	assert_int_equal(
	    pctl_soap_request(buf, sizeof(buf), IP2, "A", &bad_value, 1), 0);
	assert_int_equal(
	    pctl_soap_request(buf, sizeof(buf), IP2, "A", &no_value, 1), 0);
	assert_int_equal(
	    pctl_soap_request(buf, sizeof(buf), "a\x02", "A", NULL, 0), 0);
}

static void parse_file(const char *name, const char *action,
                       struct pctl_soap_result *r)
{
	size_t len;
	char *xml = upnp_data(name, &len);

	if (pctl_soap_parse_response(xml, len, action, r) != 0)
		fail_msg("%s refused: errno %d", name, errno);
	free(xml);
}

/* The map cycle of a real device: external address, add, add any,
 * delete (upnp_data/capture.sh). */
static void expect_cycle(const char *dev, const char *ext_ip,
                         const char *reserved)
{
	struct pctl_soap_result r;
	char name[64];

	snprintf(name, sizeof(name), "%s_soap_extip.xml", dev);
	parse_file(name, "GetExternalIPAddress", &r);
	assert_int_equal(r.upnp_error, 0);
	assert_int_equal(r.n_out, 1);
	assert_string_equal(pctl_soap_out(&r, "NewExternalIPAddress"), ext_ip);
	assert_null(pctl_soap_out(&r, "NewReservedPort"));
	snprintf(name, sizeof(name), "%s_soap_add.xml", dev);
	parse_file(name, "AddPortMapping", &r);
	assert_int_equal(r.upnp_error, 0);
	assert_int_equal(r.n_out, 0);
	snprintf(name, sizeof(name), "%s_soap_addany.xml", dev);
	parse_file(name, "AddAnyPortMapping", &r);
	assert_int_equal(r.upnp_error, 0);
	assert_string_equal(pctl_soap_out(&r, "NewReservedPort"), reserved);
	snprintf(name, sizeof(name), "%s_soap_delete.xml", dev);
	parse_file(name, "DeletePortMapping", &r);
	assert_int_equal(r.upnp_error, 0);
	assert_int_equal(r.n_out, 0);
}

static void test_miniupnpd_responses(void **state)
{
	(void)state;
	expect_cycle("miniupnpd", "192.0.3.1", "4000");
}

static void test_portctld_responses(void **state)
{
	(void)state;
	expect_cycle("portctld", "203.0.113.1", "4002");
}

static void test_faults(void **state)
{
	static const char f725[] = ENV_OPEN
	    "<s:Fault><faultcode>s:Client</faultcode>"
	    "<faultstring>UPnPError</faultstring><detail>"
	    "<UPnPError xmlns=\"urn:schemas-upnp-org:control-1-0\">"
	    "<errorCode> 725 </errorCode>"
	    "<errorDescription>OnlyPermanentLeasesSupported"
	    "</errorDescription></UPnPError></detail></s:Fault>" ENV_CLOSE;
	struct pctl_soap_result r;
	(void)state;

	parse_file("miniupnpd_soap_fault_other_host.xml", "AddPortMapping", &r);
	assert_int_equal(r.upnp_error, 718);
	assert_string_equal(r.error_desc, "ConflictInMappingEntry");
	assert_int_equal(r.n_out, 0);
	parse_file("portctld_soap_fault_other_host.xml", "AddPortMapping", &r);
	assert_int_equal(r.upnp_error, 606);
	assert_string_equal(r.error_desc, "ActionNotAuthorized");
	/* A Fault answers any action. */
	assert_int_equal(
	    pctl_soap_parse_response(f725, strlen(f725), "AddPortMapping", &r),
	    0);
	assert_int_equal(r.upnp_error, 725);
	assert_string_equal(r.error_desc, "OnlyPermanentLeasesSupported");
}

static void expect_ok(const char *xml, const char *action,
                      struct pctl_soap_result *r)
{
	if (pctl_soap_parse_response(xml, strlen(xml), action, r) != 0)
		fail_msg("refused (errno %d):\n%s", errno, xml);
}

/* What other devices write: their own prefixes, a SOAP Header, pretty
 * printing, escaped values, a long error description. */
static void test_other_devices(void **state)
{
	static const char prefixed[] =
	    "<?xml version=\"1.0\"?>\n"
	    "<SOAP-ENV:Envelope "
	    "xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\" "
	    "SOAP-ENV:encodingStyle="
	    "\"http://schemas.xmlsoap.org/soap/encoding/\">\n"
	    "  <SOAP-ENV:Header><x:Session xmlns:x=\"urn:x\">1</x:Session>"
	    "</SOAP-ENV:Header>\n"
	    "  <SOAP-ENV:Body>\n"
	    "    <m:GetExternalIPAddressResponse xmlns:m=\"" IP2 "\">\n"
	    "      <NewExternalIPAddress>\n 198.51.100.7\n"
	    "      </NewExternalIPAddress>\n"
	    "    </m:GetExternalIPAddressResponse>\n"
	    "  </SOAP-ENV:Body>\n"
	    "</SOAP-ENV:Envelope>\n";
	static const char escaped[] = ENV_OPEN
	    "<u:GetGenericPortMappingEntryResponse xmlns:u=\"" IP2 "\">"
	    "<NewPortMappingDescription>a&amp;b&lt;c&#x41;"
	    "</NewPortMappingDescription>"
	    "<NewEnabled>1</NewEnabled>"
	    "</u:GetGenericPortMappingEntryResponse>" ENV_CLOSE;
	char fault[1024], desc[300];
	struct pctl_soap_result r;
	(void)state;

	expect_ok(prefixed, "GetExternalIPAddress", &r);
	assert_string_equal(pctl_soap_out(&r, "NewExternalIPAddress"),
	                    "198.51.100.7");
	expect_ok(escaped, "GetGenericPortMappingEntry", &r);
	assert_int_equal(r.n_out, 2);
	assert_string_equal(pctl_soap_out(&r, "NewPortMappingDescription"),
	                    "a&b<cA");
	assert_string_equal(pctl_soap_out(&r, "NewEnabled"), "1");
	/* An error description longer than kept is cut, not refused. */
	memset(desc, 'd', sizeof(desc) - 1);
	desc[sizeof(desc) - 1] = '\0';
	snprintf(fault, sizeof(fault),
	         ENV_OPEN "<s:Fault><faultcode>s:Client</faultcode><detail>"
	                  "<UPnPError><errorCode>501</errorCode>"
	                  "<errorDescription>%s</errorDescription></UPnPError>"
	                  "</detail></s:Fault>" ENV_CLOSE,
	         desc);
	expect_ok(fault, "AddPortMapping", &r);
	assert_int_equal(r.upnp_error, 501);
	assert_int_equal(strlen(r.error_desc), sizeof(r.error_desc) - 1);
}

/* PCTL_SOAP_MAX_OUT arguments of PCTL_SOAP_VALUE_MAX - 1 bytes are read;
 * one more argument, or one more byte, is refused. */
static void test_limits(void **state)
{
	char *xml = malloc(PCTL_UPNP_SOAP_MAX + 1);
	char value[PCTL_SOAP_VALUE_MAX + 1], name[PCTL_SOAP_NAME_MAX + 1];
	struct pctl_soap_result r;
	size_t n;
	(void)state;

	assert_non_null(xml);
	memset(value, 'v', sizeof(value));
	value[PCTL_SOAP_VALUE_MAX - 1] = '\0';
	n = (size_t)sprintf(xml, ENV_OPEN "<u:XResponse xmlns:u=\"" IP2 "\">");
	for (int i = 0; i < PCTL_SOAP_MAX_OUT; i++)
		n += (size_t)sprintf(xml + n, "<A%d>%s</A%d>", i, value, i);
	sprintf(xml + n, "</u:XResponse>" ENV_CLOSE);
	expect_ok(xml, "X", &r);
	assert_int_equal(r.n_out, PCTL_SOAP_MAX_OUT);
	assert_string_equal(pctl_soap_out(&r, "A7"), value);
	/* A ninth argument. */
	sprintf(xml + n, "<A8>1</A8></u:XResponse>" ENV_CLOSE);
	errno = 0;
	assert_int_equal(pctl_soap_parse_response(xml, strlen(xml), "X", &r),
	                 -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(r.n_out, 0);
	/* A value one byte too long. */
	value[PCTL_SOAP_VALUE_MAX - 1] = 'v';
	value[PCTL_SOAP_VALUE_MAX] = '\0';
	sprintf(xml,
	        ENV_OPEN "<u:XResponse xmlns:u=\"" IP2 "\"><A>%s</A>"
	                 "</u:XResponse>" ENV_CLOSE,
	        value);
	assert_int_equal(pctl_soap_parse_response(xml, strlen(xml), "X", &r),
	                 -1);
	/* A name one byte too long. */
	memset(name, 'n', sizeof(name));
	name[PCTL_SOAP_NAME_MAX] = '\0';
	sprintf(xml,
	        ENV_OPEN "<u:XResponse xmlns:u=\"" IP2 "\"><%s>1</%s>"
	                 "</u:XResponse>" ENV_CLOSE,
	        name, name);
	assert_int_equal(pctl_soap_parse_response(xml, strlen(xml), "X", &r),
	                 -1);
	name[PCTL_SOAP_NAME_MAX - 1] = '\0';
	sprintf(xml,
	        ENV_OPEN "<u:XResponse xmlns:u=\"" IP2 "\"><%s>1</%s>"
	                 "</u:XResponse>" ENV_CLOSE,
	        name, name);
	expect_ok(xml, "X", &r);
	/* More than PCTL_UPNP_SOAP_MAX bytes (white space at the end). */
	n = strlen(xml);
	memset(xml + n, ' ', PCTL_UPNP_SOAP_MAX + 1 - n);
	assert_int_equal(
	    pctl_soap_parse_response(xml, PCTL_UPNP_SOAP_MAX + 1, "X", &r), -1);
	assert_int_equal(
	    pctl_soap_parse_response(xml, PCTL_UPNP_SOAP_MAX, "X", &r), 0);
	free(xml);
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
	    /* A DOCTYPE, billion laughs. */
	    "<!DOCTYPE s [<!ENTITY a \"aaaaaaaa\"><!ENTITY b "
	    "\"&a;&a;&a;&a;\">]>"
	    "<s:Envelope xmlns:s=\"urn:e\"><s:Body><u:XResponse "
	    "xmlns:u=\"urn:u\">"
	    "<A>&b;</A></u:XResponse></s:Body></s:Envelope>",
	    /* The response to another action. */
	    ENV_OPEN "<u:YResponse xmlns:u=\"" IP2 "\"/>" ENV_CLOSE,
	    ENV_OPEN "<u:X xmlns:u=\"" IP2 "\"/>" ENV_CLOSE,
	    ENV_OPEN "<u:XResponses xmlns:u=\"" IP2 "\"/>" ENV_CLOSE,
	    /* Not an envelope, no body, an empty body, two answers. */
	    "<Envelope><Body><XResponse/></Body></Envelope><x/>",
	    "<s:Body xmlns:s=\"urn:e\"><XResponse/></s:Body>",
	    "<s:Envelope xmlns:s=\"urn:e\"><XResponse/></s:Envelope>",
	    ENV_OPEN ENV_CLOSE,
	    ENV_OPEN "<XResponse/><XResponse/>" ENV_CLOSE,
	    ENV_OPEN "<XResponse/></s:Body><s:Body>" ENV_CLOSE,
	    /* Markup inside an argument, the same argument twice, text where
	     * none belongs. */
	    ENV_OPEN "<XResponse><A><b/></A></XResponse>" ENV_CLOSE,
	    ENV_OPEN "<XResponse><A>1</A><A>2</A></XResponse>" ENV_CLOSE,
	    ENV_OPEN "<XResponse>junk<A>1</A></XResponse>" ENV_CLOSE,
	    ENV_OPEN "junk<XResponse/>" ENV_CLOSE,
	    /* A Fault without a UPnPError, or with an unreadable code. */
	    ENV_OPEN "<s:Fault><faultcode>s:Server</faultcode>"
	             "<faultstring>boom</faultstring></s:Fault>" ENV_CLOSE,
	    ENV_OPEN "<s:Fault><detail><UPnPError>"
	             "<errorDescription>x</errorDescription>"
	             "</UPnPError></detail></s:Fault>" ENV_CLOSE,
	    ENV_OPEN "<s:Fault><detail><UPnPError><errorCode>abc</errorCode>"
	             "</UPnPError></detail></s:Fault>" ENV_CLOSE,
	    ENV_OPEN "<s:Fault><detail><UPnPError><errorCode>0</errorCode>"
	             "</UPnPError></detail></s:Fault>" ENV_CLOSE,
	    ENV_OPEN "<s:Fault><detail><UPnPError><errorCode>-718</errorCode>"
	             "</UPnPError></detail></s:Fault>" ENV_CLOSE,
	    ENV_OPEN "<s:Fault><detail><UPnPError><errorCode>99999999999999"
	             "</errorCode></UPnPError></detail></s:Fault>" ENV_CLOSE,
	    /* Not XML, truncated, empty, an HTML error page. */
	    ENV_OPEN "<XResponse>",
	    "",
	    "<html><body>500 Internal Server Error</body></html>",
	};
	struct pctl_soap_result r;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&r, 0xa5, sizeof(r));
		errno = 0;
		if (pctl_soap_parse_response(bad[i], strlen(bad[i]), "X", &r) !=
		    -1)
			fail_msg("accepted:\n%s", bad[i]);
		assert_int_equal(errno, EINVAL);
		assert_int_equal(r.upnp_error, 0);
		assert_int_equal(r.n_out, 0);
		assert_int_equal(r.error_desc[0], '\0');
	}
}

/* A well-formed depth bomb inside a SOAP Header (skipped, but still
 * bounded) before a good answer. */
static void test_depth_bomb(void **state)
{
	char *xml = malloc(PCTL_UPNP_SOAP_MAX);
	struct pctl_soap_result r;
	size_t n;
	int levels = 2000;
	(void)state;

	assert_non_null(xml);
	n = (size_t)sprintf(xml, "<s:Envelope xmlns:s=\"urn:e\"><s:Header>");
	for (int i = 0; i < levels; i++)
		n += (size_t)sprintf(xml + n, "<a>");
	for (int i = 0; i < levels; i++)
		n += (size_t)sprintf(xml + n, "</a>");
	n += (size_t)sprintf(xml + n, "</s:Header><s:Body><XResponse/>"
	                              "</s:Body></s:Envelope>");
	assert_true(n < PCTL_UPNP_SOAP_MAX);
	errno = 0;
	assert_int_equal(pctl_soap_parse_response(xml, n, "X", &r), -1);
	assert_int_equal(errno, EINVAL);
	free(xml);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_request),
	    cmocka_unit_test(test_request_refused),
	    cmocka_unit_test(test_miniupnpd_responses),
	    cmocka_unit_test(test_portctld_responses),
	    cmocka_unit_test(test_faults),
	    cmocka_unit_test(test_other_devices),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_depth_bomb),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

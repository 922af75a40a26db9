/*
 * SOAP control over a real loopback listener with a real engine
 * (daemon/upnp_soap.c, upnp_actions.c, upnp_act_*.c): each action's
 * answer, the argument faults (402), the action faults (401), the engine's
 * faults passed through, malformed and hostile XML (400).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "uhttp.h"

#define IPC  "/ctl/IPConn"
#define FW   "/ctl/IP6FCtl"
#define CIF  "/ctl/CmnIfCfg"
#define WIPC "WANIPConnection"
#define WFW  "WANIPv6FirewallControl"
#define WCIF "WANCommonInterfaceConfig"

static struct uresp r;
static struct ufx f;

static int setup(void **state)
{
	(void)state;
	ufx_start(&f, 2, false, NULL, 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ufx_stop(&f);
	return 0;
}

static char args[2048];

/* AddPortMapping's arguments */
static const char *add_args(const char *ext, const char *proto,
                            const char *client, const char *lease)
{
	snprintf(args, sizeof(args),
	         "<NewRemoteHost></NewRemoteHost>"
	         "<NewExternalPort>%s</NewExternalPort>"
	         "<NewProtocol>%s</NewProtocol>"
	         "<NewInternalPort>8080</NewInternalPort>"
	         "<NewInternalClient>%s</NewInternalClient>"
	         "<NewEnabled>1</NewEnabled>"
	         "<NewPortMappingDescription>web &amp; co</"
	         "NewPortMappingDescription>"
	         "<NewLeaseDuration>%s</NewLeaseDuration>",
	         ext, proto, client, lease);
	return args;
}

static void info_actions(void **state)
{
	(void)state;
	assert_int_equal(
	    ufx_soap(&f, IPC, WIPC, 2, "GetExternalIPAddress", "", &r), 200);
	assert_non_null(strstr(r.text, "EXT:"));
	assert_non_null(
	    strstr(r.body,
	           "<u:GetExternalIPAddressResponse "
	           "xmlns:u=\"urn:schemas-upnp-org:service:WANIPConnection:2\">"
	           "<NewExternalIPAddress>203.0.113.1</NewExternalIPAddress>"));
	/* a :1 request is answered in the :1 namespace */
	assert_int_equal(ufx_soap(&f, IPC, WIPC, 1, "GetStatusInfo", "", &r),
	                 200);
	assert_non_null(strstr(r.body, "service:WANIPConnection:1\">"));
	assert_non_null(strstr(
	    r.body, "<NewConnectionStatus>Connected</NewConnectionStatus>"
	            "<NewLastConnectionError>ERROR_NONE"));
	assert_int_equal(
	    ufx_soap(&f, IPC, WIPC, 2, "GetConnectionTypeInfo", "", &r), 200);
	assert_non_null(
	    strstr(r.body, "<NewConnectionType>IP_Routed</NewConnectionType>"));
	assert_int_equal(ufx_soap(&f, IPC, WIPC, 2, "GetNATRSIPStatus", "", &r),
	                 200);
	assert_non_null(strstr(r.body, "<NewNATEnabled>1</NewNATEnabled>"));
	assert_int_equal(
	    ufx_soap(&f, CIF, WCIF, 1, "GetCommonLinkProperties", "", &r), 200);
	assert_non_null(strstr(r.body, "<NewPhysicalLinkStatus>Up<"));
	assert_int_equal(
	    ufx_soap(&f, CIF, WCIF, 1, "GetTotalBytesSent", "", &r), 500);
	assert_int_equal(ufx_fault(&r), 501);
	assert_int_equal(ufx_soap(&f, FW, WFW, 1, "GetFirewallStatus", "", &r),
	                 200);
	assert_non_null(strstr(r.body, "<FirewallEnabled>1</FirewallEnabled>"));
}

static void mapping_cycle(void **state)
{
	(void)state;
	assert_int_equal(ufx_soap(&f, IPC, WIPC, 2, "AddPortMapping",
	                          add_args("18080", "TCP", "127.0.0.1", "3600"),
	                          &r),
	                 200);
	assert_non_null(strstr(r.body, "<u:AddPortMappingResponse"));
	assert_int_equal(ufx_soap(&f, IPC, WIPC, 2,
	                          "GetSpecificPortMappingEntry",
	                          "<NewRemoteHost></NewRemoteHost>"
	                          "<NewExternalPort>18080</NewExternalPort>"
	                          "<NewProtocol>TCP</NewProtocol>",
	                          &r),
	                 200);
	assert_non_null(
	    strstr(r.body, "<NewInternalPort>8080</NewInternalPort>"
	                   "<NewInternalClient>127.0.0.1</NewInternalClient>"
	                   "<NewEnabled>1</NewEnabled>"
	                   "<NewPortMappingDescription>web &amp; co"
	                   "</NewPortMappingDescription><NewLeaseDuration>"));
	assert_int_equal(
	    ufx_soap(&f, IPC, WIPC, 1, "GetGenericPortMappingEntry",
	             "<NewPortMappingIndex>0</NewPortMappingIndex>", &r),
	    200);
	assert_non_null(strstr(r.body, "<NewExternalPort>18080<"));
	assert_non_null(strstr(r.body, "<NewProtocol>TCP</NewProtocol>"));
	assert_int_equal(
	    ufx_soap(&f, IPC, WIPC, 1, "GetGenericPortMappingEntry",
	             "<NewPortMappingIndex>1</NewPortMappingIndex>", &r),
	    500);
	assert_int_equal(ufx_fault(&r), 713);
	assert_int_equal(ufx_soap(&f, IPC, WIPC, 2, "GetListOfPortMappings",
	                          "<NewStartPort>1</NewStartPort>"
	                          "<NewEndPort>65535</NewEndPort>"
	                          "<NewProtocol>TCP</NewProtocol>"
	                          "<NewManage>0</NewManage>"
	                          "<NewNumberOfPorts>0</NewNumberOfPorts>",
	                          &r),
	                 200);
	assert_non_null(strstr(r.body, "<NewPortListing><![CDATA[<?xml"));
	assert_non_null(
	    strstr(r.body, "<p:NewExternalPort>18080</p:NewExternalPort>"));
	assert_non_null(strstr(
	    r.body, "<p:NewDescription>web &amp; co</p:NewDescription>"));
	/* AddAnyPortMapping of the same port: the engine gives another */
	assert_int_equal(ufx_soap(&f, IPC, WIPC, 2, "AddAnyPortMapping",
	                          add_args("18080", "UDP", "127.0.0.1", "60"),
	                          &r),
	                 200);
	assert_non_null(strstr(r.body, "<NewReservedPort>"));
	assert_int_equal(ufx_soap(&f, IPC, WIPC, 2, "DeletePortMapping",
	                          "<NewRemoteHost></NewRemoteHost>"
	                          "<NewExternalPort>18080</NewExternalPort>"
	                          "<NewProtocol>TCP</NewProtocol>",
	                          &r),
	                 200);
	assert_int_equal(ufx_soap(&f, IPC, WIPC, 2,
	                          "GetSpecificPortMappingEntry",
	                          "<NewRemoteHost></NewRemoteHost>"
	                          "<NewExternalPort>18080</NewExternalPort>"
	                          "<NewProtocol>TCP</NewProtocol>",
	                          &r),
	                 500);
	assert_int_equal(ufx_fault(&r), 714);
	assert_int_equal(ufx_soap(&f, IPC, WIPC, 2, "DeletePortMappingRange",
	                          "<NewStartPort>1</NewStartPort>"
	                          "<NewEndPort>65535</NewEndPort>"
	                          "<NewProtocol>UDP</NewProtocol>"
	                          "<NewManage>0</NewManage>",
	                          &r),
	                 200);
	assert_int_equal(ufx_soap(&f, IPC, WIPC, 2, "DeletePortMappingRange",
	                          "<NewStartPort>1</NewStartPort>"
	                          "<NewEndPort>65535</NewEndPort>"
	                          "<NewProtocol>UDP</NewProtocol>"
	                          "<NewManage>0</NewManage>",
	                          &r),
	                 500);
	assert_int_equal(ufx_fault(&r), 730);
}

/* Another host's mapping, under the default secure mode: 606 from the
 * engine, sent as the fault. */
static void other_host_refused(void **state)
{
	(void)state;
	assert_int_equal(ufx_soap(&f, IPC, WIPC, 2, "AddPortMapping",
	                          add_args("18081", "TCP", "192.0.2.9", "60"),
	                          &r),
	                 500);
	assert_int_equal(ufx_fault(&r), 606);
	assert_non_null(
	    strstr(r.body,
	           "<errorDescription>ActionNotAuthorized</errorDescription>"));
	assert_non_null(strstr(r.body, "<faultcode>s:Client</faultcode>"));
}

static void argument_faults(void **state)
{
	static const char *const bad_ports[] = {"80x", "-1",   "65536",
	                                        " 80", "0x50", ""};
	(void)state;
	for (size_t i = 0; i < sizeof(bad_ports) / sizeof(bad_ports[0]); i++) {
		assert_int_equal(
		    ufx_soap(&f, IPC, WIPC, 2, "AddPortMapping",
		             add_args(bad_ports[i], "TCP", "127.0.0.1", "60"),
		             &r),
		    500);
		assert_int_equal(ufx_fault(&r), 402);
	}
	/* protocol spelt otherwise than the spec, an address that is not */
	assert_int_equal(ufx_soap(&f, IPC, WIPC, 2, "AddPortMapping",
	                          add_args("80", "tcp", "127.0.0.1", "60"), &r),
	                 500);
	assert_int_equal(ufx_fault(&r), 402);
	assert_int_equal(ufx_soap(&f, IPC, WIPC, 2, "AddPortMapping",
	                          add_args("80", "TCP", "127.0.0.256", "60"),
	                          &r),
	                 500);
	assert_int_equal(ufx_fault(&r), 402);
	/* a missing, an unknown and a repeated argument */
	assert_int_equal(ufx_soap(&f, IPC, WIPC, 2, "DeletePortMapping",
	                          "<NewRemoteHost></NewRemoteHost>"
	                          "<NewExternalPort>80</NewExternalPort>",
	                          &r),
	                 500);
	assert_int_equal(ufx_fault(&r), 402);
	assert_int_equal(ufx_soap(&f, IPC, WIPC, 2, "GetExternalIPAddress",
	                          "<NewFoo>1</NewFoo>", &r),
	                 500);
	assert_int_equal(ufx_fault(&r), 402);
	assert_int_equal(
	    ufx_soap(&f, IPC, WIPC, 2, "GetGenericPortMappingEntry",
	             "<NewPortMappingIndex>0</NewPortMappingIndex>"
	             "<NewPortMappingIndex>1</NewPortMappingIndex>",
	             &r),
	    500);
	assert_int_equal(ufx_fault(&r), 402);
	/* markup inside an argument */
	assert_int_equal(
	    ufx_soap(&f, IPC, WIPC, 2, "GetGenericPortMappingEntry",
	             "<NewPortMappingIndex><b>0</b></NewPortMappingIndex>", &r),
	    500);
	assert_int_equal(ufx_fault(&r), 402);
	/* pinhole protocol 65535 (any) is refused with 707 */
	assert_int_equal(ufx_soap(&f, FW, WFW, 1, "AddPinhole",
	                          "<RemoteHost></RemoteHost>"
	                          "<RemotePort>0</RemotePort>"
	                          "<InternalClient>2001:db8::1</InternalClient>"
	                          "<InternalPort>80</InternalPort>"
	                          "<Protocol>65535</Protocol>"
	                          "<LeaseTime>3600</LeaseTime>",
	                          &r),
	                 500);
	assert_int_equal(ufx_fault(&r), 707);
	assert_int_equal(ufx_soap(&f, FW, WFW, 1, "AddPinhole",
	                          "<RemoteHost></RemoteHost>"
	                          "<RemotePort>0</RemotePort>"
	                          "<InternalClient>192.0.2.1</InternalClient>"
	                          "<InternalPort>80</InternalPort>"
	                          "<Protocol>6</Protocol>"
	                          "<LeaseTime>3600</LeaseTime>",
	                          &r),
	                 500);
	assert_int_equal(ufx_fault(&r), 402);
}

static void action_faults(void **state)
{
	char req[1024];
	const char *body =
	    "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">"
	    "<s:Body><u:GetExternalIPAddress "
	    "xmlns:u=\"urn:schemas-upnp-org:service:WANIPConnection:2\"/>"
	    "</s:Body></s:Envelope>";

	(void)state;
	/* no such action; a :2 action asked of :1; the wrong control URL */
	assert_int_equal(
	    ufx_soap(&f, IPC, WIPC, 2, "SetConnectionType", "", &r), 500);
	assert_int_equal(ufx_fault(&r), 401);
	assert_int_equal(ufx_soap(&f, IPC, WIPC, 1, "AddAnyPortMapping",
	                          add_args("80", "TCP", "127.0.0.1", "60"), &r),
	                 500);
	assert_int_equal(ufx_fault(&r), 401);
	assert_int_equal(
	    ufx_soap(&f, FW, WIPC, 2, "GetExternalIPAddress", "", &r), 500);
	assert_int_equal(ufx_fault(&r), 401);
	assert_int_equal(ufx_soap(&f, IPC, "WANPPPConnection", 1,
	                          "GetExternalIPAddress", "", &r),
	                 500);
	assert_int_equal(ufx_fault(&r), 401);
	/* SOAPACTION naming another action than the body */
	snprintf(req, sizeof(req),
	         "POST /ctl/IPConn HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	         "Content-Type: text/xml\r\nSOAPAction: "
	         "\"urn:schemas-upnp-org:service:WANIPConnection:2#"
	         "GetStatusInfo\"\r\nContent-Length: %zu\r\n\r\n%s",
	         strlen(body), body);
	assert_int_equal(ufx_raw(&f, req, &r), 500);
	assert_int_equal(ufx_fault(&r), 401);
	/* without SOAPACTION */
	snprintf(req, sizeof(req),
	         "POST /ctl/IPConn HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	         "Content-Type: text/xml\r\nContent-Length: %zu\r\n\r\n%s",
	         strlen(body), body);
	assert_int_equal(ufx_raw(&f, req, &r), 500);
	assert_int_equal(ufx_fault(&r), 401);
	/* the same body with a matching, unquoted SOAPACTION: accepted */
	snprintf(req, sizeof(req),
	         "POST /ctl/IPConn HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	         "Content-Type: text/xml\r\nSOAPAction: "
	         "urn:schemas-upnp-org:service:WANIPConnection:2#"
	         "GetExternalIPAddress\r\nContent-Length: %zu\r\n\r\n%s",
	         strlen(body), body);
	assert_int_equal(ufx_raw(&f, req, &r), 200);
	/* not text/xml; no length */
	snprintf(req, sizeof(req),
	         "POST /ctl/IPConn HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	         "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n"
	         "%s",
	         strlen(body), body);
	assert_int_equal(ufx_raw(&f, req, &r), 415);
	assert_int_equal(ufx_raw(&f,
	                         "POST /ctl/IPConn HTTP/1.1\r\nHost: x\r\n"
	                         "Content-Type: text/xml\r\nTransfer-Encoding: "
	                         "chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
	                         &r),
	                 411);
}

/* Posts body to the IPConn control URL as GetExternalIPAddress. */
static int post(const char *body)
{
	static char req[4096];

	snprintf(req, sizeof(req),
	         "POST /ctl/IPConn HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	         "Content-Type: text/xml\r\nSOAPAction: "
	         "\"urn:schemas-upnp-org:service:WANIPConnection:2#"
	         "GetExternalIPAddress\"\r\nContent-Length: %zu\r\n\r\n%s",
	         strlen(body), body);
	return ufx_raw(&f, req, &r);
}

static void hostile_xml(void **state)
{
	(void)state;
	/* not XML */
	assert_int_equal(post("hello"), 400);
	assert_int_equal(
	    post("<s:Envelope "
	         "xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">"
	         "<s:Body>"),
	    400);
	/* a DOCTYPE, with entities (billion laughs) or without */
	assert_int_equal(
	    post("<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaa\">"
	         "<!ENTITY b \"&a;&a;&a;&a;\">]>"
	         "<s:Envelope "
	         "xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">"
	         "<s:Body><u:GetExternalIPAddress "
	         "xmlns:u=\"urn:schemas-upnp-org:service:WANIPConnection:2\">"
	         "&b;</u:GetExternalIPAddress></s:Body></s:Envelope>"),
	    400);
	assert_int_equal(
	    post("<!DOCTYPE s:Envelope SYSTEM \"file:///etc/passwd\">"
	         "<s:Envelope "
	         "xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"/>"),
	    400);
	/* an envelope of the wrong namespace; two actions; two bodies */
	assert_int_equal(post("<Envelope><Body/></Envelope>"), 500);
	assert_int_equal(ufx_fault(&r), 401);
	assert_int_equal(
	    post("<s:Envelope "
	         "xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">"
	         "<s:Body><u:GetExternalIPAddress "
	         "xmlns:u=\"urn:schemas-upnp-org:service:WANIPConnection:2\"/>"
	         "<u:GetExternalIPAddress "
	         "xmlns:u=\"urn:schemas-upnp-org:service:WANIPConnection:2\"/>"
	         "</s:Body></s:Envelope>"),
	    500);
	assert_int_equal(ufx_fault(&r), 401);
	/* deep nesting in a SOAP Header */
	assert_int_equal(
	    post("<s:Envelope "
	         "xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">"
	         "<s:Header><a><a><a><a><a><a><a><a><a></a></a></a></a></a>"
	         "</a></a></a></a></s:Header></s:Envelope>"),
	    500);
	assert_int_equal(ufx_fault(&r), 401);
	/* a harmless SOAP Header is skipped */
	assert_int_equal(
	    post("<s:Envelope "
	         "xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">"
	         "<s:Header><x>1</x></s:Header>"
	         "<s:Body><u:GetExternalIPAddress "
	         "xmlns:u=\"urn:schemas-upnp-org:service:WANIPConnection:2\"/>"
	         "</s:Body></s:Envelope>"),
	    200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(info_actions, setup, teardown),
	    cmocka_unit_test_setup_teardown(mapping_cycle, setup, teardown),
	    cmocka_unit_test_setup_teardown(other_host_refused, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(argument_faults, setup, teardown),
	    cmocka_unit_test_setup_teardown(action_faults, setup, teardown),
	    cmocka_unit_test_setup_teardown(hostile_xml, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

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

/* AddPortMapping's arguments (string literals: usable in the tables). */
#define ADD_ARGS(ext, proto, client, lease)                                    \
	"<NewRemoteHost></NewRemoteHost>"                                      \
	"<NewExternalPort>" ext "</NewExternalPort>"                           \
	"<NewProtocol>" proto "</NewProtocol>"                                 \
	"<NewInternalPort>8080</NewInternalPort>"                              \
	"<NewInternalClient>" client "</NewInternalClient>"                    \
	"<NewEnabled>1</NewEnabled>"                                           \
	"<NewPortMappingDescription>web &amp; co</"                            \
	"NewPortMappingDescription>"                                           \
	"<NewLeaseDuration>" lease "</NewLeaseDuration>"

/* A SOAP action that must fail: HTTP 500 with this UPnPError code. */
struct fault_case {
	const char *path, *service;
	unsigned version;
	const char *action, *args;
	int fault;
};

static void expect_faults(struct ufx *f, const struct fault_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int status = ufx_soap(f, c[i].path, c[i].service, c[i].version,
		                      c[i].action, c[i].args, &r);
		if (status != 500 || ufx_fault(&r) != c[i].fault)
			fail_msg("case %zu (%s): status %d fault %d, not 500 "
			         "fault %d",
			         i, c[i].action, status, ufx_fault(&r),
			         c[i].fault);
	}
}

static void info_actions(void **state)
{
	struct ufx *f = *state;
	assert_int_equal(
	    ufx_soap(f, IPC, WIPC, 2, "GetExternalIPAddress", "", &r), 200);
	assert_non_null(strstr(r.text, "EXT:"));
	assert_non_null(
	    strstr(r.body,
	           "<u:GetExternalIPAddressResponse "
	           "xmlns:u=\"urn:schemas-upnp-org:service:WANIPConnection:2\">"
	           "<NewExternalIPAddress>203.0.113.1</NewExternalIPAddress>"));
	/* a :1 request is answered in the :1 namespace */
	assert_int_equal(ufx_soap(f, IPC, WIPC, 1, "GetStatusInfo", "", &r),
	                 200);
	assert_non_null(strstr(r.body, "service:WANIPConnection:1\">"));
	assert_non_null(strstr(
	    r.body, "<NewConnectionStatus>Connected</NewConnectionStatus>"
	            "<NewLastConnectionError>ERROR_NONE"));
	assert_int_equal(
	    ufx_soap(f, IPC, WIPC, 2, "GetConnectionTypeInfo", "", &r), 200);
	assert_non_null(
	    strstr(r.body, "<NewConnectionType>IP_Routed</NewConnectionType>"));
	assert_int_equal(ufx_soap(f, IPC, WIPC, 2, "GetNATRSIPStatus", "", &r),
	                 200);
	assert_non_null(strstr(r.body, "<NewNATEnabled>1</NewNATEnabled>"));
	assert_int_equal(
	    ufx_soap(f, CIF, WCIF, 1, "GetCommonLinkProperties", "", &r), 200);
	assert_non_null(strstr(r.body, "<NewPhysicalLinkStatus>Up<"));
	assert_int_equal(ufx_soap(f, CIF, WCIF, 1, "GetTotalBytesSent", "", &r),
	                 500);
	assert_int_equal(ufx_fault(&r), 501);
	assert_int_equal(ufx_soap(f, FW, WFW, 1, "GetFirewallStatus", "", &r),
	                 200);
	assert_non_null(strstr(r.body, "<FirewallEnabled>1</FirewallEnabled>"));
}

static void mapping_cycle(void **state)
{
	struct ufx *f = *state;
	assert_int_equal(ufx_soap(f, IPC, WIPC, 2, "AddPortMapping",
	                          ADD_ARGS("18080", "TCP", "127.0.0.1", "3600"),
	                          &r),
	                 200);
	assert_non_null(strstr(r.body, "<u:AddPortMappingResponse"));
	assert_int_equal(ufx_soap(f, IPC, WIPC, 2,
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
	    ufx_soap(f, IPC, WIPC, 1, "GetGenericPortMappingEntry",
	             "<NewPortMappingIndex>0</NewPortMappingIndex>", &r),
	    200);
	assert_non_null(strstr(r.body, "<NewExternalPort>18080<"));
	assert_non_null(strstr(r.body, "<NewProtocol>TCP</NewProtocol>"));
	assert_int_equal(
	    ufx_soap(f, IPC, WIPC, 1, "GetGenericPortMappingEntry",
	             "<NewPortMappingIndex>1</NewPortMappingIndex>", &r),
	    500);
	assert_int_equal(ufx_fault(&r), 713);
	assert_int_equal(ufx_soap(f, IPC, WIPC, 2, "GetListOfPortMappings",
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
	assert_int_equal(ufx_soap(f, IPC, WIPC, 2, "AddAnyPortMapping",
	                          ADD_ARGS("18080", "UDP", "127.0.0.1", "60"),
	                          &r),
	                 200);
	assert_non_null(strstr(r.body, "<NewReservedPort>"));
	assert_int_equal(ufx_soap(f, IPC, WIPC, 2, "DeletePortMapping",
	                          "<NewRemoteHost></NewRemoteHost>"
	                          "<NewExternalPort>18080</NewExternalPort>"
	                          "<NewProtocol>TCP</NewProtocol>",
	                          &r),
	                 200);
	assert_int_equal(ufx_soap(f, IPC, WIPC, 2,
	                          "GetSpecificPortMappingEntry",
	                          "<NewRemoteHost></NewRemoteHost>"
	                          "<NewExternalPort>18080</NewExternalPort>"
	                          "<NewProtocol>TCP</NewProtocol>",
	                          &r),
	                 500);
	assert_int_equal(ufx_fault(&r), 714);
	assert_int_equal(ufx_soap(f, IPC, WIPC, 2, "DeletePortMappingRange",
	                          "<NewStartPort>1</NewStartPort>"
	                          "<NewEndPort>65535</NewEndPort>"
	                          "<NewProtocol>UDP</NewProtocol>"
	                          "<NewManage>0</NewManage>",
	                          &r),
	                 200);
	assert_int_equal(ufx_soap(f, IPC, WIPC, 2, "DeletePortMappingRange",
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
	struct ufx *f = *state;
	assert_int_equal(ufx_soap(f, IPC, WIPC, 2, "AddPortMapping",
	                          ADD_ARGS("18081", "TCP", "192.0.2.9", "60"),
	                          &r),
	                 500);
	assert_int_equal(ufx_fault(&r), 606);
	assert_non_null(
	    strstr(r.body,
	           "<errorDescription>ActionNotAuthorized</errorDescription>"));
	assert_non_null(strstr(r.body, "<faultcode>s:Client</faultcode>"));
}

/* An AddPortMapping whose port, protocol or client is not valid: 402. */
#define BAD_ADD(ext, proto, client)                                            \
	{                                                                      \
		IPC, WIPC, 2, "AddPortMapping",                                \
		    ADD_ARGS(ext, proto, client, "60"), 402                    \
	}

static void argument_faults(void **state)
{
	static const struct fault_case cases[] = {
	    /* ports that are not a decimal 1..65535 */
	    BAD_ADD("80x", "TCP", "127.0.0.1"),
	    BAD_ADD("-1", "TCP", "127.0.0.1"),
	    BAD_ADD("65536", "TCP", "127.0.0.1"),
	    BAD_ADD(" 80", "TCP", "127.0.0.1"),
	    BAD_ADD("0x50", "TCP", "127.0.0.1"),
	    BAD_ADD("", "TCP", "127.0.0.1"),
	    /* protocol spelt otherwise than the spec, an address that is not */
	    BAD_ADD("80", "tcp", "127.0.0.1"),
	    BAD_ADD("80", "TCP", "127.0.0.256"),
	    /* a missing, an unknown and a repeated argument */
	    {IPC, WIPC, 2, "DeletePortMapping",
	     "<NewRemoteHost></NewRemoteHost>"
	     "<NewExternalPort>80</NewExternalPort>",
	     402},
	    {IPC, WIPC, 2, "GetExternalIPAddress", "<NewFoo>1</NewFoo>", 402},
	    {IPC, WIPC, 2, "GetGenericPortMappingEntry",
	     "<NewPortMappingIndex>0</NewPortMappingIndex>"
	     "<NewPortMappingIndex>1</NewPortMappingIndex>",
	     402},
	    /* markup inside an argument */
	    {IPC, WIPC, 2, "GetGenericPortMappingEntry",
	     "<NewPortMappingIndex><b>0</b></NewPortMappingIndex>", 402},
	    /* pinhole protocol 65535 (any) is refused with 707; an IPv4
	     * client is no pinhole's */
	    {FW, WFW, 1, "AddPinhole",
	     "<RemoteHost></RemoteHost>"
	     "<RemotePort>0</RemotePort>"
	     "<InternalClient>2001:db8::1</InternalClient>"
	     "<InternalPort>80</InternalPort>"
	     "<Protocol>65535</Protocol>"
	     "<LeaseTime>3600</LeaseTime>",
	     707},
	    {FW, WFW, 1, "AddPinhole",
	     "<RemoteHost></RemoteHost>"
	     "<RemotePort>0</RemotePort>"
	     "<InternalClient>192.0.2.1</InternalClient>"
	     "<InternalPort>80</InternalPort>"
	     "<Protocol>6</Protocol>"
	     "<LeaseTime>3600</LeaseTime>",
	     402},
	};

	expect_faults(*state, cases, sizeof(cases) / sizeof(cases[0]));
}

static void action_faults(void **state)
{
	struct ufx *f = *state;
	char req[1024];
	const char *body =
	    "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">"
	    "<s:Body><u:GetExternalIPAddress "
	    "xmlns:u=\"urn:schemas-upnp-org:service:WANIPConnection:2\"/>"
	    "</s:Body></s:Envelope>";

	/* no such action; a :2 action asked of :1; the wrong control URL;
	 * a service not served */
	static const struct fault_case cases[] = {
	    {IPC, WIPC, 2, "SetConnectionType", "", 401},
	    {IPC, WIPC, 1, "AddAnyPortMapping",
	     ADD_ARGS("80", "TCP", "127.0.0.1", "60"), 401},
	    {FW, WIPC, 2, "GetExternalIPAddress", "", 401},
	    {IPC, "WANPPPConnection", 1, "GetExternalIPAddress", "", 401},
	};
	expect_faults(f, cases, sizeof(cases) / sizeof(cases[0]));
	/* The same body under other headers: a SOAPACTION naming another
	 * action than the body, none, a matching unquoted one (accepted),
	 * not text/xml. */
	static const struct {
		const char *headers;
		int status, fault;
	} raw[] = {
	    {"Content-Type: text/xml\r\nSOAPAction: "
	     "\"urn:schemas-upnp-org:service:WANIPConnection:2#"
	     "GetStatusInfo\"\r\n",
	     500, 401},
	    {"Content-Type: text/xml\r\n", 500, 401},
	    {"Content-Type: text/xml\r\nSOAPAction: "
	     "urn:schemas-upnp-org:service:WANIPConnection:2#"
	     "GetExternalIPAddress\r\n",
	     200, 0},
	    {"Content-Type: application/json\r\n", 415, 0},
	};
	for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++) {
		snprintf(req, sizeof(req),
		         "POST /ctl/IPConn HTTP/1.1\r\nHost: x\r\nConnection: "
		         "close\r\n%sContent-Length: %zu\r\n\r\n%s",
		         raw[i].headers, strlen(body), body);
		int status = ufx_raw(f, req, &r);
		if (status != raw[i].status ||
		    (status == 500 && ufx_fault(&r) != raw[i].fault))
			fail_msg("headers %zu: status %d fault %d", i, status,
			         ufx_fault(&r));
	}
	/* no length */
	assert_int_equal(ufx_raw(f,
	                         "POST /ctl/IPConn HTTP/1.1\r\nHost: x\r\n"
	                         "Content-Type: text/xml\r\nTransfer-Encoding: "
	                         "chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
	                         &r),
	                 411);
}

/* Posts body to the IPConn control URL as GetExternalIPAddress. */
static int post(struct ufx *f, const char *body)
{
	static char req[4096];

	snprintf(req, sizeof(req),
	         "POST /ctl/IPConn HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	         "Content-Type: text/xml\r\nSOAPAction: "
	         "\"urn:schemas-upnp-org:service:WANIPConnection:2#"
	         "GetExternalIPAddress\"\r\nContent-Length: %zu\r\n\r\n%s",
	         strlen(body), body);
	return ufx_raw(f, req, &r);
}

#define ENV_OPEN                                                               \
	"<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">"
#define GET_EXT_IP                                                             \
	"<u:GetExternalIPAddress "                                             \
	"xmlns:u=\"urn:schemas-upnp-org:service:WANIPConnection:2\"/>"

static void hostile_xml(void **state)
{
	static const struct {
		const char *what, *body;
		int status, fault; /* fault: with status 500 */
	} cases[] = {
	    {"not XML", "hello", 400, 0},
	    {"unterminated", ENV_OPEN "<s:Body>", 400, 0},
	    /* a DOCTYPE, with entities (billion laughs) or without */
	    {"entities",
	     "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaa\">"
	     "<!ENTITY b \"&a;&a;&a;&a;\">]>" ENV_OPEN
	     "<s:Body><u:GetExternalIPAddress "
	     "xmlns:u=\"urn:schemas-upnp-org:service:WANIPConnection:2\">"
	     "&b;</u:GetExternalIPAddress></s:Body></s:Envelope>",
	     400, 0},
	    {"doctype",
	     "<!DOCTYPE s:Envelope SYSTEM \"file:///etc/passwd\">"
	     "<s:Envelope "
	     "xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"/>",
	     400, 0},
	    /* an envelope of the wrong namespace; two actions */
	    {"namespace", "<Envelope><Body/></Envelope>", 500, 401},
	    {"two actions",
	     ENV_OPEN "<s:Body>" GET_EXT_IP GET_EXT_IP "</s:Body></s:Envelope>",
	     500, 401},
	    {"deep header",
	     ENV_OPEN
	     "<s:Header><a><a><a><a><a><a><a><a><a></a></a></a></a></a>"
	     "</a></a></a></a></s:Header></s:Envelope>",
	     500, 401},
	    /* a harmless SOAP Header is skipped */
	    {"header",
	     ENV_OPEN "<s:Header><x>1</x></s:Header>"
	              "<s:Body>" GET_EXT_IP "</s:Body></s:Envelope>",
	     200, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int status = post(*state, cases[i].body);
		if (status != cases[i].status ||
		    (status == 500 && ufx_fault(&r) != cases[i].fault))
			fail_msg("%s: status %d fault %d", cases[i].what,
			         status, ufx_fault(&r));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    UFX_TEST(info_actions),       UFX_TEST(mapping_cycle),
	    UFX_TEST(other_host_refused), UFX_TEST(argument_faults),
	    UFX_TEST(action_faults),      UFX_TEST(hostile_xml),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

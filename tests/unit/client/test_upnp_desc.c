/*
 * IGD device descriptions (lib/client/upnp_desc.c): miniupnpd's (IGD:2 and
 * IGD:1) and portctld's own as captured (upnp_data/), then the variants
 * other devices write and the malformed and hostile ones.
 */
#include <errno.h>

#include "client/upnp.h"
#include "upnp_data.h"

#define URN_DEV  "urn:schemas-upnp-org:device:"
#define URN_SVC  "urn:schemas-upnp-org:service:"
#define IP2      URN_SVC "WANIPConnection:2"
#define IP1      URN_SVC "WANIPConnection:1"
#define PPP1     URN_SVC "WANPPPConnection:1"
#define V6FC     URN_SVC "WANIPv6FirewallControl:1"
#define LOCATION "http://192.0.2.1:5000/rootDesc.xml"

static void expect_file(const char *name, const char *location, int version,
                        const char *type, const char *control,
                        const char *v6type, const char *v6control)
{
	struct pctl_igd_desc d;
	size_t len;
	char *xml = upnp_data(name, &len);

	if (pctl_igd_desc_parse(xml, len, location, &d) != 0)
		fail_msg("%s refused: errno %d", name, errno);
	assert_int_equal(d.igd_version, version);
	assert_string_equal(d.conn_type, type);
	assert_string_equal(d.conn_control, control);
	assert_string_equal(d.v6fc_type, v6type);
	assert_string_equal(d.v6fc_control, v6control);
	free(xml);
}

static void test_miniupnpd_igd2(void **state)
{
	(void)state;
	expect_file("miniupnpd_desc.xml", LOCATION, 2, IP2,
	            "http://192.0.2.1:5000/ctl/IPConn", V6FC,
	            "http://192.0.2.1:5000/ctl/IP6FCtl");
}

static void test_miniupnpd_igd1(void **state)
{
	(void)state;
	expect_file("miniupnpd_igd1_desc.xml", LOCATION, 1, IP1,
	            "http://192.0.2.1:5000/ctl/IPConn", "", "");
}

static void test_portctld_igd2(void **state)
{
	(void)state;
	expect_file("portctld_desc.xml", LOCATION, 2, IP2,
	            "http://192.0.2.1:5000/ctl/IPConn", V6FC,
	            "http://192.0.2.1:5000/ctl/IP6FCtl");
}

/* An IPv6 device heard on a link-local address: the zone of LOCATION is
 * kept in the control URLs. */
static void test_ipv6_location_zone(void **state)
{
	(void)state;
	expect_file("miniupnpd_desc.xml",
	            "http://[fe80::1%lo]:5000/rootDesc.xml", 2, IP2,
	            "http://[fe80::1%lo]:5000/ctl/IPConn", V6FC,
	            "http://[fe80::1%lo]:5000/ctl/IP6FCtl");
}

/* A description: root device of root_type, with url_base (or none), and a
 * WANDevice holding a connection device of conn_dev_type with services
 * (each made by svc()). */
static char *igd(const char *url_base, const char *root_type,
                 const char *conn_dev_type, const char *services)
{
	static char buf[16384];
	int n;

	n = snprintf(
	    buf, sizeof(buf),
	    "<?xml version=\"1.0\"?>\n"
	    "<root xmlns=\"urn:schemas-upnp-org:device-1-0\">\n"
	    "<specVersion><major>1</major><minor>0</minor></specVersion>\n"
	    "%s%s%s"
	    "<device><deviceType>%s</deviceType>\n"
	    "<friendlyName>Router &amp; Co</friendlyName>\n"
	    "<deviceList><device>"
	    "<deviceType>" URN_DEV "WANDevice:1</deviceType>"
	    "<deviceList><device>"
	    "<deviceType>%s</deviceType>"
	    "<serviceList>%s</serviceList>"
	    "</device></deviceList></device></deviceList>"
	    "</device></root>\n",
	    url_base ? "<URLBase>" : "", url_base ? url_base : "",
	    url_base ? "</URLBase>\n" : "", root_type, conn_dev_type, services);
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	return buf;
}

static char *svc(char *buf, size_t cap, const char *type, const char *ctl)
{
	snprintf(buf, cap,
	         "<service><serviceType>%s</serviceType>"
	         "<serviceId>urn:upnp-org:serviceId:x</serviceId>"
	         "<SCPDURL>/x.xml</SCPDURL><controlURL>%s</controlURL>"
	         "<eventSubURL>/evt</eventSubURL></service>",
	         type, ctl);
	return buf;
}

static void expect_ok(const char *xml, const char *location, int version,
                      const char *type, const char *control)
{
	struct pctl_igd_desc d;

	if (pctl_igd_desc_parse(xml, strlen(xml), location, &d) != 0)
		fail_msg("refused (errno %d):\n%s", errno, xml);
	assert_int_equal(d.igd_version, version);
	assert_string_equal(d.conn_type, type);
	assert_string_equal(d.conn_control, control);
}

static void expect_err(const char *xml, size_t len, const char *location,
                       int err)
{
	struct pctl_igd_desc d;

	memset(&d, 0xa5, sizeof(d));
	errno = 0;
	if (pctl_igd_desc_parse(xml, len, location, &d) != -1)
		fail_msg("accepted:\n%.*s", (int)(len > 2000 ? 2000 : len),
		         xml);
	assert_int_equal(errno, err);
	assert_int_equal(d.igd_version, 0);
	assert_int_equal(d.conn_type[0], '\0');
	assert_int_equal(d.conn_control[0], '\0');
	assert_int_equal(d.v6fc_type[0], '\0');
}

#define IGD1 URN_DEV "InternetGatewayDevice:1"
#define IGD2 URN_DEV "InternetGatewayDevice:2"
#define WCD1 URN_DEV "WANConnectionDevice:1"
#define WCD2 URN_DEV "WANConnectionDevice:2"

/* IGD:1 with a PPP connection only (DSL routers); IGD:1's own IP
 * connection preferred to PPP whatever the order. */
static void test_igd1_ppp(void **state)
{
	char a[512], b[512], both[1100];
	(void)state;

	expect_ok(igd(NULL, IGD1, WCD1, svc(a, sizeof(a), PPP1, "/ctl/PPP")),
	          LOCATION, 1, PPP1, "http://192.0.2.1:5000/ctl/PPP");
	snprintf(both, sizeof(both), "%s%s", svc(a, sizeof(a), PPP1, "/ppp"),
	         svc(b, sizeof(b), IP1, "/ip"));
	expect_ok(igd(NULL, IGD1, WCD1, both), LOCATION, 1, IP1,
	          "http://192.0.2.1:5000/ip");
}

/* WANIPConnection:2 is preferred to :1 even when it comes second. */
static void test_prefers_ip2(void **state)
{
	char a[512], b[512], both[1100];
	(void)state;

	snprintf(both, sizeof(both), "%s%s", svc(a, sizeof(a), IP1, "/ip1"),
	         svc(b, sizeof(b), IP2, "/ip2"));
	expect_ok(igd(NULL, IGD2, WCD2, both), LOCATION, 2, IP2,
	          "http://192.0.2.1:5000/ip2");
}

/* URLBase (UDA 1.0) is the base of the control URLs, not LOCATION. */
static void test_url_base(void **state)
{
	char a[512];
	(void)state;

	expect_ok(igd("http://192.0.2.7:49000/", IGD1, WCD1,
	              svc(a, sizeof(a), IP1, "/upnp/control/WANIPConn1")),
	          LOCATION, 1, IP1,
	          "http://192.0.2.7:49000/upnp/control/WANIPConn1");
	/* Relative to URLBase's directory. */
	expect_ok(igd(" http://192.0.2.7:49000/igd/ ", IGD1, WCD1,
	              svc(a, sizeof(a), IP1, "ctl")),
	          LOCATION, 1, IP1, "http://192.0.2.7:49000/igd/ctl");
	/* An empty URLBase: LOCATION is the base. */
	expect_ok(igd("", IGD1, WCD1, svc(a, sizeof(a), IP1, "/ctl")), LOCATION,
	          1, IP1, "http://192.0.2.1:5000/ctl");
}

/* A relative controlURL, against LOCATION's directory; an absolute one. */
static void test_relative_control(void **state)
{
	char a[512];
	(void)state;

	expect_ok(igd(NULL, IGD2, WCD2, svc(a, sizeof(a), IP2, "upnp/ctl/ip")),
	          "http://192.0.2.1:1780/igd/desc.xml", 2, IP2,
	          "http://192.0.2.1:1780/igd/upnp/ctl/ip");
	expect_ok(igd(NULL, IGD2, WCD2,
	              svc(a, sizeof(a), IP2, "http://192.0.2.1:2000/ctl")),
	          LOCATION, 2, IP2, "http://192.0.2.1:2000/ctl");
}

/* Namespace prefixes, white space around values, and a connection device
 * whose type comes after its services. */
static void test_prefixes_whitespace_order(void **state)
{
	static const char xml[] =
	    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<d:root xmlns:d=\"urn:schemas-upnp-org:device-1-0\">\n"
	    "  <d:device>\n"
	    "    <d:deviceType>\n  " IGD1 "\n  </d:deviceType>\n"
	    "    <d:deviceList><d:device><d:deviceList><d:device>\n"
	    "      <d:serviceList><d:service>\n"
	    "        <d:serviceType> " IP1 " </d:serviceType>\n"
	    "        <d:controlURL>\n   /ctl/<![CDATA[ip]]>\n</d:controlURL>\n"
	    "      </d:service></d:serviceList>\n"
	    "      <d:deviceType>" WCD1 "</d:deviceType>\n"
	    "    </d:device></d:deviceList></d:device></d:deviceList>\n"
	    "  </d:device>\n"
	    "</d:root>\n";
	(void)state;

	expect_ok(xml, LOCATION, 1, IP1, "http://192.0.2.1:5000/ctl/ip");
}

static void test_not_igd(void **state)
{
	char a[512];
	const char *x;
	(void)state;

	/* A media renderer, an IGD:3, a WANDevice as root. */
	x = igd(NULL, URN_DEV "MediaRenderer:1", WCD1,
	        svc(a, sizeof(a), IP1, "/c"));
	expect_err(x, strlen(x), LOCATION, EINVAL);
	x = igd(NULL, URN_DEV "InternetGatewayDevice:3", WCD1,
	        svc(a, sizeof(a), IP1, "/c"));
	expect_err(x, strlen(x), LOCATION, EINVAL);
	x = igd(NULL, URN_DEV "WANDevice:1", WCD1,
	        svc(a, sizeof(a), IP1, "/c"));
	expect_err(x, strlen(x), LOCATION, EINVAL);
	/* Not a description at all, or two root devices. */
	x = "<html><body>router</body></html>";
	expect_err(x, strlen(x), LOCATION, EINVAL);
	x = "<root><device><deviceType>" IGD1 "</deviceType></device>"
	    "<device><deviceType>" IGD1 "</deviceType></device></root>";
	expect_err(x, strlen(x), LOCATION, EINVAL);
	x = "<root></root>";
	expect_err(x, strlen(x), LOCATION, EINVAL);
}

static void test_no_connection_service(void **state)
{
	char a[512];
	const char *x;
	(void)state;

	/* Only the firewall control, or a service without a controlURL. */
	x = igd(NULL, IGD2, WCD2, svc(a, sizeof(a), V6FC, "/fc"));
	expect_err(x, strlen(x), LOCATION, ENOENT);
	x = igd(NULL, IGD2, WCD2, svc(a, sizeof(a), IP2, "  "));
	expect_err(x, strlen(x), LOCATION, ENOENT);
	/* A connection service outside a WANConnectionDevice. */
	x = igd(NULL, IGD2, URN_DEV "WANDevice:2",
	        svc(a, sizeof(a), IP2, "/c"));
	expect_err(x, strlen(x), LOCATION, ENOENT);
	/* Another version than the three used. */
	x = igd(NULL, IGD2, WCD2,
	        svc(a, sizeof(a), URN_SVC "WANIPConnection:3", "/c"));
	expect_err(x, strlen(x), LOCATION, ENOENT);
}

static void test_malformed(void **state)
{
	char a[1024], url[400];
	const char *x;
	size_t n;
	(void)state;

	/* A DOCTYPE: billion laughs, an external entity. */
	x = "<?xml version=\"1.0\"?>\n<!DOCTYPE root [<!ENTITY a \"aaaa\">"
	    "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]>\n"
	    "<root><device><deviceType>&b;</deviceType></device></root>";
	expect_err(x, strlen(x), LOCATION, EINVAL);
	x = "<!DOCTYPE root SYSTEM \"http://192.0.2.9/x.dtd\"><root/>";
	expect_err(x, strlen(x), LOCATION, EINVAL);
	/* Even a harmless one in front of a good description. */
	{
		static char doc[20000];
		x = igd(NULL, IGD2, WCD2, svc(a, sizeof(a), IP2, "/c"));
		snprintf(doc, sizeof(doc), "<!DOCTYPE root>\n%s",
		         strstr(x, "<root"));
		expect_err(doc, strlen(doc), LOCATION, EINVAL);
	}
	/* Truncated, not XML, empty. */
	x = igd(NULL, IGD2, WCD2, svc(a, sizeof(a), IP2, "/c"));
	expect_err(x, strlen(x) - 10, LOCATION, EINVAL);
	expect_err("HTTP/1.1 200 OK", 15, LOCATION, EINVAL);
	expect_err("", 0, LOCATION, EINVAL);
	/* An over-long control URL or service type: refused, not cut. */
	memset(url, 'c', sizeof(url));
	url[0] = '/';
	url[PCTL_UPNP_URL_MAX] = '\0';
	x = igd(NULL, IGD2, WCD2, svc(a, sizeof(a), IP2, url));
	expect_err(x, strlen(x), LOCATION, EINVAL);
	memset(url, 't', sizeof(url));
	url[PCTL_UPNP_TYPE_MAX] = '\0';
	x = igd(NULL, IGD2, WCD2, svc(a, sizeof(a), url, "/c"));
	expect_err(x, strlen(x), LOCATION, EINVAL);
	/* A control URL climbing out, or naming a host. */
	x = igd(NULL, IGD2, WCD2, svc(a, sizeof(a), IP2, "/a/../b"));
	expect_err(x, strlen(x), LOCATION, EINVAL);
	x = igd(NULL, IGD2, WCD2,
	        svc(a, sizeof(a), IP2, "http://evil.example/"));
	expect_err(x, strlen(x), LOCATION, EINVAL);
	/* A URLBase with a host name. */
	x = igd("http://fritz.box:49000/", IGD2, WCD2,
	        svc(a, sizeof(a), IP2, "/c"));
	expect_err(x, strlen(x), LOCATION, EINVAL);
	/* A LOCATION that is not one. */
	x = igd(NULL, IGD2, WCD2, svc(a, sizeof(a), IP2, "/c"));
	expect_err(x, strlen(x), "http://router.lan/rootDesc.xml", EINVAL);
	x = igd("http://192.0.2.1:5000/", IGD2, WCD2,
	        svc(a, sizeof(a), IP2, "/c"));
	expect_err(x, strlen(x), "http://router.lan/rootDesc.xml", EINVAL);
	/* A description larger than PCTL_UPNP_DESC_MAX, the rest being
	 * spaces (well-formed otherwise). */
	{
		char *big = malloc(PCTL_UPNP_DESC_MAX + 2);
		assert_non_null(big);
		n = strlen(x);
		memcpy(big, x, n);
		memset(big + n, ' ', PCTL_UPNP_DESC_MAX + 1 - n);
		expect_err(big, PCTL_UPNP_DESC_MAX + 1, LOCATION, EINVAL);
		/* The same at exactly the limit is read. */
		struct pctl_igd_desc d;
		assert_int_equal(
		    pctl_igd_desc_parse(big, PCTL_UPNP_DESC_MAX, LOCATION, &d),
		    0);
		assert_string_equal(d.conn_control, "http://192.0.2.1:5000/c");
		free(big);
	}
}

/* PCTL_UPNP_DEPTH_MAX levels are read; one more is refused. */
static void test_depth(void **state)
{
	char inner[1024], deep[4096];
	const char *x;
	size_t n = 0;
	(void)state;

	/* root(1)/device(2)/deviceList(3)/device(4)/deviceList(5)/device(6)
	 * /serviceList(7)/service(8)/ then nested elements from level 9. */
	for (int level = 9; level <= PCTL_UPNP_DEPTH_MAX; level++)
		n += (size_t)snprintf(inner + n, sizeof(inner) - n, "<x>");
	for (int level = PCTL_UPNP_DEPTH_MAX; level >= 9; level--)
		n += (size_t)snprintf(inner + n, sizeof(inner) - n, "</x>");
	snprintf(deep, sizeof(deep),
	         "<service><serviceType>%s</serviceType>"
	         "<controlURL>/c</controlURL>%s</service>",
	         IP2, inner);
	x = igd(NULL, IGD2, WCD2, deep);
	expect_ok(x, LOCATION, 2, IP2, "http://192.0.2.1:5000/c");
	snprintf(deep, sizeof(deep),
	         "<service><serviceType>%s</serviceType>"
	         "<controlURL>/c</controlURL><y>%s</y></service>",
	         IP2, inner);
	x = igd(NULL, IGD2, WCD2, deep);
	expect_err(x, strlen(x), LOCATION, EINVAL);
	/* A well-formed depth bomb within the size limit: 8000 levels. */
	{
		size_t k = 0;
		char *bomb = malloc(PCTL_UPNP_DESC_MAX);
		assert_non_null(bomb);
		for (int i = 0; i < 8000; i++)
			k += (size_t)sprintf(bomb + k, "<a>");
		for (int i = 0; i < 8000; i++)
			k += (size_t)sprintf(bomb + k, "</a>");
		snprintf(deep, sizeof(deep),
		         "<service><serviceType>%s</serviceType>"
		         "<controlURL>/c</controlURL></service>",
		         IP2);
		x = igd(NULL, IGD2, WCD2, deep);
		/* The bomb in the root device, after its WAN devices. */
		n = strlen(x) - strlen("</device></root>\n");
		memmove(bomb + n, bomb, k);
		memcpy(bomb, x, n);
		k += n;
		k += (size_t)sprintf(bomb + k, "</device></root>\n");
		assert_true(k <= PCTL_UPNP_DESC_MAX);
		expect_err(bomb, k, LOCATION, EINVAL);
		free(bomb);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_miniupnpd_igd2),
	    cmocka_unit_test(test_miniupnpd_igd1),
	    cmocka_unit_test(test_portctld_igd2),
	    cmocka_unit_test(test_ipv6_location_zone),
	    cmocka_unit_test(test_igd1_ppp),
	    cmocka_unit_test(test_prefers_ip2),
	    cmocka_unit_test(test_url_base),
	    cmocka_unit_test(test_relative_control),
	    cmocka_unit_test(test_prefixes_whitespace_order),
	    cmocka_unit_test(test_not_igd),
	    cmocka_unit_test(test_no_connection_service),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_depth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * fuzz_client_igd_desc: the client's parser of a UPnP IGD device
 * description (lib/client/upnp_desc.c, on expat through upnp_xml.c).  The
 * description comes over HTTP from whatever answered the search.
 *
 * Input: "LOCATION\nXML": the URL the description was fetched from, then
 * the document.  Invariants: an accepted description is IGD:1 or IGD:2
 * with one of the three connection services, its control URLs absolute
 * URLs pctl_url_parse accepts, the IPv6 firewall control both type and URL
 * or neither; a refused one leaves the result zeroed with errno EINVAL or
 * ENOENT.
 */
#include <errno.h>
#include <string.h>

#include "client/upnp.h"
#include "fuzz_check.h"

#define SVC "urn:schemas-upnp-org:service:"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	char location[PCTL_UPNP_URL_MAX + 1];
	struct pctl_igd_desc d, zero;
	struct pctl_url u;
	size_t n;

	if (!nl || (size_t)(nl - (const char *)data) >= sizeof(location))
		return 0;
	n = (size_t)(nl - (const char *)data);
	memcpy(location, data, n);
	location[n] = '\0';
	memset(&zero, 0, sizeof(zero));
	errno = 0;
	if (pctl_igd_desc_parse(nl + 1, size - n - 1, location, &d) == 0) {
		CHECK(d.igd_version == 1 || d.igd_version == 2);
		CHECK(strcmp(d.conn_type, SVC "WANIPConnection:2") == 0 ||
		      strcmp(d.conn_type, SVC "WANIPConnection:1") == 0 ||
		      strcmp(d.conn_type, SVC "WANPPPConnection:1") == 0);
		CHECK(pctl_url_parse(d.conn_control, &u) == 0);
		if (d.v6fc_type[0]) {
			CHECK(strcmp(d.v6fc_type,
			             SVC "WANIPv6FirewallControl:1") == 0);
			CHECK(pctl_url_parse(d.v6fc_control, &u) == 0);
		} else {
			CHECK(d.v6fc_control[0] == '\0');
		}
	} else {
		CHECK(errno == EINVAL || errno == ENOENT);
		CHECK(memcmp(&d, &zero, sizeof(d)) == 0);
	}
	return 0;
}

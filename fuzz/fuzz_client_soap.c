/*
 * fuzz_client_soap: the client's SOAP response parser and request writer
 * (lib/client/upnp_soap.c, on expat through upnp_xml.c).  The response
 * comes from whatever the description named as control URL.
 *
 * Input: "ACTION\nXML": the action asked, then the response body.
 * Invariants: an accepted response is either a success with at most
 * PCTL_SOAP_MAX_OUT distinct, non-empty argument names or a UPnP error
 * 1..9999 without arguments; a refused one leaves the result zeroed with
 * errno EINVAL.  Round trip: the arguments of a success, written back by
 * pctl_soap_request as the body of "{ACTION}Response", parse again to the
 * same arguments (the writer escapes what the parser unescapes).
 */
#include <errno.h>
#include <string.h>

#include "client/upnp.h"
#include "fuzz_check.h"

static void round_trip(const struct pctl_soap_result *r, const char *action)
{
	static char buf[PCTL_UPNP_SOAP_MAX];
	static struct pctl_soap_result again;
	struct pctl_soap_arg args[PCTL_SOAP_MAX_OUT];
	char response[PCTL_SOAP_NAME_MAX + 16];
	size_t len;

	for (size_t i = 0; i < r->n_out; i++) {
		args[i].name = r->out[i].name;
		args[i].value = r->out[i].value;
	}
	snprintf(response, sizeof(response), "%sResponse", action);
	len = pctl_soap_request(buf, sizeof(buf), "urn:x", response, args,
	                        r->n_out);
	if (len == 0)
		return; /* names the writer refuses (not ASCII XML names) */
	CHECK(pctl_soap_parse_response(buf, len, action, &again) == 0);
	CHECK(again.upnp_error == 0 && again.n_out == r->n_out);
	for (size_t i = 0; i < r->n_out; i++) {
		CHECK(strcmp(again.out[i].name, r->out[i].name) == 0);
		CHECK(strcmp(again.out[i].value, r->out[i].value) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pctl_soap_result r, zero;
	const char *nl = memchr(data, '\n', size);
	char action[PCTL_SOAP_NAME_MAX];
	size_t n;

	if (!nl || (size_t)(nl - (const char *)data) >= sizeof(action))
		return 0;
	n = (size_t)(nl - (const char *)data);
	memcpy(action, data, n);
	action[n] = '\0';
	errno = 0;
	if (pctl_soap_parse_response(nl + 1, size - n - 1, action, &r) != 0) {
		CHECK(errno == EINVAL);
		CHECK(memcmp(&r, &zero, sizeof(r)) == 0);
		return 0;
	}
	CHECK(r.n_out <= PCTL_SOAP_MAX_OUT);
	if (r.upnp_error) {
		CHECK(r.upnp_error >= 1 && r.upnp_error <= 9999);
		CHECK(r.n_out == 0);
		CHECK(memchr(r.error_desc, '\0', sizeof(r.error_desc)));
		return 0;
	}
	for (size_t i = 0; i < r.n_out; i++) {
		CHECK(r.out[i].name[0] != '\0');
		CHECK(memchr(r.out[i].value, '\0', PCTL_SOAP_VALUE_MAX));
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(r.out[i].name, r.out[j].name) != 0);
	}
	if (action[0])
		round_trip(&r, action);
	return 0;
}

/*
 * fuzz_upnp_soap: the UPnP SOAP parser (daemon/upnp_soap.c) and the action
 * dispatch (daemon/upnp_actions.c, upnp_act_*.c) against a real engine on
 * the "none" backend, several requests per input so that a request meets
 * the state earlier ones left.
 *
 * Input: records separated by a NUL octet, each "SOAPACTION\nBODY" (the
 * header value, then the body).  Invariants: every answer, response or
 * fault, is well-formed XML (expat parses it), and a parse error never
 * reaches the engine.
 */
#include <expat.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "fuzz_asan_options.h"
#include "fuzz_check.h"
#include "upnp_actions.h"
#include "upnp_soap.h"

#define MAX_RECORDS 8

static bool well_formed(const struct pctld_xbuf *b)
{
	XML_Parser p = XML_ParserCreate(NULL);
	bool ok;

	if (!p)
		return true;
	ok = XML_Parse(p, b->p, (int)b->len, XML_TRUE) == XML_STATUS_OK;
	XML_ParserFree(p);
	return ok;
}

static void one(struct pctl_engine *e, const char *rec, size_t len,
                uint64_t now)
{
	static struct pctld_soap_req sr;
	const char *nl = memchr(rec, '\n', len);
	char action[256] = "";
	struct pctld_xbuf args, out;
	struct pctl_upnp_req rq;
	int rc;

	if (nl && (size_t)(nl - rec) < sizeof(action)) {
		memcpy(action, rec, (size_t)(nl - rec));
		action[nl - rec] = '\0';
		len -= (size_t)(nl - rec) + 1;
		rec = nl + 1;
	}
	rc = pctld_soap_parse(rec, len, &sr);
	if (rc == 400)
		return;
	pctld_xbuf_init(&args, 1 << 21);
	pctld_xbuf_init(&out, 1 << 21);
	if (rc == 0 && !pctld_soap_action_matches(action, &sr) &&
	    action[0] != '*') /* '*': dispatch anyway, for coverage */
		rc = 401;
	if (rc == 0) {
		memset(&rq, 0, sizeof(rq));
		/* a control point of each family */
		pctl_addr_from_str(&rq.src, sr.svc == PCTLD_SVC_IP6FC
		                                ? "2001:db8::2"
		                                : "192.0.2.2");
		rq.now_ms = now;
		rq.version = sr.version;
		rc = pctld_upnp_dispatch(e, &rq, &sr, 42, &args);
	}
	if (rc == 0)
		pctld_soap_write_response(&out, &sr, args.p ? args.p : "",
		                          args.len);
	else
		pctld_soap_write_fault(&out, rc);
	CHECK(pctld_xbuf_failed(&out) || well_formed(&out));
	pctld_xbuf_free(&args);
	pctld_xbuf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pctl_backend_config bc = {.table = "fuzz"};
	struct pctl_engine_config cfg;
	struct pctl_backend be;
	struct pctl_engine *e;
	uint64_t now = 1000000;
	char err[64];
	const char *p = (const char *)data, *end = p + size;

	if (size > 64 * 1024 ||
	    pctl_backend_none_open(&bc, &be, err, sizeof(err)))
		return 0;
	pctl_engine_config_defaults(&cfg);
	cfg.n_ext_addrs = 2;
	pctl_addr_from_str(&cfg.ext_addrs[0], "203.0.113.1");
	pctl_addr_from_str(&cfg.ext_addrs[1], "2001:db8:ff::1");
	cfg.port_seed = 1;
	e = pctl_engine_new(&cfg, &be, now);
	CHECK(e != NULL);
	for (int i = 0; i < MAX_RECORDS && p < end; i++) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		size_t n = z ? (size_t)(z - p) : (size_t)(end - p);
		one(e, p, n, now);
		now += 1000;
		p += n + 1;
	}
	pctl_engine_free(e);
	be.ops->destroy(be.ctx, false);
	return 0;
}

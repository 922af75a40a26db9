/*
 * The engine's audit hook (issue 10, server/audit.h): every mapping event
 * reaches the observer exactly once with the right fields, for MAP, PEER,
 * NAT-PMP, UPnP IGD, the administrator, policy on a reload, an address change
 * and expiry; renewals that only extend give none; refusals carry their result
 * code; the journal's restore gives none.
 */
#include "utest.h"

#include <string.h>

#include "audit.h"

#define MAX_EV 16

struct rec {
	size_t n;
	struct pctl_audit_event ev[MAX_EV];
	char desc[MAX_EV][64];
};

static void observe(void *ctx, const struct pctl_audit_event *ev)
{
	struct rec *r = ctx;

	assert_true(r->n < MAX_EV);
	r->ev[r->n] = *ev;
	/* Pointers live only during the call: keep a copy. */
	size_t len = ev->desc_len < 63 ? ev->desc_len : 63;
	if (len)
		memcpy(r->desc[r->n], ev->desc, len);
	r->desc[r->n][len] = '\0';
	r->ev[r->n].desc = NULL;
	r->n++;
}

static const char *H = "192.0.2.10";

static struct etest *start(void **state, const struct pctl_engine_config *c,
                           struct rec *r)
{
	struct etest *t = et_open(state, c);
	memset(r, 0, sizeof(*r));
	pctl_engine_set_audit(t->e, observe, r);
	return t;
}

static void assert_addr(const pctl_addr *a, const char *s)
{
	pctl_addr b = et_addr(s);
	assert_memory_equal(a->b, b.b, 16);
}

static void test_map_created_renewed_deleted(void **state)
{
	struct rec r;
	struct etest *t = start(state, NULL, &r);
	struct req q;

	req_map(&q, .client = H, .nonce = 7, .protocol = 6, .int_port = 8080,
	        .lifetime = 3600);
	et_send(t, H, &q);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(r.n, 1);
	const struct pctl_audit_event *e = &r.ev[0];
	assert_int_equal(e->type, PCTL_AUDIT_CREATED);
	assert_int_equal(e->by, PCTL_AUDIT_BY_CLIENT);
	assert_int_equal(e->via, PCTL_AUDIT_VIA_PCP);
	assert_int_equal(e->kind, PCTL_MK_MAP);
	assert_int_equal(e->protocol, 6);
	assert_addr(&e->int_addr, H);
	assert_int_equal(e->int_port, 8080);
	assert_addr(&e->ext_addr, "203.0.113.1");
	assert_int_equal(e->ext_port, EXTPORT(t));
	assert_int_equal(e->lifetime, 3600);
	assert_true(e->has_requester);
	assert_addr(&e->requester, H);
	assert_int_equal(e->requester_port, 40000);
	assert_true(e->has_nonce);
	assert_int_equal(e->nonce[0], 7);

	/* The same lifetime later: only the end moves, no event. */
	t->now += 1800 * 1000;
	et_send(t, H, &q);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(r.n, 1);
	/* A longer one: still nothing a record needs. */
	req_map(&q, .client = H, .nonce = 7, .protocol = 6, .int_port = 8080,
	        .lifetime = 7200);
	et_send(t, H, &q);
	assert_int_equal(r.n, 1);
	/* Shorter, and a description: one RENEWED with both changes. */
	req_map(&q, .client = H, .nonce = 7, .protocol = 6, .int_port = 8080,
	        .lifetime = 600);
	req_opt(&q, PCTL_OPT_DESCRIPTION, "web", 3);
	et_send(t, H, &q);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ev[1].type, PCTL_AUDIT_RENEWED);
	assert_int_equal(r.ev[1].changes,
	                 PCTL_AUDIT_CH_SHORTER | PCTL_AUDIT_CH_DESCRIPTION);
	assert_int_equal(r.ev[1].lifetime, 600);
	assert_string_equal(r.desc[1], "web");

	/* Delete by the client. */
	req_map(&q, .client = H, .nonce = 7, .protocol = 6, .int_port = 8080,
	        .lifetime = 0);
	et_send(t, H, &q);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.ev[2].type, PCTL_AUDIT_DELETED);
	assert_int_equal(r.ev[2].by, PCTL_AUDIT_BY_CLIENT);
	assert_int_equal(r.ev[2].ext_port, r.ev[0].ext_port);
	assert_int_equal(r.ev[2].id, r.ev[0].id);
}

static void test_expired_by_timer(void **state)
{
	struct rec r;
	struct etest *t = start(state, NULL, &r);
	struct req q;

	req_map(&q, .client = H, .nonce = 1, .protocol = 17, .int_port = 5000,
	        .lifetime = 200);
	et_send(t, H, &q);
	assert_int_equal(r.n, 1);
	t->now += 201 * 1000;
	pctl_engine_tick(t->e, t->now);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ev[1].type, PCTL_AUDIT_EXPIRED);
	assert_int_equal(r.ev[1].by, PCTL_AUDIT_BY_TIMER);
	assert_int_equal(r.ev[1].via, PCTL_AUDIT_VIA_NONE);
	assert_false(r.ev[1].has_requester);
	assert_int_equal(r.ev[1].int_port, 5000);
}

static void test_refused_pcp_with_result(void **state)
{
	struct rec r;
	struct etest *t = start(state, NULL, &r);
	struct req q;

	req_map(&q, .client = H, .nonce = 1, .protocol = 6, .int_port = 8080,
	        .lifetime = 3600);
	et_send(t, H, &q);
	/* Another nonce: NOT_AUTHORIZED (S-33). */
	req_map(&q, .client = H, .nonce = 2, .protocol = 6, .int_port = 8080,
	        .lifetime = 3600);
	et_send(t, H, &q);
	assert_int_equal(RESULT(t), PCTL_R_NOT_AUTHORIZED);
	assert_int_equal(r.n, 2);
	const struct pctl_audit_event *e = &r.ev[1];
	assert_int_equal(e->type, PCTL_AUDIT_REFUSED);
	assert_int_equal(e->result, PCTL_R_NOT_AUTHORIZED);
	assert_int_equal(e->opcode, PCTL_OP_MAP);
	assert_int_equal(e->via, PCTL_AUDIT_VIA_PCP);
	assert_true(e->has_mapping);
	assert_int_equal(e->protocol, 6);
	assert_int_equal(e->int_port, 8080);
	assert_int_equal(e->lifetime, 3600);
	assert_int_equal(e->nonce[0], 2);
	assert_addr(&e->requester, H);
	/* An unknown opcode: refused with what could be read. */
	uint8_t bad[24] = {2, 9};
	pctl_addr src = et_addr(H);
	memcpy(bad + 8, src.b, 16);
	et_send_raw(t, H, bad, sizeof(bad), true);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.ev[2].type, PCTL_AUDIT_REFUSED);
	assert_int_equal(r.ev[2].result, PCTL_R_UNSUPP_OPCODE);
	assert_int_equal(r.ev[2].opcode, 9);
	assert_false(r.ev[2].has_mapping);
}

static void test_peer_created_and_extended(void **state)
{
	struct rec r;
	struct etest *t = start(state, NULL, &r);
	struct req q;

	req_peer(&q, .client = H, .nonce = 3, .protocol = 6, .int_port = 5555,
	         .remote_addr = "198.51.100.9", .remote_port = 443,
	         .lifetime = 600);
	et_send(t, H, &q);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.ev[0].type, PCTL_AUDIT_CREATED);
	assert_int_equal(r.ev[0].kind, PCTL_MK_PEER);
	assert_true(r.ev[0].has_remote);
	assert_addr(&r.ev[0].remote_addr, "198.51.100.9");
	assert_int_equal(r.ev[0].remote_port, 443);
	/* Extending a PEER changes nothing of the record... */
	et_send(t, H, &q);
	assert_int_equal(r.n, 1);
	/* ...a new description does. */
	req_peer(&q, .client = H, .nonce = 3, .protocol = 6, .int_port = 5555,
	         .remote_addr = "198.51.100.9", .remote_port = 443,
	         .lifetime = 600);
	req_opt(&q, PCTL_OPT_DESCRIPTION, "x", 1);
	et_send(t, H, &q);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ev[1].type, PCTL_AUDIT_RENEWED);
	assert_int_equal(r.ev[1].changes, PCTL_AUDIT_CH_DESCRIPTION);
}

static void test_natpmp_created_refused_deleted(void **state)
{
	struct rec r;
	struct etest *t = start(state, NULL, &r);
	struct req q;

	req_natpmp_map(&q, false, 6000, 0, 3600);
	et_send(t, H, &q);
	assert_int_equal(t->nresp.result, 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.ev[0].type, PCTL_AUDIT_CREATED);
	assert_int_equal(r.ev[0].via, PCTL_AUDIT_VIA_NATPMP);
	assert_int_equal(r.ev[0].kind, PCTL_MK_NATPMP);
	assert_int_equal(r.ev[0].protocol, 6);
	assert_false(r.ev[0].has_nonce);
	/* Internal port 0 with a lifetime: NOT_AUTHORIZED (result 2). */
	req_natpmp_map(&q, true, 0, 0, 3600);
	et_send(t, H, &q);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ev[1].type, PCTL_AUDIT_REFUSED);
	assert_int_equal(r.ev[1].via, PCTL_AUDIT_VIA_NATPMP);
	assert_int_equal(r.ev[1].opcode, PCTL_NATPMP_OP_MAP_UDP);
	assert_int_equal(r.ev[1].result, PCTL_NATPMP_R_NOT_AUTHORIZED);
	assert_int_equal(r.ev[1].protocol, 17);
	assert_int_equal(r.ev[1].lifetime, 3600);
	/* Delete-all of TCP (N-9). */
	req_natpmp_map(&q, false, 0, 0, 0);
	et_send(t, H, &q);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.ev[2].type, PCTL_AUDIT_DELETED);
	assert_int_equal(r.ev[2].by, PCTL_AUDIT_BY_CLIENT);
	assert_int_equal(r.ev[2].int_port, 6000);
}

static void test_admin_policy_address_and_restore(void **state)
{
	struct rec r;
	struct etest *t = start(state, NULL, &r);
	struct req q;

	req_map(&q, .client = H, .nonce = 1, .protocol = 6, .int_port = 1000,
	        .lifetime = 3600);
	et_send(t, H, &q);
	uint64_t id1 = r.ev[0].id;
	req_map(&q, .client = "192.0.2.11", .nonce = 1, .protocol = 6,
	        .int_port = 1001, .lifetime = 3600);
	et_send(t, "192.0.2.11", &q);
	req_map(&q, .client = "192.0.2.12", .nonce = 1, .protocol = 6,
	        .int_port = 1002, .lifetime = 3600);
	et_send(t, "192.0.2.12", &q);
	assert_int_equal(r.n, 3);

	/* The administrator deletes one. */
	assert_int_equal(pctl_engine_delete(t->e, id1, t->now), 0);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.ev[3].type, PCTL_AUDIT_DELETED);
	assert_int_equal(r.ev[3].by, PCTL_AUDIT_BY_ADMIN);
	assert_false(r.ev[3].has_requester);

	/* A reload whose policy denies 192.0.2.11. */
	struct pctl_engine_config c = t->cfg;
	c.n_rules = 1;
	c.rules[0].allow = false;
	c.rules[0].internal.addr = et_addr("192.0.2.11");
	c.rules[0].internal.len = 128;
	c.rules[0].int_port_max = c.rules[0].ext_port_max = 65535;
	c.rules[0].any_protocol = true;
	assert_int_equal(pctl_engine_reconfigure(t->e, &c, t->now), 1);
	assert_int_equal(r.n, 5);
	assert_int_equal(r.ev[4].type, PCTL_AUDIT_DELETED);
	assert_int_equal(r.ev[4].by, PCTL_AUDIT_BY_POLICY);
	assert_addr(&r.ev[4].int_addr, "192.0.2.11");

	/* The external address changes: the last one moves. */
	uint16_t old_port = r.ev[2].ext_port;
	pctl_addr nx = et_addr("203.0.113.2");
	assert_int_equal(pctl_engine_set_external(t->e, &nx, 1, t->now), 0);
	assert_int_equal(r.n, 6);
	assert_int_equal(r.ev[5].type, PCTL_AUDIT_MOVED);
	assert_int_equal(r.ev[5].by, PCTL_AUDIT_BY_ADDRESS);
	assert_addr(&r.ev[5].ext_addr, "203.0.113.2");
	assert_true(r.ev[5].has_prev_ext);
	assert_addr(&r.ev[5].prev_ext_addr, "203.0.113.1");
	assert_int_equal(r.ev[5].prev_ext_port, old_port);
	/* No address left: it is deleted, by the address change. */
	assert_int_equal(pctl_engine_set_external(t->e, NULL, 0, t->now), 0);
	assert_int_equal(r.n, 7);
	assert_int_equal(r.ev[6].type, PCTL_AUDIT_DELETED);
	assert_int_equal(r.ev[6].by, PCTL_AUDIT_BY_ADDRESS);

	/* The journal's restore brings back an old mapping: no event; an
	 * administrator's static mapping is one. */
	pctl_addr ext = et_addr("203.0.113.2");
	assert_int_equal(pctl_engine_set_external(t->e, &ext, 1, t->now), 0);
	struct pctl_mapping_info mi;
	memset(&mi, 0, sizeof(mi));
	mi.kind = PCTL_MK_MAP;
	mi.protocol = 17;
	mi.int_addr = et_addr(H);
	mi.int_port = 7000;
	mi.ext_addr = ext;
	mi.ext_port = 47000;
	mi.port_count = 1;
	mi.lifetime_left = 600;
	assert_int_equal(pctl_engine_restore(t->e, &mi, t->now, NULL), 0);
	assert_int_equal(r.n, 7);
	mi.kind = PCTL_MK_STATIC;
	mi.int_port = 7001;
	mi.ext_port = 47001;
	assert_int_equal(pctl_engine_restore(t->e, &mi, t->now, NULL), 0);
	assert_int_equal(r.n, 8);
	assert_int_equal(r.ev[7].type, PCTL_AUDIT_CREATED);
	assert_int_equal(r.ev[7].by, PCTL_AUDIT_BY_ADMIN);
	assert_int_equal(r.ev[7].kind, PCTL_MK_STATIC);
	assert_int_equal(r.ev[7].lifetime, PCTL_LIFETIME_STATIC);

	/* Flush: one DELETED by the administrator per mapping. */
	assert_int_equal(pctl_engine_flush(t->e, t->now), 0);
	assert_int_equal(r.n, 10);
	assert_int_equal(r.ev[8].by, PCTL_AUDIT_BY_ADMIN);
	assert_int_equal(r.ev[9].by, PCTL_AUDIT_BY_ADMIN);
}

/* a request inside a port set refreshes the set; shortening it is
 * a change. */
static void test_port_set_overlap_shortened(void **state)
{
	struct rec r;
	struct etest *t = start(state, NULL, &r);
	struct req q;
	uint8_t b[PCTL_PORT_SET_LEN];
	struct pctl_port_set ps = {4, 7000, false};

	req_map(&q, .client = H, .nonce = 5, .protocol = 17, .int_port = 7000,
	        .lifetime = 3600);
	pctl_port_set_pack(&ps, b);
	req_opt(&q, PCTL_OPT_PORT_SET, b, PCTL_PORT_SET_LEN);
	et_send(t, H, &q);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.ev[0].port_count, 4);
	/* One port inside the set, same lifetime: nothing to record. */
	req_map(&q, .client = H, .nonce = 5, .protocol = 17, .int_port = 7001,
	        .lifetime = 3600);
	et_send(t, H, &q);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(r.n, 1);
	req_map(&q, .client = H, .nonce = 5, .protocol = 17, .int_port = 7001,
	        .lifetime = 300);
	et_send(t, H, &q);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ev[1].type, PCTL_AUDIT_RENEWED);
	assert_int_equal(r.ev[1].changes, PCTL_AUDIT_CH_SHORTER);
	assert_int_equal(r.ev[1].int_port, 7000);
	assert_int_equal(r.ev[1].lifetime, 300);
}

static void test_no_observer_no_calls(void **state)
{
	struct rec r;
	struct etest *t = start(state, NULL, &r);
	struct req q;

	pctl_engine_set_audit(t->e, NULL, NULL);
	req_map(&q, .client = H, .nonce = 1, .protocol = 6, .int_port = 8080,
	        .lifetime = 3600);
	et_send(t, H, &q);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(r.n, 0);
}

/* Issue 11: UPnP actions are audited like datagrams, via "upnp"; a
 * refusal carries the UPnP error code. */
static void test_upnp_created_renewed_refused_deleted(void **state)
{
	struct rec r;
	struct etest *t = start(state, NULL, &r);
	struct pctl_upnp_map m = ut_map(6, 8080, H, 80, 3600, "one");
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_OK);
	assert_int_equal(r.n, 1);
	const struct pctl_audit_event *e = &r.ev[0];
	assert_int_equal(e->type, PCTL_AUDIT_CREATED);
	assert_int_equal(e->by, PCTL_AUDIT_BY_CLIENT);
	assert_int_equal(e->via, PCTL_AUDIT_VIA_UPNP);
	assert_int_equal(e->kind, PCTL_MK_UPNP);
	assert_int_equal(e->ext_port, 8080);
	assert_int_equal(e->int_port, 80);
	assert_int_equal(e->lifetime, 3600);
	assert_true(e->has_requester);
	assert_addr(&e->requester, H);
	assert_false(e->has_nonce);
	assert_string_equal(r.desc[0], "one");
	/* Extended only: nothing; a new description: RENEWED. */
	m = ut_map(6, 8080, H, 80, 7200, "one");
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_OK);
	assert_int_equal(r.n, 1);
	m = ut_map(6, 8080, H, 80, 7200, "two");
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_OK);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ev[1].type, PCTL_AUDIT_RENEWED);
	assert_int_equal(r.ev[1].via, PCTL_AUDIT_VIA_UPNP);
	assert_int_equal(r.ev[1].changes, PCTL_AUDIT_CH_DESCRIPTION);
	/* Another host's try: REFUSED with 606 and what it asked. */
	m = ut_map(17, 9000, H, 90, 600, NULL);
	assert_int_equal(ut_add(t, "192.0.2.11", 2, &m, false),
	                 PCTL_UPNP_E_NOT_AUTHORIZED);
	assert_int_equal(r.n, 3);
	e = &r.ev[2];
	assert_int_equal(e->type, PCTL_AUDIT_REFUSED);
	assert_int_equal(e->via, PCTL_AUDIT_VIA_UPNP);
	assert_int_equal(e->result, 606);
	assert_true(e->has_mapping);
	assert_int_equal(e->protocol, 17);
	assert_addr(&e->int_addr, H);
	assert_int_equal(e->int_port, 90);
	assert_int_equal(e->ext_port, 9000);
	assert_int_equal(e->lifetime, 600);
	assert_addr(&e->requester, "192.0.2.11");
	assert_int_equal(ut_del(t, H, 8081, 6),
	                 PCTL_UPNP_E_NO_SUCH_ENTRY_IN_ARRAY);
	assert_int_equal(r.ev[3].result, 714);
	assert_int_equal(ut_del(t, H, 8080, 6), PCTL_UPNP_OK);
	assert_int_equal(r.n, 5);
	assert_int_equal(r.ev[4].type, PCTL_AUDIT_DELETED);
	assert_int_equal(r.ev[4].via, PCTL_AUDIT_VIA_UPNP);
	assert_int_equal(r.ev[4].kind, PCTL_MK_UPNP);
	assert_string_equal(pctl_audit_via_name(PCTL_AUDIT_VIA_UPNP), "upnp");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    ET_TEST_CFG(test_map_created_renewed_deleted),
	    ET_TEST_CFG(test_expired_by_timer),
	    ET_TEST_CFG(test_refused_pcp_with_result),
	    ET_TEST_CFG(test_peer_created_and_extended),
	    ET_TEST_CFG(test_natpmp_created_refused_deleted),
	    ET_TEST_CFG(test_upnp_created_renewed_refused_deleted),
	    ET_TEST_CFG(test_admin_policy_address_and_restore),
	    ET_TEST_CFG(test_port_set_overlap_shortened),
	    ET_TEST_CFG(test_no_observer_no_calls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

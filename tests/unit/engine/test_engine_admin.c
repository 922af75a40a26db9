/*
 * Administration and journal support: foreach, delete, flush, restore
 * (nonce, lifetime, filters, description kept), static mappings,
 * reconfiguration (SIGHUP) and configuration checks.
 */
#include "etest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *H = "192.0.2.10";

struct collect {
	int n;
	struct pctl_mapping_info last;
	struct pctl_filter f[4];
	uint8_t desc[64];
};

static int collect(void *ctx, const struct pctl_mapping_info *m)
{
	struct collect *c = ctx;
	c->n++;
	c->last = *m;
	if (m->n_filters && m->n_filters <= 4)
		memcpy(c->f, m->filters, m->n_filters * sizeof(*c->f));
	if (m->desc_len && m->desc_len <= sizeof(c->desc))
		memcpy(c->desc, m->desc, m->desc_len);
	c->last.filters = c->f;
	c->last.desc = c->desc;
	return 0;
}

static void test_foreach_reports_mapping(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 7, .protocol = 17, .int_port = 5000,
	        .ext_port = 41000, .lifetime = 3600);
	req_filter(&r, 120, "198.51.100.0", 0);
	req_opt(&r, PCTL_OPT_DESCRIPTION, "game", 4);
	et_send(t, H, &r);
	struct collect c = {0};
	t->now += 1000;
	assert_int_equal(pctl_engine_foreach(t->e, collect, &c, t->now), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.last.kind, PCTL_MK_MAP);
	assert_int_equal(c.last.protocol, 17);
	assert_int_equal(c.last.int_port, 5000);
	assert_int_equal(c.last.ext_port, 41000);
	assert_int_equal(c.last.lifetime_left, 3599);
	assert_int_equal(c.last.n_filters, 1);
	assert_int_equal(c.last.desc_len, 4);
	assert_memory_equal(c.last.nonce, r.b + 24, 12);
	assert_int_equal(c.last.client_port, 40000);
}

static void test_journal_restore_keeps_nonce_and_state(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 7, .protocol = 17, .int_port = 5000,
	        .ext_port = 41000, .lifetime = 3600);
	req_filter(&r, 120, "198.51.100.0", 0);
	req_opt(&r, PCTL_OPT_DESCRIPTION, "game", 4);
	et_send(t, H, &r);
	struct collect c = {0};
	pctl_engine_foreach(t->e, collect, &c, t->now);

	/* A restarted engine, epoch continued. */
	struct etest *u = et_new(NULL);
	pctl_engine_set_epoch(u->e, 77, u->now);
	uint64_t id;
	assert_int_equal(pctl_engine_restore(u->e, &c.last, u->now, &id), 0);
	assert_int_equal(u->fb.live, 1);
	assert_int_equal(u->fb.last_n_filters, 1);
	/* The same nonce renews and gets the same port... */
	et_send(u, H, &r);
	assert_int_equal(RESULT(u), PCTL_R_SUCCESS);
	assert_int_equal(EXTPORT(u), 41000);
	assert_int_equal(u->resp.epoch, 77);
	/* ...another nonce does not. */
	req_map(&r, .client = H, .nonce = 8, .protocol = 17, .int_port = 5000,
	        .lifetime = 3600);
	et_send(u, H, &r);
	assert_int_equal(RESULT(u), PCTL_R_NOT_AUTHORIZED);
	/* Restoring it twice is refused. */
	assert_int_equal(pctl_engine_restore(u->e, &c.last, u->now, NULL),
	                 -EEXIST);
	et_free(u);
}

/* S-36.1 after a restart: a mapping made with PREFER_FAILURE keeps its
 * endpoint fixed once restored (the flag travels in pctl_mapping_info). */
static void test_s36_restore_keeps_prefer_failure(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 7, .protocol = 17, .int_port = 5000,
	        .ext_port = 41000, .lifetime = 3600);
	req_opt(&r, PCTL_OPT_PREFER_FAILURE, NULL, 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	struct collect c = {0};
	pctl_engine_foreach(t->e, collect, &c, t->now);
	assert_true(c.last.prefer_failure);
	assert_true(t->fb.last.prefer_failure);

	struct etest *u = et_new(NULL);
	assert_int_equal(pctl_engine_restore(u->e, &c.last, u->now, NULL), 0);
	/* Renewed asking for another port with PREFER_FAILURE: refused. */
	req_map(&r, .client = H, .nonce = 7, .protocol = 17, .int_port = 5000,
	        .ext_port = 41001, .lifetime = 3600);
	req_opt(&r, PCTL_OPT_PREFER_FAILURE, NULL, 0);
	et_send(u, H, &r);
	assert_int_equal(RESULT(u), PCTL_R_CANNOT_PROVIDE_EXTERNAL);
	/* Listed with it after the restart too. */
	struct collect d = {0};
	pctl_engine_foreach(u->e, collect, &d, u->now);
	assert_true(d.last.prefer_failure);
	et_free(u);
}

static void test_restore_peer_and_map_sharing_a_port(void **state)
{
	struct etest *t = *state;
	struct pctl_mapping_info mi;
	memset(&mi, 0, sizeof(mi));
	mi.kind = PCTL_MK_PEER;
	mi.protocol = 17;
	mi.int_addr = et_addr(H);
	mi.int_port = 5000;
	mi.ext_addr = et_addr("203.0.113.1");
	mi.ext_port = 45000;
	mi.port_count = 1;
	mi.lifetime_left = 600;
	mi.remote_addr = et_addr("198.51.100.5");
	mi.remote_port = 53;
	assert_int_equal(pctl_engine_restore(t->e, &mi, t->now, NULL), 0);
	/* A restored PEER holds its port. */
	struct req r;
	req_map(&r, .client = "192.0.2.98", .nonce = 1, .protocol = 17,
	        .int_port = 1, .ext_port = 45000, .lifetime = 600);
	et_send(t, "192.0.2.98", &r);
	assert_true(EXTPORT(t) != 45000);
	mi.kind = PCTL_MK_MAP;
	memset(&mi.remote_addr, 0, sizeof(mi.remote_addr));
	mi.remote_port = 0;
	assert_int_equal(pctl_engine_restore(t->e, &mi, t->now, NULL), 0);
	assert_int_equal(et_count(t), 3);
	/* The port is held: another host does not get it. */
	req_map(&r, .client = "192.0.2.99", .nonce = 1, .protocol = 17,
	        .int_port = 1, .ext_port = 45000, .lifetime = 600);
	et_send(t, "192.0.2.99", &r);
	assert_true(EXTPORT(t) != 45000);
	/* A third mapping of another endpoint on that port is refused. */
	mi.int_port = 5001;
	assert_int_equal(pctl_engine_restore(t->e, &mi, t->now, NULL), -EEXIST);
}

static void test_restore_rejects_invalid(void **state)
{
	struct etest *t = *state;
	struct pctl_mapping_info mi;
	memset(&mi, 0, sizeof(mi));
	mi.kind = PCTL_MK_MAP;
	mi.protocol = 17;
	mi.int_addr = et_addr(H);
	mi.int_port = 5351;
	mi.ext_addr = et_addr("203.0.113.1");
	mi.ext_port = 5351; /* S-38 */
	mi.port_count = 1;
	mi.lifetime_left = 100;
	assert_int_equal(pctl_engine_restore(t->e, &mi, t->now, NULL), -EINVAL);
	mi.ext_port = 6000;
	mi.ext_addr = et_addr("198.51.100.1"); /* not ours */
	assert_int_equal(pctl_engine_restore(t->e, &mi, t->now, NULL), -EINVAL);
	mi.ext_addr = et_addr("203.0.113.1");
	mi.lifetime_left = 0;
	assert_int_equal(pctl_engine_restore(t->e, &mi, t->now, NULL), -EINVAL);
	mi.lifetime_left = 100;
	mi.protocol = 1;
	assert_int_equal(pctl_engine_restore(t->e, &mi, t->now, NULL), -EINVAL);
	assert_int_equal(et_count(t), 0);
}

static void test_admin_delete_and_flush(void **state)
{
	struct etest *t = *state;
	struct req r;
	for (uint16_t p = 1; p <= 3; p++) {
		req_map(&r, .client = H, .nonce = 1, .protocol = 6,
		        .int_port = p, .lifetime = 600);
		et_send(t, H, &r);
	}
	struct collect c = {0};
	pctl_engine_foreach(t->e, collect, &c, t->now);
	assert_int_equal(pctl_engine_delete(t->e, c.last.id, t->now), 0);
	assert_int_equal(pctl_engine_delete(t->e, c.last.id, t->now), -ENOENT);
	assert_int_equal(et_count(t), 2);
	t->fb.fail_commit.times = 1;
	assert_true(pctl_engine_flush(t->e, t->now) < 0);
	assert_int_equal(et_count(t), 2); /* S-15 */
	assert_int_equal(pctl_engine_flush(t->e, t->now), 0);
	assert_int_equal(et_count(t), 0);
	assert_int_equal(t->fb.live, 0);
}

static void test_s15_failed_delete_keeps_mapping(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	et_send(t, H, &r);
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 0);
	t->fb.fail_commit.times = 1;
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_NETWORK_FAILURE);
	assert_int_equal(et_count(t), 1);
	assert_int_equal(t->fb.live, 1);
}

static void test_reconfigure_removes_what_policy_now_forbids(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 22,
	        .lifetime = 600);
	et_send(t, H, &r);
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 8080,
	        .lifetime = 600);
	et_send(t, H, &r);
	uint16_t kept_port = EXTPORT(t);
	struct pctl_engine_config c = t->cfg;
	c.n_rules = 1;
	c.rules[0] = (struct pctl_policy_rule){.allow = false,
	                                       .internal = {et_addr("::"), 0},
	                                       .int_port_max = 1023,
	                                       .ext_port_max = 65535,
	                                       .any_protocol = true};
	assert_int_equal(pctl_engine_reconfigure(t->e, &c, t->now), 1);
	assert_int_equal(et_count(t), 1);
	assert_int_equal(t->fb.live, 1);
	/* The kept mapping keeps its port, and the port stays taken. */
	et_send(t, H, &r);
	assert_int_equal(EXTPORT(t), kept_port);
	req_map(&r, .client = "192.0.2.11", .nonce = 1, .protocol = 6,
	        .int_port = 8080, .ext_port = kept_port, .lifetime = 600);
	et_send(t, "192.0.2.11", &r);
	assert_true(EXTPORT(t) != kept_port);
	/* An invalid configuration changes nothing. */
	c.min_lifetime = 0;
	assert_int_equal(pctl_engine_reconfigure(t->e, &c, t->now), -1);
	assert_int_equal(et_count(t), 2);
}

static void test_reconfigure_new_reserved_port_removes_mapping(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .ext_port = 8000, .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(EXTPORT(t), 8000);
	struct pctl_engine_config c = t->cfg;
	c.n_reserved = 1;
	c.reserved[0] = (struct pctl_reserved_port){6, 8000};
	assert_int_equal(pctl_engine_reconfigure(t->e, &c, t->now), 1);
	assert_int_equal(et_count(t), 0);
}

static void test_address_change_moves_every_kind(void **state)
{
	struct etest *t = *state;
	struct req r;
	uint8_t ps[PCTL_PORT_SET_LEN];
	struct pctl_port_set set = {8, 50000, false};
	pctl_port_set_pack(&set, ps);
	req_map(&r, .client = H, .nonce = 1, .protocol = 17, .int_port = 50000,
	        .lifetime = 600);
	req_opt(&r, PCTL_OPT_PORT_SET, ps, PCTL_PORT_SET_LEN);
	et_send(t, H, &r);
	req_natpmp_map(&r, true, 4000, 41000, 600);
	et_send(t, H, &r);
	req_peer(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 7000,
	         .remote_addr = "198.51.100.5", .remote_port = 443,
	         .lifetime = 600);
	et_send(t, H, &r);
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 7000,
	        .lifetime = 600); /* shares the PEER's port */
	et_send(t, H, &r);
	assert_int_equal(et_count(t), 4);
	pctl_addr a[2] = {et_addr("203.0.113.50"), et_addr("2001:db8::1")};
	assert_int_equal(pctl_engine_set_external(t->e, a, 2, t->now), 0);
	assert_int_equal(et_count(t), 4);
	assert_int_equal(t->fb.live, 4);
	struct collect c = {0};
	pctl_engine_foreach(t->e, collect, &c, t->now);
	assert_true(pctl_addr_equal(&c.last.ext_addr, &a[0]));
	/* Going back and forth keeps everything consistent. */
	assert_int_equal(
	    pctl_engine_set_external(t->e, &t->cfg.ext_addrs[0], 1, t->now), 0);
	assert_int_equal(et_count(t), 4);
	assert_int_equal(pctl_engine_flush(t->e, t->now), 0);
	assert_int_equal(t->fb.live, 0);
}

static void test_reconfigure_releases_cooling_ports(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .ext_port = 40000, .lifetime = 600);
	et_send(t, H, &r);
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 0);
	et_send(t, H, &r);
	assert_true(pctl_engine_next_deadline(t->e) <= t->now + 120000);
	assert_int_equal(pctl_engine_reconfigure(t->e, &t->cfg, t->now), 0);
	req_map(&r, .client = "192.0.2.50", .nonce = 1, .protocol = 6,
	        .int_port = 80, .ext_port = 40000, .lifetime = 600);
	et_send(t, "192.0.2.50", &r);
	assert_int_equal(EXTPORT(t), 40000);
}

static void test_config_check_rejects_bad_values(void **state)
{
	(void)state;
	struct pctl_engine_config c;
	char err[128];
	et_config(&c);
	assert_int_equal(pctl_engine_config_check(&c, err, sizeof(err)), 0);
	c.max_filters = 0; /* S-86: at least one */
	assert_int_equal(pctl_engine_config_check(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "S-86"));
	et_config(&c);
	c.description_max = 100; /* at least 128 */
	assert_int_equal(pctl_engine_config_check(&c, err, sizeof(err)), -1);
	et_config(&c);
	c.prefix64_enabled = true;
	c.prefix64_len = 9; /* */
	assert_int_equal(pctl_engine_config_check(&c, err, sizeof(err)), -1);
	et_config(&c);
	c.announce_count = 11; /* S-94 */
	assert_int_equal(pctl_engine_config_check(&c, err, sizeof(err)), -1);
	struct pctl_backend be = {0};
	et_config(&c);
	assert_null(pctl_engine_new(&c, &be, 0));
}

static void test_backend_none_accepts_everything(void **state)
{
	(void)state;
	struct pctl_backend be;
	struct pctl_backend_config bc = {0};
	assert_int_equal(pctl_backend_none_open(&bc, &be, NULL, 0), 0);
	struct pctl_engine_config c;
	et_config(&c);
	struct pctl_engine *e = pctl_engine_new(&c, &be, 1000);
	assert_non_null(e);
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	struct pctl_rx rx = {.buf = r.b,
	                     .len = r.len,
	                     .src = et_addr(H),
	                     .src_port = 1,
	                     .internal = true,
	                     .now_ms = 1000};
	uint8_t out[PCTL_MAX_MSG];
	assert_int_equal(pctl_engine_handle(e, &rx, out), 60);
	assert_int_equal(out[3], 0);
	pctl_engine_free(e);
	be.ops->destroy(be.ctx, false);
}

/* Start-up reconcile (S-93): the backend is handed exactly the
 * engine's live mappings, with their remaining lifetimes; an empty table
 * hands over nothing, so a predecessor's leftovers are removed; a backend
 * failure is reported. */
static void test_s93_reconcile_hands_over_exactly_the_table(void **state)
{
	struct etest *t = *state;
	assert_int_equal(pctl_engine_reconcile(t->e, t->now), 0);
	assert_int_equal(t->fb.reconciles, 1);
	assert_int_equal(t->fb.reconciled, 0);

	struct req r;
	uint16_t p[3];
	const char *hosts[3] = {"192.0.2.10", "192.0.2.11", "192.0.2.12"};
	for (int i = 0; i < 3; i++) {
		req_map(&r, .client = hosts[i], .nonce = 1, .protocol = 6,
		        .int_port = 80, .lifetime = 600);
		et_send(t, hosts[i], &r);
		assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
		p[i] = EXTPORT(t);
	}
	t->now += 100000;
	assert_int_equal(pctl_engine_reconcile(t->e, t->now), 0);
	assert_int_equal(t->fb.reconciled, 3);
	assert_int_equal(t->fb.reconciled_ports,
	                 (unsigned long)p[0] + p[1] + p[2]);
	assert_int_equal(t->fb.reconciled_lifetimes, 3 * 500);

	t->fb.fail_reconcile.times = 1;
	assert_int_equal(pctl_engine_reconcile(t->e, t->now), -EIO);
}

/* Issue 15 item 13: a listing taken in pages sees every mapping that
 * lives throughout exactly once, although mappings are created and removed
 * between the pages (the daemon writes `admin list` that way). */
#define PAGE_HOSTS 4
#define PAGE_PORTS 50000 /* 4 x 50000 = 200k mappings */

struct page_seen {
	uint8_t *count; /* per (host, port) of the table */
	size_t others;  /* mappings of the churn host */
};

static int page_cb(void *ctx, const struct pctl_mapping_info *m)
{
	struct page_seen *s = ctx;
	unsigned h = m->int_addr.b[15] - 10u;

	if (h < PAGE_HOSTS && m->int_port >= 1024 &&
	    m->int_port < 1024 + PAGE_PORTS)
		s->count[h * PAGE_PORTS + (m->int_port - 1024u)]++;
	else
		s->others++;
	return 0;
}

static void test_paged_listing_sees_each_mapping_once(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.nat44 = false; /* pinholes: no port space to run out of */
	c.max_per_host = 0;
	c.max_mappings = 0;
	struct etest *t = et_open(state, &c);
	uint8_t *gone = calloc(PAGE_HOSTS * PAGE_PORTS, 1);
	struct page_seen seen = {calloc(PAGE_HOSTS * PAGE_PORTS, 1), 0};
	struct req r;
	char host[32];
	assert_non_null(gone);
	assert_non_null(seen.count);
	for (unsigned h = 0; h < PAGE_HOSTS; h++) {
		snprintf(host, sizeof(host), "192.0.2.%u", 10 + h);
		for (unsigned p = 0; p < PAGE_PORTS; p++) {
			req_map(&r, .client = host, .nonce = 1, .protocol = 17,
			        .int_port = (uint16_t)(1024 + p),
			        .lifetime = 3600);
			et_send(t, host, &r);
		}
	}
	assert_int_equal(et_count(t), PAGE_HOSTS * PAGE_PORTS);

	uint32_t cursor = 0;
	unsigned churn = 0, top = PAGE_PORTS;
	while (pctl_engine_foreach_page(t->e, &cursor, 1000, page_cb, &seen,
	                                t->now) == 1000) {
		/* Between pages: 20 new mappings of another host, and the
		 * last host's 20 highest ports removed. */
		for (unsigned k = 0; k < 20; k++, churn++) {
			req_map(&r, .client = "192.0.2.99", .nonce = 1,
			        .protocol = 17,
			        .int_port = (uint16_t)(1024 + churn),
			        .lifetime = 3600);
			et_send(t, "192.0.2.99", &r);
			assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
			top--;
			req_map(&r, .client = "192.0.2.13", .nonce = 1,
			        .protocol = 17,
			        .int_port = (uint16_t)(1024 + top),
			        .lifetime = 0);
			et_send(t, "192.0.2.13", &r);
			assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
			gone[(PAGE_HOSTS - 1) * PAGE_PORTS + top] = 1;
		}
	}
	assert_true(churn > 1000);
	for (size_t i = 0; i < PAGE_HOSTS * PAGE_PORTS; i++) {
		if (gone[i])
			assert_true(seen.count[i] <= 1);
		else if (seen.count[i] != 1)
			fail_msg("mapping %zu listed %u times", i,
			         seen.count[i]);
	}
	assert_true(seen.others <= churn);
	free(gone);
	free(seen.count);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    ET_TEST(test_s93_reconcile_hands_over_exactly_the_table),
	    ET_TEST(test_foreach_reports_mapping),
	    ET_TEST(test_journal_restore_keeps_nonce_and_state),
	    ET_TEST(test_s36_restore_keeps_prefer_failure),
	    ET_TEST(test_restore_peer_and_map_sharing_a_port),
	    ET_TEST(test_restore_rejects_invalid),
	    ET_TEST(test_admin_delete_and_flush),
	    ET_TEST(test_s15_failed_delete_keeps_mapping),
	    ET_TEST(test_reconfigure_removes_what_policy_now_forbids),
	    ET_TEST(test_reconfigure_new_reserved_port_removes_mapping),
	    ET_TEST(test_address_change_moves_every_kind),
	    ET_TEST(test_reconfigure_releases_cooling_ports),
	    cmocka_unit_test(test_config_check_rejects_bad_values),
	    cmocka_unit_test(test_backend_none_accepts_everything),
	    ET_TEST_CFG(test_paged_listing_sees_each_mapping_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

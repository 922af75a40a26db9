/*
 * Engine test support (see etest.h).
 */
#include "etest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- setup ----------------------------------------------------------------
 */

pctl_addr et_addr(const char *s)
{
	pctl_addr a;

	assert_int_equal(pctl_addr_from_str(&a, s), 0);
	return a;
}

void et_config(struct pctl_engine_config *cfg)
{
	pctl_engine_config_defaults(cfg);
	cfg->n_ext_addrs = 1;
	cfg->ext_addrs[0] = et_addr("203.0.113.1");
	/* A fixed allocator key: the ports handed out are the same on
	 * every run. */
	cfg->port_seed = 1;
}

struct etest *et_new(const struct pctl_engine_config *cfg)
{
	struct etest *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	if (cfg)
		t->cfg = *cfg;
	else
		et_config(&t->cfg);
	t->be = fake_dp_backend(&t->fb);
	t->now = 1000000;
	t->e = pctl_engine_new(&t->cfg, &t->be, t->now);
	assert_non_null(t->e);
	return t;
}

void et_free(struct etest *t)
{
	pctl_engine_free(t->e);
	free(t);
}

int et_setup(void **state)
{
	*state = et_new(NULL);
	return 0;
}

int et_teardown(void **state)
{
	if (*state)
		et_free(*state);
	*state = NULL;
	return 0;
}

struct etest *et_open(void **state, const struct pctl_engine_config *cfg)
{
	et_teardown(state);
	*state = et_new(cfg);
	return *state;
}

uint64_t et_count(struct etest *t)
{
	struct pctl_engine_stats s;

	pctl_engine_get_stats(t->e, &s);
	uint64_t n = 0;
	for (int k = 0; k < PCTL_MK_KINDS; k++)
		n += s.mappings[k];
	return n;
}

/* ---- requests -------------------------------------------------------------
 */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void header(struct req *r, uint8_t op, const char *client,
                   uint32_t lifetime)
{
	memset(r, 0, sizeof(*r));
	r->b[0] = 2;
	r->b[1] = op;
	put32(r->b + 4, lifetime);
	pctl_addr a = et_addr(client);
	memcpy(r->b + 8, a.b, 16);
	r->len = 24;
}

static void map_body(struct req *r, const struct req_fields *f)
{
	memset(r->b + 24, f->nonce, 12);
	r->b[36] = f->protocol;
	put16(r->b + 40, f->int_port);
	put16(r->b + 42, f->ext_port);
	pctl_addr x = et_addr(f->ext_addr ? f->ext_addr : "0.0.0.0");
	memcpy(r->b + 44, x.b, 16);
	r->len = 60;
}

void req_map_fields(struct req *r, const struct req_fields *f)
{
	header(r, 1, f->client, f->lifetime);
	map_body(r, f);
}

void req_peer_fields(struct req *r, const struct req_fields *f)
{
	header(r, 2, f->client, f->lifetime);
	map_body(r, f);
	put16(r->b + 60, f->remote_port);
	pctl_addr ra = et_addr(f->remote_addr);
	memcpy(r->b + 64, ra.b, 16);
	r->len = 80;
}

void req_announce(struct req *r, const char *client)
{
	header(r, 0, client, 0);
}

void req_opt(struct req *r, uint8_t code, const void *data, uint16_t len)
{
	r->b[r->len] = code;
	r->b[r->len + 1] = 0;
	put16(r->b + r->len + 2, len);
	if (len)
		memcpy(r->b + r->len + 4, data, len);
	r->len += 4 + ((len + 3u) & ~3u);
}

void req_filter(struct req *r, uint8_t plen, const char *addr, uint16_t port)
{
	uint8_t f[20] = {0};

	f[1] = plen;
	put16(f + 2, port);
	pctl_addr a = et_addr(addr);
	memcpy(f + 4, a.b, 16);
	req_opt(r, 3, f, 20);
}

void req_natpmp_map(struct req *r, bool udp, uint16_t iport, uint16_t sport,
                    uint32_t lifetime)
{
	memset(r, 0, sizeof(*r));
	r->b[1] = udp ? 1 : 2;
	put16(r->b + 4, iport);
	put16(r->b + 6, sport);
	put32(r->b + 8, lifetime);
	r->len = 12;
}

size_t et_send_raw(struct etest *t, const char *src, const uint8_t *b,
                   size_t len, bool internal)
{
	struct pctl_rx rx = {
	    .buf = b,
	    .len = len,
	    .src = et_addr(src),
	    .src_port = 40000,
	    .dst =
	        et_addr(pctl_addr_is_v4(&rx.src) ? "192.0.2.1" : "2001:db8::1"),
	    .ifindex = 2,
	    .internal = internal,
	    .now_ms = t->now,
	};
	struct pctl_error err;

	memset(&t->resp, 0, sizeof(t->resp));
	memset(&t->nresp, 0, sizeof(t->nresp));
	t->out_len = pctl_engine_handle(t->e, &rx, t->out);
	assert_true(t->out_len <= PCTL_MAX_MSG);
	if (!t->out_len)
		return 0;
	if (t->out[0] == 0) {
		assert_int_equal(pctl_natpmp_response_decode(t->out, t->out_len,
		                                             &t->nresp, &err),
		                 PCTL_V_OK);
	} else {
		assert_int_equal(t->out_len % 4, 0);
		assert_true(t->out_len >= 24);
		/* Error answers to runt requests are shorter than their
		 * opcode's response: only the header is read then. */
		if (pctl_response_decode(t->out, t->out_len, &t->resp, &err) !=
		    PCTL_V_OK) {
			assert_int_not_equal(t->out[3], 0);
			memset(&t->resp, 0, sizeof(t->resp));
			t->resp.result = t->out[3];
			t->resp.lifetime = (uint32_t)t->out[4] << 24 |
			                   (uint32_t)t->out[5] << 16 |
			                   (uint32_t)t->out[6] << 8 | t->out[7];
		}
	}
	return t->out_len;
}

size_t et_send(struct etest *t, const char *src, const struct req *r)
{
	return et_send_raw(t, src, r->b, r->len, true);
}

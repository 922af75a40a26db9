/* Helpers shared by the journal tests (jtest.h). */
#include "jtest.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* cmocka must come after the standard headers it relies on. */
#include <setjmp.h>
#include <stdarg.h>

#include <cmocka.h>

/* ---- the fake inner backend ---------------------------------------------- */

struct pctl_backend jt_backend_make(struct fake_dp *b, bool with_lookup)
{
	memset(b, 0, sizeof(*b));
	b->keep_ids = true;
	return with_lookup ? fake_dp_backend(b) : fake_dp_backend_required(b);
}

/* ---- clocks -------------------------------------------------------------- */

static uint64_t clk_mono(void *ctx)
{
	return ((struct jt_clock *)ctx)->mono_ms;
}

static int64_t clk_real(void *ctx)
{
	return ((struct jt_clock *)ctx)->real_s;
}

void jt_opts(struct pctl_journal_opts *o, struct jt_clock *c)
{
	pctl_journal_opts_defaults(o);
	o->mono_ms = clk_mono;
	o->realtime_s = clk_real;
	o->clock_ctx = c;
}

/* ---- files --------------------------------------------------------------- */

/* Directories made and not yet removed: removed at exit too, so that a
 * failed assertion (which skips the test's teardown) leaves nothing. */
#define MAX_DIRS 64
static char made[MAX_DIRS][256];

static void remove_made(void)
{
	for (size_t i = 0; i < MAX_DIRS; i++)
		if (made[i][0])
			jt_rmdir(made[i]);
}

static void remember(const char *dir)
{
	static bool registered;
	if (!registered) {
		atexit(remove_made);
		registered = true;
	}
	for (size_t i = 0; i < MAX_DIRS; i++)
		if (!made[i][0]) {
			snprintf(made[i], sizeof(made[i]), "%s", dir);
			return;
		}
}

void jt_mkdir(char *out, size_t len)
{
	/* tmpfs when there is one: the journal fsyncs at every snapshot, and
	 * the damage tests load hundreds of snapshots. */
	const char *tmp = getenv("TMPDIR");
	if (!tmp)
		tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(out, len, "%s/pctl-journal-XXXXXX", tmp);
	assert_non_null(mkdtemp(out));
	remember(out);
}

void jt_path(char *out, size_t len, const char *dir, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

void jt_rmdir(const char *dir_arg)
{
	struct dirent *de;
	char p[512], dir[256];

	/* A copy: dir_arg may be one of made[], cleared below. */
	snprintf(dir, sizeof(dir), "%s", dir_arg);
	for (size_t i = 0; i < MAX_DIRS; i++)
		if (!strcmp(made[i], dir))
			made[i][0] = '\0';
	DIR *d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		jt_path(p, sizeof(p), dir, de->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

uint8_t *jt_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	uint8_t *b = malloc(cap);
	assert_non_null(b);
	size_t r;
	while ((r = fread(b + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			cap *= 2;
			b = realloc(b, cap);
			assert_non_null(b);
		}
	}
	fclose(f);
	*len = n;
	return b;
}

void jt_write(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* ---- engine -------------------------------------------------------------- */

static pctl_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	pctl_addr x;
	const uint8_t o[4] = {a, b, c, d};
	pctl_addr_from_v4(&x, o);
	return x;
}

void jt_engine_config(struct pctl_engine_config *cfg)
{
	pctl_engine_config_defaults(cfg);
	cfg->n_ext_addrs = 1;
	cfg->ext_addrs[0] = v4(203, 0, 113, 1);
	cfg->port_seed = 1; /* the same ports on every run */
	cfg->third_party_id_enabled = true;
	cfg->third_party_id_max_len = 64;
	cfg->n_third_party_acl = 1;
	cfg->third_party_acl[0].addr = v4(192, 0, 2, 0);
	cfg->third_party_acl[0].len = 120;
}

int jt_map_fields(struct pctl_engine *e, uint64_t now_ms,
                  const struct jt_map_req *q, uint16_t *ext_port)
{
	struct pctl_msg *m = calloc(1, sizeof(*m));
	uint8_t req[PCTL_MAX_MSG], out[PCTL_MAX_MSG];
	assert_non_null(m);
	m->version = PCTL_VERSION;
	m->opcode = PCTL_OP_MAP;
	m->lifetime = q->lifetime;
	m->client_addr = v4(192, 0, 2, q->host);
	memset(m->nonce, q->nonce, PCTL_NONCE_LEN);
	m->protocol = q->protocol;
	m->internal_port = q->int_port;
	pctl_addr_set_any(&m->external_addr, true);
	if (q->desc)
		assert_int_equal(pctl_msg_add_option(m, PCTL_OPT_DESCRIPTION,
		                                     q->desc,
		                                     (uint16_t)strlen(q->desc)),
		                 0);
	size_t len = pctl_encode(m, req, sizeof(req));
	assert_true(len > 0);

	struct pctl_rx rx = {
	    .buf = req,
	    .len = len,
	    .src = m->client_addr,
	    .src_port = 40000,
	    .dst = v4(192, 0, 2, 1),
	    .ifindex = 2,
	    .internal = true,
	    .now_ms = now_ms,
	};
	size_t n = pctl_engine_handle(e, &rx, out);
	int rc = -1;
	if (n) {
		struct pctl_error err;
		assert_int_equal(pctl_response_decode(out, n, m, &err),
		                 PCTL_V_OK);
		rc = m->result;
		if (ext_port)
			*ext_port = m->external_port;
	}
	free(m);
	return rc;
}

struct list_ctx {
	struct jt_seen *out;
	size_t max, n;
};

static int list_cb(void *ctx, const struct pctl_mapping_info *m)
{
	struct list_ctx *c = ctx;
	if (c->n < c->max) {
		struct jt_seen *s = &c->out[c->n];
		memset(s, 0, sizeof(*s));
		s->kind = (uint8_t)m->kind;
		s->protocol = m->protocol;
		s->int_addr = m->int_addr;
		s->ext_addr = m->ext_addr;
		s->int_port = m->int_port;
		s->ext_port = m->ext_port;
		s->port_count = m->port_count;
		s->lifetime_left = m->lifetime_left;
		s->n_filters = m->n_filters;
		for (size_t i = 0; i < m->n_filters && i < 4; i++)
			s->filters[i] = m->filters[i];
	}
	c->n++;
	return 0;
}

static int seen_cmp(const void *a, const void *b)
{
	const struct jt_seen *x = a, *y = b;
	if (x->protocol != y->protocol)
		return x->protocol < y->protocol ? -1 : 1;
	int c = memcmp(x->int_addr.b, y->int_addr.b, 16);
	if (c)
		return c;
	return (int)x->int_port - (int)y->int_port;
}

size_t jt_list(const struct pctl_engine *e, uint64_t now_ms,
               struct jt_seen *out, size_t max)
{
	struct list_ctx c = {out, max, 0};
	assert_int_equal(pctl_engine_foreach(e, list_cb, &c, now_ms), 0);
	qsort(out, c.n < max ? c.n : max, sizeof(*out), seen_cmp);
	return c.n;
}

void jt_dp_full(struct jt_dp *d, uint64_t id, unsigned n)
{
	memset(d, 0, sizeof(*d));
	struct pctl_dp_mapping *m = &d->dp;
	m->id = id;
	m->protocol = n % 2 ? 17 : 6;
	m->int_addr = v4(192, 0, 2, (uint8_t)(10 + n));
	m->int_port = (uint16_t)(5000 + n);
	m->ext_addr = v4(203, 0, 113, 1);
	m->ext_port = (uint16_t)(20000 + 2 * n);
	m->port_count = 2;
	m->lifetime = 3600 + n;
	m->remote_addr = v4(198, 51, 100, 7);
	m->remote_port = 443;
	d->filters[0] = (struct pctl_filter){120, 80, v4(198, 51, 100, 0)};
	d->filters[1] = (struct pctl_filter){128, 0, v4(198, 51, 100, 9)};
	m->n_filters = 2;
	m->filters = d->filters;
	m->kind = PCTL_MK_MAP;
	for (size_t i = 0; i < PCTL_NONCE_LEN; i++)
		m->nonce[i] = (uint8_t)(n * 31 + i);
	m->parity = true;
	m->third_party = true;
	m->prefer_failure = n % 2; /* S-36.1: both ways */
	snprintf((char *)d->desc, sizeof(d->desc), "mapping number %u", n);
	m->desc = d->desc;
	m->desc_len = strlen((char *)d->desc);
	memcpy(d->tpid, "tpid-id", 7);
	d->tpid[7] = (uint8_t)n;
	m->tpid = d->tpid;
	m->tpid_len = 8;
	m->client_addr = v4(192, 0, 2, 200);
	m->client_port = (uint16_t)(40000 + n);
	m->server_addr = v4(192, 0, 2, 1);
}

void jt_scan(const uint8_t *buf, size_t len, struct jt_scan *s)
{
	memset(s, 0, sizeof(*s));
	size_t off = PCTLD_JR_FILE_HDR_LEN;
	while (off < len) {
		struct pctld_jr_record r;
		const char *why;
		size_t n = pctld_jr_next(buf + off, len - off, &r, &why);
		if (!n)
			break;
		s->upserts += r.type == PCTLD_JR_UPSERT;
		s->removes += r.type == PCTLD_JR_REMOVE;
		s->epochs += r.type == PCTLD_JR_EPOCH;
		off += n;
	}
	s->good_end = off;
}

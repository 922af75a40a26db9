/*
 * The control socket: the listening socket, and what a request line
 * produces.  Connections are served by control_conn.c, a bounded piece at a
 * time, so that neither a slow client nor a long list stalls PCP.
 */
#include "control.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../server/engine.h"
#include "log.h"
#include "json/jsonbuf.h"

/* Fills sun with path; -1 (err) when it does not fit. */
static int control_addr(const char *path, struct sockaddr_un *sun, char *err,
                        size_t errlen)
{
	*sun = (struct sockaddr_un){.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sun->sun_path)) {
		snprintf(err, errlen, "control socket path too long: %s", path);
		return -1;
	}
	strcpy(sun->sun_path, path);
	return 0;
}

/* A socket file proves nothing about its owner: a daemon that was killed
 * leaves one behind.  Connecting tells a live daemon (it accepts, or its
 * backlog is full) from a stale file (refused), so that a second start
 * never takes the socket of a running portctld away from it. */
int pctld_control_probe(const char *path, bool *stale, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd, rc;

	*stale = false;
	if (control_addr(path, &sun, err, errlen))
		return -1;
	if (lstat(path, &st))
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "control %s: exists and is not a socket",
		         path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "control %s: %s", path, strerror(errno));
		return -1;
	}
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	if (rc && errno == ECONNREFUSED) {
		*stale = true;
		rc = 0;
	} else if (!rc || errno == EAGAIN) {
		snprintf(err, errlen,
		         "control %s: another portctld answers there (stop it "
		         "first, or give this one its own control path)",
		         path);
		rc = -1;
	} else {
		snprintf(err, errlen, "control %s: %s", path, strerror(errno));
		rc = -1;
	}
	close(fd);
	return rc;
}

int pctld_control_open(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	bool stale;
	mode_t old;
	int fd;

	if (control_addr(path, &sun, err, errlen) ||
	    pctld_control_probe(path, &stale, err, errlen))
		return -1;
	/* Replace a socket left by a dead daemon, never a live one's. */
	if (stale)
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	old = umask(0177); /* born 0600: no window with wider access */
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		umask(old);
		goto fail;
	}
	umask(old);
	if (chmod(path, 0600) || listen(fd, 16))
		goto fail;
	return fd;
fail:
	snprintf(err, errlen, "control %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

void pctld_control_close(const char *path, int fd)
{
	if (fd < 0)
		return;
	close(fd);
	if (unlink(path) && errno != ENOENT)
		pctld_log(LOG_WARNING, "control %s: cannot remove it: %s", path,
		          strerror(errno));
}

static const char *proto_name(uint8_t p, char *buf, size_t len)
{
	if (p == 6)
		return "tcp";
	if (p == 17)
		return "udp";
	if (p == 0)
		return "all";
	snprintf(buf, len, "%u", p);
	return buf;
}

static void put_endpoint(FILE *out, const pctl_addr *a, uint16_t port)
{
	char txt[PCTL_ADDRSTRLEN];

	pctl_addr_to_str(a, txt, sizeof(txt));
	if (pctl_addr_is_v4(a))
		fprintf(out, "%s:%u", txt, port);
	else
		fprintf(out, "[%s]:%u", txt, port);
}

/* The FILTER prefix length as an administrator writes it (IPv4: 0..32). */
static unsigned filter_len(const struct pctl_filter *f)
{
	if (pctl_addr_is_v4(&f->addr) && f->prefix_len >= 96)
		return f->prefix_len - 96u;
	return f->prefix_len;
}

/* One mapping's JSON object, or a text line's quoted description, is built
 * here by lib/json's writer (the same escaping as the CLI and the audit
 * log: valid JSON whatever bytes a client sent).  Room for the largest: a
 * description escaped at up to 6 octets per octet, 256 filters (the most
 * max-filters allows) of at most 96 octets each, and the rest. */
#define LIST_RECORD_MAX (6 * PCTL_ENG_MAX_DESC + 256 * 96 + 1024)

struct list_ctx {
	FILE *out;
	bool json;
	size_t n;
	char rec[LIST_RECORD_MAX];
};

/* s as one JSON string: what the text listing shows too. */
static void put_quoted(struct list_ctx *c, const uint8_t *s, size_t n)
{
	struct pctl_jbuf j;

	pctl_jbuf_init(&j, c->rec, sizeof(c->rec));
	pctl_jbuf_quoted(&j, s, n);
	fputs(c->rec, c->out);
}

static int list_text(struct list_ctx *c, const struct pctl_mapping_info *m)
{
	FILE *out = c->out;

	fprintf(out, "%" PRIu64 " %s ", m->id, pctl_engine_kind_name(m->kind));
	char num[4];
	fputs(proto_name(m->protocol, num, sizeof(num)), out);
	fputc(' ', out);
	put_endpoint(out, &m->int_addr, m->int_port);
	fputs(" -> ", out);
	put_endpoint(out, &m->ext_addr, m->ext_port);
	if (m->port_count > 1)
		fprintf(out, " ports %u", m->port_count);
	if (m->lifetime_left == PCTL_LIFETIME_STATIC)
		fputs(" lifetime static", out);
	else
		fprintf(out, " lifetime %" PRIu32, m->lifetime_left);
	if (m->kind == PCTL_MK_PEER) {
		fputs(" remote ", out);
		put_endpoint(out, &m->remote_addr, m->remote_port);
	}
	for (size_t i = 0; i < m->n_filters; i++) {
		char txt[PCTL_ADDRSTRLEN];
		const struct pctl_filter *f = &m->filters[i];
		fprintf(out, " filter %s/%u:%u",
		        pctl_addr_to_str(&f->addr, txt, sizeof(txt)),
		        filter_len(f), f->port);
	}
	if (m->desc_len) {
		fputs(" description ", out);
		put_quoted(c, m->desc, m->desc_len);
	}
	fputc('\n', out);
	return 0;
}

static void put_json_endpoint(struct pctl_jbuf *j, const char *name,
                              const pctl_addr *a, uint16_t port)
{
	char txt[PCTL_ADDRSTRLEN];

	pctl_jbuf_key(j, name);
	pctl_jbuf_object_begin(j);
	pctl_jbuf_key(j, "address");
	pctl_jbuf_string(j, pctl_addr_to_str(a, txt, sizeof(txt)));
	pctl_jbuf_key(j, "port");
	pctl_jbuf_uint(j, port);
	pctl_jbuf_object_end(j);
}

static int list_json(struct list_ctx *c, const struct pctl_mapping_info *m)
{
	struct pctl_jbuf j;
	char num[4];

	pctl_jbuf_init(&j, c->rec, sizeof(c->rec));
	pctl_jbuf_object_begin(&j);
	pctl_jbuf_key(&j, "id");
	pctl_jbuf_uint(&j, m->id);
	pctl_jbuf_key(&j, "kind");
	pctl_jbuf_string(&j, pctl_engine_kind_name(m->kind));
	pctl_jbuf_key(&j, "protocol");
	pctl_jbuf_string(&j, proto_name(m->protocol, num, sizeof(num)));
	put_json_endpoint(&j, "internal", &m->int_addr, m->int_port);
	put_json_endpoint(&j, "external", &m->ext_addr, m->ext_port);
	pctl_jbuf_key(&j, "port_count");
	pctl_jbuf_uint(&j, m->port_count);
	pctl_jbuf_key(&j, "lifetime");
	if (m->lifetime_left == PCTL_LIFETIME_STATIC)
		pctl_jbuf_null(&j);
	else
		pctl_jbuf_uint(&j, m->lifetime_left);
	if (m->kind == PCTL_MK_PEER)
		put_json_endpoint(&j, "remote", &m->remote_addr,
		                  m->remote_port);
	pctl_jbuf_key(&j, "filters");
	pctl_jbuf_array_begin(&j);
	for (size_t i = 0; i < m->n_filters; i++) {
		char txt[PCTL_ADDRSTRLEN];
		const struct pctl_filter *f = &m->filters[i];
		pctl_jbuf_object_begin(&j);
		pctl_jbuf_key(&j, "address");
		pctl_jbuf_string(&j,
		                 pctl_addr_to_str(&f->addr, txt, sizeof(txt)));
		pctl_jbuf_key(&j, "prefix_length");
		pctl_jbuf_uint(&j, filter_len(f));
		pctl_jbuf_key(&j, "port");
		pctl_jbuf_uint(&j, f->port);
		pctl_jbuf_object_end(&j);
	}
	pctl_jbuf_array_end(&j);
	pctl_jbuf_key(&j, "description");
	pctl_jbuf_string_n(&j, m->desc, m->desc_len);
	pctl_jbuf_object_end(&j);
	if (!pctl_jbuf_ok(&j))
		return -1; /* cannot happen with LIST_RECORD_MAX; never half */
	if (c->n)
		fputc(',', c->out);
	fputs(c->rec, c->out);
	return 0;
}

static int list_cb(void *ctx, const struct pctl_mapping_info *m)
{
	struct list_ctx *c = ctx;
	int rc = c->json ? list_json(c, m) : list_text(c, m);

	c->n++;
	return rc;
}

struct counter {
	const char *name;
	uint64_t v;
};

static void stats_text(const struct pctl_engine_stats *st,
                       const struct counter *f, const struct counter *end,
                       FILE *out)
{
	for (; f < end; f++)
		fprintf(out, "%s %" PRIu64 "\n", f->name, f->v);
	/* Counters per result code: every code that occurred. */
	for (unsigned r = 0; r < 256; r++)
		if (st->pcp_results[r])
			fprintf(out, "pcp_result %s %" PRIu64 "\n",
			        pctl_result_name((uint8_t)r),
			        st->pcp_results[r]);
	for (unsigned r = 0; r < 8; r++)
		if (st->natpmp_results[r])
			fprintf(out, "natpmp_result %s %" PRIu64 "\n",
			        pctl_natpmp_result_name((uint16_t)r),
			        st->natpmp_results[r]);
}

/* The same as one JSON object.  A PCP result code without a name is keyed
 * by its number, so that no two members share a key. */
static void stats_json(const struct pctl_engine_stats *st,
                       const struct counter *f, const struct counter *end,
                       FILE *out)
{
	char rec[8192], num[4];
	struct pctl_jbuf j;

	pctl_jbuf_init(&j, rec, sizeof(rec));
	pctl_jbuf_object_begin(&j);
	for (; f < end; f++) {
		pctl_jbuf_key(&j, f->name);
		pctl_jbuf_uint(&j, f->v);
	}
	pctl_jbuf_key(&j, "pcp_results");
	pctl_jbuf_object_begin(&j);
	for (unsigned r = 0; r < 256; r++) {
		if (!st->pcp_results[r])
			continue;
		snprintf(num, sizeof(num), "%u", r);
		pctl_jbuf_key(&j, r <= 26 ? pctl_result_name((uint8_t)r) : num);
		pctl_jbuf_uint(&j, st->pcp_results[r]);
	}
	pctl_jbuf_object_end(&j);
	pctl_jbuf_key(&j, "natpmp_results");
	pctl_jbuf_object_begin(&j);
	for (unsigned r = 0; r < 8; r++) {
		if (!st->natpmp_results[r])
			continue;
		pctl_jbuf_key(&j, pctl_natpmp_result_name((uint16_t)r));
		pctl_jbuf_uint(&j, st->natpmp_results[r]);
	}
	pctl_jbuf_object_end(&j);
	pctl_jbuf_object_end(&j);
	pctl_jbuf_raw(&j, "\n");
	fputs(rec, out);
}

static void stats(struct pctl_engine *e, FILE *out, bool json)
{
	struct pctl_engine_stats *st = calloc(1, sizeof(*st));
	const struct counter *end;

	if (!st)
		return;
	pctl_engine_get_stats(e, st);
	const struct counter fields[] = {
	    {"mappings_map", st->mappings[PCTL_MK_MAP]},
	    {"mappings_peer", st->mappings[PCTL_MK_PEER]},
	    {"mappings_natpmp", st->mappings[PCTL_MK_NATPMP]},
	    {"mappings_static", st->mappings[PCTL_MK_STATIC]},
	    {"mappings_upnp", st->mappings[PCTL_MK_UPNP]},
	    {"mappings_created", st->mappings_created},
	    /* Issue 16: the old name of mappings_created, which reads as
	     * the sum of the live counters above; kept for scripts. */
	    {"mappings_total", st->mappings_created},
	    {"requests", st->requests},
	    {"pcp_requests", st->pcp_requests},
	    {"natpmp_requests", st->natpmp_requests},
	    {"upnp_requests", st->upnp_requests},
	    {"dropped", st->dropped},
	    {"rate_limited", st->rate_limited},
	    {"expired", st->expired},
	    {"backend_errors", st->backend_errors},
	    {"announces_sent", st->announces_sent},
	    {"mapping_updates_sent", st->mapping_updates_sent},
	};
	end = fields + sizeof(fields) / sizeof(fields[0]);
	if (json)
		stats_json(st, fields, end, out);
	else
		stats_text(st, fields, end, out);
	free(st);
}

bool pctld_control_list_page(struct pctl_engine *e, struct pctld_list *l,
                             FILE *out, size_t max, uint64_t now_ms)
{
	struct list_ctx c = {.out = out, .json = l->json, .n = l->n};
	size_t done =
	    pctl_engine_foreach_page(e, &l->cursor, max, list_cb, &c, now_ms);

	l->n = c.n;
	if (done == max)
		return false;
	if (l->json)
		fputs("]}\n", out);
	return true;
}

int pctld_control_exec(struct pctl_engine *e, const char *line, FILE *out,
                       uint64_t now_ms, struct pctld_list *list)
{
	char buf[256], *w[4], *save = NULL, *tok;
	size_t n = 0;
	bool json = false;

	snprintf(buf, sizeof(buf), "%s", line);
	for (tok = strtok_r(buf, " \t\r\n", &save); tok && n < 4;
	     tok = strtok_r(NULL, " \t\r\n", &save))
		w[n++] = tok;
	if (n > 1 && !strcmp(w[n - 1], "json")) {
		json = true;
		n--;
	}
	if (n == 0) {
		fputs("error empty request\n", out);
		return -1;
	}
	if (!strcmp(w[0], "list") && n == 1) {
		/* The mappings follow page by page (pctld_control_list_page):
		 * a long list must not hold up the PCP service. */
		*list = (struct pctld_list){.json = json};
		fputs("ok\n", out);
		if (json)
			fputs("{\"mappings\":[", out);
		return 1;
	}
	if (!strcmp(w[0], "stats") && n == 1) {
		fputs("ok\n", out);
		stats(e, out, json);
		return 0;
	}
	if (!strcmp(w[0], "flush") && n == 1) {
		int rc = pctl_engine_flush(e, now_ms);
		if (rc) {
			fprintf(out, "error flush: %s\n", strerror(-rc));
			return -1;
		}
		pctld_log(LOG_NOTICE, "control: flushed every mapping");
		fputs(json ? "ok\n{\"flushed\":true}\n" : "ok\n", out);
		return 0;
	}
	if (!strcmp(w[0], "delete") && n == 2) {
		char *end;
		uint64_t id;
		int rc;

		errno = 0;
		id = strtoull(w[1], &end, 10);
		if (errno || *end || w[1][0] < '0' || w[1][0] > '9') {
			fprintf(out, "error bad mapping id '%s'\n", w[1]);
			return -1;
		}
		rc = pctl_engine_delete(e, id, now_ms);
		if (rc == -ENOENT) {
			fprintf(out, "error no mapping %" PRIu64 "\n", id);
			return -1;
		}
		if (rc) {
			fprintf(out, "error delete %" PRIu64 ": %s\n", id,
			        strerror(-rc));
			return -1;
		}
		pctld_log(LOG_NOTICE, "control: deleted mapping %" PRIu64, id);
		if (json)
			fprintf(out, "ok\n{\"deleted\":%" PRIu64 "}\n", id);
		else
			fputs("ok\n", out);
		return 0;
	}
	fprintf(out,
	        "error unknown request '%s' (list, stats, delete ID, "
	        "flush)\n",
	        w[0]);
	return -1;
}

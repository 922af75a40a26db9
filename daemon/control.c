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

static void put_proto(FILE *out, uint8_t p)
{
	if (p == 6)
		fputs("tcp", out);
	else if (p == 17)
		fputs("udp", out);
	else if (p == 0)
		fputs("all", out);
	else
		fprintf(out, "%u", p);
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

static void put_json_string(FILE *out, const uint8_t *s, size_t n)
{
	fputc('"', out);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			fprintf(out, "\\%c", s[i]);
		else if (s[i] < 0x20 || s[i] == 0x7f)
			fprintf(out, "\\u%04x", s[i]);
		else
			fputc(s[i], out);
	}
	fputc('"', out);
}

struct list_ctx {
	FILE *out;
	bool json;
	size_t n;
};

static int list_text(struct list_ctx *c, const struct pctl_mapping_info *m)
{
	FILE *out = c->out;

	fprintf(out, "%" PRIu64 " %s ", m->id, pctl_engine_kind_name(m->kind));
	put_proto(out, m->protocol);
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
		put_json_string(out, m->desc, m->desc_len);
	}
	fputc('\n', out);
	return 0;
}

static void put_json_endpoint(FILE *out, const char *name, const pctl_addr *a,
                              uint16_t port)
{
	char txt[PCTL_ADDRSTRLEN];

	fprintf(out, "\"%s\":{\"address\":\"%s\",\"port\":%u}", name,
	        pctl_addr_to_str(a, txt, sizeof(txt)), port);
}

static int list_json(struct list_ctx *c, const struct pctl_mapping_info *m)
{
	FILE *out = c->out;

	fprintf(out, "%s{\"id\":%" PRIu64 ",\"kind\":\"%s\",\"protocol\":",
	        c->n ? "," : "", m->id, pctl_engine_kind_name(m->kind));
	fputc('"', out);
	put_proto(out, m->protocol);
	fputs("\",", out);
	put_json_endpoint(out, "internal", &m->int_addr, m->int_port);
	fputc(',', out);
	put_json_endpoint(out, "external", &m->ext_addr, m->ext_port);
	fprintf(out, ",\"port_count\":%u", m->port_count);
	if (m->lifetime_left == PCTL_LIFETIME_STATIC)
		fputs(",\"lifetime\":null", out);
	else
		fprintf(out, ",\"lifetime\":%" PRIu32, m->lifetime_left);
	if (m->kind == PCTL_MK_PEER) {
		fputc(',', out);
		put_json_endpoint(out, "remote", &m->remote_addr,
		                  m->remote_port);
	}
	fputs(",\"filters\":[", out);
	for (size_t i = 0; i < m->n_filters; i++) {
		char txt[PCTL_ADDRSTRLEN];
		const struct pctl_filter *f = &m->filters[i];
		fprintf(out,
		        "%s{\"address\":\"%s\",\"prefix_length\":%u,"
		        "\"port\":%u}",
		        i ? "," : "",
		        pctl_addr_to_str(&f->addr, txt, sizeof(txt)),
		        filter_len(f), f->port);
	}
	fputs("],\"description\":", out);
	put_json_string(out, m->desc, m->desc_len);
	fputs("}", out);
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

static void stats(struct pctl_engine *e, FILE *out, bool json)
{
	struct pctl_engine_stats *st = calloc(1, sizeof(*st));
	const struct counter *f, *end;

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
		fputc('{', out);
	for (f = fields; f < end; f++) {
		if (json)
			fprintf(out, "%s\"%s\":%" PRIu64,
			        f == fields ? "" : ",", f->name, f->v);
		else
			fprintf(out, "%s %" PRIu64 "\n", f->name, f->v);
	}
	/* Counters per result code: every code that occurred. */
	if (json)
		fputs(",\"pcp_results\":{", out);
	for (unsigned r = 0, k = 0; r < 256; r++) {
		if (!st->pcp_results[r])
			continue;
		if (json)
			fprintf(out, "%s\"%s\":%" PRIu64, k++ ? "," : "",
			        r <= 26 ? pctl_result_name((uint8_t)r)
			                : "UNKNOWN",
			        st->pcp_results[r]);
		else
			fprintf(out, "pcp_result %s %" PRIu64 "\n",
			        pctl_result_name((uint8_t)r),
			        st->pcp_results[r]);
	}
	if (json)
		fputs("},\"natpmp_results\":{", out);
	for (unsigned r = 0, k = 0; r < 8; r++) {
		if (!st->natpmp_results[r])
			continue;
		if (json)
			fprintf(out, "%s\"%s\":%" PRIu64, k++ ? "," : "",
			        pctl_natpmp_result_name((uint16_t)r),
			        st->natpmp_results[r]);
		else
			fprintf(out, "natpmp_result %s %" PRIu64 "\n",
			        pctl_natpmp_result_name((uint16_t)r),
			        st->natpmp_results[r]);
	}
	if (json)
		fputs("}}\n", out);
	free(st);
}

bool pctld_control_list_page(struct pctl_engine *e, struct pctld_list *l,
                             FILE *out, size_t max, uint64_t now_ms)
{
	struct list_ctx c = {out, l->json, l->n};
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

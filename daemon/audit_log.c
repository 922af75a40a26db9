/*
 * The audit log of audit_log.h: record format, output and limits.
 *
 * A record is built whole in a buffer and written with one write(2) (an
 * O_APPEND file never holds half of one) or one syslog(3) call.  Untrusted
 * strings (the DESCRIPTION) are escaped by the shared JSON writer in both
 * formats, so no record can carry a line break or a forged field.
 */
#include "audit_log.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <sys/random.h>

#include "../server/siphash.h"
#include "../server/upnp.h"
#include "log.h"
#include "msgbuf.h"
#include "json/jsonbuf.h"

#define RECORD_MAX 4096 /* a 1016-byte DESCRIPTION escaped fits */

void pctld_audit_config_defaults(struct pctld_audit_config *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = PCTLD_AUDIT_SYSLOG;
	c->facility = LOG_DAEMON;
	c->rate = PCTLD_AUDIT_RATE;
	c->burst = PCTLD_AUDIT_BURST;
	c->refused_rate = PCTLD_AUDIT_REFUSED_RATE;
	c->refused_burst = PCTLD_AUDIT_REFUSED_BURST;
}

int pctld_audit_facility(const char *name)
{
	static const struct {
		const char *name;
		int facility;
	} f[] = {
	    {"daemon", LOG_DAEMON},     {"auth", LOG_AUTH},
	    {"authpriv", LOG_AUTHPRIV}, {"user", LOG_USER},
	    {"local0", LOG_LOCAL0},     {"local1", LOG_LOCAL1},
	    {"local2", LOG_LOCAL2},     {"local3", LOG_LOCAL3},
	    {"local4", LOG_LOCAL4},     {"local5", LOG_LOCAL5},
	    {"local6", LOG_LOCAL6},     {"local7", LOG_LOCAL7},
	};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (!strcmp(name, f[i].name))
			return f[i].facility;
	return -1;
}

static uint64_t real_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t real_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- format ---------------------------------------------------------------
 * The same fields in both formats: JSON members, or `key=value` words after
 * "audit:" for syslog. */

struct rec {
	struct pctl_jbuf j;
	bool json;
};

static void key(struct rec *r, const char *k)
{
	if (r->json) {
		pctl_jbuf_key(&r->j, k);
	} else {
		pctl_jbuf_raw(&r->j, " ");
		pctl_jbuf_raw(&r->j, k);
		pctl_jbuf_raw(&r->j, "=");
	}
}

/* A value the daemon made (a name, an address): no escaping needed in the
 * text form. */
static void f_str(struct rec *r, const char *k, const char *v)
{
	key(r, k);
	if (r->json)
		pctl_jbuf_string(&r->j, v);
	else
		pctl_jbuf_raw(&r->j, v);
}

static void f_uint(struct rec *r, const char *k, uint64_t v)
{
	key(r, k);
	if (r->json)
		pctl_jbuf_uint(&r->j, v);
	else
		pctl_jbuf_raw_uint(&r->j, v);
}

/* Untrusted bytes: escaped and quoted in both forms. */
static void f_bytes(struct rec *r, const char *k, const uint8_t *s, size_t n)
{
	key(r, k);
	if (r->json)
		pctl_jbuf_string_n(&r->j, s, n);
	else
		pctl_jbuf_quoted(&r->j, s, n);
}

/* An address as text.  IPv4 by hand: inet_ntop's sprintf was a third of
 * a record's cost (docs/performance.md). */
static const char *addr_text(const pctl_addr *a, char *buf, size_t cap)
{
	char *p = buf;

	if (!pctl_addr_is_v4(a))
		return pctl_addr_to_str(a, buf, cap);
	for (int i = 12; i < 16; i++) {
		unsigned o = a->b[i];
		if (o >= 100)
			*p++ = (char)('0' + o / 100);
		if (o >= 10)
			*p++ = (char)('0' + o / 10 % 10);
		*p++ = (char)('0' + o % 10);
		*p++ = i < 15 ? '.' : '\0';
	}
	return buf;
}

/* An endpoint as two fields, `<k>_addr` and `<k>_port` (names given whole:
 * building them costs more than writing them). */
static void f_endpoint(struct rec *r, const char *k_addr, const char *k_port,
                       const pctl_addr *a, uint16_t port)
{
	char txt[PCTL_ADDRSTRLEN];

	f_str(r, k_addr, addr_text(a, txt, sizeof(txt)));
	f_uint(r, k_port, port);
}

/* A name in lower case, or the number when there is none. */
static void f_name_or_number(struct rec *r, const char *k, const char *name,
                             unsigned v)
{
	char txt[32];
	size_t i = 0;

	if (!name) {
		f_uint(r, k, v);
		return;
	}
	for (; name[i] && i < sizeof(txt) - 1; i++)
		txt[i] = (char)tolower((unsigned char)name[i]);
	txt[i] = '\0';
	f_str(r, k, txt);
}

static const char *natpmp_opcode_name(uint8_t op)
{
	static const char *const n[] = {"external-address", "map-udp",
	                                "map-tcp"};
	return op < 3 ? n[op] : NULL;
}

static void f_changes(struct rec *r, unsigned ch)
{
	static const char *const n[] = {"shorter", "description", "filters",
	                                "requester", "nonce"};
	char txt[80] = "";

	key(r, "changes");
	if (r->json)
		pctl_jbuf_array_begin(&r->j);
	for (unsigned i = 0; i < sizeof(n) / sizeof(n[0]); i++) {
		if (!(ch & 1u << i))
			continue;
		if (r->json) {
			pctl_jbuf_string(&r->j, n[i]);
		} else {
			if (txt[0])
				strcat(txt, ",");
			strcat(txt, n[i]);
		}
	}
	if (r->json)
		pctl_jbuf_array_end(&r->j);
	else
		pctl_jbuf_raw(&r->j, txt);
}

/* Two digits at p. */
static void two(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

/* RFC 3339 UTC with milliseconds.  The date and time of day are worked
 * out once per second (gmtime_r and formatting cost more than a record). */
static void f_time(struct pctld_audit *a, struct rec *r, uint64_t ms)
{
	char *txt = a->time_text;
	uint64_t s = ms / 1000;

	if (!a->time_valid || s != a->time_s) {
		memcpy(txt, "YYYY-MM-DDTHH:MM:SS.mmmZ", 25);
		time_t t = (time_t)s;
		struct tm tm;
		gmtime_r(&t, &tm);
		unsigned y = (unsigned)(tm.tm_year + 1900) % 10000;
		two(txt, y / 100);
		two(txt + 2, y % 100);
		two(txt + 5, (unsigned)tm.tm_mon + 1);
		two(txt + 8, (unsigned)tm.tm_mday);
		two(txt + 11, (unsigned)tm.tm_hour);
		two(txt + 14, (unsigned)tm.tm_min);
		two(txt + 17, (unsigned)tm.tm_sec);
		a->time_s = s;
		a->time_valid = true;
	}
	unsigned m = (unsigned)(ms % 1000);
	txt[20] = (char)('0' + m / 100);
	two(txt + 21, m % 100);
	f_str(r, "time", txt);
}

/* The nonce is a credential (S-33): records carry a keyed hash of it,
 * which ties the events of one client together within one run of the
 * daemon and tells nothing about the nonce itself. */
static void f_nonce(struct pctld_audit *a, struct rec *r, const uint8_t *n)
{
	uint64_t w0, w1;
	char txt[17];

	memcpy(&w0, n, 8);
	w1 = 0;
	memcpy(&w1, n + 8, PCTL_NONCE_LEN - 8);
	uint64_t h = pctl_siphash_u64(a->nonce_key,
	                              pctl_siphash_u64(a->nonce_key, w0) ^ w1);
	for (int i = 15; i >= 0; i--, h >>= 4)
		txt[i] = "0123456789abcdef"[h & 15];
	txt[16] = '\0';
	f_str(r, "nonce_tag", txt);
}

size_t pctld_audit_format(struct pctld_audit *a,
                          const struct pctl_audit_event *ev, bool json,
                          char *buf, size_t cap)
{
	struct rec r = {.json = json};
	bool refused = ev->type == PCTL_AUDIT_REFUSED;

	pctl_jbuf_init(&r.j, buf, cap);
	if (json) {
		pctl_jbuf_object_begin(&r.j);
		f_time(a, &r, a->clock.wall_ms());
	} else {
		pctl_jbuf_raw(&r.j, "audit:");
	}
	f_str(&r, "event", pctl_audit_type_name(ev->type));
	f_str(&r, "by", pctl_audit_by_name(ev->by));
	f_str(&r, "via", pctl_audit_via_name(ev->via));
	if (refused && ev->via == PCTL_AUDIT_VIA_UPNP) {
		/* A UPnP action has no opcode; its UPnP error code. */
		f_uint(&r, "result", ev->result);
		f_name_or_number(&r, "result_name",
		                 pctl_upnp_error_name(ev->result), ev->result);
	} else if (refused) {
		bool natpmp = ev->via == PCTL_AUDIT_VIA_NATPMP;
		f_name_or_number(&r, "opcode",
		                 natpmp ? natpmp_opcode_name(ev->opcode)
		                        : pctl_opcode_name(ev->opcode),
		                 ev->opcode);
		f_uint(&r, "result", ev->result);
		f_name_or_number(&r, "result_name",
		                 natpmp ? pctl_natpmp_result_name(ev->result)
		                        : pctl_result_name((uint8_t)ev->result),
		                 ev->result);
	} else if (ev->has_mapping) {
		f_uint(&r, "id", ev->id);
		f_str(&r, "kind", pctl_engine_kind_name(ev->kind));
	}
	if (ev->has_mapping) {
		f_name_or_number(&r, "protocol",
		                 pctl_protocol_name(ev->protocol),
		                 ev->protocol);
		f_endpoint(&r, "internal_addr", "internal_port", &ev->int_addr,
		           ev->int_port);
		f_endpoint(&r, "external_addr", "external_port", &ev->ext_addr,
		           ev->ext_port);
		f_uint(&r, "ports", ev->port_count);
	}
	if (ev->has_remote)
		f_endpoint(&r, "remote_addr", "remote_port", &ev->remote_addr,
		           ev->remote_port);
	if (ev->has_prev_ext)
		f_endpoint(&r, "previous_external_addr",
		           "previous_external_port", &ev->prev_ext_addr,
		           ev->prev_ext_port);
	if (ev->has_mapping || refused)
		f_uint(&r, "lifetime", ev->lifetime);
	if (ev->type == PCTL_AUDIT_RENEWED)
		f_changes(&r, ev->changes);
	if (ev->has_requester)
		f_endpoint(&r, "requester_addr", "requester_port",
		           &ev->requester, ev->requester_port);
	if (ev->has_nonce)
		f_nonce(a, &r, ev->nonce);
	if (ev->desc_len)
		f_bytes(&r, "description", ev->desc, ev->desc_len);
	if (json)
		pctl_jbuf_object_end(&r.j);
	return pctl_jbuf_ok(&r.j) ? r.j.len : 0;
}

/* ---- output ---------------------------------------------------------------
 */

static void log_syslog(int facility, const char *line)
{
	pctld_log_audit(facility, line);
}

/* Writes the records gathered so far: whole records, in one write(2) (a
 * short write is retried for the rest, so a record is cut only by a full
 * disk, which a line cannot help). */
void pctld_audit_flush(struct pctld_audit *a)
{
	size_t done = 0;

	while (done < a->wlen) {
		ssize_t n = write(a->fd, a->wbuf + done, a->wlen - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			a->write_errors++;
			if (!a->write_failing)
				pctld_log(LOG_ERR,
				          "audit log %s: %s; records are lost "
				          "until it can be written again",
				          a->cfg.path,
				          n < 0 ? strerror(errno) : "no room");
			a->write_failing = true;
			break;
		}
		done += (size_t)n;
	}
	if (done == a->wlen)
		a->write_failing = false;
	a->wlen = 0;
}

/* A file's records wait in a buffer until the event loop is done with
 * what it read (pctld_audit_tick) or the buffer is full: one write(2) per
 * loop turn rather than one per record, which under load was most of a
 * record's cost (docs/performance.md). */
static void out_line(struct pctld_audit *a, char *line, size_t len)
{
	a->written++;
	if (a->cfg.mode == PCTLD_AUDIT_SYSLOG) {
		a->to_syslog(a->cfg.facility, line);
		return;
	}
	if (a->wlen + len + 1 > sizeof(a->wbuf))
		pctld_audit_flush(a);
	memcpy(a->wbuf + a->wlen, line, len);
	a->wbuf[a->wlen + len] = '\n';
	a->wlen += len + 1;
}

static void report_suppressed(struct pctld_audit *a, uint64_t now)
{
	char line[256];

	a->last_report_ms = now;
	if (!a->suppressed && !a->suppressed_refusals)
		return;
	if (a->cfg.mode == PCTLD_AUDIT_FILE) {
		struct rec r = {.json = true};
		pctl_jbuf_init(&r.j, line, sizeof(line) - 1);
		pctl_jbuf_object_begin(&r.j);
		f_time(a, &r, a->clock.wall_ms());
		f_str(&r, "event", "suppressed");
		f_uint(&r, "records", a->suppressed + a->suppressed_refusals);
		f_uint(&r, "refusals", a->suppressed_refusals);
		pctl_jbuf_object_end(&r.j);
		out_line(a, line, r.j.len);
	} else {
		snprintf(line, sizeof(line),
		         "audit: event=suppressed records=%" PRIu64
		         " refusals=%" PRIu64,
		         a->suppressed + a->suppressed_refusals,
		         a->suppressed_refusals);
		out_line(a, line, strlen(line));
	}
	a->suppressed = a->suppressed_refusals = 0;
}

void pctld_audit_tick(struct pctld_audit *a)
{
	uint64_t now;

	if (a->cfg.mode == PCTLD_AUDIT_OFF)
		return;
	now = a->clock.mono_ms();
	if (now - a->last_report_ms >= PCTLD_AUDIT_REPORT_MS)
		report_suppressed(a, now);
	if (a->wlen)
		pctld_audit_flush(a);
}

/* A reload's message names the first removals (pctld_audit_collect_*). */
static void collect(struct pctld_audit *a, const struct pctl_audit_event *ev)
{
	char one[160], i[PCTL_ADDRSTRLEN], x[PCTL_ADDRSTRLEN];
	const char *proto = pctl_protocol_name(ev->protocol);
	size_t used = strlen(a->collect_text);

	if (ev->type != PCTL_AUDIT_DELETED || ev->by != PCTL_AUDIT_BY_POLICY)
		return;
	if (a->collected++ >= 8)
		return;
	snprintf(one, sizeof(one), "%s%s %s:%u->%s:%u", used ? ", " : "",
	         proto ? proto : "?",
	         pctl_addr_to_str(&ev->int_addr, i, sizeof(i)), ev->int_port,
	         pctl_addr_to_str(&ev->ext_addr, x, sizeof(x)), ev->ext_port);
	if (used + strlen(one) < sizeof(a->collect_text))
		strcat(a->collect_text, one);
}

void pctld_audit_collect_begin(struct pctld_audit *a)
{
	a->collecting = true;
	a->collected = 0;
	a->collect_text[0] = '\0';
}

const char *pctld_audit_collect_end(struct pctld_audit *a)
{
	size_t used = strlen(a->collect_text);

	a->collecting = false;
	if (a->collected > 8)
		snprintf(a->collect_text + used, sizeof(a->collect_text) - used,
		         " and %u more", a->collected - 8);
	return a->collect_text;
}

void pctld_audit_event(void *ctx, const struct pctl_audit_event *ev)
{
	struct pctld_audit *a = ctx;
	char line[RECORD_MAX + 1];
	uint64_t now;

	if (a->collecting)
		collect(a, ev);
	if (a->cfg.mode == PCTLD_AUDIT_OFF)
		return;
	now = a->clock.mono_ms();
	bool refused = ev->type == PCTL_AUDIT_REFUSED;
	if (!pctld_bucket_take(refused ? &a->refusals : &a->events, now)) {
		if (refused)
			a->suppressed_refusals++;
		else
			a->suppressed++;
		return;
	}
	if (now - a->last_report_ms >= PCTLD_AUDIT_REPORT_MS)
		report_suppressed(a, now);
	size_t len = pctld_audit_format(a, ev, a->cfg.mode == PCTLD_AUDIT_FILE,
	                                line, sizeof(line) - 1);
	if (len)
		out_line(a, line, len);
}

/* ---- life cycle -----------------------------------------------------------
 */

int pctld_audit_open_file(const char *path, char *err, size_t errlen)
{
	int fd = open(
	    path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);

	if (fd < 0)
		return pctld_errf(err, errlen, "audit log %s: %s", path,
		                  strerror(errno));
	return fd;
}

static void apply_limits(struct pctld_audit *a, uint64_t now)
{
	pctld_bucket_init(&a->events, a->cfg.rate, a->cfg.burst, now);
	pctld_bucket_init(&a->refusals, a->cfg.refused_rate,
	                  a->cfg.refused_burst, now);
}

int pctld_audit_open(struct pctld_audit *a,
                     const struct pctld_audit_config *cfg,
                     const struct pctld_audit_clock *clock,
                     pctld_audit_syslog_fn to_syslog, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	a->fd = -1;
	a->cfg = *cfg;
	a->clock.mono_ms = clock ? clock->mono_ms : real_mono_ms;
	a->clock.wall_ms = clock ? clock->wall_ms : real_wall_ms;
	a->to_syslog = to_syslog ? to_syslog : log_syslog;
	if (getrandom(a->nonce_key, sizeof(a->nonce_key), 0) !=
	    (ssize_t)sizeof(a->nonce_key))
		return pctld_errf(err, errlen, "audit log: getrandom: %s",
		                  strerror(errno));
	if (cfg->mode == PCTLD_AUDIT_FILE) {
		a->fd = pctld_audit_open_file(cfg->path, err, errlen);
		if (a->fd < 0)
			return -1;
	}
	a->last_report_ms = a->clock.mono_ms();
	apply_limits(a, a->last_report_ms);
	return 0;
}

/* Replaces the file descriptor with fd (taken over; the old one closed). */
static void use_fd(struct pctld_audit *a, int fd)
{
	if (a->wlen)
		pctld_audit_flush(a); /* what was for the old file */
	if (a->fd >= 0)
		close(a->fd);
	a->fd = fd;
	a->write_failing = false;
}

void pctld_audit_switch(struct pctld_audit *a,
                        const struct pctld_audit_config *cfg, int fd)
{
	/* What the old output owes first: the count of suppressed records. */
	report_suppressed(a, a->clock.mono_ms());
	use_fd(a, fd);
	a->cfg = *cfg;
	apply_limits(a, a->clock.mono_ms());
}

int pctld_audit_reopen(struct pctld_audit *a,
                       const struct pctld_audit_config *cfg, char *err,
                       size_t errlen)
{
	int fd = -1;

	if (cfg->mode == PCTLD_AUDIT_FILE) {
		fd = pctld_audit_open_file(cfg->path, err, errlen);
		if (fd < 0)
			return -1;
	}
	pctld_audit_switch(a, cfg, fd);
	return 0;
}

void pctld_audit_close(struct pctld_audit *a)
{
	if (a->cfg.mode != PCTLD_AUDIT_OFF)
		report_suppressed(a, a->clock.mono_ms());
	if (a->wlen)
		pctld_audit_flush(a);
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
}

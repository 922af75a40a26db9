/*
 * The daemon's audit log (issue 10, daemon/audit_log.c): record fields and
 * escaping in both formats, the nonce never written as it is, the two rate
 * limits and the line that counts what they suppressed, reopening for
 * logrotate, the reload's list of removals, and the portctld.conf
 * directives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit_log.h"
#include "config.h"
#include "tokenbucket.h"

static uint64_t fake_mono = 5000;
static uint64_t mono(void)
{
	return fake_mono;
}
static uint64_t wall(void)
{
	return 1796601600123ull; /* 2026-12-07T00:00:00.123Z */
}
static const struct pctld_audit_clock clock_ = {mono, wall};

static char last_syslog[4096];
static int last_facility, syslog_lines;
static void fake_syslog(int facility, const char *line)
{
	last_facility = facility;
	snprintf(last_syslog, sizeof(last_syslog), "%s", line);
	syslog_lines++;
}

static pctl_addr addr(const char *s)
{
	pctl_addr a;
	assert_int_equal(pctl_addr_from_str(&a, s), 0);
	return a;
}

static struct pctl_audit_event created(void)
{
	static const uint8_t desc[] = "a\"b\n\x01\xff"
	                              "\xc3\xa9";
	struct pctl_audit_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = PCTL_AUDIT_CREATED;
	ev.by = PCTL_AUDIT_BY_CLIENT;
	ev.via = PCTL_AUDIT_VIA_PCP;
	ev.has_mapping = true;
	ev.id = 42;
	ev.kind = PCTL_MK_MAP;
	ev.protocol = 6;
	ev.int_addr = addr("192.0.2.10");
	ev.int_port = 8080;
	ev.ext_addr = addr("203.0.113.1");
	ev.ext_port = 40000;
	ev.port_count = 1;
	ev.lifetime = 7200;
	ev.has_requester = true;
	ev.requester = addr("192.0.2.10");
	ev.requester_port = 5350;
	ev.has_nonce = true;
	memset(ev.nonce, 0xab, sizeof(ev.nonce));
	ev.desc = desc;
	ev.desc_len = sizeof(desc) - 1;
	return ev;
}

static struct pctl_audit_event refused(void)
{
	struct pctl_audit_event ev = created();

	ev.type = PCTL_AUDIT_REFUSED;
	ev.opcode = PCTL_OP_MAP;
	ev.result = PCTL_R_NOT_AUTHORIZED;
	ev.desc_len = 0;
	return ev;
}

static void open_syslog(struct pctld_audit *a)
{
	struct pctld_audit_config c;
	char err[256];

	pctld_audit_config_defaults(&c);
	c.facility = LOG_LOCAL3;
	assert_int_equal(
	    pctld_audit_open(a, &c, &clock_, fake_syslog, err, sizeof(err)), 0);
}

/* A file-mode log in a fresh temporary directory. */
struct filelog {
	char dir[64], path[96];
	struct pctld_audit a;
};

static void open_file(struct filelog *f, uint32_t rate, uint32_t burst,
                      uint32_t rrate, uint32_t rburst)
{
	struct pctld_audit_config c;
	char err[256];

	strcpy(f->dir, "/tmp/pctl-audit-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/audit.json", f->dir);
	pctld_audit_config_defaults(&c);
	c.mode = PCTLD_AUDIT_FILE;
	strcpy(c.path, f->path);
	c.rate = rate;
	c.burst = burst;
	c.refused_rate = rrate;
	c.refused_burst = rburst;
	assert_int_equal(
	    pctld_audit_open(&f->a, &c, &clock_, NULL, err, sizeof(err)), 0);
}

/* The file's content once the buffered records are written. */
static char *slurp_file(const char *path)
{
	static char buf[1 << 20];
	FILE *fp = fopen(path, "r");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static char *slurp(struct filelog *f)
{
	pctld_audit_flush(&f->a);
	return slurp_file(f->path);
}

static int count(const char *s, const char *what)
{
	int n = 0;

	for (; (s = strstr(s, what)) != NULL; s += strlen(what))
		n++;
	return n;
}

static void close_file(struct filelog *f)
{
	char p[128];

	pctld_audit_close(&f->a);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s.1", f->path);
	unlink(p);
	rmdir(f->dir);
}

static void test_json_record_every_field(void **state)
{
	struct filelog f;
	struct pctl_audit_event ev = created();

	(void)state;
	open_file(&f, 0, 0, 0, 0);
	pctld_audit_event(&f.a, &ev);
	const char *s = slurp(&f);
	static const char want[] =
	    "{\"time\":\"2026-12-07T00:00:00.123Z\",\"event\":\"created\","
	    "\"by\":\"client\",\"via\":\"pcp\",\"id\":42,\"kind\":\"map\","
	    "\"protocol\":\"tcp\",\"internal_addr\":\"192.0.2.10\","
	    "\"internal_port\":8080,\"external_addr\":\"203.0.113.1\","
	    "\"external_port\":40000,\"ports\":1,\"lifetime\":7200,"
	    "\"requester_addr\":\"192.0.2.10\",\"requester_port\":5350,"
	    "\"nonce_tag\":\""; /* the tag: next test */
	assert_memory_equal(s, want, strlen(want));
	close_file(&f);
}

static void test_file_records_wait_for_the_loop_turn(void **state)
{
	struct filelog f;
	struct pctl_audit_event ev = created();

	(void)state;
	open_file(&f, 0, 0, 0, 0);
	pctld_audit_event(&f.a, &ev);
	pctld_audit_event(&f.a, &ev);
	/* Buffered: one write(2) per turn of the event loop. */
	assert_string_equal(slurp_file(f.path), "");
	pctld_audit_tick(&f.a);
	assert_int_equal(count(slurp_file(f.path), "\"event\":\"created\""), 2);
	/* A full buffer is written at once, whole records only. */
	for (int i = 0; i < 400; i++)
		pctld_audit_event(&f.a, &ev);
	const char *s = slurp_file(f.path);
	int lines = count(s, "\n");
	assert_true(lines > 2 && lines < 402);
	assert_int_equal(s[strlen(s) - 1], '\n');
	/* The next turn writes the rest: nothing is lost. */
	pctld_audit_tick(&f.a);
	assert_int_equal(count(slurp_file(f.path), "\n"), 402);
	close_file(&f);
}

static void test_json_escapes_and_hides_nonce(void **state)
{
	struct filelog f;
	struct pctl_audit_event ev = created();

	(void)state;
	open_file(&f, 0, 0, 0, 0);
	pctld_audit_event(&f.a, &ev);
	const char *s = slurp(&f);
	/* One line, the hostile description escaped. */
	assert_int_equal(count(s, "\n"), 1);
	assert_non_null(strstr(
	    s, "\"description\":\"a\\\"b\\n\\u0001\\ufffd\xc3\xa9\"}\n"));
	/* The nonce (12 x 0xab) appears only as a 16-digit keyed tag. */
	assert_null(strstr(s, "abababab"));
	const char *t = strstr(s, "\"nonce_tag\":\"");
	assert_non_null(t);
	t += strlen("\"nonce_tag\":\"");
	assert_int_equal(strspn(t, "0123456789abcdef"), 16);
	assert_int_equal(t[16], '"');
	close_file(&f);
}

/* Issue 11: a UPnP mapping's kind, and a UPnP refusal: its error code and
 * name, no opcode (UPnP actions have none). */
static void test_upnp_records(void **state)
{
	struct pctld_audit a;
	struct pctl_audit_event ev = created();

	(void)state;
	open_syslog(&a);
	ev.via = PCTL_AUDIT_VIA_UPNP;
	ev.kind = PCTL_MK_UPNP;
	ev.has_nonce = false;
	pctld_audit_event(&a, &ev);
	assert_non_null(
	    strstr(last_syslog, "via=upnp id=42 kind=upnp protocol=tcp "));
	ev = refused();
	ev.via = PCTL_AUDIT_VIA_UPNP;
	ev.opcode = 0;
	ev.result = 718;
	ev.has_nonce = false;
	pctld_audit_event(&a, &ev);
	assert_non_null(strstr(last_syslog,
	                       "via=upnp result=718 "
	                       "result_name=conflictinmappingentry protocol="));
	assert_null(strstr(last_syslog, "opcode"));
	pctld_audit_close(&a);
}

static void test_syslog_text_record(void **state)
{
	struct pctld_audit a;
	struct pctl_audit_event ev = refused();

	(void)state;
	open_syslog(&a);
	pctld_audit_event(&a, &ev);
	assert_int_equal(last_facility, LOG_LOCAL3);
	assert_true(strncmp(last_syslog,
	                    "audit: event=refused by=client via=pcp "
	                    "opcode=map result=2 result_name=not_authorized "
	                    "protocol=tcp internal_addr=192.0.2.10 "
	                    "internal_port=8080 ",
	                    strlen("audit: event=refused by=client via=pcp "
	                           "opcode=map result=2 result_name=not_"
	                           "authorized protocol=tcp internal_addr=192."
	                           "0.2.10 internal_port=8080 ")) == 0);
	/* The description is quoted and escaped in the text form too. */
	ev = created();
	pctld_audit_event(&a, &ev);
	assert_non_null(strstr(
	    last_syslog, " description=\"a\\\"b\\n\\u0001\\ufffd\xc3\xa9\""));
	assert_null(strchr(last_syslog, '\n'));
	/* A renewal names its changes. */
	ev.type = PCTL_AUDIT_RENEWED;
	ev.changes = PCTL_AUDIT_CH_SHORTER | PCTL_AUDIT_CH_FILTERS;
	ev.desc_len = 0;
	pctld_audit_event(&a, &ev);
	assert_non_null(strstr(last_syslog, " changes=shorter,filters "));
	pctld_audit_close(&a);
}

static void test_rate_limits_and_suppressed_line(void **state)
{
	struct filelog f;
	struct pctl_audit_event ev = created(), rf = refused();

	(void)state;
	fake_mono = 5000;
	open_file(&f, 10, 5, 1, 2);
	for (int i = 0; i < 20; i++)
		pctld_audit_event(&f.a, &ev);
	for (int i = 0; i < 10; i++)
		pctld_audit_event(&f.a, &rf);
	const char *s = slurp(&f);
	/* The bursts: 5 mapping records, 2 refusals, each bucket its own. */
	assert_int_equal(count(s, "\"event\":\"created\""), 5);
	assert_int_equal(count(s, "\"event\":\"refused\""), 2);
	assert_int_equal(count(s, "suppressed"), 0);
	/* Half a second refills 5 mapping tokens, no refusal token yet. */
	fake_mono += 500;
	for (int i = 0; i < 10; i++)
		pctld_audit_event(&f.a, &ev);
	pctld_audit_event(&f.a, &rf);
	s = slurp(&f);
	assert_int_equal(count(s, "\"event\":\"created\""), 10);
	assert_int_equal(count(s, "\"event\":\"refused\""), 2);
	/* Not a minute yet: no report. */
	pctld_audit_tick(&f.a);
	assert_int_equal(count(slurp(&f), "suppressed"), 0);
	/* A minute on: one line counts the 15 + 5 + 8 + 1 lost records. */
	fake_mono += PCTLD_AUDIT_REPORT_MS;
	pctld_audit_tick(&f.a);
	s = slurp(&f);
	assert_non_null(strstr(s, "\"event\":\"suppressed\",\"records\":29,"
	                          "\"refusals\":9}\n"));
	/* Counted once: the next minute has nothing to say. */
	fake_mono += PCTLD_AUDIT_REPORT_MS;
	pctld_audit_tick(&f.a);
	assert_int_equal(count(slurp(&f), "suppressed"), 1);
	close_file(&f);
}

static void test_bucket_refill_and_unlimited(void **state)
{
	struct pctld_bucket b;

	(void)state;
	pctld_bucket_init(&b, 2, 3, 0);
	for (int i = 0; i < 3; i++)
		assert_true(pctld_bucket_take(&b, 0));
	assert_false(pctld_bucket_take(&b, 0));
	assert_false(pctld_bucket_take(&b, 499));
	assert_true(pctld_bucket_take(&b, 500));
	/* A long quiet spell fills it to the burst, not beyond. */
	for (int i = 0; i < 3; i++)
		assert_true(pctld_bucket_take(&b, 10000000));
	assert_false(pctld_bucket_take(&b, 10000000));
	pctld_bucket_init(&b, 0, 0, 0);
	for (int i = 0; i < 100000; i++)
		assert_true(pctld_bucket_take(&b, 0));
}

static void test_reopen_after_rotation(void **state)
{
	struct filelog f;
	struct pctl_audit_event ev = created();
	char rotated[128], err[256];

	(void)state;
	open_file(&f, 0, 0, 0, 0);
	pctld_audit_event(&f.a, &ev);
	snprintf(rotated, sizeof(rotated), "%s.1", f.path);
	assert_int_equal(rename(f.path, rotated), 0);
	pctld_audit_event(&f.a, &ev); /* still the old file */
	struct pctld_audit_config c = f.a.cfg;
	assert_int_equal(pctld_audit_reopen(&f.a, &c, err, sizeof(err)), 0);
	ev.type = PCTL_AUDIT_EXPIRED;
	pctld_audit_event(&f.a, &ev);
	assert_int_equal(count(slurp_file(rotated), "\"event\":\"created\""),
	                 2);
	const char *s = slurp(&f);
	assert_int_equal(count(s, "\n"), 1);
	assert_non_null(strstr(s, "\"event\":\"expired\""));
	/* A path that cannot be opened keeps the old output. */
	strcpy(c.path, "/nonexistent-dir/x");
	assert_int_equal(pctld_audit_reopen(&f.a, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent-dir/x"));
	pctld_audit_event(&f.a, &ev);
	assert_int_equal(count(slurp(&f), "\n"), 2);
	close_file(&f);
}

static void test_reload_collects_policy_removals(void **state)
{
	struct pctld_audit a;
	struct pctl_audit_event ev = created();

	(void)state;
	open_syslog(&a);
	pctld_audit_collect_begin(&a);
	ev.type = PCTL_AUDIT_DELETED;
	ev.by = PCTL_AUDIT_BY_POLICY;
	for (int i = 0; i < 10; i++) {
		ev.int_port = (uint16_t)(1000 + i);
		pctld_audit_event(&a, &ev);
	}
	ev.by = PCTL_AUDIT_BY_CLIENT; /* not the reload's */
	pctld_audit_event(&a, &ev);
	const char *t = pctld_audit_collect_end(&a);
	assert_true(strncmp(t,
	                    "TCP 192.0.2.10:1000->203.0.113.1:40000, TCP "
	                    "192.0.2.10:1001->",
	                    40) == 0);
	assert_non_null(strstr(t, ":1007->"));
	assert_null(strstr(t, ":1008->"));
	assert_non_null(strstr(t, " and 2 more"));
	/* Each removal is an audit record of its own as well. */
	assert_non_null(strstr(last_syslog, "event=deleted"));
	pctld_audit_close(&a);
}

static void test_config_directives(void **state)
{
	struct pctld_config c;
	char err[256], line[128];

	(void)state;
	pctld_config_defaults(&c);
	assert_int_equal(c.audit.mode, PCTLD_AUDIT_SYSLOG);
	assert_int_equal(c.audit.facility, LOG_DAEMON);
	assert_int_equal(c.audit.rate, PCTLD_AUDIT_RATE);
	assert_int_equal(c.audit.refused_rate, PCTLD_AUDIT_REFUSED_RATE);
	strcpy(line, "audit-log file /var/log/portctld-audit.json");
	assert_int_equal(pctld_config_line(&c, line, err, sizeof(err)), 0);
	assert_int_equal(c.audit.mode, PCTLD_AUDIT_FILE);
	assert_string_equal(c.audit.path, "/var/log/portctld-audit.json");
	strcpy(line, "audit-log syslog local5");
	assert_int_equal(pctld_config_line(&c, line, err, sizeof(err)), 0);
	assert_int_equal(c.audit.mode, PCTLD_AUDIT_SYSLOG);
	assert_int_equal(c.audit.facility, LOG_LOCAL5);
	strcpy(line, "audit-log off");
	assert_int_equal(pctld_config_line(&c, line, err, sizeof(err)), 0);
	assert_int_equal(c.audit.mode, PCTLD_AUDIT_OFF);
	strcpy(line, "audit-rate-limit 200 400");
	assert_int_equal(pctld_config_line(&c, line, err, sizeof(err)), 0);
	assert_int_equal(c.audit.rate, 200);
	assert_int_equal(c.audit.burst, 400);
	strcpy(line, "audit-refused-rate-limit 0");
	assert_int_equal(pctld_config_line(&c, line, err, sizeof(err)), 0);
	assert_int_equal(c.audit.refused_rate, 0);
	strcpy(line, "audit-log syslog kern");
	assert_int_equal(pctld_config_line(&c, line, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'kern' is not a syslog facility"));
	strcpy(line, "audit-log file");
	assert_int_equal(pctld_config_line(&c, line, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "syslog [FACILITY], file PATH or off"));
	strcpy(line, "audit-log off now");
	assert_int_equal(pctld_config_line(&c, line, err, sizeof(err)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_json_record_every_field),
	    cmocka_unit_test(test_file_records_wait_for_the_loop_turn),
	    cmocka_unit_test(test_json_escapes_and_hides_nonce),
	    cmocka_unit_test(test_syslog_text_record),
	    cmocka_unit_test(test_upnp_records),
	    cmocka_unit_test(test_rate_limits_and_suppressed_line),
	    cmocka_unit_test(test_bucket_refill_and_unlimited),
	    cmocka_unit_test(test_reopen_after_rotation),
	    cmocka_unit_test(test_reload_collects_policy_removals),
	    cmocka_unit_test(test_config_directives),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

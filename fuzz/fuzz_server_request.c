/*
 * libFuzzer target: random datagrams through pctl_engine_handle().
 *
 * Input: a sequence of records, each [len][ctrl][len octets of datagram]:
 * ctrl's low two bits pick one of four sources (two IPv4 hosts, one IPv6
 * host, one IPv4 host authorized for THIRD_PARTY), bit 2 makes the next
 * backend commit fail, bits 3-7 advance the clock (seconds).  One engine
 * per input, so state builds up across its records and everything is freed
 * at the end (leaks are found).
 *
 * Inputs of odd length run under the Simple Threat Model (no THIRD_PARTY,
 * S-100), where the fake data plane reports traffic on every mapping
 * (S-52) while bit 6 of ctrl is set, and cannot tell while bit 2 is.
 *
 * Invariants checked after every datagram:
 *  - a response is at most 1100 octets; a PCP one is a multiple of 4;
 *  - an error response (PCP result != 0, NAT-PMP result != 0) leaves the
 *    mapping count and the data plane unchanged (S-15);
 *  - the fake data plane always holds exactly the engine's mappings;
 *  - every audit event (server/audit.h) formats, in both of the audit
 *    log's formats (daemon/audit_log.c), into one line without control
 *    characters, whatever the datagram said (issue 10).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <portctl/wire.h>

#include "audit.h"
#include "audit_log.h"
#include "backend.h"
#include "engine.h"
#include "fuzz_asan_options.h"
#include "fuzz_check.h"

struct fz_backend {
	long live, pend;
	int fail_commit;
	bool busy; /* idle_left reports traffic */
};

static int fz_create(void *ctx, const struct pctl_dp_mapping *m)
{
	(void)m;
	((struct fz_backend *)ctx)->pend++;
	return 0;
}

static int fz_refresh(void *ctx, const struct pctl_dp_mapping *m)
{
	(void)ctx;
	(void)m;
	return 0;
}

static int fz_remove(void *ctx, const struct pctl_dp_mapping *m)
{
	(void)m;
	((struct fz_backend *)ctx)->pend--;
	return 0;
}

static int fz_commit(void *ctx)
{
	struct fz_backend *b = ctx;

	if (b->fail_commit) {
		b->fail_commit = 0;
		return -EIO;
	}
	b->live += b->pend;
	b->pend = 0;
	return 0;
}

static void fz_abort(void *ctx)
{
	((struct fz_backend *)ctx)->pend = 0;
}

static int fz_idle_left(void *ctx, const struct pctl_dp_mapping *m,
                        uint32_t *seconds)
{
	struct fz_backend *b = ctx;

	(void)m;
	if (b->fail_commit)
		return -EIO;
	*seconds = b->busy ? 30 : 0;
	return 0;
}

static const struct pctl_backend_ops fz_ops = {
    .name = "fuzz",
    .create = fz_create,
    .refresh = fz_refresh,
    .remove = fz_remove,
    .commit = fz_commit,
    .abort = fz_abort,
    .idle_left = fz_idle_left,
};

static uint64_t fixed_ms(void)
{
	return 1796601600000ull;
}

/* The audit observer: both record formats, checked. */
static void audit_check(void *ctx, const struct pctl_audit_event *ev)
{
	static char line[4096];

	for (int json = 0; json < 2; json++) {
		size_t n =
		    pctld_audit_format(ctx, ev, json, line, sizeof(line));
		CHECK(n > 0 && n < sizeof(line));
		for (size_t i = 0; i < n; i++)
			CHECK((uint8_t)line[i] >= 0x20 && line[i] != 0x7f);
	}
}

static uint64_t live_mappings(const struct pctl_engine *e)
{
	struct pctl_engine_stats s;

	pctl_engine_get_stats(e, &s);
	uint64_t n = 0;
	for (int k = 0; k < PCTL_MK_KINDS; k++)
		n += s.mappings[k];
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const srcs[4] = {"192.0.2.10", "192.0.2.11",
	                                    "2001:db8::10", "192.0.2.20"};
	struct fz_backend fb = {0};
	struct pctl_backend be = {&fz_ops, &fb};
	struct pctl_engine_config cfg;
	uint64_t now = 1000000;

	pctl_engine_config_defaults(&cfg);
	cfg.n_ext_addrs = 2;
	pctl_addr_from_str(&cfg.ext_addrs[0], "203.0.113.1");
	pctl_addr_from_str(&cfg.ext_addrs[1], "2001:db8:ffff::1");
	cfg.max_per_host = 8;
	cfg.port_seed = 1; /* a crash reproduces with the same ports */
	cfg.max_filters = 2;
	cfg.allow_all_ports = true;
	cfg.allow_all_protocols = true;
	cfg.simple_threat_model = size % 2;
	cfg.n_third_party_acl = !cfg.simple_threat_model;
	pctl_addr_from_str(&cfg.third_party_acl[0].addr, srcs[3]);
	cfg.third_party_acl[0].len = 128;
	cfg.third_party_id_enabled = true;
	cfg.prefix64_enabled = true;
	cfg.prefix64_len = 12;
	struct pctl_engine *e = pctl_engine_new(&cfg, &be, now);
	CHECK(e != NULL);
	static struct pctld_audit audit = {.clock = {fixed_ms, fixed_ms}};
	pctl_engine_set_audit(e, audit_check, &audit);

	static uint8_t out[PCTL_MAX_MSG];
	static uint8_t dgram[PCTL_MAX_MSG + 8];
	while (size >= 2) {
		size_t len = data[0] * 8u + (data[1] & 7u);
		uint8_t ctrl = data[1];
		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		if (len > sizeof(dgram))
			len = sizeof(dgram);
		memcpy(dgram, data, len);
		data += len;
		size -= len;

		struct pctl_rx rx = {.buf = dgram,
		                     .len = len,
		                     .src_port = 5350,
		                     .internal = true};
		pctl_addr_from_str(&rx.src, srcs[ctrl & 3]);
		/* Most MAP/PEER inputs name their source: make the client
		 * field match often enough to get past S-9. */
		if (len >= 24 && dgram[0] == 2 && (ctrl & 0x80))
			memcpy(dgram + 8, rx.src.b, 16);
		now += (uint64_t)((ctrl >> 3) & 0xf) * 1000;
		rx.now_ms = now;
		/* Expiry first, with a working backend: a failed removal at
		 * expiry is left to the kernel's own timeout, which this fake
		 * data plane does not model. */
		fb.fail_commit = 0;
		pctl_engine_tick(e, now);
		fb.fail_commit = (ctrl >> 2) & 1;
		fb.busy = (ctrl >> 6) & 1;

		uint64_t before = live_mappings(e);
		size_t n = pctl_engine_handle(e, &rx, out);
		uint64_t after = live_mappings(e);
		CHECK(n <= PCTL_MAX_MSG);
		if (n && out[0] == 2) {
			CHECK(n % 4 == 0 && n >= 24);
			if (out[3] != 0)
				CHECK(before == after);
		}
		if (n >= 4 && out[0] == 0 && (out[2] | out[3]) != 0)
			CHECK(before == after);
		CHECK((uint64_t)fb.live == after);
		CHECK(fb.pend == 0);
		struct pctl_tx tx[4];
		size_t k = pctl_engine_poll_tx(e, now, tx, 4);
		for (size_t i = 0; i < k; i++)
			CHECK(tx[i].len <= PCTL_MAX_MSG);
	}
	pctl_engine_flush(e, now);
	pctl_engine_free(e);
	return 0;
}

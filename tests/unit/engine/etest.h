/*
 * Engine test support: a recording fake backend (with injectable failures),
 * request builders and a fake clock.  The engine under test is the real
 * one; only the data plane is replaced (the task names the backend as the
 * boundary).
 */
#ifndef PORTCTL_TESTS_ETEST_H
#define PORTCTL_TESTS_ETEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <portctl/wire.h>

#include "backend.h"
#include "engine.h"

#define FB_MAX 64

/* What the fake data plane holds and saw. */
struct fake_backend {
	int creates, refreshes, removes, commits, aborts;
	int pending;     /* ops queued since the last commit/abort */
	long live;       /* committed creates - committed removes */
	int fail_commit; /* next N commits fail */
	int fail_create; /* next N creates fail */
	bool has_flow;   /* lookup_flow answers with `flow` */
	struct pctl_dp_flow flow;
	/* idle_left (S-52): answers `idle` seconds, or -EIO while fail_idle;
	 * counts the calls and keeps the mapping it was asked about. */
	uint32_t idle;
	uint16_t idle_port; /* when non-zero, only this internal port is busy */
	int fail_idle, idle_calls;
	struct pctl_dp_mapping idle_asked;
	struct pctl_dp_mapping last; /* last op's mapping (filters dropped) */
	size_t last_n_filters;
	int pend_delta; /* live change queued */
	/* Last reconcile: how many mappings, and the sum of their external
	 * ports and lifetimes (enough to tell the right set was handed over).
	 */
	int reconciles;
	size_t reconciled;
	unsigned long reconciled_ports, reconciled_lifetimes;
	int fail_reconcile; /* next N reconciles fail with -EIO */
};

struct etest {
	struct fake_backend fb;
	struct pctl_backend be;
	struct pctl_engine_config cfg;
	struct pctl_engine *e;
	uint64_t now;
	uint8_t out[PCTL_MAX_MSG];
	size_t out_len;
	struct pctl_msg resp; /* decoded PCP response */
	struct pctl_natpmp nresp;
};

/* Default config: external 203.0.113.1, NAT44, ports 1024-65535. */
void et_config(struct pctl_engine_config *cfg);
/* Sets up with cfg (NULL = et_config defaults); now = 1000000 ms. */
struct etest *et_new(const struct pctl_engine_config *cfg);
void et_free(struct etest *t);

pctl_addr et_addr(const char *s);

/* A request under construction. */
struct req {
	uint8_t b[PCTL_MAX_MSG + 8];
	size_t len;
};

/* MAP request from client (dotted/IPv6 text), nonce filled with nbyte. */
void req_map(struct req *r, const char *client, uint8_t nbyte, uint8_t proto,
             uint16_t iport, uint16_t sport, const char *sext,
             uint32_t lifetime);
void req_peer(struct req *r, const char *client, uint8_t nbyte, uint8_t proto,
              uint16_t iport, uint16_t sport, const char *sext,
              const char *remote, uint16_t rport, uint32_t lifetime);
void req_announce(struct req *r, const char *client);
void req_opt(struct req *r, uint8_t code, const void *data, uint16_t len);
void req_filter(struct req *r, uint8_t plen, const char *addr, uint16_t port);

/* Sends r from src (port 40000, internal interface) at t->now.  Returns the
 * response length; a PCP response is decoded into t->resp (asserted
 * decodable), a NAT-PMP one into t->nresp. */
size_t et_send(struct etest *t, const char *src, const struct req *r);
size_t et_send_raw(struct etest *t, const char *src, const uint8_t *b,
                   size_t len, bool internal);

/* Shorthands on t->resp. */
#define RESULT(t)   ((t)->resp.result)
#define LIFETIME(t) ((t)->resp.lifetime)
#define EXTPORT(t)  ((t)->resp.external_port)

/* Live mappings in the engine. */
uint64_t et_count(struct etest *t);

/* NAT-PMP map request. */
void req_natpmp_map(struct req *r, bool udp, uint16_t iport, uint16_t sport,
                    uint32_t lifetime);

#endif

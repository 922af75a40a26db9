/*
 * Engine test support: the engine on the shared fake data plane
 * (tests/support/fake_dp.h), request builders and a fake clock.  The engine
 * under test is the real one; only the data plane is replaced (the task names
 * the backend as the boundary).
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
#include "fake_dp.h"

struct etest {
	struct fake_dp fb; /* the data plane (tests/support/fake_dp.h) */
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

/* cmocka fixtures.  et_setup puts an engine with the default configuration
 * in *state; et_teardown frees the engine *state holds, also after a failed
 * check.  A test that wants another configuration opens it with et_open,
 * which replaces the engine *state holds (a restart with a new
 * configuration), and is registered with ET_TEST_CFG (no engine made
 * before). */
int et_setup(void **state);
int et_teardown(void **state);
struct etest *et_open(void **state, const struct pctl_engine_config *cfg);
#define ET_TEST(f)     cmocka_unit_test_setup_teardown(f, et_setup, et_teardown)
#define ET_TEST_CFG(f) cmocka_unit_test_teardown(f, et_teardown)

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

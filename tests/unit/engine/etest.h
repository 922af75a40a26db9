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

/* The fields of a MAP or PEER request, by name; a field left out is zero:
 * no suggested external port, the all-zero IPv4 suggested address. */
struct req_fields {
	const char *client; /* client address (text); also its source */
	uint8_t nonce;      /* every byte of the mapping nonce */
	uint8_t protocol;
	uint16_t int_port;
	uint16_t ext_port;    /* suggested external port */
	const char *ext_addr; /* suggested external address; NULL = 0.0.0.0 */
	const char *remote_addr; /* PEER only */
	uint16_t remote_port;    /* PEER only */
	uint32_t lifetime;
};

/* A MAP (PEER) request with the named fields, e.g.
 * req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
 *         .lifetime = 600). */
void req_map_fields(struct req *r, const struct req_fields *f);
void req_peer_fields(struct req *r, const struct req_fields *f);
#define req_map(r, ...)                                                        \
	req_map_fields(r, &(const struct req_fields){__VA_ARGS__})
#define req_peer(r, ...)                                                       \
	req_peer_fields(r, &(const struct req_fields){__VA_ARGS__})
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

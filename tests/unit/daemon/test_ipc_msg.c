/*
 * The privilege-separation messages (daemon/ipc_msg.c): every type survives
 * encode and decode, and every kind of malformed packet is refused with a
 * reason (issue 16: messages are length-checked).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ipc_msg.h"

static uint8_t buf[PCTLD_IPC_BUF_LEN];
static struct pctl_filter filters[PCTLD_JR_MAX_FILTERS];

static struct pctl_dp_mapping sample(void)
{
	static const struct pctl_filter f[2] = {
	    {.prefix_len = 120, .port = 443}, {.prefix_len = 128}};
	static const uint8_t desc[] = "web";
	struct pctl_dp_mapping m = {
	    .id = 0x100000007ull,
	    .protocol = 6,
	    .int_port = 8080,
	    .ext_port = 40000,
	    .port_count = 1,
	    .lifetime = 7200,
	    .n_filters = 2,
	    .filters = f,
	    .kind = 0,
	    .desc = desc,
	    .desc_len = 3,
	    .prefer_failure = true,
	};
	m.int_addr.b[15] = 10;
	m.ext_addr.b[15] = 1;
	m.nonce[0] = 0xaa;
	return m;
}

static int decode(size_t len, enum pctld_ipc_dir dir, struct pctld_ipc_msg *m,
                  const char **why)
{
	return pctld_ipc_decode(buf, len, dir, m, filters, why);
}

static void test_map_round_trip(void **state)
{
	struct pctl_dp_mapping m = sample();
	struct pctld_ipc_msg out;
	const char *why = NULL;
	size_t len = pctld_ipc_encode_map(PCTLD_IPC_CREATE, &m, buf);

	(void)state;
	assert_true(len > PCTLD_IPC_HDR_LEN);
	assert_int_equal(decode(len, PCTLD_IPC_TO_PARENT, &out, &why), 0);
	assert_int_equal(out.type, PCTLD_IPC_CREATE);
	assert_true(out.u.map.id == m.id);
	assert_int_equal(out.u.map.lifetime, 7200);
	assert_int_equal(out.u.map.ext_port, 40000);
	assert_int_equal(out.u.map.n_filters, 2);
	assert_int_equal(out.u.map.filters[0].port, 443);
	assert_int_equal(out.u.map.desc_len, 3);
	assert_memory_equal(out.u.map.desc, "web", 3);
	assert_true(out.u.map.prefer_failure);
	assert_int_equal(out.u.map.nonce[0], 0xaa);
	/* A static mapping's lifetime, the largest, travels too. */
	m.lifetime = PCTL_LIFETIME_STATIC;
	len = pctld_ipc_encode_map(PCTLD_IPC_REFRESH, &m, buf);
	assert_int_equal(decode(len, PCTLD_IPC_TO_PARENT, &out, &why), 0);
	assert_true(out.u.map.lifetime == PCTL_LIFETIME_STATIC);
	/* Issue 11: a UPnP mapping, with a pinhole's UniqueID in
	 * client_port, reaches the parent (and the journal) as UPnP's. */
	m.lifetime = 600;
	m.kind = PCTL_MK_UPNP;
	m.client_port = 7;
	len = pctld_ipc_encode_map(PCTLD_IPC_CREATE, &m, buf);
	assert_int_equal(decode(len, PCTLD_IPC_TO_PARENT, &out, &why), 0);
	assert_int_equal(out.u.map.kind, PCTL_MK_UPNP);
	assert_int_equal(out.u.map.client_port, 7);
}

static void test_small_messages_round_trip(void **state)
{
	struct pctl_dp_flow f = {.ext_port = 5000, .timeout_left = 33};
	struct pctld_ipc_bind pairs[2] = {{1, 2}, {3, 4}};
	pctl_addr a = {{0}}, r = {{0}};
	struct pctld_ipc_msg out;
	const char *why;
	size_t len;

	(void)state;
	len = pctld_ipc_encode_u32(PCTLD_IPC_RESULT, 17, buf);
	assert_int_equal(decode(len, PCTLD_IPC_TO_NETWORK, &out, &why), 0);
	assert_int_equal(out.u.err, 17);
	len = pctld_ipc_encode_flow(0, &f, buf);
	assert_int_equal(decode(len, PCTLD_IPC_TO_NETWORK, &out, &why), 0);
	assert_int_equal(out.flow.ext_port, 5000);
	assert_int_equal(out.flow.timeout_left, 33);
	len = pctld_ipc_encode_idle(2, 9, buf);
	assert_int_equal(decode(len, PCTLD_IPC_TO_NETWORK, &out, &why), 0);
	assert_int_equal(out.u.err, 2);
	assert_int_equal(out.seconds, 9);
	r.b[0] = 0x20;
	len = pctld_ipc_encode_flowreq(17, &a, 1, &r, 2, buf);
	assert_int_equal(decode(len, PCTLD_IPC_TO_PARENT, &out, &why), 0);
	assert_int_equal(out.u.flowreq.protocol, 17);
	assert_int_equal(out.u.flowreq.remote_port, 2);
	assert_int_equal(out.u.flowreq.remote_addr.b[0], 0x20);
	len = pctld_ipc_encode_bind(pairs, 2, buf);
	assert_int_equal(decode(len, PCTLD_IPC_TO_PARENT, &out, &why), 0);
	assert_int_equal(out.u.bind.n, 2);
	assert_true(pctld_ipc_bind_at(&out, 1).parent_id == 3);
	assert_true(pctld_ipc_bind_at(&out, 1).net_id == 4);
	len = pctld_ipc_encode_empty(PCTLD_IPC_STOP, buf);
	assert_int_equal(decode(len, PCTLD_IPC_TO_NETWORK, &out, &why), 0);
	assert_int_equal(out.type, PCTLD_IPC_STOP);
}

static void expect_refused(size_t len, enum pctld_ipc_dir dir,
                           const char *reason)
{
	struct pctld_ipc_msg out;
	const char *why = NULL;

	assert_int_equal(decode(len, dir, &out, &why), -1);
	assert_non_null(why);
	assert_non_null(strstr(why, reason));
}

static void test_malformed_refused(void **state)
{
	struct pctl_dp_mapping m = sample();
	size_t len;

	(void)state;
	expect_refused(3, PCTLD_IPC_TO_PARENT, "shorter than its header");
	len = pctld_ipc_encode_empty(PCTLD_IPC_COMMIT, buf);
	buf[1] = 1;
	expect_refused(len, PCTLD_IPC_TO_PARENT, "reserved");
	len = pctld_ipc_encode_empty(PCTLD_IPC_COMMIT, buf);
	expect_refused(len + 1, PCTLD_IPC_TO_PARENT, "length field");
	/* A parent's message from the network process, and the reverse. */
	expect_refused(len, PCTLD_IPC_TO_NETWORK, "direction");
	len = pctld_ipc_encode_empty(PCTLD_IPC_STOP, buf);
	expect_refused(len, PCTLD_IPC_TO_PARENT, "direction");
	/* A fixed-size type with another length. */
	len = pctld_ipc_encode_u32(PCTLD_IPC_COMMIT, 0, buf);
	expect_refused(len, PCTLD_IPC_TO_PARENT, "wrong length");
	len = pctld_ipc_encode_u32(PCTLD_IPC_RESULT, 4096, buf);
	expect_refused(len, PCTLD_IPC_TO_NETWORK, "errno");
	/* BIND: a partial pair. */
	len = pctld_ipc_encode_u32(PCTLD_IPC_BIND, 0, buf);
	expect_refused(len, PCTLD_IPC_TO_PARENT, "BIND");
	/* A mapping whose counts do not match its length. */
	len = pctld_ipc_encode_map(PCTLD_IPC_CREATE, &m, buf);
	buf[4 + 3]--; /* length field */
	expect_refused(len - 1, PCTLD_IPC_TO_PARENT, "UPSERT");
	/* A lifetime beyond 32 bits. */
	len = pctld_ipc_encode_map(PCTLD_IPC_CREATE, &m, buf);
	buf[PCTLD_IPC_HDR_LEN + 8 + 3] = 1;
	expect_refused(len, PCTLD_IPC_TO_PARENT, "lifetime");
	/* An unknown type. */
	len = pctld_ipc_encode_empty(99, buf);
	expect_refused(len, PCTLD_IPC_TO_PARENT, "type");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_map_round_trip),
	    cmocka_unit_test(test_small_messages_round_trip),
	    cmocka_unit_test(test_malformed_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * fuzz_ipc_decode - the privileged parent's decoder of the network
 * process's messages (daemon/ipc_msg.c, privilege separation): the input is
 * one packet as the parent would receive it, and also as the network
 * process would (the other direction).
 *
 * Invariants: a packet the decoder accepts is exactly what the encoder of
 * its type writes for the decoded value (nothing is skipped or guessed), and
 * a refused one comes with a reason.
 */
#include <stdint.h>
#include <string.h>

#include "../daemon/ipc_msg.h"
#include "fuzz_check.h"

static uint8_t again[PCTLD_IPC_BUF_LEN];
static struct pctl_filter filters[PCTLD_JR_MAX_FILTERS];

/* The encoding of m, or 0 for a type with nothing to compare. */
static size_t reencode(const struct pctld_ipc_msg *m, size_t len)
{
	switch (m->type) {
	case PCTLD_IPC_CREATE:
	case PCTLD_IPC_REFRESH:
	case PCTLD_IPC_REMOVE:
	case PCTLD_IPC_IDLE_LEFT:
		return pctld_ipc_encode_map(m->type, &m->u.map, again);
	case PCTLD_IPC_LOOKUP_FLOW:
		return pctld_ipc_encode_flowreq(
		    m->u.flowreq.protocol, &m->u.flowreq.int_addr,
		    m->u.flowreq.int_port, &m->u.flowreq.remote_addr,
		    m->u.flowreq.remote_port, again);
	case PCTLD_IPC_BIND: {
		struct pctld_ipc_bind pairs[PCTLD_IPC_MAX_BINDS];
		for (size_t i = 0; i < m->u.bind.n; i++)
			pairs[i] = pctld_ipc_bind_at(m, i);
		return pctld_ipc_encode_bind(pairs, m->u.bind.n, again);
	}
	case PCTLD_IPC_EPOCH:
		return pctld_ipc_encode_u32(m->type, m->u.epoch, again);
	case PCTLD_IPC_RESULT:
		return pctld_ipc_encode_u32(m->type, (uint32_t)m->u.err, again);
	case PCTLD_IPC_FLOW:
		return pctld_ipc_encode_flow(m->u.err, &m->flow, again);
	case PCTLD_IPC_IDLE:
		return pctld_ipc_encode_idle(m->u.err, m->seconds, again);
	case PCTLD_IPC_CONFIG:
		return 0; /* raw struct: nothing decoded */
	default:
		CHECK(len == PCTLD_IPC_HDR_LEN);
		return pctld_ipc_encode_empty(m->type, again);
	}
}

static void one(const uint8_t *data, size_t size, enum pctld_ipc_dir dir)
{
	struct pctld_ipc_msg m;
	const char *why = NULL;
	size_t n;

	if (pctld_ipc_decode(data, size, dir, &m, filters, &why)) {
		CHECK(why != NULL);
		return;
	}
	n = reencode(&m, size);
	if (n)
		CHECK(n == size && !memcmp(again, data, size));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size, PCTLD_IPC_TO_PARENT);
	one(data, size, PCTLD_IPC_TO_NETWORK);
	return 0;
}

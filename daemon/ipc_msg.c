/*
 * The privilege-separation message codec (ipc_msg.h).  Pure functions over
 * byte buffers, fuzzed by fuzz/fuzz_ipc_decode.c.
 */
#include "ipc_msg.h"

#include <string.h>

#include "../lib/wire/bytes.h"

static size_t seal(uint8_t type, size_t plen, uint8_t *out)
{
	out[0] = type;
	out[1] = 0;
	pctl_put16(out + 2, 0);
	pctl_put32(out + 4, (uint32_t)plen);
	return PCTLD_IPC_HDR_LEN + plen;
}

size_t pctld_ipc_encode_map(uint8_t type, const struct pctl_dp_mapping *m,
                            uint8_t *out)
{
	/* The journal's encoder writes its own 12-octet record header before
	 * the payload; ours is 8 octets, so the payload is moved back. */
	size_t n = pctld_jr_encode_upsert(m, (int64_t)m->lifetime, out,
	                                  PCTLD_IPC_BUF_LEN);

	if (!n)
		return 0;
	memmove(out + PCTLD_IPC_HDR_LEN, out + PCTLD_JR_HDR_LEN,
	        n - PCTLD_JR_HDR_LEN);
	return seal(type, n - PCTLD_JR_HDR_LEN, out);
}

size_t pctld_ipc_encode_empty(uint8_t type, uint8_t *out)
{
	return seal(type, 0, out);
}

size_t pctld_ipc_encode_u32(uint8_t type, uint32_t v, uint8_t *out)
{
	pctl_put32(out + PCTLD_IPC_HDR_LEN, v);
	return seal(type, 4, out);
}

size_t pctld_ipc_encode_flowreq(uint8_t protocol, const pctl_addr *int_addr,
                                uint16_t int_port, const pctl_addr *remote,
                                uint16_t remote_port, uint8_t *out)
{
	uint8_t *p = out + PCTLD_IPC_HDR_LEN;

	p[0] = protocol;
	p[1] = 0;
	memcpy(p + 2, int_addr->b, 16);
	pctl_put16(p + 18, int_port);
	memcpy(p + 20, remote->b, 16);
	pctl_put16(p + 36, remote_port);
	return seal(PCTLD_IPC_LOOKUP_FLOW, PCTLD_IPC_FLOWREQ_LEN, out);
}

size_t pctld_ipc_encode_flow(int err, const struct pctl_dp_flow *f,
                             uint8_t *out)
{
	uint8_t *p = out + PCTLD_IPC_HDR_LEN;

	pctl_put32(p, (uint32_t)err);
	memcpy(p + 4, f->ext_addr.b, 16);
	pctl_put16(p + 20, f->ext_port);
	pctl_put32(p + 22, f->timeout_left);
	return seal(PCTLD_IPC_FLOW, PCTLD_IPC_FLOW_LEN, out);
}

size_t pctld_ipc_encode_idle(int err, uint32_t seconds, uint8_t *out)
{
	pctl_put32(out + PCTLD_IPC_HDR_LEN, (uint32_t)err);
	pctl_put32(out + PCTLD_IPC_HDR_LEN + 4, seconds);
	return seal(PCTLD_IPC_IDLE, PCTLD_IPC_IDLE_LEN, out);
}

static void put64(uint8_t *p, uint64_t v)
{
	pctl_put32(p, (uint32_t)(v >> 32));
	pctl_put32(p + 4, (uint32_t)v);
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)pctl_get32(p) << 32 | pctl_get32(p + 4);
}

size_t pctld_ipc_encode_bind(const struct pctld_ipc_bind *pairs, size_t n,
                             uint8_t *out)
{
	uint8_t *p = out + PCTLD_IPC_HDR_LEN;

	if (n == 0 || n > PCTLD_IPC_MAX_BINDS)
		return 0;
	for (size_t i = 0; i < n; i++, p += PCTLD_IPC_BIND_LEN) {
		put64(p, pairs[i].parent_id);
		put64(p + 8, pairs[i].net_id);
	}
	return seal(PCTLD_IPC_BIND, n * PCTLD_IPC_BIND_LEN, out);
}

size_t pctld_ipc_encode_config(const struct pctld_config *cfg, uint8_t *out)
{
	memcpy(out + PCTLD_IPC_HDR_LEN, cfg, sizeof(*cfg));
	return seal(PCTLD_IPC_CONFIG, sizeof(*cfg), out);
}

struct pctld_ipc_bind pctld_ipc_bind_at(const struct pctld_ipc_msg *m, size_t i)
{
	const uint8_t *p = m->u.bind.pairs + i * PCTLD_IPC_BIND_LEN;

	return (struct pctld_ipc_bind){get64(p), get64(p + 8)};
}

void pctld_ipc_dp_of(const struct pctld_jr_mapping *jm, uint32_t lifetime,
                     struct pctl_dp_mapping *out)
{
	const struct pctl_mapping_info *i = &jm->info;

	memset(out, 0, sizeof(*out));
	out->id = i->id;
	out->protocol = i->protocol;
	out->int_addr = i->int_addr;
	out->int_port = i->int_port;
	out->ext_addr = i->ext_addr;
	out->ext_port = i->ext_port;
	out->port_count = i->port_count;
	out->lifetime = lifetime;
	out->outbound = jm->outbound;
	out->remote_addr = i->remote_addr;
	out->remote_port = i->remote_port;
	out->n_filters = i->n_filters;
	out->filters = i->filters;
	out->kind = (uint8_t)i->kind;
	memcpy(out->nonce, i->nonce, PCTL_NONCE_LEN);
	out->parity = i->parity;
	out->third_party = i->third_party;
	out->prefer_failure = i->prefer_failure;
	out->desc = i->desc;
	out->desc_len = i->desc_len;
	out->tpid = i->tpid;
	out->tpid_len = i->tpid_len;
	out->client_addr = i->client_addr;
	out->client_port = i->client_port;
	out->server_addr = i->server_addr;
	out->nonce_unknown = i->nonce_unknown;
}

static bool to_parent(uint8_t type)
{
	return type >= PCTLD_IPC_CREATE && type <= PCTLD_IPC_RELOADED;
}

static bool to_network(uint8_t type)
{
	return type >= PCTLD_IPC_RESULT && type <= PCTLD_IPC_CONFIG;
}

/* An errno travels as a positive number below 4096 (the kernel's range). */
static int get_err(const uint8_t *p, const char **why)
{
	uint32_t e = pctl_get32(p);

	if (e >= 4096) {
		*why = "errno out of range";
		return -1;
	}
	return (int)e;
}

static int decode_map(const uint8_t *p, size_t plen, struct pctld_ipc_msg *out,
                      struct pctl_filter *filters, const char **why)
{
	struct pctld_jr_mapping jm;

	if (pctld_jr_decode_upsert(p, plen, &jm, filters, why))
		return -1;
	if (jm.expiry < 0 || jm.expiry > (int64_t)PCTLD_IPC_MAX_LIFETIME) {
		*why = "lifetime out of range";
		return -1;
	}
	pctld_ipc_dp_of(&jm, (uint32_t)jm.expiry, &out->u.map);
	return 0;
}

/* The payload lengths of the fixed-size types; SIZE_MAX: variable. */
static size_t fixed_len(uint8_t type)
{
	switch (type) {
	case PCTLD_IPC_COMMIT:
	case PCTLD_IPC_ABORT:
	case PCTLD_IPC_READY:
	case PCTLD_IPC_RELOADED:
	case PCTLD_IPC_STOP:
		return 0;
	case PCTLD_IPC_LOOKUP_FLOW:
		return PCTLD_IPC_FLOWREQ_LEN;
	case PCTLD_IPC_EPOCH:
	case PCTLD_IPC_RESULT:
		return 4;
	case PCTLD_IPC_FLOW:
		return PCTLD_IPC_FLOW_LEN;
	case PCTLD_IPC_IDLE:
		return PCTLD_IPC_IDLE_LEN;
	case PCTLD_IPC_CONFIG:
		return sizeof(struct pctld_config);
	default:
		return SIZE_MAX;
	}
}

static int decode_payload(uint8_t type, const uint8_t *p, size_t plen,
                          struct pctld_ipc_msg *out,
                          struct pctl_filter *filters, const char **why)
{
	int e;

	switch (type) {
	case PCTLD_IPC_CREATE:
	case PCTLD_IPC_REFRESH:
	case PCTLD_IPC_REMOVE:
	case PCTLD_IPC_IDLE_LEFT:
		return decode_map(p, plen, out, filters, why);
	case PCTLD_IPC_LOOKUP_FLOW:
		if (p[1]) {
			*why = "reserved octet set";
			return -1;
		}
		out->u.flowreq.protocol = p[0];
		memcpy(out->u.flowreq.int_addr.b, p + 2, 16);
		out->u.flowreq.int_port = pctl_get16(p + 18);
		memcpy(out->u.flowreq.remote_addr.b, p + 20, 16);
		out->u.flowreq.remote_port = pctl_get16(p + 36);
		return 0;
	case PCTLD_IPC_BIND:
		if (plen == 0 || plen % PCTLD_IPC_BIND_LEN ||
		    plen / PCTLD_IPC_BIND_LEN > PCTLD_IPC_MAX_BINDS) {
			*why = "BIND of wrong length";
			return -1;
		}
		out->u.bind.n = plen / PCTLD_IPC_BIND_LEN;
		out->u.bind.pairs = p;
		return 0;
	case PCTLD_IPC_EPOCH:
		out->u.epoch = pctl_get32(p);
		return 0;
	case PCTLD_IPC_RESULT:
	case PCTLD_IPC_FLOW:
	case PCTLD_IPC_IDLE:
		e = get_err(p, why);
		if (e < 0)
			return -1;
		out->u.err = e;
		if (type == PCTLD_IPC_FLOW) {
			memcpy(out->flow.ext_addr.b, p + 4, 16);
			out->flow.ext_port = pctl_get16(p + 20);
			out->flow.timeout_left = pctl_get32(p + 22);
		} else if (type == PCTLD_IPC_IDLE) {
			out->seconds = pctl_get32(p + 4);
		}
		return 0;
	case PCTLD_IPC_CONFIG:
		out->u.config = (const struct pctld_config *)(const void *)p;
		return 0;
	default: /* COMMIT, ABORT, READY, STOP: no payload */
		return 0;
	}
}

int pctld_ipc_decode(const uint8_t *buf, size_t len, enum pctld_ipc_dir dir,
                     struct pctld_ipc_msg *out, struct pctl_filter *filters,
                     const char **why)
{
	size_t plen, want;
	uint8_t type;

	memset(out, 0, sizeof(*out));
	if (len < PCTLD_IPC_HDR_LEN) {
		*why = "message shorter than its header";
		return -1;
	}
	type = buf[0];
	if (buf[1] || pctl_get16(buf + 2)) {
		*why = "reserved header bits set";
		return -1;
	}
	plen = pctl_get32(buf + 4);
	if (plen != len - PCTLD_IPC_HDR_LEN || plen > PCTLD_IPC_MAX_PAYLOAD) {
		*why = "length field does not match the message";
		return -1;
	}
	if (dir == PCTLD_IPC_TO_PARENT ? !to_parent(type) : !to_network(type)) {
		*why = "message type not expected in this direction";
		return -1;
	}
	want = fixed_len(type);
	if (want != SIZE_MAX && plen != want) {
		*why = "payload of wrong length for its type";
		return -1;
	}
	out->type = type;
	return decode_payload(type, buf + PCTLD_IPC_HDR_LEN, plen, out, filters,
	                      why);
}

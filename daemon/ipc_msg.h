/*
 * The messages between portctld's two processes (privilege separation,
 * docs/design.md): the privileged parent, which owns the data plane and the
 * journal, and the network process, which runs the engine and every parser
 * of untrusted input.  They travel over one AF_UNIX SOCK_SEQPACKET pair, one
 * message per packet, so a message never arrives in parts.
 *
 * Every message is an 8-octet header and a payload, numbers big endian:
 *     0  type (8, enum pctld_ipc_type)
 *     1  reserved (8, 0)
 *     2  reserved (16, 0)
 *     4  payload length (32): the packet's length minus 8, exactly
 *
 * Payloads:
 *   CREATE, REFRESH, REMOVE, IDLE_LEFT (network -> parent): one
 *     struct pctl_dp_mapping as the journal's UPSERT payload
 *     (journal_record.h), whose expiry field carries the mapping's
 *     lifetime in seconds (0 .. 2^32-1).  The id is the network process's.
 *   COMMIT, ABORT, READY, STOP: none.
 *   LOOKUP_FLOW: protocol (8), reserved (8), internal address (128) and
 *     port (16), remote address (128) and port (16): 38 octets.
 *   BIND: 1..PCTLD_IPC_MAX_BINDS pairs of the parent's id (64) and the
 *     network process's id (64) of a mapping it restored.
 *   EPOCH: the network process's engine epoch (32), sent when it restarted.
 *   RESULT (parent -> network, the answer to COMMIT and ABORT): an errno
 *     value (32, 0 .. 4095): the operation returned its negative.
 *   FLOW: errno (32), external address (128) and port (16), seconds left
 *     (32): 26 octets.
 *   IDLE: errno (32), seconds (32).
 *   CONFIG (parent -> network, SIGHUP): a struct pctld_config, which is plain
 *     data (config.h); both processes are the same program.
 *
 * The decoder checks the header, the direction (a type the receiver may be
 * sent), and each payload's exact length and content; anything else is
 * malformed, and a malformed message ends the process that sent it (the
 * parent kills the network process; the network process exits), as in
 * OpenBSD's rad.
 */
#ifndef PORTCTLD_IPC_MSG_H
#define PORTCTLD_IPC_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../server/backend.h"
#include "config.h"
#include "journal_record.h"

#define PCTLD_IPC_HDR_LEN       8
#define PCTLD_IPC_FLOWREQ_LEN   38
#define PCTLD_IPC_FLOW_LEN      26
#define PCTLD_IPC_IDLE_LEN      8
#define PCTLD_IPC_MAX_BINDS     256
#define PCTLD_IPC_BIND_LEN      16
#define PCTLD_IPC_MAX_PAYLOAD_A PCTLD_JR_MAX_PAYLOAD
#define PCTLD_IPC_MAX_PAYLOAD_B sizeof(struct pctld_config)
#define PCTLD_IPC_MAX_PAYLOAD                                                  \
	(PCTLD_IPC_MAX_PAYLOAD_A > PCTLD_IPC_MAX_PAYLOAD_B                     \
	     ? PCTLD_IPC_MAX_PAYLOAD_A                                         \
	     : PCTLD_IPC_MAX_PAYLOAD_B)
#define PCTLD_IPC_MAX_MSG (PCTLD_IPC_HDR_LEN + PCTLD_IPC_MAX_PAYLOAD)
/* What an encoder writes into: the journal's encoder needs room for its own
 * (longer) record header. */
#define PCTLD_IPC_BUF_LEN (PCTLD_IPC_MAX_MSG + PCTLD_JR_HDR_LEN)
/* Lifetimes travel in the UPSERT's 64-bit expiry field. */
#define PCTLD_IPC_MAX_LIFETIME UINT32_MAX

enum pctld_ipc_type {
	/* network process -> parent */
	PCTLD_IPC_CREATE = 1,
	PCTLD_IPC_REFRESH = 2,
	PCTLD_IPC_REMOVE = 3,
	PCTLD_IPC_COMMIT = 4,
	PCTLD_IPC_ABORT = 5,
	PCTLD_IPC_LOOKUP_FLOW = 6,
	PCTLD_IPC_IDLE_LEFT = 7,
	PCTLD_IPC_BIND = 8,
	PCTLD_IPC_READY = 9,
	PCTLD_IPC_EPOCH = 10,
	PCTLD_IPC_RELOADED = 11, /* a CONFIG is applied (the service manager
	                            waits for it: notify.h) */
	/* parent -> network process */
	PCTLD_IPC_RESULT = 32,
	PCTLD_IPC_FLOW = 33,
	PCTLD_IPC_IDLE = 34,
	PCTLD_IPC_STOP = 35,
	PCTLD_IPC_CONFIG = 36,
};

/* Who decodes: the parent accepts the network process's types, and the
 * reverse. */
enum pctld_ipc_dir {
	PCTLD_IPC_TO_PARENT,
	PCTLD_IPC_TO_NETWORK,
};

struct pctld_ipc_bind {
	uint64_t parent_id, net_id;
};

/* One decoded message.  Pointers point into the packet and into the filter
 * array given to the decoder. */
struct pctld_ipc_msg {
	uint8_t type;
	union {
		struct pctl_dp_mapping map; /* CREATE .. REMOVE, IDLE_LEFT */
		struct {
			uint8_t protocol;
			pctl_addr int_addr, remote_addr;
			uint16_t int_port, remote_port;
		} flowreq;
		struct {
			size_t n;
			const uint8_t *pairs; /* read with pctld_ipc_bind_at */
		} bind;
		uint32_t epoch;
		int err; /* RESULT, FLOW, IDLE: 0 or a positive errno */
		const struct pctld_config *config; /* unaligned: copy it */
	} u;
	struct pctl_dp_flow flow; /* FLOW */
	uint32_t seconds;         /* IDLE */
};

/* Decodes one packet received in direction dir.  filters must hold
 * PCTLD_JR_MAX_FILTERS.  0, or -1 with *why set to a static reason. */
int pctld_ipc_decode(const uint8_t *buf, size_t len, enum pctld_ipc_dir dir,
                     struct pctld_ipc_msg *out, struct pctl_filter *filters,
                     const char **why);

/* The i-th pair of a decoded BIND. */
struct pctld_ipc_bind pctld_ipc_bind_at(const struct pctld_ipc_msg *m,
                                        size_t i);

/* Encoders: each writes a whole packet to out (PCTLD_IPC_BUF_LEN octets)
 * and returns its length, or 0 when the mapping does not fit the format. */
size_t pctld_ipc_encode_map(uint8_t type, const struct pctl_dp_mapping *m,
                            uint8_t *out);
size_t pctld_ipc_encode_empty(uint8_t type, uint8_t *out);
size_t pctld_ipc_encode_u32(uint8_t type, uint32_t v, uint8_t *out);
size_t pctld_ipc_encode_flowreq(uint8_t protocol, const pctl_addr *int_addr,
                                uint16_t int_port, const pctl_addr *remote,
                                uint16_t remote_port, uint8_t *out);
size_t pctld_ipc_encode_flow(int err, const struct pctl_dp_flow *f,
                             uint8_t *out);
size_t pctld_ipc_encode_idle(int err, uint32_t seconds, uint8_t *out);
size_t pctld_ipc_encode_bind(const struct pctld_ipc_bind *pairs, size_t n,
                             uint8_t *out);
size_t pctld_ipc_encode_config(const struct pctld_config *cfg, uint8_t *out);

/* A journal UPSERT payload decoded (pctld_jr_decode_upsert) back into the
 * mapping the data plane is given, lifetime taken from `lifetime`. */
void pctld_ipc_dp_of(const struct pctld_jr_mapping *jm, uint32_t lifetime,
                     struct pctl_dp_mapping *out);

#endif

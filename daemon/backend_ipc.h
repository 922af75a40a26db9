/*
 * The network process's backend (privilege separation, ipc_msg.h): every
 * operation of server/backend.h becomes a message to the privileged parent,
 * which applies it to the real data plane and the journal.  create,
 * refresh and remove are queued here and sent with the commit (or before a
 * query), all in one sendmmsg(2), and are not answered (the parent queues
 * them as the real backend would); commit, lookup_flow and idle_left wait
 * for the parent's answer, and so does abort when part of the batch had
 * already been sent.  reconcile, dump and the repair events are the
 * parent's alone and are not offered.
 *
 * While waiting for an answer the parent may have sent something else
 * first (STOP at SIGTERM, CONFIG at SIGHUP): it is kept in the channel for
 * the event loop, which looks at it after each wake-up.
 */
#ifndef PORTCTLD_BACKEND_IPC_H
#define PORTCTLD_BACKEND_IPC_H

/* Operations held back until the commit: at most this many, and this many
 * octets (a longer batch is sent in parts). */
#define PCTLD_IPC_OUT_MAX 64
#define PCTLD_IPC_OUT_LEN (64 * 1024)

#include <stdbool.h>
#include <stddef.h>

#include "../server/backend.h"
#include "config.h"
#include "ipc_msg.h"

struct pctld_ipc_chan {
	int fd;
	struct pctl_backend_ops ops; /* what the parent's data plane offers */
	bool stop;                   /* STOP received */
	struct pctld_config *config; /* CONFIG received, not yet applied */
	int config_fd; /* the audit file that came with it, or -1 */
	int rx_fd;     /* the descriptor of the message just received */
	/* While the engine restores what the parent handed over, create and
	 * commit are already true in the data plane: nothing is sent. */
	bool quiet;
	/* The batch held back (send_map), and whether part of the batch
	 * already went to the parent. */
	uint8_t out[PCTLD_IPC_OUT_LEN];
	size_t out_off[PCTLD_IPC_OUT_MAX];
	size_t n_out, out_len;
	bool sent_any;
	uint8_t buf[PCTLD_IPC_BUF_LEN];
	struct pctl_filter filters[PCTLD_JR_MAX_FILTERS];
};

/* A backend speaking on fd (the network process's end of the pair);
 * lookup_flow and idle_left are offered when the parent's data plane has
 * them.  *chan is owned by the backend (destroy frees it and closes fd).
 * 0 or -ENOMEM. */
int pctld_ipc_backend_open(int fd, bool have_lookup_flow, bool have_idle_left,
                           struct pctl_backend *out,
                           struct pctld_ipc_chan **chan);

/* Sends one encoded message.  0, or -errno. */
int pctld_ipc_send(struct pctld_ipc_chan *c, const uint8_t *msg, size_t len);

/* Reads what the parent sent without waiting, into c->stop and c->config.
 * 0, or -1 when the parent is gone.  A malformed message ends the process
 * (exit status 3). */
int pctld_ipc_poll(struct pctld_ipc_chan *c);

#endif

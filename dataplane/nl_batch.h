/*
 * Netlink batch plumbing for the nftables backend.
 *
 * nf_tables applies a batch (BATCH_BEGIN, messages..., BATCH_END) as one
 * transaction: either every message takes effect or none does.  That is what
 * makes pctl_backend_ops.commit() all-or-nothing.  The buffer grows as
 * needed, so one commit may carry any number of element messages.
 */
#ifndef PORTCTL_DATAPLANE_NL_BATCH_H
#define PORTCTL_DATAPLANE_NL_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

struct dp_batch {
	char *buf;
	size_t len, cap;
	uint32_t seq;       /* next sequence number */
	uint32_t begin_seq; /* of the BATCH_BEGIN message */
	size_t last;        /* offset of the last message added */
	size_t n_msgs;      /* messages between begin and end */
};

/* An nfnetlink socket with buffers large enough for big batches.  NULL and
 * errno set on failure. */
struct mnl_socket *dp_nl_open(void);

int dp_batch_init(struct dp_batch *b);
void dp_batch_free(struct dp_batch *b);
/* Start a new batch (drops any message not yet sent).  0 or -ENOMEM. */
int dp_batch_reset(struct dp_batch *b);
/* A new nftables message header with room for at least `room` octets of
 * payload; finish it with dp_batch_add().  NULL on -ENOMEM. */
struct nlmsghdr *dp_batch_msg(struct dp_batch *b, uint16_t type,
                              uint16_t family, uint16_t flags, size_t room);
/* Account for the message just built by dp_batch_msg(). */
void dp_batch_add(struct dp_batch *b, struct nlmsghdr *nlh);
/* A point to roll back to: everything queued after it is dropped. */
struct dp_batch_mark {
	size_t len, last, n_msgs;
};
void dp_batch_mark(const struct dp_batch *b, struct dp_batch_mark *m);
void dp_batch_rollback(struct dp_batch *b, const struct dp_batch_mark *m);
/* Close the batch, send it and wait for the kernel's verdict.  0, or the
 * -errno of the first message the kernel refused (then nothing applied).
 * An empty batch is not sent. */
int dp_batch_send(struct mnl_socket *nl, struct dp_batch *b);

/* Run a dump request (NLM_F_DUMP) and call cb for every reply message. */
int dp_nl_dump(struct mnl_socket *nl, struct nlmsghdr *req, mnl_cb_t cb,
               void *data);

#endif

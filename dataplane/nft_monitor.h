/*
 * Watching the backend's table for changes made by others: an operator's
 * `nft flush ruleset`, `nft delete table`, a firewall manager's reload.
 * nf_tables announces every committed change on the netlink multicast group
 * NFNLGRP_NFTABLES; this socket listens to it (no polling), and reports
 * deletions in our table that another process made.  Our own changes are
 * told apart by the port id of the socket that sent them; changes with port
 * id 0 (the kernel's own, such as expiring elements) are not reported.
 */
#ifndef PORTCTL_DATAPLANE_NFT_MONITOR_H
#define PORTCTL_DATAPLANE_NFT_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dp_monitor;

/* What a drain of the notifications found. */
struct dp_monitor_seen {
	bool lost;        /* something of ours was deleted or flushed */
	bool overrun;     /* notifications were lost: assume the worst */
	const char *what; /* "table", "chain", "rules", "set", "elements" */
	uint32_t pid;     /* the process that did it (0: unknown) */
	char comm[32];    /* its name ("" when unknown) */
};

/* Listen for changes of table `table` (family inet); own_portid is the
 * port id of the socket our own changes are sent from.  NULL and errno set
 * on failure. */
struct dp_monitor *dp_monitor_open(const char *table, uint32_t own_portid);
void dp_monitor_close(struct dp_monitor *m);
/* Readable when notifications are waiting. */
int dp_monitor_fd(const struct dp_monitor *m);
/* Read every waiting notification (never blocks); changes sent by the
 * socket of port id own_portid are ours and ignored.  0 or -errno. */
int dp_monitor_drain(struct dp_monitor *m, uint32_t own_portid,
                     struct dp_monitor_seen *seen);

#endif

/*
 * Connections of the control socket (control.h), served inside the event
 * loop a bounded piece at a time (issue 15 item 13: `admin list` of 200k
 * mappings used to hold PCP up for 110 ms):
 *  - every descriptor is non-blocking and in the loop's epoll set;
 *  - a request line is read as it arrives (a client that has not sent one
 *    within a second is dropped);
 *  - a list is written one page of PCTLD_CTL_PAGE mappings per loop
 *    iteration, when the socket can take more, so a PCP request waits at
 *    most one page's formatting behind it;
 *  - a client that takes nothing for five seconds is dropped.
 * At most PCTLD_CTL_CONNS connections at once; more are closed at accept.
 */
#ifndef PORTCTLD_CONTROL_CONN_H
#define PORTCTLD_CONTROL_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control.h"

#define PCTLD_CTL_CONNS 8
#define PCTLD_CTL_PAGE  256 /* mappings formatted per loop iteration */
/* epoll tags of the connections: PCTLD_CTL_TAG + slot */
#define PCTLD_CTL_TAG 0xffffff00u

struct pctl_engine;

struct pctld_ctl_conn {
	int fd; /* -1: free slot */
	uint64_t deadline_ms;
	char in[256];
	size_t in_len;
	bool writing; /* the request is read; the answer is going out */
	bool listing; /* more pages of `list` to come */
	char *out;    /* bytes not yet written (out_off..out_len) */
	size_t out_len, out_off;
	struct pctld_list list;
};

struct pctld_ctl {
	int listen_fd;
	int ep; /* the loop's epoll set */
	struct pctld_ctl_conn c[PCTLD_CTL_CONNS];
};

void pctld_ctl_init(struct pctld_ctl *ctl, int listen_fd, int ep);
/* Closes every connection (the listening socket stays). */
void pctld_ctl_fini(struct pctld_ctl *ctl);
/* The listening socket is readable. */
void pctld_ctl_accept(struct pctld_ctl *ctl, uint64_t now_ms);
/* Is tag one of the connections' epoll tags? */
bool pctld_ctl_is_conn(uint32_t tag);
/* The connection of tag is ready: one bounded step (read, or one page
 * and a write). */
void pctld_ctl_serve(struct pctld_ctl *ctl, uint32_t tag, struct pctl_engine *e,
                     uint64_t now_ms);
/* Drops the connections whose deadline passed; returns the earliest
 * deadline left (UINT64_MAX: none). */
uint64_t pctld_ctl_expire(struct pctld_ctl *ctl, uint64_t now_ms);

#endif

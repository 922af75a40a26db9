/*
 * Control connections, served in bounded steps: see control_conn.h.
 */
#include "control_conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_MS  1000 /* a request line must come within this */
#define WRITE_MS 5000 /* a client must take some of the answer within this */

void pctld_ctl_init(struct pctld_ctl *ctl, int listen_fd, int ep)
{
	memset(ctl, 0, sizeof(*ctl));
	ctl->listen_fd = listen_fd;
	ctl->ep = ep;
	for (size_t i = 0; i < PCTLD_CTL_CONNS; i++)
		ctl->c[i].fd = -1;
}

static void drop(struct pctld_ctl_conn *c)
{
	if (c->fd >= 0)
		close(c->fd); /* also leaves the epoll set */
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

void pctld_ctl_fini(struct pctld_ctl *ctl)
{
	for (size_t i = 0; i < PCTLD_CTL_CONNS; i++)
		drop(&ctl->c[i]);
}

bool pctld_ctl_is_conn(uint32_t tag)
{
	return tag >= PCTLD_CTL_TAG && tag < PCTLD_CTL_TAG + PCTLD_CTL_CONNS;
}

void pctld_ctl_accept(struct pctld_ctl *ctl, uint64_t now_ms)
{
	for (;;) {
		int fd = accept4(ctl->listen_fd, NULL, NULL,
		                 SOCK_CLOEXEC | SOCK_NONBLOCK);
		size_t i;

		if (fd < 0)
			return;
		for (i = 0; i < PCTLD_CTL_CONNS && ctl->c[i].fd >= 0; i++)
			;
		struct epoll_event ev = {
		    .events = EPOLLIN, .data.u32 = PCTLD_CTL_TAG + (uint32_t)i};
		if (i == PCTLD_CTL_CONNS ||
		    epoll_ctl(ctl->ep, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd); /* busy: the client sees EOF */
			continue;
		}
		ctl->c[i].fd = fd;
		ctl->c[i].deadline_ms = now_ms + READ_MS;
	}
}

/* Runs what the request line asks; the answer (or its first part) goes to
 * c->out.  false when out of memory. */
static bool start_answer(struct pctld_ctl_conn *c, struct pctl_engine *e,
                         uint64_t now_ms)
{
	FILE *f = open_memstream(&c->out, &c->out_len);

	if (!f)
		return false;
	c->listing = pctld_control_exec(e, c->in, f, now_ms, &c->list) == 1;
	fclose(f);
	c->out_off = 0;
	c->writing = true;
	return c->out != NULL;
}

/* The next page of a listing into c->out (which is empty). */
static bool next_page(struct pctld_ctl_conn *c, struct pctl_engine *e,
                      uint64_t now_ms)
{
	FILE *f;

	free(c->out);
	c->out = NULL;
	f = open_memstream(&c->out, &c->out_len);
	if (!f)
		return false;
	c->listing =
	    !pctld_control_list_page(e, &c->list, f, PCTLD_CTL_PAGE, now_ms);
	fclose(f);
	c->out_off = 0;
	return c->out != NULL;
}

/* Reads what the client sent; true once a whole line is in. */
static bool read_line(struct pctld_ctl_conn *c, bool *gone)
{
	ssize_t r =
	    read(c->fd, c->in + c->in_len, sizeof(c->in) - 1 - c->in_len);

	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
		*gone = true;
		return false;
	}
	if (r > 0)
		c->in_len += (size_t)r;
	c->in[c->in_len] = '\0';
	if (memchr(c->in, '\n', c->in_len))
		return true;
	/* A line longer than the buffer is no request. */
	*gone = c->in_len == sizeof(c->in) - 1;
	return false;
}

void pctld_ctl_serve(struct pctld_ctl *ctl, uint32_t tag, struct pctl_engine *e,
                     uint64_t now_ms)
{
	struct pctld_ctl_conn *c = &ctl->c[tag - PCTLD_CTL_TAG];
	bool gone = false;

	if (c->fd < 0)
		return;
	if (!c->writing) {
		if (!read_line(c, &gone)) {
			if (gone)
				drop(c);
			return;
		}
		struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = tag};
		if (!start_answer(c, e, now_ms) ||
		    epoll_ctl(ctl->ep, EPOLL_CTL_MOD, c->fd, &ev)) {
			drop(c);
			return;
		}
		c->deadline_ms = now_ms + WRITE_MS;
	}
	/* One page per step, and only once the previous one is out. */
	if (c->out_off == c->out_len && c->listing &&
	    !next_page(c, e, now_ms)) {
		drop(c);
		return;
	}
	if (c->out_off < c->out_len) {
		ssize_t w = send(c->fd, c->out + c->out_off,
		                 c->out_len - c->out_off, MSG_NOSIGNAL);
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			drop(c);
			return;
		}
		if (w > 0) {
			c->out_off += (size_t)w;
			c->deadline_ms = now_ms + WRITE_MS;
		}
	}
	if (c->out_off == c->out_len && !c->listing)
		drop(c); /* all said: the client reads to EOF */
}

uint64_t pctld_ctl_expire(struct pctld_ctl *ctl, uint64_t now_ms)
{
	uint64_t next = UINT64_MAX;

	for (size_t i = 0; i < PCTLD_CTL_CONNS; i++) {
		struct pctld_ctl_conn *c = &ctl->c[i];
		if (c->fd < 0)
			continue;
		if (c->deadline_ms <= now_ms)
			drop(c);
		else if (c->deadline_ms < next)
			next = c->deadline_ms;
	}
	return next;
}

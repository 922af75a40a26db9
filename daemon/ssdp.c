/*
 * SSDP: M-SEARCH answers and NOTIFY advertisements (ssdp.h).
 */
#include "ssdp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "crc32.h"
#include "log.h"
#include "ssdp_answer.h"
#include "ssdp_queue.h"
#include "upnp_config.h"
#include "upnp_ifaddr.h"

/* Datagrams read per socket and run: the rest waits for the next run, so
 * that a flood cannot hold the loop. */
#define READS_PER_RUN 32
/* The first advertisement is sent twice (UDA 1.1 section 1.2.2: UDP may
 * lose it), this long apart. */
#define ALIVE_REPEAT_MS 3000
#define MSG_MAX         1024

enum { T_V4, T_V6, T_ADDR, T_KINDS };

struct ssdp_if {
	unsigned ifindex;
	char name[IF_NAMESIZE];
	int fd4, fd6;
	struct pctld_ifaddr *addr;
	struct pctld_ifaddr_now now; /* what the last alive advertised */
};

struct pctld_ssdp {
	int ep;
	struct pctld_upnp_info info;
	char server[128];
	uint32_t bootid, configid;
	uint64_t notify_ms, next_notify;
	unsigned alive_sent;
	uint64_t rng;
	size_t n;
	struct ssdp_if ifs[PCTLD_MAX_IFS];
	struct pctld_ssdp_queue q;
	struct pctld_ssdp_answer ans[PCTLD_SSDP_MAX_ANSWERS];
	uint8_t buf[PCTLD_SSDP_MAX_DGRAM + 1];
	char msg[MSG_MAX];
};

/* xorshift64*: the answer delays need to be spread, not secret. */
static uint32_t rnd(struct pctld_ssdp *s)
{
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return (uint32_t)((s->rng * 2685821657736338717ull) >> 32);
}

static void location(const struct pctld_ssdp *s, const struct ssdp_if *f,
                     bool v6, char *buf, size_t len)
{
	pctld_ssdp_location(buf, len, v6 ? f->now.v6.b : f->now.v4.b,
	                    s->info.http_port);
}

static void hdr(const struct pctld_ssdp *s, const char *loc,
                struct pctld_ssdp_hdr *h)
{
	*h = (struct pctld_ssdp_hdr){.location = loc,
	                             .server = s->server,
	                             .bootid = s->bootid,
	                             .configid = s->configid};
}

static void send_to(const struct ssdp_if *f, bool v6, const pctl_addr *to,
                    uint16_t port, const char *msg, size_t len)
{
	struct sockaddr_storage ss;
	size_t sl = pctl_addr_to_sockaddr(to, port, &ss);

	if (!sl)
		return;
	if (v6)
		((struct sockaddr_in6 *)&ss)->sin6_scope_id = f->ifindex;
	/* A full socket buffer loses one datagram, as UDP may anyway. */
	(void)sendto(v6 ? f->fd6 : f->fd4, msg, len, MSG_DONTWAIT,
	             (struct sockaddr *)&ss, (socklen_t)sl);
}

/* Every advertisement on every interface and family that has an address
 * to advertise (alive), or that last advertised one (byebye). */
static void notify(struct pctld_ssdp *s, bool alive)
{
	size_t n = pctld_ssdp_select(&s->info, NULL, s->ans);
	pctl_addr g4, g6;
	char loc[96];
	struct pctld_ssdp_hdr h;

	pctl_addr_from_str(&g4, "239.255.255.250");
	pctl_addr_from_str(&g6, "ff02::c");
	for (size_t i = 0; i < s->n; i++) {
		struct ssdp_if *f = &s->ifs[i];
		for (int v6 = 0; v6 < 2; v6++) {
			if ((v6 ? f->fd6 : f->fd4) < 0 ||
			    !(v6 ? f->now.has6 : f->now.has4))
				continue;
			location(s, f, v6, loc, sizeof(loc));
			hdr(s, loc, &h);
			for (size_t k = 0; k < n; k++) {
				size_t len = pctld_ssdp_format_notify(
				    s->msg, sizeof(s->msg), alive, v6,
				    &s->ans[k], &h);
				if (len)
					send_to(f, v6, v6 ? &g6 : &g4,
					        PCTLD_SSDP_PORT, s->msg, len);
			}
		}
	}
}

static bool is_multicast(const pctl_addr *a)
{
	return pctl_addr_is_v4(a) ? (a->b[12] & 0xf0) == 0xe0 : a->b[0] == 0xff;
}

/* One datagram from f's socket of family v6: queued for an answer, or
 * dropped. */
static void received(struct pctld_ssdp *s, size_t ifi, bool v6, size_t len,
                     const struct sockaddr_storage *from,
                     const struct msghdr *mh, uint64_t now)
{
	struct ssdp_if *f = &s->ifs[ifi];
	struct pctld_ssdp_pending p = {.ifi = (unsigned)ifi};
	struct pctld_ssdp_search q;
	pctl_addr dst;
	unsigned arrived = 0;
	bool have_dst = false;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c;
	     c = CMSG_NXTHDR((struct msghdr *)mh, c)) {
		if (!v6 && c->cmsg_level == IPPROTO_IP &&
		    c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			arrived = (unsigned)pi.ipi_ifindex;
			pctl_addr_from_v4(&dst, (uint8_t *)&pi.ipi_addr);
			have_dst = true;
		} else if (v6 && c->cmsg_level == IPPROTO_IPV6 &&
		           c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			arrived = pi.ipi6_ifindex;
			memcpy(dst.b, &pi.ipi6_addr, 16);
			have_dst = true;
		}
	}
	/* SO_BINDTODEVICE already keeps other interfaces out; the kernel's
	 * word on the arrival interface is checked again all the same. */
	if (!have_dst || arrived != f->ifindex)
		return;
	if (pctl_addr_from_sockaddr(&p.src, &p.src_port,
	                            (const struct sockaddr *)from) ||
	    !p.src_port || !(v6 ? f->now.has6 : f->now.has4))
		return;
	if (pctld_ssdp_parse(s->buf, len, &q))
		return;
	/* A multicast search must say how long it waits (UDA 1.1 1.3.2); a
	 * unicast one is answered at once. */
	if (is_multicast(&dst) && !q.mx)
		return;
	if (!pctld_ssdp_select(&s->info, q.st, s->ans))
		return;
	p.due_ms = now + (q.mx ? rnd(s) % (q.mx * 1000u) : 0);
	memcpy(p.st, q.st, sizeof(p.st));
	pctld_ssdp_queue_add(&s->q, &p, now);
}

static void read_socket(struct pctld_ssdp *s, size_t ifi, bool v6, uint64_t now)
{
	int fd = v6 ? s->ifs[ifi].fd6 : s->ifs[ifi].fd4;

	for (int i = 0; i < READS_PER_RUN; i++) {
		struct sockaddr_storage from;
		union {
			char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
			         CMSG_SPACE(sizeof(struct in_pktinfo))];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = {s->buf, sizeof(s->buf)};
		struct msghdr mh = {.msg_name = &from,
		                    .msg_namelen = sizeof(from),
		                    .msg_iov = &iov,
		                    .msg_iovlen = 1,
		                    .msg_control = ctl.buf,
		                    .msg_controllen = sizeof(ctl.buf)};
		ssize_t len = recvmsg(fd, &mh, MSG_DONTWAIT);

		if (len < 0)
			return;
		/* Truncated (data or control): not a search of ours. */
		if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC) ||
		    (size_t)len > PCTLD_SSDP_MAX_DGRAM)
			continue;
		received(s, ifi, v6, (size_t)len, &from, &mh, now);
	}
}

static void answer(struct pctld_ssdp *s, const struct pctld_ssdp_pending *p)
{
	const struct ssdp_if *f = &s->ifs[p->ifi];
	bool v6 = !pctl_addr_is_v4(&p->src);
	size_t n = pctld_ssdp_select(&s->info, p->st, s->ans);
	struct pctld_ssdp_hdr h;
	char loc[96];

	if (!(v6 ? f->now.has6 : f->now.has4))
		return; /* the address went away meanwhile */
	location(s, f, v6, loc, sizeof(loc));
	hdr(s, loc, &h);
	for (size_t k = 0; k < n; k++) {
		size_t len = pctld_ssdp_format_response(s->msg, sizeof(s->msg),
		                                        &s->ans[k], &h);
		if (len)
			send_to(f, v6, &p->src, p->src_port, s->msg, len);
	}
}

/* An interface's address changed: UDA 1.1 section 1.2.2 has the device
 * leave with its old BOOTID and come back with a new one. */
static void address_changed(struct pctld_ssdp *s, size_t ifi, uint64_t now)
{
	struct ssdp_if *f = &s->ifs[ifi];

	if (!pctld_ifaddr_process(f->addr))
		return;
	notify(s, false);
	f->now = *pctld_ifaddr_get(f->addr);
	s->bootid = (s->bootid + 1) & 0x7fffffff;
	pctld_log(LOG_INFO, "upnp: %s's address changed: BOOTID %u", f->name,
	          (unsigned)s->bootid);
	notify(s, true);
	s->alive_sent = 1;
	s->next_notify = now + ALIVE_REPEAT_MS;
}

static int watch(int ep, int fd, size_t ifi, unsigned kind)
{
	struct epoll_event ev = {.events = EPOLLIN,
	                         .data.u32 = (uint32_t)(ifi * T_KINDS + kind)};

	return fd < 0 ? 0 : epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static void server_string(char *buf, size_t len)
{
	struct utsname u;

	if (uname(&u))
		strcpy(u.sysname, "Linux"), strcpy(u.release, "0");
	/* UDA: "OS/version UPnP/1.1 product/version". */
	snprintf(buf, len, "%.32s/%.48s UPnP/1.1 portctl/%s", u.sysname,
	         u.release, PORTCTL_VERSION_STRING);
}

struct pctld_ssdp *pctld_ssdp_new(const struct pctld_upnp_socks *ss,
                                  const struct pctld_upnp_info *info,
                                  uint32_t notify_s, uint64_t now_ms)
{
	struct pctld_ssdp *s = calloc(1, sizeof(*s));
	int e;

	if (!s)
		return NULL;
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	s->info = *info;
	s->n = ss->n;
	for (size_t i = 0; i < ss->n; i++) {
		struct ssdp_if *f = &s->ifs[i];
		f->ifindex = ss->ifs[i].ifindex;
		memcpy(f->name, ss->ifs[i].name, sizeof(f->name));
		f->fd4 = ss->ifs[i].ssdp4;
		f->fd6 = ss->ifs[i].ssdp6;
	}
	if (s->ep < 0)
		goto fail;
	for (size_t i = 0; i < s->n; i++) {
		struct ssdp_if *f = &s->ifs[i];
		f->addr = pctld_ifaddr_open(f->name);
		if (!f->addr || watch(s->ep, f->fd4, i, T_V4) ||
		    watch(s->ep, f->fd6, i, T_V6) ||
		    watch(s->ep, pctld_ifaddr_fd(f->addr), i, T_ADDR))
			goto fail;
		f->now = *pctld_ifaddr_get(f->addr);
	}
	server_string(s->server, sizeof(s->server));
	/* UDA 1.1: BOOTID grows with each start; the clock does. */
	s->bootid = (uint32_t)time(NULL) & 0x7fffffff;
	s->configid = pctld_crc32(0, info, sizeof(*info)) & 0xffffff;
	if (getrandom(&s->rng, sizeof(s->rng), 0) != sizeof(s->rng) || !s->rng)
		s->rng = now_ms | 1;
	pctld_ssdp_queue_init(&s->q);
	s->notify_ms = (uint64_t)notify_s * 1000u;
	notify(s, true);
	s->alive_sent = 1;
	s->next_notify = now_ms + ALIVE_REPEAT_MS;
	return s;
fail:
	e = errno;
	pctld_ssdp_free(s);
	errno = e ? e : ENOMEM;
	return NULL;
}

int pctld_ssdp_fd(const struct pctld_ssdp *s)
{
	return s->ep;
}

void pctld_ssdp_run(struct pctld_ssdp *s, uint64_t now_ms)
{
	struct epoll_event ev[3 * PCTLD_MAX_IFS];
	struct pctld_ssdp_pending p;
	int n = epoll_wait(s->ep, ev, (int)(sizeof(ev) / sizeof(ev[0])), 0);

	for (int i = 0; i < n; i++) {
		size_t ifi = ev[i].data.u32 / T_KINDS;
		unsigned kind = ev[i].data.u32 % T_KINDS;
		if (kind == T_ADDR)
			address_changed(s, ifi, now_ms);
		else
			read_socket(s, ifi, kind == T_V6, now_ms);
	}
	while (pctld_ssdp_queue_take(&s->q, now_ms, &p))
		answer(s, &p);
	if (now_ms >= s->next_notify) {
		notify(s, true);
		/* Spread over the last tenth of the interval, so that
		 * routers started together do not stay in step. */
		s->next_notify =
		    now_ms + s->notify_ms - rnd(s) % (s->notify_ms / 10 + 1);
		s->alive_sent++;
	}
}

uint64_t pctld_ssdp_next_ms(const struct pctld_ssdp *s)
{
	uint64_t q = pctld_ssdp_queue_next(&s->q);

	return q < s->next_notify ? q : s->next_notify;
}

void pctld_ssdp_free(struct pctld_ssdp *s)
{
	if (!s)
		return;
	if (s->alive_sent)
		notify(s, false);
	for (size_t i = 0; i < s->n; i++) {
		struct ssdp_if *f = &s->ifs[i];
		if (f->fd4 >= 0)
			close(f->fd4);
		if (f->fd6 >= 0)
			close(f->fd6);
		pctld_ifaddr_close(f->addr);
	}
	if (s->ep >= 0)
		close(s->ep);
	free(s);
}

/*
 * upnp_drive: drives libportctl directly (no CLI) through a list of steps,
 * for the UPnP IGD integration tests.  Each step prints one line that the
 * test script reads:
 *
 *   upnp_drive [-s SERVER]... [-P pcp,natpmp,upnp|auto] [-w UPNP_WAIT_MS]
 *              [-S SOURCE] [-F] [-a] [-t SECONDS] STEP...
 *
 *   map tcp|udp PORT LIFETIME   map (renewed), wait for the answer
 *   map6 tcp|udp PORT LIFETIME  the same for IPv6 (a pinhole)
 *   external                    the external address
 *   renewed N                   wait for N renewals of the last mapping
 *   pause                       wait for a line on stdin (the script checks)
 *   delete                      delete the last mapping, wait for it
 *
 * -F runs its own loop on pctl_client_fds() (read only, no POLLOUT) to
 * show that such callers still get HTTP connections written; otherwise
 * pctl_client_wait() (pctl_client_pollfds).  -a sets any_port.  A step
 * that does not end as expected exits 1.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <portctl/client.h>

static const char *ev_name[] = {"",      "granted", "changed", "renewed",
                                "error", "lost",    "timeout", "deleted"};
static unsigned renewals;
static int last_ev;
static bool own_loop;

static const char *proto_name(enum pctl_client_proto p)
{
	return p == PCTL_PROTO_UPNP     ? "upnp"
	       : p == PCTL_PROTO_PCP    ? "pcp"
	       : p == PCTL_PROTO_NATPMP ? "natpmp"
	                                : "none";
}

static void print_info(const char *step, int ev,
                       const struct pctl_client_map_info *i)
{
	char ext[PCTL_ADDRSTRLEN], srv[PCTL_ADDRSTRLEN];

	pctl_addr_to_str(&i->external_addr, ext, sizeof(ext));
	pctl_addr_to_str(&i->server_addr, srv, sizeof(srv));
	printf("%s event=%s proto=%s ext=%s port=%u lifetime=%u upnp=%u "
	       "server=%s:%u result=%u double_nat=%d failure=%d\n",
	       step, ev_name[ev], proto_name(i->proto), ext, i->external_port,
	       i->lifetime, i->upnp_version, srv, i->server_port, i->result,
	       i->double_nat, (int)i->failure);
	fflush(stdout);
}

static void cb(struct pctl_client_map *m, enum pctl_client_map_event ev,
               const struct pctl_client_map_info *info, void *arg)
{
	(void)m;
	(void)arg;
	last_ev = ev;
	if (ev == PCTL_EV_RENEWED || ev == PCTL_EV_CHANGED) {
		renewals++;
		print_info("renewal", ev, info);
	}
}

static void logger(void *arg, int level, const char *line)
{
	(void)arg;
	(void)level;
	fprintf(stderr, "log: %s\n", line);
}

/* Runs the loop until pred() or timeout_ms. */
static int run(struct pctl_client *c, struct pctl_client_map *m,
               bool (*pred)(void *), void *arg, int timeout_ms)
{
	for (int spent = 0; spent < timeout_ms;) {
		int fds[64], ready[64];
		struct pollfd pfd[64];
		size_t n;
		int64_t t;
		int step = 100;

		if (pred(arg))
			return 0;
		if (!own_loop) {
			if (pctl_client_wait(c, m, step) < 0 &&
			    errno != ETIMEDOUT)
				return -1;
			spent += step;
			continue;
		}
		n = pctl_client_fds(c, fds, 64);
		t = pctl_client_timeout(c);
		if (t < 0 || t > step)
			t = step;
		for (size_t i = 0; i < n && i < 64; i++)
			pfd[i] =
			    (struct pollfd){.fd = fds[i], .events = POLLIN};
		poll(pfd, n, (int)t);
		size_t nr = 0;
		for (size_t i = 0; i < n && i < 64; i++)
			if (pfd[i].revents)
				ready[nr++] = pfd[i].fd;
		pctl_client_process(c, ready, nr);
		spent += (int)t ? (int)t : 1;
	}
	return pred(arg) ? 0 : -1;
}

static bool settled(void *arg)
{
	struct pctl_client_map_info i;

	pctl_client_map_get_info(arg, &i);
	return i.state != PCTL_MS_PENDING && i.state != PCTL_MS_DELETING;
}

static bool enough_renewals(void *arg)
{
	return renewals >= *(unsigned *)arg;
}

int main(int argc, char **argv)
{
	struct pctl_client_config cfg;
	struct pctl_client *c;
	struct pctl_client_map *m = NULL;
	const char *servers[8];
	int nserv = 0, opt, timeout_ms = 20000;
	bool any_port = false;

	pctl_client_config_init(&cfg);
	cfg.log = logger;
	cfg.quick_ms = PCTL_CLIENT_QUICK_MS;
	while ((opt = getopt(argc, argv, "s:P:w:S:Fat:")) != -1) {
		switch (opt) {
		case 's':
			if (nserv < 8)
				servers[nserv++] = optarg;
			break;
		case 'P':
			cfg.protocols = 0;
			if (strstr(optarg, "pcp"))
				cfg.protocols |= PCTL_PROTO_PCP;
			if (strstr(optarg, "natpmp"))
				cfg.protocols |= PCTL_PROTO_NATPMP;
			if (strstr(optarg, "upnp"))
				cfg.protocols |= PCTL_PROTO_UPNP;
			break;
		case 'w':
			cfg.upnp_wait_ms = (uint32_t)atoi(optarg);
			break;
		case 'S':
			cfg.source = optarg;
			break;
		case 'F':
			own_loop = true;
			break;
		case 'a':
			any_port = true;
			break;
		case 't':
			timeout_ms = atoi(optarg) * 1000;
			break;
		default:
			return 2;
		}
	}
	c = pctl_client_new(&cfg);
	if (!c)
		return perror("pctl_client_new"), 1;
	for (int i = 0; i < nserv; i++)
		if (pctl_client_add_server(c, servers[i]) < 0)
			return perror(servers[i]), 1;
	if (!nserv)
		pctl_client_discover(c);
	for (int i = optind; i < argc; i++) {
		const char *s = argv[i];
		struct pctl_client_map_info info;

		if (!strcmp(s, "map") || !strcmp(s, "map6")) {
			struct pctl_client_map_params p = {0};
			if (i + 3 >= argc)
				return 2;
			p.kind = PCTL_REQ_MAP;
			p.protocol = !strcmp(argv[i + 1], "udp") ? 17 : 6;
			p.internal_port = (uint16_t)atoi(argv[i + 2]);
			p.lifetime = (uint32_t)atoi(argv[i + 3]);
			p.want_ipv6 = !strcmp(s, "map6");
			p.any_port = any_port;
			p.keep = true;
			i += 3;
			m = pctl_client_map_new(c, &p, cb, NULL);
			if (!m)
				return perror("pctl_client_map_new"), 1;
			run(c, m, settled, m, timeout_ms);
		} else if (!strcmp(s, "external")) {
			struct pctl_client_map_params p = {0};
			p.kind = PCTL_REQ_EXTERNAL;
			p.lifetime = 120;
			m = pctl_client_map_new(c, &p, cb, NULL);
			if (!m)
				return perror("pctl_client_map_new"), 1;
			run(c, m, settled, m, timeout_ms);
		} else if (!strcmp(s, "renewed") && m && i + 1 < argc) {
			unsigned want = renewals + (unsigned)atoi(argv[++i]);
			if (run(c, NULL, enough_renewals, &want, timeout_ms) <
			    0) {
				printf("renewed timeout\n");
				return 1;
			}
			continue;
		} else if (!strcmp(s, "pause")) {
			char line[64];
			printf("paused\n");
			fflush(stdout);
			if (!fgets(line, sizeof(line), stdin))
				return 1;
			continue;
		} else if (!strcmp(s, "delete") && m) {
			if (pctl_client_map_delete(m) < 0)
				return perror("delete"), 1;
			run(c, m, settled, m, timeout_ms);
		} else {
			fprintf(stderr, "bad step %s\n", s);
			return 2;
		}
		pctl_client_map_get_info(m, &info);
		print_info(s, last_ev, &info);
		if (info.state == PCTL_MS_PENDING ||
		    info.state == PCTL_MS_DELETING || last_ev == 0)
			return 1;
	}
	pctl_client_free(c);
	return 0;
}

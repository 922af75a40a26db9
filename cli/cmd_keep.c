/*
 * portctl keep PROTO PORT [PROTO PORT ...]: stay running and keep the
 * mappings alive (renewal, C-20..C-24), re-create them after a server
 * restart, an ANNOUNCE (listening on 5350, C-56) or a suspend, run a hook
 * on every change, and delete them on SIGTERM/SIGINT.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client_opts.h"
#include "client_output.h"
#include "client_request.h"
#include "client_state.h"
#include "cmd_keep.h"
#include "commands.h"

static const char usage[] =
    "usage: portctl keep [OPTIONS] PROTO PORT [PROTO PORT ...]\n\n"
    "Create the mappings and keep them alive until SIGTERM or SIGINT, then\n"
    "delete them.  Renews before expiry, re-creates mappings after a server\n"
    "restart, an ANNOUNCE or a suspend, and runs --hook CMD on every change\n"
    "with PORTCTL_EVENT, PORTCTL_PROTOCOL, PORTCTL_INTERNAL_PORT,\n"
    "PORTCTL_EXTERNAL_ADDR, PORTCTL_EXTERNAL_PORT and PORTCTL_LIFETIME in\n"
    "its environment.  --timeout only bounds the final deletes.\n";

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

struct kept {
	const struct cli_opts *o;
	struct pctl_client_map_params *p;
	struct pctl_client *c;
};

/* The hook runs with the new endpoint in its environment; we wait for it
 * so hooks never overlap (they may edit DNS). */
static void run_hook(const struct cli_opts *o, enum pctl_client_map_event ev,
                     const struct pctl_client_map_info *in)
{
	char addr[PCTL_ADDRSTRLEN], buf[6][64];
	const char *proto;
	pid_t pid;
	int status;

	if (!o->hook)
		return;
	proto = pctl_protocol_name(in->protocol);
	snprintf(buf[0], sizeof(buf[0]), "%s", cli_event_name(ev));
	snprintf(buf[1], sizeof(buf[1]), "%s", proto ? proto : "unknown");
	snprintf(buf[2], sizeof(buf[2]), "%u", in->internal_port);
	snprintf(buf[3], sizeof(buf[3]), "%s",
	         in->state == PCTL_MS_GRANTED
	             ? pctl_addr_to_str(&in->external_addr, addr, sizeof(addr))
	             : "");
	snprintf(buf[4], sizeof(buf[4]), "%u",
	         in->state == PCTL_MS_GRANTED ? in->external_port : 0);
	snprintf(buf[5], sizeof(buf[5]), "%u",
	         in->state == PCTL_MS_GRANTED ? in->lifetime : 0);
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "portctl keep: hook: %s\n", strerror(errno));
		return;
	}
	if (pid == 0) {
		sigset_t none;
		/* The loop blocks SIGTERM/SIGINT; the hook must not inherit
		 * that. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setenv("PORTCTL_EVENT", buf[0], 1);
		setenv("PORTCTL_PROTOCOL", buf[1], 1);
		setenv("PORTCTL_INTERNAL_PORT", buf[2], 1);
		setenv("PORTCTL_EXTERNAL_ADDR", buf[3], 1);
		setenv("PORTCTL_EXTERNAL_PORT", buf[4], 1);
		setenv("PORTCTL_LIFETIME", buf[5], 1);
		execl("/bin/sh", "sh", "-c", o->hook, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fprintf(stderr, "portctl keep: hook exited with status %d\n",
		        WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static void kept_cb(struct pctl_client_map *m, enum pctl_client_map_event ev,
                    const struct pctl_client_map_info *info, void *arg)
{
	struct kept *k = arg;

	(void)m;
	/* Renewals that change nothing are not news. */
	if (ev == PCTL_EV_RENEWED && !k->o->verbose)
		return;
	cli_print_info(k->o, cli_event_name(ev), info);
	if (ev == PCTL_EV_GRANTED || ev == PCTL_EV_CHANGED)
		cli_state_save(k->o, k->p, info);
	if (ev == PCTL_EV_DELETED)
		cli_state_forget(k->o, k->p, info);
	if (ev != PCTL_EV_RENEWED)
		run_hook(k->o, ev, info);
}

static bool all_settled(struct pctl_client_map **ms, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct pctl_client_map_info info;
		if (!ms[i])
			continue;
		pctl_client_map_get_info(ms[i], &info);
		if (info.state == PCTL_MS_DELETING)
			return false;
	}
	return true;
}

/* The event loop, on the library's descriptors and timeout.  SIGTERM and
 * SIGINT are blocked except inside ppoll, so a signal can never slip in
 * between the check of stop_signal and the wait.  The wait is capped at
 * 60 s so that a resume from suspend is noticed (see pctl_client_wait). */
static int run_loop(struct pctl_client *c)
{
	sigset_t block, orig;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &orig);
	while (!stop_signal) {
		/* pctl_client_pollfds: POLLOUT too, for the UPnP IGD's HTTP
		 * connections (64 is above the most it can report: 8
		 * servers, 2 ANNOUNCE listeners, rtnetlink, 2 SSDP sockets
		 * and curl's 16). */
		struct pollfd pfd[64];
		int ready[64];
		size_t nfd = pctl_client_pollfds(c, pfd, 64), nready = 0;
		int64_t t = pctl_client_timeout(c);
		struct timespec ts;

		if (nfd > 64)
			nfd = 64;
		if (t < 0 || t > 60000)
			t = 60000;
		ts.tv_sec = t / 1000;
		ts.tv_nsec = (long)(t % 1000) * 1000000L;
		if (ppoll(pfd, nfd, &ts, &orig) < 0) {
			if (errno == EINTR)
				continue;
			sigprocmask(SIG_SETMASK, &orig, NULL);
			return -1;
		}
		for (size_t i = 0; i < nfd; i++)
			if (pfd[i].revents)
				ready[nready++] = pfd[i].fd;
		pctl_client_process(c, ready, nready);
	}
	sigprocmask(SIG_SETMASK, &orig, NULL);
	return 0;
}

int cli_keep_run(const struct cli_opts *o, struct pctl_client_map_params *ps,
                 size_t n)
{
	struct pctl_client_map **ms = calloc(n, sizeof(*ms));
	struct kept *ks = calloc(n, sizeof(*ks));
	struct sigaction sa;
	struct pctl_client *c;
	int rc = PORTCTL_EXIT_OK;
	const char *port_env = getenv("PORTCTL_ANNOUNCE_PORT");
	uint16_t ann_port = PCTL_CLIENT_PORT;

	if (!ms || !ks) {
		free(ms);
		free(ks);
		return PORTCTL_EXIT_SYSTEM;
	}
	/* Tests listen on a port of their own; 0 turns listening off. */
	if (port_env)
		ann_port = (uint16_t)atoi(port_env);
	c = cli_client(o, false, ann_port);
	if (!c) {
		rc = cli_client_exit();
		free(ms);
		free(ks);
		return rc;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: poll returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < n; i++) {
		struct pctl_state_entry found;
		ps[i].keep = true;
		cli_state_lookup(o, &ps[i], &found);
		ks[i] = (struct kept){.o = o, .p = &ps[i], .c = c};
		ms[i] = pctl_client_map_new(c, &ps[i], kept_cb, &ks[i]);
		if (!ms[i]) {
			fprintf(stderr, "portctl keep: port %u: %s\n",
			        ps[i].internal_port, strerror(errno));
			rc = PORTCTL_EXIT_USAGE;
			goto out;
		}
	}
	if (run_loop(c) < 0) {
		fprintf(stderr, "portctl keep: %s\n", strerror(errno));
		rc = PORTCTL_EXIT_SYSTEM;
	}
	/* Delete everything we hold, bounded by --timeout. */
	for (size_t i = 0; i < n; i++) {
		struct pctl_client_map_info info;
		pctl_client_map_get_info(ms[i], &info);
		if (info.state == PCTL_MS_GRANTED)
			pctl_client_map_delete(ms[i]);
	}
	{
		int64_t left = o->timeout_ms;
		while (!all_settled(ms, n) && left > 0) {
			pctl_client_wait(c, NULL, left < 200 ? left : 200);
			left -= 200;
		}
	}
out:
	pctl_client_free(c);
	free(ms);
	free(ks);
	return rc;
}

int cmd_keep(int argc, char **argv)
{
	struct cli_opts o;
	struct pctl_client_map_params *ps;
	size_t n;
	int rc = cli_parse(argc, argv, CLI_O_MAPOPTS | CLI_O_STATE | CLI_O_KEEP,
	                   usage, &o);

	if (rc >= 0)
		return rc;
	if (o.argc < 2 || o.argc % 2 || o.argc / 2 > CLI_MAX_MAPPINGS) {
		fprintf(stderr, "%s", usage);
		return PORTCTL_EXIT_USAGE;
	}
	o.keep = true;
	n = (size_t)o.argc / 2;
	ps = calloc(n, sizeof(*ps));
	if (!ps)
		return PORTCTL_EXIT_SYSTEM;
	for (size_t i = 0; i < n; i++) {
		ps[i] = o.p;
		ps[i].kind = PCTL_REQ_MAP;
		if (cli_parse_proto_port(o.argv[2 * i], o.argv[2 * i + 1],
		                         &ps[i]) < 0) {
			free(ps);
			return PORTCTL_EXIT_USAGE;
		}
	}
	rc = cli_keep_run(&o, ps, n);
	free(ps);
	return rc;
}

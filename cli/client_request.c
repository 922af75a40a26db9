/*
 * Running requests for the client subcommands: the client object for the
 * options (servers added or discovered, logging to stderr), waiting for a
 * mapping to settle, and one request from start to finish.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "client_output.h"
#include "client_request.h"
#include "client_state.h"
#include "commands.h"

static void log_stderr(void *arg, int level, const char *line)
{
	const struct cli_opts *o = arg;

	if (level <= LOG_WARNING || o->verbose)
		fprintf(stderr, "portctl %s: %s\n", o->cmd, line);
}

struct pctl_client *cli_client(const struct cli_opts *o, bool force_natpmp,
                               uint16_t announce_port)
{
	struct pctl_client_config cfg;
	struct pctl_client *c;

	pctl_client_config_init(&cfg);
	cfg.quick_ms = o->keep ? 0 : PCTL_CLIENT_QUICK_MS; /* interactive */
	cfg.force_natpmp = force_natpmp || o->natpmp;
	cfg.protocols = force_natpmp ? PCTL_PROTO_NATPMP : o->protocols;
	cfg.source = o->source;
	cfg.log = log_stderr;
	cfg.log_arg = (void *)o;
	cfg.announce_port = announce_port;
	/* A server that never answered is given up after at most the
	 * library's default (10 s), or --timeout when shorter; --keep
	 * carries on and tries again. */
	if (!o->keep && o->timeout_ms < PCTL_CLIENT_FIRST_ANSWER_MS)
		cfg.first_answer_ms = (uint32_t)o->timeout_ms;
	/* Tests (and links without multicast): hear ANNOUNCEs on a unicast
	 * IPv4 address instead of the groups; see portctl(1). */
	if (announce_port && getenv("PORTCTL_ANNOUNCE_BIND")) {
		cfg.announce_bind4 = getenv("PORTCTL_ANNOUNCE_BIND");
		cfg.announce_bind6 = "";
	}
	cfg.watch_network = o->keep; /* long-running: follow the network */
	/* Listening for ANNOUNCEs is best effort (a busy port, no
	 * multicast route): the library carries on without and logs it. */
	c = pctl_client_new(&cfg);
	if (!c) {
		fprintf(stderr, "portctl %s: %s\n", o->cmd, strerror(errno));
		return NULL;
	}
	/* RFC 7488: one address without a route (or whose interface is
	 * gone) does not stop the others; only bad text, or nothing left,
	 * does. */
	size_t usable = 0;
	for (size_t i = 0; i < o->n_servers; i++) {
		if (pctl_client_add_server(c, o->servers[i]) == 0) {
			usable++;
			continue;
		}
		int e = errno;
		fprintf(stderr, "portctl %s: server '%s': %s%s\n", o->cmd,
		        o->servers[i], strerror(e),
		        e == EINVAL ? "" : " (skipped)");
		if (e == EINVAL) {
			pctl_client_free(c);
			return NULL;
		}
	}
	if (o->n_servers && !usable) {
		fprintf(stderr, "portctl %s: no usable server\n", o->cmd);
		pctl_client_free(c);
		errno = ENOENT; /* cli_client_exit(): no server */
		return NULL;
	}
	if (!o->n_servers && pctl_client_discover(c) <= 0) {
		fprintf(stderr,
		        "portctl %s: no server: no default gateway found "
		        "(use --server)\n",
		        o->cmd);
		pctl_client_free(c);
		errno = ENOENT;
		return NULL;
	}
	if (o->verbose) {
		char buf[64];
		for (size_t i = 0; i < pctl_client_server_count(c); i++)
			fprintf(stderr, "portctl %s: server %s\n", o->cmd,
			        pctl_client_server_str(c, i, buf, sizeof(buf)));
	}
	return c;
}

int cli_client_exit(void)
{
	return errno == ENOENT ? PORTCTL_EXIT_NO_SERVER : PORTCTL_EXIT_SYSTEM;
}

int cli_wait(struct pctl_client *c, struct pctl_client_map *m,
             const struct cli_opts *o)
{
	struct pctl_client_map_info info;

	if (pctl_client_wait(c, m, o->timeout_ms) == 0)
		return PORTCTL_EXIT_OK;
	if (errno == ETIMEDOUT && m) {
		/* Answers that came but could not be used are not silence. */
		pctl_client_map_get_info(m, &info);
		return cli_exit_code(&info);
	}
	if (errno == ETIMEDOUT)
		return PORTCTL_EXIT_TIMEOUT;
	if (errno == EINTR)
		return PORTCTL_EXIT_TIMEOUT; /* interrupted before an answer */
	fprintf(stderr, "portctl %s: %s\n", o->cmd, strerror(errno));
	return PORTCTL_EXIT_SYSTEM;
}

struct once {
	const struct cli_opts *o;
	enum pctl_client_map_event last;
	bool any;
};

static void once_cb(struct pctl_client_map *m, enum pctl_client_map_event ev,
                    const struct pctl_client_map_info *info, void *arg)
{
	struct once *st = arg;

	(void)m;
	(void)info;
	/* A second answer (to a retransmission) is not news. */
	if (ev == PCTL_EV_RENEWED && st->any)
		return;
	st->last = ev;
	st->any = true;
}

int cli_request_once(const struct cli_opts *o, struct pctl_client_map_params *p)
{
	struct pctl_state_entry found;
	struct pctl_client_map_info info;
	struct once st = {.o = o};
	struct pctl_client *c;
	struct pctl_client_map *m;
	int rc;
	bool mapping = p->kind == PCTL_REQ_MAP || p->kind == PCTL_REQ_PEER;

	if (mapping)
		cli_state_lookup(o, p, &found); /* same nonce: a renewal */
	c = cli_client(o, false, 0);
	if (!c)
		return cli_client_exit();
	m = pctl_client_map_new(c, p, once_cb, &st);
	if (!m) {
		fprintf(stderr, "portctl %s: %s\n", o->cmd, strerror(errno));
		pctl_client_free(c);
		return errno == EINVAL ? PORTCTL_EXIT_USAGE
		                       : PORTCTL_EXIT_SYSTEM;
	}
	rc = cli_wait(c, m, o);
	pctl_client_map_get_info(m, &info);
	if (rc == PORTCTL_EXIT_OK)
		rc = cli_exit_code(&info);
	cli_print_info(o, st.any ? cli_event_name(st.last) : "timeout", &info);
	if (mapping && info.state == PCTL_MS_GRANTED)
		cli_state_save(o, p, &info);
	pctl_client_free(c);
	return rc;
}

void cli_ignore_events(struct pctl_client_map *m, enum pctl_client_map_event ev,
                       const struct pctl_client_map_info *info, void *arg)
{
	(void)m;
	(void)ev;
	(void)info;
	(void)arg;
}

/*
 * portctld: the PCP (RFC 6887) and NAT-PMP (RFC 6886) server.
 *
 * Start-up order matters: everything that can fail on a bad configuration
 * or a busy port is done while stderr still reaches the operator (before
 * detaching), and privileges are dropped only once every socket is bound.
 */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "backend_select.h"
#include "control.h"
#include "daemon.h"
#include "extwatch.h"
#include "log.h"
#include "pidfile.h"
#include "privs.h"

static int open_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	/* A control client that hangs up early must not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static void log_start(const struct pctld *d, const char *notes)
{
	char txt[PCTL_ADDRSTRLEN];

	if (notes[0])
		pctld_log(LOG_NOTICE, "%s", notes);
	for (size_t i = 0; i < d->socks.n; i++)
		pctld_log(
		    LOG_INFO, "listening on %s port %u (interface %u)",
		    pctl_addr_to_str(&d->socks.s[i].ep.addr, txt, sizeof(txt)),
		    d->socks.s[i].ep.port, d->socks.s[i].ifindex);
	for (size_t i = 0; i < d->cfg.engine.n_ext_addrs; i++)
		pctld_log(LOG_INFO, "external address %s",
		          pctl_addr_to_str(&d->cfg.engine.ext_addrs[i], txt,
		                           sizeof(txt)));
	pctld_log(LOG_NOTICE,
	          "portctld %s started: backend %s, control %s, NAT-PMP %s",
	          PORTCTL_VERSION_STRING, d->cfg.backend, d->cfg.control,
	          d->cfg.engine.natpmp_enabled ? "on" : "off");
}

static void journal_log(void *ctx, const char *msg)
{
	(void)ctx;
	pctld_log(LOG_WARNING, "journal: %s", msg);
}

/* Wraps the backend in the state journal (journal.h): from here on the
 * engine's backend is the journal, which owns the real one. */
static int open_journal(struct pctld *d, char *err, size_t errlen)
{
	struct pctl_journal_opts jo;
	struct pctl_backend inner = d->backend;
	char why[256] = "";
	int rc;

	pctl_journal_opts_defaults(&jo);
	jo.log = journal_log;
	rc = pctl_journal_open(d->cfg.state_dir, &inner, &jo, &d->journal,
	                       &d->backend, why, sizeof(why));
	if (rc) {
		snprintf(err, errlen,
		         "journal in %s: %s (set state-dir, or journal no)",
		         d->cfg.state_dir, why[0] ? why : strerror(-rc));
		d->backend = inner;
		d->journal = NULL;
		return -1;
	}
	return 0;
}

/* Restores the journal, if any.  Without one, or when state may have been
 * lost, the epoch restarts and clients are told at once (S-25, S-93,
 * N-10); with state kept completely the epoch continues (S-24). */
/* The data plane holds exactly the engine's mappings: a predecessor killed
 * with -9 may have left elements in the kernel that nobody would list,
 * delete or renew (issue 4). */
static int reconcile_backend(struct pctld *d)
{
	int rc = pctl_engine_reconcile(d->engine, pctld_now_ms());

	if (rc)
		pctld_log(LOG_ERR, "backend %s: cannot reconcile its state: %s",
		          d->cfg.backend, strerror(-rc));
	return rc ? -1 : 0;
}

static int start_state(struct pctld *d)
{
	struct pctl_journal_load_result res;
	struct timespec rt;
	int rc;

	if (!d->journal) {
		pctl_engine_state_lost(d->engine, pctld_now_ms());
		return reconcile_backend(d);
	}
	clock_gettime(CLOCK_REALTIME, &rt);
	rc = pctl_journal_load(d->journal, d->engine, pctld_now_ms(),
	                       (int64_t)rt.tv_sec, &res);
	if (rc) {
		pctld_log(LOG_ERR, "journal: %s", strerror(-rc));
		return -1;
	}
	pctld_log(res.corrupt ? LOG_WARNING : LOG_INFO, "journal: %s",
	          res.message);
	if (!res.state_kept) {
		pctl_engine_state_lost(d->engine, pctld_now_ms());
		pctl_journal_tick(d->journal); /* record the new epoch */
	}
	return reconcile_backend(d);
}

static int chown_to_user(const char *dir, const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (!pw) {
		errno = ENOENT;
		return -1;
	}
	return chown(dir, pw->pw_uid, pw->pw_gid);
}

static int run(struct pctld *d)
{
	char err[PCTLD_ERR_MAX], notes[1024];
	const char *ifnames[PCTLD_MAX_IFS];
	struct pctl_backend_config bcfg;
	int pid_fd = -1, rc = 1;
	bool backend_open = false;

	d->ctl_fd = -1;
	d->sig_fd = -1;
	d->watch_fd = -1;
	if (pctld_config_build(&d->opts, &d->cfg, notes, sizeof(notes), err,
	                       sizeof(err))) {
		pctld_log(LOG_ERR, "%s", err);
		return 1;
	}
	if (d->opts.check) {
		printf("configuration OK%s%s\n", notes[0] ? ": " : "", notes);
		pctld_backend_check_firewall(d->cfg.backend, d->cfg.nft_table);
		return 0;
	}
	if (pctld_sockets_open(&d->socks, &d->cfg, err, sizeof(err))) {
		pctld_log(LOG_ERR, "%s", err);
		return 1;
	}
	d->ctl_fd = pctld_control_open(d->cfg.control, err, sizeof(err));
	if (d->ctl_fd < 0) {
		pctld_log(LOG_ERR, "%s", err);
		goto out;
	}
	for (size_t i = 0; i < d->cfg.n_int_ifs; i++)
		ifnames[i] = d->cfg.int_ifs[i];
	bcfg = (struct pctl_backend_config){
	    .table = d->cfg.nft_table,
	    .ext_ifname = d->cfg.ext_if[0] ? d->cfg.ext_if : NULL,
	    .int_ifnames = ifnames,
	    .n_int_ifs = d->cfg.n_int_ifs,
	    .hairpin = d->cfg.hairpin,
	};
	if (pctld_backend_open(d->cfg.backend, &bcfg, &d->backend, err,
	                       sizeof(err))) {
		pctld_log(LOG_ERR, "%s", err);
		goto out;
	}
	backend_open = true;
	if (d->cfg.journal && open_journal(d, err, sizeof(err))) {
		pctld_log(LOG_ERR, "%s", err);
		goto out;
	}
	d->watch_fd = pctld_extwatch_open(d, err, sizeof(err));
	if (d->watch_fd == -1) {
		pctld_log(LOG_ERR, "%s", err);
		goto out;
	}
	if (!d->cfg.foreground) {
		if (daemon(0, 0)) {
			pctld_log(LOG_ERR, "daemon: %s", strerror(errno));
			goto out;
		}
	}
	pctld_log_init(d->cfg.foreground, d->cfg.verbose);
	if (d->cfg.pidfile[0]) {
		pid_fd = pctld_pidfile_write(d->cfg.pidfile, err, sizeof(err));
		if (pid_fd < 0) {
			pctld_log(LOG_ERR, "%s", err);
			goto out;
		}
	}
	d->sig_fd = open_signals();
	if (d->sig_fd < 0) {
		pctld_log(LOG_ERR, "signalfd: %s", strerror(errno));
		goto out;
	}
	d->engine =
	    pctl_engine_new(&d->cfg.engine, &d->backend, pctld_now_ms());
	if (!d->engine) {
		pctld_log(LOG_ERR, "engine: cannot start (configuration or "
		                   "memory)");
		goto out;
	}
	if (start_state(d))
		goto out;
	if (d->journal && d->cfg.user[0] &&
	    chown_to_user(d->cfg.state_dir, d->cfg.user)) {
		pctld_log(LOG_ERR, "state-dir %s: cannot give it to %s: %s",
		          d->cfg.state_dir, d->cfg.user, strerror(errno));
		goto out;
	}
	/* Last: everything that needs privileges is open or done. */
	if (pctld_drop_privileges(d->cfg.user,
	                          !strcmp(d->cfg.backend, "nftables"), err,
	                          sizeof(err))) {
		pctld_log(LOG_ERR, "%s", err);
		goto out;
	}
	log_start(d, notes);
	rc = pctld_loop(d) ? 1 : 0;
out:
	if (d->engine)
		pctl_engine_free(d->engine);
	if (backend_open)
		d->backend.ops->destroy(d->backend.ctx, false);
	if (d->sig_fd >= 0)
		close(d->sig_fd);
	pctld_extwatch_close(d);
	pctld_control_close(d->cfg.control, d->ctl_fd);
	pctld_pidfile_remove(d->cfg.pidfile, pid_fd);
	pctld_sockets_close(&d->socks);
	if (rc == 0)
		pctld_log(LOG_NOTICE, "stopped");
	return rc;
}

int main(int argc, char **argv)
{
	struct pctld *d = calloc(1, sizeof(*d));
	static char start_dir[PATH_MAX];
	char err[PCTLD_ERR_MAX];
	int rc;

	if (!d) {
		fprintf(stderr, "portctld: out of memory\n");
		return 1;
	}
	switch (pctld_options_parse(argc, argv, &d->opts, stdout, err,
	                            sizeof(err))) {
	case PCTLD_OPTS_EXIT:
		free(d);
		return 0;
	case PCTLD_OPTS_ERROR:
		fprintf(stderr, "portctld: %s (try --help)\n", err);
		free(d);
		return 2;
	default:
		break;
	}
	pctld_log_init(true, d->opts.verbose);
	/* daemon() moves to /: relative paths must still name the same files
	 * afterwards and at every SIGHUP. */
	if (getcwd(start_dir, sizeof(start_dir)))
		d->opts.base_dir = start_dir;
	rc = run(d);
	free(d);
	return rc;
}

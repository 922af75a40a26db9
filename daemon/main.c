/*
 * portctld: the PCP (RFC 6887) and NAT-PMP (RFC 6886) server.
 *
 * Start-up order matters: everything that can fail on a bad configuration
 * or a busy port is done while stderr still reaches the operator (before
 * detaching), and privileges are dropped only once every socket is bound.
 * The process that starts becomes the privileged parent (privsep_parent.h):
 * it keeps the data plane and the journal, and forks the network process
 * (netproc.h) that serves every request.
 * Whatever can be checked is checked (preflight.h) before the nftables
 * table or the journal is touched, and once the backend is open no failure
 * changes either: the error path keeps their state (issue 15, item 1).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "backend_select.h"
#include "config_host.h"
#include "control.h"
#include "daemon.h"
#include "extwatch.h"
#include "log.h"
#include "notify.h"
#include "pidfile.h"
#include "preflight.h"
#include "privs.h"
#include "privsep_parent.h"
#include "sandbox.h"

static int open_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD); /* the network process ended */
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
static int open_journal(struct pctld *d, struct pctld_preflight *pf, char *err,
                        size_t errlen)
{
	struct pctl_journal_opts jo;
	struct pctl_backend inner = d->backend;
	char why[256] = "";
	int rc;

	pctl_journal_opts_defaults(&jo);
	jo.log = journal_log;
	jo.have_lock = true;
	jo.lock_fd = pf->journal_lock_fd;
	rc = pctl_journal_open(d->cfg.state_dir, &inner, &jo, &d->journal,
	                       &d->backend, why, sizeof(why));
	if (!rc)
		pf->journal_lock_fd = -1; /* the journal's now */
	if (rc) {
		snprintf(err, errlen,
		         "journal in %s: %.200s (set state-dir, or journal no)",
		         d->cfg.state_dir, why[0] ? why : strerror(-rc));
		d->backend = inner;
		d->journal = NULL;
		return -1;
	}
	return 0;
}

/* The data plane holds exactly the engine's mappings: a predecessor killed
 * with -9 may have left elements in the kernel that nobody would list,
 * delete or renew (S-93). */
static int reconcile_backend(struct pctld *d)
{
	int rc = pctl_engine_reconcile(d->engine, pctld_now_ms());

	if (rc)
		pctld_log(LOG_ERR, "backend %s: cannot reconcile its state: %s",
		          d->cfg.backend, strerror(-rc));
	return rc ? -1 : 0;
}

/* Restores the journal, if any.  Without one, or when state may have been
 * lost, the epoch restarts and clients are told at once (S-25, S-93,
 * N-10: *lost, for the network process, which sends the announcements);
 * with state kept completely the epoch continues (S-24). */
static int start_state(struct pctld *d, bool *lost)
{
	struct pctl_journal_load_result res;
	struct timespec rt;
	int rc;

	*lost = true;
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
	/* The journal reports damage itself, through journal_log(): saying
	 * it again here printed every such warning twice (issue 15, 13). */
	if (!res.corrupt)
		pctld_log(LOG_INFO, "journal: %s", res.message);
	if (!res.state_kept) {
		pctl_engine_state_lost(d->engine, pctld_now_ms());
		pctl_journal_tick(d->journal); /* record the new epoch */
	}
	*lost = !res.state_kept;
	/* A start applies the configuration to what the journal kept, as a
	 * reload does: a deny rule added, `natpmp no` or `upnp no` before a
	 * restart ends the mappings they forbid (issue 11). */
	rc = pctl_engine_reconfigure(d->engine, &d->cfg.engine, pctld_now_ms());
	if (rc > 0)
		pctld_log(LOG_NOTICE,
		          "journal: %d restored mapping%s removed: the "
		          "configuration no longer allows %s",
		          rc, rc == 1 ? "" : "s", rc == 1 ? "it" : "them");
	else if (rc < 0)
		pctld_log(LOG_WARNING,
		          "journal: the restored mappings could "
		          "not be checked against the configuration");
	return reconcile_backend(d);
}

/* The control socket and the pidfile belong to the user the daemon runs
 * as, which must remove them at stop without privileges (their directory
 * is writable by it: preflight). */
static int give_to_user(const struct pctld_ids *who, const char *what,
                        const char *path, char *err, size_t errlen)
{
	if (!who->change || !lchown(path, who->uid, who->gid))
		return 0;
	snprintf(err, errlen, "%s %s: cannot give it to %s: %s", what, path,
	         who->name, strerror(errno));
	return -1;
}

/* Descriptors inherited from whoever started us (a shell, a supervisor)
 * would stay open for the daemon's whole life, privileges dropped or not. */
static void close_inherited_fds(void)
{
	if (close_range(3, ~0u, 0) == 0)
		return;
	for (long fd = 3, max = sysconf(_SC_OPEN_MAX);
	     fd < (max > 0 && max < 65536 ? max : 65536); fd++)
		close((int)fd);
}

static bool keep_on_stop(const struct pctld_config *cfg)
{
	return cfg->journal && !cfg->flush_on_stop;
}

/* The network process's empty root, beside the control socket; NULL when
 * the daemon was started without the privileges to chroot. */
static const char *empty_root(const struct pctld_config *cfg, char *path,
                              size_t len, char *err, size_t errlen)
{
	const char *slash = strrchr(cfg->control, '/');
	int dir_len = slash ? (int)(slash - cfg->control) : 1;

	if (geteuid() != 0)
		return NULL;
	if ((size_t)snprintf(path, len, "%.*s/%s", dir_len,
	                     slash ? cfg->control : ".",
	                     PCTLD_EMPTY_DIR_NAME) >= len) {
		snprintf(err, errlen, "control %s: path too long",
		         cfg->control);
		return "";
	}
	return pctld_empty_dir(path, err, errlen) ? "" : path;
}

static int run(struct pctld *d)
{
	char err[PCTLD_ERR_MAX], notes[1024], root_buf[PCTLD_PATH_MAX + 16];
	const char *root;
	const char *ifnames[PCTLD_MAX_IFS];
	struct pctl_backend_config bcfg;
	struct pctld_preflight pf = {.table_fd = -1, .journal_lock_fd = -1};
	int pid_fd = -1, rc = 1;
	bool backend_open = false, stopped = false, lost;

	d->ctl_fd = -1;
	d->sig_fd = -1;
	d->watch_fd = -1;
	d->self_fd = -1;
	d->notify_fd = -1;
	pctld_upnp_sockets_init(&d->upnp_socks);
	if (pctld_config_build(&d->opts, &d->cfg, notes, sizeof(notes), err,
	                       sizeof(err))) {
		pctld_log(LOG_ERR, "%s", err);
		return 1;
	}
	/* Issue 15 item 12: -n refuses what a start would. */
	if (pctld_config_check_host(&d->cfg, err, sizeof(err))) {
		pctld_log(LOG_ERR, "%s", err);
		return 1;
	}
	if (d->opts.check) {
		if (pctld_preflight(&d->cfg, true, &pf, notes, sizeof(notes),
		                    err, sizeof(err))) {
			pctld_log(LOG_ERR, "%s", err);
			return 1;
		}
		printf("configuration OK%s%s\n", notes[0] ? ": " : "", notes);
		pctld_backend_check_firewall(d->cfg.backend, d->cfg.nft_table);
		return 0;
	}
	/* The service manager's socket is reached now, while the daemon may
	 * still open any path (notify.h). */
	d->notify_fd = pctld_notify_open(err, sizeof(err));
	if (d->notify_fd == -2) {
		pctld_log(LOG_ERR, "%s", err);
		return 1;
	}
	/* The sockets first: a wrong address or interface is reported before
	 * the preflight creates any directory. */
	if (pctld_sockets_open(&d->socks, &d->cfg, err, sizeof(err)) ||
	    pctld_upnp_sockets_open(&d->upnp_socks, &d->cfg, err,
	                            sizeof(err)) ||
	    pctld_preflight(&d->cfg, false, &pf, notes, sizeof(notes), err,
	                    sizeof(err))) {
		pctld_log(LOG_ERR, "%s", err);
		goto out;
	}
	d->ctl_fd = pctld_control_open(d->cfg.control, err, sizeof(err));
	if (d->ctl_fd < 0 || give_to_user(&pf.ids, "control", d->cfg.control,
	                                  err, sizeof(err))) {
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
	if (d->cfg.journal && open_journal(d, &pf, err, sizeof(err))) {
		pctld_log(LOG_ERR, "%s", err);
		goto out;
	}
	/* The network process follows the addresses; here they are read
	 * once, to restore the journal's mappings on them. */
	if (pctld_extwatch_open(d, err, sizeof(err)) == -1) {
		pctld_log(LOG_ERR, "%s", err);
		goto out;
	}
	pctld_extwatch_close(d);
	root =
	    empty_root(&d->cfg, root_buf, sizeof(root_buf), err, sizeof(err));
	if (root && !root[0]) {
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
		if (pid_fd < 0 ||
		    give_to_user(&pf.ids, "pidfile", d->cfg.pidfile, err,
		                 sizeof(err))) {
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
	/* Issue 10: before the privileges go (the file's descriptor, which
	 * the network process inherits and writes to). */
	if (pctld_audit_open(&d->audit, &d->cfg.audit, NULL, NULL, err,
	                     sizeof(err))) {
		pctld_log(LOG_ERR, "%s", err);
		goto out;
	}
	d->audit_open = true;
	if (start_state(d, &lost))
		goto out;
	/* Last: everything that needs privileges is open or done.  The
	 * parent keeps what the network processes it starts need to confine
	 * themselves (privs.h). */
	if (pctld_drop_privileges(&pf.ids, !strcmp(d->cfg.backend, "nftables"),
	                          root != NULL, err, sizeof(err))) {
		pctld_log(LOG_ERR, "%s", err);
		goto out;
	}
	log_start(d, notes);
	rc = pctld_privsep_run(d, &pf.ids, root, lost) ? 1 : 0;
	stopped = rc == 0;
out:
	if (d->engine)
		pctl_engine_free(d->engine);
	if (d->audit_open)
		pctld_audit_close(&d->audit);
	/* A failed start keeps the table and the journal as they were; a
	 * clean stop keeps them too, for the next start to resume (issue 9),
	 * unless on-stop flush asks otherwise or there is no journal to
	 * resume from. */
	if (backend_open)
		d->backend.ops->destroy(d->backend.ctx,
		                        !stopped || keep_on_stop(&d->cfg));
	if (d->sig_fd >= 0)
		close(d->sig_fd);
	if (d->notify_fd >= 0)
		close(d->notify_fd);
	pctld_extwatch_close(d);
	pctld_control_close(d->cfg.control, d->ctl_fd);
	pctld_pidfile_remove(d->cfg.pidfile, pid_fd);
	pctld_sockets_close(&d->socks);
	pctld_upnp_sockets_close(&d->upnp_socks);
	pctld_preflight_release(&pf);
	if (stopped)
		pctld_log(LOG_NOTICE, "stopped; mappings %s",
		          keep_on_stop(&d->cfg)
		              ? "kept in the data plane and the journal for "
		                "the next start"
		              : "removed");
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
	close_inherited_fds();
	pctld_log_init(true, d->opts.verbose);
	/* daemon() moves to /: relative paths must still name the same files
	 * afterwards and at every SIGHUP. */
	if (getcwd(start_dir, sizeof(start_dir)))
		d->opts.base_dir = start_dir;
	rc = run(d);
	free(d);
	return rc;
}

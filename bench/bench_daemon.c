/*
 * See bench_daemon.h.
 */
#include "bench_daemon.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

pid_t bench_daemon_start(const char *path, const char *dir, const char *listen,
                         const char *conf_text)
{
	char conf[256], ctl[256];
	FILE *f;
	pid_t pid;

	snprintf(conf, sizeof(conf), "%s/portctld.conf", dir);
	snprintf(ctl, sizeof(ctl), "%s/ctl.sock", dir);
	f = fopen(conf, "w");
	if (!f)
		return -1;
	/* The benchmarks measure service, not privilege separation: the
	 * daemon stays root, so that its private temporary directory (mode
	 * 0700, root's) can be its state directory. */
	fputs("user root\n", f);
	fputs(conf_text, f);
	fclose(f);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (!freopen("/dev/null", "w", stderr))
			_exit(127);
		execl(path, path, "-f", "-c", conf, "--listen", listen,
		      "--control", ctl, "--state-dir", dir, (char *)NULL);
		_exit(127);
	}
	if (pid < 0)
		return -1;
	for (int i = 0; i < 100; i++) { /* wait for the control socket */
		usleep(50000);
		if (access(ctl, F_OK) == 0)
			return pid;
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

void bench_daemon_stop(pid_t pid, const char *dir)
{
	char cmd[300];

	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", dir);
}

/*
 * Starting and stopping the portctld a loopback benchmark drives: the
 * daemon runs in the foreground as a child that dies with the benchmark
 * (PR_SET_PDEATHSIG), with its configuration, control socket and state in
 * a private directory.
 */
#ifndef PORTCTL_BENCH_DAEMON_H
#define PORTCTL_BENCH_DAEMON_H

#include <sys/types.h>

/* Writes conf_text to dir/portctld.conf and starts path on listen
 * (ADDR:PORT); waits (at most 5 s) for its control socket.  The PID, or -1
 * (nothing left running). */
pid_t bench_daemon_start(const char *path, const char *dir, const char *listen,
                         const char *conf_text);
/* SIGTERM, wait, and remove dir. */
void bench_daemon_stop(pid_t pid, const char *dir);

#endif

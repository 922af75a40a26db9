/*
 * Integration-test harness for portctld: starts the real daemon binary on a
 * loopback address and port of the test's own, talks to it with real UDP
 * datagrams built by the codec, and stops it (only the PID it started, also
 * when a test fails: the child gets SIGKILL when the test process dies).
 */
#ifndef PORTCTLD_TEST_HARNESS_H
#define PORTCTLD_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <portctl/wire.h>

struct daemon {
	pid_t pid;
	char dir[64]; /* private temp dir (0711): config, log, state/, and
	                 run/ with the control socket */
	char conf[128];
	char control[128];
	char log[128];
	char ip[32]; /* listen address */
	uint16_t port;
	pctl_addr addr;
};

/* Creates the temp dir and picks a free UDP port on ip (port 0 asks the
 * kernel).  Call once per test. */
void daemon_init(struct daemon *d, const char *ip, uint16_t port);
/* (Re)writes the configuration file. */
void daemon_write_conf(struct daemon *d, const char *text);
/* Starts portctld -f -c conf --listen ip:port --control ... plus extra
 * (NULL-terminated, may be NULL); waits (bounded) for the control socket.
 * Returns 0, or -1 if it exited or never became ready. */
int daemon_start(struct daemon *d, const char *const *extra);
/* daemon_init, daemon_write_conf(conf) and daemon_start(extra) in one:
 * 0, or -1 with the temp dir removed (a cmocka group setup's shape). */
int daemon_launch(struct daemon *d, const char *ip, uint16_t port,
                  const char *conf, const char *const *extra);
/* Sends sig; for SIGTERM/SIGINT waits (at most 10 s, then SIGKILL) and
 * returns the exit status (0 on a clean stop), else returns 0. */
int daemon_signal(struct daemon *d, int sig);
/* SIGTERM, wait, remove the temp dir; 0 when the daemon exited cleanly
 * (status 0, so also no leak under ASan). */
int daemon_finish(struct daemon *d);
/* Stops if running and removes the temp dir. */
void daemon_cleanup(struct daemon *d);
/* Whether the log contains s. */
bool daemon_log_has(const struct daemon *d, const char *s);

/* A UDP socket bound to src_ip:port (port 0: any). */
int client_open(const char *src_ip, uint16_t port);
/* Whether a datagram is ready within timeout_ms (nothing is read). */
bool client_wait(int fd, int timeout_ms);
/* Waits up to timeout_ms for a datagram; returns its length or -1. */
ssize_t client_recv(int fd, uint8_t *buf, size_t cap, int timeout_ms);
/* A MAP request from a client bound to src_ip. */
size_t build_map(uint8_t *buf, const char *client_ip, const uint8_t nonce[12],
                 uint8_t proto, uint16_t int_port, uint16_t ext_port,
                 uint32_t lifetime);
/* Sends buf to the daemon and waits for a PCP response (up to 3 tries of
 * 700 ms); 0 and the decoded response, or -1. resp_buf keeps the octets. */
int pcp_exchange(int fd, const struct daemon *d, const uint8_t *buf, size_t len,
                 struct pctl_msg *resp, uint8_t *resp_buf);
/* MAP in one call: result code, or -1 without an answer. */
int pcp_map(int fd, const struct daemon *d, const char *client_ip,
            const uint8_t nonce[12], uint8_t proto, uint16_t int_port,
            uint16_t ext_port, uint32_t lifetime, struct pctl_msg *resp);

/* A UDP socket bound to the all-hosts group (224.0.0.1, or ff02::1 when
 * v6) on a kernel-chosen port, member of the group on interface ifname.
 * Returns the descriptor (port in *port) or -1. */
int multicast_listener(bool v6, const char *ifname, uint16_t *port);

/* Waits (up to 4 datagrams of timeout_ms each) for an unsolicited PCP
 * ANNOUNCE on fd sent from port `port` and, when from is not NULL, from
 * that address (S-92). */
bool wait_announce_from(int fd, uint16_t port, const pctl_addr *from,
                        int timeout_ms);

/* One control-socket request; returns the malloc'd reply (status line and
 * body) or NULL. */
char *control_request(const struct daemon *d, const char *line);
/* Runs a command line, returns its exit status; stdout into out (malloc'd,
 * may be NULL). */
int run_command(const char *cmd, char **out);

#endif

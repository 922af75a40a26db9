/*
 * portctld's administration socket (Unix stream, mode 0600), the server side
 * of `portctl admin`.  Protocol (documented in portctld(8), CONTROL SOCKET):
 *
 *   request:  one line, "COMMAND [ARGUMENT] [json]\n", COMMAND one of
 *             list, stats, delete ID, flush
 *   response: "ok\n" or "error REASON\n", then the body (text, or one JSON
 *             document with "json"), then the server closes the connection.
 */
#ifndef PORTCTLD_CONTROL_H
#define PORTCTLD_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct pctl_engine;

/* Whether path is free for a new daemon: 0 when nothing is there or a stale
 * socket a dead daemon left (*stale then true), -1 with a reason in err when
 * a live daemon answers there or path is something else. */
int pctld_control_probe(const char *path, bool *stale, char *err,
                        size_t errlen);

/* Creates the listening socket at path (replacing a stale socket file, never
 * a live daemon's: pctld_control_probe).  Returns the descriptor or -1 with
 * a reason in err. */
int pctld_control_open(const char *path, char *err, size_t errlen);
void pctld_control_close(const char *path, int fd);

/* Accepts one connection on listen_fd, reads its request, answers, closes.
 * A client that sends nothing within a second is dropped. */
void pctld_control_serve(int listen_fd, struct pctl_engine *e, uint64_t now_ms);

/* Executes one request line and writes the response to out (exposed for
 * tests).  Returns 0 for "ok", -1 for "error". */
int pctld_control_exec(struct pctl_engine *e, const char *line, FILE *out,
                       uint64_t now_ms);

#endif

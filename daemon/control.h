/*
 * portctld's administration socket (Unix stream, mode 0600), the server side
 * of `portctl admin`.  Protocol (documented in portctld(8), CONTROL SOCKET):
 *
 *   request:  one line, "COMMAND [ARGUMENT] [json]\n", COMMAND one of
 *             list, stats, delete ID, flush
 *   response: "ok\n" or "error REASON\n", then the body (text, or one JSON
 *             document with "json"), then the server closes the connection.
 *             A list is written a page at a time between PCP batches
 *             (control_conn.h).
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

/* A listing in progress: the JSON flag, the engine's page cursor, and how
 * many mappings were written so far. */
struct pctld_list {
	bool json;
	uint32_t cursor;
	size_t n;
};

/* Executes one request line and writes the response to out.  Returns 0
 * for "ok", -1 for "error", 1 for a list whose status line (and JSON
 * opening) is written: *list is set up and the mappings follow through
 * pctld_control_list_page. */
int pctld_control_exec(struct pctl_engine *e, const char *line, FILE *out,
                       uint64_t now_ms, struct pctld_list *list);

/* Writes the next page of a listing, at most max mappings, and its end
 * (JSON: the closing brackets) after the last.  True when the listing is
 * complete.  Between pages the table may change: a mapping that lives
 * throughout is listed exactly once (pctl_engine_foreach_page). */
bool pctld_control_list_page(struct pctl_engine *e, struct pctld_list *l,
                             FILE *out, size_t max, uint64_t now_ms);

#endif

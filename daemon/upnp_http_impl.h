/*
 * What upnp_http.c (the libmicrohttpd daemons, connections, deadlines) and
 * upnp_route.c (one request: routing, control, eventing) share.
 */
#ifndef PORTCTLD_UPNP_HTTP_IMPL_H
#define PORTCTLD_UPNP_HTTP_IMPL_H

#include <microhttpd.h>
#include <stdbool.h>

#include "upnp_desc.h"
#include "upnp_event.h"
#include "upnp_http.h"

/* One client connection, from accept to close. */
struct pctld_http_conn {
	struct pctld_http *h;
	struct pctld_http_conn *next, *prev;
	int fd;
	pctl_addr peer;
	uint64_t deadline_ms; /* the current request must be done by then */
	bool cut;             /* shut down at its deadline */
};

struct pctld_http {
	int epfd;
	size_t n;
	struct MHD_Daemon **d;
	struct pctl_engine *engine;
	struct pctld_http_limits lim;
	struct pctld_upnp_docs docs;
	struct pctld_subs subs;
	uint64_t now_ms;   /* of the pctld_http_run in progress */
	uint64_t start_ms; /* first pctld_http_run: Uptime counts from it */
	bool started;
	struct pctld_http_conn *conns;
	unsigned n_conns;
};

/* The MHD access handler (upnp_route.c); cls is the struct pctld_http. */
enum MHD_Result pctld_http_handle(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **req);
/* Frees what pctld_http_handle kept for a request (*req). */
void pctld_http_request_done(void *req);

#endif

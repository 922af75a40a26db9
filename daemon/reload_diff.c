/*
 * reload_diff.c - the directives a reload leaves for the next start
 * (reload_diff.h).  Each is compared as the parser stores it; the list
 * follows portctld.conf(5)'s DAEMON DIRECTIVES.
 */
#include "reload_diff.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct names {
	char *buf;
	size_t len, used, n;
};

static void add(struct names *w, bool changed, const char *name)
{
	if (!changed)
		return;
	if (w->used + 1 < w->len) {
		size_t room = w->len - w->used;
		int k = snprintf(w->buf + w->used, room, "%s%s",
		                 w->n ? ", " : "", name);
		/* Past the end: the buffer is full (truncated). */
		if (k > 0)
			w->used += (size_t)k < room ? (size_t)k : room - 1;
	}
	w->n++;
}

static bool str_differs(const char *a, const char *b)
{
	return strcmp(a, b) != 0;
}

size_t pctld_reload_restart_only(const struct pctld_config *o,
                                 const struct pctld_config *c, char *buf,
                                 size_t len)
{
	struct names w = {.buf = buf, .len = len};

	if (len)
		buf[0] = '\0';
	add(&w,
	    o->n_listen != c->n_listen ||
	        memcmp(o->listen, c->listen,
	               sizeof(o->listen[0]) * o->n_listen),
	    "listen");
	add(&w,
	    o->n_int_ifs != c->n_int_ifs ||
	        memcmp(o->int_ifs, c->int_ifs, sizeof(o->int_ifs)),
	    "internal-interface");
	add(&w, str_differs(o->ext_if, c->ext_if), "external-interface");
	add(&w, str_differs(o->control, c->control), "control");
	add(&w, str_differs(o->backend, c->backend), "backend");
	add(&w, str_differs(o->nft_table, c->nft_table), "nft-table");
	/* The backend's chains are built with or without hairpin NAT. */
	add(&w, o->hairpin != c->hairpin, "hairpin");
	add(&w, str_differs(o->state_dir, c->state_dir), "state-dir");
	add(&w, o->journal != c->journal, "journal");
	add(&w, str_differs(o->pidfile, c->pidfile), "pidfile");
	add(&w, str_differs(o->user, c->user), "user");
	add(&w, o->socket_rcvbuf != c->socket_rcvbuf, "socket-rcvbuf");
	/* Checked against the listeners, which are opened at start. */
	add(&w, o->allow_any_interface != c->allow_any_interface,
	    "allow-any-interface");
	/* Issue 11: the UPnP sockets are opened at start, and clients cache
	 * the description (uuid, version, name) for CACHE-CONTROL max-age. */
	add(&w, o->upnp.enabled != c->upnp.enabled, "upnp");
	add(&w, o->upnp.http_port != c->upnp.http_port, "upnp-http-port");
	add(&w, o->upnp.igd_version != c->upnp.igd_version, "upnp-igd-version");
	add(&w, str_differs(o->upnp.friendly_name, c->upnp.friendly_name),
	    "upnp-friendly-name");
	add(&w, str_differs(o->upnp.uuid, c->upnp.uuid), "upnp-uuid");
	add(&w, o->upnp.notify_interval != c->upnp.notify_interval,
	    "upnp-notify-interval");
	return w.n;
}

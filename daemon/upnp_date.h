/*
 * The HTTP Date header value (RFC 9110 IMF-fixdate) of the UPnP server's
 * answers, computed from the real-time clock by arithmetic alone: the
 * C library's gmtime would read /etc/localtime the first time, which the
 * confined network process may not (its seccomp filter forbids open).
 */
#ifndef PORTCTLD_UPNP_DATE_H
#define PORTCTLD_UPNP_DATE_H

#include <stdint.h>

#define PCTLD_HTTP_DATE_LEN 29 /* "Sun, 06 Nov 1994 08:49:37 GMT" */

/* Formats seconds since 1970 (UTC) into out. */
void pctld_http_date(int64_t secs, char out[PCTLD_HTTP_DATE_LEN + 1]);

#endif

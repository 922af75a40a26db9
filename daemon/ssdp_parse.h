/*
 * The SSDP M-SEARCH parser (UPnP Device Architecture 1.1 section 1.3.2):
 * strict and bounded, for datagrams from anyone on the LAN.  Anything that
 * is not a well-formed search is dropped without an answer: NOTIFY (other
 * devices' advertisements), responses, other methods, over-long lines, too
 * many headers, a NUL or a control character, a header given twice.
 */
#ifndef PORTCTLD_SSDP_PARSE_H
#define PORTCTLD_SSDP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits: one datagram (larger ones are truncated by the receiver and
 * dropped here), one line, the header lines, the search target. */
#define PCTLD_SSDP_MAX_DGRAM   1500
#define PCTLD_SSDP_MAX_LINE    512
#define PCTLD_SSDP_MAX_HEADERS 24
#define PCTLD_SSDP_ST_MAX      200
/* MX is clamped to 1..5 seconds (UDA 1.1: at least 1, at most 5 should be
 * honoured). */
#define PCTLD_SSDP_MX_MIN 1
#define PCTLD_SSDP_MX_MAX 5

struct pctld_ssdp_search {
	char st[PCTLD_SSDP_ST_MAX + 1]; /* the search target, as sent */
	unsigned mx;                    /* seconds, clamped; 0: no MX */
};

/* 0 and *out filled for a well-formed M-SEARCH with HOST, MAN
 * "ssdp:discover" and ST (MX required by the caller for multicast);
 * -1: drop. */
int pctld_ssdp_parse(const uint8_t *buf, size_t len,
                     struct pctld_ssdp_search *out);

#endif

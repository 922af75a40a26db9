/*
 * What portctld's UPnP device tree advertises over SSDP (UDA 1.1 sections
 * 1.2.2 and 1.3.3), and the messages that carry it.  The tree, for
 * upnp-igd-version V (1 or 2), matches the descriptions of upnp_http.h:
 *
 *   InternetGatewayDevice:V                 uuid:ROOT
 *     WANDevice:V                           uuid:ROOT+1 (pctld_ssdp_udn)
 *       WANCommonInterfaceConfig:1
 *       WANConnectionDevice:V               uuid:ROOT+2
 *         WANIPConnection:V
 *         WANIPv6FirewallControl:1          (V = 2 only)
 *
 * A search for an older version of one of our types than ours is answered
 * with the version asked, in ST and USN (UDA 1.1 section 1.3.2: devices
 * are backward compatible); a newer one is not ours.
 */
#ifndef PORTCTLD_SSDP_ANSWER_H
#define PORTCTLD_SSDP_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "upnp_http.h"

/* ssdp:all: 3 for the root, 2 per embedded device, 1 per service. */
#define PCTLD_SSDP_MAX_ANSWERS 12

struct pctld_ssdp_answer {
	char st[96];   /* ST of a response, NT of a NOTIFY */
	char usn[144]; /* USN */
};

/* The UDN (without "uuid:") of device k of the tree: 0 the root (the
 * configured or derived UUID), 1 WANDevice, 2 WANConnectionDevice, which
 * are the root's with the last hexadecimal digit increased by k, modulo
 * 16, so that each is stable and distinct. */
void pctld_ssdp_udn(const struct pctld_upnp_info *info, unsigned k,
                    char out[37]);

/* The answers to a search for st (M-SEARCH), or with st NULL every
 * advertisement (NOTIFY, ssdp:all).  How many were stored in out (room
 * for PCTLD_SSDP_MAX_ANSWERS); 0: st is none of ours. */
size_t pctld_ssdp_select(const struct pctld_upnp_info *info, const char *st,
                         struct pctld_ssdp_answer *out);

/* What every message carries besides ST/NT and USN. */
struct pctld_ssdp_hdr {
	const char *location; /* http://ADDR:PORT/rootDesc.xml */
	const char *server;   /* OS/version UPnP/1.1 portctl/version */
	uint32_t bootid, configid;
};

/* "http://192.0.2.1:5000/rootDesc.xml" or "http://[2001:db8::1]:5000/...",
 * for address addr (16 bytes, IPv4-mapped for IPv4). */
void pctld_ssdp_location(char *buf, size_t len, const uint8_t addr[16],
                         uint16_t port);

/* The M-SEARCH response (HTTP/1.1 200 OK), or a NOTIFY ssdp:alive (alive)
 * or ssdp:byebye to the multicast group (v6: [FF02::C]:1900).  The length
 * written, 0 when it does not fit. */
size_t pctld_ssdp_format_response(char *buf, size_t len,
                                  const struct pctld_ssdp_answer *a,
                                  const struct pctld_ssdp_hdr *h);
size_t pctld_ssdp_format_notify(char *buf, size_t len, bool alive, bool v6,
                                const struct pctld_ssdp_answer *a,
                                const struct pctld_ssdp_hdr *h);

#endif

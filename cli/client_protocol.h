/*
 * client_protocol.h - the words of --protocol (pcp, natpmp, upnp, auto)
 * and the names the output gives the protocol that answered.
 */
#ifndef PORTCTL_CLI_CLIENT_PROTOCOL_H
#define PORTCTL_CLI_CLIENT_PROTOCOL_H

#include <portctl/client.h>

/* "pcp", "natpmp", "upnp" or "auto" into PCTL_PROTO_* bits (auto:
 * PCTL_PROTO_AUTO).  0, or -1 for any other word. */
int cli_protocol_parse(const char *word, unsigned *protocols);
/* The protocol that answered (an answer must have come). */
enum pctl_client_proto
cli_protocol_answered(const struct pctl_client_map_info *info);
/* The --protocol word of the protocol that answered ("pcp", "natpmp",
 * "upnp"), or "none" before any answer. */
const char *cli_protocol_word(const struct pctl_client_map_info *info);
/* The protocol that answered as a reader names it: "PCP", "NAT-PMP",
 * "UPnP IGD:1" / "UPnP IGD:2" (or "UPnP IGD" when the device gave no
 * version).  buf holds the UPnP form. */
const char *cli_protocol_label(const struct pctl_client_map_info *info,
                               char *buf, size_t len);

#endif

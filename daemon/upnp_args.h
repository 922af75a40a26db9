/*
 * Typed values of UPnP action arguments (UDA 1.1 data types), parsed
 * strictly: decimal digits only for numbers, the boolean spellings UDA
 * lists, TCP/UDP as the WANIPConnection spec writes them, addresses as
 * inet_pton reads them.  Every function returns 0 or -1 (the caller answers
 * 402 Invalid Args) and leaves *out alone on failure.
 */
#ifndef PORTCTLD_UPNP_ARGS_H
#define PORTCTLD_UPNP_ARGS_H

#include <stdbool.h>
#include <stdint.h>

#include <portctl/wire.h>

int pctld_arg_ui2(const char *s, uint16_t *out);
int pctld_arg_ui4(const char *s, uint32_t *out);
int pctld_arg_bool(const char *s, bool *out);
/* "TCP" -> 6, "UDP" -> 17. */
int pctld_arg_proto(const char *s, uint8_t *out);
/* An IPv4 address; "" is the wildcard (0.0.0.0) when empty_ok. */
int pctld_arg_ipv4(const char *s, bool empty_ok, pctl_addr *out);
/* An IPv6 address (not v4-mapped); "" is the wildcard (::) when
 * empty_ok. */
int pctld_arg_ipv6(const char *s, bool empty_ok, pctl_addr *out);
/* Copies at most max bytes of s into out (NUL-terminated), cut at a UTF-8
 * character boundary. */
void pctld_arg_text(const char *s, char *out, size_t max);

#endif

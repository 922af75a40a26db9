/*
 * The client's UPnP IGD codecs (lib/client/upnp_*.c): what libportctl says
 * and reads when it maps a port through a UPnP Internet Gateway Device
 * (IGD:1 and IGD:2) instead of PCP or NAT-PMP.  Pure functions over
 * buffers: no sockets, no clock, no allocation.  The transport (SSDP
 * sockets, HTTP over libcurl) and the state machine are built on these in
 * upnp_http.c, upnp_igd.c and upnp_map.c.
 *
 * Every parser here reads untrusted bytes from the LAN (any host can answer
 * an M-SEARCH), is strict and bounded (the limits below), and has a
 * libFuzzer target (fuzz/).  A parser that fails leaves its output zeroed.
 */
#ifndef PORTCTL_CLIENT_UPNP_H
#define PORTCTL_CLIENT_UPNP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <portctl/wire.h>

#define PCTL_SSDP_PORT   1900
#define PCTL_SSDP_GROUP4 "239.255.255.250"
#define PCTL_SSDP_GROUP6 "ff02::c"
/* Longest URL kept (LOCATION, control URLs): longer ones are refused. */
#define PCTL_UPNP_URL_MAX 256
/* Longest service or device type kept. */
#define PCTL_UPNP_TYPE_MAX 96
/* Largest device description read (bytes) and deepest element nesting. */
#define PCTL_UPNP_DESC_MAX  (64 * 1024)
#define PCTL_UPNP_DEPTH_MAX 16
/* Largest SOAP response read (bytes). */
#define PCTL_UPNP_SOAP_MAX (16 * 1024)

/* ---- SSDP (UPnP Device Architecture 1.1 section 1.3.2) ------------------ */

/* The search targets the client sends, most capable first. */
#define PCTL_ST_IGD2 "urn:schemas-upnp-org:device:InternetGatewayDevice:2"
#define PCTL_ST_IGD1 "urn:schemas-upnp-org:device:InternetGatewayDevice:1"

/* Writes an M-SEARCH for st (ssdp:discover, MX mx seconds, held to UDA
 * 1.1's 1..5) to the IPv4 group (family 4) or to ff02::c (family 6), with a
 * USER-AGENT naming portctl.  Returns its length, or 0 when cap is too
 * small, family is neither, or st is empty or holds white space or control
 * characters (a line break would forge headers). */
size_t pctl_ssdp_msearch(char *buf, size_t cap, int family, const char *st,
                         unsigned mx);

struct pctl_ssdp_reply {
	char location[PCTL_UPNP_URL_MAX]; /* http:// URL of the description */
	char st[PCTL_UPNP_TYPE_MAX];      /* the ST it answers */
	uint32_t max_age;                 /* CACHE-CONTROL max-age, 0: none */
};

/* Parses one datagram answering an M-SEARCH: "HTTP/1.1 200 OK" (1.0 too),
 * header names case-insensitive, lines ending in CRLF or LF, a LOCATION
 * that is an http URL with a literal address (pctl_url_parse) and an ST
 * are required, each once.  Lines of 512 bytes or more, more than 32 lines,
 * control characters and NULs are refused; an unreadable CACHE-CONTROL
 * gives max_age 0.  Returns 0, or -1 with errno EINVAL (anything else: a
 * NOTIFY, a request, a malformed or over-long line, no LOCATION, a host
 * name instead of an address). */
int pctl_ssdp_parse_reply(const char *buf, size_t len,
                          struct pctl_ssdp_reply *out);

/* ---- URLs ------------------------------------------------------------------
 * Only http://ADDR[:PORT][/path] with a literal IPv4 or [IPv6] address
 * (with a %zone for a link-local one): an IGD is on the local link and
 * libportctl resolves no names. */
struct pctl_url {
	pctl_addr addr;
	unsigned scope_id; /* interface of a link-local IPv6 address, or 0 */
	uint16_t port;     /* 80 when absent */
	char path[PCTL_UPNP_URL_MAX]; /* "/" when absent; with any query */
};

/* The scheme is case-insensitive; the zone is "%name", "%25name" (RFC
 * 6874) or "%index", and only on a link-local address.  Userinfo, an empty
 * or zero port, a fragment, white space and control characters are
 * refused.  Returns 0, or -1 with errno EINVAL (not such a URL, or too
 * long) or ENODEV (unknown zone). */
int pctl_url_parse(const char *url, struct pctl_url *out);
/* Resolves ref (absolute "http://...", network-path "//a/x", absolute path
 * "/x", query "?q", or relative "x") against base (an absolute http URL)
 * into out (RFC 3986 section 5.2, without dot-segment games: a ref with a
 * "." or ".." segment is refused).  The result must itself be a URL
 * pctl_url_parse accepts.  Returns 0, or -1 with errno EINVAL or ENOSPC
 * (cap too small); out is "" on failure. */
int pctl_url_resolve(const char *base, const char *ref, char *out, size_t cap);

/* ---- Device description (UPnP IGD:1/IGD:2) --------------------------------
 */

struct pctl_igd_desc {
	uint8_t igd_version; /* 1 or 2: the root InternetGatewayDevice:N */
	/* The connection service used for port mappings: the first
	 * WANIPConnection:2, else WANIPConnection:1, else WANPPPConnection:1,
	 * found under a WANConnectionDevice; its type exactly as the device
	 * wrote it (the SOAPAction and the body's namespace use it). */
	char conn_type[PCTL_UPNP_TYPE_MAX];
	char conn_control[PCTL_UPNP_URL_MAX]; /* absolute URL */
	/* WANIPv6FirewallControl:1 for IPv6 pinholes, "" when absent. */
	char v6fc_type[PCTL_UPNP_TYPE_MAX];
	char v6fc_control[PCTL_UPNP_URL_MAX];
};

/* Parses a device description fetched from location (controlURLs are
 * resolved against URLBase when present, else against location).
 * Elements are matched by local name (namespaces and prefixes vary); the
 * root device must be InternetGatewayDevice:1 or :2.  Uses expat; refuses
 * a DOCTYPE (no entities), more than PCTL_UPNP_DESC_MAX bytes or
 * PCTL_UPNP_DEPTH_MAX levels, and an over-long URLBase, deviceType,
 * serviceType or controlURL (refused, never cut).  Returns 0, or -1 with
 * errno EINVAL (not XML, not an IGD, a LOCATION, URLBase or chosen
 * controlURL that is not a literal-address http URL) or ENOENT (an IGD
 * without a connection service). */
int pctl_igd_desc_parse(const char *xml, size_t len, const char *location,
                        struct pctl_igd_desc *out);

/* ---- SOAP (UPnP Device Architecture 1.1 section 3.2) ------------------- */

struct pctl_soap_arg {
	const char *name;
	const char *value; /* escaped by the builder */
};

/* Writes the body of a SOAP request for action of service_type with the
 * arguments in order (values and service_type XML-escaped), in the
 * standard envelope with s:encodingStyle.  The HTTP request around it
 * carries SOAPAction: "service_type#action".  Returns the length, or 0
 * when cap is too small, action or an argument name is not an ASCII XML
 * name ([A-Za-z_][A-Za-z0-9_]*), or a value holds a control character XML
 * cannot carry. */
size_t pctl_soap_request(char *buf, size_t cap, const char *service_type,
                         const char *action, const struct pctl_soap_arg *args,
                         size_t n);

#define PCTL_SOAP_MAX_OUT   8
#define PCTL_SOAP_NAME_MAX  48
#define PCTL_SOAP_VALUE_MAX 256

struct pctl_soap_result {
	/* 0: the action succeeded (out arguments below); otherwise the
	 * UPnPError errorCode of a SOAP Fault (e.g. 718 ConflictInMapping,
	 * 725 OnlyPermanentLeasesSupported). */
	int upnp_error;
	char error_desc[128];
	size_t n_out;
	struct {
		char name[PCTL_SOAP_NAME_MAX];
		char value[PCTL_SOAP_VALUE_MAX];
	} out[PCTL_SOAP_MAX_OUT];
};

/* Parses the body of a SOAP response to action: either
 * <u:{action}Response> with its out arguments (unescaped, surrounding
 * white space removed; at most PCTL_SOAP_MAX_OUT, names below
 * PCTL_SOAP_NAME_MAX bytes, each value at most PCTL_SOAP_VALUE_MAX - 1
 * bytes, no name twice), or a Fault carrying a UPnPError whose errorCode
 * is 1..9999 (error_desc cut to fit: it is only shown to people).
 * Elements are matched by local name: namespace prefixes are whatever the
 * device chose.  Uses expat; refuses a DOCTYPE, more than
 * PCTL_UPNP_SOAP_MAX bytes or PCTL_UPNP_DEPTH_MAX levels.  Returns 0
 * (check upnp_error), or -1 with errno EINVAL (not a SOAP envelope, a
 * response to another action, a Fault without a UPnPError, an over-long
 * value, markup inside an argument). */
int pctl_soap_parse_response(const char *xml, size_t len, const char *action,
                             struct pctl_soap_result *out);
/* The value of out argument name, or NULL. */
const char *pctl_soap_out(const struct pctl_soap_result *r, const char *name);

#endif

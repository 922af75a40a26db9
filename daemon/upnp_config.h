/*
 * The UPnP IGD settings of portctld.conf(5) (issue 11): `upnp`,
 * `upnp-http-port`, `upnp-igd-version`, `upnp-friendly-name`, `upnp-uuid`,
 * `upnp-notify-interval` (`upnp-secure-mode` is the engine's
 * upnp_secure_mode).  Plain data inside struct pctld_config; the checks and
 * defaults that need the host (hostname, machine id) are done by
 * pctld_upnp_config_finish, in the parent, so that the network process
 * needs no file system.
 */
#ifndef PORTCTLD_UPNP_CONFIG_H
#define PORTCTLD_UPNP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <net/if.h>

#define PCTLD_UPNP_DEFAULT_HTTP_PORT 5000 /* OpenWrt's miniupnpd's */
#define PCTLD_UPNP_DEFAULT_NOTIFY    900
/* CACHE-CONTROL max-age of every advertisement (UDA 1.1 section 1.2.2:
 * at least 1800); NOTIFY alive is repeated at most every half of it. */
#define PCTLD_UPNP_MAX_AGE      1800
#define PCTLD_UPNP_NOTIFY_MIN   60
#define PCTLD_UPNP_NOTIFY_MAX   (PCTLD_UPNP_MAX_AGE / 2)
#define PCTLD_UPNP_FRIENDLY_MAX 64 /* UDA: friendlyName < 64 characters */
#define PCTLD_UPNP_UUID_LEN     36
#define PCTLD_MACHINE_ID        "/etc/machine-id"

struct pctld_upnp_config {
	bool enabled;
	uint16_t http_port;
	unsigned igd_version; /* 1 or 2 */
	/* Empty until pctld_upnp_config_finish: "portctl on HOSTNAME". */
	char friendly_name[PCTLD_UPNP_FRIENDLY_MAX + 1];
	/* Lower case 8-4-4-4-12; empty until pctld_upnp_config_finish
	 * derives it from the machine id. */
	char uuid[PCTLD_UPNP_UUID_LEN + 1];
	uint32_t notify_interval; /* seconds */
};

void pctld_upnp_config_defaults(struct pctld_upnp_config *u);

/* Directive values.  0, or -1 with a reason in err. */
int pctld_upnp_parse_uuid(const char *s, char out[PCTLD_UPNP_UUID_LEN + 1],
                          char *err, size_t errlen);
/* The words of `upnp-friendly-name`, joined by single spaces: printable
 * UTF-8, at most PCTLD_UPNP_FRIENDLY_MAX bytes. */
int pctld_upnp_parse_name(char **w, size_t n,
                          char out[PCTLD_UPNP_FRIENDLY_MAX + 1], char *err,
                          size_t errlen);

/* The default UUID: a machine id (32 hexadecimal digits, systemd's
 * machine-id(5)) hashed with SipHash-2-4 under two fixed keys into 128
 * bits laid out as an RFC 4122 name-based UUID (version 5 nibble, variant
 * 10).  The same machine id always gives the same UUID, and the UUID does
 * not reveal the machine id.  0, or -1 when id is not a machine id. */
int pctld_upnp_uuid_from_machine_id(const char *id,
                                    char out[PCTLD_UPNP_UUID_LEN + 1]);
/* The same, reading the file at path.  0, or -1 with a reason in err. */
int pctld_upnp_uuid_from_file(const char *path,
                              char out[PCTLD_UPNP_UUID_LEN + 1], char *err,
                              size_t errlen);

/* With `upnp yes`: at least one internal-interface, none of them the
 * external one; the default friendly name and UUID (machine_id: the file
 * to derive it from, PCTLD_MACHINE_ID).  Nothing is checked with `upnp
 * no`.  0, or -1 with a reason in err. */
int pctld_upnp_config_finish(struct pctld_upnp_config *u, size_t n_int_ifs,
                             const char (*int_ifs)[IF_NAMESIZE],
                             const char *ext_if, const char *machine_id,
                             char *err, size_t errlen);

#endif

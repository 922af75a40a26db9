/*
 * See config_host.h.
 */
#include "config_host.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int if_exists(const char *what, const char *name, char *err,
                     size_t errlen)
{
	if (if_nametoindex(name))
		return 0;
	snprintf(err, errlen, "%s %s: %s", what, name, strerror(errno));
	return -1;
}

/* Would a start's bind of addr succeed?  The kernel's local table decides
 * (127.21.0.1 is local through 127.0.0.0/8 on lo): a bind to port 0 asks
 * it without taking anything. */
static bool is_local(const pctl_addr *addr)
{
	struct sockaddr_storage ss;
	socklen_t sl = (socklen_t)pctl_addr_to_sockaddr(addr, 0, &ss);
	int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok = fd >= 0 && !bind(fd, (struct sockaddr *)&ss, sl);

	if (fd >= 0)
		close(fd);
	return ok;
}

/* Does interface `name` hold addr, exactly or through its prefix? */
static bool held_by(const struct ifaddrs *list, const pctl_addr *addr,
                    const char *name)
{
	for (const struct ifaddrs *i = list; i; i = i->ifa_next) {
		pctl_addr a, m;
		uint16_t port;
		bool in = true;

		if (strcmp(i->ifa_name, name) || !i->ifa_addr ||
		    !i->ifa_netmask ||
		    pctl_addr_from_sockaddr(&a, &port, i->ifa_addr) ||
		    pctl_addr_from_sockaddr(&m, &port, i->ifa_netmask) ||
		    pctl_addr_is_v4(&a) != pctl_addr_is_v4(addr))
			continue;
		/* IPv4 masks come v4-mapped: the ::ffff: part matches. */
		for (size_t k = 0; k < 16; k++)
			in &= ((a.b[k] ^ addr->b[k]) & m.b[k]) == 0;
		if (in)
			return true;
	}
	return false;
}

static int check_listen(const struct pctld_config *cfg,
                        const struct ifaddrs *list, char *err, size_t errlen)
{
	char txt[PCTL_ADDRSTRLEN];

	for (size_t i = 0; i < cfg->n_listen; i++) {
		const pctl_addr *a = &cfg->listen[i].addr;

		if (pctl_addr_is_any(a))
			continue;
		pctl_addr_to_str(a, txt, sizeof(txt));
		if (!is_local(a)) {
			snprintf(err, errlen,
			         "listen %s: not an address of this host: %s",
			         txt, strerror(errno));
			return -1;
		}
		if (cfg->ext_if[0] && held_by(list, a, cfg->ext_if)) {
			snprintf(err, errlen,
			         "listen %s is on the external interface %s: "
			         "WAN hosts would reach it, and requests that "
			         "arrive there are never served (S-2); listen "
			         "on an internal address",
			         txt, cfg->ext_if);
			return -1;
		}
	}
	return 0;
}

int pctld_config_check_host(const struct pctld_config *cfg, char *err,
                            size_t errlen)
{
	struct ifaddrs *list;
	int rc;

	if (cfg->ext_if[0] &&
	    if_exists("external-interface", cfg->ext_if, err, errlen))
		return -1;
	for (size_t i = 0; i < cfg->n_int_ifs; i++)
		if (if_exists("internal-interface", cfg->int_ifs[i], err,
		              errlen))
			return -1;
	if (getifaddrs(&list)) {
		snprintf(err, errlen, "listing this host's addresses: %s",
		         strerror(errno));
		return -1;
	}
	rc = check_listen(cfg, list, err, errlen);
	freeifaddrs(list);
	return rc;
}

/*
 * The nftables backend is written separately and may be absent from a build
 * (CMake defines PORTCTLD_HAVE_NFT when the portctl_nft target exists).  A
 * table keeps the names in one place; asking for an absent backend gives a
 * precise error instead of a link failure.
 */
#include "backend_select.h"

#include <stdio.h>
#include <string.h>

typedef int (*open_fn)(const struct pctl_backend_config *,
                       struct pctl_backend *, char *, size_t);

static const struct {
	const char *name;
	open_fn open; /* NULL: not built in */
} backends[] = {
    {"none", pctl_backend_none_open},
#ifdef PORTCTLD_HAVE_NFT
    {"nftables", pctl_backend_nftables_open},
#else
    {"nftables", NULL},
#endif
};

bool pctld_backend_available(const char *name)
{
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (!strcmp(name, backends[i].name))
			return backends[i].open != NULL;
	return false;
}

int pctld_backend_open(const char *name, const struct pctl_backend_config *cfg,
                       struct pctl_backend *out, char *err, size_t errlen)
{
	char why[256] = "";

	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		if (strcmp(name, backends[i].name))
			continue;
		if (!backends[i].open) {
			snprintf(err, errlen,
			         "backend '%s' is not built into this portctld",
			         name);
			return -1;
		}
		if (backends[i].open(cfg, out, why, sizeof(why))) {
			snprintf(err, errlen, "backend '%s': %s", name,
			         why[0] ? why : "cannot open");
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen, "unknown backend '%s' (none or nftables)", name);
	return -1;
}

static void print_warning(void *arg, const char *msg)
{
	(void)arg;
	printf("warning: %s\n", msg);
}

void pctld_backend_check_firewall(const char *name, const char *table)
{
#ifdef PORTCTLD_HAVE_NFT
	if (!strcmp(name, "nftables") &&
	    pctl_backend_nftables_check_firewall(table, print_warning, NULL))
		printf("warning: cannot read the nftables ruleset to check "
		       "the firewall\n");
#else
	(void)name;
	(void)table;
	(void)print_warning;
#endif
}

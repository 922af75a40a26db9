/* Choosing the data-plane backend by name (`backend` directive). */
#ifndef PORTCTLD_BACKEND_SELECT_H
#define PORTCTLD_BACKEND_SELECT_H

#include <stdbool.h>
#include <stddef.h>

#include "../server/backend.h"

/* Opens the backend called name.  0, or -1 with a reason in err: an unknown
 * name, a backend this build does not include, or the backend's own error. */
int pctld_backend_open(const char *name, const struct pctl_backend_config *cfg,
                       struct pctl_backend *out, char *err, size_t errlen);
/* Whether name is a backend compiled into this portctld. */
bool pctld_backend_available(const char *name);

/* `portctld -n`: prints a warning for each way the running firewall would
 * drop what backend name admits (nftables only; others have nothing to
 * check). */
void pctld_backend_check_firewall(const char *name, const char *table);

#endif

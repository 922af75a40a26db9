/*
 * Exclusive ownership of an nftables table by one portctld.
 */
#ifndef PORTCTLD_TABLELOCK_H
#define PORTCTLD_TABLELOCK_H

#include <stddef.h>

/* Takes ownership of table `inet <table>` in the calling process's network
 * namespace for as long as the returned descriptor (close-on-exec) stays
 * open.  -1 with a reason in err when another process holds it. */
int pctld_table_lock(const char *table, char *err, size_t errlen);

#endif

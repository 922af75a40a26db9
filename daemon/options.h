/* portctld command line, and building the configuration from it. */
#ifndef PORTCTLD_OPTIONS_H
#define PORTCTLD_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"

struct pctld_options {
	const char *config; /* -c; NULL: PCTLD_DEFAULT_CONFIG if it exists */
	bool check;         /* -n, --check-config */
	bool foreground;    /* -f */
	int verbose;        /* -v, repeatable */
	size_t n_listen;    /* --listen: replaces the file's listen lines */
	const char *listen[PCTLD_MAX_LISTEN];
	size_t n_ext; /* --external-ip: replaces the file's external-ip */
	const char *ext[PCTL_ENG_MAX_EXT_ADDRS];
	const char *backend, *control, *state_dir, *pidfile, *user;
	/* Directory relative paths (-c, control, state-dir, pidfile) are
	 * resolved against: the start directory, so that they mean the same
	 * after detaching (chdir to /) and at every SIGHUP.  NULL: as is. */
	const char *base_dir;
};

enum { PCTLD_OPTS_RUN = 0, PCTLD_OPTS_EXIT = 1, PCTLD_OPTS_ERROR = -1 };

/* Parses argv.  --help and --version print to out and give PCTLD_OPTS_EXIT;
 * bad usage gives PCTLD_OPTS_ERROR with a reason in err. */
int pctld_options_parse(int argc, char **argv, struct pctld_options *o,
                        FILE *out, char *err, size_t errlen);

/* Defaults, then the configuration file, then the command line on top, then
 * pctld_config_finish().  Used at start and again for each SIGHUP.  0, or
 * -1 with "file:line: reason" (or another reason) in err. */
int pctld_config_build(const struct pctld_options *o, struct pctld_config *cfg,
                       char *notes, size_t noteslen, char *err, size_t errlen);

#endif

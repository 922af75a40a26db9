/*
 * Command line of portctld.  Options that repeat a config directive are
 * applied through the directive parser itself, so that both accept exactly
 * the same values and report the same errors.
 */
#include "options.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum {
	OPT_LISTEN = 256,
	OPT_EXT,
	OPT_BACKEND,
	OPT_CONTROL,
	OPT_STATE,
	OPT_PIDFILE,
	OPT_USER,
	OPT_VERSION,
};

static const struct option longopts[] = {
    {"config", required_argument, NULL, 'c'},
    {"foreground", no_argument, NULL, 'f'},
    {"check-config", no_argument, NULL, 'n'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"external-ip", required_argument, NULL, OPT_EXT},
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"control", required_argument, NULL, OPT_CONTROL},
    {"state-dir", required_argument, NULL, OPT_STATE},
    {"pidfile", required_argument, NULL, OPT_PIDFILE},
    {"user", required_argument, NULL, OPT_USER},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: portctld [-fnv] [-c FILE] [--listen ADDR[:PORT]]...\n"
	        "                [--external-ip ADDR]... [--backend "
	        "none|nftables]\n"
	        "                [--control PATH] [--state-dir DIR] "
	        "[--pidfile FILE]\n"
	        "                [--user USER]\n\n"
	        "PCP (RFC 6887) and NAT-PMP (RFC 6886) server.\n\n"
	        "  -c, --config FILE    configuration file (default %s)\n"
	        "  -f, --foreground     stay in the foreground, log to "
	        "stderr\n"
	        "  -n, --check-config   check the configuration, and what a "
	        "start would\n"
	        "                       check, without changing anything "
	        "(with nftables,\n"
	        "                       warn about a firewall that would drop\n"
	        "                       mapped traffic); exit\n"
	        "  -v, --verbose        log debug messages\n"
	        "      --listen A[:P]   serve this address (repeatable; "
	        "default 127.0.0.1 and ::1, port 5351)\n"
	        "      --external-ip A  external address (repeatable)\n"
	        "      --backend NAME   data plane: none or nftables\n"
	        "      --control PATH   control socket (default %s)\n"
	        "      --state-dir DIR  state directory (default %s)\n"
	        "      --pidfile FILE   write the process id to FILE\n"
	        "      --user USER      run as USER after setup (default, "
	        "as root: %s,\n"
	        "                       else %s)\n"
	        "      --version        print the version\n\n"
	        "portctld(8) and portctld.conf(5) have the details.\n",
	        PCTLD_DEFAULT_CONFIG, PCTLD_DEFAULT_CONTROL,
	        PCTLD_DEFAULT_STATE, PCTLD_DEFAULT_USER, PCTLD_FALLBACK_USER);
}

int pctld_options_parse(int argc, char **argv, struct pctld_options *o,
                        FILE *out, char *err, size_t errlen)
{
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:fnvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'f':
			o->foreground = true;
			break;
		case 'n':
			o->check = true;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			usage(out);
			return PCTLD_OPTS_EXIT;
		case OPT_VERSION:
			fprintf(out, "portctld %s\n", PORTCTL_VERSION_STRING);
			return PCTLD_OPTS_EXIT;
		case OPT_LISTEN:
			if (o->n_listen == PCTLD_MAX_LISTEN) {
				snprintf(err, errlen,
				         "more than %d --listen options",
				         PCTLD_MAX_LISTEN);
				return PCTLD_OPTS_ERROR;
			}
			o->listen[o->n_listen++] = optarg;
			break;
		case OPT_EXT:
			if (o->n_ext == PCTL_ENG_MAX_EXT_ADDRS) {
				snprintf(err, errlen,
				         "more than %d --external-ip options",
				         PCTL_ENG_MAX_EXT_ADDRS);
				return PCTLD_OPTS_ERROR;
			}
			o->ext[o->n_ext++] = optarg;
			break;
		case OPT_BACKEND:
			o->backend = optarg;
			break;
		case OPT_CONTROL:
			o->control = optarg;
			break;
		case OPT_STATE:
			o->state_dir = optarg;
			break;
		case OPT_PIDFILE:
			o->pidfile = optarg;
			break;
		case OPT_USER:
			o->user = optarg;
			break;
		case ':':
			snprintf(err, errlen, "option '%s' needs a value",
			         argv[optind - 1]);
			return PCTLD_OPTS_ERROR;
		default:
			snprintf(err, errlen, "unknown option '%s'",
			         argv[optind - 1]);
			return PCTLD_OPTS_ERROR;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return PCTLD_OPTS_ERROR;
	}
	return PCTLD_OPTS_RUN;
}

/* Applies "directive value" as if it were a config line. */
static int apply(struct pctld_config *cfg, const char *opt,
                 const char *directive, const char *value, char *err,
                 size_t errlen)
{
	char line[PCTLD_PATH_MAX + 64];
	char why[PCTLD_ERR_MAX];

	if (strchr(value, ' ') || strchr(value, '#') ||
	    (size_t)snprintf(line, sizeof(line), "%s %s", directive, value) >=
	        sizeof(line)) {
		snprintf(err, errlen, "--%s '%s': not a single word", opt,
		         value);
		return -1;
	}
	if (pctld_config_line(cfg, line, why, sizeof(why))) {
		snprintf(err, errlen, "--%s: %s", opt, why);
		return -1;
	}
	return 0;
}

/* Prefixes a relative, non-empty path with base.  0, or -1 if too long. */
static int absolute(char *path, size_t cap, const char *base)
{
	char tmp[PCTLD_PATH_MAX];

	if (!base || !path[0] || path[0] == '/')
		return 0;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/%s", base, path) >=
	        sizeof(tmp) ||
	    strlen(tmp) >= cap)
		return -1;
	strcpy(path, tmp);
	return 0;
}

int pctld_config_build(const struct pctld_options *o, struct pctld_config *cfg,
                       char *notes, size_t noteslen, char *err, size_t errlen)
{
	const struct {
		const char *opt, *directive, *value;
	} singles[] = {
	    {"backend", "backend", o->backend},
	    {"control", "control", o->control},
	    {"state-dir", "state-dir", o->state_dir},
	    {"pidfile", "pidfile", o->pidfile},
	    {"user", "user", o->user},
	};

	pctld_config_defaults(cfg);
	if (o->config) {
		char conf[PCTLD_PATH_MAX];
		snprintf(conf, sizeof(conf), "%s", o->config);
		if (absolute(conf, sizeof(conf), o->base_dir)) {
			snprintf(err, errlen, "-c %s: path too long",
			         o->config);
			return -1;
		}
		if (pctld_config_load(cfg, conf, err, errlen))
			return -1;
	} else if (access(PCTLD_DEFAULT_CONFIG, F_OK) == 0) {
		if (pctld_config_load(cfg, PCTLD_DEFAULT_CONFIG, err, errlen))
			return -1;
	}
	if (o->n_listen)
		cfg->n_listen = 0;
	for (size_t i = 0; i < o->n_listen; i++)
		if (apply(cfg, "listen", "listen", o->listen[i], err, errlen))
			return -1;
	if (o->n_ext)
		cfg->engine.n_ext_addrs = 0;
	for (size_t i = 0; i < o->n_ext; i++)
		if (apply(cfg, "external-ip", "external-ip", o->ext[i], err,
		          errlen))
			return -1;
	for (size_t i = 0; i < sizeof(singles) / sizeof(singles[0]); i++)
		if (singles[i].value &&
		    apply(cfg, singles[i].opt, singles[i].directive,
		          singles[i].value, err, errlen))
			return -1;
	cfg->foreground = o->foreground;
	cfg->verbose = o->verbose;
	if (absolute(cfg->control, sizeof(cfg->control), o->base_dir) ||
	    absolute(cfg->state_dir, sizeof(cfg->state_dir), o->base_dir) ||
	    absolute(cfg->pidfile, sizeof(cfg->pidfile), o->base_dir) ||
	    absolute(cfg->audit.path, sizeof(cfg->audit.path), o->base_dir)) {
		snprintf(err, errlen, "a path is too long once made absolute");
		return -1;
	}
	return pctld_config_finish(cfg, notes, noteslen, err, errlen);
}

/*
 * Nonce persistence: a small text file, one mapping per line, so that a
 * later `portctl` run can renew or delete (C-65) what an earlier one made
 * with the same nonce (C-13).  Updates are serialised with flock(2) on
 * FILE.lock and made atomic with a rename; readers see the old or the new
 * file, never half of one.
 *
 * Line format (fields separated by one space):
 *   pctl1 SERVER SPORT OPCODE PROTO IPORT THIRD|- REMOTE RPORT NONCEHEX
 *         EXTADDR EXTPORT EXPIRES
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define STATE_MAX_ENTRIES 4096

const char *pctl_state_default_path(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	int n;

	if (geteuid() == 0)
		n = snprintf(buf, len, "/run/portctl/mappings");
	else if (xdg && xdg[0] == '/')
		n = snprintf(buf, len, "%s/portctl/mappings", xdg);
	else if (home && home[0] == '/')
		n = snprintf(buf, len, "%s/.local/state/portctl/mappings",
		             home);
	else
		n = snprintf(buf, len, "/tmp/portctl-%u/mappings",
		             (unsigned)geteuid());
	return n > 0 && (size_t)n < len ? buf : NULL;
}

static bool same_identity(const struct pctl_state_entry *a,
                          const struct pctl_state_entry *b)
{
	/* An unset (all-zeros) server in the key matches any server. */
	if (!pctl_addr_is_any(&b->server) &&
	    (!pctl_addr_equal(&a->server, &b->server) ||
	     a->server_port != b->server_port))
		return false;
	return a->opcode == b->opcode && a->protocol == b->protocol &&
	       a->internal_port == b->internal_port &&
	       a->has_third_party == b->has_third_party &&
	       (!a->has_third_party ||
	        pctl_addr_equal(&a->third_party, &b->third_party)) &&
	       (a->opcode != PCTL_OP_PEER ||
	        (pctl_addr_equal(&a->remote_addr, &b->remote_addr) &&
	         a->remote_port == b->remote_port));
}

static int parse_port(const char *s, uint16_t *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*end || end == s || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static int parse_line(char *line, struct pctl_state_entry *e)
{
	char *f[13], *save = NULL;
	uint16_t v;
	size_t n = 0;

	for (char *t = strtok_r(line, " \n", &save); t && n < 13;
	     t = strtok_r(NULL, " \n", &save))
		f[n++] = t;
	if (n != 13 || strcmp(f[0], "pctl1"))
		return -1;
	memset(e, 0, sizeof(*e));
	if (pctl_addr_from_str(&e->server, f[1]) < 0 ||
	    parse_port(f[2], &e->server_port) < 0 || parse_port(f[3], &v) < 0)
		return -1;
	e->opcode = (uint8_t)v;
	if (parse_port(f[4], &v) < 0 || v > 255)
		return -1;
	e->protocol = (uint8_t)v;
	if (parse_port(f[5], &e->internal_port) < 0)
		return -1;
	if (strcmp(f[6], "-")) {
		if (pctl_addr_from_str(&e->third_party, f[6]) < 0)
			return -1;
		e->has_third_party = true;
	}
	if (pctl_addr_from_str(&e->remote_addr, f[7]) < 0 ||
	    parse_port(f[8], &e->remote_port) < 0 ||
	    strlen(f[9]) != 2 * PCTL_NONCE_LEN)
		return -1;
	for (size_t i = 0; i < PCTL_NONCE_LEN; i++) {
		unsigned b;
		if (sscanf(f[9] + 2 * i, "%2x", &b) != 1)
			return -1;
		e->nonce[i] = (uint8_t)b;
	}
	if (pctl_addr_from_str(&e->external_addr, f[10]) < 0 ||
	    parse_port(f[11], &e->external_port) < 0)
		return -1;
	e->expires = strtoll(f[12], NULL, 10);
	return 0;
}

static void write_line(FILE *f, const struct pctl_state_entry *e)
{
	char s[PCTL_ADDRSTRLEN], t[PCTL_ADDRSTRLEN], r[PCTL_ADDRSTRLEN],
	    x[PCTL_ADDRSTRLEN];

	fprintf(
	    f, "pctl1 %s %u %u %u %u %s %s %u ",
	    pctl_addr_to_str(&e->server, s, sizeof(s)), e->server_port,
	    e->opcode, e->protocol, e->internal_port,
	    e->has_third_party ? pctl_addr_to_str(&e->third_party, t, sizeof(t))
	                       : "-",
	    pctl_addr_to_str(&e->remote_addr, r, sizeof(r)), e->remote_port);
	for (size_t i = 0; i < PCTL_NONCE_LEN; i++)
		fprintf(f, "%02x", e->nonce[i]);
	fprintf(f, " %s %u %" PRId64 "\n",
	        pctl_addr_to_str(&e->external_addr, x, sizeof(x)),
	        e->external_port, e->expires);
}

/* Reads every valid line (invalid ones are dropped, never fatal). */
static size_t read_all(FILE *f, struct pctl_state_entry *out, size_t max)
{
	char line[512];
	size_t n = 0;

	while (n < max && fgets(line, sizeof(line), f))
		if (parse_line(line, &out[n]) == 0)
			n++;
	return n;
}

int pctl_state_find(const char *path, const struct pctl_state_entry *key,
                    struct pctl_state_entry *out)
{
	FILE *f = fopen(path, "re");
	char line[512];
	bool found = false;

	if (!f)
		return -1; /* ENOENT: no file, so no entry either */
	while (!found && fgets(line, sizeof(line), f)) {
		struct pctl_state_entry e;
		if (parse_line(line, &e) == 0 && same_identity(&e, key)) {
			*out = e;
			found = true;
		}
	}
	fclose(f);
	if (!found) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

static int mkdirs(const char *path)
{
	char dir[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, len + 1);
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

/* Rewrites the file without the entry of that identity, plus add (NULL:
 * nothing), under an exclusive lock on the file. */
static int rewrite(const char *path, const struct pctl_state_entry *key,
                   const struct pctl_state_entry *add)
{
	struct pctl_state_entry *all;
	char tmp[PATH_MAX];
	size_t n = 0;
	FILE *f, *out;
	int fd, rc = -1;

	if (mkdirs(path) < 0)
		return -1;
	/* The lock lives on a separate file: the data file is replaced by
	 * rename, so a lock on it would not exclude the next writer. */
	if (snprintf(tmp, sizeof(tmp), "%s.lock", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(tmp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX) < 0) {
		close(fd);
		return -1;
	}
	all = calloc(STATE_MAX_ENTRIES, sizeof(*all));
	if (!all)
		goto out;
	f = fopen(path, "re");
	if (f) {
		n = read_all(f, all, STATE_MAX_ENTRIES);
		fclose(f);
	} else if (errno != ENOENT) {
		goto out;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid()) >=
	    (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		goto out;
	}
	{
		/* 0600: nonces let whoever reads them delete our mappings. */
		int tfd =
		    open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		out = tfd >= 0 ? fdopen(tfd, "w") : NULL;
		if (!out) {
			if (tfd >= 0)
				close(tfd);
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (!same_identity(&all[i], key))
			write_line(out, &all[i]);
	if (add)
		write_line(out, add);
	if (fflush(out) != 0 || fsync(fileno(out)) != 0) {
		fclose(out);
		unlink(tmp);
		goto out;
	}
	fclose(out);
	rc = rename(tmp, path);
	if (rc < 0)
		unlink(tmp);
out : {
	int e = errno; /* the failure's, not close's */
	free(all);
	close(fd); /* releases the lock */
	errno = e;
}
	return rc;
}

int pctl_state_put(const char *path, const struct pctl_state_entry *e)
{
	return rewrite(path, e, e);
}

int pctl_state_remove(const char *path, const struct pctl_state_entry *key)
{
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	return rewrite(path, key, NULL);
}

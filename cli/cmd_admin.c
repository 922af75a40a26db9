/*
 * `portctl admin list|stats|delete ID|flush [--json] [--socket PATH]`: the
 * administration front end of portctld.  It speaks the control-socket
 * protocol of portctld(8): one request line, then "ok" or "error REASON"
 * and a body, until the daemon closes the connection.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "commands.h"

#define ADMIN_DEFAULT_SOCKET "/run/portctld/portctld.sock"

static void admin_usage(FILE *out)
{
	fprintf(out,
	        "usage: portctl admin list|stats|delete ID|flush [--json] "
	        "[--socket PATH]\n\n"
	        "  list          every mapping: endpoints, protocol, lifetime "
	        "left, filters,\n"
	        "                description\n"
	        "  stats         request and per-result-code counters\n"
	        "  delete ID     remove the mapping with that id (from list)\n"
	        "  flush         remove every mapping\n"
	        "  --json        machine-readable output\n"
	        "  --socket PATH portctld's control socket (default %s)\n",
	        ADMIN_DEFAULT_SOCKET);
}

static int admin_connect(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static bool write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		s += w;
		n -= (size_t)w;
	}
	return true;
}

/* Reads the status line, then copies the body to stdout.  Returns an exit
 * code. */
static int admin_read_reply(int fd)
{
	char status[512];
	size_t used = 0;
	char c;
	ssize_t r;

	while (used < sizeof(status) - 1 && (r = read(fd, &c, 1)) == 1 &&
	       c != '\n')
		status[used++] = c;
	status[used] = '\0';
	if (!strcmp(status, "ok")) {
		char buf[8192];
		while ((r = read(fd, buf, sizeof(buf))) > 0)
			fwrite(buf, 1, (size_t)r, stdout);
		return PORTCTL_EXIT_OK;
	}
	if (!strncmp(status, "error ", 6)) {
		fprintf(stderr, "portctl admin: %s\n", status + 6);
		return PORTCTL_EXIT_REFUSED;
	}
	fprintf(stderr, "portctl admin: no valid answer from portctld\n");
	return PORTCTL_EXIT_SYSTEM;
}

int cmd_admin(int argc, char **argv)
{
	const char *sock = ADMIN_DEFAULT_SOCKET;
	const char *words[2] = {NULL, NULL};
	size_t n_words = 0;
	bool json = false;
	char req[128];
	int fd, rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--socket") && i + 1 < argc) {
			sock = argv[++i];
		} else if (!strcmp(argv[i], "-h") ||
		           !strcmp(argv[i], "--help")) {
			admin_usage(stdout);
			return PORTCTL_EXIT_OK;
		} else if (argv[i][0] == '-' || n_words == 2) {
			admin_usage(stderr);
			return PORTCTL_EXIT_USAGE;
		} else {
			words[n_words++] = argv[i];
		}
	}
	if (n_words == 0 ||
	    (strcmp(words[0], "list") && strcmp(words[0], "stats") &&
	     strcmp(words[0], "delete") && strcmp(words[0], "flush")) ||
	    (!strcmp(words[0], "delete") ? n_words != 2 : n_words != 1) ||
	    (n_words == 2 &&
	     strspn(words[1], "0123456789") != strlen(words[1]))) {
		admin_usage(stderr);
		return PORTCTL_EXIT_USAGE;
	}
	snprintf(req, sizeof(req), "%s%s%s%s\n", words[0],
	         n_words == 2 ? " " : "", n_words == 2 ? words[1] : "",
	         json ? " json" : "");
	fd = admin_connect(sock);
	if (fd < 0) {
		fprintf(stderr, "portctl admin: %s: %s\n", sock,
		        strerror(errno));
		return PORTCTL_EXIT_SYSTEM;
	}
	if (!write_all(fd, req, strlen(req))) {
		fprintf(stderr, "portctl admin: %s: %s\n", sock,
		        strerror(errno));
		close(fd);
		return PORTCTL_EXIT_SYSTEM;
	}
	rc = admin_read_reply(fd);
	close(fd);
	return rc;
}

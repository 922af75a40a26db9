/*
 * ipc_inject PID: writes one malformed message into portctld's
 * privilege-separation socket as process PID would (e2e_privsep.sh).
 *
 * It takes a copy of PID's end of the pair (pidfd_getfd(2), which needs
 * ptrace rights over PID: root) and sends a 3-octet packet, shorter than any
 * message header, to the other end.  The socket is found as PID's only
 * AF_UNIX SOCK_SEQPACKET descriptor (the control socket is SOCK_STREAM).
 * Exit status 0 when sent, 1 otherwise.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int seqpacket(int fd)
{
	int type = 0, domain = 0;
	socklen_t l1 = sizeof(type), l2 = sizeof(domain);

	return !getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l1) &&
	       !getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &l2) &&
	       type == SOCK_SEQPACKET && domain == AF_UNIX;
}

int main(int argc, char **argv)
{
	static const unsigned char junk[3] = {1, 2, 3};
	char path[64];
	struct dirent *e;
	DIR *dir;
	int pidfd;
	long pid;

	if (argc != 2 || (pid = strtol(argv[1], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: ipc_inject PID\n");
		return 1;
	}
	pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	snprintf(path, sizeof(path), "/proc/%ld/fd", pid);
	dir = opendir(path);
	if (pidfd < 0 || !dir) {
		perror("ipc_inject");
		return 1;
	}
	while ((e = readdir(dir))) {
		int target = atoi(e->d_name), fd;
		if (e->d_name[0] == '.')
			continue;
		fd = (int)syscall(SYS_pidfd_getfd, pidfd, target, 0);
		if (fd < 0)
			continue;
		if (seqpacket(fd) && send(fd, junk, sizeof(junk), 0) == 3) {
			printf("sent on descriptor %d of %ld\n", target, pid);
			return 0;
		}
		close(fd);
	}
	fprintf(stderr, "ipc_inject: no SOCK_SEQPACKET socket in %ld\n", pid);
	return 1;
}

/*
 * The network process's seccomp filter (seccomp.h).
 */
#include "seccomp.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#if defined(__x86_64__)
#define ARCH_NR AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH_NR AUDIT_ARCH_AARCH64
#endif

#if defined(__SANITIZE_ADDRESS__)
#define PCTLD_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PCTLD_SANITIZED 1
#endif
#endif

/* The low 32 bits of argument i (flags and small numbers fit in them). */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#else
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i) + 4)
#endif

/* Allowed without looking at the arguments.  Entries missing on an
 * architecture (epoll_wait on arm64, ...) are left out at compile time. */
static const int allowed[] = {
    SYS_read,
    SYS_write,
    SYS_readv,
    SYS_writev,
    SYS_close,
    SYS_recvfrom,
    SYS_recvmsg,
    SYS_recvmmsg,
    SYS_sendto,
    SYS_sendmsg,
    SYS_sendmmsg,
    SYS_accept4,
    SYS_getsockname,
    /* libmicrohttpd (the UPnP HTTP server) reads a listener's SO_DOMAIN
     * when it starts serving it. */
    SYS_getsockopt,
    SYS_bind,
    SYS_shutdown,
    SYS_epoll_pwait,
    SYS_epoll_ctl,
    SYS_epoll_create1,
    SYS_clock_gettime,
    SYS_clock_getres,
    SYS_gettimeofday,
    SYS_getrandom,
    SYS_brk,
    SYS_munmap,
    SYS_mremap,
    SYS_madvise,
    SYS_exit,
    SYS_exit_group,
    SYS_rt_sigreturn,
    SYS_rt_sigprocmask,
    SYS_fcntl,
    SYS_getpid,
    SYS_newfstatat,
    SYS_futex,
    SYS_restart_syscall,
#ifdef SYS_accept
    SYS_accept,
#endif
#ifdef SYS_epoll_wait
    SYS_epoll_wait,
#endif
#ifdef SYS_epoll_pwait2
    SYS_epoll_pwait2,
#endif
#ifdef SYS_time
    SYS_time,
#endif
#ifdef SYS_fstat
    SYS_fstat,
#endif
#ifdef PCTLD_SANITIZED
    /* What the sanitizer runtime does to report a finding and at exit. */
    SYS_sigaltstack,
    SYS_rt_sigaction,
    SYS_gettid,
    SYS_tgkill,
    SYS_getppid,
    SYS_readlinkat,
    SYS_openat,
    SYS_prctl,
    SYS_sched_yield,
    SYS_clone,
    SYS_wait4,
    SYS_ptrace,
    SYS_lseek,
    SYS_pread64,
#ifdef SYS_readlink
    SYS_readlink,
#endif
#ifdef SYS_open
    SYS_open,
#endif
#endif
};

#define N_ALLOWED (sizeof(allowed) / sizeof(allowed[0]))
/* Header 4 (+2 for x32), mmap and mprotect 5 each, socket 7, setsockopt
 * 5, two per allowed call, the final kill. */
#define MAX_INSNS (6 + 10 + 7 + 5 + 2 * N_ALLOWED + 1)

#define KILL      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)
#define ALLOW     BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#define LOAD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define LOAD_NR   LOAD(offsetof(struct seccomp_data, nr))

/* mmap or mprotect (nr): allowed unless asking for executable memory. */
static size_t no_exec(struct sock_filter *f, int nr)
{
	struct sock_filter b[] = {
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 4),
	    LOAD(ARG_LO(2)),
	    BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 1, 0),
	    ALLOW,
	    KILL,
	};
	memcpy(f, b, sizeof(b));
	return sizeof(b) / sizeof(b[0]);
}

/* socket(AF_NETLINK, *, NETLINK_ROUTE) only; others fail with EACCES. */
static size_t rtnetlink_only(struct sock_filter *f)
{
	struct sock_filter b[] = {
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 0, 6),
	    LOAD(ARG_LO(0)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_NETLINK, 0, 3),
	    LOAD(ARG_LO(2)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NETLINK_ROUTE, 0, 1),
	    ALLOW,
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
	};
	memcpy(f, b, sizeof(b));
	return sizeof(b) / sizeof(b[0]);
}

/* setsockopt(fd, IPPROTO_TCP, ...) only: libmicrohttpd sets TCP_NODELAY
 * (and may cork) on the UPnP HTTP connections it accepts, and goes on
 * without when refused; other levels fail with EACCES. */
static size_t tcp_options_only(struct sock_filter *f)
{
	struct sock_filter b[] = {
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_setsockopt, 0, 4),
	    LOAD(ARG_LO(1)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_TCP, 0, 1),
	    ALLOW,
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
	};
	memcpy(f, b, sizeof(b));
	return sizeof(b) / sizeof(b[0]);
}

int pctld_seccomp_install(char *err, size_t errlen)
{
#ifndef ARCH_NR
	snprintf(err, errlen, "seccomp: this architecture is not supported");
	return -1;
#else
	struct sock_filter f[MAX_INSNS];
	struct sock_fprog prog;
	size_t n = 0;

	f[n++] = (struct sock_filter)LOAD(offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	                                      ARCH_NR, 1, 0);
	f[n++] = (struct sock_filter)KILL;
	f[n++] = (struct sock_filter)LOAD_NR;
#ifdef __X32_SYSCALL_BIT
	/* x32 calls pass the x86-64 arch check with their own numbers. */
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K,
	                                      __X32_SYSCALL_BIT, 0, 1);
	f[n++] = (struct sock_filter)KILL;
#endif
	n += no_exec(f + n, SYS_mmap);
	n += no_exec(f + n, SYS_mprotect);
	n += rtnetlink_only(f + n);
	n += tcp_options_only(f + n);
	for (size_t i = 0; i < N_ALLOWED; i++) {
		f[n++] = (struct sock_filter)BPF_JUMP(
		    BPF_JMP | BPF_JEQ | BPF_K, (unsigned)allowed[i], 0, 1);
		f[n++] = (struct sock_filter)ALLOW;
	}
	f[n++] = (struct sock_filter)KILL;
	prog.len = (unsigned short)n;
	prog.filter = f;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0)) {
		snprintf(err, errlen, "seccomp: %s", strerror(errno));
		return -1;
	}
	return 0;
#endif
}

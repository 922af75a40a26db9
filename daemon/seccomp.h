/*
 * The network process's seccomp filter (privilege separation): an
 * allow-list of the system calls its event loop makes once started, written
 * as classic BPF with <linux/seccomp.h> and <linux/filter.h> (no library:
 * the list is short, and hand-written BPF shows exactly what is checked).
 *
 * The filter first checks the architecture (a system call made through
 * another ABI, i386 or x32 on x86-64, has other numbers) and kills the
 * process on a mismatch.  Allowed: reading and writing descriptors it
 * already holds (UDP datagrams, the control connections it accepts, the
 * parent's socket, syslog), epoll, clocks, memory (never executable),
 * getrandom, and exit.  socket(2) may open an rtnetlink socket only (the C
 * library's if_nameindex(), for multicast ANNOUNCEs on every interface);
 * any other socket(2) fails with EACCES, so that syslog(3) reconnecting after
 * a syslog daemon restart fails quietly instead of killing the process.
 * For the UPnP HTTP server (libmicrohttpd without threads): getsockopt, and
 * setsockopt at level IPPROTO_TCP only (TCP_NODELAY on the connections it
 * accepts; other levels fail with EACCES).
 * Everything else ends the process with SIGSYS (SECCOMP_RET_KILL_PROCESS):
 * open, exec, ptrace, kill, chroot, mount, bpf, ...
 *
 * Builds with AddressSanitizer (the test builds) also allow what its runtime
 * needs to print a report and to end (sigaltstack, rt_sigaction, readlink,
 * ...), so that a sanitizer finding is reported rather than hidden behind
 * a SIGSYS.
 */
#ifndef PORTCTLD_SECCOMP_H
#define PORTCTLD_SECCOMP_H

#include <stddef.h>

/* Installs the filter on the calling process (no-new-privileges must be
 * set).  0, or -1 with a reason in err: the architecture is not known to
 * the filter, or the kernel refused it. */
int pctld_seccomp_install(char *err, size_t errlen);

#endif

// See CProcess.h. Between fork and execve the child is a copy of a multi-threaded process, so it calls
// only async-signal-safe functions (signal-safety(7)): no malloc, no locks, no Swift.
#define _GNU_SOURCE
#include "CProcess.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)   // <linux/close_range.h>, Linux 5.11
#endif

// Child only: report errno to the parent through the status pipe and give up.
__attribute__((noreturn)) static void fail(int status_fd) {
    int error = errno;
    ssize_t written = write(status_fd, &error, sizeof error);
    (void)written;
    _exit(127);
}

__attribute__((noreturn)) static void child(pid_t parent, int status_fd, const char *path, char *const argv[], char *const envp[],
                  const int stdio[3], const sigset_t *mask) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail(status_fd);
    // The parent may have died between fork and prctl: then no signal will come, so stop here.
    if (getppid() != parent) _exit(127);

    // Handlers belong to the parent's code, which this child will not run: reset them (as posix_spawn
    // does) before unblocking signals. Ignored signals stay ignored across execve, as before.
    struct sigaction dfl = { .sa_handler = SIG_DFL };
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction old;
        if (sig != SIGKILL && sig != SIGSTOP && sigaction(sig, NULL, &old) == 0
            && old.sa_handler != SIG_IGN && old.sa_handler != SIG_DFL) sigaction(sig, &dfl, NULL);
    }

    // Move a source that sits on 0..2 but belongs elsewhere out of the way, so no dup2 overwrites a
    // source still needed. dup2 clears close-on-exec on the copy; a descriptor already in place keeps
    // its flag, so clear it by hand.
    int fds[3] = { stdio[0], stdio[1], stdio[2] };
    for (int i = 0; i < 3; i++)
        if (fds[i] < 3 && fds[i] != i && (fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3)) < 0) fail(status_fd);
    for (int i = 0; i < 3; i++) {
        if (fds[i] == i ? fcntl(i, F_SETFD, 0) != 0 : dup2(fds[i], i) < 0) fail(status_fd);
    }
    // Everything above 2 closes at exec, including the status pipe (which tells the parent exec worked)
    // and anything a library opened without O_CLOEXEC. Older kernels lack close_range: then only
    // descriptors that are close-on-exec already go, which is all of the runner's own.
    syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);

    pthread_sigmask(SIG_SETMASK, mask, NULL);
    execve(path, argv, envp);
    fail(status_fd);
}

int cprocess_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[], const int stdio[3]) {
    int status[2];
    if (pipe2(status, O_CLOEXEC) != 0) return errno;
    // No signal handler may run in the child before the handlers are reset: block all around fork.
    sigset_t all, mask;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &mask);
    pid_t parent = getpid();
    pid_t forked = fork();
    if (forked == 0) child(parent, status[1], path, argv, envp, stdio, &mask);
    int error = forked < 0 ? errno : 0;
    pthread_sigmask(SIG_SETMASK, &mask, NULL);
    close(status[1]);
    if (forked > 0) {
        // End of file: execve succeeded. An int: the child's errno, and it has exited with 127.
        ssize_t count;
        while ((count = read(status[0], &error, sizeof error)) < 0 && errno == EINTR) {}
        if (count == sizeof error) {
            while (waitpid(forked, NULL, 0) < 0 && errno == EINTR) {}
        } else {
            error = 0;
            *pid = forked;
        }
    }
    close(status[0]);
    return error;
}

int cprocess_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

// --- cprocess_hold_until_exit ----------------------------------------------------------------------
// The holder shares the caller's memory, including glibc's and Swift's state and the calling thread's
// TLS (errno lives there): it must not call libc. Each call below is one `syscall` instruction.

static long raw_syscall3(long number, long a, long b, long c) {
    long result;
    __asm__ volatile("syscall" : "=a"(result) : "a"(number), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return result;
}

static long raw_syscall4(long number, long a, long b, long c, long d) {
    long result;
    register long r10 __asm__("r10") = d;
    __asm__ volatile("syscall" : "=a"(result) : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
    return result;
}

// ends[0], ends[1]: the pipe; ends[2]: a pidfd of the caller, or -1.
static int holder(void *context) {
    const int *ends = context;
    for (long fd = 0; fd < 3; fd++) raw_syscall3(SYS_close, fd, 0, 0);
    raw_syscall3(SYS_close, ends[1], 0, 0);
    if (ends[2] >= 0) {
        // Readable once the caller's whole thread group is gone, KVM's own workers in it included
        // (kvm-nx-lpage-recovery is a user worker of the VM's creator, with no descriptor table: it can
        // outlive the pipe's write end). Only then is the holder sure to drop the last references.
        struct pollfd exited = { .fd = ends[2], .events = POLLIN };
        long got;
        do got = raw_syscall4(SYS_ppoll, (long)&exited, 1, 0, 0);
        while (got == -EINTR);
        if (got == 1) raw_syscall3(SYS_exit, 0, 0, 0);
    }
    int read_end = ends[0];
    char byte;
    long got;
    do got = raw_syscall3(SYS_read, read_end, (long)&byte, 1);
    while (got > 0 || got == -EINTR);
    raw_syscall3(SYS_exit, 0, 0, 0);
    return 0;
}

pid_t cprocess_hold_until_exit(void) {
    // The holder's own stack, with the pipe's ends at its bottom: a region of its own per call (never
    // unmapped: the holder runs on it until it exits, and the caller exits first).
    enum { REGION = 64 * 1024 };
    char *region = mmap(NULL, REGION, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (region == MAP_FAILED) return -1;
    int *ends = (int *)region;
    if (pipe2(ends, O_CLOEXEC) != 0) {
        int error = errno;
        munmap(region, REGION);
        errno = error;
        return -1;
    }
    ends[2] = (int)syscall(SYS_pidfd_open, getpid(), 0);   // -1 (ENOSYS before Linux 5.3): the pipe alone
    // Every signal blocked across clone: the child starts with them blocked and keeps them so, as a
    // handler would run the caller's code on the child's stack. The caller's mask is restored after.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    // The child gets its own copy of the descriptor table: it keeps the VM fds and the read end, and
    // closes its copy of the write end (else nothing would report EOF).
    pid_t pid = clone(holder, region + REGION, CLONE_VM | SIGCHLD, ends);
    int error = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(ends[0]);
    if (ends[2] >= 0) close(ends[2]);
    if (pid < 0) {
        close(ends[1]);
        munmap(region, REGION);
        errno = error;
        return -1;
    }
    // ends[1] stays open until this process exits. The child is not waited for: reparented at our exit,
    // it is reaped by init (or the nearest subreaper).
    return pid;
}

// --- cprocess_use_one_malloc_arena ------------------------------------------------------------------

int cprocess_use_one_malloc_arena(void) {
    return mallopt(M_ARENA_MAX, 1);
}

// --- cprocess_split_cpus ------------------------------------------------------------------------------

_Static_assert(sizeof(struct cprocess_cpu_mask) == sizeof(cpu_set_t), "cprocess_cpu_mask mirrors cpu_set_t");

// The runnable tasks on the whole host right now, the caller included: /proc/loadavg's fourth field
// ("0.84 1.03 1.12 2/150 12345"). -1 when it cannot be read.
static int runnable_tasks(void) {
    int fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char text[128];
    ssize_t count = read(fd, text, sizeof text - 1);
    close(fd);
    if (count <= 0) return -1;
    // By hand: sscanf cost ~10,000 instructions here (callgrind), on the way to starting a thread.
    const char *cursor = text, *end = text + count;
    for (int fields = 0; fields < 3; fields++) {
        while (cursor < end && *cursor != ' ') cursor++;
        while (cursor < end && *cursor == ' ') cursor++;
    }
    int running = 0, digits = 0;
    for (; cursor < end && *cursor >= '0' && *cursor <= '9' && digits < 9; cursor++, digits++) {
        running = running * 10 + (*cursor - '0');
    }
    return digits > 0 && cursor < end && *cursor == '/' ? running : -1;
}

// Whether fewer tasks are runnable than `allowed` has CPUs.
static int idle_cpu_among(const cpu_set_t *allowed) {
    int running = runnable_tasks();
    return running >= 0 && running < CPU_COUNT(allowed);
}

int cprocess_idle_cpu_exists(void) {
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return 0;
    return idle_cpu_among(&allowed);
}

int cprocess_split_cpus(pthread_attr_t *attr, struct cprocess_cpu_mask *saved_mask, pid_t *tid, int only_if_idle) {
    cpu_set_t *saved = (cpu_set_t *)saved_mask;
    if (sched_getaffinity(0, sizeof *saved, saved) != 0) return errno;
    int current = sched_getcpu();
    if (current < 0) return errno;
    cpu_set_t others = *saved, own;
    CPU_CLR(current, &others);
    if (CPU_COUNT(&others) == 0) return -1;
    if (only_if_idle && !idle_cpu_among(saved)) return -1;
    int error = pthread_attr_setaffinity_np(attr, sizeof others, &others);
    if (error != 0) return error;
    CPU_ZERO(&own);
    CPU_SET(current, &own);
    if (sched_setaffinity(0, sizeof own, &own) != 0) return errno;
    *tid = (pid_t)syscall(SYS_gettid);
    return 0;
}

int cprocess_restore_affinity(pid_t tid, const struct cprocess_cpu_mask *saved) {
    return sched_setaffinity(tid, sizeof(cpu_set_t), (const cpu_set_t *)saved) == 0 ? 0 : errno;
}

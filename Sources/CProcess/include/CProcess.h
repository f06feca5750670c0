// The C floor under ChildProcess: starting a child that dies with the runner. posix_spawn cannot set
// a parent-death signal, and nothing may run in Swift between fork and exec, so this is C.
#ifndef CPROCESS_H
#define CPROCESS_H

#include <pthread.h>
#include <sys/types.h>

/// Starts `path` (no PATH search) with `argv` and `envp` (both NULL-terminated) and `stdio[0..2]` as
/// its standard input, output and error, like posix_spawn with three dup2 actions, plus:
/// - the child gets SIGKILL when the calling thread ends (PR_SET_PDEATHSIG), so it cannot outlive a
///   runner that is killed; call this from a thread that waits for the child;
/// - every other descriptor the child inherits is closed at exec, even one opened without O_CLOEXEC;
/// - the signal mask is kept, caught signals are reset to their default, ignored ones stay ignored.
/// Returns 0 and the child's pid in `*pid`, or an errno value: from fork, or from the child's setup
/// or execve (that child has already been reaped).
int cprocess_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[], const int stdio[3]);

/// pipe2(fds, O_CLOEXEC), which Swift's Glibc module does not declare (it is a GNU extension).
/// Returns 0, or -1 with errno set.
int cprocess_pipe_cloexec(int fds[2]);

/// Keeps this process's VM alive past its exit, at almost no cost to it: starts a child that shares this
/// process's memory (CLONE_VM: no page table is copied, unlike fork) and a copy of its descriptors. The
/// child closes its standard input, output and error, blocks every signal and waits until this process's
/// whole thread group has exited (a pidfd; KVM's worker threads count: they hold the address space);
/// then it exits itself. Without pidfd_open (before Linux 5.3) it waits instead for EOF on a pipe whose
/// write end only this process holds, which comes when the last thread with the descriptor table exits.
/// The kernel thus destroys the VM and the address space in the child, off the caller's clock.
/// The child runs only raw system calls on a stack of its own: it touches nothing the caller uses.
/// Returns the child's pid, or -1 with errno set.
pid_t cprocess_hold_until_exit(void);

/// mallopt(M_ARENA_MAX, 1): every thread allocates from the main arena. A process whose threads mostly
/// sleep (a watchdog, a vCPU whose exit path does not allocate) then does not map a 64 MiB arena per
/// thread (an mmap, two munmaps and an mprotect, on its first malloc) and unmap it again at exit.
/// Swift's Glibc module does not declare mallopt. Returns mallopt's result (1 on success).
int cprocess_use_one_malloc_arena(void);

/// 1 when fewer tasks are runnable on the host right now (/proc/loadavg's count, the caller included)
/// than there are CPUs the caller may use: a thread started now would find a CPU free. 0 otherwise, or
/// when either cannot be read.
int cprocess_idle_cpu_exists(void);

/// A CPU affinity mask laid out as glibc's cpu_set_t (1,024 CPUs): Swift holds one, C sets its bits.
struct cprocess_cpu_mask { unsigned long bits[1024 / (8 * sizeof(unsigned long))]; };

/// Splits the CPUs this process may use between the calling thread and a thread about to be created
/// with `attr`: the caller is pinned to the CPU it is on, `attr` gets every other one. Work started to
/// overlap the caller's then really runs beside it: a new thread is otherwise often placed on its
/// creator's CPU, and a creator woken from a sleep in the kernel is often placed on the CPU where the
/// new thread sits in a long, non-preemptible ioctl, and waits for it. `saved` receives the caller's
/// previous mask and `tid` its thread id, for cprocess_restore_affinity (callable from any thread).
/// `only_if_idle`: split only when cprocess_idle_cpu_exists would say 1 (one affinity read serves both).
/// Returns 0 when split; -1 when the process may use only one CPU, or no CPU is idle and `only_if_idle`
/// is set; an errno value on failure. Nothing is changed unless it returns 0.
int cprocess_split_cpus(pthread_attr_t *attr, struct cprocess_cpu_mask *saved, pid_t *tid, int only_if_idle);

/// sched_setaffinity(tid, saved): undoes cprocess_split_cpus for the caller. Returns 0, or an errno value.
int cprocess_restore_affinity(pid_t tid, const struct cprocess_cpu_mask *saved);

#endif

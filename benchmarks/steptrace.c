// steptrace OUT PROGRAM [ARGS...]: runs PROGRAM under ptrace, single-stepping every thread it creates,
// and writes each distinct user-space instruction address it executed to OUT (hex, one per line).
// scripts/startup-order.sh turns them into the functions swiftvm runs, for the linker's symbol order.
// Slow by design (one stop per instruction: ~2 million for a hello run, minutes on a nested host); it
// is a build-time tool, never part of a measurement.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#define SLOTS (1u << 22)               // open-addressing set of addresses; a hello run has ~70,000
static unsigned long seen[SLOTS];
static unsigned long distinct;

static void remember(unsigned long ip) {
    if (ip == 0 || ip >= 0x800000000000UL) return;       // kernel addresses never show here; be safe
    unsigned long slot = (ip * 0x9E3779B97F4A7C15UL) >> 42;
    while (seen[slot] && seen[slot] != ip) slot = (slot + 1) & (SLOTS - 1);
    if (!seen[slot]) {
        if (++distinct > SLOTS / 2) { fprintf(stderr, "steptrace: too many distinct addresses\n"); exit(2); }
        seen[slot] = ip;
    }
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: steptrace OUT PROGRAM [ARGS...]\n"); return 2; }
    pid_t child = fork();
    if (child < 0) { perror("steptrace: fork"); return 2; }
    if (child == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        execv(argv[2], argv + 2);
        perror("steptrace: exec");
        _exit(127);
    }
    int status;
    if (waitpid(child, &status, 0) < 0 || !WIFSTOPPED(status)) { fprintf(stderr, "steptrace: no exec stop\n"); return 2; }
    // Threads and clone()d children are traced too: the watchdog thread and the VM holder run swiftvm code.
    ptrace(PTRACE_SETOPTIONS, child, 0, PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_EXITKILL);
    ptrace(PTRACE_SINGLESTEP, child, 0, 0);
    unsigned long steps = 0;
    int exitCode = -1;
    for (;;) {
        pid_t tid = waitpid(-1, &status, __WALL);
        if (tid < 0) { if (errno == EINTR) continue; break; }       // ECHILD: every traced task is gone
        if (WIFEXITED(status) || WIFSIGNALED(status)) {
            if (tid == child) exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            continue;
        }
        int deliver = 0;
        int sig = WSTOPSIG(status);
        if (sig == SIGTRAP) {
            struct user_regs_struct regs;
            if (ptrace(PTRACE_GETREGS, tid, 0, &regs) == 0) { remember(regs.rip); steps++; }
        } else if (sig != SIGSTOP) {
            deliver = sig;                  // the program's own signals (the vCPU kick) go through
        }
        ptrace(PTRACE_SINGLESTEP, tid, 0, deliver);
    }
    FILE *out = fopen(argv[1], "w");
    if (!out) { perror(argv[1]); return 2; }
    for (unsigned long i = 0; i < SLOTS; i++) if (seen[i]) fprintf(out, "%lx\n", seen[i]);
    fclose(out);
    fprintf(stderr, "steptrace: %lu steps, %lu distinct addresses, program exit %d\n", steps, distinct, exitCode);
    return exitCode == 0 ? 0 : 1;
}

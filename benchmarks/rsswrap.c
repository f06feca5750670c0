/*
 * rsswrap.c - runs a command and appends its peak RSS and page faults to a log, for VMMs started by
 * someone else (scripts/bench.sh points `tck run --swiftvm/--qemu` at a two-line script that execs this).
 *
 *   rsswrap LOG PROGRAM [ARGS...]
 *
 * Appends "<peak RSS KiB>\t<exit status or -signal>\t<minor page faults>\t<PROGRAM ARGS...>" to LOG,
 * then ends the way the program ended (same status; same signal, re-raised). The program gets
 * PR_SET_PDEATHSIG(SIGKILL), so when the caller SIGKILLs this wrapper at a deadline (tck does, for QEMU's
 * timeouts) the VMM dies too instead of running on as an orphan. stdin/stdout/stderr are inherited untouched.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: rsswrap LOG PROGRAM [ARGS...]\n");
		return 127;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		perror("rsswrap: fork");
		return 127;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)        /* the wrapper died before prctl took effect */
			_exit(127);
		execvp(argv[2], argv + 2);
		perror("rsswrap: exec");
		_exit(127);
	}
	/* Signals meant for the VMM (a kick, an interrupt) reach it through the process group or not at
	 * all; the wrapper itself only waits. */
	int status;
	struct rusage ru;
	while (wait4(pid, &status, 0, &ru) < 0)
		;
	FILE *log = fopen(argv[1], "a");
	if (log) {
		fprintf(log, "%ld\t%d\t%ld", ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status),
			ru.ru_minflt);
		for (int i = 2; i < argc; i++)
			fprintf(log, "%c%s", i == 2 ? '\t' : ' ', argv[i]);
		fputc('\n', log);
		fclose(log);
	}
	if (WIFSIGNALED(status)) {
		signal(WTERMSIG(status), SIG_DFL);
		raise(WTERMSIG(status));
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 127;
}

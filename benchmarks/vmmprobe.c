/*
 * vmmprobe.c - host-side timing of the phases a bench kernel marks on its console
 * (TestGuests/tests/bench_virtio.c), with the VMM's CPU time per thread over each phase.
 *
 *   vmmprobe LOG PROGRAM [ARGS...]
 *
 * Runs PROGRAM (a VMM whose guest console goes to stdout) with its stdout on a pipe, copies every byte
 * to our stdout, and watches the lines: "@@b NAME" begins phase NAME, "@@e" ends it. At each marker it
 * takes CLOCK_MONOTONIC and, for every thread of the VMM, the CPU time it has used
 * (/proc/PID/task/TID/schedstat: ns, user + system; a thread born during the phase counts whole, one that
 * ended during it is lost) and /proc/PID/stat's utime and stime (clock ticks, all threads including
 * ended ones). Every 5 ms during a phase it reads each thread's /proc/PID/task/TID/syscall: a thread
 * found running (a polling guest keeps its vCPU thread in guest mode) or in ioctl(fd, KVM_RUN) at least as
 * often as blocked in any other call is a vCPU thread; the rest (I/O thread, main loop, workers: blocked
 * most of the time) are the VMM's own. A vCPU thread caught in a pause handshake or a console write now
 * and then stays a vCPU thread. So QEMU's and swiftvm's threads are told apart the same way, without
 * thread names.
 * Appends one line per phase to LOG:
 *   phase NAME wall_ns cpu_ns vcpu_ns other_ns utime_ticks stime_ticks threads
 * (cpu_ns = vcpu_ns + other_ns), "data KEY VALUE" for each "TCK:1 DATA bench.KEY VALUE" line of the
 * kernel, then "run STATUS" when PROGRAM ends. The
 * marker lines' own UART exits fall outside the phase except the end marker's, a few bytes.
 * Ends as PROGRAM ended; PROGRAM gets PR_SET_PDEATHSIG(SIGKILL). Linux only.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 256
#define KVM_RUN 0xAE80

struct thread { int tid; unsigned in_guest, blocked; uint64_t ns; };
struct snap { uint64_t t; unsigned long utime, stime; int n; struct thread th[MAX_THREADS]; };

static pid_t child;
static struct thread known[MAX_THREADS];       /* every tid seen, with its vCPU flag */
static int nknown;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return (int)n;
}

static struct thread *known_tid(int tid)
{
	for (int i = 0; i < nknown; i++)
		if (known[i].tid == tid)
			return &known[i];
	if (nknown == MAX_THREADS)
		return NULL;
	known[nknown] = (struct thread){ .tid = tid };
	return &known[nknown++];
}

/* With s NULL (mid-phase), notes which threads are blocked in a system call now, and in which; else fills
 * s with every thread's CPU time. */
static void sample(struct snap *s)
{
	char path[96], buf[512];
	snprintf(path, sizeof path, "/proc/%d/task", child);
	DIR *d = opendir(path);
	if (!d)
		return;
	if (s)
		s->n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		int tid = atoi(e->d_name);
		if (tid <= 0)
			continue;
		struct thread *k = known_tid(tid);
		snprintf(path, sizeof path, "/proc/%d/task/%d/syscall", child, tid);
		unsigned long nr, a0, a1;
		if (!s) {
			/* "running": on a CPU or runnable (a vCPU in guest mode shows this); else the call it is
			 * blocked in. */
			if (k && read_small(path, buf, sizeof buf) > 0) {
				if (!strncmp(buf, "running", 7) ||
				    (sscanf(buf, "%lu %lx %lx", &nr, &a0, &a1) == 3 && nr == 16 && a1 == KVM_RUN))
					k->in_guest++;
				else
					k->blocked++;
			}
			continue;
		}
		if (s->n == MAX_THREADS)
			continue;
		snprintf(path, sizeof path, "/proc/%d/task/%d/schedstat", child, tid);
		unsigned long long ns;
		if (read_small(path, buf, sizeof buf) > 0 && sscanf(buf, "%llu", &ns) == 1)
			s->th[s->n++] = (struct thread){ .tid = tid, .ns = ns };
	}
	closedir(d);
	if (!s)
		return;
	s->utime = s->stime = 0;
	snprintf(path, sizeof path, "/proc/%d/stat", child);
	if (read_small(path, buf, sizeof buf) > 0) {
		char *p = strrchr(buf, ')');   /* comm may hold spaces; fields 14 and 15 follow it */
		if (p)
			sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &s->utime, &s->stime);
	}
	s->t = now_ns();
}

static void phase_line(FILE *log, const char *name, const struct snap *a, const struct snap *b)
{
	uint64_t vcpu = 0, other = 0;
	for (int i = 0; i < b->n; i++) {
		uint64_t d = b->th[i].ns;      /* a thread born during the phase: all of its time */
		for (int j = 0; j < a->n; j++)
			if (a->th[j].tid == b->th[i].tid)
				d -= a->th[j].ns;
		struct thread *k = known_tid(b->th[i].tid);
		if (k && k->in_guest >= k->blocked)
			vcpu += d;
		else
			other += d;
	}
	fprintf(log, "phase\t%s\t%llu\t%llu\t%llu\t%llu\t%lu\t%lu\t%d\n", name, (unsigned long long)(b->t - a->t),
		(unsigned long long)(vcpu + other), (unsigned long long)vcpu, (unsigned long long)other,
		b->utime - a->utime, b->stime - a->stime, b->n);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: vmmprobe LOG PROGRAM [ARGS...]\n");
		return 127;
	}
	FILE *log = fopen(argv[1], "a");
	if (!log) {
		perror(argv[1]);
		return 127;
	}
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		perror("vmmprobe: pipe");
		return 127;
	}
	pid_t parent = getpid();
	child = fork();
	if (child < 0) {
		perror("vmmprobe: fork");
		return 127;
	}
	if (child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		dup2(fds[1], 1);
		execvp(argv[2], argv + 2);
		perror("vmmprobe: exec");
		_exit(127);
	}
	close(fds[1]);
	static struct snap begin, end;
	char line[160], name[64] = "";
	size_t len = 0;
	bool in_phase = false;
	struct pollfd p = { .fd = fds[0], .events = POLLIN };
	for (;;) {
		int r = poll(&p, 1, in_phase ? 5 : -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {           /* mid-phase: look for vCPU threads */
			sample(NULL);
			continue;
		}
		char chunk[4096];
		ssize_t n = read(fds[0], chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			char c = chunk[i];
			if (c != '\n') {
				if (len < sizeof line - 1)
					line[len++] = c;
				continue;
			}
			line[len] = 0;
			len = 0;
			if (!strncmp(line, "@@b ", 4)) {
				sample(&begin);
				snprintf(name, sizeof name, "%.*s", (int)sizeof name - 1, line + 4);
				in_phase = true;
			} else if (!strcmp(line, "@@e") && in_phase) {
				sample(&end);
				phase_line(log, name, &begin, &end);
				in_phase = false;
			} else if (!strncmp(line, "TCK:1 DATA bench.", 17)) {
				char *value = strchr(line + 11, ' ');
				if (value) {
					*value++ = 0;
					fprintf(log, "data\t%s\t%s\n", line + 11, value);
				}
			}
		}
		(void)!write(1, chunk, (size_t)n);
	}
	int status;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
	fprintf(log, "run\t%d\n", code);
	fclose(log);
	if (WIFSIGNALED(status)) {
		signal(WTERMSIG(status), SIG_DFL);
		raise(WTERMSIG(status));
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 127;
}

/*
 * floor.c - the raw KVM floor for boot-time benchmarks: the fewest ioctls that boot a TestGuests PVH
 * kernel to its debug-exit write, set up the way swiftvm sets up a one-vCPU machine
 * (Sources/Machine/Machine.swift), so `swiftvm run` can be compared against what KVM alone costs.
 *
 *   floor [--no-irqchip] [--irqchip-first] [--detach-teardown] [--mem MiB] [--cmdline STR] [-v] KERNEL.elf
 *
 * Order: memory slot (64 MiB, before the irqchip: a slot added after KVM_CREATE_IRQCHIP is slow on
 * emulating hosts), KVM_SET_TSS_ADDR, KVM_SET_IDENTITY_MAP_ADDR, KVM_CREATE_IRQCHIP, KVM_CREATE_PIT2,
 * vCPU, CPUID = KVM_GET_SUPPORTED_CPUID, 32-bit flat protected-mode PVH entry, EBX = hvm_start_info.
 * Ports: 0xF4 debug exit (exit status = value written), 0xEC0/0xEC4 testdev probe and descriptor
 * (status 1 written back, data discarded; docs/guest-interface.md), 0xED0 the kernel-entry port (the
 * guest library's way back from user mode: what SYSCALL would do, unchecked), other INs all-ones, OUTs
 * ignored.
 * --detach-teardown does what `swiftvm run` does (Sources/Machine/DeferredTeardown.swift): a child sharing
 * this process's memory (CLONE_VM) holds the VM fds until this process's whole thread group has exited,
 * then exits itself, so the irqchip/PIT teardown (and the address space's) is not on the caller's clock.
 * Without the flag everything is released by exit(), as a naive VMM would.
 * --cmdline puts STR in hvm_start_info (as `swiftvm run --cmdline`; TestGuests/tests/bench_*.c read
 * their sizes from it). Port 0x2F8 (COM2's data port; TestGuests/tests/bench_exits.c) is "handled":
 * its writes and reads are counted, reads answer all-ones, like any unassigned port.
 * -v prints the exit counts and how much guest RAM is resident (mincore) to stderr: the guest memory
 * the run touched, which scripts/bench.sh subtracts from swiftvm's peak RSS.
 * Exit status 120 = VMM failure, 121 = unexpected vCPU exit.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define TSS_ADDR        0xFFFBD000u
#define IDMAP_ADDR      0xFFFBC000ull
#define START_INFO      0x1000u          /* hvm_start_info; memmap and cmdline follow in the same page */
#define LEGACY_HOLE     0x9FC00u
#define HIGH_RAM        0x100000u
#define DEBUG_EXIT_PORT 0xF4
#define TESTDEV_PORT    0xEC0
#define TESTDEV_VERSION 0xEC4
#define KERNEL_ENTRY    0xED0            /* swiftvm's kernel-entry port (docs/guest-interface.md) */
#define BENCH_PORT      0x2F8
#define MAX_CMDLINE     2048

static uint8_t *ram;
static unsigned long exits, pio_exits, testdev_sends, kernel_entries, bench_outs, bench_ins;
static const char *cmdline = "";
static uint64_t ram_size = 64ull << 20;

static void die(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	exit(120);
}

static void fail(const char *what)
{
	fprintf(stderr, "floor: %s\n", what);
	exit(120);
}

static int xioctl(int fd, unsigned long req, void *arg, const char *name)
{
	int r = ioctl(fd, req, arg);
	if (r < 0)
		die(name);
	return r;
}
#define IOCTL(fd, req, arg) xioctl(fd, req, arg, #req)

static void *guest(uint64_t addr, uint64_t len)
{
	if (addr > ram_size || len > ram_size - addr)
		fail("guest address out of RAM");
	return ram + addr;
}

/* Loads the PT_LOAD segments at their physical addresses; returns the PVH entry (Xen note type 18),
 * or e_entry when the file has no such note. */
static uint32_t load_elf32(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		die(path);
	uint8_t *file = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (file == MAP_FAILED)
		die("mmap kernel");
	close(fd);

	const Elf32_Ehdr *eh = (const Elf32_Ehdr *)file;
	if ((size_t)st.st_size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS32 || eh->e_machine != EM_386 || eh->e_phentsize != sizeof(Elf32_Phdr) ||
	    eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf32_Phdr) > (uint64_t)st.st_size)
		fail("not an ELF32 i386 kernel");

	uint32_t entry = eh->e_entry;
	const Elf32_Phdr *ph = (const Elf32_Phdr *)(file + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++) {
		if ((uint64_t)ph[i].p_offset + ph[i].p_filesz > (uint64_t)st.st_size)
			fail("segment outside the file");
		if (ph[i].p_type == PT_LOAD) {
			if (ph[i].p_filesz > ph[i].p_memsz || ph[i].p_paddr < HIGH_RAM)
				fail("bad PT_LOAD segment");
			uint8_t *dst = guest(ph[i].p_paddr, ph[i].p_memsz);
			memcpy(dst, file + ph[i].p_offset, ph[i].p_filesz);
			memset(dst + ph[i].p_filesz, 0, ph[i].p_memsz - ph[i].p_filesz);
		} else if (ph[i].p_type == PT_NOTE) {
			const uint8_t *p = file + ph[i].p_offset, *end = p + ph[i].p_filesz;
			while (end - p >= 12) {
				const Elf32_Nhdr *n = (const Elf32_Nhdr *)p;
				const uint8_t *name = p + 12, *desc = name + ((n->n_namesz + 3) & ~3u);
				if (desc + n->n_descsz > end)
					break;
				if (n->n_type == 18 && n->n_namesz == 4 && memcmp(name, "Xen", 4) == 0 && n->n_descsz >= 4)
					memcpy(&entry, desc, 4);
				p = desc + ((n->n_descsz + 3) & ~3u);
			}
		}
	}
	munmap(file, (size_t)st.st_size);
	return entry;
}

static void put32(uint64_t addr, uint32_t v) { memcpy(guest(addr, 4), &v, 4); }
static void put64(uint64_t addr, uint64_t v) { memcpy(guest(addr, 8), &v, 8); }

/* hvm_start_info v1 with the same memory map swiftvm reports (RAM, legacy hole reserved, RAM) and the
 * --cmdline text (empty by default), so the guest prints exactly what it prints on swiftvm. */
static uint32_t write_start_info(void)
{
	const uint32_t memmap = START_INFO + 64, cmdline_pa = memmap + 3 * 24;
	const uint64_t map[3][3] = {
		{ 0, LEGACY_HOLE, 1 },
		{ LEGACY_HOLE, HIGH_RAM - LEGACY_HOLE, 2 },
		{ HIGH_RAM, ram_size - HIGH_RAM, 1 },
	};
	for (int i = 0; i < 3; i++) {
		put64(memmap + 24 * i, map[i][0]);
		put64(memmap + 24 * i + 8, map[i][1]);
		put32(memmap + 24 * i + 16, (uint32_t)map[i][2]);
	}
	size_t len = strlen(cmdline);
	if (len >= MAX_CMDLINE)
		fail("command line longer than 2 KiB");
	memcpy(guest(cmdline_pa, len + 1), cmdline, len + 1);
	put32(START_INFO, 0x336EC578);       /* magic */
	put32(START_INFO + 4, 1);            /* version */
	put64(START_INFO + 24, cmdline_pa);  /* cmdline_paddr */
	put64(START_INFO + 40, memmap);      /* memmap_paddr */
	put32(START_INFO + 48, 3);           /* memmap_entries */
	return START_INFO;
}

static void set_entry_state(int vcpu, uint32_t entry, uint32_t ebx)
{
	struct kvm_sregs s;
	IOCTL(vcpu, KVM_GET_SREGS, &s);
	struct kvm_segment code = { .base = 0, .limit = 0xFFFFFFFF, .selector = 0x08, .type = 0xB,
				    .present = 1, .db = 1, .s = 1, .g = 1 };
	struct kvm_segment data = code;
	data.selector = 0x10;
	data.type = 0x3;
	s.cs = code;
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	s.tr = (struct kvm_segment){ .limit = 0x67, .selector = 0x18, .type = 0xB, .present = 1 };
	s.ldt = (struct kvm_segment){ .type = 0x2, .present = 1, .unusable = 1 };
	s.gdt.base = s.idt.base = 0;
	s.gdt.limit = s.idt.limit = 0;
	s.cr0 = 0x11;                        /* PE | ET */
	s.cr3 = s.cr4 = s.efer = 0;
	IOCTL(vcpu, KVM_SET_SREGS, &s);

	struct kvm_regs r = { .rip = entry, .rbx = ebx, .rflags = 0x2 };
	IOCTL(vcpu, KVM_SET_REGS, &r);
}

/* The kernel-entry port's `out`: complete it, then RCX/R11/RIP/RFLAGS and flat ring-0 CS/SS from the
 * descriptor, as swiftvm's KernelEntryGate does (without its checks: the floor trusts its guest). */
static void enter_kernel(int vcpu, struct kvm_run *run, uint32_t desc)
{
	run->immediate_exit = 1;
	ioctl(vcpu, KVM_RUN, 0);              /* EINTR once the out has completed */
	run->immediate_exit = 0;
	struct kvm_regs r;
	struct kvm_sregs s;
	IOCTL(vcpu, KVM_GET_REGS, &r);
	IOCTL(vcpu, KVM_GET_SREGS, &s);
	uint64_t entry;
	uint16_t cs, ss;
	memcpy(&entry, guest(desc + 8, 8), 8);
	memcpy(&cs, guest(desc + 16, 2), 2);
	memcpy(&ss, guest(desc + 18, 2), 2);
	r.rcx = r.rip;
	r.r11 = r.rflags;
	r.rflags = 0x2;
	r.rip = entry;
	s.cs = (struct kvm_segment){ .limit = 0xFFFFFFFF, .selector = cs & ~3, .type = 0xB, .present = 1, .s = 1, .l = 1, .g = 1 };
	s.ss = (struct kvm_segment){ .limit = 0xFFFFFFFF, .selector = ss & ~3, .type = 0x3, .present = 1, .s = 1, .db = 1, .g = 1 };
	IOCTL(vcpu, KVM_SET_SREGS, &s);
	IOCTL(vcpu, KVM_SET_REGS, &r);
	kernel_entries++;
}

/* One port access; returns >= 0 when the guest wrote the debug-exit port. */
static int port_io(struct kvm_run *run)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint32_t v = 0;
	if (run->io.direction == KVM_EXIT_IO_IN) {
		uint32_t answer = 0xFFFFFFFF;
		if (run->io.port == BENCH_PORT)
			bench_ins += run->io.count;
		if (run->io.size == 4 && run->io.port == TESTDEV_PORT)
			answer = 0x44545653;         /* "SVTD" */
		else if (run->io.size == 4 && run->io.port == KERNEL_ENTRY)
			answer = 0x454B5653;         /* "SVKE" */
		else if (run->io.size == 4 && run->io.port == TESTDEV_VERSION)
			answer = 1;
		for (uint32_t i = 0; i < run->io.count; i++)
			memcpy(data + i * run->io.size, &answer, run->io.size);
		return -1;
	}
	memcpy(&v, data, run->io.size);      /* the last of `count` values does not matter here */
	if (run->io.port == BENCH_PORT)
		bench_outs += run->io.count;
	if (run->io.port == DEBUG_EXIT_PORT)
		return (int)(v & 0xFF);
	if (run->io.port == TESTDEV_PORT && run->io.size == 4 && v % 16 == 0) {
		put32((uint64_t)v + 12, 1);
		testdev_sends++;
	}  /* descriptor status: accepted (bytes discarded) */
	return -1;
}

/* KiB of [base, base + len) that are resident: the guest pages the loader and the guest touched. */
static unsigned long resident_kib(void *base, uint64_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t pages = (size_t)((len + (uint64_t)page - 1) / (uint64_t)page);
	unsigned char *vec = malloc(pages);
	unsigned long n = 0;
	if (!vec || mincore(base, (size_t)len, vec) != 0) {
		free(vec);
		return 0;
	}
	for (size_t i = 0; i < pages; i++)
		n += vec[i] & 1;
	free(vec);
	return n * (unsigned long)page / 1024;
}

/* DeferredTeardown.handOffToChild (cprocess_hold_until_exit in Sources/CProcess/CProcess.c): a child
 * that shares this process's memory (CLONE_VM: no page tables copied, and this process's exit leaves
 * the address space to the child) closes stdio, keeps the inherited VM fds and waits on a pidfd of this
 * process until its whole thread group has exited: KVM's kvm-nx-lpage-recovery worker belongs to it and
 * holds the address space, and with it kvm_run's mapping and so the VM. It shares our TLS, so it makes
 * raw system calls only (libc would write errno). */
static long raw_syscall3(long number, long a, long b, long c)
{
	long result;
	__asm__ volatile("syscall" : "=a"(result) : "a"(number), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return result;
}

static int holder_pidfd = -1;
static char holder_stack[16384] __attribute__((aligned(16)));

static int holder(void *unused)
{
	struct pollfd exited = { .fd = holder_pidfd, .events = POLLIN };
	long got;
	(void)unused;
	for (long fd = 0; fd < 3; fd++)
		raw_syscall3(SYS_close, fd, 0, 0);
	do
		got = raw_syscall3(SYS_poll, (long)&exited, 1, -1);
	while (got == -EINTR);
	raw_syscall3(SYS_exit, 0, 0, 0);
	return 0;
}

static void hand_off_teardown(void)
{
	sigset_t all, old;
	holder_pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (holder_pidfd < 0)
		die("pidfd_open");
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	clone(holder, holder_stack + sizeof holder_stack, CLONE_VM | SIGCHLD, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(holder_pidfd);
}

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	double started = now_ms();
	int irqchip = 1, irqchip_first = 0, detach = 0, verbose = 0;
	const char *kernel = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--no-irqchip") == 0)
			irqchip = 0;
		else if (strcmp(argv[i], "--irqchip-first") == 0)
			irqchip_first = 1;
		else if (strcmp(argv[i], "--detach-teardown") == 0)
			detach = 1;
		else if (strcmp(argv[i], "-v") == 0)
			verbose = 1;
		else if (strcmp(argv[i], "--mem") == 0 && i + 1 < argc)
			ram_size = strtoull(argv[++i], NULL, 0) << 20;
		else if (strcmp(argv[i], "--cmdline") == 0 && i + 1 < argc)
			cmdline = argv[++i];
		else if (argv[i][0] != '-' && !kernel)
			kernel = argv[i];
		else
			fail("usage: floor [--no-irqchip] [--irqchip-first] [--detach-teardown] [--mem MiB] [--cmdline STR] [-v] KERNEL.elf");
	}
	if (!kernel || ram_size < (4u << 20))
		fail("usage: floor [--no-irqchip] [--irqchip-first] [--detach-teardown] [--mem MiB] [--cmdline STR] [-v] KERNEL.elf");

	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("/dev/kvm");
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");

	ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ram == MAP_FAILED)
		die("mmap RAM");
	struct kvm_userspace_memory_region slot = { .slot = 0, .guest_phys_addr = 0, .memory_size = ram_size,
						    .userspace_addr = (uintptr_t)ram };
	struct kvm_pit_config pit = { .flags = 0 };
	/* --irqchip-first shows what the other order costs (a slot added after the irqchip). */
	if (irqchip && irqchip_first) {
		IOCTL(vm, KVM_CREATE_IRQCHIP, NULL);
		IOCTL(vm, KVM_CREATE_PIT2, &pit);
	}
	IOCTL(vm, KVM_SET_USER_MEMORY_REGION, &slot);
	if (ioctl(vm, KVM_SET_TSS_ADDR, (unsigned long)TSS_ADDR) < 0)
		die("KVM_SET_TSS_ADDR");
	uint64_t idmap = IDMAP_ADDR;
	IOCTL(vm, KVM_SET_IDENTITY_MAP_ADDR, &idmap);
	if (irqchip && !irqchip_first) {
		IOCTL(vm, KVM_CREATE_IRQCHIP, NULL);
		IOCTL(vm, KVM_CREATE_PIT2, &pit);
	}

	uint32_t entry = load_elf32(kernel);
	uint32_t info = write_start_info();

	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("KVM_CREATE_VCPU");
	int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < 0)
		die("KVM_GET_VCPU_MMAP_SIZE");
	struct kvm_run *run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");

	enum { MAX_CPUID = 256 };
	struct kvm_cpuid2 *cpuid = calloc(1, sizeof *cpuid + MAX_CPUID * sizeof(struct kvm_cpuid_entry2));
	if (!cpuid)
		die("calloc");
	cpuid->nent = MAX_CPUID;
	IOCTL(kvm, KVM_GET_SUPPORTED_CPUID, cpuid);
	IOCTL(vcpu, KVM_SET_CPUID2, cpuid);
	set_entry_state(vcpu, entry, info);

	double running = now_ms();
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("KVM_RUN");
		}
		int status = -1;
		exits++;
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			pio_exits++;
			if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == KERNEL_ENTRY && run->io.size == 4) {
				uint32_t desc;
				memcpy(&desc, (uint8_t *)run + run->io.data_offset, 4);
				enter_kernel(vcpu, run, desc);
				break;
			}
			status = port_io(run);
			break;
		case KVM_EXIT_MMIO:              /* only without the in-kernel irqchip (LAPIC/IOAPIC pages) */
			if (!run->mmio.is_write)
				memset(run->mmio.data, 0xFF, sizeof run->mmio.data);
			break;
		default:
			fprintf(stderr, "floor: unexpected vCPU exit %u%s\n", run->exit_reason,
				run->exit_reason == KVM_EXIT_INTERNAL_ERROR ? " (KVM internal error)" : "");
			return 121;
		}
		if (status >= 0) {
			if (verbose) {
				fprintf(stderr, "floor: exit status %d after %lu exits (%lu port I/O, %lu testdev sends, "
					"%lu kernel entries, port 0x%x: %lu out, %lu in)\n", status, exits, pio_exits,
					testdev_sends, kernel_entries, BENCH_PORT, bench_outs, bench_ins);
				fprintf(stderr, "floor: set-up %.1f ms, run %.1f ms (as swiftvm run -v counts them)\n",
					running - started, now_ms() - running);
				fprintf(stderr, "floor: guest RAM resident: %lu KiB of %lu MiB\n",
					resident_kib(ram, ram_size), (unsigned long)(ram_size >> 20));
			}
			if (detach)
				hand_off_teardown();   /* and exit with everything mapped and open, as swiftvm */
			return status;
		}
	}
}

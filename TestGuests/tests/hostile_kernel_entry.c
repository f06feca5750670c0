/*
 * hostile_kernel_entry - swiftvm's kernel-entry port (--testdev; docs/guest-interface.md, "User mode
 * and the kernel-entry port") given bad input: a descriptor outside RAM, with another magic or version,
 * a non-canonical entry or a null selector must change nothing (the kernel runs on after its `out`);
 * a good one, here from ring 0, must land at its entry with SYSCALL's state: CS and SS from it (RPL
 * bits cleared), RCX the RIP after the `out`, R11 the RFLAGS before it, RFLAGS 0x2. And the library's
 * user_call must run its function at CPL 3 and bring its result back. Without the port (QEMU, libvirt)
 * every case is skipped.
 */
#include "libtck.h"
#include "usermode.h"

#define PROBE   0x454B5653u     /* "SVKE" */
#define MAGIC   0x444B5653u     /* "SVKD" */

struct kentry_desc {
	uint32_t magic, version;
	uint64_t entry;
	uint16_t code_selector, stack_selector;
	uint32_t reserved;
} __attribute__((packed, aligned(8)));

/* What the landing saw; landed stays 0 when the port refused the descriptor. */
struct landing {
	uint64_t rcx, r11, cs, ss, rflags, rflags_before, landed;
};

extern char kentry_after[], kentry_landing[];

/* One `out` of desc's address; lands (or not) in the same function, so the stack is intact either way. */
static __attribute__((noinline)) void try_entry(uint32_t desc, struct landing *o)
{
	__asm__ volatile("pushfq\n\t"
			 "popq %%r8\n\t"
			 "movl %[desc], %%eax\n\t"
			 "movw $0xED0, %%dx\n\t"
			 "outl %%eax, %%dx\n\t"
			 ".globl kentry_after\n"
			 "kentry_after:\n\t"
			 "jmp 2f\n"
			 ".globl kentry_landing\n"
			 "kentry_landing:\n\t"
			 "movq %%rcx, 0(%[o])\n\t"
			 "movq %%r11, 8(%[o])\n\t"
			 "movl %%cs, %%eax\n\t"
			 "movq %%rax, 16(%[o])\n\t"
			 "movl %%ss, %%eax\n\t"
			 "movq %%rax, 24(%[o])\n\t"
			 "pushfq\n\t"
			 "popq 32(%[o])\n\t"
			 "movq %%r8, 40(%[o])\n\t"
			 "movq $1, 48(%[o])\n\t"
			 "movw $0x10, %%ax\n\t"  /* SEL_DATA: what ss held before (the port set it anyway) */
			 "movw %%ax, %%ss\n"
			 "2:"
			 :: [desc] "r"(desc), [o] "r"(o) : "rax", "rcx", "rdx", "r8", "r11", "memory", "cc");
}

static struct kentry_desc desc;

static bool refused(const char *what, struct kentry_desc d, uint32_t address)
{
	struct landing o = { 0 };
	desc = d;
	try_entry(address, &o);
	return report(!o.landed, "kernel_entry.refuses_%s :: %s", what, o.landed ? "landed at the entry" : "ran on after the out");
}

static uint64_t cpl_times_ten_plus(void *arg)
{
	uint16_t cs;
	__asm__ volatile("movw %%cs, %0" : "=r"(cs));
	return (cs & 3) * 10 + (uint64_t)(uintptr_t)arg;
}

int main(const struct boot_info *bi)
{
	(void)bi;
	static const char *const cases[] = { "kernel_entry.refuses_outside_ram", "kernel_entry.refuses_bad_magic",
		"kernel_entry.refuses_bad_version", "kernel_entry.refuses_noncanonical_entry",
		"kernel_entry.refuses_null_code_selector", "kernel_entry.refuses_null_stack_selector",
		"kernel_entry.lands_like_syscall", "kernel_entry.user_call" };
	report_begin("hostile_kernel_entry");
	if (inl(0xED0) != PROBE) {
		for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++)
			report_skip(cases[i], "no kernel-entry port (swiftvm --testdev only)");
		return report_summary();
	}
	const uint64_t landing = (uint64_t)(uintptr_t)kentry_landing;
	const struct kentry_desc good = { MAGIC, 1, landing, SEL_CODE64 | 3, SEL_DATA | 3, 0 };
	const uint32_t at = (uint32_t)(uintptr_t)&desc;
	struct kentry_desc d;

	refused("outside_ram", good, 0xFFFFF000u);
	d = good, d.magic ^= 1;
	refused("bad_magic", d, at);
	d = good, d.version = 2;
	refused("bad_version", d, at);
	d = good, d.entry = 0x0000800000000000ull;
	refused("noncanonical_entry", d, at);
	d = good, d.code_selector = 3;
	refused("null_code_selector", d, at);
	d = good, d.stack_selector = 0;
	refused("null_stack_selector", d, at);

	struct landing o = { 0 };
	desc = good;
	try_entry(at, &o);
	uint64_t after = (uint64_t)(uintptr_t)kentry_after;
	report(o.landed && o.rcx == after && o.r11 == o.rflags_before && o.cs == SEL_CODE64 && o.ss == SEL_DATA &&
	       (o.rflags & ~0x10000ull) == 0x2,
	       "kernel_entry.lands_like_syscall :: landed %lu, rcx 0x%lx (after the out 0x%lx), r11 0x%lx (rflags before 0x%lx), "
	       "cs 0x%lx, ss 0x%lx, rflags 0x%lx", (unsigned long)o.landed, (unsigned long)o.rcx, (unsigned long)after,
	       (unsigned long)o.r11, (unsigned long)o.rflags_before, (unsigned long)o.cs, (unsigned long)o.ss,
	       (unsigned long)o.rflags);

	if (!usermode_available()) {
		report_skip("kernel_entry.user_call", "the library did not find the port at start");
	} else {
		uint64_t r = user_call(cpl_times_ten_plus, (void *)7);
		report(r == 37, "kernel_entry.user_call :: the function saw CPL %lu and returned %lu (want CPL 3, 37)",
		       (unsigned long)(r / 10), (unsigned long)r);
	}
	return report_summary();
}

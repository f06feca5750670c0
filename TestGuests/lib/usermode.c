/* usermode.c - see usermode.h (guest only; host unit tests link unit/fake_usermode.c). */
#include "usermode.h"

#include "io.h"
#include "layout.h"

#define KERNEL_ENTRY_PROBE      0x454B5653u     /* "SVKE" */
#define KERNEL_ENTRY_MAGIC      0x444B5653u     /* "SVKD" */
#define IOMAP_BYTES             (KERNEL_ENTRY_PORT / 8 + 1)     /* the port's 4 bits are in the last byte */
_Static_assert(KERNEL_ENTRY_PORT % 8 <= 4, "the kernel-entry port's 4 bits must share one byte");

/*
 * The 64-bit TSS, for its I/O bitmap only: user mode may reach the kernel-entry port, nothing else.
 * (Port I/O from user mode would work, but each exit from user mode costs ~3x one from ring 0 here.)
 */
struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
	uint8_t iomap[IOMAP_BYTES];
	uint8_t iomap_end;              /* all-ones byte the CPU may read past the last port */
} __attribute__((packed));

/* Built at compile time: every instruction at run time is emulated. */
static struct tss64 tss __attribute__((aligned(16))) = {
	.iomap_base = __builtin_offsetof(struct tss64, iomap),
	.iomap = { [0 ... IOMAP_BYTES - 2] = 0xFF, [IOMAP_BYTES - 1] = (uint8_t)~(0xF << (KERNEL_ENTRY_PORT % 8)) },
	.iomap_end = 0xFF,
};

/* What the VMM loads on the way back: SYSCALL's LSTAR and STAR selectors, in guest memory. */
struct kernel_entry_desc {
	uint32_t magic;
	uint32_t version;
	uint64_t entry;
	uint16_t code_selector;
	uint16_t stack_selector;
	uint32_t reserved;
} __attribute__((packed, aligned(8)));

void usermode_return(void);
struct kernel_entry_desc usermode_entry_desc = {
	KERNEL_ENTRY_MAGIC, 1, (uint64_t)(uintptr_t)usermode_return, SEL_CODE64, SEL_DATA, 0,
};
bool usermode_ready;

extern uint64_t gdt[];

void usermode_init(void)
{
	if (inl(KERNEL_ENTRY_PORT) != KERNEL_ENTRY_PROBE)
		return;
	uint64_t base = (uint64_t)(uintptr_t)&tss;
	gdt[SEL_TSS / 8] = (sizeof tss - 1) | (base & 0xFFFFFF) << 16 | 0x89ull << 40 | (base >> 24 & 0xFF) << 56;
	gdt[SEL_TSS / 8 + 1] = base >> 32;      /* present, DPL 0, available 64-bit TSS */
	__asm__ volatile("ltr %w0" :: "r"(SEL_TSS) : "memory");
	usermode_ready = true;
}

bool usermode_available(void)
{
	return usermode_ready;
}

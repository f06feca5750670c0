/*
 * hostile_bootinfo - after parsing its boot information, the kernel scribbles over it: the start
 * info / multiboot info structure at EBX, and swiftvm's whole boot-information area
 * [0x1000, 0x7000) (memory map, module list, command line) plus the zero page below it. The host
 * must not read any of it back (nothing after the boot may care), so the run still exits 0.
 * Only low memory below the kernel (1 MiB) is touched; QEMU keeps its structures there too.
 */
#include "libtck.h"

#define SCRIBBLE_END    0x7000ul
#define INFO_BYTES      256             /* more than hvm_start_info (56) or multiboot_info (120) */

/* addr goes through an empty asm so that GCC does not treat a small constant as a null-based array. */
static void scribble(uintptr_t addr, size_t qwords, uint64_t seed)
{
	__asm__("" : "+r"(addr));
	volatile uint64_t *p = (volatile uint64_t *)addr;
	for (size_t i = 0; i < qwords; i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		p[i] = (i & 1) ? ~0ull : seed;
	}
}

int main(const struct boot_info *bi)
{
	uint64_t info = bi->info_pa & ~7ull;
	bool info_low = info + INFO_BYTES <= KERNEL_BASE;

	report_begin("hostile_bootinfo");
	report_data("hostile_bootinfo.protocol", "%s", boot_protocol_name(bi->protocol));
	report_data("hostile_bootinfo.info_pa", "0x%lx", (unsigned long)bi->info_pa);
	console_flush();
	if (info_low)
		scribble(info, INFO_BYTES / 8, 0x5eed);
	scribble(0x8, (SCRIBBLE_END - 8) / 8, 0xbad);   /* not address 0 itself */
	report(true, "hostile_bootinfo.scribbled :: %s and [0x8, 0x%lx)",
	       info_low ? "the boot info structure" : "not the boot info (above 1 MiB)", SCRIBBLE_END);
	return report_summary();
}

/*
 * hostile_mmio - reads and writes guest-physical addresses where nothing is: every 16 MiB from the
 * top of RAM to 4 GiB (through the boot stub's identity map; the IOAPIC and local APIC pages are
 * skipped), then a few addresses above 4 GiB up to the top of the CPU's physical address space,
 * through a 2 MiB window this kernel maps itself (one PML4 slot, no loop over RAM). Each access
 * is an MMIO exit to nowhere; the kernel must come back from every one and exit 0.
 */
#include "libtck.h"

#define MIB             (1ull << 20)
#define GIB             (1ull << 30)
#define WINDOW_VA       (512 * GIB)             /* PML4 slot 1, unused by the boot stub */
#define IOAPIC_PAGE     0xFEC00000ull
#define LAPIC_PAGE      0xFEE00000ull

extern uint64_t pml4[512];
static uint64_t window_pdpt[512] __attribute__((aligned(4096)));
static uint64_t window_pd[512] __attribute__((aligned(4096)));

static uint32_t poke(volatile uint32_t *p)
{
	uint32_t v = *p;
	*p = 0xFFFFFFFFu;
	*p = 0;
	return v;
}

/* Maps the 2 MiB frame holding pa at WINDOW_VA and returns pa's virtual address. */
static volatile uint32_t *window(uint64_t pa)
{
	window_pd[0] = (pa & ~(2 * MIB - 1)) | 0x83;    /* present, writable, 2 MiB page */
	__asm__ volatile("invlpg (%0)" :: "r"(WINDOW_VA) : "memory");
	return (volatile uint32_t *)(WINDOW_VA + (pa & (2 * MIB - 1)));
}

static uint64_t top_of_ram_below_4g(const struct boot_info *bi)
{
	uint64_t top = 0;
	for (uint32_t i = 0; i < bi->memmap_count; i++) {
		const struct boot_memrange *r = &bi->memmap[i];
		uint64_t end = r->addr + r->size;
		if (r->type == BOOT_MEM_RAM && end <= 4 * GIB && end > top)
			top = end;
	}
	return top;
}

int main(const struct boot_info *bi)
{
	uint32_t phys_bits = cpuid(0x80000000, 0).eax >= 0x80000008 ? (cpuid(0x80000008, 0).eax & 0xFF) : 36;
	uint64_t top = top_of_ram_below_4g(bi);
	uint32_t low = 0, high = 0, low_all_ones = 0;

	report_begin("hostile_mmio");
	report_data("hostile_mmio.top_of_ram", "0x%lx", (unsigned long)top);
	report_data("hostile_mmio.phys_bits", "%u", phys_bits);
	console_flush();
	if (!report(top >= 16 * MIB, "hostile_mmio.memory_map_has_ram"))
		return report_summary();

	for (uint64_t pa = (top + 16 * MIB - 1) & ~(16 * MIB - 1); pa < 4 * GIB; pa += 16 * MIB) {
		if ((pa & ~0xFFFull) == IOAPIC_PAGE || (pa & ~0xFFFull) == LAPIC_PAGE)
			continue;
		if (poke((volatile uint32_t *)pa) == 0xFFFFFFFFu)
			low_all_ones++;
		low++;
	}

	/* Above 4 GiB: 4, 16, 64, 256 GiB, ... and the last 2 MiB frame the CPU can address. */
	pml4[1] = (uint64_t)window_pdpt | 0x3;
	window_pdpt[0] = (uint64_t)window_pd | 0x3;
	uint64_t limit = phys_bits >= 64 ? ~0ull : (1ull << phys_bits);
	for (uint64_t pa = 4 * GIB; pa < limit && pa != 0; pa <<= 2) {
		poke(window(pa + 0x1000));
		high++;
	}
	poke(window(limit - 2 * MIB));
	high++;
	pml4[1] = 0;
	__asm__ volatile("mov %%cr3, %%rax; mov %%rax, %%cr3" ::: "rax", "memory");

	report_data("hostile_mmio.below_4g", "%u accesses, %u read all-ones", low, low_all_ones);
	report_data("hostile_mmio.above_4g", "%u", high);
	report(low > 0 && high > 0, "hostile_mmio.survived_every_access");
	return report_summary();
}

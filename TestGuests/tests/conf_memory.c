/*
 * conf_memory - the memory map matches the memory asked for (command line memory_mib=N, the
 * catalog's `memory`): RAM adds up to N MiB less the legacy holes, nothing is RAM above N MiB,
 * ranges do not overlap, the legacy hole 0xA0000-0xFFFFF is not RAM and its BIOS area is
 * reserved. Every RAM range is sampled (a word at its first, middle and last page, and at 1 MiB):
 * written with two patterns, read back, restored. Never a loop over RAM.
 */
#include "libtck.h"

#define MIB (1ull << 20)
#define PAGE 4096ull

static unsigned samples, bad_samples;
static uint64_t first_bad;

static void sample(uint64_t pa)
{
	if (pa >= (1ull << 32))
		return;                 /* beyond the kernel's identity map */
	uintptr_t p = (uintptr_t)pa;
	__asm__("" : "+r"(p));          /* low addresses look like null arithmetic to gcc */
	volatile uint64_t *w = (volatile uint64_t *)p;
	uint64_t orig = *w;
	*w = 0x5AA5F00DC0DE1234ull ^ pa;
	uint64_t r1 = *w;
	*w = ~(0x5AA5F00DC0DE1234ull ^ pa);
	uint64_t r2 = *w;
	*w = orig;
	samples++;
	if (r1 != (0x5AA5F00DC0DE1234ull ^ pa) || r2 != ~(0x5AA5F00DC0DE1234ull ^ pa) || *w != orig) {
		if (!bad_samples++)
			first_bad = pa;
	}
}

int main(const struct boot_info *bi)
{
	report_begin("conf_memory");
	uint64_t asked = cmdline_get_ulong(bi, "memory_mib", 0) * MIB;
	uint64_t ram = 0, top = 0;
	bool overlap = false;
	for (uint32_t i = 0; i < bi->memmap_count; i++) {
		const struct boot_memrange *r = &bi->memmap[i];
		char key[20];
		snprintf(key, sizeof key, "memory.map.%u", i);
		report_data(key, "%lx-%lx type %u", (unsigned long)r->addr, (unsigned long)(r->addr + r->size), r->type);
		if (r->type == BOOT_MEM_RAM) {
			ram += r->size;
			if (r->addr + r->size > top)
				top = r->addr + r->size;
		}
		for (uint32_t j = 0; j < i; j++) {
			const struct boot_memrange *q = &bi->memmap[j];
			overlap |= r->size && q->size && r->addr < q->addr + q->size && q->addr < r->addr + r->size;
		}
	}
	report_data("memory.summary", "asked=%lu MiB ram=%lu KiB top=%lx", (unsigned long)(asked / MIB),
		    (unsigned long)(ram >> 10), (unsigned long)top);
	report(bi->memmap_count > 0 && !bi->memmap_truncated, "memory.map_present :: %u entries", bi->memmap_count);
	report(!overlap, "memory.map_no_overlap");
	if (asked) {
		/* Below 3 GiB nothing but the 384 KiB legacy hole (and firmware's few pages) may be missing. */
		report(ram <= asked && ram >= asked - MIB, "memory.ram_matches :: %lu KiB of RAM for %lu MiB asked",
		       (unsigned long)(ram >> 10), (unsigned long)(asked / MIB));
		report(top <= asked, "memory.nothing_above :: highest RAM byte %lx, asked %lx", (unsigned long)top - 1,
		       (unsigned long)asked);
	} else {
		report_skip("memory.ram_matches", "no memory_mib=N on the command line");
		report_skip("memory.nothing_above", "no memory_mib=N on the command line");
	}

	bool hole_not_ram = true;
	for (uint64_t pa = 0xA0000; pa < 0x100000; pa += 0x10000)
		hole_not_ram &= !bootinfo_is_ram(bi, pa);
	report(hole_not_ram, "memory.legacy_hole_not_ram :: 0xA0000-0xFFFFF");
	bool bios_reserved = false;
	for (uint32_t i = 0; i < bi->memmap_count; i++) {
		const struct boot_memrange *r = &bi->memmap[i];
		bios_reserved |= r->type != BOOT_MEM_RAM && r->addr <= 0xF0000 && r->addr + r->size >= 0x100000;
	}
	report(bios_reserved, "memory.bios_area_reserved :: 0xF0000-0xFFFFF in a reserved range");

	report(bootinfo_is_ram(bi, MIB), "memory.ram_at_1mib");
	sample(MIB);
	for (uint32_t i = 0; i < bi->memmap_count; i++) {
		const struct boot_memrange *r = &bi->memmap[i];
		if (r->type != BOOT_MEM_RAM || r->size < PAGE)
			continue;
		uint64_t first = (r->addr + PAGE - 1) & ~(PAGE - 1), last = ((r->addr + r->size) & ~(PAGE - 1)) - PAGE;
		if (first > last)
			continue;
		sample(first == 0 ? 0x7000 : first);    /* the zero page is the real-mode IVT: leave it */
		sample(first + ((last - first) / 2 & ~(PAGE - 1)));
		sample(last + PAGE - 8);                /* the last word of the range */
	}
	report(samples > 3 && bad_samples == 0, "memory.ram_samples_writable :: %u samples, %u bad, first bad at %lx",
	       samples, bad_samples, (unsigned long)first_bad);
	return report_summary();
}

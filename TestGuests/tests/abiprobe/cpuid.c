/* cpuid.c - type 1: every leaf of the basic, hypervisor and extended ranges, with subleaves. */
#include "probe.h"

#include "abirec.h"
#include "libtck.h"

#define MAX_LEAVES_PER_RANGE    0x80
#define MAX_SUBLEAVES           64

static unsigned cpuid_entries;

static void cpuid_put(uint32_t leaf, uint32_t sub, struct cpuid_regs r)
{
	if (cpuid_entries == MAX_CPUID_ENTRIES)
		return;
	cpuid_entries++;
	put32(leaf);
	put32(sub);
	put32(r.eax);
	put32(r.ebx);
	put32(r.ecx);
	put32(r.edx);
}

/* Subleaves 1.. of the leaves that have them, each until its own end (at most 64). */
static void cpuid_subleaves(uint32_t leaf, struct cpuid_regs r0)
{
	uint64_t mask = 0;
	uint32_t max_sub = 0;

	switch (leaf) {
	case 7: case 0x14: case 0x17: case 0x18: case 0x1D:
		max_sub = r0.eax;               /* subleaf 0 EAX = highest subleaf */
		break;
	case 0xD: {                             /* XSAVE: 1, then the components of XCR0 | IA32_XSS */
		struct cpuid_regs r1 = cpuid(leaf, 1);
		cpuid_put(leaf, 1, r1);
		mask = ((uint64_t)r0.edx << 32 | r0.eax) | ((uint64_t)r1.edx << 32 | r1.ecx);
		for (uint32_t sub = 2; sub < MAX_SUBLEAVES; sub++)
			if (mask >> sub & 1)
				cpuid_put(leaf, sub, cpuid(leaf, sub));
		return;
	}
	case 0xF:                               /* RDT monitoring: resource bitmap in EDX */
		mask = r0.edx;
		break;
	case 0x10:                              /* RDT allocation: resource bitmap in EBX */
		mask = r0.ebx;
		break;
	default:
		break;
	}
	if (mask) {
		for (uint32_t sub = 1; sub < 32; sub++)
			if (mask >> sub & 1)
				cpuid_put(leaf, sub, cpuid(leaf, sub));
		return;
	}
	if (max_sub) {
		for (uint32_t sub = 1; sub <= max_sub && sub < MAX_SUBLEAVES; sub++)
			cpuid_put(leaf, sub, cpuid(leaf, sub));
		return;
	}
	for (uint32_t sub = 1; sub < MAX_SUBLEAVES; sub++) {
		struct cpuid_regs r = cpuid(leaf, sub);
		switch (leaf) {
		case 4: case 0x8000001D:        /* cache type 0 ends the list */
			if ((r.eax & 0x1f) == 0)
				return;
			break;
		case 0xB: case 0x1F:            /* level type 0 ends the list */
			if (((r.ecx >> 8) & 0xff) == 0)
				return;
			break;
		case 0x12:                      /* SGX: 0, 1, then EPC sections until type 0 */
			if (sub >= 2 && (r.eax & 0xf) == 0)
				return;
			break;
		default:
			return;                 /* no subleaves */
		}
		cpuid_put(leaf, sub, r);
	}
}

static void cpuid_range(uint32_t first, uint32_t max)
{
	if (max < first)
		max = first;
	if (max - first >= MAX_LEAVES_PER_RANGE)
		max = first + MAX_LEAVES_PER_RANGE - 1;
	for (uint32_t leaf = first; leaf <= max; leaf++) {
		struct cpuid_regs r0 = cpuid(leaf, 0);
		cpuid_put(leaf, 0, r0);
		cpuid_subleaves(leaf, r0);
	}
}

unsigned probe_cpuid(void)
{
	cpuid_range(0, cpuid(0, 0).eax);
	uint32_t hv = cpuid(0x40000000, 0).eax;
	cpuid_range(0x40000000, hv >= 0x40000000 && hv <= 0x400000ff ? hv : 0x40000000);
	cpuid_range(0x80000000, cpuid(0x80000000, 0).eax);
	scratch_flush(ABI_CPUID);
	return cpuid_entries;
}

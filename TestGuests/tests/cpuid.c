/*
 * cpuid - dumps the CPUID leaves a guest sees, one DATA record per (leaf, subleaf):
 *   TCK:1 DATA cpuid.<leaf as %08x>.<subleaf as %x> <eax> <ebx> <ecx> <edx>   (each %08x)
 * Basic leaves 0..max, extended 0x80000000..max, hypervisor 0x40000000..0x40000001.
 * Leaves 4, 7, 0xB and 0xD also get their subleaves; every loop is bounded.
 */
#include "libtck.h"

#define MAX_LEAVES      0x40    /* per range: a bogus max leaf must not flood the console */
#define MAX_SUBLEAVES   64

static void dump(uint32_t leaf, uint32_t sub, struct cpuid_regs r)
{
	char key[32];
	snprintf(key, sizeof key, "cpuid.%08x.%x", leaf, sub);
	report_data(key, "%08x %08x %08x %08x", r.eax, r.ebx, r.ecx, r.edx);
}

static void dump_leaf(uint32_t leaf)
{
	struct cpuid_regs r0 = cpuid(leaf, 0);
	dump(leaf, 0, r0);
	for (uint32_t sub = 1; sub < MAX_SUBLEAVES; sub++) {
		struct cpuid_regs r = cpuid(leaf, sub);
		switch (leaf) {
		case 4:         /* cache parameters: type 0 ends the list */
			if ((r.eax & 0x1f) == 0)
				return;
			break;
		case 7:         /* subleaf 0 EAX = max subleaf */
			if (sub > r0.eax)
				return;
			break;
		case 0xB:       /* topology: level type 0 ends the list */
			if (((r.ecx >> 8) & 0xff) == 0)
				return;
			break;
		case 0xD:       /* XSAVE: subleaf 1, then components set in XCR0-supported mask */
			if (sub >= 2 && !(((uint64_t)r0.edx << 32 | r0.eax) >> sub & 1))
				continue;
			break;
		default:
			return;
		}
		dump(leaf, sub, r);
	}
}

static void dump_range(uint32_t first, uint32_t max)
{
	if (max < first)
		return;
	if (max - first >= MAX_LEAVES) {
		report_data("cpuid.clamped", "%08x..%08x", first, max);
		max = first + MAX_LEAVES - 1;
	}
	for (uint32_t leaf = first; leaf <= max; leaf++)
		dump_leaf(leaf);
}

int main(const struct boot_info *bi)
{
	(void)bi;
	report_begin("cpuid");

	struct cpuid_regs r0 = cpuid(0, 0);
	char vendor[13];
	memcpy(vendor + 0, &r0.ebx, 4);
	memcpy(vendor + 4, &r0.edx, 4);
	memcpy(vendor + 8, &r0.ecx, 4);
	vendor[12] = '\0';
	report_data("cpuid.vendor", "%s", vendor);

	dump_range(0, r0.eax);
	dump_range(0x80000000, cpuid(0x80000000, 0).eax);
	dump_range(0x40000000, 0x40000001);

	report(vendor[0] != '\0', "cpuid.vendor_nonempty :: %s", vendor);
	report(r0.eax >= 1, "cpuid.max_basic_leaf :: 0x%x", r0.eax);
	report(cpuid(1, 0).ecx & (1u << 31), "cpuid.hypervisor_bit");
	return report_summary();
}

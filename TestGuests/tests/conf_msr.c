/*
 * conf_msr - architectural MSR state a guest finds after the boot stub: IA32_APIC_BASE (BSP bit,
 * enabled, base 0xFEE00000), EFER (LME and LMA set by the stub, NXE and SCE left clear), PAT at its
 * power-on default, #GP on an MSR that does not exist (read and write), TSC increasing.
 */
#include "idt.h"
#include "libtck.h"

#define MSR_APIC_BASE 0x1B
#define MSR_PAT       0x277
#define MSR_BOGUS     0x12345678u

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

int main(const struct boot_info *bi)
{
	(void)bi;
	report_begin("conf_msr");
	idt_init();

	uint64_t apic;
	int err = safe_rdmsr(MSR_APIC_BASE, &apic);
	report_data("msr.apic_base", "%lx", (unsigned long)apic);
	report(!err && (apic & (1u << 8)), "msr.apic_base_bsp :: %lx", (unsigned long)apic);
	report(!err && (apic & (1u << 11)), "msr.apic_base_enabled :: %lx", (unsigned long)apic);
	report(!err && (apic & ~0xFFFull) == LAPIC_BASE, "msr.apic_base_address :: %lx", (unsigned long)(apic & ~0xFFFull));

	uint64_t efer;
	err = safe_rdmsr(MSR_EFER, &efer);
	report_data("msr.efer", "%lx", (unsigned long)efer);
	/* SCE bit 0, LME 8, LMA 10, NXE 11: the stub sets LME only, the CPU sets LMA. */
	report(!err && (efer & 0xD01) == 0x500, "msr.efer_boot_state :: %lx (LME|LMA, no NXE/SCE)", (unsigned long)efer);

	uint64_t pat;
	err = safe_rdmsr(MSR_PAT, &pat);
	report(!err && pat == 0x0007040600070406ull, "msr.pat_default :: %lx", (unsigned long)pat);

	unsigned before = idt_fixups();
	uint64_t v = 0x1234;
	int rerr = safe_rdmsr(MSR_BOGUS, &v);
	unsigned rvec = idt_last_fixup_vector();
	int werr = safe_wrmsr(MSR_BOGUS, 0);
	unsigned wvec = idt_last_fixup_vector();
	report(rerr == -1 && rvec == 13 && v == 0, "msr.bogus_read_gp :: rc %d vector %u", rerr, rvec);
	report(werr == -1 && wvec == 13, "msr.bogus_write_gp :: rc %d vector %u", werr, wvec);
	report(idt_fixups() == before + 2, "msr.fixups_counted :: %u", idt_fixups() - before);

	uint64_t t[8];
	for (int i = 0; i < 8; i++) {
		t[i] = rdtsc();
		for (volatile int j = 0; j < 10; j++)
			;
	}
	bool increasing = true;
	for (int i = 1; i < 8; i++)
		increasing &= t[i] > t[i - 1];
	report(increasing, "msr.tsc_increases :: %lu ticks over 8 reads", (unsigned long)(t[7] - t[0]));
	return report_summary();
}

/*
 * conf_msr_policy - the machine type's MSR list (swiftvm-1.0 and 1.1), seen from the guest: MSRs
 * outside the list raise #GP on read (ARCH_CAPABILITIES, FEATURE_CONTROL, TSC_ADJUST, TSC_DEADLINE,
 * TSC_AUX, AMD VM_CR/DE_CFG/PERF_CTL0, ...) and on write; constant MSRs read their fixed value, accept
 * that value written back and raise #GP on any other, keeping the value; MSRs KVM models (STAR,
 * KERNEL_GS_BASE, SYSENTER_CS, PAT) keep what the guest writes; TSC readable, APIC base enabled.
 * A handful of accesses each, no sweeps: every rdmsr/wrmsr is an exit.
 */
#include "idt.h"
#include "libtck.h"

/* Not in the list: any access raises #GP. */
static const uint32_t gp_read[] = {
	0x10A,          /* IA32_ARCH_CAPABILITIES */
	0x3A,           /* IA32_FEATURE_CONTROL */
	0x3B,           /* IA32_TSC_ADJUST */
	0x140,          /* MISC_FEATURE_ENABLES */
	0x6E0,          /* IA32_TSC_DEADLINE */
	0xC0000103,     /* TSC_AUX */
	0xC0010114,     /* AMD VM_CR */
	0xC0011029,     /* AMD DE_CFG */
	0xC0010000,     /* AMD PERF_CTL0 */
};
static const uint32_t gp_write[] = { 0x3A, 0x6E0, 0x10A };

/* Constants of the machine type. */
static const struct { uint32_t index; uint64_t value; } consts[] = {
	{ 0x17, 0 },            /* IA32_PLATFORM_ID */
	{ 0x48, 0 },            /* IA32_SPEC_CTRL */
	{ 0x8B, 0 },            /* IA32_BIOS_SIGN_ID */
	{ 0xFE, 0x508 },        /* IA32_MTRRCAP */
	{ 0x179, 0x20 },        /* IA32_MCG_CAP */
	{ 0x1A0, 1 },           /* IA32_MISC_ENABLE */
	{ 0x4B564D02, 0 },      /* MSR_KVM_ASYNC_PF_EN */
	{ 0x4B564D03, 0 },      /* MSR_KVM_STEAL_TIME */
	{ 0x4B564D05, 1 },      /* MSR_KVM_POLL_CONTROL */
	{ 0xC0010015, 0 },      /* AMD HWCR */
};
/* Written with their constant: accepted. Written with 0: #GP. */
static const uint32_t const_same[] = { 0x8B, 0xC0010015 };
static const struct { uint32_t index; uint64_t value; } const_other[] = {
	{ 0xFE, 0x508 }, { 0x179, 0x20 }, { 0x1A0, 1 },
};

/* KVM's registers: a write is kept. */
static const struct { uint32_t index; uint64_t value; } kvm_rt[] = {
	{ 0xC0000081, 0x0023001000000000ull },  /* STAR */
	{ 0xC0000102, 0xffff800012345000ull },  /* KERNEL_GS_BASE */
	{ 0x174, 0x10 },                        /* SYSENTER_CS */
	{ 0x277, 0x0007040600070106ull },       /* PAT (entry 1 WT -> WC) */
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The vector of the fault the last access took, 0 if it took none. */
static unsigned fault_since(unsigned before)
{
	return idt_fixups() != before ? idt_last_fixup_vector() : 0;
}

int main(const struct boot_info *bi)
{
	(void)bi;
	report_begin("conf_msr_policy");
	idt_init();
	unsigned start = idt_fixups(), before, vec;
	uint64_t v, back;
	int rc, rc2;

	for (unsigned i = 0; i < N(gp_read); i++) {
		before = idt_fixups();
		v = 0x5a5a;
		rc = safe_rdmsr(gp_read[i], &v);
		vec = fault_since(before);
		report(rc == -1 && vec == 13, "msr_policy.gp_read_%04x :: rc %d vector %u value %lx",
		       gp_read[i], rc, vec, (unsigned long)v);
	}
	for (unsigned i = 0; i < N(gp_write); i++) {
		before = idt_fixups();
		rc = safe_wrmsr(gp_write[i], 0);
		vec = fault_since(before);
		report(rc == -1 && vec == 13, "msr_policy.gp_write_%04x :: rc %d vector %u", gp_write[i], rc, vec);
	}

	for (unsigned i = 0; i < N(consts); i++) {
		rc = safe_rdmsr(consts[i].index, &v);
		report(rc == 0 && v == consts[i].value, "msr_policy.const_%04x :: %lx (rc %d, want %lx)",
		       consts[i].index, (unsigned long)v, rc, (unsigned long)consts[i].value);
	}
	for (unsigned i = 0; i < N(const_same); i++) {
		before = idt_fixups();
		rc = safe_wrmsr(const_same[i], 0);
		vec = fault_since(before);
		rc2 = safe_rdmsr(const_same[i], &v);
		report(rc == 0 && rc2 == 0 && v == 0, "msr_policy.const_write_same_%04x :: rc %d vector %u then reads %lx",
		       const_same[i], rc, vec, (unsigned long)v);
	}
	for (unsigned i = 0; i < N(const_other); i++) {
		before = idt_fixups();
		rc = safe_wrmsr(const_other[i].index, 0);
		vec = fault_since(before);
		rc2 = safe_rdmsr(const_other[i].index, &v);
		report(rc == -1 && vec == 13 && rc2 == 0 && v == const_other[i].value,
		       "msr_policy.const_write_gp_%04x :: rc %d vector %u then reads %lx", const_other[i].index, rc,
		       vec, (unsigned long)v);
	}

	for (unsigned i = 0; i < N(kvm_rt); i++) {
		uint64_t orig = 0;
		rc = safe_rdmsr(kvm_rt[i].index, &orig);
		rc2 = safe_wrmsr(kvm_rt[i].index, kvm_rt[i].value);
		back = 0;
		rc2 |= safe_rdmsr(kvm_rt[i].index, &back);
		rc2 |= safe_wrmsr(kvm_rt[i].index, orig);
		v = ~orig;
		rc2 |= safe_rdmsr(kvm_rt[i].index, &v);
		report(rc == 0 && rc2 == 0 && back == kvm_rt[i].value && v == orig,
		       "msr_policy.kvm_rt_%04x :: wrote %lx read %lx, restored %lx (rc %d/%d)", kvm_rt[i].index,
		       (unsigned long)kvm_rt[i].value, (unsigned long)back, (unsigned long)v, rc, rc2);
	}

	rc = safe_rdmsr(0x10, &v);
	report(rc == 0 && v != 0, "msr_policy.tsc_read :: rc %d value %lx", rc, (unsigned long)v);
	rc = safe_rdmsr(0x1B, &v);
	report(rc == 0 && (v & (1u << 11)), "msr_policy.apic_base_enabled :: rc %d value %lx", rc, (unsigned long)v);

	report_data("msr_policy.faults", "%u", idt_fixups() - start);
	return report_summary();
}

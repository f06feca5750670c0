/*
 * conf_cpuid - CPUID consistency rules that hold on any conforming x86 VMM: vendor string in
 * leaves 0 and 0x80000000, sane leaf limits, hypervisor bit, KVM signature, APIC ids (leaf 1 and
 * leaf 0xB, on every CPU) unique and equal to the MADT's local APIC ids, topology leaf 0xB level 1
 * counting the CPUs that started, brand string. Comparing the CPU model with the machine type's
 * definition is the ABI fingerprint's job (tck abi), not this kernel's.
 */
#include "acpi.h"
#include "apstart.h"
#include "libtck.h"

struct cpu_ids {
	uint32_t leaf1_id, leafb_id, lapic_id, leafb_level1;
};

static struct cpu_ids ids[MAX_CPUS];
static volatile unsigned checked_in;
static uint32_t max_basic;

static void record(unsigned index)
{
	if (index >= MAX_CPUS)
		return;
	ids[index].leaf1_id = cpuid(1, 0).ebx >> 24;
	ids[index].lapic_id = lapic_read(LAPIC_ID) >> 24;
	if (max_basic >= 0xB) {
		ids[index].leafb_id = cpuid(0xB, 0).edx;
		ids[index].leafb_level1 = cpuid(0xB, 1).ebx & 0xFFFF;
	}
}

void ap_main(unsigned index)
{
	record(index);
	__atomic_add_fetch(&checked_in, 1, __ATOMIC_RELEASE);
	halt_forever();
}

static bool vendor_is(struct cpuid_regs r, const char *v)
{
	return r.ebx == ACPI_SIG(v) && r.edx == ACPI_SIG(v + 4) && r.ecx == ACPI_SIG(v + 8);
}

int main(const struct boot_info *bi)
{
	report_begin("conf_cpuid");

	/* Vendor and limits. */
	struct cpuid_regs l0 = cpuid(0, 0), e0 = cpuid(0x80000000, 0);
	char vendor[13];
	memcpy(vendor, &l0.ebx, 4);
	memcpy(vendor + 4, &l0.edx, 4);
	memcpy(vendor + 8, &l0.ecx, 4);
	vendor[12] = 0;
	max_basic = l0.eax;
	report_data("cpuid.vendor", "%s", vendor);
	report_data("cpuid.max", "basic=%x extended=%x", l0.eax, e0.eax);
	bool ext_same = e0.ebx == l0.ebx && e0.ecx == l0.ecx && e0.edx == l0.edx;
	bool ext_zero = !e0.ebx && !e0.ecx && !e0.edx;
	report(ext_same || (ext_zero && vendor_is(l0, "GenuineIntel")),
	       "cpuid.vendor_consistent :: leaf 0 '%s', 0x80000000 %08x %08x %08x", vendor, e0.ebx, e0.edx, e0.ecx);
	bool printable = true;
	for (int i = 0; i < 12; i++)
		printable &= vendor[i] >= 0x20 && vendor[i] < 0x7F;
	report(printable, "cpuid.vendor_printable");
	report(l0.eax >= 1 && l0.eax < 0x100, "cpuid.max_basic_sane :: %x", l0.eax);
	report(e0.eax >= 0x80000001 && e0.eax < 0x80000100, "cpuid.max_extended_sane :: %x", e0.eax);

	/* Every leaf up to the limits answers: leaf 1 and 0x80000001 non-zero, the rest counted. */
	unsigned zero_basic = 0, zero_ext = 0, nbasic = 0, next = 0;
	for (uint32_t leaf = 0; leaf <= l0.eax && leaf < 0x100; leaf++, nbasic++) {
		struct cpuid_regs r = cpuid(leaf, 0);
		zero_basic += !(r.eax | r.ebx | r.ecx | r.edx);
	}
	for (uint32_t leaf = 0x80000000; leaf <= e0.eax && leaf < 0x80000100; leaf++, next++) {
		struct cpuid_regs r = cpuid(leaf, 0);
		zero_ext += !(r.eax | r.ebx | r.ecx | r.edx);
	}
	struct cpuid_regs l1 = cpuid(1, 0), e1 = cpuid(0x80000001, 0);
	report_data("cpuid.zero_leaves", "basic=%u/%u extended=%u/%u", zero_basic, nbasic, zero_ext, next);
	report(l1.eax != 0 && (e1.ecx | e1.edx) != 0, "cpuid.leaves_answer :: leaf1.eax=%08x 80000001=%08x %08x",
	       l1.eax, e1.ecx, e1.edx);

	/* Hypervisor: bit, signature, limit. */
	report(l1.ecx >> 31, "cpuid.hypervisor_bit :: leaf1.ecx=%08x", l1.ecx);
	struct cpuid_regs h0 = cpuid(0x40000000, 0);
	char hv[13];
	memcpy(hv, &h0.ebx, 4);
	memcpy(hv + 4, &h0.ecx, 4);
	memcpy(hv + 8, &h0.edx, 4);
	hv[12] = 0;
	report(strcmp(hv, "KVMKVMKVM") == 0 && !hv[9] && !hv[10] && !hv[11], "cpuid.kvm_signature :: %08x %08x %08x",
	       h0.ebx, h0.ecx, h0.edx);
	report(h0.eax >= 0x40000001 && h0.eax < 0x40000100, "cpuid.kvm_max_leaf :: %x", h0.eax);

	/* Brand string. */
	if (e0.eax >= 0x80000004) {
		char brand[49];
		for (uint32_t i = 0; i < 3; i++) {
			struct cpuid_regs r = cpuid(0x80000002 + i, 0);
			memcpy(brand + 16 * i, &r, 16);
		}
		brand[48] = 1;
		int nul = -1;
		for (int i = 0; i < 48 && nul < 0; i++)
			if (!brand[i])
				nul = i;
		bool ok = nul > 0;
		for (int i = 0; ok && i < nul; i++)
			ok = brand[i] >= 0x20 && brand[i] < 0x7F;
		brand[48] = 0;
		report_data("cpuid.brand", "%s", nul >= 0 ? brand : "(not terminated)");
		report(ok, "cpuid.brand_string :: NUL at %d", nul);
	} else {
		report_skip("cpuid.brand_string", "max extended leaf %x < 0x80000004", e0.eax);
	}

	/* APIC ids on every CPU against the MADT. */
	struct madt_info madt;
	uint64_t rsdp = acpi_rsdp(bi);
	bool have_madt = acpi_parse_madt(acpi_find(rsdp, "APIC"), &madt);
	unsigned expected = 0;
	if (have_madt)
		for (unsigned i = 0; i < madt.nlapic && i < MADT_MAX_LAPICS; i++)
			expected += madt.lapic_flags[i] & 1;
	else
		expected = (l1.edx & (1u << 28)) ? (l1.ebx >> 16) & 0xff : 1;
	if (expected > MAX_CPUS)
		expected = MAX_CPUS;
	if (!expected)
		expected = 1;
	record(0);
	checked_in = 1;
	if (expected > 1)
		ap_start_all(&checked_in, expected);
	unsigned started = __atomic_load_n(&checked_in, __ATOMIC_ACQUIRE);
	report_data("cpus", "expected=%u started=%u madt=%s", expected, started, have_madt ? "yes" : "no");
	report(started == expected, "cpuid.cpus_started :: %u of %u", started, expected);

	bool unique = true, consistent = true, in_madt = have_madt;
	for (unsigned i = 0; i < started; i++) {
		char key[16];
		snprintf(key, sizeof key, "cpu.%u", i);
		report_data(key, "leaf1=%u leafb=%u lapic=%u leafb_level1=%u", ids[i].leaf1_id, ids[i].leafb_id,
			    ids[i].lapic_id, ids[i].leafb_level1);
		consistent &= ids[i].leaf1_id == ids[i].lapic_id && (max_basic < 0xB || ids[i].leafb_id == ids[i].lapic_id);
		for (unsigned j = 0; j < i; j++)
			unique &= ids[i].leaf1_id != ids[j].leaf1_id;
		bool found = false;
		for (unsigned k = 0; have_madt && k < madt.nlapic && k < MADT_MAX_LAPICS; k++)
			found |= (madt.lapic_flags[k] & 1) && madt.lapic_id[k] == ids[i].leaf1_id;
		in_madt &= found;
	}
	report(unique, "cpuid.apic_ids_unique");
	report(consistent, "cpuid.apic_ids_agree :: leaf 1 EBX[31:24], leaf 0xB EDX and the LAPIC ID register");
	if (have_madt)
		report(in_madt, "cpuid.apic_ids_match_madt :: %u enabled MADT LAPICs", expected);
	else
		report_skip("cpuid.apic_ids_match_madt", "no MADT found");

	/* Topology: leaf 0xB level 1 (core level) counts the logical CPUs of the package. */
	struct cpuid_regs b1 = max_basic >= 0xB ? cpuid(0xB, 1) : (struct cpuid_regs){ 0, 0, 0, 0 };
	if (((b1.ecx >> 8) & 0xFF) == 0) {
		report_skip("cpuid.topology_count", "leaf 0xB level 1 absent (max basic %x)", max_basic);
	} else {
		bool same = true;
		for (unsigned i = 1; i < started; i++)
			same &= ids[i].leafb_level1 == ids[0].leafb_level1;
		report(same && (b1.ebx & 0xFFFF) == started, "cpuid.topology_count :: leaf 0xB.1 EBX=%u, %u CPUs started",
		       b1.ebx & 0xFFFF, started);
	}
	return report_summary();
}

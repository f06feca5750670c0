/*
 * smp - starts the application processors with INIT + SIPI + SIPI (broadcast to
 * all excluding self) and has every CPU check in with its local APIC id:
 *   TCK:1 DATA cpu.<index> apic_id=<id>
 * Expected CPUs: CPUID.1:EBX[23:16] when CPUID.1:EDX.HTT, else 1; "cpus=N" overrides.
 * All waits are bounded iteration counts (each instruction is emulated, time is not).
 */
#include "apstart.h"
#include "libtck.h"

static struct spinlock lock;
static volatile uint32_t apic_ids[MAX_CPUS];
static volatile unsigned checked_in;

static void check_in(unsigned index)
{
	uint32_t id = lapic_read(LAPIC_ID) >> 24;
	char key[16];

	snprintf(key, sizeof key, "cpu.%u", index);
	spin_lock(&lock);
	apic_ids[index] = id;
	report_data(key, "apic_id=%u", id);
	spin_unlock(&lock);
	__atomic_add_fetch(&checked_in, 1, __ATOMIC_RELEASE);
}

void ap_main(unsigned index)
{
	check_in(index);
	halt_forever();
}

static unsigned expected_cpus(const struct boot_info *bi)
{
	struct cpuid_regs r = cpuid(1, 0);
	unsigned n = (r.edx & (1u << 28)) ? (r.ebx >> 16) & 0xff : 1;
	n = (unsigned)cmdline_get_ulong(bi, "cpus", n);
	return n ? n : 1;
}

int main(const struct boot_info *bi)
{
	unsigned expected = expected_cpus(bi);
	unsigned spins = 0;

	report_begin("smp");
	report_data("cpus.expected", "%u", expected);
	if (expected > MAX_CPUS) {
		report_skip("smp.cpus_started", "%u CPUs expected, this kernel has stacks for %u", expected, MAX_CPUS);
		expected = MAX_CPUS;
	}
	check_in(0);

	if (expected > 1) {
		spins = ap_start_all(&checked_in, expected);
		report_data("cpus.wait_spins", "%u", spins);
	}

	unsigned started = __atomic_load_n(&checked_in, __ATOMIC_ACQUIRE);
	report_data("cpus.started", "%u", started);
	report(started >= expected, "smp.cpus_started :: %u of %u", started, expected);

	bool unique = true;
	spin_lock(&lock);
	for (unsigned i = 0; i < MAX_CPUS; i++)
		for (unsigned j = i + 1; j < MAX_CPUS; j++)
			if (i < started && j < started && apic_ids[i] == apic_ids[j])
				unique = false;
	spin_unlock(&lock);
	report(unique, "smp.apic_ids_unique");
	return report_summary();
}

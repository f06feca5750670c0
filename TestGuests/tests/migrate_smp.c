/*
 * migrate_smp - a second CPU keeps running across a save and a restore in a new process (the
 * migration group, cpus = 2; lib/migrate.h). The AP counts in a loop with r8-r15 held at known
 * values; the BSP reads the count before the save, right after the restore and a little later
 * (it must have moved on), then stops the AP, which stores r8-r15 and its APIC id for comparison.
 */
#include "apstart.h"
#include "libtck.h"
#include "migrate.h"

#define STOP_SPINS      2000000
#define RUN_SPINS       20000

static volatile unsigned checked_in, ap_done;
static volatile uint32_t stop, ap_id_before, ap_id_after;
static volatile uint64_t counter;
static const uint64_t pattern[8] = {
	0x8888888811111111ull, 0x9999999922222222ull, 0xAAAAAAAA33333333ull, 0xBBBBBBBB44444444ull,
	0xCCCCCCCC55555555ull, 0xDDDDDDDD66666666ull, 0xEEEEEEEE77777777ull, 0xFFFFFFFF00000000ull,
};
static uint64_t ap_regs[8];

void ap_main(unsigned index)
{
	if (index != 1)
		halt_forever();
	ap_id_before = lapic_read(LAPIC_ID) >> 24;
	__atomic_add_fetch(&checked_in, 1, __ATOMIC_RELEASE);
	/* Four instructions a turn; r8-r15 untouched by the loop. */
	__asm__ volatile("mov 0(%[in]), %%r8; mov 8(%[in]), %%r9; mov 16(%[in]), %%r10; mov 24(%[in]), %%r11\n\t"
			 "mov 32(%[in]), %%r12; mov 40(%[in]), %%r13; mov 48(%[in]), %%r14; mov 56(%[in]), %%r15\n"
			 "1:\tincq %[cnt]\n\tpause\n\tcmpl $0, %[stop]\n\tje 1b\n\t"
			 "mov %%r8, 0(%[out]); mov %%r9, 8(%[out]); mov %%r10, 16(%[out]); mov %%r11, 24(%[out])\n\t"
			 "mov %%r12, 32(%[out]); mov %%r13, 40(%[out]); mov %%r14, 48(%[out]); mov %%r15, 56(%[out])"
			 : [cnt] "+m"(counter)
			 : [in] "r"(pattern), [out] "r"(ap_regs), [stop] "m"(stop)
			 : "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "memory", "cc");
	ap_id_after = lapic_read(LAPIC_ID) >> 24;
	__atomic_store_n(&ap_done, 1, __ATOMIC_RELEASE);
	halt_forever();
}

static uint64_t count_after(unsigned spins)
{
	while (spins--)
		cpu_relax();
	return counter;
}

int main(const struct boot_info *bi)
{
	(void)bi;
	report_begin("migrate_smp");
	report_data("migrate.method", "%s", tck_migrate_method());
	unsigned spins = ap_start_all(&checked_in, 1);
	if (!checked_in) {
		report(false, "migrate.smp.ap_started :: the AP did not check in after %u spins (cpus = 2?)", spins);
		return report_summary();
	}
	uint64_t c_start = count_after(RUN_SPINS);
	uint64_t c0 = counter;
	uint32_t g = tck_migrate(1);
	uint64_t c1 = counter;
	uint64_t c2 = count_after(RUN_SPINS);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	unsigned waited = 0;
	while (!__atomic_load_n(&ap_done, __ATOMIC_ACQUIRE) && waited < STOP_SPINS) {
		cpu_relax();
		waited++;
	}
	if (!g) {
		report_skip("migrate.smp.ap_counts_on", "save 1 did not happen: %s", tck_migrate_error());
		report_skip("migrate.smp.ap_registers", "save 1 did not happen");
		return report_summary();
	}
	report(c_start > 0 && c1 >= c0 && c2 > c1, "migrate.smp.ap_counts_on :: %lu before the save, %lu right after the restore, "
	       "%lu a little later", (unsigned long)c0, (unsigned long)c1, (unsigned long)c2);
	unsigned bad = 0, first = 0;
	for (unsigned i = 0; i < 8; i++)
		if (ap_regs[i] != pattern[i] && !bad++)
			first = i;
	report(ap_done && !bad && ap_id_after == ap_id_before,
	       "migrate.smp.ap_registers :: AP %s after %u spins, r8-r15 %u differ (first r%u %lx), APIC id %u (before %u)",
	       ap_done ? "stopped" : "did not stop", waited, bad, 8 + first, (unsigned long)ap_regs[first], ap_id_after, ap_id_before);
	return report_summary();
}

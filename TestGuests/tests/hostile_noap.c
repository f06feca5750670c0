/*
 * hostile_noap - boots with several CPUs configured (catalog: cpus = 4) and never starts the APs:
 * no INIT, no SIPI. The APs' vCPU threads wait in the hypervisor forever; the run must still end
 * as soon as the boot CPU exits, without waiting for them.
 */
#include "libtck.h"

int main(const struct boot_info *bi)
{
	(void)bi;
	report_begin("hostile_noap");
	report_data("hostile_noap.bsp_apic_id", "%u", lapic_read(LAPIC_ID) >> 24);
	report(true, "hostile_noap.aps_left_waiting");
	return report_summary();
}

/*
 * emulfail - executes int3 with no IDT. On hardware KVM the #BP cannot be delivered and the CPU
 * triple-faults; on hosts whose KVM emulates guest kernel code and cannot emulate int3 (see
 * shared host facts), the vCPU stops with KVM_EXIT_INTERNAL_ERROR instead. Either way the VMM
 * must report a clear status with the faulting RIP; it must never hang or crash.
 */
#include "libtck.h"

int main(const struct boot_info *bi)
{
	(void)bi;
	static const struct { uint16_t limit; uint64_t base; } __attribute__((packed)) empty_idt = { 0, 0 };

	report_begin("emulfail");
	printf("emulfail: executing int3 with an empty IDT\n");
	console_flush();
	__asm__ volatile("lidt %0; int3" :: "m"(empty_idt));
	printf("emulfail: still running after int3\n");
	return 1;
}

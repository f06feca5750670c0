/*
 * triplefault - loads an empty IDT and executes ud2: #UD cannot be delivered, nor
 * can #DF, so the CPU shuts down (KVM_EXIT_SHUTDOWN; QEMU resets, or exits with -no-reboot).
 * ud2 rather than int3: int3 is not emulated on these hosts. No END line is expected.
 */
#include "libtck.h"

int main(const struct boot_info *bi)
{
	(void)bi;
	static const struct { uint16_t limit; uint64_t base; } __attribute__((packed)) empty_idt = { 0, 0 };

	report_begin("triplefault");
	printf("triplefault: loading a zero-limit IDT and executing ud2\n");
	console_flush();
	__asm__ volatile("lidt %0; ud2" :: "m"(empty_idt));
	printf("triplefault: still running after ud2\n");
	return 1;
}

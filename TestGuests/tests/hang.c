/*
 * hang - never exits; the host's watchdog must stop it.
 * Default: cli; hlt (the vCPU sleeps in the kernel). With "spin" on the command
 * line: a busy loop that keeps the vCPU running.
 */
#include "libtck.h"

int main(const struct boot_info *bi)
{
	bool spin = cmdline_has(bi, "spin");

	report_begin("hang");
	printf("hanging (%s)\n", spin ? "spin" : "cli; hlt");
	console_flush();
	if (spin)
		for (;;)
			__asm__ volatile("1: jmp 1b");
	halt_forever();
}

/*
 * reset - asks the keyboard controller to pulse the CPU reset line (port 0x64 <- 0xFE), the way PC
 * software reboots. The VMM must end the run as a reset (swiftvm: exit 125; QEMU with -no-reboot:
 * exits 0 without debug-exit). Still running afterwards is a failure.
 */
#include "libtck.h"

int main(const struct boot_info *bi)
{
	(void)bi;
	report_begin("reset");
	printf("reset: writing 0xfe to the i8042 command port\n");
	console_flush();
	outb(0x64, 0xFE);
	for (volatile int spin = 0; spin < 1000; spin++)
		cpu_relax();
	report(false, "reset.machine_reset :: still running after the reset command");
	return report_summary();
}

/*
 * hostile_ports - reads and writes (0xFF) every I/O port 0..0xFFFF once, with interrupts off, then
 * exits 0. The VMM must survive every access to a port it has no device for (and count them).
 *
 * Skipped, so that the kernel can still report and exit, and so that QEMU's machines stay up:
 *   0x0064       i8042 command port: 0xFE/0xF0-0xFF pulse the CPU reset line on QEMU -M pc
 *   0x0092       PS/2 "fast A20 / fast reset" port: bit 0 resets the machine on QEMU
 *   0x00F4-0xF7  debug exit (QEMU's isa-debug-exit decodes 4 ports): a write ends the run
 *   0x03F8-0x3FF the UART: the report goes out through it (and through its IRQ state)
 *   0x0510-0x51B QEMU fw_cfg: selector/data, and the DMA doorbell, which would start a DMA from
 *                an all-ones address
 *   0x0CF9       PIIX/ICH reset control: 0x06/0x0E reset the machine on QEMU -M pc
 *   0x0EC0-0xEC7 the test data channel (testdev): the console is flushed through it
 * Everything else, including the in-kernel PIC (0x20/0xA0, ELCR 0x4D0), PIT (0x40-0x43, 0x61) and
 * CMOS/RTC (0x70/0x71), takes one inb and one outb of 0xFF: with IF=0 nothing they do can reach us.
 */
#include "libtck.h"

static bool skipped(uint32_t port)
{
	return port == 0x64 || port == 0x92 || (port >= 0xF4 && port <= 0xF7) ||
	       (port >= 0x3F8 && port <= 0x3FF) || (port >= 0x510 && port <= 0x51B) ||
	       port == 0xCF9 || (port >= 0xEC0 && port <= 0xEC7);
}

int main(const struct boot_info *bi)
{
	(void)bi;
	uint32_t touched = 0, skips = 0, not_all_ones = 0;

	report_begin("hostile_ports");
	console_flush();                /* the last words if an access takes the machine down */
	__asm__ volatile("cli");
	for (uint32_t port = 0; port <= 0xFFFF; port++) {
		if (skipped(port)) {
			skips++;
			continue;
		}
		if (inb((uint16_t)port) != 0xFF)
			not_all_ones++;
		outb((uint16_t)port, 0xFF);
		touched++;
	}
	report_data("hostile_ports.touched", "%u", touched);
	report_data("hostile_ports.skipped", "%u", skips);
	report_data("hostile_ports.reads_not_all_ones", "%u", not_all_ones);
	report(touched + skips == 0x10000, "hostile_ports.every_port_once");
	return report_summary();
}

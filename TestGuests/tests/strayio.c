/*
 * strayio - touches I/O ports and an MMIO address that no device claims: COM2's data port, the
 * POST port 0x80, and guest-physical 0xD0000000 (in the PCI hole, nothing mapped). On a plain
 * run they read as all-ones and the kernel exits 0; `swiftvm run --strict-io` must stop it at
 * the first stray access instead.
 */
#include "libtck.h"

int main(const struct boot_info *bi)
{
	(void)bi;
	report_begin("strayio");
	console_flush();                      /* --strict-io ends the run at the next line */
	uint8_t com2 = inb(0x2F8);
	outb(0x80, 0x42);
	uint32_t hole = *(volatile uint32_t *)0xD0000000ul;
	report_data("strayio.com2", "0x%x", com2);
	report_data("strayio.mmio_hole", "0x%x", hole);
	report(com2 == 0xFF, "strayio.port_reads_all_ones");
	report(hole == 0xFFFFFFFFu, "strayio.mmio_reads_all_ones");
	return report_summary();
}

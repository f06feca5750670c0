/*
 * hostile_pci - writes all-ones to every 32-bit configuration register (BARs included) of every
 * device and function on bus 0, through configuration mechanism #1 (address at 0xCF8, data at
 * 0xCFC), with interrupts off; first reads each function's vendor/device id to count who answered.
 * Without a PCI host bridge nothing answers (reads all-ones); with one, the VMM must take every
 * write (a BAR sized to all-ones, a command register with every bit set) and still let the kernel
 * reach the debug-exit port. Exits 0 either way.
 */
#include "libtck.h"

#define PCI_ADDRESS     0xCF8
#define PCI_DATA        0xCFC

static inline uint32_t pci_address(uint32_t dev, uint32_t fn, uint32_t reg)
{
	return 0x80000000u | (dev << 11) | (fn << 8) | reg;
}

int main(const struct boot_info *bi)
{
	(void)bi;
	uint32_t functions = 0, writes = 0;

	report_begin("hostile_pci");
	console_flush();
	__asm__ volatile("cli");
	for (uint32_t dev = 0; dev < 32; dev++) {
		for (uint32_t fn = 0; fn < 8; fn++) {
			outl(PCI_ADDRESS, pci_address(dev, fn, 0));
			if ((inl(PCI_DATA) & 0xFFFF) != 0xFFFF)
				functions++;
			for (uint32_t reg = 0; reg < 256; reg += 4) {
				outl(PCI_ADDRESS, pci_address(dev, fn, reg));
				outl(PCI_DATA, 0xFFFFFFFFu);
				writes++;
			}
		}
	}
	outl(PCI_ADDRESS, 0);           /* leave the address register disabled */
	report_data("hostile_pci.functions_found", "%u", functions);
	report_data("hostile_pci.register_writes", "%u", writes);
	report(writes == 32 * 8 * 64, "hostile_pci.every_register_written");
	return report_summary();
}

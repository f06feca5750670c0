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

/*
 * 0xFFFFFFFF to each of the 64 registers of the function whose register 0 is at `first`: an asm loop
 * of 9 instructions a register (the C loop took ~10% more of the run on an emulating host, where each
 * costs ~0.7 us beside the ~10 us exit of the data write). Returns the registers the loop stepped over.
 */
static uint32_t all_ones(uint32_t first)
{
	uint32_t address = first, end = first + 256;
	__asm__ volatile("1: mov %0, %%eax\n\t"
	                 "mov $0xcf8, %%dx\n\t"
	                 "outl %%eax, %%dx\n\t"
	                 "mov $0xffffffff, %%eax\n\t"
	                 "mov $0xcfc, %%dx\n\t"
	                 "outl %%eax, %%dx\n\t"
	                 "add $4, %0\n\t"
	                 "cmp %1, %0\n\t"
	                 "jne 1b"
	                 : "+r"(address) : "r"(end) : "rax", "rdx", "memory");
	return (address - first) / 4;
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
			writes += all_ones(pci_address(dev, fn, 0));
		}
	}
	outl(PCI_ADDRESS, 0);           /* leave the address register disabled */
	report_data("hostile_pci.functions_found", "%u", functions);
	report_data("hostile_pci.register_writes", "%u", writes);
	report(writes == 32 * 8 * 64, "hostile_pci.every_register_written");
	return report_summary();
}

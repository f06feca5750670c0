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
 *
 * Cost: on an emulating host every guest instruction costs ~0.7 us, so the probe is a six-instruction
 * asm loop per port (in, store, out, next) over the ranges between the skipped ports; the bytes read
 * are kept and counted once at the end. A C loop testing the skip list per port took ~30 instructions,
 * twice the cost of the port's own userspace exit.
 */
#include "libtck.h"

/* The skipped ports as [first, last] ranges, in ascending order. */
static const struct { uint16_t first, last; } skipped[] = {
	{ 0x0064, 0x0064 }, { 0x0092, 0x0092 }, { 0x00F4, 0x00F7 }, { 0x03F8, 0x03FF },
	{ 0x0510, 0x051B }, { 0x0CF9, 0x0CF9 }, { 0x0EC0, 0x0EC7 },
};

/* What each port read returned; a skipped port keeps 0xFF. */
static uint8_t readback[0x10000] __attribute__((aligned(8)));

/*
 * inb then outb 0xFF on ports [first, first + count); the bytes read go to readback[first...].
 * Returns how many ports the loop stepped over (count, unless the loop itself is broken).
 */
static uint32_t probe(uint32_t first, uint32_t count)
{
	uint64_t port = first, left = count;
	uint8_t *dst = &readback[first];
	if (count == 0)
		return 0;
	__asm__ volatile("1: inb %%dx, %%al\n\t"
	                 "stosb\n\t"
	                 "movb $0xff, %%al\n\t"
	                 "outb %%al, %%dx\n\t"
	                 "incl %%edx\n\t"
	                 "loop 1b"
	                 : "+d"(port), "+c"(left), "+D"(dst) : : "rax", "memory");
	return (uint32_t)(port - first);
}

/* One rep-prefixed instruction each: the emulator runs the repeats far cheaper than a C loop's
 * instructions (8,192 quadwords each way). */
static void fill_all_ones(void)
{
	uint64_t n = sizeof(readback) / 8;
	void *d = readback;
	__asm__ volatile("rep stosq" : "+c"(n), "+D"(d) : "a"(~0ULL) : "memory");
}

static uint32_t count_not_all_ones(void)
{
	uint64_t n = sizeof(readback) / 8;
	const uint64_t *d = (const uint64_t *)readback;
	uint32_t count = 0;
	while (n > 0) {
		/* Stops after the first quadword that is not all ones, or at the end. */
		__asm__ volatile("repe scasq" : "+c"(n), "+D"(d) : "a"(~0ULL) : "memory", "cc");
		if (d[-1] != ~0ULL)
			for (uint32_t b = 0; b < 8; b++)
				count += ((const uint8_t *)&d[-1])[b] != 0xFF;
	}
	return count;
}

int main(const struct boot_info *bi)
{
	(void)bi;
	uint32_t touched = 0, skips = 0, not_all_ones = 0, next = 0;

	report_begin("hostile_ports");
	console_flush();                /* the last words if an access takes the machine down */
	fill_all_ones();
	__asm__ volatile("cli");
	for (uint32_t i = 0; i < sizeof(skipped) / sizeof(skipped[0]); i++) {
		touched += probe(next, skipped[i].first - next);
		skips += skipped[i].last - skipped[i].first + 1;
		next = skipped[i].last + 1u;
	}
	touched += probe(next, 0x10000 - next);
	not_all_ones = count_not_all_ones();
	report_data("hostile_ports.touched", "%u", touched);
	report_data("hostile_ports.skipped", "%u", skips);
	report_data("hostile_ports.reads_not_all_ones", "%u", not_all_ones);
	report(touched + skips == 0x10000, "hostile_ports.every_port_once");
	return report_summary();
}

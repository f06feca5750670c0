/*
 * hostile_stringio - string I/O with huge counts: `rep outsb` of 1 MiB (RCX = 1 << 20) from a RAM
 * buffer to an unassigned port, then `rep insb` of 1 MiB from that port into the buffer. The VMM must
 * handle count x size per exit, answer the reads with all-ones and not hold the megabyte (or more)
 * itself.
 *   (no option)  one outsb, one insb, exit 0
 *   in           one insb, check the buffer (sampled) reads all-ones, exit 0
 *   out          outsb rounds forever, one console line per round: the watchdog must stop the VMM in
 *                the middle of a rep (this host's KVM exits once per outs element, ~13 us: 1 MiB takes
 *                ~14 s; ins is batched a page per exit). Looping makes the outcome a timeout on every
 *                host, fast or slow.
 */
#include "libtck.h"

#define STRING_PORT     0x300           /* no device on swiftvm or QEMU microvm */
#define COUNT           (1ul << 20)

static uint8_t buffer[COUNT] __attribute__((aligned(4096)));

int main(const struct boot_info *bi)
{
	bool out = !cmdline_has(bi, "in"), in = !cmdline_has(bi, "out"), forever = cmdline_has(bi, "out");
	unsigned long rcx;

	report_begin("hostile_stringio");
	console_flush();
	for (unsigned round = 1; out; round++) {
		const void *src = buffer;
		rcx = COUNT;
		__asm__ volatile("cld; rep outsb" : "+S"(src), "+c"(rcx) : "d"(STRING_PORT) : "memory");
		if (!forever) {
			report(rcx == 0, "hostile_stringio.outsb_1MiB :: rcx=%lu", rcx);
			break;
		}
		printf("hostile_stringio: outsb round %u done (rcx=%lu)\n", round, rcx);
		console_flush();
	}
	if (in) {
		void *dst = buffer;
		rcx = COUNT;
		__asm__ volatile("cld; rep insb" : "+D"(dst), "+c"(rcx) : "d"(STRING_PORT) : "memory");
		/* Sample, not loop over the megabyte: first and last byte of every 4 KiB page. */
		unsigned bad = 0;
		for (unsigned long i = 0; i < COUNT; i += 4096)
			bad += (buffer[i] != 0xFF) + (buffer[i + 4095] != 0xFF);
		report(rcx == 0, "hostile_stringio.insb_1MiB :: rcx=%lu", rcx);
		report(bad == 0, "hostile_stringio.insb_reads_all_ones :: %u sampled bytes differ", bad);
	}
	return report_summary();
}

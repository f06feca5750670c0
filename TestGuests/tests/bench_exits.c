/*
 * bench_exits - userspace-exit round trip for `make bench` (scripts/bench.sh): `out=N` 8-bit writes
 * to port 0x2F8, then `in=N` 8-bit reads from it. 0x2F8 is COM2's data port, which neither swiftvm nor
 * QEMU (-nodefaults, no second serial) nor benchmarks/floor.c claims, and which KVM does not handle
 * in-kernel, so every access is one exit to the VMM: a write is ignored, a read answers all-ones.
 * The loops are unrolled by 8 so the emulated loop overhead (~0.7 us per guest instruction on
 * emulating hosts) stays small next to the exit; the host divides (time(N) - time(0)) by N.
 * DATA keys: exits.out, exits.in (what the guest did), exits.in_all_ones (reads that were 0xFF).
 */
#include "libtck.h"

#define BENCH_PORT 0x2F8

static void out_loop(unsigned long n)
{
	unsigned long i = 0;
	for (; i + 8 <= n; i += 8) {
		outb(BENCH_PORT, 0); outb(BENCH_PORT, 0); outb(BENCH_PORT, 0); outb(BENCH_PORT, 0);
		outb(BENCH_PORT, 0); outb(BENCH_PORT, 0); outb(BENCH_PORT, 0); outb(BENCH_PORT, 0);
	}
	for (; i < n; i++)
		outb(BENCH_PORT, 0);
}

static unsigned long in_loop(unsigned long n)
{
	unsigned long i = 0, ones = 0;
	for (; i + 8 <= n; i += 8) {
		unsigned v = inb(BENCH_PORT);
		v &= inb(BENCH_PORT); v &= inb(BENCH_PORT); v &= inb(BENCH_PORT);
		v &= inb(BENCH_PORT); v &= inb(BENCH_PORT); v &= inb(BENCH_PORT); v &= inb(BENCH_PORT);
		ones += v == 0xFF ? 8 : 0;
	}
	for (; i < n; i++)
		ones += inb(BENCH_PORT) == 0xFF;
	return ones;
}

int main(const struct boot_info *bi)
{
	unsigned long n_out = cmdline_get_ulong(bi, "out", 0);
	unsigned long n_in = cmdline_get_ulong(bi, "in", 0);

	report_begin("bench_exits");
	console_flush();                /* the timed loops start with the console empty */
	out_loop(n_out);
	unsigned long ones = in_loop(n_in);
	report_data("exits.out", "%lu", n_out);
	report_data("exits.in", "%lu", n_in);
	report_data("exits.in_all_ones", "%lu", ones);
	report(ones == n_in, "exits.reads_all_ones");
	return report_summary();
}

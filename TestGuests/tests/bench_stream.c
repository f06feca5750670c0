/*
 * bench_stream - guest-to-host throughput for `make bench` (scripts/bench.sh): sends `bytes=M` bytes
 * from one pre-filled 4 KiB block, so the guest spends its time moving bytes, not formatting them.
 *   via=uart     byte by byte through the 16550 at 0x3F8 (THRE poll + THR write per byte: what every
 *                VMM without the channel sees; QEMU, swiftvm without --testdev)
 *   via=testdev  4 KiB descriptors on the test data channel (one exit per block), stream=data (default,
 *                stream 1: `swiftvm run --data FILE`) or stream=console; needs `swiftvm run --testdev`
 * The host measures time(M) - time(0). DATA keys: stream.via, stream.bytes (what was sent).
 */
#include "libtck.h"
#include "serial.h"
#include "testdev.h"

static char block[4096] __attribute__((aligned(16)));

int main(const struct boot_info *bi)
{
	unsigned long bytes = cmdline_get_ulong(bi, "bytes", 0);
	char via[16] = "uart", stream_name[16] = "data";
	cmdline_get(bi, "via", via, sizeof via);
	cmdline_get(bi, "stream", stream_name, sizeof stream_name);
	unsigned stream = strcmp(stream_name, "console") == 0 ? TESTDEV_STREAM_CONSOLE : TESTDEV_STREAM_DATA;
	bool uart = strcmp(via, "testdev") != 0;

	report_begin("bench_stream");
	if (!uart && !testdev_present()) {
		report_skip("stream.sent", "via=testdev needs the test data channel (swiftvm run --testdev)");
		return report_summary();
	}
	static const char line[] = "bench_stream: the quick brown fox jumps over the lazy dog 0123456789\n";
	for (size_t i = 0; i < sizeof block; i++)
		block[i] = line[i % (sizeof line - 1)];
	console_flush();

	unsigned long sent = 0;
	unsigned status = TESTDEV_ACCEPTED;
	while (sent < bytes && status == TESTDEV_ACCEPTED) {
		size_t n = bytes - sent < sizeof block ? bytes - sent : sizeof block;
		if (uart)
			serial_write(block, n);
		else
			status = testdev_send(stream, block, n);
		sent += n;
	}
	/* The UART bytes are console text too: end them with a newline so the result lines stay lines. */
	if (uart && bytes)
		serial_putc('\n');
	report_data("stream.via", "%s", uart ? "uart" : "testdev");
	report_data("stream.bytes", "%lu", sent);
	report(status == TESTDEV_ACCEPTED, "stream.sent :: status %u", status);
	return report_summary();
}

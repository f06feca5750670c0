/*
 * flood - writes console output forever, as fast as the guest can: the same 4 KiB block again and
 * again through testdev (one exit per block) or, without it, byte by byte to the UART. The host
 * must cap what it keeps, say that it cut the log, end the run at the timeout and stay responsive.
 */
#include "libtck.h"
#include "serial.h"
#include "testdev.h"

static char block[4096];

int main(const struct boot_info *bi)
{
	(void)bi;
	static const char line[] = "flood: the quick brown fox jumps over the lazy dog 0123456789\n";
	report_begin("flood");
	console_flush();
	/* Line by line (a memcpy each): a byte loop costs ~60 ms of emulated loads and stores here. */
	for (size_t at = 0; at < sizeof block; at += sizeof line - 1) {
		size_t n = sizeof block - at < sizeof line - 1 ? sizeof block - at : sizeof line - 1;
		memcpy(block + at, line, n);
	}
	for (;;) {
		if (testdev_send(TESTDEV_STREAM_CONSOLE, block, sizeof block) != TESTDEV_ACCEPTED)
			serial_write(block, sizeof block);
	}
}

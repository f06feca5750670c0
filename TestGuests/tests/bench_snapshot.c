/*
 * bench_snapshot - save/restore cost against touched memory for `make bench` (scripts/bench.sh,
 * SECTIONS=snapshot; benchmarks/snapshot_bench.py drives it).
 *
 *   touch=SIZE   bytes to write from 16 MiB up (K/M/G suffixes; default 0), every qword non-zero
 *   save=0|1     ask for a save with tck_migrate(1) after touching (default 1)
 *
 * Touching a page = writing its first qword with a value of its own (pattern ^ its address): the page
 * is then dirty and not all zero, so a VMM stores all 4 KiB of it, and the save and restore costs are
 * those of the touched pages. One store per page, not 512: on emulating hosts a rep stosq is emulated
 * per iteration (~0.36 ms a page here, 7.5 s for 64 MiB), and the restore wall time the bench takes
 * includes the check. After the restore every touched page's qword is read back and compared with
 * what was written, and a checksum over them (reported as DATA) must equal the one of what was written.
 *
 * Console lines the host times, each flushed at once (with swiftvm's --testdev the console is buffered
 * through the test data channel until a flush): the BEGIN line, a fresh boot's first output;
 * "bench-snapshot: request" right before the save request (the port request follows it at once; QEMU
 * gets the library's "tck-migrate: save 1" line after it); the library's "migrate.save.1" result line,
 * the restored guest's first output.
 */
#include "libtck.h"
#include "migrate.h"

#define PAGE            4096ull
#define TOUCH_BASE      (16ull << 20)
#define PATTERN         0xA55A5AA5C33C3CC3ull

static uint64_t page_value(uint64_t pa) { return PATTERN ^ pa; }       /* never zero: pa < 2^32 */

static uint64_t parse_size(const struct boot_info *bi, const char *key, bool *ok)
{
	char v[24];
	int n = cmdline_get(bi, key, v, sizeof v);
	*ok = true;
	if (n < 0)
		return 0;
	uint64_t r = 0;
	int i = 0;
	for (; i < n && v[i] >= '0' && v[i] <= '9'; i++)
		r = r * 10 + (uint64_t)(v[i] - '0');
	unsigned shift = 0;
	if (i < n) {
		switch (v[i++]) {
		case 'K': case 'k': shift = 10; break;
		case 'M': case 'm': shift = 20; break;
		case 'G': case 'g': shift = 30; break;
		default: *ok = false;
		}
	}
	if (i != n || i == 0)
		*ok = false;
	return r << shift;
}

static void fill_page(uint64_t pa) { *(volatile uint64_t *)(uintptr_t)pa = page_value(pa); }
static uint64_t page_read(uint64_t pa) { return *(volatile uint64_t *)(uintptr_t)pa; }

/* FNV-1a, one step per qword (as migrate_hash_qwords): a checksum that costs a few guest instructions a
 * page, because every instruction is emulated on the hosts this runs on. */
static uint64_t hash_step(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001b3ull; }

/* The checksum of every touched page's qword as read now; *bad counts the pages whose value is wrong. */
static uint64_t check(uint64_t bytes, uint64_t *bad)
{
	uint64_t h = MIGRATE_HASH_INIT, n = 0;
	for (uint64_t pa = TOUCH_BASE; pa < TOUCH_BASE + bytes; pa += PAGE) {
		uint64_t v = page_read(pa);
		n += v != page_value(pa);
		h = hash_step(h, v);
	}
	*bad = n;
	return h;
}

int main(const struct boot_info *bi)
{
	bool ok;
	uint64_t bytes = parse_size(bi, "touch", &ok) & ~(PAGE - 1);
	unsigned long save = cmdline_get_ulong(bi, "save", 1);

	report_begin("bench_snapshot");
	console_flush();                        /* the first line marks "running" for the host (testdev buffers) */
	if (!ok) {
		report(false, "snapshot.args :: touch= is not a size (digits with an optional K, M or G)");
		return report_summary();
	}
	if (bytes && (!bootinfo_is_ram(bi, TOUCH_BASE) || !bootinfo_is_ram(bi, TOUCH_BASE + bytes - 1) ||
		      TOUCH_BASE + bytes > (4ull << 30))) {
		report(false, "snapshot.args :: touch=%lu bytes from 0x%lx is not all RAM below 4 GiB",
		       (unsigned long)bytes, (unsigned long)TOUCH_BASE);
		return report_summary();
	}
	uint64_t hz = tsc_hz(0);                /* cached before the save: none of its probes after the restore */
	uint64_t t0 = rdtsc();
	for (uint64_t pa = TOUCH_BASE; pa < TOUCH_BASE + bytes; pa += PAGE)
		fill_page(pa);
	uint64_t t1 = rdtsc();
	uint64_t want = MIGRATE_HASH_INIT;     /* the checksum of what was written, taken before the save */
	for (uint64_t pa = TOUCH_BASE; pa < TOUCH_BASE + bytes; pa += PAGE)
		want = hash_step(want, page_value(pa));
	report_data("snapshot.touch_bytes", "%lu", (unsigned long)bytes);
	report_data("snapshot.touch_ms", "%lu", (unsigned long)migrate_ticks_ms(t1 - t0, hz));
	if (save) {
		printf("bench-snapshot: request\n");
		console_flush();
		uint32_t generation = tck_migrate(1);
		console_flush();                /* its result line is the restored guest's first output */
		if (generation != 1)
			return report_summary();        /* tck_migrate reported why */
	}
	uint64_t t2 = rdtsc(), bad;
	uint64_t h = check(bytes, &bad);
	uint64_t t3 = rdtsc();
	report_data("snapshot.check_ms", "%lu", (unsigned long)migrate_ticks_ms(t3 - t2, hz));
	report_data("snapshot.check_hash", "0x%016lx", (unsigned long)h);
	report(bad == 0 && h == want, "snapshot.touched_memory :: %lu pages %s, %lu differ",
	       (unsigned long)(bytes / PAGE), save ? "after the restore" : "(no save)", (unsigned long)bad);
	return report_summary();
}

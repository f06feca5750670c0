/*
 * hostile_virtio - a driver that breaks the split-virtqueue rules (virtio 1.2 §2.7) on the machine's
 * virtio-blk disk, one way per run, chosen by case=NAME:
 *
 *   loop           descriptors 1 -> 2 -> 1 ... after the header (NEXT fields form a cycle)
 *   long           a chain through every descriptor of the 16-entry table, the last pointing back
 *                  to the second: longer than the queue without a short cycle
 *   loop-indirect  the cycle inside a 3-entry indirect table
 *   nested         an indirect table whose only entry is itself VIRTQ_DESC_F_INDIRECT, naming a
 *                  well-formed IN request
 *   outside        the data buffer at 256 GiB, far outside guest RAM
 *   straddle       the data buffer starts 256 bytes below the top of RAM and ends 256 bytes above it
 *   wrap           the data buffer at 2^64 - 512 with 1024 bytes: addr + len wraps past 2^64 to 0x200
 *   lensum         an indirect chain whose device-writable lengths add up to 2^32 + 1 (256 buffers
 *                  of 16 MiB, all over one RAM region, plus the status byte)
 *   rdonly-data    an IN request whose data buffer is device-readable (no VIRTQ_DESC_F_WRITE)
 *   rdonly-status  an IN request whose status byte is device-readable, after the writable data
 *   kickstorm      kicks=N (default 20000) notifies with nothing available, back to back from a
 *                  three-instruction loop, then busy=M (default 1000) notifies that keep the queue
 *                  full of real reads, each read checked. On an emulating KVM host an empty kick costs
 *                  ~10 us and a busy-loop turn ~0.3-0.4 ms (the driver's own emulated code): ~0.6 s
 *                  together. What they check is decided per kick (nothing is used, the device stays
 *                  up) and per race of a kick with the I/O thread serving the queue (no notification
 *                  lost: ~500-960 reads through 16 slots), so 20000 and 1000 keep the property at a
 *                  tenth of the old 100000/10000's cost
 *
 * The malformed request is an IN of sector 1 (lensum: sector 0). The kernel records what the device
 * did (device status, used elements, the status byte, spins waited) as DATA lines and checks:
 *   <case>.refused           DEVICE_NEEDS_RESET (0x40) was set, or the request completed with IOERR or
 *                            UNSUPP;
 *   <case>.memory_untouched  after the device reset (which quiesces it), nothing changed but the
 *                            buffers the chain marks device-writable: headers, device-readable buffers,
 *                            indirect tables, the descriptor table and avail ring, and pages beside an
 *                            out-of-RAM buffer (below it for straddle, physical page 0 for wrap);
 *   <case>.recovered         reset, re-initialise, and sectors 0 and 1 read back with their pattern.
 * A VMM that crashes or hangs ends the run itself. The disk: a patterned image (sector N begins with
 * the little-endian u64 N ^ 0x5A5A5A5A5A5A5A5A), at least 64 sectors.
 *
 * Polled throughout: MSI-X off and INTx disabled in the command register, interrupts off.
 * Command line: case=NAME, kicks=N, virtio_window=ADDR (as conf_virtio_blk). Config access by CF8
 * only: QEMU runs it on pc.
 */
#include <string.h>

#include "libtck.h"
#include "virtio.h"

#define PATTERN         0x5A5A5A5A5A5A5A5Aull
#define QSIZE           16
#define WAIT_SPINS      100000          /* bound of the wait for a verdict on the hostile request */
#define STATUS_EVERY    128             /* spins between device-status reads (each one an exit) */
#define MAX_SPINS       200000
#define GUARD           0xA5
#define MIB             (1ull << 20)
#define GIB             (1ull << 30)
#define WANTED          (VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC))

/* Everything the hostile request names, in one block filled with GUARD and snapshot before the kick. */
#define A_HDR           0x0000
#define A_DATA          0x0200          /* 512 bytes */
#define A_STATUS        0x0600
#define A_INNER         0x0800          /* the nested case's inner table */
#define A_TABLE         0x1000          /* indirect tables: up to 768 entries */
#define A_SIZE          0x4000
#define LENSUM_BUFS     256
#define LENSUM_REGION   (16 * MIB)      /* [16, 32) MiB: RAM this kernel does not use */
#define LENSUM_LEN      (16 * MIB)
#define OUTSIDE_ADDR    (256 * GIB)
#define WRAP_ADDR       0xFFFFFFFFFFFFFE00ull
#define PAGE            4096

static uint8_t arena[A_SIZE] __attribute__((aligned(4096)));
static uint8_t shadow[A_SIZE] __attribute__((aligned(4096)));
static uint8_t ring_mem[8192] __attribute__((aligned(4096)));
static uint8_t ring_shadow[8192] __attribute__((aligned(4096)));
static uint8_t guard_page[PAGE] __attribute__((aligned(4096)));
static uint8_t rbuf[2 * VIRTIO_BLK_SECTOR] __attribute__((aligned(4096)));
static struct virtio_pci_dev dev;
static struct virtq vq;
static struct virtio_blk blk;

/* Kickstorm: one header, sector of data and status byte per descriptor head. */
static struct virtio_blk_req ks_hdr[QSIZE] __attribute__((aligned(16)));
static uint8_t ks_data[QSIZE][VIRTIO_BLK_SECTOR] __attribute__((aligned(4096)));
static volatile uint8_t ks_status[QSIZE];
static uint64_t ks_sector[QSIZE];

/* What the chain marks device-writable inside the arena (offset, length). */
struct span { uint32_t off, len; };

struct plan {
	bool indirect;                  /* needs VIRTIO_F_INDIRECT_DESC */
	struct span writable[2];
	unsigned nwritable;
	uint64_t guard_pa;              /* a page outside the arena that must not change (0 len: none) */
	uint32_t guard_len;
};

struct observation {
	uint8_t device_status, status_byte;
	uint16_t used;                  /* used elements published */
	uint32_t used_id, used_len;
	unsigned spins;
};

static uint64_t pa(const void *p) { return (uint64_t)(uintptr_t)p; }
static uint64_t rdtsc(void) { uint32_t lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return (uint64_t)hi << 32 | lo; }

/* memcmp: repe cmpsq in ring 0, or natively in user mode from 2 KiB on (string.c). */
static bool same(const void *a, const void *b, size_t n) { return !memcmp(a, b, n); }

static void put(struct virtq_desc *table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	table[i] = (struct virtq_desc){ .addr = addr, .len = len, .flags = flags, .next = next };
}

static uint64_t ram_top_below_4g(const struct boot_info *bi)
{
	uint64_t top = 0;
	for (uint32_t i = 0; i < bi->memmap_count; i++) {
		const struct boot_memrange *r = &bi->memmap[i];
		if (r->type == BOOT_MEM_RAM && r->addr + r->size <= 4 * GIB && r->addr + r->size > top)
			top = r->addr + r->size;
	}
	return top;
}

/* Reset, negotiate, queue 0 of QSIZE with no vector, DRIVER_OK. */
static bool bring_up(char *why, size_t wlen)
{
	if (virtio_init_features(&dev, WANTED) || virtq_init(&vq, QSIZE, ring_mem, sizeof ring_mem) ||
	    virtio_setup_queue(&dev, 0, &vq, VIRTIO_MSI_NO_VECTOR)) {
		snprintf(why, wlen, "%s", dev.error ? dev.error : "virtq_init refused the size");
		return false;
	}
	*(volatile uint16_t *)(dev.common + VIRTIO_COMMON_MSIX) = VIRTIO_MSI_NO_VECTOR;
	if (virtio_driver_ok(&dev)) {
		snprintf(why, wlen, "%s (status %02x)", dev.error, virtio_status(&dev));
		return false;
	}
	blk = (struct virtio_blk){ .d = &dev, .q = &vq, .qi = 0, .max_spins = MAX_SPINS };
	return true;
}

/* Reads sectors 0 and 1 in one request and checks their pattern. */
static bool read_back(char *why, size_t wlen)
{
	memset(rbuf, 0xEE, sizeof rbuf);
	int st = virtio_blk_request(&blk, VIRTIO_BLK_T_IN, 0, rbuf, sizeof rbuf, true);
	uint64_t w0, w1;
	memcpy(&w0, rbuf, 8);
	memcpy(&w1, rbuf + VIRTIO_BLK_SECTOR, 8);
	if (st != VIRTIO_BLK_S_OK)
		snprintf(why, wlen, "read of sectors 0-1: %d (0 = OK, 0xff = status not written, < 0 = no completion)", st);
	else if (w0 != PATTERN || w1 != (1 ^ PATTERN))
		snprintf(why, wlen, "sectors 0-1 begin %lx %lx, not their pattern", (unsigned long)w0, (unsigned long)w1);
	return st == VIRTIO_BLK_S_OK && w0 == PATTERN && w1 == (1 ^ PATTERN);
}

/* ---- the malformed requests: each fills the descriptors and says what it may have written ---- */

static void header(uint64_t sector)
{
	struct virtio_blk_req h = { .type = VIRTIO_BLK_T_IN, .reserved = 0, .sector = sector };
	memcpy(arena + A_HDR, &h, sizeof h);
}

#define R       0
#define W       VIRTQ_DESC_F_WRITE
#define N       VIRTQ_DESC_F_NEXT
#define I       VIRTQ_DESC_F_INDIRECT
#define AT(off) pa(arena + (off))
#define DATA_AND_STATUS { { A_DATA, VIRTIO_BLK_SECTOR }, { A_STATUS, 1 } }, 2

static struct plan build(const char *name, uint64_t ram_top, bool *known)
{
	struct virtq_desc *d = vq.desc, *t = (struct virtq_desc *)(arena + A_TABLE);
	*known = true;
	header(1);
	if (!strcmp(name, "loop")) {
		put(d, 0, AT(A_HDR), 16, R | N, 1);
		put(d, 1, AT(A_DATA), VIRTIO_BLK_SECTOR, W | N, 2);
		put(d, 2, AT(A_STATUS), 1, W | N, 1);
		return (struct plan){ false, DATA_AND_STATUS, 0, 0 };
	}
	if (!strcmp(name, "long")) {
		put(d, 0, AT(A_HDR), 16, R | N, 1);
		for (unsigned i = 1; i < QSIZE; i++)
			put(d, i, AT(A_DATA + 32 * (i - 1)), 32, W | N, (uint16_t)(i + 1 < QSIZE ? i + 1 : 1));
		return (struct plan){ false, { { A_DATA, 32 * (QSIZE - 1) } }, 1, 0, 0 };
	}
	if (!strcmp(name, "loop-indirect")) {
		put(t, 0, AT(A_HDR), 16, R | N, 1);
		put(t, 1, AT(A_DATA), VIRTIO_BLK_SECTOR, W | N, 2);
		put(t, 2, AT(A_STATUS), 1, W | N, 1);
		put(d, 0, AT(A_TABLE), 3 * 16, I, 0);
		return (struct plan){ true, DATA_AND_STATUS, 0, 0 };
	}
	if (!strcmp(name, "nested")) {
		struct virtq_desc *inner = (struct virtq_desc *)(arena + A_INNER);
		put(inner, 0, AT(A_HDR), 16, R | N, 1);
		put(inner, 1, AT(A_DATA), VIRTIO_BLK_SECTOR, W | N, 2);
		put(inner, 2, AT(A_STATUS), 1, W, 0);
		put(t, 0, AT(A_INNER), 3 * 16, I, 0);
		put(d, 0, AT(A_TABLE), 16, I, 0);
		/* The chain is one indirect table holding one (forbidden) indirect entry: nothing writable. */
		return (struct plan){ true, { { 0, 0 } }, 0, 0, 0 };
	}
	if (!strcmp(name, "outside") || !strcmp(name, "straddle") || !strcmp(name, "wrap")) {
		uint64_t addr = name[0] == 'o' ? OUTSIDE_ADDR : name[0] == 's' ? ram_top - 256 : WRAP_ADDR;
		uint32_t len = name[0] == 'w' ? 2 * VIRTIO_BLK_SECTOR : VIRTIO_BLK_SECTOR;
		put(d, 0, AT(A_HDR), 16, R | N, 1);
		put(d, 1, addr, len, W | N, 2);
		put(d, 2, AT(A_STATUS), 1, W, 0);
		/* straddle: the page below the buffer; wrap: page 0, where addr + len wraps to. The in-RAM
		 * quarter of the straddling buffer is the chain's own and may be written. */
		uint64_t guard = name[0] == 's' ? ram_top - 256 - PAGE : 0;
		return (struct plan){ false, { { A_STATUS, 1 } }, 1, guard, name[0] == 'o' ? 0 : PAGE };
	}
	if (!strcmp(name, "lensum")) {
		header(0);
		put(t, 0, AT(A_HDR), 16, R | N, 1);
		for (unsigned i = 1; i <= LENSUM_BUFS; i++)
			put(t, i, LENSUM_REGION, LENSUM_LEN, W | N, (uint16_t)(i + 1));
		put(t, LENSUM_BUFS + 1, AT(A_STATUS), 1, W, 0);
		put(d, 0, AT(A_TABLE), (LENSUM_BUFS + 2) * 16, I, 0);
		return (struct plan){ true, { { A_STATUS, 1 } }, 1, 0, 0 };
	}
	if (!strcmp(name, "rdonly-data")) {
		put(d, 0, AT(A_HDR), 16, R | N, 1);
		put(d, 1, AT(A_DATA), VIRTIO_BLK_SECTOR, R | N, 2);
		put(d, 2, AT(A_STATUS), 1, W, 0);
		return (struct plan){ false, { { A_STATUS, 1 } }, 1, 0, 0 };
	}
	if (!strcmp(name, "rdonly-status")) {
		put(d, 0, AT(A_HDR), 16, R | N, 1);
		put(d, 1, AT(A_DATA), VIRTIO_BLK_SECTOR, W | N, 2);
		put(d, 2, AT(A_STATUS), 1, R, 0);
		return (struct plan){ false, { { A_DATA, VIRTIO_BLK_SECTOR } }, 1, 0, 0 };
	}
	*known = false;
	return (struct plan){ 0 };
}

/* ---- submitting it and watching ---- */

/* Makes descriptor 0 available (the queue is fresh: avail and used idx 0); the caller then kicks. */
static void publish_head0(void)
{
	vq.avail->ring[0] = 0;
	virtio_wmb();
	vq.avail_idx = 1;
	*(volatile uint16_t *)&vq.avail->idx = 1;
}

/* Waits (bounded) until the device publishes a used element or sets NEEDS_RESET. */
static struct observation observe(void)
{
	struct observation o = { 0 };
	volatile uint16_t *used_idx = &vq.used->idx;
	for (; o.spins < WAIT_SPINS; o.spins++) {
		if (*used_idx != 0)
			break;
		if (o.spins % STATUS_EVERY == 0 && (virtio_status(&dev) & VIRTIO_STATUS_NEEDS_RESET))
			break;
		cpu_relax();
	}
	o.device_status = virtio_status(&dev);
	o.used = *used_idx;
	if (o.used) {
		o.used_id = vq.used->ring[0].id;
		o.used_len = vq.used->ring[0].len;
	}
	o.status_byte = ((volatile uint8_t *)arena)[A_STATUS];
	return o;
}

/* Compares arena and shadow outside the writable spans (widened to 8 bytes); the first difference
 * offset in *where, or false. */
static bool arena_unchanged(const struct plan *p, uint32_t *where)
{
	uint32_t at = 0;
	for (unsigned k = 0; k <= p->nwritable; k++) {
		uint32_t end = k < p->nwritable ? p->writable[k].off & ~7u : A_SIZE;
		if (end > at && !same(arena + at, shadow + at, end - at)) {
			for (*where = at; arena[*where] == shadow[*where]; (*where)++)
				;
			return false;
		}
		if (k < p->nwritable)
			at = (p->writable[k].off + p->writable[k].len + 7) & ~7u;
	}
	return true;
}

static void hostile_case(const char *name, const struct boot_info *bi)
{
	char key[64], why[160] = "";
	uint64_t ram_top = ram_top_below_4g(bi);
	bool known;
	if (!bring_up(why, sizeof why)) {               /* a fresh queue: nothing available or used yet */
		report(false, "hostile_virtio.%s.refused :: re-initialisation failed: %s", name, why);
		return;
	}
	memset(arena, GUARD, sizeof arena);
	struct plan p = build(name, ram_top, &known);
	if (!known) {
		report(false, "hostile_virtio.case :: unknown case=%s (loop long loop-indirect nested outside straddle wrap "
		       "lensum rdonly-data rdonly-status kickstorm)", name);
		return;
	}
	snprintf(key, sizeof key, "hostile_virtio.%s", name);
	if (p.indirect && !(dev.accepted & VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC))) {
		report_skip(key, "VIRTIO_F_INDIRECT_DESC not offered");
		return;
	}
	if (!strcmp(name, "lensum") && !(bootinfo_is_ram(bi, LENSUM_REGION) && bootinfo_is_ram(bi, LENSUM_REGION + LENSUM_LEN - 1))) {
		report_skip(key, "[16, 32) MiB is not RAM: give the machine at least 64 MiB");
		return;
	}
	if (p.guard_len) {
		report_data("hostile_virtio.guard_page", "0x%lx (top of RAM 0x%lx)", (unsigned long)p.guard_pa,
			    (unsigned long)ram_top);
		memset((void *)(uintptr_t)p.guard_pa, GUARD, p.guard_len);
		memset(guard_page, GUARD, sizeof guard_page);
	}
	volatile uint64_t *in_ram = (volatile uint64_t *)(uintptr_t)(ram_top - 256);      /* straddle's own quarter */
	if (!strcmp(name, "straddle"))
		*in_ram = 0xA5A5A5A5A5A5A5A5ull;
	memcpy(shadow, arena, sizeof shadow);
	publish_head0();
	size_t rings = (size_t)((uint8_t *)vq.used - ring_mem);   /* descriptor table and avail ring */
	memcpy(ring_shadow, ring_mem, rings);
	virtio_notify(&dev, 0);
	struct observation o = observe();
	bool needs_reset = o.device_status & VIRTIO_STATUS_NEEDS_RESET;
	snprintf(key, sizeof key, "hostile_virtio.%s.device_status", name);
	report_data(key, "0x%02x", o.device_status);
	snprintf(key, sizeof key, "hostile_virtio.%s.used", name);
	report_data(key, "%u elements%s id %u len %u", o.used, o.used ? "; first:" : ",", o.used_id, o.used_len);
	snprintf(key, sizeof key, "hostile_virtio.%s.status_byte", name);
	report_data(key, "0x%02x", o.status_byte);
	snprintf(key, sizeof key, "hostile_virtio.%s.spins", name);
	report_data(key, "%u", o.spins);

	bool error_status = o.used && (o.status_byte == VIRTIO_BLK_S_IOERR || o.status_byte == VIRTIO_BLK_S_UNSUPP);
	report(needs_reset || error_status, "hostile_virtio.%s.refused :: device status 0x%02x (NEEDS_RESET %s), %u used "
	       "elements, status byte 0x%02x%s", name, o.device_status, needs_reset ? "set" : "clear", o.used, o.status_byte,
	       needs_reset || error_status ? "" : o.used ? ": the device served it" : ": no answer within the wait");

	/* The reset returns only when the device has stopped, so nothing can land after the compare. */
	int rst = virtio_reset(&dev);
	uint32_t where = 0;
	bool arena_ok = arena_unchanged(&p, &where);
	bool rings_ok = same(ring_mem, ring_shadow, rings & ~(size_t)7);
	for (size_t i = rings & ~(size_t)7; i < rings; i++)
		rings_ok = rings_ok && ring_mem[i] == ring_shadow[i];
	if (!strcmp(name, "straddle"))
		report_data("hostile_virtio.straddle.in_ram_part", "the u64 at 0x%lx reads 0x%lx (0xa5a5a5a5a5a5a5a5: not written)",
			    (unsigned long)(ram_top - 256), (unsigned long)*in_ram);
	bool guard_ok = !p.guard_len || same((void *)(uintptr_t)p.guard_pa, guard_page, p.guard_len);
	if (!guard_ok) {
		const volatile uint8_t *g = (const volatile uint8_t *)(uintptr_t)p.guard_pa;
		uint32_t at = 0, n = 0;
		while (g[at] == GUARD)
			at++;
		for (uint32_t i = at; i < p.guard_len; i++)
			n += g[i] != GUARD;
		uint64_t word;
		memcpy(&word, (const void *)(uintptr_t)(p.guard_pa + (at & ~7u)), 8);
		snprintf(key, sizeof key, "hostile_virtio.%s.guard_written", name);
		report_data(key, "%u bytes from 0x%lx; the u64 at 0x%lx reads 0x%lx", n, (unsigned long)(p.guard_pa + at),
			    (unsigned long)(p.guard_pa + (at & ~7u)), (unsigned long)word);
	}
	char block[48] = "unchanged";
	if (!arena_ok)
		snprintf(block, sizeof block, "CHANGED at +0x%x (0x%02x, was 0x%02x)", where, arena[where], shadow[where]);
	report(rst == 0 && arena_ok && rings_ok && guard_ok, "hostile_virtio.%s.memory_untouched :: request block %s, "
	       "descriptor table and avail ring %s, guard page %s%s", name, block, rings_ok ? "unchanged" : "CHANGED",
	       !p.guard_len ? "not used" : guard_ok ? "unchanged" : "CHANGED", rst ? "; the reset did not complete" : "");

	bool ok = bring_up(why, sizeof why) && read_back(why, sizeof why);
	report(ok, "hostile_virtio.%s.recovered :: reset, re-initialised, sectors 0-1 read back %s", name, why);
}

/* ---- kickstorm ---- */

static bool ks_reap(unsigned *done, unsigned *bad)
{
	int id;
	uint32_t len;
	bool any = false;
	while (virtq_get_used(&vq, &id, &len)) {
		uint64_t w0;
		any = true;
		if (id < 0) {
			(*bad)++;
			continue;
		}
		memcpy(&w0, ks_data[id], 8);
		if (ks_status[id] == VIRTIO_BLK_S_OK && w0 == (ks_sector[id] ^ PATTERN) && len == VIRTIO_BLK_SECTOR + 1)
			(*done)++;
		else
			(*bad)++;
	}
	return any;
}

/*
 * Queue 0's doorbell written `kicks` times as virtio_notify writes it (16 bits, the queue index). Nothing
 * is made available, so no barrier is needed; a C loop calling virtio_notify costs ~2.5x as much per kick
 * on an emulating host (~11 emulated instructions, a call and a return, against 3).
 */
static void doorbell_storm(uint64_t kicks)
{
	volatile uint16_t *bell = (volatile uint16_t *)(dev.notify + dev.qnotify[0]);
	if (kicks == 0)
		return;
	__asm__ volatile("1: movw %w2, (%1)\n\t"
	                 "dec %0\n\t"
	                 "jnz 1b"
	                 : "+c"(kicks) : "r"(bell), "r"(0) : "memory");
}

static void kickstorm(const struct boot_info *bi)
{
	char why[160] = "";
	unsigned long kicks = cmdline_get_ulong(bi, "kicks", 20000), busy = cmdline_get_ulong(bi, "busy", 1000);
	uint16_t used0 = vq.used->idx;

	uint64_t t0 = rdtsc();
	doorbell_storm(kicks);
	uint64_t t1 = rdtsc();
	uint8_t st = virtio_status(&dev);
	uint16_t moved = (uint16_t)(vq.used->idx - used0);
	report_data("hostile_virtio.kickstorm.empty_tsc_per_kick", "%lu", (unsigned long)((t1 - t0) / (kicks ? kicks : 1)));
	report(!(st & VIRTIO_STATUS_NEEDS_RESET) && (st & VIRTIO_STATUS_DRIVER_OK) && moved == 0,
	       "hostile_virtio.kickstorm.empty :: %lu kicks with nothing available: device status 0x%02x, used idx moved by %u",
	       kicks, st, moved);

	unsigned submitted = 0, done = 0, bad = 0, refused = 0;
	t0 = rdtsc();
	for (unsigned long i = 0; i < busy; i++) {
		if (vq.num_free >= 3) {
			uint16_t h = vq.free_head;
			uint64_t sector = submitted % 64;
			ks_hdr[h] = (struct virtio_blk_req){ .type = VIRTIO_BLK_T_IN, .sector = sector };
			ks_sector[h] = sector;
			ks_status[h] = 0xFF;
			memset(ks_data[h], 0, 8);
			struct virtq_buf b[3] = {
				{ pa(&ks_hdr[h]), sizeof ks_hdr[h], false },
				{ pa(ks_data[h]), VIRTIO_BLK_SECTOR, true },
				{ (uint64_t)(uintptr_t)&ks_status[h], 1, true },
			};
			if (virtq_add(&vq, b, 3) == h)
				submitted++;
			else
				refused++;
		}
		virtio_notify(&dev, 0);
		if (*(volatile uint16_t *)&vq.used->idx != vq.last_used)
			ks_reap(&done, &bad);
	}
	for (unsigned spins = 0; vq.num_free != QSIZE && spins < MAX_SPINS; spins++)
		if (!ks_reap(&done, &bad))
			cpu_relax();
	t1 = rdtsc();
	st = virtio_status(&dev);
	report_data("hostile_virtio.kickstorm.busy_tsc_per_kick", "%lu", (unsigned long)((t1 - t0) / (busy ? busy : 1)));
	unsigned missing = submitted > done + bad ? submitted - done - bad : 0;
	report(!(st & VIRTIO_STATUS_NEEDS_RESET) && submitted > 0 && done == submitted && !bad && !refused,
	       "hostile_virtio.kickstorm.busy :: %lu kicks, %u reads submitted, %u completed with their pattern, %u wrong, "
	       "%u missing, device status 0x%02x", busy, submitted, done, bad + refused, missing, st);

	bool ok = virtio_reset(&dev) == 0 && bring_up(why, sizeof why) && read_back(why, sizeof why);
	report(ok, "hostile_virtio.kickstorm.recovered :: reset, re-initialised, sectors 0-1 read back %s", why);
}

int main(const struct boot_info *bi)
{
	char name[32] = "", why[160] = "";
	report_begin("hostile_virtio");
	cmdline_get(bi, "case", name, sizeof name);

	uint32_t window = (uint32_t)cmdline_get_ulong(bi, "virtio_window", VIRTIO_BAR_WINDOW_DEFAULT);
	if (virtio_pci_find(&dev, 0, VIRTIO_ID_BLOCK, 0, window)) {
		report(false, "hostile_virtio.setup :: no virtio-blk function on bus 0 by CF8: %s", dev.error);
		return report_summary();
	}
	virtio_msix_enable(&dev, false);
	virtio_intx_enable(&dev, false);
	bool ok = bring_up(why, sizeof why) && read_back(why, sizeof why);
	report(ok, "hostile_virtio.setup :: 00:%02x.%u, features 0x%lx accepted, queue of %u, sectors 0-1 read %s", dev.dev,
	       dev.fn, (unsigned long)dev.accepted, QSIZE, why);
	if (!ok)
		return report_summary();
	if (!strcmp(name, "kickstorm"))
		kickstorm(bi);
	else
		hostile_case(name, bi);
	return report_summary();
}

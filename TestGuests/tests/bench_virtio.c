/*
 * bench_virtio - virtio-blk throughput for `make bench` (scripts/bench.sh, section virtio): the first
 * virtio-blk function, one request in flight (queue depth 1, lib/virtio_blk.c), on a raw image
 * patterned as conf_virtio_blk's (sector N begins with N ^ 0x5A5A5A5A5A5A5A5A, little-endian).
 *
 * Phases, each only when its count is non-zero, in this order:
 *   seqread    read=MIB     sequential 64 KiB reads over the first half of the disk (wrapping)
 *   seqwrite   write=MIB    sequential 64 KiB writes over the second half (a fixed buffer: the first
 *                           half keeps its pattern for the reads of later runs)
 *   randread   rand=N       N 4 KiB reads at random 4 KiB-aligned offsets in the first half
 *   randirq    rand_irq=N   the same with MSI-X completion (the guest spins on its interrupt count)
 * Completion is polled (the guest spins on used->idx) except in randirq, where the guest keeps interrupts
 * enabled while it submits, as an OS driver does (lib/virtio_blk.c only enables them after the notify;
 * `submit_cli` keeps that: on emulating kvm_pvm hosts an MSI that becomes pending while IF=0 is then
 * taken ~85 wait-loop iterations late on every VMM, and so is one signalled from another host CPU).
 *
 * Timing is the host's: before a phase the kernel writes the console line "@@b <phase>", after it
 * "@@e", each flushed (the UART on both VMMs: no --testdev). benchmarks/vmmprobe.c timestamps the lines
 * as they arrive and samples the VMM's threads' CPU time there, so a phase's wall time and CPU include
 * everything the host did for it and nothing of boot or set-up. The guest-side work per request (building
 * three descriptors, the poll loop, one 8-byte check of the data) is the same on every VMM; data is
 * checked in its first word only, because each guest instruction is expensive on emulating hosts.
 *
 * Negotiates VERSION_1 and FLUSH only, so every VMM gets the same descriptor layout (header, one data
 * buffer, status) and the same cache mode: with FLUSH a device may keep writes in a write-back cache (the
 * host's page cache); without it the driver may take a completed write as durable, and QEMU then
 * fdatasyncs after every write (swiftvm-1.2 does not). No FLUSH request is sent, so the phases time the
 * write-back path on both VMMs. Command line: as conf_virtio_blk (virtio_window=, virtio_ecam=) plus the counts above,
 * seed=N for the random offsets and submit_cli. DATA keys: bench.<phase>.requests, .bytes, .bad (requests whose status
 * was not OK or whose data did not start with its pattern), .spins_per_request (iterations of the
 * library's wait loop per request: how long the vCPU, while it ran, waited for the device; host load
 * that deschedules the vCPU does not add to it), bench.capacity.
 */
#include "idt.h"
#include "libtck.h"
#include "pci.h"
#include "virtio.h"

#define PATTERN         0x5A5A5A5A5A5A5A5Aull
#define SEQ_BYTES       (64u * 1024)
#define RAND_BYTES      4096u
#define V_MSIX          0x50
#define V_SPURIOUS      0xFF
#define MAX_SPINS       20000000u

static uint8_t ring_mem[8192] __attribute__((aligned(4096)));
static uint8_t buf[SEQ_BYTES] __attribute__((aligned(4096)));
static struct virtio_pci_dev dev;
static struct virtq vq;
static struct virtio_blk blk;
static volatile unsigned msix_irqs;
static bool submit_cli;

static void on_msix(struct idt_frame *f) { (void)f; msix_irqs++; lapic_write(LAPIC_EOI, 0); }
static void on_spurious(struct idt_frame *f) { (void)f; }

/* Nothing but the disk may interrupt the MSI-X phase: the 8259s remapped to 0x20-0x2F and masked, LINT0
 * masked (QEMU's pc leaves the PIT running behind them). */
static void quiet_legacy_interrupts(void)
{
	outb(0x20, 0x11); outb(0xA0, 0x11);
	outb(0x21, 0x20); outb(0xA1, 0x28);
	outb(0x21, 0x04); outb(0xA1, 0x02);
	outb(0x21, 0x01); outb(0xA1, 0x01);
	outb(0x21, 0xFF); outb(0xA1, 0xFF);
	lapic_write(LAPIC_LVT_LINT0, 1u << 16);
}

static void marker(const char *what, const char *phase)
{
	printf("@@%s%s%s\n", what, phase ? " " : "", phase ? phase : "");
	console_flush();
}

static bool bring_up(uint16_t msix_entry)
{
	if (virtio_init_features(&dev, VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_BLK_F_FLUSH)) ||
	    virtq_init(&vq, dev.queue_max > 128 ? 128 : dev.queue_max, ring_mem, sizeof ring_mem) ||
	    virtio_setup_queue(&dev, 0, &vq, msix_entry))
		return false;
	*(volatile uint16_t *)(dev.common + VIRTIO_COMMON_MSIX) = VIRTIO_MSI_NO_VECTOR;
	if (virtio_driver_ok(&dev))
		return false;
	blk = (struct virtio_blk){ .d = &dev, .q = &vq, .qi = 0, .max_spins = MAX_SPINS };
	return true;
}

struct phase {
	const char *name;
	unsigned long requests, bad;
	unsigned long spins;            /* poll-loop iterations spent waiting, summed */
	int first_error;
};

static void phase_data(const struct phase *p, uint32_t bytes)
{
	char key[48];
	snprintf(key, sizeof key, "bench.%s.requests", p->name);
	report_data(key, "%lu", p->requests);
	snprintf(key, sizeof key, "bench.%s.bytes", p->name);
	report_data(key, "%lu", p->requests * bytes);
	snprintf(key, sizeof key, "bench.%s.bad", p->name);
	report_data(key, "%lu", p->bad);
	snprintf(key, sizeof key, "bench.%s.spins_per_request", p->name);
	report_data(key, "%lu", p->requests ? p->spins / p->requests : 0);
	report(p->bad == 0, "bench.%s :: %lu requests of %u bytes, %lu bad (first status %d)", p->name, p->requests, bytes,
	       p->bad, p->first_error);
}

static void note(struct phase *p, int st, bool data_ok)
{
	p->spins += blk.spins;
	if (st != VIRTIO_BLK_S_OK || !data_ok) {
		if (!p->bad++)
			p->first_error = st;
	}
}

static uint64_t word0(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* Sequential 64 KiB requests over [first, first + span) sectors, wrapping. */
static void seq_phase(struct phase *p, uint32_t type, uint64_t first, uint64_t span, unsigned long mib)
{
	const uint64_t step = SEQ_BYTES / VIRTIO_BLK_SECTOR;
	p->requests = mib * (1024 * 1024 / SEQ_BYTES);
	uint64_t s = 0;
	marker("b", p->name);
	for (unsigned long i = 0; i < p->requests; i++) {
		int st = virtio_blk_request(&blk, type, first + s, buf, SEQ_BYTES, type == VIRTIO_BLK_T_IN);
		note(p, st, type != VIRTIO_BLK_T_IN || word0(buf) == ((first + s) ^ PATTERN));
		s = s + step >= span ? 0 : s + step;
	}
	marker("e", 0);
}

static void rand_phase(struct phase *p, uint64_t span, unsigned long n, uint64_t seed)
{
	const uint64_t blocks = span / (RAND_BYTES / VIRTIO_BLK_SECTOR);
	uint64_t x = seed | 1;
	p->requests = n;
	marker("b", p->name);
	for (unsigned long i = 0; i < n; i++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;        /* xorshift64 */
		uint64_t sector = (x % blocks) * (RAND_BYTES / VIRTIO_BLK_SECTOR);
		if (blk.irqs && !submit_cli)
			__asm__ volatile("sti" ::: "memory");   /* the library's cli ended the previous request */
		int st = virtio_blk_request(&blk, VIRTIO_BLK_T_IN, sector, buf, RAND_BYTES, true);
		note(p, st, word0(buf) == (sector ^ PATTERN));
	}
	marker("e", 0);
}

int main(const struct boot_info *bi)
{
	unsigned long read_mib = cmdline_get_ulong(bi, "read", 0), write_mib = cmdline_get_ulong(bi, "write", 0);
	unsigned long rand = cmdline_get_ulong(bi, "rand", 0), rand_irq = cmdline_get_ulong(bi, "rand_irq", 0);
	uint64_t seed = cmdline_get_ulong(bi, "seed", 20261122);

	submit_cli = cmdline_has(bi, "submit_cli");
	report_begin("bench_virtio");
	idt_init();
	idt_set_handler(V_MSIX, on_msix);
	idt_set_handler(V_SPURIOUS, on_spurious);
	lapic_write(LAPIC_SVR, 0x100 | V_SPURIOUS);
	quiet_legacy_interrupts();

	uint64_t ecam = 0;
	if ((pci_read32(0, 0, 0) & 0xFFFF) == 0xFFFF)
		ecam = cmdline_get_ulong(bi, "virtio_ecam", 0);
	uint32_t window = (uint32_t)cmdline_get_ulong(bi, "virtio_window", VIRTIO_BAR_WINDOW_DEFAULT);
	if (virtio_pci_find(&dev, ecam, VIRTIO_ID_BLOCK, 0, window)) {
		report(false, "bench.found :: %s", dev.error);
		return report_summary();
	}
	virtio_msix_enable(&dev, false);
	virtio_intx_enable(&dev, false);
	if (!bring_up(VIRTIO_MSI_NO_VECTOR)) {
		report(false, "bench.setup :: %s (status %02x)", dev.error ? dev.error : "queue", virtio_status(&dev));
		return report_summary();
	}
	uint64_t capacity = virtio_dev_read64(&dev, VIRTIO_BLK_CFG_CAPACITY), half = capacity / 2;
	report_data("bench.capacity", "%lu", (unsigned long)capacity);
	report_data("bench.queue_size", "%u", vq.size);
	if (half < 2 * SEQ_BYTES / VIRTIO_BLK_SECTOR) {
		report(false, "bench.setup :: capacity %lu sectors: need at least 4 x 64 KiB", (unsigned long)capacity);
		return report_summary();
	}
	memset(buf, 0xA5, sizeof buf);  /* rep stosb: one emulated instruction, where a loop costs ~0.3 s */
	console_flush();

	struct phase sr = { .name = "seqread" }, sw = { .name = "seqwrite" }, rr = { .name = "randread" },
		     ri = { .name = "randirq" };
	if (read_mib)
		seq_phase(&sr, VIRTIO_BLK_T_IN, 0, half, read_mib);
	if (write_mib)
		seq_phase(&sw, VIRTIO_BLK_T_OUT, half, capacity - half, write_mib);
	if (rand)
		rand_phase(&rr, half, rand, seed);
	bool irq_ok = true;
	if (rand_irq) {
		virtio_reset(&dev);
		irq_ok = dev.caps.msix && !virtio_msix_set_entry(&dev, 0, (uint8_t)(lapic_read(LAPIC_ID) >> 24), V_MSIX);
		if (irq_ok) {
			virtio_msix_enable(&dev, true);
			irq_ok = bring_up(0);
		}
		if (irq_ok) {
			unsigned before = msix_irqs;
			blk.irqs = &msix_irqs;
			rand_phase(&ri, half, rand_irq, seed);
			report_data("bench.randirq.interrupts", "%u", msix_irqs - before);
		}
	}
	if (read_mib)
		phase_data(&sr, SEQ_BYTES);
	if (write_mib)
		phase_data(&sw, SEQ_BYTES);
	if (rand)
		phase_data(&rr, RAND_BYTES);
	if (rand_irq) {
		if (irq_ok)
			phase_data(&ri, RAND_BYTES);
		else
			report(false, "bench.randirq :: MSI-X set-up failed: %s", dev.error ? dev.error : "no MSI-X capability");
	}
	virtio_reset(&dev);
	return report_summary();
}

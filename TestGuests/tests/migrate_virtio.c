/*
 * migrate_virtio - the virtio-blk disk across a save and a restore in a new process (the migration
 * group; lib/migrate.h, lib/virtio*). The disk is conf_virtio_blk's patterned image (sector N begins
 * with N ^ 0x5A5A5A5A5A5A5A5A).
 *
 * Before the save: the device is brought up with one queue whose completions signal MSI-X vector
 * 0x50; a sector near the end is written with data of this run and read back; the device status,
 * the queue's size/enable/vector and MSI-X table entry 0 are recorded. No request is in flight at
 * the save. After it: the same device state; the written sector reads back what was written; the
 * pattern sector 7 still reads its pattern; a new write and its read-back complete, each with
 * exactly one MSI-X interrupt.
 *
 * Command line as conf_virtio_blk: virtio_window=ADDR, virtio_ecam=ADDR.
 */
#include "acpi.h"
#include "idt.h"
#include "libtck.h"
#include "migrate.h"
#include "pci.h"
#include "virtio.h"

#define PATTERN         0x5A5A5A5A5A5A5A5Aull
#define QSIZE           16
#define V_MSIX          0x50
#define V_SPURIOUS      0xFF
#define MAX_SPINS       200000
#define SECTOR          VIRTIO_BLK_SECTOR
#define WANTED (VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_BLK_F_SIZE_MAX) | VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) | \
		VIRTIO_BIT(VIRTIO_BLK_F_RO))

static uint8_t ring_mem[4096] __attribute__((aligned(4096)));
static uint8_t wbuf[SECTOR] __attribute__((aligned(512))), rbuf[SECTOR] __attribute__((aligned(512)));
static struct virtio_pci_dev dev;
static struct virtq vq;
static struct virtio_blk blk;
static volatile unsigned msix_irqs, other_irqs;

static void on_msix(struct idt_frame *f) { (void)f; msix_irqs++; lapic_write(LAPIC_EOI, 0); }
static void on_other(struct idt_frame *f) { (void)f; other_irqs++; }

struct dev_state { uint8_t status; uint16_t qsize, qenable, qvector; uint32_t msix[4]; };

static void read_state(struct dev_state *s)
{
	s->status = virtio_status(&dev);
	*(volatile uint16_t *)(dev.common + VIRTIO_COMMON_Q_SELECT) = 0;
	s->qsize = *(volatile uint16_t *)(dev.common + VIRTIO_COMMON_Q_SIZE);
	s->qenable = *(volatile uint16_t *)(dev.common + VIRTIO_COMMON_Q_ENABLE);
	s->qvector = *(volatile uint16_t *)(dev.common + VIRTIO_COMMON_Q_MSIX);
	for (unsigned i = 0; i < 4; i++)
		s->msix[i] = dev.msix_table ? dev.msix_table[i] : 0;
}

static bool same(const void *a, const void *b, size_t n)
{
	size_t q = n / 8;
	bool eq;
	__asm__ volatile("repe cmpsq" : "+S"(a), "+D"(b), "+c"(q), "=@ccz"(eq) :: "memory");
	return eq;
}

static void fill(uint8_t *p, uint64_t sector, uint64_t salt)
{
	for (unsigned i = 0; i < SECTOR / 8; i++) {
		uint64_t v = (sector << 32 | i) ^ salt;
		memcpy(p + 8 * i, &v, 8);
	}
}

static uint64_t find_ecam(const struct boot_info *bi)
{
	uint64_t mcfg = acpi_find(acpi_rsdp(bi), "MCFG");
	if (!mcfg || acpi_rd32(mcfg + 4) < 60 || acpi_rd8(mcfg + 54) != 0)
		return 0;
	return acpi_rd64(mcfg + 44);
}

static const char *const cases[] = {
	"migrate.virtio.device_state", "migrate.virtio.block_kept", "migrate.virtio.pattern_kept", "migrate.virtio.new_request_msix",
};

static int skip_rest(const char *fmt, const char *why)
{
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++)
		report_skip(cases[i], fmt, why);
	return report_summary();
}

int main(const struct boot_info *bi)
{
	report_begin("migrate_virtio");
	idt_init();
	idt_set_handler(V_MSIX, on_msix);
	idt_set_handler(V_SPURIOUS, on_other);
	for (unsigned v = 0x20; v < 0x30; v++)
		idt_set_handler(v, on_other);
	outb(0x21, 0xFF);
	outb(0xA1, 0xFF);
	lapic_write(LAPIC_SVR, 0x100 | V_SPURIOUS);
	lapic_write(LAPIC_LVT_LINT0, 1u << 16);
	report_data("migrate.method", "%s", tck_migrate_method());

	/* ---- bring-up: one queue, MSI-X vector 0 ---- */
	uint64_t ecam = (pci_read32(0, 0, 0) & 0xFFFF) == 0xFFFF ? cmdline_get_ulong(bi, "virtio_ecam", find_ecam(bi)) : 0;
	uint32_t window = (uint32_t)cmdline_get_ulong(bi, "virtio_window", VIRTIO_BAR_WINDOW_DEFAULT);
	bool found = !bootinfo_is_ram(bi, window) && !virtio_pci_find(&dev, ecam, VIRTIO_ID_BLOCK, 0, window);
	report(found && dev.caps.msix, "migrate.virtio.found :: %s", !found ? (dev.error ? dev.error : "BAR window is RAM")
	       : dev.caps.msix ? "virtio-blk with MSI-X" : "no MSI-X capability");
	if (!found || !dev.caps.msix)
		return skip_rest("%s", "no virtio-blk function with MSI-X");
	virtio_msix_enable(&dev, false);
	virtio_intx_enable(&dev, false);
	bool up = !virtio_init_features(&dev, WANTED) && !virtq_init(&vq, QSIZE, ring_mem, sizeof ring_mem) &&
		  !virtio_msix_set_entry(&dev, 0, (uint8_t)(lapic_read(LAPIC_ID) >> 24), V_MSIX);
	if (up) {
		virtio_msix_enable(&dev, true);
		up = !virtio_setup_queue(&dev, 0, &vq, 0);
		*(volatile uint16_t *)(dev.common + VIRTIO_COMMON_MSIX) = VIRTIO_MSI_NO_VECTOR;
		up = up && !virtio_driver_ok(&dev);
	}
	uint64_t capacity = up ? virtio_dev_read64(&dev, VIRTIO_BLK_CFG_CAPACITY) : 0;
	bool ro = dev.accepted & VIRTIO_BIT(VIRTIO_BLK_F_RO);
	if (!up || capacity < 16 || ro)
		return skip_rest("device not usable: %s", !up ? dev.error : ro ? "read-only disk" : "capacity under 16 sectors");
	blk = (struct virtio_blk){
		.d = &dev, .q = &vq, .qi = 0, .max_spins = MAX_SPINS, .irqs = &msix_irqs,
		.size_max = dev.accepted & VIRTIO_BIT(VIRTIO_BLK_F_SIZE_MAX) ? virtio_dev_read32(&dev, VIRTIO_BLK_CFG_SIZE_MAX) : 0,
		.seg_max = dev.accepted & VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) ? virtio_dev_read32(&dev, VIRTIO_BLK_CFG_SEG_MAX) : 0,
	};

	/* ---- before: a sector written with this run's data ---- */
	uint64_t sector = capacity - 2, salt = rdtsc() | 1;
	fill(wbuf, sector, salt);
	int w = virtio_blk_request(&blk, VIRTIO_BLK_T_OUT, sector, wbuf, SECTOR, false);
	memset(rbuf, 0, SECTOR);
	int r = virtio_blk_request(&blk, VIRTIO_BLK_T_IN, sector, rbuf, SECTOR, true);
	report_data("migrate.virtio.before", "write %d read %d, %s, %u MSI-X interrupts", w, r,
		    same(wbuf, rbuf, SECTOR) ? "read back" : "read-back differs", msix_irqs);
	if (w || r || !same(wbuf, rbuf, SECTOR))
		return skip_rest("%s", "the write and read-back before the save failed");
	struct dev_state s0, s1;
	read_state(&s0);

	/* ---- save ---- */
	uint32_t g = tck_migrate(1);
	read_state(&s1);
	if (!g)
		return skip_rest("save 1 did not happen: %s", tck_migrate_error());
	bool kept = s0.status == s1.status && s0.qsize == s1.qsize && s0.qenable == s1.qenable && s0.qvector == s1.qvector;
	for (unsigned i = 0; i < 4; i++)
		kept &= s0.msix[i] == s1.msix[i];
	report(kept && !(s1.status & VIRTIO_STATUS_NEEDS_RESET),
	       "migrate.virtio.device_state :: status %02x, queue size %u enable %u vector %u, MSI-X entry 0 %08x:%08x data %x ctl %x "
	       "(before status %02x, entry %08x:%08x data %x ctl %x)", s1.status, s1.qsize, s1.qenable, s1.qvector, s1.msix[1], s1.msix[0],
	       s1.msix[2], s1.msix[3], s0.status, s0.msix[1], s0.msix[0], s0.msix[2], s0.msix[3]);
	unsigned irq0 = msix_irqs;
	memset(rbuf, 0, SECTOR);
	r = virtio_blk_request(&blk, VIRTIO_BLK_T_IN, sector, rbuf, SECTOR, true);
	report(r == 0 && same(wbuf, rbuf, SECTOR), "migrate.virtio.block_kept :: sector %lu read %d, %s", (unsigned long)sector, r,
	       same(wbuf, rbuf, SECTOR) ? "the data written before the save" : "differs from what was written");
	memset(rbuf, 0, SECTOR);
	r = virtio_blk_request(&blk, VIRTIO_BLK_T_IN, 7, rbuf, SECTOR, true);
	uint64_t v0;
	memcpy(&v0, rbuf, 8);
	report(r == 0 && v0 == (7 ^ PATTERN), "migrate.virtio.pattern_kept :: sector 7 read %d, begins %lx", r, (unsigned long)v0);
	fill(wbuf, sector - 1, ~salt);
	w = virtio_blk_request(&blk, VIRTIO_BLK_T_OUT, sector - 1, wbuf, SECTOR, false);
	memset(rbuf, 0, SECTOR);
	r = virtio_blk_request(&blk, VIRTIO_BLK_T_IN, sector - 1, rbuf, SECTOR, true);
	unsigned irqs = msix_irqs - irq0;
	report(w == 0 && r == 0 && same(wbuf, rbuf, SECTOR) && irqs == 4 && other_irqs == 0,
	       "migrate.virtio.new_request_msix :: write %d, read-back %d (%s); %u MSI-X interrupts for the 4 requests after the "
	       "restore, %u others", w, r, same(wbuf, rbuf, SECTOR) ? "same" : "differs", irqs, other_irqs);
	virtio_reset(&dev);
	virtio_msix_enable(&dev, false);
	return report_summary();
}

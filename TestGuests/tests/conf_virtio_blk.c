/*
 * conf_virtio_blk - the machine's first virtio-blk function (modern virtio-pci, lib/virtio*).
 *
 * The disk: a raw image of at least 256 sectors whose sector N begins with the 8-byte
 * little-endian value N ^ 0x5A5A5A5A5A5A5A5A (the rest of each sector is not looked at), so reads
 * are verified without the host saying what the disk holds. Writes go to a scratch region, the
 * last 129 sectors; each is read back, then the pattern is written back and read back too. A
 * read-only disk (VIRTIO_BLK_F_RO offered) must refuse a write with IOERR and keep its content
 * (write_single; write_multi is skipped).
 *
 * Cases: device found; capabilities; VERSION_1 offered; FEATURES_OK; config (capacity, blk_size,
 * seg_max); queue set-up at the device maximum (at most 256); single-sector and 64 KiB reads; a
 * single-sector and a 64 KiB write with read-back; FLUSH; GET_ID; reads and writes beyond capacity
 * -> IOERR; an unknown request type -> UNSUPP; reset and re-initialise; a queue smaller than the
 * maximum, wrapped several times; completion by MSI-X; completion by INTx (MSI-X off; the IRQ
 * from the PIIX3 PIRQ route on QEMU's pc, else the interrupt line register, or virtio_gsi=; through
 * the IOAPIC as the MADT overrides say). Offered features, config and routing are DATA lines for
 * the host to judge against the machine type.
 *
 * Command line: virtio_window=ADDR where BARs without an address go (default 0xE0000000; must not
 * be RAM); virtio_gsi=N the INTx GSI when the interrupt line register is unset (no firmware), taken
 * as level/active-high; blk_id=STR the GET_ID string expected (else only reported);
 * virtio_ecam=ADDR bus 0's ECAM base when 00:00.0 does not answer on CF8 (default: from MCFG).
 *
 * QEMU: -M pc (qboot or SeaBIOS; the Multiboot or PVH image) needs nothing. -M microvm,pcie=on
 * (PVH image) has no CF8, no MCFG (ECAM at 0xE0000000 is only in the DSDT), no firmware BAR
 * assignment and its 32-bit PCI window at 0xC0000000: pass virtio_ecam=0xe0000000
 * virtio_window=0xc0000000 virtio_gsi=G, G = 16 + (slot + pin - 1) % 4 (the GPEX _PRT).
 * See qemu-virtio.sh.
 */
#include <string.h>

#include "acpi.h"
#include "idt.h"
#include "libtck.h"
#include "pci.h"
#include "virtio.h"

#define PATTERN         0x5A5A5A5A5A5A5A5Aull
#define WPATTERN        0xC3A5C3A5F00DFACEull
#define SCRATCH         129             /* sectors at the end of the disk */
#define MULTI_BYTES     (64u * 1024)
#define MULTI_SECTORS   (MULTI_BYTES / VIRTIO_BLK_SECTOR)
#define MIN_CAPACITY    256
#define SMALL_REQUESTS  40
#define V_MSIX          0x50
#define V_INTX          0x51
#define V_SPURIOUS      0xFF
#define MAX_SPINS       200000
#define WANTED (VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_BLK_F_SIZE_MAX) | VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) | \
		VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE) | VIRTIO_BIT(VIRTIO_BLK_F_RO) | VIRTIO_BIT(VIRTIO_BLK_F_FLUSH))

static uint8_t ring_mem[8192] __attribute__((aligned(4096)));
static uint8_t buf[MULTI_BYTES] __attribute__((aligned(4096)));
static uint8_t buf2[MULTI_BYTES] __attribute__((aligned(4096)));
static struct virtio_pci_dev dev;
static struct virtq vq;
static struct virtio_blk blk;
static uint64_t capacity;
static volatile unsigned msix_irqs, intx_irqs, intx_other, spurious;

static const unsigned expected_features[] = {
	VIRTIO_F_VERSION_1, VIRTIO_BLK_F_FLUSH, VIRTIO_BLK_F_SEG_MAX, VIRTIO_BLK_F_BLK_SIZE, VIRTIO_BLK_F_SIZE_MAX,
	VIRTIO_BLK_F_RO, VIRTIO_BLK_F_MQ, VIRTIO_BLK_F_DISCARD, VIRTIO_BLK_F_WRITE_ZEROES, VIRTIO_F_INDIRECT_DESC,
	VIRTIO_F_EVENT_IDX, VIRTIO_F_ACCESS_PLATFORM, VIRTIO_F_RING_PACKED,
};

static const char *const io_cases[] = {
	"virtio_blk.caps", "virtio_blk.version_1", "virtio_blk.features_ok", "virtio_blk.config",
	"virtio_blk.queue_setup", "virtio_blk.read_single", "virtio_blk.read_multi", "virtio_blk.write_single",
	"virtio_blk.write_multi", "virtio_blk.flush", "virtio_blk.get_id", "virtio_blk.ioerr_beyond_capacity",
	"virtio_blk.unsupp", "virtio_blk.reset", "virtio_blk.queue_size_small", "virtio_blk.msix_completion",
	"virtio_blk.intx_completion",
};

static void on_msix(struct idt_frame *f) { (void)f; msix_irqs++; lapic_write(LAPIC_EOI, 0); }
static void on_spurious(struct idt_frame *f) { (void)f; spurious++; }
static void on_pic(struct idt_frame *f) { (void)f; spurious++; }

static void on_intx(struct idt_frame *f)
{
	(void)f;
	if (virtio_read_isr(&dev) & 1)          /* reading acknowledges and deasserts the line */
		intx_irqs++;
	else
		intx_other++;
	lapic_write(LAPIC_EOI, 0);
}

static void pic_mask_all(void)
{
	outb(0x20, 0x11); outb(0xA0, 0x11);
	outb(0x21, 0x20); outb(0xA1, 0x28);
	outb(0x21, 0x04); outb(0xA1, 0x02);
	outb(0x21, 0x01); outb(0xA1, 0x01);
	outb(0x21, 0xFF); outb(0xA1, 0xFF);
}

/* memcmp: repe cmpsq in ring 0, or natively in user mode from 2 KiB on (string.c). */
static bool same(const void *a, const void *b, size_t n) { return !memcmp(a, b, n); }

static uint64_t word0(const uint8_t *p, unsigned s) { uint64_t v; memcpy(&v, p + (size_t)s * VIRTIO_BLK_SECTOR, 8); return v; }

/* Sectors of p that do not start with their pattern value; the first bad one in *bad. */
static unsigned check_pattern(const uint8_t *p, uint64_t sector, unsigned count, uint64_t *bad)
{
	unsigned wrong = 0;
	for (unsigned s = 0; s < count; s++)
		if (word0(p, s) != ((sector + s) ^ PATTERN) && !wrong++)
			*bad = sector + s;
	return wrong;
}

/* Fills count sectors: the pattern (restore) or a write pattern that differs in every sector. */
static void fill(uint8_t *p, uint64_t sector, unsigned count, bool restore)
{
	memset(p, restore ? 0 : 0xA7, (size_t)count * VIRTIO_BLK_SECTOR);
	for (unsigned s = 0; s < count; s++) {
		uint64_t v = (sector + s) ^ (restore ? PATTERN : WPATTERN);
		memcpy(p + (size_t)s * VIRTIO_BLK_SECTOR, &v, 8);
	}
}

static int rw(uint32_t type, uint64_t sector, void *p, uint32_t len)
{
	int st = virtio_blk_request(&blk, type, sector, p, len, type != VIRTIO_BLK_T_OUT);
	if (st == VIRTIO_BLK_E_TIMEOUT)
		blk.max_spins = MAX_SPINS / 100;        /* a dead device: keep the remaining cases short */
	return st;
}

static const char *st_name(int st)
{
	switch (st) {
	case VIRTIO_BLK_S_OK: return "OK";
	case VIRTIO_BLK_S_IOERR: return "IOERR";
	case VIRTIO_BLK_S_UNSUPP: return "UNSUPP";
	case 0xFF: return "status byte not written";
	case VIRTIO_BLK_E_FULL: return "no free descriptors";
	case VIRTIO_BLK_E_TIMEOUT: return "no used element (timeout)";
	case VIRTIO_BLK_E_USED: return "used element names another chain";
	case VIRTIO_BLK_E_NO_IRQ: return "completed without an interrupt";
	default: return "unknown status";
	}
}

/* Read sector..+count and check the pattern; message into why. */
static bool read_verify(uint64_t sector, unsigned count, char *why, size_t wlen)
{
	memset(buf2, 0xEE, (size_t)count * VIRTIO_BLK_SECTOR);
	int st = rw(VIRTIO_BLK_T_IN, sector, buf2, count * VIRTIO_BLK_SECTOR);
	uint64_t bad = 0;
	unsigned wrong = st == 0 ? check_pattern(buf2, sector, count, &bad) : 0;
	if (st != 0)
		snprintf(why, wlen, "read %lu+%u: %d (%s)", (unsigned long)sector, count, st, st_name(st));
	else if (wrong)
		snprintf(why, wlen, "read %lu+%u: %u sectors wrong, first %lu reads %lx", (unsigned long)sector, count, wrong,
			 (unsigned long)bad, (unsigned long)word0(buf2, (unsigned)(bad - sector)));
	return st == 0 && !wrong;
}

/* Write new data, read it back, write the pattern back, read that back. */
static bool write_verify(uint64_t sector, unsigned count, char *why, size_t wlen)
{
	uint32_t len = count * VIRTIO_BLK_SECTOR;
	fill(buf, sector, count, false);
	int st = rw(VIRTIO_BLK_T_OUT, sector, buf, len);
	if (st != 0) {
		snprintf(why, wlen, "write %lu+%u: %d (%s)", (unsigned long)sector, count, st, st_name(st));
		return false;
	}
	memset(buf2, 0, len);
	st = rw(VIRTIO_BLK_T_IN, sector, buf2, len);
	if (st != 0 || !same(buf, buf2, len)) {
		snprintf(why, wlen, "read-back %lu+%u: %d (%s)%s", (unsigned long)sector, count, st, st_name(st),
			 st ? "" : ", data differs");
		return false;
	}
	fill(buf, sector, count, true);
	st = rw(VIRTIO_BLK_T_OUT, sector, buf, len);
	if (st != 0) {
		snprintf(why, wlen, "restoring %lu+%u: %d (%s)", (unsigned long)sector, count, st, st_name(st));
		return false;
	}
	return read_verify(sector, count, why, wlen);
}

static void feature_data(void)
{
	report_data("virtio_blk.features.offered", "0x%lx", (unsigned long)dev.offered);
	report_data("virtio_blk.features.accepted", "0x%lx", (unsigned long)dev.accepted);
	char names[640] = "";
	size_t n = 0;
	for (unsigned bit = 0; bit < 64; bit++) {
		if (!(dev.offered >> bit & 1) || n >= sizeof names - 40)
			continue;
		const char *name = virtio_feature_name(VIRTIO_ID_BLOCK, bit);
		n += (size_t)(name ? snprintf(names + n, sizeof names - n, "%s%s", n ? " " : "", name)
			      : snprintf(names + n, sizeof names - n, "%sbit%u", n ? " " : "", bit));
	}
	report_data("virtio_blk.features.offered_names", "%s", names);
	for (unsigned i = 0; i < sizeof expected_features / sizeof expected_features[0]; i++) {
		char key[64];
		snprintf(key, sizeof key, "virtio_blk.feature.%s", virtio_feature_name(VIRTIO_ID_BLOCK, expected_features[i]));
		report_data(key, "%s", dev.offered >> expected_features[i] & 1 ? "offered" : "absent");
	}
}

/* Reset, negotiate, lay out a queue of size n, set it up with msix_entry, DRIVER_OK. */
static bool bring_up(uint16_t n, uint16_t msix_entry, char *why, size_t wlen)
{
	if (virtio_init_features(&dev, WANTED) || virtq_init(&vq, n, ring_mem, sizeof ring_mem) ||
	    virtio_setup_queue(&dev, 0, &vq, msix_entry)) {
		snprintf(why, wlen, "%s", dev.error ? dev.error : "virtq_init refused the size");
		return false;
	}
	*(volatile uint16_t *)(dev.common + VIRTIO_COMMON_MSIX) = VIRTIO_MSI_NO_VECTOR;        /* no config interrupts */
	if (virtio_driver_ok(&dev)) {
		snprintf(why, wlen, "%s (status %02x)", dev.error, virtio_status(&dev));
		return false;
	}
	blk = (struct virtio_blk){
		.d = &dev, .q = &vq, .qi = 0, .max_spins = MAX_SPINS,
		.size_max = dev.accepted & VIRTIO_BIT(VIRTIO_BLK_F_SIZE_MAX) ? virtio_dev_read32(&dev, VIRTIO_BLK_CFG_SIZE_MAX) : 0,
		.seg_max = dev.accepted & VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) ? virtio_dev_read32(&dev, VIRTIO_BLK_CFG_SEG_MAX) : 0,
	};
	return true;
}

/* ECAM base of bus 0 from MCFG, or 0. */
static uint64_t find_ecam(const struct boot_info *bi)
{
	uint64_t mcfg = acpi_find(acpi_rsdp(bi), "MCFG");
	if (!mcfg || acpi_rd32(mcfg + 4) < 60 || acpi_rd8(mcfg + 54) != 0)
		return 0;
	return acpi_rd64(mcfg + 44);
}

/* The MADT's interrupt source override for ISA irq, if any. */
static bool madt_iso(uint64_t madt, unsigned irq, uint32_t *gsi, uint16_t *flags)
{
	if (!madt)
		return false;
	uint32_t len = acpi_rd32(madt + 4);
	for (uint32_t off = 44; off + 2 <= len && len <= ACPI_MAX_TABLE_BYTES;) {
		uint8_t type = acpi_rd8(madt + off), elen = acpi_rd8(madt + off + 1);
		if (elen < 2)
			break;
		if (type == 2 && elen >= 10 && acpi_rd8(madt + off + 3) == irq) {
			*gsi = acpi_rd32(madt + off + 4);
			*flags = (uint16_t)(acpi_rd8(madt + off + 8) | acpi_rd8(madt + off + 9) << 8);
			return true;
		}
		off += elen;
	}
	return false;
}

static volatile uint32_t *ioapic;
static uint32_t ioapic_read(uint32_t reg) { ioapic[0] = reg; return ioapic[4]; }
static void ioapic_write(uint32_t reg, uint32_t v) { ioapic[0] = reg; ioapic[4] = v; }

static void intx_case(const struct boot_info *bi, uint16_t qsize)
{
	char why[120] = "";
	uint8_t line = (uint8_t)virtio_cfg_read32(&dev, 0x3C), pin = (uint8_t)(virtio_cfg_read32(&dev, 0x3C) >> 8);
	unsigned long gsi_arg = cmdline_get_ulong(bi, "virtio_gsi", ~0ul);
	if (!pin) {
		report_skip("virtio_blk.intx_completion", "interrupt pin register is 0: no INTx");
		return;
	}
	/* QEMU's i440FX board wires INTx pin p of slot s to PIIX PIRQ (p - 1 + s - 1) & 3, whose route
	 * register (PIIX3 at 00:01.0, 0x60-0x63) names the ISA IRQ. The router is what delivers; the
	 * interrupt line register is only the firmware's note (qboot's is off by one PIRQ). */
	int piix = -1;
	if (!dev.ecam && pci_read32(1, 0, 0) == 0x70008086) {
		uint8_t r = pci_read8(1, 0, 0x60 + ((pin - 1 + dev.dev - 1) & 3));
		piix = (r & 0x80) || r >= 16 ? -2 : r;
		report_data("virtio_blk.intx.piix_route", "PIRQ%c -> irq %d (interrupt line register %u%s)",
			    'A' + ((pin - 1 + dev.dev - 1) & 3), piix, line, piix == line ? "" : ": disagrees");
	}
	if (gsi_arg == ~0ul && piix < 0 && (line == 0 || line == 0xFF)) {
		report_skip("virtio_blk.intx_completion", "interrupt line %u not assigned (no firmware); pass virtio_gsi=N", line);
		return;
	}
	struct madt_info m;
	uint64_t madt = acpi_find(acpi_rsdp(bi), "APIC");
	if (!acpi_parse_madt(madt, &m) || !m.nioapic) {
		report_skip("virtio_blk.intx_completion", "no IOAPIC in the MADT");
		return;
	}
	uint32_t irq = piix >= 0 ? (uint32_t)piix : line, gsi = irq;
	uint16_t flags = 0;
	const char *how = piix >= 0 ? "PIIX route, identity" : "line register, identity";
	if (gsi_arg != ~0ul) {
		irq = gsi = (uint32_t)gsi_arg;
		flags = 0xD;            /* MPS INTI flags: level (3 << 2), active high (1): QEMU's GPEX lines */
		how = "virtio_gsi=";
	} else if (irq < 16 && madt_iso(madt, irq, &gsi, &flags)) {
		how = piix >= 0 ? "PIIX route, MADT override" : "line register, MADT override";
	} else if (irq >= 16) {
		flags = 0xF;            /* a GSI beyond the ISA range: PCI default, level, active low */
	}
	ioapic = (volatile uint32_t *)(uintptr_t)m.ioapic_address;
	uint32_t pins = ((ioapic_read(1) >> 16) & 0xFF) + 1, ipin = gsi - m.ioapic_gsi_base;
	uint32_t low = V_INTX | ((flags & 3) == 3 ? 1u << 13 : 0) | (((flags >> 2) & 3) == 3 ? 1u << 15 : 0);
	report_data("virtio_blk.intx.route", "INT%c irq %u -> gsi %u (%s, flags %x) ioapic pin %u of %u, entry %05x",
		    'A' + pin - 1, irq, gsi, how, flags, ipin, pins, low);
	if (gsi < m.ioapic_gsi_base || ipin >= pins) {
		report(false, "virtio_blk.intx_completion :: gsi %u not on the IOAPIC", gsi);
		return;
	}
	virtio_msix_enable(&dev, false);
	virtio_intx_enable(&dev, true);
	ioapic_write(0x11 + 2 * ipin, (lapic_read(LAPIC_ID) >> 24) << 24);
	ioapic_write(0x10 + 2 * ipin, low);
	bool ok = bring_up(qsize, VIRTIO_MSI_NO_VECTOR, why, sizeof why);
	unsigned done = 0, irq_before = intx_irqs;
	if (ok) {
		blk.irqs = &intx_irqs;
		for (unsigned i = 0; i < 4 && ok; i++, done++)
			ok = read_verify(100 + i, 1, why, sizeof why);
	}
	unsigned got = intx_irqs - irq_before;
	ioapic_write(0x10 + 2 * ipin, low | 1u << 16);
	virtio_reset(&dev);
	report(ok && got == done, "virtio_blk.intx_completion :: %u requests, %u INTx interrupts with ISR bit 0, %u without, "
	       "%u spurious %s", done, got, intx_other, spurious, why);
}

int main(const struct boot_info *bi)
{
	char why[160] = "";
	report_begin("conf_virtio_blk");
	idt_init();
	idt_set_handler(V_MSIX, on_msix);
	idt_set_handler(V_INTX, on_intx);
	idt_set_handler(V_SPURIOUS, on_spurious);
	for (unsigned v = 0x20; v < 0x30; v++)
		idt_set_handler(v, on_pic);
	pic_mask_all();
	lapic_write(LAPIC_SVR, 0x100 | V_SPURIOUS);
	lapic_write(LAPIC_LVT_LINT0, 1u << 16);

	/* ---- find ---- */
	uint64_t ecam = 0;
	if ((pci_read32(0, 0, 0) & 0xFFFF) == 0xFFFF)
		ecam = cmdline_get_ulong(bi, "virtio_ecam", find_ecam(bi));
	uint32_t window = (uint32_t)cmdline_get_ulong(bi, "virtio_window", VIRTIO_BAR_WINDOW_DEFAULT);
	if (bootinfo_is_ram(bi, window)) {
		report(false, "virtio_blk.found :: BAR window %x is RAM: pass virtio_window=", window);
		return report_summary();
	}
	if (virtio_pci_find(&dev, ecam, VIRTIO_ID_BLOCK, 0, window)) {
		report(false, "virtio_blk.found :: %s (config access %s)", dev.error, ecam ? "ECAM" : "CF8");
		for (unsigned i = 0; i < sizeof io_cases / sizeof io_cases[0]; i++)
			report_skip(io_cases[i], "no usable virtio-blk function");
		return report_summary();
	}
	report(true, "virtio_blk.found :: 00:%02x.%u %04x:%04x via %s", dev.dev, dev.fn, VIRTIO_PCI_VENDOR, dev.device_id,
	       ecam ? "ECAM" : "CF8");
	report_data("virtio_blk.pci", "00:%02x.%u id=%04x:%04x ecam=%lx", dev.dev, dev.fn, VIRTIO_PCI_VENDOR, dev.device_id,
		    (unsigned long)ecam);
	char caps[PCI_CAPS_MAX * 8] = "";
	for (unsigned i = 0, n = 0; i < dev.caps_list.n; i++)
		n += (unsigned)snprintf(caps + n, sizeof caps - n, "%s%02x@%02x", i ? " " : "", dev.caps_list.id[i], dev.caps_list.off[i]);
	report_data("virtio_blk.pci.caps", "%s", caps);
	static const char *const rname[] = { "", "common", "notify", "isr", "device", "pci" };
	for (unsigned t = 1; t <= 5; t++) {
		const struct virtio_pci_region *r = &dev.caps.region[t];
		char key[40];
		snprintf(key, sizeof key, "virtio_blk.region.%s", rname[t]);
		if (r->present)
			report_data(key, "cap@%02x bar%u+0x%x len 0x%x", r->cap_off, r->bar, r->offset, r->length);
		else
			report_data(key, "absent");
	}
	for (unsigned i = 0; i < 6; i++) {
		if (!dev.bar_size[i])
			continue;
		char key[32];
		snprintf(key, sizeof key, "virtio_blk.bar%u", i);
		report_data(key, "0x%lx size 0x%lx%s", (unsigned long)dev.bar[i], (unsigned long)dev.bar_size[i],
			    dev.bar_assigned >> i & 1 ? " (assigned by the kernel)" : " (firmware)");
	}
	report_data("virtio_blk.notify_off_multiplier", "%u", dev.caps.notify_off_multiplier);
	if (dev.caps.msix)
		report_data("virtio_blk.msix", "cap@%02x table %u entries bar%u+0x%x pba bar%u+0x%x", dev.caps.msix_off,
			    dev.caps.msix_table_size, dev.caps.msix_table_bar, dev.caps.msix_table_offset,
			    dev.caps.msix_pba_bar, dev.caps.msix_pba_offset);
	report(dev.caps_list.error == PCI_CAPS_OK && dev.caps.region[VIRTIO_PCI_CAP_DEVICE_CFG].present && dev.caps.msix &&
	       dev.caps.notify_off_multiplier % 2 == 0,
	       "virtio_blk.caps :: %u capabilities (%s), %u virtio (%u ignored), device cfg %s, MSI-X %s, notify multiplier %u",
	       dev.caps_list.n, pci_caps_error_name(dev.caps_list.error), dev.caps.nvendor, dev.caps.ignored,
	       dev.device ? "mapped" : "absent", dev.caps.msix ? "present" : "absent", dev.caps.notify_off_multiplier);

	/* ---- features, config, queue ---- */
	virtio_msix_enable(&dev, false);
	virtio_intx_enable(&dev, false);
	int init = virtio_init_features(&dev, WANTED);
	feature_data();
	report(dev.offered & VIRTIO_BIT(VIRTIO_F_VERSION_1), "virtio_blk.version_1 :: offered 0x%lx", (unsigned long)dev.offered);
	report(init == 0, "virtio_blk.features_ok :: accepted 0x%lx%s%s", (unsigned long)dev.accepted, init ? ": " : "",
	       init ? dev.error : "");
	if (init || !dev.device) {
		for (unsigned i = 3; i < sizeof io_cases / sizeof io_cases[0]; i++)
			report_skip(io_cases[i], "initialisation failed");
		return report_summary();
	}
	capacity = virtio_dev_read64(&dev, VIRTIO_BLK_CFG_CAPACITY);
	uint32_t blk_size = virtio_dev_read32(&dev, VIRTIO_BLK_CFG_BLK_SIZE), seg_max = virtio_dev_read32(&dev, VIRTIO_BLK_CFG_SEG_MAX);
	uint32_t size_max = virtio_dev_read32(&dev, VIRTIO_BLK_CFG_SIZE_MAX), geom = virtio_dev_read32(&dev, VIRTIO_BLK_CFG_GEOMETRY);
	bool has_bs = dev.offered & VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE), has_seg = dev.offered & VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX);
	report_data("virtio_blk.config.capacity", "%lu", (unsigned long)capacity);
	report_data("virtio_blk.config.blk_size", "%u%s", blk_size, has_bs ? "" : " (BLK_SIZE not offered)");
	report_data("virtio_blk.config.seg_max", "%u%s", seg_max, has_seg ? "" : " (SEG_MAX not offered)");
	report_data("virtio_blk.config.size_max", "%u%s", size_max,
		    dev.offered & VIRTIO_BIT(VIRTIO_BLK_F_SIZE_MAX) ? "" : " (SIZE_MAX not offered)");
	report_data("virtio_blk.config.geometry", "c=%u h=%u s=%u", geom & 0xFFFF, (geom >> 16) & 0xFF, geom >> 24);
	report_data("virtio_blk.config.len", "%u", dev.device_len);
	report_data("virtio_blk.num_queues", "%u", *(volatile uint16_t *)(dev.common + VIRTIO_COMMON_NUMQ));
	report_data("virtio_blk.queue_max", "%u", dev.queue_max);
	bool cfg_ok = capacity >= MIN_CAPACITY && (!has_bs || (blk_size >= 512 && !(blk_size & (blk_size - 1)))) &&
		      (!has_seg || seg_max >= 1);
	report(cfg_ok, "virtio_blk.config :: capacity %lu sectors (>= %u), blk_size %u, seg_max %u", (unsigned long)capacity,
	       MIN_CAPACITY, blk_size, seg_max);
	uint16_t qsize = dev.queue_max > VIRTQ_MAX_SIZE ? VIRTQ_MAX_SIZE : dev.queue_max;
	bool up = cfg_ok && bring_up(qsize, VIRTIO_MSI_NO_VECTOR, why, sizeof why);
	report(up, "virtio_blk.queue_setup :: size %u of max %u, status %02x %s", qsize, dev.queue_max, virtio_status(&dev), why);
	if (!up) {
		for (unsigned i = 5; i < sizeof io_cases / sizeof io_cases[0]; i++)
			report_skip(io_cases[i], "%s", cfg_ok ? "queue set-up failed" : "config unusable");
		return report_summary();
	}

	/* ---- polled I/O ---- */
	int st;
	why[0] = 0;
	bool ok = read_verify(0, 1, why, sizeof why) && read_verify(37, 1, why, sizeof why);
	report(ok, "virtio_blk.read_single :: sectors 0 and 37, used len %u %s", blk.used_len, why);
	ok = read_verify(1, MULTI_SECTORS, why, sizeof why);
	report(ok, "virtio_blk.read_multi :: %u bytes from sector 1 in one request, %u data descriptors, used len %u %s",
	       MULTI_BYTES, blk.segs, blk.used_len, why);
	report_data("virtio_blk.poll_spins_64k_read", "%u", blk.spins);
	uint64_t scratch = capacity - SCRATCH;
	if (dev.offered & VIRTIO_BIT(VIRTIO_BLK_F_RO)) {
		/* A read-only disk refuses writes with IOERR and keeps its content. */
		fill(buf, capacity - 1, 1, false);
		st = rw(VIRTIO_BLK_T_OUT, capacity - 1, buf, VIRTIO_BLK_SECTOR);
		why[0] = 0;
		ok = st == VIRTIO_BLK_S_IOERR && read_verify(capacity - 1, 1, why, sizeof why);
		report(ok, "virtio_blk.write_single :: read-only (VIRTIO_BLK_F_RO): write to sector %lu %d (%s), expected IOERR %s",
		       (unsigned long)(capacity - 1), st, st_name(st), why);
		report_skip("virtio_blk.write_multi", "the device is read-only (VIRTIO_BLK_F_RO)");
	} else {
		ok = write_verify(capacity - 1, 1, why, sizeof why);
		report(ok, "virtio_blk.write_single :: sector %lu written, read back, restored %s", (unsigned long)(capacity - 1), why);
		ok = write_verify(scratch, MULTI_SECTORS, why, sizeof why);
		report(ok, "virtio_blk.write_multi :: %u bytes at sector %lu in one request, read back, restored %s", MULTI_BYTES,
		       (unsigned long)scratch, why);
	}
	if (dev.accepted & VIRTIO_BIT(VIRTIO_BLK_F_FLUSH)) {
		st = rw(VIRTIO_BLK_T_FLUSH, 0, 0, 0);
		report(st == VIRTIO_BLK_S_OK, "virtio_blk.flush :: %d (%s)", st, st_name(st));
	} else {
		report_skip("virtio_blk.flush", "VIRTIO_BLK_F_FLUSH not offered");
	}
	memset(buf2, 0, 64);
	st = rw(VIRTIO_BLK_T_GET_ID, 0, buf2, VIRTIO_BLK_ID_BYTES);
	char id[VIRTIO_BLK_ID_BYTES + 1], want[VIRTIO_BLK_ID_BYTES + 1];
	for (unsigned i = 0; i < VIRTIO_BLK_ID_BYTES; i++)
		id[i] = buf2[i] >= 0x20 && buf2[i] < 0x7F ? (char)buf2[i] : buf2[i] ? '?' : 0;
	id[VIRTIO_BLK_ID_BYTES] = 0;
	report_data("virtio_blk.id", "\"%s\"", id);
	bool want_id = cmdline_get(bi, "blk_id", want, sizeof want) >= 0;
	report(st == VIRTIO_BLK_S_OK && (!want_id || !strcmp(id, want)), "virtio_blk.get_id :: %d (%s), id \"%s\"%s%s", st, st_name(st), id,
	       want_id ? ", expected " : "", want_id ? want : "");
	int e1 = rw(VIRTIO_BLK_T_IN, capacity, buf2, VIRTIO_BLK_SECTOR);
	int e2 = rw(VIRTIO_BLK_T_IN, capacity - 1, buf2, 2 * VIRTIO_BLK_SECTOR);
	int e3 = rw(VIRTIO_BLK_T_OUT, capacity, buf, VIRTIO_BLK_SECTOR);
	int e4 = rw(VIRTIO_BLK_T_IN, ~0ull, buf2, VIRTIO_BLK_SECTOR);
	report(e1 == VIRTIO_BLK_S_IOERR && e2 == VIRTIO_BLK_S_IOERR && e3 == VIRTIO_BLK_S_IOERR && e4 == VIRTIO_BLK_S_IOERR,
	       "virtio_blk.ioerr_beyond_capacity :: read at capacity %d, read across the end %d, write at capacity %d, "
	       "read at sector 2^64-1 %d (1 = IOERR)", e1, e2, e3, e4);
	int u1 = rw(200, 0, 0, 0), u2 = rw(200, 0, buf2, VIRTIO_BLK_SECTOR);
	uint8_t s_after = virtio_status(&dev);
	report(u1 == VIRTIO_BLK_S_UNSUPP && u2 == VIRTIO_BLK_S_UNSUPP && !(s_after & VIRTIO_STATUS_NEEDS_RESET),
	       "virtio_blk.unsupp :: type 200 without data %d, with a data buffer %d (2 = UNSUPP), status %02x", u1, u2, s_after);

	/* ---- reset, re-initialise with a smaller queue, MSI-X completion ---- */
	int rst = virtio_reset(&dev);
	uint8_t s0 = virtio_status(&dev);
	*(volatile uint16_t *)(dev.common + VIRTIO_COMMON_Q_SELECT) = 0;
	uint16_t en0 = *(volatile uint16_t *)(dev.common + VIRTIO_COMMON_Q_ENABLE);
	uint16_t small = dev.queue_max > 16 ? 16 : dev.queue_max / 2;
	bool msix = dev.caps.msix && !virtio_msix_set_entry(&dev, 0, (uint8_t)(lapic_read(LAPIC_ID) >> 24), V_MSIX);
	why[0] = 0;
	if (msix)
		virtio_msix_enable(&dev, true);
	ok = small >= 4 && bring_up(small, msix ? 0 : VIRTIO_MSI_NO_VECTOR, why, sizeof why);
	/* The queue now signals MSI-X vector 0, so this read waits for its interrupt as well: polled, its
	 * interrupt would stay pending (IF=0) and be taken by the first wait below, one too many whenever a
	 * later completion's interrupt came early (seen on QEMU with a compressed qcow2 image). */
	blk.irqs = msix ? &msix_irqs : 0;
	ok = ok && read_verify(5, 1, why, sizeof why);
	report(rst == 0 && s0 == 0 && en0 == 0 && ok, "virtio_blk.reset :: status %02x and queue_enable %u after reset, "
	       "re-initialised and read %s", s0, en0, why);
	unsigned done = 0, irq_before = msix_irqs, intx_before = intx_irqs + intx_other;
	if (ok) {
		blk.irqs = msix ? &msix_irqs : 0;
		for (; done < SMALL_REQUESTS && ok; done++)
			ok = read_verify(done * 7 % (capacity - SCRATCH), 1 + done % 3, why, sizeof why);
	}
	report(ok && done == SMALL_REQUESTS, "virtio_blk.queue_size_small :: size %u of max %u: %u requests, avail idx %u, "
	       "used idx %u %s", small, dev.queue_max, done, vq.avail_idx, vq.used->idx, why);
	if (!msix)
		report_skip("virtio_blk.msix_completion", "%s", dev.caps.msix ? dev.error : "no MSI-X capability");
	else
		report(ok && msix_irqs - irq_before == done && intx_irqs + intx_other == intx_before,
		       "virtio_blk.msix_completion :: %u requests, %u interrupts on vector 0x%x, %u INTx %s", done,
		       msix_irqs - irq_before, V_MSIX, intx_irqs + intx_other - intx_before, why);
	virtio_reset(&dev);
	virtio_msix_enable(&dev, false);

	/* ---- INTx completion ---- */
	intx_case(bi, small >= 4 ? small : qsize);
	report_data("virtio_blk.spurious", "%u", spurious);
	return report_summary();
}

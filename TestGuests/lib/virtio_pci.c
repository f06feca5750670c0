/* virtio_pci.c - modern virtio-pci transport, guest side. See virtio.h. */
#include "virtio.h"

#include "libtck.h"
#include "pci.h"

#define FOUR_GIB        (1ull << 32)
#define RESET_SPINS     100000
#define GEN_RETRIES     8
#define COMMON_MIN_LEN  56      /* through queue_device */

static volatile uint8_t *ecam_ptr(const struct virtio_pci_dev *d, unsigned off)
{
	return (volatile uint8_t *)(uintptr_t)(d->ecam + ((uint64_t)d->dev << 15 | (uint64_t)d->fn << 12 | (off & 0xFFF)));
}

uint32_t virtio_cfg_read32(const struct virtio_pci_dev *d, unsigned off)
{
	off &= 0xFC;
	return d->ecam ? *(volatile uint32_t *)ecam_ptr(d, off) : pci_read32(d->dev, d->fn, off);
}

void virtio_cfg_write32(const struct virtio_pci_dev *d, unsigned off, uint32_t v)
{
	off &= 0xFC;
	if (d->ecam)
		*(volatile uint32_t *)ecam_ptr(d, off) = v;
	else
		pci_write32(d->dev, d->fn, off, v);
}

uint16_t virtio_cfg_read16(const struct virtio_pci_dev *d, unsigned off)
{
	off &= 0xFE;
	return d->ecam ? *(volatile uint16_t *)ecam_ptr(d, off) : pci_read16(d->dev, d->fn, off);
}

void virtio_cfg_write16(const struct virtio_pci_dev *d, unsigned off, uint16_t v)
{
	off &= 0xFE;
	if (d->ecam)
		*(volatile uint16_t *)ecam_ptr(d, off) = v;
	else
		pci_write16(d->dev, d->fn, off, v);
}

static uint32_t cap_read(void *ctx, unsigned off) { return virtio_cfg_read32(ctx, off); }

/* MMIO accessors on the mapped regions. */
static uint8_t rd8(volatile uint8_t *b, unsigned off) { return b[off]; }
static uint16_t rd16(volatile uint8_t *b, unsigned off) { return *(volatile uint16_t *)(b + off); }
static uint32_t rd32(volatile uint8_t *b, unsigned off) { return *(volatile uint32_t *)(b + off); }
static void wr8(volatile uint8_t *b, unsigned off, uint8_t v) { b[off] = v; }
static void wr16(volatile uint8_t *b, unsigned off, uint16_t v) { *(volatile uint16_t *)(b + off) = v; }
static void wr32(volatile uint8_t *b, unsigned off, uint32_t v) { *(volatile uint32_t *)(b + off) = v; }
static void wr64(volatile uint8_t *b, unsigned off, uint64_t v)
{
	wr32(b, off, (uint32_t)v);      /* two 32-bit halves, low first (§4.1.3.1) */
	wr32(b, off + 4, (uint32_t)(v >> 32));
}

static int fail(struct virtio_pci_dev *d, const char *why)
{
	d->error = why;
	return -1;
}

static bool is_type(const struct virtio_pci_dev *d, uint32_t id, unsigned type)
{
	uint16_t dev_id = (uint16_t)(id >> 16);
	if ((id & 0xFFFF) != VIRTIO_PCI_VENDOR)
		return false;
	if (dev_id == VIRTIO_PCI_MODERN_BASE + type)
		return true;
	return dev_id >= 0x1000 && dev_id < 0x1040 && (virtio_cfg_read32(d, 0x2C) >> 16) == type;
}

/* Sizes memory BAR i (decoding must be off) and gives it an address when it has none usable. */
static int setup_bar(struct virtio_pci_dev *d, unsigned i, uint64_t *next)
{
	if (d->bar_size[i])
		return 0;
	unsigned off = 0x10 + 4 * i;
	uint32_t lo = virtio_cfg_read32(d, off);
	if (lo & 1)
		return fail(d, "a virtio capability points at an I/O BAR");
	bool is64 = ((lo >> 1) & 3) == 2;
	if (is64 && i == 5)
		return fail(d, "64-bit BAR5 has no upper half");
	uint32_t hi = is64 ? virtio_cfg_read32(d, off + 4) : 0;
	virtio_cfg_write32(d, off, 0xFFFFFFFF);
	uint64_t mask = virtio_cfg_read32(d, off) & ~0xFull;
	virtio_cfg_write32(d, off, lo);
	if (is64) {
		virtio_cfg_write32(d, off + 4, 0xFFFFFFFF);
		mask |= (uint64_t)virtio_cfg_read32(d, off + 4) << 32;
		virtio_cfg_write32(d, off + 4, hi);
	} else {
		mask |= 0xFFFFFFFF00000000ull;
	}
	uint64_t size = ~mask + 1, addr = ((uint64_t)hi << 32 | lo) & ~0xFull;
	if (!mask || (size & (size - 1)))
		return fail(d, "a virtio capability points at an unimplemented BAR");
	if (addr == 0 || addr + size > FOUR_GIB) {
		addr = (*next + size - 1) & ~(size - 1);
		if (addr + size > 0xFEC00000ull)
			return fail(d, "BAR window exhausted below the IOAPIC");
		*next = addr + size;
		virtio_cfg_write32(d, off, (uint32_t)addr);
		if (is64)
			virtio_cfg_write32(d, off + 4, 0);
		d->bar_assigned |= (uint8_t)(1u << i);
	}
	d->bar[i] = addr;
	d->bar_size[i] = size;
	return 0;
}

static volatile uint8_t *map_region(struct virtio_pci_dev *d, unsigned type, uint32_t min_len)
{
	const struct virtio_pci_region *r = &d->caps.region[type];
	if (!r->present || r->length < min_len || (uint64_t)r->offset + r->length > d->bar_size[r->bar])
		return 0;
	return (volatile uint8_t *)(uintptr_t)(d->bar[r->bar] + r->offset);
}

int virtio_pci_find(struct virtio_pci_dev *d, uint64_t ecam, unsigned type, unsigned index, uint32_t window)
{
	*d = (struct virtio_pci_dev){ .ecam = ecam };
	bool found = false;
	for (unsigned dev = 0; dev < 32 && !found; dev++) {
		d->dev = (uint8_t)dev;
		d->fn = 0;
		uint32_t id = virtio_cfg_read32(d, 0);
		if ((id & 0xFFFF) == 0xFFFF)
			continue;
		unsigned nfn = (virtio_cfg_read32(d, 0xC) & 0x800000) ? 8 : 1;
		for (unsigned fn = 0; fn < nfn && !found; fn++) {
			d->fn = (uint8_t)fn;
			if (fn)
				id = virtio_cfg_read32(d, 0);
			if (is_type(d, id, type) && index-- == 0) {
				found = true;
				d->device_id = (uint16_t)(id >> 16);
			}
		}
	}
	if (!found)
		return fail(d, "no such virtio function on bus 0");
	d->type = (uint16_t)type;

	pci_cap_walk(cap_read, d, &d->caps_list);
	virtio_pci_parse_caps(cap_read, d, &d->caps_list, &d->caps);
	if (!d->caps.region[VIRTIO_PCI_CAP_COMMON_CFG].present || !d->caps.region[VIRTIO_PCI_CAP_NOTIFY_CFG].present ||
	    !d->caps.region[VIRTIO_PCI_CAP_ISR_CFG].present)
		return fail(d, "common, notify or ISR capability missing");

	uint16_t cmd = virtio_cfg_read16(d, 4);
	virtio_cfg_write16(d, 4, (uint16_t)(cmd & ~7));         /* no decoding while sizing */
	uint64_t next = window;
	for (unsigned t = VIRTIO_PCI_CAP_COMMON_CFG; t <= VIRTIO_PCI_CAP_DEVICE_CFG; t++)
		if (d->caps.region[t].present && setup_bar(d, d->caps.region[t].bar, &next))
			return -1;
	if (d->caps.msix && setup_bar(d, d->caps.msix_table_bar, &next))
		return -1;
	virtio_cfg_write16(d, 4, (uint16_t)((cmd & ~1) | 6));  /* memory space, bus master */

	d->common = map_region(d, VIRTIO_PCI_CAP_COMMON_CFG, COMMON_MIN_LEN);
	d->isr = map_region(d, VIRTIO_PCI_CAP_ISR_CFG, 1);
	d->notify = map_region(d, VIRTIO_PCI_CAP_NOTIFY_CFG, 2);
	d->device = map_region(d, VIRTIO_PCI_CAP_DEVICE_CFG, 1);
	d->device_len = d->device ? d->caps.region[VIRTIO_PCI_CAP_DEVICE_CFG].length : 0;
	if (!d->common || !d->isr || !d->notify)
		return fail(d, "a common, notify or ISR region is too short or outside its BAR");
	if (d->caps.msix) {
		uint64_t end = (uint64_t)d->caps.msix_table_offset + 16ull * d->caps.msix_table_size;
		if (end > d->bar_size[d->caps.msix_table_bar])
			return fail(d, "MSI-X table outside its BAR");
		d->msix_table = (volatile uint32_t *)(uintptr_t)(d->bar[d->caps.msix_table_bar] + d->caps.msix_table_offset);
	}
	return 0;
}

uint8_t virtio_status(const struct virtio_pci_dev *d) { return rd8(d->common, VIRTIO_COMMON_STATUS); }

int virtio_reset(struct virtio_pci_dev *d)
{
	wr8(d->common, VIRTIO_COMMON_STATUS, 0);
	for (unsigned i = 0; i < RESET_SPINS; i++) {
		if (rd8(d->common, VIRTIO_COMMON_STATUS) == 0)
			return 0;
		cpu_relax();
	}
	return fail(d, "device_status does not read 0 after reset");
}

static void add_status(struct virtio_pci_dev *d, uint8_t bits)
{
	wr8(d->common, VIRTIO_COMMON_STATUS, (uint8_t)(rd8(d->common, VIRTIO_COMMON_STATUS) | bits));
}

int virtio_init_features(struct virtio_pci_dev *d, uint64_t wanted)
{
	if (virtio_reset(d))
		return -1;
	add_status(d, VIRTIO_STATUS_ACKNOWLEDGE);
	add_status(d, VIRTIO_STATUS_DRIVER);
	wr32(d->common, VIRTIO_COMMON_DFSELECT, 0);
	uint64_t lo = rd32(d->common, VIRTIO_COMMON_DF);
	wr32(d->common, VIRTIO_COMMON_DFSELECT, 1);
	d->offered = lo | (uint64_t)rd32(d->common, VIRTIO_COMMON_DF) << 32;
	if (virtio_negotiate(d->offered, wanted, &d->accepted)) {
		add_status(d, VIRTIO_STATUS_FAILED);
		return fail(d, "VIRTIO_F_VERSION_1 not offered");
	}
	wr32(d->common, VIRTIO_COMMON_GFSELECT, 0);
	wr32(d->common, VIRTIO_COMMON_GF, (uint32_t)d->accepted);
	wr32(d->common, VIRTIO_COMMON_GFSELECT, 1);
	wr32(d->common, VIRTIO_COMMON_GF, (uint32_t)(d->accepted >> 32));
	add_status(d, VIRTIO_STATUS_FEATURES_OK);
	if (!(rd8(d->common, VIRTIO_COMMON_STATUS) & VIRTIO_STATUS_FEATURES_OK)) {
		add_status(d, VIRTIO_STATUS_FAILED);
		return fail(d, "FEATURES_OK did not stick");
	}
	wr16(d->common, VIRTIO_COMMON_Q_SELECT, 0);
	d->queue_max = rd16(d->common, VIRTIO_COMMON_Q_SIZE);
	return 0;
}

int virtio_setup_queue(struct virtio_pci_dev *d, uint16_t qi, const struct virtq *q, uint16_t msix_entry)
{
	if (qi >= 4)
		return fail(d, "this driver sets up queues 0-3 only");
	wr16(d->common, VIRTIO_COMMON_Q_SELECT, qi);
	uint16_t max = rd16(d->common, VIRTIO_COMMON_Q_SIZE);
	if (max == 0)
		return fail(d, "queue not available (size 0)");
	if (q->size > max)
		return fail(d, "queue larger than the device maximum");
	if (rd16(d->common, VIRTIO_COMMON_Q_ENABLE))
		return fail(d, "queue already enabled after reset");
	wr16(d->common, VIRTIO_COMMON_Q_SIZE, q->size);
	if (rd16(d->common, VIRTIO_COMMON_Q_SIZE) != q->size)
		return fail(d, "queue_size does not read back what was written");
	wr64(d->common, VIRTIO_COMMON_Q_DESCLO, (uint64_t)(uintptr_t)q->desc);
	wr64(d->common, VIRTIO_COMMON_Q_AVAILLO, (uint64_t)(uintptr_t)q->avail);
	wr64(d->common, VIRTIO_COMMON_Q_USEDLO, (uint64_t)(uintptr_t)q->used);
	wr16(d->common, VIRTIO_COMMON_Q_MSIX, msix_entry);
	if (rd16(d->common, VIRTIO_COMMON_Q_MSIX) != msix_entry)
		return fail(d, "queue_msix_vector not accepted");
	uint64_t noff = (uint64_t)rd16(d->common, VIRTIO_COMMON_Q_NOFF) * d->caps.notify_off_multiplier;
	if (noff + 2 > d->caps.region[VIRTIO_PCI_CAP_NOTIFY_CFG].length)
		return fail(d, "queue_notify_off * multiplier beyond the notify region");
	d->qnotify[qi] = (uint32_t)noff;
	wr16(d->common, VIRTIO_COMMON_Q_ENABLE, 1);
	if (rd16(d->common, VIRTIO_COMMON_Q_ENABLE) != 1)
		return fail(d, "queue_enable does not read 1");
	return 0;
}

int virtio_driver_ok(struct virtio_pci_dev *d)
{
	add_status(d, VIRTIO_STATUS_DRIVER_OK);
	uint8_t s = rd8(d->common, VIRTIO_COMMON_STATUS);
	if (!(s & VIRTIO_STATUS_DRIVER_OK) || (s & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED)))
		return fail(d, "DRIVER_OK not set, or NEEDS_RESET/FAILED");
	return 0;
}

void virtio_notify(struct virtio_pci_dev *d, uint16_t qi)
{
	virtio_wmb();                   /* avail->idx before the doorbell */
	wr16(d->notify, d->qnotify[qi & 3], qi);
}

uint8_t virtio_read_isr(const struct virtio_pci_dev *d) { return rd8(d->isr, 0); }

#define GEN_LOOP(expr)                                                          \
	for (unsigned r = 0;; r++) {                                            \
		uint8_t g = rd8(d->common, VIRTIO_COMMON_CFGGENERATION);        \
		v = (expr);                                                     \
		if (rd8(d->common, VIRTIO_COMMON_CFGGENERATION) == g || r == GEN_RETRIES) \
			break;                                                  \
	}

uint64_t virtio_dev_read64(const struct virtio_pci_dev *d, unsigned off)
{
	uint64_t v;
	GEN_LOOP(rd32(d->device, off) | (uint64_t)rd32(d->device, off + 4) << 32);
	return v;
}

uint32_t virtio_dev_read32(const struct virtio_pci_dev *d, unsigned off) { return rd32(d->device, off); }
uint16_t virtio_dev_read16(const struct virtio_pci_dev *d, unsigned off) { return rd16(d->device, off); }
uint8_t virtio_dev_read8(const struct virtio_pci_dev *d, unsigned off) { return rd8(d->device, off); }

int virtio_msix_set_entry(struct virtio_pci_dev *d, uint16_t entry, uint8_t apic_id, uint8_t vector)
{
	if (!d->msix_table || entry >= d->caps.msix_table_size)
		return fail(d, "no such MSI-X table entry");
	volatile uint32_t *e = d->msix_table + 4u * entry;
	e[0] = 0xFEE00000u | (uint32_t)apic_id << 12;   /* fixed, physical destination */
	e[1] = 0;
	e[2] = vector;                                  /* edge, fixed delivery */
	e[3] = 0;                                       /* unmasked */
	return 0;
}

void virtio_msix_enable(struct virtio_pci_dev *d, bool on)
{
	if (!d->caps.msix)
		return;
	unsigned off = d->caps.msix_off + 2u;
	uint16_t ctl = virtio_cfg_read16(d, off) & (uint16_t)~0xC000;  /* function mask off */
	virtio_cfg_write16(d, off, (uint16_t)(ctl | (on ? 0x8000 : 0)));
}

void virtio_intx_enable(struct virtio_pci_dev *d, bool on)
{
	uint16_t cmd = virtio_cfg_read16(d, 4);
	virtio_cfg_write16(d, 4, on ? (uint16_t)(cmd & ~0x400) : (uint16_t)(cmd | 0x400));
}

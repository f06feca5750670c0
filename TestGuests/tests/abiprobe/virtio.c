/*
 * virtio.c - type 12: each modern virtio-pci function probe_pci saw, through lib/virtio: offered
 * features, queue maxima, MSI-X table size, the capability list and 64 bytes of device
 * configuration. The device is left reset, its command register and BARs as probe_pci found them.
 */
#include "probe.h"

#include "abirec.h"
#include "libtck.h"
#include "pci.h"
#include "virtio.h"

#define MAX_VIRTIO_QUEUES       16
#define VIRTIO_CONFIG_BYTES     64
#define VIRTIO_WINDOW_STRIDE    0x01000000u     /* each function's BARs get their own 16 MiB */

/* What the kernel reads of a function once the library has mapped it. */
struct virtio_observed {
	uint64_t offered;
	uint16_t num_queues, qsize[MAX_VIRTIO_QUEUES];
	unsigned nq, ncfg;
	uint32_t devcfg[VIRTIO_CONFIG_BYTES / 4];
};

/* Reset, ACKNOWLEDGE | DRIVER, features, queue maxima, device configuration; reset again. */
static void read_device(struct virtio_pci_dev *d, struct virtio_observed *o)
{
	volatile uint8_t *c = d->common;
	virtio_reset(d);
	c[VIRTIO_COMMON_STATUS] = VIRTIO_STATUS_ACKNOWLEDGE;
	c[VIRTIO_COMMON_STATUS] = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
	*(volatile uint32_t *)(c + VIRTIO_COMMON_DFSELECT) = 0;
	o->offered = *(volatile uint32_t *)(c + VIRTIO_COMMON_DF);
	*(volatile uint32_t *)(c + VIRTIO_COMMON_DFSELECT) = 1;
	o->offered |= (uint64_t)*(volatile uint32_t *)(c + VIRTIO_COMMON_DF) << 32;
	o->num_queues = *(volatile uint16_t *)(c + VIRTIO_COMMON_NUMQ);
	o->nq = o->num_queues < MAX_VIRTIO_QUEUES ? o->num_queues : MAX_VIRTIO_QUEUES;
	for (unsigned q = 0; q < o->nq; q++) {  /* queue_size is only read, never written */
		*(volatile uint16_t *)(c + VIRTIO_COMMON_Q_SELECT) = (uint16_t)q;
		o->qsize[q] = *(volatile uint16_t *)(c + VIRTIO_COMMON_Q_SIZE);
	}
	if (d->device) {
		o->ncfg = (d->device_len < VIRTIO_CONFIG_BYTES ? d->device_len : VIRTIO_CONFIG_BYTES) & ~3u;
		for (unsigned tries = 0; tries < 4; tries++) {
			uint8_t gen = c[VIRTIO_COMMON_CFGGENERATION];
			for (unsigned i = 0; i < o->ncfg / 4; i++)
				o->devcfg[i] = virtio_dev_read32(d, 4 * i);
			if (c[VIRTIO_COMMON_CFGGENERATION] == gen)
				break;
		}
	}
	virtio_reset(d);                        /* leave it as found: reset */
}

/* The capability list: the virtio_pci_cap fields of vendor-specific entries, zeros for others. */
static void put_caps(const struct virtio_pci_dev *d, unsigned ncaps)
{
	for (unsigned i = 0; i < ncaps; i++) {
		unsigned off = d->caps_list.off[i];
		bool vendor = d->caps_list.id[i] == PCI_CAP_ID_VNDR && off + 16 <= 256;
		uint32_t w0 = vendor ? virtio_cfg_read32(d, off) : 0;
		put8((uint8_t)off);
		put8(d->caps_list.id[i]);
		put8((uint8_t)(w0 >> 24));                                      /* cfg_type */
		put8(vendor ? (uint8_t)virtio_cfg_read32(d, off + 4) : 0);      /* bar */
		put32(vendor ? virtio_cfg_read32(d, off + 8) : 0);              /* offset */
		put32(vendor ? virtio_cfg_read32(d, off + 12) : 0);             /* length */
	}
}

/* Records the k-th function probe_pci saw; returns whether the library could set it up. */
static bool probe_one(const struct virtio_seen *v, unsigned k)
{
	unsigned type = v->device_id - VIRTIO_PCI_MODERN_BASE;
	static struct virtio_pci_dev d;
	int rc = -1;
	/* The library finds the index-th function of a type (transitional ones too): step to this one. */
	for (unsigned index = 0; index < MAX_VIRTIO_FUNCTIONS; index++) {
		rc = virtio_pci_find(&d, 0, type, index, VIRTIO_BAR_WINDOW_DEFAULT + k * VIRTIO_WINDOW_STRIDE);
		if (d.device_id == 0 || (d.dev == v->dev && d.fn == v->fn))
			break;
	}
	bool found = d.device_id != 0 && d.dev == v->dev && d.fn == v->fn;
	bool ok = found && rc == 0;

	struct virtio_observed o = { 0 };
	if (ok)
		read_device(&d, &o);

	put8(0);
	put8(v->dev);
	put8(v->fn);
	put8(ok ? 0 : 1);
	put16(v->device_id);
	put16((uint16_t)type);
	put64(o.offered);
	put16(o.num_queues);
	put16(found && d.caps.msix ? d.caps.msix_table_size : 0);
	unsigned ncaps = found ? d.caps_list.n : 0;
	put8((uint8_t)o.nq);
	put8((uint8_t)ncaps);
	put16((uint16_t)o.ncfg);
	for (unsigned q = 0; q < o.nq; q++)
		put16(o.qsize[q]);
	put_caps(&d, ncaps);
	put_bytes(o.devcfg, o.ncfg);
	scratch_flush(ABI_VIRTIO);

	if (found) {    /* decoding off as found, then the BARs the library placed back */
		pci_write16(v->dev, v->fn, 4, v->cmd);
		for (unsigned i = 0; i < 6; i++)
			if (d.bar_assigned >> i & 1) {
				pci_write32(v->dev, v->fn, 0x10 + 4 * i, v->bar[i]);
				if (i < 5)
					pci_write32(v->dev, v->fn, 0x14 + 4 * i, v->bar[i + 1]);
			}
	}
	return ok;
}

struct virtio_probe probe_virtio(const struct virtio_seen_list *seen)
{
	struct virtio_probe r = { 0, 0 };
	for (unsigned k = 0; k < seen->n; k++) {
		r.setup_failures += !probe_one(&seen->fn[k], k);
		r.functions++;
	}
	return r;
}

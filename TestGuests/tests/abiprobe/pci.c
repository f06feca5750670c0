/*
 * pci.c - types 5 and 6: every function on bus 0 (configuration mechanism #1, lib/pci.h) with its
 * 256 bytes of configuration space, then the sizes of its BARs, original values restored.
 */
#include "probe.h"

#include "abirec.h"
#include "libtck.h"
#include "pci.h"
#include "virtio.h"

/* Type 6 entries go to the scratch payload; probe_pci sends them as one record. */
static void pci_size_bars(unsigned dev, unsigned fn, const uint32_t *cfg)
{
	unsigned layout = (cfg[3] >> 16) & 0x7f;
	unsigned nbars = layout == 0 ? 6 : layout == 1 ? 2 : 0;
	bool host_bridge = (cfg[2] >> 16) == 0x0600;
	uint16_t cmd = (uint16_t)cfg[1];
	if (!nbars)
		return;
	if (!host_bridge && (cmd & 3))          /* no decoding while a BAR holds all-ones (as Linux) */
		pci_write16(dev, fn, 4, (uint16_t)(cmd & ~3));
	for (unsigned i = 0; i < nbars; i++) {
		unsigned off = 0x10 + 4 * i;
		uint32_t orig = cfg[off / 4];
		pci_write32(dev, fn, off, 0xFFFFFFFF);
		uint32_t after = pci_read32(dev, fn, off);
		pci_write32(dev, fn, off, orig);
		if (orig || after) {
			put8(0);
			put8((uint8_t)dev);
			put8((uint8_t)fn);
			put8((uint8_t)i);
			put32(orig);
			put32(after);
		}
	}
	if (!host_bridge && (cmd & 3))
		pci_write16(dev, fn, 4, cmd);
}

static bool modern_virtio(uint16_t vendor, uint16_t device_id)
{
	return vendor == VIRTIO_PCI_VENDOR && device_id >= 0x1040 && device_id <= 0x107F;
}

unsigned probe_pci(struct virtio_seen_list *virtio)
{
	static uint8_t rec[4 + 256] __attribute__((aligned(4)));
	uint32_t *cfg = (uint32_t *)(rec + 4);
	unsigned functions = 0;

	for (unsigned dev = 0; dev < 32; dev++) {
		if ((pci_read32(dev, 0, 0) & 0xFFFF) == 0xFFFF)
			continue;
		unsigned nfn = (pci_read32(dev, 0, 0xC) & 0x800000) ? 8 : 1;
		for (unsigned fn = 0; fn < nfn; fn++) {
			if ((pci_read32(dev, fn, 0) & 0xFFFF) == 0xFFFF)
				continue;
			rec[0] = 0;
			rec[1] = (uint8_t)dev;
			rec[2] = (uint8_t)fn;
			rec[3] = 0;
			for (unsigned i = 0; i < 64; i++)
				cfg[i] = pci_read32(dev, fn, 4 * i);
			abi_record(ABI_PCI_FUNCTION, rec, sizeof rec);
			functions++;
			uint16_t vendor = (uint16_t)cfg[0], device_id = (uint16_t)(cfg[0] >> 16);
			if (modern_virtio(vendor, device_id) && virtio->n < MAX_VIRTIO_FUNCTIONS) {
				struct virtio_seen *v = &virtio->fn[virtio->n++];
				v->dev = (uint8_t)dev;
				v->fn = (uint8_t)fn;
				v->device_id = device_id;
				v->cmd = (uint16_t)cfg[1];
				memcpy(v->bar, &cfg[4], sizeof v->bar);
			}
			pci_size_bars(dev, fn, cfg);
		}
	}
	scratch_flush(ABI_PCI_BARS);
	return functions;
}

/* virtio_caps.c - capability walk, virtio capability parsing, feature negotiation (host-testable). */
#include "virtio.h"

static uint8_t rd8(pci_cfg_read32_fn rd, void *ctx, unsigned off)
{
	return (uint8_t)(rd(ctx, off & 0xFC) >> (8 * (off & 3)));
}

static uint16_t rd16(pci_cfg_read32_fn rd, void *ctx, unsigned off)
{
	return (uint16_t)(rd(ctx, off & 0xFC) >> (8 * (off & 2)));
}

void pci_cap_walk(pci_cfg_read32_fn rd, void *ctx, struct pci_cap_list *out)
{
	uint64_t seen = 0;      /* one bit per dword of the 256-byte space */
	out->n = 0;
	out->error = PCI_CAPS_OK;
	out->bad_ptr = 0;
	if (!(rd16(rd, ctx, 6) & PCI_STATUS_CAP_LIST))
		return;
	unsigned ptr = rd8(rd, ctx, PCI_CAP_PTR) & 0xFC;
	while (ptr) {
		if (ptr < 0x40) {
			out->error = PCI_CAPS_OUT_OF_RANGE;
			out->bad_ptr = (uint8_t)ptr;
			return;
		}
		if (seen >> (ptr / 4) & 1) {
			out->error = PCI_CAPS_LOOP;
			out->bad_ptr = (uint8_t)ptr;
			return;
		}
		if (out->n == PCI_CAPS_MAX) {
			out->error = PCI_CAPS_TOO_MANY;
			return;
		}
		seen |= 1ull << (ptr / 4);
		uint32_t head = rd(ctx, ptr);
		out->off[out->n] = (uint8_t)ptr;
		out->id[out->n] = (uint8_t)head;
		out->n++;
		ptr = (head >> 8) & 0xFC;
	}
}

const char *pci_caps_error_name(enum pci_caps_error e)
{
	switch (e) {
	case PCI_CAPS_OK: return "ok";
	case PCI_CAPS_LOOP: return "loop";
	case PCI_CAPS_OUT_OF_RANGE: return "pointer out of range";
	case PCI_CAPS_TOO_MANY: return "too many entries";
	}
	return "?";
}

void virtio_pci_parse_caps(pci_cfg_read32_fn rd, void *ctx, const struct pci_cap_list *list,
			   struct virtio_pci_caps *caps)
{
	*caps = (struct virtio_pci_caps){ 0 };
	for (unsigned i = 0; i < list->n; i++) {
		unsigned off = list->off[i];
		if (list->id[i] == PCI_CAP_ID_MSIX && !caps->msix) {
			if (off + 12 > 256)
				continue;
			uint16_t ctl = rd16(rd, ctx, off + 2);
			uint32_t table = rd(ctx, off + 4), pba = rd(ctx, off + 8);
			caps->msix = true;
			caps->msix_off = (uint8_t)off;
			caps->msix_table_size = (uint16_t)((ctl & 0x7FF) + 1);
			caps->msix_table_bar = table & 7;
			caps->msix_table_offset = table & ~7u;
			caps->msix_pba_bar = pba & 7;
			caps->msix_pba_offset = pba & ~7u;
			continue;
		}
		if (list->id[i] != PCI_CAP_ID_VNDR)
			continue;
		caps->nvendor++;
		/* struct virtio_pci_cap: vndr, next, len, cfg_type; bar, id, pad[2]; offset; length */
		uint32_t w0 = rd(ctx, off);
		unsigned len = (w0 >> 16) & 0xFF, type = w0 >> 24;
		uint8_t bar = (uint8_t)rd8(rd, ctx, off + 4);
		unsigned need = type == VIRTIO_PCI_CAP_NOTIFY_CFG ? 20 : 16;
		if (type < VIRTIO_PCI_CAP_COMMON_CFG || type > VIRTIO_PCI_CAP_PCI_CFG || len < need ||
		    off + need > 256 || bar > 5) {
			caps->ignored++;
			continue;
		}
		struct virtio_pci_region *r = &caps->region[type];
		if (r->present)
			continue;       /* the first of each type is the preferred one */
		r->present = true;
		r->cap_off = (uint8_t)off;
		r->bar = bar;
		r->offset = rd(ctx, off + 8);
		r->length = rd(ctx, off + 12);
		if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
			caps->notify_off_multiplier = rd(ctx, off + 16);
	}
}

int virtio_negotiate(uint64_t offered, uint64_t wanted, uint64_t *accepted)
{
	if (!(offered & VIRTIO_BIT(VIRTIO_F_VERSION_1))) {
		*accepted = 0;
		return -1;
	}
	*accepted = (offered & wanted) | VIRTIO_BIT(VIRTIO_F_VERSION_1);
	return 0;
}

const char *virtio_feature_name(unsigned device_type, unsigned bit)
{
	switch (bit) {
	case VIRTIO_F_INDIRECT_DESC: return "VIRTIO_RING_F_INDIRECT_DESC";
	case VIRTIO_F_EVENT_IDX: return "VIRTIO_RING_F_EVENT_IDX";
	case VIRTIO_F_VERSION_1: return "VIRTIO_F_VERSION_1";
	case VIRTIO_F_ACCESS_PLATFORM: return "VIRTIO_F_ACCESS_PLATFORM";
	case VIRTIO_F_RING_PACKED: return "VIRTIO_F_RING_PACKED";
	case VIRTIO_F_IN_ORDER: return "VIRTIO_F_IN_ORDER";
	case VIRTIO_F_ORDER_PLATFORM: return "VIRTIO_F_ORDER_PLATFORM";
	case VIRTIO_F_SR_IOV: return "VIRTIO_F_SR_IOV";
	case VIRTIO_F_NOTIFICATION_DATA: return "VIRTIO_F_NOTIFICATION_DATA";
	case VIRTIO_F_NOTIF_CONFIG_DATA: return "VIRTIO_F_NOTIF_CONFIG_DATA";
	case VIRTIO_F_RING_RESET: return "VIRTIO_F_RING_RESET";
	case 24: return "VIRTIO_F_NOTIFY_ON_EMPTY";
	case 27: return "VIRTIO_F_ANY_LAYOUT";
	default: break;
	}
	if (device_type != VIRTIO_ID_BLOCK)
		return 0;
	switch (bit) {
	case 0: return "VIRTIO_BLK_F_BARRIER";
	case VIRTIO_BLK_F_SIZE_MAX: return "VIRTIO_BLK_F_SIZE_MAX";
	case VIRTIO_BLK_F_SEG_MAX: return "VIRTIO_BLK_F_SEG_MAX";
	case VIRTIO_BLK_F_GEOMETRY: return "VIRTIO_BLK_F_GEOMETRY";
	case VIRTIO_BLK_F_RO: return "VIRTIO_BLK_F_RO";
	case VIRTIO_BLK_F_BLK_SIZE: return "VIRTIO_BLK_F_BLK_SIZE";
	case 7: return "VIRTIO_BLK_F_SCSI";
	case VIRTIO_BLK_F_FLUSH: return "VIRTIO_BLK_F_FLUSH";
	case VIRTIO_BLK_F_TOPOLOGY: return "VIRTIO_BLK_F_TOPOLOGY";
	case VIRTIO_BLK_F_CONFIG_WCE: return "VIRTIO_BLK_F_CONFIG_WCE";
	case VIRTIO_BLK_F_MQ: return "VIRTIO_BLK_F_MQ";
	case VIRTIO_BLK_F_DISCARD: return "VIRTIO_BLK_F_DISCARD";
	case VIRTIO_BLK_F_WRITE_ZEROES: return "VIRTIO_BLK_F_WRITE_ZEROES";
	case 15: return "VIRTIO_BLK_F_LIFETIME";
	case 16: return "VIRTIO_BLK_F_SECURE_ERASE";
	case 17: return "VIRTIO_BLK_F_ZONED";
	default: return 0;
	}
}

/* virtio_blk.c - virtio-blk requests over one split virtqueue, guest side. See virtio.h. */
#include "virtio.h"

#include "libtck.h"

int virtio_blk_request(struct virtio_blk *b, uint32_t type, uint64_t sector, void *buf, uint32_t len, bool data_in)
{
	struct virtq_buf v[VIRTIO_BLK_MAX_SEGS + 2];
	unsigned n = 0, max_segs = VIRTIO_BLK_MAX_SEGS;
	if (b->seg_max && b->seg_max < max_segs)
		max_segs = b->seg_max;
	b->hdr = (struct virtio_blk_req){ .type = type, .reserved = 0, .sector = sector };
	b->status = 0xFF;
	b->spins = 0;
	b->used_len = 0;
	v[n++] = (struct virtq_buf){ (uint64_t)(uintptr_t)&b->hdr, sizeof b->hdr, false };
	uint64_t pa = (uint64_t)(uintptr_t)buf;
	for (uint32_t left = len; left;) {
		uint32_t chunk = b->size_max && left > b->size_max ? b->size_max : left;
		if (n - 1 == max_segs)
			return VIRTIO_BLK_E_FULL;
		v[n++] = (struct virtq_buf){ pa, chunk, data_in };
		pa += chunk;
		left -= chunk;
	}
	b->segs = n - 1;
	v[n++] = (struct virtq_buf){ (uint64_t)(uintptr_t)&b->status, 1, true };

	unsigned irq0 = b->irqs ? *b->irqs : 0;
	int head = virtq_add(b->q, v, n);
	if (head < 0)
		return VIRTIO_BLK_E_FULL;
	virtio_notify(b->d, b->qi);

	int id = -1;
	bool got = false;
	if (b->irqs) {
		__asm__ volatile("sti" ::: "memory");
		while (*b->irqs == irq0 && b->spins < b->max_spins) {
			cpu_relax();
			b->spins++;
		}
		__asm__ volatile("cli" ::: "memory");
	}
	for (;; b->spins++) {
		if ((got = virtq_get_used(b->q, &id, &b->used_len)) || b->spins >= b->max_spins)
			break;
		cpu_relax();
	}
	if (!got)
		return VIRTIO_BLK_E_TIMEOUT;
	if (id != head)
		return VIRTIO_BLK_E_USED;
	virtio_rmb();
	if (b->irqs && *b->irqs == irq0)
		return VIRTIO_BLK_E_NO_IRQ;
	return b->status;
}

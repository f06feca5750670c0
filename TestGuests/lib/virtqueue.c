/* virtqueue.c - split virtqueue, driver side (host-testable). See virtio.h. */
#include "virtio.h"

#include <string.h>

static size_t align_up(size_t v, size_t a) { return (v + a - 1) & ~(a - 1); }

static size_t avail_off(uint16_t n) { return 16u * n; }
static size_t used_off(uint16_t n) { return align_up(avail_off(n) + 6 + 2u * n, 4); }

size_t virtq_mem_size(uint16_t n)
{
	return used_off(n) + 6 + 8u * n;
}

int virtq_init(struct virtq *q, uint16_t n, void *mem, size_t mem_len)
{
	if (n == 0 || n > VIRTQ_MAX_SIZE || (n & (n - 1)) || ((uintptr_t)mem & 15) || mem_len < virtq_mem_size(n))
		return -1;
	uint8_t *m = mem;
	memset(m, 0, virtq_mem_size(n));        /* rep stosb in the guest: one emulated instruction */
	q->size = n;
	q->desc = (struct virtq_desc *)m;
	q->avail = (struct virtq_avail *)(m + avail_off(n));
	q->used = (struct virtq_used *)(m + used_off(n));
	for (uint16_t i = 0; i < n; i++)
		q->desc[i].next = (uint16_t)(i + 1);    /* free list; the last entry's next is never followed */
	q->free_head = 0;
	q->num_free = n;
	q->avail_idx = 0;
	q->last_used = 0;
	return 0;
}

int virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned n)
{
	if (n == 0 || n > q->num_free)
		return -1;
	uint16_t head = q->free_head, i = head, last = head;
	for (unsigned k = 0; k < n; k++) {
		struct virtq_desc *d = &q->desc[i];
		d->addr = bufs[k].addr;
		d->len = bufs[k].len;
		d->flags = (uint16_t)((bufs[k].device_writes ? VIRTQ_DESC_F_WRITE : 0) | (k + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		last = i;
		i = d->next;            /* free-list successor; becomes the chain's next when F_NEXT is set */
	}
	q->free_head = q->desc[last].next;
	q->num_free = (uint16_t)(q->num_free - n);
	q->avail->ring[virtq_slot(q->avail_idx, q->size)] = head;
	virtio_wmb();                   /* descriptors and ring entry before the index */
	q->avail_idx++;
	*(volatile uint16_t *)&q->avail->idx = q->avail_idx;
	return head;
}

bool virtq_get_used(struct virtq *q, int *id, uint32_t *len)
{
	uint16_t used_idx = *(volatile uint16_t *)&q->used->idx;
	if (!virtq_used_pending(used_idx, q->last_used))
		return false;
	virtio_rmb();                   /* the element after the index */
	const volatile struct virtq_used_elem *e = &q->used->ring[virtq_slot(q->last_used, q->size)];
	uint32_t eid = e->id;
	*len = e->len;
	q->last_used++;
	*id = -1;
	if (eid >= q->size)
		return true;
	/* Free the chain: follow F_NEXT at most size - num_free steps (what is outstanding). */
	uint16_t i = (uint16_t)eid, count = 1, outstanding = (uint16_t)(q->size - q->num_free);
	while (q->desc[i].flags & VIRTQ_DESC_F_NEXT) {
		if (count >= outstanding || q->desc[i].next >= q->size)
			return true;
		i = q->desc[i].next;
		count++;
	}
	if (count > outstanding)
		return true;
	q->desc[i].next = q->free_head;
	q->free_head = (uint16_t)eid;
	q->num_free = (uint16_t)(q->num_free + count);
	*id = (int)eid;
	return true;
}

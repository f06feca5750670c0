/*
 * test_virtio.c - the host-testable parts of lib/virtio*: the PCI capability walk over a fake
 * config space (loops, pointers into the header, a full chain), virtio capability parsing,
 * feature negotiation, split-ring index arithmetic and wraparound against a fake device, and the
 * spec's layouts of the request header and ring structures.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "virtio.h"

/* ---- a fake configuration space ---- */

struct cfg { uint8_t b[256]; unsigned reads; };

static uint32_t cfg_read(void *ctx, unsigned off)
{
	struct cfg *c = ctx;
	assert_true(off % 4 == 0 && off < 256);
	c->reads++;
	uint32_t v;
	memcpy(&v, c->b + off, 4);
	return v;
}

static void cfg_init(struct cfg *c, uint8_t first)
{
	memset(c, 0, sizeof *c);
	c->b[6] = PCI_STATUS_CAP_LIST;
	c->b[PCI_CAP_PTR] = first;
}

static void put_cap(struct cfg *c, uint8_t off, uint8_t id, uint8_t next)
{
	c->b[off] = id;
	c->b[off + 1] = next;
}

static void put32(struct cfg *c, unsigned off, uint32_t v) { memcpy(c->b + off, &v, 4); }

/* struct virtio_pci_cap (+ notify multiplier when cap_len >= 20) */
static void put_vcap(struct cfg *c, uint8_t off, uint8_t next, uint8_t len, uint8_t type, uint8_t bar,
		     uint32_t offset, uint32_t length)
{
	put_cap(c, off, PCI_CAP_ID_VNDR, next);
	c->b[off + 2] = len;
	c->b[off + 3] = type;
	c->b[off + 4] = bar;
	put32(c, off + 8, offset);
	put32(c, off + 12, length);
}

static void test_walk_normal(void **state)
{
	(void)state;
	struct cfg c;
	struct pci_cap_list l;
	cfg_init(&c, 0x43);                     /* low two bits are reserved: masked */
	put_cap(&c, 0x40, PCI_CAP_ID_VNDR, 0x52);
	put_cap(&c, 0x50, PCI_CAP_ID_MSIX, 0x98);
	put_cap(&c, 0x98, 0x05, 0x00);
	pci_cap_walk(cfg_read, &c, &l);
	assert_int_equal(l.error, PCI_CAPS_OK);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.off[0], 0x40);
	assert_int_equal(l.off[1], 0x50);
	assert_int_equal(l.off[2], 0x98);
	assert_int_equal(l.id[0], PCI_CAP_ID_VNDR);
	assert_int_equal(l.id[1], PCI_CAP_ID_MSIX);
	assert_int_equal(l.id[2], 0x05);
}

static void test_walk_no_list(void **state)
{
	(void)state;
	struct cfg c;
	struct pci_cap_list l;
	cfg_init(&c, 0x40);
	c.b[6] = 0;                             /* status bit 4 clear: the pointer is not looked at */
	put_cap(&c, 0x40, PCI_CAP_ID_VNDR, 0);
	pci_cap_walk(cfg_read, &c, &l);
	assert_int_equal(l.error, PCI_CAPS_OK);
	assert_int_equal(l.n, 0);
	cfg_init(&c, 0);                        /* bit set, pointer 0: empty */
	pci_cap_walk(cfg_read, &c, &l);
	assert_int_equal(l.n, 0);
	assert_int_equal(l.error, PCI_CAPS_OK);
}

static void test_walk_loop(void **state)
{
	(void)state;
	struct cfg c;
	struct pci_cap_list l;
	cfg_init(&c, 0x40);
	put_cap(&c, 0x40, 0x09, 0x50);
	put_cap(&c, 0x50, 0x09, 0x60);
	put_cap(&c, 0x60, 0x11, 0x41);         /* back to 0x40 (masked) */
	pci_cap_walk(cfg_read, &c, &l);
	assert_int_equal(l.error, PCI_CAPS_LOOP);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.bad_ptr, 0x40);
	assert_true(c.reads < 20);

	cfg_init(&c, 0x80);                     /* an entry pointing at itself */
	put_cap(&c, 0x80, 0x09, 0x80);
	pci_cap_walk(cfg_read, &c, &l);
	assert_int_equal(l.error, PCI_CAPS_LOOP);
	assert_int_equal(l.n, 1);
}

static void test_walk_out_of_range(void **state)
{
	(void)state;
	struct cfg c;
	struct pci_cap_list l;
	cfg_init(&c, 0x40);
	put_cap(&c, 0x40, 0x09, 0x10);         /* into the header (BAR0) */
	pci_cap_walk(cfg_read, &c, &l);
	assert_int_equal(l.error, PCI_CAPS_OUT_OF_RANGE);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.bad_ptr, 0x10);

	cfg_init(&c, 0x3C);                     /* the first pointer already bad */
	pci_cap_walk(cfg_read, &c, &l);
	assert_int_equal(l.error, PCI_CAPS_OUT_OF_RANGE);
	assert_int_equal(l.n, 0);
}

static void test_walk_full_chain(void **state)
{
	(void)state;
	struct cfg c;
	struct pci_cap_list l;
	cfg_init(&c, 0xFC);                     /* every dword 0x40..0xFC, downwards: 48 entries */
	for (unsigned off = 0xFC; off >= 0x40; off -= 4)
		put_cap(&c, (uint8_t)off, 0x09, off == 0x40 ? 0 : (uint8_t)(off - 4));
	pci_cap_walk(cfg_read, &c, &l);
	assert_int_equal(l.error, PCI_CAPS_OK);
	assert_int_equal(l.n, PCI_CAPS_MAX);
	/* the same chain closed into a ring stops at the first revisit */
	put_cap(&c, 0x40, 0x09, 0xFC);
	pci_cap_walk(cfg_read, &c, &l);
	assert_int_equal(l.error, PCI_CAPS_LOOP);
	assert_int_equal(l.n, PCI_CAPS_MAX);
}

static void test_parse_virtio_caps(void **state)
{
	(void)state;
	struct cfg c;
	struct pci_cap_list l;
	struct virtio_pci_caps v;
	cfg_init(&c, 0x40);
	put_vcap(&c, 0x40, 0x50, 16, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0x0, 0x1000);
	put_vcap(&c, 0x50, 0x60, 16, VIRTIO_PCI_CAP_ISR_CFG, 4, 0x1000, 0x1000);
	put_vcap(&c, 0x60, 0x70, 16, VIRTIO_PCI_CAP_DEVICE_CFG, 4, 0x2000, 0x1000);
	put_vcap(&c, 0x70, 0x84, 20, VIRTIO_PCI_CAP_NOTIFY_CFG, 4, 0x3000, 0x1000);
	put32(&c, 0x70 + 16, 4);
	put_vcap(&c, 0x84, 0x98, 20, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, 0);
	put_cap(&c, 0x98, PCI_CAP_ID_MSIX, 0xA4);
	c.b[0x9A] = 0x01;                       /* table size field 1: 2 entries */
	put32(&c, 0x9C, 0x0 | 1);               /* table in BAR1 at 0 */
	put32(&c, 0xA0, 0x800 | 1);             /* PBA in BAR1 at 0x800 */
	put_vcap(&c, 0xA4, 0xB4, 16, VIRTIO_PCI_CAP_COMMON_CFG, 2, 0x9000, 0x1000);  /* second: ignored */
	put_vcap(&c, 0xB4, 0xC4, 16, 9, 4, 0, 0x10);                                /* unknown type */
	put_vcap(&c, 0xC4, 0xD4, 16, VIRTIO_PCI_CAP_ISR_CFG, 6, 0, 1);               /* BAR 6 */
	put_vcap(&c, 0xD4, 0xF8, 16, VIRTIO_PCI_CAP_NOTIFY_CFG, 4, 0, 0x10);         /* too short */
	put_cap(&c, 0xF8, PCI_CAP_ID_VNDR, 0x00);                                   /* body past 0xFF */
	c.b[0xFA] = 16;
	c.b[0xFB] = VIRTIO_PCI_CAP_DEVICE_CFG;
	c.b[0xFC] = 4;
	pci_cap_walk(cfg_read, &c, &l);
	assert_int_equal(l.error, PCI_CAPS_OK);
	assert_int_equal(l.n, 11);
	virtio_pci_parse_caps(cfg_read, &c, &l, &v);
	assert_int_equal(v.nvendor, 10);
	assert_int_equal(v.ignored, 4);
	assert_true(v.region[VIRTIO_PCI_CAP_COMMON_CFG].present);
	assert_int_equal(v.region[VIRTIO_PCI_CAP_COMMON_CFG].bar, 4);
	assert_int_equal(v.region[VIRTIO_PCI_CAP_COMMON_CFG].offset, 0);
	assert_int_equal(v.region[VIRTIO_PCI_CAP_COMMON_CFG].cap_off, 0x40);
	assert_int_equal(v.region[VIRTIO_PCI_CAP_ISR_CFG].offset, 0x1000);
	assert_int_equal(v.region[VIRTIO_PCI_CAP_DEVICE_CFG].offset, 0x2000);
	assert_int_equal(v.region[VIRTIO_PCI_CAP_NOTIFY_CFG].offset, 0x3000);
	assert_int_equal(v.region[VIRTIO_PCI_CAP_NOTIFY_CFG].length, 0x1000);
	assert_int_equal(v.notify_off_multiplier, 4);
	assert_true(v.region[VIRTIO_PCI_CAP_PCI_CFG].present);
	assert_true(v.msix);
	assert_int_equal(v.msix_off, 0x98);
	assert_int_equal(v.msix_table_size, 2);
	assert_int_equal(v.msix_table_bar, 1);
	assert_int_equal(v.msix_table_offset, 0);
	assert_int_equal(v.msix_pba_bar, 1);
	assert_int_equal(v.msix_pba_offset, 0x800);
}

static void test_parse_nothing(void **state)
{
	(void)state;
	struct cfg c;
	struct pci_cap_list l;
	struct virtio_pci_caps v;
	cfg_init(&c, 0x40);
	put_cap(&c, 0x40, 0x01, 0);             /* power management only */
	pci_cap_walk(cfg_read, &c, &l);
	virtio_pci_parse_caps(cfg_read, &c, &l, &v);
	assert_int_equal(v.nvendor, 0);
	assert_false(v.msix);
	for (unsigned t = 0; t < 6; t++)
		assert_false(v.region[t].present);
}

/* ---- feature negotiation ---- */

static void test_negotiate(void **state)
{
	(void)state;
	uint64_t acc = 123;
	uint64_t v1 = VIRTIO_BIT(VIRTIO_F_VERSION_1), flush = VIRTIO_BIT(VIRTIO_BLK_F_FLUSH);
	uint64_t seg = VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX), evidx = VIRTIO_BIT(VIRTIO_F_EVENT_IDX);
	assert_int_equal(virtio_negotiate(v1 | flush | evidx, flush | seg, &acc), 0);
	assert_true(acc == (v1 | flush));        /* seg not offered, event idx not wanted */
	assert_int_equal(virtio_negotiate(flush | seg, flush | seg | v1, &acc), -1);
	assert_true(acc == 0);
	assert_int_equal(virtio_negotiate(v1, 0, &acc), 0);     /* VERSION_1 even when not asked for */
	assert_true(acc == v1);
	assert_int_equal(virtio_negotiate(~0ull, ~0ull, &acc), 0);
	assert_true(acc == ~0ull);
	assert_int_equal(virtio_negotiate(0, ~0ull, &acc), -1);
}

static void test_feature_names(void **state)
{
	(void)state;
	assert_string_equal(virtio_feature_name(VIRTIO_ID_BLOCK, VIRTIO_BLK_F_FLUSH), "VIRTIO_BLK_F_FLUSH");
	assert_string_equal(virtio_feature_name(VIRTIO_ID_BLOCK, VIRTIO_F_VERSION_1), "VIRTIO_F_VERSION_1");
	assert_string_equal(virtio_feature_name(1, VIRTIO_F_EVENT_IDX), "VIRTIO_RING_F_EVENT_IDX");
	assert_null(virtio_feature_name(1, VIRTIO_BLK_F_FLUSH));        /* device bits belong to blk */
	assert_null(virtio_feature_name(VIRTIO_ID_BLOCK, 63));
}

/* ---- split virtqueue ---- */

static uint8_t ring[8192] __attribute__((aligned(16)));

/* The device side: takes every published chain, checks it, and completes it in order. */
struct fake_dev { uint16_t last_avail, used_idx; unsigned chains; };

static unsigned dev_process(struct virtq *q, struct fake_dev *d, unsigned expect_len)
{
	unsigned done = 0;
	while (d->last_avail != q->avail->idx) {
		uint16_t head = q->avail->ring[virtq_slot(d->last_avail, q->size)];
		assert_true(head < q->size);
		unsigned n = 1;
		uint32_t total = 0;
		for (uint16_t i = head;; n++) {
			total += q->desc[i].len;
			if (!(q->desc[i].flags & VIRTQ_DESC_F_NEXT))
				break;
			i = q->desc[i].next;
			assert_true(i < q->size && n < q->size);
		}
		assert_int_equal(n, expect_len);
		struct virtq_used_elem *e = &q->used->ring[virtq_slot(d->used_idx, q->size)];
		e->id = head;
		e->len = total;
		d->used_idx++;
		q->used->idx = d->used_idx;
		d->last_avail++;
		done++;
	}
	return done;
}

static void test_ring_layout_and_init(void **state)
{
	(void)state;
	struct virtq q;
	assert_int_equal(virtq_mem_size(256), 4096 + 518 + 2 + 2054);
	assert_int_equal(virtq_mem_size(16), 256 + 38 + 2 + 134);
	assert_int_equal(virtq_init(&q, 0, ring, sizeof ring), -1);
	assert_int_equal(virtq_init(&q, 24, ring, sizeof ring), -1);   /* not a power of two */
	assert_int_equal(virtq_init(&q, 512, ring, sizeof ring), -1);  /* above VIRTQ_MAX_SIZE */
	assert_int_equal(virtq_init(&q, 256, ring, 4096), -1);         /* too little memory */
	assert_int_equal(virtq_init(&q, 16, ring + 8, 4096), -1);      /* misaligned */
	memset(ring, 0xAB, sizeof ring);
	assert_int_equal(virtq_init(&q, 256, ring, sizeof ring), 0);
	assert_ptr_equal(q.desc, ring);
	assert_ptr_equal(q.avail, ring + 4096);
	assert_ptr_equal(q.used, ring + 4096 + 520);
	assert_int_equal((uintptr_t)q.used % 4, 0);
	assert_int_equal(q.avail->idx, 0);
	assert_int_equal(q.used->idx, 0);
	assert_int_equal(q.num_free, 256);
}

static void test_chain_flags(void **state)
{
	(void)state;
	struct virtq q;
	assert_int_equal(virtq_init(&q, 8, ring, sizeof ring), 0);
	struct virtq_buf b[3] = { { 0x1000, 16, false }, { 0x2000, 512, true }, { 0x3000, 1, true } };
	int head = virtq_add(&q, b, 3);
	assert_int_equal(head, 0);
	assert_int_equal(q.avail->idx, 1);
	assert_int_equal(q.avail->ring[0], 0);
	assert_int_equal(q.num_free, 5);
	uint16_t i = (uint16_t)head;
	assert_true(q.desc[i].addr == 0x1000 && q.desc[i].len == 16 && q.desc[i].flags == VIRTQ_DESC_F_NEXT);
	i = q.desc[i].next;
	assert_true(q.desc[i].addr == 0x2000 && q.desc[i].flags == (VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE));
	i = q.desc[i].next;
	assert_true(q.desc[i].addr == 0x3000 && q.desc[i].len == 1 && q.desc[i].flags == VIRTQ_DESC_F_WRITE);

	assert_int_equal(virtq_add(&q, b, 3), 3);
	assert_int_equal(virtq_add(&q, b, 3), -1);                      /* 2 free */
	assert_int_equal(virtq_add(&q, b, 0), -1);
	int id;
	uint32_t len;
	assert_false(virtq_get_used(&q, &id, &len));
	struct fake_dev d = { 0 };
	assert_int_equal(dev_process(&q, &d, 3), 2);
	assert_true(virtq_get_used(&q, &id, &len));
	assert_int_equal(id, 0);
	assert_int_equal(len, 529);
	assert_true(virtq_get_used(&q, &id, &len));
	assert_int_equal(id, 3);
	assert_false(virtq_get_used(&q, &id, &len));
	assert_int_equal(q.num_free, 8);
	assert_int_equal(virtq_add(&q, b, 3) >= 0, 1);                  /* freed descriptors are reused */
}

static void test_wraparound(void **state)
{
	(void)state;
	struct virtq q;
	struct fake_dev d = { 0 };
	struct virtq_buf b[3] = { { 0x1000, 16, false }, { 0x2000, 512, true }, { 0x3000, 1, true } };
	assert_int_equal(virtq_init(&q, 4, ring, sizeof ring), 0);
	/* 70000 single requests on a 4-entry ring: slots wrap 17500 times, the u16 indices once. */
	for (unsigned r = 0; r < 70000; r++) {
		int head = virtq_add(&q, b, 1 + r % 3);
		assert_true(head >= 0 && head < 4);
		assert_int_equal(q.avail->ring[virtq_slot((uint16_t)(q.avail_idx - 1), 4)], head);
		assert_int_equal(dev_process(&q, &d, 1 + r % 3), 1);
		int id;
		uint32_t len;
		assert_true(virtq_get_used(&q, &id, &len));
		assert_int_equal(id, head);
		assert_int_equal(q.num_free, 4);
	}
	assert_int_equal(q.avail_idx, (uint16_t)70000);
	assert_int_equal(q.last_used, (uint16_t)70000);
	/* batches straddling the wrap of the 16-bit index */
	assert_int_equal(virtq_init(&q, 4, ring, sizeof ring), 0);
	q.avail_idx = q.last_used = 65534;
	q.avail->idx = 65534;
	q.used->idx = 65534;
	d = (struct fake_dev){ 65534, 65534, 0 };
	for (unsigned k = 0; k < 4; k++)
		assert_true(virtq_add(&q, b, 1) >= 0);
	assert_int_equal(q.avail->idx, 2);                              /* 65534 + 4 mod 2^16 */
	assert_int_equal(dev_process(&q, &d, 1), 4);
	assert_int_equal(virtq_used_pending(q.used->idx, q.last_used), 4);
	unsigned got = 0;
	int id;
	uint32_t len;
	while (virtq_get_used(&q, &id, &len))
		got += id >= 0;
	assert_int_equal(got, 4);
	assert_int_equal(q.num_free, 4);
}

static void test_index_arithmetic(void **state)
{
	(void)state;
	assert_int_equal(virtq_slot(0, 256), 0);
	assert_int_equal(virtq_slot(257, 256), 1);
	assert_int_equal(virtq_slot(65535, 16), 15);
	assert_int_equal(virtq_slot(65535, 256), 255);
	assert_int_equal(virtq_used_pending(5, 5), 0);
	assert_int_equal(virtq_used_pending(2, 65534), 4);
	assert_int_equal(virtq_used_pending(0, 65535), 1);
	assert_int_equal(virtq_used_pending(65535, 0), 65535);
}

static void test_bad_used_id(void **state)
{
	(void)state;
	struct virtq q;
	struct virtq_buf b[2] = { { 0x1000, 16, false }, { 0x3000, 1, true } };
	assert_int_equal(virtq_init(&q, 4, ring, sizeof ring), 0);
	assert_int_equal(virtq_add(&q, b, 2), 0);
	q.used->ring[0].id = 7;                 /* beyond the ring */
	q.used->idx = 1;
	int id;
	uint32_t len;
	assert_true(virtq_get_used(&q, &id, &len));
	assert_int_equal(id, -1);
	assert_int_equal(q.num_free, 2);        /* nothing freed */
	/* a used id whose chain's next pointers run in a circle is not followed for ever */
	q.desc[1].flags = VIRTQ_DESC_F_NEXT;
	q.desc[1].next = 0;
	q.used->ring[1].id = 0;
	q.used->idx = 2;
	assert_true(virtq_get_used(&q, &id, &len));
	assert_int_equal(id, -1);
	assert_int_equal(q.num_free, 2);
}

/* ---- layouts (virtio 1.2 §2.7.5, §2.7.6, §2.7.8, §5.2.6) ---- */

static void test_layouts(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct virtio_blk_req), 16);
	assert_int_equal(offsetof(struct virtio_blk_req, type), 0);
	assert_int_equal(offsetof(struct virtio_blk_req, reserved), 4);
	assert_int_equal(offsetof(struct virtio_blk_req, sector), 8);
	assert_int_equal(sizeof(struct virtq_desc), 16);
	assert_int_equal(offsetof(struct virtq_desc, addr), 0);
	assert_int_equal(offsetof(struct virtq_desc, len), 8);
	assert_int_equal(offsetof(struct virtq_desc, flags), 12);
	assert_int_equal(offsetof(struct virtq_desc, next), 14);
	assert_int_equal(offsetof(struct virtq_avail, idx), 2);
	assert_int_equal(offsetof(struct virtq_avail, ring), 4);
	assert_int_equal(sizeof(struct virtq_used_elem), 8);
	assert_int_equal(offsetof(struct virtq_used, idx), 2);
	assert_int_equal(offsetof(struct virtq_used, ring), 4);
	assert_int_equal(VIRTIO_BLK_T_IN, 0);
	assert_int_equal(VIRTIO_BLK_T_OUT, 1);
	assert_int_equal(VIRTIO_BLK_T_FLUSH, 4);
	assert_int_equal(VIRTIO_BLK_T_GET_ID, 8);
	assert_int_equal(VIRTIO_BLK_S_IOERR, 1);
	assert_int_equal(VIRTIO_BLK_S_UNSUPP, 2);
	/* struct virtio_pci_common_cfg */
	assert_int_equal(VIRTIO_COMMON_STATUS, 20);
	assert_int_equal(VIRTIO_COMMON_Q_SELECT, 22);
	assert_int_equal(VIRTIO_COMMON_Q_NOFF, 30);
	assert_int_equal(VIRTIO_COMMON_Q_DESCLO, 32);
	assert_int_equal(VIRTIO_COMMON_Q_USEDLO, 48);
	/* struct virtio_blk_config */
	assert_int_equal(VIRTIO_BLK_CFG_BLK_SIZE, 20);
	assert_int_equal(VIRTIO_BLK_CFG_NUM_QUEUES, 34);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_normal),
		cmocka_unit_test(test_walk_no_list),
		cmocka_unit_test(test_walk_loop),
		cmocka_unit_test(test_walk_out_of_range),
		cmocka_unit_test(test_walk_full_chain),
		cmocka_unit_test(test_parse_virtio_caps),
		cmocka_unit_test(test_parse_nothing),
		cmocka_unit_test(test_negotiate),
		cmocka_unit_test(test_feature_names),
		cmocka_unit_test(test_ring_layout_and_init),
		cmocka_unit_test(test_chain_flags),
		cmocka_unit_test(test_wraparound),
		cmocka_unit_test(test_index_arithmetic),
		cmocka_unit_test(test_bad_used_id),
		cmocka_unit_test(test_layouts),
	};
	return cmocka_run_group_tests_name("virtio", tests, NULL, NULL);
}

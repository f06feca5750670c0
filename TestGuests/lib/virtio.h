/*
 * virtio.h - a small virtio 1.x driver over modern virtio-pci (virtio spec 1.2, §2, §4.1, §5.2).
 *
 *   virtio_caps.c   PCI capability walk, virtio/MSI-X capability parsing, feature negotiation,
 *                   feature names (host-testable: config space comes through a read callback)
 *   virtqueue.c     split virtqueue: ring layout, descriptor chains, used-ring consumption
 *                   (host-testable: plain memory, guest-physical == virtual through the identity map)
 *   virtio_pci.c    finding functions on bus 0 (CF8 or ECAM), BAR assignment, device initialisation,
 *                   queue set-up, notify, MSI-X table, INTx, virtio-blk requests (guest only)
 *
 * BAR policy: a memory BAR that reads 0 (no firmware ran: swiftvm, QEMU -M pc with qboot, microvm)
 * or lies above 4 GiB (beyond the kernels' identity map) is given an address from a window below
 * 4 GiB, each BAR aligned to its size; BARs the firmware placed below 4 GiB are kept.
 */
#ifndef VIRTIO_H
#define VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- PCI identity ---- */
#define VIRTIO_PCI_VENDOR               0x1AF4
#define VIRTIO_PCI_MODERN_BASE          0x1040  /* modern device id = 0x1040 + virtio device type */
#define VIRTIO_ID_BLOCK                 2

/* ---- device status (§2.1) ---- */
#define VIRTIO_STATUS_ACKNOWLEDGE       1
#define VIRTIO_STATUS_DRIVER            2
#define VIRTIO_STATUS_DRIVER_OK         4
#define VIRTIO_STATUS_FEATURES_OK       8
#define VIRTIO_STATUS_NEEDS_RESET       0x40
#define VIRTIO_STATUS_FAILED            0x80

/* ---- feature bits (§6 reserved, §5.2.3 block) ---- */
#define VIRTIO_BLK_F_SIZE_MAX           1
#define VIRTIO_BLK_F_SEG_MAX            2
#define VIRTIO_BLK_F_GEOMETRY           4
#define VIRTIO_BLK_F_RO                 5
#define VIRTIO_BLK_F_BLK_SIZE           6
#define VIRTIO_BLK_F_FLUSH              9
#define VIRTIO_BLK_F_TOPOLOGY           10
#define VIRTIO_BLK_F_CONFIG_WCE         11
#define VIRTIO_BLK_F_MQ                 12
#define VIRTIO_BLK_F_DISCARD            13
#define VIRTIO_BLK_F_WRITE_ZEROES       14
#define VIRTIO_F_INDIRECT_DESC          28
#define VIRTIO_F_EVENT_IDX              29
#define VIRTIO_F_VERSION_1              32
#define VIRTIO_F_ACCESS_PLATFORM        33
#define VIRTIO_F_RING_PACKED            34
#define VIRTIO_F_IN_ORDER               35
#define VIRTIO_F_ORDER_PLATFORM         36
#define VIRTIO_F_SR_IOV                 37
#define VIRTIO_F_NOTIFICATION_DATA      38
#define VIRTIO_F_NOTIF_CONFIG_DATA      39
#define VIRTIO_F_RING_RESET             40
#define VIRTIO_BIT(b)                   (1ull << (b))

/* Name of a feature bit for a device type ("VIRTIO_BLK_F_FLUSH"), or NULL when unknown. */
const char *virtio_feature_name(unsigned device_type, unsigned bit);

/*
 * Feature negotiation: the driver accepts offered ∩ wanted. VERSION_1 must be offered (a modern
 * device without it is broken; this driver has no legacy path) and is always accepted.
 * Returns 0 with *accepted set, or -1 when VERSION_1 is missing (*accepted = 0).
 */
int virtio_negotiate(uint64_t offered, uint64_t wanted, uint64_t *accepted);

/* ---- PCI capability list (PCI 3.0 §6.7) ---- */
#define PCI_STATUS_CAP_LIST     0x10
#define PCI_CAP_PTR             0x34
#define PCI_CAP_ID_MSIX         0x11
#define PCI_CAP_ID_VNDR         0x09
#define PCI_CAPS_MAX            48

enum pci_caps_error {
	PCI_CAPS_OK = 0,
	PCI_CAPS_LOOP,          /* a pointer revisits an entry */
	PCI_CAPS_OUT_OF_RANGE,  /* a pointer into the header (< 0x40) or past 0xFC */
	PCI_CAPS_TOO_MANY,      /* more than PCI_CAPS_MAX entries */
};

struct pci_cap_list {
	unsigned n;
	uint8_t off[PCI_CAPS_MAX], id[PCI_CAPS_MAX];
	enum pci_caps_error error;      /* entries before the error stay listed */
	uint8_t bad_ptr;                /* the offending pointer for LOOP / OUT_OF_RANGE */
};

/* Config space of one function, read as aligned dwords (off & ~3). */
typedef uint32_t (*pci_cfg_read32_fn)(void *ctx, unsigned off);

/* Walks the list: nothing when status bit 4 is clear; pointers masked to dwords; bounded. */
void pci_cap_walk(pci_cfg_read32_fn rd, void *ctx, struct pci_cap_list *out);
const char *pci_caps_error_name(enum pci_caps_error e);

/* ---- virtio PCI capabilities (§4.1.4) ---- */
#define VIRTIO_PCI_CAP_COMMON_CFG       1
#define VIRTIO_PCI_CAP_NOTIFY_CFG       2
#define VIRTIO_PCI_CAP_ISR_CFG          3
#define VIRTIO_PCI_CAP_DEVICE_CFG       4
#define VIRTIO_PCI_CAP_PCI_CFG          5

struct virtio_pci_region {
	bool present;
	uint8_t cap_off, bar;
	uint32_t offset, length;
};

struct virtio_pci_caps {
	struct virtio_pci_region region[6];     /* indexed by cfg_type 1..5 (0 unused) */
	uint32_t notify_off_multiplier;
	unsigned nvendor;                       /* vendor capabilities seen */
	unsigned ignored;                       /* vendor caps skipped: unknown type, BAR > 5, too short */
	bool msix;
	uint8_t msix_off;
	uint16_t msix_table_size;               /* entries (N-1 field + 1) */
	uint8_t msix_table_bar, msix_pba_bar;
	uint32_t msix_table_offset, msix_pba_offset;
};

/* Fills caps from a walked list; the first capability of each type wins (§4.1.4.1). */
void virtio_pci_parse_caps(pci_cfg_read32_fn rd, void *ctx, const struct pci_cap_list *list,
			   struct virtio_pci_caps *caps);

/* ---- split virtqueue (§2.7) ---- */
#define VIRTQ_DESC_F_NEXT       1
#define VIRTQ_DESC_F_WRITE      2
#define VIRTQ_DESC_F_INDIRECT   4
#define VIRTQ_MAX_SIZE          256     /* what this driver allocates for; devices may offer more */

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];        /* then used_event when EVENT_IDX */
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];  /* then avail_event when EVENT_IDX */
};

struct virtq {
	uint16_t size;                  /* power of two, <= VIRTQ_MAX_SIZE */
	uint16_t free_head, num_free;
	uint16_t avail_idx;             /* the driver's copy of avail->idx */
	uint16_t last_used;             /* next used->idx position to consume */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
};

struct virtq_buf {
	uint64_t addr;
	uint32_t len;
	bool device_writes;
};

/* Bytes of ring memory for a queue of size n: descriptors, avail ring, used ring (aligned 16/2/4). */
size_t virtq_mem_size(uint16_t n);
/* Lays the rings out in mem (16-byte aligned, zeroed). -1 when n is not a power of two in 1..VIRTQ_MAX_SIZE
 * or mem_len is too small. */
int virtq_init(struct virtq *q, uint16_t n, void *mem, size_t mem_len);
/* Slot of free-running index idx in a ring of size n (a power of two). */
static inline uint16_t virtq_slot(uint16_t idx, uint16_t n) { return (uint16_t)(idx & (n - 1)); }
/* Used entries published by the device and not yet consumed (mod 2^16). */
static inline uint16_t virtq_used_pending(uint16_t used_idx, uint16_t last_used)
{
	return (uint16_t)(used_idx - last_used);
}
/* Chains n buffers and publishes the chain in the avail ring. Returns the head id, or -1 when
 * n is 0 or there are fewer than n free descriptors. The caller then notifies the device. */
int virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned n);
/* Consumes one used element: true with *id and *len set and its chain freed, false when none is
 * pending. A bad id (>= size, or a chain that does not end within size) is reported as -1 in *id
 * without freeing anything. */
bool virtq_get_used(struct virtq *q, int *id, uint32_t *len);

/* Compiler barriers: x86 keeps stores in order with stores and loads with loads (TSO), so the
 * ring protocol only needs the compiler not to move memory accesses across these points. The
 * driver always notifies (never reads used->flags after publishing), so no store-load fence. */
#define virtio_wmb() __asm__ volatile("" ::: "memory")
#define virtio_rmb() __asm__ volatile("" ::: "memory")

/* ---- virtio-blk (§5.2) ---- */
#define VIRTIO_BLK_T_IN         0
#define VIRTIO_BLK_T_OUT        1
#define VIRTIO_BLK_T_FLUSH      4
#define VIRTIO_BLK_T_GET_ID     8
#define VIRTIO_BLK_S_OK         0
#define VIRTIO_BLK_S_IOERR      1
#define VIRTIO_BLK_S_UNSUPP     2
#define VIRTIO_BLK_ID_BYTES     20
#define VIRTIO_BLK_SECTOR       512

/* The device-readable header of every request; data and a 1-byte status follow in the chain. */
struct virtio_blk_req {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

/* Byte offsets in the device-specific configuration (§5.2.4). */
#define VIRTIO_BLK_CFG_CAPACITY         0       /* u64, 512-byte sectors */
#define VIRTIO_BLK_CFG_SIZE_MAX         8       /* u32 */
#define VIRTIO_BLK_CFG_SEG_MAX          12      /* u32 */
#define VIRTIO_BLK_CFG_GEOMETRY         16      /* u16 cylinders, u8 heads, u8 sectors */
#define VIRTIO_BLK_CFG_BLK_SIZE         20      /* u32 */
#define VIRTIO_BLK_CFG_TOPOLOGY         24
#define VIRTIO_BLK_CFG_WRITEBACK        32      /* u8 */
#define VIRTIO_BLK_CFG_NUM_QUEUES       34      /* u16 */

/* ---- guest side (virtio_pci.c) ---- */

/* Common configuration offsets (§4.1.4.3). */
#define VIRTIO_COMMON_DFSELECT          0
#define VIRTIO_COMMON_DF                4
#define VIRTIO_COMMON_GFSELECT          8
#define VIRTIO_COMMON_GF                12
#define VIRTIO_COMMON_MSIX              16
#define VIRTIO_COMMON_NUMQ              18
#define VIRTIO_COMMON_STATUS            20
#define VIRTIO_COMMON_CFGGENERATION     21
#define VIRTIO_COMMON_Q_SELECT          22
#define VIRTIO_COMMON_Q_SIZE            24
#define VIRTIO_COMMON_Q_MSIX            26
#define VIRTIO_COMMON_Q_ENABLE          28
#define VIRTIO_COMMON_Q_NOFF            30
#define VIRTIO_COMMON_Q_DESCLO          32
#define VIRTIO_COMMON_Q_AVAILLO         40
#define VIRTIO_COMMON_Q_USEDLO          48
#define VIRTIO_MSI_NO_VECTOR            0xFFFF

#define VIRTIO_BAR_WINDOW_DEFAULT       0xE0000000u

struct virtio_pci_dev {
	uint64_t ecam;                  /* 0: configuration mechanism #1 (CF8/CFC); else bus 0's ECAM base */
	uint8_t dev, fn;
	uint16_t device_id, type;
	struct pci_cap_list caps_list;
	struct virtio_pci_caps caps;
	uint64_t bar[6];                /* assigned memory BAR addresses (0 when unused) */
	uint64_t bar_size[6];
	uint8_t bar_assigned;           /* bit i: this driver gave BAR i its address */
	volatile uint8_t *common, *isr, *device, *notify;
	uint32_t device_len;
	volatile uint32_t *msix_table;
	uint64_t offered, accepted;
	uint16_t queue_max;             /* queue 0's maximum size as read after reset */
	uint32_t qnotify[4];            /* queues 0-3: byte offset of the doorbell in the notify region */
	const char *error;              /* why the last call failed */
};

/* Configuration space of d's function. */
uint32_t virtio_cfg_read32(const struct virtio_pci_dev *d, unsigned off);
void virtio_cfg_write32(const struct virtio_pci_dev *d, unsigned off, uint32_t v);
uint16_t virtio_cfg_read16(const struct virtio_pci_dev *d, unsigned off);
void virtio_cfg_write16(const struct virtio_pci_dev *d, unsigned off, uint16_t v);

/*
 * Finds the index-th (0-based) function of virtio device type `type` on bus 0 (modern id
 * 0x1040 + type, or transitional 0x1000-0x103F whose subsystem id is type), walks and parses its
 * capabilities, assigns BARs from `window` when needed, enables memory decoding and bus
 * mastering, and maps the common/notify/ISR/device regions. ecam = 0 for CF8. -1 with d->error.
 */
int virtio_pci_find(struct virtio_pci_dev *d, uint64_t ecam, unsigned type, unsigned index, uint32_t window);

/* Writes 0 to device_status and waits (bounded) until it reads 0. */
int virtio_reset(struct virtio_pci_dev *d);
/* Reset, ACKNOWLEDGE, DRIVER, read the offered features, accept offered ∩ wanted (VERSION_1
 * required), FEATURES_OK and read it back. On failure sets FAILED and returns -1. */
int virtio_init_features(struct virtio_pci_dev *d, uint64_t wanted);
/* Sets up queue qi with q (rings already laid out) and MSI-X vector entry (VIRTIO_MSI_NO_VECTOR
 * for none; the device's read-back must match), then enables it. */
int virtio_setup_queue(struct virtio_pci_dev *d, uint16_t qi, const struct virtq *q, uint16_t msix_entry);
/* Sets DRIVER_OK. */
int virtio_driver_ok(struct virtio_pci_dev *d);
uint8_t virtio_status(const struct virtio_pci_dev *d);
/* Notifies queue qi (queue_notify_off of the selected queue × notify_off_multiplier). */
void virtio_notify(struct virtio_pci_dev *d, uint16_t qi);
/* Reading the ISR acknowledges it (and deasserts INTx). */
uint8_t virtio_read_isr(const struct virtio_pci_dev *d);
/* Device config reads, retried (bounded) until config_generation is stable. */
uint64_t virtio_dev_read64(const struct virtio_pci_dev *d, unsigned off);
uint32_t virtio_dev_read32(const struct virtio_pci_dev *d, unsigned off);
uint16_t virtio_dev_read16(const struct virtio_pci_dev *d, unsigned off);
uint8_t virtio_dev_read8(const struct virtio_pci_dev *d, unsigned off);

/* MSI-X: program entry to deliver `vector` to the LAPIC apic_id (fixed, edge), unmask it, and
 * enable or disable MSI-X in the capability's message control. */
int virtio_msix_set_entry(struct virtio_pci_dev *d, uint16_t entry, uint8_t apic_id, uint8_t vector);
void virtio_msix_enable(struct virtio_pci_dev *d, bool on);
/* PCI command register bit 10 (interrupt disable). */
void virtio_intx_enable(struct virtio_pci_dev *d, bool on);

/* ---- virtio-blk requests (virtio_blk.c, guest only) ---- */
#define VIRTIO_BLK_MAX_SEGS     16

struct virtio_blk {
	struct virtio_pci_dev *d;
	struct virtq *q;
	uint16_t qi;
	uint32_t size_max;              /* 0: no per-descriptor limit (SIZE_MAX not negotiated) */
	uint32_t seg_max;               /* 0: no limit beyond VIRTIO_BLK_MAX_SEGS */
	volatile unsigned *irqs;        /* NULL: polled; else the interrupt handler's counter */
	unsigned max_spins;             /* bound of every wait */
	/* the last request */
	unsigned spins, segs;
	uint32_t used_len;
	struct virtio_blk_req hdr __attribute__((aligned(16)));
	volatile uint8_t status;
};

#define VIRTIO_BLK_E_FULL       (-1)    /* not enough free descriptors, or too many segments */
#define VIRTIO_BLK_E_TIMEOUT    (-2)    /* nothing in the used ring within max_spins */
#define VIRTIO_BLK_E_USED       (-3)    /* the used element names another chain or a bad id */
#define VIRTIO_BLK_E_NO_IRQ     (-4)    /* interrupt mode: completed, but no interrupt arrived */

/*
 * One request: header, data (len bytes at buf, split at size_max; none when len is 0), status.
 * data_in: the device writes the data (IN, GET_ID). Notifies, waits for the used element (polling
 * used->idx, or with interrupts enabled until *irqs moves), and returns the status byte the device
 * wrote (0xFF is pre-set, so an untouched status reads 0xFF), or a negative VIRTIO_BLK_E_*.
 */
int virtio_blk_request(struct virtio_blk *b, uint32_t type, uint64_t sector, void *buf, uint32_t len, bool data_in);

#endif

/* testdev.c - see testdev.h. */
#include "testdev.h"

#include <stdint.h>

#include "io.h"

#define TESTDEV_PORT        0xEC0
#define TESTDEV_VERSION_PORT 0xEC4
#define TESTDEV_SIGNATURE   0x44545653u     /* "SVTD" */
#define TESTDEV_DESC_MAGIC  0x43445653u     /* "SVDC" */
#define TESTDEV_MAX_LEN     (1u << 20)

struct testdev_desc {
	uint32_t magic;
	uint16_t version;
	uint16_t stream;
	uint32_t length;
	uint32_t status;        /* written by the host during the out */
	uint64_t buffer;
	uint64_t reserved;
} __attribute__((packed, aligned(16)));

_Static_assert(sizeof(struct testdev_desc) == 32, "testdev_desc is 32 bytes");

static volatile struct testdev_desc desc;
static int state = -1;          /* -1 unprobed, 0 absent, 1 present */
static struct spinlock desc_lock;       /* one descriptor, shared by all CPUs */

bool testdev_probe(void)
{
	if (state < 0)
		state = inl(TESTDEV_PORT) == TESTDEV_SIGNATURE && inl(TESTDEV_VERSION_PORT) == 1;
	return state == 1;
}

bool testdev_present(void)
{
	return state == 1;
}

unsigned testdev_send(unsigned stream, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	unsigned status = TESTDEV_ACCEPTED;
	if (state != 1)
		return 0;
	spin_lock(&desc_lock);
	/* Physical == virtual: the kernel runs on an identity map. */
	while (len && status == TESTDEV_ACCEPTED) {
		uint32_t n = len > TESTDEV_MAX_LEN ? TESTDEV_MAX_LEN : (uint32_t)len;
		desc.magic = TESTDEV_DESC_MAGIC;
		desc.version = 1;
		desc.stream = (uint16_t)stream;
		desc.length = n;
		desc.status = 0;
		desc.buffer = (uintptr_t)p;
		desc.reserved = 0;
		outl(TESTDEV_PORT, (uint32_t)(uintptr_t)&desc);   /* "memory" clobber orders the stores */
		status = desc.status;
		p += n;
		len -= n;
	}
	spin_unlock(&desc_lock);
	return status;
}

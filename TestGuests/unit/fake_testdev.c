/* fake_testdev.c - testdev_probe/present/send for host builds. */
#include <string.h>

#include "fake_testdev.h"
#include "testdev.h"

bool fake_testdev_present;
const void *fake_testdev_reject_lo, *fake_testdev_reject_hi;
struct fake_testdev_send fake_testdev_sends[FAKE_TESTDEV_MAX_SENDS];
unsigned fake_testdev_nsends;
uint8_t fake_testdev_data[65536];
size_t fake_testdev_len;

void fake_testdev_reset(void)
{
	fake_testdev_present = false;
	fake_testdev_reject_lo = fake_testdev_reject_hi = 0;
	fake_testdev_nsends = 0;
	fake_testdev_len = 0;
}

bool testdev_probe(void) { return fake_testdev_present; }
bool testdev_present(void) { return fake_testdev_present; }

unsigned testdev_send(unsigned stream, const void *buf, size_t len)
{
	if (!fake_testdev_present)
		return 0;
	const char *p = buf;
	if (p >= (const char *)fake_testdev_reject_lo && p < (const char *)fake_testdev_reject_hi)
		return TESTDEV_BAD_BUFFER;
	if (fake_testdev_nsends == FAKE_TESTDEV_MAX_SENDS || len > sizeof fake_testdev_data - fake_testdev_len)
		return TESTDEV_TOO_LONG;
	fake_testdev_sends[fake_testdev_nsends++] = (struct fake_testdev_send){ stream, buf, len, fake_testdev_len };
	memcpy(fake_testdev_data + fake_testdev_len, buf, len);
	fake_testdev_len += len;
	return TESTDEV_ACCEPTED;
}

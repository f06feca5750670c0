/* fake_testdev.h - records what the library sends on the testdev channel (unit tests only). */
#ifndef FAKE_TESTDEV_H
#define FAKE_TESTDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FAKE_TESTDEV_MAX_SENDS  64

struct fake_testdev_send {
	unsigned stream;
	const void *buf;        /* where the guest pointed (to tell in-place sends from copies) */
	size_t len;
	size_t offset;          /* where its bytes start in fake_testdev_data */
};

extern bool fake_testdev_present;
/* Sends whose buffer lies in [reject_lo, reject_hi) get TESTDEV_BAD_BUFFER (and are not recorded). */
extern const void *fake_testdev_reject_lo, *fake_testdev_reject_hi;
extern struct fake_testdev_send fake_testdev_sends[FAKE_TESTDEV_MAX_SENDS];
extern unsigned fake_testdev_nsends;
extern uint8_t fake_testdev_data[65536];        /* accepted stream-1 bytes, concatenated */
extern size_t fake_testdev_len;
void fake_testdev_reset(void);

#endif

/* testdev.h - the test data channel at port 0xEC0 (docs/guest-interface.md, "Test data channel"). */
#ifndef TESTDEV_H
#define TESTDEV_H

#include <stdbool.h>
#include <stddef.h>

#define TESTDEV_STREAM_CONSOLE  0
#define TESTDEV_STREAM_DATA     1

#define TESTDEV_ACCEPTED        1
#define TESTDEV_BAD_DESC        2
#define TESTDEV_TOO_LONG        3
#define TESTDEV_BAD_BUFFER      4
#define TESTDEV_BAD_STREAM      5

/* Reads the signature and version once; later calls return the cached answer. */
bool testdev_probe(void);
bool testdev_present(void);
/*
 * Sends len bytes (split into 1 MiB pieces) with one 32-bit out per piece.
 * Returns the host's status of the last piece (TESTDEV_ACCEPTED on success),
 * or 0 when the channel is absent (then the caller decides: console.c falls back
 * to the UART). Safe to call from several CPUs.
 */
unsigned testdev_send(unsigned stream, const void *buf, size_t len);

#endif

/*
 * abirec.h - the record writer of docs/abi-records.md: typed binary records, sent on the testdev
 * data stream (stream 1) when the channel is present, else printed as `TCK:1 DATA abi.record <hex>`
 * console lines. Host-compilable: unit tests supply console_write and testdev_* fakes.
 */
#ifndef ABIREC_H
#define ABIREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ABI_FORMAT_VERSION      1

enum abi_type {
	ABI_CPUID = 1,
	ABI_MEMORY_MAP = 2,
	ABI_ACPI_TABLE = 3,
	ABI_RSDP_LOCATION = 4,
	ABI_PCI_FUNCTION = 5,
	ABI_PCI_BARS = 6,
	ABI_LOCAL_APIC = 7,
	ABI_IOAPIC = 8,
	ABI_MSR = 9,
	ABI_PORT_PROBE = 10,
	ABI_CMOS = 11,
	ABI_VIRTIO = 12,
};

#define ABI_HEADER_SIZE         8
#define ABI_FLAG_CONTINUED      0x0001
/* Largest payload piece per record: 8 KiB on the data stream; on the console a piece must keep
 * its line under the host's 4096-byte line limit: 22 + 2 * (8 + 2000) + 1 = 4039 bytes. */
#define ABI_PIECE_MAX_STREAM    8192u
#define ABI_PIECE_MAX_CONSOLE   2000u
#define ABI_LINE_PREFIX         "TCK:1 DATA abi.record "

struct abi_stats {
	bool stream;            /* true: testdev data stream, false: console lines */
	unsigned records;       /* logical records (what abi.end announces) */
	unsigned pieces;        /* records on the wire, counting continuation pieces */
	unsigned sends;         /* testdev sends (each one port exit) */
	unsigned rejected;      /* testdev sends the host did not accept */
	unsigned in_place_fallbacks;    /* in-place sends rejected and copied instead */
	uint64_t bytes;         /* record bytes (headers + payloads) */
	uint64_t bytes_by_type[16];     /* payload bytes, by type (types >= 15 share the last slot) */
	unsigned records_by_type[16];
};

/* Picks the transport (testdev_present()) and prints `TCK:1 DATA abi.begin 1`. */
void abi_begin(void);
/* Same with a caller-supplied batch buffer (unit tests use small ones); cap >= 64. */
void abi_begin_with(void *buf, size_t cap);
/* One record; payloads above the piece limit are split with the continued flag. */
void abi_record(uint16_t type, const void *payload, size_t len);
/*
 * One record whose payload is prefix (copied, small) followed by len bytes sent where they are
 * (stream transport: one extra testdev send per piece, no copy). If the host rejects the bytes
 * (e.g. they are outside RAM), they are copied through the batch buffer instead.
 */
void abi_record_in_place(uint16_t type, const void *prefix, size_t prefix_len, const void *bytes, size_t len);
/* Flushes, prints `TCK:1 DATA abi.end <records>`, returns the record count. */
unsigned abi_end(void);
const struct abi_stats *abi_stats(void);

/* Lowercase hex of n bytes into dst (2n characters, no NUL); returns 2n. */
size_t abi_hex(char *dst, const void *src, size_t n);

#endif

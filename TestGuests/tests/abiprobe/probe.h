/*
 * probe.h - the areas of the ABI-probe kernel (tests/abiprobe.c), one file each. Each probe_...
 * sends its records (docs/abi-records.md) when main calls it and returns what the closing report
 * counts. Guest only, linked into abiprobe alone: tests/abiprobe/ holds no kernel of its own.
 */
#ifndef ABIPROBE_PROBE_H
#define ABIPROBE_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bootinfo.h"

#define MAX_CPUID_ENTRIES       512

/* scratch.c - the payload of the record being built: up to MAX_CPUID_ENTRIES × 24 bytes. */
void put8(uint8_t v);
void put16(uint16_t v);
void put32(uint32_t v);
void put64(uint64_t v);
void put_bytes(const void *p, size_t n);
/* Sends the payload as one record of `type` unless it is empty; empties it. */
void scratch_flush(uint16_t type);
/* Sends the payload as one record of `type` even when it is empty; empties it. */
void scratch_send(uint16_t type);

/* cpuid.c - type 1. Returns the entries recorded. */
unsigned probe_cpuid(void);

/* acpi.c - type 2 (the memory map as the loader gave it), types 4 and 3 (RSDP location, tables). */
void probe_memmap(const struct boot_info *bi);

#define MAX_ACPI_TABLES         64

struct acpi_probe {
	uint64_t boot_rsdp, scan_rsdp;  /* RSDP via boot info, via the legacy scan (0: none) */
	uint64_t rsdp;                  /* the one followed: boot info's when valid, else the scan's */
	uint16_t ebda_segment;
	uint64_t sent[MAX_ACPI_TABLES]; /* addresses sent, each once */
	unsigned nsent, bad_pointers, above_4g;
	char bad_what[64];              /* the first bad pointer */
};

const struct acpi_probe *probe_acpi(const struct boot_info *bi);

/* pci.c - types 5 and 6: bus 0 through 0xCF8/0xCFC. */
#define MAX_VIRTIO_FUNCTIONS    8

/* A modern virtio function (1af4:1040-107f) as probe_pci found it, for probe_virtio. */
struct virtio_seen {
	uint8_t dev, fn;
	uint16_t device_id, cmd;
	uint32_t bar[6];
};

struct virtio_seen_list {
	struct virtio_seen fn[MAX_VIRTIO_FUNCTIONS];
	unsigned n;
};

/* Returns the functions recorded; notes the modern virtio ones in *virtio. */
unsigned probe_pci(struct virtio_seen_list *virtio);

/* platform.c - types 7 (local APIC), 8 (IOAPIC), 9 (MSRs), 11 (CMOS), 10 (ports). */
void probe_lapic(void);
/* Returns the redirection entries recorded (0 without an IOAPIC). */
unsigned probe_ioapic(void);
/* Returns the MSRs whose read took a #GP. */
unsigned probe_msrs(void);
void probe_cmos(void);
/* After probe_cmos and probe_pci: 0x71 and 0xCF8 show what they selected last. */
void probe_ports(void);

/* virtio.c - type 12, after the ports (it moves BARs and the 0xCF8 address). */
struct virtio_probe {
	unsigned functions, setup_failures;
};

struct virtio_probe probe_virtio(const struct virtio_seen_list *seen);

#endif

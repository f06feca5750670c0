/*
 * acpi.h - finding the RSDP and ACPI tables, decoding the MADT (guest only). Reads tables in place
 * through the 0-4 GiB identity map; every loop is bounded by a table length.
 */
#ifndef ACPI_H
#define ACPI_H

#include <stdbool.h>
#include <stdint.h>

#include "bootinfo.h"

#define ACPI_MAX_TABLE_BYTES    (1u << 20)
#define ACPI_SIG(s) ((uint32_t)(s)[0] | (uint32_t)(s)[1] << 8 | (uint32_t)(s)[2] << 16 | (uint32_t)(s)[3] << 24)

uint8_t acpi_checksum(uint64_t pa, uint32_t len);
/* 20 for revision 0, else the extended length (clamped to 36..256). */
uint32_t acpi_rsdp_length(uint64_t pa);
/* Signature, 20-byte checksum and, for revision >= 2, the extended checksum. */
bool acpi_rsdp_valid(uint64_t pa);
/* Legacy route: first KiB of the EBDA (segment at 0x40E), then 0xE0000-0xFFFFF. 0 when absent. */
uint64_t acpi_rsdp_scan(void);
uint16_t acpi_ebda_segment(void);
/* The boot-info RSDP when valid, else the legacy scan; 0 when neither. */
uint64_t acpi_rsdp(const struct boot_info *bi);
/* The first table with signature sig listed by the XSDT (revision >= 2 and non-zero), else the RSDT. */
uint64_t acpi_find(uint64_t rsdp, const char *sig);

static inline uint32_t acpi_rd32(uint64_t pa) { return *(volatile uint32_t *)(uintptr_t)pa; }
static inline uint64_t acpi_rd64(uint64_t pa) { return *(volatile uint64_t *)(uintptr_t)pa; }
static inline uint8_t acpi_rd8(uint64_t pa) { return *(volatile uint8_t *)(uintptr_t)pa; }

#define MADT_MAX_LAPICS 32

struct madt_info {
	uint32_t lapic_address;
	unsigned nlapic;                /* type 0 and 9 entries */
	uint32_t lapic_id[MADT_MAX_LAPICS];
	uint32_t lapic_flags[MADT_MAX_LAPICS];
	unsigned nioapic;
	uint32_t ioapic_address, ioapic_gsi_base;
	uint8_t ioapic_id;
	bool iso0;                      /* an override for ISA IRQ 0 */
	uint32_t iso0_gsi;
	uint16_t iso0_flags;
	unsigned niso, nnmi, nother;
	bool bad_entry;                 /* an entry with length < 2 or past the end */
};

/* Returns false when madt is 0 or its length is out of range. */
bool acpi_parse_madt(uint64_t madt, struct madt_info *m);

#endif

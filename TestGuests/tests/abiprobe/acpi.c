/*
 * acpi.c - type 2, the memory map as the loader gave it, then types 4 and 3: where the RSDP was
 * found and every ACPI table it leads to, sent where it lies (no copy). RSDP checks and the legacy
 * scan (repne scasq: one emulated instruction) live in lib/acpi.c; tables are read in place
 * through lib/acpi.h's accessors.
 */
#include "probe.h"

#include "abirec.h"
#include "acpi.h"
#include "libtck.h"

#define FOUR_GIB                (1ull << 32)

void probe_memmap(const struct boot_info *bi)
{
	for (uint32_t i = 0; i < bi->memmap_count; i++) {
		put64(bi->memmap[i].addr);
		put64(bi->memmap[i].size);
		put32(bi->memmap[i].type);
		put32(0);
	}
	/* An empty map is an observation too: send the record with no entries. */
	scratch_send(ABI_MEMORY_MAP);
}

static struct acpi_probe acpi;

static bool already_sent(uint64_t pa)
{
	for (unsigned i = 0; i < acpi.nsent; i++)
		if (acpi.sent[i] == pa)
			return true;
	return false;
}

static void send_in_place(uint64_t pa, uint32_t len)
{
	abi_record_in_place(ABI_ACPI_TABLE, &pa, sizeof pa, (const void *)(uintptr_t)pa, len);
	acpi.sent[acpi.nsent++] = pa;
}

static void bad_pointer(const char *what, uint64_t pa)
{
	if (!acpi.bad_pointers++)
		snprintf(acpi.bad_what, sizeof acpi.bad_what, "%s at %lx", what, (unsigned long)pa);
}

/* Sends the table at pa once; returns its length, or 0 when pa does not lead to a table. */
static uint32_t send_table(uint64_t pa, const char *what)
{
	if (pa == 0)
		return 0;
	if (pa >= FOUR_GIB - 36) {      /* beyond the identity map: legal, but out of this kernel's reach */
		acpi.above_4g++;
		return 0;
	}
	uint32_t len = acpi_rd32(pa + 4);       /* FACS too keeps its length at offset 4 */
	if (len < 36 || len > ACPI_MAX_TABLE_BYTES || pa + len > FOUR_GIB) {
		bad_pointer(what, pa);
		return 0;
	}
	if (!already_sent(pa) && acpi.nsent < MAX_ACPI_TABLES)
		send_in_place(pa, len);
	return len;
}

/* The tables an RSDT (entry 4 bytes) or XSDT (8 bytes) lists, and the DSDT/FACS of each FADT. */
static void send_listed(uint64_t sdt, uint32_t len, unsigned entry)
{
	for (uint32_t off = 36; off + entry <= len; off += entry) {
		uint64_t pa = entry == 8 ? acpi_rd64(sdt + off) : acpi_rd32(sdt + off);
		uint32_t tlen = send_table(pa, "listed table");
		if (tlen && acpi_rd32(pa) == ACPI_SIG("FACP")) {
			send_table(acpi_rd32(pa + 40), "FADT.DSDT");
			send_table(acpi_rd32(pa + 36), "FADT.FIRMWARE_CTRL");
			if (tlen >= 148) {
				send_table(acpi_rd64(pa + 140), "FADT.X_DSDT");
				send_table(acpi_rd64(pa + 132), "FADT.X_FIRMWARE_CTRL");
			}
		}
	}
}

const struct acpi_probe *probe_acpi(const struct boot_info *bi)
{
	acpi.boot_rsdp = bi->rsdp_pa;
	acpi.ebda_segment = acpi_ebda_segment();     /* BIOS data area: EBDA segment */
	acpi.scan_rsdp = acpi_rsdp_scan();           /* the first KiB of the EBDA, then 0xE0000-0xFFFFF */

	struct {
		uint64_t boot_info, legacy_scan;
		uint16_t ebda_segment;
		uint16_t reserved[3];
	} __attribute__((packed)) loc = { acpi.boot_rsdp, acpi.scan_rsdp, acpi.ebda_segment, { 0, 0, 0 } };
	abi_record(ABI_RSDP_LOCATION, &loc, sizeof loc);

	acpi.rsdp = acpi_rsdp_valid(acpi.boot_rsdp) ? acpi.boot_rsdp : acpi.scan_rsdp;
	if (!acpi.rsdp)
		return &acpi;
	uint64_t rsdps[2] = { acpi.rsdp, acpi.scan_rsdp };
	for (int i = 0; i < 2; i++) {   /* both copies when the routes disagree */
		uint64_t pa = rsdps[i];
		if (!pa || already_sent(pa))
			continue;
		send_in_place(pa, acpi_rsdp_length(pa));
		uint32_t len;
		if ((len = send_table(acpi_rd32(pa + 16), "RSDT")))
			send_listed(acpi_rd32(pa + 16), len, 4);
		if (acpi_rd8(pa + 15) >= 2) {
			uint64_t xsdt = acpi_rd64(pa + 24);
			if ((len = send_table(xsdt, "XSDT")))
				send_listed(xsdt, len, 8);
		}
	}
	return &acpi;
}

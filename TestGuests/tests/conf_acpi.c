/*
 * conf_acpi - ACPI table conformance: the RSDP by both routes (PVH start info, legacy scan of the
 * EBDA's first KiB and 0xE0000-0xFFFFF) and identical; RSDP, XSDT/RSDT and every listed table's
 * checksum and length; FADT (DSDT pointer, flags, IAPC_BOOT_ARCH 8042 bit against port 0x64);
 * MADT (one enabled local APIC per started CPU with matching ids, one IOAPIC answering at its
 * address, an override for IRQ 0); DSDT header. Tables are read in place; decoding the AML and
 * comparing contents across releases is the host's job (tck abi).
 */
#include "acpi.h"
#include "apstart.h"
#include "libtck.h"

static volatile unsigned checked_in;
static uint32_t lapic_ids[MAX_CPUS];

void ap_main(unsigned index)
{
	if (index < MAX_CPUS)
		lapic_ids[index] = lapic_read(LAPIC_ID) >> 24;
	__atomic_add_fetch(&checked_in, 1, __ATOMIC_RELEASE);
	halt_forever();
}

static void sig_str(uint64_t pa, char out[5])
{
	uint32_t s = acpi_rd32(pa);
	memcpy(out, &s, 4);
	for (int i = 0; i < 4; i++)
		if (out[i] < 0x20 || out[i] >= 0x7F)
			out[i] = '?';
	out[4] = 0;
}

/* Length in range and checksum zero. */
static bool table_valid(uint64_t pa, uint32_t *len_out)
{
	*len_out = 0;
	if (pa == 0 || pa >= (1ull << 32) - 36)
		return false;
	uint32_t len = acpi_rd32(pa + 4);
	*len_out = len;
	return len >= 36 && len <= ACPI_MAX_TABLE_BYTES && pa + len <= (1ull << 32) && acpi_checksum(pa, len) == 0;
}

#define IOAPIC_REGSEL 0x00
#define IOAPIC_WIN    0x10

int main(const struct boot_info *bi)
{
	report_begin("conf_acpi");

	/* ---- RSDP, both routes ---- */
	uint64_t boot = bi->rsdp_pa, scan = acpi_rsdp_scan();
	report_data("acpi.rsdp", "protocol=%s boot_info=%lx legacy_scan=%lx ebda_segment=%x", boot_protocol_name(bi->protocol),
		    (unsigned long)boot, (unsigned long)scan, acpi_ebda_segment());
	if (bi->protocol == BOOT_PROTO_PVH)
		report(acpi_rsdp_valid(boot), "acpi.rsdp_boot_info :: %lx", (unsigned long)boot);
	else
		report_skip("acpi.rsdp_boot_info", "booted by %s, which carries no RSDP", boot_protocol_name(bi->protocol));
	report(scan != 0, "acpi.rsdp_legacy_scan :: %lx", (unsigned long)scan);
	uint64_t rsdp = acpi_rsdp_valid(boot) ? boot : scan;
	if (!rsdp) {
		report_skip("acpi.tables", "no RSDP by either route");
		return report_summary();
	}
	if (acpi_rsdp_valid(boot) && scan) {
		uint32_t len = acpi_rsdp_length(boot);
		bool same = len == acpi_rsdp_length(scan);
		for (uint32_t i = 0; same && i < len; i++)
			same = acpi_rd8(boot + i) == acpi_rd8(scan + i);
		report(same, "acpi.rsdp_routes_identical :: %lx and %lx, %u bytes", (unsigned long)boot, (unsigned long)scan, len);
	} else {
		report_skip("acpi.rsdp_routes_identical", "only one route available");
	}
	uint8_t rev = acpi_rd8(rsdp + 15);
	report(acpi_checksum(rsdp, 20) == 0, "acpi.rsdp_checksum :: revision %u", rev);
	if (rev >= 2)
		report(acpi_rd32(rsdp + 20) >= 36 && acpi_checksum(rsdp, acpi_rsdp_length(rsdp)) == 0,
		       "acpi.rsdp_extended_checksum :: length %u", acpi_rd32(rsdp + 20));
	else
		report_skip("acpi.rsdp_extended_checksum", "RSDP revision %u has no extended part", rev);

	/* ---- XSDT (or RSDT) and every entry ---- */
	uint64_t xsdt = rev >= 2 ? acpi_rd64(rsdp + 24) : 0, rsdt = acpi_rd32(rsdp + 16);
	uint64_t root = xsdt ? xsdt : rsdt;
	unsigned entry = xsdt ? 8 : 4;
	uint32_t rlen;
	char s[5];
	bool root_ok = table_valid(root, &rlen) && acpi_rd32(root) == ACPI_SIG(xsdt ? "XSDT" : "RSDT");
	report(root_ok, "acpi.root_table :: %s at %lx, length %u", xsdt ? "XSDT" : "RSDT", (unsigned long)root, rlen);
	if (xsdt && rsdt) {
		uint32_t l;
		report(table_valid(rsdt, &l) && acpi_rd32(rsdt) == ACPI_SIG("RSDT"), "acpi.rsdt_also_valid :: %lx", (unsigned long)rsdt);
	}
	if (root_ok) {
		unsigned n = 0, bad = 0;
		char first_bad[48] = "";
		for (uint32_t off = 36; off + entry <= rlen && n < 64; off += entry, n++) {
			uint64_t pa = entry == 8 ? acpi_rd64(root + off) : acpi_rd32(root + off);
			uint32_t len;
			bool ok = table_valid(pa, &len);
			char key[24];
			sig_str(pa && pa < (1ull << 32) ? pa : (uint64_t)(uintptr_t)"\0\0\0", s);
			snprintf(key, sizeof key, "acpi.table.%u", n);
			report_data(key, "%s at %lx length %u revision %u", s, (unsigned long)pa, len, ok ? acpi_rd8(pa + 8) : 0);
			if (!ok && !bad++)
				snprintf(first_bad, sizeof first_bad, ": first bad %s at %lx", s, (unsigned long)pa);
		}
		report(n > 0 && bad == 0, "acpi.root_entries :: %u tables, %u bad%s", n, bad, first_bad);
	}

	/* ---- FADT ---- */
	uint64_t fadt = acpi_find(rsdp, "FACP");
	uint32_t flen = fadt ? acpi_rd32(fadt + 4) : 0;
	if (!fadt) {
		report(false, "acpi.fadt_present");
	} else {
		uint8_t frev = acpi_rd8(fadt + 8);
		uint32_t dsdt32 = acpi_rd32(fadt + 40);
		uint64_t xdsdt = flen >= 148 ? acpi_rd64(fadt + 140) : 0;
		uint64_t dsdt = xdsdt ? xdsdt : dsdt32;
		report_data("acpi.fadt", "revision %u length %u dsdt=%x x_dsdt=%lx", frev, flen, dsdt32, (unsigned long)xdsdt);
		report(dsdt != 0 && (!xdsdt || !dsdt32 || xdsdt == dsdt32), "acpi.fadt_dsdt_pointer :: DSDT %x X_DSDT %lx",
		       dsdt32, (unsigned long)xdsdt);
		if (flen >= 116) {
			uint32_t flags = acpi_rd32(fadt + 112);
			report_data("acpi.fadt.flags", "%08x", flags);
			/* ACPI 6.x defines bits 0-21; FORCE_APIC_PHYSICAL_DESTINATION_MODE (19) needs 64-bit targets. */
			report((flags >> 22) == 0, "acpi.fadt_flags_sane :: %08x", flags);
		} else {
			report_skip("acpi.fadt_flags_sane", "FADT length %u has no Flags", flen);
		}
		uint8_t kbc_status = inb(0x64);
		bool i8042 = kbc_status != 0xFF;
		if (flen >= 111 && frev >= 3) {
			uint16_t boot_arch = (uint16_t)(acpi_rd8(fadt + 109) | acpi_rd8(fadt + 110) << 8);
			report_data("acpi.fadt.iapc_boot_arch", "%04x port64=%02x", boot_arch, kbc_status);
			report(!!(boot_arch & 2) == i8042, "acpi.fadt_8042_matches :: IAPC_BOOT_ARCH %04x, port 0x64 reads %02x",
			       boot_arch, kbc_status);
		} else {
			report_skip("acpi.fadt_8042_matches", "FADT revision %u has no IAPC_BOOT_ARCH", frev);
		}

		/* ---- DSDT ---- */
		uint32_t dlen;
		bool dok = table_valid(dsdt, &dlen);
		report(dok && acpi_rd32(dsdt) == ACPI_SIG("DSDT") && dlen > 36, "acpi.dsdt :: at %lx length %u",
		       (unsigned long)dsdt, dlen);
	}

	/* ---- MADT ---- */
	struct madt_info m;
	if (!acpi_parse_madt(acpi_find(rsdp, "APIC"), &m)) {
		report(false, "acpi.madt_present");
		return report_summary();
	}
	report(!m.bad_entry, "acpi.madt_entries_well_formed :: lapics=%u ioapics=%u isos=%u nmis=%u other=%u",
	       m.nlapic, m.nioapic, m.niso, m.nnmi, m.nother);
	report(m.lapic_address == LAPIC_BASE, "acpi.madt_lapic_address :: %x", m.lapic_address);
	unsigned enabled = 0;
	for (unsigned i = 0; i < m.nlapic && i < MADT_MAX_LAPICS; i++)
		enabled += m.lapic_flags[i] & 1;
	unsigned expected = enabled > MAX_CPUS ? MAX_CPUS : enabled ? enabled : 1;
	lapic_ids[0] = lapic_read(LAPIC_ID) >> 24;
	checked_in = 1;
	if (expected > 1)
		ap_start_all(&checked_in, expected);
	unsigned started = __atomic_load_n(&checked_in, __ATOMIC_ACQUIRE);
	report(started == enabled, "acpi.madt_lapic_per_cpu :: %u enabled LAPIC entries, %u CPUs started", enabled, started);
	bool match = true;
	for (unsigned c = 0; c < started; c++) {
		bool found = false;
		for (unsigned i = 0; i < m.nlapic && i < MADT_MAX_LAPICS; i++)
			found |= (m.lapic_flags[i] & 1) && m.lapic_id[i] == lapic_ids[c];
		match &= found;
	}
	report(match, "acpi.madt_lapic_ids_match");
	report(m.nioapic == 1, "acpi.madt_one_ioapic :: %u", m.nioapic);
	if (m.nioapic) {
		volatile uint32_t *io = (volatile uint32_t *)(uintptr_t)m.ioapic_address;
		io[IOAPIC_REGSEL / 4] = 1;
		uint32_t ver = io[IOAPIC_WIN / 4];
		io[IOAPIC_REGSEL / 4] = 0;
		uint32_t id = io[IOAPIC_WIN / 4];
		report_data("acpi.ioapic", "address=%x id=%u gsi_base=%u version_reg=%08x id_reg=%08x", m.ioapic_address,
			    m.ioapic_id, m.ioapic_gsi_base, ver, id);
		uint32_t pins = ((ver >> 16) & 0xFF) + 1;
		report(ver != 0xFFFFFFFF && ver != 0 && (ver & 0xFF) >= 0x11 && pins >= 16 && pins <= 240,
		       "acpi.ioapic_answers :: version %02x, %u pins", ver & 0xFF, pins);
		report(((id >> 24) & 0xF) == m.ioapic_id, "acpi.ioapic_id_matches :: register %u, MADT %u", (id >> 24) & 0xF,
		       m.ioapic_id);
	}
	report(m.iso0, "acpi.madt_iso_irq0 :: GSI %u flags %x", m.iso0_gsi, m.iso0_flags);
	return report_summary();
}

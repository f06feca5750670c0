/* acpi.c - see acpi.h. */
#include "acpi.h"

#include "libtck.h"

static const uint64_t RSDP_SIG = 0x2052545020445352ull;        /* "RSD PTR " */
#define FOUR_GIB (1ull << 32)

uint8_t acpi_checksum(uint64_t pa, uint32_t len)
{
	const volatile uint8_t *p = (const volatile uint8_t *)(uintptr_t)pa;
	uint8_t sum = 0;
	while (len--)
		sum += *p++;
	return sum;
}

uint32_t acpi_rsdp_length(uint64_t pa)
{
	if (acpi_rd8(pa + 15) < 2)
		return 20;
	uint32_t len = acpi_rd32(pa + 20);
	return len < 36 ? 36 : len > 256 ? 256 : len;
}

bool acpi_rsdp_valid(uint64_t pa)
{
	if (pa == 0 || pa >= FOUR_GIB - 256 || acpi_rd64(pa) != RSDP_SIG)
		return false;
	if (acpi_checksum(pa, 20))
		return false;
	return acpi_rd8(pa + 15) < 2 || acpi_checksum(pa, acpi_rsdp_length(pa)) == 0;
}

/* repne scasq: KVM runs the repetitions inside one emulated instruction, so the scan of the BIOS area
 * costs one emulated instruction per candidate found, not one per 8 bytes (every instruction is emulated
 * on the target hosts, ~0.7 us each). */
static uint64_t scan(uint64_t start, uint64_t end)
{
	uint64_t pa = start;
	while (pa + 20 <= end) {
		uint64_t n = (end - pa) / 8;
		uintptr_t p = (uintptr_t)pa;
		bool found;
		__asm__ volatile("repne scasq" : "+D"(p), "+c"(n), "=@ccz"(found) : "a"(RSDP_SIG) : "memory");
		if (!found)
			return 0;
		pa = p - 8;
		if (pa % 16 == 0 && pa + 20 <= end && acpi_rsdp_valid(pa))
			return pa;
		pa += 8;
	}
	return 0;
}

uint16_t acpi_ebda_segment(void)
{
	uintptr_t pa = 0x40E;
	__asm__("" : "+r"(pa));         /* a low constant address looks like null arithmetic to gcc */
	return *(volatile uint16_t *)pa;
}

uint64_t acpi_rsdp_scan(void)
{
	uint64_t ebda = (uint64_t)acpi_ebda_segment() << 4, pa = 0;
	if (ebda >= 0x80000 && ebda < 0xA0000)
		pa = scan(ebda, ebda + 1024);
	return pa ? pa : scan(0xE0000, 0x100000);
}

uint64_t acpi_rsdp(const struct boot_info *bi)
{
	return acpi_rsdp_valid(bi->rsdp_pa) ? bi->rsdp_pa : acpi_rsdp_scan();
}

static bool table_ok(uint64_t pa)
{
	if (pa == 0 || pa >= FOUR_GIB - 36)
		return false;
	uint32_t len = acpi_rd32(pa + 4);
	return len >= 36 && len <= ACPI_MAX_TABLE_BYTES && pa + len <= FOUR_GIB;
}

uint64_t acpi_find(uint64_t rsdp, const char *sig)
{
	if (!rsdp)
		return 0;
	uint64_t sdt = acpi_rd8(rsdp + 15) >= 2 ? acpi_rd64(rsdp + 24) : 0;
	unsigned entry = 8;
	if (!table_ok(sdt)) {
		sdt = acpi_rd32(rsdp + 16);
		entry = 4;
	}
	if (!table_ok(sdt))
		return 0;
	uint32_t len = acpi_rd32(sdt + 4), want = ACPI_SIG(sig);
	for (uint32_t off = 36; off + entry <= len; off += entry) {
		uint64_t pa = entry == 8 ? acpi_rd64(sdt + off) : acpi_rd32(sdt + off);
		if (table_ok(pa) && acpi_rd32(pa) == want)
			return pa;
	}
	return 0;
}

bool acpi_parse_madt(uint64_t madt, struct madt_info *m)
{
	memset(m, 0, sizeof *m);
	if (!table_ok(madt))
		return false;
	uint32_t len = acpi_rd32(madt + 4);
	if (len < 44)
		return false;
	m->lapic_address = acpi_rd32(madt + 36);
	for (uint32_t off = 44; off + 2 <= len;) {
		uint8_t type = acpi_rd8(madt + off), elen = acpi_rd8(madt + off + 1);
		if (elen < 2 || off + elen > len) {
			m->bad_entry = true;
			break;
		}
		uint64_t e = madt + off;
		if (type == 0 && elen >= 8) {
			if (m->nlapic < MADT_MAX_LAPICS) {
				m->lapic_id[m->nlapic] = acpi_rd8(e + 3);
				m->lapic_flags[m->nlapic] = acpi_rd32(e + 4);
			}
			m->nlapic++;
		} else if (type == 9 && elen >= 16) {
			if (m->nlapic < MADT_MAX_LAPICS) {
				m->lapic_id[m->nlapic] = acpi_rd32(e + 4);
				m->lapic_flags[m->nlapic] = acpi_rd32(e + 8);
			}
			m->nlapic++;
		} else if (type == 1 && elen >= 12) {
			if (!m->nioapic) {
				m->ioapic_id = acpi_rd8(e + 2);
				m->ioapic_address = acpi_rd32(e + 4);
				m->ioapic_gsi_base = acpi_rd32(e + 8);
			}
			m->nioapic++;
		} else if (type == 2 && elen >= 10) {
			m->niso++;
			if (acpi_rd8(e + 2) == 0 && acpi_rd8(e + 3) == 0) {
				m->iso0 = true;
				m->iso0_gsi = acpi_rd32(e + 4);
				m->iso0_flags = (uint16_t)(acpi_rd8(e + 8) | acpi_rd8(e + 9) << 8);
			}
		} else if (type == 4) {
			m->nnmi++;
		} else {
			m->nother++;
		}
		off += elen;
	}
	return true;
}

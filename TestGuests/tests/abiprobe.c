/*
 * abiprobe - collects raw observations of the machine and sends them to the host as the binary
 * records of docs/abi-records.md (testdev data stream, else `abi.record` console lines). It does
 * not interpret them: the host builds the fingerprint (thin guest, smart host: every guest
 * instruction is emulated on the target hosts, ~0.7 us each, so loops stay short and nothing
 * walks RAM). The few cases it reports are ones only the guest can judge cheaply.
 *
 * This file is the kernel's main: the areas in the order of docs/abi-records.md, then the closing
 * report. Each area lives in tests/abiprobe/ (probe.h), linked into this kernel only.
 */
#include "abiprobe/probe.h"

#include "abirec.h"
#include "acpi.h"
#include "idt.h"
#include "libtck.h"

int main(const struct boot_info *bi)
{
	static struct virtio_seen_list virtio_seen;

	report_begin("abiprobe");
	idt_init();
	abi_begin();

	unsigned cpuid_entries = probe_cpuid();                 /* 1 */
	probe_memmap(bi);                                       /* 2 */
	const struct acpi_probe *acpi = probe_acpi(bi);         /* 4, 3 */
	unsigned pci_functions = probe_pci(&virtio_seen);       /* 5, 6 */
	probe_lapic();                                          /* 7 */
	unsigned ioapic_pins = probe_ioapic();                  /* 8 */
	unsigned msr_faults = probe_msrs();                     /* 9 */
	probe_cmos();                                           /* 11 */
	probe_ports();                                          /* 10 */
	struct virtio_probe virtio = probe_virtio(&virtio_seen);        /* 12 */

	unsigned records = abi_end();
	const struct abi_stats *st = abi_stats();

	report_data("abiprobe.transport", "%s", st->stream ? "testdev" : "console");
	report_data("abiprobe.sent", "records=%u pieces=%u bytes=%lu sends=%u in_place_fallbacks=%u",
		    st->records, st->pieces, (unsigned long)st->bytes, st->sends, st->in_place_fallbacks);
	report_data("abiprobe.counts", "cpuid=%u pci=%u acpi=%u acpi_above_4g=%u ioapic_pins=%u msr_gp=%u",
		    cpuid_entries, pci_functions, acpi->nsent, acpi->above_4g, ioapic_pins, msr_faults);
	report_data("abiprobe.rsdp", "boot_info=%lx legacy_scan=%lx ebda_segment=%x",
		    (unsigned long)acpi->boot_rsdp, (unsigned long)acpi->scan_rsdp, acpi->ebda_segment);
	if (virtio.functions)
		report_data("abiprobe.virtio", "functions=%u setup_failures=%u", virtio.functions, virtio.setup_failures);

	report(records > 0 && st->rejected == 0, "abiprobe.records_sent :: %u records, %lu bytes, %u rejected sends",
	       records, (unsigned long)st->bytes, st->rejected);
	if (acpi->boot_rsdp)
		report(acpi_rsdp_valid(acpi->boot_rsdp), "abiprobe.rsdp_boot_info_valid :: %lx",
		       (unsigned long)acpi->boot_rsdp);
	if (acpi->rsdp) {
		report(true, "abiprobe.rsdp_found :: %lx", (unsigned long)acpi->rsdp);
		report(acpi->bad_pointers == 0, "abiprobe.acpi_pointers :: %u tables sent%s%s", acpi->nsent,
		       acpi->bad_pointers ? ", first bad pointer: " : "", acpi->bad_what);
	} else {
		report_skip("abiprobe.rsdp_found", "no RSDP via boot info or the legacy scan (no ACPI)");
		report_skip("abiprobe.acpi_pointers", "no ACPI");
	}
	return report_summary();
}

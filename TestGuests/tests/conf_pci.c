/*
 * conf_pci - PCI configuration mechanism #1 (0xCF8/0xCFC) on bus 0: enumeration, absent functions
 * read all-ones, vendor/device/class read-only, command register writable bits, status
 * write-1-to-clear never sets bits, BAR sizing (power-of-two sizes, type bits kept, 64-bit upper
 * halves, original value restored), header types, a host bridge at 00:00.0. Without a device at
 * 00:00.0 (QEMU microvm) there is no PCI: every case is skipped.
 */
#include "libtck.h"
#include "pci.h"

#define MAX_FUNCS 32

struct func { uint8_t dev, fn; };
static struct func funcs[MAX_FUNCS];
static unsigned nfuncs;

static bool pow2(uint64_t v) { return v && !(v & (v - 1)); }

static const char *const cases[] = {
	"pci.host_bridge", "pci.enumeration", "pci.absent_reads_ffff", "pci.ids_read_only", "pci.command_writable",
	"pci.status_w1c", "pci.header_type", "pci.bar_sizing", "pci.bar_restored",
};

int main(const struct boot_info *bi)
{
	(void)bi;
	report_begin("conf_pci");
	uint32_t id0 = pci_read32(0, 0, 0);
	if ((id0 & 0xFFFF) == 0xFFFF) {
		for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++)
			report_skip(cases[i], "no device at 00:00.0 (reads %08x): no PCI on this machine", id0);
		return report_summary();
	}

	/* Enumeration: function 0 of every device, functions 1-7 of multi-function devices. */
	unsigned absent = 0, absent_bad = 0;
	for (unsigned dev = 0; dev < 32; dev++) {
		uint32_t id = pci_read32(dev, 0, 0);
		if ((id & 0xFFFF) == 0xFFFF) {
			absent++;
			absent_bad += id != 0xFFFFFFFF || pci_read32(dev, 0, 8) != 0xFFFFFFFF;
			continue;
		}
		unsigned nfn = (pci_read8(dev, 0, 0xE) & 0x80) ? 8 : 1;
		for (unsigned fn = 0; fn < 8; fn++) {
			uint32_t fid = fn ? pci_read32(dev, fn, 0) : id;
			if ((fid & 0xFFFF) == 0xFFFF) {
				absent++;
				absent_bad += fid != 0xFFFFFFFF;
				continue;
			}
			if (fn >= nfn)          /* single-function device answering on fn>0: legal aliasing, not listed */
				continue;
			if (nfuncs < MAX_FUNCS)
				funcs[nfuncs++] = (struct func){ (uint8_t)dev, (uint8_t)fn };
			char key[24];
			snprintf(key, sizeof key, "pci.00:%02x.%u", dev, fn);
			report_data(key, "id=%04x:%04x class=%06x header=%02x", fid & 0xFFFF, fid >> 16,
				    pci_read32(dev, fn, 8) >> 8, pci_read8(dev, fn, 0xE));
		}
	}
	uint32_t class0 = pci_read32(0, 0, 8) >> 8;
	report((class0 >> 8) == 0x0600 && (pci_read8(0, 0, 0xE) & 0x7F) == 0, "pci.host_bridge :: 00:00.0 %04x:%04x class %06x",
	       id0 & 0xFFFF, id0 >> 16, class0);
	report(nfuncs >= 1, "pci.enumeration :: %u functions", nfuncs);
	report(absent > 0 && absent_bad == 0, "pci.absent_reads_ffff :: %u absent functions probed, %u not all-ones", absent, absent_bad);

	bool ro_ok = true, cmd_ok = true, sts_ok = true, hdr_ok = true, bars_ok = true, restored = true;
	char why[80] = "";
	unsigned nbars = 0;
	for (unsigned i = 0; i < nfuncs; i++) {
		unsigned d = funcs[i].dev, f = funcs[i].fn;
		/* Identity and class: read-only. */
		uint32_t id = pci_read32(d, f, 0), cls = pci_read32(d, f, 8);
		pci_write32(d, f, 0, ~id);
		pci_write32(d, f, 8, ~cls & 0xFFFFFF00);
		if (pci_read32(d, f, 0) != id || pci_read32(d, f, 8) != cls) {
			if (ro_ok)
				snprintf(why, sizeof why, "00:%02x.%u ids %08x/%08x", d, f, pci_read32(d, f, 0), pci_read32(d, f, 8));
			ro_ok = false;
			pci_write32(d, f, 0, id);
			pci_write32(d, f, 8, cls);
		}
		/* Header type. */
		uint8_t hdr = pci_read8(d, f, 0xE);
		hdr_ok &= (hdr & 0x7F) <= 2;
		/* Command: bus master toggles, reserved bits 11-15 stay 0. */
		uint16_t cmd = pci_read16(d, f, 4);
		pci_write16(d, f, 4, (uint16_t)(cmd | 0x0004 | 0xF800));
		uint16_t set = pci_read16(d, f, 4);
		pci_write16(d, f, 4, (uint16_t)(cmd & ~0x0004));
		uint16_t clr = pci_read16(d, f, 4);
		pci_write16(d, f, 4, cmd);
		bool c = (set & 0x0004) && !(clr & 0x0004) && !(set & 0xF800) && pci_read16(d, f, 4) == cmd;
		if (!c && cmd_ok)
			snprintf(why + strlen(why), sizeof why - strlen(why), " 00:%02x.%u cmd %04x set %04x clr %04x", d, f, cmd, set, clr);
		cmd_ok &= c;
		/* Status: writing ones clears (RW1C) or is ignored; never sets; capability bit read-only. */
		uint16_t st = pci_read16(d, f, 6);
		pci_write16(d, f, 6, 0xFFFF);
		uint16_t st2 = pci_read16(d, f, 6);
		sts_ok &= !(st2 & ~st) && (st2 & 0x10) == (st & 0x10);

		/* BARs (header type 0: 6, type 1: 2), decoding off while a BAR holds all-ones. */
		unsigned n = (hdr & 0x7F) == 0 ? 6 : (hdr & 0x7F) == 1 ? 2 : 0;
		if (n && (cmd & 3))
			pci_write16(d, f, 4, (uint16_t)(cmd & ~3));
		for (unsigned b = 0; b < n; b++) {
			unsigned off = 0x10 + 4 * b;
			uint32_t orig = pci_read32(d, f, off);
			pci_write32(d, f, off, 0xFFFFFFFF);
			uint32_t sz = pci_read32(d, f, off);
			pci_write32(d, f, off, orig);
			restored &= pci_read32(d, f, off) == orig;
			if (sz == 0)
				continue;       /* unimplemented */
			nbars++;
			char key[24];
			snprintf(key, sizeof key, "pci.00:%02x.%u.bar%u", d, f, b);
			bool ok;
			if (sz & 1) {           /* I/O: bits 31-16 may be hardwired to 0 */
				uint32_t mask = (sz & ~3u) | 0xFFFF0000u;
				ok = (orig & 1) && pow2((uint64_t)(~mask) + 1) && ((~mask) + 1) >= 4;
				report_data(key, "io orig=%08x sized=%08x size=%u", orig, sz, (~mask) + 1);
			} else {
				unsigned type = (sz >> 1) & 3;
				uint64_t mask = sz & ~0xFull;
				if (type == 2 && b + 1 < n) {
					unsigned hoff = off + 4;
					uint32_t horig = pci_read32(d, f, hoff);
					pci_write32(d, f, hoff, 0xFFFFFFFF);
					uint32_t hsz = pci_read32(d, f, hoff);
					pci_write32(d, f, hoff, horig);
					restored &= pci_read32(d, f, hoff) == horig;
					mask |= (uint64_t)hsz << 32;
					b++;
				} else {
					mask |= 0xFFFFFFFF00000000ull;
				}
				uint64_t size = ~mask + 1;
				ok = type != 1 && type != 3 && ((orig >> 1) & 3) == type && ((orig ^ sz) & 8) == 0 && pow2(size) &&
				     size >= 16;
				report_data(key, "mem%s orig=%08x sized=%08x size=%lx%s", type == 2 ? "64" : "32", orig, sz,
					    (unsigned long)size, sz & 8 ? " prefetchable" : "");
			}
			if (!ok && bars_ok)
				snprintf(why + strlen(why), sizeof why - strlen(why), " %s sized %08x", key, sz);
			bars_ok &= ok;
		}
		if (n && (cmd & 3))
			pci_write16(d, f, 4, cmd);
	}
	report(ro_ok, "pci.ids_read_only :: %s", ro_ok ? "vendor/device/revision/class unchanged after writes" : why);
	report(cmd_ok, "pci.command_writable :: bus master toggles, reserved bits 11-15 read 0%s", cmd_ok ? "" : why);
	report(sts_ok, "pci.status_w1c :: writing ones sets no status bit");
	report(hdr_ok, "pci.header_type :: layouts 0-2 only");
	report(bars_ok, "pci.bar_sizing :: %u implemented BARs%s", nbars, bars_ok ? "" : why);
	report(restored, "pci.bar_restored :: every BAR reads its original value after sizing");
	return report_summary();
}

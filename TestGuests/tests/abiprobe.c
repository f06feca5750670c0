/*
 * abiprobe - collects raw observations of the machine and sends them to the host as the binary
 * records of docs/abi-records.md (testdev data stream, else `abi.record` console lines). It does
 * not interpret them: the host builds the fingerprint (thin guest, smart host: every guest
 * instruction is emulated on the target hosts, ~0.7 us each, so loops stay short and nothing
 * walks RAM). The few cases it reports are ones only the guest can judge cheaply.
 */
#include "abirec.h"
#include "idt.h"
#include "libtck.h"
#include "acpi.h"
#include "virtio.h"

#define ABI_VIRTIO              12      /* docs/abi-records.md; after ABI_CMOS in lib/abirec.h */
#define MAX_VIRTIO_FUNCTIONS    8
#define MAX_VIRTIO_QUEUES       16
#define VIRTIO_CONFIG_BYTES     64
#define VIRTIO_WINDOW_STRIDE    0x01000000u     /* each function's BARs get their own 16 MiB */

#define MAX_LEAVES_PER_RANGE    0x80
#define MAX_SUBLEAVES           64
#define MAX_CPUID_ENTRIES       512
#define MAX_ACPI_TABLES         64
#define MAX_ACPI_TABLE_BYTES    (1u << 20)
#define FOUR_GIB                (1ull << 32)

static uint8_t scratch[MAX_CPUID_ENTRIES * 24] __attribute__((aligned(16)));
static size_t scratch_len;

static void put8(uint8_t v) { scratch[scratch_len++] = v; }
static void put16(uint16_t v) { memcpy(scratch + scratch_len, &v, 2); scratch_len += 2; }
static void put32(uint32_t v) { memcpy(scratch + scratch_len, &v, 4); scratch_len += 4; }
static void put64(uint64_t v) { memcpy(scratch + scratch_len, &v, 8); scratch_len += 8; }

static void flush_scratch(uint16_t type)
{
	if (scratch_len)
		abi_record(type, scratch, scratch_len);
	scratch_len = 0;
}

static uint32_t rd32(uint64_t pa) { return *(volatile uint32_t *)(uintptr_t)pa; }


/* ---- type 1: CPUID ---- */

static unsigned cpuid_entries;

static void cpuid_put(uint32_t leaf, uint32_t sub, struct cpuid_regs r)
{
	if (cpuid_entries == MAX_CPUID_ENTRIES)
		return;
	cpuid_entries++;
	put32(leaf);
	put32(sub);
	put32(r.eax);
	put32(r.ebx);
	put32(r.ecx);
	put32(r.edx);
}

/* Subleaves 1.. of the leaves that have them, each until its own end (at most 64). */
static void cpuid_subleaves(uint32_t leaf, struct cpuid_regs r0)
{
	uint64_t mask = 0;
	uint32_t max_sub = 0;

	switch (leaf) {
	case 7: case 0x14: case 0x17: case 0x18: case 0x1D:
		max_sub = r0.eax;               /* subleaf 0 EAX = highest subleaf */
		break;
	case 0xD: {                             /* XSAVE: 1, then the components of XCR0 | IA32_XSS */
		struct cpuid_regs r1 = cpuid(leaf, 1);
		cpuid_put(leaf, 1, r1);
		mask = ((uint64_t)r0.edx << 32 | r0.eax) | ((uint64_t)r1.edx << 32 | r1.ecx);
		for (uint32_t sub = 2; sub < MAX_SUBLEAVES; sub++)
			if (mask >> sub & 1)
				cpuid_put(leaf, sub, cpuid(leaf, sub));
		return;
	}
	case 0xF:                               /* RDT monitoring: resource bitmap in EDX */
		mask = r0.edx;
		break;
	case 0x10:                              /* RDT allocation: resource bitmap in EBX */
		mask = r0.ebx;
		break;
	default:
		break;
	}
	if (mask) {
		for (uint32_t sub = 1; sub < 32; sub++)
			if (mask >> sub & 1)
				cpuid_put(leaf, sub, cpuid(leaf, sub));
		return;
	}
	if (max_sub) {
		for (uint32_t sub = 1; sub <= max_sub && sub < MAX_SUBLEAVES; sub++)
			cpuid_put(leaf, sub, cpuid(leaf, sub));
		return;
	}
	for (uint32_t sub = 1; sub < MAX_SUBLEAVES; sub++) {
		struct cpuid_regs r = cpuid(leaf, sub);
		switch (leaf) {
		case 4: case 0x8000001D:        /* cache type 0 ends the list */
			if ((r.eax & 0x1f) == 0)
				return;
			break;
		case 0xB: case 0x1F:            /* level type 0 ends the list */
			if (((r.ecx >> 8) & 0xff) == 0)
				return;
			break;
		case 0x12:                      /* SGX: 0, 1, then EPC sections until type 0 */
			if (sub >= 2 && (r.eax & 0xf) == 0)
				return;
			break;
		default:
			return;                 /* no subleaves */
		}
		cpuid_put(leaf, sub, r);
	}
}

static void cpuid_range(uint32_t first, uint32_t max)
{
	if (max < first)
		max = first;
	if (max - first >= MAX_LEAVES_PER_RANGE)
		max = first + MAX_LEAVES_PER_RANGE - 1;
	for (uint32_t leaf = first; leaf <= max; leaf++) {
		struct cpuid_regs r0 = cpuid(leaf, 0);
		cpuid_put(leaf, 0, r0);
		cpuid_subleaves(leaf, r0);
	}
}

static void probe_cpuid(void)
{
	cpuid_range(0, cpuid(0, 0).eax);
	uint32_t hv = cpuid(0x40000000, 0).eax;
	cpuid_range(0x40000000, hv >= 0x40000000 && hv <= 0x400000ff ? hv : 0x40000000);
	cpuid_range(0x80000000, cpuid(0x80000000, 0).eax);
	flush_scratch(ABI_CPUID);
}

/* ---- type 2: memory map ---- */

static void probe_memmap(const struct boot_info *bi)
{
	for (uint32_t i = 0; i < bi->memmap_count; i++) {
		put64(bi->memmap[i].addr);
		put64(bi->memmap[i].size);
		put32(bi->memmap[i].type);
		put32(0);
	}
	/* An empty map is an observation too: send the record with no entries. */
	abi_record(ABI_MEMORY_MAP, scratch, scratch_len);
	scratch_len = 0;
}

/* ---- types 3 and 4: ACPI ---- */

/* RSDP checks and the legacy scan (repne scasq: one emulated instruction) live in lib/acpi.c. */

struct acpi_state {
	uint64_t boot_rsdp, scan_rsdp, rsdp;
	uint16_t ebda_segment;
	uint64_t sent[MAX_ACPI_TABLES];
	unsigned nsent, bad_pointers, above_4g;
	char bad_what[64];
};

static struct acpi_state acpi;

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
	uint32_t len = rd32(pa + 4);    /* FACS too keeps its length at offset 4 */
	if (len < 36 || len > MAX_ACPI_TABLE_BYTES || pa + len > FOUR_GIB) {
		bad_pointer(what, pa);
		return 0;
	}
	if (!already_sent(pa) && acpi.nsent < MAX_ACPI_TABLES)
		send_in_place(pa, len);
	return len;
}

static uint32_t sig(uint64_t pa) { return rd32(pa); }
#define SIG(s) ((uint32_t)(s)[0] | (uint32_t)(s)[1] << 8 | (uint32_t)(s)[2] << 16 | (uint32_t)(s)[3] << 24)

/* The tables an RSDT (entry 4 bytes) or XSDT (8 bytes) lists, and the DSDT/FACS of each FADT. */
static void send_listed(uint64_t sdt, uint32_t len, unsigned entry)
{
	for (uint32_t off = 36; off + entry <= len; off += entry) {
		uint64_t pa = entry == 8 ? *(volatile uint64_t *)(uintptr_t)(sdt + off) : rd32(sdt + off);
		uint32_t tlen = send_table(pa, "listed table");
		if (tlen && sig(pa) == SIG("FACP")) {
			send_table(rd32(pa + 40), "FADT.DSDT");
			send_table(rd32(pa + 36), "FADT.FIRMWARE_CTRL");
			if (tlen >= 148) {
				send_table(*(volatile uint64_t *)(uintptr_t)(pa + 140), "FADT.X_DSDT");
				send_table(*(volatile uint64_t *)(uintptr_t)(pa + 132), "FADT.X_FIRMWARE_CTRL");
			}
		}
	}
}

static void probe_acpi(const struct boot_info *bi)
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
		return;
	uint64_t rsdps[2] = { acpi.rsdp, acpi.scan_rsdp };
	for (int i = 0; i < 2; i++) {   /* both copies when the routes disagree */
		uint64_t pa = rsdps[i];
		if (!pa || already_sent(pa))
			continue;
		send_in_place(pa, acpi_rsdp_length(pa));
		uint32_t len;
		if ((len = send_table(rd32(pa + 16), "RSDT")))
			send_listed(rd32(pa + 16), len, 4);
		if (((const uint8_t *)(uintptr_t)pa)[15] >= 2) {
			uint64_t xsdt = *(volatile uint64_t *)(uintptr_t)(pa + 24);
			if ((len = send_table(xsdt, "XSDT")))
				send_listed(xsdt, len, 8);
		}
	}
}

/* ---- types 5 and 6: PCI bus 0 ---- */

static uint32_t pci_addr(unsigned dev, unsigned fn, unsigned off)
{
	return 0x80000000u | dev << 11 | fn << 8 | (off & 0xFC);
}

static uint32_t pci_read(unsigned dev, unsigned fn, unsigned off)
{
	outl(0xCF8, pci_addr(dev, fn, off));
	return inl(0xCFC);
}

static void pci_write(unsigned dev, unsigned fn, unsigned off, uint32_t v)
{
	outl(0xCF8, pci_addr(dev, fn, off));
	outl(0xCFC, v);
}

static unsigned pci_functions;

/* Modern virtio functions (1af4:1040-107f) seen by probe_pci, probed last by probe_virtio. */
static struct virtio_seen {
	uint8_t dev, fn;
	uint16_t device_id, cmd;
	uint32_t bar[6];
} virtio_seen[MAX_VIRTIO_FUNCTIONS];
static unsigned virtio_nseen;

/* type 6 entries go to scratch; the caller sends them as one record. */
static void pci_size_bars(unsigned dev, unsigned fn, const uint32_t *cfg)
{
	unsigned layout = (cfg[3] >> 16) & 0x7f;
	unsigned nbars = layout == 0 ? 6 : layout == 1 ? 2 : 0;
	bool host_bridge = (cfg[2] >> 16) == 0x0600;
	uint16_t cmd = (uint16_t)cfg[1];
	if (!nbars)
		return;
	if (!host_bridge && (cmd & 3)) {        /* no decoding while a BAR holds all-ones (as Linux) */
		outl(0xCF8, pci_addr(dev, fn, 4));
		outw(0xCFC, cmd & ~3);
	}
	for (unsigned i = 0; i < nbars; i++) {
		unsigned off = 0x10 + 4 * i;
		uint32_t orig = cfg[off / 4];
		pci_write(dev, fn, off, 0xFFFFFFFF);
		uint32_t after = pci_read(dev, fn, off);
		pci_write(dev, fn, off, orig);
		if (orig || after) {
			put8(0);
			put8((uint8_t)dev);
			put8((uint8_t)fn);
			put8((uint8_t)i);
			put32(orig);
			put32(after);
		}
	}
	if (!host_bridge && (cmd & 3)) {
		outl(0xCF8, pci_addr(dev, fn, 4));
		outw(0xCFC, cmd);
	}
}

static void probe_pci(void)
{
	static uint8_t rec[4 + 256] __attribute__((aligned(4)));
	uint32_t *cfg = (uint32_t *)(rec + 4);

	for (unsigned dev = 0; dev < 32; dev++) {
		if ((pci_read(dev, 0, 0) & 0xFFFF) == 0xFFFF)
			continue;
		unsigned nfn = (pci_read(dev, 0, 0xC) & 0x800000) ? 8 : 1;
		for (unsigned fn = 0; fn < nfn; fn++) {
			if ((pci_read(dev, fn, 0) & 0xFFFF) == 0xFFFF)
				continue;
			rec[0] = 0;
			rec[1] = (uint8_t)dev;
			rec[2] = (uint8_t)fn;
			rec[3] = 0;
			for (unsigned i = 0; i < 64; i++)
				cfg[i] = pci_read(dev, fn, 4 * i);
			abi_record(ABI_PCI_FUNCTION, rec, sizeof rec);
			pci_functions++;
			uint16_t vendor = (uint16_t)cfg[0], device_id = (uint16_t)(cfg[0] >> 16);
			if (vendor == VIRTIO_PCI_VENDOR && device_id >= 0x1040 && device_id <= 0x107F &&
			    virtio_nseen < MAX_VIRTIO_FUNCTIONS) {
				struct virtio_seen *v = &virtio_seen[virtio_nseen++];
				v->dev = (uint8_t)dev;
				v->fn = (uint8_t)fn;
				v->device_id = device_id;
				v->cmd = (uint16_t)cfg[1];
				memcpy(v->bar, &cfg[4], sizeof v->bar);
			}
			pci_size_bars(dev, fn, cfg);
		}
	}
	flush_scratch(ABI_PCI_BARS);
}

/* ---- types 7 and 8: local APIC, IOAPIC ---- */

static void probe_lapic(void)
{
	static const uint16_t regs[] = {
		0x020, 0x030, 0x080, 0x0D0, 0x0E0, 0x0F0,       /* ID, version, TPR, LDR, DFR, SVR */
		0x320, 0x330, 0x340, 0x350, 0x360, 0x370,       /* LVT timer, thermal, perf, LINT0, LINT1, error */
		0x380, 0x3E0,                                   /* timer initial count, divide config */
	};
	for (unsigned i = 0; i < sizeof regs / sizeof regs[0]; i++) {
		put32(regs[i]);
		put32(lapic_read(regs[i]));
	}
	flush_scratch(ABI_LOCAL_APIC);
}

#define IOAPIC_BASE     0xFEC00000UL

static uint32_t ioapic_read(uint32_t index)
{
	*(volatile uint32_t *)IOAPIC_BASE = index;
	return *(volatile uint32_t *)(IOAPIC_BASE + 0x10);
}

static unsigned ioapic_pins;

static void probe_ioapic(void)
{
	uint32_t version = 0;
	for (uint32_t index = 0; index < 3; index++) {
		uint32_t v = ioapic_read(index);
		if (index == 1)
			version = v;
		put32(index);
		put32(v);
	}
	/* Absent (all-ones or zero): no redirection table. At most 120 entries fit the 8-bit index. */
	if (version != 0xFFFFFFFF && version != 0) {
		ioapic_pins = ((version >> 16) & 0xFF) + 1;
		if (ioapic_pins > 120)
			ioapic_pins = 120;
		for (uint32_t pin = 0; pin < ioapic_pins; pin++) {
			for (uint32_t half = 0; half < 2; half++) {
				put32(0x10 + 2 * pin + half);
				put32(ioapic_read(0x10 + 2 * pin + half));
			}
		}
	}
	flush_scratch(ABI_IOAPIC);
}

/* ---- type 9: MSRs ---- */

static unsigned msr_faults;

static void probe_msrs(void)
{
	static const uint32_t msrs[] = {
		0x17,           /* IA32_PLATFORM_ID */
		0x1B,           /* IA32_APIC_BASE */
		0x3A,           /* IA32_FEATURE_CONTROL */
		0x48, 0x49,     /* SPEC_CTRL, PRED_CMD (write-only) */
		0x8B,           /* microcode revision / AMD patch level */
		0xFE,           /* MTRRCAP */
		0x10A,          /* ARCH_CAPABILITIES */
		0x179,          /* MCG_CAP */
		0x1A0,          /* MISC_ENABLE */
		0x277,          /* PAT */
		0x2FF,          /* MTRR default type */
		0x11, 0x12,     /* KVM wall clock / system time (old) */
		0x4b564d00, 0x4b564d01, 0x4b564d02, 0x4b564d03, 0x4b564d04, 0x4b564d05, /* KVM */
		0xC0000080,     /* EFER */
		0xC0000081, 0xC0000082, 0xC0000083, 0xC0000084, /* STAR, LSTAR, CSTAR, SFMASK */
		0xC0000103,     /* TSC_AUX */
		0xC0010015,     /* AMD HWCR */
		0xC0010114,     /* AMD VM_CR */
	};
	for (unsigned i = 0; i < sizeof msrs / sizeof msrs[0]; i++) {
		uint64_t v;
		int err = safe_rdmsr(msrs[i], &v);
		msr_faults += err != 0;
		put32(msrs[i]);
		put32(err ? 1 : 0);
		put64(v);
	}
	flush_scratch(ABI_MSR);
}

/* ---- type 11: CMOS; type 10: port probes (after CMOS and PCI, so 0x71 and 0xCF8 read what
 * this kernel selected last: CMOS 0x7F and the last PCI address, not firmware leftovers) ---- */

static bool cmos_clock(unsigned index)
{
	return index <= 0x09 || index == 0x32;  /* time, alarm, date; century */
}

static void probe_cmos(void)
{
	for (unsigned index = 0x0A; index < 0x80; index++) {
		if (cmos_clock(index))
			continue;
		outb(0x70, (uint8_t)index);     /* bit 7 clear: NMI stays enabled */
		put8((uint8_t)index);
		put8(inb(0x71));
	}
	flush_scratch(ABI_CMOS);
}

static void probe_ports(void)
{
	static const struct { uint16_t port; uint8_t width; } ports[] = {
		{ 0x61, 1 },    /* system control port B */
		{ 0x92, 1 },    /* fast A20 / system control port A */
		{ 0x64, 1 },    /* i8042 status */
		{ 0x70, 1 },    /* CMOS index (read back, no write) */
		{ 0x71, 1 },    /* CMOS data of the last index (0x7F) */
		{ 0x3FA, 1 },   /* COM1 IIR */
		{ 0x3FD, 1 },   /* COM1 LSR */
		{ 0xCF8, 4 },   /* PCI config address */
		{ 0x2F8, 1 },   /* COM2 */
		{ 0x378, 1 },   /* LPT1 */
		{ 0x402, 1 },   /* debugcon (QEMU, SeaBIOS) */
		{ 0x510, 2 },   /* fw_cfg selector */
		{ 0x80, 1 },    /* POST code */
	};
	for (unsigned i = 0; i < sizeof ports / sizeof ports[0]; i++) {
		uint16_t port = ports[i].port;
		uint32_t v = ports[i].width == 1 ? inb(port) : ports[i].width == 2 ? inw(port) : inl(port);
		put16(port);
		put8(ports[i].width);
		put8(0);
		put32(v);
	}
	flush_scratch(ABI_PORT_PROBE);
}

/* ---- type 12: virtio functions (after the ports: it moves BARs and the 0xCF8 address) ---- */

static unsigned virtio_functions, virtio_setup_failures;

static void probe_one_virtio(unsigned k)
{
	const struct virtio_seen *v = &virtio_seen[k];
	unsigned type = v->device_id - VIRTIO_PCI_MODERN_BASE;
	static struct virtio_pci_dev d;
	int rc = -1;
	/* The library finds the index-th function of a type (transitional ones too): step to this one. */
	for (unsigned index = 0; index < MAX_VIRTIO_FUNCTIONS; index++) {
		rc = virtio_pci_find(&d, 0, type, index, VIRTIO_BAR_WINDOW_DEFAULT + k * VIRTIO_WINDOW_STRIDE);
		if (d.device_id == 0 || (d.dev == v->dev && d.fn == v->fn))
			break;
	}
	bool found = d.device_id != 0 && d.dev == v->dev && d.fn == v->fn;
	bool ok = found && rc == 0;
	virtio_setup_failures += !ok;

	uint64_t offered = 0;
	uint16_t num_queues = 0, qsize[MAX_VIRTIO_QUEUES];
	unsigned nq = 0, ncfg = 0;
	uint32_t devcfg[VIRTIO_CONFIG_BYTES / 4];
	if (ok) {
		volatile uint8_t *c = d.common;
		virtio_reset(&d);
		c[VIRTIO_COMMON_STATUS] = VIRTIO_STATUS_ACKNOWLEDGE;
		c[VIRTIO_COMMON_STATUS] = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
		*(volatile uint32_t *)(c + VIRTIO_COMMON_DFSELECT) = 0;
		offered = *(volatile uint32_t *)(c + VIRTIO_COMMON_DF);
		*(volatile uint32_t *)(c + VIRTIO_COMMON_DFSELECT) = 1;
		offered |= (uint64_t)*(volatile uint32_t *)(c + VIRTIO_COMMON_DF) << 32;
		num_queues = *(volatile uint16_t *)(c + VIRTIO_COMMON_NUMQ);
		nq = num_queues < MAX_VIRTIO_QUEUES ? num_queues : MAX_VIRTIO_QUEUES;
		for (unsigned q = 0; q < nq; q++) {     /* queue_size is only read, never written */
			*(volatile uint16_t *)(c + VIRTIO_COMMON_Q_SELECT) = (uint16_t)q;
			qsize[q] = *(volatile uint16_t *)(c + VIRTIO_COMMON_Q_SIZE);
		}
		if (d.device) {
			ncfg = (d.device_len < VIRTIO_CONFIG_BYTES ? d.device_len : VIRTIO_CONFIG_BYTES) & ~3u;
			for (unsigned tries = 0; tries < 4; tries++) {
				uint8_t gen = c[VIRTIO_COMMON_CFGGENERATION];
				for (unsigned i = 0; i < ncfg / 4; i++)
					devcfg[i] = virtio_dev_read32(&d, 4 * i);
				if (c[VIRTIO_COMMON_CFGGENERATION] == gen)
					break;
			}
		}
		virtio_reset(&d);                       /* leave it as found: reset */
	}

	put8(0);
	put8(v->dev);
	put8(v->fn);
	put8(ok ? 0 : 1);
	put16(v->device_id);
	put16((uint16_t)type);
	put64(offered);
	put16(num_queues);
	put16(found && d.caps.msix ? d.caps.msix_table_size : 0);
	unsigned ncaps = found ? d.caps_list.n : 0;
	put8((uint8_t)nq);
	put8((uint8_t)ncaps);
	put16((uint16_t)ncfg);
	for (unsigned q = 0; q < nq; q++)
		put16(qsize[q]);
	for (unsigned i = 0; i < ncaps; i++) {
		unsigned off = d.caps_list.off[i];
		bool vendor = d.caps_list.id[i] == PCI_CAP_ID_VNDR && off + 16 <= 256;
		uint32_t w0 = vendor ? virtio_cfg_read32(&d, off) : 0;
		put8((uint8_t)off);
		put8(d.caps_list.id[i]);
		put8((uint8_t)(w0 >> 24));                                      /* cfg_type */
		put8(vendor ? (uint8_t)virtio_cfg_read32(&d, off + 4) : 0);     /* bar */
		put32(vendor ? virtio_cfg_read32(&d, off + 8) : 0);             /* offset */
		put32(vendor ? virtio_cfg_read32(&d, off + 12) : 0);            /* length */
	}
	memcpy(scratch + scratch_len, devcfg, ncfg);
	scratch_len += ncfg;
	flush_scratch(ABI_VIRTIO);
	virtio_functions++;

	if (found) {    /* decoding off as found, then the BARs the library placed back */
		outl(0xCF8, pci_addr(v->dev, v->fn, 4));
		outw(0xCFC, v->cmd);
		for (unsigned i = 0; i < 6; i++)
			if (d.bar_assigned >> i & 1) {
				pci_write(v->dev, v->fn, 0x10 + 4 * i, v->bar[i]);
				if (i < 5)
					pci_write(v->dev, v->fn, 0x14 + 4 * i, v->bar[i + 1]);
			}
	}
}

static void probe_virtio(void)
{
	for (unsigned k = 0; k < virtio_nseen; k++)
		probe_one_virtio(k);
}

/* ---- main ---- */

int main(const struct boot_info *bi)
{
	report_begin("abiprobe");
	idt_init();
	abi_begin();

	probe_cpuid();
	probe_memmap(bi);
	probe_acpi(bi);
	probe_pci();
	probe_lapic();
	probe_ioapic();
	probe_msrs();
	probe_cmos();
	probe_ports();
	probe_virtio();

	unsigned records = abi_end();
	const struct abi_stats *st = abi_stats();

	report_data("abiprobe.transport", "%s", st->stream ? "testdev" : "console");
	report_data("abiprobe.sent", "records=%u pieces=%u bytes=%lu sends=%u in_place_fallbacks=%u",
		    st->records, st->pieces, (unsigned long)st->bytes, st->sends, st->in_place_fallbacks);
	report_data("abiprobe.counts", "cpuid=%u pci=%u acpi=%u acpi_above_4g=%u ioapic_pins=%u msr_gp=%u",
		    cpuid_entries, pci_functions, acpi.nsent, acpi.above_4g, ioapic_pins, msr_faults);
	report_data("abiprobe.rsdp", "boot_info=%lx legacy_scan=%lx ebda_segment=%x",
		    (unsigned long)acpi.boot_rsdp, (unsigned long)acpi.scan_rsdp, acpi.ebda_segment);
	if (virtio_functions)
		report_data("abiprobe.virtio", "functions=%u setup_failures=%u", virtio_functions, virtio_setup_failures);

	report(records > 0 && st->rejected == 0, "abiprobe.records_sent :: %u records, %lu bytes, %u rejected sends",
	       records, (unsigned long)st->bytes, st->rejected);
	if (acpi.boot_rsdp)
		report(acpi_rsdp_valid(acpi.boot_rsdp), "abiprobe.rsdp_boot_info_valid :: %lx",
		       (unsigned long)acpi.boot_rsdp);
	if (acpi.rsdp) {
		report(true, "abiprobe.rsdp_found :: %lx", (unsigned long)acpi.rsdp);
		report(acpi.bad_pointers == 0, "abiprobe.acpi_pointers :: %u tables sent%s%s", acpi.nsent,
		       acpi.bad_pointers ? ", first bad pointer: " : "", acpi.bad_what);
	} else {
		report_skip("abiprobe.rsdp_found", "no RSDP via boot info or the legacy scan (no ACPI)");
		report_skip("abiprobe.acpi_pointers", "no ACPI");
	}
	return report_summary();
}

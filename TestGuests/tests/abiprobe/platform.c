/*
 * platform.c - the fixed platform devices: types 7 (local APIC), 8 (IOAPIC), 9 (MSRs), 11 (CMOS)
 * and 10 (port probes, after CMOS and PCI so that 0x71 and 0xCF8 read what this kernel selected
 * last: CMOS 0x7F and the last PCI address, not firmware leftovers).
 */
#include "probe.h"

#include "abirec.h"
#include "idt.h"
#include "libtck.h"

/* Type 7: the xAPIC registers that do not vary, via MMIO at 0xFEE00000 (lib/io.h). */
void probe_lapic(void)
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
	scratch_flush(ABI_LOCAL_APIC);
}

/* Type 8: ID, version, arbitration, then the redirection table, via index/data. */
#define IOAPIC_BASE     0xFEC00000UL

static uint32_t ioapic_read(uint32_t index)
{
	*(volatile uint32_t *)IOAPIC_BASE = index;
	return *(volatile uint32_t *)(IOAPIC_BASE + 0x10);
}

unsigned probe_ioapic(void)
{
	uint32_t version = 0;
	unsigned pins = 0;
	for (uint32_t index = 0; index < 3; index++) {
		uint32_t v = ioapic_read(index);
		if (index == 1)
			version = v;
		put32(index);
		put32(v);
	}
	/* Absent (all-ones or zero): no redirection table. At most 120 entries fit the 8-bit index. */
	if (version != 0xFFFFFFFF && version != 0) {
		pins = ((version >> 16) & 0xFF) + 1;
		if (pins > 120)
			pins = 120;
		for (uint32_t pin = 0; pin < pins; pin++) {
			for (uint32_t half = 0; half < 2; half++) {
				put32(0x10 + 2 * pin + half);
				put32(ioapic_read(0x10 + 2 * pin + half));
			}
		}
	}
	scratch_flush(ABI_IOAPIC);
	return pins;
}

/* Type 9: a fixed list, each read with a #GP fixup (lib/idt.h). Not the TSC, which varies. */
unsigned probe_msrs(void)
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
	unsigned faults = 0;
	for (unsigned i = 0; i < sizeof msrs / sizeof msrs[0]; i++) {
		uint64_t v;
		int err = safe_rdmsr(msrs[i], &v);
		faults += err != 0;
		put32(msrs[i]);
		put32(err ? 1 : 0);
		put64(v);
	}
	scratch_flush(ABI_MSR);
	return faults;
}

/* Type 11: 0x0A-0x7F but the clock. */
static bool cmos_clock(unsigned index)
{
	return index <= 0x09 || index == 0x32;  /* time, alarm, date; century */
}

void probe_cmos(void)
{
	for (unsigned index = 0x0A; index < 0x80; index++) {
		if (cmos_clock(index))
			continue;
		outb(0x70, (uint8_t)index);     /* bit 7 clear: NMI stays enabled */
		put8((uint8_t)index);
		put8(inb(0x71));
	}
	scratch_flush(ABI_CMOS);
}

/* Type 10: reads only, of a fixed list of ports. */
void probe_ports(void)
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
	scratch_flush(ABI_PORT_PROBE);
}

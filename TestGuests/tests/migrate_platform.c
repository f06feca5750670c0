/*
 * migrate_platform - the platform devices, the clocks and pending interrupts across a save and a
 * restore in a new process (the migration group; lib/migrate.h). Two saves.
 *
 * Save 1. Before it the kernel gives the devices distinctive values and records them raw: the UART
 * (IER, LCR 8E1, MCR, SCR, divisor 3), the 8259 masks (0x21/0xA1), every IOAPIC redirection entry
 * (masked, with vector, trigger, polarity and destination mode varied per pin), the command register,
 * BARs and interrupt line (set per function) of every PCI function on bus 0, and the LAPIC timer
 * (periodic, masked, divide by 64, initial count 2^30). It reads the TSC and the RTC just before the
 * request and just after it. Cases: each device reads what it held; the TSC is monotonic and moved
 * at most TSC_BOUND_S seconds (calibrated TSC); the RTC is monotonic and moved at most RTC_BOUND_S
 * seconds (docs/guest-interface.md#save-and-restore); the LAPIC timer keeps LVT, divide and initial
 * count and its current count still counts down.
 *
 * Save 2. With interrupts off, a self-IPI (vector 0x43) and a LAPIC one-shot timer that expired
 * (vector 0x44) are left pending in the IRR across the save; after it, interrupts on: each handler
 * runs exactly once.
 */
#include "acpi.h"
#include "idt.h"
#include "libtck.h"
#include "migrate.h"
#include "pci.h"

#define V_TIMER_PERIODIC 0x42
#define V_IPI           0x43
#define V_ONESHOT       0x44
#define V_SPURIOUS      0xFF
#define COM1            0x3F8
#define TSC_BOUND_S     20
#define RTC_BOUND_S     60
#define MAX_FUNCS       32
#define MAX_PINS        120

static volatile unsigned ipis, oneshots, pic_irqs, spurious;
static void on_ipi(struct idt_frame *f) { (void)f; ipis++; lapic_write(LAPIC_EOI, 0); }
static void on_oneshot(struct idt_frame *f) { (void)f; oneshots++; lapic_write(LAPIC_EOI, 0); }
static void on_pic(struct idt_frame *f) { (void)f; pic_irqs++; }
static void on_spurious(struct idt_frame *f) { (void)f; spurious++; }

static volatile uint32_t *ioapic;
static uint32_t ioapic_read(uint32_t reg) { ioapic[0] = reg; return ioapic[4]; }
static void ioapic_write(uint32_t reg, uint32_t v) { ioapic[0] = reg; ioapic[4] = v; }

struct uart { uint8_t ier, lcr, mcr, scr; uint16_t divisor; };
struct pci_func { uint8_t dev, fn, nbars; uint16_t cmd; uint8_t line; uint32_t bar[6]; };
struct platform {
	struct uart uart;
	uint8_t pic_master, pic_slave;
	uint32_t ioapic_id, npins, redir[MAX_PINS][2];
	unsigned nfuncs;
	struct pci_func pci[MAX_FUNCS];
	uint32_t lvt, dcr, icr, ccr;
};

static struct platform before, after;

static uint8_t cmos(uint8_t index)
{
	outb(0x70, index);
	return inb(0x71);
}

/* The time registers between updates; reg B in *b. -1 when there is no RTC or a field is bad. */
static int64_t rtc_now(uint8_t *b)
{
	for (unsigned i = 0; i < 10000 && (cmos(0x0A) & 0x80); i++)
		;
	uint8_t raw[7] = { cmos(0), cmos(2), cmos(4), cmos(7), cmos(8), cmos(9), cmos(0x32) };
	*b = cmos(0x0B);
	return rtc_seconds(raw, *b);
}

static void read_uart(struct uart *u)
{
	u->ier = inb(COM1 + 1);
	u->lcr = inb(COM1 + 3);
	u->mcr = inb(COM1 + 4);
	u->scr = inb(COM1 + 7);
	outb(COM1 + 3, (uint8_t)(u->lcr | 0x80));
	u->divisor = (uint16_t)(inb(COM1) | inb(COM1 + 1) << 8);
	outb(COM1 + 3, u->lcr);
}

static void set_uart(uint8_t ier, uint8_t lcr, uint8_t mcr, uint8_t scr, uint16_t divisor)
{
	outb(COM1 + 3, 0x80);
	outb(COM1, (uint8_t)divisor);
	outb(COM1 + 1, (uint8_t)(divisor >> 8));
	outb(COM1 + 3, lcr);
	outb(COM1 + 1, ier);
	outb(COM1 + 4, mcr);
	outb(COM1 + 7, scr);
}

static void list_pci(struct platform *p)
{
	p->nfuncs = 0;
	for (unsigned dev = 0; dev < 32; dev++) {
		if ((pci_read32(dev, 0, 0) & 0xFFFF) == 0xFFFF)
			continue;
		unsigned nfn = (pci_read8(dev, 0, 0xE) & 0x80) ? 8 : 1;
		for (unsigned fn = 0; fn < nfn && p->nfuncs < MAX_FUNCS; fn++) {
			if (fn && (pci_read32(dev, fn, 0) & 0xFFFF) == 0xFFFF)
				continue;
			struct pci_func *f = &p->pci[p->nfuncs++];
			uint8_t hdr = pci_read8(dev, fn, 0xE) & 0x7F;
			f->dev = (uint8_t)dev;
			f->fn = (uint8_t)fn;
			f->nbars = hdr == 0 ? 6 : hdr == 1 ? 2 : 0;
		}
	}
}

static void read_platform(struct platform *p, const struct platform *layout)
{
	read_uart(&p->uart);
	p->pic_master = inb(0x21);
	p->pic_slave = inb(0xA1);
	p->ioapic_id = ioapic_read(0);
	p->npins = ((ioapic_read(1) >> 16) & 0xFF) + 1;
	for (uint32_t i = 0; i < p->npins && i < MAX_PINS; i++) {
		p->redir[i][0] = ioapic_read(0x10 + 2 * i);
		p->redir[i][1] = ioapic_read(0x11 + 2 * i);
	}
	p->nfuncs = layout->nfuncs;
	for (unsigned i = 0; i < layout->nfuncs; i++) {
		struct pci_func *f = &p->pci[i];
		*f = layout->pci[i];
		f->cmd = pci_read16(f->dev, f->fn, 4);
		f->line = pci_read8(f->dev, f->fn, 0x3C);
		for (unsigned b = 0; b < f->nbars; b++)
			f->bar[b] = pci_read32(f->dev, f->fn, 0x10 + 4 * b);
	}
	p->lvt = lapic_read(LAPIC_LVT_TIMER);
	p->dcr = lapic_read(LAPIC_TIMER_DCR);
	p->icr = lapic_read(LAPIC_TIMER_ICR);
	p->ccr = lapic_read(LAPIC_TIMER_CCR);
}

static void pic_init(uint8_t master_mask, uint8_t slave_mask)
{
	outb(0x20, 0x11); outb(0xA0, 0x11);     /* ICW1: init, ICW4 follows */
	outb(0x21, 0x20); outb(0xA1, 0x28);     /* ICW2: vectors 0x20-0x2F */
	outb(0x21, 0x04); outb(0xA1, 0x02);     /* ICW3: cascade on IRQ 2 */
	outb(0x21, 0x01); outb(0xA1, 0x01);     /* ICW4: 8086 mode */
	outb(0x21, master_mask); outb(0xA1, slave_mask);
}

static bool irr(unsigned v) { return lapic_read(LAPIC_IRR + 0x10 * (v / 32)) >> (v % 32) & 1; }

static void window(unsigned n)
{
	__asm__ volatile("sti" ::: "memory");
	while (n--)
		cpu_relax();
	__asm__ volatile("cli" ::: "memory");
}

static const char *const save1_cases[] = {
	"migrate.uart", "migrate.pic_masks", "migrate.ioapic", "migrate.pci", "migrate.tsc", "migrate.rtc", "migrate.lapic_timer",
};
static const char *const save2_cases[] = { "migrate.irq.self_ipi_once", "migrate.irq.lapic_oneshot_once" };

static void skip_all(const char *const *names, unsigned n, const char *why)
{
	for (unsigned i = 0; i < n; i++)
		report_skip(names[i], "%s", why);
}

int main(const struct boot_info *bi)
{
	char why[200];
	report_begin("migrate_platform");
	idt_init();
	idt_set_handler(V_IPI, on_ipi);
	idt_set_handler(V_ONESHOT, on_oneshot);
	idt_set_handler(V_TIMER_PERIODIC, on_spurious);
	idt_set_handler(V_SPURIOUS, on_spurious);
	for (unsigned v = 0x20; v < 0x30; v++)
		idt_set_handler(v, on_pic);
	const char *src;
	uint64_t hz = tsc_hz(&src);
	report_data("migrate.method", "%s", tck_migrate_method());
	report_data("migrate.tsc_hz", "%lu (%s)", (unsigned long)hz, src);
	lapic_write(LAPIC_SVR, 0x100 | V_SPURIOUS);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);       /* the 8259 never reaches the CPU */
	lapic_write(LAPIC_TPR, 0);

	/* ---- distinctive device state ---- */
	set_uart(0x05, 0x1B, 0x0B, 0xA5, 3);            /* RDA+RLS interrupts, 8E1, DTR RTS OUT2, divisor 3 */
	pic_init(0xB5, 0x6E);
	struct madt_info m;
	bool have_madt = acpi_parse_madt(acpi_find(acpi_rsdp(bi), "APIC"), &m) && m.nioapic;
	ioapic = (volatile uint32_t *)(uintptr_t)(have_madt ? m.ioapic_address : 0xFEC00000u);
	uint32_t npins = ((ioapic_read(1) >> 16) & 0xFF) + 1;
	for (uint32_t i = 0; i < npins && i < MAX_PINS; i++) {
		uint32_t low = LVT_MASKED | (0x30 + i) | (i & 1 ? 1u << 15 : 0) | (i & 2 ? 1u << 13 : 0) | (i & 4 ? 1u << 11 : 0);
		ioapic_write(0x11 + 2 * i, (uint32_t)((i * 7) & 0xFF) << 24);
		ioapic_write(0x10 + 2 * i, low);
	}
	list_pci(&before);
	for (unsigned i = 0; i < before.nfuncs; i++) {
		struct pci_func *f = &before.pci[i];
		uint32_t v = pci_read32(f->dev, f->fn, 0x3C);
		pci_write32(f->dev, f->fn, 0x3C, (v & ~0xFFu) | (0x40 + i));
	}
	lapic_write(LAPIC_TIMER_DCR, 0x9);              /* divide by 64 */
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | LVT_PERIODIC | V_TIMER_PERIODIC);
	lapic_write(LAPIC_TIMER_ICR, 1u << 30);
	read_platform(&before, &before);
	report_data("migrate.ioapic", "%u pins at %lx, id %08x", before.npins, (unsigned long)(uintptr_t)ioapic, before.ioapic_id);
	report_data("migrate.pci", "%u functions", before.nfuncs);

	/* ---- save 1 ---- */
	uint8_t b0, b1;
	int64_t rtc0 = rtc_now(&b0);
	uint64_t tsc0 = rdtsc();
	uint32_t g1 = tck_migrate(1);
	uint64_t tsc1 = rdtsc();
	int64_t rtc1 = rtc_now(&b1);
	uint32_t ccr_a = lapic_read(LAPIC_TIMER_CCR);
	read_platform(&after, &before);
	uint32_t ccr_b = lapic_read(LAPIC_TIMER_CCR);
	if (g1 != 1) {
		skip_all(save1_cases, sizeof save1_cases / sizeof save1_cases[0], "save 1 did not happen");
		skip_all(save2_cases, sizeof save2_cases / sizeof save2_cases[0], "save 1 did not happen");
		set_uart(0, 0x03, 0x03, 0, 1);
		return report_summary();
	}
	const struct uart *u0 = &before.uart, *u1 = &after.uart;
	report(u0->ier == u1->ier && u0->lcr == u1->lcr && u0->mcr == u1->mcr && u0->scr == u1->scr && u0->divisor == u1->divisor,
	       "migrate.uart :: IER %02x LCR %02x MCR %02x SCR %02x divisor %u (before %02x %02x %02x %02x %u)", u1->ier, u1->lcr,
	       u1->mcr, u1->scr, u1->divisor, u0->ier, u0->lcr, u0->mcr, u0->scr, u0->divisor);
	report(before.pic_master == after.pic_master && before.pic_slave == after.pic_slave,
	       "migrate.pic_masks :: %02x %02x (before %02x %02x)", after.pic_master, after.pic_slave, before.pic_master, before.pic_slave);
	unsigned bad_pins = 0, first_pin = 0;
	for (uint32_t i = 0; i < before.npins && i < MAX_PINS; i++)
		if ((before.redir[i][0] != after.redir[i][0] || before.redir[i][1] != after.redir[i][1]) && !bad_pins++)
			first_pin = i;
	snprintf(why, sizeof why, "pin %u %08x:%08x, before %08x:%08x", first_pin, after.redir[first_pin][1], after.redir[first_pin][0],
		 before.redir[first_pin][1], before.redir[first_pin][0]);
	report(!bad_pins && before.npins == after.npins && before.ioapic_id == after.ioapic_id,
	       "migrate.ioapic :: %u redirection entries, %u differ%s%s, id %08x", after.npins, bad_pins, bad_pins ? ": " : "",
	       bad_pins ? why : "", after.ioapic_id);
	unsigned bad_funcs = 0;
	why[0] = 0;
	for (unsigned i = 0; i < before.nfuncs; i++) {
		const struct pci_func *f0 = &before.pci[i], *f1 = &after.pci[i];
		bool same = f0->cmd == f1->cmd && f0->line == f1->line;
		for (unsigned b = 0; b < f0->nbars; b++)
			same &= f0->bar[b] == f1->bar[b];
		if (!same && !bad_funcs++)
			snprintf(why, sizeof why, ": 00:%02x.%u cmd %04x line %02x bar0 %08x, before %04x %02x %08x", f1->dev, f1->fn, f1->cmd,
				 f1->line, f1->bar[0], f0->cmd, f0->line, f0->bar[0]);
	}
	if (!before.nfuncs)
		report_skip("migrate.pci", "no PCI function on bus 0 (00:00.0 reads all-ones)");
	else
		report(!bad_funcs, "migrate.pci :: %u functions: command, BARs and interrupt line, %u differ%s", before.nfuncs, bad_funcs, why);
	uint64_t dtsc = tsc1 - tsc0;
	report(migrate_within(tsc0, tsc1, TSC_BOUND_S * hz), "migrate.tsc :: %lx -> %lx: +%lu ms (bound 0..%u s at %lu Hz, %s)",
	       (unsigned long)tsc0, (unsigned long)tsc1, (unsigned long)(tsc1 >= tsc0 ? migrate_ticks_ms(dtsc, hz) : 0), TSC_BOUND_S,
	       (unsigned long)hz, tsc1 >= tsc0 ? "monotonic" : "went backwards");
	if (rtc0 < 0 && cmos(0x0D) == 0xFF)
		report_skip("migrate.rtc", "no RTC: register D reads all-ones");
	else
		report(rtc0 >= 0 && rtc1 >= 0 && migrate_within((uint64_t)rtc0, (uint64_t)rtc1, RTC_BOUND_S),
		       "migrate.rtc :: %ld -> %ld: %s%ld s (bound 0..%u s), B %02x -> %02x", (long)rtc0, (long)rtc1, rtc1 >= rtc0 ? "+" : "", (long)(rtc1 - rtc0),
		       RTC_BOUND_S, b0, b1);
	report(before.lvt == after.lvt && before.dcr == after.dcr && before.icr == after.icr && ccr_a && ccr_b < ccr_a &&
	       ccr_a <= after.icr, "migrate.lapic_timer :: LVT %08x divide %x initial %x (before %08x %x %x), current %x then %x",
	       after.lvt, after.dcr, after.icr, before.lvt, before.dcr, before.icr, ccr_a, ccr_b);
	set_uart(0, 0x03, 0x03, 0, 1);                  /* 115200 8N1 again */

	/* ---- save 2: interrupts pending across it ---- */
	lapic_write(LAPIC_TIMER_ICR, 0);
	lapic_write(LAPIC_TIMER_DCR, 0xB);              /* divide by 1 */
	lapic_write(LAPIC_LVT_TIMER, V_ONESHOT);        /* one-shot, unmasked; IF is off */
	lapic_write(LAPIC_TIMER_ICR, 5000);
	unsigned polls = 0;
	while (!irr(V_ONESHOT) && polls < 100000)      /* the count reads 0 a little before the IRR bit is set */
		polls++;
	lapic_write(LAPIC_ICR_HI, 0);
	lapic_write(LAPIC_ICR_LO, (1u << 18) | (1u << 14) | V_IPI);    /* self, fixed, assert */
	bool pend_ipi = irr(V_IPI), pend_timer = irr(V_ONESHOT);
	report_data("migrate.irq.before", "IRR 0x43 %u 0x44 %u (timer IRR after %u polls), handled %u %u", pend_ipi, pend_timer, polls,
		    ipis, oneshots);
	uint32_t g2 = tck_migrate(2);
	bool irr_ipi = irr(V_IPI), irr_timer = irr(V_ONESHOT);
	window(20000);
	window(20000);
	report_data("migrate.irq.after", "IRR 0x43 %u 0x44 %u before interrupts on; spurious %u, 8259 %u", irr_ipi, irr_timer, spurious, pic_irqs);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	if (!g2) {
		skip_all(save2_cases, sizeof save2_cases / sizeof save2_cases[0], "save 2 did not happen");
		return report_summary();
	}
	report(pend_ipi && ipis == 1, "migrate.irq.self_ipi_once :: pending before the save %s, delivered %u times after it",
	       pend_ipi ? "yes" : "no", ipis);
	report(pend_timer && oneshots == 1, "migrate.irq.lapic_oneshot_once :: expired with IF=0 before the save (IRR %s), delivered %u "
	       "times after it", pend_timer ? "set" : "clear", oneshots);
	return report_summary();
}

/*
 * conf_interrupts - interrupt delivery a guest can only observe itself: the LAPIC timer in
 * one-shot (fires once) and periodic mode (keeps firing, stops when masked) reaching an IDT
 * handler; the PIT (channel 0, ports 0x40-0x43) routed through the IOAPIC pin the MADT's override
 * for IRQ 0 names (GSI 2 on a PC; identity without an override) reaching a handler, EOI letting
 * the next one in, a masked redirection entry not firing. The 8259 PICs are remapped and masked
 * so IRQ 0 arrives only through the IOAPIC. Waits are sti;hlt loops bounded by wake-up counts.
 */
#include "acpi.h"
#include "idt.h"
#include "libtck.h"

#define V_LAPIC    0x40
#define V_PIT      0x41
#define V_SPURIOUS 0xFF
#define MAX_WAKEUPS     200

static volatile unsigned lapic_ticks, pit_ticks, spurious;

static void on_lapic(struct idt_frame *f) { (void)f; lapic_ticks++; lapic_write(LAPIC_EOI, 0); }
static void on_pit(struct idt_frame *f) { (void)f; pit_ticks++; lapic_write(LAPIC_EOI, 0); }
static void on_spurious(struct idt_frame *f) { (void)f; spurious++; }

static volatile uint32_t *ioapic;
static uint32_t ioapic_read(uint32_t reg) { ioapic[0] = reg; return ioapic[4]; }
static void ioapic_write(uint32_t reg, uint32_t v) { ioapic[0] = reg; ioapic[4] = v; }

/* sti;hlt;cli until *counter reaches target or MAX_WAKEUPS wake-ups; returns wake-ups. */
static unsigned wait_for(volatile unsigned *counter, unsigned target)
{
	unsigned w = 0;
	while (*counter < target && w < MAX_WAKEUPS) {
		__asm__ volatile("sti; hlt; cli" ::: "memory");
		w++;
	}
	return w;
}

/* Interrupts on, no hlt: lets anything pending arrive. */
static void window(unsigned n)
{
	__asm__ volatile("sti" ::: "memory");
	while (n--)
		cpu_relax();
	__asm__ volatile("cli" ::: "memory");
}

static void pic_mask_all(void)
{
	outb(0x20, 0x11); outb(0xA0, 0x11);     /* ICW1: init, ICW4 follows */
	outb(0x21, 0x20); outb(0xA1, 0x28);     /* ICW2: vectors 0x20-0x2F */
	outb(0x21, 0x04); outb(0xA1, 0x02);     /* ICW3: cascade on IRQ 2 */
	outb(0x21, 0x01); outb(0xA1, 0x01);     /* ICW4: 8086 mode */
	outb(0x21, 0xFF); outb(0xA1, 0xFF);     /* OCW1: all masked */
}

int main(const struct boot_info *bi)
{
	report_begin("conf_interrupts");
	idt_init();
	idt_set_handler(V_LAPIC, on_lapic);
	idt_set_handler(V_PIT, on_pit);
	idt_set_handler(V_SPURIOUS, on_spurious);
	for (unsigned v = 0x20; v < 0x30; v++)
		idt_set_handler(v, on_spurious);        /* a PIC interrupt that slipped through is counted, not fatal */
	pic_mask_all();
	lapic_write(LAPIC_SVR, 0x100 | V_SPURIOUS);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	console_flush();

	/* ---- LAPIC timer, one-shot ---- */
	lapic_write(LAPIC_TIMER_DCR, 0x3);              /* divide by 16 */
	lapic_write(LAPIC_LVT_TIMER, V_LAPIC);          /* one-shot */
	lapic_write(LAPIC_TIMER_ICR, 20000);
	unsigned w1 = wait_for(&lapic_ticks, 1);
	uint32_t ccr = lapic_read(LAPIC_TIMER_CCR);
	window(3000);
	unsigned once = lapic_ticks;
	report(once == 1 && ccr == 0, "interrupts.lapic_oneshot :: %u ticks after %u wake-ups, current count %u", once, w1, ccr);

	/* ---- LAPIC timer, periodic, then masked ---- */
	lapic_ticks = 0;
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | V_LAPIC);
	lapic_write(LAPIC_TIMER_ICR, 20000);
	unsigned w2 = wait_for(&lapic_ticks, 5);
	unsigned periodic = lapic_ticks;
	report(periodic >= 5, "interrupts.lapic_periodic :: %u ticks after %u wake-ups", periodic, w2);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | LVT_PERIODIC | V_LAPIC);
	window(3000);                                   /* one already in flight may still land */
	unsigned at_mask = lapic_ticks;
	window(3000);
	report(lapic_ticks == at_mask, "interrupts.lapic_masked_silent :: %u ticks while masked", lapic_ticks - at_mask);

	/* ---- PIT through the IOAPIC ---- */
	struct madt_info m;
	bool have_madt = acpi_parse_madt(acpi_find(acpi_rsdp(bi), "APIC"), &m) && m.nioapic;
	uint32_t gsi = have_madt && m.iso0 ? m.iso0_gsi : 0;
	uint16_t flags = have_madt && m.iso0 ? m.iso0_flags : 0;
	ioapic = (volatile uint32_t *)(uintptr_t)(have_madt ? m.ioapic_address : 0xFEC00000u);
	uint32_t pin = gsi - (have_madt ? m.ioapic_gsi_base : 0);
	pin = (uint32_t)cmdline_get_ulong(bi, "pit_pin", pin);  /* diagnosis: try another pin */
	uint32_t pins = ((ioapic_read(1) >> 16) & 0xFF) + 1;
	report_data("interrupts.pit_route", "irq0 -> gsi %u (flags %x, %s) ioapic %lx pin %u of %u", gsi, flags,
		    have_madt && m.iso0 ? "MADT override" : "identity", (unsigned long)(uintptr_t)ioapic, pin, pins);
	if (pin >= pins) {
		report(false, "interrupts.pit_ioapic :: pin %u beyond the IOAPIC's %u", pin, pins);
		return report_summary();
	}
	uint32_t low = V_PIT;                           /* fixed, physical, edge, active high, unmasked */
	if ((flags & 3) == 3)
		low |= 1u << 13;                        /* active low */
	if (((flags >> 2) & 3) == 3)
		low |= 1u << 15;                        /* level */
	uint32_t bsp = lapic_read(LAPIC_ID) >> 24;
	ioapic_write(0x11 + 2 * pin, bsp << 24);
	ioapic_write(0x10 + 2 * pin, low);
	uint32_t readback = ioapic_read(0x10 + 2 * pin);

	/* Keep the LAPIC timer as a wake-up clock (its ticks also bound the waits below). */
	lapic_ticks = 0;
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | V_LAPIC);
	lapic_write(LAPIC_TIMER_ICR, 40000);            /* 640 us at a 1 GHz bus clock */

	outb(0x43, 0x34);                               /* channel 0, lo/hi, mode 2 (rate generator) */
	outb(0x40, 1193 & 0xFF);                        /* 1193 = 1 ms */
	outb(0x40, 1193 >> 8);
	unsigned w3 = wait_for(&pit_ticks, 3);
	unsigned pit = pit_ticks;
	report((readback & 0x1FFFF) == low, "interrupts.ioapic_entry_readback :: %08x", readback);
	report(pit >= 3, "interrupts.pit_ioapic :: %u PIT interrupts on vector 0x%x after %u wake-ups (%u LAPIC ticks)",
	       pit, V_PIT, w3, lapic_ticks);
	report(pit >= 2, "interrupts.eoi :: a second interrupt after the first EOI (%u)", pit);

	/* Masked redirection entry: the PIT keeps counting, nothing arrives. */
	ioapic_write(0x10 + 2 * pin, low | LVT_MASKED);
	wait_for(&lapic_ticks, lapic_ticks + 2);        /* one already in flight may still land */
	unsigned pit_at_mask = pit_ticks, base = lapic_ticks;
	wait_for(&lapic_ticks, base + 8);               /* ~5 ms: five PIT periods */
	report(pit_ticks == pit_at_mask, "interrupts.ioapic_masked_silent :: %u PIT interrupts while masked over %u LAPIC ticks",
	       pit_ticks - pit_at_mask, lapic_ticks - base);

	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_ICR, 0);
	outb(0x43, 0x30);                               /* channel 0 mode 0, no reload: stops periodic IRQs */
	report_data("interrupts.spurious", "%u", spurious);
	return report_summary();
}

/*
 * conf_rtc - the MC146818 CMOS RTC at 0x70/0x71: status registers A/B/D sane (D.VRT set), time
 * and date registers valid BCD (or binary per B.DM) and in range, the year sane (century in 0x32),
 * the seconds register advancing within a bounded wait, the NMI-disable bit (index bit 7) not
 * disturbing reads. Each CMOS access is a port exit (~10-20 us here). The wait for the seconds to
 * advance sleeps between polls (sti; hlt until a ~4 ms periodic LAPIC timer tick): a busy poll burnt
 * ~0.4 s of host CPU per run for the same verdict. If no tick arrives the wait polls busily, as it
 * did before; either way it is bounded by SECONDS_POLLS and reports how many polls it took.
 */
#include "idt.h"
#include "libtck.h"

#define SECONDS_POLLS   100000          /* >1 s busy (~25-45 us a poll, two port exits); ~400 s asleep */
#define V_TICK          0x40
#define V_SPURIOUS      0xFF
#define TICK_COUNT      250000          /* 4 ms at KVM's 1 GHz APIC bus / 16 */

static volatile unsigned ticks, stray;

static void on_tick(struct idt_frame *f) { (void)f; ticks++; lapic_write(LAPIC_EOI, 0); }
static void on_stray(struct idt_frame *f) { (void)f; stray++; }

static uint8_t cmos(uint8_t index)
{
	outb(0x70, index);              /* bit 7 clear: NMI enabled */
	return inb(0x71);
}

/*
 * A periodic LAPIC timer to sleep on, with the 8259s remapped to 0x20-0x2F and masked and LINT0 masked
 * (so nothing else wakes the guest). True once a first tick has arrived within a bounded window.
 */
static bool start_ticks(void)
{
	idt_init();
	idt_set_handler(V_TICK, on_tick);
	idt_set_handler(V_SPURIOUS, on_stray);
	for (unsigned v = 0x20; v < 0x30; v++)
		idt_set_handler(v, on_stray);
	outb(0x20, 0x11); outb(0xA0, 0x11);     /* ICW1: init, ICW4 follows */
	outb(0x21, 0x20); outb(0xA1, 0x28);     /* ICW2: vectors 0x20 / 0x28 */
	outb(0x21, 0x04); outb(0xA1, 0x02);     /* ICW3: cascade on IRQ 2 */
	outb(0x21, 0x01); outb(0xA1, 0x01);     /* ICW4: 8086 mode */
	outb(0x21, 0xFF); outb(0xA1, 0xFF);     /* OCW1: all masked */
	lapic_write(LAPIC_SVR, 0x100 | V_SPURIOUS);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_TIMER_DCR, 0x3);      /* divide by 16 */
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | V_TICK);
	lapic_write(LAPIC_TIMER_ICR, TICK_COUNT);
	__asm__ volatile("sti" ::: "memory");
	for (unsigned i = 0; i < 20000 && !ticks; i++)    /* ~15 ms at ~0.7 us an emulated instruction */
		cpu_relax();
	__asm__ volatile("cli" ::: "memory");
	return ticks != 0;
}

static void stop_ticks(void)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_ICR, 0);
}

static bool bcd_ok(uint8_t v) { return (v & 0xF) <= 9 && (v >> 4) <= 9; }
static unsigned bin(uint8_t v, bool binary) { return binary ? v : (v >> 4) * 10 + (v & 0xF); }

static unsigned wait_not_updating(void)
{
	unsigned i = 0;
	while (i < 10000 && (cmos(0x0A) & 0x80))
		i++;
	return i;
}

int main(const struct boot_info *bi)
{
	(void)bi;
	report_begin("conf_rtc");
	uint8_t a = cmos(0x0A), b = cmos(0x0B), d = cmos(0x0D);
	report_data("rtc.status", "A=%02x B=%02x D=%02x", a, b, d);
	if (a == 0xFF && b == 0xFF && d == 0xFF) {      /* QEMU microvm without rtc=on */
		static const char *const names[] = { "rtc.reg_a_divider", "rtc.reg_b_running", "rtc.reg_d_vrt",
			"rtc.time_encoding", "rtc.time_in_range", "rtc.date_sane", "rtc.seconds_advance", "rtc.nmi_bit_reads" };
		for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
			report_skip(names[i], "no RTC: registers A, B and D read all-ones");
		return report_summary();
	}
	report(((a >> 4) & 7) == 2, "rtc.reg_a_divider :: A=%02x (32.768 kHz time base)", a);
	report(!(b & 0x80), "rtc.reg_b_running :: B=%02x (SET clear)", b);
	report(d == 0x80, "rtc.reg_d_vrt :: D=%02x", d);

	bool binary = b & 4, h24 = b & 2;
	wait_not_updating();
	uint8_t raw[7] = { cmos(0), cmos(2), cmos(4), cmos(7), cmos(8), cmos(9), cmos(0x32) };
	report_data("rtc.raw", "sec=%02x min=%02x hour=%02x day=%02x month=%02x year=%02x century=%02x",
		    raw[0], raw[1], raw[2], raw[3], raw[4], raw[5], raw[6]);
	bool enc = true;
	uint8_t hour = raw[2];
	bool pm = !h24 && (hour & 0x80);
	hour &= h24 ? 0xFF : 0x7F;
	if (!binary)
		for (int i = 0; i < 7; i++)
			enc &= bcd_ok(i == 2 ? hour : raw[i]);
	unsigned sec = bin(raw[0], binary), min = bin(raw[1], binary), hr = bin(hour, binary);
	unsigned day = bin(raw[3], binary), mon = bin(raw[4], binary), yr = bin(raw[5], binary), cent = bin(raw[6], binary);
	bool range = sec < 60 && min < 60 && (h24 ? hr < 24 : hr >= 1 && hr <= 12) && day >= 1 && day <= 31 &&
		     mon >= 1 && mon <= 12 && yr <= 99;
	report(enc, "rtc.time_encoding :: %s, %s", binary ? "binary" : "BCD", h24 ? "24h" : pm ? "12h PM" : "12h");
	report(range, "rtc.time_in_range :: %02u:%02u:%02u %02u-%02u-%02u", hr, min, sec, cent * 100 + yr > 0 ? yr : yr, mon, day);
	unsigned year = cent * 100 + yr;
	report(cent >= 19 && cent <= 21 && year >= 2020 && year < 2100, "rtc.date_sane :: year %u (century register %02x)",
	       year, raw[6]);

	/* Seconds advance. */
	bool asleep = start_ticks();
	uint8_t s0 = cmos(0), s1 = s0;
	unsigned polls = 0;
	uint32_t lo0, hi0, lo1, hi1;
	__asm__ volatile("rdtsc" : "=a"(lo0), "=d"(hi0));
	while (polls < SECONDS_POLLS && s1 == s0) {
		if (asleep)
			__asm__ volatile("sti; hlt; cli" ::: "memory");
		s1 = cmos(0);
		polls++;
	}
	__asm__ volatile("rdtsc" : "=a"(lo1), "=d"(hi1));
	stop_ticks();
	report_data("rtc.seconds_wait", "polls=%u tsc=%lu %s (%u ticks, %u stray interrupts)", polls,
		    (unsigned long)(((uint64_t)hi1 << 32 | lo1) - ((uint64_t)hi0 << 32 | lo0)),
		    asleep ? "asleep between polls" : "busy: no LAPIC timer tick", ticks, stray);
	report(s1 != s0, "rtc.seconds_advance :: %02x -> %02x after %u polls", s0, s1, polls);

	/* NMI-disable bit in the index port: reads stay the same. */
	outb(0x70, 0x8D);
	uint8_t d_nmi = inb(0x71);
	outb(0x70, 0x8A);
	uint8_t a_nmi = inb(0x71);
	outb(0x70, 0x0D);               /* NMI enabled again */
	(void)inb(0x71);
	report(d_nmi == d && (a_nmi & 0x7F) == (a & 0x7F), "rtc.nmi_bit_reads :: D=%02x A=%02x with index bit 7", d_nmi, a_nmi);
	return report_summary();
}

/*
 * hostile_irqstorm - an interrupt storm from the local APIC timer: periodic mode, divide by 1,
 * initial count 1 (as often as the hypervisor lets it fire). A minimal IDT with one handler that
 * counts, EOIs the local APIC and irets (no int3 / int $n anywhere: not emulated on these hosts);
 * the spurious vector irets. The kernel waits with sti; hlt for TICKS interrupts (a bounded number
 * of wake-ups), masks the timer and exits 0. The host must stay responsive; the run must end.
 * "ticks=N" on the command line overrides the count.
 */
#include "libtck.h"

#define TIMER_VECTOR    0x40
#define SPURIOUS_VECTOR 0xFF
#define TICKS           5000
struct idt_gate {
	uint16_t offset_low, selector;
	uint8_t ist, type_attr;
	uint16_t offset_mid;
	uint32_t offset_high, reserved;
} __attribute__((packed));

static struct idt_gate idt[256] __attribute__((aligned(16)));
volatile uint64_t irqstorm_ticks;

void irqstorm_timer(void);
void irqstorm_spurious(void);
__asm__(".text\n"
	"irqstorm_timer:\n"
	"	pushq %rax\n"
	"	incq irqstorm_ticks(%rip)\n"
	"	movl $0xFEE000B0, %eax\n"       /* EOI */
	"	movl $0, (%rax)\n"
	"	popq %rax\n"
	"	iretq\n"
	"irqstorm_spurious:\n"
	"	iretq\n");

static void set_gate(unsigned vector, void (*handler)(void))
{
	uint64_t a = (uint64_t)handler;
	idt[vector] = (struct idt_gate){ .offset_low = (uint16_t)a, .selector = SEL_CODE64, .type_attr = 0x8E,
					 .offset_mid = (uint16_t)(a >> 16), .offset_high = (uint32_t)(a >> 32) };
}

int main(const struct boot_info *bi)
{
	static struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr;
	uint32_t want = (uint32_t)cmdline_get_ulong(bi, "ticks", TICKS);
	uint64_t wakeups = 0, max_wakeups = 4ull * want + 1000;

	report_begin("hostile_irqstorm");
	set_gate(TIMER_VECTOR, irqstorm_timer);
	set_gate(SPURIOUS_VECTOR, irqstorm_spurious);
	idtr.limit = sizeof idt - 1;
	idtr.base = (uint64_t)idt;
	__asm__ volatile("lidt %0" :: "m"(idtr));
	console_flush();

	lapic_write(LAPIC_SVR, 0x100 | SPURIOUS_VECTOR);
	lapic_write(LAPIC_TIMER_DCR, 0xB);                      /* divide by 1 */
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | TIMER_VECTOR);
	lapic_write(LAPIC_TIMER_ICR, 1);
	while (irqstorm_ticks < want && wakeups < max_wakeups) {
		__asm__ volatile("sti; hlt; cli" ::: "memory");
		wakeups++;
	}
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_ICR, 0);

	report_data("hostile_irqstorm.ticks", "%lu", (unsigned long)irqstorm_ticks);
	report_data("hostile_irqstorm.wakeups", "%lu", (unsigned long)wakeups);
	report(irqstorm_ticks >= want, "hostile_irqstorm.counted :: %lu of %u ticks",
	       (unsigned long)irqstorm_ticks, want);
	return report_summary();
}

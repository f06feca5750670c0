/* idt.c - see idt.h. */
#include "idt.h"

#include <stdbool.h>

#include "console.h"
#include "layout.h"

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;      /* 0x8E: present, DPL 0, 64-bit interrupt gate */
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t zero;
} __attribute__((packed));

_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gates are 16 bytes");

struct ex_entry {
	uint64_t insn;          /* address of an instruction that may fault */
	uint64_t fixup;         /* where to resume when it does */
};

extern const char idt_stubs[];
extern const struct ex_entry __ex_table_start[], __ex_table_end[];
void lib_exit(int code) __attribute__((noreturn));
void idt_dispatch(struct idt_frame *f);

static struct idt_gate idt[256] __attribute__((aligned(16)));
static idt_handler handlers[256];
static volatile unsigned n_fixups, last_fixup_vector;
static bool installed;

static const char *const names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS", "#NP", "#SS", "#GP",
	"#PF", "?", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "?", "?", "?", "?", "?", "?", "#HV", "#VC", "#SX", "?",
};

static void set_gate(unsigned v)
{
	uint64_t a = (uint64_t)(uintptr_t)(idt_stubs + 16 * v);
	idt[v] = (struct idt_gate){
		.offset_lo = (uint16_t)a, .selector = SEL_CODE64, .ist = 0, .type_attr = 0x8E,
		.offset_mid = (uint16_t)(a >> 16), .offset_hi = (uint32_t)(a >> 32), .zero = 0,
	};
}

void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) desc = { sizeof idt - 1, (uint64_t)(uintptr_t)idt };
	__asm__ volatile("lidt %0" :: "m"(desc) : "memory");
}

void idt_init(void)
{
	if (!installed) {
		for (unsigned v = 0; v < 32; v++)
			set_gate(v);
		installed = true;
	}
	idt_load();
}

void idt_set_handler(unsigned vector, idt_handler handler)
{
	if (vector > 255)
		return;
	handlers[vector] = handler;
	set_gate(vector);
}

static const struct ex_entry *find_fixup(uint64_t rip)
{
	for (const struct ex_entry *e = __ex_table_start; e < __ex_table_end; e++)
		if (e->insn == rip)
			return e;
	return 0;
}

void idt_dispatch(struct idt_frame *f)
{
	unsigned v = (unsigned)f->vector;
	if (handlers[v]) {
		handlers[v](f);
		return;
	}
	if (v < 32) {
		const struct ex_entry *e = find_fixup(f->rip);
		if (e) {
			n_fixups++;
			last_fixup_vector = v;
			f->rip = e->fixup;
			return;
		}
	}
	uint64_t cr2 = 0;
	if (v == 14)
		__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	printf("\nunexpected exception %u (%s) at rip=%lx error=%lx rsp=%lx rflags=%lx cr2=%lx\n", v,
	       v < 32 ? names[v] : "interrupt", f->rip, f->error_code, f->rsp, f->rflags, cr2);
	lib_exit(IDT_EXIT_UNEXPECTED);
}

/* An instruction at local label 1 that may fault; on a fault, err := -1 and resume at label 2. */
#define EX_TABLE_ENTRY                                                  \
	".pushsection .ex_table, \"a\"\n\t.balign 8\n\t.quad 1b, 3f\n\t.popsection\n\t" \
	".pushsection .text.fixup, \"ax\"\n3:\tmovl $-1, %[err]\n\tjmp 2b\n\t.popsection\n"

int safe_rdmsr(uint32_t index, uint64_t *value)
{
	uint32_t lo = 0, hi = 0;
	int err = 0;
	__asm__ volatile("1:\trdmsr\n2:\n\t" EX_TABLE_ENTRY
			 : "+a"(lo), "+d"(hi), [err] "+r"(err) : "c"(index) : "memory");
	*value = err ? 0 : ((uint64_t)hi << 32) | lo;
	return err;
}

int safe_wrmsr(uint32_t index, uint64_t value)
{
	int err = 0;
	__asm__ volatile("1:\twrmsr\n2:\n\t" EX_TABLE_ENTRY
			 : [err] "+r"(err) : "c"(index), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)) : "memory");
	return err;
}

int safe_read32(uintptr_t addr, uint32_t *value)
{
	uint32_t v = 0;
	int err = 0;
	__asm__ volatile("1:\tmovl (%[p]), %[v]\n2:\n\t" EX_TABLE_ENTRY
			 : [v] "+r"(v), [err] "+r"(err) : [p] "r"(addr) : "memory");
	*value = err ? 0 : v;
	return err;
}

unsigned idt_fixups(void) { return n_fixups; }
unsigned idt_last_fixup_vector(void) { return last_fixup_vector; }

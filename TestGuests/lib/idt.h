/*
 * idt.h - a minimal 64-bit IDT (guest only). idt_init() installs handlers for the exception
 * vectors 0-31; a fault inside an instruction listed in the fixup table (.ex_table, as Linux's
 * exception tables) resumes at its fixup code, which is how safe_rdmsr() and friends survive a
 * #GP. Any other exception prints the vector, RIP and error code and exits with code 3.
 * Kernels that take interrupts install their own handlers with idt_set_handler() (any vector).
 * Handlers run on the interrupted stack (no IST, no TSS needed: ring 0 only) with interrupts
 * off (interrupt gates) and return with iretq, which this host's KVM emulates.
 */
#ifndef IDT_H
#define IDT_H

#include <stdint.h>

/* What the stubs push, lowest address first. */
struct idt_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;    /* error_code 0 for vectors without one */
	uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*idt_handler)(struct idt_frame *frame);

#define IDT_EXIT_UNEXPECTED     3       /* exit code after an unexpected exception */

/* Installs gates 0-31 and loads the IDT on this CPU (idempotent). */
void idt_init(void);
/* Loads the (shared) IDT on this CPU: APs call it after the BSP ran idt_init(). */
void idt_load(void);
/* Routes vector (0-255) to handler, installing its gate; handler 0 restores the default. */
void idt_set_handler(unsigned vector, idt_handler handler);

/* 0, or -1 when the access faulted (the fault is recovered; *value is then 0). */
int safe_rdmsr(uint32_t index, uint64_t *value);
int safe_wrmsr(uint32_t index, uint64_t value);
int safe_read32(uintptr_t addr, uint32_t *value);

/* Faults recovered through the fixup table so far, and the vector of the last one. */
unsigned idt_fixups(void);
unsigned idt_last_fixup_vector(void);

#endif

/*
 * idt_entry.S - the 256 interrupt stubs and the common entry/return path (see idt.h).
 * Stub v lives at idt_stubs + 16 * v: it pushes a zero error code where the CPU pushes none,
 * then the vector, and jumps to idt_common, which saves the GPRs as struct idt_frame and calls
 * idt_dispatch(frame).
 */
	.text
	.code64
	.p2align 4
	.globl idt_stubs
idt_stubs:
	.set vec, 0
	.rept 256
	.if !((vec == 8) || (vec == 10) || (vec == 11) || (vec == 12) || (vec == 13) || (vec == 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30))
	pushq $0
	.endif
	pushq $vec
	.byte 0xe9                      /* jmp rel32, spelled out so every stub has a fixed size */
	.long idt_common - (. + 4)
	.org idt_stubs + 16 * (vec + 1), 0x90
	.set vec, vec + 1
	.endr

idt_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	movq %rsp, %rdi                 /* 176 bytes below the CPU-aligned frame: 16-aligned */
	call idt_dispatch
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp                  /* vector, error code */
	iretq

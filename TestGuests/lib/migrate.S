/*
 * migrate.S - the instant of a save request, with twelve general registers and the flags held at
 * known values (see migrate.h):
 *
 *   uint64_t migrate_wait(const struct migrate_regs *in, struct migrate_regs *out,
 *                         uint32_t tag, uint64_t deadline);
 *
 * deadline 0: the snapshot port. out tag to 0xEC8 (the VMM saves during this instruction), then
 * returns the 32-bit generation read from 0xECC.
 * deadline != 0: the serial handshake (the line was printed by the caller). Polls LSR.DR at 0x3FD
 * until a byte is there or the TSC passes deadline; returns the byte from 0x3F8, or ~0 on timeout.
 *
 * rax, rcx and rdx carry the request; rbx rbp rsi rdi r8-r15 hold in->gpr[] throughout and are
 * stored to out->gpr[] afterwards, and the flags from in->rflags to out->rflags.
 */
#define OFF_RFLAGS (8 * 12)

	.text
	.code64
	.globl migrate_wait
migrate_wait:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rsi                      /* out */
	pushfq                          /* the caller's flags, put back at the end */
	movl %edx, %eax                 /* tag */
	pushq OFF_RFLAGS(%rdi)
	popfq
	movq 0(%rdi), %rbx
	movq 8(%rdi), %rbp
	movq 16(%rdi), %rsi
	movq 32(%rdi), %r8
	movq 40(%rdi), %r9
	movq 48(%rdi), %r10
	movq 56(%rdi), %r11
	movq 64(%rdi), %r12
	movq 72(%rdi), %r13
	movq 80(%rdi), %r14
	movq 88(%rdi), %r15
	movq 24(%rdi), %rdi             /* last: rdi was the pointer */
	testq %rcx, %rcx
	jnz 1f
	movw $0xEC8, %dx
	outl %eax, %dx                  /* the save request */
	movw $0xECC, %dx
	inl %dx, %eax                   /* generation, zero-extended into rax */
	jmp 3f
1:	movw $0x3FD, %dx
	inb %dx, %al
	testb $1, %al                   /* LSR.DR */
	jnz 2f
	rdtsc
	shlq $32, %rdx
	orq %rdx, %rax
	cmpq %rcx, %rax
	jb 1b
	movq $-1, %rax
	jmp 3f
2:	movw $0x3F8, %dx
	inb %dx, %al
	movzbl %al, %eax
3:	pushfq                          /* the flags as they came through */
	pushq %rax                      /* the result */
	movq 24(%rsp), %rax             /* out (above: result, flags, caller's flags) */
	movq %rbx, 0(%rax)
	movq %rbp, 8(%rax)
	movq %rsi, 16(%rax)
	movq %rdi, 24(%rax)
	movq %r8, 32(%rax)
	movq %r9, 40(%rax)
	movq %r10, 48(%rax)
	movq %r11, 56(%rax)
	movq %r12, 64(%rax)
	movq %r13, 72(%rax)
	movq %r14, 80(%rax)
	movq %r15, 88(%rax)
	movq 8(%rsp), %rdx
	movq %rdx, OFF_RFLAGS(%rax)
	popq %rax
	addq $8, %rsp
	popfq
	addq $8, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	ret

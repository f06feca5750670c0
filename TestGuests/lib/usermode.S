/*
 * usermode.S - user_call() (see usermode.h).
 *
 * Enter: save RFLAGS on the kernel stack, keep that stack pointer in usermode_ksp (pushing an
 * outer call's, so an interrupt handler may nest a call), and iretq to
 * user_entry on the user stack with interrupts off. Leave: user_entry writes the address of
 * usermode_entry_desc to the kernel-entry port; the VMM does what SYSCALL would with that
 * descriptor (CS, SS and RIP from it, RCX and R11 clobbered) and usermode_return unwinds to the
 * caller with fn's result, carried in rsi. Every ring-0 instruction here is emulated on the kvm_pvm
 * hosts, so the path is short: 26 instructions a call, and ~120 us with the VMM's part.
 */
#include "layout.h"

#define USER_STACK_SIZE 0x4000

	.bss
	.p2align 4
user_stack:
	.skip USER_STACK_SIZE
user_stack_top:
usermode_ksp:
	.skip 8

	.text
	.code64
/*
 * uint64_t user_call(user_fn fn, void *arg)
 * fn keeps rbx, rbp and r12-r15 (the SysV ABI) and the VMM keeps every register but rcx, r11, rip,
 * rflags, cs and ss, so only RFLAGS and the stack pointer are saved here.
 */
	.globl user_call
user_call:
	cmpb $0, usermode_ready(%rip)
	je direct                       /* no kernel-entry port: plain call */
	movw %cs, %ax
	testb $3, %al
	jnz direct                      /* already in user mode */
	str %ax
	cmpw $SEL_TSS, %ax
	jne direct                      /* no TSS on this CPU (an AP) */
	pushfq
	pushq usermode_ksp(%rip)
	movq %rsp, usermode_ksp(%rip)
	movq %rdi, %r11                 /* fn: iretq keeps the general registers */
	movq %rsi, %rdi
	pushq $(SEL_USER_DATA | 3)
	pushq $user_stack_top
	pushq $2                        /* RFLAGS: interrupts off */
	pushq $(SEL_USER_CODE64 | 3)
	pushq $user_entry
	iretq
direct:
	movq %rdi, %rax
	movq %rsi, %rdi
	jmp *%rax

user_entry:
	call *%r11
	movq %rax, %rsi
	movl $usermode_entry_desc, %eax
	movw $KERNEL_ENTRY_PORT, %dx
	outl %eax, %dx
	ud2                             /* the VMM did not take us back: shut down, registers in the report */

/* Ring 0 again, from the VMM: SYSCALL's state (CS, SS from the descriptor; interrupts off). */
	.globl usermode_return
usermode_return:
	movq usermode_ksp(%rip), %rsp
	popq usermode_ksp(%rip)
	popfq
	movq %rsi, %rax
	ret

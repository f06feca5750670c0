/*
 * trampoline.S - real-mode AP entry, copied by the BSP to AP_TRAMPOLINE_PA.
 *
 * A SIPI with vector V starts the AP at CS = V << 8, IP = 0, so every address
 * below is an offset from ap_trampoline_start (data) or is rebased onto
 * AP_TRAMPOLINE_PA (the far jump). It loads the kernel's own GDT, enters
 * protected mode and jumps to ap_start32 in boot.S, which shares the BSP's
 * page tables.
 */
#include "layout.h"

	.section .rodata.trampoline, "a"
	.code16
	.globl ap_trampoline_start, ap_trampoline_end
ap_trampoline_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	lgdtl tramp_gdt_desc - ap_trampoline_start
	movl %cr0, %eax
	orl $1, %eax                    /* CR0.PE */
	movl %eax, %cr0
	ljmpl $SEL_CODE32, $(AP_TRAMPOLINE_PA + tramp32 - ap_trampoline_start)

	.code32
tramp32:
	movw $SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	movl $ap_start32, %eax
	jmp *%eax

	.p2align 3
tramp_gdt_desc:
	.word GDT_SIZE - 1
	.long gdt
ap_trampoline_end:

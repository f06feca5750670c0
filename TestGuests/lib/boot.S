/*
 * boot.S - 32-bit entry for PVH and Multiboot, switch to long mode, call lib_start().
 *
 * Both protocols enter here in flat 32-bit protected mode with paging off,
 * EAX = Multiboot magic (undefined for PVH) and EBX = boot info address.
 * Every guest instruction is emulated on the target hosts, so the page tables
 * are generated at assembly time (no fill loop) and bss is not zeroed (the
 * loader zero-fills memsz beyond filesz).
 */
#include "layout.h"

/* PVH: XEN_ELFNOTE_PHYS32_ENTRY (18), desc = 32-bit physical entry address. */
	.section .note.Xen, "a"
	.p2align 2
	.long 4                 /* namesz: "Xen\0" */
	.long 4                 /* descsz */
	.long 18                /* type */
	.asciz "Xen"
	.p2align 2
	.long _start32

	.data
/*
 * Identity map of 0..4 GiB with 2 MiB pages: PML4 -> PDPT -> 4 page directories.
 * Every entry is user-accessible (U bit): the library runs pure computation in user mode
 * (usermode.h), on the same addresses.
 */
	.p2align 12
	.globl pml4
pml4:
	.quad pdpt + 0x7                /* present, writable, user */
	.fill 511, 8, 0
pdpt:
	.quad pd + 0x0007
	.quad pd + 0x1007
	.quad pd + 0x2007
	.quad pd + 0x3007
	.fill 508, 8, 0
pd:
	.set i, 0
	.rept 2048
	.quad (i << 21) | 0x87          /* present, writable, user, 2 MiB page */
	.set i, i + 1
	.endr

/* GDT shared with the AP trampoline (which loads it while still in real mode). */
	.p2align 3
	.globl gdt, gdt_end
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff        /* SEL_CODE32: flat 32-bit code */
	.quad 0x00cf92000000ffff        /* SEL_DATA:   flat data */
	.quad 0x00af9a000000ffff        /* SEL_CODE64: 64-bit code */
	.quad 0x00cff2000000ffff        /* SEL_USER_DATA: flat data, DPL 3 */
	.quad 0x00affa000000ffff        /* SEL_USER_CODE64: 64-bit code, DPL 3 */
	.quad 0, 0                      /* SEL_TSS: written by usermode_init() */
gdt_end:
	.if gdt_end - gdt - GDT_SIZE
	.error "GDT_SIZE in layout.h does not match the GDT"
	.endif
gdt_desc:
	.word gdt_end - gdt - 1
	.quad gdt

boot_magic:     .long 0
boot_info_pa:   .long 0
	.globl ap_next_index
ap_next_index:  .long 1                 /* APs take indices 1, 2, ... */

	.bss
	.p2align 4
	.globl ap_stacks
ap_stacks:
	.skip AP_STACK_SIZE * MAX_CPUS
bsp_stack:
	.skip BSP_STACK_SIZE
bsp_stack_top:

/* PAE + CR3 + EFER.LME + CR0.PG, then a far jump into 64-bit code. */
.macro ENTER_LONG_MODE target
	movl %cr4, %eax
	orl $0x20, %eax                 /* CR4.PAE */
	movl %eax, %cr4
	movl $pml4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80000001, %eax           /* CR0.PG | CR0.PE */
	movl %eax, %cr0
	ljmp $SEL_CODE64, $\target
.endm

/*
 * ss is the ring-0 data segment; ds/es/fs/gs hold the DPL-3 one (as Linux keeps __USER_DS
 * there), so entering user mode and coming back changes none of them.
 */
.macro LOAD_DATA_SEGMENTS
	movw $SEL_DATA, %ax
	movw %ax, %ss
	movw $(SEL_USER_DATA | 3), %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %fs
	movw %ax, %gs
.endm

	.section .text.boot, "ax"
	.code32
	.globl _start32
_start32:
	cli
	cld
	/* Registers' upper halves are undefined after the mode switch: keep these in memory. */
	movl %eax, boot_magic
	movl %ebx, boot_info_pa
	lgdt gdt_desc
	ENTER_LONG_MODE start64

	.code64
start64:
	LOAD_DATA_SEGMENTS
	movq $bsp_stack_top, %rsp
	xorl %ebp, %ebp
	movl boot_magic(%rip), %edi
	movl boot_info_pa(%rip), %esi
	call lib_start                  /* does not return */
1:	cli
	hlt
	jmp 1b

/* APs arrive here from the trampoline: 32-bit, flat segments, our GDT loaded. */
	.code32
	.globl ap_start32
ap_start32:
	ENTER_LONG_MODE ap_start64

	.code64
ap_start64:
	LOAD_DATA_SEGMENTS
	movl $1, %eax
	lock xaddl %eax, ap_next_index(%rip)
	cmpl $MAX_CPUS, %eax
	jae ap_park                     /* more CPUs than stacks: park it */
	movl %eax, %edi
	shlq $12, %rax                  /* AP_STACK_SIZE; stack idx occupies [idx-1, idx) */
	addq $ap_stacks, %rax
	movq %rax, %rsp
	xorl %ebp, %ebp
	call ap_main
ap_park:
	cli
	hlt
	jmp ap_park

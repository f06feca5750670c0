/* tiny-kernel.S: the smallest kernel both swiftvm entry protocols accept.
 * It writes 0x2a to the debug-exit port 0xf4 and halts. Build recipe: README.md beside this file. */

/* Plain `as` input: no C preprocessor, so constants are assembler symbols. */
        .set MULTIBOOT_MAGIC, 0x1badb002
        .set MULTIBOOT_FLAGS, 0x00000003        /* page-aligned modules, memory info */
        .set XEN_ELFNOTE_PHYS32_ENTRY, 18

        .section .multiboot, "a"
        .balign 4
multiboot_header:
        .long MULTIBOOT_MAGIC
        .long MULTIBOOT_FLAGS
        .long -(MULTIBOOT_MAGIC + MULTIBOOT_FLAGS)

        .section .note.Xen, "a", @note
        .balign 4
        .long 4                                 /* namesz: "Xen\0" */
        .long 4                                 /* descsz: a 32-bit entry address */
        .long XEN_ELFNOTE_PHYS32_ENTRY
        .asciz "Xen"
        .balign 4
        .long _start

        .text
        .code32
        .globl _start
_start:
        movl $0x2a, %eax
        outl %eax, $0xf4
1:      hlt
        jmp 1b

        .data
        .balign 4
answer: .long 42

        .bss
        .balign 16
scratch: .skip 4096                             /* must arrive zeroed: the bss check */

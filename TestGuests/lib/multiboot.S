/*
 * multiboot.S - the Multiboot v1 header, in its own object so that a PVH-only
 * image can be linked by leaving it out (QEMU tries Multiboot before PVH).
 * The linker script places it first in the first PT_LOAD segment, which keeps it
 * well inside the first 8 KiB of the file.
 */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x3            /* bit 0: page-align modules, bit 1: memory info */

	.section .multiboot, "a"
	.p2align 2
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

/* layout.h - constants shared by the assembly boot code and C (keep it cpp-only: no C syntax). */
#ifndef LAYOUT_H
#define LAYOUT_H

#define KERNEL_BASE         0x100000    /* link address: 1 MiB, see docs/guest-interface.md */
#define AP_TRAMPOLINE_PA    0x8000      /* real-mode AP entry; SIPI vector = PA >> 12 */
#define AP_SIPI_VECTOR      (AP_TRAMPOLINE_PA >> 12)
#define MAX_CPUS            16          /* index 0 is the BSP */
#define BSP_STACK_SIZE      0x4000
#define AP_STACK_SIZE       0x1000

#define SEL_CODE32          0x08        /* GDT selectors, same for BSP and APs */
#define SEL_DATA            0x10
#define SEL_CODE64          0x18
#define SEL_USER_DATA       0x20        /* DPL 3: ds/es/fs/gs everywhere, ss in user mode */
#define SEL_USER_CODE64     0x28        /* DPL 3: user-mode code (usermode.S) */
#define SEL_TSS             0x30        /* 16-byte 64-bit TSS descriptor, filled by usermode_init() */
#define GDT_SIZE            0x40        /* 8 slots, see boot.S */

#define KERNEL_ENTRY_PORT   0xED0       /* swiftvm --testdev: SYSCALL done by the VMM (usermode.h) */

#define MSR_EFER            0xC0000080
#define EFER_LME            0x100

#endif

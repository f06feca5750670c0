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
#define GDT_SIZE            0x20        /* 4 descriptors, see boot.S */

#define MSR_EFER            0xC0000080
#define EFER_LME            0x100

#endif

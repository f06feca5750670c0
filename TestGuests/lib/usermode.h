/*
 * usermode.h - run pure computation in user mode (CPL 3).
 *
 * Why: on the kvm_pvm hosts every guest kernel-mode instruction is emulated (~0.7 us), while user
 * mode runs natively: formatting one report line costs ~2 ms in ring 0 and microseconds in ring 3.
 * So the library formats and builds its lines in user mode, and a kernel may run its own heavy pure
 * loops (fills, compares, hashes) the same way.
 *
 * The way back: these hosts cannot deliver an exception, interrupt or SYSCALL from guest user mode
 * to the guest kernel (the vCPU shuts down), so user mode returns through swiftvm's kernel-entry
 * port (--testdev, docs/guest-interface.md): one `out` from which the VMM does what SYSCALL would.
 * Without that port (QEMU, libvirt, swiftvm without --testdev) user_call() is a plain call: the
 * same code, the same results, in ring 0.
 *
 * What may run there: code that only reads and writes memory (the identity map is user-accessible,
 * so pointers stay valid). Port I/O, MSRs, CPUID (which reads the host's values in user mode on these
 * hosts), cli/sti/hlt and control registers stay in ring 0: in user mode they fault, and a fault
 * there shuts the vCPU down (a triple fault in the report, with the registers).
 *
 * user_call() is also a plain call on a CPU without the TSS (APs) and when already in user mode.
 * User mode runs with interrupts off; the caller's RFLAGS are restored on return.
 *
 * Every page of the identity map is user-accessible, so a kernel must not set CR4.SMEP or CR4.SMAP
 * (ring 0 would then fault on its own code or data), nor load a GDT without the user selectors.
 */
#ifndef USERMODE_H
#define USERMODE_H

#include <stdbool.h>
#include <stdint.h>

typedef uint64_t (*user_fn)(void *arg);

/* On the BSP: probes the kernel-entry port, then loads the TSS (its I/O bitmap opens only that port). */
void usermode_init(void);
/* Whether user_call() switches to user mode (on the BSP). */
bool usermode_available(void);
/* Runs fn(arg) in user mode when it can, else directly; returns fn's result. */
uint64_t user_call(user_fn fn, void *arg);

#endif

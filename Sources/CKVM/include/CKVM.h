// The C floor under the KVM module: only what Swift cannot import from <linux/kvm.h> by itself.
// The _IO/_IOW/_IOR/_IOWR request macros are function-like, so Swift never sees them; they are
// re-exported here as constants. Everything else (structs, KVM_EXIT_* values) Swift imports directly.
#ifndef CKVM_H
#define CKVM_H

#include <linux/kvm.h>
#include <stddef.h>

// /dev/kvm (system fd)
static const unsigned long CKVM_GET_API_VERSION = KVM_GET_API_VERSION;
static const unsigned long CKVM_CREATE_VM = KVM_CREATE_VM;
static const unsigned long CKVM_CHECK_EXTENSION = KVM_CHECK_EXTENSION;
static const unsigned long CKVM_GET_VCPU_MMAP_SIZE = KVM_GET_VCPU_MMAP_SIZE;
static const unsigned long CKVM_GET_SUPPORTED_CPUID = KVM_GET_SUPPORTED_CPUID;
static const unsigned long CKVM_GET_MSR_INDEX_LIST = KVM_GET_MSR_INDEX_LIST;

// VM fd
static const unsigned long CKVM_CREATE_VCPU = KVM_CREATE_VCPU;
static const unsigned long CKVM_SET_USER_MEMORY_REGION = KVM_SET_USER_MEMORY_REGION;
static const unsigned long CKVM_SET_TSS_ADDR = KVM_SET_TSS_ADDR;
static const unsigned long CKVM_SET_IDENTITY_MAP_ADDR = KVM_SET_IDENTITY_MAP_ADDR;
static const unsigned long CKVM_CREATE_IRQCHIP = KVM_CREATE_IRQCHIP;
static const unsigned long CKVM_CREATE_PIT2 = KVM_CREATE_PIT2;
static const unsigned long CKVM_IRQ_LINE = KVM_IRQ_LINE;
static const unsigned long CKVM_SET_GSI_ROUTING = KVM_SET_GSI_ROUTING;
static const unsigned long CKVM_ENABLE_CAP = KVM_ENABLE_CAP;
static const unsigned long CKVM_IOEVENTFD = KVM_IOEVENTFD;
static const unsigned long CKVM_IRQFD = KVM_IRQFD;
static const unsigned long CKVM_X86_SET_MSR_FILTER = KVM_X86_SET_MSR_FILTER;
// Save/restore of the VM-wide devices KVM emulates (swiftvm's snapshots).
static const unsigned long CKVM_SET_IRQCHIP = KVM_SET_IRQCHIP;
static const unsigned long CKVM_GET_PIT2 = KVM_GET_PIT2;
static const unsigned long CKVM_SET_PIT2 = KVM_SET_PIT2;
static const unsigned long CKVM_GET_CLOCK = KVM_GET_CLOCK;
static const unsigned long CKVM_SET_CLOCK = KVM_SET_CLOCK;

// kvm_msr_filter holds its ranges in a fixed C array, which Swift sees as a 16-tuple; indexing it
// here keeps the tuple out of Swift. `bitmap` must stay valid until the ioctl returns (KVM copies it).
static inline int ckvm_msr_filter_set_range(struct kvm_msr_filter *filter, unsigned index, unsigned flags,
                                            unsigned base, unsigned count, unsigned char *bitmap) {
    if (index >= KVM_MSR_FILTER_MAX_RANGES) return -1;
    filter->ranges[index].flags = flags;
    filter->ranges[index].base = base;
    filter->ranges[index].nmsrs = count;
    filter->ranges[index].bitmap = bitmap;
    return 0;
}

// kvm_irq_routing_entry keeps its target in an anonymous-member union; filling it here keeps the
// union out of Swift.
static inline void ckvm_route_to_irqchip(struct kvm_irq_routing_entry *entry, unsigned gsi, unsigned chip, unsigned pin) {
    entry->gsi = gsi;
    entry->type = KVM_IRQ_ROUTING_IRQCHIP;
    entry->flags = 0;
    entry->u.irqchip.irqchip = chip;
    entry->u.irqchip.pin = pin;
}

static inline void ckvm_route_to_msi(struct kvm_irq_routing_entry *entry, unsigned gsi, unsigned long long address,
                                     unsigned data) {
    entry->gsi = gsi;
    entry->type = KVM_IRQ_ROUTING_MSI;
    entry->flags = 0;
    entry->u.msi.address_lo = (unsigned)address;
    entry->u.msi.address_hi = (unsigned)(address >> 32);
    entry->u.msi.data = data;
}

// vCPU fd
static const unsigned long CKVM_RUN = KVM_RUN;
static const unsigned long CKVM_GET_REGS = KVM_GET_REGS;
static const unsigned long CKVM_SET_REGS = KVM_SET_REGS;
static const unsigned long CKVM_GET_SREGS = KVM_GET_SREGS;
static const unsigned long CKVM_SET_SREGS = KVM_SET_SREGS;
static const unsigned long CKVM_SET_CPUID2 = KVM_SET_CPUID2;
static const unsigned long CKVM_SET_MSRS = KVM_SET_MSRS;
static const unsigned long CKVM_SET_FPU = KVM_SET_FPU;
static const unsigned long CKVM_GET_MP_STATE = KVM_GET_MP_STATE;
static const unsigned long CKVM_SET_MP_STATE = KVM_SET_MP_STATE;
// What can still wake a halted vCPU (swiftvm's deadlock check), and coalesced writes to stray ports.
static const unsigned long CKVM_GET_VCPU_EVENTS = KVM_GET_VCPU_EVENTS;
static const unsigned long CKVM_GET_LAPIC = KVM_GET_LAPIC;
static const unsigned long CKVM_GET_IRQCHIP = KVM_GET_IRQCHIP;
static const unsigned long CKVM_REGISTER_COALESCED_MMIO = KVM_REGISTER_COALESCED_MMIO;
// The rest of a vCPU's state, for snapshots.
static const unsigned long CKVM_GET_MSRS = KVM_GET_MSRS;
static const unsigned long CKVM_GET_FPU = KVM_GET_FPU;
static const unsigned long CKVM_GET_XSAVE = KVM_GET_XSAVE;
static const unsigned long CKVM_SET_XSAVE = KVM_SET_XSAVE;
static const unsigned long CKVM_GET_XCRS = KVM_GET_XCRS;
static const unsigned long CKVM_SET_XCRS = KVM_SET_XCRS;
static const unsigned long CKVM_GET_DEBUGREGS = KVM_GET_DEBUGREGS;
static const unsigned long CKVM_SET_DEBUGREGS = KVM_SET_DEBUGREGS;
static const unsigned long CKVM_SET_VCPU_EVENTS = KVM_SET_VCPU_EVENTS;
static const unsigned long CKVM_SET_LAPIC = KVM_SET_LAPIC;

// ioctl(2) is variadic, which Swift cannot call; Glibc's Swift overloads pass `int`, which would
// sign-extend addresses such as KVM_SET_TSS_ADDR's 0xfffbd000. These three fix the argument type.
#include <sys/ioctl.h>
// Argument-less requests still get an explicit 0: KVM rejects some (KVM_GET_API_VERSION) whose
// unused argument register holds garbage.
static inline int ckvm_ioctl(int fd, unsigned long request) { return ioctl(fd, request, 0UL); }
static inline int ckvm_ioctl_value(int fd, unsigned long request, unsigned long value) {
    return ioctl(fd, request, value);
}
static inline int ckvm_ioctl_pointer(int fd, unsigned long request, void *argument) {
    return ioctl(fd, request, argument);
}

// KVM_RUN on the exit path of every exit, as the bare `syscall` instruction: glibc's ioctl is variadic
// and reports failure through errno in thread-local storage, 21 instructions a call against these 6
// (benchmarks/README.md, "Eleventh pass"). Returns 0 or -errno. x86-64 only, as is everything here.
#include <sys/syscall.h>
static inline long ckvm_run(int fd) {
    long result;
    __asm__ volatile("syscall"
                     : "=a"(result)
                     : "0"((long)SYS_ioctl), "D"((long)fd), "S"((unsigned long)KVM_RUN), "d"(0UL)
                     : "rcx", "r11", "memory");
    return result;
}

// eventfd(2) for ioeventfds: <sys/eventfd.h> is not part of Swift's Glibc module.
#include <sys/eventfd.h>
static inline int ckvm_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

#endif

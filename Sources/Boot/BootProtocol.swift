import GuestMemory

/// The 32-bit entry protocols swiftvm can start a kernel with (docs/guest-interface.md, "Boot").
public enum BootProtocol: String, Sendable, CaseIterable {
    /// Xen PVH: found by the `XEN_ELFNOTE_PHYS32_ENTRY` note; EBX = `hvm_start_info`.
    case pvh
    /// Multiboot v1: found by the header in the first 8 KiB; EAX = 0x2BADB002, EBX = `multiboot_info`.
    case multiboot
}

/// One range of the memory map handed to the guest (PVH memmap, Multiboot mmap, later E820).
public struct MemoryMapEntry: Equatable, Sendable {
    public let range: GuestRange
    public let kind: Kind

    /// The ACPI address-range types both protocols use; only the two swiftvm hands out.
    public enum Kind: UInt32, Sendable {
        case ram = 1
        case reserved = 2
    }

    public init(range: GuestRange, kind: Kind) {
        self.range = range
        self.kind = kind
    }
}

/// A blob the loader placed in guest RAM for the kernel, e.g. an initrd, with its command line.
public struct BootModule: Sendable {
    public let range: GuestRange
    public let commandLine: String

    public init(range: GuestRange, commandLine: String) {
        self.range = range
        self.commandLine = commandLine
    }
}

/// The guest-physical range the boot-information writers may use. Nothing is written outside it.
public struct BootInfoArea: Sendable {
    public let range: GuestRange

    public init(range: GuestRange) { self.range = range }

    /// `[0x1000, 0x7000)`, as docs/guest-interface.md fixes it.
    public static let standard = BootInfoArea(range: GuestRange(start: GuestAddress(0x1000), size: 0x6000)!)
}

/// The registers that differ between the two entry protocols; the rest of the 32-bit entry state
/// (flat segments, CR0 = PE|ET, EFLAGS = 0x2, TSS) is the same for both and set up by the machine.
public struct EntryState: Equatable, Sendable {
    public let protocolUsed: BootProtocol
    public let eip: UInt32
    public let eax: UInt32
    public let ebx: UInt32

    public init(protocolUsed: BootProtocol, eip: UInt32, eax: UInt32, ebx: UInt32) {
        self.protocolUsed = protocolUsed
        self.eip = eip
        self.eax = eax
        self.ebx = ebx
    }
}

/// Turns a loaded kernel and the address of its boot information into the registers it starts with.
public enum BootConfigurator {
    /// The value a Multiboot v1 loader leaves in EAX.
    public static let multibootBootloaderMagic: UInt32 = 0x2BAD_B002

    public static func entryState(for kernel: LoadedKernel, bootInfoAddress: UInt32) -> EntryState {
        switch kernel.protocolUsed {
        case .pvh:
            return EntryState(protocolUsed: .pvh, eip: kernel.entryPoint, eax: 0, ebx: bootInfoAddress)
        case .multiboot:
            return EntryState(protocolUsed: .multiboot, eip: kernel.entryPoint,
                              eax: multibootBootloaderMagic, ebx: bootInfoAddress)
        }
    }
}

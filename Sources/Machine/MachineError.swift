import Boot
import GuestMemory
import KVM
import Snapshot

/// Why a machine could not be built or started. Each description is a sentence a user can act on.
public enum MachineError: Error, Sendable, CustomStringConvertible {
    case badMemorySize(UInt64, minimum: UInt64, maximum: UInt64)
    case memoryNotPageAligned(UInt64)
    case badCPUCount(Int, maximum: Int)
    case fileUnreadable(path: String, what: String, errno: Int32)
    case fileTooLarge(path: String, what: String, size: UInt64, limit: UInt64)
    case elf(ELFError)
    case load(LoadError)
    case bootInfo(BootInfoError)
    case protocolUnavailable(path: String, requested: BootProtocol, available: [BootProtocol])
    case kvm(KVMError)
    /// The host cannot present the machine type's CPU.
    case unsupportedMachine(machine: String, CPUModelError)
    case guestMemory(GuestMemoryError)
    case thread(errno: Int32)
    /// The machine type's ACPI tables could not be built (a bug in the machine type definition).
    case acpi(String)
    /// The disk image could not be opened (`--disk`).
    case disk(String)
    /// A machine type without a disk controller was given `--disk`.
    case noDiskController(machine: String)
    /// A snapshot file was refused (malformed, corrupt, newer than this swiftvm), or writing one failed.
    case snapshot(SnapshotError)
    /// A snapshot names a machine type this swiftvm does not have.
    case snapshotMachineType(file: String, name: String, known: [String])
    /// A snapshot's disk image is missing or changed since the save.
    case snapshotDisk(file: String, path: String, problem: String)
    /// KVM refused a state the snapshot holds (a value no real vCPU or chip could have had).
    case snapshotState(file: String, part: String, KVMError)

    public var description: String {
        switch self {
        case let .badMemorySize(size, minimum, maximum):
            return "guest memory \(ByteCount(size)) is outside the supported \(ByteCount(minimum))–\(ByteCount(maximum))"
        case let .memoryNotPageAligned(size):
            return "guest memory \(size) bytes is not a multiple of 4 KiB"
        case let .badCPUCount(count, maximum):
            return "\(count) vCPUs requested; swiftvm on this host allows 1–\(maximum)"
        case let .fileUnreadable(path, what, errno):
            return "cannot read \(what) \(path): \(KVMError.describe(errno))"
        case let .fileTooLarge(path, what, size, limit):
            return "\(what) \(path) is \(ByteCount(size)), larger than \(ByteCount(limit)) of guest RAM; raise --memory"
        case let .elf(error): return error.description
        case let .load(error): return error.description
        case let .bootInfo(error): return error.description
        case let .protocolUnavailable(path, requested, available):
            let found = available.isEmpty ? "none" : available.map(\.rawValue).joined(separator: ", ")
            return "\(path): --boot \(requested.rawValue) requested, but the image offers \(found)"
        case let .kvm(error): return error.description
        case let .unsupportedMachine(machine, error): return "machine type \(machine): \(error)"
        case let .guestMemory(error): return error.description
        case let .thread(errno): return "could not start a vCPU thread: \(KVMError.describe(errno))"
        case let .acpi(why): return "ACPI tables: \(why)"
        case let .disk(why): return "--disk: \(why)"
        case let .noDiskController(machine): return "--disk: machine type \(machine) has no disk controller (swiftvm-1.2 and later have a virtio-blk disk)"
        case let .snapshot(error): return error.description
        case let .snapshotMachineType(file, name, known):
            return "snapshot \(file): machine type \(name) is unknown (this swiftvm has \(known.joined(separator: ", ")))"
        case let .snapshotDisk(file, path, problem): return "snapshot \(file): disk image \(path) \(problem)"
        case let .snapshotState(file, part, error): return "snapshot \(file): KVM refused the saved state of \(part): \(error)"
        }
    }

    /// True when the fault is in what the user gave us (files, sizes), false when it is the host's.
    public var isBadInput: Bool {
        switch self {
        case .kvm, .guestMemory, .thread, .unsupportedMachine, .acpi: false
        default: true
        }
    }
}

/// A byte count printed the way people write memory sizes.
struct ByteCount: CustomStringConvertible {
    let bytes: UInt64
    init(_ bytes: UInt64) { self.bytes = bytes }
    var description: String {
        for (shift, unit) in [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")] where bytes >= 1 << shift && bytes % (1 << shift) == 0 {
            return "\(bytes >> shift) \(unit)"
        }
        return "\(bytes) bytes"
    }
}

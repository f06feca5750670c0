/// Why KVM_RUN returned, decoded once from kvm_run into plain values.
///
/// A pure value: the run loop's dispatch can be unit-tested with made-up exits, no VM needed.
public enum VcpuExit: Equatable, Sendable {
    /// The guest wrote `data` (count × size bytes, in order) to `port`: `out`, or `outs` with a rep count.
    /// `data` views kvm_run: handle it before the next KVM_RUN.
    case ioOut(port: UInt16, size: Int, data: ExitBytes)
    /// The guest reads `count` elements of `size` bytes from `port`; answer into `VirtualCPU.ioInBuffer`
    /// (or with `VirtualCPU.completeIOIn`).
    case ioIn(port: UInt16, size: Int, count: Int)
    case mmioWrite(address: UInt64, data: ExitBytes)
    /// Answer with `VirtualCPU.completeMMIORead`.
    case mmioRead(address: UInt64, length: Int)
    /// `rdmsr` of an MSR the filter denies; answer with `VirtualCPU.completeMSRRead`.
    case msrRead(index: UInt32)
    /// `wrmsr` of an MSR the filter denies; answer with `VirtualCPU.completeMSRWrite`.
    case msrWrite(index: UInt32, value: UInt64)
    /// `hlt` with no in-kernel irqchip to wait on it.
    case halt
    /// Triple fault (or INIT/shutdown the kernel could not handle).
    case shutdown
    case failEntry(hardwareReason: UInt64, cpu: UInt32)
    case internalError(InternalError)
    /// KVM_SYSTEM_EVENT_* (1 shutdown, 2 reset, 3 crash, …).
    case systemEvent(type: UInt32)
    /// KVM_RUN returned EINTR: a signal or `immediate_exit` (the watchdog's kick).
    case interrupted
    /// Any other exit reason; `reason` is KVM_EXIT_*.
    case unhandled(reason: UInt32)
}

/// KVM_EXIT_INTERNAL_ERROR details.
///
/// Plain data, so that `VcpuExit` is too: nothing to release after each of the exits that are not this
/// one (an array here made every exit pay an enum destruction). Only the words anything reads are kept:
/// the first three of kvm_run's `internal.data` (the flags and, for an emulation failure, the
/// instruction bytes).
public struct InternalError: Equatable, Sendable, CustomStringConvertible {
    /// KVM_INTERNAL_ERROR_*: 1 emulation, 2 exception while delivering an exception, 3 delivery event, 4 unexpected exit.
    public let suberror: UInt32
    private let kept: UInt8
    private let first: (UInt64, UInt64, UInt64)

    public init(suberror: UInt32, data: [UInt64]) {
        self.suberror = suberror
        kept = UInt8(min(data.count, 3))
        first = (data.count > 0 ? data[0] : 0, data.count > 1 ? data[1] : 0, data.count > 2 ? data[2] : 0)
    }

    /// The kept words (at most three).
    public var data: [UInt64] { Array([first.0, first.1, first.2].prefix(Int(kept))) }

    /// The instruction KVM could not emulate, when KVM provided its bytes (KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES).
    public var instructionBytes: [UInt8]? { Self.instructionBytes(suberror: suberror, data: data) }

    public static func == (lhs: InternalError, rhs: InternalError) -> Bool {
        lhs.suberror == rhs.suberror && lhs.data == rhs.data
    }

    public var isEmulationFailure: Bool { suberror == 1 }

    public var suberrorName: String {
        switch suberror {
        case 1: "emulation failure"
        case 2: "exception while delivering an exception"
        case 3: "event delivery failure"
        case 4: "unexpected exit reason"
        default: "suberror \(suberror)"
        }
    }

    /// struct emulation_failure overlays internal.data: data[0] = flags, then insn_size and 15 bytes.
    private static func instructionBytes(suberror: UInt32, data: [UInt64]) -> [UInt8]? {
        guard suberror == 1, data.count >= 3, data[0] & 1 != 0 else { return nil }
        let packed = withUnsafeBytes(of: (data[1].littleEndian, data[2].littleEndian)) { Array($0) }
        let size = min(Int(packed[0]), 15)
        return Array(packed[1..<(1 + size)])
    }

    public var description: String {
        var text = suberrorName
        if let bytes = instructionBytes {
            text += ", instruction bytes " + bytes.map { byte in
                let hex = String(byte, radix: 16)
                return hex.count == 1 ? "0" + hex : hex
            }.joined(separator: " ")
        }
        return text
    }
}

import KVM

/// How a run ended. The first vCPU (or the watchdog) to end the run decides it.
public enum RunStatus: Equatable, Sendable {
    /// The guest wrote `code` to the debug-exit port.
    case guestExit(code: UInt32)
    /// The watchdog stopped the run after `seconds`.
    case timeout(seconds: Double)
    /// Every vCPU halted with interrupts disabled (or waits for INIT/SIPI) and nothing left in the machine
    /// can wake one: the guest can never go on, so the watchdog stopped the run at once, after `seconds`.
    case deadlock(seconds: Double, cpus: [StuckCPU])
    /// Triple fault: KVM_EXIT_SHUTDOWN.
    case shutdown(cpu: UInt32)
    /// KVM could not go on with this vCPU; on this kind of host usually an instruction it cannot emulate.
    case internalError(cpu: UInt32, InternalError)
    case failEntry(cpu: UInt32, hardwareReason: UInt64)
    /// KVM_EXIT_SYSTEM_EVENT (1 shutdown, 2 reset, 3 crash).
    case systemEvent(cpu: UInt32, type: UInt32)
    /// The guest asked for a reset (i8042 command 0xFE, …); swiftvm ends the run rather than reboot.
    case guestReset(via: String)
    /// `hlt` reached userspace (only without an in-kernel irqchip).
    case halted(cpu: UInt32)
    /// Under --strict-io, the guest touched a port or MMIO address with no device.
    case unassignedAccess(cpu: UInt32, UnassignedAccess)
    /// KVM refused something mid-run, or an exit KVM_EXIT_* this VMM does not handle.
    case vmmFailure(cpu: UInt32, String)
    /// The VM was saved to `path` (`bytes` long, in `seconds`) and the run ended there.
    case saved(path: String, bytes: UInt64, seconds: Double)

    /// One line for people.
    public var summary: String {
        switch self {
        case let .guestExit(code): "guest exited with status \(code)"
        case let .timeout(seconds): "timeout: stopped by the watchdog after \(formatSeconds(seconds))"
        case let .deadlock(seconds, cpus):
            "deadlock after \(formatSeconds(seconds)): nothing can wake the guest (" + cpus.map(\.description).joined(separator: "; ") + ")"
        case let .shutdown(cpu): "triple fault (KVM_EXIT_SHUTDOWN) on vCPU \(cpu)"
        case let .internalError(cpu, error): "KVM internal error on vCPU \(cpu): \(error)"
        case let .failEntry(cpu, reason): "KVM could not enter vCPU \(cpu) (hardware reason 0x\(String(reason, radix: 16)))"
        case let .systemEvent(cpu, type): "system event \(type) (\(systemEventName(type))) from vCPU \(cpu)"
        case let .halted(cpu): "vCPU \(cpu) halted"
        case let .guestReset(via): "the guest requested a reset through the \(via)"
        case let .unassignedAccess(cpu, access): "vCPU \(cpu): \(access) (--strict-io)"
        case let .vmmFailure(cpu, what): "VMM failure on vCPU \(cpu): \(what)"
        case let .saved(path, bytes, seconds): "saved to \(path) (\(bytes) bytes, \(Int((seconds * 1000).rounded())) ms)"
        }
    }
}

/// A guest access that no device claimed.
public struct UnassignedAccess: Equatable, Sendable, CustomStringConvertible {
    public enum Space: String, Sendable { case port, mmio }
    public let space: Space
    public let address: UInt64
    public let size: Int
    public let isWrite: Bool

    public var description: String {
        let what = space == .port ? "port 0x\(String(address, radix: 16))" : "MMIO address 0x\(String(address, radix: 16))"
        return "\(isWrite ? "write to" : "read from") unassigned \(what) (\(size) byte\(size == 1 ? "" : "s"))"
    }
}

/// Registers of the vCPU that ended the run, for triple faults and internal errors.
public struct CPUSnapshot: Equatable, Sendable {
    public let cpu: UInt32
    public let registers: Registers
    public let specialRegisters: SpecialRegisters

    public var dump: String {
        let r = registers, s = specialRegisters
        func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
        }
        return """
        vCPU \(cpu):
          rip=\(hex(r.rip)) rsp=\(hex(r.rsp)) rflags=\(hex(r.rflags))
          rax=\(hex(r.rax)) rbx=\(hex(r.rbx)) rcx=\(hex(r.rcx)) rdx=\(hex(r.rdx))
          rsi=\(hex(r.rsi)) rdi=\(hex(r.rdi)) rbp=\(hex(r.rbp))
          cr0=\(hex(s.cr0)) cr2=\(hex(s.cr2)) cr3=\(hex(s.cr3)) cr4=\(hex(s.cr4)) efer=\(hex(s.efer))
          cs=\(String(s.cs.selector, radix: 16)) base=\(hex(s.cs.base)) l=\(s.cs.l ? 1 : 0) db=\(s.cs.db ? 1 : 0)  idt=\(hex(s.idt.base))/\(s.idt.limit) gdt=\(hex(s.gdt.base))/\(s.gdt.limit)
        """
    }
}

/// Everything a run produced.
public struct RunResult: Sendable {
    public let status: RunStatus
    public let snapshot: CPUSnapshot?
    /// Console output (UART and the testdev console stream), up to the capture limit.
    public let console: [UInt8]
    public let consoleBytesDropped: UInt64
    public let exitCount: UInt64
    public let unassignedAccesses: UInt64
    /// rdmsr/wrmsr the machine type answered with #GP.
    public let refusedMSRAccesses: UInt64
    /// Process-local time spent building the machine (KVM set-up, loading) and running it.
    public let setupSeconds: Double
    public let runSeconds: Double
}

func formatSeconds(_ seconds: Double) -> String {
    let milliseconds = Int((seconds * 1000).rounded())
    return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
}

func systemEventName(_ type: UInt32) -> String {
    switch type {
    case 1: "shutdown"
    case 2: "reset"
    case 3: "crash"
    default: "unknown"
    }
}
